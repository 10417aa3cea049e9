//! Cursor pagination for `GET messages/`, shaped like Django REST framework's: opaque cursors
//! and absolute `next`/`previous` URLs.

use axum::http::HeaderMap;

/// The default page size, and the most a client may ask for.
pub const DEFAULT_PAGE_SIZE: usize = 20;
pub const MAX_PAGE_SIZE: usize = 100;

/// Encodes an offset as an opaque cursor (hex of `o<offset>`), so clients cannot lean on
/// it being a number.
pub fn encode_cursor(offset: usize) -> String {
    format!("o{offset}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The offset behind a cursor; `None` if it is not one of ours.
pub fn decode_cursor(cursor: &str) -> Option<usize> {
    if !cursor.len().is_multiple_of(2) || !cursor.is_ascii() {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&cursor[i..i + 2], 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    text.strip_prefix('o')?.parse().ok()
}

/// The offsets a page's `next` and `previous` links point at. Offsets come from cursors a
/// client made up, so the sums must not overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLinks {
    pub next: Option<usize>,
    pub previous: Option<usize>,
}

impl PageLinks {
    pub fn new(offset: usize, size: usize, count: usize) -> PageLinks {
        PageLinks {
            next: offset.checked_add(size).filter(|&n| n < count),
            previous: (offset > 0).then(|| offset.saturating_sub(size)),
        }
    }
}

/// The page size a client asked for: missing, unparsable or zero means the default.
pub fn page_size(raw: Option<&str>) -> usize {
    match raw.and_then(|v| v.parse::<usize>().ok()) {
        Some(0) | None => DEFAULT_PAGE_SIZE,
        Some(n) => n.min(MAX_PAGE_SIZE),
    }
}

/// `scheme://host` as the client reached us, for absolute links: the `Host` header when it
/// is a plain host, never a forwarded one (anyone could set that).
pub fn origin(headers: &HeaderMap) -> String {
    crate::guard::client::public_base(headers, false, None)
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
pub fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        for n in [0, 1, 19, 12345] {
            assert_eq!(decode_cursor(&encode_cursor(n)), Some(n));
        }
        assert_eq!(encode_cursor(3), "6f33");
        for junk in ["", "3", "zz", "6f", "6f3", "6f2d31", "ééé"] {
            assert_eq!(decode_cursor(junk), None, "{junk}");
        }
    }

    #[test]
    fn page_size_defaults_and_caps() {
        assert_eq!(page_size(None), 20);
        assert_eq!(page_size(Some("0")), 20);
        assert_eq!(page_size(Some("x")), 20);
        assert_eq!(page_size(Some("5")), 5);
        assert_eq!(page_size(Some("500")), 100);
    }

    #[test]
    fn links_of_a_made_up_cursor_do_not_overflow() {
        let far = decode_cursor(&encode_cursor(usize::MAX)).unwrap();
        assert_eq!(
            PageLinks::new(far, 100, 3),
            PageLinks {
                next: None,
                previous: Some(usize::MAX - 100)
            }
        );
        assert_eq!(
            PageLinks::new(0, 2, 3),
            PageLinks {
                next: Some(2),
                previous: None
            }
        );
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(encode_query_value("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
