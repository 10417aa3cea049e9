//! A reply rendered as it streams, against the same text rendered at once:
//!
//! - what the incremental renderer shows after every update equals the one-shot render of the
//!   text so far, for long documents whose paragraphs are cut into parts, whose blocks follow
//!   each other without blank lines, and whose lines start with block markers right where a
//!   paragraph could be cut, and for replies that nest quotes and lists, streamed a byte at a
//!   time;
//! - the work of one update (the parser's steps, counted, not timed) is bounded by what the
//!   update added and a few parts of a paragraph, not by the paragraph, the quote or list it
//!   is in, or the reply.
#![cfg(not(target_arch = "wasm32"))]

use chat_bubble::markdown::{render, steps, Html, IncrementalRender, PART};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Streams `text` cut at `ends` and checks every update against the one-shot render.
fn check_streamed(text: &str, ends: &[usize]) -> Result<(), TestCaseError> {
    let mut incremental = IncrementalRender::default();
    let mut shown: Vec<Html> = Vec::new();
    let mut committed = 0;
    for &end in ends {
        let update = incremental.update(&text[..end]);
        shown.truncate(committed);
        shown.extend(update.committed);
        committed = shown.len();
        shown.extend(update.tail);
        prop_assert!(
            shown == render(&text[..end]),
            "after {end} of {} bytes: {:?}",
            text.len(),
            &text[end.saturating_sub(60)..end]
        );
    }
    Ok(())
}

/// Pieces of a long reply: words and markup, and line starts that are (or may grow into) block
/// markers: list items, headings, fences, rules, setext underlines, quotes, table rows.
const PIECES: &[&str] = &[
    "word ",
    "word ",
    "word ",
    "more words ",
    "中文字 ",
    "**bold** ",
    "*em* ",
    "`code` ",
    "[a link](https://x.example/a) ",
    "[",
    "](",
    "*",
    "_",
    "`",
    "<",
    "https://x.example/b ",
    "\n",
    "\n",
    "\n\n",
    "\n- ",
    "\n-",
    "\n- x ",
    "\n1. ",
    "\n1.",
    "\n2. ",
    "\n# ",
    "\n#",
    "\n```",
    "\n``",
    "\n---\n",
    "\n--",
    "\n===\n",
    "\n_ _",
    " _",
    "\n> ",
    "\n| a | b |\n|---|---|\n",
    "\n    indented ",
    "\n* * ",
    "\n+",
    "x",
];

fn long_document() -> impl Strategy<Value = (String, Vec<usize>)> {
    (
        prop::collection::vec(prop::sample::select(PIECES), 4_000..8_000),
        prop::collection::vec(1usize..4_000, 40),
    )
        .prop_map(|(pieces, steps)| {
            let text = pieces.concat();
            let mut ends = Vec::new();
            let mut end = 0;
            for step in steps.iter().cycle() {
                end = (end + step).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                ends.push(end);
                if end == text.len() {
                    break;
                }
            }
            (text, ends)
        })
}

proptest! {
    #![proptest_config(Config {
        cases: 12,
        rng_seed: RngSeed::Fixed(0x5eed_0f16),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn streamed_equals_one_shot((text, ends) in long_document()) {
        check_streamed(&text, &ends)?;
    }
}

/// Pieces of replies that nest: quote and list markers at every depth and indent, lazy lines,
/// blank lines inside items (loose lists), lines that may still become markers, `\r\n` ends.
const NESTED_PIECES: &[&str] = &[
    "word ",
    "more words ",
    "**bold** ",
    "`code` ",
    "[a](",
    "中文 ",
    "\n",
    "\n",
    "\n\n",
    "\r\n",
    "\n> ",
    "\n>",
    "> ",
    ">",
    "\n> > ",
    "\n>> ",
    "\n   > ",
    "\n- ",
    "\n-",
    "- ",
    "\n  - ",
    "\n    - ",
    "\n  ",
    "\n    ",
    "\n     indented ",
    "\n* ",
    "\n+ ",
    "\n1. ",
    "\n2. ",
    "\n1",
    "\n3) ",
    "\n   1. ",
    "\n> - ",
    "\n> 1. ",
    "\n- > ",
    "\n  > ",
    "\n```",
    "\n  ```",
    "\n# ",
    "\n---",
    "\n***",
    "\n===",
    "\n|a|b|\n|-|-|\n",
    " ",
    "x",
];

fn nested_document() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(NESTED_PIECES), 1..160).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(Config {
        cases: 400,
        rng_seed: RngSeed::Fixed(0x0be7_b10c),
        failure_persistence: None,
        ..Config::default()
    })]

    /// Every byte of a nesting reply is an update, so every way a line can arrive (its marker
    /// alone, a `\r` before its `\n`, a blank line before text) is met.
    #[test]
    fn nested_quotes_and_lists_streamed_byte_by_byte_equal_one_shot(text in nested_document()) {
        let ends: Vec<usize> = (1..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        check_streamed(&text, &ends)?;
    }
}

/// A long paragraph whose lines start, right after a cut could be, with what might still grow
/// into a block marker ("-" before "- x", "_ _" before "_ _ _", "1" before "1. x"), fed one
/// byte at a time around each cut.
#[test]
fn a_line_that_may_still_end_the_paragraph_is_never_cut() {
    let mut text = String::new();
    let mut cut_spots = Vec::new();
    for tail in [
        "- x", "_ _ _", "1. x", "# x", "```", "---", "===", "> x", "* * *",
    ] {
        while text.len() < (cut_spots.len() + 1) * PART + 200 {
            text.push_str("words and more words ");
        }
        text.push('\n');
        cut_spots.push(text.len());
        // The marker, spaced so that a cut could fall inside it.
        for c in tail.chars() {
            text.push(c);
            text.push_str(if c == ' ' { "" } else { " " });
        }
        text.push_str("\nand the paragraph goes on ");
    }
    let mut ends: Vec<usize> = (1..text.len()).step_by(331).collect();
    for spot in cut_spots {
        ends.extend(spot..(spot + 20).min(text.len()));
    }
    ends.sort_unstable();
    ends.dedup();
    ends.push(text.len());
    check_streamed(&text, &ends).unwrap();
}

/// The steps of every update while `text` streams in `updates` equal deltas.
fn steps_per_update(text: &str, updates: usize) -> Vec<u64> {
    let mut render = IncrementalRender::default();
    let mut out = Vec::new();
    for i in 1..=updates {
        let mut end = text.len() * i / updates;
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let before = steps();
        drop(render.update(&text[..end]));
        out.push(steps() - before);
    }
    out
}

/// Hostile and ordinary replies of 200 KB, each a single block (a paragraph, a quote or a list)
/// or a run of blocks with no blank line between them (see tests/e2e/hostile_cases.mjs).
fn long_replies() -> Vec<(&'static str, String)> {
    let size = 200_000;
    let line = "Plain words, **bold** ones, `code` and a [link](https://example.com/x) here. ";
    let fill = |unit: &str| unit.repeat(size / unit.len());
    let alternating = [
        "[a](".repeat(500),
        "[".repeat(1000),
        "*_".repeat(500),
        format!("x{}", "`".repeat(1000)),
        ">".repeat(1000),
        line.repeat(20),
        format!("{}x", "- ".repeat(500)),
    ]
    .join("\n");
    vec![
        ("a paragraph of words", fill("word ")),
        ("a paragraph of words in lines", fill("some words here\n")),
        ("one line of mixed markup", fill(line)),
        ("[a](", fill("[a](")),
        ("[", fill("[")),
        ("*_", fill("*_")),
        ("one Chinese line", fill("很長的回答")),
        ("a quoted line of mixed markup", format!("> {}", fill(line))),
        ("a quote of many lines", fill("> some words here\n")),
        (">", fill(">")),
        (
            "a list item's line of mixed markup",
            format!("- {}", fill(line)),
        ),
        ("a list of many items", fill("- an item\n")),
        ("a loose list of many items", fill("1. an item\n\n")),
        ("a quoted list item's line", format!("> 1. {}", fill(line))),
        ("nested list items", format!("{}x", fill("- "))),
        (
            "a list item of many indented lines",
            format!("- a\n{}", fill("  more words\n")),
        ),
        ("blocks without blank lines", {
            let mut t = String::new();
            while t.len() < size {
                t.push_str(&alternating);
                t.push('\n');
            }
            t
        }),
    ]
}

/// What one update may cost at most, in steps per byte of what it reads again: the bytes it
/// added plus the open part of a paragraph (at most about `2 * PART` bytes) or the open block. Linear
/// reading takes 3 to 40 steps a byte.
const STEPS_PER_BYTE: u64 = 60;

#[test]
fn an_update_reads_what_it_added_and_the_open_part_only() {
    // 200 KB in 200 updates of 1 KB, as the hostile e2e streams a megabyte in 1,000.
    let updates = 200;
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, text) in long_replies() {
        let costs = steps_per_update(&text, updates);
        let delta = (text.len() / updates) as u64;
        let bound = STEPS_PER_BYTE * (delta + 3 * PART as u64);
        let worst = *costs.iter().max().unwrap();
        // The last updates of a reply cost no more than earlier ones. Reading the open block
        // again at each update made the last sixth of the updates cost 3.4 to 5 times the
        // second sixth (quotes and lists, before they were read line by line).
        let n = costs.len();
        let early: u64 = costs[n / 6..n / 3].iter().sum();
        let late: u64 = costs[n - n / 6..].iter().sum();
        let growth = late as f64 / early.max(1) as f64;
        report.push(format!(
            "{name}: worst update {worst} steps (bound {bound}), the last sixth of the updates {growth:.2}x the second"
        ));
        if worst > bound || growth > 1.5 {
            failures.push(report.last().unwrap().clone());
        }
    }
    eprintln!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A long paragraph inside a quote or a list item, streamed: what is shown equals the one-shot
/// render after every update, and an update makes anew only the paragraph's last part or two
/// (the others come back shared from the update before), however long the paragraph grows.
#[test]
fn a_long_nested_paragraph_is_made_anew_only_in_its_last_parts() {
    let line = "Plain words, **bold** ones, `code` and a [link](https://example.com/x) here. ";
    let body = line.repeat(100_000 / line.len());
    for (name, text) in [
        ("quoted", format!("> {body}")),
        ("quoted twice", format!("> > {body}")),
        ("in a list item", format!("- {body}")),
        ("in a quoted list item", format!("> 1. {body}")),
    ] {
        let updates = 100;
        let ends: Vec<usize> = (1..=updates).map(|i| text.len() * i / updates).collect();
        check_streamed(&text, &ends).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut render = IncrementalRender::default();
        let mut worst = 0;
        for &end in &ends {
            let update = render.update(&text[..end]);
            let made = Html::count_elements(&update.committed) + Html::count_elements(&update.tail);
            worst = worst.max(made);
        }
        // Elements of two parts at most (a part is cut after 16 to 32 KB), and the containers.
        let per_part = 4 * 2 * PART / line.len();
        let all = 4 * body.len() / line.len();
        assert!(
            worst <= 2 * per_part + 8,
            "{name}: an update made {worst} elements (of {all} in all)"
        );
    }
}
