//! Catching the list up with a history that grew while it showed it, as when another tab of the
//! site added an exchange to the conversation (see [`crate::tabs`]): the list gets only the
//! messages it does not show yet, and every row it shows stays as it is, with where the visitor
//! scrolled, what has focus, a Copy just pressed.
//!
//! The list meets the history read again when each of its rows is the history's row at the same
//! place: the same message by id where both know it (the row came with the history, or was found
//! in it before); else the same side, words, status and number of versions, as a reply streamed
//! in this tab, which the stream gives no id, shows them. A history read of its newest messages
//! only is met at the first of them that a row knows by id. Where the two do not meet (a reply
//! cut off here that the backend stored whole, two tabs that asked at once and whose exchanges
//! the backend holds interleaved), the list is read again whole, as after a reload.

use crate::chat::{HistoryRow, MessageStatus};
use crate::models::Role;

/// A row of the list that the backend holds, as it is matched against the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub id: Option<String>,
    pub role: Role,
    pub text: String,
    pub status: MessageStatus,
    /// How many versions it has: more than one for a regenerated reply.
    pub versions: usize,
}

impl Shown {
    /// Whether it shows the history's `row`.
    fn shows(&self, row: &HistoryRow) -> bool {
        if row.message.role != Some(self.role) {
            return false;
        }
        match (self.id.as_deref(), id_of(row)) {
            (Some(shown), Some(stored)) => shown == stored,
            _ => {
                self.text == row.message.content
                    && self.status == row.status
                    && self.versions == row.earlier.len() + 1
            }
        }
    }
}

fn id_of(row: &HistoryRow) -> Option<&str> {
    Some(row.message.id.as_str()).filter(|id| !id.is_empty())
}

/// Where the list met the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meeting {
    /// How many of the rows shown come before the history's first row.
    pub before: usize,
    /// The first of the history's rows that the list does not show: those from here on are new.
    pub new_from: usize,
}

/// Where `shown`, the last rows of the list that the backend holds (oldest first), meets
/// `history`, the rows the history read again is to show (oldest first): its newest only, or
/// all of them when `whole`, and then `shown` must be all the list's rows too. `None` when they
/// do not meet: a row shown is not the history's row at its place, or the history read lacks a
/// row the list shows.
pub fn meeting(shown: &[Shown], history: &[HistoryRow], whole: bool) -> Option<Meeting> {
    let before = if whole {
        0
    } else {
        // The first of the history's rows that a row shown knows by id; every row shown after
        // that one must be the history's next, and none of the history's may come before it
        // unshown.
        history
            .iter()
            .enumerate()
            .find_map(|(at, row)| {
                let id = id_of(row)?;
                let i = shown.iter().position(|s| s.id.as_deref() == Some(id))?;
                Some(i.checked_sub(at))
            })
            .flatten()?
    };
    let overlap = &shown[before..];
    let meets =
        overlap.len() <= history.len() && overlap.iter().zip(history).all(|(s, h)| s.shows(h));
    meets.then_some(Meeting {
        before,
        new_from: overlap.len(),
    })
}

/// How many of the last of `history`'s rows (oldest first) are `added`, the rows this tab put in
/// the list while the history was on its way (oldest first): a message sent then, and its reply,
/// which the backend already held when it answered (it answered slowly, or the newest page was
/// read last). A reply still streaming here is held as far as it came, or further: a backend may
/// store the whole reply before it has streamed it all. The list shows them already; the history
/// goes in without them.
pub fn held_since(history: &[HistoryRow], added: &[Shown]) -> usize {
    let held = |shown: &Shown, row: &HistoryRow| {
        if shown.status == MessageStatus::Streaming {
            row.message.role == Some(shown.role) && row.message.content.starts_with(&shown.text)
        } else {
            shown.shows(row)
        }
    };
    (1..=added.len().min(history.len()))
        .rev()
        .find(|&n| {
            added[..n]
                .iter()
                .zip(&history[history.len() - n..])
                .all(|(shown, row)| held(shown, row))
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Message;

    fn stored(id: &str, role: Role, text: &str) -> HistoryRow {
        HistoryRow::new(
            Message {
                id: id.into(),
                role: Some(role),
                content: text.into(),
                ..Message::default()
            },
            MessageStatus::Complete,
        )
    }

    fn known(id: &str, role: Role, text: &str) -> Shown {
        Shown {
            id: Some(id.into()),
            ..live(role, text)
        }
    }

    /// A message of this tab: no id.
    fn live(role: Role, text: &str) -> Shown {
        Shown {
            id: None,
            role,
            text: text.into(),
            status: MessageStatus::Complete,
            versions: 1,
        }
    }

    use Role::{Assistant as A, Visitor as V};

    #[test]
    fn another_tab_s_exchange_is_new_and_the_rows_shown_are_met_in_place() {
        let history = [
            stored("1", V, "hi"),
            stored("2", A, "hello"),
            // Sent from this tab: shown without their ids.
            stored("3", V, "mine"),
            stored("4", A, "my answer"),
            // From the other tab.
            stored("5", V, "theirs"),
            stored("6", A, "their answer"),
        ];
        let shown = [
            known("1", V, "hi"),
            known("2", A, "hello"),
            live(V, "mine"),
            live(A, "my answer"),
        ];
        let whole = meeting(&shown, &history, true);
        assert_eq!(
            whole,
            Some(Meeting {
                before: 0,
                new_from: 4
            })
        );
        // The newest page alone: met where the row that knows "2" is.
        assert_eq!(
            meeting(&shown, &history[1..], false),
            Some(Meeting {
                before: 1,
                new_from: 3
            })
        );
        // Nothing new: nothing to add.
        assert_eq!(
            meeting(&shown, &history[..4], true),
            Some(Meeting {
                before: 0,
                new_from: 4
            })
        );
    }

    #[test]
    fn a_list_that_shows_what_the_history_does_not_is_not_met() {
        let history = [
            stored("1", V, "hi"),
            stored("2", A, "hello"),
            stored("3", V, "theirs"),
            stored("4", V, "mine"),
            stored("5", A, "their answer"),
            stored("6", A, "my answer"),
        ];
        // Two tabs asked at once: the backend holds the exchanges interleaved.
        let shown = [
            known("1", V, "hi"),
            known("2", A, "hello"),
            live(V, "mine"),
            live(A, "my answer"),
        ];
        assert_eq!(meeting(&shown, &history, true), None);
        // A reply cut off here that the backend holds whole.
        let cut = Shown {
            status: MessageStatus::Failed,
            ..live(A, "their ans")
        };
        let shown = [
            known("1", V, "hi"),
            known("2", A, "hello"),
            live(V, "theirs"),
            cut,
        ];
        let history = [
            stored("1", V, "hi"),
            stored("2", A, "hello"),
            stored("3", V, "theirs"),
            stored("5", A, "their answer"),
        ];
        assert_eq!(meeting(&shown, &history, true), None);
        // A history shorter than the list (read before the list's last exchange was stored).
        assert_eq!(meeting(&shown[..3], &history[..2], true), None);
        // A row known by one id where the history holds another.
        let shown = [known("1", V, "hi"), known("9", A, "hello")];
        assert_eq!(meeting(&shown, &history, true), None);
    }

    #[test]
    fn the_newest_page_is_met_only_through_a_row_known_by_id() {
        let history = [
            stored("7", V, "q"),
            stored("8", A, "a"),
            stored("9", V, "theirs"),
        ];
        // This tab never read the history: nothing to meet the page by, the whole is read.
        assert_eq!(
            meeting(&[live(V, "q"), live(A, "a")], &history, false),
            None
        );
        // The page starts before the list's first row: the list lacks a row of it.
        assert_eq!(meeting(&[known("8", A, "a")], &history, false), None);
        // Rows far above the page are not compared.
        let shown = [live(V, "long ago"), known("7", V, "q"), known("8", A, "a")];
        assert_eq!(
            meeting(&shown, &history, false),
            Some(Meeting {
                before: 1,
                new_from: 2
            })
        );
    }

    #[test]
    fn a_row_known_by_id_is_met_whatever_it_shows_and_others_by_what_they_show() {
        // A reply the visitor stopped here shows its beginning; a regenerated one, its versions.
        let stopped = Shown {
            status: MessageStatus::Stopped,
            ..live(A, "Once")
        };
        let mut restored = stored("2", A, "Once");
        restored.status = MessageStatus::Stopped;
        let history = [stored("1", V, "story"), restored, stored("3", V, "more")];
        let shown = [known("1", V, "a story, edited?"), stopped.clone()];
        assert_eq!(meeting(&shown, &history, true).map(|m| m.new_from), Some(2));
        let regenerated = Shown {
            versions: 2,
            ..stopped
        };
        assert_eq!(
            meeting(&[known("1", V, "story"), regenerated], &history, true),
            None
        );
    }

    #[test]
    fn an_exchange_sent_while_the_history_was_on_its_way_is_met_at_its_end() {
        let history = [
            stored("1", V, "hi"),
            stored("2", A, "hello"),
            stored("3", V, "question"),
            stored("4", A, "answer"),
        ];
        let sent = [live(V, "question"), live(A, "answer")];
        assert_eq!(held_since(&history, &sent), 2);
        // The reply not stored yet, or still arriving here.
        assert_eq!(held_since(&history[..3], &sent), 1);
        let streaming = Shown {
            status: MessageStatus::Streaming,
            ..live(A, "answ")
        };
        assert_eq!(
            held_since(&history[..3], &[live(V, "question"), streaming.clone()]),
            1
        );
        // Stored whole while it still streams here.
        assert_eq!(held_since(&history, &[live(V, "question"), streaming]), 2);
        let other = Shown {
            status: MessageStatus::Streaming,
            ..live(A, "another")
        };
        assert_eq!(held_since(&history, &[live(V, "question"), other]), 0);
        // Nothing of it stored yet: the history's last rows are older ones.
        assert_eq!(held_since(&history[..2], &sent), 0);
        assert_eq!(held_since(&history, &[]), 0);
        assert_eq!(held_since(&[], &sent), 0);
    }

    #[test]
    fn words_asked_before_are_not_taken_for_the_ones_sent_meanwhile() {
        // The same words asked again in this tab, not yet stored: the stored asking stays.
        let history = [stored("1", V, "hello"), stored("2", A, "hi!")];
        assert_eq!(held_since(&history, &[live(V, "hello")]), 0);
        // A message that did not go is not the stored one.
        let history = [stored("1", V, "hello")];
        let unsent = Shown {
            status: MessageStatus::Unsent,
            ..live(V, "hello")
        };
        assert_eq!(held_since(&history, &[unsent]), 0);
    }
}
