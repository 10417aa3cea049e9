//! Finds the API key in text relayed to the browser or logged, and replaces it, in the forms an
//! upstream could echo it in:
//!
//! - as is, and each of its bytes in any mix of the escapes a text format writes a character
//!   as: JSON and JavaScript (`\u002d`, `\u{2d}`, `\x2d`, `\/`), a backslash before
//!   punctuation (markdown: the Maax adapter writes `_` as `\_`), percent-encoding (`%2D`),
//!   and HTML character references, numeric (`&#x2D;`, `&#45;`, with or without `;`) and
//!   named (`&lowbar;`, `&amp;`, … every name HTML defines for an ASCII character);
//! - hex of it, in either case, also in pairs split by spaces or across lines;
//! - UTF-16 of it, little- or big-endian bytes, raw (replaced by UTF-16 of the placeholder, so
//!   the rest of such a text stays readable) or with bytes escaped as above (`s\u0000k\u0000`);
//! - base64 of it (standard or URL alphabet, at any alignment inside a longer base64 text),
//!   also wrapped across lines (MIME's CRLF, PEM's LF, either escaped as JSON writes them,
//!   with an indent) and with its characters escaped as above (`%2B`, `\/`).
//!
//! Not caught, and why:
//!
//! - anything that takes more than one such layer to read (base64 of the hex or of the UTF-16,
//!   a percent-encoded JSON string), or that is not an encoding at all (encrypted, hashed,
//!   compressed, reversed): each layer multiplies the forms every position of every text is
//!   tried against, and the combinations never end. Compressed bodies are refused before they
//!   are relayed (see `upstream`);
//! - part of the key (a prefix, or the last four characters an error shows as a hint): a
//!   fragment is not the secret, and looking for short fragments would redact ordinary text.
//!   For the same reason base64 of a key shorter than about 12 bytes is not looked for;
//! - the key split by anything but the line breaks and indents above: markup between its
//!   characters, zero-width characters, `:` between hex pairs, a quoted-printable soft break;
//!   a byte array written as numbers (`[115,107,…]`). (A reply stream's framing between the
//!   deltas that spell the key is read past by the proxy, which scrubs the deltas' text as
//!   one: see `proxy::reframe`.)
//! - escapes longer than the bounds below: a numeric character reference with more than
//!   8 digits (leading zeros), an indent of more than 8 spaces or tabs after a line break.
//!   What a match may span must be bounded, since a stream holds back a tail that could
//!   start one;
//! - a key containing a backslash is read with a backslash before it as JSON's `\\`, never as
//!   a backslash followed by an escaped character.
//!
//! A stream is scrubbed chunk by chunk: the tail of a chunk that could be the start of the key
//! is held back until the next chunk shows whether it is, so a key split across chunks is
//! caught too, while a frame that cannot be the key's start (an SSE frame's closing blank
//! line) goes out at once.
//!
//! Cost: every position is tried against a fixed, small set of patterns, each unit of which
//! takes at most a bounded number of bytes in any form, without backtracking; only a tail
//! shorter than the longest match is ever looked at twice. So time is linear in the text and
//! memory bounded by the patterns' length.

mod base64_forms;
mod escapes;
mod hex_utf16_forms;
mod html_names;
mod matcher;
mod scrubber;
#[cfg(test)]
mod testing;

pub use scrubber::{Scrubber, StreamScrub, REDACTED};
