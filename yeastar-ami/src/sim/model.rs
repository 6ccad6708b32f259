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

/// Most bytes of unparsed client input kept per session: 1 MiB (an action is a few hundred
/// bytes; a client that sends more without a blank line is broken).
pub const MAX_SESSION_INPUT: usize = 1024 * 1024;

/// Most events held for a session blocked in a synchronous `Originate`: 10 000.
pub const MAX_HELD_EVENTS: usize = 10_000;

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
pub struct ChannelInfo {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Call,
    System,
    Cdr,
    Dialplan,
    Security,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Call => "call",
            Class::System => "system",
            Class::Cdr => "cdr",
            Class::Dialplan => "dialplan",
            Class::Security => "security",
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
}

#[derive(Debug, Clone)]
enum Timer {
    Step(CallId),
    AutoAnswer(CallId, u64),
    DialTimeout(CallId, u64),
    AppEnd(CallId, u64),
    OrigAnswer(CallId, u64),
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

    // ---------------------------------------------------------------- run loop

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

    // ---------------------------------------------------------------- sessions

    /// A client connected: returns its session (the banner is queued for it).
    pub fn connect(
        &mut self,
        local: Option<std::net::SocketAddr>,
        remote: Option<std::net::SocketAddr>,
    ) -> Result<SessionId, SimError> {
        if self.sessions.len() >= self.cfg.max_sessions {
            return Err(SimError::TooManySessions);
        }
        let id = SessionId(self.next_session);
        self.next_session += 1;
        let addr = |a: Option<std::net::SocketAddr>| {
            a.map(|a| format!("IPV4/TCP/{}/{}", a.ip(), a.port()))
                .unwrap_or_else(|| "IPV4/TCP/127.0.0.1/0".into())
        };
        let session = Session {
            decoder: Decoder::without_banner(Limits::default()),
            buf: BytesMut::new(),
            authed: false,
            challenge: None,
            mask: Mask::All,
            held: None,
            closing: false,
            local: addr(local),
            remote: addr(remote),
            tag: format!("0x{:012x}", 0x7f00_0000_0000u64 + id.0 * 0x1460),
        };
        self.sessions.insert(id, session);
        let banner = format!("{}\r\n", self.cfg.dialect.banner());
        self.send(id, Bytes::from(banner));
        Ok(id)
    }

    /// The client closed its connection (or the driver dropped it).
    pub fn disconnect(&mut self, session: SessionId) {
        self.sessions.remove(&session);
    }

    /// Closes every session now, keeping calls and registrations: a reconnecting client finds the
    /// calls that ended or began while it was away.
    pub fn disconnect_all(&mut self) {
        let ids: Vec<SessionId> = self.sessions.keys().copied().collect();
        for id in ids {
            self.close(id);
        }
    }

    /// The number of open sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    fn send(&mut self, session: SessionId, bytes: Bytes) {
        self.out.push_back(Output::Send { session, bytes });
    }

    fn close(&mut self, session: SessionId) {
        self.sessions.remove(&session);
        self.out.push_back(Output::Close { session });
    }

    /// Bytes from a client: each complete action is answered.
    pub fn receive(&mut self, session: SessionId, bytes: &[u8], now: Instant) {
        let Some(s) = self.sessions.get_mut(&session) else {
            return;
        };
        if s.closing {
            return;
        }
        if s.buf.len() + bytes.len() > MAX_SESSION_INPUT {
            self.close(session);
            return;
        }
        s.buf.extend_from_slice(bytes);
        self.process(session, now);
    }

    fn process(&mut self, sid: SessionId, now: Instant) {
        loop {
            let frame = {
                let Some(s) = self.sessions.get_mut(&sid) else {
                    return;
                };
                if s.held.is_some() || s.closing {
                    return;
                }
                match s.decoder.decode(&mut s.buf) {
                    Ok(Some(f)) => f,
                    Ok(None) => return,
                    // An oversized action: skip it, as Asterisk drops over-long lines.
                    Err(_) => continue,
                }
            };
            self.action(sid, &frame.message(), now);
        }
    }

    fn session_allows(&self, sid: SessionId, class: Class) -> bool {
        self.sessions
            .get(&sid)
            .is_some_and(|s| s.authed && s.mask.allows(class))
    }

    /// Sends an event to every logged-in session that takes its class.
    fn emit(&mut self, class: Class, out: Out) {
        let bytes = out.finish();
        for (id, s) in &mut self.sessions {
            if !s.authed || s.closing || !s.mask.allows(class) {
                continue;
            }
            match &mut s.held {
                Some(held) => {
                    if held.len() < MAX_HELD_EVENTS {
                        held.push_back(bytes.clone());
                    }
                }
                None => self.out.push_back(Output::Send {
                    session: *id,
                    bytes: bytes.clone(),
                }),
            }
        }
    }

    // ---------------------------------------------------------------- actions

    fn action(&mut self, sid: SessionId, m: &Message<'_>, now: Instant) {
        let id = m.action_id().map(str::to_owned);
        let id = id.as_deref();
        let Some(name) = m.get("Action") else {
            self.send(sid, Out::error(id, "Missing action in request"));
            return;
        };
        let lower = name.to_ascii_lowercase();
        let authed = self.sessions.get(&sid).is_some_and(|s| s.authed);
        match lower.as_str() {
            "login" => return self.login(sid, m, id, now),
            "challenge" => return self.challenge(sid, m, id),
            "logoff" => {
                let mut o = Out::response("Goodbye", id);
                o.f("Message", "Thanks for all the fish.");
                self.send(sid, o.finish());
                self.close(sid);
                return;
            }
            _ if !authed => {
                self.send(sid, Out::error(id, "Permission denied"));
                return;
            }
            _ => {}
        }
        match lower.as_str() {
            "ping" => {
                let mut o = Out::response("Success", id);
                let ms = self.wall_ms(now);
                o.f("Ping", "Pong").f(
                    "Timestamp",
                    format!("{}.{:06}", ms / 1000, ms % 1000 * 1000),
                );
                self.send(sid, o.finish());
            }
            "events" => {
                let mask = Mask::parse(m.get("EventMask").unwrap_or("off"));
                let on = mask != Mask::Off;
                if let Some(s) = self.sessions.get_mut(&sid) {
                    s.mask = mask;
                }
                let mut o = Out::response("Success", id);
                o.f("Events", if on { "On" } else { "Off" });
                self.send(sid, o.finish());
            }
            "coresettings" => self.core_settings(sid, id),
            "corestatus" => self.core_status(sid, id, now),
            "originate" => self.originate(sid, m, id, now),
            "hangup" => self.ami_hangup(sid, m, id, now),
            "redirect" => self.redirect(sid, m, id, now),
            "coreshowchannels" => self.core_show_channels(sid, id, now),
            "status" => self.status(sid, m, id, now),
            "extensionstate" => self.extension_state(sid, m, id),
            "extensionstatelist" if self.modern() => self.extension_state_list(sid, id),
            "pjsipshowendpoints" if self.modern() => self.pjsip_endpoints(sid, id),
            "sippeers" if !self.modern() => self.sip_peers(sid, id),
            "command" => self.command(sid, m, id, now),
            "getvar" => {
                let mut o = Out::response("Success", id);
                o.f("Variable", m.get("Variable").unwrap_or_default())
                    .f("Value", "");
                self.send(sid, o.finish());
            }
            _ => {
                let msg = format!(
                    "Invalid/unknown command: {name}. Use Action: ListCommands to show available commands."
                );
                self.send(sid, Out::error(id, &msg));
            }
        }
    }

    fn login(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let user_ok = m.get("Username") == Some(self.cfg.username.as_str());
        let md5 = m
            .get("AuthType")
            .is_some_and(|t| t.eq_ignore_ascii_case("md5"));
        let challenge = self.sessions.get(&sid).and_then(|s| s.challenge.clone());
        let secret_ok = if md5 {
            match (challenge, m.get("Key")) {
                (Some(ch), Some(key)) => {
                    let digest = Md5::digest(format!("{ch}{}", self.cfg.secret).as_bytes());
                    hex::encode(digest).eq_ignore_ascii_case(key)
                }
                _ => false,
            }
        } else {
            m.get("Secret") == Some(self.cfg.secret.as_str())
        };
        if !(user_ok && secret_ok) {
            if let Some(s) = self.sessions.get_mut(&sid) {
                s.closing = true;
            }
            let at = now + self.cfg.auth_failure_delay;
            self.schedule(at, Timer::AuthFail(sid, id.map(str::to_owned)));
            return;
        }
        let mask = Mask::parse(m.get("Events").unwrap_or("on"));
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.authed = true;
            s.mask = mask;
        }
        self.send(sid, Out::success(id, "Authentication accepted"));
        if self.session_allows(sid, Class::System) {
            let mut o = Out::event("FullyBooted", P_SYSTEM);
            if self.modern() {
                let up = now.saturating_duration_since(self.start).as_secs();
                o.f("Uptime", up).f("LastReload", up);
            }
            o.f("Status", "Fully Booted");
            self.send(sid, o.finish());
        }
        if self.modern() {
            let Some(s) = self.sessions.get(&sid) else {
                return;
            };
            let tv = event_tv(self.wall_ms(now));
            let mut o = Out::event("SuccessfulAuth", P_SECURITY);
            o.f("EventTV", &tv)
                .f("Severity", "Informational")
                .f("Service", "AMI")
                .f("EventVersion", 1)
                .f("AccountID", &self.cfg.username)
                .f("SessionID", &s.tag)
                .f("LocalAddress", &s.local)
                .f("RemoteAddress", &s.remote)
                .f("UsingPassword", 0)
                .f("SessionTV", &tv);
            self.emit(Class::Security, o);
        }
    }

    fn challenge(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>) {
        let md5 = m
            .get("AuthType")
            .is_some_and(|t| t.eq_ignore_ascii_case("md5"));
        if !md5 {
            self.send(sid, Out::error(id, "Must specify AuthType"));
            return;
        }
        let challenge = self.rng.u32(100_000_000..1_000_000_000).to_string();
        if let Some(s) = self.sessions.get_mut(&sid) {
            s.challenge = Some(challenge.clone());
        }
        let mut o = Out::response("Success", id);
        o.f("Challenge", challenge);
        self.send(sid, o.finish());
    }

    fn core_settings(&mut self, sid: SessionId, id: Option<&str>) {
        let modern = self.modern();
        let mut o = Out::response("Success", id);
        o.f("AMIversion", if modern { "11.0.0" } else { "1.1" })
            .f(
                "AsteriskVersion",
                if modern { "22.10.1" } else { "1.8.32.3" },
            )
            .f("SystemName", "")
            .f("CoreMaxCalls", 0)
            .f("CoreMaxLoadAvg", "0.000000")
            .f("CoreRunUser", "")
            .f("CoreRunGroup", "")
            .f("CoreMaxFilehandles", 0)
            .f("CoreRealTimeEnabled", "No")
            .f("CoreCDRenabled", "Yes")
            .f("CoreHTTPenabled", "No");
        if modern {
            o.f("SoundsSearchCustomDir", "No");
        }
        self.send(sid, o.finish());
    }

    fn core_status(&mut self, sid: SessionId, id: Option<&str>, now: Instant) {
        let (date, time) = date_and_time(self.wall_start_ms);
        let _ = now;
        let mut o = Out::response("Success", id);
        o.f("CoreStartupDate", &date)
            .f("CoreStartupTime", &time)
            .f("CoreReloadDate", &date)
            .f("CoreReloadTime", &time)
            .f("CoreCurrentCalls", self.calls.len());
        if self.modern() {
            o.f("CoreProcessedCalls", self.processed_calls);
        }
        self.send(sid, o.finish());
    }

    fn find_channel(&self, name: &str) -> Option<u64> {
        self.channels
            .iter()
            .find(|(_, c)| c.name == name)
            .map(|(k, _)| *k)
    }

    fn ami_hangup(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let Some(name) = m.get("Channel") else {
            self.send(sid, Out::error(id, "No channel specified"));
            return;
        };
        let Some(key) = self.find_channel(name) else {
            self.send(sid, Out::error(id, "No such channel"));
            return;
        };
        let cause = m
            .get("Cause")
            .and_then(|c| c.trim().parse::<u16>().ok())
            .unwrap_or(16);
        self.send(sid, Out::success(id, "Channel Hungup"));
        self.hangup_channel(key, cause, now);
    }

    /// Hangs a live channel up with `cause`, ending its call the way the PBX would.
    pub fn hangup(&mut self, channel: &str, cause: u16, now: Instant) -> Result<(), SimError> {
        let key = self
            .find_channel(channel)
            .ok_or_else(|| SimError::NoSuchChannel(channel.into()))?;
        self.hangup_channel(key, cause, now);
        Ok(())
    }

    fn hangup_channel(&mut self, key: u64, cause: u16, now: Instant) {
        let Some(cid) = self.channels.get(&key).map(|c| c.call) else {
            return;
        };
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let is_a = call.a == key;
        match (call.phase, call.b) {
            (Phase::Up, Some(_)) => {
                let who = if is_a { Party::Caller } else { Party::Callee };
                self.end_answered(cid, who, cause, now);
            }
            (Phase::Dialing | Phase::Ringing, Some(_)) if is_a => self.cancel(cid, cause, now),
            (Phase::Dialing | Phase::Ringing, Some(_)) => self.reject(cid, cause, now),
            _ => self.end_single(cid, cause, now),
        }
    }

    fn redirect(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let Some(name) = m.get("Channel") else {
            self.send(sid, Out::error(id, "Channel not specified"));
            return;
        };
        let Some(key) = self.find_channel(name) else {
            self.send(sid, Out::error(id, "No such channel"));
            return;
        };
        let exten = m.get("Exten").unwrap_or_default().to_owned();
        let context = m
            .get("Context")
            .map(str::to_owned)
            .unwrap_or_else(|| self.cfg.context.clone());
        self.send(sid, Out::success(id, "Redirect successful"));
        self.redirect_channel(key, &exten, &context, now);
    }

    fn redirect_channel(&mut self, key: u64, exten: &str, context: &str, now: Instant) {
        let Some(cid) = self.channels.get(&key).map(|c| c.call) else {
            return;
        };
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        let other = if call.a == key { call.b } else { Some(call.a) };
        if let Some(other) = other {
            if call.phase == Phase::Up {
                self.unbridge(cid, key, other);
            }
            self.emit_hangup(other, 16);
            self.drop_channel(other);
            if call.phase == Phase::Up {
                self.cdr(cid, "ANSWERED", Some(other), now);
            }
        }
        let wall = self.wall_ms(now);
        if let Some(c) = self.channels.get_mut(&key) {
            c.context = context.to_owned();
            c.exten = exten.to_owned();
            c.bridge = None;
            c.held = false;
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.a = key;
            call.b = None;
            call.target = exten.to_owned();
            call.phase = Phase::Dialing;
            call.bridge = None;
            call.epoch += 1;
            call.start_ms = wall;
            call.answer_ms = None;
            call.orig = None;
            call.auto_answer = true;
            call.steps.clear();
        }
        self.enter_dialplan(cid, now);
    }

    // ---------------------------------------------------------------- lists

    fn list_start(&mut self, sid: SessionId, id: Option<&str>, message: &str, eventlist: bool) {
        let mut o = Out::response("Success", id);
        if eventlist {
            o.f("EventList", "start");
        }
        o.f("Message", message);
        self.send(sid, o.finish());
    }

    fn list_complete(&mut self, sid: SessionId, id: Option<&str>, name: &str, n: usize) {
        let mut o = Out::default();
        o.f("Event", name);
        if self.modern() {
            o.id(id);
            o.f("EventList", "Complete").f("ListItems", n);
        } else {
            o.f("EventList", "Complete").f("ListItems", n);
            o.id(id);
        }
        self.send(sid, o.finish());
    }

    fn duration(&self, c: &Channel, now: Instant) -> String {
        let s = now.saturating_duration_since(c.created).as_secs();
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }

    fn bridged_with(&self, key: u64) -> Option<&Channel> {
        let c = self.channels.get(&key)?;
        let bridge = c.bridge.as_ref()?;
        self.channels
            .iter()
            .find(|(k, o)| **k != key && o.bridge.as_ref() == Some(bridge))
            .map(|(_, o)| o)
    }

    fn core_show_channels(&mut self, sid: SessionId, id: Option<&str>, now: Instant) {
        self.list_start(sid, id, "Channels will follow", true);
        let mut items = Vec::new();
        for (k, c) in self.channels.iter().rev() {
            let mut o = Out::item("CoreShowChannel", id);
            if self.modern() {
                snapshot(&mut o, "", c);
                o.f("Application", &c.app)
                    .f("ApplicationData", &c.app_data)
                    .f("Duration", self.duration(c, now))
                    .f("BridgeId", c.bridge.as_deref().unwrap_or_default());
            } else {
                let peer = self.bridged_with(*k);
                o.f("Channel", &c.name)
                    .f("UniqueID", &c.uniqueid)
                    .f("Context", &c.context)
                    .f("Extension", &c.exten)
                    .f("Priority", c.priority)
                    .f("ChannelState", c.state.code())
                    .f("ChannelStateDesc", c.state.desc())
                    .f("Application", &c.app)
                    .f("ApplicationData", &c.app_data)
                    .f("CallerIDnum", &c.cid_num)
                    .f("Duration", self.duration(c, now))
                    .f("AccountCode", "")
                    .f(
                        "BridgedChannel",
                        peer.map(|p| p.name.as_str()).unwrap_or(""),
                    )
                    .f(
                        "BridgedUniqueID",
                        peer.map(|p| p.uniqueid.as_str()).unwrap_or(""),
                    );
            }
            items.push(o.finish());
        }
        let n = items.len();
        for item in items {
            self.send(sid, item);
        }
        self.list_complete(sid, id, "CoreShowChannelsComplete", n);
    }

    fn status(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let only = m.get("Channel").filter(|c| !c.is_empty());
        let keys: Vec<u64> = match only {
            Some(name) => match self.find_channel(name) {
                Some(k) => vec![k],
                None => {
                    self.send(sid, Out::error(id, "No such channel"));
                    return;
                }
            },
            None => self.channels.keys().rev().copied().collect(),
        };
        let modern = self.modern();
        self.list_start(sid, id, "Channel status will follow", modern);
        let mut items = Vec::new();
        for k in &keys {
            let Some(c) = self.channels.get(k) else {
                continue;
            };
            let secs = now.saturating_duration_since(c.created).as_secs();
            let mut o = Out::event("Status", "Call");
            if modern {
                snapshot(&mut o, "", c);
                o.f("Type", "PJSIP")
                    .f("DNID", if c.exten == "s" { "" } else { &c.exten })
                    .f("EffectiveConnectedLineNum", or_unknown(&c.conn_num))
                    .f("EffectiveConnectedLineName", or_unknown(&c.conn_name))
                    .f("TimeToHangup", 0)
                    .f("BridgeID", c.bridge.as_deref().unwrap_or_default())
                    .f("Application", &c.app)
                    .f("Data", &c.app_data)
                    .f("Nativeformats", "(ulaw)")
                    .f("Readformat", "ulaw")
                    .f("Readtrans", "")
                    .f("Writeformat", "ulaw")
                    .f("Writetrans", "")
                    .f("Callgroup", 0)
                    .f("Pickupgroup", 0)
                    .f("Seconds", secs);
            } else {
                let peer = self.bridged_with(*k);
                o.f("Channel", &c.name)
                    .f("CallerIDNum", &c.cid_num)
                    .f("CallerIDName", &c.cid_name)
                    .f("ConnectedLineNum", &c.conn_num)
                    .f("ConnectedLineName", &c.conn_name)
                    .f("Accountcode", "")
                    .f("ChannelState", c.state.code())
                    .f("ChannelStateDesc", c.state.desc())
                    .f("Context", &c.context)
                    .f("Extension", &c.exten)
                    .f("Priority", c.priority)
                    .f("Seconds", secs)
                    .f(
                        "BridgedChannel",
                        peer.map(|p| p.name.as_str()).unwrap_or(""),
                    )
                    .f(
                        "BridgedUniqueid",
                        peer.map(|p| p.uniqueid.as_str()).unwrap_or(""),
                    )
                    .f("Uniqueid", &c.uniqueid);
            }
            o.id(id);
            items.push(o.finish());
        }
        let n = items.len();
        for item in items {
            self.send(sid, item);
        }
        let mut o = Out::item("StatusComplete", id);
        if modern {
            o.f("EventList", "Complete").f("ListItems", n);
        }
        o.f("Items", n);
        self.send(sid, o.finish());
    }

    fn ext_status(&self, ext: &str) -> i32 {
        let Some(ep) = self.endpoints.get(ext) else {
            return -1;
        };
        let mine: Vec<&Channel> = self.channels.values().filter(|c| c.ext == ext).collect();
        if mine.is_empty() {
            return if ep.registered { 0 } else { 4 };
        }
        if mine.iter().any(|c| c.held) {
            16
        } else if mine.iter().any(|c| c.state == ChanState::Up) {
            1
        } else if mine.iter().any(|c| c.state == ChanState::Ringing) {
            8
        } else {
            1
        }
    }

    fn extension_state(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>) {
        let exten = m.get("Exten").unwrap_or_default();
        let context = m.get("Context").unwrap_or(&self.cfg.context).to_owned();
        let known = self.endpoints.contains_key(exten) && context == self.cfg.context;
        let status = if known { self.ext_status(exten) } else { -1 };
        let mut o = Out::response("Success", id);
        o.f("Message", "Extension Status")
            .f("Exten", exten)
            .f("Context", &context)
            .f(
                "Hint",
                if known {
                    format!("{}/{exten}", self.tech())
                } else {
                    String::new()
                },
            )
            .f("Status", status);
        if self.modern() {
            o.f("StatusText", status_text(status));
        }
        self.send(sid, o.finish());
    }

    fn extension_state_list(&mut self, sid: SessionId, id: Option<&str>) {
        self.list_start(sid, id, "Extension Statuses will follow", true);
        let exts: Vec<String> = self.endpoints.keys().cloned().collect();
        for ext in &exts {
            let status = self.ext_status(ext);
            let mut o = Out::item("ExtensionStatus", id);
            o.f("Exten", ext)
                .f("Context", &self.cfg.context)
                .f("Hint", format!("{}/{ext}", self.tech()))
                .f("Status", status)
                .f("StatusText", status_text(status));
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "ExtensionStateListComplete", exts.len());
    }

    fn pjsip_endpoints(&mut self, sid: SessionId, id: Option<&str>) {
        self.list_start(
            sid,
            id,
            "A listing of Endpoints follows, presented as EndpointList events",
            true,
        );
        let exts: Vec<(String, Endpoint)> = self
            .endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (ext, ep) in &exts {
            let status = self.ext_status(ext);
            let active = self.channels.values().filter(|c| &c.ext == ext).count();
            let contacts = if ep.registered {
                format!("{ext}/sip:{ext}@127.0.0.1:{},", ep.port)
            } else {
                String::new()
            };
            let mut o = Out::item("EndpointList", id);
            o.f("ObjectType", "endpoint")
                .f("ObjectName", ext)
                .f("Transport", "")
                .f("Aor", ext)
                .f("Auths", ext)
                .f("OutboundAuths", "")
                .f("Contacts", contacts)
                .f("DeviceState", endpoint_state_text(status))
                .f("ActiveChannels", active);
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "EndpointListComplete", exts.len());
    }

    fn sip_peers(&mut self, sid: SessionId, id: Option<&str>) {
        let mut o = Out::response("Success", id);
        o.f("EventList", "start")
            .f("Message", "Peer status list will follow");
        self.send(sid, o.finish());
        let exts: Vec<(String, Endpoint)> = self
            .endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (ext, ep) in &exts {
            let mut o = Out::item("PeerEntry", id);
            o.f("Channeltype", "SIP")
                .f("ObjectName", ext)
                .f("ChanObjectType", "peer")
                .f(
                    "IPaddress",
                    if ep.registered { "127.0.0.1" } else { "-none-" },
                )
                .f("IPport", if ep.registered { ep.port } else { 0 })
                .f("Dynamic", "yes")
                .f("Forcerport", "no")
                .f("VideoSupport", "no")
                .f("TextSupport", "no")
                .f("ACL", "no")
                .f("Status", "Unmonitored")
                .f("RealtimeDevice", "no");
            self.send(sid, o.finish());
        }
        self.list_complete(sid, id, "PeerlistComplete", exts.len());
    }

    fn command(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let cmd = m.get("Command").unwrap_or_default().trim().to_owned();
        let lines: Option<Vec<String>> = match cmd.to_ascii_lowercase().as_str() {
            "core show version" => Some(vec![self.cfg.dialect.version_line().to_owned()]),
            "core show channels" => {
                let mut out = vec![format!(
                    "{:<20} {:<20} {:<7} {:<30}",
                    "Channel", "Location", "State", "Application(Data)"
                )];
                for c in self.channels.values() {
                    out.push(format!(
                        "{:<20} {:<20} {:<7} {:<30}",
                        c.name,
                        format!("{}@{}:{}", c.exten, c.context, c.priority),
                        c.state.desc(),
                        format!("{}({})", c.app, c.app_data)
                    ));
                }
                let n = self.channels.len();
                let s = |n: usize| if n == 1 { "" } else { "s" };
                out.push(format!("{n} active channel{}", s(n)));
                let calls = self.calls.len();
                out.push(format!("{calls} active call{}", s(calls)));
                let done = usize::try_from(self.processed_calls).unwrap_or(usize::MAX);
                out.push(format!("{done} call{} processed", s(done)));
                let _ = now;
                Some(out)
            }
            _ => None,
        };
        let ok = lines.is_some();
        let lines = lines.unwrap_or_else(|| {
            let words: Vec<&str> = cmd.split_whitespace().take(2).collect();
            vec![format!(
                "No such command '{cmd}' (type 'core show help {}' for other possible commands)",
                words.join(" ")
            )]
        });
        if self.modern() {
            let mut o = Out::response(if ok { "Success" } else { "Error" }, id);
            o.f("Message", "Command output follows");
            for line in &lines {
                o.f("Output", line);
            }
            self.send(sid, o.finish());
        } else {
            // Legacy: CRLF headers, then the CLI text with bare LF, then the terminator.
            let mut text = String::from("Response: Follows\r\nPrivilege: Command\r\n");
            if let Some(id) = id {
                text.push_str(&format!("ActionID: {id}\r\n"));
            }
            for line in &lines {
                text.push_str(&line.replace(['\r', '\n'], " "));
                text.push('\n');
            }
            text.push_str("--END COMMAND--\r\n\r\n");
            self.send(sid, Bytes::from(text));
        }
    }

    // ---------------------------------------------------------------- registrations

    /// Registers an extension's phone (`PeerStatus`, `ContactStatus`, extension status 0).
    pub fn register(&mut self, ext: &str, _now: Instant) -> Result<(), SimError> {
        self.set_registered(ext, true)
    }

    /// Unregisters an extension's phone (extension status 4, unavailable). Its calls go on.
    pub fn unregister(&mut self, ext: &str, _now: Instant) -> Result<(), SimError> {
        self.set_registered(ext, false)
    }

    /// Changes a registration and emits what each dialect says about it: modern `PeerStatus`
    /// Reachable/Unreachable and `ContactStatus` NonQualified/Removed; legacy `PeerStatus`
    /// Registered (with the address) / Unregistered (cause Expired).
    fn set_registered(&mut self, ext: &str, registered: bool) -> Result<(), SimError> {
        let ep = self
            .endpoints
            .get_mut(ext)
            .ok_or_else(|| SimError::UnknownExtension(ext.into()))?;
        if ep.registered == registered {
            return Ok(());
        }
        ep.registered = registered;
        let port = ep.port;
        let mut o = Out::event("PeerStatus", P_SYSTEM);
        if self.modern() {
            o.f("ChannelType", "PJSIP")
                .f("Peer", format!("PJSIP/{ext}"))
                .f(
                    "PeerStatus",
                    if registered {
                        "Reachable"
                    } else {
                        "Unreachable"
                    },
                );
            self.emit(Class::System, o);
            self.refresh(ext);
            let mut o = Out::event("ContactStatus", P_SYSTEM);
            o.f("URI", format!("sip:{ext}@127.0.0.1:{port}"))
                .f(
                    "ContactStatus",
                    if registered {
                        "NonQualified"
                    } else {
                        "Removed"
                    },
                )
                .f("AOR", ext)
                .f("EndpointName", ext)
                .f("RoundtripUsec", 0);
            self.emit(Class::System, o);
        } else {
            o.f("ChannelType", "SIP").f("Peer", format!("SIP/{ext}"));
            if registered {
                o.f("PeerStatus", "Registered")
                    .f("Address", format!("127.0.0.1:{port}"));
            } else {
                o.f("PeerStatus", "Unregistered").f("Cause", "Expired");
            }
            self.emit(Class::System, o);
            self.refresh(ext);
        }
        Ok(())
    }

    /// Whether an extension's phone is registered (`None` for an unknown extension).
    pub fn is_registered(&self, ext: &str) -> Option<bool> {
        self.endpoints.get(ext).map(|e| e.registered)
    }

    /// The extension status as `ExtensionState` would report it (-1 for an unknown extension).
    pub fn extension_status(&self, ext: &str) -> i32 {
        self.ext_status(ext)
    }

    /// Announces an extension's status if it changed since last announced.
    fn refresh(&mut self, ext: &str) {
        let status = self.ext_status(ext);
        let Some(ep) = self.endpoints.get_mut(ext) else {
            return;
        };
        if ep.announced == status {
            return;
        }
        ep.announced = status;
        let tech = self.tech();
        let mut o = Out::event("ExtensionStatus", P_CALL);
        o.f("Exten", ext)
            .f("Context", &self.cfg.context)
            .f("Hint", format!("{tech}/{ext}"))
            .f("Status", status);
        if self.modern() {
            o.f("StatusText", status_text(status));
        }
        self.emit(Class::Call, o);
        if self.modern() {
            let mut o = Out::event("DeviceStateChange", P_CALL);
            o.f("Device", format!("{tech}/{ext}"))
                .f("State", device_state(status));
            self.emit(Class::Call, o);
        }
    }

    // ---------------------------------------------------------------- channels

    /// The live channels, oldest first.
    pub fn channels(&self) -> Vec<ChannelInfo> {
        self.channels
            .values()
            .map(|c| ChannelInfo {
                name: c.name.clone(),
                uniqueid: c.uniqueid.clone(),
                linkedid: c.linkedid.clone(),
                extension: c.ext.clone(),
                state: c.state.code(),
                on_hold: c.held,
                call: c.call,
            })
            .collect()
    }

    /// The number of calls in progress.
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    #[allow(clippy::too_many_arguments)]
    fn new_channel(
        &mut self,
        ext: &str,
        call: CallId,
        cid: (&str, &str),
        state: ChanState,
        exten: &str,
        linkedid: Option<String>,
        now: Instant,
    ) -> u64 {
        let key = self.chan_seq;
        self.chan_seq += 1;
        let uniqueid = format!("{}.{}", self.wall_ms(now) / 1000, self.uid_seq);
        self.uid_seq += 1;
        let channel = Channel {
            name: format!("{}/{ext}-{key:08x}", self.tech()),
            linkedid: linkedid.unwrap_or_else(|| uniqueid.clone()),
            uniqueid,
            ext: ext.to_owned(),
            cid_num: cid.0.to_owned(),
            cid_name: cid.1.to_owned(),
            conn_num: String::new(),
            conn_name: String::new(),
            state,
            context: self.cfg.context.clone(),
            exten: exten.to_owned(),
            priority: 1,
            app: String::new(),
            app_data: String::new(),
            created: now,
            bridge: None,
            held: false,
            call,
        };
        self.channels.insert(key, channel);
        key
    }

    fn drop_channel(&mut self, key: u64) {
        if let Some(c) = self.channels.remove(&key) {
            self.refresh(&c.ext);
        }
    }

    fn ch(&self, key: u64) -> Option<&Channel> {
        self.channels.get(&key)
    }

    fn ch_mut(&mut self, key: u64) -> Option<&mut Channel> {
        self.channels.get_mut(&key)
    }

    /// An event carrying one channel's snapshot (modern layout).
    fn chan_event(&self, name: &str, privilege: &str, key: u64) -> Out {
        let mut o = Out::event(name, privilege);
        if let Some(c) = self.ch(key) {
            snapshot(&mut o, "", c);
        }
        o
    }

    fn emit_newchannel(&mut self, key: u64) {
        let Some(c) = self.ch(key) else {
            return;
        };
        let mut o = Out::event("Newchannel", P_CALL);
        if self.modern() {
            snapshot(&mut o, "", c);
        } else {
            o.f("Channel", &c.name)
                .f("ChannelState", c.state.code())
                .f("ChannelStateDesc", c.state.desc())
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("AccountCode", "")
                .f("Exten", &c.exten)
                .f("Context", &c.context)
                .f("Uniqueid", &c.uniqueid);
        }
        self.emit(Class::Call, o);
    }

    fn set_state(&mut self, key: u64, state: ChanState) {
        let Some(c) = self.ch_mut(key) else {
            return;
        };
        if c.state == state {
            return;
        }
        c.state = state;
        let o = if self.modern() {
            self.chan_event("Newstate", P_CALL, key)
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Newstate", P_CALL);
            o.f("Channel", &c.name)
                .f("ChannelState", c.state.code())
                .f("ChannelStateDesc", c.state.desc())
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("ConnectedLineNum", &c.conn_num)
                .f("ConnectedLineName", &c.conn_name)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Call, o);
    }

    fn newexten(&mut self, key: u64, priority: u32, app: &str, data: &str) {
        let Some(c) = self.ch_mut(key) else {
            return;
        };
        c.priority = priority;
        c.app = app.to_owned();
        c.app_data = data.to_owned();
        let o = if self.modern() {
            let mut o = self.chan_event("Newexten", P_DIALPLAN, key);
            let exten = self.ch(key).map(|c| c.exten.clone()).unwrap_or_default();
            o.f("Extension", exten)
                .f("Application", app)
                .f("AppData", data);
            o
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Newexten", P_DIALPLAN);
            o.f("Channel", &c.name)
                .f("Context", &c.context)
                .f("Extension", &c.exten)
                .f("Priority", c.priority)
                .f("Application", app)
                .f("AppData", data)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Dialplan, o);
    }

    fn emit_hangup(&mut self, key: u64, cause: u16) {
        let Some(c) = self.ch(key) else {
            return;
        };
        let mut o = if self.modern() {
            self.chan_event("Hangup", P_CALL, key)
        } else {
            let mut o = Out::event("Hangup", P_CALL);
            o.f("Channel", &c.name)
                .f("Uniqueid", &c.uniqueid)
                .f("CallerIDNum", &c.cid_num)
                .f("CallerIDName", &c.cid_name)
                .f("ConnectedLineNum", &c.conn_num)
                .f("ConnectedLineName", &c.conn_name);
            o
        };
        o.f("Cause", cause).f("Cause-txt", cause_text(cause));
        self.emit(Class::Call, o);
    }

    fn hangup_request(&mut self, name: &str, key: u64, cause: u16) {
        if self.modern() {
            let mut o = self.chan_event(name, P_CALL, key);
            o.f("Cause", cause);
            self.emit(Class::Call, o);
        }
    }

    /// `DialBegin`/`DialState`/`DialEnd` (modern) or `Dial` `Begin`/`End` (legacy).
    fn dial_event(&mut self, name: &str, a: Option<u64>, b: u64, status: Option<&str>) {
        if self.modern() {
            let mut o = Out::event(name, P_CALL);
            if let Some(c) = a.and_then(|a| self.ch(a)) {
                snapshot(&mut o, "", c);
            }
            if let Some(c) = self.ch(b) {
                snapshot(&mut o, "Dest", c);
            }
            match status {
                Some(s) => {
                    o.f("DialStatus", s);
                }
                None => {
                    let ext = self.ch(b).map(|c| c.ext.clone()).unwrap_or_default();
                    o.f("DialString", ext);
                }
            }
            self.emit(Class::Call, o);
            return;
        }
        let Some(a) = a.and_then(|a| self.ch(a)) else {
            return;
        };
        let mut o = Out::event("Dial", P_CALL);
        match status {
            None => {
                let Some(bc) = self.ch(b) else {
                    return;
                };
                o.f("SubEvent", "Begin")
                    .f("Channel", &a.name)
                    .f("Destination", &bc.name)
                    .f("CallerIDNum", &a.cid_num)
                    .f("CallerIDName", &a.cid_name)
                    .f("ConnectedLineNum", or_unknown(&a.conn_num))
                    .f("ConnectedLineName", or_unknown(&a.conn_name))
                    .f("UniqueID", &a.uniqueid)
                    .f("DestUniqueID", &bc.uniqueid)
                    .f("Dialstring", &bc.ext);
            }
            Some(s) if name == "DialEnd" => {
                o.f("SubEvent", "End")
                    .f("Channel", &a.name)
                    .f("UniqueID", &a.uniqueid)
                    .f("DialStatus", s);
            }
            // Legacy has no ringing dial event.
            Some(_) => return,
        }
        self.emit(Class::Call, o);
    }

    fn bridge_fields(&self, o: &mut Out, bridge: &str, n: usize) {
        o.f("BridgeUniqueid", bridge)
            .f("BridgeType", "basic")
            .f("BridgeTechnology", "simple_bridge")
            .f("BridgeCreator", "<unknown>")
            .f("BridgeName", "<unknown>")
            .f("BridgeNumChannels", n)
            .f("BridgeVideoSourceMode", "none");
    }

    fn bridge_event(&mut self, name: &str, bridge: &str, n: usize, key: Option<u64>) {
        let mut o = Out::event(name, P_CALL);
        self.bridge_fields(&mut o, bridge, n);
        if let Some(c) = key.and_then(|k| self.ch(k)) {
            snapshot(&mut o, "", c);
        }
        self.emit(Class::Call, o);
    }

    fn legacy_link(&mut self, name: &str, a: u64, b: u64) {
        let (Some(a), Some(b)) = (self.ch(a), self.ch(b)) else {
            return;
        };
        let mut o = Out::event(name, P_CALL);
        if name == "Bridge" {
            o.f("Bridgestate", "Link").f("Bridgetype", "core");
        }
        o.f("Channel1", &a.name)
            .f("Channel2", &b.name)
            .f("Uniqueid1", &a.uniqueid)
            .f("Uniqueid2", &b.uniqueid)
            .f("CallerID1", &a.cid_num)
            .f("CallerID2", &b.cid_num);
        self.emit(Class::Call, o);
    }

    /// Takes both channels out of the call's bridge (`BridgeLeave` ×2 + `BridgeDestroy`, or
    /// `Unlink`). `first` leaves first.
    fn unbridge(&mut self, cid: CallId, first: u64, second: u64) {
        let Some(bridge) = self.calls.get_mut(&cid).and_then(|c| c.bridge.take()) else {
            return;
        };
        if self.modern() {
            self.bridge_event("BridgeLeave", &bridge, 1, Some(first));
            self.bridge_event("BridgeLeave", &bridge, 0, Some(second));
            self.bridge_event("BridgeDestroy", &bridge, 0, None);
        } else {
            let (a, b) = match self.calls.get(&cid) {
                Some(c) if c.a == second => (second, first),
                _ => (first, second),
            };
            self.legacy_link("Unlink", a, b);
        }
        for k in [first, second] {
            if let Some(c) = self.ch_mut(k) {
                c.bridge = None;
            }
        }
    }

    fn cdr(&mut self, cid: CallId, disposition: &str, dest: Option<u64>, now: Instant) {
        if let Some(o) = self.cdr_out(cid, disposition, dest, now) {
            self.emit(Class::Cdr, o);
        }
    }

    fn cdr_out(
        &self,
        cid: CallId,
        disposition: &str,
        dest: Option<u64>,
        now: Instant,
    ) -> Option<Out> {
        let call = self.calls.get(&cid)?;
        let a = self.ch(call.a)?;
        let end = self.wall_ms(now);
        let duration = end.saturating_sub(call.start_ms) / 1000;
        let billsec = call
            .answer_ms
            .map(|t| end.saturating_sub(t) / 1000)
            .unwrap_or(0);
        let mut o = Out::event("Cdr", P_CDR);
        o.f("AccountCode", "")
            .f("Source", &a.cid_num)
            .f("Destination", &call.target)
            .f("DestinationContext", &a.context)
            .f("CallerID", format!("\"{}\" <{}>", a.cid_name, a.cid_num))
            .f("Channel", &a.name)
            .f(
                "DestinationChannel",
                if dest.is_some() {
                    call.b_name.as_str()
                } else {
                    ""
                },
            )
            .f("LastApplication", &call.last_app.0)
            .f("LastData", &call.last_app.1)
            .f("StartTime", cdr_time(call.start_ms))
            .f(
                "AnswerTime",
                call.answer_ms.map(cdr_time).unwrap_or_default(),
            )
            .f("EndTime", cdr_time(end))
            .f("Duration", duration)
            .f("BillableSeconds", billsec)
            .f("Disposition", disposition)
            .f("AMAFlags", "DOCUMENTATION")
            .f("UniqueID", &a.uniqueid)
            .f("UserField", "");
        Some(o)
    }

    /// Asterisk 22 logs a second CDR for the caller's `Hangup` step after a failed `Dial`.
    fn cdr_hangup_leg(&mut self, cid: CallId, disposition: &str, now: Instant) {
        if let Some(call) = self.calls.get_mut(&cid) {
            call.last_app = ("Hangup".into(), String::new());
        }
        self.cdr(cid, disposition, None, now);
    }

    fn finish_call(&mut self, cid: CallId) {
        if self.calls.remove(&cid).is_some() {
            self.processed_calls += 1;
        }
    }

    // ---------------------------------------------------------------- scripted calls

    /// Starts a scripted call now: the caller's phone dials. Returns the call.
    pub fn play(&mut self, script: CallScript, now: Instant) -> Result<CallId, SimError> {
        if !self.endpoints.contains_key(&script.from) {
            return Err(SimError::UnknownExtension(script.from));
        }
        if self.channels.len() + 2 > self.cfg.max_channels {
            return Err(SimError::TooManyChannels);
        }
        self.seq += 1;
        let cid = CallId(self.seq);
        let name = script
            .caller_name
            .clone()
            .unwrap_or_else(|| format!("Ext {}", script.from));
        let initial = if self.modern() {
            ChanState::Ring
        } else {
            ChanState::Down
        };
        let a = self.new_channel(
            &script.from,
            cid,
            (&script.from, &name),
            initial,
            &script.to,
            None,
            now,
        );
        let steps: VecDeque<(Duration, CallStep)> = script.steps.into_iter().collect();
        let first = steps.front().map(|(d, _)| *d);
        let call = Call {
            a,
            b: None,
            target: script.to.clone(),
            phase: Phase::Dialing,
            start_ms: self.wall_ms(now),
            answer_ms: None,
            bridge: None,
            steps,
            auto_answer: false,
            orig: None,
            epoch: 0,
            b_name: String::new(),
            last_app: (String::new(), String::new()),
        };
        self.calls.insert(cid, call);
        self.emit_newchannel(a);
        if !self.modern() {
            self.set_state(a, ChanState::Ring);
        }
        self.enter_dialplan(cid, now);
        if let Some(delay) = first.filter(|_| self.calls.contains_key(&cid)) {
            self.schedule(now + delay, Timer::Step(cid));
        }
        Ok(cid)
    }

    fn run_step(&mut self, cid: CallId, now: Instant) {
        let Some(step) = self
            .calls
            .get_mut(&cid)
            .and_then(|c| c.steps.pop_front())
            .map(|(_, s)| s)
        else {
            return;
        };
        let phase = self.phase(cid);
        let ringing = matches!(phase, Some(Phase::Dialing | Phase::Ringing));
        let up = phase == Some(Phase::Up);
        match step {
            CallStep::Answer if ringing => self.answer(cid, now),
            CallStep::Busy if ringing => self.reject(cid, 17, now),
            CallStep::CallerHangup if ringing => {
                let cause = if self.modern() { 127 } else { 0 };
                self.cancel(cid, cause, now);
            }
            CallStep::CallerHangup if up => self.end_answered(cid, Party::Caller, 16, now),
            CallStep::CalleeHangup if up => self.end_answered(cid, Party::Callee, 16, now),
            CallStep::CalleeHangup if ringing => self.reject(cid, 21, now),
            CallStep::CallerHangup | CallStep::CalleeHangup => self.end_single(cid, 16, now),
            CallStep::NoAnswer if ringing => self.no_answer(cid, now),
            CallStep::Hold(p) if up => self.hold(cid, p, true),
            CallStep::Unhold(p) if up => self.hold(cid, p, false),
            CallStep::BlindTransfer { by, to } if up => self.blind_transfer(cid, by, &to, now),
            _ => {}
        }
        let next = self
            .calls
            .get(&cid)
            .and_then(|c| c.steps.front())
            .map(|(d, _)| *d);
        if let Some(delay) = next {
            self.schedule(now + delay, Timer::Step(cid));
        }
    }

    /// The caller's channel enters the dialplan at the call's target.
    fn enter_dialplan(&mut self, cid: CallId, now: Instant) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let (a, target) = (call.a, call.target.clone());
        let from = self.ch(a).map(|c| c.cid_num.clone()).unwrap_or_default();
        if let Some(c) = self.ch_mut(a) {
            c.exten = target.clone();
        }
        if self.endpoints.contains_key(&target) {
            let dial = format!("{}/{target},20", self.tech());
            self.newexten(a, 1, "NoOp", &format!("Call to {target} from {from}"));
            self.newexten(a, 2, "Dial", &dial);
            if let Some(call) = self.calls.get_mut(&cid) {
                call.last_app = ("Dial".into(), dial);
            }
            if self.is_registered(&target) == Some(true)
                && self.channels.len() < self.cfg.max_channels
            {
                self.dial_out(cid, now);
            } else {
                self.fail_unreachable(cid, 3, now);
            }
            return;
        }
        let app = self
            .cfg
            .apps
            .iter()
            .find(|(e, _)| *e == target)
            .map(|(_, app)| app.clone());
        match app {
            Some(app) => self.run_app(cid, app, now),
            None => self.fail_unreachable(cid, 1, now),
        }
    }

    fn dial_out(&mut self, cid: CallId, now: Instant) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let (a, target) = (call.a, call.target.clone());
        let Some((linked, a_num, a_name)) = self
            .ch(a)
            .map(|c| (c.linkedid.clone(), c.cid_num.clone(), c.cid_name.clone()))
        else {
            return;
        };
        let exten = if self.modern() { "s" } else { "" };
        let name = format!("Ext {target}");
        let b = self.new_channel(
            &target,
            cid,
            (&target, &name),
            ChanState::Down,
            exten,
            Some(linked),
            now,
        );
        self.emit_newchannel(b);
        let b_name = self.ch(b).map(|c| c.name.clone()).unwrap_or_default();
        if let Some(c) = self.ch_mut(b) {
            c.conn_num = a_num;
            c.conn_name = a_name;
            c.exten = target.clone();
        }
        if self.modern() {
            self.newexten(b, 1, "AppDial", "(Outgoing Line)");
            let o = self.chan_event("NewConnectedLine", P_CALL, b);
            self.emit(Class::Call, o);
        } else if let Some(c) = self.ch_mut(b) {
            c.app = "AppDial".into();
            c.app_data = "(Outgoing Line)".into();
        }
        self.dial_event("DialBegin", Some(a), b, None);
        if let Some(c) = self.ch_mut(a) {
            c.conn_num = target.clone();
            c.conn_name = name;
        }
        if self.modern() {
            let o = self.chan_event("NewConnectedLine", P_CALL, a);
            self.emit(Class::Call, o);
        }
        let epoch = match self.calls.get_mut(&cid) {
            Some(call) => {
                call.b = Some(b);
                call.b_name = b_name;
                call.phase = Phase::Dialing;
                call.epoch += 1;
                call.epoch
            }
            None => return,
        };
        let busy_now = self
            .calls
            .get(&cid)
            .and_then(|c| c.steps.front())
            .is_some_and(|(d, s)| *s == CallStep::Busy && d.is_zero());
        if !busy_now {
            self.ring(cid);
        }
        let auto = self.calls.get(&cid).is_some_and(|c| c.auto_answer);
        if auto {
            self.schedule(now + self.cfg.answer_delay, Timer::AutoAnswer(cid, epoch));
        }
        self.schedule(now + self.cfg.dial_timeout, Timer::DialTimeout(cid, epoch));
    }

    fn legs(&self, cid: CallId) -> Option<(u64, u64)> {
        let call = self.calls.get(&cid)?;
        Some((call.a, call.b?))
    }

    fn ring(&mut self, cid: CallId) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (a_ext, b_ext) = (self.ext_of(a), self.ext_of(b));
        if self.modern() {
            self.set_state(b, ChanState::Ringing);
            self.refresh(&b_ext);
            self.dial_event("DialState", Some(a), b, Some("RINGING"));
            self.refresh(&a_ext);
        } else {
            if let Some(c) = self.ch_mut(b) {
                c.state = ChanState::Ringing;
            }
            self.refresh(&b_ext);
            if let Some(c) = self.ch_mut(b) {
                c.state = ChanState::Down;
            }
            self.set_state(b, ChanState::Ringing);
            self.refresh(&a_ext);
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Ringing;
        }
    }

    fn ext_of(&self, key: u64) -> String {
        self.ch(key).map(|c| c.ext.clone()).unwrap_or_default()
    }

    fn answer(&mut self, cid: CallId, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (a_ext, b_ext) = (self.ext_of(a), self.ext_of(b));
        let wall = self.wall_ms(now);
        let bridge = self.uuid();
        if self.modern() {
            self.set_state(b, ChanState::Up);
            if let Some(c) = self.ch_mut(b) {
                c.exten = String::new();
            }
            self.dial_event("DialEnd", Some(a), b, Some("ANSWER"));
            self.set_state(a, ChanState::Up);
            self.refresh(&b_ext);
            self.bridge_event("BridgeCreate", &bridge, 0, None);
            self.newexten(b, 1, "AppDial", "(Outgoing Line)");
            for k in [b, a] {
                if let Some(c) = self.ch_mut(k) {
                    c.bridge = Some(bridge.clone());
                }
            }
            self.bridge_event("BridgeEnter", &bridge, 1, Some(b));
            self.bridge_event("BridgeEnter", &bridge, 2, Some(a));
        } else {
            self.set_state(b, ChanState::Up);
            self.refresh(&b_ext);
            self.set_state(a, ChanState::Up);
            for k in [b, a] {
                if let Some(c) = self.ch_mut(k) {
                    c.bridge = Some(bridge.clone());
                }
            }
            self.legacy_link("Bridge", a, b);
        }
        self.refresh(&a_ext);
        if let Some(call) = self.calls.get_mut(&cid) {
            call.phase = Phase::Up;
            call.answer_ms = Some(wall);
            call.bridge = Some(bridge);
            call.epoch += 1;
        }
    }

    /// An answered two-party call ends: `who` hung up with `cause`.
    fn end_answered(&mut self, cid: CallId, who: Party, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (first, second) = match who {
            Party::Caller => (a, b),
            Party::Callee => (b, a),
        };
        if self.modern() {
            self.hangup_request("HangupRequest", first, cause);
            self.unbridge(cid, first, second);
            self.hangup_request("SoftHangupRequest", a, 16);
            let cdr = self.cdr_out(cid, "ANSWERED", Some(b), now);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.emit_hangup(a, cause);
            self.drop_channel(a);
            if let Some(cdr) = cdr {
                self.emit(Class::Cdr, cdr);
            }
        } else {
            self.unbridge(cid, first, second);
            self.cdr(cid, "ANSWERED", Some(b), now);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.dial_event("DialEnd", Some(a), b, Some("ANSWER"));
            self.emit_hangup(a, cause);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The callee refuses while the call is being set up (486 → cause 17, 603 → 21).
    fn reject(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let status = if matches!(cause, 17 | 21) {
            "BUSY"
        } else {
            "CHANUNAVAIL"
        };
        let disposition = if cause == 17 { "BUSY" } else { "NO ANSWER" };
        if self.modern() {
            self.hangup_request("HangupRequest", b, cause);
            self.cdr(cid, disposition, Some(b), now);
            self.cdr_hangup_leg(cid, disposition, now);
            self.dial_event("DialEnd", Some(a), b, Some(status));
            self.newexten(a, 3, "Hangup", "");
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(a, cause);
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, cause);
            self.dial_event("DialEnd", Some(a), b, Some(status));
            self.drop_channel(b);
            self.newexten(a, 3, "Hangup", "");
            self.emit_hangup(a, cause);
            self.cdr(cid, disposition, Some(b), now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The caller gives up while the callee rings (`CANCEL`).
    fn cancel(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        if self.modern() {
            self.hangup_request("HangupRequest", a, cause);
            self.dial_event("DialEnd", Some(a), b, Some("CANCEL"));
            self.emit_hangup(b, cause);
            self.drop_channel(b);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(a, cause);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, 16);
            self.dial_event("DialEnd", Some(a), b, Some("CANCEL"));
            self.emit_hangup(a, cause);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(b);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The dial timeout fires while the callee rings.
    fn no_answer(&mut self, cid: CallId, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            // An `Originate` leg that nobody answered.
            self.end_single(cid, 19, now);
            return;
        };
        if self.modern() {
            self.dial_event("DialEnd", Some(a), b, Some("NOANSWER"));
            self.newexten(a, 3, "Hangup", "");
            self.hangup_request("SoftHangupRequest", a, 16);
            self.emit_hangup(b, 0);
            let cdr = self.cdr_out(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(b);
            if let Some(cdr) = cdr {
                self.emit(Class::Cdr, cdr);
            }
            self.cdr_hangup_leg(cid, "NO ANSWER", now);
            self.emit_hangup(a, 16);
            self.drop_channel(a);
        } else {
            self.emit_hangup(b, 0);
            self.dial_event("DialEnd", Some(a), b, Some("NOANSWER"));
            self.drop_channel(b);
            self.newexten(a, 3, "Hangup", "");
            self.emit_hangup(a, 16);
            self.cdr(cid, "NO ANSWER", Some(b), now);
            self.drop_channel(a);
        }
        self.finish_call(cid);
    }

    /// The dialled extension cannot be reached (not registered: cause 3; no such extension:
    /// cause 1). CDR `FAILED`.
    fn fail_unreachable(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        if cause == 3 {
            self.newexten(a, 3, "Hangup", "");
        }
        if self.modern() {
            self.hangup_request("SoftHangupRequest", a, 16);
            self.cdr(cid, "FAILED", None, now);
            self.emit_hangup(a, cause);
        } else {
            self.emit_hangup(a, cause);
            self.cdr(cid, "FAILED", None, now);
        }
        self.drop_channel(a);
        self.finish_call(cid);
    }

    /// A one-channel call ends (an application, or an `Originate` leg).
    fn end_single(&mut self, cid: CallId, cause: u16, now: Instant) {
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        let a = call.a;
        if call.phase == Phase::Originating {
            let reason = if cause == 19 { 3 } else { 1 };
            self.originate_failed(cid, reason, now);
        }
        self.hangup_request("HangupRequest", a, cause);
        self.emit_hangup(a, cause);
        let disposition = if call.answer_ms.is_some() {
            "ANSWERED"
        } else {
            "NO ANSWER"
        };
        self.cdr(cid, disposition, None, now);
        self.drop_channel(a);
        self.finish_call(cid);
    }

    fn run_app(&mut self, cid: CallId, app: DialplanApp, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        let wall = self.wall_ms(now);
        self.newexten(a, 1, "Answer", "");
        let was_up = self.ch(a).is_some_and(|c| c.state == ChanState::Up);
        self.set_state(a, ChanState::Up);
        let (name, data, ends) = match &app {
            DialplanApp::Echo => ("Echo", String::new(), None),
            DialplanApp::Playback { file, length } => ("Playback", file.clone(), Some(*length)),
            DialplanApp::Wait(d) => ("Wait", d.as_secs().to_string(), Some(*d)),
        };
        self.newexten(a, 2, name, &data);
        let ext = self.ext_of(a);
        self.refresh(&ext);
        let epoch = match self.calls.get_mut(&cid) {
            Some(call) => {
                call.phase = Phase::App;
                if !was_up || call.answer_ms.is_none() {
                    call.answer_ms = Some(wall);
                }
                call.last_app = (name.into(), data);
                call.epoch += 1;
                call.epoch
            }
            None => return,
        };
        if let Some(d) = ends {
            self.schedule(now + d, Timer::AppEnd(cid, epoch));
        }
    }

    fn app_end(&mut self, cid: CallId, now: Instant) {
        let Some(a) = self.calls.get(&cid).map(|c| c.a) else {
            return;
        };
        self.newexten(a, 3, "Hangup", "");
        self.hangup_request("SoftHangupRequest", a, 16);
        self.emit_hangup(a, 16);
        self.cdr(cid, "ANSWERED", None, now);
        self.drop_channel(a);
        self.finish_call(cid);
    }

    fn hold(&mut self, cid: CallId, who: Party, on: bool) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let key = match who {
            Party::Caller => a,
            Party::Callee => b,
        };
        match self.ch_mut(key) {
            Some(c) if c.held != on => c.held = on,
            _ => return,
        }
        let o = if self.modern() {
            let mut o = self.chan_event(if on { "Hold" } else { "Unhold" }, P_CALL, key);
            if on {
                o.f("MusicClass", "default");
            }
            o
        } else {
            let Some(c) = self.ch(key) else {
                return;
            };
            let mut o = Out::event("Hold", P_CALL);
            o.f("Status", if on { "On" } else { "Off" })
                .f("Channel", &c.name)
                .f("Uniqueid", &c.uniqueid);
            o
        };
        self.emit(Class::Call, o);
        let ext = self.ext_of(key);
        self.refresh(&ext);
    }

    fn blind_transfer(&mut self, cid: CallId, by: Party, to: &str, now: Instant) {
        let Some((a, b)) = self.legs(cid) else {
            return;
        };
        let (transferer, transferee) = match by {
            Party::Caller => (a, b),
            Party::Callee => (b, a),
        };
        let context = self.cfg.context.clone();
        if self.modern() {
            let bridge = self
                .calls
                .get(&cid)
                .and_then(|c| c.bridge.clone())
                .unwrap_or_default();
            let mut o = Out::event("BlindTransfer", P_CALL);
            o.f("Result", "Success");
            if let Some(c) = self.ch(transferer) {
                snapshot(&mut o, "Transferer", c);
            }
            if let Some(c) = self.ch(transferee) {
                snapshot(&mut o, "Transferee", c);
            }
            self.bridge_fields(&mut o, &bridge, 2);
            o.f("IsExternal", "No")
                .f("Context", &context)
                .f("Extension", to);
            self.emit(Class::Call, o);
        } else {
            let (Some(t), Some(e)) = (self.ch(transferer), self.ch(transferee)) else {
                return;
            };
            let mut o = Out::event("Transfer", P_CALL);
            o.f("TransferMethod", "SIP")
                .f("TransferType", "Blind")
                .f("Channel", &t.name)
                .f("Uniqueid", &t.uniqueid)
                .f("SIP-Callid", format!("{}@127.0.0.1", t.uniqueid))
                .f("TargetChannel", &e.name)
                .f("TargetUniqueid", &e.uniqueid)
                .f("TransferExten", to)
                .f("TransferContext", &context);
            self.emit(Class::Call, o);
        }
        self.unbridge(cid, transferer, transferee);
        self.hangup_request("HangupRequest", transferer, 16);
        self.emit_hangup(transferer, 16);
        self.cdr(cid, "ANSWERED", Some(b), now);
        self.drop_channel(transferer);
        let wall = self.wall_ms(now);
        if let Some(c) = self.ch_mut(transferee) {
            c.held = false;
            c.bridge = None;
        }
        if let Some(call) = self.calls.get_mut(&cid) {
            call.a = transferee;
            call.b = None;
            call.target = to.to_owned();
            call.phase = Phase::Dialing;
            call.bridge = None;
            call.start_ms = wall;
            call.answer_ms = None;
            call.auto_answer = call.steps.is_empty();
            call.epoch += 1;
        }
        self.enter_dialplan(cid, now);
    }

    fn uuid(&mut self) -> String {
        let r = &mut self.rng;
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            r.u32(..),
            r.u16(..),
            r.u16(..),
            r.u16(..),
            r.u64(..) & 0xffff_ffff_ffff
        )
    }

    // ---------------------------------------------------------------- originate

    fn originate(&mut self, sid: SessionId, m: &Message<'_>, id: Option<&str>, now: Instant) {
        let Some(spec) = m.get("Channel").map(str::to_owned) else {
            self.send(sid, Out::error(id, "Channel not specified"));
            return;
        };
        let sync = !m.get("Async").is_some_and(|v| {
            ["true", "yes", "1", "on"]
                .iter()
                .any(|t| v.trim().eq_ignore_ascii_case(t))
        });
        let context = m
            .get("Context")
            .map(str::to_owned)
            .unwrap_or_else(|| self.cfg.context.clone());
        let exten = m.get("Exten").unwrap_or_default().to_owned();
        let (tech, ext) = spec.split_once('/').unwrap_or((spec.as_str(), ""));
        let reachable = tech.eq_ignore_ascii_case(self.tech())
            && self.is_registered(ext) == Some(true)
            && self.channels.len() + 2 <= self.cfg.max_channels;
        let orig = Originate {
            session: sid,
            action_id: id.map(str::to_owned),
            sync,
            spec: spec.clone(),
            context: context.clone(),
            exten: exten.clone(),
        };
        if !reachable {
            if sync {
                self.send(sid, Out::error(id, "Originate failed"));
            } else {
                self.send(sid, Out::success(id, "Originate successfully queued"));
                self.originate_response(&orig, None, 0, now);
            }
            return;
        }
        let ext = ext.to_owned();
        if sync {
            if let Some(s) = self.sessions.get_mut(&sid) {
                s.held = Some(VecDeque::new());
            }
        } else {
            self.send(sid, Out::success(id, "Originate successfully queued"));
        }
        self.seq += 1;
        let cid = CallId(self.seq);
        let own = format!("Ext {ext}");
        let exten0 = if self.modern() { "s" } else { "" };
        let o = self.new_channel(&ext, cid, (&ext, &own), ChanState::Down, exten0, None, now);
        self.calls.insert(
            cid,
            Call {
                a: o,
                b: None,
                target: exten,
                phase: Phase::Originating,
                start_ms: self.wall_ms(now),
                answer_ms: None,
                bridge: None,
                steps: VecDeque::new(),
                auto_answer: true,
                orig: Some(orig),
                epoch: 0,
                b_name: String::new(),
                last_app: (String::new(), String::new()),
            },
        );
        self.emit_newchannel(o);
        if self.modern() {
            self.newexten(o, 1, "AppDial2", "(Outgoing Line)");
        }
        if let Some((num, name)) = m.get("CallerID").map(parse_caller_id) {
            if let Some(c) = self.ch_mut(o) {
                c.cid_num = num;
                c.cid_name = name;
            }
            let ev = if self.modern() {
                let mut ev = self.chan_event("NewCallerid", P_CALL, o);
                ev.f("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
                Some(ev)
            } else {
                self.ch(o).map(|c| {
                    let mut ev = Out::event("NewCallerid", P_CALL);
                    ev.f("Channel", &c.name)
                        .f("CallerIDNum", &c.cid_num)
                        .f("CallerIDName", &c.cid_name)
                        .f("Uniqueid", &c.uniqueid)
                        .f("CID-CallingPres", "0 (Presentation Allowed, Not Screened)");
                    ev
                })
            };
            if let Some(ev) = ev {
                self.emit(Class::Call, ev);
            }
        }
        if self.modern() {
            self.dial_event("DialBegin", None, o, None);
            self.dial_event("DialState", None, o, Some("RINGING"));
        }
        self.set_state(o, ChanState::Ringing);
        self.refresh(&ext);
        let timeout = m
            .get("Timeout")
            .and_then(|t| t.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(30));
        self.schedule(now + self.cfg.answer_delay, Timer::OrigAnswer(cid, 0));
        self.schedule(now + timeout, Timer::DialTimeout(cid, 0));
    }

    fn originate_answer(&mut self, cid: CallId, now: Instant) {
        let Some(call) = self.calls.get(&cid).cloned() else {
            return;
        };
        if call.phase != Phase::Originating {
            return;
        }
        let o = call.a;
        let ext = self.ext_of(o);
        self.set_state(o, ChanState::Up);
        self.refresh(&ext);
        if self.modern() {
            self.dial_event("DialEnd", None, o, Some("ANSWER"));
        }
        let wall = self.wall_ms(now);
        if let Some(c) = self.calls.get_mut(&cid) {
            c.answer_ms = Some(wall);
            c.phase = Phase::Dialing;
            c.epoch += 1;
        }
        if let Some(orig) = &call.orig {
            if orig.sync {
                self.release_sync(orig.session, orig.action_id.as_deref(), true, now);
            } else {
                self.originate_response(orig, Some(o), 4, now);
            }
        }
        if let Some(c) = self.calls.get_mut(&cid) {
            c.orig = None;
        }
        if call.target.is_empty() {
            // An `Application` originate: the channel stays up until hung up.
            if let Some(c) = self.calls.get_mut(&cid) {
                c.phase = Phase::App;
            }
            return;
        }
        self.enter_dialplan(cid, now);
    }

    fn originate_failed(&mut self, cid: CallId, reason: u8, now: Instant) {
        let Some(orig) = self.calls.get_mut(&cid).and_then(|c| c.orig.take()) else {
            return;
        };
        if orig.sync {
            self.release_sync(orig.session, orig.action_id.as_deref(), false, now);
        } else {
            let a = self.calls.get(&cid).map(|c| c.a);
            self.originate_response(&orig, a, reason, now);
        }
    }

    /// Answers a synchronous `Originate` and lets the session's held events and actions go.
    fn release_sync(&mut self, sid: SessionId, id: Option<&str>, ok: bool, now: Instant) {
        let reply = if ok {
            Out::success(id, "Originate successfully queued")
        } else {
            Out::error(id, "Originate failed")
        };
        self.send(sid, reply);
        let held = self.sessions.get_mut(&sid).and_then(|s| s.held.take());
        for bytes in held.into_iter().flatten() {
            self.send(sid, bytes);
        }
        self.process(sid, now);
    }

    fn originate_response(
        &mut self,
        orig: &Originate,
        chan: Option<u64>,
        reason: u8,
        now: Instant,
    ) {
        let success = reason == 4;
        let c = chan.and_then(|k| self.ch(k)).map(|c| ChanIds {
            name: c.name.clone(),
            uniqueid: c.uniqueid.clone(),
            cid_num: c.cid_num.clone(),
            cid_name: c.cid_name.clone(),
        });
        let c = c.as_ref();
        if !self.modern() && !success {
            // Asterisk 1.8 logs the failed attempt as a CDR before answering.
            let mut o = Out::event("Cdr", P_CDR);
            let t = cdr_time(self.wall_ms(now));
            o.f("AccountCode", "")
                .f("Source", "")
                .f("Destination", &orig.exten)
                .f("DestinationContext", &orig.context)
                .f("CallerID", "")
                .f("Channel", "")
                .f("DestinationChannel", "")
                .f("LastApplication", "")
                .f("LastData", "")
                .f("StartTime", &t)
                .f("AnswerTime", "")
                .f("EndTime", &t)
                .f("Duration", 0)
                .f("BillableSeconds", 0)
                .f("Disposition", "FAILED")
                .f("AMAFlags", "DOCUMENTATION")
                .f("UniqueID", "")
                .f("UserField", "");
            self.emit(Class::Cdr, o);
        }
        let none = if self.modern() { "<unknown>" } else { "<null>" };
        let mut o = Out::event("OriginateResponse", P_CALL);
        o.id(orig.action_id.as_deref());
        o.f("Response", if success { "Success" } else { "Failure" })
            .f(
                "Channel",
                c.filter(|_| success)
                    .map(|c| c.name.as_str())
                    .unwrap_or(&orig.spec),
            )
            .f("Context", &orig.context)
            .f("Exten", &orig.exten)
            .f("Reason", reason)
            .f(
                "Uniqueid",
                c.filter(|_| success)
                    .map(|c| c.uniqueid.as_str())
                    .unwrap_or(none),
            )
            .f(
                "CallerIDNum",
                c.filter(|_| success)
                    .map(|c| c.cid_num.as_str())
                    .unwrap_or("<unknown>"),
            )
            .f(
                "CallerIDName",
                c.filter(|_| success)
                    .map(|c| c.cid_name.as_str())
                    .unwrap_or("<unknown>"),
            );
        self.emit(Class::Call, o);
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
mod tests {
    use super::*;
    use crate::{Action, Frame};

    struct Harness {
        model: PbxModel,
        now: Instant,
        sid: SessionId,
        decoder: Decoder,
        buf: BytesMut,
        frames: Vec<Frame>,
        closed: bool,
    }

    impl Harness {
        fn new(cfg: SimConfig) -> Harness {
            let now = Instant::now();
            let wall = UNIX_EPOCH + Duration::from_secs(1_795_728_803);
            let mut model = PbxModel::new(cfg, now, wall);
            let sid = model.connect(None, None).unwrap();
            let mut h = Harness {
                model,
                now,
                sid,
                decoder: Decoder::default(),
                buf: BytesMut::new(),
                frames: Vec::new(),
                closed: false,
            };
            h.drain();
            h
        }

        fn drain(&mut self) {
            while let Some(out) = self.model.poll_output() {
                match out {
                    Output::Send { session, bytes } if session == self.sid => {
                        self.buf.extend_from_slice(&bytes);
                    }
                    Output::Close { session } if session == self.sid => self.closed = true,
                    _ => {}
                }
            }
            while let Some(f) = self.decoder.decode(&mut self.buf).unwrap() {
                self.frames.push(f);
            }
        }

        fn send(&mut self, action: Action, id: &str) {
            let mut out = BytesMut::new();
            action.encode(id, &mut out).unwrap();
            self.model.receive(self.sid, &out, self.now);
            self.drain();
        }

        /// Advances the clock timer by timer up to `until`.
        fn run_until(&mut self, until: Instant) {
            while let Some(at) = self.model.poll_timeout().filter(|t| *t <= until) {
                self.now = at;
                self.model.handle_timeout(at);
                self.drain();
            }
            self.now = until;
        }

        fn events(&self, name: &str) -> Vec<&Frame> {
            self.frames
                .iter()
                .filter(|f| f.message().event() == Some(name))
                .collect()
        }
    }

    fn login(h: &mut Harness) {
        h.send(
            Action::new("Login")
                .field("Username", "ami_user")
                .field("Secret", "ami_password"),
            "x-1",
        );
    }

    #[test]
    fn answered_call_on_a_virtual_clock() {
        let mut h = Harness::new(SimConfig::modern());
        assert_eq!(h.frames[0].kind(), crate::FrameKind::Banner);
        login(&mut h);
        let start = h.now;
        h.model
            .play(
                CallScript::answered(
                    "1001",
                    "1002",
                    Duration::from_secs(1),
                    Duration::from_secs(4),
                ),
                h.now,
            )
            .unwrap();
        h.drain();
        h.run_until(start + Duration::from_secs(60));
        let cdr = h.events("Cdr");
        assert_eq!(cdr.len(), 1);
        let cdr = cdr[0].message();
        assert_eq!(cdr.get("Disposition"), Some("ANSWERED"));
        assert_eq!(cdr.get("StartTime"), Some("2026-11-26 21:33:23"));
        assert_eq!(cdr.get("AnswerTime"), Some("2026-11-26 21:33:24"));
        assert_eq!(cdr.get("EndTime"), Some("2026-11-26 21:33:28"));
        assert_eq!(cdr.get("Duration"), Some("5"));
        assert_eq!(cdr.get("BillableSeconds"), Some("4"));
        let first = h.events("Newchannel")[0].message();
        assert_eq!(first.get("Uniqueid"), Some("1795728803.0"));
        assert_eq!(first.get("Channel"), Some("PJSIP/1001-00000000"));
        assert_eq!(h.model.call_count(), 0);
        assert!(h.model.poll_timeout().is_none());
    }

    #[test]
    fn refused_login_waits_then_closes() {
        let mut h = Harness::new(SimConfig::legacy());
        h.send(
            Action::new("Login")
                .field("Username", "ami_user")
                .field("Secret", "wrong"),
            "x-1",
        );
        assert_eq!(h.frames.len(), 1, "nothing before the delay");
        // Input after a refused login is ignored.
        h.send(Action::new("Ping"), "x-2");
        assert!(!h.closed);
        let at = h.now + Duration::from_secs(1);
        h.run_until(at);
        assert!(h.closed);
        let last = h.frames.last().unwrap().message();
        assert_eq!(last.get("Message"), Some("Authentication failed"));
        assert_eq!(last.action_id(), Some("x-1"));
        assert_eq!(h.model.session_count(), 0);
    }

    #[test]
    fn bad_input_is_bounded() {
        let mut h = Harness::new(SimConfig::modern());
        let junk = vec![b'x'; MAX_SESSION_INPUT + 1];
        h.model.receive(h.sid, &junk, h.now);
        h.drain();
        assert!(h.closed);
        assert_eq!(
            h.model.play(CallScript::new("9999", "1002"), h.now),
            Err(SimError::UnknownExtension("9999".into()))
        );
    }

    #[test]
    fn mask_parsing() {
        assert_eq!(Mask::parse("on"), Mask::All);
        assert_eq!(Mask::parse("OFF"), Mask::Off);
        assert!(Mask::parse("call,cdr").allows(Class::Cdr));
        assert!(!Mask::parse("call,cdr").allows(Class::System));
        assert_eq!(
            parse_caller_id("\"Click2Call\" <1001>"),
            ("1001".into(), "Click2Call".into())
        );
        assert_eq!(parse_caller_id("1001"), ("1001".into(), String::new()));
    }
}
