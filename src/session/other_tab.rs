//! Following what another tab of the site did with the conversation (see [`crate::tabs`]): the
//! list shows the stored conversation again, as after a reload. The messages not sent stay in
//! it, and the message box and its files are left alone.

use leptos::prelude::*;

use super::load_history;
use crate::chat::{ChatState, HistoryStatus};
use crate::tabs::Change;

/// Shows the conversation stored now, read again from the backend (at once while the panel is
/// open, else when it opens). Called with no reply streaming in this tab.
pub fn follow_other_tab(state: ChatState, change: Change) {
    // What this tab was still reading or watching was for the list it showed.
    state.drop_history_read();
    state.set_follow_ups_abort(None);
    state.set_late_replies_abort(None);
    state.keep_only_unsent();
    if change == Change::Conversation {
        // Replies not read yet belong to the conversation left.
        state.unread.set(0);
    }
    state.history.set(HistoryStatus::NotLoaded);
    if state.open.get_untracked() {
        load_history(state);
    }
}
