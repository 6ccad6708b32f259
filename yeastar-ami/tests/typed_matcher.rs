//! `Event::try_parse` (the one-pass matcher the `events!` declarations generate) gives exactly
//! what the serde path gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use bytes::BytesMut;
use yeastar_ami::{Decoder, Event, FrameKind, parse_message};

/// Both results, compared through `Debug`, which shows every field of every typed event.
fn assert_same(message: &yeastar_ami::Message<'_>, what: &str) -> bool {
    let fast = Event::try_parse(message);
    let serde = Event::try_parse_serde(message);
    assert_eq!(format!("{fast:?}"), format!("{serde:?}"), "{what}");
    assert_eq!(
        format!("{:?}", Event::parse(message)),
        format!(
            "{:?}",
            serde.clone().unwrap_or(Event::Unknown(message.clone()))
        ),
        "{what}"
    );
    matches!(fast, Ok(e) if e.is_typed())
}

#[test]
fn every_captured_event_types_as_through_serde() {
    let mut typed = 0;
    let mut events = 0;
    let mut legacy = 0;
    let streams = common::s2c_streams()
        .into_iter()
        .chain(common::corpus_streams());
    for (name, bytes) in streams {
        let mut buf = BytesMut::from(&bytes[..]);
        let mut decoder = Decoder::default();
        while let Some(frame) = decoder.decode(&mut buf).unwrap_or(None) {
            let m = frame.message();
            if m.kind() != FrameKind::Event {
                continue;
            }
            events += 1;
            if assert_same(&m, &format!("{name}: {m:?}")) {
                typed += 1;
                legacy += usize::from(name.starts_with("asterisk-legacy/"));
            }
        }
    }
    eprintln!("{typed} of {events} events typed, {legacy} legacy");
    assert!(events > 900, "{events} events");
    assert!(typed * 10 > events * 9, "{typed} of {events} typed");
    assert!(legacy > 100, "{legacy} legacy events typed");
}

/// Frames that take the unusual paths: case-folded and repeated keys, empty and padded values,
/// numbers that do not parse, a missing required key, keys the struct does not name.
#[test]
fn edge_cases_type_as_through_serde() {
    let frames: &[&str] = &[
        "Event: Hangup\r\nCHANNEL: SIP/1-1\r\nuniqueID: 1.2\r\nCause: 16\r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nChannel: b\r\nUniqueid: 1\r\nUniqueid: 2\r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause: \r\nCause-txt: \r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause:  16 \r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause: x\r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nUniqueid: 1\r\nCause: 99999999\r\nCause: 16\r\n\r\n",
        "Event: Hangup\r\nChannel: a\r\nCause: 16\r\n\r\n",
        "Event: Hangup\r\nChannel: \r\nUniqueid: \r\n\r\n",
        "Event: hangup\r\nChannel: a\r\nUniqueid: 1\r\nVariable: x=1\r\nFoo: bar\r\n\r\n",
        "Event: Newstate\r\nPrivilege: call,all\r\nChannel: a\r\nChannelState: 6\r\nUniqueid: 1\r\n\r\n",
        "Event: Newstate\r\nChannel: a\r\nChannelState: 600\r\nUniqueid: 1\r\n\r\n",
        "Event: NoSuchEvent\r\nChannel: a\r\n\r\n",
        "Event: \r\n\r\n",
        "Response: Success\r\nMessage: hi\r\n\r\n",
        "Event: Cdr\r\nDuration: 12\r\nBillableSeconds: -1\r\nAMAFlags: DOCUMENTATION\r\n\r\n",
        "Event: ExtensionStatus\r\nExten: 1001\r\nStatus: -1\r\n\r\n",
        // Legacy spellings and events of both dialects declared from the documentation.
        "Event: Dial\r\nSubEvent: Begin\r\nChannel: SIP/1001-1\r\nDestination: SIP/1002-2\r\n\
         UniqueID: 1.1\r\nDestUniqueID: 1.2\r\nDialstring: 1002\r\n\r\n",
        "Event: Bridge\r\nBridgestate: Link\r\nBridgetype: core\r\nChannel1: a\r\nChannel2: b\r\n\
         Uniqueid1: 1.1\r\nUniqueid2: 1.2\r\nCallerID1: 1001\r\nCallerID2: 1002\r\n\r\n",
        "Event: QueueCallerAbandon\r\nQueue: sales\r\nUniqueid: 1.1\r\nPosition: 1\r\n\
         OriginalPosition: 2\r\nHoldTime: 12\r\n\r\n",
        "Event: QueueCallerAbandon\r\nQueue: sales\r\nUniqueid: 1.1\r\nHoldTime: soon\r\n\r\n",
        "Event: AgentConnect\r\nQueue: sales\r\nUniqueid: 1.1\r\nChannel: SIP/1002-2\r\n\
         Member: SIP/1002\r\nMemberName: Bob\r\nHoldtime: 4\r\nBridgedChannel: 1.3\r\nRingtime: 2\r\n\r\n",
        "Event: AgentCalled\r\nQueue: sales\r\nAgentCalled: SIP/1002\r\nAgentName: Bob\r\n\
         ChannelCalling: SIP/1001-1\r\nDestinationChannel: SIP/1002-2\r\nUniqueid: 1.1\r\n\r\n",
        "Event: ConfbridgeJoin\r\nConference: 9000\r\nBridgeUniqueid: b-1\r\nBridgeNumChannels: 2\r\n\
         Channel: PJSIP/1001-1\r\nUniqueid: 1.1\r\nAdmin: No\r\nMuted: No\r\n\r\n",
        "Event: ConfbridgeJoin\r\nConference: 9000\r\nBridgeNumChannels: two\r\n\r\n",
        "Event: DialBegin\r\nDestChannel: PJSIP/1002-2\r\nDestChannelState: 5\r\nDestPriority: 1\r\n\r\n",
        "Event: DialBegin\r\nDestChannel: PJSIP/1002-2\r\nDestChannelState: Ringing\r\n\r\n",
        "Event: LocalOptimizationBegin\r\nLocalOneChannel: Local/1@x-1;1\r\nLocalTwoChannel: Local/1@x-1;2\r\n\
         SourceChannel: PJSIP/1001-1\r\nDestUniqueId: 1.4\r\nId: 7\r\n\r\n",
        "Event: Masquerade\r\nClone: SIP/1002-2\r\nCloneState: Up\r\nOriginal: Parked/SIP/1002-2\r\n\r\n",
        "Event: MeetmeJoin\r\nMeetme: 600\r\nUsernum: 1\r\nChannel: SIP/1001-1\r\nUniqueid: 1.1\r\n\r\n",
        "Event: ParkedCall\r\nExten: 701\r\nChannel: SIP/1002-2\r\nFrom: SIP/1001-1\r\nTimeout: 45\r\n\r\n",
        "Event: UserEvent\r\nUserEvent: CallRecorded\r\nChannel: PJSIP/1001-1\r\nFile: a.wav\r\n\r\n",
    ];
    for text in frames {
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        assert_same(&m, text);
    }
}
