//! What must survive a reload, per web chat: the conversation id, the draft and the files
//! attached beside it, unsent messages, the replies that did not finish and the replies
//! regenerated; and the stamp that tells the site's other tabs that the conversation has new
//! messages (see [`crate::tabs`]).
//! Kept in localStorage, sessionStorage (this tab only) or nowhere, as `data-persistence` says.
//!
//! Storage can be missing or throw (privacy modes, sandboxed frames); then the widget just forgets
//! across reloads instead of failing.

use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::Storage;

use crate::attached::{self, AttachedFile};
use crate::config::{Config, Persistence};
use crate::contact::ContactChoice;
use crate::follow_ups::FollowUpWindow;
use crate::models::Conversation;
use crate::regenerated::Regeneration;
use crate::tabs::{Entry, Stamp};
use crate::unfinished::UnfinishedReply;
use crate::unsent::{self, UnsentMessage};

fn storage(config: &Config) -> Option<Storage> {
    let window = web_sys::window()?;
    match config.persistence {
        Persistence::Local => window.local_storage().ok().flatten(),
        Persistence::Session => window.session_storage().ok().flatten(),
        Persistence::None => None,
    }
}

/// Where what belongs to this tab alone is kept across its reloads: the session's storage,
/// unless nothing is to be kept at all.
fn tab_storage(config: &Config) -> Option<Storage> {
    match config.persistence {
        Persistence::None => None,
        Persistence::Local | Persistence::Session => {
            web_sys::window()?.session_storage().ok().flatten()
        }
    }
}

fn conversation_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:conversation")
}

/// The conversation this browser is in with `web_chat_id`, if any (see
/// [`Conversation::from_stored`]).
pub fn conversation(config: &Config) -> Option<Conversation> {
    let stored = read(storage(config), &conversation_key(&config.web_chat_id))?;
    Some(Conversation::from_stored(&stored)).filter(|c| !c.id.is_empty())
}

pub fn save_conversation(config: &Config, conversation: &Conversation) {
    keep(
        storage(config),
        &conversation_key(&config.web_chat_id),
        serde_json::to_string(conversation).ok(),
    );
}

/// Forgets the conversation, and with it what is remembered of its replies and the stamp that
/// named it.
pub fn forget_conversation(config: &Config) {
    if let Some(s) = storage(config) {
        let id = &config.web_chat_id;
        for key in [
            conversation_key(id),
            unfinished_key(id),
            regenerated_key(id),
            stamp_key(id),
            follow_ups_key(id),
        ] {
            let _ = s.remove_item(&key);
        }
    }
}

fn stamp_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:changed")
}

/// Tells the site's other tabs that `conversation` has new messages.
pub fn stamp(config: &Config, conversation: &str) {
    let stamp = Stamp {
        conversation: conversation.to_owned(),
        at: js_sys::Date::now() as i64,
    };
    keep(
        storage(config),
        &stamp_key(&config.web_chat_id),
        serde_json::to_string(&stamp).ok(),
    );
}

/// Which of this web chat's entries another tab changed, as a `storage` event tells it: the
/// storage it changed (`area`) and the entry's key (`None`: it cleared the storage).
pub fn changed_elsewhere(
    config: &Config,
    area: Option<Storage>,
    key: Option<&str>,
) -> Option<Entry> {
    if area? != storage(config)? {
        return None;
    }
    entry_named(&config.web_chat_id, key)
}

/// The entry of `web_chat_id` that `key` names, if it is one another tab's change of matters to
/// this one (`None`: every entry).
fn entry_named(web_chat_id: &str, key: Option<&str>) -> Option<Entry> {
    let Some(key) = key else {
        return Some(Entry::All);
    };
    if key == conversation_key(web_chat_id) {
        Some(Entry::Conversation)
    } else if key == stamp_key(web_chat_id) {
        Some(Entry::Stamp)
    } else if key == contact_key(web_chat_id) {
        Some(Entry::Contact)
    } else {
        None
    }
}

fn contact_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:contact")
}

/// What the visitor answered to the contact step, if it was asked.
pub fn contact_choice(config: &Config) -> Option<ContactChoice> {
    let stored = read(storage(config), &contact_key(&config.web_chat_id))?;
    serde_json::from_str(&stored).ok()
}

pub fn save_contact_choice(config: &Config, choice: &ContactChoice) {
    keep(
        storage(config),
        &contact_key(&config.web_chat_id),
        serde_json::to_string(choice).ok(),
    );
}

fn draft_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:draft")
}

fn unsent_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:unsent")
}

/// What the visitor had typed but not sent.
/// It is this tab's own, as the files attached beside it are: another tab has words of its own
/// in its box, and sending them there must not take these away.
pub fn draft(config: &Config) -> String {
    read(tab_storage(config), &draft_key(&config.web_chat_id)).unwrap_or_default()
}

pub fn save_draft(config: &Config, text: &str) {
    keep(
        tab_storage(config),
        &draft_key(&config.web_chat_id),
        (!text.is_empty()).then(|| text.to_owned()),
    );
}

fn attached_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:attached")
}

/// The files attached to the next message in this tab (see [`crate::attached`]). They are the
/// tab's own: another tab of the site has files of its own, and must neither send these nor
/// take one still uploading here for a file lost in a reload.
pub fn attached(config: &Config) -> Vec<AttachedFile> {
    read(tab_storage(config), &attached_key(&config.web_chat_id))
        .map(|stored| attached::parse(&stored))
        .unwrap_or_default()
}

pub fn save_attached(config: &Config, files: &[AttachedFile]) {
    keep(
        tab_storage(config),
        &attached_key(&config.web_chat_id),
        (!files.is_empty()).then(|| attached::to_json(files)),
    );
}

/// Messages the visitor sent that never reached the backend, oldest first, with their files.
pub fn unsent(config: &Config) -> Vec<UnsentMessage> {
    read(storage(config), &unsent_key(&config.web_chat_id))
        .map(|stored| unsent::parse(&stored))
        .unwrap_or_default()
}

pub fn save_unsent(config: &Config, messages: &[UnsentMessage]) {
    keep(
        storage(config),
        &unsent_key(&config.web_chat_id),
        (!messages.is_empty()).then(|| unsent::to_json(messages)),
    );
}

/// Named for what it first held, replies the visitor stopped: it holds cut replies too now.
fn unfinished_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:stopped")
}

/// The replies that did not finish (see [`crate::unfinished`]).
pub fn unfinished(config: &Config) -> Vec<UnfinishedReply> {
    list(config, &unfinished_key(&config.web_chat_id))
}

pub fn save_unfinished(config: &Config, replies: &[UnfinishedReply]) {
    save_list(config, &unfinished_key(&config.web_chat_id), replies);
}

fn regenerated_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:regenerated")
}

/// The replies the visitor regenerated (see [`crate::regenerated`]).
pub fn regenerated(config: &Config) -> Vec<Regeneration> {
    list(config, &regenerated_key(&config.web_chat_id))
}

pub fn save_regenerated(config: &Config, regenerations: &[Regeneration]) {
    save_list(config, &regenerated_key(&config.web_chat_id), regenerations);
}

fn follow_ups_key(web_chat_id: &str) -> String {
    format!("chat-bubble:{web_chat_id}:followUps")
}

/// Until when the conversation is watched for follow-ups, as the last page that watched it
/// left it (see [`crate::follow_ups`]).
pub fn follow_ups_window(config: &Config) -> Option<FollowUpWindow> {
    let stored = read(storage(config), &follow_ups_key(&config.web_chat_id))?;
    serde_json::from_str(&stored).ok()
}

pub fn save_follow_ups_window(config: &Config, window: &FollowUpWindow) {
    keep(
        storage(config),
        &follow_ups_key(&config.web_chat_id),
        serde_json::to_string(window).ok(),
    );
}

/// A list stored as JSON under `key`; empty when there is none or it cannot be read.
fn list<T: DeserializeOwned>(config: &Config, key: &str) -> Vec<T> {
    read(storage(config), key)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Stores `items` as JSON under `key`, or removes the key when there are none.
fn save_list<T: Serialize>(config: &Config, key: &str, items: &[T]) {
    keep(
        storage(config),
        key,
        (!items.is_empty()).then(|| serde_json::to_string(items).unwrap_or_default()),
    );
}

/// The text stored under `key`, if there is a storage and it holds one.
fn read(storage: Option<Storage>, key: &str) -> Option<String> {
    storage?.get_item(key).ok().flatten()
}

/// Stores `text` under `key`, or removes the key when there is nothing to keep.
fn keep(storage: Option<Storage>, key: &str, text: Option<String>) {
    if let Some(s) = storage {
        let _ = match text {
            Some(text) => s.set_item(key, &text),
            None => s.remove_item(key),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_tab_s_change_matters_for_the_conversation_the_stamp_and_the_contact_step_of_this_web_chat(
    ) {
        assert_eq!(
            entry_named("w", Some("chat-bubble:w:conversation")),
            Some(Entry::Conversation)
        );
        assert_eq!(
            entry_named("w", Some("chat-bubble:w:changed")),
            Some(Entry::Stamp)
        );
        assert_eq!(
            entry_named("w", Some("chat-bubble:w:contact")),
            Some(Entry::Contact)
        );
        assert_eq!(entry_named("w", None), Some(Entry::All));
        // Its draft is its own, and another web chat on the same site is another chat.
        assert_eq!(entry_named("w", Some("chat-bubble:w:draft")), None);
        assert_eq!(entry_named("w", Some("chat-bubble:w2:conversation")), None);
        assert_eq!(entry_named("w", Some("theme")), None);
    }
}
