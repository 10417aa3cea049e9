//! `GET /uploads/<name>`: a stored file, served with the kind its name says and headers that
//! keep it from running anything on this origin and let caches keep it for as long as it has
//! left to live.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::names::kind_of_name;
use super::state::Uploads;

/// The longest a stored file may be cached: a year (it never changes; the limit is HTTP's
/// custom).
pub const MAX_CACHE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `Cache-Control` for a stored file that may be kept `max_age` longer (at most
/// [`MAX_CACHE`]): no revalidation, since a name never gets other content.
pub fn cache_control(max_age: Duration) -> String {
    format!(
        "public, max-age={}, immutable",
        max_age.min(MAX_CACHE).as_secs()
    )
}

/// `GET /uploads/<name>`.
pub(super) async fn serve(State(state): State<Arc<Uploads>>, Path(name): Path<String>) -> Response {
    let Some(kind) = kind_of_name(&name) else {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    };
    let file = match state.storage.get(&name).await {
        Ok(Some(file)) => file,
        Ok(None) => return (StatusCode::NOT_FOUND, "Not found\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "upload: the storage could not read a file");
            return (StatusCode::SERVICE_UNAVAILABLE, "Storage unavailable\n").into_response();
        }
    };
    // Past its retention and not yet swept (sweeps run hourly): gone all the same.
    let left = state.left_to_live(file.modified, SystemTime::now());
    if left.is_zero() {
        return (StatusCode::NOT_FOUND, "Not found\n").into_response();
    }
    let mut response = Body::from_stream(file.bytes).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.mime()));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.size));
    // Caches (a browser, a CDN) keep it no longer than the server does.
    if let Ok(value) = HeaderValue::from_str(&cache_control(left)) {
        h.insert(header::CACHE_CONTROL, value);
    }
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(if kind.is_image() {
            "inline"
        } else {
            "attachment"
        }),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    // Pages that isolate themselves (COEP) may still show the image.
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::DAY;

    #[test]
    fn files_are_cached_for_what_they_have_left_to_live_and_a_year_at_most() {
        assert_eq!(cache_control(DAY), "public, max-age=86400, immutable");
        assert_eq!(
            cache_control(MAX_CACHE * 3),
            "public, max-age=31536000, immutable"
        );
    }
}
