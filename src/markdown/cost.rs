//! A count of the parser's steps (lines looked at, bytes scanned, delimiters visited), so a test
//! can show that the cost of parsing grows linearly with the text without timing anything.
//!
//! A reply is untrusted: whatever it holds, parsing it must cost a bounded number of steps per
//! byte. Every loop of the parser whose length depends on the text adds what it walked here.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Adds `n` steps to this thread's count.
#[inline]
pub(crate) fn tick(n: usize) {
    STEPS.with(|steps| steps.set(steps.get().wrapping_add(n as u64)));
}

/// The steps the parser has taken on this thread so far; the difference between two readings is
/// the cost of what ran between them.
pub fn steps() -> u64 {
    STEPS.with(Cell::get)
}
