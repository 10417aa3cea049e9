//! MP3: an ID3v2 tag, MPEG audio frames, and maybe tags at the end: APEv2, Lyrics3 (v1 or
//! v2), an ID3v2 tag appended with a footer, and ID3v1, usually last of all but not always (a
//! tagger may append an APEv2 or a second ID3v1 after one already there). The tags hold what a
//! tagger or a phone's recorder wrote (titles, names, comments, lyrics, cover pictures with
//! their own EXIF); the frames hold the sound, and need none of it.
//!
//! The end tags are found from the end backwards, each by a marker at a fixed place and its
//! own length, so taking them off costs a few reads (Lyrics3 v1, which has no length, a search
//! through at most [`LYRICS3V1_MAX`] bytes), whatever the file's size.

use super::Malformed;
use crate::uploads::sniff::audio_start;

/// ID3v1: the last 128 bytes, starting `TAG`.
const ID3V1: usize = 128;

/// The extended ID3v1 some taggers put just before it, starting `TAG+`.
const ID3V1_EXTENDED: usize = 227;

/// An APEv2 tag's footer (and header, when it has one).
const APE_FOOTER: usize = 32;

/// Lyrics3 v2 ends with the tag's size in six digits and `LYRICS200`; the size counts from
/// `LYRICSBEGIN` to just before those digits.
const LYRICS3V2_END: &[u8] = b"LYRICS200";

/// Lyrics3 v1 ends with `LYRICSEND` and says no size: `LYRICSBEGIN`, at most 5,100 bytes of
/// lyrics, and that end, all of which is searched for the beginning.
const LYRICS3V1_END: &[u8] = b"LYRICSEND";
const LYRICS3V1_MAX: usize = 11 + 5100 + 9;

const LYRICS_BEGIN: &[u8] = b"LYRICSBEGIN";

/// An ID3v2 tag's header and footer: `ID3` or `3DI`, the version, the flags and a syncsafe
/// size (of what lies between them).
const ID3V2_FRAME: usize = 10;

/// The most tags taken off the end, ID3v1 among them: one of each of the four kinds, and one
/// more. A file with more still is refused rather than stored with a tag.
const MAX_END_TAGS: usize = 5;

/// An MPEG audio frame header: what must be left of the audio once the end tags are off.
const FRAME_HEADER: usize = 4;

/// `bytes` from the first audio frame on, without the tags at either end.
pub fn mp3(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let start = audio_start(bytes).ok_or(Malformed)?;
    let audio = &bytes[start..];
    let mut end = audio.len();
    // They come in any order (taggers disagree), ID3v1 too.
    let mut taken = 0;
    while let Some(len) = end_tag(&audio[..end])? {
        if taken == MAX_END_TAGS {
            return Err(Malformed);
        }
        taken += 1;
        end -= len;
    }
    // A tag reaching into the first frame's header does not add up: what is left would be
    // no MP3 at all (or nothing).
    if end < FRAME_HEADER {
        return Err(Malformed);
    }
    Ok(audio[..end].to_vec())
}

/// The length of the tag that ends `bytes`, if one does. Every length is more than zero and
/// within `bytes`. ID3v1, whose only mark is `TAG` 128 bytes from the end, is tried last, after
/// the tags whose marks end the file.
fn end_tag(bytes: &[u8]) -> Result<Option<usize>, Malformed> {
    if let Some(len) = ape(bytes)? {
        return Ok(Some(len));
    }
    if let Some(len) = lyrics3(bytes)? {
        return Ok(Some(len));
    }
    if let Some(len) = appended_id3v2(bytes)? {
        return Ok(Some(len));
    }
    Ok(id3v1(bytes))
}

/// The length of an ID3v1 tag ending `bytes`, with the extended tag some taggers put just
/// before it, if one does.
fn id3v1(bytes: &[u8]) -> Option<usize> {
    tail(bytes, ID3V1).filter(|t| t.starts_with(b"TAG"))?;
    let extended = ID3V1 + ID3V1_EXTENDED;
    match tail(bytes, extended) {
        Some(t) if t.starts_with(b"TAG+") => Some(extended),
        _ => Some(ID3V1),
    }
}

/// The length of an APEv2 tag ending `bytes`, if one does; a tag claiming more than there is
/// is malformed.
fn ape(bytes: &[u8]) -> Result<Option<usize>, Malformed> {
    let Some(footer) = tail(bytes, APE_FOOTER).filter(|f| f.starts_with(b"APETAGEX")) else {
        return Ok(None);
    };
    let le32 = |at: usize| {
        u32::from_le_bytes([footer[at], footer[at + 1], footer[at + 2], footer[at + 3]])
    };
    // The size counts the items and the footer; a header, when the flags say there is one,
    // comes on top.
    let size = usize::try_from(le32(12)).map_err(|_| Malformed)?;
    let header = if le32(20) & (1 << 31) != 0 {
        APE_FOOTER
    } else {
        0
    };
    let len = size
        .checked_add(header)
        .filter(|&len| len >= APE_FOOTER && len <= bytes.len());
    len.map(Some).ok_or(Malformed)
}

/// The length of a Lyrics3 tag (v2 or v1) ending `bytes`, if one does; one whose beginning is
/// not where its end says is malformed.
fn lyrics3(bytes: &[u8]) -> Result<Option<usize>, Malformed> {
    if let Some(end) = tail(bytes, 6 + LYRICS3V2_END.len()).filter(|t| t.ends_with(LYRICS3V2_END)) {
        let digits = &end[..6];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(Malformed);
        }
        let size = digits
            .iter()
            .fold(0, |n, &d| n * 10 + usize::from(d - b'0'));
        let len = size + end.len();
        return match tail(bytes, len) {
            Some(tag) if tag.starts_with(LYRICS_BEGIN) => Ok(Some(len)),
            _ => Err(Malformed),
        };
    }
    if bytes.ends_with(LYRICS3V1_END) {
        let from = bytes.len().saturating_sub(LYRICS3V1_MAX);
        let begin = bytes[from..]
            .windows(LYRICS_BEGIN.len())
            .position(|w| w == LYRICS_BEGIN)
            .ok_or(Malformed)?;
        return Ok(Some(bytes.len() - from - begin));
    }
    Ok(None)
}

/// The length of an ID3v2.4 tag appended at the end, found by its footer (`3DI`), if one
/// ends `bytes`; one whose header is not where its footer says is malformed.
fn appended_id3v2(bytes: &[u8]) -> Result<Option<usize>, Malformed> {
    let Some(footer) = tail(bytes, ID3V2_FRAME).filter(|f| f.starts_with(b"3DI")) else {
        return Ok(None);
    };
    if footer[6..].iter().any(|&b| b >= 0x80) {
        return Err(Malformed);
    }
    let size = footer[6..]
        .iter()
        .fold(0usize, |n, &b| (n << 7) | usize::from(b));
    let len = ID3V2_FRAME + size + ID3V2_FRAME;
    match tail(bytes, len) {
        Some(tag) if tag.starts_with(b"ID3") && tag[3..6] == footer[3..6] => Ok(Some(len)),
        _ => Err(Malformed),
    }
}

/// The last `len` bytes, if there are as many.
fn tail(bytes: &[u8], len: usize) -> Option<&[u8]> {
    bytes.len().checked_sub(len).map(|at| &bytes[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: [u8; 4] = [0xFF, 0xFB, 0x90, 0x64];

    /// A frame of `len` bytes with `header`.
    fn frame(header: [u8; 4], len: usize, fill: u8) -> Vec<u8> {
        let mut f = header.to_vec();
        f.resize(len, fill);
        f
    }

    /// MPEG-1 layer III frames that chain at a variable bit rate: 128 kbit/s (417 bytes),
    /// the same padded (418), 160 kbit/s (522).
    fn frames() -> Vec<u8> {
        [
            frame(FRAME, 417, 0x55),
            frame([0xFF, 0xFB, 0x92, 0x64], 418, 0x66),
            frame([0xFF, 0xFB, 0xA0, 0x64], 522, 0x77),
        ]
        .concat()
    }

    fn id3v2(frames: &[u8]) -> Vec<u8> {
        let mut tag = b"ID3\x03\0\0\0\0".to_vec();
        tag.extend([(frames.len() >> 7) as u8 & 0x7F, frames.len() as u8 & 0x7F]);
        tag.extend_from_slice(frames);
        tag
    }

    fn ape(items: &[u8], with_header: bool) -> Vec<u8> {
        let size = (items.len() + APE_FOOTER) as u32;
        let flags: u32 = if with_header { 1 << 31 } else { 0 };
        let part = |is_header: u32| {
            let mut p = b"APETAGEX".to_vec();
            p.extend(2000u32.to_le_bytes());
            p.extend(size.to_le_bytes());
            p.extend(1u32.to_le_bytes());
            p.extend((flags | is_header << 29).to_le_bytes());
            p.extend([0; 8]);
            p
        };
        let mut tag = if with_header { part(1) } else { Vec::new() };
        tag.extend_from_slice(items);
        tag.extend(part(0));
        tag
    }

    fn id3v1() -> Vec<u8> {
        let mut tag = b"TAG".to_vec();
        tag.extend(b"Recorded at home by Alice");
        tag.resize(ID3V1, 0);
        tag
    }

    #[test]
    fn mp3_keeps_its_frames_only() {
        let tag = id3v2(b"TPE1\0\0\0\x06\0\0\0Alice APIC\0\0\0\x10\0\0\0Exif GPS 25.03N");
        let ape_items = b"\x05\0\0\0\0\0\0\0Title\0Alice";
        for (tail, with_header) in [
            (id3v1(), false),
            ([ape(ape_items, false), id3v1()].concat(), false),
            (ape(ape_items, true), true),
            (Vec::new(), false),
        ] {
            let file = [tag.clone(), vec![0; 7], frames(), tail].concat();
            let clean = mp3(&file).unwrap();
            assert_eq!(clean, frames(), "header: {with_header}");
        }
    }

    fn lyrics3v2(lyrics: &[u8]) -> Vec<u8> {
        let mut tag = LYRICS_BEGIN.to_vec();
        tag.extend(b"IND0000210LYR");
        tag.extend(format!("{:05}", lyrics.len()).bytes());
        tag.extend_from_slice(lyrics);
        tag.extend(format!("{:06}", tag.len()).bytes());
        tag.extend(LYRICS3V2_END);
        tag
    }

    fn lyrics3v1(lyrics: &[u8]) -> Vec<u8> {
        [LYRICS_BEGIN, lyrics, LYRICS3V1_END].concat()
    }

    /// An ID3v2.4 tag with a footer, as appended at the end of a file.
    fn appended_id3(frames: &[u8]) -> Vec<u8> {
        let size = [
            (frames.len() >> 21) as u8 & 0x7F,
            (frames.len() >> 14) as u8 & 0x7F,
            (frames.len() >> 7) as u8 & 0x7F,
            frames.len() as u8 & 0x7F,
        ];
        let mut tag = b"ID3\x04\0\x10".to_vec();
        tag.extend(size);
        tag.extend_from_slice(frames);
        tag.extend(b"3DI\x04\0\x10");
        tag.extend(size);
        tag
    }

    /// Three MPEG-1 layer III frames that chain (417 bytes each), as a file without an ID3
    /// tag starts.
    fn chained_frames() -> Vec<u8> {
        [0x11, 0x22, 0x33]
            .map(|fill| frame(FRAME, 417, fill))
            .concat()
    }

    #[test]
    fn lyrics_and_an_appended_id3v2_go_too_in_any_order() {
        let lyrics = || lyrics3v2(b"[00:01]Alice sings at home");
        let old_lyrics = || lyrics3v1(b"Alice sings at home");
        let appended = || appended_id3(b"TPE1\0\0\0\x06\0\0\0Alice");
        let ape = || ape(b"\x05\0\0\0\0\0\0\0Title\0Alice", false);
        for tail in [
            [lyrics(), id3v1()].concat(),
            [old_lyrics(), id3v1()].concat(),
            [lyrics(), ape(), id3v1()].concat(),
            [ape(), lyrics(), id3v1()].concat(),
            [appended(), id3v1()].concat(),
            [ape(), old_lyrics(), appended()].concat(),
            [lyrics(), ape(), appended(), id3v1()].concat(),
        ] {
            let file = [id3v2(b""), frames(), tail].concat();
            assert_eq!(mp3(&file).unwrap(), frames());
            // And an MP3 without an ID3 tag at its start.
            let bare = [chained_frames(), file[10..].to_vec()].concat();
            let cleaned = mp3(&bare).unwrap();
            assert_eq!(cleaned, [chained_frames(), frames()].concat());
            assert!(!cleaned.windows(5).any(|w| w == b"Alice"));
        }
    }

    #[test]
    fn end_tags_that_do_not_add_up_are_refused() {
        let audio = [id3v2(b""), frames()].concat();
        // Lyrics3 v2 whose size misses its beginning, or is no number.
        let mut short = lyrics3v2(b"Alice");
        let digits = short.len() - 15;
        short[digits..digits + 6].copy_from_slice(b"000003");
        let mut letters = lyrics3v2(b"Alice");
        letters[digits..digits + 6].copy_from_slice(b"00x030");
        // Lyrics3 v1 with no beginning within its longest length.
        let mut far = LYRICS_BEGIN.to_vec();
        far.extend(vec![b'a'; 5200]);
        far.extend(LYRICS3V1_END);
        // An appended ID3v2 whose header is not where its footer says.
        let mut lost = appended_id3(b"TPE1\0\0\0\x06\0\0\0Alice");
        lost[0] = b'X';
        for tail in [short, letters, far, lost] {
            let file = [audio.clone(), tail].concat();
            assert_eq!(mp3(&file), Err(Malformed));
        }
        // One tag of each kind and one more are taken; past that the file is refused.
        let many = |n: usize| {
            let tags: Vec<u8> = (0..n).flat_map(|_| ape(b"la", false)).collect();
            [audio.clone(), tags].concat()
        };
        assert_eq!(mp3(&many(MAX_END_TAGS)).unwrap(), frames());
        assert_eq!(mp3(&many(MAX_END_TAGS + 1)), Err(Malformed));
    }

    #[test]
    fn an_id3v1_tag_that_is_not_last_goes_too() {
        // Some taggers append an APEv2 or a second ID3v1 after an ID3v1 tag already there.
        let ape = || ape(b"\x05\0\0\0\0\0\0\0Title\0Bob", false);
        let mut extended = b"TAG+".to_vec();
        extended.extend(b"Alice's long title");
        extended.resize(ID3V1_EXTENDED, 0);
        for tail in [
            [id3v1(), ape()].concat(),
            [id3v1(), id3v1()].concat(),
            [extended.clone(), id3v1(), ape()].concat(),
            [id3v1(), lyrics3v2(b"la la"), id3v1()].concat(),
            [id3v1(), appended_id3(b"TPE1\0\0\0\x04\0\0\0Bob")].concat(),
        ] {
            let file = [id3v2(b""), frames(), tail].concat();
            let clean = mp3(&file).unwrap();
            assert_eq!(clean, frames());
            assert!(!clean.windows(5).any(|w| w == b"Alice"));
        }
    }

    #[test]
    fn end_tags_may_not_reach_into_the_first_frame() {
        // An APE tag whose size counts the whole audio, header included: nothing of the MP3
        // would be left, or part of a frame header. With an ID3 tag in front or without.
        for start in [id3v2(b""), Vec::new()] {
            for audio in [chained_frames(), frames()] {
                for eaten in [audio.len(), audio.len() - 2] {
                    let mut tag = ape(b"", false);
                    let size_at = tag.len() - APE_FOOTER + 12;
                    let size = (eaten + APE_FOOTER) as u32;
                    tag[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
                    let file = [start.clone(), audio.clone(), tag].concat();
                    assert_eq!(mp3(&file), Err(Malformed), "{eaten} of {}", audio.len());
                }
            }
        }
    }

    #[test]
    fn broken_tags_are_refused() {
        assert_eq!(mp3(b"ID3<html>"), Err(Malformed));
        // An APE footer claiming more than the file holds.
        let mut ape = ape(b"items", false);
        let size_at = ape.len() - APE_FOOTER + 12;
        ape[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let file = [id3v2(b""), frames(), ape].concat();
        assert_eq!(mp3(&file), Err(Malformed));
    }
}
