//! The stored conversation's history, read when the panel first opens (and again when another
//! tab changed the conversation: see [`super::other_tab`]) and put in the list a batch at a
//! time, with the unsent messages and unfinished replies that survived a reload.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use super::other_tab::shown;
use super::unreachable::read_again_once_reachable;
use crate::api;
use crate::asked_again;
use crate::chat::{ChatState, HistoryRow, HistoryStatus, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::history_merge::{self, Shown};
use crate::history_slices::{row_units, BatchPlan};
use crate::models::{Message, Role};
use crate::regenerated;
use crate::store;
use crate::timers;
use crate::unfinished;
use crate::unsent::{self, UnsentMessage};

/// Shows the messages that were not sent before the last reload, each with its files and Retry.
pub fn restore_unsent(state: ChatState) {
    for unsent in state.config.with_value(store::unsent) {
        let message = state.push(Role::Visitor, unsent.text, MessageStatus::Unsent);
        // Before the row is drawn (rendering runs after this task), as for a message sent now.
        message.details.update_value(|d| {
            d.attachments = unsent.attachments;
            d.sent_before = unsent.sent_before;
            d.when_online = unsent.when_online;
        });
    }
}

/// Takes away the unsent messages (`unsent`, each with how many of the visitor's messages with
/// its text the history holds) that the history shows reached the backend after all: the
/// history shows them where they belong.
fn forget_arrived_unsent(
    state: ChatState,
    config: &Config,
    unsent: &[(u64, UnsentMessage)],
    held: &[usize],
) {
    let given: Vec<(&str, Option<usize>, usize)> = unsent
        .iter()
        .zip(held)
        .map(|((_, m), held)| (m.text.as_str(), m.sent_before, *held))
        .collect();
    let still_unsent: Vec<u64> = state.unsent().into_iter().map(|(key, _)| key).collect();
    let mut forgot = false;
    for ((key, _), arrived) in unsent.iter().zip(unsent::arrived(&given)) {
        // Not if the visitor sent it again meanwhile.
        if arrived && still_unsent.contains(key) {
            state.remove(*key);
            forgot = true;
        }
    }
    if forgot {
        store::save_unsent(config, &state.unsent_messages());
    }
}

/// The history's `messages` (oldest first, with the askings that [`asked_again`] leaves out
/// left out) as the list shows them: with the replies that did not finish as they ended, and
/// the regenerated ones with their versions.
pub(super) fn as_shown(
    config: &Config,
    conversation: &str,
    messages: Vec<Message>,
) -> Vec<HistoryRow> {
    let rows = unfinished::restore(conversation, messages, &store::unfinished(config));
    regenerated::fold(conversation, rows, &store::regenerated(config))
}

/// Whether the list shows something of `conversation` that only its whole history tells: a
/// reply that did not finish or a regenerated one (each is found by counting askings from the
/// start).
pub(super) fn needs_whole(config: &Config, conversation: &str) -> bool {
    store::unfinished(config)
        .iter()
        .any(|r| r.conversation == conversation)
        || store::regenerated(config)
            .iter()
            .any(|r| r.conversation == conversation)
}

/// Puts the history in the list newest first, a batch of rows per task (see [`BatchPlan`]), so
/// the end of the conversation shows at once and no task grows long however long the history is.
async fn show_history(
    state: ChatState,
    mut messages: Vec<HistoryRow>,
    still_wanted: impl Fn() -> bool,
) {
    let mut plan = BatchPlan::default();
    // The last page was read in this task (a page of long messages takes tens of milliseconds):
    // the rows are built in tasks of their own.
    timers::yield_to_browser().await;
    while !messages.is_empty() && still_wanted() {
        let started = timers::now_ms();
        let rows = plan.next_batch(messages.iter().rev().map(|row| row.message.content.len()));
        let batch = messages.split_off(messages.len() - rows);
        let units: f64 = batch
            .iter()
            .map(|row| row_units(row.message.content.len()))
            .sum();
        let before = messages
            .iter()
            .rev()
            .map(|row| &row.message)
            .find(|m| m.role.is_some());
        state.prepend_history(batch, before);
        // The list builds the rows in a task of Leptos's executor, which sets off the
        // replies' bodies in tasks of their own: after two of its ticks, all are built.
        leptos::task::tick().await;
        leptos::task::tick().await;
        let built = timers::now_ms();
        // The browser styles, lays out and paints them when its next frame is due, before the
        // next batch or after it; what it did before the next batch counts too.
        timers::yield_to_browser().await;
        plan.batch_done(units, built - started, timers::now_ms() - built);
    }
}

/// Fetches the stored conversation's messages once, the first time the panel opens.
pub fn load_history(state: ChatState) {
    if let Some(reading) = read_history(state) {
        spawn_local(reading);
    }
}

/// [`load_history`]'s reading of the history, to run, if there is one to read: it is under way
/// (and the list's history status says so) from now on.
pub(super) fn read_history(state: ChatState) -> Option<impl Future<Output = ()>> {
    if state.history.get_untracked() != HistoryStatus::NotLoaded {
        return None;
    }
    let config = state.config.get_value();
    let Some(conversation) = store::conversation(&config) else {
        state.history.set(HistoryStatus::Loaded);
        // A first message typed offline before the last reload goes now, if the browser is
        // online: no `online` event comes to a page that started online.
        super::resend_unsent(state);
        // The first message's row will need the time formatter: create it after the panel's
        // first frame, in a task of its own, rather than in the task that opened the panel or
        // the one that sends the message (the page's first `Intl.DateTimeFormat` loads the
        // browser's locale data, 50 to 100 ms under 4x CPU throttling).
        spawn_local(async {
            timers::next_frame().await;
            timers::yield_to_browser().await;
            crate::time_format::warm();
        });
        return None;
    };
    let controller = AbortController::new().ok()?;
    // What the visitor sends from now on shows as it goes: should the history answer after the
    // backend stored it, it holds it too (see `history_merge::held_since`).
    let since = state.next_key();
    state.history.set(HistoryStatus::Loading);
    state.set_history_abort(Some(controller.clone()));
    Some(async move {
        let result = api::history(&config, &conversation, Some(&controller.signal())).await;
        if controller.signal().aborted() {
            // The widget is gone; or another read took this one's place (the conversation
            // changed in another tab), and the list is that one's.
            if state.reads_history_with(&controller) {
                state.set_history_abort(None);
                state.history.set(HistoryStatus::NotLoaded);
            }
            return;
        }
        // A new conversation started meanwhile, or the widget is gone: this history is no
        // longer shown.
        let still_wanted = || {
            !controller.signal().aborted()
                && store::conversation(&config).as_ref() == Some(&conversation)
        };
        if !still_wanted() {
            state.set_history_abort(None);
            return;
        }
        let mut cut_shown = false;
        let mut unreachable = false;
        let status = match result {
            Ok(messages) => {
                let messages = asked_again::leave_out(messages);
                let unsent = state.unsent();
                let held: Vec<usize> = unsent
                    .iter()
                    .map(|(_, u)| {
                        messages
                            .iter()
                            .filter(|m| m.role == Some(Role::Visitor) && m.content == u.text)
                            .count()
                    })
                    .collect();
                let mut messages = as_shown(&config, &conversation.id, messages);
                let added: Vec<Shown> = state.messages.with_untracked(|list| {
                    list.iter()
                        .filter(|m| m.key >= since)
                        .map(|m| shown(*m))
                        .collect()
                });
                messages.truncate(messages.len() - history_merge::held_since(&messages, &added));
                cut_shown = messages
                    .iter()
                    .any(|row| row.status == MessageStatus::Failed);
                // Until the last slice is in, destroy() stops it through the same controller.
                show_history(state, messages, still_wanted).await;
                // Another read took its place, or the widget was destroyed meanwhile: nothing
                // more is this read's to do (a dead widget must not send what waited).
                if controller.signal().aborted() || !state.reads_history_with(&controller) {
                    return;
                }
                forget_arrived_unsent(state, &config, &unsent, &held);
                // Follow-ups may still come for the conversation picked up after a reload.
                crate::follow_ups::watch(state);
                HistoryStatus::Loaded
            }
            Err(error) if error.conversation_is_gone() => {
                // Start afresh on the next message, saying why the list is empty.
                store::forget_conversation(&config);
                state.show_notice(config.texts.conversation_gone.to_owned());
                HistoryStatus::Loaded
            }
            Err(error) => {
                unreachable = error == ApiError::Network;
                HistoryStatus::Failed {
                    notice: state.show_notice(error.history_message(config.texts)),
                }
            }
        };
        // A read that could not reach the backend keeps its controller for the asking that
        // follows (below), which `destroy` or another read stops through it.
        state.set_history_abort(unreachable.then(|| controller.clone()));
        let loaded = status == HistoryStatus::Loaded;
        state.history.set(status);
        if cut_shown {
            super::late_replies::watch(state);
        }
        // Messages that waited for the connection go once the history is in, after the
        // exchanges it holds: a page that started online hears no `online` event, and one
        // that came back online while this read was under way may have sent nothing yet.
        if loaded {
            super::resend_unsent(state);
        }
        if let (true, HistoryStatus::Failed { notice }) = (unreachable, status) {
            read_again_once_reachable(state, &config, &conversation, &controller, notice).await;
        }
    })
    // The rows' time formatter is created by their warm-up while the history is on its way
    // (see `message_row::warm_up`).
}
