//! The versions of a regenerated reply: asking for a new one, going back and forth between
//! them, and the one that came back when a new version brought nothing.

use leptos::prelude::*;
use web_sys::AbortController;

use super::exchange::{run_exchange, Asking};
use super::now;
use super::undelivered::{back_in_the_box, words_back_notice};
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::regenerated::{self, Regeneration};
use crate::store;
use crate::versions::{Kept, Versions};

/// Asks again for the last reply: the visitor's message is sent once more, and the new reply
/// takes the old one's place; the old one stays reachable as an earlier version.
pub fn regenerate(state: ChatState, reply: ChatMessage) {
    if state.replying.get_untracked() || !state.is_last(reply.key) {
        return;
    }
    let Some(question) = state.question_before(reply.key) else {
        return;
    };
    let Ok(controller) = AbortController::new() else {
        return;
    };
    let current = kept_of(reply);
    reply.versions.update(|v| v.begin(current));
    let config = state.config.get_value();
    if let Some(regeneration) = regeneration(state, &config, question, reply) {
        let mut remembered = store::regenerated(&config);
        regenerated::remember(&mut remembered, regeneration);
        store::save_regenerated(&config, &remembered);
    }
    reply.details.update_value(|d| d.created_at = Some(now()));
    asked_anew(reply);
    show_kept(reply, Kept::streaming());
    run_exchange(state, question, reply, controller, Asking::NewVersion);
}

/// The regeneration that the newest version of `reply`, the answer to `question`, is.
fn regeneration(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    reply: ChatMessage,
) -> Option<Regeneration> {
    if reply.versions.with_untracked(Versions::count) < 2 {
        return None;
    }
    Some(Regeneration {
        conversation: store::conversation(config)?.id,
        question: question.text.get_untracked(),
        asked_before: state.asking_answered_by(question, reply),
    })
}

/// Shows version `to` of a regenerated reply.
pub fn show_version(state: ChatState, reply: ChatMessage, to: usize) {
    if state.replying.get_untracked() {
        return;
    }
    let current = kept_of(reply);
    if let Some(shown) = reply
        .versions
        .try_update(|v| v.switch(current, to))
        .flatten()
    {
        show_kept(reply, shown);
    }
}

/// The version a reply's row shows now.
pub(super) fn kept_of(reply: ChatMessage) -> Kept {
    Kept {
        text: reply.text.get_untracked(),
        sources: reply.details.with_value(|d| d.sources.clone()),
        status: reply.status.get_untracked(),
    }
}

/// A reply's row is to show a new answer: the id of the one it showed is not its id any more.
pub(super) fn asked_anew(reply: ChatMessage) {
    reply.details.update_value(|d| d.id = None);
}

/// Puts a version in the reply's row.
pub(super) fn show_kept(reply: ChatMessage, kept: Kept) {
    reply.details.update_value(|d| d.sources = kept.sources);
    reply.text.set(kept.text);
    reply.status.set(kept.status);
}

/// A version of a regenerated reply that ended before its first word. A new version is dropped
/// and the one before comes back; a cut version asked again comes back as it was. Whether the
/// backend has the new version's asking is not known, so its regeneration is forgotten: were it
/// remembered, a later asking of the same words could be taken for it after a reload.
pub(super) fn version_brought_nothing(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    reply: ChatMessage,
    error: &ApiError,
    asking: Asking,
) {
    let back = if asking == Asking::NewVersion {
        if let Some(regeneration) = regeneration(state, config, question, reply) {
            let mut remembered = store::regenerated(config);
            remembered.retain(|r| *r != regeneration);
            store::save_regenerated(config, &remembered);
        }
        reply.versions.try_update(|v| v.abandon()).flatten()
    } else {
        reply.versions.with_untracked(Versions::shown_kept)
    };
    match back {
        Some(back) => show_kept(reply, back),
        None => reply.status.set(MessageStatus::Failed),
    }
    let t = state.config.with_value(|c| c.texts);
    match error {
        ApiError::Aborted => {}
        // Nothing goes by itself once back online here: the visitor asks again.
        ApiError::Offline => {
            state.show_offline_notice(t.offline_try_again.to_owned());
        }
        _ => {
            state.show_notice(words_back_notice(state, error, question));
        }
    }
    if error.words_go_back() {
        back_in_the_box(state, config, question, error);
    }
}
