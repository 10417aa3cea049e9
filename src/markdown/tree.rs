//! Blocks → a plain element tree. Safe by construction: tags come from a fixed list, the only
//! attributes are checked URLs, alignment and fixed values, and all text stays text.

use std::rc::Rc;

use super::blocks::{Align, Block};
use super::inline::{parse_inline, Inline};

/// An element or a text node, ready to be built as DOM nodes.
#[derive(Debug, Clone)]
pub enum Html {
    Element {
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
        children: Vec<Html>,
    },
    Text(String),
    /// A tree kept from an earlier update of a streaming reply (what an open quote or list
    /// holds that is complete): the same tree, not a copy, so that the update neither builds
    /// it again nor costs anything to compare with what is shown.
    Shared(Rc<Html>),
}

/// Trees are equal when they would build the same nodes, shared or not; two shares of one tree
/// are equal without reading it.
impl PartialEq for Html {
    fn eq(&self, other: &Html) -> bool {
        match (self, other) {
            (Html::Shared(a), Html::Shared(b)) if Rc::ptr_eq(a, b) => true,
            (Html::Shared(a), b) => **a == *b,
            (a, Html::Shared(b)) => *a == **b,
            (Html::Text(a), Html::Text(b)) => a == b,
            (
                Html::Element {
                    tag,
                    attrs,
                    children,
                },
                Html::Element {
                    tag: other_tag,
                    attrs: other_attrs,
                    children: other_children,
                },
            ) => tag == other_tag && attrs == other_attrs && children == other_children,
            _ => false,
        }
    }
}

impl Html {
    /// Whether this is a part of a long paragraph (see [`part`]).
    pub fn is_part(&self) -> bool {
        matches!(self.resolved(), Html::Element { attrs, .. }
            if attrs.iter().any(|(name, value)| *name == "class" && value == PART_CLASS))
    }

    /// The node itself, or the tree a [`Html::Shared`] holds.
    pub fn resolved(&self) -> &Html {
        match self {
            Html::Shared(tree) => tree.resolved(),
            other => other,
        }
    }

    /// How many elements `nodes` hold, at any depth, leaving out shared trees (built by an
    /// earlier update): what building them costs the page.
    pub fn count_elements(nodes: &[Html]) -> usize {
        let mut count = 0;
        let mut pending: Vec<&[Html]> = vec![nodes];
        while let Some(nodes) = pending.pop() {
            for node in nodes {
                if let Html::Element { children, .. } = node {
                    count += 1;
                    pending.push(children);
                }
            }
        }
        count
    }
}

fn el(tag: &'static str, children: Vec<Html>) -> Html {
    Html::Element {
        tag,
        attrs: Vec::new(),
        children,
    }
}

fn el_with(tag: &'static str, attrs: Vec<(&'static str, String)>, children: Vec<Html>) -> Html {
    Html::Element {
        tag,
        attrs,
        children,
    }
}

/// A URL that may become a live link: absolute http(s), or mailto, with no control or
/// direction-override characters. Anything else (javascript:, data:, vbscript:, relative) is
/// refused and the link stays plain text.
pub fn safe_url(url: &str, allow_mailto: bool) -> Option<String> {
    let url = url.trim();
    let bad_char = |c: char| {
        c.is_control()
            || c.is_whitespace()
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if url.chars().any(bad_char) {
        return None;
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || (allow_mailto && lower.starts_with("mailto:"));
    (ok && url.len() > 8).then(|| url.to_owned())
}

pub fn block(block: &Block) -> Vec<Html> {
    block_with(block, &mut part)
}

/// [`block`], with the parts of long paragraphs made by `part` (which may keep them from an
/// earlier update).
pub fn block_with(block: &Block, part: &mut dyn FnMut(&str) -> Html) -> Vec<Html> {
    vec![match block {
        Block::Paragraph(text) => el("p", inlines(&parse_inline(text))),
        Block::Heading(level, text) => {
            let tag = ["h1", "h2", "h3", "h4", "h5", "h6"][(*level as usize).clamp(1, 6) - 1];
            el(tag, inlines(&parse_inline(text)))
        }
        Block::Code { lang, text } => {
            let attrs = if lang.is_empty() {
                Vec::new()
            } else {
                vec![("class", format!("language-{lang}"))]
            };
            el(
                "pre",
                vec![el_with("code", attrs, vec![Html::Text(text.clone())])],
            )
        }
        Block::List {
            ordered,
            start,
            tight,
            items,
        } => list(
            *ordered,
            *start,
            items
                .iter()
                .map(|item| {
                    list_item(
                        item.iter()
                            .flat_map(|b| item_block_with(b, *tight, part))
                            .collect(),
                    )
                })
                .collect(),
        ),
        Block::Quote(blocks) => quote(blocks.iter().flat_map(|b| block_with(b, part)).collect()),
        Block::Table { aligns, head, rows } => {
            let row = |cells: &[String], tag: &'static str| {
                let cells = cells
                    .iter()
                    .zip(aligns)
                    .map(|(cell, align)| {
                        let mut attrs = match align {
                            Align::None => Vec::new(),
                            Align::Left => vec![("style", "text-align: left".to_owned())],
                            Align::Center => vec![("style", "text-align: center".to_owned())],
                            Align::Right => vec![("style", "text-align: right".to_owned())],
                        };
                        if cell.chars().nth(LONG_CELL_CHARS).is_some() {
                            attrs.push(("class", LONG_CELL_CLASS.to_owned()));
                        }
                        el_with(tag, attrs, inlines(&parse_inline(cell)))
                    })
                    .collect();
                el("tr", cells)
            };
            let mut table = vec![el("thead", vec![row(head, "th")])];
            if !rows.is_empty() {
                table.push(el("tbody", rows.iter().map(|r| row(r, "td")).collect()));
            }
            el("table", table)
        }
        Block::Rule => el("hr", Vec::new()),
        Block::Parts(parts) => return parts.iter().map(|(_, text)| part(text)).collect(),
    }]
}

/// One part of a long paragraph: a `span` the stylesheet shows as a block without margins, so
/// the parts read as one paragraph (a new line between them) and one that grows is laid out
/// alone; the block after them gets the paragraph's margin.
pub fn part(text: &str) -> Html {
    el_with(
        "span",
        vec![("class", PART_CLASS.to_owned())],
        inlines(&parse_inline(text)),
    )
}

/// The class of a long paragraph's parts.
pub const PART_CLASS: &str = "cb-part";

/// A table cell longer than this many characters (as written) is a sentence rather than a
/// figure or a name. It is marked with [`LONG_CELL_CLASS`], which the stylesheet keeps a few
/// words wide: in a narrow bubble its column would otherwise shrink to its longest word, one
/// word a line, where the table can scroll sideways instead.
const LONG_CELL_CHARS: usize = 24;
pub const LONG_CELL_CLASS: &str = "cb-long-cell";

/// A block as a list item shows it: in a tight list a paragraph's text sits directly in the item.
pub fn item_block_with(
    block: &Block,
    tight: bool,
    part: &mut dyn FnMut(&str) -> Html,
) -> Vec<Html> {
    match block {
        Block::Paragraph(text) if tight => inlines(&parse_inline(text)),
        other => block_with(other, part),
    }
}

pub fn quote(children: Vec<Html>) -> Html {
    el("blockquote", children)
}

pub fn list_item(children: Vec<Html>) -> Html {
    el("li", children)
}

pub fn list(ordered: bool, start: u64, items: Vec<Html>) -> Html {
    match (ordered, start) {
        (true, 1) => el("ol", items),
        (true, n) => el_with("ol", vec![("start", n.to_string())], items),
        (false, _) => el("ul", items),
    }
}

fn inlines(items: &[Inline]) -> Vec<Html> {
    inlines_within(items, false)
}

/// [`inlines`], `in_link` when they are a link's text.
fn inlines_within(items: &[Inline], in_link: bool) -> Vec<Html> {
    let inlines = |children| inlines_within(children, in_link);
    let mut out: Vec<Html> = Vec::new();
    for item in items {
        match item {
            Inline::Text(t) => push_text(&mut out, t),
            Inline::SoftBreak => push_text(&mut out, "\n"),
            Inline::Break => out.push(el("br", Vec::new())),
            Inline::Code(code) => out.push(el("code", vec![Html::Text(code.clone())])),
            Inline::Em(children) => out.push(el("em", inlines(children))),
            Inline::Strong(children) => out.push(el("strong", inlines(children))),
            Inline::Strike(children) => out.push(el("del", inlines(children))),
            Inline::Link { href, children } => match safe_url(href, true) {
                Some(href) => out.push(el_with(
                    "a",
                    vec![
                        ("href", href),
                        ("rel", "noopener noreferrer".to_owned()),
                        ("target", "_blank".to_owned()),
                    ],
                    inlines_within(children, true),
                )),
                None => {
                    for child in inlines(children) {
                        match child {
                            Html::Text(t) => push_text(&mut out, &t),
                            element => out.push(element),
                        }
                    }
                }
            },
            Inline::Image { src, alt } => {
                let alt = plain_text(alt);
                match safe_url(src, false) {
                    // A picture is shown no taller than the panel allows (the stylesheet), so
                    // it opens full size in a tab of its own; one with no words to name that
                    // link by, or already a link's, stays as it is.
                    Some(src) if !in_link && !alt.trim().is_empty() => out.push(el_with(
                        "a",
                        vec![
                            ("href", src.clone()),
                            ("rel", "noopener noreferrer".to_owned()),
                            ("target", "_blank".to_owned()),
                        ],
                        vec![el_with("img", vec![("src", src), ("alt", alt)], Vec::new())],
                    )),
                    Some(src) => {
                        out.push(el_with("img", vec![("src", src), ("alt", alt)], Vec::new()))
                    }
                    None => push_text(&mut out, &alt),
                }
            }
        }
    }
    out
}

/// A run of text becomes text nodes of about this many bytes, each ended after a space: the
/// browser lays out a word appended to a short text node far faster than one appended to a long
/// one (a 300 KB paragraph: 8 against 27 ms measured in Chromium), and the pieces read the same.
const TEXT_PIECE: usize = 8 * 1024;

/// Appends `text` to the run of text at the end of `out`, cut into [`TEXT_PIECE`]s. A piece ends
/// at the first space after its first `TEXT_PIECE` bytes, or at twice that length in a run with
/// no space (a hostile reply can be a megabyte without one), so the cuts do not move as the text
/// grows and only the last piece of a streaming paragraph changes. Each piece is copied once,
/// straight from `text`, and holds no spare room.
fn push_text(out: &mut Vec<Html>, mut text: &str) {
    loop {
        let Some(Html::Text(last)) = out.last_mut() else {
            out.push(Html::Text(String::new()));
            continue;
        };
        // `last` has no space at or past TEXT_PIECE and is shorter than twice it (else it
        // would have been cut there): only `text` is searched, from where the combined text
        // reaches TEXT_PIECE to where it reaches twice that.
        let from = TEXT_PIECE.saturating_sub(last.len()).min(text.len());
        let window_end = (2 * TEXT_PIECE).saturating_sub(last.len());
        let to = window_end.min(text.len());
        let cut = match text.as_bytes()[from..to].iter().position(|&b| b == b' ') {
            Some(space) => from + space + 1,
            None if to == window_end => {
                // A whole window without a space: cut at a character boundary.
                let mut end = to;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                end
            }
            None => {
                last.push_str(text);
                return;
            }
        };
        let (piece_end, rest) = text.split_at(cut);
        last.push_str(piece_end);
        if rest.is_empty() {
            return;
        }
        out.push(Html::Text(String::new()));
        text = rest;
    }
}

fn plain_text(items: &[Inline]) -> String {
    items
        .iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) => t.clone(),
            // An alt text is one line, as pulldown-cmark writes it.
            Inline::SoftBreak | Inline::Break => " ".into(),
            Inline::Em(c) | Inline::Strong(c) | Inline::Strike(c) => plain_text(c),
            Inline::Link { children, .. } => plain_text(children),
            Inline::Image { alt, .. } => plain_text(alt),
        })
        .collect()
}

/// The tree as HTML text, escaped: for tests and the oracle comparison, never for the DOM.
pub fn to_html_string(nodes: &[Html]) -> String {
    let mut out = String::new();
    for node in nodes {
        write_node(node, &mut out);
    }
    out
}

fn write_node(node: &Html, out: &mut String) {
    match node {
        Html::Shared(tree) => write_node(tree, out),
        Html::Text(t) => escape(t, out, false),
        Html::Element {
            tag,
            attrs,
            children,
        } => {
            out.push('<');
            out.push_str(tag);
            for (name, value) in attrs {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                escape(value, out, true);
                out.push('"');
            }
            out.push('>');
            if matches!(*tag, "br" | "hr" | "img") {
                return;
            }
            for child in children {
                write_node(child, out);
            }
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
    }
}

fn escape(text: &str, out: &mut String, in_attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}
