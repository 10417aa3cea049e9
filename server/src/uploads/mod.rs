//! Uploads: files a visitor attaches to a message, in every mode.
//!
//! # Routes
//!
//! | route | answer |
//! |---|---|
//! | `POST {api}/uploads/?conversation=<id>&filename=<name>` with the file's bytes as the body | 201 `{"type", "filename", "file", "size"}` |
//! | `GET /uploads/<name>` | the stored file |
//!
//! `{api}` is `/api/v1` or `/api`, as for the other calls. The upload needs the conversation's
//! `X-Visitor-Token` (when visitor tokens are on) and answers, always as `{"detail", "code"}`: 413
//! `too_large`, 415 `wrong_type` (or `damaged` for an image or video that does not parse), 429
//! `rate` (with `Retry-After`) or `quota`, 403 for a missing or wrong token, 503 `storage` when the
//! storage fails or `busy` when too many uploads are under way, and in maax mode 400 `not_accepted`
//! ([`MAAX_REFUSAL`]).
//!
//! # What happens to a file
//!
//! The body is read as a stream and cut off at `--upload-max-bytes` (a declared `Content-Length`
//! over it is refused before a byte is read). Its kind is sniffed from the bytes ([`sniff`]):
//! markup is refused whatever its name. Images (JPEG, PNG, WebP, GIF), MP4/QuickTime videos and
//! M4A audio lose their metadata ([`strip`]), MP3s their tags; PDF and text are stored as sent. The file is
//! stored ([`storage`]) under a name of 128 bits, half random and half a tag that binds it to the
//! conversation ([`names`]), and the sniffed kind's extension, so names can neither be guessed
//! nor chosen, and the visitor's own file name is only echoed back in the answer. `file` is
//! the public URL: `--upload-public-url` plus the name, or this server's own `/uploads/<name>`.
//! Proxy mode forwards a message's attachments only when each is such a URL, made for the
//! message's conversation ([`Uploads::issued`]), of a file still stored and with at least
//! [`FETCH_MARGIN`] of its retention left ([`Uploads::still_stored`]).
//!
//! # Serving
//!
//! Stored files are served with the kind their name says, `Content-Disposition: attachment`
//! for everything but images, `X-Content-Type-Options: nosniff`, `Content-Security-Policy:
//! sandbox` (a file opened on its own can run nothing on this origin) and caching without
//! revalidation (a name never gets other content) for as long as the file has left to live.
//!
//! # Expiry
//!
//! Files older than `--upload-retention-days` are deleted by a background task ([`expiry`]),
//! at start and then hourly; one past it and not yet deleted is already answered 404.

pub mod expiry;
pub mod iso_media;
pub mod mpeg_audio;
pub mod names;
pub mod per_client;
pub mod quota;
pub mod sniff;
pub mod storage;
pub mod strip;

mod attachments;
mod body;
mod refusals;
mod routes;
mod serving;
mod settings;
mod state;
mod upload;

pub use attachments::{AttachmentRefusal, FETCH_MARGIN};
pub use refusals::{readable_size, MAAX_REFUSAL, UNCONFIGURED_REFUSAL};
pub use routes::{api_router, files_router, refusing_api_router};
pub use serving::{cache_control, MAX_CACHE};
pub use settings::{UploadSettings, DAY, QUOTA_WINDOW};
pub use state::Uploads;
pub use upload::{clean_filename, Stored};
