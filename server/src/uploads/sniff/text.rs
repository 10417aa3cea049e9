//! Plain text: UTF-8 without control characters, and nothing that looks like markup.

/// Tags whose presence makes text markup that a browser might render as a page.
const MARKUP: [&[u8]; 9] = [
    b"<html",
    b"<script",
    b"<!doctype",
    b"<svg",
    b"<body",
    b"<iframe",
    b"<?xml",
    b"<head",
    b"<meta",
];

/// UTF-8, no control characters but tab and line ends, and nothing that looks like markup.
/// One pass over the bytes, whatever their size.
pub(super) fn is_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return false;
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        return false;
    }
    // Only the bytes after a `<` can start a tag, so this stays linear.
    let lower = body.as_bytes();
    !lower.iter().enumerate().any(|(i, &b)| {
        b == b'<'
            && MARKUP.iter().any(|tag| {
                lower
                    .get(i..i + tag.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(tag))
            })
    })
}

#[cfg(test)]
mod tests {
    use crate::uploads::sniff::sniff;

    #[test]
    fn markup_and_binaries_are_refused_whatever_they_are_called() {
        for bad in [
            &b"<html><script>alert(1)</script>"[..],
            b"  \n<!DOCTYPE html><p>hi",
            b"hello <SCRIPT>alert(1)</SCRIPT>",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"\xef\xbb\xbf<?xml version='1.0'?>",
            b"text with a <iframe src=x>",
            b"\x00\x01\x02binary",
            b"\xff\xfe not utf-8",
            b"",
        ] {
            assert_eq!(sniff(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
