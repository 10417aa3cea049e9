//! Removes metadata from JPEG and PNG images before they are stored: a phone's photo carries
//! the place it was taken (EXIF GPS), the device and often the owner's name, none of which the
//! visitor meant to send with a screenshot.
//!
//! Both formats are sequences of length-prefixed blocks, so the walk is one linear pass that
//! copies the blocks needed to show the picture and drops the rest. A file that does not
//! parse is refused rather than stored with its metadata.

/// Why an image could not be cleaned.
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
