//! The problem shown to the visitor above the message box.

use leptos::prelude::*;

use super::ChatState;

/// A problem shown to the visitor, above the message box.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// Which notice this is: each is said to screen readers once, when it goes up.
    pub id: u64,
    /// What it shows.
    pub text: String,
    /// For a countdown, what was said when it went up; `None`: it says what it shows.
    pub said: Option<String>,
    /// It is about the connection: it goes once the browser is back online.
    pub until_online: bool,
}

impl Notice {
    /// Whether it counts down to an automatic retry.
    pub fn counts_down(&self) -> bool {
        self.said.is_some()
    }
}

impl ChatState {
    /// Shows the visitor a problem, said to screen readers as it goes up (even in the words of
    /// the one before). Returns its [`Notice::id`].
    pub fn show_notice(&self, text: String) -> u64 {
        self.put_notice(text, None, false)
    }

    /// [`show_notice`](Self::show_notice) for a problem of the connection, which goes by itself
    /// once the browser is back online ([`back_online`](Self::back_online)).
    pub fn show_offline_notice(&self, text: String) {
        self.put_notice(text, None, true);
    }

    /// Shows the seconds left before an automatic retry: the first are said, and the notice
    /// then counts down on the screen alone (a screen reader would be interrupted every second).
    pub fn count_down_notice(&self, text: String) {
        let counting = self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(Notice::counts_down));
        if counting {
            self.notice.update(|n| {
                if let Some(n) = n {
                    n.text = text;
                }
            });
        } else {
            self.put_notice(text.clone(), Some(text), false);
        }
    }

    fn put_notice(&self, text: String, said: Option<String>, until_online: bool) -> u64 {
        let id = self
            .inner
            .try_update_value(|inner| {
                inner.last_notice += 1;
                inner.last_notice
            })
            .unwrap_or_default();
        self.notice.set(Some(Notice {
            id,
            text,
            said,
            until_online,
        }));
        id
    }

    /// The browser is back online: a notice about the connection is out of date.
    pub fn back_online(&self) {
        if self
            .notice
            .with_untracked(|n| n.as_ref().is_some_and(|n| n.until_online))
        {
            self.notice.set(None);
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

    #[test]
    fn a_countdown_is_one_notice_said_once_and_every_notice_is_new() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            state.count_down_notice("Retrying in 3 s".into());
            let first = state.notice.get_untracked().unwrap();
            assert_eq!(first.said.as_deref(), Some("Retrying in 3 s"));
            state.count_down_notice("Retrying in 2 s".into());
            let tick = state.notice.get_untracked().unwrap();
            assert_eq!((tick.id, tick.said), (first.id, first.said));
            assert_eq!(state.notice_text().as_deref(), Some("Retrying in 2 s"));
            // A notice in the same words as the one before is a new one, said again.
            state.show_notice("Offline".into());
            let offline = state.notice.get_untracked().unwrap();
            assert!(!offline.counts_down());
            state.show_notice("Offline".into());
            assert_ne!(state.notice.get_untracked().unwrap().id, offline.id);
            // A countdown after another notice starts its own.
            state.count_down_notice("Retrying in 5 s".into());
            assert_eq!(
                state.notice.get_untracked().unwrap().said.as_deref(),
                Some("Retrying in 5 s")
            );
            // Back online, only a notice about the connection goes; a notice goes by its id
            // only while it is the one shown.
            state.back_online();
            assert!(state.notice_text().is_some());
            state.show_offline_notice("Try again when you're back online".into());
            state.back_online();
            assert_eq!(state.notice_text(), None);
            let earlier = state.show_notice("Too long".into());
            state.show_notice("Too long".into());
            state.take_down_notice(earlier);
            assert!(state.notice_text().is_some());
        });
    }
}
