//! The stored history's messages as rows of the list: a slice put before the rows shown, or
//! another tab's exchange put after them.

use leptos::prelude::*;

use super::message::{sender_of, settle_places, settle_places_after, stamp};
use super::{ChatMessage, ChatState, MessageDetails, MessageStatus, Sender, LIVE};
use crate::models::{Message, Role};
use crate::versions::{Kept, Versions};

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

impl ChatState {
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::grouping::RowPlace;

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
}
