//! The requests in flight that the state can stop: the exchange, the history read and the
//! watchers for follow-ups and late replies.

use leptos::prelude::*;

use super::ChatState;

/// Puts `controller` in a watcher's `slot`, stopping the watcher there before.
fn replace_watcher(
    slot: &mut Option<web_sys::AbortController>,
    controller: Option<web_sys::AbortController>,
) {
    if let Some(old) = slot.take() {
        old.abort();
    }
    *slot = controller;
}

impl ChatState {
    /// Keeps the controller that stops the exchange in flight (`None` once it has ended).
    pub fn set_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner.update_value(|inner| inner.abort = controller);
    }

    /// Stops the exchange in flight, if any.
    pub fn abort(&self) {
        self.inner.with_value(|inner| {
            if let Some(controller) = &inner.abort {
                controller.abort();
            }
        });
    }

    /// Keeps the controller that stops the history request in flight.
    pub fn set_history_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| inner.history_abort = controller);
    }

    /// Stops the history request in flight, if any, for good: another read takes its place (the
    /// conversation changed in another tab), and the one stopped leaves the list alone.
    pub fn drop_history_read(&self) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.history_abort, None));
    }

    /// Whether the history request that `controller` stops is still the one in charge of the
    /// list: stopped by [`drop_history_read`](Self::drop_history_read), it is not.
    pub fn reads_history_with(&self, controller: &web_sys::AbortController) -> bool {
        self.inner
            .try_with_value(|inner| inner.history_abort.as_ref() == Some(controller))
            .unwrap_or(false)
    }

    /// Keeps the controller of the follow-up watcher, stopping the one before.
    pub fn set_follow_ups_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.follow_ups_abort, controller));
    }

    /// Keeps the controller of the late-reply watcher, stopping the one before.
    pub fn set_late_replies_abort(&self, controller: Option<web_sys::AbortController>) {
        self.inner
            .update_value(|inner| replace_watcher(&mut inner.late_replies_abort, controller));
    }

    /// Stops every request in flight: the exchange, the history and the follow-up watcher.
    pub fn abort_all(&self) {
        self.abort();
        self.set_follow_ups_abort(None);
        self.set_late_replies_abort(None);
        self.inner.with_value(|inner| {
            if let Some(controller) = &inner.history_abort {
                controller.abort();
            }
        });
    }
}
