use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, MouseEvent};

use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::models::Role;
use crate::render::handle_copy_click;
use crate::session;

use super::attachments::Attachments;
use super::follow::Follow;
use super::message_meta::MessageMeta;
use super::reply_body::ReplyBody;
use super::sources::Sources;

/// One message bubble. Visitor text stays plain text; assistant text is rendered as markdown,
/// incrementally while it streams (see [`ReplyBody`]).
#[component]
pub fn MessageView(message: ChatMessage) -> impl IntoView {
    let body = NodeRef::<leptos::html::Div>::new();
    let role = message.role;
    let follow = expect_context::<Follow>();
    Effect::new(move |previous: Option<Option<ReplyBody>>| {
        let element: HtmlElement = body.get()?.unchecked_into();
        let previous = previous.flatten();
        // A row that just joined the end of the list (a message sent, a reply begun) brings the
        // list to the bottom. Only DOM links are read here, never layout.
        let is_new_last_row = previous.is_none()
            && element
                .parent_element()
                .is_some_and(|row| row.next_element_sibling().is_none());
        let mut shown = previous.unwrap_or_else(|| match role {
            Role::Visitor => ReplyBody::plain(),
            Role::Assistant => ReplyBody::markdown(),
        });
        message.text.with(|text| shown.show(&element, text));
        follow.content_changed(is_new_last_row);
        Some(shown)
    });
    let state = expect_context::<ChatState>();
    let status = message.status;
    let retry = move |_| match message.role {
        Role::Visitor => session::retry_unsent(state, message),
        Role::Assistant => session::retry_reply(state, message),
    };
    let footer = move || {
        let (label, can_retry) = match status.get() {
            MessageStatus::Unsent => ("Not sent", true),
            MessageStatus::Failed => ("Reply interrupted", true),
            MessageStatus::Stopped => ("Stopped", false),
            MessageStatus::Complete | MessageStatus::Streaming => return None,
        };
        Some(view! {
            <div class="cb-message-status">
                <span>{label}</span>
                <Show when=move || can_retry>
                    <button
                        type="button"
                        class="cb-retry"
                        disabled=move || state.replying.get()
                        on:click=retry
                    >
                        "Retry"
                    </button>
                </Show>
            </div>
        })
    };
    let (sources, attachments) = message
        .details
        .with_value(|d| (d.sources.clone(), d.attachments.clone()));
    let is_typing =
        move || status.get() == MessageStatus::Streaming && message.text.with(String::is_empty);
    let role_class = match message.role {
        Role::Visitor => "cb-message cb-visitor",
        Role::Assistant => "cb-message cb-assistant",
    };
    view! {
        <div
            class=role_class
            class:cb-streaming=move || status.get() == MessageStatus::Streaming
            class:cb-failed=move || {
                matches!(status.get(), MessageStatus::Failed | MessageStatus::Unsent)
            }
            class:cb-stopped=move || status.get() == MessageStatus::Stopped
            aria-busy=move || (status.get() == MessageStatus::Streaming).to_string()
        >
            <Show when=is_typing>
                <span class="cb-typing" aria-label="The assistant is typing">
                    <span></span>
                    <span></span>
                    <span></span>
                </span>
            </Show>
            <div
                class="cb-text"
                node_ref=body
                on:click=|ev: MouseEvent| {
                    if let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
                        handle_copy_click(&target);
                    }
                }
            ></div>
            {footer}
            {(!attachments.is_empty()).then(|| view! { <Attachments attachments/> })}
            {(!sources.is_empty()).then(|| view! { <Sources sources/> })}
            <MessageMeta message/>
        </div>
    }
}
