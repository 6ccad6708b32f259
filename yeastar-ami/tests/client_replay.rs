//! Every real capture of both dialects served by the replay server with its recorded chunking
//! and read by the real `AmiClient` over TCP: the calls, history records and extension states
//! the client reports are the ones each capture's README describes.
#![cfg(all(feature = "client", feature = "sim"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::timeout;
use yeastar_ami::calls::{
    Call, CallEvent, CompletedCall, Direction, Disposition, ExtensionEvent, ExtensionState,
    ExtensionStatus,
};
use yeastar_ami::client::{AmiClient, ClientConfig, ClientError};
use yeastar_ami::monitor::{AmiEvent, LinkError};
use yeastar_ami::session::{ActionError, AuthMethod, Reply};
use yeastar_ami::sim::{Capture, ReplayOptions, ReplayReport, ReplayServer};
use yeastar_ami::tracker::TrackerConfig;
use yeastar_ami::{Action, Frame};

mod common;

use common::{capture_names, recorded_actions};

const LIMIT: Duration = Duration::from_secs(20);

fn dir(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dialect)
}

/// What the client reported during one replay.
struct Run {
    name: String,
    /// `Err` when the login was refused.
    login: Result<(), String>,
    items: Vec<AmiEvent>,
    replies: Vec<(String, Result<Reply, ClientError>)>,
    calls: Vec<Call>,
    extensions: Vec<(String, ExtensionStatus)>,
    report: ReplayReport,
}

impl Run {
    fn call_events(&self) -> Vec<&CallEvent> {
        self.items
            .iter()
            .filter_map(|i| match i {
                AmiEvent::Call(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    fn names(&self) -> Vec<&'static str> {
        self.call_events().iter().map(|e| e.name()).collect()
    }

    fn only_ended(&self) -> (&Call, Option<u16>) {
        let ended: Vec<_> = self
            .call_events()
            .into_iter()
            .filter_map(|e| match e {
                CallEvent::Ended { call, cause, .. } => Some((&**call, *cause)),
                _ => None,
            })
            .collect();
        assert_eq!(ended.len(), 1, "{}: {:?}", self.name, self.names());
        ended[0]
    }

    fn completed(&self) -> Vec<&CompletedCall> {
        self.items
            .iter()
            .filter_map(|i| match i {
                AmiEvent::Completed(c) => Some(&**c),
                _ => None,
            })
            .collect()
    }

    fn only_completed(&self) -> &CompletedCall {
        let done = self.completed();
        assert_eq!(done.len(), 1, "{}: {done:#?}", self.name);
        done[0]
    }

    fn frames(&self) -> Vec<&Frame> {
        self.items
            .iter()
            .filter_map(|i| match i {
                AmiEvent::Event(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    /// Positions of the events with this name in the event stream.
    fn positions(&self, event: &str) -> Vec<usize> {
        self.frames()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.message().event() == Some(event))
            .map(|(i, _)| i)
            .collect()
    }

    fn reply(&self, action: &str) -> &Result<Reply, ClientError> {
        &self
            .replies
            .iter()
            .find(|(n, _)| n == action)
            .unwrap_or_else(|| panic!("{}: no {action} sent", self.name))
            .1
    }

    fn extension(&self, ext: &str) -> ExtensionStatus {
        self.extensions
            .iter()
            .find(|(e, _)| e == ext)
            .unwrap_or_else(|| panic!("{}: no extension {ext}", self.name))
            .1
    }
}

type Sending = Pin<Box<dyn Future<Output = (String, Result<Reply, ClientError>)> + Send>>;

/// Polls every send in order, so the actions reach the driver (and the wire) in the recorded
/// order without waiting for each other's answers (an async `Originate` may be answered after
/// the `Logoff` was sent).
async fn send_in_order(mut sends: Vec<Sending>) -> Vec<(String, Result<Reply, ClientError>)> {
    let mut done: Vec<Option<(String, Result<Reply, ClientError>)>> =
        sends.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (send, slot) in sends.iter_mut().zip(done.iter_mut()) {
            if slot.is_none()
                && let Poll::Ready(r) = send.as_mut().poll(cx)
            {
                *slot = Some(r);
            }
        }
        if done.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done.into_iter().map(Option::unwrap).collect()
}

/// Replays one capture through an `AmiClient` configured like the recorded client.
async fn replay(dialect: &str, name: &str) -> Run {
    let capture = Capture::load(&dir(dialect), name).unwrap();
    let actions = recorded_actions(capture.c2s());
    let server = ReplayServer::start(capture.clone(), ReplayOptions::default())
        .await
        .unwrap();

    let mut config = ClientConfig::new("127.0.0.1", "ami_user", "ami_password");
    config.port = server.addr().port();
    config.session_mut().auth = if actions[0].0 == "Challenge" {
        AuthMethod::Md5
    } else {
        AuthMethod::Plain
    };
    let login = actions.iter().find(|(n, _)| n == "Login").unwrap();
    config.session_mut().events = login
        .1
        .iter()
        .find(|(k, _)| k == "Events")
        .map(|(_, v)| v.clone());
    config.session_mut().action_id_prefix = name.to_string();
    config.session_mut().ping_interval = None;
    config.monitor.sync = false;
    // The replay server takes one connection: end the stream when it closes.
    config.reconnect_mut().max_attempts = Some(0);
    let mut tracker = TrackerConfig::default();
    tracker.cdr_wait = Duration::from_millis(200);
    *config.tracker_mut() = Some(tracker);

    let mut run = Run {
        name: format!("{dialect}/{name}"),
        login: Ok(()),
        items: Vec::new(),
        replies: Vec::new(),
        calls: Vec::new(),
        extensions: Vec::new(),
        report: ReplayReport::default(),
    };
    let client = match timeout(LIMIT, AmiClient::connect(config)).await.unwrap() {
        Ok(client) => client,
        Err(ClientError::Link {
            error: LinkError::LoginRefused(message),
            ..
        }) => {
            run.login = Err(message);
            run.report = timeout(LIMIT, server.finish()).await.unwrap();
            return run;
        }
        Err(e) => panic!("{}: {e}", run.name),
    };

    let sends: Vec<Sending> = actions
        .iter()
        .filter(|(n, _)| n != "Login" && n != "Challenge")
        .map(|(action_name, fields)| {
            let mut action = Action::new(action_name.clone());
            for (k, v) in fields {
                action.push(k.clone(), v.clone());
            }
            let client = client.clone();
            let action_name = action_name.clone();
            Box::pin(async move { (action_name, client.send(action).await) }) as Sending
        })
        .collect();
    let sending = tokio::spawn(send_in_order(sends));

    timeout(LIMIT, async {
        while let Some(item) = client.next_event().await {
            run.items.push(item);
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{}: the event stream did not end", run.name));
    run.replies = timeout(LIMIT, sending).await.unwrap().unwrap();
    run.report = timeout(LIMIT, server.finish()).await.unwrap();
    run.calls = client.calls().await.unwrap();
    run.extensions = client.extensions().await.unwrap();
    let stats = client.stats();
    assert_eq!(stats.events_lagged, 0, "{}", run.name);
    assert_eq!(
        stats.events_received,
        run.frames().len() as u64,
        "{}",
        run.name
    );
    run
}

fn assert_replayed(run: &Run, capture: &Capture) {
    let report = &run.report;
    assert!(report.completed, "{}: {report:?}", run.name);
    assert!(report.mismatches.is_empty(), "{}: {report:?}", run.name);
    assert_eq!(report.bytes_received, capture.c2s().len(), "{}", run.name);
    let chunks: Vec<usize> = capture.s2c_chunks().map(<[u8]>::len).collect();
    assert_eq!(report.writes, chunks, "{}", run.name);
}

#[tokio::test]
async fn every_capture_replays_through_the_client() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let names = capture_names(dialect);
        assert!(names.len() >= 14, "{dialect}: {names:?}");
        for name in names {
            // The recorded client sent an action before logging in; ours waits for the login.
            if name == "action_before_login" {
                continue;
            }
            let capture = Capture::load(&dir(dialect), &name).unwrap();
            let run = replay(dialect, &name).await;
            assert_replayed(&run, &capture);
            let refused = name.starts_with("login") && name.ends_with("fail");
            assert_eq!(run.login.is_err(), refused, "{}", run.name);
            if refused {
                assert_eq!(run.login.unwrap_err(), "Authentication failed");
                continue;
            }
            // Every event read is delivered, every action answered, no call left open.
            assert!(run.calls.is_empty(), "{}: {:?}", run.name, run.calls);
            for (action, reply) in &run.replies {
                // With events off the async Originate's outcome never comes: the recorded
                // client logged off before it, so it fails as sent.
                let expected_error = matches!(
                    (name.as_str(), action.as_str(), reply),
                    ("events_originate_failure", "Originate", _)
                        | (
                            "actions_active_call",
                            "Originate",
                            Err(ClientError::Action(ActionError::Disconnected {
                                sent: true
                            }))
                        )
                );
                let refused =
                    matches!(reply, Err(ClientError::Action(ActionError::Refused { .. })));
                assert!(
                    reply.is_ok() || expected_error || refused,
                    "{}: {action}: {reply:?}",
                    run.name
                );
            }
            let ended = run
                .call_events()
                .iter()
                .filter(|e| matches!(e, CallEvent::Ended { .. }))
                .count();
            assert_eq!(ended, run.completed().len(), "{}", run.name);
            if name.contains("events_off") || name.starts_with("actions_active") {
                assert!(run.frames().is_empty(), "{}", run.name);
            }
        }
    }
}

fn assert_call_1001_to_1002(run: &Run) {
    for e in run.call_events() {
        let call = e.call();
        assert_eq!(call.from_number.as_deref(), Some("1001"), "{}", run.name);
        assert_eq!(call.direction, Direction::Internal);
        // A click-to-call rings its first party before the Originate names the destination.
        if e.name() != "ringing" || call.to.is_some() {
            assert_eq!(
                call.to.as_deref(),
                Some("1002"),
                "{}: {}",
                run.name,
                e.name()
            );
        }
    }
}

#[tokio::test]
async fn answered_call_1001_to_1002() {
    for (dialect, id) in [
        ("asterisk", "1795728803.0"),
        ("asterisk-legacy", "1795731561.0"),
    ] {
        let r = replay(dialect, "events_call_1001_to_1002_answered").await;
        assert_eq!(r.names(), ["ringing", "answered", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (call, cause) = r.only_ended();
        assert_eq!(&*call.id, id);
        assert_eq!(cause, Some(16));
        assert_eq!(call.hangup_cause_text.as_deref(), Some("Normal Clearing"));
        assert_eq!(call.answered_by.as_deref(), Some("1002"));
        assert_eq!(call.legs.len(), 2);
        let done = r.only_completed();
        assert!(done.has_cdr);
        assert_eq!(done.disposition, Disposition::Answered);
        assert_eq!(
            (done.src.as_deref(), done.dst.as_deref()),
            (Some("1001"), Some("1002"))
        );
        assert_eq!(done.cause, Some(16));
        assert_eq!(r.extension("1002").state, ExtensionState::Idle, "{dialect}");
        if dialect == "asterisk-legacy" {
            // No Linkedid: the Dial Begin linked the callee's channel into the caller's call.
            assert_eq!(&*call.legs[1].id, "1795731561.1");
            let frames = r.frames();
            let sub = |s: &str| {
                frames.iter().any(|f| {
                    let m = f.message();
                    m.event() == Some("Dial") && m.get("SubEvent") == Some(s)
                })
            };
            assert!(sub("Begin") && sub("End"));
            assert!(frames.iter().all(|f| f.message().get("Linkedid").is_none()));
            let bridge = r.positions("Bridge");
            let unlink = r.positions("Unlink");
            assert!(!bridge.is_empty() && !unlink.is_empty());
            assert!(bridge[0] < unlink[0]);
            assert!(
                frames
                    .iter()
                    .any(|f| f.message().get("Bridgestate") == Some("Link"))
            );
        } else {
            assert!(!r.positions("DialBegin").is_empty());
            assert!(!r.positions("BridgeEnter").is_empty());
        }
    }
}

#[tokio::test]
async fn busy_call_with_cdr_before_hangup() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_call_1001_to_1002_busy").await;
        assert_eq!(r.names(), ["ringing", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (_, cause) = r.only_ended();
        assert_eq!(cause, Some(17), "{dialect}");
        let cdr = r.positions("Cdr");
        let hangups = r.positions("Hangup");
        if dialect == "asterisk" {
            // Two Cdr (one per leg) arrive before both Hangups.
            assert_eq!(cdr.len(), 2);
            assert!(cdr[1] < hangups[0]);
        } else {
            // chan_sip posts its one Cdr after the last Hangup.
            assert_eq!(cdr.len(), 1);
            assert!(cdr[0] > *hangups.last().unwrap());
        }
        let done = r.only_completed();
        assert!(done.has_cdr);
        assert_eq!(done.disposition, Disposition::Busy, "{dialect}");
        assert_eq!(done.cause, Some(17));
        assert_eq!(done.answered_at, None);
        assert_eq!(done.billsec, Duration::ZERO);
    }
}

#[tokio::test]
async fn cancelled_call() {
    // Asterisk 1.8's cancelling caller has `Cause: 0`: the callee leg's cause stands.
    for (dialect, expected) in [("asterisk", 127), ("asterisk-legacy", 16)] {
        let r = replay(dialect, "events_call_1001_to_1002_cancel").await;
        assert_eq!(r.names(), ["ringing", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (_, cause) = r.only_ended();
        assert_eq!(cause, Some(expected), "{dialect}");
        let done = r.only_completed();
        assert_eq!(done.disposition, Disposition::NoAnswer, "{dialect}");
        assert_eq!(done.cause, Some(expected));
        assert_eq!(done.billsec, Duration::ZERO);
    }
}

#[tokio::test]
async fn modern_no_answer() {
    let r = replay("asterisk", "events_call_1001_to_1002_noanswer").await;
    assert_eq!(r.names(), ["ringing", "ended"]);
    assert_call_1001_to_1002(&r);
    let done = r.only_completed();
    assert_eq!(done.disposition, Disposition::NoAnswer);
    assert_eq!(done.answered_at, None);
    assert_eq!(done.billsec, Duration::ZERO);
}

#[tokio::test]
async fn modern_unregistered_1003() {
    let r = replay("asterisk", "events_call_1001_to_1003_unregistered").await;
    assert_eq!(r.names(), ["ended"]);
    let (call, cause) = r.only_ended();
    assert_eq!(cause, Some(3));
    assert_eq!(call.to.as_deref(), Some("1003"));
    let done = r.only_completed();
    assert_eq!(done.disposition, Disposition::Failed);
    assert_eq!(done.dst.as_deref(), Some("1003"));
}

#[tokio::test]
async fn calls_answered_by_the_pbx() {
    for (dialect, name, to) in [
        ("asterisk", "events_call_1001_to_600_echo", "600"),
        ("asterisk", "events_call_1001_to_700_playback", "700"),
        ("asterisk-legacy", "events_call_1001_to_600_echo", "600"),
    ] {
        let r = replay(dialect, name).await;
        assert_eq!(r.names(), ["answered", "ended"], "{dialect}/{name}");
        let (call, _) = r.only_ended();
        assert_eq!(call.to.as_deref(), Some(to));
        assert_eq!(call.direction, Direction::Internal);
        assert_eq!(r.only_completed().disposition, Disposition::Answered);
    }
}

#[tokio::test]
async fn originate_success_reason_4() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_originate_1001_to_1002").await;
        let Ok(reply) = r.reply("Originate") else {
            panic!("{dialect}: {:?}", r.reply("Originate"))
        };
        let response = reply.originate.as_ref().unwrap().message();
        assert_eq!(response.get("Reason"), Some("4"), "{dialect}");
        assert_eq!(response.get("Response"), Some("Success"), "{dialect}");
        assert_eq!(r.names(), ["ringing", "answered", "ended"], "{dialect}");
        assert_call_1001_to_1002(&r);
        let (call, cause) = r.only_ended();
        assert!(call.originated, "{dialect}");
        assert_eq!(call.from_name.as_deref(), Some("Click2Call"));
        assert_eq!(call.answered_by.as_deref(), Some("1002"));
        assert_eq!(cause, Some(16));
        assert_eq!(r.only_completed().disposition, Disposition::Answered);
    }
}

#[tokio::test]
async fn originate_failure_opens_no_call() {
    for (dialect, uniqueid) in [("asterisk", "<unknown>"), ("asterisk-legacy", "<null>")] {
        let r = replay(dialect, "events_originate_failure").await;
        match r.reply("Originate") {
            Err(ClientError::Action(ActionError::OriginateFailed { reason, event })) => {
                assert_eq!(*reason, 0, "{dialect}");
                assert_eq!(event.message().get("Uniqueid"), Some(uniqueid));
            }
            other => panic!("{dialect}: {other:?}"),
        }
        assert!(r.call_events().is_empty(), "{dialect}");
        assert!(r.completed().is_empty(), "{dialect}");
    }
}

#[tokio::test]
async fn modern_redirected_originate_and_ami_hangup() {
    let r = replay("asterisk", "events_active_call_hangup_redirect").await;
    assert_eq!(
        r.names(),
        [
            "ringing", "answered", "ended", "ringing", "answered", "ended"
        ]
    );
    let done = r.completed();
    assert_eq!(done.len(), 2);
    // Dialled 800, moved to 700 by the AMI while in an application: not a transfer.
    assert_eq!(done[1].dst.as_deref(), Some("800"));
    assert!(done.iter().all(|c| c.cause == Some(16)));
}

#[tokio::test]
async fn register_unregister_extension_states() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let r = replay(dialect, "events_register_unregister").await;
        for ext in ["1002", "1003"] {
            let seen: Vec<_> = r
                .items
                .iter()
                .filter_map(|i| match i {
                    AmiEvent::Extension(ExtensionEvent {
                        extension, status, ..
                    }) if &**extension == ext => Some((status.state, status.registered)),
                    _ => None,
                })
                .collect();
            assert!(
                seen.contains(&(ExtensionState::Idle, Some(true))),
                "{dialect} {ext}: {seen:?}"
            );
            let last = r.extension(ext);
            assert_eq!(last.state, ExtensionState::Unavailable, "{dialect} {ext}");
            assert_eq!(last.registered, Some(false), "{dialect} {ext}");
        }
        let peers = if dialect == "asterisk" {
            "PJSIPShowEndpoints"
        } else {
            "SIPpeers"
        };
        if let Some((_, reply)) = r.replies.iter().find(|(n, _)| n == peers) {
            assert!(!reply.as_ref().unwrap().items.is_empty(), "{dialect}");
        }
    }
}
