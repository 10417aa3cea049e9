//! The files a visitor has chosen for their next message. Each one is checked at once (type,
//! size, count, chosen before), then uploaded, a few at a time, with its progress shown; Send
//! waits for the uploads, and a failed upload keeps its file, with a Retry when trying again
//! may help. The uploaded ones come back after a reload,
//! and with the words of a message refused as too large. Browser glue around
//! [`crate::uploads`] and [`crate::attached`].

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::{AbortController, File};

use crate::api;
use crate::attached::{self, AttachedFile};
use crate::chat::ChatState;
use crate::errors::ApiError;
use crate::markdown::safe_url;
use crate::models::Attachment;
use crate::session;
use crate::store;
use crate::texts::fill;
use crate::uploads::{clean_name, distinct_name, readable_size, Refusal, UploadError, MAX_FILES};

/// Where one chosen file is.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadStatus {
    /// Waiting for its turn: for other uploads to end, or for the first to make the
    /// conversation it goes to.
    Queued,
    Uploading,
    /// Not uploaded for want of a connection: it goes by itself once the browser is online,
    /// and a message sent meanwhile waits for it.
    Offline,
    Done(Attachment),
    /// The visitor's words for what went wrong (empty: stopped by the visitor); the file
    /// stays, with a Retry when trying again may go otherwise.
    Failed {
        why: String,
        can_retry: bool,
    },
}

/// One chosen file: a chip in the composer.
#[derive(Debug, Clone)]
pub struct PendingFile {
    pub key: u64,
    pub name: String,
    /// `48 KB`.
    pub size: String,
    /// The picture's thumbnail: a `blob:` URL of the chosen file, revoked when the chip goes,
    /// or the uploaded file's own URL for a chip brought back.
    pub preview: Option<String>,
    /// Percent uploaded.
    pub progress: RwSignal<u32>,
    pub status: RwSignal<UploadStatus>,
    upload: StoredValue<Upload, LocalStorage>,
}

impl PendingFile {
    /// Whether the chip holds the file itself, which can be uploaded again: a chip brought back
    /// holds only the server's answer.
    pub fn has_file(&self) -> bool {
        self.upload
            .try_with_value(|u| u.file.is_some())
            .unwrap_or(false)
    }

    /// Whether the chip holds `file` itself: the same file chosen again.
    fn holds(&self, file: &File) -> bool {
        self.upload
            .try_with_value(|u| {
                u.file.as_ref().is_some_and(|held| {
                    held.name() == file.name()
                        && held.size() == file.size()
                        && held.last_modified() == file.last_modified()
                })
            })
            .unwrap_or(false)
    }

    /// What is stored of it across a reload (tracked).
    fn to_keep(&self) -> AttachedFile {
        match self.status.get() {
            UploadStatus::Done(attachment) => AttachedFile::Uploaded {
                attachment,
                conversation: self
                    .upload
                    .try_with_value(|u| u.conversation.clone())
                    .flatten(),
            },
            _ => AttachedFile::not_uploaded(&self.name),
        }
    }
}

/// The file itself (none in a chip brought back), what stops its upload while one is under way,
/// and the conversation it was uploaded to.
#[derive(Debug)]
struct Upload {
    file: Option<File>,
    abort: Option<AbortController>,
    /// A file belongs to the conversation it was uploaded to: the server refuses it in another.
    conversation: Option<String>,
}

/// The chosen files, shared by the composer (button, chips, Send) and the panel (paste, drop).
#[derive(Debug, Clone, Copy)]
pub struct Attaching {
    pub files: RwSignal<Vec<PendingFile>>,
    /// Send was pressed while files were still uploading: the message goes once they are done.
    pub send_waiting: RwSignal<bool>,
    /// Files are being dragged over the panel.
    pub dragging: RwSignal<bool>,
    /// The bookkeeping that only this module touches.
    inner: StoredValue<Inner, LocalStorage>,
}

struct Inner {
    /// Uploads under way, each taking the queued files in turn (see [`pump`]).
    uploads: usize,
    next_key: u64,
    /// Owns the chips' signals: files are added from event handlers, whose owner is the view
    /// of the button or panel that heard them. Weak, as in [`ChatState`]'s messages.
    owner: WeakOwner,
}

impl Default for Attaching {
    fn default() -> Self {
        Self::new()
    }
}

impl Attaching {
    pub fn new() -> Self {
        Attaching {
            files: RwSignal::new(Vec::new()),
            send_waiting: RwSignal::new(false),
            dragging: RwSignal::new(false),
            inner: StoredValue::new_local(Inner {
                uploads: 0,
                next_key: 0,
                owner: Owner::current().unwrap_or_default().downgrade(),
            }),
        }
    }

    /// Whether any file is still on its way (tracked): uploading, waiting for its turn, or for
    /// the connection.
    pub fn uploading(&self) -> bool {
        self.files.with(|files| {
            files.iter().any(|f| {
                matches!(
                    f.status.get(),
                    UploadStatus::Queued | UploadStatus::Uploading | UploadStatus::Offline
                )
            })
        })
    }

    /// The browser is online again: the files that waited for it upload.
    pub fn back_online(&self, state: ChatState) {
        let waiting: Vec<PendingFile> = self.files.with_untracked(|files| {
            files
                .iter()
                .filter(|f| f.status.get_untracked() == UploadStatus::Offline)
                .cloned()
                .collect()
        });
        queue_again(state, *self, &waiting);
    }

    /// Whether any upload failed (tracked).
    pub fn failed(&self) -> Option<String> {
        self.files.with(|files| {
            files.iter().find_map(|f| match f.status.get() {
                UploadStatus::Failed { why, .. } => Some(why),
                _ => None,
            })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.files.with(Vec::is_empty)
    }

    /// More files than a message carries: a refused message's files put back beside others
    /// chosen meanwhile (see [`put_back`]).
    pub fn too_many(&self) -> bool {
        self.files.with(|files| files.len() > MAX_FILES)
    }

    /// Uploads again, to the conversation `current` (`None`: the one the next upload starts), the
    /// files uploaded to another: a new conversation started since they were chosen. A chip
    /// brought back without its file cannot go again: it fails, saying to attach the file anew.
    /// Whether any changed, so the message cannot go yet.
    pub fn upload_again_outside(&self, state: ChatState, current: Option<&str>) -> bool {
        let stale: Vec<PendingFile> = self.files.with_untracked(|files| {
            files
                .iter()
                .filter(|f| matches!(f.status.get_untracked(), UploadStatus::Done(_)))
                .filter(|f| {
                    f.upload
                        .with_value(|u| u.conversation.as_deref() != current)
                })
                .cloned()
                .collect()
        });
        let (again, without_file): (Vec<PendingFile>, Vec<PendingFile>) =
            stale.iter().cloned().partition(PendingFile::has_file);
        if let Some(first) = without_file.first() {
            let t = state.config.with_value(|c| c.texts);
            for file in &without_file {
                file.status.set(UploadStatus::Failed {
                    why: fill(t.uploaded_elsewhere, &file.name),
                    can_retry: false,
                });
            }
            state.show_notice(fill(t.uploaded_elsewhere, &first.name));
        }
        queue_again(state, *self, &again);
        !stale.is_empty()
    }

    /// Takes every uploaded file for sending; the chips go.
    pub fn take_uploaded(&self) -> Vec<Attachment> {
        let files = self.files.try_update(std::mem::take).unwrap_or_default();
        let uploaded = files
            .iter()
            .filter_map(|f| match f.status.get_untracked() {
                UploadStatus::Done(a) => Some(a),
                _ => None,
            })
            .collect();
        files.iter().for_each(forget);
        uploaded
    }

    /// Removes a chip, stopping its upload if it is under way. A message waiting for its files
    /// waits no more: the visitor is changing what goes with it (taking a wrong picture out to
    /// put the right one in), and sends it again once it is as they want it.
    pub fn remove(&self, key: u64) {
        self.send_waiting.set(false);
        let mut gone = Vec::new();
        self.files.update(|files| {
            files.retain(|f| {
                let keep = f.key != key;
                if !keep {
                    gone.push(f.clone());
                }
                keep
            })
        });
        gone.iter().for_each(forget);
    }
}

/// Lets go of what a chip held: its upload and its thumbnail.
fn forget(file: &PendingFile) {
    if let Some(controller) = file.upload.try_with_value(|u| u.abort.clone()).flatten() {
        controller.abort();
    }
    if let Some(url) = file.preview.as_deref().filter(|u| u.starts_with("blob:")) {
        let _ = web_sys::Url::revoke_object_url(url);
    }
}

/// The files of a `FileList` (from the picker, a drop or a paste).
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}

/// Adds files the visitor chose, dropped or pasted. Each refused file is named in the notice;
/// the others start uploading.
pub fn add_files(state: ChatState, files: Vec<File>) {
    let attaching = state.attaching;
    let settings = state.config.with_value(|c| c.attachments.clone());
    if !settings.enabled() || files.is_empty() {
        return;
    }
    let t = state.config.with_value(|c| c.texts);
    let mut refusals = Vec::new();
    // Past the most a message takes: said once, with the names of the files left out.
    let mut left_out = Vec::new();
    for file in files {
        let (name, mime, size) = (clean_name(&file.name()), file.type_(), file.size() as u64);
        let (count, chosen_before) = attaching
            .files
            .with_untracked(|chips| (chips.len(), chips.iter().any(|c| c.holds(&file))));
        if chosen_before {
            refusals.push(fill(t.already_attached, &name));
            continue;
        }
        if let Err(refusal) = settings.check(&mime, &name, size, count) {
            match refusal {
                Refusal::TooMany => left_out.push(name),
                refusal => refusals.push(settings.refusal_message(refusal, &name, t)),
            }
            continue;
        }
        // Two pasted screenshots are both `image.png`: each chip gets a name of its own, which
        // is also the name it is sent by.
        let name = attaching.files.with_untracked(|chips| {
            distinct_name(&name, |n| chips.iter().any(|chip| chip.name == n))
        });
        let preview = mime
            .starts_with("image/")
            .then(|| web_sys::Url::create_object_url_with_blob(&file).ok())
            .flatten();
        let pending = new_chip(
            attaching,
            name,
            readable_size(size),
            preview,
            UploadStatus::Queued,
            Upload {
                file: Some(file),
                abort: None,
                conversation: None,
            },
        );
        attaching.files.update(|f| f.push(pending));
    }
    if !left_out.is_empty() {
        refusals.push(format!(
            "{}{}{}",
            fill(t.too_many_files, MAX_FILES),
            t.sentence_separator,
            fill(t.left_out, left_out.join(t.list_separator))
        ));
    }
    // Several refusals at once (a folder of photos) are said together.
    if refusals.is_empty() {
        state.notice.set(None);
    } else {
        state.show_notice(refusals.join(t.sentence_separator));
    }
    pump(state, attaching);
}

/// A chip of its own signals, owned by the chips' owner.
fn new_chip(
    attaching: Attaching,
    name: String,
    size: String,
    preview: Option<String>,
    status: UploadStatus,
    upload: Upload,
) -> PendingFile {
    let (key, owner) = attaching
        .inner
        .try_update_value(|inner| {
            inner.next_key += 1;
            (inner.next_key, inner.owner.upgrade())
        })
        .unwrap_or_default();
    let make = || PendingFile {
        key,
        name,
        size,
        preview,
        progress: RwSignal::new(0),
        status: RwSignal::new(status),
        upload: StoredValue::new_local(upload),
    };
    match owner {
        Some(owner) => owner.with(make),
        None => make(),
    }
}

/// Puts files already uploaded to `conversation` back as chips ready to send, before the
/// files chosen since: those of a message refused as too large, as its words go back before
/// what was typed since.
pub fn put_back(state: ChatState, files: Vec<Attachment>, conversation: Option<String>) {
    let attaching = state.attaching;
    let chips: Vec<PendingFile> = files
        .into_iter()
        .map(|attachment| {
            let preview = attachment
                .is_picture()
                .then(|| safe_url(&attachment.file, false))
                .flatten();
            new_chip(
                attaching,
                attachment.filename.clone(),
                attachment.size.map(readable_size).unwrap_or_default(),
                preview,
                UploadStatus::Done(attachment),
                Upload {
                    file: None,
                    abort: None,
                    conversation: conversation.clone(),
                },
            )
        })
        .collect();
    attaching.files.update(|f| {
        f.splice(0..0, chips);
    });
}

/// Brings back the files attached before the last reload (see [`crate::attached`]): the
/// uploaded ones as chips ready to send, the others named in a notice that asks to attach them
/// again. From then on, the chips are stored as they change.
pub fn keep_across_reloads(state: ChatState) {
    let config = state.config.get_value();
    if !config.attachments.enabled() {
        store::save_attached(&config, &[]);
        return;
    }
    let current = store::conversation(&config).map(|c| c.id);
    let stored = attached::after_reload(store::attached(&config), current.as_deref());
    put_back(state, stored.ready, current);
    if let Some(said) = attached::attach_again_notice(&stored.attach_again, config.texts) {
        state.show_notice(said);
    }
    let files = state.attaching.files;
    Effect::new(move |_| {
        let kept: Vec<AttachedFile> =
            files.with(|files| files.iter().map(PendingFile::to_keep).collect());
        state
            .config
            .with_value(|config| store::save_attached(config, &kept));
    });
}

/// Tries a failed upload again.
pub fn retry(state: ChatState, file: &PendingFile) {
    state.notice.set(None);
    queue_again(state, state.attaching, std::slice::from_ref(file));
}

/// Puts `files` back in the upload queue, from the start, and sees that it runs.
fn queue_again(state: ChatState, attaching: Attaching, files: &[PendingFile]) {
    for file in files {
        file.progress.set(0);
        file.status.set(UploadStatus::Queued);
    }
    if !files.is_empty() {
        pump(state, attaching);
    }
}

/// Uploads under way at once: a large or slow file does not hold up the small ones after it
/// (`chat-bubble-server` takes 4 at once from one visitor).
const UPLOADS_AT_ONCE: usize = 3;

/// Starts as many uploads of the queued files as may run beside those under way. Until the
/// conversation exists, one upload at a time: the first makes it, and the others go to it.
fn pump(state: ChatState, attaching: Attaching) {
    let at_once = if state.config.with_value(store::conversation).is_some() {
        UPLOADS_AT_ONCE
    } else {
        1
    };
    let queued = attaching.files.with_untracked(|files| {
        files
            .iter()
            .filter(|f| f.status.get_untracked() == UploadStatus::Queued)
            .count()
    });
    let more = attaching
        .inner
        .try_update_value(|inner| {
            let more = at_once.saturating_sub(inner.uploads).min(queued);
            inner.uploads += more;
            more
        })
        .unwrap_or(0);
    for _ in 0..more {
        spawn_local(upload_queued(state, attaching));
    }
}

/// Uploads the queued files, one after the other, until none is left.
async fn upload_queued(state: ChatState, attaching: Attaching) {
    while let Some(next) = attaching.files.with_untracked(|files| {
        files
            .iter()
            .find(|f| f.status.get_untracked() == UploadStatus::Queued)
            .cloned()
    }) {
        next.status.set(UploadStatus::Uploading);
        let outcome = upload_one(state, &next).await;
        // The chip may have been removed meanwhile: then nothing is left to update.
        let _ = next.status.try_set(outcome);
        // The conversation may exist now: the files still queued need not wait for this one.
        pump(state, attaching);
    }
    attaching
        .inner
        .update_value(|inner| inner.uploads = inner.uploads.saturating_sub(1));
}

async fn upload_one(state: ChatState, pending: &PendingFile) -> UploadStatus {
    let Ok(controller) = AbortController::new() else {
        return UploadStatus::Failed {
            why: String::new(),
            can_retry: true,
        };
    };
    let Some(file) = pending.upload.with_value(|u| u.file.clone()) else {
        return UploadStatus::Failed {
            why: fill(
                state.config.with_value(|c| c.texts).uploaded_elsewhere,
                &pending.name,
            ),
            can_retry: false,
        };
    };
    pending
        .upload
        .update_value(|u| u.abort = Some(controller.clone()));
    let config = state.config.get_value();
    let progress = pending.progress;
    let mut outcome = Err(UploadError::Api(ApiError::Network));
    let mut uploaded_to = None;
    // A conversation the server no longer takes this browser's token for is replaced once.
    for _ in 0..2 {
        let conversation = match store::conversation(&config) {
            Some(c) => c,
            None => match session::create_conversation(state, &config, &controller).await {
                Ok(c) => c,
                Err(e) => {
                    outcome = Err(UploadError::Api(e));
                    break;
                }
            },
        };
        uploaded_to = Some(conversation.id.clone());
        outcome = api::upload_file(
            &config,
            &conversation,
            &file,
            &pending.name,
            &controller.signal(),
            move |share| {
                let _ = progress.try_set((share * 100.0).round() as u32);
            },
        )
        .await;
        // Only a refused token says so here: a 404 is an API without uploads (a backend
        // other than chat-bubble-server), not a forgotten conversation.
        match &outcome {
            Err(UploadError::Api(ApiError::Status { status: 403, .. })) => {
                // Uploads go side by side: another may have replaced it already.
                let still = store::conversation(&config).is_some_and(|c| c.id == conversation.id);
                if still {
                    store::forget_conversation(&config);
                }
            }
            _ => break,
        }
    }
    pending.upload.update_value(|u| {
        u.abort = None;
        u.conversation = uploaded_to;
    });
    let t = config.texts;
    match outcome {
        Ok(uploaded) => UploadStatus::Done(Attachment {
            kind: uploaded.kind,
            // The visitor's own name for it, as the server echoes it.
            filename: if uploaded.filename.is_empty() {
                pending.name.clone()
            } else {
                uploaded.filename
            },
            file: uploaded.file,
            size: uploaded.size,
        }),
        // Stopped because the visitor removed the chip: nothing to tell.
        Err(UploadError::Api(ApiError::Aborted)) => UploadStatus::Failed {
            why: String::new(),
            can_retry: true,
        },
        Err(UploadError::Api(ApiError::Offline)) => {
            state.show_offline_notice(fill(t.upload_when_online, &pending.name));
            UploadStatus::Offline
        }
        Err(error) => {
            let message = error.message(&pending.name, &config.attachments, t);
            state.show_notice(message.clone());
            UploadStatus::Failed {
                why: message,
                can_retry: error.can_retry(),
            }
        }
    }
}
