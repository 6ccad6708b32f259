//! Ending calls, collecting the `Cdr` of every leg, and releasing history records.

use std::sync::Arc;
use std::time::{Duration, Instant};

use yeastar_calls::{Call, CallState, CompletedCall, Disposition, EndReason, Source};

use super::cdr::{CdrRecord, merge};
use super::input::{Fields, meaningful};
use super::parties::refresh_parties;
use super::table::{Emit, Entry, Pending, call_times};
use super::{CallTracker, Id};

/// The disposition of a call from what happened, its CDRs and its last dial status.
fn disposition(entry: &Entry) -> Disposition {
    let call = &entry.call;
    if entry.abandoned || entry.unanswered_in_queue() {
        return Disposition::Abandoned;
    }
    if call.answered_at.is_some() {
        return Disposition::Answered;
    }
    if let Some(merged) = merge(&entry.cdrs) {
        return merged.disposition;
    }
    match entry
        .dial_status
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("BUSY") => Disposition::Busy,
        Some("NOANSWER" | "CANCEL") => Disposition::NoAnswer,
        Some("CONGESTION") => Disposition::Congestion,
        _ if call.hangup_cause == Some(17) => Disposition::Busy,
        _ => Disposition::Failed,
    }
}

/// The history record of an ended call.
fn record(entry: &Entry) -> CompletedCall {
    let ended_at = entry.call.ended_at.unwrap_or(entry.call.started_at);
    let (duration, billsec) = call_times(entry, ended_at);
    let disposition = disposition(entry);
    let mut done = CompletedCall::from_call(&entry.call, disposition, duration, billsec);
    if disposition == Disposition::Abandoned {
        done.answered_at = None;
    }
    let first = entry.cdrs.first();
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    if done.src.is_none() {
        done.src = first.and_then(|c| non_empty(&c.source));
    }
    if done.dst.is_none() {
        done.dst = first.and_then(|c| non_empty(&c.destination));
    }
    done.has_cdr = !entry.cdrs.is_empty();
    done
}

impl CallTracker {
    /// Closes a call: reports `Ended` and hands its record to the `Cdr` wait. `reason` is set
    /// when the tracker closes the call itself.
    pub(crate) fn end_call(&mut self, call_id: &str, now: Instant, reason: Option<EndReason>) {
        let Some(mut entry) = self.calls.remove(call_id) else {
            return;
        };
        for leg in &entry.call.legs {
            if self.names.get(&leg.name).is_some_and(|u| *u == leg.id) {
                self.names.remove(&leg.name);
            }
        }
        if entry.provisional {
            // It never proved to be a call: it leaves no trace.
            self.stats.provisional_dropped += 1;
            for leg in &entry.call.legs {
                self.legs.remove(&leg.id);
            }
            return;
        }
        entry.call.state = CallState::Ended;
        entry.call.ended_at = Some(self.clock.system_time(now));
        match reason {
            Some(reason) => {
                entry.call.end_reason = Some(reason);
                entry.call.hangup_cause_text = Some(reason.as_str().into());
            }
            None => {
                entry.call.end_reason = Some(EndReason::Hangup);
                // The calling leg's cause, unless it has none (0, or no Hangup seen): then the
                // first leg that hung up with one.
                let (cause, text) = match entry.caller_cause.take() {
                    Some((Some(c), text)) if c != 0 => (Some(c), text),
                    caller => match entry.first_cause.take() {
                        Some((c, text)) => (Some(c), text),
                        None => caller.unwrap_or_default(),
                    },
                };
                entry.call.hangup_cause = cause;
                entry.call.hangup_cause_text = text;
            }
        }
        let (_, mut sink) = self.sink();
        sink.emit(&mut entry, Emit::Ended, now);
        self.queue_completion(entry, now);
    }

    /// Holds an ended call's record until its legs' `Cdr`s are in.
    pub(crate) fn queue_completion(&mut self, entry: Entry, now: Instant) {
        let wait = if entry.cdrs.is_empty() {
            self.config.cdr_wait
        } else {
            self.config.cdr_settle
        };
        if self.pending.len() >= self.config.max_pending_completions.max(1)
            && let Some(oldest) = self.pending.pop_front()
        {
            self.release(oldest);
        }
        self.pending.push_back(Pending {
            entry,
            deadline: now + wait,
        });
    }

    /// Releases every record still waiting for `Cdr`s: the connection they would come on is
    /// gone. Drain [`poll_completed`](Self::poll_completed) after.
    pub fn release_pending(&mut self) {
        while let Some(p) = self.pending.pop_front() {
            self.release(p);
        }
    }

    /// Releases every record whose wait is over.
    pub(crate) fn release_due(&mut self, now: Instant) {
        while let Some(index) = self.pending.iter().position(|p| p.deadline <= now) {
            if let Some(p) = self.pending.remove(index) {
                self.release(p);
            }
        }
    }

    fn release(&mut self, pending: Pending) {
        let entry = pending.entry;
        if entry.cdrs.is_empty() {
            self.stats.completions_without_cdr += 1;
        }
        let limit = self.config.max_pending_completions.max(1);
        let call_id = entry.call.id.clone();
        let forget = |id: &str, released: &mut std::collections::VecDeque<Arc<str>>| {
            if released.len() >= limit.saturating_mul(4) {
                released.pop_front();
            }
            released.push_back(id.into());
        };
        forget(&call_id, &mut self.released);
        let mapped: Vec<Arc<str>> = self
            .legs
            .iter()
            .filter(|(_, c)| ***c == *call_id)
            .map(|(uid, _)| uid.clone())
            .collect();
        for uid in mapped {
            self.legs.remove(&uid);
            forget(&uid, &mut self.released);
        }
        self.push_completed(record(&entry));
    }

    pub(super) fn on_cdr(&mut self, f: &Fields<'_, '_>, now: Instant) {
        let cdr = CdrRecord::from_fields(f);
        let Some(uid) = meaningful(Some(&cdr.uniqueid)).map(Arc::<str>::from) else {
            return;
        };
        let call_id = self
            .legs
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| Id::from(&*uid));
        let per_call = self.config.max_channels_per_call.max(1).saturating_mul(2);
        if let Some(entry) = self.calls.get_mut(&call_id) {
            entry.last_activity = now;
            if entry.cdrs.len() < per_call {
                entry.cdrs.push(cdr);
            }
            return;
        }
        let settle = self.config.cdr_settle;
        if let Some(p) = self
            .pending
            .iter_mut()
            .find(|p| *p.entry.call.id == *call_id)
        {
            if p.entry.cdrs.len() < per_call {
                p.entry.cdrs.push(cdr);
            }
            p.deadline = now + settle;
            return;
        }
        if self
            .released
            .iter()
            .any(|id| *id == uid || **id == *call_id)
        {
            return;
        }
        // A call never seen (it began before the tracker did): the CDR alone is the record.
        let duration = Duration::from_secs(cdr.duration);
        let billsec = Duration::from_secs(cdr.billsec);
        let ended_at = self.clock.system_time(now);
        let mut call = Call::new(
            uid,
            Source::Ami,
            ended_at.checked_sub(duration).unwrap_or(ended_at),
        );
        call.from_number = meaningful(Some(&cdr.source)).map(Arc::from);
        call.dialled = meaningful(Some(&cdr.destination)).map(Arc::from);
        call.to.clone_from(&call.dialled);
        call.answered_at = (cdr.billsec > 0)
            .then(|| ended_at.checked_sub(billsec))
            .flatten();
        call.ended_at = Some(ended_at);
        call.state = CallState::Ended;
        call.end_reason = Some(EndReason::Hangup);
        refresh_parties(&self.config, &mut call);
        let mut done = CompletedCall::from_call(&call, cdr.disposition, duration, billsec);
        done.has_cdr = true;
        let limit = self.config.max_pending_completions.max(1);
        if self.released.len() >= limit.saturating_mul(4) {
            self.released.pop_front();
        }
        self.released.push_back(call.id.clone());
        self.stats.records_from_cdr_only += 1;
        self.push_completed(done);
    }

    /// Queues a record for `poll_completed`. One step can finish every pending record and
    /// every active call at once (a timeout after a long silence), so the queue holds that
    /// much before a consumer that drains after every step could lose one.
    fn push_completed(&mut self, record: CompletedCall) {
        let limit = self
            .config
            .max_pending_completions
            .max(1)
            .saturating_add(self.config.max_active_calls);
        if self.completed.len() >= limit {
            self.completed.pop_front();
            self.stats.records_dropped += 1;
        }
        self.completed.push_back(record);
    }
}
