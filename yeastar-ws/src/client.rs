//! The client transport: one WebSocket connection to the SIP server, kept open, kept alive
//! and reopened, as a [`Transport`] of the SIP driver.

use std::collections::VecDeque;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::ClientRequestBuilder;
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use yeastar_sip::driver::{Transport, TransportChannels, TransportCommand, TransportEvent};
use yeastar_sip::ua::{FlowId, LocalBinding, Remote, Transmit, TransportKind};

use crate::conn::{CONNECTION_QUEUE, Connection, Io, Outgoing, now};
use crate::error::WsError;
use crate::frame::{FrameLimits, SIP_SUBPROTOCOL};
use crate::supervise::{Established, KeepaliveConfig, Reconnect, ReconnectConfig};
use crate::tls::{self, TlsOptions};

/// Default limit for opening a connection: TCP, TLS and the WebSocket handshake together.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Messages kept while the connection is being opened; more fail at once.
pub const MAX_PENDING_SENDS: usize = 64;
/// Status events kept for a slow subscriber (older ones are dropped; it sees `Lagged`).
pub const STATUS_QUEUE: usize = 64;
/// Length of the random label of the `<label>.invalid` Via/Contact host (RFC 7118 §5.2).
pub const VIA_LABEL_LEN: usize = 12;

/// Everything a client transport needs.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `ws://host[:port]/path` or `wss://…` (Yeastar and Asterisk: port 8088/8089, path
    /// `/ws`).
    pub url: String,
    /// `Origin` header of the handshake (browsers always send one; some servers check it).
    pub origin: Option<String>,
    /// More handshake headers (`Authorization`, `User-Agent`, …).
    pub headers: Vec<(String, String)>,
    /// TLS for `wss://`.
    pub tls: TlsOptions,
    /// Keep-alives of the connection.
    pub keepalive: KeepaliveConfig,
    /// Reopening a lost connection.
    pub reconnect: ReconnectConfig,
    /// Limit for opening one connection ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// Message size limits.
    pub limits: FrameLimits,
    /// The label of the `<label>.invalid` host; `None` draws [`VIA_LABEL_LEN`] random
    /// characters.
    pub via_label: Option<String>,
    /// Connect as soon as the transport starts (default), rather than at the first send.
    pub connect_at_start: bool,
    /// Local address to connect from (tests on loopback aliases); `None` lets the OS pick.
    pub local_ip: Option<IpAddr>,
    /// Seed of the reconnection jitter; `None` draws one.
    pub seed: Option<u64>,
}

impl ClientConfig {
    /// Defaults for `url`: verified TLS against the public roots, a WebSocket ping every
    /// 25 s, dead after 10 s without answer, reconnection from 1 s to 60 s.
    pub fn new(url: impl Into<String>) -> ClientConfig {
        ClientConfig {
            url: url.into(),
            origin: None,
            headers: Vec::new(),
            tls: TlsOptions::default(),
            keepalive: KeepaliveConfig::default(),
            reconnect: ReconnectConfig::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            limits: FrameLimits::default(),
            via_label: None,
            connect_at_start: true,
            local_ip: None,
            seed: None,
        }
    }

    /// Sends this `Origin`.
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> ClientConfig {
        self.origin = Some(origin.into());
        self
    }

    /// Adds a handshake header.
    #[must_use]
    pub fn with_header(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> ClientConfig {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Trusts the CAs of this PEM file for `wss://`.
    #[must_use]
    pub fn with_ca_file(mut self, path: impl Into<std::path::PathBuf>) -> ClientConfig {
        self.tls = self.tls.with_ca_file(path);
        self
    }

    /// TLS options.
    #[must_use]
    pub fn with_tls(mut self, tls: TlsOptions) -> ClientConfig {
        self.tls = tls;
        self
    }

    /// Keep-alive settings.
    #[must_use]
    pub fn with_keepalive(mut self, keepalive: KeepaliveConfig) -> ClientConfig {
        self.keepalive = keepalive;
        self
    }

    /// Reconnection settings.
    #[must_use]
    pub fn with_reconnect(mut self, reconnect: ReconnectConfig) -> ClientConfig {
        self.reconnect = reconnect;
        self
    }

    /// Message limits.
    #[must_use]
    pub fn with_limits(mut self, limits: FrameLimits) -> ClientConfig {
        self.limits = limits;
        self
    }

    /// Connects from this local address.
    #[must_use]
    pub fn with_local_ip(mut self, ip: IpAddr) -> ClientConfig {
        self.local_ip = Some(ip);
        self
    }

    /// Fixes the reconnection jitter and the Via label's randomness.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> ClientConfig {
        self.seed = Some(seed);
        self
    }
}

/// What a service can show about the link (subscribe with [`WsClient::status`]).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsStatus {
    /// Opening a connection.
    Connecting {
        /// Attempts since the start or the last loss, this one included.
        attempt: u32,
    },
    /// The first connection is open.
    Connected {
        /// Its flow.
        flow: FlowId,
        /// The server, on that flow.
        remote: Remote,
    },
    /// A connection is open again after a loss (the UA must register again: the driver
    /// gets `FlowClosed` with an error, then `FlowOpened`).
    Recovered {
        /// The new flow.
        flow: FlowId,
        /// The server, on that flow.
        remote: Remote,
        /// Attempts it took.
        attempts: u32,
    },
    /// The open connection was lost (or closed on request: `error` is `None`).
    Disconnected {
        /// The flow that ended.
        flow: FlowId,
        /// Why.
        error: Option<WsError>,
        /// When the next attempt is; `None` when there will be none by itself.
        retry_in: Option<Duration>,
    },
    /// An attempt failed.
    ConnectFailed {
        /// Why (a refused `sip` subprotocol is [`WsError::SubprotocolRefused`]).
        error: WsError,
        /// When the next attempt is.
        retry_in: Option<Duration>,
    },
    /// The transport was shut down.
    Stopped,
}

/// Where to connect: parsed once.
struct Target {
    uri: Uri,
    host: String,
    addr: SocketAddr,
    secure: bool,
    request: ClientRequestBuilder,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
    ws_config: WebSocketConfig,
    connect_timeout: Duration,
    local_ip: Option<IpAddr>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("uri", &self.uri)
            .field("addr", &self.addr)
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// The SIP-over-WebSocket client transport (RFC 7118): implements the SIP driver's
/// [`Transport`]. Every message goes over its one connection to the server, whatever its
/// destination, as a browser's does; the connection is kept alive and reopened, and each
/// new connection is a new flow.
#[derive(Debug)]
pub struct WsClient {
    config: ClientConfig,
    target: Arc<Target>,
    label: String,
    status: broadcast::Sender<WsStatus>,
}

impl WsClient {
    /// Checks the configuration, loads the TLS roots and resolves the server's address
    /// (once: a reconnection goes to the same address).
    pub async fn new(config: ClientConfig) -> Result<WsClient, WsError> {
        let invalid = |reason: &str| WsError::InvalidUrl {
            url: config.url.clone(),
            reason: reason.to_owned(),
        };
        let uri: Uri = config.url.parse().map_err(|_| invalid("not a URL"))?;
        let secure = match uri.scheme_str() {
            Some("ws") => false,
            Some("wss") => true,
            _ => return Err(invalid("the scheme must be ws or wss")),
        };
        let host = uri.host().ok_or_else(|| invalid("no host"))?.to_owned();
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let bare = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let addr = match bare.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(_) => tokio::net::lookup_host((bare.as_str(), port))
                .await
                .map_err(|e| WsError::Resolve {
                    host: format!("{bare}:{port}"),
                    detail: e.to_string(),
                })?
                .next()
                .ok_or_else(|| WsError::Resolve {
                    host: format!("{bare}:{port}"),
                    detail: "no address".into(),
                })?,
        };
        let mut request = ClientRequestBuilder::new(uri.clone()).with_sub_protocol(SIP_SUBPROTOCOL);
        let mut extra = config.headers.clone();
        if let Some(origin) = &config.origin {
            extra.insert(0, ("Origin".to_owned(), origin.clone()));
        }
        for (name, value) in extra {
            let valid_name =
                tokio_tungstenite::tungstenite::http::HeaderName::try_from(name.as_str()).is_ok();
            let valid_value =
                tokio_tungstenite::tungstenite::http::HeaderValue::try_from(value.as_str()).is_ok();
            if !valid_name || !valid_value {
                return Err(WsError::InvalidHeader { name });
            }
            request = request.with_header(name, value);
        }
        let tls = if secure {
            let connector = tokio_rustls::TlsConnector::from(tls::client_config(&config.tls)?);
            Some((connector, tls::server_name(&config.tls, &host)?))
        } else {
            None
        };
        let max = Some(config.limits.max_message_len);
        let ws_config = WebSocketConfig::default()
            .max_message_size(max)
            .max_frame_size(max);
        let seed = config.seed.unwrap_or_else(|| fastrand::u64(..));
        let label = config
            .via_label
            .clone()
            .unwrap_or_else(|| random_label(seed));
        let (status, _) = broadcast::channel(STATUS_QUEUE);
        Ok(WsClient {
            target: Arc::new(Target {
                uri,
                host,
                addr,
                secure,
                request,
                tls,
                ws_config,
                connect_timeout: config.connect_timeout,
                local_ip: config.local_ip,
            }),
            config,
            label,
            status,
        })
    }

    /// The server's address, as the UA core's [`Remote`] for an account's `proxy`.
    #[must_use]
    pub fn remote(&self) -> Remote {
        Remote::new(self.target.addr, self.kind())
    }

    /// The URL host (also the default TLS server name).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.target.host
    }

    /// Status events from now on: connected, disconnected, recovered (a broadcast channel:
    /// subscribe before [`yeastar_sip::driver::transport::start`] to see the first connection).
    #[must_use]
    pub fn status(&self) -> broadcast::Receiver<WsStatus> {
        self.status.subscribe()
    }

    /// Opens one connection and closes it: checks URL, TLS and the `sip` subprotocol
    /// (a service's start-up check).
    pub async fn check(&self) -> Result<(), WsError> {
        let mut ws = open(&self.target).await?;
        let _ = ws.close(None).await;
        Ok(())
    }
}

/// `VIA_LABEL_LEN` random lowercase letters and digits.
fn random_label(seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_1abe_1000_0000);
    (0..VIA_LABEL_LEN)
        .map(|_| {
            let n = rng.u8(..36);
            char::from(if n < 26 { b'a' + n } else { b'0' + n - 26 })
        })
        .collect()
}

impl Transport for WsClient {
    fn kind(&self) -> TransportKind {
        if self.target.secure {
            TransportKind::Wss
        } else {
            TransportKind::Ws
        }
    }

    fn local_binding(&self) -> LocalBinding {
        LocalBinding::websocket(self.target.secure, &self.label)
    }

    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()> {
        tokio::spawn(run(*self, channels))
    }
}

/// Opens TCP, TLS for `wss`, and the WebSocket with the `sip` subprotocol, within the
/// connect timeout.
async fn open(target: &Target) -> Result<WebSocketStream<Box<dyn Io>>, WsError> {
    let attempt = async {
        let tcp = match target.local_ip {
            Some(ip) => {
                let socket = if ip.is_ipv4() {
                    TcpSocket::new_v4()
                } else {
                    TcpSocket::new_v6()
                }
                .map_err(|e| WsError::io(&e))?;
                socket
                    .bind(SocketAddr::new(ip, 0))
                    .map_err(|e| WsError::io(&e))?;
                socket
                    .connect(target.addr)
                    .await
                    .map_err(|e| WsError::io(&e))?
            }
            None => TcpStream::connect(target.addr)
                .await
                .map_err(|e| WsError::io(&e))?,
        };
        let _ = tcp.set_nodelay(true);
        let io: Box<dyn Io> = match &target.tls {
            Some((connector, name)) => Box::new(
                connector
                    .connect(name.clone(), tcp)
                    .await
                    .map_err(|e| tls::handshake_error(&e))?,
            ),
            None => Box::new(tcp),
        };
        let (ws, response) = tokio_tungstenite::client_async_with_config(
            target.request.clone(),
            io,
            Some(target.ws_config),
        )
        .await?;
        // tungstenite already fails a 101 without an offered subprotocol; check the exact
        // value ourselves so that nothing but `sip` is ever taken for it.
        let agreed = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok());
        if agreed != Some(SIP_SUBPROTOCOL) {
            return Err(WsError::SubprotocolRefused {
                status: 101,
                offered: agreed.map(str::to_owned),
            });
        }
        Ok(ws)
    };
    match tokio::time::timeout(target.connect_timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(WsError::ConnectTimeout),
    }
}

async fn send_failed(events: &mpsc::Sender<TransportEvent>, transmit: &Transmit, error: &WsError) {
    let _ = events
        .send(TransportEvent::SendFailed {
            remote: transmit.remote(),
            error: error.to_transport_error(),
        })
        .await;
}

type Opening = Pin<Box<dyn Future<Output = Result<WebSocketStream<Box<dyn Io>>, WsError>> + Send>>;

struct Live {
    flow: FlowId,
    outgoing: mpsc::Sender<Outgoing>,
    closing: bool,
}

struct Client {
    config: ClientConfig,
    target: Arc<Target>,
    kind: TransportKind,
    status: broadcast::Sender<WsStatus>,
    channels: TransportChannels,
    reconnect: Reconnect,
    live: Option<Live>,
    opening: Option<Opening>,
    pending: VecDeque<Transmit>,
    closed_tx: mpsc::Sender<(FlowId, Option<WsError>)>,
}

async fn run(client: WsClient, channels: TransportChannels) {
    let kind = client.kind();
    let seed = client.config.seed.unwrap_or_else(|| fastrand::u64(..));
    let (closed_tx, mut closed_rx) = mpsc::channel(4);
    let mut c = Client {
        reconnect: Reconnect::new(client.config.reconnect, seed),
        config: client.config,
        target: client.target,
        kind,
        status: client.status,
        channels,
        live: None,
        opening: None,
        pending: VecDeque::new(),
        closed_tx,
    };
    if c.config.connect_at_start {
        c.connect_now();
    }
    loop {
        let retry_at = c.reconnect.poll_timeout();
        let retry = async {
            match retry_at {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let slot = &mut c.opening;
        let commands = &mut c.channels.commands;
        let opening = async {
            match slot.as_mut() {
                Some(f) => f.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            command = commands.recv() => match command {
                Some(TransportCommand::Send(transmit)) => c.send(transmit).await,
                Some(TransportCommand::Close(flow)) => c.close(flow).await,
                Some(TransportCommand::Shutdown) | None => break,
                Some(_) => {}
            },
            opened = opening => {
                c.opening = None;
                if !c.on_opened(opened).await {
                    break;
                }
            }
            Some((flow, error)) = closed_rx.recv() => c.on_closed(flow, error),
            () = retry => {
                if c.reconnect.handle_timeout(now()) {
                    c.start_opening();
                }
            }
        }
    }
    c.reconnect.stop();
    if let Some(live) = c.live.take() {
        let _ = live.outgoing.send(Outgoing::Close).await;
        // Wait for its FlowClosed, bounded by the write timeout.
        let _ = tokio::time::timeout(c.config.keepalive.write_timeout, closed_rx.recv()).await;
    }
    let _ = c.status.send(WsStatus::Stopped);
}

impl Client {
    fn remote(&self, flow: Option<FlowId>) -> Remote {
        let remote = Remote::new(self.target.addr, self.kind);
        match flow {
            Some(f) => remote.with_flow(f),
            None => remote,
        }
    }

    fn connect_now(&mut self) {
        if self.reconnect.connect_now() {
            self.start_opening();
        }
    }

    fn start_opening(&mut self) {
        let target = self.target.clone();
        let _ = self.status.send(WsStatus::Connecting {
            attempt: self.reconnect.failures().saturating_add(1),
        });
        self.opening = Some(Box::pin(async move { open(&target).await }));
    }

    async fn send(&mut self, transmit: Transmit) {
        if let Some(live) = &self.live {
            // One server: every message goes on the current connection, whatever flow
            // (an older one, before a reconnection) or destination it names.
            match live
                .outgoing
                .try_send(Outgoing::Send(transmit.bytes.clone()))
            {
                Ok(()) => return,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    send_failed(&self.channels.events, &transmit, &WsError::QueueFull).await;
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    send_failed(&self.channels.events, &transmit, &WsError::NoConnection).await;
                    return;
                }
            }
        }
        self.connect_now();
        if self.opening.is_some() && self.pending.len() < MAX_PENDING_SENDS {
            self.pending.push_back(transmit);
        } else {
            send_failed(&self.channels.events, &transmit, &WsError::NoConnection).await;
        }
    }

    async fn close(&mut self, flow: FlowId) {
        if let Some(live) = self.live.as_mut().filter(|l| l.flow == flow) {
            live.closing = true;
            let _ = live.outgoing.send(Outgoing::Close).await;
        }
    }

    /// Returns false when the driver is gone.
    async fn on_opened(&mut self, opened: Result<WebSocketStream<Box<dyn Io>>, WsError>) -> bool {
        let at = now();
        let ws = match opened {
            Ok(ws) => ws,
            Err(error) => {
                tracing::debug!(url = %self.target.uri, %error, "WebSocket connection failed");
                let retry = self.reconnect.on_connect_failed(at);
                for transmit in std::mem::take(&mut self.pending) {
                    send_failed(&self.channels.events, &transmit, &error).await;
                }
                let _ = self.status.send(WsStatus::ConnectFailed {
                    error,
                    retry_in: retry.map(|t| t.saturating_duration_since(at)),
                });
                return !self.channels.events.is_closed();
            }
        };
        let established = self.reconnect.on_connected(at);
        let flow = self.channels.flows.next();
        let remote = self.remote(Some(flow));
        if self
            .channels
            .events
            .send(TransportEvent::FlowOpened { flow, remote })
            .await
            .is_err()
        {
            return false;
        }
        let (outgoing, rx) = mpsc::channel(CONNECTION_QUEUE);
        for transmit in std::mem::take(&mut self.pending) {
            let _ = outgoing.try_send(Outgoing::Send(transmit.bytes.clone()));
        }
        let connection = Connection {
            flow,
            remote,
            keepalive: self.config.keepalive,
            limits: self.config.limits,
            events: self.channels.events.clone(),
        };
        let closed = self.closed_tx.clone();
        tokio::spawn(async move {
            let ended = connection.run(ws, rx).await;
            let _ = closed.send((flow, ended)).await;
        });
        self.live = Some(Live {
            flow,
            outgoing,
            closing: false,
        });
        let _ = self.status.send(match established {
            Established::First => WsStatus::Connected { flow, remote },
            Established::Recovered { attempts } => WsStatus::Recovered {
                flow,
                remote,
                attempts,
            },
        });
        true
    }

    fn on_closed(&mut self, flow: FlowId, error: Option<WsError>) {
        let at = now();
        let requested = match &self.live {
            Some(live) if live.flow == flow => live.closing,
            _ => return,
        };
        self.live = None;
        let retry = if requested && error.is_none() {
            self.reconnect.release();
            None
        } else {
            self.reconnect.on_closed(at)
        };
        let _ = self.status.send(WsStatus::Disconnected {
            flow,
            error,
            retry_in: retry.map(|t| t.saturating_duration_since(at)),
        });
    }
}
