use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, Text};

use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::models::Role;
use crate::session;

/// Distance from the bottom (px) within which the list follows new text.
const FOLLOW_SLACK: i32 = 48;

/// One message bubble. Its text lives in a single text node that only ever gets the new part
/// appended, so a streamed delta costs its own length, not the reply's.
#[component]
pub fn MessageView(message: ChatMessage) -> impl IntoView {
    let body = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |shown: Option<Option<usize>>| {
        let element: HtmlElement = body.get()?.unchecked_into();
        let list = element.closest(".cb-messages").ok().flatten();
        let following = list.as_ref().is_some_and(|l| {
            l.scroll_top() + l.client_height() + FOLLOW_SLACK >= l.scroll_height()
        });
        let shown = message.text.with(|text| {
            let tail = element.last_child().and_then(|n| n.dyn_into::<Text>().ok());
            let new = shown.flatten().and_then(|shown| text.get(shown..));
            match (tail, new) {
                (Some(node), Some(new)) => {
                    if !new.is_empty() {
                        let _ = node.append_data(new);
                    }
                }
                // First run, or the text was replaced rather than extended: show it whole.
                _ => element.set_text_content(Some(text)),
            }
            text.len()
        });
        if following {
            if let Some(list) = list {
                list.set_scroll_top(list.scroll_height());
            }
        }
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
            <div class="cb-text" node_ref=body></div>
            {footer}
        </div>
    }
}
