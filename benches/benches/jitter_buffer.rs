//! Jitter buffer cost per packet: one `push` plus one `pop` at 20 ms pacing,
//! in steady state, with jitter that reorders now and then. Goal ≤ 100 ns.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yeastar_rtp::{JitterBuffer, JitterConfig};

/// Packets in the pre-built arrival schedule (cycled).
const SCHEDULE_LEN: usize = 4096;

fn schedule() -> Vec<(u16, u32, Duration)> {
    let mut seed = 0x5eed_u64;
    (0..SCHEDULE_LEN as u32)
        .map(|i| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let jitter_us = (seed >> 33) % 30_000;
            (
                i as u16,
                i * 160,
                Duration::from_micros(i as u64 * 20_000 + jitter_us),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let packets = schedule();
    let payload = Bytes::from(vec![0xD5u8; 160]);
    let mut group = c.benchmark_group("jitter_buffer");
    group.throughput(Throughput::Elements(1));
    for (name, config) in [
        ("adaptive", JitterConfig::default()),
        ("fixed_60ms", JitterConfig::fixed(Duration::from_millis(60))),
    ] {
        group.bench_function(format!("push_pop_per_packet/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut buffer = JitterBuffer::new(config);
                let start = Instant::now();
                let mut elapsed = Duration::ZERO;
                let mut done = 0u64;
                let mut lap = 0u32;
                while done < iters {
                    // Laps continue the sequence so the buffer never restarts.
                    let lap_offset = Duration::from_millis(20 * SCHEDULE_LEN as u64) * lap;
                    let batch = (iters - done).min(SCHEDULE_LEN as u64) as usize;
                    let timer = Instant::now();
                    for (k, &(seq, ts, at)) in packets[..batch].iter().enumerate() {
                        let seq = seq.wrapping_add((lap as usize * SCHEDULE_LEN) as u16);
                        let ts = ts.wrapping_add(lap * SCHEDULE_LEN as u32 * 160);
                        let arrival = start + lap_offset + at;
                        let _ = black_box(buffer.push_parts(
                            7,
                            seq,
                            ts,
                            false,
                            payload.clone(),
                            arrival,
                        ));
                        let tick = start + lap_offset + Duration::from_millis(20 * k as u64);
                        black_box(buffer.pop(tick));
                    }
                    elapsed += timer.elapsed();
                    done += batch as u64;
                    lap += 1;
                }
                elapsed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
