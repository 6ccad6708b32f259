//! AMI decoding throughput over the real captures, beside asterisk-rs-ami 0.8 and a memchr
//! line splitter, in one run.
//!
//! The stream is every Asterisk 22 capture and every legacy event capture, each without its
//! banner, behind one banner. Legacy `Command` answers (`actions_idle`) are left out because
//! asterisk-rs-ami cannot frame their bare-LF output; `ami_parse_legacy_command` measures ours.

#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::unwrap_used, clippy::panic)] // a bench fails loudly on missing test data

use std::hint::black_box;
use std::path::Path;

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::Decoder as _;
use yeastar_ami::{Decoder, Event, FrameKind};

const REPEAT: usize = 4;

fn capture(path: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../yeastar-ami/tests/data");
    std::fs::read(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn without_banner(bytes: &[u8]) -> &[u8] {
    let nl = memchr::memchr(b'\n', bytes).map_or(0, |p| p + 1);
    &bytes[nl..]
}

fn stream() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../yeastar-ami/tests/data");
    let mut files = Vec::new();
    for dialect in ["asterisk", "asterisk-legacy"] {
        for entry in std::fs::read_dir(dir.join(dialect)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let legacy_command = dialect == "asterisk-legacy" && name.starts_with("actions_");
            if name.ends_with(".s2c.raw") && !legacy_command {
                files.push(format!("{dialect}/{name}"));
            }
        }
    }
    files.sort();
    let mut out = b"Asterisk Call Manager/11.0.0\r\n".to_vec();
    for _ in 0..REPEAT {
        for f in &files {
            out.extend_from_slice(without_banner(&capture(f)));
        }
    }
    out
}

fn ours(stream: &[u8]) -> usize {
    decode_ours(BytesMut::from(stream))
}

/// Decodes a receive buffer that is already filled, as a socket read leaves it.
fn decode_ours(mut buf: BytesMut) -> usize {
    let mut decoder = Decoder::default();
    let mut n = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        black_box(frame.message().get("Event"));
        n += 1;
    }
    n
}

fn ours_typed(stream: &[u8]) -> usize {
    decode_ours_typed(BytesMut::from(stream))
}

fn decode_ours_typed(mut buf: BytesMut) -> usize {
    let mut decoder = Decoder::default();
    let mut n = 0;
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        let m = frame.message();
        if m.kind() == FrameKind::Event {
            black_box(Event::parse(&m));
        }
        n += 1;
    }
    n
}

fn theirs(stream: &[u8]) -> usize {
    decode_theirs(BytesMut::from(stream))
}

fn decode_theirs(mut buf: BytesMut) -> usize {
    let mut codec = asterisk_rs_ami::codec::AmiCodec::new();
    let mut n = 1; // the banner, which their codec consumes silently
    while let Ok(Some(msg)) = codec.decode(&mut buf) {
        black_box(msg.get("Event"));
        n += 1;
    }
    n
}

fn theirs_typed(stream: &[u8]) -> usize {
    decode_theirs_typed(BytesMut::from(stream))
}

fn decode_theirs_typed(mut buf: BytesMut) -> usize {
    let mut codec = asterisk_rs_ami::codec::AmiCodec::new();
    let mut n = 1;
    while let Ok(Some(msg)) = codec.decode(&mut buf) {
        if msg.is_event() {
            black_box(asterisk_rs_ami::event::AmiEvent::from_raw(&msg));
        }
        n += 1;
    }
    n
}

/// The floor: find every line with memchr, split it at its colon, count blank lines.
fn memchr_lines(stream: &[u8]) -> usize {
    let mut frames = 0;
    let mut fields = 0;
    let mut pos = 0;
    while let Some(nl) = memchr::memchr(b'\n', &stream[pos..]) {
        let line = &stream[pos..pos + nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            frames += 1;
        } else if let Some(colon) = memchr::memchr(b':', line) {
            black_box((&line[..colon], &line[colon + 1..]));
            fields += 1;
        }
        pos += nl + 1;
    }
    black_box(fields);
    frames + 1
}

/// `AMI_PARSE_ONCE=<function>` runs one function once over the stream and exits, so an
/// instruction counter (`valgrind --tool=callgrind`) can compare them exactly on a busy machine.
fn run_once_if_asked(stream: &[u8]) {
    let Ok(which) = std::env::var("AMI_PARSE_ONCE") else {
        return;
    };
    let frames = match which.as_str() {
        "yeastar" => ours(stream),
        "yeastar-typed" => ours_typed(stream),
        "asterisk-rs-ami" => theirs(stream),
        "asterisk-rs-ami-typed" => theirs_typed(stream),
        "memchr-lines" => memchr_lines(stream),
        "copy" => BytesMut::from(stream).len(),
        other => panic!("unknown function {other}"),
    };
    // scripts/instr-gate divides by the frame count of `yeastar`, printed here.
    eprintln!("{which}: {frames}");
    std::process::exit(0);
}

fn bench(c: &mut Criterion) {
    let stream = stream();
    run_once_if_asked(&stream);
    let frames = ours(&stream);
    let their_frames = theirs(&stream);
    // asterisk-rs-ami merges a few frames (it ends a legacy `Follows` frame only at a CRLF
    // before the marker); the figures are per frame of ours either way.
    assert!(
        their_frames * 100 >= frames * 99,
        "{their_frames} vs {frames}"
    );
    // The baseline counts blank lines, which is close to but not exactly the frame count
    // (login_fail captures end when the server closes, without a last blank line).
    let lines_frames = memchr_lines(&stream);
    assert!(
        lines_frames.abs_diff(frames) * 100 <= frames,
        "{lines_frames} vs {frames}"
    );
    eprintln!(
        "ami_parse: {} bytes, {frames} frames (asterisk-rs-ami sees {their_frames})",
        stream.len()
    );

    let mut group = c.benchmark_group("ami_parse");
    group.throughput(Throughput::Elements(frames as u64));
    // The receive buffer is filled outside the timing (a socket read does that), for both
    // decoders; the baseline reads the same bytes in place.
    let filled = || BytesMut::from(&stream[..]);
    group.bench_function("yeastar", |b| {
        b.iter_batched(filled, decode_ours, BatchSize::LargeInput)
    });
    group.bench_function("asterisk-rs-ami", |b| {
        b.iter_batched(filled, decode_theirs, BatchSize::LargeInput)
    });
    group.bench_function("memchr-lines", |b| {
        b.iter(|| memchr_lines(black_box(&stream)))
    });
    group.finish();

    let mut group = c.benchmark_group("ami_parse_typed");
    group.throughput(Throughput::Elements(frames as u64));
    group.bench_function("yeastar", |b| {
        b.iter_batched(filled, decode_ours_typed, BatchSize::LargeInput)
    });
    group.bench_function("asterisk-rs-ami", |b| {
        b.iter_batched(filled, decode_theirs_typed, BatchSize::LargeInput)
    });
    group.finish();

    let mut group = c.benchmark_group("ami_parse_bytes");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("yeastar", |b| {
        b.iter_batched(filled, decode_ours, BatchSize::LargeInput)
    });
    group.finish();

    let legacy = capture("asterisk-legacy/actions_idle.s2c.raw");
    let frames = ours(&legacy);
    let mut group = c.benchmark_group("ami_parse_legacy_command");
    group.throughput(Throughput::Elements(frames as u64));
    group.bench_function("yeastar", |b| b.iter(|| ours(black_box(&legacy))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_secs(1)).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
