//! Maax shapes to MaiAgent shapes: the conversation object, and history messages.
//!
//! Maax documents its history only as `{"messages_in_conversation": [MESSAGE, ...]}`, without
//! saying what a message looks like, so the mapping reads what it can: the text under the
//! usual names, the side from a role-like field or flag, a timestamp in seconds,
//! milliseconds or ISO 8601. Message ids are made up as `<conversation>.<index>` so that
//! `GET messages/{id}/` can find a message again.

use serde_json::{json, Map, Value};

use crate::ids::now_ms;

/// A MaiAgent-shaped conversation for a Maax conversation id.
pub fn conversation(id: &str, web_chat: Option<&str>, created_at_ms: u64) -> Value {
    json!({
        "id": id,
        "webChat": web_chat,
        "title": "",
        "contact": null,
        "inbox": null,
        "lastMessage": null,
        "lastMessageCreatedAt": null,
        "unreadMessagesCount": 0,
        "autoReplyEnabled": true,
        "isAutoReplyNow": false,
        "lastReadAt": null,
        "createdAt": created_at_ms.to_string(),
    })
}

/// The message list inside a history answer: `messages_in_conversation`, or the other names
/// an API might use, or the answer itself if it is a list.
pub fn history_list(body: &Value) -> Vec<Value> {
    if let Value::Array(list) = body {
        return list.clone();
    }
    ["messages_in_conversation", "messages", "results", "history"]
        .iter()
        .find_map(|k| body.get(*k).and_then(Value::as_array))
        .cloned()
        .unwrap_or_default()
}

/// History messages, oldest first as Maax lists them, as MaiAgent messages.
pub fn messages(conversation: &str, raw: &[Value]) -> Vec<Value> {
    let mut last_ms: Option<u64> = None;
    let fallback_start = now_ms().saturating_sub(raw.len() as u64 * 1000);
    raw.iter()
        .enumerate()
        .map(|(i, m)| {
            // A missing time keeps the list's order: just after the previous message.
            let at = timestamp_ms(m)
                .or_else(|| last_ms.map(|t| t + 1))
                .unwrap_or(fallback_start + i as u64 * 1000);
            last_ms = Some(at);
            message(conversation, i, m, at)
        })
        .collect()
}

fn message(conversation: &str, index: usize, m: &Value, at_ms: u64) -> Value {
    let incoming = is_incoming(m, index);
    let (sender_id, sender_name) = if incoming {
        ("visitor", "Visitor")
    } else {
        ("assistant", "Assistant")
    };
    json!({
        "id": format!("{conversation}.{index}"),
        "conversation": conversation,
        "sender": {"id": sender_id, "name": sender_name, "avatar": null},
        "type": if incoming { "incoming" } else { "outgoing" },
        "content": content(m),
        "createdAt": at_ms.to_string(),
        "attachments": [],
        "citations": [],
        "citationNodes": [],
        "feedback": null,
    })
}

/// The index inside a made-up message id `<conversation>.<index>`.
pub fn split_message_id(id: &str) -> Option<(&str, usize)> {
    let (conversation, index) = id.rsplit_once('.')?;
    Some((conversation, index.parse().ok()?)).filter(|(c, _)| !c.is_empty())
}

fn obj(m: &Value) -> Option<&Map<String, Value>> {
    m.as_object()
}

/// The text of a message.
fn content(m: &Value) -> String {
    if let Value::String(s) = m {
        return s.clone();
    }
    let Some(o) = obj(m) else {
        return String::new();
    };
    [
        "content",
        "message_content",
        "message",
        "text",
        "body",
        "answer",
    ]
    .iter()
    .find_map(|k| o.get(*k).and_then(Value::as_str))
    .unwrap_or_default()
    .to_string()
}

/// Whether the visitor wrote it. Without any hint, messages alternate starting with the
/// visitor (a question, then its answer).
fn is_incoming(m: &Value, index: usize) -> bool {
    let fallback = index.is_multiple_of(2);
    let Some(o) = obj(m) else {
        return fallback;
    };
    for (k, visitor_when) in [
        ("is_incoming", true),
        ("incoming", true),
        ("from_prospect", true),
        ("is_prospect", true),
        ("is_outgoing", false),
        ("from_ai", false),
        ("is_ai", false),
    ] {
        if let Some(b) = o.get(k).and_then(Value::as_bool) {
            return b == visitor_when;
        }
    }
    for k in [
        "type",
        "direction",
        "role",
        "sender",
        "sender_type",
        "message_type",
        "from",
        "author",
    ] {
        let v = match o.get(k) {
            Some(Value::String(s)) => s.to_ascii_lowercase(),
            Some(Value::Object(inner)) => match inner
                .get("type")
                .or_else(|| inner.get("role"))
                .and_then(Value::as_str)
            {
                Some(s) => s.to_ascii_lowercase(),
                None => continue,
            },
            _ => continue,
        };
        const VISITOR: [&str; 8] = [
            "incoming", "inbound", "prospect", "user", "customer", "visitor", "human", "client",
        ];
        const ASSISTANT: [&str; 8] = [
            "outgoing",
            "outbound",
            "ai",
            "assistant",
            "bot",
            "agent",
            "response",
            "answer",
        ];
        if VISITOR.iter().any(|w| v.contains(w)) {
            return true;
        }
        if ASSISTANT
            .iter()
            .any(|w| v == *w || v.contains(w) && w.len() > 2)
        {
            return false;
        }
    }
    fallback
}

/// A timestamp in milliseconds from the usual field names.
fn timestamp_ms(m: &Value) -> Option<u64> {
    let o = obj(m)?;
    [
        "createdAt",
        "created_at",
        "timestamp",
        "date",
        "sent_at",
        "time",
        "created",
    ]
    .iter()
    .find_map(|k| match o.get(*k)? {
        Value::Number(n) => n.as_f64().and_then(number_ms),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(number_ms)
            .or_else(|| iso8601_ms(s.trim())),
        _ => None,
    })
}

/// Seconds, milliseconds or microseconds since the epoch, told apart by size.
fn number_ms(n: f64) -> Option<u64> {
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    let ms = if n < 1e11 {
        n * 1000.0
    } else if n < 1e14 {
        n
    } else {
        n / 1000.0
    };
    Some(ms as u64)
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH[:]MM]` to milliseconds (no zone means UTC).
pub fn iso8601_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute) = (num(11, 2)?, num(14, 2)?);
    if b[13] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0;
    if b.get(i) == Some(&b':') {
        second = num(i + 1, 2)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let frac = &s[i + 1..i + 1 + digits];
            millis = format!("{frac:0<3}")[..3].parse().ok()?;
            i += 1 + digits;
        }
    }
    let offset_min = match &s[i..] {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            sign * (digits[..2].parse::<i64>().ok()? * 60 + digits[2..].parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    u64::try_from(secs * 1000 + millis).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_parse() {
        assert_eq!(iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(iso8601_ms("2024-11-25T00:42:33Z"), Some(1_732_495_353_000));
        assert_eq!(
            iso8601_ms("2024-11-25 08:42:33.5+08:00"),
            Some(1_732_495_353_500)
        );
        assert_eq!(iso8601_ms("2024-11-25T00:42"), Some(1_732_495_320_000));
        assert_eq!(
            iso8601_ms("2024-11-25T00:42:33.123456"),
            Some(1_732_495_353_123)
        );
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00Z",
            "2024-11-25T00:42:33 PST",
        ] {
            assert_eq!(iso8601_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn numbers_are_read_as_seconds_ms_or_us() {
        assert_eq!(number_ms(1_732_495_353.0), Some(1_732_495_353_000));
        assert_eq!(number_ms(1_732_495_353_000.0), Some(1_732_495_353_000));
        assert_eq!(number_ms(1_732_495_353_000_000.0), Some(1_732_495_353_000));
        assert_eq!(number_ms(-1.0), None);
    }

    #[test]
    fn messages_map_sides_texts_and_times() {
        let raw = vec![
            json!({"message_content": "Hi", "role": "user", "created_at": "2024-11-25T00:42:33Z"}),
            json!({"content": "Hello!", "role": "assistant", "created_at": 1732495354}),
            json!({"text": "no time", "is_incoming": true}),
            json!("a bare string"),
            json!({"body": "from the AI", "sender": {"type": "ai"}}),
        ];
        let out = messages("77", &raw);
        let types: Vec<&str> = out.iter().map(|m| m["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            ["incoming", "outgoing", "incoming", "outgoing", "outgoing"]
        );
        let texts: Vec<&str> = out.iter().map(|m| m["content"].as_str().unwrap()).collect();
        assert_eq!(
            texts,
            ["Hi", "Hello!", "no time", "a bare string", "from the AI"]
        );
        let times: Vec<u64> = out
            .iter()
            .map(|m| m["createdAt"].as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(
            &times[..3],
            [1_732_495_353_000, 1_732_495_354_000, 1_732_495_354_001]
        );
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        assert_eq!(out[4]["id"], "77.4");
        assert_eq!(out[0]["conversation"], "77");
        assert_eq!(split_message_id("77.4"), Some(("77", 4)));
        assert_eq!(split_message_id("77"), None);
        assert_eq!(split_message_id(".4"), None);
    }

    #[test]
    fn history_lists_are_found_under_several_names() {
        assert_eq!(
            history_list(&json!({"messages_in_conversation": [1, 2]})).len(),
            2
        );
        assert_eq!(history_list(&json!({"messages": [1]})).len(), 1);
        assert_eq!(history_list(&json!([1, 2, 3])).len(), 3);
        assert!(history_list(&json!({"other": 1})).is_empty());
    }
}
