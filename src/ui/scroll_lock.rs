//! The page behind a phone's full-screen panel does not scroll. Several widgets on one page
//! share the one lock on `<html>`: the first panel to open keeps the page's own `overflow`, and
//! the last to close puts it back. Each widget saving what it found would have the second save
//! the first's `hidden`, and put it back after both had closed.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

/// How many panels hold the page still, and the page's own `overflow` from before the first.
#[derive(Debug, Default)]
struct Holders {
    count: usize,
    page_overflow: String,
}

impl Holders {
    /// One more panel holds the page; true for the first, which locks it.
    fn take(&mut self) -> bool {
        self.count += 1;
        self.count == 1
    }

    /// One panel lets go; true for the last, which unlocks the page.
    fn give_back(&mut self) -> bool {
        self.count = self.count.saturating_sub(1);
        self.count == 0
    }
}

thread_local! {
    static HOLDERS: RefCell<Holders> = RefCell::new(Holders::default());
}

/// One widget's hold on the page's scrolling.
#[derive(Clone, Copy)]
pub struct ScrollLock {
    held: StoredValue<bool, LocalStorage>,
}

impl ScrollLock {
    pub fn new() -> Self {
        Self {
            held: StoredValue::new_local(false),
        }
    }

    pub fn hold(self) {
        if self.held.try_get_value() != Some(false) {
            return;
        }
        self.held.set_value(true);
        let Some(root) = page_root() else { return };
        HOLDERS.with_borrow_mut(|holders| {
            if holders.take() {
                let style = root.style();
                holders.page_overflow = style.get_property_value("overflow").unwrap_or_default();
                let _ = style.set_property("overflow", "hidden");
            }
        });
    }

    /// Lets go (on close and on unmount); the last holder gives the page its scrolling back.
    pub fn release(self) {
        if self.held.try_get_value() != Some(true) {
            return;
        }
        self.held.set_value(false);
        let Some(root) = page_root() else { return };
        HOLDERS.with_borrow_mut(|holders| {
            if holders.give_back() {
                restore(&root, &std::mem::take(&mut holders.page_overflow));
            }
        });
    }
}

fn page_root() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .document_element()?
        .dyn_into()
        .ok()
}

fn restore(root: &HtmlElement, overflow: &str) {
    let style = root.style();
    if overflow.is_empty() {
        let _ = style.remove_property("overflow");
        // Leave no empty `style=""` behind on the host page.
        if root
            .get_attribute("style")
            .is_some_and(|s| s.trim().is_empty())
        {
            let _ = root.remove_attribute("style");
        }
    } else {
        let _ = style.set_property("overflow", overflow);
    }
}

#[cfg(test)]
mod tests {
    use super::Holders;

    #[test]
    fn the_first_holder_locks_and_the_last_unlocks_in_either_order() {
        let mut holders = Holders::default();
        assert!(holders.take(), "the first locks");
        assert!(!holders.take(), "the second finds it locked");
        assert!(!holders.give_back(), "one still holds it");
        assert!(holders.give_back(), "the last unlocks");
        assert!(holders.take(), "and the next first locks again");
    }

    #[test]
    fn a_release_too_many_does_not_unlock_below_nothing() {
        let mut holders = Holders::default();
        assert!(holders.give_back());
        assert!(holders.take());
        assert!(holders.give_back());
    }
}
