//! Keeps a message's DOM in step with its text as it grows.
//!
//! Visitor text is plain: only the new part is appended to one text node. Assistant text is
//! markdown: blocks that are complete are built once and stay; only the open tail is brought up
//! to date, by patching its nodes (a growing paragraph gets its new words appended).

use wasm_bindgen::JsCast;
use web_sys::{Element, Node, Text};

use crate::markdown::{Html, IncrementalRender};
use crate::render;
use crate::texts::Texts;

pub enum ReplyBody {
    Plain {
        shown: Option<usize>,
    },
    Markdown {
        render: IncrementalRender,
        /// The open tail as last shown, one tree per block: the body's last children were built
        /// from them.
        tail: Vec<Html>,
        /// Bytes of the text shown.
        shown: usize,
        texts: &'static Texts,
    },
}

impl ReplyBody {
    pub fn plain() -> Self {
        ReplyBody::Plain { shown: None }
    }

    /// Markdown; `texts` label the code blocks' Copy buttons.
    pub fn markdown(texts: &'static Texts) -> Self {
        ReplyBody::Markdown {
            render: IncrementalRender::default(),
            tail: Vec::new(),
            shown: 0,
            texts,
        }
    }

    /// Brings `element`'s children in line with `text`.
    pub fn show(&mut self, element: &Element, text: &str) {
        match self {
            ReplyBody::Plain { shown } => {
                let tail = element.last_child().and_then(|n| n.dyn_into::<Text>().ok());
                let new = shown.and_then(|shown| text.get(shown..));
                match (tail, new) {
                    (Some(node), Some(new)) => {
                        if !new.is_empty() {
                            let _ = node.append_data(new);
                        }
                    }
                    // First run, or the text was replaced rather than extended: show it whole.
                    _ => element.set_text_content(Some(text)),
                }
                *shown = Some(text.len());
            }
            ReplyBody::Markdown {
                render,
                tail,
                shown: shown_len,
                texts,
            } => {
                let Some(document) = element.owner_document() else {
                    return;
                };
                // A reply started over (an automatic retry empties it): so does its body.
                if text.len() < *shown_len {
                    element.set_text_content(None);
                    *render = IncrementalRender::default();
                    tail.clear();
                }
                *shown_len = text.len();
                // The blocks from where the old tail starts: those that just became complete,
                // then the new tail.
                let blocks = |render: &mut IncrementalRender| {
                    let update = render.update(text);
                    let complete = update.committed.len();
                    let all: Vec<Html> = update.committed.into_iter().chain(update.tail).collect();
                    (all, complete)
                };
                let (mut all, mut complete) = blocks(render);
                let first = first_of_last(element, tail.len());
                if render::patch_children(&document, element, first, tail, &all, texts).is_none() {
                    // The nodes no longer match their trees: build the body afresh.
                    element.set_text_content(None);
                    *render = IncrementalRender::default();
                    (all, complete) = blocks(render);
                    let _ = render::patch_children(&document, element, None, &[], &all, texts);
                }
                // Complete blocks are final: only the tail is patched next time.
                *tail = all.split_off(complete);
            }
        }
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
