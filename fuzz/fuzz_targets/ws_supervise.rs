//! The keep-alive and reconnection state machines of `yeastar-ws`, fed arbitrary events at
//! arbitrary instants.
//!
//! Invariants:
//! - no panic;
//! - after `handle_timeout(now)` nothing is left due at or before `now`;
//! - `Dead` comes only after a keep-alive with nothing received since, and at most once;
//! - every reconnection delay lies within 50–100 % of `initial · 2^(failures−1)` capped at
//!   `max`; `Recovered` exactly for the connections after the first.
#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use yeastar_ws::supervise::{
    Established, Keepalive, KeepaliveAction, KeepaliveConfig, KeepaliveMechanism, LinkState,
    Reconnect, ReconnectConfig,
};

#[derive(Debug, Arbitrary)]
enum Op {
    Advance(u16),
    Inbound,
    KeepaliveTimeout,
    ConnectNow,
    Connected,
    ConnectFailed,
    Closed,
    Released,
    ReconnectTimeout,
    Stop,
}

#[derive(Debug, Arbitrary)]
struct Input {
    interval_ms: Option<u16>,
    pong_ms: u16,
    crlf: bool,
    initial_ms: u16,
    max_ms: u16,
    stable_ms: u16,
    enabled: bool,
    seed: u64,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let start = Instant::now();
    let mut now = start;
    let mut kc = KeepaliveConfig::default();
    kc.interval = input.interval_ms.map(|ms| Duration::from_millis(u64::from(ms).max(1)));
    kc.pong_timeout = Duration::from_millis(u64::from(input.pong_ms).max(1));
    kc.mechanism = if input.crlf { KeepaliveMechanism::Crlf } else { KeepaliveMechanism::Ping };
    let mut keepalive = Keepalive::new(kc, now);
    let mut rc = ReconnectConfig::default();
    rc.enabled = input.enabled;
    rc.initial = Duration::from_millis(u64::from(input.initial_ms).max(1));
    rc.max = Duration::from_millis(u64::from(input.max_ms).max(1));
    rc.stable_after = Duration::from_millis(u64::from(input.stable_ms));
    let mut reconnect = Reconnect::new(rc, input.seed);

    let mut pinged_since_inbound = false;
    let mut dead_count = 0;
    let mut had_connection = false;
    let check_delay = |r: &Reconnect, at: Option<Instant>, now: Instant| {
        if let Some(at) = at {
            let failures = r.failures().max(1);
            let full = rc.initial.saturating_mul(1u32 << (failures - 1).min(30)).min(rc.max);
            let d = at - now;
            assert!(d <= full && d + Duration::from_micros(1) >= full / 2, "{d:?} for {failures} failures");
        }
    };
    for op in input.ops.into_iter().take(512) {
        match op {
            Op::Advance(ms) => now += Duration::from_millis(u64::from(ms)),
            Op::Inbound => {
                keepalive.on_inbound(now);
                pinged_since_inbound = false;
            }
            Op::KeepaliveTimeout => {
                match keepalive.handle_timeout(now) {
                    Some(KeepaliveAction::SendPing | KeepaliveAction::SendCrlf) => {
                        assert!(kc.interval.is_some());
                        pinged_since_inbound = true;
                    }
                    Some(KeepaliveAction::Dead) => {
                        assert!(pinged_since_inbound, "dead without an unanswered keep-alive");
                        dead_count += 1;
                        assert_eq!(dead_count, 1);
                    }
                    None => {}
                }
                assert!(keepalive.poll_timeout().is_none_or(|t| t > now), "a keep-alive deadline left in the past");
            }
            Op::ConnectNow => {
                let was_idle = reconnect.state() == LinkState::Idle;
                assert_eq!(reconnect.connect_now(), was_idle);
            }
            Op::Connected => {
                if reconnect.state() == LinkState::Connecting {
                    match reconnect.on_connected(now) {
                        Established::First => assert!(!had_connection),
                        Established::Recovered { attempts } => {
                            assert!(had_connection);
                            assert!(attempts >= 1);
                        }
                    }
                    had_connection = true;
                }
            }
            Op::ConnectFailed => {
                if reconnect.state() == LinkState::Connecting {
                    let at = reconnect.on_connect_failed(now);
                    check_delay(&reconnect, at, now);
                    assert_eq!(at.is_some(), rc.enabled);
                }
            }
            Op::Closed => {
                if matches!(reconnect.state(), LinkState::Open { .. }) {
                    let at = reconnect.on_closed(now);
                    check_delay(&reconnect, at, now);
                }
            }
            Op::Released => reconnect.release(),
            Op::ReconnectTimeout => {
                reconnect.handle_timeout(now);
                assert!(reconnect.poll_timeout().is_none_or(|t| t > now), "a retry left in the past");
            }
            Op::Stop => {
                reconnect.stop();
                assert_eq!(reconnect.poll_timeout(), None);
                assert!(!reconnect.connect_now());
            }
        }
    }
});
