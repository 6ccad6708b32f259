//! SIP over TCP and TLS: a listener for accepted connections, outgoing connections reused per
//! destination, each connection a task framing messages with [`StreamFramer`] and passing
//! RFC 5626 CRLF keep-alives on as such.
//!
//! Outgoing connections are bound to the listening address (`SO_REUSEADDR`/`SO_REUSEPORT`) when
//! the system allows it, so the port in our Via and Contact is the one the peer sees. TLS runs
//! on tokio-rustls with an explicit ring provider: the server certificate is verified against
//! the system's web roots or a CA file, with SNI from the configured server name; a client
//! certificate is optional; with a server certificate the transport also accepts TLS.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::rustls;

use super::tls::{
    TlsConfig, TlsSetupError, read_certs, read_private_key, ring_provider, root_store,
};
use super::transport::{Transport, TransportChannels, TransportCommand, TransportEvent};
use crate::ua::{FlowId, LocalBinding, Remote, TransportError, TransportKind};
use crate::{ParseOptions, StreamFramer};

/// Most connections one stream transport keeps open (accepted and opened together); beyond it
/// new connections are refused and sends to new destinations fail.
pub const MAX_CONNECTIONS: usize = 1024;
/// Messages queued for writing on one connection; beyond it a send fails.
pub const CONNECTION_WRITE_QUEUE: usize = 64;
/// Longest wait for a TCP connect plus the TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes read from a connection at once.
const READ_CHUNK: usize = 16 * 1024;

/// The TCP transport.
#[derive(Debug)]
pub struct TcpTransport {
    inner: StreamTransport,
}

impl TcpTransport {
    /// Listens on `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr) -> io::Result<TcpTransport> {
        Ok(TcpTransport {
            inner: StreamTransport::bind(addr, TransportKind::Tcp, None).await?,
        })
    }

    /// The listening address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }
}

/// The TLS transport.
#[derive(Debug)]
pub struct TlsTransport {
    inner: StreamTransport,
}

impl TlsTransport {
    /// Listens on `addr` with `config` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, config: &TlsConfig) -> Result<TlsTransport, TlsSetupError> {
        let tls = Tls::new(config)?;
        Ok(TlsTransport {
            inner: StreamTransport::bind(addr, TransportKind::Tls, Some(tls)).await?,
        })
    }

    /// The listening address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }
}

impl Transport for TcpTransport {
    fn kind(&self) -> TransportKind {
        TransportKind::Tcp
    }

    fn local_binding(&self) -> LocalBinding {
        LocalBinding::new(TransportKind::Tcp, self.inner.local)
    }

    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()> {
        tokio::spawn(self.inner.run(channels))
    }
}

impl Transport for TlsTransport {
    fn kind(&self) -> TransportKind {
        TransportKind::Tls
    }

    fn local_binding(&self) -> LocalBinding {
        LocalBinding::new(TransportKind::Tls, self.inner.local)
    }

    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()> {
        tokio::spawn(self.inner.run(channels))
    }
}

#[derive(Clone)]
struct Tls {
    connector: tokio_rustls::TlsConnector,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    server_name: Option<rustls::pki_types::ServerName<'static>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("server_name", &self.server_name)
            .field("accepts", &self.acceptor.is_some())
            .finish()
    }
}

impl Tls {
    fn new(config: &TlsConfig) -> Result<Tls, TlsSetupError> {
        let roots = root_store(config.ca_file.as_deref())?;
        let provider = ring_provider();
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
        let client = match &config.client_certificate {
            Some((chain, key)) => {
                builder.with_client_auth_cert(read_certs(chain)?, read_private_key(key)?)?
            }
            None => builder.with_no_client_auth(),
        };
        let acceptor = match &config.server_certificate {
            Some((chain, key)) => {
                let server = rustls::ServerConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()?
                    .with_no_client_auth()
                    .with_single_cert(read_certs(chain)?, read_private_key(key)?)?;
                Some(tokio_rustls::TlsAcceptor::from(Arc::new(server)))
            }
            None => None,
        };
        let server_name = match &config.server_name {
            Some(name) => Some(
                rustls::pki_types::ServerName::try_from(name.clone())
                    .map_err(|_| TlsSetupError::ServerName(name.clone()))?,
            ),
            None => None,
        };
        Ok(Tls {
            connector: tokio_rustls::TlsConnector::from(Arc::new(client)),
            acceptor,
            server_name,
        })
    }
}

#[derive(Debug)]
struct StreamTransport {
    listener: TcpListener,
    local: SocketAddr,
    kind: TransportKind,
    tls: Option<Tls>,
}

/// A connection as the transport task knows it.
struct Connection {
    peer: SocketAddr,
    writes: mpsc::Sender<Bytes>,
}

impl StreamTransport {
    async fn bind(
        addr: SocketAddr,
        kind: TransportKind,
        tls: Option<Tls>,
    ) -> io::Result<StreamTransport> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        #[cfg(unix)]
        socket.set_reuseport(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(128)?;
        let local = listener.local_addr()?;
        Ok(StreamTransport {
            listener,
            local,
            kind,
            tls,
        })
    }

    async fn run(self, mut channels: TransportChannels) {
        let mut conns: HashMap<FlowId, Connection> = HashMap::new();
        let mut by_peer: HashMap<SocketAddr, FlowId> = HashMap::new();
        let (closed_tx, mut closed_rx) = mpsc::channel::<FlowId>(MAX_CONNECTIONS);
        let ctx = ConnContext {
            kind: self.kind,
            local: self.local,
            tls: self.tls.clone(),
            events: channels.events.clone(),
            closed: closed_tx,
        };
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    if conns.len() >= MAX_CONNECTIONS {
                        tracing::warn!(%peer, "connection refused: {MAX_CONNECTIONS} open");
                        continue;
                    }
                    let flow = channels.flows.next();
                    let (writes, rx) = mpsc::channel(CONNECTION_WRITE_QUEUE);
                    conns.insert(flow, Connection { peer, writes });
                    by_peer.insert(peer, flow);
                    tokio::spawn(ctx.clone().accepted(stream, peer, flow, rx));
                }
                Some(flow) = closed_rx.recv() => {
                    if let Some(conn) = conns.remove(&flow)
                        && by_peer.get(&conn.peer) == Some(&flow)
                    {
                        by_peer.remove(&conn.peer);
                    }
                }
                command = channels.commands.recv() => match command {
                    Some(TransportCommand::Send(transmit)) => {
                        let remote = Remote::new(transmit.destination, self.kind);
                        let flow = transmit
                            .flow
                            .filter(|f| conns.contains_key(f))
                            .or_else(|| by_peer.get(&transmit.destination).copied());
                        let error = match flow.and_then(|f| conns.get(&f)) {
                            Some(conn) => conn.writes.try_send(transmit.bytes).err().map(|_| {
                                TransportError::Other("connection write queue full".into())
                            }),
                            None if conns.len() >= MAX_CONNECTIONS => Some(TransportError::ConnectFailed(
                                format!("{MAX_CONNECTIONS} connections open"),
                            )),
                            None => {
                                let flow = channels.flows.next();
                                let (writes, rx) = mpsc::channel(CONNECTION_WRITE_QUEUE);
                                // Cannot fail: the queue is new and empty.
                                let _ = writes.try_send(transmit.bytes);
                                conns.insert(flow, Connection { peer: transmit.destination, writes });
                                by_peer.insert(transmit.destination, flow);
                                tokio::spawn(ctx.clone().connect(transmit.destination, flow, rx));
                                None
                            }
                        };
                        if let Some(error) = error
                            && channels.events.send(TransportEvent::SendFailed { remote, error }).await.is_err()
                        {
                            return;
                        }
                    }
                    Some(TransportCommand::Close(flow)) => {
                        // Dropping the write queue ends the connection's task, which reports
                        // the close.
                        if let Some(conn) = conns.remove(&flow)
                            && by_peer.get(&conn.peer) == Some(&flow)
                        {
                            by_peer.remove(&conn.peer);
                        }
                    }
                    Some(TransportCommand::Shutdown) | None => return,
                },
            }
        }
    }
}

#[derive(Clone)]
struct ConnContext {
    kind: TransportKind,
    local: SocketAddr,
    tls: Option<Tls>,
    events: mpsc::Sender<TransportEvent>,
    closed: mpsc::Sender<FlowId>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl ConnContext {
    async fn accepted(
        self,
        stream: TcpStream,
        peer: SocketAddr,
        flow: FlowId,
        writes: mpsc::Receiver<Bytes>,
    ) {
        let remote = Remote::new(peer, self.kind).with_flow(flow);
        let io: Box<dyn Io> = match &self.tls {
            None => Box::new(stream),
            Some(Tls {
                acceptor: Some(acceptor),
                ..
            }) => match tokio::time::timeout(CONNECT_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Box::new(tls),
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "tls accept failed");
                    let _ = self.closed.send(flow).await;
                    return;
                }
                Err(_) => {
                    let _ = self.closed.send(flow).await;
                    return;
                }
            },
            Some(_) => {
                tracing::debug!(%peer, "tls connection refused: no server certificate");
                let _ = self.closed.send(flow).await;
                return;
            }
        };
        self.serve(io, remote, writes).await;
    }

    async fn connect(self, peer: SocketAddr, flow: FlowId, writes: mpsc::Receiver<Bytes>) {
        let remote = Remote::new(peer, self.kind);
        match tokio::time::timeout(CONNECT_TIMEOUT, self.open(peer)).await {
            Ok(Ok(io)) => self.serve(io, remote.with_flow(flow), writes).await,
            Ok(Err(error)) => self.fail(remote, flow, error).await,
            Err(_) => {
                let error = TransportError::ConnectFailed("timed out".into());
                self.fail(remote, flow, error).await;
            }
        }
    }

    async fn fail(&self, remote: Remote, flow: FlowId, error: TransportError) {
        tracing::debug!(peer = %remote.addr, %error, "connect failed");
        let _ = self.closed.send(flow).await;
        let _ = self
            .events
            .send(TransportEvent::SendFailed { remote, error })
            .await;
    }

    async fn open(&self, peer: SocketAddr) -> Result<Box<dyn Io>, TransportError> {
        let failed = |e: io::Error| TransportError::ConnectFailed(e.to_string());
        let stream = match self.bound_socket(peer) {
            Some(socket) => match socket.connect(peer).await {
                Ok(stream) => stream,
                // The listening port may be taken for this peer already: any port will do.
                Err(_) => TcpStream::connect(peer).await.map_err(failed)?,
            },
            None => TcpStream::connect(peer).await.map_err(failed)?,
        };
        let _ = stream.set_nodelay(true);
        let Some(tls) = &self.tls else {
            return Ok(Box::new(stream));
        };
        let name = tls
            .server_name
            .clone()
            .unwrap_or_else(|| rustls::pki_types::ServerName::IpAddress(peer.ip().into()));
        let tls = tls
            .connector
            .connect(name, stream)
            .await
            .map_err(|e| TransportError::ConnectFailed(format!("TLS: {e}")))?;
        Ok(Box::new(tls))
    }

    /// A socket bound to the listening address, so the peer sees our Via port.
    fn bound_socket(&self, peer: SocketAddr) -> Option<TcpSocket> {
        if peer.is_ipv4() != self.local.is_ipv4() || self.local.ip().is_unspecified() {
            return None;
        }
        let socket = if peer.is_ipv4() {
            TcpSocket::new_v4().ok()?
        } else {
            TcpSocket::new_v6().ok()?
        };
        socket.set_reuseaddr(true).ok()?;
        #[cfg(unix)]
        socket.set_reuseport(true).ok()?;
        socket.bind(self.local).ok()?;
        Some(socket)
    }

    async fn serve(self, io: Box<dyn Io>, remote: Remote, mut writes: mpsc::Receiver<Bytes>) {
        let Some(flow) = remote.flow else { return };
        if self
            .events
            .send(TransportEvent::FlowOpened { flow, remote })
            .await
            .is_err()
        {
            return;
        }
        let (mut reader, mut writer) = tokio::io::split(io);
        let mut framer = StreamFramer::new(ParseOptions::default());
        let mut buf = vec![0u8; READ_CHUNK];
        let error = loop {
            tokio::select! {
                read = reader.read(&mut buf) => match read {
                    Ok(0) => break None,
                    Ok(n) => {
                        if let Err(e) = framer.push(buf.get(..n).unwrap_or_default()) {
                            break Some(TransportError::Other(e.to_string()));
                        }
                        match self.deliver(&mut framer, remote).await {
                            Ok(true) => {}
                            Ok(false) => return,
                            Err(e) => break Some(e),
                        }
                    }
                    Err(e) => break Some(TransportError::Other(e.to_string())),
                },
                write = writes.recv() => match write {
                    Some(bytes) => {
                        if let Err(e) = writer.write_all(&bytes).await {
                            break Some(TransportError::Other(e.to_string()));
                        }
                    }
                    None => {
                        let _ = writer.shutdown().await;
                        break None;
                    }
                },
            }
        };
        let _ = self.closed.send(flow).await;
        let _ = self
            .events
            .send(TransportEvent::FlowClosed { remote, error })
            .await;
    }

    /// Passes every complete message and keep-alive on; `Ok(false)` when the driver is gone.
    async fn deliver(
        &self,
        framer: &mut StreamFramer,
        remote: Remote,
    ) -> Result<bool, TransportError> {
        loop {
            let message = framer
                .next_message()
                .map_err(|e| TransportError::Other(e.to_string()))?;
            let keepalive: &'static [u8] = match framer.take_skipped_crlf() {
                0 | 1 => b"",
                2 | 3 => b"\r\n",
                _ => b"\r\n\r\n",
            };
            if !keepalive.is_empty() {
                let event = TransportEvent::Received {
                    bytes: Bytes::from_static(keepalive),
                    from: remote,
                };
                if self.events.send(event).await.is_err() {
                    return Ok(false);
                }
            }
            let Some(message) = message else {
                return Ok(true);
            };
            let event = TransportEvent::Received {
                bytes: message.bytes().clone(),
                from: remote,
            };
            if self.events.send(event).await.is_err() {
                return Ok(false);
            }
        }
    }
}
