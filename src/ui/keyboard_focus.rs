//! Moving focus within the widget, in particular after a button that its own press removes or
//! hides (Retry, Regenerate, Jump to latest, a file's Remove, the New conversation question's
//! answers, the contact step's Skip and Start chatting): the browser would drop it to the top of
//! the host page, and a keyboard or screen-reader visitor would have to find their way back
//! into the chat.

use std::cell::RefCell;

use leptos::prelude::request_animation_frame;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, HtmlElement, KeyboardEvent, MouseEvent, PointerEvent, ShadowRoot,
};

use super::event_origin::event_origin;

/// The element with focus in `element`'s shadow root (the widget in a page), or in its document
/// (the component in a Leptos app).
pub fn focused_near(element: &Element) -> Option<Element> {
    let root = element.get_root_node();
    match root.dyn_ref::<ShadowRoot>() {
        Some(shadow) => shadow.active_element(),
        None => root
            .dyn_ref::<Document>()
            .and_then(Document::active_element),
    }
}

/// The message box: where a visitor goes on after most such presses.
pub const MESSAGE_BOX: &str = ".cb-input";

/// After a press of the button `ev` came from, which the press removes or hides, focus goes on
/// within the widget rather than drop to the host page (where Escape no longer closes the
/// panel and typing goes nowhere). A keyboard press or a mouse click goes on at the element
/// `selector` names; a tap, or a click whose pointer is unknown, goes to the panel itself:
/// focusing the message box would raise a phone's on-screen keyboard unasked.
///
/// So does a screen reader's activation on a touch screen (TalkBack's double tap). Its click
/// may look like a key's (no presses counted, no pointer) or a mouse's (a mouse that counted no
/// presses, or still holds its button as it clicks); where touch is the main input, only a key
/// that went down on the button, or a mouse click that counted its press, goes to `selector`.
pub fn go_on_at(ev: &MouseEvent, selector: &str) {
    match going_on(ev) {
        Some(GoingOn::Within(widget)) => focus(&widget, selector),
        Some(GoingOn::Panel(panel)) => {
            let _ = panel.focus();
        }
        None => {}
    }
}

/// [`go_on_at`] for a press whose update puts the element `selector` names in the button's
/// place (the contact step's Skip and Start chatting give way to the message box). That
/// element is there once the update is drawn, so focus moves then, and only if the press left
/// it nowhere: a press that changed nothing (Start with a field to fix, which takes focus
/// itself) leaves focus where it went.
pub fn go_on_once_drawn(ev: &MouseEvent, selector: &'static str) {
    match going_on(ev) {
        Some(GoingOn::Within(widget)) => request_animation_frame(move || {
            let kept = focused_near(&widget).is_some_and(|f| widget.contains(Some(&f)));
            if !kept {
                focus(&widget, selector);
            }
        }),
        Some(GoingOn::Panel(panel)) => {
            let _ = panel.focus();
        }
        None => {}
    }
}

/// Where focus goes on after a press: to an element of the widget, or to the panel itself.
enum GoingOn {
    Within(Element),
    Panel(HtmlElement),
}

/// Where focus goes on after the press `ev` is (see [`go_on_at`]).
fn going_on(ev: &MouseEvent) -> Option<GoingOn> {
    let button = ev
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())?;
    let key_went_down_here = KEY_DOWN_ON
        .take()
        .is_some_and(|on| on == button || submits_on_enter(&on, &button));
    // A click made with Enter or Space counts no presses of a mouse button.
    let no_presses = ev.detail() == 0;
    // The click says what pressed it where it is a pointer event; elsewhere the pointer that
    // last went down in the panel does.
    let pointer = ev
        .dyn_ref::<PointerEvent>()
        .map(PointerEvent::pointer_type)
        .filter(|kind| !kind.is_empty())
        .unwrap_or_else(|| LAST_POINTER.with_borrow(Clone::clone));
    let (by_keyboard, by_mouse) = if touch_first() {
        let real_click = !no_presses && ev.buttons() == 0;
        (key_went_down_here, pointer == "mouse" && real_click)
    } else {
        (no_presses, pointer == "mouse")
    };
    if by_keyboard || by_mouse {
        button
            .closest(".cb-widget")
            .ok()
            .flatten()
            .map(GoingOn::Within)
    } else {
        panel_of(&button).map(GoingOn::Panel)
    }
}

/// Whether Enter in `field` clicks `button`: a form's text field submits it with its submit
/// button (the contact step's Start), a key's press as much as one on the button itself.
fn submits_on_enter(field: &Element, button: &Element) -> bool {
    let form = |e: &Element| e.closest("form").ok().flatten();
    field.tag_name() == "INPUT"
        && button.get_attribute("type").as_deref() == Some("submit")
        && form(field).is_some_and(|f| Some(f) == form(button))
}

/// The panel `element` is in: where focus goes after a finger's press, which must not raise a
/// phone's keyboard.
pub fn panel_of(element: &Element) -> Option<HtmlElement> {
    element
        .closest(".cb-panel")
        .ok()
        .flatten()
        .and_then(|panel| panel.dyn_into::<HtmlElement>().ok())
}

thread_local! {
    /// The kind of pointer (`mouse`, `touch`, `pen`) that last went down in a panel.
    static LAST_POINTER: RefCell<String> = const { RefCell::new(String::new()) };
    /// What Enter or Space went down on in a panel, until a click, a pointer or another key
    /// takes it.
    static KEY_DOWN_ON: RefCell<Option<Element>> = const { RefCell::new(None) };
}

/// Notes what kind of pointer went down in the panel, for a click that does not say (see
/// [`go_on_at`]).
pub fn note_pointer(ev: PointerEvent) {
    LAST_POINTER.set(ev.pointer_type());
    KEY_DOWN_ON.set(None);
}

/// Notes what Enter or Space went down on in the panel: a click on it that follows was made by
/// a key (see [`go_on_at`]).
pub fn note_key(ev: &KeyboardEvent) {
    let pressed = matches!(ev.key().as_str(), "Enter" | " ")
        .then(|| event_origin(ev))
        .flatten();
    KEY_DOWN_ON.set(pressed);
}

/// Whether the device's main pointer is a finger (a phone or tablet).
fn touch_first() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(pointer: coarse)").ok().flatten())
        .is_some_and(|query| query.matches())
}

/// Focuses the element `selector` names within `within`, if there is one.
pub fn focus(within: &Element, selector: &str) {
    if let Some(target) = within.query_selector(selector).ok().flatten() {
        if let Ok(target) = target.dyn_into::<HtmlElement>() {
            let _ = target.focus();
        }
    }
}
