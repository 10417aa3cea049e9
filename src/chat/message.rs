//! A message of the list: its signals, what it carries besides its text, and its place among
//! its neighbours.

use leptos::prelude::*;

use crate::grouping::{self, RowPlace, Stamp};
use crate::models::{Attachment, Message, Role, Source};
use crate::versions::Versions;

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
    pub(super) fn new(key: u64, role: Role, text: String, status: MessageStatus) -> Self {
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
    /// which would otherwise keep them until the widget goes (see [`ChatState::keep_only_unsent`](super::ChatState::keep_only_unsent)).
    pub fn dispose(self) {
        self.text.dispose();
        self.status.dispose();
        self.details.dispose();
        self.place.dispose();
        self.versions.dispose();
    }

    /// What its neighbours need to know of it.
    pub(super) fn stamp(&self) -> Stamp {
        stamp(
            self.role,
            self.details.try_with_value(|d| d.created_at).flatten(),
        )
    }
}

/// Who wrote a stored message, as the backend names them.
pub(super) fn sender_of(message: &Message) -> Sender {
    Sender {
        name: message.sender.name.clone(),
        avatar: message.sender.avatar.clone(),
    }
}

/// What a row's neighbours need to know of a message of `role` written at `at`.
pub(super) fn stamp(role: Role, at: Option<i64>) -> Stamp {
    Stamp {
        role,
        at,
        day: at.map(crate::time_format::day_number),
    }
}

/// Brings the places of `list[range]` up to date with their neighbours, touching only the rows
/// whose place changed.
pub(super) fn settle_places(list: &[ChatMessage], range: std::ops::Range<usize>) {
    settle_places_after(list, range, None);
}

/// [`settle_places`], where `before` is the message that will come before the list's first row
/// (the history still to go in), when it is known.
pub(super) fn settle_places_after(
    list: &[ChatMessage],
    range: std::ops::Range<usize>,
    before: Option<Stamp>,
) {
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
    /// A visitor's message that did not reach the backend: see [`UnsentMessage::sent_before`](crate::unsent::UnsentMessage::sent_before).
    pub sent_before: Option<usize>,
    /// A visitor's message not sent that goes out by itself once the browser is online: it
    /// failed for want of a connection (as the offline notice says), or went to a conversation
    /// that another tab replaced (see [`ChatState::send_again_to`](super::ChatState::send_again_to)).
    pub when_online: bool,
    /// The conversation a visitor's message was sent to from this tab.
    pub sent_to: Option<String>,
    /// The notice that said why a reply was cut ([`Notice::id`](super::Notice::id)): it goes
    /// when the reply the backend stored takes the cut one's place.
    pub cut_notice: Option<u64>,
}

/// An assistant's name and picture as the history gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sender {
    pub name: Option<String>,
    pub avatar: Option<String>,
}
