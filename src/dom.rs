//! Small helpers for the DOM the widget builds by hand (templates would cost wasm bytes and, for
//! a long history's rows, time): elements, text, links, icons, and the two ties to the reactive
//! owner, [`bind`] for effects and [`on`] for listeners. Text always goes in as text nodes;
//! nothing here parses HTML.

use crate::reactive::*;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, Event, EventTarget, Node};

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

/// Calls `handler` for every `event` on `target` while the current reactive owner lives: the
/// listener is removed and its closure freed when the owner is disposed (`destroy()`).
pub fn on(target: &EventTarget, event: &'static str, handler: impl FnMut(Event) + 'static) {
    on_boxed(target, event, Box::new(handler));
}

/// [`on`] past its one generic line: one copy of this code in the wasm, not one per handler.
fn on_boxed(target: &EventTarget, event: &'static str, handler: Box<dyn FnMut(Event)>) {
    let closure = Closure::wrap(handler);
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    let listener = StoredValue::new_local(Some((target.clone(), closure)));
    on_cleanup(move || {
        if let Some((target, closure)) = listener.try_update_value(Option::take).flatten() {
            let _ =
                target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
    });
}

/// An inline SVG icon (24×24 view box) drawn by `path` in `currentColor`: no requests, no fonts.
pub fn icon(document: &Document, path: &str) -> Element {
    const SVG: &str = "http://www.w3.org/2000/svg";
    let svg = document
        .create_element_ns(Some(SVG), "svg")
        .expect("creating an SVG element");
    set(&svg, "class", "cb-icon");
    set(&svg, "viewBox", "0 0 24 24");
    set(&svg, "aria-hidden", "true");
    set(&svg, "focusable", "false");
    let shape = document
        .create_element_ns(Some(SVG), "path")
        .expect("creating an SVG element");
    set(&shape, "d", path);
    let _ = svg.append_child(&shape);
    svg
}

/// Runs `update` (in a microtask) and again whenever a signal it read changes, while the current
/// reactive owner lives. Every effect of the widget goes through this one: `Effect::new` is
/// generic over its closure, and a copy of the effect machinery per closure costs wasm bytes.
pub fn bind(update: impl FnMut() + 'static) {
    bind_boxed(Box::new(update));
}

fn bind_boxed(mut update: Box<dyn FnMut()>) {
    Effect::new(move |_| update());
}
