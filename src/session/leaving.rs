//! A reply streaming when the page goes away (a reload, a link to another page of the site):
//! its stream dies with the page, before the exchange can settle it. The backend stores a reply
//! only once it has written it all, so the history read after the reload may hold the question
//! alone, and the visitor would find it with no reply and nothing to press. Before the reply's
//! first word it may not hold the question either: the request may not have reached it.
//!
//! The stream's own ending, if the browser still reports it while the page goes, is not that
//! exchange's outcome: the reply is settled here, as cut, and `run_exchange` leaves it so.

use leptos::prelude::*;

use crate::chat::{ChatState, MessageStatus};
use crate::store;
use crate::unfinished::Ending;

/// Remembers the reply streaming now, if any, as cut where it is: after the reload it comes back
/// as shown, with its Retry, and is watched for until the backend stores the whole reply (see
/// [`super::late_replies`]). Should the history already hold the reply, it shows as stored.
///
/// With no word of the reply come yet, the question is remembered as not sent too: after the
/// reload it shows with its Retry unless the history holds it (see [`crate::unsent`]), in which
/// case the cut reply shows under it. It waits for the visitor's Retry rather than going by
/// itself: the backend may have it and not show it yet.
///
/// Called on `pagehide`, where localStorage can still be written, synchronously.
pub fn remember_reply_in_flight(state: ChatState) {
    let Some(reply) = state.streaming_reply() else {
        return;
    };
    let Some(question) = state.question_before(reply.key) else {
        return;
    };
    let config = state.config.get_value();
    super::exchange::remember_unfinished(state, &config, question, reply, Ending::Cut);
    reply.status.set(MessageStatus::Failed);
    if reply.text.with_untracked(String::is_empty) {
        super::undelivered::mark_unsent(state, question, false);
        store::save_unsent(&config, &state.unsent_messages());
    }
}
