//! One form of the key, and whether it starts at a place in a text: unit by unit, each
//! written as is or escaped, with line breaks between them where the form may be wrapped.

use super::escapes::{escaped, Unit, MAX_ESCAPE};
use super::REDACTED;

/// The most spaces or tabs after a line break inside wrapped base64 or hex.
const MAX_INDENT: usize = 8;

/// The longest break between two units: an escaped `\r\n` and the indent.
const MAX_BREAK: usize = 4 + MAX_INDENT;

/// One form of the key to look for.
#[derive(Clone, Debug)]
pub(super) struct Pattern {
    pub(super) units: Vec<u8>,
    /// Each unit may also be written escaped.
    pub(super) escapes: bool,
    /// A line break (with an indent) or spaces may stand between two units.
    pub(super) wraps: bool,
    /// Units are hex digits, read in either case.
    pub(super) caseless: bool,
    /// What replaces a match written without escapes (UTF-16 for UTF-16, so the rest of
    /// such a text stays aligned); a match with escapes gets [`REDACTED`].
    pub(super) replacement: Vec<u8>,
}

impl Pattern {
    pub(super) fn new(units: Vec<u8>) -> Pattern {
        Pattern {
            units,
            escapes: false,
            wraps: false,
            caseless: false,
            replacement: REDACTED.to_vec(),
        }
    }

    /// The most bytes a match of this pattern can span.
    pub(super) fn max_span(&self) -> usize {
        let unit = if self.escapes { MAX_ESCAPE } else { 1 };
        let gap = if self.wraps { MAX_BREAK } else { 0 };
        self.units.len() * (unit + gap)
    }
}

pub(super) enum Match {
    Full(usize),
    /// The text ends before it could tell.
    Partial,
    None,
}

/// Whether `pattern` starts at `text[at]`. `last`: the text ends there for good (so an escape
/// that may go on, `&#45` without `;`, ends with it).
pub(super) fn match_at(pattern: &Pattern, text: &[u8], at: usize, last: bool) -> Match {
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

#[cfg(test)]
mod tests {
    use crate::scrub::testing::scrubbed;

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
}
