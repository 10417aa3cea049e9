//! Finds the API key in text relayed to the browser and replaces it, in the forms an upstream
//! could echo it in: as is, JSON-escaped character by character (`\u002d`, `\/`), and base64
//! of it (standard or URL alphabet, at any alignment inside a longer base64 text).
//!
//! A stream is scrubbed chunk by chunk: the tail of a chunk that could be the start of the key
//! is held back until the next chunk shows whether it is, so a key split across chunks is
//! caught too, while a frame that cannot be the key's start (an SSE frame's closing blank
//! line) goes out at once.
//!
//! Cost: every position is tried against a fixed, small set of patterns, and only a tail
//! shorter than the longest escaped pattern is ever looked at twice, so time is linear in the
//! text and memory bounded by the pattern length.

use std::borrow::Cow;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use base64::Engine;

/// What replaces the key.
pub const REDACTED: &[u8] = b"[redacted]";

/// Base64 fragments shorter than this are not looked for: too likely to occur by chance.
const MIN_BASE64_CORE: usize = 16;

/// The longest form one key byte takes (`\u002d`).
const MAX_ESCAPE: usize = 6;

/// The forms of one key to look for.
#[derive(Clone, Debug)]
pub struct Scrubber {
    patterns: Vec<Vec<u8>>,
    /// The most bytes a match can span.
    max_span: usize,
}

enum Match {
    Full(usize),
    /// The text ends before it could tell.
    Partial,
    None,
}

impl Scrubber {
    pub fn new(key: &str) -> Scrubber {
        let key = key.as_bytes();
        let mut patterns = vec![key.to_vec()];
        for engine in [
            GeneralPurpose::new(&alphabet::STANDARD, NO_PAD),
            GeneralPurpose::new(&alphabet::URL_SAFE, NO_PAD),
        ] {
            for core in base64_cores(&engine, key) {
                if core.len() >= MIN_BASE64_CORE && !patterns.contains(&core) {
                    patterns.push(core);
                }
            }
        }
        let max_span = patterns.iter().map(Vec::len).max().unwrap_or(0) * MAX_ESCAPE;
        Scrubber { patterns, max_span }
    }

    /// The most bytes a match can span (for callers that bound what they hold).
    pub fn max_span(&self) -> usize {
        self.max_span
    }

    /// Whether the text holds the key in any form.
    pub fn finds(&self, text: &[u8]) -> bool {
        matches!(self.scrub(text), Cow::Owned(_))
    }

    /// The whole text, scrubbed.
    pub fn scrub<'a>(&self, text: &'a [u8]) -> Cow<'a, [u8]> {
        let mut out = Vec::new();
        let (done, rest) = self.scan(text, true, &mut out);
        debug_assert!(rest.is_empty());
        if done {
            Cow::Owned(out)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// A scrubber for one stream.
    pub fn stream(&self) -> StreamScrub {
        StreamScrub {
            scrubber: self.clone(),
            held: Vec::new(),
        }
    }

    /// Copies `text` to `out` with matches replaced. Unless `last`, stops at a position that
    /// may start a match the text is too short to decide, and returns the rest. The flag says
    /// whether anything was replaced.
    fn scan<'a>(&self, text: &'a [u8], last: bool, out: &mut Vec<u8>) -> (bool, &'a [u8]) {
        let mut replaced = false;
        let mut at = 0;
        let mut copied = 0;
        'positions: while at < text.len() {
            let mut undecided = false;
            for p in &self.patterns {
                match match_at(p, text, at) {
                    Match::Full(len) => {
                        out.extend_from_slice(&text[copied..at]);
                        out.extend_from_slice(REDACTED);
                        replaced = true;
                        at += len;
                        copied = at;
                        continue 'positions;
                    }
                    Match::Partial => undecided = true,
                    Match::None => {}
                }
            }
            if undecided && !last {
                out.extend_from_slice(&text[copied..at]);
                return (replaced, &text[at..]);
            }
            at += 1;
        }
        out.extend_from_slice(&text[copied..]);
        (replaced, &[])
    }
}

/// A stream being scrubbed: feed it chunks, then call [`StreamScrub::finish`].
#[derive(Debug)]
pub struct StreamScrub {
    scrubber: Scrubber,
    held: Vec<u8>,
}

impl StreamScrub {
    /// What of the stream so far can go out now.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut text = std::mem::take(&mut self.held);
        text.extend_from_slice(chunk);
        let mut out = Vec::with_capacity(text.len());
        let (_, rest) = self.scrubber.scan(&text, false, &mut out);
        self.held = rest.to_vec();
        out
    }

    /// The rest, at the end of the stream.
    pub fn finish(&mut self) -> Vec<u8> {
        let text = std::mem::take(&mut self.held);
        let mut out = Vec::with_capacity(text.len());
        self.scrubber.scan(&text, true, &mut out);
        out
    }

    /// Bytes held back, waiting for the next chunk.
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

/// Whether `pattern` starts at `text[at]`, each of its bytes either as is or JSON-escaped.
fn match_at(pattern: &[u8], text: &[u8], at: usize) -> Match {
    let mut i = at;
    for &want in pattern {
        let Some(&got) = text.get(i) else {
            return Match::Partial;
        };
        if got == want {
            i += 1;
            continue;
        }
        if got != b'\\' {
            return Match::None;
        }
        let Some(&kind) = text.get(i + 1) else {
            return Match::Partial;
        };
        match kind {
            b'u' => {
                let Some(hex) = text.get(i + 2..i + 6) else {
                    return Match::Partial;
                };
                let code = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u16::from_str_radix(h, 16).ok());
                if code != Some(u16::from(want)) {
                    return Match::None;
                }
                i += 6;
            }
            b'/' | b'\\' | b'"' if kind == want => i += 2,
            _ => return Match::None,
        }
    }
    Match::Full(i - at)
}

/// The parts of `key`'s base64 that are the same wherever the key sits in a longer encoded
/// text: for each of the three alignments, the characters made only of the key's bits.
fn base64_cores(engine: &GeneralPurpose, key: &[u8]) -> Vec<Vec<u8>> {
    (0..3)
        .map(|lead: usize| {
            let mut bytes = vec![0u8; lead];
            bytes.extend_from_slice(key);
            let encoded = engine.encode(&bytes).into_bytes();
            // Characters holding any of the leading bytes' bits, and a last character that
            // would hold bits of whatever follows the key.
            let skip = (lead * 8).div_ceil(6);
            let keep = (bytes.len() * 8) / 6;
            encoded
                .get(skip..keep.max(skip))
                .unwrap_or_default()
                .to_vec()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    const KEY: &str = "sk-test-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4";

    fn scrubbed(text: &str) -> String {
        String::from_utf8(Scrubber::new(KEY).scrub(text.as_bytes()).into_owned()).unwrap()
    }

    #[test]
    fn plain_and_json_escaped_keys_are_replaced() {
        assert_eq!(scrubbed(&format!("a {KEY} b")), "a [redacted] b");
        let escaped = KEY.replace('-', "\\u002d");
        assert_eq!(scrubbed(&format!("\"{escaped}\"")), "\"[redacted]\"");
        let all: String = KEY
            .chars()
            .map(|c| format!("\\u{:04X}", c as u32))
            .collect();
        assert_eq!(scrubbed(&all), "[redacted]");
        assert_eq!(scrubbed("nothing here \\u0041"), "nothing here \\u0041");
    }

    #[test]
    fn base64_of_the_key_is_replaced_at_any_alignment() {
        for prefix in ["", "x", "xy", "Api-Key "] {
            for engine in [STANDARD, URL_SAFE] {
                let text = engine.encode(format!("{prefix}{KEY}"));
                assert!(!scrubbed(&text).contains(&text), "{prefix:?} {text}");
                assert!(Scrubber::new(KEY).finds(text.as_bytes()));
            }
        }
    }

    #[test]
    fn streams_catch_a_key_split_across_chunks() {
        let text = format!("data: {{\"content\":\"{KEY}\"}}\n\n");
        for cut in 1..text.len() {
            let mut s = Scrubber::new(KEY).stream();
            let mut out = s.push(&text.as_bytes()[..cut]);
            out.extend(s.push(&text.as_bytes()[cut..]));
            out.extend(s.finish());
            assert_eq!(
                String::from_utf8(out).unwrap(),
                "data: {\"content\":\"[redacted]\"}\n\n",
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn streams_hold_back_only_what_could_start_the_key() {
        let mut s = Scrubber::new(KEY).stream();
        assert_eq!(s.push(b"data: {\"a\":1}\n\n"), b"data: {\"a\":1}\n\n");
        assert_eq!(s.held(), 0);
        assert_eq!(s.push(b"x sk-te"), b"x ");
        assert_eq!(s.held(), 5);
        assert_eq!(s.push(b"a"), b"sk-tea");
        assert_eq!(s.held(), 0);
        assert!(s.finish().is_empty());
    }

    #[test]
    fn hostile_text_costs_linear_time() {
        // Every position looks like the start of an escape, none completes one.
        let text = "\\u00".repeat(200_000);
        assert_eq!(scrubbed(&text).len(), text.len());
    }
}
