//! The `fault` switch and its `fault_times`/`fault_key` gate.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chat_bubble_server::mock::replies::default_reply;
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};

#[tokio::test]
async fn fault_401_is_an_invalid_api_key() {
    let (app, state) = fast_app();
    let res = complete(&app, "/api/v1", None, "x", "mock_fault=401").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(json_body(res).await, json!({"detail": "Invalid API key."}));
    assert_eq!(state.stats().streams_started, 0);
}

#[tokio::test]
async fn fault_429_sends_retry_after() {
    let (app, _) = fast_app();
    let res = complete(&app, "/api/v1", None, "x", "mock_fault=429").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "1");
    assert!(json_body(res).await["detail"].is_string());

    let req = Request::post("/api/v1/chatbots/b/completions/")
        .header("x-mock-fault", "429")
        .header("x-mock-retry-after", "9")
        .header("content-type", "application/json")
        .body(Body::from(json!({"message": {"content": "x"}}).to_string()))
        .unwrap();
    let res = call(&app, req).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "9");
}

#[tokio::test]
async fn fault_500_is_json_and_html_is_a_page() {
    let (app, _) = fast_app();
    let res = complete(&app, "/api/v1", None, "x", "mock_fault=500").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(json_body(res).await["detail"].is_string());

    let res = complete(&app, "/api/v1", None, "x", "mock_fault=html").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let body = String::from_utf8(bytes(res).await.to_vec()).unwrap();
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert!(serde_json::from_str::<Value>(&body).is_err());
}

#[tokio::test]
async fn status_faults_store_nothing() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let res = complete(&app, "/api/v1", Some(&id), "x", "mock_fault=500").await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let history = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    assert_eq!(history["count"], 0);
}

#[tokio::test]
async fn drop_cuts_the_body_with_an_error_after_some_deltas() {
    let (app, state) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let res = complete(
        &app,
        "/api/v1",
        Some(&id),
        "x",
        "mock_fault=drop&mock_fault_after=4",
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let mut received = Vec::new();
    let mut ended_in_error = false;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => received.extend_from_slice(&f.into_data().unwrap()),
            Err(_) => {
                ended_in_error = true;
                break;
            }
        }
    }
    assert!(ended_in_error, "the body ended cleanly");
    let frames = sse_frames(&received);
    assert_eq!(delta_count(&frames), 4);
    assert!(!joined(&frames).1, "a done frame was sent");

    assert!(eventually(|| state.stats().streams_faulted == 1).await);
    let history = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    assert_eq!(history["count"], 1, "only the visitor's message is stored");
}

#[tokio::test]
async fn malformed_inserts_one_broken_frame_then_finishes() {
    let (app, _) = fast_app();
    let res = complete(&app, "/api/v1", None, "x", "mock_fault=malformed").await;
    let body = String::from_utf8(bytes(res).await.to_vec()).unwrap();
    let mut good = Vec::new();
    let mut broken = 0;
    for event in body.split("\n\n").filter(|e| !e.is_empty()) {
        let data = event.strip_prefix("data: ").unwrap();
        match serde_json::from_str::<Value>(data) {
            Ok(v) => good.push(v),
            Err(_) => broken += 1,
        }
    }
    assert_eq!(broken, 1);
    assert_eq!(joined(&good), (default_reply("x"), true));
    // It comes after the default three deltas.
    let fourth = body.split("\n\n").nth(3).unwrap();
    assert!(serde_json::from_str::<Value>(fourth.trim_start_matches("data: ")).is_err());
}

#[tokio::test]
async fn stall_goes_silent_and_counts_an_abort_when_the_client_leaves() {
    let (app, state) = fast_app();
    let res = complete(
        &app,
        "/api/v1",
        None,
        "x",
        "mock_fault=stall&mock_fault_after=2",
    )
    .await;
    let mut body = res.into_body();
    let mut received = Vec::new();
    while delta_count_in(&received) < 2 {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("deltas before the stall")
            .unwrap()
            .unwrap();
        received.extend_from_slice(&frame.into_data().unwrap());
    }
    let next = tokio::time::timeout(Duration::from_millis(300), body.frame()).await;
    assert!(next.is_err(), "something arrived after the stall");
    assert_eq!(state.stats().streams_aborted, 0);
    drop(body);
    assert!(eventually(|| state.stats().streams_aborted == 1).await);
    assert_eq!(state.stats().streams_completed, 0);
}

fn delta_count_in(received: &[u8]) -> usize {
    String::from_utf8_lossy(received)
        .matches("\"done\":false")
        .count()
}

#[tokio::test]
async fn fault_times_faults_only_the_first_requests_of_a_key() {
    let (app, _) = fast_app();
    let q = "mock_fault=500&mock_fault_times=2&mock_fault_key=retry-a";
    for _ in 0..2 {
        let res = complete(&app, "/api/v1", None, "x", q).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let res = complete(&app, "/api/v1", None, "x", q).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(joined(&sse_frames(&bytes(res).await)).1);

    // Another key has its own count.
    let res = complete(
        &app,
        "/api/v1",
        None,
        "x",
        "mock_fault=429&mock_fault_times=1&mock_fault_key=retry-b",
    )
    .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn stream_faults_do_not_apply_to_non_streaming_requests() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let body = json!({"conversation": id, "message": {"content": "x"}, "isStreaming": false});
    let res = call(
        &app,
        post_as("/api/v1/chatbots/b/completions/?mock_fault=drop", body, &id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["content"], json!(default_reply("x")));
}

#[tokio::test]
async fn a_reply_stored_late_comes_to_the_history_after_the_cut() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    let res = complete(
        &app,
        "/api/v1",
        Some(&id),
        "still writing?",
        "mock_fault=drop&mock_stored_after=2000",
    )
    .await;
    // The stream is cut: the body ends in an error.
    let mut body = res.into_body();
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }
    let replies = || async {
        let history = json_body(
            call(
                &app,
                get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
            )
            .await,
        )
        .await;
        history["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["type"] == "outgoing")
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect::<Vec<String>>()
    };
    assert!(replies().await.is_empty(), "not stored yet");
    // Stored by itself a while later (read again until then, for a busy machine).
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = replies().await;
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, [default_reply("still writing?")]);
}
