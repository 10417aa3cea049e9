//! Finds the JSON objects of a newline-delimited or back-to-back JSON stream where the widget
//! finds them: the same scan as its `JsonScanner` (`src/stream.rs`), kept in step with it, so
//! that every object the widget reads a delta from is one the relay has read too. Braces
//! inside strings do not count; a raw line break inside a string ends a broken object; once
//! the stream shows one object per line, a line break inside an object ends it too; text
//! between objects (`[DONE]`) runs to the end of its line.

/// A run of the stream's bytes, in order: together they are every byte, once.
#[derive(Debug, PartialEq)]
pub enum Piece<'a> {
    /// Bytes with no frame in them (blanks, broken objects).
    Pass(&'a [u8]),
    /// One complete object, `{` to `}`.
    Object(&'a [u8]),
    /// Text between objects, to the end of its line (without the line break).
    Stray(&'a [u8]),
}

/// The scan's state, kept across chunks.
#[derive(Debug, Default)]
pub struct Objects {
    /// Where scanning resumes, relative to the buffer's start.
    pos: usize,
    /// Where the open object began, if one is open.
    start: Option<usize>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The open object has a raw line break outside its strings.
    multiline: bool,
    /// The last object closed on the line it opened on, and only blanks followed it so far.
    after_one_line: bool,
    /// The stream is newline-delimited JSON.
    line_delimited: bool,
    /// How much of the text between objects that starts at `pos` has been searched for its
    /// line's end, so that a long line coming in many pieces is searched once.
    stray_searched: usize,
}

impl Objects {
    /// Scans `buf` from where the last call left off, handing `each` every piece in order, and
    /// returns how many bytes of `buf` it handed over: the caller drops those and keeps the
    /// rest (an open object, a line not yet ended) for the next call. `at_end`: no more
    /// bytes will come; everything is handed over.
    pub fn scan(&mut self, buf: &[u8], at_end: bool, each: &mut dyn FnMut(Piece)) -> usize {
        // Bytes before `sent` are handed over.
        let mut sent = 0;
        let mut i = self.pos;
        loop {
            while i < buf.len() {
                let b = buf[i];
                let Some(start) = self.start else {
                    if b == b'{' {
                        self.start = Some(i);
                        self.depth = 1;
                        self.after_one_line = false;
                    } else if b.is_ascii_whitespace() {
                        if b == b'\n' && self.after_one_line {
                            self.line_delimited = true;
                        }
                    } else {
                        self.after_one_line = false;
                        let from = i + std::mem::take(&mut self.stray_searched);
                        let end = match buf[from..].iter().position(|&c| c == b'\n') {
                            Some(n) => from + n,
                            None if at_end => buf.len(),
                            None => {
                                self.stray_searched = buf.len() - i;
                                break;
                            }
                        };
                        each(Piece::Pass(&buf[sent..i]));
                        each(Piece::Stray(&buf[i..end]));
                        sent = end;
                        i = end;
                    }
                    i += 1;
                    continue;
                };
                if b == b'\n' && (self.in_string || self.line_delimited) {
                    // A broken object: its bytes go on as they are.
                    self.reset();
                } else if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    }
                } else if b == b'"' {
                    self.in_string = true;
                } else if b == b'{' || b == b'[' {
                    self.depth += 1;
                } else if b == b'}' || b == b']' {
                    self.depth -= 1;
                    if self.depth == 0 {
                        each(Piece::Pass(&buf[sent..start]));
                        each(Piece::Object(&buf[start..=i]));
                        sent = i + 1;
                        self.after_one_line = !self.multiline;
                        self.reset();
                    }
                } else if b == b'\n' {
                    self.multiline = true;
                }
                i += 1;
            }
            if !at_end {
                let keep_from = self.start.unwrap_or(i);
                each(Piece::Pass(&buf[sent..keep_from]));
                if let Some(s) = self.start.as_mut() {
                    *s -= keep_from;
                }
                self.pos = i - keep_from;
                return keep_from;
            }
            if let Some(start) = self.start {
                let first_break = buf[start..].iter().position(|&c| c == b'\n');
                if let (Some(n), true) = (first_break, self.multiline) {
                    // An object left open over several lines at the end is most likely one cut
                    // short in a newline-delimited stream: its first line is broken, the lines
                    // after it are read again as frames of their own.
                    self.reset();
                    self.line_delimited = true;
                    i = start + n + 1;
                    continue;
                }
            }
            self.reset();
            self.pos = 0;
            each(Piece::Pass(&buf[sent..]));
            return buf.len();
        }
    }

    fn reset(&mut self) {
        self.start = None;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.multiline = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces of `chunks` scanned one after another, adjacent passes joined.
    fn pieces(chunks: &[&str]) -> Vec<(char, String)> {
        let mut scan = Objects::default();
        let mut buf = Vec::new();
        let mut out: Vec<(char, String)> = Vec::new();
        let mut each = |p: Piece| {
            let (kind, bytes) = match p {
                Piece::Pass(b) => ('p', b),
                Piece::Object(b) => ('o', b),
                Piece::Stray(b) => ('s', b),
            };
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            match out.last_mut() {
                Some(('p', last)) if kind == 'p' => last.push_str(&text),
                _ if kind == 'p' && text.is_empty() => {}
                _ => out.push((kind, text)),
            }
        };
        for (n, chunk) in chunks.iter().enumerate() {
            buf.extend_from_slice(chunk.as_bytes());
            let used = scan.scan(&buf, n + 1 == chunks.len(), &mut each);
            buf.drain(..used);
        }
        out
    }

    fn o(s: &str) -> (char, String) {
        ('o', s.into())
    }
    fn p(s: &str) -> (char, String) {
        ('p', s.into())
    }

    #[test]
    fn objects_lines_and_stray_text_in_order_however_cut() {
        let text = "{\"a\":\"}{\\\"\"}\n{\"b\":[1,{}]}[DONE]\n {\"c\":1}";
        let whole = pieces(&[text]);
        assert_eq!(
            whole,
            [
                o("{\"a\":\"}{\\\"\"}"),
                p("\n"),
                o("{\"b\":[1,{}]}"),
                ('s', "[DONE]".into()),
                p("\n "),
                o("{\"c\":1}"),
            ]
        );
        for at in 0..=text.len() {
            assert_eq!(pieces(&[&text[..at], &text[at..]]), whole, "cut at {at}");
        }
    }

    #[test]
    fn a_long_line_between_objects_in_pieces_is_searched_once() {
        let mut scan = Objects::default();
        let mut buf = b"{}\n[".to_vec();
        let mut passed = 0;
        let used = scan.scan(&buf, false, &mut |p| {
            passed += matches!(p, Piece::Object(_)) as usize
        });
        buf.drain(..used);
        for _ in 0..100 {
            buf.extend_from_slice(&[b'x'; 100]);
            assert_eq!(scan.scan(&buf, false, &mut |_| {}), 0);
            // The next piece's search starts where this one's ended.
            assert_eq!(scan.stray_searched, buf.len());
        }
        buf.extend_from_slice(b"\n");
        let mut stray = 0;
        scan.scan(&buf, false, &mut |p| {
            if let Piece::Stray(s) = p {
                stray = s.len();
            }
        });
        assert_eq!((passed, stray, scan.stray_searched), (1, 10_001, 0));
    }

    #[test]
    fn broken_objects_go_on_as_bytes() {
        // A line break in a string; then, the stream being line-delimited, one in an object.
        let text = "{\"a\":\"x\n{\"b\":1}\n{\"c\":\n{\"d\":2}\n";
        assert_eq!(
            pieces(&[text]),
            [
                p("{\"a\":\"x\n"),
                o("{\"b\":1}"),
                p("\n{\"c\":\n"),
                o("{\"d\":2}"),
                p("\n")
            ]
        );
        // Pretty-printed objects are whole; one left open at the end is read again by lines.
        assert_eq!(pieces(&["{\n\"a\": 1\n}"]), [o("{\n\"a\": 1\n}")]);
        assert_eq!(
            pieces(&["{\"a\":\n{\"b\":1}\n"]),
            [p("{\"a\":\n"), o("{\"b\":1}"), p("\n")]
        );
    }
}
