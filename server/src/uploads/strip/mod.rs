//! Removes metadata from images, videos and MP3s before they are stored: a phone's photo or video
//! carries the place it was taken (EXIF GPS, QuickTime's `©xyz`), the device and often the
//! owner's name, none of which the visitor meant to send with a screenshot.
//!
//! Every format here is a sequence of length-prefixed blocks, so each walk is one linear pass
//! with bounds-checked sizes and no recursion deeper than a fixed level:
//!
//! - JPEG ([`jpeg`]): of the application segments only JFIF, ICC_PROFILE and Adobe stay
//!   (EXIF, XMP, IPTC, vendors' segments and a JFXX thumbnail go; JFIF's own thumbnail and
//!   anything past Adobe's twelve bytes go too), comments go, and so does anything after the
//!   image. One without a frame header and a scan is malformed.
//! - PNG ([`png`]): only the chunks that draw the picture stay (text, `eXIf`, `tIME` go, and
//!   the colour profile's name becomes a neutral one); a
//!   critical chunk PNG does not define, a first chunk other than `IHDR`, or no `IDAT`, makes
//!   the file malformed.
//! - WebP ([`webp`]): only the chunks that draw the picture stay, at the top and inside
//!   animation frames (`EXIF`, `XMP ` go) and `VP8X` no longer announces them.
//! - GIF ([`gif`]): comments, plain text, application extensions other than looping,
//!   sub-blocks past what a kept extension holds, and anything after the trailer go.
//! - MP4 and QuickTime ([`mp4`]): `udta`, `meta`, `uuid` boxes (XMP, a camera's EXIF; not
//!   a spherical video's) and
//!   QuickTime's `©` items, in the file, the movie, its tracks and their media, and movie
//!   fragments, become `free` space of the same size (the media's offsets must not move).
//! - MP3 ([`mp3`]): the ID3v2 tag at the start (titles, names, comments, cover pictures
//!   with EXIF of their own), and APEv2, Lyrics3, an appended ID3v2.4 and ID3v1 tags at the
//!   end go; the audio frames stay.
//!
//! A file that does not parse is refused rather than stored with its metadata.
//!
//! Kept on purpose: a colour profile (JPEG's ICC_PROFILE, PNG's `iCCP`, WebP's `ICCP`). Without
//! it a photo from a wide-gamut camera or screen shows with wrong colours. The profile holds
//! text of its own (a description, a copyright, the device's maker and model, a creation date),
//! usually a stock one ("Display P3", "sRGB IEC61966-2.1") but a calibrated screen's can name
//! it; rewriting it would mean parsing ICC's tag table (and inflating PNG's), which is not done.
//! PNG's profile name, free text outside the profile, is replaced.

/// Why a file could not be cleaned.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

mod gif;
mod jpeg;
mod mp3;
mod mp4;
mod png;
mod webp;

pub use gif::gif;
pub use jpeg::jpeg;
pub use mp3::mp3;
pub use mp4::mp4;
pub use png::png;
pub use webp::webp;
