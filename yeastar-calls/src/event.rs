//! What the model reports: call events, and [`PbxEvent`] over calls, extensions and
//! registrations.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::call::Call;
use crate::extension::{ExtensionEvent, RegistrationEvent};

/// A change in a call's life.
///
/// Every variant carries the call as it is after the change (boxed: events travel through
/// queues, and the call is large), and when the change was seen.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// A destination of the call is alerted.
    Ringing {
        /// The call after the change.
        call: Box<Call>,
        /// When it was seen.
        at: SystemTime,
    },
    /// The call was answered.
    Answered {
        /// The call after the change.
        call: Box<Call>,
        /// When it was seen.
        at: SystemTime,
    },
    /// A party put the call on hold.
    Held {
        /// The call after the change.
        call: Box<Call>,
        /// When it was seen.
        at: SystemTime,
    },
    /// The call was taken off hold.
    Resumed {
        /// The call after the change.
        call: Box<Call>,
        /// When it was seen.
        at: SystemTime,
    },
    /// The call was transferred; `call.transfers` has the details.
    Transferred {
        /// The call after the change.
        call: Box<Call>,
        /// The transfer target (extension or number), when known.
        target: Option<Arc<str>>,
        /// When it was seen.
        at: SystemTime,
    },
    /// The call ended: every leg hung up, or the model closed it ([`Call::end_reason`]).
    Ended {
        /// The call after the change.
        call: Box<Call>,
        /// Q.850 hangup cause, if a PBX said it.
        cause: Option<u16>,
        /// Cause text, or why the model closed the call.
        cause_text: Option<Arc<str>>,
        /// Start to end.
        duration: Duration,
        /// Answer to end (talk time).
        billsec: Duration,
        /// When it was seen.
        at: SystemTime,
    },
}

impl CallEvent {
    /// The call after the change.
    pub fn call(&self) -> &Call {
        match self {
            CallEvent::Ringing { call, .. }
            | CallEvent::Answered { call, .. }
            | CallEvent::Held { call, .. }
            | CallEvent::Resumed { call, .. }
            | CallEvent::Transferred { call, .. }
            | CallEvent::Ended { call, .. } => call,
        }
    }

    /// The `event` name of the JSON line: `ringing`, `answered`, `held`, `resumed`,
    /// `transferred`, `ended`.
    pub fn name(&self) -> &'static str {
        match self {
            CallEvent::Ringing { .. } => "ringing",
            CallEvent::Answered { .. } => "answered",
            CallEvent::Held { .. } => "held",
            CallEvent::Resumed { .. } => "resumed",
            CallEvent::Transferred { .. } => "transferred",
            CallEvent::Ended { .. } => "ended",
        }
    }

    /// When it was seen.
    pub fn at(&self) -> SystemTime {
        match self {
            CallEvent::Ringing { at, .. }
            | CallEvent::Answered { at, .. }
            | CallEvent::Held { at, .. }
            | CallEvent::Resumed { at, .. }
            | CallEvent::Transferred { at, .. }
            | CallEvent::Ended { at, .. } => *at,
        }
    }
}

/// Anything the call model reports: the items of the JSON line stream.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// Most items are call events: boxing them would add an allocation to nearly every item.
#[allow(clippy::large_enum_variant)]
pub enum PbxEvent {
    /// A call changed.
    Call(CallEvent),
    /// An extension's state or registration changed.
    Extension(ExtensionEvent),
    /// One of our own SIP registrations changed.
    Registration(RegistrationEvent),
}

impl From<CallEvent> for PbxEvent {
    fn from(event: CallEvent) -> Self {
        PbxEvent::Call(event)
    }
}

impl From<ExtensionEvent> for PbxEvent {
    fn from(event: ExtensionEvent) -> Self {
        PbxEvent::Extension(event)
    }
}

impl From<RegistrationEvent> for PbxEvent {
    fn from(event: RegistrationEvent) -> Self {
        PbxEvent::Registration(event)
    }
}
