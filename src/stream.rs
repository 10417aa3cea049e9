//! Bytes of a streamed reply → reply events.
//!
//! The backend streams a reply as Server-Sent Events, but newline-delimited JSON and back-to-back
//! JSON objects are seen too. Network chunks split anywhere, including inside a multi-byte UTF-8
//! character, so the decoder buffers bytes and only decodes complete lines or objects. Pure Rust:
//! no browser types, covered by native tests.
//!
//! The proxy reads reply streams the same way to scrub the key from the text the deltas make
//! (`server/src/proxy/reframe/`): a change to where frames begin and end, or to which fields a
//! `Frame` reads, belongs there too.
//!
//! Usage:
//! ```
//! use chat_bubble::stream::{StreamDecoder, StreamEvent};
//! let mut decoder = StreamDecoder::default();
//! let mut events = decoder.push(b"data: {\"content\":\"Hi\",\"done\":false}\n\n");
//! events.extend(decoder.finish());
//! assert_eq!(events, vec![StreamEvent::delta("Hi")]);
//! ```

use serde::Deserialize;

use crate::models::lenient;
use crate::models::{sources, Citation, CitationNode, Source};

/// What one frame of the stream means for the reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// A piece of the reply. `content` is a delta; `done` marks the last frame.
    Chunk {
        conversation_id: Option<String>,
        content: String,
        done: bool,
    },
    /// The documents the reply drew on, when a frame carries `citations` / `citationNodes`
    /// (follows that frame's `Chunk`).
    Sources(Vec<Source>),
    /// A frame that could not be understood; the text already received stays valid.
    Malformed(String),
    /// The server gave up on the reply and says why (`"error": "timeout"`: the assistant's
    /// backend did not answer within the server's bound). What arrived before stays.
    Failed(String),
}

impl StreamEvent {
    /// A non-final delta without a conversation id (handy in tests).
    pub fn delta(content: &str) -> Self {
        StreamEvent::Chunk {
            conversation_id: None,
            content: content.to_owned(),
            done: false,
        }
    }
}

/// How the stream frames its JSON, decided by its first non-blank byte.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Unknown,
    /// `data:` lines separated by blank lines.
    Sse,
    /// JSON objects, one per line or back to back.
    Json,
}

/// Turns arbitrary byte chunks into [`StreamEvent`]s.
#[derive(Debug)]
pub struct StreamDecoder {
    /// Nothing has been decoded yet: a leading byte-order mark may still be (partly) in `buf`.
    at_start: bool,
    framing: Framing,
    buf: Vec<u8>,
    /// How much of `buf` has been searched, so that bytes arriving in many pieces are searched
    /// once: while the framing is unknown, the blanks searched for a byte that is not blank;
    /// then (SSE) the unfinished line searched for its end.
    searched: usize,
    /// SSE: the `data:` lines of the event being read, as bytes: checked as UTF-8 once, when
    /// the frame is read.
    data: Vec<u8>,
    has_data: bool,
    /// JSON: scanner state, kept across chunks.
    json: JsonScanner,
}

impl Default for StreamDecoder {
    fn default() -> Self {
        StreamDecoder {
            at_start: true,
            framing: Framing::Unknown,
            buf: Vec::new(),
            searched: 0,
            data: Vec::new(),
            has_data: false,
            json: JsonScanner::default(),
        }
    }
}

impl StreamDecoder {
    /// Feeds one network chunk; returns the events it completes.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<StreamEvent> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        self.drain(false, &mut out);
        out
    }

    /// The stream ended: flushes whatever a missing final newline left behind.
    pub fn finish(&mut self) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        self.drain(true, &mut out);
        if self.framing == Framing::Sse {
            self.dispatch_sse(&mut out);
        }
        out
    }

    fn drain(&mut self, at_end: bool, out: &mut Vec<StreamEvent>) {
        if self.at_start {
            // A UTF-8 byte-order mark may open the stream, and may itself arrive split.
            if !at_end && self.buf.len() < BOM.len() && BOM.starts_with(&self.buf) {
                return;
            }
            if self.buf.starts_with(BOM) {
                self.buf.drain(..BOM.len());
            }
            self.at_start = false;
        }
        if self.framing == Framing::Unknown {
            // Only blanks so far: the search resumes after them.
            self.framing = detect_framing(&self.buf[self.searched..]);
            self.searched = match self.framing {
                Framing::Unknown => self.buf.len(),
                // From here on it serves SSE lines: none searched yet.
                Framing::Sse | Framing::Json => 0,
            };
        }
        match self.framing {
            Framing::Unknown => {}
            Framing::Sse => self.drain_sse(at_end, out),
            Framing::Json => {
                let used = self.json.scan(&self.buf, at_end, out);
                self.buf.drain(..used);
            }
        }
    }

    fn drain_sse(&mut self, at_end: bool, out: &mut Vec<StreamEvent>) {
        // Lines are read straight from the buffer, which is set aside meanwhile.
        let buf = std::mem::take(&mut self.buf);
        let mut start = 0;
        // Where the search for the next line end resumes.
        let mut from = self.searched;
        loop {
            let found = memchr::memchr2(b'\n', b'\r', &buf[from..]);
            examined(found.map_or(buf.len() - from, |n| n + 1));
            let Some(n) = found else {
                // The rest is an unfinished line, searched to its end.
                from = buf.len();
                break;
            };
            let end = from + n;
            let crlf = buf[end] == b'\r';
            // A lone `\r` at the end of the buffer may be half of a `\r\n`: wait for more.
            if crlf && end + 1 == buf.len() && !at_end {
                from = end;
                break;
            }
            self.sse_line(&buf[start..end], out);
            start = end
                + if crlf && buf.get(end + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            from = start;
        }
        if at_end && start < buf.len() {
            self.sse_line(&buf[start..], out);
            start = buf.len();
        }
        self.searched = from.saturating_sub(start);
        self.buf = buf;
        self.buf.drain(..start);
    }

    fn sse_line(&mut self, line: &[u8], out: &mut Vec<StreamEvent>) {
        examined(line.len());
        if line.is_empty() {
            self.dispatch_sse(out);
            return;
        }
        if line[0] == b':' {
            return; // comment, e.g. a keep-alive
        }
        let bare = line.trim_ascii();
        if bare.first() == Some(&b'{') || bare == DONE {
            // Not an SSE field: newline-delimited JSON whose first line did not start with `{`
            // (a `[DONE]`, a broken frame). Decode the line as a frame of its own rather than
            // ignore it as an unknown field, which would silently drop the whole reply.
            self.dispatch_sse(out);
            self.data.extend_from_slice(bare);
            self.has_data = true;
            self.dispatch_sse(out);
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        if field == b"data" {
            if self.has_data {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(value);
            self.has_data = true;
        }
        // `event`, `id` and `retry` carry nothing the reply needs.
    }

    /// One SSE event's data: `[DONE]`, or one or more JSON objects (some servers put several
    /// `data:` lines in one event).
    fn dispatch_sse(&mut self, out: &mut Vec<StreamEvent>) {
        if !self.has_data {
            return;
        }
        self.has_data = false;
        examined(self.data.len());
        let trimmed = self.data.trim_ascii();
        if trimmed == DONE {
            out.push(StreamEvent::Chunk {
                conversation_id: None,
                content: String::new(),
                done: true,
            });
        } else if !trimmed.is_empty() {
            // Mostly one object: parse it at once. Several (or a broken one) go through the
            // scanner.
            match read_frame(trimmed) {
                Some(frame) => frame.events(out),
                None => {
                    JsonScanner::default().scan(trimmed, true, out);
                }
            }
        }
        // Kept for the next event's data: one buffer for the whole stream.
        self.data.clear();
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The sentinel some servers send after the last frame.
const DONE: &[u8] = b"[DONE]";

// The bytes the decoder's searches and scans look at, counted in tests so that they can hold
// the work linear in the stream however the stream is cut. Every loop over buffered bytes adds
// what it looked at.
#[cfg(test)]
thread_local! {
    static EXAMINED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
fn examined(n: usize) {
    EXAMINED.with(|count| count.set(count.get() + n));
}

#[cfg(not(test))]
#[inline(always)]
fn examined(_: usize) {}

fn detect_framing(buf: &[u8]) -> Framing {
    let first = buf.iter().position(|b| !b.is_ascii_whitespace());
    examined(first.map_or(buf.len(), |n| n + 1));
    match first.map(|n| buf[n]) {
        None => Framing::Unknown,
        Some(b'{') => Framing::Json,
        Some(_) => Framing::Sse,
    }
}

/// Finds complete top-level JSON objects in a byte stream, tracking strings and escapes so that
/// braces inside text do not count. A raw line break inside a string (escaped or not) cannot be
/// valid JSON, so it ends a malformed frame instead of swallowing the rest of the stream. Once the
/// stream shows that it puts one object per line (an object on one line followed by a line
/// break), a line break inside an object ends it too, so a frame cut short (`{"content":"ab",`)
/// does not swallow the frames after it. Objects spread over several lines (pretty-printed JSON)
/// are accepted until then.
#[derive(Debug, Default)]
struct JsonScanner {
    /// Where scanning resumes, relative to the buffer's start.
    pos: usize,
    /// Where the current object began, if one is open.
    start: Option<usize>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The open object has a raw line break outside its strings.
    multiline: bool,
    /// The last object closed on the line it opened on, and only blanks followed it so far.
    after_one_line: bool,
    /// The stream is newline-delimited JSON: a line break inside an object ends it.
    line_delimited: bool,
    /// How much of the text between objects that starts at `pos` has been searched for its
    /// line's end, so that a long line arriving in many pieces is searched once.
    stray_searched: usize,
}

impl JsonScanner {
    /// Scans `buf` from where it left off, emitting events; returns how many bytes are used up.
    fn scan(&mut self, buf: &[u8], at_end: bool, out: &mut Vec<StreamEvent>) -> usize {
        let mut used = 0;
        let mut i = self.pos;
        loop {
            while i < buf.len() {
                examined(1);
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
                        used = i + 1;
                    } else {
                        // Stray text between objects (e.g. `[DONE]`): skip to the end of the line,
                        // searching on from where the last piece's search ended.
                        self.after_one_line = false;
                        let from = i + std::mem::take(&mut self.stray_searched);
                        let line_end = buf[from..].iter().position(|&c| c == b'\n');
                        examined(line_end.map_or(buf.len() - from, |n| n + 1));
                        match line_end {
                            Some(n) => {
                                report_stray(&buf[i..from + n], out);
                                i = from + n;
                                used = i + 1;
                            }
                            None if at_end => {
                                report_stray(&buf[i..], out);
                                i = buf.len();
                                used = i;
                                continue;
                            }
                            None => {
                                // Scanning resumes at the line's start, kept in the buffer.
                                self.stray_searched = buf.len() - i;
                                break;
                            }
                        }
                    }
                    i += 1;
                    continue;
                };
                if b == b'\n' && (self.in_string || self.line_delimited) {
                    out.push(malformed(without_cr(&buf[start..i])));
                    self.reset();
                    used = i + 1;
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
                        parse_frame(&buf[start..=i], out);
                        self.after_one_line = !self.multiline;
                        self.reset();
                        used = i + 1;
                    }
                } else if b == b'\n' {
                    self.multiline = true;
                }
                i += 1;
            }
            if !at_end {
                // Keep the open object's bytes; rescan position is relative to what remains.
                let keep_from = self.start.map_or(used.min(i), |s| s.min(used));
                if let Some(s) = self.start.as_mut() {
                    *s -= keep_from;
                }
                self.pos = i - keep_from;
                return keep_from;
            }
            if let Some(start) = self.start {
                let first_break = buf[start..].iter().position(|&c| c == b'\n');
                examined(first_break.map_or(buf.len() - start, |n| n + 1));
                match first_break {
                    // An object left open over several lines at the end is most likely a frame
                    // cut short in a newline-delimited stream: report its first line and read
                    // the lines after it as frames of their own.
                    Some(n) if self.multiline => {
                        out.push(malformed(without_cr(&buf[start..start + n])));
                        self.reset();
                        self.line_delimited = true;
                        i = start + n + 1;
                        continue;
                    }
                    _ => out.push(malformed(&buf[start..])),
                }
            }
            self.reset();
            self.pos = 0;
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

/// A line's bytes without the `\r` of a `\r\n` line end.
fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn report_stray(bytes: &[u8], out: &mut Vec<StreamEvent>) {
    examined(bytes.len());
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let text = text.strip_prefix("data:").map_or(text, str::trim);
    if text == "[DONE]" {
        out.push(StreamEvent::Chunk {
            conversation_id: None,
            content: String::new(),
            done: true,
        });
    } else if !text.is_empty() {
        out.push(StreamEvent::Malformed(text.to_owned()));
    }
}

fn malformed(bytes: &[u8]) -> StreamEvent {
    StreamEvent::Malformed(String::from_utf8_lossy(bytes).into_owned())
}

/// One frame of a streamed reply. Both spellings of the conversation id are seen in the wild;
/// `content` is a delta. Other fields are ignored, and one of an unexpected type is read as its
/// default rather than losing the delta.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Frame {
    #[serde(
        default,
        alias = "conversation_id",
        deserialize_with = "lenient::optional_id"
    )]
    conversation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    content: String,
    #[serde(default, deserialize_with = "lenient::flag")]
    done: bool,
    /// Set when the server ends the reply because it failed (this server's extension).
    #[serde(default, deserialize_with = "lenient::text")]
    error: String,
    #[serde(default, deserialize_with = "lenient::entries")]
    citations: Vec<Citation>,
    #[serde(
        default,
        alias = "citation_nodes",
        deserialize_with = "lenient::entries"
    )]
    citation_nodes: Vec<CitationNode>,
}

impl Frame {
    /// The frame's delta, then its sources if it carries any.
    fn events(self, out: &mut Vec<StreamEvent>) {
        if !self.error.is_empty() {
            out.push(StreamEvent::Failed(self.error));
            return;
        }
        let sources = sources(&self.citations, &self.citation_nodes);
        out.push(StreamEvent::Chunk {
            conversation_id: self.conversation_id,
            content: self.content,
            done: self.done,
        });
        if !sources.is_empty() {
            out.push(StreamEvent::Sources(sources));
        }
    }
}

/// A frame from one JSON object's bytes; `None` if they are not one readable object.
fn read_frame(bytes: &[u8]) -> Option<Frame> {
    examined(bytes.len());
    // A derived struct also reads an array as its fields in order: only an object is a frame.
    if bytes.first() != Some(&b'{') {
        return None;
    }
    lenient::from_json_repaired(bytes).ok()
}

fn parse_frame(bytes: &[u8], out: &mut Vec<StreamEvent>) {
    match read_frame(bytes) {
        Some(frame) => frame.events(out),
        None => out.push(malformed(bytes)),
    }
}

/// Joins the text of every chunk: what a reader shows once the stream is over.
pub fn joined_text(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Chunk { content, .. } => Some(content.as_str()),
            StreamEvent::Sources(_) | StreamEvent::Malformed(_) | StreamEvent::Failed(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_frame_says_why_the_reply_ended() {
        let mut decoder = StreamDecoder::default();
        let mut events = decoder.push(
            b": keepalive\n\ndata: {\"conversationId\":\"4\",\"content\":\"\",\"done\":true,\"error\":\"timeout\"}\n\n",
        );
        events.extend(decoder.finish());
        assert_eq!(events, [StreamEvent::Failed("timeout".into())]);
    }

    #[test]
    fn sources_on_the_closing_frame() {
        let mut decoder = StreamDecoder::default();
        let mut events = decoder.push(
            b"data: {\"content\":\"Hi\",\"done\":false}\n\n\
              data: {\"content\":\"\",\"done\":true,\"citations\":[{\"filename\":\"a.pdf\",\"file\":\"https://f/a.pdf\"}],\
              \"citationNodes\":[{\"chatbotTextNode\":{\"text\":\"Passage\",\"filename\":\"a.pdf\",\"pageNumber\":2}}]}\n\n",
        );
        events.extend(decoder.finish());
        assert_eq!(joined_text(&events), "Hi");
        let sources: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Sources(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0][0].title, "a.pdf");
        assert_eq!(sources[0][0].excerpt.as_deref(), Some("Passage"));
        assert_eq!(sources[0][0].page.as_deref(), Some("2"));
    }

    #[test]
    fn a_lone_surrogate_escape_in_a_passage_keeps_the_passage() {
        // The frame reads as it is; the passage and the id are read from their raw text.
        let events = decode_all(&[b"data: {\"conversationId\":\"c\\ud800\",\"content\":\"a\",\
            \"citations\":[{\"filename\":\"a.pdf\",\"file\":\"https://f/a.pdf\"}],\
            \"citationNodes\":[{\"chatbotTextNode\":{\"text\":\"x\\ud800\",\"filename\":\"a.pdf\"}}]}\n\n"]);
        assert_eq!(events[0], chunk(Some("c\u{FFFD}"), "a", false));
        match &events[1] {
            StreamEvent::Sources(sources) => {
                assert_eq!(sources[0].excerpt.as_deref(), Some("x\u{FFFD}"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_long_line_in_pieces_is_searched_once() {
        let mut decoder = StreamDecoder::default();
        assert!(decoder.push(b"data: {\"content\":\"").is_empty());
        for _ in 0..100 {
            assert!(decoder.push(&[b'a'; 100]).is_empty());
            // The next piece's search starts where this one's ended.
            assert_eq!(decoder.searched, decoder.buf.len());
        }
        // A `\r` at the end may be half of a `\r\n`: the search resumes at it.
        assert!(decoder.push(b"\"}\r").is_empty());
        assert_eq!(decoder.searched, decoder.buf.len() - 1);
        let mut events = decoder.push(b"\n\r\n");
        events.extend(decoder.finish());
        assert_eq!(events, [StreamEvent::delta(&"a".repeat(10_000))]);
        assert_eq!((decoder.searched, decoder.buf.len()), (0, 0));
    }

    /// Feeds `stream` in `piece`-byte pieces and returns the events, checking after every piece
    /// that the bytes the decoder has looked at are at most a few times those it was given:
    /// work linear in the stream, however long the line or object it holds back meanwhile.
    fn decode_in_linear_work(stream: &[u8], piece: usize) -> Vec<StreamEvent> {
        const PER_BYTE: usize = 6;
        let before = EXAMINED.with(std::cell::Cell::get);
        let looked_at = || EXAMINED.with(std::cell::Cell::get) - before;
        let mut decoder = StreamDecoder::default();
        let mut events = Vec::new();
        let mut given = 0;
        for bytes in stream.chunks(piece) {
            events.extend(decoder.push(bytes));
            given += bytes.len();
            let looked_at = looked_at();
            assert!(
                looked_at <= PER_BYTE * given,
                "{looked_at} bytes looked at for the first {given}"
            );
        }
        events.extend(decoder.finish());
        let looked_at = looked_at();
        assert!(
            looked_at <= PER_BYTE * given,
            "{looked_at} bytes looked at for {given}"
        );
        events
    }

    const MB: usize = 1 << 20;

    #[test]
    fn a_long_line_between_objects_in_pieces_is_searched_once() {
        let stray = "x".repeat(MB);
        let stream = format!("{{\"content\":\"a\"}}\n{stray}\n{{\"content\":\"b\"}}\n");
        assert_eq!(
            decode_in_linear_work(stream.as_bytes(), 16),
            [
                StreamEvent::delta("a"),
                StreamEvent::Malformed(stray),
                StreamEvent::delta("b")
            ]
        );
    }

    #[test]
    fn leading_blanks_in_pieces_are_searched_once() {
        let blanks = " \r\n\t\n".repeat(MB / 5);
        for frame in ["data: {\"content\":\"a\"}\n\n", "{\"content\":\"a\"}\n"] {
            let stream = format!("{blanks}{frame}");
            assert_eq!(
                decode_in_linear_work(stream.as_bytes(), 16),
                [StreamEvent::delta("a")],
                "{frame:?}"
            );
        }
    }

    #[test]
    fn long_frames_in_pieces_cost_linear_work() {
        let text = "a".repeat(MB);
        let sse_line = format!("data: {{\"content\":\"{text}\"}}\n\n");
        let object = format!("{{\"content\":\"{text}\"}}\n");
        // One event of many `data:` lines: its data is gathered line by line.
        let data_lines = format!(
            "data: {{\n{}data: \"content\":\"a\"}}\n\n",
            "data: \"x\":1,\n".repeat(MB / 14)
        );
        for stream in [sse_line, object] {
            assert_eq!(
                decode_in_linear_work(stream.as_bytes(), 16),
                [StreamEvent::delta(&text)]
            );
        }
        assert_eq!(
            decode_in_linear_work(data_lines.as_bytes(), 16),
            [StreamEvent::delta("a")]
        );
    }

    fn decode_all(chunks: &[&[u8]]) -> Vec<StreamEvent> {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(d.push(c));
        }
        out.extend(d.finish());
        out
    }

    fn chunk(id: Option<&str>, content: &str, done: bool) -> StreamEvent {
        StreamEvent::Chunk {
            conversation_id: id.map(str::to_owned),
            content: content.to_owned(),
            done,
        }
    }

    const SSE: &str = "data: {\"conversationId\":\"c1\",\"content\":\"Hel\",\"done\":false}\n\n\
                       data: {\"conversationId\":\"c1\",\"content\":\"lo 世界\",\"done\":false}\n\n\
                       data: {\"conversationId\":\"c1\",\"content\":\"\",\"done\":true}\n\n";

    #[test]
    fn sse_frames_decode_in_order() {
        let events = decode_all(&[SSE.as_bytes()]);
        assert_eq!(
            events,
            vec![
                chunk(Some("c1"), "Hel", false),
                chunk(Some("c1"), "lo 世界", false),
                chunk(Some("c1"), "", true),
            ]
        );
    }

    #[test]
    fn every_two_way_split_matches_the_whole() {
        let whole = decode_all(&[SSE.as_bytes()]);
        let bytes = SSE.as_bytes();
        for cut in 0..=bytes.len() {
            assert_eq!(
                decode_all(&[&bytes[..cut], &bytes[cut..]]),
                whole,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn byte_by_byte_keeps_multibyte_characters_whole() {
        let bytes = SSE.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(joined_text(&decode_all(&chunks)), "Hello 世界");
    }

    #[test]
    fn crlf_comments_snake_case_and_done_sentinel() {
        let text = ": keepalive\r\n\r\nevent: message\r\ndata: {\"conversation_id\":\"c2\",\"content\":\"a\"}\r\n\r\ndata: [DONE]\r\n\r\n";
        assert_eq!(
            decode_all(&[text.as_bytes()]),
            vec![chunk(Some("c2"), "a", false), chunk(None, "", true)]
        );
    }

    #[test]
    fn ndjson_and_concatenated_objects() {
        let nd = "{\"content\":\"a\",\"done\":false}\n{\"content\":\"b}{\\\"\",\"done\":false}\n{\"content\":\"\",\"done\":true}\n";
        let concat = nd.replace('\n', "");
        for text in [nd.to_owned(), concat] {
            let events = decode_all(&[text.as_bytes()]);
            assert_eq!(joined_text(&events), "ab}{\"");
            assert_eq!(events.last(), Some(&chunk(None, "", true)));
        }
    }

    #[test]
    fn stream_without_final_newline_still_flushes() {
        let events = decode_all(&[b"data: {\"content\":\"x\"}"]);
        assert_eq!(events, vec![StreamEvent::delta("x")]);
    }

    #[test]
    fn malformed_frame_is_reported_and_later_frames_survive() {
        let sse = "data: {\"content\":\"a\"}\n\ndata: {\"content\": oops\n\ndata: {\"content\":\"b\"}\n\n";
        let events = decode_all(&[sse.as_bytes()]);
        assert_eq!(joined_text(&events), "ab");
        assert!(matches!(events[1], StreamEvent::Malformed(_)));

        let nd = "{\"content\":\"a\"}\n{\"content\":\"unterminated\n{\"content\":\"b\"}\n";
        let events = decode_all(&[nd.as_bytes()]);
        assert_eq!(joined_text(&events), "ab");
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, StreamEvent::Malformed(_)))
                .count(),
            1
        );
    }

    #[test]
    fn several_data_lines_in_one_event() {
        let sse = "data: {\"content\":\"a\"}\ndata: {\"content\":\"b\"}\n\n";
        assert_eq!(joined_text(&decode_all(&[sse.as_bytes()])), "ab");
        let multi_line_json = "data: {\"content\":\ndata: \"ab\"}\n\n";
        assert_eq!(
            joined_text(&decode_all(&[multi_line_json.as_bytes()])),
            "ab"
        );
    }

    #[test]
    fn lone_surrogate_escape_does_not_lose_the_frame() {
        let sse = "data: {\"content\":\"a\\ud800b\"}\n\ndata: {\"content\":\"\\ud83d\\ude00\"}\n\n";
        let nd = "{\"content\":\"a\\ud800b\"}\n{\"content\":\"\\ud83d\\ude00\"}\n";
        for text in [sse, nd] {
            let events = decode_all(&[text.as_bytes()]);
            assert_eq!(
                events,
                vec![
                    StreamEvent::delta("a\u{FFFD}b"),
                    StreamEvent::delta("\u{1F600}")
                ],
                "{text:?}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_do_not_lose_the_frame() {
        let sse: &[u8] = b"data: {\"content\":\"a\xFFb\"}\n\ndata: {\"content\":\"c\"}\n\n";
        let nd: &[u8] = b"{\"content\":\"a\xFFb\"}\n{\"content\":\"c\"}\n";
        for bytes in [sse, nd] {
            assert_eq!(
                decode_all(&[bytes]),
                vec![StreamEvent::delta("a\u{FFFD}b"), StreamEvent::delta("c")],
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_keeps_the_delta() {
        let sse = "data: {\"content\":\"a\",\"citations\":5,\"citationNodes\":{\"x\":[]},\"conversationId\":[1]}\n\n\
                   data: {\"content\":\"b\",\"done\":1,\"citations\":[\"x\",{\"filename\":\"f.pdf\"}]}\n\n";
        let events = decode_all(&[sse.as_bytes()]);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(events[0], StreamEvent::delta("a"));
        assert_eq!(events[1], StreamEvent::delta("b"));
        assert!(matches!(&events[2], StreamEvent::Sources(s) if s[0].title == "f.pdf"));
    }

    #[test]
    fn arrays_and_deep_nesting_are_no_frames() {
        let events = decode_all(&[b"data: [\"a\", \"b\"]\n\n"]);
        assert!(
            matches!(&events[..], [StreamEvent::Malformed(_)]),
            "{events:?}"
        );
        let deep = format!(
            "{{\"content\":\"a\",\"x\":{}{}}}\n{{\"content\":\"b\"}}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        );
        let events = decode_all(&[deep.as_bytes()]);
        assert_eq!(joined_text(&events), "ab");
    }

    #[test]
    fn unknown_fields_and_odd_types_are_tolerated() {
        let sse =
            "data: {\"conversationId\":42,\"content\":null,\"done\":\"true\",\"extra\":[1,{}]}\n\n";
        assert_eq!(
            decode_all(&[sse.as_bytes()]),
            vec![chunk(Some("42"), "", true)]
        );
    }
}
