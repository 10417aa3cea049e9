//! Request ids and the request log, for every mode.
//!
//! Each request gets an id (kept from a well-formed incoming `X-Request-Id`, e.g. nginx's
//! `$request_id`, else a fresh one). It names the tracing span that every log line of the
//! request is written in, and goes back in the `X-Request-Id` response header so that a
//! visitor's report can be matched to the server's log.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::{Level, Span};

/// The header carrying the id both ways.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A request's id, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub Arc<str>);

/// Adds request ids and the request log around a router.
pub fn layer(router: Router) -> Router {
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span as fn(&Request<Body>) -> Span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(middleware::from_fn(assign_id))
}

async fn assign_id(mut req: Request, next: Next) -> Response {
    let id: Arc<str> = match req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()) {
        Some(given) if is_safe_id(given) => Arc::from(given),
        _ => Arc::from(format!("{:016x}", rand::random::<u64>())),
    };
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    res
}

/// Short and plain, so a client cannot forge log lines through it.
fn is_safe_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn make_span(req: &Request<Body>) -> Span {
    let id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| Arc::from("-"));
    tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_are_kept() {
        assert!(is_safe_id("abc-123_x.y"));
        assert!(!is_safe_id(""));
        assert!(!is_safe_id("a b"));
        assert!(!is_safe_id("line\nbreak"));
        assert!(!is_safe_id(&"x".repeat(65)));
    }
}
