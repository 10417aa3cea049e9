//! Proxy mode against a fake MaiAgent on loopback: forwarding and key injection, what is not
//! forwarded, incremental streaming, allow-lists, rate limit, body limit, timeouts, error
//! mapping and the rewriting of page links.

mod fake;

use std::time::{Duration, Instant};

use chat_bubble_server::guard::GuardSettings;
use chat_bubble_server::upstream::Timeouts;
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

async fn proxy_with(guard: GuardSettings) -> (FakeMaiAgent, String) {
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    (up, proxy)
}

#[tokio::test]
async fn the_five_calls_are_forwarded_with_the_key_and_without_browser_credentials() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let c = http();

    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("authorization", "Bearer from-the-browser")
        .header("cookie", "session=visitor")
        .json(&json!({"webChat": "wc-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(res.headers().contains_key("x-request-id"));
    let conv = json_of(res).await;
    assert_eq!(conv["webChat"], "wc-1");
    let id = conv["id"].as_str().unwrap().to_string();

    let res = c
        .get(format!("{proxy}/api/v1/conversations/{id}"))
        .header("x-visitor-token", token(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(json_of(res).await["id"], id.as_str());

    let res = c
        .post(format!("{proxy}/api/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(&id))
        .json(&ask(Some(&id), "hello", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    assert_eq!(res.headers()["x-accel-buffering"], "no");
    assert_eq!(read_stream(res).await.unwrap(), full_reply_body());

    let res = c
        .get(format!(
            "{proxy}/api/v1/messages/?conversation={id}&pageSize=2&mock_fault=401&page=7"
        ))
        .header("x-visitor-token", token(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = c
        .get(format!("{proxy}/api/v1/messages/m1/"))
        .header("x-visitor-token", token(CONVERSATION))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(res).await["id"], "m1");

    let seen = up.seen();
    let calls: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.method.to_string(), s.path.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST".into(), "/api/v1/conversations/".into()),
            ("GET".into(), format!("/api/v1/conversations/{id}/")),
            ("POST".into(), "/api/v1/chatbots/bot-1/completions/".into()),
            ("GET".into(), "/api/v1/messages/".into()),
            ("GET".into(), "/api/v1/messages/m1/".into()),
        ]
    );
    for s in &seen {
        assert_eq!(s.header("authorization"), Some(&*format!("Api-Key {KEY}")));
        assert_eq!(s.header("cookie"), None);
    }
    assert_eq!(seen[0].json(), json!({"webChat": "wc-1"}));
    assert_eq!(seen[2].json(), ask(Some(&id), "hello", true));
    assert_eq!(seen[2].header("content-type"), Some("application/json"));
    let q = seen[3].query_map();
    assert_eq!(q.len(), 2, "only conversation and pageSize: {q:?}");
    assert_eq!(q["conversation"], id);
    assert_eq!(q["pageSize"], "2");
}

#[tokio::test]
async fn nothing_else_of_the_upstream_api_is_reachable() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let c = http();
    let gets = [
        "/api/v1/conversations/",
        "/api/v1/chatbots/",
        "/api/v1/users/me/",
        "/api/v1/conversations/..%2F..%2Fusers/",
        "/api/v1/messages/a%2Fb/",
        "/api/v1/messages/",
        "/api/v1/messages/?conversation=",
        "/api/v2/conversations/",
    ];
    for path in gets {
        let res = c.get(format!("{proxy}{path}")).send().await.unwrap();
        assert!(
            matches!(res.status().as_u16(), 400 | 404 | 405),
            "{path}: {}",
            res.status()
        );
    }
    let res = c
        .post(format!("{proxy}/api/v1/messages/"))
        .json(&json!({"conversation": "c", "content": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let res = c
        .post(format!("{proxy}/api/v1/chatbots/a.b/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "x", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(up.seen().is_empty(), "{:?}", up.seen());
}

#[tokio::test]
async fn a_stream_is_relayed_as_it_comes_not_when_it_ends() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    up.set(Reply::Gated);
    let res = http()
        .post(format!("{proxy}/api/v1/chatbots/bot-1/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hello", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut body = res.bytes_stream();
    let mut seen = Vec::new();
    // The upstream holds back everything after its first delta until released, so this read
    // only finishes if the proxy passed the first delta on by itself.
    while !String::from_utf8_lossy(&seen).contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), body.next())
            .await
            .expect("the first delta arrives while the upstream is still open")
            .expect("the body goes on")
            .unwrap();
        seen.extend_from_slice(&chunk);
    }
    let first = frames(&String::from_utf8_lossy(&seen));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["content"], DELTAS[0]);
    assert!(!up.finished.load(std::sync::atomic::Ordering::SeqCst));

    up.release.notify_one();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("the rest arrives")
    {
        seen.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(String::from_utf8(seen).unwrap(), full_reply_body());
    assert!(up.finished.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn origins_outside_the_allow_list_are_refused_and_get_no_cors() {
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://shop.example".into(), "https://*.brand.test".into()];
    let (up, proxy) = proxy_with(guard).await;
    let c = http();
    let create = |origin: Option<&'static str>| {
        let mut r = c
            .post(format!("{proxy}/api/v1/conversations/"))
            .json(&json!({"webChat": "w"}));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r.send()
    };

    let res = create(Some("https://shop.example")).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let res = create(Some("https://eu.brand.test")).await.unwrap();
    assert_eq!(res.status(), 201);

    let res = create(Some("https://evil.example")).await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("not allowed"));

    // No Origin at all (curl, same-origin GET): let through.
    assert_eq!(create(None).await.unwrap().status(), 201);

    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{proxy}/api/v1/chatbots/b/completions/"),
        )
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{proxy}/api/v1/chatbots/b/completions/"),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(
        pre.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert_eq!(
        up.seen().len(),
        3,
        "only the allowed creations went upstream"
    );
}

#[tokio::test]
async fn web_chat_and_chatbot_allow_lists() {
    let mut guard = GuardSettings::open();
    guard.web_chats = vec!["wc-ok".into()];
    guard.chatbots = vec!["bot-ok".into()];
    let (up, proxy) = proxy_with(guard).await;
    let c = http();
    let create = |body: Value| {
        c.post(format!("{proxy}/api/v1/conversations/"))
            .json(&body)
            .send()
    };
    assert_eq!(
        create(json!({"webChat": "wc-ok"})).await.unwrap().status(),
        201
    );
    assert_eq!(
        create(json!({"webChat": "wc-other"}))
            .await
            .unwrap()
            .status(),
        403
    );
    // A missing web chat is a field error now that bodies are parsed before anything else.
    assert_eq!(create(json!({})).await.unwrap().status(), 400);

    let complete = |bot: &str| {
        c.post(format!("{proxy}/api/v1/chatbots/{bot}/completions/"))
            .header("x-visitor-token", token(CONVERSATION))
            .json(&ask(Some(CONVERSATION), "hi", true))
            .send()
    };
    let res = complete("bot-other").await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(json_of(res).await["detail"].is_string());
    let res = complete("bot-ok").await.unwrap();
    assert_eq!(res.status(), 200);
    read_stream(res).await.unwrap();

    let paths: Vec<String> = up.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/conversations/",
            "/api/v1/chatbots/bot-ok/completions/"
        ]
    );
}

#[tokio::test]
async fn each_client_gets_its_own_rate_limit_with_retry_after() {
    let mut guard = GuardSettings::open();
    guard.rate_per_minute = 6; // a token every ten seconds
    guard.rate_burst = 3;
    let (up, proxy) = proxy_with(guard.clone()).await;
    let c = http();
    let get = |xff: &'static str| {
        c.get(format!("{proxy}/api/v1/messages/m1/"))
            .header("x-visitor-token", token(CONVERSATION))
            .header("x-forwarded-for", xff)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(get("203.0.113.1").await.unwrap().status(), 200);
    }
    let res = get("203.0.113.1").await.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("Too many"));
    // Without --trust-proxy the header is the client's own claim: still the same bucket.
    assert_eq!(get("203.0.113.2").await.unwrap().status(), 429);
    assert_eq!(up.seen().len(), 3);

    // Behind a trusted proxy, the forwarded address picks the bucket.
    guard.trust_proxy = true;
    let (_, proxy) = proxy_with(guard).await;
    let get = |xff: &'static str| {
        c.get(format!("{proxy}/api/v1/messages/m1/"))
            .header("x-visitor-token", token(CONVERSATION))
            .header("x-forwarded-for", xff)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            get("198.51.100.1, 203.0.113.1").await.unwrap().status(),
            200
        );
    }
    assert_eq!(get("203.0.113.1").await.unwrap().status(), 429);
    assert_eq!(
        get("198.51.100.1, 203.0.113.9").await.unwrap().status(),
        200
    );
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_are_not_forwarded() {
    let mut guard = GuardSettings::open();
    guard.max_body_bytes = 200;
    let (up, proxy) = proxy_with(guard).await;
    let c = http();
    let big = ask(Some(CONVERSATION), &"x".repeat(300), true);
    let res = c
        .post(format!("{proxy}/api/v1/chatbots/b/completions/"))
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("200 bytes"));

    // The same without a Content-Length (chunked) is cut off while reading.
    let chunks = futures_util::stream::iter(
        (0..10).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b' '; 50]))),
    );
    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);

    let res = c
        .post(format!("{proxy}/api/v1/chatbots/b/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "small", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    read_stream(res).await.unwrap();
    assert_eq!(up.seen().len(), 1);
}

#[tokio::test]
async fn slow_headers_give_504_and_a_dead_upstream_502() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    up.set(Reply::SlowHeaders(Duration::from_secs(5)));
    let started = Instant::now();
    let res = http()
        .get(format!("{proxy}/api/v1/messages/m1/"))
        .header("x-visitor-token", token(CONVERSATION))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 504);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the 400 ms first-byte timeout applied"
    );
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("in time"));

    let dead = dead_addr().await;
    let proxy = start_proxy(
        &format!("http://{dead}/api/v1/"),
        GuardSettings::open(),
        Timeouts::default(),
    )
    .await;
    let res = http()
        .post(format!("{proxy}/api/v1/conversations/"))
        .json(&json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("reached"));
}

#[tokio::test]
async fn a_stream_that_goes_silent_is_cut_after_the_idle_timeout() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    up.set(Reply::StallAfterFirst);
    let res = http()
        .post(format!("{proxy}/api/v1/chatbots/b/completions/"))
        .header("x-visitor-token", token(CONVERSATION))
        .json(&ask(Some(CONVERSATION), "hi", true))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let read = read_stream(res).await;
    let partial = read.expect_err("the body ends in an error, not cleanly");
    let got = frames(&partial);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["content"], DELTAS[0]);
}

#[tokio::test]
async fn upstream_errors_become_clear_json() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let c = http();
    let status =
        |status: u16, body: &str, content_type: &'static str, retry: Option<&'static str>| {
            Reply::Status {
                status,
                body: body.to_string(),
                content_type,
                retry_after: retry,
            }
        };
    let call = || {
        c.post(format!("{proxy}/api/v1/chatbots/b/completions/"))
            .header("x-visitor-token", token(CONVERSATION))
            .json(&ask(Some(CONVERSATION), "hi", true))
            .send()
    };

    up.set(status(
        401,
        r#"{"detail":"Invalid API key."}"#,
        "application/json",
        None,
    ));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 502);
    let detail = json_of(res).await["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("not configured correctly"), "{detail}");

    up.set(status(
        500,
        "<html><body>Server Error</body></html>",
        "text/html",
        None,
    ));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 502);
    assert_eq!(res.headers()["content-type"], "application/json");
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("HTTP 500"));

    up.set(status(
        429,
        r#"{"detail":"slow down"}"#,
        "application/json",
        Some("7"),
    ));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "7");
    assert!(json_of(res).await["detail"].is_string());

    up.set(status(
        400,
        r#"{"message":["This field may not be blank."]}"#,
        "application/json",
        None,
    ));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        json_of(res).await,
        json!({"message": ["This field may not be blank."]})
    );

    up.set(status(404, "Not Found", "text/plain", None));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(json_of(res).await["detail"]
        .as_str()
        .unwrap()
        .contains("HTTP 404"));

    // An upstream that quotes the key back never gets it to the browser.
    let echo = format!(r#"{{"detail":"bad header Api-Key {KEY}"}}"#);
    up.set(status(400, &echo, "application/json", None));
    let res = call().await.unwrap();
    assert_eq!(res.status(), 400);
    let text = res.text().await.unwrap();
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains("[redacted]"), "{text}");
}

#[tokio::test]
async fn page_links_point_back_at_the_proxy() {
    let (up, proxy) = proxy_with(GuardSettings::open()).await;
    let c = visitor_client("c-1");
    let res = c
        .get(format!(
            "{proxy}/api/v1/messages/?conversation=c-1&pageSize=2"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = json_of(res).await;
    let next = page["next"].as_str().unwrap();
    assert_eq!(
        next,
        format!("{proxy}/api/v1/messages/?conversation=c-1&cursor=cD0y&pageSize=2")
    );
    assert_eq!(page["results"][0]["id"], "m1");

    let res = c.get(next).send().await.unwrap();
    let page = json_of(res).await;
    assert_eq!(page["next"], Value::Null);
    assert_eq!(
        page["previous"],
        format!("{proxy}/api/v1/messages/?conversation=c-1").as_str()
    );
    let last = up.seen().pop().unwrap();
    assert_eq!(last.query_map()["cursor"], "cD0y");

    // Under /api, and with a configured public URL.
    let mut guard = GuardSettings::open();
    guard.public_url = Some("https://chat.example.com/bubble/".into());
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let page = json_of(
        c.get(format!("{proxy}/api/messages/?conversation=c-1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        page["next"],
        "https://chat.example.com/bubble/api/messages/?conversation=c-1&cursor=cD0y&pageSize=2"
    );
}
