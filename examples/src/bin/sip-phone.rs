//! `sip-phone`: a command-line SIP phone on yeastar-sip's user agent (what pjsua is to PJSIP).
//!
//! ```text
//! sip-phone register
//! sip-phone call URI [--duration S] [--play WAV] [--record WAV] [--dtmf DIGITS]
//! sip-phone answer [--count N] [--record DIR]
//! ```
//!
//! Configured by `SIP_SERVER`, `SIP_PORT`, `SIP_TRANSPORT` (`UDP`, `TCP`, `TLS`, `WS` or
//! `WSS`), `SIP_USERS` (the first entry is the account), `SIP_CA_FILE`,
//! `RTP_PORT_MIN`/`RTP_PORT_MAX`, and `SIP_LOCAL_ADDR` (the address to bind, `ip` or
//! `ip:port`; default: the address that routes to the server, any port).
//!
//! Over WebSocket (`SIP_TRANSPORT` `WS` or `WSS`, or `SIP_USE_WEBSOCKET=true`) signalling
//! goes to `SIP_WEBSOCKET_URL`, which wins over `SIP_SERVER`/`SIP_PORT` (default
//! `ws://SIP_SERVER:8088/ws`, `wss://SIP_SERVER:8089/ws`); wss is verified against the system
//! roots or `SIP_CA_FILE`. The digest uses the entry's WebSocket password (its 5th field) when
//! it has one. Media stays plain RTP from this process: a peer that insists on DTLS-SRTP and
//! ICE (WebRTC only) is refused with an error saying so. When the link comes back after a
//! loss, the account registers again.
//! stdout carries JSON lines only (registration and call events); logs go to stderr. Exit
//! codes: 0 success, 1 the call or registration failed, 2 a bad variable or argument.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, sleep_until, timeout};
use yeastar_core::config::{RawSettings, SipConfig, SipMode, SipTransport, SipUser};
use yeastar_examples::init_logging;
use yeastar_examples::sip::{
    FRAME, SipAgent, local_addr_from_env, shutdown_signal, start_agent, test_tone, user_part,
};
use yeastar_rtp::playback::Prompt;
use yeastar_rtp::recording::recording_path;
use yeastar_sip::driver::{
    AgentEvent, AgentEvents, CallRequest, CallUpdate, MediaOptions, SipCall, UserAgent,
};
use yeastar_sip::ua::{AccountConfig, AccountHandle, EndReason, RegistrationEvent, TransportKind};
use yeastar_ws::WsStatus;

/// Longest wait for the registrar's first answer.
const REGISTER_WAIT: Duration = Duration::from_secs(15);
/// Longest wait for a call to be answered.
const ANSWER_WAIT: Duration = Duration::from_secs(60);

/// Exit code for a bad variable or argument.
const EXIT_CONFIG: u8 = 2;

#[derive(Debug)]
enum Action {
    Register,
    Call {
        uri: String,
        duration: Duration,
        play: Option<PathBuf>,
        record: Option<PathBuf>,
        dtmf: Option<String>,
    },
    Answer {
        count: usize,
        record: Option<PathBuf>,
    },
}

const USAGE: &str = "usage: sip-phone register | call URI [--duration S] [--play WAV] [--record WAV] [--dtmf DIGITS] | answer [--count N] [--record DIR]";

fn parse_args(args: &[String]) -> Result<Action, String> {
    let (command, rest) = args.split_first().ok_or(USAGE)?;
    let mut positional = Vec::new();
    let mut options = std::collections::HashMap::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let value = it.next().ok_or(format!("--{name} needs a value"))?;
            options.insert(name.to_owned(), value.clone());
        } else {
            positional.push(arg.clone());
        }
    }
    let allowed: &[&str] = match command.as_str() {
        "register" => &[],
        "call" => &["duration", "play", "record", "dtmf"],
        "answer" => &["count", "record"],
        other => return Err(format!("unknown command {other:?}; {USAGE}")),
    };
    if let Some(unknown) = options.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(format!("unknown option --{unknown} for {command}"));
    }
    let path = |name: &str| options.get(name).map(PathBuf::from);
    match command.as_str() {
        "register" => Ok(Action::Register),
        "call" => {
            let [uri] = positional.as_slice() else {
                return Err(format!("call needs one URI; {USAGE}"));
            };
            let duration = match options.get("duration") {
                Some(s) => s
                    .parse::<f64>()
                    .ok()
                    .filter(|d| d.is_finite() && *d >= 0.0 && *d <= 86_400.0)
                    .map(Duration::from_secs_f64)
                    .ok_or(format!("--duration {s:?} is not a number of seconds"))?,
                None => Duration::from_secs(10),
            };
            let dtmf = options.get("dtmf").cloned();
            if let Some(d) = &dtmf
                && !d
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D'))
            {
                return Err(format!("--dtmf {d:?}: digits 0-9, *, #, A-D only"));
            }
            Ok(Action::Call {
                uri: uri.clone(),
                duration,
                play: path("play"),
                record: path("record"),
                dtmf,
            })
        }
        _ => {
            let count = match options.get("count") {
                Some(s) => s
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or(format!("--count {s:?} is not a positive number"))?,
                None => 1,
            };
            Ok(Action::Answer {
                count,
                record: path("record"),
            })
        }
    }
}

/// Everything the phone needs from the environment.
struct Settings {
    sip: SipConfig,
    user: SipUser,
    local: Option<SocketAddr>,
}

fn settings() -> Result<Settings, String> {
    let raw = RawSettings::from_env().map_err(|e| e.to_string())?;
    let config = raw.resolve().map_err(|e| e.to_string())?;
    let sip = config
        .sip
        .ok_or("SIP_USERS: is required (ext:password:auth_user:Display Name)")?;
    if sip.server.is_none() && sip.mode() == SipMode::Native {
        return Err("SIP_SERVER: is required (the registrar's host)".into());
    }
    let user = sip.users.first().cloned().ok_or("SIP_USERS: no entry")?;
    let local = local_addr_from_env().map_err(|e| e.to_string())?;
    Ok(Settings { sip, user, local })
}

fn now_ts() -> String {
    yeastar_calls::format_rfc3339(SystemTime::now())
}

struct Phone {
    agent: UserAgent,
    events: AgentEvents,
    /// The account; a new handle each time it registers again after the link recovers.
    account: watch::Receiver<AccountHandle>,
    user: String,
    server: String,
    transport: TransportKind,
    link: Option<tokio::task::JoinHandle<()>>,
}

impl Phone {
    async fn start(settings: &Settings) -> Result<Phone, (u8, String)> {
        let sip = &settings.sip;
        let SipAgent {
            agent,
            events,
            proxy,
            domain: server,
            status,
        } = start_agent(sip, settings.local)
            .await
            .map_err(|e| (EXIT_CONFIG, e.to_string()))?;
        let account = settings.user.account(&server, proxy, sip.transport);
        let handle = agent
            .register(account.clone())
            .await
            .map_err(|e| (1, e.to_string()))?;
        let (account_tx, account_rx) = watch::channel(handle);
        let link = status
            .map(|status| tokio::spawn(follow_link(agent.clone(), account, account_tx, status)));
        Ok(Phone {
            agent,
            events,
            account: account_rx,
            user: settings.user.extension.clone(),
            server,
            transport: transport_kind(sip.transport),
            link,
        })
    }

    /// Prints registration lines; `Some(true)` once registered, `Some(false)` on failure.
    fn on_event(&self, event: &AgentEvent) -> Option<bool> {
        match event {
            AgentEvent::Registration { event, report, .. } => {
                println!("{}", yeastar_calls::to_json_line(report));
                match event {
                    RegistrationEvent::Registered { .. } => Some(true),
                    RegistrationEvent::Failed(_) => Some(false),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    async fn wait_registered(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + REGISTER_WAIT;
        loop {
            let event = timeout(
                deadline.saturating_duration_since(Instant::now()),
                self.events.next(),
            )
            .await
            .map_err(|_| "no answer from the registrar".to_owned())?
            .ok_or("the user agent stopped")?;
            match self.on_event(&event) {
                Some(true) => return Ok(()),
                Some(false) => return Err("registration failed".into()),
                None => {}
            }
        }
    }

    /// Unregisters, closes and prints what the registrar said.
    async fn stop(mut self) {
        if let Some(link) = self.link.take() {
            link.abort();
        }
        self.agent.shutdown().await;
        while let Ok(Some(event)) = timeout(Duration::from_millis(100), self.events.next()).await {
            self.on_event(&event);
        }
    }

    /// The `source` of call lines: `sip`, or `websocket` over WS/WSS.
    fn source(&self) -> &'static str {
        if self.transport.is_websocket() {
            "websocket"
        } else {
            "sip"
        }
    }

    fn target(&self, uri: &str) -> String {
        if uri.starts_with("sip:") || uri.starts_with("sips:") {
            uri.to_owned()
        } else {
            let host = if self.server.contains(':') && !self.server.starts_with('[') {
                format!("[{}]", self.server)
            } else {
                self.server.clone()
            };
            format!("sip:{uri}@{host}")
        }
    }
}

/// The transport kind of `SIP_TRANSPORT`, WebSocket ones included.
fn transport_kind(transport: SipTransport) -> TransportKind {
    match transport {
        SipTransport::Ws => TransportKind::Ws,
        SipTransport::Wss => TransportKind::Wss,
        other => other.native_kind(),
    }
}

/// Follows the WebSocket link: logs its losses, and registers the account again once the
/// flow is recovered (the registrar's binding was on the flow that ended).
async fn follow_link(
    agent: UserAgent,
    account: AccountConfig,
    handle: watch::Sender<AccountHandle>,
    mut status: broadcast::Receiver<WsStatus>,
) {
    loop {
        let s = match status.recv().await {
            Ok(s) => s,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        match s {
            WsStatus::Connected { .. } => tracing::info!("WebSocket connected"),
            WsStatus::Disconnected {
                error, retry_in, ..
            } => {
                tracing::warn!(error = ?error, ?retry_in, "WebSocket lost");
            }
            WsStatus::ConnectFailed { error, .. } => {
                tracing::warn!(%error, "WebSocket connection failed");
            }
            WsStatus::Recovered { attempts, .. } => {
                tracing::info!(attempts, "WebSocket recovered; registering again");
                let old = *handle.borrow();
                if let Err(e) = agent.unregister(old).await {
                    tracing::debug!(error = %e, "old binding not removed");
                }
                match agent.register(account.clone()).await {
                    Ok(new) => {
                        let _ = handle.send(new);
                    }
                    Err(e) => tracing::warn!(error = %e, "registering again failed"),
                }
            }
            WsStatus::Stopped => return,
            _ => {}
        }
    }
}

/// Prints call lines as the call goes.
struct CallPrinter {
    call_id: String,
    from: String,
    to: String,
    source: &'static str,
}

/// One `call` line, its fields in the schema's order.
#[derive(serde::Serialize)]
struct CallLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event: &'a str,
    call_id: &'a str,
    source: &'static str,
    from: &'a str,
    to: &'a str,
    code: Option<u16>,
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packets_sent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packets_received: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lost: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jitter_ms: Option<f64>,
    ts: String,
}

impl CallPrinter {
    fn line<'a>(
        &'a self,
        event: &'a str,
        code: Option<u16>,
        reason: Option<&'a str>,
    ) -> CallLine<'a> {
        CallLine {
            kind: "call",
            event,
            call_id: &self.call_id,
            source: self.source,
            from: &self.from,
            to: &self.to,
            code,
            reason,
            packets_sent: None,
            packets_received: None,
            lost: None,
            jitter_ms: None,
            ts: now_ts(),
        }
    }

    fn emit(line: &CallLine<'_>) {
        println!("{}", serde_json::to_string(line).unwrap_or_default());
    }

    fn print(&self, event: &str, code: Option<u16>, reason: Option<&str>) {
        Self::emit(&self.line(event, code, reason));
    }

    /// Prints the update; returns the end (reason, code) when it is the last one.
    fn on_update(&self, update: &CallUpdate) -> Option<(EndReason, Option<u16>)> {
        match update {
            CallUpdate::Trying => self.print("trying", Some(100), None),
            CallUpdate::Ringing { code } | CallUpdate::EarlyMedia { code } => {
                self.print("ringing", Some(*code), None);
            }
            CallUpdate::Answered => self.print("answered", Some(200), None),
            CallUpdate::Ended { reason, code, rtp } => {
                let mut line = self.line("ended", *code, Some(reason_text(*reason)));
                let rtp = rtp.unwrap_or_default();
                line.packets_sent = Some(rtp.packets_sent);
                line.packets_received = Some(rtp.packets_received);
                line.lost = Some(rtp.lost);
                line.jitter_ms = Some((rtp.jitter_ms * 100.0).round() / 100.0);
                Self::emit(&line);
                return Some((*reason, *code));
            }
            CallUpdate::Dtmf { digit } => tracing::info!(%digit, "DTMF received"),
            other => tracing::debug!(?other, "call update"),
        }
        None
    }
}

fn reason_text(reason: EndReason) -> &'static str {
    match reason {
        EndReason::LocalHangup => "local_hangup",
        EndReason::RemoteHangup => "remote_hangup",
        EndReason::Cancelled => "cancelled",
        EndReason::RemoteCancelled => "remote_cancelled",
        EndReason::Rejected => "rejected",
        EndReason::Declined => "declined",
        EndReason::Timeout => "timeout",
        EndReason::TransportError => "transport_error",
        EndReason::AuthFailed => "auth_failed",
        EndReason::AckTimeout => "ack_timeout",
        EndReason::SessionExpired => "session_expired",
        EndReason::DialogGone => "dialog_gone",
        EndReason::Shutdown => "shutdown",
        _ => "other",
    }
}

/// 8 kHz samples to send: the WAV, or a 1 kHz tone at -12 dBFS.
fn audio_source(play: Option<&Path>) -> Result<Arc<Vec<i16>>, String> {
    match play {
        Some(path) => Prompt::open(path)
            .map(|p| Arc::new(p.samples().to_vec()))
            .map_err(|e| format!("--play {}: {e}", path.display())),
        None => Ok(Arc::new(test_tone())),
    }
}

/// Sends `samples` in a loop, paced at 20 ms, until the call's media stops.
fn spawn_audio(call: &SipCall, samples: Arc<Vec<i16>>) -> Option<tokio::task::JoinHandle<()>> {
    if samples.is_empty() {
        return None;
    }
    let call_media = call.media_sender();
    Some(tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut offset = 0usize;
        loop {
            tick.tick().await;
            let frame: Vec<i16> = (0..FRAME)
                .map(|i| {
                    samples
                        .get((offset + i) % samples.len())
                        .copied()
                        .unwrap_or(0)
                })
                .collect();
            offset = (offset + FRAME) % samples.len();
            if call_media.send_audio(frame).is_err() && !call_media.is_running() {
                return;
            }
        }
    }))
}

async fn run_call(
    phone: &mut Phone,
    uri: &str,
    duration: Duration,
    play: Option<PathBuf>,
    record: Option<PathBuf>,
    dtmf: Option<String>,
) -> Result<bool, (u8, String)> {
    let samples = audio_source(play.as_deref()).map_err(|e| (EXIT_CONFIG, e))?;
    let record_dir = match &record {
        Some(path) => {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(format!(".sip-phone-{}", std::process::id()));
            std::fs::create_dir_all(&dir)
                .map_err(|e| (1, format!("--record {}: {e}", dir.display())))?;
            Some(dir)
        }
        None => None,
    };
    let mut media = MediaOptions::rtp();
    if let Some(dir) = &record_dir {
        media = media.record(dir.clone());
    }
    let target = phone.target(uri);
    let mut call = phone
        .agent
        .call(CallRequest::new(*phone.account.borrow(), target.clone()).media(media))
        .await
        .map_err(|e| (1, e.to_string()))?;
    let printer = CallPrinter {
        call_id: call.call_id().to_owned(),
        from: phone.user.clone(),
        to: target,
        source: phone.source(),
    };
    let mut answered = false;
    let mut audio = None;
    let mut hangup_at = Instant::now() + ANSWER_WAIT;
    let mut dtmf_at: Option<Instant> = None;
    let end = loop {
        let wake = dtmf_at.map_or(hangup_at, |d| d.min(hangup_at));
        tokio::select! {
            update = call.next_update() => {
                let Some(update) = update else { break (EndReason::Shutdown, None) };
                if matches!(update, CallUpdate::Answered) {
                    answered = true;
                    hangup_at = Instant::now() + duration;
                    if dtmf.is_some() {
                        dtmf_at = Some(Instant::now() + Duration::from_millis(500));
                    }
                }
                if matches!(update, CallUpdate::MediaStarted { .. }) {
                    audio = spawn_audio(&call, samples.clone());
                }
                if let Some(end) = printer.on_update(&update) {
                    break end;
                }
            }
            () = sleep_until(wake) => {
                if dtmf_at.is_some_and(|d| d <= Instant::now()) {
                    dtmf_at = None;
                    if let Some(digits) = &dtmf && let Err(e) = call.send_dtmf(digits).await {
                        tracing::warn!(error = %e, "DTMF not sent");
                    }
                } else {
                    if let Err(e) = call.hangup().await {
                        tracing::warn!(error = %e, "hangup");
                    }
                    hangup_at = Instant::now() + ANSWER_WAIT;
                }
            }
            event = phone.events.next() => {
                if let Some(event) = event {
                    phone.on_event(&event);
                }
            }
        }
    };
    if let Some(task) = audio {
        task.abort();
    }
    if let (Some(path), Some(dir)) = (&record, &record_dir) {
        let file = recording_path(dir, printer.call_id.as_str());
        if let Err(e) = std::fs::rename(&file, path) {
            tracing::warn!(error = %e, "recording not saved to {}", path.display());
        }
        let _ = std::fs::remove_dir_all(dir);
    }
    let clean = answered && matches!(end.0, EndReason::LocalHangup | EndReason::RemoteHangup);
    Ok(clean)
}

async fn run_answer(
    phone: &mut Phone,
    count: usize,
    record: Option<PathBuf>,
) -> Result<bool, (u8, String)> {
    if let Some(dir) = &record {
        std::fs::create_dir_all(dir)
            .map_err(|e| (EXIT_CONFIG, format!("--record {}: {e}", dir.display())))?;
    }
    let samples = audio_source(None).map_err(|e| (1, e))?;
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<bool>(count.max(1));
    let mut accepted = 0;
    let mut done = 0;
    let mut all_clean = true;
    while done < count {
        tokio::select! {
            event = phone.events.next() => match event {
                Some(AgentEvent::Incoming(incoming)) if accepted < count => {
                    accepted += 1;
                    let mut media = MediaOptions::rtp();
                    if let Some(dir) = &record {
                        media = media.record(dir.clone());
                    }
                    let printer = CallPrinter {
                        call_id: incoming.call.call_id().to_owned(),
                        from: user_part(&incoming.from),
                        to: incoming.dialled.clone().unwrap_or_else(|| user_part(&incoming.to)),
                        source: phone.source(),
                    };
                    tokio::spawn(answer_one(incoming.call, printer, media, samples.clone(), done_tx.clone()));
                }
                Some(AgentEvent::Incoming(incoming)) => {
                    let _ = incoming.call.reject(486).await;
                }
                Some(other) => { phone.on_event(&other); }
                None => return Err((1, "the user agent stopped".into())),
            },
            Some(clean) = done_rx.recv() => {
                done += 1;
                all_clean &= clean;
            }
        }
    }
    Ok(all_clean)
}

/// Answers one call, sends the tone, prints its lines; reports whether it ended cleanly.
async fn answer_one(
    mut call: SipCall,
    printer: CallPrinter,
    media: MediaOptions,
    samples: Arc<Vec<i16>>,
    done: tokio::sync::mpsc::Sender<bool>,
) {
    printer.print("ringing", Some(180), None);
    let _ = call.ringing().await;
    if let Err(e) = call.answer(media).await {
        // Printed whole: it says what the offer lacks (a DTLS-SRTP-only WebRTC peer).
        eprintln!("sip-phone: call {} not answered: {e}", printer.call_id);
    }
    let mut audio = None;
    let mut clean = false;
    while let Some(update) = call.next_update().await {
        if matches!(update, CallUpdate::MediaStarted { .. }) {
            audio = spawn_audio(&call, samples.clone());
        }
        if let Some((reason, _)) = printer.on_update(&update) {
            clean = matches!(reason, EndReason::LocalHangup | EndReason::RemoteHangup);
            break;
        }
    }
    if let Some(task) = audio {
        task.abort();
    }
    let _ = done.send(clean).await;
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let action = match parse_args(&args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("sip-phone: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let settings = match settings() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sip-phone: configuration error: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let mut phone = match Phone::start(&settings).await {
        Ok(p) => p,
        Err((code, e)) => {
            eprintln!("sip-phone: {e}");
            return ExitCode::from(code);
        }
    };
    let registered = phone.wait_registered().await;
    let result = match (&action, registered) {
        (_, Err(e)) => Err((1, e)),
        (Action::Register, Ok(())) => {
            tokio::select! {
                () = shutdown_signal() => {}
                () = async { while let Some(event) = phone.events.next().await { phone.on_event(&event); } } => {}
            }
            Ok(true)
        }
        (
            Action::Call {
                uri,
                duration,
                play,
                record,
                dtmf,
            },
            Ok(()),
        ) => {
            let uri = uri.clone();
            let (play, record, dtmf) = (play.clone(), record.clone(), dtmf.clone());
            tokio::select! {
                r = run_call(&mut phone, &uri, *duration, play, record, dtmf) => r,
                () = shutdown_signal() => Ok(false),
            }
        }
        (Action::Answer { count, record }, Ok(())) => {
            let record = record.clone();
            tokio::select! {
                r = run_answer(&mut phone, *count, record) => r,
                () = shutdown_signal() => Ok(true),
            }
        }
    };
    phone.stop().await;
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err((code, e)) => {
            eprintln!("sip-phone: {e}");
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn commands_parse() {
        assert!(matches!(
            parse_args(&args("register")),
            Ok(Action::Register)
        ));
        let Ok(Action::Call {
            uri,
            duration,
            dtmf,
            ..
        }) = parse_args(&args("call 1002 --duration 2.5 --dtmf 12#"))
        else {
            panic!("call")
        };
        assert_eq!(
            (uri.as_str(), duration, dtmf.as_deref()),
            ("1002", Duration::from_millis(2500), Some("12#"))
        );
        assert!(matches!(
            parse_args(&args("answer --count 3")),
            Ok(Action::Answer { count: 3, .. })
        ));
        assert!(parse_args(&args("call")).is_err());
        assert!(parse_args(&args("call 1 --dtmf 1x")).is_err());
        assert!(parse_args(&args("answer --bogus 1")).is_err());
        assert!(parse_args(&args("dance")).is_err());
    }
}
