//! The names HTML gives ASCII characters in character references (`&lowbar;`, `&amp;`), and
//! reading one such reference in a text.

use super::escapes::Unit;

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

/// Whether a named character reference at `text[at]` (just past the `&`) writes `want[0]`,
/// or `fj` for `&fjlig;`.
pub(super) fn named(text: &[u8], at: usize, want: &[u8], last: bool) -> Unit {
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

#[cfg(test)]
mod tests {
    use crate::scrub::testing::{scrubbed, scrubbed_with, KEY};
    use crate::scrub::REDACTED;

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
}
