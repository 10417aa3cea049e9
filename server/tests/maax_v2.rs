//! Maax V2 against a fake Maax on loopback that calls the server's webhooks back: late, twice,
//! out of order, with HTML, with a follow-up after the answer, or never; plus bad tokens,
//! unknown bodies, history with follow-ups, and two instances sharing a real Redis.

mod fake;
mod logs;

use std::process::Stdio;
use std::time::Duration;

use chat_bubble_server::guard::GuardSettings;
use fake::*;
use serde_json::{json, Value};

const BOUND: Duration = Duration::from_secs(5);

async fn complete(server: &str, content: &str, streaming: bool) -> reqwest::Response {
    visitor_client("42")
        .post(format!("{server}/api/v1/chatbots/bot-1/completions/"))
        .json(&ask(Some("42"), content, streaming))
        .send()
        .await
        .unwrap()
}

async fn history(server: &str) -> Vec<Value> {
    let res = visitor_client("42")
        .get(format!("{server}/api/v1/messages/?conversation=42"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let mut list = body["results"].as_array().unwrap().clone();
    list.reverse();
    list
}

fn contents(messages: &[Value]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|m| {
            (
                m["type"].as_str().unwrap().to_string(),
                m["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits until the fake has made `n` callbacks.
async fn callbacks_made(up: &FakeMaax, n: usize) -> Vec<u16> {
    for _ in 0..200 {
        let got = up.callback_statuses();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the fake made {:?} callbacks", up.callback_statuses());
}

#[tokio::test]
async fn the_answer_posted_to_the_webhook_streams_to_the_visitor() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(400, Hook::Answer, ANSWER)]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;

    let res = complete(&server, "What are your hours?", true).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let sse = read_stream(res).await.unwrap();
    assert!(sse.starts_with(": keepalive\n\n"), "{sse:?}");
    assert!(
        sse.matches(": keepalive").count() >= 2,
        "keep-alives while waiting: {sse:?}"
    );
    assert_eq!(
        frames(&sse),
        [
            json!({"conversationId": "42", "content": ANSWER, "done": false}),
            json!({"conversationId": "42", "content": "", "done": true}),
        ]
    );

    let sent = up.seen_at("/api/v2/outgoing-messages/");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("2hd-api-key"), Some(KEY));
    let body = sent[0].json();
    assert_eq!(body["message_content"], "What are your hours?");
    assert_eq!(body["platform"], "website");
    assert_eq!(body["ai_id"], 5);
    assert_eq!(body["service_type"], "sales_automation");
    assert_eq!(body["conversation_id"], 42);
    assert_eq!(body["output_format"], "plain_text");
    assert_eq!(
        body["prospect_info"],
        json!({"first_name": "Website visitor", "email": "visitor-42@example.invalid"})
    );
    let answer_url = body["send_response_url"].as_str().unwrap();
    let followup_url = body["followup_url"].as_str().unwrap();
    assert!(
        answer_url.starts_with(&format!("{server}/maax/v2/answer/42/")),
        "{answer_url}"
    );
    assert!(
        followup_url.starts_with(&format!("{server}/maax/v2/followup/42/")),
        "{followup_url}"
    );
    assert_eq!(callbacks_made(&up, 1).await, [200]);
    assert!(up.seen_at("/api/retrieve_answer/").is_empty(), "no polling");

    // Each request has URLs of its own.
    up.set_script(vec![Callback::json(50, Hook::Answer, "second")]);
    let sse = read_stream(complete(&server, "again", true).await)
        .await
        .unwrap();
    assert_eq!(frames(&sse)[0]["content"], "second");
    let again = up.seen_at("/api/v2/outgoing-messages/")[1].json();
    assert_ne!(again["send_response_url"], body["send_response_url"]);
    assert_ne!(again["followup_url"], body["followup_url"]);
}

#[tokio::test]
async fn the_webhook_urls_come_from_the_public_url_never_from_the_host_header() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(50, Hook::Answer, ANSWER)]);
    let mut guard = GuardSettings::open();
    guard.public_url = Some("https://chat.example.com/bubble/".into());
    let server = start_maax(up.v2_settings(Duration::from_millis(500)), guard).await;
    let res = visitor_client("42")
        .post(format!("{server}/api/v1/chatbots/bot-1/completions/"))
        .header("host", "169.254.169.254")
        .json(&ask(Some("42"), "hi", false))
        .send()
        .await
        .unwrap();
    // The callback went to chat.example.com, which does not exist: no answer, a timeout.
    assert_eq!(res.status(), 504);
    let sent = up.seen_at("/api/v2/outgoing-messages/")[0].json();
    for url in [&sent["send_response_url"], &sent["followup_url"]] {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with("https://chat.example.com/bubble/maax/v2/"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn duplicates_and_out_of_order_callbacks_show_each_text_once() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![
        // A follow-up before the answer, then the answer twice, then the follow-up again.
        Callback::json(100, Hook::FollowUp, "Did that help?"),
        Callback::json(200, Hook::Answer, "The first answer."),
        Callback::json(250, Hook::Answer, "A second answer that must not show."),
        Callback::json(300, Hook::FollowUp, "Did that help?"),
    ]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let sse = read_stream(complete(&server, "hi", true).await)
        .await
        .unwrap();
    let got = frames(&sse);
    assert_eq!(got.len(), 2, "{sse:?}");
    assert_eq!(got[0]["content"], "The first answer.");
    assert_eq!(callbacks_made(&up, 4).await, [200, 200, 200, 200]);

    let texts = contents(&history(&server).await);
    let followups: Vec<_> = texts
        .iter()
        .filter(|(_, c)| c == "Did that help?")
        .collect();
    assert_eq!(followups.len(), 1, "{texts:?}");
    assert_eq!(followups[0].0, "outgoing");
    assert!(!texts.iter().any(|(_, c)| c.contains("must not show")));
}

#[tokio::test]
async fn a_follow_up_after_the_answer_lands_in_history_after_it() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![
        Callback::json(50, Hook::Answer, "9 to 5."),
        Callback::json(600, Hook::FollowUp, "Anything else I can help with?"),
    ]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let sse = read_stream(complete(&server, "hours?", true).await)
        .await
        .unwrap();
    assert_eq!(frames(&sse)[0]["content"], "9 to 5.");
    let before = contents(&history(&server).await);
    assert!(!before.iter().any(|(_, c)| c.starts_with("Anything else")));
    callbacks_made(&up, 2).await;
    let after = history(&server).await;
    let texts = contents(&after);
    assert_eq!(
        texts.last().unwrap(),
        &(
            "outgoing".to_string(),
            "Anything else I can help with?".to_string()
        ),
        "{texts:?}"
    );
    // Maax's own history comes first (V2's call), the follow-up after it, once.
    assert_eq!(texts[0].1, "What are your hours?");
    assert_eq!(texts.len(), 3, "{texts:?}");
    // It can be read on its own too.
    let id = after.last().unwrap()["id"].as_str().unwrap().to_string();
    let one: Value = visitor_client("42")
        .get(format!("{server}/api/v1/messages/{id}/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["content"], "Anything else I can help with?");
    assert!(up.seen_at("/api/v2/conversations/42/").len() >= 2);
}

#[tokio::test]
async fn history_falls_back_to_v1_when_v2_fails() {
    let up = FakeMaax::start(Answer::Never).await;
    *up.v2_history_status.lock().unwrap() = Some(500);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let texts = contents(&history(&server).await);
    assert_eq!(texts.len(), 3, "V1's three messages: {texts:?}");
    assert!(!up.seen_at("/api/get_conversations_history/").is_empty());
}

#[tokio::test]
async fn html_answers_reach_the_widget_as_markdown() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(
        50,
        Hook::Answer,
        "<p>We are <strong>open</strong> 9&ndash;5.</p><ul><li><a href=\"https://example.com/h\">Hours</a></li>\
         <li><a href=\"javascript:alert(1)\">bad</a></li></ul><script>alert(1)</script>",
    )]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let sse = read_stream(complete(&server, "hours?", true).await)
        .await
        .unwrap();
    let text = frames(&sse)[0]["content"].as_str().unwrap().to_string();
    assert_eq!(
        text,
        "We are **open** 9–5.\n\n- [Hours](https://example.com/h)\n- bad"
    );
}

#[tokio::test]
async fn wrong_tokens_and_unknown_bodies_are_refused_and_the_stream_keeps_waiting() {
    logs::logs();
    let up = FakeMaax::start(Answer::Never).await;
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let res = complete(&server, "hi", true).await;
    assert_eq!(res.status(), 200);
    let stream = tokio::spawn(read_stream(res));
    while up.seen_at("/api/v2/outgoing-messages/").is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let asked = up.seen_at("/api/v2/outgoing-messages/")[0].json();
    let url = asked["send_response_url"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let post = |url: String, body: Value| {
        let http = http.clone();
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let (head, token) = url.rsplit_once('/').unwrap();
    let (nonce, mac) = token.split_once('.').unwrap();
    let forged = [
        format!("{head}/{nonce}.{}", mac.chars().rev().collect::<String>()),
        format!("{head}/{nonce}"),
        url.replace("/answer/42/", "/answer/43/"),
        url.replace("/answer/", "/followup/"),
        format!("{head}/AAAAAAAAAAAAAAAAAAAAAA.{mac}"),
    ];
    for f in forged {
        assert_eq!(
            post(f.clone(), json!({"answer": "forged"})).await,
            404,
            "{f}"
        );
    }
    assert_eq!(
        post(
            url.clone(),
            json!({"status": "private words 7731", "id": 3})
        )
        .await,
        422,
        "no text in it"
    );
    let logged = String::from_utf8_lossy(&logs::logs().0.lock().unwrap()).into_owned();
    assert!(logged.contains("unknown shape"), "the shape is logged");
    assert!(logged.contains("\"status\""), "by its field names");
    assert!(!logged.contains("private words 7731"), "never its content");
    let too_big = "x".repeat(300 * 1024);
    assert_eq!(post(url.clone(), json!({"answer": too_big})).await, 413);
    assert!(!stream.is_finished(), "still waiting for the real answer");
    assert_eq!(post(url.clone(), json!({"answer": "real"})).await, 200);
    let sse = stream.await.unwrap().unwrap();
    let got = frames(&sse);
    assert_eq!(got[0]["content"], "real");
    assert!(!sse.contains("forged"));
    // The same delivery again does nothing, and says so.
    let res: Value = http
        .post(&url)
        .json(&json!({"answer": "real"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["status"], "duplicate");
}

#[tokio::test]
async fn an_answer_that_never_comes_ends_the_wait_within_the_bound() {
    let up = FakeMaax::start(Answer::Never).await;
    let server = start_maax(
        up.v2_settings(Duration::from_millis(800)),
        GuardSettings::open(),
    )
    .await;
    let res = complete(&server, "hi", true).await;
    assert_eq!(res.status(), 200);
    let sse = read_stream(res).await.unwrap();
    assert!(sse.starts_with(": keepalive"), "{sse:?}");
    assert_eq!(
        frames(&sse),
        [json!({"conversationId": "42", "content": "", "done": true, "error": "timeout"})],
        "no reply, and why: {sse:?}"
    );

    let res = complete(&server, "hi", false).await;
    assert_eq!(res.status(), 504);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );

    // An answer arriving after the bound is not shown anywhere, and does not break anything.
    let url = up.seen_at("/api/v2/outgoing-messages/")[0].json()["send_response_url"]
        .as_str()
        .unwrap()
        .to_string();
    let status = reqwest::Client::new()
        .post(url)
        .json(&json!({"answer": "too late"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_late_answer_still_arrives_while_the_visitor_waits() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(2500, Hook::Answer, "slow but here")]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let sse = read_stream(complete(&server, "hi", true).await)
        .await
        .unwrap();
    assert_eq!(frames(&sse)[0]["content"], "slow but here");
    assert!(sse.matches(": keepalive").count() >= 10, "{sse:?}");
}

#[tokio::test]
async fn a_non_streaming_ask_answers_json() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback {
        after: Duration::from_millis(100),
        hook: Hook::Answer,
        content_type: "text/plain",
        body: "Plain text body.".into(),
        base: None,
    }]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let res = complete(&server, "hi", false).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body,
        json!({"conversationId": "42", "content": "Plain text body.", "done": true})
    );
}

/// A `redis-server` on a free loopback port, stopped when dropped.
struct Redis {
    child: tokio::process::Child,
    url: String,
}

impl Redis {
    async fn start() -> Redis {
        let port = dead_addr().await.port();
        let child = tokio::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server (Debian package redis-server) must be installed for this test");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Redis {
                    child,
                    url: format!("redis://127.0.0.1:{port}/0"),
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("redis-server did not start");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Maax V2 sharing `redis`, and a wait until it is subscribed.
async fn instance(up: &FakeMaax, redis: &Redis) -> String {
    let mut settings = up.v2_settings(BOUND);
    settings.pubsub_url = Some(redis.url.clone());
    start_maax(settings, GuardSettings::open()).await
}

#[tokio::test]
async fn webhooks_reaching_the_other_instance_find_the_stream_through_redis() {
    let redis = Redis::start().await;
    let up = FakeMaax::start(Answer::Never).await;
    let a = instance(&up, &redis).await;
    let b = instance(&up, &redis).await;
    wait_for_subscribers(&redis, 2).await;

    up.set_script(vec![
        Callback {
            base: Some(b.clone()),
            ..Callback::json(200, Hook::Answer, "Answered via B.")
        },
        Callback {
            base: Some(b.clone()),
            ..Callback::json(300, Hook::Answer, "Duplicate via B.")
        },
        Callback {
            base: Some(b.clone()),
            ..Callback::json(400, Hook::FollowUp, "A follow-up that reached B.")
        },
    ]);
    let sse = read_stream(complete(&a, "hi", true).await).await.unwrap();
    let got = frames(&sse);
    assert_eq!(got.len(), 2, "{sse:?}");
    assert_eq!(got[0]["content"], "Answered via B.");
    assert_eq!(callbacks_made(&up, 3).await, [200, 200, 200]);
    // A's history shows the follow-up B stored, once.
    let texts = contents(&history(&a).await);
    assert_eq!(
        texts
            .iter()
            .filter(|(_, c)| c == "A follow-up that reached B.")
            .count(),
        1,
        "{texts:?}"
    );
    assert!(!texts.iter().any(|(_, c)| c.starts_with("Duplicate")));
}

/// Waits until `n` instances listen on the answers channel.
async fn wait_for_subscribers(redis: &Redis, n: i64) {
    let client = redis::Client::open(redis.url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for _ in 0..200 {
        let (_, count): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(chat_bubble_server::maax::relay::CHANNEL)
            .query_async(&mut conn)
            .await
            .unwrap();
        if count >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the instances did not subscribe");
}

#[tokio::test]
async fn without_redis_the_other_instance_cannot_deliver() {
    // What --pubsub-url is for: two instances without it do not find each other's streams.
    let up = FakeMaax::start(Answer::Never).await;
    let a = start_maax(
        up.v2_settings(Duration::from_millis(1500)),
        GuardSettings::open(),
    )
    .await;
    let b = start_maax(
        up.v2_settings(Duration::from_millis(1500)),
        GuardSettings::open(),
    )
    .await;
    up.set_script(vec![Callback {
        base: Some(b.clone()),
        ..Callback::json(100, Hook::Answer, "lost")
    }]);
    let res = complete(&a, "hi", true).await;
    let sse = read_stream(res).await.unwrap();
    assert_eq!(
        frames(&sse)[0]["error"],
        "timeout",
        "A never got it: {sse:?}"
    );
    assert_eq!(callbacks_made(&up, 1).await, [200]);
}

#[tokio::test]
async fn a_contact_given_with_the_conversation_becomes_its_prospect_info() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(50, Hook::Answer, "Hi Ada.")]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let http = reqwest::Client::new();
    let create = |body: Value| {
        let http = http.clone();
        let url = format!("{server}/api/v1/conversations/");
        async move { http.post(url).json(&body).send().await.unwrap() }
    };
    let refused =
        create(json!({"webChat": "w", "contact": {"name": "Ada", "email": "ada@"}})).await;
    assert_eq!(refused.status(), 400);
    let errors: Value = refused.json().await.unwrap();
    assert!(errors["contact"]["email"].is_array(), "{errors}");
    assert!(
        up.seen_at("/api/create-conversation/").is_empty(),
        "Maax not asked"
    );

    let created = create(json!({
        "webChat": "w",
        "contact": {"name": "Ada Lovelace", "email": "ada@example.com", "phone": ""},
    }))
    .await;
    assert_eq!(created.status(), 201);
    let conversation: Value = created.json().await.unwrap();
    assert_eq!(conversation["id"], "42");
    let sse = read_stream(complete(&server, "hello", true).await)
        .await
        .unwrap();
    assert_eq!(frames(&sse)[0]["content"], "Hi Ada.");
    let ada = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    let made = up.seen_at("/api/create-conversation/")[0].json();
    assert_eq!(
        made["prospect_info"], ada,
        "the conversation is made for her"
    );
    let sent = up.seen_at("/api/v2/outgoing-messages/")[0].json();
    assert_eq!(sent["prospect_info"], ada);
}

#[tokio::test]
async fn an_anonymous_conversation_is_made_without_the_unfilled_default_prospect() {
    let up = FakeMaax::start(Answer::Never).await;
    up.set_script(vec![Callback::json(50, Hook::Answer, "Hi.")]);
    let server = start_maax(up.v2_settings(BOUND), GuardSettings::open()).await;
    let created = reqwest::Client::new()
        .post(format!("{server}/api/v1/conversations/"))
        .json(&json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let sse = read_stream(complete(&server, "hello", true).await)
        .await
        .unwrap();
    assert_eq!(frames(&sse)[0]["content"], "Hi.");
    // `visitor-{conversation}@…` cannot be filled before Maax gives the id: sent as is, it
    // would make every visitor one prospect. The message names the conversation's own.
    let made = up.seen_at("/api/create-conversation/")[0].json();
    assert_eq!(made.get("prospect_info"), None, "{made}");
    let sent = up.seen_at("/api/v2/outgoing-messages/")[0].json();
    assert_eq!(
        sent["prospect_info"],
        json!({"first_name": "Website visitor", "email": "visitor-42@example.invalid"})
    );
}
