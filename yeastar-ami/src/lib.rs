//! The Asterisk Manager Interface (AMI) of Yeastar and Asterisk PBXes.
//!
//! ```
//! use bytes::BytesMut;
//! use yeastar_ami::{Decoder, Event, FrameKind};
//!
//! let mut buf = BytesMut::from(&b"Asterisk Call Manager/1.1\r\nEvent: Hangup\r\nChannel: SIP/1002-00000001\r\nUniqueid: 1764189223.2\r\nCause: 16\r\nCause-txt: Normal Clearing\r\n\r\n"[..]);
//! let mut decoder = Decoder::default();
//! let banner = decoder.decode(&mut buf)?.expect("banner");
//! assert_eq!(banner.message().banner().unwrap().version, "1.1");
//! let frame = decoder.decode(&mut buf)?.expect("event");
//! assert_eq!(frame.kind(), FrameKind::Event);
//! let Event::Hangup(hangup) = Event::parse(&frame.message()) else { panic!() };
//! assert_eq!((hangup.channel, hangup.cause), ("SIP/1002-00000001", Some(16)));
//! # Ok::<(), yeastar_ami::FrameError>(())
//! ```
//!
//! # Layers
//!
//! Each layer is usable alone and depends only on the ones above it:
//!
//! | layer | module | I/O | what |
//! |---|---|---|---|
//! | wire format | [`wire`], typed [`Event`]s, [`actions`] | none | the [`Decoder`] (bytes in, [`Frame`]s out; zero-copy, bounded by [`Limits`]), the borrowed [`Message`] view, the [`Action`] encoder, serde over both ([`from_message`], [`to_action`]) |
//! | session | [`session`] | none | [`AmiSession`](session::AmiSession): login (MD5 challenge), ActionID correlation, event lists, async `Originate`, keepalive |
//! | call model | [`tracker`] | none | [`CallTracker`](tracker::CallTracker): channel events of both dialects → the calls, extension states and history records of [`calls`] (`yeastar-calls`) |
//! | monitor | [`monitor`] | none | [`AmiMonitor`](monitor::AmiMonitor): one connection's whole protocol logic — session, call model, the sync read at every login, reconnect backoff |
//! | driver | `client` (feature `client`) | tokio | `AmiClient`: TCP/TLS sockets and timers for a monitor, a bounded event queue |
//! | simulator | `sim` (feature `sim`) | tokio | `PbxModel` (sans-IO) and `PbxSimulator`: an embedded Asterisk 22 / 1.8 for tests and demos |
//!
//! # Run-loop contract
//!
//! Every sans-IO core here follows the same loop: after each input (`handle_input`,
//! `handle_timeout`, `send`, …) drain its outputs (`poll_transmit`, then `poll_command` for the
//! monitor, then `poll_event`), and sleep until `poll_timeout` or the next input. Time is
//! always an input (`Instant`), so tests drive a monitor and the simulated PBX on one virtual
//! clock; wall-clock times users see come from one [`WallClock`](calls::WallClock) anchor.
//!
//! Both dialects parse: modern Asterisk (13+, `DialBegin`, `BridgeEnter`, `Output:` lines) and
//! legacy AMI 1.1 (Asterisk 1.8, Yeastar S-series: `Dial` with `SubEvent`, `Bridge`/`Unlink`,
//! `Join`/`Leave`, `Response: Follows` … `--END COMMAND--`).

pub mod actions;
#[cfg(feature = "client")]
pub mod client;
mod events;
pub mod monitor;
mod serde_de;
mod serde_ser;
pub mod session;
#[cfg(feature = "sim")]
pub mod sim;
pub mod tracker;
mod typed;
pub mod wire;

pub use events::*;
pub use serde_de::{DeError, MessageDeserializer, from_message};
pub use serde_ser::{AmiAction, to_action};
pub use wire::{
    Action, ActionIdGenerator, AmiCodec, Banner, Decoder, EncodeError, Frame, FrameError,
    FrameErrorKind, FrameKind, Limits, Message, parse_message,
};
/// The call model the tracker fills: calls, call events, extension states, history.
pub use yeastar_calls as calls;
