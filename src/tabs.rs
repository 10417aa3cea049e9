//! A site's tabs are one chat. The conversation is stored once for the browser (see
//! [`crate::store`]), so a message goes to it from whichever tab sends it; every tab shows it
//! too. When another tab starts a conversation, begins a new one or adds to it, this tab follows:
//! it reads the conversation again, and its next message goes there. An exchange added joins
//! the list (see [`crate::history_merge`]); another conversation is shown afresh, as after a
//! reload.
//!
//! The browser tells the other tabs of each change to the storage (the `storage` event, which
//! the tab that wrote does not get). The conversation's own entry changes when one is started or
//! forgotten; nothing stored changes when a message goes to a conversation already stored, so a
//! tab leaves a [`Stamp`] naming the conversation when one of its exchanges ends.
//!
//! What is this tab's alone stays as it is: the words typed, the files attached and the messages
//! not sent are not in the conversation's history. A reply streaming in this tab finishes first
//! ([`Waiting`]): it belongs to the conversation it was asked in, and stopping it would lose it
//! (the backend stores a reply once it has written it all). Following at once instead would
//! leave it streaming out of sight, its Stop button in the message box of the conversation
//! followed, and its end said to screen readers as a reply of that conversation. Once it has
//! ended, the visitor has read it whole, and the tab follows.
//!
//! A tab starts a conversation only when none is stored, and looks again once the backend has
//! made it: another tab may have stored one meanwhile, whose first message went at the same
//! moment, and then both tabs' messages go to that one. Two tabs that store theirs at the same
//! instant still make two: the one stored last replaces the other ([`Change::Replaced`]), and
//! the tab whose conversation was replaced sends what it had sent to it again, to the one kept,
//! so that the visitor's messages are all in the conversation every tab shows.

use serde::{Deserialize, Serialize};

use crate::models::Conversation;

/// When to read the history again after following another tab's exchange, while it ends with
/// that tab's question alone: a backend may store the reply a moment after its stream ended.
pub const LOOKS_FOR_A_LATE_REPLY_MS: [u32; 3] = [2_000, 4_000, 8_000];

/// Which of a web chat's stored entries another tab changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// The conversation: one was started, or it was forgotten for a new one.
    Conversation,
    /// The [`Stamp`] of an exchange that ended.
    Stamp,
    /// The visitor's answer to the contact step: the list shown stays as it is (see
    /// [`crate::contact::ContactStep::answered_elsewhere`]).
    Contact,
    /// Everything at once: the storage was cleared.
    All,
}

/// What another tab changed for this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// The conversation shown has new messages.
    Messages,
    /// The conversation is another one, or none yet.
    Conversation,
    /// Another tab stored its conversation over the one stored: it started it at the same
    /// moment as this tab or another started theirs (see the module's documentation).
    Replaced,
}

/// Left in storage by a tab when one of its exchanges ends: the other tabs showing
/// `conversation` read its history again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    pub conversation: String,
    /// When (milliseconds since the epoch): the browser tells the other tabs only of a value
    /// that differs from the one before.
    pub at: i64,
}

/// What a change of `entry` from `old` to `new` (its values before and now, if any) is for this
/// tab, `stored` being the id of the conversation stored now.
pub fn change(
    entry: Entry,
    old: Option<&str>,
    new: Option<&str>,
    stored: Option<&str>,
) -> Option<Change> {
    match entry {
        // A tab stores a conversation where none is stored, or after forgetting the one stored:
        // one stored straight over another was started at the same moment.
        Entry::Conversation => match (old, new) {
            (Some(old), Some(new))
                if Conversation::from_stored(old).id != Conversation::from_stored(new).id =>
            {
                Some(Change::Replaced)
            }
            _ => Some(Change::Conversation),
        },
        Entry::All => Some(Change::Conversation),
        Entry::Contact => None,
        // A stamp of a conversation that is no longer the one stored is old news: an exchange
        // that ended after another tab had begun a new conversation.
        Entry::Stamp => {
            let stamp: Stamp = serde_json::from_str(new?).ok()?;
            (Some(stamp.conversation.as_str()) == stored).then_some(Change::Messages)
        }
    }
}

/// What another tab changed while this tab's reply was streaming, followed once it has ended.
#[derive(Debug, Default)]
pub struct Waiting(Option<Change>);

impl Waiting {
    /// Another tab made `change`; `replying`: a reply is streaming in this tab. Returns what to
    /// follow now, if anything; else it waits for [`Waiting::ended`]. Changes that come while
    /// one waits are followed as one: another conversation includes new messages.
    pub fn came(&mut self, change: Change, replying: bool) -> Option<Change> {
        let change = self.0.take().map_or(change, |earlier| earlier.max(change));
        if replying {
            self.0 = Some(change);
            None
        } else {
            Some(change)
        }
    }

    /// No reply is streaming in this tab any more: what waited for it, if anything.
    pub fn ended(&mut self) -> Option<Change> {
        self.0.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(conversation: &str, at: i64) -> String {
        serde_json::to_string(&Stamp {
            conversation: conversation.into(),
            at,
        })
        .unwrap()
    }

    #[test]
    fn a_conversation_started_or_forgotten_elsewhere_is_followed() {
        let c1 = r#"{"id":"c1","visitorToken":"t1"}"#;
        let c2 = r#"{"id":"c2","visitorToken":"t2"}"#;
        for (old, new) in [(None, Some(c2)), (Some(c1), None)] {
            assert_eq!(
                change(Entry::Conversation, old, new, new.map(|_| "c2")),
                Some(Change::Conversation)
            );
        }
        assert_eq!(
            change(Entry::All, None, None, None),
            Some(Change::Conversation)
        );
    }

    #[test]
    fn a_conversation_stored_over_another_replaced_it() {
        let c1 = r#"{"id":"c1","visitorToken":"t1"}"#;
        let c2 = r#"{"id":"c2","visitorToken":"t2"}"#;
        assert_eq!(
            change(Entry::Conversation, Some(c1), Some(c2), Some("c2")),
            Some(Change::Replaced)
        );
        // An id stored by an earlier version, as bare text.
        assert_eq!(
            change(Entry::Conversation, Some("c1"), Some(c2), Some("c2")),
            Some(Change::Replaced)
        );
        // The same conversation written again is no other one.
        assert_eq!(
            change(Entry::Conversation, Some("c1"), Some(c1), Some("c1")),
            Some(Change::Conversation)
        );
        // What waits while a reply streams here: the replacement, with all it includes.
        let mut waiting = Waiting::default();
        assert_eq!(waiting.came(Change::Replaced, true), None);
        assert_eq!(waiting.came(Change::Messages, true), None);
        assert_eq!(waiting.ended(), Some(Change::Replaced));
    }

    #[test]
    fn a_stamp_counts_for_the_conversation_stored_only() {
        let c1 = stamp("c1", 1_764_676_800_000);
        assert_eq!(
            change(Entry::Stamp, None, Some(&c1), Some("c1")),
            Some(Change::Messages)
        );
        // An exchange of a conversation since left, in a tab that had not followed yet.
        assert_eq!(change(Entry::Stamp, None, Some(&c1), Some("c2")), None);
        assert_eq!(change(Entry::Stamp, None, Some(&c1), None), None);
        // Removed, or written by something else under the same name.
        assert_eq!(change(Entry::Stamp, None, None, Some("c1")), None);
        assert_eq!(change(Entry::Stamp, None, Some("c1"), Some("c1")), None);
    }

    #[test]
    fn a_change_waits_while_a_reply_streams_here_and_comes_once_it_has_ended() {
        let mut waiting = Waiting::default();
        assert_eq!(
            waiting.came(Change::Messages, false),
            Some(Change::Messages)
        );
        assert_eq!(waiting.ended(), None, "nothing waited");

        assert_eq!(waiting.came(Change::Messages, true), None);
        assert_eq!(waiting.came(Change::Conversation, true), None);
        assert_eq!(waiting.came(Change::Messages, true), None);
        // One following for all of them: the conversation another tab is in now, whole.
        assert_eq!(waiting.ended(), Some(Change::Conversation));
        assert_eq!(waiting.ended(), None, "followed once");
    }

    #[test]
    fn a_change_that_comes_when_the_reply_has_ended_takes_what_waited_with_it() {
        let mut waiting = Waiting::default();
        assert_eq!(waiting.came(Change::Conversation, true), None);
        assert_eq!(
            waiting.came(Change::Messages, false),
            Some(Change::Conversation)
        );
        assert_eq!(waiting.ended(), None);
    }
}
