//! SIP over UDP: one socket, one datagram per message. Requests carry `;rport` (the core adds
//! it) and everything leaves from the bound socket, so responses and requests are symmetric:
//! a peer's responses come back to the port we sent from, and our responses go to the
//! datagram's source (RFC 3581).

use std::io;
use std::net::SocketAddr;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::transport::{Transport, TransportChannels, TransportCommand, TransportEvent};
use crate::MAX_DATAGRAM_LEN;
use crate::ua::{LocalBinding, Remote, TransportError, TransportKind};

/// The UDP transport: a bound socket.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
}

impl UdpTransport {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr) -> io::Result<UdpTransport> {
        let socket = UdpSocket::bind(addr).await?;
        let local = socket.local_addr()?;
        Ok(UdpTransport { socket, local })
    }

    /// The bound address.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Transport for UdpTransport {
    fn kind(&self) -> TransportKind {
        TransportKind::Udp
    }

    fn local_binding(&self) -> LocalBinding {
        LocalBinding::new(TransportKind::Udp, self.local)
    }

    fn spawn(self: Box<Self>, channels: TransportChannels) -> JoinHandle<()> {
        tokio::spawn(run(self.socket, channels))
    }
}

async fn run(socket: UdpSocket, mut channels: TransportChannels) {
    let mut buf = vec![0u8; MAX_DATAGRAM_LEN];
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let event = match received {
                    Ok((len, from)) => TransportEvent::Received {
                        bytes: Bytes::copy_from_slice(buf.get(..len).unwrap_or_default()),
                        from: Remote::udp(from),
                    },
                    // ICMP errors of earlier sends surface here on some systems; they name no
                    // destination, so there is nothing to report to the core.
                    Err(e) => {
                        tracing::debug!(error = %e, "udp receive error");
                        continue;
                    }
                };
                if channels.events.send(event).await.is_err() {
                    return;
                }
            }
            command = channels.commands.recv() => match command {
                Some(TransportCommand::Send(transmit)) => {
                    if let Err(e) = socket.send_to(&transmit.bytes, transmit.destination).await {
                        let error = if e.kind() == io::ErrorKind::ConnectionRefused
                            || e.kind() == io::ErrorKind::NetworkUnreachable
                            || e.kind() == io::ErrorKind::HostUnreachable
                        {
                            TransportError::Unreachable
                        } else {
                            TransportError::Other(e.to_string())
                        };
                        let event = TransportEvent::SendFailed { remote: transmit.remote(), error };
                        if channels.events.send(event).await.is_err() {
                            return;
                        }
                    }
                }
                Some(TransportCommand::Close(_)) => {}
                Some(TransportCommand::Shutdown) | None => return,
            },
        }
    }
}
