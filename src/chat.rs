//! The conversation as the panel shows it: a small struct of signals shared through context.
//!
//! Each message owns its own text signal, so a streamed delta touches one message's node and
//! nothing else re-renders.

mod askings;
mod history;
mod in_flight;
mod message;
mod notices;
#[cfg(test)]
mod testing;

use std::rc::Rc;

use leptos::prelude::*;

use crate::attaching::Attaching;
use crate::config::Config;
use crate::contact::ContactStep;
use crate::models::Role;

pub use history::HistoryRow;
use message::settle_places;
pub use message::{ChatMessage, MessageDetails, MessageStatus, Sender, LIVE};
pub use notices::{Alert, Notice};

/// Whether the stored conversation's history has been fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryStatus {
    NotLoaded,
    Loading,
    Loaded,
    /// The read failed, and said so in the notice `notice` (its [`Notice::id`]); the list
    /// offers to read it again.
    Failed {
        notice: u64,
    },
}

/// A streaming reply gone quiet for a while (see `session::stall`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    /// The reply's key.
    pub reply: u64,
    /// Whether the panel's status line says it to screen readers: only a reply's first stall
    /// is said (a reply that trickles goes quiet at every word).
    pub announced: bool,
}

/// What an embedding page can listen to (see `js_api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    Open,
    Close,
    /// The visitor sent a message.
    Message(String),
    /// An assistant reply completed.
    Reply(String),
    /// A problem was shown to the visitor.
    Error(String),
}

impl ChatEvent {
    pub fn name(&self) -> &'static str {
        match self {
            ChatEvent::Open => "open",
            ChatEvent::Close => "close",
            ChatEvent::Message(_) => "message",
            ChatEvent::Reply(_) => "reply",
            ChatEvent::Error(_) => "error",
        }
    }
}

type Listener = Rc<dyn Fn(&ChatEvent)>;

/// How much of a finished reply is read out: the whole reply stays in the message list, where a
/// screen reader can go on reading.
const ANNOUNCED_CHARS: usize = 600;

/// Everything the UI reads and the session writes.
#[derive(Debug, Clone, Copy)]
pub struct ChatState {
    pub config: StoredValue<Config, LocalStorage>,
    pub messages: RwSignal<Vec<ChatMessage>>,
    pub open: RwSignal<bool>,
    /// A reply is being streamed; sending waits for it.
    pub replying: RwSignal<bool>,
    /// The latest problem to show the visitor, if any: see [`ChatState::show_notice`].
    pub notice: RwSignal<Option<Notice>>,
    /// The latest problem as said to screen readers (an assertive live region), until the
    /// announcer has said it.
    pub alert: RwSignal<Option<Alert>>,
    pub history: RwSignal<HistoryStatus>,
    /// Replies completed while the panel was closed (the launcher's badge).
    pub unread: RwSignal<u32>,
    /// The latest finished reply as plain text, for screen readers (a polite live region).
    pub announcement: RwSignal<String>,
    /// What the visitor is typing (also kept in localStorage by the composer).
    pub draft: RwSignal<String>,
    /// The contact step (`data-ask-contact`): while it is asked, nothing starts the
    /// conversation; the visitor's answer goes with each new one.
    pub contact: RwSignal<ContactStep>,
    /// The files attached beside the draft: a message that cannot go as it is puts its words
    /// and files back here.
    pub attaching: Attaching,
    /// The assistant as the backend last named it: replies streamed live, which carry no name,
    /// show this one (tracked, so a name learned after a reply shows on it at once).
    pub assistant: RwSignal<Sender>,
    /// The streaming reply that has gone quiet for a while, if any (its row says it is still
    /// coming).
    pub stalled: RwSignal<Option<Stall>>,
    /// Notified at the visitor's local midnight (see [`crate::timers::every_midnight`]): what
    /// says "Today", "Yesterday" or a time of today is said again.
    pub day_changed: Trigger,
    /// The bookkeeping that only the state's own methods touch.
    inner: StoredValue<Inner, LocalStorage>,
}

struct Inner {
    /// Stops the exchange in flight (the Stop button).
    abort: Option<web_sys::AbortController>,
    /// Stops the history request in flight (the widget is destroyed, or another read takes its
    /// place).
    history_abort: Option<web_sys::AbortController>,
    /// Stops watching for follow-ups ([`crate::follow_ups`]).
    follow_ups_abort: Option<web_sys::AbortController>,
    /// Stops reading the history again for replies stored late (see `session::late_replies`).
    late_replies_abort: Option<web_sys::AbortController>,
    /// Owns every message's signals. Actions run inside event handlers, whose owner is the view
    /// that drew the button; a message must outlive that view (a Retry button goes away as soon as
    /// it is clicked). Weak: the owner holds this value, and a strong handle here would keep
    /// both alive after `destroy()`.
    owner: WeakOwner,
    next_key: u64,
    /// The last notice's [`Notice::id`].
    last_notice: u64,
    /// The last notice's id when the panel last opened or closed: one put up since, while the
    /// panel is closed, has not been seen (see [`ChatState::unseen_problem`]).
    notice_seen: u64,
    /// The last batch of history rows put in.
    last_batch: u64,
    listener: Option<Listener>,
}

impl ChatState {
    pub fn new(config: Config) -> Self {
        ChatState {
            config: StoredValue::new_local(config),
            messages: RwSignal::new(Vec::new()),
            open: RwSignal::new(false),
            replying: RwSignal::new(false),
            notice: RwSignal::new(None),
            alert: RwSignal::new(None),
            history: RwSignal::new(HistoryStatus::NotLoaded),
            unread: RwSignal::new(0),
            announcement: RwSignal::new(String::new()),
            draft: RwSignal::new(String::new()),
            contact: RwSignal::new(ContactStep::NotAsked),
            attaching: Attaching::new(),
            assistant: RwSignal::new(Sender::default()),
            stalled: RwSignal::new(None),
            day_changed: Trigger::new(),
            inner: StoredValue::new_local(Inner {
                abort: None,
                history_abort: None,
                follow_ups_abort: None,
                late_replies_abort: None,
                owner: Owner::current().unwrap_or_default().downgrade(),
                next_key: 0,
                last_notice: 0,
                notice_seen: 0,
                last_batch: LIVE,
                listener: None,
            }),
        }
    }

    /// Who hears [`ChatEvent`]s; `None` silences them.
    pub fn set_listener(&self, listener: Option<Listener>) {
        self.inner.update_value(|inner| inner.listener = listener);
    }

    /// Tells the listener, if any. The listener may call back into the state.
    pub fn emit(&self, event: ChatEvent) {
        let listener = self
            .inner
            .try_with_value(|inner| inner.listener.clone())
            .flatten();
        if let Some(listener) = listener {
            listener(&event);
        }
    }

    /// Opens or closes the panel; opening marks every reply read.
    pub fn set_open(&self, open: bool) {
        if open {
            self.unread.set(0);
        }
        if self.open.get_untracked() != open {
            self.inner
                .update_value(|inner| inner.notice_seen = inner.last_notice);
            self.open.set(open);
            self.emit(if open {
                ChatEvent::Open
            } else {
                ChatEvent::Close
            });
        }
    }

    /// A reply finished: unread while the panel is closed, and read out to screen readers.
    pub fn reply_completed(&self, text: String) {
        self.reply_finished(text, true);
    }

    /// A reply the backend stored late took the place of the cut one (see
    /// `session::late_replies`): as [`reply_completed`](Self::reply_completed), but read out
    /// only when it is the newest message. Read out after a newer reply, it would cut that one
    /// short and be heard as the answer to the last question; the list shows it in its place.
    pub fn late_reply_completed(&self, key: u64, text: String) {
        self.reply_finished(text, self.is_last(key));
    }

    fn reply_finished(&self, text: String, read_out: bool) {
        if !self.open.get_untracked() {
            self.unread.update(|n| *n += 1);
        }
        if read_out {
            self.announcement.set(crate::texts::fill(
                self.config.with_value(|c| c.texts).assistant_said,
                crate::markdown::plain_summary(&text, ANNOUNCED_CHARS),
            ));
        }
        self.emit(ChatEvent::Reply(text));
    }

    /// Empties the list (a new conversation starts with the next message).
    pub fn clear(&self) {
        self.messages.set(Vec::new());
        self.notice.set(None);
        self.unread.set(0);
        self.history.set(HistoryStatus::Loaded);
    }

    /// Empties the list but for the visitor's messages not sent, which are not in any
    /// conversation's history: the history to read again goes before them. Returns the
    /// messages taken out, for [`ChatMessage::dispose`] once their rows are gone.
    pub fn keep_only_unsent(&self) -> Vec<ChatMessage> {
        let mut dropped = Vec::new();
        self.messages.update(|list| {
            dropped = list
                .extract_if(.., |m| m.status.get_untracked() != MessageStatus::Unsent)
                .collect();
            settle_places(list, 0..list.len());
        });
        dropped
    }

    /// Marks the visitor's messages sent from this tab to a conversation other than `kept` (one
    /// another tab replaced) as not sent, to go by themselves to the one kept: their replies
    /// were given in the other. Returns how many there are.
    pub fn send_again_to(&self, kept: &str) -> usize {
        let moved: Vec<ChatMessage> = self.messages.with_untracked(|list| {
            list.iter()
                .filter(|m| {
                    m.status.get_untracked() == MessageStatus::Complete
                        && m.details
                            .with_value(|d| d.sent_to.as_deref().is_some_and(|to| to != kept))
                })
                .copied()
                .collect()
        });
        for message in &moved {
            message.status.set(MessageStatus::Unsent);
            message.details.update_value(|d| {
                // Not counted against the conversation kept: the same words asked there from
                // another tab are not this message arriving.
                d.sent_before = None;
                d.when_online = true;
                d.sent_to = None;
            });
        }
        moved.len()
    }

    /// Whether the list shows a visitor's message not sent.
    pub fn shows_unsent(&self) -> bool {
        self.messages.with_untracked(|list| {
            list.iter()
                .any(|m| m.status.get_untracked() == MessageStatus::Unsent)
        })
    }

    /// The key the next message will get: every message shown now has a smaller one.
    pub fn next_key(&self) -> u64 {
        self.inner
            .try_with_value(|inner| inner.next_key)
            .unwrap_or_default()
    }

    fn new_message(&self, role: Role, text: String, status: MessageStatus) -> ChatMessage {
        let (key, owner) = self
            .inner
            .try_update_value(|inner| {
                inner.next_key += 1;
                (inner.next_key - 1, inner.owner.upgrade())
            })
            .expect("messages are made while the chat state lives");
        let make = || ChatMessage::new(key, role, text, status);
        match owner {
            Some(owner) => owner.with(make),
            None => make(),
        }
    }

    /// The assistant's name and picture from the history, for a new reply.
    pub fn assistant_sender(&self) -> Sender {
        self.assistant.get_untracked()
    }

    /// Adds a message at the end and returns its handle.
    pub fn push(&self, role: Role, text: String, status: MessageStatus) -> ChatMessage {
        self.push_with(role, text, status, MessageDetails::default())
    }

    /// [`Self::push`] with its time, files and sender known before its row is drawn.
    pub fn push_with(
        &self,
        role: Role,
        text: String,
        status: MessageStatus,
        details: MessageDetails,
    ) -> ChatMessage {
        let message = self.new_message(role, text, status);
        message.details.set_value(details);
        self.messages.update(|list| {
            list.push(message);
            let n = list.len();
            settle_places(list, n.saturating_sub(2)..n);
        });
        message
    }

    /// Puts a new message right after the message `after` (at the end without it): a reply
    /// to a message sent again goes under it when only messages not sent yet follow it.
    pub fn insert_after(
        &self,
        after: u64,
        role: Role,
        status: MessageStatus,
        details: MessageDetails,
    ) -> ChatMessage {
        let mut message = self.new_message(role, String::new(), status);
        message.details.set_value(details);
        self.messages.update(|list| {
            let at = list
                .iter()
                .position(|m| m.key == after)
                .map_or(list.len(), |i| i + 1);
            // The rows of a batch are built together, and a batch is one run of the list.
            message.batch = at.checked_sub(1).map_or(LIVE, |i| list[i].batch);
            list.insert(at, message);
            // The message above may now end a run (and show its time), as may the new one.
            settle_places(list, at.saturating_sub(1)..(at + 2).min(list.len()));
        });
        message
    }

    /// A message not sent going out now: it takes its place anew, with the time it is sent
    /// (the backend's time for it, which a reload shows), and so its row is built again.
    /// `None` if it is not in the list.
    pub fn sent_again(&self, key: u64, now: i64) -> Option<ChatMessage> {
        let old = self
            .messages
            .with_untracked(|list| list.iter().find(|m| m.key == key).copied())?;
        let mut renewed =
            self.new_message(old.role, old.text.get_untracked(), MessageStatus::Complete);
        let mut details = old.details.get_value();
        details.created_at = Some(now);
        details.when_online = false;
        renewed.details.set_value(details);
        renewed.batch = old.batch;
        self.messages.update(|list| {
            if let Some(i) = list.iter().position(|m| m.key == key) {
                list[i] = renewed;
                settle_places(list, i.saturating_sub(1)..(i + 2).min(list.len()));
            }
        });
        Some(renewed)
    }

    /// Whether every message after `key` is a visitor's message not sent yet.
    pub fn only_unsent_after(&self, key: u64) -> bool {
        self.messages.with_untracked(|list| {
            list.iter().skip_while(|m| m.key != key).skip(1).all(|m| {
                m.role == Role::Visitor && m.status.get_untracked() == MessageStatus::Unsent
            })
        })
    }

    /// Takes a message out of the list. Its signals are left to the widget's owner: its row may
    /// still read them until the list re-renders, and removals are rare (a failed reply).
    pub fn remove(&self, key: u64) {
        self.messages.update(|list| {
            list.retain(|m| m.key != key);
            settle_places(list, 0..list.len());
        });
    }

    /// Moves a message to the end of the list (a retried message is sent anew).
    pub fn move_to_end(&self, key: u64) {
        self.messages.update(|list| {
            if let Some(i) = list.iter().position(|m| m.key == key) {
                let mut m = list.remove(i);
                // Its row goes with this page's messages, at their end.
                m.batch = LIVE;
                list.push(m);
            }
            settle_places(list, 0..list.len());
        });
    }

    /// The batches in the list, in its order: each one's rows are built together.
    pub fn batches(&self) -> Vec<u64> {
        self.messages.with(|list| {
            let mut batches: Vec<u64> = list.iter().map(|m| m.batch).collect();
            batches.dedup();
            batches
        })
    }

    /// The messages of one batch, in order.
    pub fn batch_rows(&self, batch: u64) -> Vec<ChatMessage> {
        self.messages
            .with(|list| list.iter().filter(|m| m.batch == batch).copied().collect())
    }

    /// How many rows follow the last row of `batch` in the list.
    pub fn rows_after_batch(&self, batch: u64) -> usize {
        self.messages.with_untracked(|list| {
            list.iter()
                .rposition(|m| m.batch == batch)
                .map_or(0, |last| list.len() - last - 1)
        })
    }

    /// Whether `key` is the newest message.
    pub fn is_last(&self, key: u64) -> bool {
        self.messages
            .with_untracked(|list| list.last().map(|m| m.key) == Some(key))
    }

    /// The reply being streamed, if any: one exchange runs at a time.
    pub fn streaming_reply(&self) -> Option<ChatMessage> {
        self.messages.with_untracked(|list| {
            list.iter()
                .find(|m| {
                    m.role == Role::Assistant
                        && m.status.get_untracked() == MessageStatus::Streaming
                })
                .copied()
        })
    }

    /// Whether the history read last ends with a visitor's message that has no reply yet, as
    /// when another tab's reply is stored a moment after its stream ended. `None` while the
    /// history is not read whole (nothing to tell yet), or once the widget is gone.
    pub fn awaits_reply(&self) -> Option<bool> {
        if self.history.try_get_untracked()? != HistoryStatus::Loaded {
            return None;
        }
        self.messages.try_with_untracked(|list| {
            list.last().is_some_and(|m| {
                m.role == Role::Visitor && m.status.get_untracked() == MessageStatus::Complete
            })
        })
    }

    /// The nearest visitor message before `key`: what a reply answered.
    pub fn question_before(&self, key: u64) -> Option<ChatMessage> {
        self.messages.with_untracked(|list| {
            let i = list.iter().position(|m| m.key == key)?;
            list[..i]
                .iter()
                .rev()
                .find(|m| m.role == Role::Visitor)
                .copied()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn a_reply_goes_under_its_message_in_its_batch_above_the_messages_not_sent() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let one = state.push(Role::Visitor, "one".into(), MessageStatus::Unsent);
            let two = state.push(Role::Visitor, "two".into(), MessageStatus::Unsent);
            assert!(state.only_unsent_after(one.key));
            assert!(state.only_unsent_after(two.key));
            one.status.set(MessageStatus::Complete);
            state.insert_after(
                one.key,
                Role::Assistant,
                MessageStatus::Streaming,
                MessageDetails::default(),
            );
            let rows: Vec<(Role, String)> = state
                .messages
                .get_untracked()
                .iter()
                .map(|m| (m.role, m.text.get_untracked()))
                .collect();
            assert_eq!(
                rows,
                [
                    (Role::Visitor, "one".into()),
                    (Role::Assistant, String::new()),
                    (Role::Visitor, "two".into()),
                ]
            );
            assert_eq!(state.batches(), [LIVE]);
            // A reply follows `one` now: `one` is not followed by unsent messages alone, and
            // ends its run.
            assert!(!state.only_unsent_after(one.key));
            assert!(state.only_unsent_after(two.key));
            assert!(one.place.get_untracked().ends_run);
            // Sent again, `two` keeps its place with the time it goes, as a row of its own.
            two.details.update_value(|d| d.when_online = true);
            let sent = state.sent_again(two.key, 42).unwrap();
            assert_ne!(sent.key, two.key);
            assert_eq!(state.messages.get_untracked()[2].key, sent.key);
            assert_eq!(sent.status.get_untracked(), MessageStatus::Complete);
            assert_eq!(sent.text.get_untracked(), "two");
            sent.details.with_value(|d| {
                assert_eq!(d.created_at, Some(42));
                assert!(!d.when_online);
            });
        });
    }

    #[test]
    fn a_history_that_ends_with_a_question_alone_awaits_its_reply() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            assert_eq!(state.awaits_reply(), None, "not read yet");
            state.history.set(HistoryStatus::Loaded);
            assert_eq!(state.awaits_reply(), Some(false), "nothing at all");
            state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            assert_eq!(state.awaits_reply(), Some(true));
            state.push(Role::Assistant, "a".into(), MessageStatus::Complete);
            assert_eq!(state.awaits_reply(), Some(false));
            // A message of this tab's not sent is no question another tab asked.
            state.push(Role::Visitor, "mine".into(), MessageStatus::Unsent);
            assert_eq!(state.awaits_reply(), Some(false));
        });
    }

    #[test]
    fn retry_bookkeeping() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let q1 = state.push(Role::Visitor, "q1".into(), MessageStatus::Complete);
            let a1 = state.push(Role::Assistant, "a1".into(), MessageStatus::Complete);
            let q2 = state.push(Role::Visitor, "q2".into(), MessageStatus::Unsent);
            let q3 = state.push(Role::Visitor, "q3".into(), MessageStatus::Unsent);
            assert_eq!(unsent_texts(&state), ["q2", "q3"]);
            assert_eq!(state.question_before(a1.key).map(|m| m.key), Some(q1.key));
            assert_eq!(state.question_before(q1.key).map(|m| m.key), None);

            state.move_to_end(q2.key);
            state.remove(a1.key);
            let keys: Vec<u64> = state
                .messages
                .get_untracked()
                .iter()
                .map(|m| m.key)
                .collect();
            assert_eq!(keys, [q1.key, q3.key, q2.key]);
            assert_eq!(unsent_texts(&state), ["q3", "q2"]);
        });
    }

    #[test]
    fn a_late_reply_is_read_out_only_when_nothing_came_after_it() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let cut = state.push(Role::Assistant, "Half".into(), MessageStatus::Failed);
            state.push(Role::Visitor, "next".into(), MessageStatus::Complete);
            state.reply_completed("The next reply".into());
            state.late_reply_completed(cut.key, "The whole first reply".into());
            let said = state.announcement.get_untracked();
            assert!(said.contains("The next reply"), "{said}");
            assert_eq!(state.unread.get_untracked(), 2, "both count as unread");
            let last = state.push(Role::Assistant, "Cut".into(), MessageStatus::Failed);
            state.late_reply_completed(last.key, "The whole last reply".into());
            let said = state.announcement.get_untracked();
            assert!(said.contains("The whole last reply"), "{said}");
        });
    }

    #[test]
    fn unread_counts_replies_while_closed_and_open_close_are_told_once() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let heard = Rc::new(std::cell::RefCell::new(Vec::new()));
            let sink = heard.clone();
            state.set_listener(Some(Rc::new(move |e: &ChatEvent| {
                sink.borrow_mut().push(e.clone())
            })));
            state.reply_completed("a".into());
            state.reply_completed("b".into());
            assert_eq!(state.unread.get_untracked(), 2);
            state.set_open(true);
            state.set_open(true);
            assert_eq!(state.unread.get_untracked(), 0);
            state.reply_completed("c".into());
            assert_eq!(state.unread.get_untracked(), 0, "read while open");
            state.set_open(false);
            state.set_listener(None);
            state.set_open(true);
            assert_eq!(
                *heard.borrow(),
                [
                    ChatEvent::Reply("a".into()),
                    ChatEvent::Reply("b".into()),
                    ChatEvent::Open,
                    ChatEvent::Reply("c".into()),
                    ChatEvent::Close,
                ]
            );
        });
    }

    #[test]
    fn the_messages_taken_out_for_a_list_shown_afresh_can_be_freed() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let sent = state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            let unsent = state.push(Role::Visitor, "later".into(), MessageStatus::Unsent);
            assert!(state.shows_unsent());
            let dropped = state.keep_only_unsent();
            assert_eq!(
                dropped.iter().map(|m| m.key).collect::<Vec<_>>(),
                [sent.key]
            );
            assert_eq!(texts_of(&state), ["later"]);
            for message in dropped {
                message.dispose();
            }
            assert_eq!(sent.text.try_get_untracked(), None, "freed");
            assert!(sent.details.try_with_value(|_| ()).is_none());
            assert_eq!(unsent.text.get_untracked(), "later");
        });
    }

    #[test]
    fn messages_sent_to_a_conversation_replaced_go_again_and_are_kept_meanwhile() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let sent_to = |to: Option<&str>| MessageDetails {
                sent_to: to.map(str::to_owned),
                ..MessageDetails::default()
            };
            // Shown from the history, or sent here to the conversation kept: they stay as they are.
            state.push(Role::Visitor, "theirs".into(), MessageStatus::Complete);
            state.push_with(
                Role::Visitor,
                "kept".into(),
                MessageStatus::Complete,
                sent_to(Some("c2")),
            );
            let mine = state.push_with(
                Role::Visitor,
                "mine".into(),
                MessageStatus::Complete,
                sent_to(Some("c1")),
            );
            state.push(Role::Assistant, "my answer".into(), MessageStatus::Complete);
            mine.details.update_value(|d| d.sent_before = Some(0));
            assert_eq!(state.send_again_to("c2"), 1);
            assert_eq!(mine.status.get_untracked(), MessageStatus::Unsent);
            let unsent = state.unsent_messages();
            assert_eq!(unsent.len(), 1);
            assert!(unsent[0].when_online, "it goes by itself");
            assert_eq!(unsent[0].sent_before, None, "and is kept until it has");
            // The list shown afresh keeps it, for the history kept to go before it.
            state.keep_only_unsent();
            assert_eq!(texts_of(&state), ["mine"]);
            assert_eq!(state.send_again_to("c2"), 0, "once");
        });
    }

    #[test]
    fn clear_empties_the_list_and_the_badge() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            state.show_notice("oops".into());
            state.reply_completed("a".into());
            state.clear();
            assert!(state.messages.get_untracked().is_empty());
            assert_eq!(state.notice.get_untracked(), None);
            assert_eq!(state.unread.get_untracked(), 0);
            assert_eq!(state.history.get_untracked(), HistoryStatus::Loaded);
            let next = state.push(Role::Visitor, "again".into(), MessageStatus::Complete);
            assert_eq!(next.key, 1, "keys are never reused");
        });
    }

    #[test]
    fn messages_outlive_the_owner_that_created_them() {
        let root = Owner::new();
        root.with(|| {
            let state = ChatState::new(config());
            let button_view = Owner::new();
            let message = button_view
                .with(|| state.push(Role::Assistant, "kept".into(), MessageStatus::Complete));
            drop(button_view);
            assert_eq!(message.text.try_get_untracked().as_deref(), Some("kept"));
        });
    }

    #[test]
    fn the_streaming_reply_is_the_one_still_arriving() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            state.push(Role::Assistant, "cut".into(), MessageStatus::Failed);
            state.push(Role::Visitor, "again".into(), MessageStatus::Complete);
            assert!(state.streaming_reply().is_none());
            let reply = state.push(Role::Assistant, "so f".into(), MessageStatus::Streaming);
            assert_eq!(state.streaming_reply().map(|m| m.key), Some(reply.key));
            reply.status.set(MessageStatus::Complete);
            assert!(state.streaming_reply().is_none());
        });
    }

    #[test]
    fn appending_to_one_message_leaves_the_others_alone() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let first = state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
            reply.text.update(|t| t.push_str("he"));
            reply.text.update(|t| t.push_str("llo"));
            assert_eq!(reply.text.get_untracked(), "hello");
            assert_eq!(first.text.get_untracked(), "q");
        });
    }
}
