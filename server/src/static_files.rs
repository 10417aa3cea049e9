//! The built widget (`dist/`) at `/`, and an optional demo page at `/demo`.
//!
//! Versioned files (`name.<hex version>.ext`, as the widget build names everything but the
//! loader) never change and are cached for a year; everything else is sent with
//! `Cache-Control: no-cache` (revalidate every time), so a new build is picked up at once.
//!
//! A file's brotli or gzip copy written by the build (`name.br`, `name.gz`) goes in its place,
//! with `Content-Encoding`, to a browser that accepts that encoding; the headers are otherwise
//! the file's own. Only files: the API's replies are never compressed, as a compressor would
//! hold back a streamed reply's deltas until it had enough to fill a block.
//!
//! Only plain files inside the folder are served: no dotfiles (`.env`, `.git/`), nothing a
//! symlink reaches outside the folder, no path that starts with `//` (the directory redirect
//! would send the browser to `//other-host/`), and no response names a path on the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Static routes; meant to be merged last, as they answer every path nothing else claims.
pub fn router(static_dir: &Path, demo_page: Option<&Path>) -> Router {
    let not_built = move |uri: Uri| async move { missing(&uri) };
    // The build writes a brotli and a gzip copy beside each file (`name.br`, `name.gz`): a
    // browser that accepts one gets it, so a visitor on a slow link waits for the compressed
    // wasm rather than the raw one, and no CPU goes on compressing the same bytes per request.
    let files = ServeDir::new(static_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(not_built.into_service());
    // Resolved once: a folder that does not exist yet has no files to escape from.
    let root: Arc<PathBuf> =
        Arc::new(std::fs::canonicalize(static_dir).unwrap_or_else(|_| static_dir.to_path_buf()));
    let files = tower::ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(root, confine))
        // Every answer depends on Accept-Encoding, the plain one too: a shared cache must not
        // hand a brotli body to a client that did not ask for it, nor keep the plain one for all.
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .service(files);
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

/// What a path with no file answers: at `/`, a hint that the widget still has to be built
/// (without naming the folder: no response shows a path on the server).
fn missing(uri: &Uri) -> Response {
    if uri.path() == "/" || uri.path() == "/index.html" {
        let text = "chat-bubble-server is running, but the widget isn't built yet: no \
                    index.html in the --static-dir folder.\nRun `make demo` to build it.\n";
        return (StatusCode::OK, text).into_response();
    }
    not_found()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found\n").into_response()
}

/// Lets a request through to the files only if its path names a plain file or folder inside
/// `root`.
async fn confine(State(root): State<Arc<PathBuf>>, request: Request, next: Next) -> Response {
    match inside(&root, request.uri().path()) {
        true => next.run(request).await,
        false => not_found(),
    }
}

/// Whether a URL path stays inside `root`: no empty, dot-led or odd segments after
/// percent-decoding (the file server decodes too), and every file the file server may open
/// for it that exists has its real path (symlinks resolved) under `root`'s.
fn inside(root: &Path, url_path: &str) -> bool {
    let Some(decoded) = percent_decode(url_path) else {
        return false;
    };
    let Some(rest) = decoded.strip_prefix('/') else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        // A trailing slash leaves one empty last segment; anywhere else it is `//`.
        if segment.is_empty() && i != last {
            return false;
        }
        if segment.starts_with('.') || segment.contains(['\\', '\0', ':']) {
            return false;
        }
    }
    let path = segments
        .iter()
        .filter(|s| !s.is_empty())
        .fold(root.to_path_buf(), |p, s| p.join(s));
    opened_for(path)
        .iter()
        .all(|file| match std::fs::canonicalize(file) {
            Ok(real) => real.starts_with(root),
            // Nothing there: the file server answers 404 (or the not-built hint).
            Err(_) => true,
        })
}

/// What the file server may open for `path`: the path itself and, for a folder, the
/// `index.html` it answers with; and the compressed copies of that file, which it sends in
/// the file's place (even when the file itself is missing).
fn opened_for(path: PathBuf) -> Vec<PathBuf> {
    let mut opened = vec![path.clone()];
    let file = if path.is_dir() {
        let index = path.join("index.html");
        opened.push(index.clone());
        index
    } else {
        path
    };
    for suffix in [".br", ".gz"] {
        let mut copy = file.clone().into_os_string();
        copy.push(suffix);
        opened.push(copy.into());
    }
    opened
}

/// `%XX` decoded; `None` for a malformed escape or text that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::{inside, is_versioned};

    #[test]
    fn paths_that_leave_the_folder_or_name_dotfiles_are_refused() {
        let root = std::path::Path::new("/nonexistent-root");
        for ok in ["/", "/index.html", "/w/0.1/a.css", "/dir/"] {
            assert!(inside(root, ok), "{ok}");
        }
        for bad in [
            "//evil.example/",
            "//evil.example",
            "/a//b",
            "/.env",
            "/.git/config",
            "/%2egit/config",
            "/a/%2e%2e/%2e%2e/etc/passwd",
            "/..",
            "/a/%2F%2Fevil",
            "/a\\b",
            "/%ZZ",
        ] {
            assert!(!inside(root, bad), "{bad}");
        }
    }

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
