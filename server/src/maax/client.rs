//! Calls to Maax AI's V1 API, each one configurable in path, method and where its parameters
//! go, since the vendor's pages disagree on all three.
//!
//! Every call carries the key in the `2hd-api-key` header (marked sensitive) and nothing of the
//! visitor's request except the message text.

use std::time::Duration;

use axum::http::{header, HeaderName};
use reqwest::{Method, RequestBuilder};
use serde_json::{Map, Value};

use super::{prospect, MaaxSettings};
use crate::config::{ParamPlace, UpstreamMethod};
use crate::upstream::{self, Failure};

/// The header Maax reads the key from.
pub const KEY_HEADER: HeaderName = HeaderName::from_static("2hd-api-key");

/// The most of a Maax answer we read; histories of long conversations fit easily.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// One poll of `retrieve_answer`.
#[derive(Debug)]
pub enum Poll {
    /// The answer.
    Ready(String),
    /// Not there yet (an empty answer, 202, 204, 404, 425, or 429 with its `Retry-After`).
    Pending(Option<Duration>),
    /// Worth another try (timeout, broken connection, 5xx), up to a few times in a row.
    Transient(Failure),
    /// No answer will come (400, 401, 403, …).
    Failed(Failure),
}

/// Why a history could not be read.
#[derive(Debug)]
pub enum HistoryError {
    /// 400/403/404: Maax's answers for a conversation that is not (or no longer) ours.
    NotFound,
    Failed(Failure),
}

/// The Maax client.
#[derive(Debug)]
pub struct MaaxClient {
    http: reqwest::Client,
    settings: MaaxSettings,
}

impl MaaxClient {
    pub fn new(settings: MaaxSettings) -> Result<MaaxClient, String> {
        Ok(MaaxClient {
            http: upstream::client(&settings.timeouts)?,
            settings,
        })
    }

    pub fn settings(&self) -> &MaaxSettings {
        &self.settings
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.base_url, path.trim_start_matches('/'))
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(KEY_HEADER, self.settings.key.header_value(""))
            .header(header::ACCEPT, "application/json")
    }

    /// A request carrying `params` as a JSON body or as query parameters.
    fn with_params(
        &self,
        method: Method,
        path: &str,
        params: Map<String, Value>,
    ) -> RequestBuilder {
        let as_query = method == Method::GET || self.settings.params == ParamPlace::Query;
        let request = self.request(method, path);
        if as_query {
            let pairs: Vec<(String, String)> = params
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect();
            request.query(&pairs)
        } else {
            request.json(&Value::Object(params))
        }
    }

    /// Sends and reads a JSON answer, all within the total timeout; statuses that are not a
    /// success become failures.
    async fn call(&self, request: RequestBuilder) -> Result<(u16, Value), Failure> {
        let total = self.settings.timeouts.total;
        tokio::time::timeout(total, self.exchange(request))
            .await
            .unwrap_or(Err(Failure::TimedOut))
    }

    async fn exchange(&self, request: RequestBuilder) -> Result<(u16, Value), Failure> {
        let t = self.settings.timeouts;
        let response = upstream::send(request, t.first_byte).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(upstream::status_failure(status, response.headers()));
        }
        let body = upstream::read_body(response, t.idle, MAX_BODY_BYTES).await?;
        if body.is_empty() {
            return Ok((status.as_u16(), Value::Null));
        }
        serde_json::from_slice(&body)
            .map(|v| (status.as_u16(), v))
            .map_err(|_| Failure::Broken)
    }

    /// Parameters every answer-related call shares. Each call adds its own `prospect_info`:
    /// the configured one names the conversation, which only some calls know.
    fn common(&self) -> Map<String, Value> {
        let s = &self.settings;
        let mut p = Map::new();
        p.insert("service_type".into(), s.service_type.clone().into());
        if let Some(v) = &s.prospect_id {
            p.insert("prospect_id".into(), id_value(v));
        }
        p
    }

    /// `initiate_answer_generation` → `incoming_message_id`.
    pub async fn initiate(&self, content: &str, conversation: &str) -> Result<String, Failure> {
        let s = &self.settings;
        let mut p = self.common();
        if let Some(template) = &s.prospect_info {
            p.insert(
                "prospect_info".into(),
                prospect::for_conversation(template, conversation),
            );
        }
        p.insert("message_content".into(), content.into());
        p.insert("platform".into(), s.platform.clone().into());
        p.insert("conversation_id".into(), id_value(conversation));
        if let Some(v) = &s.ai_id {
            p.insert("ai_id".into(), id_value(v));
        }
        if let Some(v) = &s.output_format {
            p.insert("output_format".into(), v.clone().into());
        }
        let (_, body) = self
            .call(self.with_params(Method::POST, &s.initiate_path, p))
            .await?;
        id_field(&body, "incoming_message_id").ok_or(Failure::Broken)
    }

    /// One poll of `retrieve_answer`.
    pub async fn retrieve(&self, incoming_message_id: &str) -> Poll {
        let s = &self.settings;
        let mut p = Map::new();
        p.insert("service_type".into(), s.service_type.clone().into());
        p.insert("incoming_message_id".into(), incoming_message_id.into());
        let request = self.with_params(Method::GET, &s.retrieve_path, p);
        match self.call(request).await {
            Ok((202 | 204, _)) => Poll::Pending(None),
            Ok((_, body)) => match body.get("answer") {
                Some(Value::String(answer)) if !answer.trim().is_empty() => {
                    Poll::Ready(answer.clone())
                }
                _ => Poll::Pending(None),
            },
            Err(Failure::Status(404 | 425)) => Poll::Pending(None),
            Err(Failure::RateLimited(retry_after)) => Poll::Pending(
                retry_after
                    .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            ),
            Err(f @ (Failure::TimedOut | Failure::Unreachable | Failure::Broken)) => {
                Poll::Transient(f)
            }
            Err(Failure::Status(code)) if code >= 500 => Poll::Transient(Failure::Status(code)),
            Err(f) => Poll::Failed(f),
        }
    }

    /// V2 `outgoing-messages`: asks for an answer to `content`, to be posted to `answer_url`,
    /// and later follow-ups to `followup_url`. Any success will do: the answer comes by webhook.
    pub async fn send_v2(
        &self,
        content: &str,
        conversation: &str,
        prospect_info: Option<Value>,
        answer_url: &str,
        followup_url: &str,
    ) -> Result<(), Failure> {
        let s = &self.settings;
        let mut p = self.common();
        p.insert("message_content".into(), content.into());
        p.insert("platform".into(), s.platform.clone().into());
        p.insert("conversation_id".into(), id_value(conversation));
        if let Some(v) = &s.ai_id {
            p.insert("ai_id".into(), id_value(v));
        }
        if let Some(v) = &s.output_format {
            p.insert("output_format".into(), v.clone().into());
        }
        if let Some(info) = prospect_info {
            p.insert("prospect_info".into(), info);
        }
        p.insert("send_response_url".into(), answer_url.into());
        p.insert("followup_url".into(), followup_url.into());
        self.call(self.with_params(Method::POST, &s.v2_send_path, p))
            .await
            .map(|_| ())
    }

    /// V2's conversation history (POST), as Maax gives it.
    pub async fn history_v2(&self, conversation: &str) -> Result<Value, HistoryError> {
        let s = &self.settings;
        let path = s.v2_history_path.replace("{id}", conversation);
        let mut p = Map::new();
        p.insert("conversation_id".into(), id_value(conversation));
        match self.call(self.with_params(Method::POST, &path, p)).await {
            Ok((_, body)) => Ok(body),
            Err(Failure::Status(400 | 404) | Failure::Credentials(403)) => {
                Err(HistoryError::NotFound)
            }
            Err(f) => Err(HistoryError::Failed(f)),
        }
    }

    /// `create-conversation` → `conversation_id`, for the visitor's own `prospect_info` if
    /// they gave it, else the configured one unless it names the conversation (whose id this
    /// call is to make).
    pub async fn create_conversation(&self, given: Option<Value>) -> Result<String, Failure> {
        let s = &self.settings;
        let mut p = self.common();
        let info = given.or_else(|| {
            s.prospect_info
                .as_ref()
                .and_then(prospect::before_conversation)
        });
        if let Some(info) = info {
            p.insert("prospect_info".into(), info);
        }
        let request = self.with_params(Method::POST, &s.create_conversation_path, p);
        let (_, body) = self.call(request).await?;
        id_field(&body, "conversation_id").ok_or(Failure::Broken)
    }

    /// The conversation's history as Maax gives it (a JSON value holding the message list).
    pub async fn history(&self, conversation: &str) -> Result<Value, HistoryError> {
        let s = &self.settings;
        let path = s.history_path.replace("{id}", conversation);
        let mut p = Map::new();
        p.insert("conversation_id".into(), id_value(conversation));
        p.insert("service_type".into(), s.service_type.clone().into());
        let method = match s.history_method {
            UpstreamMethod::Get => Method::GET,
            UpstreamMethod::Post => Method::POST,
        };
        match self.call(self.with_params(method, &path, p)).await {
            Ok((_, body)) => Ok(body),
            Err(Failure::Status(400 | 404) | Failure::Credentials(403)) => {
                Err(HistoryError::NotFound)
            }
            Err(f) => Err(HistoryError::Failed(f)),
        }
    }
}

/// Maax ids are integers: send a numeric id as a JSON number, anything else as a string.
fn id_value(id: &str) -> Value {
    id.trim()
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(id))
}

/// An id field that may come as a number or a string.
fn id_field(body: &Value, key: &str) -> Option<String> {
    match body.get(key)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_travel_as_numbers_when_they_are() {
        assert_eq!(id_value("42"), json!(42));
        assert_eq!(id_value("abc"), json!("abc"));
        assert_eq!(id_field(&json!({"x": 7}), "x").as_deref(), Some("7"));
        assert_eq!(id_field(&json!({"x": " 7 "}), "x").as_deref(), Some("7"));
        assert_eq!(id_field(&json!({"x": null}), "x"), None);
        assert_eq!(id_field(&json!({}), "x"), None);
    }
}
