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

/// A reply as the list shows it, or one of its other versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownReply {
    pub text: String,
    /// Only its beginning shows: the visitor stopped it or it was cut off, and the backend may
    /// hold it whole.
    pub partial: bool,
}

impl ShownReply {
    /// A reply showing `text` with `status`.
    pub fn new(text: String, status: MessageStatus) -> Self {
        let partial = matches!(status, MessageStatus::Stopped | MessageStatus::Failed);
        ShownReply { text, partial }
    }

    /// Whether this is how the list shows the stored reply `content`.
    fn shows(&self, content: &str) -> bool {
        let (text, content) = (self.text.trim(), content.trim());
        if self.partial {
            // A reply cut before its first word shows nothing that could be matched.
            !text.is_empty() && content.starts_with(text)
        } else {
            text == content
        }
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
    pub fn fresh(&mut self, history: &[Message], shown: &[ShownReply]) -> Vec<Message> {
        let mut unmatched: Vec<&ShownReply> = shown.iter().collect();
        let mut fresh = Vec::new();
        for m in history {
            if m.role != Some(Role::Assistant) || m.content.trim().is_empty() {
                continue;
            }
            let shows = |s: &&ShownReply| s.shows(&m.content);
            if !m.id.is_empty() && !self.known.insert(m.id.clone()) {
                // Known by id: it was matched to a shown message or shown before.
                if let Some(i) = unmatched.iter().position(shows) {
                    unmatched.remove(i);
                }
                continue;
            }
            match unmatched.iter().position(shows) {
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
            let shown = shown_replies(state);
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

/// The replies the list shows, with the other versions of those regenerated.
fn shown_replies(state: ChatState) -> Vec<ShownReply> {
    state.messages.with_untracked(|list| {
        let mut shown = Vec::new();
        for m in list.iter().filter(|m| m.role == Role::Assistant) {
            shown.push(ShownReply::new(
                m.text.get_untracked(),
                m.status.get_untracked(),
            ));
            m.versions.with_untracked(|v| {
                shown.extend(
                    v.others()
                        .map(|k| ShownReply::new(k.text.clone(), k.status)),
                );
            });
        }
        shown
    })
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

    fn whole(text: &str) -> ShownReply {
        ShownReply::new(text.into(), MessageStatus::Complete)
    }

    #[test]
    fn a_reply_shown_only_in_part_is_not_fresh_when_stored_whole() {
        let mut t = Tracker::default();
        let history = vec![
            message("1", Role::Visitor, "a story"),
            message("2", Role::Assistant, "Once upon a time, the end."),
            message("3", Role::Visitor, "another"),
            message("4", Role::Assistant, "Twice upon a time."),
            message("5", Role::Assistant, "Anything else?"),
        ];
        let shown = [
            ShownReply::new("Once upon".into(), MessageStatus::Stopped),
            ShownReply::new("Twice".into(), MessageStatus::Failed),
            // Cut before its first word: it says nothing of what was stored.
            ShownReply::new(String::new(), MessageStatus::Failed),
        ];
        let fresh = t.fresh(&history, &shown);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].content, "Anything else?");
        // A whole reply is matched whole only.
        let mut t = Tracker::default();
        assert_eq!(t.fresh(&history[..2], &[whole("Once upon")]).len(), 1);
    }

    #[test]
    fn only_assistant_messages_not_yet_shown_are_fresh() {
        let mut t = Tracker::default();
        let history = vec![
            message("1", Role::Visitor, "hours?"),
            message("2", Role::Assistant, "9 to 5."),
        ];
        // The answer was streamed live: shown, so not fresh.
        assert!(t.fresh(&history, &[whole("9 to 5.")]).is_empty());
        let mut later = history.clone();
        later.push(message("3", Role::Assistant, "Anything else?"));
        let fresh = t.fresh(&later, &[whole("9 to 5.")]);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].content, "Anything else?");
        // Once shown, never again.
        let shown = [whole("9 to 5."), whole("Anything else?")];
        assert!(t.fresh(&later, &shown).is_empty());
        // The same text twice from the assistant is two messages.
        later.push(message("4", Role::Assistant, "Anything else?"));
        assert_eq!(t.fresh(&later, &shown).len(), 1);
    }
}
