//! What the sniffing tests share: MPEG audio frames that chain, and an MP3 with an ID3 tag.

/// Three MPEG-1 layer III frames at 128 kbit/s and 44.1 kHz (417 bytes each), one after
/// another as in a real stream.
pub(super) fn chained_frames() -> Vec<u8> {
    let mut audio = Vec::new();
    for fill in [1, 2, 3] {
        let mut f = vec![0xFF, 0xFB, 0x90, 0x64];
        f.resize(417, fill);
        audio.extend(f);
    }
    audio
}

/// An ID3v2.3 tag holding `frames`, then MPEG audio frames that chain.
pub(super) fn mp3(frames: &[u8]) -> Vec<u8> {
    let mut f = b"ID3\x03\0\0".to_vec();
    let n = frames.len();
    f.extend([
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ]);
    f.extend_from_slice(frames);
    f.extend(chained_frames());
    f
}
