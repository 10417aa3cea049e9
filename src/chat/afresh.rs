//! The list shown afresh: for a new conversation, or for one another tab changed or replaced.

use leptos::prelude::*;

use super::message::settle_places;
use super::{ChatMessage, ChatState, HistoryStatus, MessageStatus};

impl ChatState {
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
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::chat::MessageDetails;
    use crate::models::Role;

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
}
