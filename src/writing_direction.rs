//! Which way a text runs, by its first letter that has a direction (what `dir="auto"` looks at).
//!
//! The browser works this out by itself for an element's own text; a message box's hint is not
//! its text, so an empty box with a Hebrew or Arabic hint needs to be told.

/// Whether `text`'s first letter with a direction runs right to left (Hebrew, Arabic, Syriac,
/// Thaana, N'Ko and the other right-to-left scripts). Text with no letter runs left to right.
pub fn starts_right_to_left(text: &str) -> bool {
    text.chars()
        .find(|&c| is_right_to_left(c) || c.is_alphabetic())
        .is_some_and(is_right_to_left)
}

/// The blocks of right-to-left scripts, their presentation forms and the right-to-left
/// historic scripts of the supplementary planes.
fn is_right_to_left(c: char) -> bool {
    matches!(c,
        '\u{0590}'..='\u{08FF}'
        | '\u{FB1D}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}'
        | '\u{10800}'..='\u{10FFF}'
        | '\u{1E800}'..='\u{1EFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_letter_with_a_direction_decides() {
        assert!(starts_right_to_left("اكتب رسالتك…"));
        assert!(starts_right_to_left("שלום"));
        assert!(starts_right_to_left("  123 «שלום» Chat"));
        assert!(!starts_right_to_left("Type a message…"));
        assert!(!starts_right_to_left("Chat שלום"));
        assert!(!starts_right_to_left("輸入訊息…"));
        assert!(!starts_right_to_left(""));
        assert!(!starts_right_to_left("123 …"));
    }
}
