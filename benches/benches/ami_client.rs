//! Events per second through a whole AMI client, beside asterisk-rs-ami 0.8, in one run.
//!
//! A server thread on 127.0.0.1 sends the banner, answers the login, then writes the event
//! frames of every `events_*` capture of both dialects in a loop, as fast as the client reads.
//! The client side runs on one thread (a current-thread runtime) and counts what its consumer
//! receives:
//!
//! - `yeastar AmiClient`: decode, session, call model (`CallTracker`) and the consumer's typed
//!   parse (`Event::parse`); checked for zero loss (`events_lagged == 0`, received == sent);
//! - the same with the default queue of 10 000 items: any loss is an explicit `Lagged` item;
//! - `asterisk-rs-ami AmiClient`: its high-level client (typed `AmiEvent`s on its event bus,
//!   default capacity), loss counted from the `Lagged` outcomes its `recv_lossy` only logs;
//! - `asterisk-rs-ami AmiCodec` and `yeastar Decoder`: the bare codecs over the same socket.
//!
//! `cargo bench -p yeastar-benches --bench ami_client`; `AMI_CLIENT_EVENTS` sets the events
//! per run (default 1 000 000), `AMI_CLIENT_ROUNDS` the runs per row (default 3, the median
//! is reported) and `AMI_CLIENT_ROWS` which rows run (`ours`, `ours-default-queue`, `theirs`,
//! `their-codec`, `our-decoder`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench fails loudly

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;
use tokio_util::codec::Decoder as _;
use yeastar_ami::client::{AmiClient, ClientConfig};
use yeastar_ami::monitor::AmiEvent as ClientEvent;
use yeastar_ami::session::AuthMethod;
use yeastar_ami::{Decoder, Event, FrameKind};

/// No event for this long ends a run (the rest was lost).
const IDLE: Duration = Duration::from_secs(2);
/// A queue that holds a whole run.
const BIG_QUEUE: usize = 1 << 22;

/// The event frames of the captures, back to back.
struct Fixture {
    bytes: Vec<u8>,
    events: usize,
}

fn fixture() -> Fixture {
    let mut bytes = Vec::new();
    let mut events = 0;
    for f in yeastar_benches::ami_event_captures().unwrap() {
        let raw = std::fs::read(&f).unwrap();
        let banner = memchr::memchr(b'\n', &raw).map_or(0, |p| p + 1);
        let mut buf = BytesMut::from(&raw[banner..]);
        let mut decoder = Decoder::default();
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            let m = frame.message();
            // Answers and list items belong to actions this client never sent.
            if m.kind() == FrameKind::Event && m.action_id().is_none() {
                bytes.extend_from_slice(frame.as_bytes());
                events += 1;
            }
        }
    }
    Fixture { bytes, events }
}

/// A one-connection server: banner, login answers, then `blocks` copies of the fixture once
/// told to go; it keeps the connection open until told to stop.
struct Server {
    addr: SocketAddr,
    control: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Server {
    fn start(bytes: &[u8], blocks: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let (control, signals) = mpsc::channel::<()>();
        // Large writes: one syscall per 16 copies of the fixture.
        let batch = 16.min(blocks.max(1));
        let chunk = bytes.repeat(batch);
        let one = bytes.len();
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            stream.set_nodelay(true).unwrap();
            stream
                .write_all(b"Asterisk Call Manager/11.0.0\r\n")
                .unwrap();
            answer_until_login(&mut stream);
            if signals.recv().is_err() {
                return;
            }
            let mut left = blocks;
            while left > 0 {
                let n = left.min(batch);
                if stream.write_all(&chunk[..n * one]).is_err() {
                    return;
                }
                left -= n;
            }
            let _ = signals.recv();
        });
        Server {
            addr,
            control,
            thread,
        }
    }

    fn go(&self) {
        self.control.send(()).unwrap();
    }

    fn stop(self) {
        let _ = self.control.send(());
        drop(self.control);
        self.thread.join().unwrap();
    }
}

/// Answers every action with success (a `Challenge` with a challenge) until a `Login`.
fn answer_until_login(stream: &mut std::net::TcpStream) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        while let Some(end) = memchr::memmem::find(&got, b"\r\n\r\n") {
            let frame = String::from_utf8_lossy(&got[..end]).into_owned();
            got.drain(..end + 4);
            let field = |name: &str| {
                frame.lines().find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case(name)
                        .then(|| v.trim().to_owned())
                })
            };
            let action = field("Action").unwrap_or_default();
            let id = field("ActionID").unwrap_or_default();
            let mut answer = format!("Response: Success\r\nActionID: {id}\r\n");
            if action.eq_ignore_ascii_case("Challenge") {
                answer.push_str("Challenge: 840312391\r\n");
            } else {
                answer.push_str("Message: Authentication accepted\r\n");
            }
            answer.push_str("\r\n");
            stream.write_all(answer.as_bytes()).unwrap();
            if action.eq_ignore_ascii_case("Login") {
                return;
            }
        }
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "client closed before logging in");
        got.extend_from_slice(&buf[..n]);
    }
}

/// One measured run.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    received: u64,
    lost: u64,
    /// Call-model items (calls, extension changes, history records) delivered besides.
    call_items: u64,
    /// Until the last event received (a lossy run would otherwise count its idle wait).
    elapsed: Duration,
}

impl Run {
    fn rate(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64()
    }
}

async fn yeastar_client(server: &Server, sent: u64, queue: usize, check: bool) -> Run {
    let mut config = ClientConfig::new("127.0.0.1", "bench", "secret");
    config.port = server.addr.port();
    config.session_mut().auth = AuthMethod::Plain;
    config.session_mut().ping_interval = None;
    config.monitor.sync = false;
    config.event_queue = queue;
    config.reconnect_mut().max_attempts = Some(0);
    let client = AmiClient::connect(config).await.unwrap();
    while client.try_next_event().is_some() {}
    server.go();
    let mut run = Run::default();
    let start = Instant::now();
    while run.received < sent {
        match tokio::time::timeout(IDLE, client.next_event()).await {
            Ok(Some(ClientEvent::Event(frame))) => {
                black_box(Event::parse(&frame.message()));
                run.received += 1;
                run.elapsed = start.elapsed();
            }
            Ok(Some(
                ClientEvent::Call(_) | ClientEvent::Extension(_) | ClientEvent::Completed(_),
            )) => run.call_items += 1,
            Ok(Some(ClientEvent::Lagged { missed })) => run.lost += missed,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let stats = client.stats();
    if check {
        assert_eq!(
            stats.events_lagged, 0,
            "events lost with a queue of {queue}"
        );
        assert_eq!(run.received, sent, "events missing");
        assert_eq!(stats.events_received, sent);
    }
    // Lagged counts every dropped item, events and call-model items alike.
    run.lost = stats.events_lagged;
    client.close().await;
    run
}

async fn their_client(server: &Server, sent: u64) -> Run {
    let client = asterisk_rs_ami::AmiClient::builder()
        .host("127.0.0.1")
        .port(server.addr.port())
        .credentials("bench", "secret")
        .build()
        .await
        .unwrap();
    let mut events = client.subscribe();
    server.go();
    let mut run = Run::default();
    let start = Instant::now();
    while run.received + run.lost < sent {
        match tokio::time::timeout(IDLE, events.recv()).await {
            Ok(asterisk_rs_core::event::EventReceive::Event(e)) => {
                black_box(e);
                run.received += 1;
                run.elapsed = start.elapsed();
            }
            Ok(asterisk_rs_core::event::EventReceive::Lagged(n)) => run.lost += n,
            Ok(asterisk_rs_core::event::EventReceive::Closed) | Err(_) => break,
        }
    }
    run.lost = sent - run.received;
    let _ = client.disconnect().await;
    run
}

/// Logs in by hand, then decodes the socket with a bare codec.
async fn bare_codec(server: &Server, sent: u64, theirs: bool) -> Run {
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"Action: Login\r\nActionID: 1\r\nUsername: bench\r\nSecret: secret\r\n\r\n")
        .await
        .unwrap();
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut ours = Decoder::default();
    let mut codec = asterisk_rs_ami::AmiCodec::new();
    // The banner and the login answer.
    let mut skip = if theirs { 1 } else { 2 };
    server.go();
    let mut run = Run::default();
    let start = Instant::now();
    while run.received < sent {
        if buf.capacity() - buf.len() < 16 * 1024 {
            buf.reserve(64 * 1024);
        }
        let read = tokio::time::timeout(IDLE, stream.read_buf(&mut buf)).await;
        if !matches!(read, Ok(Ok(n)) if n > 0) {
            break;
        }
        if theirs {
            while let Some(msg) = codec.decode(&mut buf).unwrap() {
                if msg.is_event() {
                    black_box(asterisk_rs_ami::AmiEvent::from_raw(&msg));
                    run.received += 1;
                    run.elapsed = start.elapsed();
                } else if skip > 0 {
                    skip -= 1;
                }
            }
        } else {
            while let Some(frame) = ours.decode(&mut buf).unwrap() {
                let m = frame.message();
                if m.kind() == FrameKind::Event {
                    black_box(Event::parse(&m));
                    run.received += 1;
                    run.elapsed = start.elapsed();
                } else if skip > 0 {
                    skip -= 1;
                }
            }
        }
    }
    run.lost = sent - run.received;
    run
}

#[derive(Clone, Copy)]
enum Row {
    Ours,
    OursDefaultQueue,
    Theirs,
    TheirCodec,
    OurDecoder,
}

impl Row {
    /// For `AMI_CLIENT_ROWS=ours,theirs,…`, to profile one row alone.
    fn key(self) -> &'static str {
        match self {
            Row::Ours => "ours",
            Row::OursDefaultQueue => "ours-default-queue",
            Row::Theirs => "theirs",
            Row::TheirCodec => "their-codec",
            Row::OurDecoder => "our-decoder",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Row::Ours => "yeastar AmiClient (decode+typed+CallTracker)",
            Row::OursDefaultQueue => "yeastar AmiClient, default queue 10 000",
            Row::Theirs => "asterisk-rs-ami AmiClient (default capacity)",
            Row::TheirCodec => "asterisk-rs-ami AmiCodec + AmiEvent (bare)",
            Row::OurDecoder => "yeastar Decoder + Event::parse (bare)",
        }
    }
}

fn measure(rt: &Runtime, fixture: &Fixture, blocks: usize, row: Row) -> Run {
    let sent = (fixture.events * blocks) as u64;
    let server = Server::start(&fixture.bytes, blocks);
    let run = rt.block_on(async {
        match row {
            Row::Ours => yeastar_client(&server, sent, BIG_QUEUE, true).await,
            Row::OursDefaultQueue => {
                let queue = yeastar_ami::monitor::DEFAULT_EVENT_QUEUE;
                yeastar_client(&server, sent, queue, false).await
            }
            Row::Theirs => their_client(&server, sent).await,
            Row::TheirCodec => bare_codec(&server, sent, true).await,
            Row::OurDecoder => bare_codec(&server, sent, false).await,
        }
    });
    server.stop();
    run
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo test --benches` runs bench binaries with no `--bench`: keep that quick.
    let benching = std::env::args().any(|a| a == "--bench");
    let fixture = fixture();
    let wanted = env_usize(
        "AMI_CLIENT_EVENTS",
        if benching { 1_000_000 } else { 20_000 },
    );
    let rounds = env_usize("AMI_CLIENT_ROUNDS", if benching { 3 } else { 1 }).max(1);
    let blocks = wanted.div_ceil(fixture.events).max(1);
    let sent = fixture.events * blocks;
    println!(
        "ami_client: {sent} events per run ({} per fixture pass, {} bytes), median of {rounds}",
        fixture.events,
        fixture.bytes.len()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let only = std::env::var("AMI_CLIENT_ROWS").unwrap_or_default();
    let rows: Vec<Row> = [
        Row::Ours,
        Row::OursDefaultQueue,
        Row::Theirs,
        Row::TheirCodec,
        Row::OurDecoder,
    ]
    .into_iter()
    .filter(|r| only.is_empty() || only.split(',').any(|o| o == r.key()))
    .collect();
    let mut results: Vec<Vec<Run>> = rows.iter().map(|_| Vec::new()).collect();
    // Interleaved, so a busy moment of the machine hits every row alike.
    for _ in 0..rounds {
        for (row, out) in rows.iter().zip(results.iter_mut()) {
            out.push(measure(&rt, &fixture, blocks, *row));
        }
    }
    println!(
        "{:<48} {:>14} {:>10} {:>12} {:>12}",
        "client", "events/s", "lost", "lost %", "call items"
    );
    for (row, mut runs) in rows.iter().zip(results) {
        runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        let median = runs[runs.len() / 2];
        println!(
            "{:<48} {:>14.0} {:>10} {:>11.2}% {:>12}",
            row.name(),
            median.rate(),
            median.lost,
            median.lost as f64 * 100.0 / sent as f64,
            median.call_items
        );
    }
}
