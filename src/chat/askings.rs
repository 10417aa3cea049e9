//! Counting the visitor's messages as the history holds them: which asking of a text a message
//! is, and the messages that never reached the backend.

use leptos::prelude::*;

use super::{ChatMessage, ChatState, HistoryStatus, MessageStatus};
use crate::models::Role;
use crate::unsent::UnsentMessage;
use crate::versions::Versions;

impl ChatState {
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
    use super::super::testing::*;
    use super::*;
    use crate::versions::Kept;

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
}
