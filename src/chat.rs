//! The conversation as the panel shows it: a small struct of signals shared through context.
//!
//! Each message owns its own text signal, so a streamed delta touches one message's node and
//! nothing else re-renders.

use std::rc::Rc;

use leptos::prelude::*;

use crate::attaching::Attaching;
use crate::config::Config;
use crate::contact::ContactStep;
use crate::grouping::{self, RowPlace, Stamp};
use crate::models::{Attachment, Message, Role, Source};
use crate::unsent::UnsentMessage;
use crate::versions::{Kept, Versions};

/// Puts `controller` in a watcher's `slot`, stopping the watcher there before.
fn replace_watcher(
    slot: &mut Option<web_sys::AbortController>,
    controller: Option<web_sys::AbortController>,
) {
    if let Some(old) = slot.take() {
        old.abort();
    }
    *slot = controller;
}

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    Complete,
    /// The reply is still arriving.
    Streaming,
    /// A reply cut short by an error; the text so far stays and can be retried.
    Failed,
    /// A reply the visitor stopped; the text so far stays.
    Stopped,
    /// A visitor message that never reached the backend; kept, with a Retry.
    Unsent,
}

/// One row of the message list.
#[derive(Debug, Clone, Copy)]
pub struct ChatMessage {
    /// Stable key for the list; never reused within a page's life.
    pub key: u64,
    pub role: Role,
    pub text: RwSignal<String>,
    pub status: RwSignal<MessageStatus>,
    /// Time, sources and attachments: known when the message is created, never streamed.
    pub details: StoredValue<MessageDetails, LocalStorage>,
    /// Where the row sits among its neighbours (day separator, start and end of a run of one
    /// side); the state keeps it up to date as rows come and go around it.
    pub place: RwSignal<RowPlace>,
    /// The earlier versions of a regenerated reply.
    pub versions: RwSignal<Versions>,
    /// The slice of the history this row came in with ([`LIVE`] for the messages of this page):
    /// the rows of a slice are built together and go before the rows already shown in one step.
    pub batch: u64,
}

/// The batch of the messages sent and received since the page loaded.
pub const LIVE: u64 = 0;

impl ChatMessage {
    /// A message with its own signals, owned by the current owner.
    fn new(key: u64, role: Role, text: String, status: MessageStatus) -> Self {
        ChatMessage {
            key,
            role,
            text: RwSignal::new(text),
            status: RwSignal::new(status),
            details: StoredValue::new_local(MessageDetails::default()),
            place: RwSignal::new(RowPlace::default()),
            versions: RwSignal::new(Versions::default()),
            batch: LIVE,
        }
    }

    /// A finished message in no list, for a row built off the page.
    pub fn unlisted(role: Role, text: String, details: MessageDetails) -> Self {
        let message = Self::new(u64::MAX, role, text, MessageStatus::Complete);
        message.details.set_value(details);
        message
    }

    /// Frees its signals, once no row shows it any more: they belong to the widget's owner,
    /// which would otherwise keep them until the widget goes (see [`ChatState::keep_only_unsent`]).
    pub fn dispose(self) {
        self.text.dispose();
        self.status.dispose();
        self.details.dispose();
        self.place.dispose();
        self.versions.dispose();
    }

    /// What its neighbours need to know of it.
    fn stamp(&self) -> Stamp {
        stamp(
            self.role,
            self.details.try_with_value(|d| d.created_at).flatten(),
        )
    }
}

/// Who wrote a stored message, as the backend names them.
fn sender_of(message: &Message) -> Sender {
    Sender {
        name: message.sender.name.clone(),
        avatar: message.sender.avatar.clone(),
    }
}

/// What a row's neighbours need to know of a message of `role` written at `at`.
fn stamp(role: Role, at: Option<i64>) -> Stamp {
    Stamp {
        role,
        at,
        day: at.map(crate::time_format::day_number),
    }
}

/// Brings the places of `list[range]` up to date with their neighbours, touching only the rows
/// whose place changed.
fn settle_places(list: &[ChatMessage], range: std::ops::Range<usize>) {
    settle_places_after(list, range, None);
}

/// [`settle_places`], where `before` is the message that will come before the list's first row
/// (the history still to go in), when it is known.
fn settle_places_after(list: &[ChatMessage], range: std::ops::Range<usize>, before: Option<Stamp>) {
    let end = range.end.min(list.len());
    if range.start >= end {
        return;
    }
    let from = range.start.saturating_sub(1);
    let to = (end + 1).min(list.len());
    let lead = before.filter(|_| range.start == 0);
    let shift = usize::from(lead.is_some());
    let stamps: Vec<Stamp> = lead
        .into_iter()
        .chain(list[from..to].iter().map(ChatMessage::stamp))
        .collect();
    let places = grouping::places(&stamps, range.start - from + shift..end - from + shift);
    for (message, place) in list[range.start..end].iter().zip(places) {
        if message
            .place
            .try_get_untracked()
            .is_some_and(|p| p != place)
        {
            message.place.set(place);
        }
    }
}

/// What a message carries besides its text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageDetails {
    /// The backend's id for it, once known: it came with the history, or was found there when
    /// the history was read again (a reply streamed here comes without one).
    pub id: Option<String>,
    /// Milliseconds since the epoch.
    pub created_at: Option<i64>,
    pub sources: Vec<Source>,
    pub attachments: Vec<Attachment>,
    /// Who wrote it, as the backend names them (assistant messages).
    pub sender: Sender,
    /// A visitor's message that did not reach the backend: see [`UnsentMessage::sent_before`].
    pub sent_before: Option<usize>,
    /// A visitor's message not sent that goes out by itself once the browser is online: it
    /// failed for want of a connection (as the offline notice says), or went to a conversation
    /// that another tab replaced (see [`ChatState::send_again_to`]).
    pub when_online: bool,
    /// The conversation a visitor's message was sent to from this tab.
    pub sent_to: Option<String>,
}

/// An assistant's name and picture as the history gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sender {
    pub name: Option<String>,
    pub avatar: Option<String>,
}

/// A message of the history as the list is to show it.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub message: Message,
    pub status: MessageStatus,
    /// The earlier versions of a regenerated reply, oldest first (see [`crate::regenerated`]).
    pub earlier: Vec<Kept>,
}

impl HistoryRow {
    /// A message shown as the history holds it, or with `status`.
    pub fn new(message: Message, status: MessageStatus) -> Self {
        HistoryRow {
            message,
            status,
            earlier: Vec::new(),
        }
    }
}

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

/// A problem shown to the visitor, above the message box.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Which notice this is: each is said to screen readers once, when it goes up.
    pub id: u64,
    /// What it shows.
    pub text: String,
    /// For a countdown, what was said when it went up; `None`: it says what it shows.
    pub said: Option<String>,
    /// It is about the connection: it goes once the browser is back online.
    pub until_online: bool,
}

impl Notice {
    /// Whether it counts down to an automatic retry.
    pub fn counts_down(&self) -> bool {
        self.said.is_some()
    }
}

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
                last_batch: LIVE,
                listener: None,
            }),
        }
    }

    /// Who hears [`ChatEvent`]s; `None` silences them.
    pub fn set_listener(&self, listener: Option<Listener>) {
        self.inner.update_value(|inner| inner.listener = listener);
    }

    /// Keeps the controller that stops the exchange in flight (`None` once it has ended).
    pub fn set_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner.update_value(|inner| inner.abort = controller);
    }

    /// Stops the exchange in flight, if any.
    pub fn abort(&self) {
        self.inner.with_value(|inner| {
            if let Some(controller) = &inner.abort {
                controller.abort();
            }
        });
    }

    /// Keeps the controller that stops the history request in flight.
    pub fn set_history_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| inner.history_abort = controller);
    }

    /// Stops the history request in flight, if any, for good: another read takes its place (the
    /// conversation changed in another tab), and the one stopped leaves the list alone.
    pub fn drop_history_read(&self) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.history_abort, None));
    }

    /// Whether the history request that `controller` stops is still the one in charge of the
    /// list: stopped by [`drop_history_read`](Self::drop_history_read), it is not.
    pub fn reads_history_with(&self, controller: &web_sys::AbortController) -> bool {
        self.inner
            .try_with_value(|inner| inner.history_abort.as_ref() == Some(controller))
            .unwrap_or(false)
    }

    /// Keeps the controller of the follow-up watcher, stopping the one before.
    pub fn set_follow_ups_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.follow_ups_abort, controller));
    }

    /// Keeps the controller of the late-reply watcher, stopping the one before.
    pub fn set_late_replies_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.late_replies_abort, controller));
    }

    /// Stops every request in flight: the exchange, the history and the follow-up watcher.
    pub fn abort_all(&self) {
        self.abort();
        self.set_follow_ups_abort(None);
        self.set_late_replies_abort(None);
        self.inner.with_value(|inner| {
            if let Some(controller) = &inner.history_abort {
                controller.abort();
            }
        });
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
            self.open.set(open);
            self.emit(if open {
                ChatEvent::Open
            } else {
                ChatEvent::Close
            });
        }
    }

    /// A reply finished: unread while the panel is closed.
    pub fn reply_completed(&self, text: String) {
        if !self.open.get_untracked() {
            self.unread.update(|n| *n += 1);
        }
        self.announcement.set(crate::texts::fill(
            self.config.with_value(|c| c.texts).assistant_said,
            crate::markdown::plain_summary(&text, ANNOUNCED_CHARS),
        ));
        self.emit(ChatEvent::Reply(text));
    }

    /// Shows the visitor a problem, said to screen readers as it goes up (even in the words of
    /// the one before). Returns its [`Notice::id`].
    pub fn show_notice(&self, text: String) -> u64 {
        self.put_notice(text, None, false)
    }

    /// [`show_notice`](Self::show_notice) for a problem of the connection, which goes by itself
    /// once the browser is back online ([`back_online`](Self::back_online)).
    pub fn show_offline_notice(&self, text: String) {
        self.put_notice(text, None, true);
    }

    /// Shows the seconds left before an automatic retry: the first are said, and the notice
    /// then counts down on the screen alone (a screen reader would be interrupted every second).
    pub fn count_down_notice(&self, text: String) {
        let counting = self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(Notice::counts_down));
        if counting {
            self.notice.update(|n| {
                if let Some(n) = n {
                    n.text = text;
                }
            });
        } else {
            self.put_notice(text.clone(), Some(text), false);
        }
    }

    fn put_notice(&self, text: String, said: Option<String>, until_online: bool) -> u64 {
        let id = self
            .inner
            .try_update_value(|inner| {
                inner.last_notice += 1;
                inner.last_notice
            })
            .unwrap_or_default();
        self.notice.set(Some(Notice {
            id,
            text,
            said,
            until_online,
        }));
        id
    }

    /// The browser is back online: a notice about the connection is out of date.
    pub fn back_online(&self) {
        if self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.until_online))
        {
            self.notice.set(None);
        }
    }

    /// Takes the notice `id` down, if it is still the one shown.
    pub fn take_down_notice(&self, id: u64) {
        if self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.id == id))
        {
            self.notice.set(None);
        }
    }

    /// The notice's words, if one is up.
    pub fn notice_text(&self) -> Option<String> {
        self.notice
            .with_untracked(|n| n.as_ref().map(|n| n.text.clone()))
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

    /// Takes the assistant's name and picture from the newest of the stored `messages` (oldest
    /// first) whose reply names its sender, unless they are known already.
    pub fn meet_assistant<'a>(&self, messages: impl DoubleEndedIterator<Item = &'a Message>) {
        if self
            .assistant
            .try_with_untracked(|known| *known == Sender::default())
            != Some(true)
        {
            return;
        }
        let named = messages
            .rev()
            .filter(|m| m.role == Some(Role::Assistant))
            .map(sender_of)
            .find(|sender| *sender != Sender::default());
        if let Some(named) = named {
            let _ = self.assistant.try_set(named);
        }
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

    /// The visitor messages that never reached the backend, in order, each with its key.
    pub fn unsent(&self) -> Vec<(u64, UnsentMessage)> {
        self.messages.with_untracked(|list| {
            list.iter()
                .filter(|m| m.status.get_untracked() == MessageStatus::Unsent)
                .map(|m| {
                    let text = m.text.get_untracked();
                    // A message with the same text sent since this one failed is in the
                    // history too, and is not this one reaching the backend after all.
                    let sent_now = askings(list, list.len(), &text);
                    let unsent = m.details.with_value(|d| UnsentMessage {
                        attachments: d.attachments.clone(),
                        sent_before: d.sent_before.map(|before| before.max(sent_now)),
                        when_online: d.when_online,
                        text,
                    });
                    (m.key, unsent)
                })
                .collect()
        })
    }

    /// The visitor messages that never reached the backend, in order, with their files.
    pub fn unsent_messages(&self) -> Vec<UnsentMessage> {
        self.unsent().into_iter().map(|(_, m)| m).collect()
    }

    /// How many of the visitor's sent messages with `question`'s text come before it: which
    /// asking of that text it is, as the history will count them (see [`crate::unsent`] and
    /// [`crate::unfinished`]). A regenerated reply asked its question once more for each
    /// version after the first, and the history holds each of those askings.
    pub fn asked_before(&self, question: ChatMessage) -> usize {
        let text = question.text.get_untracked();
        self.messages.with_untracked(|list| {
            let before = list
                .iter()
                .position(|m| m.key == question.key)
                .unwrap_or(list.len());
            askings(list, before, &text)
        })
    }

    /// [`asked_before`](Self::asked_before) for a message that did not reach the backend (see
    /// [`UnsentMessage::sent_before`]), when the list can tell: before the history is read whole,
    /// an earlier asking of the same words may be missing from it, and the count would take the
    /// message for one that arrived after a reload, and drop it. Without a count it is kept.
    pub fn sent_before(&self, question: ChatMessage) -> Option<usize> {
        (self.history.get_untracked() == HistoryStatus::Loaded).then(|| self.asked_before(question))
    }

    /// Which asking of its question's text `reply` answers, as the history counts them: the
    /// newest version of a regenerated reply answers a later asking, one per version before it.
    pub fn asking_answered_by(&self, question: ChatMessage, reply: ChatMessage) -> usize {
        self.asked_before(question) + reply.versions.with_untracked(Versions::count) - 1
    }

    /// Puts a slice of the fetched history before whatever was sent meanwhile (history is older
    /// by definition), as one batch: the list builds its rows together, before the rows already
    /// shown. Each message comes with the status it shows. `before` is the stored message that
    /// comes right before the slice, in a later one: the slice's rows go in with the places they
    /// keep, so that nothing changes in a row once it is in, however far from the view it is.
    pub fn prepend_history(&self, history: Vec<HistoryRow>, before: Option<&Message>) {
        let batch = self
            .inner
            .try_update_value(|inner| {
                inner.last_batch += 1;
                inner.last_batch
            })
            .unwrap_or(LIVE);
        // The slices come newest first: the first one with a reply that names its sender decides.
        self.meet_assistant(history.iter().map(|row| &row.message));
        let earlier: Vec<ChatMessage> = history
            .into_iter()
            .filter_map(|row| self.listed(row, batch))
            .collect();
        if earlier.is_empty() {
            return;
        }
        let added = earlier.len();
        let before = before.and_then(|m| Some(stamp(m.role?, m.created_at)));
        self.messages.update(|list| {
            let later = std::mem::replace(list, earlier);
            list.extend(later);
            // The rows put in, and the one that was first: the only one whose neighbours changed
            // (and, with `before` known when it went in, its place did not).
            settle_places_after(list, 0..added + 1, before);
        });
    }

    /// A message of the history as a row of `batch`; none for a message of a kind not shown.
    fn listed(&self, row: HistoryRow, batch: u64) -> Option<ChatMessage> {
        let HistoryRow {
            message: m,
            status,
            earlier,
        } = row;
        let role = m.role?;
        let sender = sender_of(&m);
        let details = MessageDetails {
            sources: m.sources(),
            id: Some(m.id).filter(|id| !id.is_empty()),
            created_at: m.created_at,
            attachments: m.attachments,
            sender,
            ..MessageDetails::default()
        };
        let versions = (!earlier.is_empty()).then(|| {
            let shown = Kept {
                text: m.content.clone(),
                sources: details.sources.clone(),
                status,
            };
            Versions::restored(earlier, shown)
        });
        let mut message = self.new_message(role, m.content, status);
        message.details.set_value(details);
        if let Some(versions) = versions {
            message.versions.set(versions);
        }
        message.batch = batch;
        Some(message)
    }

    /// Puts messages of the history that the list does not show yet (another tab's exchange)
    /// at its end, as messages of this page: the rows shown stay as they are.
    pub fn append_history(&self, history: Vec<HistoryRow>) {
        self.meet_assistant(history.iter().map(|row| &row.message));
        let added: Vec<ChatMessage> = history
            .into_iter()
            .filter_map(|row| self.listed(row, LIVE))
            .collect();
        if added.is_empty() {
            return;
        }
        self.messages.update(|list| {
            let at = list.len();
            list.extend(added);
            // The rows put in, and the one before them: the only one whose neighbours changed.
            settle_places(list, at.saturating_sub(1)..list.len());
        });
    }
}

/// How many times the visitor's sent messages among the first `questions` of `list` asked
/// `text`, as the history counts them: once each, and once more for each version of its reply
/// after the first (a regenerated reply asked again).
fn askings(list: &[ChatMessage], questions: usize, text: &str) -> usize {
    list.iter()
        .enumerate()
        .take(questions)
        .filter(|(_, m)| {
            m.role == Role::Visitor
                && m.status.get_untracked() != MessageStatus::Unsent
                && m.text.with_untracked(|t| t == text)
        })
        .map(|(i, _)| match list.get(i + 1) {
            Some(reply) if reply.role == Role::Assistant => {
                reply.versions.with_untracked(Versions::count)
            }
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        let attributes = [("data-web-chat-id", "w"), ("data-chatbot-id", "b")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
        Config::from_attributes(&attributes, "http://localhost/")
            .0
            .unwrap()
    }

    fn unsent_texts(state: &ChatState) -> Vec<String> {
        state
            .unsent_messages()
            .into_iter()
            .map(|m| m.text)
            .collect()
    }

    fn complete(messages: Vec<Message>) -> Vec<HistoryRow> {
        messages
            .into_iter()
            .map(|m| HistoryRow::new(m, MessageStatus::Complete))
            .collect()
    }

    fn history_message(role: &str, content: &str) -> Message {
        let json = serde_json::json!({ "type": role, "content": content });
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn new_replies_take_the_assistant_named_by_the_history() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            assert_eq!(state.assistant_sender(), Sender::default());
            let json = r#"[{"type": "outgoing", "content": "a", "sender": {"name": "Ada", "avatar": "https://x/a.png"}},
                          {"type": "incoming", "content": "q", "sender": {"name": "Visitor"}},
                          {"type": "outgoing", "content": "b", "sender": {"name": null}}]"#;
            let messages: Vec<Message> = serde_json::from_str(json).unwrap();
            state.prepend_history(complete(messages), None);
            let ada = Sender {
                name: Some("Ada".into()),
                avatar: Some("https://x/a.png".into()),
            };
            assert_eq!(state.assistant_sender(), ada);
            let first = state.messages.get_untracked()[0];
            assert_eq!(first.details.get_value().sender, ada);
        });
    }

    #[test]
    fn the_newest_reply_that_names_its_sender_names_the_assistant() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let named = |name: &str| -> Message {
                let json = serde_json::json!({ "type": "outgoing", "content": "a", "sender": { "name": name } });
                serde_json::from_str(&json.to_string()).unwrap()
            };
            // The assistant was renamed: newest slice first, as the history goes in.
            state.prepend_history(complete(vec![named("Old"), named("New")]), None);
            state.prepend_history(complete(vec![named("Oldest")]), None);
            assert_eq!(state.assistant_sender().name.as_deref(), Some("New"));
        });
    }

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
    fn a_message_sent_since_an_unsent_one_with_its_text_counts_among_those_sent_before_it() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let first = state.push(Role::Visitor, "hi".into(), MessageStatus::Unsent);
            let second = state.push(Role::Visitor, "hi".into(), MessageStatus::Unsent);
            let old = state.push(Role::Visitor, "hi".into(), MessageStatus::Unsent);
            for m in [first, second] {
                m.details
                    .update_value(|d| d.sent_before = Some(state.asked_before(m)));
            }
            assert_eq!(state.unsent_messages()[1].sent_before, Some(0));
            // The first goes, and reaches the backend.
            state.sent_again(first.key, 42).unwrap();
            let unsent = state.unsent_messages();
            assert_eq!(unsent.len(), 2);
            assert_eq!(unsent[0].sent_before, Some(1));
            // One stored by an earlier version, without a count, still has none.
            assert_eq!(unsent[1].sent_before, None);
            assert_eq!(old.details.with_value(|d| d.sent_before), None);
            // After a reload, a history holding "hi" once holds the one sent, not the other.
            assert_eq!(
                crate::unsent::arrived(&[("hi", unsent[0].sent_before, 1)]),
                [false]
            );
            assert_eq!(
                crate::unsent::arrived(&[("hi", unsent[0].sent_before, 2)]),
                [true]
            );
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
    fn a_message_not_sent_is_counted_against_the_history_only_once_it_is_read_whole() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.push(Role::Visitor, "ok".into(), MessageStatus::Complete);
            let failed = state.push(Role::Visitor, "ok".into(), MessageStatus::Unsent);
            for status in [
                HistoryStatus::NotLoaded,
                HistoryStatus::Loading,
                HistoryStatus::Failed { notice: 1 },
            ] {
                state.history.set(status);
                assert_eq!(state.sent_before(failed), None, "{status:?}");
            }
            state.history.set(HistoryStatus::Loaded);
            assert_eq!(state.sent_before(failed), Some(1));
        });
    }

    #[test]
    fn each_slice_of_history_is_a_batch_before_the_live_messages() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let sent = state.push(Role::Visitor, "new".into(), MessageStatus::Unsent);
            state.prepend_history(
                complete(vec![
                    history_message("incoming", "q2"),
                    history_message("outgoing", "a2"),
                ]),
                None,
            );
            state.prepend_history(complete(vec![history_message("incoming", "q1")]), None);
            let batches = state.batches();
            assert_eq!(batches.len(), 3);
            assert_eq!(batches[2], LIVE);
            let texts = |batch| {
                state
                    .batch_rows(batch)
                    .iter()
                    .map(|m| m.text.get_untracked())
                    .collect::<Vec<_>>()
            };
            assert_eq!(texts(batches[0]), ["q1"]);
            assert_eq!(texts(batches[1]), ["q2", "a2"]);
            assert_eq!(texts(LIVE), ["new"]);
            assert_eq!(state.rows_after_batch(batches[0]), 3);
            assert_eq!(state.rows_after_batch(batches[1]), 1);
            assert_eq!(state.rows_after_batch(LIVE), 0);
            // A message moved to the end (sent again) is one of this page's, and the batches
            // stay runs of the list.
            let first = state.messages.get_untracked()[0];
            state.move_to_end(first.key);
            assert_eq!(state.batches(), [batches[1], LIVE]);
            assert_eq!(texts(LIVE), ["new", "q1"]);
            state.move_to_end(sent.key);
            assert_eq!(texts(LIVE), ["q1", "new"]);
        });
    }

    #[test]
    fn history_goes_before_messages_sent_while_it_loaded() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.push(Role::Visitor, "new".into(), MessageStatus::Complete);
            state.prepend_history(
                complete(vec![
                    history_message("incoming", "old question"),
                    history_message("outgoing", "old answer"),
                    history_message("system", "skipped: not a visitor or assistant message"),
                ]),
                None,
            );
            let texts: Vec<String> = state
                .messages
                .get_untracked()
                .iter()
                .map(|m| m.text.get_untracked())
                .collect();
            assert_eq!(texts, ["old question", "old answer", "new"]);
            let keys: Vec<u64> = state
                .messages
                .get_untracked()
                .iter()
                .map(|m| m.key)
                .collect();
            assert_eq!(keys, [1, 2, 0], "keys stay unique and stable");
        });
    }

    fn timed(role: &str, content: &str, at: i64) -> Message {
        let json =
            serde_json::json!({ "type": role, "content": content, "createdAt": at.to_string() });
        serde_json::from_str(&json.to_string()).unwrap()
    }

    #[test]
    fn a_row_put_above_touches_only_the_row_below_it() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            // Times as the backend writes them: 13-digit milliseconds.
            let minute = 60_000;
            let noon = 1_764_676_800_000;
            // Newest first, one at a time, as the history goes in.
            state.prepend_history(
                complete(vec![timed("outgoing", "more", noon + 3 * minute)]),
                None,
            );
            state.prepend_history(
                complete(vec![timed("outgoing", "answer", noon + 2 * minute)]),
                None,
            );
            state.prepend_history(
                complete(vec![timed("incoming", "question", noon + minute)]),
                None,
            );
            let places: Vec<(bool, bool, bool)> = state
                .messages
                .get_untracked()
                .iter()
                .map(|m| {
                    let p = m.place.get_untracked();
                    (p.starts_run, p.ends_run, p.last)
                })
                .collect();
            assert_eq!(
                places,
                [
                    (true, true, false),
                    (true, false, false),
                    (false, true, true)
                ]
            );
            // A reply pushed live after them joins their run: the one before it gives up its time.
            let before = state.messages.get_untracked()[2];
            let reply = state.push_with(
                Role::Assistant,
                "live".into(),
                MessageStatus::Complete,
                MessageDetails {
                    created_at: Some(noon + 4 * minute),
                    ..MessageDetails::default()
                },
            );
            assert!(!before.place.get_untracked().ends_run);
            assert!(!before.place.get_untracked().last);
            assert!(!reply.place.get_untracked().starts_run && reply.place.get_untracked().last);
            assert!(state.is_last(reply.key));
        });
    }

    #[test]
    fn a_slice_that_knows_the_message_before_it_goes_in_with_the_places_it_keeps() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let minute = 60_000;
            let day = 24 * 60 * minute;
            let noon = 1_764_676_800_000;
            // Yesterday: a question and its answer; today: another answer in the same run as a
            // second one, then a question.
            let history = [
                timed("incoming", "old question", noon - day),
                timed("outgoing", "old answer", noon - day + minute),
                timed("outgoing", "answer", noon),
                timed("outgoing", "more", noon + minute),
                timed("incoming", "question", noon + 2 * minute),
            ];
            let places = |state: &ChatState| -> Vec<RowPlace> {
                state
                    .messages
                    .get_untracked()
                    .iter()
                    .map(|m| m.place.get_untracked())
                    .collect()
            };
            // Newest first, each slice told the message before it.
            state.prepend_history(complete(history[3..].to_vec()), Some(&history[2]));
            let newest = places(&state);
            // "more" continues the run of "answer", still to come.
            assert!(!newest[0].starts_run && !newest[0].starts_day);
            state.prepend_history(complete(history[2..3].to_vec()), Some(&history[1]));
            let middle = places(&state);
            // "answer" starts today's day, after yesterday's answer, still to come.
            assert!(middle[0].starts_day);
            assert_eq!(middle[1..], newest[..], "rows already in kept their places");
            state.prepend_history(complete(history[..2].to_vec()), None);
            let all = places(&state);
            assert_eq!(all[2..], middle[..], "rows already in kept their places");
            // The same places as the whole history put in at once.
            let whole = ChatState::new(config());
            whole.prepend_history(complete(history.to_vec()), None);
            assert_eq!(all, places(&whole));
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
    fn askings_are_counted_as_the_history_holds_them() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            let regenerated = state.push(Role::Assistant, "a".into(), MessageStatus::Complete);
            state.push(Role::Visitor, "other".into(), MessageStatus::Complete);
            state.push(Role::Visitor, "q".into(), MessageStatus::Unsent);
            state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            let last = state.push(Role::Visitor, "q".into(), MessageStatus::Complete);
            // Two sent before it; the unsent one never reached the backend.
            assert_eq!(state.asked_before(last), 2);
            // Its reply was regenerated twice: the first question was asked three times.
            regenerated.versions.update(|v| {
                for text in ["a", "a2"] {
                    v.begin(Kept {
                        text: text.into(),
                        sources: Vec::new(),
                        status: MessageStatus::Complete,
                    });
                }
            });
            assert_eq!(state.asked_before(last), 4);
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
    fn a_countdown_is_one_notice_said_once_and_every_notice_is_new() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.count_down_notice("Retrying in 3 s".into());
            let first = state.notice.get_untracked().unwrap();
            assert_eq!(first.said.as_deref(), Some("Retrying in 3 s"));
            state.count_down_notice("Retrying in 2 s".into());
            let tick = state.notice.get_untracked().unwrap();
            assert_eq!((tick.id, tick.said), (first.id, first.said));
            assert_eq!(state.notice_text().as_deref(), Some("Retrying in 2 s"));
            // A notice in the same words as the one before is a new one, said again.
            state.show_notice("Offline".into());
            let offline = state.notice.get_untracked().unwrap();
            assert!(!offline.counts_down());
            state.show_notice("Offline".into());
            assert_ne!(state.notice.get_untracked().unwrap().id, offline.id);
            // A countdown after another notice starts its own.
            state.count_down_notice("Retrying in 5 s".into());
            assert_eq!(
                state.notice.get_untracked().unwrap().said.as_deref(),
                Some("Retrying in 5 s")
            );
            // Back online, only a notice about the connection goes; a notice goes by its id
            // only while it is the one shown.
            state.back_online();
            assert!(state.notice_text().is_some());
            state.show_offline_notice("Try again when you're back online".into());
            state.back_online();
            assert_eq!(state.notice_text(), None);
            let earlier = state.show_notice("Too long".into());
            state.show_notice("Too long".into());
            state.take_down_notice(earlier);
            assert!(state.notice_text().is_some());
        });
    }

    fn texts_of(state: &ChatState) -> Vec<String> {
        state
            .messages
            .get_untracked()
            .iter()
            .map(|m| m.text.get_untracked())
            .collect()
    }

    #[test]
    fn another_tab_s_messages_go_at_the_end_and_the_rows_shown_stay() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let mut stored = history_message("incoming", "old question");
            stored.id = "m1".into();
            state.prepend_history(
                complete(vec![stored, history_message("outgoing", "old answer")]),
                None,
            );
            let shown = state.messages.get_untracked();
            assert_eq!(
                shown[0].details.with_value(|d| d.id.clone()).as_deref(),
                Some("m1"),
                "a message of the history knows its id"
            );
            assert_eq!(shown[1].details.with_value(|d| d.id.clone()), None);
            let mine = state.push(Role::Visitor, "mine".into(), MessageStatus::Complete);
            let mut theirs = history_message("incoming", "theirs");
            theirs.id = "m3".into();
            state.append_history(complete(vec![
                theirs,
                history_message("outgoing", "their answer"),
            ]));
            assert_eq!(
                texts_of(&state),
                [
                    "old question",
                    "old answer",
                    "mine",
                    "theirs",
                    "their answer"
                ]
            );
            let list = state.messages.get_untracked();
            assert_eq!(
                list[0].key, shown[0].key,
                "the rows shown are the same rows"
            );
            assert_eq!(list[2].key, mine.key);
            assert_eq!(
                list[3].details.with_value(|d| d.id.clone()).as_deref(),
                Some("m3")
            );
            // One run of this page's messages, the other tab's among them.
            assert_eq!(state.batches(), [list[0].batch, LIVE]);
            assert!(!list[2].place.get_untracked().last);
            assert!(list[4].place.get_untracked().last);
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
