//! Follow-ups: assistant messages that arrive after a reply has ended, without the visitor
//! asking (Maax V2 posts them to the server minutes later; the server adds them to the
//! conversation's history).
//!
//! With `data-follow-ups="true"` the widget reads the history again after each reply, at first
//! every few seconds and then less and less often, for a while: an assistant message it has
//! not shown yet appears as a new message, and counts as unread while the panel is closed.
//! Polling the history was chosen over a per-conversation event stream: it needs nothing new
//! from the server beyond the history it already serves (guarded by the visitor token as every
//! call), works the same behind any load balancer and through proxies that cut idle
//! connections, and costs nothing once the window has passed. See server/README.md.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use crate::api;
use crate::chat::{ChatState, MessageDetails, MessageStatus};
use crate::errors::ApiError;
use crate::models::{Message, Role};
use crate::store;
use crate::timers::sleep_ms_or_abort;

/// The first pause after a reply.
const FIRST_MS: u32 = 3_000;
/// Each pause is this much longer than the one before…
const GROWTH: f64 = 1.5;
/// …up to this.
const LONGEST_MS: u32 = 60_000;
/// Polling stops after this long without a follow-up.
const WINDOW_MS: u32 = 20 * 60 * 1_000;

/// The pauses between two reads of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    next_ms: u32,
    spent_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            next_ms: FIRST_MS,
            spent_ms: 0,
        }
    }
}

impl Backoff {
    /// The next pause, or `None` once the window has passed.
    pub fn next_pause(&mut self) -> Option<u32> {
        if self.spent_ms >= WINDOW_MS {
            return None;
        }
        let pause = self.next_ms;
        self.spent_ms = self.spent_ms.saturating_add(pause);
        self.next_ms = ((f64::from(self.next_ms) * GROWTH) as u32).min(LONGEST_MS);
        Some(pause)
    }

    /// A follow-up came: more may follow soon.
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }
}

/// Which assistant messages of the history are new to the visitor.
#[derive(Debug, Default)]
pub struct Tracker {
    /// History ids already accounted for.
    known: HashSet<String>,
}

impl Tracker {
    /// The assistant messages of `history` that are neither known by id nor already shown
    /// (a reply streamed live has no id yet, so it is matched by its text, once per showing).
    pub fn fresh(&mut self, history: &[Message], shown: &[String]) -> Vec<Message> {
        let mut unmatched: Vec<&str> = shown.iter().map(|s| s.trim()).collect();
        let mut fresh = Vec::new();
        for m in history {
            if m.role != Some(Role::Assistant) || m.content.trim().is_empty() {
                continue;
            }
            if !m.id.is_empty() && !self.known.insert(m.id.clone()) {
                // Known by id: it was matched to a shown message or shown before.
                if let Some(i) = unmatched.iter().position(|t| *t == m.content.trim()) {
                    unmatched.remove(i);
                }
                continue;
            }
            match unmatched.iter().position(|t| *t == m.content.trim()) {
                Some(i) => {
                    unmatched.remove(i);
                }
                None => fresh.push(m.clone()),
            }
        }
        fresh
    }
}

/// Starts (or restarts) watching the stored conversation for follow-ups, if the site asked.
pub fn watch(state: ChatState) {
    let config = state.config.get_value();
    if !config.follow_ups {
        return;
    }
    let Ok(controller) = AbortController::new() else {
        return;
    };
    // One watcher at a time: a newer reply restarts the window.
    state.set_follow_ups_abort(Some(controller.clone()));
    spawn_local(async move {
        let signal = controller.signal();
        let mut tracker = Tracker::default();
        let mut backoff = Backoff::default();
        while let Some(pause) = backoff.next_pause() {
            sleep_ms_or_abort(pause, &signal).await;
            if signal.aborted() {
                return;
            }
            if state.replying.get_untracked() {
                // The reply in flight will start a watcher of its own when it ends.
                return;
            }
            let Some(conversation) = store::conversation(&config) else {
                return;
            };
            let history = match api::history(&config, &conversation, Some(&signal)).await {
                Ok(history) => history,
                Err(ApiError::Aborted) => return,
                // Passing trouble: the next read, later, may work.
                Err(_) => continue,
            };
            if signal.aborted() || store::conversation(&config).as_ref() != Some(&conversation) {
                return;
            }
            let shown: Vec<String> = state.messages.with_untracked(|list| {
                list.iter()
                    .filter(|m| m.role == Role::Assistant)
                    .map(|m| m.text.get_untracked())
                    .collect()
            });
            let fresh = tracker.fresh(&history, &shown);
            if !fresh.is_empty() {
                backoff.reset();
            }
            for m in fresh {
                show(state, m);
            }
        }
    });
}

/// A follow-up as a new assistant message, unread while the panel is closed.
fn show(state: ChatState, m: Message) {
    state.push_with(
        Role::Assistant,
        m.content.clone(),
        MessageStatus::Complete,
        MessageDetails {
            created_at: m.created_at,
            sender: state.assistant_sender(),
            ..MessageDetails::default()
        },
    );
    state.reply_completed(m.content);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, role: Role, content: &str) -> Message {
        Message {
            id: id.into(),
            role: Some(role),
            content: content.into(),
            ..Message::default()
        }
    }

    #[test]
    fn pauses_grow_to_a_ceiling_and_stop_after_the_window() {
        let mut b = Backoff::default();
        let pauses: Vec<u32> = std::iter::from_fn(|| b.next_pause()).collect();
        assert_eq!(&pauses[..3], [3_000, 4_500, 6_750]);
        assert!(pauses.iter().all(|p| *p <= LONGEST_MS));
        assert_eq!(*pauses.last().unwrap(), LONGEST_MS);
        let total: u32 = pauses.iter().sum();
        assert!(
            (WINDOW_MS..WINDOW_MS + LONGEST_MS).contains(&total),
            "{total}"
        );
        b.reset();
        assert_eq!(b.next_pause(), Some(FIRST_MS));
    }

    #[test]
    fn only_assistant_messages_not_yet_shown_are_fresh() {
        let mut t = Tracker::default();
        let history = vec![
            message("1", Role::Visitor, "hours?"),
            message("2", Role::Assistant, "9 to 5."),
        ];
        // The answer was streamed live: shown, so not fresh.
        assert!(t.fresh(&history, &["9 to 5.".into()]).is_empty());
        let mut later = history.clone();
        later.push(message("3", Role::Assistant, "Anything else?"));
        let fresh = t.fresh(&later, &["9 to 5.".into()]);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].content, "Anything else?");
        // Once shown, never again.
        let shown = ["9 to 5.".to_string(), "Anything else?".to_string()];
        assert!(t.fresh(&later, &shown).is_empty());
        // The same text twice from the assistant is two messages.
        later.push(message("4", Role::Assistant, "Anything else?"));
        assert_eq!(t.fresh(&later, &shown).len(), 1);
    }
}
