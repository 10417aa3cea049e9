//! The reply's framing, read as the widget reads it (`StreamDecoder` in `src/stream.rs`, kept
//! in step with it) and written again: every JSON object the widget would read a delta from
//! goes through [`ReplyText`], everything else (comments, `event:` lines, `[DONE]`, broken
//! frames, blank lines) goes on byte for byte. A frame whose text is unchanged is sent as it
//! came, so a reply without the key leaves the relay exactly as it entered it.
//!
//! The framing is decided by the first byte that is not blank, as the widget decides it:
//! `{` for JSON objects (one per line or back to back), anything else for Server-Sent Events.

use super::objects::{Objects, Piece};
use super::text::{ReplyText, Rewritten};
use super::{FrameTooLarge, MAX_FRAME_BYTES};

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The sentinel some servers send after the last frame.
const DONE: &[u8] = b"[DONE]";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    Unknown,
    Sse,
    Json,
}

/// One reply stream being read and written again.
#[derive(Debug)]
pub struct Reframer {
    text: ReplyText,
    /// Nothing read yet: a byte-order mark may still be (partly) in `buf`.
    at_start: bool,
    framing: Framing,
    /// Bytes not read yet: an unfinished line, an open object.
    buf: Vec<u8>,
    /// How much of `buf` has been searched: for a byte that is not blank while the framing is
    /// unknown, then (SSE) for the end of the unfinished line.
    searched: usize,
    /// SSE: the event's `data:` values, joined by line breaks, as the widget joins them.
    data: Vec<u8>,
    has_data: bool,
    /// SSE: the event's `data:` lines as they came, sent unchanged if their frames are.
    raw: Vec<u8>,
    /// JSON framing: where the objects are.
    objects: Objects,
    /// A frame longer than [`MAX_FRAME_BYTES`] came, whole in one chunk or not.
    too_large: bool,
}

impl Reframer {
    pub fn new(text: ReplyText) -> Reframer {
        Reframer {
            text,
            at_start: true,
            framing: Framing::Unknown,
            buf: Vec::new(),
            searched: 0,
            data: Vec::new(),
            has_data: false,
            raw: Vec::new(),
            objects: Objects::default(),
            too_large: false,
        }
    }

    /// What can go out of the stream so far. Fails once an unfinished frame (line, event or
    /// object) is longer than [`MAX_FRAME_BYTES`].
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<u8>, FrameTooLarge> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(bytes.len());
        self.drain(false, &mut out);
        // What waits for the rest of its frame counts too.
        if self.too_large || self.buf.len() + self.data.len() > MAX_FRAME_BYTES {
            return Err(FrameTooLarge);
        }
        Ok(out)
    }

    /// The end of the stream, with its last `bytes`: the rest, and any text still held back in
    /// a frame of its own.
    pub fn finish(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::with_capacity(self.buf.len());
        self.drain(true, &mut out);
        match self.framing {
            Framing::Sse => {
                self.dispatch(&mut out);
                if let Some(frame) = self.text.end() {
                    // The blank lines end whatever line and event came before.
                    out.extend_from_slice(b"\n\ndata: ");
                    out.extend_from_slice(&frame);
                    out.extend_from_slice(b"\n\n");
                }
            }
            Framing::Json => {
                if let Some(frame) = self.text.end() {
                    out.push(b'\n');
                    out.extend_from_slice(&frame);
                    out.push(b'\n');
                }
            }
            // Only blanks came: no text either.
            Framing::Unknown => out.append(&mut self.buf),
        }
        out
    }

    fn drain(&mut self, at_end: bool, out: &mut Vec<u8>) {
        if self.at_start {
            if !at_end && self.buf.len() < BOM.len() && BOM.starts_with(&self.buf) {
                return;
            }
            if self.buf.starts_with(BOM) {
                out.extend_from_slice(BOM);
                self.buf.drain(..BOM.len());
            }
            self.at_start = false;
        }
        if self.framing == Framing::Unknown {
            // Only blanks so far: the search resumes after them.
            let first = self.buf[self.searched..]
                .iter()
                .find(|b| !b.is_ascii_whitespace());
            self.searched = self.buf.len();
            self.framing = match first {
                None => return,
                Some(b'{') => Framing::Json,
                Some(_) => Framing::Sse,
            };
            self.searched = 0;
        }
        match self.framing {
            Framing::Unknown => {}
            Framing::Sse => self.drain_sse(at_end, out),
            Framing::Json => {
                let Reframer {
                    text,
                    objects,
                    buf,
                    too_large,
                    ..
                } = self;
                let used = objects.scan(buf, at_end, &mut |piece| {
                    if let Piece::Object(bytes) | Piece::Stray(bytes) = piece {
                        *too_large |= bytes.len() > MAX_FRAME_BYTES;
                    }
                    rewrite(text, piece, out);
                });
                buf.drain(..used);
            }
        }
    }

    /// Reads the complete lines in `buf` (ended by `\n`, `\r\n` or `\r`), each searched once.
    fn drain_sse(&mut self, at_end: bool, out: &mut Vec<u8>) {
        let buf = std::mem::take(&mut self.buf);
        let mut start = 0;
        let mut from = self.searched;
        loop {
            let Some(n) = buf[from..].iter().position(|&b| b == b'\n' || b == b'\r') else {
                from = buf.len();
                break;
            };
            let end = from + n;
            let cr = buf[end] == b'\r';
            // A `\r` at the end may be half of a `\r\n`: wait for more.
            if cr && end + 1 == buf.len() && !at_end {
                from = end;
                break;
            }
            let next = end
                + if cr && buf.get(end + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            self.sse_line(&buf[start..end], &buf[end..next], out);
            start = next;
            from = start;
        }
        if at_end && start < buf.len() {
            self.sse_line(&buf[start..], b"", out);
            start = buf.len();
        }
        self.searched = from.saturating_sub(start);
        self.buf = buf;
        self.buf.drain(..start);
    }

    /// One line and its line break.
    fn sse_line(&mut self, line: &[u8], end: &[u8], out: &mut Vec<u8>) {
        self.too_large |= line.len() + self.data.len() > MAX_FRAME_BYTES;
        if line.is_empty() {
            self.dispatch(out);
            out.extend_from_slice(end);
            return;
        }
        let bare = line.trim_ascii();
        if line[0] != b':' && (bare.first() == Some(&b'{') || bare == DONE) {
            // A line of JSON or `[DONE]` without `data:`: a frame of its own to the widget.
            self.dispatch(out);
            if bare == DONE {
                if let Some(frame) = self.text.end() {
                    out.extend_from_slice(&frame);
                    out.push(b'\n');
                }
                out.extend_from_slice(line);
            } else {
                match self.rewrite_data(bare) {
                    Some(new) => out.extend_from_slice(&new),
                    None => out.extend_from_slice(line),
                }
            }
            out.extend_from_slice(end);
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
            self.raw.extend_from_slice(line);
            self.raw.extend_from_slice(end);
        } else {
            // Comments, `event:`, `id:`, `retry:`: nothing the reply's text is made of.
            out.extend_from_slice(line);
            out.extend_from_slice(end);
        }
    }

    /// The event's data: `[DONE]`, or one or more JSON objects.
    fn dispatch(&mut self, out: &mut Vec<u8>) {
        if !self.has_data {
            return;
        }
        self.has_data = false;
        let data = std::mem::take(&mut self.data);
        let trimmed = data.trim_ascii();
        if trimmed == DONE {
            if let Some(frame) = self.text.end() {
                out.extend_from_slice(b"data: ");
                out.extend_from_slice(&frame);
                out.extend_from_slice(b"\n\n");
            }
            out.extend_from_slice(&self.raw);
        } else {
            match self.rewrite_data(trimmed) {
                Some(new) => {
                    for line in new.split(|&b| b == b'\n') {
                        out.extend_from_slice(b"data: ");
                        out.extend_from_slice(line);
                        out.push(b'\n');
                    }
                }
                None => out.extend_from_slice(&self.raw),
            }
        }
        // Both buffers serve the whole stream.
        self.data = data;
        self.data.clear();
        self.raw.clear();
    }

    /// An event's data (or a line of JSON) written again, if its text changed. Mostly one
    /// object; several, or a broken one, are scanned as the widget scans them.
    fn rewrite_data(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        match self.text.object(data) {
            Rewritten::Same => None,
            Rewritten::New(new) => Some(new),
            Rewritten::NotText => {
                let mut out = Vec::with_capacity(data.len());
                let mut changed = false;
                Objects::default().scan(data, true, &mut |piece| {
                    changed |= rewrite(&mut self.text, piece, &mut out);
                });
                changed.then_some(out)
            }
        }
    }
}

/// Writes one piece of JSON framing to `out`, a frame's text scrubbed; says whether the piece
/// changed.
fn rewrite(text: &mut ReplyText, piece: Piece, out: &mut Vec<u8>) -> bool {
    match piece {
        Piece::Pass(bytes) => out.extend_from_slice(bytes),
        Piece::Object(bytes) => match text.object(bytes) {
            Rewritten::New(new) => {
                out.extend_from_slice(&new);
                return true;
            }
            Rewritten::Same | Rewritten::NotText => out.extend_from_slice(bytes),
        },
        Piece::Stray(bytes) => {
            let mut changed = false;
            if is_done(bytes) {
                if let Some(frame) = text.end() {
                    // No line break after it: the widget would take that for a sign of
                    // newline-delimited JSON, which changes how it reads what follows.
                    out.extend_from_slice(&frame);
                    changed = true;
                }
            }
            out.extend_from_slice(bytes);
            return changed;
        }
    }
    false
}

/// Whether text between objects is the `[DONE]` sentinel (`data: [DONE]` too), as the widget
/// tells.
fn is_done(stray: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stray);
    let text = text.trim();
    text.strip_prefix("data:").map_or(text, str::trim) == "[DONE]"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn blanks_before_the_first_frame_are_searched_once() {
        let key = Secret::new("k3y-k3y-k3y").unwrap();
        let mut frames = Reframer::new(ReplyText::new(key.stream_scrub()));
        for _ in 0..100 {
            assert!(frames.push(b" \n").unwrap().is_empty());
            assert_eq!(frames.searched, frames.buf.len());
        }
        let out = frames.push(b"data: {\"content\":\"a\"}\n\n").unwrap();
        assert_eq!(out.len(), 200 + 23);
        assert_eq!(frames.framing, Framing::Sse);
    }
}
