//! Removes metadata from images and videos before they are stored: a phone's photo or video
//! carries the place it was taken (EXIF GPS, QuickTime's `©xyz`), the device and often the
//! owner's name, none of which the visitor meant to send with a screenshot.
//!
//! Every format here is a sequence of length-prefixed blocks, so each walk is one linear pass
//! with bounds-checked sizes and no recursion deeper than a fixed level:
//!
//! - JPEG ([`jpeg`]): of the application segments only JFIF, ICC_PROFILE and Adobe stay
//!   (EXIF, XMP, IPTC, vendors' segments and a JFXX thumbnail go), comments go, and so does
//!   anything after the image. One without a frame header and a scan is malformed.
//! - PNG ([`png`]): only the chunks that draw the picture stay (text, `eXIf`, `tIME` go); a
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
//!
//! A file that does not parse is refused rather than stored with its metadata.

/// Why a file could not be cleaned.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

mod gif;
mod jpeg;
mod mp4;
mod png;
mod webp;

pub use gif::gif;
pub use jpeg::jpeg;
pub use mp4::mp4;
pub use png::png;
pub use webp::webp;
