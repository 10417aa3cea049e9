//! The five forwarded calls: checks first (ids, allow-lists, body size), then
//! [`forward`].

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{NestedPath, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::forward::{forward, Kind};
use super::ProxyState;
use crate::upstream::json_error;

/// Query parameters of `GET messages/` that are forwarded; nothing else is.
const PAGE_PARAMS: [&str; 3] = ["conversation", "cursor", "pageSize"];

pub use crate::guard::plain_id;

pub async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "Not found.")
}

fn forbidden(detail: &str) -> Response {
    json_error(StatusCode::FORBIDDEN, detail)
}

/// What the widget says it accepts, else JSON (or SSE for replies).
fn accept(headers: &HeaderMap, default: &'static str) -> HeaderValue {
    headers
        .get(header::ACCEPT)
        .filter(|v| v.len() <= 256)
        .cloned()
        .unwrap_or(HeaderValue::from_static(default))
}

/// `POST conversations/`.
pub async fn create_conversation(
    State(state): State<Arc<ProxyState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let body = state.guard.read_body(&headers, body).await?;
    if !state.guard.web_chats.is_open() {
        let web_chat = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("webChat")?.as_str().map(str::to_string));
        match web_chat {
            Some(w) if state.guard.web_chats.allows(&w) => {}
            other => {
                tracing::info!(web_chat = ?other, "refused: web chat not allowed");
                return Err(forbidden("This web chat is not served here."));
            }
        }
    }
    let request = state.post_json("conversations/", body, accept(&headers, "application/json"));
    Ok(forward(&state, request, Kind::Json, "create conversation").await)
}

/// `GET conversations/{id}/`.
pub async fn get_conversation(
    State(state): State<Arc<ProxyState>>,
    Path(id): Path<String>,
) -> Response {
    if !plain_id(&id) {
        return not_found().await;
    }
    let request = state.request(Method::GET, &format!("conversations/{id}/"));
    forward(&state, request, Kind::Json, "get conversation").await
}

/// `POST chatbots/{id}/completions/`: the reply is relayed as it streams.
pub async fn completions(
    State(state): State<Arc<ProxyState>>,
    Path(chatbot): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    if let Some(refusal) = state.guard.refuse_chatbot(&chatbot) {
        return Err(refusal);
    }
    let body = state.guard.read_body(&headers, body).await?;
    let request = state.post_json(
        &format!("chatbots/{chatbot}/completions/"),
        body,
        accept(&headers, "text/event-stream, application/json"),
    );
    Ok(forward(&state, request, Kind::Stream, "completion").await)
}

/// `GET messages/?conversation=&cursor=&pageSize=`.
pub async fn list_messages(
    State(state): State<Arc<ProxyState>>,
    prefix: NestedPath,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if query
        .get("conversation")
        .is_none_or(|c| c.trim().is_empty())
    {
        return json_error(
            StatusCode::BAD_REQUEST,
            "The conversation parameter is required.",
        );
    }
    let params: Vec<(&str, &str)> = PAGE_PARAMS
        .iter()
        .filter_map(|k| query.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    let request = state.request(Method::GET, "messages/").query(&params);
    let api_base = format!("{}{}", state.guard.public_base(&headers), prefix.as_str());
    forward(&state, request, Kind::Page { api_base }, "list messages").await
}

/// `GET messages/{id}/`.
pub async fn get_message(State(state): State<Arc<ProxyState>>, Path(id): Path<String>) -> Response {
    if !plain_id(&id) {
        return not_found().await;
    }
    let request = state.request(Method::GET, &format!("messages/{id}/"));
    forward(&state, request, Kind::Json, "get message").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_reach_the_upstream_path() {
        assert!(plain_id("550e8400-e29b-41d4-a716-446655440000"));
        assert!(plain_id("bot_1"));
        for bad in ["", "..", "a/b", "a?b", "a%2Fb", "a.b", "é"] {
            assert!(!plain_id(bad), "{bad}");
        }
        assert!(!plain_id(&"a".repeat(129)));
    }
}
