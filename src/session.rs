//! The flows that move the chat forward: send a message and stream its reply (retrying passing
//! troubles by itself), stop it, retry what failed, load the history ([`history`]). They glue
//! [`ChatState`] to the API and to localStorage.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::api::{self, Ask};
use crate::attaching;
use crate::chat::{
    ChatEvent, ChatMessage, ChatState, HistoryStatus, MessageDetails, MessageStatus, Sender,
};
use crate::config::Config;
use crate::errors::ApiError;
use crate::message_length::{self, Length};
use crate::models::{Attachment, Conversation, Role};
use crate::regenerated::{self, Regeneration};
use crate::store;
use crate::stream::StreamEvent;
use crate::tabs::Change;
use crate::timers::{self, sleep_ms_or_abort};
use crate::unfinished::{self, Ending, UnfinishedReply};
use crate::versions::{Kept, Versions};

mod history;
mod late_replies;
mod leaving;
mod other_tab;
mod stall;

pub use history::{load_history, restore_unsent};
pub use leaving::remember_reply_in_flight;
pub use other_tab::{follow_other_tab, Followed};
use stall::watch_for_stall;

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

/// Forgets the stored conversation and empties the list; the next message starts a new one.
/// A reply in flight is stopped.
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
fn kept_of(reply: ChatMessage) -> Kept {
    Kept {
        text: reply.text.get_untracked(),
        sources: reply.details.with_value(|d| d.sources.clone()),
        status: reply.status.get_untracked(),
    }
}

/// A reply's row is to show a new answer: the id of the one it showed is not its id any more.
fn asked_anew(reply: ChatMessage) {
    reply.details.update_value(|d| d.id = None);
}

/// Puts a version in the reply's row.
fn show_kept(reply: ChatMessage, kept: Kept) {
    reply.details.update_value(|d| d.sources = kept.sources);
    reply.text.set(kept.text);
    reply.status.set(kept.status);
}

/// Stops the reply being streamed; what arrived so far stays.
pub fn stop(state: ChatState) {
    state.abort();
}

/// Live messages are timed by the browser's clock; history brings its own times.
fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// What an exchange asks the backend, which decides what its failure leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    /// A message the backend does not have yet: a new one, or one not sent before.
    First,
    /// A message whose reply was cut off, asked again as the newest.
    Again,
    /// A new version of the last reply (Regenerate).
    NewVersion,
    /// A version of a regenerated reply that was cut off, asked again in its place.
    VersionAgain,
}

fn start_exchange(state: ChatState, question: ChatMessage, asking: Asking) {
    let Ok(controller) = AbortController::new() else {
        return;
    };
    let reply = state.insert_after(
        question.key,
        Role::Assistant,
        MessageStatus::Streaming,
        MessageDetails {
            created_at: Some(now()),
            sender: state.assistant_sender(),
            ..MessageDetails::default()
        },
    );
    run_exchange(state, question, reply, controller, asking);
}

/// Streams the answer to `question` into `reply` (a row already in the list, streaming).
fn run_exchange(
    state: ChatState,
    question: ChatMessage,
    reply: ChatMessage,
    controller: AbortController,
    asking: Asking,
) {
    state.notice.set(None);
    state.replying.set(true);
    state.set_abort(Some(controller.clone()));
    let ended = Rc::new(Cell::new(false));
    spawn_local(watch_for_stall(
        state,
        reply,
        controller.signal(),
        ended.clone(),
    ));
    let config = state.config.get_value();
    let text = question.text.get_untracked();
    let attachments = question.details.with_value(|d| d.attachments.clone());
    spawn_local(async move {
        // Asking is a task of its own, after the one that adds the rows: the key press or tap
        // is answered, and the rows built, before the request is built and sent.
        timers::yield_to_browser().await;
        let ask = Ask {
            text: &text,
            attachments: &attachments,
        };
        let outcome =
            exchange_with_retries(state, &config, question, ask, reply, &controller).await;
        state.set_abort(None);
        let answered = outcome.is_ok();
        // Cut when the page went away (see `leaving`): the failure the stream then ends with
        // is the page going, not a network's or the visitor's, and settles nothing more.
        let left_with_the_page = !answered && reply.status.get_untracked() == MessageStatus::Failed;
        if !left_with_the_page {
            finish(state, &config, question, reply, outcome, asking);
        }
        ended.set(true);
        state.replying.set(false);
        // The messages that waited for the connection go one after another, in order.
        if answered {
            resend_unsent(state);
        }
    });
}

/// Runs the exchange, waiting and trying again (a bounded number of times) after errors that
/// are likely to pass; a partial reply is cleared before the next try so nothing doubles.
async fn exchange_with_retries(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    let mut attempt = 0;
    loop {
        let error = match exchange(state, config, question, ask, reply, controller).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let Some(delay) = error.retry_delay_ms(attempt) else {
            return Err(error);
        };
        count_down(state, &error, delay, controller).await;
        if controller.signal().aborted() {
            // Stopped while waiting: nothing is on its way, so the exchange ends as the error
            // left it (an unsent message, or a partial reply to retry), not as a stopped reply.
            return Err(error);
        }
        state.notice.set(None);
        reply.text.set(String::new());
        attempt += 1;
    }
}

/// Waits `delay_ms` before an automatic retry (or until stopped), the notice counting the
/// seconds down.
async fn count_down(
    state: ChatState,
    error: &ApiError,
    delay_ms: u32,
    controller: &AbortController,
) {
    let t = state.config.with_value(|c| c.texts);
    let mut left = delay_ms;
    while left > 0 && !controller.signal().aborted() {
        state.count_down_notice(error.retry_notice(left, t));
        // To the next whole second, so the number shown changes when it should.
        let step = match left % 1000 {
            0 => 1000,
            part => part,
        };
        sleep_ms_or_abort(step, &controller.signal()).await;
        left -= step;
    }
}

/// Sends the oldest message that waits for the connection (see
/// [`MessageDetails::when_online`]), when the browser is online; the others follow it once it
/// is answered. Messages not sent for another reason (stopped, refused) wait for their Retry.
pub fn resend_unsent(state: ChatState) {
    let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
    if !online || state.replying.get_untracked() {
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

/// Asks `question` (as `ask`) in the stored conversation, or in a new one, and streams the
/// answer into `reply`.
async fn exchange(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    let stored = store::conversation(config);
    let conversation = match stored.clone() {
        Some(conversation) => conversation,
        None => create_conversation(state, config, controller).await?,
    };
    // Should another tab replace it, what went to it goes again (see `tabs`).
    let sent_to = |conversation: &Conversation| {
        question
            .details
            .update_value(|d| d.sent_to = Some(conversation.id.clone()));
    };
    sent_to(&conversation);
    match stream_into(state, config, &conversation, ask, reply, controller).await {
        // Deliver the message in a new conversation rather than leave it unsent for good.
        Err(error)
            if error.conversation_is_gone()
                && stored.is_some()
                && reply.text.with_untracked(String::is_empty) =>
        {
            store::forget_conversation(config);
            let fresh = create_conversation(state, config, controller).await?;
            sent_to(&fresh);
            stream_into(state, config, &fresh, ask, reply, controller).await
        }
        outcome => outcome,
    }
}

/// Creates a conversation, with the visitor's answer to the contact step, and keeps it for the
/// next reload. Another tab of the site may have stored one while this one was being made (its
/// first message went at the same moment): that one is the site's chat, and the one made here
/// is left unused (see [`crate::tabs`]).
pub async fn create_conversation(
    state: ChatState,
    config: &Config,
    controller: &AbortController,
) -> Result<Conversation, ApiError> {
    let contact = state
        .contact
        .try_with_untracked(|step| step.contact().cloned())
        .flatten();
    let created =
        api::create_conversation(config, contact.as_ref(), Some(&controller.signal())).await?;
    if let Some(stored) = store::conversation(config) {
        return Ok(stored);
    }
    store::save_conversation(config, &created);
    Ok(created)
}

async fn stream_into(
    state: ChatState,
    config: &Config,
    conversation: &Conversation,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    // All the deltas of one piece of the body go to the message at once: one update, one render.
    let outcome = api::stream_reply(config, conversation, ask, controller, |events| {
        let mut added = String::new();
        for event in events {
            match event {
                StreamEvent::Chunk { content, .. } => added.push_str(content),
                StreamEvent::Sources(sources) => {
                    reply.details.update_value(|d| d.sources = sources.clone());
                }
                StreamEvent::Malformed(_) | StreamEvent::Failed(_) => {}
            }
        }
        if !added.is_empty() {
            reply.text.update(|t| t.push_str(&added));
            // Words came: "still working" goes with them, not at the stall watch's next look.
            if state
                .stalled
                .get_untracked()
                .is_some_and(|s| s.reply == reply.key)
            {
                state.stalled.set(None);
            }
        }
    })
    .await;
    // The backend has the message once words of its reply came: the site's other tabs showing
    // this conversation read it again (see `tabs`).
    if outcome.is_ok() || reply.text.with_untracked(|t| !t.is_empty()) {
        store::stamp(config, &conversation.id);
    }
    outcome
}

/// Settles both messages of an exchange. Nothing typed is lost: a message that never got an
/// answer stays, marked unsent and remembered across reloads; a partial reply stays too.
fn finish(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    reply: ChatMessage,
    outcome: Result<(), ApiError>,
    asking: Asking,
) {
    let reply_is_empty = reply.text.with_untracked(String::is_empty);
    if let Err(error) = &outcome {
        if reply_is_empty && matches!(asking, Asking::NewVersion | Asking::VersionAgain) {
            version_brought_nothing(state, config, question, reply, error, asking);
            return;
        }
    }
    match outcome {
        Ok(()) => {
            reply.status.set(MessageStatus::Complete);
            forget_cut(config, question);
            state.reply_completed(reply.text.get_untracked());
            learn_assistant(state, config);
            crate::follow_ups::watch(state);
        }
        // Stopped before a word came back (the message may not even have reached the server,
        // when the conversation was still being made): the message stays, not sent, with its
        // Retry, rather than beside an empty reply.
        Err(ApiError::Aborted) if reply_is_empty => {
            state.remove(reply.key);
            mark_unsent(state, question, false);
        }
        Err(ApiError::Aborted) => {
            reply.status.set(MessageStatus::Stopped);
            remember_unfinished(state, config, question, reply, Ending::Stopped);
        }
        Err(error) => {
            state.show_notice(words_back_notice(state, &error, question));
            // A reply cut before its first word was still begun: the backend has the
            // message, which stays sent, and the reply stays, empty, with its Retry.
            if error.words_go_back() && reply_is_empty {
                state.remove(reply.key);
                if asking == Asking::First {
                    state.remove(question.key);
                } else {
                    // The backend has the message from its first asking, and keeps it; a
                    // Retry of its cut reply would be refused again (its files are gone, or
                    // the backend now takes less than it did).
                    forget_cut(config, question);
                }
                back_in_the_box(state, config, question, &error);
            } else if reply_is_empty && error != ApiError::Cut {
                state.remove(reply.key);
                mark_unsent(state, question, error == ApiError::Offline);
            } else {
                reply.status.set(MessageStatus::Failed);
                remember_unfinished(state, config, question, reply, Ending::Cut);
                late_replies::watch(state);
            }
        }
    }
    store::save_unsent(config, &state.unsent_messages());
}

/// A streamed reply carries no sender; the stored one does. The first time a reply completes
/// without the assistant's name known, it is read from the conversation's messages, so the live
/// view names the assistant as the history will. Best effort: a failure leaves the name unknown.
fn learn_assistant(state: ChatState, config: &Config) {
    if state.assistant.get_untracked() != Sender::default() {
        return;
    }
    let Some(conversation) = store::conversation(config) else {
        return;
    };
    let config = config.clone();
    spawn_local(async move {
        let Ok(messages) = api::history(&config, &conversation, None).await else {
            return;
        };
        state.meet_assistant(messages.iter());
    });
}

/// Remembers a reply that ended before it was whole, so the history shows it as it was after a
/// reload too.
fn remember_unfinished(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    reply: ChatMessage,
    ending: Ending,
) {
    let Some(conversation) = store::conversation(config) else {
        return;
    };
    let mut remembered = store::unfinished(config);
    unfinished::remember(
        &mut remembered,
        UnfinishedReply {
            conversation: conversation.id,
            question: question.text.get_untracked(),
            asked_before: state.asking_answered_by(question, reply),
            shown: reply.text.get_untracked(),
            ending,
        },
    );
    store::save_unfinished(config, &remembered);
}

/// A reply to `question` came whole: a cut one to it no longer comes back after a reload.
fn forget_cut(config: &Config, question: ChatMessage) {
    let Some(conversation) = store::conversation(config) else {
        return;
    };
    let mut remembered = store::unfinished(config);
    let before = remembered.len();
    let asked = question.text.get_untracked();
    unfinished::forget_cut(&mut remembered, &conversation.id, &asked);
    if remembered.len() != before {
        store::save_unfinished(config, &remembered);
    }
}

/// A version of a regenerated reply that ended before its first word. A new version is dropped
/// and the one before comes back; a cut version asked again comes back as it was. Whether the
/// backend has the new version's asking is not known, so its regeneration is forgotten: were it
/// remembered, a later asking of the same words could be taken for it after a reload.
fn version_brought_nothing(
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
        ApiError::Offline => state.show_offline_notice(t.offline_try_again.to_owned()),
        _ => {
            state.show_notice(words_back_notice(state, error, question));
        }
    }
    if error.words_go_back() {
        back_in_the_box(state, config, question, error);
    }
}

/// What the visitor is told of `error`, the failure to send `question`.
fn words_back_notice(state: ChatState, error: &ApiError, question: ChatMessage) -> String {
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
fn back_in_the_box(state: ChatState, config: &Config, question: ChatMessage, error: &ApiError) {
    put_back_in_the_box(state, config, question.text.get_untracked());
    if files_go_back(state, error, question) {
        let files = question.details.with_value(|d| d.attachments.clone());
        let conversation = store::conversation(config).map(|c| c.id);
        attaching::put_back(state, files, conversation);
    }
}

/// Puts `text` in the message box, before anything typed there.
fn put_back_in_the_box(state: ChatState, config: &Config, text: String) {
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
fn mark_unsent(state: ChatState, question: ChatMessage, when_online: bool) {
    question.status.set(MessageStatus::Unsent);
    let sent_before = state.sent_before(question);
    question.details.update_value(|d| {
        d.sent_before = sent_before;
        d.when_online = when_online;
    });
}
