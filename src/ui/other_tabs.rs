use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, StorageEvent};

use super::announcer::empty_once_said;
use super::contact_form;
use super::follow::Follow;
use super::keyboard_focus::focused_near;
use super::listen::listen_to;
use crate::chat::ChatState;
use crate::session::{self, Followed};
use crate::store;
use crate::tabs::{self, Change, Waiting, LOOKS_FOR_A_LATE_REPLY_MS};
use crate::timers;

/// Keeps this tab on the conversation of the site's other tabs (see [`crate::tabs`]), and on
/// their answer to the contact step. When it follows them with the panel open, a short polite
/// status says so, since the list changed without this tab's visitor doing anything; the
/// messages read again are not said.
///
/// What another tab did waits while this tab's visitor is busy in the list: a reply streaming
/// here, or reading further up (the list read again would take them to its end); it waits
/// again when the visitor sent a message while it was being followed. It is followed once the
/// reply has ended and the list is back at its end.
#[component]
pub fn OtherTabs() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let list = expect_context::<Follow>();
    let t = state.config.with_value(|c| c.texts);
    let said = RwSignal::new(String::new());
    empty_once_said(said);
    let status = NodeRef::<Div>::new();
    let waiting = StoredValue::new(Waiting::default());
    let busy = move || state.replying.get_untracked() || !untrack(|| list.following());
    // Wakes the effect below when a change followed waits again, for the reply to a message
    // the visitor sent while it was being followed.
    let waits_again = Trigger::new();
    let follow_now = move |change: Change| {
        spawn_local(async move {
            let keep_focus = move || {
                if let Some(status) = status.get_untracked() {
                    keep_focus_in_list(&status);
                }
            };
            if session::follow_other_tab(state, change, keep_focus).await == Followed::AfterReply {
                waiting.try_update_value(|w| w.came(change, true));
                waits_again.notify();
            }
        });
    };
    let follow = move |change: Change| {
        follow_now(change);
        if state.open.get_untracked() {
            said.set(
                match change {
                    Change::Conversation | Change::Replaced => t.other_tab_conversation,
                    Change::Messages => t.other_tab_messages,
                }
                .to_owned(),
            );
        }
        // The other tab's reply may be stored a moment after its stream ended: while the
        // history read ends with its question alone, it is read again a few times.
        spawn_local(async move {
            // Nothing stops these pauses: each look first checks the widget is still there.
            let Ok(never) = web_sys::AbortController::new() else {
                return;
            };
            for pause in LOOKS_FOR_A_LATE_REPLY_MS {
                timers::sleep_ms_or_abort(pause, &never.signal()).await;
                match state.awaits_reply() {
                    None => return,
                    Some(false) => {}
                    Some(true) if busy() => {}
                    Some(true) => follow_now(Change::Messages),
                }
            }
        });
    };
    if let Some(window) = web_sys::window() {
        listen_to(&window.into(), "storage", move |event: StorageEvent| {
            let key = event.key();
            let Some(entry) = state.config.with_value(|config| {
                store::changed_elsewhere(config, event.storage_area(), key.as_deref())
            }) else {
                return;
            };
            if let Some(status) = status.get_untracked() {
                contact_form::answered_elsewhere(state, &status);
            }
            let change = state.config.with_value(|config| {
                let stored = store::conversation(config);
                let stored = stored.as_ref().map(|c| c.id.as_str());
                let (old, new) = (event.old_value(), event.new_value());
                tabs::change(entry, old.as_deref(), new.as_deref(), stored)
            });
            let now =
                change.and_then(|c| waiting.try_update_value(|w| w.came(c, busy())).flatten());
            if let Some(change) = now {
                follow(change);
            }
        });
    }
    // This tab's reply has ended and the list is at its end: what another tab did meanwhile is
    // followed now.
    Effect::new(move |_| {
        waits_again.track();
        if !state.replying.get() && list.following() {
            if let Some(change) = waiting.try_update_value(Waiting::ended).flatten() {
                follow(change);
            }
        }
    });
    view! { <div class="cb-sr-only" role="status" node_ref=status>{move || said.get()}</div> }
}

/// Focus on something in the list, whose rows following takes out when it shows the list
/// afresh, goes to the list itself: it stays in the chat (a phone's panel keeps its Tab trap)
/// and raises no on-screen keyboard.
fn keep_focus_in_list(within: &Element) {
    let Some(list) = focused_near(within)
        .and_then(|focused| focused.closest(".cb-messages").ok().flatten())
        .and_then(|list| list.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    let _ = list.focus();
}
