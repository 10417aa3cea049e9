//! The forward scans of inline parsing: a link's `(destination "title")`, an autolink's `<…>`,
//! a code span's closing backticks. Each is bounded so that a hostile text costs linear time:
//!
//! - a destination stops at whitespace, at a `)` it did not open, or past 32 nested `(` (as
//!   pulldown-cmark and cmark do). Two failed scans can only cover the same bytes if the later
//!   one starts deeper in parentheses, so no byte is scanned by more than 33 of them;
//! - a title stops at its closing quote, and a scan for a title never passes the quote that
//!   starts the next one; an autolink stops at the next `<`, space or newline;
//! - a code span's closer is searched for once: the first search that reaches the end of the
//!   text records the last run of each length, so later openers with no closer fail at once
//!   ([`Backticks`]), as in cmark.

use std::collections::BTreeMap;

use super::cost::tick;

/// More nested `(` than this in a destination is not a link (pulldown-cmark's limit too).
const MAX_PARENS: usize = 32;

/// A link's target after its `]`: `open` is the `(`. Returns the destination (escapes
/// resolved) and where the link ends, after its `)`.
pub fn link_tail(s: &str, open: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut k = skip_spaces(b, open + 1);
    let (href, after) = if b.get(k) == Some(&b'<') {
        let end = angle_destination(b, k + 1)?;
        (unescape(&s[k + 1..end]), end + 1)
    } else {
        let end = bare_destination(b, k)?;
        (unescape(&s[k..end]), end)
    };
    k = skip_spaces(b, after);
    if k > after {
        if let Some(end) = title(b, k) {
            k = skip_spaces(b, end);
        }
    }
    (b.get(k) == Some(&b')')).then_some((href, k + 1))
}

fn skip_spaces(b: &[u8], mut k: usize) -> usize {
    while b.get(k).is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n')) {
        tick(1);
        k += 1;
    }
    k
}

/// `<…>`: the position of the `>`; no newline or unescaped `<` inside.
fn angle_destination(b: &[u8], from: usize) -> Option<usize> {
    let mut k = from;
    loop {
        tick(1);
        match *b.get(k)? {
            b'\\' if b.get(k + 1).is_some_and(u8::is_ascii_punctuation) => k += 2,
            b'>' => return Some(k),
            b'<' | b'\n' => return None,
            _ => k += 1,
        }
    }
}

/// A destination without `<…>`: where it ends (at whitespace or at the `)` that closes the
/// link). `None` when its parentheses do not balance or nest too deep.
fn bare_destination(b: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0;
    let mut k = from;
    while let Some(&c) = b.get(k) {
        tick(1);
        match c {
            b'\\' if b.get(k + 1).is_some_and(u8::is_ascii_punctuation) => k += 1,
            b'(' => {
                depth += 1;
                if depth > MAX_PARENS {
                    return None;
                }
            }
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            c if c.is_ascii_whitespace() || c.is_ascii_control() => break,
            _ => {}
        }
        k += 1;
    }
    // At the end of the text the link is not closed yet.
    (depth == 0 && k < b.len()).then_some(k)
}

/// `"…"`, `'…'` or `(…)` at `k`: where the title ends, after its closing quote.
fn title(b: &[u8], k: usize) -> Option<usize> {
    let close = match b.get(k)? {
        b'"' => b'"',
        b'\'' => b'\'',
        b'(' => b')',
        _ => return None,
    };
    let mut j = k + 1;
    loop {
        tick(1);
        match *b.get(j)? {
            b'\\' if b.get(j + 1).is_some_and(u8::is_ascii_punctuation) => j += 2,
            c if c == close => return Some(j + 1),
            b'(' if close == b')' => return None,
            _ => j += 1,
        }
    }
}

/// Resolves backslash escapes (in a destination, a code fence's info).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(char::is_ascii_punctuation) {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// `<https://…>` or `<mailto:…>` at `i`: the target and where it ends.
pub fn autolink(s: &str, i: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut end = i + 1;
    loop {
        tick(1);
        match *b.get(end)? {
            b'>' => break,
            b'<' | b' ' | b'\n' => return None,
            _ => end += 1,
        }
    }
    let inner = &s[i + 1..end];
    let lower = inner.get(..8).unwrap_or(inner).to_ascii_lowercase();
    let scheme_ok = ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p) && inner.len() > p.len());
    scheme_ok.then(|| (inner.to_owned(), end + 1))
}

/// A bare URL (GFM's extended autolinks, for the schemes a link may use) whose scheme ends
/// with the `:` at `colon`: the length of its scheme, its target, and where it ends.
///
/// It starts at a line's start, after a space or after `*`, `_`, `~` or `(`; an http(s) URL
/// needs a domain with a dot (and no `_` in its last two labels), a mailto an address. It runs
/// to a space, `<`, a `"` (never part of a URL as written: the quote of an attribute, say), or
/// markup that binds tighter (a code span, a bracket, an escape), without
/// trailing punctuation, a `)` that closes nothing in it, or an entity's `;`. The domain is
/// checked before the URL's end is looked for, so a candidate that fails costs its scheme and
/// domain only: a text of `http://` a hundred thousand times over stays linear.
pub fn bare_autolink(s: &str, colon: usize) -> Option<(usize, String, usize)> {
    let b = s.as_bytes();
    let (scheme, len) = [("https", 5), ("http", 4), ("mailto", 6)]
        .into_iter()
        .find(|&(name, len)| {
            colon >= len && b[colon - len..colon].eq_ignore_ascii_case(name.as_bytes())
        })?;
    let start = colon - len;
    let before = start.checked_sub(1).map(|k| b[k]);
    if !before.is_none_or(|c| c.is_ascii_whitespace() || matches!(c, b'*' | b'_' | b'~' | b'(')) {
        return None;
    }
    if scheme == "mailto" {
        let local = span(b, colon + 1, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_')
        });
        if local == colon + 1 || b.get(local) != Some(&b'@') {
            return None;
        }
        let mut end = span(b, local + 1, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_')
        });
        while end > local + 1 && b[end - 1] == b'.' {
            end -= 1;
        }
        let domain = &s[local + 1..end];
        let ok = domain.contains('.') && !domain.ends_with(['-', '_']);
        return ok.then(|| (len, s[start..end].to_owned(), end));
    }
    if b.get(colon + 1..colon + 3) != Some(b"//") {
        return None;
    }
    let host_start = colon + 3;
    let host_end = span(b, host_start, |c| {
        c.is_ascii_alphanumeric() || c >= 0x80 || matches!(c, b'.' | b'-' | b'_')
    });
    if !valid_domain(s[host_start..host_end].trim_end_matches('.')) {
        return None;
    }
    let mut end = span(b, host_end, |c| {
        !c.is_ascii_whitespace() && !matches!(c, b'<' | b'"' | b'`' | b'\\' | b'[' | b']')
    });
    let (mut opens, mut closes) = (0usize, 0usize);
    for &c in &b[host_end..end] {
        opens += usize::from(c == b'(');
        closes += usize::from(c == b')');
    }
    while end > host_start {
        tick(1);
        match b[end - 1] {
            b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' => end -= 1,
            b')' if closes > opens => {
                closes -= 1;
                end -= 1;
            }
            b';' => {
                let name = b[host_start..end - 1]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                let amp = end - 1 - name;
                if name > 0 && amp > host_start && b[amp - 1] == b'&' {
                    end = amp - 1;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    if !valid_domain(&s[host_start..host_end.min(end)]) {
        return None;
    }
    Some((len, s[start..end].to_owned(), end))
}

/// Where the run of bytes that `keep` accepts, from `from`, ends.
fn span(b: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    let n = b
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&c| keep(c)).count());
    tick(n);
    from + n
}

/// GFM's valid domain: labels of letters, digits, `-` and `_` between dots, at least one dot,
/// no `_` in the last two labels.
fn valid_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels.iter().rev().take(2).all(|l| !l.contains('_'))
}

/// Length of the run of `c` at `i`.
pub fn run_len(b: &[u8], i: usize, c: u8) -> usize {
    let n = b[i..].iter().take_while(|&&x| x == c).count();
    tick(n);
    n
}

/// Where code spans close, found without searching the text again for every opener.
#[derive(Debug, Default)]
pub struct Backticks {
    /// The text was searched to its end once.
    scanned: bool,
    /// Run length → start of the last run of that length seen.
    last_run: BTreeMap<usize, usize>,
}

impl Backticks {
    /// The start of the first run of exactly `len` backticks at or after `from`.
    pub fn closer(&mut self, b: &[u8], from: usize, len: usize) -> Option<usize> {
        if self.scanned && self.last_run.get(&len).is_none_or(|&at| at < from) {
            return None;
        }
        let mut j = from;
        while j < b.len() {
            if b[j] == b'`' {
                let n = run_len(b, j, b'`');
                let last = self.last_run.entry(n).or_insert(j);
                *last = (*last).max(j);
                if n == len {
                    return Some(j);
                }
                j += n;
            } else {
                tick(1);
                j += 1;
            }
        }
        self.scanned = true;
        None
    }
}
