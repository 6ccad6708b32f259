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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallStep {
    /// The callee answers (`200 OK`).
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

    /// The calling extension.
    pub fn from(&self) -> &str {
        &self.from
    }

    /// The dialled extension.
    pub fn to(&self) -> &str {
        &self.to
    }
}
