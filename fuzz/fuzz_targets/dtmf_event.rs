//! RFC 4733 receiving over arbitrary packet sequences.
//!
//! Input: a list of (timestamp, payload, elapsed ms) packets.
//!
//! Invariants checked:
//! - the receiver never panics and its queue stays bounded;
//! - events alternate: `Started` only when no event is open, `Ended` only for the open one.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use yeastar_rtp::dtmf::{DtmfEvent, DtmfReceiver, MAX_PENDING_EVENTS, TelephoneEvent};

#[derive(Debug, Arbitrary)]
struct Input {
    packets: Vec<(u32, Vec<u8>, u8)>,
}

fuzz_target!(|input: Input| {
    let start = Instant::now();
    let mut now = start;
    let mut receiver = DtmfReceiver::default();
    let mut open: Option<u32> = None;
    // Drained after every packet, so the bounded queue never drops anything.
    let mut check = |receiver: &mut DtmfReceiver| {
        let mut drained = 0;
        while let Some(event) = receiver.poll_event() {
            drained += 1;
            match event {
                DtmfEvent::Started { timestamp, .. } => {
                    assert_eq!(open, None);
                    open = Some(timestamp);
                }
                DtmfEvent::Ended { timestamp, .. } => {
                    assert_eq!(open, Some(timestamp));
                    open = None;
                }
            }
        }
        assert!(drained <= MAX_PENDING_EVENTS);
    };
    for (timestamp, payload, elapsed_ms) in input.packets.iter().take(10_000) {
        now += Duration::from_millis(*elapsed_ms as u64);
        let parsed = TelephoneEvent::parse(payload);
        let result = receiver.on_packet(*timestamp, payload, now);
        assert_eq!(parsed.is_ok(), result.is_ok());
        if let Ok(event) = parsed {
            assert_eq!(TelephoneEvent::parse(&event.to_bytes()).ok(), Some(event));
        }
        receiver.handle_timeout(now);
        check(&mut receiver);
    }
});
