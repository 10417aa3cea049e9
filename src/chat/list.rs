//! The messages of the list as they are made, put in, moved and taken out, and its batches.

use leptos::prelude::*;

use super::message::settle_places;
use super::{ChatMessage, ChatState, MessageDetails, MessageStatus, LIVE};
use crate::models::Role;

impl ChatState {
    /// The key the next message will get: every message shown now has a smaller one.
    pub fn next_key(&self) -> u64 {
        self.inner
            .try_with_value(|inner| inner.next_key)
            .unwrap_or_default()
    }

    pub(super) fn new_message(
        &self,
        role: Role,
        text: String,
        status: MessageStatus,
    ) -> ChatMessage {
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
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
