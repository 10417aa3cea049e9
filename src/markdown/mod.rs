//! Markdown for assistant replies: the subset chat replies use (paragraphs, emphasis, inline
//! code, fenced code, lists, links, images, headings, blockquotes, tables, line breaks, rules).
//!
//! A focused parser instead of a general one keeps the widget small; `tests/markdown_oracle.rs`
//! checks it against pulldown-cmark on the supported subset. Raw HTML is never interpreted: it
//! stays text. The output is a plain tree ([`Html`]) that `render` turns into DOM nodes.

mod blocks;
mod cost;
mod cutter;
mod emphasis;
mod incremental;
mod inline;
mod line_kinds;
mod open_block;
mod scan;
mod tree;

pub use blocks::{parse_blocks, parse_blocks_after_cut, Block, MAX_NESTING, PART};
pub use cost::steps;
pub use incremental::{IncrementalRender, RenderUpdate};
pub use inline::{
    parse_inline, Inline, MAX_DEPTH as MAX_INLINE_DEPTH, MAX_ELEMENTS as MAX_INLINE_ELEMENTS,
};
pub use tree::{safe_url, to_html_string, Html};

/// Blocks of `text` as a tree, with the byte offset where each block starts.
pub fn render(text: &str) -> Vec<Html> {
    parse_blocks(text)
        .iter()
        .flat_map(|(_, block)| tree::block(block))
        .collect()
}

/// The words of a reply without its markup, blocks separated by a space: what a screen reader
/// should hear.
pub fn plain_text(text: &str) -> String {
    fn collect(nodes: &[Html], out: &mut String) {
        for node in nodes {
            match node {
                Html::Text(t) => out.push_str(t),
                Html::Shared(tree) => collect(std::slice::from_ref(&**tree), out),
                Html::Element { children, tag, .. } => {
                    collect(children, out);
                    match *tag {
                        "em" | "strong" | "del" | "code" | "a" | "span" => {}
                        // A screen reader pauses at the end of a sentence, not at a space:
                        // each heading, paragraph, list item and table row ends as one.
                        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "li" | "tr" | "pre"
                        | "blockquote" => end_sentence(out),
                        _ => out.push(' '),
                    }
                }
            }
        }
    }
    let mut out = String::new();
    collect(&render(text), &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Ends what `out` says so far as a sentence, unless it already ends as one.
fn end_sentence(out: &mut String) {
    out.truncate(out.trim_end().len());
    match out.chars().last() {
        None => {}
        Some(c) if ".!?:;…。！？：；".contains(c) => out.push(' '),
        Some(_) => out.push_str(". "),
    }
}

/// How far back (bytes) [`plain_summary`] looks for a space to cut at.
const WORD_SLACK: usize = 40;

/// The start of a reply's plain text, for a screen reader to announce: at most `max_chars`
/// characters, cut between words and ended with `…` when the reply is longer. Only the reply's
/// opening is parsed, so a very long reply costs no more than a short one.
pub fn plain_summary(text: &str, max_chars: usize) -> String {
    // Markup takes room too: four bytes of source per character kept is plenty.
    let mut end = text.len().min(max_chars * 4);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        // Whole lines where that keeps enough, so no emphasis or link is cut open.
        if let Some(line_end) = text[..end].rfind('\n').filter(|&at| at >= end / 2) {
            end = line_end;
        }
    }
    let plain = plain_text(&text[..end]);
    let cut_source = end < text.len();
    match plain.char_indices().nth(max_chars) {
        None if !cut_source => plain,
        None => format!("{plain}…"),
        Some((at, _)) => {
            // Between words when a space is near the end (text without spaces, such as
            // Chinese, is cut where it is).
            let head = &plain[..at];
            let near = head.len().saturating_sub(WORD_SLACK);
            let head = match head.rfind(' ') {
                Some(space) if space >= near => &head[..space],
                _ => head,
            };
            format!("{head}…")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(text: &str) -> String {
        to_html_string(&render(text))
    }

    #[test]
    fn a_long_paragraphs_parts_are_told_from_other_blocks() {
        let long = "word ".repeat(8_000);
        let blocks = render(&format!("Short.\n\n{long}"));
        assert!(!blocks[0].is_part());
        assert!(blocks.len() > 2 && blocks[1..].iter().all(Html::is_part));
        assert!(Html::Shared(std::rc::Rc::new(blocks[1].clone())).is_part());
    }

    #[test]
    fn blocks_and_inlines() {
        assert_eq!(
            html("# Title\n\nSome *em* and **strong**."),
            "<h1>Title</h1><p>Some <em>em</em> and <strong>strong</strong>.</p>"
        );
        assert_eq!(
            html("- a\n- b `c`"),
            "<ul><li>a</li><li>b <code>c</code></li></ul>"
        );
        assert_eq!(
            html("3. x\n4. y"),
            "<ol start=\"3\"><li>x</li><li>y</li></ol>"
        );
        assert_eq!(
            html("```rust\nfn main() {}\n```"),
            "<pre><code class=\"language-rust\">fn main() {}\n</code></pre>"
        );
        assert_eq!(
            html("> quoted\n> more"),
            "<blockquote><p>quoted\nmore</p></blockquote>"
        );
        assert_eq!(html("a  \nb"), "<p>a<br>b</p>");
        assert_eq!(html("---"), "<hr>");
        assert_eq!(
            html("| a | b |\n|:--|--:|\n| 1 | 2 |"),
            "<table><thead><tr><th style=\"text-align: left\">a</th><th style=\"text-align: right\">b</th></tr></thead><tbody><tr><td style=\"text-align: left\">1</td><td style=\"text-align: right\">2</td></tr></tbody></table>"
        );
        // A cell that is a sentence is marked, to be kept a few words wide.
        assert_eq!(
            html("| a | b |\n|--|--|\n| 1 | a rather long note that goes on |"),
            "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1</td><td class=\"cb-long-cell\">a rather long note that goes on</td></tr></tbody></table>"
        );
    }

    #[test]
    fn plain_summary_keeps_short_replies_whole_and_cuts_long_ones_between_words() {
        assert_eq!(plain_summary("Hello **there**.", 50), "Hello there.");
        let long = "word ".repeat(10_000);
        let summary = plain_summary(&long, 30);
        assert_eq!(summary, "word word word word word word…");
        assert!(summary.chars().count() <= 31);
        // The source is cut between lines, so no markup is left open.
        let reply = format!("**Short** start.\n\n{}", "Some *more* text.\n".repeat(500));
        let summary = plain_summary(&reply, 100);
        assert!(
            summary.starts_with("Short start. Some more text."),
            "{summary}"
        );
        assert!(
            summary.ends_with('…') && !summary.contains('*'),
            "{summary}"
        );
        let summary = plain_summary(&"很長的回答".repeat(1000), 12);
        assert_eq!(summary, format!("{}…", "很長的回答很長的回答很長"));
        // A space far from the end is not where a long text is cut.
        let summary = plain_summary(&format!("Note: {}", "很長的回答".repeat(200)), 100);
        assert_eq!(summary.chars().count(), 101, "{summary}");
    }

    #[test]
    fn a_rule_or_underline_longer_than_its_cap_is_text() {
        // Past 1 KB a line of dashes is text, so a growing one stops being read again whole.
        assert_eq!(html(&"-".repeat(1024)), "<hr>");
        assert_eq!(html(&"- ".repeat(512)), "<hr>");
        let long = "-".repeat(1025);
        assert_eq!(html(&long), format!("<p>{long}</p>"));
        assert_eq!(
            html(&format!("Title\n{}", "=".repeat(1024))),
            "<h1>Title</h1>"
        );
        let long = "=".repeat(1025);
        assert_eq!(
            html(&format!("Title\n{long}")),
            format!("<p>Title\n{long}</p>")
        );
    }

    #[test]
    fn plain_text_drops_markup_only() {
        assert_eq!(
            plain_text("# Hi\n\nSome **bold** and [a link](https://x.example).\n\n- one\n- two"),
            "Hi. Some bold and a link. one. two."
        );
        // Cells of a row run on; the row ends as a sentence. A Chinese sentence keeps its own
        // full stop.
        assert_eq!(
            plain_text("| a | b |\n|---|---|\n| 1 | 2 |\n\n好的。\n\n> - quoted item"),
            "a b. 1 2. 好的。 quoted item."
        );
    }

    #[test]
    fn links_are_safe() {
        assert_eq!(
            html("[ok](https://example.com/a?b=1&c=2)"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer\" target=\"_blank\">ok</a></p>"
        );
        assert_eq!(html("[bad](javascript:alert(1))"), "<p>bad</p>");
        assert_eq!(html("![img](data:image/png;base64,xx)"), "<p>img</p>");
        // A picture opens full size in a tab; one that is a link's stays that link's alone.
        let open = "rel=\"noopener noreferrer\" target=\"_blank\"";
        assert_eq!(
            html("![A chart](https://x.example/c.png)"),
            format!("<p><a href=\"https://x.example/c.png\" {open}><img src=\"https://x.example/c.png\" alt=\"A chart\"></a></p>")
        );
        assert_eq!(
            html("[![A chart](https://x.example/c.png)](https://x.example/report) *![](https://x.example/d.png)*"),
            format!("<p><a href=\"https://x.example/report\" {open}><img src=\"https://x.example/c.png\" alt=\"A chart\"></a> <em><img src=\"https://x.example/d.png\" alt=\"\"></em></p>")
        );
        assert_eq!(
            html("<script>alert(1)</script>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        );
    }

    /// A bare URL's link as the tree writes it.
    fn a(href: &str) -> String {
        format!("<a href=\"{href}\" rel=\"noopener noreferrer\" target=\"_blank\">{href}</a>")
    }

    #[test]
    fn bare_urls_are_links() {
        let site = "https://example.com/a?b=1";
        assert_eq!(
            html(&format!("See {site} now")),
            format!("<p>See {} now</p>", a(site))
        );
        assert_eq!(
            html("http://x.example"),
            format!("<p>{}</p>", a("http://x.example"))
        );
        assert_eq!(
            html("HTTPS://X.example/p"),
            format!("<p>{}</p>", a("HTTPS://X.example/p"))
        );
        // Trailing punctuation and a `)` that closes nothing in the URL are not part of it.
        assert_eq!(
            html("Read https://x.example/docs. Then (https://x.example/a_(b)) and https://x.example/?q=1!"),
            format!(
                "<p>Read {}. Then ({}) and {}!</p>",
                a("https://x.example/docs"),
                a("https://x.example/a_(b)"),
                a("https://x.example/?q=1")
            )
        );
        // A quote ends it: a URL as written never holds one.
        assert_eq!(
            html("(https://x.example\" onclick=\"x)"),
            format!("<p>({}\" onclick=\"x)</p>", a("https://x.example"))
        );
        // After emphasis markers, which still close after it.
        assert_eq!(
            html("*https://x.example*"),
            format!("<p><em>{}</em></p>", a("https://x.example"))
        );
        assert_eq!(
            html("https://x.example/a&amp;"),
            format!("<p>{}&amp;amp;</p>", a("https://x.example/a"))
        );
        // Mail addresses with their scheme; the link ends with the address.
        assert_eq!(
            html("Write to mailto:help@x.example."),
            "<p>Write to <a href=\"mailto:help@x.example\" rel=\"noopener noreferrer\" target=\"_blank\">mailto:help@x.example</a>.</p>"
        );
        // Code spans and links come first; a link holds no link.
        assert_eq!(
            html("`https://x.example`"),
            "<p><code>https://x.example</code></p>"
        );
        assert_eq!(
            html("[see https://x.example](https://y.example)"),
            "<p><a href=\"https://y.example\" rel=\"noopener noreferrer\" target=\"_blank\">see https://x.example</a></p>"
        );
        assert_eq!(
            html("<https://x.example>"),
            format!("<p>{}</p>", a("https://x.example"))
        );
    }

    #[test]
    fn only_safe_schemes_and_real_domains_become_links() {
        for text in [
            "javascript:alert(1)",
            "javascript://x.example/%0Aalert(1)",
            "data:text/html,x",
            "ftp://x.example",
            "vbscript:msgbox",
            "http://localhost",
            "http://x.exa_mple",
            "http://",
            "https:// x.example",
            "mailto:",
            "mailto:nobody",
            "xhttp://x.example",
            "a.http://x.example",
            "www.x.example",
        ] {
            assert!(!html(text).contains("<a"), "{text}: {}", html(text));
        }
        // Every link the tree makes has a safe URL and rel="noopener noreferrer".
        let mixed = "see http://a.example/\u{202E}x and https://b.example/\u{0}y";
        for link in html(mixed).split("<a ").skip(1) {
            assert!(link.contains("rel=\"noopener noreferrer\""), "{link}");
            assert!(
                !link.contains('\u{202E}') && !link.contains('\u{0}'),
                "{link}"
            );
        }
    }

    #[test]
    fn hostile_runs_of_urls_cost_linear_steps() {
        // A hundred thousand `http://` in a row, spaced, in parentheses, after underscores, and
        // as valid links: ten times the text costs about ten times the steps.
        let units = [
            "http://",
            "http:// ",
            "(http://x",
            "_http://a_",
            "https://a.example/",
            "https://a.example(",
            "mailto:a@",
            "http://a.b))))",
        ];
        for unit in units {
            let cost = |n: usize| {
                let text = unit.repeat(n);
                let before = steps();
                let tree = render(&text);
                assert!(!tree.is_empty());
                steps() - before
            };
            let (small, large) = (cost(10_000), cost(100_000));
            let ratio = large as f64 / small as f64;
            let per_byte = large as f64 / (100_000 * unit.len()) as f64;
            assert!(
                ratio < 13.0 && per_byte < 60.0,
                "{unit:?}: {ratio:.1}x, {per_byte:.1} steps a byte"
            );
        }
    }

    /// The text nodes of a paragraph's tree, per element: one paragraph, or the parts of a long
    /// one.
    fn pieces(text: &str) -> Vec<Vec<String>> {
        render(text)
            .iter()
            .map(|element| match element {
                Html::Element { children, .. } => children
                    .iter()
                    .map(|c| match c {
                        Html::Text(t) => t.clone(),
                        other => panic!("not text: {other:?}"),
                    })
                    .collect(),
                other => panic!("not an element: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_long_paragraph_is_cut_into_pieces_that_stay_as_it_grows() {
        let mut text = String::new();
        for i in 0..8000 {
            text.push_str(&format!("w{i} "));
            if i % 1000 == 999 {
                text.push('\n');
            }
        }
        let text = text.trim_end().to_owned();
        // The text a paragraph shows: a line's trailing spaces are dropped.
        let shown = |s: &str| s.trim_end().replace(" \n", "\n");
        let whole = pieces(&text);
        assert!(whole.len() > 1, "{} parts", whole.len());
        assert!(whole.concat().concat() == shown(&text));
        for part in &whole {
            assert!(part.len() > 1, "{} pieces", part.len());
            for piece in &part[..part.len() - 1] {
                assert!(piece.ends_with(' '));
                assert!(
                    (8 * 1024..8 * 1024 + 16).contains(&piece.len()),
                    "{}",
                    piece.len()
                );
            }
        }
        // Every prefix, as a reply streams: all parts but the last, and all pieces of the last
        // but its last, are already final.
        for end in (1..text.len()).step_by(997) {
            let prefix = pieces(&text[..end]);
            assert!(
                prefix.concat().concat() == shown(&text[..end]),
                "prefix of {end} bytes"
            );
            let (last, done) = prefix.split_last().unwrap();
            assert!(done == &whole[..done.len()], "prefix of {end} bytes");
            assert!(
                last[..last.len() - 1] == whole[done.len()][..last.len() - 1],
                "prefix of {end} bytes"
            );
        }
        // A short paragraph stays one text node; a long word is cut at twice the piece size,
        // on a character boundary, so that its cuts too stay as it grows.
        assert_eq!(pieces("short text"), [["short text"]]);
        assert_eq!(pieces(&"x".repeat(16_384))[0].len(), 1);
        let word = "字".repeat(20_000);
        let cut = pieces(&word);
        assert!(
            cut.len() > 1 && cut.concat().concat() == word,
            "{} parts",
            cut.len()
        );
        for part in &cut {
            assert!(part[..part.len() - 1]
                .iter()
                .all(|p| (16_382..=16_384).contains(&p.len())));
        }
        assert!(pieces(&word[..30_000])[0][..1] == cut[0][..1]);
    }

    #[test]
    fn the_pieces_of_a_long_paragraph_hold_no_spare_room() {
        // Pieces that kept the room of the whole run they were cut from left 7.6 MB live after
        // a 300 KB reply streamed in 500 updates, against 0.8 MB without pieces (measured).
        let text: String = (0..8000).map(|i| format!("w{i} ")).collect();
        for part in pieces(&text) {
            assert!(part.len() > 1);
            for piece in part {
                assert!(
                    piece.capacity() <= 2 * piece.len(),
                    "{} bytes of room for {}",
                    piece.capacity(),
                    piece.len()
                );
            }
        }
    }

    #[test]
    fn incremental_equals_one_shot_for_every_prefix() {
        let reply = "# Plan\n\nFirst *do* this:\n\n1. one\n2. two\n\n```js\nlet a = 1;\n\nlet b = 2;\n```\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n> done\n\nBye 👋 中文.";
        let ends: Vec<usize> = (0..=reply.len())
            .filter(|&i| reply.is_char_boundary(i))
            .collect();
        let mut incremental = IncrementalRender::default();
        let mut shown: Vec<Html> = Vec::new();
        let mut committed_count = 0;
        for &end in &ends {
            let update = incremental.update(&reply[..end]);
            shown.truncate(committed_count);
            shown.extend(update.committed);
            committed_count = shown.len();
            shown.extend(update.tail);
            assert_eq!(shown, render(&reply[..end]), "prefix {:?}", &reply[..end]);
        }
        assert!(
            committed_count > 0,
            "some blocks were committed before the end"
        );
    }
}
