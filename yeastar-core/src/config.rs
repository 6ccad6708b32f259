//! Configuration: from the environment (the variable names of the reference deployments), from
//! a TOML file, or both (the file wins), validated with errors that name the variable and the
//! entry, secrets never printed.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `YEASTAR_HOST` | — | PBX address; setting it turns the AMI mode on |
//! | `YEASTAR_PORT` | 5038 (5039 with TLS) | AMI port |
//! | `YEASTAR_USERNAME`, `YEASTAR_PASSWORD` | — | AMI user (required with `YEASTAR_HOST`) |
//! | `YEASTAR_TLS` | false | AMI over TLS |
//! | `YEASTAR_CA_FILE` | public roots | PEM CA for a private PBX certificate (AMI) |
//! | `YEASTAR_CONTEXT` | `from-internal` | dialplan context of click-to-call |
//! | `SIP_SERVER` | — | PBX (registrar) host; with `SIP_USERS` it turns a SIP mode on |
//! | `SIP_PORT` | 5060, 5061 (TLS), 8088 (WS), 8089 (WSS) | SIP port |
//! | `SIP_TRANSPORT` | `UDP` | `UDP`, `TCP`, `TLS` (native SIP) or `WS`, `WSS` (WebSocket) |
//! | `SIP_USE_WEBSOCKET` | false | WebSocket mode whatever `SIP_TRANSPORT` says |
//! | `SIP_WEBSOCKET_URL` | `ws(s)://SIP_SERVER:SIP_PORT/ws` | WebSocket URL; wins over server and port |
//! | `SIP_USERS` | — | `ext:password:auth_user:Display Name[:ws_password]`, comma-separated |
//! | `SIP_CA_FILE` | public roots | PEM CA for a private PBX certificate (TLS, WSS) |
//! | `RTP_PORT_MIN`, `RTP_PORT_MAX` | 5700, 5750 | RTP ports of the native mode |
//!
//! The TOML file has the same settings in two tables:
//!
//! ```toml
//! [ami]
//! host = "192.168.1.10"
//! username = "admin"
//! password = "secret"
//!
//! [sip]
//! server = "192.168.1.10"
//! transport = "UDP"
//! users = [{ extension = "1001", password = "p1001", auth_user = "1001", display_name = "Front desk" }]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Default AMI port.
pub const DEFAULT_AMI_PORT: u16 = 5038;
/// Default AMI-over-TLS port.
pub const DEFAULT_AMI_TLS_PORT: u16 = 5039;
/// Default SIP port over UDP and TCP.
pub const DEFAULT_SIP_PORT: u16 = 5060;
/// Default SIP-over-TLS port.
pub const DEFAULT_SIP_TLS_PORT: u16 = 5061;
/// Default SIP-over-WebSocket port (`ws://`).
pub const DEFAULT_WS_PORT: u16 = 8088;
/// Default SIP-over-secure-WebSocket port (`wss://`).
pub const DEFAULT_WSS_PORT: u16 = 8089;
/// Default first RTP port.
pub const DEFAULT_RTP_PORT_MIN: u16 = 5700;
/// Default last RTP port.
pub const DEFAULT_RTP_PORT_MAX: u16 = 5750;
/// Default dialplan context of click-to-call.
pub const DEFAULT_CONTEXT: &str = "from-internal";
/// Most `SIP_USERS` entries: a restaurant's phones, with room to spare.
pub const MAX_SIP_USERS: usize = 256;

/// What `SIP_USERS` entries must look like.
const SIP_USER_FORMAT: &str = "expected ext:password:auth_user:Display Name[:ws_password]";

/// What a masked secret reads as; a settings update carrying it keeps the secret unchanged.
pub const MASK: &str = "********";

/// A password: kept in full to log in and to be saved, shown as `********` everywhere else.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, to log in with.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True for the mask itself (an update that leaves the secret as it was).
    pub fn is_mask(&self) -> bool {
        self.0 == MASK
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// How SIP travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SipTransport {
    /// UDP (native SIP).
    Udp,
    /// TCP (native SIP).
    Tcp,
    /// TLS (native SIP).
    Tls,
    /// WebSocket, `ws://` (RFC 7118).
    Ws,
    /// Secure WebSocket, `wss://` (RFC 7118).
    Wss,
}

impl SipTransport {
    /// The spelling of `SIP_TRANSPORT`: `UDP`, `TCP`, `TLS`, `WS`, `WSS`.
    pub fn as_str(self) -> &'static str {
        match self {
            SipTransport::Udp => "UDP",
            SipTransport::Tcp => "TCP",
            SipTransport::Tls => "TLS",
            SipTransport::Ws => "WS",
            SipTransport::Wss => "WSS",
        }
    }

    /// The PBX port of this transport when none is configured.
    pub fn default_port(self) -> u16 {
        match self {
            SipTransport::Udp | SipTransport::Tcp => DEFAULT_SIP_PORT,
            SipTransport::Tls => DEFAULT_SIP_TLS_PORT,
            SipTransport::Ws => DEFAULT_WS_PORT,
            SipTransport::Wss => DEFAULT_WSS_PORT,
        }
    }

    /// True for `WS` and `WSS`.
    pub fn is_websocket(self) -> bool {
        matches!(self, SipTransport::Ws | SipTransport::Wss)
    }

    fn parse(text: &str) -> Option<SipTransport> {
        match text.trim().to_ascii_uppercase().as_str() {
            "UDP" => Some(SipTransport::Udp),
            "TCP" => Some(SipTransport::Tcp),
            "TLS" => Some(SipTransport::Tls),
            "WS" => Some(SipTransport::Ws),
            "WSS" => Some(SipTransport::Wss),
            _ => None,
        }
    }
}

impl fmt::Display for SipTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The AMI connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AmiConfig {
    /// PBX host (`YEASTAR_HOST`).
    pub host: String,
    /// AMI port (`YEASTAR_PORT`).
    pub port: u16,
    /// Manager user (`YEASTAR_USERNAME`).
    pub username: String,
    /// Its secret (`YEASTAR_PASSWORD`).
    pub password: Secret,
    /// AMI over TLS (`YEASTAR_TLS`).
    pub tls: bool,
    /// PEM CA to trust (`YEASTAR_CA_FILE`).
    pub ca_file: Option<PathBuf>,
    /// Dialplan context of click-to-call (`YEASTAR_CONTEXT`).
    pub context: String,
}

/// One SIP account: an extension we register and answer or call as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SipUser {
    /// The extension (`1001`).
    pub extension: String,
    /// Its SIP password.
    pub password: Secret,
    /// The digest user name (often the extension).
    pub auth_user: String,
    /// The display name of its calls.
    pub display_name: String,
    /// A separate password for WebSocket registrations, when the PBX has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_password: Option<Secret>,
}

impl SipUser {
    /// Reads one `SIP_USERS` entry: `ext:password:auth_user:Display Name[:ws_password]`.
    pub fn parse(entry: &str) -> Result<SipUser, String> {
        let parts: Vec<&str> = entry.trim().splitn(5, ':').collect();
        let (extension, password, auth_user, display_name) = match parts.as_slice() {
            [e, p, a, d] | [e, p, a, d, _] => (e.trim(), *p, a.trim(), d.trim()),
            _ => return Err(SIP_USER_FORMAT.into()),
        };
        if extension.is_empty() || password.is_empty() {
            return Err(format!(
                "{SIP_USER_FORMAT} (extension and password are required)"
            ));
        }
        if extension.contains(|c: char| c.is_whitespace() || c == '@') {
            return Err(format!(
                "extension {extension:?} must be a plain number or name"
            ));
        }
        let ws_password = parts
            .get(4)
            .filter(|p| !p.is_empty())
            .map(|p| Secret::new(*p));
        Ok(SipUser {
            extension: extension.into(),
            password: Secret::new(password),
            auth_user: if auth_user.is_empty() {
                extension.into()
            } else {
                auth_user.into()
            },
            display_name: display_name.into(),
            ws_password,
        })
    }

    /// The password to answer digest challenges with over `transport`: the WebSocket password
    /// when one is set and the transport is WebSocket, the SIP password otherwise.
    pub fn password_for(&self, transport: SipTransport) -> &Secret {
        match &self.ws_password {
            Some(ws) if transport.is_websocket() => ws,
            _ => &self.password,
        }
    }
}

/// The transport a `SIP_WEBSOCKET_URL` names: `ws://` or `wss://`, followed by a host.
fn websocket_transport(url: &str) -> Result<SipTransport, ConfigError> {
    let (transport, rest) = if let Some(rest) = url.strip_prefix("wss://") {
        (SipTransport::Wss, rest)
    } else if let Some(rest) = url.strip_prefix("ws://") {
        (SipTransport::Ws, rest)
    } else {
        return Err(ConfigError::new(
            "SIP_WEBSOCKET_URL",
            format!("{url:?} must start with ws:// or wss:// (wss://pbx:8089/ws)"),
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(ConfigError::new(
            "SIP_WEBSOCKET_URL",
            format!("{url:?} has no host (wss://pbx:8089/ws)"),
        ));
    }
    Ok(transport)
}

#[cfg(feature = "sip")]
impl SipUser {
    /// The account of this entry at `domain` through `proxy`: digest answered as `auth_user`
    /// with the password for `transport` ([`SipUser::password_for`]), the display name when set.
    #[must_use]
    pub fn account(
        &self,
        domain: &str,
        proxy: yeastar_sip::ua::Remote,
        transport: SipTransport,
    ) -> yeastar_sip::ua::AccountConfig {
        let password = self.password_for(transport).expose().to_owned();
        let mut account = yeastar_sip::ua::AccountConfig::new(
            self.extension.clone(),
            domain.to_owned(),
            password,
            proxy,
        );
        account.auth_user = Some(self.auth_user.clone());
        if !self.display_name.is_empty() {
            account.display_name = Some(self.display_name.clone());
        }
        account
    }
}

/// Why a native SIP transport could not be set up.
#[cfg(feature = "sip")]
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NativeTransportError {
    /// The local address could not be bound (`SIP_LOCAL_ADDR`).
    #[error("cannot bind {local} for SIP: {source}")]
    Bind {
        /// The address.
        local: std::net::SocketAddr,
        /// The system's refusal.
        #[source]
        source: std::io::Error,
    },
    /// The TLS configuration could not be built (`SIP_CA_FILE`).
    #[error("TLS: {0}")]
    Tls(#[from] yeastar_sip::driver::TlsSetupError),
    /// WS or WSS is not a native transport.
    #[error("{0} is not a native transport (UDP, TCP or TLS)")]
    NotNative(SipTransport),
}

#[cfg(feature = "sip")]
impl SipTransport {
    /// The `yeastar-sip` kind of a native transport (UDP for WS and WSS, which are not native).
    #[must_use]
    pub fn native_kind(self) -> yeastar_sip::ua::TransportKind {
        use yeastar_sip::ua::TransportKind;
        match self {
            SipTransport::Tcp => TransportKind::Tcp,
            SipTransport::Tls => TransportKind::Tls,
            _ => TransportKind::Udp,
        }
    }
}

#[cfg(feature = "sip")]
impl SipConfig {
    /// The native transport of `SIP_TRANSPORT` bound to `local`; over TLS it trusts `SIP_CA_FILE`
    /// (else the system roots) and names `server` in SNI when it is a host name.
    pub async fn bind_native_transport(
        &self,
        server: &str,
        local: std::net::SocketAddr,
    ) -> Result<Box<dyn yeastar_sip::driver::Transport>, NativeTransportError> {
        use yeastar_sip::driver::{TcpTransport, TlsConfig, TlsTransport, UdpTransport};
        let bind_error = |source| NativeTransportError::Bind { local, source };
        Ok(match self.transport {
            SipTransport::Udp => Box::new(UdpTransport::bind(local).await.map_err(bind_error)?),
            SipTransport::Tcp => Box::new(TcpTransport::bind(local).await.map_err(bind_error)?),
            SipTransport::Tls => {
                let mut tls = TlsConfig::new();
                if let Some(ca) = &self.ca_file {
                    tls = tls.ca_file(ca);
                }
                if server.parse::<std::net::IpAddr>().is_err() {
                    tls = tls.server_name(server.to_owned());
                }
                Box::new(TlsTransport::bind(local, &tls).await?)
            }
            other => return Err(NativeTransportError::NotNative(other)),
        })
    }
}

#[cfg(feature = "ami")]
impl AmiConfig {
    /// The `yeastar-ami` client configuration of these settings (TLS with `ca_file` when on).
    #[must_use]
    pub fn client_config(&self) -> yeastar_ami::client::ClientConfig {
        let mut config = yeastar_ami::client::ClientConfig::new(
            &self.host,
            &self.username,
            self.password.expose(),
        );
        config.port = self.port;
        if self.tls {
            let mut options = yeastar_ami::client::TlsOptions::new();
            options.ca_file.clone_from(&self.ca_file);
            config.tls = Some(options);
        }
        config
    }
}

/// How our own SIP user agent reaches the PBX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SipMode {
    /// UDP, TCP or TLS, with RTP media in this process.
    Native,
    /// SIP over WebSocket; media is left to the browser (or to RTP the PBX offers).
    WebSocket,
}

/// Our own SIP user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SipConfig {
    /// Registrar host (`SIP_SERVER`); may be unset when a WebSocket URL is given.
    pub server: Option<String>,
    /// Registrar port (`SIP_PORT`).
    pub port: u16,
    /// Transport (`SIP_TRANSPORT`; `SIP_USE_WEBSOCKET` turns UDP/TCP/TLS into WSS).
    pub transport: SipTransport,
    /// WebSocket URL (`SIP_WEBSOCKET_URL`, else built from server and port).
    pub websocket_url: Option<String>,
    /// Accounts (`SIP_USERS`), at least one.
    pub users: Vec<SipUser>,
    /// First RTP port (`RTP_PORT_MIN`), native mode only.
    pub rtp_port_min: u16,
    /// Last RTP port (`RTP_PORT_MAX`), native mode only.
    pub rtp_port_max: u16,
    /// PEM CA to trust for TLS and WSS (`SIP_CA_FILE`).
    pub ca_file: Option<PathBuf>,
}

impl SipConfig {
    /// Native SIP or WebSocket.
    pub fn mode(&self) -> SipMode {
        if self.transport.is_websocket() {
            SipMode::WebSocket
        } else {
            SipMode::Native
        }
    }

    /// The account of an extension.
    pub fn user(&self, extension: &str) -> Option<&SipUser> {
        self.users.iter().find(|u| u.extension == extension)
    }
}

/// Everything a service needs to reach its PBX; each mode is on when configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PbxConfig {
    /// The AMI connection, when `YEASTAR_HOST` (or `[ami]`) is set.
    pub ami: Option<AmiConfig>,
    /// Our SIP user agent, when `SIP_USERS` (or `[sip]`) is set.
    pub sip: Option<SipConfig>,
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// Nobody set it: the default.
    Default,
    /// An environment variable.
    Environment,
    /// The settings file.
    File,
}

/// A setting that is missing or wrong; the message names it and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{setting}{}: {reason}", entry.map(|n| format!(" entry {n}")).unwrap_or_default())]
#[non_exhaustive]
pub struct ConfigError {
    /// The environment variable (`SIP_PORT`), the same name for a file's key.
    pub setting: &'static str,
    /// The 1-based entry of a list setting (`SIP_USERS`).
    pub entry: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

impl ConfigError {
    fn new(setting: &'static str, reason: impl Into<String>) -> ConfigError {
        ConfigError {
            setting,
            entry: None,
            reason: reason.into(),
        }
    }
}

/// Every setting as text, as the environment gives them; also the shape of the settings file
/// and of a settings update (`PUT /settings`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RawSettings {
    /// `[ami]`.
    #[serde(default)]
    pub ami: RawAmi,
    /// `[sip]`.
    #[serde(default)]
    pub sip: RawSip,
}

/// The `[ami]` table: `YEASTAR_*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct RawAmi {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub tls: Option<bool>,
    pub ca_file: Option<PathBuf>,
    pub context: Option<String>,
}

/// The `[sip]` table: `SIP_*`, `RTP_*`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
#[non_exhaustive]
pub struct RawSip {
    pub server: Option<String>,
    pub port: Option<u16>,
    pub transport: Option<SipTransport>,
    pub use_websocket: Option<bool>,
    pub websocket_url: Option<String>,
    pub users: Option<Vec<SipUser>>,
    pub rtp_port_min: Option<u16>,
    pub rtp_port_max: Option<u16>,
    pub ca_file: Option<PathBuf>,
}

/// The variable names, in the order they are documented.
pub const VARIABLES: [&str; 17] = [
    "YEASTAR_HOST",
    "YEASTAR_PORT",
    "YEASTAR_USERNAME",
    "YEASTAR_PASSWORD",
    "YEASTAR_TLS",
    "YEASTAR_CA_FILE",
    "YEASTAR_CONTEXT",
    "SIP_SERVER",
    "SIP_PORT",
    "SIP_TRANSPORT",
    "SIP_USE_WEBSOCKET",
    "SIP_WEBSOCKET_URL",
    "SIP_USERS",
    "SIP_CA_FILE",
    "RTP_PORT_MIN",
    "RTP_PORT_MAX",
    "HTTP_ADDR",
];

fn port(setting: &'static str, text: &str) -> Result<u16, ConfigError> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| ConfigError::new(setting, format!("{text:?} is not a port (1-65535)")))
}

fn flag(setting: &'static str, text: &str) -> Result<bool, ConfigError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(ConfigError::new(
            setting,
            format!("{other:?} is not a boolean (use true or false)"),
        )),
    }
}

impl RawSettings {
    /// Reads the variables through `lookup` (empty values count as unset).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<RawSettings, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let text = |name: &str| var(name).map(|v| v.trim().to_string());
        let port_of = |name: &'static str| var(name).map(|v| port(name, &v)).transpose();
        let flag_of = |name: &'static str| var(name).map(|v| flag(name, &v)).transpose();
        let transport = match var("SIP_TRANSPORT") {
            Some(t) => Some(SipTransport::parse(&t).ok_or_else(|| {
                ConfigError::new(
                    "SIP_TRANSPORT",
                    format!("{t:?} is not one of UDP, TCP, TLS, WS, WSS"),
                )
            })?),
            None => None,
        };
        let users = match var("SIP_USERS") {
            Some(list) => Some(
                list.split(',')
                    .filter(|e| !e.trim().is_empty())
                    .enumerate()
                    .map(|(i, entry)| {
                        SipUser::parse(entry).map_err(|reason| ConfigError {
                            setting: "SIP_USERS",
                            entry: Some(i + 1),
                            reason,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        Ok(RawSettings {
            ami: RawAmi {
                host: text("YEASTAR_HOST"),
                port: port_of("YEASTAR_PORT")?,
                username: text("YEASTAR_USERNAME"),
                password: var("YEASTAR_PASSWORD").map(Secret::new),
                tls: flag_of("YEASTAR_TLS")?,
                ca_file: text("YEASTAR_CA_FILE").map(PathBuf::from),
                context: text("YEASTAR_CONTEXT"),
            },
            sip: RawSip {
                server: text("SIP_SERVER"),
                port: port_of("SIP_PORT")?,
                transport,
                use_websocket: flag_of("SIP_USE_WEBSOCKET")?,
                websocket_url: text("SIP_WEBSOCKET_URL"),
                users,
                rtp_port_min: port_of("RTP_PORT_MIN")?,
                rtp_port_max: port_of("RTP_PORT_MAX")?,
                ca_file: text("SIP_CA_FILE").map(PathBuf::from),
            },
        })
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<RawSettings, ConfigError> {
        RawSettings::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads a settings file's text (TOML).
    pub fn from_toml(text: &str) -> Result<RawSettings, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::new("SETTINGS_FILE", e.message().to_string()))
    }

    /// The settings as a TOML file's text (secrets in full: the file is the store).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// `self` with every value `over` sets replacing it (a file over the environment).
    pub fn overlaid_with(&self, over: &RawSettings) -> RawSettings {
        fn pick<T: Clone>(under: &Option<T>, over: &Option<T>) -> Option<T> {
            over.clone().or_else(|| under.clone())
        }
        let (a, b) = (&self.ami, &over.ami);
        let (s, o) = (&self.sip, &over.sip);
        RawSettings {
            ami: RawAmi {
                host: pick(&a.host, &b.host),
                port: pick(&a.port, &b.port),
                username: pick(&a.username, &b.username),
                password: pick(&a.password, &b.password),
                tls: pick(&a.tls, &b.tls),
                ca_file: pick(&a.ca_file, &b.ca_file),
                context: pick(&a.context, &b.context),
            },
            sip: RawSip {
                server: pick(&s.server, &o.server),
                port: pick(&s.port, &o.port),
                transport: pick(&s.transport, &o.transport),
                use_websocket: pick(&s.use_websocket, &o.use_websocket),
                websocket_url: pick(&s.websocket_url, &o.websocket_url),
                users: pick(&s.users, &o.users),
                rtp_port_min: pick(&s.rtp_port_min, &o.rtp_port_min),
                rtp_port_max: pick(&s.rtp_port_max, &o.rtp_port_max),
                ca_file: pick(&s.ca_file, &o.ca_file),
            },
        }
    }

    /// A copy fit to show: every secret replaced by [`MASK`].
    pub fn masked(&self) -> RawSettings {
        let mask = |s: &Option<Secret>| s.as_ref().map(|_| Secret::new(MASK));
        let mut out = self.clone();
        out.ami.password = mask(&self.ami.password);
        if let Some(users) = &mut out.sip.users {
            for user in users {
                user.password = Secret::new(MASK);
                user.ws_password = mask(&user.ws_password);
            }
        }
        out
    }

    /// An update of these settings: its masked secrets keep the current ones (a settings page
    /// sends back what it was shown).
    pub fn unmasked_from(mut self, current: &RawSettings) -> RawSettings {
        if self.ami.password.as_ref().is_some_and(Secret::is_mask) {
            self.ami.password.clone_from(&current.ami.password);
        }
        if let Some(users) = &mut self.sip.users {
            let previous = current.sip.users.as_deref().unwrap_or_default();
            for user in users {
                let old = previous.iter().find(|u| u.extension == user.extension);
                if user.password.is_mask()
                    && let Some(old) = old
                {
                    user.password = old.password.clone();
                }
                if user.ws_password.as_ref().is_some_and(Secret::is_mask) {
                    user.ws_password = old.and_then(|o| o.ws_password.clone());
                }
            }
        }
        self
    }

    /// Which variables hold a value.
    fn set_variables(&self) -> Vec<&'static str> {
        let a = &self.ami;
        let s = &self.sip;
        let pairs: [(&'static str, bool); 16] = [
            ("YEASTAR_HOST", a.host.is_some()),
            ("YEASTAR_PORT", a.port.is_some()),
            ("YEASTAR_USERNAME", a.username.is_some()),
            ("YEASTAR_PASSWORD", a.password.is_some()),
            ("YEASTAR_TLS", a.tls.is_some()),
            ("YEASTAR_CA_FILE", a.ca_file.is_some()),
            ("YEASTAR_CONTEXT", a.context.is_some()),
            ("SIP_SERVER", s.server.is_some()),
            ("SIP_PORT", s.port.is_some()),
            ("SIP_TRANSPORT", s.transport.is_some()),
            ("SIP_USE_WEBSOCKET", s.use_websocket.is_some()),
            ("SIP_WEBSOCKET_URL", s.websocket_url.is_some()),
            ("SIP_USERS", s.users.is_some()),
            ("SIP_CA_FILE", s.ca_file.is_some()),
            ("RTP_PORT_MIN", s.rtp_port_min.is_some()),
            ("RTP_PORT_MAX", s.rtp_port_max.is_some()),
        ];
        pairs
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }

    /// Checks the settings and fills in the defaults.
    pub fn resolve(&self) -> Result<PbxConfig, ConfigError> {
        // The environment's ports are checked as they are read; a settings file's (or an
        // update's) are numbers already, and 0 is not a port.
        let ports = [
            ("YEASTAR_PORT", self.ami.port),
            ("SIP_PORT", self.sip.port),
            ("RTP_PORT_MIN", self.sip.rtp_port_min),
            ("RTP_PORT_MAX", self.sip.rtp_port_max),
        ];
        if let Some((setting, _)) = ports.into_iter().find(|(_, p)| *p == Some(0)) {
            return Err(ConfigError::new(setting, "0 is not a port (1-65535)"));
        }
        Ok(PbxConfig {
            ami: self.resolve_ami()?,
            sip: self.resolve_sip()?,
        })
    }

    fn resolve_ami(&self) -> Result<Option<AmiConfig>, ConfigError> {
        let a = &self.ami;
        let Some(host) = a.host.clone() else {
            let stray = [
                ("YEASTAR_USERNAME", a.username.is_some()),
                ("YEASTAR_PASSWORD", a.password.is_some()),
            ];
            if let Some((name, _)) = stray.iter().find(|(_, set)| *set) {
                return Err(ConfigError::new(
                    "YEASTAR_HOST",
                    format!("is required when {name} is set (the AMI mode needs a PBX address)"),
                ));
            }
            return Ok(None);
        };
        let required = |name: &'static str, v: Option<String>| {
            v.filter(|v| !v.is_empty()).ok_or_else(|| {
                ConfigError::new(
                    name,
                    "is required with YEASTAR_HOST (the AMI user of the PBX)",
                )
            })
        };
        let username = required("YEASTAR_USERNAME", a.username.clone())?;
        let password = required(
            "YEASTAR_PASSWORD",
            a.password.as_ref().map(|p| p.expose().to_string()),
        )?;
        if let Some(path) = &a.ca_file
            && !path.is_file()
        {
            return Err(ConfigError::new(
                "YEASTAR_CA_FILE",
                format!("{} is not a readable file", path.display()),
            ));
        }
        let tls = a.tls.unwrap_or(false) || a.ca_file.is_some();
        Ok(Some(AmiConfig {
            host,
            port: a.port.unwrap_or(if tls {
                DEFAULT_AMI_TLS_PORT
            } else {
                DEFAULT_AMI_PORT
            }),
            username,
            password: Secret::new(password),
            tls,
            ca_file: a.ca_file.clone(),
            context: a.context.clone().unwrap_or_else(|| DEFAULT_CONTEXT.into()),
        }))
    }

    fn resolve_sip(&self) -> Result<Option<SipConfig>, ConfigError> {
        let s = &self.sip;
        let wants_sip = s.users.is_some() || s.server.is_some() || s.websocket_url.is_some();
        if !wants_sip {
            return Ok(None);
        }
        let users = s.users.clone().unwrap_or_default();
        if users.is_empty() {
            return Err(ConfigError::new(
                "SIP_USERS",
                format!("is required for SIP (one or more entries, {SIP_USER_FORMAT})"),
            ));
        }
        if users.len() > MAX_SIP_USERS {
            return Err(ConfigError::new(
                "SIP_USERS",
                format!("{} entries; at most {MAX_SIP_USERS}", users.len()),
            ));
        }
        for (i, user) in users.iter().enumerate() {
            if let Some(first) = users[..i]
                .iter()
                .position(|u| u.extension == user.extension)
            {
                return Err(ConfigError {
                    setting: "SIP_USERS",
                    entry: Some(i + 1),
                    reason: format!(
                        "extension {} is already entry {}",
                        user.extension,
                        first + 1
                    ),
                });
            }
        }
        let websocket_url = s.websocket_url.clone();
        let from_url = websocket_url.as_deref().map(websocket_transport);
        let from_url = from_url.transpose()?;
        let mut transport = s.transport.or(from_url).unwrap_or(SipTransport::Udp);
        if s.use_websocket == Some(true) && !transport.is_websocket() {
            transport = from_url.unwrap_or(SipTransport::Wss);
        }
        if transport.is_websocket()
            && let Some(url_transport) = from_url
            && url_transport != transport
        {
            return Err(ConfigError::new(
                "SIP_TRANSPORT",
                format!("{transport} disagrees with SIP_WEBSOCKET_URL, which is {url_transport}"),
            ));
        }
        if s.server.is_none() && !(transport.is_websocket() && websocket_url.is_some()) {
            return Err(ConfigError::new(
                "SIP_SERVER",
                "is required for SIP (the PBX host), unless SIP_WEBSOCKET_URL is set",
            ));
        }
        let min = s.rtp_port_min.unwrap_or(DEFAULT_RTP_PORT_MIN);
        let max = s.rtp_port_max.unwrap_or(DEFAULT_RTP_PORT_MAX);
        if min > max {
            return Err(ConfigError::new(
                "RTP_PORT_MAX",
                format!("{max} is below RTP_PORT_MIN {min}"),
            ));
        }
        if let Some(path) = &s.ca_file
            && !path.is_file()
        {
            return Err(ConfigError::new(
                "SIP_CA_FILE",
                format!("{} is not a readable file", path.display()),
            ));
        }
        let port = s.port.unwrap_or_else(|| transport.default_port());
        let websocket_url = match (transport.is_websocket(), websocket_url, &s.server) {
            (true, Some(url), _) => Some(url),
            (true, None, Some(server)) => Some(format!(
                "{}://{server}:{port}/ws",
                if transport == SipTransport::Wss {
                    "wss"
                } else {
                    "ws"
                }
            )),
            _ => None,
        };
        Ok(Some(SipConfig {
            server: s.server.clone(),
            port,
            transport,
            websocket_url,
            users,
            rtp_port_min: min,
            rtp_port_max: max,
            ca_file: s.ca_file.clone(),
        }))
    }
}

/// A resolved configuration and where each variable came from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadedConfig {
    /// The configuration.
    pub config: PbxConfig,
    /// The settings it was resolved from (the file's values over the environment's).
    pub settings: RawSettings,
    /// Where each variable's value came from.
    pub sources: BTreeMap<&'static str, ValueSource>,
}

impl PbxConfig {
    /// The configuration of the process environment.
    pub fn from_env() -> Result<PbxConfig, ConfigError> {
        RawSettings::from_env()?.resolve()
    }

    /// The environment's settings with a settings file's over them; `file` is its text.
    pub fn load(
        env: &RawSettings,
        file: Option<&RawSettings>,
    ) -> Result<LoadedConfig, ConfigError> {
        let settings = match file {
            Some(file) => env.overlaid_with(file),
            None => env.clone(),
        };
        let config = settings.resolve()?;
        let from_env = env.set_variables();
        let from_file = file.map(RawSettings::set_variables).unwrap_or_default();
        let sources = VARIABLES
            .iter()
            .filter(|v| **v != "HTTP_ADDR")
            .map(|v| {
                let source = if from_file.contains(v) {
                    ValueSource::File
                } else if from_env.contains(v) {
                    ValueSource::Environment
                } else {
                    ValueSource::Default
                };
                (*v, source)
            })
            .collect();
        Ok(LoadedConfig {
            config,
            settings,
            sources,
        })
    }

    /// True when no mode is configured (a quickstart then runs the embedded simulator).
    pub fn is_empty(&self) -> bool {
        self.ami.is_none() && self.sip.is_none()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<RawSettings, ConfigError> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RawSettings::from_lookup(|name| map.get(name).cloned())
    }

    fn config(vars: &[(&str, &str)]) -> Result<PbxConfig, ConfigError> {
        settings(vars)?.resolve()
    }

    #[test]
    fn nothing_configured_is_an_empty_config() {
        assert!(config(&[]).unwrap().is_empty());
    }

    #[test]
    fn ami_defaults_and_required_variables() {
        let c = config(&[
            ("YEASTAR_HOST", "pbx"),
            ("YEASTAR_USERNAME", "admin"),
            ("YEASTAR_PASSWORD", "secret"),
        ])
        .unwrap();
        let ami = c.ami.unwrap();
        assert_eq!(
            (ami.port, ami.tls, ami.context.as_str()),
            (5038, false, "from-internal")
        );
        let tls = config(&[
            ("YEASTAR_HOST", "pbx"),
            ("YEASTAR_USERNAME", "admin"),
            ("YEASTAR_PASSWORD", "secret"),
            ("YEASTAR_TLS", "yes"),
        ])
        .unwrap();
        assert_eq!(tls.ami.unwrap().port, 5039);
        let e = config(&[("YEASTAR_HOST", "pbx"), ("YEASTAR_USERNAME", "admin")]).unwrap_err();
        assert_eq!(e.setting, "YEASTAR_PASSWORD");
        let e = config(&[("YEASTAR_PASSWORD", "x")]).unwrap_err();
        assert_eq!(e.setting, "YEASTAR_HOST");
        let e = settings(&[("YEASTAR_PORT", "99999")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "YEASTAR_PORT: \"99999\" is not a port (1-65535)"
        );
        let e = settings(&[("YEASTAR_TLS", "maybe")]).unwrap_err();
        assert_eq!(e.setting, "YEASTAR_TLS");
    }

    #[test]
    fn sip_users_entries_and_their_errors() {
        let c = config(&[
            ("SIP_SERVER", "pbx"),
            (
                "SIP_USERS",
                "1001:p1:1001:Front desk,1004:p4:auth4:Manager:wsp4",
            ),
        ])
        .unwrap();
        let sip = c.sip.unwrap();
        assert_eq!(sip.transport, SipTransport::Udp);
        assert_eq!(sip.port, 5060);
        assert_eq!(sip.mode(), SipMode::Native);
        assert_eq!((sip.rtp_port_min, sip.rtp_port_max), (5700, 5750));
        let manager = sip.user("1004").unwrap();
        assert_eq!(manager.auth_user, "auth4");
        assert_eq!(manager.display_name, "Manager");
        assert_eq!(manager.password_for(SipTransport::Wss).expose(), "wsp4");
        assert_eq!(manager.password_for(SipTransport::Udp).expose(), "p4");
        assert_eq!(
            sip.user("1001")
                .unwrap()
                .password_for(SipTransport::Ws)
                .expose(),
            "p1"
        );
        let e = settings(&[("SIP_USERS", "1001:p1:1001:Desk,1002-only")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "SIP_USERS entry 2: expected ext:password:auth_user:Display Name[:ws_password]"
        );
        let e = config(&[
            ("SIP_SERVER", "pbx"),
            ("SIP_USERS", "1001:a:1001:A,1001:b:1001:B"),
        ])
        .unwrap_err();
        assert_eq!((e.setting, e.entry), ("SIP_USERS", Some(2)));
        let e = config(&[("SIP_USERS", "1001:a:1001:A")]).unwrap_err();
        assert_eq!(e.setting, "SIP_SERVER");
        let e = config(&[("SIP_SERVER", "pbx")]).unwrap_err();
        assert_eq!(e.setting, "SIP_USERS");
    }

    #[test]
    fn websocket_mode_from_transport_flag_or_url() {
        let users = ("SIP_USERS", "1004:p:1004:Manager:wsp");
        let c = config(&[("SIP_SERVER", "pbx"), ("SIP_TRANSPORT", "wss"), users]).unwrap();
        let sip = c.sip.unwrap();
        assert_eq!(sip.mode(), SipMode::WebSocket);
        assert_eq!(sip.port, 8089);
        assert_eq!(sip.websocket_url.as_deref(), Some("wss://pbx:8089/ws"));
        let c = config(&[("SIP_SERVER", "pbx"), ("SIP_USE_WEBSOCKET", "true"), users]).unwrap();
        assert_eq!(c.sip.unwrap().transport, SipTransport::Wss);
        let c = config(&[("SIP_WEBSOCKET_URL", "ws://10.0.0.5:8088/ws"), users]).unwrap();
        let sip = c.sip.unwrap();
        assert_eq!(sip.transport, SipTransport::Ws);
        assert_eq!(sip.websocket_url.as_deref(), Some("ws://10.0.0.5:8088/ws"));
        for bad in [
            "http://pbx/ws",
            "ws:///ws",
            "ws://",
            "wss://[]:8089/ws",
            "pbx:8088",
        ] {
            let e = config(&[("SIP_WEBSOCKET_URL", bad), users]).unwrap_err();
            assert_eq!(e.setting, "SIP_WEBSOCKET_URL", "{bad}");
        }
        let c = config(&[("SIP_WEBSOCKET_URL", "wss://[::1]:8089/ws"), users]).unwrap();
        assert_eq!(c.sip.unwrap().transport, SipTransport::Wss);
        let e = config(&[
            ("SIP_WEBSOCKET_URL", "ws://pbx:8088/ws"),
            ("SIP_TRANSPORT", "WSS"),
            users,
        ])
        .unwrap_err();
        assert_eq!(e.setting, "SIP_TRANSPORT");
        let e = settings(&[("SIP_TRANSPORT", "SCTP")]).unwrap_err();
        assert_eq!(e.setting, "SIP_TRANSPORT");
        let e = config(&[
            ("SIP_SERVER", "pbx"),
            ("RTP_PORT_MIN", "6000"),
            ("RTP_PORT_MAX", "5999"),
            users,
        ])
        .unwrap_err();
        assert_eq!(e.setting, "RTP_PORT_MAX");
    }

    #[test]
    fn the_file_wins_over_the_environment_and_sources_say_so() {
        let env = settings(&[
            ("YEASTAR_HOST", "env-pbx"),
            ("YEASTAR_USERNAME", "admin"),
            ("YEASTAR_PASSWORD", "env-secret"),
        ])
        .unwrap();
        let file = RawSettings::from_toml(
            "[ami]\nhost = \"file-pbx\"\n\n[sip]\nserver = \"file-pbx\"\ntransport = \"TCP\"\n\
             users = [{ extension = \"1001\", password = \"p\", auth_user = \"1001\", display_name = \"Desk\" }]\n",
        )
        .unwrap();
        let loaded = PbxConfig::load(&env, Some(&file)).unwrap();
        let ami = loaded.config.ami.clone().unwrap();
        assert_eq!(ami.host, "file-pbx");
        assert_eq!(ami.password.expose(), "env-secret");
        assert_eq!(loaded.sources["YEASTAR_HOST"], ValueSource::File);
        assert_eq!(loaded.sources["YEASTAR_PASSWORD"], ValueSource::Environment);
        assert_eq!(loaded.sources["YEASTAR_PORT"], ValueSource::Default);
        assert_eq!(
            loaded.config.sip.as_ref().unwrap().transport,
            SipTransport::Tcp
        );
        // The file round-trips, secrets included; Debug and Display never show them.
        let text = loaded.settings.to_toml();
        assert_eq!(RawSettings::from_toml(&text).unwrap(), loaded.settings);
        let debug = format!("{:?}", loaded.config);
        assert!(
            !debug.contains("env-secret") && debug.contains("********"),
            "{debug}"
        );
        let shown = serde_json::to_string(&loaded.settings.masked()).unwrap();
        assert!(
            !shown.contains("env-secret") && !shown.contains("\"p\""),
            "{shown}"
        );
        // The page sends the masked settings back with one change: the secrets stay.
        let mut update = loaded.settings.masked();
        update.ami.port = Some(5040);
        let update = update.unmasked_from(&loaded.settings);
        assert_eq!(update.ami.password.unwrap().expose(), "env-secret");
        assert_eq!(update.sip.users.unwrap()[0].password.expose(), "p");
        let e = RawSettings::from_toml("[ami]\nhostname = \"x\"\n").unwrap_err();
        assert_eq!(e.setting, "SETTINGS_FILE");
        assert!(e.reason.contains("hostname"), "{e}");
        let zero = RawSettings::from_toml("[ami]\nhost = \"pbx\"\nport = 0\n").unwrap();
        let e = PbxConfig::load(&env, Some(&zero)).unwrap_err();
        assert_eq!(e.to_string(), "YEASTAR_PORT: 0 is not a port (1-65535)");
        let zero = RawSettings::from_toml("[sip]\nrtp_port_min = 0\n").unwrap();
        assert_eq!(zero.resolve().unwrap_err().setting, "RTP_PORT_MIN");
        let e = RawSettings::from_toml("[ami]\nhostname = \"x\"\n").unwrap_err();
        assert_eq!(e.setting, "SETTINGS_FILE");
        assert!(e.reason.contains("hostname"), "{e}");
    }
}
