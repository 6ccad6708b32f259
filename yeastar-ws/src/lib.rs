//! SIP over WebSocket (RFC 7118) for Yeastar and Asterisk PBXes: a client transport for
//! `ws://` and `wss://` and an acceptor, both [`Transport`]s of the `yeastar-sip` driver, so
//! an [`Endpoint`](yeastar_sip::ua::Endpoint) registers and calls over WebSocket as over UDP.
//!
//! ```
//! use std::time::Duration;
//! use yeastar_sip::driver::Transport;
//! use yeastar_sip::ua::TransportKind;
//! use yeastar_ws::{ClientConfig, KeepaliveConfig, WsClient};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let config = ClientConfig::new("ws://192.0.2.10:8088/ws")
//!     .with_origin("https://phone.example.com")
//!     .with_keepalive(KeepaliveConfig::every(Duration::from_secs(25), Duration::from_secs(10)));
//! let client = WsClient::new(config).await?;
//! assert_eq!(client.kind(), TransportKind::Ws);
//! // Via: SIP/2.0/WS <random>.invalid, Contact: <sip:user@<random>.invalid;transport=ws>
//! let binding = client.local_binding();
//! assert!(binding.host.ends_with(".invalid") && binding.port.is_none());
//! // The account's proxy: `AccountConfig::new(user, domain, password, client.remote())`;
//! // then `yeastar_sip::driver::transport::start(Box::new(client), events, flows)`.
//! assert_eq!(client.remote().addr, "192.0.2.10:8088".parse()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layers
//!
//! | layer | module | what |
//! |---|---|---|
//! | wire format | [`frame`] | one SIP message per WebSocket message (text, or binary when not UTF-8), CRLF keep-alives, the `sip` subprotocol token; sans-IO |
//! | protocol state | [`supervise`] | [`Keepalive`] (ping or CRLF when idle, dead flow after the pong timeout) and [`Reconnect`] (backoff with jitter, recovery); sans-IO, fed instants |
//! | driver | `conn`, [`client`], [`acceptor`] | tokio tasks on tokio-tungstenite: the handshake, moving messages, timers |
//! | public API | [`WsClient`], [`WsAcceptor`], [`WsStatus`] | transports for `yeastar_sip::driver::transport::start` |
//!
//! # What the transport does
//!
//! - The handshake offers `Sec-WebSocket-Protocol: sip` and insists on it: a server that
//!   answers without exactly `sip` fails with [`WsError::SubprotocolRefused`].
//! - Each WebSocket message is one SIP message, checked by [`frame::decode`] (at most the
//!   SIP stream limit, 1 MiB; tungstenite refuses larger ones while they arrive, and the
//!   connection closes with 1009 and [`WsError::MessageTooLarge`]).
//! - The Via host is `<random>.invalid` with transport `WS`/`WSS`, the Contact carries
//!   `;transport=ws|wss` ([`LocalBinding::websocket`](yeastar_sip::ua::LocalBinding::websocket));
//!   RFC 5626 outbound (`+sip.instance`, `reg-id`, `;ob`) is the core's
//!   [`Outbound`](yeastar_sip::ua::Outbound) on the account.
//! - Keep-alives: a WebSocket ping (or `\r\n\r\n`) after 25 s without traffic, the flow
//!   closed when nothing answers within 10 s.
//! - Recovery: a lost connection is reported as `FlowClosed` with an error, then reopened
//!   with backoff (1 s doubling up to 60 s, 50–100 % jitter) and reported as `FlowOpened`
//!   with a new flow id; [`WsStatus`] tells a service `Connected`, `Disconnected`,
//!   `Recovered`. The driver re-registers the accounts of the transport on `Recovered`
//!   (call [`Endpoint::register`](yeastar_sip::ua::Endpoint::register)); the core itself
//!   retries a failed registration after its own backoff.
//! - Credentials: over WebSocket a Yeastar account may have its own password (the fifth
//!   `SIP_USERS` field); give `SipUser::password_for(transport)` of `yeastar-core` to the
//!   account:
//!
//! ```
//! # use yeastar_core::config::{SipTransport, SipUser};
//! let user = SipUser::parse("1004:1004pass:1004:Front desk:1004wspass")?;
//! assert_eq!(user.password_for(SipTransport::Wss).expose(), "1004wspass");
//! assert_eq!(user.password_for(SipTransport::Udp).expose(), "1004pass");
//! // AccountConfig::new(&user.extension, domain, user.password_for(SipTransport::Wss).expose(),
//! //                    client.remote())
//! # Ok::<(), String>(())
//! ```
//!
//! [`Transport`]: yeastar_sip::driver::Transport

pub mod acceptor;
pub mod client;
mod conn;
mod error;
pub mod frame;
pub mod supervise;
pub mod tls;

pub use acceptor::{AcceptorConfig, WsAcceptor};
pub use client::{ClientConfig, WsClient, WsStatus};
pub use conn::CONNECTION_QUEUE;
pub use error::WsError;
pub use frame::{FrameError, FrameLimits, SIP_SUBPROTOCOL};
pub use supervise::{Keepalive, KeepaliveConfig, KeepaliveMechanism, Reconnect, ReconnectConfig};
pub use tls::TlsOptions;
