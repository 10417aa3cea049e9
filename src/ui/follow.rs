//! Keeps the message list at the bottom while the visitor is there, without forcing a layout
//! per message or per delta: the list records where the visitor is on scroll events, and rows ask
//! for a scroll that happens at most once per animation frame.

use crate::reactive::*;
use web_sys::Element;

use crate::timers::on_next_frame;

/// Distance from the bottom (px) within which the visitor counts as following the end.
const FOLLOW_SLACK: i32 = 48;

#[derive(Clone, Copy)]
pub struct Follow(StoredValue<FollowState, LocalStorage>);

struct FollowState {
    list: Element,
    /// The visitor is at (or near) the bottom.
    following: bool,
    /// A scroll is already asked for in the next animation frame.
    scheduled: bool,
}

impl Follow {
    pub fn new(list: Element) -> Self {
        Follow(StoredValue::new_local(FollowState {
            list,
            following: true,
            scheduled: false,
        }))
    }

    /// The list scrolled (by the visitor or by us): note whether it is at the bottom.
    pub fn on_scroll(&self) {
        self.0.update_value(|s| {
            let list = &s.list;
            s.following =
                list.scroll_top() + list.client_height() + FOLLOW_SLACK >= list.scroll_height();
        });
    }

    /// Content grew. `new_last_row` (a message just sent, a reply just begun) brings the list to
    /// the bottom even if the visitor had scrolled up.
    pub fn content_changed(&self, new_last_row: bool) {
        let schedule = self
            .0
            .try_update_value(|s| {
                s.following |= new_last_row;
                let schedule = s.following && !s.scheduled;
                s.scheduled |= schedule;
                schedule
            })
            .unwrap_or(false);
        if !schedule {
            return;
        }
        let this = *self;
        on_next_frame(move || {
            this.0.try_update_value(|s| {
                s.scheduled = false;
                if s.following {
                    s.list.set_scroll_top(s.list.scroll_height());
                }
            });
        });
    }
}
