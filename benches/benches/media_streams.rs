//! Many concurrent G.711 streams on one core: per stream and per 20 ms tick,
//! encode + packetize + marshal the outgoing frame, parse it back as the
//! incoming packet (with arrival jitter), jitter-buffer push and pop, decode,
//! and record both sides to a stereo WAV writer. The measured unit is one
//! tick of all streams; real time needs it under 20 ms.
//!
//! Recording goes through `BufWriter` into a writer that discards bytes, so
//! the figure is CPU cost, not disk throughput.
#![allow(missing_docs, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use yeastar_rtp::packetizer::{marshal_rtp, parse_rtp};
use yeastar_rtp::recording::{CallRecorder, CallSide, RecorderConfig};
use yeastar_rtp::{G711Law, G711Packetizer, JitterBuffer, JitterConfig, Playout, Ptime};

/// Concurrent streams in the bench, the goal.
const STREAMS: usize = 1000;

/// A seekable writer that keeps only its length, like a file on a fast disk.
#[derive(Default)]
struct Discard {
    position: u64,
    length: u64,
}

impl Write for Discard {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.position += buf.len() as u64;
        self.length = self.length.max(self.position);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Discard {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.position = match to {
            SeekFrom::Start(p) => p,
            SeekFrom::End(d) => (self.length as i64 + d) as u64,
            SeekFrom::Current(d) => (self.position as i64 + d) as u64,
        };
        Ok(self.position)
    }
}

struct Stream {
    packetizer: G711Packetizer,
    buffer: JitterBuffer,
    recorder: CallRecorder<BufWriter<Discard>>,
    decoded: Vec<i16>,
}

fn streams() -> Vec<Stream> {
    (0..STREAMS)
        .map(|i| Stream {
            packetizer: G711Packetizer::new(
                G711Law::ALaw,
                Ptime::Ms20,
                i as u32,
                (i * 7) as u16,
                (i * 1000) as u32,
            ),
            buffer: JitterBuffer::new(JitterConfig::default()),
            recorder: CallRecorder::new(
                BufWriter::new(Discard::default()),
                RecorderConfig::default(),
            )
            .unwrap(),
            decoded: Vec::with_capacity(160),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let outgoing: Vec<i16> = (0..160)
        .map(|i| (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin()) as i16)
        .collect();
    let mut group = c.benchmark_group("media_streams");
    group.throughput(Throughput::Elements(STREAMS as u64));
    group.sample_size(20);
    group.bench_function("tick_1000_streams_g711_jitter_record", |b| {
        b.iter_custom(|iters| {
            let mut all = streams();
            let start = Instant::now();
            let mut elapsed = Duration::ZERO;
            for tick in 0..iters {
                let now = start + Duration::from_millis(20 * tick);
                let timer = Instant::now();
                for (i, stream) in all.iter_mut().enumerate() {
                    let packet = stream.packetizer.packetize(&outgoing).unwrap();
                    let wire = marshal_rtp(&packet).unwrap();
                    let received = parse_rtp(&wire).unwrap();
                    let jitter = Duration::from_micros(
                        ((tick as usize * 7919 + i * 104_729) % 15_000) as u64,
                    );
                    let _ = stream.buffer.push(&received, now + jitter);
                    let remote: &[i16] = match stream.buffer.pop(now) {
                        Playout::Frame(frame) => {
                            G711Law::ALaw.decode(&frame.payload, &mut stream.decoded);
                            &stream.decoded
                        }
                        _ => &[0; 160],
                    };
                    stream
                        .recorder
                        .push(CallSide::Callee, black_box(remote))
                        .unwrap();
                    stream.recorder.push(CallSide::Caller, &outgoing).unwrap();
                }
                elapsed += timer.elapsed();
            }
            elapsed
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
