//! localStorage: what must survive a reload, per web chat.
//!
//! Storage can be missing or throw (privacy modes, sandboxed frames); then the widget just forgets
//! across reloads instead of failing.

use web_sys::Storage;

use crate::json::Json;

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn conversation_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:conversation")
}

/// The conversation this browser is in with `web_chat_id`, if any.
pub fn conversation_id(web_chat_id: &str) -> Option<String> {
    storage()?
        .get_item(&conversation_key(web_chat_id))
        .ok()
        .flatten()
        .filter(|id| !id.is_empty())
}

pub fn save_conversation_id(web_chat_id: &str, id: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(&conversation_key(web_chat_id), id);
    }
}

pub fn forget_conversation_id(web_chat_id: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&conversation_key(web_chat_id));
    }
}

fn draft_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:draft")
}

fn unsent_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:unsent")
}

/// What the visitor had typed but not sent.
pub fn draft(web_chat_id: &str) -> String {
    storage()
        .and_then(|s| s.get_item(&draft_key(web_chat_id)).ok().flatten())
        .unwrap_or_default()
}

pub fn save_draft(web_chat_id: &str, text: &str) {
    if let Some(s) = storage() {
        let key = draft_key(web_chat_id);
        let _ = if text.is_empty() {
            s.remove_item(&key)
        } else {
            s.set_item(&key, text)
        };
    }
}

/// Messages the visitor sent that never reached the backend, oldest first.
pub fn unsent(web_chat_id: &str) -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(&unsent_key(web_chat_id)).ok().flatten())
        .and_then(|text| Json::parse(&text))
        .map(|list| list.items().iter().filter_map(Json::to_text).collect())
        .unwrap_or_default()
}

pub fn save_unsent(web_chat_id: &str, texts: &[String]) {
    if let Some(s) = storage() {
        let key = unsent_key(web_chat_id);
        let _ = if texts.is_empty() {
            s.remove_item(&key)
        } else {
            let list = Json::Array(texts.iter().map(|t| t.as_str().into()).collect());
            s.set_item(&key, &list.to_string())
        };
    }
}
