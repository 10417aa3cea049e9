//! The origin allow-list, and the CORS layer that agrees with it.
//!
//! An `Origin` header is what a browser attaches to a cross-site call; checking it keeps other
//! sites from spending this server's upstream quota through their visitors' browsers. It is no
//! defence against scripts outside a browser (they can send any header), which is what the
//! rate limit is for.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// One allowed origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    Any,
    /// `scheme://host[:port]`, lowercase.
    Exact(String),
    /// `scheme://*.domain[:port]`: any subdomain of `domain` (not `domain` itself).
    Subdomains {
        scheme: String,
        suffix: String,
    },
}

/// The origins allowed to call the API. Empty means any origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginList {
    patterns: Vec<Pattern>,
}

impl OriginList {
    /// Parses `https://a.example`, `https://*.example.com`, `*`; blank entries are skipped.
    pub fn parse(entries: &[String]) -> Result<OriginList, String> {
        let mut patterns = Vec::new();
        for raw in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let entry = raw.trim_end_matches('/').to_ascii_lowercase();
            if entry == "*" {
                patterns.push(Pattern::Any);
                continue;
            }
            let Some((scheme, host)) = entry.split_once("://") else {
                return Err(format!(
                    "allowed origin {raw:?} needs a scheme, like https://{raw}"
                ));
            };
            if host.is_empty() || host.contains('/') {
                return Err(format!(
                    "allowed origin {raw:?} must be scheme://host[:port], with no path"
                ));
            }
            match host.strip_prefix("*.") {
                Some(domain) if !domain.is_empty() => patterns.push(Pattern::Subdomains {
                    scheme: scheme.to_string(),
                    suffix: format!(".{domain}"),
                }),
                Some(_) => return Err(format!("allowed origin {raw:?} has no domain")),
                None => patterns.push(Pattern::Exact(entry)),
            }
        }
        Ok(OriginList { patterns })
    }

    /// Whether no list was given (every origin is allowed).
    pub fn is_open(&self) -> bool {
        self.patterns.is_empty() || self.patterns.contains(&Pattern::Any)
    }

    /// Whether a browser on `origin` may call. `host` is the request's `Host`: a page served
    /// by this very server (the demo page) is always allowed.
    pub fn allows(&self, origin: &HeaderValue, host: Option<&HeaderValue>) -> bool {
        if self.is_open() {
            return true;
        }
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if let Some(host) = host.and_then(|h| h.to_str().ok()) {
            let host = host.to_ascii_lowercase();
            if origin.strip_prefix("https://") == Some(host.as_str())
                || origin.strip_prefix("http://") == Some(host.as_str())
            {
                return true;
            }
        }
        self.patterns.iter().any(|p| match p {
            Pattern::Any => true,
            Pattern::Exact(e) => *e == origin,
            Pattern::Subdomains { scheme, suffix } => origin
                .split_once("://")
                .is_some_and(|(s, host)| s == scheme && host.ends_with(suffix.as_str())),
        })
    }
}

/// Headers a browser may send to the API. `Authorization` is listed so that a widget set up
/// with one still passes the preflight; the proxy drops it and sends its own. The visitor
/// token is checked here and never forwarded.
const ALLOWED_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::ACCEPT,
    header::AUTHORIZATION,
    HeaderName::from_static("x-request-id"),
    crate::visitor::HEADER,
];

/// CORS for the API: only allowed origins get `Access-Control-Allow-Origin`.
pub fn cors(origins: Arc<OriginList>) -> CorsLayer {
    let allow = if origins.is_open() {
        AllowOrigin::any()
    } else {
        AllowOrigin::predicate(move |origin, parts| {
            origins.allows(origin, parts.headers.get(header::HOST))
        })
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers(ALLOWED_HEADERS)
        .expose_headers([header::RETRY_AFTER, HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> OriginList {
        OriginList::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn allows(l: &OriginList, origin: &str) -> bool {
        l.allows(&HeaderValue::from_str(origin).unwrap(), None)
    }

    #[test]
    fn exact_and_subdomain_patterns() {
        let l = list(&["https://Shop.example.com/", "https://*.brand.test", " "]);
        assert!(allows(&l, "https://shop.example.com"));
        assert!(!allows(&l, "http://shop.example.com"));
        assert!(!allows(&l, "https://shop.example.com.evil.test"));
        assert!(allows(&l, "https://a.brand.test"));
        assert!(allows(&l, "https://a.b.brand.test"));
        assert!(!allows(&l, "https://brand.test"));
        assert!(!allows(&l, "https://evilbrand.test"));
        assert!(!allows(&l, "null"));
    }

    #[test]
    fn same_host_is_allowed_and_empty_means_open() {
        let l = list(&["https://a.example"]);
        let host = HeaderValue::from_static("chat.example:8787");
        let origin = HeaderValue::from_static("http://chat.example:8787");
        assert!(l.allows(&origin, Some(&host)));
        assert!(!l.allows(&origin, None));
        assert!(list(&[]).is_open());
        assert!(list(&["*"]).is_open());
        assert!(allows(&list(&[]), "https://anything.example"));
    }

    #[test]
    fn malformed_entries_are_errors() {
        for bad in [
            "shop.example.com",
            "https://",
            "https://a.example/path",
            "https://*.",
        ] {
            assert!(OriginList::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
