//! Maax mode: the MaiAgent-shaped API the widget speaks, answered by Maax AI's V1 API
//! (initiate, then poll) or its V2 API (answers and follow-ups posted to webhooks; see [`v2`]).
//!
//! Maax cannot be called from a browser (its key is a secret header, and V2 answers go to
//! webhooks), so the server adapts it and the widget stays the same.
//!
//! | widget call | Maax calls |
//! |---|---|
//! | `POST conversations/` | `create-conversation` → 201 conversation whose `id` is Maax's `conversation_id` |
//! | `GET conversations/{id}/` | the history (to see that it exists) → conversation, or 404 |
//! | `POST chatbots/{id}/completions/` | `initiate_answer_generation` (a null `conversation` is 400), then `retrieve_answer` polled with a growing pause and a bound; streamed as `: keepalive` comments, then one delta and `done` |
//! | `GET messages/?conversation=&cursor=&pageSize=` | the history, mapped ([`mapping`]) and paged here, newest first |
//! | `GET messages/{id}/` | the history, the message at the id's index |
//!
//! Every call on a conversation needs its visitor token ([`crate::visitor`]): Maax's ids are
//! small integers. Answers and history are scrubbed of the key.
//!
//! Hosts, paths, methods, where POST parameters go and the service type are all settings,
//! since the vendor's pages disagree on them. The key goes in `2hd-api-key`. The guard (origins,
//! rate limit, body size, id allow-lists) works as in proxy mode; the chatbot id in the path is
//! only checked against the allow-list, Maax has no such thing.

pub mod answer;
pub mod client;
pub mod followups;
pub mod handlers;
pub mod html;
pub mod mapping;
pub mod prospect;
pub mod redis_link;
pub mod relay;
pub mod v2;
pub mod waiters;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;

use crate::api_routes::{self, ApiHandlers};
use crate::config::{MaaxApi, MaaxArgs, ParamPlace, UpstreamMethod};
use crate::guard::Guard;
use crate::secret::Secret;
use crate::upstream::Timeouts;
use answer::PollPolicy;
use client::MaaxClient;

/// Everything maax mode needs besides the guard.
#[derive(Clone, Debug)]
pub struct MaaxSettings {
    /// Ends in `/`.
    pub base_url: String,
    pub api: MaaxApi,
    pub v2_send_path: String,
    /// `{id}` is replaced by the conversation id.
    pub v2_history_path: String,
    /// V2 with several instances: the Redis they share.
    pub pubsub_url: Option<String>,
    pub initiate_path: String,
    pub retrieve_path: String,
    pub create_conversation_path: String,
    /// `{id}` is replaced by the conversation id.
    pub history_path: String,
    pub history_method: UpstreamMethod,
    pub params: ParamPlace,
    pub service_type: String,
    pub platform: String,
    pub ai_id: Option<String>,
    pub output_format: Option<String>,
    pub prospect_id: Option<String>,
    pub prospect_info: Option<Value>,
    pub poll: PollPolicy,
    pub keepalive: Duration,
    pub key: Secret,
    pub timeouts: Timeouts,
}

impl MaaxSettings {
    /// The defaults of the command line, for `base_url`.
    pub fn new(base_url: &str, key: Secret) -> Result<MaaxSettings, String> {
        Ok(MaaxSettings {
            base_url: crate::proxy::base_url(base_url)?,
            api: MaaxApi::V1,
            v2_send_path: "api/v2/outgoing-messages/".into(),
            v2_history_path: "api/v2/conversations/{id}/".into(),
            pubsub_url: None,
            initiate_path: "api/initiate_answer_generation/".into(),
            retrieve_path: "api/retrieve_answer/".into(),
            create_conversation_path: "api/create-conversation/".into(),
            history_path: "api/get_conversations_history/".into(),
            history_method: UpstreamMethod::Get,
            params: ParamPlace::Json,
            service_type: "customer_support_automation".into(),
            platform: "website".into(),
            ai_id: None,
            output_format: None,
            prospect_id: None,
            prospect_info: None,
            poll: PollPolicy {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(5),
                answer_timeout: Duration::from_secs(180),
            },
            keepalive: Duration::from_secs(15),
            key,
            timeouts: Timeouts::default(),
        })
    }

    pub fn from_args(
        args: &MaaxArgs,
        key: Secret,
        timeouts: Timeouts,
    ) -> Result<MaaxSettings, String> {
        let prospect_info = match args.maax_prospect_info.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => Some(v),
                _ => return Err("--maax-prospect-info must be a JSON object".into()),
            },
        };
        let blank_to_none = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        if args.keepalive_secs == 0 {
            return Err("--keepalive-secs must be at least 1".into());
        }
        let v2 = args.maax_api == MaaxApi::V2;
        let service_type = blank_to_none(&args.maax_service_type).unwrap_or_else(|| {
            if v2 {
                "sales_automation"
            } else {
                "customer_support_automation"
            }
            .into()
        });
        let output_format = match blank_to_none(&args.maax_output_format) {
            None if v2 => Some("plain_text".into()),
            other => other,
        };
        let ai_id = blank_to_none(&args.maax_ai_id);
        if v2 && ai_id.is_none() {
            return Err("--maax-api v2 needs --maax-ai-id (the Sales AI's id)".into());
        }
        let prospect_info = match prospect_info {
            None if v2 => Some(v2::default_prospect_info()),
            other => other,
        };
        Ok(MaaxSettings {
            api: args.maax_api,
            v2_send_path: args.maax_v2_send_path.clone(),
            v2_history_path: args.maax_v2_history_path.clone(),
            pubsub_url: blank_to_none(&args.pubsub_url),
            initiate_path: args.maax_initiate_path.clone(),
            retrieve_path: args.maax_retrieve_path.clone(),
            create_conversation_path: args.maax_create_conversation_path.clone(),
            history_path: args.maax_history_path.clone(),
            history_method: args.maax_history_method,
            params: args.maax_params,
            service_type,
            platform: args.maax_platform.clone(),
            ai_id,
            output_format,
            prospect_id: blank_to_none(&args.maax_prospect_id),
            prospect_info,
            poll: PollPolicy {
                initial: Duration::from_millis(args.maax_poll_initial_ms.max(1)),
                max: Duration::from_millis(args.maax_poll_max_ms.max(1)),
                answer_timeout: Duration::from_secs(args.maax_answer_timeout_secs),
            },
            keepalive: Duration::from_secs(args.keepalive_secs),
            timeouts,
            ..MaaxSettings::new(&args.maax_url, key)?
        })
    }
}

/// Maax mode's shared state.
#[derive(Debug)]
pub struct MaaxState {
    client: Arc<MaaxClient>,
    guard: Arc<Guard>,
    /// V2's webhooks, relay and follow-ups; `None` with V1.
    pub v2: Option<v2::V2>,
}

impl MaaxState {
    /// Needs a Tokio runtime with V2 and Redis (the subscription starts at once).
    pub fn new(settings: MaaxSettings, guard: Arc<Guard>) -> Result<Arc<MaaxState>, String> {
        let v2 = match settings.api {
            MaaxApi::V1 => None,
            MaaxApi::V2 => Some(v2::V2::new(&guard, settings.pubsub_url.as_deref())?),
        };
        Ok(Arc::new(MaaxState {
            client: Arc::new(MaaxClient::new(settings)?),
            guard,
            v2,
        }))
    }

    /// The Maax base URL.
    pub fn base(&self) -> &str {
        &self.client.settings().base_url
    }
}

/// Maax mode's routes, with the guard around them.
pub fn router(state: Arc<MaaxState>) -> Router {
    let guard = state.guard.clone();
    // Maax posts to the webhooks from its servers: no browser origin, no visitor rate; their
    // own token and body limit guard them.
    let hooks = state
        .v2
        .is_some()
        .then(|| v2::webhook_routes().with_state(state.clone()));
    let api = api_routes::under_both_prefixes(api).with_state(state);
    let api = guard.apply(api);
    match hooks {
        Some(hooks) => api.merge(hooks),
        None => api,
    }
}

fn api() -> Router<Arc<MaaxState>> {
    api_routes::routes(ApiHandlers {
        create_conversation: post(handlers::create_conversation),
        get_conversation: get(handlers::get_conversation),
        completions: post(handlers::completions),
        list_messages: get(handlers::list_messages),
        get_message: get(handlers::get_message),
    })
    .fallback(crate::proxy::handlers::fallback)
}
