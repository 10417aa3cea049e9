//! MPEG audio frame headers, the four bytes before each frame of an MP3 (MPEG-1, MPEG-2 or
//! MPEG-2.5, layer III): eleven sync bits, the version, the layer, the bit rate, the sample
//! rate and a padding bit, from which the frame's length follows.
//!
//! Two bytes of sync are what any binary may start with (`0xFF 0xFB`), and an ID3 tag in
//! front is ten more bytes anyone can write, so an MP3 is only taken when several frames
//! follow one another, with a tag or without: each header valid, found exactly where the one
//! before says its frame ends, and of the same version, layer and sample rate, as a stream
//! keeps them. Random bytes pass one such link about once in tens of thousands of tries;
//! [`CHAINED_FRAMES`] of them, never in practice.

/// Frames that must chain before a file is taken for an MP3.
pub const CHAINED_FRAMES: usize = 3;

/// Layer III bit rates in kbit/s by the header's index: MPEG-1, then MPEG-2 and 2.5. Index 0
/// is the free format (a length no header says) and 15 is forbidden.
const MPEG1_KBPS: [u32; 15] = [
    0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];
const MPEG2_KBPS: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/// Sample rates in Hz by the header's index (3 is reserved).
const MPEG1_HZ: [u32; 3] = [44_100, 48_000, 32_000];
const MPEG2_HZ: [u32; 3] = [22_050, 24_000, 16_000];
const MPEG25_HZ: [u32; 3] = [11_025, 12_000, 8_000];

/// What a frame header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The two version bits: 0 is MPEG-2.5, 2 MPEG-2, 3 MPEG-1 (1 is reserved).
    version: u8,
    /// The two layer bits: 1 is layer III, 2 layer II, 3 layer I (0 is reserved).
    layer: u8,
    bitrate_index: u8,
    rate_index: u8,
    padded: bool,
}

impl Header {
    /// The header at the start of `bytes`: the sync bits, and no reserved version, layer, bit
    /// rate or sample rate. Any layer, and the free format, are headers too.
    pub fn read(bytes: &[u8]) -> Option<Header> {
        let h = bytes.get(..4)?;
        let header = Header {
            version: (h[1] >> 3) & 3,
            layer: (h[1] >> 1) & 3,
            bitrate_index: h[2] >> 4,
            rate_index: (h[2] >> 2) & 3,
            padded: h[2] & 2 != 0,
        };
        let valid = h[0] == 0xFF
            && h[1] & 0xE0 == 0xE0
            && header.version != 1
            && header.layer != 0
            && header.bitrate_index != 15
            && header.rate_index != 3;
        valid.then_some(header)
    }

    /// The length of a layer III frame, header included: 144 (MPEG-1) or 72 (MPEG-2 and 2.5)
    /// times the bit rate over the sample rate, rounded down, plus the padding byte. `None`
    /// for other layers and the free format, whose length the header does not give.
    pub fn layer3_len(self) -> Option<usize> {
        if self.layer != 1 || self.bitrate_index == 0 {
            return None;
        }
        let (kbps, rates, factor) = match self.version {
            3 => (&MPEG1_KBPS, &MPEG1_HZ, 144),
            2 => (&MPEG2_KBPS, &MPEG2_HZ, 72),
            _ => (&MPEG2_KBPS, &MPEG25_HZ, 72),
        };
        let bits_per_sec = kbps[usize::from(self.bitrate_index)] * 1000;
        let rate = rates[usize::from(self.rate_index)];
        let len = factor * bits_per_sec / rate + u32::from(self.padded);
        usize::try_from(len).ok()
    }

    /// Whether `other` belongs to the same stream: version, layer and sample rate do not
    /// change from frame to frame (the bit rate may, and the padding does).
    fn same_stream(self, other: Header) -> bool {
        (self.version, self.layer, self.rate_index)
            == (other.version, other.layer, other.rate_index)
    }
}

/// Whether `bytes` starts with [`CHAINED_FRAMES`] layer III frame headers, each where the
/// frame before it ends, all of one stream. Reads that many headers, whatever the file's size.
pub fn frames_chain(bytes: &[u8]) -> bool {
    let Some(first) = Header::read(bytes) else {
        return false;
    };
    let mut at = 0;
    for _ in 0..CHAINED_FRAMES {
        let header = bytes.get(at..).and_then(Header::read);
        let Some(len) = header
            .filter(|h| h.same_stream(first))
            .and_then(Header::layer3_len)
        else {
            return false;
        };
        at += len;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame of `len` bytes with `header`.
    fn frame(header: [u8; 4], len: usize) -> Vec<u8> {
        let mut f = header.to_vec();
        f.resize(len, 0x5A);
        f
    }

    #[test]
    fn lengths_follow_the_tables() {
        let len = |h: [u8; 4]| Header::read(&h).and_then(Header::layer3_len);
        // MPEG-1, 128 kbit/s, 44.1 kHz: 417, padded 418; 320 kbit/s at 48 kHz: 960.
        assert_eq!(len([0xFF, 0xFB, 0x90, 0x64]), Some(417));
        assert_eq!(len([0xFF, 0xFB, 0x92, 0x64]), Some(418));
        assert_eq!(len([0xFF, 0xFB, 0xE4, 0x00]), Some(960));
        // MPEG-2, 64 kbit/s, 22.05 kHz: 208; MPEG-2.5, 8 kbit/s, 8 kHz: 72.
        assert_eq!(len([0xFF, 0xF3, 0x80, 0x00]), Some(208));
        assert_eq!(len([0xFF, 0xE3, 0x18, 0x00]), Some(72));
        // With a CRC (protection bit clear) the length is the same.
        assert_eq!(len([0xFF, 0xFA, 0x90, 0x64]), Some(417));
        // Free format, layer II, and reserved fields.
        assert_eq!(len([0xFF, 0xFB, 0x00, 0x00]), None);
        assert_eq!(len([0xFF, 0xFD, 0x90, 0x00]), None);
        for reserved in [
            [0xFF, 0xFB, 0xF0, 0x00],
            [0xFF, 0xFB, 0x9C, 0x00],
            [0xFF, 0xEB, 0x90, 0x00],
            [0xFF, 0xF9, 0x90, 0x00],
            [0xFE, 0xFB, 0x90, 0x00],
        ] {
            assert_eq!(Header::read(&reserved), None, "{reserved:02x?}");
        }
    }

    #[test]
    fn three_frames_must_chain() {
        let stream = [
            frame([0xFF, 0xFB, 0x90, 0x64], 417),
            frame([0xFF, 0xFB, 0x92, 0x64], 418),
            // The bit rate may change (variable bit rate): 160 kbit/s, 522 bytes.
            frame([0xFF, 0xFB, 0xA0, 0x64], 522),
        ]
        .concat();
        assert!(frames_chain(&stream));
        // Two frames, then the third header missing or one byte off.
        assert!(!frames_chain(&stream[..835]));
        let mut off = stream[..835].to_vec();
        off.push(0);
        off.extend_from_slice(&stream[835..]);
        assert!(!frames_chain(&off));
        // A padding bit that lies moves the next header.
        let mut lying = stream.clone();
        lying[2] = 0x92;
        assert!(!frames_chain(&lying));
        // Another sample rate or version in the middle is not one stream.
        let mut other_rate = stream.clone();
        other_rate[419] = 0x96;
        assert!(!frames_chain(&other_rate));
        let mpeg2 = [
            frame([0xFF, 0xF3, 0x80, 0x00], 208),
            frame([0xFF, 0xFB, 0x90, 0x64], 417),
            frame([0xFF, 0xFB, 0x90, 0x64], 417),
        ]
        .concat();
        assert!(!frames_chain(&mpeg2));
    }

    #[test]
    fn noise_after_a_frame_sync_is_no_mp3() {
        // Every header that could start a file, each followed by the same pseudo-random bytes.
        let mut x: u32 = 0x9E37_79B9;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for b2 in 0..=255u8 {
            let file = [&[0xFF, 0xFB, b2, 0x64][..], &noise].concat();
            assert!(!frames_chain(&file), "{b2:02x}");
        }
        assert!(!frames_chain(b""));
        assert!(!frames_chain(&[0xFF, 0xFB]));
    }
}
