//! `deserialize_with` helpers for fields whose JSON type varies between sources, and the repair of
//! lone surrogate escapes, which serde_json refuses.
//!
//! Each helper accepts any JSON value: a field of an unexpected type becomes its default instead
//! of failing the whole message or frame around it.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A string, or a number or boolean as text; nothing for null, arrays and objects.
struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
        Ok(Some(s))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
        Ok(Some(b.to_string()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(n.to_string()))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Self::Value, E> {
        Ok(Some(n.to_string()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Self::Value, E> {
        Ok(Some(n.to_string()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq).map(|_| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| None)
    }
}

/// A text field: a string, or a number or boolean as text; empty for anything else.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(d.deserialize_any(TextVisitor)?.unwrap_or_default())
}

/// An optional text field: as [`text`], with an empty string meaning none.
pub fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(d.deserialize_any(TextVisitor)?.filter(|s| !s.is_empty()))
}

/// A size in bytes: a whole number, or one written as text; none for anything else.
pub fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(d.deserialize_any(TextVisitor)?.and_then(|s| s.parse().ok()))
}

/// A flag: `true` or `"true"`; anything else is false.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(d.deserialize_any(TextVisitor)?.as_deref() == Some("true"))
}

/// An id: a string, or a number exactly as written (a 128-bit integer or a float would lose
/// digits as a Rust number); none for anything else.
pub fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    let raw = raw.get();
    let id = match raw.as_bytes().first() {
        Some(b'"') => from_json_repaired(raw.as_bytes()).ok(),
        Some(b'-' | b'0'..=b'9') => Some(raw.to_owned()),
        _ => None,
    };
    Ok(id)
}

/// As [`optional_id`], empty when there is none.
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(optional_id(d)?.unwrap_or_default())
}

/// Milliseconds since the epoch from a number or a string in any shape
/// [`parse_time`](super::parse_time) reads; none for anything else.
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(d.deserialize_any(TextVisitor)?
        .as_deref()
        .and_then(super::parse_time))
}

/// A list whose entries are objects of type `T`. Each entry is read on its own, so one that is no
/// object or cannot be read is skipped and the others are kept; a missing list, null or a value
/// that is no list is an empty list.
pub fn entries<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    d.deserialize_any(EntriesVisitor(PhantomData))
}

struct EntriesVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for EntriesVisitor<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = seq.next_element::<Box<RawValue>>()? {
            let entry = entry.get();
            // A derived struct also reads an array as its fields in order: only objects count.
            if entry.starts_with('{') {
                out.extend(from_json_repaired(entry.as_bytes()).ok());
            }
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map).map(|_| Vec::new())
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

/// A nested object that may be missing, null or of another type: its default then.
pub fn object_or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let raw = Box::<RawValue>::deserialize(d)?;
    let raw = raw.get();
    Ok(if raw.starts_with('{') {
        from_json_repaired(raw.as_bytes()).unwrap_or_default()
    } else {
        T::default()
    })
}

/// A value from JSON bytes, read as they come; the repairs, each another pass over the text,
/// only when they cannot be read: bytes that are not UTF-8 become U+FFFD, as do lone surrogate
/// escapes. Also for the raw text of a field inside a document that did read: that text is
/// taken without checking its escapes, so it may still hold a lone surrogate.
pub fn from_json_repaired<T: DeserializeOwned>(json: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(json).or_else(|_| {
        let text = String::from_utf8_lossy(json);
        serde_json::from_slice(&replace_lone_surrogates(text.as_bytes()))
    })
}

/// JSON text with every lone surrogate escape (`\ud800` not followed by its other half, or a
/// stray `\udc00`) replaced by `\ufffd`. Browsers' `JSON.parse` keeps such escapes and Rust
/// strings cannot hold them, so serde_json refuses the whole document: one bad character would
/// lose a reply's frame or a whole page of history. One pass; the text is copied only when
/// something is replaced.
pub fn replace_lone_surrogates(json: &[u8]) -> Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'\\' {
            i += 1;
            continue;
        }
        let Some(unit) = unicode_escape(json, i) else {
            // Another escape (`\"`, `\\`, …): its second byte is not the start of one.
            i += 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&unit)
            && unicode_escape(json, i + 6).is_some_and(|low| (0xDC00..0xE000).contains(&low));
        if paired {
            i += 12;
        } else if (0xD800..0xE000).contains(&unit) {
            let out = out.get_or_insert_with(|| Vec::with_capacity(json.len()));
            out.extend_from_slice(&json[copied..i]);
            out.extend_from_slice(b"\\ufffd");
            i += 6;
            copied = i;
        } else {
            i += 6;
        }
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.extend_from_slice(&json[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
fn unicode_escape(json: &[u8], at: usize) -> Option<u32> {
    let digits = json.get(at..at + 6)?.strip_prefix(b"\\u")?;
    digits
        .iter()
        .try_fold(0, |n, &b| Some(n * 16 + (b as char).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replaced(json: &str) -> String {
        String::from_utf8(replace_lone_surrogates(json.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn lone_surrogate_escapes_become_replacement_characters() {
        assert_eq!(
            replaced(r#""a\ud800b\udc00c\uDBFF""#),
            r#""a\ufffdb\ufffdc\ufffd""#
        );
        // A pair stays, and so does an escaped backslash before a `u`.
        let kept = r#""\ud83d\ude00 \\ud800 \u00e9 \n""#;
        assert!(matches!(
            replace_lone_surrogates(kept.as_bytes()),
            Cow::Borrowed(_)
        ));
        // A high surrogate before another high one: the first is alone, the second pairs.
        assert_eq!(
            replaced(r#""\ud800\ud83d\ude00""#),
            r#""\ufffd\ud83d\ude00""#
        );
        // Cut short at the end.
        assert_eq!(replaced(r#""\ud80"#), r#""\ud80"#);
        assert_eq!(replaced(r#""\ud800\u"#), r#""\ufffd\u"#);
        let s: String = serde_json::from_str(&replaced(r#""a\ud800b""#)).unwrap();
        assert_eq!(s, "a\u{FFFD}b");
    }

    #[test]
    fn replacing_is_linear() {
        // Nothing but high surrogates: each is looked at once.
        let json = format!("\"{}\"", r"\ud800".repeat(200_000));
        let out: String =
            serde_json::from_slice(&replace_lone_surrogates(json.as_bytes())).unwrap();
        assert_eq!(out.chars().count(), 200_000);
    }
}
