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
///
/// A history builds a thousand rows at once, so a row makes few reactive parts: one for its
/// classes, plain closures rather than `Show`s (a memo, an owner and an effect each) for what
/// changes rarely, and none for what its side never shows (a visitor's message never streams,
/// has no sources, no sender line, no Copy or Regenerate).
#[component]
pub fn MessageRow(message: ChatMessage) -> impl IntoView {
    let status = message.status;
    let place = message.place;
    let assistant = message.role == Role::Assistant;
    let (created_at, attachments) = message
        .details
        .with_value(|d| (d.created_at, d.attachments.clone()));
    let starts_run = move || place.with(|p| p.starts_run);
    // A picture without a name sits beside the reply's first line: the row makes room for it
    // (the first of a run only: the others show no picture).
    let picture_only = assistant.then(|| {
        let shown = shown_sender(message);
        move || starts_run() && matches!(shown(), (Some(_), None))
    });
    let class = move || {
        row_class(
            message.role,
            status.get(),
            !starts_run(),
            picture_only.as_ref().is_some_and(|alone| alone()),
        )
    };
    // The typing dots are not a message yet: no time on them. A memo, so that a streamed delta
    // reaches the parts that read it only when the reply's first word comes.
    let typing = assistant.then(|| {
        Memo::new(move |_| {
            status.get() == MessageStatus::Streaming && message.text.with(String::is_empty)
        })
    });
    let separator = created_at.map(|ms| {
        move || {
            place
                .with(|p| p.starts_day)
                .then(|| view! { <DaySeparator ms/> })
        }
    });
    let time = created_at.map(|ms| {
        move || {
            let typing = typing.is_some_and(|typing| typing.get());
            (!typing && place.with(|p| p.ends_run)).then(|| view! { <MessageTime ms/> })
        }
    });
    let attachments = (!attachments.is_empty()).then(|| view! { <Attachments attachments/> });
    view! {
        {separator}
        <div
            class=class
            aria-busy=move || if status.get() == MessageStatus::Streaming { "true" } else { "false" }
        >
            {assistant.then_some(move || starts_run().then(|| view! { <SenderLine message/> }))}
            {typing.map(|typing| typing_dots(message, typing))}
            <MessageBody message/>
            {typing.map(|typing| stalled_sign(message, typing))}
            <MessageStatusLine message/>
            {attachments}
            {assistant.then(|| sources(message))}
            <div class="cb-meta">
                {time}
                {assistant.then(|| reply_actions(message))}
            </div>
            {assistant.then(|| versions(message))}
        </div>
    }
}

/// The row's classes: its side, whether it continues a run, its status, and whether its
/// picture sits beside its first line.
fn row_class(role: Role, status: MessageStatus, continued: bool, picture_only: bool) -> String {
    let mut class = String::from(match role {
        Role::Visitor => "cb-message cb-visitor",
        Role::Assistant => "cb-message cb-assistant",
    });
    let mut add = |on: bool, name: &str| {
        if on {
            class.push(' ');
            class.push_str(name);
        }
    };
    add(continued, "cb-continued");
    add(status == MessageStatus::Streaming, "cb-streaming");
    add(
        matches!(status, MessageStatus::Failed | MessageStatus::Unsent),
        "cb-failed",
    );
    add(status == MessageStatus::Stopped, "cb-stopped");
    add(picture_only, "cb-picture-only");
    class
}

/// The dots of a reply whose first word has not come yet, and, when that is long in coming or
/// the reply has gone quiet, words that say the assistant is still at it.
fn typing_dots(message: ChatMessage, typing: Memo<bool>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    // A reply whose row is built with its text (the history's) never waits for a first word.
    let slow = typing.get_untracked().then(|| {
        let slow = RwSignal::new(false);
        set_timeout(
            move || {
                let _ = slow.try_set(true);
            },
            STILL_WORKING_AFTER,
        );
        slow
    });
    let stalled = move || state.stalled.get() == Some(message.key);
    move || {
        typing.get().then(|| {
            view! {
                <span class="cb-typing" aria-label=t.typing>
                    <span></span>
                    <span></span>
                    <span></span>
                </span>
                <Show when=move || slow.is_some_and(|slow| slow.get()) || stalled()>
                    <span class="cb-still-working">{t.still_working}</span>
                </Show>
            }
        })
    }
}

/// A reply that has begun and then gone quiet says it is still coming.
fn stalled_sign(message: ChatMessage, typing: Memo<bool>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    move || {
        let stalled = message.status.get() == MessageStatus::Streaming
            && state.stalled.get() == Some(message.key);
        (stalled && !typing.get()).then(|| {
            view! { <p class="cb-still-working cb-stalled" role="status">{t.still_working}</p> }
        })
    }
}

/// Sources come with the history, or with the end of a streamed reply (or of the version of a
/// regenerated reply shown).
fn sources(message: ChatMessage) -> impl IntoView {
    move || {
        message.versions.with(|v| v.shown());
        (message.status.get() != MessageStatus::Streaming)
            .then(|| message.details.with_value(|d| d.sources.clone()))
            .filter(|sources| !sources.is_empty())
            .map(|sources| view! { <Sources sources/> })
    }
}

/// Copy on a finished reply, and Regenerate on the newest one.
fn reply_actions(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let status = message.status;
    let finished = move || {
        matches!(
            status.get(),
            MessageStatus::Complete | MessageStatus::Stopped
        )
    };
    let can_copy = move || status.get() == MessageStatus::Complete;
    // Only the newest reply looks at whether a reply streams and whether a question precedes
    // it: the other rows pay for one check of their place.
    let can_regenerate = move || {
        finished()
            && !state.replying.get()
            && state
                .messages
                .with(|list| list.iter().rev().skip(1).any(|m| m.role == Role::Visitor))
    };
    let regenerate = move || {
        message.place.with(|p| p.last).then(|| {
            view! {
                <Show when=can_regenerate>
                    <Regenerate message/>
                </Show>
            }
        })
    };
    view! {
        {move || can_copy().then(|| view! { <CopyMessage message/> })}
        {regenerate}
    }
}

/// "‹ 2 / 2 ›" on a reply that has been regenerated.
fn versions(message: ChatMessage) -> impl IntoView {
    move || {
        message
            .versions
            .with(|v| v.count() > 1)
            .then(|| view! { <VersionPager message/> })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_class_names_its_side_run_status_and_picture() {
        assert_eq!(
            row_class(Role::Visitor, MessageStatus::Complete, false, false),
            "cb-message cb-visitor"
        );
        assert_eq!(
            row_class(Role::Assistant, MessageStatus::Streaming, true, true),
            "cb-message cb-assistant cb-continued cb-streaming cb-picture-only"
        );
        assert_eq!(
            row_class(Role::Visitor, MessageStatus::Unsent, false, false),
            "cb-message cb-visitor cb-failed"
        );
        assert_eq!(
            row_class(Role::Assistant, MessageStatus::Failed, false, false),
            "cb-message cb-assistant cb-failed"
        );
        assert_eq!(
            row_class(Role::Assistant, MessageStatus::Stopped, true, false),
            "cb-message cb-assistant cb-continued cb-stopped"
        );
    }
}
