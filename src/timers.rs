//! Browser timers as Rust: an awaitable sleep, and a watchdog that gives up on a stalled reply.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Date, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortController;

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves after `ms` milliseconds, or as soon as `signal` aborts (a Stop, or the widget being
/// destroyed), so nothing waits on a controller that gave up.
pub async fn sleep_ms_or_abort(ms: u32, signal: &web_sys::AbortSignal) {
    if signal.aborted() {
        return;
    }
    let promise = Promise::new(&mut |resolve, _| {
        let _ = signal.add_event_listener_with_callback("abort", &resolve);
        if let Some(window) = web_sys::window() {
            let _ =
                window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Aborts a request when it makes no progress for `timeout_ms`: no response headers, or no new
/// bytes. One interval timer per request, so marking progress per chunk costs a clock read.
pub struct Watchdog {
    interval: Option<i32>,
    _tick: Closure<dyn FnMut()>,
    last_progress: Rc<Cell<f64>>,
    fired: Rc<Cell<bool>>,
}

impl Watchdog {
    pub fn start(controller: AbortController, timeout_ms: u32) -> Self {
        let last_progress = Rc::new(Cell::new(Date::now()));
        let fired = Rc::new(Cell::new(false));
        let tick = {
            let last_progress = last_progress.clone();
            let fired = fired.clone();
            Closure::<dyn FnMut()>::new(move || {
                if !fired.get() && Date::now() - last_progress.get() > f64::from(timeout_ms) {
                    fired.set(true);
                    controller.abort();
                }
            })
        };
        let period = (timeout_ms / 4).clamp(250, 1000) as i32;
        let interval = web_sys::window().and_then(|w| {
            w.set_interval_with_callback_and_timeout_and_arguments_0(
                tick.as_ref().unchecked_ref(),
                period,
            )
            .ok()
        });
        Watchdog {
            interval,
            _tick: tick,
            last_progress,
            fired,
        }
    }

    /// Something arrived: the bound starts again.
    pub fn progress(&self) {
        self.last_progress.set(Date::now());
    }

    /// Whether the watchdog, not the visitor, aborted the request.
    pub fn fired(&self) -> bool {
        self.fired.get()
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let (Some(window), Some(id)) = (web_sys::window(), self.interval) {
            window.clear_interval_with_handle(id);
        }
    }
}
