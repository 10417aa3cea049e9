//! What proxy and maax mode share about calling an upstream service: the HTTP client, the
//! timeouts, and how upstream trouble turns into a clear JSON error for the widget.
//!
//! The widget reads `{"detail": "…"}` and `Retry-After` from error answers, so every failure
//! is one of those, never an upstream HTML page or a message that could quote the request.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

use crate::api_error::ApiError;

/// How long, and how much, an upstream may take. A slow or hostile upstream must not hold a
/// visitor's connection, or the server's memory, without end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// To establish the TCP (and TLS) connection.
    pub connect: Duration,
    /// From sending the request to the response headers.
    pub first_byte: Duration,
    /// Between two chunks of a response body.
    pub idle: Duration,
    /// A whole answer that is not a stream, from sending the request to its last byte.
    pub total: Duration,
    /// The longest a relayed reply stream may last.
    pub stream: Duration,
    /// The most bytes a relayed reply stream may carry.
    pub stream_bytes: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            first_byte: Duration::from_secs(60),
            idle: Duration::from_secs(60),
            total: Duration::from_secs(90),
            stream: Duration::from_secs(600),
            stream_bytes: 16 * 1024 * 1024,
        }
    }
}

impl Timeouts {
    pub fn from_args(args: &crate::config::UpstreamArgs) -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(args.connect_timeout_secs),
            first_byte: Duration::from_secs(args.first_byte_timeout_secs),
            idle: Duration::from_secs(args.idle_timeout_secs),
            total: Duration::from_secs(args.total_timeout_secs),
            stream: Duration::from_secs(args.stream_max_secs),
            stream_bytes: args.stream_max_bytes,
        }
    }
}

/// The client for upstream calls. Redirects are not followed: the API never redirects, and
/// following one could carry the key to another host.
pub fn client(timeouts: &Timeouts) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("chat-bubble-server/", env!("CARGO_PKG_VERSION")))
        .tcp_nodelay(true)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Whether the upstream encoded its body (gzip and the like) though the proxy asks for none:
/// relayed, such bytes would reach the page undecodable, and the key scrubber could not read
/// them. An empty value, `identity` and `none` (which some servers send to say the same) are
/// not encodings.
pub fn is_encoded(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get_all(reqwest::header::CONTENT_ENCODING)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(<[u8]>::trim_ascii)
        .any(|coding| {
            !(coding.is_empty()
                || coding.eq_ignore_ascii_case(b"identity")
                || coding.eq_ignore_ascii_case(b"none"))
        })
}

/// A JSON error answer `{"detail": …}`.
pub fn json_error(status: StatusCode, detail: &str) -> Response {
    ApiError::detail(status, detail).into_response()
}

/// What the widget is told when the upstream's answer broke or could not be read.
pub const BROKEN: &str = "The assistant service sent an incomplete or invalid answer.";

/// Why an upstream call did not produce a usable answer.
#[derive(Debug)]
pub enum Failure {
    /// No connection could be made (refused, DNS, TLS, connect timeout).
    Unreachable,
    /// No response headers within the first-byte timeout, or a body went silent.
    TimedOut,
    /// The connection broke or the body was not what it should be.
    Broken,
    /// The upstream refused our key (401/403): an operator problem, not the visitor's.
    Credentials(u16),
    /// 429, with the upstream's `Retry-After` if it sent one.
    RateLimited(Option<HeaderValue>),
    /// Any other status that is not a success.
    Status(u16),
}

impl Failure {
    /// Classifies a reqwest error without quoting it (its text may name the upstream URL,
    /// which is fine for logs but means nothing to a visitor).
    pub fn from_reqwest(e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            Failure::TimedOut
        } else if e.is_connect() {
            Failure::Unreachable
        } else {
            Failure::Broken
        }
    }

    /// The answer the widget gets.
    pub fn into_response(self) -> Response {
        match self {
            Failure::Unreachable => json_error(
                StatusCode::BAD_GATEWAY,
                "The assistant service cannot be reached right now.",
            ),
            Failure::TimedOut => json_error(
                StatusCode::GATEWAY_TIMEOUT,
                "The assistant service did not answer in time.",
            ),
            Failure::Broken => json_error(StatusCode::BAD_GATEWAY, BROKEN),
            Failure::Credentials(_) => json_error(
                StatusCode::BAD_GATEWAY,
                "The assistant service is not configured correctly on this server.",
            ),
            Failure::RateLimited(retry_after) => {
                let mut res = json_error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "The assistant service is busy. Please try again shortly.",
                );
                let value = retry_after
                    .filter(|v| v.to_str().is_ok_and(|s| s.trim().parse::<u64>().is_ok()))
                    .unwrap_or(HeaderValue::from_static("5"));
                res.headers_mut().insert(header::RETRY_AFTER, value);
                res
            }
            Failure::Status(code) => json_error(
                StatusCode::BAD_GATEWAY,
                &format!("The assistant service failed (HTTP {code})."),
            ),
        }
    }

    /// Logs the failure once, at a level that fits who has to act on it.
    pub fn log(&self, what: &str) {
        match self {
            Failure::Credentials(code) => tracing::error!(
                status = code,
                "{what}: the upstream refused the API key; check the configured key"
            ),
            Failure::RateLimited(_) => tracing::warn!("{what}: the upstream rate-limited us"),
            Failure::Status(code) => tracing::warn!(status = code, "{what}: upstream error"),
            other => tracing::warn!(failure = ?other, "{what}: upstream failure"),
        }
    }
}

/// Sends a request, waiting at most `first_byte` for the response headers.
pub async fn send(
    request: reqwest::RequestBuilder,
    first_byte: Duration,
) -> Result<reqwest::Response, Failure> {
    match tokio::time::timeout(first_byte, request.send()).await {
        Err(_) => Err(Failure::TimedOut),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "upstream request failed");
            Err(Failure::from_reqwest(&e))
        }
        Ok(Ok(response)) => Ok(response),
    }
}

/// Reads a whole (small) body, each chunk within `idle`, at most `limit` bytes.
pub async fn read_body(
    response: reqwest::Response,
    idle: Duration,
    limit: usize,
) -> Result<Bytes, Failure> {
    let mut body = BytesMut::new();
    let mut chunks = response.bytes_stream();
    loop {
        match tokio::time::timeout(idle, chunks.next()).await {
            Err(_) => return Err(Failure::TimedOut),
            Ok(None) => return Ok(body.freeze()),
            Ok(Some(Err(e))) => {
                tracing::debug!(error = %e, "upstream body failed");
                return Err(Failure::from_reqwest(&e));
            }
            Ok(Some(Ok(chunk))) => {
                if body.len() + chunk.len() > limit {
                    return Err(Failure::Broken);
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

/// Sorts an upstream status that is not a success into a [`Failure`], for statuses the
/// widget should not see as they are.
pub fn status_failure(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
) -> Failure {
    match status.as_u16() {
        401 | 403 => Failure::Credentials(status.as_u16()),
        429 => Failure::RateLimited(headers.get(header::RETRY_AFTER).cloned()),
        code => Failure::Status(code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_codings_count_as_encoded() {
        use reqwest::header::{HeaderMap, HeaderValue, CONTENT_ENCODING};
        let with = |values: &[&'static str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append(CONTENT_ENCODING, HeaderValue::from_static(v));
            }
            is_encoded(&h)
        };
        assert!(!with(&[]));
        assert!(!with(&["identity"]));
        assert!(!with(&["", "None", " identity , none"]));
        assert!(with(&["gzip"]));
        assert!(with(&["identity, br"]));
    }

    #[test]
    fn rate_limited_keeps_a_numeric_retry_after_only() {
        let res = Failure::RateLimited(Some(HeaderValue::from_static("12"))).into_response();
        assert_eq!(res.status(), 429);
        assert_eq!(res.headers()[header::RETRY_AFTER], "12");
        let res = Failure::RateLimited(Some(HeaderValue::from_static("soon"))).into_response();
        assert_eq!(res.headers()[header::RETRY_AFTER], "5");
    }

    #[test]
    fn statuses_map_to_gateway_errors() {
        let h = reqwest::header::HeaderMap::new();
        assert!(matches!(
            status_failure(reqwest::StatusCode::UNAUTHORIZED, &h),
            Failure::Credentials(401)
        ));
        assert_eq!(Failure::Status(500).into_response().status(), 502);
        assert_eq!(Failure::TimedOut.into_response().status(), 504);
        assert_eq!(Failure::Credentials(401).into_response().status(), 502);
    }
}
