use leptos::prelude::*;

use super::day_separator::DaySeparator;
use super::empty_state::EmptyState;
use super::follow::Follow;
use super::history_failed::HistoryFailed;
use super::message_batch::MessageBatch;
use super::message_body::code_copy_click;
use super::message_row::warm_up;
use super::said_by::SaidBy;
use super::starters::Starters;
use crate::chat::{ChatState, HistoryStatus};
use crate::models::Role;
use crate::time_format;

/// The scrolling list of messages: the greeting (or, without one, the empty state), the
/// history's status, the first message's day, one row per message (keyed, so a new message
/// adds one row and a streamed delta re-renders nothing here, in batches: see
/// [`ChatMessage::batch`](crate::chat::ChatMessage::batch)) and the suggested first messages.
#[component]
pub fn MessageList() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = expect_context::<Follow>();
    let (greeting, t) = state.config.with_value(|c| (c.greeting.clone(), c.texts));
    // New rows at the end that include a visitor's message (one just sent, or the history on
    // first open) bring the list to its end even if the visitor had scrolled up; a reply just
    // begun follows only if the visitor is at the end, and history arriving above does not move it.
    Effect::new(move |newest_before: Option<Option<u64>>| {
        let newest_before = newest_before.flatten();
        let (newest, sent) = state.messages.with(|list| {
            let is_new = |key: u64| Some(key) > newest_before;
            let last_is_new = list.last().is_some_and(|m| is_new(m.key));
            let sent = last_is_new
                && list
                    .iter()
                    .any(|m| is_new(m.key) && m.role == Role::Visitor);
            (list.iter().map(|m| m.key).max(), sent)
        });
        if newest > newest_before {
            follow.content_changed(sent);
        }
        newest.max(newest_before)
    });
    // The observer needs both elements in the document.
    Effect::new(move |observing: Option<bool>| {
        if observing == Some(true) {
            return true;
        }
        let ready = follow.list.get().is_some() && follow.content.get().is_some();
        if ready {
            follow.observe();
        }
        ready
    });
    let history_loading = move || state.history.get() == HistoryStatus::Loading;
    // While a history is on its way, the browser gets the code that builds its rows ready.
    Effect::new(move |warmed: Option<bool>| {
        if warmed == Some(true) {
            return true;
        }
        let loading = history_loading();
        if let Some(owner) = Owner::current().filter(|_| loading) {
            leptos::task::spawn_local(warm_up(owner.child()));
        }
        loading
    });
    // The first message's day goes above the list rather than in its row: the history comes in
    // newest first, a batch at a time above the others, and the line then changes only when the
    // first row's day does (each row shows the separator only for a day change from the row
    // before it). A first row that already shows its day (the history still to come has a
    // message of another day before it) needs no line above it.
    let first_created = move || {
        state.messages.with(|list| {
            let first = list.first()?;
            if first.place.with(|p| p.starts_day) {
                return None;
            }
            first.details.try_with_value(|d| d.created_at).flatten()
        })
    };
    let first_day = Memo::new(move |_| first_created().map(time_format::day_number));
    let first_separator = move || {
        first_day.get().and_then(|_| {
            let ms = untrack(first_created)?;
            Some(view! { <DaySeparator ms/> })
        })
    };
    view! {
        <div
            class="cb-messages"
            class:cb-following=move || follow.following()
            role="log"
            // A log is a live region, and a streamed reply would be read piece by piece as it
            // grows, then again whole by the panel's announcer: only the announcer speaks.
            aria-live="off"
            aria-label=t.messages
            tabindex="0"
            node_ref=follow.list
            on:scroll=move |_| follow.on_scroll()
            on:click=move |ev| code_copy_click(ev, t)
        >
            // One box around everything that scrolls, for the follow's size observer.
            <div class="cb-content" node_ref=follow.content>
                {match greeting {
                    Some(text) => view! {
                        // Said to be the assistant's, as the first reply of a run is.
                        <div class="cb-message cb-assistant cb-greeting">
                            <SaidBy who=t.from_assistant/>
                            <div class="cb-text">{text}</div>
                        </div>
                    }
                    .into_any(),
                    None => view! { <EmptyState/> }.into_any(),
                }}
                <Show when=history_loading>
                    <p class="cb-status">{t.loading_history}</p>
                </Show>
                <HistoryFailed/>
                {first_separator}
                <div class="cb-rows">
                    // A slice of the history comes in as one batch, put before the others in one
                    // step: the batches already shown stay where they are, and each batch's rows
                    // are built together rather than one list update at a time.
                    <For each=move || state.batches() key=|batch| *batch let:batch>
                        <MessageBatch batch/>
                    </For>
                </div>
                <Starters/>
            </div>
        </div>
    }
}
