#![cfg(not(target_arch = "wasm32"))]
//! Property tests for the stream decoder.
//!
//! Generated replies (ASCII, CJK, emoji including multi-codepoint ones, markdown and JSON-hostile
//! characters) are framed in every format the backend is known to send. For each: decoding the
//! whole stream yields exactly the reply; every way of cutting the bytes into chunks yields exactly
//! the unchunked events; a malformed frame in the middle is reported once and the text around it
//! survives; random bytes and mutated streams never panic (and are chunking-independent too).

use chat_bubble::stream::{joined_text, StreamDecoder, StreamEvent};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// 256 cases per property (a few seconds in debug); `PROPTEST_CASES=n` runs more.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Failures are reproduced from the printed minimal input, not from files in the repo.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

const EMOJI: &[&str] = &[
    "😀",
    "👍",
    "👍🏽", // skin tone modifier
    "👨‍👩‍👧‍👦", // ZWJ family
    "🏳️‍🌈", // flag with variation selector and ZWJ
    "🇹🇼", // regional indicator pair
    "❤️", // variation selector
    "1️⃣", // keycap
    "🧑🏻‍💻",
];

const MARKUP: &[&str] = &[
    "*",
    "**",
    "_",
    "`",
    "```",
    "```rust\n",
    "# ",
    "- ",
    "1. ",
    "> ",
    "[link](https://x.y/)",
    "|",
    "{",
    "}",
    "}{",
    "[",
    "]",
    "\"",
    "\\",
    "\\\"",
    "\\n",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    ":",
    "data: ",
    "data: [DONE]",
    "[DONE]",
    ": keepalive",
    "{\"content\":\"x\"}",
    "\u{0}",
    "\u{1b}",
    "\u{7f}",
    "\u{2028}",
    "\u{feff}",
    "，",
    "。",
    "「",
    "」",
    "！",
    "¥",
    "é",
    "ü",
    "𝄞",
];

/// One piece of a delta.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 .,!?'-]{1,12}",
        3 => vec(prop::char::range('\u{4e00}', '\u{9fff}'), 1..8)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
        2 => select(EMOJI).prop_map(str::to_owned),
        3 => select(MARKUP).prop_map(str::to_owned),
        1 => any::<char>().prop_map(String::from),
    ]
}

/// One delta: possibly empty, usually a few pieces.
fn delta() -> impl Strategy<Value = String> {
    vec(piece(), 0..6).prop_map(|pieces| pieces.concat())
}

fn reply() -> impl Strategy<Value = Vec<String>> {
    vec(delta(), 0..12)
}

// ---------------------------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Framing {
    /// `data: {json}` events separated by blank lines.
    Sse,
    /// One JSON object per line.
    Ndjson,
    /// JSON objects back to back, no separator.
    Concat,
}

/// What an SSE stream puts before an event besides its `data:` line.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Extra {
    Nothing,
    /// `: keepalive` in the same event, before the data line.
    CommentLine,
    /// `: keepalive` as an event of its own.
    CommentEvent,
    /// `event:` and `id:` fields, which carry nothing for the reply.
    Fields,
}

/// How the stream's last bytes look.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ending {
    /// Every frame fully terminated.
    Full,
    /// The last line end dropped (SSE then lacks the blank line; NDJSON lacks the newline).
    OneLess,
    /// No line end after the last frame at all.
    Bare,
}

#[derive(Debug, Clone)]
struct Format {
    framing: Framing,
    /// `conversation_id` instead of `conversationId`.
    snake: bool,
    /// `\r\n` line ends.
    crlf: bool,
    /// Used cyclically, one per SSE event; empty means none.
    extras: Vec<Extra>,
    /// The final `{"content":"","done":true}` frame is sent.
    done_frame: bool,
    /// A `[DONE]` sentinel follows (`data: [DONE]` in SSE, a `[DONE]` line in NDJSON).
    sentinel: bool,
    ending: Ending,
    conversation_id: Option<String>,
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        Just(Extra::Nothing),
        Just(Extra::CommentLine),
        Just(Extra::CommentEvent),
        Just(Extra::Fields),
    ]
}

fn ending() -> impl Strategy<Value = Ending> {
    prop_oneof![
        Just(Ending::Full),
        Just(Ending::OneLess),
        Just(Ending::Bare)
    ]
}

fn conversation_id() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}".prop_map(Some),
        delta().prop_map(Some),
    ]
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        3 => Just(Framing::Sse),
        1 => Just(Framing::Ndjson),
        1 => Just(Framing::Concat),
    ]
}

/// Every accepted format: SSE (either key spelling, `\n` or `\r\n`, comments and other fields
/// interleaved, `[DONE]` sentinel), NDJSON and concatenated objects, each with or without the
/// `done` frame and the final line end.
fn format() -> impl Strategy<Value = Format> {
    (
        framing(),
        any::<bool>(),
        any::<bool>(),
        vec(extra(), 0..4),
        any::<bool>(),
        any::<bool>(),
        ending(),
        conversation_id(),
    )
        .prop_map(
            |(framing, snake, crlf, extras, done_frame, sentinel, ending, conversation_id)| {
                Format {
                    framing,
                    snake,
                    crlf: crlf && framing != Framing::Concat,
                    extras: if framing == Framing::Sse {
                        extras
                    } else {
                        Vec::new()
                    },
                    done_frame,
                    sentinel: sentinel && framing != Framing::Concat,
                    ending,
                    conversation_id,
                }
            },
        )
}

/// A stream in one format, built frame by frame.
struct Builder<'f> {
    format: &'f Format,
    bytes: Vec<u8>,
    expected: Vec<StreamEvent>,
    events: usize,
}

impl<'f> Builder<'f> {
    fn new(format: &'f Format) -> Self {
        Builder {
            format,
            bytes: Vec::new(),
            expected: Vec::new(),
            events: 0,
        }
    }

    fn line_end(&self) -> &'static str {
        if self.format.crlf {
            "\r\n"
        } else {
            "\n"
        }
    }

    /// Frames a payload (JSON or sentinel) the way the format does.
    fn raw(&mut self, payload: &str) {
        let le = self.line_end();
        let framed = match self.format.framing {
            Framing::Sse => {
                let extras = &self.format.extras;
                let extra = if extras.is_empty() {
                    Extra::Nothing
                } else {
                    extras[self.events % extras.len()]
                };
                let before = match extra {
                    Extra::Nothing => String::new(),
                    Extra::CommentLine => format!(": keepalive{le}"),
                    Extra::CommentEvent => format!(": keepalive{le}{le}"),
                    Extra::Fields => format!("event: message{le}id: {}{le}", self.events),
                };
                format!("{before}data: {payload}{le}{le}")
            }
            Framing::Ndjson => format!("{payload}{le}"),
            Framing::Concat => payload.to_owned(),
        };
        self.events += 1;
        self.bytes.extend_from_slice(framed.as_bytes());
    }

    fn frame(&mut self, content: &str, done: bool) {
        let key = if self.format.snake {
            "conversation_id"
        } else {
            "conversationId"
        };
        let id = match &self.format.conversation_id {
            Some(id) => format!("\"{key}\":{},", serde_json::to_string(id).unwrap()),
            None => String::new(),
        };
        let json = format!(
            "{{{id}\"content\":{},\"done\":{done}}}",
            serde_json::to_string(content).unwrap()
        );
        self.raw(&json);
        self.expected.push(StreamEvent::Chunk {
            conversation_id: self.format.conversation_id.clone(),
            content: content.to_owned(),
            done,
        });
    }

    fn deltas(&mut self, reply: &[String]) {
        for d in reply {
            self.frame(d, false);
        }
    }

    /// The stream's end: `done` frame and sentinel as the format sends them, then the ending.
    fn end(mut self) -> (Vec<u8>, Vec<StreamEvent>) {
        if self.format.done_frame {
            self.frame("", true);
        }
        if self.format.sentinel {
            self.raw("[DONE]");
            self.expected.push(StreamEvent::Chunk {
                conversation_id: None,
                content: String::new(),
                done: true,
            });
        }
        let le = self.line_end().as_bytes();
        match self.format.ending {
            Ending::Full => {}
            Ending::OneLess => {
                if self.bytes.ends_with(le) {
                    self.bytes.truncate(self.bytes.len() - le.len());
                }
            }
            Ending::Bare => {
                while self.bytes.ends_with(le) {
                    self.bytes.truncate(self.bytes.len() - le.len());
                }
            }
        }
        (self.bytes, self.expected)
    }
}

fn build(format: &Format, reply: &[String]) -> (Vec<u8>, Vec<StreamEvent>) {
    let mut b = Builder::new(format);
    b.deltas(reply);
    b.end()
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

fn decode<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<StreamEvent> {
    let mut decoder = StreamDecoder::default();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(decoder.push(chunk));
    }
    out.extend(decoder.finish());
    out
}

fn decode_whole(bytes: &[u8]) -> Vec<StreamEvent> {
    decode([bytes])
}

/// Cuts `bytes` at the given points (duplicates make empty chunks, which are pushed too).
fn split<'a>(bytes: &'a [u8], cuts: &[Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut chunks = Vec::with_capacity(at.len() + 1);
    let mut prev = 0;
    for a in at {
        chunks.push(&bytes[prev..a]);
        prev = a;
    }
    chunks.push(&bytes[prev..]);
    chunks
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    vec(any::<Index>(), 0..32)
}

/// Random cuts and one byte at a time both decode exactly like the whole stream.
fn assert_chunking_invariant(bytes: &[u8], cuts: &[Index]) -> Result<(), TestCaseError> {
    let whole = decode_whole(bytes);
    let chunks = split(bytes, cuts);
    prop_assert_eq!(
        &decode(chunks.iter().copied()),
        &whole,
        "chunks {:?}",
        chunks
    );
    prop_assert_eq!(&decode(bytes.chunks(1)), &whole, "one byte at a time");
    Ok(())
}

fn is_malformed(e: &StreamEvent) -> bool {
    matches!(e, StreamEvent::Malformed(_))
}

// ---------------------------------------------------------------------------------------------
// Malformed frames
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Bad {
    /// Balanced braces and quotes around invalid JSON (what the mock's `malformed` fault sends).
    Balanced(String),
    /// `{"content":"x",}`
    TrailingComma,
    /// `{"content":"x"]`
    WrongBracket,
    /// Not JSON at all: `oops …` on its own line / in its own event.
    NotJson(String),
    /// `{"content":"ab` — a frame cut inside a string.
    UnterminatedString,
    /// `{"content":"a\` — a frame cut right after a backslash.
    CutAfterBackslash,
    /// `{"content":"ab",` — a frame cut outside a string, braces left open.
    Unclosed,
}

impl Bad {
    fn payload(&self) -> String {
        match self {
            Bad::Balanced(note) => format!(
                "{{\"conversationId\":\"c\",\"content\":oops,\"note\":{},\"done\":false}}",
                serde_json::to_string(note).unwrap()
            ),
            Bad::TrailingComma => "{\"content\":\"x\",}".to_owned(),
            Bad::WrongBracket => "{\"content\":\"x\"]".to_owned(),
            Bad::NotJson(text) => format!("oops {text}"),
            Bad::UnterminatedString => "{\"content\":\"ab".to_owned(),
            Bad::CutAfterBackslash => "{\"content\":\"a\\".to_owned(),
            Bad::Unclosed => "{\"content\":\"ab\",".to_owned(),
        }
    }
}

/// Broken frames a reader can find the end of in the given framing. Back-to-back JSON has no
/// line ends, so only frames with balanced braces and quotes can be skipped there.
fn bad(framing: Framing) -> BoxedStrategy<Bad> {
    let balanced = prop_oneof![
        delta().prop_map(Bad::Balanced),
        Just(Bad::TrailingComma),
        Just(Bad::WrongBracket),
    ];
    if framing == Framing::Concat {
        return balanced.boxed();
    }
    prop_oneof![
        3 => balanced,
        1 => "[a-zA-Z0-9 .,!?{}\\[\\]\":]{0,20}".prop_map(Bad::NotJson),
        1 => Just(Bad::UnterminatedString),
        1 => Just(Bad::CutAfterBackslash),
        1 => Just(Bad::Unclosed),
    ]
    .boxed()
}

fn format_and_bad() -> impl Strategy<Value = (Format, Bad)> {
    format().prop_flat_map(|f| {
        let bad = bad(f.framing);
        (Just(f), bad)
    })
}

// ---------------------------------------------------------------------------------------------
// Random bytes
// ---------------------------------------------------------------------------------------------

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"\n",
    b"\r",
    b"\r\n",
    b" ",
    b":",
    b",",
    b"data:",
    b"data: ",
    b": keepalive",
    b"event: x",
    b"[DONE]",
    b"\xEF\xBB\xBF",
    b"\xEF",
    b"\xE4\xB8",
    b"\xAD",
    b"\xF0\x9F\x98",
    b"\xFF",
    b"\"content\":",
    b"\"conversationId\":",
    b"\"done\":true",
    b"null",
    b"1",
    b"x",
    b"\xE4\xB8\xAD",
    b"{\"content\":\"x\"}",
];

/// Arbitrary bytes, or arbitrary sequences of the bytes the decoder cares about.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..512),
        vec(select(TOKENS), 0..96).prop_map(|ts| ts.concat()),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Insert(Index, &'static [u8]),
    Delete(Index, usize),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), select(TOKENS)).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<Index>(), 1usize..8).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: &Index, len: usize| i.index(len + 1);
    match m {
        Mutation::Set(i, b) => {
            if !bytes.is_empty() {
                let k = i.index(bytes.len());
                bytes[k] = *b;
            }
        }
        Mutation::Insert(i, t) => {
            let k = at(i, bytes.len());
            bytes.splice(k..k, t.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let k = at(i, bytes.len());
            let end = (k + n).min(bytes.len());
            bytes.drain(k..end);
        }
        Mutation::Truncate(i) => {
            let k = at(i, bytes.len());
            bytes.truncate(k);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    /// (1) The whole stream decodes to exactly the reply: one chunk per delta in order, the
    /// `done` frame and sentinel where sent, nothing malformed.
    #[test]
    fn unchunked_stream_decodes_to_the_reply(format in format(), reply in reply()) {
        let (bytes, expected) = build(&format, &reply);
        let events = decode_whole(&bytes);
        prop_assert_eq!(&events, &expected, "stream {:?}", String::from_utf8_lossy(&bytes));
        prop_assert_eq!(joined_text(&events), reply.concat());
        prop_assert!(!events.iter().any(is_malformed));
        if format.done_frame || format.sentinel {
            let last_done = matches!(events.last(), Some(StreamEvent::Chunk { done: true, .. }));
            prop_assert!(last_done, "last event should be done: {:?}", events.last());
        }
    }

    /// (2) Any way of cutting a valid stream into chunks (random cuts with empty chunks, and one
    /// byte at a time, which splits every multi-byte character and every `\r\n`) decodes exactly
    /// like the whole stream.
    #[test]
    fn any_chunking_of_a_reply_matches_the_whole(
        format in format(),
        reply in reply(),
        cuts in cuts(),
    ) {
        let (bytes, expected) = build(&format, &reply);
        prop_assert_eq!(&decode_whole(&bytes), &expected);
        assert_chunking_invariant(&bytes, &cuts)?;
    }

    /// (3a) Arbitrary bytes never panic, and their decoding does not depend on chunking either.
    #[test]
    fn random_bytes_never_panic(bytes in noise(), cuts in cuts()) {
        assert_chunking_invariant(&bytes, &cuts)?;
    }

    /// (3b) Arbitrary mutations of a valid stream never panic, and decode independently of
    /// chunking.
    #[test]
    fn mutated_streams_never_panic(
        format in format(),
        reply in reply(),
        mutations in vec(mutation(), 1..6),
        cuts in cuts(),
    ) {
        let (mut bytes, _) = build(&format, &reply);
        for m in &mutations {
            mutate(&mut bytes, m);
        }
        assert_chunking_invariant(&bytes, &cuts)?;
    }

    /// (4) A malformed frame in the middle of a reply is reported as exactly one `Malformed`
    /// event in its place, and the frames before and after it are all kept, however the stream
    /// is chunked.
    #[test]
    fn malformed_frame_in_the_middle_is_skipped(
        (format, bad) in format_and_bad(),
        before in reply(),
        after in reply(),
        cuts in cuts(),
    ) {
        let mut b = Builder::new(&format);
        b.deltas(&before);
        b.raw(&bad.payload());
        let at = b.expected.len();
        b.deltas(&after);
        let (bytes, expected) = b.end();

        let events = decode_whole(&bytes);
        let shown = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(joined_text(&events), before.concat() + &after.concat());
        assert_chunking_invariant(&bytes, &cuts)?;
        // A stream's framing is decided by its first byte: NDJSON that opens with a line of
        // plain text reads as SSE, where that line is an unknown field, ignored without a
        // `Malformed`; the frames around it are all there.
        if format.framing == Framing::Ndjson && before.is_empty() && matches!(bad, Bad::NotJson(_)) {
            prop_assert_eq!(&events, &expected, "stream {:?}", shown);
            return Ok(());
        }
        prop_assert_eq!(events.len(), expected.len() + 1, "events {:?} of {:?}", events, shown);
        prop_assert!(is_malformed(&events[at]), "event {} of {:?}", at, events);
        prop_assert_eq!(&events[..at], &expected[..at]);
        prop_assert_eq!(&events[at + 1..], &expected[at..]);
    }
}

/// Regression cases found by the properties above, kept as plain examples.
mod found {
    use super::*;

    fn texts(events: &[StreamEvent]) -> (String, usize) {
        (
            joined_text(events),
            events.iter().filter(|e| is_malformed(e)).count(),
        )
    }

    fn all_ways(bytes: &[u8]) -> Vec<StreamEvent> {
        let whole = decode_whole(bytes);
        assert_eq!(decode(bytes.chunks(1)), whole, "one byte at a time");
        for cut in 0..=bytes.len() {
            assert_eq!(
                decode([&bytes[..cut], &bytes[cut..]]),
                whole,
                "cut at {cut}"
            );
        }
        whole
    }

    /// A byte-order mark split across chunks used to switch the framing to SSE (one byte at a
    /// time gave no events, the whole stream a `Malformed`), and a whole one before JSON made the
    /// first object stray text.
    #[test]
    fn byte_order_mark_is_skipped_wherever_it_is_cut() {
        let json = b"\xEF\xBB\xBF{\"content\":\"x\"}{\"content\":\"y\"}";
        assert_eq!(
            all_ways(json),
            vec![StreamEvent::delta("x"), StreamEvent::delta("y")]
        );
        let sse = b"\xEF\xBB\xBFdata: {\"content\":\"x\"}\n\n";
        assert_eq!(all_ways(sse), vec![StreamEvent::delta("x")]);
        // Only one mark is skipped, and only at the very start.
        assert_eq!(all_ways(b"\xEF\xBB"), vec![]);
        assert_eq!(
            texts(&all_ways(b"\xEF\xBB\xBF\xEF\xBB\xBF{\"content\":\"x\"}")).0,
            ""
        );
    }

    /// A frame cut right after a backslash used to escape the line break, so the next frame was
    /// read as the rest of the broken string and lost.
    #[test]
    fn backslash_before_a_line_break_does_not_swallow_the_next_frame() {
        let nd = b"{\"content\":\"a\"}\n{\"content\":\"b\\\n{\"content\":\"c\"}\n";
        let events = all_ways(nd);
        assert_eq!(texts(&events), ("ac".to_owned(), 1));
        assert!(is_malformed(&events[1]));
    }

    /// A frame cut outside a string (`{"content":"b",`) used to leave its brace open, so every
    /// later frame nested inside it and the rest of the reply was one `Malformed` at the end.
    #[test]
    fn unclosed_frame_does_not_swallow_the_rest_of_ndjson() {
        let middle = b"{\"content\":\"a\"}\n{\"content\":\"b\",\n{\"content\":\"c\"}\n";
        let events = all_ways(middle);
        assert_eq!(texts(&events), ("ac".to_owned(), 1));
        // As soon as the line ends, not only when the stream does.
        let mut d = StreamDecoder::default();
        assert_eq!(texts(&d.push(middle)), ("ac".to_owned(), 1));

        // The first frame: the stream has not shown it is line-delimited yet, so the rest is
        // recovered when the stream ends.
        let first = b"{\"content\":\"b\",\r\n{\"content\":\"c\"}\r\n{\"content\":\"d\"}";
        let events = all_ways(first);
        assert_eq!(
            events[0],
            StreamEvent::Malformed("{\"content\":\"b\",".to_owned())
        );
        assert_eq!(texts(&events), ("cd".to_owned(), 1));
    }

    /// NDJSON whose first line is not an object is taken for SSE; its JSON lines used to be
    /// ignored as unknown SSE fields, dropping the whole reply without a word.
    #[test]
    fn ndjson_opening_with_a_non_json_line() {
        let nd = b"oops\n{\"content\":\"a\"}\n{\"content\":\"\",\"done\":true}\n[DONE]\n";
        let events = all_ways(nd);
        assert_eq!(texts(&events), ("a".to_owned(), 0));
        assert_eq!(events.len(), 3);
        let done = StreamEvent::Chunk {
            conversation_id: None,
            content: String::new(),
            done: true,
        };
        assert_eq!(all_ways(b"[DONE]\n"), vec![done]);
    }

    /// Pretty-printed objects back to back still decode.
    #[test]
    fn pretty_printed_objects() {
        let pretty =
            b"{\n  \"content\": \"a\",\n  \"done\": false\n}\n{\n  \"content\": \"b\"\n}\n";
        assert_eq!(
            all_ways(pretty),
            vec![StreamEvent::delta("a"), StreamEvent::delta("b")]
        );
    }

    #[test]
    fn one_byte_chunks_of_every_shape_smoke() {
        // A fixed example per format, so a failure here names the format plainly.
        let reply: Vec<String> = ["Hi ", "世界", "👨‍👩‍👧‍👦", "`{\"a\\\"}`\n"]
            .map(str::to_owned)
            .to_vec();
        for framing in [Framing::Sse, Framing::Ndjson, Framing::Concat] {
            for crlf in [false, true] {
                let format = Format {
                    framing,
                    snake: crlf,
                    crlf: crlf && framing != Framing::Concat,
                    extras: vec![Extra::CommentLine, Extra::Nothing, Extra::CommentEvent],
                    done_frame: true,
                    sentinel: framing == Framing::Sse,
                    ending: Ending::Full,
                    conversation_id: Some("c1".to_owned()),
                };
                let (bytes, expected) = build(&format, &reply);
                assert_eq!(decode_whole(&bytes), expected, "{framing:?} crlf={crlf}");
                assert_eq!(decode(bytes.chunks(1)), expected, "{framing:?} crlf={crlf}");
                assert_eq!(texts(&expected), (reply.concat(), 0));
            }
        }
    }
}
