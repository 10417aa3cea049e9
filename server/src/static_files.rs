//! The built widget (`dist/`) at `/`, and an optional demo page at `/demo`.
//!
//! Versioned files (`name.<hex version>.ext`, as the widget build names everything but the
//! loader) never change and are cached for a year; everything else is sent with
//! `Cache-Control: no-cache` (revalidate every time), so a new build is picked up at once.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

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
        .layer(middleware::from_fn(cache_control))
}

async fn cache_control(request: Request, next: Next) -> Response {
    let versioned = is_versioned(request.uri().path());
    let mut response = next.run(request).await;
    let value = if versioned && response.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    response
        .headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static(value));
    response
}

/// `…/name.<8 or more hex digits>.ext`: a file whose name changes with its content.
fn is_versioned(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3 && {
        let version = parts[parts.len() - 2];
        version.len() >= 8 && version.bytes().all(|b| b.is_ascii_hexdigit())
    }
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

#[cfg(test)]
mod tests {
    use super::is_versioned;

    #[test]
    fn versioned_names() {
        assert!(is_versioned("/chat-bubble-widget_bg.7622f1e010.wasm"));
        assert!(is_versioned("/w/0.1/chat-bubble.7622f1e010.css"));
        assert!(!is_versioned("/chat-bubble.js"));
        assert!(!is_versioned("/chat-bubble.min.js"));
        assert!(!is_versioned("/7622f1e010.js"));
        assert!(!is_versioned("/a.7622f1e01x.js"));
    }
}
