//! `Event::try_parse` (generated one-pass matcher) gives exactly what the serde path gives.
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
    ];
    for text in frames {
        let (m, _) = parse_message(text.as_bytes()).unwrap();
        assert_same(&m, text);
    }
}
