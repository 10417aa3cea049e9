//! The `format` and `chunking` switches.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chat_bubble_server::mock::replies::{default_reply, CHINESE_REPLY};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};

async fn stream_with(query: &str) -> (String, Vec<u8>, String) {
    let (app, _) = fast_app();
    let res = complete(&app, "/api/v1", None, "fmt", query).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ct = res.headers()["content-type"].to_str().unwrap().to_string();
    let body = bytes(res).await.to_vec();
    (ct, body, default_reply("fmt"))
}

#[tokio::test]
async fn sse_snake_spells_conversation_id() {
    let (ct, body, reply) = stream_with("mock_format=sse-snake").await;
    assert_eq!(ct, "text/event-stream");
    let frames = sse_frames(&body);
    assert_eq!(joined(&frames), (reply, true));
    assert!(frames
        .iter()
        .all(|f| f["conversation_id"].is_string() && f.get("conversationId").is_none()));
}

#[tokio::test]
async fn ndjson_is_one_object_per_line() {
    let (ct, body, reply) = stream_with("mock_format=ndjson").await;
    assert_eq!(ct, "application/x-ndjson");
    assert!(!body.starts_with(b"data:"));
    let frames = ndjson_frames(&body);
    assert_eq!(joined(&frames), (reply, true));
    assert!(frames.iter().all(|f| f["conversationId"].is_string()));
}

#[tokio::test]
async fn concat_writes_objects_back_to_back() {
    let (_, body, reply) = stream_with("mock_format=concat").await;
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.contains("}{"), "objects are not adjacent");
    assert!(!text.contains('\n'));
    let frames = concat_frames(&body);
    assert_eq!(joined(&frames), (reply, true));
}

#[tokio::test]
async fn done_sentinel_ends_with_a_done_marker() {
    let (ct, body, reply) = stream_with("mock_format=done-sentinel").await;
    assert_eq!(ct, "text/event-stream");
    assert!(body.ends_with(b"data: [DONE]\n\n"));
    let frames = sse_frames(&body);
    assert_eq!(frames.last().unwrap(), &Value::from("[DONE]"));
    assert_eq!(joined(&frames[..frames.len() - 1]), (reply, true));
}

#[tokio::test]
async fn format_can_also_come_from_a_header() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let req = Request::post("/api/v1/chatbots/b/completions/")
        .header("x-mock-format", "ndjson")
        .header("x-visitor-token", token(&id))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"conversation": id, "message": {"content": "hdr"}}).to_string(),
        ))
        .unwrap();
    let res = call(&app, req).await;
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    assert_eq!(
        joined(&ndjson_frames(&bytes(res).await)),
        (default_reply("hdr"), true)
    );
}

/// Each body frame the router yields, kept apart.
async fn chunks(res: axum::http::Response<Body>) -> Vec<Vec<u8>> {
    let mut body = res.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            out.push(data.to_vec());
        }
    }
    out
}

#[tokio::test]
async fn random_chunking_splits_characters_but_keeps_the_bytes() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let plain = complete(&app, "/api/v1", Some(&id), "中文", "mock_delay=0").await;
    let plain = bytes(plain).await.to_vec();

    let query = "mock_delay=0&mock_chunking=random&mock_seed=7";
    let split = chunks(complete(&app, "/api/v1", Some(&id), "中文", query).await).await;
    assert!(split.len() > 20, "only {} chunks", split.len());
    assert!(split.iter().all(|c| (1..=16).contains(&c.len())));
    assert!(
        split.iter().any(|c| std::str::from_utf8(c).is_err()),
        "no chunk cuts a character"
    );
    assert_eq!(split.concat(), plain);
    assert_eq!(
        joined(&sse_frames(&plain)),
        (CHINESE_REPLY.to_string(), true)
    );

    // The same seed gives the same cuts.
    let again = chunks(complete(&app, "/api/v1", Some(&id), "中文", query).await).await;
    let lens = |v: &Vec<Vec<u8>>| v.iter().map(Vec::len).collect::<Vec<_>>();
    assert_eq!(lens(&again), lens(&split));
}

#[tokio::test]
async fn random_chunking_works_with_every_format() {
    for format in ["sse", "sse-snake", "ndjson", "concat", "done-sentinel"] {
        let (_, body, reply) = stream_with(&format!(
            "mock_format={format}&mock_chunking=random&mock_seed=3"
        ))
        .await;
        let frames = match format {
            "ndjson" => ndjson_frames(&body),
            "concat" => concat_frames(&body),
            _ => sse_frames(&body),
        };
        let frames: Vec<Value> = frames.into_iter().filter(|f| f.is_object()).collect();
        assert_eq!(joined(&frames), (reply, true), "{format}");
    }
}
