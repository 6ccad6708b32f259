//! What the simulated PBX looks like: dialect, credentials, extensions, dialplan, timings.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// Which Asterisk the simulator imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Asterisk 22 (banner `Asterisk Call Manager/11.0.0`, PJSIP): `DialBegin`/`DialEnd`,
    /// `BridgeEnter`/`BridgeLeave`, `Linkedid`, `Output:` lines for `Command`.
    Modern,
    /// Asterisk 1.8, AMI 1.1 (banner `Asterisk Call Manager/1.1`, chan_sip, Yeastar S-series):
    /// `Dial` with `SubEvent`, `Bridge`/`Unlink`, no `Linkedid`, `Response: Follows` for `Command`.
    Legacy,
}

impl Dialect {
    /// The greeting line, without its CRLF.
    pub fn banner(self) -> &'static str {
        match self {
            Dialect::Modern => "Asterisk Call Manager/11.0.0",
            Dialect::Legacy => "Asterisk Call Manager/1.1",
        }
    }

    /// The channel technology of extensions: `PJSIP` or `SIP`.
    pub fn tech(self) -> &'static str {
        match self {
            Dialect::Modern => "PJSIP",
            Dialect::Legacy => "SIP",
        }
    }

    /// What `core show version` prints.
    pub fn version_line(self) -> &'static str {
        match self {
            Dialect::Modern => {
                "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-26 21:18:08 UTC"
            }
            Dialect::Legacy => {
                "Asterisk 1.8.32.3 built by root @ vm on a x86_64 running Linux on 2026-11-26 22:00:33 UTC"
            }
        }
    }
}

/// A dialplan extension that is an application rather than a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialplanApp {
    /// `Answer`, `Echo`: up until someone hangs up (`600` on the recorded PBX).
    Echo,
    /// `Answer`, `Playback`, `Hangup`: the PBX hangs up after the file played (`700`, 2 s).
    Playback {
        /// The file played (`custom/tone-1k-2s`).
        file: String,
        /// How long it plays.
        length: Duration,
    },
    /// `Answer`, `Wait(n)`, `Hangup` (`800`, 60 s).
    Wait(Duration),
    /// `NoOp`, `Dial(<tech>/<extension>,20)`, `Hangup`: a number that rings another extension
    /// (`2002` rings `1002`).
    Dial(String),
    /// `Answer`, `Queue(<name>)`: the caller hears music on hold while the members ring (ringall);
    /// unregistered members are skipped (`5000` → `support`).
    Queue {
        /// The queue name (`support`).
        name: String,
        /// The member extensions, rung together.
        members: Vec<String>,
    },
    /// A conference room (`6000`): `ConfBridge(6000)` in Asterisk 22, `MeetMe(6000)` in 1.8 (the
    /// Yeastar S-series conference rooms are MeetMe rooms; 1.8's ConfBridge sent no AMI events).
    Conference(String),
}

/// Most AMI connections the simulator accepts at once: 64.
pub const DEFAULT_MAX_SESSIONS: usize = 64;

/// Most live channels: 1000. An `Originate` beyond it fails like a PBX out of capacity.
pub const DEFAULT_MAX_CHANNELS: usize = 1000;

/// Most finished calls kept for [`PbxModel::poll_finished`](super::PbxModel::poll_finished): 1024.
/// Older ones are dropped first (and counted) when nobody drains the log.
pub const DEFAULT_MAX_FINISHED_CALLS: usize = 1024;

/// Most frames queued for one connection before it is closed as a slow reader: 65 536. Asterisk
/// likewise drops a manager session that stops reading.
pub const DEFAULT_MAX_QUEUED_FRAMES: usize = 65_536;

/// How the simulated PBX is set up. Build one with [`SimConfig::modern`] or
/// [`SimConfig::legacy`] and adjust with the `with_*` methods.
#[derive(Clone)]
#[non_exhaustive]
pub struct SimConfig {
    /// The dialect spoken.
    pub dialect: Dialect,
    /// The manager user (`ami_user`).
    pub username: String,
    /// Its secret (`ami_password`). Never shown by `Debug`.
    pub secret: String,
    /// The extensions (PJSIP endpoints or SIP peers), each with a hint in [`SimConfig::context`].
    pub extensions: Vec<String>,
    /// The extensions registered at start.
    pub registered: Vec<String>,
    /// The dialplan context (`from-internal`).
    pub context: String,
    /// Application extensions: `600` echo, `700` playback, `800` wait, `2002` → 1002, `5000`
    /// queue `support` (1002, 1003), `6000` conference by default.
    pub apps: Vec<(String, DialplanApp)>,
    /// How long a phone rings before it answers when nothing scripts it (an `Originate` leg or a
    /// dialplan `Dial`). The recorded SIPp phones answered after 1 s.
    pub answer_delay: Duration,
    /// The `Dial` timeout of the dialplan (`Dial(PJSIP/x,20)`): 20 s.
    pub dial_timeout: Duration,
    /// How long a wrong login waits before `Authentication failed` (Asterisk waits about 1 s).
    pub auth_failure_delay: Duration,
    /// See [`DEFAULT_MAX_SESSIONS`].
    pub max_sessions: usize,
    /// See [`DEFAULT_MAX_CHANNELS`].
    pub max_channels: usize,
    /// See [`DEFAULT_MAX_QUEUED_FRAMES`].
    pub max_queued_frames: usize,
    /// See [`DEFAULT_MAX_FINISHED_CALLS`].
    pub max_finished_calls: usize,
    /// How long a queue rings its members before `AgentRingNoAnswer` and the next round
    /// (`timeout` in `queues.conf`, 15 s by default).
    pub queue_ring_timeout: Duration,
    /// Seed for challenges and bridge IDs, so runs repeat.
    pub seed: u64,
    /// TLS server settings; `None` serves plain TCP. Set with [`SimConfig::with_tls`].
    pub tls: Option<Arc<ServerConfig>>,
    /// Client addresses the manager user's `permit`/`deny` lists refuse. A login from one of
    /// them is answered `Authentication failed` even with the right secret, as Asterisk's
    /// manager answers it (only its log tells the two apart).
    pub denied_addresses: Vec<IpAddr>,
    /// The manager user's `write` classes (`call`, `originate`, `reporting`, `system`,
    /// `command`, …); an action none of whose classes is granted is answered `Permission
    /// denied`, as Asterisk does. `None` grants every class (`write = all`).
    pub write_classes: Option<Vec<String>>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("dialect", &self.dialect)
            .field("username", &self.username)
            .field("secret", &"<redacted>")
            .field("extensions", &self.extensions)
            .field("registered", &self.registered)
            .field("context", &self.context)
            .field("answer_delay", &self.answer_delay)
            .field("tls", &self.tls.is_some())
            .field("denied_addresses", &self.denied_addresses)
            .field("write_classes", &self.write_classes)
            .finish_non_exhaustive()
    }
}

impl SimConfig {
    /// An Asterisk 22 PBX like the recorded one: user `ami_user`/`ami_password`, extensions
    /// 1001-1003 (1001 and 1002 registered), context `from-internal`.
    pub fn modern() -> SimConfig {
        SimConfig::new(Dialect::Modern)
    }

    /// An Asterisk 1.8 PBX like the recorded one (same users and extensions).
    pub fn legacy() -> SimConfig {
        SimConfig::new(Dialect::Legacy)
    }

    /// A PBX of `dialect` with the recorded setup.
    pub fn new(dialect: Dialect) -> SimConfig {
        SimConfig {
            dialect,
            username: "ami_user".into(),
            secret: "ami_password".into(),
            extensions: vec!["1001".into(), "1002".into(), "1003".into()],
            registered: vec!["1001".into(), "1002".into()],
            context: "from-internal".into(),
            apps: vec![
                ("600".into(), DialplanApp::Echo),
                (
                    "700".into(),
                    DialplanApp::Playback {
                        file: "custom/tone-1k-2s".into(),
                        length: Duration::from_secs(2),
                    },
                ),
                ("800".into(), DialplanApp::Wait(Duration::from_secs(60))),
                ("2002".into(), DialplanApp::Dial("1002".into())),
                (
                    "5000".into(),
                    DialplanApp::Queue {
                        name: "support".into(),
                        members: vec!["1002".into(), "1003".into()],
                    },
                ),
                ("6000".into(), DialplanApp::Conference("6000".into())),
            ],
            answer_delay: Duration::from_millis(200),
            dial_timeout: Duration::from_secs(20),
            auth_failure_delay: Duration::from_secs(1),
            max_sessions: DEFAULT_MAX_SESSIONS,
            max_channels: DEFAULT_MAX_CHANNELS,
            max_queued_frames: DEFAULT_MAX_QUEUED_FRAMES,
            max_finished_calls: DEFAULT_MAX_FINISHED_CALLS,
            queue_ring_timeout: Duration::from_secs(15),
            seed: 0x5eed,
            tls: None,
            denied_addresses: Vec::new(),
            write_classes: None,
        }
    }

    /// Sets the manager user and secret.
    pub fn with_credentials(mut self, username: &str, secret: &str) -> SimConfig {
        self.username = username.into();
        self.secret = secret.into();
        self
    }

    /// Sets the extensions and which of them are registered at start.
    pub fn with_extensions(mut self, all: &[&str], registered: &[&str]) -> SimConfig {
        self.extensions = all.iter().map(|s| (*s).to_owned()).collect();
        self.registered = registered.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Sets how long unscripted phones ring before answering.
    pub fn with_answer_delay(mut self, delay: Duration) -> SimConfig {
        self.answer_delay = delay;
        self
    }

    /// Serves AMI over TLS (as on port 5039) with this certificate chain and key.
    pub fn with_tls(
        mut self,
        cert_chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<SimConfig, rustls::Error> {
        // An explicit provider: the process-wide default may be unset or ambiguous.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(cert_chain, key)?;
        self.tls = Some(Arc::new(config));
        Ok(self)
    }

    pub(crate) fn tls_acceptor(&self) -> Option<TlsAcceptor> {
        self.tls.clone().map(TlsAcceptor::from)
    }

    /// Adds (or replaces) an application extension.
    pub fn with_app(mut self, extension: &str, app: DialplanApp) -> SimConfig {
        self.apps.retain(|(e, _)| e != extension);
        self.apps.push((extension.to_owned(), app));
        self
    }

    /// Sets the members of the queue behind `extension` (which becomes a queue named `name`).
    pub fn with_queue(self, extension: &str, name: &str, members: &[&str]) -> SimConfig {
        let members = members.iter().map(|m| (*m).to_owned()).collect();
        let name = name.to_owned();
        self.with_app(extension, DialplanApp::Queue { name, members })
    }

    /// Sets how long a queue rings its members per round.
    pub fn with_queue_ring_timeout(mut self, timeout: Duration) -> SimConfig {
        self.queue_ring_timeout = timeout;
        self
    }

    /// Sets how many finished calls the ground-truth log keeps.
    pub fn with_max_finished_calls(mut self, max: usize) -> SimConfig {
        self.max_finished_calls = max;
        self
    }

    /// Refuses logins from `address`, as a manager user's `deny`/`permit` lists do.
    pub fn with_denied_address(mut self, address: IpAddr) -> SimConfig {
        self.denied_addresses.push(address);
        self
    }

    /// Grants the manager user only these `write` classes (`write = call,reporting`).
    pub fn with_write_classes(mut self, classes: &[&str]) -> SimConfig {
        self.write_classes = Some(classes.iter().map(|c| c.to_ascii_lowercase()).collect());
        self
    }

    /// Sets the delay before `Authentication failed`.
    pub fn with_auth_failure_delay(mut self, delay: Duration) -> SimConfig {
        self.auth_failure_delay = delay;
        self
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::modern()
    }
}
