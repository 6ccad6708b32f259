//! SIP messages per second over a loopback WebSocket (the `yeastar-ws` client transport to
//! its acceptor), beside the anchor: the same messages over plain TCP, written by one task and
//! framed by `StreamFramer` in another, in the same run.
//!
//! Both sides run on one current-thread runtime, so the time per message is the CPU cost of
//! both ends together. Per iteration a batch of [`BATCH`] copies of a realistic INVITE with
//! SDP (1191 bytes, `07_invite_sdp_yealink.sip`) goes from the sending side's command channel
//! to the receiving side's event channel:
//!
//! - `websocket`: `TransportCommand::Send` to the client transport → its connection task →
//!   one masked text frame each → the acceptor's connection task → unmasking, the size and
//!   start-line checks of `frame::decode` → `TransportEvent::Received`;
//! - `tcp+StreamFramer` (anchor): the bytes to a writer task over a channel → `write_all` on a
//!   TCP socket → a reader task that pushes what it reads into a `StreamFramer` → each framed
//!   message's bytes over a channel.
//!
//! `cargo bench -p yeastar-benches --bench ws_transport`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a bench fails loudly

use std::net::SocketAddr;
use std::path::Path;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use yeastar_sip::driver::transport::start;
use yeastar_sip::driver::{FlowIds, TransportCommand, TransportEvent};
use yeastar_sip::ua::{Remote, Transmit};
use yeastar_sip::{ParseOptions, StreamFramer};
use yeastar_ws::{AcceptorConfig, ClientConfig, KeepaliveConfig, WsAcceptor, WsClient};

/// Messages per iteration.
const BATCH: u64 = 1000;

fn message() -> Bytes {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../yeastar-sip/tests/data/realistic/07_invite_sdp_yealink.sip");
    Bytes::from(std::fs::read(path).unwrap())
}

struct WsPair {
    commands: mpsc::Sender<TransportCommand>,
    received: mpsc::Receiver<TransportEvent>,
    to: Remote,
    /// Keeps the acceptor running (it stops when its command channel closes).
    _server: mpsc::Sender<TransportCommand>,
}

async fn ws_pair() -> WsPair {
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(
        "127.0.0.1:0".parse().unwrap(),
        AcceptorConfig::default().with_keepalive(KeepaliveConfig::disabled()),
    )
    .await
    .unwrap();
    let url = acceptor.url();
    let (server_tx, mut received) = mpsc::channel(yeastar_sip::driver::TRANSPORT_EVENT_QUEUE);
    let server = start(Box::new(acceptor), server_tx, flows.clone());
    let client = WsClient::new(ClientConfig::new(url).with_keepalive(KeepaliveConfig::disabled()))
        .await
        .unwrap();
    let to = client.remote();
    let (client_tx, mut client_events) = mpsc::channel(yeastar_sip::driver::TRANSPORT_EVENT_QUEUE);
    let handle = start(Box::new(client), client_tx, flows);
    assert!(matches!(
        client_events.recv().await,
        Some(TransportEvent::FlowOpened { .. })
    ));
    assert!(matches!(
        received.recv().await,
        Some(TransportEvent::FlowOpened { .. })
    ));
    tokio::spawn(async move { while client_events.recv().await.is_some() {} });
    WsPair {
        commands: handle.commands,
        received,
        to,
        _server: server.commands,
    }
}

async fn ws_batch(pair: &mut WsPair, message: &Bytes) {
    let send = async {
        for _ in 0..BATCH {
            let transmit = Transmit {
                destination: pair.to.addr,
                transport: pair.to.transport,
                flow: None,
                bytes: message.clone(),
            };
            pair.commands
                .send(TransportCommand::Send(transmit))
                .await
                .unwrap();
        }
    };
    let receive = async {
        let mut n = 0;
        while n < BATCH {
            match pair.received.recv().await {
                Some(TransportEvent::Received { bytes, .. }) => {
                    assert_eq!(bytes.len(), message.len());
                    n += 1;
                }
                other => panic!("{other:?}"),
            }
        }
    };
    tokio::join!(send, receive);
}

struct TcpPair {
    writer: mpsc::Sender<Bytes>,
    framed: mpsc::Receiver<Bytes>,
}

async fn tcp_pair() -> TcpPair {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let (mut client, (mut server, _)) =
        tokio::join!(async { TcpStream::connect(addr).await.unwrap() }, async {
            listener.accept().await.unwrap()
        });
    client.set_nodelay(true).unwrap();
    server.set_nodelay(true).unwrap();
    let (writer, mut to_write) = mpsc::channel::<Bytes>(256);
    tokio::spawn(async move {
        while let Some(bytes) = to_write.recv().await {
            client.write_all(&bytes).await.unwrap();
        }
    });
    let (framed_tx, framed) = mpsc::channel(yeastar_sip::driver::TRANSPORT_EVENT_QUEUE);
    tokio::spawn(async move {
        let mut framer = StreamFramer::new(ParseOptions::default());
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = server.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            framer.push(&buf[..n]).unwrap();
            while let Some(message) = framer.next_message().unwrap() {
                if framed_tx.send(message.bytes().clone()).await.is_err() {
                    return;
                }
            }
        }
    });
    TcpPair { writer, framed }
}

async fn tcp_batch(pair: &mut TcpPair, message: &Bytes) {
    let send = async {
        for _ in 0..BATCH {
            pair.writer.send(message.clone()).await.unwrap();
        }
    };
    let receive = async {
        for _ in 0..BATCH {
            let bytes = pair.framed.recv().await.unwrap();
            assert_eq!(bytes.len(), message.len());
        }
    };
    tokio::join!(send, receive);
}

fn bench(c: &mut Criterion) {
    let runtime: Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let message = message();
    let mut ws = runtime.block_on(ws_pair());
    let mut tcp = runtime.block_on(tcp_pair());
    let mut group = c.benchmark_group("ws_transport");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("websocket", |b| {
        b.iter(|| runtime.block_on(ws_batch(&mut ws, &message)))
    });
    group.bench_function("tcp+StreamFramer", |b| {
        b.iter(|| runtime.block_on(tcp_batch(&mut tcp, &message)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
