//! WebP: a RIFF file (`RIFF`, its size, `WEBP`), then chunks of a four-letter type, a 32-bit
//! little-endian size, the data and a padding byte when the size is odd.

use super::Malformed;

/// Chunks kept: those a decoder reads to show the picture or the animation. `EXIF`, `XMP `
/// and any chunk of unknown type go (a decoder skips unknown chunks, so they can only carry
/// data nobody sees), at the top and inside animation frames.
const KEPT: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// VP8X's first byte says which optional chunks follow; a flag left set for a chunk that is
/// gone would make a strict reader look for it.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// Chunks kept inside an animation frame (`ANMF`), after its 16-byte header: the frame's
/// picture and alpha. Anything else there goes, as at the top.
const FRAME_KEPT: [&[u8; 4]; 3] = [b"VP8 ", b"VP8L", b"ALPH"];

/// The bytes of an `ANMF` header before its chunks: position, size, duration, flags.
const ANMF_HEADER: usize = 16;

/// `bytes` with only the chunks that show the picture, the `VP8X` flags saying so, and
/// nothing after the RIFF's end.
pub fn webp(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if bytes.get(0..4) != Some(b"RIFF") || bytes.get(8..12) != Some(b"WEBP") {
        return Err(Malformed);
    }
    let riff_size = le32(bytes, 4)?;
    // The RIFF size counts from `WEBP` on; bytes past it are not part of the image.
    let end = riff_size.checked_add(8).ok_or(Malformed)?;
    if riff_size < 4 || end > bytes.len() {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    if end == 12 {
        return Err(Malformed);
    }
    copy_kept(bytes, 12, end, &KEPT, true, &mut out)?;
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| Malformed)?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Ok(out)
}

/// Copies to `out` the chunks from `start` to `end` (which they must fill exactly) whose type
/// is in `kept`. At the top (`top`), a `VP8X` loses its metadata flags and an `ANMF` keeps
/// only its frame's picture chunks.
fn copy_kept(
    bytes: &[u8],
    start: usize,
    end: usize,
    kept: &[&[u8; 4]],
    top: bool,
    out: &mut Vec<u8>,
) -> Result<(), Malformed> {
    let mut i = start;
    while i < end {
        let kind = bytes.get(i..i + 4).ok_or(Malformed)?;
        let size = le32(bytes, i + 4)?;
        let data_start = i + 8;
        let padded = size.checked_add(size % 2).ok_or(Malformed)?;
        let next = data_start.checked_add(padded).ok_or(Malformed)?;
        if next > end {
            return Err(Malformed);
        }
        if kept.iter().any(|k| &k[..] == kind) {
            let at = out.len();
            if top && kind == b"ANMF" {
                let frame_end = data_start + size;
                let header = bytes
                    .get(data_start..data_start + ANMF_HEADER)
                    .filter(|_| size >= ANMF_HEADER)
                    .ok_or(Malformed)?;
                out.extend_from_slice(b"ANMF\0\0\0\0");
                out.extend_from_slice(header);
                copy_kept(
                    bytes,
                    data_start + ANMF_HEADER,
                    frame_end,
                    &FRAME_KEPT,
                    false,
                    out,
                )?;
                let frame_size = u32::try_from(out.len() - at - 8).map_err(|_| Malformed)?;
                out[at + 4..at + 8].copy_from_slice(&frame_size.to_le_bytes());
            } else {
                out.extend_from_slice(&bytes[i..next]);
                if top && kind == b"VP8X" {
                    if size == 0 {
                        return Err(Malformed);
                    }
                    out[at + 8] &= !(VP8X_EXIF | VP8X_XMP);
                }
            }
        }
        i = next;
    }
    Ok(())
}

fn le32(bytes: &[u8], at: usize) -> Result<usize, Malformed> {
    let b = bytes.get(at..at + 4).ok_or(Malformed)?;
    usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).map_err(|_| Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body: Vec<u8> = chunks.concat();
        let mut f = b"RIFF".to_vec();
        f.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        f.extend_from_slice(b"WEBP");
        f.extend(body);
        f
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_its_flags_but_keeps_the_picture() {
        // Flags: ICC (0x20), alpha (0x10), EXIF (0x08), XMP (0x04); canvas 1×1.
        let vp8x = chunk(b"VP8X", &[0x3C, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let iccp = chunk(b"ICCP", b"icc");
        let alph = chunk(b"ALPH", b"alpha");
        // An odd size, so the padding byte is exercised.
        let vp8 = chunk(b"VP8 ", b"keyframe!");
        let exif = chunk(b"EXIF", b"MM\0*GPS +25.0330+121.5654");
        let xmp = chunk(b"XMP ", b"<x:xmpmeta>owner Alice</x:xmpmeta>");
        let mut file = riff(&[vp8x, iccp.clone(), alph.clone(), vp8.clone(), exif, xmp]);
        file.extend(b"after the end");

        let clean = webp(&file).unwrap();
        for gone in [
            &b"+25.0330+121.5654"[..],
            b"xmpmeta",
            b"EXIF",
            b"XMP ",
            b"after",
        ] {
            assert!(!contains(&clean, gone), "{}", String::from_utf8_lossy(gone));
        }
        let expected = riff(&[
            chunk(b"VP8X", &[0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            iccp,
            alph,
            vp8,
        ]);
        assert_eq!(clean, expected);
        assert_eq!(
            u32::from_le_bytes(clean[4..8].try_into().unwrap()) as usize,
            clean.len() - 8
        );

        // A simple lossless file has nothing to lose.
        let plain = riff(&[chunk(b"VP8L", b"\x2f lossless")]);
        assert_eq!(webp(&plain).unwrap(), plain);
    }

    #[test]
    fn an_animation_frame_keeps_only_its_picture() {
        let vp8x = chunk(b"VP8X", &[0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let anim = chunk(b"ANIM", &[0; 6]);
        let header = [1u8; ANMF_HEADER];
        let alph = chunk(b"ALPH", b"alpha");
        let picture = chunk(b"VP8L", b"\x2f frame");
        let hidden = chunk(b"EXIF", b"MM\0*GPS +25.0330+121.5654");
        let frame =
            |inside: &[Vec<u8>]| chunk(b"ANMF", &[header.to_vec(), inside.concat()].concat());
        let file = riff(&[
            vp8x.clone(),
            anim.clone(),
            frame(&[alph.clone(), hidden.clone(), picture.clone()]),
            frame(&[picture.clone(), hidden]),
        ]);
        let clean = webp(&file).unwrap();
        assert!(!contains(&clean, b"GPS"));
        let expected = riff(&[
            vp8x,
            anim,
            frame(&[alph, picture.clone()]),
            frame(&[picture]),
        ]);
        assert_eq!(clean, expected);
        // A frame too short for its header.
        let short = riff(&[chunk(b"ANMF", &[0; 8])]);
        assert_eq!(webp(&short), Err(Malformed));
    }

    #[test]
    fn broken_webps_are_refused() {
        let good = riff(&[chunk(b"VP8 ", b"keyframe!")]);
        // Cut anywhere, the RIFF size (or a chunk's) no longer fits.
        for cut in 0..good.len() {
            assert_eq!(webp(&good[..cut]), Err(Malformed), "cut at {cut}");
        }
        // A chunk claiming 4 GB.
        let mut lying = riff(&[chunk(b"VP8 ", b"ab")]);
        lying[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(webp(&lying), Err(Malformed));
        // A RIFF claiming more than the file holds.
        let mut long = good.clone();
        long[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(webp(&long), Err(Malformed));
        // No chunks at all, and an empty VP8X.
        assert_eq!(webp(&riff(&[])), Err(Malformed));
        assert_eq!(webp(&riff(&[chunk(b"VP8X", b"")])), Err(Malformed));
    }
}
