//! The files attached to the next message, remembered across a reload. A chosen `File` cannot
//! be stored, but an uploaded one is the server's answer (its public URL), which can: it comes
//! back as a chip ready to send, in the conversation it was uploaded to. A file still on its
//! way when the page went (uploading, waiting for its turn or the connection, failed) comes
//! back as its name alone, and the visitor is asked to attach it again.

use serde::{Deserialize, Serialize};

use crate::models::Attachment;
use crate::texts::{fill, Texts};
use crate::uploads::MAX_FILES;

/// As many characters of a name as `chat-bubble-server` keeps of it: a name given by a page
/// (a paste, a drop) can be of any length.
const NAME_CHARS: usize = 120;

/// One attached file as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachedFile {
    /// Uploaded: the server's answer, and the conversation it was uploaded to (the server
    /// refuses the file in another).
    Uploaded {
        attachment: Attachment,
        #[serde(default)]
        conversation: Option<String>,
    },
    /// Not uploaded when the page went: the visitor's name for it.
    NotUploaded { name: String },
}

impl AttachedFile {
    /// A file not uploaded, named `name` by the visitor (untrusted: kept short).
    pub fn not_uploaded(name: &str) -> Self {
        AttachedFile::NotUploaded {
            name: name.chars().take(NAME_CHARS).collect(),
        }
    }
}

/// The most chips the message box can hold: the files of a message refused as too large, put
/// back beside its words, and as many chosen while it was on its way. Send takes no more than
/// [`MAX_FILES`] of them; the visitor chooses which to leave out.
pub const MOST_KEPT: usize = 2 * MAX_FILES;

/// What to store of the chips, in their order: never more than the message box holds.
pub fn to_json(files: &[AttachedFile]) -> String {
    let kept = &files[..files.len().min(MOST_KEPT)];
    // Strings and numbers only: it always serializes.
    serde_json::to_string(kept).unwrap_or_default()
}

/// Reads the stored list: at most what the message box holds; anything unreadable is nothing.
pub fn parse(stored: &str) -> Vec<AttachedFile> {
    let mut files: Vec<AttachedFile> = serde_json::from_str(stored).unwrap_or_default();
    files.truncate(MOST_KEPT);
    files
}

/// The stored files sorted after a reload, in the conversation `current`.
#[derive(Debug, Default, PartialEq)]
pub struct AfterReload {
    /// Chips to bring back, ready to send.
    pub ready: Vec<Attachment>,
    /// The names of the files the visitor must attach again: not uploaded, or uploaded to a
    /// conversation that is no longer theirs (a new one was started before the reload).
    pub attach_again: Vec<String>,
}

pub fn after_reload(stored: Vec<AttachedFile>, current: Option<&str>) -> AfterReload {
    let mut sorted = AfterReload::default();
    for file in stored.into_iter().take(MOST_KEPT) {
        match file {
            AttachedFile::Uploaded {
                attachment,
                conversation,
            } if conversation.as_deref() == current && !attachment.file.is_empty() => {
                sorted.ready.push(attachment);
            }
            AttachedFile::Uploaded { attachment, .. } => {
                sorted.attach_again.push(attachment.filename);
            }
            AttachedFile::NotUploaded { name } => sorted.attach_again.push(name),
        }
    }
    sorted
}

/// What the visitor is told of the files to attach again, if any.
pub fn attach_again_notice(names: &[String], t: &Texts) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let names: Vec<String> = names
        .iter()
        .map(|name| {
            let name: String = name.chars().take(NAME_CHARS).collect();
            if name.trim().is_empty() {
                t.file.to_owned()
            } else {
                name
            }
        })
        .collect();
    Some(fill(t.files_not_kept, names.join(t.list_separator)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::{EN, ZH_TW};

    fn picture(name: &str) -> Attachment {
        Attachment {
            kind: "image".into(),
            filename: name.into(),
            file: format!("https://chat.example/uploads/{name}"),
            size: Some(70),
        }
    }

    fn uploaded(name: &str, conversation: &str) -> AttachedFile {
        AttachedFile::Uploaded {
            attachment: picture(name),
            conversation: Some(conversation.into()),
        }
    }

    #[test]
    fn uploaded_files_come_back_ready_and_the_others_by_name() {
        let stored = vec![
            uploaded("done.png", "c1"),
            AttachedFile::not_uploaded("slow.png"),
        ];
        let read = parse(&to_json(&stored));
        assert_eq!(read, stored);
        assert_eq!(
            after_reload(read, Some("c1")),
            AfterReload {
                ready: vec![picture("done.png")],
                attach_again: vec!["slow.png".into()],
            }
        );
    }

    #[test]
    fn a_file_uploaded_to_another_conversation_is_to_attach_again() {
        // A new conversation was started after the upload, then the page reloaded.
        let stored = vec![uploaded("old.png", "c1")];
        assert_eq!(after_reload(stored.clone(), None).attach_again, ["old.png"]);
        assert_eq!(after_reload(stored, Some("c2")).attach_again, ["old.png"]);
    }

    #[test]
    fn no_more_is_stored_or_read_than_the_message_box_holds() {
        let many: Vec<AttachedFile> = (0..MOST_KEPT + 3)
            .map(|i| AttachedFile::not_uploaded(&format!("{i}.png")))
            .collect();
        assert_eq!(parse(&to_json(&many)).len(), MOST_KEPT);
        let written = serde_json::to_string(&many).unwrap();
        assert_eq!(parse(&written).len(), MOST_KEPT);
        assert_eq!(after_reload(many, None).attach_again.len(), MOST_KEPT);
        // A refused message's files put back beside as many chosen meanwhile: all kept.
        let box_full: Vec<AttachedFile> = (0..2 * MAX_FILES)
            .map(|i| AttachedFile::not_uploaded(&format!("{i}.png")))
            .collect();
        assert_eq!(parse(&to_json(&box_full)), box_full);
    }

    #[test]
    fn a_long_name_is_kept_short() {
        let long = "a".repeat(10_000);
        let AttachedFile::NotUploaded { name } = AttachedFile::not_uploaded(&long) else {
            unreachable!()
        };
        assert_eq!(name.chars().count(), NAME_CHARS);
        // A name stored by hand, or by another version, is cut when it is said.
        let said = attach_again_notice(&[long], &EN).unwrap();
        assert!(said.starts_with(&format!("{} could", "a".repeat(NAME_CHARS))));
    }

    #[test]
    fn anything_else_is_an_empty_list() {
        for stored in ["", "null", "{}", "[1]", "[{\"name\":\"x\"}]", "not json"] {
            assert_eq!(parse(stored), Vec::new(), "{stored}");
        }
    }

    #[test]
    fn the_files_to_attach_again_are_named_in_the_visitors_language() {
        assert_eq!(attach_again_notice(&[], &EN), None);
        let names = ["slow.png".to_owned(), "notes.txt".to_owned()];
        assert_eq!(
            attach_again_notice(&names, &EN).as_deref(),
            Some("slow.png, notes.txt could not be kept when the page reloaded: attach again to send.")
        );
        assert_eq!(
            attach_again_notice(&names[..1], &ZH_TW).as_deref(),
            Some("重新載入頁面時無法保留 slow.png：請重新附加後再送出。")
        );
        // A file without a name is still counted.
        assert_eq!(
            attach_again_notice(&[" ".into()], &EN).as_deref(),
            Some("file could not be kept when the page reloaded: attach again to send.")
        );
    }
}
