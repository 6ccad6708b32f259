//! Keep-alive and reconnection decisions, sans-IO: fed instants and what happened, they say
//! what to do and when to be woken up. The tokio tasks only carry them out.
//!
//! - [`Keepalive`], one per connection: a WebSocket ping (or a CRLF CRLF keep-alive) when
//!   nothing has been received for [`KeepaliveConfig::interval`], and the flow declared dead
//!   when nothing at all comes back within [`KeepaliveConfig::pong_timeout`].
//! - [`Reconnect`], one per client transport: exponential backoff with 50–100 % jitter from
//!   [`ReconnectConfig::initial`] up to [`ReconnectConfig::max`]; the failure count starts
//!   again once a connection has stayed up for [`ReconnectConfig::stable_after`].
//!
//! ```
//! use std::time::{Duration, Instant};
//! use yeastar_ws::supervise::{Keepalive, KeepaliveAction, KeepaliveConfig};
//!
//! let start = Instant::now();
//! let mut keepalive = Keepalive::new(KeepaliveConfig::default(), start);
//! let ping_at = keepalive.poll_timeout().expect("a ping is scheduled");
//! assert_eq!(ping_at, start + Duration::from_secs(25));
//! assert_eq!(keepalive.handle_timeout(ping_at), Some(KeepaliveAction::SendPing));
//! // Nothing comes back within the pong timeout: the flow is dead.
//! let dead_at = keepalive.poll_timeout().expect("a pong deadline");
//! assert_eq!(keepalive.handle_timeout(dead_at), Some(KeepaliveAction::Dead));
//! ```

use std::time::{Duration, Instant};

/// Default keep-alive interval: under the 30 s after which many NATs and proxies drop an idle
/// connection, and well under the 60 s the issue asks for.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(25);
/// Default time for a pong (or anything) to come back after a keep-alive (RFC 5626 §4.4.1
/// uses 10 s for CRLF pongs).
pub const DEFAULT_PONG_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest time one write may take before the peer is deemed not to read.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default first reconnection delay (before jitter).
pub const DEFAULT_RECONNECT_INITIAL: Duration = Duration::from_secs(1);
/// Default longest reconnection delay (before jitter).
pub const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(60);
/// Default time a connection must have stayed up for the backoff to start again from
/// [`DEFAULT_RECONNECT_INITIAL`]: a server that accepts and drops at once is retried ever
/// more slowly.
pub const DEFAULT_STABLE_AFTER: Duration = Duration::from_secs(10);

/// How a keep-alive is sent.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeepaliveMechanism {
    /// A WebSocket ping frame; every WebSocket server answers with a pong (RFC 6455 §5.5.2).
    #[default]
    Ping,
    /// A `\r\n\r\n` message (RFC 5626 §4.4.1 over WebSocket); only servers doing RFC 5626 on
    /// WebSocket answer with `\r\n`. A pong or any other message counts as the answer.
    Crlf,
}

/// Keep-alive settings of each connection.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepaliveConfig {
    /// Send a keep-alive after this long without receiving anything; `None` sends none (and
    /// so detects no dead flow).
    pub interval: Option<Duration>,
    /// Close the flow when nothing comes back within this long after a keep-alive.
    pub pong_timeout: Duration,
    /// Ping frames or CRLF.
    pub mechanism: KeepaliveMechanism,
    /// Longest time one write may take ([`DEFAULT_WRITE_TIMEOUT`]).
    pub write_timeout: Duration,
}

impl Default for KeepaliveConfig {
    fn default() -> Self {
        KeepaliveConfig {
            interval: Some(DEFAULT_KEEPALIVE_INTERVAL),
            pong_timeout: DEFAULT_PONG_TIMEOUT,
            mechanism: KeepaliveMechanism::Ping,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
        }
    }
}

impl KeepaliveConfig {
    /// Keep-alives every `interval`, dead after `pong_timeout` without an answer.
    #[must_use]
    pub fn every(interval: Duration, pong_timeout: Duration) -> KeepaliveConfig {
        KeepaliveConfig {
            interval: Some(interval),
            pong_timeout,
            ..KeepaliveConfig::default()
        }
    }

    /// No keep-alives.
    #[must_use]
    pub fn disabled() -> KeepaliveConfig {
        KeepaliveConfig {
            interval: None,
            ..KeepaliveConfig::default()
        }
    }

    /// The same with another mechanism.
    #[must_use]
    pub fn with_mechanism(mut self, mechanism: KeepaliveMechanism) -> KeepaliveConfig {
        self.mechanism = mechanism;
        self
    }
}

/// What the connection task must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepaliveAction {
    /// Send a WebSocket ping.
    SendPing,
    /// Send a `\r\n\r\n` message.
    SendCrlf,
    /// Nothing came back in time: close the flow and report it failed.
    Dead,
}

/// The keep-alive state of one connection.
#[derive(Debug, Clone)]
pub struct Keepalive {
    config: KeepaliveConfig,
    last_inbound: Instant,
    last_keepalive: Option<Instant>,
    pong_deadline: Option<Instant>,
    dead: bool,
}

impl Keepalive {
    /// A connection that opened at `now`.
    #[must_use]
    pub fn new(config: KeepaliveConfig, now: Instant) -> Keepalive {
        Keepalive {
            config,
            last_inbound: now,
            last_keepalive: None,
            pong_deadline: None,
            dead: false,
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &KeepaliveConfig {
        &self.config
    }

    /// Something arrived (a message, a ping, a pong, a CRLF): the flow is alive.
    pub fn on_inbound(&mut self, now: Instant) {
        if now > self.last_inbound {
            self.last_inbound = now;
        }
        self.pong_deadline = None;
    }

    /// True once [`KeepaliveAction::Dead`] was returned.
    #[must_use]
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// When [`Keepalive::handle_timeout`] must be called next; `None` when nothing is
    /// scheduled (keep-alives disabled, or the flow is dead).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.dead {
            return None;
        }
        if let Some(deadline) = self.pong_deadline {
            return Some(deadline);
        }
        let interval = self.config.interval?;
        let from = self
            .last_keepalive
            .map_or(self.last_inbound, |k| k.max(self.last_inbound));
        Some(from + interval)
    }

    /// Runs what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<KeepaliveAction> {
        let due = self.poll_timeout()?;
        if now < due {
            return None;
        }
        if self.pong_deadline.is_some() {
            self.dead = true;
            self.pong_deadline = None;
            return Some(KeepaliveAction::Dead);
        }
        self.last_keepalive = Some(now);
        self.pong_deadline = Some(now + self.config.pong_timeout);
        Some(match self.config.mechanism {
            KeepaliveMechanism::Ping => KeepaliveAction::SendPing,
            KeepaliveMechanism::Crlf => KeepaliveAction::SendCrlf,
        })
    }
}

/// Reconnection settings of a client transport.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectConfig {
    /// Reconnect at all; when `false` a lost connection stays lost (the transport still
    /// connects again when asked to send).
    pub enabled: bool,
    /// First delay ([`DEFAULT_RECONNECT_INITIAL`]); doubled per consecutive failure.
    pub initial: Duration,
    /// Longest delay ([`DEFAULT_RECONNECT_MAX`]).
    pub max: Duration,
    /// Uptime after which a connection counts as stable ([`DEFAULT_STABLE_AFTER`]).
    pub stable_after: Duration,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        ReconnectConfig {
            enabled: true,
            initial: DEFAULT_RECONNECT_INITIAL,
            max: DEFAULT_RECONNECT_MAX,
            stable_after: DEFAULT_STABLE_AFTER,
        }
    }
}

impl ReconnectConfig {
    /// Backoff from `initial` up to `max`.
    #[must_use]
    pub fn backoff(initial: Duration, max: Duration) -> ReconnectConfig {
        ReconnectConfig {
            initial,
            max,
            ..ReconnectConfig::default()
        }
    }

    /// Never reconnect by itself.
    #[must_use]
    pub fn disabled() -> ReconnectConfig {
        ReconnectConfig {
            enabled: false,
            ..ReconnectConfig::default()
        }
    }
}

/// Where the link of a client transport stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Not connected and not trying (before the start, or reconnection disabled).
    Idle,
    /// A connection attempt is under way.
    Connecting,
    /// Connected since this instant.
    Open {
        /// When the connection opened.
        since: Instant,
    },
    /// Waiting to try again.
    Waiting {
        /// When to try.
        until: Instant,
    },
    /// Shut down: nothing more will happen.
    Stopped,
}

/// How a connection came up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Established {
    /// The first connection of the transport.
    First,
    /// A connection after an earlier one ended (lost, or closed on request): a new flow, on
    /// which the UA core must register again (flow recovery, RFC 5626 §4.5).
    Recovered {
        /// Connection attempts it took since the loss (1 when the first one worked).
        attempts: u32,
    },
}

/// The reconnection state of a client transport.
#[derive(Debug, Clone)]
pub struct Reconnect {
    config: ReconnectConfig,
    rng: fastrand::Rng,
    state: LinkState,
    /// Consecutive failures (attempts that failed, connections that did not stay up).
    failures: u32,
    /// Attempts since the last loss (or since the start).
    attempts: u32,
    ever_connected: bool,
}

impl Reconnect {
    /// A transport not started yet; `seed` makes the jitter reproducible.
    #[must_use]
    pub fn new(config: ReconnectConfig, seed: u64) -> Reconnect {
        Reconnect {
            config,
            rng: fastrand::Rng::with_seed(seed),
            state: LinkState::Idle,
            failures: 0,
            attempts: 0,
            ever_connected: false,
        }
    }

    /// Where the link stands.
    #[must_use]
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// Consecutive failures so far.
    #[must_use]
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Asks for a connection now (the start, or a send while idle). Returns true when the
    /// task must start connecting; false when one is open, under way, waiting for its
    /// backoff, or the transport is stopped.
    pub fn connect_now(&mut self) -> bool {
        if matches!(self.state, LinkState::Idle) {
            self.state = LinkState::Connecting;
            self.attempts = self.attempts.saturating_add(1);
            true
        } else {
            false
        }
    }

    /// The attempt succeeded.
    pub fn on_connected(&mut self, now: Instant) -> Established {
        if self.state == LinkState::Stopped {
            return Established::First;
        }
        self.state = LinkState::Open { since: now };
        let attempts = core::mem::take(&mut self.attempts).max(1);
        if core::mem::replace(&mut self.ever_connected, true) {
            Established::Recovered { attempts }
        } else {
            Established::First
        }
    }

    /// The attempt failed; returns when the next one is (`None`: not by itself).
    pub fn on_connect_failed(&mut self, now: Instant) -> Option<Instant> {
        if self.state == LinkState::Stopped {
            return None;
        }
        self.failures = self.failures.saturating_add(1);
        self.schedule(now)
    }

    /// The open connection closed or failed; returns when the next attempt is.
    pub fn on_closed(&mut self, now: Instant) -> Option<Instant> {
        match self.state {
            LinkState::Stopped => return None,
            LinkState::Open { since }
                if now.saturating_duration_since(since) >= self.config.stable_after =>
            {
                self.failures = 0;
            }
            _ => {}
        }
        self.failures = self.failures.saturating_add(1);
        self.attempts = 0;
        self.schedule(now)
    }

    fn schedule(&mut self, now: Instant) -> Option<Instant> {
        if !self.config.enabled {
            self.state = LinkState::Idle;
            return None;
        }
        let until = now + self.delay();
        self.state = LinkState::Waiting { until };
        Some(until)
    }

    /// The delay for the current failure count: `initial · 2^(failures−1)` capped at `max`,
    /// times a random 50–100 % so that clients of one restarted server do not come back
    /// together.
    fn delay(&mut self) -> Duration {
        let exp = self.failures.saturating_sub(1).min(30);
        let full = self
            .config
            .initial
            .saturating_mul(1u32 << exp)
            .min(self.config.max);
        full.mul_f64(0.5 + self.rng.f64() / 2.0)
    }

    /// When [`Reconnect::handle_timeout`] must be called next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            LinkState::Waiting { until } => Some(until),
            _ => None,
        }
    }

    /// Returns true when the task must start connecting now.
    pub fn handle_timeout(&mut self, now: Instant) -> bool {
        match self.state {
            LinkState::Waiting { until } if now >= until => {
                self.state = LinkState::Connecting;
                self.attempts = self.attempts.saturating_add(1);
                true
            }
            _ => false,
        }
    }

    /// The connection was closed on request: no attempt until [`Reconnect::connect_now`].
    pub fn release(&mut self) {
        if self.state != LinkState::Stopped {
            self.state = LinkState::Idle;
            self.attempts = 0;
        }
    }

    /// Shut down: no more attempts.
    pub fn stop(&mut self) {
        self.state = LinkState::Stopped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn idle_flow_is_pinged_and_a_pong_keeps_it() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(KeepaliveConfig::every(secs(25), secs(10)), t0);
        assert_eq!(k.poll_timeout(), Some(t0 + secs(25)));
        assert_eq!(k.handle_timeout(t0 + secs(24)), None, "not due yet");
        assert_eq!(
            k.handle_timeout(t0 + secs(25)),
            Some(KeepaliveAction::SendPing)
        );
        assert_eq!(k.poll_timeout(), Some(t0 + secs(35)), "the pong deadline");
        k.on_inbound(t0 + secs(26));
        // Next ping 25 s after the last thing heard or sent, whichever is later.
        assert_eq!(k.poll_timeout(), Some(t0 + secs(51)));
        // Traffic postpones it.
        k.on_inbound(t0 + secs(40));
        assert_eq!(k.poll_timeout(), Some(t0 + secs(65)));
        assert!(!k.is_dead());
    }

    #[test]
    fn no_pong_within_the_timeout_is_a_dead_flow() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(
            KeepaliveConfig::every(secs(5), secs(3)).with_mechanism(KeepaliveMechanism::Crlf),
            t0,
        );
        assert_eq!(
            k.handle_timeout(t0 + secs(5)),
            Some(KeepaliveAction::SendCrlf)
        );
        assert_eq!(k.handle_timeout(t0 + secs(7)), None);
        assert_eq!(k.handle_timeout(t0 + secs(8)), Some(KeepaliveAction::Dead));
        assert!(k.is_dead());
        assert_eq!(k.poll_timeout(), None);
        assert_eq!(k.handle_timeout(t0 + secs(100)), None, "dead once");
    }

    #[test]
    fn disabled_keepalive_schedules_nothing() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(KeepaliveConfig::disabled(), t0);
        assert_eq!(k.poll_timeout(), None);
        assert_eq!(k.handle_timeout(t0 + secs(3600)), None);
    }

    #[test]
    fn late_wakeup_sends_one_ping_then_waits_for_its_pong() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(KeepaliveConfig::every(secs(25), secs(10)), t0);
        // The task woke up 100 s late: one ping, and the deadline counts from now.
        assert_eq!(
            k.handle_timeout(t0 + secs(100)),
            Some(KeepaliveAction::SendPing)
        );
        assert_eq!(k.poll_timeout(), Some(t0 + secs(110)));
    }

    /// Delays on a virtual clock: each within 50–100 % of the doubled base, capped.
    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let mut r = Reconnect::new(ReconnectConfig::backoff(secs(1), secs(30)), 7);
        let mut now = Instant::now();
        assert!(r.connect_now());
        assert!(!r.connect_now(), "one attempt at a time");
        let mut delays = Vec::new();
        for _ in 0..8 {
            let at = r.on_connect_failed(now).unwrap();
            let d = at - now;
            delays.push(d);
            assert_eq!(r.poll_timeout(), Some(at));
            assert!(!r.handle_timeout(at - Duration::from_millis(1)));
            assert!(r.handle_timeout(at));
            now = at;
        }
        let bases = [1, 2, 4, 8, 16, 30, 30, 30];
        for (d, base) in delays.iter().zip(bases) {
            let base = secs(base);
            assert!(
                *d >= base / 2 && *d <= base,
                "{d:?} not in [{:?}, {base:?}]",
                base / 2
            );
        }
        // Not all at the bottom or top of their ranges: there is jitter.
        assert!(delays.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(r.failures(), 8);
    }

    #[test]
    fn same_seed_same_delays() {
        let run = |seed| {
            let mut r = Reconnect::new(ReconnectConfig::default(), seed);
            let now = Instant::now();
            r.connect_now();
            (0..5)
                .map(|_| {
                    let at = r.on_connect_failed(now).unwrap();
                    r.handle_timeout(at);
                    at - now
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn recovery_after_a_stable_connection_starts_from_the_initial_delay() {
        let t0 = Instant::now();
        let mut r = Reconnect::new(ReconnectConfig::backoff(secs(1), secs(60)), 3);
        assert!(r.connect_now());
        assert_eq!(r.on_connected(t0), Established::First);
        assert_eq!(r.state(), LinkState::Open { since: t0 });
        // Up for an hour, then the server restarts.
        let lost = t0 + secs(3600);
        let at = r.on_closed(lost).unwrap();
        assert!(at - lost <= secs(1) && at - lost >= Duration::from_millis(500));
        assert!(r.handle_timeout(at));
        // The server is still down once, then back.
        let at2 = r.on_connect_failed(at).unwrap();
        assert!(at2 - at >= secs(1) && at2 - at <= secs(2));
        assert!(r.handle_timeout(at2));
        assert_eq!(r.on_connected(at2), Established::Recovered { attempts: 2 });
    }

    #[test]
    fn a_server_that_drops_at_once_is_retried_ever_more_slowly() {
        let mut now = Instant::now();
        let mut r = Reconnect::new(ReconnectConfig::backoff(secs(1), secs(60)), 11);
        r.connect_now();
        let mut last = Duration::ZERO;
        for round in 0..6 {
            r.on_connected(now);
            now += Duration::from_millis(100); // dropped before stable_after
            let at = r.on_closed(now).unwrap();
            let d = at - now;
            let base = secs(1 << round);
            assert!(d >= base / 2 && d <= base, "round {round}: {d:?}");
            assert!(round == 0 || d > last / 2);
            last = d;
            assert!(r.handle_timeout(at));
            now = at;
        }
    }

    /// Found by the ws_supervise fuzz target: a connection closed on request and opened
    /// again is a new flow too, reported as recovered.
    #[test]
    fn a_released_connection_opened_again_is_recovered() {
        let now = Instant::now();
        let mut r = Reconnect::new(ReconnectConfig::default(), 1);
        assert!(r.connect_now());
        assert_eq!(r.on_connected(now), Established::First);
        r.release();
        assert_eq!(r.state(), LinkState::Idle);
        assert_eq!(r.poll_timeout(), None, "no attempt by itself");
        assert!(r.connect_now());
        assert_eq!(r.on_connected(now), Established::Recovered { attempts: 1 });
    }

    #[test]
    fn disabled_and_stopped() {
        let now = Instant::now();
        let mut r = Reconnect::new(ReconnectConfig::disabled(), 1);
        assert!(r.connect_now());
        r.on_connected(now);
        assert_eq!(r.on_closed(now), None);
        assert_eq!(r.state(), LinkState::Idle);
        assert!(r.connect_now(), "a send may still connect");
        r.stop();
        assert_eq!(r.on_connect_failed(now), None);
        assert!(!r.connect_now());
        assert_eq!(r.poll_timeout(), None);
    }
}
