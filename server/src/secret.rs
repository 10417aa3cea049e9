//! The upstream API key, kept out of logs, errors and responses.
//!
//! [`Secret`] has no `Display`, and its `Debug` prints a placeholder, so a stray `{:?}` in a
//! log line cannot leak it. Header values made from it are marked sensitive, which keeps
//! hyper's and reqwest's own debug output from printing them.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::http::HeaderValue;

use crate::scrub::{Scrubber, StreamScrub};

/// An API key, with the scrubber that finds it in relayed text.
#[derive(Clone)]
pub struct Secret(Arc<str>, Arc<Scrubber>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Secret {
    /// A key as given; surrounding whitespace (a file's final newline) is dropped. Empty keys
    /// and keys that cannot travel in an HTTP header are refused; the error never quotes them.
    pub fn new(raw: &str) -> Result<Secret, String> {
        let key = raw.trim();
        if key.is_empty() {
            return Err("the API key is empty".into());
        }
        if !key.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
            return Err("the API key contains characters a header cannot carry".into());
        }
        Ok(Secret(Arc::from(key), Arc::new(Scrubber::new(key))))
    }

    /// Reads the key from `file` if given, else from the environment variable `var`.
    pub fn load(var: &str, file: Option<&Path>) -> Result<Secret, String> {
        match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read the API key file {}: {e}", path.display()))?;
                Secret::new(&text).map_err(|e| format!("{e} (in {})", path.display()))
            }
            None => match std::env::var(var) {
                Ok(value) => Secret::new(&value).map_err(|e| format!("{e} (in ${var})")),
                Err(_) => Err(format!(
                    "no API key: set the {var} environment variable or --api-key-file"
                )),
            },
        }
    }

    /// The key itself, for building the upstream request and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A sensitive header value `<prefix><key>`, e.g. `Api-Key <key>`.
    pub fn header_value(&self, prefix: &str) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("{prefix}{}", self.expose()))
            .expect("checked in Secret::new");
        value.set_sensitive(true);
        value
    }

    /// `text` with every occurrence of the key replaced, in any of the forms
    /// [`Scrubber`] knows: a last line of defence for upstream text relayed to the browser (an
    /// upstream error could quote the request).
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.1.scrub(text.as_bytes()) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            // Replacing ASCII runs with ASCII keeps UTF-8 valid; the fallback never runs.
            Cow::Owned(bytes) => Cow::Owned(
                String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            ),
        }
    }

    /// Like [`Secret::scrub`] for raw bytes.
    pub fn scrub_bytes(&self, body: bytes::Bytes) -> bytes::Bytes {
        match self.1.scrub(&body) {
            Cow::Borrowed(_) => body,
            Cow::Owned(bytes) => bytes.into(),
        }
    }

    /// Scrubs every string (keys of objects too) inside a JSON value. Iterative, so a deeply
    /// nested value costs no stack.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        let mut todo: Vec<&mut Value> = vec![value];
        while let Some(v) = todo.pop() {
            match v {
                Value::String(s) => {
                    if let Cow::Owned(clean) = self.scrub(s) {
                        *s = clean;
                    }
                }
                Value::Array(items) => todo.extend(items.iter_mut()),
                Value::Object(map) => {
                    if map.keys().any(|k| self.1.finds(k.as_bytes())) {
                        let old = std::mem::take(map);
                        *map = old
                            .into_iter()
                            .map(|(k, v)| (self.scrub(&k).into_owned(), v))
                            .collect();
                    }
                    todo.extend(map.values_mut());
                }
                _ => {}
            }
        }
    }

    /// A scrubber for one relayed stream.
    pub fn stream_scrub(&self) -> StreamScrub {
        self.1.stream()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let s = Secret::new(" sk-very-secret\n").unwrap();
        assert_eq!(s.expose(), "sk-very-secret");
        assert!(!format!("{s:?}").contains("sk-very"));
        assert!(!format!("{:?}", s.header_value("Api-Key ")).contains("sk-very"));
        assert_eq!(
            s.header_value("Api-Key ").to_str().unwrap(),
            "Api-Key sk-very-secret"
        );
    }

    #[test]
    fn bad_keys_are_refused_without_quoting_them() {
        assert!(Secret::new("  ").is_err());
        let e = Secret::new("abc\u{7f}def").unwrap_err();
        assert!(!e.contains("abc"));
        let e = Secret::load("CHAT_BUBBLE_TEST_SURELY_UNSET_VAR", None).unwrap_err();
        assert!(e.contains("CHAT_BUBBLE_TEST_SURELY_UNSET_VAR"));
    }

    #[test]
    fn keys_load_from_files() {
        let path = std::env::temp_dir().join(format!("chat-bubble-key-{}", std::process::id()));
        std::fs::write(&path, "from-file-key\n").unwrap();
        let s = Secret::load("CHAT_BUBBLE_TEST_SURELY_UNSET_VAR", Some(&path)).unwrap();
        assert_eq!(s.expose(), "from-file-key");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn scrub_replaces_every_occurrence() {
        let s = Secret::new("k3y").unwrap();
        assert_eq!(s.scrub("a k3y b k3y"), "a [redacted] b [redacted]");
        assert!(matches!(s.scrub("clean"), Cow::Borrowed(_)));
        let b = s.scrub_bytes(bytes::Bytes::from_static(b"xk3yk3y\xff"));
        assert_eq!(&b[..], b"x[redacted][redacted]\xff");
    }
}
