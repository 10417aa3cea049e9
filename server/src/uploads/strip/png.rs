//! PNG: a signature, then length-prefixed chunks up to `IEND`.

use super::Malformed;

/// PNG chunks kept besides the critical ones (whose type starts with a capital letter): those
/// that change how the picture looks (the colour space and, for HDR pictures, `cICP` and
/// the mastering and light levels, under both spellings drafts gave them), and APNG's
/// animation chunks. Text (`tEXt`, `zTXt`, `iTXt`), `eXIf`, `tIME`, a suggested palette
/// (`sPLT`, whose name is free text) and every private chunk go.
const PNG_KEPT: [&[u8; 4]; 16] = [
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV", b"mDCv", b"cLLI", b"cLLi",
    b"sBIT", b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT",
];

/// What an `iCCP` chunk's profile name becomes. The name is free text (up to 79 characters)
/// a program or a person chose, "Alice's calibrated MacBook" as well as "sRGB"; it changes
/// nothing in how the picture looks, unlike the profile after it, which stays.
const ICC_NAME: &[u8] = b"ICC profile";

/// The critical chunks (type starting with a capital letter) that PNG defines. A decoder must
/// refuse a file with any other, so one cannot be a picture: it is refused rather than kept
/// as a place for data.
const PNG_CRITICAL: [&[u8; 4]; 4] = [b"IHDR", b"PLTE", b"IDAT", b"IEND"];

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// `bytes` with only the chunks needed to show the picture, up to `IEND`. A PNG starts with
/// its 13-byte `IHDR` and has pixels (`IDAT`) before `IEND`: eight bytes of signature and an
/// `IEND` are not a picture, and are refused rather than stored as one.
pub fn png(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(PNG_SIGNATURE) || bytes.get(8..16) != Some(b"\0\0\0\x0dIHDR") {
        return Err(Malformed);
    }
    let mut pixels = false;
    // PNG allows one colour profile and decoders read the first. Any later one goes: renamed,
    // each could grow by ten bytes, and a file of them by two thirds past the upload limit.
    let mut profile = false;
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
        if critical && !PNG_CRITICAL.contains(&&kind) {
            return Err(Malformed);
        }
        if &kind == b"iCCP" {
            if !profile {
                renamed_profile(&chunk[8..8 + len], &mut out)?;
                profile = true;
            }
        } else if critical || PNG_KEPT.contains(&&kind) {
            out.extend_from_slice(chunk);
        }
        i += chunk.len();
        match &kind {
            b"IHDR" if i != PNG_SIGNATURE.len() + 25 => return Err(Malformed),
            b"IDAT" => pixels = true,
            b"IEND" if pixels => return Ok(out),
            b"IEND" => return Err(Malformed),
            _ => {}
        }
    }
}

/// Writes an `iCCP` chunk with `data`'s profile under [`ICC_NAME`]. `data` is the name, a
/// zero byte, then the compression method and the compressed profile, left as they are.
fn renamed_profile(data: &[u8], out: &mut Vec<u8>) -> Result<(), Malformed> {
    let end_of_name = data
        .iter()
        .take(80)
        .position(|&b| b == 0)
        .ok_or(Malformed)?;
    if end_of_name == 0 {
        return Err(Malformed);
    }
    let profile = &data[end_of_name..];
    let len = u32::try_from(ICC_NAME.len() + profile.len()).map_err(|_| Malformed)?;
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(b"iCCP");
    out.extend_from_slice(ICC_NAME);
    out.extend_from_slice(profile);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// The CRC-32 PNG puts after each chunk (ISO 3309, the one zlib and Ethernet use), over the
/// chunk's type and data. Bit by bit: it runs only over a rewritten `iCCP`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let low_bit = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & low_bit);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
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
        // A critical chunk PNG does not define: no decoder would show the file.
        let mut unknown = PNG_SIGNATURE.to_vec();
        unknown.extend(chunk(b"IHDR", &[0; 13]));
        unknown.extend(chunk(b"GPSX", b"+25.0330+121.5654"));
        unknown.extend(chunk(b"IDAT", b"pixels"));
        unknown.extend(chunk(b"IEND", b""));
        assert_eq!(png(&unknown), Err(Malformed));
    }

    #[test]
    fn the_colour_profile_stays_under_a_neutral_name() {
        let ihdr = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(&ihdr);
        p.extend(chunk(
            b"iCCP",
            b"Alice's calibrated MacBook\0\0zlib profile bytes",
        ));
        p.extend(chunk(b"cICP", &[9, 16, 0, 1]));
        p.extend(chunk(b"sPLT", b"Alice's palette\0\x08"));
        p.extend(chunk(b"IDAT", b"pixels"));
        p.extend(chunk(b"IEND", b""));
        let clean = png(&p).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("Alice"), "{text}");
        // The chunk as PNG wants it: its length, the new name, the same profile, a right CRC.
        let data = b"ICC profile\0\0zlib profile bytes";
        let mut iccp = (data.len() as u32).to_be_bytes().to_vec();
        iccp.extend(b"iCCP");
        iccp.extend(data);
        iccp.extend(crc32(&iccp[4..]).to_be_bytes());
        assert!(clean.windows(iccp.len()).any(|w| w == iccp), "{text}");
        assert!(text.contains("cICP"), "HDR colour kept: {text}");
        // A name that never ends, or is empty, is no iCCP chunk.
        for bad in [&[b'x'; 100][..], b"\0\0profile"] {
            let mut p = PNG_SIGNATURE.to_vec();
            p.extend(&ihdr);
            p.extend(chunk(b"iCCP", bad));
            p.extend(chunk(b"IDAT", b"pixels"));
            p.extend(chunk(b"IEND", b""));
            assert_eq!(png(&p), Err(Malformed));
        }
    }

    #[test]
    fn only_the_first_colour_profile_is_kept() {
        // Each renamed profile is up to ten bytes longer than it came (a one-letter name
        // becomes `ICC profile`); repeated, a file would grow by two thirds past the upload
        // limit. PNG allows one `iCCP`, and decoders read the first.
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
        for _ in 0..1000 {
            p.extend(chunk(b"iCCP", b"A\0\0"));
        }
        p.extend(chunk(b"IDAT", b"pixels"));
        p.extend(chunk(b"IEND", b""));
        let clean = png(&p).unwrap();
        assert!(clean.len() <= p.len(), "{} from {}", clean.len(), p.len());
        assert_eq!(clean.windows(4).filter(|w| w == b"iCCP").count(), 1);
    }

    #[test]
    fn crcs_are_pngs() {
        // Every PNG ends with this chunk and CRC.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn a_signature_without_a_picture_is_refused() {
        let with = |chunks: &[Vec<u8>]| {
            let mut p = PNG_SIGNATURE.to_vec();
            chunks.iter().for_each(|c| p.extend(c));
            p
        };
        let ihdr = chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
        let idat = chunk(b"IDAT", b"pixels");
        let iend = chunk(b"IEND", b"");
        for bad in [
            // The signature, an end, and a page after it.
            with(&[iend.clone(), b"<html><script>alert(1)</script>".to_vec()]),
            // No pixels.
            with(&[ihdr.clone(), iend.clone()]),
            // Pixels before the header, or a second header.
            with(&[idat.clone(), ihdr.clone(), iend.clone()]),
            with(&[ihdr.clone(), ihdr.clone(), idat.clone(), iend.clone()]),
            // A header of the wrong size.
            with(&[chunk(b"IHDR", &[0; 12]), idat.clone(), iend.clone()]),
        ] {
            assert_eq!(png(&bad), Err(Malformed));
        }
        // A whole picture followed by a page keeps the picture only.
        let mut polyglot = with(&[ihdr, idat, iend]);
        let picture = polyglot.clone();
        polyglot.extend(b"<html><script>alert(1)</script>");
        assert_eq!(png(&polyglot).unwrap(), picture);
    }
}
