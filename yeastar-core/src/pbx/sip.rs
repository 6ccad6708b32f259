//! The SIP modes (native UDP/TCP/TLS, WebSocket): a supervisor that sets the user agent up
//! (retrying name resolution and sockets with backoff), registers the accounts and pumps the
//! agent's events into the join; the SIP click-to-call (INVITE `from`, then REFER it to `to`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use yeastar_calls::{PbxEvent, RegistrationState};
use yeastar_sip::driver::{
    AgentConfig, AgentEvent, AgentEvents, CallRequest, CallUpdate, MediaPlan, SipCall, UserAgent,
    local_ip_towards, resolve,
};
use yeastar_sip::ua::{
    AccountHandle, EndReason, RegistrationError, RegistrationEvent, Remote, TransferProgress,
};

use super::{ClickToCall, Event, PbxError, PbxOptions, Shared};
use crate::config::{SipConfig, SipMode};
use crate::join::Mode;

/// How long our leg of a SIP click-to-call waits, once the REFER is accepted, for the
/// transfer's final NOTIFY or the transferee's BYE before it hangs up by itself.
pub(super) const TRANSFER_GRACE: Duration = Duration::from_secs(30);

pub(super) fn mode_of(sip: &SipConfig) -> Mode {
    match sip.mode() {
        SipMode::WebSocket => Mode::WebSocket,
        _ => Mode::Sip,
    }
}

/// What the SIP side talks to: the WebSocket URL, or `server:port` and the transport.
pub(super) fn target_of(sip: &SipConfig) -> String {
    match (&sip.websocket_url, &sip.server) {
        (Some(url), _) if sip.transport.is_websocket() => url.clone(),
        (_, Some(server)) => format!("{server}:{} ({})", sip.port, sip.transport),
        _ => String::new(),
    }
}

/// A running user agent and what it needs to register.
struct Started {
    agent: UserAgent,
    events: AgentEvents,
    proxy: Remote,
    domain: String,
    #[cfg(feature = "ws")]
    link: Option<tokio::sync::broadcast::Receiver<yeastar_ws::WsStatus>>,
}

async fn setup_native(sip: &SipConfig, local: Option<SocketAddr>) -> Result<Started, String> {
    let server = sip
        .server
        .clone()
        .ok_or("SIP_SERVER is required for native SIP")?;
    let proxy = resolve(&server, sip.port, sip.transport.native_kind())
        .await
        .map_err(|e| e.to_string())?;
    let local = local.unwrap_or_else(|| {
        let ip = local_ip_towards(proxy.addr).unwrap_or(if proxy.addr.is_ipv4() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([0u16; 8])
        });
        SocketAddr::new(ip, 0)
    });
    let transport = sip
        .bind_native_transport(&server, local)
        .await
        .map_err(|e| e.to_string())?;
    let mut plan =
        MediaPlan::with_ports(sip.rtp_port_min, sip.rtp_port_max).map_err(|e| e.to_string())?;
    if !local.ip().is_unspecified() {
        plan = plan.address(local.ip());
    }
    let mut config = AgentConfig::new(vec![transport]);
    config.media = plan;
    let (agent, events) = UserAgent::start(config).map_err(|e| e.to_string())?;
    Ok(Started {
        agent,
        events,
        proxy,
        domain: server,
        #[cfg(feature = "ws")]
        link: None,
    })
}

#[cfg(feature = "ws")]
async fn setup_ws(sip: &SipConfig, local: Option<SocketAddr>) -> Result<Started, String> {
    let url = sip
        .websocket_url
        .clone()
        .ok_or("SIP_WEBSOCKET_URL is required for WebSocket")?;
    let mut config = yeastar_ws::ClientConfig::new(url);
    if let Some(ca) = &sip.ca_file {
        config = config.with_ca_file(ca);
    }
    if let Some(local) = local {
        config = config.with_local_ip(local.ip());
    }
    let client = yeastar_ws::WsClient::new(config)
        .await
        .map_err(|e| e.to_string())?;
    let proxy = client.remote();
    let domain = sip
        .server
        .clone()
        .unwrap_or_else(|| client.host().to_owned());
    // Subscribed before the transport starts, to see its first connection.
    let link = client.status();
    let (agent, events) =
        UserAgent::start(AgentConfig::new(vec![Box::new(client)])).map_err(|e| e.to_string())?;
    Ok(Started {
        agent,
        events,
        proxy,
        domain,
        link: Some(link),
    })
}

async fn setup(sip: &SipConfig, local: Option<SocketAddr>) -> Result<Started, String> {
    match sip.mode() {
        #[cfg(feature = "ws")]
        SipMode::WebSocket => setup_ws(sip, local).await,
        #[cfg(not(feature = "ws"))]
        SipMode::WebSocket => Err("this build lacks the WebSocket mode (feature ws)".into()),
        _ => setup_native(sip, local).await,
    }
}

/// The user agent once set up.
struct Runtime {
    agent: UserAgent,
    accounts: Vec<(String, AccountHandle)>,
    /// The accounts' domain: numbers are called at it.
    domain: String,
}

type Placed = Arc<Mutex<HashMap<String, mpsc::Sender<()>>>>;

pub(super) struct SipSide {
    mode: Mode,
    runtime: watch::Receiver<Option<Arc<Runtime>>>,
    stop: watch::Sender<bool>,
    placed: Placed,
    shared: Arc<Shared>,
}

impl SipSide {
    pub(super) fn start(
        config: &SipConfig,
        options: &PbxOptions,
        shared: Arc<Shared>,
    ) -> (SipSide, JoinHandle<()>) {
        let (runtime_tx, runtime) = watch::channel(None);
        let (stop, stop_rx) = watch::channel(false);
        let mode = mode_of(config);
        let task = tokio::spawn(supervise(
            config.clone(),
            options.clone(),
            shared.clone(),
            runtime_tx,
            stop_rx,
        ));
        (
            SipSide {
                mode,
                runtime,
                stop,
                placed: Arc::new(Mutex::new(HashMap::new())),
                shared,
            },
            task,
        )
    }

    fn runtime(&self) -> Option<Arc<Runtime>> {
        self.runtime.borrow().clone()
    }

    pub(super) fn user_agent(&self) -> Option<UserAgent> {
        self.runtime().map(|r| r.agent.clone())
    }

    pub(super) fn account(&self, extension: &str) -> Option<AccountHandle> {
        self.runtime()?
            .accounts
            .iter()
            .find(|(e, _)| e == extension)
            .map(|(_, h)| *h)
    }

    fn not_connected(&self) -> PbxError {
        let reason = self
            .shared
            .state()
            .status
            .get(&self.mode)
            .and_then(|s| s.last_error.clone());
        PbxError::NotConnected {
            mode: self.mode,
            reason,
        }
    }

    pub(super) async fn click_to_call(
        &self,
        from: &str,
        to: &str,
        limit: Duration,
    ) -> Result<ClickToCall, PbxError> {
        let runtime = self.runtime().ok_or_else(|| self.not_connected())?;
        // Call as an account of ours other than `from` when there is one.
        let (_, account) = runtime
            .accounts
            .iter()
            .find(|(e, _)| e != from)
            .or_else(|| runtime.accounts.first())
            .ok_or_else(|| self.not_connected())?;
        let mut call = runtime
            .agent
            .call(CallRequest::new(*account, sip_uri(from, &runtime.domain)))
            .await?;
        let call_id = call.call_id().to_owned();
        let answered = tokio::time::timeout(limit, async {
            while let Some(update) = call.next_update().await {
                match update {
                    CallUpdate::Answered => return Ok(()),
                    CallUpdate::Ended { reason, code, .. } => {
                        return Err(PbxError::NotAnswered {
                            from: from.to_owned(),
                            reason: ended_text(reason, code),
                        });
                    }
                    _ => {}
                }
            }
            Err(PbxError::Closed)
        })
        .await;
        match answered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                let _ = call.hangup().await;
                return Err(PbxError::Timeout(limit));
            }
        }
        if let Err(e) = call.transfer(sip_uri(to, &runtime.domain)).await {
            let _ = call.hangup().await;
            return Err(e.into());
        }
        let accepted = tokio::time::timeout(limit, async {
            let refused = |code: u16| PbxError::TransferFailed {
                to: to.to_owned(),
                code,
            };
            while let Some(update) = call.next_update().await {
                match update {
                    CallUpdate::Transfer(TransferProgress::Accepted) => return Ok(false),
                    CallUpdate::Transfer(TransferProgress::Refused { code }) => {
                        return Err(refused(code));
                    }
                    CallUpdate::Transfer(TransferProgress::Status { code, done }) => {
                        if code >= 300 {
                            return Err(refused(code));
                        }
                        return Ok(done && code >= 200);
                    }
                    CallUpdate::RequestFailed { method, code } if method == "REFER" => {
                        return Err(refused(code));
                    }
                    CallUpdate::Ended { code, .. } => return Err(refused(code.unwrap_or(0))),
                    _ => {}
                }
            }
            Err(PbxError::Closed)
        })
        .await;
        let transferred = match accepted {
            Ok(Ok(done)) => done,
            Ok(Err(e)) => {
                let _ = call.hangup().await;
                return Err(e);
            }
            Err(_) => {
                let _ = call.hangup().await;
                return Err(PbxError::Timeout(limit));
            }
        };
        let (hangup_tx, hangup_rx) = mpsc::channel(1);
        if let Ok(mut placed) = self.placed.lock() {
            placed.insert(call_id.clone(), hangup_tx);
        }
        tokio::spawn(follow_transferred(
            call,
            transferred,
            hangup_rx,
            self.placed.clone(),
        ));
        Ok(ClickToCall {
            mode: self.mode,
            call_id: Some(call_id),
            channel: None,
        })
    }

    /// Hangs up the dialogs among `call_ids` that the facade placed.
    pub(super) async fn hangup(&self, call_ids: &[Arc<str>]) -> Result<Vec<String>, PbxError> {
        let senders: Vec<(String, mpsc::Sender<()>)> = match self.placed.lock() {
            Ok(placed) => call_ids
                .iter()
                .filter_map(|id| placed.get(&**id).map(|tx| (id.to_string(), tx.clone())))
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut done = Vec::new();
        for (id, tx) in senders {
            if tx.send(()).await.is_ok() {
                done.push(id);
            }
        }
        Ok(done)
    }

    pub(super) async fn shutdown(&self) {
        let _ = self.stop.send(true);
        if let Some(runtime) = self.runtime() {
            runtime.agent.shutdown().await;
        }
    }
}

/// `sip:<number>@<domain>` (an IPv6 domain in brackets).
fn sip_uri(number: &str, domain: &str) -> String {
    if domain.contains(':') && !domain.starts_with('[') {
        format!("sip:{number}@[{domain}]")
    } else {
        format!("sip:{number}@{domain}")
    }
}

/// How a call of ours ended, in words.
fn ended_text(reason: EndReason, code: Option<u16>) -> String {
    let reason = format!("{reason:?}").to_ascii_lowercase();
    match code {
        Some(code) => format!("{reason} ({code})"),
        None => reason,
    }
}

/// Keeps our transferred leg until the transfer completes (final NOTIFY) or the transferee
/// hangs up on us, then hangs it up if it is still there.
async fn follow_transferred(
    mut call: SipCall,
    mut done: bool,
    mut hangup: mpsc::Receiver<()>,
    placed: Placed,
) {
    let id = call.call_id().to_owned();
    let grace = tokio::time::sleep(TRANSFER_GRACE);
    tokio::pin!(grace);
    loop {
        if done {
            let _ = call.hangup().await;
            done = false;
        }
        tokio::select! {
            update = call.next_update() => match update {
                Some(CallUpdate::Transfer(TransferProgress::Status { code, done: last })) => {
                    done = last || code >= 200;
                }
                Some(CallUpdate::Ended { .. }) | None => break,
                Some(_) => {}
            },
            Some(()) = hangup.recv() => done = true,
            () = &mut grace => done = true,
        }
    }
    if let Ok(mut placed) = placed.lock() {
        placed.remove(&id);
    }
}

async fn supervise(
    config: SipConfig,
    options: PbxOptions,
    shared: Arc<Shared>,
    runtime_tx: watch::Sender<Option<Arc<Runtime>>>,
    mut stop: watch::Receiver<bool>,
) {
    let mode = mode_of(&config);
    let mut delay = options.retry_initial;
    let mut attempts = 0u32;
    let started = loop {
        if *stop.borrow() {
            return;
        }
        match setup(&config, options.sip_local_addr).await {
            Ok(started) => break started,
            Err(reason) => {
                attempts = attempts.saturating_add(1);
                tracing::warn!(%mode, %reason, attempt = attempts, retry_in_s = delay.as_secs_f32(), "SIP setup failed");
                shared.update_status(mode, |s, _| {
                    s.last_error = Some(reason);
                    s.failed_attempts = attempts;
                });
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    _ = stop.changed() => return,
                }
                delay = (delay * 2).min(options.retry_max);
            }
        }
    };
    #[cfg(feature = "ws")]
    let link = started
        .link
        .map(|rx| tokio::spawn(follow_link(rx, shared.clone(), mode)));
    let mut accounts = Vec::new();
    for user in &config.users {
        let account = user.account(&started.domain, started.proxy, config.transport);
        match started.agent.register(account).await {
            Ok(handle) => accounts.push((user.extension.clone(), handle)),
            Err(e) => {
                tracing::warn!(extension = %user.extension, error = %e, "SIP account refused");
                let ext = user.extension.clone();
                shared.update_status(mode, |s, _| {
                    if let Some(a) = s.accounts.iter_mut().find(|a| a.extension == ext) {
                        a.last_error = Some(e.to_string());
                    }
                    s.last_error = Some(format!("{ext}: {e}"));
                });
            }
        }
    }
    tracing::info!(%mode, accounts = accounts.len(), "SIP user agent started");
    let _ = runtime_tx.send(Some(Arc::new(Runtime {
        agent: started.agent,
        accounts,
        domain: started.domain,
    })));
    pump(started.events, &shared, mode).await;
    #[cfg(feature = "ws")]
    if let Some(link) = link {
        link.abort();
    }
}

async fn pump(mut events: AgentEvents, shared: &Shared, mode: Mode) {
    while let Some(event) = events.next().await {
        match event {
            AgentEvent::Registration { event, report, .. } => {
                let ext = report.account.to_string();
                let refused = matches!(
                    event,
                    RegistrationEvent::Failed(RegistrationError::AuthRejected { .. })
                );
                let state = report.state;
                let reason = report.reason.as_deref().map(str::to_owned);
                shared.update_status(mode, |s, _| {
                    if let Some(a) = s.accounts.iter_mut().find(|a| a.extension == ext) {
                        match state {
                            RegistrationState::Registered => {
                                a.registered = true;
                                a.last_error = None;
                            }
                            RegistrationState::Failed => {
                                a.registered = false;
                                a.last_error.clone_from(&reason);
                            }
                            _ => a.registered = false,
                        }
                    }
                    if state == RegistrationState::Failed {
                        s.failed_attempts = s.failed_attempts.saturating_add(1);
                        s.credentials_refused |= refused;
                        s.last_error = Some(format!(
                            "{ext}: {}",
                            reason.as_deref().unwrap_or("registration failed")
                        ));
                    }
                    if s.accounts.iter().all(|a| a.registered) {
                        s.failed_attempts = 0;
                        s.credentials_refused = false;
                        s.last_error = None;
                    }
                });
                shared.push(Event::Pbx {
                    mode,
                    event: PbxEvent::Registration(report),
                });
            }
            AgentEvent::Incoming(call) => shared.push(Event::Incoming(call)),
            AgentEvent::Call(event) => {
                // Our dialogs never ask the AMI anything: only AMI legs are queried.
                let _ = shared.call_event(event);
            }
            AgentEvent::Completed(record) => shared.completed(*record),
            _ => {}
        }
    }
}

/// Follows the WebSocket link for the mode's status.
#[cfg(feature = "ws")]
async fn follow_link(
    mut link: tokio::sync::broadcast::Receiver<yeastar_ws::WsStatus>,
    shared: Arc<Shared>,
    mode: Mode,
) {
    use tokio::sync::broadcast::error::RecvError;
    use yeastar_ws::WsStatus;
    loop {
        let status = match link.recv().await {
            Ok(s) => s,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        match status {
            WsStatus::Connected { .. } | WsStatus::Recovered { .. } => {
                shared.update_status(mode, |_, up| *up = true);
            }
            WsStatus::Disconnected { error, .. } => shared.update_status(mode, |s, up| {
                *up = false;
                s.failed_attempts = s.failed_attempts.saturating_add(1);
                s.last_error = Some(error.map_or_else(
                    || "WebSocket closed".to_owned(),
                    |e| format!("WebSocket lost: {e}"),
                ));
            }),
            WsStatus::ConnectFailed { error, .. } => shared.update_status(mode, |s, up| {
                *up = false;
                s.failed_attempts = s.failed_attempts.saturating_add(1);
                s.last_error = Some(format!("WebSocket: {error}"));
            }),
            WsStatus::Stopped => return,
            _ => {}
        }
    }
}
