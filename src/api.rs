//! HTTP calls to the backend: create a conversation, stream a reply, list the history, upload a
//! file.
//!
//! Thin glue over gloo-net's `fetch` wrapper; the reply body is read as a stream and handed chunk
//! by chunk to the pure [`StreamDecoder`].

use gloo_net::http::{Request, RequestBuilder, Response};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ProgressEvent, ReadableStreamDefaultReader, XmlHttpRequest,
};

use crate::config::{same_origin, Config};
use crate::contact::Contact;
use crate::errors::ApiError;
use crate::models::{
    Attachment, CompletionRequest, Conversation, CreatedConversation, HistoryPages, Message,
    MessagePage, NewConversation, OutgoingMessage,
};
use crate::reply_end::ReplyEnd;
use crate::stream::{StreamDecoder, StreamEvent};
use crate::timers::{self, Watchdog};
use crate::uploads::{UploadError, UploadedFile};

/// History pages followed at most, so a backend that loops its `next` links cannot hang the widget.
const MAX_HISTORY_PAGES: usize = 50;
const HISTORY_PAGE_SIZE: usize = 100;
/// Bytes of one page of history read at most (the server's own bound on a JSON answer), and of
/// a whole history: a backend that sends more cannot fill the visitor's memory. A history of
/// a thousand long replies is a few megabytes.
const MAX_HISTORY_PAGE_BYTES: usize = 8 << 20;
const MAX_HISTORY_BYTES: usize = 16 << 20;
/// Text of one reply shown at most: hundreds of pages, far beyond any assistant's reply; a
/// backend that never ends a reply is cut there.
const MAX_REPLY_TEXT: usize = 2 << 20;
/// Bytes of one reply's body read at most. Framing can be most of a stream (a frame for every
/// word), so this is well above the text's bound; it bounds the time a stream of frames
/// without text can take.
const MAX_REPLY_BYTES: usize = 32 << 20;
/// Bytes of an error's body read for its `detail`.
const MAX_ERROR_BYTES: usize = 64 << 10;
/// Longest stretch (ms) of reading and showing a reply before the browser gets a turn.
const TIME_SLICE_MS: f64 = 8.0;
/// Bytes of a reply decoded between checks of the time slice.
const DECODE_SLICE: usize = 16 * 1024;
const ACCEPT: &str = "application/json, text/event-stream";
/// The header that carries a conversation's visitor token (see `chat-bubble-server`'s README).
const VISITOR_TOKEN: &str = "X-Visitor-Token";

/// `POST conversations/` → the new conversation, with its visitor token if the server gives one.
/// `contact` is what the visitor gave at the contact step, if anything.
pub async fn create_conversation(
    config: &Config,
    contact: Option<&Contact>,
    signal: Option<&AbortSignal>,
) -> Result<Conversation, ApiError> {
    let body = NewConversation {
        web_chat: &config.web_chat_id,
        contact,
    };
    let request = Request::post(&config.url("conversations/"))
        .header("Accept", ACCEPT)
        .abort_signal(signal)
        .json(&body)?;
    let answer: CreatedConversation = send(request).await?.json().await?;
    if answer.id.is_empty() {
        return Err(ApiError::BadResponse(
            "the new conversation has no id".into(),
        ));
    }
    Ok(Conversation {
        id: answer.id,
        visitor_token: answer.visitor_token.filter(|t| !t.is_empty()),
    })
}

/// Shows the conversation's visitor token, when there is one: a backend that gave none expects
/// none.
fn with_token(request: RequestBuilder, conversation: &Conversation) -> RequestBuilder {
    match &conversation.visitor_token {
        Some(token) => request.header(VISITOR_TOKEN, token),
        None => request,
    }
}

/// What the visitor sends: text, and the files uploaded for it.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub text: &'a str,
    pub attachments: &'a [Attachment],
}

/// `POST chatbots/{id}/completions/` with streaming on; calls `on_events` with the frames
/// decoded from each piece of the body as soon as it arrives. Returns when the body ends. `controller` stops it (the Stop
/// button); a stall longer than the configured bound stops it too, as [`ApiError::Timeout`].
pub async fn stream_reply(
    config: &Config,
    conversation: &Conversation,
    ask: Ask<'_>,
    controller: &AbortController,
    on_events: impl FnMut(&[StreamEvent]),
) -> Result<(), ApiError> {
    let watchdog = Watchdog::start(controller.clone(), config.reply_timeout_ms);
    read_reply(config, conversation, ask, controller, &watchdog, on_events)
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
    conversation: &Conversation,
    ask: Ask<'_>,
    controller: &AbortController,
    watchdog: &Watchdog,
    mut on_events: impl FnMut(&[StreamEvent]),
) -> Result<(), ApiError> {
    let body = CompletionRequest {
        conversation: &conversation.id,
        message: OutgoingMessage {
            content: ask.text,
            attachments: ask.attachments,
        },
        is_streaming: true,
    };
    let url = config.url(&format!("chatbots/{}/completions/", config.chatbot_id));
    let request = with_token(Request::post(&url), conversation)
        .header("Accept", ACCEPT)
        .abort_signal(Some(&controller.signal()))
        .json(&body)?;
    let response = send(request).await?;
    watchdog.progress();
    // A 200 HTML page (a captive portal, a misrouted proxy) is not a reply.
    let content_type = response.headers().get("Content-Type");
    if content_type.is_some_and(|t| t.contains("html")) {
        return Err(ApiError::BadResponse(
            "an HTML page instead of a reply".into(),
        ));
    }
    let stream = response
        .body()
        .ok_or_else(|| ApiError::BadResponse("the reply has no body".into()))?;
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut decoder = StreamDecoder::default();
    let mut end = ReplyEnd::default();
    let mut text_bytes = 0;
    let mut handle = |events: Vec<StreamEvent>| {
        end.saw(&events);
        on_events(&events);
        text_bytes += events
            .iter()
            .map(|event| match event {
                StreamEvent::Chunk { content, .. } => content.len(),
                _ => 0,
            })
            .sum::<usize>();
        text_bytes
    };
    let mut body_bytes = 0;
    // Since the browser last had a turn.
    let mut busy_since = js_sys::Date::now();
    loop {
        // A read that waits for the network lets the browser run meanwhile; one served from
        // what has already arrived does not (the clock cannot tell them apart: rendering in
        // between takes time too).
        let turns = timers::turns_seen();
        timers::watch_for_turn();
        let piece = next_piece(&reader)
            .await
            .map_err(|e| ApiError::from_js(e).cut_off())?;
        if timers::turns_seen() != turns {
            busy_since = js_sys::Date::now();
        }
        let Some(piece) = piece else {
            break;
        };
        watchdog.progress();
        let bytes = piece.to_vec();
        body_bytes += bytes.len();
        // Bytes that arrive faster than they can be shown would keep the page busy in one long
        // task, and one piece of the body can be hundreds of KB: decode it a slice at a time,
        // giving the browser a turn after every few milliseconds of work.
        for slice in bytes.chunks(DECODE_SLICE) {
            let shown = handle(decoder.push(slice));
            if shown > MAX_REPLY_TEXT || body_bytes > MAX_REPLY_BYTES {
                // What was shown stays; the rest is not fetched.
                let _ = reader.cancel();
                return Err(ApiError::ReplyTooLong);
            }
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
    end.verdict()
}

/// Every message of a conversation, oldest first, following `next` links on the API's own origin.
/// `signal` stops it (the widget closing, a new conversation).
pub async fn history(
    config: &Config,
    conversation: &Conversation,
    signal: Option<&AbortSignal>,
) -> Result<Vec<Message>, ApiError> {
    read_history(config, conversation, signal, false)
        .await
        .map(|read| read.messages)
}

/// Messages of a conversation read from the history, oldest first.
#[derive(Debug)]
pub struct HistoryRead {
    pub messages: Vec<Message>,
    /// They are all of the conversation's messages, not only its newest.
    pub whole: bool,
}

/// The newest messages of a conversation: its first page of history alone when the backend
/// pages it from the newest (see [`MessagePage::runs_newest_first`]), else every page, as
/// [`history`] reads them.
pub async fn recent_history(
    config: &Config,
    conversation: &Conversation,
    signal: Option<&AbortSignal>,
) -> Result<HistoryRead, ApiError> {
    read_history(config, conversation, signal, true).await
}

async fn read_history(
    config: &Config,
    conversation: &Conversation,
    signal: Option<&AbortSignal>,
    newest_enough: bool,
) -> Result<HistoryRead, ApiError> {
    let page_size = HISTORY_PAGE_SIZE.to_string();
    let mut request = Request::get(&config.url("messages/")).query([
        ("conversation", conversation.id.as_str()),
        ("pageSize", page_size.as_str()),
    ]);
    let mut pages = HistoryPages::default();
    let mut whole = true;
    let mut bytes_left = MAX_HISTORY_BYTES;
    for read in 0..MAX_HISTORY_PAGES {
        let response = send(
            with_token(request, conversation)
                .header("Accept", ACCEPT)
                .abort_signal(signal)
                .build()?,
        )
        .await?;
        // Read as bytes rather than with `Response::json`: the page goes through the same
        // lone-surrogate repair as stream frames (`MessagePage::from_json`). Bytes, not
        // `Response::text`, because a JS string is turned into UTF-8 again on its way in: 12 ms
        // for a page holding 2 MB of text.
        let limit = bytes_left.min(MAX_HISTORY_PAGE_BYTES);
        let Some(body) = read_at_most(&response, limit).await? else {
            if read == 0 {
                return Err(ApiError::BadResponse("a page of history too large".into()));
            }
            // The pages read so far are shown; the history goes no further.
            whole = false;
            break;
        };
        bytes_left -= body.len();
        let page = MessagePage::from_json(&body)?;
        let newest_only = newest_enough && read == 0 && page.runs_newest_first();
        // A page with nothing new comes from a `next` that leads back: the read ends there.
        let nothing_new = pages.add(page.results) == 0;
        match page.next {
            Some(_) if newest_only => {
                whole = false;
                break;
            }
            Some(next) if same_origin(&next, &config.api_base) && !nothing_new => {
                request = Request::get(&next)
            }
            _ => break,
        }
    }
    let messages = pages.into_sorted();
    Ok(HistoryRead { messages, whole })
}

/// `POST uploads/?conversation=&filename=` with the file as the body, through XMLHttpRequest
/// because `fetch` cannot report how much of a body has been sent. `on_progress` hears the
/// share sent (0 to 1); `signal` stops the upload (the visitor removed the file). The file
/// goes by `name`, the chip's: two pasted screenshots, both `image.png` to the browser, are
/// told apart.
pub async fn upload_file(
    config: &Config,
    conversation: &Conversation,
    file: &web_sys::File,
    name: &str,
    signal: &AbortSignal,
    on_progress: impl Fn(f64) + 'static,
) -> Result<UploadedFile, UploadError> {
    let js = |e: JsValue| UploadError::Api(ApiError::from_js(e));
    let url = format!(
        "{}?conversation={}&filename={}",
        config.url("uploads/"),
        String::from(js_sys::encode_uri_component(&conversation.id)),
        String::from(js_sys::encode_uri_component(name)),
    );
    let xhr = XmlHttpRequest::new().map_err(js)?;
    xhr.open_with_async("POST", &url, true).map_err(js)?;
    xhr.set_request_header("Accept", "application/json")
        .map_err(js)?;
    if let Some(token) = &conversation.visitor_token {
        xhr.set_request_header(VISITOR_TOKEN, token).map_err(js)?;
    }
    let progress = Closure::<dyn Fn(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress(e.loaded() / e.total());
        }
    });
    xhr.upload()
        .map_err(js)?
        .set_onprogress(Some(progress.as_ref().unchecked_ref()));
    let stop = Closure::<dyn Fn()>::new({
        let xhr = xhr.clone();
        move || {
            let _ = xhr.abort();
        }
    });
    signal.set_onabort(Some(stop.as_ref().unchecked_ref()));
    // `loadend` comes once, whichever way the request ends; the status says which (0: it
    // never got an answer).
    let (ended_tx, ended) = futures_channel::oneshot::channel::<()>();
    let ended_tx = std::cell::Cell::new(Some(ended_tx));
    let on_end = Closure::<dyn Fn()>::new(move || {
        if let Some(tx) = ended_tx.take() {
            let _ = tx.send(());
        }
    });
    xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
    xhr.send_with_opt_blob(Some(file)).map_err(js)?;
    let _ = ended.await;
    signal.set_onabort(None);
    drop((progress, stop, on_end));
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(UploadError::Api(if signal.aborted() {
            ApiError::Aborted
        } else {
            ApiError::from_js(JsValue::NULL)
        }));
    }
    let body = xhr.response_text().ok().flatten().unwrap_or_default();
    if !(200..300).contains(&status) {
        let retry_after = xhr.get_response_header("Retry-After").ok().flatten();
        return Err(UploadError::from_status(
            status,
            &body,
            retry_after.as_deref(),
        ));
    }
    serde_json::from_str::<UploadedFile>(&body)
        .ok()
        .filter(|f| !f.file.is_empty())
        .ok_or_else(|| {
            UploadError::Api(ApiError::BadResponse(
                "the upload's answer names no file".into(),
            ))
        })
}

/// The body of `response`, or `None` when it is longer than `limit` bytes: then the rest is not
/// fetched.
async fn read_at_most(response: &Response, limit: usize) -> Result<Option<Vec<u8>>, ApiError> {
    let Some(stream) = response.body() else {
        return Ok(Some(Vec::new()));
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    while let Some(piece) = next_piece(&reader).await.map_err(ApiError::from_js)? {
        if body.len() + piece.length() as usize > limit {
            let _ = reader.cancel();
            return Ok(None);
        }
        // Copied once, straight from the piece into the body.
        let start = body.len();
        body.resize(start + piece.length() as usize, 0);
        piece.copy_to(&mut body[start..]);
    }
    Ok(Some(body))
}

/// The next piece of a body being read, or `None` at its end.
async fn next_piece(reader: &ReadableStreamDefaultReader) -> Result<Option<Uint8Array>, JsValue> {
    let chunk = JsFuture::from(reader.read()).await?;
    let done = Reflect::get(&chunk, &JsValue::from_str("done"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    if done {
        return Ok(None);
    }
    Ok(Some(Uint8Array::new(&Reflect::get(
        &chunk,
        &JsValue::from_str("value"),
    )?)))
}

/// Sends one request; a non-2xx status becomes an [`ApiError`] carrying the backend's detail.
async fn send(request: Request) -> Result<Response, ApiError> {
    let response = request.send().await?;
    if response.ok() {
        return Ok(response);
    }
    // An error's detail is a sentence: a longer body is not one.
    let body = read_at_most(&response, MAX_ERROR_BYTES)
        .await
        .ok()
        .flatten();
    let text = body
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let retry_after = response.headers().get("Retry-After");
    Err(ApiError::from_status(
        response.status(),
        &text,
        retry_after.as_deref(),
    ))
}
