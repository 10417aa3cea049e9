use leptos::prelude::*;

use super::upload_chip::UploadChip;
use crate::chat::ChatState;

/// The files chosen for the next message, above the message box, and while Send waits for
/// them, a line that says so.
#[component]
pub fn UploadChips() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let attaching = state.attaching;
    let t = state.config.with_value(|c| c.texts);
    // Plain closures rather than `<Show>`: the conditions are one cheap read each.
    let chips = move || {
        (!attaching.is_empty()).then(|| {
            view! {
                <ul class="cb-chips" aria-label=t.files_to_send>
                    <For each=move || attaching.files.get() key=|file| file.key let:file>
                        <UploadChip file/>
                    </For>
                </ul>
            }
        })
    };
    let waiting = move || {
        attaching
            .send_waiting
            .get()
            .then(|| view! { <p class="cb-chips-status" role="status">{t.waiting_for_uploads}</p> })
    };
    view! {
        {chips}
        {waiting}
    }
}
