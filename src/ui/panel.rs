use crate::reactive::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, KeyboardEvent, ShadowRoot};

use super::composer::composer;
use super::header::header;
use super::message_list::message_list;
use crate::chat::ChatState;
use crate::dom::{append_element, bind, element, on, set};

/// The chat window: header, messages, the latest problem if any, and the composer.
/// Stays mounted while closed so the draft and scroll position survive.
pub fn panel(document: &Document, state: ChatState) -> Element {
    let title = state.config.with_value(|c| c.title.clone());
    let panel = element(document, "section", "cb-panel");
    set(&panel, "role", "dialog");
    set(&panel, "hidden", "");
    set(&panel, "aria-label", &title);
    let announcer = append_element(&panel, "div", "cb-sr-only");
    set(&announcer, "aria-live", "polite");
    set(&announcer, "aria-atomic", "true");
    let _ = panel.append_child(&header(document, state));
    let _ = panel.append_child(&message_list(document, state));
    let composer = composer(document, state);
    let _ = panel.append_child(&composer);

    bind(move || {
        announcer.set_text_content(Some(&state.announcement.get()));
    });
    {
        // A new element per problem, so screen readers announce each one.
        let (panel, document) = (panel.clone(), document.clone());
        let mut shown: Option<Element> = None;
        bind(move || {
            if let Some(old) = shown.take() {
                old.remove();
            }
            let Some(text) = state.notice.get() else {
                return;
            };
            let notice = element(&document, "p", "cb-notice");
            set(&notice, "role", "alert");
            notice.set_text_content(Some(&text));
            let _ = panel.insert_before(&notice, Some(&composer));
            shown = Some(notice);
        });
    }
    {
        let panel = panel.clone();
        // The panel starts closed; an open asked for before this first runs (a click on the
        // loader's launcher, replayed once the wasm is ready) counts as opening.
        let mut was_open = false;
        bind(move || {
            let open = state.open.get();
            panel.toggle_attribute_with_force("hidden", !open).ok();
            if was_open != open {
                move_focus(&panel, open);
            }
            was_open = open;
        });
    }
    on(&panel, "keydown", move |ev| {
        let ev: &KeyboardEvent = ev.unchecked_ref();
        if ev.key() == "Escape" {
            ev.stop_propagation();
            state.set_open(false);
        }
    });
    panel
}

/// Keyboard users land in the message box when they open the panel from the launcher, and
/// back on the launcher when it closes while focus was inside. Opening by API takes no focus.
fn move_focus(panel: &Element, open: bool) {
    let active = panel
        .get_root_node()
        .dyn_into::<ShadowRoot>()
        .ok()
        .and_then(|root| root.active_element());
    let launcher_had_focus = active
        .as_ref()
        .is_some_and(|a| a.class_list().contains("cb-launcher"));
    // Hiding the panel can drop focus to <body> before this runs; focus in the host page is
    // left alone.
    let focus_dropped = active.is_none()
        && panel
            .owner_document()
            .and_then(|d| d.active_element())
            .is_none_or(|a| a.tag_name() == "BODY");
    let focus_was_inside =
        active.as_ref().is_some_and(|a| panel.contains(Some(a))) || focus_dropped;
    if open && launcher_had_focus {
        focus(panel, ".cb-input");
    } else if !open && focus_was_inside {
        if let Some(widget) = panel.parent_element() {
            focus(&widget, ".cb-launcher");
        }
    }
}

fn focus(within: &Element, selector: &str) {
    if let Some(target) = within.query_selector(selector).ok().flatten() {
        if let Ok(target) = target.dyn_into::<HtmlElement>() {
            let _ = target.focus();
        }
    }
}
