//! GIF: a header, the logical screen descriptor and its optional colour table, then blocks
//! up to the trailer `0x3B`: images (a descriptor, an optional local colour table and LZW data)
//! and extensions. Image data and extensions are chains of sub-blocks, each a length byte and
//! that many bytes, ended by a zero length.

use super::Malformed;

const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const TRAILER: u8 = 0x3B;

const GRAPHIC_CONTROL: u8 = 0xF9;
const APPLICATION: u8 = 0xFF;

/// Application extensions kept: the two that say how often an animation loops. Every other
/// one goes, XMP included (it lives in an application extension).
const LOOPING: [&[u8; 11]; 2] = [b"NETSCAPE2.0", b"ANIMEXTS1.0"];

/// `bytes` without comments, plain text, application extensions other than looping,
/// extensions of unknown kind, sub-blocks past what a kept extension holds, and anything after
/// the trailer.
pub fn gif(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let header = bytes.get(..13).ok_or(Malformed)?;
    if !header.starts_with(b"GIF87a") && !header.starts_with(b"GIF89a") {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 13 + colour_table_len(header[10]);
    out.extend_from_slice(bytes.get(..i).ok_or(Malformed)?);
    loop {
        match *bytes.get(i).ok_or(Malformed)? {
            IMAGE => {
                let descriptor = bytes.get(i..i + 10).ok_or(Malformed)?;
                // The local colour table, then the LZW minimum code size.
                let data = i + 10 + colour_table_len(descriptor[9]) + 1;
                let end = sub_blocks_end(bytes, data)?;
                out.extend_from_slice(&bytes[i..end]);
                i = end;
            }
            EXTENSION => {
                let label = *bytes.get(i + 1).ok_or(Malformed)?;
                let end = sub_blocks_end(bytes, i + 2)?;
                // How many of its sub-blocks an extension keeps: what it is defined to hold
                // (the frame's delay and transparency; the looping extension's name, then its
                // count). Sub-blocks past those are read by nobody, and go.
                let kept_blocks = match label {
                    GRAPHIC_CONTROL => 1,
                    // The identifier is the first sub-block: a length of 11, then the name.
                    APPLICATION
                        if bytes.get(i + 2) == Some(&11) && {
                            let name = &bytes[i + 3..i + 14];
                            LOOPING.iter().any(|l| &l[..] == name)
                        } =>
                    {
                        2
                    }
                    // Plain text (which browsers do not draw), comments, other applications
                    // (XMP among them) and unknown labels.
                    _ => 0,
                };
                if kept_blocks > 0 {
                    out.extend_from_slice(&bytes[i..i + 2]);
                    let mut at = i + 2;
                    for _ in 0..kept_blocks {
                        let len = usize::from(bytes[at]);
                        if len == 0 {
                            break;
                        }
                        out.extend_from_slice(&bytes[at..at + 1 + len]);
                        at += 1 + len;
                    }
                    out.push(0);
                }
                i = end;
            }
            TRAILER => {
                out.push(TRAILER);
                return Ok(out);
            }
            _ => return Err(Malformed),
        }
    }
}

/// A colour table's length in bytes, from the packed byte that says whether there is one
/// (bit 7) and its size (bits 0–2: 2^(n+1) colours of 3 bytes).
fn colour_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 0x07) + 1)
    }
}

/// Where the chain of sub-blocks starting at `i` ends, just past its zero length.
fn sub_blocks_end(bytes: &[u8], mut i: usize) -> Result<usize, Malformed> {
    loop {
        let len = usize::from(*bytes.get(i).ok_or(Malformed)?);
        i += 1;
        if len == 0 {
            return Ok(i);
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `data` as a chain of sub-blocks (of up to 255 bytes) and its terminator.
    fn sub_blocks(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for part in data.chunks(255) {
            out.push(part.len() as u8);
            out.extend_from_slice(part);
        }
        out.push(0);
        out
    }

    fn extension(label: u8, blocks: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![EXTENSION, label];
        for b in blocks {
            out.push(b.len() as u8);
            out.extend_from_slice(b);
        }
        out.push(0);
        out
    }

    /// A 2×1 header with a global table of 2 colours.
    fn head() -> Vec<u8> {
        let mut g = b"GIF89a".to_vec();
        g.extend([2, 0, 1, 0, 0x80, 0, 0]);
        g.extend([0, 0, 0, 0xFF, 0xFF, 0xFF]);
        g
    }

    /// An image at 0,0 with a local table of 2 colours and LZW data long enough for two
    /// sub-blocks.
    fn image() -> Vec<u8> {
        let mut img = vec![IMAGE, 0, 0, 0, 0, 2, 0, 1, 0, 0x80];
        img.extend([1, 2, 3, 4, 5, 6]);
        img.push(2);
        img.extend(sub_blocks(&[0x44; 300]));
        img
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn gif_loses_comments_xmp_and_what_follows_the_trailer_but_keeps_the_frames() {
        let looping = extension(APPLICATION, &[b"NETSCAPE2.0", &[1, 0, 0]]);
        let control = extension(GRAPHIC_CONTROL, &[&[4, 10, 0, 0]]);
        let comment = extension(0xFE, &[b"shot at +25.0330+121.5654 by Alice"]);
        let xmp = extension(
            APPLICATION,
            &[b"XMP DataXMP", b"<x:xmpmeta>owner</x:xmpmeta>"],
        );
        let mut file = head();
        for part in [
            &looping,
            &comment,
            &control,
            &image(),
            &xmp,
            &control,
            &image(),
        ] {
            file.extend_from_slice(part);
        }
        file.push(TRAILER);
        file.extend(b"<html><script>alert(1)</script>");

        let clean = gif(&file).unwrap();
        for gone in [
            &b"+25.0330+121.5654"[..],
            b"Alice",
            b"xmpmeta",
            b"XMP",
            b"<html",
        ] {
            assert!(!contains(&clean, gone), "{}", String::from_utf8_lossy(gone));
        }
        let mut expected = head();
        for part in [&looping, &control, &image(), &control, &image()] {
            expected.extend_from_slice(part);
        }
        expected.push(TRAILER);
        assert_eq!(clean, expected);

        // A GIF87a without colour tables or extensions has nothing to lose.
        let mut plain = b"GIF87a".to_vec();
        plain.extend([1, 0, 1, 0, 0, 0, 0]);
        plain.extend([
            IMAGE, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0, TRAILER,
        ]);
        assert_eq!(gif(&plain).unwrap(), plain);
    }

    #[test]
    fn kept_extensions_lose_the_sub_blocks_they_do_not_hold_and_plain_text_goes() {
        let looping = extension(APPLICATION, &[b"NETSCAPE2.0", &[1, 0, 0]]);
        let control = extension(GRAPHIC_CONTROL, &[&[4, 10, 0, 0]]);
        let plain_text = extension(0x01, &[&[0; 12], b"+25.0330+121.5654"]);
        let mut file = head();
        for part in [
            extension(
                APPLICATION,
                &[b"NETSCAPE2.0", &[1, 0, 0], b"+25.0330+121.5654"],
            ),
            plain_text,
            extension(GRAPHIC_CONTROL, &[&[4, 10, 0, 0], b"owner Alice"]),
            image(),
        ] {
            file.extend(part);
        }
        file.push(TRAILER);
        let clean = gif(&file).unwrap();
        assert!(!contains(&clean, b"+25.0330"));
        assert!(!contains(&clean, b"Alice"));
        let mut expected = head();
        for part in [looping, control, image()] {
            expected.extend(part);
        }
        expected.push(TRAILER);
        assert_eq!(clean, expected);
    }

    #[test]
    fn broken_gifs_are_refused() {
        let mut good = head();
        good.extend(extension(0xFE, &[b"hello"]));
        good.extend(image());
        good.push(TRAILER);
        assert!(gif(&good).is_ok());
        // Cut anywhere, a block or the trailer is missing.
        for cut in 0..good.len() {
            assert_eq!(gif(&good[..cut]), Err(Malformed), "cut at {cut}");
        }
        // A sub-block claiming more than is left.
        let mut lying = head();
        lying.extend([EXTENSION, 0xFE, 200, b'a', 0, TRAILER]);
        assert_eq!(gif(&lying), Err(Malformed));
        // A block that is neither an image, an extension nor the trailer.
        let mut stray = head();
        stray.extend([0x00, TRAILER]);
        assert_eq!(gif(&stray), Err(Malformed));
        assert_eq!(gif(b"GIF89a"), Err(Malformed));
    }
}
