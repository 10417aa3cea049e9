//! Attacks through request headers: a forged `X-Forwarded-Host` steering page links, an
//! `Origin` made to equal the `Host`, origins crafted to end in an allowed domain, other
//! sites driving the mock of a developer's `make demo` through their browser, and bodies a
//! cross-site form can send (not JSON) refused in every mode.

mod common;
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

/// The mock as the binary builds it with `args` (uploads in a folder of its own, named by
/// `tag`), and that folder.
fn mock_built(args: &[&str], tag: &str) -> (axum::Router, std::path::PathBuf) {
    use chat_bubble_server::app;
    use chat_bubble_server::config::Config;
    use clap::Parser;
    let dir = std::env::temp_dir().join(format!("cb-mock-{tag}-{}", std::process::id()));
    let mut argv = vec![
        "chat-bubble-server".to_string(),
        "--upload-dir".into(),
        dir.join("uploads").display().to_string(),
        "--static-dir".into(),
        dir.join("no-dist").display().to_string(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let config = Config::try_parse_from(argv).unwrap();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    (app::build(&config, rx).unwrap(), dir.join("uploads"))
}

/// What the mock built with `args` answers a browser on `origin` for a created conversation
/// and for a preflight: the `Access-Control-Allow-Origin` headers.
async fn mock_cors_for(args: &[&str], origin: &str) -> [Option<String>; 2] {
    use axum::body::Body;
    use axum::http::Request;
    let (router, _) = mock_built(args, "cors");
    let create = Request::post("/api/v1/conversations/")
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(Body::from(r#"{"webChat":"wc-1"}"#))
        .unwrap();
    let preflight = Request::options("/api/v1/chatbots/bot-1/completions/")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-visitor-token",
        )
        .body(Body::empty())
        .unwrap();
    let mut out = [None, None];
    for (i, req) in [create, preflight].into_iter().enumerate() {
        let res = common::call(&router, req).await;
        out[i] = res
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string());
    }
    out
}

#[tokio::test]
async fn the_mock_answers_pages_on_this_machine_and_listed_origins_only() {
    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:8787",
        "http://[::1]:8080",
    ] {
        let [created, preflight] = mock_cors_for(&[], origin).await;
        assert!(created.is_some() && preflight.is_some(), "{origin}");
    }
    // Any other site the developer visits cannot read what it makes the mock do.
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
    ] {
        assert_eq!(mock_cors_for(&[], origin).await, [None, None], "{origin}");
    }
    // --allowed-origins opens it to those named, or to all with `*`.
    let listed = ["--allowed-origins", "https://shop.example"];
    let [created, preflight] = mock_cors_for(&listed, "https://shop.example").await;
    assert!(created.is_some() && preflight.is_some());
    assert_eq!(
        mock_cors_for(&listed, "https://evil.example").await,
        [None, None]
    );
    let [created, _] = mock_cors_for(&["--allowed-origins", "*"], "https://evil.example").await;
    assert!(created.is_some());
}

#[tokio::test]
async fn the_mock_refuses_other_sites_before_anything_runs() {
    use axum::body::Body;
    use axum::http::Request;
    // Visitor tokens off: a cross-site form could otherwise store files and messages.
    let (router, uploads) = mock_built(&["--mock-visitor-tokens", "false"], "csrf");
    // A conversation of the developer's own page.
    let req = Request::post("/api/v1/conversations/")
        .header("origin", "http://localhost:3000")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"webChat":"local"}"#))
        .unwrap();
    let res = common::call(&router, req).await;
    assert_eq!(res.status(), 201, "pages on this machine are served");
    let id = common::json_body(res).await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // What `<form enctype=text/plain>` on another site posts (no preflight), and the same as
    // JSON, which a script outside a browser could send with any Origin it likes.
    for content_type in ["text/plain", "application/json"] {
        let req = Request::post("/api/v1/conversations/")
            .header("origin", "https://evil.example")
            .header("content-type", content_type)
            .body(Body::from(r#"{"webChat":"from-evil"}"#))
            .unwrap();
        let res = common::call(&router, req).await;
        assert_eq!(res.status(), 403, "{content_type}");
        assert!(res.headers().get("access-control-allow-origin").is_none());
    }
    let message = format!(r#"{{"conversation":"{id}","message":{{"content":"from evil"}}}}"#);
    let completion = Request::post("/api/v1/chatbots/bot-1/completions/")
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body(Body::from(message))
        .unwrap();
    assert_eq!(common::call(&router, completion).await.status(), 403);
    let upload = Request::post(format!("/api/v1/uploads/?conversation={id}&filename=x.txt"))
        .header("origin", "https://evil.example")
        .header("content-type", "text/plain")
        .body(Body::from("a file from another site"))
        .unwrap();
    assert_eq!(common::call(&router, upload).await.status(), 403);

    let stored = std::fs::read_dir(&uploads).map_or(0, |d| d.count());
    assert_eq!(stored, 0, "no file stored");
    let page = common::call(
        &router,
        common::get(&format!("/api/v1/messages/?conversation={id}")),
    )
    .await;
    assert_eq!(
        common::json_body(page).await["count"],
        0,
        "no message stored"
    );
}

#[tokio::test]
async fn bodies_not_declared_as_json_are_refused_in_every_mode() {
    use axum::body::Body;
    use axum::http::Request;
    let (mock, _) = mock_built(&["--allowed-origins", "*"], "json");
    let up = FakeMaiAgent::start().await;
    let proxy = start_proxy(&up.base(), GuardSettings::open(), quick_timeouts()).await;
    let maax_up = FakeMaax::start(Answer::After(0)).await;
    let maax = start_maax(maax_up.settings(), GuardSettings::open()).await;
    let body = r#"{"webChat":"w","conversation":"c1","message":{"content":"hi"}}"#;
    let paths = ["conversations/", "chatbots/bot-1/completions/"];
    for path in paths {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
        ] {
            let mut req = Request::post(format!("/api/v1/{path}"));
            if let Some(t) = content_type {
                req = req.header("content-type", t);
            }
            let res = common::call(&mock, req.body(Body::from(body)).unwrap()).await;
            assert_eq!(res.status(), 415, "mock {path} {content_type:?}");
            let detail = common::json_body(res).await["detail"].clone();
            assert!(detail.as_str().unwrap().contains("JSON"), "{detail}");
            for server in [&proxy, &maax] {
                let mut req = visitor_client("c1").post(format!("{server}/api/v1/{path}"));
                if let Some(t) = content_type {
                    req = req.header("content-type", t);
                }
                let res = req.body(body).send().await.unwrap();
                assert_eq!(res.status(), 415, "{server} {path} {content_type:?}");
            }
        }
    }
    assert!(up.seen().is_empty(), "nothing reached the upstream");
    assert!(maax_up.seen().is_empty(), "nothing reached Maax");
    // With its charset, JSON passes.
    let res = visitor_client("c1")
        .post(format!("{proxy}/api/v1/conversations/"))
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}
