use std::time::Duration;

use leptos::prelude::*;

use crate::chat::ChatState;

/// How long words stay in a live region (a finished reply, a problem, the length count). A
/// screen reader has taken them by then (removing them does not cut its speech short), and left
/// in place they would be met again by a visitor reading the panel from its top.
const KEPT_FOR: Duration = Duration::from_secs(7);

/// Says to screen readers what happens in the chat: each finished reply, once (the message list
/// is not live: see `MessageList`); a reply slow to start or gone quiet, once; and each problem,
/// once, as its notice goes up (the notice itself is not live: see `Notice`).
///
/// There are two. Nothing inside the closed panel is said (it is `display: none`), so one sits
/// beside the launcher, heard while the panel is closed; the other is in the panel, heard while
/// it is open (an open panel on a phone is modal, and some screen readers then hear nothing
/// outside it). Each says what comes while it is the one heard, and keeps it there: opening or
/// closing the panel says nothing again.
#[component]
pub fn Announcer(
    /// Heard while the panel is open (the one in the panel), or while it is closed.
    while_open: bool,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let still_working = state.config.with_value(|c| c.texts.still_working);
    let reply = heard_here(state, while_open, move || state.announcement.get());
    // Once a reply: the same words at every gap of a trickle tell nothing new.
    let stall = heard_here(state, while_open, move || {
        state
            .stalled
            .get()
            .filter(|s| s.announced)
            .map(|_| still_working)
    });
    let alert = heard_here(state, while_open, move || state.alert.get());
    view! {
        <div class="cb-sr-only" aria-live="polite" aria-atomic="true">
            {move || reply.get()}
        </div>
        // A region put in with its words already in it is not read reliably: the status stays,
        // and its words come and go.
        <div class="cb-sr-only" role="status">
            {move || stall.get()}
        </div>
        // Each problem gets an element of its own, so that screen readers announce every one,
        // even in the words of the one before.
        <div class="cb-sr-only">
            {move || alert.get().map(|alert| view! { <p role="alert">{alert.words}</p> })}
        </div>
    }
}

/// What `said` gives, in the announcer that is heard as it is put in, and nothing in the other.
/// The panel is looked at then and not followed: what is said stays where it was said.
fn heard_here<T>(
    state: ChatState,
    while_open: bool,
    said: impl Fn() -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| {
        let words = said();
        if state.open.get_untracked() == while_open {
            words
        } else {
            T::default()
        }
    })
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
