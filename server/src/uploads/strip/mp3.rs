//! MP3: an ID3v2 tag, MPEG audio frames, and maybe an APEv2 tag and an ID3v1 tag at the end.
//! The tags hold what a tagger or a phone's recorder wrote (titles, names, comments, cover
//! pictures with their own EXIF); the frames hold the sound, and need none of it.

use super::Malformed;
use crate::uploads::sniff::audio_start;

/// ID3v1: the last 128 bytes, starting `TAG`.
const ID3V1: usize = 128;

/// The extended ID3v1 some taggers put just before it, starting `TAG+`.
const ID3V1_EXTENDED: usize = 227;

/// An APEv2 tag's footer (and header, when it has one).
const APE_FOOTER: usize = 32;

/// `bytes` from the first audio frame on, without the tags at either end.
pub fn mp3(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let start = audio_start(bytes).ok_or(Malformed)?;
    let audio = &bytes[start..];
    let mut end = audio.len();
    if end >= ID3V1 && audio[end - ID3V1..].starts_with(b"TAG") {
        end -= ID3V1;
        if end >= ID3V1_EXTENDED && audio[end - ID3V1_EXTENDED..].starts_with(b"TAG+") {
            end -= ID3V1_EXTENDED;
        }
    }
    if end >= APE_FOOTER && audio[end - APE_FOOTER..].starts_with(b"APETAGEX") {
        let footer = &audio[end - APE_FOOTER..end];
        let le32 = |at: usize| {
            u32::from_le_bytes([footer[at], footer[at + 1], footer[at + 2], footer[at + 3]])
        };
        // The size counts the items and the footer; a header, when the flags say there is
        // one, comes on top.
        let size = usize::try_from(le32(12)).map_err(|_| Malformed)?;
        let header = if le32(20) & (1 << 31) != 0 {
            APE_FOOTER
        } else {
            0
        };
        end = end
            .checked_sub(size)
            .and_then(|e| e.checked_sub(header))
            .ok_or(Malformed)?;
    }
    Ok(audio[..end].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: [u8; 4] = [0xFF, 0xFB, 0x90, 0x64];

    fn frames() -> Vec<u8> {
        [&FRAME[..], &[0x55; 100], &FRAME, &[0x66; 100]].concat()
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
