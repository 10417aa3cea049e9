//! The mock assistant's canned replies and how they are cut into streamed deltas.
//!
//! Replies are chosen deterministically from the visitor's message so that tests can predict
//! them, and each one exercises a different part of the widget's rendering:
//!
//! - the message contains `markdown` (any case): [`MARKDOWN_REPLY`], with headings, lists, a
//!   code fence, a link, a table, a quote and some raw HTML that must show as text; its stored
//!   message carries citations;
//! - the message contains `中文` or `chinese` (any case): [`CHINESE_REPLY`], multi-byte text
//!   (including an emoji) cut into pieces of at most three characters;
//! - the message contains `files` (any case): [`FILES_REPLY`]; its stored message carries
//!   attachments (an image, a document, and one whose URL is not http(s));
//! - anything else: [`default_reply`].
//!
//! A message that carries attachments gets [`received_summary`] before the reply: "I see 1
//! image: screenshot.png, 48 KB."
//!
//! The `length` switch replaces all of this with [`counted_reply`].

use serde_json::{json, Value};

/// The reply to a plain message, exactly:
/// `You said: <message>. This is the mock assistant replying in several small pieces so you can watch it stream.`
/// where `<message>` is the visitor's text with surrounding whitespace trimmed.
pub fn default_reply(message: &str) -> String {
    format!(
        "You said: {}. This is the mock assistant replying in several small pieces so you can watch it stream.",
        message.trim()
    )
}

/// The markdown showcase reply.
pub const MARKDOWN_REPLY: &str = "# Mock reply with markdown

Here is **bold**, *italic* and `inline code`, plus a [link to the docs](https://example.com/docs) [1].

## A list

- first item
- second item with **emphasis**
- third item

1. step one
2. step two

## A code fence

```rust
fn main() {
    println!(\"hello from the mock\");
}
```

## A table

| name | value |
|------|-------|
| alpha | 1 |
| beta | 2 |

> Raw HTML must show as text: <b>not bold</b> <img src=x onerror=alert(1)>

That is all, see the handbook [1].";

/// The Chinese reply: multi-byte characters that random chunking will split mid-character.
pub const CHINESE_REPLY: &str = "你好！這是模擬助理的中文回覆，用來測試多位元組字元在串流中被切開時能否正確顯示。\n\n我們會分成很多小段傳送，請觀察文字逐步出現 🙂。";

/// One delta of a [`counted_reply`]: `w<i> ` (with a trailing space), counting from 0.
pub fn counted_delta(i: usize) -> String {
    format!("w{i} ")
}

/// The reply the `length=<n>` switch asks for: [`counted_delta`] for i in 0..n, concatenated.
pub fn counted_reply(n: usize) -> String {
    (0..n).map(counted_delta).collect()
}

/// The reply whose stored message carries [`attachments`].
pub const FILES_REPLY: &str = "Here are the files you asked for.";

/// A canned reply: its text and what its stored message carries besides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub with_citations: bool,
    pub with_attachments: bool,
}

/// Picks the canned reply for a visitor message (see the module docs).
pub fn reply_for(message: &str) -> Reply {
    let lower = message.to_lowercase();
    if lower.contains("markdown") {
        Reply {
            text: MARKDOWN_REPLY.to_string(),
            with_citations: true,
            with_attachments: false,
        }
    } else if lower.contains("files") {
        Reply {
            text: FILES_REPLY.to_string(),
            with_citations: false,
            with_attachments: true,
        }
    } else if lower.contains("中文") || lower.contains("chinese") {
        Reply {
            text: CHINESE_REPLY.to_string(),
            with_citations: false,
            with_attachments: false,
        }
    } else {
        Reply {
            text: default_reply(message),
            with_citations: false,
            with_attachments: false,
        }
    }
}

/// Attachments named at most in a [`received_summary`].
const SUMMARY_MAX: usize = 10;

/// What the mock received, in the words of an assistant that looked: `I see 1 image:
/// screenshot.png, 48 KB.`, `I see 1 image and 2 files: a.png, 3 KB; b.pdf, 10 KB; c.txt.`
/// The size is the `size` field the widget sends along (the upload's answer); without it
/// only the name is given. `None` when there is nothing to name.
pub fn received_summary(attachments: &Value) -> Option<String> {
    let list = attachments.as_array().filter(|l| !l.is_empty())?;
    let list = &list[..list.len().min(SUMMARY_MAX)];
    let images = list
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("image"))
        .count();
    let files = list.len() - images;
    let count = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let what = match (images, files) {
        (0, f) => count(f, "file", "files"),
        (i, 0) => count(i, "image", "images"),
        (i, f) => format!(
            "{} and {}",
            count(i, "image", "images"),
            count(f, "file", "files")
        ),
    };
    let names: Vec<String> = list
        .iter()
        .map(|a| {
            let name = a
                .get("filename")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("a file without a name");
            match a.get("size").and_then(Value::as_u64) {
                Some(size) => format!("{name}, {}", crate::uploads::readable_size(size)),
                None => name.to_owned(),
            }
        })
        .collect();
    Some(format!("I see {what}: {}.", names.join("; ")))
}

/// Cuts a reply into the deltas it streams as: each word keeps the whitespace after it, and
/// runs of non-ASCII characters (Chinese has no spaces) are cut every three characters.
/// Concatenating the deltas gives back the text exactly.
pub fn split_deltas(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut wide = 0;
    let mut after_space = false;
    for ch in text.chars() {
        let starts_word = after_space && !ch.is_whitespace();
        let too_wide = wide >= 3 && !ch.is_whitespace();
        if !cur.is_empty() && (starts_word || too_wide) {
            out.push(std::mem::take(&mut cur));
            wide = 0;
        }
        after_space = ch.is_whitespace();
        if !ch.is_whitespace() && !ch.is_ascii() {
            wide += 1;
        }
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Cuts a reply into `n` deltas of about equal size (the `deltas` switch), each ending on a
/// character boundary; fewer when the text has fewer characters. Concatenating the deltas gives
/// back the text exactly.
pub fn split_even(text: &str, n: usize) -> Vec<String> {
    let n = n.max(1);
    let mut out = Vec::with_capacity(n);
    let mut start = 0;
    for i in 1..=n {
        let mut end = text.len() * i / n;
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end > start {
            out.push(text[start..end].to_owned());
            start = end;
        }
    }
    out
}

/// The `attachments` stored with the [`FILES_REPLY`].
pub fn attachments() -> Value {
    json!([
        {"id": "a1", "type": "image", "filename": "diagram.png", "file": "https://example.com/files/diagram.png"},
        {"id": "a2", "type": "file", "filename": "terms.pdf", "file": "https://example.com/files/terms.pdf"},
        {"id": "a3", "type": "file", "filename": "notes <b>.txt", "file": "javascript:alert(1)"}
    ])
}

/// The `citations` and `citationNodes` stored with a reply that has them.
pub fn citations() -> (Value, Value) {
    let file_id = "6f1c1d0e-2b7a-4c59-9a43-1f0b8e6c2d11";
    let citations = json!([{
        "id": file_id,
        "filename": "mock-handbook.pdf",
        "file": "https://example.com/files/mock-handbook.pdf",
        "fileType": "pdf",
        "size": 123456,
        "createdAt": "1732495353000"
    }]);
    let nodes = json!([
        {
            "chatbotTextNode": {
                "id": "0b6e7c7a-9d1e-4f3a-8c55-2a4d6b8e9f01",
                "charactersCount": 64,
                "hitsCount": 3,
                "text": "The mock handbook says replies stream in small pieces.",
                "updatedAt": "1732495353000",
                "filename": "mock-handbook.pdf",
                "chatbotFile": file_id,
                "pageNumber": 3
            },
            "score": 0.87,
            "displayScore": 87
        },
        {
            "chatbotTextNode": {
                "id": "0b6e7c7a-9d1e-4f3a-8c55-2a4d6b8e9f02",
                "charactersCount": 48,
                "hitsCount": 1,
                "text": "Markdown is rendered safely, never as raw HTML.",
                "updatedAt": "1732495353000",
                "filename": "mock-handbook.pdf",
                "chatbotFile": file_id,
                "pageNumber": 7
            },
            "score": 0.61,
            "displayScore": "61"
        }
    ]);
    (citations, nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_reply_has_the_documented_text_and_enough_deltas() {
        let r = reply_for("  hello there \n");
        assert_eq!(
            r.text,
            "You said: hello there. This is the mock assistant replying in several small pieces so you can watch it stream."
        );
        let d = split_deltas(&r.text);
        assert!(d.len() >= 8, "{d:?}");
        assert_eq!(d[0], "You ");
        assert_eq!(d.concat(), r.text);
    }

    #[test]
    fn received_attachments_are_named_with_their_sizes() {
        let one =
            json!([{"type": "image", "filename": "screenshot.png", "file": "x", "size": 49152}]);
        assert_eq!(
            received_summary(&one).as_deref(),
            Some("I see 1 image: screenshot.png, 48 KB.")
        );
        let mixed = json!([
            {"type": "image", "filename": "a.png", "size": 3000},
            {"type": "other", "filename": "b.pdf", "size": 10240},
            {"type": "other", "filename": ""},
        ]);
        assert_eq!(
            received_summary(&mixed).as_deref(),
            Some("I see 1 image and 2 files: a.png, 3 KB; b.pdf, 10 KB; a file without a name.")
        );
        assert_eq!(received_summary(&json!([])), None);
        assert_eq!(received_summary(&json!("x")), None);
    }

    #[test]
    fn replies_are_picked_by_keyword() {
        assert_eq!(reply_for("show me MARKDOWN").text, MARKDOWN_REPLY);
        assert!(reply_for("markdown").with_citations);
        assert_eq!(reply_for("說中文").text, CHINESE_REPLY);
        assert_eq!(reply_for("in Chinese please").text, CHINESE_REPLY);
        assert!(!reply_for("hi").with_citations);
        assert!(reply_for("Show me FILES").with_attachments);
        assert!(!reply_for("hi").with_attachments);
    }

    #[test]
    fn even_splitting_keeps_every_character_in_n_pieces() {
        let text = "[a](".repeat(10_000);
        let pieces = split_even(&text, 1000);
        assert_eq!(pieces.len(), 1000);
        assert!(pieces.iter().all(|p| p.len() == 40));
        assert_eq!(pieces.concat(), text);
        let chinese = CHINESE_REPLY.repeat(3);
        assert_eq!(split_even(&chinese, 7).concat(), chinese);
        assert_eq!(split_even("ab", 1000), ["a", "b"]);
        assert!(split_even("", 3).is_empty());
    }

    #[test]
    fn splitting_keeps_every_character() {
        for text in [MARKDOWN_REPLY, CHINESE_REPLY, "", " lead", "a  b\n\nc "] {
            assert_eq!(split_deltas(text).concat(), text);
        }
        for d in split_deltas(CHINESE_REPLY) {
            assert!(d.trim().chars().count() <= 3, "{d:?}");
        }
    }

    #[test]
    fn counted_reply_is_the_deltas_concatenated() {
        assert_eq!(counted_reply(3), "w0 w1 w2 ");
        assert_eq!(split_deltas(&counted_reply(50)).len(), 50);
    }
}
