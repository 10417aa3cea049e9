use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::icons::send_icon;
use crate::chat::ChatState;
use crate::session;

/// The message box: Enter sends, Shift+Enter adds a line. Typing stays possible while a reply
/// streams; sending waits until it is done.
#[component]
pub fn Composer() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let draft = RwSignal::new(String::new());
    let can_send = move || !state.replying.get() && draft.with(|d| !d.trim().is_empty());
    let submit = move || {
        if !can_send() {
            return;
        }
        session::send_message(state, draft.get_untracked());
        draft.set(String::new());
    };
    let on_keydown = move |ev: KeyboardEvent| {
        // While an input method is composing (e.g. Chinese), Enter confirms the composition.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            submit();
        }
    };
    view! {
        <form
            class="cb-composer"
            on:submit=move |ev| {
                ev.prevent_default();
                submit();
            }
        >
            <textarea
                class="cb-input"
                rows="1"
                placeholder="Type a message…"
                aria-label="Message"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <button type="submit" class="cb-send" aria-label="Send" disabled=move || !can_send()>
                {send_icon()}
            </button>
        </form>
    }
}
