//! Attacks on what the proxy forwards: fields the checks did not read, ids that steer paths
//! or queries, oversized pages, the browser's own headers, and content types that let a
//! browser sniff an upstream's text into a page.

mod fake;

use chat_bubble_server::guard::GuardSettings;
use fake::*;
use reqwest::Client;
use serde_json::json;

async fn proxy_with(guard: GuardSettings) -> (FakeMaiAgent, String) {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    (up, proxy)
}

#[tokio::test]
async fn a_second_web_chat_spelling_is_not_smuggled_past_the_allow_list() {
    let mut guard = GuardSettings::open();
    guard.web_chats = vec!["w1".into()];
    let (up, proxy) = proxy_with(guard).await;
    let res = Client::new()
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("content-type", "application/json")
        .body(r#"{"webChat":"w1","web_chat":"w2","webchat":"w3","inbox":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let seen = up.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].json(), json!({"webChat": "w1"}));
}

#[tokio::test]
async fn completion_bodies_are_rebuilt_from_the_checked_fields() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let body = json!({
        "conversation": CONVERSATION,
        "conversation_id": "someone-elses",
        "chatbot": "another-bot",
        "message": {
            "content": "hi",
            "attachments": [],
            "sender": {"id": "staff"},
        },
        "is_streaming": true,
    });
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    read_stream(res).await.unwrap();
    assert_eq!(
        up.seen()[0].json(),
        json!({
            "conversation": CONVERSATION,
            "message": {"content": "hi", "attachments": []},
            "isStreaming": true,
        })
    );
}

#[tokio::test]
async fn malformed_ids_are_refused_in_path_query_and_body() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let c = Client::new();
    let long = "a".repeat(129);
    let bad_ids = ["a.b", "a%2Fb", "..", &long];
    for id in bad_ids {
        let res = c
            .get(format!("{proxy}/api/v1/messages/?conversation={id}"))
            .header("x-visitor-token", token(id))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "query {id}");
        let res = c
            .get(format!("{proxy}/api/v1/conversations/{id}/"))
            .header("x-visitor-token", token(id))
            .send()
            .await
            .unwrap();
        assert!(matches!(res.status().as_u16(), 400 | 404), "path {id}");
        let res = c
            .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
            .header("x-visitor-token", token(id))
            .json(&ask(Some(id), "hi", true))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "body {id}");
        let res = c
            .post(format!("{proxy}/api/v1/conversations/"))
            .json(&json!({ "webChat": id }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "webChat {id}");
    }
    let res = c
        .get(format!(
            "{proxy}/api/v1/messages/?conversation=c1&cursor=a%26page%3D9"
        ))
        .header("x-visitor-token", token("c1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a cursor that is not one");
    assert!(up.seen().is_empty(), "{:?}", up.seen());
}

#[tokio::test]
async fn a_huge_page_size_is_capped() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    for size in ["1000000", "99999999999999999999999"] {
        let res = visitor_client("c1")
            .get(format!(
                "{proxy}/api/v1/messages/?conversation=c1&pageSize={size}"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    for seen in up.seen() {
        assert_eq!(seen.query_map()["pageSize"], "100");
    }
}

#[tokio::test]
async fn the_browsers_accept_header_is_not_forwarded() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .header("accept", "text/html")
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    read_stream(res).await.unwrap();
    let res = visitor_client("c1")
        .get(format!("{proxy}/api/v1/conversations/c1/"))
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let accepts: Vec<Vec<String>> = up
        .seen()
        .iter()
        .map(|s| {
            s.headers
                .get_all("accept")
                .iter()
                .map(|v| v.to_str().unwrap().to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        accepts,
        [
            vec!["text/event-stream, application/json"],
            vec!["application/json"]
        ]
    );
}

#[tokio::test]
async fn upstream_content_types_are_replaced_and_every_answer_says_nosniff() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    up.set(Reply::Status {
        status: 200,
        body: r#"{"id":"c1","title":"<script>alert(1)</script>"}"#.into(),
        content_type: "text/html",
        retry_after: None,
    });
    let res = visitor_client("c1")
        .get(format!("{proxy}/api/v1/conversations/c1/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    up.set(Reply::Status {
        status: 200,
        body: "data: {\"content\":\"<b>x</b>\",\"done\":true}\n\n".into(),
        content_type: "text/html; charset=utf-8",
        retry_after: None,
    });
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    // Refusals and errors too.
    let res = Client::new()
        .get(format!("{proxy}/api/v1/conversations/c1/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let res = Client::new()
        .get(format!("{proxy}/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}
