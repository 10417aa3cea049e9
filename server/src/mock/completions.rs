//! `POST chatbots/{chatbotId}/completions/`: stores the visitor's message and the canned
//! reply, then streams the reply (or returns it whole when `isStreaming` is false).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::faults::status_response;
use super::handlers::{error, json_object, not_found, ApiError};
use super::replies::{
    attachments, citations, counted_delta, counted_reply, received_summary, reply_for,
    split_deltas, split_even, Reply,
};
use super::store::{Direction, Extras};
use super::stream::{self, Plan};
use super::switches::{Fault, Switches};
use super::MockState;

/// The reply's deltas, produced lazily.
type Deltas = Box<dyn Iterator<Item = String> + Send>;

/// The parts of a completions request body the mock reads.
struct Request {
    conversation: Option<String>,
    content: String,
    attachments: Value,
    streaming: bool,
}

pub async fn completions(
    State(state): State<Arc<MockState>>,
    Path(chatbot): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let switches = match Switches::from_request(&headers, &query) {
        Ok(s) => s,
        Err(msg) => return error(StatusCode::BAD_REQUEST, json!({ "detail": msg })),
    };
    let fault = state.faults.fault_for(&switches);
    if let Some(response) = fault.and_then(|f| status_response(f, switches.retry_after)) {
        tracing::info!(?fault, "answering with a fault");
        return response;
    }
    let request = match parse(&body) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let stream_fault = fault.filter(|_| request.streaming);
    if let Some(keys) = &state.visitors {
        match &request.conversation {
            Some(id) => {
                if let Err(refusal) = keys.check(&headers, id) {
                    return refusal.into_response();
                }
            }
            None => return crate::visitor::null_conversation_refusal().into_response(),
        }
    }

    let conversation_id = {
        let mut store = state.store();
        let id = match &request.conversation {
            Some(id) if store.has_conversation(id) => id.clone(),
            Some(_) => return not_found(),
            None => store.create_conversation(None)["id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        };
        let extras = Extras {
            attachments: Some(request.attachments.clone()),
            citations: None,
        };
        store.add_message(&id, Direction::Incoming, request.content.clone(), extras);
        id
    };
    tracing::debug!(?chatbot, conversation = %conversation_id, "completion requested");

    let (text, extras, deltas): (String, Extras, Deltas) = match switches.length {
        Some(n) => (
            counted_reply(n),
            Extras::default(),
            Box::new((0..n).map(counted_delta)),
        ),
        None => {
            let reply = if switches.echo {
                Reply {
                    text: request.content.clone(),
                    with_citations: false,
                    with_attachments: false,
                }
            } else {
                let mut reply = reply_for(&request.content);
                if let Some(summary) = received_summary(&request.attachments) {
                    reply.text = format!("{summary}\n\n{}", reply.text);
                }
                reply
            };
            let deltas = match switches.deltas {
                Some(n) => split_even(&reply.text, n),
                None => split_deltas(&reply.text),
            };
            let extras = Extras {
                attachments: reply.with_attachments.then(attachments),
                citations: reply.with_citations.then(citations),
            };
            (reply.text, extras, Box::new(deltas.into_iter()))
        }
    };

    // The reply's sources also ride on its closing frame, as some backends send them.
    let done_extras = extras.citations.clone().map(|(citations, nodes)| {
        let mut fields = serde_json::Map::new();
        fields.insert("citations".into(), citations);
        fields.insert("citationNodes".into(), nodes);
        fields
    });
    match switches.stored_after {
        Some(after) => {
            let (state, conversation, text) =
                (state.clone(), conversation_id.clone(), text.clone());
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                store_reply(&state, &conversation, None, text, extras);
            });
        }
        None => store_reply(&state, &conversation_id, stream_fault, text.clone(), extras),
    }
    if !request.streaming {
        return Json(json!({
            "conversationId": conversation_id,
            "content": text,
            "done": true,
        }))
        .into_response();
    }
    let plan = Plan {
        conversation_id,
        deltas,
        format: switches.format,
        delay: switches.delay.unwrap_or(state.default_delay),
        chunk_seed: switches
            .random_chunks
            .then(|| switches.seed.unwrap_or_else(rand::random)),
        fault: stream_fault,
        fault_after: switches.fault_after,
        pause: switches.pause,
        done_extras,
    };
    let content_type = stream::content_type(plan.format);
    let body = stream::start(plan, state.stats_handle(), state.shutdown.clone());
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// Stores the assistant's reply before streaming it, so history read right after `done`
/// already has it. A reply that a `drop` or `stall` fault never finishes is not stored.
fn store_reply(
    state: &MockState,
    conversation: &str,
    fault: Option<Fault>,
    text: String,
    extras: Extras,
) {
    if matches!(fault, Some(Fault::Drop | Fault::Stall)) {
        return;
    }
    state
        .store()
        .add_message(conversation, Direction::Outgoing, text, extras);
}

/// The most files one message may carry.
const MAX_ATTACHMENTS: usize = 20;

fn parse(body: &Bytes) -> Result<Request, ApiError> {
    let map = json_object(body)?;
    let conversation = match map.get("conversation") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                json!({"conversation": ["Must be a valid UUID."]}),
            ))
        }
    };
    let message = map.get("message");
    let content = match message {
        Some(Value::Object(m)) => m.get("content").and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let content = match content {
        None => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                json!({"message": ["This field is required."]}),
            ))
        }
        Some(c) if c.trim().is_empty() => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                json!({"message": ["This field may not be blank."]}),
            ))
        }
        Some(c) => c.to_string(),
    };
    let attachments = message
        .and_then(|m| m.get("attachments"))
        .filter(|a| a.is_array())
        .cloned()
        .unwrap_or_else(|| json!([]));
    // The mock keeps what it is sent: a message carries a few files, not a body's worth of
    // JSON values.
    if attachments
        .as_array()
        .is_some_and(|a| a.len() > MAX_ATTACHMENTS)
    {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            json!({"attachments": [format!(
                "Ensure this field has no more than {MAX_ATTACHMENTS} elements."
            )]}),
        ));
    }
    let streaming = map
        .get("isStreaming")
        .or_else(|| map.get("is_streaming"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    Ok(Request {
        conversation,
        content,
        attachments,
        streaming,
    })
}
