//! A reply relayed through [`ReplyScrub`], read back as the widget reads it: the key must not
//! show in the text the frames' `content` make together, however the reply is cut.

use serde_json::{json, Value};

use super::{FrameTooLarge, ReplyScrub, MAX_FRAME_BYTES};
use crate::secret::Secret;

const KEY: &str = "mai-SECRET-KEY-0123456789abcdef";

#[derive(Clone, Copy, Debug)]
enum Shape {
    Sse,
    Ndjson,
    Concat,
}

const SHAPES: [Shape; 3] = [Shape::Sse, Shape::Ndjson, Shape::Concat];

fn framed(shape: Shape, object: &Value) -> String {
    match shape {
        Shape::Sse => format!("data: {object}\n\n"),
        Shape::Ndjson => format!("{object}\n"),
        Shape::Concat => object.to_string(),
    }
}

/// A reply of `deltas` and a closing frame, in `shape`.
fn reply(shape: Shape, deltas: &[&str]) -> String {
    let mut out: String = deltas
        .iter()
        .map(|d| {
            framed(
                shape,
                &json!({"conversationId": "c1", "content": d, "done": false}),
            )
        })
        .collect();
    out.push_str(&framed(
        shape,
        &json!({"conversationId": "c1", "content": "", "done": true}),
    ));
    out
}

/// `text` in `n` pieces of about the same length.
fn cut(text: &str, n: usize) -> Vec<&str> {
    let size = text.len().div_ceil(n);
    (0..text.len())
        .step_by(size)
        .map(|at| &text[at..(at + size).min(text.len())])
        .collect()
}

fn relay(chunks: &[&[u8]]) -> Result<String, FrameTooLarge> {
    let mut scrub = ReplyScrub::new(&Secret::new(KEY).unwrap());
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(scrub.push(chunk)?);
    }
    out.extend(scrub.finish());
    Ok(String::from_utf8(out).unwrap())
}

fn relay_whole(body: &str) -> String {
    relay(&[body.as_bytes()]).unwrap()
}

/// The frames of a relayed body, as the widget reads them (`[DONE]` left out).
fn objects(shape: Shape, body: &str) -> Vec<Value> {
    match shape {
        Shape::Sse => body
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect(),
        Shape::Ndjson | Shape::Concat => {
            serde_json::Deserializer::from_str(&body.replace("[DONE]", ""))
                .into_iter::<Value>()
                .map(Result::unwrap)
                .collect()
        }
    }
}

/// The text the widget shows for a relayed body.
fn shown(shape: Shape, body: &str) -> String {
    objects(shape, body)
        .iter()
        .filter_map(|f| f["content"].as_str())
        .collect()
}

#[test]
fn a_key_split_across_two_three_and_one_character_sse_frames() {
    for n in [2, 3, KEY.len()] {
        let mut deltas = vec!["key: "];
        deltas.extend(cut(KEY, n));
        deltas.push(".");
        let body = relay_whole(&reply(Shape::Sse, &deltas));
        assert_eq!(shown(Shape::Sse, &body), "key: [redacted].", "{n}: {body}");
        // One frame out for each frame in, each with its id.
        assert_eq!(objects(Shape::Sse, &body).len(), deltas.len() + 1, "{body}");
    }
}

#[test]
fn a_key_split_across_ndjson_lines_and_back_to_back_objects() {
    for shape in [Shape::Ndjson, Shape::Concat] {
        for n in [2, 3, KEY.len()] {
            let mut deltas = vec!["key: "];
            deltas.extend(cut(KEY, n));
            let body = relay_whole(&reply(shape, &deltas));
            assert_eq!(
                shown(shape, &body),
                "key: [redacted]",
                "{shape:?} {n}: {body}"
            );
            let last = objects(shape, &body).pop().unwrap();
            assert_eq!(last["done"], true, "{body}");
        }
    }
}

#[test]
fn a_split_key_is_caught_however_the_network_cuts_the_frames() {
    for shape in SHAPES {
        let mut deltas = vec!["the key ", "is "];
        deltas.extend(cut(KEY, 3));
        deltas.push(" ok");
        let body = reply(shape, &deltas);
        let bytes = body.as_bytes();
        for at in 0..=bytes.len() {
            let out = relay(&[&bytes[..at], &bytes[at..]]).unwrap();
            assert_eq!(
                shown(shape, &out),
                "the key is [redacted] ok",
                "{shape:?} cut at {at}: {out}"
            );
        }
        let one_by_one: Vec<&[u8]> = bytes.chunks(1).collect();
        let out = relay(&one_by_one).unwrap();
        assert_eq!(shown(shape, &out), "the key is [redacted] ok", "{shape:?}");
    }
}

#[test]
fn an_escaped_key_split_across_deltas() {
    // The JSON of each delta escapes some of the key's characters (`\u002d`, or every one):
    // the widget reads the characters, so the text is where the key shows.
    let every: String = KEY
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let dashes = KEY.replace('-', "\\u002d");
    for escaped in [dashes, every] {
        // Cut between escapes, never inside one: each delta is valid JSON.
        let units: Vec<String> = escaped
            .split_inclusive(|c: char| c != '\\' && !c.is_ascii_hexdigit() && c != 'u')
            .map(str::to_owned)
            .collect();
        let mid = units.len() / 2;
        let (a, b) = (units[..mid].concat(), units[mid..].concat());
        let body = format!(
            "data: {{\"content\":\"x {a}\"}}\n\ndata: {{\"content\":\"{b} y\"}}\n\n\
             data: {{\"content\":\"\",\"done\":true}}\n\n"
        );
        let out = relay_whole(&body);
        assert_eq!(shown(Shape::Sse, &out), "x [redacted] y", "{body}\n{out}");
    }
    // The text of the deltas holds the key's escapes themselves (the JSON escapes the
    // backslashes): the text scrubber reads those forms as it reads them in bytes.
    let text_escapes = KEY.replace('-', "\\\\u002d");
    let (a, b) = text_escapes.split_at(text_escapes.len() / 2);
    let body = format!("{{\"content\":\"{a}\"}}\n{{\"content\":\"{b}\"}}\n");
    assert_eq!(shown(Shape::Ndjson, &relay_whole(&body)), "[redacted]");
}

#[test]
fn frames_without_text_and_the_done_sentinel_go_through_unchanged() {
    let body = "\u{feff}: keepalive\r\n\r\nevent: message\r\nid: 7\r\n\
                data: {\"conversationId\":\"c1\",\"content\":\"Hi \",\"done\":false}\r\n\r\n\
                data: not json at all\n\n\
                data: {\"citations\":[{\"filename\":\"a.pdf\"}],\"conversation_id\":340282366920938463463374607431768211455}\n\n\
                data: {\"content\":\"there\",\"x\":[1.50,2e3]}\n\
                data: {\"content\":\"!\"}\n\n\
                data: {\"content\":\"\",\"done\":true,\"citationNodes\":[]}\n\n\
                data: [DONE]\n\n";
    assert_eq!(relay_whole(body), body);
    for shape in [Shape::Ndjson, Shape::Concat] {
        let body = reply(shape, &["Hel", "lo ", "世界"]) + "[DONE]\n";
        assert_eq!(relay_whole(&body), body, "{shape:?}");
    }
}

#[test]
fn a_frame_over_the_cap_ends_the_relay() {
    let (head, tail) = KEY.split_at(8);
    let pad = " ".repeat(MAX_FRAME_BYTES);
    for body in [
        format!("data: {{\"content\":\"{head}\"}}\n\ndata: {{\"content\":\"{tail}\",{pad}}}\n\n"),
        format!("{{\"content\":\"{head}\"}}\n{{\"content\":\"{tail}\",{pad}}}\n"),
    ] {
        // Whether the frame waits for more or comes whole in one chunk.
        let (first, rest) = body.split_at(body.len() / 2);
        assert_eq!(
            relay(&[first.as_bytes(), rest.as_bytes()]),
            Err(FrameTooLarge)
        );
        assert_eq!(relay(&[body.as_bytes()]), Err(FrameTooLarge));
    }
    // Just under it is read.
    let pad = " ".repeat(MAX_FRAME_BYTES - 100);
    let body = format!("data: {{\"content\":\"{head}\"}}\n\ndata: {{\"content\":\"{tail}\",{pad}\"done\":true}}\n\n");
    assert_eq!(shown(Shape::Sse, &relay_whole(&body)), "[redacted]");
}

#[test]
fn only_what_could_begin_the_key_waits_and_then_goes_out_whole_and_in_order() {
    let mut scrub = ReplyScrub::new(&Secret::new(KEY).unwrap());
    let out = scrub
        .push(b"data: {\"id\":1,\"content\":\"see mai-SEC\"}\n\n")
        .unwrap();
    // The frame goes out at once, its text but the start of the key with it.
    assert_eq!(out, b"data: {\"id\":1,\"content\":\"see \"}\n\n");
    let out = scrub
        .push(b"data: {\"id\":2,\"content\":\"OND\"}\n\n")
        .unwrap();
    assert_eq!(out, b"data: {\"id\":2,\"content\":\"mai-SECOND\"}\n\n");
    assert!(scrub.finish().is_empty());
    // Deltas that begin the key and turn away, one character at a time.
    let almost = format!("{} and {}x", &KEY[..KEY.len() - 1], &KEY[..5]);
    let deltas: Vec<String> = almost.chars().map(String::from).collect();
    let deltas: Vec<&str> = deltas.iter().map(String::as_str).collect();
    for shape in SHAPES {
        let out = relay_whole(&reply(shape, &deltas));
        assert_eq!(shown(shape, &out), almost, "{shape:?}");
    }
}

#[test]
fn text_held_at_the_end_goes_out_with_the_last_frame() {
    // A reply ending in what could begin the key: the closing frame carries it.
    let out = relay_whole(&reply(Shape::Sse, &["ends with mai"]));
    assert!(
        out.ends_with("data: {\"content\":\"mai\",\"conversationId\":\"c1\",\"done\":true}\n\n"),
        "{out}"
    );
    // Before a `[DONE]`, and at the end of a stream cut short, in a frame of its own.
    for (body, shape) in [
        (
            "data: {\"content\":\"ends mai\"}\n\ndata: [DONE]\n\n",
            Shape::Sse,
        ),
        ("data: {\"content\":\"ends mai\"}\n\n", Shape::Sse),
        ("data: {\"content\":\"ends mai\"}", Shape::Sse),
        ("{\"content\":\"ends mai\"}\n[DONE]\n", Shape::Ndjson),
        ("{\"content\":\"ends mai\"}", Shape::Concat),
    ] {
        let out = relay_whole(body);
        assert_eq!(shown(shape, &out), "ends mai", "{body:?} -> {out:?}");
        assert_eq!(out.ends_with("[DONE]\n\n"), body.ends_with("[DONE]\n\n"));
    }
}

#[test]
fn the_text_of_an_error_frame_is_not_the_replys() {
    // The widget drops the text of a frame that carries an error: it cannot break the key.
    let (head, tail) = KEY.split_at(10);
    let body = format!(
        "data: {{\"content\":\"{head}\"}}\n\ndata: {{\"content\":\"zz\",\"error\":\"x\"}}\n\n\
         data: {{\"content\":\"{tail}\",\"done\":true}}\n\n"
    );
    let out = relay_whole(&body);
    let text: String = objects(Shape::Sse, &out)
        .iter()
        .filter(|f| f.get("error").is_none())
        .filter_map(|f| f["content"].as_str())
        .collect();
    assert_eq!(text, "[redacted]", "{out}");
}
