//! The embedded PBX simulator: in-process AMI servers for tests, demos and replays.
//!
//! - [`replay`]: [`ReplayServer`] serves a recorded session ([`Capture`]) back with the recorded
//!   chunking, checking the client sends the recorded actions.

pub mod replay;

pub use replay::{
    ActionMismatch, Capture, Direction, ReplayError, ReplayOptions, ReplayReport, ReplayServer,
    TimelineRow,
};
