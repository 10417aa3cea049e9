//! Replies the visitor stopped, remembered across reloads. The backend goes on to store the whole
//! reply; the history would bring it back whole and unmarked, unlike what the visitor saw. Each
//! stopped reply is remembered by the question it answered and the text shown when it stopped,
//! and the history's reply to that question that begins with that text is shown as it was.

use serde::{Deserialize, Serialize};

use crate::chat::MessageStatus;
use crate::models::{Message, Role};

/// How many stopped replies are remembered per web chat; the oldest are forgotten first.
pub const REMEMBERED: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedReply {
    pub conversation: String,
    /// The visitor's message the reply answered.
    pub question: String,
    /// What the reply showed when it was stopped.
    pub shown: String,
}

/// Adds `reply` to `remembered`, keeping at most [`REMEMBERED`].
pub fn remember(remembered: &mut Vec<StoppedReply>, reply: StoppedReply) {
    remembered.push(reply);
    if remembered.len() > REMEMBERED {
        let extra = remembered.len() - REMEMBERED;
        remembered.drain(..extra);
    }
}

/// For each message of `history` (role and text, oldest first) of `conversation`: `Some(shown)`
/// where it is a reply the visitor stopped, `None` elsewhere.
pub fn mark<'a>(
    conversation: &str,
    history: &[(Role, &str)],
    remembered: &'a [StoppedReply],
) -> Vec<Option<&'a str>> {
    let mut question: Option<&str> = None;
    history
        .iter()
        .map(|&(role, text)| match role {
            Role::Visitor => {
                question = Some(text);
                None
            }
            Role::Assistant => remembered
                .iter()
                .find(|r| {
                    r.conversation == conversation
                        && Some(r.question.as_str()) == question
                        && text.starts_with(r.shown.as_str())
                })
                .map(|r| r.shown.as_str()),
        })
        .collect()
}

/// The history's `messages` of `conversation`, each with the status it shows: the replies the
/// visitor had stopped as they were shown, cut where they stopped and Stopped; the others
/// Complete.
pub fn restore(
    conversation: &str,
    messages: Vec<Message>,
    remembered: &[StoppedReply],
) -> Vec<(Message, MessageStatus)> {
    // Only the visitor's and the assistant's messages are in the conversation as shown.
    let history: Vec<(Role, &str)> = messages
        .iter()
        .filter_map(|m| Some((m.role?, m.content.as_str())))
        .collect();
    let shown: Vec<Option<String>> = mark(conversation, &history, remembered)
        .into_iter()
        .map(|shown| shown.map(str::to_owned))
        .collect();
    let mut shown = shown.into_iter();
    messages
        .into_iter()
        .map(
            |mut message| match message.role.and_then(|_| shown.next().flatten()) {
                Some(text) => {
                    message.content = text;
                    (message, MessageStatus::Stopped)
                }
                None => (message, MessageStatus::Complete),
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopped(conversation: &str, question: &str, shown: &str) -> StoppedReply {
        StoppedReply {
            conversation: conversation.into(),
            question: question.into(),
            shown: shown.into(),
        }
    }

    #[test]
    fn the_reply_to_the_same_question_that_begins_with_the_shown_text_is_marked() {
        let remembered = [stopped("c1", "tell me a story", "Once upon")];
        let history = [
            (Role::Visitor, "hello"),
            (Role::Assistant, "Once upon a time, not this one"),
            (Role::Visitor, "tell me a story"),
            (Role::Assistant, "Once upon a time there was a widget."),
        ];
        assert_eq!(
            mark("c1", &history, &remembered),
            vec![None, None, None, Some("Once upon")]
        );
        assert_eq!(
            mark("c2", &history, &remembered),
            vec![None; 4],
            "another conversation"
        );
        let changed = [
            (Role::Visitor, "tell me a story"),
            (Role::Assistant, "A different reply"),
        ];
        assert_eq!(mark("c1", &changed, &remembered), vec![None, None]);
    }

    #[test]
    fn a_stopped_reply_comes_back_cut_and_stopped() {
        let json = r#"[{"type": "incoming", "content": "tell me a story"},
                      {"type": "system", "content": "not shown"},
                      {"type": "outgoing", "content": "Once upon a time there was a widget."},
                      {"type": "incoming", "content": "thanks"},
                      {"type": "outgoing", "content": "You are welcome."}]"#;
        let messages: Vec<Message> = serde_json::from_str(json).unwrap();
        let remembered = [stopped("c1", "tell me a story", "Once upon")];
        let restored: Vec<(String, MessageStatus)> = restore("c1", messages.clone(), &remembered)
            .into_iter()
            .map(|(m, status)| (m.content, status))
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
            .all(|(_, status)| *status == MessageStatus::Complete));
    }

    #[test]
    fn only_the_latest_are_remembered() {
        let mut remembered = Vec::new();
        for i in 0..REMEMBERED + 5 {
            remember(&mut remembered, stopped("c", &i.to_string(), "x"));
        }
        assert_eq!(remembered.len(), REMEMBERED);
        assert_eq!(remembered[0].question, "5");
    }
}
