//! Keeps a message's DOM in step with its text as it grows.
//!
//! The text is markdown: blocks that are complete are built once and stay; only the open tail is
//! brought up to date, by patching its nodes (a growing paragraph gets its new words appended).
//!
//! A long reply's complete blocks are gathered into chunks (`cb-chunk`), each a box the
//! stylesheet lets the browser skip while it is out of view. Otherwise every frame of a
//! streaming reply lays out, paints and hit-tests all of it: traced on a reply of a megabyte in
//! ordinary paragraphs, those frames grew with the reply to 90 ms.

use web_sys::{Document, Element, Node};

use crate::markdown::{Html, IncrementalRender};
use crate::render;
use crate::reveal_pace::RevealPace;
use crate::texts::Texts;

pub struct ReplyBody {
    render: IncrementalRender,
    /// The open tail as last shown, one tree per block: the body's last children were built
    /// from them.
    tail: Vec<Html>,
    /// Bytes of the text shown.
    shown: usize,
    /// Complete blocks still directly in the body (just before the tail's nodes), not yet in a
    /// chunk.
    loose: usize,
    /// Bytes of the text shown when the first of the loose blocks was.
    loose_from: usize,
    /// How much new text the next update shows at most.
    pace: RevealPace,
    /// Label the code blocks' Copy buttons.
    texts: &'static Texts,
}

impl ReplyBody {
    pub fn markdown(texts: &'static Texts) -> Self {
        ReplyBody {
            render: IncrementalRender::default(),
            tail: Vec::new(),
            shown: 0,
            loose: 0,
            loose_from: 0,
            pace: RevealPace::default(),
            texts,
        }
    }

    /// Where the text to show next ends: a slice past what is shown (see [`RevealPace`]), so
    /// that each update, which reads what it adds and the open part of the last block, costs a
    /// bounded task however much text arrived at once.
    pub fn next_end(&self, text: &str) -> usize {
        // A text shorter than what is shown started over (see `show`).
        let shown = if text.len() < self.shown {
            0
        } else {
            self.shown
        };
        self.pace.next_end(text, shown)
    }

    /// Brings `element`'s children in line with `text`.
    pub fn show(&mut self, element: &Element, text: &str) {
        let Some(document) = element.owner_document() else {
            return;
        };
        // A reply started over (an automatic retry empties it): so does its body.
        if text.len() < self.shown {
            element.set_text_content(None);
            self.render = IncrementalRender::default();
            self.tail.clear();
            (self.loose, self.loose_from) = (0, 0);
        }
        let added = text.len().saturating_sub(self.shown);
        self.shown = text.len();
        // The blocks from where the old tail starts: those that just became complete, then the
        // new tail.
        let blocks = |render: &mut IncrementalRender| {
            let update = render.update(text);
            let complete = update.committed.len();
            let all: Vec<Html> = update.committed.into_iter().chain(update.tail).collect();
            (all, complete)
        };
        let (mut all, mut complete) = blocks(&mut self.render);
        self.pace.record(added, Html::count_elements(&all));
        let first = first_of_last(element, self.tail.len());
        if render::patch_children(&document, element, first, &self.tail, &all, self.texts).is_none()
        {
            // The nodes no longer match their trees: build the body afresh.
            element.set_text_content(None);
            self.render = IncrementalRender::default();
            (all, complete) = blocks(&mut self.render);
            let _ = render::patch_children(&document, element, None, &[], &all, self.texts);
            (self.loose, self.loose_from) = (0, 0);
        }
        // Complete blocks are final: only the tail is patched next time.
        self.tail = all.split_off(complete);
        self.loose += complete;
        if self.loose > 0 && self.shown - self.loose_from >= CHUNK {
            gather_chunk(&document, element, self.loose, self.tail.len());
            (self.loose, self.loose_from) = (0, self.shown);
        }
    }
}

/// Bytes of text (markdown) a chunk holds about: a few screens of a narrow column. The
/// stylesheet's estimate of a chunk never shown is made for this size.
pub const CHUNK: usize = 4 * 1024;

/// Moves the `loose` children of `element` that come before its last `tail` ones into a new
/// chunk, in their place.
fn gather_chunk(document: &Document, element: &Element, loose: usize, tail: usize) {
    let Some(first) = first_of_last(element, loose + tail) else {
        return;
    };
    let Ok(chunk) = document.create_element("div") else {
        return;
    };
    chunk.set_class_name("cb-chunk");
    if element.insert_before(&chunk, Some(&first)).is_err() {
        return;
    }
    let mut node = Some(first);
    for _ in 0..loose {
        let Some(current) = node else {
            break;
        };
        node = current.next_sibling();
        let _ = chunk.append_child(&current);
    }
}

/// The first of `parent`'s last `count` children (`None` when `count` is 0).
fn first_of_last(parent: &Element, count: usize) -> Option<Node> {
    let mut node = parent.last_child();
    for _ in 1..count {
        node = node?.previous_sibling();
    }
    node.filter(|_| count > 0)
}
