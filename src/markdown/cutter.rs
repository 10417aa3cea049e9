//! Where a long paragraph is cut into parts, found as its text is read.

use super::blocks::{MAX_NESTING, PART};
use super::cost::tick;
use super::line_kinds::MAX_RULE_LINE;

/// Finds where a long paragraph is cut into parts that are read (and shown) on their own.
///
/// A cut depends only on the text before it (and the byte right after it), so a cut found in a
/// reply still streaming stays where it is. It goes after a space at least [`PART`] bytes into
/// the part (less in quotes and lists: [`part_size`]), where no markup seems open (no `[`, `(`
/// of a link, code span, `<` or emphasis left open by a rough count); after twice that at the
/// next space whatever is open, or
/// at any character when the text has no space (a hostile reply can be a megabyte without
/// one). Markup that spans a cut shows as written, which only such long paragraphs risk.
///
/// A cut is made only in a line that has settled ([`LineStart`]): appending to it can no longer
/// turn it into a heading, list item, quote, fence, rule or setext underline that would end
/// the paragraph before the cut.
pub(super) struct Cutter {
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
    /// How many quotes and list items deep the paragraph is.
    depth: usize,
    /// Bytes of a part: [`PART`] at the top, less in quotes and lists (see [`part_size`]).
    part: usize,
}

impl Cutter {
    /// `after_cut`: the text starts right after a cut; `depth`: quotes and list items around
    /// the paragraph.
    pub(super) fn new(after_cut: bool, depth: usize) -> Self {
        Cutter {
            since: 0,
            line: LineStart::flat(depth >= MAX_NESTING),
            settled_line: after_cut,
            brackets: 0,
            parens: 0,
            ticks: None,
            emphasis: 0,
            angle: false,
            prev: b' ',
            depth,
            part: part_size(depth),
        }
    }

    fn quiet(&self) -> bool {
        self.brackets == 0
            && self.parens == 0
            && self.ticks.is_none()
            && self.emphasis == 0
            && !self.angle
    }

    pub(super) fn line_break(&mut self) {
        self.since += 1;
        self.line = LineStart::flat(self.depth >= MAX_NESTING);
        self.settled_line = false;
        self.angle = false;
        self.prev = b'\n';
    }

    /// Reads `piece`, a line or the rest of one, that starts at `at`; records cuts in `cuts`.
    pub(super) fn feed(&mut self, piece: &str, at: usize, cuts: &mut Vec<usize>) {
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
                    (self.since >= self.part && self.quiet()) || self.since >= 2 * self.part
                } else {
                    self.since >= 2 * self.part && piece.is_char_boundary(k)
                };
            if cut {
                cuts.push(at + k);
                *self = Cutter::new(true, self.depth);
            }
        }
    }
}

/// Bytes of a part of a paragraph `depth` quotes and list items deep. The page lays out the part
/// that grows again at each update, and a deeper paragraph has a narrower column, so more lines
/// for the same bytes: 16 KB of `- ` eight lists deep took 19 ms of layout per frame (traced).
/// Its parts are smaller in proportion.
fn part_size(depth: usize) -> usize {
    PART / (depth + 1)
}

/// The start of a line of a paragraph, read byte by byte, to tell when no text appended to the
/// line can make it a block marker any more.
#[derive(Default)]
pub(super) struct LineStart {
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
    /// Quote and list markers are plain text here (the line is nested as deep as they go).
    flat: bool,
    /// Bytes read.
    len: usize,
}

impl LineStart {
    /// A line nested as deep as quotes and lists go when `flat`, else any line.
    pub(super) fn flat(flat: bool) -> Self {
        LineStart {
            flat,
            ..LineStart::default()
        }
    }

    pub(super) fn read(&mut self, byte: u8) {
        self.len += 1;
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
    pub(super) fn settled(&self) -> bool {
        let shown = |b: Option<u8>| b.is_some_and(|b| !b.is_ascii_whitespace());
        self.plain
            || self.indent > 3
            || match self.first {
                // A bullet must be followed by a space; a rule or setext underline is one
                // character repeated.
                Some(b'-' | b'*' | b'+') => {
                    shown(self.after[0])
                        || (self.len > MAX_RULE_LINE && (self.flat || self.after[0].is_none()))
                }
                Some(b'_' | b'=') => self.mixed || self.len > MAX_RULE_LINE,
                Some(b'`' | b'~') => self.run < 3 && shown(self.after[0]),
                Some(b'#') => self.run > 6 || shown(self.after[0]),
                Some(b'0'..=b'9') => {
                    self.flat
                        || self.run > 9
                        || self.after[0].is_some_and(|b| b != b'.' && b != b')')
                        || shown(self.after[1])
                }
                Some(b'.' | b')') => true,
                Some(b'>') => self.flat,
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

/// Whether `line` has settled: nothing appended to it can make it a block marker (quotes and
/// lists may open at its level).
pub(super) fn settles(line: &str) -> bool {
    let mut start = LineStart::default();
    line.bytes().any(|byte| {
        tick(1);
        start.read(byte);
        start.settled()
    })
}
