//! The doctor: the troubleshooting checklist of a deployment, run against a PBX, each step
//! with its outcome and, when it fails, the fix.
//!
//! ```no_run
//! # async fn demo() -> Result<(), yeastar_core::config::ConfigError> {
//! use yeastar_core::config::PbxConfig;
//!
//! let report = yeastar_core::diagnose::run(&PbxConfig::from_env()?).await;
//! print!("{report}");
//! std::process::exit(if report.passed() { 0 } else { 1 });
//! # }
//! ```
//!
//! | check | what it does | what a failure usually means |
//! |---|---|---|
//! | `ami_port` | TCP connect to `YEASTAR_HOST:YEASTAR_PORT` | refused: the manager is disabled (or another port); timed out: a firewall |
//! | `ami_tls` | TLS handshake, certificate verified against the roots or `YEASTAR_CA_FILE` | unknown CA, expired, or not issued for the host name |
//! | `ami_banner` | the `Asterisk Call Manager/…` greeting | something else listens there, or an IP filter closes the connection |
//! | `ami_login` | `Login` (MD5 challenge, else plain) | wrong user or secret, or the user's `permit`/`deny` refuses this address (Asterisk answers both alike) |
//! | `ami_read` | `CoreShowChannels` (the queries a reconnect resyncs with: class `reporting` or `system`) | the user lacks `write = reporting` |
//! | `ami_write` | `Hangup` of a channel that does not exist (class `call`) | the user lacks `write = call` |
//! | `ami_originate` | `Originate` without a channel (class `originate`; nothing is dialled) | the user lacks `write = originate` (click-to-call) |
//! | `ws_connect` | TCP connect to the WebSocket URL's host and port | HTTP server off (Yeastar/Asterisk `http.conf`), firewall |
//! | `ws_tls` | TLS of `wss://`: certificate validity and name | as above |
//! | `ws_upgrade` | the HTTP upgrade of the URL's path | wrong path (`/ws`), WebSocket not enabled (`res_http_websocket`) |
//! | `ws_subprotocol` | the server agrees to `Sec-WebSocket-Protocol: sip` | the server is not a SIP WebSocket endpoint |
//! | `sip_options` | an `OPTIONS` to the server over the configured transport | no answer: firewall, port, or the PBX blocks this address |
//! | `sip_register` | `REGISTER` of the first `SIP_USERS` entry with its password for the transport | the password (SIP or WebSocket one) is wrong; the other one is tried to say which |
//! | `rtp_ports` | binds every UDP port of `RTP_PORT_MIN..=RTP_PORT_MAX` (native mode) | another process holds them |
//!
//! A check that cannot run because an earlier one failed is [`Outcome::Skipped`] with the
//! reason. Nothing is left behind: the AMI session logs off, the registration is removed.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use yeastar_ami::Action;
use yeastar_ami::session::{ActionError, AmiSession, SessionConfig, SessionEvent};
use yeastar_sip::driver::{
    AgentConfig, AgentEvent, FlowIds, Transport, TransportCommand, TransportEvent, UserAgent,
    local_ip_towards, resolve,
};
use yeastar_sip::ua::{
    AccountConfig, RegistrationError, RegistrationEvent, Remote, Transmit, TransportKind,
};
use yeastar_ws::{WsClient, WsError};

use crate::config::{AmiConfig, PbxConfig, SipConfig, SipTransport, SipUser};

/// Default longest wait of one step (a connect, an answer): 5 s.
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest banner line read before deciding the port does not speak AMI: 1 KiB.
const MAX_BANNER_LEN: usize = 1024;

/// How the doctor runs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Longest wait of one step ([`DEFAULT_STEP_TIMEOUT`]).
    pub step_timeout: Duration,
    /// Local address for SIP and RTP; `None`: the address that routes to the PBX.
    pub local_ip: Option<IpAddr>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            step_timeout: DEFAULT_STEP_TIMEOUT,
            local_ip: None,
        }
    }
}

impl Options {
    /// Sets the longest wait of one step.
    #[must_use]
    pub fn with_step_timeout(mut self, timeout: Duration) -> Options {
        self.step_timeout = timeout;
        self
    }

    /// Sets the local address for SIP and RTP.
    #[must_use]
    pub fn with_local_ip(mut self, ip: IpAddr) -> Options {
        self.local_ip = Some(ip);
        self
    }
}

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// It worked; `detail` says what was seen.
    Pass {
        /// What was seen (the banner, the status code).
        detail: String,
    },
    /// It did not work.
    Fail {
        /// What went wrong, as observed.
        reason: String,
        /// What to change.
        fix: String,
    },
    /// It did not run.
    Skipped {
        /// Why (not configured, or an earlier check failed).
        why: String,
    },
}

/// One step of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Check {
    /// Stable identifier (`ami_login`), for machines.
    pub id: &'static str,
    /// What is checked, for people.
    pub name: String,
    /// How it went.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl Check {
    fn pass(id: &'static str, name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            id,
            name: name.into(),
            outcome: Outcome::Pass {
                detail: detail.into(),
            },
        }
    }

    fn fail(
        id: &'static str,
        name: impl Into<String>,
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            id,
            name: name.into(),
            outcome: Outcome::Fail {
                reason: reason.into(),
                fix: fix.into(),
            },
        }
    }

    fn skip(id: &'static str, name: impl Into<String>, why: impl Into<String>) -> Check {
        Check {
            id,
            name: name.into(),
            outcome: Outcome::Skipped { why: why.into() },
        }
    }

    /// True unless it failed.
    pub fn is_ok(&self) -> bool {
        !matches!(self.outcome, Outcome::Fail { .. })
    }
}

/// Every check, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// True when no check failed.
    pub passed: bool,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    fn new(checks: Vec<Check>) -> Report {
        Report {
            passed: checks.iter().all(Check::is_ok),
            checks,
        }
    }

    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.passed
    }

    /// The check with this id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.is_ok())
    }

    /// The report as one JSON object (`{"passed":…,"checks":[{"id","name","outcome",…}]}`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            match &check.outcome {
                Outcome::Pass { detail } => writeln!(f, "PASS  {}: {detail}", check.name)?,
                Outcome::Fail { reason, fix } => {
                    writeln!(f, "FAIL  {}: {reason}", check.name)?;
                    writeln!(f, "      fix: {fix}")?;
                }
                Outcome::Skipped { why } => writeln!(f, "SKIP  {}: {why}", check.name)?,
            }
        }
        let failed = self.failures().count();
        if failed == 0 {
            writeln!(f, "all {} checks passed or skipped", self.checks.len())
        } else {
            writeln!(f, "{failed} of {} checks failed", self.checks.len())
        }
    }
}

/// Runs every check that `config` configures, with default [`Options`].
pub async fn run(config: &PbxConfig) -> Report {
    run_with(config, &Options::default()).await
}

/// Runs every check that `config` configures.
pub async fn run_with(config: &PbxConfig, options: &Options) -> Report {
    let mut checks = Vec::new();
    match &config.ami {
        Some(ami) => ami_checks(ami, options, &mut checks).await,
        None => checks.push(Check::skip(
            "ami_port",
            "AMI",
            "not configured (YEASTAR_HOST unset)",
        )),
    }
    match &config.sip {
        Some(sip) => sip_checks(sip, options, &mut checks).await,
        None => checks.push(Check::skip(
            "sip_options",
            "SIP",
            "not configured (SIP_SERVER/SIP_USERS unset)",
        )),
    }
    Report::new(checks)
}

// ---------------------------------------------------------------------------------------
// AMI

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The AMI checks after `first`, skipped because of it.
fn skip_ami_from(first: usize, why: &str, checks: &mut Vec<Check>) {
    for &(id, name) in AMI_CHECKS.iter().skip(first) {
        checks.push(Check::skip(id, name, why));
    }
}

const AMI_CHECKS: [(&str, &str); 7] = [
    ("ami_port", "AMI port reachable"),
    ("ami_tls", "AMI TLS certificate"),
    ("ami_banner", "AMI banner"),
    ("ami_login", "AMI login"),
    ("ami_read", "AMI query permission (CoreShowChannels)"),
    ("ami_write", "AMI call control permission (Hangup)"),
    ("ami_originate", "AMI click-to-call permission (Originate)"),
];

async fn ami_checks(ami: &AmiConfig, options: &Options, checks: &mut Vec<Check>) {
    let limit = options.step_timeout;
    let addr = format!("{}:{}", ami.host, ami.port);
    let (id, name) = AMI_CHECKS[0];
    let tcp = match tokio::time::timeout(limit, TcpStream::connect(&addr)).await {
        Ok(Ok(tcp)) => {
            let local = tcp
                .local_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default();
            checks.push(Check::pass(
                id,
                name,
                format!("{addr} accepted the connection (from {local})"),
            ));
            tcp
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            checks.push(Check::fail(
                id,
                name,
                format!("{addr} refused the connection: nothing listens there"),
                "enable the manager (manager.conf [general] enabled = yes and port; on Yeastar: \
                 the AMI switch of the API/AMI settings page), or set YEASTAR_PORT to its port \
                 (5038, 5039 with TLS)",
            ));
            return skip_ami_from(1, "the AMI port is not reachable", checks);
        }
        Ok(Err(e)) => {
            checks.push(Check::fail(
                id,
                name,
                format!("cannot connect to {addr}: {e}"),
                "check YEASTAR_HOST and the network route to the PBX",
            ));
            return skip_ami_from(1, "the AMI port is not reachable", checks);
        }
        Err(_) => {
            checks.push(Check::fail(
                id,
                name,
                format!("no answer from {addr} within {limit:?}"),
                "a firewall drops the connection: open the AMI port for this machine (on \
                 Yeastar also its firewall and auto-defense rules), or check YEASTAR_HOST",
            ));
            return skip_ami_from(1, "the AMI port is not reachable", checks);
        }
    };
    let _ = tcp.set_nodelay(true);
    let local_ip = tcp.local_addr().map(|a| a.ip()).ok();
    let (id, name) = AMI_CHECKS[1];
    let mut stream: Box<dyn Stream> = if ami.tls {
        match tls_handshake(tcp, &ami.host, ami.ca_file.as_deref(), limit).await {
            Ok(tls) => {
                checks.push(Check::pass(id, name, format!("verified for {}", ami.host)));
                tls
            }
            Err(failure) => {
                checks.push(Check::fail(
                    id,
                    name,
                    failure.reason,
                    format!("{} (YEASTAR_CA_FILE)", failure.fix),
                ));
                return skip_ami_from(2, "the TLS handshake failed", checks);
            }
        }
    } else {
        checks.push(Check::skip(id, name, "plain TCP (YEASTAR_TLS off)"));
        Box::new(tcp)
    };

    // Banner: the first line.
    let (id, name) = AMI_CHECKS[2];
    let mut buf = BytesMut::with_capacity(4096);
    let banner = read_line(&mut *stream, &mut buf, limit).await;
    match banner {
        BannerRead::Line(line) if line.contains("Call Manager/") => {
            checks.push(Check::pass(id, name, line));
        }
        BannerRead::Line(line) => {
            checks.push(Check::fail(
                id,
                name,
                format!("the port greets with {line:?}, not an AMI banner"),
                "YEASTAR_PORT names another service: use the AMI port (5038, 5039 with TLS)",
            ));
            return skip_ami_from(3, "no AMI banner", checks);
        }
        BannerRead::Closed => {
            checks.push(Check::fail(
                id,
                name,
                "the PBX closed the connection before greeting",
                "an IP filter refuses this address (Yeastar: AMI permitted IPs, auto-defense \
                 blacklist; fail2ban), or the manager's session limit is reached",
            ));
            return skip_ami_from(3, "no AMI banner", checks);
        }
        BannerRead::Silent => {
            checks.push(Check::fail(
                id,
                name,
                format!("no greeting within {limit:?}"),
                if ami.tls {
                    "YEASTAR_PORT may be a plain-TCP port: turn YEASTAR_TLS off or use 5039"
                } else {
                    "YEASTAR_PORT may be a TLS port: set YEASTAR_TLS=true, or use 5038"
                },
            ));
            return skip_ami_from(3, "no AMI banner", checks);
        }
    }

    // Login through the sans-IO session, fed what was read so far (the banner included).
    let mut config = SessionConfig::new(ami.username.clone(), ami.password.expose());
    config.events = Some("off".into());
    config.ping_interval = None;
    config.action_timeout = limit;
    config.action_id_prefix = "doctor".into();
    let mut session = Ami {
        session: AmiSession::new(config),
        stream,
        buf,
        limit,
    };
    let (id, name) = AMI_CHECKS[3];
    match session.login().await {
        Ok(()) => checks.push(Check::pass(
            id,
            name,
            format!("logged in as {}", ami.username),
        )),
        Err(LoginFailure::Refused(message)) => {
            let from = local_ip.map(|ip| ip.to_string()).unwrap_or_default();
            checks.push(Check::fail(
                id,
                name,
                format!(
                    "the PBX refused the login ({message:?}); Asterisk answers alike to a wrong \
                     user, a wrong secret and an address the user's permit/deny refuses"
                ),
                format!(
                    "check YEASTAR_USERNAME/YEASTAR_PASSWORD against the manager user \
                     (manager.conf [{user}] secret, or Yeastar's AMI user), and that its \
                     permit= lines include {from}, the address this machine connects from \
                     (Yeastar: AMI permitted IP)",
                    user = ami.username
                ),
            ));
            return skip_ami_from(4, "not logged in", checks);
        }
        Err(LoginFailure::Other(reason)) => {
            checks.push(Check::fail(
                id,
                name,
                reason,
                "check that YEASTAR_HOST:YEASTAR_PORT is the PBX's AMI and that it is not \
                 overloaded",
            ));
            return skip_ami_from(4, "not logged in", checks);
        }
    }

    let probes: [(usize, Action, &str, &str); 3] = [
        (4, Action::new("CoreShowChannels"), "", "reporting"),
        (
            5,
            Action::new("Hangup").field("Channel", "PJSIP/yeastar-doctor-no-such-channel"),
            "No such channel",
            "call",
        ),
        (
            6,
            Action::new("Originate"),
            "Channel not specified",
            "originate",
        ),
    ];
    for (index, action, harmless_error, class) in probes {
        let (id, name) = AMI_CHECKS[index];
        let action_name = action.name().to_owned();
        match session.send(action).await {
            Ok(()) => checks.push(Check::pass(id, name, format!("{action_name} answered"))),
            Err(ActionError::Refused { message, .. })
                if message.eq_ignore_ascii_case("Permission denied") =>
            {
                checks.push(Check::fail(
                    id,
                    name,
                    format!("{action_name}: Permission denied"),
                    format!(
                        "add {class} to the manager user's write= classes (manager.conf \
                         [{}] write = system,call,reporting,originate; on Yeastar: the AMI \
                         user's permissions)",
                        ami.username
                    ),
                ));
            }
            Err(ActionError::Refused { message, .. })
                if !harmless_error.is_empty() && message.eq_ignore_ascii_case(harmless_error) =>
            {
                checks.push(Check::pass(
                    id,
                    name,
                    format!("{action_name} allowed (answered {message:?}; nothing was done)"),
                ));
            }
            Err(ActionError::Refused { message, .. }) => {
                // Any other refusal means the permission check passed.
                checks.push(Check::pass(
                    id,
                    name,
                    format!("{action_name} allowed (answered {message:?})"),
                ));
            }
            Err(e) => checks.push(Check::fail(
                id,
                name,
                format!("{action_name}: {e}"),
                "the PBX did not answer in time: check its load and the network",
            )),
        }
    }
    session.logoff().await;
}

enum BannerRead {
    Line(String),
    Closed,
    Silent,
}

async fn read_line(stream: &mut dyn Stream, buf: &mut BytesMut, limit: Duration) -> BannerRead {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(end) = buf.iter().position(|b| *b == b'\n') {
            let line = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
            return BannerRead::Line(line);
        }
        if buf.len() >= MAX_BANNER_LEN {
            return BannerRead::Line(String::from_utf8_lossy(&buf[..64]).into_owned());
        }
        match tokio::time::timeout_at(deadline, stream.read_buf(buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return BannerRead::Closed,
            Ok(Ok(_)) => {}
            Err(_) => return BannerRead::Silent,
        }
    }
}

enum LoginFailure {
    Refused(String),
    Other(String),
}

/// An [`AmiSession`] over one stream, driven step by step.
struct Ami {
    session: AmiSession,
    stream: Box<dyn Stream>,
    buf: BytesMut,
    limit: Duration,
}

impl Ami {
    async fn flush(&mut self) -> std::io::Result<()> {
        while let Some(bytes) = self.session.poll_transmit() {
            self.stream.write_all(&bytes).await?;
        }
        Ok(())
    }

    /// Feeds input until `done` picks an event, or the deadline.
    async fn until<T>(
        &mut self,
        mut done: impl FnMut(SessionEvent) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = tokio::time::Instant::now() + self.limit;
        let mut fed = false;
        loop {
            if !fed {
                self.session.handle_input_buf(&mut self.buf, Instant::now());
                fed = true;
            }
            self.flush().await.map_err(|e| format!("write: {e}"))?;
            while let Some(event) = self.session.poll_event() {
                if let Some(result) = done(event) {
                    return Ok(result);
                }
            }
            if let Some(at) = self.session.poll_timeout()
                && at <= Instant::now()
            {
                self.session.handle_timeout(Instant::now());
                continue;
            }
            match tokio::time::timeout_at(deadline, self.stream.read_buf(&mut self.buf)).await {
                Ok(Ok(0)) => return Err("the PBX closed the connection".into()),
                Ok(Ok(_)) => fed = false,
                Ok(Err(e)) => return Err(format!("read: {e}")),
                Err(_) => return Err(format!("no answer within {:?}", self.limit)),
            }
        }
    }

    async fn login(&mut self) -> Result<(), LoginFailure> {
        let outcome = self
            .until(|event| match event {
                SessionEvent::LoggedIn => Some(Ok(())),
                SessionEvent::AuthFailed { message } => Some(Err(message)),
                _ => None,
            })
            .await;
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(LoginFailure::Refused(message)),
            // Asterisk closes the session right after `Authentication failed`; a close
            // without it is not a refusal.
            Err(reason) => Err(LoginFailure::Other(reason)),
        }
    }

    async fn send(&mut self, action: Action) -> Result<(), ActionError> {
        let id = self.session.send(action, Instant::now())?;
        let outcome = self
            .until(|event| match event {
                SessionEvent::Reply { action_id, result } if action_id == id => Some(*result),
                _ => None,
            })
            .await;
        match outcome {
            Ok(result) => result.map(|_| ()),
            Err(_) => Err(ActionError::Timeout(self.limit)),
        }
    }

    async fn logoff(mut self) {
        if self
            .session
            .send(Action::new("Logoff"), Instant::now())
            .is_ok()
        {
            let _ = self.flush().await;
        }
        let _ = self.stream.shutdown().await;
    }
}

struct TlsFailure {
    reason: String,
    fix: String,
}

/// Classifies a TLS error text (rustls' certificate errors) into a reason and a fix.
fn tls_failure(host: &str, error: &str) -> TlsFailure {
    let (reason, fix) = if error.contains("NotValidForName") {
        (
            format!("the certificate is not issued for {host:?} ({error})"),
            format!(
                "connect by a name the certificate carries, or reissue it with {host} in its \
                 subjectAltName"
            ),
        )
    } else if error.contains("Expired") || error.contains("NotValidYet") {
        (
            format!("the certificate is out of its validity period ({error})"),
            "renew the PBX certificate (or fix the clock of this machine or the PBX)".into(),
        )
    } else if error.contains("UnknownIssuer") || error.contains("BadSignature") {
        (
            format!("the certificate is signed by a CA this machine does not trust ({error})"),
            "give the PBX's CA certificate (PEM) to trust".into(),
        )
    } else {
        (
            format!("TLS handshake failed: {error}"),
            "check that the port speaks TLS and the certificate is valid for the host".into(),
        )
    };
    TlsFailure { reason, fix }
}

async fn tls_handshake(
    tcp: TcpStream,
    host: &str,
    ca_file: Option<&std::path::Path>,
    limit: Duration,
) -> Result<Box<dyn Stream>, TlsFailure> {
    let mut options = yeastar_ws::TlsOptions::default();
    if let Some(ca) = ca_file {
        options = options.with_ca_file(ca);
    }
    let config = yeastar_ws::tls::client_config(&options).map_err(|e| TlsFailure {
        reason: e.to_string(),
        fix: "give a readable PEM file with the CA certificate".into(),
    })?;
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let name = rustls_pki_types::ServerName::try_from(bare).map_err(|_| TlsFailure {
        reason: format!("{host:?} is not a valid TLS server name"),
        fix: "use the host name or address the certificate is issued for".into(),
    })?;
    let connector = tokio_rustls::TlsConnector::from(config);
    match tokio::time::timeout(limit, connector.connect(name, tcp)).await {
        Ok(Ok(tls)) => Ok(Box::new(tls)),
        Ok(Err(e)) => Err(tls_failure(host, &format!("{e:?}"))),
        Err(_) => Err(TlsFailure {
            reason: format!("no TLS handshake within {limit:?}"),
            fix: "the port may not speak TLS: check the port and the TLS setting".into(),
        }),
    }
}

// ---------------------------------------------------------------------------------------
// SIP

fn transport_kind(transport: SipTransport) -> TransportKind {
    match transport {
        SipTransport::Udp => TransportKind::Udp,
        SipTransport::Tcp => TransportKind::Tcp,
        SipTransport::Tls => TransportKind::Tls,
        SipTransport::Ws => TransportKind::Ws,
        SipTransport::Wss => TransportKind::Wss,
    }
}

/// Where the SIP checks go: the host named in requests and the server's address.
struct SipTarget {
    host: String,
    remote: Remote,
    local_ip: IpAddr,
}

async fn sip_checks(sip: &SipConfig, options: &Options, checks: &mut Vec<Check>) {
    let kind = transport_kind(sip.transport);
    let target = if sip.transport.is_websocket() {
        let Some(url) = sip.websocket_url.clone() else {
            checks.push(Check::skip("ws_connect", "WebSocket", "no WebSocket URL"));
            return;
        };
        if !websocket_checks(sip, &url, options, checks).await {
            for (id, name) in [
                ("sip_options", "SIP OPTIONS"),
                ("sip_register", "SIP REGISTER"),
            ] {
                checks.push(Check::skip(id, name, "the WebSocket checks failed"));
            }
            checks.push(rtp_skipped());
            return;
        }
        let client = match ws_client(sip, &url, options).await {
            Ok(c) => c,
            Err(e) => {
                checks.push(Check::fail(
                    "sip_options",
                    "SIP OPTIONS",
                    e.to_string(),
                    "check SIP_WEBSOCKET_URL",
                ));
                return;
            }
        };
        let remote = client.remote();
        SipTarget {
            host: client.host().to_owned(),
            local_ip: options
                .local_ip
                .or_else(|| local_ip_towards(remote.addr))
                .unwrap_or(IpAddr::from([0, 0, 0, 0])),
            remote,
        }
    } else {
        let server = sip.server.clone().unwrap_or_default();
        match resolve(&server, sip.port, kind).await {
            Ok(remote) => SipTarget {
                local_ip: options
                    .local_ip
                    .or_else(|| local_ip_towards(remote.addr))
                    .unwrap_or(IpAddr::from([0, 0, 0, 0])),
                host: server,
                remote,
            },
            Err(e) => {
                checks.push(Check::fail(
                    "sip_options",
                    format!("SIP OPTIONS over {}", sip.transport),
                    e.to_string(),
                    "check SIP_SERVER (a name this machine resolves, or an address)",
                ));
                checks.push(Check::skip(
                    "sip_register",
                    "SIP REGISTER",
                    "the server does not resolve",
                ));
                checks.push(rtp_check(sip, options.local_ip));
                return;
            }
        }
    };
    let options_ok = options_check(sip, &target, options, checks).await;
    let user = sip.users.first();
    match user {
        Some(user) if options_ok => register_check(sip, user, &target, options, checks).await,
        Some(user) => checks.push(Check::skip(
            "sip_register",
            format!("SIP REGISTER as {}", user.extension),
            "the server did not answer OPTIONS",
        )),
        None => checks.push(Check::skip(
            "sip_register",
            "SIP REGISTER",
            "no SIP_USERS entry",
        )),
    }
    if sip.transport.is_websocket() {
        checks.push(rtp_skipped());
    } else {
        checks.push(rtp_check(sip, Some(target.local_ip)));
    }
}

async fn ws_client(sip: &SipConfig, url: &str, options: &Options) -> Result<WsClient, WsError> {
    let mut config = yeastar_ws::ClientConfig::new(url);
    if let Some(ca) = &sip.ca_file {
        config = config.with_ca_file(ca);
    }
    if let Some(ip) = options.local_ip {
        config = config.with_local_ip(ip);
    }
    config.connect_timeout = options.step_timeout;
    WsClient::new(config).await
}

const WS_CHECKS: [(&str, &str); 4] = [
    ("ws_connect", "WebSocket server reachable"),
    ("ws_tls", "WebSocket TLS certificate"),
    ("ws_upgrade", "HTTP upgrade to WebSocket"),
    ("ws_subprotocol", "WebSocket subprotocol sip"),
];

/// The WebSocket checks; true when all passed (or were skipped as not applicable).
async fn websocket_checks(
    sip: &SipConfig,
    url: &str,
    options: &Options,
    checks: &mut Vec<Check>,
) -> bool {
    let secure = sip.transport == SipTransport::Wss;
    let client = match ws_client(sip, url, options).await {
        Ok(c) => c,
        Err(e) => {
            let (id, name) = WS_CHECKS[0];
            let fix = match e {
                WsError::Resolve { .. } => "check the host of SIP_WEBSOCKET_URL (or SIP_SERVER)",
                WsError::CaFile { .. } | WsError::BadPem { .. } => {
                    "SIP_CA_FILE must be a readable PEM file with the CA certificate"
                }
                _ => "check SIP_WEBSOCKET_URL (ws://host:8088/ws or wss://host:8089/ws)",
            };
            checks.push(Check::fail(id, name, e.to_string(), fix));
            for &(id, name) in WS_CHECKS.iter().skip(1) {
                checks.push(Check::skip(id, name, "the WebSocket URL is not usable"));
            }
            return false;
        }
    };
    let addr = client.remote().addr;
    let outcome = client.check().await;
    // Which step failed: 0 TCP, 1 TLS, 2 upgrade, 3 subprotocol; 4 none.
    let (failed, reason, fix): (usize, String, String) = match &outcome {
        Ok(()) => (4, String::new(), String::new()),
        Err(e @ (WsError::Io { .. } | WsError::ConnectTimeout)) => (
            0,
            format!("{addr}: {e}"),
            "enable the PBX's HTTP server and WebSocket (Asterisk http.conf enabled = yes, \
             bindport 8088, tlsbindport 8089; Yeastar: WebRTC/WebSocket settings), open the \
             port in its firewall, or fix the port of SIP_WEBSOCKET_URL"
                .into(),
        ),
        Err(WsError::Tls(text)) => {
            let failure = tls_failure(client.host(), text);
            (1, failure.reason, format!("{} (SIP_CA_FILE)", failure.fix))
        }
        Err(e @ WsError::ServerName(_)) => (
            1,
            e.to_string(),
            "use the host name the certificate is issued for in SIP_WEBSOCKET_URL".into(),
        ),
        Err(WsError::HandshakeRejected { status }) => (
            2,
            format!("the server answered the upgrade with HTTP {status}"),
            if *status == 404 {
                "the path is wrong: Asterisk and Yeastar serve SIP over WebSocket at /ws".into()
            } else {
                "enable WebSocket on the PBX (Asterisk res_http_websocket and a transport of \
                 protocol ws/wss in pjsip.conf) and check the path of SIP_WEBSOCKET_URL"
                    .into()
            },
        ),
        Err(e @ WsError::Protocol(_)) => (
            2,
            e.to_string(),
            "the port answers but not as a WebSocket server: check the port (8088 ws, 8089 \
             wss) and the scheme of SIP_WEBSOCKET_URL"
                .into(),
        ),
        Err(WsError::SubprotocolRefused { status, offered }) => (
            3,
            format!(
                "the server refused the sip subprotocol (HTTP {status}, it offers {})",
                offered.as_deref().unwrap_or("none")
            ),
            "the URL is a WebSocket endpoint for something else: point SIP_WEBSOCKET_URL at \
             the PBX's SIP WebSocket (/ws), whose server must accept Sec-WebSocket-Protocol: sip"
                .into(),
        ),
        Err(e) => (
            2,
            e.to_string(),
            "check SIP_WEBSOCKET_URL and the PBX's WebSocket settings".into(),
        ),
    };
    for (index, &(id, name)) in WS_CHECKS.iter().enumerate() {
        let check = if index == 1 && !secure {
            Check::skip(id, name, "ws:// has no TLS")
        } else if index < failed {
            let detail = match index {
                0 => format!("{addr} accepted the connection"),
                1 => format!("verified for {}", client.host()),
                2 => "101 Switching Protocols".into(),
                _ => "sip".into(),
            };
            Check::pass(id, name, detail)
        } else if index == failed {
            Check::fail(id, name, reason.clone(), fix.clone())
        } else {
            Check::skip(id, name, "an earlier WebSocket step failed")
        };
        checks.push(check);
    }
    outcome.is_ok()
}

/// A fresh transport of the configured kind, bound to the local address.
async fn sip_transport(
    sip: &SipConfig,
    target: &SipTarget,
    options: &Options,
) -> Result<Box<dyn Transport>, String> {
    let local = SocketAddr::new(target.local_ip, 0);
    match sip.transport {
        SipTransport::Ws | SipTransport::Wss => {
            let url = sip.websocket_url.clone().unwrap_or_default();
            ws_client(sip, &url, options)
                .await
                .map(|t| Box::new(t) as Box<dyn Transport>)
                .map_err(|e| e.to_string())
        }
        _ => sip
            .bind_native_transport(&target.host, local)
            .await
            .map_err(|e| e.to_string()),
    }
}

fn random_token() -> String {
    format!("{:016x}", fastrand::u64(..))
}

/// An OPTIONS to the server, as a phone's keep-alive probe would send it.
fn options_request(
    sip: &SipConfig,
    target: &SipTarget,
    binding: &yeastar_sip::ua::LocalBinding,
) -> String {
    let host = if target.host.contains(':') && !target.host.starts_with('[') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    let sent_by = match binding.port {
        Some(port) if binding.host.contains(':') => format!("[{}]:{port}", binding.host),
        Some(port) => format!("{}:{port}", binding.host),
        None => binding.host.clone(),
    };
    let user = sip
        .users
        .first()
        .map(|u| u.extension.clone())
        .unwrap_or_else(|| "doctor".into());
    let token = random_token();
    let port = if sip.transport.is_websocket() {
        String::new()
    } else {
        format!(":{}", target.remote.addr.port())
    };
    format!(
        "OPTIONS sip:{host}{port} SIP/2.0\r\n\
         Via: SIP/2.0/{transport} {sent_by};branch=z9hG4bK{token};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@{host}>;tag={token}\r\n\
         To: <sip:{host}>\r\n\
         Call-ID: {token}@yeastar-doctor\r\n\
         CSeq: 1 OPTIONS\r\n\
         Accept: application/sdp\r\n\
         User-Agent: yeastar-doctor\r\n\
         Content-Length: 0\r\n\r\n",
        transport = binding.transport,
    )
}

/// Sends one OPTIONS over a fresh transport and waits for any final answer.
async fn options_check(
    sip: &SipConfig,
    target: &SipTarget,
    options: &Options,
    checks: &mut Vec<Check>,
) -> bool {
    let id = "sip_options";
    let name = format!("SIP OPTIONS over {}", sip.transport);
    let transport = match sip_transport(sip, target, options).await {
        Ok(t) => t,
        Err(e) => {
            checks.push(Check::fail(
                id,
                name,
                e,
                "check SIP_CA_FILE and the local address (SIP_LOCAL_ADDR)",
            ));
            return false;
        }
    };
    let (events_tx, mut events) = mpsc::channel(64);
    let handle = yeastar_sip::driver::transport::start(transport, events_tx, FlowIds::new());
    let request = options_request(sip, target, &handle.binding);
    let transmit = Transmit {
        destination: target.remote.addr,
        transport: target.remote.transport,
        flow: None,
        bytes: Bytes::from(request),
    };
    let sent = handle
        .commands
        .send(TransportCommand::Send(transmit))
        .await
        .is_ok();
    let deadline = tokio::time::Instant::now() + options.step_timeout;
    let mut answer: Result<(u16, String), String> =
        Err(format!("no answer within {:?}", options.step_timeout));
    loop {
        if !sent {
            break;
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(TransportEvent::Received { bytes, .. })) => {
                if let Ok(message) = yeastar_sip::Message::parse(&bytes)
                    && let Some(status) = message.status()
                    && status >= 200
                {
                    let phrase = message.reason_phrase().unwrap_or_default().to_owned();
                    answer = Ok((status, phrase));
                    break;
                }
            }
            Ok(Some(TransportEvent::SendFailed { error, .. })) => {
                answer = Err(format!("send failed: {error}"));
                break;
            }
            Ok(Some(TransportEvent::FlowClosed {
                error: Some(error), ..
            })) => {
                answer = Err(format!("connection failed: {error}"));
                break;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    let _ = handle.commands.send(TransportCommand::Shutdown).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), handle.task).await;
    match answer {
        Ok((status, phrase)) => {
            checks.push(Check::pass(
                id,
                name,
                format!("{} answered {status} {phrase}", target.remote.addr),
            ));
            true
        }
        Err(reason) => {
            let fix = if reason.contains("certificate") || reason.contains("TLS") {
                tls_failure(&target.host, &reason).fix + " (SIP_CA_FILE)"
            } else {
                match sip.transport {
                    SipTransport::Udp => {
                        "the PBX does not answer on this port: check SIP_SERVER/SIP_PORT, that \
                         UDP is enabled for SIP on the PBX, its firewall, and that this address \
                         is not blocked (Yeastar auto-defense/IP blacklist, fail2ban)"
                    }
                    _ => {
                        "check SIP_SERVER/SIP_PORT and that the PBX enables this transport \
                         (TCP 5060, TLS 5061 on Yeastar's SIP settings)"
                    }
                }
                .to_owned()
            };
            checks.push(Check::fail(
                id,
                name,
                format!("{}: {reason}", target.remote.addr),
                fix,
            ));
            false
        }
    }
}

/// One REGISTER attempt with `password`: `Ok(granted)` or the failure.
async fn try_register(
    sip: &SipConfig,
    user: &SipUser,
    password: &str,
    target: &SipTarget,
    options: &Options,
) -> Result<Duration, String> {
    let transport = sip_transport(sip, target, options).await?;
    let (agent, mut events) =
        UserAgent::start(AgentConfig::new(vec![transport])).map_err(|e| e.to_string())?;
    let mut account = AccountConfig::new(
        user.extension.clone(),
        target.host.clone(),
        password.to_owned(),
        target.remote,
    );
    account.auth_user = Some(user.auth_user.clone());
    let registered = agent.register(account).await;
    let outcome = match registered {
        Err(e) => Err(e.to_string()),
        Ok(_) => {
            let deadline = tokio::time::Instant::now() + options.step_timeout * 2;
            loop {
                match tokio::time::timeout_at(deadline, events.next()).await {
                    Ok(Some(AgentEvent::Registration { event, .. })) => match event {
                        RegistrationEvent::Registered { expires, .. } => break Ok(expires),
                        RegistrationEvent::Failed(e) => break Err(registration_text(&e)),
                        _ => {}
                    },
                    Ok(Some(_)) => {}
                    Ok(None) => break Err("the user agent stopped".into()),
                    Err(_) => break Err("no final answer to REGISTER".into()),
                }
            }
        }
    };
    agent.shutdown().await;
    outcome
}

fn registration_text(e: &RegistrationError) -> String {
    match e {
        RegistrationError::AuthRejected { status } => format!("credentials rejected ({status})"),
        other => other.to_string(),
    }
}

async fn register_check(
    sip: &SipConfig,
    user: &SipUser,
    target: &SipTarget,
    options: &Options,
    checks: &mut Vec<Check>,
) {
    let id = "sip_register";
    let name = format!("SIP REGISTER as {}", user.extension);
    let websocket = sip.transport.is_websocket();
    let which = if websocket && user.ws_password.is_some() {
        "WebSocket password (fifth SIP_USERS field)"
    } else {
        "SIP password (second SIP_USERS field)"
    };
    let password = user.password_for(sip.transport).expose().to_owned();
    match try_register(sip, user, &password, target, options).await {
        Ok(expires) => checks.push(Check::pass(
            id,
            name,
            format!(
                "registered with the {which}, {}s granted; unregistered again",
                expires.as_secs()
            ),
        )),
        Err(reason) if reason.starts_with("credentials rejected") => {
            // Which password does the PBX want on this transport? Try the other one.
            let other = match (&user.ws_password, websocket) {
                (Some(_), true) => Some((user.password.expose(), "SIP password")),
                (Some(ws), false) => Some((ws.expose(), "WebSocket password")),
                (None, _) => None,
            };
            let other = other.filter(|(p, _)| *p != password);
            let other_works = match other {
                Some((p, label)) => try_register(sip, user, p, target, options)
                    .await
                    .ok()
                    .map(|_| label),
                None => None,
            };
            let fix = match other_works {
                Some(label) => format!(
                    "the PBX accepts the {label} of {} over {}: put the right password in the \
                     {which}",
                    user.extension, sip.transport
                ),
                None if websocket => format!(
                    "check the {which} of {ext} (and auth user {auth}); a Yeastar extension may \
                     have a separate WebSocket/WebRTC password, given as the fifth SIP_USERS \
                     field (ext:password:auth_user:name:ws_password)",
                    ext = user.extension,
                    auth = user.auth_user
                ),
                None => format!(
                    "check the {which} and auth user ({}) of extension {} on the PBX",
                    user.auth_user, user.extension
                ),
            };
            checks.push(Check::fail(id, name, reason, fix));
        }
        Err(reason) => checks.push(Check::fail(
            id,
            name,
            reason,
            "the registrar answered OPTIONS but not REGISTER as expected: check the extension \
             exists and allows this transport",
        )),
    }
}

fn rtp_skipped() -> Check {
    Check::skip(
        "rtp_ports",
        "RTP port range",
        "WebSocket mode: the media ports are the peer's",
    )
}

/// Binds every UDP port of the configured range on `ip` (unspecified when `None`).
fn rtp_check(sip: &SipConfig, ip: Option<IpAddr>) -> Check {
    let (min, max) = (sip.rtp_port_min, sip.rtp_port_max);
    let name = format!("RTP ports {min}-{max} free");
    let ip = ip.unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let mut busy = Vec::new();
    let mut denied = false;
    for port in min..=max {
        if let Err(e) = std::net::UdpSocket::bind(SocketAddr::new(ip, port)) {
            denied |= e.kind() == std::io::ErrorKind::PermissionDenied;
            busy.push(port);
        }
    }
    let total = usize::from(max - min) + 1;
    if busy.is_empty() {
        return Check::pass(
            "rtp_ports",
            name,
            format!("all {total} UDP ports bindable on {ip}"),
        );
    }
    let listed: Vec<String> = busy.iter().take(10).map(u16::to_string).collect();
    let more = if busy.len() > 10 { ", …" } else { "" };
    Check::fail(
        "rtp_ports",
        name,
        format!(
            "{} of {total} ports cannot be bound on {ip}: {}{more}",
            busy.len(),
            listed.join(", ")
        ),
        if denied {
            "ports below 1024 need privileges: choose RTP_PORT_MIN/RTP_PORT_MAX above 1024"
                .to_owned()
        } else {
            "another process holds them (ss -ulpn shows which): stop it, or move \
             RTP_PORT_MIN/RTP_PORT_MAX to a free range (each call needs two ports)"
                .to_owned()
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn report_json_and_text() {
        let report = Report::new(vec![
            Check::pass("ami_port", "AMI port reachable", "127.0.0.1:5038"),
            Check::fail("ami_login", "AMI login", "refused", "fix the secret"),
            Check::skip("ami_read", "AMI query permission", "not logged in"),
        ]);
        assert!(!report.passed());
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["passed"], false);
        assert_eq!(json["checks"][1]["outcome"], "fail");
        assert_eq!(json["checks"][1]["fix"], "fix the secret");
        assert_eq!(json["checks"][2]["why"], "not logged in");
        let text = report.to_string();
        assert!(text.contains("FAIL  AMI login: refused\n      fix: fix the secret"));
        assert!(text.ends_with("1 of 3 checks failed\n"), "{text}");
    }

    #[test]
    fn tls_errors_are_told_apart() {
        assert!(
            tls_failure("pbx", "InvalidCertificate(NotValidForName)")
                .reason
                .contains("not issued for \"pbx\"")
        );
        assert!(
            tls_failure("pbx", "InvalidCertificate(UnknownIssuer)")
                .reason
                .contains("CA this machine does not trust")
        );
        assert!(
            tls_failure("pbx", "InvalidCertificate(Expired)")
                .fix
                .contains("renew")
        );
    }
}
