use crate::reactive::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

use super::follow::Follow;
use super::message_row::MessageRow;
use crate::chat::{ChatMessage, ChatState, HistoryStatus};
use crate::dom::{append_element, append_text, bind, element, on, set};
use crate::models::Role;
use crate::render::handle_copy_click;
use crate::session;

/// The scrolling list of messages. Rows are keyed by message: a new message adds one row, a
/// removed one drops its row, and a streamed delta re-renders nothing here. One click listener
/// serves every row's buttons.
pub fn message_list(document: &Document, state: ChatState) -> Element {
    let (greeting, starters, t) = state
        .config
        .with_value(|c| (c.greeting.clone(), c.starters.clone(), c.texts));
    let list = element(document, "div", "cb-messages");
    set(&list, "role", "log");
    set(&list, "aria-label", t.messages);
    set(&list, "tabindex", "0");
    let follow = Follow::new(list.clone());
    if let Some(text) = greeting {
        let row = append_element(&list, "div", "cb-message cb-assistant cb-greeting");
        append_text(&append_element(&row, "div", "cb-text"), &text);
    }
    let loading = element(document, "p", "cb-status");
    append_text(&loading, t.loading_history);
    let holder = append_element(&list, "div", "cb-rows");
    let suggestions = append_element(&list, "div", "cb-starters");
    set(&suggestions, "role", "group");
    set(&suggestions, "aria-label", t.suggestions);
    for text in &starters {
        let button = append_element(&suggestions, "button", "cb-starter");
        set(&button, "type", "button");
        append_text(&button, text);
    }

    let rows = StoredValue::new_local(Vec::<MessageRow>::new());
    let rows_holder = holder.clone();
    bind(move || {
        let messages = state.messages.get();
        rows.update_value(|rows| {
            let added_last = sync_rows(&rows_holder, rows, &messages, state, follow);
            if let Some(added_last) = added_last {
                follow.content_changed(added_last);
            }
        });
    });
    {
        let (list, holder) = (list.clone(), holder.clone());
        bind(move || {
            let history_loading = state.history.get() == HistoryStatus::Loading;
            if history_loading {
                let _ = list.insert_before(&loading, Some(&holder));
            } else {
                loading.remove();
            }
            let hide_starters =
                starters.is_empty() || !state.messages.with(Vec::is_empty) || history_loading;
            let _ = suggestions.toggle_attribute_with_force("hidden", hide_starters);
        });
    }
    on(&list, "scroll", move |_| follow.on_scroll());
    on(&list, "click", move |ev| {
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
    });
    list
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
    // The rows there were, in their order, which the messages keep: the next match is almost
    // always where the last one left off.
    let mut old: Vec<Option<MessageRow>> = rows.drain(..).map(Some).collect();
    let mut next_old = 0;
    let (mut added, mut last_is_new) = (false, false);
    for message in messages {
        let found = (next_old..old.len()).chain(0..next_old).find(|&i| {
            old[i]
                .as_ref()
                .is_some_and(|r| r.message.key == message.key)
        });
        let reused = found.and_then(|i| {
            next_old = i + 1;
            old[i].take()
        });
        last_is_new = reused.is_none();
        added |= last_is_new;
        rows.push(reused.unwrap_or_else(|| MessageRow::new(&document, *message, state, follow)));
    }
    for gone in old.into_iter().flatten() {
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
