//! RTP media for Yeastar PBX clients.
//!
//! ```
//! use yeastar_rtp::G711Law;
//!
//! let mut codes = Vec::new();
//! G711Law::ALaw.encode(&[0, 1000, -1000], &mut codes);
//! let mut pcm = Vec::new();
//! G711Law::ALaw.decode(&codes, &mut pcm);
//! assert_eq!(pcm, [8, 1008, -1008]);
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod dtmf;
pub mod error;
pub mod g711;
pub mod packetizer;
pub mod rtcp;
pub mod stats;

pub use error::Error;
pub use g711::G711Law;
pub use packetizer::{G711Packetizer, Ptime};
