//! Keeps a message's DOM in step with its text as it grows.
//!
//! Visitor text is plain: only the new part is appended to one text node. Assistant text is
//! markdown: blocks that are complete are built once and stay; only the open tail is rebuilt.

use wasm_bindgen::JsCast;
use web_sys::{Element, Node, Text};

use crate::markdown::IncrementalRender;
use crate::render;
use crate::texts::Texts;

pub enum ReplyBody {
    Plain {
        shown: Option<usize>,
    },
    Markdown {
        render: IncrementalRender,
        tail: Vec<Node>,
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
                texts,
            } => {
                let Some(document) = element.owner_document() else {
                    return;
                };
                let update = render.update(text);
                for node in tail.drain(..) {
                    let _ = element.remove_child(&node);
                }
                for html in update.committed.iter() {
                    if let Some(node) = render::build(&document, html, texts) {
                        let _ = element.append_child(&node);
                    }
                }
                for html in update.tail.iter() {
                    if let Some(node) = render::build(&document, html, texts) {
                        let _ = element.append_child(&node);
                        tail.push(node);
                    }
                }
            }
        }
    }
}
