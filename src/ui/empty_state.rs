use leptos::prelude::*;

use super::assistant_picture::AssistantPicture;
use super::icons::{Icon, CHAT};
use crate::chat::{ChatState, HistoryStatus};

/// What an empty conversation shows when the site set no greeting: the assistant's picture
/// (or the chat mark), the title and one line that invites a first message.
#[component]
pub fn EmptyState() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (avatar, title, t) = state
        .config
        .with_value(|c| (c.avatar.clone(), c.title(), c.texts));
    // Not while the history is read, nor when reading it failed: the conversation has messages.
    let empty = move || {
        state.messages.with(Vec::is_empty)
            && matches!(
                state.history.get(),
                HistoryStatus::NotLoaded | HistoryStatus::Loaded
            )
    };
    let mark = || view! { <span class="cb-empty-avatar cb-empty-mark"><Icon path=CHAT/></span> };
    view! {
        <Show when=empty>
            <div class="cb-empty">
                // A picture that cannot be loaded gives way to the chat mark.
                {match avatar.clone() {
                    Some(src) => view! {
                        <AssistantPicture src class="cb-empty-avatar" fallback=mark/>
                    }
                    .into_any(),
                    None => mark().into_any(),
                }}
                <p class="cb-empty-title" dir="auto">{title.clone()}</p>
                <p class="cb-empty-invite">{t.empty_invite}</p>
            </div>
        </Show>
    }
}
