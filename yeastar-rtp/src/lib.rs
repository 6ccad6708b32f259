//! RTP media for Yeastar PBX clients: G.711, RTP/RTCP, RFC 4733 DTMF, an
//! adaptive jitter buffer, call recording and IVR prompts.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use yeastar_rtp::{G711Law, G711Packetizer, JitterBuffer, JitterConfig, Playout, Ptime};
//!
//! let mut packetizer = G711Packetizer::new(G711Law::ALaw, Ptime::Ms20, 0x1234, 1, 0);
//! let mut buffer = JitterBuffer::new(JitterConfig::default());
//! let start = Instant::now();
//! buffer.push(&packetizer.packetize(&[0i16; 160])?, start)?;
//! let Playout::Frame(frame) = buffer.pop(start + Duration::from_millis(20)) else { panic!() };
//! let mut pcm = Vec::new();
//! G711Law::ALaw.decode(&frame.payload, &mut pcm);
//! assert_eq!(pcm.len(), 160);
//! # Ok::<(), yeastar_rtp::Error>(())
//! ```
//!
//! # Layout
//!
//! Wire formats first, then sans-IO state, then the tokio driver:
//!
//! | module | what | I/O |
//! |---|---|---|
//! | [`g711`] | μ-law/A-law, bit-exact with ITU-T G.191 | none |
//! | [`packetizer`] | RTP parse/marshal on the `rtp` crate, G.711 packetizer | none |
//! | [`rtcp`] | SR, RR, SDES, BYE compound packets | none |
//! | [`stats`] | RFC 3550 reception statistics, RTT | none (takes `Instant`s) |
//! | [`dtmf`] | RFC 4733 send/receive, Goertzel detector | none (takes `Instant`s) |
//! | [`jitter`] | adaptive jitter buffer | none (takes `Instant`s) |
//! | [`collector`] | IVR digit collection with timeouts | none (takes `Instant`s) |
//! | [`trace`] | network traces and the jitter buffer score | none |
//! | [`recording`], [`playback`] | WAV out and in (hound) | files |
//! | [`session`] | one call leg: sockets, timers, pacing | tokio |
//!
//! # Run-loop contract of the sans-IO parts
//!
//! None of the cores reads a clock or touches a socket; time is always an
//! argument. A driver (such as [`session`]) must:
//!
//! 1. call [`JitterBuffer::push`] with each RTP packet and the `Instant` it
//!    arrived, as soon as it arrives;
//! 2. call [`JitterBuffer::pop`] exactly once per ptime from one steady clock
//!    and play what it returns: a frame, concealment for `Missing`, silence
//!    for `Empty`;
//! 3. call `handle_timeout(now)` on [`dtmf::DtmfReceiver`] and
//!    [`collector::DigitCollector`] no later than their `poll_timeout()`,
//!    and drain `poll_event()`/`poll_digit()` after every input, since their
//!    queues are bounded and drop the oldest entry when full;
//! 4. send the RFC 4733 packets of a [`dtmf::EventBurst`] one per ptime,
//!    then skip the audio timestamp by the ticks the event took.
//!
//! # Limits
//!
//! Every buffer is bounded by a named constant: [`jitter::DEFAULT_CAPACITY`]
//! and [`jitter::MAX_CAPACITY`] packets, [`packetizer::MAX_RTP_DATAGRAM`],
//! [`rtcp::MAX_COMPOUND_PACKETS`], [`dtmf::MAX_PENDING_EVENTS`],
//! [`recording::MAX_CHANNEL_SKEW_SAMPLES`], [`playback::MAX_PROMPT_SECONDS`],
//! [`collector::MAX_COLLECTED_DIGITS`], [`session::MAX_QUEUED_FRAMES`] and
//! [`session::EVENT_QUEUE`]. Bad input yields an [`Error`], never a panic.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod collector;
pub mod dtmf;
pub mod error;
pub mod g711;
pub mod jitter;
pub mod packetizer;
pub mod playback;
pub mod recording;
pub mod rtcp;
pub mod session;
pub mod stats;
pub mod trace;

pub use error::Error;
pub use g711::G711Law;
pub use jitter::{Frame, JitterBuffer, JitterConfig, JitterMode, Playout};
pub use packetizer::{G711Packetizer, Ptime};
