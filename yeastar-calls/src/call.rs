//! A call and its legs.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::time::{ser_opt_time, ser_time};

/// Which interface the call was seen through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Source {
    /// AMI events (Asterisk Manager Interface): every call of the PBX.
    Ami,
    /// Our own SIP user agent (UDP, TCP or TLS).
    Sip,
    /// Our own SIP user agent over WebSocket.
    WebSocket,
}

impl Source {
    /// The JSON spelling: `ami`, `sip`, `websocket`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Ami => "ami",
            Source::Sip => "sip",
            Source::WebSocket => "websocket",
        }
    }
}

/// Which way a call goes, relative to the PBX's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From outside (a trunk or a non-extension number) to the PBX.
    Inbound,
    /// From an extension to outside.
    Outbound,
    /// Between extensions, or from an extension to a PBX feature (echo, voicemail…).
    Internal,
}

impl Direction {
    /// The JSON spelling: `inbound`, `outbound`, `internal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Internal => "internal",
        }
    }
}

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallState {
    /// Legs exist but nothing rings yet (dialplan running, or a leg not yet linked).
    Setup,
    /// A destination is being alerted.
    Ringing,
    /// Two parties talk, or the PBX answered.
    Answered,
    /// A party put the call on hold.
    OnHold,
    /// The call was transferred to another destination.
    Transferred,
    /// Every leg hung up.
    Ended,
}

/// The state of one leg. The values are Asterisk's channel states (`ast_channel_state`), which
/// also describe a SIP dialog: `Ringing` while alerted, `Up` once answered, `Down` when gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegState {
    /// 0: not in use.
    Down,
    /// 1: reserved.
    Reserved,
    /// 2: off hook.
    OffHook,
    /// 3: digits dialled.
    Dialing,
    /// 4: the caller's line rings into the PBX (incoming leg being set up).
    Ring,
    /// 5: the remote end is alerted.
    Ringing,
    /// 6: answered.
    Up,
    /// 7: busy.
    Busy,
    /// 8: digits dialled while off hook.
    DialingOffhook,
    /// 9: before ringing.
    PreRing,
    /// Any other value.
    Unknown,
}

/// One leg of a call: an Asterisk channel, or a SIP dialog of ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLeg {
    /// The leg's id: Asterisk's `Uniqueid`, or the SIP dialog's Call-ID and tags.
    #[serde(rename = "uniqueid")]
    pub id: Arc<str>,
    /// Channel name (`PJSIP/1001-00000000`) or the remote party's SIP URI.
    pub name: Arc<str>,
    /// Last known state.
    pub state: LegState,
    /// Caller ID number of this leg.
    pub caller_number: Option<Arc<str>>,
    /// Caller ID name of this leg.
    pub caller_name: Option<Arc<str>>,
    /// Bridge it is in (Asterisk `BridgeUniqueid`).
    pub bridge_id: Option<Arc<str>>,
    /// True once it hung up.
    pub hung_up: bool,
}

impl CallLeg {
    /// A new leg in `state` with nothing else known.
    pub fn new(id: impl Into<Arc<str>>, name: impl Into<Arc<str>>, state: LegState) -> CallLeg {
        CallLeg {
            id: id.into(),
            name: name.into(),
            state,
            caller_number: None,
            caller_name: None,
            bridge_id: None,
            hung_up: false,
        }
    }

    /// Bytes owned beyond `size_of::<CallLeg>()`.
    pub fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<Arc<str>>| s.as_ref().map_or(0, |s| s.len());
        self.id.len()
            + self.name.len()
            + opt(&self.caller_number)
            + opt(&self.caller_name)
            + opt(&self.bridge_id)
    }
}

/// How a call was handed to another destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TransferKind {
    /// Sent on without consulting the target (SIP REFER, `BlindTransfer`, the AMI `Redirect` of
    /// a bridged channel).
    Blind,
    /// After a consultation call with the target.
    Attended,
}

/// One transfer in a call's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transfer {
    /// Blind or attended.
    pub kind: TransferKind,
    /// The party that transferred (extension or number), when known.
    pub by: Option<Arc<str>>,
    /// Where the call went (extension or number), when known.
    pub target: Option<Arc<str>>,
    /// When it happened.
    #[serde(serialize_with = "ser_time")]
    pub at: SystemTime,
}

/// Most transfers a call keeps; later ones still move the call but are not listed.
pub const MAX_TRANSFERS_PER_CALL: usize = 8;

/// Why a call ended, beyond the hangup cause a PBX reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndReason {
    /// Its legs hung up (the hangup cause says why).
    Hangup,
    /// It was gone when the connection came back: it ended while we were disconnected.
    EndedWhileDisconnected,
    /// No news of it for longer than the model's call TTL: its hangup was lost.
    Expired,
    /// The model was full and closed its least recently active call.
    Evicted,
    /// A consultation call whose parties an attended transfer joined to another call (the
    /// call goes on there).
    AttendedTransfer,
}

impl EndReason {
    /// A sentence for people and for the `cause_text` of calls the model closed itself.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Hangup => "hangup",
            EndReason::EndedWhileDisconnected => "ended while disconnected",
            EndReason::Expired => "expired: no event within the call TTL",
            EndReason::Evicted => "evicted: too many active calls",
            EndReason::AttendedTransfer => "completed an attended transfer",
        }
    }
}

/// A call: one conversation, whatever legs it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The call's id: the `Uniqueid` of its first channel (its `Linkedid`) for AMI calls, the
    /// Call-ID of the first dialog for our own SIP calls.
    pub id: Arc<str>,
    /// Which interface it was seen through.
    pub source: Source,
    /// Which way it goes (recomputed as legs appear).
    pub direction: Direction,
    /// Where it is.
    pub state: CallState,
    /// Caller ID number of the calling party.
    pub from_number: Option<Arc<str>>,
    /// Caller ID name of the calling party.
    pub from_name: Option<Arc<str>>,
    /// Where the call is going now: the number dialled, or the target of the last transfer.
    pub to: Option<Arc<str>>,
    /// The number first dialled; unlike `to`, transfers do not change it.
    pub dialled: Option<Arc<str>>,
    /// The party that answered first (an extension, a queue agent, an outside number).
    pub answered_by: Option<Arc<str>>,
    /// The party talking to the caller at the end (differs from `answered_by` after transfers).
    pub connected_to: Option<Arc<str>>,
    /// The internal extension involved (caller for outbound/internal, callee for inbound).
    pub extension: Option<Arc<str>>,
    /// The outside number (caller for inbound, dialled number for outbound).
    pub external_number: Option<Arc<str>>,
    /// True for a call we placed ourselves (AMI `Originate`, click-to-call, our SIP INVITE).
    pub originated: bool,
    /// Queue the caller joined, if any.
    pub queue: Option<Arc<str>>,
    /// Conference the call joined, if any.
    pub conference: Option<Arc<str>>,
    /// Transfers, oldest first (at most [`MAX_TRANSFERS_PER_CALL`]).
    pub transfers: Vec<Transfer>,
    /// When the first leg appeared.
    #[serde(serialize_with = "ser_time")]
    pub started_at: SystemTime,
    /// When it was answered.
    #[serde(serialize_with = "ser_opt_time")]
    pub answered_at: Option<SystemTime>,
    /// When the last leg hung up.
    #[serde(serialize_with = "ser_opt_time")]
    pub ended_at: Option<SystemTime>,
    /// Q.850 cause of the hangup (the calling leg's, else the first leg that hung up).
    pub hangup_cause: Option<u16>,
    /// Text of the cause, or [`EndReason::as_str`] when the model closed the call itself.
    pub hangup_cause_text: Option<Arc<str>>,
    /// Why it ended, once it has.
    pub end_reason: Option<EndReason>,
    /// Recording file.
    pub recording: Option<Arc<str>>,
    /// Its legs, the calling one first. Serialized as `channels`.
    #[serde(rename = "channels")]
    pub legs: Vec<CallLeg>,
}

impl Call {
    /// A call that began at `started_at` with nothing else known.
    pub fn new(id: impl Into<Arc<str>>, source: Source, started_at: SystemTime) -> Call {
        Call {
            id: id.into(),
            source,
            direction: Direction::Internal,
            state: CallState::Setup,
            from_number: None,
            from_name: None,
            to: None,
            dialled: None,
            answered_by: None,
            connected_to: None,
            extension: None,
            external_number: None,
            originated: false,
            queue: None,
            conference: None,
            transfers: Vec::new(),
            started_at,
            answered_at: None,
            ended_at: None,
            hangup_cause: None,
            hangup_cause_text: None,
            end_reason: None,
            recording: None,
            legs: Vec::new(),
        }
    }

    /// Time from start to end (or to `now` while active).
    pub fn duration(&self, now: SystemTime) -> Duration {
        let end = self.ended_at.unwrap_or(now);
        end.duration_since(self.started_at).unwrap_or_default()
    }

    /// Talk time: from answer to end (or to `now`); zero if never answered.
    pub fn billsec(&self, now: SystemTime) -> Duration {
        let end = self.ended_at.unwrap_or(now);
        self.answered_at
            .map(|a| end.duration_since(a).unwrap_or_default())
            .unwrap_or_default()
    }

    /// Records a transfer: `to` follows it, the list keeps it (bounded), and the call is
    /// connected to nobody until the target answers.
    pub fn push_transfer(&mut self, transfer: Transfer) {
        if transfer.target.is_some() {
            self.to.clone_from(&transfer.target);
        }
        self.connected_to = None;
        if self.transfers.len() < MAX_TRANSFERS_PER_CALL {
            self.transfers.push(transfer);
        }
    }

    /// Marks the call answered by `by` at `at`: the first answer sets `answered_by`, every
    /// answer sets `connected_to`.
    pub fn note_answer(&mut self, by: Option<Arc<str>>, at: SystemTime) {
        if self.answered_at.is_none() {
            self.answered_at = Some(at);
        }
        if let Some(by) = by {
            if self.answered_by.is_none() {
                self.answered_by = Some(by.clone());
            }
            self.connected_to = Some(by);
        }
    }

    /// Bytes owned by the call beyond `size_of::<Call>()` (strings, legs, transfers).
    pub fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<Arc<str>>| s.as_ref().map_or(0, |s| s.len());
        self.id.len()
            + opt(&self.from_number)
            + opt(&self.from_name)
            + opt(&self.to)
            + opt(&self.dialled)
            + opt(&self.answered_by)
            + opt(&self.connected_to)
            + opt(&self.extension)
            + opt(&self.external_number)
            + opt(&self.queue)
            + opt(&self.conference)
            + opt(&self.hangup_cause_text)
            + opt(&self.recording)
            + self.transfers.capacity() * std::mem::size_of::<Transfer>()
            + self
                .transfers
                .iter()
                .map(|t| opt(&t.by) + opt(&t.target))
                .sum::<usize>()
            + self.legs.capacity() * std::mem::size_of::<CallLeg>()
            + self.legs.iter().map(CallLeg::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn answers_and_transfers_keep_the_story() {
        let t0 = UNIX_EPOCH + Duration::from_secs(100);
        let mut call = Call::new("1.1", Source::Ami, t0);
        call.to = Some("1002".into());
        call.dialled = Some("1002".into());
        call.note_answer(Some("1002".into()), t0 + Duration::from_secs(1));
        call.push_transfer(Transfer {
            kind: TransferKind::Blind,
            by: Some("1002".into()),
            target: Some("1003".into()),
            at: t0 + Duration::from_secs(3),
        });
        assert_eq!(call.connected_to, None, "nobody until the target answers");
        call.note_answer(Some("1003".into()), t0 + Duration::from_secs(4));
        assert_eq!(call.dialled.as_deref(), Some("1002"));
        assert_eq!(call.to.as_deref(), Some("1003"));
        assert_eq!(call.answered_by.as_deref(), Some("1002"));
        assert_eq!(call.connected_to.as_deref(), Some("1003"));
        assert_eq!(call.answered_at, Some(t0 + Duration::from_secs(1)));
        call.ended_at = Some(t0 + Duration::from_secs(8));
        assert_eq!(call.duration(t0), Duration::from_secs(8));
        assert_eq!(call.billsec(t0), Duration::from_secs(7));
    }

    #[test]
    fn transfers_are_bounded() {
        let mut call = Call::new("1", Source::Sip, UNIX_EPOCH);
        for i in 0..MAX_TRANSFERS_PER_CALL + 3 {
            call.push_transfer(Transfer {
                kind: TransferKind::Attended,
                by: None,
                target: Some(i.to_string().into()),
                at: UNIX_EPOCH,
            });
        }
        assert_eq!(call.transfers.len(), MAX_TRANSFERS_PER_CALL);
        let last = (MAX_TRANSFERS_PER_CALL + 2).to_string();
        assert_eq!(call.to.as_deref(), Some(last.as_str()));
    }
}
