//! The [`Pbx`] facade: whichever modes are configured — AMI, native SIP, SIP over WebSocket —
//! alone or together, behind one typed event stream and one call model.
//!
//! ```no_run
//! # async fn run() -> Result<(), yeastar_core::PbxError> {
//! use yeastar_core::calls::{CallEvent, PbxEvent, to_json_line};
//! use yeastar_core::config::PbxConfig;
//! use yeastar_core::pbx::{Event, Pbx};
//!
//! let config = PbxConfig::from_env().expect("YEASTAR_* or SIP_* set");
//! // Returns at once; each mode keeps (re)connecting with backoff while the PBX is down.
//! let pbx = Pbx::start(config).await?;
//! let placed = pbx.click_to_call("1001", "0612345678").await?;
//! println!("click-to-call over {}: {:?}", placed.mode, placed.call_id);
//! while let Some(event) = pbx.next_event().await {
//!     match event {
//!         Event::Pbx { mode, event: PbxEvent::Call(call) } => {
//!             println!("{mode}: {}", to_json_line(&call));
//!             if let CallEvent::Ended { .. } = call { break; }
//!         }
//!         Event::Status(status) if !status.connected => {
//!             eprintln!("{} down: {:?}", status.mode, status.last_error);
//!         }
//!         _ => {}
//!     }
//! }
//! pbx.shutdown().await; // unregisters, ends our calls (recordings closed), logs off
//! # Ok(()) }
//! ```
//!
//! # What each mode gives
//!
//! | | AMI | native SIP / WebSocket |
//! |---|---|---|
//! | calls | every call of the PBX (the AMI call tracker) | our own dialogs |
//! | click-to-call | `Originate` (rings `from`, then dials `to`) | we call `from`, then REFER it to `to` |
//! | hangup | `Hangup` of every channel of the call | BYE/CANCEL of a dialog we placed |
//! | extension status | the PBX's hints and registrations | our accounts: registered, in a call |
//! | history | records merged with the PBX's CDRs | records of our dialogs |
//!
//! With both, a call the AMI sees and one of our dialogs are the same call when the PBX names
//! the dialog's Call-ID on one of its legs: see [`crate::join`] for the rule. AMI is preferred
//! for click-to-call when it is configured.
//!
//! # Layers
//!
//! The join (the active-call table) is sans-IO in [`crate::join`]; this module only pumps each
//! mode's client (`yeastar_ami::client::AmiClient`, `yeastar_sip::driver::UserAgent` over UDP,
//! TCP, TLS or `yeastar_ws::WsClient`) into it, makes the AMI queries it asks for, and hands
//! its outputs to one bounded [`Event`] queue.
//!
//! # A PBX that is down
//!
//! [`Pbx::start`] never fails because a PBX is unreachable: the AMI client reconnects with
//! backoff, the SIP side retries name resolution and its setup with backoff and the SIP core
//! retries refused or unanswered registrations. [`Pbx::status`] says, per mode, whether it is
//! connected and why not (`last_error`), for a `/health` route. [`Pbx::connect`] is the
//! fail-fast variant.

#[cfg(feature = "ami")]
mod ami;
mod queue;
#[cfg(feature = "sip")]
mod sip;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use yeastar_calls::{
    Call, CallEvent, CallHistory, CallState, CompletedCall, ExtensionState, ExtensionStatus,
    HistoryQuery, MemoryHistory, PbxEvent,
};

use crate::config::PbxConfig;
use crate::join::{ActiveCall, CallIdQuery, CallJoiner, JoinLimits, JoinOutput, Mode};

pub use queue::DEFAULT_EVENT_QUEUE;
use queue::EventQueue;

/// Default of [`PbxOptions::history_capacity`].
pub const DEFAULT_HISTORY_CAPACITY: usize = yeastar_calls::DEFAULT_MEMORY_HISTORY_CAPACITY;
/// Default of [`PbxOptions::click_to_call_timeout`]: how long `from` may ring, plus the
/// PBX's answer.
pub const DEFAULT_CLICK_TO_CALL_TIMEOUT: Duration = Duration::from_secs(45);
/// Default of [`PbxOptions::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default first delay before the SIP side tries its setup again (name resolution, sockets).
pub const DEFAULT_RETRY_INITIAL: Duration = Duration::from_secs(1);
/// Default longest delay between two SIP setup attempts.
pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(60);
/// Most characters of a number or extension [`Pbx::click_to_call`] takes.
pub const MAX_DIAL_LEN: usize = 64;

/// How the facade runs, beyond what the PBX configuration says.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PbxOptions {
    /// Events kept for a slow consumer before it is told it lagged ([`DEFAULT_EVENT_QUEUE`]).
    pub event_queue: usize,
    /// Completed calls kept in memory for [`Pbx::call_history`] ([`DEFAULT_HISTORY_CAPACITY`]).
    pub history_capacity: usize,
    /// Bounds of the joined active-call table.
    pub join: JoinLimits,
    /// Local address for SIP and RTP (`ip` with port 0 for any port); default: the address
    /// that routes to the SIP server, any port.
    pub sip_local_addr: Option<std::net::SocketAddr>,
    /// See [`DEFAULT_CLICK_TO_CALL_TIMEOUT`].
    pub click_to_call_timeout: Duration,
    /// How long [`Pbx::connect`] waits for every mode ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// See [`DEFAULT_RETRY_INITIAL`].
    pub retry_initial: Duration,
    /// See [`DEFAULT_RETRY_MAX`].
    pub retry_max: Duration,
}

impl Default for PbxOptions {
    fn default() -> Self {
        PbxOptions {
            event_queue: DEFAULT_EVENT_QUEUE,
            history_capacity: DEFAULT_HISTORY_CAPACITY,
            join: JoinLimits::default(),
            sip_local_addr: None,
            click_to_call_timeout: DEFAULT_CLICK_TO_CALL_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry_initial: DEFAULT_RETRY_INITIAL,
            retry_max: DEFAULT_RETRY_MAX,
        }
    }
}

/// Why the facade could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PbxError {
    /// The configuration has no mode (neither `YEASTAR_HOST` nor `SIP_USERS`).
    #[error("no PBX configured: set YEASTAR_HOST (AMI) or SIP_SERVER and SIP_USERS (SIP)")]
    NothingConfigured,
    /// A configured mode is not compiled in (its cargo feature is off).
    #[error("the {0} mode is configured but this build lacks it (cargo feature of yeastar-core)")]
    ModeNotBuilt(Mode),
    /// A mode's configuration cannot work (TLS files, RTP ports): retrying would not help.
    #[error("{mode}: {reason}")]
    Setup {
        /// The mode.
        mode: Mode,
        /// What is wrong.
        reason: String,
    },
    /// [`Pbx::connect`]: a mode could not connect (it reports its first failure).
    #[error("{mode}: cannot connect: {reason}")]
    Connect {
        /// The mode.
        mode: Mode,
        /// Why.
        reason: String,
    },
    /// The operation needs a mode that is configured but not connected (yet).
    #[error("{mode} is not connected{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    NotConnected {
        /// The mode.
        mode: Mode,
        /// Its last error.
        reason: Option<String>,
    },
    /// An argument is not valid: an empty or over-long number, characters a PBX does not dial.
    #[error("invalid {what}: {value:?}")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// No active call has this id (its own, its AMI id or one of its SIP Call-IDs).
    #[error("no active call {0:?}")]
    NoSuchCall(String),
    /// The call cannot be hung up from here: no AMI, and its SIP dialog belongs to the
    /// application (an incoming call: use its `SipCall`).
    #[error(
        "call {0:?} cannot be hung up by the facade: no AMI, and it is not a call the facade placed"
    )]
    CannotHangUp(String),
    /// The PBX refused an action (`Response: Error`).
    #[error("the PBX refused: {0}")]
    Refused(String),
    /// `Originate` failed: `reason` is Asterisk's code, `reason_text` says it in words.
    #[error("the PBX could not place the call: {reason_text} (reason {reason})")]
    OriginateFailed {
        /// 0 no such extension or not registered, 1 no answer, 3 rang without answer, 5 busy,
        /// 8 congestion.
        reason: u32,
        /// In words.
        reason_text: &'static str,
    },
    /// The SIP click-to-call: `from` did not answer our call.
    #[error("{from} did not answer ({reason})")]
    NotAnswered {
        /// The extension called.
        from: String,
        /// How our call ended (`rejected (486)`, `timeout`).
        reason: String,
    },
    /// The SIP click-to-call: the REFER to `to` was refused or failed.
    #[error("the transfer to {to} failed with {code}")]
    TransferFailed {
        /// The target.
        to: String,
        /// The SIP status of the refusal.
        code: u16,
    },
    /// No answer within the time allowed.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The AMI action failed (connection lost, timeout).
    #[cfg(feature = "ami")]
    #[error(transparent)]
    Ami(#[from] yeastar_ami::client::ClientError),
    /// The SIP user agent refused the command.
    #[cfg(feature = "sip")]
    #[error(transparent)]
    Sip(#[from] yeastar_sip::driver::AgentError),
    /// The facade has shut down.
    #[error("the PBX facade has shut down")]
    Closed,
}

/// One of our SIP accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AccountStatus {
    /// The extension.
    pub extension: String,
    /// Registered now.
    pub registered: bool,
    /// Why the last registration failed.
    pub last_error: Option<String>,
}

/// Where one mode stands: for `/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ModeStatus {
    /// The mode.
    pub mode: Mode,
    /// What it talks to: `host:port` or the WebSocket URL.
    pub target: String,
    /// AMI: logged in. SIP: the link is up (WebSocket) and every account is registered.
    pub connected: bool,
    /// Why it is (or last was) not connected.
    pub last_error: Option<String>,
    /// The PBX refused our credentials (AMI login, SIP digest): retrying will not help until
    /// they are fixed.
    pub credentials_refused: bool,
    /// Failed attempts in a row.
    pub failed_attempts: u32,
    /// AMI: the version of the last login (`1.1` is the legacy dialect).
    pub version: Option<String>,
    /// SIP: our accounts.
    pub accounts: Vec<AccountStatus>,
    /// Shut down.
    pub stopped: bool,
}

impl ModeStatus {
    fn new(mode: Mode, target: String) -> ModeStatus {
        ModeStatus {
            mode,
            target,
            connected: false,
            last_error: None,
            credentials_refused: false,
            failed_attempts: 0,
            version: None,
            accounts: Vec::new(),
            stopped: false,
        }
    }

    fn sip_connected(&self, link_up: bool) -> bool {
        link_up && !self.accounts.is_empty() && self.accounts.iter().all(|a| a.registered)
    }
}

/// Where every mode stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PbxStatus {
    /// Every mode is connected.
    pub connected: bool,
    /// Per mode.
    pub modes: Vec<ModeStatus>,
}

impl PbxStatus {
    /// The status of `mode`, when configured.
    pub fn mode(&self, mode: Mode) -> Option<&ModeStatus> {
        self.modes.iter().find(|m| m.mode == mode)
    }
}

/// What [`Pbx::click_to_call`] started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClickToCall {
    /// AMI (`Originate`) or our SIP user agent (INVITE, then REFER).
    pub mode: Mode,
    /// The id to follow the call by: AMI's `Uniqueid` of the new channel, or the Call-ID of
    /// our SIP leg.
    pub call_id: Option<String>,
    /// AMI: the channel that rang `from`.
    pub channel: Option<String>,
}

/// What the facade reports, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A call changed (its call carries the joined call's id), an extension's state changed
    /// (AMI), or one of our SIP registrations changed.
    Pbx {
        /// The interface that saw it.
        mode: Mode,
        /// What changed, in the `yeastar-calls` model.
        event: PbxEvent,
    },
    /// Two calls reported under different ids were found to be one (see [`crate::join`]):
    /// `absorbed` is now part of `call`.
    Joined {
        /// The joined call.
        call: Box<Call>,
        /// The id that is no more.
        absorbed: Arc<str>,
        /// When it was learned.
        at: SystemTime,
    },
    /// A call ended and its record is final (stored for [`Pbx::call_history`]).
    Completed {
        /// The mode whose record it is.
        mode: Mode,
        /// The record.
        record: Box<CompletedCall>,
    },
    /// A mode connected, lost its connection, or failed to connect.
    Status(ModeStatus),
    /// A call to one of our SIP accounts: answer or reject it with its handle; dropped
    /// unanswered, it is refused with 480.
    #[cfg(feature = "sip")]
    Incoming(yeastar_sip::driver::IncomingSipCall),
    /// The consumer fell behind: this many events were dropped.
    Lagged {
        /// Events dropped since the last one delivered.
        missed: u64,
    },
}

/// The state the pumps share, each touched under its lock for a few instructions.
struct State {
    joiner: CallJoiner,
    history: MemoryHistory,
    status: BTreeMap<Mode, ModeStatus>,
    /// WebSocket link up (for SIP's `connected`); true for native SIP.
    link_up: bool,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    queue: Mutex<EventQueue>,
    notify: Notify,
    /// Woken at every status change (for `connect`).
    status_changed: Notify,
    closed: AtomicBool,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the tables half-changed in a way that
        // matters more than stopping: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn push(&self, event: Event) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
        self.notify.notify_one();
    }

    fn push_outputs(&self, state: &mut State) -> Vec<CallIdQuery> {
        let mut queries = Vec::new();
        while let Some(output) = state.joiner.poll_output() {
            match output {
                JoinOutput::Call { mode, event } => self.push(Event::Pbx {
                    mode,
                    event: PbxEvent::Call(event),
                }),
                JoinOutput::Joined { call, absorbed, at } => {
                    tracing::debug!(call = %call.id, %absorbed, "calls joined");
                    self.push(Event::Joined { call, absorbed, at })
                }
                JoinOutput::Query(q) => queries.push(q),
            }
        }
        queries
    }

    /// A call event of any mode; returns the AMI queries the join asks for.
    pub(crate) fn call_event(&self, event: CallEvent) -> Vec<CallIdQuery> {
        let mut state = self.state();
        state.joiner.handle_call_event(event);
        self.push_outputs(&mut state)
    }

    #[cfg(feature = "ami")]
    pub(crate) fn call_id(&self, uniqueid: &str, call_id: &str) {
        let mut state = self.state();
        state
            .joiner
            .handle_call_id(uniqueid, call_id, SystemTime::now());
        self.push_outputs(&mut state);
    }

    #[cfg(feature = "ami")]
    pub(crate) fn query_failed(&self, uniqueid: &str) {
        self.state().joiner.handle_query_failed(uniqueid);
    }

    pub(crate) fn completed(&self, record: CompletedCall) {
        let mode = Mode::of_source(record.source);
        let mut state = self.state();
        let Some(record) = state.joiner.completed(record) else {
            return;
        };
        let Ok(()) = state.history.record(record.clone());
        drop(state);
        self.push(Event::Completed {
            mode,
            record: Box::new(record),
        });
    }

    /// Changes a mode's status; reports it when it changed.
    pub(crate) fn update_status(
        &self,
        mode: Mode,
        change: impl FnOnce(&mut ModeStatus, &mut bool),
    ) {
        let mut state = self.state();
        let State {
            status, link_up, ..
        } = &mut *state;
        let Some(s) = status.get_mut(&mode) else {
            return;
        };
        let before = s.clone();
        change(s, link_up);
        if mode != Mode::Ami {
            s.connected = !s.stopped && s.sip_connected(*link_up);
        }
        let changed = *s != before;
        let report = s.clone();
        drop(state);
        if changed {
            self.push(Event::Status(report));
            self.status_changed.notify_waiters();
        }
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}

struct Inner {
    shared: Arc<Shared>,
    options: PbxOptions,
    /// Kept for [`Pbx::diagnose`].
    #[cfg_attr(not(feature = "diagnose"), allow(dead_code))]
    config: PbxConfig,
    #[cfg(feature = "ami")]
    ami: Option<ami::AmiSide>,
    #[cfg(feature = "sip")]
    sip: Option<sip::SipSide>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    shut_down: AtomicBool,
}

/// The PBX, through every configured mode (see the [module docs](self)). Cheap to clone; the
/// clones share everything.
#[derive(Clone)]
pub struct Pbx {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pbx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pbx")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// True for what a PBX dials: 1 to [`MAX_DIAL_LEN`] of `[A-Za-z0-9+*#-_.]`.
pub fn is_dialable(number: &str) -> bool {
    !number.is_empty()
        && number.len() <= MAX_DIAL_LEN
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+*#-_.".contains(c))
}

fn check_dialable(what: &'static str, value: &str) -> Result<(), PbxError> {
    if is_dialable(value) {
        Ok(())
    } else {
        Err(PbxError::Invalid {
            what,
            value: value.to_owned(),
        })
    }
}

impl Pbx {
    /// Starts every configured mode and returns at once. Each mode keeps (re)connecting with
    /// backoff while the PBX is unreachable; [`status`](Self::status) says where each stands.
    /// Fails only on a configuration no retry can fix (no mode, a mode not built in, bad TLS
    /// files). Must be called within a Tokio runtime.
    pub async fn start(config: PbxConfig) -> Result<Pbx, PbxError> {
        Pbx::start_with(config, PbxOptions::default()).await
    }

    /// [`start`](Self::start) with options.
    pub async fn start_with(config: PbxConfig, options: PbxOptions) -> Result<Pbx, PbxError> {
        if config.is_empty() {
            return Err(PbxError::NothingConfigured);
        }
        #[cfg(not(feature = "ami"))]
        if config.ami.is_some() {
            return Err(PbxError::ModeNotBuilt(Mode::Ami));
        }
        #[cfg(not(feature = "sip"))]
        if config.sip.is_some() {
            return Err(PbxError::ModeNotBuilt(Mode::Sip));
        }
        #[cfg(not(feature = "ws"))]
        if let Some(sip) = &config.sip
            && sip.mode() == crate::config::SipMode::WebSocket
        {
            return Err(PbxError::ModeNotBuilt(Mode::WebSocket));
        }
        let mut joiner = CallJoiner::new(options.join);
        if let Some(sip) = &config.sip {
            joiner.set_extensions(sip.users.iter().map(|u| u.extension.clone()));
        }
        let mut status = BTreeMap::new();
        if let Some(ami) = &config.ami {
            status.insert(
                Mode::Ami,
                ModeStatus::new(Mode::Ami, format!("{}:{}", ami.host, ami.port)),
            );
        }
        #[cfg(feature = "sip")]
        if let Some(sip) = &config.sip {
            let mode = sip::mode_of(sip);
            let mut s = ModeStatus::new(mode, sip::target_of(sip));
            s.accounts = sip
                .users
                .iter()
                .map(|u| AccountStatus {
                    extension: u.extension.clone(),
                    registered: false,
                    last_error: None,
                })
                .collect();
            status.insert(mode, s);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                joiner,
                history: MemoryHistory::with_capacity(options.history_capacity),
                status,
                link_up: config
                    .sip
                    .as_ref()
                    .is_none_or(|s| s.mode() == crate::config::SipMode::Native),
            }),
            queue: Mutex::new(EventQueue::new(options.event_queue)),
            notify: Notify::new(),
            status_changed: Notify::new(),
            closed: AtomicBool::new(false),
        });
        let mut tasks = Vec::new();
        #[cfg(feature = "ami")]
        let ami = match &config.ami {
            Some(cfg) => {
                let (side, task) = ami::AmiSide::start(cfg, shared.clone())?;
                tasks.push(task);
                Some(side)
            }
            None => None,
        };
        #[cfg(feature = "sip")]
        let sip = match &config.sip {
            Some(cfg) => {
                let (side, task) = sip::SipSide::start(cfg, &options, shared.clone());
                tasks.push(task);
                Some(side)
            }
            None => None,
        };
        Ok(Pbx {
            inner: Arc::new(Inner {
                shared,
                options,
                config,
                #[cfg(feature = "ami")]
                ami,
                #[cfg(feature = "sip")]
                sip,
                tasks: Mutex::new(tasks),
                shut_down: AtomicBool::new(false),
            }),
        })
    }

    /// Starts like [`start`](Self::start), then waits until every mode is connected; the
    /// first failure of any mode (unreachable, refused credentials) is an error and nothing
    /// keeps running.
    pub async fn connect(config: PbxConfig) -> Result<Pbx, PbxError> {
        Pbx::connect_with(config, PbxOptions::default()).await
    }

    /// [`connect`](Self::connect) with options.
    pub async fn connect_with(config: PbxConfig, options: PbxOptions) -> Result<Pbx, PbxError> {
        let limit = options.connect_timeout;
        let pbx = Pbx::start_with(config, options).await?;
        let outcome = tokio::time::timeout(limit, async {
            loop {
                let changed = pbx.inner.shared.status_changed.notified();
                let status = pbx.status();
                if status.connected {
                    return Ok(());
                }
                if let Some(failed) = status
                    .modes
                    .iter()
                    .find(|m| !m.connected && m.failed_attempts > 0)
                {
                    return Err(PbxError::Connect {
                        mode: failed.mode,
                        reason: failed.last_error.clone().unwrap_or_default(),
                    });
                }
                changed.await;
            }
        })
        .await;
        let result = outcome.unwrap_or_else(|_| {
            let status = pbx.status();
            let down = status.modes.iter().find(|m| !m.connected);
            Err(PbxError::Connect {
                mode: down.map_or(Mode::Ami, |m| m.mode),
                reason: down
                    .and_then(|m| m.last_error.clone())
                    .unwrap_or_else(|| format!("not connected within {limit:?}")),
            })
        });
        match result {
            Ok(()) => Ok(pbx),
            Err(e) => {
                pbx.shutdown().await;
                Err(e)
            }
        }
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The next event, waiting for one; `None` once [`shutdown`](Self::shutdown) finished and
    /// everything was taken. Clones share one queue: each event goes to one consumer.
    pub async fn next_event(&self) -> Option<Event> {
        let shared = self.shared();
        loop {
            let notified = shared.notify.notified();
            if let Some(event) = self.try_next_event() {
                return Some(event);
            }
            if shared.closed.load(Ordering::Acquire) {
                return self.try_next_event();
            }
            notified.await;
        }
    }

    /// The next event if one is waiting.
    pub fn try_next_event(&self) -> Option<Event> {
        self.shared()
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
    }

    /// Where each configured mode stands.
    pub fn status(&self) -> PbxStatus {
        let state = self.shared().state();
        let modes: Vec<ModeStatus> = state.status.values().cloned().collect();
        PbxStatus {
            connected: modes.iter().all(|m| m.connected),
            modes,
        }
    }

    /// The calls in progress, joined across modes, oldest first.
    pub fn active_calls(&self) -> Vec<ActiveCall> {
        self.shared().state().joiner.calls()
    }

    /// The call in progress known by `id` (its id, its AMI id, or a SIP Call-ID of ours).
    pub fn active_call(&self, id: &str) -> Option<ActiveCall> {
        self.shared().state().joiner.call(id)
    }

    /// Completed calls matching `query`, newest first (kept in memory, at most
    /// [`PbxOptions::history_capacity`]; AMI records are merged with the PBX's CDRs).
    pub fn call_history(&self, query: &HistoryQuery) -> Vec<CompletedCall> {
        let Ok(records) = self.shared().state().history.query(query);
        records
    }

    /// Every known extension and its status: the PBX's (AMI) and our SIP accounts', sorted.
    /// An account of ours the AMI does not list shows our registration and our calls.
    pub async fn extension_status(&self) -> BTreeMap<String, ExtensionStatus> {
        #[allow(unused_mut)]
        let mut board = BTreeMap::new();
        #[cfg(feature = "ami")]
        if let Some(ami) = &self.inner.ami {
            board.extend(ami.extensions().await);
        }
        let accounts: Vec<AccountStatus> = {
            let state = self.shared().state();
            state
                .status
                .values()
                .filter(|s| s.mode != Mode::Ami)
                .flat_map(|s| s.accounts.iter().cloned())
                .collect()
        };
        if accounts.is_empty() {
            return board;
        }
        let calls = self.active_calls();
        for account in accounts {
            board
                .entry(account.extension.clone())
                .or_insert_with(|| own_extension_status(&account, &calls));
        }
        board
    }

    /// Rings `from` (an extension), then connects it to `to` (an extension or a number):
    /// with AMI, an `Originate` into the configured dialplan context, answered when the PBX
    /// reports the originate succeeded; without AMI, our user agent calls `from` and, once it
    /// answers, REFERs it to `to`, answered when the REFER is accepted.
    pub async fn click_to_call(&self, from: &str, to: &str) -> Result<ClickToCall, PbxError> {
        check_dialable("from", from)?;
        check_dialable("to", to)?;
        #[cfg(feature = "ami")]
        if let Some(ami) = &self.inner.ami {
            return ami
                .originate(from, to, self.inner.options.click_to_call_timeout)
                .await;
        }
        #[cfg(feature = "sip")]
        if let Some(sip) = &self.inner.sip {
            return sip
                .click_to_call(from, to, self.inner.options.click_to_call_timeout)
                .await;
        }
        Err(PbxError::NothingConfigured)
    }

    /// Hangs up the call in progress known by `id`: with AMI, every live channel of the call;
    /// without, our SIP dialogs in it that the facade placed (click-to-call). Returns what was
    /// hung up (channel names, or Call-IDs).
    pub async fn hangup(&self, id: &str) -> Result<Vec<String>, PbxError> {
        let call = self
            .active_call(id)
            .ok_or_else(|| PbxError::NoSuchCall(id.to_owned()))?;
        #[cfg(feature = "ami")]
        if let Some(ami) = &self.inner.ami
            && call.ami_id.is_some()
        {
            return ami.hangup(&call.call).await;
        }
        #[cfg(feature = "sip")]
        if let Some(sip) = &self.inner.sip {
            let done = sip.hangup(&call.sip_call_ids).await?;
            if !done.is_empty() {
                return Ok(done);
            }
        }
        Err(PbxError::CannotHangUp(call.call.id.to_string()))
    }

    /// Runs the troubleshooting checklist ([`crate::diagnose`]) against this facade's
    /// configuration, from the same local address as its SIP mode. The checks open their own
    /// connections beside the running modes: the REGISTER check adds a binding of its own and
    /// removes it again, and the RTP check reports the ports our live calls hold as taken.
    #[cfg(feature = "diagnose")]
    pub async fn diagnose(&self) -> crate::diagnose::Report {
        let mut options = crate::diagnose::Options::default();
        options.local_ip = self.inner.options.sip_local_addr.map(|a| a.ip());
        crate::diagnose::run_with(&self.inner.config, &options).await
    }

    /// The AMI client, for actions the facade does not wrap.
    #[cfg(feature = "ami")]
    pub fn ami_client(&self) -> Option<&yeastar_ami::client::AmiClient> {
        self.inner.ami.as_ref().map(ami::AmiSide::client)
    }

    /// Our SIP user agent once it runs (its setup may still be retrying), for calls the
    /// facade does not wrap.
    #[cfg(feature = "sip")]
    pub fn user_agent(&self) -> Option<yeastar_sip::driver::UserAgent> {
        self.inner.sip.as_ref().and_then(sip::SipSide::user_agent)
    }

    /// The handle of our SIP account `extension`, once registered with the user agent.
    #[cfg(feature = "sip")]
    pub fn sip_account(&self, extension: &str) -> Option<yeastar_sip::ua::AccountHandle> {
        self.inner.sip.as_ref().and_then(|s| s.account(extension))
    }

    /// Graceful shutdown: our SIP calls end (recordings closed), our accounts unregister, the
    /// transports close, the AMI logs off; then [`next_event`](Self::next_event) drains what
    /// is left and returns `None`. Idempotent.
    pub async fn shutdown(&self) {
        if self.inner.shut_down.swap(true, Ordering::AcqRel) {
            return;
        }
        #[cfg(feature = "sip")]
        if let Some(sip) = &self.inner.sip {
            sip.shutdown().await;
        }
        #[cfg(feature = "ami")]
        if let Some(ami) = &self.inner.ami {
            ami.close().await;
        }
        let tasks: Vec<JoinHandle<()>> =
            std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        let modes: Vec<Mode> = self.shared().state().status.keys().copied().collect();
        for mode in modes {
            self.shared().update_status(mode, |s, _| {
                s.stopped = true;
                s.connected = false;
            });
        }
        self.shared().close();
    }
}

/// The board entry of one of our accounts the AMI does not list.
fn own_extension_status(account: &AccountStatus, calls: &[ActiveCall]) -> ExtensionStatus {
    let ext = account.extension.as_str();
    let mine = |c: &&ActiveCall| {
        !c.sip_call_ids.is_empty()
            && [&c.call.extension, &c.call.from_number, &c.call.to]
                .iter()
                .any(|v| v.as_deref() == Some(ext))
    };
    let state = match calls.iter().find(mine).map(|c| c.call.state) {
        Some(CallState::Ringing | CallState::Setup) => ExtensionState::Ringing,
        Some(CallState::OnHold) => ExtensionState::OnHold,
        Some(_) => ExtensionState::InUse,
        None if account.registered => ExtensionState::Idle,
        None => ExtensionState::Unavailable,
    };
    ExtensionStatus {
        state,
        registered: Some(account.registered),
    }
}
