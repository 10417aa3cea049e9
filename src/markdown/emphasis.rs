//! The delimiter stack for emphasis (`*`, `_`) and strikethrough (`~`), after CommonMark's
//! appendix "An algorithm for parsing nested emphasis and links".
//!
//! Runs are pushed as the text is read; a closing run looks back down the stack for its opener.
//! The look-back is what could make a hostile reply quadratic (thousands of runs that never
//! match), so it is bounded the way the appendix says: once a closer of some kind found no
//! opener, the next closer of that kind stops where that one stopped (`openers_bottom`), and
//! delimiters that were passed over by a match are dropped from the stack. Every delimiter is
//! then visited a bounded number of times.

use super::cost::tick;

/// What a matched pair of delimiters makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Em,
    Strong,
    /// `~` or `~~`: the number of tildes on each side.
    Strike(usize),
}

impl Tag {
    /// How many delimiter characters this tag took from each side.
    pub fn width(self) -> usize {
        match self {
            Tag::Em => 1,
            Tag::Strong => 2,
            Tag::Strike(n) => n,
        }
    }
}

/// One run of `*`, `_` or `~` and what became of it.
#[derive(Debug)]
struct Delim {
    ch: u8,
    /// Length of the run as written (the "rule of 3" looks at it).
    orig: usize,
    /// Characters not used by a match yet.
    count: usize,
    can_open: bool,
    can_close: bool,
    /// Neighbours on the stack, while the run is on it.
    prev: Option<usize>,
    next: Option<usize>,
    /// Tags this run closes, innermost first.
    closes: Vec<Tag>,
    /// Tags this run opens, innermost first (they are written outermost first).
    opens: Vec<Tag>,
}

/// The runs of one inline text, in text order, and the stack of those that may still match.
#[derive(Debug, Default)]
pub struct Delims {
    runs: Vec<Delim>,
    /// The top of the stack: the last run still on it.
    top: Option<usize>,
}

/// A run as it is written once matching is done: the tags it closes, the characters left over
/// as text, the tags it opens.
pub struct Written<'a> {
    pub ch: u8,
    pub closes: &'a [Tag],
    pub literal: usize,
    pub opens: &'a [Tag],
}

impl Delims {
    /// Adds a run; it goes on the stack when it can open or close. Returns its index.
    pub fn push(&mut self, ch: u8, len: usize, can_open: bool, can_close: bool) -> usize {
        let index = self.runs.len();
        let on_stack = can_open || can_close;
        self.runs.push(Delim {
            ch,
            orig: len,
            count: len,
            can_open,
            can_close,
            prev: if on_stack { self.top } else { None },
            next: None,
            closes: Vec::new(),
            opens: Vec::new(),
        });
        if on_stack {
            if let Some(top) = self.top {
                self.runs[top].next = Some(index);
            }
            self.top = Some(index);
        }
        index
    }

    /// The top of the stack now: a bracket remembers it so that a link's text is matched
    /// only within the link.
    pub fn top(&self) -> Option<usize> {
        self.top
    }

    /// How run `index` is written.
    pub fn written(&self, index: usize) -> Written<'_> {
        let run = &self.runs[index];
        Written {
            ch: run.ch,
            closes: &run.closes,
            literal: run.count,
            opens: &run.opens,
        }
    }

    /// Matches the runs above `bottom` (all runs when `None`) with each other, then takes them
    /// off the stack: what did not match stays text.
    pub fn process(&mut self, bottom: Option<usize>) {
        // Per kind of closer (character, whether it can also open, length mod 3): where the
        // last look-back for an opener of that kind gave up. Nothing at or below it can match
        // such a closer, so it is not searched again.
        let mut openers_bottom = [[[bottom; 3]; 2]; 3];
        let mut current = match bottom {
            Some(b) => self.runs[b].next,
            None => self.first(),
        };
        while let Some(c) = current {
            tick(1);
            let closer = &self.runs[c];
            if !closer.can_close {
                current = closer.next;
                continue;
            }
            // Tildes share one kind, as in pulldown-cmark: a `~` that found no opener hides
            // the `~~` below it too.
            let kind = match closer.ch {
                b'~' => &mut openers_bottom[2][0][0],
                ch => {
                    &mut openers_bottom[char_slot(ch)][usize::from(closer.can_open)]
                        [closer.orig % 3]
                }
            };
            let stop = *kind;
            let mut at = closer.prev;
            let opener = loop {
                match at {
                    Some(o) if above(o, stop) => {
                        tick(1);
                        if self.pairs(o, c) {
                            break Some(o);
                        }
                        at = self.runs[o].prev;
                    }
                    _ => break None,
                }
            };
            match opener {
                Some(o) => {
                    self.pair(o, c);
                    if self.runs[c].count == 0 {
                        let next = self.runs[c].next;
                        self.remove(c);
                        current = next;
                    }
                }
                None => {
                    *kind = self.runs[c].prev;
                    let next = self.runs[c].next;
                    if !self.runs[c].can_open {
                        self.remove(c);
                    }
                    current = next;
                }
            }
        }
        while let Some(top) = self.top.filter(|&t| above(t, bottom)) {
            tick(1);
            self.remove(top);
        }
    }

    /// The lowest run on the stack.
    fn first(&self) -> Option<usize> {
        let mut at = self.top?;
        while let Some(prev) = self.runs[at].prev {
            tick(1);
            at = prev;
        }
        Some(at)
    }

    /// Whether opener `o` and closer `c` make a pair.
    fn pairs(&self, o: usize, c: usize) -> bool {
        let (opener, closer) = (&self.runs[o], &self.runs[c]);
        if opener.ch != closer.ch || !opener.can_open {
            return false;
        }
        if opener.ch == b'~' {
            return opener.count == closer.count;
        }
        // CommonMark's "rule of 3": `*a**b*` is not `*a*` + `*b*`.
        let either_both = opener.can_close || closer.can_open;
        let sum_of_3 = (opener.orig + closer.orig) % 3 == 0;
        let both_of_3 = opener.orig % 3 == 0 && closer.orig % 3 == 0;
        !(either_both && sum_of_3 && !both_of_3)
    }

    /// Records the pair: takes the characters it uses from both runs and drops the runs
    /// between them, which can no longer match anything across this pair.
    fn pair(&mut self, o: usize, c: usize) {
        let (opener, closer) = (&self.runs[o], &self.runs[c]);
        let tag = if opener.ch == b'~' {
            Tag::Strike(opener.count)
        } else if opener.count >= 2 && closer.count >= 2 {
            Tag::Strong
        } else {
            Tag::Em
        };
        self.runs[o].count -= tag.width();
        self.runs[c].count -= tag.width();
        self.runs[o].opens.push(tag);
        self.runs[c].closes.push(tag);
        let mut between = self.runs[o].next;
        while let Some(b) = between.filter(|&b| b != c) {
            tick(1);
            between = self.runs[b].next;
            self.remove(b);
        }
        if self.runs[o].count == 0 {
            self.remove(o);
        }
    }

    /// Takes run `i` off the stack.
    fn remove(&mut self, i: usize) {
        let (prev, next) = (self.runs[i].prev, self.runs[i].next);
        if let Some(p) = prev {
            self.runs[p].next = next;
        }
        if let Some(n) = next {
            self.runs[n].prev = prev;
        }
        if self.top == Some(i) {
            self.top = prev;
        }
        self.runs[i].prev = None;
        self.runs[i].next = None;
    }
}

/// Runs are numbered in text order, so "above" on the stack is "after" in the text.
fn above(i: usize, bottom: Option<usize>) -> bool {
    bottom.is_none_or(|b| i > b)
}

fn char_slot(ch: u8) -> usize {
    match ch {
        b'*' => 0,
        b'_' => 1,
        _ => 2,
    }
}
