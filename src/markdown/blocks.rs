//! Block structure: which lines make a paragraph, a heading, a code fence, a list, a quote or a
//! table. Each block keeps the byte range of its lines so a streaming render knows what is done.
//!
//! Quotes and list items hold blocks, parsed by a nested call. A reply can nest them thousands
//! deep (`>>>>…`, `- - - …`), and every level is a stack frame here, a copy of the level's
//! text and a DOM element: past [`MAX_NESTING`] levels a quote or list marker is plain text.

use std::ops::Range;

use super::cost::tick;
use super::scan::unescape;

/// Deepest nesting of quotes and lists. Each level also narrows the text (a list indents 20 px,
/// a quote 13 px in a bubble about 300 px wide): at 16 levels a long line was laid out a few
/// characters a line, and laying out 100,000 `>` that way took over 100 ms at each update.
pub const MAX_NESTING: usize = 8;

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// One block; inline text is kept raw and parsed when rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    Heading(u8, String),
    Code {
        lang: String,
        text: String,
    },
    List {
        ordered: bool,
        start: u64,
        tight: bool,
        items: Vec<Vec<Block>>,
    },
    Quote(Vec<Block>),
    Table {
        aligns: Vec<Align>,
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Rule,
}

/// A line of the input: where it starts, where its text ends, where the next line starts.
#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

fn lines_of(text: &str) -> Vec<Line> {
    // Every line is looked at a bounded number of times per nesting level: the cost of
    // parsing is counted here, by line length.
    tick(text.len());
    let mut lines = Vec::new();
    let mut start = 0;
    while start < text.len() {
        tick(1);
        let (end, next) = match text[start..].find('\n') {
            Some(i) => (start + i, start + i + 1),
            None => (text.len(), text.len()),
        };
        let end = if text[start..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        lines.push(Line { start, end, next });
        start = next;
    }
    lines
}

/// The blocks of `text`, each with the byte range of the lines it spans (ending after the last
/// line's newline).
pub fn parse_blocks(text: &str) -> Vec<(Range<usize>, Block)> {
    blocks_at(text, 0)
}

/// [`parse_blocks`] for text nested `depth` quotes and list items deep.
fn blocks_at(text: &str, depth: usize) -> Vec<(Range<usize>, Block)> {
    let nest = depth < MAX_NESTING;
    let lines = lines_of(text);
    let line = |i: usize| &text[lines[i].start..lines[i].end];
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = line(i);
        if is_blank(l) {
            i += 1;
            continue;
        }
        let first = i;
        let block = if let Some((fence, indent)) = fence_open(l) {
            i += 1;
            let mut code = String::new();
            while i < lines.len() && !is_fence_close(line(i), fence) {
                code.push_str(strip_indent(line(i), indent));
                code.push('\n');
                i += 1;
            }
            i = (i + 1).min(lines.len());
            let info = l.trim_start()[fence.len()..].trim();
            let lang = unescape(info.split_whitespace().next().unwrap_or(""));
            Block::Code { lang, text: code }
        } else if let Some((level, title)) = atx_heading(l) {
            i += 1;
            Block::Heading(level, title.to_owned())
        } else if is_rule(l) {
            i += 1;
            Block::Rule
        } else if nest && quote_content(l).is_some() {
            let mut inner = String::new();
            // Whether the quote's last line is paragraph text, which a lazy line continues.
            let mut in_paragraph = false;
            while i < lines.len() {
                match quote_content(line(i)) {
                    Some(content) => {
                        in_paragraph = ends_in_paragraph(content);
                        inner.push_str(content)
                    }
                    // A lazy line continues the quote's paragraph.
                    None if in_paragraph
                        && !is_blank(line(i))
                        && !interrupts_paragraph(line(i), nest)
                        && list_marker(line(i)).is_none() =>
                    {
                        inner.push_str(line(i))
                    }
                    None => break,
                }
                inner.push('\n');
                i += 1;
            }
            Block::Quote(
                blocks_at(&inner, depth + 1)
                    .into_iter()
                    .map(|(_, b)| b)
                    .collect(),
            )
        } else if let Some(marker) = list_marker(l).filter(|_| nest) {
            let (block, next) = list(text, &lines, i, marker, depth);
            i = next;
            block
        } else if let Some((aligns, head)) =
            table_head(l, (i + 1 < lines.len()).then(|| line(i + 1)))
        {
            i += 2;
            let mut rows = Vec::new();
            while i < lines.len() && !is_blank(line(i)) && line(i).contains('|') {
                let mut cells = split_row(line(i));
                cells.resize(head.len(), String::new());
                rows.push(cells);
                i += 1;
            }
            Block::Table { aligns, head, rows }
        } else {
            let mut text_lines = vec![l.trim_start()];
            i += 1;
            let mut heading = None;
            while i < lines.len() {
                let next = line(i);
                if let Some(level) = setext_underline(next) {
                    heading = Some(level);
                    i += 1;
                    break;
                }
                if is_blank(next) || interrupts_paragraph(next, nest) {
                    break;
                }
                // The inline parser drops the indent, except inside a code span.
                text_lines.push(next);
                i += 1;
            }
            let joined = text_lines.join("\n");
            match heading {
                Some(level) => Block::Heading(level, joined.trim().to_owned()),
                None => Block::Paragraph(joined.trim_end().to_owned()),
            }
        };
        blocks.push((lines[first].start..lines[i - 1].next, block));
    }
    blocks
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Up to three spaces of indentation, as CommonMark allows before a block marker.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn strip_indent(line: &str, n: usize) -> &str {
    let spaces = indent_of(line).min(n);
    &line[spaces..]
}

fn fence_open(line: &str) -> Option<(&str, usize)> {
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

fn is_fence_close(line: &str, fence: &str) -> bool {
    if indent_of(line) > 3 {
        return false;
    }
    let rest = line.trim();
    let ch = fence.as_bytes()[0] as char;
    rest.len() >= fence.len() && rest.chars().all(|c| c == ch)
}

fn atx_heading(line: &str) -> Option<(u8, &str)> {
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

fn is_rule(line: &str) -> bool {
    if indent_of(line) > 3 {
        return false;
    }
    let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 3 && matches!(chars[0], '-' | '*' | '_') && chars.iter().all(|&c| c == chars[0])
}

fn setext_underline(line: &str) -> Option<u8> {
    if indent_of(line) > 3 {
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

fn quote_content(line: &str) -> Option<&str> {
    if indent_of(line) > 3 {
        return None;
    }
    let rest = line.trim_start().strip_prefix('>')?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// A list item's marker: bullet char or ordered delimiter, its number, and the content column.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Marker {
    bullet: Option<char>,
    delimiter: Option<char>,
    number: u64,
    content_indent: usize,
    empty: bool,
}

impl Marker {
    fn same_list(&self, other: &Marker) -> bool {
        self.bullet == other.bullet && self.delimiter == other.delimiter
    }
}

fn list_marker(line: &str) -> Option<Marker> {
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
fn ends_in_paragraph(mut line: &str) -> bool {
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
fn interrupts_paragraph(line: &str, nest: bool) -> bool {
    fence_open(line).is_some()
        || atx_heading(line).is_some()
        || is_rule(line)
        || (nest && quote_content(line).is_some())
        || (nest
            && list_marker(line).is_some_and(|m| !m.empty && (m.bullet.is_some() || m.number == 1)))
}

/// The list that starts at line `first` with `marker`, `depth` levels deep, and the line after it.
fn list(text: &str, lines: &[Line], first: usize, marker: Marker, depth: usize) -> (Block, usize) {
    let line = |i: usize| &text[lines[i].start..lines[i].end];
    let mut items: Vec<String> = Vec::new();
    let mut tight = true;
    let mut i = first;
    let mut current = marker;
    loop {
        // One item: its first line, then lines indented to its content, blank lines between them,
        // and lazy continuation lines of its paragraph.
        let first_line = line(i);
        let mut content = String::new();
        content.push_str(
            first_line
                .get(current.content_indent..)
                .unwrap_or("")
                .trim_start(),
        );
        content.push('\n');
        i += 1;
        let mut pending_blank = false;
        let mut last_was_text = !current.empty && ends_in_paragraph(&content);
        while i < lines.len() {
            let l = line(i);
            if is_blank(l) {
                pending_blank = true;
                i += 1;
                continue;
            }
            // An item that starts empty ends at a blank line.
            if pending_blank && current.empty && content.trim().is_empty() {
                break;
            }
            if indent_of(l) >= current.content_indent {
                if pending_blank {
                    content.push('\n');
                    tight = false;
                }
                content.push_str(&l[current.content_indent..]);
                content.push('\n');
                last_was_text = ends_in_paragraph(&l[current.content_indent..]);
                pending_blank = false;
                i += 1;
                continue;
            }
            if !pending_blank
                && last_was_text
                && !interrupts_paragraph(l, true)
                && list_marker(l).is_none()
            {
                content.push_str(l.trim_start());
                content.push('\n');
                i += 1;
                continue;
            }
            break;
        }
        items.push(content);
        match (i < lines.len()).then(|| list_marker(line(i))).flatten() {
            Some(next)
                if next.same_list(&marker) && indent_of(line(i)) < current.content_indent =>
            {
                if pending_blank {
                    tight = false;
                }
                current = next;
            }
            _ => {
                // Trailing blank lines belong after the list, not to it.
                while i > first + 1 && is_blank(line(i - 1)) {
                    i -= 1;
                }
                break;
            }
        }
    }
    let items = items
        .iter()
        .map(|item| {
            blocks_at(item, depth + 1)
                .into_iter()
                .map(|(_, b)| b)
                .collect()
        })
        .collect();
    (
        Block::List {
            ordered: marker.bullet.is_none(),
            start: marker.number,
            tight,
            items,
        },
        i,
    )
}

fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t
        .strip_suffix('|')
        .filter(|r| !r.ends_with('\\'))
        .unwrap_or(t);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            _ => cell.push(c),
        }
    }
    cells.push(cell.trim().to_owned());
    cells
}

fn table_head(line: &str, next: Option<&str>) -> Option<(Vec<Align>, Vec<String>)> {
    let next = next?;
    if !line.contains('|') || !next.contains('-') {
        return None;
    }
    let head = split_row(line);
    let delims = split_row(next);
    if head.len() != delims.len() {
        return None;
    }
    let aligns = delims
        .iter()
        .map(|d| {
            let core = d.trim_start_matches(':').trim_end_matches(':');
            if core.is_empty() || !core.chars().all(|c| c == '-') {
                return None;
            }
            Some(match (d.starts_with(':'), d.ends_with(':')) {
                (true, true) => Align::Center,
                (true, false) => Align::Left,
                (false, true) => Align::Right,
                (false, false) => Align::None,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((aligns, head))
}
