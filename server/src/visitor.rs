//! Visitor tokens: the proof that a caller is the visitor who created a conversation.
//!
//! Conversation ids are not secrets (Maax's are small integers, and an id can leak through a
//! log or a shared screenshot), so knowing one must not be enough to read or post into it.
//! When this server creates a conversation it answers a `visitorToken` next to the `id`; every
//! later call on that conversation must present it in the [`HEADER`] request header.
//!
//! The token is `v1.` followed by the unpadded base64url HMAC-SHA256 of the conversation id
//! under the server's visitor secret. It is stateless: nothing is stored, and any number of
//! server instances that share the secret accept each other's tokens.
//!
//! The secret can be rotated without ending every visitor's conversation: the configured text
//! holds one secret per line, the first signs new tokens and the ones after it (earlier
//! secrets) are still accepted, until the operator removes them.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::api_error::ApiError;

/// The request header a visitor presents its token in.
pub const HEADER: HeaderName = HeaderName::from_static("x-visitor-token");

/// The field of a created conversation that carries the token.
pub const FIELD: &str = "visitorToken";

/// The environment variable holding the shared secret.
pub const SECRET_VAR: &str = "CHAT_BUBBLE_VISITOR_SECRET";

/// Version tag, so that a future format can be told apart from this one.
const PREFIX: &str = "v1.";

/// Domain separation: the secret might be reused elsewhere by a careless operator, and a MAC
/// made here must not be mistaken for one made for another purpose.
const CONTEXT: &[u8] = b"chat-bubble visitor token v1\0";

/// A secret shorter than this is refused: it could be guessed offline from one token.
const MIN_SECRET_BYTES: usize = 16;

/// Longer headers cannot be tokens; decoding them would only cost time.
const MAX_TOKEN_BYTES: usize = 128;

/// Issues and checks visitor tokens.
#[derive(Clone)]
pub struct VisitorKeys {
    /// Signs new tokens (and keys derived for other purposes).
    secret: Arc<[u8]>,
    /// Earlier secrets, whose tokens are still accepted while a rotation is under way.
    earlier: Arc<[Arc<[u8]>]>,
}

impl fmt::Debug for VisitorKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VisitorKeys(<redacted>)")
    }
}

/// Where the secret came from, so start-up can warn about one that dies with the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSource {
    Configured,
    Generated,
}

impl VisitorKeys {
    /// Keys from a given secret; refused when too short (the error never quotes it).
    pub fn new(secret: &[u8]) -> Result<VisitorKeys, String> {
        VisitorKeys::rotating(secret, &[])
    }

    /// Keys that sign with `secret` and still accept tokens signed with any of `earlier`;
    /// every one of them is refused when too short (the error never quotes one).
    pub fn rotating(secret: &[u8], earlier: &[&[u8]]) -> Result<VisitorKeys, String> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the visitor secret must be at least {MIN_SECRET_BYTES} bytes long"
            ));
        }
        if let Some(n) = earlier.iter().position(|e| e.len() < MIN_SECRET_BYTES) {
            return Err(format!(
                "every visitor secret must be at least {MIN_SECRET_BYTES} bytes long (secret {} is not)",
                n + 2
            ));
        }
        Ok(VisitorKeys {
            secret: Arc::from(secret),
            earlier: earlier.iter().map(|e| Arc::from(*e)).collect(),
        })
    }

    /// A fresh random secret: tokens it issues die with this process.
    pub fn generate() -> VisitorKeys {
        let secret: [u8; 32] = rand::random();
        VisitorKeys {
            secret: Arc::from(&secret[..]),
            earlier: Arc::from([]),
        }
    }

    /// The secrets from `file` if given, else from [`SECRET_VAR`], else a generated one. One
    /// secret per line: the first signs, the others are earlier ones still accepted. Each
    /// line's surrounding whitespace is dropped, and blank lines are skipped.
    pub fn load(file: Option<&Path>) -> Result<(VisitorKeys, SecretSource), String> {
        let text = match file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "cannot read the visitor secret file {}: {e}",
                    path.display()
                )
            })?),
            None => std::env::var(SECRET_VAR).ok(),
        };
        let lines: Vec<&[u8]> = text
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::as_bytes)
            .collect();
        match lines.split_first() {
            Some((secret, earlier)) => VisitorKeys::rotating(secret, earlier)
                .map(|k| (k, SecretSource::Configured))
                .map_err(|e| match file {
                    Some(path) => format!("{e} (in {})", path.display()),
                    None => format!("{e} (in ${SECRET_VAR})"),
                }),
            None => Ok((VisitorKeys::generate(), SecretSource::Generated)),
        }
    }

    fn mac(&self, conversation: &str) -> Hmac<Sha256> {
        VisitorKeys::mac_with(&self.secret, conversation)
    }

    fn mac_with(secret: &[u8], conversation: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(CONTEXT);
        mac.update(conversation.as_bytes());
        mac
    }

    /// A key for another purpose, derived from the same secret: instances that share the
    /// visitor secret then share it too, without a second secret to configure. `purpose`
    /// keeps keys for different uses apart.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        VisitorKeys::derive_from(&self.secret, purpose)
    }

    /// The keys for `purpose` derived from the earlier secrets (see [`VisitorKeys::rotating`]),
    /// for checking what was signed before a rotation.
    pub fn derive_earlier(&self, purpose: &str) -> Vec<[u8; 32]> {
        self.earlier
            .iter()
            .map(|secret| VisitorKeys::derive_from(secret, purpose))
            .collect()
    }

    fn derive_from(secret: &[u8], purpose: &str) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"chat-bubble derived key\0");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The token for a conversation id.
    pub fn issue(&self, conversation: &str) -> String {
        let tag = self.mac(conversation).finalize().into_bytes();
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Whether `token` was issued for `conversation`, under the current secret or an earlier
    /// one (each compared in constant time).
    pub fn verify(&self, conversation: &str, token: &str) -> bool {
        if token.len() > MAX_TOKEN_BYTES {
            return false;
        }
        let Some(encoded) = token.strip_prefix(PREFIX) else {
            return false;
        };
        let Ok(tag) = URL_SAFE_NO_PAD.decode(encoded) else {
            return false;
        };
        std::iter::once(&self.secret)
            .chain(self.earlier.iter())
            .any(|secret| {
                VisitorKeys::mac_with(secret, conversation)
                    .verify_slice(&tag)
                    .is_ok()
            })
    }

    /// `Ok` when the request carries the token of `conversation`, else the 403 to answer.
    pub fn check(&self, headers: &HeaderMap, conversation: &str) -> Result<(), ApiError> {
        let token = headers.get(HEADER).and_then(|v| v.to_str().ok());
        match token {
            Some(t) if self.verify(conversation, t) => Ok(()),
            given => {
                tracing::info!(
                    conversation = ?conversation,
                    token_given = given.is_some(),
                    "refused: no valid visitor token for the conversation"
                );
                Err(refusal())
            }
        }
    }

    /// Adds the token to a created conversation (a JSON object with a string or number `id`).
    /// Returns false, leaving the body alone, when it has no usable id.
    pub fn bind(&self, conversation: &mut Value) -> bool {
        let id = match conversation.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return false,
        };
        let token = self.issue(&id);
        match conversation.as_object_mut() {
            Some(map) => {
                map.insert(FIELD.into(), Value::String(token));
                true
            }
            None => false,
        }
    }
}

/// The answer to a call on a conversation without its visitor's token.
pub fn refusal() -> ApiError {
    ApiError::detail(
        StatusCode::FORBIDDEN,
        "This conversation is not yours: its visitor token is missing or wrong. Start a new conversation.",
    )
}

/// The answer to a completion without a conversation, where that is refused (the reply
/// would create a conversation whose token could not be handed over first).
pub fn null_conversation_refusal() -> ApiError {
    ApiError::bad_request(serde_json::json!({
        "conversation": ["Create the conversation first (POST conversations/) and send its id."],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_for_their_conversation_only() {
        let k = VisitorKeys::new(b"0123456789abcdef0123").unwrap();
        let t = k.issue("42");
        assert!(t.starts_with("v1."));
        assert!(k.verify("42", &t));
        assert!(!k.verify("43", &t));
        assert!(!k.verify("42", &t[..t.len() - 1]));
        assert!(!k.verify("42", &t.replacen("v1.", "v2.", 1)));
        assert!(!k.verify("42", ""));
        let other = VisitorKeys::new(b"another secret of enough length").unwrap();
        assert!(!other.verify("42", &t));
        // Instances sharing a secret agree.
        assert!(VisitorKeys::new(b"0123456789abcdef0123")
            .unwrap()
            .verify("42", &t));
    }

    #[test]
    fn earlier_secrets_are_still_accepted_and_new_tokens_use_the_first() {
        let old = VisitorKeys::new(b"the secret before rotation").unwrap();
        let old_token = old.issue("42");
        let rotating = VisitorKeys::rotating(
            b"the secret after rotation",
            &[b"the secret before rotation"],
        )
        .unwrap();
        assert!(
            rotating.verify("42", &old_token),
            "an earlier secret's token"
        );
        assert!(!rotating.verify("43", &old_token));
        let new_token = rotating.issue("42");
        assert_ne!(
            new_token, old_token,
            "new tokens are signed with the first secret"
        );
        assert!(VisitorKeys::new(b"the secret after rotation")
            .unwrap()
            .verify("42", &new_token));
        assert!(!old.verify("42", &new_token));
        // Once the earlier secret is removed, its tokens end.
        let rotated = VisitorKeys::new(b"the secret after rotation").unwrap();
        assert!(!rotated.verify("42", &old_token));
        // Derived keys follow the signing secret.
        assert_eq!(rotating.derive("x"), rotated.derive("x"));
        let e =
            VisitorKeys::rotating(b"the secret after rotation", &[b"short-earlier"]).unwrap_err();
        assert!(
            e.contains("secret 2") && !e.contains("short-earlier"),
            "{e}"
        );
    }

    #[test]
    fn the_secret_file_holds_one_secret_per_line() {
        let dir = std::env::temp_dir().join(format!("cb-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("visitor.secret");
        std::fs::write(
            &file,
            "  the secret after rotation \n\nthe secret before rotation\n",
        )
        .unwrap();
        let (keys, source) = VisitorKeys::load(Some(&file)).unwrap();
        assert_eq!(source, SecretSource::Configured);
        let old = VisitorKeys::new(b"the secret before rotation").unwrap();
        assert!(keys.verify("7", &old.issue("7")));
        let new = VisitorKeys::new(b"the secret after rotation").unwrap();
        assert_eq!(keys.issue("7"), new.issue("7"));
        std::fs::write(&file, "the secret after rotation\nshort\n").unwrap();
        let e = VisitorKeys::load(Some(&file)).unwrap_err();
        assert!(e.contains("secret 2") && !e.contains("short\n"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_secrets_are_refused_and_never_printed() {
        let e = VisitorKeys::new(b"short-secret").unwrap_err();
        assert!(!e.contains("short-secret"));
        assert!(!format!("{:?}", VisitorKeys::generate()).contains('['));
    }

    #[test]
    fn bind_adds_the_token_next_to_the_id() {
        let k = VisitorKeys::generate();
        let mut c = serde_json::json!({"id": 7, "title": "x"});
        assert!(k.bind(&mut c));
        assert!(k.verify("7", c[FIELD].as_str().unwrap()));
        let mut none = serde_json::json!({"detail": "x"});
        assert!(!k.bind(&mut none));
        assert!(none.get(FIELD).is_none());
    }
}
