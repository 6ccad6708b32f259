//! The call model on the scenarios real PBXes got wrong before: transfers, attended transfers
//! through `Local` channels, queues (answered and abandoned), conferences, the legacy
//! extension board, legacy redirects, legacy queue causes and merged legs. Each runs on the
//! simulated PBX in both dialects where the dialect has it.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use std::time::Duration;

use pair::{Pair, monitor_config};
use yeastar_ami::calls::{
    CallEvent, CompletedCall, Disposition, EndReason, ExtensionState, TransferKind,
};
use yeastar_ami::monitor::AmiEvent;
use yeastar_ami::sim::generate::generator_config;
use yeastar_ami::sim::{CallScript, CallStep, Dialect, Party};

const S: Duration = Duration::from_secs(1);
const DIALECTS: [Dialect; 2] = [Dialect::Modern, Dialect::Legacy];

fn pair(dialect: Dialect) -> Pair {
    let mut pair = Pair::with_monitor(generator_config(dialect), monitor_config());
    pair.run_until(10 * S, |e| matches!(e, AmiEvent::Synced(_)))
        .expect("logged in");
    pair
}

/// Plays the scripts, lets them finish and the records go; the records (consultations apart).
fn play(pair: &mut Pair, scripts: &[CallScript]) -> Vec<CompletedCall> {
    for script in scripts {
        let now = pair.now;
        pair.pbx.play(script.clone(), now).unwrap();
    }
    pair.run_for(60 * S);
    pair.completed()
        .into_iter()
        .filter(|c| c.end_reason != EndReason::AttendedTransfer)
        .cloned()
        .collect()
}

fn only(records: &[CompletedCall]) -> &CompletedCall {
    assert_eq!(records.len(), 1, "{records:#?}");
    &records[0]
}

#[test]
fn a_blind_transfer_keeps_the_dialled_number_the_first_answerer_and_the_whole_time() {
    for dialect in DIALECTS {
        let mut pair = pair(dialect);
        // Answered after 1 s, transferred at 3 s, 1003 answers 1 s later, talks 4 s: 9 s in
        // all, 8 s of talk.
        let script = CallScript::new("1001", "1002")
            .then(S, CallStep::Answer)
            .then(
                2 * S,
                CallStep::BlindTransfer {
                    by: Party::Callee,
                    to: "1003".into(),
                },
            )
            .then(S, CallStep::Answer)
            .then(4 * S, CallStep::CallerHangup);
        let records = play(&mut pair, &[script]);
        let done = only(&records);
        assert_eq!(done.dst.as_deref(), Some("1002"), "{dialect:?}");
        assert_eq!(done.answered_by.as_deref(), Some("1002"), "{dialect:?}");
        assert_eq!(done.connected_to.as_deref(), Some("1003"), "{dialect:?}");
        assert_eq!(
            done.final_destination.as_deref(),
            Some("1003"),
            "{dialect:?}"
        );
        assert_eq!(done.transfers.len(), 1, "{dialect:?}");
        let transfer = &done.transfers[0];
        assert_eq!(transfer.kind, TransferKind::Blind);
        assert_eq!(
            (transfer.by.as_deref(), transfer.target.as_deref()),
            (Some("1002"), Some("1003"))
        );
        assert_eq!(done.duration, 8 * S, "{dialect:?}");
        assert_eq!(done.billsec, 7 * S, "{dialect:?}");
        assert_eq!(done.disposition, Disposition::Answered);
        let transferred = pair
            .call_events()
            .into_iter()
            .find(|e| matches!(e, CallEvent::Transferred { .. }))
            .unwrap();
        let CallEvent::Transferred { target, .. } = transferred else {
            unreachable!()
        };
        assert_eq!(target.as_deref(), Some("1003"));
    }
}

#[test]
fn an_attended_transfer_creates_no_call_without_a_callee() {
    for dialect in DIALECTS {
        let mut pair = pair(dialect);
        let script = CallScript::attended_transfer("1001", "2002", "1003", S, 3 * S);
        let records = play(&mut pair, &[script]);
        let done = only(&records);
        assert_eq!(done.src.as_deref(), Some("1001"));
        assert_eq!(done.dst.as_deref(), Some("2002"));
        assert_eq!(done.answered_by.as_deref(), Some("1002"), "{dialect:?}");
        assert_eq!(done.connected_to.as_deref(), Some("1003"), "{dialect:?}");
        assert_eq!(done.transfers.len(), 1);
        assert_eq!(done.transfers[0].kind, TransferKind::Attended);
        // Every call anyone was told about has a callee.
        for event in pair.call_events() {
            let call = event.call();
            assert!(
                call.to.is_some() || call.answered_by.is_some(),
                "{dialect:?}: a call with no callee: {call:#?}"
            );
        }
        // The legacy phone's consultation is a call of its own, naming both parties.
        let consultations: Vec<&CompletedCall> = pair
            .completed()
            .into_iter()
            .filter(|c| c.end_reason == EndReason::AttendedTransfer)
            .collect();
        match dialect {
            Dialect::Modern => assert!(consultations.is_empty(), "{consultations:#?}"),
            _ => {
                assert_eq!(consultations.len(), 1);
                let c = consultations[0];
                assert_eq!(
                    (c.src.as_deref(), c.dst.as_deref()),
                    (Some("1002"), Some("1003"))
                );
            }
        }
    }
}

#[test]
fn queues_name_the_agent_and_an_abandon_is_a_missed_call() {
    for dialect in DIALECTS {
        let mut pair = pair(dialect);
        let answered = CallScript::queue_answered("1001", "5000", 2 * S, 5 * S, Party::Caller);
        let records = play(&mut pair, &[answered]);
        let done = only(&records);
        assert_eq!(done.queue.as_deref(), Some("support"), "{dialect:?}");
        let agent = done.answered_by.as_deref().unwrap();
        assert!(["1002", "1003"].contains(&agent), "{dialect:?}: {agent}");
        assert_eq!(done.disposition, Disposition::Answered);
        assert_eq!(done.billsec, 5 * S, "{dialect:?}: talk time is the agent's");

        let mut pair = pair_again(dialect);
        let abandoned = CallScript::queue_abandoned("1001", "5000", 5 * S);
        let records = play(&mut pair, &[abandoned]);
        let done = only(&records);
        assert_eq!(done.disposition, Disposition::Abandoned, "{dialect:?}");
        assert!(done.disposition.is_missed());
        assert_eq!(done.billsec, Duration::ZERO, "{dialect:?}");
        assert_eq!(done.answered_at, None);
        assert_eq!(done.answered_by, None);
        assert_eq!(done.duration, 5 * S);
    }
}

fn pair_again(dialect: Dialect) -> Pair {
    pair(dialect)
}

#[test]
fn every_conference_participant_gets_their_own_time() {
    for dialect in DIALECTS {
        let mut pair = pair(dialect);
        let records = play(
            &mut pair,
            &[
                CallScript::conference("1001", "6000", 8 * S),
                CallScript::conference("1002", "6000", 5 * S),
            ],
        );
        assert_eq!(records.len(), 2, "{records:#?}");
        for done in &records {
            let stay = if done.src.as_deref() == Some("1001") {
                8 * S
            } else {
                5 * S
            };
            assert_eq!(done.duration, stay, "{dialect:?} {:?}", done.src);
            assert_eq!(done.billsec, stay, "{dialect:?} {:?}", done.src);
            assert_eq!(done.dst.as_deref(), Some("6000"));
        }
    }
}

#[test]
fn the_legacy_extension_board_is_filled_at_connect() {
    let pair = pair(Dialect::Legacy);
    let tracker = pair.monitor.tracker().unwrap();
    for ext in ["1001", "1002", "1003"] {
        let status = tracker.extension(ext).unwrap();
        assert_eq!(status.state, ExtensionState::Idle, "{ext}");
        assert_eq!(status.registered, Some(true), "{ext}");
    }
    let unregistered = tracker.extension("1004").unwrap();
    assert_eq!(unregistered.state, ExtensionState::Unavailable);
    assert_eq!(unregistered.registered, Some(false));
}

#[test]
fn a_redirected_bridged_call_is_a_blind_transfer() {
    for dialect in DIALECTS {
        let mut pair = pair(dialect);
        let script = CallScript::new("1001", "1002")
            .then(S, CallStep::Answer)
            .then(
                2 * S,
                CallStep::Redirect {
                    party: Party::Caller,
                    to: "700".into(),
                },
            )
            .then(S, CallStep::CallerHangup);
        let records = play(&mut pair, &[script]);
        let transferred: Vec<&CallEvent> = pair
            .call_events()
            .into_iter()
            .filter(|e| matches!(e, CallEvent::Transferred { .. }))
            .collect();
        assert_eq!(transferred.len(), 1, "{dialect:?}: {:?}", pair.names());
        let CallEvent::Transferred { target, call, .. } = transferred[0] else {
            unreachable!()
        };
        assert_eq!(target.as_deref(), Some("700"), "{dialect:?}");
        assert_eq!(call.to.as_deref(), Some("700"));
        let done = only(&records);
        assert_eq!(done.dst.as_deref(), Some("1002"));
        assert_eq!(done.final_destination.as_deref(), Some("700"));
        assert_eq!(done.transfers[0].kind, TransferKind::Blind);
    }
}

#[test]
fn a_legacy_queue_call_takes_the_cause_of_the_leg_that_hung_up_and_shows_no_agent_call() {
    let mut pair = pair(Dialect::Legacy);
    let script = CallScript::queue_answered("1001", "5000", 2 * S, 3 * S, Party::Callee);
    let records = play(&mut pair, &[script]);
    let done = only(&records);
    assert_eq!(done.cause, Some(16), "the caller's Hangup says Cause: 0");
    assert_eq!(done.cause_text.as_deref(), Some("Normal Clearing"));
    // Only the caller's call was ever reported: no event for the agent's leg on its own.
    for event in pair.call_events() {
        assert_eq!(
            event.call().from_number.as_deref(),
            Some("1001"),
            "{event:#?}"
        );
        assert_ne!(
            event.call().hangup_cause_text.as_deref(),
            Some("merged into another call")
        );
    }
    assert_eq!(
        pair.monitor.tracker().unwrap().stats().provisional_dropped,
        0
    );
}
