//! Inline markup inside a block: emphasis, code spans, links, images, breaks.

/// One inline piece. Link and image targets are kept as written; `tree` decides whether they
/// are safe to make live.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Em(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link {
        href: String,
        children: Vec<Inline>,
    },
    Image {
        src: String,
        alt: Vec<Inline>,
    },
    /// A hard line break (two trailing spaces or a backslash before the newline).
    Break,
    /// A plain newline inside a paragraph.
    SoftBreak,
}

pub fn parse_inline(s: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut text = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = b[i];
        match c {
            b'\\' if i + 1 < s.len() && b[i + 1].is_ascii_punctuation() => {
                text.push(b[i + 1] as char);
                i += 2;
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                flush(&mut text, &mut out);
                out.push(Inline::Break);
                i += 2;
            }
            b'`' => {
                let run = run_len(b, i, b'`');
                match find_code_close(s, i + run, run) {
                    Some(close) => {
                        flush(&mut text, &mut out);
                        out.push(Inline::Code(code_content(&s[i + run..close])));
                        i = close + run;
                    }
                    None => {
                        text.push_str(&s[i..i + run]);
                        i += run;
                    }
                }
            }
            b'!' if b.get(i + 1) == Some(&b'[') => match link_at(s, i + 1) {
                Some((label, href, end)) => {
                    flush(&mut text, &mut out);
                    out.push(Inline::Image {
                        src: href,
                        alt: parse_inline(label),
                    });
                    i = end;
                }
                None => {
                    text.push('!');
                    i += 1;
                }
            },
            b'[' => match link_at(s, i) {
                Some((label, href, end)) => {
                    flush(&mut text, &mut out);
                    out.push(Inline::Link {
                        href,
                        children: parse_inline(label),
                    });
                    i = end;
                }
                None => {
                    text.push('[');
                    i += 1;
                }
            },
            b'<' => match autolink_at(s, i) {
                Some((href, end)) => {
                    flush(&mut text, &mut out);
                    out.push(Inline::Link {
                        children: vec![Inline::Text(href.clone())],
                        href,
                    });
                    i = end;
                }
                None => {
                    text.push('<');
                    i += 1;
                }
            },
            b'*' | b'_' | b'~' => {
                let run = run_len(b, i, c);
                match emphasis_at(s, i, c, run) {
                    Some((node, end)) => {
                        flush(&mut text, &mut out);
                        out.push(node);
                        i = end;
                    }
                    None => {
                        text.push_str(&s[i..i + run]);
                        i += run;
                    }
                }
            }
            b'\n' => {
                let hard = text.ends_with("  ");
                let trimmed = text.trim_end_matches(' ').len();
                text.truncate(trimmed);
                flush(&mut text, &mut out);
                out.push(if hard {
                    Inline::Break
                } else {
                    Inline::SoftBreak
                });
                i += 1;
                while b.get(i) == Some(&b' ') {
                    i += 1;
                }
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('\u{FFFD}');
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    flush(&mut text, &mut out);
    out
}

fn flush(text: &mut String, out: &mut Vec<Inline>) {
    if text.is_empty() {
        return;
    }
    if let Some(Inline::Text(last)) = out.last_mut() {
        last.push_str(text);
        text.clear();
    } else {
        out.push(Inline::Text(std::mem::take(text)));
    }
}

fn run_len(b: &[u8], i: usize, c: u8) -> usize {
    b[i..].iter().take_while(|&&x| x == c).count()
}

/// The start of a backtick run of exactly `run` after `from`.
fn find_code_close(s: &str, from: usize, run: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut j = from;
    while j < b.len() {
        if b[j] == b'`' {
            let n = run_len(b, j, b'`');
            if n == run {
                return Some(j);
            }
            j += n;
        } else {
            j += 1;
        }
    }
    None
}

fn code_content(raw: &str) -> String {
    let text = raw.replace('\n', " ");
    let stripped = text
        .strip_prefix(' ')
        .and_then(|t| t.strip_suffix(' '))
        .filter(|t| !t.trim().is_empty());
    stripped.map(str::to_owned).unwrap_or(text)
}

/// `[label](destination "title")` starting at the `[` at `i`: the label, the destination and
/// where the link ends.
fn link_at(s: &str, i: usize) -> Option<(&str, String, usize)> {
    let b = s.as_bytes();
    let mut depth = 0;
    let mut j = i;
    let close = loop {
        match b.get(j)? {
            b'\\' => j += 1,
            b'`' => {
                let run = run_len(b, j, b'`');
                j = find_code_close(s, j + run, run).map_or(j + run - 1, |c| c + run - 1);
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            _ => {}
        }
        j += 1;
    };
    if b.get(close + 1) != Some(&b'(') {
        return None;
    }
    let mut k = close + 2;
    while b.get(k).is_some_and(|c| *c == b' ' || *c == b'\n') {
        k += 1;
    }
    let (href, mut k) = if b.get(k) == Some(&b'<') {
        let end = s[k + 1..].find(['>', '\n'])? + k + 1;
        if b[end] != b'>' {
            return None;
        }
        (s[k + 1..end].to_owned(), end + 1)
    } else {
        let start = k;
        let mut parens = 0;
        while let Some(&c) = b.get(k) {
            match c {
                b'\\' if b.get(k + 1).is_some_and(u8::is_ascii_punctuation) => k += 1,
                b'(' => parens += 1,
                b')' if parens == 0 => break,
                b')' => parens -= 1,
                c if c.is_ascii_whitespace() || c.is_ascii_control() => break,
                _ => {}
            }
            k += 1;
        }
        (unescape(&s[start..k]), k)
    };
    while b.get(k).is_some_and(|c| *c == b' ' || *c == b'\n') {
        k += 1;
    }
    if let Some(&q) = b.get(k).filter(|c| matches!(c, b'"' | b'\'' | b'(')) {
        let closing = if q == b'(' { b')' } else { q };
        let end = s[k + 1..].find(closing as char)? + k + 1;
        k = end + 1;
        while b.get(k) == Some(&b' ') {
            k += 1;
        }
    }
    if b.get(k) != Some(&b')') {
        return None;
    }
    Some((&s[i + 1..close], href, k + 1))
}

fn unescape(s: &str) -> String {
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

/// `<https://…>` or `<mailto:…>`.
fn autolink_at(s: &str, i: usize) -> Option<(String, usize)> {
    let end = s[i + 1..].find(['>', '<', ' ', '\n'])? + i + 1;
    if s.as_bytes()[end] != b'>' {
        return None;
    }
    let inner = &s[i + 1..end];
    let lower = inner.to_ascii_lowercase();
    let scheme_ok = ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len());
    scheme_ok.then(|| (inner.to_owned(), end + 1))
}

fn is_space(c: Option<char>) -> bool {
    c.is_none_or(char::is_whitespace)
}

fn is_punct(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace()))
}

/// A run that can open emphasis: followed by non-space, and for `_` not inside a word.
fn can_open(s: &str, i: usize, run: usize, c: u8) -> bool {
    let before = s[..i].chars().next_back();
    let after = s[i + run..].chars().next();
    let left_flanking =
        !is_space(after) && (!is_punct(after) || is_space(before) || is_punct(before));
    left_flanking && (c != b'_' || before.is_none_or(|b| !b.is_alphanumeric()))
}

fn can_close(s: &str, j: usize, run: usize, c: u8) -> bool {
    let before = s[..j].chars().next_back();
    let after = s[j + run..].chars().next();
    let right_flanking =
        !is_space(before) && (!is_punct(before) || is_space(after) || is_punct(after));
    right_flanking && (c != b'_' || after.is_none_or(|a| !a.is_alphanumeric()))
}

fn emphasis_at(s: &str, i: usize, c: u8, run: usize) -> Option<(Inline, usize)> {
    let wanted = match c {
        b'~' if run == 2 => 2,
        b'~' => return None,
        _ if run > 3 => return None,
        _ => run,
    };
    if !can_open(s, i, wanted, c) {
        return None;
    }
    let b = s.as_bytes();
    let mut j = i + wanted;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'`' => {
                let n = run_len(b, j, b'`');
                j = find_code_close(s, j + n, n).map_or(j + n, |close| close + n);
            }
            x if x == c => {
                let n = run_len(b, j, c);
                if n == wanted && can_close(s, j, n, c) {
                    let inner = parse_inline(&s[i + wanted..j]);
                    let node = match (c, wanted) {
                        (b'~', _) => Inline::Strike(inner),
                        (_, 1) => Inline::Em(inner),
                        (_, 2) => Inline::Strong(inner),
                        _ => Inline::Em(vec![Inline::Strong(inner)]),
                    };
                    return Some((node, j + n));
                }
                j += n;
            }
            _ => j += 1,
        }
    }
    None
}
