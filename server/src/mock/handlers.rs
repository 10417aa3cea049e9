//! Conversations, history and stats handlers. Completions live in [`super::completions`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{NestedPath, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::pagination::{
    decode_cursor, encode_cursor, encode_query_value, origin, page_size, PageLinks,
};
use super::stats::StatsSnapshot;
use super::MockState;

pub use crate::api_error::{not_found, ApiError};

/// A JSON error body with a status, the way the real API answers.
pub fn error(status: StatusCode, body: Value) -> Response {
    ApiError(status, body).into_response()
}

/// Parses a request body as a JSON object, or answers 400 like Django REST framework does.
pub fn json_object(body: &Bytes) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError(
            StatusCode::BAD_REQUEST,
            json!({"non_field_errors": ["Invalid data. Expected a dictionary."]}),
        )),
        Err(e) => Err(ApiError(
            StatusCode::BAD_REQUEST,
            json!({"detail": format!("JSON parse error - {e}")}),
        )),
    }
}

/// The longest web-chat id the mock takes: real ones are UUIDs, and each conversation keeps
/// its own.
const MAX_WEB_CHAT_CHARS: usize = 200;

/// `POST conversations/` with `{"webChat": "<id>"}`.
pub async fn create_conversation(State(state): State<Arc<MockState>>, body: Bytes) -> Response {
    let map = match json_object(&body) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let web_chat = match map.get("webChat") {
        Some(Value::String(s)) if s.chars().count() > MAX_WEB_CHAT_CHARS => {
            return error(
                StatusCode::BAD_REQUEST,
                json!({"webChat": [format!(
                    "Ensure this field has no more than {MAX_WEB_CHAT_CHARS} characters."
                )]}),
            )
        }
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                json!({"webChat": ["This field is required."]}),
            )
        }
    };
    let mut conversation = state.store().create_conversation(Some(web_chat));
    if let Some(keys) = &state.visitors {
        keys.bind(&mut conversation);
    }
    (StatusCode::CREATED, Json(conversation)).into_response()
}

/// `GET conversations/{id}/`.
pub async fn get_conversation(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = state.check_visitor(&headers, &id) {
        return refusal.into_response();
    }
    match state.store().conversation(&id) {
        Some(c) => Json(c).into_response(),
        None => not_found(),
    }
}

/// `GET messages/?conversation=&cursor=&pageSize=`: newest first, on purpose, since the real
/// API does not promise an order and clients must sort by `createdAt`. An unknown conversation
/// reads as an empty list.
pub async fn list_messages(
    State(state): State<Arc<MockState>>,
    prefix: NestedPath,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(conversation) = query.get("conversation").filter(|c| !c.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            json!({"conversation": ["This field is required."]}),
        );
    };
    if let Err(refusal) = state.check_visitor(&headers, conversation) {
        return refusal.into_response();
    }
    let size = page_size(query.get("pageSize").map(String::as_str));
    let offset = match query.get("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match decode_cursor(c) {
            Some(offset) => offset,
            None => return error(StatusCode::NOT_FOUND, json!({"detail": "Invalid cursor"})),
        },
    };
    let (count, results) = state.store().page(conversation, offset, size);

    let base = format!(
        "{}{}/messages/?conversation={}",
        origin(&headers),
        prefix.as_str(),
        encode_query_value(conversation)
    );
    let link = |at: usize| format!("{base}&cursor={}&pageSize={size}", encode_cursor(at));
    let links = PageLinks::new(offset, size, count);
    Json(json!({
        "count": count,
        "next": links.next.map(link),
        "previous": links.previous.map(link),
        "results": results,
    }))
    .into_response()
}

/// `GET messages/{id}/`: another visitor's message is not found, as a missing one is, so that
/// the answer does not tell which ids exist.
pub async fn get_message(
    State(state): State<Arc<MockState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    match state.store().message(&id) {
        Some(m) if state.check_visitor(&headers, &m.conversation).is_ok() => {
            Json(m).into_response()
        }
        _ => not_found(),
    }
}

/// `GET /__mock/stats`.
pub async fn stats(State(state): State<Arc<MockState>>) -> Json<StatsSnapshot> {
    Json(state.stats())
}

/// Any other path under the API prefixes.
pub async fn api_fallback() -> Response {
    not_found()
}
