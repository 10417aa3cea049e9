//! `messages/` history: both sides stored, `createdAt` order, cursor pagination.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chat_bubble_server::mock::replies::default_reply;
use common::*;
use serde_json::{json, Value};

/// Creates a conversation with `n` exchanges ("m0", "m1", …) and returns its id.
async fn conversation_with(app: &Router, n: usize) -> String {
    let id = create_conversation(app, "/api/v1").await;
    for i in 0..n {
        let res = complete(app, "/api/v1", Some(&id), &format!("m{i}"), "").await;
        assert!(joined(&sse_frames(&bytes(res).await)).1);
    }
    id
}

fn ms(m: &Value) -> u64 {
    m["createdAt"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn history_has_both_sides_with_increasing_created_at() {
    let (app, _) = fast_app();
    let id = conversation_with(&app, 1).await;
    let res = call(
        &app,
        get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = json_body(res).await;
    assert_eq!(page["count"], 2);
    assert_eq!(page["next"], Value::Null);
    assert_eq!(page["previous"], Value::Null);
    let mut results = page["results"].as_array().unwrap().clone();
    assert_eq!(results[0]["type"], "outgoing", "newest first");
    results.sort_by_key(ms);
    let (visitor, bot) = (&results[0], &results[1]);
    assert!(ms(visitor) < ms(bot));
    assert_eq!(visitor["type"], "incoming");
    assert_eq!(visitor["content"], "m0");
    assert_eq!(bot["content"], json!(default_reply("m0")));
    for m in [visitor, bot] {
        assert_eq!(m["conversation"], json!(id));
        assert_eq!(m["createdAt"].as_str().unwrap().len(), 13);
        assert!(m["id"].is_string() && m["sender"]["id"].is_string());
        assert!(m["sender"]["name"].is_string() && m["sender"]["avatar"].is_string());
        assert_eq!(m["attachments"], json!([]));
        assert!(m["citations"].is_array() && m["citationNodes"].is_array());
        assert_eq!(m["feedback"], Value::Null);
    }
    assert_ne!(visitor["sender"]["id"], bot["sender"]["id"]);
}

/// Follows `next` links from the first page, returning every page.
async fn walk(app: &Router, first: &str, host: &str, id: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut uri = first.to_string();
    loop {
        let req = Request::get(&uri)
            .header("host", host)
            .header("x-visitor-token", token(id))
            .body(Body::empty())
            .unwrap();
        let res = call(app, req).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        let page = json_body(res).await;
        let next = page["next"].as_str().map(str::to_string);
        pages.push(page);
        let Some(next) = next else { break };
        let origin = format!("http://{host}");
        uri = next
            .strip_prefix(&origin)
            .unwrap_or_else(|| panic!("next is not absolute on {origin}: {next}"))
            .to_string();
        assert!(pages.len() < 50, "pagination does not end");
    }
    pages
}

#[tokio::test]
async fn next_links_walk_every_page_newest_first() {
    let (app, _) = fast_app();
    let id = conversation_with(&app, 3).await;
    for prefix in ["/api/v1", "/api"] {
        let first = format!("{prefix}/messages/?conversation={id}&pageSize=1");
        let pages = walk(&app, &first, "chat.example:8787", &id).await;
        assert_eq!(pages.len(), 6);
        for (i, page) in pages.iter().enumerate() {
            assert_eq!(page["count"], 6);
            assert_eq!(page["results"].as_array().unwrap().len(), 1);
            if let Some(next) = page["next"].as_str() {
                assert!(
                    next.starts_with(&format!("http://chat.example:8787{prefix}/messages/?")),
                    "{next}"
                );
            }
            assert_eq!(page["previous"].is_null(), i == 0);
        }
        let all: Vec<&Value> = pages.iter().map(|p| &p["results"][0]).collect();
        let stamps: Vec<u64> = all.iter().map(|m| ms(m)).collect();
        assert!(
            stamps.windows(2).all(|w| w[0] > w[1]),
            "not newest first: {stamps:?}"
        );
        let contents: Vec<&str> = all.iter().map(|m| m["content"].as_str().unwrap()).collect();
        assert_eq!(contents[5], "m0");
        assert_eq!(contents[3], "m1");
        assert_eq!(contents[1], "m2");
    }
}

#[tokio::test]
async fn previous_links_walk_back_and_default_page_size_is_20() {
    let (app, _) = fast_app();
    let id = conversation_with(&app, 11).await; // 22 messages
    let pages = walk(
        &app,
        &format!("/api/v1/messages/?conversation={id}"),
        "localhost",
        &id,
    )
    .await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["results"].as_array().unwrap().len(), 20);
    assert_eq!(pages[1]["results"].as_array().unwrap().len(), 2);

    let prev = pages[1]["previous"].as_str().unwrap();
    let uri = prev.strip_prefix("http://localhost").unwrap();
    let back = json_body(call(&app, get_as(uri, &id)).await).await;
    assert_eq!(back["results"], pages[0]["results"]);
}

#[tokio::test]
async fn history_errors_and_edge_cases() {
    let (app, _) = fast_app();
    let res = call(&app, get("/api/v1/messages/")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(res).await["conversation"][0].is_string());

    let res = call(
        &app,
        get_as("/api/v1/messages/?conversation=unknown", "unknown"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        json_body(res).await,
        json!({"count": 0, "next": null, "previous": null, "results": []})
    );

    let id = conversation_with(&app, 1).await;
    let res = call(
        &app,
        get_as(
            &format!("/api/v1/messages/?conversation={id}&cursor=zz"),
            &id,
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_single_message_by_id() {
    let (app, _) = fast_app();
    let id = conversation_with(&app, 1).await;
    let page = json_body(
        call(
            &app,
            get_as(&format!("/api/v1/messages/?conversation={id}"), &id),
        )
        .await,
    )
    .await;
    let first = &page["results"][0];
    let uri = format!("/api/messages/{}/", first["id"].as_str().unwrap());
    let res = call(&app, get_as(&uri, &id)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(&json_body(res).await, first);
    // Another visitor's message is answered as a missing one is: the answer does not tell
    // which ids exist.
    let other = conversation_with(&app, 0).await;
    for res in [
        call(&app, get(&uri)).await,
        call(&app, get_as(&uri, &other)).await,
        call(&app, get_as("/api/v1/messages/not-a-message/", &id)).await,
    ] {
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(json_body(res).await, json!({"detail": "Not found."}));
    }
}
