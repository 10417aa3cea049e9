//! The quote or list a streaming reply ends in, read line by line as it grows (CommonMark's
//! "open blocks"): each line is read once, when its role in the block has settled, and the
//! block's content (the quote's text without its markers, or the list's last item without its
//! indent) is rendered incrementally by an [`IncrementalRender`] of its own. An update then
//! costs what it added, however long the quote or list has grown.

use std::rc::Rc;

use super::blocks::MAX_NESTING;
use super::cutter::settles;
use super::incremental::IncrementalRender;
use super::line_kinds::{
    is_blank, is_rule, item_first_text, list_marker, quote_content, ItemLine, ItemLines, Marker,
    QuoteLine, QuoteLines, MAX_RULE_LINE,
};
use super::tree::{self, Html};

/// What reading the text that has arrived found.
pub(super) enum Read {
    /// The block is still open and shows as this tree.
    Open(Html),
    /// The block ended before the line at `at`, and shows as `tree` for good.
    Ended { tree: Html, at: usize },
    /// The last line, which has not all arrived, may or may not end the block: render the
    /// text from the block's start as a whole this time. The lines before it stay read.
    Unsure,
}

#[derive(Debug)]
pub(super) struct OpenBlock {
    kind: Kind,
    /// Where the block starts in the text.
    start: usize,
    /// Text before this offset has been read.
    read_to: usize,
    /// The line being read has settled in its role, and its text goes into `inner` as it
    /// arrives, from this offset on.
    line: Option<(usize, Role)>,
    /// The quote's text, or the list's last item's.
    inner: String,
    /// Renders `inner`.
    content: IncrementalRender,
    /// The nodes of `inner` that `content` has committed.
    kept: Vec<Html>,
    /// How many quotes and list items deep `inner` is.
    depth: usize,
}

#[derive(Debug)]
enum Kind {
    Quote(QuoteLines),
    List {
        /// The marker of the first item (what kind of list it is), once read.
        first: Option<Marker>,
        tight: bool,
        item: ItemLines,
        /// The items before the last, as they show for good.
        items: Vec<Html>,
    },
}

/// A line's role in the block, once settled.
#[derive(Debug, Clone, Copy)]
enum Role {
    Quoted,
    Lazy,
    ItemText { after_blank: bool },
    NextItem(Marker),
    Blank,
}

/// What a line (whole, or as much of it as has arrived) is to the block.
enum Step<'a> {
    /// A tight list turns loose with this line.
    Loose,
    /// Its role has settled, and this is its text so far.
    Settled(Role, &'a str),
    /// It belongs to the block with this text for now, but what follows may change that.
    ForNow(&'a str),
    /// The block has ended before it.
    Ends,
    Unsure,
}

impl OpenBlock {
    /// The quote or list that starts with the line at `start` of `text`, `depth` levels deep,
    /// when that line starts one for sure.
    pub(super) fn starting_at(text: &str, start: usize, depth: usize) -> Option<Self> {
        if depth >= MAX_NESTING {
            return None;
        }
        let rest = &text[start..];
        let newline = rest.find('\n');
        let line = &rest[..newline.unwrap_or(rest.len())];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let kind = if quote_content(line).is_some() {
            Kind::Quote(QuoteLines::default())
        } else {
            let marker = list_marker(line)?;
            let settled = if newline.is_some() {
                !is_rule(line)
            } else {
                marker_settled(line, &marker)
            };
            if !settled {
                return None;
            }
            Kind::List {
                first: None,
                tight: true,
                item: ItemLines::new(marker, ""),
                items: Vec::new(),
            }
        };
        Some(OpenBlock::new(kind, start, depth))
    }

    fn new(kind: Kind, start: usize, depth: usize) -> Self {
        let tight = matches!(kind, Kind::List { tight: true, .. });
        OpenBlock {
            kind,
            start,
            read_to: start,
            line: None,
            inner: String::new(),
            content: IncrementalRender::nested(depth + 1, tight),
            kept: Vec::new(),
            depth,
        }
    }

    /// The list read again from its start as a loose one: a blank line between two of its
    /// items (or inside one) changes how every item shows.
    fn restart_loose(&mut self) {
        let kind = Kind::List {
            first: None,
            tight: false,
            item: ItemLines::new(EMPTY_MARKER, ""),
            items: Vec::new(),
        };
        *self = OpenBlock::new(kind, self.start, self.depth);
    }

    /// Reads what has arrived of `text` (the whole text: its first `settled` bytes only grow,
    /// see [`IncrementalRender::update_within`]) since the last call.
    pub(super) fn read(&mut self, text: &str, settled: usize) -> Read {
        loop {
            let rest = &text[self.read_to..];
            let newline = rest.find('\n');
            let line = &rest[..newline.unwrap_or(rest.len())];
            // A line's `\r\n` end is not its text; a `\r` that arrived alone may be either.
            let line = line.strip_suffix('\r').unwrap_or(line);
            let (from, role, body) = match self.line {
                Some((from, role)) => (from, role, line),
                None if rest.is_empty() => return Read::Open(self.tree("")),
                // A line held for now by the block around this one: shown, not read for good.
                None if self.read_to >= settled => {
                    return match self.step(line, false) {
                        Step::Settled(
                            Role::Quoted | Role::Lazy | Role::ItemText { after_blank: false },
                            body,
                        )
                        | Step::ForNow(body) => Read::Open(self.tree(body)),
                        _ => Read::Unsure,
                    }
                }
                None => match self.step(line, newline.is_some()) {
                    Step::Settled(Role::Blank, _) => {
                        self.read_line(0, Role::Blank);
                        self.read_to += newline.map_or(rest.len(), |n| n + 1);
                        continue;
                    }
                    Step::Settled(role, body) => {
                        match role {
                            Role::NextItem(marker) => self.next_item(marker),
                            Role::ItemText { after_blank: true } => self.inner.push('\n'),
                            _ => {}
                        }
                        (self.inner.len(), role, body)
                    }
                    Step::ForNow(body) => return Read::Open(self.tree(body)),
                    Step::Loose => {
                        self.restart_loose();
                        continue;
                    }
                    Step::Ends => {
                        return Read::Ended {
                            tree: self.tree(""),
                            at: self.read_to,
                        }
                    }
                    Step::Unsure => return Read::Unsure,
                },
            };
            self.inner.push_str(body);
            match newline {
                Some(n) => {
                    self.inner.push('\n');
                    self.read_line(from, role);
                    self.line = None;
                    self.read_to += n + 1;
                }
                None => {
                    self.line = Some((from, role));
                    self.read_to += line.len();
                    return Read::Open(self.tree(""));
                }
            }
        }
    }

    /// What `line` is to the block; `whole`: its end has arrived.
    fn step<'a>(&self, line: &'a str, whole: bool) -> Step<'a> {
        let settled = |line: &str| whole || settles(line);
        match &self.kind {
            Kind::Quote(quote) => match quote.classify(line, true) {
                // A space right after the `>` is not text: the text settles after it.
                QuoteLine::Quoted(text) if whole || line.trim_start() != ">" => {
                    Step::Settled(Role::Quoted, text)
                }
                QuoteLine::Quoted(text) => Step::ForNow(text),
                QuoteLine::Lazy(text) if settled(line) => Step::Settled(Role::Lazy, text),
                QuoteLine::Lazy(text) => Step::ForNow(text),
                QuoteLine::End if ends_for_good(line, whole) => Step::Ends,
                QuoteLine::End => Step::Unsure,
            },
            Kind::List { first: None, .. } => match list_marker(line) {
                Some(marker) if whole || marker_settled(line, &marker) => {
                    Step::Settled(Role::NextItem(marker), item_first_text(line, &marker))
                }
                _ => Step::Unsure,
            },
            Kind::List {
                first: Some(first),
                tight,
                item,
                ..
            } => match item.classify(line, first) {
                ItemLine::Blank if whole => Step::Settled(Role::Blank, ""),
                ItemLine::Blank => Step::ForNow(""),
                // Text after a blank line makes a tight list loose, which changes every item.
                ItemLine::Text {
                    after_blank: true, ..
                } if *tight => Step::Loose,
                ItemLine::Text { text, after_blank } => {
                    Step::Settled(Role::ItemText { after_blank }, text)
                }
                ItemLine::Lazy(text) if settled(line) => Step::Settled(Role::Lazy, text),
                ItemLine::Lazy(text) => Step::ForNow(text),
                ItemLine::Next(marker)
                    if item.pending_blank && *tight && (whole || marker_settled(line, &marker)) =>
                {
                    Step::Loose
                }
                ItemLine::Next(_) if item.pending_blank && *tight => Step::Unsure,
                ItemLine::Next(marker) if whole || marker_settled(line, &marker) => {
                    Step::Settled(Role::NextItem(marker), item_first_text(line, &marker))
                }
                ItemLine::Next(_) => Step::Unsure,
                ItemLine::End if ends_for_good(line, whole) => Step::Ends,
                ItemLine::End => Step::Unsure,
            },
        }
    }

    /// Takes in a whole line, whose text is in `inner` from `from` on (with its `\n`).
    fn read_line(&mut self, from: usize, role: Role) {
        let text = self.inner[from..].strip_suffix('\n').unwrap_or("");
        match &mut self.kind {
            Kind::Quote(quote) => match role {
                Role::Quoted => quote.read(QuoteLine::Quoted(text)),
                _ => quote.read(QuoteLine::Lazy(text)),
            },
            Kind::List { item, .. } => match role {
                Role::Blank => item.read(ItemLine::Blank),
                Role::ItemText { after_blank } => item.read(ItemLine::Text { text, after_blank }),
                Role::NextItem(marker) => *item = ItemLines::new(marker, text),
                _ => item.read(ItemLine::Lazy(text)),
            },
        }
    }

    /// A new item starts with `marker`: the one before it is done.
    fn next_item(&mut self, marker: Marker) {
        if let Kind::List { first, .. } = &self.kind {
            if first.is_some() {
                let done = tree::list_item(self.content_nodes(""));
                self.inner.clear();
                self.kept.clear();
                self.content = IncrementalRender::nested(self.depth + 1, self.tight());
                if let Kind::List { items, .. } = &mut self.kind {
                    items.push(Html::Shared(Rc::new(done)));
                }
            }
        }
        if let Kind::List { first, item, .. } = &mut self.kind {
            first.get_or_insert(marker);
            *item = ItemLines::new(marker, "");
        }
    }

    fn tight(&self) -> bool {
        matches!(self.kind, Kind::List { tight: true, .. })
    }

    /// The block's tree, with `extra` (the text of a line that belongs to it for now) after
    /// what it holds.
    fn tree(&mut self, extra: &str) -> Html {
        let children = self.content_nodes(extra);
        match &self.kind {
            Kind::Quote(_) => tree::quote(children),
            Kind::List { first, items, .. } => {
                let first = first.unwrap_or(EMPTY_MARKER);
                let mut all = items.clone();
                all.push(tree::list_item(children));
                tree::list(first.bullet.is_none(), first.number, all)
            }
        }
    }

    /// The nodes of `inner` followed by `extra`.
    fn content_nodes(&mut self, extra: &str) -> Vec<Html> {
        let len = self.inner.len();
        self.inner.push_str(extra);
        let update = self.content.update_within(&self.inner, len);
        self.inner.truncate(len);
        self.kept
            .extend(update.committed.into_iter().map(|node| match node {
                Html::Shared(_) => node,
                other => Html::Shared(Rc::new(other)),
            }));
        let mut nodes = self.kept.clone();
        nodes.extend(update.tail);
        nodes
    }
}

/// Whether `line`, which ends a block, ends it whatever is appended to it. A fence of backticks
/// is the one block marker that a later character can undo (a backtick in its info string).
fn ends_for_good(line: &str, whole: bool) -> bool {
    whole || (!is_blank(line) && settles(line) && !line.trim_start().starts_with("```"))
}

/// Whether a line that starts with a list item's `marker` stays one: text follows the marker,
/// and the line can no longer grow into a rule (`* *` before `* * *`; a rule's line is short).
fn marker_settled(line: &str, marker: &Marker) -> bool {
    !marker.empty
        && (line.len() > MAX_RULE_LINE
            || marker
                .bullet
                .is_none_or(|bullet| line.chars().any(|c| c != bullet && !c.is_whitespace())))
}

/// Stands for a list's marker before its first line is read.
const EMPTY_MARKER: Marker = Marker {
    bullet: Some('-'),
    delimiter: None,
    number: 0,
    content_indent: 2,
    empty: true,
};
