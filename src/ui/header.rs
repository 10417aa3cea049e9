use crate::reactive::*;
use web_sys::{Document, Element};

use super::icons;
use crate::chat::ChatState;
use crate::dom::{append_element, append_text, element, icon, on, set};
use crate::session;

/// The panel's title bar: the assistant's picture, title and subtitle, a New conversation
/// button and a close button.
pub fn header(document: &Document, state: ChatState) -> Element {
    let header = element(document, "header", "cb-header");
    state.config.with_value(|c| {
        if let Some(src) = &c.avatar {
            let image = append_element(&header, "img", "cb-avatar");
            set(&image, "src", src);
            set(&image, "alt", "");
        }
        let heading = append_element(&header, "div", "cb-heading");
        append_text(&append_element(&heading, "h2", "cb-title"), &c.title);
        if let Some(subtitle) = &c.subtitle {
            append_text(&append_element(&heading, "p", "cb-subtitle"), subtitle);
        }
    });
    let t = state.config.with_value(|c| c.texts);
    let new = icon_button(
        &header,
        "cb-icon-button cb-new",
        t.new_conversation,
        icons::NEW,
    );
    set(&new, "title", t.new_conversation);
    on(&new, "click", move |_| session::new_conversation(state));
    let close = icon_button(&header, "cb-icon-button", t.close_chat, icons::CLOSE);
    on(&close, "click", move |_| state.set_open(false));
    header
}

/// Appends `<button type="button">` labelled `label`, showing the icon drawn by `path`.
pub fn icon_button(parent: &Element, class: &str, label: &str, path: &str) -> Element {
    let button = append_element(parent, "button", class);
    set(&button, "type", "button");
    set(&button, "aria-label", label);
    if let Some(document) = parent.owner_document() {
        let _ = button.append_child(&icon(&document, path));
    }
    button
}
