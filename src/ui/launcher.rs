use leptos::prelude::*;

use super::icons::{chat_icon, close_icon};
use crate::chat::ChatState;

/// The round button in the corner that opens and closes the panel, with a badge counting the
/// replies that arrived while it was closed.
#[component]
pub fn Launcher() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let open = state.open;
    let unread = state.unread;
    let label = move || match (open.get(), unread.get()) {
        (true, _) => "Close chat".to_owned(),
        (false, 0) => "Open chat".to_owned(),
        (false, n) => format!("Open chat, {n} unread"),
    };
    view! {
        <button
            type="button"
            class="cb-launcher"
            aria-expanded=move || open.get().to_string()
            aria-label=label
            on:click=move |_| state.set_open(!open.get_untracked())
        >
            {move || if open.get() { close_icon().into_any() } else { chat_icon().into_any() }}
            <Show when=move || !open.get() && unread.get() != 0>
                <span class="cb-badge" aria-hidden="true">
                    {move || unread.get().min(99)}
                </span>
            </Show>
        </button>
    }
}
