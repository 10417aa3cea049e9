//! What the list tells of the exchange: the reply streaming, the question it answered, the last.

use leptos::prelude::*;

use super::{ChatMessage, ChatState, HistoryStatus, MessageStatus};
use crate::models::Role;

impl ChatState {
    /// Whether every message after `key` is a visitor's message not sent yet.
    pub fn only_unsent_after(&self, key: u64) -> bool {
        self.messages.with_untracked(|list| {
            list.iter().skip_while(|m| m.key != key).skip(1).all(|m| {
                m.role == Role::Visitor && m.status.get_untracked() == MessageStatus::Unsent
            })
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
    use super::super::testing::*;
    use super::*;

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
}
