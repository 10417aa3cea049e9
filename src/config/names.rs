//! The names of the script tag's settings, and the one a misspelt name was likely meant to be.
//!
//! A setting written wrong (`data-colour`, `data-primarycolor`, `data-web-chatid`) is ignored
//! like any attribute the widget does not read, and its default silently takes its place. Other
//! tools put attributes of their own on script tags (`data-cfasync`, `data-cookiecategory`), so
//! an unknown name is only said when it is close to one of these.

/// Every `data-*` attribute the loader and the widget read (see the README's table).
pub const SETTINGS: [&str; 29] = [
    "data-web-chat-id",
    "data-chatbot-id",
    "data-api-base",
    "data-title",
    "data-subtitle",
    "data-avatar",
    "data-greeting",
    "data-starters",
    "data-placeholder",
    "data-locale",
    "data-theme",
    "data-primary-color",
    "data-position",
    "data-offset-x",
    "data-offset-y",
    "data-z-index",
    "data-width",
    "data-height",
    "data-open",
    "data-persistence",
    "data-follow-ups",
    "data-ask-contact",
    "data-reply-timeout",
    "data-attachments",
    "data-attachment-types",
    "data-attachment-max-mb",
    "data-teaser",
    "data-teaser-delay",
    "data-load",
];

/// Unknown names at most this many letters' edits from a setting are taken for it.
const MOST_EDITS: usize = 2;
/// An unknown name shorter than this is too short to take for the end of a setting's name
/// (`data-x` is not meant for `data-offset-x`).
const SHORTEST_ENDING: usize = 4;

/// The setting an attribute `name` not among [`SETTINGS`] was likely meant to be: the same but
/// for case, dashes, underscores or British spelling, a letter or two off, or the last word of
/// the setting's name (`data-color` for `data-primary-color`).
pub fn meant(name: &str) -> Option<&'static str> {
    let rest = name.strip_prefix("data-")?;
    if SETTINGS.contains(&name) {
        return None;
    }
    let written = plain(rest);
    if written.is_empty() {
        return None;
    }
    let known = || SETTINGS.iter().map(|s| (*s, plain(&s["data-".len()..])));
    known()
        .find(|(_, k)| *k == written)
        .or_else(|| known().find(|(_, k)| edits(k, &written) <= slips_allowed(&written)))
        .or_else(|| {
            (written.chars().count() >= SHORTEST_ENDING)
                .then(|| known().find(|(_, k)| k.ends_with(&written)))
                .flatten()
        })
        .map(|(setting, _)| setting)
}

/// A name in lower case without its dashes and underscores, in American spelling. (HTML
/// lowers an attribute name's ASCII letters, and settings have no others.)
fn plain(name: &str) -> String {
    let plain: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // The one setting with a colour in its name has it at the end.
    match plain.strip_suffix("colour") {
        Some(start) => start.to_owned() + "color",
        None => plain,
    }
}

/// Longest name compared by [`edits`]: longer than any setting by more than a slip.
const LONGEST: usize = 31;

/// Letters to add, remove, change or swap with the next to make `a` into `b`, row by row of
/// the usual table (the last two rows are all a swap needs). Names longer than [`LONGEST`] or
/// too far apart in length are not compared.
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > MOST_EDITS || a.len().max(b.len()) > LONGEST {
        return MOST_EDITS + 1;
    }
    let mut before = [0; LONGEST + 1];
    let mut last: [usize; LONGEST + 1] = std::array::from_fn(|j| j);
    for i in 1..=a.len() {
        let mut row = [0; LONGEST + 1];
        row[0] = i;
        for j in 1..=b.len() {
            let changed = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j - 1] + changed).min(last[j] + 1).min(row[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        (before, last) = (last, row);
    }
    last[b.len()]
}

/// How many [`edits`] still make `written` a slip for a setting: one in a short name, where two
/// would make another word (`data-site` is not `data-title`).
fn slips_allowed(written: &str) -> usize {
    if written.chars().count() < 6 {
        1
    } else {
        MOST_EDITS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_setting_is_taken_for_the_one_it_is_close_to() {
        assert_eq!(meant("data-primarycolor"), Some("data-primary-color"));
        assert_eq!(meant("data-primary-colour"), Some("data-primary-color"));
        assert_eq!(meant("data-colour"), Some("data-primary-color"));
        assert_eq!(meant("data-color"), Some("data-primary-color"));
        assert_eq!(meant("data-web-chatid"), Some("data-web-chat-id"));
        assert_eq!(meant("data-webchat-id"), Some("data-web-chat-id"));
        assert_eq!(meant("data-chat-bot-id"), Some("data-chatbot-id"));
        assert_eq!(meant("data-postion"), Some("data-position"));
        assert_eq!(meant("data-followups"), Some("data-follow-ups"));
        assert_eq!(meant("data-attachment"), Some("data-attachments"));
        assert_eq!(meant("data-offset_x"), Some("data-offset-x"));
        assert_eq!(meant("data-zindex"), Some("data-z-index"));
        assert_eq!(meant("data-starter"), Some("data-starters"));
        assert_eq!(meant("data-titel"), Some("data-title"));
        assert_eq!(meant("data-Theme"), Some("data-theme"));
    }

    #[test]
    fn settings_and_other_tools_attributes_are_not_taken_for_anything() {
        for setting in SETTINGS {
            assert_eq!(meant(setting), None, "{setting}");
        }
        for other in [
            "data-cfasync",
            "data-cookiecategory",
            "data-domain",
            "data-nscript",
            "data-x",
            "data-site",
            "data-op",
            "data-id",
            "data-lang",
            "data-type",
            "data-name",
            "data-",
            "data---",
            "title",
            "src",
            "data-pagespeed-no-defer",
        ] {
            assert_eq!(meant(other), None, "{other}");
        }
    }

    #[test]
    fn edits_count_letters_added_removed_or_changed() {
        assert_eq!(edits("position", "postion"), 1);
        assert_eq!(edits("title", "titel"), 1, "two letters swapped");
        assert_eq!(edits("site", "title"), 2);
        assert_eq!(edits("open", "open"), 0);
        assert_eq!(edits("load", "loaded"), 2);
        assert!(edits("load", "download") > MOST_EDITS);
        assert!(
            edits(&"a".repeat(40), &"a".repeat(40)) > MOST_EDITS,
            "too long to compare"
        );
    }
}
