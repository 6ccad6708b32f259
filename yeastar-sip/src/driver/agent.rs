//! The user agent task: it owns an [`Endpoint`], the transports and (feature `media`) the RTP
//! sessions of its calls, and follows the endpoint's run-loop contract. Applications talk to
//! it through cloneable [`UserAgent`] handles, per-call [`SipCall`] handles with their own
//! [`CallUpdate`] streams, and one [`AgentEvent`] stream for registrations, incoming calls and
//! the call model (`yeastar-calls`) reports.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use yeastar_calls::{
    Call as ModelCall, CallEvent as ModelEvent, CallState as ModelState, CompletedCall,
    Direction as ModelDirection, Disposition, RegistrationEvent as ModelRegistration,
    RegistrationState, Source,
};

use super::media::{MediaControl, MediaPlan, ReceivedAudio, RtpFigures};
use super::transport::{self, FlowIds, TRANSPORT_EVENT_QUEUE, Transport, TransportCommand};
use super::transport::{TransportEvent, TransportHandle, local_ip_towards};
use crate::offer_answer::{self, AudioSession, Codec};
use crate::sdp::{Direction, Sdp};
use crate::ua::{
    AccountConfig, AccountHandle, CallHandle, CallProgress, EndReason, Endpoint, EndpointConfig,
    Event, InviteRequest, LocalBinding, RegistrationError, RegistrationEvent, Remote,
    TransferProgress, TransportError, TransportKind, UaError,
};

/// Transport events handled in one go before the transmits and events they caused are flushed.
const TRANSPORT_BATCH: usize = 64;
/// Commands queued from [`UserAgent`] handles to the task.
pub const AGENT_COMMAND_QUEUE: usize = 256;
/// Default bound of the [`AgentEvent`] queue ([`AgentConfig::event_queue`]).
pub const DEFAULT_AGENT_EVENT_QUEUE: usize = 1024;
/// Updates queued for one call's [`SipCall`] handle; beyond it updates are dropped (the
/// final [`CallUpdate::Ended`] waits for room).
pub const CALL_UPDATE_QUEUE: usize = 64;
/// Default longest wait at shutdown for un-REGISTERs and BYEs to be answered.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);
/// Duration of each DTMF digit sent by [`SipCall::send_dtmf`].
pub const DTMF_DIGIT_DURATION: Duration = Duration::from_millis(100);
/// Most digits one [`SipCall::send_dtmf`] takes.
pub const MAX_DTMF_DIGITS: usize = 64;

/// What the agent is started with.
#[non_exhaustive]
pub struct AgentConfig {
    /// The endpoint's configuration (timers, limits, User-Agent).
    pub endpoint: EndpointConfig,
    /// Transports to run (at least one).
    pub transports: Vec<Box<dyn Transport>>,
    /// Bound of the [`AgentEvent`] queue ([`DEFAULT_AGENT_EVENT_QUEUE`]); when the application
    /// does not read it, events are dropped and incoming calls refused with 503.
    pub event_queue: usize,
    /// Longest wait at shutdown ([`DEFAULT_SHUTDOWN_TIMEOUT`]).
    pub shutdown_timeout: Duration,
    /// Media: RTP port range and address (feature `media`).
    pub media: MediaPlan,
}

impl std::fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentConfig")
            .field("endpoint", &self.endpoint)
            .field("transports", &self.transports.len())
            .field("event_queue", &self.event_queue)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("media", &self.media)
            .finish()
    }
}

impl AgentConfig {
    /// An agent running `transports` with default settings.
    #[must_use]
    pub fn new(transports: Vec<Box<dyn Transport>>) -> AgentConfig {
        AgentConfig {
            endpoint: EndpointConfig::default(),
            transports,
            event_queue: DEFAULT_AGENT_EVENT_QUEUE,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            media: MediaPlan::default(),
        }
    }
}

/// Why an agent command failed.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentError {
    /// The endpoint refused the command.
    #[error(transparent)]
    Ua(#[from] UaError),
    /// The agent has stopped.
    #[error("the user agent has stopped")]
    Stopped,
    /// The agent was started without transports.
    #[error("no transport configured")]
    NoTransport,
    /// A name could not be resolved to an address.
    #[error("cannot resolve {host}: {reason}")]
    Resolve {
        /// The name.
        host: String,
        /// Why.
        reason: String,
    },
    /// The peer's SDP offer or answer has no codec we accept (PCMU, PCMA).
    #[error("SDP: {0}")]
    Sdp(#[from] offer_answer::OfferAnswerError),
    /// Media could not be set up (ports exhausted, socket error).
    #[error("media: {0}")]
    Media(String),
    /// The call has no media session.
    #[error("the call has no media")]
    NoMedia,
    /// A registration was refused (see [`RegistrationError`]).
    #[error("registration failed: {0}")]
    Registration(RegistrationError),
    /// An argument is not valid (DTMF digits, a URI).
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// Media of a call.
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct MediaOptions {
    /// Run RTP for the call (feature `media`); without it the SDP advertises `audio_port`.
    pub enabled: bool,
    /// Codecs to offer or accept, in order of preference (default PCMU, PCMA).
    pub codecs: Vec<Codec>,
    /// Record both directions of the call as WAV into this directory (feature `media`).
    pub record_dir: Option<PathBuf>,
    /// Without media: the port our SDP names (default 9, the discard port).
    pub audio_port: Option<u16>,
    /// Hand the decoded received audio to the application ([`SipCall::received_audio`]).
    pub receive_audio: bool,
}

impl MediaOptions {
    /// RTP media with PCMU and PCMA.
    #[must_use]
    pub fn rtp() -> MediaOptions {
        MediaOptions {
            enabled: true,
            ..MediaOptions::default()
        }
    }

    /// Record into `dir`.
    #[must_use]
    pub fn record(mut self, dir: impl Into<PathBuf>) -> MediaOptions {
        self.record_dir = Some(dir.into());
        self
    }

    /// Deliver the received audio ([`SipCall::received_audio`]), for an echo or a voice
    /// message.
    #[must_use]
    pub fn receive_audio(mut self) -> MediaOptions {
        self.receive_audio = true;
        self
    }

    /// Offer or accept only these codecs.
    #[must_use]
    pub fn codecs(mut self, codecs: Vec<Codec>) -> MediaOptions {
        self.codecs = codecs;
        self
    }
}

/// An outgoing call for [`UserAgent::call`].
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// The target URI (`sip:1002@pbx.example.com`), or a number completed with the account's
    /// domain.
    pub to: String,
    /// The account placing it.
    pub account: Option<AccountHandle>,
    /// Where to send the INVITE when not to the account's proxy.
    pub destination: Option<Remote>,
    /// From URI of a call without an account (default `sip:anonymous@<our address>`).
    pub from: Option<String>,
    /// Media.
    pub media: MediaOptions,
}

impl CallRequest {
    /// A call to `to` through `account`.
    #[must_use]
    pub fn new(account: AccountHandle, to: impl Into<String>) -> CallRequest {
        CallRequest {
            to: to.into(),
            account: Some(account),
            destination: None,
            from: None,
            media: MediaOptions::default(),
        }
    }

    /// A call to `to` sent straight to `destination`, without an account.
    #[must_use]
    pub fn direct(to: impl Into<String>, destination: Remote) -> CallRequest {
        CallRequest {
            to: to.into(),
            account: None,
            destination: Some(destination),
            from: None,
            media: MediaOptions::default(),
        }
    }

    /// From this URI (calls without an account).
    #[must_use]
    pub fn from(mut self, uri: impl Into<String>) -> CallRequest {
        self.from = Some(uri.into());
        self
    }

    /// With these media options.
    #[must_use]
    pub fn media(mut self, media: MediaOptions) -> CallRequest {
        self.media = media;
        self
    }
}

/// Progress and the end of one call, on its [`SipCall`] handle.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum CallUpdate {
    /// 100 Trying.
    Trying,
    /// 18x without SDP.
    Ringing {
        /// 180, 181, 182 or 183.
        code: u16,
    },
    /// 18x with SDP.
    EarlyMedia {
        /// The status code.
        code: u16,
    },
    /// The call was answered (outgoing: 200 received and ACKed; incoming: our 200 sent).
    Answered,
    /// The ACK of our 200 arrived (incoming calls).
    Confirmed,
    /// RTP started: the negotiated codec and the peer's address.
    MediaStarted {
        /// `PCMU` or `PCMA`.
        codec: String,
        /// Where RTP goes.
        remote: Option<SocketAddr>,
    },
    /// The call is held or resumed (by us or by the peer).
    Held {
        /// True on hold.
        on_hold: bool,
        /// True when the peer did it.
        by_peer: bool,
    },
    /// A DTMF digit arrived (INFO or RFC 4733).
    Dtmf {
        /// The digit.
        digit: char,
    },
    /// The peer asks for a transfer (REFER, answered 202).
    TransferRequested {
        /// The Refer-To URI.
        refer_to: String,
    },
    /// Progress of our transfer (REFER).
    Transfer(TransferProgress),
    /// A request within the call failed (re-INVITE, INFO, REFER).
    RequestFailed {
        /// Its method.
        method: String,
        /// Its status.
        code: u16,
    },
    /// The call ended.
    Ended {
        /// Why.
        reason: EndReason,
        /// The status code that ended it, when one did.
        code: Option<u16>,
        /// RTP counters, when the call had media.
        rtp: Option<RtpFigures>,
    },
}

/// What the agent reports beyond single calls.
#[non_exhaustive]
#[derive(Debug)]
pub enum AgentEvent {
    /// A registration changed: the endpoint's event and its call-model line.
    Registration {
        /// The account.
        account: AccountHandle,
        /// What happened.
        event: RegistrationEvent,
        /// The same as a `yeastar-calls` registration line.
        report: ModelRegistration,
    },
    /// A call arrived; answer, reject or let it ring.
    Incoming(IncomingSipCall),
    /// A call changed, in the one call model.
    Call(ModelEvent),
    /// A call ended: its record.
    Completed(Box<CompletedCall>),
}

/// A new incoming call.
#[derive(Debug)]
#[non_exhaustive]
pub struct IncomingSipCall {
    /// The call; answer or reject it with its methods.
    pub call: SipCall,
    /// The account it came for (the user named by the Request-URI or To, or a trunk whose
    /// numbers include the dialled number).
    pub account: Option<AccountHandle>,
    /// The From value.
    pub from: String,
    /// The To value.
    pub to: String,
    /// The number dialled: the Request-URI's user part (the To user when it has none).
    pub dialled: Option<String>,
    /// True when the call came through a trunk account.
    pub via_trunk: bool,
}

enum Command {
    AddAccount {
        config: Box<AccountConfig>,
        trunk: Option<Vec<String>>,
        reply: oneshot::Sender<Result<AccountHandle, AgentError>>,
    },
    Unregister {
        account: AccountHandle,
        reply: oneshot::Sender<Result<(), AgentError>>,
    },
    Call {
        request: Box<CallRequest>,
        reply: oneshot::Sender<Result<SipCall, AgentError>>,
    },
    Answer {
        call: CallHandle,
        media: Box<MediaOptions>,
        reply: oneshot::Sender<Result<(), AgentError>>,
    },
    CallAction {
        call: CallHandle,
        action: CallAction,
        reply: oneshot::Sender<Result<(), AgentError>>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

enum CallAction {
    /// The application dropped the call's handle.
    Released,
    Ringing,
    Reject(u16),
    Hangup,
    Hold(bool),
    Transfer(String),
    Dtmf(String),
}

/// A handle on a running agent; clones share it.
#[derive(Debug, Clone)]
pub struct UserAgent {
    commands: mpsc::Sender<Command>,
    bindings: Arc<Vec<LocalBinding>>,
}

/// The receiving end of the agent's [`AgentEvent`]s.
#[derive(Debug)]
pub struct AgentEvents(mpsc::Receiver<AgentEvent>);

impl AgentEvents {
    /// The next event; `None` once the agent has stopped.
    pub async fn next(&mut self) -> Option<AgentEvent> {
        self.0.recv().await
    }
}

/// One call: commands, and its updates.
#[derive(Debug)]
pub struct SipCall {
    handle: CallHandle,
    call_id: String,
    commands: mpsc::Sender<Command>,
    updates: mpsc::Receiver<CallUpdate>,
    media: MediaControl,
}

impl SipCall {
    /// The endpoint's handle of the call.
    #[must_use]
    pub fn handle(&self) -> CallHandle {
        self.handle
    }

    /// The SIP Call-ID (also the call model's id).
    #[must_use]
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The next update; `None` after [`CallUpdate::Ended`] and once the agent has stopped.
    pub async fn next_update(&mut self) -> Option<CallUpdate> {
        self.updates.recv().await
    }

    async fn action(&self, action: CallAction) -> Result<(), AgentError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(Command::CallAction {
                call: self.handle,
                action,
                reply,
            })
            .await
            .map_err(|_| AgentError::Stopped)?;
        rx.await.map_err(|_| AgentError::Stopped)?
    }

    /// Answers an incoming call (200 with our SDP answer, media started when enabled).
    pub async fn answer(&self, media: MediaOptions) -> Result<(), AgentError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(Command::Answer {
                call: self.handle,
                media: Box::new(media),
                reply,
            })
            .await
            .map_err(|_| AgentError::Stopped)?;
        rx.await.map_err(|_| AgentError::Stopped)?
    }

    /// Sends 180 Ringing for an incoming call.
    pub async fn ringing(&self) -> Result<(), AgentError> {
        self.action(CallAction::Ringing).await
    }

    /// Refuses an incoming call with `code` (486, 603, ...).
    pub async fn reject(&self, code: u16) -> Result<(), AgentError> {
        self.action(CallAction::Reject(code)).await
    }

    /// Ends the call: CANCEL, a refusal, or BYE, as its state needs.
    pub async fn hangup(&self) -> Result<(), AgentError> {
        self.action(CallAction::Hangup).await
    }

    /// Puts the call on hold (re-INVITE with `sendonly`); [`CallUpdate::Held`] follows when
    /// the peer answers it, [`CallUpdate::RequestFailed`] when it refuses.
    pub async fn hold(&self) -> Result<(), AgentError> {
        self.action(CallAction::Hold(true)).await
    }

    /// Takes the call off hold (re-INVITE with `sendrecv`); reported as [`hold`](Self::hold)
    /// is.
    pub async fn resume(&self) -> Result<(), AgentError> {
        self.action(CallAction::Hold(false)).await
    }

    /// Blind transfer to `target` (REFER); progress comes as [`CallUpdate::Transfer`].
    pub async fn transfer(&self, target: impl Into<String>) -> Result<(), AgentError> {
        self.action(CallAction::Transfer(target.into())).await
    }

    /// Sends DTMF digits: RFC 4733 events when the call has RTP with telephone-event, else
    /// SIP INFO (`application/dtmf-relay`).
    pub async fn send_dtmf(&self, digits: &str) -> Result<(), AgentError> {
        self.action(CallAction::Dtmf(digits.to_owned())).await
    }

    /// Queues one 20 ms frame (160 samples at 8 kHz) of audio to send (feature `media`).
    pub fn send_audio(&self, pcm: Vec<i16>) -> Result<(), AgentError> {
        self.media.send_audio(pcm)
    }

    /// True once RTP runs for the call.
    #[must_use]
    pub fn has_media(&self) -> bool {
        self.media.is_running()
    }

    /// The received audio, one decoded frame per ptime (taken once, after
    /// [`CallUpdate::MediaStarted`], when the call's media asked for it with
    /// [`MediaOptions::receive_audio`]); at most
    /// [`RECEIVED_AUDIO_QUEUE`](super::RECEIVED_AUDIO_QUEUE) frames wait.
    #[must_use]
    pub fn received_audio(&self) -> Option<ReceivedAudio> {
        self.media.take_received_audio()
    }

    /// A handle that sends audio into the call from another task.
    #[must_use]
    pub fn media_sender(&self) -> AudioSender {
        AudioSender(self.media.clone())
    }
}

impl Drop for SipCall {
    /// An incoming call nobody can answer any more is refused (480); an answered or outgoing
    /// call goes on until either side hangs up.
    fn drop(&mut self) {
        let (reply, _) = oneshot::channel();
        let _ = self.commands.try_send(Command::CallAction {
            call: self.handle,
            action: CallAction::Released,
            reply,
        });
    }
}

/// Sends audio into one call's RTP from any task ([`SipCall::media_sender`]).
#[derive(Debug, Clone)]
pub struct AudioSender(MediaControl);

impl AudioSender {
    /// Queues one 20 ms frame (160 samples at 8 kHz).
    pub fn send_audio(&self, pcm: Vec<i16>) -> Result<(), AgentError> {
        self.0.send_audio(pcm)
    }

    /// True while RTP runs.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.0.is_running()
    }
}

impl UserAgent {
    /// Starts the agent task on the current tokio runtime.
    pub fn start(config: AgentConfig) -> Result<(UserAgent, AgentEvents), AgentError> {
        if config.transports.is_empty() {
            return Err(AgentError::NoTransport);
        }
        let (tx_events, transport_events) = mpsc::channel(TRANSPORT_EVENT_QUEUE);
        let flows = FlowIds::new();
        let mut endpoint = Endpoint::new(config.endpoint);
        let mut handles = Vec::new();
        for t in config.transports {
            let handle = transport::start(t, tx_events.clone(), flows.clone());
            endpoint.add_binding(handle.binding.clone());
            handles.push(handle);
        }
        let bindings = Arc::new(handles.iter().map(|h| h.binding.clone()).collect());
        let (commands, command_rx) = mpsc::channel(AGENT_COMMAND_QUEUE);
        let (events_tx, events_rx) = mpsc::channel(config.event_queue.max(1));
        let task = Task {
            endpoint,
            transports: handles,
            transport_events,
            commands: command_rx,
            command_tx: commands.clone(),
            events: events_tx,
            calls: HashMap::new(),
            accounts: HashMap::new(),
            media: config.media,
            shutdown_timeout: config.shutdown_timeout,
            dropped_transmits: 0,
        };
        tokio::spawn(task.run());
        Ok((UserAgent { commands, bindings }, AgentEvents(events_rx)))
    }

    /// The local bindings of the agent's transports.
    #[must_use]
    pub fn bindings(&self) -> &[LocalBinding] {
        &self.bindings
    }

    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, AgentError>>) -> Command,
    ) -> Result<T, AgentError> {
        let (reply, rx) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| AgentError::Stopped)?;
        rx.await.map_err(|_| AgentError::Stopped)?
    }

    /// Adds an account; it registers at once when `config.register` is set. Registration
    /// progress comes as [`AgentEvent::Registration`].
    pub async fn register(&self, config: AccountConfig) -> Result<AccountHandle, AgentError> {
        self.request(|reply| Command::AddAccount {
            config: Box::new(config),
            trunk: None,
            reply,
        })
        .await
    }

    /// Adds a trunk account: it registers like any account, and incoming calls whose dialled
    /// number is one of `numbers` (any number when empty) and that name no other account are
    /// routed to it.
    pub async fn add_trunk(
        &self,
        config: AccountConfig,
        numbers: Vec<String>,
    ) -> Result<AccountHandle, AgentError> {
        self.request(|reply| Command::AddAccount {
            config: Box::new(config),
            trunk: Some(numbers),
            reply,
        })
        .await
    }

    /// Removes an account's binding (REGISTER with Expires: 0).
    pub async fn unregister(&self, account: AccountHandle) -> Result<(), AgentError> {
        self.request(|reply| Command::Unregister { account, reply })
            .await
    }

    /// Places a call; follow it with [`SipCall::next_update`].
    pub async fn call(&self, request: CallRequest) -> Result<SipCall, AgentError> {
        self.request(|reply| Command::Call {
            request: Box::new(request),
            reply,
        })
        .await
    }

    /// Graceful shutdown: calls are ended (CANCEL, BYE), accounts unregister, then the
    /// transports close; returns when done or after the shutdown timeout.
    pub async fn shutdown(&self) {
        let (reply, rx) = oneshot::channel();
        if self
            .commands
            .send(Command::Shutdown { reply })
            .await
            .is_ok()
        {
            let _ = rx.await;
        }
    }
}

/// Resolves `host` (a name or an IP literal) and `port` to a remote over `transport` with
/// the system resolver (A/AAAA), preferring the address family of `prefer` when given.
pub async fn resolve(
    host: &str,
    port: u16,
    transport: TransportKind,
) -> Result<Remote, AgentError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(Remote::new(SocketAddr::new(ip, port), transport));
    }
    let mut addrs =
        tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| AgentError::Resolve {
                host: host.to_owned(),
                reason: e.to_string(),
            })?;
    addrs
        .next()
        .map(|a| Remote::new(a, transport))
        .ok_or_else(|| AgentError::Resolve {
            host: host.to_owned(),
            reason: "no address".into(),
        })
}

struct AccountEntry {
    user: String,
    transport: TransportKind,
    registrar: String,
    trunk: Option<Vec<String>>,
    proxy_ip: IpAddr,
    registered: bool,
}

struct CallEntry {
    updates: mpsc::Sender<CallUpdate>,
    model: ModelCall,
    outgoing: bool,
    offer: Option<Bytes>,
    audio: Option<AudioSession>,
    plan: MediaOptions,
    media: MediaControl,
    held: bool,
    /// Our hold (`true`) or resume (`false`) re-INVITE, until the peer answers it.
    hold_requested: Option<bool>,
    started: SystemTime,
    ended: bool,
}

struct Task {
    endpoint: Endpoint,
    transports: Vec<TransportHandle>,
    transport_events: mpsc::Receiver<TransportEvent>,
    commands: mpsc::Receiver<Command>,
    command_tx: mpsc::Sender<Command>,
    events: mpsc::Sender<AgentEvent>,
    calls: HashMap<CallHandle, CallEntry>,
    accounts: HashMap<AccountHandle, AccountEntry>,
    media: MediaPlan,
    shutdown_timeout: Duration,
    dropped_transmits: u64,
}

fn user_of(uri_or_name_addr: &str) -> Option<String> {
    let s = uri_or_name_addr;
    let start = s.find("sip:").or_else(|| s.find("sips:"))?;
    let rest = s.get(start..)?;
    let rest = rest.split_once(':')?.1;
    let (user, _) = rest.split_once('@')?;
    let user = user.split(';').next().unwrap_or(user);
    (!user.is_empty()).then(|| user.to_owned())
}

fn display_name_of(name_addr: &str) -> Option<String> {
    let (before, _) = name_addr.split_once('<')?;
    let name = before.trim().trim_matches('"').trim();
    (!name.is_empty()).then(|| name.to_owned())
}

fn source_of(kind: TransportKind) -> Source {
    if kind.is_websocket() {
        Source::WebSocket
    } else {
        Source::Sip
    }
}

impl Task {
    async fn run(mut self) {
        let mut shutdown: Option<(Instant, oneshot::Sender<()>)> = None;
        loop {
            let deadline = self.endpoint.poll_timeout();
            let stop_at = shutdown.as_ref().map(|(at, _)| *at);
            let wake = match (deadline, stop_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            tokio::select! {
                event = self.transport_events.recv() => {
                    let Some(event) = event else { break };
                    self.on_transport(event);
                    // A burst is handled before the flush: fewer wake-ups under load.
                    for _ in 0..TRANSPORT_BATCH {
                        let Ok(event) = self.transport_events.try_recv() else { break };
                        self.on_transport(event);
                    }
                }
                command = self.commands.recv(), if shutdown.is_none() => match command {
                    Some(Command::Shutdown { reply }) => {
                        self.endpoint.shutdown(Instant::now());
                        shutdown = Some((Instant::now() + self.shutdown_timeout, reply));
                    }
                    Some(command) => self.on_command(command).await,
                    // Every handle is gone: nobody can use the agent any more.
                    None => {
                        let (reply, _) = oneshot::channel();
                        self.endpoint.shutdown(Instant::now());
                        shutdown = Some((Instant::now() + self.shutdown_timeout, reply));
                    }
                },
                () = sleep_until(wake), if wake.is_some() => {
                    self.endpoint.handle_timeout(Instant::now());
                }
            }
            self.flush().await;
            if let Some((at, _)) = &shutdown
                && (self.endpoint.is_idle() || Instant::now() >= *at)
            {
                break;
            }
        }
        // Calls still listed end now (their media stops and their handles learn it).
        let calls: Vec<CallHandle> = self.calls.keys().copied().collect();
        for call in calls {
            self.end_call(call, EndReason::Shutdown, None).await;
        }
        for t in &self.transports {
            let _ = t.commands.try_send(TransportCommand::Shutdown);
        }
        for t in self.transports.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(1), t.task).await;
        }
        if self.dropped_transmits > 0 {
            tracing::warn!(
                dropped = self.dropped_transmits,
                "transmits dropped: transport queues full"
            );
        }
        if let Some((_, reply)) = shutdown {
            let _ = reply.send(());
        }
    }

    fn on_transport(&mut self, event: TransportEvent) {
        let now = Instant::now();
        match event {
            TransportEvent::Received { bytes, from } => {
                self.endpoint.handle_input(bytes, from, now)
            }
            TransportEvent::FlowOpened { flow, remote } => {
                tracing::debug!(?flow, peer = %remote.addr, transport = %remote.transport, "flow opened");
            }
            TransportEvent::FlowClosed { remote, error } => {
                tracing::debug!(peer = %remote.addr, ?error, "flow closed");
                let error = error.unwrap_or(TransportError::ConnectionClosed);
                self.endpoint.handle_transport_error(remote, error, now);
            }
            TransportEvent::SendFailed { remote, error } => {
                tracing::debug!(peer = %remote.addr, %error, "send failed");
                self.endpoint.handle_transport_error(remote, error, now);
            }
        }
    }

    /// Sends every transmit and handles every event, until both queues are empty.
    async fn flush(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(transmit) = self.endpoint.poll_transmit() {
                progressed = true;
                let remote = transmit.remote();
                let Some(t) = self
                    .transports
                    .iter()
                    .find(|t| t.kind == transmit.transport)
                else {
                    let error = TransportError::Other(format!("no {} transport", remote.transport));
                    self.endpoint
                        .handle_transport_error(remote, error, Instant::now());
                    continue;
                };
                if t.commands
                    .try_send(TransportCommand::Send(transmit))
                    .is_err()
                {
                    self.dropped_transmits += 1;
                    if remote.transport.is_reliable() {
                        let error = TransportError::Other("transport queue full".into());
                        self.endpoint
                            .handle_transport_error(remote, error, Instant::now());
                    }
                }
            }
            while let Some(event) = self.endpoint.poll_event() {
                progressed = true;
                self.on_event(event).await;
            }
            if !progressed {
                return;
            }
        }
    }

    fn emit(&self, event: AgentEvent) {
        if self.events.try_send(event).is_err() {
            tracing::warn!("agent event dropped: queue full or closed");
        }
    }

    fn update(&self, call: CallHandle, update: CallUpdate) {
        if let Some(entry) = self.calls.get(&call)
            && entry.updates.try_send(update).is_err()
        {
            tracing::debug!(?call, "call update dropped");
        }
    }

    async fn on_command(&mut self, command: Command) {
        let now = Instant::now();
        match command {
            Command::AddAccount {
                config,
                trunk,
                reply,
            } => {
                let entry = AccountEntry {
                    user: config.user.clone(),
                    transport: config.proxy.transport,
                    registrar: config.proxy.addr.to_string(),
                    trunk,
                    proxy_ip: config.proxy.addr.ip(),
                    registered: false,
                };
                let result = self.endpoint.add_account(*config, now);
                if let Ok(handle) = result {
                    self.accounts.insert(handle, entry);
                }
                let _ = reply.send(result.map_err(AgentError::from));
            }
            Command::Unregister { account, reply } => {
                let _ = reply.send(self.endpoint.unregister(account, now).map_err(Into::into));
            }
            Command::Call { request, reply } => {
                let _ = reply.send(self.place_call(*request).await);
            }
            Command::Answer { call, media, reply } => {
                let _ = reply.send(self.answer(call, *media).await);
            }
            Command::CallAction {
                call,
                action,
                reply,
            } => {
                let _ = reply.send(self.call_action(call, action).await);
            }
            Command::Shutdown { reply } => {
                let _ = reply.send(());
            }
        }
    }

    fn local_ip(&self, transport: TransportKind, peer: Option<SocketAddr>) -> IpAddr {
        if let Some(ip) = self.media.address {
            return ip;
        }
        let bound = self
            .transports
            .iter()
            .find(|t| t.kind == transport)
            .and_then(|t| t.binding.host.parse::<IpAddr>().ok());
        match bound {
            Some(ip) if !ip.is_unspecified() => ip,
            _ => peer
                .and_then(local_ip_towards)
                .unwrap_or(IpAddr::from([127, 0, 0, 1])),
        }
    }

    async fn audio_session(
        &mut self,
        options: &MediaOptions,
        transport: TransportKind,
        peer: Option<SocketAddr>,
        media: &mut MediaControl,
    ) -> Result<AudioSession, AgentError> {
        let ip = self.local_ip(transport, peer);
        let port = if options.enabled {
            media.reserve(&self.media, ip).await?
        } else {
            options.audio_port.unwrap_or(9)
        };
        let mut session = AudioSession::new(ip, port, fastrand::u64(1..u64::from(u32::MAX)));
        if !options.codecs.is_empty() {
            session.codecs.clone_from(&options.codecs);
        }
        Ok(session)
    }

    async fn place_call(&mut self, request: CallRequest) -> Result<SipCall, AgentError> {
        let now = Instant::now();
        let account = request
            .account
            .and_then(|a| self.accounts.get(&a).map(|e| (a, e)));
        let transport = request
            .destination
            .map(|d| d.transport)
            .or(account.as_ref().map(|(_, e)| e.transport))
            .unwrap_or(TransportKind::Udp);
        let peer = request.destination.map(|d| d.addr).or_else(|| {
            account
                .as_ref()
                .and_then(|(_, e)| e.registrar.parse::<SocketAddr>().ok())
        });
        let (user, trunk) = account
            .as_ref()
            .map(|(_, e)| (Some(e.user.clone()), e.trunk.is_some()))
            .unwrap_or((None, false));
        let mut media = MediaControl::default();
        let session = self
            .audio_session(&request.media, transport, peer, &mut media)
            .await?;
        let mut invite = InviteRequest::new(request.to.clone()).offer(session.offer());
        if let Some(a) = request.account {
            invite = invite.account(a);
        }
        if let Some(d) = request.destination {
            invite = invite.destination(d);
        }
        if request.account.is_none() {
            let from = request.from.clone().unwrap_or_else(|| {
                let host =
                    crate::ua::LocalBinding::new(transport, SocketAddr::new(session.address, 0))
                        .host;
                let host = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("sip:anonymous@{host}")
            });
            invite = invite.from(from);
        }
        let handle = self.endpoint.invite(invite, now)?;
        let call_id = self.endpoint.call_id(handle).unwrap_or_default().to_owned();
        let (updates_tx, updates) = mpsc::channel(CALL_UPDATE_QUEUE);
        let started = SystemTime::now();
        let mut model = ModelCall::new(call_id.as_str(), source_of(transport), started);
        model.originated = true;
        model.from_number = user.clone().map(Into::into);
        model.extension = if trunk { None } else { user.map(Into::into) };
        let dialled = user_of(&request.to).unwrap_or_else(|| request.to.clone());
        model.to = Some(dialled.clone().into());
        model.dialled = Some(dialled.clone().into());
        model.direction = if trunk {
            model.external_number = Some(dialled.into());
            ModelDirection::Outbound
        } else {
            ModelDirection::Internal
        };
        self.calls.insert(
            handle,
            CallEntry {
                updates: updates_tx,
                model,
                outgoing: true,
                offer: None,
                audio: Some(session),
                plan: request.media,
                media: media.clone(),
                held: false,
                hold_requested: None,
                started,
                ended: false,
            },
        );
        Ok(SipCall {
            handle,
            call_id,
            commands: self.command_tx.clone(),
            updates,
            media,
        })
    }

    async fn answer(&mut self, call: CallHandle, options: MediaOptions) -> Result<(), AgentError> {
        let now = Instant::now();
        let entry = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
        let transport = entry.model.source;
        let offer = entry.offer.clone();
        let mut media = entry.media.clone();
        let kind = if transport == Source::WebSocket {
            TransportKind::Wss
        } else {
            TransportKind::Udp
        };
        let session = self.audio_session(&options, kind, None, &mut media).await?;
        let (sdp, negotiated) = match &offer {
            Some(offer) => {
                let parsed = parse_sdp(offer).ok_or(AgentError::Invalid("SDP offer"))?;
                match offer_answer::answer(&parsed, &session) {
                    Ok((sdp, n)) => (sdp, Some(n)),
                    Err(e) => {
                        media.release();
                        let _ = self.endpoint.reject(call, 488, now);
                        return Err(e.into());
                    }
                }
            }
            // No offer in the INVITE: ours goes in the 200, the answer comes in the ACK.
            None => (session.offer(), None),
        };
        self.endpoint.answer(call, Bytes::from(sdp), now)?;
        let call_id = self.endpoint.call_id(call).unwrap_or_default().to_owned();
        if let Some(entry) = self.calls.get_mut(&call) {
            entry.audio = Some(session);
            entry.plan = options.clone();
            let at = SystemTime::now();
            let by = entry.model.dialled.clone();
            entry.model.note_answer(by, at);
            entry.model.state = ModelState::Answered;
            let report = ModelEvent::Answered {
                call: Box::new(entry.model.clone()),
                at,
            };
            self.emit(AgentEvent::Call(report));
        }
        self.update(call, CallUpdate::Answered);
        if let Some(n) = negotiated {
            self.start_media(call, &n, &call_id, false).await;
        }
        Ok(())
    }

    async fn start_media(
        &mut self,
        call: CallHandle,
        negotiated: &offer_answer::Negotiated,
        call_id: &str,
        caller: bool,
    ) {
        let Some(entry) = self.calls.get(&call) else {
            return;
        };
        if !entry.plan.enabled {
            return;
        }
        let media = entry.media.clone();
        let updates = entry.updates.clone();
        let record = entry.plan.record_dir.clone();
        let deliver = entry.plan.receive_audio;
        match media.start(negotiated, call_id, caller, record, deliver, updates) {
            Ok(()) => self.update(
                call,
                CallUpdate::MediaStarted {
                    codec: negotiated.codec.name.clone(),
                    remote: negotiated.remote_rtp,
                },
            ),
            Err(e) => tracing::warn!(?call, error = %e, "media not started"),
        }
    }

    async fn call_action(
        &mut self,
        call: CallHandle,
        action: CallAction,
    ) -> Result<(), AgentError> {
        let now = Instant::now();
        match action {
            CallAction::Released => {
                let unanswered = self
                    .calls
                    .get(&call)
                    .is_some_and(|e| !e.outgoing && e.model.answered_at.is_none());
                if unanswered {
                    self.endpoint.reject(call, 480, now)?;
                }
            }
            CallAction::Ringing => self.endpoint.ringing(call, None, now)?,
            CallAction::Reject(code) => self.endpoint.reject(call, code, now)?,
            CallAction::Hangup => self.endpoint.hangup(call, now)?,
            CallAction::Hold(on_hold) => {
                let entry = self.calls.get_mut(&call).ok_or(UaError::NoSuchCall)?;
                let audio = entry.audio.as_mut().ok_or(AgentError::NoMedia)?;
                audio.direction = if on_hold {
                    Direction::SendOnly
                } else {
                    Direction::SendRecv
                };
                audio.bump_version();
                let offer = audio.offer();
                self.endpoint.reinvite(call, Bytes::from(offer), now)?;
                entry.hold_requested = Some(on_hold);
            }
            CallAction::Transfer(target) => self.endpoint.transfer(call, &target, now)?,
            CallAction::Dtmf(digits) => {
                let valid = |c: char| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D');
                if digits.len() > MAX_DTMF_DIGITS || !digits.chars().all(valid) {
                    return Err(AgentError::Invalid("DTMF digits"));
                }
                let entry = self.calls.get(&call).ok_or(UaError::NoSuchCall)?;
                if entry.media.has_telephone_event() {
                    entry.media.send_digits(&digits, DTMF_DIGIT_DURATION)?;
                } else {
                    let ms = u32::try_from(DTMF_DIGIT_DURATION.as_millis()).unwrap_or(100);
                    for digit in digits.chars() {
                        self.endpoint.send_dtmf_info(call, digit, ms, now)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn set_held(&mut self, call: CallHandle, on_hold: bool, by_peer: bool) {
        let Some(entry) = self.calls.get_mut(&call) else {
            return;
        };
        if entry.held == on_hold {
            return;
        }
        entry.held = on_hold;
        entry.model.state = if on_hold {
            ModelState::OnHold
        } else {
            ModelState::Answered
        };
        let at = SystemTime::now();
        let call_model = entry.model.clone();
        let report = if on_hold {
            ModelEvent::Held {
                call: Box::new(call_model),
                at,
            }
        } else {
            ModelEvent::Resumed {
                call: Box::new(call_model),
                at,
            }
        };
        self.emit(AgentEvent::Call(report));
        self.update(call, CallUpdate::Held { on_hold, by_peer });
    }

    async fn on_event(&mut self, event: Event) {
        let now = Instant::now();
        match event {
            Event::Registration { account, event } => self.on_registration(account, event),
            Event::IncomingCall(incoming) => self.on_incoming(incoming),
            Event::CallProgress { call, progress } => {
                let update = match progress {
                    CallProgress::Trying => CallUpdate::Trying,
                    CallProgress::Ringing { code } => CallUpdate::Ringing { code },
                    CallProgress::EarlyMedia { code, .. } => CallUpdate::EarlyMedia { code },
                };
                if !matches!(update, CallUpdate::Trying)
                    && let Some(entry) = self.calls.get_mut(&call)
                    && entry.model.state == ModelState::Setup
                {
                    entry.model.state = ModelState::Ringing;
                    let report = ModelEvent::Ringing {
                        call: Box::new(entry.model.clone()),
                        at: SystemTime::now(),
                    };
                    self.emit(AgentEvent::Call(report));
                }
                self.update(call, update);
            }
            Event::CallAnswered { call, sdp } => {
                let call_id = self.endpoint.call_id(call).unwrap_or_default().to_owned();
                let mut negotiated = None;
                if let Some(entry) = self.calls.get_mut(&call) {
                    let at = SystemTime::now();
                    let by = entry.model.dialled.clone();
                    entry.model.note_answer(by, at);
                    entry.model.state = ModelState::Answered;
                    let report = ModelEvent::Answered {
                        call: Box::new(entry.model.clone()),
                        at,
                    };
                    if let (Some(sdp), Some(audio)) = (&sdp, &entry.audio) {
                        negotiated =
                            parse_sdp(sdp).and_then(|s| offer_answer::negotiated(&s, audio).ok());
                        if negotiated.is_none() && entry.plan.enabled {
                            // Only offered codecs are accepted: an answer without one ends
                            // the call.
                            let _ = self.endpoint.hangup(call, now);
                        }
                    }
                    self.emit(AgentEvent::Call(report));
                }
                self.update(call, CallUpdate::Answered);
                if let Some(n) = negotiated {
                    self.start_media(call, &n, &call_id, true).await;
                }
            }
            Event::CallConfirmed { call, sdp } => {
                self.update(call, CallUpdate::Confirmed);
                if let Some(sdp) = sdp {
                    let call_id = self.endpoint.call_id(call).unwrap_or_default().to_owned();
                    let negotiated = self.calls.get(&call).and_then(|e| {
                        let audio = e.audio.as_ref()?;
                        offer_answer::negotiated(&parse_sdp(&sdp)?, audio).ok()
                    });
                    if let Some(n) = negotiated
                        && !self.calls.get(&call).is_some_and(|e| e.media.is_running())
                    {
                        self.start_media(call, &n, &call_id, false).await;
                    }
                }
            }
            Event::CallEnded { call, reason, code } => self.end_call(call, reason, code).await,
            Event::Reoffer { call, offer } => self.on_reoffer(call, offer),
            Event::MediaUpdated { call, .. } => {
                let requested = self
                    .calls
                    .get_mut(&call)
                    .and_then(|e| e.hold_requested.take());
                if let Some(on_hold) = requested {
                    self.set_held(call, on_hold, false);
                }
            }
            Event::ReofferFailed { call, code } => {
                // The call goes on with the media it had: the next offer says so again.
                if let Some(entry) = self.calls.get_mut(&call)
                    && entry.hold_requested.take().is_some()
                    && let Some(audio) = entry.audio.as_mut()
                {
                    audio.direction = if entry.held {
                        Direction::SendOnly
                    } else {
                        Direction::SendRecv
                    };
                }
                self.update(
                    call,
                    CallUpdate::RequestFailed {
                        method: "INVITE".into(),
                        code,
                    },
                );
            }
            Event::DtmfInfo { call, signal, .. } => {
                self.update(call, CallUpdate::Dtmf { digit: signal });
            }
            Event::TransferRequested { call, refer_to, .. } => {
                if let Some(entry) = self.calls.get_mut(&call) {
                    let target = user_of(&refer_to).unwrap_or_else(|| refer_to.clone());
                    entry.model.push_transfer(yeastar_calls::Transfer {
                        kind: yeastar_calls::TransferKind::Blind,
                        by: entry.model.answered_by.clone(),
                        target: Some(target.clone().into()),
                        at: SystemTime::now(),
                    });
                    let report = ModelEvent::Transferred {
                        call: Box::new(entry.model.clone()),
                        target: Some(target.into()),
                        at: SystemTime::now(),
                    };
                    self.emit(AgentEvent::Call(report));
                }
                self.update(call, CallUpdate::TransferRequested { refer_to });
            }
            Event::TransferProgress { call, progress } => {
                self.update(call, CallUpdate::Transfer(progress));
            }
            Event::RequestFailed { call, method, code } => {
                self.update(call, CallUpdate::RequestFailed { method, code });
            }
            Event::Options { .. } | Event::Notify { .. } => {}
        }
    }

    fn on_registration(&mut self, account: AccountHandle, event: RegistrationEvent) {
        let Some(entry) = self.accounts.get_mut(&account) else {
            return;
        };
        let (state, expires, code, reason) = match &event {
            RegistrationEvent::Registered { expires, .. } => {
                entry.registered = true;
                (
                    RegistrationState::Registered,
                    Some(*expires),
                    Some(200),
                    None,
                )
            }
            RegistrationEvent::Failed(error) => {
                entry.registered = false;
                let code = match error {
                    RegistrationError::AuthRejected { status }
                    | RegistrationError::Rejected { status } => Some(*status),
                    RegistrationError::Timeout => Some(408),
                    _ => None,
                };
                (
                    RegistrationState::Failed,
                    None,
                    code,
                    Some(error.to_string()),
                )
            }
            RegistrationEvent::Unregistered => {
                entry.registered = false;
                (RegistrationState::Unregistered, None, None, None)
            }
            // A retry is announced after the failure it follows: no second line.
            RegistrationEvent::Retrying { .. } => return,
        };
        let report = ModelRegistration {
            account: entry.user.as_str().into(),
            state,
            transport: entry.transport.via_token().into(),
            registrar: entry.registrar.as_str().into(),
            expires,
            code,
            reason: reason.map(Into::into),
            retry_in: None,
            at: SystemTime::now(),
        };
        self.emit(AgentEvent::Registration {
            account,
            event,
            report,
        });
    }

    fn on_incoming(&mut self, incoming: crate::ua::IncomingCall) {
        let now = Instant::now();
        let call = incoming.call;
        let dialled = user_of(&incoming.request_uri).or_else(|| user_of(&incoming.to));
        let mut account = incoming.account;
        let mut via_trunk = account
            .and_then(|a| self.accounts.get(&a))
            .is_some_and(|e| e.trunk.is_some());
        if account.is_none() {
            account = self
                .accounts
                .iter()
                .find(|(_, e)| {
                    e.trunk.as_ref().is_some_and(|numbers| {
                        e.proxy_ip == incoming.remote.addr.ip()
                            && (numbers.is_empty()
                                || dialled.as_ref().is_some_and(|d| numbers.contains(d)))
                    })
                })
                .map(|(a, _)| *a);
            via_trunk = account.is_some();
        }
        let call_id = self.endpoint.call_id(call).unwrap_or_default().to_owned();
        let started = SystemTime::now();
        let mut model = ModelCall::new(
            call_id.as_str(),
            source_of(incoming.remote.transport),
            started,
        );
        model.from_number = user_of(&incoming.from).map(Into::into);
        model.from_name = display_name_of(&incoming.from).map(Into::into);
        model.to = dialled.clone().map(Into::into);
        model.dialled = dialled.clone().map(Into::into);
        if via_trunk {
            model.direction = ModelDirection::Inbound;
            model.external_number = model.from_number.clone();
        } else {
            model.extension = dialled.clone().map(Into::into);
        }
        model.state = ModelState::Ringing;
        let (updates_tx, updates) = mpsc::channel(CALL_UPDATE_QUEUE);
        let media = MediaControl::default();
        let sip_call = SipCall {
            handle: call,
            call_id,
            commands: self.command_tx.clone(),
            updates,
            media: media.clone(),
        };
        let event = AgentEvent::Incoming(IncomingSipCall {
            call: sip_call,
            account,
            from: incoming.from,
            to: incoming.to,
            dialled,
            via_trunk,
        });
        if self.events.try_send(event).is_err() {
            tracing::warn!("incoming call refused: event queue full");
            let _ = self.endpoint.reject(call, 503, now);
            return;
        }
        let ringing = ModelEvent::Ringing {
            call: Box::new(model.clone()),
            at: started,
        };
        self.calls.insert(
            call,
            CallEntry {
                updates: updates_tx,
                model,
                outgoing: false,
                offer: incoming.offer,
                audio: None,
                plan: MediaOptions::default(),
                media,
                held: false,
                hold_requested: None,
                started,
                ended: false,
            },
        );
        self.emit(AgentEvent::Call(ringing));
    }

    fn on_reoffer(&mut self, call: CallHandle, offer: Option<Bytes>) {
        let now = Instant::now();
        let Some(entry) = self.calls.get_mut(&call) else {
            let _ = self.endpoint.reject_reoffer(call, 488, now);
            return;
        };
        let Some(audio) = entry.audio.as_mut() else {
            let _ = self.endpoint.reject_reoffer(call, 488, now);
            return;
        };
        let Some(offer) = offer else {
            audio.bump_version();
            let sdp = audio.offer();
            let _ = self.endpoint.answer_reoffer(call, Bytes::from(sdp), now);
            return;
        };
        let Some(parsed) = parse_sdp(&offer) else {
            let _ = self.endpoint.reject_reoffer(call, 400, now);
            return;
        };
        match offer_answer::answer(&parsed, audio) {
            Ok((sdp, negotiated)) => {
                let _ = self.endpoint.answer_reoffer(call, Bytes::from(sdp), now);
                let on_hold = matches!(
                    negotiated.direction,
                    Direction::SendOnly | Direction::Inactive
                );
                self.set_held(call, on_hold, true);
            }
            Err(_) => {
                let _ = self.endpoint.reject_reoffer(call, 488, now);
            }
        }
    }

    async fn end_call(&mut self, call: CallHandle, reason: EndReason, code: Option<u16>) {
        let Some(mut entry) = self.calls.remove(&call) else {
            return;
        };
        if entry.ended {
            return;
        }
        entry.ended = true;
        let rtp = entry.media.stop().await;
        let _ = entry
            .updates
            .send(CallUpdate::Ended { reason, code, rtp })
            .await;
        let at = SystemTime::now();
        let model = &mut entry.model;
        model.state = ModelState::Ended;
        model.ended_at = Some(at);
        model.end_reason = Some(yeastar_calls::EndReason::Hangup);
        model.hangup_cause = Some(q850_cause(reason, code));
        model.hangup_cause_text = Some(format!("{reason:?}").into());
        if model.answered_at.is_some() {
            model.connected_to = model.answered_by.clone();
        }
        let duration = model.duration(at);
        let billsec = model.billsec(at);
        let disposition = if model.answered_at.is_some() {
            Disposition::Answered
        } else {
            match code {
                Some(486 | 600) => Disposition::Busy,
                Some(500..=599) => Disposition::Congestion,
                Some(404 | 403 | 480 | 484) => Disposition::Failed,
                _ => Disposition::NoAnswer,
            }
        };
        let completed = CompletedCall::from_call(model, disposition, duration, billsec);
        let report = ModelEvent::Ended {
            call: Box::new(model.clone()),
            cause: model.hangup_cause,
            cause_text: model.hangup_cause_text.clone(),
            duration,
            billsec,
            at,
        };
        let _ = (entry.outgoing, entry.started);
        self.emit(AgentEvent::Call(report));
        self.emit(AgentEvent::Completed(Box::new(completed)));
    }
}

/// The Q.850 cause for a SIP ending (RFC 3398 §7.2.4.1 for status codes).
fn q850_cause(reason: EndReason, code: Option<u16>) -> u16 {
    match code {
        Some(404 | 604) => 1,
        Some(486 | 600) => 17,
        Some(480) => 18,
        Some(487) => 16,
        Some(603) => 21,
        Some(408) => 102,
        Some(500..=599) => 38,
        Some(400..=499) => 21,
        _ => match reason {
            EndReason::Timeout | EndReason::AckTimeout => 102,
            EndReason::TransportError => 38,
            _ => 16,
        },
    }
}

fn parse_sdp(bytes: &Bytes) -> Option<Sdp<'_>> {
    Sdp::parse(std::str::from_utf8(bytes).ok()?).ok()
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_names_of_headers() {
        assert_eq!(
            user_of("\"Bob\" <sip:1002@pbx;transport=tcp>;tag=1").as_deref(),
            Some("1002")
        );
        assert_eq!(user_of("sips:1003@pbx").as_deref(), Some("1003"));
        assert_eq!(user_of("sip:pbx.example.com"), None);
        assert_eq!(
            display_name_of("\"Bob B\" <sip:1002@pbx>").as_deref(),
            Some("Bob B")
        );
        assert_eq!(display_name_of("<sip:1002@pbx>"), None);
    }

    #[test]
    fn causes_follow_rfc_3398() {
        assert_eq!(q850_cause(EndReason::Rejected, Some(486)), 17);
        assert_eq!(q850_cause(EndReason::RemoteHangup, None), 16);
        assert_eq!(q850_cause(EndReason::Timeout, None), 102);
    }
}
