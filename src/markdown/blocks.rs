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
    /// A paragraph long enough to be cut into parts (see [`Cutter`]): each part's
    /// inline markup is read on its own, with the byte offset where the part starts. A
    /// streaming reply shows each part once it is followed by another and reads only the last
    /// one again as text arrives.
    Parts(Vec<(usize, String)>),
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
    blocks_at(text, 0, false)
}

/// [`parse_blocks`] for `text` that starts inside a top-level paragraph, right after one of
/// its cuts: its first block is the rest of that paragraph, as [`Block::Parts`].
pub fn parse_blocks_after_cut(text: &str) -> Vec<(Range<usize>, Block)> {
    blocks_at(text, 0, true)
}

/// [`parse_blocks`] for text nested `depth` quotes and list items deep; `after_cut`: the text
/// starts inside a paragraph (see [`parse_blocks_after_cut`]).
fn blocks_at(text: &str, depth: usize, after_cut: bool) -> Vec<(Range<usize>, Block)> {
    let nest = depth < MAX_NESTING;
    let lines = lines_of(text);
    let line = |i: usize| &text[lines[i].start..lines[i].end];
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = line(i);
        if after_cut && i == 0 {
            let (block, next) = paragraph(text, &lines, 0, depth, true);
            i = next;
            blocks.push((0..lines[i - 1].next, block));
            continue;
        }
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
                blocks_at(&inner, depth + 1, false)
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
            let (block, next) = paragraph(text, &lines, i, depth, false);
            i = next;
            block
        };
        blocks.push((lines[first].start..lines[i - 1].next, block));
    }
    blocks
}

/// The paragraph (or setext heading) that starts at line `first`, and the line after it.
/// `after_cut`: line `first` is the rest of a paragraph's line after a cut (see [`Cutter`]).
fn paragraph(
    text: &str,
    lines: &[Line],
    first: usize,
    depth: usize,
    after_cut: bool,
) -> (Block, usize) {
    let nest = depth < MAX_NESTING;
    let line = |i: usize| &text[lines[i].start..lines[i].end];
    let l = line(first);
    let first_text = if after_cut { l } else { l.trim_start() };
    // The pieces of the paragraph's lines, with where each starts in `text`.
    let mut pieces = vec![(lines[first].end - first_text.len(), first_text)];
    // A long paragraph is cut at any depth, so that the page lays out only the part that grows
    // (and the parts in view); a streaming reply commits a top-level one's parts by byte offset.
    let mut cutter = Cutter::new(after_cut);
    let mut cuts: Vec<usize> = Vec::new();
    cutter.feed(first_text, pieces[0].0, &mut cuts);
    let mut i = first + 1;
    let mut heading = None;
    while i < lines.len() {
        let next = line(i);
        // A setext underline makes the lines above it a heading, which a streaming reply can
        // no longer do once it has shown parts of them as a paragraph.
        if cuts.is_empty() && !after_cut {
            if let Some(level) = setext_underline(next) {
                heading = Some(level);
                i += 1;
                break;
            }
        }
        if is_blank(next) || interrupts_paragraph(next, nest) {
            break;
        }
        // The inline parser drops the indent, except inside a code span.
        pieces.push((lines[i].start, next));
        cutter.line_break();
        cutter.feed(next, lines[i].start, &mut cuts);
        i += 1;
    }
    let join = |pieces: &[(usize, &str)]| {
        pieces
            .iter()
            .map(|(_, p)| *p)
            .collect::<Vec<_>>()
            .join("\n")
    };
    if let Some(level) = heading {
        return (Block::Heading(level, join(&pieces).trim().to_owned()), i);
    }
    // A cut with only spaces after it is not one: the paragraph ends there.
    let end = pieces
        .iter()
        .rev()
        .find(|(_, p)| !is_blank(p))
        .map_or(0, |(at, p)| at + p.trim_end().len());
    cuts.retain(|&cut| cut < end);
    if cuts.is_empty() && !after_cut {
        return (Block::Paragraph(join(&pieces).trim_end().to_owned()), i);
    }
    // The text of each part: the pieces of lines between two cuts (a cut is always inside a
    // piece, after a space), in one pass.
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut cuts = cuts.into_iter().peekable();
    let mut part_start = pieces[0].0;
    let mut part = String::new();
    for (k, &(at, piece)) in pieces.iter().enumerate() {
        if k > 0 {
            part.push('\n');
        }
        let mut from = 0;
        while let Some(cut) = cuts.next_if(|&cut| cut < at + piece.len()) {
            part.push_str(&piece[from..cut - at]);
            parts.push((part_start, std::mem::take(&mut part)));
            part_start = cut;
            from = cut - at;
        }
        part.push_str(&piece[from..]);
    }
    parts.push((part_start, part));
    if let Some((_, last)) = parts.last_mut() {
        let trimmed = last.trim_end().len();
        last.truncate(trimmed);
    }
    (Block::Parts(parts), i)
}

/// Bytes of a top-level paragraph before it may be cut, and between cuts: a streaming reply
/// reads at most a few of these again at each update, however long the paragraph grows.
pub const PART: usize = 16 * 1024;

/// Finds where a long paragraph is cut into parts that are read (and shown) on their own.
///
/// A cut depends only on the text before it (and the byte right after it), so a cut found in a
/// reply still streaming stays where it is. It goes after a space at least [`PART`] bytes into
/// the part, where no markup seems open (no `[`, `(` of a link, code span, `<` or emphasis
/// left open by a rough count); after `2 * PART` bytes at the next space whatever is open, or
/// at any character when the text has no space (a hostile reply can be a megabyte without
/// one). Markup that spans a cut shows as written, which only such long paragraphs risk.
///
/// A cut is made only in a line that has settled ([`LineStart`]): appending to it can no longer
/// turn it into a heading, list item, quote, fence, rule or setext underline that would end
/// the paragraph before the cut.
struct Cutter {
    /// Bytes read since the last cut or the paragraph's start.
    since: usize,
    /// How the current line starts, until it has settled.
    line: LineStart,
    settled_line: bool,
    brackets: usize,
    parens: usize,
    /// Length of a run of backticks that may open a code span.
    ticks: Option<usize>,
    emphasis: usize,
    angle: bool,
    /// The byte before the one being read (`\n` at a line's start).
    prev: u8,
}

impl Cutter {
    fn new(after_cut: bool) -> Self {
        Cutter {
            since: 0,
            line: LineStart::default(),
            settled_line: after_cut,
            brackets: 0,
            parens: 0,
            ticks: None,
            emphasis: 0,
            angle: false,
            prev: b' ',
        }
    }

    fn quiet(&self) -> bool {
        self.brackets == 0
            && self.parens == 0
            && self.ticks.is_none()
            && self.emphasis == 0
            && !self.angle
    }

    fn line_break(&mut self) {
        self.since += 1;
        self.line = LineStart::default();
        self.settled_line = false;
        self.angle = false;
        self.prev = b'\n';
    }

    /// Reads `piece`, a line or the rest of one, that starts at `at`; records cuts in `cuts`.
    fn feed(&mut self, piece: &str, at: usize, cuts: &mut Vec<usize>) {
        let b = piece.as_bytes();
        let mut k = 0;
        while k < b.len() {
            tick(1);
            let c = b[k];
            let mut len = 1;
            match c {
                b'[' => self.brackets += 1,
                b']' => {
                    self.brackets = self.brackets.saturating_sub(1);
                    if b.get(k + 1) == Some(&b'(') {
                        self.parens += 1;
                        len = 2;
                    }
                }
                b'(' if self.parens > 0 => self.parens += 1,
                b')' => self.parens = self.parens.saturating_sub(1),
                b'<' => self.angle = true,
                b'>' => self.angle = false,
                b'`' => {
                    len = b[k..].iter().take_while(|&&x| x == c).count();
                    self.ticks = match self.ticks {
                        Some(open) if open == len => None,
                        None => Some(len),
                        other => other,
                    };
                }
                b'*' | b'_' | b'~' => {
                    len = b[k..].iter().take_while(|&&x| x == c).count();
                    let before_space = self.prev.is_ascii_whitespace();
                    let after_space = b.get(k + len).is_none_or(u8::is_ascii_whitespace);
                    if before_space && !after_space {
                        self.emphasis += 1;
                    } else if !before_space && after_space {
                        self.emphasis = self.emphasis.saturating_sub(1);
                    }
                }
                _ => {}
            }
            tick(len - 1);
            if !self.settled_line {
                for &byte in &b[k..k + len] {
                    self.line.read(byte);
                }
                self.settled_line = self.line.settled();
            }
            k += len;
            self.since += len;
            self.prev = b[k - 1];
            let next = b.get(k).copied();
            if c == b' ' {
                self.angle = false;
            }
            let cut = self.settled_line
                && next.is_some_and(|n| !n.is_ascii_whitespace())
                && if c == b' ' {
                    (self.since >= PART && self.quiet()) || self.since >= 2 * PART
                } else {
                    self.since >= 2 * PART && piece.is_char_boundary(k)
                };
            if cut {
                cuts.push(at + k);
                *self = Cutter::new(true);
            }
        }
    }
}

/// The start of a line of a paragraph, read byte by byte, to tell when no text appended to the
/// line can make it a block marker any more.
#[derive(Default)]
struct LineStart {
    indent: usize,
    /// The first byte after the indent, and how long its run is (a run of digits for a digit).
    first: Option<u8>,
    run: usize,
    run_open: bool,
    /// The two bytes after that run.
    after: [Option<u8>; 2],
    /// A byte other than spaces and `first` was seen.
    mixed: bool,
    /// A byte that no block marker uses was seen.
    plain: bool,
}

impl LineStart {
    fn read(&mut self, byte: u8) {
        if !is_marker_byte(byte) {
            self.plain = true;
        }
        let Some(first) = self.first else {
            match byte {
                b' ' => self.indent += 1,
                b'\t' => self.indent += 4,
                _ => (self.first, self.run, self.run_open) = (Some(byte), 1, true),
            }
            return;
        };
        if !byte.is_ascii_whitespace() && byte != first {
            self.mixed = true;
        }
        let same_run = byte == first || (first.is_ascii_digit() && byte.is_ascii_digit());
        if self.run_open && same_run {
            self.run += 1;
        } else if self.run_open {
            self.run_open = false;
            self.after[0] = Some(byte);
        } else if self.after[1].is_none() {
            self.after[1] = Some(byte);
        }
    }

    /// Whether the line can no longer become a block marker, whatever is appended to it.
    fn settled(&self) -> bool {
        let shown = |b: Option<u8>| b.is_some_and(|b| !b.is_ascii_whitespace());
        self.plain
            || self.indent > 3
            || match self.first {
                // A bullet must be followed by a space; a rule or setext underline is one
                // character repeated.
                Some(b'-' | b'*' | b'+') => shown(self.after[0]),
                Some(b'_' | b'=') => self.mixed,
                Some(b'`' | b'~') => self.run < 3 && shown(self.after[0]),
                Some(b'#') => self.run > 6 || shown(self.after[0]),
                Some(b'0'..=b'9') => {
                    self.run > 9
                        || self.after[0].is_some_and(|b| b != b'.' && b != b')')
                        || shown(self.after[1])
                }
                Some(b'.' | b')') => true,
                _ => false,
            }
    }
}

/// Bytes that block markers are made of (and spaces): a line of only these might still become
/// one as it grows.
fn is_marker_byte(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b'\r'
            | b'#'
            | b'`'
            | b'~'
            | b'-'
            | b'*'
            | b'+'
            | b'_'
            | b'='
            | b'>'
            | b'.'
            | b')'
            | b'0'..=b'9'
    )
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
            blocks_at(item, depth + 1, false)
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
    // A table's head is short; a long paragraph's first lines are cut into parts before a
    // delimiter row could follow them.
    if line.len() + next.len() > PART / 2 || !line.contains('|') || !next.contains('-') {
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
