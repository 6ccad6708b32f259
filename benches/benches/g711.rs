//! G.711 encode and decode of one 20 ms frame (160 samples).
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yeastar_rtp::G711Law;

fn bench(c: &mut Criterion) {
    let pcm: Vec<i16> = (0..160)
        .map(|i| ((i * 2654) % 65_536 - 32_768) as i16)
        .collect();
    let mut group = c.benchmark_group("g711");
    group.throughput(Throughput::Elements(160));
    for (name, law) in [("ulaw", G711Law::MuLaw), ("alaw", G711Law::ALaw)] {
        let mut codes = Vec::with_capacity(160);
        law.encode(&pcm, &mut codes);
        let mut out_codes = Vec::with_capacity(160);
        group.bench_function(format!("encode_20ms/{name}"), |b| {
            b.iter(|| law.encode(black_box(&pcm), &mut out_codes))
        });
        let mut out_pcm = Vec::with_capacity(160);
        group.bench_function(format!("decode_20ms/{name}"), |b| {
            b.iter(|| law.decode(black_box(&codes), &mut out_pcm))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
