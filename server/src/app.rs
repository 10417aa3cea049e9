//! Puts one backend mode, the static files and the cross-cutting layers (CORS, request
//! tracing) into the server's `Router`.

use std::time::Duration;

use axum::http::{header, HeaderName, Method};
use axum::Router;
use tokio::sync::watch;
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::config::{Config, Mode};
use crate::{mock, static_files};

/// The whole server. `shutdown` turning true ends long-lived reply streams, so a graceful
/// shutdown does not wait on them.
pub fn build(config: &Config, shutdown: watch::Receiver<bool>) -> Router {
    let api = match config.mode {
        Mode::Mock => {
            let delay = Duration::from_millis(config.mock_delay_ms);
            mock::router(mock::MockState::new(delay, shutdown))
        }
    };
    with_layers(api.merge(static_files::router(
        &config.static_dir,
        config.demo_page.as_deref(),
    )))
}

/// Adds CORS and request tracing around a router.
pub fn with_layers(router: Router) -> Router {
    router.layer(cors()).layer(TraceLayer::new_for_http())
}

/// Headers a browser may send: the API's own plus every `X-Mock-*` switch. Listed one by one
/// because a `*` wildcard does not cover `Authorization`.
pub const ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "accept",
    "x-mock-format",
    "x-mock-chunking",
    "x-mock-seed",
    "x-mock-delay",
    "x-mock-length",
    "x-mock-fault",
    "x-mock-retry-after",
    "x-mock-fault-times",
    "x-mock-fault-key",
    "x-mock-fault-after",
];

/// Any origin may call: the widget is embedded on other sites, and the mock holds no secrets.
pub fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(
            ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}
