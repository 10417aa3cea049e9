//! Replies stored late: a reply cut off by the network may still be being written by the
//! backend, which stores it when it is done. While a cut reply shows, after the stream broke or
//! brought back after a reload, the history is read again a few times, and a reply stored
//! meanwhile takes the cut one's place, so that the visitor has no Retry to press that would
//! ask a second time.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::api;
use crate::asked_again;
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::config::Config;
use crate::models::{Conversation, Message, Role};
use crate::store;
use crate::timers::sleep_ms_or_abort;
use crate::unfinished::{self, UnfinishedReply};

/// The pauses before each new read of the history while a cut reply shows: about three minutes
/// in all, longer than a backend takes to write a reply.
const LATE_REPLY_PAUSES_MS: [u32; 6] = [3_000, 6_000, 12_000, 24_000, 48_000, 96_000];

/// Starts (or starts again) reading the history for replies stored late, while a cut reply
/// shows: after a reply is cut off, and when one comes back with the history after a reload.
pub fn watch(state: ChatState) {
    let config = state.config.get_value();
    let Some(conversation) = store::conversation(&config) else {
        return;
    };
    let Ok(controller) = AbortController::new() else {
        return;
    };
    // One watcher at a time; destroy() and a new conversation stop it.
    state.set_late_replies_abort(Some(controller.clone()));
    spawn_local(async move {
        await_late_replies(state, &config, &conversation, &controller).await;
    });
}

/// Starts reading the history again for replies stored meanwhile, if a cut reply shows: the
/// browser is back online, and the reads made while it was not found nothing.
pub fn look_for_late_replies(state: ChatState) {
    if shows_cut_reply(state) {
        watch(state);
    }
}

/// Reads the history again while a cut reply shows, and puts the replies stored meanwhile in
/// the cut ones' places. Stops when `controller` is aborted, the conversation changes or no cut
/// reply shows.
async fn await_late_replies(
    state: ChatState,
    config: &Config,
    conversation: &Conversation,
    controller: &AbortController,
) {
    let signal = controller.signal();
    for pause in LATE_REPLY_PAUSES_MS {
        sleep_ms_or_abort(pause, &signal).await;
        let still_wanted =
            || !signal.aborted() && store::conversation(config).as_ref() == Some(conversation);
        if !still_wanted() || !shows_cut_reply(state) {
            return;
        }
        let Ok(history) = api::history(config, conversation, Some(&signal)).await else {
            // Passing trouble, or stopped: the next read, if any, tells.
            continue;
        };
        if !still_wanted() {
            return;
        }
        let history = asked_again::leave_out(history);
        let roles = unfinished::roles_and_texts(&history);
        let mut remembered = store::unfinished(config);
        let late: Vec<(UnfinishedReply, usize)> =
            unfinished::late_replies(&conversation.id, &roles, &remembered)
                .into_iter()
                .map(|(cut, at)| (cut.clone(), at))
                .collect();
        for (cut, at) in &late {
            show_late_reply(state, cut, &history[*at]);
            remembered.retain(|r| r != cut);
        }
        if !late.is_empty() {
            store::save_unfinished(config, &remembered);
            state.meet_assistant(history.iter());
        }
    }
}

/// Whether a reply cut off still shows, with its Retry.
fn shows_cut_reply(state: ChatState) -> bool {
    state.messages.with_untracked(|list| {
        list.iter()
            .any(|m| m.role == Role::Assistant && m.status.get_untracked() == MessageStatus::Failed)
    })
}

/// Puts `reply`, as the history holds it, in the place of the row of `cut`, if it still shows:
/// the cut reply to the same asking of the same question.
fn show_late_reply(state: ChatState, cut: &UnfinishedReply, reply: &Message) {
    let shown_cut: Vec<(ChatMessage, ChatMessage)> = state.messages.with_untracked(|list| {
        list.windows(2)
            .filter_map(|pair| {
                let [question, answer] = pair else {
                    return None;
                };
                let is_cut = question.role == Role::Visitor
                    && question.text.with_untracked(|t| *t == cut.question)
                    && answer.status.get_untracked() == MessageStatus::Failed
                    && answer.text.with_untracked(|t| *t == cut.shown);
                is_cut.then_some((*question, *answer))
            })
            .collect()
    });
    let row = shown_cut
        .into_iter()
        .find(|(question, answer)| state.asking_answered_by(*question, *answer) == cut.asked_before)
        .map(|(_, answer)| answer);
    let Some(row) = row else {
        return;
    };
    row.details.update_value(|d| {
        d.id = Some(reply.id.clone()).filter(|id| !id.is_empty());
        d.sources = reply.sources();
        d.created_at = reply.created_at.or(d.created_at);
    });
    row.text.set(reply.content.clone());
    row.status.set(MessageStatus::Complete);
    // What the notice said is no longer so: nothing is cut, and there is nothing to retry.
    if let Some(notice) = row.details.with_value(|d| d.cut_notice) {
        state.take_down_notice(notice);
    }
    // Counted unread while the panel is closed, as a reply that streamed in, and read out
    // unless a newer message came since.
    state.late_reply_completed(row.key, reply.content.clone());
}
