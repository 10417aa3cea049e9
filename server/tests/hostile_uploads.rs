//! Hostile bytes against the upload sniffer and cleaners, called directly (no server): random
//! files, well-formed files of every kind mutated at random, and files built to make a parser
//! loop, rescan or allocate from a declared length. Every function must return (no panic),
//! a cleaner must not make a file longer than it came (an MP4 keeps its exact length), and
//! what a cleaner returns for a kind must not carry the tags it exists to remove.
//!
//! Time is never measured: the structured cases are sized so that a parser doing more than
//! a bounded amount of work per byte, or per tag, would not finish, and what they check is
//! the answer that bounded work gives (a refusal past a fixed count of tags, a walk that
//! stops at a fixed depth).

use chat_bubble_server::uploads::sniff::{self, Kind};
use chat_bubble_server::uploads::{iso_media, strip};

/// A small deterministic generator (xorshift64*), so a failure names its seed and repeats.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn be32(n: usize) -> [u8; 4] {
    (n as u32).to_be_bytes()
}

fn bx(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
    [&be32(content.len() + 8)[..], kind, content].concat()
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    [&be32(data.len())[..], kind, data, &[0; 4]].concat()
}

fn jpeg_segment(marker: u8, data: &[u8]) -> Vec<u8> {
    let len = ((data.len() + 2) as u16).to_be_bytes();
    [&[0xFF, marker][..], &len, data].concat()
}

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = [&kind[..], &(data.len() as u32).to_le_bytes(), data].concat();
    if data.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// A layer III frame of 417 bytes (MPEG-1, 128 kbit/s, 44.1 kHz).
fn mp3_frame(fill: u8) -> Vec<u8> {
    let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
    f.resize(417, fill);
    f
}

fn id3v2(content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let size = [
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ];
    [&b"ID3\x03\0\0"[..], &size, content].concat()
}

fn id3v1() -> Vec<u8> {
    let mut tag = b"TAG".to_vec();
    tag.extend(b"Alice at home");
    tag.resize(128, 0);
    tag
}

fn ape(items: &[u8]) -> Vec<u8> {
    let mut tag = items.to_vec();
    tag.extend(b"APETAGEX");
    tag.extend(2000u32.to_le_bytes());
    tag.extend(((items.len() + 32) as u32).to_le_bytes());
    tag.extend(1u32.to_le_bytes());
    tag.extend(0u32.to_le_bytes());
    tag.extend([0; 8]);
    tag
}

fn lyrics3v1(lyrics: &[u8]) -> Vec<u8> {
    [&b"LYRICSBEGIN"[..], lyrics, b"LYRICSEND"].concat()
}

/// One well-formed file of each kind the server takes, each carrying metadata.
fn seeds() -> Vec<Vec<u8>> {
    let png = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]),
        &png_chunk(b"iCCP", b"Alice\0\0profile"),
        &png_chunk(b"tEXt", b"Author\0Alice"),
        &png_chunk(b"IDAT", b"pixels"),
        &png_chunk(b"IEND", b""),
    ]
    .concat();
    let jpeg = [
        &[0xFF, 0xD8][..],
        &jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"),
        &jpeg_segment(0xE1, b"Exif\0\0Alice"),
        &jpeg_segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]),
        &jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0]),
        &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9],
    ]
    .concat();
    let gif = [
        &b"GIF89a\x01\0\x01\0\x80\0\0"[..],
        &[0; 6],
        &[0x21, 0xFE, 5],
        b"Alice",
        &[0],
        &[0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0],
        &[0x3B],
    ]
    .concat();
    let webp_body = [
        &b"WEBP"[..],
        &riff_chunk(b"VP8X", &[0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        &riff_chunk(b"VP8 ", b"picture"),
        &riff_chunk(b"EXIF", b"Alice"),
    ]
    .concat();
    let webp = [
        &b"RIFF"[..],
        &(webp_body.len() as u32).to_le_bytes(),
        &webp_body,
    ]
    .concat();
    let pdf = b"%PDF-1.7\n1 0 obj << /Author (Alice) >> endobj\n%%EOF\n".to_vec();
    let hdlr = |handler: &[u8; 4]| bx(b"hdlr", &[&[0; 8][..], handler, &[0; 12]].concat());
    let trak = |handler: &[u8; 4]| bx(b"trak", &bx(b"mdia", &hdlr(handler)));
    let udta = bx(b"udta", &bx(b"\xA9xyz", b"\0\x0a\x15\xc7+25.0+121.5/"));
    let m4a = [
        bx(b"ftyp", b"M4A \0\0\0\0isom"),
        bx(b"moov", &[trak(b"soun"), udta.clone()].concat()),
        bx(b"mdat", b"sound"),
    ]
    .concat();
    let mp4 = [
        bx(b"ftyp", b"isom\0\0\0\0mp42"),
        bx(
            b"moov",
            &[trak(b"vide"), trak(b"soun"), udta, bx(b"meta", b"Alice")].concat(),
        ),
        bx(b"mdat", b"frames"),
    ]
    .concat();
    let frames = [mp3_frame(1), mp3_frame(2), mp3_frame(3)].concat();
    let tagged_mp3 = [
        id3v2(b"TPE1\0\0\0\x06\0\0\0Alice"),
        frames.clone(),
        ape(b"Alice"),
        id3v1(),
    ]
    .concat();
    let bare_mp3 = [frames, lyrics3v1(b"Alice"), id3v1()].concat();
    let text = "notes 筆記\nline two\n".as_bytes().to_vec();
    vec![
        png, jpeg, gif, webp, pdf, m4a, mp4, tagged_mp3, bare_mp3, text,
    ]
}

/// Values that break parsers: lengths of zero and one, just below and past a header, and
/// the largest there are.
const HOSTILE_WORDS: [u32; 9] = [0, 1, 7, 8, 15, 16, 0x7FFF_FFFF, 0xFFFF_FFF0, u32::MAX];

/// Markers the cleaners look for, spliced in at random so mutated files reach their branches.
const MARKERS: [&[u8]; 12] = [
    b"APETAGEX",
    b"LYRICSBEGIN",
    b"LYRICSEND",
    b"LYRICS200",
    b"TAG",
    b"TAG+",
    b"3DI\x04\0\x10",
    b"ID3\x04\0\x10",
    b"ftyp",
    b"moov",
    b"uuid",
    b"\xFF\xFB\x90\x64",
];

fn mutate(rng: &mut Rng, file: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(file.len() + 1);
        match rng.below(6) {
            0 if !file.is_empty() => {
                let i = rng.below(file.len());
                file[i] = rng.next() as u8;
            }
            1 => file.truncate(at),
            2 => {
                let word = HOSTILE_WORDS[rng.below(HOSTILE_WORDS.len())];
                let end = (at + 4).min(file.len());
                file.splice(at..end, word.to_be_bytes());
            }
            3 => {
                let word = HOSTILE_WORDS[rng.below(HOSTILE_WORDS.len())];
                let end = (at + 4).min(file.len());
                file.splice(at..end, word.to_le_bytes());
            }
            4 => {
                let marker = MARKERS[rng.below(MARKERS.len())];
                file.splice(at..at, marker.iter().copied());
            }
            _ => {
                let len = rng.below(64);
                let noise = rng.bytes(len);
                file.splice(at..at, noise);
            }
        }
    }
}

/// Runs every reader on `file`; panics (failing the test) on any broken promise.
fn check(file: &[u8], seed: u64) {
    let kind = sniff::sniff(file);
    if let Some(start) = sniff::audio_start(file) {
        assert!(start < file.len(), "seed {seed}");
    }
    if file.get(4..8) == Some(b"ftyp") {
        iso_media::content(file);
    }
    // Every cleaner on every input, not only the sniffed kind's: each must stand on its own.
    let shorter = |out: Result<Vec<u8>, strip::Malformed>, what: &str| {
        if let Ok(out) = out {
            assert!(out.len() <= file.len(), "{what} grew, seed {seed}");
        }
    };
    shorter(strip::jpeg(file), "jpeg");
    shorter(strip::gif(file), "gif");
    shorter(strip::webp(file), "webp");
    shorter(strip::mp3(file), "mp3");
    if let Ok(out) = strip::png(file) {
        // The colour profile's name may grow to `ICC profile`, once.
        assert!(out.len() <= file.len() + 10, "png grew, seed {seed}");
    }
    if let Ok(out) = strip::mp4(file) {
        assert_eq!(out.len(), file.len(), "mp4 changed length, seed {seed}");
    }
    if kind == Some(Kind::Mp3) {
        if let Ok(out) = strip::mp3(file) {
            // What is stored still starts with a frame header.
            assert_eq!(out.first(), Some(&0xFF), "seed {seed}");
        }
    }
}

#[test]
fn random_bytes_break_nothing() {
    let mut rng = Rng(0x5EED_0001);
    for seed in 0..3000 {
        let len = rng.below(2048);
        let mut file = rng.bytes(len);
        // Half of them start like a known kind, so the walks past the signature run too.
        if seed % 2 == 0 {
            let prefix: &[u8] = match rng.below(8) {
                0 => b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR",
                1 => &[0xFF, 0xD8, 0xFF],
                2 => b"GIF89a",
                3 => b"RIFF\0\0\0\0WEBP",
                4 => b"\0\0\0\x18ftypisom",
                5 => b"ID3\x03\0\0\0\0\0\0\xFF\xFB\x90\x64",
                6 => b"\xFF\xFB\x90\x64",
                _ => b"%PDF-1.7",
            };
            file.splice(0..0, prefix.iter().copied());
        }
        check(&file, seed);
    }
}

#[test]
fn mutated_files_of_every_kind_break_nothing() {
    let seeds = seeds();
    for (i, file) in seeds.iter().enumerate() {
        let kind = sniff::sniff(file);
        let clean = match kind {
            Some(Kind::Png) => strip::png(file),
            Some(Kind::Jpeg) => strip::jpeg(file),
            Some(Kind::Gif) => strip::gif(file),
            Some(Kind::Webp) => strip::webp(file),
            Some(Kind::Mp4 | Kind::M4a) => strip::mp4(file),
            Some(Kind::Mp3) => strip::mp3(file),
            // Stored as sent: the README names them as known limits.
            Some(Kind::Pdf | Kind::Text) => Ok(Vec::new()),
            None => panic!("seed file {i} is refused"),
        };
        let clean = clean.unwrap_or_else(|_| panic!("seed file {i} ({kind:?}) is damaged"));
        assert!(
            !clean.windows(5).any(|w| w == b"Alice"),
            "seed file {i} ({kind:?}) keeps its metadata"
        );
        check(file, i as u64);
    }
    let mut rng = Rng(0x5EED_0002);
    for seed in 0..60_000u64 {
        let mut file = seeds[rng.below(seeds.len())].clone();
        mutate(&mut rng, &mut file);
        check(&file, seed);
    }
}

#[test]
fn many_tiny_boxes_and_deep_nesting_are_walked_once() {
    // A megabyte of empty boxes at the top and inside the movie: each is one step.
    let free = bx(b"free", b"");
    let many: Vec<u8> = free.repeat(1 << 17);
    let file = [
        bx(b"ftyp", b"isom\0\0\0\0"),
        bx(b"moov", &many),
        many.clone(),
    ]
    .concat();
    assert_eq!(strip::mp4(&file).map(|f| f.len()), Ok(file.len()));
    assert_eq!(iso_media::content(&file), iso_media::Content::Video);
    // Thousands of containers inside each other: the cleaner stops at its depth, and no
    // reader follows them down (a recursive one would run out of stack here).
    let mut nested = bx(b"udta", b"Alice");
    for _ in 0..20_000 {
        nested = bx(b"moov", &nested);
    }
    let file = [bx(b"ftyp", b"isom\0\0\0\0"), nested].concat();
    let clean = strip::mp4(&file).unwrap();
    assert_eq!(clean.len(), file.len());
    assert_eq!(sniff::sniff(&file), Some(Kind::Mp4));
    // Many tracks, each with a deep but bounded look for its handler.
    let trak = bx(b"trak", &bx(b"mdia", &bx(b"hdlr", b"\0\0\0\0\0\0\0\0soun")));
    let file = [
        bx(b"ftyp", b"isom\0\0\0\0"),
        bx(b"moov", &trak.repeat(20_000)),
    ]
    .concat();
    assert_eq!(iso_media::content(&file), iso_media::Content::Audio);
}

#[test]
fn box_sizes_that_lie_are_refused_not_followed() {
    let ftyp = bx(b"ftyp", b"isom\0\0\0\0");
    for (size, large) in [
        (0u32, None),
        (1, Some(0u64)),
        (1, Some(8)),
        (1, Some(15)),
        (1, Some(u64::MAX)),
        (1, Some(u64::from(u32::MAX) + 1)),
        (7, None),
        (u32::MAX, None),
    ] {
        let mut moov = size.to_be_bytes().to_vec();
        moov.extend(b"moov");
        if let Some(large) = large {
            moov.extend(large.to_be_bytes());
        }
        // A box inside claiming to run back over its container.
        moov.extend(bx(b"trak", &0xFFFF_FFF0u32.to_be_bytes()));
        let file = [ftyp.clone(), moov].concat();
        check(&file, u64::from(size));
        assert!(strip::mp4(&file).is_err(), "size {size} {large:?}");
    }
}

#[test]
fn endless_end_tags_are_refused_after_a_few() {
    let audio = [id3v2(b""), mp3_frame(1), mp3_frame(2), mp3_frame(3)].concat();
    // Each kind of end tag, a hundred thousand times over (the Lyrics3 v1 search, the only
    // scan, runs once per tag taken and stops at a fixed count of tags).
    let tags: [Vec<u8>; 4] = [
        ape(b""),
        lyrics3v1(b""),
        id3v1(),
        [&b"ID3\x04\0\x10\0\0\0\0"[..], b"3DI\x04\0\x10\0\0\0\0"].concat(),
    ];
    for tag in tags {
        let file = [audio.clone(), tag.repeat(100_000)].concat();
        assert_eq!(strip::mp3(&file), Err(strip::Malformed));
        // A file that is all `LYRICSEND` and no beginning.
        let file = [audio.clone(), b"LYRICSEND".repeat(100_000)].concat();
        assert_eq!(strip::mp3(&file), Err(strip::Malformed));
    }
}

#[test]
fn markup_does_not_pass_as_audio_or_video() {
    let page: &[u8] = b"<html><script>alert(1)</script></html>";
    let svg: &[u8] = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>";
    for doc in [page, svg] {
        // A frame header or two in front, that do not chain into a third, with an ID3 tag
        // (and padding) before them or not.
        for tag in [
            Vec::new(),
            id3v2(b""),
            [id3v2(b"TIT2"), vec![0; 300]].concat(),
        ] {
            for frames in [
                vec![0xFF, 0xFB, 0x90, 0x64],
                [mp3_frame(1), vec![0xFF, 0xFB, 0x90, 0x64]].concat(),
                [mp3_frame(1), mp3_frame(2)].concat(),
            ] {
                let file = [&tag[..], &frames, doc].concat();
                assert_eq!(sniff::sniff(&file), None);
            }
        }
        // An `ftyp` that is the whole file's only box, with the page in its brands.
        let file = bx(b"ftyp", &[&b"M4A \0\0\0\0"[..], doc].concat());
        if sniff::sniff(&file).is_some() {
            // Taken by its brand, it is kept only as the box structure it is, and served
            // as audio/mp4 (a download, `nosniff`).
            assert!(strip::mp4(&file).is_ok());
        }
        // A page that claims a box size but is no box structure.
        let file = [&be32(doc.len() + 8)[..], b"ftypM4A ", doc].concat();
        assert!(sniff::sniff(&file).is_none() || strip::mp4(&file).is_err());
    }
}
