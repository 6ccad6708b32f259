//! RTP parsing over arbitrary datagrams.
//!
//! Invariants checked:
//! - `parse_rtp` never panics and rejects with a typed error what it cannot read;
//! - a parsed packet marshals back and re-parses to the same packet;
//! - the RTCP demultiplexer and the compound parser never panic on the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_rtp::packetizer::{marshal_rtp, parse_rtp};
use yeastar_rtp::rtcp;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = parse_rtp(data) {
        assert_eq!(packet.header.version, 2);
        // Padding is dropped on parse, so compare packets rather than bytes.
        if let Ok(wire) = marshal_rtp(&packet) {
            let mut again = parse_rtp(&wire).expect("own output parses");
            // `extensions_padding` records how many zero bytes followed the header extension
            // elements on the wire; marshalling pads to the next word itself, so it is layout,
            // not content.
            let mut packet = packet;
            again.header.extensions_padding = 0;
            packet.header.extensions_padding = 0;
            assert_eq!(again, packet);
        }
    }
    if rtcp::is_rtcp(data) {
        let _ = rtcp::parse_compound(data);
    }
});
