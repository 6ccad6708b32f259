//! DTMF digit collection for IVR menus (sans-IO): digits until a count, a
//! terminator, or a timeout between digits or overall.

use std::time::{Duration, Instant};

/// Most digits one collection can hold.
pub const MAX_COLLECTED_DIGITS: usize = 64;

/// Collection settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectorConfig {
    /// Stop after this many digits (1 for a menu choice), at most [`MAX_COLLECTED_DIGITS`].
    pub max_digits: usize,
    /// A key that ends the input without being part of it (often `#`).
    pub terminator: Option<char>,
    /// Longest wait for the next digit (for the first, from the start).
    pub inter_digit_timeout: Duration,
    /// Longest whole collection.
    pub total_timeout: Duration,
}

impl Default for CollectorConfig {
    fn default() -> Self {
        CollectorConfig {
            max_digits: 1,
            terminator: Some('#'),
            inter_digit_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
        }
    }
}

/// Why the collection ended, with the digits gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Collected {
    /// `max_digits` reached.
    Complete(String),
    /// The terminator was pressed.
    Terminated(String),
    /// No digit within the inter-digit timeout.
    InterDigitTimeout(String),
    /// The total timeout passed.
    TotalTimeout(String),
}

/// One collection in progress.
#[derive(Debug, Clone)]
pub struct DigitCollector {
    config: CollectorConfig,
    started: Instant,
    last_input: Instant,
    digits: String,
    done: bool,
}

impl DigitCollector {
    /// Starts collecting at `now`.
    pub fn new(config: CollectorConfig, now: Instant) -> Self {
        let config = CollectorConfig {
            max_digits: config.max_digits.clamp(1, MAX_COLLECTED_DIGITS),
            ..config
        };
        DigitCollector {
            config,
            started: now,
            last_input: now,
            digits: String::new(),
            done: false,
        }
    }

    /// A key press.
    pub fn on_digit(&mut self, digit: char, now: Instant) -> Option<Collected> {
        if self.done {
            return None;
        }
        if let Some(result) = self.handle_timeout(now) {
            return Some(result);
        }
        self.last_input = now;
        if Some(digit) == self.config.terminator {
            self.done = true;
            return Some(Collected::Terminated(std::mem::take(&mut self.digits)));
        }
        self.digits.push(digit);
        if self.digits.len() >= self.config.max_digits {
            self.done = true;
            return Some(Collected::Complete(std::mem::take(&mut self.digits)));
        }
        None
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.done).then(|| {
            (self.last_input + self.config.inter_digit_timeout)
                .min(self.started + self.config.total_timeout)
        })
    }

    /// Ends the collection if a timeout passed.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<Collected> {
        if self.done {
            return None;
        }
        if now >= self.started + self.config.total_timeout {
            self.done = true;
            return Some(Collected::TotalTimeout(std::mem::take(&mut self.digits)));
        }
        if now >= self.last_input + self.config.inter_digit_timeout {
            self.done = true;
            return Some(Collected::InterDigitTimeout(std::mem::take(
                &mut self.digits,
            )));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn config(max_digits: usize) -> CollectorConfig {
        CollectorConfig {
            max_digits,
            terminator: Some('#'),
            inter_digit_timeout: 3 * S,
            total_timeout: 10 * S,
        }
    }

    #[test]
    fn completes_on_count_or_terminator() {
        let t0 = Instant::now();
        let mut c = DigitCollector::new(config(3), t0);
        assert_eq!(c.on_digit('1', t0 + S), None);
        assert_eq!(c.on_digit('2', t0 + 2 * S), None);
        assert_eq!(
            c.on_digit('3', t0 + 3 * S),
            Some(Collected::Complete("123".into()))
        );
        assert_eq!(c.poll_timeout(), None);
        let mut c = DigitCollector::new(config(4), t0);
        c.on_digit('4', t0 + S);
        assert_eq!(
            c.on_digit('#', t0 + 2 * S),
            Some(Collected::Terminated("4".into()))
        );
    }

    #[test]
    fn inter_digit_and_total_timeouts() {
        let t0 = Instant::now();
        let mut c = DigitCollector::new(config(4), t0);
        c.on_digit('7', t0 + S);
        assert_eq!(c.poll_timeout(), Some(t0 + 4 * S));
        assert_eq!(c.handle_timeout(t0 + 3 * S), None);
        assert_eq!(
            c.handle_timeout(t0 + 4 * S),
            Some(Collected::InterDigitTimeout("7".into()))
        );
        // Digits every 2 s never trip the inter-digit timer, but the total one ends it.
        let mut c = DigitCollector::new(config(10), t0);
        for k in 1..5 {
            assert_eq!(c.on_digit('1', t0 + 2 * k * S), None);
        }
        assert_eq!(c.poll_timeout(), Some(t0 + 10 * S));
        assert_eq!(
            c.on_digit('2', t0 + 10 * S),
            Some(Collected::TotalTimeout("1111".into()))
        );
        // No digit at all: the first wait is the inter-digit timeout.
        let mut c = DigitCollector::new(config(1), t0);
        assert_eq!(
            c.handle_timeout(t0 + 3 * S),
            Some(Collected::InterDigitTimeout(String::new()))
        );
    }
}
