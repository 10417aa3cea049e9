//! Mock mode: an in-memory MaiAgent-compatible backend for local demos and tests.
//!
//! # Routes
//!
//! Under both `/api/v1/` and `/api/` (each also without the trailing slash):
//!
//! | route | answer |
//! |---|---|
//! | `POST conversations/` `{"webChat": id}` | 201 conversation (`id` uuid, `visitorToken` when tokens are on, `createdAt` 13-digit ms string, …); 400 `{"webChat": ["This field is required."]}` |
//! | `GET conversations/{id}/` | 200 conversation, or 404 `{"detail": "Not found."}` |
//! | `POST chatbots/{chatbotId}/completions/` | the reply (below); 404 for an unknown conversation; 400 `{"message": [...]}` for a missing or blank content |
//! | `GET messages/?conversation=&cursor=&pageSize=` | `{"count","next","previous","results"}`, newest first; 400 without `conversation`; an unknown conversation is an empty list; 404 `{"detail": "Invalid cursor"}` for a foreign cursor |
//! | `GET messages/{id}/` | 200 message or 404 |
//!
//! With visitor tokens on (the binary's default), every call on a conversation (its detail,
//! completions, its messages, one of its messages) needs the `X-Visitor-Token` header its
//! creation answered, else 403 `{"detail": …}`; a completion with a null conversation is 400.
//! Faults answer before the token is looked at.
//!
//! and `GET /__mock/stats` → `{"streamsStarted","streamsCompleted","streamsAborted","streamsFaulted"}`.
//!
//! # Completions
//!
//! The request is `{"conversation": id|null, "message": {"content", "attachments"}, "isStreaming"}`
//! (`is_streaming` accepted too; streaming is the default). A null conversation creates one
//! when visitor tokens are off, and is refused (400) when they are on. The
//! visitor's message (`incoming`) and the reply (`outgoing`) are both stored before the first
//! byte is streamed, so history read after `done` has them. The reply text is picked by
//! [`replies::reply_for`]; [`replies::default_reply`] gives the plain one.
//!
//! Streaming answers `200` with `Cache-Control: no-cache` and `X-Accel-Buffering: no`, one
//! frame per delta, `{"conversationId":"…","content":"<delta>","done":false}`, then
//! `{"conversationId":"…","content":"","done":true}`. The first delta goes out at once, then
//! one every `delay` (30 ms unless the server or the switch says otherwise).
//!
//! Non-streaming answers `200 {"conversationId": "…", "content": "<whole reply>", "done": true}`.
//!
//! # Switches
//!
//! Set on the completions request as a header `X-Mock-<Name>` (underscores become hyphens, e.g.
//! `X-Mock-Retry-After`) or a query parameter `mock_<name>`; the query wins. An unknown value
//! is answered 400 `{"detail": "..."}`.
//!
//! | name | values | effect |
//! |---|---|---|
//! | `format` | `sse` (default), `sse-snake`, `ndjson`, `concat`, `done-sentinel` | SSE `data:` events (`text/event-stream`); the same with `conversation_id`; one JSON per line (`application/x-ndjson`); objects back to back (`application/json`); SSE plus a final `data: [DONE]` |
//! | `chunking` | `random`, `none` | re-split the bytes into random 1–16 byte pieces that cut frames and UTF-8 characters |
//! | `seed` | integer | seed for `chunking=random` (random if absent) |
//! | `delay` | ms, 0 allowed | pause between deltas |
//! | `length` | n | reply with n deltas `w0 `, `w1 `, … ([`replies::counted_reply`]); produced lazily |
//! | `echo` | `1`, `0` | reply with the visitor's message exactly as sent (a reply whose markdown the test chooses) |
//! | `deltas` | n ≥ 1 | stream the reply in n deltas of about equal size ([`replies::split_even`]) instead of word by word |
//! | `fault` | `401`, `429`, `500`, `html`, `drop`, `malformed`, `stall`, `pause`, `none` | see below |
//! | `retry_after` | seconds, default 1 | the 429's `Retry-After` |
//! | `fault_times` | n | fault only the first n requests with the same `fault_key`, then behave |
//! | `fault_key` | string, default empty | groups requests for `fault_times` |
//! | `fault_after` | n, default 3 | deltas sent before `drop`, `malformed`, `stall` or `pause` strikes |
//! | `pause` | ms, default 6000 | how long the `pause` fault keeps silent |
//! | `stored_after` | ms | store the reply that long after the request, whatever becomes of the stream (also after `drop` or `stall`): a backend still writing after the client is gone |
//!
//! Faults: `401` → `{"detail": "Invalid API key."}`; `429` → `Retry-After` header and a
//! `detail`; `500` → JSON `detail`; `html` → 500 with an HTML page (`text/html`). These come
//! before the body is read and store nothing. Stream faults apply only when streaming:
//! `drop` sends `fault_after` deltas then cuts the connection (the body ends in an error, no
//! `done`); `malformed` inserts a frame of invalid JSON (balanced braces) after `fault_after`
//! deltas and then finishes normally; `stall` sends `fault_after` deltas and then nothing,
//! holding the connection until the client leaves; `pause` sends `fault_after` deltas, then
//! nothing for `pause` ms, then the rest of the reply (a reply that stalls and comes back).
//! `drop` and `stall` store no reply.
//!
//! A reply stream whose client disconnects is logged and counted in `streamsAborted`.

pub mod completions;
pub mod faults;
pub mod handlers;
pub mod pagination;
pub mod replies;
pub mod stats;
pub mod store;
pub mod stream;
pub mod switches;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;

use crate::api_error::ApiError;
use crate::api_routes::{self, ApiHandlers};
use crate::visitor::VisitorKeys;

use faults::FaultGate;
use stats::{Stats, StatsSnapshot};
use store::Store;

/// The mock's shared state, one per server.
#[derive(Debug)]
pub struct MockState {
    store: Mutex<Store>,
    stats: Arc<Stats>,
    faults: FaultGate,
    default_delay: Duration,
    shutdown: watch::Receiver<bool>,
    /// With keys, every call on a conversation needs its visitor token, as in the real
    /// modes; without, any caller may use any conversation (the mock as a test upstream).
    visitors: Option<VisitorKeys>,
}

impl MockState {
    /// `default_delay` is the pause between deltas when no `delay` switch is given; streams end
    /// when `shutdown` turns true (a dropped sender means never). `visitors` turns on visitor
    /// tokens.
    pub fn new(
        default_delay: Duration,
        shutdown: watch::Receiver<bool>,
        visitors: Option<VisitorKeys>,
    ) -> Arc<MockState> {
        Arc::new(MockState {
            store: Mutex::new(Store::default()),
            stats: Arc::new(Stats::default()),
            faults: FaultGate::default(),
            default_delay,
            shutdown,
            visitors,
        })
    }

    /// `Ok` when visitor tokens are off or the request carries the conversation's token.
    fn check_visitor(&self, headers: &HeaderMap, conversation: &str) -> Result<(), ApiError> {
        match &self.visitors {
            Some(keys) => keys.check(headers, conversation),
            None => Ok(()),
        }
    }

    /// The stream counters as they are now.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    fn stats_handle(&self) -> Arc<Stats> {
        self.stats.clone()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic elsewhere cannot leave the store half-written in a way that matters to a mock.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The mock's routes: the API under both prefixes, and `/__mock/stats`.
pub fn router(state: Arc<MockState>) -> Router {
    api_routes::under_both_prefixes(api)
        .route("/__mock/stats", get(handlers::stats))
        .with_state(state)
}

fn api() -> Router<Arc<MockState>> {
    api_routes::routes(ApiHandlers {
        create_conversation: post(handlers::create_conversation),
        get_conversation: get(handlers::get_conversation),
        completions: post(completions::completions),
        list_messages: get(handlers::list_messages),
        get_message: get(handlers::get_message),
    })
    .fallback(handlers::api_fallback)
}
