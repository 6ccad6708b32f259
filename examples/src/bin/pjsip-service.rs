//! `pjsip-service`: our own SIP extensions at the PBX, in one of two modes.
//!
//! - **Native** (`SIP_TRANSPORT` UDP, TCP or TLS): registers every `SIP_USERS` entry and
//!   answers their calls with an IVR (greeting; DTMF 1 echo test, 2 record a message,
//!   0 transfer to `IVR_OPERATOR`; RFC 4733 and SIP INFO digits). Every answered call is
//!   recorded as a stereo WAV (caller left, callee right) in `RECORDINGS_DIR`; RTP ports come
//!   from `RTP_PORT_MIN`..`RTP_PORT_MAX`; prompts are `IVR_PROMPTS_DIR`'s WAV files, or tones.
//! - **WebSocket** (`SIP_TRANSPORT` WS or WSS, or `SIP_USE_WEBSOCKET=true`): registers over
//!   `SIP_WEBSOCKET_URL` with each entry's WebSocket password; signalling only (incoming calls
//!   ring until the caller gives up or `DELETE /calls/{id}` refuses them).
//!
//! stdout: JSON lines as `yeastar-service` prints them (`call`, `extension`) plus
//! `registration` lines and the IVR's `ivr` lines; stderr: logs (`RUST_LOG`). HTTP on
//! `HTTP_ADDR`: the web console, `GET /health`, `GET /calls`, `GET /calls/history`,
//! `POST /calls` (click-to-call: our extension calls `from`, then transfers it to `to`),
//! `DELETE /calls/{id}`, `GET /extensions`, `GET /recordings`, `GET /recordings/{name}`,
//! `GET /settings`, `PUT /settings` (saved to `SETTINGS_FILE`, applied by restarting the SIP
//! user agent in-process; the HTTP server stays up).

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use yeastar_calls::{
    Call, CallEvent, CallHistory, CallState, ExtensionEvent, ExtensionState, ExtensionStatus,
    MemoryHistory, RegistrationState, format_rfc3339, to_json_line,
};
use yeastar_core::config::{PbxConfig, SipConfig, SipMode};
use yeastar_examples::api::{
    ClickToCall, HistoryParams, error, history_page, is_dialable, print_line,
};
use yeastar_examples::console::{
    Access, Console, ConsoleInfo, FieldError, Section, SettingsStore, SettingsTarget, settings,
};
use yeastar_examples::pjsip::{
    IvrCallContext, IvrSettings, call_recording_name, list_recordings, recording_name_ok,
    run_ivr_call,
};
use yeastar_examples::sip::{SipAgent, local_addr_from_env, shutdown_signal, start_agent};
use yeastar_examples::{ConfigError, http_addr_from_env, init_logging};
use yeastar_sip::driver::{
    AgentEvent, AgentEvents, CallRequest, CallUpdate, IncomingSipCall, MediaOptions, SipCall,
    UserAgent,
};
use yeastar_sip::ua::{AccountHandle, RegistrationError, RegistrationEvent, TransferProgress};
use yeastar_ws::WsStatus;

/// Longest wait of `POST /calls` for `from` to answer and the transfer to be accepted.
const CLICK_TO_CALL_WAIT: Duration = Duration::from_secs(60);
/// Calls followed at once (active calls and the hang-up channels of their tasks).
const MAX_ACTIVE_CALLS: usize = 1024;
/// Exit code for a bad variable.
const EXIT_CONFIG: u8 = 2;

/// One of our registrations.
#[derive(Debug, Clone, Default)]
struct Registration {
    registered: bool,
    last_error: Option<String>,
    auth_rejected: bool,
}

/// What the service knows, shared by the HTTP handlers and the event pump.
#[derive(Default)]
struct Live {
    /// Active calls by Call-ID.
    calls: HashMap<String, Call>,
    /// Hang-up requests to the task that holds each call.
    hangups: HashMap<String, mpsc::Sender<()>>,
    /// Registrations by extension.
    registrations: BTreeMap<String, Registration>,
    /// Last extension status printed, by extension.
    extensions: BTreeMap<String, ExtensionStatus>,
    /// WebSocket link (WebSocket mode).
    link_up: Option<bool>,
    link_error: Option<String>,
}

/// The user agent of the mode in force.
struct Runtime {
    agent: UserAgent,
    config: SipConfig,
    accounts: Vec<(AccountHandle, String)>,
    /// `host:port` of the registrar, or the WebSocket URL.
    target: String,
    pump: tokio::task::JoinHandle<()>,
    status: Option<tokio::task::JoinHandle<()>>,
}

struct App {
    /// This App, for the tasks a settings commit starts (it gets `&self`).
    me: std::sync::Weak<App>,
    runtime: tokio::sync::Mutex<Option<Runtime>>,
    /// The configuration in force (also while the runtime restarts).
    sip: Mutex<SipConfig>,
    live: Mutex<Live>,
    history: Mutex<MemoryHistory>,
    console: Console,
    ivr: IvrSettings,
    local: Option<SocketAddr>,
}

impl App {
    fn emit_line(&self, line: &str) {
        print_line(line);
        self.console.hub().publish_line(line);
    }

    fn sip(&self) -> Option<SipConfig> {
        self.sip.lock().ok().map(|s| s.clone())
    }

    fn live<T>(&self, f: impl FnOnce(&mut Live) -> T) -> Option<T> {
        self.live.lock().ok().map(|mut l| f(&mut l))
    }

    fn target_of(sip: &SipConfig) -> String {
        match (&sip.websocket_url, &sip.server) {
            (Some(url), _) if sip.transport.is_websocket() => url.clone(),
            (_, Some(server)) => format!("{server}:{}", sip.port),
            _ => String::new(),
        }
    }

    /// The extension lines of whatever changed.
    fn refresh_extensions(&self) {
        let Some(sip) = self.sip() else { return };
        let changed = self
            .live(|live| {
                let mut changed = Vec::new();
                for user in &sip.users {
                    let status = extension_status(live, &user.extension);
                    if live.extensions.get(&user.extension) != Some(&status) {
                        live.extensions.insert(user.extension.clone(), status);
                        changed.push(ExtensionEvent {
                            extension: user.extension.as_str().into(),
                            status,
                            at: SystemTime::now(),
                        });
                    }
                }
                changed
            })
            .unwrap_or_default();
        for event in changed {
            self.emit_line(&to_json_line(&event));
        }
    }

    fn publish_connection(&self) {
        let Some(sip) = self.sip() else { return };
        let health = self.health_of(&sip);
        let mut line = json!({"type": "connection", "ts": format_rfc3339(SystemTime::now())});
        for key in ["connected", "pbx", "mode", "last_error", "login_refused"] {
            line[key] = health[key].clone();
        }
        self.console.hub().publish(&line);
    }

    fn health_of(&self, sip: &SipConfig) -> Value {
        let (registered, total, last_error, refused, active, link) = self
            .live(|live| {
                let regs = &live.registrations;
                let registered = regs.values().filter(|r| r.registered).count();
                let last_error = live
                    .link_error
                    .clone()
                    .or_else(|| regs.values().find_map(|r| r.last_error.clone()));
                let refused = regs.values().any(|r| r.auth_rejected);
                (
                    registered,
                    sip.users.len(),
                    last_error,
                    refused,
                    live.calls.len(),
                    live.link_up,
                )
            })
            .unwrap_or_default();
        json!({
            "status": "ok",
            "connected": registered > 0,
            "pbx": App::target_of(sip),
            "mode": match sip.mode() { SipMode::Native => "native", SipMode::WebSocket => "websocket" },
            "transport": sip.transport.as_str(),
            "registered": registered,
            "accounts": total,
            "websocket_connected": link,
            "last_error": last_error,
            "login_refused": refused,
            "active_calls": active,
        })
    }
}

fn extension_status(live: &Live, extension: &str) -> ExtensionStatus {
    let registered = live
        .registrations
        .get(extension)
        .is_some_and(|r| r.registered);
    let calls: Vec<&Call> = live
        .calls
        .values()
        .filter(|c| c.extension.as_deref() == Some(extension) || c.to.as_deref() == Some(extension))
        .collect();
    let answered = calls.iter().any(|c| matches!(c.state, CallState::Answered));
    let held = calls.iter().any(|c| matches!(c.state, CallState::OnHold));
    let ringing = calls
        .iter()
        .any(|c| matches!(c.state, CallState::Ringing | CallState::Setup));
    let state = match (answered || held, ringing) {
        (true, true) => ExtensionState::InUseRinging,
        _ if held => ExtensionState::OnHold,
        (true, false) => ExtensionState::InUse,
        (false, true) => ExtensionState::Ringing,
        _ if registered => ExtensionState::Idle,
        _ => ExtensionState::Unavailable,
    };
    ExtensionStatus {
        state,
        registered: Some(registered),
    }
}

/// The configuration, or the error naming the variable at fault.
struct Startup {
    store: SettingsStore,
    sip: SipConfig,
    addr: SocketAddr,
    access: Access,
    ivr: IvrSettings,
    local: Option<SocketAddr>,
}

fn configure() -> Result<Startup, ConfigError> {
    let store = SettingsStore::from_env(&[Section::Sip])?;
    let sip = store.config().sip.ok_or(ConfigError {
        variable: "SIP_USERS",
        reason: "is required (ext:password:auth_user:Display Name, comma-separated; see the \
                 README's pjsip-service section)"
            .into(),
    })?;
    check_sip(&sip).map_err(|e| ConfigError {
        variable: e.field.unwrap_or("SIP_SERVER"),
        reason: e.reason,
    })?;
    let addr = http_addr_from_env()?;
    let access = Access::from_env(addr)?;
    let ivr = IvrSettings::from_env()?;
    let local = local_addr_from_env()?;
    Ok(Startup {
        store,
        sip,
        addr,
        access,
        ivr,
        local,
    })
}

/// What can be checked before the native mode starts: the server's name resolves. (A
/// WebSocket URL's scheme and host are checked with the rest of the settings.)
fn check_sip(sip: &SipConfig) -> Result<(), FieldError> {
    if sip.mode() != SipMode::Native {
        return Ok(());
    }
    let Some(server) = &sip.server else {
        return Err(FieldError::new(
            "SIP_SERVER",
            "is required for native SIP (the registrar's host)",
        ));
    };
    let bare = server.trim_start_matches('[').trim_end_matches(']');
    if (bare, sip.port).to_socket_addrs().is_err() {
        return Err(FieldError::new(
            "SIP_SERVER",
            format!("{server} does not resolve"),
        ));
    }
    Ok(())
}

/// Starts the user agent of `sip`'s mode and registers every account.
async fn start_runtime(app: &Arc<App>, sip: &SipConfig) -> Result<Runtime, ConfigError> {
    let SipAgent {
        agent,
        events,
        proxy,
        domain,
        status,
    } = start_agent(sip, app.local).await?;
    app.live(|live| {
        live.registrations = sip
            .users
            .iter()
            .map(|u| (u.extension.clone(), Registration::default()))
            .collect();
        live.link_up = status.as_ref().map(|_| false);
        live.link_error = None;
    });
    let status = status.map(|rx| tokio::spawn(follow_link(app.clone(), rx)));
    let pump = tokio::spawn(pump_events(app.clone(), events, sip.mode()));
    let mut accounts = Vec::new();
    for user in &sip.users {
        let account = user.account(&domain, proxy, sip.transport);
        match agent.register(account).await {
            Ok(handle) => accounts.push((handle, user.extension.clone())),
            Err(e) => tracing::warn!(extension = %user.extension, error = %e, "account refused"),
        }
    }
    let target = App::target_of(sip);
    tracing::info!(%target, transport = %sip.transport, accounts = accounts.len(), "SIP user agent started");
    Ok(Runtime {
        agent,
        config: sip.clone(),
        accounts,
        target,
        pump,
        status,
    })
}

impl Runtime {
    /// Unregisters, ends its calls and stops the agent.
    async fn stop(self) {
        tracing::info!(target = %self.target, accounts = self.accounts.len(), "SIP user agent stopping");
        self.agent.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(2), self.pump).await;
        if let Some(status) = self.status {
            status.abort();
        }
    }
}

/// Follows the WebSocket link for `/health` and the console.
async fn follow_link(app: Arc<App>, mut status: tokio::sync::broadcast::Receiver<WsStatus>) {
    loop {
        let s = match status.recv().await {
            Ok(s) => s,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(_) => return,
        };
        let (up, error) = match &s {
            WsStatus::Connected { .. } | WsStatus::Recovered { .. } => (Some(true), None),
            WsStatus::Disconnected { error, .. } => {
                (Some(false), error.as_ref().map(ToString::to_string))
            }
            WsStatus::ConnectFailed { error, .. } => (Some(false), Some(error.to_string())),
            WsStatus::Stopped => (Some(false), None),
            _ => (None, None),
        };
        if let Some(up) = up {
            tracing::info!(connected = up, error = error.as_deref(), "WebSocket link");
            app.live(|live| {
                live.link_up = Some(up);
                live.link_error = error;
            });
            app.publish_connection();
        }
        if matches!(s, WsStatus::Stopped) {
            return;
        }
    }
}

/// Turns the agent's events into JSON lines, call tasks, history records.
async fn pump_events(app: Arc<App>, mut events: AgentEvents, mode: SipMode) {
    while let Some(event) = events.next().await {
        match event {
            AgentEvent::Registration { event, report, .. } => {
                app.emit_line(&to_json_line(&report));
                let extension = report.account.to_string();
                app.live(|live| {
                    let entry = live.registrations.entry(extension).or_default();
                    entry.registered = report.state == RegistrationState::Registered;
                    match &event {
                        RegistrationEvent::Registered { .. } => {
                            entry.last_error = None;
                            entry.auth_rejected = false;
                        }
                        RegistrationEvent::Failed(error) => {
                            entry.last_error = Some(error.to_string());
                            entry.auth_rejected =
                                matches!(error, RegistrationError::AuthRejected { .. });
                        }
                        _ => {}
                    }
                });
                app.refresh_extensions();
                app.publish_connection();
            }
            AgentEvent::Incoming(incoming) => on_incoming(&app, incoming, mode).await,
            AgentEvent::Call(event) => {
                let mut event = event;
                let id = event.call().id.to_string();
                if let CallEvent::Ended { call, .. } = &mut event {
                    call.recording = existing_recording(&app, &id).map(Into::into);
                }
                app.emit_line(&to_json_line(&event));
                app.live(|live| {
                    if matches!(event, CallEvent::Ended { .. }) {
                        live.calls.remove(&id);
                        live.hangups.remove(&id);
                    } else if live.calls.len() < MAX_ACTIVE_CALLS || live.calls.contains_key(&id) {
                        live.calls.insert(id.clone(), event.call().clone());
                    }
                });
                app.refresh_extensions();
            }
            AgentEvent::Completed(mut completed) => {
                let id = completed.call_id.to_string();
                completed.recording = existing_recording(&app, &id);
                let note = json!({"type": "completed", "call_id": id, "disposition": completed.disposition});
                if let Ok(mut history) = app.history.lock() {
                    let _ = history.record(*completed);
                }
                app.console.hub().publish(&note);
            }
            _ => {}
        }
    }
}

/// The file name of the call's recording, when there is one.
fn existing_recording(app: &App, call_id: &str) -> Option<String> {
    let name = call_recording_name(call_id);
    app.ivr.recordings.join(&name).is_file().then_some(name)
}

async fn on_incoming(app: &Arc<App>, incoming: IncomingSipCall, mode: SipMode) {
    let call = incoming.call;
    let id = call.call_id().to_owned();
    let (tx, rx) = mpsc::channel(1);
    let room = app
        .live(|live| {
            if live.hangups.len() >= MAX_ACTIVE_CALLS {
                return false;
            }
            live.hangups.insert(id.clone(), tx);
            true
        })
        .unwrap_or(false);
    if !room {
        let _ = call.reject(486).await;
        return;
    }
    match mode {
        SipMode::Native => {
            let app = app.clone();
            let context = IvrCallContext {
                settings: app.ivr.clone(),
                emit: Arc::new(move |line: Value| app.emit_line(&line.to_string())),
            };
            tokio::spawn(run_ivr_call(call, context, rx));
        }
        SipMode::WebSocket => {
            tokio::spawn(ring_only(call, rx));
        }
    }
}

/// WebSocket mode: the call rings (signalling only) until the caller gives up or a
/// `DELETE /calls/{id}` refuses it.
async fn ring_only(mut call: SipCall, mut hangup: mpsc::Receiver<()>) {
    let _ = call.ringing().await;
    loop {
        tokio::select! {
            update = call.next_update() => match update {
                Some(CallUpdate::Ended { .. }) | None => return,
                Some(_) => {}
            },
            request = hangup.recv() => {
                if request.is_some() {
                    let _ = call.reject(480).await;
                }
            }
        }
    }
}

/// What [`SettingsTarget::prepare`] decided.
enum Prepared {
    /// The SIP settings did not change.
    Keep,
    /// Start this configuration in place of the running one.
    Restart(SipConfig),
}

impl SettingsTarget for App {
    type Prepared = Prepared;

    fn prepare(&self, _current: &PbxConfig, next: &PbxConfig) -> Result<Prepared, FieldError> {
        let Some(sip) = &next.sip else {
            return Err(FieldError::new(
                "SIP_USERS",
                "is required: pjsip-service registers SIP extensions",
            ));
        };
        if self.sip().as_ref() == Some(sip) {
            return Ok(Prepared::Keep);
        }
        check_sip(sip)?;
        Ok(Prepared::Restart(sip.clone()))
    }

    async fn commit(&self, prepared: Prepared) -> Vec<Section> {
        let Prepared::Restart(sip) = prepared else {
            return Vec::new();
        };
        let Some(app) = self.me.upgrade() else {
            return Vec::new();
        };
        let mut runtime = app.runtime.lock().await;
        if let Some(old) = runtime.take() {
            old.stop().await;
        }
        if let Ok(mut now) = app.sip.lock() {
            *now = sip.clone();
        }
        app.live(|live| {
            live.extensions.clear();
            live.registrations.clear();
        });
        app.console.hub().publish(&json!({
            "type": "connection",
            "connected": false,
            "restarting": true,
            "pbx": App::target_of(&sip),
            "last_error": null,
            "login_refused": false,
            "ts": format_rfc3339(SystemTime::now()),
        }));
        match start_runtime(&app, &sip).await {
            Ok(started) => *runtime = Some(started),
            Err(e) => {
                tracing::error!(error = %e, "the new SIP settings did not start");
                app.live(|live| live.link_error = Some(e.to_string()));
                app.publish_connection();
            }
        }
        vec![Section::Sip]
    }

    async fn abort(&self, _prepared: Prepared) {}
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let Startup {
        store,
        sip,
        addr,
        access,
        ivr,
        local,
    } = match configure() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("pjsip-service: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "pjsip-service: configuration error: HTTP_ADDR: cannot listen on {addr}: {e}"
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Some(path) = store.path() {
        tracing::info!(path = %path.display(), "settings file");
    }
    let mut info = ConsoleInfo::new("pjsip-service");
    info.sections = vec![Section::Sip];
    info.recordings = true;
    let console = Console::new(info, access);
    let app = Arc::new_cyclic(|me| App {
        me: me.clone(),
        runtime: tokio::sync::Mutex::new(None),
        sip: Mutex::new(sip.clone()),
        live: Mutex::new(Live::default()),
        history: Mutex::new(MemoryHistory::default()),
        console: console.clone(),
        ivr,
        local,
    });
    match start_runtime(&app, &sip).await {
        Ok(runtime) => *app.runtime.lock().await = Some(runtime),
        Err(e) => {
            eprintln!("pjsip-service: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    }

    let api = Router::new()
        .route("/calls", get(active_calls).post(click_to_call))
        .route("/calls/history", get(history))
        .route("/calls/{id}", delete(hangup))
        .route("/extensions", get(extensions))
        .route("/recordings", get(recordings))
        .route("/recordings/{name}", get(recording))
        .with_state(app.clone())
        .merge(settings::routes(Arc::new(store), app.clone()));
    let router = Router::new()
        .route("/health", get(health))
        .with_state(app.clone())
        .merge(console.protect(api))
        .merge(console.router());
    tracing::info!(%addr, token = console.access().token_required(), "HTTP API and console listening");
    let hub = console.hub().clone();
    let stopping = async move {
        shutdown_signal().await;
        hub.close();
    };
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(stopping)
        .await;
    if let Some(runtime) = app.runtime.lock().await.take() {
        runtime.stop().await;
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pjsip-service: HTTP server failed: {e}");
            ExitCode::from(1)
        }
    }
}

async fn health(State(app): State<Arc<App>>) -> Response {
    match app.sip() {
        Some(sip) => Json(app.health_of(&sip)).into_response(),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "settings unavailable"),
    }
}

async fn active_calls(State(app): State<Arc<App>>) -> Json<Value> {
    let mut calls: Vec<Call> = app
        .live(|live| live.calls.values().cloned().collect())
        .unwrap_or_default();
    calls.sort_by_key(|c| c.started_at);
    Json(json!(calls))
}

async fn history(State(app): State<Arc<App>>, Query(p): Query<HistoryParams>) -> Response {
    match app.history.lock() {
        Ok(h) => history_page(&h, p),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "history unavailable"),
    }
}

/// Click-to-call: one of our extensions calls `from`; once `from` answers, the call is
/// transferred (REFER) to `to`.
async fn click_to_call(State(app): State<Arc<App>>, Json(req): Json<ClickToCall>) -> Response {
    if !is_dialable(&req.from) || !is_dialable(&req.to) {
        return error(
            StatusCode::BAD_REQUEST,
            "from and to must be extensions or numbers",
        );
    }
    let (agent, account, native) = {
        let runtime = app.runtime.lock().await;
        let Some(rt) = runtime.as_ref() else {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the SIP user agent is restarting",
            );
        };
        let account = rt
            .accounts
            .iter()
            .find(|(_, ext)| *ext != req.from)
            .or(rt.accounts.first())
            .map(|(a, _)| *a);
        let Some(account) = account else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "no SIP account");
        };
        (
            rt.agent.clone(),
            account,
            rt.config.mode() == SipMode::Native,
        )
    };
    let media = if native {
        MediaOptions::rtp()
    } else {
        MediaOptions::default()
    };
    let mut call = match agent
        .call(CallRequest::new(account, req.from.clone()).media(media))
        .await
    {
        Ok(call) => call,
        Err(e) => return error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    };
    let call_id = call.call_id().to_owned();
    let outcome = tokio::time::timeout(CLICK_TO_CALL_WAIT, async {
        loop {
            match call.next_update().await {
                Some(CallUpdate::Answered) => {
                    if let Err(e) = call.transfer(req.to.clone()).await {
                        return Err((None, e.to_string()));
                    }
                }
                Some(CallUpdate::Transfer(TransferProgress::Accepted)) => return Ok(()),
                Some(CallUpdate::Transfer(TransferProgress::Refused { code })) => {
                    return Err((Some(code), "the transfer was refused".into()));
                }
                Some(CallUpdate::Ended { code, reason, .. }) => {
                    return Err((code, format!("the call ended: {reason:?}")));
                }
                None => return Err((None, "the user agent stopped".into())),
                Some(_) => {}
            }
        }
    })
    .await;
    match outcome {
        Ok(Ok(())) => {
            // The transfer goes on; our leg ends when it is done or the PBX hangs it up.
            tokio::spawn(async move {
                while let Some(update) = call.next_update().await {
                    match update {
                        CallUpdate::Transfer(TransferProgress::Status { done: true, .. }) => {
                            let _ = call.hangup().await;
                        }
                        CallUpdate::Ended { .. } => return,
                        _ => {}
                    }
                }
            });
            Json(json!({"status": "answered", "from": req.from, "to": req.to, "call_id": call_id}))
                .into_response()
        }
        Ok(Err((code, text))) => {
            let _ = call.hangup().await;
            (
                StatusCode::BAD_GATEWAY,
                Json(json!({
                    "error": "click-to-call failed",
                    "reason": code,
                    "reason_text": text,
                    "from": req.from,
                    "to": req.to,
                })),
            )
                .into_response()
        }
        Err(_) => {
            let _ = call.hangup().await;
            error(StatusCode::GATEWAY_TIMEOUT, "nobody answered in time")
        }
    }
}

async fn hangup(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let sender = app.live(|live| live.hangups.get(&id).cloned()).flatten();
    match sender {
        Some(tx) if tx.send(()).await.is_ok() => {
            Json(json!({"status": "ok", "call_id": id})).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "no such active call"),
    }
}

async fn extensions(State(app): State<Arc<App>>) -> Json<Value> {
    let users = app.sip().map(|s| s.users).unwrap_or_default();
    let list: Vec<Value> = app
        .live(|live| {
            users
                .iter()
                .map(|u| {
                    let status = extension_status(live, &u.extension);
                    json!({
                        "extension": u.extension,
                        "name": u.display_name,
                        "status": status.state.as_str(),
                        "registered": status.registered,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Json(json!(list))
}

async fn recordings(State(app): State<Arc<App>>) -> Response {
    match list_recordings(&app.ivr.recordings) {
        Ok(list) => Json(json!(list)).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

async fn recording(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    let Some(name) = recording_name_ok(&name) else {
        return error(StatusCode::NOT_FOUND, "no such recording");
    };
    let path: PathBuf = app.ivr.recordings.join(name);
    let file = match tokio::fs::File::open(&path).await {
        Ok(f) => f,
        Err(_) => return error(StatusCode::NOT_FOUND, "no such recording"),
    };
    let length = file.metadata().await.map(|m| m.len()).ok();
    let mut response = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("audio/wav"),
    );
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, header::HeaderValue::from(length));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_states_follow_calls_and_registration() {
        let mut live = Live::default();
        assert_eq!(
            extension_status(&live, "1001").state,
            ExtensionState::Unavailable
        );
        live.registrations.insert(
            "1001".into(),
            Registration {
                registered: true,
                ..Registration::default()
            },
        );
        assert_eq!(extension_status(&live, "1001").state, ExtensionState::Idle);
        let mut call = Call::new("c1", yeastar_calls::Source::Sip, SystemTime::now());
        call.extension = Some("1001".into());
        call.state = CallState::Ringing;
        live.calls.insert("c1".into(), call.clone());
        assert_eq!(
            extension_status(&live, "1001").state,
            ExtensionState::Ringing
        );
        call.state = CallState::Answered;
        live.calls.insert("c1".into(), call);
        assert_eq!(extension_status(&live, "1001").state, ExtensionState::InUse);
        assert_eq!(
            extension_status(&live, "1002").state,
            ExtensionState::Unavailable
        );
    }
}
