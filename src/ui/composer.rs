use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::icons::{send_icon, stop_icon};
use crate::chat::ChatState;
use crate::session;
use crate::store;

/// The message box: Enter sends, Shift+Enter adds a line. Typing stays possible while a reply
/// streams (the button then stops the reply); the draft survives a reload.
#[component]
pub fn Composer() -> impl IntoView {
    let state = expect_context::<ChatState>();
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
                placeholder=placeholder
                aria-label=t.message_box
                prop:value=move || draft.get()
                on:input=move |ev| set_draft(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            {move || {
                if state.replying.get() {
                    view! {
                        <button
                            type="button"
                            class="cb-send cb-stop"
                            aria-label=t.stop
                            on:click=move |_| session::stop(state)
                        >
                            {stop_icon()}
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <button
                            type="submit"
                            class="cb-send"
                            aria-label=t.send
                            disabled=move || !can_send()
                        >
                            {send_icon()}
                        </button>
                    }
                        .into_any()
                }
            }}
        </form>
    }
}
