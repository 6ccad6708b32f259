//! RTP parsing and the G.711 packetizer.
//!
//! Packets are the `rtp` crate's [`rtp::packet::Packet`], marshalled with
//! `webrtc-util`. Its generic packetizer sets the marker bit on the last
//! fragment of every frame (the video meaning); audio needs the marker on the
//! first packet of each talkspurt (RFC 3551 §4.1), so this module builds the
//! headers itself and reuses the crate's [`rtp::sequence::Sequencer`].

use bytes::Bytes;
use rtp::header::Header;
use rtp::packet::Packet;
use rtp::sequence::{Sequencer, new_fixed_sequencer};
use webrtc_util::marshal::{Marshal, Unmarshal};

use crate::error::Error;
use crate::g711::G711Law;

/// Fixed RTP header size.
pub const RTP_HEADER_LEN: usize = 12;

/// Largest RTP datagram accepted; anything bigger is not G.711 voice from a phone.
pub const MAX_RTP_DATAGRAM: usize = 1500;

/// G.711 sample rate, which is also its RTP clock rate.
pub const G711_CLOCK_RATE: u32 = 8000;

/// Parses one RTP datagram with the `rtp` crate after checking the size and version.
pub fn parse_rtp(datagram: &[u8]) -> Result<Packet, Error> {
    if datagram.len() < RTP_HEADER_LEN {
        return Err(Error::Truncated {
            needed: RTP_HEADER_LEN,
            available: datagram.len(),
        });
    }
    if datagram.len() > MAX_RTP_DATAGRAM {
        return Err(Error::LimitExceeded {
            what: "RTP datagram size",
            limit: MAX_RTP_DATAGRAM,
        });
    }
    let version = datagram[0] >> 6;
    if version != 2 {
        return Err(Error::BadVersion(version));
    }
    check_header_extension(datagram)?;
    let mut buf = datagram;
    Ok(Packet::unmarshal(&mut buf)?)
}

/// Checks that every RFC 8285 header extension element lies inside the
/// extension block. The `rtp` crate reads element lengths unchecked and
/// panics when one runs past the datagram, so this runs first.
fn check_header_extension(datagram: &[u8]) -> Result<(), Error> {
    if datagram[0] & 0x10 == 0 {
        return Ok(());
    }
    let start = RTP_HEADER_LEN + (datagram[0] & 0x0F) as usize * 4;
    let truncated = || Error::Truncated {
        needed: start + 4,
        available: datagram.len(),
    };
    let head = datagram.get(start..start + 4).ok_or_else(truncated)?;
    let profile = u16::from_be_bytes([head[0], head[1]]);
    let len = u16::from_be_bytes([head[2], head[3]]) as usize * 4;
    let block = datagram
        .get(start + 4..start + 4 + len)
        .ok_or(Error::Truncated {
            needed: start + 4 + len,
            available: datagram.len(),
        })?;
    let mut at = 0;
    match profile {
        0xBEDE => {
            while at < block.len() {
                let b = block[at];
                if b == 0 {
                    at += 1;
                    continue;
                }
                if b >> 4 == 0x0F {
                    break;
                }
                at += 1 + (b & 0x0F) as usize + 1;
                if at > block.len() {
                    return Err(Error::Malformed(
                        "one-byte header extension overruns its block",
                    ));
                }
            }
        }
        0x1000 => {
            while at < block.len() {
                if block[at] == 0 {
                    at += 1;
                    continue;
                }
                let len = *block
                    .get(at + 1)
                    .ok_or(Error::Malformed("two-byte header extension cut short"))?;
                at += 2 + len as usize;
                if at > block.len() {
                    return Err(Error::Malformed(
                        "two-byte header extension overruns its block",
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Serialises a packet to a datagram.
pub fn marshal_rtp(packet: &Packet) -> Result<Bytes, Error> {
    Ok(packet.marshal()?)
}

/// Packet duration: how much audio each RTP packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ptime {
    /// 10 ms, 80 samples.
    Ms10,
    /// 20 ms, 160 samples (the usual default).
    Ms20,
    /// 30 ms, 240 samples.
    Ms30,
}

impl Ptime {
    /// The ptime for a value in milliseconds (from SDP `a=ptime`), if supported.
    pub fn from_millis(ms: u32) -> Option<Self> {
        match ms {
            10 => Some(Ptime::Ms10),
            20 => Some(Ptime::Ms20),
            30 => Some(Ptime::Ms30),
            _ => None,
        }
    }

    /// Duration in milliseconds.
    pub const fn millis(self) -> u32 {
        match self {
            Ptime::Ms10 => 10,
            Ptime::Ms20 => 20,
            Ptime::Ms30 => 30,
        }
    }

    /// Duration.
    pub const fn duration(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis() as u64)
    }

    /// Samples (and RTP timestamp units) per packet at 8 kHz.
    pub const fn samples(self) -> usize {
        (self.millis() * 8) as usize
    }
}

/// Turns PCM frames into G.711 RTP packets with consecutive sequence
/// numbers, timestamps advancing by the frame size, and the marker bit on the
/// first packet of each talkspurt.
#[derive(Debug)]
pub struct G711Packetizer {
    law: G711Law,
    ptime: Ptime,
    ssrc: u32,
    sequencer: Box<dyn Sequencer + Send + Sync>,
    timestamp: u32,
    talkspurt_start: bool,
    scratch: Vec<u8>,
}

impl G711Packetizer {
    /// A packetizer starting at `first_seq` and `first_timestamp` (RFC 3550
    /// wants both random; the caller picks them).
    pub fn new(
        law: G711Law,
        ptime: Ptime,
        ssrc: u32,
        first_seq: u16,
        first_timestamp: u32,
    ) -> Self {
        G711Packetizer {
            law,
            ptime,
            ssrc,
            sequencer: Box::new(new_fixed_sequencer(first_seq)),
            timestamp: first_timestamp,
            talkspurt_start: true,
            scratch: Vec::with_capacity(ptime.samples()),
        }
    }

    /// The law used.
    pub fn law(&self) -> G711Law {
        self.law
    }

    /// The packet duration.
    pub fn ptime(&self) -> Ptime {
        self.ptime
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Changes our SSRC, after a collision (RFC 3550 §8.2); the next packet starts a talkspurt.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        self.ssrc = ssrc;
        self.talkspurt_start = true;
    }

    /// The RTP timestamp the next frame will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.timestamp
    }

    /// Encodes one frame of exactly `ptime.samples()` samples into a packet.
    pub fn packetize(&mut self, pcm: &[i16]) -> Result<Packet, Error> {
        if pcm.len() != self.ptime.samples() {
            return Err(Error::FrameLength {
                expected: self.ptime.samples(),
                got: pcm.len(),
            });
        }
        self.law.encode(pcm, &mut self.scratch);
        let payload = Bytes::copy_from_slice(&self.scratch);
        self.packetize_encoded(payload)
    }

    /// Wraps one frame of already encoded G.711 (e.g. a prompt stored as
    /// A-law) into a packet.
    pub fn packetize_encoded(&mut self, payload: Bytes) -> Result<Packet, Error> {
        if payload.len() != self.ptime.samples() {
            return Err(Error::FrameLength {
                expected: self.ptime.samples(),
                got: payload.len(),
            });
        }
        let packet = self.packet(
            self.law.payload_type(),
            self.timestamp,
            self.talkspurt_start,
            payload,
        );
        self.talkspurt_start = false;
        self.timestamp = self.timestamp.wrapping_add(self.ptime.samples() as u32);
        Ok(packet)
    }

    /// Skips `frames` frames of silence that are not sent (DTX, or while a
    /// telephone event replaces audio): the timestamp keeps running and the
    /// next packet starts a new talkspurt.
    pub fn skip_frames(&mut self, frames: u32) {
        self.timestamp = self
            .timestamp
            .wrapping_add(frames.wrapping_mul(self.ptime.samples() as u32));
        self.talkspurt_start = true;
    }

    /// Builds a packet of another payload type (such as RFC 4733 events) in
    /// the same sequence-number space, without moving the audio timestamp.
    pub fn packet(
        &mut self,
        payload_type: u8,
        timestamp: u32,
        marker: bool,
        payload: Bytes,
    ) -> Packet {
        Packet {
            header: Header {
                version: 2,
                marker,
                payload_type,
                sequence_number: self.sequencer.next_sequence_number(),
                timestamp,
                ssrc: self.ssrc,
                ..Default::default()
            },
            payload,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sequence_and_markers_for_every_ptime() {
        for ptime in [Ptime::Ms10, Ptime::Ms20, Ptime::Ms30] {
            let mut p = G711Packetizer::new(G711Law::MuLaw, ptime, 42, 65534, u32::MAX - 100);
            let frame = vec![0i16; ptime.samples()];
            let a = p.packetize(&frame).unwrap();
            let b = p.packetize(&frame).unwrap();
            let c = p.packetize(&frame).unwrap();
            assert_eq!(
                [
                    a.header.sequence_number,
                    b.header.sequence_number,
                    c.header.sequence_number
                ],
                [65534, 65535, 0]
            );
            let step = ptime.samples() as u32;
            assert_eq!(b.header.timestamp, a.header.timestamp.wrapping_add(step));
            assert_eq!(c.header.timestamp, (u32::MAX - 100).wrapping_add(2 * step));
            assert_eq!(
                [a.header.marker, b.header.marker, c.header.marker],
                [true, false, false]
            );
            assert_eq!(a.payload.len(), ptime.samples());
            assert_eq!(a.payload[0], 0xFF);
            p.skip_frames(5);
            let d = p.packetize(&frame).unwrap();
            assert!(d.header.marker);
            assert_eq!(
                d.header.timestamp,
                c.header.timestamp.wrapping_add(6 * step)
            );
            assert_eq!(d.header.sequence_number, 1);
        }
    }

    #[test]
    fn overrunning_header_extensions_are_errors_not_panics() {
        // Found by the rtp_packet fuzz target: a one-byte extension element
        // longer than the datagram made the `rtp` crate panic.
        let crash = [
            0xb1, 0xb7, 0xcb, 0xcb, 0xcb, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1, 0xa1, 0xff, 0xff,
            0xff, 0xfc, 0x10, 0x00, 0x00, 0x01, 0x08, 0x81, 0x02, 0x00, 0x00,
        ];
        assert!(parse_rtp(&crash).is_err());
        let header = [0x90, 0x00, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1];
        // One-byte profile, one word, element claims 16 bytes.
        let one_byte = [&header[..], &[0xBE, 0xDE, 0, 1, 0x1F, 0, 0, 0]].concat();
        assert!(matches!(parse_rtp(&one_byte), Err(Error::Malformed(_))));
        // Two-byte profile, id in the last byte with no length.
        let two_byte = [&header[..], &[0x10, 0x00, 0, 1, 0, 0, 0, 7]].concat();
        assert!(matches!(parse_rtp(&two_byte), Err(Error::Malformed(_))));
        // A well-formed one-byte extension still parses.
        let good = [
            &header[..],
            &[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0],
            &[1, 2, 3],
        ]
        .concat();
        let packet = parse_rtp(&good).unwrap();
        assert_eq!(packet.header.extensions.len(), 1);
        assert_eq!(&packet.payload[..], &[1, 2, 3]);
    }

    #[test]
    fn wrong_frame_length_is_an_error() {
        let mut p = G711Packetizer::new(G711Law::ALaw, Ptime::Ms20, 1, 0, 0);
        assert!(matches!(
            p.packetize(&[0; 80]),
            Err(Error::FrameLength {
                expected: 160,
                got: 80
            })
        ));
    }

    #[test]
    fn marshal_then_parse_round_trips() {
        let mut p = G711Packetizer::new(G711Law::ALaw, Ptime::Ms20, 0xDEAD_BEEF, 7, 1000);
        let packet = p.packetize(&[100; 160]).unwrap();
        let wire = marshal_rtp(&packet).unwrap();
        assert_eq!(wire.len(), RTP_HEADER_LEN + 160);
        assert_eq!(wire[1], 0x80 | 8);
        let back = parse_rtp(&wire).unwrap();
        assert_eq!(back, packet);
        assert!(matches!(
            parse_rtp(&wire[..5]),
            Err(Error::Truncated { .. })
        ));
        let mut bad = wire.to_vec();
        bad[0] = 0x40;
        assert!(matches!(parse_rtp(&bad), Err(Error::BadVersion(1))));
        assert_eq!(Ptime::from_millis(30), Some(Ptime::Ms30));
        assert_eq!(Ptime::from_millis(25), None);
    }
}
