//! Inline markup inside a block: emphasis, strikethrough, code spans, links, images, autolinks
//! (`<…>` and bare URLs), breaks.
//!
//! A reply is untrusted, so parsing costs linear time whatever the text holds. The text is read
//! once, left to right, after CommonMark's appendix "An algorithm for parsing nested emphasis and
//! links": `[` and runs of `*`, `_`, `~` are remembered on stacks as they are met, and matched
//! when a `]` or a closing run comes; an opener is never searched for its closer. The few forward
//! scans left are bounded (see [`super::scan`]). The flat result is then nested into a tree at
//! most [`MAX_DEPTH`] deep without recursion; deeper markup shows as the text it was written as.

use super::cost::tick;
use super::emphasis::{Delims, Tag};
use super::scan::{autolink, bare_autolink, link_tail, run_len, Backticks};

/// Deepest nesting of emphasis, links and images: a reply can nest them thousands deep, and
/// each level is a DOM element and a frame of every recursive walk over the tree.
pub const MAX_DEPTH: usize = 16;

/// Most elements (emphasis, links, images, code spans) one text makes: a paragraph of `*_*_*_…`
/// is thousands of elements, each built, styled and laid out. Past the cap the rest shows as
/// the text it was written as (a code span as its words), as past [`MAX_DEPTH`].
pub const MAX_ELEMENTS: usize = 2_000;

/// One inline piece. Link and image targets are kept as written; `tree` decides whether they
/// are safe to make live.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Code(String),
    Em(Vec<Inline>),
    Strong(Vec<Inline>),
    Strike(Vec<Inline>),
    Link {
        href: String,
        children: Vec<Inline>,
    },
    Image {
        src: String,
        alt: Vec<Inline>,
    },
    /// A hard line break (two trailing spaces or a backslash before the newline).
    Break,
    /// A plain newline inside a paragraph.
    SoftBreak,
}

/// The flat reading of a text, before nesting.
#[derive(Debug)]
enum Token {
    Text(String),
    Code(String),
    Break,
    SoftBreak,
    /// A run of `*`, `_` or `~`, by its index in [`Delims`].
    Run(usize),
    /// `[` or `![`; `target` is set when a link or image was made from it.
    Bracket {
        image: bool,
        target: Option<String>,
    },
    /// The end of a link or image: `](target)` as written.
    LinkEnd(String),
    /// `<https://…>` (`bare`: a URL written as it is): its target.
    Autolink {
        href: String,
        bare: bool,
    },
}

/// A `[` or `![` waiting for its `]`.
struct Bracket {
    token: usize,
    image: bool,
    /// The delimiter stack's top when the bracket was met: a link's emphasis is matched within
    /// the link.
    delims_below: Option<usize>,
}

pub fn parse_inline(s: &str) -> Vec<Inline> {
    nest(tokens(s))
}

/// The parser's state while reading one text.
#[derive(Default)]
struct Reader {
    tokens: Vec<Token>,
    text: String,
    delims: Delims,
    brackets: Vec<Bracket>,
    /// Brackets below this index cannot make links any more (a link cannot contain a link),
    /// except image brackets. One number instead of a flag on each bracket, so that making a
    /// link costs the same however many brackets are open.
    links_from: usize,
    backticks: Backticks,
}

impl Reader {
    fn flush(&mut self) {
        if !self.text.is_empty() {
            self.tokens
                .push(Token::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, token: Token) {
        self.flush();
        self.tokens.push(token);
    }
}

fn tokens(s: &str) -> (Vec<Token>, Delims) {
    let b = s.as_bytes();
    let mut r = Reader::default();
    let mut i = 0;
    while i < b.len() {
        tick(1);
        let c = b[i];
        match c {
            b'\\' if b.get(i + 1).is_some_and(u8::is_ascii_punctuation) => {
                r.text.push(b[i + 1] as char);
                i += 2;
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                r.push(Token::Break);
                i = skip_indent(b, i + 2);
            }
            b'`' => {
                let run = run_len(b, i, b'`');
                match r.backticks.closer(b, i + run, run) {
                    Some(close) => {
                        r.push(Token::Code(code_content(&s[i + run..close])));
                        i = close + run;
                    }
                    None => {
                        r.text.push_str(&s[i..i + run]);
                        i += run;
                    }
                }
            }
            b'!' if b.get(i + 1) == Some(&b'[') => {
                open_bracket(&mut r, true);
                i += 2;
            }
            b'[' => {
                open_bracket(&mut r, false);
                i += 1;
            }
            b']' => i = close_bracket(&mut r, s, i),
            b'<' => match autolink(s, i) {
                Some((href, end)) => {
                    r.push(Token::Autolink { href, bare: false });
                    i = end;
                }
                None => {
                    r.text.push('<');
                    i += 1;
                }
            },
            b':' => match bare_autolink(s, i) {
                // The scheme was read as text just before: it is the link's now.
                Some((scheme, href, end)) if r.text.len() >= scheme => {
                    r.text.truncate(r.text.len() - scheme);
                    r.push(Token::Autolink { href, bare: true });
                    i = end;
                }
                _ => {
                    r.text.push(':');
                    i += 1;
                }
            },
            b'*' | b'_' | b'~' => {
                let run = run_len(b, i, c);
                let (can_open, can_close) = flanking(s, i, run, c);
                // `~` strikes through as `~x~` or `~~x~~`; a longer run is text.
                let usable = c != b'~' || run <= 2;
                let index = r
                    .delims
                    .push(c, run, usable && can_open, usable && can_close);
                r.push(Token::Run(index));
                i += run;
            }
            b'\n' => {
                let hard = r.text.ends_with("  ");
                let trimmed = r.text.trim_end_matches(' ').len();
                r.text.truncate(trimmed);
                r.push(if hard { Token::Break } else { Token::SoftBreak });
                i = skip_indent(b, i + 1);
            }
            _ => {
                // Plain text up to the next byte that may start markup, copied at once.
                let end = b[i + 1..]
                    .iter()
                    .position(|&x| is_special(x))
                    .map_or(b.len(), |p| i + 1 + p);
                tick(end - i);
                r.text.push_str(&s[i..end]);
                i = end;
            }
        }
    }
    r.flush();
    r.delims.process(None);
    (r.tokens, r.delims)
}

/// Bytes that may start markup; everything else is copied as text in runs.
fn is_special(b: u8) -> bool {
    matches!(
        b,
        b'\\' | b'`' | b'!' | b'[' | b']' | b'<' | b'*' | b'_' | b'~' | b'\n' | b':'
    )
}

/// Spaces at the start of a paragraph's continuation line are not shown.
fn skip_indent(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        tick(1);
        i += 1;
    }
    i
}

fn open_bracket(r: &mut Reader, image: bool) {
    let delims_below = r.delims.top();
    r.push(Token::Bracket {
        image,
        target: None,
    });
    r.brackets.push(Bracket {
        token: r.tokens.len() - 1,
        image,
        delims_below,
    });
}

/// A `]` at `i`: closes the innermost open bracket as a link or image when a `(target)` follows,
/// else it is text. Returns where reading goes on.
fn close_bracket(r: &mut Reader, s: &str, i: usize) -> usize {
    let Some(bracket) = r.brackets.pop() else {
        r.text.push(']');
        return i + 1;
    };
    let can_link = bracket.image || r.brackets.len() >= r.links_from;
    // A bracket opened later in this place is a new one, free to make a link.
    r.links_from = r.links_from.min(r.brackets.len());
    let tail = if can_link && s.as_bytes().get(i + 1) == Some(&b'(') {
        link_tail(s, i + 1)
    } else {
        None
    };
    let Some((target, end)) = tail else {
        r.text.push(']');
        return i + 1;
    };
    r.delims.process(bracket.delims_below);
    r.flush();
    if let Token::Bracket { target: t, .. } = &mut r.tokens[bracket.token] {
        *t = Some(target);
    }
    r.push(Token::LinkEnd(s[i..end].to_owned()));
    if !bracket.image {
        r.links_from = r.brackets.len();
    }
    end
}

/// Whether the run of `run` `c`s at `i` can open and close emphasis (CommonMark's flanking
/// rules; `_` does not open or close inside a word).
fn flanking(s: &str, i: usize, run: usize, c: u8) -> (bool, bool) {
    let before = s[..i].chars().next_back();
    let after = s[i + run..].chars().next();
    let left = !is_space(after) && (!is_punct(after) || is_space(before) || is_punct(before));
    let right = !is_space(before) && (!is_punct(before) || is_space(after) || is_punct(after));
    match c {
        b'_' => (
            left && (!right || is_punct(before)),
            right && (!left || is_punct(after)),
        ),
        // GFM strikethrough as pulldown-cmark reads it: `~~` may sit inside a word, `~` not.
        b'~' if run == 2 => (
            !is_space(after),
            !is_space(before) && (!is_punct(before) || is_space(after) || is_punct(after)),
        ),
        b'~' => {
            // Right after an escaped `~`, a `~` closes even before a letter.
            let after_tilde = before == Some('~');
            (
                !is_space(after) && (is_space(before) || is_punct(before)),
                !is_space(before) && (after_tilde || is_space(after) || is_punct(after)),
            )
        }
        _ => (left, right),
    }
}

fn is_space(c: Option<char>) -> bool {
    c.is_none_or(char::is_whitespace)
}

fn is_punct(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_punctuation() || (!c.is_alphanumeric() && !c.is_whitespace()))
}

fn code_content(raw: &str) -> String {
    tick(raw.len());
    let text = raw.replace('\n', " ");
    let stripped = text
        .strip_prefix(' ')
        .and_then(|t| t.strip_suffix(' '))
        .filter(|t| !t.trim().is_empty());
    stripped.map(str::to_owned).unwrap_or(text)
}

/// What an element being built is.
enum Open {
    Tag(Tag),
    Link(String),
    Image(String),
}

/// Nests the flat tokens into a tree, with an explicit stack rather than recursion.
fn nest((tokens, delims): (Vec<Token>, Delims)) -> Vec<Inline> {
    let mut tree = Tree::default();
    for token in tokens {
        tick(1);
        match token {
            Token::Text(t) => tree.text(&t),
            Token::Code(c) if tree.may_add() => tree.element(Inline::Code(c)),
            Token::Code(c) => tree.text(&c),
            Token::Break => tree.out().push(Inline::Break),
            Token::SoftBreak => tree.out().push(Inline::SoftBreak),
            // A bare URL inside a link's text stays text: a link holds no link.
            Token::Autolink { href, bare: true } if tree.in_link() => tree.text(&href),
            Token::Autolink { href, .. } if tree.stack.len() < MAX_DEPTH && tree.may_add() => {
                tree.element(Inline::Link {
                    children: vec![Inline::Text(href.clone())],
                    href,
                });
            }
            Token::Autolink { href, bare: true } => tree.text(&href),
            Token::Autolink { href, .. } => tree.text(&format!("<{href}>")),
            Token::Run(index) => {
                let run = delims.written(index);
                let ch = char::from(run.ch);
                for tag in run.closes {
                    tree.close(Raw::Run(ch, tag.width()));
                }
                tree.run(ch, run.literal);
                for tag in run.opens.iter().rev() {
                    tree.open(Open::Tag(*tag), Raw::Run(ch, tag.width()));
                }
            }
            Token::Bracket { image, target } => {
                let raw = if image { "![" } else { "[" };
                match target {
                    None => tree.text(raw),
                    Some(t) if image => tree.open(Open::Image(t), Raw::Text(raw)),
                    Some(t) => tree.open(Open::Link(t), Raw::Text(raw)),
                }
            }
            Token::LinkEnd(raw) => tree.close(Raw::Text(&raw)),
        }
    }
    tree.finish()
}

/// How an element's start or end was written, shown as text past [`MAX_DEPTH`].
enum Raw<'a> {
    Text(&'a str),
    /// `n` times a delimiter character.
    Run(char, usize),
}

/// The tree being built: the elements still open, innermost last.
#[derive(Default)]
struct Tree {
    root: Vec<Inline>,
    stack: Vec<(Open, Vec<Inline>)>,
    /// Elements opened past [`MAX_DEPTH`] (or past [`MAX_ELEMENTS`]) and not yet ended: they
    /// show as the text they were written as, and so do their ends.
    too_deep: usize,
    /// Elements made so far.
    elements: usize,
}

impl Tree {
    /// Where the next piece goes.
    fn out(&mut self) -> &mut Vec<Inline> {
        match self.stack.last_mut() {
            Some((_, children)) => children,
            None => &mut self.root,
        }
    }

    /// Whether a link or an image is open (the stack is at most [`MAX_DEPTH`] deep).
    fn in_link(&self) -> bool {
        self.stack
            .iter()
            .any(|(open, _)| matches!(open, Open::Link(_) | Open::Image(_)))
    }

    /// Appends text, joining it to a text just before it.
    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        tick(text.len());
        match self.out().last_mut() {
            Some(Inline::Text(last)) => last.push_str(text),
            _ => self.out().push(Inline::Text(text.to_owned())),
        }
    }

    /// Appends `n` times `ch` (delimiters that matched nothing), without a string in between:
    /// a reply can hold a hundred thousand of them.
    fn run(&mut self, ch: char, n: usize) {
        if n == 0 {
            return;
        }
        tick(n);
        if !matches!(self.out().last(), Some(Inline::Text(_))) {
            self.out().push(Inline::Text(String::new()));
        }
        if let Some(Inline::Text(last)) = self.out().last_mut() {
            last.extend(std::iter::repeat_n(ch, n));
        }
    }

    fn raw(&mut self, raw: Raw) {
        match raw {
            Raw::Text(text) => self.text(text),
            Raw::Run(ch, n) => self.run(ch, n),
        }
    }

    /// Whether another element may be made ([`MAX_ELEMENTS`]).
    fn may_add(&self) -> bool {
        self.elements < MAX_ELEMENTS
    }

    /// Appends an element that has no markup inside.
    fn element(&mut self, element: Inline) {
        self.elements += 1;
        self.out().push(element);
    }

    fn open(&mut self, what: Open, raw: Raw) {
        if self.too_deep > 0 || self.stack.len() >= MAX_DEPTH || !self.may_add() {
            self.too_deep += 1;
            self.raw(raw);
        } else {
            self.elements += 1;
            self.stack.push((what, Vec::new()));
        }
    }

    /// Ends the innermost element.
    fn close(&mut self, raw: Raw) {
        if self.too_deep > 0 {
            self.too_deep -= 1;
            self.raw(raw);
            return;
        }
        let Some((what, children)) = self.stack.pop() else {
            self.raw(raw);
            return;
        };
        let node = match what {
            Open::Tag(Tag::Em) => Inline::Em(children),
            Open::Tag(Tag::Strong) => Inline::Strong(children),
            Open::Tag(Tag::Strike(_)) => Inline::Strike(children),
            Open::Link(href) => Inline::Link { href, children },
            Open::Image(src) => Inline::Image { src, alt: children },
        };
        self.out().push(node);
    }

    /// The tree. Every element is ended by construction; one left open would keep its
    /// children, unwrapped.
    fn finish(mut self) -> Vec<Inline> {
        while let Some((_, children)) = self.stack.pop() {
            self.out().extend(children);
        }
        self.root
    }
}
