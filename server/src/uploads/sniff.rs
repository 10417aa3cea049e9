//! What a file is, read from its bytes: never from its name or the client's `Content-Type`,
//! which the visitor's browser (or anyone with curl) chooses freely.
//!
//! Only kinds that a browser cannot run are known. HTML, SVG and XML are refused even when
//! named `.png`: served from this server's origin they could run script there. Text is
//! accepted only when it is UTF-8 without control characters and does not look like markup.
//!
//! A signature of a few bytes is not taken alone for a PDF (stored as sent) or an MP3 (cut
//! at its tags only): a PDF must also name its version and end as PDFs end, and an MP3's
//! audio must start with several frames that follow one another exactly, at the very start
//! or right after a well-formed ID3v2 tag (and a little zero padding). Images and videos are
//! walked block by block when they are cleaned ([`super::strip`]), which refuses what does
//! not add up.
//!
//! What this does not promise: that a file is only what it says. A valid PNG can carry any
//! bytes inside its pixel data, a PDF any bytes between its header and its end. Such a
//! polyglot is harmless here because of how every file is served: with the type its name
//! says, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox`, and as a
//! download unless it is an image, so no browser reads it as a page.

mod kind;
mod mp3;
mod pdf;
mod text;

#[cfg(test)]
mod testing;

use super::iso_media::{self, Content};

pub use kind::Kind;
pub use mp3::{audio_start, MAX_TAG_PADDING};
use pdf::is_pdf;
use text::is_plain_text;

/// The kind of `bytes`, or `None` for anything not on the list (including markup).
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Kind::Gif)
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(Kind::Webp)
    } else if is_pdf(bytes) {
        Some(Kind::Pdf)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        // The same box structure carries videos, audio alone, and HEIC and AVIF photos, which
        // are not videos: served as one they would not open, and their pictures live in the
        // metadata box that cleaning blanks.
        match iso_media::content(bytes) {
            Content::Video => Some(Kind::Mp4),
            Content::Audio => Some(Kind::M4a),
            Content::StillImage => None,
        }
    } else if audio_start(bytes).is_some() {
        Some(Kind::Mp3)
    } else if is_plain_text(bytes) {
        Some(Kind::Text)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{chained_frames, mp3};
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Kind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"GIF89a...."), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n1 0 obj\n%%EOF\n"), Some(Kind::Pdf));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some(Kind::Mp4));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  "), Some(Kind::Mp4));
        assert_eq!(sniff(b"\0\0\0\x18ftypM4A \0\0\0\0"), Some(Kind::M4a));
        assert_eq!(sniff(b"\0\0\0\x18ftypF4A \0\0\0\0"), Some(Kind::M4a));
        for photo in [
            &b"\0\0\0\x18ftypheic"[..],
            b"\0\0\0\x1cftypavif",
            b"\0\0\0\x18ftypmif1",
        ] {
            assert_eq!(sniff(photo), None, "{}", String::from_utf8_lossy(photo));
        }
        assert_eq!(sniff(&mp3(b"")), Some(Kind::Mp3));
        assert_eq!(
            sniff("error log: 錯誤\nline 2\n".as_bytes()),
            Some(Kind::Text)
        );
        assert_eq!(sniff("a < b and c > d".as_bytes()), Some(Kind::Text));
    }

    #[test]
    fn short_signatures_are_not_enough_for_files_stored_as_sent() {
        // A PDF's first five bytes and then a page, or binary: nothing known.
        for fake in [
            &b"%PDF-<html><script>alert(1)</script>%%EOF"[..],
            b"%PDF-\xff\xfe\x00%%EOF",
            b"%PDF-1.7\n\xff\xfe\x00 and no end",
        ] {
            assert_eq!(sniff(fake), None, "{:?}", String::from_utf8_lossy(fake));
        }
        // A text that merely starts like a PDF (a header alone) is text.
        assert_eq!(sniff(b"%PDF-1.4\n"), Some(Kind::Text));
        // `%%EOF` is looked for in the last 1024 bytes only.
        let mut far = b"%PDF-1.7\n\xff%%EOF".to_vec();
        far.extend([0xFF; 1024]);
        assert_eq!(sniff(&far), None);
        // `ID3` and then anything; a broken tag; a tag with no audio after it.
        let mut bad_size = mp3(b"TIT2");
        bad_size[6] = 0x80;
        let mut no_audio = mp3(b"");
        no_audio.truncate(10);
        no_audio.extend(b"<html><script>alert(1)</script>");
        for fake in [
            &b"ID3<html><script>alert(1)</script>"[..],
            b"ID3\x04\0",
            &bad_size,
            &no_audio,
        ] {
            assert_eq!(sniff(fake), None, "{:?}", String::from_utf8_lossy(fake));
        }
        // Padding between the tag and the first frame, and a v2.4 footer, are fine.
        let mut padded = mp3(b"TIT2\0\0\0\x01\0\0x");
        padded.splice(21..21, [0; 100]);
        assert_eq!(sniff(&padded), Some(Kind::Mp3));
        // Without an ID3 tag: three frames that chain, not one header and then anything.
        let bare = chained_frames();
        assert_eq!(sniff(&bare), Some(Kind::Mp3));
        assert_eq!(audio_start(&bare), Some(0));
        let mut broken = bare.clone();
        broken[417] = 0;
        assert_eq!(sniff(&broken), None);
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0]), None);
        let mut footer = b"ID3\x04\0\x10\0\0\0\0".to_vec();
        footer.extend(b"3DI\x04\0\x10\0\0\0\0");
        footer.extend(chained_frames());
        assert_eq!(sniff(&footer), Some(Kind::Mp3));
        assert_eq!(audio_start(&footer), Some(20));
    }
    #[test]
    fn still_images_in_video_boxes_are_not_videos() {
        for brand in [&b"avci"[..], b"hevm", b"jpeg", b"crx "] {
            let mut f = b"\0\0\0\x18ftyp".to_vec();
            f.extend_from_slice(brand);
            assert_eq!(sniff(&f), None, "{}", String::from_utf8_lossy(brand));
        }
    }
}
