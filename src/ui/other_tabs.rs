use leptos::prelude::*;
use web_sys::StorageEvent;

use super::announcer::empty_once_said;
use super::listen::listen_to;
use crate::chat::ChatState;
use crate::session;
use crate::store;
use crate::tabs::{self, Change, Waiting};

/// Keeps this tab on the conversation of the site's other tabs (see [`crate::tabs`]). When it
/// follows them with the panel open, a short polite status says so, since the list changed
/// without this tab's visitor doing anything; the messages read again are not said.
#[component]
pub fn OtherTabs() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let t = state.config.with_value(|c| c.texts);
    let said = RwSignal::new(String::new());
    empty_once_said(said);
    let waiting = StoredValue::new(Waiting::default());
    let follow = move |change: Change| {
        session::follow_other_tab(state, change);
        if state.open.get_untracked() {
            said.set(
                match change {
                    Change::Conversation => t.other_tab_conversation,
                    Change::Messages => t.other_tab_messages,
                }
                .to_owned(),
            );
        }
    };
    if let Some(window) = web_sys::window() {
        listen_to(&window.into(), "storage", move |event: StorageEvent| {
            let change = state.config.with_value(|config| {
                let key = event.key();
                let entry = store::changed_elsewhere(config, event.storage_area(), key.as_deref())?;
                let stored = store::conversation(config);
                let stored = stored.as_ref().map(|c| c.id.as_str());
                tabs::change(entry, event.new_value().as_deref(), stored)
            });
            let replying = state.replying.get_untracked();
            let now =
                change.and_then(|c| waiting.try_update_value(|w| w.came(c, replying)).flatten());
            if let Some(change) = now {
                follow(change);
            }
        });
    }
    // This tab's reply has ended: what another tab did meanwhile is followed now.
    Effect::new(move |_| {
        if !state.replying.get() {
            if let Some(change) = waiting.try_update_value(Waiting::ended).flatten() {
                follow(change);
            }
        }
    });
    view! { <div class="cb-sr-only" role="status">{move || said.get()}</div> }
}
