//! Attacks on other visitors' conversations: reading or posting into a conversation whose id
//! is known or guessed, in proxy, maax and mock mode. Only the visitor holding the token the
//! conversation was created with gets in.

mod common;
mod fake;

use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::visitor::VisitorKeys;
use fake::*;
use reqwest::Client;
use serde_json::{json, Value};

/// Every call on `conversation` the widget makes, with `token` (or none): their statuses.
async fn statuses(c: &Client, base: &str, conversation: &str, token: Option<&str>) -> Vec<u16> {
    let with = |r: reqwest::RequestBuilder| match token {
        Some(t) => r.header("x-visitor-token", t),
        None => r,
    };
    let mut out = Vec::new();
    for req in [
        c.get(format!("{base}/api/v1/conversations/{conversation}/")),
        c.get(format!(
            "{base}/api/v1/messages/?conversation={conversation}"
        )),
        c.post(format!("{base}/api/v1/chatbots/bot-1/completions/"))
            .json(&ask(Some(conversation), "let me in", true)),
    ] {
        let res = with(req).send().await.unwrap();
        out.push(res.status().as_u16());
        if res.status() == 403 {
            assert_eq!(res.headers()["content-type"], "application/json");
            let body: Value = res.json().await.unwrap();
            assert!(body["detail"].is_string(), "{body}");
        }
    }
    out
}

async fn create(c: &Client, base: &str) -> (String, String) {
    let res = c
        .post(format!("{base}/api/v1/conversations/"))
        .json(&json!({"webChat": "wc-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    (
        body["id"].as_str().unwrap().to_string(),
        body["visitorToken"]
            .as_str()
            .expect("a visitorToken next to the id")
            .to_string(),
    )
}

#[tokio::test]
async fn proxy_a_known_conversation_id_without_its_token_reads_and_posts_nothing() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let c = Client::new();
    let (id, token) = create(&c, &proxy).await;
    let before = up.seen().len();

    assert_eq!(statuses(&c, &proxy, &id, None).await, [403, 403, 403]);
    assert_eq!(
        statuses(&c, &proxy, &id, Some("v1.not-the-token")).await,
        [403, 403, 403]
    );
    // Another conversation's token does not open this one.
    let other = VisitorKeys::new(VISITOR_SECRET).unwrap().issue("another");
    assert_eq!(
        statuses(&c, &proxy, &id, Some(&other)).await,
        [403, 403, 403]
    );
    // A single message names its conversation: to another visitor it is not found, as a
    // missing message is, so that the answer does not tell which ids exist.
    let res = c
        .get(format!("{proxy}/api/v1/messages/m1/"))
        .header("x-visitor-token", &other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Not found."})
    );
    let refused_calls_reaching_upstream = up.seen().len() - before;
    assert_eq!(
        refused_calls_reaching_upstream, 1,
        "only the message lookup (read to learn its conversation) reaches MaiAgent"
    );

    assert_eq!(
        statuses(&c, &proxy, &id, Some(&token)).await,
        [200, 200, 200]
    );
}

#[tokio::test]
async fn maax_small_integer_conversation_ids_cannot_be_walked() {
    let up = FakeMaax::start(Answer::After(0)).await;
    let server = start_maax(up.settings(), GuardSettings::open()).await;
    let c = Client::new();
    let (id, token) = create(&c, &server).await;
    assert_eq!(id, "42");
    for guess in ["41", "42", "43"] {
        assert_eq!(statuses(&c, &server, guess, None).await, [403, 403, 403]);
    }
    let res = c
        .get(format!("{server}/api/v1/messages/42.0/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        up.seen_at("/api/get_conversations_history/").is_empty(),
        "no history was read for a refused call"
    );
    assert!(up.seen_at("/api/initiate_answer_generation/").is_empty());
    assert_eq!(
        statuses(&c, &server, "42", Some(&token)).await,
        [200, 200, 200]
    );
}

#[tokio::test]
async fn a_null_conversation_cannot_create_an_unbound_one() {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let maax_up = FakeMaax::start(Answer::After(0)).await;
    let maax = start_maax(maax_up.settings(), GuardSettings::open()).await;
    let c = Client::new();
    for base in [&proxy, &maax] {
        let res = c
            .post(format!("{base}/api/v1/chatbots/bot-1/completions/"))
            .json(&ask(None, "hi", true))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{base}");
        let body: Value = res.json().await.unwrap();
        assert!(body["conversation"][0].is_string(), "{body}");
    }
    assert!(up.seen().is_empty());
    assert!(maax_up.seen_at("/api/create-conversation/").is_empty());
}

#[tokio::test]
async fn instances_sharing_the_secret_accept_each_others_tokens() {
    let up = FakeMaiAgent::start().await;
    let a = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let b = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let mut other = GuardSettings::open();
    other.visitors = Some(VisitorKeys::new(b"a different secret, not shared").unwrap());
    let stranger = start_proxy(&up.base(), other, quick_timeouts()).await;
    let c = Client::new();
    let (id, token) = create(&c, &a).await;
    assert_eq!(statuses(&c, &b, &id, Some(&token)).await, [200, 200, 200]);
    assert_eq!(
        statuses(&c, &stranger, &id, Some(&token)).await,
        [403, 403, 403]
    );
}

#[tokio::test]
async fn a_rotated_secret_keeps_the_conversations_signed_with_the_earlier_one() {
    let up = FakeMaiAgent::start().await;
    let with = |keys: VisitorKeys| {
        let mut settings = GuardSettings::open();
        settings.visitors = Some(keys);
        settings
    };
    const BEFORE: &[u8] = b"the secret before the rotation";
    const AFTER: &[u8] = b"the secret after the rotation";
    let before = start_proxy(
        &up.base(),
        with(VisitorKeys::new(BEFORE).unwrap()),
        quick_timeouts(),
    )
    .await;
    let rotating = start_proxy(
        &up.base(),
        with(VisitorKeys::rotating(AFTER, &[BEFORE]).unwrap()),
        quick_timeouts(),
    )
    .await;
    let rotated = start_proxy(
        &up.base(),
        with(VisitorKeys::new(AFTER).unwrap()),
        quick_timeouts(),
    )
    .await;
    let c = Client::new();
    let (old_id, old_token) = create(&c, &before).await;
    // During the rotation, a visitor of before it keeps their conversation...
    assert_eq!(
        statuses(&c, &rotating, &old_id, Some(&old_token)).await,
        [200, 200, 200]
    );
    // ...and a new one gets a token of the new secret, which instances already past the
    // rotation accept.
    let (new_id, new_token) = create(&c, &rotating).await;
    assert_eq!(
        statuses(&c, &rotated, &new_id, Some(&new_token)).await,
        [200, 200, 200]
    );
    // Once the earlier secret is removed, its tokens end.
    assert_eq!(
        statuses(&c, &rotated, &old_id, Some(&old_token)).await,
        [403, 403, 403]
    );
}

#[tokio::test]
async fn the_visitor_token_is_never_forwarded_upstream_and_passes_preflight() {
    let up = FakeMaiAgent::start().await;
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://shop.example".into()];
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let c = Client::new();
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{proxy}/api/v1/chatbots/bot-1/completions/"),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-visitor-token",
        )
        .send()
        .await
        .unwrap();
    let allowed = pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("x-visitor-token"), "{allowed}");

    let (id, token) = create(&c, &proxy).await;
    assert_eq!(
        statuses(&c, &proxy, &id, Some(&token)).await,
        [200, 200, 200]
    );
    for seen in up.seen() {
        assert_eq!(seen.header("x-visitor-token"), None, "{}", seen.path);
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        assert!(!body.contains(&token), "{body}");
    }
}

#[tokio::test]
async fn mock_a_known_conversation_id_without_its_token_reads_and_posts_nothing() {
    use axum::http::StatusCode;
    let (app, state) = common::fast_app();
    let res = common::call(
        &app,
        common::post("/api/v1/conversations/", json!({"webChat": "w"})),
    )
    .await;
    let body = common::json_body(res).await;
    let id = body["id"].as_str().unwrap().to_string();
    let token = body["visitorToken"].as_str().unwrap().to_string();
    assert_eq!(token, common::token(&id));
    let ask = json!({"conversation": id, "message": {"content": "hi"}});
    for req in [
        common::get(&format!("/api/v1/conversations/{id}/")),
        common::get(&format!("/api/v1/messages/?conversation={id}")),
        common::post("/api/v1/chatbots/b/completions/", ask.clone()),
    ] {
        let res = common::call(&app, req).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert!(common::json_body(res).await["detail"].is_string());
    }
    assert_eq!(state.stats().streams_started, 0);
    let res = common::call(
        &app,
        common::post_as("/api/v1/chatbots/b/completions/", ask, &id),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}
