//! The widget's requests as the real modes read them: parsed into typed values, every id
//! checked for syntax and length, and (for proxy mode) rebuilt into the body that goes
//! upstream.
//!
//! Forwarding the raw body would forward what was not checked: `{"webChat":"w1",
//! "web_chat":"w2"}` passes an allow-list that reads `webChat`, and the upstream may read the
//! other spelling. Only fields read here ever leave the server.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::api_error::ApiError;
use crate::guard::plain_id;

/// The most attachments one message may carry, and the longest text field of one.
const MAX_ATTACHMENTS: usize = 10;
const MAX_ATTACHMENT_FIELD: usize = 2048;
/// Attachment fields forwarded; the rest are dropped.
const ATTACHMENT_FIELDS: [&str; 4] = ["id", "type", "filename", "file"];

/// The most messages a history page may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The longest cursor accepted (MaiAgent's are short base64 strings).
const MAX_CURSOR: usize = 512;

fn bad_request(body: Value) -> ApiError {
    ApiError::bad_request(body)
}

/// A JSON object, or the 400 Django REST framework would answer.
fn object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_request(
            json!({"non_field_errors": ["Invalid data. Expected a dictionary."]}),
        )),
        Err(_) => Err(bad_request(json!({"detail": "JSON parse error."}))),
    }
}

/// `POST conversations/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConversation {
    pub web_chat: String,
}

impl NewConversation {
    pub fn parse(body: &[u8]) -> Result<NewConversation, ApiError> {
        let map = object(body)?;
        match map.get("webChat") {
            Some(Value::String(w)) if plain_id(w) => Ok(NewConversation {
                web_chat: w.clone(),
            }),
            Some(Value::String(w)) if !w.trim().is_empty() => {
                Err(bad_request(json!({"webChat": ["Not a valid id."]})))
            }
            _ => Err(bad_request(json!({"webChat": ["This field is required."]}))),
        }
    }

    /// The body sent upstream.
    pub fn upstream_body(&self) -> Value {
        json!({ "webChat": self.web_chat })
    }
}

/// `POST chatbots/{id}/completions/`.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// `None` for a null, empty or missing conversation.
    pub conversation: Option<String>,
    pub content: String,
    pub attachments: Vec<Value>,
    pub streaming: bool,
}

impl Completion {
    pub fn parse(body: &[u8]) -> Result<Completion, ApiError> {
        let map = object(body)?;
        let conversation = match map.get("conversation") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) if plain_id(s) => Some(s.clone()),
            Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
            Some(_) => return Err(bad_request(json!({"conversation": ["Not a valid id."]}))),
        };
        let message = map.get("message");
        let content = match message {
            Some(Value::Object(m)) => m.get("content").and_then(Value::as_str),
            Some(Value::String(s)) => Some(s.as_str()),
            _ => None,
        };
        let content = match content {
            None => return Err(bad_request(json!({"message": ["This field is required."]}))),
            Some(c) if c.trim().is_empty() => {
                return Err(bad_request(
                    json!({"message": ["This field may not be blank."]}),
                ))
            }
            Some(c) => c.to_string(),
        };
        let attachments = match message.and_then(|m| m.get("attachments")) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) if list.len() <= MAX_ATTACHMENTS => list
                .iter()
                .map(attachment)
                .collect::<Option<Vec<Value>>>()
                .ok_or_else(|| bad_request(json!({"attachments": ["Not a valid attachment."]})))?,
            Some(_) => {
                return Err(bad_request(
                    json!({"attachments": ["Expected a short list of attachments."]}),
                ))
            }
        };
        let streaming = match map.get("isStreaming").or_else(|| map.get("is_streaming")) {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(bad_request(json!({"isStreaming": ["Must be a boolean."]}))),
        };
        Ok(Completion {
            conversation,
            content,
            attachments,
            streaming,
        })
    }

    /// The body sent upstream: only the fields read above, in MaiAgent's spelling.
    pub fn upstream_body(&self) -> Value {
        json!({
            "conversation": self.conversation,
            "message": {"content": self.content, "attachments": self.attachments},
            "isStreaming": self.streaming,
        })
    }
}

/// One attachment with only its known string fields, or `None` if it is not an object of
/// short strings.
fn attachment(value: &Value) -> Option<Value> {
    let map = value.as_object()?;
    let mut out = Map::new();
    for field in ATTACHMENT_FIELDS {
        match map.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.len() <= MAX_ATTACHMENT_FIELD => {
                out.insert(field.into(), Value::String(s.clone()));
            }
            Some(_) => return None,
        }
    }
    Some(Value::Object(out))
}

/// `GET messages/?conversation=&cursor=&pageSize=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageQuery {
    pub conversation: String,
    pub cursor: Option<String>,
    /// At most [`MAX_PAGE_SIZE`]; `None` leaves the default to whoever pages.
    pub page_size: Option<u32>,
}

impl PageQuery {
    pub fn parse(query: &HashMap<String, String>) -> Result<PageQuery, ApiError> {
        let conversation = match query.get("conversation").map(String::as_str) {
            None | Some("") => {
                return Err(bad_request(
                    json!({"conversation": ["This field is required."]}),
                ))
            }
            Some(c) if plain_id(c) => c.to_string(),
            Some(_) => return Err(bad_request(json!({"conversation": ["Not a valid id."]}))),
        };
        let cursor = match query.get("cursor").map(String::as_str) {
            None | Some("") => None,
            Some(c) if is_cursor(c) => Some(c.to_string()),
            Some(_) => return Err(bad_request(json!({"cursor": ["Not a valid cursor."]}))),
        };
        let page_size = match query.get("pageSize").map(String::as_str) {
            None | Some("") => None,
            Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
                // Digits too many for a u32 still ask for the most.
                let size = n.parse::<u32>().unwrap_or(MAX_PAGE_SIZE).min(MAX_PAGE_SIZE);
                (size > 0).then_some(size)
            }
            Some(_) => {
                return Err(bad_request(
                    json!({"pageSize": ["A whole number is required."]}),
                ))
            }
        };
        Ok(PageQuery {
            conversation,
            cursor,
            page_size,
        })
    }

    /// The query sent upstream.
    pub fn upstream_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("conversation", self.conversation.clone())];
        if let Some(c) = &self.cursor {
            pairs.push(("cursor", c.clone()));
        }
        if let Some(n) = self.page_size {
            pairs.push(("pageSize", n.to_string()));
        }
        pairs
    }
}

/// An opaque cursor: short, and made of characters base64 (either alphabet) and hex use.
fn is_cursor(c: &str) -> bool {
    c.len() <= MAX_CURSOR
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_conversations_keep_only_a_plain_web_chat() {
        let c = NewConversation::parse(br#"{"webChat":"w1","web_chat":"w2","x":1}"#).unwrap();
        assert_eq!(c.upstream_body(), json!({"webChat": "w1"}));
        for bad in [
            &br#"{"webChat":"a/b"}"#[..],
            br#"{"webChat":""}"#,
            br#"{"web_chat":"w2"}"#,
            br#"[1]"#,
            b"nope",
        ] {
            assert_eq!(NewConversation::parse(bad).unwrap_err().0, 400);
        }
    }

    #[test]
    fn completions_are_rebuilt_from_checked_fields() {
        let c = Completion::parse(
            br#"{"conversation":"c1","conversation_id":"c2","message":{"content":"hi",
            "attachments":[{"id":"a","file":"https://f/x","extra":{"deep":1}}],"role":"x"},
            "is_streaming":false,"chatbot":"other"}"#,
        )
        .unwrap();
        assert_eq!(
            c.upstream_body(),
            json!({"conversation": "c1", "message": {"content": "hi",
                "attachments": [{"id": "a", "file": "https://f/x"}]}, "isStreaming": false})
        );
        let n = Completion::parse(br#"{"conversation":42,"message":"hi"}"#).unwrap();
        assert_eq!(n.conversation.as_deref(), Some("42"));
        assert!(n.streaming);
        for bad in [
            &br#"{"conversation":"../x","message":"hi"}"#[..],
            br#"{"conversation":-1,"message":"hi"}"#,
            br#"{"conversation":"c","message":" "}"#,
            br#"{"conversation":"c","message":{"content":"x","attachments":[1]}}"#,
            br#"{"conversation":"c","message":"x","isStreaming":"yes"}"#,
        ] {
            assert_eq!(Completion::parse(bad).unwrap_err().0, 400);
        }
    }

    #[test]
    fn page_queries_check_ids_and_cap_the_size() {
        let q = |pairs: &[(&str, &str)]| {
            PageQuery::parse(
                &pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            )
        };
        let p = q(&[
            ("conversation", "c1"),
            ("cursor", "cD0y"),
            ("pageSize", "5000"),
        ])
        .unwrap();
        assert_eq!(p.page_size, Some(MAX_PAGE_SIZE));
        assert_eq!(
            q(&[("conversation", "c1"), ("pageSize", "99999999999999999999")])
                .unwrap()
                .page_size,
            Some(MAX_PAGE_SIZE)
        );
        assert_eq!(
            q(&[("conversation", "c1"), ("pageSize", "0")])
                .unwrap()
                .page_size,
            None
        );
        for bad in [
            &[("conversation", "a&b")][..],
            &[("conversation", "")],
            &[("conversation", "c"), ("cursor", "x y")],
            &[("conversation", "c"), ("pageSize", "-3")],
            &[("conversation", "c"), ("pageSize", "ten")],
        ] {
            assert_eq!(q(bad).unwrap_err().0, 400, "{bad:?}");
        }
    }
}
