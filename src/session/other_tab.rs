//! Following what another tab of the site did with the conversation (see [`crate::tabs`]). An
//! exchange added to the conversation shown joins the list, whose rows stay as they are (see
//! [`crate::history_merge`]); another conversation, or a list that does not meet the history,
//! is shown afresh, as after a reload. The messages not sent stay in the list, and the message
//! box and its files are left alone. A conversation another tab stored over the one this tab
//! sent to gets what this tab sent there (see [`crate::tabs`]).

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use super::history::{as_shown, needs_whole, read_history};
use super::load_history;
use crate::api::{self, HistoryRead};
use crate::asked_again;
use crate::chat::{ChatMessage, ChatState, HistoryRow, HistoryStatus};
use crate::config::Config;
use crate::history_merge::{self, Meeting, Shown};
use crate::models::Conversation;
use crate::store;
use crate::tabs::Change;
use crate::timers;

/// How following another tab went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    Done,
    /// The visitor sent a message while the history was read, which may hold it or not: to
    /// follow again once its reply has ended.
    AfterReply,
}

/// Shows what another tab did. Called with no reply streaming in this tab; `before_rebuild`
/// runs right before the list's rows are taken out, if they are.
pub async fn follow_other_tab(
    state: ChatState,
    change: Change,
    before_rebuild: impl FnOnce(),
) -> Followed {
    // An exchange added to the list shown while the visitor looks. A closed panel reads the
    // conversation once, when it opens; a list with messages not sent does too, for the history
    // tells which of them reached the backend after all.
    let joins = change == Change::Messages
        && state.open.get_untracked()
        && state.history.get_untracked() == HistoryStatus::Loaded
        && !state.shows_unsent();
    if joins {
        return catch_up(state, before_rebuild).await;
    }
    if change == Change::Replaced {
        send_again(state, before_rebuild).await;
        return Followed::Done;
    }
    before_rebuild();
    show_afresh(state, change);
    Followed::Done
}

/// Another tab stored its conversation over the one this tab sent to: the visitor's messages
/// sent from here, whose exchanges are in the one replaced, go again to the one kept, after
/// its history. Marked not sent until then, they survive a reload or a closed tab.
async fn send_again(state: ChatState, before_rebuild: impl FnOnce()) {
    let config = state.config.get_value();
    let kept = store::conversation(&config);
    let moved = kept
        .as_ref()
        .map_or(0, |kept| state.send_again_to(&kept.id));
    before_rebuild();
    if moved == 0 {
        show_afresh(state, Change::Replaced);
        return;
    }
    store::save_unsent(&config, &state.unsent_messages());
    take_rows_out(state, Change::Replaced);
    // Read at once, open or not, so that they go after the exchanges the history holds.
    if let Some(reading) = read_history(state) {
        reading.await;
    }
    // The read sent the first of them (see `read_history`).
    if state.history.get_untracked() != HistoryStatus::Loaded
        || store::conversation(&config) != kept
    {
        return;
    }
    state.show_notice(config.texts.sent_again_to_other_tab.to_owned());
}

/// Shows the conversation stored now, read again from the backend (at once while the panel is
/// open, else when it opens).
pub(super) fn show_afresh(state: ChatState, change: Change) {
    take_rows_out(state, change);
    if state.open.get_untracked() {
        load_history(state);
    }
}

/// Takes the list's rows out, but for the messages not sent, for the history to be read again.
fn take_rows_out(state: ChatState, change: Change) {
    // What this tab was still reading or watching was for the list it showed.
    state.drop_history_read();
    state.set_follow_ups_abort(None);
    state.set_late_replies_abort(None);
    dispose_once_gone(state.keep_only_unsent());
    if change != Change::Messages {
        // Replies not read yet belong to the conversation left.
        state.unread.set(0);
    }
    state.history.set(HistoryStatus::NotLoaded);
}

/// Frees the signals of messages taken out of the list once their rows are gone: the list
/// drops the rows when it next renders, before the browser's next task.
fn dispose_once_gone(messages: Vec<ChatMessage>) {
    if messages.is_empty() {
        return;
    }
    spawn_local(async move {
        timers::yield_to_browser().await;
        for message in messages {
            message.dispose();
        }
    });
}

/// Adds to the list the messages of the stored conversation that it does not show yet, reading
/// its newest messages only where that tells which.
async fn catch_up(state: ChatState, before_rebuild: impl FnOnce()) -> Followed {
    let config = state.config.get_value();
    let Some(conversation) = store::conversation(&config) else {
        return Followed::Done;
    };
    let Ok(controller) = AbortController::new() else {
        return Followed::Done;
    };
    // One read for the list at a time: a later change, or destroy(), stops this one.
    state.drop_history_read();
    state.set_history_abort(Some(controller.clone()));
    // The watcher would take the other tab's reply for a follow-up; it starts again after.
    state.set_follow_ups_abort(None);
    // A message sent from here while the history is read may be in it or not.
    let until = state.next_key();
    let mut whole = needs_whole(&config, &conversation.id);
    loop {
        let read = if whole {
            api::history(&config, &conversation, Some(&controller.signal()))
                .await
                .map(|messages| HistoryRead {
                    messages,
                    whole: true,
                })
        } else {
            api::recent_history(&config, &conversation, Some(&controller.signal())).await
        };
        // Another read took this one's place, the conversation changed, or the widget is
        // gone: the list is not this read's to change.
        if !state.reads_history_with(&controller)
            || store::conversation(&config).as_ref() != Some(&conversation)
        {
            return Followed::Done;
        }
        if state.next_key() != until {
            done(state);
            return Followed::AfterReply;
        }
        let read = match read {
            Ok(read) => read,
            Err(error) if error.conversation_is_gone() => break,
            // Passing trouble: the list stays as it is, and the next change or a reload brings
            // what it lacks.
            Err(_) => {
                done(state);
                return Followed::Done;
            }
        };
        whole = read.whole;
        let rows = rows_of(&config, &conversation, read);
        let stored = state.messages.get_untracked();
        if let Some(meeting) = meet(&stored, &rows, whole) {
            join(state, &stored, rows, meeting);
            done(state);
            return Followed::Done;
        }
        if whole {
            break;
        }
        whole = true;
    }
    state.set_history_abort(None);
    before_rebuild();
    show_afresh(state, Change::Messages);
    Followed::Done
}

/// The read for the list has ended, the list as it is: the follow-ups watcher starts again.
fn done(state: ChatState) {
    state.set_history_abort(None);
    crate::follow_ups::watch(state);
}

/// The messages read as the list shows them.
fn rows_of(config: &Config, conversation: &Conversation, read: HistoryRead) -> Vec<HistoryRow> {
    let messages = asked_again::leave_out(read.messages);
    let mut rows = as_shown(config, &conversation.id, messages);
    // Messages of other kinds have no row.
    rows.retain(|row| row.message.role.is_some());
    rows
}

/// Where the list's messages (`stored`: the backend holds each) meet the history's `rows`, if
/// they do.
fn meet(stored: &[ChatMessage], rows: &[HistoryRow], whole: bool) -> Option<Meeting> {
    // Only the list's last rows can be the newest messages read.
    let from = if whole {
        0
    } else {
        stored.len().saturating_sub(rows.len())
    };
    let shown: Vec<Shown> = stored[from..].iter().map(|m| shown(*m)).collect();
    let meeting = history_merge::meeting(&shown, rows, whole)?;
    Some(Meeting {
        before: from + meeting.before,
        ..meeting
    })
}

/// A row of the list as the history is matched against it.
pub(super) fn shown(message: ChatMessage) -> Shown {
    Shown {
        id: message.details.with_value(|d| d.id.clone()),
        role: message.role,
        text: message.text.get_untracked(),
        status: message.status.get_untracked(),
        versions: message.versions.with_untracked(|v| v.count()),
    }
}

/// Puts the history's new rows at the end of the list, and keeps the ids of the messages shown
/// found in it (those sent from this tab), so that the next read meets them by id.
fn join(state: ChatState, stored: &[ChatMessage], mut rows: Vec<HistoryRow>, meeting: Meeting) {
    let new = rows.split_off(meeting.new_from);
    for (message, row) in stored[meeting.before..].iter().zip(&rows) {
        if message.details.with_value(|d| d.id.is_none()) && !row.message.id.is_empty() {
            message
                .details
                .update_value(|d| d.id = Some(row.message.id.clone()));
        }
    }
    state.append_history(new);
}
