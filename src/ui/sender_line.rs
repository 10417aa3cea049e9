use leptos::prelude::*;

use super::assistant_picture::AssistantPicture;
use crate::chat::{ChatMessage, ChatState, Sender};
use crate::markdown::safe_url;

/// The picture and name to show above an assistant's reply (tracked): the picture from the
/// history or `data-avatar` (http(s) only), the name from the history. A reply that came without
/// a name (one streamed live) takes the assistant's as soon as the widget learns it.
pub fn shown_sender(message: ChatMessage) -> impl Fn() -> (Option<String>, Option<String>) + Clone {
    let state = expect_context::<ChatState>();
    let config_avatar = state.config.with_value(|c| c.avatar.clone());
    let own = message.details.with_value(|d| d.sender.clone());
    move || {
        let sender = if own == Sender::default() {
            state.assistant.get()
        } else {
            own.clone()
        };
        let avatar = sender
            .avatar
            .as_deref()
            .and_then(|url| safe_url(url, false))
            .or(config_avatar.clone());
        (avatar, sender.name)
    }
}

/// The assistant's picture and name above a reply.
#[component]
pub fn SenderLine(avatar: Option<String>, name: Option<String>) -> impl IntoView {
    view! {
        <div class="cb-sender">
            {avatar.map(|src| view! { <AssistantPicture src class="cb-sender-avatar"/> })}
            {name.map(|name| view! { <span class="cb-sender-name">{name}</span> })}
        </div>
    }
}
