//! The problem shown to the visitor above the message box, and said to screen readers.

use leptos::prelude::*;

use super::ChatState;

/// A problem shown to the visitor, above the message box.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Which notice this is: each is said to screen readers once, when it goes up (see
    /// [`Alert`]).
    pub id: u64,
    /// What it shows.
    pub text: String,
    /// It counts down to an automatic retry: its seconds are shown, and only its first said.
    pub counts_down: bool,
    /// It is about the connection: it goes once the browser is back online.
    pub until_online: bool,
}

/// A problem as screen readers are told it: once, as its notice goes up. What the notice shows
/// afterwards (a countdown's seconds) is for the eye.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The [`Notice::id`] of the notice it says: each is said anew, even in the words of the one
    /// before.
    pub id: u64,
    pub words: String,
}

impl ChatState {
    /// Shows the visitor a problem, said to screen readers as it goes up (even in the words of
    /// the one before). Returns its [`Notice::id`].
    pub fn show_notice(&self, text: String) -> u64 {
        self.put_notice(text, false, false)
    }

    /// [`show_notice`](Self::show_notice) for a problem of the connection, which goes by itself
    /// once the browser is back online ([`back_online`](Self::back_online)). Returns its
    /// [`Notice::id`].
    pub fn show_offline_notice(&self, text: String) -> u64 {
        self.put_notice(text, false, true)
    }

    /// Shows the seconds left before an automatic retry, and returns the notice's id. The first
    /// are said, and the notice then counts down on the screen alone (a screen reader would be
    /// interrupted every second). `earlier`: the id this countdown had before the exchange's
    /// last attempt. The exchange's next wait is the same trouble going on: shown again, not said
    /// again, unless another problem was said in between.
    pub fn count_down_notice(&self, text: String, earlier: Option<u64>) -> u64 {
        let counting = self
            .notice
            .with_untracked(|n| n.as_ref().filter(|n| n.counts_down).map(|n| n.id));
        if let Some(id) = counting {
            self.notice.update(|n| {
                if let Some(n) = n {
                    n.text = text;
                }
            });
            return id;
        }
        let last_said = self.inner.with_value(|inner| inner.last_notice);
        match earlier {
            Some(id) if id == last_said => {
                self.notice.set(Some(Notice {
                    id,
                    text,
                    counts_down: true,
                    until_online: false,
                }));
                id
            }
            _ => self.put_notice(text, true, false),
        }
    }

    fn put_notice(&self, text: String, counts_down: bool, until_online: bool) -> u64 {
        let id = self
            .inner
            .try_update_value(|inner| {
                inner.last_notice += 1;
                inner.last_notice
            })
            .unwrap_or_default();
        self.alert.set(Some(Alert {
            id,
            words: text.clone(),
        }));
        self.notice.set(Some(Notice {
            id,
            text,
            counts_down,
            until_online,
        }));
        id
    }

    /// The browser is back online: a notice about the connection is out of date, and so are
    /// its words for screen readers, met by a visitor who reads the panel again.
    pub fn back_online(&self) {
        let out_of_date = self
            .notice
            .with_untracked(|n| n.as_ref().filter(|n| n.until_online).map(|n| n.id));
        if let Some(id) = out_of_date {
            self.notice.set(None);
            if self
                .alert
                .with_untracked(|a| a.as_ref().is_some_and(|a| a.id == id))
            {
                self.alert.set(None);
            }
        }
    }

    /// The browser went offline. A notice that blames the assistant for a reply cut off is
    /// likelier about the connection: it says so instead, and goes once the browser is back
    /// online, when the history is read for the whole reply (see
    /// `session::look_for_late_replies`).
    pub fn went_offline(&self) {
        let Some(shown) = self.notice.with_untracked(|n| {
            n.as_ref()
                .filter(|n| !n.until_online && !n.counts_down)
                .map(|n| n.id)
        }) else {
            return;
        };
        let cut = self.messages.with_untracked(|list| {
            list.iter()
                .find(|m| m.details.with_value(|d| d.cut_notice) == Some(shown))
                .copied()
        });
        if let Some(cut) = cut {
            let text = self.config.with_value(|c| c.texts.offline_cut).to_owned();
            let id = self.show_offline_notice(text);
            cut.details.update_value(|d| d.cut_notice = Some(id));
        }
    }

    /// Takes the notice `id` down, if it is still the one shown.
    pub fn take_down_notice(&self, id: u64) {
        if self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.id == id))
        {
            self.notice.set(None);
        }
    }

    /// The problem put up while the panel was closed, if it is still up: the launcher shows
    /// that something waits for the visitor, as it counts the replies that came meanwhile. A
    /// countdown to an automatic retry is not one: the retry may well bring the reply.
    pub fn unseen_problem(&self) -> Option<String> {
        let seen = self.inner.with_value(|inner| inner.notice_seen);
        self.notice.with(|n| {
            n.as_ref()
                .filter(|n| n.id > seen && !n.counts_down)
                .map(|n| n.text.clone())
        })
    }

    /// The notice's words, if one is up.
    pub fn notice_text(&self) -> Option<String> {
        self.notice
            .with_untracked(|n| n.as_ref().map(|n| n.text.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::chat::MessageStatus;
    use crate::models::Role;

    /// What screen readers were told, as (notice id, words).
    fn said(state: &ChatState) -> Option<(u64, String)> {
        state
            .alert
            .get_untracked()
            .map(|alert| (alert.id, alert.words))
    }

    #[test]
    fn a_countdown_is_one_notice_said_once_and_every_notice_is_new() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let first = state.count_down_notice("Retrying in 3 s".into(), None);
            assert_eq!(said(&state), Some((first, "Retrying in 3 s".into())));
            assert_eq!(
                state.count_down_notice("Retrying in 2 s".into(), None),
                first
            );
            assert_eq!(state.notice_text().as_deref(), Some("Retrying in 2 s"));
            assert_eq!(
                said(&state),
                Some((first, "Retrying in 3 s".into())),
                "a tick is not said"
            );
            // A notice in the same words as the one before is a new one, said again.
            let offline = state.show_notice("Offline".into());
            assert!(!state.notice.get_untracked().unwrap().counts_down);
            let again = state.show_notice("Offline".into());
            assert_ne!(again, offline);
            assert_eq!(said(&state), Some((again, "Offline".into())));
            // A countdown after another notice starts its own.
            let next = state.count_down_notice("Retrying in 5 s".into(), None);
            assert_eq!(said(&state), Some((next, "Retrying in 5 s".into())));
            // Back online, only a notice about the connection goes; a notice goes by its id
            // only while it is the one shown.
            state.back_online();
            assert!(state.notice_text().is_some());
            assert!(said(&state).is_some(), "what else was said stays");
            state.show_offline_notice("Try again when you're back online".into());
            state.back_online();
            assert_eq!(state.notice_text(), None);
            assert_eq!(said(&state), None, "nor is it left for screen readers");
            let earlier = state.show_notice("Too long".into());
            state.show_notice("Too long".into());
            state.take_down_notice(earlier);
            assert!(state.notice_text().is_some());
        });
    }

    #[test]
    fn a_problem_put_up_while_the_panel_is_closed_waits_to_be_seen() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            // Seen as it went up, in the open panel: nothing waits once it is closed.
            state.set_open(true);
            state.show_notice("Cut off".into());
            state.set_open(false);
            assert_eq!(state.unseen_problem(), None);
            // Put up while closed: it waits, until the panel opens.
            let cut = state.show_notice("Not sent".into());
            assert_eq!(state.unseen_problem().as_deref(), Some("Not sent"));
            state.set_open(true);
            assert_eq!(state.unseen_problem(), None);
            state.set_open(false);
            assert_eq!(state.unseen_problem(), None, "seen once");
            // Taken down before it was seen (the retry went out): nothing waits.
            let gone = state.show_notice("Offline".into());
            assert_ne!(gone, cut);
            state.take_down_notice(gone);
            assert_eq!(state.unseen_problem(), None);
            // A countdown to a retry is not a problem waiting for the visitor.
            state.count_down_notice("Retrying in 3 s".into(), None);
            assert_eq!(state.unseen_problem(), None);
        });
    }

    #[test]
    fn a_cut_reply_said_while_online_is_put_down_to_the_connection_once_the_browser_is_offline() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let offline_cut = state.config.with_value(|c| c.texts.offline_cut);
            state.push(
                Role::Visitor,
                "Tell me more".into(),
                MessageStatus::Complete,
            );
            let reply = state.push(Role::Assistant, "Well,".into(), MessageStatus::Failed);
            // Another problem shown than the cut: it stays as it is.
            let cut = state.show_notice("The assistant's reply was cut off.".into());
            reply.details.update_value(|d| d.cut_notice = Some(cut));
            state.show_notice("Couldn't upload a.png.".into());
            state.went_offline();
            assert_eq!(
                state.notice_text().as_deref(),
                Some("Couldn't upload a.png.")
            );
            // The cut's own notice: said again, as the connection, and gone once back online.
            let cut = state.show_notice("The assistant's reply was cut off.".into());
            reply.details.update_value(|d| d.cut_notice = Some(cut));
            state.went_offline();
            let now = state.notice.get_untracked().unwrap();
            assert_eq!(now.text, offline_cut);
            assert!(now.until_online);
            assert_eq!(said(&state), Some((now.id, offline_cut.to_owned())));
            assert_eq!(reply.details.with_value(|d| d.cut_notice), Some(now.id));
            // Offline again (another `offline` event): nothing more is said.
            state.went_offline();
            assert_eq!(said(&state).map(|(id, _)| id), Some(now.id));
            state.back_online();
            assert_eq!(state.notice_text(), None);
        });
    }

    #[test]
    fn the_next_wait_of_one_exchange_is_shown_again_not_said_again() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let wait = state.count_down_notice("Retrying in 1 s".into(), None);
            // The retry goes out: the notice goes while it is asked.
            state.notice.set(None);
            // It failed again: the same trouble, waited out again.
            let again = state.count_down_notice("Retrying in 2 s".into(), Some(wait));
            assert_eq!(again, wait);
            assert_eq!(state.notice_text().as_deref(), Some("Retrying in 2 s"));
            assert!(state.notice.get_untracked().unwrap().counts_down);
            assert_eq!(said(&state), Some((wait, "Retrying in 1 s".into())));
            // Giving up is news.
            let given_up = state.show_notice("The assistant had a problem.".into());
            assert_eq!(
                said(&state),
                Some((given_up, "The assistant had a problem.".into()))
            );
            // Another problem said between two waits: the next wait is said again, after it.
            state.notice.set(None);
            let wait = state.count_down_notice("Retrying in 1 s".into(), None);
            state.notice.set(None);
            let between = state.show_notice("Too long".into());
            state.notice.set(None);
            let again = state.count_down_notice("Retrying in 2 s".into(), Some(wait));
            assert!(again != wait && again != between);
            assert_eq!(said(&state), Some((again, "Retrying in 2 s".into())));
        });
    }
}
