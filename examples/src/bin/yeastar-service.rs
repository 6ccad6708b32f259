//! `yeastar-service`: watches a Yeastar/Asterisk PBX over AMI.
//!
//! - stdout: one JSON object per line for every call event and extension status change:
//!   `{"type":"call","event":"ringing|answered|held|resumed|transferred|ended","call_id":…,"from":…,"to":…,"direction":…,"ts":…}`
//!   (`ended` adds `cause`, `duration_s`, `billsec_s`) and
//!   `{"type":"extension","extension":…,"status":…,"registered":…,"ts":…}`;
//! - stderr: logs (`RUST_LOG`);
//! - HTTP on `HTTP_ADDR`: `GET /health`, `GET /calls`, `GET /calls/history`, `POST /calls`
//!   `{"from","to"}` (click-to-call, answers when the `OriginateResponse` arrives),
//!   `DELETE /calls/{id}` (hangup), `GET /extensions`.
//!
//! Configuration: `YEASTAR_HOST`, `YEASTAR_PORT` (5038), `YEASTAR_USERNAME`,
//! `YEASTAR_PASSWORD`, `YEASTAR_TLS`, `YEASTAR_CA_FILE`, `YEASTAR_CONTEXT` (dialplan context
//! for click-to-call, `from-internal`), `HTTP_ADDR` (`127.0.0.1:8080`), `RUST_LOG`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use yeastar_ami::Action;
use yeastar_ami::calls::{CallHistory, HistoryQuery, MemoryHistory, to_json_line};
use yeastar_ami::client::{AmiClient, ClientError};
use yeastar_ami::monitor::{AmiEvent, LinkError};
use yeastar_ami::session::ActionError;
use yeastar_examples::{ami_config_from_env, http_addr_from_env, init_logging};

struct App {
    client: AmiClient,
    history: Mutex<MemoryHistory>,
    context: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let (config, addr) = match (ami_config_from_env(), http_addr_from_env()) {
        (Ok(c), Ok(a)) => (c, a),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("yeastar-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let context = std::env::var("YEASTAR_CONTEXT")
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "from-internal".into());
    let target = format!("{}:{}", config.host, config.port);
    // The PBX may be down or rebooting, or start after this service: the client keeps trying
    // with backoff while the HTTP API serves /health from the start.
    let client = match AmiClient::start(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("yeastar-service: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(%target, "connecting to the PBX");
    let app = Arc::new(App {
        client,
        history: Mutex::new(MemoryHistory::default()),
        context,
    });
    tokio::spawn(pump_events(app.clone()));

    let router = Router::new()
        .route("/health", get(health))
        .route("/calls", get(active_calls).post(click_to_call))
        .route("/calls/history", get(history))
        .route("/calls/{id}", delete(hangup))
        .route("/extensions", get(extensions))
        .with_state(app);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("yeastar-service: HTTP_ADDR: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::info!(%addr, "HTTP API listening");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
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

fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Turns client events into JSON lines and history records.
async fn pump_events(app: Arc<App>) {
    while let Some(event) = app.client.next_event().await {
        match event {
            AmiEvent::Call(event) => print_line(&to_json_line(&event)),
            AmiEvent::Extension(event) => print_line(&to_json_line(&event)),
            AmiEvent::Completed(call) => {
                if let Ok(mut h) = app.history.lock() {
                    let _ = h.record(*call);
                }
            }
            AmiEvent::Connected {
                legacy,
                reconnected,
                version,
            } => tracing::info!(legacy, reconnected, %version, "logged in"),
            AmiEvent::ConnectFailed {
                error: LinkError::LoginRefused(message),
                retry_in,
                ..
            } => tracing::error!(
                %message,
                retry_in_s = retry_in.map(|d| d.as_secs()),
                "the PBX refused the login: check YEASTAR_USERNAME and YEASTAR_PASSWORD, and the \
                 manager user's permit/deny lists"
            ),
            AmiEvent::ConnectFailed {
                retry_in: None,
                error,
                ..
            } => tracing::error!(%error, "giving up on the PBX"),
            // The client logs each failed attempt (once per backoff step).
            AmiEvent::ConnectFailed { .. } | AmiEvent::Disconnected { .. } => {}
            AmiEvent::Lagged { missed } => tracing::warn!(missed, "event consumer lagged"),
            AmiEvent::Synced(r) if r.reconnected => tracing::info!(
                ended = r.report.ended.len(),
                opened = r.report.opened.len(),
                "resynced after reconnect"
            ),
            AmiEvent::FrameRefused(e) => tracing::warn!(error = %e, "frame refused"),
            _ => {}
        }
    }
}

async fn health(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let stats = app.client.stats();
    let status = app.client.status();
    let active_calls = app.client.calls().await.map_or(0, |c| c.len());
    let login_refused = matches!(status.last_error, Some(LinkError::LoginRefused(_)));
    Json(json!({
        "status": "ok",
        "connected": status.connected,
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
    Json(json!(app.client.calls().await.unwrap_or_default()))
}

#[derive(Deserialize)]
struct HistoryParams {
    /// Unix seconds.
    since: Option<u64>,
    /// Unix seconds.
    until: Option<u64>,
    extension: Option<String>,
    number: Option<String>,
    limit: Option<usize>,
}

async fn history(State(app): State<Arc<App>>, Query(p): Query<HistoryParams>) -> Response {
    let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    let mut query = HistoryQuery::default();
    query.since = p.since.map(at);
    query.until = p.until.map(at);
    query.extension = p.extension;
    query.number = p.number;
    query.limit = p.limit.unwrap_or(100).min(10_000);
    let Ok(h) = app.history.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "history unavailable");
    };
    match h.query(&query) {
        Ok(calls) => Json(json!(calls)).into_response(),
        Err(e) => match e {},
    }
}

#[derive(Deserialize)]
struct ClickToCall {
    from: String,
    to: String,
}

fn is_dialable(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+*#-_.".contains(c))
}

async fn click_to_call(State(app): State<Arc<App>>, Json(req): Json<ClickToCall>) -> Response {
    if !is_dialable(&req.from) || !is_dialable(&req.to) {
        return error(
            StatusCode::BAD_REQUEST,
            "from and to must be extensions or numbers",
        );
    }
    let tech = if app.client.status().legacy == Some(true) {
        "SIP"
    } else {
        "PJSIP"
    };
    let action = Action::new("Originate")
        .field("Channel", format!("{tech}/{}", req.from))
        .field("Exten", req.to.clone())
        .field("Context", app.context.clone())
        .field("Priority", "1")
        // The name tells the ringing phone whom it is about to call; the number stays the
        // caller so the call is tracked and billed as made by `from`.
        .field("CallerID", format!("\"Call {}\" <{}>", req.to, req.from))
        .field("Async", "true");
    match app.client.send(action).await {
        Ok(reply) => {
            let event = reply.originate.as_ref().map(|f| f.message());
            let uniqueid = event.as_ref().and_then(|m| m.get("Uniqueid")).map(str::to_string);
            let channel = event.as_ref().and_then(|m| m.get("Channel")).map(str::to_string);
            (
                StatusCode::OK,
                Json(json!({"status": "answered", "from": req.from, "to": req.to, "call_id": uniqueid, "channel": channel})),
            )
                .into_response()
        }
        Err(ClientError::Action(ActionError::OriginateFailed { reason, .. })) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({"error": "originate failed", "reason": reason, "from": req.from, "to": req.to})),
        )
            .into_response(),
        Err(ClientError::Action(ActionError::Refused { message, .. })) => {
            error(StatusCode::BAD_GATEWAY, &format!("PBX refused: {message}"))
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, &e.to_string()),
    }
}

async fn hangup(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Ok(Some(call)) = app.client.call(&id).await else {
        return error(StatusCode::NOT_FOUND, "no such active call");
    };
    let mut hung_up = Vec::new();
    for channel in call.legs.iter().filter(|c| !c.hung_up) {
        let action = Action::new("Hangup").field("Channel", channel.name.to_string());
        match app.client.send(action).await {
            Ok(_) => hung_up.push(channel.name.to_string()),
            Err(e) => tracing::warn!(channel = %channel.name, error = %e, "hangup failed"),
        }
    }
    if hung_up.is_empty() {
        return error(
            StatusCode::BAD_GATEWAY,
            "no channel of the call could be hung up",
        );
    }
    Json(json!({"status": "ok", "call_id": id, "hung_up": hung_up})).into_response()
}

async fn extensions(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let list: Vec<_> = app
        .client
        .extensions()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(ext, s)| json!({"extension": ext, "status": s.state.as_str(), "registered": s.registered}))
        .collect();
    Json(json!(list))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}
