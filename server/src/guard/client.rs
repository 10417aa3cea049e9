//! What the server knows about the client from its request: its address (for the rate limit)
//! and the origin it reached us on (for absolute links).
//!
//! `X-Forwarded-*` headers are believed only with `--trust-proxy`: without a reverse proxy in
//! front that overwrites them, a client could set them to anything.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request};

/// The rate-limit key of a request: the peer address, or with `trust_proxy` the last
/// `X-Forwarded-For` entry (the one the nearest proxy appended; earlier entries are whatever
/// the client claimed). IPv6 addresses count per /64, since one visitor usually holds a whole
/// /64. A request with neither (an in-process test) gets the unspecified address.
pub fn client_key<B>(req: &Request<B>, trust_proxy: bool) -> IpAddr {
    let forwarded = trust_proxy
        .then(|| last_forwarded_for(req.headers()))
        .flatten();
    let ip = forwarded
        .or_else(|| {
            req.extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    bucket(ip)
}

/// The client an address counts as: itself for IPv4 (and IPv4-mapped IPv6), its /64 for
/// IPv6, since one visitor usually holds a whole /64.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

fn last_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|s| !s.is_empty())?;
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// `scheme://host[/prefix]` of this server as the browser sees it: `public_url` if set, else
/// the request's `Host` (and `X-Forwarded-Proto` when trusted). `X-Forwarded-Host` is never
/// believed: a client that can set it could point every page link at its own host, so a
/// server behind a proxy that changes the host sets `--public-url` instead.
pub fn public_base(headers: &HeaderMap, trust_proxy: bool, public_url: Option<&str>) -> String {
    if let Some(url) = public_url {
        return url.trim_end_matches('/').to_string();
    }
    let scheme = trust_proxy
        .then(|| headers.get("x-forwarded-proto"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| is_host(h))
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// A `Host` value safe to put in a URL: name or address, optional port, nothing else.
fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(xff: Option<&str>, peer: Option<&str>) -> Request<Body> {
        let mut r = Request::builder();
        if let Some(x) = xff {
            r = r.header("x-forwarded-for", x);
        }
        let mut r = r.body(Body::empty()).unwrap();
        if let Some(p) = peer {
            r.extensions_mut()
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        r
    }

    #[test]
    fn forwarded_for_only_when_trusted_and_only_its_last_entry() {
        let r = req(Some("1.1.1.1, 2.2.2.2"), Some("127.0.0.1:5000"));
        assert_eq!(client_key(&r, false).to_string(), "127.0.0.1");
        assert_eq!(client_key(&r, true).to_string(), "2.2.2.2");
        let r = req(Some("garbage"), Some("127.0.0.1:5000"));
        assert_eq!(client_key(&r, true).to_string(), "127.0.0.1");
        assert_eq!(client_key(&req(None, None), false).to_string(), "0.0.0.0");
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a = req(None, Some("[2001:db8:1:2:aaaa::1]:1"));
        let b = req(None, Some("[2001:db8:1:2:bbbb::9]:1"));
        assert_eq!(client_key(&a, false), client_key(&b, false));
        let m = req(None, Some("[::ffff:10.0.0.1]:1"));
        assert_eq!(client_key(&m, false).to_string(), "10.0.0.1");
    }

    #[test]
    fn public_base_prefers_the_configured_url() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "chat.example:8787".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(public_base(&h, false, None), "http://chat.example:8787");
        assert_eq!(public_base(&h, true, None), "https://chat.example:8787");
        assert_eq!(
            public_base(&h, false, Some("https://x.example/chat/")),
            "https://x.example/chat"
        );
        h.insert("x-forwarded-host", "evil.example".parse().unwrap());
        assert_eq!(public_base(&h, true, None), "https://chat.example:8787");
        h.insert(header::HOST, "evil/path?".parse().unwrap());
        assert_eq!(public_base(&h, false, None), "http://localhost");
    }
}
