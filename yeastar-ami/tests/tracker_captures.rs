//! The call model over every real capture of both dialects, asserting what each README says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::BytesMut;
use yeastar_ami::Decoder;
use yeastar_ami::calls::{
    CallEvent, CallState, CompletedCall, Direction, Disposition, ExtensionEvent, ExtensionState,
    PbxEvent, WallClock,
};
use yeastar_ami::tracker::{CallTracker, TrackerConfig};

/// Where replays start on the tracker's clock.
const BASE_SECS: u64 = 1_795_728_800;

struct Replay {
    tracker: CallTracker,
    events: Vec<PbxEvent>,
    completed: Vec<CompletedCall>,
}

impl Replay {
    fn call_events(&self) -> Vec<&CallEvent> {
        self.events
            .iter()
            .filter_map(|e| match e {
                PbxEvent::Call(c) => Some(c),
                _ => None,
            })
            .collect()
    }

    fn names(&self) -> Vec<&'static str> {
        self.call_events().iter().map(|e| e.name()).collect()
    }

    fn ended(&self) -> Vec<&CallEvent> {
        self.call_events()
            .into_iter()
            .filter(|e| matches!(e, CallEvent::Ended { .. }))
            .collect()
    }

    fn only_ended(&self) -> (&CallEvent, Option<u16>, Duration, Duration) {
        let ended = self.ended();
        assert_eq!(ended.len(), 1, "{:#?}", self.names());
        let CallEvent::Ended {
            cause,
            duration,
            billsec,
            ..
        } = ended[0]
        else {
            unreachable!()
        };
        (ended[0], *cause, *duration, *billsec)
    }

    fn only_completed(&self) -> &CompletedCall {
        assert_eq!(self.completed.len(), 1, "{:#?}", self.completed);
        &self.completed[0]
    }
}

/// Replays a capture's server bytes with the chunking and times of its timeline.
fn replay(dialect: &str, name: &str) -> Replay {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dialect);
    let bytes = std::fs::read(dir.join(format!("{name}.s2c.raw"))).unwrap();
    let timeline = std::fs::read_to_string(dir.join(format!("{name}.timeline.tsv"))).unwrap();
    let base = Instant::now();
    let clock = WallClock::new(base, UNIX_EPOCH + Duration::from_secs(BASE_SECS));
    let mut replay = Replay {
        tracker: CallTracker::new(TrackerConfig::default(), clock),
        events: Vec::new(),
        completed: Vec::new(),
    };
    let mut decoder = Decoder::default();
    let mut buf = BytesMut::new();
    let mut now = base;
    let drain = |r: &mut Replay| {
        while let Some(e) = r.tracker.poll_event() {
            r.events.push(e);
        }
        while let Some(c) = r.tracker.poll_completed() {
            r.completed.push(c);
        }
    };
    for row in timeline.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols[1] != "s2c" {
            continue;
        }
        let ms: u64 = cols[0].parse().unwrap();
        let offset: usize = cols[2].parse().unwrap();
        let len: usize = cols[3].parse().unwrap();
        now = base + Duration::from_millis(ms);
        buf.extend_from_slice(&bytes[offset..offset + len]);
        while let Some(frame) = decoder.decode(&mut buf).unwrap() {
            replay.tracker.handle_message(&frame.message(), now);
            drain(&mut replay);
        }
    }
    while let Some(frame) = decoder.decode_eof(&mut buf).unwrap() {
        replay.tracker.handle_message(&frame.message(), now);
        drain(&mut replay);
    }
    // Let every record waiting for a Cdr go.
    replay.tracker.handle_timeout(now + Duration::from_secs(60));
    drain(&mut replay);
    replay
}

#[test]
fn every_capture_replays_without_leftover_calls() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(dialect);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".s2c.raw").map(String::from))
            .collect();
        names.sort();
        assert!(names.len() >= 10, "{dialect}: {names:?}");
        for name in names {
            let r = replay(dialect, &name);
            // `actions_active_call` runs with events off: nothing to track.
            assert_eq!(r.tracker.active_calls(), 0, "{dialect}/{name}");
            for e in &r.events {
                let json = serde_json::to_value(e).unwrap();
                assert!(json["type"] == "call" || json["type"] == "extension");
            }
            // Every ended call leaves exactly one history record.
            assert_eq!(r.ended().len(), r.completed.len(), "{dialect}/{name}");
        }
    }
}

fn assert_call_1001_to_1002(r: &Replay) {
    for e in r.call_events() {
        let call = e.call();
        assert_eq!(call.from_number.as_deref(), Some("1001"));
        assert_eq!(call.direction, Direction::Internal);
        // A click-to-call rings its first party before the Originate names the destination.
        if e.name() != "ringing" || call.to.is_some() {
            assert_eq!(call.to.as_deref(), Some("1002"), "{}", e.name());
        }
    }
}

#[test]
fn modern_answered_call_1001_to_1002() {
    let r = replay("asterisk", "events_call_1001_to_1002_answered");
    assert_eq!(r.names(), ["ringing", "answered", "ended"]);
    assert_call_1001_to_1002(&r);
    let (ended, cause, duration, billsec) = r.only_ended();
    let call = ended.call();
    assert_eq!(&*call.id, "1795728803.0");
    assert_eq!(cause, Some(16));
    assert_eq!(call.hangup_cause_text.as_deref(), Some("Normal Clearing"));
    assert_eq!(call.answered_by.as_deref(), Some("1002"));
    assert_eq!(call.state, CallState::Ended);
    assert_eq!(call.legs.len(), 2);
    // The Cdr comes after the Hangups here: the event times come from the replay clock.
    assert_eq!((duration.as_secs(), billsec.as_secs()), (5, 4));
    let done = r.only_completed();
    assert!(done.has_cdr);
    assert_eq!(done.disposition, Disposition::Answered);
    assert_eq!(
        (done.src.as_deref(), done.dst.as_deref()),
        (Some("1001"), Some("1002"))
    );
    assert_eq!((done.duration.as_secs(), done.billsec.as_secs()), (5, 4));
    assert_eq!(done.cause, Some(16));
    assert_eq!(
        r.tracker.extension("1002").unwrap().state,
        ExtensionState::Idle
    );
}

#[test]
fn legacy_answered_call_1001_to_1002() {
    let r = replay("asterisk-legacy", "events_call_1001_to_1002_answered");
    assert_eq!(r.names(), ["ringing", "answered", "ended"]);
    assert_call_1001_to_1002(&r);
    let (ended, cause, duration, billsec) = r.only_ended();
    let call = ended.call();
    // No Linkedid: the Dial Begin linked the callee's channel into the caller's call.
    assert_eq!(&*call.id, "1795731561.0");
    assert_eq!(call.legs.len(), 2);
    assert_eq!(&*call.legs[1].id, "1795731561.1");
    assert_eq!(cause, Some(16));
    // The Cdr came before the last Hangup: the Ended event carries its figures.
    assert_eq!((duration.as_secs(), billsec.as_secs()), (5, 4));
    let done = r.only_completed();
    assert_eq!(done.disposition, Disposition::Answered);
    assert_eq!((done.duration.as_secs(), done.billsec.as_secs()), (5, 4));
}

#[test]
fn busy_call_with_cdr_before_hangup() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_call_1001_to_1002_busy");
        assert_eq!(r.names(), ["ringing", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (_, cause, _, billsec) = r.only_ended();
        assert_eq!(cause, Some(17), "{dialect}");
        assert_eq!(billsec, Duration::ZERO);
        let done = r.only_completed();
        assert!(done.has_cdr);
        assert_eq!(done.disposition, Disposition::Busy, "{dialect}");
        assert_eq!(done.cause, Some(17));
        assert_eq!(done.answered_at, None);
    }
}

#[test]
fn cancelled_call() {
    // Asterisk 1.8 gives the cancelling caller's channel `Cause: 0` (no cause): the cause is
    // then the callee leg's, which hung up first.
    for (dialect, expected_cause) in [("asterisk", 127), ("asterisk-legacy", 16)] {
        let r = replay(dialect, "events_call_1001_to_1002_cancel");
        assert_eq!(r.names(), ["ringing", "ended"], "{dialect}");
        let (_, cause, duration, billsec) = r.only_ended();
        assert_eq!(cause, Some(expected_cause), "{dialect}");
        assert_eq!(
            (duration.as_secs(), billsec),
            (2, Duration::ZERO),
            "{dialect}"
        );
        let done = r.only_completed();
        assert_eq!(done.disposition, Disposition::NoAnswer, "{dialect}");
        assert_eq!(done.cause, Some(expected_cause));
    }
}

#[test]
fn modern_no_answer() {
    let r = replay("asterisk", "events_call_1001_to_1002_noanswer");
    assert_eq!(r.names(), ["ringing", "ended"]);
    let (_, _, duration, billsec) = r.only_ended();
    assert_eq!((duration.as_secs(), billsec), (20, Duration::ZERO));
    let done = r.only_completed();
    assert_eq!(done.disposition, Disposition::NoAnswer);
    assert_eq!(done.duration.as_secs(), 20);
}

#[test]
fn modern_unregistered_1003() {
    let r = replay("asterisk", "events_call_1001_to_1003_unregistered");
    assert_eq!(r.names(), ["ended"]);
    let (ended, cause, _, _) = r.only_ended();
    assert_eq!(cause, Some(3));
    assert_eq!(ended.call().to.as_deref(), Some("1003"));
    let done = r.only_completed();
    assert_eq!(done.disposition, Disposition::Failed);
    assert_eq!(done.dst.as_deref(), Some("1003"));
}

#[test]
fn calls_answered_by_the_pbx() {
    for (dialect, name, to) in [
        ("asterisk", "events_call_1001_to_600_echo", "600"),
        ("asterisk", "events_call_1001_to_700_playback", "700"),
        ("asterisk-legacy", "events_call_1001_to_600_echo", "600"),
    ] {
        let r = replay(dialect, name);
        assert_eq!(r.names(), ["answered", "ended"], "{dialect}/{name}");
        let (ended, _, _, _) = r.only_ended();
        let call = ended.call();
        assert_eq!(call.to.as_deref(), Some(to));
        assert_eq!(call.direction, Direction::Internal);
        assert_eq!(r.only_completed().disposition, Disposition::Answered);
    }
}

#[test]
fn originate_success_reason_4() {
    for (dialect, billsec) in [("asterisk", 4), ("asterisk-legacy", 3)] {
        let r = replay(dialect, "events_originate_1001_to_1002");
        assert_eq!(r.names(), ["ringing", "answered", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (ended, cause, _, _) = r.only_ended();
        let call = ended.call();
        assert!(call.originated, "{dialect}");
        assert_eq!(call.from_name.as_deref(), Some("Click2Call"));
        assert_eq!(call.answered_by.as_deref(), Some("1002"));
        assert_eq!(cause, Some(16));
        let done = r.only_completed();
        assert_eq!(done.disposition, Disposition::Answered);
        assert_eq!(
            (done.duration.as_secs(), done.billsec.as_secs()),
            (5, billsec)
        );
    }
}

#[test]
fn originate_failure_opens_no_call() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_originate_failure");
        assert!(r.call_events().is_empty(), "{dialect}");
        assert!(r.completed.is_empty(), "{dialect}: {:?}", r.completed);
        assert_eq!(r.tracker.active_calls(), 0);
        assert_eq!(r.tracker.stats().originate_failures, 1, "{dialect}");
    }
}

#[test]
fn modern_redirected_originate_and_ami_hangup() {
    let r = replay("asterisk", "events_active_call_hangup_redirect");
    assert_eq!(
        r.names(),
        [
            "ringing", "answered", "ended", "ringing", "answered", "ended"
        ]
    );
    assert_eq!(r.completed.len(), 2);
    // The originated call dialled 800; the AMI moved it to 700 while it ran an application
    // (no bridge: not a transfer), so the record keeps the number first dialled.
    assert_eq!(r.completed[1].dst.as_deref(), Some("800"));
    assert!(r.completed[1].transfers.is_empty());
    assert!(r.completed.iter().all(|c| c.cause == Some(16)));
}

fn extension_history(r: &Replay, ext: &str) -> Vec<(ExtensionState, Option<bool>)> {
    r.events
        .iter()
        .filter_map(|e| match e {
            PbxEvent::Extension(ExtensionEvent {
                extension, status, ..
            }) if &**extension == ext => Some((status.state, status.registered)),
            _ => None,
        })
        .collect()
}

#[test]
fn register_unregister_extension_states() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_register_unregister");
        for ext in ["1002", "1003"] {
            let seen = extension_history(&r, ext);
            assert!(
                seen.contains(&(ExtensionState::Idle, Some(true))),
                "{dialect} {ext}: {seen:?}"
            );
            let last = r.tracker.extension(ext).unwrap();
            assert_eq!(last.state, ExtensionState::Unavailable, "{dialect} {ext}");
            assert_eq!(last.registered, Some(false), "{dialect} {ext}");
        }
    }
}

#[test]
fn extension_status_json() {
    let r = replay("asterisk", "events_call_1001_to_1002_answered");
    let lines: Vec<serde_json::Value> = r
        .events
        .iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect();
    let ringing = lines
        .iter()
        .find(|l| l["type"] == "extension" && l["status"] == "ringing")
        .unwrap();
    assert_eq!(ringing["extension"], "1002");
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    for key in ["call_id", "from", "to", "direction", "ts"] {
        assert!(ended.get(key).is_some(), "{key}");
    }
    assert_eq!(ended["type"], "call");
    assert_eq!(ended["call_id"], "1795728803.0");
    assert_eq!(ended["from"], "1001");
    assert_eq!(ended["to"], "1002");
    assert_eq!(ended["direction"], "internal");
    assert_eq!(ended["cause"], 16);
    assert_eq!(ended["duration_s"], 5);
    assert_eq!(ended["billsec_s"], 4);
    assert!(ended["ts"].as_str().unwrap().ends_with('Z'));
}
