//! What a single line is: blank, a fence, a heading, a rule, a quote marker, a list marker,
//! and whether it ends a paragraph.

pub(super) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Up to three spaces of indentation, as CommonMark allows before a block marker.
pub(super) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

pub(super) fn strip_indent(line: &str, n: usize) -> &str {
    let spaces = indent_of(line).min(n);
    &line[spaces..]
}

pub(super) fn fence_open(line: &str) -> Option<(&str, usize)> {
    let indent = indent_of(line);
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let ch = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = rest.len() - rest.trim_start_matches(ch).len();
    if len < 3 || (ch == '`' && rest[len..].contains('`')) {
        return None;
    }
    Some((&rest[..len], indent))
}

pub(super) fn is_fence_close(line: &str, fence: &str) -> bool {
    if indent_of(line) > 3 {
        return false;
    }
    let rest = line.trim();
    let ch = fence.as_bytes()[0] as char;
    rest.len() >= fence.len() && rest.chars().all(|c| c == ch)
}

pub(super) fn atx_heading(line: &str) -> Option<(u8, &str)> {
    if indent_of(line) > 3 {
        return None;
    }
    let rest = line.trim_start();
    let level = rest.len() - rest.trim_start_matches('#').len();
    if !(1..=6).contains(&level) {
        return None;
    }
    let after = &rest[level..];
    if !after.is_empty() && !after.starts_with([' ', '\t']) {
        return None;
    }
    let mut title = after.trim();
    // A closing run of #s preceded by a space is not part of the title.
    let without = title.trim_end_matches('#');
    if without.is_empty() || without.ends_with([' ', '\t']) {
        title = without.trim_end();
    }
    Some((level as u8, title))
}

/// Longest line that is read as a rule or a setext underline; a longer one is text. A line of
/// dashes could otherwise stay a rule for as long as a hostile reply keeps it growing, and be
/// read again whole at every update.
pub(super) const MAX_RULE_LINE: usize = 1024;

pub(super) fn is_rule(line: &str) -> bool {
    if indent_of(line) > 3 || line.len() > MAX_RULE_LINE {
        return false;
    }
    let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 3 && matches!(chars[0], '-' | '*' | '_') && chars.iter().all(|&c| c == chars[0])
}

pub(super) fn setext_underline(line: &str) -> Option<u8> {
    if indent_of(line) > 3 || line.len() > MAX_RULE_LINE {
        return None;
    }
    let t = line.trim();
    if !t.is_empty() && t.chars().all(|c| c == '=') {
        Some(1)
    } else if !t.is_empty() && t.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

pub(super) fn quote_content(line: &str) -> Option<&str> {
    if indent_of(line) > 3 {
        return None;
    }
    let rest = line.trim_start().strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A list item's marker: bullet char or ordered delimiter, its number, and the content column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Marker {
    pub(super) bullet: Option<char>,
    pub(super) delimiter: Option<char>,
    pub(super) number: u64,
    pub(super) content_indent: usize,
    pub(super) empty: bool,
}

impl Marker {
    pub(super) fn same_list(&self, other: &Marker) -> bool {
        self.bullet == other.bullet && self.delimiter == other.delimiter
    }
}

pub(super) fn list_marker(line: &str) -> Option<Marker> {
    let indent = indent_of(line);
    if indent > 3 {
        return None;
    }
    let rest = &line[indent..];
    let (bullet, delimiter, number, width) = match rest.chars().next()? {
        c @ ('-' | '*' | '+') => (Some(c), None, 0, 1),
        c if c.is_ascii_digit() => {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let delimiter = rest[digits..]
                .chars()
                .next()
                .filter(|c| *c == '.' || *c == ')')?;
            if digits > 9 {
                return None;
            }
            (
                None,
                Some(delimiter),
                rest[..digits].parse().ok()?,
                digits + 1,
            )
        }
        _ => return None,
    };
    let after = &rest[width..];
    if after.is_empty() || after.trim().is_empty() {
        return Some(Marker {
            bullet,
            delimiter,
            number,
            content_indent: indent + width + 1,
            empty: true,
        });
    }
    let spaces = after.len() - after.trim_start_matches(' ').len();
    if spaces == 0 {
        return None;
    }
    let spaces = if spaces > 4 { 1 } else { spaces };
    Some(Marker {
        bullet,
        delimiter,
        number,
        content_indent: indent + width + spaces,
        empty: false,
    })
}

/// Whether `line`, inside its quote markers and list markers, is paragraph text.
pub(super) fn ends_in_paragraph(mut line: &str) -> bool {
    loop {
        if let Some(inner) = quote_content(line) {
            line = inner;
        } else if let Some(marker) = list_marker(line) {
            if marker.empty {
                return false;
            }
            line = line.get(marker.content_indent..).unwrap_or("");
        } else {
            break;
        }
    }
    !is_blank(line) && fence_open(line).is_none() && atx_heading(line).is_none() && !is_rule(line)
}

/// Lines that end a paragraph without a blank line before them; quotes and list items only
/// where they may `nest`.
pub(super) fn interrupts_paragraph(line: &str, nest: bool) -> bool {
    fence_open(line).is_some()
        || atx_heading(line).is_some()
        || is_rule(line)
        || (nest && quote_content(line).is_some())
        || (nest
            && list_marker(line).is_some_and(|m| !m.empty && (m.bullet.is_some() || m.number == 1)))
}

/// A blockquote read line by line: which lines belong to it, and their text without the quote
/// marker. The parser reads a whole quote with it, and a streaming reply reads an open quote's
/// new lines only.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct QuoteLines {
    /// The quote's last line is paragraph text, which a lazy line continues.
    in_paragraph: bool,
}

/// What a line is to the quote (or list item) it follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum QuoteLine<'a> {
    /// A line with the quote marker, and its text after it.
    Quoted(&'a str),
    /// A line without the marker that continues the quote's paragraph.
    Lazy(&'a str),
    /// The quote has ended before this line.
    End,
}

impl QuoteLines {
    /// What `line` is to the quote; `nest`: quotes and lists may open at the quote's level.
    pub(super) fn classify<'a>(&self, line: &'a str, nest: bool) -> QuoteLine<'a> {
        match quote_content(line) {
            Some(content) => QuoteLine::Quoted(content),
            None if self.in_paragraph
                && !is_blank(line)
                && !interrupts_paragraph(line, nest)
                && list_marker(line).is_none() =>
            {
                QuoteLine::Lazy(line)
            }
            None => QuoteLine::End,
        }
    }

    /// Takes in a whole line of the quote, as [`QuoteLines::classify`] found it.
    pub(super) fn read(&mut self, line: QuoteLine) {
        if let QuoteLine::Quoted(content) = line {
            self.in_paragraph = ends_in_paragraph(content);
        }
    }
}

/// A list item read line by line after its first: the lines indented to its content, the blank
/// lines between them, and lazy lines of its paragraph. Shared, like [`QuoteLines`], by the
/// parser and by a streaming reply's open list.
#[derive(Debug, Clone, Copy)]
pub(super) struct ItemLines {
    pub(super) marker: Marker,
    /// Blank lines came after the item's last text; they are the item's only if more follows.
    pub(super) pending_blank: bool,
    /// The item's last line is paragraph text, which a lazy line continues.
    last_was_text: bool,
    /// The item holds some text (an item that starts empty ends at a blank line).
    has_text: bool,
}

/// What a line is to the list item before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum ItemLine<'a> {
    Blank,
    /// The item's text, without its indent; `after_blank`: blank lines came before it, which
    /// makes the list loose.
    Text {
        text: &'a str,
        after_blank: bool,
    },
    /// A lazy line continuing the item's paragraph, without its indent.
    Lazy(&'a str),
    /// The next item of the same list starts, with this marker.
    Next(Marker),
    /// The list has ended before this line.
    End,
}

impl ItemLines {
    /// The item that `marker` starts, whose first line holds `first` after the marker.
    pub(super) fn new(marker: Marker, first: &str) -> Self {
        ItemLines {
            marker,
            pending_blank: false,
            last_was_text: !marker.empty && ends_in_paragraph(first),
            has_text: !is_blank(first),
        }
    }

    /// What `line` is to the item; `list` is the marker that started the list.
    pub(super) fn classify<'a>(&self, line: &'a str, list: &Marker) -> ItemLine<'a> {
        if is_blank(line) {
            return ItemLine::Blank;
        }
        let ends_empty = self.pending_blank && self.marker.empty && !self.has_text;
        if !ends_empty && indent_of(line) >= self.marker.content_indent {
            return ItemLine::Text {
                text: &line[self.marker.content_indent..],
                after_blank: self.pending_blank,
            };
        }
        if !ends_empty
            && !self.pending_blank
            && self.last_was_text
            && !interrupts_paragraph(line, true)
            && list_marker(line).is_none()
        {
            return ItemLine::Lazy(line.trim_start());
        }
        match list_marker(line) {
            Some(next) if next.same_list(list) && indent_of(line) < self.marker.content_indent => {
                ItemLine::Next(next)
            }
            _ => ItemLine::End,
        }
    }

    /// Takes in a whole line of the item (not [`ItemLine::Next`], which starts a new one).
    pub(super) fn read(&mut self, line: ItemLine) {
        match line {
            ItemLine::Blank => self.pending_blank = true,
            ItemLine::Text { text, .. } => {
                self.pending_blank = false;
                self.last_was_text = ends_in_paragraph(text);
                self.has_text = true;
            }
            ItemLine::Lazy(_) => self.has_text = true,
            ItemLine::Next(_) | ItemLine::End => {}
        }
    }
}

/// The text of an item's first line after its marker.
pub(super) fn item_first_text<'a>(line: &'a str, marker: &Marker) -> &'a str {
    line.get(marker.content_indent..).unwrap_or("").trim_start()
}
