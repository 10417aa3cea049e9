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

use super::iso_media::{self, Content};
use super::mpeg_audio;

/// A kind of file this server stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Text,
    Mp4,
    /// MP4-family audio (M4A, M4B, F4A, or an MP4 with sound tracks only).
    M4a,
    Mp3,
}

/// Every kind, for looking one up by its extension.
const ALL: [Kind; 9] = [
    Kind::Png,
    Kind::Jpeg,
    Kind::Gif,
    Kind::Webp,
    Kind::Pdf,
    Kind::Text,
    Kind::Mp4,
    Kind::M4a,
    Kind::Mp3,
];

impl Kind {
    /// The extension of the stored name; the name alone then tells how to serve the file.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
            Kind::Text => "txt",
            Kind::Mp4 => "mp4",
            Kind::M4a => "m4a",
            Kind::Mp3 => "mp3",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Kind> {
        ALL.into_iter().find(|k| k.extension() == ext)
    }

    /// The `Content-Type` it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Text => "text/plain; charset=utf-8",
            Kind::Mp4 => "video/mp4",
            Kind::M4a => "audio/mp4",
            Kind::Mp3 => "audio/mpeg",
        }
    }

    /// MaiAgent's attachment `type`: image, video, audio, sticker or other.
    pub fn attachment_type(self) -> &'static str {
        match self {
            Kind::Png | Kind::Jpeg | Kind::Gif | Kind::Webp => "image",
            Kind::Mp4 => "video",
            Kind::M4a | Kind::Mp3 => "audio",
            Kind::Pdf | Kind::Text => "other",
        }
    }

    /// Shown in the browser; everything else is a download.
    pub fn is_image(self) -> bool {
        self.attachment_type() == "image"
    }
}

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

/// A PDF: `%PDF-` and a version (`1.7`), and `%%EOF` in its last 1024 bytes, where readers
/// look for it.
fn is_pdf(bytes: &[u8]) -> bool {
    let version = |b: &[u8]| matches!(b, [major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit());
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-")
        && bytes.get(5..8).is_some_and(version)
        && tail.windows(5).any(|w| w == b"%%EOF")
}

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

/// Tags whose presence makes text markup that a browser might render as a page.
const MARKUP: [&[u8]; 9] = [
    b"<html",
    b"<script",
    b"<!doctype",
    b"<svg",
    b"<body",
    b"<iframe",
    b"<?xml",
    b"<head",
    b"<meta",
];

/// UTF-8, no control characters but tab and line ends, and nothing that looks like markup.
/// One pass over the bytes, whatever their size.
fn is_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    if text.is_empty()
        || text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return false;
    }
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        return false;
    }
    // Only the bytes after a `<` can start a tag, so this stays linear.
    let lower = body.as_bytes();
    !lower.iter().enumerate().any(|(i, &b)| {
        b == b'<'
            && MARKUP.iter().any(|tag| {
                lower
                    .get(i..i + tag.len())
                    .is_some_and(|s| s.eq_ignore_ascii_case(tag))
            })
    })
}

#[cfg(test)]
mod tests {
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
    fn markup_and_binaries_are_refused_whatever_they_are_called() {
        for bad in [
            &b"<html><script>alert(1)</script>"[..],
            b"  \n<!DOCTYPE html><p>hi",
            b"hello <SCRIPT>alert(1)</SCRIPT>",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"\xef\xbb\xbf<?xml version='1.0'?>",
            b"text with a <iframe src=x>",
            b"\x00\x01\x02binary",
            b"\xff\xfe not utf-8",
            b"",
        ] {
            assert_eq!(sniff(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    /// Three MPEG-1 layer III frames at 128 kbit/s and 44.1 kHz (417 bytes each), one after
    /// another as in a real stream.
    fn chained_frames() -> Vec<u8> {
        let mut audio = Vec::new();
        for fill in [1, 2, 3] {
            let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
            f.resize(417, fill);
            audio.extend(f);
        }
        audio
    }

    /// An ID3v2.3 tag holding `frames`, then MPEG audio frames that chain.
    fn mp3(frames: &[u8]) -> Vec<u8> {
        let mut f = b"ID3\x03\0\0".to_vec();
        let n = frames.len();
        f.extend([
            (n >> 21) as u8 & 0x7F,
            (n >> 14) as u8 & 0x7F,
            (n >> 7) as u8 & 0x7F,
            n as u8 & 0x7F,
        ]);
        f.extend_from_slice(frames);
        f.extend(chained_frames());
        f
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

    #[test]
    fn still_images_in_video_boxes_are_not_videos() {
        for brand in [&b"avci"[..], b"hevm", b"jpeg", b"crx "] {
            let mut f = b"\0\0\0\x18ftyp".to_vec();
            f.extend_from_slice(brand);
            assert_eq!(sniff(&f), None, "{}", String::from_utf8_lossy(brand));
        }
    }

    #[test]
    fn extensions_round_trip_and_images_are_told_apart() {
        for kind in ALL {
            assert_eq!(Kind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(Kind::from_extension("html"), None);
        assert!(Kind::Png.is_image() && !Kind::Pdf.is_image() && !Kind::Text.is_image());
        assert_eq!(Kind::Mp4.attachment_type(), "video");
        assert_eq!(Kind::M4a.attachment_type(), "audio");
        assert_eq!(Kind::M4a.mime(), "audio/mp4");
    }
}
