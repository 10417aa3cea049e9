//! Component tests in a real browser (headless Chromium via wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]

use chat_bubble::chat::{ChatState, HistoryStatus, MessageStatus};
use chat_bubble::config::Config;
use chat_bubble::models::Role;
use chat_bubble::ui::Widget;
use js_sys::{Object, Promise, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_root() -> HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let root: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Lets effects and the renderer run.
async fn settle() {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// A widget built on a fresh root, with its state to drive directly (it lives to the page's end).
fn widget_with_state() -> (HtmlElement, ChatState) {
    let root = fresh_root();
    let owner = Owner::new();
    let state = owner.with(|| ChatState::new(config()));
    let view = leptos::mount::mount_to(root.clone(), move || {
        provide_context(state);
        view! { <Widget/> }
    });
    std::mem::forget((owner, view));
    (root, state)
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
}

fn config() -> Config {
    let attributes = [
        ("data-web-chat-id", "test-web-chat"),
        ("data-chatbot-id", "test-bot"),
        // Nothing listens here: these tests never reach the network.
        ("data-api-base", "http://127.0.0.1:9/api/v1/"),
        ("data-title", "Test assistant"),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    Config::from_attributes(&attributes, "http://127.0.0.1:9/")
        .0
        .unwrap()
}

#[wasm_bindgen_test]
async fn mount_replaces_the_placeholder_and_the_launcher_toggles_the_panel() {
    let root = fresh_root();
    root.set_inner_html("<button class=\"placeholder\"></button>");
    let attributes = Object::new();
    for (k, v) in [
        ("data-web-chat-id", "w1"),
        ("data-chatbot-id", "b1"),
        ("data-title", "Support"),
    ] {
        Reflect::set(&attributes, &JsValue::from_str(k), &JsValue::from_str(v)).unwrap();
    }
    let handle = chat_bubble::mount(root.clone(), attributes, "http://127.0.0.1:9/", None);
    assert!(handle.is_some());
    settle().await;
    assert!(root.query_selector(".placeholder").unwrap().is_none());
    let panel = find(&root, ".cb-panel");
    assert!(panel.has_attribute("hidden"));
    assert_eq!(find(&root, ".cb-title").text_content().unwrap(), "Support");

    let launcher: HtmlElement = find(&root, ".cb-launcher").unchecked_into();
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    launcher.click();
    settle().await;
    assert!(!panel.has_attribute("hidden"));
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    find(&root, ".cb-input");
}

#[wasm_bindgen_test]
async fn mount_refuses_a_config_without_ids() {
    let root = fresh_root();
    assert!(chat_bubble::mount(root.clone(), Object::new(), "http://127.0.0.1:9/", None).is_none());
    assert!(root.query_selector(".cb-launcher").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn a_streamed_reply_keeps_finished_blocks_and_patches_only_the_tail() {
    let (root, state) = widget_with_state();
    let question = state.push(Role::Visitor, "<b>hi</b>".into(), MessageStatus::Complete);
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    settle().await;
    assert!(
        root.query_selector(".cb-typing").unwrap().is_some(),
        "typing indicator before the first delta"
    );

    reply.text.update(|t| t.push_str("First **block**.\n\nSec"));
    settle().await;
    let text = find(&root, ".cb-assistant .cb-text");
    let first = text.first_element_child().unwrap();
    assert_eq!(first.tag_name(), "P");
    assert_eq!(find(&first, "strong").text_content().unwrap(), "block");
    assert!(root.query_selector(".cb-typing").unwrap().is_none());

    reply.text.update(|t| t.push_str("ond 世界 `code`"));
    settle().await;
    assert_eq!(text.text_content().unwrap(), "First block.Second 世界 code");
    assert!(
        Object::is(&first, &text.first_element_child().unwrap()),
        "the finished block is the same node"
    );
    assert_eq!(text.child_element_count(), 2);
    assert_eq!(find(&text, "p + p code").text_content().unwrap(), "code");

    // Visitor text is shown as text: markup in it stays inert.
    let visitor = find(&root, ".cb-visitor .cb-text");
    assert_eq!(visitor.text_content().unwrap(), "<b>hi</b>");
    assert!(visitor.query_selector("b").unwrap().is_none());
    assert_eq!(question.text.get_untracked(), "<b>hi</b>");
}

#[wasm_bindgen_test]
async fn rows_readied_while_a_history_loads_leave_no_trace() {
    let (root, state) = widget_with_state();
    state.set_open(true);
    settle().await;
    // The list readies the row code (two rows built off the page) when a history starts loading.
    state.history.set(HistoryStatus::Loading);
    settle().await;
    settle().await;
    assert!(state.messages.with_untracked(Vec::is_empty));
    assert_eq!(
        root.query_selector_all(".cb-message:not(.cb-greeting)")
            .unwrap()
            .length(),
        0,
        "nothing of them in the page"
    );
    state.history.set(HistoryStatus::Loaded);
    state.push(Role::Visitor, "hello".into(), MessageStatus::Complete);
    settle().await;
    assert_eq!(
        find(&root, ".cb-visitor .cb-text").text_content().unwrap(),
        "hello"
    );
}

/// The text nodes under `node`, in document order.
fn text_nodes(node: &web_sys::Node, found: &mut Vec<web_sys::Node>) {
    if node.node_type() == web_sys::Node::TEXT_NODE {
        found.push(node.clone());
    }
    let children = node.child_nodes();
    for i in 0..children.length() {
        text_nodes(&children.item(i).unwrap(), found);
    }
}

#[wasm_bindgen_test]
async fn a_long_paragraph_streams_into_short_text_nodes_and_only_the_last_one_changes() {
    let (root, state) = widget_with_state();
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    let mut want = String::new();
    // The text nodes of the last step, with their text, and how the body held the paragraph.
    let mut before: Vec<(web_sys::Node, String)> = Vec::new();
    let mut held_as = String::new();
    for step in 0..30 {
        let mut delta = String::new();
        for i in 0..150 {
            delta.push_str(&format!("w{} ", step * 150 + i));
        }
        want.push_str(&delta);
        reply.text.update(|t| t.push_str(&delta));
        settle().await;
        let body = find(&root, ".cb-assistant .cb-text");
        // Every word, in order (a paragraph this long may be shown in parts).
        let shown = body.text_content().unwrap();
        assert!(
            shown.split_whitespace().eq(want.split_whitespace()),
            "step {step}"
        );
        // The parts skip themselves out of view: none goes into a chunk.
        assert!(
            body.query_selector(".cb-chunk").unwrap().is_none(),
            "step {step}: a part in a chunk"
        );
        // Every text node but the last of the step before is the same node with the same text,
        // except once, when the paragraph grows long enough to be shown in parts.
        let mut nodes = Vec::new();
        text_nodes(&body, &mut nodes);
        let now_held_as = body.first_element_child().unwrap().tag_name();
        if now_held_as != held_as {
            before.clear();
            held_as = now_held_as;
        }
        for (i, (node, text)) in before.iter().enumerate().rev().skip(1) {
            assert!(
                Object::is(node, &nodes[i]),
                "step {step}: piece {i} was replaced"
            );
            assert_eq!(&nodes[i].text_content().unwrap(), text, "step {step}");
        }
        before = nodes
            .into_iter()
            .map(|n| {
                let text = n.text_content().unwrap();
                (n, text)
            })
            .collect();
    }
    assert!(want.len() > 25_000);
    assert!(
        before.len() >= 3,
        "{} text nodes for {} bytes",
        before.len(),
        want.len()
    );
}

#[wasm_bindgen_test]
async fn a_long_reply_gathers_its_finished_blocks_into_chunks_and_keeps_their_nodes() {
    let (root, state) = widget_with_state();
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    let paragraph = |i: usize| {
        format!("Paragraph {i} with **bold** words and `code`, long enough for a few lines.\n\n")
    };
    let shown =
        |i: usize| format!("Paragraph {i} with bold words and code, long enough for a few lines.");
    // The newest 2 KB of text, in view while the visitor follows the reply, stay out of chunks
    // (so that what goes into one is out of view and not laid out again): whole paragraphs
    // within them, the open one besides.
    let kept = 2 * 1024 / paragraph(199).len();
    let mut first = None;
    for i in 0..200 {
        reply.text.update(|t| t.push_str(&paragraph(i)));
        settle().await;
        if i == 1 {
            first = find(&root, ".cb-assistant .cb-text p").into();
        }
        let body = find(&root, ".cb-assistant .cb-text");
        let paragraphs = body.query_selector_all("p").unwrap();
        let count = paragraphs.length();
        for j in count.saturating_sub(kept as u32 + 1)..count {
            let parent = paragraphs.item(j).unwrap().parent_element().unwrap();
            assert!(
                Object::is(&parent, &body),
                "step {i}: paragraph {j} of {count} is in a chunk"
            );
        }
    }
    let body = find(&root, ".cb-assistant .cb-text");
    let chunks = body.query_selector_all(":scope > .cb-chunk").unwrap();
    assert!(chunks.length() >= 3, "{} chunks", chunks.length());
    // Every paragraph once, in order, whether in a chunk or not.
    let paragraphs = body.query_selector_all("p").unwrap();
    let texts: Vec<String> = (0..paragraphs.length())
        .map(|i| paragraphs.item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(texts, (0..200).map(shown).collect::<Vec<_>>());
    // Besides those, less than a chunk's worth is loose in the body.
    let loose = body.query_selector_all(":scope > p").unwrap().length() as usize;
    assert!(
        loose * paragraph(199).len() <= (4 + 2) * 1024 + 2 * paragraph(199).len(),
        "{loose} paragraphs outside chunks"
    );
    // A finished block is moved into its chunk, not built again.
    let first = first.unwrap();
    assert!(Object::is(&first, &paragraphs.item(0).unwrap()));
    assert_eq!(first.parent_element().unwrap().class_name(), "cb-chunk");
    // A short reply has no chunk.
    let short = state.push(
        Role::Assistant,
        "One.\n\nTwo.".into(),
        MessageStatus::Complete,
    );
    settle().await;
    let bodies = root.query_selector_all(".cb-assistant .cb-text").unwrap();
    let short_body: Element = bodies.item(1).unwrap().unchecked_into();
    assert!(short_body.query_selector(".cb-chunk").unwrap().is_none());
    assert_eq!(short_body.child_element_count(), 2);
    state.remove(short.key);
}

#[wasm_bindgen_test]
async fn a_block_with_focus_keeps_it_when_it_goes_into_a_chunk() {
    let (root, state) = widget_with_state();
    state.set_open(true);
    let reply = state.push(
        Role::Assistant,
        "```\nlet x = 1;\n```\n\nAfter the code.\n\n".into(),
        MessageStatus::Streaming,
    );
    settle().await;
    // A keyboard visitor on the code block (it takes focus, to be scrolled sideways).
    let pre: HtmlElement = find(&root, ".cb-assistant pre").unchecked_into();
    pre.focus().unwrap();
    let document = web_sys::window().unwrap().document().unwrap();
    assert!(Object::is(&document.active_element().unwrap(), &pre));
    // More than a chunk's worth after it.
    for i in 0..150 {
        reply
            .text
            .update(|t| t.push_str(&format!("Paragraph {i}, one of many that come after.\n\n")));
        settle().await;
    }
    assert!(
        pre.closest(".cb-chunk").unwrap().is_some(),
        "the code block is in a chunk"
    );
    let focused = document.active_element().unwrap();
    assert!(
        Object::is(&focused, &pre),
        "focus left the code block for {}",
        focused.tag_name()
    );
}

#[wasm_bindgen_test]
async fn a_reply_that_starts_over_shows_only_its_new_text() {
    let (root, state) = widget_with_state();
    let reply = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    reply.text.set("First block.\n\nSecond, cut".into());
    settle().await;
    // An automatic retry empties the reply and streams it again.
    reply.text.set(String::new());
    settle().await;
    reply.text.set("Again.".into());
    settle().await;
    let body = find(&root, ".cb-assistant .cb-text");
    assert_eq!(body.text_content().unwrap(), "Again.");
    assert_eq!(body.child_element_count(), 1);
}

/// A reply exercising every block kind, with markup that opens and closes as it streams.
const STREAMED_REPLY: &str = "# Title with *emphasis*\n\nA paragraph with **bold**, `code`, a [link](https://example.com/a) and 中文字.\nSecond line.\n\n- one\n- two with *it*\n  continued\n\n1. first\n2. second\n\n```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n> quoted *text*\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\nLast words.";

#[wasm_bindgen_test]
async fn a_reply_patched_as_it_streams_matches_one_rendered_at_once_at_every_step() {
    let (root, state) = widget_with_state();
    let streamed = state.push(Role::Assistant, String::new(), MessageStatus::Streaming);
    settle().await;
    let mut grown_in_place = 0;
    for (end, _) in STREAMED_REPLY.char_indices().skip(1) {
        let prefix = &STREAMED_REPLY[..end];
        let body = find(&root, ".cb-assistant .cb-text");
        let last_before = deepest_last(&body);
        streamed.text.set(prefix.to_owned());
        let at_once = state.push(Role::Assistant, prefix.to_owned(), MessageStatus::Streaming);
        settle().await;
        let bodies = root.query_selector_all(".cb-assistant .cb-text").unwrap();
        let html = |i: u32| {
            bodies
                .item(i)
                .unwrap()
                .unchecked_into::<Element>()
                .inner_html()
        };
        assert_eq!(html(0), html(1), "after {prefix:?}");
        if last_before.is_some() && last_before == deepest_last(&body) {
            grown_in_place += 1;
        }
        state.remove(at_once.key);
    }
    // Most steps add a character to a text that was already there: its node stays.
    assert!(
        grown_in_place > STREAMED_REPLY.len() / 2,
        "{grown_in_place}"
    );
}

/// The last node at the bottom of `node`'s last children: where streamed text lands.
fn deepest_last(node: &Element) -> Option<web_sys::Node> {
    let mut last = node.last_child()?;
    while let Some(child) = last.last_child() {
        last = child;
    }
    Some(last)
}

#[wasm_bindgen_test]
async fn the_handle_drives_the_widget_tells_events_and_destroy_unmounts() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;

    let root = fresh_root();
    let attributes = Object::new();
    for (k, v) in [("data-web-chat-id", "w2"), ("data-chatbot-id", "b2")] {
        Reflect::set(&attributes, &JsValue::from_str(k), &JsValue::from_str(v)).unwrap();
    }
    let heard = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = heard.clone();
    let emit = Closure::<dyn Fn(String, JsValue)>::new(move |name: String, _detail: JsValue| {
        sink.borrow_mut().push(name)
    });
    let handle = chat_bubble::mount(
        root.clone(),
        attributes,
        "http://127.0.0.1:9/",
        Some(emit.as_ref().unchecked_ref::<js_sys::Function>().clone()),
    )
    .unwrap();
    settle().await;
    let panel = find(&root, ".cb-panel");
    assert!(panel.has_attribute("hidden"));
    handle.open();
    settle().await;
    assert!(!panel.has_attribute("hidden"));
    assert!(handle.is_open());
    handle.toggle();
    handle.close();
    settle().await;
    assert!(panel.has_attribute("hidden"));
    assert_eq!(*heard.borrow(), ["open", "close"]);

    handle.destroy();
    settle().await;
    assert_eq!(root.child_element_count(), 0, "unmounted");
    assert!(!handle.is_open());
    handle.open();
    settle().await;
    assert_eq!(*heard.borrow(), ["open", "close"], "silent after destroy");
    assert_eq!(root.child_element_count(), 0);
}

#[wasm_bindgen_test]
fn message_times_match_the_browsers_own_formatting_across_minutes_and_days() {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &{
        let options = Object::new();
        Reflect::set(&options, &"timeStyle".into(), &"short".into()).unwrap();
        options
    });
    let now = js_sys::Date::now() as i64;
    let base: i64 = 1_764_650_000_000;
    // Twice each: the second comes from the per-minute cache.
    for _ in 0..2 {
        for ms in [
            0,
            -1,
            -60_001,
            base,
            base + 59_999,
            base + 60_000,
            base + 3_600_123,
            now,
        ] {
            let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
            let time = format
                .format()
                .call1(&JsValue::NULL, &date)
                .unwrap()
                .as_string()
                .unwrap();
            let shown = chat_bubble::time_format::clock_time(ms);
            assert_eq!(shown.iso, String::from(date.to_iso_string()), "{ms}");
            assert_eq!(shown.today, ms == now, "{ms}");
            if ms == now {
                assert_eq!(shown.label, time, "today's message shows the time alone");
            } else {
                assert!(
                    shown.label.ends_with(&format!(", {time}")),
                    "{ms}: {}",
                    shown.label
                );
            }
        }
    }
}
