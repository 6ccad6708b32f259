//! What the core knows of transports: their kind, the flows (connections) a driver owns, the
//! local bindings it declares, and the datagrams or stream messages it moves.

use core::fmt;
use std::net::SocketAddr;

use bytes::Bytes;

/// A SIP transport.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// UDP: unreliable, the core retransmits.
    Udp,
    /// TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
    /// WebSocket (RFC 7118).
    Ws,
    /// Secure WebSocket (RFC 7118).
    Wss,
}

impl TransportKind {
    /// True for transports that deliver in order without loss (no retransmission timers).
    #[must_use]
    pub const fn is_reliable(self) -> bool {
        !matches!(self, Self::Udp)
    }

    /// True for byte-stream transports framed by `StreamFramer` that use CRLF keep-alives
    /// (RFC 5626 §4.4.1); WebSocket has its own pings.
    #[must_use]
    pub const fn is_stream(self) -> bool {
        matches!(self, Self::Tcp | Self::Tls)
    }

    /// True for TLS and WSS.
    #[must_use]
    pub const fn is_secure(self) -> bool {
        matches!(self, Self::Tls | Self::Wss)
    }

    /// True for WebSocket transports.
    #[must_use]
    pub const fn is_websocket(self) -> bool {
        matches!(self, Self::Ws | Self::Wss)
    }

    /// The Via transport token (`UDP`, `TCP`, `TLS`, `WS`, `WSS`).
    #[must_use]
    pub const fn via_token(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
            Self::Ws => "WS",
            Self::Wss => "WSS",
        }
    }

    /// The URI `transport=` value (`udp`, `tcp`, `tls`, `ws`, `wss`).
    #[must_use]
    pub const fn uri_param(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Ws => "ws",
            Self::Wss => "wss",
        }
    }

    /// The transport named by a Via token or URI parameter, ignoring case.
    #[must_use]
    pub fn from_token(token: &str) -> Option<Self> {
        [Self::Udp, Self::Tcp, Self::Tls, Self::Ws, Self::Wss]
            .into_iter()
            .find(|t| t.via_token().eq_ignore_ascii_case(token))
    }

    /// Default port of the transport (5060, or 5061 for TLS; 80/443 for WebSocket).
    #[must_use]
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Udp | Self::Tcp => 5060,
            Self::Tls => 5061,
            Self::Ws => 80,
            Self::Wss => 443,
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.via_token())
    }
}

/// A connection the driver owns (TCP, TLS, WebSocket), named by the driver. The core only
/// compares flow ids; it never opens or closes connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowId(pub u64);

/// The other end of a datagram or stream message: address, transport, and for connection
/// transports the flow it came on (or must leave on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Remote {
    /// Peer address.
    pub addr: SocketAddr,
    /// Transport.
    pub transport: TransportKind,
    /// The connection, when known. Outgoing messages with a flow go on that connection; the
    /// driver opens a new one to `addr` when it is `None` or the flow is gone.
    pub flow: Option<FlowId>,
}

impl Remote {
    /// A remote reached over UDP.
    #[must_use]
    pub const fn udp(addr: SocketAddr) -> Self {
        Self {
            addr,
            transport: TransportKind::Udp,
            flow: None,
        }
    }

    /// A remote reached over `transport`, without a known flow.
    #[must_use]
    pub const fn new(addr: SocketAddr, transport: TransportKind) -> Self {
        Self {
            addr,
            transport,
            flow: None,
        }
    }

    /// The same remote on a given flow.
    #[must_use]
    pub const fn with_flow(mut self, flow: FlowId) -> Self {
        self.flow = Some(flow);
        self
    }

    /// True when a transport error about `other` concerns this remote: the same flow, or
    /// without flows the same address and transport.
    #[must_use]
    pub fn same_path(&self, other: &Remote) -> bool {
        match (self.flow, other.flow) {
            (Some(a), Some(b)) => a == b,
            _ => self.addr == other.addr && self.transport == other.transport,
        }
    }
}

/// Bytes for the driver to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to.
    pub destination: SocketAddr,
    /// Over which transport.
    pub transport: TransportKind,
    /// On which connection, when the message must use an existing flow (responses on the
    /// connection the request came on, requests of an RFC 5626 flow, keep-alives).
    pub flow: Option<FlowId>,
    /// One datagram, one WebSocket message, or bytes to write on the stream.
    pub bytes: Bytes,
}

impl Transmit {
    pub(crate) fn to(remote: &Remote, bytes: Bytes) -> Self {
        Self {
            destination: remote.addr,
            transport: remote.transport,
            flow: remote.flow,
            bytes,
        }
    }

    /// The destination as a [`Remote`].
    #[must_use]
    pub fn remote(&self) -> Remote {
        Remote {
            addr: self.destination,
            transport: self.transport,
            flow: self.flow,
        }
    }
}

/// How the core names itself on one transport: the Via sent-by and the Contact host and port.
/// The driver declares one per transport it listens on ([`crate::ua::Endpoint::add_binding`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalBinding {
    /// Transport.
    pub transport: TransportKind,
    /// Host for Via and Contact: an IP address (IPv6 without brackets) or a name (the
    /// `<random>.invalid` name of RFC 7118 for WebSocket).
    pub host: String,
    /// Port; `None` leaves it out (WebSocket).
    pub port: Option<u16>,
}

impl LocalBinding {
    /// A binding on a socket address.
    #[must_use]
    pub fn new(transport: TransportKind, addr: SocketAddr) -> Self {
        Self {
            transport,
            host: addr.ip().to_string(),
            port: Some(addr.port()),
        }
    }

    /// A WebSocket binding with the `<label>.invalid` host of RFC 7118 §5.2 (`label` should be
    /// random, e.g. 12 alphanumerics).
    #[must_use]
    pub fn websocket(secure: bool, label: &str) -> Self {
        Self {
            transport: if secure {
                TransportKind::Wss
            } else {
                TransportKind::Ws
            },
            host: format!("{label}.invalid"),
            port: None,
        }
    }

    /// `host[:port]` with brackets around an IPv6 address.
    #[must_use]
    pub fn host_port(&self) -> String {
        host_port(&self.host, self.port)
    }
}

/// `host[:port]`, bracketing IPv6 literals.
pub(crate) fn host_port(host: &str, port: Option<u16>) -> String {
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    match port {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

/// A transport failure the driver reports with [`crate::ua::Endpoint::handle_transport_error`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// A connection could not be opened.
    #[error("connection failed: {0}")]
    ConnectFailed(String),
    /// An open connection was closed or reset.
    #[error("connection closed")]
    ConnectionClosed,
    /// The network said the destination cannot be reached (ICMP, no route).
    #[error("destination unreachable")]
    Unreachable,
    /// Anything else the driver wants to report.
    #[error("{0}")]
    Other(String),
}
