//! The sign of a reply that is slow to start or has gone quiet: while an exchange runs, its
//! reply is marked stalled ([`ChatState::stalled`]) when no word has come for a while.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState, MessageStatus, Notice};
use crate::timers::{self, sleep_ms_or_abort};

/// How long a reply may go without a new word before its row says it is still coming.
const STALL_AFTER_MS: f64 = 4000.0;
/// How often the reply's length is looked at for that.
const STALL_CHECK_MS: u32 = 500;

/// Marks `reply` as stalled ([`ChatState::stalled`]) while its exchange runs and its text has not
/// begun or grown for [`STALL_AFTER_MS`], and unmarks it once the text grows again or the exchange
/// has `ended` (a reply that failed before its first word is taken out of the list still
/// marked as streaming: its status does not say that it is over). A look at the text's length
/// twice a second costs nothing next to the stream itself.
pub(super) async fn watch_for_stall(
    state: ChatState,
    reply: ChatMessage,
    stop: web_sys::AbortSignal,
    ended: Rc<Cell<bool>>,
) {
    let mut seen = usize::MAX;
    let mut since = timers::now_ms();
    loop {
        sleep_ms_or_abort(STALL_CHECK_MS, &stop).await;
        let streaming = reply.status.try_get_untracked() == Some(MessageStatus::Streaming);
        if ended.get() || stop.aborted() || !streaming {
            break;
        }
        let length = reply.text.try_with_untracked(String::len).unwrap_or(0);
        let now = timers::now_ms();
        // Waiting to retry is said by the notice's countdown; the wait starts afresh after it.
        let counting_down = state
            .notice
            .try_with_untracked(|n| n.as_ref().is_some_and(Notice::counts_down))
            .unwrap_or(false);
        if length != seen || counting_down {
            seen = length;
            since = now;
        }
        // Before the first word too: a slow start is said the same way.
        let stalled = now - since >= STALL_AFTER_MS;
        let marked = state.stalled.get_untracked() == Some(reply.key);
        if stalled != marked {
            state.stalled.set(stalled.then_some(reply.key));
        }
    }
    if state.stalled.try_get_untracked() == Some(Some(reply.key)) {
        state.stalled.set(None);
    }
}
