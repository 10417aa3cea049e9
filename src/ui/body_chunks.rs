//! A long reply's finished blocks, gathered into chunks (`cb-chunk`) of about [`CHUNK`] bytes of
//! text, each a box the stylesheet lets the browser skip while it is out of view. Otherwise
//! every frame of a streaming reply lays out, paints and hit-tests all of it: traced on a reply
//! of a megabyte in ordinary paragraphs, those frames grew with the reply to 90 ms.
//!
//! Blocks moved into a new box are styled and laid out again if they are in view. Gathered as
//! soon as they held a chunk's worth, they were: each gathering made a frame of 50-64 ms at 4x
//! CPU throttling while a reply streamed at a realistic pace (traced). So the newest text, which
//! a visitor following the reply sees, stays out of chunks ([`KEPT_LOOSE`]).
//!
//! The parts of a long paragraph are left as they are: each already skips itself out of view,
//! and in a chunk of its own it would be set apart from the next part by a chunk's spacing.

use std::collections::VecDeque;

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Node};

use crate::markdown::Html;

/// Bytes of text (markdown) a chunk holds about: a few screens of a narrow column. The
/// stylesheet's estimate of a chunk never shown is made for this size.
pub const CHUNK: usize = 4 * 1024;
/// Bytes of the newest text kept out of chunks: more than a panel shows, so that the blocks
/// gathered are out of view while the visitor follows the reply.
const KEPT_LOOSE: usize = 2 * 1024;

/// The finished blocks at the end of a body that are in no chunk yet.
#[derive(Debug, Default)]
pub struct Chunks {
    /// Where each ends in the text (bytes of the text shown when it was finished), oldest
    /// first: they come just before the body's open tail.
    loose: VecDeque<usize>,
    /// Bytes of the text shown when the first of them was.
    loose_from: usize,
}

impl Chunks {
    /// The body was emptied or built afresh with `shown` bytes of text: what it holds stays
    /// out of chunks.
    pub fn reset(&mut self, shown: usize) {
        *self = Chunks {
            loose: VecDeque::new(),
            loose_from: shown,
        };
    }

    /// `committed`, blocks just finished, are `element`'s children before its last `tail`
    /// ones; `shown` bytes of text are shown. Gathers the oldest loose blocks into a chunk once
    /// they hold a chunk's worth of text and as much has come after them: the newest text, in
    /// view while the visitor follows the reply, stays loose, so that the blocks gathered are
    /// out of view, and the browser has no reason to lay them out again in their new box. A
    /// part of a long paragraph gathers all the loose blocks before it.
    pub fn committed(
        &mut self,
        document: &Document,
        element: &Element,
        committed: &[Html],
        tail: usize,
        shown: usize,
    ) {
        for (i, block) in committed.iter().enumerate() {
            if !block.is_part() {
                self.loose.push_back(shown);
                continue;
            }
            if !self.loose.is_empty() {
                // The part and the blocks after it stay where they are.
                let after = committed.len() - i + tail;
                self.gather(document, element, self.loose.len(), after);
            }
            self.reset(shown);
        }
        // The oldest blocks that hold a chunk's worth, if as much came after them.
        let Some(count) = self
            .loose
            .iter()
            .position(|&end| end - self.loose_from >= CHUNK)
            .map(|i| i + 1)
        else {
            return;
        };
        let end = self.loose[count - 1];
        let after = self.loose.len() - count + tail;
        if shown - end >= KEPT_LOOSE && self.gather(document, element, count, after) {
            self.loose.drain(..count);
            self.loose_from = end;
        }
    }

    /// Moves `count` loose blocks, which come before `element`'s last `after` children, into a
    /// new chunk in their place, and tells whether it did. Not while the visitor's focus is in
    /// one of them and the browser cannot move nodes without losing it: they are gathered with
    /// the next ones instead.
    fn gather(&self, document: &Document, element: &Element, count: usize, after: usize) -> bool {
        let Some(first) = first_of_last(element, count + after) else {
            return false;
        };
        let move_before = Reflect::get(element, &JsValue::from_str("moveBefore"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let blocks: Vec<Node> = std::iter::successors(Some(first.clone()), Node::next_sibling)
            .take(count)
            .collect();
        if move_before.is_none() && holds_focus(element, &blocks) {
            return false;
        }
        let Ok(chunk) = document.create_element("div") else {
            return false;
        };
        chunk.set_class_name("cb-chunk");
        if element.insert_before(&chunk, Some(&first)).is_err() {
            return false;
        }
        for block in &blocks {
            // `moveBefore` keeps focus and selection where they are; `appendChild` takes the
            // node out of the page and puts it back.
            let moved = move_before
                .as_ref()
                .is_some_and(|f| f.call2(&chunk, block, &JsValue::NULL).is_ok());
            if !moved {
                let _ = chunk.append_child(block);
            }
        }
        true
    }
}

/// Whether the element with focus in `element`'s document or shadow root is in `nodes`.
fn holds_focus(element: &Element, nodes: &[Node]) -> bool {
    super::keyboard_focus::focused_near(element)
        .is_some_and(|focused| nodes.iter().any(|node| node.contains(Some(&focused))))
}

/// The first of `parent`'s last `count` children (`None` when `count` is 0).
pub fn first_of_last(parent: &Element, count: usize) -> Option<Node> {
    let mut node = parent.last_child();
    for _ in 1..count {
        node = node?.previous_sibling();
    }
    node.filter(|_| count > 0)
}
