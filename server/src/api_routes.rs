//! The MaiAgent-shaped API every mode serves: the same five calls under `/api/v1/` and `/api/`,
//! each with and without its trailing slash. Modes differ only in their handlers. The two
//! that take a body take JSON only.

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;

use crate::api_error::ApiError;

/// One mode's handlers for the five calls the widget makes.
pub struct ApiHandlers<S> {
    pub create_conversation: MethodRouter<S>,
    pub get_conversation: MethodRouter<S>,
    pub completions: MethodRouter<S>,
    pub list_messages: MethodRouter<S>,
    pub get_message: MethodRouter<S>,
}

/// The five routes, relative to a prefix.
pub fn routes<S: Clone + Send + Sync + 'static>(handlers: ApiHandlers<S>) -> Router<S> {
    let json_only = || middleware::from_fn(require_json);
    let table = [
        (
            "/conversations",
            handlers.create_conversation.route_layer(json_only()),
        ),
        ("/conversations/{id}", handlers.get_conversation),
        (
            "/chatbots/{chatbot}/completions",
            handlers.completions.route_layer(json_only()),
        ),
        ("/messages", handlers.list_messages),
        ("/messages/{id}", handlers.get_message),
    ];
    table
        .into_iter()
        .fold(Router::new(), |router, (path, method)| {
            router
                .route(&format!("{path}/"), method.clone())
                .route(path, method)
        })
}

/// `api` mounted under both prefixes the real API answers on.
pub fn under_both_prefixes<S: Clone + Send + Sync + 'static>(
    api: impl Fn() -> Router<S>,
) -> Router<S> {
    Router::new().nest("/api/v1", api()).nest("/api", api())
}

/// Whether a `Content-Type` names JSON: `application/json`, with parameters or not.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// 415 for a body that does not say it is JSON. A browser sends `text/plain`, a form or
/// multipart cross-site without asking first (no CORS preflight); JSON it sends only after
/// the server's CORS agreed. The widget always sends `application/json`.
async fn require_json(req: Request, next: Next) -> Response {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !is_json(content_type) {
        tracing::info!(content_type = ?content_type, "refused: body not declared as JSON");
        return ApiError::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON (Content-Type: application/json).",
        )
        .into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_application_json_with_any_parameters() {
        for yes in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            " application/json ;charset=UTF-8",
        ] {
            assert!(is_json(yes), "{yes}");
        }
        for no in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "text/plain; application/json",
        ] {
            assert!(!is_json(no), "{no}");
        }
    }
}
