//! The PBX itself, without I/O: manager sessions, channels, calls, registrations.
//!
//! Run-loop contract (the same as the crate's other sans-IO cores): feed it
//! [`PbxModel::connect`], [`PbxModel::receive`], [`PbxModel::disconnect`], script calls and
//! [`PbxModel::handle_timeout`] with the current [`Instant`]; after every call drain
//! [`PbxModel::poll_output`] until it returns `None`, and wake it again at
//! [`PbxModel::poll_timeout`]. It never reads a clock: wall-clock fields (`Uniqueid`, CDR times)
//! come from the `SystemTime` given to [`PbxModel::new`] plus the `Instant`s fed since.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use md5::{Digest, Md5};

use super::config::{Dialect, DialplanApp, SimConfig};
use super::frame::{Out, cdr_time, date_and_time, event_tv};
use super::script::{CallScript, CallStep, Party};
use crate::wire::{Decoder, Limits, Message};

mod actions;
mod calls;
mod channels;
mod conference;
mod lists;
mod originate;
mod queue;
mod registrations;
mod sessions;
mod transfer;
mod truth;

use channels::cdr_frame;
use truth::Truth;
pub use truth::{CallOutcome, FinishedCall, LegHangup, TransferKind, TransferRecord};

/// Most bytes of unparsed client input kept per session: 1 MiB (an action is a few hundred
/// bytes; a client that sends more without a blank line is broken).
pub const MAX_SESSION_INPUT: usize = 1024 * 1024;

/// Most events held for a session blocked in a synchronous `Originate`: 10 000.
pub const MAX_HELD_EVENTS: usize = 10_000;

/// Most CDR records one call keeps back for posting together (transfers and redirects each
/// close one): 64. Beyond it a closed record is posted at once.
pub const MAX_DEFERRED_CDRS: usize = 64;

/// Most transfers and most leg hangups one [`FinishedCall`] records: 256 each (a script can
/// transfer a call any number of times; the rest is not recorded).
pub const MAX_TRUTH_ENTRIES: usize = 256;

/// Most pending timers: 100 000.
pub const MAX_TIMERS: usize = 100_000;

/// One manager connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub u64);

/// One call placed by a script, an `Originate` or a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallId(pub u64);

/// What the model asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Write these bytes to the session's socket, in order.
    Send {
        /// The connection.
        session: SessionId,
        /// The bytes (one or more whole frames, or the banner).
        bytes: Bytes,
    },
    /// Close the session's socket after writing what was sent before.
    Close {
        /// The connection.
        session: SessionId,
    },
}

/// Why the simulator refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The extension is not one of [`SimConfig::extensions`].
    #[error("unknown extension {0:?}")]
    UnknownExtension(String),
    /// [`SimConfig::max_channels`] channels are up.
    #[error("too many channels")]
    TooManyChannels,
    /// [`SimConfig::max_sessions`] connections are open.
    #[error("too many manager sessions")]
    TooManySessions,
    /// No live channel has that name.
    #[error("no such channel {0:?}")]
    NoSuchChannel(String),
    /// The simulator has stopped.
    #[error("simulator stopped")]
    Stopped,
}

/// A live channel as [`PbxModel::channels`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChannel {
    /// `PJSIP/1001-00000000`.
    pub name: String,
    /// Its `Uniqueid`.
    pub uniqueid: String,
    /// Its `Linkedid` (the first channel of the call).
    pub linkedid: String,
    /// The extension whose phone it is.
    pub extension: String,
    /// The AMI channel state: 0 down, 4 ring, 5 ringing, 6 up.
    pub state: u8,
    /// Whether the phone put it on hold.
    pub on_hold: bool,
    /// The call it belongs to.
    pub call: CallId,
}

const P_CALL: &str = "call,all";
const P_DIALPLAN: &str = "dialplan,all";
const P_SYSTEM: &str = "system,all";
const P_CDR: &str = "cdr,all";
const P_SECURITY: &str = "security,all";
const P_AGENT: &str = "agent,all";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Call,
    System,
    Cdr,
    Dialplan,
    Security,
    Agent,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Call => "call",
            Class::System => "system",
            Class::Cdr => "cdr",
            Class::Dialplan => "dialplan",
            Class::Security => "security",
            Class::Agent => "agent",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mask {
    All,
    Off,
    Some(Vec<String>),
}

impl Mask {
    fn parse(v: &str) -> Mask {
        let v = v.trim();
        if ["on", "yes", "true", "all"]
            .iter()
            .any(|s| v.eq_ignore_ascii_case(s))
        {
            return Mask::All;
        }
        if v.is_empty()
            || ["off", "no", "false"]
                .iter()
                .any(|s| v.eq_ignore_ascii_case(s))
        {
            return Mask::Off;
        }
        let list: Vec<String> = v
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        if list.iter().any(|s| s == "all") {
            Mask::All
        } else {
            Mask::Some(list)
        }
    }

    fn allows(&self, class: Class) -> bool {
        match self {
            Mask::All => true,
            Mask::Off => false,
            Mask::Some(list) => list.iter().any(|c| c == class.name()),
        }
    }
}

#[derive(Debug)]
struct Session {
    decoder: Decoder,
    buf: BytesMut,
    authed: bool,
    challenge: Option<String>,
    mask: Mask,
    /// Events held while a synchronous `Originate` blocks the session.
    held: Option<VecDeque<Bytes>>,
    /// A refused login is being answered; input is ignored.
    closing: bool,
    local: String,
    remote: String,
    /// The client's address, for the manager user's `permit`/`deny` lists.
    remote_ip: Option<std::net::IpAddr>,
    tag: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChanState {
    Down,
    Ring,
    Ringing,
    Up,
}

impl ChanState {
    fn code(self) -> u8 {
        match self {
            ChanState::Down => 0,
            ChanState::Ring => 4,
            ChanState::Ringing => 5,
            ChanState::Up => 6,
        }
    }

    fn desc(self) -> &'static str {
        match self {
            ChanState::Down => "Down",
            ChanState::Ring => "Ring",
            ChanState::Ringing => "Ringing",
            ChanState::Up => "Up",
        }
    }
}

#[derive(Debug, Clone)]
struct Channel {
    name: String,
    uniqueid: String,
    linkedid: String,
    ext: String,
    cid_num: String,
    cid_name: String,
    conn_num: String,
    conn_name: String,
    state: ChanState,
    context: String,
    exten: String,
    priority: u32,
    app: String,
    app_data: String,
    created: Instant,
    bridge: Option<String>,
    held: bool,
    call: CallId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// An `Originate` leg is ringing its phone.
    Originating,
    Dialing,
    Ringing,
    Up,
    /// The caller is in a dialplan application (echo, playback, wait).
    App,
    /// The caller waits in a queue while its members ring.
    Queued,
    /// The caller is in a conference.
    Conference,
}

/// A queue call: who is rung, since when.
#[derive(Debug, Clone)]
struct QueueCall {
    name: String,
    members: Vec<String>,
    /// The member channels ringing now.
    ringing: Vec<u64>,
    joined: Instant,
    ring_started: Instant,
    connected: Option<Instant>,
}

/// An attended transfer's consultation leg.
#[derive(Debug, Clone)]
struct Consult {
    /// The transferring party's channel in the original call.
    transferer: u64,
    /// The party left on hold.
    transferee: u64,
    /// Modern: the `Local` pair (`;1` in the consult bridge, `;2` dialling the target);
    /// legacy: `None`.
    locals: Option<(u64, u64)>,
    /// Legacy: the transferer's second call (`SIP/1002-…` dialling the target).
    second: Option<u64>,
    /// The target's channel.
    target: u64,
    target_ext: String,
    /// The consultation bridge (modern: transferer + `;1`; legacy: second call + target).
    bridge: String,
    answered: bool,
    started_ms: u64,
    answer_ms: Option<u64>,
}

/// A CDR record closed before it is posted (Asterisk 12+ posts a party A's records together
/// when its channel is gone).
#[derive(Debug, Clone)]
struct CdrRec {
    /// Party A, whose dialplan position gives `Destination` when posted.
    a: u64,
    a_name: String,
    a_uid: String,
    a_num: String,
    a_cname: String,
    context: String,
    exten: String,
    dest_channel: String,
    last_app: (String, String),
    start_ms: u64,
    answer_ms: Option<u64>,
    end_ms: u64,
    disposition: &'static str,
}

#[derive(Debug, Clone)]
struct Originate {
    session: SessionId,
    action_id: Option<String>,
    sync: bool,
    spec: String,
    context: String,
    exten: String,
}

#[derive(Debug, Clone)]
struct Call {
    a: u64,
    b: Option<u64>,
    target: String,
    phase: Phase,
    start_ms: u64,
    answer_ms: Option<u64>,
    bridge: Option<String>,
    steps: VecDeque<(Duration, CallStep)>,
    auto_answer: bool,
    orig: Option<Originate>,
    /// The name of the last dialled channel, for the CDR once it is gone.
    b_name: String,
    /// Bumped whenever the call moves on, so stale timers are ignored.
    epoch: u64,
    last_app: (String, String),
    /// The ground truth so far.
    truth: Truth,
    queue: Option<QueueCall>,
    consult: Option<Consult>,
    /// Closed CDR records waiting for their party A to go (transfers, redirects).
    deferred_cdrs: Vec<CdrRec>,
    /// Post CDRs the Asterisk 12+ way: every record of party A when it hangs up, `Destination`
    /// from its last dialplan position (set by transfers and redirects).
    defer_cdr: bool,
}

impl Call {
    fn new(a: u64, target: &str, phase: Phase, start_ms: u64, truth: Truth) -> Call {
        Call {
            a,
            b: None,
            target: target.to_owned(),
            phase,
            start_ms,
            answer_ms: None,
            bridge: None,
            steps: VecDeque::new(),
            auto_answer: false,
            orig: None,
            b_name: String::new(),
            epoch: 0,
            last_app: (String::new(), String::new()),
            truth,
            queue: None,
            consult: None,
            deferred_cdrs: Vec::new(),
            defer_cdr: false,
        }
    }
}

#[derive(Debug, Clone)]
enum Timer {
    Step(CallId),
    AutoAnswer(CallId, u64),
    DialTimeout(CallId, u64),
    AppEnd(CallId, u64),
    OrigAnswer(CallId, u64),
    QueueRingTimeout(CallId, u64),
    AuthFail(SessionId, Option<String>),
}

#[derive(Debug, Clone)]
struct Endpoint {
    registered: bool,
    port: u16,
    /// The extension status last announced (`ExtensionStatus`).
    announced: i32,
}

/// The simulated PBX: manager sessions in, frames out, no sockets and no clock.
///
/// Run loop: feed it [`PbxModel::connect`], [`PbxModel::receive`], [`PbxModel::disconnect`],
/// [`PbxModel::play`] and [`PbxModel::handle_timeout`] with the current [`Instant`]; after every
/// call drain [`PbxModel::poll_output`] until it returns `None`, and call
/// [`PbxModel::handle_timeout`] again at [`PbxModel::poll_timeout`]. Wall-clock fields
/// (`Uniqueid`, CDR times) come from the `SystemTime` given to [`PbxModel::new`] plus the
/// `Instant`s fed since, so a test on a virtual clock gets exact CDR durations.
#[derive(Debug)]
pub struct PbxModel {
    cfg: SimConfig,
    start: Instant,
    wall_start_ms: u64,
    rng: fastrand::Rng,
    sessions: BTreeMap<SessionId, Session>,
    next_session: u64,
    endpoints: BTreeMap<String, Endpoint>,
    channels: BTreeMap<u64, Channel>,
    calls: BTreeMap<CallId, Call>,
    timers: BTreeMap<(Instant, u64), Timer>,
    seq: u64,
    chan_seq: u64,
    uid_seq: u64,
    processed_calls: u64,
    out: VecDeque<Output>,
    /// The latest instant fed in (for hangup times in the ground truth).
    now: Instant,
    finished: VecDeque<truth::FinishedCall>,
    finished_dropped: u64,
    /// Conference rooms in use: room → (bridge id, member channels in join order, users so far).
    rooms: BTreeMap<String, Room>,
    local_seq: u64,
}

/// A conference room with participants.
#[derive(Debug, Clone)]
struct Room {
    bridge: String,
    members: Vec<u64>,
    users: u32,
}

impl PbxModel {
    /// A PBX that booted at `now`, when the wall clock read `wall`.
    pub fn new(cfg: SimConfig, now: Instant, wall: SystemTime) -> PbxModel {
        let wall_start_ms = wall
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let endpoints = cfg
            .extensions
            .iter()
            .enumerate()
            .map(|(i, ext)| {
                let registered = cfg.registered.contains(ext);
                let endpoint = Endpoint {
                    registered,
                    port: 5071 + u16::try_from(i % 900).unwrap_or(0),
                    announced: if registered { 0 } else { 4 },
                };
                (ext.clone(), endpoint)
            })
            .collect();
        PbxModel {
            rng: fastrand::Rng::with_seed(cfg.seed),
            cfg,
            start: now,
            wall_start_ms,
            sessions: BTreeMap::new(),
            next_session: 1,
            endpoints,
            channels: BTreeMap::new(),
            calls: BTreeMap::new(),
            timers: BTreeMap::new(),
            seq: 0,
            chan_seq: 0,
            uid_seq: 0,
            processed_calls: 0,
            out: VecDeque::new(),
            now,
            finished: VecDeque::new(),
            finished_dropped: 0,
            rooms: BTreeMap::new(),
            local_seq: 0,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    fn modern(&self) -> bool {
        self.cfg.dialect == Dialect::Modern
    }

    fn tech(&self) -> &'static str {
        self.cfg.dialect.tech()
    }

    fn wall_ms(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.start).as_millis();
        self.wall_start_ms
            .saturating_add(u64::try_from(since).unwrap_or(u64::MAX))
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`PbxModel::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.keys().next().map(|(t, _)| *t)
    }

    /// Runs everything due at or before `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        while let Some(entry) = self.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let timer = entry.remove();
            self.fire(timer, now);
        }
    }

    fn schedule(&mut self, at: Instant, timer: Timer) {
        if self.timers.len() >= MAX_TIMERS {
            return;
        }
        self.seq += 1;
        self.timers.insert((at, self.seq), timer);
    }

    fn fire(&mut self, timer: Timer, now: Instant) {
        match timer {
            Timer::Step(id) => self.run_step(id, now),
            Timer::AutoAnswer(id, epoch) if self.epoch_is(id, epoch) => {
                if matches!(self.phase(id), Some(Phase::Ringing | Phase::Dialing)) {
                    self.answer(id, now);
                }
            }
            Timer::DialTimeout(id, epoch) if self.epoch_is(id, epoch) => match self.phase(id) {
                Some(Phase::Ringing | Phase::Dialing) => self.no_answer(id, now),
                Some(Phase::Originating) => self.end_single(id, 19, now),
                _ => {}
            },
            Timer::AppEnd(id, epoch) if self.epoch_is(id, epoch) => self.app_end(id, now),
            Timer::OrigAnswer(id, epoch) if self.epoch_is(id, epoch) => {
                self.originate_answer(id, now)
            }
            Timer::QueueRingTimeout(id, epoch) if self.epoch_is(id, epoch) => {
                self.queue_ring_timeout(id, now)
            }
            Timer::AuthFail(sid, action_id) if self.sessions.contains_key(&sid) => {
                self.send(
                    sid,
                    Out::error(action_id.as_deref(), "Authentication failed"),
                );
                self.close(sid);
            }
            _ => {}
        }
    }

    fn epoch_is(&self, id: CallId, epoch: u64) -> bool {
        self.calls.get(&id).is_some_and(|c| c.epoch == epoch)
    }

    fn phase(&self, id: CallId) -> Option<Phase> {
        self.calls.get(&id).map(|c| c.phase)
    }
}

/// The identity of a channel, copied out for an event built after the model changes.
struct ChanIds {
    name: String,
    uniqueid: String,
    cid_num: String,
    cid_name: String,
}

/// The modern channel snapshot, with an optional key prefix (`Dest`, `Transferer`, …).
fn snapshot(o: &mut Out, p: &str, c: &Channel) {
    o.pf(p, "Channel", &c.name);
    o.pf(p, "ChannelState", c.state.code());
    o.pf(p, "ChannelStateDesc", c.state.desc());
    o.pf(p, "CallerIDNum", &c.cid_num);
    o.pf(p, "CallerIDName", &c.cid_name);
    o.pf(p, "ConnectedLineNum", or_unknown(&c.conn_num));
    o.pf(p, "ConnectedLineName", or_unknown(&c.conn_name));
    o.pf(p, "Language", "en");
    o.pf(p, "AccountCode", "");
    o.pf(p, "Context", &c.context);
    o.pf(p, "Exten", &c.exten);
    o.pf(p, "Priority", c.priority);
    o.pf(p, "Uniqueid", &c.uniqueid);
    o.pf(p, "Linkedid", &c.linkedid);
}

fn or_unknown(v: &str) -> &str {
    if v.is_empty() { "<unknown>" } else { v }
}

/// `"Name" <num>`, `Name <num>` or `num` → (num, name).
fn parse_caller_id(v: &str) -> (String, String) {
    match (v.find('<'), v.rfind('>')) {
        (Some(l), Some(r)) if l < r => {
            let num = v.get(l + 1..r).unwrap_or_default().trim().to_owned();
            let name = v
                .get(..l)
                .unwrap_or_default()
                .trim()
                .trim_matches('"')
                .to_owned();
            (num, name)
        }
        _ => (v.trim().to_owned(), String::new()),
    }
}

fn status_text(status: i32) -> &'static str {
    match status {
        0 => "Idle",
        1 => "InUse",
        2 => "Busy",
        4 => "Unavailable",
        8 => "Ringing",
        9 => "InUse&Ringing",
        16 => "Hold",
        17 => "InUse&Hold",
        _ => "Unknown",
    }
}

fn device_state(status: i32) -> &'static str {
    match status {
        0 => "NOT_INUSE",
        1 => "INUSE",
        2 => "BUSY",
        4 => "UNAVAILABLE",
        8 => "RINGING",
        16 => "ONHOLD",
        _ => "UNKNOWN",
    }
}

fn endpoint_state_text(status: i32) -> &'static str {
    match status {
        0 => "Not in use",
        1 => "In use",
        2 => "Busy",
        4 => "Unavailable",
        8 => "Ringing",
        16 => "On Hold",
        _ => "Unknown",
    }
}

fn cause_text(cause: u16) -> &'static str {
    match cause {
        0 => "Unknown",
        1 => "Unallocated (unassigned) number",
        3 => "No route to destination",
        16 => "Normal Clearing",
        17 => "User busy",
        19 => "No user responding",
        21 => "Call Rejected",
        127 => "Interworking, unspecified",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests;
