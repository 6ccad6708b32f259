//! The sans-IO AMI session: login, ActionID correlation, event lists, async Originate,
//! keepalive. No sockets and no clock: time is always an input.
//!
//! # Run-loop contract
//!
//! After every input — [`AmiSession::handle_input`], [`AmiSession::handle_timeout`],
//! [`AmiSession::send`], [`AmiSession::handle_disconnect`] — drain [`AmiSession::poll_transmit`]
//! (write every chunk to the transport, in order) and [`AmiSession::poll_event`], then sleep
//! until [`AmiSession::poll_timeout`] or the next input, whichever comes first.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use md5::{Digest, Md5};

use crate::actions::Secret;
use crate::wire::{Action, ActionIdGenerator, Decoder, Frame, FrameError, FrameKind, Limits};

/// How long an ordinary action may wait for its response: 10 s.
pub const DEFAULT_ACTION_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an asynchronous `Originate` may wait for its `OriginateResponse`: 90 s (ringing
/// time plus the PBX's own originate timeout of 30 s by default, with room to spare).
pub const DEFAULT_ORIGINATE_TIMEOUT: Duration = Duration::from_secs(90);
/// Idle time after which a `Ping` is sent: 20 s.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);
/// How long a keepalive `Ping` may go unanswered before the connection is declared dead: 10 s.
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(10);
/// Most actions awaiting an answer at once: 1024. Bounds the pending table.
pub const DEFAULT_MAX_PENDING: usize = 1024;
/// Most items one event list may collect: 100 000 (a large PBX's `CoreShowChannels`).
pub const DEFAULT_MAX_LIST_ITEMS: usize = 100_000;

/// How to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMethod {
    /// MD5 challenge when the server offers it, else the plain secret.
    #[default]
    Auto,
    /// Only MD5 challenge-response: the secret never crosses the wire.
    Md5,
    /// The plain secret (over TLS, or on servers without MD5).
    Plain,
}

/// What the session needs to log in and how patient it is.
#[derive(Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The manager user (`manager.conf` section).
    pub username: String,
    /// Its secret.
    pub secret: Secret,
    /// How to authenticate.
    pub auth: AuthMethod,
    /// The `Events` mask sent with `Login`: `on`, `off`, or classes (`call,system`); `None`
    /// sends none, which means "on" for the classes the manager user may read.
    pub events: Option<String>,
    /// See [`DEFAULT_ACTION_TIMEOUT`].
    pub action_timeout: Duration,
    /// See [`DEFAULT_ORIGINATE_TIMEOUT`].
    pub originate_timeout: Duration,
    /// See [`DEFAULT_PING_INTERVAL`]; `None` disables keepalive.
    pub ping_interval: Option<Duration>,
    /// See [`DEFAULT_PING_TIMEOUT`].
    pub ping_timeout: Duration,
    /// Prefix of generated ActionIDs (`<prefix>-<n>`).
    pub action_id_prefix: String,
    /// See [`DEFAULT_MAX_PENDING`].
    pub max_pending: usize,
    /// See [`DEFAULT_MAX_LIST_ITEMS`].
    pub max_list_items: usize,
    /// Decoder limits.
    pub limits: Limits,
}

impl SessionConfig {
    /// A configuration with defaults for everything but the credentials.
    pub fn new(username: impl Into<String>, secret: impl Into<String>) -> Self {
        SessionConfig {
            username: username.into(),
            secret: Secret::new(secret),
            auth: AuthMethod::Auto,
            events: None,
            action_timeout: DEFAULT_ACTION_TIMEOUT,
            originate_timeout: DEFAULT_ORIGINATE_TIMEOUT,
            ping_interval: Some(DEFAULT_PING_INTERVAL),
            ping_timeout: DEFAULT_PING_TIMEOUT,
            action_id_prefix: "yeastar".into(),
            max_pending: DEFAULT_MAX_PENDING,
            max_list_items: DEFAULT_MAX_LIST_ITEMS,
            limits: Limits::default(),
        }
    }
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("username", &self.username)
            .field("secret", &self.secret)
            .field("auth", &self.auth)
            .field("events", &self.events)
            .field("action_timeout", &self.action_timeout)
            .finish_non_exhaustive()
    }
}

/// How an action is answered, which decides when it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// One response frame (most actions, `Command` in both dialects).
    Single,
    /// A response, item events carrying the ActionID, and a closing event: modern lists mark it
    /// `EventList: Complete`; legacy ones only end with the named event (`StatusComplete`).
    List {
        /// The closing event's name, when known.
        complete_event: Option<&'static str>,
    },
    /// An asynchronous `Originate`: the response says "queued", the outcome is the
    /// `OriginateResponse` event with the same ActionID.
    AsyncOriginate,
}

impl ReplyKind {
    /// The reply kind of an action by its name and fields, for actions built by hand.
    pub fn of(action: &Action) -> ReplyKind {
        let name = action.name();
        let is_async = action.get("Async").is_some_and(|v| {
            ["true", "yes", "1", "on", "y", "t"]
                .iter()
                .any(|t| v.eq_ignore_ascii_case(t))
        });
        if name.eq_ignore_ascii_case("Originate") && is_async {
            return ReplyKind::AsyncOriginate;
        }
        let complete_event = LIST_ACTIONS
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(name))
            .map(|(_, c)| *c);
        match complete_event {
            Some(c) => ReplyKind::List {
                complete_event: Some(c),
            },
            None => ReplyKind::Single,
        }
    }
}

/// List actions and the event that closes each, in both dialects.
const LIST_ACTIONS: &[(&str, &str)] = &[
    ("Status", "StatusComplete"),
    ("CoreShowChannels", "CoreShowChannelsComplete"),
    ("CoreShowChannelMap", "CoreShowChannelMapComplete"),
    ("ExtensionStateList", "ExtensionStateListComplete"),
    ("DeviceStateList", "DeviceStateListComplete"),
    ("PJSIPShowEndpoints", "EndpointListComplete"),
    ("PJSIPShowEndpoint", "EndpointDetailComplete"),
    ("PJSIPShowContacts", "ContactListComplete"),
    ("PJSIPShowAors", "AorListComplete"),
    (
        "PJSIPShowRegistrationsInbound",
        "InboundRegistrationDetailComplete",
    ),
    ("SIPpeers", "PeerlistComplete"),
    ("SIPshowregistry", "RegistrationsComplete"),
    ("QueueStatus", "QueueStatusComplete"),
    ("QueueSummary", "QueueSummaryComplete"),
    ("BridgeList", "BridgeListComplete"),
    ("Agents", "AgentsComplete"),
    ("ParkedCalls", "ParkedCallsComplete"),
    ("ConfbridgeList", "ConfbridgeListComplete"),
    ("MeetmeList", "MeetmeListComplete"),
    ("IAXpeerlist", "PeerlistComplete"),
    ("DAHDIShowChannels", "DAHDIShowChannelsComplete"),
];

/// The answer to an action.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The response frame (`Response: Success`, or the legacy `Follows` frame of `Command`).
    pub response: Frame,
    /// The item events of a list, in order.
    pub items: Vec<Frame>,
    /// The event that closed a list.
    pub complete: Option<Frame>,
    /// The `OriginateResponse` event of an asynchronous `Originate`.
    pub originate: Option<Frame>,
}

impl Reply {
    /// The CLI output of a `Command`, either dialect.
    pub fn command_output(&self) -> Vec<String> {
        self.response
            .message()
            .command_output()
            .map(str::to_string)
            .collect()
    }
}

/// Why an action failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// The server answered `Response: Error`.
    #[error("server refused the action: {message}")]
    Refused {
        /// The server's `Message`.
        message: String,
        /// The whole response.
        response: Frame,
    },
    /// An asynchronous `Originate` was queued, then failed (busy, no answer, unregistered…).
    #[error("originate failed (reason {reason})")]
    OriginateFailed {
        /// The `Reason` code: 0 no such extension or number, 1 no answer, 3 ringing then no
        /// answer, 5 busy, 8 congestion (Asterisk's `AST_CONTROL_*`).
        reason: u32,
        /// The `OriginateResponse` event.
        event: Frame,
    },
    /// No answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection dropped first. `sent` says whether the action had been handed to the
    /// transport (the PBX may have run it) or was still waiting for login (it did not).
    #[error("connection lost before the answer (action {})", if *sent { "was sent" } else { "was not sent" })]
    Disconnected {
        /// Whether the action had been handed to the transport.
        sent: bool,
    },
    /// Too many actions are waiting for answers (see [`SessionConfig::max_pending`]).
    #[error("too many actions awaiting answers ({0})")]
    TooManyPending(usize),
    /// A list grew past [`SessionConfig::max_list_items`]; the rest was dropped.
    #[error("list longer than {0} items")]
    ListTooLong(usize),
    /// The action could not be encoded.
    #[error(transparent)]
    Encode(#[from] crate::wire::EncodeError),
    /// The session is closed (logged off, or login failed).
    #[error("session closed")]
    Closed,
}

/// Something the session reports to its driver.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SessionEvent {
    /// The banner arrived.
    Connected {
        /// The AMI version from the banner (`1.1`, `11.0.0`).
        version: String,
        /// True for AMI 1.x (Asterisk 1.8, Yeastar S-series).
        legacy: bool,
    },
    /// Login succeeded; queued actions are being sent.
    LoggedIn,
    /// Login was refused: wrong user or secret, or not allowed from this address.
    AuthFailed {
        /// The server's message.
        message: String,
    },
    /// An action completed (successfully or not).
    Reply {
        /// Its ActionID.
        action_id: String,
        /// The outcome (boxed: events are moved often and answers are large).
        result: Box<Result<Reply, ActionError>>,
    },
    /// An event not claimed by any action.
    Event(Frame),
    /// A frame was refused by the decoder (too large, too many fields); the stream goes on.
    FrameRefused(FrameError),
    /// The keepalive `Ping` went unanswered: the connection is dead, reconnect.
    PingTimeout,
    /// The server said `Goodbye` (after `Logoff`).
    Goodbye,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Phase {
    AwaitingBanner,
    Challenging,
    LoggingIn,
    Ready,
    Closed,
}

#[derive(Debug)]
struct Pending {
    kind: ReplyKind,
    deadline: Instant,
    timeout: Duration,
    internal: Internal,
    reply: Option<Reply>,
    list_overflow: bool,
}

/// Actions the session sends on its own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Internal {
    No,
    Challenge,
    Login,
    Ping,
}

/// The state of one AMI connection, without I/O. See the module docs for the run-loop contract.
#[derive(Debug)]
pub struct AmiSession {
    config: SessionConfig,
    decoder: Decoder,
    ids: ActionIdGenerator,
    phase: Phase,
    rx: BytesMut,
    transmit: VecDeque<Bytes>,
    events: VecDeque<SessionEvent>,
    pending: HashMap<String, Pending>,
    /// Actions accepted before login completed, sent after it.
    queued: VecDeque<(String, Action)>,
    legacy: bool,
    last_activity: Option<Instant>,
}

impl AmiSession {
    /// A session for a fresh connection; it waits for the banner.
    pub fn new(config: SessionConfig) -> AmiSession {
        AmiSession {
            decoder: Decoder::new(config.limits),
            ids: ActionIdGenerator::new(config.action_id_prefix.clone()),
            config,
            phase: Phase::AwaitingBanner,
            rx: BytesMut::with_capacity(16 * 1024),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            pending: HashMap::new(),
            queued: VecDeque::new(),
            legacy: false,
            last_activity: None,
        }
    }

    /// True once logged in.
    pub fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// True after the banner said AMI 1.x.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// Actions awaiting answers.
    pub fn pending_count(&self) -> usize {
        // Queued actions are in `pending` too (their timeouts run from `send`).
        self.pending
            .values()
            .filter(|p| p.internal == Internal::No)
            .count()
    }

    /// Queues an action; returns its ActionID. Before login it waits in a queue; after, it is
    /// handed to [`poll_transmit`](Self::poll_transmit).
    pub fn send(&mut self, action: Action, now: Instant) -> Result<String, ActionError> {
        let timeout = match ReplyKind::of(&action) {
            ReplyKind::AsyncOriginate => self.config.originate_timeout,
            _ => self.config.action_timeout,
        };
        self.send_with_timeout(action, timeout, now)
    }

    /// [`send`](Self::send) with an explicit timeout (a synchronous `Originate` waits for the
    /// callee to answer).
    pub fn send_with_timeout(
        &mut self,
        action: Action,
        timeout: Duration,
        now: Instant,
    ) -> Result<String, ActionError> {
        if self.phase == Phase::Closed {
            return Err(ActionError::Closed);
        }
        if self.pending_count() >= self.config.max_pending {
            return Err(ActionError::TooManyPending(self.config.max_pending));
        }
        let id = action
            .action_id()
            .map(str::to_string)
            .unwrap_or_else(|| self.ids.next_id());
        // Encode now so a bad field fails the caller, not the connection.
        let mut probe = BytesMut::new();
        action.encode(&id, &mut probe)?;
        let kind = ReplyKind::of(&action);
        self.pending.insert(
            id.clone(),
            Pending {
                kind,
                deadline: now + timeout,
                timeout,
                internal: Internal::No,
                reply: None,
                list_overflow: false,
            },
        );
        if self.phase == Phase::Ready {
            self.transmit.push_back(probe.freeze());
        } else {
            self.queued.push_back((id.clone(), action));
        }
        Ok(id)
    }

    fn send_internal(&mut self, action: Action, internal: Internal, now: Instant) {
        let id = self.ids.next_id();
        let mut out = BytesMut::new();
        // Internal actions are built from validated configuration; a refusal here means the
        // user name or secret holds a line break, which login must report rather than send.
        if action.encode(&id, &mut out).is_err() {
            self.fail_login("user name or secret holds a line break".into());
            return;
        }
        let timeout = match internal {
            Internal::Ping => self.config.ping_timeout,
            _ => self.config.action_timeout,
        };
        self.pending.insert(
            id,
            Pending {
                kind: ReplyKind::Single,
                deadline: now + timeout,
                timeout,
                internal,
                reply: None,
                list_overflow: false,
            },
        );
        self.transmit.push_back(out.freeze());
    }

    /// Bytes received from the server.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        let mut rx = std::mem::take(&mut self.rx);
        rx.extend_from_slice(bytes);
        self.handle_input_buf(&mut rx, now);
        self.rx = rx;
    }

    /// Bytes received from the server, read straight into the caller's buffer (no copy):
    /// complete frames are taken off its front, a partial frame stays for the next read. Use
    /// either this or [`handle_input`](Self::handle_input) on one session, not both.
    pub fn handle_input_buf(&mut self, buf: &mut BytesMut, now: Instant) {
        self.last_activity = Some(now);
        loop {
            match self.decoder.decode(buf) {
                Ok(Some(frame)) => self.handle_frame(frame, now),
                Ok(None) => break,
                Err(e) => self.events.push_back(SessionEvent::FrameRefused(e)),
            }
        }
    }

    fn handle_frame(&mut self, frame: Frame, now: Instant) {
        let m = frame.message();
        match m.kind() {
            FrameKind::Banner => {
                let (version, legacy) = m
                    .banner()
                    .map(|b| (b.version.to_string(), b.is_legacy()))
                    .unwrap_or_default();
                self.legacy = legacy;
                self.events
                    .push_back(SessionEvent::Connected { version, legacy });
                if self.phase == Phase::AwaitingBanner {
                    self.start_login(now);
                }
            }
            FrameKind::Response | FrameKind::CommandOutput => {
                let id = m.action_id().map(str::to_string);
                if m.response()
                    .is_some_and(|r| r.eq_ignore_ascii_case("Goodbye"))
                {
                    self.events.push_back(SessionEvent::Goodbye);
                }
                match id {
                    Some(id) if self.pending.contains_key(&id) => self.on_response(id, frame, now),
                    _ => self.events.push_back(SessionEvent::Event(frame)),
                }
            }
            FrameKind::Event | FrameKind::Unknown => {
                // With no action pending (most of the time) nothing can claim the frame, and
                // its ActionID need not be looked up.
                let claimed = if self.pending.is_empty() {
                    None
                } else {
                    m.action_id()
                        .filter(|id| self.pending.contains_key(*id))
                        .map(str::to_string)
                };
                match claimed {
                    Some(id) => self.on_action_event(id, frame),
                    None => self.events.push_back(SessionEvent::Event(frame)),
                }
            }
        }
    }

    fn start_login(&mut self, now: Instant) {
        match self.config.auth {
            AuthMethod::Plain => self.send_login(None, now),
            AuthMethod::Auto | AuthMethod::Md5 => {
                self.phase = Phase::Challenging;
                let challenge = Action::new("Challenge").field("AuthType", "MD5");
                self.send_internal(challenge, Internal::Challenge, now);
            }
        }
    }

    fn send_login(&mut self, challenge: Option<&str>, now: Instant) {
        self.phase = Phase::LoggingIn;
        let mut login = Action::new("Login");
        match challenge {
            Some(challenge) => {
                let mut md5 = Md5::new();
                md5.update(challenge.as_bytes());
                md5.update(self.config.secret.expose().as_bytes());
                login.push("AuthType", "MD5");
                login.push("Username", self.config.username.clone());
                login.push("Key", hex::encode(md5.finalize()));
            }
            None => {
                login.push("Username", self.config.username.clone());
                login.push("Secret", self.config.secret.expose());
            }
        }
        if let Some(events) = &self.config.events {
            login.push("Events", events.clone());
        }
        self.send_internal(login, Internal::Login, now);
    }

    fn fail_login(&mut self, message: String) {
        self.phase = Phase::Closed;
        self.events.push_back(SessionEvent::AuthFailed { message });
        self.fail_all(false);
    }

    fn on_response(&mut self, id: String, frame: Frame, now: Instant) {
        let Some(mut pending) = self.pending.remove(&id) else {
            return;
        };
        let m = frame.message();
        let success = !m
            .response()
            .is_some_and(|r| r.eq_ignore_ascii_case("Error"));
        let message = m.get("Message").unwrap_or_default().to_string();
        match pending.internal {
            Internal::Challenge => {
                let challenge = m.get("Challenge").filter(|c| !c.is_empty());
                match (challenge, self.config.auth) {
                    (Some(c), _) => {
                        let c = c.to_string();
                        self.send_login(Some(&c), now)
                    }
                    (None, AuthMethod::Auto) => self.send_login(None, now),
                    (None, _) => self.fail_login(format!("MD5 challenge refused: {message}")),
                }
                return;
            }
            Internal::Login => {
                if success {
                    self.phase = Phase::Ready;
                    self.events.push_back(SessionEvent::LoggedIn);
                    self.flush_queued();
                } else {
                    self.fail_login(message);
                }
                return;
            }
            Internal::Ping => return,
            Internal::No => {}
        }
        if !success {
            self.complete(
                id,
                Err(ActionError::Refused {
                    message,
                    response: frame,
                }),
            );
            return;
        }
        let reply = Reply {
            response: frame,
            items: Vec::new(),
            complete: None,
            originate: None,
        };
        match pending.kind {
            ReplyKind::Single => self.complete(id, Ok(reply)),
            ReplyKind::List { .. } | ReplyKind::AsyncOriginate => {
                pending.reply = Some(reply);
                self.pending.insert(id, pending);
            }
        }
    }

    /// An event carrying the ActionID of a pending action: a list item, a list's end, or an
    /// `OriginateResponse`.
    fn on_action_event(&mut self, id: String, frame: Frame) {
        let Some(pending) = self.pending.get_mut(&id) else {
            return;
        };
        let m = frame.message();
        let name = m.event().unwrap_or_default();
        match pending.kind {
            ReplyKind::AsyncOriginate if name.eq_ignore_ascii_case("OriginateResponse") => {
                let ok = m
                    .response()
                    .is_some_and(|r| r.eq_ignore_ascii_case("Success"));
                let reason = m
                    .get("Reason")
                    .and_then(|r| r.trim().parse().ok())
                    .unwrap_or(0);
                let mut reply = pending.reply.take();
                let result = match reply.as_mut() {
                    Some(reply) if ok => {
                        reply.originate = Some(frame);
                        Ok(reply.clone())
                    }
                    // The event came before the "queued" response (seen on loaded servers):
                    // the event alone is the answer.
                    None if ok => Ok(Reply {
                        response: frame.clone(),
                        items: Vec::new(),
                        complete: None,
                        originate: Some(frame),
                    }),
                    _ => Err(ActionError::OriginateFailed {
                        reason,
                        event: frame,
                    }),
                };
                self.pending.remove(&id);
                self.complete(id, result);
            }
            ReplyKind::List { complete_event } => {
                let closes = m
                    .get("EventList")
                    .is_some_and(|v| v.eq_ignore_ascii_case("Complete"))
                    || complete_event.is_some_and(|c| c.eq_ignore_ascii_case(name))
                    // Lists this crate does not know still end in `…Complete`.
                    || (complete_event.is_none() && name.ends_with("Complete"));
                if closes {
                    let overflow = pending.list_overflow;
                    let reply = pending.reply.take();
                    self.pending.remove(&id);
                    let result = match reply {
                        _ if overflow => Err(ActionError::ListTooLong(self.config.max_list_items)),
                        Some(mut reply) => {
                            reply.complete = Some(frame);
                            Ok(reply)
                        }
                        // The closing event without a response first: answer with it.
                        None => Ok(Reply {
                            response: frame.clone(),
                            items: Vec::new(),
                            complete: Some(frame),
                            originate: None,
                        }),
                    };
                    self.complete(id, result);
                } else if let Some(reply) = pending.reply.as_mut() {
                    if reply.items.len() < self.config.max_list_items {
                        reply.items.push(frame);
                    } else {
                        pending.list_overflow = true;
                    }
                } else {
                    // Items before the response (irregular servers): keep them.
                    pending.reply = Some(Reply {
                        response: frame.clone(),
                        items: vec![frame],
                        complete: None,
                        originate: None,
                    });
                }
            }
            _ => self.events.push_back(SessionEvent::Event(frame)),
        }
    }

    fn complete(&mut self, action_id: String, result: Result<Reply, ActionError>) {
        self.events.push_back(SessionEvent::Reply {
            action_id,
            result: Box::new(result),
        });
    }

    fn flush_queued(&mut self) {
        while let Some((id, action)) = self.queued.pop_front() {
            let mut out = BytesMut::new();
            match action.encode(&id, &mut out) {
                Ok(()) => self.transmit.push_back(out.freeze()),
                Err(e) => {
                    self.pending.remove(&id);
                    self.complete(id, Err(e.into()));
                }
            }
        }
    }

    /// Expires actions whose time is up and sends or checks the keepalive.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            let Some(p) = self.pending.remove(&id) else {
                continue;
            };
            match p.internal {
                Internal::Ping => self.events.push_back(SessionEvent::PingTimeout),
                Internal::Login | Internal::Challenge => {
                    self.fail_login("no answer to login".into());
                }
                Internal::No => {
                    self.queued.retain(|(q, _)| *q != id);
                    self.complete(id, Err(ActionError::Timeout(p.timeout)));
                }
            }
        }
        if let Some(due) = self.next_ping(now)
            && due <= now
        {
            self.last_activity = Some(now);
            self.send_internal(Action::new("Ping"), Internal::Ping, now);
        }
    }

    fn next_ping(&self, now: Instant) -> Option<Instant> {
        let interval = self.config.ping_interval?;
        let waiting = self.pending.values().any(|p| p.internal == Internal::Ping);
        if self.phase != Phase::Ready || waiting {
            return None;
        }
        Some(self.last_activity.unwrap_or(now) + interval)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let deadline = self.pending.values().map(|p| p.deadline).min();
        let ping = self
            .config
            .ping_interval
            .and(self.last_activity)
            .and_then(|last| self.next_ping(last));
        match (deadline, ping) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next bytes to write to the transport.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    /// The next thing to report.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// The transport closed: every waiting action fails with [`ActionError::Disconnected`].
    pub fn handle_disconnect(&mut self) {
        self.fail_all(true);
        self.phase = Phase::Closed;
    }

    fn fail_all(&mut self, sent_if_transmitted: bool) {
        let queued: Vec<String> = self.queued.drain(..).map(|(id, _)| id).collect();
        let mut ids: Vec<(String, Internal)> = self
            .pending
            .drain()
            .map(|(id, p)| (id, p.internal))
            .collect();
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, internal) in ids {
            if internal != Internal::No {
                continue;
            }
            let sent = sent_if_transmitted && !queued.contains(&id);
            self.complete(id, Err(ActionError::Disconnected { sent }));
        }
        self.transmit.clear();
    }
}
