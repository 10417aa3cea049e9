//! What can go wrong talking to the backend, and how to say it to a visitor.

use wasm_bindgen::{JsCast, JsValue};

/// Automatic retries for server errors and dropped connections.
pub const MAX_RETRIES: u32 = 2;
/// Automatic retries after a 429, each after the server's `Retry-After`.
pub const MAX_RATE_LIMIT_RETRIES: u32 = 2;
/// A longer `Retry-After` is not waited for automatically.
pub const MAX_RETRY_AFTER_SECS: u32 = 30;
const BACKOFF_BASE_MS: u32 = 1000;

/// A failed request, sorted by what the visitor or site owner can do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The browser says it has no network.
    Offline,
    /// The request or the reply's body failed: refused, DNS, CORS, or dropped mid-stream.
    Network,
    /// No first byte, or no progress, within the configured bound.
    Timeout,
    /// The visitor stopped it.
    Aborted,
    /// The backend answered with an error status.
    Status {
        status: u16,
        detail: Option<String>,
        retry_after_secs: Option<u32>,
    },
    /// The backend answered 2xx with something we cannot read.
    BadResponse(String),
}

impl ApiError {
    /// Sorts a rejected fetch or stream read by the DOMException name it carries.
    pub fn from_js(error: JsValue) -> Self {
        let name = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.name()))
            .unwrap_or_default();
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        if name == "AbortError" {
            ApiError::Aborted
        } else if online {
            ApiError::Network
        } else {
            ApiError::Offline
        }
    }

    /// How long to wait before trying again by itself, if at all. `attempt` counts the retries
    /// already made. Only passing troubles are retried, a bounded number of times; a stop, a
    /// stall or a configuration problem waits for the visitor.
    pub fn retry_delay_ms(&self, attempt: u32) -> Option<u32> {
        match self {
            ApiError::Status {
                status: 429,
                retry_after_secs,
                ..
            } if attempt < MAX_RATE_LIMIT_RETRIES => {
                Some(retry_after_secs.unwrap_or(2).clamp(1, MAX_RETRY_AFTER_SECS) * 1000)
            }
            ApiError::Status { status, .. } if *status >= 500 && attempt < MAX_RETRIES => {
                Some(BACKOFF_BASE_MS << attempt)
            }
            ApiError::Network if attempt < MAX_RETRIES => Some(BACKOFF_BASE_MS << attempt),
            _ => None,
        }
    }

    /// An error status with its body: the `detail` of a JSON error, never an HTML page.
    pub fn from_status(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        let detail = crate::json::Json::parse(body)
            .and_then(|v| v.get("detail")?.as_str().map(str::to_owned));
        ApiError::Status {
            status,
            detail,
            retry_after_secs: retry_after.and_then(|v| v.trim().parse().ok()),
        }
    }

    /// What the visitor sees while an automatic retry waits `delay_ms`.
    pub fn retry_notice(&self, delay_ms: u32) -> String {
        let cause = match self {
            ApiError::Status { status: 429, .. } => "The assistant is busy.",
            ApiError::Status { .. } => "The assistant had a problem.",
            _ => "The connection dropped.",
        };
        format!("{cause} Retrying in {} s…", delay_ms.div_ceil(1000))
    }

    /// One sentence for the visitor; configuration problems point at the site owner.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Offline => {
                "You're offline. Your message is kept; retry when you're back.".into()
            }
            ApiError::Network => {
                "Can't reach the assistant. Check your connection and try again.".into()
            }
            ApiError::Timeout => "The assistant is taking too long to answer. Try again.".into(),
            ApiError::Aborted => "Stopped.".into(),
            ApiError::Status {
                status: 401 | 403, ..
            } => "The chat isn't set up correctly (access denied). Please tell the site owner."
                .into(),
            ApiError::Status { status: 404, .. } => {
                "The chat couldn't be found. Please tell the site owner.".into()
            }
            ApiError::Status {
                status: 429,
                retry_after_secs,
                ..
            } => match retry_after_secs {
                Some(s) => format!("Too many messages right now. Try again in {s} s."),
                None => "Too many messages right now. Try again in a moment.".into(),
            },
            ApiError::Status { status, .. } if *status >= 500 => {
                "The assistant is having trouble right now. Try again in a moment.".into()
            }
            ApiError::Status { detail, .. } => match detail {
                Some(d) => format!("The message was not accepted: {d}"),
                None => "The message was not accepted.".into(),
            },
            ApiError::BadResponse(_) => {
                "The assistant sent something unexpected. Try again in a moment.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_read_detail_but_not_html() {
        let e = ApiError::from_status(400, r#"{"detail": "Too long"}"#, None);
        assert_eq!(e.user_message(), "The message was not accepted: Too long");
        let e = ApiError::from_status(502, "<html><body>Bad gateway</body></html>", None);
        assert!(matches!(e, ApiError::Status { detail: None, .. }));
        assert!(!e.user_message().contains("html"));
    }

    #[test]
    fn rate_limit_tells_how_long() {
        let e = ApiError::from_status(429, "", Some("7"));
        assert_eq!(
            e.user_message(),
            "Too many messages right now. Try again in 7 s."
        );
    }

    #[test]
    fn retries_are_bounded_and_only_for_passing_trouble() {
        let busy = ApiError::from_status(503, "", None);
        assert_eq!(busy.retry_delay_ms(0), Some(1000));
        assert_eq!(busy.retry_delay_ms(1), Some(2000));
        assert_eq!(busy.retry_delay_ms(MAX_RETRIES), None);
        assert_eq!(ApiError::Network.retry_delay_ms(0), Some(1000));

        let limited = ApiError::from_status(429, "", Some("3"));
        assert_eq!(limited.retry_delay_ms(0), Some(3000));
        assert_eq!(
            limited.retry_notice(3000),
            "The assistant is busy. Retrying in 3 s…"
        );
        assert_eq!(limited.retry_delay_ms(MAX_RATE_LIMIT_RETRIES), None);
        let long = ApiError::from_status(429, "", Some("3600"));
        assert_eq!(long.retry_delay_ms(0), Some(30_000), "capped");

        for error in [
            ApiError::Aborted,
            ApiError::Timeout,
            ApiError::Offline,
            ApiError::from_status(401, "", None),
            ApiError::from_status(404, "", None),
            ApiError::from_status(400, "", None),
            ApiError::BadResponse("x".into()),
        ] {
            assert_eq!(error.retry_delay_ms(0), None, "{error:?}");
        }
    }

    #[test]
    fn configuration_errors_point_at_the_site_owner() {
        for status in [401, 403, 404] {
            let e = ApiError::from_status(status, r#"{"detail":"Invalid key"}"#, None);
            assert!(e.user_message().contains("site owner"), "{status}");
        }
    }
}
