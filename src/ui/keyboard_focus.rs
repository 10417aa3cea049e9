//! Moving keyboard focus within the widget, in particular after a button that its own press
//! removes or hides (Retry, Regenerate, Jump to latest, the New conversation question's
//! answers): the browser would drop it to the top of the host page, and a keyboard or
//! screen-reader visitor would have to find their way back into the chat.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, MouseEvent};

/// The message box: where a visitor goes on after most such presses.
pub const MESSAGE_BOX: &str = ".cb-input";

/// After a keyboard press of the button `ev` came from, focus goes to the element `selector`
/// names within the widget. A mouse click or a tap leaves focus alone: moving it to the
/// message box would raise a phone's on-screen keyboard unasked.
pub fn go_on_at(ev: &MouseEvent, selector: &str) {
    // A click made with Enter or Space counts no presses of a mouse button.
    if ev.detail() != 0 {
        return;
    }
    let widget = ev
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|button| button.closest(".cb-widget").ok().flatten());
    if let Some(widget) = widget {
        focus(&widget, selector);
    }
}

/// Focuses the element `selector` names within `within`, if there is one.
pub fn focus(within: &Element, selector: &str) {
    if let Some(target) = within.query_selector(selector).ok().flatten() {
        if let Ok(target) = target.dyn_into::<HtmlElement>() {
            let _ = target.focus();
        }
    }
}
