//! The widget's five calls, answered from Maax.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{NestedPath, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::answer::{self, NoAnswer};
use super::client::HistoryError;
use super::mapping;
use super::MaaxState;
use crate::ids::now_ms;
use crate::mock::handlers::json_object;
use crate::mock::pagination::{decode_cursor, encode_cursor, encode_query_value, page_size};
use crate::proxy::handlers::{not_found, plain_id};
use crate::upstream::{json_error, Failure};

fn bad_request(body: Value) -> Response {
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn failed(what: &str) -> impl FnOnce(Failure) -> Response + '_ {
    move |f| {
        f.log(what);
        f.into_response()
    }
}

/// `POST conversations/` `{"webChat": id}` → Maax `create-conversation`.
pub async fn create_conversation(
    State(state): State<Arc<MaaxState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let body = state.guard.read_body(&headers, body).await?;
    let map = json_object(&body).map_err(IntoResponse::into_response)?;
    let web_chat = match map.get("webChat") {
        Some(Value::String(w)) if !w.trim().is_empty() => w.clone(),
        _ => return Err(bad_request(json!({"webChat": ["This field is required."]}))),
    };
    if !state.guard.web_chats.allows(&web_chat) {
        tracing::info!(%web_chat, "refused: web chat not allowed");
        return Err(json_error(
            StatusCode::FORBIDDEN,
            "This web chat is not served here.",
        ));
    }
    let id = state
        .client
        .create_conversation()
        .await
        .map_err(failed("create conversation"))?;
    tracing::info!(conversation = %id, "conversation created");
    let conversation = mapping::conversation(&id, Some(&web_chat), now_ms());
    Ok((StatusCode::CREATED, Json(conversation)).into_response())
}

/// The mapped history of a conversation; `None` if Maax does not know it.
async fn history(state: &MaaxState, conversation: &str) -> Result<Option<Vec<Value>>, Response> {
    match state.client.history(conversation).await {
        Ok(body) => Ok(Some(mapping::messages(
            conversation,
            &mapping::history_list(&body),
        ))),
        Err(HistoryError::NotFound) => Ok(None),
        Err(HistoryError::Failed(f)) => Err(failed("read history")(f)),
    }
}

/// `GET conversations/{id}/`.
pub async fn get_conversation(
    State(state): State<Arc<MaaxState>>,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    if !plain_id(&id) {
        return Err(not_found().await);
    }
    let Some(messages) = history(&state, &id).await? else {
        return Err(not_found().await);
    };
    let created = messages
        .first()
        .and_then(|m| m["createdAt"].as_str()?.parse().ok())
        .unwrap_or_else(now_ms);
    Ok(Json(mapping::conversation(&id, None, created)).into_response())
}

/// The parts of a completions request the adapter reads.
struct Ask {
    conversation: Option<String>,
    content: String,
    streaming: bool,
}

/// Reads a completions body; an error is the body of a 400.
fn parse_ask(body: &Bytes) -> Result<Ask, Value> {
    let map = json_object(body).map_err(|e| e.1)?;
    let conversation = match map.get("conversation") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err(json!({"conversation": ["Must be a valid id."]})),
    };
    let content = match map.get("message") {
        Some(Value::Object(m)) => m.get("content").and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let content = match content {
        None => return Err(json!({"message": ["This field is required."]})),
        Some(c) if c.trim().is_empty() => {
            return Err(json!({"message": ["This field may not be blank."]}))
        }
        Some(c) => c.to_string(),
    };
    let streaming = map
        .get("isStreaming")
        .or_else(|| map.get("is_streaming"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    Ok(Ask {
        conversation,
        content,
        streaming,
    })
}

/// `POST chatbots/{id}/completions/`.
pub async fn completions(
    State(state): State<Arc<MaaxState>>,
    Path(chatbot): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    if let Some(refusal) = state.guard.refuse_chatbot(&chatbot) {
        return Err(refusal);
    }
    let body = state.guard.read_body(&headers, body).await?;
    let ask = parse_ask(&body).map_err(bad_request)?;
    let conversation = match ask.conversation {
        Some(c) if plain_id(&c) => c,
        Some(_) => return Err(not_found().await),
        None => state
            .client
            .create_conversation()
            .await
            .map_err(failed("create conversation"))?,
    };
    let incoming = state
        .client
        .initiate(&ask.content, &conversation)
        .await
        .map_err(failed("initiate answer"))?;
    tracing::info!(%conversation, incoming_message_id = %incoming, "answer requested");

    let settings = state.client.settings();
    if !ask.streaming {
        return match answer::wait(&state.client, settings.poll, &incoming).await {
            Ok(text) => Ok(Json(json!({
                "conversationId": conversation,
                "content": text,
                "done": true,
            }))
            .into_response()),
            Err(NoAnswer::Failed(f)) => Err(failed("retrieve answer")(f)),
            Err(_) => {
                tracing::warn!("no answer within the bound");
                Err(Failure::TimedOut.into_response())
            }
        };
    }
    let body = answer::stream(
        state.client.clone(),
        settings.poll,
        settings.keepalive,
        conversation,
        incoming,
    );
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

/// `GET messages/?conversation=&cursor=&pageSize=`: newest first, paged here with the mock's
/// opaque cursors; a conversation Maax does not know reads as an empty list.
pub async fn list_messages(
    State(state): State<Arc<MaaxState>>,
    prefix: NestedPath,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Response> {
    let Some(conversation) = query.get("conversation").filter(|c| !c.is_empty()) else {
        return Err(bad_request(
            json!({"conversation": ["This field is required."]}),
        ));
    };
    let size = page_size(query.get("pageSize").map(String::as_str));
    let offset = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => {
            decode_cursor(c).ok_or_else(|| json_error(StatusCode::NOT_FOUND, "Invalid cursor"))?
        }
    };
    let mut messages = if plain_id(conversation) {
        history(&state, conversation).await?.unwrap_or_default()
    } else {
        Vec::new()
    };
    messages.reverse();
    let count = messages.len();
    let results: Vec<Value> = messages.into_iter().skip(offset).take(size).collect();

    let base = format!(
        "{}{}/messages/?conversation={}",
        state.guard.public_base(&headers),
        prefix.as_str(),
        encode_query_value(conversation)
    );
    let link = |at: usize| format!("{base}&cursor={}&pageSize={size}", encode_cursor(at));
    Ok(Json(json!({
        "count": count,
        "next": (offset + size < count).then(|| link(offset + size)),
        "previous": (offset > 0).then(|| link(offset.saturating_sub(size))),
        "results": results,
    }))
    .into_response())
}

/// `GET messages/{id}/` with an id `<conversation>.<index>`.
pub async fn get_message(
    State(state): State<Arc<MaaxState>>,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let Some((conversation, index)) = mapping::split_message_id(&id).filter(|(c, _)| plain_id(c))
    else {
        return Err(not_found().await);
    };
    let messages = history(&state, conversation).await?.unwrap_or_default();
    match messages.into_iter().nth(index) {
        Some(m) => Ok(Json(m).into_response()),
        None => Err(not_found().await),
    }
}
