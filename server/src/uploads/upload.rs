//! `POST uploads/`: takes a visitor's file. Checks the conversation, its token, its rate,
//! that it and the client's address are not at their quotas yet, and the places free; reads
//! the body, sniffs its kind and strips its metadata (on the blocking pool), counts it
//! against the quotas, stores it under a fresh name and answers what the widget attaches.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde::Serialize;

use super::body::{read_limited, Pace};
use super::refusals::{refuse, storage_down, too_large};
use super::serving::MAX_CACHE;
use super::sniff::{self, Kind};
use super::state::{lock, Uploads};
use super::strip;
use crate::guard::client::client_key;
use crate::guard::plain_id;
use crate::guard::rate::retry_after_secs;

/// The wait suggested to a client with its share of uploads in flight.
const BUSY_RETRY_SECS: u64 = 5;

/// The longest file name echoed back, in characters.
const MAX_FILENAME_CHARS: usize = 120;

/// What a stored upload is, as the widget puts it in `message.attachments`.
#[derive(Clone, Debug, Serialize)]
pub struct Stored {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub filename: String,
    pub file: String,
    pub size: u64,
}

pub(super) async fn upload(
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
    // At its quota already: said before a byte of the body is read or cleaned.
    let client_name = client.to_string();
    if let Err(over) = state.check_quota(&conversation, &client_name) {
        return over.into_response();
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
    // Sniffing and cleaning read the whole file (up to --upload-max-bytes): CPU work that
    // would hold an async worker, and every request waiting on it, for as long. It runs on
    // the blocking pool, still under the upload's slot, so at most --upload-concurrent files
    // are cleaned at once.
    let (kind, cleaned) = match tokio::task::spawn_blocking(move || sniff_and_clean(bytes)).await {
        Ok(Ok(done)) => done,
        Ok(Err(refusal)) => return refusal.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "upload: cleaning the file failed");
            return refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "This file could not be processed. Please try again.",
            );
        }
    };
    let size = cleaned.len() as u64;
    let client = client_name;
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

/// Why a file was refused by [`sniff_and_clean`].
enum Unfit {
    WrongType,
    Damaged,
}

impl IntoResponse for Unfit {
    fn into_response(self) -> Response {
        match self {
            Unfit::WrongType => refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "wrong_type",
                "This kind of file can't be sent. Send an image (PNG, JPEG, GIF, WebP), a PDF, \
                 a plain text file, an MP4 video, or audio (MP3, M4A).",
            ),
            Unfit::Damaged => refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "damaged",
                "This file looks damaged and can't be sent.",
            ),
        }
    }
}

/// The file's kind, sniffed from its bytes, and the file without its metadata.
fn sniff_and_clean(bytes: Bytes) -> Result<(Kind, Bytes), Unfit> {
    let kind = sniff::sniff(&bytes).ok_or(Unfit::WrongType)?;
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
    cleaned.map(|c| (kind, c)).map_err(|_| Unfit::Damaged)
}

/// The visitor's file name without a path before it, direction overrides (which make
/// `gnp.exe` read as `exe.png`) or control characters (those that part words, a newline or a
/// tab, become spaces), and shortened in its middle when too long, so that its end and
/// extension stay: the visitor sees what was sent, and a backend that goes by the extension
/// still can.
pub fn clean_filename(raw: &str) -> String {
    let base = if is_path(raw) {
        raw.rsplit(['/', '\\']).next().unwrap_or_default()
    } else {
        raw
    };
    let name: String = base
        .chars()
        .filter(|&c| !is_direction_mark(c) && (!c.is_control() || c.is_whitespace()))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        "file".into()
    } else {
        shortened(name)
    }
}

/// Whether `raw` is a path to the file rather than its name, as some browsers once sent: one
/// from the root (`/home/a/shot.png`, `C:\\Users\\a\\shot.png`, `\\\\server\\shot.png`) or
/// from here (`../shot.png`). A slash inside a name (`notes <b>bold</b>.txt`, `a\\b.txt`, both
/// legal on Linux and macOS) is part of the name the visitor sees in the chip.
fn is_path(raw: &str) -> bool {
    let drive = raw.as_bytes().get(1) == Some(&b':')
        && raw.as_bytes().first().is_some_and(u8::is_ascii_alphabetic);
    drive
        || raw.starts_with(['/', '\\'])
        || raw.starts_with("./")
        || raw.starts_with("../")
        || raw.starts_with(".\\")
        || raw.starts_with("..\\")
}

/// The longest extension kept whole when a name is shortened (`.docx`, `.tar.gz`'s `.gz`).
const MAX_EXTENSION_CHARS: usize = 10;

/// `name`, or when longer than [`MAX_FILENAME_CHARS`], its start, an ellipsis and its extension.
fn shortened(name: &str) -> String {
    if name.chars().count() <= MAX_FILENAME_CHARS {
        return name.to_owned();
    }
    let extension = name
        .rfind('.')
        .map(|at| &name[at..])
        .filter(|ext| ext.chars().count() <= MAX_EXTENSION_CHARS && !ext.contains(' '))
        .unwrap_or_default();
    let start: String = name
        .chars()
        .take(MAX_FILENAME_CHARS - 1 - extension.chars().count())
        .collect();
    format!("{}\u{2026}{extension}", start.trim_end())
}

fn is_direction_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\a\\shot.png"), "shot.png");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\u{0}b\u{202e}c.png"), "abc.png");
        assert_eq!(clean_filename("  "), "file");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename(&"é".repeat(500)).chars().count(), 120);
        assert_eq!(clean_filename("report\n2024\t.png"), "report 2024 .png");
        assert_eq!(clean_filename("/home/a/shot.png"), "shot.png");
        assert_eq!(clean_filename("\\\\server\\share\\shot.png"), "shot.png");
        assert_eq!(clean_filename("..\\shot.png"), "shot.png");
    }

    #[test]
    fn a_slash_inside_a_name_is_part_of_it() {
        assert_eq!(
            clean_filename("notes <b>bold</b> & \"quotes\".txt"),
            "notes <b>bold</b> & \"quotes\".txt"
        );
        assert_eq!(clean_filename("a\\b.txt"), "a\\b.txt");
        assert_eq!(clean_filename("Q1/Q2 figures.pdf"), "Q1/Q2 figures.pdf");
    }

    #[test]
    fn a_long_name_is_shortened_in_its_middle_and_keeps_its_extension() {
        let long = format!("{} final v3.pdf", "Quarterly statement ".repeat(10));
        let short = clean_filename(&long);
        assert_eq!(short.chars().count(), MAX_FILENAME_CHARS);
        assert!(short.ends_with("\u{2026}.pdf"), "{short}");
        assert!(
            short.starts_with("Quarterly statement Quarterly"),
            "{short}"
        );
        // No extension worth the name: the start alone, still within the limit.
        let dotless = clean_filename(&format!("{}.a very long tail", "x".repeat(200)));
        assert_eq!(dotless.chars().count(), MAX_FILENAME_CHARS);
        assert!(dotless.ends_with("x\u{2026}"), "{dotless}");
        // A name within the limit is left whole.
        assert_eq!(clean_filename("screenshot.png"), "screenshot.png");
    }
}
