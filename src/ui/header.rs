use leptos::html::Button;
use leptos::prelude::*;

use super::assistant_picture::AssistantPicture;
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
    let (avatar, title, subtitle, t) = state
        .config
        .with_value(|c| (c.avatar.clone(), c.title(), c.subtitle.clone(), c.texts));
    let full_title = title.clone();
    let confirming = RwSignal::new(false);
    let cancel = NodeRef::<Button>::new();
    let ask_new = NodeRef::<Button>::new();
    // The question takes focus so that keyboard users answer it where they are, on the answer
    // that loses nothing: a second Enter must not wipe the conversation.
    Effect::new(move |_| {
        if confirming.get() {
            if let Some(button) = cancel.get() {
                let _ = button.focus();
            }
        }
    });
    // A question left open is not there to meet the visitor when the panel opens again.
    Effect::new(move |_| {
        if !state.open.get() {
            confirming.set(false);
        }
    });
    // Escape answers the question with Cancel, not the panel's Escape that closes it.
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.stop_propagation();
            confirming.set(false);
            if let Some(button) = ask_new.get_untracked() {
                let _ = button.focus();
            }
        }
    };
    view! {
        // A `div`, not a `header`: in a page's accessibility tree a `header` outside sections
        // is a banner landmark, and the site's own would have a second one beside it.
        <div class="cb-header">
            {avatar.map(|src| view! { <AssistantPicture src class="cb-avatar"/> })}
            <div class="cb-heading">
                // A title too long for the bar ends in an ellipsis: the pointer shows it whole.
                // The site's words go the way they start (an Arabic title on the right, its
                // ellipsis on the left); the widget's own stay left to right.
                <h2 class="cb-title" dir="auto" title=full_title>{title}</h2>
                {subtitle.map(|text| view! { <p class="cb-subtitle" dir="auto">{text}</p> })}
            </div>
            <button
                type="button"
                class="cb-icon-button cb-new"
                node_ref=ask_new
                aria-label=t.new_conversation
                title=t.new_conversation
                aria-expanded=move || if confirming.get() { "true" } else { "false" }
                on:click=move |ev| {
                    if state.messages.with_untracked(Vec::is_empty) {
                        // Nothing to lose, and nothing to show it happened: the press goes on
                        // in the message box, ready for the first message.
                        session::new_conversation(state);
                        go_on_at(&ev, MESSAGE_BOX);
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
        </div>
        <Show when=move || confirming.get()>
            <div class="cb-confirm" role="group" aria-label=t.new_conversation on:keydown=on_keydown>
                <p>{t.confirm_new}</p>
                <button
                    type="button"
                    class="cb-confirm-yes"
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
                    node_ref=cancel
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
