//! The data the tracker keeps: calls, their channels, extension states.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Which way a call goes, relative to the PBX's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From outside (a trunk or a non-extension number) to the PBX.
    Inbound,
    /// From an extension to outside.
    Outbound,
    /// Between extensions or from an extension to a PBX feature (echo, voicemail…).
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
    /// Channels exist but nothing rings yet (dialplan running, or a leg not yet linked).
    Setup,
    /// A destination is being alerted.
    Ringing,
    /// Two parties talk, or the PBX answered.
    Answered,
    /// A party put the call on hold.
    OnHold,
    /// The call was transferred to another destination.
    Transferred,
    /// Every channel hung up.
    Ended,
}

/// Asterisk's channel state (`ChannelState` header, `ast_channel_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// 0: not in use.
    Down,
    /// 1: reserved.
    Reserved,
    /// 2: off hook.
    OffHook,
    /// 3: digits dialled.
    Dialing,
    /// 4: the caller's line rings into the PBX (incoming channel being set up).
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

impl ChannelState {
    /// From the numeric `ChannelState` header.
    pub fn from_code(code: u32) -> ChannelState {
        match code {
            0 => ChannelState::Down,
            1 => ChannelState::Reserved,
            2 => ChannelState::OffHook,
            3 => ChannelState::Dialing,
            4 => ChannelState::Ring,
            5 => ChannelState::Ringing,
            6 => ChannelState::Up,
            7 => ChannelState::Busy,
            8 => ChannelState::DialingOffhook,
            9 => ChannelState::PreRing,
            _ => ChannelState::Unknown,
        }
    }

    /// From `ChannelStateDesc` text, for events without the numeric header.
    pub fn from_desc(desc: &str) -> ChannelState {
        const NAMES: [(&str, ChannelState); 10] = [
            ("Down", ChannelState::Down),
            ("Rsrvd", ChannelState::Reserved),
            ("OffHook", ChannelState::OffHook),
            ("Dialing", ChannelState::Dialing),
            ("Ring", ChannelState::Ring),
            ("Ringing", ChannelState::Ringing),
            ("Up", ChannelState::Up),
            ("Busy", ChannelState::Busy),
            ("Dialing Offhook", ChannelState::DialingOffhook),
            ("Pre-ring", ChannelState::PreRing),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(desc))
            .map_or(ChannelState::Unknown, |(_, s)| *s)
    }
}

/// One channel (call leg) of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelInfo {
    /// Asterisk's `Uniqueid`.
    pub uniqueid: Box<str>,
    /// Channel name, `PJSIP/1001-00000000`.
    pub name: Box<str>,
    /// Last known state.
    pub state: ChannelState,
    /// Caller ID number of this leg.
    pub caller_number: Option<Box<str>>,
    /// Caller ID name of this leg.
    pub caller_name: Option<Box<str>>,
    /// Bridge it is in (`BridgeUniqueid`), modern dialect.
    pub bridge_id: Option<Box<str>>,
    /// True once its `Hangup` arrived.
    pub hung_up: bool,
}

impl ChannelInfo {
    /// The peer (endpoint) name: `1001` for `PJSIP/1001-00000000`, `provider` for
    /// `SIP/provider-0000002a`; `None` for `Local/…` and other non-device channels.
    pub fn peer(&self) -> Option<&str> {
        peer_of_channel(&self.name)
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.uniqueid.len()
            + self.name.len()
            + self.caller_number.as_ref().map_or(0, |s| s.len())
            + self.caller_name.as_ref().map_or(0, |s| s.len())
            + self.bridge_id.as_ref().map_or(0, |s| s.len())
    }
}

/// The endpoint name inside a channel name, for device technologies only.
pub(crate) fn peer_of_channel(name: &str) -> Option<&str> {
    let (tech, rest) = name.split_once('/')?;
    if !["SIP", "PJSIP", "IAX2", "DAHDI", "WebRTC"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(tech))
    {
        return None;
    }
    // The suffix after the last '-' is a hex sequence number; device names may contain '-'.
    let peer = match rest.rsplit_once('-') {
        Some((peer, seq)) if !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_hexdigit()) => peer,
        _ => rest,
    };
    (!peer.is_empty()).then_some(peer)
}

/// A call: the channels Asterisk links by `Linkedid` (or, in the 1.8 dialect, by `Dial` and
/// `Bridge` events), seen as one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// The call's id: the `Uniqueid` of its first channel (its `Linkedid`).
    pub id: Box<str>,
    /// Which way it goes (recomputed as legs appear).
    pub direction: Direction,
    /// Where it is.
    pub state: CallState,
    /// Caller ID number of the calling party.
    pub from_number: Option<Box<str>>,
    /// Caller ID name of the calling party.
    pub from_name: Option<Box<str>>,
    /// The number dialled (or the `Exten` of an originated call).
    pub to: Option<Box<str>>,
    /// Caller ID number of the leg that answered.
    pub answered_by: Option<Box<str>>,
    /// The internal extension involved (caller for outbound/internal, callee for inbound).
    pub extension: Option<Box<str>>,
    /// The outside number (caller for inbound, dialled number for outbound).
    pub external_number: Option<Box<str>>,
    /// True for a call created by an `Originate` action.
    pub originated: bool,
    /// Queue the caller joined, if any.
    pub queue: Option<Box<str>>,
    /// When the first channel appeared.
    #[serde(serialize_with = "ser_time")]
    pub started_at: SystemTime,
    /// When it was answered.
    #[serde(serialize_with = "ser_opt_time")]
    pub answered_at: Option<SystemTime>,
    /// When the last channel hung up.
    #[serde(serialize_with = "ser_opt_time")]
    pub ended_at: Option<SystemTime>,
    /// Q.850 cause of the calling channel's hangup (`Cause`).
    pub hangup_cause: Option<u16>,
    /// Text of the cause (`Cause-txt`), or why the tracker closed the call.
    pub hangup_cause_text: Option<Box<str>>,
    /// MixMonitor recording file.
    pub recording: Option<Box<str>>,
    /// Its channels, first (calling) one first.
    pub channels: Vec<ChannelInfo>,
}

impl Call {
    /// Seconds from start to end (or to `now` while active).
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

    /// Bytes owned by the call beyond `size_of::<Call>()` (strings and channels).
    pub fn heap_bytes(&self) -> usize {
        let opt = |s: &Option<Box<str>>| s.as_ref().map_or(0, |s| s.len());
        self.id.len()
            + opt(&self.from_number)
            + opt(&self.from_name)
            + opt(&self.to)
            + opt(&self.answered_by)
            + opt(&self.extension)
            + opt(&self.external_number)
            + opt(&self.queue)
            + opt(&self.hangup_cause_text)
            + opt(&self.recording)
            + self.channels.capacity() * std::mem::size_of::<ChannelInfo>()
            + self
                .channels
                .iter()
                .map(ChannelInfo::heap_bytes)
                .sum::<usize>()
    }
}

/// State of an extension, from its hint (`ExtensionStatus`) or device (`DeviceStateChange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ExtensionState {
    /// Not in use.
    Idle,
    /// Alerted.
    Ringing,
    /// On a call.
    InUse,
    /// On a call and alerted by another (call waiting).
    InUseRinging,
    /// Busy.
    Busy,
    /// Holding a call.
    OnHold,
    /// Not reachable (not registered).
    Unavailable,
    /// Not known, or the hint was removed.
    Unknown,
}

impl ExtensionState {
    /// From an `ExtensionStatus` `Status` code (a bit set: 1 in use, 2 busy, 4 unavailable,
    /// 8 ringing, 16 on hold; -1 removed, -2 deactivated).
    pub fn from_status_code(code: i32) -> ExtensionState {
        if code < 0 {
            return ExtensionState::Unknown;
        }
        let in_use = code & 1 != 0;
        if code & 4 != 0 {
            ExtensionState::Unavailable
        } else if code & 2 != 0 {
            ExtensionState::Busy
        } else if code & 16 != 0 {
            ExtensionState::OnHold
        } else if code & 8 != 0 && in_use {
            ExtensionState::InUseRinging
        } else if code & 8 != 0 {
            ExtensionState::Ringing
        } else if in_use {
            ExtensionState::InUse
        } else {
            ExtensionState::Idle
        }
    }

    /// From a device state name (`DeviceStateChange` `State`, `EndpointList` `DeviceState`).
    pub fn from_device_state(state: &str) -> ExtensionState {
        let norm = |s: &str| {
            s.bytes()
                .filter(|b| b.is_ascii_alphanumeric())
                .map(|b| b.to_ascii_uppercase())
                .collect::<Vec<u8>>()
        };
        match norm(state).as_slice() {
            b"NOTINUSE" | b"IDLE" => ExtensionState::Idle,
            b"INUSE" => ExtensionState::InUse,
            b"BUSY" => ExtensionState::Busy,
            b"UNAVAILABLE" => ExtensionState::Unavailable,
            b"RINGING" => ExtensionState::Ringing,
            b"RINGINUSE" => ExtensionState::InUseRinging,
            b"ONHOLD" => ExtensionState::OnHold,
            _ => ExtensionState::Unknown,
        }
    }

    /// The JSON spelling (`idle`, `in_use`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionState::Idle => "idle",
            ExtensionState::Ringing => "ringing",
            ExtensionState::InUse => "in_use",
            ExtensionState::InUseRinging => "in_use_ringing",
            ExtensionState::Busy => "busy",
            ExtensionState::OnHold => "on_hold",
            ExtensionState::Unavailable => "unavailable",
            ExtensionState::Unknown => "unknown",
        }
    }
}

/// A row of the extension status table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExtensionStatus {
    /// Call state of the extension.
    pub state: ExtensionState,
    /// Registration: `Some(true)` registered/reachable, `Some(false)` not, `None` unknown.
    pub registered: Option<bool>,
}

/// Serde helper: a `SystemTime` as an RFC 3339 string.
pub(crate) fn ser_time<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_rfc3339(*t))
}

/// Serde helper: an optional `SystemTime` as an RFC 3339 string or null.
pub(crate) fn ser_opt_time<S: serde::Serializer>(
    t: &Option<SystemTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_rfc3339(*t)),
        None => s.serialize_none(),
    }
}

/// Serde helper: a `Duration` as whole seconds.
pub(crate) fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

/// Days since 1970-01-01 to a civil (year, month, day), proleptic Gregorian (era arithmetic).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `SystemTime` as RFC 3339 UTC with milliseconds (`2026-11-26T21:33:23.000Z`).
pub fn format_rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}
