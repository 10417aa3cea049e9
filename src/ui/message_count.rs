use leptos::prelude::*;

use super::announcer::empty_once_said;
use crate::chat::ChatState;
use crate::message_length::{Length, Zone};

/// The id of the count, which describes the message box while it shows.
pub const COUNT_ID: &str = "cb-count";

/// Under the message box once the length limit is near: the characters left, or how many too
/// many. A screen reader hears it (a polite status of its own) when it appears and when the
/// message goes over the limit or back within it, not at every key; the box points at it
/// meanwhile.
#[component]
pub fn MessageCount(length: Memo<Length>) -> impl IntoView {
    let t = expect_context::<ChatState>().config.with_value(|c| c.texts);
    let zone = Memo::new(move |_| length.get().zone());
    let said = RwSignal::new(String::new());
    Effect::new(move |before: Option<Zone>| {
        let now = zone.get();
        // Not for a draft that was already long when the panel opened.
        if before.is_some_and(|before| before != now) {
            said.set(length.get_untracked().counter(t).unwrap_or_default());
        }
        now
    });
    empty_once_said(said);
    // The paragraph comes and goes with the zone; within it only its words change.
    let count = move || {
        (zone.get() != Zone::Fine).then(|| {
            view! {
                <p class="cb-count" class:cb-count-over=move || zone.get() == Zone::Over id=COUNT_ID>
                    {move || length.get().counter(t)}
                </p>
            }
        })
    };
    view! {
        {count}
        <p class="cb-sr-only cb-count-said" role="status">{move || said.get()}</p>
    }
}
