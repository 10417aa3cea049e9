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

/// An origin taken apart: scheme, lowercase host, port (explicit or the scheme's).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Parts {
    scheme: String,
    host: String,
    port: u16,
}

/// `scheme://host[:port]` and nothing else (no credentials, path, query or fragment); `None`
/// for anything a browser would not send as an origin.
fn parts(origin: &str) -> Option<Parts> {
    let url = reqwest::Url::parse(origin).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
        || !matches!(url.path(), "" | "/")
        || url.query().is_some()
        || url.fragment().is_some()
        // The parser drops a trailing `?` or `#`; an origin never has one.
        || origin.trim_end_matches('/').ends_with(['?', '#'])
    {
        return None;
    }
    Some(Parts {
        scheme: url.scheme().to_string(),
        host: url.host_str()?.to_ascii_lowercase(),
        port: url.port_or_known_default()?,
    })
}

/// One allowed origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(Parts),
    /// `scheme://*.domain[:port]`: any subdomain of `domain` (not `domain` itself), matched on
    /// the parsed host, label by label.
    Subdomains(Parts),
}

impl Pattern {
    fn matches(&self, origin: &Parts) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Exact(p) => p == origin,
            Pattern::Subdomains(p) => {
                p.scheme == origin.scheme
                    && p.port == origin.port
                    && origin
                        .host
                        .strip_suffix(p.host.as_str())
                        .and_then(|sub| sub.strip_suffix('.'))
                        .is_some_and(|sub| !sub.is_empty())
            }
        }
    }
}

/// The origins allowed to call the API. Empty means any origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OriginList {
    patterns: Vec<Pattern>,
    /// This server's own origin (from `--public-url`), allowed when a list is given.
    own: Option<Parts>,
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
            let bad =
                || format!("allowed origin {raw:?} must be scheme://host[:port], with no path");
            if host.is_empty() || host.contains(['/', '@', '?', '#']) {
                return Err(bad());
            }
            match host.strip_prefix("*.") {
                Some(domain) => {
                    let p = parts(&format!("{scheme}://{domain}"))
                        .ok_or_else(|| format!("allowed origin {raw:?} has no valid domain"))?;
                    patterns.push(Pattern::Subdomains(p));
                }
                None => patterns.push(Pattern::Exact(parts(&entry).ok_or_else(bad)?)),
            }
        }
        Ok(OriginList {
            patterns,
            own: None,
        })
    }

    /// Also allows this server's own public origin.
    pub fn allow_own(&mut self, public_url: &reqwest::Url) {
        self.own = parts(&public_url.origin().ascii_serialization());
    }

    /// Whether no list was given (every origin is allowed).
    pub fn is_open(&self) -> bool {
        self.patterns.is_empty() || self.patterns.contains(&Pattern::Any)
    }

    /// Whether a browser on `origin` may call. The request's `Host` plays no part: any
    /// client can set it to match the origin it claims.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        if self.is_open() {
            return true;
        }
        let Some(origin) = origin.to_str().ok().and_then(parts) else {
            return false;
        };
        self.own.as_ref() == Some(&origin) || self.patterns.iter().any(|p| p.matches(&origin))
    }
}

/// Whether `origin` is a page on this machine: `localhost` (and its subdomains), 127.0.0.0/8
/// or `[::1]`, any port.
pub fn is_loopback(origin: &HeaderValue) -> bool {
    let Some(origin) = origin.to_str().ok().and_then(parts) else {
        return false;
    };
    let host = origin.host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The mock's origins: pages on this machine, and the `--allowed-origins` given (`*` for
/// any). The mock holds no secret, but another site open in the developer's browser could
/// still drive it, filling its memory and the uploads folder.
#[derive(Clone, Debug)]
pub struct LocalOrigins {
    /// `None` when no list was given: then pages on this machine only.
    listed: Option<OriginList>,
}

impl LocalOrigins {
    pub fn parse(entries: &[String]) -> Result<LocalOrigins, String> {
        let given = entries.iter().any(|o| !o.trim().is_empty());
        Ok(LocalOrigins {
            listed: given.then(|| OriginList::parse(entries)).transpose()?,
        })
    }

    pub fn allows(&self, origin: &HeaderValue) -> bool {
        is_loopback(origin) || self.listed.as_ref().is_some_and(|l| l.allows(origin))
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
        AllowOrigin::predicate(move |origin, _| origins.allows(origin))
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

    #[test]
    fn loopback_origins_are_pages_on_this_machine() {
        for origin in [
            "http://localhost:8787",
            "http://localhost",
            "https://app.localhost:3000",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000",
        ] {
            assert!(is_loopback(&HeaderValue::from_static(origin)), "{origin}");
        }
        for origin in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://192.168.1.10:8787",
            "http://[::2]",
            "null",
            "file://",
        ] {
            assert!(!is_loopback(&HeaderValue::from_static(origin)), "{origin}");
        }
    }

    fn allows(l: &OriginList, origin: &str) -> bool {
        l.allows(&HeaderValue::from_str(origin).unwrap())
    }

    #[test]
    fn exact_and_subdomain_patterns() {
        let l = list(&["https://Shop.example.com/", "https://*.brand.test", " "]);
        assert!(allows(&l, "https://shop.example.com"));
        assert!(allows(&l, "https://shop.example.com:443"));
        assert!(!allows(&l, "http://shop.example.com"));
        assert!(!allows(&l, "https://shop.example.com:8443"));
        assert!(!allows(&l, "https://shop.example.com.evil.test"));
        assert!(allows(&l, "https://a.brand.test"));
        assert!(allows(&l, "https://a.b.brand.test"));
        assert!(!allows(&l, "https://brand.test"));
        assert!(!allows(&l, "https://evilbrand.test"));
        assert!(!allows(&l, "null"));
    }

    #[test]
    fn wildcards_match_parsed_hosts_not_string_suffixes() {
        let l = list(&["https://*.brand.test"]);
        for forged in [
            "https://evil.test?.brand.test",
            "https://evil.test#.brand.test",
            "https://evil.test/.brand.test",
            "https://x.brand.test@evil.test",
            "https://evil.test\\.brand.test",
            "https://a.brand.test:8443",
            "https://a.brand.test/path",
        ] {
            assert!(!allows(&l, forged), "{forged}");
        }
    }

    #[test]
    fn the_host_header_opens_nothing_but_the_public_origin_does() {
        let mut l = list(&["https://a.example"]);
        assert!(!allows(&l, "http://chat.example:8787"));
        l.allow_own(&reqwest::Url::parse("http://chat.example:8787/bubble/").unwrap());
        assert!(allows(&l, "http://chat.example:8787"));
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
            "https://u@a.example",
        ] {
            assert!(OriginList::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
