//! A history read that could not reach the backend while the browser says it is online: a
//! connection that leads nowhere (a hotel's Wi-Fi before its sign-in page, a network that just
//! dropped), or a browser wrong about it. No `online` event will come to read it again, and the
//! messages that wait for the connection wait for that read. So the widget asks again now and
//! then, without a word (the notice already says the assistant cannot be reached), and reads
//! the history as soon as an answer comes.

use leptos::prelude::*;
use web_sys::AbortController;

use crate::api;
use crate::chat::{ChatState, HistoryStatus};
use crate::config::Config;
use crate::models::Conversation;
use crate::timers::sleep_ms_or_abort;

/// The pauses before each ask, longer and longer; after the last the visitor's Retry is left to
/// try (a connection down that long is not coming back by itself soon).
const PAUSES_MS: [u32; 10] = [
    2_000, 4_000, 8_000, 15_000, 30_000, 60_000, 60_000, 60_000, 60_000, 60_000,
];

/// Asks for the history now and then while the read that put up `notice` stays the list's
/// failed one, and reads it again (through the visitor's Retry's path) once the backend
/// answers. `controller` stops the asking: the widget is destroyed, or another read takes over.
pub(super) async fn read_again_once_reachable(
    state: ChatState,
    config: &Config,
    conversation: &Conversation,
    controller: &AbortController,
    notice: u64,
) {
    let signal = controller.signal();
    let still_failed = || {
        !signal.aborted()
            && state.history.try_get_untracked() == Some(HistoryStatus::Failed { notice })
    };
    for pause in PAUSES_MS {
        sleep_ms_or_abort(pause, &signal).await;
        if !still_failed() {
            return;
        }
        if api::history(config, conversation, Some(&signal))
            .await
            .is_ok()
        {
            if still_failed() {
                super::retry_history(state);
            }
            return;
        }
    }
}
