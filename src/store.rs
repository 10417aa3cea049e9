//! localStorage: what must survive a reload, per web chat.
//!
//! Storage can be missing or throw (privacy modes, sandboxed frames); then the widget just forgets
//! across reloads instead of failing.

use web_sys::Storage;

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
