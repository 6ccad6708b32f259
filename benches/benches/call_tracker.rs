//! `CallTracker` alone: events per second through the call model, frames decoded beforehand,
//! every `events_*` capture of both dialects in order (each capture is a whole call history).
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Instant;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yeastar_ami::calls::WallClock;
use yeastar_ami::tracker::{CallTracker, TrackerConfig};
use yeastar_ami::{Decoder, Frame};

fn capture_frames() -> Vec<Frame> {
    let mut frames = Vec::new();
    for path in yeastar_benches::ami_event_captures().unwrap() {
        let mut buf = BytesMut::from(&std::fs::read(&path).unwrap()[..]);
        let mut decoder = Decoder::default();
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            frames.push(frame);
        }
    }
    frames
}

/// Feeds every frame to a fresh tracker once; the number of items it produced.
fn track_once(frames: &[Frame], now: Instant, clock: WallClock) -> usize {
    let mut tracker = CallTracker::new(TrackerConfig::default(), clock);
    let mut out = 0usize;
    for frame in frames {
        tracker.handle_message(&frame.message(), now);
        while tracker.poll_event().is_some() {
            out += 1;
        }
        while tracker.poll_completed().is_some() {
            out += 1;
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let frames = capture_frames();
    assert!(frames.len() > 500, "{} frames", frames.len());
    let now = Instant::now();
    let clock = WallClock::now();
    // `CALL_TRACKER_ONCE=yeastar` runs the tracker once over the frames and exits, so an
    // instruction counter (`valgrind --tool=callgrind`, `scripts/instr-gate`) measures the
    // tracker alone; `=none` only loads the captures (the cost to subtract); `=N` runs N times.
    if let Ok(mode) = std::env::var("CALL_TRACKER_ONCE") {
        let passes = match mode.as_str() {
            "none" => 0,
            "yeastar" => 1,
            n => n.parse::<usize>().unwrap_or(1),
        };
        let items: usize = (0..passes).map(|_| track_once(&frames, now, clock)).sum();
        eprintln!("yeastar: {}", frames.len() * passes.max(1));
        eprintln!("{items} items");
        std::process::exit(0);
    }
    let mut group = c.benchmark_group("call_tracker");
    group.throughput(Throughput::Elements(frames.len() as u64));
    // A fresh tracker per pass: the captures reuse call ids.
    group.bench_function("every_event_capture", |b| {
        b.iter(|| track_once(&frames, now, clock))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
