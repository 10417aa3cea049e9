//! The text of a reply: each frame's `content` read as the widget reads it, the deltas
//! scrubbed as one stream, and each frame written again with the part of the text that may go
//! out now.

use std::borrow::Cow;
use std::ops::Range;

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::scrub::StreamScrub;

/// What became of one JSON object of the stream.
#[derive(Debug, PartialEq)]
pub enum Rewritten {
    /// Not a frame the widget takes text from (not one readable object, or one carrying an
    /// `error`): sent as it came.
    NotText,
    /// A frame whose text goes out as it came: its bytes are sent unchanged.
    Same,
    /// A frame whose text changed (scrubbed, held back, or joined by text held before): these
    /// bytes instead.
    New(Vec<u8>),
}

/// The reply's text so far, scrubbed as one stream.
#[derive(Debug)]
pub struct ReplyText {
    scrub: StreamScrub,
}

impl ReplyText {
    pub fn new(scrub: StreamScrub) -> ReplyText {
        ReplyText { scrub }
    }

    /// One JSON object of the stream (`{` … `}`), as the widget would read it.
    pub fn object(&mut self, bytes: &[u8]) -> Rewritten {
        let Some((doc, frame)) = Frame::read(bytes) else {
            return Rewritten::NotText;
        };
        let mut out = self.scrub.push(frame.text.as_bytes());
        if frame.done {
            // The upstream marks only its last frame done, and only the model's text, never
            // the framing, could be led to spell the key: nothing of it can follow.
            out.extend(self.scrub.finish());
        }
        if out == frame.text.as_bytes() {
            return Rewritten::Same;
        }
        let text = json_string(&out);
        Rewritten::New(match frame.content {
            // A string, number or boolean: replaced in place by a string, the rest of the
            // frame byte for byte as it came.
            Some(span) if frame.scalar => [&doc[..span.start], &text, &doc[span.end..]].concat(),
            // No text of its own (no `content`, or a null, list or object the widget reads as
            // empty): the text held before goes out in a frame of its own, just before it.
            _ => [&text_frame(&text)[..], &doc].concat(),
        })
    }

    /// The end of the reply's text (a `[DONE]` or the end of the stream): what was held back, as
    /// a frame to send before it, if anything was.
    pub fn end(&mut self) -> Option<Vec<u8>> {
        let rest = self.scrub.finish();
        (!rest.is_empty()).then(|| text_frame(&json_string(&rest)))
    }
}

/// A frame of text alone: `{"content":…}`, on one line.
fn text_frame(json_text: &[u8]) -> Vec<u8> {
    [&b"{\"content\":"[..], json_text, b"}"].concat()
}

/// Scrubbed text as a JSON string. The scrubber cuts only before ASCII bytes, so the text is
/// whole UTF-8; the lossy read is never lossy.
fn json_string(text: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&String::from_utf8_lossy(text)).expect("a string is JSON")
}

/// What the widget reads from one frame, and where its text stands.
struct Frame {
    /// Where the `content` value is in the document, if the frame has one.
    content: Option<Range<usize>>,
    /// The value is a string, number or boolean (written on one line, read as text).
    scalar: bool,
    /// What the widget adds to the reply.
    text: String,
    done: bool,
}

/// The fields the widget's frame reads, each kept as its raw JSON: the same documents fail to
/// read here as there (a field given twice, under either spelling), and `content` is found in
/// place. Keep in step with `Frame` in the widget's `src/stream.rs`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    content: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    done: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    error: Option<&'a RawValue>,
    // Never read: named so that one given twice fails here as it fails in the widget.
    #[serde(default, alias = "conversation_id")]
    #[allow(dead_code)]
    conversation_id: IgnoredAny,
    #[serde(default)]
    #[allow(dead_code)]
    citations: IgnoredAny,
    #[serde(default, alias = "citation_nodes")]
    #[allow(dead_code)]
    citation_nodes: IgnoredAny,
}

/// A field's raw value, `null` included (an `Option` alone would read `null` as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

impl Frame {
    /// The frame in `bytes`, read as the widget reads one: as it came, or else with bytes that
    /// are not UTF-8 and lone surrogate escapes replaced; with the document it was read from.
    /// `None` if the widget takes no text from it.
    fn read(bytes: &[u8]) -> Option<(Cow<'_, [u8]>, Frame)> {
        if bytes.first() != Some(&b'{') {
            return None;
        }
        if let Some(frame) = Frame::parse(bytes) {
            return Some((Cow::Borrowed(bytes), frame));
        }
        let repaired = repair(&String::from_utf8_lossy(bytes));
        let frame = Frame::parse(repaired.as_bytes())?;
        Some((Cow::Owned(repaired.into_bytes()), frame))
    }

    fn parse(doc: &[u8]) -> Option<Frame> {
        let fields: Fields = serde_json::from_slice(doc).ok()?;
        if fields
            .error
            .and_then(text_of)
            .is_some_and(|e| !e.is_empty())
        {
            return None;
        }
        // The value's place in the document: serde_json borrows it from there.
        let content = fields.content.map(|raw| {
            let start = raw.get().as_ptr() as usize - doc.as_ptr() as usize;
            start..start + raw.get().len()
        });
        Some(Frame {
            content,
            scalar: fields
                .content
                .is_some_and(|raw| !matches!(raw.get().as_bytes()[0], b'n' | b'[' | b'{')),
            text: fields.content.and_then(text_of).unwrap_or_default(),
            done: fields.done.and_then(text_of).as_deref() == Some("true"),
        })
    }
}

/// A value as the widget reads a text field: a string, a number or a boolean as text; nothing
/// for null, lists and objects.
fn text_of(raw: &RawValue) -> Option<String> {
    let raw = raw.get();
    match raw.as_bytes()[0] {
        // A lone surrogate escape fails the string alone, though the document read.
        b'"' => serde_json::from_str(raw)
            .or_else(|_| serde_json::from_str(&repair(raw)))
            .ok(),
        b't' => Some("true".into()),
        b'f' => Some("false".into()),
        b'-' | b'0'..=b'9' => match serde_json::from_str::<Value>(raw).ok()? {
            Value::Number(n) => Some(match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u.to_string(),
                (None, Some(i)) => i.to_string(),
                _ => n.as_f64()?.to_string(),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// JSON text with every lone surrogate escape (`\ud800` without its other half, a stray
/// `\udc00`) written as `\ufffd`, as the widget repairs them (browsers keep them; serde_json
/// refuses the whole document). One pass.
fn repair(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let (mut copied, mut i) = (0, 0);
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = unicode_escape(bytes, i) else {
            // Another escape (`\"`, `\\`): its second byte starts nothing.
            i += 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&unit)
            && unicode_escape(bytes, i + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            out.push_str(&json[copied..i]);
            out.push_str("\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    out.push_str(&json[copied..]);
    out
}

/// The code unit of a `\uXXXX` escape at `at`, if there is one.
fn unicode_escape(json: &[u8], at: usize) -> Option<u32> {
    let digits = json.get(at..at + 6)?.strip_prefix(b"\\u")?;
    digits
        .iter()
        .try_fold(0, |n, &b| Some(n * 16 + (b as char).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<(String, bool, Option<String>)> {
        let (doc, frame) = Frame::read(json.as_bytes())?;
        let content = frame
            .content
            .map(|c| String::from_utf8(doc[c].to_vec()).unwrap());
        Some((frame.text, frame.done, content))
    }

    #[test]
    fn frames_are_read_as_the_widget_reads_them() {
        let t = |s: &str| s.to_owned();
        assert_eq!(
            read(r#"{"content":"a\u002db"}"#),
            Some((t("a-b"), false, Some(t(r#""a\u002db""#))))
        );
        assert_eq!(
            read(r#"{"content":12,"done":"true"}"#),
            Some((t("12"), true, Some(t("12"))))
        );
        assert_eq!(read(r#"{"content":-1.5e1,"done":true}"#).unwrap().0, "-15");
        assert_eq!(
            read(r#"{"content":null}"#),
            Some((t(""), false, Some(t("null"))))
        );
        assert_eq!(read(r#"{"content":[1,{}],"done":1}"#).unwrap().0, "");
        assert_eq!(read(r#"{"done":true}"#), Some((t(""), true, None)));
        // A lone surrogate, in the text or elsewhere; bytes that are not UTF-8.
        assert_eq!(read(r#"{"content":"a\ud800b"}"#).unwrap().0, "a\u{FFFD}b");
        assert_eq!(read(r#"{"content":"ab","x":"\udc00"}"#).unwrap().0, "ab");
        let mut bad = br#"{"content":"a"#.to_vec();
        bad.extend(b"\xff\"}");
        assert_eq!(Frame::read(&bad).unwrap().1.text, "a\u{FFFD}");
        // Not frames with text: not an object, not JSON, a field twice, an error.
        for not in [
            "[1]",
            "{\"content\":",
            r#"{"content":"a","content":"b"}"#,
            r#"{"conversationId":"a","conversation_id":"b","content":"x"}"#,
            r#"{"content":"a","error":"timeout"}"#,
            r#"{"content":"a","error":1}"#,
        ] {
            assert_eq!(read(not), None, "{not}");
        }
        assert!(read(r#"{"content":"a","error":""}"#).is_some());
    }

    #[test]
    fn lone_surrogates_are_repaired_and_pairs_kept() {
        assert_eq!(
            repair(r#""a\ud800b\udc00c\uDBFF""#),
            r#""a\ufffdb\ufffdc\ufffd""#
        );
        let kept = r#""\ud83d\ude00 \\ud800 \u00e9 \n""#;
        assert_eq!(repair(kept), kept);
    }
}
