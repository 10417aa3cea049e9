use leptos::prelude::*;

use super::attachments::Attachments;
use super::copy_message::CopyMessage;
use super::day_separator::DaySeparator;
use super::message_body::MessageBody;
use super::message_status::MessageStatusLine;
use super::message_time::MessageTime;
use super::regenerate::Regenerate;
use super::sender_line::{shown_sender, SenderLine};
use super::sources::Sources;
use super::version_pager::VersionPager;
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::models::Role;

/// How long the typing dots show alone before "still working" joins them.
const STILL_WORKING_AFTER: std::time::Duration = std::time::Duration::from_secs(4);

/// One message bubble, with the day's separator above it when it starts a day. Its text and its
/// status are signals of their own: a streamed delta touches this row's body and nothing else; a
/// status change touches its classes and lines. Its place among its neighbours (a signal the
/// state keeps) decides whether it shows the sender's picture (first of a run from one side) and
/// the time (last of a run), so a neighbour coming or going changes only what it must here.
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
    let place = message.place;
    let starts_run = move || place.with(|p| p.starts_run);
    // Sources come with the history, or with the end of a streamed reply (or of the version of
    // a regenerated reply shown).
    let sources = move || {
        message.versions.with(|v| v.shown());
        (!streaming())
            .then(|| message.details.with_value(|d| d.sources.clone()))
            .filter(|sources| !sources.is_empty())
            .map(|sources| view! { <Sources sources/> })
    };
    // A picture without a name sits beside the reply's first line: the row makes room for it
    // (the first of a run only: the others show no picture).
    let picture_only = (message.role == Role::Assistant).then(|| {
        let shown = shown_sender(message);
        move || starts_run() && matches!(shown(), (Some(_), None))
    });
    let can_copy = move || message.role == Role::Assistant && is(MessageStatus::Complete);
    // Only the newest reply looks at whether a reply streams and whether a question precedes
    // it: the other rows pay for one check of their place, not for a Show each.
    let last_reply = move || message.role == Role::Assistant && place.with(|p| p.last);
    let can_regenerate = move || {
        (is(MessageStatus::Complete) || is(MessageStatus::Stopped))
            && !state.replying.get()
            && state
                .messages
                .with(|list| list.iter().rev().skip(1).any(|m| m.role == Role::Visitor))
    };
    // The typing dots are not a message yet: no time on them.
    let typing = move || streaming() && message.text.with(String::is_empty);
    // A reply that has begun and then gone quiet says it is still coming.
    let stalled = move || streaming() && state.stalled.get() == Some(message.key);
    // The parts that most rows never show are plain closures rather than `Show`s (a memo, an
    // owner and an effect each): a history builds a thousand rows, and these re-run only when
    // what they read changes, which for rows of the history is rarely or never.
    let separator = created_at.map(|ms| {
        move || {
            place
                .with(|p| p.starts_day)
                .then(|| view! { <DaySeparator ms/> })
        }
    });
    let sender = move || {
        (message.role == Role::Assistant && starts_run()).then(|| view! { <SenderLine message/> })
    };
    let stalled_sign = move || {
        (stalled() && !typing()).then(|| {
            view! { <p class="cb-still-working cb-stalled" role="status">{t.still_working}</p> }
        })
    };
    let regenerate = move || {
        last_reply().then(|| {
            view! {
                <Show when=can_regenerate>
                    <Regenerate message/>
                </Show>
            }
        })
    };
    let versions = move || {
        message
            .versions
            .with(|v| v.count() > 1)
            .then(|| view! { <VersionPager message/> })
    };
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
        {separator}
        <div
            class=role_class
            class:cb-continued=move || !starts_run()
            class:cb-streaming=streaming
            class:cb-failed=move || is(MessageStatus::Failed) || is(MessageStatus::Unsent)
            class:cb-stopped=move || is(MessageStatus::Stopped)
            class:cb-picture-only=move || picture_only.as_ref().is_some_and(|alone| alone())
            aria-busy=move || if streaming() { "true" } else { "false" }
        >
            {sender}
            <Show when=typing>
                <span class="cb-typing" aria-label=t.typing>
                    <span></span>
                    <span></span>
                    <span></span>
                </span>
                <Show when=move || slow.get() || stalled()>
                    <span class="cb-still-working">{t.still_working}</span>
                </Show>
            </Show>
            <MessageBody message/>
            {stalled_sign}
            <MessageStatusLine message/>
            {(!attachments.is_empty()).then(|| view! { <Attachments attachments/> })}
            {sources}
            <div class="cb-meta">
                {created_at.map(|ms| view! {
                    <Show when=move || !typing() && place.with(|p| p.ends_run)>
                        <MessageTime ms/>
                    </Show>
                })}
                <Show when=can_copy>
                    <CopyMessage message/>
                </Show>
                {regenerate}
            </div>
            {versions}
        </div>
    }
}
