use leptos::html::Button;
use leptos::prelude::*;

use super::icons::{Icon, CLOSE, NEW};
use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::chat::ChatState;
use crate::session;

/// The panel's title bar: the assistant's picture, title and subtitle, a New conversation
/// button and a close button. New conversation asks first when there is a conversation to lose:
/// it sits next to Close, and one slip would wipe the chat.
#[component]
pub fn Header() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let (avatar, title, subtitle, t) = state.config.with_value(|c| {
        (
            c.avatar.clone(),
            c.title.clone(),
            c.subtitle.clone(),
            c.texts,
        )
    });
    let confirming = RwSignal::new(false);
    let start_new = NodeRef::<Button>::new();
    // The question takes focus so that keyboard users answer it where they are.
    Effect::new(move |_| {
        if confirming.get() {
            if let Some(button) = start_new.get() {
                let _ = button.focus();
            }
        }
    });
    view! {
        <header class="cb-header">
            {avatar.map(|src| view! { <img class="cb-avatar" src=src alt=""/> })}
            <div class="cb-heading">
                <h2 class="cb-title">{title}</h2>
                {subtitle.map(|text| view! { <p class="cb-subtitle">{text}</p> })}
            </div>
            <button
                type="button"
                class="cb-icon-button cb-new"
                aria-label=t.new_conversation
                title=t.new_conversation
                aria-expanded=move || if confirming.get() { "true" } else { "false" }
                on:click=move |_| {
                    if state.messages.with_untracked(Vec::is_empty) {
                        session::new_conversation(state);
                    } else {
                        confirming.update(|c| *c = !*c);
                    }
                }
            >
                <Icon path=NEW/>
            </button>
            <button
                type="button"
                class="cb-icon-button"
                aria-label=t.close_chat
                on:click=move |_| state.set_open(false)
            >
                <Icon path=CLOSE/>
            </button>
        </header>
        <Show when=move || confirming.get()>
            <div class="cb-confirm" role="group" aria-label=t.new_conversation>
                <p>{t.confirm_new}</p>
                <button
                    type="button"
                    class="cb-confirm-yes"
                    node_ref=start_new
                    on:click=move |ev| {
                        go_on_at(&ev, MESSAGE_BOX);
                        confirming.set(false);
                        session::new_conversation(state);
                    }
                >
                    {t.start_new}
                </button>
                <button
                    type="button"
                    class="cb-confirm-no"
                    on:click=move |ev| {
                        // Back to the button that asked.
                        go_on_at(&ev, ".cb-new");
                        confirming.set(false);
                    }
                >
                    {t.cancel}
                </button>
            </div>
        </Show>
    }
}
