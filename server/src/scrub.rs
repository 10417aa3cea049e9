//! Finds the API key in text relayed to the browser or logged, and replaces it, in the forms an
//! upstream could echo it in:
//!
//! - as is, and each of its bytes in any mix of the escapes a text format writes a character
//!   as: JSON and JavaScript (`\u002d`, `\u{2d}`, `\x2d`, `\/`), a backslash before
//!   punctuation (markdown: the Maax adapter writes `_` as `\_`), percent-encoding (`%2D`),
//!   and HTML character references, numeric (`&#x2D;`, `&#45;`, with or without `;`) and
//!   named (`&lowbar;`, `&amp;`, … every name HTML defines for an ASCII character);
//! - hex of it, in either case, also in pairs split by spaces or across lines;
//! - UTF-16 of it, little- or big-endian bytes, raw (replaced by UTF-16 of the placeholder, so
//!   the rest of such a text stays readable) or with bytes escaped as above (`s\u0000k\u0000`);
//! - base64 of it (standard or URL alphabet, at any alignment inside a longer base64 text),
//!   also wrapped across lines (MIME's CRLF, PEM's LF, either escaped as JSON writes them,
//!   with an indent) and with its characters escaped as above (`%2B`, `\/`).
//!
//! Not caught, and why:
//!
//! - anything that takes more than one such layer to read (base64 of the hex or of the UTF-16,
//!   a percent-encoded JSON string), or that is not an encoding at all (encrypted, hashed,
//!   compressed, reversed): each layer multiplies the forms every position of every text is
//!   tried against, and the combinations never end. Compressed bodies are refused before they
//!   are relayed (see `upstream`);
//! - part of the key (a prefix, or the last four characters an error shows as a hint): a
//!   fragment is not the secret, and looking for short fragments would redact ordinary text.
//!   For the same reason base64 of a key shorter than about 12 bytes is not looked for;
//! - the key split by anything but the line breaks and indents above: markup between its
//!   characters, zero-width characters, `:` between hex pairs, a quoted-printable soft break;
//!   a byte array written as numbers (`[115,107,…]`);
//! - escapes longer than the bounds below: a numeric character reference with more than
//!   8 digits (leading zeros), an indent of more than 8 spaces or tabs after a line break.
//!   What a match may span must be bounded, since a stream holds back a tail that could
//!   start one;
//! - a key containing a backslash is read with a backslash before it as JSON's `\\`, never as
//!   a backslash followed by an escaped character.
//!
//! A stream is scrubbed chunk by chunk: the tail of a chunk that could be the start of the key
//! is held back until the next chunk shows whether it is, so a key split across chunks is
//! caught too, while a frame that cannot be the key's start (an SSE frame's closing blank
//! line) goes out at once.
//!
//! Cost: every position is tried against a fixed, small set of patterns, each unit of which
//! takes at most a bounded number of bytes in any form, without backtracking; only a tail
//! shorter than the longest match is ever looked at twice. So time is linear in the text and
//! memory bounded by the patterns' length.

use std::borrow::Cow;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use base64::Engine;

/// What replaces the key.
pub const REDACTED: &[u8] = b"[redacted]";

/// Base64 fragments shorter than this are not looked for: too likely to occur by chance.
const MIN_BASE64_CORE: usize = 16;

/// The most digits a numeric escape (`&#x…;`, `\u{…}`) may have, leading zeros included.
const MAX_DIGITS: usize = 8;

/// The longest form one byte of a pattern takes: `&DiacriticalGrave;`.
const MAX_ESCAPE: usize = 18;

/// The most spaces or tabs after a line break inside wrapped base64 or hex.
const MAX_INDENT: usize = 8;

/// The longest break between two units: an escaped `\r\n` and the indent.
const MAX_BREAK: usize = 4 + MAX_INDENT;

/// HTML's named character references for ASCII characters, as the WHATWG list has them. The
/// names without `;` are the legacy ones browsers also read bare.
const NAMED: &[(u8, &[&str])] = &[
    (b'!', &["excl;"]),
    (b'"', &["quot;", "QUOT;", "quot", "QUOT"]),
    (b'#', &["num;"]),
    (b'$', &["dollar;"]),
    (b'%', &["percnt;"]),
    (b'&', &["amp;", "AMP;", "amp", "AMP"]),
    (b'\'', &["apos;"]),
    (b'(', &["lpar;"]),
    (b')', &["rpar;"]),
    (b'*', &["ast;", "midast;"]),
    (b'+', &["plus;"]),
    (b',', &["comma;"]),
    (b'.', &["period;"]),
    (b'/', &["sol;"]),
    (b':', &["colon;"]),
    (b';', &["semi;"]),
    (b'<', &["lt;", "LT;", "lt", "LT"]),
    (b'=', &["equals;"]),
    (b'>', &["gt;", "GT;", "gt", "GT"]),
    (b'?', &["quest;"]),
    (b'@', &["commat;"]),
    (b'[', &["lsqb;", "lbrack;"]),
    (b'\\', &["bsol;"]),
    (b']', &["rsqb;", "rbrack;"]),
    (b'^', &["Hat;"]),
    (b'_', &["lowbar;", "UnderBar;"]),
    (b'`', &["grave;", "DiacriticalGrave;"]),
    (b'{', &["lcub;", "lbrace;"]),
    (b'|', &["verbar;", "vert;", "VerticalLine;"]),
    (b'}', &["rcub;", "rbrace;"]),
];

/// One form of the key to look for.
#[derive(Clone, Debug)]
struct Pattern {
    units: Vec<u8>,
    /// Each unit may also be written escaped.
    escapes: bool,
    /// A line break (with an indent) or spaces may stand between two units.
    wraps: bool,
    /// Units are hex digits, read in either case.
    caseless: bool,
    /// What replaces a match written without escapes (UTF-16 for UTF-16, so the rest of
    /// such a text stays aligned); a match with escapes gets [`REDACTED`].
    replacement: Vec<u8>,
}

impl Pattern {
    fn new(units: Vec<u8>) -> Pattern {
        Pattern {
            units,
            escapes: false,
            wraps: false,
            caseless: false,
            replacement: REDACTED.to_vec(),
        }
    }

    /// The most bytes a match of this pattern can span.
    fn max_span(&self) -> usize {
        let unit = if self.escapes { MAX_ESCAPE } else { 1 };
        let gap = if self.wraps { MAX_BREAK } else { 0 };
        self.units.len() * (unit + gap)
    }
}

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

enum Match {
    Full(usize),
    /// The text ends before it could tell.
    Partial,
    None,
}

/// How one unit (or, for `&fjlig;`, two) of a pattern is written at a place in the text.
enum Unit {
    /// Bytes taken and units matched.
    Is(usize, usize),
    Partial,
    Not,
}

impl Scrubber {
    pub fn new(key: &str) -> Scrubber {
        let key = key.as_bytes();
        let mut patterns = vec![Pattern {
            escapes: true,
            ..Pattern::new(key.to_vec())
        }];
        for engine in [
            GeneralPurpose::new(&alphabet::STANDARD, NO_PAD),
            GeneralPurpose::new(&alphabet::URL_SAFE, NO_PAD),
        ] {
            for core in base64_cores(&engine, key) {
                if core.len() >= MIN_BASE64_CORE && !patterns.iter().any(|p| p.units == core) {
                    patterns.push(Pattern {
                        escapes: true,
                        wraps: true,
                        ..Pattern::new(core)
                    });
                }
            }
        }
        let hex: Vec<u8> = key
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect();
        patterns.push(Pattern {
            wraps: true,
            caseless: true,
            ..Pattern::new(hex)
        });
        // UTF-16 bytes, raw or with the zero bytes escaped (`s\u0000k\u0000`, what JSON makes
        // of them read as Latin-1).
        let le = |text: &[u8]| text.iter().flat_map(|&b| [b, 0]).collect::<Vec<u8>>();
        let be = |text: &[u8]| text.iter().flat_map(|&b| [0, b]).collect::<Vec<u8>>();
        for (units, replacement) in [(le(key), le(REDACTED)), (be(key), be(REDACTED))] {
            patterns.push(Pattern {
                escapes: true,
                replacement,
                ..Pattern::new(units)
            });
        }
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

/// Whether `pattern` starts at `text[at]`. `last`: the text ends there for good (so an escape
/// that may go on, `&#45` without `;`, ends with it).
fn match_at(pattern: &Pattern, text: &[u8], at: usize, last: bool) -> Match {
    let units = &pattern.units;
    let mut i = at;
    let mut u = 0;
    while u < units.len() {
        if u > 0 && pattern.wraps {
            match line_break(text, i) {
                Some(len) => i += len,
                None => return Match::Partial,
            }
        }
        let Some(&got) = text.get(i) else {
            return Match::Partial;
        };
        let want = units[u];
        let same = if pattern.caseless {
            got.eq_ignore_ascii_case(&want)
        } else {
            got == want
        };
        // An escape's first byte may also be the unit itself: `&amp;` is one `&`, not `&`
        // followed by `amp;`. So those bytes are read as escapes first.
        let introducer = matches!(got, b'\\' | b'%' | b'&');
        if same && !(pattern.escapes && introducer) {
            i += 1;
            u += 1;
            continue;
        }
        if !(pattern.escapes && introducer) {
            return Match::None;
        }
        match escaped(text, i, &units[u..], last) {
            Unit::Is(len, n) => {
                i += len;
                u += n;
            }
            Unit::Partial => return Match::Partial,
            Unit::Not if same => {
                i += 1;
                u += 1;
            }
            Unit::Not => return Match::None,
        }
    }
    Match::Full(i - at)
}

/// The length of the break at `text[at]` between two units of wrapped text, 0 for none:
/// a line break as is (CRLF, LF, CR) or JSON-escaped (`\r\n`, `\n`, `\r`), then up to
/// [`MAX_INDENT`] spaces or tabs. `None`: the text ends before it could tell.
fn line_break(text: &[u8], at: usize) -> Option<usize> {
    let mut i = at;
    let byte = |i: usize| text.get(i).copied();
    match byte(i)? {
        b'\r' => {
            i += 1;
            if byte(i)? == b'\n' {
                i += 1;
            }
        }
        b'\n' => i += 1,
        b'\\' => match byte(i + 1)? {
            b'r' => {
                i += 2;
                if byte(i)? == b'\\' && byte(i + 1)? == b'n' {
                    i += 2;
                }
            }
            b'n' => i += 2,
            _ => {}
        },
        _ => {}
    }
    for _ in 0..MAX_INDENT {
        match byte(i)? {
            b' ' | b'\t' => i += 1,
            _ => break,
        }
    }
    Some(i - at)
}

/// Whether the escape at `text[at]` (which starts with `\`, `%` or `&`) writes `want[0]`.
fn escaped(text: &[u8], at: usize, want: &[u8], last: bool) -> Unit {
    let first = want[0];
    let one = |len: usize, value: Option<u32>| {
        if value == Some(u32::from(first)) {
            Unit::Is(len, 1)
        } else {
            Unit::Not
        }
    };
    let Some(&kind) = text.get(at + 1) else {
        return Unit::Partial;
    };
    match (text[at], kind) {
        (b'\\', b'u') if text.get(at + 2) == Some(&b'{') => match digits(text, at + 3, 16, false) {
            Digits::Partial => Unit::Partial,
            Digits::Not => Unit::Not,
            Digits::Value(value, end) => match text.get(end) {
                None => Unit::Partial,
                Some(b'}') => one(end + 1 - at, Some(value)),
                Some(_) => Unit::Not,
            },
        },
        (b'\\', b'u') => fixed_hex(text, at + 2, 4).map_or(Unit::Partial, |v| one(6, v)),
        (b'\\', b'x') => fixed_hex(text, at + 2, 2).map_or(Unit::Partial, |v| one(4, v)),
        // A backslash before punctuation is the punctuation, in JSON (`\/`, `\"`, `\\`), in
        // JavaScript and in markdown (`\_`).
        (b'\\', c) if c.is_ascii_punctuation() => one(2, Some(u32::from(c))),
        (b'%', _) => fixed_hex(text, at + 1, 2).map_or(Unit::Partial, |v| one(3, v)),
        (b'&', b'#') => {
            let (radix, from) = match text.get(at + 2) {
                None => return Unit::Partial,
                Some(b'x' | b'X') => (16, at + 3),
                Some(_) => (10, at + 2),
            };
            match digits(text, from, radix, last) {
                Digits::Partial => Unit::Partial,
                Digits::Not => Unit::Not,
                Digits::Value(value, end) => match text.get(end) {
                    Some(b';') => one(end + 1 - at, Some(value)),
                    // Browsers read a reference without its `;` too.
                    _ => one(end - at, Some(value)),
                },
            }
        }
        (b'&', _) => named(text, at + 1, want, last),
        _ => Unit::Not,
    }
}

/// `count` hex digits at `text[at]`: `None` if the text ends first, `Some(None)` if they are
/// not hex digits.
fn fixed_hex(text: &[u8], at: usize, count: usize) -> Option<Option<u32>> {
    let hex = text.get(at..at + count)?;
    Some(
        std::str::from_utf8(hex)
            .ok()
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u32::from_str_radix(h, 16).ok()),
    )
}

enum Digits {
    /// The value and where the digits end.
    Value(u32, usize),
    Partial,
    Not,
}

/// The digits at `text[at]`, one to [`MAX_DIGITS`] of them. `last`: the text ends for good,
/// so digits reaching its end are complete.
fn digits(text: &[u8], at: usize, radix: u32, last: bool) -> Digits {
    let mut value: u32 = 0;
    let mut i = at;
    loop {
        let Some(&b) = text.get(i) else {
            if !last {
                return Digits::Partial;
            }
            break;
        };
        let Some(d) = char::from(b).to_digit(radix) else {
            break;
        };
        if i - at == MAX_DIGITS {
            return Digits::Not;
        }
        value = value * radix + d;
        i += 1;
    }
    if i == at {
        Digits::Not
    } else {
        Digits::Value(value, i)
    }
}

/// Whether a named character reference at `text[at]` (just past the `&`) writes `want[0]`,
/// or `fj` for `&fjlig;`.
fn named(text: &[u8], at: usize, want: &[u8], last: bool) -> Unit {
    let rest = text.get(at..).unwrap_or_default();
    let fj = want.starts_with(b"fj").then_some(("fjlig;", 2));
    let names = NAMED
        .iter()
        .filter(|(c, _)| *c == want[0])
        .flat_map(|(_, names)| names.iter().map(|n| (*n, 1)));
    // The table lists `amp;` before the bare `amp`: a text ending in `&amp` may yet get its
    // `;`, so it is undecided rather than read bare.
    let mut partial = false;
    for (name, units) in fj.into_iter().chain(names) {
        let name = name.as_bytes();
        if rest.starts_with(name) {
            return if partial && !last {
                Unit::Partial
            } else {
                Unit::Is(1 + name.len(), units)
            };
        }
        if rest.len() < name.len() && name.starts_with(rest) {
            partial = true;
        }
    }
    if partial && !last {
        Unit::Partial
    } else {
        Unit::Not
    }
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
        for unit in [
            "\\u00",
            "&#x0000",
            "&#00",
            "&am",
            "\\u{00",
            "%7",
            "7\r\n    ",
        ] {
            let text = unit.repeat(200_000);
            assert_eq!(scrubbed(&text).len(), text.len(), "{unit:?}");
        }
    }

    fn scrubbed_with(key: &str, text: &[u8]) -> Vec<u8> {
        Scrubber::new(key).scrub(text).into_owned()
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
    fn hex_of_the_key_is_replaced_in_either_case_and_split() {
        let lower: String = format!("Api-Key {KEY}")
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        let upper = lower.to_uppercase();
        let mixed: String = lower
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 3 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        let spaced: String = KEY.bytes().map(|b| format!("{b:02x} ")).collect();
        let wrapped: String = lower
            .as_bytes()
            .chunks(32)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        for text in [&lower, &upper, &mixed, &spaced, &wrapped] {
            let out = scrubbed(&format!("x {text} y"));
            assert!(out.contains("[redacted]"), "{text}: {out}");
            assert!(!Scrubber::new(KEY).finds(out.as_bytes()), "{out}");
        }
        // Hex that is not the key stays.
        assert_eq!(scrubbed("736b2d7465737400"), "736b2d7465737400");
    }

    #[test]
    fn html_character_references_are_replaced() {
        let hex: String = KEY.bytes().map(|b| format!("&#x{b:x};")).collect();
        let upper_x: String = KEY.bytes().map(|b| format!("&#X{b:04X};")).collect();
        let decimal: String = KEY.bytes().map(|b| format!("&#{b};")).collect();
        // Browsers read references without their `;` too.
        let bare: String = KEY.bytes().map(|b| format!("&#{b}")).collect();
        for text in [&hex, &upper_x, &decimal, &bare] {
            assert_eq!(
                scrubbed(&format!("<p>{text}</p>")),
                "<p>[redacted]</p>",
                "{text}"
            );
        }
        // One character here and there, as an HTML encoder that escapes only some does.
        let some = KEY.replace('-', "&#45;").replacen('7', "&#x37;", 1);
        assert_eq!(scrubbed(&some), "[redacted]");
        // Named references for the punctuation a key may hold, `&fjlig;` for `fj`.
        let key = "ak_live/x+y=z&q.fj";
        let named = "ak&lowbar;live&sol;x&plus;y&equals;z&amp;q&period;&fjlig;";
        assert_eq!(scrubbed_with(key, named.as_bytes()), REDACTED);
        let legacy = "ak&UnderBar;live&sol;x&plus;y&equals;z&ampq&period;fj";
        assert_eq!(scrubbed_with(key, legacy.as_bytes()), REDACTED);
        // A reference to another character is not the key.
        let other = KEY.replace('-', "&#46;");
        assert_eq!(scrubbed(&other), other);
        // Digits past the bound are not read (documented): a match must have a bounded span.
        let padded = KEY.replace('-', "&#x000000002d;");
        assert_eq!(scrubbed(&padded), padded);
    }

    #[test]
    fn other_escapes_of_single_characters_are_replaced() {
        let js: String = KEY.bytes().map(|b| format!("\\u{{{b:x}}}")).collect();
        let x: String = KEY.bytes().map(|b| format!("\\x{b:02x}")).collect();
        let percent: String = KEY.bytes().map(|b| format!("%{b:02X}")).collect();
        for text in [&js, &x, &percent] {
            assert_eq!(scrubbed(text), "[redacted]", "{text}");
        }
        // Markdown escapes punctuation with a backslash (the Maax adapter's HTML rewriting
        // writes `_` as `\_`).
        let key = "sk_live_abc*def";
        assert_eq!(
            scrubbed_with(key, b"key: sk\\_live\\_abc\\*def."),
            b"key: [redacted]."
        );
    }

    #[test]
    fn utf16_of_the_key_is_replaced_in_its_own_encoding() {
        let le: Vec<u8> = format!("<{KEY}>").bytes().flat_map(|b| [b, 0]).collect();
        let out = scrubbed_with(KEY, &le);
        let units: Vec<u16> = out
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "<[redacted]>");
        let be: Vec<u8> = format!("<{KEY}>").bytes().flat_map(|b| [0, b]).collect();
        let out = scrubbed_with(KEY, &be);
        let units: Vec<u16> = out
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), "<[redacted]>");
        // The same bytes in a JSON string, the zeros escaped; and `\u0073` escapes (UTF-16
        // code units) of the key itself.
        let json: String = KEY.chars().map(|c| format!("{c}\\u0000")).collect();
        assert_eq!(scrubbed(&format!("\"{json}\"")), "\"[redacted]\"");
        let units: String = KEY.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
        assert_eq!(scrubbed(&units), "[redacted]");
    }

    #[test]
    fn base64_wrapped_across_lines_is_replaced() {
        for prefix in ["", "x", "Api-Key "] {
            let encoded = STANDARD.encode(format!("{prefix}{KEY}"));
            let lines = |width: usize, sep: &str| {
                encoded
                    .as_bytes()
                    .chunks(width)
                    .map(|l| std::str::from_utf8(l).unwrap())
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            for text in [
                lines(4, "\r\n"),
                lines(7, "\n"),
                lines(16, "\\r\\n"),
                lines(16, "\\n"),
                lines(10, "\n    "),
                lines(10, " "),
                // Standard base64 in a URL, its `+` and `/` percent-encoded.
                encoded.replace('+', "%2B").replace('/', "%2F"),
            ] {
                let out = scrubbed(&text);
                assert!(out.contains("[redacted]"), "{prefix:?} {text:?}: {out:?}");
            }
        }
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

    #[test]
    fn a_reference_at_the_very_end_of_a_text_is_read() {
        // No `;` and nothing after it: the end of the whole text ends the reference.
        let bare: String = KEY.bytes().map(|b| format!("&#{b}")).collect();
        assert_eq!(scrubbed(&bare), "[redacted]");
        let mut s = Scrubber::new(KEY).stream();
        let mut out = s.push(bare.as_bytes());
        assert!(out.is_empty(), "held: another digit may follow");
        out.extend(s.finish());
        assert_eq!(out, REDACTED);
    }
}
