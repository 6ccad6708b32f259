//! Time: protocol cores run on [`Instant`]; users see wall-clock times. One [`WallClock`]
//! anchor turns the first into the second, so a core never reads a clock and a test on a
//! virtual clock gets exact timestamps.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A pair of readings of the monotonic and the wall clock taken at the same moment.
///
/// Cores keep every deadline on [`Instant`] and convert to [`SystemTime`] only for the times they
/// report ([`WallClock::system_time`]). A long-lived driver may take a fresh anchor now and then
/// (after a reconnect, say) so that reported times follow wall-clock adjustments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WallClock {
    instant: Instant,
    system: SystemTime,
}

impl WallClock {
    /// An anchor: `instant` and `system` name the same moment.
    pub fn new(instant: Instant, system: SystemTime) -> WallClock {
        WallClock { instant, system }
    }

    /// Reads both clocks. Drivers call this; cores take the anchor as an input.
    pub fn now() -> WallClock {
        WallClock::new(Instant::now(), SystemTime::now())
    }

    /// The monotonic side of the anchor.
    pub fn instant(&self) -> Instant {
        self.instant
    }

    /// The wall-clock side of the anchor.
    pub fn system(&self) -> SystemTime {
        self.system
    }

    /// The wall-clock time of `at`.
    pub fn system_time(&self, at: Instant) -> SystemTime {
        if at >= self.instant {
            self.system + at.duration_since(self.instant)
        } else {
            self.system
                .checked_sub(self.instant.duration_since(at))
                .unwrap_or(UNIX_EPOCH)
        }
    }
}

/// Days since 1970-01-01 to a civil (year, month, day), proleptic Gregorian (era arithmetic).
pub fn civil_from_unix_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `SystemTime` as RFC 3339 UTC with milliseconds (`2026-11-26T21:33:23.000Z`).
pub fn format_rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_unix_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Serde helper: a `SystemTime` as an RFC 3339 string.
pub(crate) fn ser_time<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*t))
}

/// Serde helper: an optional `SystemTime` as an RFC 3339 string or null.
pub(crate) fn ser_opt_time<S: serde::Serializer>(
    t: &Option<SystemTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_rfc3339(*t)),
        None => s.serialize_none(),
    }
}

/// Serde helper: a `Duration` as whole seconds.
pub(crate) fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc3339() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_728_803_250);
        assert_eq!(format_rfc3339(t), "2026-11-26T21:33:23.250Z");
        assert_eq!(format_rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        // Leap day, and the day after the end of a century that is not a leap year.
        assert_eq!(civil_from_unix_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_unix_days(47_541), (2100, 3, 1));
        assert_eq!(civil_from_unix_days(-1), (1969, 12, 31));
    }

    #[test]
    fn anchor_maps_both_ways_around_it() {
        let start = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_000);
        let clock = WallClock::new(start + Duration::from_secs(10), wall);
        assert_eq!(
            clock.system_time(start + Duration::from_secs(12)),
            wall + Duration::from_secs(2)
        );
        assert_eq!(
            clock.system_time(start + Duration::from_secs(7)),
            wall - Duration::from_secs(3)
        );
    }
}
