//! `yeastar-service`: watches a Yeastar/Asterisk PBX over AMI.
//!
//! - stdout: one JSON object per line for every call event and extension status change:
//!   `{"type":"call","event":"ringing|answered|held|resumed|transferred|ended","call_id":…,"from":…,"to":…,"direction":…,"ts":…}`
//!   (`ended` adds `cause`, `duration_s`, `billsec_s`) and
//!   `{"type":"extension","extension":…,"status":…,"registered":…,"ts":…}`;
//! - stderr: logs (`RUST_LOG`);
//! - HTTP on `HTTP_ADDR`: the web console at `/` (live calls and extensions pushed over
//!   `GET /events`, history, click-to-call, hang-up, settings), `GET /health`, `GET /calls`,
//!   `GET /calls/history`, `POST /calls` `{"from","to"}` (click-to-call, answers when the
//!   `OriginateResponse` arrives), `DELETE /calls/{id}` (hangup), `GET /extensions`,
//!   `GET /settings`, `PUT /settings` (saved to `SETTINGS_FILE`, applied by restarting the AMI
//!   connection in-process), `GET /console/softphone` (the console's softphone: the
//!   `SIP_USERS` extensions it may register over `SIP_WEBSOCKET_URL`).
//!
//! Configuration: `YEASTAR_HOST`, `YEASTAR_PORT` (5038), `YEASTAR_USERNAME`,
//! `YEASTAR_PASSWORD`, `YEASTAR_TLS`, `YEASTAR_CA_FILE`, `YEASTAR_CONTEXT` (dialplan context
//! for click-to-call, `from-internal`), `SETTINGS_FILE` (its values win over the environment's),
//! `HTTP_ADDR` (`127.0.0.1:8080`), `CONSOLE_TOKEN` (required off loopback), `SIP_WEBSOCKET_URL`,
//! `SIP_USERS` and `SOFTPHONE_EXTENSIONS` (the console's softphone), `RUST_LOG`.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::watch;
use yeastar_ami::Action;
use yeastar_ami::actions::originate_reason_text;
use yeastar_ami::calls::{CallHistory, MemoryHistory, format_rfc3339, to_json_line};
use yeastar_ami::client::{AmiClient, ClientError};
use yeastar_ami::monitor::{AmiEvent, LinkError};
use yeastar_ami::session::ActionError;
use yeastar_core::config::{AmiConfig, PbxConfig};
use yeastar_examples::api::{
    ClickToCall, HistoryParams, error, history_page, is_dialable, print_line,
};
use yeastar_examples::console::{
    Access, Console, ConsoleInfo, FieldError, Section, SettingsStore, SettingsTarget, Softphone,
    settings,
};
use yeastar_examples::sip::shutdown_signal;
use yeastar_examples::{ConfigError, http_addr_from_env, init_logging};

struct App {
    /// The AMI client in use; replaced when the settings change the connection.
    client: watch::Sender<AmiClient>,
    /// The AMI settings in force (the target, the click-to-call context).
    ami: Mutex<AmiConfig>,
    history: Mutex<MemoryHistory>,
    console: Console,
}

impl App {
    fn client(&self) -> AmiClient {
        self.client.borrow().clone()
    }

    fn ami(&self) -> Option<AmiConfig> {
        self.ami.lock().ok().map(|a| a.clone())
    }

    fn target(&self) -> String {
        self.ami()
            .map(|a| format!("{}:{}", a.host, a.port))
            .unwrap_or_default()
    }
}

/// The configuration, or the message naming the variable at fault.
struct Startup {
    store: SettingsStore,
    ami: AmiConfig,
    addr: std::net::SocketAddr,
    access: Access,
}

fn configure() -> Result<Startup, ConfigError> {
    let store = SettingsStore::from_env(&[Section::Ami])?;
    let ami = store.config().ami.ok_or(ConfigError {
        variable: "YEASTAR_HOST",
        reason: "is required (see the README's yeastar-service section)".into(),
    })?;
    let addr = http_addr_from_env()?;
    let access = Access::from_env(addr)?;
    Ok(Startup {
        store,
        ami,
        addr,
        access,
    })
}

/// True when both settings reach the same PBX as the same user (the context is read per call).
fn same_connection(a: &AmiConfig, b: &AmiConfig) -> bool {
    (&a.host, a.port, &a.username, &a.password, a.tls, &a.ca_file)
        == (&b.host, b.port, &b.username, &b.password, b.tls, &b.ca_file)
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let Startup {
        store,
        ami,
        addr,
        access,
    } = match configure() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("yeastar-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    // The PBX may be down or rebooting, or start after this service: the client keeps trying
    // with backoff while the HTTP API serves /health from the start.
    let client = match AmiClient::start(ami.client_config()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("yeastar-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(target = %format!("{}:{}", ami.host, ami.port), "connecting to the PBX");
    if let Some(path) = store.path() {
        tracing::info!(path = %path.display(), "settings file");
    }
    let mut info = ConsoleInfo::new("yeastar-service");
    info.sections = vec![Section::Ami];
    let console = Console::new(info, access);
    let app = Arc::new(App {
        client: watch::Sender::new(client),
        ami: Mutex::new(ami),
        history: Mutex::new(MemoryHistory::default()),
        console: console.clone(),
    });
    tokio::spawn(pump_events(app.clone()));
    let store = Arc::new(store);
    let softphone = match Softphone::from_env(store.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("yeastar-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };

    let api = Router::new()
        .route("/calls", get(active_calls).post(click_to_call))
        .route("/calls/history", get(history))
        .route("/calls/{id}", delete(hangup))
        .route("/extensions", get(extensions))
        .with_state(app.clone())
        .merge(settings::routes(store, app.clone()))
        .merge(softphone.routes());
    let router = Router::new()
        .route("/health", get(health))
        .with_state(app.clone())
        .merge(console.protect(api))
        .merge(console.router());
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("yeastar-service: HTTP_ADDR: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(%addr, token = console.access().token_required(), "HTTP API and console listening");
    let hub = console.hub().clone();
    let shutdown = async move {
        shutdown_signal().await;
        // Open event streams would keep the graceful shutdown waiting.
        hub.close();
    };
    match axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yeastar-service: HTTP server failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// What [`SettingsTarget::prepare`] started.
enum Prepared {
    /// Same PBX and user: only the context may change.
    Keep(AmiConfig),
    /// A new client, already connecting.
    Restart(AmiClient, AmiConfig),
}

impl SettingsTarget for App {
    type Prepared = Prepared;

    fn prepare(&self, _current: &PbxConfig, next: &PbxConfig) -> Result<Prepared, FieldError> {
        let Some(ami) = &next.ami else {
            return Err(FieldError::new(
                "YEASTAR_HOST",
                "is required: yeastar-service watches the PBX over AMI",
            ));
        };
        if self.ami().is_some_and(|now| same_connection(&now, ami)) {
            return Ok(Prepared::Keep(ami.clone()));
        }
        match AmiClient::start(ami.client_config()) {
            Ok(client) => Ok(Prepared::Restart(client, ami.clone())),
            Err(e) => Err(FieldError::new(
                if ami.ca_file.is_some() {
                    "YEASTAR_CA_FILE"
                } else {
                    "YEASTAR_TLS"
                },
                e.to_string(),
            )),
        }
    }

    async fn commit(&self, prepared: Prepared) -> Vec<Section> {
        match prepared {
            Prepared::Keep(ami) => {
                if let Ok(mut now) = self.ami.lock() {
                    *now = ami;
                }
                Vec::new()
            }
            Prepared::Restart(client, ami) => {
                let target = format!("{}:{}", ami.host, ami.port);
                if let Ok(mut now) = self.ami.lock() {
                    *now = ami;
                }
                let old = self.client.send_replace(client);
                tracing::info!(%target, "settings changed: reconnecting to the PBX");
                self.console.hub().publish(&json!({
                    "type": "connection",
                    "connected": false,
                    "restarting": true,
                    "pbx": target,
                    "last_error": null,
                    "login_refused": false,
                    "ts": format_rfc3339(SystemTime::now()),
                }));
                old.close().await;
                vec![Section::Ami]
            }
        }
    }

    async fn abort(&self, prepared: Prepared) {
        if let Prepared::Restart(client, _) = prepared {
            client.close().await;
        }
    }
}

/// Reads the events of whichever client is in use: a settings change swaps it.
async fn pump_events(app: Arc<App>) {
    let mut current = app.client.subscribe();
    loop {
        let client = current.borrow_and_update().clone();
        loop {
            tokio::select! {
                event = client.next_event() => match event {
                    Some(event) => handle_event(&app, event),
                    // Closed: the next client is on its way (or the service is stopping).
                    None => {
                        if current.changed().await.is_err() {
                            return;
                        }
                        break;
                    }
                },
                changed = current.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

/// The JSON line of a connection change, pushed to the console (stdout keeps its schema).
fn connection_line(
    app: &App,
    connected: bool,
    error: Option<&LinkError>,
    retry_in: Option<Duration>,
) -> Value {
    let status = app.client().status();
    json!({
        "type": "connection",
        "connected": connected,
        "pbx": app.target(),
        "version": status.version,
        "legacy": status.legacy,
        "last_error": error.map(ToString::to_string),
        "login_refused": matches!(error, Some(LinkError::LoginRefused(_))),
        "retry_in_s": retry_in.map(|d| d.as_secs()),
        "ts": format_rfc3339(SystemTime::now()),
    })
}

/// Turns client events into JSON lines (stdout and the console), history records and
/// connection changes.
fn handle_event(app: &App, event: AmiEvent) {
    let hub = app.console.hub();
    match event {
        AmiEvent::Call(event) => {
            let line = to_json_line(&event);
            print_line(&line);
            hub.publish_line(&line);
        }
        AmiEvent::Extension(event) => {
            let line = to_json_line(&event);
            print_line(&line);
            hub.publish_line(&line);
        }
        AmiEvent::Completed(call) => {
            let note = json!({
                "type": "completed",
                "call_id": call.call_id,
                "disposition": call.disposition,
            });
            if let Ok(mut h) = app.history.lock() {
                let _ = h.record(*call);
            }
            // The record comes after the call's `ended` line (once the PBX's CDRs are merged):
            // the console reloads its history on this.
            hub.publish(&note);
        }
        AmiEvent::Connected {
            legacy,
            reconnected,
            version,
        } => {
            tracing::info!(legacy, reconnected, %version, "logged in");
            let mut line = connection_line(app, true, None, None);
            line["version"] = json!(version);
            line["legacy"] = json!(legacy);
            hub.publish(&line);
        }
        AmiEvent::ConnectFailed {
            error, retry_in, ..
        } => {
            match &error {
                LinkError::LoginRefused(message) => tracing::error!(
                    %message,
                    retry_in_s = retry_in.map(|d| d.as_secs()),
                    "the PBX refused the login: check YEASTAR_USERNAME and YEASTAR_PASSWORD, and \
                     the manager user's permit/deny lists"
                ),
                _ if retry_in.is_none() => tracing::error!(%error, "giving up on the PBX"),
                // The client logs each failed attempt (once per backoff step).
                _ => {}
            }
            hub.publish(&connection_line(app, false, Some(&error), retry_in));
        }
        AmiEvent::Disconnected { error, retry_in } => {
            hub.publish(&connection_line(app, false, Some(&error), retry_in));
        }
        AmiEvent::Lagged { missed } => tracing::warn!(missed, "event consumer lagged"),
        AmiEvent::Synced(r) => {
            if r.reconnected {
                tracing::info!(
                    ended = r.report.ended.len(),
                    opened = r.report.opened.len(),
                    "resynced after reconnect"
                );
            }
            // The calls and extensions read at login are in: the console reloads them.
            let mut line = connection_line(app, true, None, None);
            line["synced"] = json!(true);
            hub.publish(&line);
        }
        AmiEvent::FrameRefused(e) => tracing::warn!(error = %e, "frame refused"),
        _ => {}
    }
}

async fn health(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let client = app.client();
    let stats = client.stats();
    let status = client.status();
    let active_calls = client.calls().await.map_or(0, |c| c.len());
    let login_refused = matches!(status.last_error, Some(LinkError::LoginRefused(_)));
    Json(json!({
        "status": "ok",
        "connected": status.connected,
        "pbx": app.target(),
        "legacy": status.legacy,
        "version": status.version,
        "last_error": status.last_error.as_ref().map(ToString::to_string),
        "login_refused": login_refused,
        "failed_attempts": status.failed_attempts,
        "active_calls": active_calls,
        "events_received": stats.events_received,
        "events_lagged": stats.events_lagged,
        "reconnects": stats.reconnects,
    }))
}

async fn active_calls(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    Json(json!(app.client().calls().await.unwrap_or_default()))
}

async fn history(State(app): State<Arc<App>>, Query(p): Query<HistoryParams>) -> Response {
    match app.history.lock() {
        Ok(h) => history_page(&h, p),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "history unavailable"),
    }
}

async fn click_to_call(State(app): State<Arc<App>>, Json(req): Json<ClickToCall>) -> Response {
    if !is_dialable(&req.from) || !is_dialable(&req.to) {
        return error(
            StatusCode::BAD_REQUEST,
            "from and to must be extensions or numbers",
        );
    }
    let client = app.client();
    let tech = if client.status().legacy == Some(true) {
        "SIP"
    } else {
        "PJSIP"
    };
    let context = app
        .ami()
        .map(|a| a.context)
        .unwrap_or_else(|| "from-internal".into());
    let action = Action::new("Originate")
        .field("Channel", format!("{tech}/{}", req.from))
        .field("Exten", req.to.clone())
        .field("Context", context)
        .field("Priority", "1")
        // The name tells the ringing phone whom it is about to call; the number stays the
        // caller so the call is tracked and billed as made by `from`.
        .field("CallerID", format!("\"Call {}\" <{}>", req.to, req.from))
        .field("Async", "true");
    match client.send(action).await {
        Ok(reply) => {
            let event = reply.originate.as_ref().map(|f| f.message());
            let uniqueid = event
                .as_ref()
                .and_then(|m| m.get("Uniqueid"))
                .map(str::to_string);
            let channel = event
                .as_ref()
                .and_then(|m| m.get("Channel"))
                .map(str::to_string);
            (
                StatusCode::OK,
                Json(json!({"status": "answered", "from": req.from, "to": req.to, "call_id": uniqueid, "channel": channel})),
            )
                .into_response()
        }
        Err(ClientError::Action(ActionError::OriginateFailed { reason, .. })) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({
                "error": "originate failed",
                "reason": reason,
                "reason_text": originate_reason_text(reason),
                "from": req.from,
                "to": req.to,
            })),
        )
            .into_response(),
        Err(ClientError::Action(ActionError::Refused { message, .. })) => {
            error(StatusCode::BAD_GATEWAY, &format!("PBX refused: {message}"))
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

async fn hangup(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let client = app.client();
    let Ok(Some(call)) = client.call(&id).await else {
        return error(StatusCode::NOT_FOUND, "no such active call");
    };
    let mut hung_up = Vec::new();
    let mut refusals = Vec::new();
    for channel in call.legs.iter().filter(|c| !c.hung_up) {
        let action = Action::new("Hangup").field("Channel", channel.name.to_string());
        match client.send(action).await {
            Ok(_) => hung_up.push(channel.name.to_string()),
            Err(e) => {
                tracing::warn!(channel = %channel.name, error = %e, "hangup failed");
                refusals.push(format!("{}: {e}", channel.name));
            }
        }
    }
    if hung_up.is_empty() {
        return (
            StatusCode::BAD_GATEWAY,
            Json(json!({
                "error": "no channel of the call could be hung up",
                "reason_text": refusals.join("; "),
            })),
        )
            .into_response();
    }
    Json(json!({"status": "ok", "call_id": id, "hung_up": hung_up})).into_response()
}

async fn extensions(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let list: Vec<_> = app
        .client()
        .extensions()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(ext, s)| json!({"extension": ext, "status": s.state.as_str(), "registered": s.registered}))
        .collect();
    Json(json!(list))
}
