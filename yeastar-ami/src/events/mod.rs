//! Typed AMI events, one struct per event, borrowing from the message.
//!
//! Every event and field is declared in a table (`events!`, one file per topic) with its wire
//! key, its type and what the Asterisk documentation says of it: the Asterisk 22 "AMI Events"
//! reference for the modern dialect (Asterisk 12 and later), the Asterisk 1.8 manager
//! documentation for the legacy one (AMI 1.1: Asterisk 1.8, Yeastar S-series). Each struct's
//! doc names its dialect. Fields a struct does not name stay in the [`Message`].
//!
//! Keys are matched ignoring ASCII case, the first of repeated keys wins, and an empty value
//! is `None` for an optional field. Text stays `&str` (flags and state names included);
//! values Asterisk documents as numbers are numbers.
//!
//! A consumer that handles a few events reads [`EventKind::of`] (the `Event` key alone) and
//! calls that struct's `parse`; [`Event::parse`] types any event.

#[macro_use]
mod macros;

mod agents;
mod cdr;
mod channels;
mod conferences;
mod dial_bridge;
mod endpoints;
mod lists;
mod queues;
mod system;
mod transfers;

pub use agents::*;
pub use cdr::*;
pub use channels::*;
pub use conferences::*;
pub use dial_bridge::*;
pub use endpoints::*;
pub use lists::*;
pub use queues::*;
pub use system::*;
pub use transfers::*;

use crate::serde_de::DeError;
use crate::wire::Message;

registry! {
    // channels.rs
    Newchannel boxed,
    Newstate boxed,
    Hangup boxed,
    HangupRequest boxed,
    SoftHangupRequest boxed,
    NewCallerid boxed,
    NewConnectedLine boxed,
    NewAccountCode,
    Newexten boxed,
    VarSet boxed,
    Hold boxed,
    Unhold boxed,
    MusicOnHoldStart boxed,
    MusicOnHoldStop boxed,
    MixMonitorStart,
    MixMonitorStop,
    Dtmf,
    DtmfBegin boxed,
    DtmfEnd boxed,
    Rename,
    MusicOnHold,
    UserEvent boxed,
    ChannelUpdate,
    RtcpSent boxed,
    // dial_bridge.rs
    Dial,
    DialBegin boxed,
    DialState boxed,
    DialEnd boxed,
    OriginateResponse,
    BridgeCreate,
    BridgeDestroy,
    BridgeEnter boxed,
    BridgeLeave boxed,
    Bridge,
    Link,
    Unlink,
    LocalBridge,
    LocalOptimizationBegin boxed,
    LocalOptimizationEnd boxed,
    // transfers.rs
    BlindTransfer boxed,
    AttendedTransfer boxed,
    Transfer,
    Masquerade,
    ParkedCall boxed,
    UnParkedCall boxed,
    ParkedCallTimeOut boxed,
    ParkedCallGiveUp boxed,
    Pickup boxed,
    // queues.rs
    QueueCallerJoin boxed,
    QueueCallerLeave boxed,
    QueueCallerAbandon boxed,
    Join,
    Leave,
    QueueMemberStatus boxed,
    QueueMemberAdded boxed,
    QueueMemberRemoved boxed,
    QueueMemberPause boxed,
    QueueMemberPaused,
    QueueParams boxed,
    QueueMember boxed,
    QueueEntry,
    QueueStatusComplete,
    QueueSummary,
    QueueSummaryComplete,
    // agents.rs
    AgentCalled boxed,
    AgentConnect boxed,
    AgentComplete boxed,
    AgentRingNoAnswer boxed,
    AgentDump boxed,
    // conferences.rs
    ConfbridgeStart,
    ConfbridgeEnd,
    ConfbridgeJoin boxed,
    ConfbridgeLeave boxed,
    ConfbridgeTalking boxed,
    MeetmeJoin boxed,
    MeetmeLeave boxed,
    MeetmeEnd,
    MeetmeTalking,
    // cdr.rs
    Cdr boxed,
    Cel boxed,
    // endpoints.rs
    PeerStatus,
    Registry,
    ContactStatus,
    DeviceStateChange,
    ExtensionStatus,
    MessageWaiting,
    ChallengeSent,
    SuccessfulAuth,
    // system.rs
    FullyBooted,
    Reload,
    Shutdown,
    // lists.rs
    Status boxed,
    StatusComplete,
    CoreShowChannel boxed,
    CoreShowChannelsComplete,
    CoreShowChannelMap,
    CoreShowChannelMapComplete,
    BridgeListItem,
    BridgeListComplete,
    DeviceStateListComplete,
    ExtensionStateListComplete,
    PeerEntry boxed,
    PeerlistComplete,
    EndpointList,
    EndpointListComplete,
    EndpointDetail boxed,
    EndpointDetailComplete,
    AorList boxed,
    AorListComplete,
    AorDetail boxed,
    AuthDetail boxed,
    ContactList boxed,
    ContactListComplete,
    InboundRegistrationDetail boxed,
    InboundRegistrationDetailComplete,
    RegistrationsComplete,
}

impl<'a> Event<'a> {
    /// Types `message` if it is a known event; otherwise (or if a field does not parse) keeps
    /// it as [`Event::Unknown`].
    pub fn parse(message: &Message<'a>) -> Event<'a> {
        Event::try_parse(message).unwrap_or_else(|_| Event::Unknown(message.clone()))
    }

    /// Types `message`, or says why it could not. Unknown event names are `Ok(Unknown)`.
    pub fn try_parse(message: &Message<'a>) -> Result<Event<'a>, DeError> {
        match EventKind::of(message) {
            Some(kind) => kind.parse(message),
            None => Ok(Event::Unknown(message.clone())),
        }
    }

    /// [`Event::try_parse`] through the serde [`Deserializer`](serde::Deserializer) over
    /// [`Message`] alone: the same result, slower. `try_parse` matches the keys of the crate's
    /// own types in one pass and falls back to this path when a value does not fit.
    pub fn try_parse_serde(message: &Message<'a>) -> Result<Event<'a>, DeError> {
        match EventKind::of(message) {
            Some(kind) => kind.parse_serde(message),
            None => Ok(Event::Unknown(message.clone())),
        }
    }

    /// The event name as this crate spells it (`Unknown` gives the name on the wire).
    pub fn name(&self) -> &str {
        match (self.kind(), self) {
            (Some(kind), _) => kind.name(),
            (None, Event::Unknown(m)) => m.event().unwrap_or_default(),
            (None, _) => "",
        }
    }

    /// True when the event was typed.
    pub fn is_typed(&self) -> bool {
        !matches!(self, Event::Unknown(_))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail loudly

    use super::*;
    use crate::parse_message;

    /// Every declared struct is in the registry and nothing else is.
    #[test]
    fn registry_lists_every_declared_event() {
        let mut declared: Vec<&str> = [
            agents::DECLARED,
            cdr::DECLARED,
            channels::DECLARED,
            conferences::DECLARED,
            dial_bridge::DECLARED,
            endpoints::DECLARED,
            lists::DECLARED,
            queues::DECLARED,
            system::DECLARED,
            transfers::DECLARED,
        ]
        .concat();
        let mut registered = TYPED_EVENTS.to_vec();
        declared.sort_unstable();
        registered.sort_unstable();
        assert_eq!(declared, registered);
    }

    #[test]
    fn every_kind_is_found_by_its_name_in_any_case() {
        assert_eq!(EventKind::ALL.len(), TYPED_EVENTS.len());
        for &kind in EventKind::ALL {
            let name = kind.name();
            assert_eq!(EventKind::from_name(name), Some(kind));
            assert_eq!(EventKind::from_name(&name.to_ascii_lowercase()), Some(kind));
            let frame = format!("Event: {}\r\n\r\n", name.to_ascii_uppercase());
            let (m, _) = parse_message(frame.as_bytes()).unwrap();
            assert_eq!(EventKind::of(&m), Some(kind));
        }
        for other in ["", "Hangu", "Hangups", "NoSuchEvent", "Event"] {
            assert_eq!(EventKind::from_name(other), None, "{other}");
        }
    }

    /// A message holding only its `Event` key types as every event whose fields are all
    /// optional, and each struct's `parse` agrees with `Event::parse` and with serde.
    #[test]
    fn struct_parse_matches_event_parse() {
        let text = "Event: Hangup\r\nChannel: PJSIP/1001-00000001\r\nUniqueid: 1.1\r\n\
                    Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        let hangup = Hangup::parse(&m).unwrap();
        assert_eq!(hangup, Hangup::parse_serde(&m).unwrap());
        assert_eq!(
            (hangup.cause, hangup.cause_txt),
            (Some(16), Some("Normal Clearing"))
        );
        let event = Event::parse(&m);
        assert_eq!(event.kind(), Some(EventKind::Hangup));
        assert_eq!(event.name(), "Hangup");
        let Event::Hangup(boxed) = event else {
            unreachable!()
        };
        assert_eq!(*boxed, hangup);
    }

    #[test]
    fn missing_required_field_is_named() {
        let (m, _) = parse_message(b"Event: Hangup\r\nChannel: a\r\n\r\n").unwrap();
        assert_eq!(Hangup::parse(&m), Err(DeError::MissingField("Uniqueid")));
        let (m, _) =
            parse_message(b"Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause: x\r\n\r\n")
                .unwrap();
        let err = Hangup::parse(&m).unwrap_err();
        assert_eq!(
            err,
            DeError::InvalidValue {
                key: "Cause",
                value: "x".into(),
                expected: "u16"
            }
        );
        assert_eq!(err.to_string(), "Cause: \"x\" is not u16");
    }

    /// Legacy (AMI 1.1) spellings fill the declared fields: keys match ignoring ASCII case,
    /// and keys only the legacy dialect sends have their own fields.
    #[test]
    fn legacy_spellings_fill_the_declared_fields() {
        let text = "Event: Dial\r\nSubEvent: Begin\r\nChannel: SIP/1001-1\r\n\
                    Destination: SIP/1002-2\r\nUniqueID: 1.1\r\nDestUniqueID: 1.2\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        let dial = Dial::parse(&m).unwrap();
        assert_eq!(dial.sub_event, Some("Begin"));
        assert_eq!(
            (dial.unique_id, dial.dest_unique_id),
            (Some("1.1"), Some("1.2"))
        );

        let text = "Event: Hangup\r\nChannel: SIP/1-1\r\nUniqueid: 1.1\r\nCause: 17\r\n\
                    Cause-txt: User busy\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        let hangup = Hangup::parse(&m).unwrap();
        assert_eq!(
            (hangup.cause, hangup.cause_txt),
            (Some(17), Some("User busy"))
        );

        let text = "Event: QueueCallerAbandon\r\nQueue: sales\r\nUniqueid: 1.1\r\n\
                    Position: 1\r\nOriginalPosition: 3\r\nHoldTime: 12\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        assert_eq!(EventKind::of(&m), Some(EventKind::QueueCallerAbandon));
        let abandon = QueueCallerAbandon::parse(&m).unwrap();
        assert_eq!(abandon.channel, None);
        assert_eq!(
            (
                abandon.queue,
                abandon.position,
                abandon.original_position,
                abandon.hold_time
            ),
            ("sales", Some(1), Some(3), Some(12))
        );

        let text = "Event: AgentComplete\r\nQueue: sales\r\nUniqueid: 1.1\r\n\
                    Member: SIP/1002\r\nHoldtime: 4\r\nTalkTime: 30\r\nReason: caller\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        let done = AgentComplete::parse(&m).unwrap();
        assert_eq!(
            (done.member, done.hold_time, done.talk_time),
            (Some("SIP/1002"), Some(4), Some(30))
        );
        assert_eq!(done.reason, Some("caller"));
    }

    /// Numbers Asterisk documents as numbers are typed; a value that is not one is refused
    /// with its key, and `Event::parse` keeps the message.
    #[test]
    fn documented_numbers_are_numbers() {
        let text = "Event: BridgeEnter\r\nBridgeUniqueid: b\r\nBridgeNumChannels: 2\r\n\
                    Channel: PJSIP/1001-1\r\nUniqueid: 1.1\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        assert_eq!(BridgeEnter::parse(&m).unwrap().bridge_num_channels, Some(2));
        let text = "Event: DialBegin\r\nDestChannelState: Ringing\r\n\r\n";
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        assert_eq!(
            DialBegin::parse(&m),
            Err(DeError::InvalidValue {
                key: "DestChannelState",
                value: "Ringing".into(),
                expected: "u8"
            })
        );
        assert!(!Event::parse(&m).is_typed());
    }
}
