//! The errors of this crate: one enum, every variant a distinct cause a service can act on.

use std::path::PathBuf;

use yeastar_sip::ua::TransportError;

/// Why a WebSocket connection could not be opened, or ended, or a message was refused.
///
/// `Clone` so that the status events a service watches ([`crate::WsStatus`]) can carry it;
/// I/O errors are kept as their kind and text.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WsError {
    /// The URL is not a `ws://` or `wss://` URL with a host.
    #[error("invalid WebSocket URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An extra handshake header (or `Origin`) has a name or value HTTP does not allow.
    #[error("invalid handshake header {name:?}")]
    InvalidHeader {
        /// The header name.
        name: String,
    },
    /// The host name did not resolve to any address.
    #[error("cannot resolve {host}: {detail}")]
    Resolve {
        /// Host and port.
        host: String,
        /// The resolver's answer.
        detail: String,
    },
    /// The TCP connection, the TLS handshake or the WebSocket handshake took longer than
    /// [`crate::ClientConfig::connect_timeout`].
    #[error("connecting timed out")]
    ConnectTimeout,
    /// A socket operation failed.
    #[error("I/O error ({kind:?}): {detail}")]
    Io {
        /// The error kind.
        kind: std::io::ErrorKind,
        /// Its text.
        detail: String,
    },
    /// The CA file cannot be read.
    #[error("cannot read CA file {path}: {detail}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        detail: String,
    },
    /// A PEM file holds no certificate (or key) rustls accepts.
    #[error("bad PEM in {path}: {detail}")]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The TLS server name (SNI and the name the certificate must carry) is not valid.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// rustls refused the configuration or the handshake (an unknown CA, a name mismatch,
    /// an expired certificate, no common protocol version).
    #[error("TLS: {0}")]
    Tls(String),
    /// The server answered the upgrade with another HTTP status than 101 (and did not say
    /// it was for the subprotocol).
    #[error("WebSocket handshake refused with HTTP {status}")]
    HandshakeRejected {
        /// The HTTP status.
        status: u16,
    },
    /// The server does not speak SIP over WebSocket: it answered without agreeing to the
    /// `sip` subprotocol (RFC 7118 §4): a 101 without `Sec-WebSocket-Protocol: sip`, or a
    /// refusal naming only other subprotocols (Kamailio: `400` with
    /// `Sec-WebSocket-Protocol: msrp`).
    #[error("server refused the sip subprotocol (HTTP {status}, it offers {offered:?})")]
    SubprotocolRefused {
        /// The HTTP status of the answer (101 when the upgrade went through without `sip`).
        status: u16,
        /// The `Sec-WebSocket-Protocol` value it sent, if any.
        offered: Option<String>,
    },
    /// The WebSocket handshake or framing was malformed (a bad accept key, a missing
    /// upgrade header, a protocol violation after the upgrade).
    #[error("WebSocket protocol error: {0}")]
    Protocol(String),
    /// A WebSocket message was larger than the SIP stream limit
    /// ([`yeastar_sip::Limits::max_stream_message_len`], 1 MiB by default); the
    /// connection is closed with status 1009 when it was received.
    #[error("WebSocket message of {size} bytes is larger than the limit of {limit}")]
    MessageTooLarge {
        /// The size (at least this many bytes).
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A received WebSocket message does not hold a SIP message (see
    /// [`crate::frame::FrameError`]); the message is dropped, the connection stays.
    #[error("not a SIP message: {0}")]
    NotSip(#[from] crate::frame::FrameError),
    /// No pong (nor anything else) came back within the keep-alive timeout: the flow is
    /// dead and was closed.
    #[error("no answer to the keep-alive within {timeout_ms} ms: flow closed")]
    DeadFlow {
        /// The timeout, in milliseconds.
        timeout_ms: u64,
    },
    /// Writing a message took longer than [`crate::KeepaliveConfig::write_timeout`]: the
    /// peer does not read.
    #[error("write timed out")]
    WriteTimeout,
    /// The peer closed the connection (a close frame with this code, or EOF).
    #[error("closed by the peer (code {code:?})")]
    ClosedByPeer {
        /// The close code, if a close frame came.
        code: Option<u16>,
    },
    /// The connection's outgoing queue is full (the peer reads slower than we send).
    #[error("outgoing queue full")]
    QueueFull,
    /// There is no open connection to send on (the transport is waiting to reconnect, or the
    /// acceptor has no connection from that address).
    #[error("no open WebSocket connection for this message")]
    NoConnection,
    /// The transport was shut down.
    #[error("transport shut down")]
    Shutdown,
}

impl WsError {
    pub(crate) fn io(e: &std::io::Error) -> WsError {
        WsError::Io {
            kind: e.kind(),
            detail: e.to_string(),
        }
    }

    /// The error as the UA core's [`TransportError`]: opening failures become
    /// `ConnectFailed`, the loss of an open connection `ConnectionClosed`, the rest `Other`.
    #[must_use]
    pub fn to_transport_error(&self) -> TransportError {
        match self {
            WsError::InvalidUrl { .. }
            | WsError::InvalidHeader { .. }
            | WsError::Resolve { .. }
            | WsError::ConnectTimeout
            | WsError::CaFile { .. }
            | WsError::BadPem { .. }
            | WsError::ServerName(_)
            | WsError::Tls(_)
            | WsError::HandshakeRejected { .. }
            | WsError::SubprotocolRefused { .. } => TransportError::ConnectFailed(self.to_string()),
            WsError::ClosedByPeer { .. } | WsError::DeadFlow { .. } | WsError::Shutdown => {
                TransportError::ConnectionClosed
            }
            _ => TransportError::Other(self.to_string()),
        }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for WsError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> WsError {
        use tokio_tungstenite::tungstenite::Error as E;
        use tokio_tungstenite::tungstenite::error::{
            CapacityError, ProtocolError, SubProtocolError,
        };
        match e {
            E::Io(io) => WsError::io(&io),
            E::Tls(t) => WsError::Tls(t.to_string()),
            E::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                WsError::MessageTooLarge {
                    size,
                    limit: max_size,
                }
            }
            E::Protocol(ProtocolError::SecWebSocketSubProtocolError(sub)) => {
                WsError::SubprotocolRefused {
                    status: 101,
                    offered: match sub {
                        SubProtocolError::NoSubProtocol => None,
                        _ => Some("(another)".to_owned()),
                    },
                }
            }
            E::Http(response) => {
                let status = response.status().as_u16();
                let offered = response
                    .headers()
                    .get("Sec-WebSocket-Protocol")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match offered {
                    Some(list) if !crate::frame::offers_sip(&list) => WsError::SubprotocolRefused {
                        status,
                        offered: Some(list),
                    },
                    _ => WsError::HandshakeRejected { status },
                }
            }
            E::ConnectionClosed
            | E::AlreadyClosed
            | E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
                WsError::ClosedByPeer { code: None }
            }
            other => WsError::Protocol(other.to_string()),
        }
    }
}
