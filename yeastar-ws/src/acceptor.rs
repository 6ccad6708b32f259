//! The server side: accepts `ws://` or `wss://` connections that ask for the `sip`
//! subprotocol and hands their messages to the SIP driver, each connection a flow. For tests,
//! and for services that take SIP over WebSocket from browsers.
//!
//! A handshake without `sip` among its subprotocols is refused with `400 Bad Request` and
//! `Sec-WebSocket-Protocol: sip` naming what is spoken here, as Kamailio does (it answers
//! `400` listing its own subprotocols) and as Asterisk does (`400`, "No protocols out of …
//! are supported"); RFC 6455 §4.2.2 leaves the status to the server, RFC 7118 §4 lets it
//! refuse. A request for another path than [`AcceptorConfig::path`] gets `404`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use yeastar_sip::driver::{Transport, TransportChannels, TransportCommand, TransportEvent};
use yeastar_sip::ua::{FlowId, LocalBinding, Remote, TransportKind};

use crate::conn::{CONNECTION_QUEUE, Connection, Io, Outgoing};
use crate::error::WsError;
use crate::frame::{FrameLimits, SIP_SUBPROTOCOL, offers_sip};
use crate::supervise::KeepaliveConfig;

/// Default bound of open (and opening) connections; more are closed at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default limit for the TLS and WebSocket handshakes of an accepted connection.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of an acceptor.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct AcceptorConfig {
    /// TLS (`wss://`) when set.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The only path accepted (`/ws`); `None` accepts any.
    pub path: Option<String>,
    /// Keep-alives of each connection (pings to browsers, dead ones closed).
    pub keepalive: KeepaliveConfig,
    /// Message size limits.
    pub limits: FrameLimits,
    /// Limit for the handshakes ([`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub handshake_timeout: Duration,
    /// Bound of connections ([`DEFAULT_MAX_CONNECTIONS`]).
    pub max_connections: usize,
    /// How the UA names itself on this transport; `None`: the bound address.
    pub binding: Option<LocalBinding>,
}

impl Default for AcceptorConfig {
    fn default() -> Self {
        AcceptorConfig {
            tls: None,
            path: None,
            keepalive: KeepaliveConfig::default(),
            limits: FrameLimits::default(),
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            binding: None,
        }
    }
}

impl AcceptorConfig {
    /// Serve `wss://` with this TLS configuration ([`crate::tls::server_config`]).
    #[must_use]
    pub fn with_tls(mut self, tls: Arc<rustls::ServerConfig>) -> AcceptorConfig {
        self.tls = Some(tls);
        self
    }

    /// Accept only this path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> AcceptorConfig {
        self.path = Some(path.into());
        self
    }

    /// Keep-alive settings.
    #[must_use]
    pub fn with_keepalive(mut self, keepalive: KeepaliveConfig) -> AcceptorConfig {
        self.keepalive = keepalive;
        self
    }

    /// Message limits.
    #[must_use]
    pub fn with_limits(mut self, limits: FrameLimits) -> AcceptorConfig {
        self.limits = limits;
        self
    }
}

/// A listening SIP-over-WebSocket server transport; implements the SIP driver's
/// [`Transport`]. Messages for a flow go on its connection; messages naming no flow go to
/// the latest connection from their destination address; the acceptor never opens
/// connections.
#[derive(Debug)]
pub struct WsAcceptor {
    listener: TcpListener,
    local: SocketAddr,
    config: AcceptorConfig,
}

impl WsAcceptor {
    /// Listens on `addr`.
    pub async fn bind(addr: SocketAddr, config: AcceptorConfig) -> Result<WsAcceptor, WsError> {
        let listener = TcpListener::bind(addr).await.map_err(|e| WsError::io(&e))?;
        let local = listener.local_addr().map_err(|e| WsError::io(&e))?;
        Ok(WsAcceptor {
            listener,
            local,
            config,
        })
    }

    /// The bound address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// `ws://addr/path` (or `wss://`) for clients.
    #[must_use]
    pub fn url(&self) -> String {
        let scheme = if self.config.tls.is_some() {
            "wss"
        } else {
            "ws"
        };
        let path = self.config.path.as_deref().unwrap_or("/ws");
        format!("{scheme}://{}{path}", self.local)
    }

    fn transport_kind(&self) -> TransportKind {
        if self.config.tls.is_some() {
            TransportKind::Wss
        } else {
            TransportKind::Ws
        }
    }
}

impl Transport for WsAcceptor {
    fn kind(&self) -> TransportKind {
        self.transport_kind()
    }

    fn local_binding(&self) -> LocalBinding {
        self.config
            .binding
            .clone()
            .unwrap_or_else(|| LocalBinding::new(self.transport_kind(), self.local))
    }

    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()> {
        tokio::spawn(serve(*self, channels))
    }
}

struct Accepted {
    addr: SocketAddr,
    outgoing: mpsc::Sender<Outgoing>,
}

async fn serve(acceptor: WsAcceptor, mut channels: TransportChannels) {
    let kind = acceptor.transport_kind();
    let config = Arc::new(acceptor.config);
    let mut flows: HashMap<FlowId, Accepted> = HashMap::new();
    let (closed_tx, mut closed_rx) = mpsc::channel::<FlowId>(64);
    loop {
        tokio::select! {
            accepted = acceptor.listener.accept() => {
                let Ok((tcp, addr)) = accepted else { continue };
                if flows.len() >= config.max_connections {
                    tracing::debug!(%addr, "WebSocket connection refused: too many");
                    continue;
                }
                let flow = channels.flows.next();
                let (outgoing, rx) = mpsc::channel(CONNECTION_QUEUE);
                flows.insert(flow, Accepted { addr, outgoing });
                let connection = Connection {
                    flow,
                    remote: Remote::new(addr, kind).with_flow(flow),
                    keepalive: config.keepalive,
                    limits: config.limits,
                    events: channels.events.clone(),
                };
                let config = config.clone();
                let closed = closed_tx.clone();
                tokio::spawn(async move {
                    handle(tcp, connection, rx, &config).await;
                    let _ = closed.send(flow).await;
                });
            }
            command = channels.commands.recv() => match command {
                Some(TransportCommand::Send(transmit)) => {
                    let target = transmit
                        .flow
                        .and_then(|f| flows.get(&f))
                        .or_else(|| {
                            flows
                                .iter()
                                .filter(|(_, a)| a.addr == transmit.destination)
                                .max_by_key(|(f, _)| **f)
                                .map(|(_, a)| a)
                        });
                    let error = match target {
                        Some(a) => match a.outgoing.try_send(Outgoing::Send(transmit.bytes.clone())) {
                            Ok(()) => None,
                            Err(mpsc::error::TrySendError::Full(_)) => Some(WsError::QueueFull),
                            Err(mpsc::error::TrySendError::Closed(_)) => Some(WsError::NoConnection),
                        },
                        None => Some(WsError::NoConnection),
                    };
                    if let Some(error) = error {
                        let _ = channels.events.send(TransportEvent::SendFailed {
                            remote: transmit.remote(),
                            error: error.to_transport_error(),
                        }).await;
                    }
                }
                Some(TransportCommand::Close(flow)) => {
                    if let Some(a) = flows.get(&flow) {
                        let _ = a.outgoing.send(Outgoing::Close).await;
                    }
                }
                Some(TransportCommand::Shutdown) | None => break,
                Some(_) => {}
            },
            Some(flow) = closed_rx.recv() => {
                flows.remove(&flow);
            }
        }
    }
    for a in flows.values() {
        let _ = a.outgoing.try_send(Outgoing::Close);
    }
    // Let the connections send their close frames and FlowClosed, bounded.
    let wait = async {
        while !flows.is_empty() {
            match closed_rx.recv().await {
                Some(flow) => {
                    flows.remove(&flow);
                }
                None => break,
            }
        }
    };
    let _ = tokio::time::timeout(config.keepalive.write_timeout, wait).await;
}

/// TLS, the WebSocket handshake, then the connection's messages.
async fn handle(
    tcp: TcpStream,
    connection: Connection,
    outgoing: mpsc::Receiver<Outgoing>,
    config: &AcceptorConfig,
) {
    let _ = tcp.set_nodelay(true);
    let max = Some(config.limits.max_message_len);
    let ws_config = WebSocketConfig::default()
        .max_message_size(max)
        .max_frame_size(max);
    let path = config.path.clone();
    let handshake = async {
        let io: Box<dyn Io> = match &config.tls {
            Some(tls) => Box::new(
                tokio_rustls::TlsAcceptor::from(tls.clone())
                    .accept(tcp)
                    .await
                    .map_err(|e| crate::tls::handshake_error(&e))?,
            ),
            None => Box::new(tcp),
        };
        #[allow(clippy::result_large_err)] // tungstenite's callback signature
        let callback = move |request: &Request, response: Response| {
            negotiate(request, response, path.as_deref())
        };
        tokio_tungstenite::accept_hdr_async_with_config(io, callback, Some(ws_config))
            .await
            .map_err(WsError::from)
    };
    let ws = match tokio::time::timeout(config.handshake_timeout, handshake).await {
        Ok(Ok(ws)) => ws,
        Ok(Err(error)) => {
            tracing::debug!(remote = %connection.remote.addr, %error, "WebSocket handshake refused or failed");
            return;
        }
        Err(_) => {
            tracing::debug!(remote = %connection.remote.addr, "WebSocket handshake timed out");
            return;
        }
    };
    let opened = TransportEvent::FlowOpened {
        flow: connection.flow,
        remote: connection.remote,
    };
    if connection.events.send(opened).await.is_err() {
        return;
    }
    let _ = connection.run(ws, outgoing).await;
}

/// The handshake decision: the path, then the `sip` subprotocol.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn negotiate(
    request: &Request,
    mut response: Response,
    path: Option<&str>,
) -> Result<Response, ErrorResponse> {
    if let Some(path) = path
        && request.uri().path() != path
    {
        return Err(refusal(StatusCode::NOT_FOUND, None));
    }
    let offered = request
        .headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(offers_sip);
    if !offered {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            Some("the sip WebSocket subprotocol (RFC 7118) is required"),
        ));
    }
    response.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SIP_SUBPROTOCOL),
    );
    Ok(response)
}

fn refusal(status: StatusCode, body: Option<&str>) -> ErrorResponse {
    let mut response = ErrorResponse::new(body.map(str::to_owned));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static(SIP_SUBPROTOCOL),
    );
    response
}
