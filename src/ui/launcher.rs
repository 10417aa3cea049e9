use leptos::prelude::*;

use super::icons::{chat_icon, close_icon};
use crate::chat::ChatState;
use crate::texts::fill;

/// The round button in the corner that opens and closes the panel, with a badge counting the
/// replies that arrived while it was closed.
#[component]
pub fn Launcher() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let open = state.open;
    let unread = state.unread;
    let t = state.config.with_value(|c| c.texts);
    let label = move || match (open.get(), unread.get()) {
        (true, _) => t.close_chat.to_owned(),
        (false, 0) => t.open_chat.to_owned(),
        (false, n) => fill(t.open_chat_unread, n),
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
