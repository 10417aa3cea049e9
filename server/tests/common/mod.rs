//! Helpers shared by the integration tests: an in-process mock app, request shortcuts and
//! decoders for the three stream formats.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, Response, StatusCode};
use axum::Router;
use chat_bubble_server::app;
use chat_bubble_server::mock::{self, MockState};
use chat_bubble_server::visitor::{self, VisitorKeys};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::sync::watch;
use tower::ServiceExt;

/// A mock app without the static files; `delay` is the server's default per-delta pause.
pub fn mock_app(delay: Duration) -> (Router, Arc<MockState>) {
    let (tx, rx) = watch::channel(false);
    // Leak the sender so shutdown is never signalled and never looks "gone" either.
    std::mem::forget(tx);
    let state = MockState::new(delay, rx, Some(keys()));
    (app::with_layers(mock::router(state.clone())), state)
}

/// A mock app with visitor tokens off (`--mock-visitor-tokens false`).
pub fn open_mock_app(delay: Duration) -> (Router, Arc<MockState>) {
    let (tx, rx) = watch::channel(false);
    std::mem::forget(tx);
    let state = MockState::new(delay, rx, None);
    (app::with_layers(mock::router(state.clone())), state)
}

/// A fast mock app with visitor tokens off.
pub fn open_app() -> (Router, Arc<MockState>) {
    open_mock_app(Duration::ZERO)
}

/// A mock app whose streams go out as fast as possible.
pub fn fast_app() -> (Router, Arc<MockState>) {
    mock_app(Duration::ZERO)
}

/// The visitor-token secret of the apps built here.
pub const VISITOR_SECRET: &[u8] = b"test visitor secret, not a real one";

pub fn keys() -> VisitorKeys {
    VisitorKeys::new(VISITOR_SECRET).unwrap()
}

/// The visitor token of a conversation, as the apps built here issue it.
pub fn token(conversation: &str) -> String {
    keys().issue(conversation)
}

/// A GET by the visitor who owns `conversation`.
pub fn get_as(uri: &str, conversation: &str) -> Request<Body> {
    Request::get(uri)
        .header(visitor::HEADER, token(conversation))
        .body(Body::empty())
        .unwrap()
}

/// A JSON POST by the visitor who owns `conversation`.
pub fn post_as(uri: &str, body: Value, conversation: &str) -> Request<Body> {
    let mut req = post(uri, body);
    req.headers_mut()
        .insert(visitor::HEADER, token(conversation).parse().unwrap());
    req
}

pub async fn call(app: &Router, req: Request<Body>) -> Response<Body> {
    app.clone()
        .oneshot(req)
        .await
        .expect("router is infallible")
}

pub fn post(uri: &str, body: Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// The whole body; panics if the body ends in an error.
pub async fn bytes(res: Response<Body>) -> Bytes {
    res.into_body()
        .collect()
        .await
        .expect("body ends cleanly")
        .to_bytes()
}

pub async fn json_body(res: Response<Body>) -> Value {
    let b = bytes(res).await;
    serde_json::from_slice(&b).unwrap_or_else(|e| panic!("not JSON ({e}): {b:?}"))
}

/// Creates a conversation under `prefix` (`/api/v1` or `/api`) and returns its id.
pub async fn create_conversation(app: &Router, prefix: &str) -> String {
    let res = call(
        app,
        post(
            &format!("{prefix}/conversations/"),
            json!({"webChat": "wc-test"}),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    json_body(res).await["id"].as_str().unwrap().to_string()
}

/// Sends a streaming completion as the conversation's visitor; `query` is appended as is
/// (e.g. `mock_format=ndjson`). Without a conversation, one is created first (the mock, like
/// the real modes, refuses a null one while visitor tokens are on).
pub async fn complete(
    app: &Router,
    prefix: &str,
    conversation: Option<&str>,
    content: &str,
    query: &str,
) -> Response<Body> {
    let id = match conversation {
        Some(id) => id.to_string(),
        None => create_conversation(app, prefix).await,
    };
    let uri = format!("{prefix}/chatbots/bot-1/completions/?{query}");
    let body = json!({
        "conversation": id,
        "message": {"content": content, "attachments": []},
        "isStreaming": true,
    });
    call(app, post_as(&uri, body, &id)).await
}

/// Decodes SSE `data:` events into JSON values; `[DONE]` becomes the string "[DONE]".
pub fn sse_frames(body: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(body).expect("UTF-8 body");
    assert!(
        text.ends_with("\n\n"),
        "SSE body must end with a blank line"
    );
    text.split("\n\n")
        .filter(|event| !event.is_empty())
        .map(|event| {
            let data = event
                .strip_prefix("data: ")
                .unwrap_or_else(|| panic!("not a data event: {event:?}"));
            if data == "[DONE]" {
                Value::from("[DONE]")
            } else {
                serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data:?}"))
            }
        })
        .collect()
}

/// Decodes newline-delimited JSON.
pub fn ndjson_frames(body: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(body).expect("UTF-8 body");
    assert!(text.ends_with('\n'));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Decodes JSON objects written back to back.
pub fn concat_frames(body: &[u8]) -> Vec<Value> {
    serde_json::Deserializer::from_slice(body)
        .into_iter::<Value>()
        .map(Result::unwrap)
        .collect()
}

/// The reply text carried by a list of frames (deltas joined), and whether the last frame is
/// the `done` one.
pub fn joined(frames: &[Value]) -> (String, bool) {
    let text = frames
        .iter()
        .filter_map(|f| f.get("content").and_then(Value::as_str))
        .collect();
    let done = frames
        .last()
        .map(|f| f["done"] == json!(true) && f["content"] == json!(""))
        .unwrap_or(false);
    (text, done)
}

/// Number of delta frames (not `done`, not `[DONE]`).
pub fn delta_count(frames: &[Value]) -> usize {
    frames.iter().filter(|f| f["done"] == json!(false)).count()
}

/// Waits up to five seconds for `check` to hold.
pub async fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}
