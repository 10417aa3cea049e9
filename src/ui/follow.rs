//! Keeps the message list at its end while the visitor is there, and leaves them alone once they
//! scroll up to read.
//!
//! Whether to follow is decided by how the list moves, never by growth. A wheel, finger or key
//! that scrolls the list up stops following at once, and so does a scroll event that moves the
//! list up shortly after the visitor's input on it (dragging the scrollbar); reaching the end
//! again (by scrolling, by the "jump to latest" button, or by sending) resumes it. The input
//! itself decides because its scroll event can come after older rows put above have moved the
//! list down by more than the visitor moved it up, and would not read as a move up.
//!
//! A move up that leaves the list away from its end stops following too, whoever made it: the
//! page finding text in an older message, a screen reader moving to it, the host page scrolling
//! a row into view. The view stays where they put it. The browser would move the list by itself
//! too, to keep a row in place when one above it changes size (scroll anchoring), away from the
//! end when the end grows in the same frame; the stylesheet turns that off while the list
//! follows (`.cb-following`), and it is back once the visitor reads further up.
//!
//! Growth while keyboard focus is on a control in the list (Shift+Tab from the message box to
//! the last reply's Copy) stops following too: the list would carry the focused control out of
//! view.
//!
//! Growth never decides it: a streamed piece, a finished reply's line, an image loading, an older
//! row drawn at a different size than its estimate (`content-visibility`) or built whole as it
//! comes near all change the content's size without the visitor doing anything. A
//! `ResizeObserver` on the content and on the list itself (the on-screen keyboard shrinks it)
//! brings the list back to its end after each such change while it follows, after layout and
//! before paint, so the end never shows out of place.
//!
//! A press on the list's content (the mouse button or a finger held down to select text, as on
//! an order number to copy) holds it where it is while the reply grows: the words would slide
//! away under the pointer and the selection run on. Released with text selected in the list,
//! following stops there; released without, it goes on.
//!
//! Home keeps the list at its start the same way while the rows there fill in, for a moment
//! at most and never past the visitor's next input.
//!
//! Shared through context: the list owns the elements, rows may report growth too.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{
    AddEventListenerOptions, Event, KeyboardEvent, PointerEvent, ResizeObserver, TouchEvent,
    WheelEvent,
};

use super::keyboard_focus::focused_near;
use super::listen::listen;

/// Distance from the end (px) within which the visitor counts as at the end.
const AT_END_SLACK: i32 = 48;

/// How long (ms) after the visitor's input a scroll counts as theirs: a wheel's smooth scroll or
/// a keyboard scroll lands within it. Touch flings go on longer, but their first scroll events,
/// during the touch, already decide.
const INPUT_WINDOW_MS: f64 = 1000.0;

/// How long (ms) after Home the list is held at its start while the rows there fill in: they
/// do within a few frames. Held no longer, a later scroll that is not the visitor's input on
/// the list (finding text in the page, a screen reader) is not pulled back to the start.
const HOLD_START_MS: f64 = 2000.0;

/// Events on the list that show the visitor scrolling it themselves (a pointer down on the list
/// itself is its scrollbar).
const VISITOR_INPUT: [&str; 5] = ["wheel", "touchstart", "touchmove", "keydown", "pointerdown"];

/// Events that end a press held on the list (see [`Follow::released`]).
const RELEASE: [&str; 2] = ["pointerup", "pointercancel"];

#[derive(Clone, Copy)]
pub struct Follow {
    /// The scrolling list.
    pub list: NodeRef<Div>,
    /// Everything the list scrolls, in one box whose size the observer watches.
    pub content: NodeRef<Div>,
    /// The list is kept at its end (the visitor has not scrolled up).
    following: RwSignal<bool>,
    /// Replies finished while the visitor was scrolled up.
    unseen: RwSignal<u32>,
    /// Where the list was at the last scroll event or the last scroll of ours.
    last_top: StoredValue<i32>,
    /// The list's own size (width, height) at the last scroll event: see [`Follow::on_scroll`].
    last_size: StoredValue<(i32, i32)>,
    /// A scroll to the end is already asked for in the next animation frame.
    scheduled: StoredValue<bool>,
    /// When (`performance.now()`, ms) the visitor last touched, wheeled or keyed on the list.
    last_input: StoredValue<f64>,
    /// The visitor's last input on the list scrolled it up.
    input_up: StoredValue<bool>,
    /// Where the visitor's finger was at the last touch event on the list.
    touch_y: StoredValue<Option<i32>>,
    /// The mouse button or a finger is down on the list's content: see [`Follow::pressed`].
    held: StoredValue<bool>,
    /// The visitor's last input on the list was Home: the list is kept at its start while the
    /// rows there fill in (see [`Follow::observe`]), until their next input, a return to the
    /// end, or [`HOLD_START_MS`].
    at_start: StoredValue<bool>,
}

impl Follow {
    pub fn new() -> Self {
        Follow {
            list: NodeRef::new(),
            content: NodeRef::new(),
            following: RwSignal::new(true),
            unseen: RwSignal::new(0),
            last_top: StoredValue::new(0),
            last_size: StoredValue::new((0, 0)),
            scheduled: StoredValue::new(false),
            last_input: StoredValue::new(f64::NEG_INFINITY),
            input_up: StoredValue::new(false),
            touch_y: StoredValue::new(None),
            at_start: StoredValue::new(false),
            held: StoredValue::new(false),
        }
    }

    /// Whether the list is kept at its end (tracked: the jump button shows when it is not).
    pub fn following(&self) -> bool {
        self.following.get()
    }

    /// Replies finished while the visitor was scrolled up (tracked).
    pub fn unseen(&self) -> u32 {
        self.unseen.get()
    }

    /// Watches the content's and the list's sizes until the current owner is cleaned up. Called
    /// once the list is in the document.
    pub fn observe(&self) {
        let (Some(list), Some(content)) = (self.list.get_untracked(), self.content.get_untracked())
        else {
            return;
        };
        self.last_size.set_value(size_of(&list));
        let this = *self;
        let closure = Closure::<dyn Fn()>::new(move || {
            if this.following.try_get_untracked() == Some(true) {
                this.scroll_to_end_or_stay();
            } else if this.at_start.try_get_value() == Some(true)
                && now() - this.last_input.get_value() < HOLD_START_MS
            {
                // Rows at the start come near and are laid out at their real size, with what
                // sits under their text: the browser would keep one of them in place as those
                // above it grow, and one Home would end a screen or so short of the start.
                this.scroll_to_start();
            }
        });
        let Ok(observer) = ResizeObserver::new(closure.as_ref().unchecked_ref()) else {
            return;
        };
        observer.observe(&list);
        observer.observe(&content);
        // Passive: reading the input never delays the scroll itself.
        let input = Closure::<dyn Fn(Event)>::new(move |event: Event| this.visitor_input(&event));
        let options = AddEventListenerOptions::new();
        options.set_passive(true);
        for event in VISITOR_INPUT {
            let _ = list.add_event_listener_with_callback_and_add_event_listener_options(
                event,
                input.as_ref().unchecked_ref(),
                &options,
            );
        }
        // The button or finger may come up anywhere: the page hears it.
        if let Some(window) = web_sys::window() {
            for event in RELEASE {
                listen(&window.clone().into(), event, move || this.released());
            }
        }
        // Local: cleanups must be `Send`, the observer, the element and the closures are not.
        let kept = StoredValue::new_local(Some((observer, closure, list, input)));
        on_cleanup(move || {
            if let Some((observer, _closure, list, input)) =
                kept.try_update_value(Option::take).flatten()
            {
                observer.disconnect();
                for event in VISITOR_INPUT {
                    let _ = list
                        .remove_event_listener_with_callback(event, input.as_ref().unchecked_ref());
                }
            }
        });
    }

    /// The visitor's wheel, finger, key or pointer on the list.
    fn visitor_input(&self, event: &Event) {
        if self.last_input.try_set_value(now()).is_some() {
            return;
        }
        if let Some(press) = event.dyn_ref::<PointerEvent>() {
            self.pressed(press);
        }
        let up = self.scrolls_up(event);
        self.input_up.set_value(up);
        self.at_start.set_value(
            event
                .dyn_ref::<KeyboardEvent>()
                .is_some_and(|key| key.key() == "Home"),
        );
        // The list's position is read only for an input that may stop following: reading it
        // lays out whatever changed, and touch moves come many a frame.
        if up
            && self.following.get_untracked()
            && self
                .list
                .get_untracked()
                .is_some_and(|l| l.scroll_top() > 0)
        {
            self.following.set(false);
        }
    }

    /// A pointer went down on the list. The primary button or a finger on its content (not
    /// on the list itself: its scrollbar) holds the list where it is until released.
    fn pressed(&self, press: &PointerEvent) {
        let on_content = self.list.get_untracked().is_some_and(|list| {
            press
                .target()
                .is_some_and(|target| target != *list.unchecked_ref::<web_sys::EventTarget>())
        });
        if on_content && press.button() == 0 {
            self.held.set_value(true);
        }
    }

    /// The button or finger came up, anywhere. Text selected in the list meanwhile stops
    /// following there (the visitor is at it, about to copy it); without, the list catches up
    /// with what came while it was held.
    fn released(&self) {
        if self.held.try_get_value() != Some(true) {
            return;
        }
        self.held.set_value(false);
        let Some(list) = self.list.get_untracked() else {
            return;
        };
        if !self.following.get_untracked() {
            return;
        }
        if selects_in(&list) {
            self.following.set(false);
        } else {
            self.scroll_to_end_or_stay();
        }
    }

    /// Keyboard focus is on a control in the list (not on the list itself, taken to scroll it
    /// with keys; not a click's focus, as on Regenerate or Retry, which ask for a reply at the
    /// end).
    fn keyboard_focus_inside(&self, list: &web_sys::Element) -> bool {
        focused_near(list).is_some_and(|a| {
            a != *list && list.contains(Some(&a)) && a.matches(":focus-visible").unwrap_or(false)
        })
    }

    /// The content grew while following: to the end, unless keyboard focus is on a control in
    /// the list, which the scroll would carry out of view (following stops there), or a press
    /// holds it.
    fn scroll_to_end_or_stay(&self) {
        let Some(list) = self.list.try_get_untracked().flatten() else {
            return;
        };
        if self.held.get_value() {
            // Held where it is under the visitor's press: the release catches up.
            return;
        }
        if self.keyboard_focus_inside(&list) {
            self.following.set(false);
        } else {
            self.scroll_to_end();
        }
    }

    /// Whether `event` scrolls the list up: a wheel turned up, a finger moving down, or a key that
    /// scrolls up.
    fn scrolls_up(&self, event: &Event) -> bool {
        match event.type_().as_str() {
            "wheel" => event.unchecked_ref::<WheelEvent>().delta_y() < 0.0,
            "keydown" => {
                let key = event.unchecked_ref::<KeyboardEvent>();
                matches!(key.key().as_str(), "ArrowUp" | "PageUp" | "Home")
                    || (key.key() == " " && key.shift_key())
            }
            kind @ ("touchstart" | "touchmove") => {
                let y = event
                    .unchecked_ref::<TouchEvent>()
                    .touches()
                    .get(0)
                    .map(|touch| touch.client_y());
                let before = self.touch_y.get_value();
                self.touch_y.set_value(y);
                kind == "touchmove" && matches!((before, y), (Some(before), Some(y)) if y > before)
            }
            _ => false,
        }
    }

    /// The list scrolled: by the visitor, by us, by the browser, or by the page.
    pub fn on_scroll(&self) {
        let Some(list) = self.list.get_untracked() else {
            return;
        };
        let top = list.scroll_top();
        let at_end = at_end(&list);
        let moved_up = top < self.last_top.get_value();
        let by_visitor = now() - self.last_input.get_value() < INPUT_WINDOW_MS;
        self.last_top.set_value(top);
        let size = size_of(&list);
        let resized = size != self.last_size.get_value();
        self.last_size.set_value(size);
        // At the end before the visitor's scroll up has landed (older rows put above moved the
        // list down in the meantime) is not a return to the end.
        let leaving = by_visitor && self.input_up.get_value();
        if resized && !leaving && self.following.get_untracked() {
            // The list itself changed size (the window went across the phone layout's edge, a
            // browser zoom): the browser's new scroll position is the layout's, not a move away
            // from the end by anyone. Laid out afresh, the panel can land far above its end.
            self.scroll_to_end();
        } else if at_end && !leaving {
            self.resume();
        } else if moved_up && self.following.get_untracked() {
            // Up and away from the end: the visitor, or the page taking them to an older row.
            self.following.set(false);
        }
    }

    /// Content grew. `new_last_row` (a message the visitor just sent) brings the list to the end
    /// even if the visitor had scrolled up.
    pub fn content_changed(&self, new_last_row: bool) {
        if new_last_row {
            self.resume();
        }
        if !self.following.try_get_untracked().unwrap_or(false)
            || self.scheduled.try_get_value().unwrap_or(true)
        {
            return;
        }
        // The observer already follows growth; this covers a row added in a frame where the
        // content's size happens to stay the same.
        self.scheduled.set_value(true);
        let this = *self;
        request_animation_frame(move || {
            if this.scheduled.try_set_value(false).is_some() {
                return;
            }
            if this.following.try_get_untracked() == Some(true) {
                this.scroll_to_end_or_stay();
            }
        });
    }

    /// A reply finished: counted as unseen while the visitor is scrolled up.
    pub fn reply_finished(&self) {
        if self.following.try_get_untracked() == Some(false) {
            self.unseen.update(|n| *n += 1);
        }
    }

    /// The "jump to latest" button: back to the end, following again.
    pub fn jump_to_end(&self) {
        self.resume();
        self.scroll_to_end();
    }

    fn resume(&self) {
        self.at_start.set_value(false);
        if !self.following.get_untracked() {
            self.following.set(true);
        }
        if self.unseen.get_untracked() != 0 {
            self.unseen.set(0);
        }
    }

    fn scroll_to_start(&self) {
        if let Some(list) = self.list.try_get_untracked().flatten() {
            if list.scroll_top() != 0 {
                list.set_scroll_top(0);
                self.last_top.set_value(0);
            }
        }
    }

    fn scroll_to_end(&self) {
        if let Some(list) = self.list.try_get_untracked().flatten() {
            list.set_scroll_top(list.scroll_height());
            self.last_top.set_value(list.scroll_top());
        }
    }
}

/// Whether text is selected in `list`: the selection of its shadow root (the widget in a
/// page; read by name, as web-sys does not have it) or of its document (the component in a
/// Leptos app).
fn selects_in(list: &web_sys::Element) -> bool {
    let root = list.get_root_node();
    let selection = js_sys::Reflect::get(&root, &"getSelection".into())
        .ok()
        .and_then(|get| get.dyn_into::<js_sys::Function>().ok())
        .and_then(|get| get.call0(&root).ok())
        .and_then(|selection| selection.dyn_into::<web_sys::Selection>().ok());
    selection.is_some_and(|selection| {
        !selection.is_collapsed() && list.contains(selection.anchor_node().as_ref())
    })
}

/// The size of the box `list` shows its content in.
fn size_of(list: &web_sys::Element) -> (i32, i32) {
    (list.client_width(), list.client_height())
}

/// Whether `list` shows its end (within [`AT_END_SLACK`]).
fn at_end(list: &web_sys::Element) -> bool {
    list.scroll_top() + list.client_height() + AT_END_SLACK >= list.scroll_height()
}

/// Milliseconds on the page's monotonic clock.
fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}
