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

use std::collections::{HashMap, HashSet};

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use web_sys::{AbortController, AbortSignal};

use crate::api;
use crate::asked_again;
use crate::chat::{ChatState, MessageDetails, MessageStatus};
use crate::config::Config;
use crate::errors::ApiError;
use crate::models::{Conversation, Message, Role};
use crate::store;
use crate::timers::sleep_ms_or_abort;
use crate::unfinished;

/// The first pause after a reply.
const FIRST_MS: u32 = 3_000;
/// Each pause is this much longer than the one before…
const GROWTH: f64 = 1.5;
/// …up to this.
const LONGEST_MS: u32 = 60_000;
/// Polling stops after this long without a follow-up.
const WINDOW_MS: u32 = 20 * 60 * 1_000;

mod while_closed;

pub use while_closed::watch_while_closed;

/// Until when a conversation is watched for follow-ups: kept across the pages of the site, so
/// that one opened within the window goes on watching (see [`watch_while_closed`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpWindow {
    pub conversation: String,
    /// Epoch milliseconds.
    pub until: f64,
}

impl FollowUpWindow {
    /// The window of `conversation` from `now` (epoch milliseconds): as long as a watch lasts
    /// without a follow-up.
    pub fn from(conversation: &str, now: f64) -> Self {
        FollowUpWindow {
            conversation: conversation.to_owned(),
            until: now + f64::from(WINDOW_MS),
        }
    }

    /// Whether `conversation` is still watched at `now`.
    pub fn watches(&self, conversation: &str, now: f64) -> bool {
        self.conversation == conversation && now < self.until
    }
}

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
        let mut unmatched = Unmatched::new(shown);
        let mut fresh = Vec::new();
        for m in history {
            if m.role != Some(Role::Assistant) || m.content.trim().is_empty() {
                continue;
            }
            if !m.id.is_empty() && !self.known.insert(m.id.clone()) {
                // Known by id: it was matched to a shown message or shown before.
                unmatched.take(&m.content);
                continue;
            }
            if !unmatched.take(&m.content) {
                fresh.push(m.clone());
            }
        }
        fresh
    }
}

/// The shown replies not yet matched to a stored one. Whole texts are counted by text, so
/// matching a long history costs one lookup per message.
struct Unmatched<'a> {
    whole: HashMap<&'a str, usize>,
    /// The beginnings shown of replies stopped or cut off (a few at most).
    partial: Vec<&'a str>,
}

impl<'a> Unmatched<'a> {
    fn new(shown: &'a [ShownReply]) -> Self {
        let mut unmatched = Unmatched {
            whole: HashMap::new(),
            partial: Vec::new(),
        };
        for reply in shown {
            let text = reply.text.trim();
            if !reply.partial {
                *unmatched.whole.entry(text).or_default() += 1;
            } else if !text.is_empty() {
                // A reply cut before its first word shows nothing that could be matched.
                unmatched.partial.push(text);
            }
        }
        unmatched
    }

    /// Takes the shown reply that shows the stored `content`, if one is left: the same text
    /// first, else the longest beginning of it, so that a short beginning is not used up by
    /// another reply that happens to begin the same way.
    fn take(&mut self, content: &str) -> bool {
        let content = content.trim();
        if let Some(count) = self.whole.get_mut(content).filter(|count| **count > 0) {
            *count -= 1;
            return true;
        }
        let longest = self
            .partial
            .iter()
            .enumerate()
            .filter(|(_, beginning)| content.starts_with(**beginning))
            .max_by_key(|(_, beginning)| beginning.len())
            .map(|(i, _)| i);
        match longest {
            Some(i) => {
                self.partial.swap_remove(i);
                true
            }
            None => false,
        }
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
    keep_window_open(&config);
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
            let history = match read_watched(&config, &conversation, &signal).await {
                Read::Messages(history) => history,
                Read::Trouble => continue,
                Read::Over => return,
            };
            let shown = shown_replies(state);
            let fresh = tracker.fresh(&history, &shown);
            if !fresh.is_empty() {
                backoff.reset();
                keep_window_open(&config);
            }
            for m in fresh {
                show(state, m);
            }
        }
    });
}

/// What one read of the watched conversation's history gave.
enum Read {
    /// Its messages, without the replies stored late (see [`without_late_replies`]).
    Messages(Vec<Message>),
    /// Passing trouble: the next read, later, may work.
    Trouble,
    /// The watch is over: stopped, or the visitor is in another conversation now.
    Over,
}

/// Reads `conversation`'s history for a watch, as both watches compare it.
async fn read_watched(config: &Config, conversation: &Conversation, signal: &AbortSignal) -> Read {
    let history = match api::history(config, conversation, Some(signal)).await {
        Ok(history) => history,
        Err(ApiError::Aborted) => return Read::Over,
        Err(_) => return Read::Trouble,
    };
    if signal.aborted() || store::conversation(config).as_ref() != Some(conversation) {
        return Read::Over;
    }
    Read::Messages(without_late_replies(&conversation.id, history, config))
}

/// Marks the stored conversation as watched from now for the whole window, for the pages the
/// visitor goes on to.
fn keep_window_open(config: &Config) {
    if let Some(conversation) = store::conversation(config) {
        let window = FollowUpWindow::from(&conversation.id, js_sys::Date::now());
        store::save_follow_ups_window(config, &window);
    }
}

/// `history` without the replies stored late to questions whose replies were cut off: those
/// take the cut replies' places (see [`crate::session`]), rather than come as new messages.
fn without_late_replies(
    conversation: &str,
    history: Vec<Message>,
    config: &Config,
) -> Vec<Message> {
    let history = asked_again::leave_out(history);
    let remembered = store::unfinished(config);
    let roles = unfinished::roles_and_texts(&history);
    let late: Vec<usize> = unfinished::late_replies(conversation, &roles, &remembered)
        .into_iter()
        .map(|(_, at)| at)
        .collect();
    if late.is_empty() {
        return history;
    }
    history
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !late.contains(i))
        .map(|(_, m)| m)
        .collect()
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
            id: Some(m.id).filter(|id| !id.is_empty()),
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
    fn a_window_watches_its_conversation_until_it_ends_and_travels_as_json() {
        let window = FollowUpWindow::from("c1", 1_000.0);
        let end = 1_000.0 + f64::from(WINDOW_MS);
        assert!(window.watches("c1", end - 1.0));
        assert!(!window.watches("c1", end));
        assert!(!window.watches("c2", 1_000.0), "another conversation");
        let kept = serde_json::to_string(&window).unwrap();
        assert_eq!(
            serde_json::from_str::<FollowUpWindow>(&kept).unwrap(),
            window
        );
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
    fn a_short_beginning_is_not_used_up_by_another_reply_that_begins_the_same() {
        // A regenerated reply: its earlier version whole, its newest stopped at "Sure!".
        let history = vec![
            message("1", Role::Assistant, "Sure! Here is how."),
            message("2", Role::Assistant, "Sure! Another way."),
        ];
        let shown = [
            ShownReply::new("Sure!".into(), MessageStatus::Stopped),
            whole("Sure! Here is how."),
        ];
        assert!(Tracker::default().fresh(&history, &shown).is_empty());
        // Two beginnings: each stored reply takes the longest that it begins with.
        let shown = [
            ShownReply::new("Sure!".into(), MessageStatus::Stopped),
            ShownReply::new("Sure! Here".into(), MessageStatus::Stopped),
        ];
        assert!(Tracker::default().fresh(&history, &shown).is_empty());
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
