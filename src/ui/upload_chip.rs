use leptos::prelude::*;

use super::icons::{Icon, CLOSE};
use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::attaching::{retry, PendingFile, UploadStatus};
use crate::chat::ChatState;
use crate::texts::fill;
use crate::uploads::start_and_extension;

/// One chosen file: its thumbnail (pictures) or name, its size and where its upload is (the
/// progress, or a word when it waits or failed), a Retry when the upload failed in a way that
/// trying again may mend, and a button to remove it.
#[component]
pub fn UploadChip(file: PendingFile) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let attaching = state.attaching;
    let t = state.config.with_value(|c| c.texts);
    let (status, progress, key) = (file.status, file.progress, file.key);
    let failed = move || match status.get() {
        UploadStatus::Failed { why, .. } => Some(why),
        _ => None,
    };
    // A chip brought back without its file has nothing to upload again.
    let has_file = file.has_file();
    let can_retry = move || {
        has_file
            && matches!(
                status.get(),
                UploadStatus::Failed {
                    can_retry: true,
                    ..
                }
            )
    };
    // Without a word, a chip that waits looks uploaded, and one queued looks stuck at 0 %.
    let state_word = move || match status.get() {
        UploadStatus::Queued => Some(t.chip_waiting),
        UploadStatus::Offline => Some(t.chip_offline),
        UploadStatus::Failed { .. } => Some(t.chip_failed),
        UploadStatus::Uploading | UploadStatus::Done(_) => None,
    };
    let under_way = move || status.get() == UploadStatus::Uploading;
    let uploading_label = fill(t.uploading_file, &file.name);
    let remove_label = fill(t.remove_file, &file.name);
    let retry_label = fill(t.retry_upload, &file.name);
    let (start, extension) = start_and_extension(&file.name);
    let (start, extension) = (start.to_owned(), extension.to_owned());
    // A preview the browser cannot draw (a text file named .png) goes rather than show as a
    // broken picture.
    let unreadable = RwSignal::new(false);
    let thumbnail = file.preview.clone().map(|src| {
        view! {
            <img
                class="cb-chip-thumb"
                src=src
                alt=""
                hidden=move || unreadable.get()
                on:error=move |_| unreadable.set(true)
            />
        }
    });
    view! {
        <li
            class="cb-chip"
            class:cb-chip-failed=move || failed().is_some()
            class:cb-chip-done=move || matches!(status.get(), UploadStatus::Done(_))
            title=move || failed().unwrap_or_default()
        >
            {thumbnail}
            <span class="cb-chip-text">
                // Cut short in its start, so that its extension stays in sight.
                <span class="cb-chip-name">
                    <span class="cb-chip-start">{start}</span>
                    {extension}
                </span>
                <span class="cb-chip-size">
                    {file.size.clone()}
                    {move || state_word().map(|word| format!(" · {word}"))}
                </span>
            </span>
            {move || {
                under_way()
                    .then(|| {
                        view! {
                            <progress
                                class="cb-chip-progress"
                                max="100"
                                prop:value=move || progress.get()
                                aria-label=uploading_label.clone()
                            ></progress>
                        }
                    })
            }}
            {move || {
                let file = file.clone();
                can_retry()
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="cb-chip-retry"
                                aria-label=retry_label.clone()
                                on:click=move |ev| {
                                    go_on_at(&ev, MESSAGE_BOX);
                                    retry(state, &file);
                                }
                            >
                                {t.retry}
                            </button>
                        }
                    })
            }}
            <button
                type="button"
                class="cb-chip-remove"
                aria-label=remove_label.clone()
                title=remove_label
                on:click=move |ev| {
                    go_on_at(&ev, MESSAGE_BOX);
                    attaching.remove(key);
                }
            >
                <Icon path=CLOSE/>
            </button>
        </li>
    }
}
