//! Keeps a message's DOM in step with its text as it grows.
//!
//! The text is markdown: blocks that are complete are built once and stay; only the open tail is
//! brought up to date, by patching its nodes (a growing paragraph gets its new words appended).
//! A long reply's finished blocks are gathered into chunks (see [`Chunks`]).

use web_sys::Element;

use super::body_chunks::{first_of_last, Chunks};

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
    /// The finished blocks not yet in a chunk.
    chunks: Chunks,
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
            chunks: Chunks::default(),
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
            self.chunks.reset(0);
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
        let patched =
            render::patch_children(&document, element, first, &self.tail, &all, self.texts);
        if patched.is_none() {
            // The nodes no longer match their trees: build the body afresh.
            element.set_text_content(None);
            self.render = IncrementalRender::default();
            (all, complete) = blocks(&mut self.render);
            let _ = render::patch_children(&document, element, None, &[], &all, self.texts);
            // What it holds stays out of chunks.
            self.chunks.reset(self.shown);
        }
        // Complete blocks are final: only the tail is patched next time.
        self.tail = all.split_off(complete);
        if patched.is_some() {
            self.chunks
                .committed(&document, element, &all, self.tail.len(), self.shown);
        }
    }
}
