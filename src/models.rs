//! Wire types of the backend's JSON, deserialized leniently.
//!
//! Sources disagree on types (a sender id may be a uuid string, a big integer or a float;
//! `createdAt` a millisecond string, a number or an ISO date), so every field the widget reads goes
//! through a forgiving conversion and unknown fields are ignored.

use crate::json::Json;

/// `POST conversations/` answer → the new conversation's id, if it has one.
pub fn created_conversation_id(answer: &Json) -> Option<String> {
    text(answer.get("id")).filter(|id| !id.is_empty())
}

/// One page of `GET messages/`.
#[derive(Debug, Clone, Default)]
pub struct MessagePage {
    pub next: Option<String>,
    pub results: Vec<Message>,
}

impl MessagePage {
    /// `None` when the answer is no object; entries that are no objects are skipped.
    pub fn from_json(v: &Json) -> Option<MessagePage> {
        let Json::Object(_) = v else { return None };
        Some(MessagePage {
            next: optional_text(v.get("next")),
            results: entries(v.get("results"), Message::from_json),
        })
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

/// A stored message from the history.
#[derive(Debug, Clone, Default)]
pub struct Message {
    pub id: String,
    pub role: Option<Role>,
    pub content: String,
    /// Milliseconds since the epoch.
    pub created_at: Option<i64>,
    /// Who wrote it, as the backend names them (`sender.name`), if it does.
    pub sender_name: Option<String>,
    /// The sender's picture (`sender.avatar`), if any.
    pub sender_avatar: Option<String>,
    pub attachments: Vec<Attachment>,
    pub citations: Vec<Citation>,
    pub citation_nodes: Vec<CitationNode>,
}

impl Message {
    /// Every field is optional on the wire; only a value that is no object is refused.
    pub fn from_json(v: &Json) -> Option<Message> {
        let Json::Object(_) = v else { return None };
        let role = match v.get("type").and_then(Json::as_str) {
            Some(s) if s.eq_ignore_ascii_case("incoming") => Some(Role::Visitor),
            Some(s) if s.eq_ignore_ascii_case("outgoing") => Some(Role::Assistant),
            _ => None,
        };
        let created_at = match v.field(&["createdAt", "created_at"]) {
            Some(Json::Number(n)) => decimal(n).map(|(whole, _)| whole),
            Some(Json::String(s)) => parse_time(s),
            _ => None,
        };
        let sender = v.get("sender");
        Some(Message {
            id: text(v.get("id")).unwrap_or_default(),
            role,
            content: text(v.get("content")).unwrap_or_default(),
            created_at,
            sender_name: optional_text(sender.and_then(|s| s.get("name"))),
            sender_avatar: optional_text(sender.and_then(|s| s.get("avatar"))),
            attachments: entries(v.get("attachments"), Attachment::from_json),
            citations: entries(v.get("citations"), Citation::from_json),
            citation_nodes: entries(
                v.field(&["citationNodes", "citation_nodes"]),
                CitationNode::from_json,
            ),
        })
    }
}

/// A file sent with a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub kind: String,
    pub filename: String,
    /// The file's URL.
    pub file: String,
}

impl Attachment {
    fn from_json(v: &Json) -> Option<Attachment> {
        let Json::Object(_) = v else { return None };
        Some(Attachment {
            kind: text(v.get("type")).unwrap_or_default(),
            filename: text(v.get("filename")).unwrap_or_default(),
            file: text(v.get("file")).unwrap_or_default(),
        })
    }
}

/// A document the answer drew on.
#[derive(Debug, Clone, PartialEq)]
pub struct Citation {
    pub filename: String,
    pub file: String,
}

impl Citation {
    fn from_json(v: &Json) -> Option<Citation> {
        let Json::Object(_) = v else { return None };
        Some(Citation {
            filename: text(v.get("filename")).unwrap_or_default(),
            file: text(v.get("file")).unwrap_or_default(),
        })
    }
}

/// A passage of a document the answer drew on.
#[derive(Debug, Clone, PartialEq)]
pub struct CitationNode {
    pub text_node: Option<TextNode>,
}

impl CitationNode {
    fn from_json(v: &Json) -> Option<CitationNode> {
        let Json::Object(_) = v else { return None };
        Some(CitationNode {
            text_node: v.get("chatbotTextNode").and_then(TextNode::from_json),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TextNode {
    pub text: String,
    pub filename: String,
    pub page_number: Option<String>,
}

impl TextNode {
    fn from_json(v: &Json) -> Option<TextNode> {
        let Json::Object(_) = v else { return None };
        Some(TextNode {
            text: text(v.get("text")).unwrap_or_default(),
            filename: text(v.get("filename")).unwrap_or_default(),
            page_number: optional_text(v.get("pageNumber")),
        })
    }
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
        let mut sources: Vec<Source> = Vec::new();
        for c in &self.citations {
            if !c.filename.is_empty() && !sources.iter().any(|s| s.title == c.filename) {
                sources.push(Source {
                    title: c.filename.clone(),
                    url: (!c.file.is_empty()).then(|| c.file.clone()),
                    excerpt: None,
                    page: None,
                });
            }
        }
        for node in self
            .citation_nodes
            .iter()
            .filter_map(|n| n.text_node.as_ref())
        {
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
}

/// Puts history in reading order: oldest first, by `createdAt` (the API does not promise an order).
/// Messages without a time keep their relative place after the timed ones; so do messages with
/// the same time. Pages come nearly in order, one way or the other, so each message is inserted
/// among those already sorted, taken from whichever end makes that cheap (the library's sorts
/// would add 6 KB of wasm).
pub fn sort_history(messages: &mut Vec<Message>) {
    let key = |m: &Message| (m.created_at.is_none(), m.created_at.unwrap_or(0));
    let newest_first = match (messages.first(), messages.last()) {
        (Some(first), Some(last)) => key(first) > key(last),
        _ => false,
    };
    let mut sorted: Vec<Message> = Vec::with_capacity(messages.len());
    let mut place = |message: Message| {
        // Taken last to first, a message goes before its equals, which came after it.
        let at = sorted.partition_point(|m| {
            if newest_first {
                key(m) < key(&message)
            } else {
                key(m) <= key(&message)
            }
        });
        sorted.insert(at, message);
    };
    if newest_first {
        messages.drain(..).rev().for_each(&mut place);
    } else {
        messages.drain(..).for_each(&mut place);
    }
    *messages = sorted;
}

/// A string, number or boolean as text; anything else (or nothing) is no text.
fn text(v: Option<&Json>) -> Option<String> {
    v.and_then(Json::to_text)
}

fn optional_text(v: Option<&Json>) -> Option<String> {
    text(v).filter(|s| !s.is_empty())
}

/// A list that may be missing, null or hold entries of a shape we cannot read; those are skipped.
fn entries<T>(v: Option<&Json>, read: impl Fn(&Json) -> Option<T>) -> Vec<T> {
    v.map(Json::items)
        .unwrap_or_default()
        .iter()
        .filter_map(read)
        .collect()
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

/// `-?digits(.digits)?` → the whole part and the fraction's digits. Integer arithmetic only:
/// float parsing would add its tables to the wasm for one timestamp field.
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
        let mut page = MessagePage::from_json(&Json::parse(json).unwrap()).unwrap();
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
        assert_eq!(page.results[2].sender_name.as_deref(), Some("Bot"));
        assert_eq!(page.results[2].sender_avatar, None);
        assert_eq!(page.results[1].sender_name, None);
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
        let m = Message::from_json(&Json::parse(json).unwrap()).unwrap();
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
    fn empty_or_null_next_means_last_page() {
        let page = MessagePage::from_json(&Json::parse(r#"{"next": "", "results": []}"#).unwrap())
            .unwrap();
        assert_eq!(page.next, None);
        let page = MessagePage::from_json(&Json::parse(r#"{"next": null}"#).unwrap()).unwrap();
        assert_eq!(page.next, None);
    }
}
