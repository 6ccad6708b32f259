//! The call tracker fed real event streams with frames dropped, duplicated, reordered and
//! spaced out in time, under small limits.
//!
//! Checks: no panic; every table stays within its bound; once everything is released, every
//! call that reported `Ended` has exactly one history record (and no record appears without
//! an `Ended`, apart from records made from a `Cdr` alone).
#![no_main]

use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use yeastar_ami::Decoder;
use yeastar_ami::calls::{CallEvent, PbxEvent, WallClock};
use yeastar_ami::tracker::{CallTracker, TrackerConfig};

/// A small deterministic generator for the mangling decisions.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let (head, stream) = data.split_at(9);
    let flags = head[0];
    let mut seed = [0u8; 8];
    seed.copy_from_slice(&head[1..9]);
    let mut rng = XorShift(u64::from_le_bytes(seed) | 1);

    let mut config = TrackerConfig::default();
    config.max_active_calls = 4;
    config.max_channels_per_call = 4;
    config.max_extensions = 8;
    config.max_pending_completions = 4;
    config.max_queued_events = 64;
    config.max_events_per_call = 16;
    config.call_ttl = Duration::from_secs(30);
    let start = Instant::now();
    let clock = WallClock::new(start, UNIX_EPOCH + Duration::from_secs(1_795_728_800));
    let mut tracker = CallTracker::new(config.clone(), clock);

    // The frames of the stream (a banner first is fine: the tracker ignores it).
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::from(stream);
    let mut frames = Vec::new();
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        frames.push(frame);
        if frames.len() > 2000 {
            break;
        }
    }
    // Mangle: drop, duplicate, swap with the next, according to the generator and the flags.
    let mangle = flags & 0x0f;
    let mut i = 0;
    let mut order = Vec::with_capacity(frames.len() * 2);
    while i < frames.len() {
        let roll = (rng.next() % 16) as u8;
        if roll < mangle / 4 {
            // dropped
        } else if roll < mangle / 2 {
            order.push(i);
            order.push(i);
        } else if roll < mangle && i + 1 < frames.len() {
            order.push(i + 1);
            order.push(i);
            i += 1;
        } else {
            order.push(i);
        }
        i += 1;
    }

    let mut now = start;
    let mut ended = 0u64;
    let mut completed = 0u64;
    let mut drain = |tracker: &mut CallTracker, ended: &mut u64, completed: &mut u64| {
        while let Some(event) = tracker.poll_event() {
            if let PbxEvent::Call(CallEvent::Ended { .. }) = event {
                *ended += 1;
            }
        }
        while tracker.poll_completed().is_some() {
            *completed += 1;
        }
    };
    for index in order {
        now += Duration::from_millis(rng.next() % (u64::from(flags >> 4) * 500 + 1));
        if tracker.poll_timeout().is_some_and(|t| t <= now) {
            tracker.handle_timeout(now);
        }
        tracker.handle_message(&frames[index].message(), now);
        drain(&mut tracker, &mut ended, &mut completed);
        assert!(tracker.active_calls() <= config.max_active_calls);
        assert!(tracker.calls().all(|c| c.legs.len() <= config.max_channels_per_call));
        assert!(tracker.extensions().count() <= config.max_extensions);
    }
    tracker.handle_timeout(now + Duration::from_secs(3600));
    tracker.release_pending();
    drain(&mut tracker, &mut ended, &mut completed);
    let stats = tracker.stats();
    assert_eq!(tracker.active_calls(), 0);
    assert_eq!(stats.records_dropped, 0);
    assert_eq!(
        ended + stats.records_from_cdr_only,
        completed,
        "ended {ended}, completed {completed}, {stats:?}"
    );
});
