//! The flows that move the chat forward: send a message and stream its reply, load the history.
//! They glue [`ChatState`] to the API and to localStorage.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::chat::{ChatMessage, ChatState, HistoryStatus, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::models::Role;
use crate::store;
use crate::stream::StreamEvent;

/// Sends `text` as the visitor and streams the assistant's reply into a new message.
/// Does nothing for blank text or while another reply is streaming.
pub fn send_message(state: ChatState, text: String) {
    let text = text.trim().to_owned();
    if text.is_empty() || state.replying.get_untracked() {
        return;
    }
    state.notice.set(None);
    state.push(Role::Visitor, text.clone(), MessageStatus::Complete);
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    state.replying.set(true);
    let config = state.config.get_value();
    spawn_local(async move {
        let outcome = exchange(&config, &text, reply).await;
        reply.status.set(match outcome {
            Ok(()) => MessageStatus::Complete,
            Err(ref error) => {
                state.notice.set(Some(error.user_message()));
                MessageStatus::Failed
            }
        });
        state.replying.set(false);
    });
}

async fn exchange(config: &Config, text: &str, reply: ChatMessage) -> Result<(), ApiError> {
    let conversation_id = match store::conversation_id(&config.web_chat_id) {
        Some(id) => id,
        None => {
            let id = api::create_conversation(config).await?;
            store::save_conversation_id(&config.web_chat_id, &id);
            id
        }
    };
    api::stream_reply(config, &conversation_id, text, None, |event| {
        if let StreamEvent::Chunk { content, .. } = event {
            if !content.is_empty() {
                reply.text.update(|t| t.push_str(&content));
            }
        }
    })
    .await
}

/// Fetches the stored conversation's messages once, the first time the panel opens.
pub fn load_history(state: ChatState) {
    if state.history.get_untracked() != HistoryStatus::NotLoaded {
        return;
    }
    let config = state.config.get_value();
    let Some(conversation_id) = store::conversation_id(&config.web_chat_id) else {
        state.history.set(HistoryStatus::Loaded);
        return;
    };
    state.history.set(HistoryStatus::Loading);
    spawn_local(async move {
        let status = match api::history(&config, &conversation_id).await {
            Ok(messages) => {
                state.prepend_history(messages);
                HistoryStatus::Loaded
            }
            Err(ApiError::Status { status: 404, .. }) => {
                // The backend no longer knows it: start afresh on the next message.
                store::forget_conversation_id(&config.web_chat_id);
                HistoryStatus::Loaded
            }
            Err(error) => {
                state.notice.set(Some(error.user_message()));
                HistoryStatus::Failed
            }
        };
        state.history.set(status);
    });
}
