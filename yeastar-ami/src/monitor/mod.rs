//! The sans-IO AMI monitor: one PBX connection's whole protocol logic — the [`AmiSession`]
//! (login, actions, keepalive), the [`CallTracker`], the sync read at every login, and when to
//! reconnect — with no sockets and no clock. [`AmiClient`](crate::client::AmiClient) is only
//! its tokio pump; tests drive it against the simulated PBX on a virtual clock.
//!
//! # Run-loop contract
//!
//! After every input — [`handle_timeout`](AmiMonitor::handle_timeout),
//! [`handle_connected`](AmiMonitor::handle_connected),
//! [`handle_connect_failed`](AmiMonitor::handle_connect_failed),
//! [`handle_input`](AmiMonitor::handle_input) / [`handle_input_buf`](AmiMonitor::handle_input_buf),
//! [`handle_disconnect`](AmiMonitor::handle_disconnect), [`send`](AmiMonitor::send),
//! [`close`](AmiMonitor::close) — drain, in this order:
//!
//! 1. [`poll_transmit`](AmiMonitor::poll_transmit): write each chunk to the connection;
//! 2. [`poll_command`](AmiMonitor::poll_command): [`LinkCommand::Connect`] opens a connection
//!    (report the outcome with `handle_connected` or `handle_connect_failed`),
//!    [`LinkCommand::Close`] closes it after the bytes above are written;
//! 3. [`poll_event`](AmiMonitor::poll_event): hand each [`AmiEvent`] to the application;
//!
//! then sleep until [`poll_timeout`](AmiMonitor::poll_timeout) or the next input. A new monitor
//! asks to connect at its first `handle_timeout`.
//!
//! ```
//! use std::time::Instant;
//! use yeastar_ami::monitor::{AmiMonitor, LinkCommand, MonitorConfig};
//! use yeastar_ami::session::SessionConfig;
//! use yeastar_calls::WallClock;
//!
//! let now = Instant::now();
//! let config = MonitorConfig::new(SessionConfig::new("admin", "secret"));
//! let mut monitor = AmiMonitor::new(config, now, WallClock::now());
//! monitor.handle_timeout(now);
//! assert_eq!(monitor.poll_command(), Some(LinkCommand::Connect));
//! monitor.handle_connected(now);
//! monitor.handle_input(b"Asterisk Call Manager/11.0.0\r\n", now);
//! let challenge = monitor.poll_transmit().expect("the MD5 challenge request");
//! assert!(challenge.starts_with(b"Action: Challenge\r\n"));
//! ```

mod queue;
mod reconnect;
mod sync;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use yeastar_calls::{CallEvent, CompletedCall, ExtensionEvent, PbxEvent, WallClock};

use crate::session::{ActionError, AmiSession, Reply, SessionConfig, SessionEvent};
use crate::tracker::{CallTracker, TrackerConfig};
use crate::wire::{Action, Frame, FrameError};

pub use queue::{DEFAULT_EVENT_QUEUE, EventQueue};
pub use reconnect::{
    DEFAULT_RECONNECT_INITIAL, DEFAULT_RECONNECT_MAX, DEFAULT_RETRY_AFTER_LOGIN_REFUSED,
    ReconnectPolicy,
};
pub use sync::Resync;

use sync::SyncState;

/// What a monitor needs: login, call model, and reconnection settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MonitorConfig {
    /// Login and protocol settings of each connection.
    pub session: SessionConfig,
    /// Track calls and extension states ([`AmiEvent::Call`]); `None` leaves raw events only.
    pub tracker: Option<TrackerConfig>,
    /// At every login, read the PBX's channels, extension states and endpoints
    /// ([`AmiEvent::Synced`]): the extension board is filled at once, and calls that ended
    /// or began while disconnected are closed or opened.
    pub sync: bool,
    /// When to reconnect.
    pub reconnect: ReconnectPolicy,
    /// Seed of the reconnect jitter (tests use a fixed one; drivers a random one).
    pub jitter_seed: u64,
}

impl MonitorConfig {
    /// Tracking and sync on, default reconnection.
    pub fn new(session: SessionConfig) -> MonitorConfig {
        MonitorConfig {
            session,
            tracker: Some(TrackerConfig::default()),
            sync: true,
            reconnect: ReconnectPolicy::default(),
            jitter_seed: 0x5eed,
        }
    }
}

/// Why the link to the PBX is down.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// No connection could be opened (refused, unreachable, timed out, TLS handshake): check
    /// the host, the port and that the AMI is enabled.
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The PBX refused the login: check the user name and secret, and the manager user's
    /// `permit`/`deny` lists (`manager.conf`, or the Yeastar AMI settings page).
    #[error("login refused by the PBX: {0}")]
    LoginRefused(String),
    /// The PBX closed the connection.
    #[error("the PBX closed the connection")]
    ClosedByPbx,
    /// Reading or writing failed.
    #[error("connection error: {0}")]
    Io(String),
    /// The keepalive `Ping` went unanswered: the connection is dead.
    #[error("keepalive Ping unanswered")]
    PingTimeout,
    /// No banner or login answer in time.
    #[error("no answer to login")]
    LoginTimeout,
}

/// What the driver must do with the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkCommand {
    /// Open a connection now; report with `handle_connected` or `handle_connect_failed`.
    Connect,
    /// Close the connection (after writing what `poll_transmit` gave).
    Close,
}

/// What a monitor reports to the application, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AmiEvent {
    /// Logged in (the first time and after every reconnect).
    Connected {
        /// AMI version from the banner (`1.1`, `11.0.0`).
        version: String,
        /// True for AMI 1.x (Asterisk 1.8, Yeastar S-series).
        legacy: bool,
        /// True when this is a reconnection.
        reconnected: bool,
    },
    /// Connecting or logging in failed; another attempt follows after `retry_in` (unless
    /// [`ReconnectPolicy::max_attempts`] ran out: then `retry_in` is `None` and the monitor
    /// stopped).
    ConnectFailed {
        /// Why.
        error: LinkError,
        /// Failed attempts in a row.
        attempt: u32,
        /// When the next attempt is due.
        retry_in: Option<Duration>,
    },
    /// An established connection dropped; a new attempt follows after `retry_in`.
    Disconnected {
        /// Why.
        error: LinkError,
        /// When the next attempt is due.
        retry_in: Option<Duration>,
    },
    /// An action completed (successfully or not).
    Reply {
        /// Its ActionID.
        action_id: String,
        /// The outcome (boxed: events are moved often and answers are large).
        result: Box<Result<Reply, ActionError>>,
    },
    /// An AMI event.
    Event(Frame),
    /// A frame was refused by the decoder (too large, too many fields) and skipped.
    FrameRefused(FrameError),
    /// The state read at a login is in and applied.
    Synced(Box<Resync>),
    /// A call changed.
    Call(CallEvent),
    /// An extension's state or registration changed.
    Extension(ExtensionEvent),
    /// A call ended and its record (merged with its legs' `Cdr`s) is final: store it in a
    /// [`CallHistory`](yeastar_calls::CallHistory).
    Completed(Box<CompletedCall>),
    /// The consumer fell behind and this many events were dropped (an [`EventQueue`] says so;
    /// the monitor itself never drops).
    Lagged {
        /// Events dropped since the last one delivered.
        missed: u64,
    },
    /// [`AmiMonitor::close`] finished: nothing more will come.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Waiting to (re)connect at the instant.
    Waiting(Instant),
    /// The driver is opening a connection.
    Connecting,
    /// A connection is open.
    Connected,
    /// Closed for good.
    Stopped,
}

/// One PBX connection's protocol logic, without I/O. See the module docs for the run loop.
#[derive(Debug)]
pub struct AmiMonitor {
    config: MonitorConfig,
    clock: WallClock,
    rng: fastrand::Rng,
    link: Link,
    session: Option<AmiSession>,
    tracker: Option<CallTracker>,
    sync: Option<SyncState>,
    transmit: VecDeque<Bytes>,
    commands: VecDeque<LinkCommand>,
    events: VecDeque<AmiEvent>,
    /// Failed attempts in a row.
    attempt: u32,
    logins: u64,
    /// The current connection got past login.
    logged_in: bool,
    /// The banner and login must be done by then.
    login_deadline: Option<Instant>,
    banner: Option<(String, bool)>,
}

impl AmiMonitor {
    /// A monitor created at `now`; `clock` anchors its instants to wall-clock time for the
    /// times it reports. It asks to connect at once.
    pub fn new(config: MonitorConfig, now: Instant, clock: WallClock) -> AmiMonitor {
        AmiMonitor {
            rng: fastrand::Rng::with_seed(config.jitter_seed),
            tracker: config
                .tracker
                .clone()
                .map(|tracker| CallTracker::new(tracker, clock)),
            config,
            clock,
            link: Link::Waiting(now),
            session: None,
            sync: None,
            transmit: VecDeque::new(),
            commands: VecDeque::new(),
            events: VecDeque::new(),
            attempt: 0,
            logins: 0,
            logged_in: false,
            login_deadline: None,
            banner: None,
        }
    }

    /// The call model, when tracking is on.
    pub fn tracker(&self) -> Option<&CallTracker> {
        self.tracker.as_ref()
    }

    /// True while logged in.
    pub fn is_logged_in(&self) -> bool {
        self.session.as_ref().is_some_and(AmiSession::is_ready)
    }

    /// The AMI version and dialect (`true` for legacy) of the current or last connection.
    pub fn banner(&self) -> Option<(&str, bool)> {
        self.banner.as_ref().map(|(v, l)| (v.as_str(), *l))
    }

    /// True once closed for good.
    pub fn is_stopped(&self) -> bool {
        self.link == Link::Stopped
    }

    /// Replaces the wall-clock anchor of reported times.
    pub fn set_wall_clock(&mut self, clock: WallClock) {
        self.clock = clock;
        if let Some(tracker) = &mut self.tracker {
            tracker.set_clock(clock);
        }
    }

    /// The next bytes to write to the connection.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        if let Some(session) = &mut self.session {
            while let Some(bytes) = session.poll_transmit() {
                self.transmit.push_back(bytes);
            }
        }
        self.transmit.pop_front()
    }

    /// The next thing to do with the connection.
    pub fn poll_command(&mut self) -> Option<LinkCommand> {
        self.commands.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<AmiEvent> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let link = match self.link {
            Link::Waiting(at) => Some(at),
            _ => None,
        };
        let session = self.session.as_ref().and_then(AmiSession::poll_timeout);
        let tracker = self.tracker.as_ref().and_then(CallTracker::poll_timeout);
        [link, self.login_deadline, session, tracker]
            .into_iter()
            .flatten()
            .min()
    }

    /// Time has come: reconnects when due, expires actions, keeps the connection alive, and
    /// lets the call model close stale calls and release records.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Link::Waiting(at) = self.link
            && at <= now
        {
            self.link = Link::Connecting;
            self.commands.push_back(LinkCommand::Connect);
        }
        if self.login_deadline.is_some_and(|at| at <= now) {
            self.login_deadline = None;
            self.drop_connection(LinkError::LoginTimeout, now);
        }
        if let Some(session) = &mut self.session {
            session.handle_timeout(now);
        }
        if let Some(tracker) = &mut self.tracker {
            tracker.handle_timeout(now);
        }
        self.process(now);
    }

    /// A connection is open (TCP connected, TLS handshake done): the session waits for the
    /// banner.
    pub fn handle_connected(&mut self, now: Instant) {
        if self.link == Link::Stopped {
            self.commands.push_back(LinkCommand::Close);
            return;
        }
        self.link = Link::Connected;
        self.banner = None;
        self.logged_in = false;
        self.session = Some(AmiSession::new(self.config.session.clone()));
        // The banner and the login must come in time, like any action.
        self.login_deadline = Some(now + self.config.session.action_timeout);
    }

    /// Opening a connection failed.
    pub fn handle_connect_failed(&mut self, error: LinkError, now: Instant) {
        if self.link == Link::Stopped {
            return;
        }
        self.session = None;
        self.attempt = self.attempt.saturating_add(1);
        let retry_in = self.schedule_retry(&error, now);
        self.events.push_back(AmiEvent::ConnectFailed {
            error,
            attempt: self.attempt,
            retry_in,
        });
    }

    /// Bytes received from the PBX.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        if let Some(session) = &mut self.session {
            session.handle_input(bytes, now);
        }
        self.process(now);
    }

    /// Bytes received from the PBX, read straight into the caller's buffer (no copy):
    /// complete frames are taken off its front, a partial frame stays for the next read. Use
    /// either this or [`handle_input`](Self::handle_input) on one connection, not both.
    pub fn handle_input_buf(&mut self, buf: &mut BytesMut, now: Instant) {
        if let Some(session) = &mut self.session {
            session.handle_input_buf(buf, now);
        }
        self.process(now);
    }

    /// The connection closed or failed.
    pub fn handle_disconnect(&mut self, error: LinkError, now: Instant) {
        self.drop_connection(error, now);
    }

    /// Sends an action; returns its ActionID. Its outcome comes as [`AmiEvent::Reply`].
    /// Without a connection it fails at once with [`ActionError::Disconnected`] (`sent:
    /// false`); before login completes it waits for it.
    pub fn send(&mut self, action: Action, now: Instant) -> Result<String, ActionError> {
        match &mut self.session {
            Some(session) if self.link == Link::Connected => {
                let id = session.send(action, now)?;
                Ok(id)
            }
            _ if self.link == Link::Stopped => Err(ActionError::Closed),
            _ => Err(ActionError::Disconnected { sent: false }),
        }
    }

    /// [`send`](Self::send) with its own timeout (a synchronous `Originate` waits for the
    /// callee to answer).
    pub fn send_with_timeout(
        &mut self,
        action: Action,
        timeout: Duration,
        now: Instant,
    ) -> Result<String, ActionError> {
        match &mut self.session {
            Some(session) if self.link == Link::Connected => {
                session.send_with_timeout(action, timeout, now)
            }
            _ if self.link == Link::Stopped => Err(ActionError::Closed),
            _ => Err(ActionError::Disconnected { sent: false }),
        }
    }

    /// Logs off (when logged in), closes the connection and stops for good.
    pub fn close(&mut self, now: Instant) {
        if self.link == Link::Stopped {
            return;
        }
        if let Some(session) = &mut self.session {
            if session.is_ready() {
                let _ = session.send(Action::new("Logoff"), now);
            }
            while let Some(bytes) = session.poll_transmit() {
                self.transmit.push_back(bytes);
            }
            session.handle_disconnect();
        }
        if self.link == Link::Connected || self.link == Link::Connecting {
            self.commands.push_back(LinkCommand::Close);
        }
        self.link = Link::Stopped;
        self.process(now);
        if let Some(tracker) = &mut self.tracker {
            tracker.release_pending();
        }
        self.drain_tracker();
        self.session = None;
        self.sync = None;
        self.events.push_back(AmiEvent::Closed);
    }

    fn schedule_retry(&mut self, error: &LinkError, now: Instant) -> Option<Duration> {
        let policy = self.config.reconnect;
        if policy.max_attempts.is_some_and(|max| self.attempt >= max) {
            self.link = Link::Stopped;
            return None;
        }
        let delay = match error {
            LinkError::LoginRefused(_) => policy.spread(policy.after_login_refused, &mut self.rng),
            _ => policy.delay(self.attempt.max(1), &mut self.rng),
        };
        self.link = Link::Waiting(now + delay);
        Some(delay)
    }

    fn drop_connection(&mut self, error: LinkError, now: Instant) {
        if self.link != Link::Connected {
            return;
        }
        if let Some(session) = &mut self.session {
            session.handle_disconnect();
        }
        // Actions that waited fail now (their replies are drained below).
        self.process(now);
        self.session = None;
        self.sync = None;
        if let Some(tracker) = &mut self.tracker {
            if tracker.is_resyncing() {
                let _ = tracker.finish_resync(now);
            }
            // The Cdrs those records wait for would come on this connection.
            tracker.release_pending();
        }
        self.drain_tracker();
        self.commands.push_back(LinkCommand::Close);
        self.login_deadline = None;
        let was_logged_in = std::mem::take(&mut self.logged_in);
        self.attempt = self.attempt.saturating_add(1);
        let retry_in = self.schedule_retry(&error, now);
        let event = if was_logged_in {
            AmiEvent::Disconnected { error, retry_in }
        } else {
            AmiEvent::ConnectFailed {
                error,
                attempt: self.attempt,
                retry_in,
            }
        };
        self.events.push_back(event);
    }

    /// Drains the session and the call model into events.
    fn process(&mut self, now: Instant) {
        while let Some(event) = self.session.as_mut().and_then(AmiSession::poll_event) {
            self.on_session_event(event, now);
        }
        self.drain_tracker();
    }

    fn drain_tracker(&mut self) {
        let Some(tracker) = &mut self.tracker else {
            return;
        };
        while let Some(event) = tracker.poll_event() {
            self.events.push_back(match event {
                PbxEvent::Call(e) => AmiEvent::Call(e),
                PbxEvent::Extension(e) => AmiEvent::Extension(e),
                // The AMI tracker reports no registrations of its own.
                _ => continue,
            });
        }
        while let Some(done) = tracker.poll_completed() {
            self.events.push_back(AmiEvent::Completed(Box::new(done)));
        }
    }

    fn on_session_event(&mut self, event: SessionEvent, now: Instant) {
        match event {
            SessionEvent::Connected { version, legacy } => {
                self.banner = Some((version, legacy));
            }
            SessionEvent::LoggedIn => self.on_logged_in(now),
            SessionEvent::AuthFailed { message } => {
                self.drop_connection(LinkError::LoginRefused(message), now);
            }
            SessionEvent::Reply { action_id, result } => self.on_reply(action_id, result, now),
            SessionEvent::Event(frame) => {
                if let Some(tracker) = &mut self.tracker {
                    tracker.handle_message(&frame.message(), now);
                }
                self.events.push_back(AmiEvent::Event(frame));
            }
            SessionEvent::FrameRefused(e) => self.events.push_back(AmiEvent::FrameRefused(e)),
            SessionEvent::PingTimeout => self.drop_connection(LinkError::PingTimeout, now),
            SessionEvent::Goodbye => {}
        }
    }

    fn on_logged_in(&mut self, now: Instant) {
        self.logins += 1;
        self.attempt = 0;
        self.logged_in = true;
        self.login_deadline = None;
        let (version, legacy) = self.banner.clone().unwrap_or_default();
        let reconnected = self.logins > 1;
        self.events.push_back(AmiEvent::Connected {
            version,
            legacy,
            reconnected,
        });
        if self.config.sync
            && let Some(session) = &mut self.session
        {
            if let Some(tracker) = &mut self.tracker {
                tracker.begin_resync();
            }
            self.sync = Some(SyncState::start(session, legacy, reconnected, now));
        }
    }

    fn on_reply(
        &mut self,
        action_id: String,
        result: Box<Result<Reply, ActionError>>,
        now: Instant,
    ) {
        if let Some(sync) = &mut self.sync
            && sync.absorb(&action_id, &result)
        {
            if sync.done()
                && let Some(sync) = self.sync.take()
            {
                let mut resync = sync.result;
                if let Some(tracker) = &mut self.tracker {
                    let lists = resync.channels.iter().chain(&resync.extensions);
                    for item in lists.chain(&resync.peers) {
                        tracker.handle_message(&item.message(), now);
                    }
                    tracker.apply_hints(&resync.hints, now);
                    resync.report = tracker.finish_resync(now);
                }
                self.drain_tracker();
                self.events.push_back(AmiEvent::Synced(Box::new(resync)));
            }
            return;
        }
        // An async Originate is answered with its `OriginateResponse`; the call model needs it
        // too (click-to-call flag, legacy destination, failures).
        let originate = match &*result {
            Ok(reply) => reply.originate.as_ref(),
            Err(ActionError::OriginateFailed { event, .. }) => Some(event),
            Err(_) => None,
        };
        if let (Some(frame), Some(tracker)) = (originate, &mut self.tracker) {
            tracker.handle_message(&frame.message(), now);
        }
        self.events.push_back(AmiEvent::Reply { action_id, result });
    }
}
