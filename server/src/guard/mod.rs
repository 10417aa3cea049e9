//! The checks in front of a real backend (proxy and maax mode): origin allow-list and CORS,
//! per-client rate limit, request body size limit, and allow-lists of web chat and chatbot ids.
//!
//! The mock has none of this but the origin check (pages on this machine, see
//! [`origin::LocalOrigins`]): it holds no secret and spends no quota. In front of a paid API
//! they keep other sites and scripts from using this server as a free, keyed gateway.

pub mod client;
pub mod origin;
pub mod rate;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use futures_util::StreamExt;

use crate::api_error::not_found;
use crate::config::GuardArgs;
use crate::upstream::json_error;
use crate::visitor::VisitorKeys;
use origin::OriginList;
use rate::RateLimiter;

/// An id that is safe as one upstream path segment (MaiAgent's are uuids).
pub fn plain_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The guard's settings, in the form tests and the load test build directly.
#[derive(Clone, Debug)]
pub struct GuardSettings {
    pub origins: Vec<String>,
    pub web_chats: Vec<String>,
    pub chatbots: Vec<String>,
    /// Requests per minute per client; 0 turns the limit off.
    pub rate_per_minute: u32,
    pub rate_burst: u32,
    pub trust_proxy: bool,
    pub max_body_bytes: usize,
    pub public_url: Option<String>,
    /// Issues and checks visitor tokens; `None` makes a random secret (tokens then end with
    /// the process).
    pub visitors: Option<VisitorKeys>,
}

impl GuardSettings {
    /// Everything allowed and no rate limit; a 32 KiB body limit.
    pub fn open() -> GuardSettings {
        GuardSettings {
            origins: Vec::new(),
            web_chats: Vec::new(),
            chatbots: Vec::new(),
            rate_per_minute: 0,
            rate_burst: 0,
            trust_proxy: false,
            max_body_bytes: 32 * 1024,
            public_url: None,
            visitors: None,
        }
    }

    pub fn from_args(args: &GuardArgs) -> GuardSettings {
        GuardSettings {
            origins: args.allowed_origins.clone(),
            web_chats: args.allowed_web_chats.clone(),
            chatbots: args.allowed_chatbots.clone(),
            rate_per_minute: args.rate_limit,
            rate_burst: args.rate_burst,
            trust_proxy: args.trust_proxy,
            max_body_bytes: args.max_body_bytes,
            public_url: args.public_url.clone(),
            visitors: None,
        }
    }
}

/// A set of allowed ids; empty allows every id.
#[derive(Clone, Debug, Default)]
pub struct AllowList(HashSet<String>);

impl AllowList {
    pub fn new(ids: &[String]) -> AllowList {
        AllowList(
            ids.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        )
    }

    pub fn allows(&self, id: &str) -> bool {
        self.0.is_empty() || self.0.contains(id)
    }

    pub fn is_open(&self) -> bool {
        self.0.is_empty()
    }
}

/// The guard, shared by the middleware and the handlers.
#[derive(Debug)]
pub struct Guard {
    origins: Arc<OriginList>,
    pub web_chats: AllowList,
    pub chatbots: AllowList,
    rate: Option<RateLimiter>,
    trust_proxy: bool,
    max_body_bytes: usize,
    public_url: Option<String>,
    /// Every call on a conversation needs its visitor's token.
    pub visitors: VisitorKeys,
}

impl Guard {
    /// The refusal for the chatbot of a completions call, if any: 404 unless it is a plain id,
    /// 403 unless it is allowed here.
    pub fn refuse_chatbot(&self, chatbot: &str) -> Option<Response> {
        if !plain_id(chatbot) {
            return Some(not_found());
        }
        if !self.chatbots.allows(chatbot) {
            tracing::info!(%chatbot, "refused: chatbot not allowed");
            return Some(json_error(
                StatusCode::FORBIDDEN,
                "This chatbot is not served here.",
            ));
        }
        None
    }

    /// Fails on a malformed origin pattern or public URL (errors never quote a URL's
    /// credentials).
    pub fn new(settings: &GuardSettings) -> Result<Arc<Guard>, String> {
        let mut origins = OriginList::parse(&settings.origins)?;
        if let Some(url) = settings
            .public_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        {
            let parsed = reqwest::Url::parse(url.trim())
                .map_err(|e| format!("the public URL is not a URL ({e})"))?;
            if !parsed.username().is_empty() || parsed.password().is_some() {
                return Err("the public URL must not carry credentials".into());
            }
            if !matches!(parsed.scheme(), "http" | "https")
                || parsed.host_str().is_none()
                || parsed.query().is_some()
                || parsed.fragment().is_some()
            {
                return Err(format!(
                    "public URL {} must be http(s)://host[/prefix], without a query",
                    parsed.as_str()
                ));
            }
            // Pages this server serves (the demo page) call its API from its public origin:
            // configured, unlike a Host header, so it can be trusted.
            origins.allow_own(&parsed);
        }
        Ok(Arc::new(Guard {
            origins: Arc::new(origins),
            web_chats: AllowList::new(&settings.web_chats),
            chatbots: AllowList::new(&settings.chatbots),
            rate: (settings.rate_per_minute > 0)
                .then(|| RateLimiter::new(settings.rate_per_minute, settings.rate_burst)),
            trust_proxy: settings.trust_proxy,
            max_body_bytes: settings.max_body_bytes,
            public_url: settings.public_url.clone().filter(|u| !u.trim().is_empty()),
            visitors: settings
                .visitors
                .clone()
                .unwrap_or_else(VisitorKeys::generate),
        }))
    }

    /// Warns at startup about settings that leave the door open.
    pub fn log_posture(&self) {
        if self.origins.is_open() {
            tracing::warn!("no --allowed-origins: any website may call this server's API");
        }
        if self.rate.is_none() {
            tracing::warn!("rate limit off (--rate-limit 0)");
        }
        if self.chatbots.is_open() {
            tracing::info!("no --allowed-chatbots: completions for any chatbot id are forwarded");
        }
    }

    /// Puts the origin check, the rate limit and CORS around an API router.
    pub fn apply(self: &Arc<Self>, api: Router) -> Router {
        api.layer(middleware::from_fn_with_state(self.clone(), check))
            .layer(origin::cors(self.origins.clone()))
    }

    /// Reads a request body of at most the configured size; 413 beyond it.
    pub async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
        let limit = self.max_body_bytes;
        let too_large = || {
            json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("The request body is larger than {limit} bytes."),
            )
        };
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut out = Vec::with_capacity(declared.unwrap_or(0));
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                if crate::serve::is_body_timeout(&e) {
                    json_error(
                        StatusCode::REQUEST_TIMEOUT,
                        "The request body took too long to arrive.",
                    )
                } else {
                    json_error(
                        StatusCode::BAD_REQUEST,
                        "The request body could not be read.",
                    )
                }
            })?;
            if out.len() + chunk.len() > limit {
                return Err(too_large());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out.into())
    }

    /// `--public-url` as configured, if it was.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// This server's origin as the browser sees it; see [`client::public_base`].
    pub fn public_base(&self, headers: &HeaderMap) -> String {
        client::public_base(headers, self.trust_proxy, self.public_url.as_deref())
    }
}

/// The answer to a request from a website that may not use this server: 403, before any
/// handler runs. CORS alone only hides answers: a cross-site form post still does its work.
pub fn origin_refusal(origin: &HeaderValue) -> Response {
    tracing::info!(origin = ?origin, "refused: origin not allowed");
    json_error(
        StatusCode::FORBIDDEN,
        "This website is not allowed to use this chat server.",
    )
}

/// The middleware: a disallowed `Origin` gets 403, a client over its rate 429 with
/// `Retry-After`. Preflights never get here (the CORS layer answers them).
async fn check(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        if !guard.origins.allows(origin) {
            return origin_refusal(origin);
        }
    }
    if let Some(rate) = &guard.rate {
        let client = client::client_key(&req, guard.trust_proxy);
        if let Err(wait) = rate.check(client, Instant::now()) {
            let secs = rate::retry_after_secs(wait);
            tracing::info!(%client, retry_after = secs, "refused: rate limit");
            let mut res = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("Too many requests. Please wait {secs} s and try again."),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return res;
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_are_open_when_empty() {
        let l = AllowList::new(&[]);
        assert!(l.allows("anything"));
        let l = AllowList::new(&[" bot-1 ".into(), "".into()]);
        assert!(l.allows("bot-1"));
        assert!(!l.allows("bot-2"));
        assert!(!l.is_open());
    }

    #[test]
    fn bad_public_urls_and_origins_are_refused() {
        let mut s = GuardSettings::open();
        s.public_url = Some("chat.example.com".into());
        assert!(Guard::new(&s).is_err());
        s.public_url = Some("https://chat.example.com/x?y=1".into());
        assert!(Guard::new(&s).is_err());
        s.public_url = Some("https://chat.example.com/bubble".into());
        assert!(Guard::new(&s).is_ok());
        s.origins = vec!["shop.example".into()];
        assert!(Guard::new(&s).is_err());
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused() {
        let mut s = GuardSettings::open();
        s.max_body_bytes = 10;
        let g = Guard::new(&s).unwrap();
        let h = HeaderMap::new();
        let ok = g.read_body(&h, Body::from("0123456789")).await.unwrap();
        assert_eq!(ok.len(), 10);
        let err = g
            .read_body(&h, Body::from("0123456789x"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), 413);
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(1000));
        let err = g.read_body(&h, Body::empty()).await.unwrap_err();
        assert_eq!(err.status(), 413);
    }
}
