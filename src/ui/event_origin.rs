//! The element an event happened on, however its handler is attached.
//!
//! An app built with Leptos's `delegation` feature turns it on for the widget too. Its handlers
//! then run at `window`, where an event from inside the widget's shadow root has the shadow host
//! as its `target`. The first node of the event's composed path is the element itself either way
//! (the shadow root is open).

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement};

/// The element the event happened on.
pub fn event_origin(ev: &Event) -> Option<Element> {
    ev.composed_path().get(0).dyn_into().ok()
}

/// The value of the text field (an `<input>` or a `<textarea>`) the event happened in.
pub fn origin_value(ev: &Event) -> String {
    event_origin(ev)
        .map(|field| field.unchecked_into::<HtmlInputElement>().value())
        .unwrap_or_default()
}
