//! RFC 3261 §17 timer values (Table 4) and their configuration.

use std::time::Duration;

/// T1: round-trip time estimate, 500 ms (RFC 3261 §17.1.1.1).
pub const DEFAULT_T1: Duration = Duration::from_millis(500);
/// T2: longest retransmit interval for non-INVITE requests and INVITE responses, 4 s.
pub const DEFAULT_T2: Duration = Duration::from_secs(4);
/// T4: longest time a message stays in the network, 5 s.
pub const DEFAULT_T4: Duration = Duration::from_secs(5);
/// Timer D: how long a client INVITE transaction absorbs retransmitted final responses over
/// an unreliable transport, "at least 32 s".
pub const DEFAULT_TIMER_D: Duration = Duration::from_secs(32);

/// The timer base values. Timers B, F, H, J, L, M are 64·T1; A, E, G start at T1; E and G
/// (and the 2xx retransmissions of a UAS) are capped at T2; I and K are T4; D is
/// [`Timers::timer_d`]. Over reliable transports nothing is retransmitted and D, I, J, K
/// are zero.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// T1, default [`DEFAULT_T1`].
    pub t1: Duration,
    /// T2, default [`DEFAULT_T2`].
    pub t2: Duration,
    /// T4, default [`DEFAULT_T4`].
    pub t4: Duration,
    /// Timer D, default [`DEFAULT_TIMER_D`].
    pub timer_d: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            t1: DEFAULT_T1,
            t2: DEFAULT_T2,
            t4: DEFAULT_T4,
            timer_d: DEFAULT_TIMER_D,
        }
    }
}

impl Timers {
    /// 64·T1: the transaction timeout (timers B, F, H, J, L, M).
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.t1.saturating_mul(64)
    }

    /// The next retransmission interval after `current`: doubled, at most T2.
    #[must_use]
    pub fn backoff(&self, current: Duration) -> Duration {
        current.saturating_mul(2).min(self.t2)
    }
}
