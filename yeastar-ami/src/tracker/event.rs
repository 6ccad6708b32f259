//! What the tracker reports: call and extension events.

use std::time::{Duration, SystemTime};

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::model::{Call, ExtensionStatus, format_rfc3339};

/// A change the tracker saw, taken with [`CallTracker::poll_event`](super::CallTracker::poll_event).
///
/// Serializes to one JSON object: `{"type":"call","event":"ringing",…}` or
/// `{"type":"extension","extension":"1002","status":"idle","registered":true,…}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallEvent {
    /// A destination of the call is alerted.
    Ringing {
        /// The call after the change.
        call: Call,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// The call was answered.
    Answered {
        /// The call after the change.
        call: Call,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// A party put the call on hold.
    Held {
        /// The call after the change.
        call: Call,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// The call was taken off hold.
    Resumed {
        /// The call after the change.
        call: Call,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// The call was transferred.
    Transferred {
        /// The call after the change.
        call: Call,
        /// The transfer target (extension or number), when known.
        target: Option<Box<str>>,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// The call ended: every channel hung up, or the tracker closed it.
    Ended {
        /// The call after the change.
        call: Call,
        /// Q.850 hangup cause, if a `Hangup` said it.
        cause: Option<u16>,
        /// Cause text, or why the tracker closed the call ("ended while disconnected").
        cause_text: Option<Box<str>>,
        /// Start to end (from the `Cdr` when it came first).
        duration: Duration,
        /// Answer to end (from the `Cdr` when it came first).
        billsec: Duration,
        /// When the tracker saw it.
        at: SystemTime,
    },
    /// An extension's state or registration changed.
    ExtensionStatus {
        /// The extension.
        extension: Box<str>,
        /// Its new status.
        status: ExtensionStatus,
        /// When the tracker saw it.
        at: SystemTime,
    },
}

impl CallEvent {
    /// The call of a call event.
    pub fn call(&self) -> Option<&Call> {
        match self {
            CallEvent::Ringing { call, .. }
            | CallEvent::Answered { call, .. }
            | CallEvent::Held { call, .. }
            | CallEvent::Resumed { call, .. }
            | CallEvent::Transferred { call, .. }
            | CallEvent::Ended { call, .. } => Some(call),
            CallEvent::ExtensionStatus { .. } => None,
        }
    }

    /// The `event` name of a call event (`ringing`, `answered`, …), `status` for extensions.
    pub fn name(&self) -> &'static str {
        match self {
            CallEvent::Ringing { .. } => "ringing",
            CallEvent::Answered { .. } => "answered",
            CallEvent::Held { .. } => "held",
            CallEvent::Resumed { .. } => "resumed",
            CallEvent::Transferred { .. } => "transferred",
            CallEvent::Ended { .. } => "ended",
            CallEvent::ExtensionStatus { .. } => "status",
        }
    }

    /// When the tracker saw it.
    pub fn at(&self) -> SystemTime {
        match self {
            CallEvent::Ringing { at, .. }
            | CallEvent::Answered { at, .. }
            | CallEvent::Held { at, .. }
            | CallEvent::Resumed { at, .. }
            | CallEvent::Transferred { at, .. }
            | CallEvent::Ended { at, .. }
            | CallEvent::ExtensionStatus { at, .. } => *at,
        }
    }
}

impl Serialize for CallEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let CallEvent::ExtensionStatus {
            extension,
            status,
            at,
        } = self
        {
            map.serialize_entry("type", "extension")?;
            map.serialize_entry("extension", extension)?;
            map.serialize_entry("status", status.state.as_str())?;
            map.serialize_entry("registered", &status.registered)?;
            map.serialize_entry("ts", &format_rfc3339(*at))?;
            return map.end();
        }
        let Some(call) = self.call() else {
            return map.end();
        };
        map.serialize_entry("type", "call")?;
        map.serialize_entry("event", self.name())?;
        map.serialize_entry("call_id", &call.id)?;
        map.serialize_entry("from", &call.from_number)?;
        map.serialize_entry("from_name", &call.from_name)?;
        map.serialize_entry("to", &call.to)?;
        map.serialize_entry("direction", call.direction.as_str())?;
        map.serialize_entry("ts", &format_rfc3339(self.at()))?;
        match self {
            CallEvent::Transferred { target, .. } => map.serialize_entry("target", target)?,
            CallEvent::Ended {
                cause,
                cause_text,
                duration,
                billsec,
                ..
            } => {
                map.serialize_entry("cause", cause)?;
                map.serialize_entry("cause_text", cause_text)?;
                map.serialize_entry("duration_s", &duration.as_secs())?;
                map.serialize_entry("billsec_s", &billsec.as_secs())?;
                map.serialize_entry("recording", &call.recording)?;
            }
            _ => {}
        }
        map.end()
    }
}

/// What changed while the client was disconnected, from [`CallTracker::finish_resync`](super::CallTracker::finish_resync).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResyncReport {
    /// Ids of calls that ended while disconnected (closed now).
    pub ended: Vec<Box<str>>,
    /// Ids of calls that began while disconnected (opened now).
    pub opened: Vec<Box<str>>,
    /// Extensions whose status changed, with the new status.
    pub extension_changes: Vec<(Box<str>, ExtensionStatus)>,
}

impl ResyncReport {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.ended.is_empty() && self.opened.is_empty() && self.extension_changes.is_empty()
    }
}
