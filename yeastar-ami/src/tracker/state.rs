//! The sans-IO call tracker.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, SystemTime};

use crate::Message;

use super::config::TrackerConfig;
use super::event::{CallEvent, ResyncReport};
use super::history::{CdrRecord, CompletedCall, Disposition};
use super::model::{
    Call, CallState, ChannelInfo, ChannelState, Direction, ExtensionState, ExtensionStatus,
};

/// Why the tracker closed a call that was not seen hanging up during a reconnect.
pub const ENDED_WHILE_DISCONNECTED: &str = "ended while disconnected";
/// Why the tracker closed a call that saw no event for [`TrackerConfig::call_ttl`].
pub const ENDED_EXPIRED: &str = "expired: no event within the call TTL";
/// Why the tracker closed a call to make room under [`TrackerConfig::max_active_calls`].
pub const ENDED_EVICTED: &str = "evicted: too many active calls";
/// Why a call ended by being merged into another (attended transfer, legacy bridging).
pub const ENDED_MERGED: &str = "merged into another call";

/// Dialplan applications that do not answer a call by themselves: running them on an
/// originated channel says nothing about the call being answered.
const NON_ANSWERING_APPS: [&str; 20] = [
    "Dial",
    "Queue",
    "NoOp",
    "Set",
    "MixMonitor",
    "Monitor",
    "Gosub",
    "GosubIf",
    "Macro",
    "MacroExit",
    "Return",
    "Goto",
    "GotoIf",
    "AppDial",
    "AppDial2",
    "AppQueue",
    "ExecIf",
    "Verbose",
    "Hangup",
    "Ringing",
];

/// Counters of what the tracker dropped or closed to stay bounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackerStats {
    /// Calls closed because the table was full.
    pub calls_evicted: u64,
    /// Calls closed by the TTL.
    pub calls_expired: u64,
    /// Channels not tracked because their call had `max_channels_per_call`.
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
}

#[derive(Debug)]
struct Entry {
    call: Call,
    events_emitted: u32,
    last_activity: SystemTime,
    /// The first channel dialled into the PBX (state Ring), so its `Up` means answered.
    caller_dialled_in: bool,
    dial_status: Option<Box<str>>,
    state_before_hold: CallState,
    cdr: Option<CdrRecord>,
    last_cause: Option<(Option<u16>, Option<Box<str>>)>,
}

#[derive(Debug)]
struct Pending {
    call: Call,
    dial_status: Option<Box<str>>,
    deadline: SystemTime,
}

#[derive(Debug)]
struct SnapshotChannel {
    uniqueid: Box<str>,
    linkedid: Option<Box<str>>,
    bridged: Option<Box<str>>,
    name: Box<str>,
    state: ChannelState,
    caller_number: Option<Box<str>>,
    caller_name: Option<Box<str>>,
    exten: Option<Box<str>>,
    age: Duration,
}

#[derive(Debug, Default)]
struct Resync {
    channels: Vec<SnapshotChannel>,
    extension_changes: Vec<(Box<str>, ExtensionStatus)>,
    /// Channels that live events created during the resync: newer than the lists.
    fresh: HashSet<Box<str>>,
    /// Channels that hung up during the resync: the lists may still name them.
    hung_up: HashSet<Box<str>>,
}

enum Emit {
    Ringing,
    Answered,
    Held,
    Resumed,
    Transferred(Option<Box<str>>),
    Ended,
}

/// Splits the borrows of the tracker: the event queue and limits, apart from the call table.
struct Sink<'a> {
    config: &'a TrackerConfig,
    events: &'a mut VecDeque<CallEvent>,
    stats: &'a mut TrackerStats,
}

impl Sink<'_> {
    fn push(&mut self, event: CallEvent) {
        if self.events.len() >= self.config.max_queued_events.max(1) {
            self.events.pop_front();
            self.stats.events_dropped += 1;
        }
        self.events.push_back(event);
    }

    fn emit(&mut self, entry: &mut Entry, what: Emit, now: SystemTime) {
        refresh_parties(self.config, &mut entry.call);
        let ended = matches!(what, Emit::Ended);
        if !ended && entry.events_emitted >= self.config.max_events_per_call {
            self.stats.events_suppressed += 1;
            return;
        }
        entry.events_emitted = entry.events_emitted.saturating_add(1);
        let call = entry.call.clone();
        let event = match what {
            Emit::Ringing => CallEvent::Ringing { call, at: now },
            Emit::Answered => CallEvent::Answered { call, at: now },
            Emit::Held => CallEvent::Held { call, at: now },
            Emit::Resumed => CallEvent::Resumed { call, at: now },
            Emit::Transferred(target) => CallEvent::Transferred {
                call,
                target,
                at: now,
            },
            Emit::Ended => {
                let (duration, billsec) = match &entry.cdr {
                    Some(cdr) => (
                        Duration::from_secs(cdr.duration),
                        Duration::from_secs(cdr.billsec),
                    ),
                    None => (call.duration(now), call.billsec(now)),
                };
                CallEvent::Ended {
                    cause: call.hangup_cause,
                    cause_text: call.hangup_cause_text.clone(),
                    duration,
                    billsec,
                    call,
                    at: now,
                }
            }
        };
        self.push(event);
    }

    fn ringing(&mut self, entry: &mut Entry, now: SystemTime) {
        if entry.call.state == CallState::Setup {
            entry.call.state = CallState::Ringing;
            self.emit(entry, Emit::Ringing, now);
        }
    }

    fn answered(&mut self, entry: &mut Entry, by: Option<Box<str>>, now: SystemTime) {
        if matches!(entry.call.state, CallState::Setup | CallState::Ringing) {
            entry.call.state = CallState::Answered;
            entry.call.answered_at = Some(now);
            if by.is_some() {
                entry.call.answered_by = by;
            }
            self.emit(entry, Emit::Answered, now);
        } else if entry.call.state == CallState::Transferred && by.is_some() {
            entry.call.answered_by = by;
        }
    }
}

/// A value worth keeping: trimmed, non-empty, not Asterisk's `<unknown>`/`<null>` placeholder.
fn meaningful(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
    (!(v.is_empty() || v.starts_with('<') && v.ends_with('>'))).then_some(v)
}

fn boxed(value: Option<&str>) -> Option<Box<str>> {
    meaningful(value).map(Box::from)
}

/// An extension worth recording as the dialled number (`s` is the default start extension).
fn dialled(exten: Option<&str>) -> Option<&str> {
    meaningful(exten).filter(|e| *e != "s")
}

fn channel_state(msg: &Message<'_>) -> Option<ChannelState> {
    if let Some(code) = msg.get("ChannelState").and_then(|v| v.trim().parse().ok()) {
        return Some(ChannelState::from_code(code));
    }
    msg.get("ChannelStateDesc").map(ChannelState::from_desc)
}

/// Orders Asterisk uniqueids (`<epoch>.<sequence>`) by creation.
fn uniqueid_key(id: &str) -> (u64, u64, &str) {
    let (secs, seq) = id.split_once('.').unwrap_or((id, ""));
    (
        secs.parse().unwrap_or(u64::MAX),
        seq.parse().unwrap_or(u64::MAX),
        id,
    )
}

/// `HH:MM:SS` (CoreShowChannel `Duration`) or plain seconds.
fn parse_age(value: Option<&str>) -> Duration {
    let Some(v) = value.map(str::trim) else {
        return Duration::ZERO;
    };
    let secs = v
        .split(':')
        .try_fold(0u64, |acc, part| {
            part.parse::<u64>()
                .ok()
                .map(|p| acc.saturating_mul(60).saturating_add(p))
        })
        .unwrap_or(0);
    Duration::from_secs(secs)
}

/// Number-based guess: digits that are not an extension are outside numbers; names and
/// feature codes (`*97`, `voicemail`) are PBX-internal.
fn number_is_external(config: &TrackerConfig, number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or(number);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !config.extensions.is_extension(number)
}

fn channel_is_external(config: &TrackerConfig, ch: &ChannelInfo) -> Option<bool> {
    let peer = ch.peer()?;
    if config.is_trunk(peer) {
        Some(true)
    } else if config.extensions.is_extension(peer) {
        Some(false)
    } else {
        None
    }
}

/// Recomputes direction, extension and external number from what is known now.
fn refresh_parties(config: &TrackerConfig, call: &mut Call) {
    let caller_external = call
        .channels
        .first()
        .and_then(|c| channel_is_external(config, c))
        .or_else(|| {
            call.from_number
                .as_deref()
                .map(|n| number_is_external(config, n))
        })
        .unwrap_or(false);
    let callee_external = call
        .channels
        .iter()
        .skip(1)
        .find_map(|c| channel_is_external(config, c))
        .or_else(|| call.to.as_deref().map(|n| number_is_external(config, n)))
        .unwrap_or(false);
    call.direction = if caller_external {
        Direction::Inbound
    } else if callee_external {
        Direction::Outbound
    } else {
        Direction::Internal
    };
    match call.direction {
        Direction::Inbound => {
            call.external_number = call.from_number.clone();
            call.extension = call
                .answered_by
                .clone()
                .filter(|n| config.extensions.is_extension(n))
                .or_else(|| {
                    call.channels
                        .iter()
                        .skip(1)
                        .filter_map(ChannelInfo::peer)
                        .find(|p| config.extensions.is_extension(p))
                        .map(Box::from)
                })
                .or_else(|| {
                    call.to
                        .clone()
                        .filter(|n| config.extensions.is_extension(n))
                });
        }
        Direction::Outbound => {
            call.extension = call.from_number.clone();
            call.external_number = call.to.clone();
        }
        Direction::Internal => {
            call.extension = call.from_number.clone();
            call.external_number = None;
        }
    }
}

fn completed_from(call: Call, cdr: Option<&CdrRecord>, dial_status: Option<&str>) -> CompletedCall {
    let ended_at = call.ended_at.unwrap_or(call.started_at);
    let disposition = match cdr {
        Some(cdr) => cdr.disposition,
        None if call.answered_at.is_some() => Disposition::Answered,
        None => match dial_status.map(str::to_ascii_uppercase).as_deref() {
            Some("BUSY") => Disposition::Busy,
            Some("NOANSWER" | "CANCEL") => Disposition::NoAnswer,
            Some("CONGESTION") => Disposition::Congestion,
            _ if call.hangup_cause == Some(17) => Disposition::Busy,
            _ => Disposition::Failed,
        },
    };
    let text = |s: &Option<Box<str>>| s.as_deref().map(String::from);
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    CompletedCall {
        call_id: call.id.to_string(),
        direction: call.direction,
        src: cdr
            .and_then(|c| non_empty(&c.source))
            .or_else(|| text(&call.from_number)),
        dst: cdr
            .and_then(|c| non_empty(&c.destination))
            .or_else(|| text(&call.to)),
        from_name: text(&call.from_name),
        answered_by: text(&call.answered_by),
        extension: text(&call.extension),
        external_number: text(&call.external_number),
        disposition,
        started_at: call.started_at,
        answered_at: call.answered_at,
        ended_at,
        duration: cdr.map_or_else(
            || call.duration(ended_at),
            |c| Duration::from_secs(c.duration),
        ),
        billsec: cdr.map_or_else(
            || call.billsec(ended_at),
            |c| Duration::from_secs(c.billsec),
        ),
        cause: call.hangup_cause,
        cause_text: text(&call.hangup_cause_text),
        recording: text(&call.recording),
        has_cdr: cdr.is_some(),
    }
}

/// Correlates AMI events into calls and extension states, without I/O or clocks.
///
/// See the [module documentation](super) for the run-loop contract.
#[derive(Debug)]
pub struct CallTracker {
    config: TrackerConfig,
    calls: HashMap<Box<str>, Entry>,
    /// Live channel uniqueid → call id.
    channel_calls: HashMap<Box<str>, Box<str>>,
    extensions: HashMap<Box<str>, ExtensionStatus>,
    events: VecDeque<CallEvent>,
    pending: VecDeque<Pending>,
    completed: VecDeque<CompletedCall>,
    /// Ids of calls whose record was released, so a late `Cdr` is not recorded twice.
    released: VecDeque<Box<str>>,
    resync: Option<Resync>,
    stats: TrackerStats,
}

impl Default for CallTracker {
    fn default() -> Self {
        CallTracker::new(TrackerConfig::default())
    }
}

impl CallTracker {
    /// A tracker with the given configuration.
    pub fn new(config: TrackerConfig) -> CallTracker {
        CallTracker {
            config,
            calls: HashMap::new(),
            channel_calls: HashMap::new(),
            extensions: HashMap::new(),
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

    /// Counters of what was dropped or closed to stay bounded.
    pub fn stats(&self) -> TrackerStats {
        self.stats
    }

    /// Active calls, in no particular order.
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().map(|e| &e.call)
    }

    /// Number of active calls.
    pub fn active_calls(&self) -> usize {
        self.calls.len()
    }

    /// The active call with this id.
    pub fn call(&self, id: &str) -> Option<&Call> {
        self.calls.get(id).map(|e| &e.call)
    }

    /// The active call a channel (by `Uniqueid`) belongs to.
    pub fn call_of_channel(&self, uniqueid: &str) -> Option<&Call> {
        self.channel_calls
            .get(uniqueid)
            .and_then(|id| self.call(id))
    }

    /// The extension status table.
    pub fn extensions(&self) -> impl Iterator<Item = (&str, &ExtensionStatus)> {
        self.extensions.iter().map(|(k, v)| (&**k, v))
    }

    /// The status of one extension.
    pub fn extension(&self, extension: &str) -> Option<&ExtensionStatus> {
        self.extensions.get(extension)
    }

    /// The next queued event. Drain until `None` after every `handle_*` call.
    pub fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// The next completed-call record (call ended and `Cdr` merged, or `cdr_wait` elapsed).
    pub fn poll_completed(&mut self) -> Option<CompletedCall> {
        self.completed.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work: a record's `Cdr` wait
    /// or a call's TTL. `None` when nothing is pending.
    pub fn poll_timeout(&self) -> Option<SystemTime> {
        let cdr = self.pending.front().map(|p| p.deadline);
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

    /// Releases records whose `Cdr` wait elapsed and closes calls past their TTL.
    pub fn handle_timeout(&mut self, now: SystemTime) {
        while self.pending.front().is_some_and(|p| p.deadline <= now) {
            if let Some(p) = self.pending.pop_front() {
                self.release(p.call, None, p.dial_status.as_deref());
                self.stats.completions_without_cdr += 1;
            }
        }
        let ttl = self.config.call_ttl;
        let expired: Vec<Box<str>> = self
            .calls
            .iter()
            .filter(|(_, e)| e.last_activity + ttl <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.stats.calls_expired += 1;
            self.end_call(&id, now, Some(ENDED_EXPIRED));
        }
    }

    /// Feeds one AMI event seen at `now`. Unknown events and malformed fields are ignored.
    pub fn handle_message(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(name) = msg.event() else {
            return;
        };
        let mut lower = [0u8; 24];
        let Some(slot) = lower.get_mut(..name.len()) else {
            return;
        };
        slot.copy_from_slice(name.as_bytes());
        slot.make_ascii_lowercase();
        match &*slot {
            b"newchannel" => self.on_channel_seen(msg, now),
            b"newstate" => self.on_newstate(msg, now),
            b"newcallerid" => self.on_newcallerid(msg, now),
            b"newexten" => self.on_newexten(msg, now),
            b"varset" => self.on_varset(msg, now),
            b"dialbegin" => self.on_dial_begin(msg, now),
            b"dialstate" => self.on_dial_state(msg, now),
            b"dialend" => self.on_dial_end(msg, now),
            b"dial" => match msg.get("SubEvent").map(str::trim) {
                Some(s) if s.eq_ignore_ascii_case("Begin") => self.on_dial_begin(msg, now),
                Some(s) if s.eq_ignore_ascii_case("End") => self.on_dial_end(msg, now),
                _ => {}
            },
            b"bridgeenter" => self.on_bridge_enter(msg, now),
            b"bridgeleave" => self.on_bridge_leave(msg),
            b"bridge" => self.on_legacy_bridge(msg, now, true),
            b"localbridge" => self.on_legacy_bridge(msg, now, false),
            b"hold" => {
                let off = msg
                    .get("Status")
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("Off"));
                self.on_hold(msg, !off, now);
            }
            b"unhold" => self.on_hold(msg, false, now),
            b"blindtransfer" => self.on_blind_transfer(msg, now),
            b"attendedtransfer" => self.on_attended_transfer(msg, now),
            b"transfer" => self.on_legacy_transfer(msg, now),
            b"rename" => self.on_rename(msg),
            b"join" | b"queuecallerjoin" => self.on_queue_join(msg, now),
            b"hangup" => self.on_hangup(msg, now),
            b"cdr" => self.on_cdr(msg, now),
            b"originateresponse" => self.on_originate_response(msg, now),
            b"extensionstatus" => self.on_extension_status(msg, now),
            b"devicestatechange" => self.on_device_state(msg, now),
            b"peerstatus" => self.on_peer_status(msg, now),
            b"contactstatus" => self.on_contact_status(msg, now),
            b"peerentry" => self.on_peer_entry(msg, now),
            b"endpointlist" => self.on_endpoint_list(msg, now),
            b"coreshowchannel" | b"status" => self.on_channel_snapshot(msg, now),
            _ => {}
        }
    }

    // ---- channels and calls -------------------------------------------------------------

    fn sink(&mut self) -> (&mut HashMap<Box<str>, Entry>, Sink<'_>) {
        (
            &mut self.calls,
            Sink {
                config: &self.config,
                events: &mut self.events,
                stats: &mut self.stats,
            },
        )
    }

    fn with_call(
        &mut self,
        call_id: &str,
        now: SystemTime,
        f: impl FnOnce(&mut Entry, &mut Sink<'_>),
    ) {
        let (calls, mut sink) = self.sink();
        if let Some(entry) = calls.get_mut(call_id) {
            entry.last_activity = now;
            f(entry, &mut sink);
        }
    }

    fn call_id_of(&self, uniqueid: Option<&str>) -> Option<Box<str>> {
        self.channel_calls.get(meaningful(uniqueid)?).cloned()
    }

    /// Makes room for one more call by closing the least recently active one.
    fn make_room(&mut self, now: SystemTime) {
        while self.calls.len() >= self.config.max_active_calls.max(1) {
            let Some(oldest) = self
                .calls
                .iter()
                .min_by_key(|(_, e)| e.last_activity)
                .map(|(id, _)| id.clone())
            else {
                return;
            };
            self.stats.calls_evicted += 1;
            self.end_call(&oldest, now, Some(ENDED_EVICTED));
        }
    }

    /// Tracks a channel (creating its call if needed) from the fields of a channel event;
    /// returns its call id.
    fn ensure_channel(&mut self, msg: &Message<'_>, now: SystemTime) -> Option<Box<str>> {
        let uid = meaningful(msg.get("Uniqueid"))?;
        if let Some(id) = self.channel_calls.get(uid) {
            return Some(id.clone());
        }
        let channel = ChannelInfo {
            uniqueid: uid.into(),
            name: msg.get("Channel").unwrap_or("").trim().into(),
            state: channel_state(msg).unwrap_or(ChannelState::Unknown),
            caller_number: boxed(msg.get("CallerIDNum")),
            caller_name: boxed(msg.get("CallerIDName")),
            bridge_id: None,
            hung_up: false,
        };
        let linked = meaningful(msg.get("Linkedid")).filter(|l| *l != uid);
        let exten = dialled(msg.get("Exten")).map(Box::from);
        self.add_channel(channel, linked, exten, now)
    }

    fn add_channel(
        &mut self,
        channel: ChannelInfo,
        linked: Option<&str>,
        exten: Option<Box<str>>,
        now: SystemTime,
    ) -> Option<Box<str>> {
        let target = linked.map(|l| {
            self.channel_calls
                .get(l)
                .cloned()
                .unwrap_or_else(|| Box::from(l))
        });
        if let Some(call_id) = target.filter(|id| self.calls.contains_key(id)) {
            return self
                .attach(&call_id, channel, exten, now)
                .then_some(call_id);
        }
        self.make_room(now);
        let call_id: Box<str> = linked.map_or_else(|| channel.uniqueid.clone(), Box::from);
        let dialled_in = matches!(
            channel.state,
            ChannelState::Ring | ChannelState::Dialing | ChannelState::OffHook
        );
        let mut channels = Vec::with_capacity(2);
        self.note_resync(&channel.uniqueid, false);
        self.channel_calls
            .insert(channel.uniqueid.clone(), call_id.clone());
        let call = Call {
            id: call_id.clone(),
            direction: Direction::Internal,
            state: CallState::Setup,
            from_number: channel.caller_number.clone(),
            from_name: channel.caller_name.clone(),
            to: exten,
            answered_by: None,
            extension: None,
            external_number: None,
            originated: false,
            queue: None,
            started_at: now,
            answered_at: None,
            ended_at: None,
            hangup_cause: None,
            hangup_cause_text: None,
            recording: None,
            channels: {
                channels.push(channel);
                channels
            },
        };
        let mut entry = Entry {
            call,
            events_emitted: 0,
            last_activity: now,
            caller_dialled_in: dialled_in,
            dial_status: None,
            state_before_hold: CallState::Answered,
            cdr: None,
            last_cause: None,
        };
        refresh_parties(&self.config, &mut entry.call);
        self.calls.insert(call_id.clone(), entry);
        Some(call_id)
    }

    /// Adds a channel to an existing call; false when the call is full. The channel that
    /// names the call (seen late, as in list snapshots) becomes its calling channel.
    fn attach(
        &mut self,
        call_id: &str,
        channel: ChannelInfo,
        exten: Option<Box<str>>,
        now: SystemTime,
    ) -> bool {
        let Some(entry) = self.calls.get_mut(call_id) else {
            return false;
        };
        if entry.call.channels.len() >= self.config.max_channels_per_call.max(1) {
            self.stats.channels_dropped += 1;
            return false;
        }
        entry.last_activity = now;
        self.channel_calls
            .insert(channel.uniqueid.clone(), call_id.into());
        if let Some(resync) = &mut self.resync
            && resync.fresh.len() < self.config.max_active_calls
        {
            resync.fresh.insert(channel.uniqueid.clone());
        }
        if &*channel.uniqueid == call_id {
            entry.call.from_number = channel.caller_number.clone();
            entry.call.from_name = channel.caller_name.clone();
            entry.caller_dialled_in = matches!(
                channel.state,
                ChannelState::Ring | ChannelState::Dialing | ChannelState::OffHook
            );
            if exten.is_some() {
                entry.call.to = exten;
            }
            entry.call.channels.insert(0, channel);
        } else {
            entry.call.channels.push(channel);
        }
        true
    }

    /// Moves the channels of call `from` into call `into`. A call that already reported
    /// events is ended (it lives on inside `into`).
    fn merge(&mut self, into: &str, from: &str, now: SystemTime) {
        if into == from || !self.calls.contains_key(into) {
            return;
        }
        let Some(mut absorbed) = self.calls.remove(from) else {
            return;
        };
        let channels = std::mem::take(&mut absorbed.call.channels);
        for ch in channels {
            let uid = ch.uniqueid.clone();
            if ch.hung_up {
                continue;
            }
            if !self.attach(into, ch, None, now) {
                self.channel_calls.remove(&uid);
            }
        }
        if absorbed.events_emitted > 0 {
            absorbed.call.state = CallState::Ended;
            absorbed.call.ended_at = Some(now);
            absorbed.call.hangup_cause_text = Some(ENDED_MERGED.into());
            let (_, mut sink) = self.sink();
            sink.emit(&mut absorbed, Emit::Ended, now);
        }
    }

    fn on_channel_seen(&mut self, msg: &Message<'_>, now: SystemTime) {
        self.ensure_channel(msg, now);
    }

    fn on_newstate(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.ensure_channel(msg, now) else {
            return;
        };
        let Some(uid) = meaningful(msg.get("Uniqueid")) else {
            return;
        };
        let Some(state) = channel_state(msg) else {
            return;
        };
        let number = boxed(msg.get("CallerIDNum"));
        self.set_channel_state(&call_id, uid, state, number, now);
    }

    fn set_channel_state(
        &mut self,
        call_id: &str,
        uid: &str,
        state: ChannelState,
        number: Option<Box<str>>,
        now: SystemTime,
    ) {
        self.with_call(call_id, now, |entry, sink| {
            let Some(index) = entry.call.channels.iter().position(|c| &*c.uniqueid == uid) else {
                return;
            };
            let Some(channel) = entry.call.channels.get_mut(index) else {
                return;
            };
            if channel.state == state {
                return;
            }
            channel.state = state;
            let answerer = number.or_else(|| channel.caller_number.clone());
            match state {
                ChannelState::Ring | ChannelState::Dialing if index == 0 => {
                    entry.caller_dialled_in = true;
                }
                ChannelState::Ringing => sink.ringing(entry, now),
                ChannelState::Up if index > 0 => sink.answered(entry, answerer, now),
                ChannelState::Up if entry.caller_dialled_in => sink.answered(entry, None, now),
                _ => {}
            }
        });
    }

    fn on_newcallerid(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let uid = msg.get("Uniqueid").unwrap_or("").trim();
        let number = boxed(msg.get("CallerIDNum"));
        let name = boxed(msg.get("CallerIDName"));
        self.with_call(&call_id, now, |entry, _| {
            let first = entry
                .call
                .channels
                .first()
                .is_some_and(|c| &*c.uniqueid == uid);
            if let Some(ch) = entry.call.channels.iter_mut().find(|c| &*c.uniqueid == uid) {
                if number.is_some() {
                    ch.caller_number = number.clone();
                }
                if name.is_some() {
                    ch.caller_name = name.clone();
                }
            }
            if first {
                if number.is_some() {
                    entry.call.from_number = number;
                }
                if name.is_some() {
                    entry.call.from_name = name;
                }
            }
        });
    }

    fn on_newexten(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let uid = msg.get("Uniqueid").unwrap_or("").trim();
        let app = msg.get("Application").unwrap_or("").trim();
        let data = msg
            .get("AppData")
            .or_else(|| msg.get("ApplicationData"))
            .unwrap_or("");
        let exten = dialled(msg.get("Exten")).map(Box::<str>::from);
        // Legacy Newexten has no channel state: fall back to the tracked one.
        let state_in_event = channel_state(msg);
        self.with_call(&call_id, now, |entry, sink| {
            if app.eq_ignore_ascii_case("MixMonitor") {
                let file = data.split(',').next().map(str::trim);
                if let Some(file) = meaningful(file) {
                    entry.call.recording = Some(file.into());
                }
            }
            let first = entry
                .call
                .channels
                .first()
                .is_some_and(|c| &*c.uniqueid == uid);
            if !first {
                return;
            }
            if entry.call.to.is_none() && exten.is_some() {
                entry.call.to = exten;
            }
            // An originated channel running an answering application (Playback, Wait…).
            let answering = !app.is_empty()
                && !NON_ANSWERING_APPS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(app));
            let up = state_in_event.or_else(|| entry.call.channels.first().map(|c| c.state))
                == Some(ChannelState::Up);
            if entry.call.originated && up && answering {
                sink.answered(entry, None, now);
            }
        });
    }

    fn on_varset(&mut self, msg: &Message<'_>, now: SystemTime) {
        let is_recording = msg
            .get("Variable")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("MIXMONITOR_FILENAME"));
        if !is_recording {
            return;
        }
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let file = boxed(msg.get("Value"));
        self.with_call(&call_id, now, |entry, _| {
            if file.is_some() {
                entry.call.recording = file;
            }
        });
    }

    fn on_dial_begin(&mut self, msg: &Message<'_>, now: SystemTime) {
        let dest_uid = meaningful(msg.get("DestUniqueid"));
        let source = meaningful(msg.get("Uniqueid"));
        let Some(source) = source else {
            // Originate dials its first channel: no source channel.
            if let Some(call_id) = self.call_id_of(dest_uid) {
                self.with_call(&call_id, now, |entry, _| entry.call.originated = true);
            }
            return;
        };
        let _ = source;
        let Some(call_id) = self.ensure_channel(msg, now) else {
            return;
        };
        if let Some(dest) = dest_uid {
            match self.channel_calls.get(dest).cloned() {
                Some(dest_call) if dest_call != call_id => self.merge(&call_id, &dest_call, now),
                Some(_) => {}
                None => {
                    let channel = ChannelInfo {
                        uniqueid: dest.into(),
                        name: msg
                            .get("DestChannel")
                            .or_else(|| msg.get("Destination"))
                            .unwrap_or("")
                            .trim()
                            .into(),
                        state: msg
                            .get("DestChannelState")
                            .and_then(|v| v.trim().parse().ok())
                            .map_or(ChannelState::Down, ChannelState::from_code),
                        caller_number: boxed(msg.get("DestCallerIDNum")),
                        caller_name: boxed(msg.get("DestCallerIDName")),
                        bridge_id: None,
                        hung_up: false,
                    };
                    self.attach(&call_id, channel, None, now);
                }
            }
        }
        let dial_string = msg
            .get("DialString")
            .map(|d| d.rsplit('/').next().unwrap_or(d))
            .map(|d| d.split('@').next().unwrap_or(d))
            .and_then(|d| dialled(Some(d)))
            .map(Box::<str>::from);
        self.with_call(&call_id, now, |entry, sink| {
            if entry.call.to.is_none() {
                entry.call.to = dial_string;
            }
            entry.dial_status = None;
            sink.ringing(entry, now);
        });
    }

    fn on_dial_state(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let ringing = msg.get("DialStatus").is_some_and(|s| {
            let s = s.trim();
            s.eq_ignore_ascii_case("RINGING") || s.eq_ignore_ascii_case("PROGRESS")
        });
        self.with_call(&call_id, now, |entry, sink| {
            if ringing {
                sink.ringing(entry, now);
            }
        });
    }

    fn on_dial_end(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let status = boxed(msg.get("DialStatus"));
        let answerer = boxed(msg.get("DestCallerIDNum"));
        self.with_call(&call_id, now, |entry, sink| {
            let answered = status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("ANSWER"));
            entry.dial_status = status;
            if answered {
                sink.answered(entry, answerer, now);
            }
        });
    }

    fn on_bridge_enter(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.ensure_channel(msg, now) else {
            return;
        };
        let uid = msg.get("Uniqueid").unwrap_or("").trim();
        let bridge = boxed(msg.get("BridgeUniqueid"));
        self.with_call(&call_id, now, |entry, sink| {
            let Some(index) = entry.call.channels.iter().position(|c| &*c.uniqueid == uid) else {
                return;
            };
            let partner = entry.call.channels.iter().position(|c| {
                &*c.uniqueid != uid && !c.hung_up && c.bridge_id.is_some() && c.bridge_id == bridge
            });
            if let Some(ch) = entry.call.channels.get_mut(index) {
                ch.bridge_id = bridge;
            }
            if let Some(partner) = partner {
                let callee = index.max(partner);
                let by = entry
                    .call
                    .channels
                    .get(callee)
                    .and_then(|c| c.caller_number.clone());
                sink.answered(entry, by, now);
            }
        });
    }

    fn on_bridge_leave(&mut self, msg: &Message<'_>) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let uid = msg.get("Uniqueid").unwrap_or("").trim();
        if let Some(ch) = self
            .calls
            .get_mut(&call_id)
            .and_then(|e| e.call.channels.iter_mut().find(|c| &*c.uniqueid == uid))
        {
            ch.bridge_id = None;
        }
    }

    /// Legacy `Bridge` (`Bridgestate: Link`) and `LocalBridge`: the two channels are one call.
    fn on_legacy_bridge(&mut self, msg: &Message<'_>, now: SystemTime, answers: bool) {
        if msg
            .get("Bridgestate")
            .is_some_and(|s| !s.trim().eq_ignore_ascii_case("Link"))
        {
            return;
        }
        let (Some(a), Some(b)) = (
            self.call_id_of(msg.get("Uniqueid1")),
            self.call_id_of(msg.get("Uniqueid2")),
        ) else {
            return;
        };
        // Keep the call that already reported events (or the older one).
        let reported = |id: &str| self.calls.get(id).map_or(0, |e| e.events_emitted);
        let (into, from) = if reported(&b) > 0 && reported(&a) == 0 {
            (b, a)
        } else {
            (a, b)
        };
        self.merge(&into, &from, now);
        if !answers {
            return;
        }
        let uid2 = msg.get("Uniqueid2").unwrap_or("").trim();
        self.with_call(&into, now, |entry, sink| {
            let by = entry
                .call
                .channels
                .iter()
                .skip(1)
                .find(|c| &*c.uniqueid == uid2)
                .or_else(|| entry.call.channels.get(1))
                .and_then(|c| c.caller_number.clone());
            sink.answered(entry, by, now);
        });
    }

    fn on_hold(&mut self, msg: &Message<'_>, hold: bool, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        self.with_call(&call_id, now, |entry, sink| {
            if hold
                && matches!(
                    entry.call.state,
                    CallState::Answered | CallState::Transferred
                )
            {
                entry.state_before_hold = entry.call.state;
                entry.call.state = CallState::OnHold;
                sink.emit(entry, Emit::Held, now);
            } else if !hold && entry.call.state == CallState::OnHold {
                entry.call.state = entry.state_before_hold;
                sink.emit(entry, Emit::Resumed, now);
            }
        });
    }

    fn transferred(&mut self, call_id: &str, target: Option<Box<str>>, now: SystemTime) {
        self.with_call(call_id, now, |entry, sink| {
            if entry.call.state == CallState::Ended {
                return;
            }
            entry.call.state = CallState::Transferred;
            if target.is_some() {
                entry.call.to = target.clone();
            }
            sink.emit(entry, Emit::Transferred(target), now);
        });
    }

    fn transfer_succeeded(msg: &Message<'_>) -> bool {
        msg.get("Result")
            .is_none_or(|r| r.trim().eq_ignore_ascii_case("Success"))
    }

    fn on_blind_transfer(&mut self, msg: &Message<'_>, now: SystemTime) {
        if !Self::transfer_succeeded(msg) {
            return;
        }
        let Some(call_id) = self
            .call_id_of(msg.get("TransfereeUniqueid"))
            .or_else(|| self.call_id_of(msg.get("TransfererUniqueid")))
        else {
            return;
        };
        let target = boxed(msg.get("Extension"));
        self.transferred(&call_id, target, now);
    }

    fn on_attended_transfer(&mut self, msg: &Message<'_>, now: SystemTime) {
        if !Self::transfer_succeeded(msg) {
            return;
        }
        let Some(call_id) = self
            .call_id_of(msg.get("TransfereeUniqueid"))
            .or_else(|| self.call_id_of(msg.get("OrigTransfererUniqueid")))
        else {
            return;
        };
        let target_uid = meaningful(msg.get("TransferTargetUniqueid"));
        let target = target_uid
            .and_then(|t| {
                let id = self.channel_calls.get(t)?;
                let entry = self.calls.get(id)?;
                entry
                    .call
                    .channels
                    .iter()
                    .find(|c| &*c.uniqueid == t)?
                    .caller_number
                    .clone()
            })
            .or_else(|| boxed(msg.get("TransferTargetCallerIDNum")));
        let other = self
            .call_id_of(target_uid)
            .or_else(|| self.call_id_of(msg.get("SecondTransfererUniqueid")));
        if let Some(other) = other {
            self.merge(&call_id, &other, now);
        }
        self.transferred(&call_id, target, now);
    }

    /// Legacy `Transfer` (`TransferType: Blind|Attended`).
    fn on_legacy_transfer(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let mut target = boxed(msg.get("TransferExten"));
        let attended = msg
            .get("TransferType")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("Attended"));
        let other = attended
            .then(|| self.call_id_of(msg.get("TargetUniqueid")))
            .flatten();
        if let Some(other) = other {
            if target.is_none() {
                target = self
                    .calls
                    .get(&other)
                    .and_then(|e| e.call.from_number.clone());
            }
            self.merge(&call_id, &other, now);
        }
        self.transferred(&call_id, target, now);
    }

    fn on_rename(&mut self, msg: &Message<'_>) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let uid = msg.get("Uniqueid").unwrap_or("").trim();
        let Some(new_name) = meaningful(msg.get("Newname")) else {
            return;
        };
        if let Some(ch) = self
            .calls
            .get_mut(&call_id)
            .and_then(|e| e.call.channels.iter_mut().find(|c| &*c.uniqueid == uid))
        {
            ch.name = new_name.into();
        }
    }

    fn on_queue_join(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let queue = boxed(msg.get("Queue"));
        self.with_call(&call_id, now, |entry, _| {
            if queue.is_some() {
                entry.call.queue = queue;
            }
        });
    }

    fn on_hangup(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(uid) = meaningful(msg.get("Uniqueid")) else {
            return;
        };
        self.note_resync(uid, true);
        let Some(call_id) = self.channel_calls.remove(uid) else {
            return;
        };
        let cause = msg.get("Cause").and_then(|c| c.trim().parse::<u16>().ok());
        let text = boxed(msg.get("Cause-txt"));
        let mut all_down = false;
        self.with_call(&call_id, now, |entry, _| {
            let mut first = false;
            for (i, ch) in entry.call.channels.iter_mut().enumerate() {
                if &*ch.uniqueid == uid {
                    ch.hung_up = true;
                    first = i == 0;
                }
            }
            if first {
                entry.call.hangup_cause = cause;
                entry.call.hangup_cause_text = text.clone();
            }
            entry.last_cause = Some((cause, text));
            all_down = entry.call.channels.iter().all(|c| c.hung_up);
        });
        if all_down {
            self.end_call(&call_id, now, None);
        }
    }

    /// Closes a call: emits `Ended` and hands its record to the `Cdr` wait (or releases it).
    fn end_call(&mut self, call_id: &str, now: SystemTime, reason: Option<&str>) {
        let Some(mut entry) = self.calls.remove(call_id) else {
            return;
        };
        for ch in &entry.call.channels {
            if self
                .channel_calls
                .get(&ch.uniqueid)
                .is_some_and(|id| &**id == call_id)
            {
                self.channel_calls.remove(&ch.uniqueid);
            }
        }
        entry.call.state = CallState::Ended;
        entry.call.ended_at = Some(now);
        if let Some(reason) = reason {
            entry.call.hangup_cause_text = Some(reason.into());
        } else if entry.call.hangup_cause.is_none()
            && let Some((cause, text)) = entry.last_cause.take()
        {
            entry.call.hangup_cause = cause;
            entry.call.hangup_cause_text = text;
        }
        let (_, mut sink) = self.sink();
        sink.emit(&mut entry, Emit::Ended, now);
        if let Some(cdr) = entry.cdr.take() {
            self.release(entry.call, Some(&cdr), entry.dial_status.as_deref());
            return;
        }
        if self.pending.len() >= self.config.max_pending_completions.max(1)
            && let Some(p) = self.pending.pop_front()
        {
            self.release(p.call, None, p.dial_status.as_deref());
            self.stats.completions_without_cdr += 1;
        }
        self.pending.push_back(Pending {
            call: entry.call,
            dial_status: entry.dial_status,
            deadline: now + self.config.cdr_wait,
        });
    }

    fn release(&mut self, call: Call, cdr: Option<&CdrRecord>, dial_status: Option<&str>) {
        if self.released.len() >= self.config.max_pending_completions.max(1) {
            self.released.pop_front();
        }
        self.released.push_back(call.id.clone());
        if self.completed.len() >= self.config.max_pending_completions.max(1) {
            self.completed.pop_front();
        }
        self.completed
            .push_back(completed_from(call, cdr, dial_status));
    }

    fn on_cdr(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(cdr) = CdrRecord::from_message(msg) else {
            return;
        };
        let uid = cdr.uniqueid.clone();
        if uid.is_empty() {
            return;
        }
        let active = self
            .channel_calls
            .get(&uid)
            .cloned()
            .or_else(|| self.calls.contains_key(&uid).then(|| uid.clone()));
        if let Some(call_id) = active {
            if let Some(entry) = self.calls.get_mut(&call_id) {
                entry.last_activity = now;
                if entry.cdr.is_none() {
                    entry.cdr = Some(cdr);
                }
            }
            return;
        }
        let pending = self
            .pending
            .iter()
            .position(|p| p.call.id == uid || p.call.channels.iter().any(|c| c.uniqueid == uid));
        if let Some(index) = pending {
            if let Some(p) = self.pending.remove(index) {
                self.release(p.call, Some(&cdr), p.dial_status.as_deref());
            }
            return;
        }
        if self.released.iter().any(|id| *id == uid) {
            return;
        }
        // A call never seen (it began before the tracker did): record the CDR alone.
        let duration = Duration::from_secs(cdr.duration);
        let started_at = now.checked_sub(duration).unwrap_or(now);
        let mut call = Call {
            id: uid,
            direction: Direction::Internal,
            state: CallState::Ended,
            from_number: meaningful(Some(&cdr.source)).map(Box::from),
            from_name: None,
            to: meaningful(Some(&cdr.destination)).map(Box::from),
            answered_by: None,
            extension: None,
            external_number: None,
            originated: false,
            queue: None,
            started_at,
            answered_at: (cdr.billsec > 0)
                .then(|| now.checked_sub(Duration::from_secs(cdr.billsec)))
                .flatten(),
            ended_at: Some(now),
            hangup_cause: None,
            hangup_cause_text: None,
            recording: None,
            channels: Vec::new(),
        };
        refresh_parties(&self.config, &mut call);
        self.release(call, Some(&cdr), None);
    }

    fn on_originate_response(&mut self, msg: &Message<'_>, now: SystemTime) {
        let success = msg
            .get("Response")
            .is_some_and(|r| r.trim().eq_ignore_ascii_case("Success"));
        if !success {
            self.stats.originate_failures += 1;
            return;
        }
        let Some(call_id) = self.call_id_of(msg.get("Uniqueid")) else {
            return;
        };
        let exten = dialled(msg.get("Exten")).map(Box::<str>::from);
        self.with_call(&call_id, now, |entry, _| {
            entry.call.originated = true;
            if entry.call.to.is_none() {
                entry.call.to = exten;
            }
        });
    }

    // ---- extensions ---------------------------------------------------------------------

    fn set_extension(
        &mut self,
        name: &str,
        state: Option<ExtensionState>,
        registered: Option<bool>,
        from_hint: bool,
        now: SystemTime,
    ) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let known = self.extensions.contains_key(name);
        if !known && !from_hint && !self.config.extensions.is_extension(name) {
            return;
        }
        if !known && self.extensions.len() >= self.config.max_extensions {
            self.stats.extensions_dropped += 1;
            return;
        }
        let old = self.extensions.get(name).copied();
        let mut new = old.unwrap_or(ExtensionStatus {
            state: ExtensionState::Unknown,
            registered: None,
        });
        if let Some(state) = state {
            new.state = state;
        }
        if registered.is_some() {
            new.registered = registered;
        }
        if old == Some(new) {
            return;
        }
        let key: Box<str> = name.into();
        self.extensions.insert(key.clone(), new);
        if let Some(resync) = &mut self.resync {
            resync.extension_changes.retain(|(k, _)| *k != key);
            resync.extension_changes.push((key.clone(), new));
        }
        let (_, mut sink) = self.sink();
        sink.push(CallEvent::ExtensionStatus {
            extension: key,
            status: new,
            at: now,
        });
    }

    fn on_extension_status(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(exten) = meaningful(msg.get("Exten")) else {
            return;
        };
        let Some(code) = msg.get("Status").and_then(|s| s.trim().parse::<i32>().ok()) else {
            return;
        };
        self.set_extension(
            exten,
            Some(ExtensionState::from_status_code(code)),
            None,
            true,
            now,
        );
    }

    /// `PJSIP/1002` → `1002`.
    fn device_name(device: &str) -> &str {
        device.rsplit_once('/').map_or(device, |(_, n)| n)
    }

    fn on_device_state(&mut self, msg: &Message<'_>, now: SystemTime) {
        let (Some(device), Some(state)) = (meaningful(msg.get("Device")), msg.get("State")) else {
            return;
        };
        // Only endpoint devices: `Queue:…`, `Custom:…` and park states are not extensions.
        if device.contains(':') {
            return;
        }
        let state = ExtensionState::from_device_state(state);
        self.set_extension(Self::device_name(device), Some(state), None, false, now);
    }

    fn on_peer_status(&mut self, msg: &Message<'_>, now: SystemTime) {
        let (Some(peer), Some(status)) = (meaningful(msg.get("Peer")), msg.get("PeerStatus"))
        else {
            return;
        };
        let status = status.trim();
        let registered = ["Registered", "Reachable", "Lagged"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(status))
            .then_some(true)
            .or_else(|| {
                ["Unregistered", "Unreachable", "Rejected"]
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(status))
                    .then_some(false)
            });
        if registered.is_some() {
            self.set_extension(Self::device_name(peer), None, registered, false, now);
        }
    }

    fn on_contact_status(&mut self, msg: &Message<'_>, now: SystemTime) {
        let (Some(aor), Some(status)) = (meaningful(msg.get("AOR")), msg.get("ContactStatus"))
        else {
            return;
        };
        let status = status.trim();
        let registered = if status.eq_ignore_ascii_case("Removed")
            || status.eq_ignore_ascii_case("Unreachable")
        {
            false
        } else if ["Created", "Reachable", "NonQualified", "Updated"]
            .iter()
            .any(|s| s.eq_ignore_ascii_case(status))
        {
            true
        } else {
            return;
        };
        self.set_extension(aor, None, Some(registered), false, now);
    }

    /// Legacy `SIPpeers` item: an address means a registration.
    fn on_peer_entry(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(name) = meaningful(msg.get("ObjectName")) else {
            return;
        };
        let address = msg.get("IPaddress").map(str::trim).unwrap_or("");
        let unreachable = msg
            .get("Status")
            .is_some_and(|s| s.trim().to_ascii_uppercase().starts_with("UNREACHABLE"));
        let registered =
            !(address.is_empty() || address == "-none-" || address == "(null)" || unreachable);
        self.set_extension(name, None, Some(registered), false, now);
    }

    /// `PJSIPShowEndpoints` item: contacts mean a registration.
    fn on_endpoint_list(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(name) = meaningful(msg.get("ObjectName")) else {
            return;
        };
        let registered = msg.get("Contacts").is_some_and(|c| !c.trim().is_empty());
        let state = msg
            .get("DeviceState")
            .map(ExtensionState::from_device_state);
        self.set_extension(name, state, Some(registered), false, now);
    }

    // ---- resync -------------------------------------------------------------------------

    /// Starts a resync (after a reconnect): feed the `CoreShowChannel` (or legacy `Status`)
    /// items, `ExtensionStateList` items and `PJSIPShowEndpoints`/`SIPpeers` items through
    /// [`handle_message`](Self::handle_message), then call [`finish_resync`](Self::finish_resync).
    pub fn begin_resync(&mut self) {
        self.resync = Some(Resync::default());
    }

    /// Remembers, while resyncing, a channel created (or hung up) by live events.
    fn note_resync(&mut self, uid: &str, hung_up: bool) {
        let limit = self.config.max_active_calls;
        if let Some(resync) = &mut self.resync {
            let set = if hung_up {
                &mut resync.hung_up
            } else {
                &mut resync.fresh
            };
            if set.len() < limit {
                set.insert(uid.into());
            }
        }
    }

    /// True between `begin_resync` and `finish_resync`.
    pub fn is_resyncing(&self) -> bool {
        self.resync.is_some()
    }

    fn on_channel_snapshot(&mut self, msg: &Message<'_>, now: SystemTime) {
        let Some(uid) = meaningful(msg.get("Uniqueid")) else {
            return;
        };
        let Some(name) = meaningful(msg.get("Channel")) else {
            return;
        };
        let snapshot = SnapshotChannel {
            uniqueid: uid.into(),
            linkedid: boxed(msg.get("Linkedid")),
            bridged: boxed(msg.get("BridgedUniqueid")),
            name: name.into(),
            state: channel_state(msg).unwrap_or(ChannelState::Unknown),
            caller_number: boxed(msg.get("CallerIDNum")),
            caller_name: boxed(msg.get("CallerIDName")),
            exten: dialled(msg.get("Exten").or_else(|| msg.get("Extension"))).map(Box::from),
            age: parse_age(msg.get("Seconds").or_else(|| msg.get("Duration"))),
        };
        let limit = self
            .config
            .max_active_calls
            .saturating_mul(self.config.max_channels_per_call);
        match &mut self.resync {
            Some(resync) if resync.channels.len() < limit => resync.channels.push(snapshot),
            Some(_) => self.stats.channels_dropped += 1,
            // Outside a resync, list items answer someone's query: they refresh known
            // channels but open no call (events, not snapshots, drive the live model).
            None => {
                if let Some(call_id) = self.channel_calls.get(&snapshot.uniqueid).cloned() {
                    self.set_channel_state(&call_id, &snapshot.uniqueid, snapshot.state, None, now);
                }
            }
        }
    }

    /// Adds or updates one channel from a list item; records newly created calls.
    fn apply_snapshot(
        &mut self,
        snap: SnapshotChannel,
        now: SystemTime,
        opened: &mut Vec<Box<str>>,
    ) {
        if let Some(call_id) = self.channel_calls.get(&snap.uniqueid).cloned() {
            self.set_channel_state(&call_id, &snap.uniqueid, snap.state, None, now);
            return;
        }
        // Legacy lists have no Linkedid: the older of two bridged channels names the call.
        let key: Option<Box<str>> = snap
            .linkedid
            .clone()
            .filter(|l| *l != snap.uniqueid)
            .or_else(|| {
                let bridged = snap.bridged.as_deref()?;
                if let Some(id) = self.channel_calls.get(bridged) {
                    return Some(id.clone());
                }
                (uniqueid_key(bridged) < uniqueid_key(&snap.uniqueid)).then(|| bridged.into())
            });
        let started_at = now.checked_sub(snap.age).unwrap_or(now);
        let channel = ChannelInfo {
            uniqueid: snap.uniqueid,
            name: snap.name,
            state: snap.state,
            caller_number: snap.caller_number,
            caller_name: snap.caller_name,
            bridge_id: None,
            hung_up: false,
        };
        let existed = key
            .as_deref()
            .is_some_and(|k| self.calls.contains_key(k) || self.channel_calls.contains_key(k));
        if let Some(call_id) = self.add_channel(channel, key.as_deref(), snap.exten, now)
            && !existed
            && !opened.contains(&call_id)
        {
            if let Some(entry) = self.calls.get_mut(&call_id) {
                entry.call.started_at = started_at;
            }
            opened.push(call_id);
        }
    }

    /// Emits `Ringing`/`Answered` for calls opened from list items.
    fn announce_opened(&mut self, opened: &[Box<str>], now: SystemTime) {
        for id in opened {
            self.with_call(id, now, |entry, sink| {
                let states = || entry.call.channels.iter().map(|c| c.state);
                let up = states().filter(|s| *s == ChannelState::Up).count();
                let first_up =
                    entry.call.channels.first().map(|c| c.state) == Some(ChannelState::Up);
                let ringing =
                    states().any(|s| matches!(s, ChannelState::Ringing | ChannelState::Ring));
                if up >= 2 || (first_up && entry.call.channels.len() == 1) {
                    let by = entry
                        .call
                        .channels
                        .get(1)
                        .and_then(|c| c.caller_number.clone());
                    sink.answered(entry, by, now);
                } else if ringing || up == 1 {
                    sink.ringing(entry, now);
                }
            });
        }
    }

    /// Ends the resync: closes calls whose channels are gone ("ended while disconnected"),
    /// opens calls that began, updates the rest, and reports what changed. The matching
    /// events are queued. Without `begin_resync` it reports nothing.
    pub fn finish_resync(&mut self, now: SystemTime) -> ResyncReport {
        let Some(resync) = self.resync.take() else {
            return ResyncReport::default();
        };
        let mut report = ResyncReport::default();
        let seen: HashSet<&str> = resync
            .channels
            .iter()
            .map(|c| &*c.uniqueid)
            .chain(resync.fresh.iter().map(|u| &**u))
            .collect();
        let mut gone_calls = Vec::new();
        let mut gone_channels = Vec::new();
        for (id, entry) in &self.calls {
            let live: Vec<&ChannelInfo> =
                entry.call.channels.iter().filter(|c| !c.hung_up).collect();
            if !live.iter().any(|c| seen.contains(&*c.uniqueid)) {
                gone_calls.push(id.clone());
            } else {
                gone_channels.extend(
                    live.iter()
                        .filter(|c| !seen.contains(&*c.uniqueid))
                        .map(|c| (id.clone(), c.uniqueid.clone())),
                );
            }
        }
        for id in gone_calls {
            self.end_call(&id, now, Some(ENDED_WHILE_DISCONNECTED));
            report.ended.push(id);
        }
        for (call_id, uid) in gone_channels {
            self.channel_calls.remove(&uid);
            if let Some(ch) = self
                .calls
                .get_mut(&call_id)
                .and_then(|e| e.call.channels.iter_mut().find(|c| c.uniqueid == uid))
            {
                ch.hung_up = true;
            }
        }
        let mut channels = resync.channels;
        channels.retain(|c| !resync.hung_up.contains(&c.uniqueid));
        channels.sort_by(|a, b| uniqueid_key(&a.uniqueid).cmp(&uniqueid_key(&b.uniqueid)));
        let mut opened = Vec::new();
        for snap in channels {
            self.apply_snapshot(snap, now, &mut opened);
        }
        self.announce_opened(&opened, now);
        report.opened = opened;
        report.extension_changes = resync.extension_changes;
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::ExtensionPlan;
    use crate::tracker::model::{format_rfc3339, peer_of_channel};

    fn channel(uid: &str, name: &str) -> ChannelInfo {
        ChannelInfo {
            uniqueid: uid.into(),
            name: name.into(),
            state: ChannelState::Up,
            caller_number: None,
            caller_name: None,
            bridge_id: None,
            hung_up: false,
        }
    }

    fn call(from: &str, to: &str, channels: &[&str]) -> Call {
        Call {
            id: "1.0".into(),
            direction: Direction::Internal,
            state: CallState::Setup,
            from_number: Some(from.into()),
            from_name: None,
            to: Some(to.into()),
            answered_by: None,
            extension: None,
            external_number: None,
            originated: false,
            queue: None,
            started_at: SystemTime::UNIX_EPOCH,
            answered_at: None,
            ended_at: None,
            hangup_cause: None,
            hangup_cause_text: None,
            recording: None,
            channels: channels
                .iter()
                .enumerate()
                .map(|(i, n)| channel(&format!("1.{i}"), n))
                .collect(),
        }
    }

    fn direction(config: &TrackerConfig, c: &mut Call) -> Direction {
        refresh_parties(config, c);
        c.direction
    }

    #[test]
    fn direction_classification() {
        let config = TrackerConfig {
            trunks: vec!["provider".into(), "sip-trunk".into()],
            ..TrackerConfig::default()
        };
        let cases: [(&str, &str, &[&str], Direction); 9] = [
            (
                "1001",
                "1002",
                &["PJSIP/1001-00000001", "PJSIP/1002-00000002"],
                Direction::Internal,
            ),
            ("1001", "600", &["PJSIP/1001-00000001"], Direction::Internal),
            ("1001", "*97", &["SIP/1001-00000001"], Direction::Internal),
            // Trunk peer on the caller side, even with a short caller number.
            (
                "123",
                "0311",
                &["PJSIP/provider-0000000a", "PJSIP/1002-0000000b"],
                Direction::Inbound,
            ),
            // Trunk names containing '-' keep it.
            (
                "0612345678",
                "1002",
                &["SIP/sip-trunk-0000000a"],
                Direction::Inbound,
            ),
            (
                "1001",
                "0612345678",
                &["PJSIP/1001-0000000a", "PJSIP/provider-0000000b"],
                Direction::Outbound,
            ),
            // No trunk configured for the peer: the dialled digits decide.
            (
                "1001",
                "+33612345678",
                &["PJSIP/1001-0000000a"],
                Direction::Outbound,
            ),
            ("0612345678", "1002", &["IAX2/other-1"], Direction::Inbound),
            // Local channels say nothing; the numbers do.
            (
                "1001",
                "1002",
                &["Local/1002@from-internal-00000001;1"],
                Direction::Internal,
            ),
        ];
        for (from, to, channels, expected) in cases {
            let mut c = call(from, to, channels);
            assert_eq!(
                direction(&config, &mut c),
                expected,
                "{from} -> {to} {channels:?}"
            );
        }
        let mut inbound = call("0612345678", "0311", &["PJSIP/provider-1", "PJSIP/1002-2"]);
        refresh_parties(&config, &mut inbound);
        assert_eq!(inbound.extension.as_deref(), Some("1002"));
        assert_eq!(inbound.external_number.as_deref(), Some("0612345678"));
    }

    #[test]
    fn extension_plan_prefixes_and_explicit() {
        let plan = ExtensionPlan {
            min_digits: 3,
            max_digits: 5,
            prefixes: vec!["2".into(), "80".into()],
            explicit: vec!["reception".into()],
        };
        assert!(plan.is_extension("200"));
        assert!(plan.is_extension("80123"));
        assert!(plan.is_extension("reception"));
        assert!(!plan.is_extension("1001"));
        assert!(!plan.is_extension("20"));
        assert!(!plan.is_extension("200000"));
        assert!(!plan.is_extension("2a0"));
    }

    #[test]
    fn helpers() {
        assert_eq!(peer_of_channel("PJSIP/1001-00000000"), Some("1001"));
        assert_eq!(peer_of_channel("SIP/my-trunk-0000002a"), Some("my-trunk"));
        assert_eq!(peer_of_channel("Local/1002@ctx-00000001;1"), None);
        assert_eq!(peer_of_channel("garbage"), None);
        assert_eq!(parse_age(Some("01:02:03")), Duration::from_secs(3723));
        assert_eq!(parse_age(Some("17")), Duration::from_secs(17));
        assert_eq!(parse_age(Some("x")), Duration::ZERO);
        assert!(uniqueid_key("1795728803.10") > uniqueid_key("1795728803.9"));
        assert_eq!(meaningful(Some(" <unknown> ")), None);
        assert_eq!(meaningful(Some("<null>")), None);
        assert_eq!(dialled(Some("s")), None);
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_728_803_250);
        assert_eq!(format_rfc3339(t), "2026-11-26T21:33:23.250Z");
        assert_eq!(
            format_rfc3339(SystemTime::UNIX_EPOCH),
            "1970-01-01T00:00:00.000Z"
        );
    }
}
