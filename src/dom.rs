//! Small helpers for building DOM by hand where a `view!` would cost more than it gives: message
//! rows, which a long history creates by the thousand, and rendered markdown. Text always goes
//! in as text nodes; nothing here parses HTML.

use web_sys::{Document, Element, Node};

/// `<tag class="class">` (no class attribute when `class` is empty).
pub fn element(document: &Document, tag: &str, class: &str) -> Element {
    let element = document
        .create_element(tag)
        .expect("creating an element with a fixed, valid tag name");
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element
}

/// Appends `<tag class="class">` to `parent` and returns it.
pub fn append_element(parent: &Element, tag: &str, class: &str) -> Element {
    let document = parent.owner_document().expect("an element has a document");
    let child = element(&document, tag, class);
    let _ = parent.append_child(&child);
    child
}

/// Appends `text` as a text node.
pub fn append_text(parent: &Node, text: &str) {
    if let Some(document) = parent.owner_document() {
        let _ = parent.append_child(&document.create_text_node(text));
    }
}

/// Sets an attribute; setting one cannot fail for the fixed names used here.
pub fn set(element: &Element, name: &str, value: &str) {
    let _ = element.set_attribute(name, value);
}

/// A link that opens in a new tab without giving the page a handle on the widget's window.
pub fn external_link(parent: &Element, class: &str, href: &str) -> Element {
    let link = append_element(parent, "a", class);
    set(&link, "href", href);
    set(&link, "target", "_blank");
    set(&link, "rel", "noopener noreferrer");
    link
}
