use leptos::html::Button;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::chat::{ChatMessage, ChatState};
use crate::clipboard::{copy_text, CopyOutcome};

/// Copies a finished reply's whole text (its markdown source) to the clipboard.
#[component]
pub fn CopyMessage(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let button = NodeRef::<Button>::new();
    // What the latest copy came to, said for a moment; `None`: the button offers to copy.
    let outcome = RwSignal::new(None::<CopyOutcome>);
    // Copies pressed so far: a second copy gets a moment of its own, not only what is left of
    // the first one's (only the newest copy's timer puts the button back).
    let copies = StoredValue::new(0u32);
    let copy = move |_| {
        let Some(element) = button.get_untracked() else {
            return;
        };
        let text = message.text.get_untracked();
        copies.update_value(|n| *n = n.wrapping_add(1));
        let this_copy = copies.get_value();
        spawn_local(async move {
            let done = copy_text(&text, &element).await;
            outcome.try_set(Some(done));
            set_timeout(
                move || {
                    if copies.try_get_value() == Some(this_copy) {
                        outcome.try_set(None);
                    }
                },
                super::COPIED_SHOWN,
            );
        });
    };
    // The name follows the words shown: a screen reader reads the name, and hears "Copied" (or
    // that it could not copy) as a sighted visitor sees it.
    let label = move || outcome.get().map_or(t.copy_message, |o| o.words(t));
    view! {
        <button type="button" class="cb-copy-message" aria-label=label on:click=copy node_ref=button>
            {move || outcome.get().map_or(t.copy, |o| o.words(t))}
        </button>
    }
}
