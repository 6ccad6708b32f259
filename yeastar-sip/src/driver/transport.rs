//! The tokio side of transports: each transport is a task that moves bytes between its
//! sockets and the user agent's driver over two bounded channels, so UDP, TCP, TLS and
//! WebSocket (in `yeastar-ws`) plug into the same driver.
//!
//! A transport task:
//! - receives [`TransportCommand`]s: send a [`Transmit`] (on its flow when it names one, else to
//!   its destination, opening a connection if the transport is connection-oriented), close a
//!   flow, shut down;
//! - reports [`TransportEvent`]s: a message received (one datagram, one WebSocket message, or
//!   one message framed by [`StreamFramer`](crate::StreamFramer), CRLF keep-alives included as
//!   such), a flow opened or closed, a send that failed;
//! - names new connections with ids from a shared [`FlowIds`], so flow ids are unique across
//!   every transport of one driver;
//! - never blocks on the driver: when the event channel is full it waits (backpressure), when it
//!   is closed it stops.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::ua::{FlowId, LocalBinding, Remote, Transmit, TransportError, TransportKind};

/// Commands a transport task can be waiting on at once: 4096 (a burst of responses under load;
/// the driver drops a datagram rather than wait when it is full).
pub const TRANSPORT_COMMAND_QUEUE: usize = 4096;
/// Events a transport task can have waiting for the driver at once: 1024.
pub const TRANSPORT_EVENT_QUEUE: usize = 1024;

/// What the driver asks of a transport task.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportCommand {
    /// Send these bytes (see [`Transmit`]).
    Send(Transmit),
    /// Close this connection.
    Close(FlowId),
    /// Close everything and end the task.
    Shutdown,
}

/// What a transport task tells the driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportEvent {
    /// A message arrived (or a CRLF keep-alive on a stream: `\r\n\r\n` ping or `\r\n` pong).
    Received {
        /// Its bytes.
        bytes: Bytes,
        /// Who sent it, on which flow.
        from: Remote,
    },
    /// A connection was opened (by us, or accepted).
    FlowOpened {
        /// Its id.
        flow: FlowId,
        /// The peer.
        remote: Remote,
    },
    /// A connection closed; `error` says why when it was not an orderly close.
    FlowClosed {
        /// The connection, as [`Remote`] with its flow.
        remote: Remote,
        /// Why, when it failed.
        error: Option<TransportError>,
    },
    /// A send failed (connection refused, unreachable, TLS handshake, oversized datagram).
    SendFailed {
        /// Where it was going.
        remote: Remote,
        /// Why.
        error: TransportError,
    },
}

/// Allocates flow ids unique across the transports of one driver.
#[derive(Debug, Clone, Default)]
pub struct FlowIds(Arc<AtomicU64>);

impl FlowIds {
    /// A new allocator starting at 1.
    pub fn new() -> FlowIds {
        FlowIds::default()
    }

    /// The next id.
    pub fn next(&self) -> FlowId {
        FlowId(self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// The channels a transport task works with.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportChannels {
    /// Commands from the driver.
    pub commands: mpsc::Receiver<TransportCommand>,
    /// Events to the driver.
    pub events: mpsc::Sender<TransportEvent>,
    /// Ids for the connections it opens or accepts.
    pub flows: FlowIds,
}

/// A transport the driver can run: UDP, TCP and TLS here; WebSocket in `yeastar-ws`.
pub trait Transport: Send + 'static {
    /// Which transport it is.
    fn kind(&self) -> TransportKind;

    /// How the user agent names itself on it (Via sent-by, Contact): the bound address, or the
    /// `<random>.invalid` host of RFC 7118 for WebSocket.
    fn local_binding(&self) -> LocalBinding;

    /// Starts the task; it runs until [`TransportCommand::Shutdown`] or until the command
    /// channel closes.
    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()>;
}

/// The driver's end of a running transport.
#[derive(Debug)]
pub struct TransportHandle {
    /// Which transport.
    pub kind: TransportKind,
    /// Its binding.
    pub binding: LocalBinding,
    /// Commands to it.
    pub commands: mpsc::Sender<TransportCommand>,
    /// Its task.
    pub task: JoinHandle<()>,
}

/// The local address the system would use to reach `peer` (a connected UDP socket; no packet
/// is sent): what to write in Via, Contact and SDP when a transport listens on every address.
pub fn local_ip_towards(peer: SocketAddr) -> Option<IpAddr> {
    let any: SocketAddr = if peer.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket = std::net::UdpSocket::bind(any).ok()?;
    socket.connect(peer).ok()?;
    socket.local_addr().ok().map(|a| a.ip())
}

/// Starts `transport`, sending its events into `events`.
pub fn start(
    transport: Box<dyn Transport>,
    events: mpsc::Sender<TransportEvent>,
    flows: FlowIds,
) -> TransportHandle {
    let (commands, rx) = mpsc::channel(TRANSPORT_COMMAND_QUEUE);
    let kind = transport.kind();
    let binding = transport.local_binding();
    let task = transport.spawn(TransportChannels {
        commands: rx,
        events,
        flows,
    });
    TransportHandle {
        kind,
        binding,
        commands,
        task,
    }
}
