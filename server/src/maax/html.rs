//! HTML answers to the markdown the widget shows.
//!
//! V2 is asked for `plain_text`, but its docs say HTML is the default, and an operator may
//! configure it; a misconfigured account could send it anyway. The widget never interprets
//! HTML (it would show the tags as text), so the server parses it with html5ever (through
//! `scraper`, which builds a tree on it) and writes back only what the widget's markdown can
//! show: paragraphs, line breaks, headings, emphasis, code, fenced code, lists, quotes,
//! links and images with http(s) addresses, rules. Everything else becomes its text;
//! scripts, styles and other invisible content are dropped.
//!
//! Cost is bounded. html5ever's tokenizer is linear, but its tree builder looks through the
//! stack of open elements for some tags, which costs the nesting depth each time: an answer is
//! therefore parsed only up to its [`MAX_TAGS`]th tag, which bounds the depth and that cost
//! (the rest of such an answer, far longer than any chat reply, is left out and said to be).
//! The tree is walked without recursion, and the elements that rewrite their own output when
//! they close (lists, quotes, links, code) do so only [`MAX_REWRITE_DEPTH`] deep.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

/// Start tags parsed at most; a chat answer has a few dozen.
pub const MAX_TAGS: usize = 2000;

/// What stands for the part of an answer beyond [`MAX_TAGS`].
const CUT_NOTE: &str = "…";

/// Elements that rewrite their content on close, nested at most this deep; deeper ones only
/// contribute their text.
const MAX_REWRITE_DEPTH: usize = 8;

/// Whether an answer is HTML rather than plain text: a tag that HTML answers use. Plain text
/// that merely mentions `a < b` stays untouched.
pub fn looks_like_html(text: &str) -> bool {
    const TAGS: [&str; 16] = [
        "<p>", "<p ", "<br", "<div", "<a ", "<b>", "<strong", "<em>", "<i>", "<ul", "<ol", "<li",
        "<h1", "<h2", "<h3", "<span",
    ];
    let lower = text.to_ascii_lowercase();
    TAGS.iter().any(|t| lower.contains(t)) || lower.contains("</")
}

/// Markdown for an HTML fragment.
pub fn to_markdown(html: &str) -> String {
    let (html, cut) = within_tag_budget(html);
    let doc = Html::parse_fragment(html);
    let mut w = Writer::default();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => w.open(e.name(), |a| e.attr(a).map(str::to_owned)),
                Node::Text(t) => w.text(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    w.close(e.name());
                }
            }
        }
    }
    let mut out = w.finish();
    if cut {
        out.push_str("\n\n");
        out.push_str(CUT_NOTE);
    }
    out
}

/// `html` up to its [`MAX_TAGS`]th start tag, and whether it was cut.
fn within_tag_budget(html: &str) -> (&str, bool) {
    let b = html.as_bytes();
    let mut tags = 0;
    for i in 0..b.len() {
        if b[i] == b'<' && b.get(i + 1).is_some_and(u8::is_ascii_alphabetic) {
            tags += 1;
            if tags > MAX_TAGS {
                // `<` is ASCII, so `i` is a character boundary.
                return (&html[..i], true);
            }
        }
    }
    (html, false)
}

/// What an open element does when it closes.
#[derive(Debug)]
enum Pending {
    /// Nothing beyond its own closing text.
    Plain,
    /// Rewrites what was written since `start`.
    Link {
        start: usize,
        href: Option<String>,
    },
    Code {
        start: usize,
    },
    Pre {
        start: usize,
    },
    Item {
        start: usize,
        marker_width: usize,
    },
    Quote {
        start: usize,
    },
}

#[derive(Default)]
struct Writer {
    out: String,
    /// One entry per open element, in order.
    stack: Vec<Pending>,
    /// Open elements whose content is dropped (`script`, `style`, …).
    skipping: usize,
    /// Open `pre` elements: their text keeps its white space.
    in_pre: usize,
    /// Open `code` elements: their text is not escaped.
    in_code: usize,
    /// Numbering of the open lists (`None` for bullets).
    lists: Vec<Option<usize>>,
    /// Open elements that rewrite on close.
    rewriting: usize,
}

fn heading_level(name: &str) -> Option<usize> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "main"
            | "aside"
            | "nav"
            | "figure"
            | "figcaption"
            | "address"
            | "table"
            | "form"
            | "dl"
            | "dd"
            | "dt"
            | "details"
            | "summary"
    )
}

/// Content a reader never sees.
fn is_hidden(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "head"
            | "title"
            | "template"
            | "noscript"
            | "iframe"
            | "object"
            | "embed"
            | "svg"
            | "math"
            | "canvas"
            | "video"
            | "audio"
            | "select"
            | "button"
    )
}

/// Only addresses the widget follows or shows.
fn safe_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:"))
    {
        return None;
    }
    // The characters that would end or break a markdown link destination.
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Markdown's inline punctuation, escaped so text shows as written.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        let at_line_start = out.is_empty() || out.ends_with('\n');
        match c {
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '~' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' if at_line_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if ends_with_line_start_number(out) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
}

/// Whether the current line so far is only digits (so a `.` would start a numbered list).
/// Looks at the last ten bytes at most, so long lines cost no rescans.
fn ends_with_line_start_number(out: &str) -> bool {
    let b = out.as_bytes();
    let digits = b
        .iter()
        .rev()
        .take(10)
        .take_while(|c| c.is_ascii_digit())
        .count();
    digits > 0 && digits <= 9 && (digits == b.len() || b[b.len() - digits - 1] == b'\n')
}

/// The longest run of backticks in `s`.
fn longest_backtick_run(s: &str) -> usize {
    let mut best = 0;
    let mut run = 0;
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

impl Writer {
    fn block_break(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        if self.out.ends_with('\n') {
            self.out.push('\n');
        } else {
            self.out.push_str("\n\n");
        }
    }

    fn line_break(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn can_rewrite(&self) -> bool {
        self.rewriting < MAX_REWRITE_DEPTH
    }

    fn open(&mut self, name: &str, attr: impl Fn(&str) -> Option<String>) {
        if self.skipping > 0 || is_hidden(name) {
            self.skipping += 1;
            return;
        }
        let pending = match name {
            "br" => {
                self.out.push('\n');
                Pending::Plain
            }
            "hr" => {
                self.block_break();
                self.out.push_str("---");
                self.block_break();
                Pending::Plain
            }
            "strong" | "b" => {
                self.out.push_str("**");
                Pending::Plain
            }
            "em" | "i" => {
                self.out.push('*');
                Pending::Plain
            }
            "img" => {
                let alt = attr("alt").unwrap_or_default();
                match attr("src").as_deref().and_then(safe_url) {
                    Some(src) if !src.starts_with("mailto:") => {
                        self.out.push_str("![");
                        escape_into(&mut self.out, alt.trim());
                        self.out.push_str("](");
                        self.out.push_str(&src);
                        self.out.push(')');
                    }
                    _ => escape_into(&mut self.out, alt.trim()),
                }
                Pending::Plain
            }
            "a" if self.can_rewrite() => Pending::Link {
                start: self.out.len(),
                href: attr("href").as_deref().and_then(safe_url),
            },
            "code" if self.in_pre == 0 && self.can_rewrite() => {
                self.in_code += 1;
                Pending::Code {
                    start: self.out.len(),
                }
            }
            "pre" if self.can_rewrite() => {
                self.block_break();
                self.in_pre += 1;
                Pending::Pre {
                    start: self.out.len(),
                }
            }
            "ul" | "ol" => {
                if self.lists.is_empty() {
                    self.block_break();
                } else {
                    self.line_break();
                }
                let start = attr("start")
                    .and_then(|s| s.trim().parse::<usize>().ok())
                    .unwrap_or(1)
                    .min(999_999_999);
                self.lists.push((name == "ol").then_some(start));
                Pending::Plain
            }
            "li" if self.can_rewrite() => {
                self.line_break();
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "- ".to_string(),
                };
                self.out.push_str(&marker);
                Pending::Item {
                    start: self.out.len(),
                    marker_width: marker.len(),
                }
            }
            "blockquote" if self.can_rewrite() => {
                self.block_break();
                Pending::Quote {
                    start: self.out.len(),
                }
            }
            "tr" | "li" => {
                self.line_break();
                Pending::Plain
            }
            "td" | "th" => {
                if !self.out.is_empty() && !self.out.ends_with('\n') {
                    self.out.push_str(" · ");
                }
                Pending::Plain
            }
            name => {
                if let Some(level) = heading_level(name) {
                    self.block_break();
                    self.out.push_str(&"#".repeat(level));
                    self.out.push(' ');
                } else if is_block(name) || name == "blockquote" || name == "pre" {
                    self.block_break();
                }
                Pending::Plain
            }
        };
        if !matches!(pending, Pending::Plain) {
            self.rewriting += 1;
        }
        self.stack.push(pending);
    }

    fn close(&mut self, name: &str) {
        if self.skipping > 0 {
            self.skipping -= 1;
            return;
        }
        let Some(pending) = self.stack.pop() else {
            return;
        };
        if !matches!(pending, Pending::Plain) {
            self.rewriting -= 1;
        }
        match pending {
            Pending::Link { start, href } => {
                let inner = self.out.split_off(start);
                let label = inner.trim();
                match href {
                    Some(href) if !label.is_empty() => {
                        self.out.push('[');
                        self.out.push_str(label);
                        self.out.push_str("](");
                        self.out.push_str(&href);
                        self.out.push(')');
                    }
                    _ => self.out.push_str(&inner),
                }
            }
            Pending::Code { start } => {
                self.in_code -= 1;
                let inner = self.out.split_off(start);
                if inner.trim().is_empty() {
                    self.out.push_str(&inner);
                    return;
                }
                let ticks = "`".repeat(longest_backtick_run(&inner) + 1);
                let pad = if inner.starts_with('`') || inner.ends_with('`') {
                    " "
                } else {
                    ""
                };
                self.out.push_str(&ticks);
                self.out.push_str(pad);
                self.out.push_str(&inner);
                self.out.push_str(pad);
                self.out.push_str(&ticks);
            }
            Pending::Pre { start } => {
                self.in_pre -= 1;
                let inner = self.out.split_off(start);
                let inner = inner.trim_matches('\n');
                let fence = "`".repeat(longest_backtick_run(inner).max(2) + 1);
                self.out.push_str(&fence);
                self.out.push('\n');
                self.out.push_str(inner);
                self.out.push('\n');
                self.out.push_str(&fence);
                self.block_break();
            }
            Pending::Item {
                start,
                marker_width,
            } => {
                let inner = self.out.split_off(start);
                let indent = " ".repeat(marker_width);
                let body = inner.trim_matches(|c: char| c.is_whitespace());
                for (i, line) in body.split('\n').enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                        if !line.is_empty() {
                            self.out.push_str(&indent);
                        }
                    }
                    self.out.push_str(line);
                }
                self.line_break();
            }
            Pending::Quote { start } => {
                let inner = self.out.split_off(start);
                let body = inner.trim();
                for (i, line) in body.split('\n').enumerate() {
                    if i > 0 {
                        self.out.push('\n');
                    }
                    self.out.push('>');
                    if !line.is_empty() {
                        self.out.push(' ');
                        self.out.push_str(line);
                    }
                }
                self.block_break();
            }
            Pending::Plain => match name {
                "strong" | "b" => self.out.push_str("**"),
                "em" | "i" => self.out.push('*'),
                "ul" | "ol" => {
                    self.lists.pop();
                    if self.lists.is_empty() {
                        self.block_break();
                    }
                }
                "tr" | "li" => self.line_break(),
                name if heading_level(name).is_some() || is_block(name) => self.block_break(),
                "blockquote" | "pre" => self.block_break(),
                _ => {}
            },
        }
    }

    fn text(&mut self, text: &str) {
        if self.skipping > 0 {
            return;
        }
        if self.in_pre > 0 {
            self.out.push_str(text);
            return;
        }
        // White space collapses as a browser would show it.
        let mut collapsed = String::with_capacity(text.len());
        let mut space = false;
        for c in text.chars() {
            if c.is_whitespace() {
                space = true;
            } else {
                if space {
                    collapsed.push(' ');
                }
                space = false;
                collapsed.push(c);
            }
        }
        if space {
            collapsed.push(' ');
        }
        let at_start = self.out.is_empty() || self.out.ends_with(['\n', ' ']);
        let collapsed = if at_start {
            collapsed.trim_start()
        } else {
            &collapsed
        };
        if self.in_code > 0 {
            self.out.push_str(collapsed);
        } else {
            escape_into(&mut self.out, collapsed);
        }
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.out.len());
        let mut blank = 0;
        for line in self.out.split('\n') {
            let line = line.trim_end();
            if line.is_empty() {
                blank += 1;
                continue;
            }
            if !out.is_empty() {
                out.push_str(if blank > 0 { "\n\n" } else { "\n" });
            }
            blank = 0;
            out.push_str(line);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_told_from_plain_text() {
        assert!(looks_like_html("<p>Hello</p>"));
        assert!(looks_like_html("Hi<br>there"));
        assert!(looks_like_html("x <STRONG>y</STRONG>"));
        assert!(!looks_like_html("if a < b and c > d"));
        assert!(!looks_like_html("Plain **markdown** answer"));
    }

    #[test]
    fn the_widget_markdown_subset_comes_out() {
        let md = to_markdown(
            "<h2>Hours</h2><p>We are <strong>open</strong> 9&ndash;5,<br>Mon to <em>Fri</em>.</p>\
             <ul><li>Call <a href=\"https://example.com/a b\">us</a></li><li>Or <code>mail</code></li></ul>\
             <ol start=\"3\"><li>three</li><li>four</li></ol>\
             <blockquote><p>quoted</p></blockquote><pre>let x = 1;\n  y</pre>",
        );
        assert_eq!(
            md,
            "## Hours\n\nWe are **open** 9–5,\nMon to *Fri*.\n\n\
             - Call [us](https://example.com/a%20b)\n- Or `mail`\n\n\
             3. three\n4. four\n\n> quoted\n\n```\nlet x = 1;\n  y\n```"
        );
    }

    #[test]
    fn scripts_styles_and_unsafe_links_are_not_kept() {
        let md = to_markdown(
            "<style>p{color:red}</style><script>alert(1)</script>\
             <p>Click <a href=\"javascript:alert(1)\">here</a> \
             <img src=\"data:x\" alt=\"pic\"> <img src=\"https://e.com/i.png\" alt=\"logo\"></p>",
        );
        assert_eq!(md, "Click here pic ![logo](https://e.com/i.png)");
    }

    #[test]
    fn text_that_looks_like_markdown_is_escaped() {
        assert_eq!(
            to_markdown("<p>*not bold* and [x](y) and <b>1.</b></p><p>- not a list</p>"),
            "\\*not bold\\* and \\[x\\](y) and **1.**\n\n\\- not a list"
        );
        assert_eq!(to_markdown("<p>1. item</p>"), "1\\. item");
        assert_eq!(to_markdown("<code>a`b</code>"), "``a`b``");
    }

    #[test]
    fn nested_lists_indent_under_their_item() {
        let md = to_markdown("<ul><li>a<ul><li>b</li><li>c</li></ul></li><li>d</li></ul>");
        assert_eq!(md, "- a\n  - b\n  - c\n- d");
    }

    #[test]
    fn hostile_nesting_is_parsed_only_to_the_tag_budget() {
        let depth = 20_000;
        let html = format!(
            "{}deep{}",
            "<blockquote>".repeat(depth),
            "</blockquote>".repeat(depth)
        );
        let md = to_markdown(&html);
        assert!(md.ends_with(CUT_NOTE), "{md:?}");
        assert!(md.len() < 200, "{}", md.len());
        let shallow = format!(
            "{}deep{}",
            "<blockquote>".repeat(20),
            "</blockquote>".repeat(20)
        );
        assert!(to_markdown(&shallow).contains("deep"));
        let lists = format!("{}x", "<ul><li>".repeat(MAX_TAGS / 2 - 1));
        assert!(to_markdown(&lists).ends_with('x'));
    }

    #[test]
    fn long_lines_of_dots_and_digits_stay_linear() {
        let line = "1.".repeat(100_000);
        let md = to_markdown(&format!("<p>{line}</p>"));
        assert!(md.starts_with("1\\.1.1."), "{}", &md[..20]);
    }
}
