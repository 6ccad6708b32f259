//! Every captured stream of both dialects through the decoder: no errors, no field lost, the same
//! frames whatever the split points.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use bytes::BytesMut;
use common::*;
use yeastar_ami::{Decoder, Event, FrameKind, TYPED_EVENTS, parse_message};

/// An independent, obviously-correct reading of one ordinary frame: lines split on LF, CR
/// dropped, key up to the first colon, one space after it dropped.
fn naive_fields(frame: &[u8]) -> (Vec<(String, String)>, Vec<String>) {
    let text = std::str::from_utf8(frame).unwrap();
    let mut fields = Vec::new();
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && k.bytes().all(|c| c.is_ascii_graphic()) => {
                fields.push((k.to_string(), v.strip_prefix(' ').unwrap_or(v).to_string()))
            }
            _ => lines.push(line.to_string()),
        }
    }
    (fields, lines)
}

#[test]
fn every_capture_decodes_without_error_and_loses_no_field() {
    let mut frames_seen = 0;
    let mut streams = s2c_streams();
    streams.extend(corpus_streams());
    assert!(streams.len() >= 72, "test data missing: {}", streams.len());
    for (name, bytes) in &streams {
        let results = decode_all(bytes);
        let mut consumed = 0;
        for r in &results {
            let frame = r.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
            frames_seen += 1;
            let raw = frame.as_bytes();
            consumed += raw.len();
            assert!(!frame.was_repaired(), "{name}: not UTF-8");
            let m = frame.message();
            if m.kind() == FrameKind::CommandOutput || m.kind() == FrameKind::Banner {
                continue;
            }
            let (fields, lines) = naive_fields(raw);
            let ours: Vec<(String, String)> =
                m.fields().map(|(k, v)| (k.into(), v.into())).collect();
            assert_eq!(ours, fields, "{name}: fields differ");
            assert_eq!(m.raw_lines().collect::<Vec<_>>(), lines, "{name}");
            // Re-serialising the fields gives a frame that parses to the same fields.
            let mut again = String::new();
            for (k, v) in m.fields() {
                again.push_str(&format!("{k}: {v}\r\n"));
            }
            again.push_str("\r\n");
            let (reparsed, used) = parse_message(again.as_bytes()).unwrap();
            assert_eq!(used, again.len());
            assert!(reparsed.fields().eq(m.fields()), "{name}: round trip");
        }
        // Leading blank lines are dropped between frames; everything else is accounted for.
        assert!(consumed <= bytes.len());
        assert!(
            bytes.len() - consumed <= 8,
            "{name}: {} bytes unaccounted",
            bytes.len() - consumed
        );
    }
    assert!(frames_seen > 1000, "{frames_seen}");
}

#[test]
fn banners_of_both_dialects() {
    for (name, bytes) in s2c_streams() {
        let results = decode_all(&bytes);
        let first = results[0].as_ref().unwrap().message();
        let banner = first
            .banner()
            .unwrap_or_else(|| panic!("{name}: no banner"));
        assert_eq!(banner.name, "Asterisk");
        if name.starts_with("asterisk-legacy") {
            assert_eq!(banner.version, "1.1");
            assert!(banner.is_legacy());
        } else {
            assert_eq!(banner.version, "11.0.0");
            assert!(!banner.is_legacy());
        }
    }
}

#[test]
fn legacy_command_output_with_bare_lf_lines() {
    let bytes = std::fs::read(data_dir().join("asterisk-legacy/actions_idle.s2c.raw")).unwrap();
    let frames: Vec<_> = decode_all(&bytes).into_iter().map(Result::unwrap).collect();
    let commands: Vec<_> = frames
        .iter()
        .filter(|f| f.kind() == FrameKind::CommandOutput)
        .collect();
    assert_eq!(commands.len(), 4);
    let version = commands[0].message();
    assert_eq!(version.response(), Some("Follows"));
    assert_eq!(version.get("Privilege"), Some("Command"));
    assert_eq!(version.action_id(), Some("actions_idle-13"));
    assert_eq!(
        version.command_output().collect::<Vec<_>>(),
        [
            "Asterisk 1.8.32.3 built by root @ vm on a x86_64 running Linux on 2026-11-26 22:00:33 UTC"
        ]
    );
    let peers = commands[1].message();
    let lines: Vec<_> = peers.command_output().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("Name/username"));
    // A CLI line with a colon in it stays CLI text, not a field.
    assert_eq!(
        lines[4],
        "3 sip peers [Monitored: 0 online, 0 offline Unmonitored: 0 online, 3 offline]"
    );
    assert_eq!(peers.len(), 3);
    assert!(
        commands[3]
            .message()
            .command_output()
            .next()
            .unwrap()
            .starts_with("No such command")
    );
}

#[test]
fn modern_command_output_keeps_indentation() {
    let bytes = std::fs::read(data_dir().join("asterisk/actions_idle.s2c.raw")).unwrap();
    let frames: Vec<_> = decode_all(&bytes).into_iter().map(Result::unwrap).collect();
    let endpoints = frames
        .iter()
        .find(|f| f.message().action_id() == Some("actions_idle-18"))
        .unwrap()
        .message();
    assert_eq!(endpoints.get("Message"), Some("Command output follows"));
    let out: Vec<_> = endpoints.command_output().collect();
    assert_eq!(out[0], "");
    assert!(
        out[1].starts_with(" Endpoint:  <Endpoint/CID"),
        "{:?}",
        out[1]
    );
}

#[test]
fn every_captured_event_is_typed() {
    let mut streams = s2c_streams();
    streams.extend(corpus_streams());
    let mut typed = 0;
    for (name, bytes) in streams {
        for frame in decode_all(&bytes) {
            let frame = frame.unwrap();
            let m = frame.message();
            if m.kind() != FrameKind::Event {
                continue;
            }
            match Event::try_parse(&m) {
                Ok(Event::Unknown(_)) => panic!("{name}: {:?} has no type", m.event()),
                Ok(e) => {
                    // Fields named by index (the crate's own structs) or by name agree.
                    match &e {
                        Event::Hangup(h) => assert_eq!(
                            yeastar_ami::from_message::<yeastar_ami::Hangup>(&m).unwrap(),
                            **h
                        ),
                        Event::Newchannel(n) => assert_eq!(
                            yeastar_ami::from_message::<yeastar_ami::Newchannel>(&m).unwrap(),
                            **n
                        ),
                        Event::Cdr(c) => assert_eq!(
                            yeastar_ami::from_message::<yeastar_ami::Cdr>(&m).unwrap(),
                            **c
                        ),
                        _ => {}
                    }
                    assert!(e.is_typed());
                    assert!(e.name().eq_ignore_ascii_case(m.event().unwrap()));
                    typed += 1;
                }
                Err(e) => panic!("{name}: {:?}: {e}", m.event()),
            }
        }
    }
    assert!(typed > 900, "{typed}");
}

#[test]
fn the_required_event_types_exist() {
    for name in [
        "Cdr",
        "OriginateResponse",
        "ExtensionStatus",
        "DeviceStateChange",
        "PeerStatus",
        "ContactStatus",
        "Hold",
        "Unhold",
        "DTMFBegin",
        "DTMFEnd",
        "DTMF",
        "QueueCallerJoin",
        "QueueCallerLeave",
        "Join",
        "Leave",
        "AttendedTransfer",
        "BlindTransfer",
        "Transfer",
        "MusicOnHoldStart",
        "FullyBooted",
        "Shutdown",
        "Reload",
        "Dial",
        "DialBegin",
        "DialEnd",
        "Bridge",
        "Unlink",
        "Link",
        "BridgeEnter",
        "BridgeLeave",
        "NewCallerid",
        "Newchannel",
        "Newstate",
        "Hangup",
    ] {
        assert!(TYPED_EVENTS.contains(&name), "{name}");
    }
}

#[test]
fn typed_fields_of_both_dialects() {
    let legacy =
        std::fs::read(data_dir().join("asterisk-legacy/events_originate_failure.s2c.raw")).unwrap();
    let frames: Vec<_> = decode_all(&legacy)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let resp = frames
        .iter()
        .map(|f| f.message())
        .find(|m| m.event() == Some("OriginateResponse"))
        .unwrap();
    let Event::OriginateResponse(o) = Event::parse(&resp) else {
        panic!()
    };
    assert_eq!(o.response, Some("Failure"));
    assert_eq!(o.reason, Some(0));
    assert_eq!(o.uniqueid, "<null>");

    let modern =
        std::fs::read(data_dir().join("asterisk/events_call_1001_to_1002_answered.s2c.raw"))
            .unwrap();
    let frames: Vec<_> = decode_all(&modern)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let hangups: Vec<_> = frames
        .iter()
        .map(|f| f.message())
        .filter_map(|m| match Event::parse(&m) {
            Event::Hangup(h) => Some((h.cause, h.cause_txt.map(str::to_string))),
            _ => None,
        })
        .collect();
    let clearing = (Some(16), Some("Normal Clearing".to_string()));
    assert_eq!(hangups, [clearing.clone(), clearing]);
}

#[test]
fn same_frames_for_every_split_of_every_frame() {
    let mut streams = s2c_streams();
    streams.extend(corpus_streams());
    for (name, bytes) in streams {
        let whole = decode_all(&bytes);
        let mut start = 0;
        for (i, frame) in whole.iter().enumerate() {
            let frame = frame.as_ref().unwrap();
            // The frame's region in the stream: blank lines before it, then its bytes.
            let len = frame.as_bytes().len();
            let region_end = bytes[start..]
                .windows(len)
                .position(|w| w == &frame.as_bytes()[..])
                .map(|p| start + p + len)
                .unwrap();
            let region = &bytes[start..region_end];
            let expected = summary(frame);
            for k in 1..region.len() {
                let mut decoder = if i == 0 {
                    Decoder::default()
                } else {
                    Decoder::without_banner(Default::default())
                };
                let mut buf = BytesMut::from(&region[..k]);
                let early = decoder.decode(&mut buf).unwrap();
                let got = match early {
                    Some(f) => f,
                    None => {
                        buf.extend_from_slice(&region[k..]);
                        decoder
                            .decode(&mut buf)
                            .unwrap()
                            .unwrap_or_else(|| panic!("{name} frame {i} split {k}"))
                    }
                };
                assert_eq!(summary(&got), expected, "{name} frame {i} split at {k}");
            }
            start = region_end;
        }
    }
}

#[test]
fn same_frames_byte_by_byte_and_in_random_chunks() {
    let mut streams = s2c_streams();
    streams.extend(corpus_streams());
    let mut seed = 0x9e3779b97f4a7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (name, bytes) in streams {
        let expected = summaries(&decode_all(&bytes));
        assert_eq!(
            summaries(&decode_chunked(&bytes, &[1])),
            expected,
            "{name} byte by byte"
        );
        for _ in 0..8 {
            let chunks: Vec<usize> = (0..64).map(|_| 1 + (next() % 700) as usize).collect();
            assert_eq!(
                summaries(&decode_chunked(&bytes, &chunks)),
                expected,
                "{name} {chunks:?}"
            );
        }
    }
}
