//! The widget's five calls, answered from Maax.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{NestedPath, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::answer::{self, NoAnswer};
use super::client::HistoryError;
use super::mapping;
use super::prospect::Contact;
use super::{v2, MaaxState};
use crate::api_error::not_found;
use crate::ids::now_ms;
use crate::mock::pagination::{
    decode_cursor, encode_cursor, encode_query_value, PageLinks, DEFAULT_PAGE_SIZE,
};
use crate::proxy::handlers::plain_id;
use crate::requests::{Completion, NewConversation, PageQuery};
use crate::upstream::{json_error, Failure};
use crate::visitor;

fn failed(what: &str) -> impl FnOnce(Failure) -> Response + '_ {
    move |f| {
        f.log(what);
        f.into_response()
    }
}

/// `POST conversations/` `{"webChat": id}` → Maax `create-conversation`; the answer carries
/// the visitor's token.
pub async fn create_conversation(
    State(state): State<Arc<MaaxState>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let body = state.guard.read_body(&headers, body).await?;
    let new = NewConversation::parse(&body)?;
    // V2: the visitor's name and contact, if the site asked for them (checked before Maax
    // is called, so a typo costs no conversation).
    let contact = match &state.v2 {
        Some(_) => Contact::from_body(&body)
            .map_err(|errors| (StatusCode::BAD_REQUEST, Json(errors)).into_response())?,
        None => None,
    };
    if !state.guard.web_chats.allows(&new.web_chat) {
        tracing::info!(web_chat = ?new.web_chat, "refused: web chat not allowed");
        return Err(json_error(
            StatusCode::FORBIDDEN,
            "This web chat is not served here.",
        ));
    }
    let id = state
        .client
        .create_conversation(contact.as_ref().map(Contact::prospect_info))
        .await
        .map_err(failed("create conversation"))?;
    if !plain_id(&id) {
        tracing::warn!("create conversation: Maax answered an id that is not plain");
        return Err(Failure::Broken.into_response());
    }
    if let (Some(v2), Some(contact)) = (&state.v2, &contact) {
        v2.prospects.keep(&id, contact).await.map_err(|e| {
            tracing::error!(error = %e, "cannot keep the visitor's contact");
            json_error(StatusCode::SERVICE_UNAVAILABLE, "Try again later.")
        })?;
    }
    tracing::info!(conversation = ?id, contact = contact.is_some(), "conversation created");
    let mut conversation = mapping::conversation(&id, Some(&new.web_chat), now_ms());
    state.guard.visitors.bind(&mut conversation);
    Ok((StatusCode::CREATED, Json(conversation)).into_response())
}

/// The mapped history of a conversation; `None` if Maax does not know it. In V2, V2's
/// history call first, V1's if that fails, and the stored follow-ups merged in.
async fn history(state: &MaaxState, conversation: &str) -> Result<Option<Vec<Value>>, Response> {
    let mut answer = Err(HistoryError::NotFound);
    if state.v2.is_some() {
        answer = state.client.history_v2(conversation).await;
        if let Err(e) = &answer {
            tracing::info!(error = ?e, "v2 history failed; trying v1's");
        }
    }
    if answer.is_err() {
        answer = state.client.history(conversation).await;
    }
    let messages = match answer {
        Ok(mut body) => {
            state.client.settings().key.scrub_json(&mut body);
            mapping::messages(conversation, &mapping::history_list(&body))
        }
        Err(HistoryError::NotFound) => return Ok(None),
        Err(HistoryError::Failed(f)) => return Err(failed("read history")(f)),
    };
    v2::with_followups(state, conversation, messages)
        .await
        .map(Some)
}

/// `GET conversations/{id}/`.
pub async fn get_conversation(
    State(state): State<Arc<MaaxState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    if !plain_id(&id) {
        return Err(not_found());
    }
    state.guard.visitors.check(&headers, &id)?;
    let Some(messages) = history(&state, &id).await? else {
        return Err(not_found());
    };
    let created = messages
        .first()
        .and_then(|m| m["createdAt"].as_str()?.parse().ok())
        .unwrap_or_else(now_ms);
    Ok(Json(mapping::conversation(&id, None, created)).into_response())
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
    let ask = Completion::parse(&body)?;
    // Maax AI's API carries text only: a file would be silently dropped.
    if !ask.attachments.is_empty() {
        return Err(crate::api_error::ApiError::detail(
            axum::http::StatusCode::BAD_REQUEST,
            crate::uploads::MAAX_REFUSAL,
        )
        .into());
    }
    // Without a conversation there would be one created here whose token the widget never
    // got; it creates its conversation first.
    let Some(conversation) = ask.conversation else {
        return Err(visitor::null_conversation_refusal().into());
    };
    state.guard.visitors.check(&headers, &conversation)?;
    if state.v2.is_some() {
        return v2::completion(&state, conversation, &ask.content, ask.streaming).await;
    }
    let incoming = state
        .client
        .initiate(&ask.content, &conversation)
        .await
        .map_err(failed("initiate answer"))?;
    tracing::info!(?conversation, incoming_message_id = ?incoming, "answer requested");

    let settings = state.client.settings();
    if !ask.streaming {
        return match answer::wait(&state.client, settings.poll, &incoming).await {
            Ok(text) => Ok(Json(json!({
                "conversationId": conversation,
                "content": state.client.settings().key.scrub(&text),
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
    let page = PageQuery::parse(&query)?;
    state.guard.visitors.check(&headers, &page.conversation)?;
    let size = page.page_size.map_or(DEFAULT_PAGE_SIZE, |n| n as usize);
    let offset = match &page.cursor {
        None => 0,
        Some(c) => {
            decode_cursor(c).ok_or_else(|| json_error(StatusCode::NOT_FOUND, "Invalid cursor"))?
        }
    };
    let conversation = &page.conversation;
    let mut messages = history(&state, conversation).await?.unwrap_or_default();
    messages.reverse();
    let count = messages.len();
    let results: Vec<Value> = messages.into_iter().skip(offset).take(size).collect();
    let links = PageLinks::new(offset, size, count);

    let base = format!(
        "{}{}/messages/?conversation={}",
        state.guard.public_base(&headers),
        prefix.as_str(),
        encode_query_value(conversation)
    );
    let link = |at: usize| format!("{base}&cursor={}&pageSize={size}", encode_cursor(at));
    Ok(Json(json!({
        "count": count,
        "next": links.next.map(link),
        "previous": links.previous.map(link),
        "results": results,
    }))
    .into_response())
}

/// `GET messages/{id}/` with an id `<conversation>.<index>` (or `<conversation>.f<n>` for a
/// stored follow-up).
pub async fn get_message(
    State(state): State<Arc<MaaxState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let Some((conversation, _)) = id
        .rsplit_once('.')
        .filter(|(c, _)| !c.is_empty() && plain_id(c))
    else {
        return Err(not_found());
    };
    state.guard.visitors.check(&headers, conversation)?;
    let messages = history(&state, conversation).await?.unwrap_or_default();
    match messages
        .into_iter()
        .find(|m| m["id"].as_str() == Some(id.as_str()))
    {
        Some(m) => Ok(Json(m).into_response()),
        None => Err(not_found()),
    }
}
