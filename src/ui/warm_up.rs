//! Readies the reply path when the visitor first opens the panel, so that the first reply is shown
//! as fast as later ones.
//!
//! The browser compiles a wasm function when it first runs and optimises it only once it has run
//! for a while. A first reply that arrives in a burst (a buffering proxy; the Maax AI adapter
//! sends a whole answer at once) was decoded and rendered by slow code: 1,000 deltas took 30 ms
//! against 20 ms after this warm-up (median of 10, `make bench`'s page). So a made-up reply of
//! about 60 KB is decoded and shown in an element never attached to the page, 8 KB per idle
//! period: nothing is seen, no layout is done, no task is long (7–17 ms in all, 6 at most).

use super::reply_body::ReplyBody;
use crate::chat::ChatState;
use crate::reactive::*;
use crate::stream::{joined_text, StreamDecoder};
use crate::{time_format, timers};

/// The made-up reply: this text (ASCII, with no quote or backslash), repeated, in deltas of a few
/// characters as a model streams them.
const SAMPLE: &str =
    "A reply with **some** markdown, `code` and a [link](https://example.com).\n\n\
- a point\n- another one\n\n";
const REPEATS: usize = 40;
const DELTA_CHARS: usize = 4;
/// Bytes of the stream decoded per idle period.
const STEP_BYTES: usize = 8 * 1024;

/// Starts the warm-up; it runs in the browser's idle periods, and stops early once a reply is
/// streaming (which readies the same code, and should have the idle time).
pub fn start(state: ChatState) {
    let texts = state.config.with_value(|c| c.texts);
    spawn_local(async move {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(element) = document.create_element("div") else {
            return;
        };
        let bytes = made_up_stream();
        let mut decoder = StreamDecoder::default();
        let mut body = ReplyBody::markdown(texts);
        let mut text = String::new();
        // The first message's row needs the time formatter (see `time_format`).
        timers::until_idle().await;
        time_format::warm();
        for step in bytes.chunks(STEP_BYTES) {
            timers::until_idle().await;
            // Also stops once the widget is destroyed (the signal is gone).
            if state.replying.try_get_untracked() != Some(false) {
                return;
            }
            text.push_str(&joined_text(&decoder.push(step)));
            body.show(&element, &text);
        }
        text.push_str(&joined_text(&decoder.finish()));
        body.show(&element, &text);
    });
}

/// [`SAMPLE`] × [`REPEATS`] as SSE frames in the shape the backend streams.
fn made_up_stream() -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..REPEATS {
        // The sample is ASCII: any byte boundary is a character boundary.
        for delta in SAMPLE.as_bytes().chunks(DELTA_CHARS) {
            bytes.extend_from_slice(b"data: {\"conversationId\":\"c\",\"content\":\"");
            for &byte in delta {
                match byte {
                    b'\n' => bytes.extend_from_slice(b"\\n"),
                    _ => bytes.push(byte),
                }
            }
            bytes.extend_from_slice(b"\",\"done\":false}\n\n");
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::StreamEvent;

    #[test]
    fn the_made_up_stream_is_read_as_the_sample_repeated() {
        let mut decoder = StreamDecoder::default();
        let mut events = decoder.push(&made_up_stream());
        events.extend(decoder.finish());
        assert!(!events
            .iter()
            .any(|e| matches!(e, StreamEvent::Malformed(_))));
        assert_eq!(joined_text(&events), SAMPLE.repeat(REPEATS));
        // About 60 KB: a few idle periods' work.
        assert!((40_000..120_000).contains(&made_up_stream().len()));
    }
}
