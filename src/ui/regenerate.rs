use leptos::prelude::*;

use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::chat::{ChatMessage, ChatState};
use crate::session;

/// Asks again for the last reply (shown on it only, and not while a reply streams).
#[component]
pub fn Regenerate(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    view! {
        <button
            type="button"
            class="cb-regenerate"
            on:click=move |ev| {
                go_on_at(&ev, MESSAGE_BOX);
                session::regenerate(state, message);
            }
        >
            {t.regenerate}
        </button>
    }
}
