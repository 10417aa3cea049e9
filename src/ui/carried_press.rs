//! A press the visitor began on the loader's placeholder bubble while the wasm was still on its
//! way, and ends on the launcher that took the placeholder's place. The browser makes no click
//! of it (the element it began on is gone), so without this the tap, click or Space that asked
//! for the panel would do nothing. It is likeliest with `data-load="interaction"`, where the
//! press itself starts the download and the widget can mount before a tap ends.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::html::Button;
use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{Event, KeyboardEvent, PointerEvent};

use super::listen::listen_to;

/// Calls `open` when the first press to end after the widget mounted began before it and ends
/// on `launcher`. Any press begun since (a pointer down, a key down) is an ordinary one, which
/// the launcher's click handles.
pub fn open_when_carried_press_ends(launcher: NodeRef<Button>, open: impl Fn() + Clone + 'static) {
    let window = window();
    let pointer_carried = Rc::new(Cell::new(true));
    let space_carried = Rc::new(Cell::new(true));

    let carried = pointer_carried.clone();
    listen_to(&window, "pointerdown", move |_: Event| carried.set(false));
    let (carried, then) = (pointer_carried, open.clone());
    listen_to(&window, "pointerup", move |ev: PointerEvent| {
        if carried.replace(false) && ev.button() == 0 && ends_on(&ev, launcher) {
            open_soon(then.clone());
        }
    });

    // A button clicks when Space is let go, as long as it was pressed on that same button.
    let carried = space_carried.clone();
    listen_to(&window, "keydown", move |ev: KeyboardEvent| {
        if !ev.repeat() {
            carried.set(false);
        }
    });
    listen_to(&window, "keyup", move |ev: KeyboardEvent| {
        if ev.key() == " " && space_carried.replace(false) && ends_on(&ev, launcher) {
            open_soon(open.clone());
        }
    });
}

/// Whether `ev` happened on the launcher (or inside it), seen through the shadow root.
fn ends_on(ev: &Event, launcher: NodeRef<Button>) -> bool {
    launcher
        .get_untracked()
        .is_some_and(|button| ev.composed_path().includes(&JsValue::from(button), 0))
}

/// After the events the browser dispatches for this press, so that a click it did make after
/// all, which the launcher has handled, is not undone.
fn open_soon(open: impl Fn() + 'static) {
    set_timeout(open, Duration::ZERO);
}
