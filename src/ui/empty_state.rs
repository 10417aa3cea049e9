use leptos::prelude::*;

use super::icons::{Icon, CHAT};
use crate::chat::{ChatState, HistoryStatus};

/// What an empty conversation shows when the site set no greeting: the assistant's picture
/// (or the chat mark), the title and one line that invites a first message.
#[component]
pub fn EmptyState() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (avatar, title, t) = state
        .config
        .with_value(|c| (c.avatar.clone(), c.title.clone(), c.texts));
    let empty =
        move || state.messages.with(Vec::is_empty) && state.history.get() != HistoryStatus::Loading;
    // A picture that cannot be loaded gives way to the chat mark, not a broken image.
    let picture_failed = RwSignal::new(false);
    view! {
        <Show when=empty>
            <div class="cb-empty">
                {let avatar = avatar.clone();
                move || match avatar.clone().filter(|_| !picture_failed.get()) {
                    Some(src) => view! {
                        <img
                            class="cb-empty-avatar"
                            src=src
                            alt=""
                            on:error=move |_| picture_failed.set(true)
                        />
                    }
                    .into_any(),
                    None => view! {
                        <span class="cb-empty-avatar cb-empty-mark"><Icon path=CHAT/></span>
                    }
                    .into_any(),
                }}
                <p class="cb-empty-title">{title.clone()}</p>
                <p class="cb-empty-invite">{t.empty_invite}</p>
            </div>
        </Show>
    }
}
