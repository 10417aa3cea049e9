use std::time::Duration;

use leptos::prelude::*;

use crate::chat::ChatState;

/// How long words stay in a live region (a finished reply, the length count). A screen reader
/// has taken them by then (removing them does not cut its speech short), and left in place
/// they would be met again by a visitor reading the panel from its top.
const KEPT_FOR: Duration = Duration::from_secs(7);

/// Says each finished reply to screen readers, once: the message list is not live (see
/// `MessageList`).
#[component]
pub fn Announcer() -> impl IntoView {
    let state = expect_context::<ChatState>();
    empty_once_said(state.announcement);
    view! {
        <div class="cb-sr-only" aria-live="polite" aria-atomic="true">
            {move || state.announcement.get()}
        </div>
    }
}

/// Empties a live region's words [`KEPT_FOR`] after they are put in: said by then, and out of
/// the way of a visitor reading the panel from its top. New words meanwhile get their own time.
pub fn empty_once_said(words: RwSignal<String>) {
    Effect::new(move |_| {
        if words.with(String::is_empty) {
            return;
        }
        let emptied = set_timeout_with_handle(move || words.set(String::new()), KEPT_FOR);
        on_cleanup(move || {
            if let Ok(timer) = emptied {
                timer.clear();
            }
        });
    });
}
