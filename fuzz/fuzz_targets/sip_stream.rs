//! The SIP stream framer over arbitrary bytes split into arbitrary reads.
//!
//! Chunk sizes are derived from the input itself (no prefix), so seeds are plain captures.
//!
//! Invariants checked:
//! - no panic, and the buffer never exceeds its limit;
//! - the same messages and the same first error whether the stream arrives whole, byte by
//!   byte, or in input-derived chunks;
//! - every framed message parses as a datagram to the same bytes and header count.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yeastar_sip::{Message, ParseOptions, StreamFramer};

type Outcome = (Vec<(Vec<u8>, usize)>, Option<yeastar_sip::ErrorKind>);

fn frame(data: &[u8], chunks: impl Iterator<Item = usize>) -> Outcome {
    let opts = ParseOptions::default();
    let mut framer = StreamFramer::new(opts);
    let mut out = Vec::new();
    let mut at = 0;
    for len in chunks {
        if at >= data.len() {
            break;
        }
        let end = (at + len.max(1)).min(data.len());
        if let Err(e) = framer.push(&data[at..end]) {
            return (out, Some(e.kind));
        }
        at = end;
        assert!(framer.buffered() <= opts.limits.max_stream_message_len + opts.limits.max_head_len);
        loop {
            match framer.next_message() {
                Ok(Some(m)) => {
                    let view = m.message();
                    let dgram = Message::parse(view.as_bytes()).expect("framed message parses as a datagram");
                    assert_eq!(dgram.as_bytes(), view.as_bytes());
                    assert_eq!(dgram.header_count(), view.header_count());
                    out.push((view.as_bytes().to_vec(), view.header_count()));
                }
                Ok(None) => break,
                Err(e) => return (out, Some(e.kind)),
            }
        }
    }
    (out, None)
}

fuzz_target!(|data: &[u8]| {
    let whole = frame(data, std::iter::once(data.len()));
    let bytewise = frame(data, std::iter::repeat(1));
    assert_eq!(whole, bytewise);
    let seed = data.iter().fold(7usize, |h, &b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
    let mut state = seed;
    let chunked = frame(
        data,
        std::iter::from_fn(|| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            Some((state >> 33) % 97 + 1)
        }),
    );
    assert_eq!(whole, chunked);
});
