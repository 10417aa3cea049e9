//! The versions of a regenerated reply: the new one takes the old one's place in the list, and
//! the old ones stay reachable ("1 / 2").
//!
//! The row's own signals (text, status, sources) always hold the version shown; this keeps the
//! others. A version's entry for the one shown is brought up to date when the visitor moves
//! away from it, so a version still streaming needs no copying.

use crate::chat::MessageStatus;
use crate::models::Source;

/// One version of a reply as it was last shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub text: String,
    pub sources: Vec<Source>,
    pub status: MessageStatus,
}

impl Kept {
    /// A version about to stream: nothing yet.
    pub fn streaming() -> Self {
        Kept {
            text: String::new(),
            sources: Vec::new(),
            status: MessageStatus::Streaming,
        }
    }
}

/// A reply's versions, oldest first, and which one the row shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Versions {
    kept: Vec<Kept>,
    shown: usize,
}

impl Versions {
    /// How many versions there are (a reply never regenerated has one).
    pub fn count(&self) -> usize {
        self.kept.len().max(1)
    }

    /// The version shown, as it was when last brought up to date.
    pub fn shown_kept(&self) -> Option<Kept> {
        self.kept.get(self.shown).cloned()
    }

    /// Brings the entry of the version shown up to date with the row (`current`).
    pub fn update_shown(&mut self, current: Kept) {
        if let Some(shown) = self.kept.get_mut(self.shown) {
            *shown = current;
        }
    }

    /// The versions not shown, as they were last shown.
    pub fn others(&self) -> impl Iterator<Item = &Kept> {
        let shown = self.shown;
        self.kept
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != shown)
            .map(|(_, kept)| kept)
    }

    /// The one shown, from 0.
    pub fn shown(&self) -> usize {
        self.shown
    }

    /// The versions of a reply brought back from the history: `earlier` ones, then the one
    /// `shown`.
    pub fn restored(earlier: Vec<Kept>, shown: Kept) -> Self {
        let mut kept = earlier;
        kept.push(shown);
        Versions {
            shown: kept.len() - 1,
            kept,
        }
    }

    /// A new version starts after the one shown (`current`, as the row holds it); it is
    /// shown from now on.
    pub fn begin(&mut self, current: Kept) {
        if self.kept.is_empty() {
            self.kept.push(current);
        } else {
            self.kept[self.shown] = current;
        }
        self.kept.push(Kept::streaming());
        self.shown = self.kept.len() - 1;
    }

    /// The version just begun brought nothing (an error, or stopped before its first word):
    /// it is dropped and the one before it comes back, returned for the row to show.
    pub fn abandon(&mut self) -> Option<Kept> {
        if self.kept.len() < 2 || self.shown != self.kept.len() - 1 {
            return None;
        }
        self.kept.pop();
        self.shown = self.kept.len() - 1;
        let back = self.kept[self.shown].clone();
        if self.kept.len() == 1 {
            // A reply with one version again is a reply never regenerated.
            self.kept.clear();
            self.shown = 0;
        }
        Some(back)
    }

    /// Shows version `to` instead of the one shown (`current`, as the row holds it); returns
    /// what the row is to show, or `None` when there is no such version or it is shown already.
    pub fn switch(&mut self, current: Kept, to: usize) -> Option<Kept> {
        if to == self.shown || to >= self.kept.len() {
            return None;
        }
        self.kept[self.shown] = current;
        self.shown = to;
        Some(self.kept[to].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(text: &str) -> Kept {
        Kept {
            text: text.into(),
            sources: Vec::new(),
            status: MessageStatus::Complete,
        }
    }

    #[test]
    fn a_regenerated_reply_keeps_the_old_one_reachable() {
        let mut versions = Versions::default();
        assert_eq!((versions.count(), versions.shown()), (1, 0));
        versions.begin(kept("first"));
        assert_eq!((versions.count(), versions.shown()), (2, 1));
        // The second streamed into the row meanwhile; going back keeps it.
        assert_eq!(versions.switch(kept("second"), 0), Some(kept("first")));
        assert_eq!(versions.switch(kept("first"), 1), Some(kept("second")));
        assert_eq!(versions.switch(kept("second"), 1), None);
        assert_eq!(versions.switch(kept("second"), 7), None);
    }

    #[test]
    fn versions_from_the_history_show_the_newest_and_step_back() {
        let mut versions = Versions::restored(vec![kept("first"), kept("second")], kept("third"));
        assert_eq!((versions.count(), versions.shown()), (3, 2));
        let others: Vec<&Kept> = versions.others().collect();
        assert_eq!(others, [&kept("first"), &kept("second")]);
        assert_eq!(versions.switch(kept("third"), 0), Some(kept("first")));
        let others: Vec<&Kept> = versions.others().collect();
        assert_eq!(others, [&kept("second"), &kept("third")]);
        assert_eq!(Versions::default().others().count(), 0);
    }

    #[test]
    fn the_version_shown_is_kept_up_to_date_when_asked() {
        let mut versions = Versions::default();
        assert_eq!(versions.shown_kept(), None);
        versions.update_shown(kept("nothing to update"));
        assert_eq!(versions, Versions::default());
        versions.begin(kept("first"));
        assert_eq!(versions.shown_kept(), Some(Kept::streaming()));
        versions.update_shown(kept("second, cut"));
        assert_eq!(versions.shown_kept(), Some(kept("second, cut")));
        assert_eq!(versions.switch(kept("second, cut"), 0), Some(kept("first")));
        assert_eq!(versions.shown_kept(), Some(kept("first")));
    }

    #[test]
    fn a_version_that_brought_nothing_gives_the_old_one_back() {
        let mut versions = Versions::default();
        versions.begin(kept("first"));
        assert_eq!(versions.abandon(), Some(kept("first")));
        assert_eq!(versions, Versions::default());
        assert_eq!(versions.abandon(), None);
        versions.begin(kept("first"));
        versions.begin(kept("second"));
        assert_eq!(versions.count(), 3);
        assert_eq!(versions.abandon(), Some(kept("second")));
        assert_eq!((versions.count(), versions.shown()), (2, 1));
    }

    #[test]
    fn regenerating_from_an_older_version_adds_after_the_others() {
        let mut versions = Versions::default();
        versions.begin(kept("first"));
        versions.switch(kept("second"), 0);
        versions.begin(kept("first"));
        assert_eq!((versions.count(), versions.shown()), (3, 2));
        assert_eq!(versions.switch(kept("third"), 1), Some(kept("second")));
    }
}
