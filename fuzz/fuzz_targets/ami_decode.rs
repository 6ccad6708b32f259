//! The streaming AMI decoder over arbitrary bytes fed in arbitrary chunks.
//!
//! Input layout: a 16-byte [`Config`] (read with `arbitrary`), then the byte stream itself. Seeds
//! are 16 zero bytes followed by a capture, which means: banner expected, default limits.
//!
//! Invariants checked:
//! - the decoder never panics, and never holds more than was fed;
//! - every key, value and raw line of every frame lies inside that frame's text;
//! - a frame's bytes are the stream bytes just consumed (unless they were repaired UTF-8) and end
//!   with a line end;
//! - the frames and errors are the same whether the stream arrives whole, byte by byte (short
//!   streams), or in arbitrary chunks.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use yeastar_ami::{Decoder, FrameError, FrameKind, Limits};

/// Exactly 16 bytes of `arbitrary` input, so seeds can be built by prefixing zeros.
#[derive(Debug, Arbitrary)]
struct Config {
    /// Bit 0: the stream starts mid-session (no banner). Bit 1: use the small limits below.
    flags: u8,
    max_frame_size: u16,
    max_fields: u16,
    max_command_output: u16,
    /// Largest chunk of the arbitrary chunking, 1..=256 bytes.
    max_chunk: u8,
    /// Seeds the chunk lengths.
    chunk_seed: u64,
}

/// What one `decode` call reported, in a comparable form.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Frame {
        kind: FrameKind,
        bytes: Vec<u8>,
        repaired: bool,
        fields: Vec<(String, String)>,
        lines: Vec<String>,
    },
    Error(FrameError),
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(config) = Config::arbitrary(&mut u) else {
        return;
    };
    let stream = u.take_rest();

    let limits = if config.flags & 2 != 0 {
        Limits::new()
            .with_max_frame_size(usize::from(config.max_frame_size))
            .with_max_fields(usize::from(config.max_fields))
            .with_max_command_output(usize::from(config.max_command_output))
    } else {
        Limits::default()
    };
    let banner = config.flags & 1 == 0;

    let whole = run(stream, limits, banner, &mut std::iter::repeat(usize::MAX));
    // Byte by byte costs a decode call per byte: done for short streams, while long ones rely on
    // the arbitrary chunking below (which is byte by byte when `max_chunk` is 0).
    if stream.len() <= 512 {
        let bytewise = run(stream, limits, banner, &mut std::iter::repeat(1));
        assert_eq!(whole, bytewise, "whole stream vs byte by byte");
    }

    let max_chunk = u64::from(config.max_chunk) + 1;
    let mut state = config.chunk_seed | 1;
    let mut chunks = std::iter::from_fn(|| {
        // xorshift64: cheap, deterministic chunk lengths from the seed.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        Some((state % max_chunk) as usize + 1)
    });
    let chunked = run(stream, limits, banner, &mut chunks);
    assert_eq!(whole, chunked, "whole stream vs arbitrary chunks");
});

/// Feeds `stream` in chunks of the given lengths, draining the decoder after each, then ends it.
fn run(
    stream: &[u8],
    limits: Limits,
    banner: bool,
    chunks: &mut dyn Iterator<Item = usize>,
) -> Vec<Outcome> {
    let mut decoder = if banner {
        Decoder::new(limits)
    } else {
        Decoder::without_banner(limits)
    };
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut fed = 0usize;
    while fed < stream.len() {
        let len = chunks.next().unwrap_or(usize::MAX).min(stream.len() - fed);
        buf.extend_from_slice(&stream[fed..fed + len]);
        fed += len;
        loop {
            let result = decoder.decode(&mut buf);
            let done = matches!(result, Ok(None));
            record(&mut out, result, &decoder, &buf, stream, fed);
            if done {
                break;
            }
        }
    }
    // The end of the stream: at most one more frame or error, then nothing.
    let result = decoder.decode_eof(&mut buf);
    record(&mut out, result, &decoder, &buf, stream, fed);
    assert!(buf.is_empty(), "decode_eof leaves the buffer empty");
    assert_eq!(decoder.stream_offset(), stream.len() as u64);
    out
}

fn record(
    out: &mut Vec<Outcome>,
    result: Result<Option<yeastar_ami::Frame>, FrameError>,
    decoder: &Decoder,
    buf: &BytesMut,
    stream: &[u8],
    fed: usize,
) {
    let consumed = decoder.stream_offset();
    assert_eq!(
        consumed + buf.len() as u64,
        fed as u64,
        "bytes taken plus bytes kept equal bytes fed"
    );
    let frame = match result {
        Ok(None) => return,
        Err(e) => {
            assert!(e.offset <= consumed, "error offset {} past {consumed}", e.offset);
            out.push(Outcome::Error(e));
            return;
        }
        Ok(Some(frame)) => frame,
    };
    let bytes = frame.as_bytes();
    assert!(!bytes.is_empty(), "empty frame");
    assert_eq!(bytes.last(), Some(&b'\n'), "frame does not end with a line end");
    if !frame.was_repaired() {
        let end = consumed as usize;
        let start = end.checked_sub(bytes.len()).expect("frame longer than the stream");
        assert_eq!(&stream[start..end], &bytes[..], "frame bytes are not the stream's");
    }
    let message = frame.message();
    let text = message.text();
    assert_eq!(text.as_bytes(), &bytes[..]);
    assert_eq!(message.kind(), frame.kind());
    let range = text.as_ptr() as usize..=text.as_ptr() as usize + text.len();
    let inside = |s: &str| {
        range.contains(&(s.as_ptr() as usize)) && range.contains(&(s.as_ptr() as usize + s.len()))
    };
    let mut fields = Vec::with_capacity(message.len());
    for (key, value) in message.fields() {
        assert!(inside(key), "key {key:?} outside its frame");
        assert!(inside(value), "value {value:?} outside its frame");
        assert!(!key.is_empty(), "empty key");
        assert!(!key.contains([':', '\r', '\n']), "bad key {key:?}");
        assert!(!value.contains('\n'), "value {value:?} spans lines");
        fields.push((key.to_owned(), value.to_owned()));
    }
    let mut lines = Vec::new();
    for line in message.raw_lines() {
        assert!(inside(line), "line {line:?} outside its frame");
        lines.push(line.to_owned());
    }
    // Exercise the typed layer on top: it must not panic either.
    let _ = message.banner();
    let _ = message.variables().count();
    let _ = message.command_output().count();
    let _ = yeastar_ami::Event::parse(&message);
    out.push(Outcome::Frame {
        kind: frame.kind(),
        bytes: bytes.to_vec(),
        repaired: frame.was_repaired(),
        fields,
        lines,
    });
}
