//! The tokio driver: a listener on 127.0.0.1 that moves bytes between sockets and the
//! [`PbxModel`]. All PBX behaviour lives in the model; this file only does I/O and timers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;

use super::config::{Dialect, SimConfig};
use super::model::{CallId, FinishedCall, LiveChannel, Output, PbxModel, SessionId, SimError};
use super::script::CallScript;

struct Shared {
    model: Mutex<PbxModel>,
    conns: Mutex<HashMap<SessionId, mpsc::Sender<Bytes>>>,
    wake: Notify,
    stall: watch::Sender<bool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the simulator down with it: the state stays usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Runs `f` on the model, then hands its outputs to the connections, in order.
    fn with<R>(&self, f: impl FnOnce(&mut PbxModel, Instant) -> R) -> R {
        let mut model = lock(&self.model);
        let r = f(&mut model, Instant::now());
        self.dispatch(&mut model);
        drop(model);
        self.wake.notify_one();
        r
    }

    fn dispatch(&self, model: &mut PbxModel) {
        let mut conns = lock(&self.conns);
        while let Some(out) = model.poll_output() {
            match out {
                Output::Send { session, bytes } => {
                    let Some(tx) = conns.get(&session) else {
                        continue;
                    };
                    if tx.try_send(bytes).is_err() {
                        // A reader this far behind is dropped, as Asterisk drops it.
                        conns.remove(&session);
                        model.disconnect(session);
                    }
                }
                // Dropping the sender closes the socket once the queued bytes are written.
                Output::Close { session } => {
                    conns.remove(&session);
                }
            }
        }
    }
}

/// The embedded PBX: an AMI server on 127.0.0.1 backed by a [`PbxModel`].
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use std::time::Duration;
/// use yeastar_ami::sim::{CallScript, PbxSimulator, SimConfig};
///
/// let sim = PbxSimulator::start(SimConfig::modern()).await?;
/// println!("AMI on {}", sim.addr());
/// sim.play(CallScript::answered("1001", "1002", Duration::from_secs(1), Duration::from_secs(4)))
///     .expect("1001 is configured");
/// sim.shutdown().await;
/// # Ok(()) }
/// ```
pub struct PbxSimulator {
    addr: SocketAddr,
    dialect: Dialect,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for PbxSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PbxSimulator")
            .field("addr", &self.addr)
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl PbxSimulator {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub async fn start(config: SimConfig) -> std::io::Result<PbxSimulator> {
        PbxSimulator::start_on(config, ("127.0.0.1", 0)).await
    }

    /// Binds `addr` and starts serving (a fixed port: the PBX a configuration names).
    pub async fn start_on(
        config: SimConfig,
        addr: impl tokio::net::ToSocketAddrs,
    ) -> std::io::Result<PbxSimulator> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let dialect = config.dialect;
        let max_queued = config.max_queued_frames.max(1);
        let tls = config.tls_acceptor();
        let (stall, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            model: Mutex::new(PbxModel::new(config, Instant::now(), SystemTime::now())),
            conns: Mutex::new(HashMap::new()),
            wake: Notify::new(),
            stall,
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared), max_queued, tls));
        let timers = tokio::spawn(timer_loop(Arc::clone(&shared)));
        Ok(PbxSimulator {
            addr,
            dialect,
            shared,
            tasks: vec![accept, timers],
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The dialect spoken.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Starts a scripted call now.
    pub fn play(&self, script: CallScript) -> Result<CallId, SimError> {
        self.shared.with(|m, now| m.play(script, now))
    }

    /// Registers an extension's phone.
    pub fn register(&self, ext: &str) -> Result<(), SimError> {
        self.shared.with(|m, now| m.register(ext, now))
    }

    /// Unregisters an extension's phone.
    pub fn unregister(&self, ext: &str) -> Result<(), SimError> {
        self.shared.with(|m, now| m.unregister(ext, now))
    }

    /// Hangs a live channel up with an ISDN cause (16 normal clearing, 17 busy, …).
    pub fn hangup(&self, channel: &str, cause: u16) -> Result<(), SimError> {
        self.shared.with(|m, now| m.hangup(channel, cause, now))
    }

    /// Closes every client connection now, keeping calls and registrations, as a PBX restart
    /// of the manager or a network cut would look to the clients.
    pub fn drop_all_connections(&self) {
        self.shared.with(|m, _| m.disconnect_all());
    }

    /// Stops (`true`) or resumes (`false`) writing to the clients; frames queue meanwhile, and a
    /// connection whose queue fills up is closed.
    pub fn stall_writes(&self, stalled: bool) {
        self.shared.stall.send_replace(stalled);
    }

    /// The live channels.
    pub fn channels(&self) -> Vec<LiveChannel> {
        self.shared.with(|m, _| m.channels())
    }

    /// Drains the ground-truth log: every call finished since the last drain, oldest first
    /// (see [`PbxModel::poll_finished`]).
    pub fn finished_calls(&self) -> Vec<FinishedCall> {
        self.shared
            .with(|m, _| std::iter::from_fn(|| m.poll_finished()).collect())
    }

    /// The calls in progress.
    pub fn call_count(&self) -> usize {
        self.shared.with(|m, _| m.call_count())
    }

    /// The open manager connections.
    pub fn connection_count(&self) -> usize {
        self.shared.with(|m, _| m.session_count())
    }

    /// An extension's status as `ExtensionState` reports it.
    pub fn extension_status(&self, ext: &str) -> i32 {
        self.shared.with(|m, _| m.extension_status(ext))
    }

    /// Runs `f` on the model (with the current time) and sends what it produced.
    pub fn with_model<R>(&self, f: impl FnOnce(&mut PbxModel, Instant) -> R) -> R {
        self.shared.with(f)
    }

    /// Stops listening and closes every connection.
    pub async fn shutdown(mut self) {
        self.drop_all_connections();
        let tasks = std::mem::take(&mut self.tasks);
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for PbxSimulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    max_queued: usize,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let Ok((tcp, remote)) = listener.accept().await else {
            // Out of file descriptors or similar: back off rather than spin.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let local = tcp.local_addr().ok();
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        serve(stream, local, remote, shared, max_queued).await;
                    }
                }
                None => serve(tcp, local, remote, shared, max_queued).await,
            }
        });
    }
}

async fn timer_loop(shared: Arc<Shared>) {
    loop {
        let next = lock(&shared.model).poll_timeout();
        match next {
            Some(at) => {
                let at = tokio::time::Instant::from_std(at);
                tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = shared.wake.notified() => continue,
                }
            }
            None => {
                shared.wake.notified().await;
                continue;
            }
        }
        let mut model = lock(&shared.model);
        model.handle_timeout(Instant::now());
        shared.dispatch(&mut model);
    }
}

async fn serve<S>(
    stream: S,
    local: Option<SocketAddr>,
    remote: SocketAddr,
    shared: Arc<Shared>,
    max_queued: usize,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (tx, mut rx) = mpsc::channel::<Bytes>(max_queued);
    let session = {
        let mut model = lock(&shared.model);
        let Ok(session) = model.connect(local, Some(remote)) else {
            // Over the session limit: close at once, as a PBX refusing managers would.
            return;
        };
        lock(&shared.conns).insert(session, tx);
        shared.dispatch(&mut model);
        session
    };
    let (mut rd, mut wr) = tokio::io::split(stream);
    let mut stall = shared.stall.subscribe();
    let mut buf = vec![0u8; 8192];
    loop {
        let stalled = *stall.borrow_and_update();
        tokio::select! {
            biased;
            changed = stall.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            bytes = rx.recv(), if !stalled => match bytes {
                Some(bytes) => {
                    if wr.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                None => {
                    let _ = wr.flush().await;
                    let _ = wr.shutdown().await;
                    break;
                }
            },
            read = rd.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let data = buf.get(..n).unwrap_or_default();
                    shared.with(|m, now| m.receive(session, data, now));
                }
            },
        }
    }
    lock(&shared.conns).remove(&session);
    lock(&shared.model).disconnect(session);
}
