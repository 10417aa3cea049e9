//! The focused markdown parser against pulldown-cmark (CommonMark + GFM tables and
//! strikethrough) on the subset chat replies use. Raw HTML and unsafe links are left out on
//! purpose: there the widget deliberately differs (it shows HTML as text and unsafe links inert).
#![cfg(not(target_arch = "wasm32"))]

use chat_bubble::markdown::{render, to_html_string, Html, IncrementalRender};
use pulldown_cmark::{html, Options, Parser};

mod picture_links;
use picture_links::without_picture_links;

const CORPUS: &[&str] = &[
    "Hello, world.",
    "Two lines\nin one paragraph.",
    "First paragraph.\n\nSecond paragraph.",
    "A *light* word, a **strong** word, and ***both***.",
    "Snake_case_names stay plain, but _this_ is emphasis and __this__ is strong.",
    "Nested **bold with *italic* inside** here.",
    "~~struck~~ and not ~~ spaced ~~.",
    "Inline `code` and ``code with ` tick``.",
    "A line with a hard break  \nand the next line.",
    "Backslash break\\\nworks too.",
    "Escapes: \\*not em\\* and \\`not code\\`.",
    "# One\n## Two\n### Three ###\n#### Four\n##### Five\n###### Six",
    "Setext one\n==========\n\nSetext two\n----------",
    "- apples\n- pears\n- plums",
    "* star\n* list",
    "1. first\n2. second\n3. third",
    "7) seven\n8) eight",
    "- outer\n  - inner one\n  - inner two\n- outer two",
    "1. step\n\n2. loose step\n\n3. last",
    "- item with `code` and [a link](https://example.com)",
    "```\nplain fence\n```",
    "```rust\nfn main() {\n    println!(\"hi\");\n}\n```",
    "~~~python\nprint('tilde')\n~~~",
    "```js\nlet a = 1;\n\nlet b = 2;\n```",
    "> A quote\n> over two lines",
    "> Quote with **bold**\n>\n> and a second paragraph",
    "Text then\n> a quote",
    "---",
    "Above\n\n***\n\nBelow",
    "| Name | Qty |\n|------|----:|\n| Tea  | 2 |\n| Cake | 10 |",
    "| Left | Center | Right |\n|:-----|:------:|------:|\n| a | b | c |",
    "[link](https://example.com/path?x=1&y=2) and <https://example.org>",
    "[titled](https://example.com \"Title\")",
    "![a cat](https://example.com/cat.png)",
    "Mail <mailto:help@example.com>.",
    "中文段落，**粗體**與*斜體*。\n\n- 項目一\n- 項目二",
    "Emoji 👋 and text.",
    "Here is a plan:\n\n1. Read the docs\n2. Try `make demo`\n\n```sh\nmake test\n```\n\nThat's all.",
    "Paragraph\n- list right after",
    "A paragraph\n# heading after",
];

fn oracle(text: &str) -> String {
    let mut out = String::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    html::push_html(&mut out, Parser::new_ext(text, options));
    normalize(&out)
}

fn ours(text: &str) -> String {
    let html = to_html_string(&render(text));
    let html = html.replace(" rel=\"noopener noreferrer\" target=\"_blank\"", "");
    normalize(&without_picture_links(&html))
}

/// Both renderers' HTML with the formatting differences that mean nothing taken out.
fn normalize(html: &str) -> String {
    html.replace(" />", ">")
        .replace("/>", ">")
        .replace(" title=\"Title\"", "")
        .replace(">\n<", "><")
        .replace("<br>\n", "<br>")
        .replace("\n<ul>", "<ul>")
        .replace("\n<ol", "<ol")
        .trim_end_matches('\n')
        .to_owned()
}

#[test]
fn matches_pulldown_cmark_on_the_supported_subset() {
    let mut failures = Vec::new();
    for text in CORPUS {
        let (want, got) = (oracle(text), ours(text));
        if want != got {
            failures.push(format!(
                "input: {text:?}\n  pulldown: {want}\n  ours:     {got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
}

/// Streaming each corpus reply character by character, what is shown (committed blocks plus the
/// open tail) always equals rendering that prefix in one go.
#[test]
fn incremental_render_equals_one_shot_for_every_prefix_of_every_reply() {
    for text in CORPUS {
        let mut incremental = IncrementalRender::default();
        let mut shown: Vec<Html> = Vec::new();
        let mut committed = 0;
        for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let update = incremental.update(&text[..end]);
            shown.truncate(committed);
            shown.extend(update.committed);
            committed = shown.len();
            shown.extend(update.tail);
            assert_eq!(shown, render(&text[..end]), "{text:?} cut at {end}");
        }
    }
}
