//! Reading one escaped character: JSON and JavaScript escapes, a backslash before
//! punctuation, percent-encoding, and HTML's numeric and named character references.

use super::html_names::named;

/// The most digits a numeric escape (`&#x…;`, `\u{…}`) may have, leading zeros included.
const MAX_DIGITS: usize = 8;

/// The longest form one byte of a pattern takes: `&DiacriticalGrave;`.
pub(super) const MAX_ESCAPE: usize = 18;

/// How one unit (or, for `&fjlig;`, two) of a pattern is written at a place in the text.
pub(super) enum Unit {
    /// Bytes taken and units matched.
    Is(usize, usize),
    Partial,
    Not,
}

/// Whether the escape at `text[at]` (which starts with `\`, `%` or `&`) writes `want[0]`.
pub(super) fn escaped(text: &[u8], at: usize, want: &[u8], last: bool) -> Unit {
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

#[cfg(test)]
mod tests {
    use crate::scrub::testing::{scrubbed, scrubbed_with, KEY};
    use crate::scrub::{Scrubber, REDACTED};

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
