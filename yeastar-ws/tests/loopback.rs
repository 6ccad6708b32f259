//! The client transport against the acceptor (and against hand-made servers) on 127.0.0.1:
//! subprotocol negotiation and refusal, text and binary messages, the size limit, pings,
//! a dead peer, reconnection after the acceptor restarts. Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests
#![allow(clippy::result_large_err)] // tungstenite's handshake callback

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{broadcast, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use yeastar_sip::driver::{self, FlowIds, TransportCommand, TransportEvent, TransportHandle};
use yeastar_sip::ua::{FlowId, Remote, Transmit, TransportError, TransportKind};
use yeastar_ws::{
    AcceptorConfig, ClientConfig, FrameLimits, KeepaliveConfig, KeepaliveMechanism,
    ReconnectConfig, WsAcceptor, WsClient, WsError, WsStatus,
};

/// Longest wait for any one thing to happen.
const STEP: Duration = Duration::from_secs(5);

const OPTIONS: &[u8] = b"OPTIONS sip:server.invalid SIP/2.0\r\nVia: SIP/2.0/WS abc.invalid;branch=z9hG4bK1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

struct Side {
    handle: TransportHandle,
    events: mpsc::Receiver<TransportEvent>,
}

impl Side {
    fn start(transport: Box<dyn driver::Transport>, flows: &FlowIds) -> Side {
        let (tx, events) = mpsc::channel(driver::TRANSPORT_EVENT_QUEUE);
        Side {
            handle: driver::transport::start(transport, tx, flows.clone()),
            events,
        }
    }

    async fn next(&mut self) -> TransportEvent {
        tokio::time::timeout(STEP, self.events.recv())
            .await
            .expect("an event in time")
            .expect("the transport is running")
    }

    async fn opened(&mut self) -> (FlowId, Remote) {
        match self.next().await {
            TransportEvent::FlowOpened { flow, remote } => (flow, remote),
            other => panic!("expected FlowOpened, got {other:?}"),
        }
    }

    async fn received(&mut self) -> (Bytes, Remote) {
        match self.next().await {
            TransportEvent::Received { bytes, from } => (bytes, from),
            other => panic!("expected Received, got {other:?}"),
        }
    }

    async fn send(&self, to: Remote, bytes: Bytes) {
        let transmit = Transmit {
            destination: to.addr,
            transport: to.transport,
            flow: to.flow,
            bytes,
        };
        self.handle
            .commands
            .send(TransportCommand::Send(transmit))
            .await
            .unwrap();
    }

    async fn shutdown(self) {
        let _ = self.handle.commands.send(TransportCommand::Shutdown).await;
        tokio::time::timeout(STEP, self.handle.task)
            .await
            .expect("the task ends")
            .unwrap();
    }
}

async fn status_until(
    status: &mut broadcast::Receiver<WsStatus>,
    want: impl Fn(&WsStatus) -> bool,
) -> WsStatus {
    tokio::time::timeout(STEP, async {
        loop {
            let s = status.recv().await.expect("status channel open");
            if want(&s) {
                return s;
            }
        }
    })
    .await
    .expect("the status in time")
}

fn quick_reconnect() -> ReconnectConfig {
    ReconnectConfig::backoff(Duration::from_millis(50), Duration::from_millis(400))
}

#[tokio::test]
async fn text_and_binary_messages_both_ways() {
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(localhost(), AcceptorConfig::default().with_path("/ws"))
        .await
        .unwrap();
    let url = acceptor.url();
    let mut server = Side::start(Box::new(acceptor), &flows);
    let client = WsClient::new(ClientConfig::new(url).with_origin("https://phone.test"))
        .await
        .unwrap();
    let binding = yeastar_sip::driver::Transport::local_binding(&client);
    assert_eq!(binding.transport, TransportKind::Ws);
    assert!(binding.host.ends_with(".invalid"), "{binding:?}");
    assert_eq!(binding.host.len(), 12 + ".invalid".len());
    let server_remote = client.remote();
    let mut status = client.status();
    let mut phone = Side::start(Box::new(client), &flows);

    let (client_flow, _) = phone.opened().await;
    let (server_flow, accepted) = server.opened().await;
    assert_ne!(
        client_flow, server_flow,
        "flow ids are shared across transports"
    );
    assert_eq!(accepted.flow, Some(server_flow));
    assert!(matches!(
        status_until(&mut status, |_| true).await,
        WsStatus::Connecting { attempt: 1 }
    ));
    assert!(matches!(
        status_until(&mut status, |_| true).await,
        WsStatus::Connected { flow, .. } if flow == client_flow
    ));

    // Client to server: a text message, whatever the destination names.
    phone.send(server_remote, Bytes::from_static(OPTIONS)).await;
    let (bytes, from) = server.received().await;
    assert_eq!(&bytes[..], OPTIONS);
    assert_eq!(from.flow, Some(server_flow));
    assert_eq!(from.transport, TransportKind::Ws);

    // Server to client on the flow: a binary body makes a binary message, received intact.
    let mut binary =
        b"MESSAGE sip:a@b.invalid SIP/2.0\r\nCSeq: 2 MESSAGE\r\nContent-Length: 4\r\n\r\n".to_vec();
    binary.extend_from_slice(&[0xff, 0x00, 0xfe, 0x80]);
    server.send(from, Bytes::from(binary.clone())).await;
    let (bytes, from_server) = phone.received().await;
    assert_eq!(&bytes[..], &binary[..]);
    assert_eq!(from_server.flow, Some(client_flow));
    assert_eq!(from_server.addr, server_remote.addr);

    // A message naming no flow goes to the latest connection from its address.
    let by_addr = Remote::new(from.addr, TransportKind::Ws);
    server.send(by_addr, Bytes::from_static(OPTIONS)).await;
    assert_eq!(&phone.received().await.0[..], OPTIONS);

    // CRLF keep-alives pass through as such.
    server.send(from, Bytes::from_static(b"\r\n\r\n")).await;
    assert_eq!(&phone.received().await.0[..], b"\r\n\r\n");

    // Not a SIP message: dropped, the connection stays.
    server.send(from, Bytes::from_static(b"hello")).await;
    server.send(from, Bytes::from_static(OPTIONS)).await;
    assert_eq!(&phone.received().await.0[..], OPTIONS);

    // Nothing to send to: a typed failure.
    server
        .send(
            Remote::new("127.0.0.9:1".parse().unwrap(), TransportKind::Ws),
            Bytes::from_static(OPTIONS),
        )
        .await;
    assert!(matches!(
        server.next().await,
        TransportEvent::SendFailed { .. }
    ));

    // An orderly shutdown: the server sees the flow close.
    phone.shutdown().await;
    match server.next().await {
        TransportEvent::FlowClosed { remote, error } => {
            assert_eq!(remote.flow, Some(server_flow));
            assert_eq!(
                error,
                Some(TransportError::ConnectionClosed),
                "closed by the peer"
            );
        }
        other => panic!("{other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn acceptor_refuses_a_handshake_without_sip() {
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(localhost(), AcceptorConfig::default().with_path("/ws"))
        .await
        .unwrap();
    let addr = acceptor.local_addr();
    let server = Side::start(Box::new(acceptor), &flows);
    let try_with = |protocol: Option<&'static str>, path: &'static str| async move {
        let mut request = format!("ws://{addr}{path}").into_client_request().unwrap();
        if let Some(p) = protocol {
            request
                .headers_mut()
                .insert("Sec-WebSocket-Protocol", p.parse().unwrap());
        }
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tokio_tungstenite::client_async(request, tcp).await
    };
    for protocol in [None, Some("msrp"), Some("sip2, SIP")] {
        match try_with(protocol, "/ws").await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 400, "{protocol:?}");
                assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "sip");
            }
            other => panic!("{protocol:?}: {other:?}"),
        }
    }
    match try_with(Some("sip"), "/other").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404);
        }
        other => panic!("{other:?}"),
    }
    let (_, response) = try_with(Some("msrp, sip"), "/ws").await.unwrap();
    assert_eq!(response.headers()["Sec-WebSocket-Protocol"], "sip");
    server.shutdown().await;
}

/// A server answering every upgrade with `response` (where `{accept}` is replaced by the
/// accept key of the request).
async fn fake_server(response: &'static str) -> SocketAddr {
    let listener = TcpListener::bind(localhost()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                let n = tcp.read(&mut buf).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..n]);
            }
            let text = String::from_utf8_lossy(&request);
            let key = text
                .lines()
                .find_map(|l| {
                    l.strip_prefix("Sec-WebSocket-Key: ")
                        .or_else(|| l.strip_prefix("sec-websocket-key: "))
                })
                .unwrap_or("")
                .trim()
                .to_owned();
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let _ = tcp
                .write_all(response.replace("{accept}", &accept).as_bytes())
                .await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    addr
}

async fn first_failure(url: String) -> WsError {
    let client = WsClient::new(ClientConfig::new(url).with_reconnect(ReconnectConfig::disabled()))
        .await
        .unwrap();
    let mut status = client.status();
    let flows = FlowIds::new();
    let side = Side::start(Box::new(client), &flows);
    let failed = status_until(&mut status, |s| matches!(s, WsStatus::ConnectFailed { .. })).await;
    side.shutdown().await;
    match failed {
        WsStatus::ConnectFailed { error, retry_in } => {
            assert_eq!(retry_in, None, "reconnection disabled");
            error
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_server_refusing_sip_is_a_typed_error() {
    // Kamailio with only MSRP enabled answers like this.
    let kamailio_like = fake_server(
        "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Protocol: msrp\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(
        first_failure(format!("ws://{kamailio_like}/ws")).await,
        WsError::SubprotocolRefused {
            status: 400,
            offered: Some("msrp".into())
        }
    );
    // An upgrade without a subprotocol: not a SIP server.
    let plain = fake_server(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n",
    )
    .await;
    assert_eq!(
        first_failure(format!("ws://{plain}/ws")).await,
        WsError::SubprotocolRefused {
            status: 101,
            offered: None
        }
    );
    // Another status without subprotocol talk: a plain HTTP refusal.
    let forbidden = fake_server("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n").await;
    assert_eq!(
        first_failure(format!("ws://{forbidden}/ws")).await,
        WsError::HandshakeRejected { status: 403 }
    );
    // Nobody listening.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    assert!(matches!(
        first_failure(format!("ws://{closed}/ws")).await,
        WsError::Io {
            kind: std::io::ErrorKind::ConnectionRefused,
            ..
        }
    ));
    // Bad URLs are refused before anything starts.
    for url in ["http://127.0.0.1/ws", "ws:///nohost", "not a url"] {
        assert!(
            matches!(
                WsClient::new(ClientConfig::new(url)).await,
                Err(WsError::InvalidUrl { .. })
            ),
            "{url}"
        );
    }
    assert!(matches!(
        WsClient::new(ClientConfig::new("ws://127.0.0.1/ws").with_header("Bad Name", "x")).await,
        Err(WsError::InvalidHeader { .. })
    ));
}

#[tokio::test]
async fn oversized_messages_are_refused_both_ways() {
    let limits = FrameLimits::default();
    let small = {
        let mut l = limits;
        l.max_message_len = 1000;
        l
    };
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(localhost(), AcceptorConfig::default().with_limits(small))
        .await
        .unwrap();
    let addr = acceptor.local_addr();
    let mut server = Side::start(Box::new(acceptor), &flows);

    // Our client with the same limit refuses to send more: SendFailed, the flow stays.
    let client = WsClient::new(ClientConfig::new(format!("ws://{addr}/ws")).with_limits(small))
        .await
        .unwrap();
    let remote = client.remote();
    let mut phone = Side::start(Box::new(client), &flows);
    phone.opened().await;
    let (_, accepted) = server.opened().await;
    let mut big = OPTIONS.to_vec();
    big.resize(2000, b'x');
    phone.send(remote, Bytes::from(big.clone())).await;
    match phone.next().await {
        TransportEvent::SendFailed { error, .. } => {
            assert!(
                error.to_string().contains("larger than the limit"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    phone.send(remote, Bytes::from_static(OPTIONS)).await;
    assert_eq!(&server.received().await.0[..], OPTIONS);

    // A peer without limits sends 2000 bytes: the acceptor closes with 1009.
    let request = format!("ws://{addr}/ws")
        .into_client_request()
        .map(|mut r| {
            r.headers_mut()
                .insert("Sec-WebSocket-Protocol", "sip".parse().unwrap());
            r
        });
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut raw, _) = tokio_tungstenite::client_async(request.unwrap(), tcp)
        .await
        .unwrap();
    let (raw_flow, _) = server.opened().await;
    raw.send(Message::Text(String::from_utf8(big).unwrap().into()))
        .await
        .unwrap();
    let closed = tokio::time::timeout(STEP, async {
        loop {
            match raw.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(closed, Some(1009));
    match server.next().await {
        TransportEvent::FlowClosed { remote, error } => {
            assert_eq!(remote.flow, Some(raw_flow));
            assert!(
                matches!(error, Some(TransportError::Other(ref t)) if t.contains("larger than the limit")),
                "{error:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The other connection is unaffected.
    server.send(accepted, Bytes::from_static(OPTIONS)).await;
    assert_eq!(&phone.received().await.0[..], OPTIONS);
    phone.shutdown().await;
    server.shutdown().await;
}

/// A server that upgrades with `sip`, counts the pings it gets (answering them, as
/// tungstenite does) and, when `deaf`, stops reading after the handshake.
async fn ping_counting_server(deaf: bool) -> (SocketAddr, mpsc::UnboundedReceiver<&'static str>) {
    let listener = TcpListener::bind(localhost()).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let callback = |_: &tokio_tungstenite::tungstenite::handshake::server::Request,
                        mut response: tokio_tungstenite::tungstenite::handshake::server::Response| {
            response.headers_mut().insert("Sec-WebSocket-Protocol", "sip".parse().unwrap());
            Ok(response)
        };
        let mut ws = tokio_tungstenite::accept_hdr_async(tcp, callback)
            .await
            .unwrap();
        if deaf {
            // Keep the socket open and never read: pings go unanswered.
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(ws);
            return;
        }
        while let Some(Ok(m)) = ws.next().await {
            let kind = match m {
                Message::Ping(_) => "ping",
                Message::Text(t) if t.as_str() == "\r\n\r\n" => {
                    let _ = ws.send(Message::Text("\r\n".into())).await;
                    "crlf"
                }
                _ => "other",
            };
            let _ = seen.send(kind);
        }
    });
    (addr, rx)
}

#[tokio::test]
async fn idle_flow_is_pinged_and_stays_open() {
    for (mechanism, expect) in [
        (KeepaliveMechanism::Ping, "ping"),
        (KeepaliveMechanism::Crlf, "crlf"),
    ] {
        let (addr, mut seen) = ping_counting_server(false).await;
        let keepalive =
            KeepaliveConfig::every(Duration::from_millis(100), Duration::from_millis(400))
                .with_mechanism(mechanism);
        let client =
            WsClient::new(ClientConfig::new(format!("ws://{addr}/ws")).with_keepalive(keepalive))
                .await
                .unwrap();
        let flows = FlowIds::new();
        let mut phone = Side::start(Box::new(client), &flows);
        phone.opened().await;
        for _ in 0..4 {
            let kind = tokio::time::timeout(STEP, seen.recv())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(kind, expect);
            if mechanism == KeepaliveMechanism::Crlf {
                // The CRLF pong reaches the driver (for the UA core's on_pong).
                assert_eq!(&phone.received().await.0[..], b"\r\n");
            }
        }
        // Four keep-alives answered, none missed: the flow is still open.
        assert!(phone.events.try_recv().is_err(), "no FlowClosed");
        phone.shutdown().await;
    }
}

#[tokio::test]
async fn a_dead_peer_is_detected_and_the_flow_closed() {
    let (addr, _seen) = ping_counting_server(true).await;
    let keepalive = KeepaliveConfig::every(Duration::from_millis(100), Duration::from_millis(300));
    let client = WsClient::new(
        ClientConfig::new(format!("ws://{addr}/ws"))
            .with_keepalive(keepalive)
            .with_reconnect(ReconnectConfig::disabled()),
    )
    .await
    .unwrap();
    let mut status = client.status();
    let flows = FlowIds::new();
    let mut phone = Side::start(Box::new(client), &flows);
    let (flow, _) = phone.opened().await;
    let started = tokio::time::Instant::now();
    match phone.next().await {
        TransportEvent::FlowClosed { remote, error } => {
            assert_eq!(remote.flow, Some(flow));
            assert_eq!(error, Some(TransportError::ConnectionClosed));
        }
        other => panic!("{other:?}"),
    }
    // interval + pong timeout, with room for a slow machine.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(350) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let gone = status_until(&mut status, |s| matches!(s, WsStatus::Disconnected { .. })).await;
    assert_eq!(
        gone,
        WsStatus::Disconnected {
            flow,
            error: Some(WsError::DeadFlow { timeout_ms: 300 }),
            retry_in: None
        }
    );
    phone.shutdown().await;
}

#[tokio::test]
async fn reconnects_after_the_acceptor_restarts() {
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(localhost(), AcceptorConfig::default())
        .await
        .unwrap();
    let addr = acceptor.local_addr();
    let mut server = Side::start(Box::new(acceptor), &flows);
    let client = WsClient::new(
        ClientConfig::new(format!("ws://{addr}/ws"))
            .with_reconnect(quick_reconnect())
            .with_seed(5),
    )
    .await
    .unwrap();
    let remote = client.remote();
    let mut status = client.status();
    let mut phone = Side::start(Box::new(client), &flows);
    let (first, _) = phone.opened().await;
    server.opened().await;

    // The server goes away.
    server.shutdown().await;
    match phone.next().await {
        TransportEvent::FlowClosed { remote, error } => {
            assert_eq!(remote.flow, Some(first));
            assert_eq!(
                error,
                Some(TransportError::ConnectionClosed),
                "a failure, not an orderly close"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        status_until(&mut status, |s| matches!(s, WsStatus::Disconnected { .. })).await,
        WsStatus::Disconnected { flow, error: Some(WsError::ClosedByPeer { .. }), retry_in: Some(_) } if flow == first
    ));
    // While it is down, attempts fail and back off.
    status_until(&mut status, |s| matches!(s, WsStatus::ConnectFailed { .. })).await;
    // Sends meanwhile fail at once (the core retries its transaction later).
    phone.send(remote, Bytes::from_static(OPTIONS)).await;
    assert!(matches!(
        phone.next().await,
        TransportEvent::SendFailed { .. }
    ));

    // Back on the same port: a new flow, reported after the old one closed.
    let acceptor = WsAcceptor::bind(addr, AcceptorConfig::default())
        .await
        .unwrap();
    let mut server = Side::start(Box::new(acceptor), &flows);
    let (second, _) = phone.opened().await;
    assert!(second > first);
    let recovered = status_until(&mut status, |s| matches!(s, WsStatus::Recovered { .. })).await;
    assert!(
        matches!(recovered, WsStatus::Recovered { flow, attempts, .. } if flow == second && attempts >= 2)
    );
    server.opened().await;
    // A message naming the old flow goes on the new connection.
    phone
        .send(remote.with_flow(first), Bytes::from_static(OPTIONS))
        .await;
    assert_eq!(&server.received().await.0[..], OPTIONS);
    phone.shutdown().await;
    server.shutdown().await;
}

/// A private CA and a leaf for `localhost` only: the acceptor's TLS configuration and the
/// CA's PEM file.
fn private_pki() -> (
    std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
    std::path::PathBuf,
) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let server = yeastar_ws::tls::server_config(vec![leaf.der().clone()], key).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let ca_file =
        std::env::temp_dir().join(format!("yeastar-ws-ca-{}-{nanos}.pem", std::process::id()));
    std::fs::write(&ca_file, ca.pem()).unwrap();
    (server, ca_file)
}

#[tokio::test]
async fn wss_verifies_the_server_with_a_private_ca_and_sni() {
    let (tls, ca_file) = private_pki();
    let flows = FlowIds::new();
    let acceptor = WsAcceptor::bind(localhost(), AcceptorConfig::default().with_tls(tls))
        .await
        .unwrap();
    let url = acceptor.url();
    assert!(url.starts_with("wss://127.0.0.1:"));
    let mut server = Side::start(Box::new(acceptor), &flows);

    // The certificate names localhost, the URL an address: SNI and verification use the
    // configured name.
    let tls = yeastar_ws::TlsOptions::default()
        .with_ca_file(&ca_file)
        .with_server_name("localhost");
    let client = WsClient::new(ClientConfig::new(url.clone()).with_tls(tls))
        .await
        .unwrap();
    assert_eq!(
        yeastar_sip::driver::Transport::kind(&client),
        TransportKind::Wss
    );
    let binding = yeastar_sip::driver::Transport::local_binding(&client);
    assert_eq!(binding.transport, TransportKind::Wss);
    let remote = client.remote();
    let mut phone = Side::start(Box::new(client), &flows);
    phone.opened().await;
    let (_, accepted) = server.opened().await;
    assert_eq!(accepted.transport, TransportKind::Wss);
    phone.send(remote, Bytes::from_static(OPTIONS)).await;
    assert_eq!(&server.received().await.0[..], OPTIONS);
    phone.shutdown().await;
    assert!(matches!(
        server.next().await,
        TransportEvent::FlowClosed { .. }
    ));

    // Verification is on by default: the public roots do not know this CA.
    let untrusted = first_failure_with(
        ClientConfig::new(url.clone())
            .with_tls(yeastar_ws::TlsOptions::default().with_server_name("localhost")),
    )
    .await;
    assert!(
        matches!(&untrusted, WsError::Tls(t) if t.contains("UnknownIssuer")),
        "{untrusted:?}"
    );
    // The right CA but the URL's address as the name: the certificate does not match.
    let mismatch = first_failure_with(ClientConfig::new(url).with_ca_file(&ca_file)).await;
    assert!(
        matches!(&mismatch, WsError::Tls(t) if t.contains("not valid for name")),
        "{mismatch:?}"
    );
    // A CA file that is not PEM is refused before anything starts.
    std::fs::write(&ca_file, "not a certificate").unwrap();
    assert!(matches!(
        WsClient::new(ClientConfig::new("wss://127.0.0.1/ws").with_ca_file(&ca_file)).await,
        Err(WsError::BadPem { .. })
    ));
    let _ = std::fs::remove_file(&ca_file);
    server.shutdown().await;
}

async fn first_failure_with(config: ClientConfig) -> WsError {
    let client = WsClient::new(config.with_reconnect(ReconnectConfig::disabled()))
        .await
        .unwrap();
    let mut status = client.status();
    let side = Side::start(Box::new(client), &FlowIds::new());
    let failed = status_until(&mut status, |s| matches!(s, WsStatus::ConnectFailed { .. })).await;
    side.shutdown().await;
    match failed {
        WsStatus::ConnectFailed { error, .. } => error,
        _ => unreachable!(),
    }
}
