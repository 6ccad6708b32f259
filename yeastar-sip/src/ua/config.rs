//! Endpoint and account configuration, and the limits of every table.

use std::time::Duration;

use super::digest::Secret;
use super::timers::Timers;
use super::transaction::DEFAULT_MAX_TRANSACTIONS;
use super::transport::Remote;

/// Default bound of the call table (each call holds its dialog, early dialogs and media
/// descriptions). A phone has a handful of calls; the bound stops a flood of INVITEs.
pub const DEFAULT_MAX_CALLS: usize = 128;
/// Default bound of the account table.
pub const DEFAULT_MAX_ACCOUNTS: usize = 16;
/// Most early dialogs kept per outgoing call (forked 1xx with different To tags).
pub const MAX_EARLY_DIALOGS: usize = 8;
/// Default bound of the event queue; when the driver does not drain it, the oldest events
/// are dropped and counted.
pub const DEFAULT_MAX_QUEUED_EVENTS: usize = 4096;
/// Most times one request is re-sent with new credentials (stale nonces included) before
/// the credentials are reported as rejected.
pub const MAX_AUTH_ATTEMPTS: u32 = 4;
/// Largest body the endpoint accepts in a request or response it acts on (SDP, sipfrag,
/// dtmf-relay); larger bodies are refused with 413 or ignored.
pub const MAX_BODY_LEN: usize = 16 * 1024;

/// Default `Session-Expires` we ask for (RFC 4028 recommends 1800 s).
pub const DEFAULT_SESSION_EXPIRES: u32 = 1800;
/// Default and smallest `Min-SE` (RFC 4028 §4: 90 s).
pub const DEFAULT_MIN_SE: u32 = 90;

/// Default registration interval asked for.
pub const DEFAULT_REGISTER_EXPIRES: u32 = 3600;
/// Registrations are refreshed when `granted − min(granted / 2, REGISTER_REFRESH_MARGIN)` has
/// elapsed: at least one non-INVITE transaction timeout (64·T1 = 32 s) before they lapse, and
/// never before half of the interval.
pub const REGISTER_REFRESH_MARGIN: Duration = Duration::from_secs(32);
/// First retry delay after a failed registration (RFC 5626 §4.5 base time when all flows
/// failed), doubled per consecutive failure up to [`REGISTER_RETRY_MAX`], with 50–100 %
/// random jitter.
pub const REGISTER_RETRY_BASE: Duration = Duration::from_secs(30);
/// Longest retry delay (RFC 5626 §4.5 max-time).
pub const REGISTER_RETRY_MAX: Duration = Duration::from_secs(1800);
/// Default keep-alive interval on UDP (OPTIONS to the registrar): under the 30 s many NATs
/// keep an idle UDP binding.
pub const DEFAULT_UDP_KEEPALIVE: Duration = Duration::from_secs(25);
/// Default keep-alive interval on TCP/TLS (CRLF CRLF ping, RFC 5626 §4.4.1 suggests 95–120 s).
pub const DEFAULT_STREAM_KEEPALIVE: Duration = Duration::from_secs(110);
/// How long a CRLF pong may take before the flow counts as failed (RFC 5626 §4.4.1).
pub const PONG_TIMEOUT: Duration = Duration::from_secs(10);

/// Limits of the endpoint's tables; each is checked before anything is added.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointLimits {
    /// Client transactions, and separately server transactions
    /// ([`DEFAULT_MAX_TRANSACTIONS`]). A new request beyond it is answered 503 statelessly.
    pub max_transactions: usize,
    /// Calls ([`DEFAULT_MAX_CALLS`]); an INVITE beyond it is answered 503.
    pub max_calls: usize,
    /// Accounts ([`DEFAULT_MAX_ACCOUNTS`]).
    pub max_accounts: usize,
    /// Queued events ([`DEFAULT_MAX_QUEUED_EVENTS`]).
    pub max_queued_events: usize,
}

impl Default for EndpointLimits {
    fn default() -> Self {
        Self {
            max_transactions: DEFAULT_MAX_TRANSACTIONS,
            max_calls: DEFAULT_MAX_CALLS,
            max_accounts: DEFAULT_MAX_ACCOUNTS,
            max_queued_events: DEFAULT_MAX_QUEUED_EVENTS,
        }
    }
}

/// Session timer settings (RFC 4028).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// `Session-Expires` asked for in our INVITEs; `None` asks for nothing (a peer asking is
    /// still honoured).
    pub expires: Option<u32>,
    /// Our `Min-SE`; an INVITE asking for less is answered 422.
    pub min_se: u32,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        Self {
            expires: Some(DEFAULT_SESSION_EXPIRES),
            min_se: DEFAULT_MIN_SE,
        }
    }
}

/// Endpoint-wide configuration.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// Transaction timers.
    pub timers: Timers,
    /// Table bounds.
    pub limits: EndpointLimits,
    /// `User-Agent` (requests) and `Server` (responses) value; `None` sends none.
    pub user_agent: Option<String>,
    /// Session timers.
    pub session_timer: SessionTimerConfig,
    /// Seed of the random generator (tags, branches, Call-IDs, cnonces, jitter). `None` seeds
    /// from the process's random source; tests give a fixed seed to be deterministic.
    pub seed: Option<u64>,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            timers: Timers::default(),
            limits: EndpointLimits::default(),
            user_agent: Some(concat!("yeastar-sip/", env!("CARGO_PKG_VERSION")).to_owned()),
            session_timer: SessionTimerConfig::default(),
            seed: None,
        }
    }
}

/// RFC 5626 (SIP outbound) settings of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    /// `+sip.instance`, e.g. `urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF` (stable per device).
    pub instance: String,
    /// `reg-id` of this flow.
    pub reg_id: u32,
}

/// One SIP account: identity, credentials, registrar, registration and keep-alive policy.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// User part of the address of record and the Contact (`1001`).
    pub user: String,
    /// Domain of the address of record (`pbx.example.com` or an IP).
    pub domain: String,
    /// Display name in From.
    pub display_name: Option<String>,
    /// Digest user name (defaults to `user`).
    pub auth_user: Option<String>,
    /// Password.
    pub password: Secret,
    /// Where requests of this account go (registrar and outbound proxy): address and
    /// transport. No DNS is done here (RFC 3263 is the driver's business).
    pub proxy: Remote,
    /// Register at all (a trunk peer or direct-IP account may not).
    pub register: bool,
    /// Expires asked for ([`DEFAULT_REGISTER_EXPIRES`]).
    pub expires: u32,
    /// RFC 5626 outbound: `+sip.instance`, `reg-id`, `;ob`.
    pub outbound: Option<Outbound>,
    /// Keep-alive interval: OPTIONS to the registrar on UDP, CRLF CRLF on TCP/TLS. `None`
    /// disables them. Defaults: [`DEFAULT_UDP_KEEPALIVE`], [`DEFAULT_STREAM_KEEPALIVE`].
    pub keepalive: Option<Duration>,
    /// Learn the public address from `received`/`rport` of responses and re-register with
    /// it in the Contact (removing the old binding). Not done on WebSocket, whose Contact
    /// names no address.
    pub nat_contact_rewrite: bool,
}

impl AccountConfig {
    /// An account registering `user@domain` through `proxy`, with default policies.
    pub fn new(
        user: impl Into<String>,
        domain: impl Into<String>,
        password: impl Into<Secret>,
        proxy: Remote,
    ) -> Self {
        let keepalive = if proxy.transport.is_reliable() {
            DEFAULT_STREAM_KEEPALIVE
        } else {
            DEFAULT_UDP_KEEPALIVE
        };
        Self {
            user: user.into(),
            domain: domain.into(),
            display_name: None,
            auth_user: None,
            password: password.into(),
            proxy,
            register: true,
            expires: DEFAULT_REGISTER_EXPIRES,
            outbound: None,
            keepalive: Some(keepalive),
            nat_contact_rewrite: true,
        }
    }

    /// The digest user name.
    #[must_use]
    pub fn auth_user(&self) -> &str {
        self.auth_user.as_deref().unwrap_or(&self.user)
    }

    /// `sip:user@domain`.
    #[must_use]
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain)
    }
}
