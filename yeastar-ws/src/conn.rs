//! One open WebSocket connection: the task that moves SIP messages between it and the
//! driver, and runs its [`Keepalive`]. Shared by the client and the acceptor.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use yeastar_sip::driver::TransportEvent;
use yeastar_sip::ua::{FlowId, Remote};

use crate::error::WsError;
use crate::frame::{self, FrameLimits, Inbound};
use crate::supervise::{Keepalive, KeepaliveAction, KeepaliveConfig};

/// Messages waiting to be written on one connection: 256. A fuller queue means the peer
/// reads slower than the UA sends; the send fails rather than buffering without bound.
pub const CONNECTION_QUEUE: usize = 256;

/// Any byte stream a WebSocket runs on (TCP, TLS over TCP).
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// What the transport's main task asks of a connection task.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// One SIP message (or CRLF keep-alive) to send.
    Send(Bytes),
    /// Close with a normal close frame.
    Close,
}

/// The current instant, from tokio's clock (virtual under a paused test runtime).
pub(crate) fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

pub(crate) struct Connection {
    pub(crate) flow: FlowId,
    pub(crate) remote: Remote,
    pub(crate) keepalive: KeepaliveConfig,
    pub(crate) limits: FrameLimits,
    pub(crate) events: mpsc::Sender<TransportEvent>,
}

/// How the connection ended: `None` for a close we asked for.
pub(crate) type Ended = Option<WsError>;

impl Connection {
    /// Runs until the connection ends; reports every message, then `FlowClosed`.
    pub(crate) async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        self,
        mut ws: WebSocketStream<S>,
        mut outgoing: mpsc::Receiver<Outgoing>,
    ) -> Ended {
        let ended = self.pump(&mut ws, &mut outgoing).await;
        let error = ended.as_ref().map(WsError::to_transport_error);
        if let Some(e) = &ended {
            tracing::debug!(flow = self.flow.0, error = %e, "WebSocket flow ended");
        }
        let _ = self
            .events
            .send(TransportEvent::FlowClosed {
                remote: self.remote,
                error,
            })
            .await;
        ended
    }

    async fn pump<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        ws: &mut WebSocketStream<S>,
        outgoing: &mut mpsc::Receiver<Outgoing>,
    ) -> Ended {
        let mut keepalive = Keepalive::new(self.keepalive, now());
        let write_timeout = self.keepalive.write_timeout;
        loop {
            let deadline = keepalive.poll_timeout();
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                out = outgoing.recv() => match out {
                    Some(Outgoing::Send(bytes)) => {
                        let message = match frame::encode(bytes, &self.limits) {
                            Ok(m) => m,
                            Err(e) => {
                                let error = WsError::from(e);
                                let refused = match error {
                                    WsError::NotSip(frame::FrameError::TooLarge { size, limit }) => {
                                        WsError::MessageTooLarge { size, limit }
                                    }
                                    other => other,
                                };
                                let _ = self.events.send(TransportEvent::SendFailed {
                                    remote: self.remote,
                                    error: refused.to_transport_error(),
                                }).await;
                                continue;
                            }
                        };
                        if let Err(e) = write(ws, message, write_timeout).await {
                            return Some(e);
                        }
                    }
                    Some(Outgoing::Close) | None => {
                        let _ = tokio::time::timeout(write_timeout, ws.close(None)).await;
                        return None;
                    }
                },
                incoming = ws.next() => {
                    let at = now();
                    match incoming {
                        Some(Ok(Message::Text(text))) => {
                            keepalive.on_inbound(at);
                            if !self.deliver(Bytes::from(text)).await {
                                return None;
                            }
                        }
                        Some(Ok(Message::Binary(bytes))) => {
                            keepalive.on_inbound(at);
                            if !self.deliver(bytes).await {
                                return None;
                            }
                        }
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                            // tungstenite queues the pong to a ping and writes it on the next
                            // read or write; flush now so it does not wait.
                            keepalive.on_inbound(at);
                            if let Err(e) = tokio::time::timeout(write_timeout, ws.flush()).await.map_err(|_| WsError::WriteTimeout).and_then(|r| r.map_err(WsError::from)) {
                                return Some(e);
                            }
                        }
                        Some(Ok(Message::Close(frame))) => {
                            // tungstenite answers the close frame; drain until it is done.
                            let code = frame.map(|f| u16::from(f.code));
                            let _ = tokio::time::timeout(write_timeout, ws.flush()).await;
                            return Some(WsError::ClosedByPeer { code });
                        }
                        Some(Err(e)) => {
                            let error = WsError::from(e);
                            if matches!(error, WsError::MessageTooLarge { .. }) {
                                let close = CloseFrame {
                                    code: CloseCode::Size,
                                    reason: "message larger than the SIP limit".into(),
                                };
                                let _ = tokio::time::timeout(write_timeout, ws.close(Some(close))).await;
                            }
                            return Some(error);
                        }
                        None => return Some(WsError::ClosedByPeer { code: None }),
                    }
                }
                () = sleep => {
                    match keepalive.handle_timeout(now()) {
                        Some(KeepaliveAction::SendPing) => {
                            if let Err(e) = write(ws, Message::Ping(Bytes::new()), write_timeout).await {
                                return Some(e);
                            }
                        }
                        Some(KeepaliveAction::SendCrlf) => {
                            let crlf = Message::Text(frame::CRLF_PING_TEXT.into());
                            if let Err(e) = write(ws, crlf, write_timeout).await {
                                return Some(e);
                            }
                        }
                        Some(KeepaliveAction::Dead) => {
                            let _ = tokio::time::timeout(write_timeout, ws.close(None)).await;
                            return Some(WsError::DeadFlow {
                                timeout_ms: u64::try_from(self.keepalive.pong_timeout.as_millis()).unwrap_or(u64::MAX),
                            });
                        }
                        None => {}
                    }
                }
            }
        }
    }

    /// Hands a received message to the driver; false when the driver is gone.
    async fn deliver(&self, payload: Bytes) -> bool {
        let bytes = match frame::decode(payload, &self.limits) {
            Ok(Inbound::Sip(bytes)) => bytes,
            Ok(Inbound::Keepalive(crlf)) => Bytes::from_static(crlf),
            Err(e) => {
                tracing::debug!(flow = self.flow.0, error = %e, "WebSocket message dropped");
                return true;
            }
        };
        self.events
            .send(TransportEvent::Received {
                bytes,
                from: self.remote,
            })
            .await
            .is_ok()
    }
}

async fn write<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    message: Message,
    timeout: std::time::Duration,
) -> Result<(), WsError> {
    match tokio::time::timeout(timeout, ws.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => Err(WsError::WriteTimeout),
    }
}
