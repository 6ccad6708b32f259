//! RTP media for Yeastar PBX clients.
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
