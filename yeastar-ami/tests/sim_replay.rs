//! Every real capture served back by the replay server, read by a plain TCP client and the
//! crate's decoder.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use yeastar_ami::sim::{Capture, CaptureDirection, ReplayOptions, ReplayServer};
use yeastar_ami::{Decoder, Frame};

mod common;

use common::capture_names;

const LIMIT: Duration = Duration::from_secs(20);

fn dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dialect)
}

fn captures(dialect: &str) -> Vec<Capture> {
    let names = capture_names(dialect);
    names
        .iter()
        .map(|n| Capture::load(&dir(dialect), n).unwrap())
        .collect()
}

fn decode_all(bytes: &[u8]) -> Vec<Frame> {
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::from(bytes);
    let mut out = Vec::new();
    while let Some(f) = decoder.decode(&mut buf).unwrap() {
        out.push(f);
    }
    assert!(buf.iter().all(u8::is_ascii_whitespace), "trailing bytes");
    out
}

/// Plays the client side of the timeline; returns the frames decoded as they arrived.
async fn run_client(capture: &Capture, addr: std::net::SocketAddr) -> Vec<Frame> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut received = 0;
    for row in capture.rows() {
        match row.dir {
            CaptureDirection::ClientToServer => {
                stream.write_all(capture.chunk(row)).await.unwrap();
            }
            CaptureDirection::ServerToClient => {
                while received < row.offset + row.len {
                    let n = stream.read_buf(&mut buf).await.unwrap();
                    assert!(n > 0, "{}: closed early at {received}", capture.name());
                    received += n;
                    while let Some(f) = decoder.decode(&mut buf).unwrap() {
                        frames.push(f);
                    }
                }
            }
        }
    }
    // The server closes after the last row, as the recorded server did.
    let mut rest = [0u8; 64];
    assert_eq!(
        stream.read(&mut rest).await.unwrap(),
        0,
        "{}",
        capture.name()
    );
    assert_eq!(received, capture.s2c().len());
    frames
}

async fn replay_all(dialect: &str) -> usize {
    let all = captures(dialect);
    assert!(all.len() >= 10, "{dialect}: {} captures", all.len());
    for capture in &all {
        let server = ReplayServer::start(capture.clone(), ReplayOptions::default())
            .await
            .unwrap();
        let frames = timeout(LIMIT, run_client(capture, server.addr()))
            .await
            .unwrap_or_else(|_| panic!("{} timed out", capture.name()));
        let report = timeout(LIMIT, server.finish()).await.unwrap();
        let name = capture.name();
        assert!(report.completed, "{name}: {report:?}");
        assert!(
            report.mismatches.is_empty(),
            "{name}: {:?}",
            report.mismatches
        );
        assert_eq!(report.bytes_received, capture.c2s().len(), "{name}");
        let chunks: Vec<usize> = capture.s2c_chunks().map(<[u8]>::len).collect();
        assert_eq!(report.writes, chunks, "{name}: one write per recorded read");
        let expected = decode_all(capture.s2c());
        assert_eq!(frames.len(), expected.len(), "{name}");
        for (got, want) in frames.iter().zip(&expected) {
            assert_eq!(got.as_bytes(), want.as_bytes(), "{name}");
        }
    }
    all.len()
}

#[tokio::test]
async fn replays_every_asterisk_22_capture() {
    assert!(replay_all("asterisk").await >= 20);
}

#[tokio::test]
async fn replays_every_legacy_capture() {
    assert!(replay_all("asterisk-legacy").await >= 14);
}

#[tokio::test]
async fn login_fail_closes_after_the_error() {
    let capture = Capture::load(&dir("asterisk"), "login_fail").unwrap();
    let server = ReplayServer::start(capture.clone(), ReplayOptions::default())
        .await
        .unwrap();
    let frames = timeout(LIMIT, run_client(&capture, server.addr()))
        .await
        .unwrap();
    let last = frames.last().unwrap().message();
    assert_eq!(last.response(), Some("Error"));
    assert_eq!(last.get("Message"), Some("Authentication failed"));
}

#[tokio::test]
async fn reports_a_different_action() {
    let capture = Capture::load(&dir("asterisk"), "action_before_login").unwrap();
    let options = ReplayOptions {
        client_timeout: Duration::from_millis(500),
        ..ReplayOptions::default()
    };
    let server = ReplayServer::start(capture.clone(), options).await.unwrap();
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    // Same length as the recorded first action, different name.
    let first = capture.c2s_chunks().next().unwrap().to_vec();
    let text = String::from_utf8(first).unwrap();
    let swapped = text.replacen("Action: Ping", "Action: Pong", 1);
    assert_ne!(text, swapped);
    stream.write_all(swapped.as_bytes()).await.unwrap();
    let mut sink = Vec::new();
    // The rest of the recorded actions never come: the server gives up and closes.
    timeout(LIMIT, stream.read_to_end(&mut sink))
        .await
        .unwrap()
        .unwrap();
    let report = timeout(LIMIT, server.finish()).await.unwrap();
    assert!(report.client_stalled);
    assert!(!report.completed);
    assert_eq!(report.bytes_received, swapped.len());
    assert_eq!(report.mismatches.len(), 1);
    assert_eq!(report.mismatches[0].expected, "Ping");
    assert_eq!(report.mismatches[0].got, "Pong");
}

#[tokio::test]
async fn scaled_timing_still_replays() {
    // login_fail waits ~1 s before the error; a scale of 0.02 makes that ~20 ms.
    let capture = Capture::load(&dir("asterisk-legacy"), "login_fail").unwrap();
    let options = ReplayOptions {
        time_scale: 0.02,
        ..ReplayOptions::default()
    };
    let server = ReplayServer::start(capture.clone(), options).await.unwrap();
    let frames = timeout(LIMIT, run_client(&capture, server.addr()))
        .await
        .unwrap();
    assert_eq!(frames.len(), 2);
    assert!(timeout(LIMIT, server.finish()).await.unwrap().completed);
}
