use leptos::prelude::*;

use super::follow::Follow;
use super::message_row::MessageRow;
use super::starters::Starters;
use crate::chat::{ChatState, HistoryStatus};

/// The scrolling list of messages: the greeting, the history's status, one row per message
/// (keyed, so a new message adds one row and a streamed delta re-renders nothing here) and the
/// suggested first messages.
#[component]
pub fn MessageList() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = expect_context::<Follow>();
    let (greeting, t) = state.config.with_value(|c| (c.greeting.clone(), c.texts));
    // A row for a message newer than all before it brings the list to the bottom when it is the
    // last one (a message just sent, a reply just begun); history arriving above does not.
    Effect::new(move |newest_before: Option<Option<u64>>| {
        let (newest, last) = state
            .messages
            .with(|list| (list.iter().map(|m| m.key).max(), list.last().map(|m| m.key)));
        let newest_before = newest_before.flatten();
        if newest > newest_before {
            follow.content_changed(last > newest_before);
        }
        newest.max(newest_before)
    });
    let history_loading = move || state.history.get() == HistoryStatus::Loading;
    view! {
        <div
            class="cb-messages"
            role="log"
            aria-label=t.messages
            tabindex="0"
            node_ref=follow.list
            on:scroll=move |_| follow.on_scroll()
        >
            {greeting.map(|text| view! {
                <div class="cb-message cb-assistant cb-greeting">
                    <div class="cb-text">{text}</div>
                </div>
            })}
            <Show when=history_loading>
                <p class="cb-status">{t.loading_history}</p>
            </Show>
            <div class="cb-rows">
                <For each=move || state.messages.get() key=|message| message.key let:message>
                    <MessageRow message/>
                </For>
            </div>
            <Starters/>
        </div>
    }
}
