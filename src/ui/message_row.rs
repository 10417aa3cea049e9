//! One message bubble, built by hand: a history of a thousand messages builds a thousand rows,
//! and a `view!` per row costs both wasm bytes and time.
//!
//! A row holds two render effects. One follows the text (a streamed delta touches this row's
//! body and nothing else); the other follows the status (classes, the typing dots, the
//! "Not sent · Retry" line, the Copy action). Dropping the row stops both.

use crate::reactive::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlButtonElement};

use super::attachments::append_attachments;
use super::follow::Follow;
use super::reply_body::ReplyBody;
use super::sources::sources_element;
use crate::chat::{ChatMessage, ChatState, MessageStatus, Sender};
use crate::dom::{append_element, append_text, element, set};
use crate::markdown::safe_url;
use crate::models::Role;
use crate::texts::Texts;
use crate::time_format;

pub struct MessageRow {
    pub message: ChatMessage,
    pub element: Element,
    _text: RenderEffect<ReplyBody>,
    _status: RenderEffect<StatusParts>,
}

/// The parts of a row that come and go with its status.
#[derive(Default)]
struct StatusParts {
    footer: Option<Element>,
    copy: Option<Element>,
    sources_shown: bool,
}

impl MessageRow {
    pub fn new(
        document: &Document,
        message: ChatMessage,
        state: ChatState,
        follow: Follow,
    ) -> Self {
        let role_class = match message.role {
            Role::Visitor => "cb-message cb-visitor",
            Role::Assistant => "cb-message cb-assistant",
        };
        let t = state.config.with_value(|c| c.texts);
        let row = element(document, "div", role_class);
        let typing = element(document, "span", "cb-typing");
        set(&typing, "aria-label", t.typing);
        for _ in 0..3 {
            append_element(&typing, "span", "");
        }
        if message.role == Role::Assistant {
            let config_avatar = state.config.with_value(|c| c.avatar.clone());
            message.details.with_value(|d| {
                append_sender(&row, &d.sender, config_avatar.as_deref());
            });
        }
        let body = append_element(&row, "div", "cb-text");
        message.details.with_value(|details| {
            if !details.attachments.is_empty() {
                append_attachments(&row, &details.attachments, t);
            }
        });
        let meta = append_element(&row, "div", "cb-meta");
        if let Some(ms) = message.details.with_value(|d| d.created_at) {
            append_time(&meta, ms);
        }

        let text = {
            let (body, typing) = (body.clone(), typing.clone());
            RenderEffect::new(move |shown: Option<ReplyBody>| {
                let first_run = shown.is_none();
                let mut shown = shown.unwrap_or_else(|| match message.role {
                    Role::Visitor => ReplyBody::plain(),
                    Role::Assistant => ReplyBody::markdown(t),
                });
                let has_text = message.text.with(|text| {
                    shown.show(&body, text);
                    !text.is_empty()
                });
                if has_text {
                    typing.remove();
                }
                // The list scrolls for rows it adds; later growth is this row's to report.
                if !first_run {
                    follow.content_changed(false);
                }
                shown
            })
        };

        let status = {
            let (row, body, meta) = (row.clone(), body.clone(), meta.clone());
            RenderEffect::new(move |parts: Option<StatusParts>| {
                let mut parts = parts.unwrap_or_default();
                let status = message.status.get();
                let streaming = status == MessageStatus::Streaming;
                let classes = row.class_list();
                let _ = classes.toggle_with_force("cb-streaming", streaming);
                let _ = classes.toggle_with_force(
                    "cb-failed",
                    matches!(status, MessageStatus::Failed | MessageStatus::Unsent),
                );
                let _ = classes.toggle_with_force("cb-stopped", status == MessageStatus::Stopped);
                set(&row, "aria-busy", if streaming { "true" } else { "false" });
                if streaming && message.text.with_untracked(String::is_empty) {
                    let _ = row.insert_before(&typing, Some(&body));
                } else {
                    typing.remove();
                }
                if let Some(footer) = parts.footer.take() {
                    footer.remove();
                }
                if let Some((label, can_retry)) = status_line(status, t) {
                    let footer = element(&document_of(&row), "div", "cb-message-status");
                    append_text(&append_element(&footer, "span", ""), label);
                    if can_retry {
                        let retry = append_element(&footer, "button", "cb-retry");
                        set(&retry, "type", "button");
                        append_text(&retry, t.retry);
                        if let Some(button) = retry.dyn_ref::<HtmlButtonElement>() {
                            button.set_disabled(state.replying.get());
                        }
                    }
                    let _ = row.insert_before(&footer, body.next_sibling().as_ref());
                    parts.footer = Some(footer);
                }
                // Sources come with the history, or with the end of a streamed reply.
                if !parts.sources_shown && !streaming {
                    message.details.with_value(|details| {
                        if !details.sources.is_empty() {
                            let sources = sources_element(&document_of(&row), &details.sources, t);
                            let _ = row.insert_before(&sources, Some(&meta));
                            parts.sources_shown = true;
                        }
                    });
                }
                let can_copy = message.role == Role::Assistant && status == MessageStatus::Complete;
                match (&parts.copy, can_copy) {
                    (None, true) => {
                        let copy = append_element(&meta, "button", "cb-copy-message");
                        set(&copy, "type", "button");
                        set(&copy, "aria-label", t.copy_message);
                        append_text(&copy, t.copy);
                        parts.copy = Some(copy);
                    }
                    (Some(copy), false) => {
                        copy.remove();
                        parts.copy = None;
                    }
                    _ => {}
                }
                parts
            })
        };

        MessageRow {
            message,
            element: row,
            _text: text,
            _status: status,
        }
    }
}

fn document_of(node: &Element) -> Document {
    node.owner_document().expect("an element has a document")
}

/// The line under a message that did not end well, and whether it offers a Retry.
fn status_line(status: MessageStatus, t: &'static Texts) -> Option<(&'static str, bool)> {
    match status {
        MessageStatus::Unsent => Some((t.not_sent, true)),
        MessageStatus::Failed => Some((t.reply_interrupted, true)),
        MessageStatus::Stopped => Some((t.stopped, false)),
        MessageStatus::Complete | MessageStatus::Streaming => None,
    }
}

/// The assistant's picture and name above a reply, when known: the picture from the history or
/// `data-avatar` (http(s) only), the name from the history.
fn append_sender(row: &Element, sender: &Sender, config_avatar: Option<&str>) {
    let avatar = sender
        .avatar
        .as_deref()
        .and_then(|url| safe_url(url, false))
        .or_else(|| config_avatar.map(str::to_owned));
    if avatar.is_none() && sender.name.is_none() {
        return;
    }
    let line = append_element(row, "div", "cb-sender");
    if let Some(src) = avatar {
        let image = append_element(&line, "img", "cb-sender-avatar");
        set(&image, "src", &src);
        set(&image, "alt", "");
    }
    if let Some(name) = &sender.name {
        append_text(&append_element(&line, "span", "cb-sender-name"), name);
    }
}

/// `<time datetime="ISO">hh:mm</time>` in the visitor's locale.
fn append_time(meta: &Element, ms: i64) {
    let (iso, label) = time_format::clock_time(ms);
    let time = append_element(meta, "time", "");
    set(&time, "datetime", &iso);
    append_text(&time, &label);
}
