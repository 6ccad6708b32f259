//! The joined active-call table: one [`Call`] per conversation, whatever interfaces saw it.
//! Sans-IO: [`CallJoiner`] is fed call events and Call-ID facts and returns the events to
//! hand on and the AMI queries to make; it opens no socket and reads no clock.
//!
//! # The join rule
//!
//! The AMI sees every call of the PBX; our own SIP user agent sees only its dialogs. A
//! dialog of ours is one leg of a call the AMI also sees, and the PBX names that leg's SIP
//! Call-ID, so the two views are joined **on the SIP Call-ID**:
//!
//! 1. An AMI leg is a candidate when its channel belongs to one of our SIP accounts:
//!    `PJSIP/<extension>-…` or `SIP/<extension>-…` with `<extension>` in
//!    [`CallJoiner::set_extensions`].
//! 2. The Call-ID of a candidate leg is learned from the PBX: chan_sip sets the channel
//!    variable `SIPCALLID` on every SIP channel (a `VarSet` event when the AMI user reads the
//!    `dialplan` class); for PJSIP the joiner asks for the `CHANNEL(pjsip,call-id)` function
//!    with a [`CallIdQuery`] (`Getvar`), once per leg. Either answer goes to
//!    [`CallJoiner::handle_call_id`].
//! 3. An AMI call and our SIP dialog whose Call-ID one of its legs carries are one call. It
//!    keeps the id of whichever view was reported first; when both had been reported before
//!    the Call-ID was known, [`JoinOutput::Joined`] says which id was absorbed into which.
//! 4. Once joined, the AMI view speaks for the call (it sees both parties, transfers and the
//!    PBX's hangup causes): its events are handed on under the call's id, and the events of
//!    our SIP dialog only update the table. The call's `Ended` is handed on once, when the
//!    AMI view ends; the entry goes when every view has ended.
//! 5. History: the AMI's record of a joined call (merged with the PBX's CDRs) is kept, under
//!    the call's id; the SIP agent's record of the same call is dropped
//!    ([`CallJoiner::completed`]).
//!
//! Without AMI, or for calls whose legs are not ours, nothing is joined and each view's
//! events pass through unchanged.
//!
//! # Run-loop contract
//!
//! After every input ([`handle_call_event`](CallJoiner::handle_call_event),
//! [`handle_call_id`](CallJoiner::handle_call_id),
//! [`handle_query_failed`](CallJoiner::handle_query_failed)) drain
//! [`poll_output`](CallJoiner::poll_output) until it returns `None`: hand each
//! [`JoinOutput::Call`] and [`JoinOutput::Joined`] to the application, send each
//! [`JoinOutput::Query`] to the AMI as `Getvar` and feed its answer back.
//!
//! # Limits
//!
//! Every table is bounded ([`JoinLimits`]): at most `max_calls` active calls (the least
//! recently changed is forgotten when a new one does not fit; its later events start a new
//! entry), `max_remembered_ids` Call-IDs and ended ids kept for late answers and records,
//! `max_pending_queries` queries awaiting an answer, [`MAX_SIP_VIEWS_PER_CALL`] dialogs and
//! [`MAX_INDEXED_LEGS_PER_CALL`] AMI legs per call.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Arc;
use std::time::SystemTime;

use serde::Serialize;
use yeastar_calls::{Call, CallEvent, CallState, CompletedCall, Source};

/// Default of [`JoinLimits::max_calls`]: far above the concurrent calls of a Yeastar PBX.
pub const DEFAULT_MAX_JOINED_CALLS: usize = 4096;
/// Default of [`JoinLimits::max_remembered_ids`].
pub const DEFAULT_MAX_REMEMBERED_IDS: usize = 4096;
/// Default of [`JoinLimits::max_pending_queries`]: `Getvar`s awaiting an answer.
pub const DEFAULT_MAX_PENDING_QUERIES: usize = 64;
/// Most SIP dialogs of ours joined to one call (a call between two of our own accounts has
/// two).
pub const MAX_SIP_VIEWS_PER_CALL: usize = 8;
/// Most AMI legs of one call indexed for the join; later legs are not candidates.
pub const MAX_INDEXED_LEGS_PER_CALL: usize = 64;

/// The function that gives a PJSIP channel's SIP Call-ID (asked with `Getvar`).
pub const PJSIP_CALL_ID_VARIABLE: &str = "CHANNEL(pjsip,call-id)";
/// The variable chan_sip sets to a channel's SIP Call-ID (reported by `VarSet`, or asked).
pub const CHAN_SIP_CALL_ID_VARIABLE: &str = "SIPCALLID";

/// The interface a view of a call, or an event, came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// The Asterisk Manager Interface.
    Ami,
    /// Our own SIP user agent over UDP, TCP or TLS.
    Sip,
    /// Our own SIP user agent over WebSocket.
    WebSocket,
}

impl Mode {
    /// The JSON spelling: `ami`, `sip`, `websocket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Ami => "ami",
            Mode::Sip => "sip",
            Mode::WebSocket => "websocket",
        }
    }

    /// The mode of a call's [`Source`].
    pub fn of_source(source: Source) -> Mode {
        match source {
            Source::Ami => Mode::Ami,
            Source::WebSocket => Mode::WebSocket,
            _ => Mode::Sip,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bounds of the joiner's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct JoinLimits {
    /// Active calls ([`DEFAULT_MAX_JOINED_CALLS`]).
    pub max_calls: usize,
    /// Call-IDs learned ahead of their call, and ids of ended or absorbed calls kept for late
    /// answers and records ([`DEFAULT_MAX_REMEMBERED_IDS`] of each).
    pub max_remembered_ids: usize,
    /// Queries awaiting an answer ([`DEFAULT_MAX_PENDING_QUERIES`]).
    pub max_pending_queries: usize,
}

impl Default for JoinLimits {
    fn default() -> Self {
        JoinLimits {
            max_calls: DEFAULT_MAX_JOINED_CALLS,
            max_remembered_ids: DEFAULT_MAX_REMEMBERED_IDS,
            max_pending_queries: DEFAULT_MAX_PENDING_QUERIES,
        }
    }
}

/// A call in progress, as the facade shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActiveCall {
    /// The call: the AMI's view when the AMI sees it, else our SIP dialog's; its `id` is the
    /// id the call was first reported under.
    #[serde(flatten)]
    pub call: Call,
    /// The AMI's id of the call (its `Linkedid`), when the AMI sees it.
    pub ami_id: Option<Arc<str>>,
    /// The SIP Call-IDs of our own dialogs in the call.
    pub sip_call_ids: Vec<Arc<str>>,
}

/// Ask the PBX for the SIP Call-ID of an AMI leg: `Action: Getvar`, `Channel: <channel>`,
/// `Variable: <variable>`; give the answer to [`CallJoiner::handle_call_id`], a failure to
/// [`CallJoiner::handle_query_failed`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallIdQuery {
    /// The leg's `Uniqueid`.
    pub uniqueid: Arc<str>,
    /// Its channel name (`PJSIP/1001-00000004`).
    pub channel: Arc<str>,
    /// [`PJSIP_CALL_ID_VARIABLE`] or [`CHAN_SIP_CALL_ID_VARIABLE`].
    pub variable: &'static str,
}

/// What the joiner asks its driver to do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JoinOutput {
    /// Hand this call event on; its call carries the joined call's id.
    Call {
        /// The interface that saw the change.
        mode: Mode,
        /// The event.
        event: CallEvent,
    },
    /// Two calls reported under different ids are one: `absorbed` is now part of `call`.
    Joined {
        /// The joined call.
        call: Box<Call>,
        /// The id that is no more.
        absorbed: Arc<str>,
        /// When the join was learned.
        at: SystemTime,
    },
    /// Ask the AMI for a leg's Call-ID.
    Query(CallIdQuery),
}

/// Counters of the joiner's work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JoinStats {
    /// Calls joined (an AMI call and a dialog of ours found to be one).
    pub joined: u64,
    /// Calls forgotten because the table was full.
    pub evicted: u64,
    /// Queries not made because [`JoinLimits::max_pending_queries`] were out.
    pub queries_skipped: u64,
}

/// A FIFO-bounded map: the oldest key goes when a new one does not fit.
#[derive(Debug)]
struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    fn new(capacity: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    fn insert(&mut self, key: K, value: V) {
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > self.capacity {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            self.map.remove(&old);
        }
        // Keys removed by `remove` leave stale entries in `order`: rebuild past twice the map.
        if self.order.len() > 2 * self.capacity {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    fn remove(&mut self, key: &K) -> Option<V> {
        self.map.remove(key)
    }
}

#[derive(Debug)]
struct View {
    call: Call,
    ended: bool,
}

#[derive(Debug)]
struct Entry {
    /// The id the call is reported under.
    id: Arc<str>,
    /// When it was first seen (input count): the earlier of two joined entries keeps its id.
    first_seen: u64,
    /// When it last changed (input count): the least recent is forgotten when full.
    touched: u64,
    /// True once an event was handed on under `id`.
    announced: bool,
    /// True once its `Ended` was handed on.
    ended_announced: bool,
    ami: Option<View>,
    sip: Vec<View>,
    /// The AMI legs indexed in `CallJoiner::legs`.
    legs: Vec<Arc<str>>,
}

impl Entry {
    fn new(id: Arc<str>, tick: u64) -> Entry {
        Entry {
            id,
            first_seen: tick,
            touched: tick,
            announced: false,
            ended_announced: false,
            ami: None,
            sip: Vec::new(),
            legs: Vec::new(),
        }
    }

    fn all_ended(&self) -> bool {
        self.ami.as_ref().is_none_or(|v| v.ended) && self.sip.iter().all(|s| s.ended)
    }

    fn merged(&self) -> Option<ActiveCall> {
        let base = self.ami.as_ref().or_else(|| self.sip.first())?;
        let mut call = base.call.clone();
        call.id = self.id.clone();
        if call.recording.is_none() {
            call.recording = self.sip.iter().find_map(|s| s.call.recording.clone());
        }
        Some(ActiveCall {
            call,
            ami_id: self.ami.as_ref().map(|v| v.call.id.clone()),
            sip_call_ids: self.sip.iter().map(|s| s.call.id.clone()).collect(),
        })
    }
}

/// An id that is gone (ended, evicted or absorbed): where its late news belongs.
#[derive(Debug, Clone)]
struct Gone {
    /// The id the call was reported under.
    id: Arc<str>,
    /// True when the AMI and a dialog of ours were joined in it.
    joined: bool,
}

/// The joined active-call table (see the [module docs](self)).
#[derive(Debug)]
pub struct CallJoiner {
    limits: JoinLimits,
    extensions: HashSet<String>,
    calls: HashMap<Arc<str>, Entry>,
    /// AMI call id → entry id.
    by_ami: HashMap<Arc<str>, Arc<str>>,
    /// SIP Call-ID → entry id.
    by_sip: HashMap<Arc<str>, Arc<str>>,
    /// AMI leg `Uniqueid` → entry id.
    legs: HashMap<Arc<str>, Arc<str>>,
    /// Call-IDs learned for AMI legs not yet seen in a call.
    leg_call_ids: Bounded<Arc<str>, Arc<str>>,
    /// Call-IDs of AMI legs whose dialog of ours has not been reported yet → entry id.
    awaiting_sip: Bounded<Arc<str>, Arc<str>>,
    /// Legs asked about already (never twice).
    asked: Bounded<Arc<str>, ()>,
    /// Legs with a query out.
    pending: HashSet<Arc<str>>,
    /// Ids of calls that ended, were forgotten or were absorbed.
    gone: Bounded<Arc<str>, Gone>,
    outputs: VecDeque<JoinOutput>,
    tick: u64,
    stats: JoinStats,
}

impl Default for CallJoiner {
    fn default() -> Self {
        CallJoiner::new(JoinLimits::default())
    }
}

/// `name` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ci<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| name.get(prefix.len()..))
        .flatten()
}

/// The variable that gives the SIP Call-ID of `channel`, when the channel is a SIP channel of
/// one of `extensions` (`PJSIP/1001-00000004`: [`PJSIP_CALL_ID_VARIABLE`]; `SIP/1001-0000a`:
/// [`CHAN_SIP_CALL_ID_VARIABLE`]).
pub fn call_id_variable(channel: &str, extensions: &HashSet<String>) -> Option<&'static str> {
    let (variable, rest) = if let Some(rest) = strip_prefix_ci(channel, "PJSIP/") {
        (PJSIP_CALL_ID_VARIABLE, rest)
    } else if let Some(rest) = strip_prefix_ci(channel, "SIP/") {
        (CHAN_SIP_CALL_ID_VARIABLE, rest)
    } else {
        return None;
    };
    let endpoint = rest.rsplit_once('-').map_or(rest, |(e, _)| e);
    extensions.contains(endpoint).then_some(variable)
}

fn call_mut(event: &mut CallEvent) -> Option<&mut Box<Call>> {
    match event {
        CallEvent::Ringing { call, .. }
        | CallEvent::Answered { call, .. }
        | CallEvent::Held { call, .. }
        | CallEvent::Resumed { call, .. }
        | CallEvent::Transferred { call, .. }
        | CallEvent::Ended { call, .. } => Some(call),
        _ => None,
    }
}

fn is_ended(event: &CallEvent) -> bool {
    matches!(event, CallEvent::Ended { .. }) || event.call().state == CallState::Ended
}

impl CallJoiner {
    /// An empty table.
    pub fn new(limits: JoinLimits) -> CallJoiner {
        let remembered = limits.max_remembered_ids;
        CallJoiner {
            limits,
            extensions: HashSet::new(),
            calls: HashMap::new(),
            by_ami: HashMap::new(),
            by_sip: HashMap::new(),
            legs: HashMap::new(),
            leg_call_ids: Bounded::new(remembered),
            awaiting_sip: Bounded::new(remembered),
            asked: Bounded::new(remembered),
            pending: HashSet::new(),
            gone: Bounded::new(remembered),
            outputs: VecDeque::new(),
            tick: 0,
            stats: JoinStats::default(),
        }
    }

    /// The extensions our SIP user agent registers: their AMI legs are the join candidates.
    pub fn set_extensions<I, S>(&mut self, extensions: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extensions = extensions.into_iter().map(Into::into).collect();
    }

    /// The next output; drain after every input.
    pub fn poll_output(&mut self) -> Option<JoinOutput> {
        self.outputs.pop_front()
    }

    /// Counters.
    pub fn stats(&self) -> JoinStats {
        self.stats
    }

    /// Active calls, oldest first.
    pub fn calls(&self) -> Vec<ActiveCall> {
        let mut entries: Vec<&Entry> = self.calls.values().collect();
        entries.sort_by_key(|e| e.first_seen);
        entries.into_iter().filter_map(Entry::merged).collect()
    }

    /// Active calls held.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// True when no call is active.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// The active call known by `id`: its own id, its AMI id or one of its SIP Call-IDs.
    pub fn call(&self, id: &str) -> Option<ActiveCall> {
        self.entry_id(id)
            .and_then(|e| self.calls.get(&e))
            .and_then(Entry::merged)
    }

    fn entry_id(&self, id: &str) -> Option<Arc<str>> {
        if self.calls.contains_key(id) {
            return self.calls.get_key_value(id).map(|(k, _)| k.clone());
        }
        self.by_ami
            .get(id)
            .or_else(|| self.by_sip.get(id))
            .cloned()
            .or_else(|| {
                let id: Arc<str> = id.into();
                self.gone
                    .get(&id)
                    .map(|g| g.id.clone())
                    .filter(|e| self.calls.contains_key(e))
            })
    }

    /// A call event of any mode (the mode is the call's [`Source`]).
    pub fn handle_call_event(&mut self, event: CallEvent) {
        self.tick += 1;
        match Mode::of_source(event.call().source) {
            Mode::Ami => self.on_ami(event),
            mode => self.on_sip(mode, event),
        }
    }

    /// The SIP Call-ID of an AMI leg, from a `Getvar` answer or a `VarSet` of `SIPCALLID`; an
    /// empty value (not a SIP channel, or already gone) is ignored.
    pub fn handle_call_id(&mut self, uniqueid: &str, call_id: &str, at: SystemTime) {
        self.tick += 1;
        let uniqueid: Arc<str> = uniqueid.into();
        self.pending.remove(&uniqueid);
        let call_id = call_id.trim();
        if call_id.is_empty() {
            return;
        }
        let call_id: Arc<str> = call_id.into();
        self.asked.insert(uniqueid.clone(), ());
        match self.legs.get(&uniqueid).cloned() {
            Some(entry) => self.link(entry, call_id, at),
            None => self.leg_call_ids.insert(uniqueid, call_id),
        }
    }

    /// A query made for this leg failed (no answer, refused): another may be made later.
    pub fn handle_query_failed(&mut self, uniqueid: &str) {
        let uniqueid: Arc<str> = uniqueid.into();
        self.pending.remove(&uniqueid);
        self.asked.remove(&uniqueid);
    }

    /// A completed call's record as the history should keep it: the AMI's record under the
    /// call's id; `None` for our SIP dialog's record of a call the AMI saw (its record is the
    /// AMI's, merged with the PBX's CDRs).
    pub fn completed(&self, mut record: CompletedCall) -> Option<CompletedCall> {
        let id: Arc<str> = record.call_id.as_str().into();
        match Mode::of_source(record.source) {
            Mode::Ami => {
                let entry = self
                    .by_ami
                    .get(&id)
                    .cloned()
                    .or_else(|| self.gone.get(&id).map(|g| g.id.clone()));
                if let Some(entry) = entry {
                    record.call_id = entry.to_string();
                }
                Some(record)
            }
            _ => {
                let joined = match self.by_sip.get(&id) {
                    Some(entry) => self.calls.get(entry).is_some_and(|e| e.ami.is_some()),
                    None => self.gone.get(&id).is_some_and(|g| g.joined),
                };
                (!joined).then_some(record)
            }
        }
    }

    fn touch(&mut self, entry: &Arc<str>) {
        let tick = self.tick;
        if let Some(e) = self.calls.get_mut(entry) {
            e.touched = tick;
        }
    }

    /// A new entry under `id`, forgetting the least recently changed one when full.
    fn open(&mut self, id: Arc<str>) {
        if self.calls.len() >= self.limits.max_calls.max(1)
            && let Some(oldest) = self
                .calls
                .values()
                .min_by_key(|e| e.touched)
                .map(|e| e.id.clone())
        {
            self.stats.evicted += 1;
            self.remove(&oldest);
        }
        self.calls.insert(id.clone(), Entry::new(id, self.tick));
    }

    /// Removes an entry and its indexes; its ids are remembered as gone.
    fn remove(&mut self, id: &Arc<str>) {
        let Some(entry) = self.calls.remove(id) else {
            return;
        };
        let joined = entry.ami.is_some() && !entry.sip.is_empty();
        let gone = Gone {
            id: entry.id.clone(),
            joined,
        };
        if let Some(ami) = &entry.ami {
            self.by_ami.remove(&ami.call.id);
            self.gone.insert(ami.call.id.clone(), gone.clone());
        }
        for s in &entry.sip {
            self.by_sip.remove(&s.call.id);
            self.gone.insert(s.call.id.clone(), gone.clone());
        }
        for leg in &entry.legs {
            self.legs.remove(leg);
            self.pending.remove(leg);
        }
        self.gone.insert(entry.id.clone(), gone);
    }

    fn emit(&mut self, entry: &Arc<str>, mode: Mode, mut event: CallEvent) {
        let ended = matches!(event, CallEvent::Ended { .. });
        if let Some(e) = self.calls.get_mut(entry) {
            e.announced = true;
            e.ended_announced |= ended;
        }
        if let Some(call) = call_mut(&mut event)
            && call.id != *entry
        {
            call.id = entry.clone();
        }
        self.outputs.push_back(JoinOutput::Call { mode, event });
    }

    fn on_ami(&mut self, event: CallEvent) {
        let ami_id = event.call().id.clone();
        let entry_id = match self.by_ami.get(&ami_id) {
            Some(e) => e.clone(),
            None => {
                self.open(ami_id.clone());
                self.by_ami.insert(ami_id.clone(), ami_id.clone());
                ami_id.clone()
            }
        };
        self.touch(&entry_id);
        let ended = is_ended(&event);
        // Index the legs; collect the Call-IDs already known for new ones, and the queries.
        let mut links = Vec::new();
        let mut queries = Vec::new();
        if let Some(e) = self.calls.get_mut(&entry_id) {
            e.ami = Some(View {
                call: event.call().clone(),
                ended,
            });
            for leg in &event.call().legs {
                let known = e.legs.contains(&leg.id);
                if !known && e.legs.len() < MAX_INDEXED_LEGS_PER_CALL {
                    e.legs.push(leg.id.clone());
                    self.legs.insert(leg.id.clone(), entry_id.clone());
                    if let Some(call_id) = self.leg_call_ids.remove(&leg.id) {
                        self.asked.insert(leg.id.clone(), ());
                        links.push(call_id);
                    }
                }
                if !ended
                    && !leg.hung_up
                    && (known || e.legs.contains(&leg.id))
                    && let Some(variable) = call_id_variable(&leg.name, &self.extensions)
                    && self.asked.get(&leg.id).is_none()
                    && !self.pending.contains(&leg.id)
                {
                    queries.push(CallIdQuery {
                        uniqueid: leg.id.clone(),
                        channel: leg.name.clone(),
                        variable,
                    });
                }
            }
        }
        let at = event.at();
        let mut entry_id = entry_id;
        for call_id in links {
            self.link(entry_id.clone(), call_id, at);
            // A join may have moved the AMI view to an earlier entry.
            if let Some(e) = self.by_ami.get(&ami_id) {
                entry_id = e.clone();
            }
        }
        self.emit(&entry_id, Mode::Ami, event);
        for query in queries {
            if self.pending.contains(&query.uniqueid) {
                // A leg listed twice in one call.
                continue;
            }
            if self.pending.len() >= self.limits.max_pending_queries {
                self.stats.queries_skipped += 1;
                continue;
            }
            self.asked.insert(query.uniqueid.clone(), ());
            self.pending.insert(query.uniqueid.clone());
            self.outputs.push_back(JoinOutput::Query(query));
        }
        if ended
            && self
                .calls
                .get(&entry_id)
                .is_none_or(|e| e.all_ended() || e.sip.is_empty())
        {
            self.remove(&entry_id);
        }
    }

    fn on_sip(&mut self, mode: Mode, event: CallEvent) {
        let call_id = event.call().id.clone();
        let ended = is_ended(&event);
        let entry_id = match self.by_sip.get(&call_id) {
            Some(e) => e.clone(),
            None => {
                let waiting = self
                    .awaiting_sip
                    .remove(&call_id)
                    .filter(|e| self.calls.contains_key(e));
                match waiting {
                    Some(e) => {
                        self.stats.joined += 1;
                        e
                    }
                    None => {
                        if self.gone.get(&call_id).is_some() {
                            // Late news of a call that ended or was forgotten.
                            return;
                        }
                        self.open(call_id.clone());
                        call_id.clone()
                    }
                }
            }
        };
        self.by_sip.insert(call_id.clone(), entry_id.clone());
        self.touch(&entry_id);
        let Some(e) = self.calls.get_mut(&entry_id) else {
            return;
        };
        let view = View {
            call: event.call().clone(),
            ended,
        };
        match e.sip.iter().position(|s| s.call.id == call_id) {
            Some(i) => e.sip[i] = view,
            None if e.sip.len() < MAX_SIP_VIEWS_PER_CALL => e.sip.push(view),
            None => {}
        }
        let speaks = e.ami.is_none();
        let done = e.all_ended();
        if speaks {
            self.emit(&entry_id, mode, event);
        }
        if done {
            self.remove(&entry_id);
        }
    }

    /// The AMI call of entry `ami_entry` has a leg with SIP Call-ID `call_id`.
    fn link(&mut self, ami_entry: Arc<str>, call_id: Arc<str>, at: SystemTime) {
        match self.by_sip.get(&call_id).cloned() {
            None => self.awaiting_sip.insert(call_id, ami_entry),
            Some(sip_entry) if sip_entry == ami_entry => {}
            Some(sip_entry) => self.merge(ami_entry, sip_entry, at),
        }
    }

    /// Joins two entries into the one seen first.
    fn merge(&mut self, a: Arc<str>, b: Arc<str>, at: SystemTime) {
        let (Some(ea), Some(eb)) = (self.calls.get(&a), self.calls.get(&b)) else {
            return;
        };
        if ea.ami.is_some() && eb.ami.is_some() {
            // Two AMI calls claim one dialog: leave them apart.
            return;
        }
        let (keep, drop) = if ea.first_seen <= eb.first_seen {
            (a, b)
        } else {
            (b, a)
        };
        let Some(absorbed) = self.calls.remove(&drop) else {
            return;
        };
        self.stats.joined += 1;
        let Some(survivor) = self.calls.get_mut(&keep) else {
            return;
        };
        if survivor.ami.is_none() {
            survivor.ami = absorbed.ami;
        }
        for s in absorbed.sip {
            if survivor.sip.len() < MAX_SIP_VIEWS_PER_CALL {
                survivor.sip.push(s);
            }
        }
        survivor.legs.extend(absorbed.legs.iter().cloned());
        survivor.touched = self.tick;
        let announced = absorbed.announced;
        if let Some(ami) = &survivor.ami {
            self.by_ami.insert(ami.call.id.clone(), keep.clone());
        }
        for s in &survivor.sip {
            self.by_sip.insert(s.call.id.clone(), keep.clone());
        }
        for leg in &absorbed.legs {
            self.legs.insert(leg.clone(), keep.clone());
        }
        self.gone.insert(
            drop.clone(),
            Gone {
                id: keep.clone(),
                joined: true,
            },
        );
        if self.calls.get(&keep).is_some_and(Entry::all_ended) {
            // Both over already: nothing left to announce.
            self.remove(&keep);
            return;
        }
        let merged = self.calls.get(&keep).and_then(Entry::merged);
        if announced && let Some(merged) = merged {
            self.outputs.push_back(JoinOutput::Joined {
                call: Box::new(merged.call),
                absorbed: drop,
                at,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use yeastar_calls::{CallLeg, Disposition, LegState};

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    fn ami_call(id: &str, legs: &[(&str, &str)], state: CallState) -> Call {
        let mut call = Call::new(id, Source::Ami, t(0));
        call.state = state;
        call.from_number = Some("1001".into());
        call.to = Some("1002".into());
        call.legs = legs
            .iter()
            .map(|(uid, name)| CallLeg::new(*uid, *name, LegState::Up))
            .collect();
        call
    }

    fn sip_call(id: &str, state: CallState) -> Call {
        let mut call = Call::new(id, Source::Sip, t(0));
        call.state = state;
        call.from_number = Some("1001".into());
        call.to = Some("1002".into());
        call
    }

    fn ringing(call: Call, s: u64) -> CallEvent {
        CallEvent::Ringing {
            call: Box::new(call),
            at: t(s),
        }
    }

    fn answered(call: Call, s: u64) -> CallEvent {
        CallEvent::Answered {
            call: Box::new(call),
            at: t(s),
        }
    }

    fn ended(mut call: Call, s: u64) -> CallEvent {
        call.state = CallState::Ended;
        call.ended_at = Some(t(s));
        CallEvent::Ended {
            call: Box::new(call),
            cause: Some(16),
            cause_text: None,
            duration: Duration::from_secs(s),
            billsec: Duration::ZERO,
            at: t(s),
        }
    }

    fn drain(j: &mut CallJoiner) -> Vec<JoinOutput> {
        std::iter::from_fn(|| j.poll_output()).collect()
    }

    /// (mode, event name, call id) of the call outputs.
    fn calls_of(outputs: &[JoinOutput]) -> Vec<(Mode, &'static str, String)> {
        outputs
            .iter()
            .filter_map(|o| match o {
                JoinOutput::Call { mode, event } => {
                    Some((*mode, event.name(), event.call().id.to_string()))
                }
                _ => None,
            })
            .collect()
    }

    fn queries_of(outputs: &[JoinOutput]) -> Vec<CallIdQuery> {
        outputs
            .iter()
            .filter_map(|o| match o {
                JoinOutput::Query(q) => Some(q.clone()),
                _ => None,
            })
            .collect()
    }

    fn joiner() -> CallJoiner {
        let mut j = CallJoiner::default();
        j.set_extensions(["1001", "1003"]);
        j
    }

    const CALLER: (&str, &str) = ("1700.1", "PJSIP/1001-00000001");
    const CALLEE: (&str, &str) = ("1700.2", "PJSIP/1002-00000002");

    #[test]
    fn candidates_are_the_sip_channels_of_our_extensions() {
        let ours: HashSet<String> = ["1001".to_string()].into();
        assert_eq!(
            call_id_variable("PJSIP/1001-0000000a", &ours),
            Some(PJSIP_CALL_ID_VARIABLE)
        );
        assert_eq!(
            call_id_variable("SIP/1001-0a1b2c3d", &ours),
            Some(CHAN_SIP_CALL_ID_VARIABLE)
        );
        assert_eq!(
            call_id_variable("pjsip/1001-1", &ours),
            Some(PJSIP_CALL_ID_VARIABLE)
        );
        assert_eq!(call_id_variable("PJSIP/1002-0000000b", &ours), None);
        assert_eq!(call_id_variable("PJSIP/10011-0000000b", &ours), None);
        assert_eq!(
            call_id_variable("Local/1001@from-internal-1;1", &ours),
            None
        );
        assert_eq!(call_id_variable("IAX2/1001-1", &ours), None);
    }

    #[test]
    fn without_a_join_each_view_passes_through() {
        let mut j = joiner();
        j.handle_call_event(ringing(sip_call("x@ua", CallState::Ringing), 1));
        j.handle_call_event(ringing(
            ami_call("1700.1", &[CALLEE], CallState::Ringing),
            1,
        ));
        let out = drain(&mut j);
        assert_eq!(
            calls_of(&out),
            [
                (Mode::Sip, "ringing", "x@ua".into()),
                (Mode::Ami, "ringing", "1700.1".into())
            ]
        );
        assert!(queries_of(&out).is_empty(), "1002 is not ours");
        assert_eq!(j.len(), 2);
        j.handle_call_event(ended(sip_call("x@ua", CallState::Ended), 3));
        j.handle_call_event(ended(ami_call("1700.1", &[CALLEE], CallState::Ended), 3));
        assert_eq!(calls_of(&drain(&mut j)).len(), 2);
        assert!(j.is_empty());
    }

    /// Our SIP dialog is reported first, the AMI call after; the Getvar answer joins them:
    /// the AMI call is absorbed into the dialog's id, and from then on the AMI view speaks.
    #[test]
    fn sip_first_then_ami_joined_by_the_getvar_answer() {
        let mut j = joiner();
        j.handle_call_event(ringing(sip_call("x@ua", CallState::Ringing), 1));
        j.handle_call_event(ringing(
            ami_call("1700.1", &[CALLER, CALLEE], CallState::Ringing),
            1,
        ));
        let out = drain(&mut j);
        assert_eq!(calls_of(&out).len(), 2);
        let queries = queries_of(&out);
        assert_eq!(queries.len(), 1, "only 1001's leg is ours");
        assert_eq!(&*queries[0].channel, "PJSIP/1001-00000001");
        assert_eq!(queries[0].variable, "CHANNEL(pjsip,call-id)");
        j.handle_call_id(&queries[0].uniqueid, "x@ua", t(1));
        let out = drain(&mut j);
        let JoinOutput::Joined { call, absorbed, .. } = &out[0] else {
            panic!("{out:?}");
        };
        assert_eq!((&*call.id, &**absorbed), ("x@ua", "1700.1"));
        assert_eq!(call.legs.len(), 2, "the AMI view, with both legs");
        let active = j.calls();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].ami_id.as_deref(), Some("1700.1"));
        assert_eq!(active[0].sip_call_ids, [Arc::<str>::from("x@ua")]);
        assert!(j.call("1700.1").is_some() && j.call("x@ua").is_some());

        // Both views answer: one `answered`, from the AMI, under the first id.
        j.handle_call_event(answered(sip_call("x@ua", CallState::Answered), 2));
        j.handle_call_event(answered(
            ami_call("1700.1", &[CALLER, CALLEE], CallState::Answered),
            2,
        ));
        assert_eq!(
            calls_of(&drain(&mut j)),
            [(Mode::Ami, "answered", "x@ua".into())]
        );
        // Our leg ends first (a transfer away, say): nothing yet; the AMI's end is the end.
        j.handle_call_event(ended(sip_call("x@ua", CallState::Ended), 4));
        assert!(drain(&mut j).is_empty());
        assert_eq!(j.len(), 1);
        j.handle_call_event(ended(
            ami_call("1700.1", &[CALLER, CALLEE], CallState::Ended),
            5,
        ));
        assert_eq!(
            calls_of(&drain(&mut j)),
            [(Mode::Ami, "ended", "x@ua".into())]
        );
        assert!(j.is_empty());
        assert_eq!(j.stats().joined, 1);
    }

    /// The AMI knows the Call-ID before our dialog is reported (a VarSet of SIPCALLID ahead
    /// of the INVITE reaching us): the dialog joins the AMI call silently.
    #[test]
    fn ami_first_with_the_call_id_known_joins_silently() {
        let mut j = joiner();
        j.handle_call_id("1700.3", "in@pbx", t(0));
        let legs = [CALLEE, ("1700.3", "SIP/1003-0000000c")];
        j.handle_call_event(ringing(ami_call("1700.2", &legs, CallState::Ringing), 1));
        let out = drain(&mut j);
        assert_eq!(calls_of(&out), [(Mode::Ami, "ringing", "1700.2".into())]);
        assert!(queries_of(&out).is_empty(), "known already");
        let mut ours = sip_call("in@pbx", CallState::Ringing);
        ours.source = Source::WebSocket;
        j.handle_call_event(ringing(ours.clone(), 1));
        assert!(drain(&mut j).is_empty(), "the AMI view speaks");
        let active = j.calls();
        assert_eq!(active.len(), 1);
        assert_eq!(&*active[0].call.id, "1700.2");
        assert_eq!(active[0].sip_call_ids, [Arc::<str>::from("in@pbx")]);
        // History: the AMI's record under the call's id; ours is dropped.
        ours.state = CallState::Ended;
        ours.ended_at = Some(t(3));
        let sip_record =
            CompletedCall::from_call(&ours, Disposition::Answered, Duration::ZERO, Duration::ZERO);
        assert_eq!(j.completed(sip_record.clone()), None);
        j.handle_call_event(ended(ami_call("1700.2", &legs, CallState::Ended), 3));
        j.handle_call_event(ended(ours, 3));
        assert!(j.is_empty());
        assert_eq!(j.completed(sip_record), None, "still dropped once gone");
        let ami = ami_call("1700.2", &legs, CallState::Ended);
        let record =
            CompletedCall::from_call(&ami, Disposition::Answered, Duration::ZERO, Duration::ZERO);
        assert_eq!(j.completed(record).unwrap().call_id, "1700.2");
    }

    /// AMI first, Getvar answered, then our dialog: joined under the AMI id without a
    /// `Joined` (its id was never reported); a call between two of our accounts has two
    /// dialogs in one call.
    #[test]
    fn a_call_between_two_of_our_accounts_is_one_call_with_two_dialogs() {
        let mut j = joiner();
        let legs = [CALLER, ("1700.9", "PJSIP/1003-00000009")];
        j.handle_call_event(ringing(ami_call("1700.1", &legs, CallState::Ringing), 1));
        let out = drain(&mut j);
        let queries = queries_of(&out);
        assert_eq!(queries.len(), 2);
        j.handle_call_id("1700.1", "out@ua", t(1));
        j.handle_call_id("1700.9", "in@ua", t(1));
        assert!(drain(&mut j).is_empty());
        j.handle_call_event(ringing(sip_call("out@ua", CallState::Ringing), 1));
        j.handle_call_event(ringing(sip_call("in@ua", CallState::Ringing), 1));
        assert!(drain(&mut j).is_empty());
        let active = j.calls();
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].sip_call_ids.len(), 2);
        // Asked once per leg, even as the call changes.
        j.handle_call_event(answered(ami_call("1700.1", &legs, CallState::Answered), 2));
        assert!(queries_of(&drain(&mut j)).is_empty());
    }

    #[test]
    fn an_empty_or_failed_answer_leaves_the_calls_apart() {
        let mut j = joiner();
        j.handle_call_event(ringing(sip_call("x@ua", CallState::Ringing), 1));
        j.handle_call_event(ringing(
            ami_call("1700.1", &[CALLER], CallState::Ringing),
            1,
        ));
        let q = queries_of(&drain(&mut j));
        j.handle_call_id(&q[0].uniqueid, "", t(1));
        assert_eq!(j.len(), 2);
        // A failed query may be asked again at the call's next change.
        j.handle_query_failed(&q[0].uniqueid);
        j.handle_call_event(answered(
            ami_call("1700.1", &[CALLER], CallState::Answered),
            2,
        ));
        assert_eq!(queries_of(&drain(&mut j)).len(), 1);
    }

    #[test]
    fn tables_are_bounded() {
        let mut limits = JoinLimits {
            max_pending_queries: 2,
            ..JoinLimits::default()
        };
        let mut j = CallJoiner::new(limits);
        j.set_extensions(["1001"]);
        let call = |i: u64| {
            let leg = (format!("u{i}"), format!("PJSIP/1001-{i:08}"));
            ringing(
                ami_call(
                    &format!("1700.{i}"),
                    &[(&leg.0, &leg.1)],
                    CallState::Ringing,
                ),
                i,
            )
        };
        for i in 0..10 {
            j.handle_call_event(call(i));
        }
        assert_eq!(
            queries_of(&drain(&mut j)).len(),
            2,
            "at most two out at once"
        );
        assert_eq!(j.stats().queries_skipped, 8);

        limits.max_calls = 3;
        limits.max_remembered_ids = 4;
        let mut j = CallJoiner::new(limits);
        for i in 0..10 {
            j.handle_call_event(call(i));
            j.handle_call_id(&format!("unknown{i}"), "nobody", t(i));
        }
        assert_eq!(j.len(), 3);
        assert_eq!(j.stats().evicted, 7);
        assert!(j.leg_call_ids.map.len() <= 4 && j.gone.map.len() <= 4);
        assert!(j.asked.map.len() <= 4);
        // The most recent calls stay.
        assert!(j.call("1700.9").is_some() && j.call("1700.0").is_none());
    }

    /// Found by the `core_join` fuzz target: a leg listed twice in one call was asked about
    /// twice, past the limit of queries out.
    #[test]
    fn a_leg_listed_twice_is_asked_about_once() {
        let limits = JoinLimits {
            max_pending_queries: 3,
            ..JoinLimits::default()
        };
        let mut j = CallJoiner::new(limits);
        j.set_extensions(["1001", "1003"]);
        let legs = [
            ("u9", "PJSIP/1001-00000045"),
            ("u2", "PJSIP/1003-00000074"),
            ("u9", "PJSIP/1001-00000033"),
            ("u0", "PJSIP/1001-00000000"),
        ];
        j.handle_call_event(ringing(ami_call("17.0", &legs, CallState::Ringing), 1));
        let queries = queries_of(&drain(&mut j));
        let ids: Vec<&str> = queries.iter().map(|q| &*q.uniqueid).collect();
        assert_eq!(ids, ["u9", "u2", "u0"]);
    }

    #[test]
    fn late_news_of_an_ended_dialog_is_dropped() {
        let mut j = joiner();
        j.handle_call_event(ringing(sip_call("x@ua", CallState::Ringing), 1));
        j.handle_call_event(ended(sip_call("x@ua", CallState::Ended), 2));
        drain(&mut j);
        j.handle_call_event(answered(sip_call("x@ua", CallState::Answered), 3));
        assert!(drain(&mut j).is_empty());
        assert!(j.is_empty());
    }
}
