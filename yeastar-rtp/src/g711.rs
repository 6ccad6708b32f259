//! G.711 μ-law and A-law companding (ITU-T G.711), bit-exact with the ITU-T
//! G.191 reference implementation.
//!
//! Linear samples are 16-bit PCM; G.711 keeps the top 13 (A-law) or 14 (μ-law)
//! bits. Decoding uses 256-entry tables built at compile time; encoding is a
//! branch-light segment search, so neither needs a 64 KiB table.

/// Which G.711 companding law a stream uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711Law {
    /// μ-law, RTP static payload type 0 (PCMU), used in North America and Japan.
    MuLaw,
    /// A-law, RTP static payload type 8 (PCMA), used in Europe and most other regions.
    ALaw,
}

impl G711Law {
    /// The static RTP payload type (RFC 3551): 0 for PCMU, 8 for PCMA.
    pub const fn payload_type(self) -> u8 {
        match self {
            G711Law::MuLaw => 0,
            G711Law::ALaw => 8,
        }
    }

    /// The law for a static payload type, if it is 0 or 8.
    pub const fn from_payload_type(payload_type: u8) -> Option<Self> {
        match payload_type {
            0 => Some(G711Law::MuLaw),
            8 => Some(G711Law::ALaw),
            _ => None,
        }
    }

    /// The code for digital silence (linear 0) in this law.
    pub const fn silence(self) -> u8 {
        match self {
            G711Law::MuLaw => 0xFF,
            G711Law::ALaw => 0xD5,
        }
    }

    /// Encodes one linear sample.
    #[inline]
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            G711Law::MuLaw => ulaw_encode(sample),
            G711Law::ALaw => alaw_encode(sample),
        }
    }

    /// Decodes one code.
    #[inline]
    pub fn decode_sample(self, code: u8) -> i16 {
        match self {
            G711Law::MuLaw => ULAW_DECODE[code as usize],
            G711Law::ALaw => ALAW_DECODE[code as usize],
        }
    }

    /// Encodes `pcm` into `out`, one code per sample; `out` is cleared first.
    pub fn encode(self, pcm: &[i16], out: &mut Vec<u8>) {
        out.clear();
        match self {
            G711Law::MuLaw => out.extend(pcm.iter().map(|&s| ulaw_encode(s))),
            G711Law::ALaw => out.extend(pcm.iter().map(|&s| alaw_encode(s))),
        }
    }

    /// Decodes `codes` into `out`, one sample per code; `out` is cleared first.
    pub fn decode(self, codes: &[u8], out: &mut Vec<i16>) {
        out.clear();
        let table = match self {
            G711Law::MuLaw => &ULAW_DECODE,
            G711Law::ALaw => &ALAW_DECODE,
        };
        out.extend(codes.iter().map(|&c| table[c as usize]));
    }
}

/// Encodes one 16-bit linear sample to μ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    // One's complement for negatives, as the reference does, keeps the
    // quantisation intervals symmetric.
    let (magnitude, sign) = if sample < 0 {
        ((!sample) as i32, 0x00)
    } else {
        (sample as i32, 0x80)
    };
    // 33 is the bias that aligns μ-law segment edges with powers of two.
    let biased = ((magnitude >> 2) + 33).min(0x1FFF);
    let segment = 32 - ((biased >> 6) as u32).leading_zeros(); // 0..=7
    let mantissa = (biased >> (segment + 1)) & 0x0F;
    let code = ((7 - segment as i32) << 4) | (0x0F - mantissa);
    (code | sign) as u8
}

/// Encodes one 16-bit linear sample to A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    let (magnitude, sign) = if sample < 0 {
        ((!sample) as i32 >> 4, 0x00)
    } else {
        (sample as i32 >> 4, 0x80)
    };
    let code = if magnitude > 15 {
        let exponent = 28 - (magnitude as u32).leading_zeros(); // 1..=7
        let mantissa = (magnitude >> (exponent - 1)) & 0x0F;
        ((exponent as i32) << 4) | mantissa
    } else {
        magnitude
    };
    ((code | sign) ^ 0x55) as u8
}

/// Decodes one μ-law code to a 16-bit linear sample.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_DECODE[code as usize]
}

/// Decodes one A-law code to a 16-bit linear sample.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_DECODE[code as usize]
}

const fn ulaw_decode_entry(code: u8) -> i16 {
    let inverted = !code;
    let exponent = ((inverted >> 4) & 0x07) as i32;
    let mantissa = (inverted & 0x0F) as i32;
    // Segment start plus mantissa steps plus half a step, minus the encoder bias.
    let magnitude = ((((mantissa << 3) + 0x84) << exponent) - 0x84) as i16;
    if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }
}

const fn alaw_decode_entry(code: u8) -> i16 {
    let toggled = code ^ 0x55;
    let exponent = ((toggled >> 4) & 0x07) as i32;
    let mantissa = (toggled & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    } as i16;
    if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    }
}

const fn build_table(alaw: bool) -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut code = 0;
    while code < 256 {
        table[code] = if alaw {
            alaw_decode_entry(code as u8)
        } else {
            ulaw_decode_entry(code as u8)
        };
        code += 1;
    }
    table
}

/// μ-law code to linear sample.
static ULAW_DECODE: [i16; 256] = build_table(false);
/// A-law code to linear sample.
static ALAW_DECODE: [i16; 256] = build_table(true);

#[cfg(test)]
mod tests {
    use super::*;

    // Transcriptions of ITU-T G.191 STL `g711.c` (alaw_compress, alaw_expand,
    // ulaw_compress, ulaw_expand), kept literal so they serve as the oracle.
    fn ref_alaw_compress(lin: i16) -> u8 {
        let mut ix: i16 = if lin < 0 { (!lin) >> 4 } else { lin >> 4 };
        if ix > 15 {
            let mut iexp: i16 = 1;
            while ix > 16 + 15 {
                ix >>= 1;
                iexp += 1;
            }
            ix -= 16;
            ix += iexp << 4;
        }
        if lin >= 0 {
            ix |= 0x0080;
        }
        (ix ^ 0x0055) as u8
    }

    fn ref_alaw_expand(log: u8) -> i16 {
        let log = log as i16;
        let mut ix = log ^ 0x0055;
        ix &= 0x007F;
        let iexp = ix >> 4;
        let mut mant = ix & 0x000F;
        if iexp > 0 {
            mant += 16;
        }
        mant = (mant << 4) + 0x0008;
        if iexp > 1 {
            mant <<= iexp - 1;
        }
        if log > 127 { mant } else { -mant }
    }

    fn ref_ulaw_compress(lin: i16) -> u8 {
        let mut absno: i16 = if lin < 0 {
            ((!lin) >> 2) + 33
        } else {
            (lin >> 2) + 33
        };
        if absno > 0x1FFF {
            absno = 0x1FFF;
        }
        let mut i = absno >> 6;
        let mut segno: i16 = 1;
        while i != 0 {
            segno += 1;
            i >>= 1;
        }
        let high_nibble = 0x0008 - segno;
        let mut low_nibble = (absno >> segno) & 0x000F;
        low_nibble = 0x000F - low_nibble;
        let mut log = (high_nibble << 4) | low_nibble;
        if lin >= 0 {
            log |= 0x0080;
        }
        log as u8
    }

    fn ref_ulaw_expand(log: u8) -> i16 {
        let log = log as i16;
        let sign: i32 = if log < 0x0080 { -1 } else { 1 };
        let mut mantissa = !log;
        let exponent = (mantissa >> 4) & 0x0007;
        let segment = exponent + 1;
        mantissa &= 0x000F;
        let step: i32 = 0x0004 << segment;
        (sign * ((0x0080i32 << exponent) + step * mantissa as i32 + step / 2 - 4 * 33)) as i16
    }

    #[test]
    fn ulaw_encode_matches_reference_for_every_16_bit_input() {
        for lin in i16::MIN..=i16::MAX {
            assert_eq!(ulaw_encode(lin), ref_ulaw_compress(lin), "input {lin}");
        }
    }

    #[test]
    fn alaw_encode_matches_reference_for_every_16_bit_input() {
        for lin in i16::MIN..=i16::MAX {
            assert_eq!(alaw_encode(lin), ref_alaw_compress(lin), "input {lin}");
        }
    }

    #[test]
    fn decode_matches_reference_for_every_code() {
        for code in 0..=255u8 {
            assert_eq!(
                ulaw_decode(code),
                ref_ulaw_expand(code),
                "μ-law {code:#04x}"
            );
            assert_eq!(
                alaw_decode(code),
                ref_alaw_expand(code),
                "A-law {code:#04x}"
            );
        }
    }

    #[test]
    fn decode_matches_published_table_values() {
        // Values from the G.711 tables (16-bit left-justified).
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0xF0), 120);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
    }

    #[test]
    fn every_code_survives_decode_then_encode() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "A-law {code:#04x}");
            let back = ulaw_encode(ulaw_decode(code));
            // μ-law has two codes for zero (0x7F and 0xFF); both decode to 0.
            if code == 0x7F {
                assert_eq!(back, 0xFF);
            } else {
                assert_eq!(back, code, "μ-law {code:#04x}");
            }
        }
    }

    #[test]
    fn silence_codes_decode_to_near_zero() {
        assert_eq!(G711Law::MuLaw.decode_sample(G711Law::MuLaw.silence()), 0);
        assert_eq!(G711Law::ALaw.decode_sample(G711Law::ALaw.silence()), 8);
        assert_eq!(G711Law::MuLaw.encode_sample(0), 0xFF);
        assert_eq!(G711Law::ALaw.encode_sample(0), 0xD5);
    }

    #[test]
    fn slice_encode_decode_round_trip() {
        let pcm: Vec<i16> = (0..160)
            .map(|i| ((i * 397) % 20000 - 10000) as i16)
            .collect();
        for law in [G711Law::MuLaw, G711Law::ALaw] {
            let mut codes = Vec::new();
            law.encode(&pcm, &mut codes);
            assert_eq!(codes.len(), 160);
            let mut back = Vec::new();
            law.decode(&codes, &mut back);
            for (a, b) in pcm.iter().zip(&back) {
                // Companding error is at most half the largest step (1024 / 2).
                assert!((*a as i32 - *b as i32).abs() <= 512, "{a} vs {b}");
            }
        }
        assert_eq!(G711Law::from_payload_type(8), Some(G711Law::ALaw));
        assert_eq!(G711Law::from_payload_type(0), Some(G711Law::MuLaw));
        assert_eq!(G711Law::from_payload_type(9), None);
    }
}
