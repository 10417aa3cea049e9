//! The answers an upload gets when it is refused: errors in the `{"detail", "code"}` shape
//! the widget reads, with sizes put as a visitor reads them, the sentences of the modes that
//! take no files, and the answer to a file over a quota.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::quota::{Exceeded, QuotaLimits};
use crate::api_error::ApiError;

/// What proxy mode answers an upload when it does not know its public URL (see `app`).
pub const UNCONFIGURED_REFUSAL: &str = "This chat can't receive files right now. Please \
     describe what the file shows in your message.";

/// What maax mode answers an upload: Maax AI's API takes text only.
pub const MAAX_REFUSAL: &str = "This assistant reads text only and can't receive files. \
     Please describe what the file shows in your message.";

/// An error in the shape the widget reads: a sentence for the visitor and a code for code.
pub(super) fn refuse(status: StatusCode, code: &str, detail: &str) -> Response {
    ApiError::coded(status, code, detail).into_response()
}

/// A file over the size limit. The limit goes with it in bytes, for a widget to say in the
/// visitor's language (a site may let the widget take more than the server does).
pub(super) fn too_large(max: u64) -> Response {
    let mut refusal = ApiError::coded(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        &format!(
            "This file is too large. Files can be up to {}.",
            readable_size(max)
        ),
    );
    refusal.1["max_bytes"] = max.into();
    refusal.into_response()
}

pub(super) fn storage_down() -> Response {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage",
        "Files can't be stored right now. Please try again in a moment.",
    )
}

pub(super) fn too_slow() -> Response {
    refuse(
        StatusCode::REQUEST_TIMEOUT,
        "timeout",
        "The file took too long to arrive. Please try again.",
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

/// A file over a quota: which limit, and whose.
pub(super) struct OverQuota {
    pub(super) over: Exceeded,
    pub(super) limits: QuotaLimits,
    pub(super) per: &'static str,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
