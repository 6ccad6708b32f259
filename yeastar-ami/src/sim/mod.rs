//! The embedded PBX simulator: in-process AMI servers for tests, demos and replays.
//!
//! - [`PbxSimulator`]: an AMI server on 127.0.0.1 that speaks the modern (Asterisk 22, PJSIP) or
//!   the legacy (Asterisk 1.8, AMI 1.1, chan_sip) dialect, with byte sequences modelled on real
//!   captures: plain and MD5 login, `Ping`, `Events`, `Originate` (async and sync), `Hangup`,
//!   `Redirect`, `CoreShowChannels`, `Status`, `ExtensionState(List)`,
//!   `PJSIPShowEndpoints`/`SIPpeers`, `Command`; it plays scripted calls ([`CallScript`]) with the
//!   event sequences of real calls, keeps a registration table, and can drop every connection
//!   while keeping its state (to test reconnect and resync).
//! - [`PbxModel`]: the PBX itself, sans-IO (actions and time in, frames out); the server only
//!   moves bytes.
//! - [`replay`]: [`ReplayServer`] serves a recorded session ([`Capture`]) back with the recorded
//!   chunking, checking the client sends the recorded actions.

mod config;
mod frame;
pub mod generate;
mod model;
pub mod replay;
mod script;
mod server;

pub use config::{
    DEFAULT_MAX_CHANNELS, DEFAULT_MAX_FINISHED_CALLS, DEFAULT_MAX_QUEUED_FRAMES,
    DEFAULT_MAX_SESSIONS, Dialect, DialplanApp, SimConfig,
};
pub use model::{
    CallId, CallOutcome, FinishedCall, LegHangup, LiveChannel, MAX_HELD_EVENTS, MAX_SESSION_INPUT,
    MAX_TIMERS, Output, PbxModel, SessionId, SimError, TransferKind, TransferRecord,
};
pub use replay::{
    ActionMismatch, Capture, CaptureDirection, ReplayError, ReplayOptions, ReplayReport,
    ReplayServer, TimelineRow,
};
pub use script::{CallScript, CallStep, Party};
pub use server::PbxSimulator;
