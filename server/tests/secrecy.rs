//! The key never shows: not in a response (headers or body) and not in a log line, on the
//! happy paths and the failure paths of both proxy and maax mode. Every log line is captured
//! at TRACE level, including the HTTP client's own (`log` records are bridged).

mod fake;
mod logs;

use std::time::Duration;

use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::upstream::Timeouts;
use fake::*;
use logs::logs;
use serde_json::json;

/// Everything a client could see of a response.
async fn seen_by_client(res: reqwest::Response) -> String {
    let mut out = format!("{}\n", res.status());
    for (k, v) in res.headers() {
        out.push_str(&format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())));
    }
    let body = match read_stream(res).await {
        Ok(b) | Err(b) => b,
    };
    out + &body
}

#[tokio::test]
async fn the_key_is_in_no_response_and_no_log_line() {
    let logs = logs();
    let c = reqwest::Client::new();
    let mut responses = Vec::new();

    // Proxy mode: success, stream, upstream errors, timeouts, a dead upstream.
    let up = FakeMaiAgent::start().await;
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_millis(300),
        idle: Duration::from_millis(300),
        ..Timeouts::default()
    };
    let proxy = start_proxy(&up.base(), GuardSettings::open(), timeouts).await;
    let completion = || {
        c.post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
            .header("x-visitor-token", token(CONVERSATION))
            .json(&ask(Some(CONVERSATION), "hello", true))
            .send()
    };
    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .json(&json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    responses.push(seen_by_client(res).await);
    responses.push(seen_by_client(completion().await.unwrap()).await);
    for (path, owner) in [
        ("messages/?conversation=c1", "c1"),
        ("messages/m1/", CONVERSATION),
        ("conversations/c1/", "c1"),
    ] {
        let res = c
            .get(format!("{proxy}/api/v1/{path}"))
            .header("x-visitor-token", token(owner))
            .send()
            .await
            .unwrap();
        responses.push(seen_by_client(res).await);
    }
    for (status, body) in [
        (401, format!(r#"{{"detail":"Invalid key {KEY}"}}"#)),
        (400, format!(r#"{{"detail":"Api-Key {KEY} is malformed"}}"#)),
        (404, format!("<html>no {KEY}</html>")),
        (500, format!("trace: Authorization: Api-Key {KEY}")),
    ] {
        up.set(Reply::Status {
            status,
            body,
            content_type: "application/json",
            retry_after: None,
        });
        responses.push(seen_by_client(completion().await.unwrap()).await);
    }
    up.set(Reply::SlowHeaders(Duration::from_secs(2)));
    responses.push(seen_by_client(completion().await.unwrap()).await);
    up.set(Reply::StallAfterFirst);
    responses.push(seen_by_client(completion().await.unwrap()).await);
    let dead = dead_addr().await;
    let dead_proxy = start_proxy(
        &format!("http://{dead}/api/v1/"),
        GuardSettings::open(),
        timeouts,
    )
    .await;
    let res = c
        .get(format!("{dead_proxy}/api/v1/messages/m1/"))
        .header("x-visitor-token", token(CONVERSATION))
        .send()
        .await
        .unwrap();
    responses.push(seen_by_client(res).await);

    // Maax mode: an answer, a refused key, a failing poll.
    let maax_up = FakeMaax::start(Answer::After(2)).await;
    let maax = start_maax(maax_up.settings(), GuardSettings::open()).await;
    let ask_maax = || {
        c.post(format!("{maax}/api/v1/chatbots/b/completions/"))
            .header("x-visitor-token", token("42"))
            .json(&ask(Some("42"), "hi", true))
            .send()
    };
    responses.push(seen_by_client(ask_maax().await.unwrap()).await);
    let res = c
        .get(format!("{maax}/api/v1/messages/?conversation=42"))
        .header("x-visitor-token", token("42"))
        .send()
        .await
        .unwrap();
    responses.push(seen_by_client(res).await);
    *maax_up.initiate_status.lock().unwrap() = Some(401);
    responses.push(seen_by_client(ask_maax().await.unwrap()).await);
    *maax_up.initiate_status.lock().unwrap() = None;
    *maax_up.answer.lock().unwrap() = Answer::Status(500);
    responses.push(seen_by_client(ask_maax().await.unwrap()).await);

    // The key did reach the upstreams...
    assert!(up
        .seen()
        .iter()
        .all(|s| s.header("authorization") == Some(&*format!("Api-Key {KEY}"))));
    assert!(maax_up
        .seen()
        .iter()
        .all(|s| s.header("2hd-api-key") == Some(KEY)));
    // ...and nowhere else.
    assert_eq!(responses.len(), 16);
    for r in &responses {
        assert!(!r.contains(KEY), "a response carries the key:\n{r}");
        assert!(
            !r.contains(&KEY[3..15]),
            "a response carries part of the key:\n{r}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.lines().count() > 50, "logging was captured:\n{text}");
    assert!(
        text.contains(&request_id),
        "log lines carry request ids ({request_id})"
    );
    assert!(text.contains("upstream"), "upstream trouble is logged");
    for line in text.lines() {
        assert!(!line.contains(KEY), "a log line carries the key: {line}");
        assert!(
            !line.contains(&KEY[3..15]),
            "a log line carries part of the key: {line}"
        );
    }
}
