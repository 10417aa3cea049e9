//! HTTP calls to the backend: create a conversation, stream a reply, list the history.
//!
//! Thin glue over `fetch`; the reply body is read as a stream and handed chunk by chunk to the
//! pure [`StreamDecoder`].

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit, Response,
};

use crate::config::{same_origin, Config};
use crate::errors::ApiError;
use crate::json::{object, Json};
use crate::models::{created_conversation_id, sort_history, Message, MessagePage};
use crate::stream::{StreamDecoder, StreamEvent};
use crate::text_search;
use crate::timers::{self, Watchdog};

/// History pages followed at most, so a backend that loops its `next` links cannot hang the widget.
const MAX_HISTORY_PAGES: usize = 50;
const HISTORY_PAGE_SIZE: usize = 100;
/// Longest stretch (ms) of reading and showing a reply before the browser gets a turn.
const TIME_SLICE_MS: f64 = 8.0;
/// Bytes of a reply decoded between checks of the time slice.
const DECODE_SLICE: usize = 16 * 1024;

/// `POST conversations/` → the new conversation's id.
pub async fn create_conversation(
    config: &Config,
    signal: Option<&AbortSignal>,
) -> Result<String, ApiError> {
    let body = object([("webChat", config.web_chat_id.as_str().into())]).to_string();
    let response = send("POST", &config.url("conversations/"), Some(&body), signal).await?;
    let answer = read_json(&response).await?;
    created_conversation_id(&answer)
        .ok_or_else(|| ApiError::BadResponse("the new conversation has no id".into()))
}

/// `POST chatbots/{id}/completions/` with streaming on; calls `on_events` with the frames
/// decoded from each piece of the body as soon as it arrives. Returns when the body ends. `controller` stops it (the Stop
/// button); a stall longer than the configured bound stops it too, as [`ApiError::Timeout`].
pub async fn stream_reply(
    config: &Config,
    conversation_id: &str,
    text: &str,
    controller: &AbortController,
    on_events: impl FnMut(&[StreamEvent]),
) -> Result<(), ApiError> {
    let watchdog = Watchdog::start(controller.clone(), config.reply_timeout_ms);
    read_reply(
        config,
        conversation_id,
        text,
        controller,
        &watchdog,
        on_events,
    )
    .await
    .map_err(|e| {
        if watchdog.fired() {
            ApiError::Timeout
        } else {
            e
        }
    })
}

async fn read_reply(
    config: &Config,
    conversation_id: &str,
    text: &str,
    controller: &AbortController,
    watchdog: &Watchdog,
    mut on_events: impl FnMut(&[StreamEvent]),
) -> Result<(), ApiError> {
    let body = object([
        ("conversation", conversation_id.into()),
        (
            "message",
            object([
                ("content", text.into()),
                ("attachments", Json::Array(Vec::new())),
            ]),
        ),
        ("isStreaming", true.into()),
    ])
    .to_string();
    let url = config.url(&format!("chatbots/{}/completions/", config.chatbot_id));
    let response = send("POST", &url, Some(&body), Some(&controller.signal())).await?;
    watchdog.progress();
    // A 200 HTML page (a captive portal, a misrouted proxy) is not a reply.
    let content_type = response.headers().get("Content-Type").ok().flatten();
    if content_type.is_some_and(|t| text_search::contains(&t, "html")) {
        return Err(ApiError::BadResponse(
            "an HTML page instead of a reply".into(),
        ));
    }
    let stream = response
        .body()
        .ok_or_else(|| ApiError::BadResponse("the reply has no body".into()))?;
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut decoder = StreamDecoder::default();
    let mut understood = 0usize;
    let mut malformed = 0usize;
    let mut handle = |events: Vec<StreamEvent>| {
        for event in &events {
            match event {
                StreamEvent::Chunk { .. } => understood += 1,
                StreamEvent::Malformed(_) => malformed += 1,
                StreamEvent::Sources(_) => {}
            }
        }
        on_events(&events);
    };
    // Since the browser last had a turn.
    let mut busy_since = js_sys::Date::now();
    loop {
        // A read that waits for the network lets the browser run meanwhile; one served from
        // what has already arrived does not (the clock cannot tell them apart: rendering in
        // between takes time too).
        let turns = timers::turns_seen();
        timers::watch_for_turn();
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(ApiError::from_js)?;
        if timers::turns_seen() != turns {
            busy_since = js_sys::Date::now();
        }
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = Reflect::get(&chunk, &JsValue::from_str("value")).map_err(ApiError::from_js)?;
        watchdog.progress();
        let bytes = Uint8Array::new(&value).to_vec();
        // Bytes that arrive faster than they can be shown would keep the page busy in one long
        // task, and one piece of the body can be hundreds of KB: decode it a slice at a time,
        // giving the browser a turn after every few milliseconds of work.
        for slice in bytes.chunks(DECODE_SLICE) {
            handle(decoder.push(slice));
            if js_sys::Date::now() - busy_since > TIME_SLICE_MS {
                timers::yield_to_browser().await;
                busy_since = js_sys::Date::now();
                // Stop may have been pressed meanwhile: the rest of this piece is not shown.
                if controller.signal().aborted() {
                    return Err(ApiError::Aborted);
                }
            }
        }
    }
    handle(decoder.finish());
    if understood == 0 && malformed > 0 {
        return Err(ApiError::BadResponse("the reply could not be read".into()));
    }
    Ok(())
}

/// Every message of a conversation, oldest first, following `next` links on the API's own origin.
pub async fn history(
    config: &Config,
    conversation_id: &str,
    signal: Option<&AbortSignal>,
) -> Result<Vec<Message>, ApiError> {
    let mut url = config.url(&format!(
        "messages/?conversation={}&pageSize={HISTORY_PAGE_SIZE}",
        String::from(js_sys::encode_uri_component(conversation_id))
    ));
    let mut messages = Vec::new();
    for _ in 0..MAX_HISTORY_PAGES {
        let response = send("GET", &url, None, signal).await?;
        let page = MessagePage::from_json(&read_json(&response).await?).ok_or_else(not_json)?;
        messages.extend(page.results);
        match page.next {
            Some(next) if same_origin(&next, &config.api_base) => url = next,
            _ => break,
        }
    }
    sort_history(&mut messages);
    Ok(messages)
}

/// One request; a non-2xx status becomes an [`ApiError`] carrying the backend's detail.
async fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<Response, ApiError> {
    let window = web_sys::window().ok_or(ApiError::Offline)?;
    let init = RequestInit::new();
    init.set_method(method);
    let headers = Headers::new().map_err(ApiError::from_js)?;
    let _ = headers.set("Accept", "application/json, text/event-stream");
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    init.set_signal(signal);
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(ApiError::from_js)?
        .unchecked_into();
    if response.ok() {
        return Ok(response);
    }
    let text = read_text(&response).await.unwrap_or_default();
    let retry_after = response.headers().get("Retry-After").ok().flatten();
    Err(ApiError::from_status(
        response.status(),
        &text,
        retry_after.as_deref(),
    ))
}

async fn read_text(response: &Response) -> Result<String, ApiError> {
    let promise = response.text().map_err(ApiError::from_js)?;
    let text = JsFuture::from(promise).await.map_err(ApiError::from_js)?;
    Ok(text.as_string().unwrap_or_default())
}

async fn read_json(response: &Response) -> Result<Json, ApiError> {
    let text = read_text(response).await?;
    Json::parse(&text).ok_or_else(not_json)
}

fn not_json() -> ApiError {
    ApiError::BadResponse("the server's answer is not the expected JSON".into())
}
