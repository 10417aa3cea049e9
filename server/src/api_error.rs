//! A JSON error answer small enough to travel in a `Result` (a whole `Response` is too big
//! to pass around by value on every success).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// A status and its JSON body, the way the real API answers errors.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub Value);

impl ApiError {
    /// `{"detail": …}`.
    pub fn detail(status: StatusCode, detail: &str) -> ApiError {
        ApiError(status, json!({ "detail": detail }))
    }

    /// `{"detail": …, "code": …}`: a sentence for the visitor and a code for the widget.
    pub fn coded(status: StatusCode, code: &str, detail: &str) -> ApiError {
        ApiError(status, json!({ "detail": detail, "code": code }))
    }

    /// A 400 with field errors or a detail.
    pub fn bad_request(body: Value) -> ApiError {
        ApiError(StatusCode::BAD_REQUEST, body)
    }
}

/// 404 `{"detail": "Not found."}`: what does not exist and what is not the caller's get the
/// same answer, so that no answer tells which ids exist.
pub fn not_found() -> Response {
    ApiError::detail(StatusCode::NOT_FOUND, "Not found.").into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<ApiError> for Response {
    fn from(e: ApiError) -> Response {
        e.into_response()
    }
}
