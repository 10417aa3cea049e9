//! What an ISO base media file holds: a video, audio alone, or a still image. MP4 and
//! QuickTime videos, M4A songs and voice memos, M4B audiobooks, Flash's F4A and HEIC or AVIF
//! photos all share one box structure and start alike (`ftyp`), but are served differently: a
//! voice memo typed as a video is handed to MaiAgent as a video, and a browser opening it shows
//! an empty player.
//!
//! The file says what it is in its `ftyp` box: a major brand (what it is first of all) and
//! compatible brands (what else can read it). When the major brand is a generic one (`isom`,
//! `mp42`, what most encoders write), the tracks say it instead: each track's `hdlr` names its
//! handler, `soun` for sound and `vide` for pictures, so a file with sound tracks and no picture
//! track is audio.
//!
//! Every box is read once, at fixed depths (the file, `moov`, `trak`, `mdia`), without
//! recursion: a walk linear in the number of boxes, whatever the file claims.

/// What the file holds, as far as serving it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    Video,
    Audio,
    /// HEIF, HEIC, AVIF, or a raw photo: no video, and its pictures live in the metadata box
    /// that cleaning blanks.
    StillImage,
}

/// Major brands that mean a still image or an image sequence: HEIF (HEVC, AVC, JPEG or JPEG
/// 2000 coded), HEIC, AVIF, and Canon's CR3 raw photos.
const STILL_IMAGE_BRANDS: [&[u8; 4]; 19] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1",
    b"avif", b"avis", b"avci", b"avcs", b"jpeg", b"jpgs", b"j2ki", b"j2is", b"crx ",
];

/// Brands of audio-only files: Apple's M4A (AAC or ALAC songs, voice memos), M4B
/// (audiobooks), M4P (bought songs), and Adobe's F4A and F4B (Flash audio).
const AUDIO_BRANDS: [&[u8; 4]; 5] = [b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "];

/// Brands of video files that also list audio brands among their compatible ones: iTunes
/// writes `M4V ` videos compatible with `M4A `, so a compatible audio brand alone says little.
const VIDEO_BRANDS: [&[u8; 4]; 5] = [b"M4V ", b"M4VH", b"M4VP", b"F4V ", b"F4P "];

/// What `file`, which starts with an `ftyp` box, holds. In doubt it is a video, as every such
/// file was taken before audio was told apart.
pub fn content(file: &[u8]) -> Content {
    // The brands are read where `ftyp` puts them, even in a file cut short: a HEIC photo's
    // first bytes alone say it is no video.
    let major = file.get(8..12).unwrap_or_default();
    let is = |brands: &[&[u8; 4]]| brands.iter().any(|b| b.as_slice() == major);
    if is(&STILL_IMAGE_BRANDS) {
        return Content::StillImage;
    }
    if is(&AUDIO_BRANDS) {
        return Content::Audio;
    }
    if is(&VIDEO_BRANDS) {
        return Content::Video;
    }
    match tracks(file) {
        Tracks {
            sound: true,
            pictures: false,
        } => Content::Audio,
        Tracks { pictures: true, .. } => Content::Video,
        // No track to tell (a movie box past what could be read): the compatible brands.
        _ => {
            let lists = |brands: &[&[u8; 4]]| {
                compatible_brands(file).any(|c| brands.iter().any(|b| b.as_slice() == c))
            };
            if lists(&AUDIO_BRANDS) && !lists(&VIDEO_BRANDS) {
                Content::Audio
            } else {
                Content::Video
            }
        }
    }
}

/// The compatible brands: after the major brand and the minor version, to the end of `ftyp`
/// (or of the file, if it ends first).
fn compatible_brands(file: &[u8]) -> impl Iterator<Item = &[u8]> {
    let size = file
        .get(..4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    let end = usize::try_from(size).unwrap_or(usize::MAX).min(file.len());
    file.get(16..end).unwrap_or_default().chunks_exact(4)
}

/// Which kinds of track a file has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tracks {
    sound: bool,
    pictures: bool,
}

/// The handlers of the tracks in the file's `moov`: `moov/trak/mdia/hdlr`, whose content is
/// a version and flags, four bytes of zeros, then the handler type.
fn tracks(file: &[u8]) -> Tracks {
    let mut found = Tracks::default();
    let Some((_, moov)) = boxes(file).find(|(kind, _)| kind == b"moov") else {
        return found;
    };
    for (_, trak) in boxes(moov).filter(|(kind, _)| kind == b"trak") {
        let handler = boxes(trak)
            .find(|(kind, _)| kind == b"mdia")
            .and_then(|(_, mdia)| boxes(mdia).find(|(kind, _)| kind == b"hdlr"))
            .and_then(|(_, hdlr)| hdlr.get(8..12));
        match handler {
            Some(b"soun") => found.sound = true,
            // Pictures: video, and the auxiliary video (depth, alpha) that goes with it.
            Some(b"vide" | b"auxv" | b"pict") => found.pictures = true,
            _ => {}
        }
    }
    found
}

/// The boxes directly inside `bytes`, each as its type and content; the walk ends at the first
/// box that does not fit (cleaning refuses such a file anyway, see `strip::mp4`).
fn boxes(bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = bytes.get(at..)?;
        let size = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let kind: [u8; 4] = rest.get(4..8)?.try_into().ok()?;
        // A size of 0 runs to the end; 1 means a 64-bit size follows the type.
        let (header, size) = match size {
            0 => (8, rest.len() as u64),
            1 => (16, u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?)),
            n => (8, u64::from(n)),
        };
        let size = usize::try_from(size)
            .ok()
            .filter(|&s| s >= header && s <= rest.len())?;
        at += size;
        Some((kind, &rest[header..size]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    }

    /// `ftyp` with a major brand and compatible ones.
    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut content = major.to_vec();
        content.extend([0, 0, 2, 0]);
        for brand in compatible {
            content.extend_from_slice(*brand);
        }
        bx(b"ftyp", &content)
    }

    /// A track whose media is handled by `handler`.
    fn trak(handler: &[u8; 4]) -> Vec<u8> {
        let mut hdlr = vec![0; 8];
        hdlr.extend_from_slice(handler);
        hdlr.extend([0; 12]);
        bx(
            b"trak",
            &[
                bx(b"tkhd", &[0; 84]),
                bx(
                    b"mdia",
                    &[bx(b"mdhd", &[0; 24]), bx(b"hdlr", &hdlr)].concat(),
                ),
            ]
            .concat(),
        )
    }

    fn file(ftyp: Vec<u8>, traks: &[&[u8; 4]]) -> Vec<u8> {
        let moov: Vec<u8> = [bx(b"mvhd", &[0; 100])]
            .into_iter()
            .chain(traks.iter().map(|h| trak(h)))
            .collect::<Vec<_>>()
            .concat();
        [ftyp, bx(b"mdat", b"samples"), bx(b"moov", &moov)].concat()
    }

    #[test]
    fn audio_brands_make_audio_whatever_the_tracks() {
        for brand in [b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "] {
            let f = file(ftyp(brand, &[b"isom"]), &[b"soun"]);
            assert_eq!(content(&f), Content::Audio, "{brand:?}");
            // An enhanced podcast's chapter pictures are a video track of an audio file.
            let f = file(ftyp(brand, &[b"isom"]), &[b"soun", b"vide"]);
            assert_eq!(content(&f), Content::Audio, "{brand:?}");
        }
    }

    #[test]
    fn generic_brands_are_told_by_their_tracks() {
        let voice_memo = file(ftyp(b"isom", &[b"iso2", b"mp41"]), &[b"soun"]);
        assert_eq!(content(&voice_memo), Content::Audio);
        // A chapter text track beside the sound is still audio.
        let book = file(ftyp(b"mp42", &[b"isom"]), &[b"soun", b"text"]);
        assert_eq!(content(&book), Content::Audio);
        let movie = file(ftyp(b"mp42", &[b"isom"]), &[b"vide", b"soun"]);
        assert_eq!(content(&movie), Content::Video);
        let silent = file(ftyp(b"qt  ", &[b"qt  "]), &[b"vide"]);
        assert_eq!(content(&silent), Content::Video);
    }

    #[test]
    fn compatible_brands_count_only_without_tracks_and_not_for_videos() {
        // iTunes videos are compatible with M4A.
        let itunes_video = file(ftyp(b"M4V ", &[b"M4V ", b"M4A ", b"mp42"]), &[]);
        assert_eq!(content(&itunes_video), Content::Video);
        let compatible_audio = file(ftyp(b"mp42", &[b"M4A ", b"mp42"]), &[]);
        assert_eq!(content(&compatible_audio), Content::Audio);
        let both = file(ftyp(b"mp42", &[b"M4A ", b"M4V "]), &[]);
        assert_eq!(content(&both), Content::Video);
        // The tracks outrank a compatible brand.
        let with_video = file(ftyp(b"mp42", &[b"M4A "]), &[b"vide"]);
        assert_eq!(content(&with_video), Content::Video);
    }

    #[test]
    fn still_images_and_broken_files() {
        assert_eq!(
            content(&file(ftyp(b"heic", &[b"mif1"]), &[b"pict"])),
            Content::StillImage
        );
        // Only a ftyp, or boxes that lie about their size: a video, for cleaning to judge.
        assert_eq!(content(b"\0\0\0\x18ftypmp42"), Content::Video);
        // A file cut short still says its brand.
        assert_eq!(content(b"\0\0\0\x18ftypavif"), Content::StillImage);
        assert_eq!(content(b"\0\0\0\x18ftypM4B "), Content::Audio);
        let mut lying = file(ftyp(b"isom", &[]), &[b"soun"]);
        // After `ftyp` (16 bytes) and `mdat` (15).
        let moov_at = 16 + 15;
        assert_eq!(&lying[moov_at + 4..moov_at + 8], b"moov");
        lying[moov_at..moov_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(content(&lying), Content::Video);
        assert_eq!(content(b""), Content::Video);
    }

    #[test]
    fn sizes_of_zero_and_64_bits_are_followed() {
        let mut moov = 0u32.to_be_bytes().to_vec();
        moov.extend_from_slice(b"moov");
        moov.extend(trak(b"soun"));
        let mut mdat = 1u32.to_be_bytes().to_vec();
        mdat.extend_from_slice(b"mdat");
        mdat.extend(24u64.to_be_bytes());
        mdat.extend(b"samples!");
        let f = [ftyp(b"isom", &[]), mdat, moov].concat();
        assert_eq!(content(&f), Content::Audio);
    }
}
