//! When to try again after a connection failed or dropped.

use std::time::Duration;

/// How reconnection waits between attempts: exponential, capped, with jitter so that many
/// clients of one PBX do not reconnect in lockstep.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Delay after the PBX refused the login: long, since retrying a wrong password quickly
    /// only fills the PBX's security log (and may get the address banned).
    pub after_login_refused: Duration,
    /// Random spread, 0.0–1.0, as a fraction of the delay.
    pub jitter: f64,
    /// Give up after this many failed attempts in a row; `None` retries for ever.
    pub max_attempts: Option<u32>,
}

/// Default [`ReconnectPolicy::initial`]: 500 ms.
pub const DEFAULT_RECONNECT_INITIAL: Duration = Duration::from_millis(500);
/// Default [`ReconnectPolicy::max`]: 30 s.
pub const DEFAULT_RECONNECT_MAX: Duration = Duration::from_secs(30);
/// Default [`ReconnectPolicy::after_login_refused`]: 60 s.
pub const DEFAULT_RETRY_AFTER_LOGIN_REFUSED: Duration = Duration::from_secs(60);

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            initial: DEFAULT_RECONNECT_INITIAL,
            max: DEFAULT_RECONNECT_MAX,
            after_login_refused: DEFAULT_RETRY_AFTER_LOGIN_REFUSED,
            jitter: 0.2,
            max_attempts: None,
        }
    }
}

impl ReconnectPolicy {
    /// The delay before attempt `attempt` (1-based), spread by `rng`.
    pub fn delay(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        let exp = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(16)));
        self.spread(exp.min(self.max), rng)
    }

    /// `base` spread by the jitter.
    pub fn spread(&self, base: Duration, rng: &mut fastrand::Rng) -> Duration {
        let spread = base.as_secs_f64() * self.jitter.clamp(0.0, 1.0);
        let offset = (rng.f64() * 2.0 - 1.0) * spread;
        Duration::from_secs_f64((base.as_secs_f64() + offset).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_capped() {
        let policy = ReconnectPolicy {
            jitter: 0.0,
            ..ReconnectPolicy::default()
        };
        let mut rng = fastrand::Rng::with_seed(1);
        let delays: Vec<u64> = (1..=9)
            .map(|a| policy.delay(a, &mut rng).as_millis() as u64)
            .collect();
        assert_eq!(
            delays,
            [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        let spread = ReconnectPolicy::default();
        for attempt in 1..50 {
            let d = spread.delay(attempt, &mut rng);
            assert!(d <= spread.max.mul_f64(1.2) && d >= DEFAULT_RECONNECT_INITIAL.mul_f64(0.8));
        }
    }
}
