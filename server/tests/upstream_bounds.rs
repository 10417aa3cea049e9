//! A slow or endless upstream: a JSON answer trickled a byte at a time (each within the idle
//! timeout, the whole far past the total one), and reply streams that never end or never
//! stop growing.

mod fake;

use std::time::Duration;

use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::upstream::Timeouts;
use fake::*;
use reqwest::Client;

fn bounded() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_secs(2),
        idle: Duration::from_secs(2),
        total: Duration::from_millis(500),
        stream: Duration::from_millis(500),
        stream_bytes: 64 * 1024,
    }
}

#[tokio::test]
async fn a_json_answer_trickled_a_byte_at_a_time_hits_the_total_deadline() {
    let up = FakeMaiAgent::start().await;
    let body = r#"{"id":"c1","title":"a title long enough to take a while to arrive"}"#;
    up.set(Reply::Pieces {
        pieces: body.chars().map(String::from).collect(),
        pause: Duration::from_millis(50),
        forever: false,
    });
    let proxy = start_proxy(&up.base(), GuardSettings::open(), bounded()).await;
    let res = tokio::time::timeout(
        Duration::from_secs(10),
        visitor_client("c1")
            .get(format!("{proxy}/api/v1/conversations/c1/"))
            .send(),
    )
    .await
    .expect("answered well before the trickle ends")
    .unwrap();
    assert_eq!(res.status(), 504);
    assert!(res.text().await.unwrap().contains("detail"));
}

/// Reads a relayed stream until it ends; whether it ended in an error, and how much came.
async fn drain(res: reqwest::Response) -> (bool, usize) {
    let mut body = res.bytes_stream();
    let mut n = 0;
    loop {
        let next = tokio::time::timeout(
            Duration::from_secs(10),
            futures_util::StreamExt::next(&mut body),
        )
        .await
        .expect("the stream is cut well before 10 s");
        match next {
            None => return (false, n),
            Some(Ok(c)) => n += c.len(),
            Some(Err(_)) => return (true, n),
        }
    }
}

#[tokio::test]
async fn an_endless_reply_stream_is_cut_at_its_maximum_duration() {
    let up = FakeMaiAgent::start().await;
    up.set(Reply::Pieces {
        pieces: vec![": keepalive\n\n".into()],
        pause: Duration::from_millis(50),
        forever: true,
    });
    let proxy = start_proxy(&up.base(), GuardSettings::open(), bounded()).await;
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (broken, bytes) = drain(res).await;
    assert!(
        broken,
        "the cut shows as a broken stream, after {bytes} bytes"
    );
    assert!(bytes > 0);
}

#[tokio::test]
async fn a_reply_stream_larger_than_allowed_is_cut() {
    let up = FakeMaiAgent::start().await;
    let frame = format!(
        "data: {{\"content\":\"{}\",\"done\":false}}\n\n",
        "x".repeat(8000)
    );
    up.set(Reply::Pieces {
        pieces: vec![frame],
        pause: Duration::from_millis(1),
        forever: true,
    });
    let mut timeouts = bounded();
    timeouts.stream = Duration::from_secs(30);
    let proxy = start_proxy(&up.base(), GuardSettings::open(), timeouts).await;
    let res = Client::new()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    let (broken, bytes) = drain(res).await;
    assert!(broken);
    assert!(bytes <= 64 * 1024, "{bytes}");
}

#[tokio::test]
async fn maax_calls_have_a_total_deadline_too() {
    // The fake Maax answers every call only after 2 s. With the total deadline at 200 ms and
    // every other deadline far longer, the call must end in a 504 well before the answer: the
    // total deadline wraps every call. (A deadline of zero against an instant answer raced:
    // under load the answer could be read before the expired deadline was seen.)
    let up = FakeMaax::start(Answer::After(0)).await;
    *up.delay.lock().unwrap() = Duration::from_secs(2);
    let mut settings = up.settings();
    settings.timeouts.first_byte = Duration::from_secs(10);
    settings.timeouts.idle = Duration::from_secs(10);
    settings.timeouts.total = Duration::from_millis(200);
    let server = start_maax(settings, GuardSettings::open()).await;
    let res = tokio::time::timeout(
        Duration::from_millis(1_900),
        visitor_client("42")
            .get(format!("{server}/api/v1/messages/?conversation=42"))
            .send(),
    )
    .await
    .expect("answered before the fake's answer")
    .unwrap();
    assert_eq!(res.status(), 504);
}
