//! Visitor messages that never reached the backend, remembered across reloads with the files
//! they carried. A file is uploaded before its message is sent, so its URL stays valid and the
//! message can be sent again after a reload exactly as it was.

use serde::{Deserialize, Serialize};

use crate::models::Attachment;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnsentMessage {
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
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
                        attachments: Vec::new(),
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
            },
            UnsentMessage {
                text: "and then?".into(),
                attachments: Vec::new(),
            },
        ];
        assert_eq!(parse(&to_json(&messages)), messages);
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
