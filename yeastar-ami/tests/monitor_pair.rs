//! The sans-IO monitor against the simulated PBX on one virtual clock: login, actions,
//! originate outcomes, keepalive loss, a cut mid-call with reconnect and resync, backoff while
//! the PBX is down, a refused login, a lagging consumer. No sockets, no sleeps.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pair;

use std::time::Duration;

use pair::{Pair, monitor_config};
use yeastar_ami::Action;
use yeastar_ami::calls::{CallEvent, Disposition, EndReason, ExtensionState};
use yeastar_ami::monitor::{AmiEvent, EventQueue, LinkError};
use yeastar_ami::session::{ActionError, AuthMethod};
use yeastar_ami::sim::{CallScript, SimConfig};

const S: Duration = Duration::from_secs(1);

fn connected(pair: &mut Pair) -> AmiEvent {
    if pair
        .run_until(10 * S, |e| matches!(e, AmiEvent::Synced(_)))
        .is_none()
    {
        panic!("not logged in and synced: {:#?}", pair.events);
    }
    pair.events
        .iter()
        .find(|e| matches!(e, AmiEvent::Connected { .. }))
        .cloned()
        .unwrap()
}

#[test]
fn login_reports_the_banner_version_and_fills_the_extension_board() {
    for (sim, version, legacy) in [
        (SimConfig::modern(), "11.0.0", false),
        (SimConfig::legacy(), "1.1", true),
    ] {
        for auth in [AuthMethod::Md5, AuthMethod::Plain] {
            let mut config = monitor_config();
            config.session.auth = auth;
            let mut pair = Pair::with_monitor(sim.clone(), config);
            let AmiEvent::Connected {
                version: v,
                legacy: l,
                reconnected,
            } = connected(&mut pair)
            else {
                unreachable!()
            };
            assert_eq!((v.as_str(), l, reconnected), (version, legacy, false));
            assert_eq!(pair.monitor.banner(), Some((version, legacy)));
            let tracker = pair.monitor.tracker().unwrap();
            let known: Vec<&str> = tracker.extensions().map(|(e, _)| e).collect();
            assert!(known.len() >= 3, "{version}: {known:?}");
        }
    }
}

#[test]
fn actions_are_answered_and_refusals_are_typed() {
    let mut pair = Pair::new(SimConfig::modern());
    connected(&mut pair);
    let ping = pair.send(Action::new("Ping"));
    let hangup = pair.send(Action::new("Hangup").field("Channel", "PJSIP/none-0001"));
    pair.run_for(S);
    assert!(matches!(pair.reply(&ping), Some(Ok(_))));
    assert!(matches!(
        pair.reply(&hangup),
        Some(Err(ActionError::Refused { .. }))
    ));
}

#[test]
fn originate_success_failure_and_timeout() {
    let sim = SimConfig::modern().with_answer_delay(Duration::from_millis(800));
    let mut pair = Pair::new(sim);
    connected(&mut pair);
    let originate = |channel: &str| {
        Action::new("Originate")
            .field("Channel", channel)
            .field("Exten", "1002")
            .field("Context", "from-internal")
            .field("Priority", "1")
            .field("CallerID", "Click2Call <1001>")
            .field("Async", "true")
    };
    let ok = pair.send(originate("PJSIP/1001"));
    let failed = pair.send(originate("PJSIP/1003"));
    pair.run_for(5 * S);
    match pair.reply(&ok) {
        Some(Ok(reply)) => {
            let response = reply.originate.as_ref().unwrap().message();
            assert_eq!(response.get("Reason"), Some("4"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        pair.reply(&failed),
        Some(Err(ActionError::OriginateFailed { reason: 0, .. }))
    ));
    let call = pair
        .call_events()
        .into_iter()
        .find(|e| matches!(e, CallEvent::Answered { .. }))
        .unwrap()
        .call()
        .clone();
    assert!(call.originated);
    assert_eq!(call.to.as_deref(), Some("1002"));
    // A phone that never answers: the monitor's own originate timeout answers the caller.
    let mut config = monitor_config();
    config.session.originate_timeout = 3 * S;
    let mut slow = Pair::with_monitor(
        SimConfig::modern().with_answer_delay(Duration::from_secs(3600)),
        config,
    );
    connected(&mut slow);
    let id = slow.send(originate("PJSIP/1001"));
    slow.run_for(4 * S);
    assert!(matches!(
        slow.reply(&id),
        Some(Err(ActionError::Timeout(_)))
    ));
}

#[test]
fn keepalive_loss_drops_and_reconnects() {
    let mut config = monitor_config();
    config.session.ping_interval = Some(5 * S);
    config.session.ping_timeout = 2 * S;
    let mut pair = Pair::with_monitor(SimConfig::modern(), config);
    connected(&mut pair);
    // The link goes silent: no FIN, nothing arrives.
    pair.blackhole = true;
    let dropped = pair
        .run_until(20 * S, |e| matches!(e, AmiEvent::Disconnected { .. }))
        .unwrap();
    let AmiEvent::Disconnected { error, retry_in } = dropped else {
        unreachable!()
    };
    assert_eq!(error, LinkError::PingTimeout);
    assert!(retry_in.is_some());
    pair.blackhole = false;
    let again = pair
        .run_until(10 * S, |e| {
            matches!(
                e,
                AmiEvent::Connected {
                    reconnected: true,
                    ..
                }
            )
        })
        .is_some();
    assert!(again);
}

#[test]
fn a_cut_mid_call_reconnects_and_resyncs_the_calls() {
    let mut pair = Pair::new(SimConfig::modern());
    connected(&mut pair);
    let now = pair.now;
    pair.pbx
        .play(CallScript::answered("1001", "1002", S, 60 * S), now)
        .unwrap();
    pair.run_until(5 * S, |e| {
        matches!(e, AmiEvent::Call(CallEvent::Answered { .. }))
    })
    .unwrap();
    pair.cut();
    // While the client is away the call goes on.
    let synced = pair
        .run_until(
            10 * S,
            |e| matches!(e, AmiEvent::Synced(s) if s.reconnected),
        )
        .unwrap();
    let AmiEvent::Synced(resync) = synced else {
        unreachable!()
    };
    assert_eq!(
        pair.count(|e| matches!(
            e,
            AmiEvent::Disconnected {
                error: LinkError::ClosedByPbx,
                ..
            }
        )),
        1
    );
    assert_eq!(resync.channels.len(), 2);
    assert!(resync.report.ended.is_empty() && resync.report.opened.is_empty());
    let tracker = pair.monitor.tracker().unwrap();
    assert_eq!(tracker.active_calls(), 1, "the long call is still tracked");
    let call = tracker.calls().next().unwrap();
    assert_eq!(call.from_number.as_deref(), Some("1001"));
    // The long call ends after the reconnect and is reported once.
    pair.run_for(70 * S);
    let ended: Vec<_> = pair
        .call_events()
        .into_iter()
        .filter(|e| matches!(e, CallEvent::Ended { .. }))
        .map(|e| e.call().from_number.clone())
        .collect();
    assert!(ended.contains(&Some("1001".into())), "{ended:?}");
    assert_eq!(pair.monitor.tracker().unwrap().active_calls(), 0);
}

#[test]
fn calls_that_end_while_disconnected_are_closed_at_the_resync() {
    let mut pair = Pair::new(SimConfig::modern());
    connected(&mut pair);
    let now = pair.now;
    pair.pbx
        .play(CallScript::answered("1001", "1002", S, 5 * S), now)
        .unwrap();
    pair.run_until(5 * S, |e| {
        matches!(e, AmiEvent::Call(CallEvent::Answered { .. }))
    })
    .unwrap();
    // Down for longer than the call lasts.
    pair.pbx_down = true;
    pair.cut();
    pair.run_for(10 * S);
    pair.pbx_down = false;
    pair.run_until(
        40 * S,
        |e| matches!(e, AmiEvent::Synced(s) if s.reconnected),
    )
    .unwrap();
    let ended = pair
        .call_events()
        .into_iter()
        .find(|e| matches!(e, CallEvent::Ended { .. }))
        .unwrap();
    assert_eq!(
        ended.call().end_reason,
        Some(EndReason::EndedWhileDisconnected)
    );
    pair.run_for(10 * S);
    let done = pair.completed();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].disposition, Disposition::Answered);
}

#[test]
fn retries_with_growing_backoff_while_the_pbx_is_down() {
    let mut pair = Pair::new(SimConfig::modern());
    pair.pbx_down = true;
    pair.run_for(20 * S);
    let delays: Vec<Duration> = pair
        .events
        .iter()
        .filter_map(|e| match e {
            AmiEvent::ConnectFailed {
                error: LinkError::Connect(_),
                retry_in,
                ..
            } => *retry_in,
            _ => None,
        })
        .collect();
    // Attempts at 0, 0.5, 1.5, 3.5, 7.5 and 15.5 s (no jitter in tests).
    assert_eq!(
        delays,
        [500, 1000, 2000, 4000, 8000, 16000].map(Duration::from_millis)
    );
    pair.pbx_down = false;
    pair.run_until(20 * S, |e| matches!(e, AmiEvent::Connected { .. }))
        .expect("connects once the PBX is up");
}

#[test]
fn a_refused_login_retries_slowly_and_never_reports_connected() {
    let mut config = monitor_config();
    config.session.secret = yeastar_ami::actions::Secret::new("wrong");
    let sim = SimConfig::modern().with_auth_failure_delay(Duration::from_millis(100));
    let mut pair = Pair::with_monitor(sim, config);
    pair.run_for(150 * S);
    let refusals: Vec<Option<Duration>> = pair
        .events
        .iter()
        .filter_map(|e| match e {
            AmiEvent::ConnectFailed {
                error: LinkError::LoginRefused(_),
                retry_in,
                ..
            } => Some(*retry_in),
            _ => None,
        })
        .collect();
    assert_eq!(refusals.len(), 3, "at 0 s, ~60 s and ~120 s: {refusals:?}");
    assert!(refusals.iter().all(|r| *r == Some(60 * S)));
    assert_eq!(pair.count(|e| matches!(e, AmiEvent::Connected { .. })), 0);
}

#[test]
fn a_lagging_consumer_is_told_how_much_it_missed() {
    let mut pair = Pair::new(SimConfig::modern());
    pair.queue = Some(EventQueue::new(8));
    pair.run_for(2 * S);
    let now = pair.now;
    for _ in 0..3 {
        pair.pbx
            .play(
                CallScript::answered("1001", "1002", Duration::from_millis(10), S),
                now,
            )
            .unwrap();
    }
    pair.run_for(5 * S);
    let mut queue = pair.queue.take().unwrap();
    let missed = queue.total_missed();
    assert!(missed > 0);
    let Some(AmiEvent::Lagged { missed: reported }) = queue.pop() else {
        panic!("lag not reported first")
    };
    assert_eq!(reported, missed);
    let mut rest = 0;
    while let Some(e) = queue.pop() {
        assert!(!matches!(e, AmiEvent::Lagged { .. }));
        rest += 1;
    }
    assert_eq!(rest, 8);
}

#[test]
fn close_logs_off_and_stops_for_good() {
    let mut pair = Pair::new(SimConfig::modern());
    connected(&mut pair);
    let now = pair.now;
    pair.monitor.close(now);
    pair.run_for(60 * S);
    assert!(pair.monitor.is_stopped());
    assert!(matches!(pair.events.last(), Some(AmiEvent::Closed)));
    assert_eq!(pair.pbx.session_count(), 0);
    assert!(matches!(
        pair.monitor.send(Action::new("Ping"), pair.now),
        Err(ActionError::Closed)
    ));
    assert_eq!(pair.monitor.poll_timeout(), None);
    let extension = pair
        .monitor
        .tracker()
        .unwrap()
        .extension("1001")
        .map(|s| s.state);
    assert_ne!(extension, Some(ExtensionState::Unknown));
}
