use leptos::prelude::*;

use super::icons::{Icon, ALERT};
use super::keyboard_focus::{go_on_at, MESSAGE_BOX};
use crate::chat::{ChatMessage, ChatState, MessageStatus};
use crate::models::Role;
use crate::session;
use crate::texts::Texts;

/// The line under a message that did not end well ("Not sent", "Reply interrupted", "Stopped"),
/// with a Retry where one can help. Built for the status the row has now: the row builds it
/// again when that changes.
#[component]
pub fn MessageStatusLine(message: ChatMessage, status: MessageStatus) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let retry = move |ev| {
        go_on_at(&ev, MESSAGE_BOX);
        match message.role {
            Role::Visitor => session::retry_unsent(state, message),
            Role::Assistant => session::retry_reply(state, message),
        }
    };
    status_line(status, t).map(|(label, can_retry)| {
        view! {
            <div class="cb-message-status">
                // Failures carry a mark of their own besides the words: a colour or an
                // outline alone would vanish on some brand colours.
                {can_retry.then(|| view! { <Icon path=ALERT/> })}
                <span>{label}</span>
                {can_retry.then(|| view! {
                    <button
                        type="button"
                        class="cb-retry"
                        disabled=move || state.replying.get()
                        on:click=retry
                    >
                        {t.retry}
                    </button>
                })}
            </div>
        }
    })
}

/// Whether a message with `status` shows the line.
pub fn has_status_line(status: MessageStatus, t: &'static Texts) -> bool {
    status_line(status, t).is_some()
}

/// What the line says for `status`, and whether it offers a Retry.
fn status_line(status: MessageStatus, t: &'static Texts) -> Option<(&'static str, bool)> {
    match status {
        MessageStatus::Unsent => Some((t.not_sent, true)),
        MessageStatus::Failed => Some((t.reply_interrupted, true)),
        MessageStatus::Stopped => Some((t.stopped, false)),
        MessageStatus::Complete | MessageStatus::Streaming => None,
    }
}
