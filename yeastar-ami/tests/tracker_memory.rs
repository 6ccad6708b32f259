//! Memory per tracked call, measured with a counting allocator on a real capture: the
//! answered call 1001→1002 of each dialect, replayed up to its hangup as many distinct calls.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::System;
use std::path::Path;
use std::time::Instant;

use bytes::BytesMut;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use yeastar_ami::calls::WallClock;
use yeastar_ami::tracker::{CallTracker, TrackerConfig};
use yeastar_ami::{Decoder, parse_message};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The budget per tracked call.
const MAX_BYTES_PER_CALL: usize = 4096;
const CALLS: usize = 2000;

/// The capture's event frames up to (not including) the first hangup.
fn live_call_frames(dialect: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dialect)
        .join("events_call_1001_to_1002_answered.s2c.raw");
    let mut buf = BytesMut::from(&std::fs::read(path).unwrap()[..]);
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    while let Some(frame) = decoder.decode(&mut buf).unwrap() {
        let msg = frame.message();
        let Some(name) = msg.event() else { continue };
        if name.starts_with("Hangup") || name == "SoftHangupRequest" || name == "Unlink" {
            break;
        }
        out.push(msg.text().to_string());
    }
    out
}

fn bytes_per_call(dialect: &str, id_prefix: &str) -> usize {
    let frames = live_call_frames(dialect);
    // Every copy gets its own uniqueids, so each is a separate call.
    let wires: Vec<Vec<u8>> = (0..CALLS)
        .flat_map(|i| {
            let fresh = format!("{}{id_prefix}", i + 1);
            frames
                .iter()
                .map(move |f| f.replace(id_prefix, &fresh).into_bytes())
        })
        .collect();
    let now = Instant::now();
    let region = Region::new(GLOBAL);
    let mut tracker = CallTracker::new(TrackerConfig::default(), WallClock::now());
    for wire in &wires {
        let (msg, _) = parse_message(wire).unwrap();
        tracker.handle_message(&msg, now);
        while tracker.poll_event().is_some() {}
    }
    let stats = region.change();
    assert_eq!(tracker.active_calls(), CALLS, "{dialect}");
    let live = stats
        .bytes_allocated
        .saturating_sub(stats.bytes_deallocated);
    let per_call = live / CALLS;
    // The estimate the call itself gives must stay under the measured figure.
    let call = tracker.calls().next().unwrap();
    let own = std::mem::size_of_val(call) + call.heap_bytes();
    println!("{dialect}: {per_call} bytes per tracked call (measured), call record {own} bytes");
    assert!(own <= per_call, "{own} > {per_call}");
    drop(tracker);
    per_call
}

#[test]
fn memory_per_tracked_call_is_under_4_kb() {
    let modern = bytes_per_call("asterisk", "1795728803.");
    let legacy = bytes_per_call("asterisk-legacy", "1795731561.");
    assert!(modern <= MAX_BYTES_PER_CALL, "modern {modern}");
    assert!(legacy <= MAX_BYTES_PER_CALL, "legacy {legacy}");
}
