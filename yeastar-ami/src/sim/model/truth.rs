//! The ground truth: every finished call as the PBX knows it, for comparing a call tracker's
//! output with what really happened.

use super::*;

/// How a call ended, as the PBX knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallOutcome {
    /// Someone answered: a phone, a queue agent, or the PBX itself (an application, a
    /// conference).
    Answered,
    /// The dialled phone answered `486 Busy Here`.
    Busy,
    /// Nobody answered before the dial timeout.
    NoAnswer,
    /// The caller gave up while the callee rang.
    Cancelled,
    /// The call could not be placed (unregistered or unknown extension, failed originate).
    Failed,
    /// The caller hung up while waiting in a queue, no agent having answered.
    Abandoned,
}

/// How a call was moved to another party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferKind {
    /// A blind transfer (REFER, the `BlindTransfer` action, the `blindxfer` feature).
    Blind,
    /// An attended transfer (the `atxfer` feature, REFER with `Replaces`).
    Attended,
    /// A manager `Redirect` of a bridged channel.
    Redirect,
}

/// One transfer of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    /// Blind, attended or redirect.
    pub kind: TransferKind,
    /// The extension that transferred; `None` for a manager `Redirect`.
    pub by: Option<String>,
    /// The extension (or dialplan number) the call went to.
    pub target: String,
    /// When it happened.
    pub at: Instant,
}

/// One channel of a call that hung up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegHangup {
    /// The channel name (`PJSIP/1002-00000001`, `Local/1003@from-internal-00000000;1`).
    pub channel: String,
    /// The extension whose phone it was; empty for `Local` channels.
    pub extension: String,
    /// The `Cause` of its `Hangup` event.
    pub cause: u16,
    /// When it hung up.
    pub at: Instant,
}

/// A finished call as the PBX knows it: the ground truth a call tracker is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FinishedCall {
    /// The call.
    pub call: CallId,
    /// The calling extension (for an `Originate`, the extension rung first).
    pub caller: String,
    /// The number first dialled (`1002`, `2002`, `5000`, `600`; empty for an `Application`
    /// originate).
    pub dialled: String,
    /// The first phone that answered (for a queue the agent, for an application the
    /// application's number); `None` when no phone answered.
    pub first_answerer: Option<String>,
    /// The party the caller's side was last connected to (after transfers the final one).
    pub connected: Option<String>,
    /// Transfers and redirects, in order.
    pub transfers: Vec<TransferRecord>,
    /// The queue the call went through.
    pub queue: Option<String>,
    /// The conference the call joined.
    pub conference: Option<String>,
    /// Every channel's hangup, in the order the PBX reported them.
    pub hangups: Vec<LegHangup>,
    /// The extension whose phone ended the call; `None` when the PBX did (a timeout, an
    /// application that finished, a manager `Hangup`).
    pub first_hangup: Option<String>,
    /// When the caller's channel appeared.
    pub started: Instant,
    /// When the call was first answered (by a phone or by the PBX).
    pub answered: Option<Instant>,
    /// When the last channel hung up.
    pub ended: Instant,
    /// From the first answer to the end.
    pub talk_time: Duration,
    /// How it ended.
    pub outcome: CallOutcome,
}

/// What a live call has recorded so far.
#[derive(Debug, Clone)]
pub(super) struct Truth {
    pub(super) caller: String,
    pub(super) dialled: String,
    pub(super) first_answerer: Option<String>,
    pub(super) connected: Option<String>,
    pub(super) transfers: Vec<TransferRecord>,
    pub(super) queue: Option<String>,
    pub(super) conference: Option<String>,
    pub(super) hangups: Vec<LegHangup>,
    pub(super) first_hangup: Option<Option<String>>,
    pub(super) started: Instant,
    pub(super) answered: Option<Instant>,
    pub(super) outcome: Option<CallOutcome>,
}

impl Truth {
    pub(super) fn new(caller: &str, dialled: &str, now: Instant) -> Truth {
        Truth {
            caller: caller.to_owned(),
            dialled: dialled.to_owned(),
            first_answerer: None,
            connected: None,
            transfers: Vec::new(),
            queue: None,
            conference: None,
            hangups: Vec::new(),
            first_hangup: None,
            started: now,
            answered: None,
            outcome: None,
        }
    }

    /// `who` answered (the first answer is kept).
    pub(super) fn answer(&mut self, who: &str, now: Instant) {
        if self.first_answerer.is_none() {
            self.first_answerer = Some(who.to_owned());
        }
        self.connected = Some(who.to_owned());
        self.answered.get_or_insert(now);
    }

    /// The PBX answered the caller (an application, a queue, a conference).
    pub(super) fn pbx_answer(&mut self, now: Instant) {
        self.answered.get_or_insert(now);
    }

    /// Records a transfer (up to [`MAX_TRUTH_ENTRIES`]).
    pub(super) fn transfer(
        &mut self,
        kind: TransferKind,
        by: Option<String>,
        target: &str,
        at: Instant,
    ) {
        if self.transfers.len() < MAX_TRUTH_ENTRIES {
            self.transfers.push(TransferRecord {
                kind,
                by,
                target: target.to_owned(),
                at,
            });
        }
    }

    /// The first party to end the call (`None`: the PBX); later calls change nothing.
    pub(super) fn ended_by(&mut self, who: Option<String>) {
        if self.first_hangup.is_none() {
            self.first_hangup = Some(who);
        }
    }

    /// Sets the outcome unless one was already decided.
    pub(super) fn outcome(&mut self, outcome: CallOutcome) {
        self.outcome.get_or_insert(outcome);
    }

    fn finish(self, call: CallId, now: Instant) -> FinishedCall {
        let ended = self.hangups.last().map(|h| h.at).unwrap_or(now);
        let outcome = self.outcome.unwrap_or(if self.answered.is_some() {
            CallOutcome::Answered
        } else {
            CallOutcome::Failed
        });
        FinishedCall {
            call,
            caller: self.caller,
            dialled: self.dialled,
            first_answerer: self.first_answerer,
            connected: self.connected,
            transfers: self.transfers,
            queue: self.queue,
            conference: self.conference,
            hangups: self.hangups,
            first_hangup: self.first_hangup.flatten(),
            started: self.started,
            answered: self.answered,
            ended,
            talk_time: self
                .answered
                .map(|a| ended.saturating_duration_since(a))
                .unwrap_or_default(),
            outcome,
        }
    }
}

impl PbxModel {
    /// The next finished call of the ground-truth log, oldest first. The log keeps at most
    /// [`SimConfig::max_finished_calls`]; see [`PbxModel::finished_dropped`].
    pub fn poll_finished(&mut self) -> Option<FinishedCall> {
        self.finished.pop_front()
    }

    /// How many finished calls were dropped from the full log since the start.
    pub fn finished_dropped(&self) -> u64 {
        self.finished_dropped
    }

    /// Records a hangup in its call's truth.
    pub(super) fn truth_hangup(&mut self, key: u64, cause: u16, now: Instant) {
        let Some(c) = self.channels.get(&key) else {
            return;
        };
        let leg = LegHangup {
            channel: c.name.clone(),
            extension: c.ext.clone(),
            cause,
            at: now,
        };
        let call = self.calls.get_mut(&c.call);
        if let Some(call) = call.filter(|c| c.truth.hangups.len() < MAX_TRUTH_ENTRIES) {
            call.truth.hangups.push(leg);
        }
    }

    pub(super) fn truth(&mut self, cid: CallId) -> Option<&mut Truth> {
        self.calls.get_mut(&cid).map(|c| &mut c.truth)
    }

    /// Moves a finished call's truth into the bounded log.
    pub(super) fn log_finished(&mut self, cid: CallId, truth: Truth, now: Instant) {
        if self.cfg.max_finished_calls == 0 {
            self.finished_dropped += 1;
            return;
        }
        while self.finished.len() >= self.cfg.max_finished_calls {
            self.finished.pop_front();
            self.finished_dropped += 1;
        }
        self.finished.push_back(truth.finish(cid, now));
    }
}
