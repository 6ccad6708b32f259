//! Call tracker bounds, resync, transfers, hold and recording, on synthesised AMI events.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use yeastar_ami::calls::{
    CallEvent, CallState, Direction, Disposition, EndReason, ExtensionState, PbxEvent, WallClock,
};
use yeastar_ami::parse_message;
use yeastar_ami::tracker::{CallTracker, TrackerConfig};

static BASE: LazyLock<Instant> = LazyLock::new(Instant::now);

/// The tracker's clock `secs` after the start.
fn t(secs: u64) -> Instant {
    *BASE + Duration::from_secs(secs)
}

/// The wall-clock time of `t(secs)`.
fn wall(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn tracker(config: TrackerConfig) -> CallTracker {
    CallTracker::new(config, WallClock::new(t(0), wall(0)))
}

fn default_tracker() -> CallTracker {
    tracker(TrackerConfig::default())
}

/// Feeds one event written with `\n` line ends.
fn feed(tracker: &mut CallTracker, at: Instant, text: &str) {
    let wire = format!("{}\r\n\r\n", text.trim().replace('\n', "\r\n"));
    let (msg, _) = parse_message(wire.as_bytes()).unwrap();
    tracker.handle_message(&msg, at);
}

/// The call events queued (extension events are left out).
fn drain(tracker: &mut CallTracker) -> Vec<CallEvent> {
    std::iter::from_fn(|| tracker.poll_event())
        .filter_map(|e| match e {
            PbxEvent::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn newchannel(uid: &str, linked: &str, name: &str, state: u8, num: &str, exten: &str) -> String {
    format!(
        "Event: Newchannel\nChannel: {name}\nChannelState: {state}\nCallerIDNum: {num}\n\
         CallerIDName: Name {num}\nExten: {exten}\nUniqueid: {uid}\nLinkedid: {linked}"
    )
}

fn newstate(uid: &str, linked: &str, name: &str, state: u8) -> String {
    format!(
        "Event: Newstate\nChannel: {name}\nChannelState: {state}\nUniqueid: {uid}\nLinkedid: {linked}"
    )
}

fn hangup(uid: &str, cause: u16) -> String {
    format!("Event: Hangup\nUniqueid: {uid}\nCause: {cause}\nCause-txt: text {cause}")
}

/// An answered modern call `caller` → `callee` with ids `<base>.0` / `<base>.1`.
fn answered_call(tr: &mut CallTracker, at: Instant, base: &str, caller: &str, callee: &str) {
    let (a, b) = (format!("{base}.0"), format!("{base}.1"));
    feed(
        tr,
        at,
        &newchannel(
            &a,
            &a,
            &format!("PJSIP/{caller}-0000000a"),
            4,
            caller,
            callee,
        ),
    );
    feed(
        tr,
        at,
        &newchannel(&b, &a, &format!("PJSIP/{callee}-0000000b"), 0, callee, "s"),
    );
    feed(
        tr,
        at,
        &newstate(&b, &a, &format!("PJSIP/{callee}-0000000b"), 5),
    );
    feed(
        tr,
        at,
        &newstate(&b, &a, &format!("PJSIP/{callee}-0000000b"), 6),
    );
}

fn names(events: &[CallEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.name()).collect()
}

#[test]
fn max_active_calls_evicts_the_least_recently_active() {
    let mut tr = tracker({
        let mut c = TrackerConfig::default();
        c.max_active_calls = 3;
        c
    });
    for i in 0..5u64 {
        let uid = format!("100.{i}");
        feed(
            &mut tr,
            t(i),
            &newchannel(&uid, &uid, "PJSIP/1001-00000001", 4, "1001", "600"),
        );
    }
    assert_eq!(tr.active_calls(), 3);
    assert_eq!(tr.stats().calls_evicted, 2);
    let ended: Vec<_> = drain(&mut tr)
        .into_iter()
        .filter_map(|e| match e {
            CallEvent::Ended {
                call, cause_text, ..
            } => Some((call.id, cause_text)),
            _ => None,
        })
        .collect();
    assert_eq!(ended.len(), 2);
    assert_eq!(&*ended[0].0, "100.0");
    assert_eq!(ended[0].1.as_deref(), Some(EndReason::Evicted.as_str()));
    assert!(tr.call("100.4").is_some());
}

#[test]
fn ttl_closes_calls_that_never_hang_up() {
    let mut tr = tracker({
        let mut c = TrackerConfig::default();
        c.call_ttl = Duration::from_secs(60);
        c.cdr_wait = Duration::from_secs(5);
        c
    });
    answered_call(&mut tr, t(0), "7", "1001", "1002");
    feed(
        &mut tr,
        t(10),
        &newstate("7.0", "7.0", "PJSIP/1001-0000000a", 6),
    );
    assert_eq!(tr.poll_timeout(), Some(t(70)));
    tr.handle_timeout(t(69));
    assert_eq!(tr.active_calls(), 1);
    tr.handle_timeout(t(70));
    assert_eq!(tr.active_calls(), 0);
    assert_eq!(tr.stats().calls_expired, 1);
    let events = drain(&mut tr);
    let Some(CallEvent::Ended {
        cause_text,
        billsec,
        ..
    }) = events.last()
    else {
        panic!("{events:?}")
    };
    assert_eq!(cause_text.as_deref(), Some(EndReason::Expired.as_str()));
    assert_eq!(*billsec, Duration::from_secs(70));
    // The record waits for a Cdr, then goes without one.
    assert!(tr.poll_completed().is_none());
    assert_eq!(tr.poll_timeout(), Some(t(75)));
    tr.handle_timeout(t(75));
    let done = tr.poll_completed().unwrap();
    assert!(!done.has_cdr);
    assert_eq!(done.disposition, Disposition::Answered);
    assert_eq!(tr.poll_timeout(), None);
}

#[test]
fn events_per_call_are_capped_but_ended_always_comes() {
    let mut tr = tracker({
        let mut c = TrackerConfig::default();
        c.max_events_per_call = 3;
        c
    });
    answered_call(&mut tr, t(0), "8", "1001", "1002");
    for i in 0..10 {
        feed(&mut tr, t(i), "Event: Hold\nUniqueid: 8.1");
        feed(&mut tr, t(i), "Event: Unhold\nUniqueid: 8.1");
    }
    feed(&mut tr, t(20), &hangup("8.1", 16));
    feed(&mut tr, t(20), &hangup("8.0", 16));
    let events = drain(&mut tr);
    assert_eq!(names(&events), ["ringing", "answered", "held", "ended"]);
    assert_eq!(tr.stats().events_suppressed, 19);
}

#[test]
fn channels_per_call_and_extensions_are_bounded() {
    let mut tr = tracker({
        let mut c = TrackerConfig::default();
        c.max_channels_per_call = 2;
        c.max_extensions = 2;
        c
    });
    for i in 0..4 {
        let uid = format!("9.{i}");
        feed(
            &mut tr,
            t(0),
            &newchannel(&uid, "9.0", "Local/x@y-0001;1", 0, "1001", "s"),
        );
    }
    assert_eq!(tr.call("9.0").unwrap().legs.len(), 2);
    assert_eq!(tr.stats().channels_dropped, 2);
    for ext in ["1001", "1002", "1003"] {
        feed(
            &mut tr,
            t(0),
            &format!("Event: ExtensionStatus\nExten: {ext}\nStatus: 0"),
        );
    }
    assert_eq!(tr.extensions().count(), 2);
    assert_eq!(tr.stats().extensions_dropped, 1);
}

#[test]
fn malformed_input_is_ignored() {
    let mut tr = default_tracker();
    for text in [
        "Response: Success\nMessage: ok",
        "Event: Hangup",
        "Event: Hangup\nUniqueid: <null>\nCause: banana",
        "Event: Newchannel\nUniqueid: \nLinkedid: ",
        "Event: Newstate\nUniqueid: 1.1\nChannelState: 99999999999",
        "Event: DialBegin\nDestUniqueid: nowhere",
        "Event: Dial\nSubEvent: Begin\nUniqueID: 5.5\nDestUniqueID: 5.5",
        "Event: Bridge\nBridgestate: Link\nUniqueid1: x\nUniqueid2: y",
        "Event: Cdr\nUniqueID: \nDisposition: FAILED",
        "Event: ExtensionStatus\nExten: 1001\nStatus: -1",
        "Event: ExtensionStatus\nExten: \nStatus: 1",
        "Event: DeviceStateChange\nDevice: Queue:support_avail\nState: INUSE",
        "Event: AVeryLongEventNameThatIsLongerThanAnyKnownOneForSure\nUniqueid: 1",
        "Event: OriginateResponse\nResponse: Failure\nUniqueid: <unknown>\nReason: 0",
        "Event: AttendedTransfer\nResult: Success",
        "Event: Transfer\nTransferType: Attended\nUniqueid: 404.1",
    ] {
        feed(&mut tr, t(0), text);
    }
    drain(&mut tr);
    assert!(tr.active_calls() <= 2);
    tr.handle_timeout(t(1_000_000));
    assert_eq!(tr.active_calls(), 0);
}

#[test]
fn hold_blind_transfer_and_recording() {
    let mut tr = default_tracker();
    answered_call(&mut tr, t(0), "20", "1001", "1002");
    feed(
        &mut tr,
        t(1),
        "Event: Newexten\nChannel: PJSIP/1001-0000000a\nUniqueid: 20.0\nApplication: MixMonitor\nAppData: /var/spool/rec/20.wav,b",
    );
    feed(
        &mut tr,
        t(2),
        "Event: Hold\nChannel: PJSIP/1002-0000000b\nUniqueid: 20.1",
    );
    assert_eq!(tr.call("20.0").unwrap().state, CallState::OnHold);
    feed(
        &mut tr,
        t(3),
        "Event: Unhold\nChannel: PJSIP/1002-0000000b\nUniqueid: 20.1",
    );
    feed(
        &mut tr,
        t(4),
        "Event: BlindTransfer\nResult: Success\nTransfererUniqueid: 20.1\nTransfereeUniqueid: 20.0\nExtension: 1003",
    );
    let call = tr.call("20.0").unwrap();
    assert_eq!(call.state, CallState::Transferred);
    assert_eq!(call.to.as_deref(), Some("1003"));
    assert_eq!(call.recording.as_deref(), Some("/var/spool/rec/20.wav"));
    let events = drain(&mut tr);
    assert_eq!(
        names(&events),
        ["ringing", "answered", "held", "resumed", "transferred"]
    );
    let json = serde_json::to_value(events.last().unwrap()).unwrap();
    assert_eq!(json["event"], "transferred");
    assert_eq!(json["target"], "1003");
}

#[test]
fn attended_transfer_merges_the_consultation_call() {
    let mut tr = default_tracker();
    answered_call(&mut tr, t(0), "30", "1001", "1002");
    answered_call(&mut tr, t(5), "31", "1002", "1003");
    drain(&mut tr);
    feed(
        &mut tr,
        t(8),
        "Event: AttendedTransfer\nResult: Success\nOrigTransfererUniqueid: 30.1\n\
         SecondTransfererUniqueid: 31.0\nTransfereeUniqueid: 30.0\nTransferTargetUniqueid: 31.1",
    );
    let events = drain(&mut tr);
    assert_eq!(names(&events), ["ended", "transferred"]);
    let call = tr.call("30.0").unwrap();
    assert_eq!(call.to.as_deref(), Some("1003"));
    assert!(call.legs.iter().any(|c| &*c.id == "31.1"));
    assert!(tr.call("31.0").is_none());
    // The transferee and the target hang up: the merged call ends once.
    for uid in ["30.1", "31.0", "30.0", "31.1"] {
        feed(&mut tr, t(20), &hangup(uid, 16));
    }
    assert_eq!(names(&drain(&mut tr)), ["ended"]);
    assert_eq!(tr.active_calls(), 0);
}

#[test]
fn legacy_hold_transfer_and_mixmonitor_variable() {
    let mut tr = default_tracker();
    let lines = [
        "Event: Newchannel\nChannel: SIP/1001-00000001\nChannelState: 0\nCallerIDNum: 1001\nExten: 3002\nUniqueid: 40.1",
        "Event: Newstate\nChannel: SIP/1001-00000001\nChannelState: 4\nUniqueid: 40.1",
        "Event: VarSet\nChannel: SIP/1001-00000001\nVariable: MIXMONITOR_FILENAME\nValue: /rec/40.wav\nUniqueid: 40.1",
        "Event: Newchannel\nChannel: SIP/1002-00000002\nChannelState: 0\nCallerIDNum: 1002\nExten: \nUniqueid: 40.2",
        "Event: Dial\nSubEvent: Begin\nChannel: SIP/1001-00000001\nDestination: SIP/1002-00000002\nUniqueID: 40.1\nDestUniqueID: 40.2\nDialstring: 1002",
        "Event: Newstate\nChannel: SIP/1002-00000002\nChannelState: 6\nUniqueid: 40.2",
        "Event: Bridge\nBridgestate: Link\nUniqueid1: 40.1\nUniqueid2: 40.2",
        "Event: Hold\nStatus: On\nChannel: SIP/1002-00000002\nUniqueid: 40.2",
        "Event: Hold\nStatus: Off\nChannel: SIP/1002-00000002\nUniqueid: 40.2",
        "Event: Transfer\nTransferMethod: SIP\nTransferType: Blind\nChannel: SIP/1002-00000002\nUniqueid: 40.2\nTransferExten: 1003",
    ];
    for l in lines {
        feed(&mut tr, t(1), l);
    }
    let events = drain(&mut tr);
    assert_eq!(
        names(&events),
        ["ringing", "answered", "held", "resumed", "transferred"]
    );
    let call = tr.call("40.1").unwrap();
    assert_eq!(call.recording.as_deref(), Some("/rec/40.wav"));
    assert_eq!(call.legs.len(), 2);
    assert_eq!(call.to.as_deref(), Some("1003"));
}

#[test]
fn direction_from_trunks_and_extension_plan() {
    let mut tr = tracker({
        let mut c = TrackerConfig::default();
        c.trunks = vec!["provider".into()];
        c
    });
    // Inbound: from the trunk to extension 1002.
    feed(
        &mut tr,
        t(0),
        &newchannel(
            "50.0",
            "50.0",
            "PJSIP/provider-00000001",
            4,
            "0612345678",
            "0311234567",
        ),
    );
    feed(
        &mut tr,
        t(0),
        &newchannel("50.1", "50.0", "PJSIP/1002-00000002", 0, "1002", "s"),
    );
    feed(
        &mut tr,
        t(1),
        &newstate("50.1", "50.0", "PJSIP/1002-00000002", 6),
    );
    // Outbound: extension 1001 out through the trunk.
    feed(
        &mut tr,
        t(0),
        &newchannel(
            "51.0",
            "51.0",
            "PJSIP/1001-00000003",
            4,
            "1001",
            "0612345678",
        ),
    );
    feed(
        &mut tr,
        t(0),
        &newchannel(
            "51.1",
            "51.0",
            "PJSIP/provider-00000004",
            0,
            "0612345678",
            "s",
        ),
    );
    feed(
        &mut tr,
        t(1),
        &newstate("51.1", "51.0", "PJSIP/provider-00000004", 6),
    );
    let events = drain(&mut tr);
    let inbound = events
        .iter()
        .find_map(|e| Some(e.call()).filter(|c| &*c.id == "50.0"))
        .unwrap();
    assert_eq!(inbound.direction, Direction::Inbound);
    assert_eq!(inbound.extension.as_deref(), Some("1002"));
    assert_eq!(inbound.external_number.as_deref(), Some("0612345678"));
    let outbound = events
        .iter()
        .find_map(|e| Some(e.call()).filter(|c| &*c.id == "51.0"))
        .unwrap();
    assert_eq!(outbound.direction, Direction::Outbound);
    assert_eq!(outbound.extension.as_deref(), Some("1001"));
    assert_eq!(outbound.external_number.as_deref(), Some("0612345678"));
}

#[test]
fn modern_resync_closes_missed_hangups_and_opens_new_calls() {
    let mut tr = default_tracker();
    answered_call(&mut tr, t(0), "60", "1001", "1002");
    feed(
        &mut tr,
        t(0),
        "Event: ExtensionStatus\nExten: 1001\nStatus: 1",
    );
    drain(&mut tr);
    tr.begin_resync();
    assert!(tr.is_resyncing());
    // While disconnected 60.x hung up and 1003 called 1001.
    for (uid, name, num, exten, app) in [
        ("61.1", "PJSIP/1001-00000010", "1001", "", "AppDial"),
        ("61.0", "PJSIP/1003-0000000f", "1003", "1001", "Dial"),
    ] {
        feed(
            &mut tr,
            t(30),
            &format!(
                "Event: CoreShowChannel\nActionID: r-1\nChannel: {name}\nChannelState: 6\n\
                 ChannelStateDesc: Up\nCallerIDNum: {num}\nCallerIDName: N\nExten: {exten}\n\
                 Uniqueid: {uid}\nLinkedid: 61.0\nApplication: {app}\nDuration: 00:00:12\nBridgeId: b"
            ),
        );
    }
    feed(
        &mut tr,
        t(30),
        "Event: ExtensionStatus\nActionID: r-2\nExten: 1001\nStatus: 1",
    );
    feed(
        &mut tr,
        t(30),
        "Event: ExtensionStatus\nActionID: r-2\nExten: 1003\nStatus: 1",
    );
    feed(
        &mut tr,
        t(30),
        "Event: EndpointList\nActionID: r-3\nObjectName: 1002\nContacts: \nDeviceState: Unavailable",
    );
    assert!(drain(&mut tr).is_empty());
    let report = tr.finish_resync(t(30));
    assert!(!tr.is_resyncing());
    assert_eq!(report.ended, vec![std::sync::Arc::<str>::from("60.0")]);
    assert_eq!(report.opened, vec![std::sync::Arc::<str>::from("61.0")]);
    let changed: Vec<&str> = report.extension_changes.iter().map(|(e, _)| &**e).collect();
    assert_eq!(changed, ["1003", "1002"]);
    let events = drain(&mut tr);
    let ended = events
        .iter()
        .find_map(|e| match e {
            CallEvent::Ended {
                call, cause_text, ..
            } if &*call.id == "60.0" => Some(cause_text),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        ended.as_deref(),
        Some(EndReason::EndedWhileDisconnected.as_str())
    );
    let opened = tr.call("61.0").unwrap();
    assert_eq!(opened.state, CallState::Answered);
    assert_eq!(opened.from_number.as_deref(), Some("1003"));
    assert_eq!(opened.to.as_deref(), Some("1001"));
    assert_eq!(opened.answered_by.as_deref(), Some("1001"));
    assert_eq!(opened.started_at, wall(18));
    assert!(names(&events).contains(&"answered"));
    // A second resync with the same channels changes nothing.
    tr.begin_resync();
    for uid in ["61.0", "61.1"] {
        feed(
            &mut tr,
            t(40),
            &format!(
                "Event: CoreShowChannel\nChannel: PJSIP/x-1\nChannelState: 6\nUniqueid: {uid}\nLinkedid: 61.0"
            ),
        );
    }
    assert!(tr.finish_resync(t(40)).is_empty());
    assert!(names(&drain(&mut tr)).is_empty());
}

#[test]
fn legacy_resync_groups_status_items_by_bridged_channel() {
    let mut tr = default_tracker();
    tr.begin_resync();
    for (uid, bridged, name, num, state) in [
        ("70.2", "70.1", "SIP/1002-00000002", "1002", "Up"),
        ("70.1", "70.2", "SIP/1001-00000001", "1001", "Up"),
        ("71.5", "", "SIP/1003-00000005", "1003", "Ring"),
    ] {
        feed(
            &mut tr,
            t(10),
            &format!(
                "Event: Status\nPrivilege: Call\nChannel: {name}\nCallerIDNum: {num}\n\
                 ChannelStateDesc: {state}\nExtension: 600\nSeconds: 4\nBridgedUniqueid: {bridged}\nUniqueid: {uid}"
            ),
        );
    }
    let report = tr.finish_resync(t(10));
    assert_eq!(report.opened.len(), 2);
    let call = tr.call("70.1").unwrap();
    assert_eq!(call.legs.len(), 2);
    assert_eq!(call.from_number.as_deref(), Some("1001"));
    assert_eq!(call.state, CallState::Answered);
    assert_eq!(tr.call("71.5").unwrap().state, CallState::Ringing);
    // The resync also sees a ringing call become answered.
    tr.begin_resync();
    feed(
        &mut tr,
        t(20),
        "Event: Status\nChannel: SIP/1001-00000001\nChannelStateDesc: Up\nBridgedUniqueid: 70.2\nUniqueid: 70.1",
    );
    feed(
        &mut tr,
        t(20),
        "Event: Status\nChannel: SIP/1002-00000002\nChannelStateDesc: Up\nBridgedUniqueid: 70.1\nUniqueid: 70.2",
    );
    let report = tr.finish_resync(t(20));
    assert_eq!(report.ended, vec![std::sync::Arc::<str>::from("71.5")]);
}

#[test]
fn extension_status_codes_and_registration() {
    let mut tr = default_tracker();
    for (code, state) in [
        (0, ExtensionState::Idle),
        (1, ExtensionState::InUse),
        (2, ExtensionState::Busy),
        (4, ExtensionState::Unavailable),
        (8, ExtensionState::Ringing),
        (9, ExtensionState::InUseRinging),
        (16, ExtensionState::OnHold),
        (17, ExtensionState::OnHold),
        (-1, ExtensionState::Unknown),
    ] {
        feed(
            &mut tr,
            t(0),
            &format!("Event: ExtensionStatus\nExten: 2001\nStatus: {code}"),
        );
        assert_eq!(tr.extension("2001").unwrap().state, state, "{code}");
    }
    feed(
        &mut tr,
        t(0),
        "Event: PeerStatus\nPeer: SIP/2001\nPeerStatus: Registered",
    );
    assert_eq!(tr.extension("2001").unwrap().registered, Some(true));
    feed(
        &mut tr,
        t(0),
        "Event: ContactStatus\nAOR: 2001\nContactStatus: Removed",
    );
    assert_eq!(tr.extension("2001").unwrap().registered, Some(false));
    feed(
        &mut tr,
        t(0),
        "Event: DeviceStateChange\nDevice: PJSIP/2001\nState: RINGINUSE",
    );
    assert_eq!(
        tr.extension("2001").unwrap().state,
        ExtensionState::InUseRinging
    );
    // Trunk peers are not extensions.
    feed(
        &mut tr,
        t(0),
        "Event: PeerStatus\nPeer: PJSIP/provider\nPeerStatus: Reachable",
    );
    assert!(tr.extension("provider").is_none());
}

#[test]
fn cdr_of_an_unseen_call_becomes_a_record() {
    let mut tr = default_tracker();
    feed(
        &mut tr,
        t(100),
        "Event: Cdr\nSource: 0612345678\nDestination: 1001\nChannel: PJSIP/provider-1\n\
         Duration: 30\nBillableSeconds: 20\nDisposition: ANSWERED\nUniqueID: 90.0",
    );
    let done = tr.poll_completed().unwrap();
    assert_eq!(done.call_id, "90.0");
    assert_eq!(done.direction, Direction::Inbound);
    assert_eq!(done.started_at, wall(70));
    assert_eq!(done.billsec, Duration::from_secs(20));
    // Fed again (a duplicate), it is not recorded twice.
    feed(
        &mut tr,
        t(101),
        "Event: Cdr\nSource: 0612345678\nDestination: 1001\nDisposition: ANSWERED\nUniqueID: 90.0",
    );
    assert!(tr.poll_completed().is_none());
}

#[test]
fn live_events_during_resync_win_over_the_lists() {
    let mut tr = default_tracker();
    tr.begin_resync();
    // Listed, then hung up before the resync ends.
    feed(
        &mut tr,
        t(1),
        "Event: CoreShowChannel\nChannel: PJSIP/1001-1\nChannelState: 6\nUniqueid: 80.0\nLinkedid: 80.0",
    );
    feed(&mut tr, t(2), &hangup("80.0", 16));
    // Began after the list was taken.
    feed(
        &mut tr,
        t(2),
        &newchannel("81.0", "81.0", "PJSIP/1002-2", 4, "1002", "1001"),
    );
    let report = tr.finish_resync(t(3));
    assert!(report.opened.is_empty(), "{report:?}");
    assert!(report.ended.is_empty(), "{report:?}");
    assert!(tr.call("80.0").is_none());
    assert!(tr.call("81.0").is_some());
}

#[test]
fn originate_to_an_application_is_answered_in_both_dialects() {
    for legacy in [false, true] {
        let mut tr = default_tracker();
        let linked = if legacy { "" } else { "\nLinkedid: 85.0" };
        let state = |n: u8| {
            if legacy {
                format!(
                    "ChannelStateDesc: {}",
                    ["Down", "Ringing", "Up"][usize::from(n)]
                )
            } else {
                format!("ChannelState: {}", [0, 5, 6][usize::from(n)])
            }
        };
        feed(
            &mut tr,
            t(0),
            &format!(
                "Event: Newchannel\nChannel: SIP/1002-1\n{}\nCallerIDNum: 1002\nExten: \nUniqueid: 85.0{linked}",
                state(0)
            ),
        );
        feed(
            &mut tr,
            t(1),
            &format!(
                "Event: Newstate\nChannel: SIP/1002-1\n{}\nUniqueid: 85.0{linked}",
                state(1)
            ),
        );
        feed(
            &mut tr,
            t(2),
            &format!(
                "Event: Newstate\nChannel: SIP/1002-1\n{}\nUniqueid: 85.0{linked}",
                state(2)
            ),
        );
        feed(
            &mut tr,
            t(2),
            "Event: OriginateResponse\nResponse: Success\nChannel: SIP/1002-1\nExten: 800\nReason: 4\nUniqueid: 85.0",
        );
        feed(
            &mut tr,
            t(2),
            &format!(
                "Event: Newexten\nChannel: SIP/1002-1\nExten: 800\nApplication: Wait\nAppData: 60\nUniqueid: 85.0{linked}"
            ),
        );
        let events = drain(&mut tr);
        assert_eq!(names(&events), ["ringing", "answered"], "legacy {legacy}");
        let call = tr.call("85.0").unwrap();
        assert!(call.originated);
        assert_eq!(call.to.as_deref(), Some("800"));
    }
}

#[test]
fn calls_and_records_serialize_with_readable_times() {
    let mut tr = default_tracker();
    answered_call(&mut tr, t(0), "95", "1001", "1002");
    let call = serde_json::to_value(tr.call("95.0").unwrap()).unwrap();
    assert_eq!(call["started_at"], "2027-01-15T08:00:00.000Z");
    assert_eq!(call["state"], "answered");
    assert_eq!(call["ended_at"], serde_json::Value::Null);
    assert_eq!(call["channels"][1]["uniqueid"], "95.1");
    feed(&mut tr, t(9), &hangup("95.1", 16));
    feed(&mut tr, t(10), &hangup("95.0", 16));
    tr.handle_timeout(t(60));
    let done = serde_json::to_value(tr.poll_completed().unwrap()).unwrap();
    assert_eq!(done["duration_s"], 10);
    assert_eq!(done["billsec_s"], 10);
    assert_eq!(done["disposition"], "answered");
    assert_eq!(done["ended_at"], "2027-01-15T08:00:10.000Z");
    assert_eq!(done["answered_by"], "1002");
}

#[test]
fn calls_that_all_expire_in_one_timeout_each_get_a_record() {
    // Events lost: four calls never hang up, one ended call waits for its Cdr. A timeout long
    // after finishes all five in one step; a consumer that drains after every step loses none.
    let mut config = TrackerConfig::default();
    config.max_active_calls = 4;
    config.max_pending_completions = 1;
    config.call_ttl = Duration::from_secs(30);
    let mut tr = tracker(config);
    feed(
        &mut tr,
        t(1),
        &newchannel("9.0", "9.0", "PJSIP/1009-00000009", 4, "1009", "1010"),
    );
    feed(&mut tr, t(1), &hangup("9.0", 16));
    for i in 0..4 {
        let uid = format!("{i}.0");
        let name = format!("PJSIP/100{i}-0000000{i}");
        feed(
            &mut tr,
            t(2),
            &newchannel(&uid, &uid, &name, 4, &format!("100{i}"), "2000"),
        );
    }
    drain(&mut tr);
    assert_eq!(tr.active_calls(), 4);
    tr.handle_timeout(t(3600));
    let ended = drain(&mut tr)
        .into_iter()
        .filter(|e| matches!(e, CallEvent::Ended { .. }))
        .count();
    let records = std::iter::from_fn(|| tr.poll_completed()).count();
    assert_eq!(ended, 4);
    // The last expired call still waits its cdr_wait for a Cdr, within the pending bound.
    assert_eq!(records, 4);
    tr.handle_timeout(t(3700));
    assert_eq!(std::iter::from_fn(|| tr.poll_completed()).count(), 1);
    assert_eq!(tr.stats().records_dropped, 0);
    assert_eq!(tr.active_calls(), 0);
}
