//! RTCP wire format (RFC 3550 §6): sender and receiver reports, source
//! descriptions and BYE, parsed from and written to compound packets.
//!
//! Other packet types (APP, RTPFB, PSFB, XR…) are kept as
//! [`RtcpPacket::Other`] with their raw body so a compound packet round-trips.

use bytes::{BufMut, Bytes};

use crate::error::Error;

/// Most packets accepted in one compound RTCP datagram. A report, a
/// description and a BYE make three; 16 leaves room for feedback packets.
pub const MAX_COMPOUND_PACKETS: usize = 16;

/// Most SDES chunks (sources) accepted in one SDES packet; a 5-bit count
/// allows 31.
pub const MAX_SDES_CHUNKS: usize = 31;

/// Most items accepted in one SDES chunk; RFC 3550 defines eight item types.
pub const MAX_SDES_ITEMS: usize = 16;

const VERSION: u8 = 2;
const HEADER_LEN: usize = 4;
const REPORT_BLOCK_LEN: usize = 24;

/// RTCP packet type for a sender report.
pub const PT_SENDER_REPORT: u8 = 200;
/// RTCP packet type for a receiver report.
pub const PT_RECEIVER_REPORT: u8 = 201;
/// RTCP packet type for a source description.
pub const PT_SOURCE_DESCRIPTION: u8 = 202;
/// RTCP packet type for BYE.
pub const PT_GOODBYE: u8 = 203;

/// One reception report block (RFC 3550 §6.4.1), describing how we receive one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256 units.
    pub fraction_lost: u8,
    /// Packets lost since reception began (24-bit signed on the wire;
    /// negative when duplicates outnumber losses).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles in the top 16 bits).
    pub extended_highest_seq: u32,
    /// Interarrival jitter in RTP timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source, or 0.
    pub last_sr: u32,
    /// Delay since that SR was received, in 1/65536 seconds, or 0.
    pub delay_since_last_sr: u32,
}

/// A sender report (RFC 3550 §6.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport {
    /// The sender's SSRC.
    pub ssrc: u32,
    /// Wallclock time of this report as a 64-bit NTP timestamp.
    pub ntp_timestamp: u64,
    /// The RTP timestamp corresponding to `ntp_timestamp`.
    pub rtp_timestamp: u32,
    /// RTP data packets sent since the stream started.
    pub packet_count: u32,
    /// Payload octets sent since the stream started.
    pub octet_count: u32,
    /// Reception reports, at most 31.
    pub reports: Vec<ReportBlock>,
}

/// A receiver report (RFC 3550 §6.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport {
    /// The reporter's SSRC.
    pub ssrc: u32,
    /// Reception reports, at most 31.
    pub reports: Vec<ReportBlock>,
}

/// One SDES item (RFC 3550 §6.5), such as CNAME (type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// Item type: 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV.
    pub kind: u8,
    /// Item value, at most 255 bytes (UTF-8 by the RFC, not checked here).
    pub value: Bytes,
}

/// SDES item type for the canonical name.
pub const SDES_CNAME: u8 = 1;

/// The items describing one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The described source.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem>,
}

/// A source description packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceDescription {
    /// One chunk per source.
    pub chunks: Vec<SdesChunk>,
}

/// A BYE packet: the listed sources are leaving.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Goodbye {
    /// Sources leaving, at most 31.
    pub sources: Vec<u32>,
    /// Optional reason, at most 255 bytes.
    pub reason: Option<Bytes>,
}

/// One packet of a compound RTCP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// Sender report.
    SenderReport(SenderReport),
    /// Receiver report.
    ReceiverReport(ReceiverReport),
    /// Source description.
    SourceDescription(SourceDescription),
    /// BYE.
    Goodbye(Goodbye),
    /// Any other type, kept verbatim.
    Other {
        /// Packet type.
        packet_type: u8,
        /// The 5-bit count/format field.
        count: u8,
        /// Body after the 4-byte header, padding removed.
        body: Bytes,
    },
}

/// True when a datagram on a multiplexed port is RTCP rather than RTP
/// (RFC 5761 §4: second byte 192..=223 is an RTCP packet type).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && (192..=223).contains(&datagram[1])
}

/// Parses a compound RTCP datagram.
pub fn parse_compound(datagram: &[u8]) -> Result<Vec<RtcpPacket>, Error> {
    let mut packets = Vec::new();
    let mut rest = datagram;
    if rest.is_empty() {
        return Err(Error::Truncated {
            needed: HEADER_LEN,
            available: 0,
        });
    }
    while !rest.is_empty() {
        if packets.len() == MAX_COMPOUND_PACKETS {
            return Err(Error::LimitExceeded {
                what: "RTCP packets in a compound",
                limit: MAX_COMPOUND_PACKETS,
            });
        }
        let (packet, consumed) = parse_one(rest)?;
        packets.push(packet);
        rest = &rest[consumed..];
    }
    Ok(packets)
}

fn need(data: &[u8], needed: usize) -> Result<(), Error> {
    if data.len() < needed {
        Err(Error::Truncated {
            needed,
            available: data.len(),
        })
    } else {
        Ok(())
    }
}

fn read_u32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

fn parse_one(data: &[u8]) -> Result<(RtcpPacket, usize), Error> {
    need(data, HEADER_LEN)?;
    let version = data[0] >> 6;
    if version != VERSION {
        return Err(Error::BadVersion(version));
    }
    let padding = data[0] & 0x20 != 0;
    let count = data[0] & 0x1F;
    let packet_type = data[1];
    let length = (u16::from_be_bytes([data[2], data[3]]) as usize + 1) * 4;
    need(data, length)?;
    let mut body = &data[HEADER_LEN..length];
    if padding {
        let pad = body.last().copied().unwrap_or(0) as usize;
        if pad == 0 || pad > body.len() {
            return Err(Error::Malformed("RTCP padding length"));
        }
        body = &body[..body.len() - pad];
    }
    let packet = match packet_type {
        PT_SENDER_REPORT => {
            need(body, 24 + count as usize * REPORT_BLOCK_LEN)?;
            RtcpPacket::SenderReport(SenderReport {
                ssrc: read_u32(body, 0),
                ntp_timestamp: (read_u32(body, 4) as u64) << 32 | read_u32(body, 8) as u64,
                rtp_timestamp: read_u32(body, 12),
                packet_count: read_u32(body, 16),
                octet_count: read_u32(body, 20),
                reports: parse_blocks(&body[24..], count),
            })
        }
        PT_RECEIVER_REPORT => {
            need(body, 4 + count as usize * REPORT_BLOCK_LEN)?;
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: read_u32(body, 0),
                reports: parse_blocks(&body[4..], count),
            })
        }
        PT_SOURCE_DESCRIPTION => RtcpPacket::SourceDescription(parse_sdes(body, count)?),
        PT_GOODBYE => {
            let sources_len = count as usize * 4;
            need(body, sources_len)?;
            let sources = (0..count as usize).map(|i| read_u32(body, i * 4)).collect();
            let reason = match body.get(sources_len) {
                Some(&len) => {
                    let text = body
                        .get(sources_len + 1..sources_len + 1 + len as usize)
                        .ok_or(Error::Malformed("BYE reason length"))?;
                    Some(Bytes::copy_from_slice(text))
                }
                None => None,
            };
            RtcpPacket::Goodbye(Goodbye { sources, reason })
        }
        _ => RtcpPacket::Other {
            packet_type,
            count,
            body: Bytes::copy_from_slice(body),
        },
    };
    Ok((packet, length))
}

fn parse_blocks(data: &[u8], count: u8) -> Vec<ReportBlock> {
    (0..count as usize)
        .map(|i| {
            let b = &data[i * REPORT_BLOCK_LEN..(i + 1) * REPORT_BLOCK_LEN];
            let lost_raw = read_u32(b, 4) & 0x00FF_FFFF;
            // Sign-extend the 24-bit cumulative loss.
            let cumulative_lost = ((lost_raw << 8) as i32) >> 8;
            ReportBlock {
                ssrc: read_u32(b, 0),
                fraction_lost: b[4],
                cumulative_lost,
                extended_highest_seq: read_u32(b, 8),
                jitter: read_u32(b, 12),
                last_sr: read_u32(b, 16),
                delay_since_last_sr: read_u32(b, 20),
            }
        })
        .collect()
}

fn parse_sdes(body: &[u8], count: u8) -> Result<SourceDescription, Error> {
    if count as usize > MAX_SDES_CHUNKS {
        return Err(Error::LimitExceeded {
            what: "SDES chunks",
            limit: MAX_SDES_CHUNKS,
        });
    }
    let mut chunks = Vec::with_capacity(count as usize);
    let mut at = 0;
    for _ in 0..count {
        need(&body[at.min(body.len())..], 4)?;
        let ssrc = read_u32(body, at);
        at += 4;
        let mut items = Vec::new();
        loop {
            let kind = *body
                .get(at)
                .ok_or(Error::Malformed("SDES chunk not terminated"))?;
            if kind == 0 {
                // Null item ends the chunk; the chunk is padded to 32 bits.
                at = (at + 4) & !3;
                break;
            }
            let len = *body
                .get(at + 1)
                .ok_or(Error::Malformed("SDES item length"))? as usize;
            let value = body
                .get(at + 2..at + 2 + len)
                .ok_or(Error::Malformed("SDES item value"))?;
            if items.len() == MAX_SDES_ITEMS {
                return Err(Error::LimitExceeded {
                    what: "SDES items in a chunk",
                    limit: MAX_SDES_ITEMS,
                });
            }
            items.push(SdesItem {
                kind,
                value: Bytes::copy_from_slice(value),
            });
            at += 2 + len;
        }
        chunks.push(SdesChunk { ssrc, items });
    }
    Ok(SourceDescription { chunks })
}

/// Appends `packets` as one compound RTCP datagram to `out`.
///
/// Fails without writing a partial packet when a count or length exceeds what
/// the wire format can carry (31 reports or sources, 255-byte items).
pub fn write_compound(packets: &[RtcpPacket], out: &mut Vec<u8>) -> Result<(), Error> {
    for packet in packets {
        write_one(packet, out)?;
    }
    Ok(())
}

fn check_count(len: usize, what: &'static str) -> Result<u8, Error> {
    if len > 31 {
        Err(Error::LimitExceeded { what, limit: 31 })
    } else {
        Ok(len as u8)
    }
}

fn write_header(
    out: &mut Vec<u8>,
    count: u8,
    packet_type: u8,
    body_len: usize,
) -> Result<(), Error> {
    let words = body_len / 4;
    if !body_len.is_multiple_of(4) || words > u16::MAX as usize {
        return Err(Error::Malformed("RTCP body length"));
    }
    out.put_u8(VERSION << 6 | count);
    out.put_u8(packet_type);
    out.put_u16(words as u16);
    Ok(())
}

fn write_blocks(out: &mut Vec<u8>, reports: &[ReportBlock]) {
    for r in reports {
        out.put_u32(r.ssrc);
        let lost = r.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32 & 0x00FF_FFFF;
        out.put_u32((r.fraction_lost as u32) << 24 | lost);
        out.put_u32(r.extended_highest_seq);
        out.put_u32(r.jitter);
        out.put_u32(r.last_sr);
        out.put_u32(r.delay_since_last_sr);
    }
}

fn write_one(packet: &RtcpPacket, out: &mut Vec<u8>) -> Result<(), Error> {
    match packet {
        RtcpPacket::SenderReport(sr) => {
            let count = check_count(sr.reports.len(), "report blocks")?;
            write_header(
                out,
                count,
                PT_SENDER_REPORT,
                24 + sr.reports.len() * REPORT_BLOCK_LEN,
            )?;
            out.put_u32(sr.ssrc);
            out.put_u64(sr.ntp_timestamp);
            out.put_u32(sr.rtp_timestamp);
            out.put_u32(sr.packet_count);
            out.put_u32(sr.octet_count);
            write_blocks(out, &sr.reports);
        }
        RtcpPacket::ReceiverReport(rr) => {
            let count = check_count(rr.reports.len(), "report blocks")?;
            write_header(
                out,
                count,
                PT_RECEIVER_REPORT,
                4 + rr.reports.len() * REPORT_BLOCK_LEN,
            )?;
            out.put_u32(rr.ssrc);
            write_blocks(out, &rr.reports);
        }
        RtcpPacket::SourceDescription(sdes) => {
            let count = check_count(sdes.chunks.len(), "SDES chunks")?;
            let mut body = Vec::new();
            for chunk in &sdes.chunks {
                body.put_u32(chunk.ssrc);
                for item in &chunk.items {
                    if item.value.len() > 255 || item.kind == 0 {
                        return Err(Error::Malformed("SDES item"));
                    }
                    body.put_u8(item.kind);
                    body.put_u8(item.value.len() as u8);
                    body.extend_from_slice(&item.value);
                }
                // At least one null octet, then pad the chunk to 32 bits.
                body.put_u8(0);
                while !body.len().is_multiple_of(4) {
                    body.put_u8(0);
                }
            }
            write_header(out, count, PT_SOURCE_DESCRIPTION, body.len())?;
            out.extend_from_slice(&body);
        }
        RtcpPacket::Goodbye(bye) => {
            let count = check_count(bye.sources.len(), "BYE sources")?;
            let mut body = Vec::new();
            for ssrc in &bye.sources {
                body.put_u32(*ssrc);
            }
            if let Some(reason) = &bye.reason {
                if reason.len() > 255 {
                    return Err(Error::Malformed("BYE reason longer than 255 bytes"));
                }
                body.put_u8(reason.len() as u8);
                body.extend_from_slice(reason);
                while !body.len().is_multiple_of(4) {
                    body.put_u8(0);
                }
            }
            write_header(out, count, PT_GOODBYE, body.len())?;
            out.extend_from_slice(&body);
        }
        RtcpPacket::Other {
            packet_type,
            count,
            body,
        } => {
            if *count > 31 {
                return Err(Error::LimitExceeded {
                    what: "RTCP count field",
                    limit: 31,
                });
            }
            write_header(out, *count, *packet_type, body.len())?;
            out.extend_from_slice(body);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(ssrc: u32) -> ReportBlock {
        ReportBlock {
            ssrc,
            fraction_lost: 25,
            cumulative_lost: -3,
            extended_highest_seq: 0x0001_0005,
            jitter: 42,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 0x0001_8000,
        }
    }

    #[test]
    fn compound_round_trips() {
        let packets = vec![
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 0xAABB_CCDD,
                ntp_timestamp: 0xE000_0000_8000_0000,
                rtp_timestamp: 160,
                packet_count: 10,
                octet_count: 1600,
                reports: vec![block(7), block(8)],
            }),
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: 1,
                reports: vec![block(9)],
            }),
            RtcpPacket::SourceDescription(SourceDescription {
                chunks: vec![SdesChunk {
                    ssrc: 0xAABB_CCDD,
                    items: vec![SdesItem {
                        kind: SDES_CNAME,
                        value: Bytes::from_static(b"user@host"),
                    }],
                }],
            }),
            RtcpPacket::Goodbye(Goodbye {
                sources: vec![0xAABB_CCDD],
                reason: Some(Bytes::from_static(b"hangup")),
            }),
            RtcpPacket::Other {
                packet_type: 205,
                count: 1,
                body: Bytes::from_static(&[0, 0, 0, 1, 0, 0, 0, 2]),
            },
        ];
        let mut wire = Vec::new();
        write_compound(&packets, &mut wire).unwrap();
        assert_eq!(wire.len() % 4, 0);
        assert!(is_rtcp(&wire));
        assert_eq!(parse_compound(&wire).unwrap(), packets);
    }

    #[test]
    fn parses_known_receiver_report_bytes() {
        // RR from SSRC 0x902f9e2e about 0xbc5e9a40: 0 lost fraction, 0 total, ext seq 0x46e1.
        let wire = [
            0x81, 0xc9, 0x00, 0x07, 0x90, 0x2f, 0x9e, 0x2e, 0xbc, 0x5e, 0x9a, 0x40, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x46, 0xe1, 0x00, 0x00, 0x01, 0x11, 0x09, 0xf3, 0x64, 0x32,
            0x00, 0x02, 0x4a, 0x79,
        ];
        let packets = parse_compound(&wire).unwrap();
        let RtcpPacket::ReceiverReport(rr) = &packets[0] else {
            panic!("not an RR")
        };
        assert_eq!(rr.ssrc, 0x902f_9e2e);
        assert_eq!(rr.reports[0].ssrc, 0xbc5e_9a40);
        assert_eq!(rr.reports[0].extended_highest_seq, 0x46e1);
        assert_eq!(rr.reports[0].jitter, 273);
        assert_eq!(rr.reports[0].last_sr, 0x09f3_6432);
        assert_eq!(rr.reports[0].delay_since_last_sr, 150_137);
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert!(matches!(parse_compound(&[]), Err(Error::Truncated { .. })));
        assert!(matches!(
            parse_compound(&[0x40, 200, 0, 0]),
            Err(Error::BadVersion(1))
        ));
        // Length says 8 words, datagram holds 1.
        assert!(matches!(
            parse_compound(&[0x80, 201, 0, 7, 0, 0, 0, 1]),
            Err(Error::Truncated { .. })
        ));
        // RR claims one block but the length holds none.
        assert!(matches!(
            parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 1]),
            Err(Error::Truncated { .. })
        ));
        // Unterminated SDES chunk.
        assert!(matches!(
            parse_compound(&[0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, b'a', b'b']),
            Err(Error::Malformed(_))
        ));
        let too_many = [0x80, 201, 0, 1, 0, 0, 0, 1].repeat(MAX_COMPOUND_PACKETS + 1);
        assert!(matches!(
            parse_compound(&too_many),
            Err(Error::LimitExceeded { .. })
        ));
        let bye = RtcpPacket::Goodbye(Goodbye {
            sources: vec![1; 32],
            reason: None,
        });
        assert!(matches!(
            write_compound(&[bye], &mut Vec::new()),
            Err(Error::LimitExceeded { .. })
        ));
    }

    #[test]
    fn negative_cumulative_loss_survives_the_24_bit_field() {
        let rr = RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 1,
            reports: vec![ReportBlock {
                cumulative_lost: -5,
                ..block(2)
            }],
        });
        let mut wire = Vec::new();
        write_compound(std::slice::from_ref(&rr), &mut wire).unwrap();
        assert_eq!(parse_compound(&wire).unwrap(), vec![rr]);
    }
}
