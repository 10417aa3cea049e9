//! The five forwarded calls: checks first (ids, allow-lists, body size, the visitor's token),
//! then [`forward`] with a body or query rebuilt from what was checked.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{NestedPath, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::forward::{forward, Kind};
use super::ProxyState;
use crate::api_error::not_found;
use crate::requests::{Completion, NewConversation, PageQuery};
use crate::upstream::json_error;
use crate::visitor;

pub use crate::guard::plain_id;

/// What the server asks the upstream for: its own choice, never the browser's `Accept`.
const JSON: &str = "application/json";

/// The answer to a path the server does not serve.
pub async fn fallback() -> Response {
    not_found()
}

fn forbidden(detail: &str) -> Response {
    json_error(StatusCode::FORBIDDEN, detail)
}

/// `POST conversations/`: the answer gains the visitor's token.
pub async fn create_conversation(
    State(state): State<Arc<ProxyState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let body = state.guard.read_body(&headers, body).await?;
    let new = NewConversation::parse(&body)?;
    if !state.guard.web_chats.allows(&new.web_chat) {
        tracing::info!(web_chat = ?new.web_chat, "refused: web chat not allowed");
        return Err(forbidden("This web chat is not served here."));
    }
    let request = state.post_json("conversations/", &new.upstream_body(), JSON);
    Ok(forward(&state, request, Kind::Created, "create conversation").await)
}

/// `GET conversations/{id}/`.
pub async fn get_conversation(
    State(state): State<Arc<ProxyState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    if !plain_id(&id) {
        return Err(not_found());
    }
    state.guard.visitors.check(&headers, &id)?;
    let request = state.request(Method::GET, &format!("conversations/{id}/"));
    Ok(forward(&state, request, Kind::Json, "get conversation").await)
}

/// `POST chatbots/{id}/completions/`: the reply is relayed as it streams. A null
/// conversation is refused: the upstream would create one whose id only shows up inside the
/// stream, too late to hand its token over.
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
    let mut ask = Completion::parse(&body)?;
    let Some(conversation) = &ask.conversation else {
        return Err(visitor::null_conversation_refusal().into());
    };
    state.guard.visitors.check(&headers, conversation)?;
    let conversation = conversation.clone();
    if let Err(refusal) = state
        .check_attachments(&headers, &conversation, &mut ask)
        .await
    {
        tracing::info!(?refusal, "refused: an attachment");
        return Err(refusal.into_response());
    }
    let (kind, accept) = if ask.streaming {
        (Kind::Stream, "text/event-stream, application/json")
    } else {
        (Kind::Json, JSON)
    };
    let request = state.post_json(
        &format!("chatbots/{chatbot}/completions/"),
        &ask.upstream_body(),
        accept,
    );
    Ok(forward(&state, request, kind, "completion").await)
}

/// `GET messages/?conversation=&cursor=&pageSize=`.
pub async fn list_messages(
    State(state): State<Arc<ProxyState>>,
    prefix: NestedPath,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, Response> {
    let page = PageQuery::parse(&query)?;
    state.guard.visitors.check(&headers, &page.conversation)?;
    let request = state
        .request(Method::GET, "messages/")
        .query(&page.upstream_pairs());
    let api_base = format!("{}{}", state.guard.public_base(&headers), prefix.as_str());
    Ok(forward(&state, request, Kind::Page { api_base }, "list messages").await)
}

/// `GET messages/{id}/`: a message id does not name its conversation, so the token is
/// checked against the `conversation` the upstream's answer names.
pub async fn get_message(
    State(state): State<Arc<ProxyState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    if !plain_id(&id) {
        return Err(not_found());
    }
    let request = state.request(Method::GET, &format!("messages/{id}/"));
    Ok(forward(&state, request, Kind::Message { headers }, "get message").await)
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
