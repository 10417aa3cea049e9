//! Visitor messages that never reached the backend, remembered across reloads with the files
//! they carried. A file is uploaded before its message is sent, so its URL stays valid and the
//! message can be sent again after a reload exactly as it was.
//!
//! A message can reach the backend although the widget never heard back: stopped before the
//! reply's first word, or cut off by the network after the request went out. The history shown
//! after a reload then holds it, and it must not also stay as unsent beside itself. So each
//! unsent message remembers how many of the visitor's messages with the same text the
//! conversation already held, and one the history shows more of is taken as arrived.

use serde::{Deserialize, Serialize};

use crate::models::Attachment;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnsentMessage {
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// How many of the visitor's messages with this text the conversation held, sent, when this
    /// one failed. Messages stored by earlier versions have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_before: Option<usize>,
    /// Not sent for want of a connection: it goes out by itself once the browser is back
    /// online, after a reload too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub when_online: bool,
}

/// Which of the unsent messages the history shows reached the backend after all. Each is given
/// in order as its text, its [`UnsentMessage::sent_before`] and how many of the visitor's
/// messages with that text the history holds: those beyond the ones sent before are the unsent
/// ones, first come first. A message without a count is never taken as arrived: a history
/// holding its text may hold an earlier message.
pub fn arrived(unsent: &[(&str, Option<usize>, usize)]) -> Vec<bool> {
    let mut arrived: Vec<bool> = Vec::with_capacity(unsent.len());
    for (i, &(text, sent_before, held)) in unsent.iter().enumerate() {
        let taken = unsent[..i]
            .iter()
            .zip(&arrived)
            .filter(|((earlier, _, _), &came)| came && *earlier == text)
            .count();
        arrived.push(sent_before.is_some_and(|before| held > before + taken));
    }
    arrived
}

/// Reads the stored list. Earlier versions stored the texts alone, as a list of strings: those
/// come back as messages without files rather than being lost.
pub fn parse(stored: &str) -> Vec<UnsentMessage> {
    serde_json::from_str(stored)
        .or_else(|_| {
            serde_json::from_str::<Vec<String>>(stored).map(|texts| {
                texts
                    .into_iter()
                    .map(|text| UnsentMessage {
                        text,
                        ..UnsentMessage::default()
                    })
                    .collect()
            })
        })
        .unwrap_or_default()
}

pub fn to_json(messages: &[UnsentMessage]) -> String {
    // Strings and numbers only: it always serializes.
    serde_json::to_string(messages).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Attachment {
        Attachment {
            kind: "image".into(),
            filename: "screenshot.png".into(),
            file: "https://chat.example/uploads/k2j4.png".into(),
            size: Some(1_234),
        }
    }

    #[test]
    fn messages_come_back_with_their_files() {
        let messages = vec![
            UnsentMessage {
                text: "here is the error".into(),
                attachments: vec![picture()],
                sent_before: None,
                when_online: true,
            },
            UnsentMessage {
                text: "and then?".into(),
                attachments: Vec::new(),
                sent_before: Some(0),
                when_online: false,
            },
        ];
        assert_eq!(parse(&to_json(&messages)), messages);
        // Only a message that waits for the connection says so.
        assert_eq!(to_json(&messages).matches("when_online").count(), 1);
    }

    #[test]
    fn a_message_the_history_holds_one_more_of_arrived() {
        // One "hello" was known sent and the history holds two: the second is this one.
        assert_eq!(arrived(&[("hello", Some(1), 2)]), [true]);
        // Both were known: this one did not arrive.
        assert_eq!(arrived(&[("hello", Some(2), 2)]), [false]);
        // A text the history lacks.
        assert_eq!(arrived(&[("later", Some(0), 0)]), [false]);
    }

    #[test]
    fn the_same_text_unsent_twice_counts_each_arrival_once() {
        let once = ("again", Some(0), 1);
        assert_eq!(arrived(&[once, once]), [true, false]);
        let twice = ("again", Some(0), 2);
        assert_eq!(arrived(&[twice, twice]), [true, true]);
        // Another text between them changes nothing.
        assert_eq!(
            arrived(&[once, ("other", Some(0), 1), once]),
            [true, true, false]
        );
    }

    #[test]
    fn a_message_stored_without_its_count_is_kept() {
        assert_eq!(arrived(&[("yes", None, 3)]), [false]);
    }

    #[test]
    fn the_count_is_stored_with_the_message() {
        let message = UnsentMessage {
            text: "hello".into(),
            sent_before: Some(1),
            ..UnsentMessage::default()
        };
        assert_eq!(parse(&to_json(std::slice::from_ref(&message))), [message]);
        assert_eq!(
            parse(r#"[{"text":"hello","attachments":[]}]"#)[0].sent_before,
            None
        );
    }

    #[test]
    fn texts_stored_by_earlier_versions_are_kept() {
        let read = parse(r#"["q1","q2"]"#);
        let texts: Vec<&str> = read.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["q1", "q2"]);
        assert!(read.iter().all(|m| m.attachments.is_empty()));
    }

    #[test]
    fn anything_else_is_an_empty_list() {
        for stored in [
            "",
            "null",
            "{}",
            "[1,2]",
            "[{\"attachments\":[]}]",
            "not json",
        ] {
            assert_eq!(parse(stored), Vec::new(), "{stored}");
        }
    }
}
