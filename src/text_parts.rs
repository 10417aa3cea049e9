//! A long plain text (a visitor's message) cut into parts that the page lays out one by one.
//!
//! A browser lays out a block's text as one piece: a visitor message of a megabyte in one
//! element cost a quarter of a second in one task each time it was shown. In parts, each a block
//! of its own that the stylesheet lets the browser skip while it is off screen, only the parts
//! in view are laid out.

/// Bytes of text before a part may end (at the next whitespace). A quarter of a long markdown
/// paragraph's part (which is cut where a streaming reply can commit it): a visitor's text is
/// whole from the start, and the page lays out each part in view whole, so smaller parts cost
/// less layout. The parts of a 342 KB message of unbroken hostile text in view took 30 to 47 ms
/// of layout in one frame at 16 KB, 12 to 15 ms at this size (traced). The stylesheet's estimate
/// of a visitor's part out of view is made for this size.
pub const PART: usize = 4 * 1024;

/// `text` in parts of at least [`PART`] bytes, each ended after a whitespace character where one
/// comes within another [`PART`] bytes, else at a character boundary. A text no longer than
/// `2 * PART` bytes is one part. Joined, the parts are `text`.
pub fn plain_parts(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.len() > 2 * PART {
        let from = next_boundary(rest, PART);
        let limit = previous_boundary(rest, 2 * PART);
        let end = match rest[from..limit].find(char::is_whitespace) {
            Some(at) => {
                let at = from + at;
                at + rest[at..].chars().next().map_or(0, char::len_utf8)
            }
            None => limit,
        };
        let (part, after) = rest.split_at(end);
        parts.push(part);
        rest = after;
    }
    parts.push(rest);
    parts
}

/// The first character boundary of `text` at or after `at`.
fn next_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The last character boundary of `text` at or before `at`.
fn previous_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(plain_parts("hello"), vec!["hello"]);
        assert_eq!(plain_parts(""), vec![""]);
        let edge = "x".repeat(2 * PART);
        assert_eq!(plain_parts(&edge).len(), 1);
    }

    #[test]
    fn long_text_is_cut_after_whitespace_and_joins_back() {
        let text = "word ".repeat(40_000);
        let parts = plain_parts(&text);
        assert!(parts.len() > 5, "{} parts", parts.len());
        assert_eq!(parts.concat(), text);
        for part in &parts[..parts.len() - 1] {
            assert!(
                part.len() >= PART && part.len() <= 2 * PART,
                "{}",
                part.len()
            );
            assert!(part.ends_with(' '), "{:?}", &part[part.len() - 8..]);
        }
    }

    #[test]
    fn text_without_whitespace_is_cut_on_character_boundaries() {
        // Three-byte characters: a cut at a byte count would fall inside one.
        let text = "語".repeat(100_000);
        let parts = plain_parts(&text);
        assert_eq!(parts.concat(), text);
        assert!(parts.len() > 5);
        for part in &parts[..parts.len() - 1] {
            assert!(part.len() > PART && part.len() <= 2 * PART);
        }
    }

    #[test]
    fn parts_are_bounded_for_any_length() {
        for len in [2 * PART + 1, 5 * PART + 7, 1_000_003] {
            let text = "a".repeat(len);
            let parts = plain_parts(&text);
            assert_eq!(parts.concat(), text);
            assert!(parts.iter().all(|p| p.len() <= 2 * PART));
            assert_eq!(parts.len(), len.div_ceil(2 * PART));
        }
    }
}
