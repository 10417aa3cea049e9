//! Keeps a message's DOM in step with its text as it grows.
//!
//! The text is markdown: blocks that are complete are built once and stay; only the open tail is
//! brought up to date, by patching its nodes (a growing paragraph gets its new words appended).

use web_sys::{Element, Node};

use crate::markdown::{Html, IncrementalRender};
use crate::render;
use crate::texts::Texts;

/// Bytes of new text one update shows at most.
const SLICE: usize = 32 * 1024;

pub struct ReplyBody {
    render: IncrementalRender,
    /// The open tail as last shown, one tree per block: the body's last children were built
    /// from them.
    tail: Vec<Html>,
    /// Bytes of the text shown.
    shown: usize,
    /// Label the code blocks' Copy buttons.
    texts: &'static Texts,
}

impl ReplyBody {
    pub fn markdown(texts: &'static Texts) -> Self {
        ReplyBody {
            render: IncrementalRender::default(),
            tail: Vec::new(),
            shown: 0,
            texts,
        }
    }

    /// Where the text to show next ends: at most [`SLICE`] bytes past what is shown (on a
    /// character boundary), so that each update, which reads what it adds and the open part
    /// of the last block, costs a bounded task however much text arrived at once.
    pub fn next_end(&self, text: &str) -> usize {
        // A text shorter than what is shown started over (see `show`).
        let from = if text.len() < self.shown {
            0
        } else {
            self.shown
        };
        let mut end = (from + SLICE).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        end
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
        }
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
        let first = first_of_last(element, self.tail.len());
        if render::patch_children(&document, element, first, &self.tail, &all, self.texts).is_none()
        {
            // The nodes no longer match their trees: build the body afresh.
            element.set_text_content(None);
            self.render = IncrementalRender::default();
            (all, complete) = blocks(&mut self.render);
            let _ = render::patch_children(&document, element, None, &[], &all, self.texts);
        }
        // Complete blocks are final: only the tail is patched next time.
        self.tail = all.split_off(complete);
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
