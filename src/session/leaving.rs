//! A reply streaming when the page goes away (a reload, a link to another page of the site):
//! its stream dies with the page, before the exchange can settle it. The backend stores a reply
//! only once it has written it all, so the history read after the reload may hold the question
//! alone, and the visitor would find it with no reply and nothing to press. Before the reply's
//! first word it may not hold the question either: the request may not have reached it.
//!
//! The stream's own ending, if the browser still reports it while the page goes, is not that
//! exchange's outcome: the reply is settled here, as cut, and `run_exchange` leaves it so.
//!
//! The page may come back instead, from the browser's back-forward cache (the visitor pressed
//! Back), with the exchange it left still under way: then the reply streams on.

use leptos::prelude::*;

use crate::chat::{ChatMessage, ChatState, MessageStatus};
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
/// Called on `pagehide`, where localStorage can still be written, synchronously. Returns what
/// it settled, for [`came_back`].
pub fn remember_reply_in_flight(state: ChatState) -> Option<LeftInFlight> {
    let reply = state.streaming_reply()?;
    let question = state.question_before(reply.key)?;
    let config = state.config.get_value();
    super::exchange::remember_unfinished(state, &config, question, reply, Ending::Cut);
    reply.status.set(MessageStatus::Failed);
    let mut question_was = None;
    if reply.text.with_untracked(String::is_empty) {
        question_was = Some(question.status.get_untracked());
        super::undelivered::mark_unsent(state, question, false);
        store::save_unsent(&config, &state.unsent_messages());
    }
    Some(LeftInFlight {
        question,
        reply,
        question_was,
    })
}

/// A reply [`remember_reply_in_flight`] settled as cut as the page went away.
#[derive(Debug, Clone, Copy)]
pub struct LeftInFlight {
    question: ChatMessage,
    reply: ChatMessage,
    /// The question's status before it was marked not sent with its reply, if it was.
    question_was: Option<MessageStatus>,
}

/// The page is shown again after `left` was settled: it came back from the back-forward cache.
/// An exchange still under way there goes on, and its reply is no longer cut (it showed "Reply
/// interrupted" beside its growing text and a Stop). A stream the browser closed while the page
/// was away then ends the exchange as a dropped connection does: cut, with its Retry.
pub fn came_back(state: ChatState, left: LeftInFlight) {
    let LeftInFlight {
        question,
        reply,
        question_was,
    } = left;
    // The exchange ended meanwhile, as left with the page: it stays settled so.
    let still_cut = reply.status.try_get_untracked() == Some(MessageStatus::Failed);
    if !still_cut || !state.replying.get_untracked() {
        return;
    }
    let config = state.config.get_value();
    reply.status.set(MessageStatus::Streaming);
    super::exchange::forget_cut(&config, question);
    if let Some(status) = question_was {
        question.status.set(status);
        store::save_unsent(&config, &state.unsent_messages());
    }
}
