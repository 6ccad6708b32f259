//! Completed-call records (tracker state merged with the `Cdr` event) and their stores.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::Message;

use super::model::{Direction, ser_opt_time, ser_secs, ser_time};

/// The outcome Asterisk's CDR gives a call (`Disposition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Disposition {
    /// `ANSWERED`.
    Answered,
    /// `NO ANSWER` (also a cancelled call).
    NoAnswer,
    /// `BUSY`.
    Busy,
    /// `FAILED` (no route, unregistered…).
    Failed,
    /// `CONGESTION`.
    Congestion,
    /// Anything else.
    Unknown,
}

impl Disposition {
    /// From the `Disposition` header.
    pub fn parse(text: &str) -> Disposition {
        let t = text.trim();
        if t.eq_ignore_ascii_case("ANSWERED") {
            Disposition::Answered
        } else if t.eq_ignore_ascii_case("NO ANSWER") || t.eq_ignore_ascii_case("NOANSWER") {
            Disposition::NoAnswer
        } else if t.eq_ignore_ascii_case("BUSY") {
            Disposition::Busy
        } else if t.eq_ignore_ascii_case("FAILED") {
            Disposition::Failed
        } else if t.eq_ignore_ascii_case("CONGESTION") {
            Disposition::Congestion
        } else {
            Disposition::Unknown
        }
    }

    /// Asterisk's spelling (`ANSWERED`, `NO ANSWER`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Answered => "ANSWERED",
            Disposition::NoAnswer => "NO ANSWER",
            Disposition::Busy => "BUSY",
            Disposition::Failed => "FAILED",
            Disposition::Congestion => "CONGESTION",
            Disposition::Unknown => "UNKNOWN",
        }
    }
}

/// The fields of a `Cdr` event the history keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CdrRecord {
    /// `UniqueID` of the channel the CDR is about.
    pub uniqueid: Box<str>,
    /// `Source`.
    pub source: Box<str>,
    /// `Destination`.
    pub destination: Box<str>,
    /// `Channel`.
    pub channel: Box<str>,
    /// `DestinationChannel`.
    pub destination_channel: Box<str>,
    /// `Disposition`.
    pub disposition: Disposition,
    /// `Duration`, seconds.
    pub duration: u64,
    /// `BillableSeconds`.
    pub billsec: u64,
    /// `StartTime` as sent (PBX local time).
    pub start_time: Box<str>,
}

impl CdrRecord {
    /// Reads a `Cdr` event; `None` when it is not one.
    pub fn from_message(msg: &Message<'_>) -> Option<CdrRecord> {
        if !msg.event()?.eq_ignore_ascii_case("Cdr") {
            return None;
        }
        let text = |k: &str| Box::<str>::from(msg.get(k).unwrap_or("").trim());
        let secs = |k: &str| {
            msg.get(k)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Some(CdrRecord {
            uniqueid: text("UniqueID"),
            source: text("Source"),
            destination: text("Destination"),
            channel: text("Channel"),
            destination_channel: text("DestinationChannel"),
            disposition: Disposition::parse(msg.get("Disposition").unwrap_or("")),
            duration: secs("Duration"),
            billsec: secs("BillableSeconds"),
            start_time: text("StartTime"),
        })
    }
}

/// A finished call: what the tracker saw, merged with the call's `Cdr` when one came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletedCall {
    /// The call id (first channel's `Uniqueid`).
    pub call_id: String,
    /// Which way it went.
    pub direction: Direction,
    /// Calling number (CDR `Source`, else the caller ID).
    pub src: Option<String>,
    /// Called number (CDR `Destination`, else the dialled number).
    pub dst: Option<String>,
    /// Caller ID name.
    pub from_name: Option<String>,
    /// Caller ID number of the leg that answered.
    pub answered_by: Option<String>,
    /// The internal extension involved.
    pub extension: Option<String>,
    /// The outside number involved.
    pub external_number: Option<String>,
    /// CDR disposition, or one derived from the tracker when no `Cdr` came.
    pub disposition: Disposition,
    /// When it started.
    #[serde(serialize_with = "ser_time")]
    pub started_at: SystemTime,
    /// When it was answered.
    #[serde(serialize_with = "ser_opt_time")]
    pub answered_at: Option<SystemTime>,
    /// When it ended.
    #[serde(serialize_with = "ser_time")]
    pub ended_at: SystemTime,
    /// Total duration (CDR `Duration` when known).
    #[serde(rename = "duration_s", serialize_with = "ser_secs")]
    pub duration: Duration,
    /// Talk time (CDR `BillableSeconds` when known).
    #[serde(rename = "billsec_s", serialize_with = "ser_secs")]
    pub billsec: Duration,
    /// Q.850 hangup cause.
    pub cause: Option<u16>,
    /// Cause text.
    pub cause_text: Option<String>,
    /// MixMonitor recording file.
    pub recording: Option<String>,
    /// True when a `Cdr` was merged.
    pub has_cdr: bool,
}

impl CompletedCall {
    fn involves_extension(&self, ext: &str) -> bool {
        [&self.extension, &self.src, &self.dst, &self.answered_by]
            .iter()
            .any(|v| v.as_deref() == Some(ext))
    }

    fn involves_number(&self, number: &str) -> bool {
        [
            &self.src,
            &self.dst,
            &self.external_number,
            &self.answered_by,
        ]
        .iter()
        .any(|v| v.as_deref() == Some(number))
    }
}

/// Which records a [`CallHistory::query`] returns; unset criteria match everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Calls started at or after this time.
    pub since: Option<SystemTime>,
    /// Calls started before this time.
    pub until: Option<SystemTime>,
    /// Calls involving this extension (caller, callee, answerer).
    pub extension: Option<String>,
    /// Calls involving this number (source, destination, outside number).
    pub number: Option<String>,
    /// At most this many records, newest first.
    pub limit: usize,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        HistoryQuery {
            since: None,
            until: None,
            extension: None,
            number: None,
            limit: 100,
        }
    }
}

impl HistoryQuery {
    /// True when `call` satisfies every set criterion.
    pub fn matches(&self, call: &CompletedCall) -> bool {
        self.since.is_none_or(|s| call.started_at >= s)
            && self.until.is_none_or(|u| call.started_at < u)
            && self
                .extension
                .as_deref()
                .is_none_or(|e| call.involves_extension(e))
            && self
                .number
                .as_deref()
                .is_none_or(|n| call.involves_number(n))
    }
}

/// A store of completed calls.
pub trait CallHistory {
    /// Why a store operation failed.
    type Error: std::error::Error;

    /// Adds a record.
    fn record(&mut self, call: CompletedCall) -> Result<(), Self::Error>;

    /// Records matching `query`, newest first.
    fn query(&self, query: &HistoryQuery) -> Result<Vec<CompletedCall>, Self::Error>;
}

/// Default capacity of a [`MemoryHistory`]: a busy small office's week of calls in a few MB.
pub const DEFAULT_MEMORY_HISTORY_CAPACITY: usize = 10_000;

/// A bounded in-memory history: a ring buffer that forgets the oldest record when full.
#[derive(Debug, Clone)]
pub struct MemoryHistory {
    records: VecDeque<CompletedCall>,
    capacity: usize,
}

impl Default for MemoryHistory {
    fn default() -> Self {
        MemoryHistory::with_capacity(DEFAULT_MEMORY_HISTORY_CAPACITY)
    }
}

impl MemoryHistory {
    /// A history keeping at most `capacity` records (at least one).
    pub fn with_capacity(capacity: usize) -> MemoryHistory {
        let capacity = capacity.max(1);
        MemoryHistory {
            records: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
        }
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every record, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &CompletedCall> {
        self.records.iter()
    }
}

impl CallHistory for MemoryHistory {
    type Error = std::convert::Infallible;

    fn record(&mut self, call: CompletedCall) -> Result<(), Self::Error> {
        if self.records.len() >= self.capacity {
            self.records.pop_front();
        }
        self.records.push_back(call);
        Ok(())
    }

    fn query(&self, query: &HistoryQuery) -> Result<Vec<CompletedCall>, Self::Error> {
        Ok(self
            .records
            .iter()
            .rev()
            .filter(|c| query.matches(c))
            .take(query.limit)
            .cloned()
            .collect())
    }
}
