//! Sample datagrams under `tests/data/wire/`, which also seed the fuzz
//! targets (`fuzz/seeds.sh`). Each file is built here from the crate and must
//! match byte for byte; set `REGENERATE_WIRE_SAMPLES=1` to rewrite them.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use bytes::Bytes;
use yeastar_rtp::dtmf::DtmfSender;
use yeastar_rtp::packetizer::{marshal_rtp, parse_rtp};
use yeastar_rtp::rtcp::{
    Goodbye, ReceiverReport, ReportBlock, RtcpPacket, SDES_CNAME, SdesChunk, SdesItem,
    SenderReport, SourceDescription, parse_compound, write_compound,
};
use yeastar_rtp::{G711Law, G711Packetizer, Ptime};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/wire");

fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut packetizer = G711Packetizer::new(
        G711Law::ALaw,
        Ptime::Ms20,
        0x1234_5678,
        65_535,
        4_294_967_200,
    );
    let tone: Vec<i16> = (0..160).map(|i| ((i % 40) * 800 - 16_000) as i16).collect();
    let pcma = marshal_rtp(&packetizer.packetize(&tone).unwrap())
        .unwrap()
        .to_vec();
    let mut burst = DtmfSender::new(160, 10)
        .press('5', std::time::Duration::from_millis(60), 4_294_967_200)
        .unwrap();
    let event = burst.next().unwrap();
    let dtmf = marshal_rtp(&packetizer.packet(
        101,
        event.timestamp,
        event.marker,
        Bytes::copy_from_slice(&event.event.to_bytes()),
    ))
    .unwrap()
    .to_vec();
    let block = ReportBlock {
        ssrc: 0x1234_5678,
        fraction_lost: 12,
        cumulative_lost: 3,
        extended_highest_seq: 0x0001_0002,
        jitter: 40,
        last_sr: 0x1111_2222,
        delay_since_last_sr: 0x0000_8000,
    };
    let mut compound = Vec::new();
    write_compound(
        &[
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 0x8765_4321,
                ntp_timestamp: 0xE9A0_0000_8000_0000,
                rtp_timestamp: 160,
                packet_count: 50,
                octet_count: 8000,
                reports: vec![block],
            }),
            RtcpPacket::SourceDescription(SourceDescription {
                chunks: vec![SdesChunk {
                    ssrc: 0x8765_4321,
                    items: vec![SdesItem {
                        kind: SDES_CNAME,
                        value: Bytes::from_static(b"ext1001@pbx"),
                    }],
                }],
            }),
            RtcpPacket::Goodbye(Goodbye {
                sources: vec![0x8765_4321],
                reason: Some(Bytes::from_static(b"hangup")),
            }),
        ],
        &mut compound,
    )
    .unwrap();
    let mut receiver_report = Vec::new();
    write_compound(
        &[RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 1,
            reports: vec![block],
        })],
        &mut receiver_report,
    )
    .unwrap();
    // One-byte header extension (RFC 8285) with a 1-byte element, then 3 payload bytes.
    let extension = [
        0x90, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x01, 0xBE, 0xDE, 0x00,
        0x01, 0x10, 0xAA, 0x00, 0x00, 0xD5, 0xD5, 0xD5,
    ]
    .to_vec();
    vec![
        ("rtp_pcma_20ms.bin", pcma),
        ("rtp_telephone_event.bin", dtmf),
        ("rtp_one_byte_extension.bin", extension),
        ("rtcp_sr_sdes_bye.bin", compound),
        ("rtcp_rr.bin", receiver_report),
    ]
}

#[test]
fn wire_samples_match_and_parse() {
    let regenerate = std::env::var_os("REGENERATE_WIRE_SAMPLES").is_some();
    for (name, bytes) in samples() {
        let path = format!("{DIR}/{name}");
        if regenerate {
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: set REGENERATE_WIRE_SAMPLES=1"
        );
        if name.starts_with("rtp_") {
            assert!(parse_rtp(&bytes).is_ok(), "{name}");
        } else {
            assert!(parse_compound(&bytes).is_ok(), "{name}");
        }
    }
}
