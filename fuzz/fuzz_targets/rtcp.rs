//! RTCP compound parsing over arbitrary datagrams.
//!
//! Invariants checked:
//! - `parse_compound` never panics and returns at most `MAX_COMPOUND_PACKETS` packets;
//! - whatever parses writes back, and the written form parses to the same packets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_rtp::rtcp::{MAX_COMPOUND_PACKETS, parse_compound, write_compound};

fuzz_target!(|data: &[u8]| {
    let Ok(packets) = parse_compound(data) else {
        return;
    };
    assert!(packets.len() <= MAX_COMPOUND_PACKETS);
    let mut wire = Vec::new();
    if write_compound(&packets, &mut wire).is_ok() {
        let again = parse_compound(&wire).expect("own output parses");
        assert_eq!(again, packets);
    }
});
