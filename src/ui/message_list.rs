use leptos::prelude::*;

use super::follow::Follow;
use super::message::MessageView;
use crate::chat::{ChatState, HistoryStatus};

/// The scrolling list of messages. Keyed by message, so a new message adds one row and a
/// streamed delta re-renders nothing here.
#[component]
pub fn MessageList() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = Follow::new();
    provide_context(follow);
    view! {
        <div
            class="cb-messages"
            role="log"
            aria-label="Messages"
            tabindex="0"
            node_ref=follow.list
            on:scroll=move |_| follow.on_scroll()
        >
            <Show when=move || state.history.get() == HistoryStatus::Loading>
                <p class="cb-status">"Loading earlier messages…"</p>
            </Show>
            <For each=move || state.messages.get() key=|m| m.key let:message>
                <MessageView message/>
            </For>
        </div>
    }
}
