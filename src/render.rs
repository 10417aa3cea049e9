//! The markdown tree → DOM nodes. Elements and attributes come only from the tree, which allows
//! a fixed set; text becomes text nodes. Never innerHTML.

use wasm_bindgen::JsCast;
use web_sys::{CharacterData, Document, Element, HtmlElement, Node};

use crate::clipboard::copy_text;
use crate::markdown::Html;
use crate::texts::Texts;

/// Builds `node` (and its children) as DOM nodes owned by `document`.
pub fn build(document: &Document, node: &Html, t: &Texts) -> Option<Node> {
    match node {
        Html::Shared(tree) => build(document, tree, t),
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
            // A reply's headings sit below the panel's title and the day's: a screen reader's
            // outline puts them there (the tag keeps its look).
            if let Some(level) = heading_level(tag) {
                let _ = element.set_attribute("aria-level", &(level + 3).min(6).to_string());
            }
            // A focused code block says what it is; a table already does.
            if *tag == "pre" {
                let _ = element.set_attribute("role", "group");
                let _ = element.set_attribute("aria-label", t.code);
            }
            // A list goes the way its text starts, markers and all: a Hebrew or Arabic list has
            // them on the right. (Each item's lines go their own way by the stylesheet.) So
            // does a table: an Arabic one starts at the right, its first column there.
            if matches!(*tag, "ul" | "ol" | "table") {
                let _ = element.set_attribute("dir", "auto");
            }
            if *tag == "pre" {
                return with_copy_button(document, element, t);
            }
            Some(element.into())
        }
    }
}

/// Brings `node`, built from `old`, in line with `new` while changing as little as possible:
/// equal parts stay as they are, and a text that only grew gets its new end appended (the
/// browser then lays out only what was added). Returns the node to keep: `node` itself, or a
/// new one built from `new` when the two differ in kind (the caller puts it in `node`'s place).
pub fn patch(document: &Document, node: &Node, old: &Html, new: &Html, t: &Texts) -> Option<Node> {
    if old == new {
        return Some(node.clone());
    }
    match (old.resolved(), new.resolved()) {
        (Html::Text(old), Html::Text(new)) => {
            let text = node.dyn_ref::<CharacterData>()?;
            match new.strip_prefix(old.as_str()) {
                Some(added) => text.append_data(added).ok()?,
                None => text.set_data(new),
            }
            Some(node.clone())
        }
        (
            Html::Element {
                tag,
                attrs,
                children: old_children,
            },
            Html::Element {
                tag: new_tag,
                attrs: new_attrs,
                children: new_children,
            },
        ) if tag == new_tag && attrs == new_attrs => {
            // A code block's children are inside the <pre> after its Copy button.
            let parent = if *tag == "pre" {
                node.last_child()?
            } else {
                node.clone()
            };
            patch_children(
                document,
                &parent,
                parent.first_child(),
                old_children,
                new_children,
                t,
            )?;
            Some(node.clone())
        }
        _ => build(document, new, t),
    }
}

/// [`patch`] for a run of `parent`'s children that were built from `old`: the run starts at
/// `first` and goes on to the last child (`None`: the run is empty, new nodes go at the end).
/// `None` back means the nodes did not match `old`; `parent` is then left half done.
pub fn patch_children(
    document: &Document,
    parent: &Node,
    first: Option<Node>,
    old: &[Html],
    new: &[Html],
    t: &Texts,
) -> Option<()> {
    let mut child = first;
    for (i, new_child) in new.iter().enumerate() {
        match (child.clone(), old.get(i)) {
            (Some(node), Some(old_child)) => {
                child = node.next_sibling();
                let kept = patch(document, &node, old_child, new_child, t)?;
                if kept != node {
                    parent.replace_child(&kept, &node).ok()?;
                }
            }
            _ => {
                parent
                    .insert_before(&build(document, new_child, t)?, child.as_ref())
                    .ok()?;
            }
        }
    }
    // Children the new tree no longer has.
    for _ in new.len()..old.len() {
        let node = child?;
        child = node.next_sibling();
        parent.remove_child(&node).ok()?;
    }
    Some(())
}

/// The level of a heading tag (`h1` → 1).
fn heading_level(tag: &str) -> Option<u8> {
    match tag.as_bytes() {
        [b'h', digit @ b'1'..=b'6'] => Some(digit - b'0'),
        _ => None,
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

/// If `target` is a code block's Copy button, copies the code and says on the button whether
/// it worked.
pub fn handle_copy_click(target: &Element, t: &'static Texts) {
    let Some(button) = target
        .closest(".cb-copy")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    let code = button
        .next_element_sibling()
        .and_then(|pre| pre.text_content())
        .unwrap_or_default();
    // What a copy came to is news for a moment, then the button is a Copy button again; a
    // second copy meanwhile gets a moment of its own: only the newest copy's timer resets the
    // button.
    let copies = button
        .get_attribute(COPIES)
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(0)
        .wrapping_add(1)
        .to_string();
    let _ = button.set_attribute(COPIES, &copies);
    leptos::task::spawn_local(async move {
        let words = copy_text(&code, &button).await.words(t);
        button.set_text_content(Some(words));
        // Its name says so too: a screen reader reads the name, not the words shown.
        let _ = button.set_attribute("aria-label", words);
        leptos::prelude::set_timeout(
            move || {
                if button.get_attribute(COPIES).as_deref() == Some(copies.as_str()) {
                    button.set_text_content(Some(t.copy));
                    let _ = button.set_attribute("aria-label", t.copy_code);
                }
            },
            crate::ui::COPIED_SHOWN,
        );
    });
}

/// How many times a code block's Copy button was pressed.
const COPIES: &str = "data-copies";
