//! The AMI call tracker: Asterisk's channel events turned into the call model of
//! [`yeastar_calls`] (calls, extension states, history records).
//!
//! [`CallTracker`] is sans-IO: it owns no socket and reads no clock. The caller feeds it every
//! AMI event with the [`Instant`] it arrived; a [`WallClock`] anchor turns those into the
//! wall-clock times users see. [`AmiMonitor`](crate::monitor::AmiMonitor) drives it for you;
//! driven by hand:
//!
//! ```
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use yeastar_ami::Decoder;
//! use yeastar_ami::tracker::{CallTracker, TrackerConfig};
//! use yeastar_calls::{CallEvent, CallHistory, MemoryHistory, PbxEvent, WallClock};
//!
//! let mut tracker = CallTracker::new(TrackerConfig::default(), WallClock::now());
//! let mut history = MemoryHistory::default();
//! let mut decoder = Decoder::default();
//! let mut buf = BytesMut::from(&b"Event: Newchannel\r\nChannel: PJSIP/1001-00000000\r\n\
//! ChannelState: 4\r\nCallerIDNum: 1001\r\nExten: 600\r\nUniqueid: 17.0\r\nLinkedid: 17.0\r\n\r\n\
//! Event: Newstate\r\nChannel: PJSIP/1001-00000000\r\nChannelState: 6\r\nUniqueid: 17.0\r\n\r\n"[..]);
//! while let Some(frame) = decoder.decode(&mut buf)? {
//!     // 1. feed, 2. drain events, 3. drain completed calls
//!     tracker.handle_message(&frame.message(), Instant::now());
//!     while let Some(event) = tracker.poll_event() {
//!         assert!(matches!(event, PbxEvent::Call(CallEvent::Answered { .. })));
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
//! when the instant returned by [`poll_timeout`](CallTracker::poll_timeout) has come (it closes
//! calls past their TTL and releases records whose `Cdr`s are in or overdue). Time only moves
//! when the caller says so, so tests replay captures with recorded timestamps.
//!
//! ## How events become calls
//!
//! - Modern dialect (Asterisk 12+): a channel belongs to the call named by its `Linkedid`;
//!   `DialBegin`, `AgentCalled` and transfers link legs of other calls.
//! - Legacy dialect (Asterisk 1.8, AMI 1.1, Yeastar S-series): no `Linkedid`. A channel the
//!   PBX creates (a dialled leg, a queue agent, an originated channel: `Newchannel` without an
//!   `Exten`) starts a *provisional* call that reports nothing; `Dial` `SubEvent: Begin`,
//!   `Bridge` `Link`, `LocalBridge`, `AgentCalled`/`AgentConnect` and transfers merge it into
//!   the caller's call. It surfaces on its own only when it proves to be a call (it dials, or an
//!   `OriginateResponse` claims it); otherwise it vanishes with no event and no record.
//! - The call id is the first channel's `Uniqueid` (the `Linkedid`). Every leg's `Uniqueid`
//!   stays mapped to the call until its record is released, so each leg's `Cdr` (Asterisk posts
//!   one per leg) lands in the call's record, before or after the hangups.
//! - A call is `Ringing` on `DialBegin`/`Dial Begin`, `DialState: RINGING` or a leg ringing;
//!   `Answered` when a dialled device leg goes Up, two legs share a bridge, or the PBX answers
//!   an incoming channel (state Ring → Up: an IVR, a feature, a queue's music on hold). A party
//!   answering a call the PBX had answered (a queue agent) reports `Answered` again with
//!   `answered_by`. Transfers (`BlindTransfer`, `AttendedTransfer`, chan_sip `Transfer`, and the
//!   AMI `Redirect` of a bridged channel to another extension) keep the first dialled number in
//!   `dialled` and the first answerer in `answered_by`; `to` and `connected_to` follow the call.
//! - It ends when its last leg hangs up. Its cause is the calling leg's `Cause`, or when that
//!   is 0 or missing, the cause of the first leg that hung up with one.
//! - Records: duration and talk time cover the whole call: the span of every leg's `Cdr`, or
//!   the events' own times when the CDRs cover less. A caller who hangs up while waiting in a
//!   queue is `Abandoned` with no talk time, even though the PBX had answered the line.
//! - Direction comes from [`TrackerConfig::extensions`] and [`TrackerConfig::trunks`]: a
//!   channel whose peer is a trunk, or a caller/dialled number that is digits but no
//!   extension, is outside.
//!
//! Every table is bounded by a [`TrackerConfig`] field; what was dropped is counted in
//! [`TrackerStats`].

mod cdr;
mod channels;
mod completion;
mod config;
mod extensions;
mod input;
mod parties;
mod queues;
mod resync;
mod table;
mod transfers;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// The tracker's tables: keys are the PBX's own ids and channel names (not attacker-chosen),
/// so a fast hash (randomly seeded per process) beats SipHash on every event.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A call id as the tables share it: cloning it is a reference count, not an allocation.
pub(crate) type Id = std::sync::Arc<str>;
use std::time::Instant;

use yeastar_calls::{Call, CompletedCall, ExtensionStatus, PbxEvent, WallClock};

use crate::wire::Message;

pub use cdr::CdrRecord;
pub use config::{
    DEFAULT_CALL_TTL, DEFAULT_CDR_SETTLE, DEFAULT_CDR_WAIT, DEFAULT_MAX_ACTIVE_CALLS,
    DEFAULT_MAX_CHANNELS_PER_CALL, DEFAULT_MAX_EVENTS_PER_CALL, DEFAULT_MAX_EXTENSIONS,
    DEFAULT_MAX_PENDING_COMPLETIONS, DEFAULT_MAX_QUEUED_EVENTS, ExtensionPlan, TrackerConfig,
};
pub use extensions::{
    HintState, extension_state_from_device, extension_state_from_status_code, parse_core_show_hints,
};
pub use parties::peer_of_channel;
pub use resync::ResyncReport;
pub use table::leg_state_from_code;

use input::{Fields, Kind};

use table::{Entry, Pending};
#[cfg(feature = "sim")]
pub(crate) use yeastar_calls::civil_from_unix_days as civil_from_days;

/// Counters of what the tracker dropped or closed to stay bounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackerStats {
    /// Calls closed because the table was full.
    pub calls_evicted: u64,
    /// Calls closed by the TTL.
    pub calls_expired: u64,
    /// Legs not tracked because their call had `max_channels_per_call`.
    pub channels_dropped: u64,
    /// Call events not emitted because their call reached `max_events_per_call`.
    pub events_suppressed: u64,
    /// Queued events dropped because `poll_event` was not called often enough.
    pub events_dropped: u64,
    /// Extensions not tracked because the table was full.
    pub extensions_dropped: u64,
    /// `OriginateResponse` failures seen (no call is created for them).
    pub originate_failures: u64,
    /// Completed calls released without a `Cdr`.
    pub completions_without_cdr: u64,
    /// Provisional (legacy) calls that ended without ever proving to be calls.
    pub provisional_dropped: u64,
    /// Records made from a `Cdr` alone (a call that began before the tracker watched).
    pub records_from_cdr_only: u64,
    /// Completed records dropped because `poll_completed` was not called often enough.
    pub records_dropped: u64,
}

/// Correlates AMI events into calls and extension states, without I/O or clocks.
///
/// See the [module documentation](self) for the run-loop contract.
#[derive(Debug)]
pub struct CallTracker {
    config: TrackerConfig,
    clock: WallClock,
    calls: Map<Id, Entry>,
    /// Every leg `Uniqueid` of an active or pending call → its call id.
    legs: Map<Arc<str>, Id>,
    /// Live leg channel name → `Uniqueid` (events that name channels, not ids).
    names: Map<Arc<str>, Arc<str>>,
    extensions: Map<Arc<str>, ExtensionStatus>,
    events: VecDeque<PbxEvent>,
    /// Ended calls collecting their `Cdr`s.
    pending: VecDeque<Pending>,
    completed: VecDeque<CompletedCall>,
    /// Ids (calls and legs) of released records, so a late `Cdr` is not recorded twice.
    released: VecDeque<Arc<str>>,
    resync: Option<resync::Resync>,
    stats: TrackerStats,
}

impl CallTracker {
    /// A tracker with the given configuration; `clock` anchors the instants it is fed to
    /// wall-clock time.
    pub fn new(config: TrackerConfig, clock: WallClock) -> CallTracker {
        CallTracker {
            config,
            clock,
            calls: Map::default(),
            legs: Map::default(),
            names: Map::default(),
            extensions: Map::default(),
            events: VecDeque::new(),
            pending: VecDeque::new(),
            completed: VecDeque::new(),
            released: VecDeque::new(),
            resync: None,
            stats: TrackerStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// Replaces the wall-clock anchor (a driver may re-anchor after a reconnect so reported
    /// times follow wall-clock adjustments).
    pub fn set_clock(&mut self, clock: WallClock) {
        self.clock = clock;
    }

    /// Counters of what was dropped or closed to stay bounded.
    pub fn stats(&self) -> TrackerStats {
        self.stats
    }

    /// Active calls, in no particular order (provisional legacy legs are not calls yet).
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls
            .values()
            .filter(|e| !e.provisional)
            .map(|e| &e.call)
    }

    /// Number of active calls.
    pub fn active_calls(&self) -> usize {
        self.calls.values().filter(|e| !e.provisional).count()
    }

    /// The active call with this id.
    pub fn call(&self, id: &str) -> Option<&Call> {
        self.calls
            .get(id)
            .filter(|e| !e.provisional)
            .map(|e| &e.call)
    }

    /// The active call a leg (by `Uniqueid`) belongs to.
    pub fn call_of_channel(&self, uniqueid: &str) -> Option<&Call> {
        self.legs.get(uniqueid).and_then(|id| self.call(id))
    }

    /// The extension status table.
    pub fn extensions(&self) -> impl Iterator<Item = (&str, &ExtensionStatus)> {
        self.extensions.iter().map(|(k, v)| (&**k, v))
    }

    /// The status of one extension.
    pub fn extension(&self, extension: &str) -> Option<&ExtensionStatus> {
        self.extensions.get(extension)
    }

    /// The next queued event ([`PbxEvent::Call`] or [`PbxEvent::Extension`]). Drain until
    /// `None` after every `handle_*` call.
    pub fn poll_event(&mut self) -> Option<PbxEvent> {
        self.events.pop_front()
    }

    /// The next completed-call record (call ended and its `Cdr`s merged, or their wait over).
    pub fn poll_completed(&mut self) -> Option<CompletedCall> {
        self.completed.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work: a record's `Cdr` wait
    /// or a call's TTL. `None` when nothing is pending.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let cdr = self.pending.iter().map(|p| p.deadline).min();
        let ttl = self
            .calls
            .values()
            .map(|e| e.last_activity + self.config.call_ttl)
            .min();
        match (cdr, ttl) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Releases records whose `Cdr`s are in (or overdue) and closes calls past their TTL.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.release_due(now);
        let ttl = self.config.call_ttl;
        let expired: Vec<Id> = self
            .calls
            .iter()
            .filter(|(_, e)| e.last_activity + ttl <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.stats.calls_expired += 1;
            self.end_call(&id, now, Some(yeastar_calls::EndReason::Expired));
        }
    }

    /// Feeds one AMI event seen at `now`. Unknown events and malformed fields are ignored.
    pub fn handle_message(&mut self, msg: &Message<'_>, now: Instant) {
        // `Event` is the first key of nearly every event: look there before searching.
        let name = match msg.field(0) {
            Some(("Event", name)) => Some(name),
            _ => msg.event(),
        };
        let Some(kind) = name.and_then(|name| Kind::of(input::trim(name))) else {
            return;
        };
        match kind {
            // Nearly half of all events: only the recording's file name matters.
            Kind::VarSet
                if !msg.get("Variable").is_some_and(|v| {
                    input::trim(v).eq_ignore_ascii_case("MIXMONITOR_FILENAME")
                }) =>
            {
                return;
            }
            Kind::NewConnectedLine | Kind::MixMonitorStart => return,
            _ => {}
        }
        let f = Fields::read(msg);
        match kind {
            Kind::Newchannel => {
                self.ensure_leg(&f, now);
            }
            Kind::Newstate => self.on_newstate(&f, now),
            Kind::NewCallerid => self.on_newcallerid(&f, now),
            Kind::NewConnectedLine | Kind::MixMonitorStart => {}
            Kind::Newexten => self.on_newexten(&f, now),
            Kind::VarSet => self.on_varset(&f, now),
            Kind::DialBegin => self.on_dial_begin(&f, now),
            Kind::DialState => self.on_dial_state(&f, now),
            Kind::DialEnd => self.on_dial_end(&f, now),
            Kind::LegacyDial => {
                if f.is(input::Key::SubEvent, "Begin") {
                    self.on_dial_begin(&f, now);
                } else if f.is(input::Key::SubEvent, "End") {
                    self.on_dial_end(&f, now);
                }
            }
            Kind::BridgeEnter => self.on_bridge_enter(&f, now),
            Kind::BridgeLeave => self.on_bridge_leave(&f),
            Kind::LegacyBridge => {
                if f.raw(input::Key::Bridgestate)
                    .is_none_or(|s| s.eq_ignore_ascii_case("Link"))
                {
                    self.on_link(&f, now, true);
                } else {
                    self.on_unlink(&f);
                }
            }
            Kind::LocalBridge => self.on_link(&f, now, false),
            Kind::Unlink => self.on_unlink(&f),
            Kind::Hold => {
                let off = f.is(input::Key::Status, "Off");
                self.on_hold(&f, !off, now);
            }
            Kind::Unhold => self.on_hold(&f, false, now),
            Kind::BlindTransfer => self.on_blind_transfer(&f, now),
            Kind::AttendedTransfer => self.on_attended_transfer(&f, now),
            Kind::Transfer => self.on_legacy_transfer(&f, now),
            Kind::Masquerade => self.on_masquerade(&f, now),
            Kind::Rename => self.on_rename(&f),
            Kind::QueueJoin => self.on_queue_join(&f, now),
            Kind::QueueLeave => self.on_queue_leave(&f, now),
            Kind::QueueCallerAbandon => self.on_queue_abandon(&f, now),
            Kind::AgentCalled => self.on_agent_called(&f, now),
            Kind::AgentConnect => self.on_agent_connect(&f, now),
            Kind::ConferenceJoin => self.on_conference_join(&f, now),
            Kind::Hangup => self.on_hangup(&f, now),
            Kind::Cdr => self.on_cdr(&f, now),
            Kind::OriginateResponse => self.on_originate_response(&f, now),
            Kind::ExtensionStatus => self.on_extension_status(&f, now),
            Kind::DeviceStateChange => self.on_device_state(&f, now),
            Kind::PeerStatus => self.on_peer_status(&f, now),
            Kind::ContactStatus => self.on_contact_status(&f, now),
            Kind::PeerEntry => self.on_peer_entry(&f, now),
            Kind::EndpointList => self.on_endpoint_list(&f, now),
            Kind::ChannelSnapshot => self.on_channel_snapshot(&f, now),
        }
    }
}
