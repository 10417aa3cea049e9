//! Keeps the message list at the bottom while the visitor is there, without forcing a layout
//! per message or per delta: the list records where the visitor is on scroll events, and rows ask
//! for a scroll that happens at most once per animation frame.

use leptos::prelude::*;
use web_sys::Element;

/// Distance from the bottom (px) within which the visitor counts as following the end.
const FOLLOW_SLACK: i32 = 48;

#[derive(Clone, Copy)]
pub struct Follow {
    list: StoredValue<Element, LocalStorage>,
    following: StoredValue<bool>,
    scheduled: StoredValue<bool>,
}

impl Follow {
    pub fn new(list: Element) -> Self {
        Follow {
            list: StoredValue::new_local(list),
            following: StoredValue::new(true),
            scheduled: StoredValue::new(false),
        }
    }

    /// The list scrolled (by the visitor or by us): note whether it is at the bottom.
    pub fn on_scroll(&self) {
        let at_end = self.list.with_value(|list| {
            list.scroll_top() + list.client_height() + FOLLOW_SLACK >= list.scroll_height()
        });
        self.following.set_value(at_end);
    }

    /// Content grew. `new_last_row` (a message just sent, a reply just begun) brings the list to
    /// the bottom even if the visitor had scrolled up.
    pub fn content_changed(&self, new_last_row: bool) {
        if new_last_row {
            self.following.set_value(true);
        }
        if !self.following.get_value() || self.scheduled.get_value() {
            return;
        }
        self.scheduled.set_value(true);
        let this = *self;
        request_animation_frame(move || {
            this.scheduled.set_value(false);
            if this.following.try_get_value() == Some(true) {
                this.list
                    .with_value(|list| list.set_scroll_top(list.scroll_height()));
            }
        });
    }
}
