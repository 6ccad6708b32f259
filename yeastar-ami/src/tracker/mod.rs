//! The call model: calls, extension states and call history from AMI events.
//!
//! [`CallTracker`] is sans-IO: it owns no socket and reads no clock. The caller feeds it every
//! AMI event with the wall-clock time it arrived and drains what it produced:
//!
//! ```
//! use std::time::SystemTime;
//! use bytes::BytesMut;
//! use yeastar_ami::Decoder;
//! use yeastar_ami::tracker::{CallEvent, CallTracker, CallHistory, MemoryHistory};
//!
//! let mut tracker = CallTracker::default();
//! let mut history = MemoryHistory::default();
//! let mut decoder = Decoder::default();
//! let mut buf = BytesMut::from(&b"Event: Newchannel\r\nChannel: PJSIP/1001-00000000\r\n\
//! ChannelState: 4\r\nCallerIDNum: 1001\r\nExten: 600\r\nUniqueid: 17.0\r\nLinkedid: 17.0\r\n\r\n\
//! Event: Newstate\r\nChannel: PJSIP/1001-00000000\r\nChannelState: 6\r\nUniqueid: 17.0\r\n\r\n"[..]);
//! while let Some(frame) = decoder.decode(&mut buf)? {
//!     // 1. feed, 2. drain events, 3. drain completed calls
//!     tracker.handle_message(&frame.message(), SystemTime::now());
//!     while let Some(event) = tracker.poll_event() {
//!         assert!(matches!(event, CallEvent::Answered { .. }));
//!     }
//!     while let Some(done) = tracker.poll_completed() {
//!         let _ = history.record(done);
//!     }
//! }
//! // 4. when idle, wake at poll_timeout() and call handle_timeout(now).
//! assert!(tracker.poll_timeout().is_some());
//! # Ok::<(), yeastar_ami::FrameError>(())
//! ```
//!
//! ## Run-loop contract
//!
//! After every [`handle_message`](CallTracker::handle_message),
//! [`handle_timeout`](CallTracker::handle_timeout) or
//! [`finish_resync`](CallTracker::finish_resync), drain
//! [`poll_event`](CallTracker::poll_event) until `None` and
//! [`poll_completed`](CallTracker::poll_completed) until `None`. Call `handle_timeout(now)`
//! when the time returned by [`poll_timeout`](CallTracker::poll_timeout) has come (it closes
//! calls past their TTL and releases records whose `Cdr` never came). Time only moves when the
//! caller says so, so tests replay captures with recorded timestamps.
//!
//! ## How events become calls
//!
//! - Modern dialect (Asterisk 12+): a channel belongs to the call named by its `Linkedid`;
//!   `DialBegin` / `BridgeEnter` link legs that carry no `Linkedid`.
//! - Legacy dialect (Asterisk 1.8, AMI 1.1, Yeastar S-series): no `Linkedid`. Each new channel
//!   starts its own silent call; `Dial` `SubEvent: Begin` (`UniqueID` → `DestUniqueID`),
//!   `Bridge` `Bridgestate: Link` (`Uniqueid1`/`Uniqueid2`) and `LocalBridge` merge them.
//! - The call id is the first channel's `Uniqueid` (the `Linkedid`); the `Cdr` carries the
//!   same `UniqueID`, which is how history records find their CDR, before or after `Hangup`.
//! - A call is `Ringing` on `DialBegin`/`Dial Begin`, `DialState: RINGING` or a leg in state
//!   Ringing; `Answered` when a dialled leg goes Up, two legs share a bridge, the PBX answers
//!   an incoming channel (state Ring → Up), or an originated channel runs an answering
//!   application. It ends when its last channel hangs up; its cause is the calling
//!   channel's `Cause`.
//! - Direction comes from [`TrackerConfig::extensions`] and [`TrackerConfig::trunks`]: a
//!   channel whose peer is a trunk, or a caller/dialled number that is digits but no
//!   extension, is outside.
//!
//! Every table is bounded by a [`TrackerConfig`] field; what was dropped is counted in
//! [`TrackerStats`].

mod config;
mod event;
mod history;
mod model;
#[cfg(feature = "sqlite")]
mod sqlite;
mod state;

pub use config::{
    DEFAULT_CALL_TTL, DEFAULT_CDR_WAIT, DEFAULT_MAX_ACTIVE_CALLS, DEFAULT_MAX_CHANNELS_PER_CALL,
    DEFAULT_MAX_EVENTS_PER_CALL, DEFAULT_MAX_EXTENSIONS, DEFAULT_MAX_PENDING_COMPLETIONS,
    DEFAULT_MAX_QUEUED_EVENTS, ExtensionPlan, TrackerConfig,
};
pub use event::{CallEvent, ResyncReport};
pub use history::{
    CallHistory, CdrRecord, CompletedCall, DEFAULT_MEMORY_HISTORY_CAPACITY, Disposition,
    HistoryQuery, MemoryHistory,
};
#[cfg(feature = "sim")]
pub(crate) use model::civil_from_days;
pub use model::{
    Call, CallState, ChannelInfo, ChannelState, Direction, ExtensionState, ExtensionStatus,
    format_rfc3339,
};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteHistory, SqliteHistoryError};
pub use state::{
    CallTracker, ENDED_EVICTED, ENDED_EXPIRED, ENDED_MERGED, ENDED_WHILE_DISCONNECTED, TrackerStats,
};
