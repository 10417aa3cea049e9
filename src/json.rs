//! A small JSON reader and writer: enough for the backend's answers and the widget's request
//! bodies. Hand-written because serde and serde_json cost the wasm more than the rest of the
//! widget's logic together.
//!
//! Numbers are kept as written, so an id like `12345678901234567890` or `1.5e38` comes back as
//! the same text and no float formatting is needed.

/// A parsed JSON value. Objects keep their keys in order; a repeated key keeps its first value
/// for [`Json::get`].
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text as it appeared (already checked to be a valid JSON number).
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 128;

impl Json {
    /// Parses a whole document; surrounding whitespace is allowed, anything else after it is not.
    pub fn parse(text: &str) -> Option<Json> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value(0)?;
        parser.skip_space();
        (parser.at == parser.bytes.len()).then_some(value)
    }

    /// [`Json::parse`] on bytes that must be UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Option<Json> {
        Json::parse(std::str::from_utf8(bytes).ok()?)
    }

    /// The value of `key` in an object; `None` for a missing key or a value that is no object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Moves the value of `key` out of an object, leaving null in its place (no copy of a long
    /// string); `None` as for [`Json::get`].
    pub fn take(&mut self, key: &str) -> Option<Json> {
        match self {
            Json::Object(fields) => fields
                .iter_mut()
                .find(|(k, _)| k == key)
                .map(|(_, v)| std::mem::replace(v, Json::Null)),
            _ => None,
        }
    }

    /// The first of `keys` present and not null: one field spelled several ways on the wire.
    pub fn field(&self, keys: &[&str]) -> Option<&Json> {
        keys.iter()
            .filter_map(|key| self.get(key))
            .find(|v| **v != Json::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items of an array; nothing for any other value.
    pub fn items(&self) -> &[Json] {
        match self {
            Json::Array(items) => items,
            _ => &[],
        }
    }

    /// A string, a number as written or a boolean as text; `None` for anything else.
    pub fn to_text(&self) -> Option<String> {
        match self {
            Json::String(s) | Json::Number(s) => Some(s.clone()),
            Json::Bool(b) => Some(if *b { "true" } else { "false" }.to_owned()),
            _ => None,
        }
    }

    /// Compact JSON text.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => out.push_str(n),
            Json::String(s) => quote(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    quote(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl std::fmt::Display for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        self.write(&mut out);
        f.write_str(&out)
    }
}

/// Builds an object from `(key, value)` pairs: `object([("a", Json::from("x"))])`.
pub fn object<const N: usize>(fields: [(&str, Json); N]) -> Json {
    Json::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::String(s.to_owned())
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

/// Appends `s` as a JSON string literal.
pub fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, word: &[u8]) -> bool {
        let found = self.bytes[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => self.number(),
            _ if self.eat(b"null") => Some(Json::Null),
            _ if self.eat(b"true") => Some(Json::Bool(true)),
            _ if self.eat(b"false") => Some(Json::Bool(false)),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        self.at += 1;
        let mut fields = Vec::new();
        self.skip_space();
        if self.eat(b"}") {
            return Some(Json::Object(fields));
        }
        loop {
            self.skip_space();
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.skip_space();
            if !self.eat(b":") {
                return None;
            }
            fields.push((key, self.value(depth + 1)?));
            self.skip_space();
            if self.eat(b"}") {
                return Some(Json::Object(fields));
            }
            if !self.eat(b",") {
                return None;
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.eat(b"]") {
            return Some(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            if self.eat(b"]") {
                return Some(Json::Array(items));
            }
            if !self.eat(b",") {
                return None;
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        self.eat(b"-");
        let first = self.peek()?;
        let whole = self.digits();
        if whole == 0 || (first == b'0' && whole > 1) {
            return None;
        }
        if self.eat(b".") && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        // Only ASCII was consumed, so this slice is valid UTF-8.
        let text = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        Some(Json::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Option<u32> {
        let hex = self.bytes.get(self.at..self.at + 4)?;
        self.at += 4;
        hex.iter()
            .try_fold(0, |n, &b| Some(n * 16 + (b as char).to_digit(16)?))
    }

    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once.
            let start = self.at;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.at += 1;
            }
            out.push_str(std::str::from_utf8(&self.bytes[start..self.at]).ok()?);
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escape = self.peek()?;
                    self.at += 1;
                    out.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return None,
                    });
                }
                // A raw control character inside a string is not JSON.
                _ => return None,
            }
        }
    }

    /// After `\u`: one code point, joining a surrogate pair. A lone surrogate becomes U+FFFD,
    /// as browsers' `JSON.parse` keeps it and Rust strings cannot.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.at..].starts_with(b"\\u") {
            let save = self.at;
            self.at += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return char::from_u32(code);
            }
            self.at = save;
        }
        Some(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_kind_of_value() {
        let v = Json::parse(
            r#" {"s": "a\"b\\c\/\n\u00e9\ud83d\ude00", "n": -12.5e+3, "t": true, "f": false,
                 "z": null, "a": [1, [], {}], "big": 12345678901234567890} "#,
        )
        .unwrap();
        assert_eq!(v.get("s").and_then(Json::as_str), Some("a\"b\\c/\né😀"));
        assert_eq!(
            v.get("n").and_then(Json::to_text).as_deref(),
            Some("-12.5e+3")
        );
        assert_eq!(v.get("t"), Some(&Json::Bool(true)));
        assert_eq!(v.get("f").and_then(Json::to_text).as_deref(), Some("false"));
        assert_eq!(v.get("z"), Some(&Json::Null));
        assert_eq!(v.get("a").map(|a| a.items().len()), Some(3));
        assert_eq!(
            v.get("big").and_then(Json::to_text).as_deref(),
            Some("12345678901234567890")
        );
        assert_eq!(v.get("missing"), None);
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01",
            "1.",
            "-",
            "1e",
            "+1",
            ".5",
            "\"\\x\"",
            "\"a\nb\"",
            "nul",
            "[1] x",
            "{'a': 1}",
            "\"\\ud83d",
            "NaN",
        ] {
            assert_eq!(Json::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert_eq!(Json::parse(&deep), None);
        let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(Json::parse(&fine).is_some());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let v = Json::parse(r#""a\ud800b\udc00""#).unwrap();
        assert_eq!(v.as_str(), Some("a\u{FFFD}b\u{FFFD}"));
    }

    #[test]
    fn field_takes_the_first_spelling_present() {
        let v = Json::parse(r#"{"conversation_id": "b", "conversationId": null}"#).unwrap();
        let id = v.field(&["conversationId", "conversation_id"]);
        assert_eq!(id.and_then(Json::as_str), Some("b"));
    }

    #[test]
    fn writes_what_it_reads() {
        let text = r#"{"a":[1,-2.5e3,"x\"y\\z\n\t\u0001é"],"b":{"c":null,"d":true}}"#;
        let v = Json::parse(text).unwrap();
        assert_eq!(v.to_string(), text);
        let body = object([("webChat", Json::from("w")), ("isStreaming", true.into())]);
        assert_eq!(body.to_string(), r#"{"webChat":"w","isStreaming":true}"#);
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_serde_json_on_random_documents() {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| n.into()),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| f.into()),
            any::<String>().prop_map(serde_json::Value::String),
        ];
        let tree = leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        proptest!(|(value in tree, pretty in any::<bool>())| {
            let text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let ours = Json::parse(&text).expect("valid JSON must parse");
            // Written back compactly, it is exactly what serde_json writes for the same value.
            prop_assert_eq!(ours.to_string(), serde_json::to_string(&value).unwrap());
        });
    }
}
