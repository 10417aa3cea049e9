//! Proxy mode: the widget's five MaiAgent calls, forwarded to the real API with the secret
//! key added, so the key never has to be in a page.
//!
//! # Routes
//!
//! Under both `/api/v1/` and `/api/` (each also without the trailing slash), exactly these and
//! nothing else of the upstream API:
//!
//! | route | forwarded as |
//! |---|---|
//! | `POST conversations/` | `POST {upstream}conversations/` `{"webChat"}`; 403 if `webChat` is not in `--allowed-web-chats`; the answer gains `visitorToken` |
//! | `GET conversations/{id}/` | `GET {upstream}conversations/{id}/` |
//! | `POST chatbots/{id}/completions/` | a rebuilt body; streamed back chunk by chunk; 403 if the id is not in `--allowed-chatbots`; 400 for a null conversation |
//! | `GET messages/?conversation=&cursor=&pageSize=` | only those three parameters, checked; `conversation` is required (without it the upstream would list every conversation's messages); `pageSize` at most 100; `next`/`previous` rewritten to point here |
//! | `GET messages/{id}/` | `GET {upstream}messages/{id}/`, relayed if the caller holds the token of the message's conversation |
//!
//! Every call on a conversation needs its visitor token ([`crate::visitor`]). Bodies and
//! queries are parsed and rebuilt ([`crate::requests`]); ids must be plain (`[A-Za-z0-9_-]`),
//! so no path can reach another upstream endpoint. The browser's own `Authorization`, cookies,
//! `Accept` and other headers are not forwarded.
//!
//! # Errors
//!
//! Upstream 400/404/409/410/413/422 pass through with their JSON body (field errors mean
//! something to the widget); 401/403 (the key was refused) become 502, 429 stays 429 with
//! `Retry-After`, other statuses become 502, no connection 502, no headers within the
//! first-byte timeout 504: always `{"detail": "…"}`. A stream whose upstream goes silent for
//! the idle timeout, or breaks, is cut (the body ends in an error, as a dropped connection
//! would), so the widget shows its retry.

pub mod forward;
pub mod handlers;
pub mod links;
pub mod reframe;

use std::sync::Arc;

use axum::http::{header, HeaderMap, Method};
use axum::routing::{get, post};
use axum::Router;

use crate::api_routes::{self, ApiHandlers};
use crate::guard::Guard;
use crate::requests::Completion;
use crate::secret::Secret;
use crate::uploads::{AttachmentRefusal, Uploads};
use crate::upstream::{self, Timeouts};

/// What proxy mode needs besides the guard.
#[derive(Clone, Debug)]
pub struct ProxySettings {
    /// MaiAgent API base URL, e.g. `https://api.maiagent.ai/api/v1/`.
    pub upstream_url: String,
    pub key: Secret,
    pub timeouts: Timeouts,
    /// The files this server keeps: a message's attachments must be among them (`None`: no
    /// attachment is accepted).
    pub uploads: Option<Arc<Uploads>>,
}

/// The proxy's shared state.
#[derive(Debug)]
pub struct ProxyState {
    client: reqwest::Client,
    /// The base URL, ending in `/`.
    base: String,
    key: Secret,
    timeouts: Timeouts,
    guard: Arc<Guard>,
    uploads: Option<Arc<Uploads>>,
}

impl ProxyState {
    /// Fails on a base URL that is not http(s) or a client that cannot be built.
    pub fn new(settings: ProxySettings, guard: Arc<Guard>) -> Result<Arc<ProxyState>, String> {
        let base = base_url(&settings.upstream_url)?;
        Ok(Arc::new(ProxyState {
            client: upstream::client(&settings.timeouts)?,
            base,
            key: settings.key,
            timeouts: settings.timeouts,
            guard,
            uploads: settings.uploads,
        }))
    }

    /// Checks that every attachment of `ask` is a file this server stored for
    /// `conversation`, still there and within its retention, and sets each one's `type` from
    /// the kind the file was stored as (a client calling a text file an image does not make
    /// MaiAgent read it as one). The URLs are checked first, all of them, and only then the
    /// storage, each file's metadata at once: a message with a foreign URL costs no storage
    /// call, and one with many files waits for the slowest check only.
    async fn check_attachments(
        &self,
        headers: &HeaderMap,
        conversation: &str,
        ask: &mut Completion,
    ) -> Result<(), AttachmentRefusal> {
        if ask.attachments.is_empty() {
            return Ok(());
        }
        let Some(uploads) = &self.uploads else {
            return Err(AttachmentRefusal::Foreign);
        };
        let mut names = Vec::with_capacity(ask.attachments.len());
        for attachment in &mut ask.attachments {
            let file = attachment.get("file").and_then(|f| f.as_str());
            let (name, kind) = match file {
                Some(file) => uploads.issued(headers, conversation, file)?,
                None => return Err(AttachmentRefusal::Foreign),
            };
            let Some(fields) = attachment.as_object_mut() else {
                return Err(AttachmentRefusal::Foreign);
            };
            fields.insert("type".into(), kind.into());
            names.push(name);
        }
        let checks = names.iter().map(|name| uploads.still_stored(name));
        futures_util::future::join_all(checks)
            .await
            .into_iter()
            .collect()
    }

    /// The upstream base URL (ending in `/`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// An upstream request to `{base}{path}` carrying the key and asking for JSON.
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_accepting(method, path, "application/json")
    }

    fn request_accepting(
        &self,
        method: Method,
        path: &str,
        accept: &'static str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header(header::AUTHORIZATION, self.key.header_value("Api-Key "))
            .header(header::ACCEPT, accept)
            // What is relayed must be readable as it comes: see `upstream::is_encoded`.
            .header(header::ACCEPT_ENCODING, "identity")
    }

    /// An upstream POST of a JSON body, accepting `accept`.
    fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
        accept: &'static str,
    ) -> reqwest::RequestBuilder {
        self.request_accepting(Method::POST, path, accept)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
    }
}

/// Checks an upstream base URL and gives it its trailing slash. Errors never quote the URL:
/// one that carries credentials would put its password in the log.
pub fn base_url(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim())
        .map_err(|e| format!("the upstream URL is not a URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the upstream URL must not carry credentials (user:password@); the key is sent \
             as a header"
                .into(),
        );
    }
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "the upstream URL {} must be http(s)://host/...",
            url.as_str()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the upstream URL {} must not carry a query or fragment",
            url.as_str()
        ));
    }
    let mut base = url.to_string();
    if !base.ends_with('/') {
        base.push('/');
    }
    Ok(base)
}

/// The proxy's routes with the guard (origin check, rate limit, CORS) around them.
pub fn router(state: Arc<ProxyState>) -> Router {
    let guard = state.guard.clone();
    let api = api_routes::under_both_prefixes(api).with_state(state);
    guard.apply(api)
}

fn api() -> Router<Arc<ProxyState>> {
    api_routes::routes(ApiHandlers {
        create_conversation: post(handlers::create_conversation),
        get_conversation: get(handlers::get_conversation),
        completions: post(handlers::completions),
        list_messages: get(handlers::list_messages),
        get_message: get(handlers::get_message),
    })
    .fallback(handlers::fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_a_trailing_slash_and_bad_ones_are_refused() {
        assert_eq!(
            base_url("https://api.maiagent.ai/api/v1").unwrap(),
            "https://api.maiagent.ai/api/v1/"
        );
        assert_eq!(
            base_url("http://127.0.0.1:9/api/").unwrap(),
            "http://127.0.0.1:9/api/"
        );
        for bad in [
            "api.maiagent.ai",
            "ftp://x/",
            "https://u:p@x/",
            "http://:hunter2@x/",
            "https://u@x/",
            "https://x/?a=1",
            "",
        ] {
            let e = base_url(bad).unwrap_err();
            assert!(!e.contains("hunter2") && !e.contains("u:p"), "{e}");
        }
    }
}
