//! Telling a PDF from a file that only starts like one.

/// A PDF: `%PDF-` and a version (`1.7`), and `%%EOF` in its last 1024 bytes, where readers
/// look for it.
pub(super) fn is_pdf(bytes: &[u8]) -> bool {
    let version = |b: &[u8]| matches!(b, [major, b'.', minor] if major.is_ascii_digit() && minor.is_ascii_digit());
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-")
        && bytes.get(5..8).is_some_and(version)
        && tail.windows(5).any(|w| w == b"%%EOF")
}
