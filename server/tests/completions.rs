//! `chatbots/{id}/completions/`: the default SSE stream, validation, non-streaming answers,
//! the canned replies and the `length` and `delay` switches.

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use chat_bubble_server::mock::replies::{
    counted_reply, default_reply, CHINESE_REPLY, MARKDOWN_REPLY,
};
use common::*;
use serde_json::json;

#[tokio::test]
async fn sse_stream_carries_the_default_reply_and_ends_with_done() {
    let (app, state) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let res = complete(&app, "/api/v1", Some(&id), "hello there", "").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert_eq!(h["content-type"], "text/event-stream");
    assert_eq!(h["cache-control"], "no-cache");
    assert_eq!(h["x-accel-buffering"], "no");

    let frames = sse_frames(&bytes(res).await);
    let (text, done) = joined(&frames);
    assert_eq!(text, default_reply("hello there"));
    assert!(done, "last frame: {}", frames.last().unwrap());
    assert!(delta_count(&frames) >= 8, "{} deltas", delta_count(&frames));
    assert!(frames.iter().all(|f| f["conversationId"] == json!(id)));
    assert_eq!(
        frames.iter().filter(|f| f["done"] == json!(true)).count(),
        1
    );

    assert!(eventually(|| state.stats().streams_completed == 1).await);
    assert_eq!(state.stats().streams_started, 1);
}

#[tokio::test]
async fn the_api_prefix_without_v1_streams_too() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api").await;
    let res = complete(&app, "/api", Some(&id), "short prefix", "").await;
    assert_eq!(res.status(), StatusCode::OK);
    let (text, done) = joined(&sse_frames(&bytes(res).await));
    assert_eq!(text, default_reply("short prefix"));
    assert!(done);
}

#[tokio::test]
async fn a_null_conversation_is_refused_while_visitor_tokens_are_on() {
    let (app, state) = fast_app();
    let body = json!({"conversation": null, "message": {"content": "new here"}});
    let res = call(&app, post("/api/v1/chatbots/b/completions/", body)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(res).await["conversation"][0].is_string());
    assert_eq!(state.stats().streams_started, 0);
}

#[tokio::test]
async fn a_null_conversation_creates_one_when_visitor_tokens_are_off() {
    let (app, _) = open_app();
    let body = json!({"conversation": null, "message": {"content": "new here"}});
    let res = call(&app, post("/api/v1/chatbots/b/completions/", body)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let frames = sse_frames(&bytes(res).await);
    let id = frames[0]["conversationId"].as_str().unwrap().to_string();
    let res = call(&app, get(&format!("/api/v1/conversations/{id}/"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let history = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    assert_eq!(history["count"], 2);
}

#[tokio::test]
async fn an_unknown_conversation_is_404() {
    let (app, state) = fast_app();
    let res = complete(&app, "/api/v1", Some("no-such-id"), "hi", "").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(res).await, json!({"detail": "Not found."}));
    assert_eq!(state.stats().streams_started, 0);
}

#[tokio::test]
async fn blank_or_missing_content_is_400() {
    let (app, _) = fast_app();
    let uri = "/api/v1/chatbots/b/completions/";
    for body in [
        json!({"conversation": null, "message": {"content": "  "}}),
        json!({"conversation": null, "message": {"content": ""}}),
        json!({"conversation": null, "message": {}}),
        json!({"conversation": null}),
    ] {
        let res = call(&app, post(uri, body.clone())).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let err = json_body(res).await;
        assert!(err["message"][0].is_string(), "{err}");
    }
}

#[tokio::test]
async fn more_than_twenty_attachments_are_400() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let uri = "/api/v1/chatbots/b/completions/";
    let file = json!({"type": "other", "filename": "a.txt", "file": "https://x.example/a"});
    let asking = |n: usize| {
        let body = json!({"conversation": id, "isStreaming": false,
               "message": {"content": "files", "attachments": vec![file.clone(); n]}});
        post_as(uri, body, &id)
    };
    let res = call(&app, asking(21)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(res).await,
        json!({"attachments": ["Ensure this field has no more than 20 elements."]})
    );
    let res = call(&app, asking(20)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn non_streaming_returns_the_whole_reply_as_json() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    for flag in ["isStreaming", "is_streaming"] {
        let body = json!({"conversation": id, "message": {"content": "whole"}, flag: false});
        let res = call(&app, post_as("/api/v1/chatbots/b/completions/", body, &id)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(
            json_body(res).await,
            json!({"conversationId": id, "content": default_reply("whole"), "done": true})
        );
    }
    let history = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    assert_eq!(history["count"], 4);
}

#[tokio::test]
async fn keywords_pick_the_markdown_and_chinese_replies() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;

    let res = complete(&app, "/api/v1", Some(&id), "Show me some Markdown", "").await;
    let frames = sse_frames(&bytes(res).await);
    assert_eq!(joined(&frames).0, MARKDOWN_REPLY);
    for needle in ["# ", "- ", "```", "](https://", "| name | value |"] {
        assert!(MARKDOWN_REPLY.contains(needle), "{needle}");
    }

    let res = complete(&app, "/api/v1", Some(&id), "請用中文", "").await;
    let frames = sse_frames(&bytes(res).await);
    assert_eq!(joined(&frames).0, CHINESE_REPLY);
    assert!(delta_count(&frames) >= 8);

    let history = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    let results = history["results"].as_array().unwrap();
    let markdown = results
        .iter()
        .find(|m| m["content"] == json!(MARKDOWN_REPLY))
        .expect("markdown reply stored");
    assert_eq!(markdown["type"], "outgoing");
    assert!(!markdown["citations"].as_array().unwrap().is_empty());
    let node = &markdown["citationNodes"][0];
    assert!(node["chatbotTextNode"]["text"].is_string());
    assert!(node["chatbotTextNode"]["pageNumber"].is_number());
}

#[tokio::test]
async fn length_switch_streams_that_many_counted_deltas() {
    let (app, _) = fast_app();
    let res = complete(&app, "/api/v1", None, "bench", "mock_length=12").await;
    let frames = sse_frames(&bytes(res).await);
    assert_eq!(delta_count(&frames), 12);
    assert_eq!(frames[0]["content"], "w0 ");
    assert_eq!(frames[11]["content"], "w11 ");
    assert_eq!(joined(&frames), (counted_reply(12), true));
}

#[tokio::test]
async fn fifty_thousand_deltas_without_delay_stream_completely() {
    let (app, _) = fast_app();
    let res = complete(
        &app,
        "/api/v1",
        None,
        "bench",
        "mock_length=50000&mock_delay=0",
    )
    .await;
    let frames = sse_frames(&bytes(res).await);
    assert_eq!(delta_count(&frames), 50_000);
    assert_eq!(frames[49_999]["content"], "w49999 ");
    assert!(joined(&frames).1);
}

#[tokio::test]
async fn delay_switch_spaces_the_deltas_and_overrides_the_default() {
    // The server default here is 0; the switch asks for 20 ms between 10 deltas.
    let (app, _) = fast_app();
    let started = Instant::now();
    let res = complete(&app, "/api/v1", None, "x", "mock_length=10&mock_delay=20").await;
    let frames = sse_frames(&bytes(res).await);
    assert_eq!(delta_count(&frames), 10);
    assert!(
        started.elapsed() >= Duration::from_millis(9 * 20),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_server_default_delay_applies_without_a_switch() {
    let (app, _) = mock_app(Duration::from_millis(15));
    let started = Instant::now();
    let res = complete(&app, "/api/v1", None, "x", "mock_length=10").await;
    bytes(res).await;
    assert!(
        started.elapsed() >= Duration::from_millis(9 * 15),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn unknown_switch_values_are_400() {
    let (app, _) = fast_app();
    for query in [
        "mock_format=xml",
        "mock_fault=teapot",
        "mock_delay=soon",
        "mock_chunking=odd",
    ] {
        let res = complete(&app, "/api/v1", None, "x", query).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{query}");
        assert!(json_body(res).await["detail"].is_string());
    }
}
