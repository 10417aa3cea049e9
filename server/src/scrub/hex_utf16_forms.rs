//! The key's bytes as hex digits, and as UTF-16 code units in either byte order.

use super::matcher::Pattern;
use super::REDACTED;

/// Adds the key's hex to `patterns`: read in either case, also split by spaces or across lines.
pub(super) fn push_hex(patterns: &mut Vec<Pattern>, key: &[u8]) {
    let hex: Vec<u8> = key
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    patterns.push(Pattern {
        wraps: true,
        caseless: true,
        ..Pattern::new(hex)
    });
}

/// Adds the key's UTF-16 to `patterns`, little- and big-endian; replaced by the placeholder's
/// UTF-16 when written without escapes.
pub(super) fn push_utf16(patterns: &mut Vec<Pattern>, key: &[u8]) {
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
}

#[cfg(test)]
mod tests {
    use crate::scrub::testing::{scrubbed, scrubbed_with, KEY};
    use crate::scrub::Scrubber;

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
}
