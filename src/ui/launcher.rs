use leptos::prelude::*;

use super::icons::{chat_icon, close_icon};
use crate::chat::ChatState;

/// The round button in the corner that opens and closes the panel.
#[component]
pub fn Launcher() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let open = state.open;
    view! {
        <button
            type="button"
            class="cb-launcher"
            aria-expanded=move || open.get().to_string()
            aria-label=move || if open.get() { "Close chat" } else { "Open chat" }
            on:click=move |_| open.update(|o| *o = !*o)
        >
            {move || if open.get() { close_icon().into_any() } else { chat_icon().into_any() }}
        </button>
    }
}
