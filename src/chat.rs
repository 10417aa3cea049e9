//! The conversation as the panel shows it: a small struct of signals shared through context.
//!
//! Each message owns its own text signal, so a streamed delta touches one message's node and
//! nothing else re-renders.

mod afresh;
mod askings;
mod events;
mod history;
mod in_flight;
mod list;
mod lookups;
mod message;
mod notices;
#[cfg(test)]
mod testing;
mod unread;

use leptos::prelude::*;

use crate::attaching::Attaching;
use crate::config::Config;
use crate::contact::ContactStep;

pub use events::ChatEvent;
use events::Listener;
pub use history::HistoryRow;
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

/// A site's own "Chat with us" button that opened the panel through the API
/// (`ChatBubble.open()`) on a visitor's click or key: the panel takes keyboard focus as it does
/// when its launcher opens it, and gives it back to that button when it closes. Without it a
/// keyboard visitor is left on the page, and on a phone behind the full-screen panel.
#[derive(Debug, Clone)]
pub struct PagePress {
    /// What had focus on the page when it was pressed, if anything but the page itself.
    pub focused: Option<web_sys::HtmlElement>,
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
    /// The visitor's press on one of the page's own controls that asked the panel open through
    /// the API, until the panel has taken focus for it: see [`PagePress`].
    pub page_press: RwSignal<Option<PagePress>, LocalStorage>,
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
    /// The panel has been opened or closed, or asked to be when it already was.
    open_asked: bool,
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
            page_press: RwSignal::new_local(None),
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
                open_asked: false,
                listener: None,
            }),
        }
    }

    /// The assistant's name and picture from the history, for a new reply.
    pub fn assistant_sender(&self) -> Sender {
        self.assistant.get_untracked()
    }
}
