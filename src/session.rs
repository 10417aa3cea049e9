//! The flows that move the chat forward: send a message and stream its reply ([`exchange`],
//! retrying passing troubles by itself), stop it, retry what failed (a message that could not go:
//! [`undelivered`]), ask for another version of a reply ([`regenerating`]), load the history
//! ([`history`]). They glue [`ChatState`] to the API and to localStorage.

use leptos::prelude::*;
use web_sys::AbortController;

use crate::chat::{
    ChatEvent, ChatMessage, ChatState, HistoryStatus, MessageDetails, MessageStatus,
};
use crate::message_length::{self, Length};
use crate::models::{Attachment, Role};
use crate::store;
use crate::tabs::Change;
use crate::versions::Kept;

mod exchange;
mod history;
mod late_replies;
mod leaving;
mod other_tab;
mod regenerating;
mod stall;
mod undelivered;
mod unreachable;

pub use exchange::create_conversation;
use exchange::{run_exchange, start_exchange, Asking};
pub use history::{load_history, restore_unsent};
pub use late_replies::look_for_late_replies;
pub use leaving::{came_back, remember_reply_in_flight, LeftInFlight};
pub use other_tab::{follow_other_tab, Followed};
use regenerating::{asked_anew, kept_of, show_kept};
pub use regenerating::{regenerate, show_version};
use undelivered::put_back_in_the_box;

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
    // Longer than the backend takes: sent, it would be refused. The message box says so
    // before Send; a message from elsewhere (the page's `send`) lands in the box, to shorten.
    if let Some(by) = Length::of(&text).over_by() {
        let config = state.config.get_value();
        state.show_notice(message_length::too_long(by, config.texts));
        put_back_in_the_box(state, &config, text);
        return;
    }
    // The same message again right after its reply was cut off is that reply's Retry: sent as
    // a new one, the panel would show it twice where the backend holds it twice in a row,
    // which a reload shows once (see [`crate::asked_again`]).
    if let Some(cut) = cut_reply_to(state, &text, &attachments) {
        retry_reply(state, cut);
        return;
    }
    // Time and files before the row is drawn, so it shows them at once.
    let question = state.push_with(
        Role::Visitor,
        text.clone(),
        MessageStatus::Complete,
        MessageDetails {
            created_at: Some(now()),
            attachments,
            ..MessageDetails::default()
        },
    );
    state.emit(ChatEvent::Message(text));
    start_exchange(state, question, Asking::First);
}

/// The last reply, if it was cut off and answers a message of `text` with `attachments`.
fn cut_reply_to(state: ChatState, text: &str, attachments: &[Attachment]) -> Option<ChatMessage> {
    state.messages.with_untracked(|list| {
        let [.., question, reply] = list.as_slice() else {
            return None;
        };
        let asked_the_same = question.role == Role::Visitor
            && question.status.get_untracked() == MessageStatus::Complete
            && question.text.with_untracked(|t| t == text)
            && question
                .details
                .with_value(|d| d.attachments == attachments);
        let cut =
            reply.role == Role::Assistant && reply.status.get_untracked() == MessageStatus::Failed;
        (asked_the_same && cut).then_some(*reply)
    })
}

/// Reads the stored conversation again after a read that failed: the list's Retry, the panel
/// opened again, or the connection back. The list is shown afresh, but for the messages not
/// sent: the history holds what it showed, the exchanges since the failure too. Not while a
/// reply streams, whose row the history does not hold yet.
pub fn retry_history(state: ChatState) {
    let HistoryStatus::Failed { notice } = state.history.get_untracked() else {
        return;
    };
    if state.streaming_reply().is_some() {
        return;
    }
    state.take_down_notice(notice);
    other_tab::show_afresh(state, Change::Messages);
}

/// Forgets the stored conversation and empties the list; the next message starts a new one.
/// A reply in flight is stopped.
pub fn new_conversation(state: ChatState) {
    stop(state);
    state.set_follow_ups_abort(None);
    state.set_late_replies_abort(None);
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
    // Its reply goes under it. Other messages not sent yet may stay below the two, where
    // they will be sent from; anything sent since goes above it, as the backend will have it.
    if !state.only_unsent_after(question.key) {
        state.move_to_end(question.key);
    }
    let Some(question) = state.sent_again(question.key, now()) else {
        return;
    };
    start_exchange(state, question, Asking::First);
}

/// Asks again for a reply that was cut short; the partial reply gives way to the new one.
pub fn retry_reply(state: ChatState, reply: ChatMessage) {
    if state.replying.get_untracked() {
        return;
    }
    let Some(question) = state.question_before(reply.key) else {
        return;
    };
    if reply.versions.with_untracked(|v| v.count() > 1) {
        // A regenerated reply is asked again in its place, so its other versions stay.
        let Ok(controller) = AbortController::new() else {
            return;
        };
        // The cut version as it shows, to come back should the new try bring nothing.
        let current = kept_of(reply);
        reply.versions.update(|v| v.update_shown(current));
        asked_anew(reply);
        show_kept(reply, Kept::streaming());
        run_exchange(state, question, reply, controller, Asking::VersionAgain);
        return;
    }
    // The message goes again as the newest, and its reply comes after it.
    state.remove(reply.key);
    state.move_to_end(question.key);
    start_exchange(state, question, Asking::Again);
}

/// Sends the oldest message that waits for the connection (see
/// [`MessageDetails::when_online`]), when the browser is online; the others follow it once it
/// is answered. Messages not sent for another reason (stopped, refused) wait for their Retry.
pub fn resend_unsent(state: ChatState) {
    if !crate::errors::is_online() || state.replying.get_untracked() {
        return;
    }
    let oldest = state.messages.with_untracked(|list| {
        list.iter()
            .find(|m| {
                m.role == Role::Visitor
                    && m.status.get_untracked() == MessageStatus::Unsent
                    && m.details.with_value(|d| d.when_online)
            })
            .copied()
    });
    if let Some(question) = oldest {
        retry_unsent(state, question);
    }
}

/// Stops the reply being streamed; what arrived so far stays.
pub fn stop(state: ChatState) {
    state.abort();
}

/// Live messages are timed by the browser's clock; history brings its own times.
fn now() -> i64 {
    js_sys::Date::now() as i64
}
