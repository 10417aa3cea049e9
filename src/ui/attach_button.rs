use leptos::html::Input;
use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::icons::{Icon, ATTACH};
use crate::attaching::{add_files, files_of};
use crate::chat::ChatState;
use crate::uploads::AttachmentMode;

/// The paper-clip button and the file picker it opens. With images only, the picker's
/// `accept="image/*"` lets phones offer the camera too.
#[component]
pub fn AttachButton() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (accept, label) = state.config.with_value(|c| {
        let label = match c.attachments.mode {
            AttachmentMode::Images => c.texts.attach_image,
            _ => c.texts.attach_file,
        };
        (c.attachments.accept(), label)
    });
    let input = NodeRef::<Input>::new();
    view! {
        <button
            type="button"
            class="cb-attach"
            aria-label=label
            title=label
            on:click=move |_| {
                if let Some(input) = input.get_untracked() {
                    input.click();
                }
            }
        >
            <Icon path=ATTACH/>
        </button>
        // Reached through the button: hidden from the page and from screen readers.
        <input
            type="file"
            class="cb-file-input"
            multiple
            accept=accept
            tabindex="-1"
            aria-hidden="true"
            node_ref=input
            // The click the button makes opens the picker and goes no further: it comes while
            // the button's own click is handled, and under Leptos's event delegation both would
            // be handled by one listener on `window`, which must not be called inside itself.
            on:click:capture=|ev| ev.stop_propagation()
            // The input's own listener in every build: `change` does not leave the shadow root
            // either (see the composer's `submit`).
            on:change:capture=move |ev| {
                let input = event_target::<HtmlInputElement>(&ev);
                let files = files_of(input.files());
                // The same file may be chosen again after it was removed.
                input.set_value("");
                add_files(state, files);
            }
        />
    }
}
