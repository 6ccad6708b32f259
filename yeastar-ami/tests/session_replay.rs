//! The sans-IO session against real captures: it writes the same bytes the recorded client
//! wrote, and resolves every action the way the captured server answered it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;

use std::time::{Duration, Instant};

use common::{data_dir, recorded_actions};
use yeastar_ami::session::{
    ActionError, AmiSession, AuthMethod, Reply, SessionConfig, SessionEvent,
};
use yeastar_ami::{Action, parse_message};

struct Outcome {
    transmitted: Vec<u8>,
    replies: Vec<(String, Result<Reply, ActionError>)>,
    events: Vec<SessionEvent>,
}

/// Replays one capture through a session configured like the recorded client.
fn replay(dialect: &str, name: &str) -> Outcome {
    let dir = data_dir().join(dialect);
    let c2s = std::fs::read(dir.join(format!("{name}.c2s.raw"))).unwrap();
    let s2c = std::fs::read(dir.join(format!("{name}.s2c.raw"))).unwrap();
    let actions = recorded_actions(&c2s);
    let md5 = actions[0].0 == "Challenge";
    let login = actions.iter().find(|(n, _)| n == "Login").unwrap();
    let events = login
        .1
        .iter()
        .find(|(k, _)| k == "Events")
        .map(|(_, v)| v.clone());

    let mut config = SessionConfig::new("ami_user", "ami_password");
    config.auth = if md5 {
        AuthMethod::Md5
    } else {
        AuthMethod::Plain
    };
    config.events = events;
    config.action_id_prefix = name.to_string();
    config.ping_interval = None;
    let mut session = AmiSession::new(config);
    let now = Instant::now();
    let mut transmitted = Vec::new();
    let mut out = Outcome {
        transmitted: Vec::new(),
        replies: Vec::new(),
        events: Vec::new(),
    };

    // The banner and the login exchange first, then every other recorded action.
    let banner_end = s2c.iter().position(|&b| b == b'\n').unwrap() + 1;
    session.handle_input(&s2c[..banner_end], now);
    while let Some(b) = session.poll_transmit() {
        transmitted.extend_from_slice(&b);
    }
    let mut rest = &s2c[banner_end..];
    // Feed frames one at a time until logged in (login answers come first in every capture).
    while !session.is_ready() && !rest.is_empty() {
        let (_, used) = parse_message(rest).unwrap();
        session.handle_input(&rest[..used], now);
        rest = &rest[used..];
        while let Some(b) = session.poll_transmit() {
            transmitted.extend_from_slice(&b);
        }
    }
    for (name, fields) in actions
        .iter()
        .filter(|(n, _)| n != "Login" && n != "Challenge")
    {
        let mut action = Action::new(name.clone());
        for (k, v) in fields {
            action.push(k.clone(), v.clone());
        }
        if session.is_ready() {
            session
                .send_with_timeout(action, Duration::from_secs(60), now)
                .unwrap();
        }
    }
    while let Some(b) = session.poll_transmit() {
        transmitted.extend_from_slice(&b);
    }
    session.handle_input(rest, now);
    while let Some(e) = session.poll_event() {
        match e {
            SessionEvent::Reply { action_id, result } => out.replies.push((action_id, *result)),
            other => out.events.push(other),
        }
    }
    out.transmitted = transmitted;
    if session.is_ready() {
        assert_eq!(
            String::from_utf8_lossy(&out.transmitted),
            String::from_utf8_lossy(&c2s),
            "{dialect}/{name}: bytes differ"
        );
    }
    out
}

fn reply<'a>(o: &'a Outcome, id: &str) -> &'a Result<Reply, ActionError> {
    &o.replies
        .iter()
        .find(|(i, _)| i == id)
        .unwrap_or_else(|| panic!("no reply for {id}"))
        .1
}

#[test]
fn every_capture_replays_with_identical_client_bytes() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let mut names: Vec<String> = std::fs::read_dir(data_dir().join(dialect))
            .unwrap()
            .filter_map(|e| {
                e.unwrap()
                    .file_name()
                    .to_str()?
                    .strip_suffix(".c2s.raw")
                    .map(str::to_string)
            })
            .filter(|n| n != "action_before_login")
            .collect();
        names.sort();
        assert!(names.len() >= 13);
        for name in names {
            let o = replay(dialect, &name);
            let failed = name.contains("fail") && name.starts_with("login");
            let auth_failed = o
                .events
                .iter()
                .any(|e| matches!(e, SessionEvent::AuthFailed { .. }));
            assert_eq!(auth_failed, failed, "{dialect}/{name}");
            let logged_in = o.events.iter().any(|e| matches!(e, SessionEvent::LoggedIn));
            assert_eq!(logged_in, !failed, "{dialect}/{name}");
        }
    }
}

#[test]
fn md5_login_answers_the_challenge() {
    for dialect in ["asterisk", "asterisk-legacy"] {
        let o = replay(dialect, "login_md5");
        assert!(o.events.iter().any(|e| matches!(e, SessionEvent::LoggedIn)));
        assert!(o.events.iter().any(|e| matches!(e, SessionEvent::Goodbye)));
    }
}

#[test]
fn async_originate_outcomes() {
    let ok = replay("asterisk", "events_originate_1001_to_1002");
    let Ok(r) = reply(&ok, "events_originate_1001_to_1002-2") else {
        panic!()
    };
    let event = r.originate.as_ref().unwrap().message();
    assert_eq!(event.get("Reason"), Some("4"));
    for (dialect, uniqueid) in [("asterisk", "<unknown>"), ("asterisk-legacy", "<null>")] {
        let o = replay(dialect, "events_originate_failure");
        match reply(&o, "events_originate_failure-2") {
            Err(ActionError::OriginateFailed { reason, event }) => {
                assert_eq!(*reason, 0);
                assert_eq!(event.message().get("Uniqueid"), Some(uniqueid));
            }
            other => panic!("{dialect}: {other:?}"),
        }
    }
}

#[test]
fn lists_and_commands_of_both_dialects() {
    let modern = replay("asterisk", "actions_idle");
    let modern_sent =
        recorded_actions(&std::fs::read(data_dir().join("asterisk/actions_idle.c2s.raw")).unwrap());
    let legacy_sent = recorded_actions(
        &std::fs::read(data_dir().join("asterisk-legacy/actions_idle.c2s.raw")).unwrap(),
    );
    // Every action but Login got exactly one reply (Logoff's is `Goodbye`).
    assert_eq!(modern.replies.len(), modern_sent.len() - 1);
    let find = |o: &Outcome,
                sent: &[(String, Vec<(String, String)>)],
                action: &str|
     -> Result<Reply, ActionError> {
        let index = sent.iter().position(|(n, _)| n == action).unwrap();
        reply(o, &format!("actions_idle-{}", index + 1)).clone()
    };
    assert_eq!(
        find(&modern, &modern_sent, "CoreShowChannels")
            .unwrap()
            .items
            .len(),
        0
    );
    let endpoints = find(&modern, &modern_sent, "PJSIPShowEndpoints").unwrap();
    assert_eq!(endpoints.items.len(), 3);
    assert_eq!(
        endpoints.complete.unwrap().message().get("ListItems"),
        Some("3")
    );
    assert!(matches!(
        find(&modern, &modern_sent, "PJSIPShowContacts"),
        Err(ActionError::Refused { .. })
    ));
    let version = find(&modern, &modern_sent, "Command")
        .unwrap()
        .command_output();
    assert!(version[0].starts_with("Asterisk 22.10.1"), "{version:?}");

    let legacy = replay("asterisk-legacy", "actions_idle");
    assert_eq!(legacy.replies.len(), legacy_sent.len() - 1);
    let status = find(&legacy, &legacy_sent, "Status").unwrap();
    assert_eq!(
        status.complete.unwrap().message().event(),
        Some("StatusComplete")
    );
    let peers = find(&legacy, &legacy_sent, "SIPpeers").unwrap();
    assert_eq!(peers.items.len(), 3);
    let version = find(&legacy, &legacy_sent, "Command")
        .unwrap()
        .command_output();
    assert!(version[0].starts_with("Asterisk 1.8.32.3"), "{version:?}");
    assert!(
        find(&legacy, &legacy_sent, "QueueStatus")
            .unwrap()
            .complete
            .is_some()
    );
}

#[test]
fn actions_wait_for_login_and_fail_unsent_on_disconnect() {
    let mut session = AmiSession::new(SessionConfig::new("u", "p"));
    let now = Instant::now();
    let id = session.send(Action::new("Ping"), now).unwrap();
    assert!(
        session.poll_transmit().is_none(),
        "nothing before the banner"
    );
    session.handle_disconnect();
    match session.poll_event() {
        Some(SessionEvent::Reply { action_id, result }) => {
            assert_eq!(action_id, id);
            assert!(matches!(
                *result,
                Err(ActionError::Disconnected { sent: false })
            ));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn timeouts_and_keepalive() {
    let mut config = SessionConfig::new("u", "p");
    config.auth = AuthMethod::Plain;
    config.ping_interval = Some(Duration::from_secs(20));
    config.ping_timeout = Duration::from_secs(5);
    let mut session = AmiSession::new(config);
    let t0 = Instant::now();
    session.handle_input(b"Asterisk Call Manager/11.0.0\r\n", t0);
    let login = session.poll_transmit().unwrap();
    let (m, _) = parse_message(&login).unwrap();
    let id = m.action_id().unwrap().to_string();
    session.handle_input(
        format!("Response: Success\r\nActionID: {id}\r\nMessage: Authentication accepted\r\n\r\n")
            .as_bytes(),
        t0,
    );
    assert!(session.is_ready());
    let ping_at = session.poll_timeout().unwrap();
    assert_eq!(ping_at, t0 + Duration::from_secs(20));
    let user = session.send(Action::new("CoreStatus"), t0).unwrap();
    session.handle_timeout(t0 + Duration::from_secs(11));
    let mut timed_out = false;
    while let Some(e) = session.poll_event() {
        if let SessionEvent::Reply { action_id, result } = e
            && matches!(*result, Err(ActionError::Timeout(_)))
        {
            timed_out = action_id == user;
        }
    }
    assert!(timed_out);
    session.handle_timeout(ping_at);
    let mut ping = None;
    while let Some(b) = session.poll_transmit() {
        ping = Some(b);
    }
    assert!(String::from_utf8_lossy(&ping.unwrap()).starts_with("Action: Ping"));
    session.handle_timeout(ping_at + Duration::from_secs(5));
    assert!(
        std::iter::from_fn(|| session.poll_event()).any(|e| matches!(e, SessionEvent::PingTimeout))
    );
}

#[test]
fn actions_queued_before_login_count_once_against_the_bound() {
    let mut config = SessionConfig::new("u", "p");
    config.max_pending = 2;
    let mut session = AmiSession::new(config);
    let now = Instant::now();
    session.send(Action::new("Ping"), now).unwrap();
    session.send(Action::new("Ping"), now).unwrap();
    assert_eq!(session.pending_count(), 2);
    assert!(matches!(
        session.send(Action::new("Ping"), now),
        Err(ActionError::TooManyPending(2))
    ));
}
