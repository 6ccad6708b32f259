//! The simulator's event sequences for transfers, queues, conferences, redirects and the legacy
//! extension board, in both dialects, on a virtual clock: the frames only (no call tracker),
//! plus the ground-truth log and the random scenario generator.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::{Duration, Instant, UNIX_EPOCH};

use bytes::BytesMut;
use yeastar_ami::sim::generate::{generator_config, random_scenario};
use yeastar_ami::sim::{
    CallOutcome, CallScript, CallStep, Dialect, FinishedCall, Output, Party, PbxModel, SessionId,
    SimConfig, TransferKind,
};
use yeastar_ami::{Action, Decoder, Frame, FrameKind};

const S: Duration = Duration::from_secs(1);

struct Pbx {
    model: PbxModel,
    now: Instant,
    sid: SessionId,
    decoder: Decoder,
    buf: BytesMut,
    frames: Vec<Frame>,
    ids: u32,
}

impl Pbx {
    fn new(cfg: SimConfig) -> Pbx {
        let now = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_795_728_803);
        let mut model = PbxModel::new(cfg, now, wall);
        let sid = model.connect(None, None).unwrap();
        let mut p = Pbx {
            model,
            now,
            sid,
            decoder: Decoder::default(),
            buf: BytesMut::new(),
            frames: Vec::new(),
            ids: 0,
        };
        p.drain();
        p.action(
            Action::new("Login")
                .field("Username", "ami_user")
                .field("Secret", "ami_password"),
        );
        p.frames.clear();
        p
    }

    fn drain(&mut self) {
        while let Some(out) = self.model.poll_output() {
            match out {
                Output::Send { session, bytes } if session == self.sid => {
                    self.buf.extend_from_slice(&bytes);
                }
                _ => {}
            }
        }
        while let Some(f) = self.decoder.decode(&mut self.buf).unwrap() {
            self.frames.push(f);
        }
    }

    fn action(&mut self, action: Action) -> Frame {
        self.ids += 1;
        let id = format!("t-{}", self.ids);
        let mut out = BytesMut::new();
        action.encode(&id, &mut out).unwrap();
        self.model.receive(self.sid, &out, self.now);
        self.drain();
        self.frames
            .iter()
            .find(|f| {
                matches!(f.kind(), FrameKind::Response | FrameKind::CommandOutput)
                    && f.message().action_id() == Some(id.as_str())
            })
            .cloned()
            .expect("a response")
    }

    fn play(&mut self, script: CallScript) {
        self.model.play(script, self.now).unwrap();
        self.drain();
    }

    /// Runs every timer up to `now + d`.
    fn run(&mut self, d: Duration) {
        let until = self.now + d;
        while let Some(at) = self.model.poll_timeout().filter(|t| *t <= until) {
            self.now = at;
            self.model.handle_timeout(at);
            self.drain();
        }
        self.now = until;
    }

    /// Runs until no call is left (bounded).
    fn finish(&mut self) {
        for _ in 0..10_000 {
            if self.model.call_count() == 0 {
                return;
            }
            let Some(at) = self.model.poll_timeout() else {
                break;
            };
            self.now = at;
            self.model.handle_timeout(at);
            self.drain();
        }
        assert_eq!(self.model.call_count(), 0, "calls left over");
    }

    fn events(&self, name: &str) -> Vec<&Frame> {
        self.frames
            .iter()
            .filter(|f| f.message().event() == Some(name))
            .collect()
    }

    fn one(&self, name: &str) -> &Frame {
        let all = self.events(name);
        assert_eq!(all.len(), 1, "{name}: {}", all.len());
        all[0]
    }

    fn finished(&mut self) -> Vec<FinishedCall> {
        std::iter::from_fn(|| self.model.poll_finished()).collect()
    }

    /// `Event[:detail]` for the events in `keep`, in order.
    fn flow(&self, keep: &[&str]) -> Vec<String> {
        self.frames
            .iter()
            .filter_map(|f| {
                let m = f.message();
                let name = m.event()?;
                if !keep.contains(&name) {
                    return None;
                }
                let who = m
                    .get("CallerIDNum")
                    .or_else(|| m.get("Channel"))
                    .unwrap_or("");
                Some(match name {
                    "Hangup" => format!("Hangup:{who}:{}", m.get("Cause").unwrap_or("")),
                    "Cdr" => format!("Cdr:{}", m.get("Destination").unwrap_or("")),
                    "BridgeEnter" | "BridgeLeave" | "Newstate" => format!("{name}:{who}"),
                    _ => name.to_owned(),
                })
            })
            .collect()
    }
}

fn modern() -> SimConfig {
    generator_config(Dialect::Modern).with_answer_delay(Duration::from_millis(200))
}

fn legacy() -> SimConfig {
    generator_config(Dialect::Legacy).with_answer_delay(Duration::from_millis(200))
}

fn get<'a>(f: &'a Frame, key: &str) -> &'a str {
    f.message()
        .get(key)
        .unwrap_or_else(|| panic!("no {key} in {f:?}"))
}

// ------------------------------------------------------------------------ blind transfer

#[test]
fn modern_blind_transfer_posts_one_cdr_per_leg_both_to_the_target() {
    let mut p = Pbx::new(modern());
    p.play(CallScript::blind_transfer("1001", "1002", "1003", S, 3 * S));
    p.finish();
    let t = p.one("BlindTransfer");
    assert_eq!(get(t, "TransfererCallerIDNum"), "1002");
    assert_eq!(get(t, "TransfereeCallerIDNum"), "1001");
    assert_eq!(get(t, "Extension"), "1003");
    assert_eq!(get(t, "IsExternal"), "Yes");
    assert_eq!(
        p.flow(&[
            "BlindTransfer",
            "BridgeLeave",
            "BridgeDestroy",
            "Hangup",
            "Cdr"
        ]),
        [
            "BlindTransfer",
            "BridgeLeave:1002",
            "BridgeLeave:1001",
            "BridgeDestroy",
            "Hangup:1002:16",
            "BridgeLeave:1001",
            "BridgeLeave:1003",
            "BridgeDestroy",
            "Hangup:1003:16",
            "Cdr:1003",
            "Cdr:1003",
            "Hangup:1001:16",
        ]
    );
    let cdrs = p.events("Cdr");
    let caller = p.events("Newchannel")[0];
    for c in &cdrs {
        assert_eq!(get(c, "Channel"), get(caller, "Channel"));
        assert_eq!(get(c, "Disposition"), "ANSWERED");
    }
    assert!(get(cdrs[0], "DestinationChannel").starts_with("PJSIP/1002-"));
    assert!(get(cdrs[1], "DestinationChannel").starts_with("PJSIP/1003-"));
    // Leg one: 1 s ringing + 3 s talk; leg two: 1 s ringing + 3 s talk.
    assert_eq!(
        (get(cdrs[0], "Duration"), get(cdrs[0], "BillableSeconds")),
        ("4", "3")
    );
    assert_eq!(
        (get(cdrs[1], "Duration"), get(cdrs[1], "BillableSeconds")),
        ("4", "3")
    );
    // The target's channel joined the caller's Linkedid.
    let target = p
        .events("Newchannel")
        .into_iter()
        .find(|f| get(f, "CallerIDNum") == "1003")
        .unwrap();
    assert_eq!(get(target, "Linkedid"), get(caller, "Uniqueid"));
    let truth = p.finished();
    assert_eq!(truth.len(), 1);
    let t = &truth[0];
    assert_eq!(t.first_answerer.as_deref(), Some("1002"));
    assert_eq!(t.connected.as_deref(), Some("1003"));
    assert_eq!(t.transfers.len(), 1);
    assert_eq!(t.transfers[0].kind, TransferKind::Blind);
    assert_eq!(t.transfers[0].by.as_deref(), Some("1002"));
    assert_eq!(t.transfers[0].target, "1003");
    assert_eq!(t.outcome, CallOutcome::Answered);
    assert_eq!(t.first_hangup.as_deref(), Some("1001"));
    assert_eq!(t.talk_time, 7 * S);
}

#[test]
fn legacy_blind_transfer_has_the_chan_sip_transfer_event() {
    let mut p = Pbx::new(legacy());
    p.play(CallScript::blind_transfer("1001", "1002", "1003", S, 3 * S));
    p.finish();
    let t = p.one("Transfer");
    assert_eq!(get(t, "TransferType"), "Blind");
    assert_eq!(get(t, "TransferMethod"), "SIP");
    assert_eq!(get(t, "TransferExten"), "1003");
    assert!(get(t, "Channel").starts_with("SIP/1002-"));
    assert!(get(t, "TargetChannel").starts_with("SIP/1001-"));
    assert_eq!(
        p.flow(&["Transfer", "Unlink", "Bridge", "Hangup", "Cdr"]),
        [
            "Bridge",
            "Transfer",
            "Unlink",
            "Cdr:1002",
            "Hangup:1002:16",
            "Bridge",
            "Unlink",
            "Cdr:1003",
            "Hangup:1003:16",
            "Hangup:1001:16",
        ]
    );
}

// ------------------------------------------------------------------------ attended transfer

#[test]
fn modern_attended_transfer_through_local_channels_shares_one_linkedid() {
    let mut p = Pbx::new(modern());
    p.play(CallScript::attended_transfer(
        "1001",
        "2002",
        "1003",
        S,
        2 * S,
    ));
    p.finish();
    let first = p.events("Newchannel")[0];
    let linked = get(first, "Uniqueid").to_owned();
    let names: Vec<&str> = p
        .events("Newchannel")
        .into_iter()
        .map(|f| get(f, "Channel"))
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names[2].starts_with("Local/1003@from-internal-") && names[2].ends_with(";1"));
    assert!(names[3].starts_with("Local/1003@from-internal-") && names[3].ends_with(";2"));
    assert_eq!(
        names[2].trim_end_matches(";1"),
        names[3].trim_end_matches(";2")
    );
    for f in p.events("Newchannel") {
        assert_eq!(get(f, "Linkedid"), linked, "{}", get(f, "Channel"));
    }
    // The dialplan sent 2002 to 1002.
    let dial = p
        .events("Newexten")
        .into_iter()
        .find(|f| get(f, "Application") == "Dial")
        .unwrap();
    assert_eq!(get(dial, "Exten"), "2002");
    assert_eq!(get(dial, "AppData"), "PJSIP/1002,20");
    let t = p.one("AttendedTransfer");
    assert_eq!(get(t, "Result"), "Success");
    assert_eq!(get(t, "DestType"), "Bridge");
    assert_eq!(get(t, "OrigTransfererCallerIDNum"), "1002");
    assert_eq!(get(t, "SecondTransfererCallerIDNum"), "1002");
    assert_eq!(get(t, "TransfereeCallerIDNum"), "1001");
    assert_eq!(get(t, "TransferTargetCallerIDNum"), "1003");
    assert_eq!(get(t, "DestBridgeUniqueid"), get(t, "SecondBridgeUniqueid"));
    assert_ne!(get(t, "OrigBridgeUniqueid"), get(t, "SecondBridgeUniqueid"));
    assert_eq!(
        p.flow(&[
            "Hold",
            "MusicOnHoldStart",
            "LocalOptimizationBegin",
            "LocalOptimizationEnd",
            "AttendedTransfer",
            "MusicOnHoldStop",
            "Hangup",
        ]),
        [
            "Hold",
            "MusicOnHoldStart",
            "LocalOptimizationBegin",
            "LocalOptimizationEnd",
            "Hangup:1002:16",
            "Hangup:1002:16",
            "AttendedTransfer",
            "MusicOnHoldStop",
            "Hangup:1002:16",
            "Hangup:1003:16",
            "Hangup:1001:16",
        ]
    );
    // The two Local halves went away with cause 16, then 1002's own channel.
    let hangups: Vec<&str> = p
        .events("Hangup")
        .into_iter()
        .map(|f| get(f, "Channel"))
        .collect();
    assert!(hangups[0].ends_with(";1") && hangups[1].ends_with(";2"));
    assert!(hangups[2].starts_with("PJSIP/1002-"));
    // After the transfer 1001 and 1003 share the consult bridge.
    let enters: Vec<&Frame> = p.events("BridgeEnter");
    let last = enters.last().unwrap();
    assert_eq!(get(last, "CallerIDNum"), "1001");
    assert_eq!(get(last, "BridgeUniqueid"), get(t, "DestBridgeUniqueid"));
    // Records: the Local ;2 leg, the transferer's, then the caller's two.
    let cdrs: Vec<(&str, &str)> = p
        .events("Cdr")
        .into_iter()
        .map(|f| (get(f, "Channel"), get(f, "Destination")))
        .collect();
    assert_eq!(cdrs.len(), 4, "{cdrs:?}");
    assert!(cdrs[0].0.ends_with(";2") && cdrs[0].1 == "1003");
    assert!(cdrs[1].0.starts_with("PJSIP/1002-") && cdrs[1].1 == "1003");
    assert!(cdrs[2].0.starts_with("PJSIP/1001-") && cdrs[2].1 == "2002");
    assert!(cdrs[3].0.starts_with("PJSIP/1001-") && cdrs[3].1 == "2002");
    let truth = p.finished();
    assert_eq!(truth[0].dialled, "2002");
    assert_eq!(truth[0].first_answerer.as_deref(), Some("1002"));
    assert_eq!(truth[0].connected.as_deref(), Some("1003"));
    assert_eq!(truth[0].transfers[0].kind, TransferKind::Attended);
    assert_eq!(truth[0].hangups.len(), 5);
}

#[test]
fn legacy_attended_transfer_masquerades_the_transferee() {
    let mut p = Pbx::new(legacy());
    p.play(CallScript::attended_transfer(
        "1001",
        "1002",
        "1003",
        S,
        2 * S,
    ));
    p.finish();
    let t = p.one("Transfer");
    assert_eq!(get(t, "TransferType"), "Attended");
    let first_1002 = get(t, "Channel").to_owned();
    let second_1002 = get(t, "TargetChannel").to_owned();
    assert!(first_1002.starts_with("SIP/1002-") && second_1002.starts_with("SIP/1002-"));
    assert_ne!(first_1002, second_1002);
    let m = p.one("Masquerade");
    let caller = get(m, "Clone").to_owned();
    assert!(caller.starts_with("SIP/1001-"));
    assert_eq!(get(m, "Original"), second_1002);
    let renames: Vec<(&str, &str)> = p
        .events("Rename")
        .into_iter()
        .map(|f| (get(f, "Channel"), get(f, "Newname")))
        .collect();
    let zombie = format!("{second_1002}<ZOMBIE>");
    let masq = format!("{caller}<MASQ>");
    assert_eq!(
        renames,
        [
            (caller.as_str(), masq.as_str()),
            (second_1002.as_str(), caller.as_str()),
            (masq.as_str(), zombie.as_str()),
        ]
    );
    assert_eq!(
        p.flow(&["Transfer", "Masquerade", "Unlink", "Hangup", "Cdr"]),
        [
            "Transfer",
            "Masquerade",
            "Unlink",
            "Cdr:1002",
            &format!("Hangup:{zombie}:16").replace(&zombie, "1001"),
            "Hangup:1002:16",
            "Unlink",
            "Cdr:1003",
            "Hangup:1003:16",
            "Hangup:1001:16",
        ]
    );
    let hangups: Vec<&str> = p
        .events("Hangup")
        .into_iter()
        .map(|f| get(f, "Channel"))
        .collect();
    assert_eq!(hangups[0], zombie);
    assert_eq!(hangups[1], first_1002);
    assert_eq!(
        hangups[3], caller,
        "the second call now carries the caller's name"
    );
    assert!(p.events("Hold").iter().any(|f| get(f, "Status") == "On"));
}

// ------------------------------------------------------------------------ queues

#[test]
fn modern_queue_answered_by_an_agent() {
    let mut p = Pbx::new(modern());
    p.play(CallScript::queue_answered(
        "1001",
        "5000",
        3 * S,
        4 * S,
        Party::Caller,
    ));
    p.finish();
    assert_eq!(
        p.flow(&[
            "Newstate",
            "QueueCallerJoin",
            "MusicOnHoldStart",
            "AgentCalled",
            "QueueCallerLeave",
            "MusicOnHoldStop",
            "AgentConnect",
            "BridgeEnter",
            "AgentComplete",
            "Hangup",
            "Cdr",
        ]),
        [
            "Newstate:1001",
            "QueueCallerJoin",
            "MusicOnHoldStart",
            "AgentCalled",
            "Newstate:1002",
            "AgentCalled",
            "Newstate:1003",
            "Newstate:1002",
            "Hangup:1003:26",
            "QueueCallerLeave",
            "MusicOnHoldStop",
            "AgentConnect",
            "BridgeEnter:1002",
            "BridgeEnter:1001",
            "AgentComplete",
            "Hangup:1002:16",
            "Hangup:1001:16",
            "Cdr:5000",
        ]
    );
    let connect = p.one("AgentConnect");
    assert_eq!(get(connect, "Queue"), "support");
    assert_eq!(get(connect, "Interface"), "PJSIP/1002");
    assert_eq!(get(connect, "HoldTime"), "3");
    let done = p.one("AgentComplete");
    assert_eq!(get(done, "TalkTime"), "4");
    assert_eq!(get(done, "Reason"), "caller");
    let caller = p.events("Newchannel")[0];
    for f in p.events("AgentCalled") {
        assert_eq!(get(f, "DestLinkedid"), get(caller, "Uniqueid"));
    }
    let cdr = p.one("Cdr");
    assert_eq!(get(cdr, "LastApplication"), "Queue");
    assert_eq!(get(cdr, "LastData"), "support");
    let t = &p.finished()[0];
    assert_eq!(t.queue.as_deref(), Some("support"));
    assert_eq!(t.first_answerer.as_deref(), Some("1002"));
    assert_eq!(t.outcome, CallOutcome::Answered);
}

#[test]
fn legacy_queue_answered_agent_hangs_up_caller_cause_zero() {
    let mut p = Pbx::new(legacy());
    p.play(CallScript::queue_answered(
        "1001",
        "5000",
        2 * S,
        4 * S,
        Party::Callee,
    ));
    p.finish();
    assert_eq!(
        p.flow(&[
            "Join",
            "MusicOnHold",
            "AgentCalled",
            "Leave",
            "AgentConnect",
            "Bridge",
            "Unlink",
            "AgentComplete",
            "Hangup",
            "Cdr",
        ]),
        [
            "Join",
            "MusicOnHold",
            "AgentCalled",
            "AgentCalled",
            "Hangup:1003:0",
            "Leave",
            "MusicOnHold",
            "AgentConnect",
            "Bridge",
            "Unlink",
            "Cdr:5000",
            "AgentComplete",
            "Hangup:1002:16",
            "Hangup:1001:0",
        ]
    );
    let called = p.events("AgentCalled");
    assert_eq!(get(called[0], "AgentCalled"), "SIP/1002");
    // The agent's channel carries no link to the caller but AgentCalled and Bridge.
    let agent = p
        .events("Newchannel")
        .into_iter()
        .find(|f| get(f, "CallerIDNum") == "1002")
        .unwrap();
    assert!(agent.message().get("Linkedid").is_none());
    assert_eq!(get(called[0], "DestinationChannel"), get(agent, "Channel"));
    let done = p.one("AgentComplete");
    assert_eq!(get(done, "Reason"), "agent");
    assert_eq!(
        p.finished()[0].first_hangup.as_deref(),
        Some("1002"),
        "the agent hung up first"
    );
}

#[test]
fn queue_abandon_in_both_dialects() {
    for cfg in [modern(), legacy()] {
        let modern = cfg.dialect == Dialect::Modern;
        let mut p = Pbx::new(cfg);
        p.play(CallScript::queue_abandoned("1001", "5000", 5 * S));
        p.finish();
        let leave = if modern { "QueueCallerLeave" } else { "Leave" };
        let flow = p.flow(&["QueueCallerAbandon", leave, "Hangup", "Cdr", "Newstate"]);
        let caller_up = flow.iter().position(|e| e == "Newstate:1001").unwrap();
        let abandon = flow.iter().position(|e| e == "QueueCallerAbandon").unwrap();
        let left = flow.iter().position(|e| e == leave).unwrap();
        let hangup = flow.iter().position(|e| e == "Hangup:1001:16").unwrap();
        assert!(
            caller_up < abandon && abandon < left && left < hangup,
            "{flow:?}"
        );
        let a = p.one("QueueCallerAbandon");
        assert_eq!(get(a, "HoldTime"), "5");
        assert_eq!(get(p.one("Cdr"), "Disposition"), "ANSWERED");
        let t = &p.finished()[0];
        assert_eq!(t.outcome, CallOutcome::Abandoned);
        assert_eq!(t.first_answerer, None);
        assert!(t.answered.is_some(), "the PBX answered the caller");
    }
}

#[test]
fn queue_ring_timeout_sends_agent_ring_no_answer_and_rings_again() {
    for cfg in [modern(), legacy()] {
        let mut p = Pbx::new(cfg.with_queue_ring_timeout(2 * S));
        p.play(
            CallScript::new("1001", "5000")
                .then(3 * S, CallStep::Answer)
                .then(S, CallStep::CallerHangup),
        );
        p.finish();
        assert_eq!(p.events("AgentRingNoAnswer").len(), 2);
        assert_eq!(p.events("AgentCalled").len(), 4);
        assert_eq!(p.events("AgentConnect").len(), 1);
    }
}

// ------------------------------------------------------------------------ conferences

#[test]
fn conference_in_both_dialects() {
    for cfg in [modern(), legacy()] {
        let modern = cfg.dialect == Dialect::Modern;
        let mut p = Pbx::new(cfg);
        p.play(CallScript::conference("1001", "6000", 5 * S));
        p.run(S);
        p.play(CallScript::conference("1002", "6000", 2 * S));
        p.finish();
        if modern {
            assert_eq!(
                p.flow(&[
                    "ConfbridgeStart",
                    "ConfbridgeJoin",
                    "ConfbridgeLeave",
                    "ConfbridgeEnd",
                    "BridgeEnter",
                    "BridgeLeave",
                    "Hangup",
                    "Cdr",
                ]),
                [
                    "ConfbridgeStart",
                    "ConfbridgeJoin",
                    "BridgeEnter:1001",
                    "ConfbridgeJoin",
                    "BridgeEnter:1002",
                    "BridgeLeave:1002",
                    "ConfbridgeLeave",
                    "Hangup:1002:16",
                    "Cdr:6000",
                    "BridgeLeave:1001",
                    "ConfbridgeLeave",
                    "ConfbridgeEnd",
                    "Hangup:1001:16",
                    "Cdr:6000",
                ]
            );
            let bridges: Vec<&str> = p
                .events("BridgeEnter")
                .into_iter()
                .map(|f| get(f, "BridgeUniqueid"))
                .collect();
            assert_eq!(bridges[0], bridges[1], "one shared bridge");
            assert_eq!(get(p.events("ConfbridgeJoin")[0], "Conference"), "6000");
        } else {
            assert_eq!(
                p.flow(&["MeetmeJoin", "MeetmeLeave", "MeetmeEnd", "Hangup", "Cdr"]),
                [
                    "MeetmeJoin",
                    "MeetmeJoin",
                    "MeetmeLeave",
                    "Hangup:1002:16",
                    "Cdr:6000",
                    "MeetmeLeave",
                    "MeetmeEnd",
                    "Hangup:1001:16",
                    "Cdr:6000",
                ]
            );
            let users: Vec<&str> = p
                .events("MeetmeJoin")
                .into_iter()
                .map(|f| get(f, "Usernum"))
                .collect();
            assert_eq!(users, ["1", "2"]);
        }
        let cdrs = p.events("Cdr");
        assert_eq!(get(cdrs[0], "Duration"), "2");
        assert_eq!(get(cdrs[1], "Duration"), "5");
        let truth = p.finished();
        assert_eq!(truth.len(), 2);
        assert!(
            truth
                .iter()
                .all(|t| t.conference.as_deref() == Some("6000"))
        );
    }
}

// ------------------------------------------------------------------------ redirect

#[test]
fn redirect_of_a_bridged_caller_in_both_dialects() {
    for cfg in [modern(), legacy()] {
        let modern = cfg.dialect == Dialect::Modern;
        let mut p = Pbx::new(cfg);
        p.play(CallScript::new("1001", "1002").then(S, CallStep::Answer));
        p.run(2 * S);
        let caller = get(p.events("Newchannel")[0], "Channel").to_owned();
        p.frames.clear();
        let r = p.action(
            Action::new("Redirect")
                .field("Channel", caller.clone())
                .field("Exten", "700")
                .field("Context", "from-internal")
                .field("Priority", "1"),
        );
        assert_eq!(get(&r, "Message"), "Redirect successful");
        p.finish();
        let keep = if modern {
            vec!["BridgeLeave", "BridgeDestroy", "Hangup", "Newexten", "Cdr"]
        } else {
            vec!["Unlink", "Dial", "Hangup", "Newexten", "Cdr"]
        };
        let flow = p.flow(&keep);
        let expected: Vec<&str> = if modern {
            vec![
                "BridgeLeave:1001",
                "BridgeLeave:1002",
                "BridgeDestroy",
                "Hangup:1002:16",
                "Newexten",
                "Newexten",
                "Newexten",
                "Hangup:1001:16",
                "Cdr:700",
                "Cdr:700",
            ]
        } else {
            vec![
                "Unlink",
                "Cdr:1002",
                "Hangup:1002:16",
                "Dial",
                "Newexten",
                "Newexten",
                "Newexten",
                "Hangup:1001:16",
                "Cdr:700",
            ]
        };
        assert_eq!(flow, expected);
        let apps: Vec<&str> = p
            .events("Newexten")
            .into_iter()
            .map(|f| get(f, "Application"))
            .collect();
        assert_eq!(apps, ["Answer", "Playback", "Hangup"]);
        let t = &p.finished()[0];
        assert_eq!(t.transfers[0].kind, TransferKind::Redirect);
        assert_eq!(t.transfers[0].target, "700");
        assert_eq!(t.transfers[0].by, None);
    }
}

// ------------------------------------------------------------------------ legacy board

#[test]
fn legacy_extension_board_at_connect() {
    let mut p = Pbx::new(legacy());
    p.play(CallScript::new("1002", "1001").then(S, CallStep::Answer));
    p.run(2 * S);
    let r = p.action(Action::new("SIPpeers"));
    assert_eq!(get(&r, "EventList"), "start");
    let peers: Vec<&str> = p
        .events("PeerEntry")
        .into_iter()
        .map(|f| get(f, "ObjectName"))
        .collect();
    assert_eq!(peers, ["1001", "1002", "1003", "1004"]);
    assert_eq!(get(p.one("PeerlistComplete"), "ListItems"), "4");
    let r = p.action(Action::new("ExtensionState").field("Exten", "1001"));
    assert_eq!(get(&r, "Hint"), "SIP/1001");
    assert_eq!(get(&r, "Status"), "1");
    let r = p.action(Action::new("Command").field("Command", "core show hints"));
    assert_eq!(r.kind(), FrameKind::CommandOutput);
    let text = std::str::from_utf8(r.as_bytes()).unwrap();
    let body = text
        .split_once("\r\n\n")
        .map(|(_, b)| b)
        .expect("the output starts with a blank line");
    let expected = concat!(
        "    -= Registered Asterisk Dial Plan Hints =-\n",
        "                   1001@from-internal       : SIP/1001              State:InUse           Watchers  0\n",
        "                   1002@from-internal       : SIP/1002              State:InUse           Watchers  0\n",
        "                   1003@from-internal       : SIP/1003              State:Idle            Watchers  0\n",
        "                   1004@from-internal       : SIP/1004              State:Unavailable     Watchers  0\n",
        "----------------\n",
        "- 4 hints registered\n",
        "--END COMMAND--\r\n\r\n",
    );
    assert_eq!(body, expected);
    let r = p.action(Action::new("Status"));
    assert_eq!(get(&r, "Message"), "Channel status will follow");
    assert_eq!(p.events("Status").len(), 2);
    assert_eq!(get(p.one("StatusComplete"), "Items"), "2");
}

// ------------------------------------------------------------------------ generator

fn run_scenarios(dialect: Dialect, seed: u64, n: usize) -> (Vec<u8>, Vec<FinishedCall>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut p = Pbx::new(generator_config(dialect).with_answer_delay(Duration::from_millis(300)));
    let mut finished = Vec::new();
    let mut played = 0;
    for _ in 0..n {
        let scenario = random_scenario(&mut rng, dialect);
        for script in scenario.scripts {
            p.play(script);
            played += 1;
        }
        p.finish();
        assert!(p.model.channels().is_empty(), "{}", scenario.name);
        // Timers of finished calls fire and do nothing; none re-arms itself.
        for _ in 0..100 {
            let Some(at) = p.model.poll_timeout() else {
                break;
            };
            p.now = at;
            p.model.handle_timeout(at);
            p.drain();
        }
        assert!(
            p.model.poll_timeout().is_none(),
            "{}: timers left",
            scenario.name
        );
        assert_eq!(p.model.call_count(), 0);
        finished.extend(p.finished());
        assert_eq!(finished.len(), played, "{}", scenario.name);
        let last = finished.last().unwrap();
        assert!(last.ended >= last.started);
        assert!(!last.hangups.is_empty(), "{}: no hangup", scenario.name);
        p.run(S);
    }
    let bytes = p
        .frames
        .iter()
        .flat_map(|f| f.as_bytes().to_vec())
        .collect();
    (bytes, finished)
}

#[test]
fn generated_scenarios_end_cleanly_and_repeat() {
    for dialect in [Dialect::Modern, Dialect::Legacy] {
        for seed in 0..8 {
            let (a, truth_a) = run_scenarios(dialect, seed, 25);
            let (b, truth_b) = run_scenarios(dialect, seed, 25);
            assert_eq!(truth_a.len(), truth_b.len());
            assert_eq!(a.len(), b.len(), "seed {seed} repeats");
            for t in &truth_a {
                match t.outcome {
                    CallOutcome::Answered => assert!(t.answered.is_some()),
                    CallOutcome::Busy | CallOutcome::Cancelled | CallOutcome::NoAnswer => {
                        assert!(t.first_answerer.is_none());
                        assert_eq!(t.talk_time, Duration::ZERO);
                    }
                    _ => {}
                }
            }
        }
    }
    // Every scenario is drawn sooner or later.
    let mut rng = fastrand::Rng::with_seed(7);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..500 {
        seen.insert(random_scenario(&mut rng, Dialect::Modern).name);
    }
    assert_eq!(seen.len(), yeastar_ami::sim::generate::SCENARIOS.len());
}

#[test]
fn the_finished_log_is_bounded() {
    let mut p = Pbx::new(modern().with_max_finished_calls(2));
    for _ in 0..5 {
        p.play(CallScript::busy("1001", "1002"));
        p.finish();
    }
    assert_eq!(p.finished().len(), 2);
    assert_eq!(p.model.finished_dropped(), 3);
}
