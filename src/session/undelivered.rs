//! A message that could not go: its words (and files) back in the message box when it cannot
//! go as it is, or kept in the list as not sent, with its Retry.

use leptos::prelude::*;

use crate::attaching;
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::store;

/// What the visitor is told of `error`, the failure to send `question`.
pub(super) fn words_back_notice(
    state: ChatState,
    error: &ApiError,
    question: ChatMessage,
) -> String {
    let t = state.config.with_value(|c| c.texts);
    error.said_with_files_back(files_go_back(state, error, question), t)
}

/// Whether the files of `question` go back beside its words (see [`ApiError::files_go_back`]),
/// when the composer takes files at all.
fn files_go_back(state: ChatState, error: &ApiError, question: ChatMessage) -> bool {
    error.files_go_back()
        && state.config.with_value(|c| c.attachments.enabled())
        && question.details.with_value(|d| !d.attachments.is_empty())
}

/// Puts a message that cannot go as it is back in the message box (see
/// [`ApiError::words_go_back`]): its words, before anything typed since, and its files when
/// they are still good, as chips ready to send; the visitor shortens it (or attaches its files
/// anew) and sends: a Retry would be refused again.
pub(super) fn back_in_the_box(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    error: &ApiError,
) {
    put_back_in_the_box(state, config, question.text.get_untracked());
    if files_go_back(state, error, question) {
        let files = question.details.with_value(|d| d.attachments.clone());
        let conversation = store::conversation(config).map(|c| c.id);
        attaching::put_back(state, files, conversation);
    }
}

/// Puts `text` in the message box, before anything typed there.
pub(super) fn put_back_in_the_box(state: ChatState, config: &Config, text: String) {
    state.draft.update(|draft| {
        *draft = if draft.trim().is_empty() {
            text
        } else {
            format!("{text}\n\n{draft}")
        };
    });
    state
        .draft
        .with_untracked(|draft| store::save_draft(config, draft));
}

/// Marks a question as not sent, with how many of the visitor's messages with its text were
/// sent before it: it may have reached the backend all the same (see [`crate::unsent`]).
/// `when_online`: it failed for want of a connection, and goes out by itself once there is one.
pub(super) fn mark_unsent(state: ChatState, question: ChatMessage, when_online: bool) {
    question.status.set(MessageStatus::Unsent);
    let sent_before = state.sent_before(question);
    question.details.update_value(|d| {
        d.sent_before = sent_before;
        d.when_online = when_online;
    });
}
