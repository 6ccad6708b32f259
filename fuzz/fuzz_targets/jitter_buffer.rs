//! The jitter buffer under arbitrary push/pop sequences.
//!
//! Input: a small configuration, then operations: push (ssrc, seq, timestamp,
//! marker, payload length, arrival step) or pop (time step).
//!
//! Invariants checked:
//! - no panic, whatever the order, wrap, SSRC changes or time steps;
//! - the buffer never holds more packets than its capacity;
//! - every accepted push is counted once, and no more frames are played than pushed.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use yeastar_rtp::jitter::{JitterBuffer, JitterConfig, Playout, PushOutcome};

#[derive(Debug, Arbitrary)]
enum Op {
    Push {
        ssrc: u8,
        seq: u16,
        timestamp: u32,
        marker: bool,
        len: u8,
        step_ms: u8,
    },
    Pop {
        step_ms: u8,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    fixed_ms: Option<u8>,
    capacity: u8,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let mut config = match input.fixed_ms {
        Some(ms) => JitterConfig::fixed(Duration::from_millis(ms as u64)),
        None => JitterConfig::default(),
    };
    config.capacity = input.capacity as usize;
    let mut buffer = JitterBuffer::new(config);
    let capacity = buffer.config().capacity;
    let start = Instant::now();
    let mut now = start;
    let (mut pushed, mut outcomes, mut played) = (0u64, 0u64, 0u64);
    for op in input.ops.iter().take(20_000) {
        match *op {
            Op::Push {
                ssrc,
                seq,
                timestamp,
                marker,
                len,
                step_ms,
            } => {
                now += Duration::from_millis(step_ms as u64);
                let payload = Bytes::from(vec![0u8; len as usize]);
                let outcome =
                    buffer.push_parts(ssrc as u32 % 3, seq, timestamp, marker, payload, now);
                pushed += 1;
                if let Ok(o) = outcome {
                    outcomes += 1;
                    let _ = matches!(o, PushOutcome::Buffered);
                }
            }
            Op::Pop { step_ms } => {
                now += Duration::from_millis(step_ms as u64);
                if let Playout::Frame(frame) = buffer.pop(now) {
                    if !frame.concealed {
                        played += 1;
                    }
                }
            }
        }
        let stats = buffer.stats();
        assert!(stats.buffered <= capacity);
        assert_eq!(stats.received, outcomes);
        assert!(played <= pushed);
    }
});
