//! What streaming a long reply costs the renderer, counted (steps and bytes allocated), not timed.
//!
//! Each update reads again the open part of the reply: a paragraph's last part, or the line an
//! open quote or list is taking in (see tests/markdown_streaming.rs for the bound per update).
//! This test holds the whole stream's cost linear whatever the reply holds: bounded steps and
//! bytes allocated per byte, summed over every update.
#![cfg(not(target_arch = "wasm32"))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use chat_bubble::markdown::{steps, IncrementalRender};

/// Counts the bytes every allocation asks for (a reallocation counts its new size).
struct Counting;

static ALLOCATED: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size as u64, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Streams `text` in `updates` equal deltas; returns the bytes allocated and the parser's steps,
/// each over the sum of the lengths of the text shown at every update (what re-reading the
/// whole reply at every update would cost once).
fn stream(text: &str, updates: usize) -> (f64, f64) {
    let mut render = IncrementalRender::default();
    let mut shown_total = 0u64;
    let (bytes_before, steps_before) = (ALLOCATED.load(Ordering::Relaxed), steps());
    for i in 1..=updates {
        let mut end = text.len() * i / updates;
        while !text.is_char_boundary(end) {
            end += 1;
        }
        shown_total += end as u64;
        let update = render.update(&text[..end]);
        drop(update);
    }
    let bytes = ALLOCATED.load(Ordering::Relaxed) - bytes_before;
    let steps = steps() - steps_before;
    (
        bytes as f64 / shown_total as f64,
        steps as f64 / shown_total as f64,
    )
}

/// Replies like those of the hostile e2e (tests/e2e/hostile_cases.mjs), `size` bytes each.
fn replies(size: usize) -> Vec<(&'static str, String)> {
    let line = "Plain words, **bold** ones, `code` and a [link](https://example.com/x) here. ";
    let fill = |unit: &str| unit.repeat(size / unit.len());
    vec![
        ("one paragraph of words", fill("word ")),
        ("one line of mixed markup", fill(line)),
        ("[a](", fill("[a](")),
        ("[", fill("[")),
        ("*_", fill("*_")),
        ("backticks", fill("`")),
        (">", fill(">")),
        ("nested list items", format!("{}x", fill("- "))),
    ]
}

#[test]
fn an_update_costs_linear_work_in_the_open_block() {
    // Measured (per byte of text shown, summed over the updates; each reply is one block;
    // release build): words 1.8 bytes and 1.6 steps, mixed markup 28 and 1.6, `[a](` 36 and
    // 27, `[` 125 and 3.6, `*_` 356 and 6.6 (a delimiter record, a token and tree nodes per
    // character), `>` 5 and 2.9, nested list items 3.3 and 1.6.
    let mut report = Vec::new();
    let mut failures = Vec::new();
    // Small enough for a debug build; the figures are per byte, so they hold at any size.
    for (name, text) in replies(40_000) {
        let (bytes, steps) = stream(&text, 40);
        report.push(format!(
            "{name}: {bytes:.1} bytes allocated, {steps:.1} steps per byte shown"
        ));
        if bytes > 1000.0 || steps > 50.0 {
            failures.push(report.last().unwrap().clone());
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The figures for a 300 KB reply streamed in 500 updates (run with `--ignored`, in release).
#[test]
#[ignore]
fn figures_for_300_kb_in_500_updates() {
    for (name, text) in replies(300_000) {
        let before = ALLOCATED.load(Ordering::Relaxed);
        let (bytes, steps) = stream(&text, 500);
        let total = ALLOCATED.load(Ordering::Relaxed) - before;
        eprintln!(
            "{name}: {:.2} GB allocated in all; {bytes:.1} bytes allocated, {steps:.1} steps per byte shown",
            total as f64 / 1e9
        );
    }
}
