//! Sends one upstream request and turns its answer into ours: reply streams are relayed chunk
//! by chunk as they arrive (never buffered, only scrubbed of the key in their bytes and in the
//! text their frames make together, see [`super::reframe`]), small JSON answers are
//! read whole so that tokens can be added, ownership checked, links rewritten and errors
//! mapped. The browser gets a Content-Type of our choosing, never the upstream's.

use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde_json::Value;
use tracing::Span;

use super::links;
use super::reframe::{ReplyScrub, MAX_FRAME_BYTES};
use super::ProxyState;
use crate::api_error::{not_found, ApiError};
use crate::upstream::{self, json_error, Failure};

/// The most of a non-streamed upstream answer we read (a page of 100 messages with
/// citations stays far below it).
const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// How to treat a successful answer.
pub enum Kind {
    /// Read whole and relayed.
    Json,
    /// A created conversation: read whole, its visitor token added.
    Created,
    /// A message: relayed only if the request carries the token of the conversation the
    /// message names; to anyone else it is not found, as a message that does not exist is, so
    /// that an answer does not tell which ids exist.
    Message { headers: HeaderMap },
    /// A message page: read whole, `next`/`previous` pointed at `api_base` (e.g.
    /// `https://chat.example.com/api/v1`).
    Page { api_base: String },
    /// A reply: relayed chunk by chunk.
    Stream,
}

/// A reply the upstream began, to a message it took, that cannot be relayed: 502 with the
/// code `reply_lost`, which tells the widget not to send the message again by itself (the
/// assistant has it; a retry would store it twice).
fn reply_lost() -> Response {
    ApiError::coded(StatusCode::BAD_GATEWAY, "reply_lost", upstream::BROKEN).into_response()
}

/// Upstream client errors whose JSON body means something to the widget (field errors, not
/// found), relayed as they are. Everything else is mapped by [`upstream::status_failure`].
fn relayed(status: StatusCode) -> bool {
    matches!(status.as_u16(), 400 | 404 | 409 | 410 | 413 | 422)
}

/// Sends `request` and answers the widget. `what` names the call in logs. An answer that is
/// not a stream must be complete within the total timeout.
pub async fn forward(
    state: &ProxyState,
    request: reqwest::RequestBuilder,
    kind: Kind,
    what: &'static str,
) -> Response {
    if matches!(kind, Kind::Stream) {
        return exchange(state, request, kind, what).await;
    }
    match tokio::time::timeout(state.timeouts.total, exchange(state, request, kind, what)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!(
                total_s = state.timeouts.total.as_secs_f64(),
                "{what}: the upstream answer took longer than the total timeout"
            );
            Failure::TimedOut.into_response()
        }
    }
}

async fn exchange(
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
    // Only a success is relayed as it comes; an error's body is read as JSON or replaced.
    if status.is_success() && upstream::is_encoded(response.headers()) {
        tracing::warn!("{what}: upstream encoded its answer though asked for none");
        return match kind {
            Kind::Stream => reply_lost(),
            _ => Failure::Broken.into_response(),
        };
    }
    if status.is_success() && matches!(kind, Kind::Stream) {
        return stream(state, response);
    }

    let body = match upstream::read_body(response, state.timeouts.idle, MAX_JSON_BYTES).await {
        Ok(b) => state.key.scrub_bytes(b),
        Err(failure) => {
            failure.log(what);
            return failure.into_response();
        }
    };
    let parsed = serde_json::from_slice::<Value>(&body).ok();
    if !status.is_success() {
        tracing::info!(
            status = status.as_u16(),
            "{what}: upstream refused the request"
        );
        if parsed.is_none() {
            return json_error(
                status,
                &format!(
                    "The assistant service refused the request (HTTP {}).",
                    status.as_u16()
                ),
            );
        }
        return json_response(status, body);
    }
    let Some(mut value) = parsed else {
        tracing::warn!("{what}: upstream answered something that is not JSON");
        return Failure::Broken.into_response();
    };
    let body = match kind {
        // Scrubbed again: the links' values are written afresh, decoded from the escapes
        // they came in, which the first pass could not read.
        Kind::Page { api_base } => links::rewrite_page(&body, &api_base)
            .map_or(body, |page| state.key.scrub_bytes(Bytes::from(page))),
        Kind::Created => {
            // A conversation without an id cannot be bound; the widget will find it unusable.
            if !state.guard.visitors.bind(&mut value) {
                tracing::warn!("{what}: the upstream's conversation has no id");
            }
            Bytes::from(value.to_string())
        }
        Kind::Message { headers } => {
            let Some(conversation) = owner(&value) else {
                tracing::info!("{what}: the message names no conversation; refused");
                return not_found();
            };
            if state.guard.visitors.check(&headers, &conversation).is_err() {
                return not_found();
            }
            body
        }
        Kind::Json | Kind::Stream => body,
    };
    json_response(status, body)
}

/// The conversation a message belongs to: its `conversation` id, or the `id` of a
/// `conversation` object.
fn owner(message: &Value) -> Option<String> {
    match message.get("conversation")? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => match o.get("id")? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn json_response(status: StatusCode, body: Bytes) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Relays a reply stream as it comes, scrubbed, within the stream's duration and size bounds.
fn stream(state: &ProxyState, response: reqwest::Response) -> Response {
    let now = Instant::now();
    let relay = Relay {
        upstream: Box::pin(response.bytes_stream()),
        scrub: ReplyScrub::new(&state.key),
        idle: state.timeouts.idle,
        deadline: tokio::time::Instant::from_std(now + state.timeouts.stream),
        max_bytes: state.timeouts.stream_bytes,
        span: Span::current(),
        started: now,
        chunks: 0,
        bytes: 0,
        ended: false,
    };
    let body = Body::from_stream(futures_util::stream::unfold(relay, Relay::next));
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    res
}

type Chunks = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// One relayed stream. Knows whether it ended, so that being dropped early (the client went
/// away) can be logged.
struct Relay {
    upstream: Chunks,
    scrub: ReplyScrub,
    idle: Duration,
    deadline: tokio::time::Instant,
    max_bytes: u64,
    span: Span,
    started: Instant,
    chunks: u64,
    bytes: u64,
    ended: bool,
}

impl Relay {
    /// The next chunk, within the idle timeout and the stream's bounds. Errors end our body
    /// with an error too, so the client sees a broken stream rather than a clean but
    /// truncated one.
    async fn next(mut self) -> Option<(io::Result<Bytes>, Relay)> {
        loop {
            if self.ended {
                return None;
            }
            let wait = tokio::time::Instant::now() + self.idle;
            let item = tokio::time::timeout_at(wait.min(self.deadline), self.upstream.next()).await;
            let _enter = self.span.clone().entered();
            match item {
                Ok(Some(Ok(chunk))) => {
                    self.chunks += 1;
                    self.bytes += chunk.len() as u64;
                    if self.bytes > self.max_bytes {
                        self.ended = true;
                        tracing::warn!(
                            max_bytes = self.max_bytes,
                            "upstream reply stream is larger than allowed; cutting it"
                        );
                        let err = io::Error::other("upstream stream too large");
                        return Some((Err(err), self));
                    }
                    let Ok(out) = self.scrub.push(&chunk) else {
                        self.ended = true;
                        tracing::warn!(
                            max_frame_bytes = MAX_FRAME_BYTES,
                            "upstream reply frame is longer than allowed; cutting the stream"
                        );
                        let err = io::Error::other("upstream frame too large");
                        return Some((Err(err), self));
                    };
                    // Unfinished frames, and text that may be the start of the key, wait for
                    // the next chunk.
                    if !out.is_empty() {
                        return Some((Ok(Bytes::from(out)), self));
                    }
                }
                Ok(None) => {
                    self.ended = true;
                    tracing::info!(
                        chunks = self.chunks,
                        bytes = self.bytes,
                        elapsed_ms = self.started.elapsed().as_millis() as u64,
                        "reply stream relayed"
                    );
                    let rest = self.scrub.finish();
                    if rest.is_empty() {
                        return None;
                    }
                    return Some((Ok(Bytes::from(rest)), self));
                }
                Ok(Some(Err(e))) => {
                    self.ended = true;
                    tracing::warn!(error = %e, chunks = self.chunks, "upstream reply stream broke");
                    let err = io::Error::new(io::ErrorKind::BrokenPipe, "upstream stream broke");
                    return Some((Err(err), self));
                }
                Err(_) => {
                    self.ended = true;
                    let err = if tokio::time::Instant::now() >= self.deadline {
                        tracing::warn!(
                            max_s = self.started.elapsed().as_secs_f64(),
                            chunks = self.chunks,
                            "upstream reply stream lasted longer than allowed; cutting it"
                        );
                        io::Error::new(io::ErrorKind::TimedOut, "upstream stream too long")
                    } else {
                        tracing::warn!(
                            idle_s = self.idle.as_secs_f64(),
                            chunks = self.chunks,
                            "upstream reply stream went silent; cutting it"
                        );
                        io::Error::new(io::ErrorKind::TimedOut, "upstream stream idle")
                    };
                    return Some((Err(err), self));
                }
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
