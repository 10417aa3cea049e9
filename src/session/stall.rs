//! The sign of a reply that is slow to start or has gone quiet: while an exchange runs, its
//! reply is marked stalled ([`ChatState::stalled`]) when no word has come for a while.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState, MessageStatus, Stall};
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
    let mut pace = Pace::new(reply.key, timers::now_ms());
    loop {
        sleep_ms_or_abort(STALL_CHECK_MS, &stop).await;
        let streaming = reply.status.try_get_untracked() == Some(MessageStatus::Streaming);
        if ended.get() || stop.aborted() || !streaming {
            break;
        }
        let length = reply.text.try_with_untracked(String::len).unwrap_or(0);
        // Waiting to retry is said by the notice's countdown; the wait starts afresh after it.
        let counting_down = state
            .notice
            .try_with_untracked(|n| n.as_ref().is_some_and(|n| n.counts_down))
            .unwrap_or(false);
        let stall = pace.look(length, timers::now_ms(), counting_down);
        if marked(state, reply.key) != stall {
            state.stalled.set(stall);
        }
    }
    if marked(state, reply.key).is_some() {
        state.stalled.set(None);
    }
}

/// `reply`'s stall as [`ChatState::stalled`] has it.
fn marked(state: ChatState, reply: u64) -> Option<Stall> {
    state
        .stalled
        .try_get_untracked()
        .flatten()
        .filter(|s| s.reply == reply)
}

/// One reply's pace, look after look.
#[derive(Debug)]
struct Pace {
    reply: u64,
    /// The text's length at the last look, and when it last changed.
    seen: usize,
    since: f64,
    /// The stall going on, if any.
    stall: Option<Stall>,
    /// Whether a stall of this reply was said to screen readers already.
    said: bool,
}

impl Pace {
    fn new(reply: u64, now: f64) -> Self {
        Pace {
            reply,
            seen: usize::MAX,
            since: now,
            stall: None,
            said: false,
        }
    }

    /// The reply's stall at `now`, its text `length` long, if it is stalled; `waiting`: a retry
    /// is counted down. A stall is announced when it is the reply's first, and stays so for as
    /// long as it lasts.
    fn look(&mut self, length: usize, now: f64, waiting: bool) -> Option<Stall> {
        if length != self.seen || waiting {
            self.seen = length;
            self.since = now;
        }
        // Before the first word too: a slow start is said the same way.
        if now - self.since < STALL_AFTER_MS {
            self.stall = None;
            return None;
        }
        let (reply, said) = (self.reply, &mut self.said);
        Some(*self.stall.get_or_insert_with(|| Stall {
            reply,
            announced: !std::mem::replace(said, true),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stalls `pace` sees at each look, half a second apart, of the reply's text lengths.
    fn looks(pace: &mut Pace, lengths: &[usize]) -> Vec<Option<bool>> {
        lengths
            .iter()
            .enumerate()
            .map(|(i, &length)| {
                let now = (i + 1) as f64 * f64::from(STALL_CHECK_MS);
                pace.look(length, now, false).map(|s| s.announced)
            })
            .collect()
    }

    #[test]
    fn a_trickle_is_said_to_be_slow_once() {
        let mut pace = Pace::new(7, 0.0);
        // A word every 5 s: the reply stalls before each.
        let lengths: Vec<usize> = (0..40).map(|i| i / 10).collect();
        let seen = looks(&mut pace, &lengths);
        let stalls: Vec<&[Option<bool>]> = seen
            .split(Option::is_none)
            .filter(|run| !run.is_empty())
            .collect();
        assert_eq!(stalls.len(), 4, "{seen:?}");
        // The first stall is said for as long as it lasts; the others only show.
        assert!(stalls[0].iter().all(|s| *s == Some(true)));
        assert!(stalls[1..]
            .iter()
            .flat_map(|run| run.iter())
            .all(|s| *s == Some(false)));
    }

    #[test]
    fn a_reply_that_keeps_coming_never_stalls() {
        let mut pace = Pace::new(7, 0.0);
        let lengths: Vec<usize> = (0..40).collect();
        assert!(looks(&mut pace, &lengths).iter().all(Option::is_none));
    }

    #[test]
    fn a_countdown_to_a_retry_is_no_stall() {
        let mut pace = Pace::new(7, 0.0);
        for i in 1..=20 {
            assert_eq!(pace.look(0, f64::from(i * STALL_CHECK_MS), true), None);
        }
        // The wait starts afresh after it.
        assert_eq!(pace.look(0, 10_500.0, false), None);
        assert_eq!(
            pace.look(0, 10_000.0 + STALL_AFTER_MS, false),
            Some(Stall {
                reply: 7,
                announced: true
            })
        );
    }
}
