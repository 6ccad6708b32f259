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

/// Receive buffer asked for on the UDP socket: 2 MiB, about 3 000 INVITEs, so that a burst
/// arriving while the task is descheduled for tens of milliseconds is not dropped by the kernel
/// (the system caps it at `net.core.rmem_max`).
pub const UDP_RECV_BUFFER: usize = 2 * 1024 * 1024;

/// The UDP transport: a bound socket.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
}

impl UdpTransport {
    /// Binds `addr` (port 0 picks a free port) with a [`UDP_RECV_BUFFER`] receive buffer.
    pub async fn bind(addr: SocketAddr) -> io::Result<UdpTransport> {
        UdpTransport::bind_with_buffer(addr, UDP_RECV_BUFFER)
    }

    /// Binds `addr` with a receive buffer of `recv_buffer` bytes (capped by the system).
    pub fn bind_with_buffer(addr: SocketAddr, recv_buffer: usize) -> io::Result<UdpTransport> {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(addr),
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )?;
        if addr.is_ipv6() {
            socket.set_only_v6(true)?;
        }
        // Best effort: a smaller buffer still works.
        let _ = socket.set_recv_buffer_size(recv_buffer);
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        let socket = UdpSocket::from_std(socket.into())?;
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

/// Datagrams read, or commands handled, in one go before the task looks at the other side.
const BATCH: usize = 64;

async fn run(socket: UdpSocket, mut channels: TransportChannels) {
    let mut buf = vec![0u8; MAX_DATAGRAM_LEN];
    loop {
        tokio::select! {
            // Sends first: a response waiting behind a burst of requests would be retransmitted.
            biased;
            command = channels.commands.recv() => {
                let Some(mut command) = command else { return };
                for _ in 0..BATCH {
                    match command {
                        TransportCommand::Send(transmit) => {
                            if let Err(event) = send(&socket, transmit).await
                                && channels.events.send(event).await.is_err()
                            {
                                return;
                            }
                        }
                        TransportCommand::Close(_) => {}
                        TransportCommand::Shutdown => return,
                    }
                    match channels.commands.try_recv() {
                        Ok(next) => command = next,
                        Err(_) => break,
                    }
                }
            }
            readable = socket.readable() => {
                if readable.is_err() {
                    continue;
                }
                for _ in 0..BATCH {
                    let (len, from) = match socket.try_recv_from(&mut buf) {
                        Ok(received) => received,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        // ICMP errors of earlier sends surface here on some systems; they name no
                        // destination, so there is nothing to report to the core.
                        Err(e) => {
                            tracing::debug!(error = %e, "udp receive error");
                            continue;
                        }
                    };
                    let event = TransportEvent::Received {
                        bytes: Bytes::copy_from_slice(buf.get(..len).unwrap_or_default()),
                        from: Remote::udp(from),
                    };
                    if channels.events.send(event).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// Sends one datagram; the event to report when it failed.
async fn send(socket: &UdpSocket, transmit: crate::ua::Transmit) -> Result<(), TransportEvent> {
    let result = match socket.try_send_to(&transmit.bytes, transmit.destination) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            socket.send_to(&transmit.bytes, transmit.destination).await
        }
        other => other,
    };
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let error = if matches!(
                e.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::NetworkUnreachable
                    | io::ErrorKind::HostUnreachable
            ) {
                TransportError::Unreachable
            } else {
                TransportError::Other(e.to_string())
            };
            Err(TransportEvent::SendFailed {
                remote: transmit.remote(),
                error,
            })
        }
    }
}
