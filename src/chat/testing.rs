//! What the state's tests share.

use leptos::prelude::*;

use super::{ChatState, HistoryRow, MessageStatus};
use crate::config::Config;
use crate::models::Message;

pub fn config() -> Config {
    let attributes = [("data-web-chat-id", "w"), ("data-chatbot-id", "b")]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
    Config::from_attributes(&attributes, "http://localhost/")
        .0
        .unwrap()
}

pub fn unsent_texts(state: &ChatState) -> Vec<String> {
    state
        .unsent_messages()
        .into_iter()
        .map(|m| m.text)
        .collect()
}

pub fn complete(messages: Vec<Message>) -> Vec<HistoryRow> {
    messages
        .into_iter()
        .map(|m| HistoryRow::new(m, MessageStatus::Complete))
        .collect()
}

pub fn history_message(role: &str, content: &str) -> Message {
    let json = serde_json::json!({ "type": role, "content": content });
    serde_json::from_str(&json.to_string()).unwrap()
}

pub fn texts_of(state: &ChatState) -> Vec<String> {
    state
        .messages
        .get_untracked()
        .iter()
        .map(|m| m.text.get_untracked())
        .collect()
}
