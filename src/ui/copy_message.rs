use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState};

/// Copies a finished reply's whole text (its markdown source) to the clipboard.
#[component]
pub fn CopyMessage(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    // Copies still being announced: a second copy says "Copied" for a moment of its own,
    // not only for what is left of the first one's.
    let copied = RwSignal::new(0u32);
    let copy = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .navigator()
                .clipboard()
                .write_text(&message.text.get_untracked());
            copied.update(|n| *n += 1);
            set_timeout(
                move || {
                    copied.try_update(|n| *n = n.saturating_sub(1));
                },
                super::COPIED_SHOWN,
            );
        }
    };
    // The name follows the words shown: a screen reader reads the name, and hears "Copied" as a
    // sighted visitor sees it.
    let label = move || {
        if copied.get() > 0 {
            t.copied
        } else {
            t.copy_message
        }
    };
    view! {
        <button type="button" class="cb-copy-message" aria-label=label on:click=copy>
            {move || if copied.get() > 0 { t.copied } else { t.copy }}
        </button>
    }
}
