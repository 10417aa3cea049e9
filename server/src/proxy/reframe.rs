//! Scrubs a reply stream of the key in what the widget shows, not only in the bytes relayed.
//!
//! A model streams its reply a token at a time: the key said in a reply comes as several
//! deltas, `data: {"content":"mai-SE"}`, `data: {"content":"CRET"}`, …, with the framing
//! between the pieces, and the widget joins the deltas' `content` into the key. No run of the
//! relayed bytes holds it, so the byte scrubber cannot see it. So the relay reads the frames
//! as the widget does (SSE `data:` events, newline-delimited JSON, back-to-back objects, a
//! byte-order mark, `[DONE]`; see `framing` and `objects`), scrubs the deltas' text as one
//! stream (see `text`) and writes each frame again with the part of the text that can go out:
//! text that could be the start of the key waits for the next delta, within the frame that
//! carries the next delta (or the closing frame), and everything else of every frame goes on
//! as it came.
//!
//! The bytes are scrubbed first, as before, and stay so: they catch the key in what is not a
//! delta's text (an id, a citation, a comment, a frame the widget cannot read), and a key
//! whole in one frame gets the placeholder the byte forms give it (`[redacted]` for an
//! escaped form, where the text scrubber would see the decoded bytes).
//!
//! Bounds: a frame is read whole, so one longer than [`MAX_FRAME_BYTES`] (a line, an SSE
//! event's data or a JSON object, whole in one chunk or not) ends the relay with an error, as a
//! stream over its size does: relayed unread, its text could finish the key. Lines and objects
//! are searched on from where the last chunk left them, each frame is parsed a few times at
//! most (again only to repair it, or to split an SSE event holding several objects), and the
//! text held back is at most the key's longest form: time is linear in the stream.
//!
//! Not caught: a frame that the widget reads otherwise than this reader does. The reader
//! mirrors the widget's decoder (`src/stream.rs`, which points here): a change to either
//! belongs in both. Nor the key split across the end of the reply (a frame marked `done`, or
//! `[DONE]`), after which the text is scrubbed afresh: an upstream marks only its last frame
//! so, and the model, which is what could be led to spell the key, writes only text, never
//! framing. Nor the key split between a delta and another field (a citation, an id).

mod framing;
mod objects;
mod text;

use crate::scrub::StreamScrub;
use crate::secret::Secret;

use framing::Reframer;
use text::ReplyText;

/// The longest frame the relay reads. A reply's deltas are a few hundred bytes; a closing
/// frame with its citations, some KB.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// A frame longer than [`MAX_FRAME_BYTES`].
#[derive(Debug, PartialEq)]
pub struct FrameTooLarge;

/// One reply stream being scrubbed: feed it chunks, then call [`ReplyScrub::finish`].
#[derive(Debug)]
pub struct ReplyScrub {
    bytes: StreamScrub,
    frames: Reframer,
}

impl ReplyScrub {
    pub fn new(key: &Secret) -> ReplyScrub {
        ReplyScrub {
            bytes: key.stream_scrub(),
            frames: Reframer::new(ReplyText::new(key.stream_scrub())),
        }
    }

    /// What of the stream so far can go out now.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<u8>, FrameTooLarge> {
        let scrubbed = self.bytes.push(chunk);
        self.frames.push(&scrubbed)
    }

    /// The rest, at the end of the stream.
    pub fn finish(&mut self) -> Vec<u8> {
        let rest = self.bytes.finish();
        self.frames.finish(&rest)
    }
}

#[cfg(test)]
mod tests;
