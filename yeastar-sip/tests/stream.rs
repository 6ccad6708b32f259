//! Stream framing: identical results for every split of the stream, keep-alives, limits.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use yeastar_sip::{ErrorKind, Limits, Message, ParseOptions, StreamFramer};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn messages(dir: &str, prefix: &str) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = fs::read_dir(data(dir))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".sip"))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| fs::read(p).expect("read"))
        .collect()
}

/// The stream: messages separated by CRLF keep-alives (RFC 5626 ping and pong).
fn stream_of(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut s = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        match i % 3 {
            0 => s.extend_from_slice(b"\r\n\r\n"),
            1 => s.extend_from_slice(b"\r\n"),
            _ => {}
        }
        s.extend_from_slice(m);
    }
    s
}

/// What a caller observes of each message: bytes, header count, status, method, body.
type Summary = (Vec<u8>, usize, Option<u16>, Option<String>, Vec<u8>);

fn summary(m: &Message<'_>) -> Summary {
    (
        m.as_bytes().to_vec(),
        m.header_count(),
        m.status(),
        m.method().map(str::to_string),
        m.body().to_vec(),
    )
}

fn frame_chunks(chunks: &[&[u8]], opts: ParseOptions) -> Vec<Summary> {
    let mut framer = StreamFramer::new(opts);
    let mut out = Vec::new();
    for chunk in chunks {
        framer.push(chunk).expect("push");
        while let Some(owned) = framer.next_message().expect("frames") {
            out.push(summary(&owned.message()));
        }
    }
    assert_eq!(framer.buffered(), 0);
    out
}

#[test]
fn every_two_way_split_gives_the_same_messages() {
    let msgs = messages("asterisk/sip", "tcp-register");
    assert_eq!(msgs.len(), 8);
    let stream = stream_of(&msgs);
    let expected: Vec<_> = msgs
        .iter()
        .map(|m| summary(&Message::parse(m).expect("datagram parse")))
        .collect();
    for opts in [ParseOptions::default(), ParseOptions::strict()] {
        for k in 0..=stream.len() {
            let (a, b) = stream.split_at(k);
            assert_eq!(frame_chunks(&[a, b], opts), expected, "split at {k}");
        }
    }
}

#[test]
fn byte_by_byte_over_the_realistic_corpus() {
    let msgs = messages("realistic", "");
    assert_eq!(msgs.len(), 38);
    let stream = stream_of(&msgs);
    let expected: Vec<_> = msgs
        .iter()
        .map(|m| summary(&Message::parse(m).expect("datagram parse")))
        .collect();
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(frame_chunks(&bytes, ParseOptions::default()), expected);
    for size in [2, 3, 7, 64, 1500] {
        let chunks: Vec<&[u8]> = stream.chunks(size).collect();
        assert_eq!(
            frame_chunks(&chunks, ParseOptions::strict()),
            expected,
            "chunks of {size}"
        );
    }
}

#[test]
fn content_length_is_mandatory_on_streams() {
    let mut framer = StreamFramer::new(ParseOptions::default());
    framer
        .push(b"OPTIONS sip:a@b SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n")
        .expect("push");
    let err = framer.next_message().expect_err("no Content-Length");
    assert_eq!(err.kind, ErrorKind::MissingContentLength);
}

#[test]
fn oversized_content_length_rejected_before_buffering_the_body() {
    let opts = ParseOptions {
        limits: Limits {
            max_stream_message_len: 4096,
            ..Limits::default()
        },
        ..ParseOptions::default()
    };
    let mut framer = StreamFramer::new(opts);
    framer
        .push(b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 1000000\r\n\r\nx")
        .expect("push");
    let err = framer.next_message().expect_err("too large");
    assert_eq!(err.kind, ErrorKind::MessageTooLarge { limit: 4096 });
}

#[test]
fn endless_header_section_rejected() {
    let opts = ParseOptions {
        limits: Limits {
            max_head_len: 1024,
            max_stream_message_len: 2048,
            ..Limits::default()
        },
        ..ParseOptions::default()
    };
    let mut framer = StreamFramer::new(opts);
    framer.push(b"OPTIONS sip:a@b SIP/2.0\r\n").expect("push");
    let mut failed = None;
    for _ in 0..200 {
        if let Err(e) = framer.push(b"X-Filler: aaaaaaaaaaaaaaaa\r\n") {
            failed = Some(e.kind);
            break;
        }
        if let Err(e) = framer.next_message() {
            failed = Some(e.kind);
            break;
        }
    }
    assert_eq!(failed, Some(ErrorKind::HeadTooLarge { limit: 1024 }));
    assert!(framer.buffered() <= 1024 + 64);
}

#[test]
fn buffer_limit_refuses_data_without_buffering_it() {
    let opts = ParseOptions {
        limits: Limits {
            max_head_len: 100,
            max_stream_message_len: 100,
            ..Limits::default()
        },
        ..ParseOptions::default()
    };
    let mut framer = StreamFramer::new(opts);
    let err = framer.push(&[b'a'; 201]).expect_err("over the limit");
    assert_eq!(err.kind, ErrorKind::BufferFull { limit: 200 });
    assert_eq!(framer.buffered(), 0);
}
