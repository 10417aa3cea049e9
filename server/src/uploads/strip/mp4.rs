//! MP4 and QuickTime (ISO base media): a file of boxes, each a 32-bit big-endian size, a
//! four-letter type and its content; a size of 1 means a 64-bit size follows the type, and 0
//! means the box runs to the end of what holds it. Some boxes (`moov`, `trak`) hold boxes.
//!
//! Bytes cannot be removed: the sample tables (`stco`, `co64`) give the media's position as
//! offsets from the file's start, so a shorter `moov` before `mdat` would send the player to
//! the wrong bytes. Metadata boxes are instead turned, in place, into `free` boxes of the same
//! size whose content is zeros; players skip `free`.

use super::Malformed;

/// Boxes that hold boxes and may hold metadata among them: the movie, its tracks, their
/// media and its information, edit lists, and the fragments of a fragmented file. Sample
/// tables and descriptions are not opened: a vendor box or a timed metadata description
/// inside them stays (a location kept as a track of its own stays too).
const CONTAINERS: [&[u8; 4]; 9] = [
    b"moov", b"trak", b"mdia", b"minf", b"edts", b"moof", b"traf", b"mvex", b"mfra",
];

/// How many containers deep the walk goes: `minf`'s boxes, inside `moov`, `trak`, `mdia` and
/// `minf`, are the deepest it reads; a file nesting more is walked no further.
const MAX_DEPTH: usize = 5;

/// `bytes`, of the same length, with every metadata box turned into `free` with zeroed
/// content: `udta` and `meta` (where QuickTime keeps `©xyz`, the place a video was shot, and
/// the device and owner), `uuid` boxes (XMP, and the vendors' own: a camera's EXIF and GPS),
/// and QuickTime's `©` items wherever they stand, in the file and in every container above.
pub fn mp4(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = bytes.to_vec();
    blank_metadata(&mut out, 0, bytes.len(), 0)?;
    Ok(out)
}

/// `uuid` boxes kept: they say how to play the video, not who shot it where. Google's
/// spherical video (V1), without which a 360° video plays as a flat picture.
const PLAYBACK_UUIDS: [[u8; 16]; 1] = [[
    0xFF, 0xCC, 0x82, 0x63, 0xF8, 0x55, 0x4A, 0x93, 0x88, 0x14, 0x58, 0x7A, 0x02, 0x52, 0x1F, 0xDD,
]];

/// Whether a box of type `kind`, whose content starts with `content` (a `uuid`'s identifier),
/// is metadata.
fn is_metadata(kind: &[u8; 4], content: &[u8]) -> bool {
    match kind {
        b"meta" | b"udta" => true,
        b"uuid" => !PLAYBACK_UUIDS.iter().any(|id| content.starts_with(id)),
        _ => kind[0] == 0xA9,
    }
}

/// Walks the boxes from `start` to `end`, which must be filled exactly, `depth` containers
/// down.
fn blank_metadata(
    file: &mut [u8],
    start: usize,
    end: usize,
    depth: usize,
) -> Result<(), Malformed> {
    let mut i = start;
    while i < end {
        // A few zero bytes closing a container, which some writers leave and players skip.
        if depth > 0 && end - i < 8 && file[i..end].iter().all(|&b| b == 0) {
            break;
        }
        let size_field = be32(file, i)?;
        let kind: [u8; 4] = file
            .get(i + 4..i + 8)
            .and_then(|k| k.try_into().ok())
            .ok_or(Malformed)?;
        // Where the size and type end: what is blanked starts there.
        let (fields, size) = match size_field {
            0 => (8, (end - i) as u64),
            1 => (16, be64(file, i + 8)?),
            n => (8, u64::from(n)),
        };
        let header = if &kind == b"uuid" {
            fields + 16
        } else {
            fields
        };
        let box_end = usize::try_from(size)
            .ok()
            .and_then(|s| i.checked_add(s))
            .filter(|&e| size >= header as u64 && e <= end)
            .ok_or(Malformed)?;
        if is_metadata(&kind, &file[i + fields..box_end]) {
            file[i + 4..i + 8].copy_from_slice(b"free");
            file[i + fields..box_end].fill(0);
        } else if depth + 1 < MAX_DEPTH && CONTAINERS.contains(&&kind) {
            blank_metadata(file, i + header, box_end, depth + 1)?;
        }
        i = box_end;
    }
    Ok(())
}

fn be32(bytes: &[u8], at: usize) -> Result<u32, Malformed> {
    let b = bytes.get(at..at + 4).ok_or(Malformed)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be64(bytes: &[u8], at: usize) -> Result<u64, Malformed> {
    let b = bytes.get(at..at + 8).ok_or(Malformed)?;
    Ok(u64::from_be_bytes(b.try_into().map_err(|_| Malformed)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The XMP box's `uuid` (Adobe's, BE7ACFCB-97A9-42E8-9C71-999491E3AFAC).
    const XMP_UUID: [u8; 16] = [
        0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF,
        0xAC,
    ];

    fn bx(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    }

    /// A box with a 64-bit size (size field 1).
    fn large_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = 1u32.to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(&((content.len() + 16) as u64).to_be_bytes());
        b.extend_from_slice(content);
        b
    }

    const GPS: &[u8] = b"+25.0330+121.5654+010.000/";

    /// QuickTime's `©xyz`: a 16-bit length, a 16-bit language, the ISO 6709 text.
    fn xyz() -> Vec<u8> {
        let mut content = (GPS.len() as u16).to_be_bytes().to_vec();
        content.extend_from_slice(&[0x15, 0xC7]);
        content.extend_from_slice(GPS);
        bx(b"\xA9xyz", &content)
    }

    /// `moov/meta` as iPhones write it: `keys` naming the location, `ilst` holding it.
    fn apple_meta() -> Vec<u8> {
        let keys = bx(
            b"keys",
            b"\0\0\0\0\0\0\0\x01com.apple.quicktime.location.ISO6709",
        );
        let ilst = bx(b"ilst", &bx(b"\0\0\0\x01", &bx(b"data", GPS)));
        bx(b"meta", &[bx(b"hdlr", b"mdta"), keys, ilst].concat())
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// Whether the box of `len` bytes at `at` is a `free` whose content, after its size and
    /// type `fields`, is zeros.
    fn blanked(file: &[u8], at: usize, len: usize, fields: usize) -> bool {
        &file[at + 4..at + 8] == b"free" && file[at + fields..at + len].iter().all(|&b| b == 0)
    }

    #[test]
    fn mp4_metadata_becomes_free_space_and_the_media_stays_in_place() {
        let ftyp = bx(b"ftyp", b"qt  \0\0\0\0qt  ");
        let mvhd = bx(b"mvhd", &[7; 100]);
        let tkhd = bx(b"tkhd", &[8; 84]);
        let mdia = bx(
            b"mdia",
            &bx(
                b"minf",
                &bx(b"stbl", &bx(b"stco", &[0, 0, 0, 1, 0, 0, 1, 0])),
            ),
        );
        let track_udta = bx(b"udta", &bx(b"name", b"Alice's iPhone"));
        let trak = bx(
            b"trak",
            &[tkhd.clone(), track_udta.clone(), mdia.clone()].concat(),
        );
        let udta = bx(b"udta", &xyz());
        let meta = apple_meta();
        let moov = bx(
            b"moov",
            &[mvhd.clone(), trak.clone(), udta.clone(), meta.clone()].concat(),
        );
        let top_meta = bx(b"meta", b"\0\0\0\0owner Alice");
        let mut xmp_content = XMP_UUID.to_vec();
        xmp_content.extend_from_slice(b"<x:xmpmeta>+25.0330+121.5654</x:xmpmeta>");
        let xmp = large_box(b"uuid", &xmp_content);
        let mdat = bx(b"mdat", b"\0\0\0\x10frames of video");
        let file = [
            ftyp.clone(),
            moov,
            top_meta.clone(),
            xmp.clone(),
            mdat.clone(),
        ]
        .concat();

        let clean = mp4(&file).unwrap();
        assert_eq!(clean.len(), file.len());
        for gone in [
            &b"+25.0330+121.5654"[..],
            b"Alice",
            b"ISO6709",
            b"xmpmeta",
            b"udta",
            b"meta",
        ] {
            assert!(!contains(&clean, gone), "{}", String::from_utf8_lossy(gone));
        }
        // Each metadata box is a `free` of its own size, at its own place.
        let moov_at = ftyp.len();
        let trak_at = moov_at + 8 + mvhd.len();
        let track_udta_at = trak_at + 8 + tkhd.len();
        let udta_at = trak_at + trak.len();
        let meta_at = udta_at + udta.len();
        let top_meta_at = meta_at + meta.len();
        let xmp_at = top_meta_at + top_meta.len();
        assert!(blanked(&clean, track_udta_at, track_udta.len(), 8));
        assert!(blanked(&clean, udta_at, udta.len(), 8));
        assert!(blanked(&clean, meta_at, meta.len(), 8));
        assert!(blanked(&clean, top_meta_at, top_meta.len(), 8));
        assert!(blanked(&clean, xmp_at, xmp.len(), 16));
        assert_eq!(clean[xmp_at..xmp_at + 4], file[xmp_at..xmp_at + 4]);
        assert_eq!(
            clean[xmp_at + 8..xmp_at + 16],
            file[xmp_at + 8..xmp_at + 16]
        );
        // What plays the video is untouched, byte for byte.
        let unchanged = |at: usize, part: &[u8]| clean[at..at + part.len()] == *part;
        assert!(unchanged(0, &ftyp));
        assert!(unchanged(moov_at, &file[moov_at..moov_at + 8]));
        assert!(unchanged(moov_at + 8, &mvhd));
        assert!(unchanged(trak_at, &file[trak_at..trak_at + 8]));
        assert!(unchanged(trak_at + 8, &tkhd));
        assert!(unchanged(track_udta_at + track_udta.len(), &mdia));
        assert!(clean.ends_with(&mdat));
    }

    #[test]
    fn metadata_deeper_in_the_movie_in_fragments_and_in_vendor_boxes_goes_too() {
        let ftyp = bx(b"ftyp", b"crx \0\0\0\0isom");
        let stbl = bx(b"stbl", &bx(b"stco", &[0, 0, 0, 1, 0, 0, 1, 0]));
        // `udta` in the track's media, `meta` in its media information.
        let minf = bx(b"minf", &[bx(b"meta", GPS), stbl.clone()].concat());
        let mdia = bx(b"mdia", &[bx(b"udta", GPS), minf].concat());
        let trak = bx(b"trak", &mdia);
        // A camera's own box in the movie (EXIF and GPS), and `©xyz` outside any `udta`.
        let mut camera = [0x85, 0xC0, 0xB6, 0x87].repeat(4);
        camera.extend_from_slice(&bx(b"CMT4", GPS));
        let moov = bx(
            b"moov",
            &[bx(b"mvhd", &[7; 100]), bx(b"uuid", &camera), xyz(), trak].concat(),
        );
        // A fragment's track with its own `udta`, and a vendor `uuid` at the top.
        let moof = bx(
            b"moof",
            &bx(b"traf", &[bx(b"tfhd", &[1; 8]), bx(b"udta", GPS)].concat()),
        );
        let mut vendor = [0x11; 16].to_vec();
        vendor.extend_from_slice(GPS);
        let mdat = bx(b"mdat", b"frames of video");
        let file = [ftyp, moov, moof, bx(b"uuid", &vendor), mdat.clone()].concat();

        let clean = mp4(&file).unwrap();
        assert_eq!(clean.len(), file.len());
        assert!(!contains(&clean, GPS));
        assert!(!contains(&clean, b"CMT4"));
        assert!(contains(&clean, &stbl), "the sample table stays");
        assert!(clean.ends_with(&mdat));
    }

    #[test]
    fn a_spherical_videos_box_and_a_containers_closing_zeros_stay() {
        let mut spherical = PLAYBACK_UUIDS[0].to_vec();
        spherical.extend_from_slice(b"<rdf:SphericalVideo>true</rdf:SphericalVideo>");
        let spherical = bx(b"uuid", &spherical);
        // `trak` closed by four zero bytes.
        let trak = bx(
            b"trak",
            &[bx(b"tkhd", &[8; 84]), spherical.clone(), vec![0; 4]].concat(),
        );
        let file = [bx(b"ftyp", b"isom"), bx(b"moov", &trak)].concat();
        let clean = mp4(&file).unwrap();
        assert_eq!(clean, file);
        // Only zeros: other bytes too short for a box are still refused.
        let stray = bx(b"trak", &[bx(b"tkhd", &[8; 84]), vec![0, 0, 0, 1]].concat());
        let file = [bx(b"ftyp", b"isom"), bx(b"moov", &stray)].concat();
        assert_eq!(mp4(&file), Err(Malformed));
    }

    #[test]
    fn sizes_of_zero_and_64_bits_are_followed() {
        // A 64-bit `moov` holding `udta`, then an `mdat` running to the end of the file.
        let ftyp = bx(b"ftyp", b"isom\0\0\0\0");
        let moov = large_box(b"moov", &bx(b"udta", &xyz()));
        let mut mdat = 0u32.to_be_bytes().to_vec();
        mdat.extend_from_slice(b"mdat");
        mdat.extend_from_slice(b"frames, and text that looks like a box: \0\0\0\x08udta");
        let file = [ftyp.clone(), moov.clone(), mdat.clone()].concat();
        let clean = mp4(&file).unwrap();
        assert!(!contains(&clean, GPS));
        assert!(blanked(&clean, ftyp.len() + 16, moov.len() - 16, 8));
        assert!(clean.ends_with(&mdat), "the media is not read as boxes");
    }

    #[test]
    fn broken_mp4s_are_refused() {
        let good = [bx(b"ftyp", b"isom"), bx(b"moov", &bx(b"udta", &xyz()))].concat();
        assert!(mp4(&good).is_ok());
        // Cut anywhere but after `ftyp`, a box claims more than is left.
        for cut in (1..good.len()).filter(|&cut| cut != 12) {
            assert_eq!(mp4(&good[..cut]), Err(Malformed), "cut at {cut}");
        }
        // Sizes smaller than a box's own header, or larger than what holds it.
        for size in [2u32, 7, u32::MAX] {
            let mut lying = good.clone();
            lying[12..16].copy_from_slice(&size.to_be_bytes());
            assert_eq!(mp4(&lying), Err(Malformed), "size {size}");
        }
        let mut inner = good.clone();
        inner[20..24].copy_from_slice(&1000u32.to_be_bytes());
        assert_eq!(mp4(&inner), Err(Malformed));
        // A 64-bit size far past the end, one below its own header, and a `uuid` too short
        // for its identifier.
        for large in [u64::MAX, 15] {
            let mut huge = bx(b"ftyp", b"isom");
            huge.extend(large_box(b"mdat", b"frames"));
            huge[20..28].copy_from_slice(&large.to_be_bytes());
            assert_eq!(mp4(&huge), Err(Malformed), "size {large}");
        }
        let short_uuid = [bx(b"ftyp", b"isom"), bx(b"uuid", &[0xBE; 8])].concat();
        assert_eq!(mp4(&short_uuid), Err(Malformed));
    }
}
