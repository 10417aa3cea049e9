//! Finding a short piece of text in another by comparing bytes. `str::find` and
//! `str::contains` with a `&str` bring the library's substring searcher into the wasm (2.7 KB,
//! measured); the widget only looks for a few short words in short texts.

/// Where `needle` first starts in `haystack`, in bytes.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window == needle.as_bytes())
}

/// Whether `needle` is somewhere in `haystack`.
pub fn contains(haystack: &str, needle: &str) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_like_the_library() {
        for (haystack, needle) in [
            ("text/html; charset=utf-8", "html"),
            ("Sources ({})", "{}"),
            ("來源（{}）", "{}"),
            ("image/png", "image"),
            ("application/json", "html"),
            ("ab", "abc"),
            ("", "x"),
            ("", ""),
        ] {
            assert_eq!(
                find(haystack, needle),
                haystack.find(needle),
                "{haystack} / {needle}"
            );
            assert_eq!(contains(haystack, needle), haystack.contains(needle));
        }
    }
}
