//! Maax mode against a fake Maax AI on loopback: polling to the answer, keep-alives while
//! waiting, conversation creation, history mapping and paging, the bound, error mapping, and
//! the configurable parameter places.

mod fake;

use std::sync::atomic::Ordering;
use std::time::Duration;

use chat_bubble_server::config::{ParamPlace, UpstreamMethod};
use chat_bubble_server::guard::GuardSettings;
use fake::*;
use futures_util::StreamExt;
use serde_json::{json, Value};

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn json_of(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A completion by the visitor of the body's conversation.
async fn complete(server: &str, body: Value) -> reqwest::Response {
    let conversation = match &body["conversation"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    http()
        .post(format!("{server}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(&conversation))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_streamed_answer_is_polled_for_then_sent_as_one_delta_and_done() {
    let up = FakeMaax::start(Answer::After(4)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;

    let res = complete(&server, ask(Some("42"), "What are your hours?", true)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    assert_eq!(res.headers()["x-accel-buffering"], "no");
    let sse = read_stream(res).await.unwrap();
    assert!(sse.starts_with(": keepalive\n\n"), "{sse:?}");
    let got = frames(&sse);
    assert_eq!(
        got,
        [
            json!({"conversationId": "42", "content": ANSWER, "done": false}),
            json!({"conversationId": "42", "content": "", "done": true}),
        ]
    );

    let initiate = up.seen_at("/api/initiate_answer_generation/");
    assert_eq!(initiate.len(), 1);
    assert_eq!(initiate[0].header("2hd-api-key"), Some(KEY));
    assert_eq!(
        initiate[0].json(),
        json!({
            "message_content": "What are your hours?",
            "platform": "website",
            "service_type": "customer_support_automation",
            "conversation_id": 42,
        })
    );
    let polls = up.seen_at("/api/retrieve_answer/");
    assert_eq!(polls.len(), 5, "four pending polls, then the answer");
    for p in &polls {
        assert_eq!(p.header("2hd-api-key"), Some(KEY));
        let q = p.query_map();
        assert_eq!(q["incoming_message_id"], "9001");
        assert_eq!(q["service_type"], "customer_support_automation");
    }
    assert!(up.seen_at("/api/create-conversation/").is_empty());
}

#[tokio::test]
async fn keepalives_flow_while_the_answer_is_pending() {
    let up = FakeMaax::start(Answer::WhenReleased).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let res = complete(&server, ask(Some("42"), "hi", true)).await;
    assert_eq!(res.status(), 200);
    let mut body = res.bytes_stream();
    let mut text = String::new();
    while text.matches(": keepalive\n\n").count() < 4 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("keep-alives keep coming")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    assert!(
        frames(&text).is_empty(),
        "no data before the answer: {text:?}"
    );
    assert!(up.polls.load(Ordering::SeqCst) >= 1);

    up.release();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the answer comes")
    {
        text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
    }
    let got = frames(&text);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["content"], ANSWER);
    assert_eq!(got[1]["done"], true);
}

#[tokio::test]
async fn a_created_conversation_is_asked_in_and_non_streaming_answers_json() {
    let up = FakeMaax::start(Answer::After(1)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let res = complete(&server, ask(None, "hello", false)).await;
    assert_eq!(res.status(), 400, "a null conversation is refused");
    let id = create(&server).await;
    let res = complete(&server, ask(Some(&id), "hello", false)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        json_of(res).await,
        json!({"conversationId": "42", "content": ANSWER, "done": true})
    );
    assert_eq!(up.seen_at("/api/create-conversation/").len(), 1);
    assert_eq!(
        up.seen_at("/api/initiate_answer_generation/")[0].json()["conversation_id"],
        42
    );
}

/// Creates a conversation through the adapter; its id.
async fn create(server: &str) -> String {
    let res = http()
        .post(format!("{server}/api/v1/conversations/"))
        .json(&json!({"webChat": "wc-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let conv = json_of(res).await;
    let id = conv["id"].as_str().unwrap().to_string();
    assert_eq!(conv["visitorToken"].as_str().unwrap(), token(&id));
    id
}

#[tokio::test]
async fn conversations_are_created_and_looked_up_through_maax() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let c = http();
    let res = c
        .post(format!("{server}/api/v1/conversations/"))
        .json(&json!({"webChat": "wc-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let conv = json_of(res).await;
    assert_eq!(conv["id"], "42");
    assert_eq!(conv["webChat"], "wc-1");
    assert_eq!(conv["createdAt"].as_str().unwrap().len(), 13);

    let res = c
        .post(format!("{server}/api/v1/conversations/"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        json_of(res).await,
        json!({"webChat": ["This field is required."]})
    );

    let res = c
        .get(format!("{server}/api/v1/conversations/42/"))
        .header("x-visitor-token", token("42"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["createdAt"], "1732495353000");
    let res = c
        .get(format!("{server}/api/v1/conversations/77/"))
        .header("x-visitor-token", token("77"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn history_is_mapped_to_pages_of_messages() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let c = visitor_client("42");
    let res = c
        .get(format!(
            "{server}/api/v1/messages/?conversation=42&pageSize=2"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = json_of(res).await;
    assert_eq!(page["count"], 3);
    let results = page["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    // Newest first.
    assert_eq!(results[0]["content"], "Thanks!");
    assert_eq!(results[0]["type"], "incoming");
    assert_eq!(results[1]["content"], "9 to 5.");
    assert_eq!(results[1]["type"], "outgoing");
    assert_eq!(results[1]["createdAt"], "1732495360000");
    assert_eq!(results[1]["conversation"], "42");
    let next = page["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "{server}/api/v1/messages/?conversation=42&cursor="
        )),
        "{next}"
    );

    let page = json_of(c.get(next).send().await.unwrap()).await;
    assert_eq!(page["next"], Value::Null);
    assert!(page["previous"].is_string());
    let last = &page["results"][0];
    assert_eq!(last["content"], "What are your hours?");
    let id = last["id"].as_str().unwrap();

    let res = c
        .get(format!("{server}/api/v1/messages/{id}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["content"], "What are your hours?");
    for (missing, owner) in [("42.9", "42"), ("77.0", "77"), ("nope", "nope")] {
        let res = c
            .get(format!("{server}/api/v1/messages/{missing}/"))
            .header("x-visitor-token", token(owner))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{missing}");
    }

    // A conversation Maax does not know is an empty list, as with MaiAgent.
    let page = json_of(
        c.get(format!("{server}/api/messages/?conversation=77"))
            .header("x-visitor-token", token("77"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["count"], 0);
    let res = c
        .get(format!("{server}/api/messages/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn an_answer_that_never_comes_is_given_up_on_within_the_bound() {
    let up = FakeMaax::start(Answer::Never).await;
    let mut settings = up.settings();
    settings.poll.answer_timeout = Duration::from_millis(300);
    let server = start_maax(settings, GuardSettings::open()).await;

    let res = complete(&server, ask(Some("42"), "hi", true)).await;
    assert_eq!(res.status(), 200);
    let partial = read_stream(res)
        .await
        .expect_err("the stream is cut, not ended cleanly");
    assert!(frames(&partial).is_empty());
    assert!(partial.starts_with(": keepalive"));
    let polls = up.polls.load(Ordering::SeqCst);
    // 300 ms at 10-40 ms pauses: a bounded number of polls, not a tight loop.
    assert!((1..=40).contains(&polls), "{polls} polls");

    let res = complete(&server, ask(Some("42"), "hi", false)).await;
    assert_eq!(res.status(), 504);
    assert!(json_of(res).await["detail"].is_string());
}

#[tokio::test]
async fn maax_errors_map_to_clear_json() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;

    *up.initiate_status.lock().unwrap() = Some(401);
    let res = complete(&server, ask(Some("42"), "hi", true)).await;
    assert_eq!(res.status(), 502);
    let text = res.text().await.unwrap();
    assert!(text.contains("not configured correctly"), "{text}");

    *up.initiate_status.lock().unwrap() = Some(500);
    let res = complete(&server, ask(Some("42"), "hi", false)).await;
    assert_eq!(res.status(), 502);

    *up.initiate_status.lock().unwrap() = None;
    *up.answer.lock().unwrap() = Answer::Status(403);
    let res = complete(&server, ask(Some("42"), "hi", true)).await;
    assert!(
        read_stream(res).await.is_err(),
        "a refused poll cuts the stream"
    );

    let res = complete(&server, json!({"message": {"content": "  "}})).await;
    assert_eq!(res.status(), 400);

    let dead = dead_addr().await;
    let mut settings = up.settings();
    settings.base_url = format!("http://{dead}/");
    let server = start_maax(settings, GuardSettings::open()).await;
    let res = complete(&server, ask(Some("42"), "hi", true)).await;
    assert_eq!(res.status(), 502);
}

#[tokio::test]
async fn parameter_places_and_history_method_follow_the_settings() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let mut settings = up.settings();
    settings.params = ParamPlace::Query;
    settings.history_method = UpstreamMethod::Post;
    settings.ai_id = Some("5".into());
    settings.prospect_info = Some(json!({"first_name": "Web", "last_name": "Visitor"}));
    let server = start_maax(settings, GuardSettings::open()).await;

    let id = create(&server).await;
    let res = complete(&server, ask(Some(&id), "hi there", true)).await;
    let sse = read_stream(res).await.unwrap();
    assert_eq!(frames(&sse)[0]["content"], ANSWER);
    let initiate = &up.seen_at("/api/initiate_answer_generation/")[0];
    assert_eq!(initiate.method, "POST");
    assert!(initiate.body.is_empty());
    let q = initiate.query_map();
    assert_eq!(q["message_content"], "hi there");
    assert_eq!(q["conversation_id"], "42");
    assert_eq!(q["ai_id"], "5");
    let info: Value = serde_json::from_str(&q["prospect_info"]).unwrap();
    assert_eq!(info["first_name"], "Web");
    let create = &up.seen_at("/api/create-conversation/")[0];
    assert!(create.query_map().contains_key("prospect_info"));

    let page = json_of(
        visitor_client("42")
            .get(format!("{server}/api/v1/messages/?conversation=42"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["count"], 3);
    let history = &up.seen_at("/api/get_conversations_history/")[0];
    assert_eq!(history.method, "POST");
    assert_eq!(history.query_map()["conversation_id"], "42");
}

#[tokio::test]
async fn prospect_info_naming_the_conversation_is_filled_in_or_not_sent() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let mut settings = up.settings();
    settings.prospect_info =
        Some(json!({"first_name": "Web", "email": "v-{conversation}@example.test"}));
    let server = start_maax(settings, GuardSettings::open()).await;

    let id = create(&server).await;
    let res = complete(&server, ask(Some(&id), "hi", true)).await;
    read_stream(res).await.unwrap();
    // Its id is not known before Maax makes it: no template with the placeholder left in,
    // which would make every visitor one prospect.
    let create = up.seen_at("/api/create-conversation/")[0].json();
    assert_eq!(
        create,
        json!({"service_type": "customer_support_automation"})
    );
    let initiate = up.seen_at("/api/initiate_answer_generation/")[0].json();
    assert_eq!(
        initiate["prospect_info"],
        json!({"first_name": "Web", "email": "v-42@example.test"})
    );
}

#[tokio::test]
async fn the_guard_applies_in_maax_mode_too() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://shop.example".into()];
    guard.chatbots = vec!["bot-1".into()];
    let server = start_maax(up.settings(), guard).await;
    let res = http()
        .post(format!("{server}/api/v1/chatbots/bot-1/completions/"))
        .header("origin", "https://evil.example")
        .json(&ask(Some("42"), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = http()
        .post(format!("{server}/api/v1/chatbots/bot-2/completions/"))
        .json(&ask(Some("42"), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(up.seen().is_empty());
}
