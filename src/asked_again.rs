//! Questions the backend holds more often than the visitor saw them.
//!
//! A question is sent again when the visitor presses Retry on a reply that was cut off, and
//! when the widget retries by itself after an error that may have reached the backend. The
//! panel shows such a question once, moved to the end, yet the backend stores each asking. The
//! history then holds the question twice in a row with no reply between, and a reload would
//! show it twice. A visitor cannot do that themselves: a new message waits for the reply to
//! the last one, and the same message sent again right after its reply was cut off is taken
//! for that reply's Retry. So the earlier of two such askings is left out of the history
//! shown, and out of the counts that match what the visitor saw against the history (see
//! [`crate::unsent`] and [`crate::unfinished`]).

use crate::models::{Message, Role};

/// For each message of `history` (oldest first): whether it is a visitor's message asked again
/// right after, with the same text and files, before any reply.
pub fn marks(history: &[Message]) -> Vec<bool> {
    let mut marks = vec![false; history.len()];
    // The visitor's message last seen, while nothing of another role has come after it.
    let mut open: Option<usize> = None;
    for (i, message) in history.iter().enumerate() {
        match message.role {
            Some(Role::Visitor) => {
                if let Some(earlier) = open {
                    let before = &history[earlier];
                    marks[earlier] = before.content == message.content
                        && before.attachments == message.attachments;
                }
                open = Some(i);
            }
            Some(Role::Assistant) => open = None,
            // Messages of other kinds are not shown and answer nothing.
            None => {}
        }
    }
    marks
}

/// Counts, through a history read oldest first, the askings of some questions: which asking
/// of its text each visitor's message is, as [`crate::chat::ChatState::asked_before`] counts
/// them in the panel.
pub struct Askings<'a> {
    counts: Vec<(&'a str, usize)>,
}

impl<'a> Askings<'a> {
    /// Counts the askings of `questions`.
    pub fn of(questions: impl IntoIterator<Item = &'a str>) -> Self {
        Askings {
            counts: questions.into_iter().map(|q| (q, 0)).collect(),
        }
    }

    /// The visitor's next message says `text`: which asking of it it is (from 0), if `text` is
    /// one of the questions counted.
    pub fn next(&mut self, text: &str) -> Option<usize> {
        let (_, count) = self.counts.iter_mut().find(|(q, _)| *q == text)?;
        *count += 1;
        Some(*count - 1)
    }
}

/// `history` without the askings [`marks`] finds.
pub fn leave_out(history: Vec<Message>) -> Vec<Message> {
    let marks = marks(&history);
    history
        .into_iter()
        .zip(marks)
        .filter_map(|(message, again)| (!again).then_some(message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(json: &str) -> Vec<Message> {
        serde_json::from_str(json).unwrap()
    }

    fn contents(history: &[Message]) -> Vec<&str> {
        history.iter().map(|m| m.content.as_str()).collect()
    }

    #[test]
    fn a_question_asked_again_before_its_reply_is_shown_once() {
        let asked = history(
            r#"[{"type": "incoming", "content": "hello", "createdAt": 1},
                {"type": "outgoing", "content": "Hi!", "createdAt": 2},
                {"type": "incoming", "content": "where is my order?", "createdAt": 3},
                {"type": "incoming", "content": "where is my order?", "createdAt": 4},
                {"type": "outgoing", "content": "On its way.", "createdAt": 5}]"#,
        );
        assert_eq!(marks(&asked), [false, false, true, false, false]);
        let shown = leave_out(asked);
        assert_eq!(
            contents(&shown),
            ["hello", "Hi!", "where is my order?", "On its way."]
        );
        assert_eq!(shown[2].created_at, Some(4000), "the later asking stays");
    }

    #[test]
    fn asked_three_times_and_past_messages_of_other_kinds() {
        let asked = history(
            r#"[{"type": "incoming", "content": "q"},
                {"type": "system", "content": "not shown"},
                {"type": "incoming", "content": "q"},
                {"type": "incoming", "content": "q"}]"#,
        );
        assert_eq!(marks(&asked), [true, false, true, false]);
        assert_eq!(contents(&leave_out(asked)), ["not shown", "q"]);
    }

    #[test]
    fn questions_that_differ_or_have_a_reply_between_all_stay() {
        let answered = history(
            r#"[{"type": "incoming", "content": "q"},
                {"type": "outgoing", "content": "a"},
                {"type": "incoming", "content": "q"},
                {"type": "outgoing", "content": "a again"}]"#,
        );
        assert_eq!(marks(&answered), [false; 4]);
        let different = history(
            r#"[{"type": "incoming", "content": "q"},
                {"type": "incoming", "content": "q2"}]"#,
        );
        assert_eq!(marks(&different), [false; 2]);
        let other_files = history(
            r#"[{"type": "incoming", "content": "see", "attachments": [{"type": "image", "filename": "a.png", "file": "https://x/a.png"}]},
                {"type": "incoming", "content": "see", "attachments": [{"type": "image", "filename": "b.png", "file": "https://x/b.png"}]}]"#,
        );
        assert_eq!(marks(&other_files), [false; 2]);
        let same_files = history(
            r#"[{"type": "incoming", "content": "see", "attachments": [{"type": "image", "filename": "a.png", "file": "https://x/a.png"}]},
                {"type": "incoming", "content": "see", "attachments": [{"type": "image", "filename": "a.png", "file": "https://x/a.png"}]}]"#,
        );
        assert_eq!(marks(&same_files), [true, false]);
    }

    #[test]
    fn askings_are_counted_per_question() {
        let mut askings = Askings::of(["q", "r"]);
        assert_eq!(askings.next("q"), Some(0));
        assert_eq!(askings.next("other"), None);
        assert_eq!(askings.next("r"), Some(0));
        assert_eq!(askings.next("q"), Some(1));
        assert_eq!(askings.next("q"), Some(2));
    }

    #[test]
    fn a_long_run_of_the_same_question_is_one_pass() {
        let many: Vec<Message> = (0..100_000)
            .map(|_| Message {
                role: Some(Role::Visitor),
                content: "again".into(),
                ..Message::default()
            })
            .collect();
        let shown = leave_out(many);
        assert_eq!(contents(&shown), ["again"]);
    }
}
