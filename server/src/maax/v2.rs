//! Maax V2: the visitor's message is sent with two webhook URLs of this server; Maax posts the
//! answer to the first and, maybe minutes later, follow-ups to the second.
//!
//! - A completion registers a nonce, sends the message with the nonce's URLs
//!   ([`webhook`](super::webhook)), and holds the visitor's stream open with keep-alive comments
//!   until the answer comes through the [`Relay`] or the bound passes; then the answer goes out
//!   as one delta and `done`, exactly as in V1, or a closing frame with `"error": "timeout"`
//!   tells the widget to say so and keep the message for Retry.
//! - The answer webhook checks its token, reads the text leniently, turns HTML into markdown
//!   ([`html`](super::html)), and routes it to the waiting stream, here or on another instance.
//!   A duplicate does nothing.
//! - The follow-up webhook stores the text with its conversation ([`FollowUps`]); history then
//!   includes it, which is how the widget finds it.

use std::io;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

use super::answer::{frame, KEEPALIVE};
use super::followups::FollowUps;
use super::html;
use super::prospect::{self, Prospects};
use super::redis_link::RedisLink;
use super::relay::{Relay, Routed};
use super::webhook::{self, Kind, WebhookKeys};
use super::MaaxState;
use crate::api_error::not_found;
use crate::guard::Guard;
use crate::ids::now_ms;
use crate::upstream::{json_error, Failure};

/// Why V2 does not start without `--public-url`.
pub const NEEDS_PUBLIC_URL: &str = "--maax-api v2 needs --public-url (this server's public \
     origin, where Maax posts answers and follow-ups), so that the webhook URLs come from the \
     configuration rather than the request's Host";

/// V2's parts of maax mode.
#[derive(Debug)]
pub struct V2 {
    /// `--public-url`, under which the webhook URLs are made. Never a request's `Host`: a
    /// caller outside a browser sets that to any host, and Maax's servers would then post
    /// answers and follow-ups to whatever address it named.
    pub public_base: String,
    pub keys: WebhookKeys,
    pub relay: Relay,
    pub followups: FollowUps,
    pub prospects: Prospects,
}

impl V2 {
    /// With a Redis URL, answers and follow-ups are shared through it; without one, this
    /// process must be the only instance, which is said at start. Fails without a public URL.
    pub fn new(guard: &Guard, pubsub_url: Option<&str>) -> Result<V2, String> {
        let public_base = guard
            .public_url()
            .ok_or(NEEDS_PUBLIC_URL)?
            .trim()
            .trim_end_matches('/')
            .to_string();
        let keys = WebhookKeys::new(&guard.visitors);
        let (relay, followups, prospects) = match pubsub_url {
            Some(url) => {
                let redis = Arc::new(RedisLink::new(url)?);
                tracing::info!(
                    "maax v2: instances share answers, follow-ups and contacts through Redis"
                );
                (
                    Relay::through(redis.clone()),
                    FollowUps::new(Some(redis.clone())),
                    Prospects::new(Some(redis)),
                )
            }
            None => {
                tracing::warn!(
                    "maax v2 without --pubsub-url: answers and follow-ups are kept in this \
                     process, so the server must run as ONE instance (a webhook reaching \
                     another instance would find no one waiting)"
                );
                (Relay::local(), FollowUps::new(None), Prospects::new(None))
            }
        };
        Ok(V2 {
            public_base,
            keys,
            relay,
            followups,
            prospects,
        })
    }
}

/// The `prospect_info` V2 gets when none is configured: an anonymous website visitor, with
/// an address under the reserved `.invalid` domain, so that nothing Maax sends it reaches
/// anyone, and one per conversation, so that visitors are not merged into one prospect.
pub fn default_prospect_info() -> Value {
    json!({
        "first_name": "Website visitor",
        "email": "visitor-{conversation}@example.invalid",
    })
}

/// An answer or follow-up as the widget gets it: markdown if HTML came, and never the key.
fn clean(state: &MaaxState, text: &str) -> String {
    let text = if html::looks_like_html(text) {
        html::to_markdown(text)
    } else {
        text.to_string()
    };
    state.client.settings().key.scrub(&text).into_owned()
}

/// A completion in V2: send, then wait for the webhook.
pub async fn completion(
    state: &Arc<MaaxState>,
    conversation: String,
    content: &str,
    streaming: bool,
) -> Result<Response, Response> {
    let v2 = state.v2.as_ref().expect("V2 state in V2 mode");
    let nonce = WebhookKeys::nonce();
    // Registered before asking: Maax may answer before its own reply to the ask arrives.
    let waiting = v2.relay.waiters.register(&nonce);
    let base = &v2.public_base;
    let answer_url = v2.keys.url(base, Kind::Answer, &conversation, &nonce);
    let followup_url = v2.keys.url(base, Kind::FollowUp, &conversation, &nonce);
    let settings = state.client.settings();
    // The visitor's own contact if they gave one, else the configured anonymous one.
    let given = v2.prospects.get(&conversation).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the visitor's contact");
        json_error(StatusCode::SERVICE_UNAVAILABLE, "Try again later.")
    })?;
    let prospect = match given {
        Some(contact) => Some(contact.prospect_info()),
        None => settings
            .prospect_info
            .as_ref()
            .map(|t| prospect::for_conversation(t, &conversation)),
    };
    state
        .client
        .send_v2(content, &conversation, prospect, &answer_url, &followup_url)
        .await
        .map_err(|f| {
            f.log("send message (v2)");
            f.into_response()
        })?;
    tracing::info!(
        ?conversation,
        "message sent; waiting for the answer webhook"
    );
    let bound = settings.poll.answer_timeout;

    if !streaming {
        let mut waiting = waiting;
        return match tokio::time::timeout(bound, &mut waiting.answer).await {
            Ok(Ok(text)) => Ok(Json(json!({
                "conversationId": conversation,
                "content": text,
                "done": true,
            }))
            .into_response()),
            _ => {
                tracing::warn!("no answer webhook within the bound");
                Err(Failure::TimedOut.into_response())
            }
        };
    }

    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let keepalive = settings.keepalive;
    let task = async move {
        let mut waiting = waiting;
        let started = Instant::now();
        let deadline = started + bound;
        let mut next_beat = Instant::now();
        loop {
            tokio::select! {
                answer = &mut waiting.answer => {
                    let Ok(text) = answer else { return };
                    tracing::info!(
                        chars = text.chars().count(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "answer delivered"
                    );
                    let _ = tx.send(Ok(frame(&conversation, &text, false))).await;
                    let _ = tx.send(Ok(frame(&conversation, "", true))).await;
                    return;
                }
                _ = tokio::time::sleep_until(next_beat) => {
                    next_beat = Instant::now() + keepalive;
                    if tx.send(Ok(Bytes::from_static(KEEPALIVE))).await.is_err() {
                        tracing::info!("client went away while the answer was pending");
                        return;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {
                    tracing::warn!(
                        bound_s = bound.as_secs_f64(),
                        "no answer webhook within the bound; telling the visitor"
                    );
                    // A closing frame that says why, so the widget shows "taking too long"
                    // and keeps the message for Retry, rather than a cut stream that it would
                    // take for a network failure and send again by itself.
                    let _ = tx.send(Ok(timeout_frame(&conversation))).await;
                    return;
                }
                _ = tx.closed() => {
                    tracing::info!("client went away while the answer was pending");
                    return;
                }
            }
        }
    };
    tokio::spawn(task.in_current_span());
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// The last frame of a reply whose answer did not come within the bound: MaiAgent's closing
/// frame with this server's `error` field.
pub fn timeout_frame(conversation_id: &str) -> Bytes {
    let json =
        json!({"conversationId": conversation_id, "content": "", "done": true, "error": "timeout"});
    Bytes::from(format!("data: {json}\n\n"))
}

/// The two webhooks, each with and without a trailing slash.
pub fn webhook_routes() -> Router<Arc<MaaxState>> {
    let mut router = Router::new();
    for (kind, handler) in [
        (Kind::Answer, post(answer_hook)),
        (Kind::FollowUp, post(followup_hook)),
    ] {
        let path = format!(
            "{}/{}/{{conversation}}/{{token}}",
            webhook::PREFIX,
            kind.segment()
        );
        router = router
            .route(&format!("{path}/"), handler.clone())
            .route(&path, handler);
    }
    router
}

/// Checks the token and reads the text, or the answer to give Maax.
async fn receive(
    state: &MaaxState,
    kind: Kind,
    conversation: &str,
    token: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<(String, String), Response> {
    let v2 = state.v2.as_ref().expect("V2 state in V2 mode");
    let Some(nonce) = v2.keys.verify(kind, conversation, token) else {
        tracing::warn!(kind = kind.segment(), "refused: webhook with a wrong token");
        return Err(not_found());
    };
    let nonce = nonce.to_string();
    let body = axum::body::to_bytes(body, webhook::MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            tracing::warn!(kind = kind.segment(), "webhook body too large or broken");
            json_error(StatusCode::PAYLOAD_TOO_LARGE, "The body is too large.")
        })?;
    let Some(text) = webhook::read_text(&body, headers) else {
        tracing::warn!(
            kind = kind.segment(),
            shape = %webhook::shape(&body, headers),
            "webhook body of an unknown shape; no text found in it"
        );
        return Err(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No answer text found in the body.",
        ));
    };
    Ok((nonce, clean(state, &text)))
}

/// `POST /maax/v2/answer/{conversation}/{token}`.
async fn answer_hook(
    State(state): State<Arc<MaaxState>>,
    Path((conversation, token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (nonce, text) =
        match receive(&state, Kind::Answer, &conversation, &token, &headers, body).await {
            Ok(got) => got,
            Err(res) => return res,
        };
    let v2 = state.v2.as_ref().expect("V2 state in V2 mode");
    let status = match v2.relay.route(&nonce, text).await {
        Ok(Routed::Here) => "delivered",
        Ok(Routed::Published) => "relayed",
        Ok(Routed::Finished) => {
            tracing::info!(?conversation, "duplicate or late answer ignored");
            "duplicate"
        }
        Ok(Routed::Nowhere) => {
            tracing::warn!(
                ?conversation,
                "answer arrived with no stream waiting for it (late, or for another instance)"
            );
            "unclaimed"
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot hand the answer over");
            return json_error(StatusCode::SERVICE_UNAVAILABLE, "Try again later.");
        }
    };
    Json(json!({ "status": status })).into_response()
}

/// `POST /maax/v2/followup/{conversation}/{token}`.
async fn followup_hook(
    State(state): State<Arc<MaaxState>>,
    Path((conversation, token)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (nonce, text) = match receive(
        &state,
        Kind::FollowUp,
        &conversation,
        &token,
        &headers,
        body,
    )
    .await
    {
        Ok(got) => got,
        Err(res) => return res,
    };
    let v2 = state.v2.as_ref().expect("V2 state in V2 mode");
    match v2
        .followups
        .add(&conversation, &nonce, &text, now_ms())
        .await
    {
        Ok(true) => {
            tracing::info!(?conversation, "follow-up stored");
            Json(json!({"status": "stored"})).into_response()
        }
        Ok(false) => {
            tracing::info!(?conversation, "duplicate follow-up ignored");
            Json(json!({"status": "duplicate"})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store the follow-up");
            json_error(StatusCode::SERVICE_UNAVAILABLE, "Try again later.")
        }
    }
}

/// History with HTML answers as markdown, and the stored follow-ups: each one becomes an assistant message at the time it
/// arrived, unless Maax's own history already holds the same text. Sorted oldest first.
pub async fn with_followups(
    state: &MaaxState,
    conversation: &str,
    mut messages: Vec<Value>,
) -> Result<Vec<Value>, Response> {
    let Some(v2) = &state.v2 else {
        return Ok(messages);
    };
    // V2 answers HTML unless told otherwise, and its history may too.
    for m in messages.iter_mut().filter(|m| m["type"] == "outgoing") {
        if let Some(text) = m["content"].as_str().filter(|t| html::looks_like_html(t)) {
            m["content"] = Value::String(html::to_markdown(text));
        }
    }
    let followups = v2.followups.list(conversation).await.map_err(|e| {
        tracing::error!(error = %e, "cannot read follow-ups");
        json_error(StatusCode::SERVICE_UNAVAILABLE, "Try again later.")
    })?;
    for (i, f) in followups.iter().enumerate() {
        let known = messages
            .iter()
            .any(|m| m["type"] == "outgoing" && m["content"].as_str() == Some(f.text.as_str()));
        if known {
            continue;
        }
        messages.push(json!({
            "id": format!("{conversation}.f{i}"),
            "conversation": conversation,
            "sender": {"id": "assistant", "name": "Assistant", "avatar": null},
            "type": "outgoing",
            "content": f.text,
            "createdAt": f.at_ms.to_string(),
            "attachments": [],
            "citations": [],
            "citationNodes": [],
            "feedback": null,
        }));
    }
    let at = |m: &Value| -> u64 {
        m["createdAt"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    messages.sort_by_key(at);
    Ok(messages)
}
