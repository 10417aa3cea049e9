//! Regenerated replies, remembered across reloads, so that the history shows them as the
//! visitor saw them: one question, and its reply with its versions ("2 / 2").
//!
//! Regenerate sends the visitor's message again, and the backend stores each asking: the
//! history holds the question, the old reply, the question again and the new reply. Each
//! regeneration is remembered by its question and which asking of it it was; after a reload
//! that asking is left out, and the reply after it is shown as the latest version of the reply
//! before it.

use serde::{Deserialize, Serialize};

use crate::asked_again::Askings;
use crate::chat::HistoryRow;
use crate::models::Role;
use crate::versions::Kept;

/// How many regenerations are remembered; the oldest are forgotten first.
pub const REMEMBERED: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regeneration {
    pub conversation: String,
    /// The visitor's message asked again.
    pub question: String,
    /// How many of the visitor's messages with the same text the conversation held before
    /// this asking (see [`crate::chat::ChatState::asked_before`]).
    pub asked_before: usize,
}

/// Adds `regeneration` to `remembered`. Only the conversation shown is shown again: those of
/// other conversations are forgotten.
pub fn remember(remembered: &mut Vec<Regeneration>, regeneration: Regeneration) {
    remembered.retain(|r| r.conversation == regeneration.conversation && *r != regeneration);
    remembered.push(regeneration);
    if remembered.len() > REMEMBERED {
        let extra = remembered.len() - REMEMBERED;
        remembered.drain(..extra);
    }
}

/// `rows`, the history of `conversation` as shown (oldest first), with each remembered
/// regeneration folded in: its asking left out, and the reply after it shown in the place of
/// the reply before, which becomes an earlier version.
pub fn fold(
    conversation: &str,
    rows: Vec<HistoryRow>,
    remembered: &[Regeneration],
) -> Vec<HistoryRow> {
    let ours: Vec<&Regeneration> = remembered
        .iter()
        .filter(|r| r.conversation == conversation)
        .collect();
    if ours.is_empty() {
        return rows;
    }
    let mut askings = Askings::of(ours.iter().map(|r| r.question.as_str()));
    let mut shown: Vec<HistoryRow> = Vec::with_capacity(rows.len());
    // Where the last question shown and the last reply shown are.
    let mut last_question: Option<usize> = None;
    let mut last_reply: Option<usize> = None;
    // After a regenerated asking left out: the reply it is a new version of.
    let mut new_version_of: Option<usize> = None;
    for row in rows {
        match row.message.role {
            Some(Role::Visitor) => {
                let text = row.message.content.as_str();
                let regenerated = askings.next(text).is_some_and(|asking| {
                    ours.iter()
                        .any(|r| r.question == text && r.asked_before == asking)
                });
                // The reply to the same question is the last message shown.
                let reply_to_it = match (last_question, last_reply) {
                    (Some(q), Some(r)) if r > q && shown[q].message.content == text => Some(r),
                    _ => None,
                };
                if regenerated && reply_to_it.is_some() {
                    new_version_of = reply_to_it;
                    continue;
                }
                new_version_of = None;
                last_question = Some(shown.len());
            }
            Some(Role::Assistant) => {
                if let Some(at) = new_version_of.take() {
                    let old = std::mem::replace(&mut shown[at], row);
                    let mut earlier = old.earlier;
                    earlier.push(Kept {
                        sources: old.message.sources(),
                        text: old.message.content,
                        status: old.status,
                    });
                    shown[at].earlier = earlier;
                    continue;
                }
                last_reply = Some(shown.len());
            }
            None => {}
        }
        shown.push(row);
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MessageStatus;
    use crate::models::Message;

    fn rows(json: &str) -> Vec<HistoryRow> {
        let messages: Vec<Message> = serde_json::from_str(json).unwrap();
        messages
            .into_iter()
            .map(|m| HistoryRow::new(m, MessageStatus::Complete))
            .collect()
    }

    fn regenerated(question: &str, asked_before: usize) -> Regeneration {
        Regeneration {
            conversation: "c1".into(),
            question: question.into(),
            asked_before,
        }
    }

    /// Each row's text, and its earlier versions' texts.
    fn shown(rows: &[HistoryRow]) -> Vec<(String, Vec<String>)> {
        rows.iter()
            .map(|r| {
                let earlier = r.earlier.iter().map(|k| k.text.clone()).collect();
                (r.message.content.clone(), earlier)
            })
            .collect()
    }

    fn row(text: &str, earlier: &[&str]) -> (String, Vec<String>) {
        (text.into(), earlier.iter().map(|e| e.to_string()).collect())
    }

    #[test]
    fn a_reply_regenerated_twice_is_one_reply_with_three_versions() {
        let history = rows(
            r#"[{"type": "incoming", "content": "hello"},
                {"type": "outgoing", "content": "Hi!"},
                {"type": "incoming", "content": "a poem"},
                {"type": "outgoing", "content": "Roses"},
                {"type": "incoming", "content": "a poem"},
                {"type": "outgoing", "content": "Violets"},
                {"type": "incoming", "content": "a poem"},
                {"type": "system", "content": "not shown"},
                {"type": "outgoing", "content": "Tulips"},
                {"type": "incoming", "content": "thanks"}]"#,
        );
        let remembered = [regenerated("a poem", 1), regenerated("a poem", 2)];
        let folded = fold("c1", history.clone(), &remembered);
        assert_eq!(
            shown(&folded),
            [
                row("hello", &[]),
                row("Hi!", &[]),
                row("a poem", &[]),
                row("Tulips", &["Roses", "Violets"]),
                row("not shown", &[]),
                row("thanks", &[]),
            ]
        );
        assert_eq!(
            shown(&fold("c2", history.clone(), &remembered)),
            shown(&history),
            "another conversation"
        );
        // Only the asking remembered: a later one is the visitor's own.
        let once = fold("c1", history, &[regenerated("a poem", 1)]);
        assert_eq!(
            shown(&once)[2..6],
            [
                row("a poem", &[]),
                row("Violets", &["Roses"]),
                row("a poem", &[]),
                row("not shown", &[]),
            ]
        );
    }

    #[test]
    fn the_same_words_asked_after_another_question_are_not_a_version() {
        let history = rows(
            r#"[{"type": "incoming", "content": "why?"},
                {"type": "outgoing", "content": "Because."},
                {"type": "incoming", "content": "really?"},
                {"type": "outgoing", "content": "Yes."},
                {"type": "incoming", "content": "why?"},
                {"type": "outgoing", "content": "As I said."}]"#,
        );
        let folded = fold("c1", history.clone(), &[regenerated("why?", 1)]);
        assert_eq!(shown(&folded), shown(&history));
    }

    #[test]
    fn a_regeneration_the_backend_kept_no_reply_for_leaves_the_reply_before() {
        let history = rows(
            r#"[{"type": "incoming", "content": "q"},
                {"type": "outgoing", "content": "a"},
                {"type": "incoming", "content": "q"}]"#,
        );
        let folded = fold("c1", history, &[regenerated("q", 1)]);
        assert_eq!(shown(&folded), [row("q", &[]), row("a", &[])]);
    }

    #[test]
    fn remembering_keeps_one_conversation_and_a_bounded_list() {
        let mut remembered = vec![Regeneration {
            conversation: "old".into(),
            ..regenerated("q", 1)
        }];
        remember(&mut remembered, regenerated("q", 1));
        remember(&mut remembered, regenerated("q", 1));
        assert_eq!(remembered, [regenerated("q", 1)]);
        for i in 0..2 * REMEMBERED {
            remember(&mut remembered, regenerated("q", i + 2));
        }
        assert_eq!(remembered.len(), REMEMBERED);
        assert_eq!(remembered[0].asked_before, REMEMBERED + 2);
    }
}
