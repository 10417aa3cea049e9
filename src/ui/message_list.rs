use std::collections::HashMap;

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, MouseEvent, Node};

use super::follow::Follow;
use super::message_row::MessageRow;
use crate::chat::{ChatMessage, ChatState, HistoryStatus};
use crate::models::Role;
use crate::render::handle_copy_click;
use crate::session;

/// The scrolling list of messages. Rows are keyed by message: a new message adds one row, a
/// removed one drops its row, and a streamed delta re-renders nothing here. One click listener
/// serves every row's buttons.
#[component]
pub fn MessageList() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let follow = Follow::new();
    let holder = NodeRef::<Div>::new();
    let rows = StoredValue::new_local(Vec::<MessageRow>::new());
    Effect::new(move |_| {
        let messages = state.messages.get();
        let Some(holder) = holder.get() else { return };
        rows.update_value(|rows| {
            let added_last = sync_rows(&holder, rows, &messages, state, follow);
            if let Some(added_last) = added_last {
                follow.content_changed(added_last);
            }
        });
    });
    let (greeting, starters, t) = state
        .config
        .with_value(|c| (c.greeting.clone(), c.starters.clone(), c.texts));
    let on_click = move |ev: MouseEvent| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        if let Some(starter) = target.closest(".cb-starter").ok().flatten() {
            session::send_message(state, starter.text_content().unwrap_or_default());
            return;
        }
        let Some(row) = target.closest(".cb-message").ok().flatten() else {
            return;
        };
        let message =
            rows.with_value(|rows| rows.iter().find(|r| r.element == row).map(|r| r.message));
        let Some(message) = message else { return };
        if target.closest(".cb-retry").ok().flatten().is_some() {
            match message.role {
                Role::Visitor => session::retry_unsent(state, message),
                Role::Assistant => session::retry_reply(state, message),
            }
        } else if let Some(button) = target.closest(".cb-copy-message").ok().flatten() {
            if let Some(window) = web_sys::window() {
                let _ = window
                    .navigator()
                    .clipboard()
                    .write_text(&message.text.get_untracked());
                button.set_text_content(Some(t.copied));
            }
        } else {
            handle_copy_click(&target, t);
        }
    };
    view! {
        <div
            class="cb-messages"
            role="log"
            aria-label=t.messages
            tabindex="0"
            node_ref=follow.list
            on:scroll=move |_| follow.on_scroll()
            on:click=on_click
        >
            {greeting.map(|text| view! {
                <div class="cb-message cb-assistant cb-greeting">
                    <div class="cb-text">{text}</div>
                </div>
            })}
            <Show when=move || state.history.get() == HistoryStatus::Loading>
                <p class="cb-status">{t.loading_history}</p>
            </Show>
            <div class="cb-rows" node_ref=holder></div>
            <div
                class="cb-starters"
                role="group"
                aria-label=t.suggestions
                hidden=move || {
                    starters.is_empty() || !state.messages.with(Vec::is_empty)
                        || state.history.get() == HistoryStatus::Loading
                }
            >
                {starters
                    .iter()
                    .map(|text| {
                        view! { <button type="button" class="cb-starter">{text.clone()}</button> }
                    })
                    .collect_view()}
            </div>
        </div>
    }
}

/// Makes `holder`'s rows match `messages`, reusing the rows of messages still there. Returns
/// `None` when no row was added, else whether the last row is new (a message just sent or a
/// reply just begun, which brings the list to the bottom).
fn sync_rows(
    holder: &Element,
    rows: &mut Vec<MessageRow>,
    messages: &[ChatMessage],
    state: ChatState,
    follow: Follow,
) -> Option<bool> {
    let document = holder.owner_document()?;
    let mut old: HashMap<u64, MessageRow> = rows.drain(..).map(|r| (r.message.key, r)).collect();
    let (mut added, mut last_is_new) = (false, false);
    for message in messages {
        let reused = old.remove(&message.key);
        last_is_new = reused.is_none();
        added |= last_is_new;
        rows.push(reused.unwrap_or_else(|| MessageRow::new(&document, *message, state, follow)));
    }
    for (_, gone) in old {
        gone.element.remove();
    }
    // Put the rows in order, moving only those out of place.
    let mut next: Option<Node> = holder.first_child();
    for row in rows.iter() {
        let node: &Node = &row.element;
        if next.as_ref() == Some(node) {
            next = node.next_sibling();
        } else {
            let _ = holder.insert_before(node, next.as_ref());
        }
    }
    added.then_some(last_is_new)
}
