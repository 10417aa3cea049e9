//! How much of a long text one update of a reply's body shows.
//!
//! A reply can arrive faster than one task should render it: a history row holds its whole
//! text at once, and a stream can deliver a megabyte in one read. The body then shows it in
//! slices, one per task. What a slice costs the page is the elements it builds (each is built,
//! styled and laid out), and a slice of bytes can hold a few of them or thousands
//! (`*a*` is one element per three bytes). So the slice is sized by what the last one built:
//! smaller after a slice dense with elements, larger again after a plain one.

/// Bytes of the first slice, and the bounds of any.
pub const START: usize = 4 * 1024;
const MIN: usize = 1024;
const MAX: usize = 16 * 1024;

/// Elements a slice should build at most.
const TARGET_ELEMENTS: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevealPace {
    bytes: usize,
}

impl Default for RevealPace {
    fn default() -> Self {
        RevealPace { bytes: START }
    }
}

impl RevealPace {
    /// Where the next slice of `text` ends, when `shown` bytes of it are shown: at most the
    /// pace's bytes further, on a character boundary, and never short of a whole character.
    pub fn next_end(&self, text: &str, shown: usize) -> usize {
        let from = shown.min(text.len());
        let mut end = (from + self.bytes).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        end
    }

    /// Records what the last update built: `elements` for `bytes` of new text.
    pub fn record(&mut self, bytes: usize, elements: usize) {
        if elements > TARGET_ELEMENTS {
            self.bytes = (bytes.max(MIN) * TARGET_ELEMENTS / elements).clamp(MIN, MAX);
        } else if elements < TARGET_ELEMENTS / 2 {
            self.bytes = (self.bytes * 2).min(MAX);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_small_and_grows_while_slices_are_plain() {
        let mut pace = RevealPace::default();
        let text = "a".repeat(100_000);
        assert_eq!(pace.next_end(&text, 0), START);
        pace.record(START, 50);
        assert_eq!(pace.next_end(&text, START), 3 * START);
        for _ in 0..10 {
            pace.record(MAX, 50);
        }
        assert_eq!(pace.next_end(&text, 1000), 1000 + MAX);
        // The end of the text is the end of a slice.
        assert_eq!(pace.next_end(&text, 99_000), 100_000);
        assert_eq!(pace.next_end(&text, 200_000), 100_000);
    }

    #[test]
    fn shrinks_after_a_slice_dense_with_elements() {
        let mut pace = RevealPace::default();
        // 4 KB of `*a*` is about 1,400 elements.
        pace.record(4096, 1_400);
        let bytes = pace.next_end(&"x".repeat(100_000), 0);
        assert!((MIN..4096).contains(&bytes), "{bytes}");
        assert!(bytes * 1_400 / 4096 <= TARGET_ELEMENTS);
        // However dense, a slice still moves on by some bytes.
        pace.record(bytes, 1_000_000);
        assert_eq!(pace.next_end(&"x".repeat(100_000), 0), MIN);
    }

    #[test]
    fn slices_end_on_character_boundaries() {
        let pace = RevealPace::default();
        let text = "語".repeat(10_000);
        let end = pace.next_end(&text, 0);
        assert!(text.is_char_boundary(end) && end >= START, "{end}");
        assert!(pace.next_end(&text, 3) > 3);
    }
}
