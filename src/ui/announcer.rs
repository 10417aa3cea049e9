use std::time::Duration;

use leptos::prelude::*;

use crate::chat::ChatState;

/// How long a finished reply's words stay in the live region. A screen reader has taken them
/// by then (removing them does not cut its speech short), and left in place they would be
/// met again by a visitor reading the panel from its top.
const KEPT_FOR: Duration = Duration::from_secs(7);

/// Says each finished reply to screen readers, once: the message list is not live (see
/// `MessageList`).
#[component]
pub fn Announcer() -> impl IntoView {
    let state = expect_context::<ChatState>();
    Effect::new(move |_| {
        if state.announcement.with(String::is_empty) {
            return;
        }
        let cleared =
            set_timeout_with_handle(move || state.announcement.set(String::new()), KEPT_FOR);
        // A reply that finishes meanwhile gets its own time.
        on_cleanup(move || {
            if let Ok(timer) = cleared {
                timer.clear();
            }
        });
    });
    view! {
        <div class="cb-sr-only" aria-live="polite" aria-atomic="true">
            {move || state.announcement.get()}
        </div>
    }
}
