//! SIP (RFC 3261) message layer for talking to Yeastar and Asterisk PBXes: a zero-copy
//! parser with lazily typed headers, URIs, a stream framer, in lenient and strict modes.
//!
//! ```
//! use yeastar_sip::Message;
//!
//! let wire = b"INVITE sip:1001@pbx.example.com SIP/2.0\r\n\
//!     v: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK8a;rport\r\n\
//!     f: \"Alice\" <sip:1002@pbx.example.com>;tag=9f\r\nt: <sip:1001@pbx.example.com>\r\n\
//!     i: c1@192.0.2.7\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
//! let msg = Message::parse(wire)?;
//! assert_eq!(msg.method(), Some("INVITE"));
//! let from = msg.from()?.expect("From present");
//! assert_eq!(from.display_name_text().as_deref(), Some("Alice"));
//! assert_eq!(from.tag(), Some("9f"));
//! assert_eq!(msg.top_via()?.and_then(|v| v.branch()), Some("z9hG4bK8a"));
//! # Ok::<(), yeastar_sip::ParseError>(())
//! ```
//!
//! The crate does no I/O (sans-IO): feed datagrams to [`Message::parse`] and stream bytes to
//! [`StreamFramer`]. Parsing indexes the header section once and allocates nothing for
//! messages with up to [`INLINE_HEADERS`] header lines; typed values ([`Via`], [`NameAddr`],
//! [`Challenge`], ...) are parsed when an accessor asks for them and borrow from the input.
//! Every size limit lives in [`Limits`] and is checked before buffering.
//!
//! On top of the message layer, [`ua`] is the protocol layer of a user agent, sans-IO as
//! well: transactions (RFC 3261 §17, RFC 6026), dialogs, calls (CANCEL, re-INVITE, BYE, INFO
//! DTMF, REFER with NOTIFY, RFC 4028 session timers), registration (refresh, 423, NAT
//! learning, RFC 5626 keep-alives) and digest authentication (RFC 7616, RFC 8760), behind
//! one [`ua::Endpoint`] that takes bytes, instants and commands and gives back bytes to
//! send, events and its next deadline. [`offer_answer`] builds and answers G.711 audio SDP.
//!
//! ```
//! use std::time::Instant;
//! use yeastar_sip::ua::{Endpoint, EndpointConfig, InviteRequest, LocalBinding, Remote, TransportKind};
//!
//! let mut ua = Endpoint::new(EndpointConfig::default());
//! ua.add_binding(LocalBinding::new(TransportKind::Udp, "192.0.2.7:5060".parse()?));
//! let peer = Remote::udp("192.0.2.9:5060".parse()?);
//! let now = Instant::now();
//! let call = ua.invite(InviteRequest::new("sip:1002@192.0.2.9").from("sip:1001@192.0.2.7"), now)?;
//! let invite = ua.poll_transmit().expect("the INVITE");
//! assert_eq!(invite.remote(), peer);
//! // Nothing comes back: timer A retransmits at 500 ms.
//! ua.handle_timeout(ua.poll_timeout().expect("timer A"));
//! assert_eq!(ua.poll_transmit().map(|t| t.bytes), Some(invite.bytes));
//! # let _ = call;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With feature `driver`, [`driver`] is the tokio side: UDP, TCP and TLS transports behind one
//! [`driver::Transport`] trait, and a [`driver::UserAgent`] task that runs an endpoint
//! between them: accounts and trunks, calls with per-call updates, SDP offer/answer, RTP
//! media through `yeastar-rtp` (feature `media`), and reports in the `yeastar-calls` model.
//! See the [`driver`] module for an example.

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod builder;
mod chars;
#[cfg(feature = "driver")]
pub mod driver;
mod error;
mod header_name;
mod index;
mod limits;
mod message;
pub mod offer_answer;
mod params;
pub mod sdp;
mod stream;
mod typed;
pub mod ua;
mod uri;

pub use builder::{HeaderEntry, MessageBuilder};
pub use chars::{percent_decode, unescape_quoted};
pub use error::{ErrorKind, ParseError, Result};
pub use header_name::HeaderName;
pub use index::INLINE_HEADERS;
pub use limits::{
    Limits, MAX_DATAGRAM_LEN, MAX_FOLDED_LINES, MAX_HEAD_LEN, MAX_HEADERS, MAX_LINE_LEN,
    MAX_STREAM_MESSAGE_LEN, Mode, ParseOptions,
};
pub use message::{Header, Message, OwnedMessage, StartLine, Values};
pub use params::{Param, ParamIter, Params};
pub use stream::StreamFramer;
pub use typed::{
    Algorithm, AuthParams, CSeq, Challenge, Contact, Credentials, Event, FromValue, MediaType,
    NameAddr, Reason, Replaces, RetryAfter, SessionExpires, SipDate, SubscriptionState, TokenList,
    Via, Warning,
};
pub use uri::{AbsoluteUri, Host, SipUri, TelUri, Uri, UriKind};
