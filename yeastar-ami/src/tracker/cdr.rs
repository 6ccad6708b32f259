//! Asterisk's call detail records (`Cdr` events): one per leg of a call, merged into the call's
//! history record.

use std::sync::Arc;
use std::time::Duration;

use yeastar_calls::Disposition;

use super::input::{Fields, Key};

/// The fields of a `Cdr` event the history uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdrRecord {
    /// `UniqueID` of the channel (leg) the CDR is about.
    pub uniqueid: Arc<str>,
    /// `Source`: the calling number.
    pub source: Arc<str>,
    /// `Destination`: the extension the leg ended up in (after a transfer, the target).
    pub destination: Arc<str>,
    /// `Channel`.
    pub channel: Arc<str>,
    /// `DestinationChannel`.
    pub destination_channel: Arc<str>,
    /// `Disposition`.
    pub disposition: Disposition,
    /// `Duration`, seconds.
    pub duration: u64,
    /// `BillableSeconds`.
    pub billsec: u64,
    /// `StartTime` as sent (PBX local time, `YYYY-MM-DD HH:MM:SS`).
    pub start_time: Arc<str>,
    /// `AnswerTime` as sent; empty when the leg was not answered.
    pub answer_time: Arc<str>,
    /// `EndTime` as sent.
    pub end_time: Arc<str>,
}

impl CdrRecord {
    pub(crate) fn from_fields(f: &Fields<'_, '_>) -> CdrRecord {
        let text = |k: Key| Arc::<str>::from(f.raw(k).unwrap_or(""));
        CdrRecord {
            uniqueid: text(Key::Uniqueid),
            source: text(Key::Source),
            destination: text(Key::Destination),
            channel: text(Key::Channel),
            destination_channel: text(Key::DestinationChannel),
            disposition: Disposition::parse(f.raw(Key::Disposition).unwrap_or("")),
            duration: f.number(Key::Duration).unwrap_or(0),
            billsec: f.number(Key::BillableSeconds).unwrap_or(0),
            start_time: text(Key::StartTime),
            answer_time: text(Key::AnswerTime),
            end_time: text(Key::EndTime),
        }
    }
}

/// Seconds of a `YYYY-MM-DD HH:MM:SS` PBX time on a scale of its own (only differences between
/// two such times mean anything: the PBX's time zone is unknown).
fn local_seconds(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time
        .split(':')
        .map(|p| p.split('.').next()?.parse::<i64>().ok());
    let (h, m, s) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from civil (proleptic Gregorian), Howard Hinnant's algorithm.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// The whole call as its CDRs tell it: disposition, duration and talk time over every leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MergedCdr {
    pub(crate) disposition: Disposition,
    pub(crate) duration: Duration,
    pub(crate) billsec: Duration,
}

/// Merges the CDRs of one call: the span from the earliest start to the latest end, talk time
/// from the earliest answer; when the times do not parse, the longest leg's figures. The
/// disposition is `ANSWERED` when any leg was answered, else the first leg's.
pub(crate) fn merge(cdrs: &[CdrRecord]) -> Option<MergedCdr> {
    let first = cdrs.first()?;
    let disposition = if cdrs.iter().any(|c| c.disposition == Disposition::Answered) {
        Disposition::Answered
    } else {
        first.disposition
    };
    let longest = Duration::from_secs(cdrs.iter().map(|c| c.duration).max().unwrap_or(0));
    let talk = Duration::from_secs(cdrs.iter().map(|c| c.billsec).max().unwrap_or(0));
    let start = cdrs
        .iter()
        .filter_map(|c| local_seconds(&c.start_time))
        .min();
    let end = cdrs.iter().filter_map(|c| local_seconds(&c.end_time)).max();
    let answer = cdrs
        .iter()
        .filter_map(|c| local_seconds(&c.answer_time))
        .min();
    let span = |from: Option<i64>| -> Option<Duration> {
        let secs = end?.checked_sub(from?)?;
        u64::try_from(secs).ok().map(Duration::from_secs)
    };
    Some(MergedCdr {
        disposition,
        duration: span(start).map_or(longest, |d| d.max(longest)),
        billsec: span(answer).map_or(talk, |d| d.max(talk)),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cdr(start: &str, answer: &str, end: &str, duration: u64, billsec: u64) -> CdrRecord {
        CdrRecord {
            uniqueid: "1.0".into(),
            source: "1001".into(),
            destination: "1003".into(),
            channel: "".into(),
            destination_channel: "".into(),
            disposition: if answer.is_empty() {
                Disposition::NoAnswer
            } else {
                Disposition::Answered
            },
            duration,
            billsec,
            start_time: start.into(),
            answer_time: answer.into(),
            end_time: end.into(),
        }
    }

    #[test]
    fn legs_of_a_transferred_call_merge_into_the_whole_call() {
        // 1001 -> 1002 answered after 1 s, transferred at 3 s to 1003, ends at 8 s.
        let first = cdr(
            "2026-11-26 23:59:58",
            "2026-11-26 23:59:59",
            "2026-11-27 00:00:01",
            3,
            2,
        );
        let second = cdr(
            "2026-11-27 00:00:01",
            "2026-11-27 00:00:02",
            "2026-11-27 00:00:06",
            5,
            4,
        );
        let merged = merge(&[first, second]).unwrap();
        assert_eq!(merged.disposition, Disposition::Answered);
        assert_eq!(merged.duration, Duration::from_secs(8));
        assert_eq!(merged.billsec, Duration::from_secs(7));
    }

    #[test]
    fn unparsable_times_fall_back_to_the_longest_leg() {
        let merged = merge(&[cdr("x", "", "y", 4, 0), cdr("", "", "", 6, 2)]).unwrap();
        assert_eq!(merged.duration, Duration::from_secs(6));
        assert_eq!(merged.billsec, Duration::from_secs(2));
        assert!(merge(&[]).is_none());
        assert_eq!(
            local_seconds("2024-02-29 12:00:00").unwrap() % 86_400,
            43_200
        );
        assert!(local_seconds("2024-13-01 00:00:00").is_none());
    }
}
