//! The markdown tree → DOM nodes. Elements and attributes come only from the tree, which allows
//! a fixed set; text becomes text nodes. Never innerHTML.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, Node};

use crate::markdown::Html;
use crate::texts::Texts;

/// Builds `node` (and its children) as DOM nodes owned by `document`.
pub fn build(document: &Document, node: &Html, t: &Texts) -> Option<Node> {
    match node {
        Html::Text(text) => Some(document.create_text_node(text).into()),
        Html::Element {
            tag,
            attrs,
            children,
        } => {
            let element = document.create_element(tag).ok()?;
            for (name, value) in attrs {
                set_attribute(&element, name, value);
            }
            for child in children {
                element.append_child(&build(document, child, t)?).ok()?;
            }
            // Code blocks and tables can scroll sideways: keyboard users must be able to reach them.
            if matches!(*tag, "pre" | "table") {
                let _ = element.set_attribute("tabindex", "0");
            }
            if *tag == "pre" {
                return with_copy_button(document, element, t);
            }
            Some(element.into())
        }
    }
}

/// Inline `style` attributes are refused under a strict CSP; CSSOM properties are not.
fn set_attribute(element: &Element, name: &str, value: &str) {
    if name == "style" {
        if let (Some(html), Some((property, v))) =
            (element.dyn_ref::<HtmlElement>(), value.split_once(':'))
        {
            let _ = html.style().set_property(property.trim(), v.trim());
        }
    } else {
        let _ = element.set_attribute(name, value);
    }
}

/// A code block gets a Copy button; clicks are handled by the message (one listener per
/// message, not per block).
fn with_copy_button(document: &Document, pre: Element, t: &Texts) -> Option<Node> {
    let wrapper = document.create_element("div").ok()?;
    wrapper.set_class_name("cb-code");
    let button = document.create_element("button").ok()?;
    button.set_class_name("cb-copy");
    let _ = button.set_attribute("type", "button");
    let _ = button.set_attribute("aria-label", t.copy_code);
    button.set_text_content(Some(t.copy));
    wrapper.append_child(&button).ok()?;
    wrapper.append_child(&pre).ok()?;
    Some(wrapper.into())
}

/// If `target` is a code block's Copy button, copies the code and says so on the button.
pub fn handle_copy_click(target: &Element, t: &Texts) {
    let Some(button) = target.closest(".cb-copy").ok().flatten() else {
        return;
    };
    let code = button
        .next_element_sibling()
        .and_then(|pre| pre.text_content())
        .unwrap_or_default();
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(&code);
    }
    button.set_text_content(Some(t.copied));
}
