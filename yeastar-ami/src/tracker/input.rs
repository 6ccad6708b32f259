//! What the tracker reads from an AMI event, found in one pass over its fields.
//!
//! An event is classified once by name ([`Kind`]); its fields are read once into a table
//! indexed by [`Key`] (first occurrence wins, keys compared ignoring ASCII case, as Asterisk
//! does). Both dialects share the table: legacy spellings (`UniqueID`, `DestUniqueID`,
//! `Dialstring`, `Uniqueid1`) are the same keys ignoring case or have their own slot, so the
//! handlers never search a message.

use crate::wire::Message;

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
        let mut buf = [0u8; 24];
        let lower = buf.get_mut(..name.len())?;
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        Some(match &*lower {
            b"newchannel" => Kind::Newchannel,
            b"newstate" => Kind::Newstate,
            b"newcallerid" => Kind::NewCallerid,
            b"newconnectedline" => Kind::NewConnectedLine,
            b"newexten" => Kind::Newexten,
            b"varset" => Kind::VarSet,
            b"mixmonitorstart" => Kind::MixMonitorStart,
            b"dialbegin" => Kind::DialBegin,
            b"dialstate" => Kind::DialState,
            b"dialend" => Kind::DialEnd,
            b"dial" => Kind::LegacyDial,
            b"bridgeenter" => Kind::BridgeEnter,
            b"bridgeleave" => Kind::BridgeLeave,
            b"bridge" => Kind::LegacyBridge,
            b"link" | b"localbridge" => Kind::LocalBridge,
            b"unlink" => Kind::Unlink,
            b"hold" => Kind::Hold,
            b"unhold" => Kind::Unhold,
            b"blindtransfer" => Kind::BlindTransfer,
            b"attendedtransfer" => Kind::AttendedTransfer,
            b"transfer" => Kind::Transfer,
            b"masquerade" => Kind::Masquerade,
            b"rename" => Kind::Rename,
            b"queuecallerjoin" | b"join" => Kind::QueueJoin,
            b"queuecallerleave" | b"leave" => Kind::QueueLeave,
            b"queuecallerabandon" => Kind::QueueCallerAbandon,
            b"agentcalled" => Kind::AgentCalled,
            b"agentconnect" => Kind::AgentConnect,
            b"confbridgejoin" | b"meetmejoin" => Kind::ConferenceJoin,
            b"hangup" => Kind::Hangup,
            b"cdr" => Kind::Cdr,
            b"originateresponse" => Kind::OriginateResponse,
            b"extensionstatus" => Kind::ExtensionStatus,
            b"devicestatechange" => Kind::DeviceStateChange,
            b"peerstatus" => Kind::PeerStatus,
            b"contactstatus" => Kind::ContactStatus,
            b"peerentry" => Kind::PeerEntry,
            b"endpointlist" => Kind::EndpointList,
            b"coreshowchannel" | b"status" => Kind::ChannelSnapshot,
            _ => return None,
        })
    }
}

macro_rules! keys {
    ($( $key:ident = $($spelling:literal)|+ ;)*) => {
        /// The fields the tracker reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(clippy::upper_case_acronyms)]
        pub(crate) enum Key { $($key,)* }

        const KEY_COUNT: usize = [$(Key::$key,)*].len();

        /// The key of a field name already lower-cased.
        fn key_of_lower(name: &[u8]) -> Option<Key> {
            match name {
                $( $($spelling)|+ => Some(Key::$key), )*
                _ => None,
            }
        }
    };
}

keys! {
    Uniqueid = b"uniqueid";
    Linkedid = b"linkedid";
    Channel = b"channel";
    ChannelState = b"channelstate";
    ChannelStateDesc = b"channelstatedesc";
    CallerIdNum = b"calleridnum";
    CallerIdName = b"calleridname";
    ConnectedLineNum = b"connectedlinenum";
    Exten = b"exten";
    Extension = b"extension";
    Application = b"application";
    AppData = b"appdata" | b"applicationdata";
    DestUniqueid = b"destuniqueid";
    DestChannel = b"destchannel";
    Destination = b"destination";
    DestChannelState = b"destchannelstate";
    DestCallerIdNum = b"destcalleridnum";
    DestCallerIdName = b"destcalleridname";
    DialString = b"dialstring";
    DialStatus = b"dialstatus";
    SubEvent = b"subevent";
    BridgeUniqueid = b"bridgeuniqueid";
    Bridgestate = b"bridgestate";
    Uniqueid1 = b"uniqueid1";
    Uniqueid2 = b"uniqueid2";
    Channel1 = b"channel1";
    Channel2 = b"channel2";
    Cause = b"cause";
    CauseTxt = b"cause-txt";
    Variable = b"variable";
    Value = b"value";
    Status = b"status";
    Result = b"result";
    TransfereeUniqueid = b"transfereeuniqueid";
    TransfererUniqueid = b"transfereruniqueid";
    TransfererCallerIdNum = b"transferercalleridnum";
    OrigTransfererUniqueid = b"origtransfereruniqueid";
    OrigTransfererCallerIdNum = b"origtransferercalleridnum";
    SecondTransfererUniqueid = b"secondtransfereruniqueid";
    TransferTargetUniqueid = b"transfertargetuniqueid";
    TransferTargetCallerIdNum = b"transfertargetcalleridnum";
    TransferExten = b"transferexten";
    TransferType = b"transfertype";
    TargetUniqueid = b"targetuniqueid";
    TargetChannel = b"targetchannel";
    LocalTwoUniqueid = b"localtwouniqueid";
    Original = b"original";
    Clone = b"clone";
    Newname = b"newname";
    Oldname = b"oldname" | b"channelold";
    Queue = b"queue";
    Conference = b"conference" | b"meetme";
    DestinationChannel = b"destinationchannel";
    ChannelCalling = b"channelcalling";
    MemberName = b"membername";
    Interface = b"interface" | b"member" | b"agentcalled";
    Response = b"response";
    Reason = b"reason";
    Device = b"device";
    State = b"state";
    Peer = b"peer";
    PeerStatus = b"peerstatus";
    Aor = b"aor";
    ContactStatus = b"contactstatus";
    ObjectName = b"objectname";
    IpAddress = b"ipaddress";
    Contacts = b"contacts";
    DeviceState = b"devicestate";
    Seconds = b"seconds";
    Duration = b"duration";
    BridgedUniqueid = b"bridgeduniqueid";
    Source = b"source";
    Disposition = b"disposition";
    BillableSeconds = b"billableseconds";
    StartTime = b"starttime";
    AnswerTime = b"answertime";
    EndTime = b"endtime";
}

/// The longest field name the table holds; longer names are never ours.
const MAX_KEY_LEN: usize = 32;

/// One event's fields, read once. Values are trimmed; absent keys are `None`.
pub(crate) struct Fields<'a> {
    values: [Option<&'a str>; KEY_COUNT],
}

impl<'a> Fields<'a> {
    /// Reads every field of `msg` the table knows.
    pub(crate) fn read(msg: &Message<'a>) -> Fields<'a> {
        let mut values = [None; KEY_COUNT];
        let mut buf = [0u8; MAX_KEY_LEN];
        for (name, value) in msg.fields() {
            let Some(lower) = buf.get_mut(..name.len()) else {
                continue;
            };
            lower.copy_from_slice(name.as_bytes());
            lower.make_ascii_lowercase();
            if let Some(key) = key_of_lower(lower)
                && let Some(slot @ None) = values.get_mut(key as usize)
            {
                *slot = Some(value.trim());
            }
        }
        Fields { values }
    }

    /// The raw (trimmed) value of `key`.
    pub(crate) fn raw(&self, key: Key) -> Option<&'a str> {
        self.values.get(key as usize).copied().flatten()
    }

    /// A value worth keeping: non-empty, not Asterisk's `<unknown>`/`<null>` placeholder.
    pub(crate) fn get(&self, key: Key) -> Option<&'a str> {
        meaningful(self.raw(key))
    }

    /// `get` as an owned box.
    pub(crate) fn boxed(&self, key: Key) -> Option<Box<str>> {
        self.get(key).map(Box::from)
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

/// A value worth keeping: trimmed, non-empty, not Asterisk's `<unknown>`/`<null>` placeholder.
pub(crate) fn meaningful(value: Option<&str>) -> Option<&str> {
    let v = value?.trim();
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
