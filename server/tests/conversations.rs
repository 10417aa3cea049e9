//! `conversations/` endpoints, routing under both prefixes, JSON 404s and CORS.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use serde_json::json;

fn assert_ms_string(v: &serde_json::Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert_eq!(s.len(), 13, "{s}");
    assert!(s.bytes().all(|b| b.is_ascii_digit()), "{s}");
}

#[tokio::test]
async fn create_conversation_answers_201_with_a_uuid_under_both_prefixes() {
    let (app, _) = fast_app();
    for uri in [
        "/api/v1/conversations/",
        "/api/conversations/",
        "/api/v1/conversations",
    ] {
        let res = call(&app, post(uri, json!({"webChat": "wc-1"}))).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{uri}");
        let body = json_body(res).await;
        let id = body["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4", "uuid v4: {id}");
        assert_eq!(body["webChat"], "wc-1");
        assert!(body["title"].is_string());
        assert_ms_string(&body["createdAt"]);
    }
}

#[tokio::test]
async fn create_conversation_requires_web_chat() {
    let (app, _) = fast_app();
    for body in [json!({}), json!({"webChat": ""}), json!({"webChat": 5})] {
        let res = call(&app, post("/api/v1/conversations/", body)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            json_body(res).await,
            json!({"webChat": ["This field is required."]})
        );
    }
    let long = "w".repeat(201);
    let res = call(
        &app,
        post("/api/v1/conversations/", json!({ "webChat": long })),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json_body(res).await,
        json!({"webChat": ["Ensure this field has no more than 200 characters."]})
    );
    let res = call(
        &app,
        post(
            "/api/v1/conversations/",
            json!({ "webChat": "w".repeat(200) }),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let bad = Request::post("/api/v1/conversations/")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let res = call(&app, bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(json_body(res).await["detail"].is_string());
}

#[tokio::test]
async fn get_conversation_finds_it_under_either_prefix_or_404s() {
    let (app, _) = fast_app();
    let id = create_conversation(&app, "/api/v1").await;
    for uri in [
        format!("/api/v1/conversations/{id}/"),
        format!("/api/conversations/{id}"),
    ] {
        let res = call(&app, get_as(&uri, &id)).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(json_body(res).await["id"], json!(id));
    }
    let res = call(&app, get_as("/api/v1/conversations/nope/", "nope")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json_body(res).await, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s_and_wrong_methods_405() {
    let (app, _) = fast_app();
    for uri in ["/api/v1/whatever/", "/api/nothing"] {
        let res = call(&app, get(uri)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(json_body(res).await, json!({"detail": "Not found."}));
    }
    let res = call(&app, get("/api/v1/conversations/")).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn cors_preflight_allows_any_origin_and_the_mock_headers() {
    let (app, _) = fast_app();
    let req = Request::options("/api/v1/chatbots/b/completions/")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization,x-mock-fault,x-mock-retry-after",
        )
        .body(Body::empty())
        .unwrap();
    let res = call(&app, req).await;
    assert!(res.status().is_success(), "{}", res.status());
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    for name in [
        "content-type",
        "authorization",
        "x-mock-fault",
        "x-mock-retry-after",
    ] {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }
}

#[tokio::test]
async fn simple_requests_get_cors_headers_and_expose_retry_after() {
    let (app, _) = fast_app();
    let req = Request::post("/api/v1/conversations/")
        .header("origin", "https://shop.example")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"webChat":"w"}"#))
        .unwrap();
    let res = call(&app, req).await;
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
}
