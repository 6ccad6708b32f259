//! The tokio driver: moves bytes between a TCP or TLS socket and an [`AmiSession`], reconnects,
//! and hands events to the application through a bounded queue that never blocks the reader.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc, oneshot};

use super::core::{ActionError, AmiSession, Reply, SessionConfig, SessionEvent};
use crate::serde_ser::{AmiAction, to_action};
use crate::tracker::{
    Call, CallEvent, CallTracker, CompletedCall, ExtensionStatus, ResyncReport, TrackerConfig,
};
use crate::wire::{Action, Frame, FrameError};

/// The default AMI port.
pub const DEFAULT_PORT: u16 = 5038;
/// The default AMI-over-TLS port.
pub const DEFAULT_TLS_PORT: u16 = 5039;
/// Events buffered for a slow consumer before it is told it lagged: 10 000.
pub const DEFAULT_EVENT_QUEUE: usize = 10_000;
/// Bytes read from the socket at a time: 64 KiB. Frames are decoded in place from this buffer.
const READ_BUFFER: usize = 64 * 1024;
/// Time allowed for TCP connect, TLS handshake and banner: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// TLS settings. Certificate verification is always on.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM file with the CA certificates to trust instead of the public roots (a PBX with a
    /// self-signed or private CA).
    pub ca_file: Option<PathBuf>,
    /// The name to verify the certificate against; defaults to the host.
    pub server_name: Option<String>,
}

/// How reconnection waits between attempts: exponential, capped, with jitter so that many
/// clients of one PBX do not reconnect in lockstep.
#[derive(Debug, Clone, Copy)]
pub struct ReconnectPolicy {
    /// First delay.
    pub initial: Duration,
    /// Largest delay (also the delay after a refused login).
    pub max: Duration,
    /// Random spread, 0.0–1.0, as a fraction of the delay.
    pub jitter: f64,
    /// Give up after this many failed attempts in a row; `None` retries for ever.
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            jitter: 0.2,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
        let base = exp.min(self.max);
        let spread = base.as_secs_f64() * self.jitter.clamp(0.0, 1.0);
        let offset = (fastrand::f64() * 2.0 - 1.0) * spread;
        Duration::from_secs_f64((base.as_secs_f64() + offset).max(0.0))
    }
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// PBX host name or address.
    pub host: String,
    /// AMI port ([`DEFAULT_PORT`], or [`DEFAULT_TLS_PORT`] with TLS).
    pub port: u16,
    /// TLS, if any.
    pub tls: Option<TlsOptions>,
    /// Login and protocol settings.
    pub session: SessionConfig,
    /// Reconnection.
    pub reconnect: ReconnectPolicy,
    /// See [`DEFAULT_EVENT_QUEUE`].
    pub event_queue: usize,
    /// See [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// After every reconnect, ask the PBX for its channels, extension states and peers and report
    /// what changed while disconnected ([`ClientEvent::Resynced`]).
    pub resync: bool,
    /// Track calls and extension states from the events ([`ClientEvent::Call`]); `None` turns
    /// the call model off and leaves only raw events.
    pub tracker: Option<TrackerConfig>,
}

impl ClientConfig {
    /// Plain TCP to `host:5038` with the given credentials and defaults for the rest.
    pub fn new(
        host: impl Into<String>,
        username: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        ClientConfig {
            host: host.into(),
            port: DEFAULT_PORT,
            tls: None,
            session: SessionConfig::new(username, secret),
            reconnect: ReconnectPolicy::default(),
            event_queue: DEFAULT_EVENT_QUEUE,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            resync: true,
            tracker: Some(TrackerConfig::default()),
        }
    }
}

/// What the client reports to the application, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientEvent {
    /// An AMI event.
    Event(Frame),
    /// Logged in (first time and after every reconnect).
    Connected {
        /// AMI version from the banner.
        version: String,
        /// True for AMI 1.x (Asterisk 1.8, Yeastar S-series).
        legacy: bool,
        /// True when this is a reconnection.
        reconnected: bool,
    },
    /// The connection dropped; the client will reconnect.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// The PBX refused the login. The client retries at the slowest reconnect pace.
    AuthFailed {
        /// The server's message.
        message: String,
    },
    /// The consumer fell behind and this many items were dropped (the reader never waits).
    Lagged {
        /// Items dropped since the last one delivered.
        missed: u64,
    },
    /// A frame was refused by the decoder and skipped.
    FrameRefused(FrameError),
    /// The state read back after a reconnect.
    Resynced(Resync),
    /// A call or extension changed (from the call model).
    Call(CallEvent),
    /// A call ended and its record (merged with its `Cdr`) is final: store it in a
    /// [`CallHistory`](crate::tracker::CallHistory).
    Completed(Box<CompletedCall>),
}

/// The PBX's state read after a reconnect: the list items of `CoreShowChannels` (or legacy
/// `Status`), `ExtensionStateList`, and `PJSIPShowEndpoints` (or legacy `SIPpeers`).
#[derive(Debug, Clone, Default)]
pub struct Resync {
    /// One event per live channel.
    pub channels: Vec<Frame>,
    /// One `ExtensionStatus` per hint (empty on 1.8, which lacks the action).
    pub extensions: Vec<Frame>,
    /// One `EndpointList` or `PeerEntry` per endpoint.
    pub peers: Vec<Frame>,
    /// What the call model changed: calls that ended or began while disconnected, extension
    /// changes. Empty without a tracker.
    pub report: ResyncReport,
}

/// Counters of the client's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Events read from the PBX.
    pub events_received: u64,
    /// Items dropped because the consumer lagged.
    pub events_lagged: u64,
    /// Successful reconnections.
    pub reconnects: u64,
    /// Frames refused by the decoder.
    pub frames_refused: u64,
    /// Actions handed to the session.
    pub actions_sent: u64,
}

/// Why the client could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting failed (first connection only; later ones are retried).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// host:port.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// TLS could not be set up (bad CA file, bad server name).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// The PBX refused the login: check `YEASTAR_USERNAME`/`YEASTAR_PASSWORD` and the manager
    /// user's `permit`/`deny` in `manager.conf`.
    #[error("login refused by the PBX: {0}")]
    AuthFailed(String),
    /// The action failed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// The client has shut down.
    #[error("client closed")]
    Closed,
}

enum Command {
    Send {
        action: Action,
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<Reply, ActionError>>,
    },
    Close,
}

/// The bounded hand-off from the reader to the consumer.
struct EventQueue {
    items: Mutex<VecDeque<ClientEvent>>,
    missed: AtomicU64,
    capacity: usize,
    notify: Notify,
    closed: AtomicBool,
}

impl EventQueue {
    /// Hands a batch to the consumer under one lock and one wake-up.
    fn push_all(&self, events: &mut Vec<ClientEvent>, stats: &Stats) {
        if events.is_empty() {
            return;
        }
        let Ok(mut items) = self.items.lock() else {
            events.clear();
            return;
        };
        for event in events.drain(..) {
            if items.len() >= self.capacity {
                self.missed.fetch_add(1, Ordering::Relaxed);
                stats.events_lagged.fetch_add(1, Ordering::Relaxed);
            } else {
                items.push_back(event);
            }
        }
        drop(items);
        self.notify.notify_one();
    }

    fn more_than_half_full(&self) -> bool {
        self.items
            .lock()
            .is_ok_and(|items| items.len() > self.capacity / 2)
    }

    fn pop(&self) -> Option<ClientEvent> {
        let missed = self.missed.swap(0, Ordering::Relaxed);
        if missed > 0 {
            return Some(ClientEvent::Lagged { missed });
        }
        self.items.lock().ok()?.pop_front()
    }
}

#[derive(Default)]
struct Stats {
    events_received: AtomicU64,
    events_lagged: AtomicU64,
    reconnects: AtomicU64,
    frames_refused: AtomicU64,
    actions_sent: AtomicU64,
}

struct Shared {
    queue: EventQueue,
    stats: Stats,
    tracker: Option<Mutex<CallTracker>>,
}

/// A connected AMI client. Cheap to clone; all clones share one connection.
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
    /// Connects, logs in, and starts the background task. Returns once logged in; a refused
    /// login is [`ClientError::AuthFailed`] and nothing is retried.
    pub async fn connect(config: ClientConfig) -> Result<AmiClient, ClientError> {
        let tls = match &config.tls {
            Some(options) => Some(tls_connector(options, &config.host)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            queue: EventQueue {
                items: Mutex::new(VecDeque::new()),
                missed: AtomicU64::new(0),
                capacity: config.event_queue.max(1),
                notify: Notify::new(),
                closed: AtomicBool::new(false),
            },
            stats: Stats::default(),
            tracker: config
                .tracker
                .clone()
                .map(|c| Mutex::new(CallTracker::new(c))),
        });
        let (commands, rx) = mpsc::channel(256);
        let (ready_tx, ready_rx) = oneshot::channel();
        let driver = Driver {
            config,
            tls,
            shared: shared.clone(),
            commands: rx,
            waiters: HashMap::new(),
            ready: Some(ready_tx),
            connections: 0,
            outbox: Vec::new(),
            wall: SystemTime::now(),
        };
        tokio::spawn(driver.run());
        match ready_rx.await {
            Ok(Ok(())) => Ok(AmiClient { commands, shared }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ClientError::Closed),
        }
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

    /// The next event, waiting for one; `None` once the client has shut down.
    pub async fn next_event(&self) -> Option<ClientEvent> {
        loop {
            let notified = self.shared.queue.notify.notified();
            if let Some(event) = self.shared.queue.pop() {
                return Some(event);
            }
            if self.shared.queue.closed.load(Ordering::Acquire) {
                return None;
            }
            notified.await;
        }
    }

    /// The next event if one is waiting.
    pub fn try_next_event(&self) -> Option<ClientEvent> {
        self.shared.queue.pop()
    }

    /// Counters.
    pub fn stats(&self) -> ClientStats {
        let s = &self.shared.stats;
        ClientStats {
            events_received: s.events_received.load(Ordering::Relaxed),
            events_lagged: s.events_lagged.load(Ordering::Relaxed),
            reconnects: s.reconnects.load(Ordering::Relaxed),
            frames_refused: s.frames_refused.load(Ordering::Relaxed),
            actions_sent: s.actions_sent.load(Ordering::Relaxed),
        }
    }

    /// The calls in progress, as the call model sees them (empty without a tracker).
    pub fn calls(&self) -> Vec<Call> {
        self.with_tracker(|t| t.calls().cloned().collect())
            .unwrap_or_default()
    }

    /// One call in progress by id.
    pub fn call(&self, id: &str) -> Option<Call> {
        self.with_tracker(|t| t.call(id).cloned()).flatten()
    }

    /// Every known extension and its status.
    pub fn extensions(&self) -> Vec<(String, ExtensionStatus)> {
        self.with_tracker(|t| t.extensions().map(|(e, s)| (e.to_string(), *s)).collect())
            .unwrap_or_default()
    }

    fn with_tracker<R>(&self, f: impl FnOnce(&CallTracker) -> R) -> Option<R> {
        let tracker = self.shared.tracker.as_ref()?.lock().ok()?;
        Some(f(&tracker))
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
    ClientError,
> {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    match &options.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                ClientError::Tls(format!("cannot read CA file {}: {e}", path.display()))
            })?;
            let mut added = 0;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                let cert = cert
                    .map_err(|e| ClientError::Tls(format!("bad PEM in {}: {e}", path.display())))?;
                roots.add(cert).map_err(|e| {
                    ClientError::Tls(format!("bad certificate in {}: {e}", path.display()))
                })?;
                added += 1;
            }
            if added == 0 {
                return Err(ClientError::Tls(format!(
                    "no certificate in {}",
                    path.display()
                )));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // An explicit provider: the process-wide default may be unset, or ambiguous when another
    // crate in the application enables a second one.
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = options.server_name.as_deref().unwrap_or(host).to_string();
    let server_name = rustls_pki_types::ServerName::try_from(name.clone())
        .map_err(|_| ClientError::Tls(format!("invalid TLS server name {name:?}")))?;
    Ok((
        tokio_rustls::TlsConnector::from(Arc::new(config)),
        server_name,
    ))
}

trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

struct Driver {
    config: ClientConfig,
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls_pki_types::ServerName<'static>,
    )>,
    shared: Arc<Shared>,
    commands: mpsc::Receiver<Command>,
    waiters: HashMap<String, oneshot::Sender<Result<Reply, ActionError>>>,
    /// Reports the outcome of the first connection to `connect`.
    ready: Option<oneshot::Sender<Result<(), ClientError>>>,
    connections: u64,
    /// Events produced by the current batch of input, handed over together.
    outbox: Vec<ClientEvent>,
    /// The wall-clock time of the current batch of input (read once per batch).
    wall: SystemTime,
}

/// How one connection ended.
enum Ended {
    Dropped(String),
    AuthFailed(String),
    Closed,
}

impl Driver {
    async fn run(mut self) {
        let mut attempt = 0u32;
        loop {
            let ended = match self.open().await {
                Ok(transport) => {
                    attempt = 0;
                    self.serve(transport).await
                }
                Err(e) => Ended::Dropped(e.to_string()),
            };
            let delay = match ended {
                Ended::Closed => break,
                Ended::AuthFailed(message) => {
                    if let Some(ready) = self.ready.take() {
                        let _ = ready.send(Err(ClientError::AuthFailed(message)));
                        break;
                    }
                    self.emit(ClientEvent::AuthFailed { message });
                    self.flush();
                    self.config.reconnect.max
                }
                Ended::Dropped(reason) => {
                    if let Some(ready) = self.ready.take() {
                        let addr = format!("{}:{}", self.config.host, self.config.port);
                        let _ = ready.send(Err(ClientError::Connect {
                            addr,
                            source: std::io::Error::other(reason),
                        }));
                        break;
                    }
                    tracing::warn!(%reason, "AMI connection lost");
                    self.emit(ClientEvent::Disconnected { reason });
                    self.flush();
                    attempt += 1;
                    if self
                        .config
                        .reconnect
                        .max_attempts
                        .is_some_and(|m| attempt > m)
                    {
                        break;
                    }
                    self.config.reconnect.delay(attempt)
                }
            };
            if self.wait_or_close(delay).await {
                break;
            }
        }
        self.shared.queue.closed.store(true, Ordering::Release);
        self.shared.queue.notify.notify_waiters();
        for (_, w) in self.waiters.drain() {
            let _ = w.send(Err(ActionError::Closed));
        }
    }

    /// Sleeps before reconnecting, failing actions sent meanwhile. True if asked to close.
    async fn wait_or_close(&mut self, delay: Duration) -> bool {
        let sleep = tokio::time::sleep(delay);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return false,
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Send { reply, .. }) => {
                        let _ = reply.send(Err(ActionError::Disconnected { sent: false }));
                    }
                    Some(Command::Close) | None => return true,
                },
            }
        }
    }

    async fn open(&self) -> std::io::Result<Box<dyn Transport>> {
        let addr = format!("{}:{}", self.config.host, self.config.port);
        let connect = async {
            let tcp = TcpStream::connect(&addr).await?;
            tcp.set_nodelay(true)?;
            let transport: Box<dyn Transport> = match &self.tls {
                Some((connector, name)) => Box::new(connector.connect(name.clone(), tcp).await?),
                None => Box::new(tcp),
            };
            Ok(transport)
        };
        tokio::time::timeout(self.config.connect_timeout, connect)
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out"))?
    }

    /// Queues an event for the consumer; [`flush`](Self::flush) hands the batch over.
    fn emit(&mut self, event: ClientEvent) {
        self.outbox.push(event);
    }

    fn flush(&mut self) {
        self.shared
            .queue
            .push_all(&mut self.outbox, &self.shared.stats);
    }

    /// Runs `f` on the call model, then forwards what it produced.
    fn track(&mut self, f: impl FnOnce(&mut CallTracker, SystemTime)) {
        let Some(tracker) = &self.shared.tracker else {
            return;
        };
        let Ok(mut tracker) = tracker.lock() else {
            return;
        };
        // One clock read per batch of input, not per event.
        f(&mut tracker, self.wall);
        while let Some(event) = tracker.poll_event() {
            self.outbox.push(ClientEvent::Call(event));
        }
        while let Some(done) = tracker.poll_completed() {
            self.outbox.push(ClientEvent::Completed(Box::new(done)));
        }
    }

    /// When the call model next needs `handle_timeout` (TTL, late CDRs).
    fn tracker_deadline(&self) -> Option<Instant> {
        let tracker = self.shared.tracker.as_ref()?.lock().ok()?;
        let at = tracker.poll_timeout()?;
        let wait = at.duration_since(SystemTime::now()).unwrap_or_default();
        Some(Instant::now() + wait)
    }

    async fn serve(&mut self, transport: Box<dyn Transport>) -> Ended {
        let (mut reader, mut writer) = tokio::io::split(transport);
        let mut session = AmiSession::new(self.config.session.clone());
        let mut buf = BytesMut::with_capacity(READ_BUFFER);
        let reconnected = self.connections > 0;
        let mut resync: Option<ResyncState> = None;
        let ended = loop {
            // Drain outputs (run-loop contract of `AmiSession`): events first, since handling
            // them may queue actions (resync), then the bytes to write.
            let mut stop = None;
            while let Some(event) = session.poll_event() {
                if let Some(end) =
                    self.on_session_event(event, &mut session, reconnected, &mut resync)
                {
                    stop = Some(end);
                    break;
                }
            }
            self.flush();
            if let Some(end) = stop {
                break end;
            }
            let mut write_error = None;
            while let Some(bytes) = session.poll_transmit() {
                if let Err(e) = writer.write_all(&bytes).await {
                    write_error = Some(e);
                    break;
                }
            }
            if let Some(e) = write_error {
                break Ended::Dropped(e.to_string());
            }
            let deadline = match (session.poll_timeout(), self.tracker_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                read = reader.read_buf(&mut buf) => match read {
                    Ok(0) => break Ended::Dropped("server closed the connection".into()),
                    Ok(_) => {
                        self.wall = SystemTime::now();
                        session.handle_input_buf(&mut buf, Instant::now());
                        if buf.capacity() - buf.len() < READ_BUFFER / 4 {
                            buf.reserve(READ_BUFFER);
                        }
                        // On a one-thread runtime the consumer only runs when the reader
                        // yields: give it a turn before the queue overflows.
                        if self.shared.queue.more_than_half_full() {
                            tokio::task::yield_now().await;
                        }
                    }
                    Err(e) => break Ended::Dropped(e.to_string()),
                },
                cmd = self.commands.recv() => match cmd {
                    Some(Command::Send { action, timeout, reply }) => {
                        self.shared.stats.actions_sent.fetch_add(1, Ordering::Relaxed);
                        let now = Instant::now();
                        let sent = match timeout {
                            Some(t) => session.send_with_timeout(action, t, now),
                            None => session.send(action, now),
                        };
                        match sent {
                            Ok(id) => { self.waiters.insert(id, reply); }
                            Err(e) => { let _ = reply.send(Err(e)); }
                        }
                    }
                    Some(Command::Close) | None => {
                        let _ = session.send(Action::new("Logoff"), Instant::now());
                        while let Some(bytes) = session.poll_transmit() {
                            let _ = writer.write_all(&bytes).await;
                        }
                        let _ = writer.shutdown().await;
                        break Ended::Closed;
                    }
                },
                () = sleep => {
                    self.wall = SystemTime::now();
                    session.handle_timeout(Instant::now());
                    self.track(|t, now| t.handle_timeout(now));
                }
            }
        };
        session.handle_disconnect();
        while let Some(event) = session.poll_event() {
            if let SessionEvent::Reply { action_id, result } = event
                && let Some(w) = self.waiters.remove(&action_id)
            {
                let _ = w.send(result);
            }
        }
        ended
    }

    fn on_session_event(
        &mut self,
        event: SessionEvent,
        session: &mut AmiSession,
        reconnected: bool,
        resync: &mut Option<ResyncState>,
    ) -> Option<Ended> {
        match event {
            SessionEvent::Connected { .. } => {}
            SessionEvent::LoggedIn => {
                self.connections += 1;
                if reconnected {
                    self.shared.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(ready) = self.ready.take() {
                    let _ = ready.send(Ok(()));
                }
                let legacy = session.is_legacy();
                self.emit(ClientEvent::Connected {
                    version: if legacy { "1.1".into() } else { "2+".into() },
                    legacy,
                    reconnected,
                });
                if reconnected && self.config.resync {
                    self.track(|t, _| t.begin_resync());
                    *resync = ResyncState::start(session, legacy);
                }
            }
            SessionEvent::AuthFailed { message } => return Some(Ended::AuthFailed(message)),
            SessionEvent::Reply { action_id, result } => {
                if let Some(state) = resync.as_mut()
                    && state.absorb(&action_id, &result)
                {
                    if state.done() {
                        let mut report = std::mem::take(&mut state.report);
                        *resync = None;
                        self.track(|t, now| {
                            let lists = report.channels.iter().chain(&report.extensions);
                            for item in lists.chain(&report.peers) {
                                t.handle_message(&item.message(), now);
                            }
                            report.report = t.finish_resync(now);
                        });
                        self.emit(ClientEvent::Resynced(report));
                    }
                    return None;
                }
                // The session answers an async Originate with its `OriginateResponse`; the
                // call model needs it too (click-to-call flag, legacy destination, failures).
                let originate = match &result {
                    Ok(reply) => reply.originate.as_ref(),
                    Err(ActionError::OriginateFailed { event, .. }) => Some(event),
                    Err(_) => None,
                };
                if let Some(frame) = originate {
                    self.track(|t, now| t.handle_message(&frame.message(), now));
                }
                if let Some(w) = self.waiters.remove(&action_id) {
                    let _ = w.send(result);
                }
            }
            SessionEvent::Event(frame) => {
                self.shared
                    .stats
                    .events_received
                    .fetch_add(1, Ordering::Relaxed);
                self.track(|t, now| t.handle_message(&frame.message(), now));
                self.emit(ClientEvent::Event(frame));
            }
            SessionEvent::FrameRefused(e) => {
                self.shared
                    .stats
                    .frames_refused
                    .fetch_add(1, Ordering::Relaxed);
                self.emit(ClientEvent::FrameRefused(e));
            }
            SessionEvent::PingTimeout => {
                return Some(Ended::Dropped("keepalive Ping unanswered".into()));
            }
            SessionEvent::Goodbye => {}
        }
        None
    }
}

/// The lists requested after a reconnect and what has come back.
struct ResyncState {
    channels: Option<String>,
    extensions: Option<String>,
    peers: Option<String>,
    report: Resync,
}

impl ResyncState {
    fn start(session: &mut AmiSession, legacy: bool) -> Option<ResyncState> {
        let now = Instant::now();
        let channels = if legacy { "Status" } else { "CoreShowChannels" };
        let peers = if legacy {
            "SIPpeers"
        } else {
            "PJSIPShowEndpoints"
        };
        let channels = session.send(Action::new(channels), now).ok();
        // Asterisk 1.8 has no ExtensionStateList.
        let extensions = (!legacy)
            .then(|| session.send(Action::new("ExtensionStateList"), now).ok())
            .flatten();
        let peers = session.send(Action::new(peers), now).ok();
        Some(ResyncState {
            channels,
            extensions,
            peers,
            report: Resync::default(),
        })
    }

    /// Takes a reply if it belongs to the resync; true if it did.
    fn absorb(&mut self, id: &str, result: &Result<Reply, ActionError>) -> bool {
        let items = match result {
            Ok(reply) => reply.items.clone(),
            // "No endpoints found" and the like are empty lists.
            Err(_) => Vec::new(),
        };
        for (slot, target) in [
            (&mut self.channels, &mut self.report.channels),
            (&mut self.extensions, &mut self.report.extensions),
            (&mut self.peers, &mut self.report.peers),
        ] {
            if slot.as_deref() == Some(id) {
                *slot = None;
                *target = items;
                return true;
            }
        }
        false
    }

    fn done(&self) -> bool {
        self.channels.is_none() && self.extensions.is_none() && self.peers.is_none()
    }
}
