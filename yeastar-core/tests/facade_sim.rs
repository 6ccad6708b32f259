//! The `Pbx` facade in AMI mode against the embedded PBX simulator (127.0.0.1, any port):
//! live calls on the one event stream, the active-call table, click-to-call, hangup, the
//! extension board, history, a PBX that is down at start, fail-fast `connect`, shutdown.
//! Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

mod support;

use std::time::Duration;

use support::{STEP, ami_vars, call_event, config, wait_for};
use yeastar_ami::sim::{CallScript, PbxSimulator, SimConfig};
use yeastar_core::Mode;
use yeastar_core::calls::{CallEvent, Disposition, ExtensionState, HistoryQuery};
use yeastar_core::config::PbxConfig;
use yeastar_core::pbx::{Event, Pbx, PbxError, PbxOptions};
use yeastar_test_peers::free_port;

#[tokio::test]
async fn live_calls_board_history_click_to_call_and_hangup() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let pbx = Pbx::start(config(&ami_vars(sim.addr().port())))
        .await
        .unwrap();
    let mut log = Vec::new();
    wait_for(
        &pbx,
        &mut log,
        "AMI connected",
        |e| matches!(e, Event::Status(s) if s.mode == Mode::Ami && s.connected),
    )
    .await;
    let status = pbx.status();
    assert!(status.connected);
    let ami = status.mode(Mode::Ami).unwrap();
    assert_eq!(ami.target, sim.addr().to_string());
    assert!(ami.last_error.is_none() && ami.version.is_some());

    // A scripted call: ringing, answered, ended, one stream, one record.
    sim.play(CallScript::answered(
        "1001",
        "1002",
        Duration::from_millis(200),
        Duration::from_millis(400),
    ))
    .unwrap();
    let answered = wait_for(&pbx, &mut log, "answered", |e| {
        matches!(call_event(e), Some((Mode::Ami, CallEvent::Answered { .. })))
    })
    .await;
    let id = call_event(&answered).unwrap().1.call().id.clone();
    let active = pbx.active_calls();
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(active[0].call.id, id);
    assert_eq!(active[0].ami_id.as_deref(), Some(&*id));
    assert!(active[0].sip_call_ids.is_empty());
    assert_eq!(active[0].call.from_number.as_deref(), Some("1001"));
    assert!(log.iter().any(|e| matches!(
        call_event(e),
        Some((Mode::Ami, CallEvent::Ringing { call, .. })) if call.id == id
    )));
    wait_for(
        &pbx,
        &mut log,
        "ended",
        |e| matches!(call_event(e), Some((_, CallEvent::Ended { call, .. })) if call.id == id),
    )
    .await;
    assert!(pbx.active_calls().is_empty());
    let completed = wait_for(&pbx, &mut log, "completed", |e| {
        matches!(e, Event::Completed { .. })
    })
    .await;
    let Event::Completed { mode, record } = completed else {
        unreachable!()
    };
    assert_eq!((mode, record.call_id.as_str()), (Mode::Ami, &*id));
    let mut query = HistoryQuery::default();
    query.extension = Some("1002".into());
    let history = pbx.call_history(&query);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].src.as_deref(), Some("1001"));
    assert_eq!(history[0].disposition, Disposition::Answered);
    assert!(history[0].answered_at.is_some());

    // The extension board: the simulator's extensions (1003 unregistered).
    let board = pbx.extension_status().await;
    assert_eq!(board["1001"].registered, Some(true));
    assert_eq!(board["1003"].registered, Some(false));
    assert_eq!(board["1003"].state, ExtensionState::Unavailable);

    // Click-to-call: Originate rings 1001, then dials 1002; refused for an unregistered phone.
    let placed = pbx.click_to_call("1001", "1002").await.unwrap();
    assert_eq!(placed.mode, Mode::Ami);
    assert!(
        placed
            .channel
            .as_deref()
            .unwrap()
            .starts_with("PJSIP/1001-")
    );
    let call = wait_for(&pbx, &mut log, "the click-to-call answered", |e| {
        matches!(call_event(e), Some((_, CallEvent::Answered { .. })))
    })
    .await;
    let id = call_event(&call).unwrap().1.call().id.to_string();
    let e = pbx.click_to_call("1003", "1002").await.unwrap_err();
    assert!(
        matches!(e, PbxError::OriginateFailed { reason: 0, .. }),
        "{e}"
    );
    let e = pbx.click_to_call("10 01", "1002").await.unwrap_err();
    assert!(matches!(e, PbxError::Invalid { what: "from", .. }), "{e}");

    // Hangup by id: every channel of the call.
    let hung_up = pbx.hangup(&id).await.unwrap();
    assert!(!hung_up.is_empty());
    wait_for(
        &pbx,
        &mut log,
        "the hung-up call ended",
        |e| matches!(call_event(e), Some((_, CallEvent::Ended { call, .. })) if *call.id == *id),
    )
    .await;
    assert!(matches!(
        pbx.hangup(&id).await,
        Err(PbxError::NoSuchCall(_))
    ));

    pbx.shutdown().await;
    let rest = tokio::time::timeout(STEP, async {
        let mut rest = Vec::new();
        while let Some(event) = pbx.next_event().await {
            rest.push(event);
        }
        rest
    })
    .await
    .expect("the stream ends after shutdown");
    assert!(
        rest.iter()
            .any(|e| matches!(e, Event::Status(s) if s.stopped))
    );
    assert!(pbx.status().modes.iter().all(|m| m.stopped && !m.connected));
    sim.shutdown().await;
}

/// Started while the PBX is down: no error, `connected: false` with the reason, retries
/// with backoff; the PBX comes up and the facade connects by itself.
#[tokio::test]
async fn a_pbx_down_at_start_is_retried_until_it_comes_up() {
    let port = free_port();
    let pbx = Pbx::start(config(&ami_vars(port))).await.unwrap();
    let mut log = Vec::new();
    let down = wait_for(
        &pbx,
        &mut log,
        "a failed attempt",
        |e| matches!(e, Event::Status(s) if s.failed_attempts > 0),
    )
    .await;
    let Event::Status(down) = down else {
        unreachable!()
    };
    assert!(!down.connected);
    let reason = down.last_error.unwrap();
    assert!(reason.contains("cannot connect"), "{reason}");
    assert!(!pbx.status().connected);
    let sim = PbxSimulator::start_on(SimConfig::modern(), ("127.0.0.1", port))
        .await
        .unwrap();
    let up = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match pbx.next_event().await {
                Some(Event::Status(s)) if s.connected => return s,
                Some(_) => {}
                None => panic!("stream ended"),
            }
        }
    })
    .await
    .expect("connected once the PBX is up");
    assert!(up.last_error.is_none() && up.failed_attempts == 0);
    pbx.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn connect_fails_fast_and_a_refused_login_says_so() {
    let port = free_port();
    let e = Pbx::connect(config(&ami_vars(port))).await.unwrap_err();
    assert!(
        matches!(&e, PbxError::Connect { mode: Mode::Ami, reason } if reason.contains("cannot connect")),
        "{e}"
    );
    let sim = PbxSimulator::start(SimConfig::modern().with_credentials("ami_user", "other"))
        .await
        .unwrap();
    let mut options = PbxOptions::default();
    options.connect_timeout = Duration::from_secs(10);
    let e = Pbx::connect_with(config(&ami_vars(sim.addr().port())), options)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, PbxError::Connect { mode: Mode::Ami, reason } if reason.contains("login refused")),
        "{e}"
    );
    let pbx = Pbx::start(config(&ami_vars(sim.addr().port())))
        .await
        .unwrap();
    let mut log = Vec::new();
    let refused = wait_for(
        &pbx,
        &mut log,
        "refused login",
        |e| matches!(e, Event::Status(s) if s.credentials_refused),
    )
    .await;
    assert!(matches!(refused, Event::Status(s) if !s.connected));
    pbx.shutdown().await;
    sim.shutdown().await;
    assert!(matches!(
        Pbx::start(PbxConfig::default()).await,
        Err(PbxError::NothingConfigured)
    ));
}
