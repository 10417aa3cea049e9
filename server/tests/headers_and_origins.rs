//! Attacks through request headers: a forged `X-Forwarded-Host` steering page links, an
//! `Origin` made to equal the `Host`, and origins crafted to end in an allowed domain.

mod fake;

use chat_bubble_server::guard::GuardSettings;
use fake::*;
use serde_json::Value;

#[tokio::test]
async fn a_forged_forwarded_host_does_not_steer_page_links() {
    let up = FakeMaiAgent::start().await;
    let mut guard = GuardSettings::open();
    guard.trust_proxy = true;
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let page: Value = visitor_client("c1")
        .get(format!("{proxy}/api/v1/messages/?conversation=c1"))
        .header("x-forwarded-host", "evil.example")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next = page["next"].as_str().unwrap();
    let host = proxy.strip_prefix("http://").unwrap();
    assert_eq!(
        next,
        format!("https://{host}/api/v1/messages/?conversation=c1&cursor=cD0y&pageSize=2")
    );

    // With --public-url the links are built from it alone.
    let mut guard = GuardSettings::open();
    guard.trust_proxy = true;
    guard.public_url = Some("https://chat.example.com".into());
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let page: Value = visitor_client("c1")
        .get(format!("{proxy}/api/v1/messages/?conversation=c1"))
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(page["next"]
        .as_str()
        .unwrap()
        .starts_with("https://chat.example.com/api/v1/messages/?"));
}

#[tokio::test]
async fn an_origin_equal_to_the_host_header_is_not_let_in() {
    let up = FakeMaiAgent::start().await;
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://shop.example".into()];
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let c = reqwest::Client::new();
    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{proxy}/api/v1/conversations/"),
        )
        .header("host", "evil.example")
        .header("origin", "http://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    assert!(up.seen().is_empty());

    // The server's own public origin is allowed, because it was configured.
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://shop.example".into()];
    guard.public_url = Some("https://chat.example.com/bubble".into());
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("origin", "https://chat.example.com")
        .json(&serde_json::json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn origins_crafted_to_end_in_an_allowed_domain_are_refused() {
    let up = FakeMaiAgent::start().await;
    let mut guard = GuardSettings::open();
    guard.origins = vec!["https://*.brand.example".into()];
    let proxy = start_proxy(&up.base(), guard, quick_timeouts()).await;
    let c = reqwest::Client::new();
    for origin in [
        "https://evil.example?.brand.example",
        "https://evil.example#.brand.example",
        "https://evil.example/.brand.example",
        "https://x.brand.example@evil.example",
        "https://evilbrand.example",
    ] {
        let res = c
            .post(format!("{proxy}/api/v1/conversations/"))
            .header("origin", origin)
            .json(&serde_json::json!({"webChat": "w"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{origin}");
    }
    let res = c
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("origin", "https://shop.brand.example")
        .json(&serde_json::json!({"webChat": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}
