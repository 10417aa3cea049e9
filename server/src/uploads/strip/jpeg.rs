//! JPEG: a sequence of marker segments, then entropy-coded scans.

use super::Malformed;

/// JPEG APPn segments kept, by marker and the identifier their data starts with: APP0 JFIF
/// (pixel density), APP2 ICC_PROFILE (the colour profile) and APP14 Adobe (how to read the
/// colour channels). Every other APPn goes, and so does a kept marker carrying anything else
/// (APP0 JFXX holds a thumbnail that may carry its own EXIF): APP1 EXIF and XMP, APP13 IPTC
/// and Photoshop, vendors' own. So do comments and the reserved markers 0xF0-0xFD (but JPEG-LS's
/// 0xF7 and 0xF8, which make the file one this server refuses).
const JPEG_KEPT_APPS: [(u8, &[u8]); 3] = [
    (0xE0, b"JFIF\0"),
    (0xE2, b"ICC_PROFILE\0"),
    (0xEE, b"Adobe"),
];

/// JFIF's fixed part: `JFIF\0`, version, density unit, densities, thumbnail width and height.
/// What follows is the thumbnail's pixels: a small copy of the picture, which may still show
/// what the visitor cropped away.
const JFIF_FIXED: usize = 14;

/// Adobe's: `Adobe`, version, two flag words and the colour transform.
const ADOBE_FIXED: usize = 12;

/// What of a kept segment's data stays: JFIF and Adobe segments lose anything past their
/// fixed part (a thumbnail, or bytes no reader looks at); anything else stays whole.
fn fixed_part(marker: u8, data: &[u8]) -> &[u8] {
    let fixed = match marker {
        0xE0 => JFIF_FIXED,
        0xEE => ADOBE_FIXED,
        _ => data.len(),
    };
    &data[..fixed.min(data.len())]
}

/// Whether the segment with `marker` and `data` (after its length) is dropped.
fn is_metadata(marker: u8, data: &[u8]) -> bool {
    match marker {
        0xE0..=0xEF => !JPEG_KEPT_APPS
            .iter()
            .any(|&(kept, id)| kept == marker && data.starts_with(id)),
        0xF0..=0xF6 | 0xF9..=0xFE => true,
        _ => false,
    }
}

/// Whether `marker` starts a frame (SOF0-SOF15; 0xC4, 0xC8 and 0xCC are other segments).
fn is_frame(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// `bytes` without EXIF, XMP, IPTC, vendors' and comment segments (see [`JPEG_KEPT_APPS`]),
/// and without anything after the end-of-image marker (a place where data is hidden too).
/// A picture has a frame header before its first scan and at least one scan: a start and an
/// end marker alone are not one, and are refused rather than stored as one.
pub fn jpeg(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Malformed);
    }
    let mut frame = false;
    let mut scan = false;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        // Fill bytes (0xFF repeated) may come before a marker.
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if bytes.get(i) != Some(&0xFF) {
            return Err(Malformed);
        }
        let marker = *bytes.get(i + 1).ok_or(Malformed)?;
        match marker {
            0xD9 if scan => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            0xD9 => return Err(Malformed),
            0xDA if !frame => return Err(Malformed),
            0xDA => scan = true,
            m if is_frame(m) => frame = true,
            // JPEG-LS (its frame and parameters): not a picture a browser shows, and not one
            // to store with a marker cut out.
            0xF7 | 0xF8 => return Err(Malformed),
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(i + 2).ok_or(Malformed)?,
            *bytes.get(i + 3).ok_or(Malformed)?,
        ]));
        if len < 2 {
            return Err(Malformed);
        }
        let end = i + 2 + len;
        let segment = bytes.get(i..end).ok_or(Malformed)?;
        if !is_metadata(marker, &segment[4..]) {
            out.extend_from_slice(&segment[..2]);
            let data = fixed_part(marker, &segment[4..]);
            let len = u16::try_from(data.len() + 2).map_err(|_| Malformed)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(data);
            // JFIF's thumbnail, which this drops, has its size in the last two bytes kept.
            if marker == 0xE0 && data.len() == JFIF_FIXED {
                let at = out.len() - 2;
                out[at..].copy_from_slice(&[0, 0]);
            }
        }
        i = end;
        if marker == 0xDA {
            // Start of scan: entropy-coded data follows up to the next real marker. In it,
            // 0xFF is followed by 0x00 (a stuffed byte) or a restart marker.
            let start = i;
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return Err(Malformed),
                }
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, data: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(data);
        s
    }

    #[test]
    fn jpeg_loses_exif_xmp_and_comments_but_keeps_the_picture() {
        let mut jpg = vec![0xFF, 0xD8];
        jpg.extend(segment(0xE0, b"JFIF\0\x01\x01"));
        jpg.extend(segment(0xE1, b"Exif\0\0GPS 25.03N 121.56E"));
        jpg.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>"));
        jpg.extend(segment(0xED, b"Photoshop 3.0\0IPTC owner"));
        jpg.extend(segment(0xFE, b"taken by Alice"));
        jpg.extend(segment(0xDB, &[0; 65]));
        jpg.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        jpg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        // Entropy data with a stuffed 0xFF and a restart marker, then a second scan.
        jpg.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        jpg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        jpg.extend([0x78]);
        jpg.extend([0xFF, 0xD9]);
        jpg.extend(b"trailing secret");
        let clean = jpeg(&jpg).unwrap();
        let text = String::from_utf8_lossy(&clean);
        for gone in ["GPS", "xmpmeta", "IPTC", "Alice", "trailing"] {
            assert!(!text.contains(gone), "{gone} left in {text}");
        }
        assert!(text.contains("JFIF"));
        assert!(clean.ends_with(&[0x56, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x78, 0xFF, 0xD9]));
        assert!(clean
            .windows(7)
            .any(|w| w == [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]));
    }

    #[test]
    fn only_jfif_icc_and_adobe_segments_stay_of_the_app_markers() {
        let mut jpg = vec![0xFF, 0xD8];
        jpg.extend(segment(0xE0, b"JFIF\0\x01\x01"));
        jpg.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
        jpg.extend(segment(0xEE, b"Adobe\0\x64"));
        // A JFXX thumbnail with EXIF of its own, APP2 and APP14 of other kinds, a vendor's
        // APP12 and a reserved marker.
        jpg.extend(segment(0xE0, b"JFXX\0\x10\xFF\xD8Exif GPS"));
        jpg.extend(segment(0xE2, b"FPXR\0GPS"));
        jpg.extend(segment(0xEE, b"Other GPS"));
        jpg.extend(segment(0xEC, b"Ducky GPS"));
        jpg.extend(segment(0xF5, b"GPS"));
        jpg.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        jpg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        jpg.extend([0x12, 0xFF, 0xD9]);
        let clean = jpeg(&jpg).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS"), "{text}");
        for kept in ["JFIF", "ICC_PROFILE", "Adobe"] {
            assert!(text.contains(kept), "{kept} gone from {text}");
        }
    }

    #[test]
    fn jfif_and_adobe_segments_lose_what_follows_their_fixed_part() {
        let sof = segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        let sos = segment(0xDA, &[1, 1, 0, 0, 63, 0]);
        // A JFIF segment with a 2x1 thumbnail (six bytes of RGB), an Adobe one with more
        // than its twelve bytes.
        let mut jfif = b"JFIF\0\x01\x02\x01\0\x48\0\x48\x02\x01".to_vec();
        jfif.extend(b"RGBrgb");
        let mut adobe = b"Adobe\0\x64\0\0\0\0\x01".to_vec();
        adobe.extend(b"extra");
        let jpg = [
            &[0xFF, 0xD8][..],
            &segment(0xE0, &jfif),
            &segment(0xEE, &adobe),
            &sof,
            &sos,
            &[0x12, 0xFF, 0xD9],
        ]
        .concat();
        let clean = jpeg(&jpg).unwrap();
        let want = [
            &[0xFF, 0xD8][..],
            &segment(0xE0, b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0"),
            &segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01"),
            &sof,
            &sos,
            &[0x12, 0xFF, 0xD9],
        ]
        .concat();
        assert_eq!(clean, want);
    }

    #[test]
    fn markers_without_a_picture_are_refused() {
        let sof = segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
        let sos = segment(0xDA, &[1, 1, 0, 0, 63, 0]);
        let start = vec![0xFF, 0xD8];
        let cat = |parts: &[&[u8]]| parts.concat();
        for bad in [
            // Start, end, and a page after it.
            cat(&[&start, &[0xFF, 0xD9], b"<html><script>alert(1)</script>"]),
            // A frame but no scan; a scan with no frame before it.
            cat(&[&start, &sof, &[0xFF, 0xD9]]),
            cat(&[&start, &sos, &[0x12, 0xFF, 0xD9]]),
            // A comment where the picture should be.
            cat(&[
                &start,
                &segment(0xFE, b"<script>alert(1)</script>"),
                &[0xFF, 0xD9],
            ]),
        ] {
            assert_eq!(jpeg(&bad), Err(Malformed), "{bad:?}");
        }
        // Progressive (SOF2) pictures are pictures too.
        let progressive = cat(&[
            &start,
            &segment(0xC2, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
            &sos,
            &[0x12, 0xFF, 0xD9],
        ]);
        assert_eq!(jpeg(&progressive).unwrap(), progressive);
    }

    #[test]
    fn broken_jpegs_are_refused() {
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\x00"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\xFF\xFFshort"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xDA\x00\x02\x12\x34"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\x00\x01"), Err(Malformed));
        assert_eq!(jpeg(b"PNG"), Err(Malformed));
        // JPEG-LS: refused, not stored with its frame cut out.
        assert_eq!(
            jpeg(b"\xFF\xD8\xFF\xF7\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"),
            Err(Malformed)
        );
    }
}
