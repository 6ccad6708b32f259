//! What the tracker reads from an AMI event, found in one pass over its fields.
//!
//! An event is classified once by name ([`Kind`]); its fields are read once into a table
//! indexed by [`Key`] (first occurrence wins, keys compared ignoring ASCII case, as Asterisk
//! does). Both dialects share the table: legacy spellings (`UniqueID`, `DestUniqueID`,
//! `Dialstring`, `Uniqueid1`) are the same keys ignoring case or have their own slot, so the
//! handlers never search a message.

use crate::typed::{Slot, find, key_table, same, table_len};
use crate::wire::Message;
use std::sync::Arc;

/// The events the tracker acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Newchannel,
    Newstate,
    NewCallerid,
    NewConnectedLine,
    Newexten,
    VarSet,
    MixMonitorStart,
    DialBegin,
    DialState,
    DialEnd,
    /// Legacy `Dial` with `SubEvent: Begin|End`.
    LegacyDial,
    BridgeEnter,
    BridgeLeave,
    /// Legacy `Bridge` (`Bridgestate: Link|Unlink`).
    LegacyBridge,
    /// Legacy `Link` (1.4-style) and `LocalBridge`: two channels are one call.
    LocalBridge,
    /// Legacy `Unlink`.
    Unlink,
    Hold,
    Unhold,
    BlindTransfer,
    AttendedTransfer,
    /// Legacy chan_sip `Transfer`.
    Transfer,
    /// Legacy `Masquerade`: one channel takes over another (attended transfer, pickup).
    Masquerade,
    Rename,
    /// `QueueCallerJoin`, legacy `Join`.
    QueueJoin,
    /// `QueueCallerLeave`, legacy `Leave`.
    QueueLeave,
    QueueCallerAbandon,
    AgentCalled,
    AgentConnect,
    /// `ConfbridgeJoin`, `MeetmeJoin`.
    ConferenceJoin,
    Hangup,
    Cdr,
    OriginateResponse,
    ExtensionStatus,
    DeviceStateChange,
    PeerStatus,
    ContactStatus,
    PeerEntry,
    EndpointList,
    /// `CoreShowChannel`, legacy `Status`: list items describing a live channel.
    ChannelSnapshot,
}

impl Kind {
    /// The kind of the event `name`, ignoring ASCII case; `None` for events the tracker
    /// ignores.
    pub(crate) fn of(name: &str) -> Option<Kind> {
        let is = |i: usize, key: &[u8]| KIND_NAMES.get(i).is_some_and(|n| same(key, n.as_bytes()));
        find(&KIND_TABLE, name.as_bytes(), is).and_then(|i| KIND_OF_NAME.get(i).copied())
    }
}

/// The event names of [`Kind`], as Asterisk writes them (matched ignoring ASCII case)…
const KIND_NAMES: &[&str] = &[
    "Newchannel",
    "Newstate",
    "NewCallerid",
    "NewConnectedLine",
    "Newexten",
    "VarSet",
    "MixMonitorStart",
    "DialBegin",
    "DialState",
    "DialEnd",
    "Dial",
    "BridgeEnter",
    "BridgeLeave",
    "Bridge",
    "Link",
    "LocalBridge",
    "Unlink",
    "Hold",
    "Unhold",
    "BlindTransfer",
    "AttendedTransfer",
    "Transfer",
    "Masquerade",
    "Rename",
    "QueueCallerJoin",
    "Join",
    "QueueCallerLeave",
    "Leave",
    "QueueCallerAbandon",
    "AgentCalled",
    "AgentConnect",
    "ConfbridgeJoin",
    "MeetmeJoin",
    "Hangup",
    "Cdr",
    "OriginateResponse",
    "ExtensionStatus",
    "DeviceStateChange",
    "PeerStatus",
    "ContactStatus",
    "PeerEntry",
    "EndpointList",
    "CoreShowChannel",
    "Status",
];

/// …and the kind each stands for.
const KIND_OF_NAME: &[Kind] = &[
    Kind::Newchannel,
    Kind::Newstate,
    Kind::NewCallerid,
    Kind::NewConnectedLine,
    Kind::Newexten,
    Kind::VarSet,
    Kind::MixMonitorStart,
    Kind::DialBegin,
    Kind::DialState,
    Kind::DialEnd,
    Kind::LegacyDial,
    Kind::BridgeEnter,
    Kind::BridgeLeave,
    Kind::LegacyBridge,
    Kind::LocalBridge,
    Kind::LocalBridge,
    Kind::Unlink,
    Kind::Hold,
    Kind::Unhold,
    Kind::BlindTransfer,
    Kind::AttendedTransfer,
    Kind::Transfer,
    Kind::Masquerade,
    Kind::Rename,
    Kind::QueueJoin,
    Kind::QueueJoin,
    Kind::QueueLeave,
    Kind::QueueLeave,
    Kind::QueueCallerAbandon,
    Kind::AgentCalled,
    Kind::AgentConnect,
    Kind::ConferenceJoin,
    Kind::ConferenceJoin,
    Kind::Hangup,
    Kind::Cdr,
    Kind::OriginateResponse,
    Kind::ExtensionStatus,
    Kind::DeviceStateChange,
    Kind::PeerStatus,
    Kind::ContactStatus,
    Kind::PeerEntry,
    Kind::EndpointList,
    Kind::ChannelSnapshot,
    Kind::ChannelSnapshot,
];

/// The lookup table of [`KIND_NAMES`], built at compile time.
const KIND_TABLE: [Slot; table_len(KIND_NAMES.len())] = key_table(KIND_NAMES);

macro_rules! keys {
    ($( $key:ident = $($spelling:literal)|+ ;)*) => {
        /// The fields the tracker reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::upper_case_acronyms)]
        pub(crate) enum Key { $($key,)* }

        const KEY_COUNT: usize = [$(Key::$key,)*].len();

        /// Every spelling of every key, as Asterisk usually writes it (an exact match is tried
        /// before ASCII case is ignored)…
        const NAMES: &[&str] = &[$($($spelling,)+)*];
        /// …and the key each spelling stands for.
        const KEY_OF_NAME: &[Key] = &[$($({ let _ = $spelling; Key::$key },)+)*];
    };
}

keys! {
    Uniqueid = "Uniqueid";
    Linkedid = "Linkedid";
    Channel = "Channel";
    ChannelState = "ChannelState";
    ChannelStateDesc = "ChannelStateDesc";
    CallerIdNum = "CallerIDNum";
    CallerIdName = "CallerIDName";
    ConnectedLineNum = "ConnectedLineNum";
    Exten = "Exten";
    Extension = "Extension";
    Application = "Application";
    AppData = "AppData" | "ApplicationData";
    DestUniqueid = "DestUniqueid";
    DestChannel = "DestChannel";
    Destination = "Destination";
    DestChannelState = "DestChannelState";
    DestCallerIdNum = "DestCallerIDNum";
    DestCallerIdName = "DestCallerIDName";
    DialString = "DialString";
    DialStatus = "DialStatus";
    SubEvent = "SubEvent";
    BridgeUniqueid = "BridgeUniqueid";
    Bridgestate = "Bridgestate";
    Uniqueid1 = "Uniqueid1";
    Uniqueid2 = "Uniqueid2";
    Channel1 = "Channel1";
    Channel2 = "Channel2";
    Cause = "Cause";
    CauseTxt = "Cause-txt";
    Variable = "Variable";
    Value = "Value";
    Status = "Status";
    Result = "Result";
    TransfereeUniqueid = "TransfereeUniqueid";
    TransfererUniqueid = "TransfererUniqueid";
    TransfererCallerIdNum = "TransfererCallerIDNum";
    OrigTransfererUniqueid = "OrigTransfererUniqueid";
    OrigTransfererCallerIdNum = "OrigTransfererCallerIDNum";
    SecondTransfererUniqueid = "SecondTransfererUniqueid";
    TransferTargetUniqueid = "TransferTargetUniqueid";
    TransferTargetCallerIdNum = "TransferTargetCallerIDNum";
    TransferExten = "TransferExten";
    TransferType = "TransferType";
    TargetUniqueid = "TargetUniqueid";
    TargetChannel = "TargetChannel";
    LocalTwoUniqueid = "LocalTwoUniqueid";
    Original = "Original";
    Clone = "Clone";
    Newname = "Newname";
    Oldname = "Oldname" | "ChannelOld";
    Queue = "Queue";
    Conference = "Conference" | "Meetme";
    DestinationChannel = "DestinationChannel";
    ChannelCalling = "ChannelCalling";
    MemberName = "MemberName";
    Interface = "Interface" | "Member" | "AgentCalled";
    Response = "Response";
    Reason = "Reason";
    Device = "Device";
    State = "State";
    Peer = "Peer";
    PeerStatus = "PeerStatus";
    Aor = "AOR";
    ContactStatus = "ContactStatus";
    ObjectName = "ObjectName";
    IpAddress = "IPaddress";
    Contacts = "Contacts";
    DeviceState = "DeviceState";
    Seconds = "Seconds";
    Duration = "Duration";
    BridgedUniqueid = "BridgedUniqueid";
    Source = "Source";
    Disposition = "Disposition";
    BillableSeconds = "BillableSeconds";
    StartTime = "StartTime";
    AnswerTime = "AnswerTime";
    EndTime = "EndTime";
}

/// The lookup table of [`NAMES`], built at compile time (the events' matcher's, see
/// `crate::typed`): a key is found by its length and first and last bytes, then compared once.
const TABLE: [Slot; table_len(NAMES.len())] = key_table(NAMES);

/// A key the message does not have (in [`Fields`]' index table).
const ABSENT: u8 = u8::MAX;

/// One event's fields, read once: for each key, the index of its first field in the message.
pub(crate) struct Fields<'m, 'a> {
    msg: &'m Message<'a>,
    /// Field index per key, [`ABSENT`] when missing (fields past 254 are not looked at: no
    /// event the tracker reads comes near).
    index: [u8; KEY_COUNT],
}

impl<'m, 'a> Fields<'m, 'a> {
    /// Reads every field of `msg` the table knows (the first of repeated keys wins).
    pub(crate) fn read(msg: &'m Message<'a>) -> Fields<'m, 'a> {
        let mut index = [ABSENT; KEY_COUNT];
        let is = |i: usize, key: &[u8]| NAMES.get(i).is_some_and(|n| same(key, n.as_bytes()));
        for (at, (name, _)) in msg.raw_fields().enumerate().take(usize::from(ABSENT)) {
            if let Some(key) = find(&TABLE, name, is).and_then(|i| KEY_OF_NAME.get(i))
                && let Some(slot @ &mut ABSENT) = index.get_mut(*key as usize)
            {
                *slot = at as u8;
            }
        }
        Fields { msg, index }
    }

    /// The value of `key`, trimmed.
    pub(crate) fn raw(&self, key: Key) -> Option<&'a str> {
        let at = *self.index.get(key as usize)?;
        if at == ABSENT {
            return None;
        }
        self.msg.field(usize::from(at)).map(|(_, v)| trim(v))
    }

    /// A value worth keeping: non-empty, not Asterisk's `<unknown>`/`<null>` placeholder.
    pub(crate) fn get(&self, key: Key) -> Option<&'a str> {
        meaningful(self.raw(key))
    }

    /// `get` as an owned box.
    pub(crate) fn boxed(&self, key: Key) -> Option<Arc<str>> {
        self.get(key).map(Arc::from)
    }

    /// A number.
    pub(crate) fn number<T: std::str::FromStr>(&self, key: Key) -> Option<T> {
        self.raw(key).and_then(|v| v.parse().ok())
    }

    /// True when `key` holds `expected`, ignoring ASCII case.
    pub(crate) fn is(&self, key: Key, expected: &str) -> bool {
        self.raw(key)
            .is_some_and(|v| v.eq_ignore_ascii_case(expected))
    }
}

/// `text` without surrounding white space; values rarely have any, so look before trimming.
#[inline]
pub(crate) fn trim(text: &str) -> &str {
    let b = text.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if !f.is_ascii_whitespace() && !l.is_ascii_whitespace() => text,
        _ => text.trim(),
    }
}

/// A value worth keeping: trimmed, non-empty, not Asterisk's `<unknown>`/`<null>` placeholder.
pub(crate) fn meaningful(value: Option<&str>) -> Option<&str> {
    let v = trim(value?);
    (!(v.is_empty() || v.starts_with('<') && v.ends_with('>'))).then_some(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::parse_message;

    #[test]
    fn reads_both_dialects_once() {
        let (modern, _) = parse_message(
            b"Event: DialBegin\r\nChannel: PJSIP/1001-00000000\r\nUniqueid: 1.0\r\n\
             DestUniqueid: 1.1\r\nDialString: 1002\r\nUniqueid: 9.9\r\n\r\n",
        )
        .unwrap();
        let f = Fields::read(&modern);
        assert_eq!(f.get(Key::Uniqueid), Some("1.0"), "first occurrence wins");
        assert_eq!(f.get(Key::DestUniqueid), Some("1.1"));
        assert_eq!(f.get(Key::DialString), Some("1002"));
        let (legacy, _) = parse_message(
            b"Event: Dial\r\nSubEvent: Begin\r\nUniqueID: 2.0\r\nDestUniqueID: 2.1\r\n\
             Dialstring: 1002\r\nCallerIDNum: <unknown>\r\n\r\n",
        )
        .unwrap();
        let f = Fields::read(&legacy);
        assert_eq!(f.get(Key::Uniqueid), Some("2.0"));
        assert_eq!(f.get(Key::DestUniqueid), Some("2.1"));
        assert_eq!(f.get(Key::DialString), Some("1002"));
        assert!(f.is(Key::SubEvent, "begin"));
        assert_eq!(f.get(Key::CallerIdNum), None, "placeholders are absent");
        assert_eq!(Kind::of("DIAL"), Some(Kind::LegacyDial));
        assert_eq!(Kind::of("RTCPSent"), None);
        assert_eq!(Kind::of("AVeryLongEventNameThatIsNotKnownAtAll"), None);
    }
}
