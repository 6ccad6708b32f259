//! Scripted calls: what the phones do, and when.

use std::time::Duration;

/// One side of a two-party call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The phone that dialled.
    Caller,
    /// The phone that was dialled (after a transfer, the new one).
    Callee,
}

/// Something a phone does during a scripted call.
///
/// A step that does not fit the call's state (hanging up a call that is over, answering an
/// answered call) is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallStep {
    /// The callee answers (`200 OK`). In a queue the first member still ringing answers;
    /// during an attended transfer's consultation the transfer target answers.
    Answer,
    /// The callee rejects with `486 Busy Here`: cause 17, CDR `BUSY`.
    Busy,
    /// The caller hangs up: a `BYE` once answered (cause 16), a `CANCEL` while ringing
    /// (cause 127 modern, 0 legacy; CDR `NO ANSWER`).
    CallerHangup,
    /// The callee hangs up (cause 16).
    CalleeHangup,
    /// The dialplan's `Dial` timeout fires while ringing: `NOANSWER`, CDR `NO ANSWER`.
    NoAnswer,
    /// A party puts the call on hold (`Hold`, extension status 16).
    Hold(Party),
    /// A party takes the call off hold.
    Unhold(Party),
    /// A party blind-transfers the other to an extension (modern `BlindTransfer`, legacy
    /// `Transfer`); the target rings and later steps apply to it as the callee.
    BlindTransfer {
        /// Who transfers.
        by: Party,
        /// The extension the other party is sent to.
        to: String,
    },
    /// A party starts an attended transfer: the other party is held while the target rings
    /// (modern: the `atxfer` feature dials through a `Local` pair; legacy: the phone places a
    /// second call). The next [`CallStep::Answer`] answers the target, then
    /// [`CallStep::CompleteTransfer`] connects the held party to it; other steps are skipped
    /// meanwhile.
    AttendedTransfer {
        /// Who transfers.
        by: Party,
        /// The extension consulted.
        to: String,
    },
    /// The transferring party completes an attended transfer (modern: it hangs up during the
    /// `atxfer`; legacy: REFER with `Replaces`); later steps apply to the target as the callee.
    CompleteTransfer,
    /// A manager client redirects one party of the answered call (the `Redirect` action) to an
    /// extension; the other party is hung up.
    Redirect {
        /// Whose channel is redirected.
        party: Party,
        /// Where to (`700`).
        to: String,
    },
}

/// A call between two extensions, placed by the simulated caller's phone, and what happens
/// next: each step runs its delay after the previous one.
///
/// The callee rings as soon as the call is dialled (unless the first step is [`CallStep::Busy`]).
/// A call to an extension that is not registered fails at once (cause 3, CDR `FAILED`) whatever
/// the steps say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallScript {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) caller_name: Option<String>,
    pub(crate) steps: Vec<(Duration, CallStep)>,
}

impl CallScript {
    /// `from` dials `to`; no steps yet (the callee rings until a step says otherwise).
    pub fn new(from: &str, to: &str) -> CallScript {
        CallScript {
            from: from.into(),
            to: to.into(),
            caller_name: None,
            steps: Vec::new(),
        }
    }

    /// Adds a step `after` the previous one.
    pub fn then(mut self, after: Duration, step: CallStep) -> CallScript {
        self.steps.push((after, step));
        self
    }

    /// Sets the caller ID name (default `Ext <from>`).
    pub fn caller_name(mut self, name: &str) -> CallScript {
        self.caller_name = Some(name.into());
        self
    }

    /// Rings for `ring`, is answered, talks for `talk`, the caller hangs up (cause 16, CDR
    /// `ANSWERED`).
    pub fn answered(from: &str, to: &str, ring: Duration, talk: Duration) -> CallScript {
        CallScript::new(from, to)
            .then(ring, CallStep::Answer)
            .then(talk, CallStep::CallerHangup)
    }

    /// The callee answers `486 Busy Here` at once (cause 17, CDR `BUSY`).
    pub fn busy(from: &str, to: &str) -> CallScript {
        CallScript::new(from, to).then(Duration::ZERO, CallStep::Busy)
    }

    /// Rings for `ring`, then the caller gives up (`CANCEL`).
    pub fn cancelled(from: &str, to: &str, ring: Duration) -> CallScript {
        CallScript::new(from, to).then(ring, CallStep::CallerHangup)
    }

    /// Rings for `ring`, then the dial timeout ends it (`NOANSWER`).
    pub fn no_answer(from: &str, to: &str, ring: Duration) -> CallScript {
        CallScript::new(from, to).then(ring, CallStep::NoAnswer)
    }

    /// Answered after `ring`, then the callee blind-transfers the caller to `target`, which
    /// answers after `ring`; the caller hangs up after `talk`.
    pub fn blind_transfer(
        from: &str,
        to: &str,
        target: &str,
        ring: Duration,
        talk: Duration,
    ) -> CallScript {
        CallScript::new(from, to)
            .then(ring, CallStep::Answer)
            .then(
                talk,
                CallStep::BlindTransfer {
                    by: Party::Callee,
                    to: target.into(),
                },
            )
            .then(ring, CallStep::Answer)
            .then(talk, CallStep::CallerHangup)
    }

    /// Answered after `step`, then the callee consults `target` (answered after `step`),
    /// completes the transfer after `step`, and the caller hangs up after `talk`.
    pub fn attended_transfer(
        from: &str,
        to: &str,
        target: &str,
        step: Duration,
        talk: Duration,
    ) -> CallScript {
        CallScript::new(from, to)
            .then(step, CallStep::Answer)
            .then(
                talk,
                CallStep::AttendedTransfer {
                    by: Party::Callee,
                    to: target.into(),
                },
            )
            .then(step, CallStep::Answer)
            .then(step, CallStep::CompleteTransfer)
            .then(talk, CallStep::CallerHangup)
    }

    /// `from` calls a queue number, waits `wait`, the first ringing agent answers, they talk
    /// `talk`, and `hangup` hangs up.
    pub fn queue_answered(
        from: &str,
        queue: &str,
        wait: Duration,
        talk: Duration,
        hangup: Party,
    ) -> CallScript {
        let end = match hangup {
            Party::Caller => CallStep::CallerHangup,
            Party::Callee => CallStep::CalleeHangup,
        };
        CallScript::new(from, queue)
            .then(wait, CallStep::Answer)
            .then(talk, end)
    }

    /// `from` calls a queue number and hangs up after `wait`, no agent having answered.
    pub fn queue_abandoned(from: &str, queue: &str, wait: Duration) -> CallScript {
        CallScript::new(from, queue).then(wait, CallStep::CallerHangup)
    }

    /// `from` joins a conference number and hangs up after `stay`.
    pub fn conference(from: &str, room: &str, stay: Duration) -> CallScript {
        CallScript::new(from, room).then(stay, CallStep::CallerHangup)
    }

    /// The calling extension.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The dialled extension.
    pub fn to(&self) -> &str {
        &self.to
    }
}
