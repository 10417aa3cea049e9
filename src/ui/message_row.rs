use leptos::prelude::*;

use super::attachments::Attachments;
use super::copy_message::CopyMessage;
use super::message_body::MessageBody;
use super::message_status::MessageStatusLine;
use super::message_time::MessageTime;
use super::sender_line::{shown_sender, SenderLine};
use super::sources::Sources;
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::models::Role;

/// How long the typing dots show alone before "still working" joins them.
const STILL_WORKING_AFTER: std::time::Duration = std::time::Duration::from_secs(4);

/// One message bubble. Its text and its status are signals of their own: a streamed delta
/// touches this row's body and nothing else; a status change touches its classes and lines.
#[component]
pub fn MessageRow(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let status = message.status;
    let is = move |wanted: MessageStatus| status.get() == wanted;
    let streaming = move || is(MessageStatus::Streaming);
    let role_class = match message.role {
        Role::Visitor => "cb-message cb-visitor",
        Role::Assistant => "cb-message cb-assistant",
    };
    let (created_at, attachments) = message
        .details
        .with_value(|d| (d.created_at, d.attachments.clone()));
    // Sources come with the history, or with the end of a streamed reply.
    let sources = move || {
        (!streaming())
            .then(|| message.details.with_value(|d| d.sources.clone()))
            .filter(|sources| !sources.is_empty())
            .map(|sources| view! { <Sources sources/> })
    };
    // A picture without a name sits beside the reply's first line: the row makes room for it.
    let picture_only = (message.role == Role::Assistant).then(|| {
        let shown = shown_sender(message);
        move || matches!(shown(), (Some(_), None))
    });
    let can_copy = move || message.role == Role::Assistant && is(MessageStatus::Complete);
    // The typing dots are not a message yet: no time on them.
    let typing = move || streaming() && message.text.with(String::is_empty);
    // A first word that is long in coming: say that the assistant is still at it, rather than
    // let the dots look frozen.
    let slow = RwSignal::new(false);
    let typing_now = status.get_untracked() == MessageStatus::Streaming
        && message.text.with_untracked(String::is_empty);
    if typing_now {
        set_timeout(
            move || {
                let _ = slow.try_set(true);
            },
            STILL_WORKING_AFTER,
        );
    }
    view! {
        <div
            class=role_class
            class:cb-streaming=streaming
            class:cb-failed=move || is(MessageStatus::Failed) || is(MessageStatus::Unsent)
            class:cb-stopped=move || is(MessageStatus::Stopped)
            class:cb-picture-only=move || picture_only.as_ref().is_some_and(|alone| alone())
            aria-busy=move || if streaming() { "true" } else { "false" }
        >
            {(message.role == Role::Assistant).then(|| view! { <SenderLine message/> })}
            <Show when=typing>
                <span class="cb-typing" aria-label=t.typing>
                    <span></span>
                    <span></span>
                    <span></span>
                </span>
                <Show when=move || slow.get()>
                    <span class="cb-still-working">{t.still_working}</span>
                </Show>
            </Show>
            <MessageBody message/>
            <MessageStatusLine message/>
            {(!attachments.is_empty()).then(|| view! { <Attachments attachments/> })}
            {sources}
            <div class="cb-meta">
                {created_at.map(|ms| view! {
                    <Show when=move || !typing()>
                        <MessageTime ms/>
                    </Show>
                })}
                <Show when=can_copy>
                    <CopyMessage message/>
                </Show>
            </div>
        </div>
    }
}
