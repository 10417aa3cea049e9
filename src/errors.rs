//! What can go wrong talking to the backend, and how to say it to a visitor.

use wasm_bindgen::{JsCast, JsValue};

/// A failed request, sorted by what the visitor or site owner can do about it.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No network, DNS failure, CORS refusal or a connection dropped mid-body.
    Offline,
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
        if name == "AbortError" {
            ApiError::Aborted
        } else {
            ApiError::Offline
        }
    }

    /// An error status with its body: the `detail` of a JSON error, never an HTML page.
    pub fn from_status(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        let detail = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("detail")?.as_str().map(str::to_owned));
        ApiError::Status {
            status,
            detail,
            retry_after_secs: retry_after.and_then(|v| v.trim().parse().ok()),
        }
    }

    /// One sentence for the visitor; configuration problems point at the site owner.
    pub fn user_message(&self) -> String {
        match self {
            ApiError::Offline => {
                "Can't reach the assistant. Check your connection and try again.".into()
            }
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
    fn configuration_errors_point_at_the_site_owner() {
        for status in [401, 403, 404] {
            let e = ApiError::from_status(status, r#"{"detail":"Invalid key"}"#, None);
            assert!(e.user_message().contains("site owner"), "{status}");
        }
    }
}
