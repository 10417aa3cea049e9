//! Phones (≤ 640 px wide, or ≤ 500 px tall: a phone held sideways): the open panel covers the
//! screen, the page behind it stays still, and the panel fits the visual viewport so the
//! on-screen keyboard never covers the message box.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{EventTarget, HtmlElement};

use super::listen::listen;
use crate::chat::ChatState;

/// The stylesheet's phone breakpoint (its `@media` rule says the same).
const PHONE_QUERY: &str = "(max-width: 640px), (max-height: 500px)";

/// Whether the panel is laid out full-screen, as on a phone.
pub fn is_phone() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(PHONE_QUERY).ok().flatten())
        .is_some_and(|query| query.matches())
}

/// While the panel is open on a phone, locks the page's scrolling (restored on close and on
/// unmount) and keeps `--cb-vv-top` / `--cb-vv-height` on `widget` equal to the visual viewport.
pub fn use_phone_layout(state: ChatState, widget: NodeRef<Div>) {
    if let Some(viewport) = web_sys::window().and_then(|w| w.visual_viewport()) {
        let target: EventTarget = viewport.clone().into();
        let fit = move || {
            let Some(widget) = widget.get_untracked() else {
                return;
            };
            let style = HtmlElement::style(&widget);
            let px = |v: f64| format!("{}px", v.round() as i64);
            let _ = style.set_property("--cb-vv-top", &px(viewport.offset_top()));
            let _ = style.set_property("--cb-vv-height", &px(viewport.height()));
        };
        listen(&target, "resize", fit.clone());
        listen(&target, "scroll", fit);
    }
    let saved_overflow = StoredValue::new_local(None::<String>);
    Effect::new(move |_| {
        let open = state.open.get();
        if open && is_phone() {
            lock_page_scroll(saved_overflow);
        } else {
            unlock_page_scroll(saved_overflow);
        }
    });
    on_cleanup(move || unlock_page_scroll(saved_overflow));
}

fn page_root() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .document_element()?
        .dyn_into()
        .ok()
}

fn lock_page_scroll(saved: StoredValue<Option<String>, LocalStorage>) {
    if saved.try_with_value(Option::is_some) != Some(false) {
        return;
    }
    if let Some(root) = page_root() {
        let style = root.style();
        saved.set_value(Some(
            style.get_property_value("overflow").unwrap_or_default(),
        ));
        let _ = style.set_property("overflow", "hidden");
    }
}

fn unlock_page_scroll(saved: StoredValue<Option<String>, LocalStorage>) {
    let Some(previous) = saved.try_update_value(Option::take).flatten() else {
        return;
    };
    if let Some(root) = page_root() {
        let style = root.style();
        if previous.is_empty() {
            let _ = style.remove_property("overflow");
            // Leave no empty `style=""` behind on the host page.
            if root
                .get_attribute("style")
                .is_some_and(|s| s.trim().is_empty())
            {
                let _ = root.remove_attribute("style");
            }
        } else {
            let _ = style.set_property("overflow", &previous);
        }
    }
}
