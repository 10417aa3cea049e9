//! The scrubber's entry points: a key's forms gathered, a text copied with every match
//! replaced, and a stream scrubbed chunk by chunk.

use std::borrow::Cow;

use super::matcher::{match_at, Match, Pattern};
use super::{base64_forms, hex_utf16_forms};

/// What replaces the key.
pub const REDACTED: &[u8] = b"[redacted]";

/// The forms of one key to look for.
#[derive(Clone, Debug)]
pub struct Scrubber {
    patterns: Vec<Pattern>,
    /// The bytes a match can start with: every other position is passed over at once, which
    /// is most of a text.
    starts: [bool; 256],
    /// The most bytes a match can span.
    max_span: usize,
}

impl Scrubber {
    pub fn new(key: &str) -> Scrubber {
        let key = key.as_bytes();
        let mut patterns = vec![Pattern {
            escapes: true,
            ..Pattern::new(key.to_vec())
        }];
        base64_forms::push(&mut patterns, key);
        hex_utf16_forms::push_hex(&mut patterns, key);
        hex_utf16_forms::push_utf16(&mut patterns, key);
        // An empty pattern would match everywhere without moving on (an empty key: `Secret`
        // refuses it).
        patterns.retain(|p| !p.units.is_empty());
        let max_span = patterns.iter().map(Pattern::max_span).max().unwrap_or(0);
        let mut starts = [false; 256];
        for p in &patterns {
            let first = p.units[0];
            starts[usize::from(first)] = true;
            if p.caseless {
                starts[usize::from(first.to_ascii_uppercase())] = true;
                starts[usize::from(first.to_ascii_lowercase())] = true;
            }
            if p.escapes {
                for b in [b'\\', b'%', b'&'] {
                    starts[usize::from(b)] = true;
                }
            }
        }
        Scrubber {
            patterns,
            starts,
            max_span,
        }
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
            if !self.starts[usize::from(text[at])] {
                at += 1;
                continue;
            }
            let mut undecided = false;
            for p in &self.patterns {
                match match_at(p, text, at, last) {
                    Match::Full(len) => {
                        out.extend_from_slice(&text[copied..at]);
                        // Every escape is longer than the byte it writes.
                        let raw = len == p.units.len();
                        out.extend_from_slice(if raw { &p.replacement } else { REDACTED });
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

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use super::*;
    use crate::scrub::testing::{scrubbed, KEY};

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

    /// `text` scrubbed as a stream cut at every place, each result.
    fn streamed_at_every_cut(text: &[u8]) -> Vec<Vec<u8>> {
        (1..text.len())
            .map(|cut| {
                let mut s = Scrubber::new(KEY).stream();
                let mut out = s.push(&text[..cut]);
                out.extend(s.push(&text[cut..]));
                out.extend(s.finish());
                out
            })
            .collect()
    }

    #[test]
    fn streams_catch_every_new_form_split_anywhere() {
        let b64 = STANDARD.encode(KEY);
        let wrapped = format!("{}\r\n{}", &b64[..20], &b64[20..]);
        let forms = [
            KEY.bytes().map(|b| format!("{b:02x}")).collect::<String>(),
            KEY.bytes().map(|b| format!("&#{b}")).collect(),
            KEY.bytes().map(|b| format!("&#x{b:x};")).collect(),
            KEY.bytes().map(|b| format!("%{b:02x}")).collect(),
            wrapped,
        ];
        for form in forms {
            let text = format!("data: {{\"content\":\"{form}\"}}\n\n");
            // Whole, then cut anywhere: the same (base64 keeps the characters that hold bits of
            // what follows the key).
            let whole = scrubbed(&text);
            assert!(
                whole.starts_with("data: {\"content\":\"[redacted]"),
                "{whole}"
            );
            for (cut, out) in streamed_at_every_cut(text.as_bytes())
                .into_iter()
                .enumerate()
            {
                assert_eq!(String::from_utf8(out).unwrap(), whole, "cut at {}", cut + 1);
            }
        }
        let le: Vec<u8> = KEY.bytes().flat_map(|b| [b, 0]).collect();
        for out in streamed_at_every_cut(&le) {
            assert_eq!(
                out,
                REDACTED.iter().flat_map(|&b| [b, 0]).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn an_empty_key_matches_nothing() {
        assert!(matches!(Scrubber::new("").scrub(b"abc"), Cow::Borrowed(_)));
    }
}
