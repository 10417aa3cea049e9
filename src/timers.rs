//! Browser timers as Rust: an awaitable sleep, and a watchdog that gives up on a stalled reply.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Date, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, MessageChannel};

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

/// Notifies `trigger` at each of the visitor's local midnights, for as long as it lives. A page
/// left open overnight would otherwise still say "Today" of yesterday's messages.
pub fn every_midnight(trigger: leptos::prelude::Trigger) {
    watch_the_day(trigger, crate::time_format::day_number(Date::now() as i64));
}

/// The longest between two looks at the day. A device that sleeps does not count the time it
/// slept in its timers: one set for midnight would fire as long after it as the device slept,
/// and the page would say "Today" of yesterday meanwhile. A look every half minute sees the new
/// day soon after waking, and costs nothing between.
const DAY_LOOK_MS: i64 = 30_000;

/// Notifies `trigger` once the day is no longer `day` (a local day number), and goes on.
fn watch_the_day(trigger: leptos::prelude::Trigger, day: i64) {
    use leptos::prelude::{IsDisposed, Notify};
    let now = Date::now() as i64;
    // A second past midnight, as a timer may fire a little early.
    let wait = crate::time_format::until_midnight(now).min(DAY_LOOK_MS) + 1000;
    leptos::prelude::set_timeout(
        move || {
            if trigger.is_disposed() {
                return;
            }
            let today = crate::time_format::day_number(Date::now() as i64);
            if today != day {
                trigger.notify();
            }
            watch_the_day(trigger, today);
        },
        std::time::Duration::from_millis(wait as u64),
    );
}

/// Lets the browser paint and handle input before going on. A message on a channel runs as a
/// task of its own, without the 4 ms clamp that nested timeouts get; `setTimeout` is the fallback.
pub async fn yield_to_browser() {
    let promise = Promise::new(&mut |resolve, _| {
        let queued = YIELDS.with(|channel| channel.as_ref().map(|c| c.post(resolve.clone())));
        if queued.is_none() {
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves in the browser's next animation frame, before it computes style and layout.
pub async fn next_frame() {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(Date::now, |p| p.now())
}

/// How many of the browser's turns have been seen (see [`watch_for_turn`]).
pub fn turns_seen() -> u64 {
    TURNS.with(Cell::get)
}

/// Counts the browser's next turn: a message posted now is handled in a task of its own, after
/// whatever the browser does first (input, a frame). Comparing [`turns_seen`] before and after an
/// `await` tells whether the browser ran in between or the await resolved at once.
pub fn watch_for_turn() {
    YIELDS.with(|channel| {
        if let Some(channel) = channel {
            COUNT_TURN.with(|count| {
                channel.post(count.as_ref().unchecked_ref::<js_sys::Function>().clone())
            });
        }
    });
}

thread_local! {
    /// One channel for every yield of every widget on the page (they share the wasm instance).
    static YIELDS: Option<YieldChannel> = YieldChannel::new();
    static TURNS: Cell<u64> = const { Cell::new(0) };
    static COUNT_TURN: Closure<dyn FnMut()> =
        Closure::new(|| TURNS.with(|turns| turns.set(turns.get() + 1)));
}

struct YieldChannel {
    channel: MessageChannel,
    waiting: Rc<RefCell<VecDeque<js_sys::Function>>>,
    _on_message: Closure<dyn FnMut()>,
}

impl YieldChannel {
    fn new() -> Option<Self> {
        let channel = MessageChannel::new().ok()?;
        let waiting: Rc<RefCell<VecDeque<js_sys::Function>>> = Rc::default();
        let on_message = {
            let waiting = waiting.clone();
            Closure::<dyn FnMut()>::new(move || {
                let next = waiting.borrow_mut().pop_front();
                if let Some(resolve) = next {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            })
        };
        channel
            .port1()
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        Some(YieldChannel {
            channel,
            waiting,
            _on_message: on_message,
        })
    }

    fn post(&self, resolve: js_sys::Function) {
        self.waiting.borrow_mut().push_back(resolve);
        let _ = self.channel.port2().post_message(&JsValue::NULL);
    }
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
