//! The webhooks V2 posts answers and follow-ups to: their unguessable URLs, and reading the
//! text out of whatever body arrives.
//!
//! Each request to Maax gets its own URLs `{public}/maax/v2/{answer|followup}/{conversation}/{token}`
//! where the token is a random nonce and an HMAC over the kind, the conversation and the nonce.
//! The nonce makes each URL unguessable and names the waiting request; the MAC lets any
//! instance that shares the visitor secret check a URL without having issued it (the webhook
//! may reach another instance than the one holding the visitor's stream), and binds the URL to
//! its conversation, so a follow-up URL cannot be pointed at another visitor's conversation.
//!
//! Maax does not document the body it posts, so [`read_text`] is lenient: JSON with the text
//! under one of the usual names (also one level down, under `data` and the like), a bare JSON
//! string, a form, or plain text. What it cannot read is logged by shape only, never by content.

use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::visitor::VisitorKeys;

/// The two webhooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Answer,
    FollowUp,
}

impl Kind {
    /// The URL segment.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::FollowUp => "followup",
        }
    }
}

/// The path the webhooks are served under, before `{kind}/{conversation}/{token}`.
pub const PREFIX: &str = "/maax/v2";

/// The largest webhook body read; an answer is text for a chat bubble.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// What the webhook key is derived for (see [`VisitorKeys::derive`]).
const PURPOSE: &str = "maax v2 webhook";

/// Nonce bytes: 128 bits cannot be guessed.
const NONCE_BYTES: usize = 16;

/// Signs and checks webhook tokens.
#[derive(Clone)]
pub struct WebhookKeys {
    key: [u8; 32],
    /// Keys of the earlier visitor secrets during a rotation: a follow-up may come long after
    /// its URL was made.
    earlier: Vec<[u8; 32]>,
}

impl std::fmt::Debug for WebhookKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKeys(<redacted>)")
    }
}

impl WebhookKeys {
    pub fn new(visitors: &VisitorKeys) -> WebhookKeys {
        WebhookKeys {
            key: visitors.derive(PURPOSE),
            earlier: visitors.derive_earlier(PURPOSE),
        }
    }

    fn mac(&self, kind: Kind, conversation: &str, nonce: &str) -> Hmac<Sha256> {
        WebhookKeys::mac_with(&self.key, kind, conversation, nonce)
    }

    fn mac_with(key: &[u8; 32], kind: Kind, conversation: &str, nonce: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        for part in [kind.segment(), conversation, nonce] {
            mac.update(part.as_bytes());
            mac.update(b"\0");
        }
        mac
    }

    /// A fresh nonce for one request.
    pub fn nonce() -> String {
        let bytes: [u8; NONCE_BYTES] = rand::random();
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The token of one webhook URL: `<nonce>.<mac>`.
    pub fn token(&self, kind: Kind, conversation: &str, nonce: &str) -> String {
        let tag = self.mac(kind, conversation, nonce).finalize().into_bytes();
        format!("{nonce}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The nonce of a token issued for this kind and conversation (under the current visitor
    /// secret or an earlier one), or `None`.
    pub fn verify<'t>(&self, kind: Kind, conversation: &str, token: &'t str) -> Option<&'t str> {
        if token.len() > 128 {
            return None;
        }
        let (nonce, tag) = token.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        std::iter::once(&self.key)
            .chain(&self.earlier)
            .any(|key| {
                WebhookKeys::mac_with(key, kind, conversation, nonce)
                    .verify_slice(&tag)
                    .is_ok()
            })
            .then_some(nonce)
    }

    /// The full URL of one webhook under `public_base` (no trailing slash).
    pub fn url(&self, public_base: &str, kind: Kind, conversation: &str, nonce: &str) -> String {
        format!(
            "{}{PREFIX}/{}/{conversation}/{}",
            public_base.trim_end_matches('/'),
            kind.segment(),
            self.token(kind, conversation, nonce)
        )
    }
}

/// The names the text may come under, most likely first.
const TEXT_KEYS: [&str; 14] = [
    "answer",
    "response",
    "message",
    "content",
    "text",
    "message_content",
    "followup",
    "follow_up",
    "followup_message",
    "body",
    "reply",
    "output",
    "result",
    "data",
];

/// Where the text may sit one level down.
const WRAPPERS: [&str; 6] = ["data", "payload", "result", "response", "message", "body"];

fn text_in(map: &Map<String, Value>) -> Option<String> {
    TEXT_KEYS.iter().find_map(|k| match map.get(*k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    })
}

fn text_of_json(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Object(map) => text_in(map).or_else(|| {
            WRAPPERS.iter().find_map(|k| match map.get(*k)? {
                Value::Object(inner) => text_in(inner),
                _ => None,
            })
        }),
        _ => None,
    }
}

/// A description of a body for the log: its kind and, for objects, its field names (a few,
/// shortened), never its values.
pub fn shape(body: &[u8], headers: &HeaderMap) -> String {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none");
    let kind = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            let keys: Vec<String> = map
                .keys()
                .take(12)
                .map(|k| k.chars().take(32).collect())
                .collect();
            format!("JSON object with fields {keys:?}")
        }
        Ok(Value::Array(a)) => format!("JSON array of {}", a.len()),
        Ok(Value::Null) => "JSON null".into(),
        Ok(_) => "JSON scalar".into(),
        Err(_) => "not JSON".into(),
    };
    format!(
        "{kind}, {} bytes, content type {:?}",
        body.len(),
        content_type.chars().take(64).collect::<String>()
    )
}

/// The text of a webhook body, or `None` when no text can be found in it.
pub fn read_text(body: &[u8], headers: &HeaderMap) -> Option<String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return text_of_json(&value);
    }
    let text = std::str::from_utf8(body).ok()?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let pairs: Map<String, Value> = form_urlencoded_pairs(text)
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return text_in(&pairs);
    }
    if content_type.starts_with("text/") || content_type.is_empty() {
        return Some(text.to_string()).filter(|t| !t.trim().is_empty());
    }
    None
}

/// `a=1&b=x+y%21` decoded.
fn form_urlencoded_pairs(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys() -> WebhookKeys {
        WebhookKeys::new(&VisitorKeys::new(b"0123456789abcdef0123").unwrap())
    }

    #[test]
    fn tokens_bind_kind_conversation_and_nonce() {
        let k = keys();
        let nonce = WebhookKeys::nonce();
        assert_eq!(nonce.len(), 22);
        let t = k.token(Kind::Answer, "42", &nonce);
        assert_eq!(k.verify(Kind::Answer, "42", &t), Some(nonce.as_str()));
        assert_eq!(k.verify(Kind::FollowUp, "42", &t), None);
        assert_eq!(k.verify(Kind::Answer, "43", &t), None);
        let forged = format!("{}x.{}", nonce, t.split_once('.').unwrap().1);
        assert_eq!(k.verify(Kind::Answer, "42", &forged), None);
        assert_eq!(k.verify(Kind::Answer, "42", "nonsense"), None);
        let other = WebhookKeys::new(&VisitorKeys::new(b"another secret of enough bytes").unwrap());
        assert_eq!(other.verify(Kind::Answer, "42", &t), None);
        assert_ne!(WebhookKeys::nonce(), nonce);
        let url = k.url("https://chat.example/", Kind::FollowUp, "42", &nonce);
        assert!(
            url.starts_with("https://chat.example/maax/v2/followup/42/"),
            "{url}"
        );
    }

    #[test]
    fn tokens_of_an_earlier_visitor_secret_still_verify_during_a_rotation() {
        let before = keys();
        let nonce = WebhookKeys::nonce();
        let t = before.token(Kind::FollowUp, "42", &nonce);
        let rotating = WebhookKeys::new(
            &VisitorKeys::rotating(b"the secret after rotation", &[b"0123456789abcdef0123"])
                .unwrap(),
        );
        assert_eq!(
            rotating.verify(Kind::FollowUp, "42", &t),
            Some(nonce.as_str())
        );
        assert_eq!(rotating.verify(Kind::Answer, "42", &t), None);
        // New tokens are signed with the new secret alone.
        let fresh = rotating.token(Kind::FollowUp, "42", &nonce);
        assert_ne!(fresh, t);
        assert_eq!(before.verify(Kind::FollowUp, "42", &fresh), None);
        let rotated = WebhookKeys::new(&VisitorKeys::new(b"the secret after rotation").unwrap());
        assert_eq!(
            rotated.verify(Kind::FollowUp, "42", &fresh),
            Some(nonce.as_str())
        );
        assert_eq!(rotated.verify(Kind::FollowUp, "42", &t), None);
    }

    fn h(ct: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        if !ct.is_empty() {
            m.insert(header::CONTENT_TYPE, ct.parse().unwrap());
        }
        m
    }

    #[test]
    fn texts_are_found_in_many_shapes() {
        let j = "application/json";
        for (body, want) in [
            (json!({"answer": "A"}), "A"),
            (json!({"response": "B", "conversation_id": 4}), "B"),
            (json!({"data": {"message": "C"}}), "C"),
            (json!({"answer": "", "message_content": "D"}), "D"),
            (json!("E"), "E"),
        ] {
            let bytes = serde_json::to_vec(&body).unwrap();
            assert_eq!(read_text(&bytes, &h(j)).as_deref(), Some(want), "{body}");
        }
        assert_eq!(
            read_text(
                b"answer=Hi+there%21&x=1",
                &h("application/x-www-form-urlencoded")
            )
            .as_deref(),
            Some("Hi there!")
        );
        assert_eq!(
            read_text(b"just text", &h("text/plain")).as_deref(),
            Some("just text")
        );
        assert_eq!(read_text(br#"{"id": 3, "status": "ok"}"#, &h(j)), None);
        assert_eq!(read_text(b"\xff\xfe", &h("application/octet-stream")), None);
        assert_eq!(
            read_text(b"%zz=%4", &h("application/x-www-form-urlencoded")),
            None
        );
    }

    #[test]
    fn shapes_name_fields_but_never_values() {
        let s = shape(
            br#"{"secret_field": "the private words"}"#,
            &h("application/json"),
        );
        assert!(s.contains("secret_field"), "{s}");
        assert!(!s.contains("private words"), "{s}");
        assert!(shape(b"plain words", &h("")).contains("not JSON"));
    }
}
