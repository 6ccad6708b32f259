//! Completed-call records and their stores.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::call::{Call, Direction, EndReason, Source, Transfer};
use crate::time::{ser_opt_time, ser_secs, ser_time};

/// How a call ended for the caller, in the words of Asterisk's CDR (`Disposition`), plus
/// `Abandoned` for a caller who gave up while waiting in a queue.
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
    /// The caller hung up while waiting in a queue (the PBX had answered the line to play
    /// music, but no agent ever did): a missed call.
    Abandoned,
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
        } else if t.eq_ignore_ascii_case("ABANDONED") {
            Disposition::Abandoned
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
            Disposition::Abandoned => "ABANDONED",
            Disposition::Unknown => "UNKNOWN",
        }
    }

    /// True for a call nobody answered (no answer, busy, failed, congestion, abandoned).
    pub fn is_missed(self) -> bool {
        !matches!(self, Disposition::Answered | Disposition::Unknown)
    }
}

/// A finished call: what the model saw, merged with the PBX's own records (AMI `Cdr`) when
/// they came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CompletedCall {
    /// The call id (see [`Call::id`]).
    pub call_id: String,
    /// Which interface saw it.
    pub source: Source,
    /// Which way it went.
    pub direction: Direction,
    /// Calling number.
    pub src: Option<String>,
    /// The number first dialled (transfers do not change it).
    pub dst: Option<String>,
    /// Caller ID name.
    pub from_name: Option<String>,
    /// The party that answered first.
    pub answered_by: Option<String>,
    /// The party talking to the caller at the end (after transfers).
    pub connected_to: Option<String>,
    /// Where the call was going at the end (the last transfer's target, else `dst`).
    pub final_destination: Option<String>,
    /// Transfers, oldest first.
    pub transfers: Vec<Transfer>,
    /// The queue the caller waited in.
    pub queue: Option<String>,
    /// The internal extension involved.
    pub extension: Option<String>,
    /// The outside number involved.
    pub external_number: Option<String>,
    /// How it ended for the caller.
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
    /// Total duration, first leg to last hangup.
    #[serde(rename = "duration_s", serialize_with = "ser_secs")]
    pub duration: Duration,
    /// Talk time, first answer to last hangup.
    #[serde(rename = "billsec_s", serialize_with = "ser_secs")]
    pub billsec: Duration,
    /// Q.850 hangup cause.
    pub cause: Option<u16>,
    /// Cause text.
    pub cause_text: Option<String>,
    /// Why the call ended (a hangup, or the model closed it).
    pub end_reason: EndReason,
    /// Recording file.
    pub recording: Option<String>,
    /// True when the PBX's own record (AMI `Cdr`) was merged.
    pub has_cdr: bool,
}

impl CompletedCall {
    /// The record of an ended call, with the outcome, times and talk time the caller settled
    /// on (from the events, or merged from the PBX's records).
    pub fn from_call(
        call: &Call,
        disposition: Disposition,
        duration: Duration,
        billsec: Duration,
    ) -> CompletedCall {
        let text = |s: &Option<Arc<str>>| s.as_deref().map(String::from);
        let ended_at = call.ended_at.unwrap_or(call.started_at);
        CompletedCall {
            call_id: call.id.to_string(),
            source: call.source,
            direction: call.direction,
            src: text(&call.from_number),
            dst: text(&call.dialled).or_else(|| text(&call.to)),
            from_name: text(&call.from_name),
            answered_by: text(&call.answered_by),
            connected_to: text(&call.connected_to),
            final_destination: text(&call.to).or_else(|| text(&call.dialled)),
            transfers: call.transfers.clone(),
            queue: text(&call.queue),
            extension: text(&call.extension),
            external_number: text(&call.external_number),
            disposition,
            started_at: call.started_at,
            answered_at: call.answered_at,
            ended_at,
            duration,
            billsec,
            cause: call.hangup_cause,
            cause_text: text(&call.hangup_cause_text),
            end_reason: call.end_reason.unwrap_or(EndReason::Hangup),
            recording: text(&call.recording),
            has_cdr: false,
        }
    }

    fn involves_extension(&self, ext: &str) -> bool {
        [
            &self.extension,
            &self.src,
            &self.dst,
            &self.answered_by,
            &self.connected_to,
            &self.final_destination,
        ]
        .iter()
        .any(|v| v.as_deref() == Some(ext))
            || self
                .transfers
                .iter()
                .any(|t| t.target.as_deref() == Some(ext))
    }

    fn involves_number(&self, number: &str) -> bool {
        [
            &self.src,
            &self.dst,
            &self.external_number,
            &self.answered_by,
            &self.connected_to,
            &self.final_destination,
        ]
        .iter()
        .any(|v| v.as_deref() == Some(number))
    }
}

/// Which records a [`CallHistory::query`] returns; unset criteria match everything.
///
/// ```
/// # use yeastar_calls::HistoryQuery;
/// let mut query = HistoryQuery::default();
/// query.extension = Some("1002".into());
/// query.limit = 20;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
