//! A long reply's finished blocks, gathered into chunks (`cb-chunk`) of about [`CHUNK`] bytes of
//! text, each a box the stylesheet lets the browser skip while it is out of view. Otherwise
//! every frame of a streaming reply lays out, paints and hit-tests all of it: traced on a reply
//! of a megabyte in ordinary paragraphs, those frames grew with the reply to 90 ms.
//!
//! The parts of a long paragraph are left as they are: each already skips itself out of view,
//! and in a chunk of its own it would be set apart from the next part by a chunk's spacing.

use js_sys::{Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Node, ShadowRoot};

use crate::markdown::Html;

/// Bytes of text (markdown) a chunk holds about: a few screens of a narrow column. The
/// stylesheet's estimate of a chunk never shown is made for this size.
pub const CHUNK: usize = 4 * 1024;

/// The finished blocks at the end of a body that are in no chunk yet.
#[derive(Debug, Default)]
pub struct Chunks {
    /// How many: they come just before the body's open tail.
    loose: usize,
    /// Bytes of the text shown when the first of them was.
    loose_from: usize,
}

impl Chunks {
    /// The body was emptied or built afresh with `shown` bytes of text: what it holds stays
    /// out of chunks.
    pub fn reset(&mut self, shown: usize) {
        *self = Chunks {
            loose: 0,
            loose_from: shown,
        };
    }

    /// `committed`, blocks just finished, are `element`'s children before its last `tail`
    /// ones; `shown` bytes of text are shown. Gathers the loose blocks into a chunk when they
    /// hold enough text, or when a part of a long paragraph comes after them.
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
                self.loose += 1;
                continue;
            }
            if self.loose > 0 {
                // The part and the blocks after it stay where they are.
                let after = committed.len() - i + tail;
                self.gather(document, element, after);
            }
            self.reset(shown);
        }
        if self.loose > 0 && shown - self.loose_from >= CHUNK {
            self.gather(document, element, tail);
            self.reset(shown);
        }
    }

    /// Moves the loose blocks, which come before `element`'s last `after` children, into a new
    /// chunk in their place. Not while the visitor's focus is in one of them and the browser
    /// cannot move nodes without losing it: they are gathered with the next ones instead.
    fn gather(&self, document: &Document, element: &Element, after: usize) {
        let Some(first) = first_of_last(element, self.loose + after) else {
            return;
        };
        let move_before = Reflect::get(element, &JsValue::from_str("moveBefore"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let blocks: Vec<Node> = std::iter::successors(Some(first.clone()), Node::next_sibling)
            .take(self.loose)
            .collect();
        if move_before.is_none() && holds_focus(element, &blocks) {
            return;
        }
        let Ok(chunk) = document.create_element("div") else {
            return;
        };
        chunk.set_class_name("cb-chunk");
        if element.insert_before(&chunk, Some(&first)).is_err() {
            return;
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
    }
}

/// Whether the element with focus in `element`'s document or shadow root is in `nodes`.
fn holds_focus(element: &Element, nodes: &[Node]) -> bool {
    let root = element.get_root_node();
    let focused = match root.dyn_ref::<ShadowRoot>() {
        Some(shadow) => shadow.active_element(),
        None => root
            .dyn_ref::<Document>()
            .and_then(Document::active_element),
    };
    focused.is_some_and(|focused| nodes.iter().any(|node| node.contains(Some(&focused))))
}

/// The first of `parent`'s last `count` children (`None` when `count` is 0).
pub fn first_of_last(parent: &Element, count: usize) -> Option<Node> {
    let mut node = parent.last_child();
    for _ in 1..count {
        node = node?.previous_sibling();
    }
    node.filter(|_| count > 0)
}
