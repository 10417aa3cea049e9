//! Wire types of the backend's JSON, deserialized leniently.
//!
//! Sources disagree on types (a sender id may be a uuid string, a big integer or a float;
//! `createdAt` a millisecond string, a number or an ISO date), so every field the widget reads goes
//! through a forgiving helper (`lenient`) and unknown fields are ignored.

pub(crate) mod lenient;

use serde::{Deserialize, Deserializer, Serialize};

/// `POST conversations/` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewConversation<'a> {
    pub web_chat: &'a str,
    /// The visitor's name and contact, when the site asked for them and they gave them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<&'a crate::contact::Contact>,
}

/// `POST conversations/` answer: the id (empty if it has none) and the visitor token, if any.
#[derive(Debug, Default, Deserialize)]
pub struct CreatedConversation {
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: String,
    /// The proof that this browser created the conversation, from a server that binds
    /// conversations to their visitors (`chat-bubble-server`); other backends send none.
    #[serde(
        default,
        rename = "visitorToken",
        alias = "visitor_token",
        deserialize_with = "lenient::optional_text"
    )]
    pub visitor_token: Option<String>,
}

/// The conversation this browser is in: its id, and the visitor token to show with every call on
/// it when the server gave one. Kept across reloads as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_token: Option<String>,
}

impl Conversation {
    /// A conversation as stored: its JSON, or an id stored by an earlier version as bare text,
    /// read as a conversation without a token.
    pub fn from_stored(stored: &str) -> Conversation {
        serde_json::from_str(stored).unwrap_or_else(|_| Conversation {
            id: stored.to_owned(),
            visitor_token: None,
        })
    }
}

/// `POST chatbots/{id}/completions/` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompletionRequest<'a> {
    pub conversation: &'a str,
    pub message: OutgoingMessage<'a>,
    pub is_streaming: bool,
}

/// The visitor's message in a [`CompletionRequest`].
#[derive(Debug, Serialize)]
pub struct OutgoingMessage<'a> {
    pub content: &'a str,
    pub attachments: &'a [Attachment],
}

/// One page of `GET messages/`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MessagePage {
    /// The next page's URL; none on the last page (also when it is empty).
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub next: Option<String>,
    /// Entries that are no objects are skipped.
    #[serde(default, deserialize_with = "lenient::entries")]
    pub results: Vec<Message>,
}

impl MessagePage {
    /// Reads a page from the API's JSON; bytes that are not UTF-8 and lone surrogate escapes
    /// in a message do not lose the page.
    pub fn from_json(json: impl AsRef<[u8]>) -> serde_json::Result<MessagePage> {
        let json = json.as_ref();
        // A derived struct also reads an array as its fields in order; a page is an object.
        if json.trim_ascii_start().first() != Some(&b'{') {
            return Err(serde::de::Error::custom("a page of messages is an object"));
        }
        // The repairs are each a pass over the whole page (a page of long replies can be
        // megabytes): only when the page needs them.
        lenient::from_json_repaired(json)
    }

    /// Whether its messages run newest first, as a backend that pages its history from the
    /// newest gives them (the API does not say which way it pages): then this first page holds
    /// the newest messages. A page whose messages are not all timed tells nothing.
    pub fn runs_newest_first(&self) -> bool {
        let Some(times) = self
            .results
            .iter()
            .map(|m| m.created_at)
            .collect::<Option<Vec<i64>>>()
        else {
            return false;
        };
        times.first() > times.last() && times.windows(2).all(|pair| pair[0] >= pair[1])
    }
}

/// Who wrote a message, from the widget's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The person chatting (`incoming` on the wire).
    Visitor,
    /// The AI assistant (`outgoing` on the wire).
    Assistant,
}

/// `type` on the wire: `incoming` or `outgoing` in any case; none for anything else.
fn role<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Role>, D::Error> {
    let kind = lenient::text(d)?;
    Ok(if kind.eq_ignore_ascii_case("incoming") {
        Some(Role::Visitor)
    } else if kind.eq_ignore_ascii_case("outgoing") {
        Some(Role::Assistant)
    } else {
        None
    })
}

/// A stored message from the history. Every field is optional on the wire; `feedback` (null, a
/// string or an object) and other fields the widget does not show are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    #[serde(default, deserialize_with = "lenient::id")]
    pub id: String,
    #[serde(rename = "type", default, deserialize_with = "role")]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub content: String,
    /// Milliseconds since the epoch.
    #[serde(default, alias = "created_at", deserialize_with = "lenient::time")]
    pub created_at: Option<i64>,
    /// Who wrote it, as the backend names them.
    #[serde(default, deserialize_with = "lenient::object_or_default")]
    pub sender: Sender,
    #[serde(default, deserialize_with = "lenient::entries")]
    pub attachments: Vec<Attachment>,
    #[serde(default, deserialize_with = "lenient::entries")]
    pub citations: Vec<Citation>,
    #[serde(
        default,
        alias = "citation_nodes",
        deserialize_with = "lenient::entries"
    )]
    pub citation_nodes: Vec<CitationNode>,
}

/// A message's author: `sender {id, name, avatar}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Sender {
    /// A uuid string, a 128-bit integer or a float, kept as written.
    #[serde(default, deserialize_with = "lenient::optional_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub name: Option<String>,
    /// The sender's picture, if any.
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub avatar: Option<String>,
}

/// A file sent with a message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Attachment {
    #[serde(rename = "type", default, deserialize_with = "lenient::text")]
    pub kind: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub filename: String,
    /// The file's URL.
    #[serde(default, deserialize_with = "lenient::text")]
    pub file: String,
    /// Bytes, when known: `chat-bubble-server`'s upload answer gives it and its mock keeps it;
    /// MaiAgent's history has none.
    #[serde(
        default,
        deserialize_with = "lenient::size",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
}

impl Attachment {
    /// Whether it shows as a picture: as its `type` says when it has one (the server sniffed
    /// it from the bytes, whatever the file was called; MaiAgent's `image` and `sticker` are
    /// pictures), by its name's extension only when it has none (a history that gives no type).
    pub fn is_picture(&self) -> bool {
        if !self.kind.trim().is_empty() {
            let kind = self.kind.to_ascii_lowercase();
            return kind.contains("image") || kind.contains("sticker");
        }
        let name = self.filename.to_ascii_lowercase();
        [".png", ".jpg", ".jpeg", ".gif", ".webp"]
            .iter()
            .any(|ext| name.ends_with(ext))
    }
}

/// A document the answer drew on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Citation {
    #[serde(default, deserialize_with = "lenient::text")]
    pub filename: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub file: String,
}

/// A passage of a document the answer drew on; `score` and `displayScore` are not shown.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CitationNode {
    #[serde(
        rename = "chatbotTextNode",
        default,
        deserialize_with = "lenient::object_or_default"
    )]
    pub text_node: Option<TextNode>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextNode {
    #[serde(default, deserialize_with = "lenient::text")]
    pub text: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub filename: String,
    #[serde(default, deserialize_with = "lenient::optional_text")]
    pub page_number: Option<String>,
}

/// One source to show under a reply: a document and, when known, the passage and page.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub title: String,
    pub url: Option<String>,
    pub excerpt: Option<String>,
    pub page: Option<String>,
}

impl Message {
    /// Citations and citation passages merged into one list, one entry per document, in order.
    pub fn sources(&self) -> Vec<Source> {
        sources(&self.citations, &self.citation_nodes)
    }
}

/// Citations and citation passages (of a message or a stream frame) merged into one list, one
/// entry per document, in order.
pub fn sources(citations: &[Citation], citation_nodes: &[CitationNode]) -> Vec<Source> {
    let mut sources: Vec<Source> = Vec::new();
    for c in citations {
        if !c.filename.is_empty() && !sources.iter().any(|s| s.title == c.filename) {
            sources.push(Source {
                title: c.filename.clone(),
                url: (!c.file.is_empty()).then(|| c.file.clone()),
                excerpt: None,
                page: None,
            });
        }
    }
    for node in citation_nodes.iter().filter_map(|n| n.text_node.as_ref()) {
        let excerpt = (!node.text.trim().is_empty()).then(|| node.text.trim().to_owned());
        match sources.iter_mut().find(|s| s.title == node.filename) {
            Some(s) if s.excerpt.is_none() => {
                s.excerpt = excerpt;
                s.page = node.page_number.clone();
            }
            Some(_) => {}
            None if !node.filename.is_empty() || excerpt.is_some() => sources.push(Source {
                title: node.filename.clone(),
                url: None,
                excerpt,
                page: node.page_number.clone(),
            }),
            None => {}
        }
    }
    sources
}

/// Puts history in reading order: oldest first, by `createdAt` (the API does not promise an order).
/// Messages without a time keep their relative place after the timed ones; so do messages with
/// the same time (a stable sort).
pub fn sort_history(messages: &mut [Message]) {
    messages.sort_by_key(|m| (m.created_at.is_none(), m.created_at.unwrap_or(0)));
}

/// The messages of a history's pages, each once: pages that overlap (a backend paging by offset
/// while messages arrive) or repeat (one whose `next` leads back) would show a message twice.
/// Messages without an id are all kept.
#[derive(Debug, Default)]
pub struct HistoryPages {
    messages: Vec<Message>,
    ids: std::collections::HashSet<String>,
}

impl HistoryPages {
    /// Adds the messages of a page not read before; says how many there were.
    pub fn add(&mut self, page: Vec<Message>) -> usize {
        let before = self.messages.len();
        for message in page {
            if message.id.is_empty() || self.ids.insert(message.id.clone()) {
                self.messages.push(message);
            }
        }
        self.messages.len() - before
    }

    /// The messages in reading order (see [`sort_history`]).
    pub fn into_sorted(mut self) -> Vec<Message> {
        sort_history(&mut self.messages);
        self.messages
    }
}

/// Milliseconds from a 13-digit string, a 10-digit seconds string or an ISO 8601 date.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((whole, fraction)) = decimal(s) {
        // Ten digits or fewer are seconds; more are milliseconds.
        return Some(if whole.abs() < 100_000_000_000 {
            let millis = format!("{fraction:0<3}")[..3].parse::<i64>().ok()?;
            whole * 1000 + if s.starts_with('-') { -millis } else { millis }
        } else {
            whole
        });
    }
    parse_iso(s)
}

/// `-?digits(.digits)?` → the whole part and the fraction's digits, in integers so that a
/// millisecond time keeps every digit.
fn decimal(s: &str) -> Option<(i64, &str)> {
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits = whole.strip_prefix('-').unwrap_or(whole);
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if digits.is_empty() || !all_digits(digits) || !all_digits(fraction) {
        return None;
    }
    Some((whole.parse().ok()?, fraction))
}

/// `YYYY-MM-DD[T ]hh:mm[:ss[.fff]][Z|±hh:mm]`; no offset means UTC.
fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (mut hour, mut minute, mut second, mut millis) = (0, 0, 0, 0);
    let mut rest = "";
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') {
            return None;
        }
        hour = num(11, 2)?;
        minute = num(14, 2)?;
        let mut i = 16;
        if b.get(i) == Some(&b':') {
            second = num(17, 2)?;
            i = 19;
            if matches!(b.get(i), Some(b'.') | Some(b',')) {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                let frac = &s[i + 1..i + 1 + digits];
                let padded = format!("{:0<3}", &frac[..digits.min(3)]);
                millis = padded.parse().ok()?;
                i += 1 + digits;
            }
        }
        rest = &s[i..];
    }
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = rest[1..].chars().filter(|c| c.is_ascii_digit()).collect();
            if digits.len() != 4 {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?)
        }
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_decides_over_the_name_and_the_name_only_without_one() {
        let file = |kind: &str, filename: &str| Attachment {
            kind: kind.into(),
            filename: filename.into(),
            ..Attachment::default()
        };
        assert!(file("image", "screenshot.png").is_picture());
        assert!(file("Image", "photo").is_picture());
        assert!(file("sticker", "wave").is_picture());
        // Text named .png: the server sniffed it as a file, not a picture.
        assert!(!file("other", "fake.png").is_picture());
        assert!(file("", "photo.JPG").is_picture());
        assert!(!file("", "notes.txt").is_picture());
    }

    #[test]
    fn history_sorts_like_a_stable_sort_whatever_the_order_it_came_in() {
        let at = |id: &str, created_at: Option<i64>| Message {
            id: id.into(),
            created_at,
            ..Message::default()
        };
        let times = [
            Some(5),
            None,
            Some(1),
            Some(5),
            Some(3),
            None,
            Some(1),
            Some(9),
        ];
        let mut inputs: Vec<Vec<Message>> = Vec::new();
        let numbered: Vec<Message> = times
            .iter()
            .enumerate()
            .map(|(i, t)| at(&i.to_string(), *t))
            .collect();
        inputs.push(numbered.clone());
        inputs.push(numbered.iter().rev().cloned().collect());
        let mut ascending = numbered.clone();
        ascending.sort_by_key(|m| (m.created_at.is_none(), m.created_at.unwrap_or(0)));
        inputs.push(ascending.clone());
        inputs.push(ascending.iter().rev().cloned().collect());
        for input in inputs {
            let mut want = input.clone();
            want.sort_by_key(|m| (m.created_at.is_none(), m.created_at.unwrap_or(0)));
            let mut got = input.clone();
            sort_history(&mut got);
            let ids = |v: &[Message]| v.iter().map(|m| m.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&got), ids(&want), "input {:?}", ids(&input));
        }
    }

    #[test]
    fn a_message_read_twice_is_kept_once() {
        let message = |id: &str, content: &str, at: i64| Message {
            id: id.to_owned(),
            content: content.to_owned(),
            created_at: Some(at),
            ..Message::default()
        };
        let mut pages = HistoryPages::default();
        let first = vec![message("m1", "first", 1), message("m2", "second", 2)];
        assert_eq!(pages.add(first.clone()), 2);
        assert_eq!(pages.add(first), 0, "the same page again");
        let overlapping = vec![
            message("m1", "again", 1),
            message("", "no id", 3),
            message("", "no id", 4),
            message("m2", "again", 2),
        ];
        assert_eq!(pages.add(overlapping), 2);
        let messages = pages.into_sorted();
        let kept: Vec<(&str, &str)> = messages
            .iter()
            .map(|m| (m.id.as_str(), m.content.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("m1", "first"),
                ("m2", "second"),
                ("", "no id"),
                ("", "no id")
            ]
        );
    }

    #[test]
    fn message_with_every_variant_type() {
        let json = r#"{"count": 3, "next": "http://x/api/v1/messages/?cursor=abc", "previous": null,
          "results": [
            {"id": "m2", "conversation": "c", "type": "outgoing", "content": "hi",
             "createdAt": "1700000000500", "sender": {"id": 1.5e38, "name": "Bot", "avatar": null},
             "feedback": {"type": "like"}, "citations": [{"id": 1}], "attachments": null},
            {"id": 7, "type": "incoming", "content": "hello", "createdAt": 1700000000000,
             "sender": {"id": 170141183460469231731687303715884105727}, "feedback": "like"},
            {"id": "m0", "type": "incoming", "content": null, "createdAt": "2023-11-14T22:13:19.9Z"},
            "not a message"
          ]}"#;
        let mut page = MessagePage::from_json(json).unwrap();
        assert_eq!(
            page.next.as_deref(),
            Some("http://x/api/v1/messages/?cursor=abc")
        );
        assert_eq!(page.results.len(), 3);
        sort_history(&mut page.results);
        let ids: Vec<&str> = page.results.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["m0", "7", "m2"]);
        assert_eq!(page.results[1].role, Some(Role::Visitor));
        assert_eq!(page.results[2].role, Some(Role::Assistant));
        assert_eq!(page.results[0].content, "");
        assert_eq!(page.results[2].sender.name.as_deref(), Some("Bot"));
        assert_eq!(page.results[2].sender.avatar, None);
        assert_eq!(page.results[2].sender.id.as_deref(), Some("1.5e38"));
        assert_eq!(page.results[1].sender.name, None);
        assert_eq!(
            page.results[1].sender.id.as_deref(),
            Some("170141183460469231731687303715884105727")
        );
        assert_eq!(page.results[1].id, "7");
        assert_eq!(page.results[1].created_at, Some(1_700_000_000_000));
    }

    #[test]
    fn a_field_of_the_wrong_type_does_not_lose_the_message() {
        let json = r#"{"results": [
            {"id": {"x": 1}, "type": 3, "content": ["a"], "createdAt": [1], "sender": "Bob",
             "attachments": "none", "citations": {"a": 1}, "citationNodes": 5},
            {"id": true, "type": "OUTGOING", "content": 42, "createdAt": {"ms": 1},
             "sender": {"name": {"first": "A"}, "avatar": 7},
             "attachments": [[1, 2], {"type": 1, "filename": "a.txt", "file": null}],
             "citation_nodes": [{"chatbotTextNode": "text"}, {"chatbotTextNode": {"text": 5}}]},
            {"content": "\ud800 alone", "extra": [[[[[]]]]]}
          ], "next": 5}"#;
        let page = MessagePage::from_json(json).unwrap();
        assert_eq!(page.next.as_deref(), Some("5"));
        assert_eq!(page.results.len(), 3);
        let first = &page.results[0];
        assert_eq!(
            (first.id.as_str(), first.role, first.content.as_str()),
            ("", None, "")
        );
        assert_eq!(first.created_at, None);
        assert_eq!(first.sender, Sender::default());
        assert!(first.attachments.is_empty() && first.citations.is_empty());
        assert!(first.citation_nodes.is_empty());
        let second = &page.results[1];
        assert_eq!(second.role, Some(Role::Assistant));
        assert_eq!(second.content, "42");
        assert_eq!(second.sender.name, None);
        assert_eq!(second.sender.avatar.as_deref(), Some("7"));
        assert_eq!(
            second.attachments,
            vec![Attachment {
                kind: "1".into(),
                filename: "a.txt".into(),
                file: String::new(),
                size: None,
            }]
        );
        assert_eq!(second.citation_nodes.len(), 2);
        assert_eq!(second.citation_nodes[0].text_node, None);
        assert_eq!(
            second.citation_nodes[1]
                .text_node
                .as_ref()
                .map(|n| n.text.as_str()),
            Some("5")
        );
        assert_eq!(page.results[2].content, "\u{FFFD} alone");
    }

    #[test]
    fn what_is_no_page_is_refused() {
        for bad in [
            "",
            "<html></html>",
            "{\"results\": [",
            "{\"a\":1,}",
            "[]",
            "[null, []]",
        ] {
            assert!(MessagePage::from_json(bad).is_err(), "{bad:?}");
        }
        let deep = format!("{{\"results\": {}", "[".repeat(100_000));
        assert!(MessagePage::from_json(&deep).is_err());
    }

    #[test]
    fn bytes_that_are_not_utf8_do_not_lose_the_page() {
        let mut json = br#"{"results": [{"id": "1", "type": "outgoing", "content": "ok "#.to_vec();
        json.extend_from_slice(&[0xff, 0xfe]);
        json.extend_from_slice(br#" \ud800 end", "createdAt": "1700000000000"}]}"#);
        let page = MessagePage::from_json(&json).unwrap();
        assert_eq!(page.results[0].content, "ok \u{fffd}\u{fffd} \u{fffd} end");
    }

    #[test]
    fn request_bodies() {
        let body = NewConversation {
            web_chat: "w\"1",
            contact: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"webChat":"w\"1"}"#
        );
        let contact = crate::contact::Contact {
            name: "Ada".into(),
            email: Some("a@b.co".into()),
            phone: None,
        };
        let body = NewConversation {
            web_chat: "w",
            contact: Some(&contact),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"webChat":"w","contact":{"name":"Ada","email":"a@b.co"}}"#
        );
        let body = CompletionRequest {
            conversation: "c",
            message: OutgoingMessage {
                content: "hi\n世界",
                attachments: &[],
            },
            is_streaming: true,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"conversation":"c","message":{"content":"hi\n世界","attachments":[]},"isStreaming":true}"#
        );
    }

    #[test]
    fn a_created_conversation_brings_its_visitor_token_when_the_server_gives_one() {
        let created: CreatedConversation =
            serde_json::from_str(r#"{"id": "c1", "visitorToken": "v1.abc", "inbox": 2}"#).unwrap();
        assert_eq!(created.visitor_token.as_deref(), Some("v1.abc"));
        let created: CreatedConversation = serde_json::from_str(r#"{"id": "c2"}"#).unwrap();
        assert_eq!(created.visitor_token, None, "another backend sends none");

        // Kept across reloads as JSON; without a token, none is written.
        let kept = Conversation {
            id: "c1".into(),
            visitor_token: Some("v1.abc".into()),
        };
        let json = serde_json::to_string(&kept).unwrap();
        assert_eq!(json, r#"{"id":"c1","visitorToken":"v1.abc"}"#);
        assert_eq!(serde_json::from_str::<Conversation>(&json).unwrap(), kept);
        let bare = Conversation {
            id: "c2".into(),
            visitor_token: None,
        };
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"id":"c2"}"#);
    }

    #[test]
    fn created_conversation_id_in_any_shape() {
        let id = |json: &str| {
            serde_json::from_str::<CreatedConversation>(json)
                .unwrap()
                .id
        };
        assert_eq!(id(r#"{"id": "3f2a", "contact": {}, "inbox": 1}"#), "3f2a");
        assert_eq!(
            id(r#"{"id": 12345678901234567890123}"#),
            "12345678901234567890123"
        );
        for none in [
            r#"{"id": ""}"#,
            r#"{"id": null}"#,
            r#"{"id": {}}"#,
            r#"{"title": "x"}"#,
        ] {
            assert_eq!(id(none), "", "{none}");
        }
    }

    #[test]
    fn sources_merge_citations_and_passages() {
        let json = r#"{"type": "outgoing", "content": "x",
          "attachments": [{"id": 1, "type": "image", "filename": "cat.png", "file": "https://f/cat.png"}, 5],
          "citations": [{"id": "a", "filename": "guide.pdf", "file": "https://f/guide.pdf"},
                        {"id": "b", "filename": "guide.pdf"}],
          "citationNodes": [
            {"chatbotTextNode": {"text": " Step one ", "filename": "guide.pdf", "pageNumber": 3}, "score": 0.9, "displayScore": "90"},
            {"chatbotTextNode": {"text": "Other", "filename": "faq.md", "pageNumber": null}, "displayScore": 80},
            {"score": 1}
          ]}"#;
        let m: Message = serde_json::from_str(json).unwrap();
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].filename, "cat.png");
        assert_eq!(
            m.sources(),
            vec![
                Source {
                    title: "guide.pdf".into(),
                    url: Some("https://f/guide.pdf".into()),
                    excerpt: Some("Step one".into()),
                    page: Some("3".into()),
                },
                Source {
                    title: "faq.md".into(),
                    url: None,
                    excerpt: Some("Other".into()),
                    page: None,
                },
            ]
        );
    }

    #[test]
    fn times_in_every_shape() {
        assert_eq!(parse_time("1700000000500"), Some(1_700_000_000_500));
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_time(" 1700000000.25 "), Some(1_700_000_000_250));
        assert_eq!(parse_time("1700000000500.9"), Some(1_700_000_000_500));
        assert_eq!(parse_time("-1.5"), Some(-1_500));
        assert_eq!(parse_time("1e9"), None);
        assert_eq!(parse_time("17000000x0"), None);
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_time("2023-11-14T22:13:20.5Z"),
            Some(1_700_000_000_500)
        );
        assert_eq!(
            parse_time("2023-11-15T06:13:20+08:00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(parse_time("2000-03-01"), Some(951_868_800_000));
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2023-13-01"), None);
    }

    #[test]
    fn a_page_runs_newest_first_when_its_times_go_down() {
        let page = |times: &[Option<&str>]| {
            let results: Vec<String> = times
                .iter()
                .map(|t| match t {
                    Some(t) => format!(r#"{{"type": "incoming", "createdAt": "{t}"}}"#),
                    None => r#"{"type": "incoming"}"#.to_owned(),
                })
                .collect();
            MessagePage::from_json(format!(r#"{{"results": [{}]}}"#, results.join(",")))
                .unwrap()
                .runs_newest_first()
        };
        assert!(page(&[
            Some("1700000000300"),
            Some("1700000000200"),
            Some("1700000000200")
        ]));
        // Oldest first, in no order, untimed, or too short to tell.
        assert!(!page(&[Some("1700000000100"), Some("1700000000200")]));
        assert!(!page(&[
            Some("1700000000300"),
            Some("1700000000100"),
            Some("1700000000200")
        ]));
        assert!(!page(&[Some("1700000000300"), None, Some("1700000000100")]));
        assert!(!page(&[Some("1700000000300"), Some("1700000000300")]));
        assert!(!page(&[Some("1700000000300")]));
        assert!(!page(&[]));
    }

    #[test]
    fn empty_or_null_next_means_last_page() {
        let page = MessagePage::from_json(r#"{"next": "", "results": []}"#).unwrap();
        assert_eq!(page.next, None);
        let page = MessagePage::from_json(r#"{"next": null}"#).unwrap();
        assert_eq!(page.next, None);
    }
}
