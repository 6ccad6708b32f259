//! The protocol layer of a SIP user agent, sans-IO: transactions (RFC 3261 §17, RFC 6026),
//! dialogs, calls (INVITE, CANCEL, BYE, re-INVITE/UPDATE, INFO DTMF, REFER with NOTIFY,
//! RFC 4028 session timers), registration (with RFC 5626 keep-alives and NAT learning) and
//! digest authentication (RFC 7616, RFC 8760). No sockets, no clock, no async runtime: the
//! [`Endpoint`] is fed bytes, instants and commands, and hands back bytes to send, events and
//! its next deadline.
//!
//! # Run-loop contract
//!
//! The driver owns the sockets and the clock. After **every** input — [`Endpoint::handle_input`],
//! [`Endpoint::handle_timeout`], [`Endpoint::handle_transport_error`], or a command such as
//! [`Endpoint::invite`] or [`Endpoint::answer`] — it must:
//!
//! 1. drain [`Endpoint::poll_transmit`] until `None`, sending each [`Transmit`] (over its
//!    `flow` when one is named, else to `destination` over `transport`, opening a
//!    connection if needed);
//! 2. drain [`Endpoint::poll_event`] until `None`;
//! 3. sleep until [`Endpoint::poll_timeout`] (call [`Endpoint::handle_timeout`] then) or the
//!    next input, whichever comes first.
//!
//! Time only moves through the `now` arguments, so a test drives an endpoint with a virtual
//! clock and gets the same bytes every run (give [`EndpointConfig::seed`]).
//!
//! Inputs are one datagram (UDP, a WebSocket message) or one message framed by
//! [`crate::StreamFramer`] on TCP/TLS; CRLF keep-alives are passed too (`\r\n\r\n` is
//! answered with a `\r\n` pong; a `\r\n` pong confirms the flow). The driver declares how
//! the endpoint names itself on each transport with [`Endpoint::add_binding`]
//! ([`LocalBinding`]: address and port, or the `<random>.invalid` host of RFC 7118 for
//! WebSocket); Via sent-by and Contact come from it, or from the public address learned from
//! `received`/`rport` when an account registers through a NAT.
//!
//! ```
//! use std::time::Instant;
//! use yeastar_sip::ua::{
//!     AccountConfig, Endpoint, EndpointConfig, Event, LocalBinding, Remote, TransportKind,
//! };
//!
//! let mut ua = Endpoint::new(EndpointConfig::default());
//! ua.add_binding(LocalBinding::new(TransportKind::Udp, "192.0.2.7:5060".parse()?));
//! let pbx = Remote::udp("192.0.2.10:5060".parse()?);
//! let now = Instant::now();
//! let account = ua.add_account(AccountConfig::new("1001", "pbx.example.com", "secret", pbx), now)?;
//! let register = ua.poll_transmit().expect("a REGISTER");
//! assert_eq!(register.destination, pbx.addr);
//! assert!(register.bytes.starts_with(b"REGISTER sip:pbx.example.com SIP/2.0\r\n"));
//! assert!(ua.poll_timeout().is_some(), "timer E runs over UDP");
//! // ... send it, feed the registrar's answers to `ua.handle_input(bytes, pbx, now)` ...
//! # let _ = (account, Event::Notify { event: String::new(), body: Default::default() });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every table is bounded ([`EndpointLimits`]): transactions, calls, accounts, queued events
//! and transmits; excess requests are answered 503, excess commands fail with [`UaError`].

mod call;
mod config;
pub(crate) mod dialog;
pub mod digest;
mod endpoint;
mod event;
mod outbox;
mod registration;
mod request;
mod sharded;
pub mod timers;
mod tracked;
pub mod transaction;
pub mod transport;

pub use call::InviteRequest;
pub use config::{
    AccountConfig, DEFAULT_MAX_ACCOUNTS, DEFAULT_MAX_CALLS, DEFAULT_MAX_QUEUED_EVENTS,
    DEFAULT_MIN_SE, DEFAULT_REGISTER_EXPIRES, DEFAULT_SESSION_EXPIRES, DEFAULT_STREAM_KEEPALIVE,
    DEFAULT_UDP_KEEPALIVE, EndpointConfig, EndpointLimits, MAX_AUTH_ATTEMPTS, MAX_BODY_LEN,
    MAX_EARLY_DIALOGS, Outbound, PONG_TIMEOUT, REGISTER_REFRESH_MARGIN, REGISTER_RETRY_BASE,
    REGISTER_RETRY_MAX, SessionTimerConfig,
};
pub use dialog::DialogState;
pub use endpoint::Endpoint;
pub use event::{
    AccountHandle, CallHandle, CallProgress, EndReason, Event, IncomingCall, RegistrationError,
    RegistrationEvent, TransferProgress, UaError,
};
pub use outbox::MAX_QUEUED_TRANSMITS;
pub use registration::refresh_delay;
pub use timers::Timers;
pub use transaction::{ClientState, DEFAULT_MAX_TRANSACTIONS, ServerState};
pub use transport::{FlowId, LocalBinding, Remote, Transmit, TransportError, TransportKind};
