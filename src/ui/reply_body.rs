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
        /// The open tail as last shown: each block's tree and the node built from it.
        tail: Vec<(Html, Node)>,
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
                let update = render.update(text);
                let shown = std::mem::take(tail);
                let mut shown = shown.into_iter();
                let fresh = update.committed.len();
                for (i, html) in update.committed.into_iter().chain(update.tail).enumerate() {
                    let node = match shown.next() {
                        Some((old_html, old_node)) => {
                            let node = render::patch(&document, &old_node, &old_html, &html, texts)
                                .or_else(|| render::build(&document, &html, texts));
                            match &node {
                                Some(node) if *node == old_node => {}
                                Some(node) => {
                                    let _ = element.replace_child(node, &old_node);
                                }
                                None => {
                                    let _ = element.remove_child(&old_node);
                                }
                            }
                            node
                        }
                        None => render::build(&document, &html, texts)
                            .and_then(|node| element.append_child(&node).ok()),
                    };
                    // Committed blocks are final: only the tail is kept for the next update.
                    if let (Some(node), true) = (node, i >= fresh) {
                        tail.push((html, node));
                    }
                }
                for (_, gone) in shown {
                    let _ = element.remove_child(&gone);
                }
            }
        }
    }
}
