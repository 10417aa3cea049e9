//! One exchange: the visitor's message asked (in the stored conversation, or a new one), its
//! reply streamed into its row with retries of passing troubles, and both settled as it ended.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use super::late_replies;
use super::regenerating::version_brought_nothing;
use super::stall::watch_for_stall;
use super::undelivered::{back_in_the_box, mark_unsent, words_back_notice};
use super::{now, resend_unsent};
use crate::api::{self, Ask};
use crate::chat::{ChatMessage, ChatState, MessageDetails, MessageStatus, Sender};
use crate::config::Config;
use crate::errors::{self, ApiError};
use crate::models::{Conversation, Role};
use crate::store;
use crate::stream::StreamEvent;
use crate::timers::{self, sleep_ms_or_abort};
use crate::unfinished::{self, Ending, UnfinishedReply};

/// What an exchange asks the backend, which decides what its failure leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Asking {
    /// A message the backend does not have yet: a new one, or one not sent before.
    First,
    /// A message whose reply was cut off, asked again as the newest.
    Again,
    /// A new version of the last reply (Regenerate).
    NewVersion,
    /// A version of a regenerated reply that was cut off, asked again in its place.
    VersionAgain,
}

pub(super) fn start_exchange(state: ChatState, question: ChatMessage, asking: Asking) {
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
pub(super) fn run_exchange(
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
/// are likely to pass; a partial reply is cleared before the next try so nothing doubles. The
/// waits are one trouble going on: said once, as the first begins (see
/// [`ChatState::count_down_notice`]).
async fn exchange_with_retries(
    state: ChatState,
    config: &Config,
    question: ChatMessage,
    ask: Ask<'_>,
    reply: ChatMessage,
    controller: &AbortController,
) -> Result<(), ApiError> {
    let mut attempt = 0;
    let mut wait = None;
    loop {
        let error = match exchange(state, config, question, ask, reply, controller).await {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let Some(delay) = error.retry_delay_ms(attempt) else {
            return Err(error);
        };
        wait = count_down(state, &error, delay, wait, controller).await;
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
/// seconds down; `earlier`: the notice of the exchange's wait before this one. Returns the
/// notice's id (`earlier` when stopped before it went up).
async fn count_down(
    state: ChatState,
    error: &ApiError,
    delay_ms: u32,
    earlier: Option<u64>,
    controller: &AbortController,
) -> Option<u64> {
    let t = state.config.with_value(|c| c.texts);
    let mut left = delay_ms;
    let mut notice = earlier;
    // Offline, the wait would count down to a try that cannot go: the try goes at once and
    // says so, and the message waits for the connection instead.
    while left > 0 && !controller.signal().aborted() && errors::is_online() {
        notice = Some(state.count_down_notice(error.retry_notice(left, t), earlier));
        // To the next whole second, so the number shown changes when it should.
        let step = match left % 1000 {
            0 => 1000,
            part => part,
        };
        sleep_ms_or_abort(step, &controller.signal()).await;
        left -= step;
    }
    notice
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
            // The messages above it went to the conversation the backend no longer has: the
            // assistant answers without them, and a reload will not show them.
            let after_others = state
                .messages
                .with_untracked(|list| list.first().is_some_and(|m| m.key != question.key));
            if after_others {
                state.show_notice(config.texts.conversation_started_anew.to_owned());
            }
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
            // A reply cut off (or given up as stalled) while the browser is offline: the
            // visitor's own connection is the likelier cause, and nothing can be retried until
            // it is back, when the history is read for the whole reply.
            let offline = error == ApiError::Offline || !errors::is_online();
            let notice = if offline && !reply_is_empty {
                let t = state.config.with_value(|c| c.texts);
                state.show_offline_notice(t.offline_cut.to_owned())
            } else {
                state.show_notice(words_back_notice(state, &error, question))
            };
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
                reply.details.update_value(|d| d.cut_notice = Some(notice));
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
pub(super) fn remember_unfinished(
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
pub(super) fn forget_cut(config: &Config, question: ChatMessage) {
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
