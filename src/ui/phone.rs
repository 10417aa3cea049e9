//! Phones (≤ 640 px wide): the open panel covers the screen, the page behind it stays still, and
//! the panel fits the visual viewport so the on-screen keyboard never covers the message box.

use crate::reactive::*;
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlElement};

use crate::chat::ChatState;
use crate::dom::{bind, on};

/// The stylesheet's phone breakpoint.
const PHONE_QUERY: &str = "(max-width: 640px)";

/// While the panel is open on a phone, locks the page's scrolling (restored on close and on
/// destroy) and keeps `--cb-vv-top` / `--cb-vv-height` on `widget` equal to the visual viewport.
pub fn fit_to_phone(state: ChatState, widget: &Element) {
    let widget: HtmlElement = widget.clone().unchecked_into();
    let saved_overflow = StoredValue::new_local(None::<String>);
    if let Some(viewport) = web_sys::window().and_then(|w| w.visual_viewport()) {
        let target = viewport.clone();
        let fit = move || {
            let style = widget.style();
            // Whole pixels: formatting floats would add their code to the wasm for nothing.
            let px = |v: f64| format!("{}px", v.round() as i64);
            let _ = style.set_property("--cb-vv-top", &px(viewport.offset_top()));
            let _ = style.set_property("--cb-vv-height", &px(viewport.height()));
        };
        let on_scroll = fit.clone();
        on(&target, "resize", move |_| fit());
        on(&target, "scroll", move |_| on_scroll());
    }
    bind(move || {
        let open = state.open.get();
        let phone = web_sys::window()
            .and_then(|w| w.match_media(PHONE_QUERY).ok().flatten())
            .is_some_and(|query| query.matches());
        if open && phone {
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
    if saved.with_value(Option::is_some) {
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
