//! The built widget (`dist/`) at `/`, and an optional demo page at `/demo`.
//!
//! Everything is sent with `Cache-Control: no-cache` (revalidate every time): file names are
//! stable, not hashed, so a cached copy could otherwise outlive a rebuild.

use std::path::{Path, PathBuf};

use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Static routes; meant to be merged last, as they answer every path nothing else claims.
pub fn router(static_dir: &Path, demo_page: Option<&Path>) -> Router {
    let dir: PathBuf = static_dir.to_path_buf();
    let not_built = move |uri: Uri| {
        let dir = dir.clone();
        async move { missing(&uri, &dir) }
    };
    let files = ServeDir::new(static_dir).fallback(not_built.into_service());
    let mut router = Router::new();
    if let Some(page) = demo_page {
        router = router
            .route_service("/demo", ServeFile::new(page))
            .route_service("/demo/", ServeFile::new(page));
    }
    router
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// What a path with no file answers: at `/`, a hint that the widget still has to be built.
fn missing(uri: &Uri, dir: &Path) -> Response {
    if uri.path() == "/" || uri.path() == "/index.html" {
        let text = format!(
            "chat-bubble-server is running, but the widget isn't built yet: no index.html in {}.\n\
             Run `make demo` to build it.\n",
            dir.display()
        );
        return (StatusCode::OK, text).into_response();
    }
    (StatusCode::NOT_FOUND, "Not found\n").into_response()
}
