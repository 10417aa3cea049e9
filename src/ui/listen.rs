//! Event listeners that live as long as the component that adds them.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{Event, EventTarget};

/// Calls `handler` on every `event` of `target` until the current owner is cleaned up.
pub fn listen(target: &EventTarget, event: &'static str, handler: impl Fn() + 'static) {
    add(target, event, Closure::new(move |_: Event| handler()));
}

/// [`listen`] for a handler that reads the event, as the `E` it is.
pub fn listen_to<E: JsCast>(
    target: &EventTarget,
    event: &'static str,
    handler: impl Fn(E) + 'static,
) {
    add(
        target,
        event,
        Closure::new(move |e: Event| handler(e.unchecked_into())),
    );
}

fn add(target: &EventTarget, event: &'static str, closure: Closure<dyn Fn(Event)>) {
    let _ = target.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    // A local stored value: cleanups must be `Send`, the closure and target are not.
    let listener = StoredValue::new_local(Some((target.clone(), closure)));
    on_cleanup(move || {
        if let Some((target, closure)) = listener.try_update_value(Option::take).flatten() {
            let _ =
                target.remove_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
        }
    });
}
