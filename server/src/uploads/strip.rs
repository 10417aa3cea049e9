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

/// JPEG APPn markers kept: APP0 (JFIF: pixel density), APP2 (ICC colour profile) and APP14
/// (Adobe: how to read the colour channels). Every other APPn (APP1 EXIF and XMP, APP13 IPTC
/// and Photoshop, …) and comments go.
const JPEG_KEPT_APPS: [u8; 3] = [0xE0, 0xE2, 0xEE];

/// `bytes` without EXIF, XMP, IPTC and comment segments, and without anything after the
/// end-of-image marker (a place where data is hidden too).
pub fn jpeg(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Malformed);
    }
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
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
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
        let dropped =
            (0xE0..=0xEF).contains(&marker) && !JPEG_KEPT_APPS.contains(&marker) || marker == 0xFE;
        if !dropped {
            out.extend_from_slice(segment);
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

/// PNG chunks kept besides the critical ones (whose type starts with a capital letter): those
/// that change how the picture looks, and APNG's animation chunks. Text (`tEXt`, `zTXt`,
/// `iTXt`), `eXIf`, `tIME` and every private chunk go.
const PNG_KEPT: [&[u8; 4]; 11] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD", b"acTL", b"fcTL",
    b"fdAT",
];

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// `bytes` with only the chunks needed to show the picture, up to `IEND`.
pub fn png(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    loop {
        let head = bytes.get(i..i + 8).ok_or(Malformed)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        // Length, type, data, CRC.
        let end = i.checked_add(12).and_then(|n| n.checked_add(len));
        let chunk = end.and_then(|end| bytes.get(i..end)).ok_or(Malformed)?;
        let critical = kind[0].is_ascii_uppercase();
        if critical || PNG_KEPT.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        i += chunk.len();
        if &kind == b"IEND" {
            return Ok(out);
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

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
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
    fn broken_jpegs_are_refused() {
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\x00"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\xFF\xFFshort"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xDA\x00\x02\x12\x34"), Err(Malformed));
        assert_eq!(jpeg(b"\xFF\xD8\xFF\xE1\x00\x01"), Err(Malformed));
        assert_eq!(jpeg(b"PNG"), Err(Malformed));
    }

    #[test]
    fn png_loses_text_exif_and_time_but_keeps_pixels_and_colour() {
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
        p.extend(chunk(b"tEXt", b"Author\0Alice"));
        p.extend(chunk(b"eXIf", b"MM\0*GPS"));
        p.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>"));
        p.extend(chunk(b"tIME", &[7, 0xEA, 1, 2, 3, 4, 5]));
        p.extend(chunk(b"sRGB", &[0]));
        p.extend(chunk(b"IDAT", b"pixels"));
        p.extend(chunk(b"IEND", b""));
        p.extend(b"after the end");
        let clean = png(&p).unwrap();
        let text = String::from_utf8_lossy(&clean);
        for gone in ["Alice", "GPS", "xmpmeta", "tIME", "after the end"] {
            assert!(!text.contains(gone), "{gone} left");
        }
        for kept in ["IHDR", "sRGB", "pixels", "IEND"] {
            assert!(text.contains(kept), "{kept} lost");
        }
    }

    #[test]
    fn broken_pngs_are_refused() {
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend([0xFF, 0xFF, 0xFF, 0xFF]);
        p.extend(b"IDAT");
        assert_eq!(png(&p), Err(Malformed));
        let mut no_end = PNG_SIGNATURE.to_vec();
        no_end.extend(chunk(b"IHDR", &[0; 13]));
        assert_eq!(png(&no_end), Err(Malformed));
    }
}
