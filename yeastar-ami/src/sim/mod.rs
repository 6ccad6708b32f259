//! The embedded PBX simulator: in-process AMI servers for tests, demos and replays.
//!
//! - [`PbxSimulator`]: an AMI server on 127.0.0.1 that speaks the modern (Asterisk 22, PJSIP) or
//!   the legacy (Asterisk 1.8, AMI 1.1, chan_sip) dialect, with byte sequences modelled on real
//!   captures: plain and MD5 login, `Ping`, `Events`, `Originate` (async and sync), `Hangup`,
//!   `Redirect`, `CoreShowChannels`, `Status`, `ExtensionState(List)`,
//!   `PJSIPShowEndpoints`/`SIPpeers`, `Command` (`core show version|channels|hints`); it plays
//!   scripted calls ([`CallScript`]) with the event sequences of real calls, keeps a
//!   registration table, and can drop every connection while keeping its state (to test
//!   reconnect and resync).
//! - [`PbxModel`]: the PBX itself, sans-IO (actions and time in, frames out); the server only
//!   moves bytes.
//! - [`replay`]: [`ReplayServer`] serves a recorded session ([`Capture`]) back with the recorded
//!   chunking, checking the client sends the recorded actions.
//! - [`generate`]: seeded random scenarios for property tests.
//!
//! # Call flows
//!
//! Two-party calls (answered, busy, cancelled, no answer, unregistered, applications) follow the
//! recorded captures event for event. The flows below were not recorded; their sequences come
//! from the Asterisk sources, each cited where it is built (`sim/model/transfer.rs`,
//! `queue.rs`, `conference.rs`):
//!
//! | flow | Asterisk 22 | Asterisk 1.8 |
//! |---|---|---|
//! | blind transfer ([`CallStep::BlindTransfer`]) | `BlindTransfer`, bridge dissolves, transferee runs the target; one `Cdr` per leg of the caller, both with the target as `Destination`, posted when the caller goes | `Transfer` (`TransferType: Blind`), `Unlink`, bridge CDR, `Dial` ends, transferee runs the target |
//! | attended transfer ([`CallStep::AttendedTransfer`], [`CallStep::CompleteTransfer`]) | `atxfer`: `Hold`, target bridge, `Local/<target>@<context>-XXXXXXXX;1`/`;2` (every channel on the first channel's `Linkedid`), `LocalOptimizationBegin`/`End`, `AttendedTransfer` (`DestType: Bridge`), merge | second call, REFER with `Replaces`: `Transfer` (`Attended`), `Masquerade`, `Rename` (`<MASQ>`, `<ZOMBIE>`), `Unlink`, hangups |
//! | queue ([`DialplanApp::Queue`], default `5000`) | `QueueCallerJoin`, `MusicOnHoldStart`, `DialBegin` + `AgentCalled` per member, `AgentRingNoAnswer`, `QueueCallerLeave`, `AgentConnect`, bridge, `AgentComplete`; `QueueCallerAbandon` | `Join`, `MusicOnHold`, `AgentCalled`, `AgentRingNoAnswer`, `Leave`, `AgentConnect`, `Bridge`, `AgentComplete` (caller `Hangup` cause 0 when the agent hung up); `QueueCallerAbandon` + `Leave` |
//! | conference ([`DialplanApp::Conference`], default `6000`) | `ConfBridge`: `ConfbridgeStart`/`Join`/`Leave`/`End`, one shared bridge, a `Cdr` per participant | `MeetMe` (the Yeastar S-series rooms): `MeetmeJoin`/`Leave`/`End` |
//! | redirect of a bridged channel (`Redirect` action, [`CallStep::Redirect`]) | `BridgeLeave` ×2, peer hung up, the channel runs the new extension | `Unlink`, bridge CDR, peer hung up, `Dial` ends, `Newexten` at the new extension |
//!
//! # Ground truth
//!
//! [`PbxModel::poll_finished`] drains a bounded log ([`SimConfig::max_finished_calls`]) of
//! every finished call as the PBX knows it ([`FinishedCall`]: caller, dialled number, first
//! answerer, final party, transfers, queue, conference, each leg's hangup cause, who hung up
//! first, instants, talk time, [`CallOutcome`]), for comparing a call tracker with the truth.

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
    CallId, CallOutcome, FinishedCall, LegHangup, LiveChannel, MAX_DEFERRED_CDRS, MAX_HELD_EVENTS,
    MAX_SESSION_INPUT, MAX_TIMERS, MAX_TRUTH_ENTRIES, Output, PbxModel, SessionId, SimError,
    TransferKind, TransferRecord,
};
pub use replay::{
    ActionMismatch, Capture, CaptureDirection, ReplayError, ReplayOptions, ReplayReport,
    ReplayServer, TimelineRow,
};
pub use script::{CallScript, CallStep, Party};
pub use server::PbxSimulator;
