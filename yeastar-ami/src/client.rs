//! The tokio driver of an [`AmiMonitor`]: it opens TCP or TLS connections when the monitor
//! asks, moves bytes and timers, and hands events to the application through a bounded
//! [`EventQueue`] that never blocks the reader. Every protocol decision (login, keepalive,
//! reconnect backoff, sync, the call model) is the monitor's.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc, oneshot};
use yeastar_calls::{Call, ExtensionStatus, WallClock};

use crate::monitor::{
    AmiEvent, AmiMonitor, DEFAULT_EVENT_QUEUE, EventQueue, LinkCommand, LinkError, MonitorConfig,
    ReconnectPolicy,
};
use crate::serde_ser::{AmiAction, to_action};
use crate::session::{ActionError, Reply, SessionConfig};
use crate::tracker::TrackerConfig;
use crate::wire::Action;

/// The default AMI port.
pub const DEFAULT_PORT: u16 = 5038;
/// The default AMI-over-TLS port.
pub const DEFAULT_TLS_PORT: u16 = 5039;
/// Bytes read from the socket at a time: 64 KiB. Frames are decoded in place from this buffer.
const READ_BUFFER: usize = 64 * 1024;
/// Time allowed for the TCP connect and TLS handshake: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// TLS settings. Certificate verification is always on.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TlsOptions {
    /// PEM file with the CA certificates to trust instead of the public roots (a PBX with a
    /// self-signed or private CA).
    pub ca_file: Option<PathBuf>,
    /// The name to verify the certificate against; defaults to the host.
    pub server_name: Option<String>,
}

impl TlsOptions {
    /// Verification against the public roots, by host name.
    pub fn new() -> TlsOptions {
        TlsOptions::default()
    }

    /// Trusts the CAs in this PEM file instead of the public roots.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> TlsOptions {
        self.ca_file = Some(path.into());
        self
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// PBX host name or address.
    pub host: String,
    /// AMI port ([`DEFAULT_PORT`], or [`DEFAULT_TLS_PORT`] with TLS).
    pub port: u16,
    /// TLS, if any.
    pub tls: Option<TlsOptions>,
    /// The protocol logic: login, call model, sync, reconnection.
    pub monitor: MonitorConfig,
    /// Events buffered for a slow consumer before it is told it lagged ([`DEFAULT_EVENT_QUEUE`]).
    pub event_queue: usize,
    /// See [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
}

impl ClientConfig {
    /// Plain TCP to `host:5038` with the given credentials and defaults for the rest.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        let mut monitor = MonitorConfig::new(SessionConfig::new(username, secret));
        monitor.jitter_seed = fastrand::u64(..);
        ClientConfig {
            host: host.into(),
            port: DEFAULT_PORT,
            tls: None,
            monitor,
            event_queue: DEFAULT_EVENT_QUEUE,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Login and protocol settings.
    pub fn session_mut(&mut self) -> &mut SessionConfig {
        &mut self.monitor.session
    }

    /// Reconnection.
    pub fn reconnect_mut(&mut self) -> &mut ReconnectPolicy {
        &mut self.monitor.reconnect
    }

    /// The call model's configuration; `None` turns tracking off.
    pub fn tracker_mut(&mut self) -> &mut Option<TrackerConfig> {
        &mut self.monitor.tracker
    }
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The CA file could not be read.
    #[error("cannot read CA file {path}: {source}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CA file holds something that is not a PEM certificate rustls accepts.
    #[error("bad certificate in CA file {path}: {detail}")]
    BadCertificate {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The CA file holds no certificate.
    #[error("no certificate in CA file {0}")]
    NoCertificate(PathBuf),
    /// The host (or `server_name`) is not a valid TLS server name.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] tokio_rustls::rustls::Error),
}

/// Why the client could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The first connection failed ([`AmiClient::connect`] only: [`AmiClient::start`] keeps
    /// trying).
    #[error("{addr}: {error}")]
    Link {
        /// host:port.
        addr: String,
        /// Why.
        error: LinkError,
    },
    /// TLS could not be set up (bad CA file, bad server name).
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The action failed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// The client has shut down.
    #[error("client closed")]
    Closed,
}

/// Counters of the client's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// AMI events read from the PBX.
    pub events_received: u64,
    /// Events dropped because the consumer lagged.
    pub events_lagged: u64,
    /// Successful reconnections.
    pub reconnects: u64,
    /// Frames refused by the decoder.
    pub frames_refused: u64,
    /// Actions handed to the monitor.
    pub actions_sent: u64,
}

/// Where the connection to the PBX stands (for health checks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStatus {
    /// Logged in now.
    pub connected: bool,
    /// AMI version of the last login.
    pub version: Option<String>,
    /// Dialect of the last login (`true`: AMI 1.x).
    pub legacy: Option<bool>,
    /// Why the link is (or last was) down.
    pub last_error: Option<LinkError>,
    /// Failed attempts in a row.
    pub failed_attempts: u32,
    /// Gave up for good ([`ReconnectPolicy::max_attempts`]) or closed.
    pub stopped: bool,
}

type Query = Box<dyn FnOnce(&AmiMonitor) + Send>;

enum Command {
    Send {
        action: Action,
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<Reply, ActionError>>,
    },
    Query(Query),
    Close,
}

#[derive(Default)]
struct Stats {
    events_received: AtomicU64,
    reconnects: AtomicU64,
    frames_refused: AtomicU64,
    actions_sent: AtomicU64,
}

struct Shared {
    queue: Mutex<EventQueue>,
    notify: Notify,
    closed: AtomicBool,
    stats: Stats,
    status: Mutex<ConnectionStatus>,
}

/// A connection to a PBX's AMI, kept up for as long as the client lives. Cheap to clone; all
/// clones share one connection.
///
/// ```no_run
/// # async fn run() -> Result<(), yeastar_ami::client::ClientError> {
/// use yeastar_ami::client::{AmiClient, ClientConfig};
/// use yeastar_ami::monitor::AmiEvent;
///
/// let client = AmiClient::start(ClientConfig::new("192.168.1.10", "admin", "secret"))?;
/// while let Some(event) = client.next_event().await {
///     if let AmiEvent::Call(call) = event {
///         println!("{}", yeastar_calls::to_json_line(&call));
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AmiClient {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AmiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmiClient").finish_non_exhaustive()
    }
}

impl AmiClient {
    /// Starts the background task and returns at once; it connects, logs in, and keeps
    /// reconnecting with backoff whatever happens (a PBX that is down or rebooting, a refused
    /// login). Watch [`next_event`](Self::next_event) or [`status`](Self::status). Must be
    /// called within a Tokio runtime. Fails only on a TLS configuration error.
    pub fn start(config: ClientConfig) -> Result<AmiClient, ClientError> {
        Self::spawn(config, None)
    }

    /// Connects and logs in, then keeps the connection up like [`start`](Self::start). Unlike
    /// `start`, a first attempt that fails (unreachable PBX, refused login) is an error and
    /// nothing keeps running.
    pub async fn connect(config: ClientConfig) -> Result<AmiClient, ClientError> {
        let (ready, ready_rx) = oneshot::channel();
        let client = Self::spawn(config, Some(ready))?;
        match ready_rx.await {
            Ok(Ok(())) => Ok(client),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ClientError::Closed),
        }
    }

    fn spawn(
        config: ClientConfig,
        ready: Option<oneshot::Sender<Result<(), ClientError>>>,
    ) -> Result<AmiClient, ClientError> {
        let tls = match &config.tls {
            Some(options) => Some(tls_connector(options, &config.host)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            queue: Mutex::new(EventQueue::new(config.event_queue)),
            notify: Notify::new(),
            closed: AtomicBool::new(false),
            stats: Stats::default(),
            status: Mutex::new(ConnectionStatus::default()),
        });
        let (commands, rx) = mpsc::channel(256);
        let now = Instant::now();
        let driver = Driver {
            monitor: AmiMonitor::new(config.monitor.clone(), now, WallClock::now()),
            addr: format!("{}:{}", config.host, config.port),
            connect_timeout: config.connect_timeout,
            tls,
            shared: shared.clone(),
            commands: rx,
            waiters: HashMap::new(),
            ready,
            outbox: Vec::new(),
        };
        tokio::spawn(driver.run());
        Ok(AmiClient { commands, shared })
    }

    /// Sends an action and waits for its complete answer (the whole list, or the
    /// `OriginateResponse` of an async `Originate`).
    pub async fn send(&self, action: Action) -> Result<Reply, ClientError> {
        self.send_inner(action, None).await
    }

    /// [`send`](Self::send) with its own timeout (a synchronous `Originate` waits for the answer).
    pub async fn send_with_timeout(
        &self,
        action: Action,
        timeout: Duration,
    ) -> Result<Reply, ClientError> {
        self.send_inner(action, Some(timeout)).await
    }

    /// Sends a typed action (see [`crate::actions`]).
    pub async fn send_typed<A: AmiAction>(&self, action: &A) -> Result<Reply, ClientError> {
        let action = to_action(action).map_err(ActionError::from)?;
        self.send(action).await
    }

    async fn send_inner(
        &self,
        action: Action,
        timeout: Option<Duration>,
    ) -> Result<Reply, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(Command::Send {
                action,
                timeout,
                reply,
            })
            .await
            .map_err(|_| ClientError::Closed)?;
        match rx.await {
            Ok(result) => Ok(result?),
            Err(_) => Err(ClientError::Closed),
        }
    }

    /// The next event, waiting for one; `None` once the client has shut down and everything
    /// was taken.
    pub async fn next_event(&self) -> Option<AmiEvent> {
        loop {
            let notified = self.shared.notify.notified();
            if let Some(event) = self.try_next_event() {
                return Some(event);
            }
            if self.shared.closed.load(Ordering::Acquire) {
                return self.try_next_event();
            }
            notified.await;
        }
    }

    /// The next event if one is waiting.
    pub fn try_next_event(&self) -> Option<AmiEvent> {
        self.shared.queue.lock().ok()?.pop()
    }

    /// Counters.
    pub fn stats(&self) -> ClientStats {
        let s = &self.shared.stats;
        ClientStats {
            events_received: s.events_received.load(Ordering::Relaxed),
            events_lagged: self.shared.queue.lock().map_or(0, |q| q.total_missed()),
            reconnects: s.reconnects.load(Ordering::Relaxed),
            frames_refused: s.frames_refused.load(Ordering::Relaxed),
            actions_sent: s.actions_sent.load(Ordering::Relaxed),
        }
    }

    /// Where the connection stands.
    pub fn status(&self) -> ConnectionStatus {
        self.shared
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Runs `f` on the monitor inside the driver task, between two inputs.
    pub async fn with_monitor<R: Send + 'static>(
        &self,
        f: impl FnOnce(&AmiMonitor) -> R + Send + 'static,
    ) -> Result<R, ClientError> {
        let (tx, rx) = oneshot::channel();
        let query: Query = Box::new(move |monitor| {
            let _ = tx.send(f(monitor));
        });
        self.commands
            .send(Command::Query(query))
            .await
            .map_err(|_| ClientError::Closed)?;
        rx.await.map_err(|_| ClientError::Closed)
    }

    /// The calls in progress, as the call model sees them (empty without a tracker).
    pub async fn calls(&self) -> Result<Vec<Call>, ClientError> {
        self.with_monitor(|m| {
            m.tracker()
                .map(|t| t.calls().cloned().collect())
                .unwrap_or_default()
        })
        .await
    }

    /// One call in progress by id.
    pub async fn call(&self, id: &str) -> Result<Option<Call>, ClientError> {
        let id = id.to_string();
        self.with_monitor(move |m| m.tracker().and_then(|t| t.call(&id).cloned()))
            .await
    }

    /// Every known extension and its status.
    pub async fn extensions(&self) -> Result<Vec<(String, ExtensionStatus)>, ClientError> {
        self.with_monitor(|m| {
            m.tracker()
                .map(|t| t.extensions().map(|(e, s)| (e.to_string(), *s)).collect())
                .unwrap_or_default()
        })
        .await
    }

    /// Logs off and stops the background task.
    pub async fn close(&self) {
        let _ = self.commands.send(Command::Close).await;
    }
}

fn tls_connector(
    options: &TlsOptions,
    host: &str,
) -> Result<
    (
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    ),
    TlsError,
> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    match &options.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| TlsError::CaFile {
                path: path.clone(),
                source,
            })?;
            let bad = |detail: String| TlsError::BadCertificate {
                path: path.clone(),
                detail,
            };
            let mut added = 0;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert.map_err(|e| bad(e.to_string()))?;
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
                added += 1;
            }
            if added == 0 {
                return Err(TlsError::NoCertificate(path.clone()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // An explicit provider: the process-wide default may be unset, or ambiguous when another
    // crate in the application enables a second one.
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = options.server_name.as_deref().unwrap_or(host).to_string();
    let server_name = rustls_pki_types::ServerName::try_from(name.clone())
        .map_err(|_| TlsError::ServerName(name))?;
    Ok((
        tokio_rustls::TlsConnector::from(Arc::new(config)),
        server_name,
    ))
}

trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

type Connecting = Pin<Box<dyn Future<Output = std::io::Result<Box<dyn Transport>>> + Send>>;

struct Connection {
    reader: ReadHalf<Box<dyn Transport>>,
    writer: WriteHalf<Box<dyn Transport>>,
}

struct Driver {
    monitor: AmiMonitor,
    addr: String,
    connect_timeout: Duration,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
    shared: Arc<Shared>,
    commands: mpsc::Receiver<Command>,
    waiters: HashMap<String, oneshot::Sender<Result<Reply, ActionError>>>,
    /// Reports the outcome of the first connection to `connect`.
    ready: Option<oneshot::Sender<Result<(), ClientError>>>,
    /// Events of the current batch, handed to the queue together.
    outbox: Vec<AmiEvent>,
}

impl Driver {
    fn open(&self) -> Connecting {
        let addr = self.addr.clone();
        let tls = self.tls.clone();
        let limit = self.connect_timeout;
        Box::pin(async move {
            let connect = async {
                let tcp = TcpStream::connect(&addr).await?;
                tcp.set_nodelay(true)?;
                let transport: Box<dyn Transport> = match tls {
                    Some((connector, name)) => Box::new(connector.connect(name, tcp).await?),
                    None => Box::new(tcp),
                };
                Ok(transport)
            };
            tokio::time::timeout(limit, connect)
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"))?
        })
    }

    async fn run(mut self) {
        let mut connection: Option<Connection> = None;
        let mut connecting: Option<Connecting> = None;
        let mut buf = BytesMut::with_capacity(READ_BUFFER);
        loop {
            self.drain(&mut connection, &mut connecting).await;
            if self.monitor.is_stopped() && connection.is_none() && connecting.is_none() {
                break;
            }
            let deadline = self.monitor.poll_timeout();
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            let connect = async {
                match connecting.as_mut() {
                    Some(future) => future.await,
                    None => std::future::pending().await,
                }
            };
            let read = async {
                match connection.as_mut() {
                    Some(c) => c.reader.read_buf(&mut buf).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                opened = connect => {
                    connecting = None;
                    let now = Instant::now();
                    match opened {
                        Ok(transport) => {
                            let (reader, writer) = tokio::io::split(transport);
                            connection = Some(Connection { reader, writer });
                            buf.clear();
                            self.monitor.handle_connected(now);
                        }
                        Err(e) => {
                            self.monitor.handle_connect_failed(LinkError::Connect(e.to_string()), now);
                        }
                    }
                }
                read = read => {
                    let now = Instant::now();
                    match read {
                        Ok(0) => {
                            connection = None;
                            self.monitor.handle_disconnect(LinkError::ClosedByPbx, now);
                        }
                        Ok(_) => {
                            self.monitor.handle_input_buf(&mut buf, now);
                            if buf.capacity() - buf.len() < READ_BUFFER / 4 {
                                buf.reserve(READ_BUFFER);
                            }
                        }
                        Err(e) => {
                            connection = None;
                            self.monitor.handle_disconnect(LinkError::Io(e.to_string()), now);
                        }
                    }
                }
                cmd = self.commands.recv() => {
                    let now = Instant::now();
                    match cmd {
                        Some(Command::Send { action, timeout, reply }) => {
                            self.shared.stats.actions_sent.fetch_add(1, Ordering::Relaxed);
                            let sent = match timeout {
                                Some(t) => self.monitor.send_with_timeout(action, t, now),
                                None => self.monitor.send(action, now),
                            };
                            match sent {
                                Ok(id) => { self.waiters.insert(id, reply); }
                                Err(e) => { let _ = reply.send(Err(e)); }
                            }
                        }
                        Some(Command::Query(query)) => query(&self.monitor),
                        Some(Command::Close) | None => self.monitor.close(now),
                    }
                }
                () = sleep => self.monitor.handle_timeout(Instant::now()),
            }
        }
        self.shared.closed.store(true, Ordering::Release);
        if let Ok(mut status) = self.shared.status.lock() {
            status.stopped = true;
            status.connected = false;
        }
        self.shared.notify.notify_waiters();
        for (_, w) in self.waiters.drain() {
            let _ = w.send(Err(ActionError::Closed));
        }
        // Stopped, the client can still say what it last knew, for as long as handles live.
        while let Some(command) = self.commands.recv().await {
            match command {
                Command::Query(query) => query(&self.monitor),
                Command::Send { reply, .. } => {
                    let _ = reply.send(Err(ActionError::Closed));
                }
                Command::Close => {}
            }
        }
    }

    /// Follows the run-loop contract: bytes out, link commands, events.
    async fn drain(
        &mut self,
        connection: &mut Option<Connection>,
        connecting: &mut Option<Connecting>,
    ) {
        loop {
            let mut progressed = false;
            while let Some(bytes) = self.monitor.poll_transmit() {
                progressed = true;
                let Some(c) = connection.as_mut() else {
                    continue;
                };
                if let Err(e) = c.writer.write_all(&bytes).await {
                    *connection = None;
                    self.monitor
                        .handle_disconnect(LinkError::Io(e.to_string()), Instant::now());
                }
            }
            while let Some(command) = self.monitor.poll_command() {
                progressed = true;
                match command {
                    LinkCommand::Connect => *connecting = Some(self.open()),
                    LinkCommand::Close => {
                        if let Some(mut c) = connection.take() {
                            let _ = c.writer.shutdown().await;
                        }
                        *connecting = None;
                    }
                }
            }
            while let Some(event) = self.monitor.poll_event() {
                progressed = true;
                self.dispatch(event);
            }
            if !progressed {
                break;
            }
        }
        self.flush().await;
    }

    fn dispatch(&mut self, event: AmiEvent) {
        let stats = &self.shared.stats;
        match &event {
            AmiEvent::Reply { action_id, .. } => {
                if let Some(w) = self.waiters.remove(action_id)
                    && let AmiEvent::Reply { result, .. } = event
                {
                    let _ = w.send(*result);
                }
                return;
            }
            AmiEvent::Event(_) => {
                stats.events_received.fetch_add(1, Ordering::Relaxed);
            }
            AmiEvent::FrameRefused(_) => {
                stats.frames_refused.fetch_add(1, Ordering::Relaxed);
            }
            AmiEvent::Connected {
                version,
                legacy,
                reconnected,
            } => {
                if *reconnected {
                    stats.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                if let Ok(mut status) = self.shared.status.lock() {
                    status.connected = true;
                    status.version = Some(version.clone());
                    status.legacy = Some(*legacy);
                    status.failed_attempts = 0;
                }
                if let Some(ready) = self.ready.take() {
                    let _ = ready.send(Ok(()));
                }
            }
            AmiEvent::ConnectFailed { error, attempt, .. } => {
                tracing::warn!(addr = %self.addr, %error, attempt, "AMI connection failed");
                self.note_down(error, *attempt);
                if let Some(ready) = self.ready.take() {
                    let _ = ready.send(Err(ClientError::Link {
                        addr: self.addr.clone(),
                        error: error.clone(),
                    }));
                    // `connect` reports the first failure and keeps nothing running.
                    self.monitor.close(Instant::now());
                }
            }
            AmiEvent::Disconnected { error, .. } => {
                tracing::warn!(addr = %self.addr, %error, "AMI connection lost");
                self.note_down(error, 0);
            }
            _ => {}
        }
        self.outbox.push(event);
    }

    fn note_down(&self, error: &LinkError, attempt: u32) {
        if let Ok(mut status) = self.shared.status.lock() {
            status.connected = false;
            status.last_error = Some(error.clone());
            status.failed_attempts = attempt;
        }
    }

    /// Hands the batch to the consumer under one lock and one wake-up.
    async fn flush(&mut self) {
        if self.outbox.is_empty() {
            return;
        }
        let mut yield_to_consumer = false;
        if let Ok(mut queue) = self.shared.queue.lock() {
            for event in self.outbox.drain(..) {
                queue.push(event);
            }
            yield_to_consumer = queue.more_than_half_full();
        } else {
            self.outbox.clear();
        }
        self.shared.notify.notify_one();
        // On a one-thread runtime the consumer only runs when the reader yields: give it a
        // turn before the queue overflows.
        if yield_to_consumer {
            tokio::task::yield_now().await;
        }
    }
}
