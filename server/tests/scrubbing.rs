//! The key in relayed text, in the forms an upstream could echo it in (whole, split across
//! stream chunks, JSON-escaped, base64 also wrapped, hex, HTML character references, UTF-16),
//! in proxy and maax mode; client values that try to
//! forge log lines; made-up cursors that try to overflow page arithmetic.

mod fake;
mod logs;

use std::time::Duration;

use base64::Engine;
use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::mock::pagination::encode_cursor;
use fake::*;
use logs::logs;
use reqwest::Client;
use serde_json::json;

/// The key's forms an upstream might echo.
fn leaks() -> Vec<String> {
    let escaped: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    vec![
        KEY.to_string(),
        KEY.replace('-', "\\u002d"),
        escaped,
        base64::engine::general_purpose::STANDARD.encode(format!("Api-Key {KEY}")),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(KEY),
        // Hex, either case.
        KEY.bytes().map(|b| format!("{b:02x}")).collect(),
        format!("Api-Key {KEY}")
            .bytes()
            .map(|b| format!("{b:02X}"))
            .collect(),
        // HTML character references, hex and decimal, the latter without `;`.
        KEY.bytes().map(|b| format!("&#x{b:x};")).collect(),
        KEY.bytes().map(|b| format!("&#{b}")).collect(),
        // UTF-16LE bytes as a JSON string holds them, and JavaScript's `\u{..}`.
        KEY.bytes()
            .map(|b| format!("{}\\u0000", b as char))
            .collect(),
        KEY.bytes().map(|b| format!("\\u{{{b:x}}}")).collect(),
        // Base64 wrapped as MIME wraps it, in a JSON string.
        wrapped_base64(),
    ]
}

/// Base64 of `Api-Key <key>` in lines of 20 characters with JSON-escaped CRLF between them.
fn wrapped_base64() -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("Api-Key {KEY}"));
    encoded
        .as_bytes()
        .chunks(20)
        .map(|l| String::from_utf8(l.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join("\\r\\n")
}

fn shows_key(text: &str) -> bool {
    let unescaped: String =
        serde_json::from_str::<String>(&format!("\"{}\"", text.replace('"', "")))
            .unwrap_or_default();
    text.contains(KEY) || unescaped.contains(KEY) || leaks()[3..].iter().any(|b| text.contains(b))
}

/// A streamed completion asked of `proxy`, as the widget asks it.
async fn ask_completion(proxy: &str) -> reqwest::Response {
    Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap()
}

async fn completion(proxy: &str) -> String {
    let res = ask_completion(proxy).await;
    assert_eq!(res.status(), 200);
    read_stream(res).await.unwrap()
}

#[tokio::test]
async fn a_key_split_across_stream_chunks_is_scrubbed() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    for leak in leaks() {
        let frame = format!("data: {{\"content\":\"{leak}\",\"done\":false}}\n\n");
        for cut in [7, frame.len() / 2, frame.len() - 20] {
            up.set(Reply::Pieces {
                pieces: vec![
                    frame[..cut].to_string(),
                    frame[cut..].to_string(),
                    "data: {\"content\":\"\",\"done\":true}\n\n".into(),
                ],
                pause: Duration::from_millis(20),
                forever: false,
            });
            let text = completion(&proxy).await;
            assert!(!shows_key(&text), "cut at {cut}: {text}");
            assert!(text.contains("[redacted]"), "{text}");
            assert!(text.ends_with("\"done\":true}\n\n"), "{text}");
        }
    }
}

#[tokio::test]
async fn json_escaped_and_base64_keys_are_scrubbed_from_json_answers() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    for leak in leaks() {
        up.set(Reply::Status {
            status: 200,
            body: format!(r#"{{"id":"c1","title":"{leak}"}}"#),
            content_type: "application/json",
            retry_after: None,
        });
        let res = visitor_client("c1")
            .get(format!("{proxy}/api/v1/conversations/c1/"))
            .send()
            .await
            .unwrap();
        let text = res.text().await.unwrap();
        assert!(!shows_key(&text), "{text}");
    }
}

#[tokio::test]
async fn a_percent_encoded_key_in_page_links_does_not_come_through() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let encoded: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
    up.set(Reply::Status {
        status: 200,
        body: format!(
            r#"{{"count":1,"next":"http://up.example/api/v1/messages/?conversation=c1&cursor={encoded}&x={encoded}","previous":null,"results":[]}}"#
        ),
        content_type: "application/json",
        retry_after: None,
    });
    let res = visitor_client("c1")
        .get(format!("{proxy}/api/v1/messages/?conversation=c1"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    assert!(!shows_key(&text) && !text.contains(&encoded), "{text}");
    assert!(
        !text.contains("x="),
        "an unknown parameter stays behind: {text}"
    );
    assert!(text.contains("conversation=c1&cursor="), "{text}");
}

#[tokio::test]
async fn maax_answers_and_history_are_scrubbed() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let c = visitor_client("42");
    for leak in leaks() {
        *up.echo.lock().unwrap() = Some(format!("here: {leak}"));
        for streaming in [true, false] {
            let res = c
                .post(format!("{server}/api/v1/chatbots/b/completions/"))
                .json(&ask(Some("42"), "hi", streaming))
                .send()
                .await
                .unwrap();
            let text = read_stream(res).await.unwrap();
            assert!(!shows_key(&text), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
        let res = c
            .get(format!("{server}/api/v1/messages/?conversation=42"))
            .send()
            .await
            .unwrap();
        let text = res.text().await.unwrap();
        assert!(!shows_key(&text), "{text}");
    }
}

#[tokio::test]
async fn client_values_cannot_forge_log_lines() {
    let logs = logs();
    let up = FakeMaax::start(Answer::After(0)).await;
    let mut guard = GuardSettings::open();
    guard.web_chats = vec!["wc-1".into()];
    guard.chatbots = vec!["bot-1".into()];
    let server = start_maax(up.settings(), guard).await;
    let c = Client::new();
    let forged = "x\nERROR FORGED-LOG-LINE";
    let _ = c
        .post(format!("{server}/api/v1/conversations/"))
        .json(&json!({ "webChat": forged }))
        .send()
        .await
        .unwrap();
    let _ = c
        .post(format!("{server}/api/v1/chatbots/b/completions/"))
        .header("x-visitor-token", token(forged))
        .json(&json!({"conversation": forged, "message": {"content": forged}}))
        .send()
        .await
        .unwrap();
    let _ = c
        .get(format!("{server}/api/v1/messages/"))
        .query(&[("conversation", forged), ("cursor", forged)])
        .send()
        .await
        .unwrap();
    let _ = c
        .get(format!(
            "{server}/api/v1/conversations/x%0AERROR%20FORGED-LOG-LINE/"
        ))
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("request"), "logs were captured: {text}");
    for line in text.lines() {
        assert!(!line.starts_with("ERROR FORGED"), "forged line:\n{text}");
    }
}

#[tokio::test]
async fn made_up_cursors_cannot_overflow_page_arithmetic() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    for offset in [usize::MAX, usize::MAX - 1, usize::MAX / 2] {
        let res = visitor_client("42")
            .get(format!(
                "{server}/api/v1/messages/?conversation=42&pageSize=100&cursor={}",
                encode_cursor(offset)
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let page: serde_json::Value = res.json().await.unwrap();
        assert_eq!(page["next"], serde_json::Value::Null);
        assert!(page["previous"].is_string());
    }
}

#[tokio::test]
async fn an_encoded_stream_is_refused_rather_than_relayed_unread() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    // Bytes the scrubber cannot read (here, labelled gzip) must not reach the page.
    up.set(Reply::Encoded {
        body: format!("data: {{\"content\":\"{KEY}\",\"done\":true}}\n\n"),
        encoding: "gzip",
    });
    let res = ask_completion(&proxy).await;
    assert_eq!(res.status(), 502);
    let body = res.text().await.unwrap();
    assert!(!shows_key(&body), "{body}");
    assert!(body.contains("invalid answer"), "{body}");
    // The upstream took the message: the widget must not send it again by itself.
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["code"], "reply_lost");
    // Every call asks for an unencoded answer.
    let seen = up.seen();
    assert!(!seen.is_empty());
    assert!(seen
        .iter()
        .all(|s| s.header("accept-encoding") == Some("identity")));
}
