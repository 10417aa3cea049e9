//! The kinds of file stored: their extensions, served types and attachment types.

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

#[cfg(test)]
mod tests {
    use super::*;

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
