//! The flows that move the chat forward: send a message and stream its reply (retrying passing
//! troubles by itself), stop it, retry what failed, load the history. They glue [`ChatState`] to
//! the API and to localStorage.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::api::{self, Ask};
use crate::chat::{ChatEvent, ChatMessage, ChatState, HistoryStatus, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::models::{Attachment, Conversation, Role};
use crate::store;
use crate::stream::StreamEvent;
use crate::timers::sleep_ms_or_abort;

/// Sends `text` as the visitor and streams the assistant's reply into a new message.
/// Does nothing for blank text or while another reply is streaming.
pub fn send_message(state: ChatState, text: String) {
    send_with_attachments(state, text, Vec::new());
}

/// [`send_message`] with uploaded files. Files alone may be sent: the message's text is then
/// their names, since the backend wants some text with every message.
pub fn send_with_attachments(state: ChatState, text: String, attachments: Vec<Attachment>) {
    let mut text = text.trim().to_owned();
    if text.is_empty() {
        let names: Vec<&str> = attachments.iter().map(|a| a.filename.as_str()).collect();
        text = names.join(", ");
    }
    if text.is_empty() || state.replying.get_untracked() {
        return;
    }
    let question = state.push(Role::Visitor, text.clone(), MessageStatus::Complete);
    stamp_now(question);
    // Before the row is drawn (rendering runs after this task), so it shows its files at once.
    question
        .details
        .update_value(|d| d.attachments = attachments);
    state.emit(ChatEvent::Message(text));
    start_exchange(state, question);
}

/// Forgets the stored conversation and empties the list; the next message starts a new one.
/// A reply in flight is stopped.
pub fn new_conversation(state: ChatState) {
    stop(state);
    state.config.with_value(store::forget_conversation);
    state.clear();
}

/// [`new_conversation`], and forgets the draft and the unsent messages too.
pub fn clear_history(state: ChatState) {
    new_conversation(state);
    state.draft.set(String::new());
    state.config.with_value(|config| {
        store::save_draft(config, "");
        store::save_unsent(config, &[]);
    });
}

/// Sends an unsent visitor message again, as the newest message.
pub fn retry_unsent(state: ChatState, question: ChatMessage) {
    if state.replying.get_untracked() {
        return;
    }
    question.status.set(MessageStatus::Complete);
    state.move_to_end(question.key);
    start_exchange(state, question);
}

/// Asks again for a reply that was cut short; the partial reply gives way to the new one.
pub fn retry_reply(state: ChatState, reply: ChatMessage) {
    if state.replying.get_untracked() {
        return;
    }
    let Some(question) = state.question_before(reply.key) else {
        return;
    };
    state.remove(reply.key);
    start_exchange(state, question);
}

/// Stops the reply being streamed; what arrived so far stays.
pub fn stop(state: ChatState) {
    state.abort();
}

/// Live messages are timed by the browser's clock; history brings its own times.
fn stamp_now(message: ChatMessage) {
    let now = js_sys::Date::now() as i64;
    message.details.update_value(|d| d.created_at = Some(now));
}

fn start_exchange(state: ChatState, question: ChatMessage) {
    let Ok(controller) = AbortController::new() else {
        return;
    };
    state.notice.set(None);
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    stamp_now(reply);
    reply
        .details
        .update_value(|d| d.sender = state.assistant_sender());
    state.replying.set(true);
    state.set_abort(Some(controller.clone()));
    let config = state.config.get_value();
    let text = question.text.get_untracked();
    let attachments = question.details.with_value(|d| d.attachments.clone());
    spawn_local(async move {
        let ask = Ask {
            text: &text,
            attachments: &attachments,
        };
        let outcome = exchange_with_retries(state, &config, ask, reply, &controller).await;
        state.set_abort(None);
        finish(state, &config, question, reply, outcome);
        state.replying.set(false);
    });
}

/// Runs the exchange, waiting and trying again (a bounded number of times) after errors that
/// are likely to pass; a partial reply is cleared before the next try so nothing doubles.
async fn exchange_with_retries(
    state: ChatState,
    config: &Config,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    let mut attempt = 0;
    loop {
        let error = match exchange(config, ask, reply, controller).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let Some(delay) = error.retry_delay_ms(attempt) else {
            return Err(error);
        };
        state.notice.set(Some(
            error.retry_notice(delay, state.config.with_value(|c| c.texts)),
        ));
        sleep_ms_or_abort(delay, &controller.signal()).await;
        if controller.signal().aborted() {
            return Err(ApiError::Aborted);
        }
        state.notice.set(None);
        reply.text.set(String::new());
        attempt += 1;
    }
}

async fn exchange(
    config: &Config,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    let stored = store::conversation(config);
    let conversation = match stored.clone() {
        Some(conversation) => conversation,
        None => create_conversation(config, controller).await?,
    };
    match stream_into(config, &conversation, ask, reply, controller).await {
        // Deliver the message in a new conversation rather than leave it unsent for good.
        Err(error)
            if error.conversation_is_gone()
                && stored.is_some()
                && reply.text.with_untracked(String::is_empty) =>
        {
            store::forget_conversation(config);
            let fresh = create_conversation(config, controller).await?;
            stream_into(config, &fresh, ask, reply, controller).await
        }
        outcome => outcome,
    }
}

/// Creates a conversation and keeps it for the next reload.
pub async fn create_conversation(
    config: &Config,
    controller: &AbortController,
) -> Result<Conversation, ApiError> {
    let conversation = api::create_conversation(config, Some(&controller.signal())).await?;
    store::save_conversation(config, &conversation);
    Ok(conversation)
}

async fn stream_into(
    config: &Config,
    conversation: &Conversation,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    // All the deltas of one piece of the body go to the message at once: one update, one render.
    api::stream_reply(config, conversation, ask, controller, |events| {
        let mut added = String::new();
        for event in events {
            match event {
                StreamEvent::Chunk { content, .. } => added.push_str(content),
                StreamEvent::Sources(sources) => {
                    reply.details.update_value(|d| d.sources = sources.clone());
                }
                StreamEvent::Malformed(_) => {}
            }
        }
        if !added.is_empty() {
            reply.text.update(|t| t.push_str(&added));
        }
    })
    .await
}

/// Settles both messages of an exchange. Nothing typed is lost: a message that never got an
/// answer stays, marked unsent and remembered across reloads; a partial reply stays too.
fn finish(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    reply: ChatMessage,
    outcome: Result<(), ApiError>,
) {
    let reply_is_empty = reply.text.with_untracked(String::is_empty);
    match outcome {
        Ok(()) => {
            reply.status.set(MessageStatus::Complete);
            state.reply_completed(reply.text.get_untracked());
        }
        Err(ApiError::Aborted) => reply.status.set(MessageStatus::Stopped),
        Err(error) => {
            state.notice.set(Some(
                error.user_message(state.config.with_value(|c| c.texts)),
            ));
            if reply_is_empty {
                state.remove(reply.key);
                question.status.set(MessageStatus::Unsent);
            } else {
                reply.status.set(MessageStatus::Failed);
            }
        }
    }
    store::save_unsent(config, &state.unsent_texts());
}

/// Shows the messages that were not sent before the last reload, each with its Retry.
pub fn restore_unsent(state: ChatState) {
    for text in state.config.with_value(store::unsent) {
        state.push(Role::Visitor, text, MessageStatus::Unsent);
    }
}

/// Fetches the stored conversation's messages once, the first time the panel opens.
pub fn load_history(state: ChatState) {
    if state.history.get_untracked() != HistoryStatus::NotLoaded {
        return;
    }
    let config = state.config.get_value();
    let Some(conversation) = store::conversation(&config) else {
        state.history.set(HistoryStatus::Loaded);
        return;
    };
    let Ok(controller) = AbortController::new() else {
        return;
    };
    state.history.set(HistoryStatus::Loading);
    state.set_history_abort(Some(controller.clone()));
    spawn_local(async move {
        let result = api::history(&config, &conversation, Some(&controller.signal())).await;
        state.set_history_abort(None);
        if controller.signal().aborted() {
            // The widget is gone.
            state.history.set(HistoryStatus::NotLoaded);
            return;
        }
        if store::conversation(&config).as_ref() != Some(&conversation) {
            // A new conversation was started meanwhile: this history is no longer shown.
            return;
        }
        let status = match result {
            Ok(messages) => {
                state.prepend_history(messages);
                HistoryStatus::Loaded
            }
            Err(error) if error.conversation_is_gone() => {
                // Start afresh on the next message.
                store::forget_conversation(&config);
                HistoryStatus::Loaded
            }
            Err(error) => {
                state.notice.set(Some(
                    error.user_message(state.config.with_value(|c| c.texts)),
                ));
                HistoryStatus::Failed
            }
        };
        state.history.set(status);
    });
    // Runs once the history request is out: rows will need the time formatter, and creating
    // it takes a while, better spent waiting for the network.
    spawn_local(async { crate::time_format::warm() });
}
