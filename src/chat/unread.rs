//! The panel opened and closed, and the replies finished meanwhile: counted unread and read out.

use leptos::prelude::*;

use super::{ChatEvent, ChatState};

/// How much of a finished reply is read out: the whole reply stays in the message list, where a
/// screen reader can go on reading.
const ANNOUNCED_CHARS: usize = 600;

impl ChatState {
    /// Opens or closes the panel; opening marks every reply read.
    pub fn set_open(&self, open: bool) {
        self.inner.update_value(|inner| inner.open_asked = true);
        if open {
            self.unread.set(0);
        }
        if self.open.get_untracked() != open {
            self.inner
                .update_value(|inner| inner.notice_seen = inner.last_notice);
            self.open.set(open);
            self.emit(if open {
                ChatEvent::Open
            } else {
                ChatEvent::Close
            });
        }
    }

    /// Whether the panel has been opened or closed (by the visitor or the page) since the
    /// widget started, or asked to be, or the widget is gone.
    pub fn open_asked(&self) -> bool {
        // A widget destroyed meanwhile is not to be opened.
        self.inner
            .try_with_value(|inner| inner.open_asked)
            .unwrap_or(true)
    }

    /// A reply finished: unread while the panel is closed, and read out to screen readers.
    pub fn reply_completed(&self, text: String) {
        self.reply_finished(text, true);
    }

    /// A reply the backend stored late took the place of the cut one (see
    /// `session::late_replies`): as [`reply_completed`](Self::reply_completed), but read out
    /// only when it is the newest message. Read out after a newer reply, it would cut that one
    /// short and be heard as the answer to the last question; the list shows it in its place.
    pub fn late_reply_completed(&self, key: u64, text: String) {
        self.reply_finished(text, self.is_last(key));
    }

    /// Reads out the version of a reply the visitor stepped to (`which`, "Version 1 of 2") and
    /// its words: the reply changed away from where focus is, on the pager's button.
    pub fn version_shown(&self, which: String, text: &str) {
        let t = self.config.with_value(|c| c.texts);
        self.announcement.set(format!(
            "{which}{}{}",
            t.clause_separator,
            crate::markdown::plain_summary(text, ANNOUNCED_CHARS)
        ));
    }

    fn reply_finished(&self, text: String, read_out: bool) {
        if !self.open.get_untracked() {
            self.unread.update(|n| *n += 1);
        }
        if read_out {
            self.announcement.set(crate::texts::fill(
                self.config.with_value(|c| c.texts).assistant_said,
                crate::markdown::plain_summary(&text, ANNOUNCED_CHARS),
            ));
        }
        self.emit(ChatEvent::Reply(text));
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::super::testing::*;
    use super::*;
    use crate::chat::MessageStatus;
    use crate::models::Role;

    #[test]
    fn a_late_reply_is_read_out_only_when_nothing_came_after_it() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let cut = state.push(Role::Assistant, "Half".into(), MessageStatus::Failed);
            state.push(Role::Visitor, "next".into(), MessageStatus::Complete);
            state.reply_completed("The next reply".into());
            state.late_reply_completed(cut.key, "The whole first reply".into());
            let said = state.announcement.get_untracked();
            assert!(said.contains("The next reply"), "{said}");
            assert_eq!(state.unread.get_untracked(), 2, "both count as unread");
            let last = state.push(Role::Assistant, "Cut".into(), MessageStatus::Failed);
            state.late_reply_completed(last.key, "The whole last reply".into());
            let said = state.announcement.get_untracked();
            assert!(said.contains("The whole last reply"), "{said}");
        });
    }

    #[test]
    fn unread_counts_replies_while_closed_and_open_close_are_told_once() {
        let owner = Owner::new();
        owner.with(|| {
            let state = ChatState::new(config());
            let heard = Rc::new(std::cell::RefCell::new(Vec::new()));
            let sink = heard.clone();
            state.set_listener(Some(Rc::new(move |e: &ChatEvent| {
                sink.borrow_mut().push(e.clone())
            })));
            state.reply_completed("a".into());
            state.reply_completed("b".into());
            assert_eq!(state.unread.get_untracked(), 2);
            state.set_open(true);
            state.set_open(true);
            assert_eq!(state.unread.get_untracked(), 0);
            state.reply_completed("c".into());
            assert_eq!(state.unread.get_untracked(), 0, "read while open");
            state.set_open(false);
            state.set_listener(None);
            state.set_open(true);
            assert_eq!(
                *heard.borrow(),
                [
                    ChatEvent::Reply("a".into()),
                    ChatEvent::Reply("b".into()),
                    ChatEvent::Open,
                    ChatEvent::Reply("c".into()),
                    ChatEvent::Close,
                ]
            );
        });
    }
}
