//! Follow-ups on a page opened while the conversation is still watched (another page of the
//! site, or a reload, within the window): the panel is closed, and the history, read only once
//! it opens, would not show them. The history is read as the page opens, to know what was
//! there, and then as the watch reads it: an assistant message that comes meanwhile counts as
//! unread on the launcher and is read out, and shows in the list when the visitor opens the
//! panel, which reads the history and watches it as usual.
//!
//! What arrives while no page of the site is open, or between the last read of one page and
//! the first of the next, is in the history but not counted.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::AbortController;

use super::{keep_window_open, read_watched, Backoff, Read, Tracker};
use crate::chat::ChatState;
use crate::store;
use crate::timers::sleep_ms_or_abort;

/// Watches the stored conversation for follow-ups while the panel is closed, if the site asked
/// and the window of the page before has not passed.
pub fn watch_while_closed(state: ChatState) {
    let config = state.config.get_value();
    if !config.follow_ups || state.open.get_untracked() {
        return;
    }
    let Some(conversation) = store::conversation(&config) else {
        return;
    };
    if !watched(&config, &conversation.id) {
        return;
    }
    let Ok(controller) = AbortController::new() else {
        return;
    };
    // The panel's own watch, once it opens, takes this one's place.
    state.set_follow_ups_abort(Some(controller.clone()));
    spawn_local(async move {
        let signal = controller.signal();
        let mut tracker = Tracker::default();
        let mut backoff = Backoff::default();
        // The first read, at once, is what the page found.
        let mut found = false;
        let mut pause = 0;
        loop {
            sleep_ms_or_abort(pause, &signal).await;
            if signal.aborted() || state.open.get_untracked() || !watched(&config, &conversation.id)
            {
                return;
            }
            let read = read_watched(&config, &conversation, &signal).await;
            let Some(next) = backoff.next_pause() else {
                return;
            };
            pause = next;
            let history = match read {
                Read::Messages(history) => history,
                Read::Trouble => continue,
                Read::Over => return,
            };
            if state.open.get_untracked() {
                return;
            }
            // Only messages known by their id can be told apart from one read to the next.
            let history: Vec<_> = history.into_iter().filter(|m| !m.id.is_empty()).collect();
            let fresh = tracker.fresh(&history, &[]);
            if !found {
                found = true;
                continue;
            }
            if !fresh.is_empty() {
                backoff.reset();
                keep_window_open(&config);
            }
            for m in fresh {
                state.reply_completed(m.content);
            }
        }
    });
}

/// Whether `conversation` is still in the window of the last watch, as stored.
fn watched(config: &crate::config::Config, conversation: &str) -> bool {
    store::follow_ups_window(config).is_some_and(|w| w.watches(conversation, js_sys::Date::now()))
}
