//! Where an MP3's audio starts: frames that chain, at the start or right after an ID3v2 tag.

use crate::uploads::mpeg_audio;

/// The most zero bytes skipped between an ID3v2 tag and the first audio frame. Some encoders
/// and taggers leave padding there that the tag's size does not count (room reserved for a
/// tag to grow, or what is left when a tag shrinks); it runs to a few KB at most. The bound
/// keeps the look for the first frame a fixed amount of work, and keeps "the frames start
/// right after the tag" true: a tag and a long run of zeros are no sign of audio.
pub const MAX_TAG_PADDING: usize = 16 * 1024;

/// Where the audio of an MP3 starts: where its first frames chain (see
/// [`mpeg_audio::frames_chain`]: a frame header alone is two bytes any file may start with),
/// either at the very start or right past its ID3v2 tag (a well-formed header, the tag's
/// length within the file) and at most [`MAX_TAG_PADDING`] zero bytes. `None` if it is not
/// such a file.
pub fn audio_start(bytes: &[u8]) -> Option<usize> {
    if !bytes.starts_with(b"ID3") {
        return mpeg_audio::frames_chain(bytes).then_some(0);
    }
    let header = bytes.get(..10)?;
    let syncsafe = header[6..10].iter().all(|&b| b < 0x80);
    if !(2..=4).contains(&header[3]) || header[4] == 0xFF || !syncsafe {
        return None;
    }
    let size = header[6..10]
        .iter()
        .fold(0usize, |n, &b| (n << 7) | usize::from(b));
    // ID3v2.4 may end the tag with a 10-byte footer.
    let footer = if header[3] == 4 && header[5] & 0x10 != 0 {
        10
    } else {
        0
    };
    let tag_end = 10 + size + footer;
    let after = bytes.get(tag_end..)?;
    let padding = after
        .iter()
        .take(MAX_TAG_PADDING + 1)
        .take_while(|&&b| b == 0)
        .count();
    if padding > MAX_TAG_PADDING {
        return None;
    }
    // The tag is ten bytes anyone can write in front of a page, so it proves nothing: the
    // frames after it must chain just as in a file without one.
    let at = tag_end + padding;
    mpeg_audio::frames_chain(&bytes[at..]).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::sniff::testing::mp3;
    use crate::uploads::sniff::{sniff, Kind};

    #[test]
    fn after_an_id3_tag_the_frames_must_chain_too() {
        // A well-formed (empty) tag, one frame header, and a page: the tag is ten bytes
        // anyone can write, so it proves no more than the header does.
        let page = b"<html><script>alert(1)</script></html>";
        let mut one = b"ID3\x03\0\0\0\0\0\0\xFF\xFB\x90\x64".to_vec();
        one.extend(page);
        assert_eq!(sniff(&one), None);
        // Two frames that chain and then the page; the chain after padding, broken.
        let mut two = mp3(b"")[..10 + 2 * 417].to_vec();
        two.extend(page);
        assert_eq!(sniff(&two), None);
        let mut broken = mp3(b"");
        broken.splice(10..10, [0; 64]);
        broken[10 + 64 + 417] = 0;
        assert_eq!(sniff(&broken), None);
        // Zero padding between the tag and the first frame, up to its bound, is skipped;
        // past it, or anything but zeros there, is refused.
        let mut padded = mp3(b"TIT2\0\0\0\x01\0\0x");
        padded.splice(21..21, vec![0; MAX_TAG_PADDING]);
        assert_eq!(audio_start(&padded), Some(21 + MAX_TAG_PADDING));
        assert_eq!(sniff(&padded), Some(Kind::Mp3));
        padded.insert(21, 0);
        assert_eq!(sniff(&padded), None);
        let mut junk = mp3(b"");
        junk.splice(10..10, *b"\0\0x\0");
        assert_eq!(sniff(&junk), None);
        // A tag followed by nothing but zeros.
        let mut zeros = b"ID3\x03\0\0\0\0\0\0".to_vec();
        zeros.resize(10 + 100_000, 0);
        assert_eq!(sniff(&zeros), None);
    }
}
