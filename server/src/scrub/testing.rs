//! What the scrubbing tests share: a key, and a text scrubbed of it or of another key.

use super::Scrubber;

pub(super) const KEY: &str = "sk-test-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4";

pub(super) fn scrubbed(text: &str) -> String {
    String::from_utf8(Scrubber::new(KEY).scrub(text.as_bytes()).into_owned()).unwrap()
}

pub(super) fn scrubbed_with(key: &str, text: &[u8]) -> Vec<u8> {
    Scrubber::new(key).scrub(text).into_owned()
}
