//! Who the visitor is, for Maax's `prospect_info` (V2 requires a first name and one contact).
//!
//! A site can ask visitors before the chat (the widget's `data-ask-contact`, V2): the name and
//! an email or phone number come with `POST conversations/` as
//! `"contact": {"name", "email", "phone"}`, are checked here, and are kept with the
//! conversation (in memory, or in Redis when instances share one), so every message of that
//! conversation carries them. Without them the configured (or V2's default) `prospect_info`
//! is sent instead, `{conversation}` in it replaced by the conversation's id
//! ([`for_conversation`]). Creating a conversation cannot fill that in, since Maax has not
//! given the id yet ([`before_conversation`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::redis_link::RedisLink;

const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 254;
/// Conversations the in-memory store remembers (the newest).
const REMEMBERED: usize = 10_000;
/// How long Redis keeps a conversation's contact.
const KEEP_SECS: u64 = 30 * 24 * 3600;

/// A visitor's contact, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Whether `email` looks like an address: one `@`, something before it, a dotted domain after.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `phone` looks like a number: 6 to 15 digits, with `+`, spaces, dashes, dots or
/// parentheses between them.
fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (6..=15).contains(&digits)
        && phone.chars().count() <= 32
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'))
}

impl Contact {
    /// The `contact` of a create-conversation body: `Ok(None)` without one, field errors in the
    /// API's `{field: [messages]}` shape when it is not usable.
    pub fn from_body(body: &[u8]) -> Result<Option<Contact>, Value> {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Ok(None);
        };
        let Some(contact) = map.get("contact") else {
            return Ok(None);
        };
        let Value::Object(contact) = contact else {
            if contact.is_null() {
                return Ok(None);
            }
            return Err(json!({"contact": ["Must be an object with name, email and phone."]}));
        };
        let field = |k: &str| {
            contact
                .get(k)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (name, email, phone) = (field("name"), field("email"), field("phone"));
        let mut errors = Map::new();
        match &name {
            None => {
                errors.insert("name".into(), json!(["Your name is required."]));
            }
            Some(n) if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) => {
                errors.insert("name".into(), json!(["Not a valid name."]));
            }
            Some(_) => {}
        }
        if email.as_deref().is_some_and(|e| !valid_email(e)) {
            errors.insert("email".into(), json!(["Not a valid email address."]));
        }
        if phone.as_deref().is_some_and(|p| !valid_phone(p)) {
            errors.insert("phone".into(), json!(["Not a valid phone number."]));
        }
        if email.is_none() && phone.is_none() {
            errors.insert(
                "email".into(),
                json!(["An email address or a phone number is required."]),
            );
        }
        if !errors.is_empty() {
            return Err(json!({ "contact": Value::Object(errors) }));
        }
        Ok(Some(Contact {
            name: name.unwrap_or_default(),
            email,
            phone,
        }))
    }

    /// As V2's `prospect_info`: the first word of the name as `first_name`, the rest as
    /// `last_name`.
    pub fn prospect_info(&self) -> Value {
        let (first, last) = self
            .name
            .split_once(' ')
            .map(|(f, l)| (f, l.trim()))
            .unwrap_or((&self.name, ""));
        let mut info = Map::new();
        info.insert("first_name".into(), first.into());
        if !last.is_empty() {
            info.insert("last_name".into(), last.into());
        }
        if let Some(e) = &self.email {
            info.insert("email".into(), e.clone().into());
        }
        if let Some(p) = &self.phone {
            info.insert("phone".into(), p.clone().into());
        }
        Value::Object(info)
    }
}

/// What `{conversation}` in configured prospect info stands for.
const PLACEHOLDER: &str = "{conversation}";

/// The configured `prospect_info` for one conversation: `{conversation}` in its string values
/// replaced by the id.
pub fn for_conversation(template: &Value, conversation: &str) -> Value {
    match template {
        Value::String(s) => Value::String(s.replace(PLACEHOLDER, conversation)),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), for_conversation(v, conversation)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The configured `prospect_info` for creating a conversation, whose id is not known yet: the
/// template as it is when it does not name the conversation, else none. Sent with the
/// placeholder unfilled, every visitor would be one and the same prospect (say
/// `visitor-{conversation}@example.invalid`); without it, Maax's docs have the prospect made
/// from the `prospect_info` of the conversation's messages, which do name it.
pub fn before_conversation(template: &Value) -> Option<Value> {
    (!names_conversation(template)).then(|| template.clone())
}

fn names_conversation(template: &Value) -> bool {
    match template {
        Value::String(s) => s.contains(PLACEHOLDER),
        Value::Object(map) => map.values().any(names_conversation),
        _ => false,
    }
}

#[derive(Default)]
struct Memory {
    by_conversation: HashMap<String, Contact>,
    order: VecDeque<String>,
}

/// The contacts given with conversations.
pub struct Prospects {
    memory: Mutex<Memory>,
    redis: Option<Arc<RedisLink>>,
}

impl std::fmt::Debug for Prospects {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prospects")
    }
}

fn key(conversation: &str) -> String {
    format!("chat-bubble:maax:prospect:{conversation}")
}

impl Prospects {
    pub fn new(redis: Option<Arc<RedisLink>>) -> Prospects {
        Prospects {
            memory: Mutex::default(),
            redis,
        }
    }

    pub async fn keep(&self, conversation: &str, contact: &Contact) -> Result<(), String> {
        let Some(redis) = &self.redis else {
            let mut m = self.memory.lock().unwrap();
            if m.by_conversation
                .insert(conversation.to_string(), contact.clone())
                .is_none()
            {
                m.order.push_back(conversation.to_string());
                if m.order.len() > REMEMBERED {
                    if let Some(old) = m.order.pop_front() {
                        m.by_conversation.remove(&old);
                    }
                }
            }
            return Ok(());
        };
        let json = serde_json::to_string(contact).map_err(|e| e.to_string())?;
        let mut conn = redis.conn().await?;
        redis::cmd("SET")
            .arg(key(conversation))
            .arg(json)
            .arg("EX")
            .arg(KEEP_SECS)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| format!("cannot keep the contact in Redis ({:?})", e.kind()))
    }

    pub async fn get(&self, conversation: &str) -> Result<Option<Contact>, String> {
        let Some(redis) = &self.redis else {
            let m = self.memory.lock().unwrap();
            return Ok(m.by_conversation.get(conversation).cloned());
        };
        let mut conn = redis.conn().await?;
        let raw: Option<String> = redis::cmd("GET")
            .arg(key(conversation))
            .query_async(&mut conn)
            .await
            .map_err(|e| format!("cannot read the contact from Redis ({:?})", e.kind()))?;
        Ok(raw.and_then(|s| serde_json::from_str(&s).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Option<Contact>, Value> {
        Contact::from_body(v.to_string().as_bytes())
    }

    #[test]
    fn contacts_are_checked() {
        assert_eq!(parse(json!({"webChat": "w"})), Ok(None));
        assert_eq!(parse(json!({"webChat": "w", "contact": null})), Ok(None));
        let ok = parse(json!({"contact": {"name": " Ada Lovelace ", "email": "ada@example.com"}}))
            .unwrap()
            .unwrap();
        assert_eq!(ok.name, "Ada Lovelace");
        assert_eq!(
            ok.prospect_info(),
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"})
        );
        let phone = parse(json!({"contact": {"name": "Bo", "phone": "+886 2-1234-5678"}}))
            .unwrap()
            .unwrap();
        assert_eq!(
            phone.prospect_info(),
            json!({"first_name": "Bo", "phone": "+886 2-1234-5678"})
        );
        for bad in [
            json!({"contact": {"email": "a@b.co"}}),
            json!({"contact": {"name": "A"}}),
            json!({"contact": {"name": "A", "email": "not an email"}}),
            json!({"contact": {"name": "A", "email": "a@nodot"}}),
            json!({"contact": {"name": "A", "phone": "12"}}),
            json!({"contact": {"name": "A", "phone": "call me"}}),
            json!({"contact": {"name": "x".repeat(101), "email": "a@b.co"}}),
            json!({"contact": "Ada"}),
        ] {
            assert!(parse(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn prospect_info_is_filled_per_conversation() {
        let template =
            json!({"first_name": "Web", "email": "visitor-{conversation}@example.invalid"});
        assert_eq!(
            for_conversation(&template, "42")["email"],
            "visitor-42@example.invalid"
        );
        let custom = json!({"first_name": "Web", "phone": 5, "tags": {"c": "{conversation}"}});
        assert_eq!(
            for_conversation(&custom, "7"),
            json!({"first_name": "Web", "phone": 5, "tags": {"c": "7"}})
        );
    }

    #[test]
    fn a_template_naming_the_conversation_is_not_sent_before_it_exists() {
        let named = json!({"first_name": "Web", "tags": {"c": "v-{conversation}"}});
        assert_eq!(before_conversation(&named), None);
        let fixed = json!({"first_name": "Web", "email": "web@example.com", "n": 3});
        assert_eq!(before_conversation(&fixed), Some(fixed.clone()));
    }

    #[tokio::test]
    async fn contacts_are_kept_per_conversation() {
        let p = Prospects::new(None);
        let c = Contact {
            name: "Ada".into(),
            email: Some("a@b.co".into()),
            phone: None,
        };
        p.keep("42", &c).await.unwrap();
        assert_eq!(p.get("42").await.unwrap(), Some(c));
        assert_eq!(p.get("43").await.unwrap(), None);
    }
}
