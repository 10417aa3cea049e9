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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::api_error::ApiError;
use crate::config::{GuardArgs, UploadArgs, UploadStorage};
use crate::guard::client::{client_key, public_base};
use crate::guard::plain_id;
use crate::guard::rate::{retry_after_secs, RateLimiter};
use crate::visitor::VisitorKeys;
use names::{NameKeys, NAME_BYTES};
use quota::{Exceeded, Quota, QuotaLimits};
use sniff::Kind;
use storage::{Storage, StorageSettings};

/// The longest a stored file may be cached: a year (it never changes; the limit is HTTP's
/// custom).
pub const MAX_CACHE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// A day, the unit of `--upload-retention-days`.
pub const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// `Cache-Control` for a stored file that may be kept `max_age` longer (at most
/// [`MAX_CACHE`]): no revalidation, since a name never gets other content.
pub fn cache_control(max_age: Duration) -> String {
    format!(
        "public, max-age={}, immutable",
        max_age.min(MAX_CACHE).as_secs()
    )
}

/// How long an attached file must still have to live for a message to carry it. MaiAgent
/// fetches the file after the message is accepted, while it answers (and a slow reply or a
/// retry of its own can take minutes): a file seconds from its expiry would be a 404 by then,
/// and the visitor would get an answer about nothing. Refused as `gone` instead, the widget
/// puts the words back and the visitor attaches the file anew. Ten minutes covers a long reply
/// many times over and costs a file at most that much of its 30-day default retention.
pub const FETCH_MARGIN: Duration = Duration::from_secs(10 * 60);

/// The quota's window: a day.
pub const QUOTA_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The wait suggested to a client with its share of uploads in flight.
const BUSY_RETRY_SECS: u64 = 5;

/// The longest file name echoed back, in characters.
const MAX_FILENAME_CHARS: usize = 120;

/// What the server does with uploads.
#[derive(Clone, Debug)]
pub struct UploadSettings {
    pub storage: StorageSettings,
    pub max_bytes: u64,
    pub quota: QuotaLimits,
    /// Uploads per minute per conversation; 0 turns the limit off.
    pub rate_per_minute: u32,
    /// Uploads read at once; more wait for none and get 503.
    pub concurrent: usize,
    /// Uploads one client address may have in flight at once; 0 means no cap.
    pub concurrent_per_client: usize,
    /// The average rate an upload must keep up after [`SLOW_START`]; 0 turns it off.
    pub min_bytes_per_sec: u64,
    /// What one client address may store in a day, whatever the conversations it makes.
    pub client_quota: QuotaLimits,
    /// How long a stored file is kept; `None` keeps files forever.
    pub retention: Option<Duration>,
    /// Base URL the stored files are reachable at (a CDN, the bucket); `None` serves them
    /// from this server's `/uploads/`.
    pub public_url: Option<String>,
    /// This server's own public origin and whether to trust `X-Forwarded-Proto`, as for the
    /// history links (see [`crate::guard::client::public_base`]).
    pub server_public_url: Option<String>,
    pub trust_proxy: bool,
}

/// The uploads' shared state.
pub struct Uploads {
    settings: UploadSettings,
    storage: Storage,
    visitors: Option<VisitorKeys>,
    /// Makes stored names, each bound to its conversation (see [`names`]).
    names: NameKeys,
    rate: Option<RateLimiter<String>>,
    quota: Mutex<Quota>,
    /// The same, per client address (a conversation costs one request to make).
    client_quota: Mutex<Quota>,
    slots: Semaphore,
    in_flight: per_client::InFlight,
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploads")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// What a stored upload is, as the widget puts it in `message.attachments`.
#[derive(Clone, Debug, Serialize)]
pub struct Stored {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub filename: String,
    pub file: String,
    pub size: u64,
}

/// Why a message's attachment is refused (proxy mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentRefusal {
    /// Not a URL of a file this server stored: another host or base, or not a name of its
    /// making.
    Foreign,
    /// A name of this server's form that it did not make for this conversation: another
    /// conversation's file, a file stored before names were bound, or a made-up name.
    OtherConversation,
    /// Not in the storage (deleted, never stored), past its retention or within
    /// [`FETCH_MARGIN`] of its end: MaiAgent would fetch a 404.
    Gone,
    /// The storage could not say.
    Storage,
}

impl IntoResponse for AttachmentRefusal {
    /// A 400 with the field error MaiAgent itself would give (`{"attachments": [...]}`), plus
    /// a `detail` the widget shows and a `code` that says which case it is, so that a client
    /// can offer to attach the file again. A storage failure is a 503 `storage`, which the
    /// widget retries on its own.
    fn into_response(self) -> Response {
        let (code, detail) = match self {
            AttachmentRefusal::Foreign => ("foreign", "Only files uploaded here can be attached."),
            AttachmentRefusal::OtherConversation => (
                "other_conversation",
                "This file was not uploaded in this conversation. Please attach it again.",
            ),
            AttachmentRefusal::Gone => (
                "gone",
                "This file is no longer available. Please attach it again.",
            ),
            AttachmentRefusal::Storage => return storage_down(),
        };
        let body = serde_json::json!({"attachments": [detail], "detail": detail, "code": code});
        ApiError::bad_request(body).into_response()
    }
}

/// What proxy mode answers an upload when it does not know its public URL (see `app`).
pub const UNCONFIGURED_REFUSAL: &str = "This chat can't receive files right now. Please \
     describe what the file shows in your message.";

/// What maax mode answers an upload: Maax AI's API takes text only.
pub const MAAX_REFUSAL: &str = "This assistant reads text only and can't receive files. \
     Please describe what the file shows in your message.";

impl UploadSettings {
    /// From the command line.
    pub fn from_args(args: &UploadArgs, guard: &GuardArgs) -> UploadSettings {
        let storage = match args.upload_storage {
            UploadStorage::Local => StorageSettings::Local {
                dir: args.upload_dir.clone(),
            },
            UploadStorage::S3 => StorageSettings::S3 {
                bucket: args.upload_s3_bucket.clone().unwrap_or_default(),
                prefix: args.upload_s3_prefix.clone(),
                endpoint: args.upload_s3_endpoint.clone(),
                region: args.upload_s3_region.clone(),
            },
        };
        UploadSettings {
            storage,
            max_bytes: args.upload_max_bytes,
            quota: QuotaLimits {
                bytes: args.upload_quota_bytes,
                files: args.upload_quota_files,
                window: QUOTA_WINDOW,
            },
            rate_per_minute: args.upload_rate_limit,
            concurrent: args.upload_concurrent,
            concurrent_per_client: args.upload_concurrent_per_client,
            min_bytes_per_sec: args.upload_min_bytes_per_sec,
            client_quota: QuotaLimits {
                bytes: args.upload_client_quota_bytes,
                files: args.upload_client_quota_files,
                window: QUOTA_WINDOW,
            },
            retention: (args.upload_retention_days > 0).then(|| DAY * args.upload_retention_days),
            public_url: args
                .upload_public_url
                .clone()
                .filter(|u| !u.trim().is_empty()),
            server_public_url: guard.public_url.clone().filter(|u| !u.trim().is_empty()),
            trust_proxy: guard.trust_proxy,
        }
    }
}

impl Uploads {
    /// Fails on storage settings that cannot work (see [`Storage::open`]).
    pub fn new(
        settings: UploadSettings,
        visitors: Option<VisitorKeys>,
    ) -> Result<Arc<Uploads>, String> {
        if let Some(url) = &settings.public_url {
            let parsed = reqwest::Url::parse(url.trim())
                .map_err(|e| format!("the upload public URL is not a URL ({e})"))?;
            if !matches!(parsed.scheme(), "http" | "https")
                || parsed.host_str().is_none()
                || !parsed.username().is_empty()
                || parsed.password().is_some()
                || parsed.query().is_some()
            {
                return Err(
                    "the upload public URL must be http(s)://host[/prefix]/, without \
                     credentials or a query"
                        .into(),
                );
            }
        }
        let storage = Storage::open(&settings.storage)?;
        let rate = (settings.rate_per_minute > 0)
            .then(|| RateLimiter::new(settings.rate_per_minute, settings.rate_per_minute));
        Ok(Arc::new(Uploads {
            quota: Mutex::new(Quota::new(settings.quota)),
            client_quota: Mutex::new(Quota::new(settings.client_quota)),
            slots: Semaphore::new(settings.concurrent.max(1)),
            in_flight: per_client::InFlight::new(settings.concurrent_per_client),
            storage,
            names: NameKeys::new(visitors.as_ref()),
            visitors,
            rate,
            settings,
        }))
    }

    /// The stored name and MaiAgent's attachment `type` of the file at `url`, when it is a
    /// file this server stored for `conversation`: the public URL it hands out for uploads,
    /// followed by a name it made for that conversation. Attachments point only there, so a
    /// visitor can neither send the backend to fetch any URL, nor pass a file by the checks
    /// made here, nor attach a file another conversation uploaded. The type comes from the
    /// kind the bytes were stored as, whatever a client says. Whether the file is still there
    /// is [`Uploads::still_stored`]'s to say.
    pub fn issued(
        &self,
        headers: &HeaderMap,
        conversation: &str,
        url: &str,
    ) -> Result<(String, &'static str), AttachmentRefusal> {
        let name = url
            .strip_prefix(&self.file_url(headers, ""))
            .ok_or(AttachmentRefusal::Foreign)?;
        let kind = kind_of_name(name).ok_or(AttachmentRefusal::Foreign)?;
        if !self.names.bound_to(name, conversation) {
            return Err(AttachmentRefusal::OtherConversation);
        }
        Ok((name.to_owned(), kind.attachment_type()))
    }

    /// Whether the file stored under `name` is there and will stay within its retention for
    /// at least [`FETCH_MARGIN`], so that MaiAgent, given its URL, finds it. One metadata call
    /// to the storage (a `HEAD` in S3); the file itself is not read.
    pub async fn still_stored(&self, name: &str) -> Result<(), AttachmentRefusal> {
        match self.storage.modified(name).await {
            Ok(Some(modified))
                if self.left_to_live(modified, SystemTime::now()) >= FETCH_MARGIN =>
            {
                Ok(())
            }
            Ok(_) => Err(AttachmentRefusal::Gone),
            Err(e) => {
                tracing::error!(error = %e, "upload: the storage could not check an attachment");
                Err(AttachmentRefusal::Storage)
            }
        }
    }

    /// How much longer a file stored at `modified` may be kept and cached as of `now`: the
    /// rest of its retention (zero once past it), or [`MAX_CACHE`] when files are kept forever.
    fn left_to_live(&self, modified: SystemTime, now: SystemTime) -> Duration {
        match self.settings.retention {
            None => MAX_CACHE,
            Some(retention) => {
                let age = now.duration_since(modified).unwrap_or_default();
                retention.saturating_sub(age)
            }
        }
    }

    fn file_url(&self, headers: &HeaderMap, name: &str) -> String {
        match &self.settings.public_url {
            Some(base) => format!("{}/{name}", base.trim_end_matches('/')),
            None => format!(
                "{}/uploads/{name}",
                public_base(
                    headers,
                    self.settings.trust_proxy,
                    self.settings.server_public_url.as_deref()
                )
            ),
        }
    }
}

/// `POST uploads/` under both API prefixes. The caller puts the mode's layers (CORS, the
/// guard) around it.
pub fn api_router(state: Arc<Uploads>) -> Router {
    under_api_prefixes(post(upload)).with_state(state)
}

/// `POST uploads/` for a backend that takes no files (maax mode): every upload is refused
/// with `detail`, before its body is read, and nothing is stored.
pub fn refusing_api_router(detail: &'static str) -> Router {
    under_api_prefixes(post(move || async move {
        refuse(StatusCode::BAD_REQUEST, "not_accepted", detail)
    }))
}

fn under_api_prefixes<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>) -> Router<S> {
    [
        "/api/v1/uploads/",
        "/api/v1/uploads",
        "/api/uploads/",
        "/api/uploads",
    ]
    .into_iter()
    .fold(Router::new(), |router, path| {
        router.route(path, route.clone())
    })
}

/// `GET /uploads/<name>`: no origin check or CORS, as for any image or download a page links.
pub fn files_router(state: Arc<Uploads>) -> Router {
    Router::new()
        .route("/uploads/{name}", get(serve))
        .with_state(state)
}

/// An error in the shape the widget reads: a sentence for the visitor and a code for code.
fn refuse(status: StatusCode, code: &str, detail: &str) -> Response {
    ApiError::coded(status, code, detail).into_response()
}

fn too_large(max: u64) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!(
            "This file is too large. Files can be up to {}.",
            readable_size(max)
        ),
    )
}

fn storage_down() -> Response {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage",
        "Files can't be stored right now. Please try again in a moment.",
    )
}

/// `1.5 MB`, `300 KB`: sizes as a visitor reads them (powers of 1024, as file managers show).
pub fn readable_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * KB;
    let kilobytes = bytes.div_ceil(KB);
    if bytes < KB {
        format!("{bytes} B")
    } else if kilobytes < KB {
        format!("{kilobytes} KB")
    } else {
        let tenths = (bytes * 10 + MB / 2) / MB;
        match tenths % 10 {
            0 => format!("{} MB", tenths / 10),
            t => format!("{}.{t} MB", tenths / 10),
        }
    }
}

/// The visitor's file name without any path, control characters, direction overrides (which
/// make `gnp.exe` read as `exe.png`) or excess length.
pub fn clean_filename(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base
        .chars()
        .filter(|&c| !c.is_control() && !is_direction_mark(c))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        "file".into()
    } else {
        name.into()
    }
}

fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The kind of a name this server made, or `None` for any other name.
fn kind_of_name(name: &str) -> Option<Kind> {
    let (stem, ext) = name.split_once('.')?;
    let ours = stem.len() == NAME_BYTES * 2
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ours.then(|| Kind::from_extension(ext)).flatten()
}

async fn upload(
    State(state): State<Arc<Uploads>>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let client = client_key(&request, state.settings.trust_proxy);
    let (parts, body) = request.into_parts();
    let headers = parts.headers;
    let conversation = match query.get("conversation").map(String::as_str) {
        Some(c) if plain_id(c) => c.to_owned(),
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "conversation",
                "Start the conversation first: an upload belongs to one.",
            )
        }
    };
    if let Some(keys) = &state.visitors {
        if let Err(refusal) = keys.check(&headers, &conversation) {
            return refusal.into_response();
        }
    }
    if let Some(rate) = &state.rate {
        if let Err(wait) = rate.check(conversation.clone(), Instant::now()) {
            let secs = retry_after_secs(wait);
            let mut res = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "rate",
                &format!("Too many files at once. Please wait {secs} s and try again."),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return res;
        }
    }
    let max = state.settings.max_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return too_large(max);
    }
    let Some(_place) = state.in_flight.enter(client) else {
        let mut res = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate",
            &format!(
                "Too many files at once from your network. Please wait {BUSY_RETRY_SECS} s \
                 and try again."
            ),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(BUSY_RETRY_SECS));
        return res;
    };
    // Each upload in flight holds up to `max` bytes: the slots bound the memory they take.
    let Ok(_slot) = state.slots.try_acquire() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Many files are being sent right now. Please try again in a moment.",
        );
    };
    let pace = Pace::new(
        state.settings.min_bytes_per_sec,
        tokio::time::Instant::now(),
    );
    let bytes = match read_limited(body, max, declared, pace).await {
        Ok(b) => b,
        Err(response) => return response,
    };
    let Some(kind) = sniff::sniff(&bytes) else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "wrong_type",
            "This kind of file can't be sent. Send an image (PNG, JPEG, GIF, WebP), a PDF, \
             a plain text file, an MP4 video, or audio (MP3, M4A).",
        );
    };
    let cleaned = match kind {
        Kind::Jpeg => strip::jpeg(&bytes).map(Bytes::from),
        Kind::Png => strip::png(&bytes).map(Bytes::from),
        Kind::Webp => strip::webp(&bytes).map(Bytes::from),
        Kind::Gif => strip::gif(&bytes).map(Bytes::from),
        // M4A is the same box structure: its tags (`moov/udta/meta/ilst`) go the same way.
        Kind::Mp4 | Kind::M4a => strip::mp4(&bytes).map(Bytes::from),
        Kind::Mp3 => strip::mp3(&bytes).map(Bytes::from),
        Kind::Pdf | Kind::Text => Ok(bytes),
    };
    let Ok(cleaned) = cleaned else {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "damaged",
            "This file looks damaged and can't be sent.",
        );
    };
    let size = cleaned.len() as u64;
    let client = client.to_string();
    if let Err(over) = state.take_quota(&conversation, &client, size) {
        return over.into_response();
    }
    let name = state.names.issue(&conversation, kind);
    let cache_for = state.settings.retention.unwrap_or(MAX_CACHE);
    if let Err(e) = state.storage.put(&name, cleaned, kind, cache_for).await {
        lock(&state.quota).give_back(&conversation, size);
        lock(&state.client_quota).give_back(&client, size);
        tracing::error!(error = %e, "upload: the storage refused the file");
        return storage_down();
    }
    let filename = clean_filename(query.get("filename").map_or("", String::as_str));
    tracing::info!(%conversation, %name, size, kind = kind.extension(), "upload stored");
    let stored = Stored {
        kind: kind.attachment_type(),
        filename,
        file: state.file_url(&headers, &name),
        size,
    };
    (StatusCode::CREATED, Json(stored)).into_response()
}

/// A file over a quota: which limit, and whose.
struct OverQuota {
    over: Exceeded,
    limits: QuotaLimits,
    per: &'static str,
}

impl IntoResponse for OverQuota {
    fn into_response(self) -> Response {
        let OverQuota { over, limits, per } = self;
        let detail = match over {
            Exceeded::Files => {
                format!(
                    "Upload limit reached: up to {} files {per} a day.",
                    limits.files
                )
            }
            Exceeded::Bytes => format!(
                "Upload limit reached: up to {} {per} a day.",
                readable_size(limits.bytes)
            ),
        };
        refuse(StatusCode::TOO_MANY_REQUESTS, "quota", &detail)
    }
}

impl Uploads {
    /// Counts a stored file of `size` for its conversation and its client address, or says
    /// which limit it would pass; nothing is counted then.
    fn take_quota(&self, conversation: &str, client: &str, size: u64) -> Result<(), OverQuota> {
        let now = Instant::now();
        let mut per_conversation = lock(&self.quota);
        per_conversation
            .take(conversation, size, now)
            .map_err(|over| OverQuota {
                over,
                limits: self.settings.quota,
                per: "per conversation",
            })?;
        if let Err(over) = lock(&self.client_quota).take(client, size, now) {
            per_conversation.give_back(conversation, size);
            return Err(OverQuota {
                over,
                limits: self.settings.client_quota,
                per: "from one network",
            });
        }
        Ok(())
    }
}

fn lock(quota: &Mutex<Quota>) -> std::sync::MutexGuard<'_, Quota> {
    quota.lock().unwrap_or_else(|e| e.into_inner())
}

/// How long an upload may take to get going before its rate counts: a connection's first
/// seconds (slow start, a phone waking its radio) carry little.
const SLOW_START: Duration = Duration::from_secs(3);

/// The least an upload must keep up: after [`SLOW_START`], on average `min_bytes_per_sec`
/// since it began. Without it, a client could hold an upload place (each holds up to
/// --upload-max-bytes of memory, so there are few) for the whole body timeout by sending a
/// byte now and then.
#[derive(Clone, Copy, Debug)]
struct Pace {
    started: tokio::time::Instant,
    min_bytes_per_sec: u64,
}

impl Pace {
    fn new(min_bytes_per_sec: u64, started: tokio::time::Instant) -> Pace {
        Pace {
            started,
            min_bytes_per_sec,
        }
    }

    /// When the next bytes must have come, once `received` have: the moment the average
    /// would fall below the floor. `None` without a floor.
    fn next_bytes_by(&self, received: u64) -> Option<tokio::time::Instant> {
        (self.min_bytes_per_sec > 0).then(|| {
            let earned = Duration::from_secs_f64(received as f64 / self.min_bytes_per_sec as f64);
            self.started + SLOW_START + earned
        })
    }
}

fn too_slow() -> Response {
    refuse(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        "The file took too long to arrive. Please try again.",
    )
}

/// The body, read chunk by chunk and refused as soon as it passes `max` or falls behind
/// `pace`.
async fn read_limited(
    body: Body,
    max: u64,
    declared: Option<u64>,
    pace: Pace,
) -> Result<Bytes, Response> {
    let mut out = Vec::with_capacity(declared.unwrap_or(0).min(max) as usize);
    let mut stream = body.into_data_stream();
    loop {
        let next = match pace.next_bytes_by(out.len() as u64) {
            Some(by) => match tokio::time::timeout_at(by, stream.next()).await {
                Ok(next) => next,
                Err(_) => return Err(too_slow()),
            },
            None => stream.next().await,
        };
        let Some(chunk) = next else {
            break;
        };
        let chunk = chunk.map_err(|e| {
            if crate::serve::is_body_timeout(&e) {
                too_slow()
            } else {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "incomplete",
                    "The file did not arrive whole. Please try again.",
                )
            }
        })?;
        if (out.len() + chunk.len()) as u64 > max {
            return Err(too_large(max));
        }
        out.extend_from_slice(&chunk);
    }
    if out.is_empty() {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "empty",
            "This file is empty.",
        ));
    }
    Ok(out.into())
}

/// `GET /uploads/<name>`.
async fn serve(State(state): State<Arc<Uploads>>, Path(name): Path<String>) -> Response {
    let Some(kind) = kind_of_name(&name) else {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    };
    let file = match state.storage.get(&name).await {
        Ok(Some(file)) => file,
        Ok(None) => return (StatusCode::NOT_FOUND, "Not found\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "upload: the storage could not read a file");
            return (StatusCode::SERVICE_UNAVAILABLE, "Storage unavailable\n").into_response();
        }
    };
    // Past its retention and not yet swept (sweeps run hourly): gone all the same.
    let left = state.left_to_live(file.modified, SystemTime::now());
    if left.is_zero() {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    }
    let mut response = Body::from_stream(file.bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    // Caches (a browser, a CDN) keep it no longer than the server does.
    if let Ok(value) = HeaderValue::from_str(&cache_control(left)) {
        h.insert(header::CACHE_CONTROL, value);
    }
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(if kind.is_image() {
            "inline"
        } else {
            "attachment"
        }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    // Pages that isolate themselves (COEP) may still show the image.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_wants_bytes_by_when_the_average_would_fall_below_the_floor() {
        let t0 = tokio::time::Instant::now();
        let pace = Pace::new(1000, t0);
        assert_eq!(pace.next_bytes_by(0), Some(t0 + SLOW_START));
        // 500 bytes at 1,000 a second buy half a second more.
        assert_eq!(
            pace.next_bytes_by(500),
            Some(t0 + SLOW_START + Duration::from_millis(500))
        );
        assert_eq!(Pace::new(0, t0).next_bytes_by(10), None, "no floor");
    }

    #[test]
    fn bad_public_urls_are_refused_at_start() {
        let settings = |url: &str| UploadSettings {
            storage: StorageSettings::Local {
                dir: std::env::temp_dir().join("chat-bubble-uploads-url-test"),
            },
            max_bytes: 1,
            quota: QuotaLimits {
                bytes: 1,
                files: 1,
                window: QUOTA_WINDOW,
            },
            rate_per_minute: 0,
            concurrent: 1,
            concurrent_per_client: 0,
            min_bytes_per_sec: 0,
            client_quota: QuotaLimits {
                bytes: 1,
                files: 1,
                window: QUOTA_WINDOW,
            },
            retention: None,
            public_url: Some(url.into()),
            server_public_url: None,
            trust_proxy: false,
        };
        for bad in [
            "cdn.example.com",
            "ftp://x/",
            "https://u:p@x/",
            "https://x/?a=1",
        ] {
            assert!(Uploads::new(settings(bad), None).is_err(), "{bad}");
        }
        assert!(Uploads::new(settings("https://cdn.example.com/files/"), None).is_ok());
    }

    #[test]
    fn files_are_cached_for_what_they_have_left_to_live_and_a_year_at_most() {
        assert_eq!(cache_control(DAY), "public, max-age=86400, immutable");
        assert_eq!(
            cache_control(MAX_CACHE * 3),
            "public, max-age=31536000, immutable"
        );
    }

    #[test]
    fn sizes_read_as_a_visitor_expects() {
        assert_eq!(readable_size(48 * 1024), "48 KB");
        assert_eq!(readable_size(1), "1 B");
        assert_eq!(readable_size(1023), "1023 B");
        assert_eq!(readable_size(1024), "1 KB");
        assert_eq!(readable_size(1024 * 1024 - 1), "1 MB");
        assert_eq!(readable_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(readable_size(1024 * 1024 + 512 * 1024), "1.5 MB");
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\a\\shot.png"), "shot.png");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\u{0}b\u{202e}c.png"), "abc.png");
        assert_eq!(clean_filename("  "), "file");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename(&"é".repeat(500)).chars().count(), 120);
    }

    #[test]
    fn only_names_of_our_making_are_served() {
        let names = NameKeys::new(None);
        let name = names.issue("c1", Kind::Png);
        assert_eq!(kind_of_name(&name), Some(Kind::Png));
        assert_ne!(name, names.issue("c1", Kind::Png));
        for bad in [
            "../secret.png",
            "0123456789abcdef0123456789abcdef.html",
            "0123456789ABCDEF0123456789ABCDEF.png",
            "0123.png",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef.png.html",
        ] {
            assert_eq!(kind_of_name(bad), None, "{bad}");
        }
    }
}
