use std::time::Duration;

use leptos::prelude::*;

use crate::chat::ChatState;

/// How long words stay in a live region (a finished reply, a problem, the length count). A
/// screen reader has taken them by then (removing them does not cut its speech short), and left
/// in place they would be met again by a visitor reading the panel from its top.
const KEPT_FOR: Duration = Duration::from_secs(7);

/// Says to screen readers each finished reply, once (the message list is not live: see
/// `MessageList`), and each problem, once, as its notice goes up (the notice itself is not live:
/// see `Notice`).
#[component]
pub fn Announcer() -> impl IntoView {
    let state = expect_context::<ChatState>();
    empty_once_said(state.announcement);
    empty_once_said(state.alert);
    view! {
        <div class="cb-sr-only" aria-live="polite" aria-atomic="true">
            {move || state.announcement.get()}
        </div>
        // Each problem gets an element of its own, so that screen readers announce every one,
        // even in the words of the one before.
        <div class="cb-sr-only">
            {move || state.alert.get().map(|alert| view! { <p role="alert">{alert.words}</p> })}
        </div>
    }
}

/// Empties a live region's words [`KEPT_FOR`] after they are put in: said by then, and out of
/// the way of a visitor reading the panel from its top. New words meanwhile get their own time.
pub fn empty_once_said<T>(words: RwSignal<T>)
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if words.with(|w| *w == T::default()) {
            return;
        }
        let emptied = set_timeout_with_handle(move || words.set(T::default()), KEPT_FOR);
        on_cleanup(move || {
            if let Ok(timer) = emptied {
                timer.clear();
            }
        });
    });
}
