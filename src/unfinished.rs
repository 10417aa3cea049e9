//! Replies that did not finish, remembered across reloads, so that the history shows them as
//! the visitor saw them. Each is remembered by the question it answered and the text shown when
//! it ended.
//!
//! - A reply the visitor **stopped**: the backend goes on to store the whole reply, and the
//!   history would bring it back whole and unmarked. The history's reply to that question that
//!   begins with the shown text is shown as it was, Stopped.
//! - A reply **cut** by a broken stream: the backend may have stored the whole reply, part of it,
//!   or nothing. A stored reply is shown as stored. Where the question has no reply after it, the
//!   cut reply comes back as it was shown, with its Retry, rather than leave the question
//!   unanswered with nothing to press.

use serde::{Deserialize, Serialize};

use crate::asked_again::Askings;
use crate::chat::{HistoryRow, MessageStatus};
use crate::models::{Message, Role};

/// How many unfinished replies are remembered per web chat; the oldest are forgotten first.
pub const REMEMBERED: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnfinishedReply {
    pub conversation: String,
    /// The visitor's message the reply answered.
    pub question: String,
    /// How many of the visitor's messages with the same text came before that one in the
    /// conversation: which of them it was, when the visitor asked the same thing again.
    #[serde(default)]
    pub asked_before: usize,
    /// What the reply showed when it ended.
    pub shown: String,
    /// Remembered before cut replies were: those are all stopped.
    #[serde(default)]
    pub ending: Ending,
}

/// How a reply ended before it was whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ending {
    /// The visitor pressed Stop.
    #[default]
    Stopped,
    /// The stream broke.
    Cut,
}

/// Adds `reply` to `remembered`, keeping at most [`REMEMBERED`]. A reply to the same question
/// cut again takes the place of the earlier cut.
pub fn remember(remembered: &mut Vec<UnfinishedReply>, reply: UnfinishedReply) {
    if reply.ending == Ending::Cut {
        remembered.retain(|r| {
            !(r.ending == Ending::Cut
                && r.conversation == reply.conversation
                && r.question == reply.question
                && r.asked_before == reply.asked_before)
        });
    }
    remembered.push(reply);
    if remembered.len() > REMEMBERED {
        let extra = remembered.len() - REMEMBERED;
        remembered.drain(..extra);
    }
}

/// Forgets the cut replies to `question` in `conversation`: a reply to it has come whole.
pub fn forget_cut(remembered: &mut Vec<UnfinishedReply>, conversation: &str, question: &str) {
    remembered.retain(|r| {
        !(r.ending == Ending::Cut && r.conversation == conversation && r.question == question)
    });
}

/// For each message of `history` (role and text, oldest first) of `conversation`: `Some(shown)`
/// where it is a reply the visitor stopped, `None` elsewhere. It is the reply that follows the
/// asking of the question it answered, and begins with the text shown.
pub fn stopped<'a>(
    conversation: &str,
    history: &[(Option<Role>, &str)],
    remembered: &'a [UnfinishedReply],
) -> Vec<Option<&'a str>> {
    let stopped: Vec<&UnfinishedReply> = remembered
        .iter()
        .filter(|r| r.ending == Ending::Stopped && r.conversation == conversation)
        .collect();
    let mut askings = Askings::of(stopped.iter().map(|r| r.question.as_str()));
    // The last question, and which asking of its text it was.
    let mut question: Option<(&str, usize)> = None;
    history
        .iter()
        .map(|&(role, text)| match role? {
            Role::Visitor => {
                question = askings.next(text).map(|asking| (text, asking));
                None
            }
            Role::Assistant => {
                let (asked, asking) = question?;
                stopped
                    .iter()
                    .find(|r| {
                        r.question == asked
                            && r.asked_before == asking
                            && text.starts_with(r.shown.as_str())
                    })
                    .map(|r| r.shown.as_str())
            }
        })
        .collect()
}

/// For each message of `history` (role and text, oldest first) of `conversation`: `Some(shown)`
/// where it is the question of a cut reply and no reply follows it, `None` elsewhere.
pub fn cut<'a>(
    conversation: &str,
    history: &[(Option<Role>, &str)],
    remembered: &'a [UnfinishedReply],
) -> Vec<Option<&'a str>> {
    cut_questions(conversation, history, remembered)
        .into_iter()
        .map(|asked| match asked {
            Some((reply, None)) => Some(reply.shown.as_str()),
            _ => None,
        })
        .collect()
}

/// The cut replies of `conversation` to which `history` (role and text, oldest first) now holds
/// a reply, each with where that reply is: the backend went on writing after the stream broke,
/// and stored it when it was done.
pub fn late_replies<'a>(
    conversation: &str,
    history: &[(Option<Role>, &str)],
    remembered: &'a [UnfinishedReply],
) -> Vec<(&'a UnfinishedReply, usize)> {
    cut_questions(conversation, history, remembered)
        .into_iter()
        .filter_map(|asked| match asked {
            Some((reply, Some(at))) => Some((reply, at)),
            _ => None,
        })
        .collect()
}

/// For each message of `history` (role and text, oldest first) of `conversation`: where it is
/// the asking of a question whose reply was cut, that cut reply, with where the reply that
/// follows the question is, if one does.
fn cut_questions<'a>(
    conversation: &str,
    history: &[(Option<Role>, &str)],
    remembered: &'a [UnfinishedReply],
) -> Vec<Option<(&'a UnfinishedReply, Option<usize>)>> {
    let cut: Vec<&UnfinishedReply> = remembered
        .iter()
        .filter(|r| r.ending == Ending::Cut && r.conversation == conversation)
        .collect();
    let mut askings = Askings::of(cut.iter().map(|r| r.question.as_str()));
    history
        .iter()
        .enumerate()
        .map(|(i, &(role, text))| {
            if role != Some(Role::Visitor) {
                return None;
            }
            let asked_before = askings.next(text)?;
            let reply = cut
                .iter()
                .find(|r| r.question == text && r.asked_before == asked_before)?;
            // The next message of the conversation as shown, past any of other kinds.
            let next = history[i + 1..]
                .iter()
                .position(|&(role, _)| role.is_some())
                .map(|at| i + 1 + at);
            let answered = next.filter(|&at| history[at].0 == Some(Role::Assistant));
            Some((*reply, answered))
        })
        .collect()
}

/// Each message of `history` as the functions here read it: its role and its text.
pub fn roles_and_texts(history: &[Message]) -> Vec<(Option<Role>, &str)> {
    history
        .iter()
        .map(|m| (m.role, m.content.as_str()))
        .collect()
}

/// The history's `messages` of `conversation`, each with the status it shows: the replies the
/// visitor had stopped as they were shown, cut where they stopped and Stopped; after a question
/// left without its reply by a broken stream, that reply as it was shown, Failed; the others
/// Complete.
pub fn restore(
    conversation: &str,
    messages: Vec<Message>,
    remembered: &[UnfinishedReply],
) -> Vec<HistoryRow> {
    let history = roles_and_texts(&messages);
    let stopped = stopped(conversation, &history, remembered);
    let cut = cut(conversation, &history, remembered);
    let mut restored = Vec::with_capacity(messages.len() + 1);
    for ((mut message, stopped_at), cut_at) in messages.into_iter().zip(stopped).zip(cut) {
        let created_at = message.created_at;
        match stopped_at {
            Some(shown) => {
                message.content = shown.to_owned();
                restored.push(HistoryRow::new(message, MessageStatus::Stopped));
            }
            None => restored.push(HistoryRow::new(message, MessageStatus::Complete)),
        }
        if let Some(shown) = cut_at {
            let reply = Message {
                role: Some(Role::Assistant),
                content: shown.to_owned(),
                created_at,
                ..Message::default()
            };
            restored.push(HistoryRow::new(reply, MessageStatus::Failed));
        }
    }
    restored
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopped_reply(conversation: &str, question: &str, shown: &str) -> UnfinishedReply {
        UnfinishedReply {
            conversation: conversation.into(),
            question: question.into(),
            asked_before: 0,
            shown: shown.into(),
            ending: Ending::Stopped,
        }
    }

    fn cut_off(conversation: &str, question: &str, shown: &str) -> UnfinishedReply {
        UnfinishedReply {
            ending: Ending::Cut,
            ..stopped_reply(conversation, question, shown)
        }
    }

    fn restored(
        conversation: &str,
        json: &str,
        remembered: &[UnfinishedReply],
    ) -> Vec<(String, MessageStatus)> {
        let messages: Vec<Message> = serde_json::from_str(json).unwrap();
        restore(conversation, messages, remembered)
            .into_iter()
            .map(|row| (row.message.content, row.status))
            .collect()
    }

    #[test]
    fn the_reply_to_the_same_question_that_begins_with_the_shown_text_is_marked() {
        let remembered = [stopped_reply("c1", "tell me a story", "Once upon")];
        let history = [
            (Some(Role::Visitor), "hello"),
            (Some(Role::Assistant), "Once upon a time, not this one"),
            (Some(Role::Visitor), "tell me a story"),
            (
                Some(Role::Assistant),
                "Once upon a time there was a widget.",
            ),
        ];
        assert_eq!(
            stopped("c1", &history, &remembered),
            vec![None, None, None, Some("Once upon")]
        );
        assert_eq!(
            stopped("c2", &history, &remembered),
            vec![None; 4],
            "another conversation"
        );
        let changed = [
            (Some(Role::Visitor), "tell me a story"),
            (Some(Role::Assistant), "A different reply"),
        ];
        assert_eq!(stopped("c1", &changed, &remembered), vec![None, None]);
        // The story asked for again (a regenerated reply, say) begins the same way: only the
        // reply to the asking that was stopped is cut.
        let again = [
            (Some(Role::Visitor), "tell me a story"),
            (Some(Role::Assistant), "Once upon a time, the first."),
            (Some(Role::Visitor), "tell me a story"),
            (Some(Role::Assistant), "Once upon a time, the second."),
        ];
        assert_eq!(
            stopped("c1", &again, &remembered),
            vec![None, Some("Once upon"), None, None]
        );
        let second = [UnfinishedReply {
            asked_before: 1,
            ..stopped_reply("c1", "tell me a story", "Once upon")
        }];
        assert_eq!(
            stopped("c1", &again, &second),
            vec![None, None, None, Some("Once upon")]
        );
    }

    #[test]
    fn a_stopped_reply_comes_back_cut_and_stopped() {
        let json = r#"[{"type": "incoming", "content": "tell me a story"},
                      {"type": "system", "content": "not shown"},
                      {"type": "outgoing", "content": "Once upon a time there was a widget."},
                      {"type": "incoming", "content": "thanks"},
                      {"type": "outgoing", "content": "You are welcome."}]"#;
        let messages: Vec<Message> = serde_json::from_str(json).unwrap();
        let remembered = [stopped_reply("c1", "tell me a story", "Once upon")];
        let restored: Vec<(String, MessageStatus)> = restore("c1", messages.clone(), &remembered)
            .into_iter()
            .map(|row| (row.message.content, row.status))
            .collect();
        let expected = [
            ("tell me a story", MessageStatus::Complete),
            ("not shown", MessageStatus::Complete),
            ("Once upon", MessageStatus::Stopped),
            ("thanks", MessageStatus::Complete),
            ("You are welcome.", MessageStatus::Complete),
        ]
        .map(|(text, status)| (text.to_owned(), status));
        assert_eq!(restored, expected);
        assert!(restore("c2", messages, &remembered)
            .iter()
            .all(|row| row.status == MessageStatus::Complete));
    }

    #[test]
    fn only_the_latest_are_remembered() {
        let mut remembered = Vec::new();
        for i in 0..REMEMBERED + 5 {
            remember(&mut remembered, stopped_reply("c", &i.to_string(), "x"));
        }
        assert_eq!(remembered.len(), REMEMBERED);
        assert_eq!(remembered[0].question, "5");
    }

    #[test]
    fn a_question_cut_again_replaces_its_cut_and_stopped_replies_all_stay() {
        let asked_again = UnfinishedReply {
            asked_before: 1,
            ..cut_off("c", "q", "x")
        };
        let mut remembered = vec![cut_off("c", "q", "a"), stopped_reply("c", "q", "b")];
        remember(&mut remembered, asked_again.clone());
        remember(&mut remembered, cut_off("c", "q", "ab"));
        remember(&mut remembered, stopped_reply("c", "q", "bc"));
        assert_eq!(
            remembered,
            [
                stopped_reply("c", "q", "b"),
                asked_again,
                cut_off("c", "q", "ab"),
                stopped_reply("c", "q", "bc")
            ]
        );
        forget_cut(&mut remembered, "c", "q");
        assert_eq!(
            remembered,
            [stopped_reply("c", "q", "b"), stopped_reply("c", "q", "bc")]
        );
    }

    #[test]
    fn a_cut_reply_belongs_to_its_own_asking_of_the_question() {
        // Asked, cut, answered whole by the backend; asked again, and its reply still coming.
        let json = r#"[{"type": "incoming", "content": "yes"},
                      {"type": "outgoing", "content": "Good, the first."},
                      {"type": "incoming", "content": "yes"}]"#;
        let first = [cut_off("c1", "yes", "Good")];
        assert!(restored("c1", json, &first)
            .iter()
            .all(|(_, status)| *status == MessageStatus::Complete));
        let second = [UnfinishedReply {
            asked_before: 1,
            ..cut_off("c1", "yes", "Good, the sec")
        }];
        assert_eq!(
            restored("c1", json, &second)[3],
            ("Good, the sec".to_owned(), MessageStatus::Failed)
        );
    }

    #[test]
    fn remembered_before_cut_replies_were_means_stopped() {
        let old = r#"[{"conversation": "c", "question": "q", "shown": "a"}]"#;
        let read: Vec<UnfinishedReply> = serde_json::from_str(old).unwrap();
        assert_eq!(read, [stopped_reply("c", "q", "a")]);
    }

    #[test]
    fn a_cut_reply_the_backend_did_not_keep_comes_back_as_shown_with_its_retry() {
        let json = r#"[{"type": "incoming", "content": "hello"},
                      {"type": "outgoing", "content": "Hi."},
                      {"type": "incoming", "content": "tell me a story", "createdAt": "1700000000000"},
                      {"type": "system", "content": "not shown"}]"#;
        let remembered = [cut_off("c1", "tell me a story", "Once upon")];
        let expected = [
            ("hello", MessageStatus::Complete),
            ("Hi.", MessageStatus::Complete),
            ("tell me a story", MessageStatus::Complete),
            ("Once upon", MessageStatus::Failed),
            ("not shown", MessageStatus::Complete),
        ]
        .map(|(text, status)| (text.to_owned(), status));
        assert_eq!(restored("c1", json, &remembered), expected);
        // It takes its question's time, for the day it is shown under.
        let messages: Vec<Message> = serde_json::from_str(json).unwrap();
        let reply = &restore("c1", messages, &remembered)[3].message;
        assert_eq!(
            (reply.role, reply.created_at),
            (Some(Role::Assistant), Some(1_700_000_000_000))
        );
        // Cut before its first word: an empty reply, still with its Retry.
        let empty = [cut_off("c1", "tell me a story", "")];
        assert_eq!(
            restored("c1", json, &empty)[3],
            (String::new(), MessageStatus::Failed)
        );
        assert!(
            restored("c2", json, &remembered)
                .iter()
                .all(|(_, status)| *status == MessageStatus::Complete),
            "another conversation"
        );
    }

    #[test]
    fn a_cut_reply_the_backend_kept_shows_as_kept() {
        let json = r#"[{"type": "incoming", "content": "tell me a story"},
                      {"type": "outgoing", "content": "Once upon a time there was a widget."},
                      {"type": "incoming", "content": "tell me a story"},
                      {"type": "outgoing", "content": "Once upon a time, again."}]"#;
        let remembered = [cut_off("c1", "tell me a story", "Once upon")];
        assert!(restored("c1", json, &remembered)
            .iter()
            .all(|(_, status)| *status == MessageStatus::Complete));
        // Asked again after the cut: only the question left without a reply gets one back.
        let asked_again = r#"[{"type": "incoming", "content": "tell me a story"},
                             {"type": "incoming", "content": "tell me a story"},
                             {"type": "outgoing", "content": "Once upon a time."}]"#;
        let statuses: Vec<MessageStatus> = restored("c1", asked_again, &remembered)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(
            statuses,
            [
                MessageStatus::Complete,
                MessageStatus::Failed,
                MessageStatus::Complete,
                MessageStatus::Complete
            ]
        );
    }

    #[test]
    fn a_reply_stored_after_the_cut_is_found_where_it_is() {
        let remembered = [
            cut_off("c1", "why?", "Because"),
            UnfinishedReply {
                asked_before: 1,
                ..cut_off("c1", "again?", "Yes")
            },
            cut_off("c2", "why?", "Because"),
        ];
        let still_writing = [
            (Some(Role::Visitor), "why?"),
            (Some(Role::Visitor), "again?"),
        ];
        assert_eq!(late_replies("c1", &still_writing, &remembered), []);
        let stored = [
            (Some(Role::Visitor), "why?"),
            (None, "not shown"),
            (Some(Role::Assistant), "Because it is."),
            (Some(Role::Visitor), "again?"),
            (Some(Role::Assistant), "Yes, once."),
            (Some(Role::Visitor), "again?"),
            (Some(Role::Visitor), "other"),
        ];
        // The first asking of "again?" was answered whole; its second is still without a reply.
        assert_eq!(
            late_replies("c1", &stored, &remembered),
            [(&remembered[0], 2)]
        );
        let both = [
            (Some(Role::Visitor), "again?"),
            (Some(Role::Assistant), "Yes, once."),
            (Some(Role::Visitor), "again?"),
            (Some(Role::Assistant), "Yes, twice."),
        ];
        assert_eq!(
            late_replies("c1", &both, &remembered),
            [(&remembered[1], 3)]
        );
    }
}
