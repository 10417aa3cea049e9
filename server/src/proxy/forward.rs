//! Sends one upstream request and turns its answer into ours: reply streams are relayed chunk
//! by chunk as they arrive (never buffered), small JSON answers are read whole so that links
//! can be rewritten and errors mapped.

use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tracing::Span;

use super::links;
use super::ProxyState;
use crate::upstream::{self, json_error};

/// The most of a non-streamed upstream answer we read (a page of 100 messages with
/// citations stays far below it).
const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// How to treat a successful answer.
pub enum Kind {
    /// Read whole and relayed.
    Json,
    /// A message page: read whole, `next`/`previous` pointed at `api_base` (e.g.
    /// `https://chat.example.com/api/v1`).
    Page { api_base: String },
    /// A reply: relayed chunk by chunk.
    Stream,
}

/// Upstream client errors whose JSON body means something to the widget (field errors, not
/// found), relayed as they are. Everything else is mapped by [`upstream::status_failure`].
fn relayed(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 404 | 409 | 410 | 413 | 422)
}

/// Sends `request` and answers the widget. `what` names the call in logs.
pub async fn forward(
    state: &ProxyState,
    request: reqwest::RequestBuilder,
    kind: Kind,
    what: &'static str,
) -> Response {
    let started = Instant::now();
    let response = match upstream::send(request, state.timeouts.first_byte).await {
        Ok(r) => r,
        Err(failure) => {
            failure.log(what);
            return failure.into_response();
        }
    };
    let status = StatusCode::from_u16(response.status().as_u16())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    tracing::debug!(
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "{what}: upstream answered"
    );
    if !status.is_success() && !relayed(status) {
        let failure = upstream::status_failure(response.status(), response.headers());
        failure.log(what);
        return failure.into_response();
    }
    if status.is_success() && matches!(kind, Kind::Stream) {
        return stream(state, response);
    }

    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let body = match upstream::read_body(response, state.timeouts.idle, MAX_JSON_BYTES).await {
        Ok(b) => state.key.scrub_bytes(b),
        Err(failure) => {
            failure.log(what);
            return failure.into_response();
        }
    };
    let is_json = serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok();
    if !status.is_success() {
        tracing::info!(
            status = status.as_u16(),
            "{what}: upstream refused the request"
        );
        if !is_json {
            return json_error(
                status,
                &format!(
                    "The assistant service refused the request (HTTP {}).",
                    status.as_u16()
                ),
            );
        }
    } else if !is_json {
        tracing::warn!("{what}: upstream answered something that is not JSON");
        return upstream::Failure::Broken.into_response();
    }
    let body = match kind {
        Kind::Page { api_base } if status.is_success() => {
            links::rewrite_page(&body, &api_base).map_or(body, Bytes::from)
        }
        _ => body,
    };
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        content_type
            .filter(|ct| ct.to_str().is_ok_and(|s| s.contains("json")))
            .unwrap_or(HeaderValue::from_static("application/json")),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Relays a reply stream as it comes.
fn stream(state: &ProxyState, response: reqwest::Response) -> Response {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/event-stream"));
    let relay = Relay {
        upstream: Box::pin(response.bytes_stream()),
        idle: state.timeouts.idle,
        span: Span::current(),
        started: Instant::now(),
        chunks: 0,
        bytes: 0,
        ended: false,
    };
    let body = Body::from_stream(futures_util::stream::unfold(relay, Relay::next));
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// One relayed stream. Knows whether it ended, so that being dropped early (the client went
/// away) can be logged.
struct Relay {
    upstream: Chunks,
    idle: Duration,
    span: Span,
    started: Instant,
    chunks: u64,
    bytes: u64,
    ended: bool,
}

impl Relay {
    /// The next chunk, within the idle timeout. Errors end our body with an error too, so the
    /// client sees a broken stream rather than a clean but truncated one.
    async fn next(mut self) -> Option<(io::Result<Bytes>, Relay)> {
        if self.ended {
            return None;
        }
        let item = tokio::time::timeout(self.idle, self.upstream.next()).await;
        let _enter = self.span.clone().entered();
        match item {
            Ok(Some(Ok(chunk))) => {
                self.chunks += 1;
                self.bytes += chunk.len() as u64;
                Some((Ok(chunk), self))
            }
            Ok(None) => {
                self.ended = true;
                tracing::info!(
                    chunks = self.chunks,
                    bytes = self.bytes,
                    elapsed_ms = self.started.elapsed().as_millis() as u64,
                    "reply stream relayed"
                );
                None
            }
            Ok(Some(Err(e))) => {
                self.ended = true;
                tracing::warn!(error = %e, chunks = self.chunks, "upstream reply stream broke");
                let err = io::Error::new(io::ErrorKind::BrokenPipe, "upstream stream broke");
                Some((Err(err), self))
            }
            Err(_) => {
                self.ended = true;
                tracing::warn!(
                    idle_s = self.idle.as_secs_f64(),
                    chunks = self.chunks,
                    "upstream reply stream went silent; cutting it"
                );
                let err = io::Error::new(io::ErrorKind::TimedOut, "upstream stream idle");
                Some((Err(err), self))
            }
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if !self.ended {
            let _enter = self.span.enter();
            tracing::info!(
                chunks = self.chunks,
                "reply stream aborted: the client went away"
            );
        }
    }
}
