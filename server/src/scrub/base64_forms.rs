//! The key's base64, in the standard and the URL alphabet: the parts of it that are the same
//! at any alignment inside a longer base64 text.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, NO_PAD};
use base64::Engine;

use super::matcher::Pattern;

/// Base64 fragments shorter than this are not looked for: too likely to occur by chance.
const MIN_BASE64_CORE: usize = 16;

/// Adds the key's base64 forms to `patterns`, written escaped or wrapped across lines; a form
/// too short, or one a pattern already looks for, is left out.
pub(super) fn push(patterns: &mut Vec<Pattern>, key: &[u8]) {
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
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    use base64::Engine;

    use crate::scrub::testing::{scrubbed, KEY};
    use crate::scrub::Scrubber;

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
}
