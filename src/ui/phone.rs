//! Phones (≤ 640 px wide, or ≤ 500 px tall: a phone held sideways): the open panel covers the
//! screen, the page behind it stays still, and the panel fits the visual viewport so the
//! on-screen keyboard never covers the message box.

use leptos::html::Div;
use leptos::prelude::*;
use web_sys::{EventTarget, HtmlElement};

use super::listen::listen;
use super::scroll_lock::ScrollLock;
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
            // The viewport's lengths are the page's; inside a page zoomed with CSS `zoom`, each
            // of the widget's is drawn that many times larger.
            let zoom = css_zoom(&widget);
            let px = |v: f64| format!("{}px", (v / zoom).round() as i64);
            let style = HtmlElement::style(&widget);
            let _ = style.set_property("--cb-vv-top", &px(viewport.offset_top()));
            let _ = style.set_property("--cb-vv-height", &px(viewport.height()));
        };
        listen(&target, "resize", fit.clone());
        listen(&target, "scroll", fit);
    }
    let lock = ScrollLock::new();
    Effect::new(move |_| {
        if state.open.get() && is_phone() {
            lock.hold();
        } else {
            lock.release();
        }
    });
    on_cleanup(move || lock.release());
}

/// How many times larger than the page's own lengths `element`'s are drawn: the CSS `zoom` of
/// the page on it (`currentCSSZoom`; 1 in browsers without it).
fn css_zoom(element: &HtmlElement) -> f64 {
    js_sys::Reflect::get(element, &"currentCSSZoom".into())
        .ok()
        .and_then(|zoom| zoom.as_f64())
        .filter(|zoom| zoom.is_finite() && *zoom > 0.0)
        .unwrap_or(1.0)
}
