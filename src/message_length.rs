//! How long a message may be, and how close the message box is to that.
//!
//! The limit is a number of characters, the unit a visitor can count and see go down as they
//! type; bytes would fall by one for a letter and by three for a Chinese character. It is
//! chosen so that a message within it always fits in the request body `chat-bubble-server`
//! takes by default (`--max-body-bytes`, 32768 bytes; larger bodies get 413), whatever its
//! characters:
//!
//! - A character (a Unicode scalar value: what `str::chars` yields, and what the message box
//!   holds once the browser's text is read, a lone surrogate becoming U+FFFD) costs at most 6
//!   bytes in the JSON of [`crate::models::CompletionRequest`]: a control character is written
//!   `\u001f`; a quote or backslash takes 2, a letter 1, Chinese 3, an emoji 4.
//!   4,000 characters are thus at most 24,000 bytes.
//! - The rest of the body leaves room to spare in the other 8,768: its frame and the
//!   conversation's id (under 200 bytes), and up to [`crate::uploads::MAX_FILES`] attachments,
//!   each a type, a name of at most 120 characters (the server cleans it of control
//!   characters: at most 480 bytes) and a URL of the server's, together under 1,000 bytes.
//!
//! The figure is also a familiar one (several messengers stop at about 4,000 characters), and a
//! server set to take less still answers 413, which the widget handles (see
//! [`crate::errors::ApiError::TooLarge`]).
//!
//! Counting is one pass over the text, as cheap as reading it: fine for a megabyte pasted.

use crate::texts::{counted, Texts};

/// The most characters a message may have.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// The count shows once this many characters or fewer are left: not while a visitor types a
/// question of ordinary length, but early enough to shorten a long one in time.
pub const COUNT_SHOWN_WITHIN: usize = 400;

/// Where a message stands against the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// Well within it: nothing is shown.
    Fine,
    /// Within it, with `left` characters to go: the count shows.
    Near { left: usize },
    /// `by` characters over: it cannot be sent until it is shortened that much.
    Over { by: usize },
}

impl Length {
    /// The length of `text` as it would be sent (the widget sends it trimmed).
    pub fn of(text: &str) -> Length {
        Length::of_count(text.trim().chars().count())
    }

    fn of_count(chars: usize) -> Length {
        if chars > MAX_MESSAGE_CHARS {
            Length::Over {
                by: chars - MAX_MESSAGE_CHARS,
            }
        } else if MAX_MESSAGE_CHARS - chars <= COUNT_SHOWN_WITHIN {
            Length::Near {
                left: MAX_MESSAGE_CHARS - chars,
            }
        } else {
            Length::Fine
        }
    }

    /// Characters to cut before it can be sent, if any.
    pub fn over_by(self) -> Option<usize> {
        match self {
            Length::Over { by } => Some(by),
            _ => None,
        }
    }

    /// Which side of the two lines it is on, without the count: what changes seldom enough to
    /// be announced.
    pub fn zone(self) -> Zone {
        match self {
            Length::Fine => Zone::Fine,
            Length::Near { .. } => Zone::Near,
            Length::Over { .. } => Zone::Over,
        }
    }
}

impl Length {
    /// What shows under the message box: nothing until the limit is near.
    pub fn counter(self, t: &Texts) -> Option<String> {
        match self {
            Length::Fine => None,
            Length::Near { left } => Some(counted(t.chars_left_one, t.chars_left, left)),
            Length::Over { by } => Some(counted(t.chars_over_one, t.chars_over, by)),
        }
    }
}

/// What Send says of a message `by` characters too long.
pub fn too_long(by: usize, t: &Texts) -> String {
    counted(t.too_long_one, t.too_long, by)
}

/// [`Length`] without its count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Fine,
    Near,
    Over,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Attachment, CompletionRequest, OutgoingMessage};

    #[test]
    fn characters_are_counted_not_bytes() {
        assert_eq!(Length::of("hello"), Length::Fine);
        let chinese = "字".repeat(MAX_MESSAGE_CHARS);
        assert_eq!(chinese.len(), 3 * MAX_MESSAGE_CHARS);
        assert_eq!(Length::of(&chinese), Length::Near { left: 0 });
        let emoji = "😀".repeat(MAX_MESSAGE_CHARS + 2);
        assert_eq!(Length::of(&emoji), Length::Over { by: 2 });
    }

    #[test]
    fn the_count_shows_near_the_limit_and_over_it() {
        let of = |n: usize| Length::of(&"a".repeat(n));
        assert_eq!(of(MAX_MESSAGE_CHARS - COUNT_SHOWN_WITHIN - 1), Length::Fine);
        assert_eq!(
            of(MAX_MESSAGE_CHARS - COUNT_SHOWN_WITHIN),
            Length::Near {
                left: COUNT_SHOWN_WITHIN
            }
        );
        assert_eq!(of(MAX_MESSAGE_CHARS - 1), Length::Near { left: 1 });
        assert_eq!(of(MAX_MESSAGE_CHARS).over_by(), None);
        assert_eq!(of(MAX_MESSAGE_CHARS + 1).over_by(), Some(1));
        assert_eq!(of(MAX_MESSAGE_CHARS + 1).zone(), Zone::Over);
        assert_eq!(of(10).zone(), Zone::Fine);
    }

    #[test]
    fn the_count_and_the_refusal_in_words() {
        use crate::texts::{EN, ZH_TW};
        assert_eq!(Length::Fine.counter(&EN), None);
        assert_eq!(
            Length::Near { left: 250 }.counter(&EN).as_deref(),
            Some("250 characters left")
        );
        assert_eq!(
            Length::Over { by: 1 }.counter(&EN).as_deref(),
            Some("1 character over the limit")
        );
        assert_eq!(
            too_long(6000, &EN),
            "Your message is too long: shorten it by 6,000 characters to send it."
        );
        assert_eq!(too_long(12, &ZH_TW), "訊息太長了：請刪減 12 個字後再送出。");
    }

    #[test]
    fn space_around_the_message_is_not_counted() {
        // It is not sent.
        let text = format!("  \n{}\n\n  ", "a".repeat(MAX_MESSAGE_CHARS));
        assert_eq!(Length::of(&text), Length::Near { left: 0 });
        assert_eq!(Length::of("   "), Length::Fine);
    }

    #[test]
    fn a_megabyte_is_counted_at_once() {
        let big = "字".repeat(350_000);
        assert_eq!(
            Length::of(&big),
            Length::Over {
                by: 350_000 - MAX_MESSAGE_CHARS
            }
        );
    }

    #[test]
    fn the_longest_message_fits_in_the_server_body_limit_at_worst() {
        /// `chat-bubble-server`'s default `--max-body-bytes`.
        const SERVER_BODY_LIMIT: usize = 32 * 1024;
        // Every character the costliest there is in JSON, and the most files, each with the
        // longest name the server leaves (4-byte characters) and a long URL.
        let content = "\u{1}".repeat(MAX_MESSAGE_CHARS);
        let attachment = Attachment {
            kind: "image".into(),
            filename: "😀".repeat(120),
            file: format!("https://chat.example.com/uploads/{}", "f".repeat(300)),
            size: Some(u64::MAX),
        };
        let attachments = vec![attachment; crate::uploads::MAX_FILES];
        let body = CompletionRequest {
            conversation: "c6b1f2d4-0000-4000-8000-000000000000",
            message: OutgoingMessage {
                content: &content,
                attachments: &attachments,
            },
            is_streaming: true,
        };
        let json = serde_json::to_string(&body).unwrap();
        assert!(json.len() <= SERVER_BODY_LIMIT, "{} bytes", json.len());
        // The content alone: 6 bytes a character.
        assert_eq!(
            serde_json::to_string(content.as_str()).unwrap().len(),
            6 * MAX_MESSAGE_CHARS + 2
        );
    }
}
