//! Block structure: which lines make a paragraph, a heading, a code fence, a list, a quote or a
//! table. Each block keeps the byte range of its lines so a streaming render knows what is done.
//!
//! Quotes and list items hold blocks, parsed by a nested call. A reply can nest them thousands
//! deep (`>>>>…`, `- - - …`), and every level is a stack frame here, a copy of the level's
//! text and a DOM element: past [`MAX_NESTING`] levels a quote or list marker is plain text.

use std::ops::Range;

use super::cost::tick;
use super::cutter::Cutter;
use super::line_kinds::{
    atx_heading, fence_open, interrupts_paragraph, is_blank, is_fence_close, is_rule,
    item_first_text, list_marker, quote_content, setext_underline, strip_indent, ItemLine,
    ItemLines, Marker, QuoteLine, QuoteLines,
};
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
pub(super) fn blocks_at(text: &str, depth: usize, after_cut: bool) -> Vec<(Range<usize>, Block)> {
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
            let mut quote = QuoteLines::default();
            while i < lines.len() {
                let kind = quote.classify(line(i), nest);
                match kind {
                    QuoteLine::Quoted(content) | QuoteLine::Lazy(content) => {
                        inner.push_str(content)
                    }
                    QuoteLine::End => break,
                }
                quote.read(kind);
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
    let mut cutter = Cutter::new(after_cut, depth);
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

/// The list that starts at line `first` with `marker`, `depth` levels deep, and the line after it.
fn list(text: &str, lines: &[Line], first: usize, marker: Marker, depth: usize) -> (Block, usize) {
    let line = |i: usize| &text[lines[i].start..lines[i].end];
    let mut items: Vec<String> = Vec::new();
    let mut tight = true;
    let first_text = item_first_text(line(first), &marker);
    let mut item = ItemLines::new(marker, first_text);
    let mut content = format!("{first_text}\n");
    let mut i = first + 1;
    loop {
        let kind = match lines.get(i) {
            Some(_) => item.classify(line(i), &marker),
            None => ItemLine::End,
        };
        match kind {
            ItemLine::Blank => {}
            ItemLine::Text { text, after_blank } => {
                if after_blank {
                    content.push('\n');
                    tight = false;
                }
                content.push_str(text);
                content.push('\n');
            }
            ItemLine::Lazy(text) => {
                content.push_str(text);
                content.push('\n');
            }
            ItemLine::Next(next) => {
                if item.pending_blank {
                    tight = false;
                }
                items.push(std::mem::take(&mut content));
                let first_text = item_first_text(line(i), &next);
                item = ItemLines::new(next, first_text);
                content = format!("{first_text}\n");
                i += 1;
                continue;
            }
            ItemLine::End => {
                items.push(content);
                // Trailing blank lines belong after the list, not to it.
                while i > first + 1 && is_blank(line(i - 1)) {
                    i -= 1;
                }
                break;
            }
        }
        item.read(kind);
        i += 1;
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
