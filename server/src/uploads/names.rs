//! Stored names, bound to the conversation that uploaded the file.
//!
//! A name is 32 lowercase hex digits and the sniffed kind's extension: 16 random digits
//! (64 bits) followed by 16 digits of an HMAC-SHA256 tag (64 bits) over the conversation id and
//! the random part, under a key derived from the visitor secret. So, without a database:
//!
//! - the name names its conversation: proxy mode takes a file as an attachment only in the
//!   conversation it was uploaded to (a URL seen elsewhere, a shared screenshot of a link, is of
//!   no use in another conversation), and a name of this form that the server never made fails
//!   the check as well;
//! - names still cannot be guessed: a name is only valid with the tag that goes with its random
//!   part, and only the secret makes tags, so finding a stored file by trial costs 128 bits;
//! - instances sharing the visitor secret check each other's names, and a rotated secret's
//!   earlier keys still accept the names made under them, as they do visitor tokens.
//!
//! The form of a name did not change (32 hex digits), so files stored before names were bound
//! are still served and still expire; only as attachments are they refused, as of no known
//! conversation.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::sniff::Kind;
use crate::visitor::VisitorKeys;

/// What the naming key is derived for (see [`VisitorKeys::derive`]).
const PURPOSE: &str = "upload name";

/// Random bytes at the start of a name.
const RANDOM_BYTES: usize = 8;

/// Tag bytes after them: 64 bits, which no one forges by trial.
const TAG_BYTES: usize = 8;

/// The bytes a name's stem stands for (it is twice as many hex digits).
pub const NAME_BYTES: usize = RANDOM_BYTES + TAG_BYTES;

/// Makes names and checks which conversation one belongs to.
#[derive(Clone)]
pub struct NameKeys {
    key: [u8; 32],
    /// Keys from the earlier visitor secrets during a rotation.
    earlier: Vec<[u8; 32]>,
}

impl std::fmt::Debug for NameKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameKeys(<redacted>)")
    }
}

impl NameKeys {
    /// Keys derived from the visitor secret; a random key when there is none (the mock
    /// without visitor tokens, which checks no attachments).
    pub fn new(visitors: Option<&VisitorKeys>) -> NameKeys {
        match visitors {
            Some(keys) => NameKeys {
                key: keys.derive(PURPOSE),
                earlier: keys.derive_earlier(PURPOSE),
            },
            None => NameKeys {
                key: rand::random(),
                earlier: Vec::new(),
            },
        }
    }

    /// A fresh name for a file of `kind` uploaded to `conversation`.
    pub fn issue(&self, conversation: &str, kind: Kind) -> String {
        let random: [u8; RANDOM_BYTES] = rand::random();
        let random = hex(&random);
        let tag = mac(&self.key, conversation, &random)
            .finalize()
            .into_bytes();
        format!("{random}{}.{}", hex(&tag[..TAG_BYTES]), kind.extension())
    }

    /// Whether `name` was made for `conversation` (under the current secret or an earlier
    /// one; compared in constant time).
    pub fn bound_to(&self, name: &str, conversation: &str) -> bool {
        let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
        if stem.len() != NAME_BYTES * 2 || !stem.is_ascii() {
            return false;
        }
        let (random, tag) = stem.split_at(RANDOM_BYTES * 2);
        let Some(tag) = unhex(tag) else {
            return false;
        };
        std::iter::once(&self.key).chain(&self.earlier).any(|key| {
            mac(key, conversation, random)
                .verify_truncated_left(&tag)
                .is_ok()
        })
    }
}

/// The kind of a name this server made, or `None` for any other name.
pub(super) fn kind_of_name(name: &str) -> Option<Kind> {
    let (stem, ext) = name.split_once('.')?;
    let ours = stem.len() == NAME_BYTES * 2
        && stem
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    ours.then(|| Kind::from_extension(ext)).flatten()
}

fn mac(key: &[u8; 32], conversation: &str, random: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    for part in [conversation, random] {
        mac.update(part.as_bytes());
        mac.update(b"\0");
    }
    mac
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex only, as names are made.
fn unhex(digits: &str) -> Option<[u8; TAG_BYTES]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let digits = digits.as_bytes();
    if digits.len() != TAG_BYTES * 2 {
        return None;
    }
    let mut out = [0; TAG_BYTES];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secret: &[u8]) -> VisitorKeys {
        VisitorKeys::new(secret).unwrap()
    }

    #[test]
    fn a_name_belongs_to_the_conversation_it_was_made_for_only() {
        let names = NameKeys::new(Some(&keys(b"0123456789abcdef0123")));
        let name = names.issue("c1", Kind::Png);
        assert!(kind_of_name(&name) == Some(Kind::Png), "{name}");
        assert!(names.bound_to(&name, "c1"));
        assert!(!names.bound_to(&name, "c2"));
        assert!(!names.bound_to(&name, "c"));
        assert_ne!(name, names.issue("c1", Kind::Png));
        // Another random part, or another tag, and it is no one's.
        let (stem, ext) = name.split_once('.').unwrap();
        let flipped = |i: usize| {
            let mut s = stem.as_bytes().to_vec();
            s[i] = if s[i] == b'0' { b'1' } else { b'0' };
            format!("{}.{ext}", String::from_utf8(s).unwrap())
        };
        assert!(!names.bound_to(&flipped(0), "c1"));
        assert!(!names.bound_to(&flipped(31), "c1"));
        assert!(!names.bound_to(&name.to_uppercase(), "c1"));
        assert!(!names.bound_to(&"0".repeat(32), "c1"));
        // Another secret knows nothing of it.
        let other = NameKeys::new(Some(&keys(b"another secret of enough bytes")));
        assert!(!other.bound_to(&name, "c1"));
    }

    #[test]
    fn names_made_before_a_rotation_still_belong_to_their_conversation() {
        let before = NameKeys::new(Some(&keys(b"0123456789abcdef0123")));
        let name = before.issue("c1", Kind::Pdf);
        let rotated =
            VisitorKeys::rotating(b"the secret after rotation", &[b"0123456789abcdef0123"])
                .unwrap();
        let after = NameKeys::new(Some(&rotated));
        assert!(after.bound_to(&name, "c1"));
        assert!(!after.bound_to(&name, "c2"));
        let ended = NameKeys::new(Some(&keys(b"the secret after rotation")));
        assert!(!ended.bound_to(&name, "c1"));
    }

    #[test]
    fn only_names_of_our_making_are_served() {
        let names = NameKeys::new(None);
        let name = names.issue("c1", Kind::Png);
        assert_eq!(kind_of_name(&name), Some(Kind::Png));
        assert_ne!(name, names.issue("c1", Kind::Png));
        for bad in [
            "../secret.png",
            "0123456789abcdef0123456789abcdef.html",
            "0123456789ABCDEF0123456789ABCDEF.png",
            "0123.png",
            "0123456789abcdef0123456789abcdef",
            "0123456789abcdef0123456789abcdef.png.html",
        ] {
            assert_eq!(kind_of_name(bad), None, "{bad}");
        }
    }
}
