use leptos::prelude::*;

use super::icons::{Icon, CLOSE, NEW};
use crate::chat::ChatState;
use crate::session;

/// The panel's title bar: the assistant's picture, title and subtitle, a New conversation
/// button and a close button.
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
                on:click=move |_| session::new_conversation(state)
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
    }
}
