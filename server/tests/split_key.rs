//! The key streamed in pieces, a few characters per delta, as a model streams tokens: each
//! piece alone is no key, so the proxy must read the reply's frames and scrub the text the
//! widget puts together from their `content`. Through a real proxy, for every frame shape the
//! widget reads (SSE, SSE ending in `[DONE]`, newline-delimited JSON, back-to-back objects).

mod fake;

use std::time::Duration;

use chat_bubble_server::guard::GuardSettings;
use fake::*;
use reqwest::Client;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Shape {
    Sse,
    SseDone,
    Ndjson,
    Concat,
}

const SHAPES: [Shape; 4] = [Shape::Sse, Shape::SseDone, Shape::Ndjson, Shape::Concat];

/// One frame of `shape` around `object`.
fn framed(shape: Shape, object: &Value) -> String {
    match shape {
        Shape::Sse | Shape::SseDone => format!("data: {object}\n\n"),
        Shape::Ndjson => format!("{object}\n"),
        Shape::Concat => object.to_string(),
    }
}

/// The upstream's body, one piece per frame: `deltas`, then the closing frame (and `[DONE]`).
fn pieces(shape: Shape, deltas: &[String]) -> Vec<String> {
    let mut out: Vec<String> = deltas
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let object =
                json!({"id": i, "conversationId": CONVERSATION, "content": d, "done": false});
            framed(shape, &object)
        })
        .collect();
    let last = json!({"conversationId": CONVERSATION, "content": "", "done": true,
        "citations": [{"id": "f1", "filename": "a.pdf"}]});
    out.push(framed(shape, &last));
    if matches!(shape, Shape::SseDone) {
        out.push("data: [DONE]\n\n".into());
    }
    out
}

/// `text` cut into deltas of `size` characters.
fn deltas(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(size).map(|c| c.iter().collect()).collect()
}

/// The JSON frames of a relayed body of `shape`, read as the widget reads them.
fn objects(shape: Shape, body: &str) -> Vec<Value> {
    match shape {
        Shape::Sse | Shape::SseDone => body
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect(),
        Shape::Ndjson | Shape::Concat => serde_json::Deserializer::from_str(body)
            .into_iter::<Value>()
            .map(Result::unwrap)
            .collect(),
    }
}

/// The reply's text as the widget shows it: every frame's `content`, joined.
fn shown(frames: &[Value]) -> String {
    frames
        .iter()
        .filter_map(|f| f["content"].as_str())
        .collect()
}

/// The body of a streamed completion asked of `proxy`.
async fn relayed(proxy: &str) -> Result<String, String> {
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    read_stream(res).await
}

fn sends(up: &FakeMaiAgent, pieces: Vec<String>) {
    up.set(Reply::Pieces {
        pieces,
        pause: Duration::from_millis(2),
        forever: false,
    });
}

#[tokio::test]
async fn a_key_streamed_a_few_characters_per_delta_is_scrubbed() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let said = format!("Sure, the key is {KEY} .");
    for shape in SHAPES {
        for size in [1, 3, KEY.len() / 2, KEY.len() / 3 + 1] {
            sends(&up, pieces(shape, &deltas(&said, size)));
            let body = relayed(&proxy).await.unwrap();
            let frames = objects(shape, &body);
            let text = shown(&frames);
            assert_eq!(
                text, "Sure, the key is [redacted] .",
                "{shape:?}, {size}: {body}"
            );
            // Every frame's other fields came through: the ids, the citations, the end.
            assert!(frames.iter().all(|f| f["conversationId"] == CONVERSATION));
            let last = frames.last().unwrap();
            assert_eq!(last["done"], true, "{body}");
            assert_eq!(last["citations"][0]["filename"], "a.pdf", "{body}");
            if matches!(shape, Shape::SseDone) {
                assert!(body.ends_with("data: [DONE]\n\n"), "{body}");
            }
        }
    }
}

#[tokio::test]
async fn an_escaped_key_split_across_deltas_is_scrubbed() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    // The deltas' JSON writes the key's dashes as `\u002d`; the widget reads them as dashes.
    let mut pieces = pieces(Shape::Sse, &deltas(&format!("key: {KEY}!"), 4));
    for p in &mut pieces {
        *p = p.replace('-', "\\u002d");
    }
    sends(&up, pieces);
    let body = relayed(&proxy).await.unwrap();
    assert_eq!(
        shown(&objects(Shape::Sse, &body)),
        "key: [redacted]!",
        "{body}"
    );
}

#[tokio::test]
async fn a_reply_that_only_begins_like_the_key_comes_through_whole() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let almost = format!("a {}, then not {}", &KEY[..KEY.len() - 1], &KEY[..9]);
    for shape in SHAPES {
        sends(&up, pieces(shape, &deltas(&almost, 2)));
        let body = relayed(&proxy).await.unwrap();
        assert_eq!(shown(&objects(shape, &body)), almost, "{shape:?}: {body}");
    }
}

#[tokio::test]
async fn a_frame_too_large_to_read_cuts_the_reply() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    // Half of the key, then a frame padded past what the proxy reads of one, holding the
    // other half: it cannot be read whole, so it is not relayed unread.
    let padding = " ".repeat(2 << 20);
    let (head, tail) = KEY.split_at(KEY.len() / 2);
    sends(
        &up,
        vec![
            format!("data: {{\"content\":\"{head}\"}}\n\n"),
            format!("data: {{\"content\":\"{tail}\",{padding}\"done\":true}}\n\n"),
        ],
    );
    let cut = relayed(&proxy).await.unwrap_err();
    assert!(!cut.contains(tail), "{}", &cut[..cut.len().min(300)]);
}
