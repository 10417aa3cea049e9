use crate::reactive::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlButtonElement, HtmlTextAreaElement, KeyboardEvent};

use super::icons;
use crate::chat::ChatState;
use crate::dom::{append_element, bind, element, icon, on, set};
use crate::session;
use crate::store;

/// The message box: Enter sends, Shift+Enter adds a line. Typing stays possible while a reply
/// streams (the button then stops the reply); the draft survives a reload.
pub fn composer(document: &Document, state: ChatState) -> Element {
    let (placeholder, t) = state.config.with_value(|c| {
        let placeholder = c.placeholder.clone();
        (
            placeholder.unwrap_or_else(|| c.texts.placeholder.to_owned()),
            c.texts,
        )
    });
    let draft = state.draft;
    draft.set(state.config.with_value(store::draft));
    let set_draft = move |text: String| {
        state
            .config
            .with_value(|config| store::save_draft(config, &text));
        draft.set(text);
    };
    let can_send = move || !state.replying.get() && draft.with(|d| !d.trim().is_empty());
    let submit = move || {
        if !can_send() {
            return;
        }
        session::send_message(state, draft.get_untracked());
        set_draft(String::new());
    };

    let form = element(document, "form", "cb-composer");
    let input: HtmlTextAreaElement = append_element(&form, "textarea", "cb-input").unchecked_into();
    set(&input, "rows", "1");
    set(&input, "placeholder", &placeholder);
    set(&input, "aria-label", t.message_box);
    // One button: Send (submits the form) or, while a reply streams, Stop.
    let button: HtmlButtonElement = append_element(&form, "button", "cb-send").unchecked_into();
    let (send, stop) = (icon(document, icons::SEND), icon(document, icons::STOP));

    {
        let input = input.clone();
        bind(move || {
            let text = draft.get();
            // Setting the same value would move the caret to the end.
            if input.value() != text {
                input.set_value(&text);
            }
        });
    }
    {
        let button = button.clone();
        bind(move || {
            let replying = state.replying.get();
            let (shown, hidden) = if replying {
                (&stop, &send)
            } else {
                (&send, &stop)
            };
            hidden.remove();
            let _ = button.append_child(shown);
            set(&button, "type", if replying { "button" } else { "submit" });
            set(
                &button,
                "aria-label",
                if replying { t.stop } else { t.send },
            );
            let _ = button.class_list().toggle_with_force("cb-stop", replying);
        });
    }
    {
        let (button, input) = (button.clone(), input.clone());
        bind(move || {
            let disabled = !state.replying.get() && !can_send();
            // A disabled button loses focus to the page: keyboard users go on in the message box.
            if disabled && button.matches(":focus").unwrap_or(false) {
                let _ = input.focus();
            }
            button.set_disabled(disabled);
        });
    }
    {
        let input_for_event = input.clone();
        on(&input, "input", move |_| set_draft(input_for_event.value()));
    }
    on(&input, "keydown", move |ev| {
        let ev: &KeyboardEvent = ev.unchecked_ref();
        // While an input method is composing (e.g. Chinese), Enter confirms the composition.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    });
    on(&form, "submit", move |ev| {
        ev.prevent_default();
        submit();
    });
    // A click on Send submits the form after this runs; a click on Stop must not, even though
    // the button may have turned back into Send by then.
    on(&button, "click", move |ev| {
        if state.replying.get_untracked() {
            ev.prevent_default();
            session::stop(state);
        }
    });
    form
}
