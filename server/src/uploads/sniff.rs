//! What a file is, read from its bytes: never from its name or the client's `Content-Type`,
//! which the visitor's browser (or anyone with curl) chooses freely.
//!
//! Only kinds that a browser cannot run are known. HTML, SVG and XML are refused even when
//! named `.png`: served from this server's origin they could run script there. Text is
//! accepted only when it is UTF-8 without control characters and does not look like markup.

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
    Mp3,
}

/// Every kind, for looking one up by its extension.
const ALL: [Kind; 8] = [
    Kind::Png,
    Kind::Jpeg,
    Kind::Gif,
    Kind::Webp,
    Kind::Pdf,
    Kind::Text,
    Kind::Mp4,
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
            Kind::Mp3 => "audio/mpeg",
        }
    }

    /// MaiAgent's attachment `type`: image, video, audio, sticker or other.
    pub fn attachment_type(self) -> &'static str {
        match self {
            Kind::Png | Kind::Jpeg | Kind::Gif | Kind::Webp => "image",
            Kind::Mp4 => "video",
            Kind::Mp3 => "audio",
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
    } else if starts(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        // The same box structure carries HEIC and AVIF photos, which are not videos: served as
        // one they would not open, and their pictures live in the metadata box that cleaning
        // blanks.
        let brand = bytes.get(8..12).unwrap_or_default();
        (!STILL_IMAGE_BRANDS.contains(&brand)).then_some(Kind::Mp4)
    } else if starts(b"ID3") {
        Some(Kind::Mp3)
    } else if is_plain_text(bytes) {
        Some(Kind::Text)
    } else {
        None
    }
}

/// Major brands of the ISO media file format that mean a still image (HEIF, HEIC, AVIF).
const STILL_IMAGE_BRANDS: [&[u8]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
];

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
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42"), Some(Kind::Mp4));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  "), Some(Kind::Mp4));
        for photo in [
            &b"\0\0\0\x18ftypheic"[..],
            b"\0\0\0\x1cftypavif",
            b"\0\0\0\x18ftypmif1",
        ] {
            assert_eq!(sniff(photo), None, "{}", String::from_utf8_lossy(photo));
        }
        assert_eq!(sniff(b"ID3\x04\0"), Some(Kind::Mp3));
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

    #[test]
    fn extensions_round_trip_and_images_are_told_apart() {
        for kind in ALL {
            assert_eq!(Kind::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(Kind::from_extension("html"), None);
        assert!(Kind::Png.is_image() && !Kind::Pdf.is_image() && !Kind::Text.is_image());
        assert_eq!(Kind::Mp4.attachment_type(), "video");
    }
}
