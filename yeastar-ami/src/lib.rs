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
//! Layers, each usable alone:
//! - [`wire`]: the sans-IO [`Decoder`] (bytes in, [`Frame`]s out; zero-copy, bounded by
//!   [`Limits`]), the borrowed [`Message`] view, the [`Action`] encoder and a `tokio_util` codec.
//! - typed [`Event`]s and actions ([`actions`]) over serde: [`from_message`] and [`to_action`].
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
