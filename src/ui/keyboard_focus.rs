//! Where keyboard focus goes after a button that its own press removes or hides (Retry,
//! Regenerate, Jump to latest, the New conversation question's answers): the browser would
//! drop it to the top of the host page, and a keyboard or screen-reader visitor would have to
//! find their way back into the chat.

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, MouseEvent, Node};

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
    let root = ev
        .current_target()
        .and_then(|t| t.dyn_into::<Node>().ok())
        .map(|button| button.get_root_node());
    let target = root
        .and_then(|root| root.dyn_into::<web_sys::ShadowRoot>().ok())
        .and_then(|root| root.query_selector(selector).ok().flatten())
        .and_then(|target| target.dyn_into::<HtmlElement>().ok());
    if let Some(target) = target {
        let _ = target.focus();
    }
}
