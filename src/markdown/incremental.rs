//! A reply rendered as it streams: what is complete is built once, and the open tail again at
//! each update, read from where it may still change.

use super::blocks::{blocks_at, Block};
use super::open_block::{OpenBlock, Read};
use super::tree::{self, Html};

/// Renders a reply as it streams: blocks that are complete are turned into nodes once and kept;
/// only the open tail is rendered again. A long paragraph's parts (see [`Block::Parts`]) are
/// kept too once another part follows them, and a quote or list the reply ends in is read
/// line by line as it grows ([`OpenBlock`]), so the work of an update is bounded by what it
/// added and the open part of a paragraph, not by the reply, the paragraph or the quote.
#[derive(Debug, Default)]
pub struct IncrementalRender {
    /// Text before this offset belongs to committed blocks (or committed parts).
    committed_to: usize,
    /// `committed_to` is a cut inside a paragraph, not a block's start.
    after_cut: bool,
    /// How many quotes and list items deep this text is.
    depth: usize,
    /// The text is a tight list's item: its paragraphs show their text directly in the item.
    tight: bool,
    /// The quote or list the text ends in, from `committed_to` on, when it is read line by
    /// line.
    open: Option<Box<OpenBlock>>,
}

/// What changed since the last update.
#[derive(Debug, PartialEq)]
pub struct RenderUpdate {
    /// Nodes of blocks (or parts of a paragraph) that just became complete: they will not
    /// change again.
    pub committed: Vec<Html>,
    /// Nodes of the open tail: they may still change with the next update.
    pub tail: Vec<Html>,
}

impl IncrementalRender {
    /// Renders the content of a quote or list item `depth` levels deep; `tight`: the item of a
    /// tight list.
    pub(super) fn nested(depth: usize, tight: bool) -> Self {
        IncrementalRender {
            depth,
            tight,
            ..IncrementalRender::default()
        }
    }

    /// `text` is the whole reply so far (it only grows while streaming).
    pub fn update(&mut self, text: &str) -> RenderUpdate {
        self.update_within(text, text.len())
    }

    /// [`IncrementalRender::update`] for text of which only the first `settled` bytes only
    /// grow: the rest is a line that a quote or list around this text holds for now, and
    /// nothing in it is read for good or committed.
    pub(super) fn update_within(&mut self, text: &str, settled: usize) -> RenderUpdate {
        if self.committed_to > text.len() || !text.is_char_boundary(self.committed_to) {
            *self = IncrementalRender::nested(self.depth, self.tight);
        }
        let mut committed = Vec::new();
        // A quote or list at the start of what is not committed yet is read line by line.
        while !self.after_cut {
            if self.open.is_none() {
                self.open =
                    OpenBlock::starting_at(text, self.committed_to, self.depth).map(Box::new);
            }
            let Some(open) = self.open.as_mut() else {
                break;
            };
            match open.read(text, settled) {
                Read::Open(tree) => {
                    return RenderUpdate {
                        committed,
                        tail: vec![tree],
                    }
                }
                Read::Ended { tree, at } => {
                    committed.push(tree);
                    self.committed_to = at;
                    self.open = None;
                }
                Read::Unsure => break,
            }
        }
        let start = self.committed_to;
        let before = (self.committed_to, self.after_cut, committed.len());
        let rest = &text[start..];
        let blocks = blocks_at(rest, self.depth, self.after_cut);
        let mut complete = 0;
        for i in 0..blocks.len().saturating_sub(1) {
            if !is_complete(rest, &blocks[i], &blocks[i + 1]) {
                break;
            }
            complete = i + 1;
        }
        let tight = self.tight;
        committed.extend(
            blocks[..complete]
                .iter()
                .flat_map(|(_, b)| tree::item_block_with(b, tight, &mut tree::part)),
        );
        let mut tail = Vec::new();
        if complete > 0 {
            self.committed_to = start + blocks[complete].0.start;
            self.after_cut = false;
            // The open block, if any, was among those just committed.
            self.open = None;
        }
        let open = &blocks[complete..];
        for (k, (_, block)) in open.iter().enumerate() {
            match block {
                // The first open block is a long paragraph: its parts but the last are final
                // (a cut depends only on the text before it).
                Block::Parts(parts) if k == 0 => {
                    let (last_at, last) = &parts[parts.len() - 1];
                    committed.extend(parts[..parts.len() - 1].iter().map(|(_, t)| tree::part(t)));
                    tail.push(tree::part(last));
                    if parts.len() > 1 {
                        self.committed_to = start + last_at;
                        self.after_cut = true;
                        self.open = None;
                    }
                }
                other => tail.extend(tree::item_block_with(other, tight, &mut tree::part)),
            }
        }
        if self.committed_to > settled {
            // Only text held for now made these complete: show them, commit them later.
            let kept;
            (self.committed_to, self.after_cut, kept) = before;
            let mut shown = committed.split_off(kept);
            shown.append(&mut tail);
            tail = shown;
        }
        RenderUpdate { committed, tail }
    }
}

/// Whether `block`, followed by `next` in `text`, is complete: nothing that arrives later can
/// change how it reads.
fn is_complete(
    text: &str,
    (range, block): &(std::ops::Range<usize>, Block),
    (next_range, _): &(std::ops::Range<usize>, Block),
) -> bool {
    // Block ranges cover whole lines, so a gap between two ranges is blank lines. A list is
    // the exception: after a blank line an indented line or another item (which may still be
    // arriving, as "2" before "2.") continues it.
    if next_range.start > range.end {
        let next_first = text[next_range.start..].chars().next();
        let may_continue = matches!(block, Block::List { .. })
            && next_first.is_none_or(|c| {
                c.is_whitespace() || c.is_ascii_digit() || matches!(c, '-' | '*' | '+')
            });
        return !may_continue;
    }
    // Right after it, with no blank line between. A closed fence, a heading or a rule ended
    // with their own (whole) line; any other block ended at the next block's first line,
    // which decides only once it is whole (a line "-" continues a paragraph, "- x" does not).
    match block {
        Block::Code { .. } | Block::Heading(..) | Block::Rule => true,
        _ => text[next_range.clone()].contains('\n'),
    }
}
