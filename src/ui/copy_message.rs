use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState};

/// Copies a finished reply's whole text (its markdown source) to the clipboard.
#[component]
pub fn CopyMessage(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .navigator()
                .clipboard()
                .write_text(&message.text.get_untracked());
            copied.set(true);
            set_timeout(
                move || {
                    let _ = copied.try_set(false);
                },
                super::COPIED_SHOWN,
            );
        }
    };
    view! {
        <button type="button" class="cb-copy-message" aria-label=t.copy_message on:click=copy>
            {move || if copied.get() { t.copied } else { t.copy }}
        </button>
    }
}
