//! Limits and dial-plan knowledge of the call tracker.

use std::time::Duration;

/// Default [`TrackerConfig::max_active_calls`]: far above a small PBX's trunk and extension
/// count, yet small enough that a stale table (events lost) stays in the megabytes.
pub const DEFAULT_MAX_ACTIVE_CALLS: usize = 10_000;

/// Default [`TrackerConfig::max_channels_per_call`]: a call with queues, transfers and
/// ring groups rarely has more than a dozen legs.
pub const DEFAULT_MAX_CHANNELS_PER_CALL: usize = 16;

/// Default [`TrackerConfig::call_ttl`]: a call silent for four hours has almost certainly lost
/// its `Hangup` (events dropped, reconnect without resync).
pub const DEFAULT_CALL_TTL: Duration = Duration::from_secs(4 * 3600);

/// Default [`TrackerConfig::max_events_per_call`]: enough for long hold/transfer sequences;
/// stops a flapping channel from flooding consumers.
pub const DEFAULT_MAX_EVENTS_PER_CALL: u32 = 256;

/// Default [`TrackerConfig::cdr_wait`]: Asterisk posts the `Cdr` within a second of the last
/// `Hangup`; waiting longer only delays the history record.
pub const DEFAULT_CDR_WAIT: Duration = Duration::from_secs(5);

/// Default [`TrackerConfig::cdr_settle`]: Asterisk posts one `Cdr` per leg, all within
/// milliseconds of each other; a record waits this long after the latest before it is final.
pub const DEFAULT_CDR_SETTLE: Duration = Duration::from_millis(500);

/// Default [`TrackerConfig::max_pending_completions`]: ended calls waiting for their `Cdr`.
pub const DEFAULT_MAX_PENDING_COMPLETIONS: usize = 1024;

/// Default [`TrackerConfig::max_extensions`]: rows of the extension status table.
pub const DEFAULT_MAX_EXTENSIONS: usize = 10_000;

/// Default [`TrackerConfig::max_queued_events`]: events not yet taken by `poll_event`.
pub const DEFAULT_MAX_QUEUED_EVENTS: usize = 65_536;

/// Which numbers are internal extensions, without regular expressions.
///
/// A number is an extension when it is listed in [`explicit`](Self::explicit), or when it is
/// made only of ASCII digits, its length is within `min_digits..=max_digits` and it starts with
/// one of [`prefixes`](Self::prefixes) (any start when the list is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtensionPlan {
    /// Shortest extension number.
    pub min_digits: usize,
    /// Longest extension number.
    pub max_digits: usize,
    /// Accepted leading digits; empty accepts any.
    pub prefixes: Vec<String>,
    /// Extensions named one by one (any characters).
    pub explicit: Vec<String>,
}

impl Default for ExtensionPlan {
    /// Three- and four-digit numbers, the Yeastar and FreePBX default ranges.
    fn default() -> Self {
        ExtensionPlan::digits(3, 4)
    }
}

impl ExtensionPlan {
    /// Numbers of `min_digits..=max_digits` ASCII digits, any leading digit, none named.
    pub fn digits(min_digits: usize, max_digits: usize) -> ExtensionPlan {
        ExtensionPlan {
            min_digits,
            max_digits,
            prefixes: Vec::new(),
            explicit: Vec::new(),
        }
    }

    /// This plan, accepting only numbers that start with one of `prefixes`.
    #[must_use]
    pub fn with_prefixes<I, S>(mut self, prefixes: I) -> ExtensionPlan
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.prefixes = prefixes.into_iter().map(Into::into).collect();
        self
    }

    /// This plan, also accepting each of `numbers` whatever its form (`"reception"`, `"*97"`).
    #[must_use]
    pub fn with_explicit<I, S>(mut self, numbers: I) -> ExtensionPlan
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.explicit = numbers.into_iter().map(Into::into).collect();
        self
    }

    /// True when `number` is an internal extension.
    pub fn is_extension(&self, number: &str) -> bool {
        if self.explicit.iter().any(|e| e == number) {
            return true;
        }
        let len = number.len();
        len >= self.min_digits
            && len <= self.max_digits
            && number.bytes().all(|b| b.is_ascii_digit())
            && (self.prefixes.is_empty() || self.prefixes.iter().any(|p| number.starts_with(p)))
    }
}

/// Configuration of a [`CallTracker`](super::CallTracker): what is internal, and every bound.
///
/// ```
/// # use yeastar_ami::tracker::TrackerConfig;
/// let mut config = TrackerConfig::default();
/// config.trunks.push("provider".into());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrackerConfig {
    /// Internal extension numbers.
    pub extensions: ExtensionPlan,
    /// Peer names of trunks (`provider` for `PJSIP/provider-00000001`): their channels are
    /// external parties.
    pub trunks: Vec<String>,
    /// Calls tracked at once; at the limit the least recently active call is closed.
    pub max_active_calls: usize,
    /// Channels kept per call; further legs are not tracked.
    pub max_channels_per_call: usize,
    /// A call with no event for this long is closed by `handle_timeout`.
    pub call_ttl: Duration,
    /// Call events emitted per call; later ones (except `Ended`) are suppressed.
    pub max_events_per_call: u32,
    /// How long an ended call waits for its `Cdr` before its history record is released.
    pub cdr_wait: Duration,
    /// How long a record waits after its latest `Cdr` for the `Cdr`s of other legs.
    pub cdr_settle: Duration,
    /// Ended calls waiting for a `Cdr`; at the limit the oldest is released without one.
    pub max_pending_completions: usize,
    /// Rows of the extension status table; new extensions beyond it are ignored.
    pub max_extensions: usize,
    /// Events queued for `poll_event`; beyond it the oldest are dropped and counted.
    pub max_queued_events: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            extensions: ExtensionPlan::default(),
            trunks: Vec::new(),
            max_active_calls: DEFAULT_MAX_ACTIVE_CALLS,
            max_channels_per_call: DEFAULT_MAX_CHANNELS_PER_CALL,
            call_ttl: DEFAULT_CALL_TTL,
            max_events_per_call: DEFAULT_MAX_EVENTS_PER_CALL,
            cdr_wait: DEFAULT_CDR_WAIT,
            cdr_settle: DEFAULT_CDR_SETTLE,
            max_pending_completions: DEFAULT_MAX_PENDING_COMPLETIONS,
            max_extensions: DEFAULT_MAX_EXTENSIONS,
            max_queued_events: DEFAULT_MAX_QUEUED_EVENTS,
        }
    }
}

impl TrackerConfig {
    /// True when `peer` (the name between `TECH/` and `-suffix` of a channel) is a trunk.
    pub fn is_trunk(&self, peer: &str) -> bool {
        self.trunks.iter().any(|t| t == peer)
    }
}

#[cfg(test)]
mod tests {
    use super::ExtensionPlan;

    #[test]
    fn plans_built_from_digits_prefixes_and_names() {
        let plan = ExtensionPlan::digits(3, 5)
            .with_prefixes(["1", "2"])
            .with_explicit(["reception"]);
        assert!(plan.is_extension("1001"));
        assert!(plan.is_extension("20001"));
        assert!(!plan.is_extension("3001"), "prefix not listed");
        assert!(!plan.is_extension("100001"), "too long");
        assert!(!plan.is_extension("10a1"), "not digits");
        assert!(plan.is_extension("reception"));
        assert_eq!(ExtensionPlan::default(), ExtensionPlan::digits(3, 4));
    }
}
