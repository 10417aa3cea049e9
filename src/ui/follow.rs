//! Keeps the message list at the bottom while the visitor is there, without forcing a layout
//! per message or per delta: the list records where the visitor is on scroll events, and rows ask
//! for a scroll that happens at most once per animation frame. Shared through context: the list
//! owns the element, its rows report growth.

use leptos::html::Div;
use leptos::prelude::*;

/// Distance from the bottom (px) within which the visitor counts as following the end.
const FOLLOW_SLACK: i32 = 48;

#[derive(Clone, Copy)]
pub struct Follow {
    /// The scrolling list.
    pub list: NodeRef<Div>,
    /// The visitor is at (or near) the bottom.
    following: StoredValue<bool>,
    /// A scroll is already asked for in the next animation frame.
    scheduled: StoredValue<bool>,
}

impl Follow {
    pub fn new() -> Self {
        Follow {
            list: NodeRef::new(),
            following: StoredValue::new(true),
            scheduled: StoredValue::new(false),
        }
    }

    /// The list scrolled (by the visitor or by us): note whether it is at the bottom.
    pub fn on_scroll(&self) {
        if let Some(list) = self.list.get_untracked() {
            self.following.set_value(
                list.scroll_top() + list.client_height() + FOLLOW_SLACK >= list.scroll_height(),
            );
        }
    }

    /// Content grew. `new_last_row` (a message just sent, a reply just begun) brings the list to
    /// the bottom even if the visitor had scrolled up.
    pub fn content_changed(&self, new_last_row: bool) {
        if new_last_row {
            self.following.set_value(true);
        }
        let following = self.following.try_get_value().unwrap_or(false);
        if !following || self.scheduled.try_get_value().unwrap_or(true) {
            return;
        }
        self.scheduled.set_value(true);
        let this = *self;
        request_animation_frame(move || {
            if this.scheduled.try_set_value(false).is_some() {
                return;
            }
            if this.following.try_get_value() == Some(true) {
                if let Some(list) = this.list.try_get_untracked().flatten() {
                    list.set_scroll_top(list.scroll_height());
                }
            }
        });
    }
}
