//! What can go wrong talking to the backend, and how to say it to a visitor.

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::texts::{fill, Texts};

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
    /// The request failed: refused, DNS, CORS.
    Network,
    /// The reply's body broke off after the backend had begun answering, while the browser is
    /// online: the other end, not the visitor's connection, cut it.
    Cut,
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
    /// The server no longer has the message's files to send, or they belong to another
    /// conversation (its 400 with the code `gone` or `other_conversation`): kept for a Retry,
    /// the message would be refused again; attached anew, the files can go.
    FilesGone,
    /// The message is larger than the backend takes (413): a Retry would be refused again;
    /// shortened, it can go.
    TooLarge,
    /// The backend answered 2xx with something we cannot read.
    BadResponse(String),
    /// The reply went on past what the widget shows of one (see `api::MAX_REPLY_TEXT`): what
    /// came before stays.
    ReplyTooLong,
}

/// Whether the browser says it is online (a browser that cannot tell is taken to be).
pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

impl ApiError {
    /// Sorts a rejected fetch or stream read by the DOMException name it carries.
    pub fn from_js(error: JsValue) -> Self {
        let name = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.name()))
            .unwrap_or_default();
        Self::from_error_name(&name)
    }

    /// A failure while reading a reply the backend had begun: not the visitor's connection
    /// unless the browser says it is offline.
    pub fn cut_off(self) -> Self {
        match self {
            ApiError::Network => ApiError::Cut,
            other => other,
        }
    }

    fn from_error_name(name: &str) -> Self {
        let online = is_online();
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
    /// stall or a configuration problem waits for the visitor. So does a reply cut off after the
    /// backend began it: the backend has the message, and asking again would store it (and
    /// its reply) once more in the conversation, which the visitor sees after a reload and the
    /// assistant reads as context.
    pub fn retry_delay_ms(&self, attempt: u32) -> Option<u32> {
        match self {
            ApiError::Status {
                status: 429,
                retry_after_secs,
                ..
            } if attempt < MAX_RATE_LIMIT_RETRIES => {
                Some(retry_after_secs.unwrap_or(2).clamp(1, MAX_RETRY_AFTER_SECS) * 1000)
            }
            // A server that says when it has room again (a 503 with `Retry-After`) is asked
            // then, not sooner.
            ApiError::Status {
                status,
                retry_after_secs,
                ..
            } if *status >= 500 && attempt < MAX_RETRIES => {
                let asked =
                    retry_after_secs.map_or(0, |secs| secs.clamp(1, MAX_RETRY_AFTER_SECS) * 1000);
                Some((BACKOFF_BASE_MS << attempt).max(asked))
            }
            ApiError::Network if attempt < MAX_RETRIES => Some(BACKOFF_BASE_MS << attempt),
            _ => None,
        }
    }

    /// Whether a call on the stored conversation says it is no longer this browser's to use:
    /// the backend forgot it (404), or does not take this browser's visitor token for it (403).
    /// The widget then starts a new conversation rather than leave the visitor stuck.
    pub fn conversation_is_gone(&self) -> bool {
        matches!(
            self,
            ApiError::Status {
                status: 403 | 404,
                ..
            }
        )
    }

    /// An error status with its body: the `detail` of a JSON error, never an HTML page. The
    /// server's 502 with `reply_lost` says the assistant took the message and its reply could
    /// not be relayed: that is a cut reply, not a failure to send.
    pub fn from_status(status: u16, body: &str, retry_after: Option<&str>) -> Self {
        let body = serde_json::from_str::<ErrorBody>(body).ok();
        let code = body.as_ref().and_then(|b| b.code.as_deref());
        if status == 502 && code == Some(REPLY_LOST) {
            return ApiError::Cut;
        }
        // `chat-bubble-server` says so of a body over its `--max-body-bytes`, and relays an
        // upstream's 413 as it is.
        if status == 413 {
            return ApiError::TooLarge;
        }
        if status == 400 && FILES_GONE.contains(&code.unwrap_or_default()) {
            return ApiError::FilesGone;
        }
        ApiError::Status {
            status,
            detail: body.and_then(|body| body.detail),
            retry_after_secs: retry_after.and_then(|v| v.trim().parse().ok()),
        }
    }

    /// Whether the message cannot go as it is, whatever the retries: its words go back in the
    /// message box to be changed (files attached anew, text shortened) rather than wait for a
    /// Retry that would be refused again.
    pub fn words_go_back(&self) -> bool {
        matches!(self, ApiError::FilesGone | ApiError::TooLarge)
    }

    /// Whether the files of a message whose words go back go back beside them: refused for its
    /// size, the message's files are still good (files the server no longer has are not).
    pub fn files_go_back(&self) -> bool {
        matches!(self, ApiError::TooLarge)
    }

    /// [`user_message`](Self::user_message) for a message that could not go, `files_back`
    /// when its files went back to the message box beside its words.
    pub fn said_with_files_back(&self, files_back: bool, t: &Texts) -> String {
        match self {
            ApiError::TooLarge if files_back => t.too_long_refused_files.to_owned(),
            _ => self.user_message(t),
        }
    }

    /// [`user_message`](Self::user_message) for a history that could not be read: offline, it
    /// is read again by itself once the browser is back online, and there is no message of
    /// the visitor's to be sent.
    pub fn history_message(&self, t: &Texts) -> String {
        match self {
            ApiError::Offline => t.offline_history.to_owned(),
            _ => self.user_message(t),
        }
    }

    /// What the visitor sees while an automatic retry waits `delay_ms`.
    pub fn retry_notice(&self, delay_ms: u32, t: &Texts) -> String {
        let cause = match self {
            ApiError::Status { status: 429, .. } => t.busy,
            ApiError::Status { .. } => t.had_problem,
            _ => t.dropped,
        };
        format!("{cause} {}", fill(t.retrying_in, delay_ms.div_ceil(1000)))
    }

    /// One sentence for the visitor; configuration problems point at the site owner.
    pub fn user_message(&self, t: &Texts) -> String {
        let text = match self {
            ApiError::Offline => t.offline,
            ApiError::Network => t.unreachable,
            ApiError::Cut => t.cut_off,
            ApiError::Timeout => t.too_slow,
            ApiError::Aborted => t.aborted,
            ApiError::Status {
                status: 401 | 403, ..
            } => t.denied,
            // No API at that address: a `data-api-base` that points at pages (405 to a POST)
            // or at nothing.
            ApiError::Status {
                status: 404 | 405, ..
            } => t.not_found,
            // Said once the automatic retries have run out, and it stays up: no seconds that
            // would go stale, and no blame on a visitor who may have sent one message.
            ApiError::Status { status: 429, .. } => t.rate_limited,
            ApiError::Status { status, .. } if *status >= 500 => t.server_trouble,
            ApiError::Status { detail, .. } => match detail {
                Some(d) => return fill(t.rejected_because, d),
                None => t.rejected,
            },
            ApiError::FilesGone => t.files_gone,
            ApiError::TooLarge => t.too_long_refused,
            ApiError::BadResponse(_) => t.unexpected,
            ApiError::ReplyTooLong => t.reply_too_long,
        };
        text.to_owned()
    }
}

impl From<gloo_net::Error> for ApiError {
    fn from(error: gloo_net::Error) -> Self {
        match error {
            gloo_net::Error::JsError(error) => ApiError::from_error_name(&error.name),
            gloo_net::Error::SerdeError(error) => error.into(),
            gloo_net::Error::GlooError(message) => ApiError::BadResponse(message),
        }
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(_: serde_json::Error) -> Self {
        ApiError::BadResponse("the server's answer is not the expected JSON".into())
    }
}

/// An error answer's body: `{"detail": "…"}`, with the server's `code` when it has one (a 400
/// may instead name fields; those are not shown).
#[derive(Deserialize)]
struct ErrorBody {
    detail: Option<String>,
    /// Read leniently: only the server's own codes, strings, mean something here, and another
    /// shape must not cost the detail.
    #[serde(default, deserialize_with = "crate::models::lenient::optional_text")]
    code: Option<String>,
}

/// The server's `code` for a reply lost after the assistant took the message.
const REPLY_LOST: &str = "reply_lost";

/// The server's `code`s for attached files it no longer has, or that another conversation
/// uploaded.
const FILES_GONE: [&str; 2] = ["gone", "other_conversation"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::EN;

    #[test]
    fn only_403_and_404_mean_the_stored_conversation_is_gone() {
        let status = |code| ApiError::from_status(code, "{}", None);
        assert!(status(403).conversation_is_gone());
        assert!(status(404).conversation_is_gone());
        for code in [400, 401, 429, 500, 503] {
            assert!(!status(code).conversation_is_gone(), "{code}");
        }
        assert!(!ApiError::Network.conversation_is_gone());
        assert!(!ApiError::Timeout.conversation_is_gone());
    }

    #[test]
    fn status_errors_read_detail_but_not_html() {
        let e = ApiError::from_status(400, r#"{"detail": "Too long"}"#, None);
        assert_eq!(
            e.user_message(&EN),
            "The message was not accepted: Too long"
        );
        let e = ApiError::from_status(502, "<html><body>Bad gateway</body></html>", None);
        assert!(matches!(e, ApiError::Status { detail: None, .. }));
        assert!(!e.user_message(&EN).contains("html"));
        for body in [
            r#"{"content": ["Too long"]}"#,
            r#"{"detail": {"code": 1}}"#,
            r#"{"detail": null}"#,
        ] {
            let e = ApiError::from_status(400, body, None);
            assert!(matches!(e, ApiError::Status { detail: None, .. }), "{body}");
        }
    }

    #[test]
    fn rate_limit_after_the_retries_neither_counts_nor_blames() {
        let e = ApiError::from_status(429, "", Some("7"));
        let said = e.user_message(&EN);
        assert!(!said.contains('7') && !said.contains("Too many"), "{said}");
        assert!(said.contains("busy"), "{said}");
    }

    #[test]
    fn a_reply_cut_by_the_server_does_not_blame_the_connection() {
        let cut = ApiError::Network.cut_off();
        assert_eq!(cut, ApiError::Cut);
        assert!(!cut.user_message(&EN).contains("connection"));
        // Not asked again by itself: the backend already has the message.
        assert_eq!(cut.retry_delay_ms(0), None);
        assert_eq!(ApiError::Network.retry_delay_ms(0), Some(1000));
        assert_eq!(ApiError::Offline.cut_off(), ApiError::Offline);
        assert_eq!(ApiError::Aborted.cut_off(), ApiError::Aborted);
    }

    #[test]
    fn a_reply_lost_after_the_assistant_took_the_message_is_not_sent_again() {
        let lost = ApiError::from_status(
            502,
            r#"{"detail":"The assistant service sent an incomplete or invalid answer.","code":"reply_lost"}"#,
            None,
        );
        assert_eq!(lost, ApiError::Cut);
        assert_eq!(lost.retry_delay_ms(0), None);
        // Without the code, a 502 is passing trouble, asked again.
        let gateway = ApiError::from_status(
            502,
            r#"{"detail":"The assistant service sent an incomplete or invalid answer."}"#,
            None,
        );
        assert_eq!(gateway.retry_delay_ms(0), Some(1000));
        let other = ApiError::from_status(502, r#"{"detail":"x","code":"busy"}"#, None);
        assert_eq!(other.retry_delay_ms(0), Some(1000));
        // Only the server's own 502 says so: an upstream's 404 relayed with that code is
        // still a conversation that is gone.
        let relayed = ApiError::from_status(404, r#"{"detail":"x","code":"reply_lost"}"#, None);
        assert!(relayed.conversation_is_gone());
        let numbered = ApiError::from_status(400, r#"{"detail":"Too long.","code":40}"#, None);
        assert!(matches!(numbered, ApiError::Status { detail: Some(d), .. } if d == "Too long."));
    }

    #[test]
    fn files_the_server_no_longer_has_are_said_and_not_retried() {
        for code in ["gone", "other_conversation"] {
            let body = format!(r#"{{"attachments":["x"],"detail":"x","code":"{code}"}}"#);
            let e = ApiError::from_status(400, &body, None);
            assert_eq!(e, ApiError::FilesGone, "{code}");
            assert_eq!(e.user_message(&EN), EN.files_gone);
            assert_eq!(e.retry_delay_ms(0), None);
            assert!(!e.conversation_is_gone());
        }
        // Only a 400 says so, and only with those codes.
        let foreign = ApiError::from_status(400, r#"{"detail":"x","code":"foreign"}"#, None);
        assert!(matches!(foreign, ApiError::Status { status: 400, .. }));
        let relayed = ApiError::from_status(404, r#"{"detail":"x","code":"gone"}"#, None);
        assert!(relayed.conversation_is_gone());
    }

    #[test]
    fn a_message_too_large_is_said_in_the_visitors_words_and_not_retried() {
        for body in [
            r#"{"detail":"The request body is larger than 32768 bytes."}"#,
            "Failed to buffer the request body: length limit exceeded",
            "",
        ] {
            let e = ApiError::from_status(413, body, None);
            assert_eq!(e, ApiError::TooLarge, "{body}");
            assert!(e.words_go_back());
            assert_eq!(e.retry_delay_ms(0), None);
            assert!(!e.conversation_is_gone());
            let said = e.user_message(&EN);
            assert_eq!(said, EN.too_long_refused);
            assert!(
                !said.contains("bytes") && !said.contains("request"),
                "{said}"
            );
        }
        assert!(ApiError::FilesGone.words_go_back());
        assert!(!ApiError::from_status(400, "", None).words_go_back());
        assert!(!ApiError::Network.words_go_back());
    }

    #[test]
    fn a_message_too_large_keeps_its_files_and_says_so() {
        let e = ApiError::TooLarge;
        assert!(e.files_go_back());
        assert_eq!(
            e.said_with_files_back(true, &EN),
            "Your message was too long to send. Your words and files are back in the message \
             box: shorten the words and send again."
        );
        assert_eq!(e.said_with_files_back(false, &EN), EN.too_long_refused);
        // Files the server no longer has are to attach again, as the notice says.
        assert!(!ApiError::FilesGone.files_go_back());
        assert_eq!(
            ApiError::FilesGone.said_with_files_back(true, &EN),
            EN.files_gone
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
            limited.retry_notice(3000, &EN),
            "The assistant is busy. Retrying in 3 s…"
        );
        assert_eq!(limited.retry_delay_ms(MAX_RATE_LIMIT_RETRIES), None);
        let long = ApiError::from_status(429, "", Some("3600"));
        assert_eq!(long.retry_delay_ms(0), Some(30_000), "capped");
        // A server error that says when to come back is asked no sooner; one that does not,
        // after the backoff.
        let unavailable = ApiError::from_status(503, "", Some("5"));
        assert_eq!(unavailable.retry_delay_ms(0), Some(5000));
        assert_eq!(unavailable.retry_delay_ms(MAX_RETRIES), None);
        assert_eq!(
            ApiError::from_status(503, "", Some("3600")).retry_delay_ms(0),
            Some(30_000)
        );
        assert_eq!(
            ApiError::from_status(503, "", None).retry_delay_ms(0),
            Some(BACKOFF_BASE_MS)
        );
        assert_eq!(
            ApiError::from_status(500, "", Some("0")).retry_delay_ms(1),
            Some(BACKOFF_BASE_MS << 1)
        );

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
    fn a_history_not_read_offline_says_it_loads_once_back_online() {
        assert_eq!(ApiError::Offline.history_message(&EN), EN.offline_history);
        assert_ne!(EN.offline_history, EN.offline);
        assert_eq!(
            ApiError::Network.history_message(&EN),
            ApiError::Network.user_message(&EN)
        );
    }

    #[test]
    fn configuration_errors_point_at_the_site_owner() {
        for status in [401, 403, 404, 405] {
            let e = ApiError::from_status(status, r#"{"detail":"Invalid key"}"#, None);
            assert!(e.user_message(&EN).contains("site owner"), "{status}");
        }
    }
}
