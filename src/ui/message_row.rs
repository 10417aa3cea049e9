use leptos::either::Either;
use leptos::prelude::*;

use super::attachments::Attachments;
use super::copy_message::CopyMessage;
use super::day_separator::DaySeparator;
use super::message_body::MessageBody;
use super::message_status::{has_status_line, MessageStatusLine};
use super::message_time::MessageTime;
use super::regenerate::Regenerate;
use super::said_by::SaidBy;
use super::sender_line::{shown_sender, SenderLine};
use super::sources::Sources;
use super::version_pager::VersionPager;
use crate::chat::{ChatMessage, ChatState, MessageDetails, MessageStatus, Sender};
use crate::models::Role;
use crate::time_format;

/// One message bubble, with the day's separator above it when it starts a day. Its text and its
/// status are signals of their own: a streamed delta touches this row's body and nothing else; a
/// status change touches its classes and lines. Its place among its neighbours (a signal the
/// state keeps) decides whether it shows the sender's picture (first of a run from one side) and
/// the time (last of a run), so a neighbour coming or going changes only what it must here.
///
/// A history builds a thousand rows at once, and each reactive part of a row, and each node it
/// adds to the page, costs more than the text it shows. So a row has few: its classes; the lines
/// under its text (what its status says), built again when the status changes; and its footer
/// (sources, time, actions, versions), built again when the status, its place or the version
/// shown changes. A part with nothing to show leaves one empty marker in the page, so parts
/// that show or hide together are one part, and a visitor's row has only what a question can
/// show: its text, its attachments, its status line and its time.
///
/// A row of a long history far above the view shows its text, picture and attachments, and
/// builds what sits under them (status lines, sources, time, actions, versions) once `near`
/// (see [`MessageBatch`](super::message_batch::MessageBatch)). Such a row is a stored message,
/// never the newest: it does not stream, and its status (a reply stopped before a reload shows
/// "Stopped") and its place are final when it goes in. So it shows its classes, its day's
/// separator and its sender as they are then, with no part that follows them.
#[component]
pub fn MessageRow(message: ChatMessage, #[prop(into)] near: Signal<bool>) -> impl IntoView {
    let status = message.status;
    let place = message.place;
    let (created_at, attachments, own_sender) = message.details.with_value(|d| {
        (
            d.created_at,
            d.attachments.clone(),
            d.sender != Sender::default(),
        )
    });
    // Settled: a row that goes in far from the view, whose status and place are final (see
    // `ChatState::prepend_history`), and whose sender is its own (one that takes the
    // assistant's follows what the widget learns of it).
    let settled = !near.get_untracked() && (message.role == Role::Visitor || own_sender);
    let starts_run = move || place.with(|p| p.starts_run);
    let separator = created_at.map(|ms| {
        once_if_settled(settled, move || {
            place
                .with(|p| p.starts_day)
                .then(|| view! { <DaySeparator ms/> })
        })
    });
    let attachments = (!attachments.is_empty()).then(|| view! { <Attachments attachments/> });
    let t = expect_context::<ChatState>().config.with_value(|c| c.texts);
    if message.role == Role::Visitor {
        let class = move || row_class(Role::Visitor, status.get(), !starts_run(), false);
        let from = move || starts_run().then(|| view! { <SaidBy who=t.from_you/> });
        let inside = view! {
            {once_if_settled(settled, from)}
            <MessageBody message/>
            {attachments}
            {move || near.get().then(|| view! {
                {notices(message, None)}
                {visitor_footer(message, created_at)}
            })}
        };
        return if settled {
            view! { {separator} <div class=untrack(class)>{inside}</div> }.into_any()
        } else {
            view! { {separator} <div class=class>{inside}</div> }.into_any()
        };
    }
    // A picture without a name sits beside the reply's first line: the row makes room for it
    // (the first of a run only: the others show no picture).
    let shown = shown_sender(message);
    let shown_beside = shown.clone();
    let picture_only = move || starts_run() && matches!(shown_beside(), (Some(_), None));
    let class = move || row_class(Role::Assistant, status.get(), !starts_run(), picture_only());
    let busy = move || {
        if status.get() == MessageStatus::Streaming {
            "true"
        } else {
            "false"
        }
    };
    // The picture and name, when known, above the first reply of a run; without a name, the
    // words a screen reader needs to know whose reply it is.
    let sender = move || {
        let (avatar, name) = starts_run().then(&shown)?;
        let said_by = name
            .is_none()
            .then(|| view! { <SaidBy who=t.from_assistant/> });
        let line =
            (avatar.is_some() || name.is_some()).then(|| view! { <SenderLine avatar name/> });
        Some(view! { {said_by} {line} })
    };
    let inside = view! {
        {once_if_settled(settled, sender)}
        <MessageBody message/>
        {attachments}
        {move || near.get().then(|| {
            // The typing dots are not a message yet: no time on them. A memo, so that a
            // streamed delta reaches the parts that read it only when the reply's first
            // word comes.
            let typing = Memo::new(move |_| {
                status.get() == MessageStatus::Streaming && message.text.with(String::is_empty)
            });
            view! {
                {notices(message, Some(typing))}
                {reply_footer(message, typing, created_at)}
            }
        })}
    };
    // A settled row is a stored message, never streaming: not busy.
    if settled {
        view! { {separator} <div class=untrack(class)>{inside}</div> }.into_any()
    } else {
        view! { {separator} <div class=class aria-busy=busy>{inside}</div> }.into_any()
    }
}

/// A part of a row: built once from what it reads now in a settled row, following what it reads
/// in any other.
fn once_if_settled<T>(settled: bool, part: impl Fn() -> T) -> Either<T, impl Fn() -> T> {
    if settled {
        Either::Left(untrack(part))
    } else {
        Either::Right(part)
    }
}

/// Builds a reply's row and a question's off the page, then drops them. The browser compiles
/// the code that builds rows the first time it runs it: traced at 4x CPU throttling, that took
/// 20-30 ms of the history's first batch, a task then over 50 ms. Run while the history is on
/// its way, it costs the visitor no wait.
pub async fn warm_up(owner: Owner) {
    // After the open panel's first paint: the task that opened it is long enough.
    crate::timers::next_frame().await;
    crate::timers::yield_to_browser().await;
    // The rows' time formatter, in a task of its own: the page's first `Intl.DateTimeFormat`
    // loads the browser's locale data, 50 to 100 ms under 4x CPU throttling.
    crate::time_format::warm();
    crate::timers::yield_to_browser().await;
    let rows = owner.with(|| {
        let details = || MessageDetails {
            created_at: Some(js_sys::Date::now() as i64),
            ..MessageDetails::default()
        };
        [
            (Role::Visitor, "A question?"),
            (Role::Assistant, WARM_UP_REPLY),
        ]
        .map(|(role, text)| {
            let message = ChatMessage::unlisted(role, text.to_owned(), details());
            view! { <MessageRow message near=true/> }
                .into_view()
                .build()
        })
    });
    // A reply's body is built by an effect, which runs before this resumes.
    crate::timers::yield_to_browser().await;
    drop(rows);
    owner.cleanup();
}

/// What most replies are made of.
const WARM_UP_REPLY: &str =
    "A reply with **strong** words, `code` and a [link](https://example.com).\n\n- one\n- two";

/// What the row's status says under its text: the typing dots of a reply whose first word has
/// not come yet (they take no room above it: the body is empty until then), words that say a
/// reply gone quiet is still coming, and the status line; nothing at all for most messages.
fn notices(message: ChatMessage, typing: Option<Memo<bool>>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    move || {
        let status = message.status.get();
        let typing = typing.is_some_and(|typing| typing.get());
        // The dots follow the stall themselves, so that they are not built again with it.
        let stalled = !typing
            && status == MessageStatus::Streaming
            && state.stalled.get().is_some_and(|s| s.reply == message.key);
        (typing || stalled || has_status_line(status, t)).then(|| {
            view! {
                {typing.then(|| typing_dots(message))}
                {stalled.then(|| view! {
                    <p class="cb-still-working cb-stalled">{t.still_working}</p>
                })}
                <MessageStatusLine message status/>
            }
        })
    }
}

/// The time under a question, when it ends a run of the visitor's messages.
fn visitor_footer(message: ChatMessage, created_at: Option<i64>) -> impl IntoView {
    let state = expect_context::<ChatState>();
    move || {
        let ms = created_at.filter(|_| message.place.with(|p| p.ends_run))?;
        let time = message_time(state, ms);
        Some(view! { <div class="cb-meta">{time}</div> })
    }
}

/// A message's time; one of today gains its day at midnight.
fn message_time(state: ChatState, ms: i64) -> impl IntoView {
    let time = time_format::clock_time(ms);
    if time.today {
        state.day_changed.track();
    }
    view! { <MessageTime time/> }
}

/// Under a reply: its sources, then its time (last of a run; not on typing dots), Copy (a
/// finished or stopped reply) and Regenerate (the newest reply), then the versions of a
/// regenerated reply.
fn reply_footer(
    message: ChatMessage,
    typing: Memo<bool>,
    created_at: Option<i64>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    move || {
        let status = message.status.get();
        let typing = typing.get();
        let (ends_run, last) = message.place.with(|p| (p.ends_run, p.last));
        // Read whole: the sources are the shown version's.
        let versions = message.versions.with(|v| v.count());
        // Sources come with the history, or with the end of a streamed reply (or of the
        // version of a regenerated reply shown).
        let sources = (status != MessageStatus::Streaming)
            .then(|| message.details.with_value(|d| d.sources.clone()))
            .filter(|sources| !sources.is_empty())
            .map(|sources| view! { <Sources sources/> });
        let time = created_at
            .filter(|_| !typing && ends_run)
            .map(|ms| message_time(state, ms));
        // A stopped reply's words are the visitor's to take too: often they stopped it because
        // what they needed had come.
        let copy = matches!(status, MessageStatus::Complete | MessageStatus::Stopped)
            .then(|| view! { <CopyMessage message/> });
        // Only the newest reply looks at whether a reply streams and whether a question
        // precedes it.
        let regenerate = (last
            && matches!(status, MessageStatus::Complete | MessageStatus::Stopped))
        .then(|| {
            let can_regenerate = move || {
                !state.replying.get()
                    && state
                        .messages
                        .with(|list| list.iter().rev().skip(1).any(|m| m.role == Role::Visitor))
            };
            view! {
                <Show when=can_regenerate>
                    <Regenerate message/>
                </Show>
            }
        });
        let pager = (versions > 1).then(|| view! { <VersionPager message/> });
        view! {
            {sources}
            <div class="cb-meta">{time}{copy}{regenerate}</div>
            {pager}
        }
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

/// The dots of a reply whose first word has not come yet, and, when that is long in coming,
/// words that say the assistant is still at it (the panel's status line says them to screen
/// readers).
fn typing_dots(message: ChatMessage) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let still_working = move || state.stalled.get().is_some_and(|s| s.reply == message.key);
    view! {
        <span class="cb-typing" aria-label=t.typing>
            <span></span>
            <span></span>
            <span></span>
        </span>
        <Show when=still_working>
            <span class="cb-still-working">{t.still_working}</span>
        </Show>
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
