//! The routes of uploads: `POST uploads/` under both API prefixes, taken or refused
//! whole, and `GET /uploads/<name>` for the stored files.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use super::refusals::refuse;
use super::serving::serve;
use super::state::Uploads;
use super::upload::upload;

/// `POST uploads/` under both API prefixes. The caller puts the mode's layers (CORS, the
/// guard) around it.
pub fn api_router(state: Arc<Uploads>) -> Router {
    under_api_prefixes(post(upload)).with_state(state)
}

/// `POST uploads/` for a backend that takes no files (maax mode): every upload is refused
/// with `detail`, before its body is read, and nothing is stored.
pub fn refusing_api_router(detail: &'static str) -> Router {
    under_api_prefixes(post(move || async move {
        refuse(StatusCode::BAD_REQUEST, "not_accepted", detail)
    }))
}

fn under_api_prefixes<S: Clone + Send + Sync + 'static>(route: MethodRouter<S>) -> Router<S> {
    [
        "/api/v1/uploads/",
        "/api/v1/uploads",
        "/api/uploads/",
        "/api/uploads",
    ]
    .into_iter()
    .fold(Router::new(), |router, path| {
        router.route(path, route.clone())
    })
}

/// `GET /uploads/<name>`: no origin check or CORS, as for any image or download a page links.
pub fn files_router(state: Arc<Uploads>) -> Router {
    Router::new()
        .route("/uploads/{name}", get(serve))
        .with_state(state)
}
