//! The `Pbx` facade against real SIP peers on loopback: Kamailio 5.6 as registrar and proxy
//! (`tests/peers/kamailio/`, 127.0.0.2:5060, users 1001–1004) and baresip registered as 1002
//! (127.0.0.3:5062, answers every call, follows REFER); in combined mode also the embedded
//! AMI simulator (127.0.0.1, any port) behind a small proxy that answers the facade's
//! `Getvar CHANNEL(pjsip,call-id)` with the Call-ID of our dialog, as Asterisk does for the
//! PJSIP channel of that dialog (the simulator answers every `Getvar` empty).
//!
//! Our user agent binds 127.0.0.3 (any port), RTP 17400–17449. A missing peer binary skips
//! the test with a message, unless `YEASTAR_REQUIRE_PEERS=1`. The peers listen on fixed
//! ports, so every test holds the machine-wide lock of the other real-peer tests
//! (`yeastar_test_peers::PeerLock`). Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{STEP, ami_vars, call_event, config, wait_for};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use yeastar_ami::sim::{CallScript, PbxSimulator, SimConfig};
use yeastar_core::calls::{CallEvent, ExtensionState, HistoryQuery, PbxEvent, RegistrationState};
use yeastar_core::pbx::{Event, Pbx, PbxError, PbxOptions};
use yeastar_core::{Mode, calls::Source};
use yeastar_sip::driver::{CallRequest, CallUpdate, MediaOptions};
use yeastar_test_peers::{Daemon, Kamailio, PeerLock, RunDir, require_peer};

const OURS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// Our two accounts at the test Kamailio.
const USERS: &str = "1001:1001pass:1001:Front desk,1003:1003pass:1003:Operator";

// ---------------------------------------------------------------------------
// Peers

fn require_peers() -> bool {
    ["kamailio", "baresip"]
        .into_iter()
        .all(|b| require_peer(b).is_some())
}

/// Kamailio and baresip registered as 1002, both stopped on drop.
struct Peers {
    _baresip: Daemon,
    kamailio: Kamailio,
    _run: RunDir,
}

fn start_peers(name: &str) -> Peers {
    let run = RunDir::new(name);
    let kamailio = Kamailio::start(&[]);
    let dir = run.path().join("baresip");
    let baresip = Daemon::start(
        "baresip",
        "baresip/start-registered.sh",
        &[dir.to_str().unwrap(), "1002", "1002pass"],
        &dir,
        "baresip.log",
    );
    Peers {
        _baresip: baresip,
        kamailio,
        _run: run,
    }
}

async fn lock() -> PeerLock {
    PeerLock::acquire(Duration::from_secs(300)).await
}

// ---------------------------------------------------------------------------
// The facade

fn sip_vars() -> Vec<(&'static str, String)> {
    vec![
        ("SIP_SERVER", "127.0.0.2".into()),
        ("SIP_USERS", USERS.into()),
        ("RTP_PORT_MIN", "17400".into()),
        ("RTP_PORT_MAX", "17449".into()),
    ]
}

fn options() -> PbxOptions {
    let mut options = PbxOptions::default();
    options.sip_local_addr = Some(SocketAddr::from((OURS, 0)));
    options.click_to_call_timeout = STEP;
    options
}

async fn connected(pbx: &Pbx, log: &mut Vec<Event>) {
    let deadline = Instant::now() + STEP;
    while !pbx.status().connected {
        assert!(
            Instant::now() < deadline,
            "not connected: {:#?}",
            pbx.status()
        );
        let _ = tokio::time::timeout(Duration::from_millis(200), async {
            if let Some(e) = pbx.next_event().await {
                log.push(e);
            }
        })
        .await;
    }
}

/// Without AMI: our accounts register; click-to-call calls 1002 (baresip) as 1001 and REFERs
/// it to 1003, which is ours: the transferred call reaches us from 1002. Shutdown
/// unregisters both accounts.
#[tokio::test]
async fn sip_mode_registers_clicks_to_call_by_refer_and_unregisters() {
    if !require_peers() {
        return;
    }
    let _lock = lock().await;
    let peers = start_peers("sip");
    let pbx = Pbx::start_with(config(&sip_vars()), options())
        .await
        .unwrap();
    let mut log = Vec::new();
    connected(&pbx, &mut log).await;
    let status = pbx.status();
    let sip = status.mode(Mode::Sip).unwrap();
    assert_eq!(sip.target, "127.0.0.2:5060 (UDP)");
    assert!(sip.accounts.iter().all(|a| a.registered), "{sip:?}");
    let registration = |e: &Event| match e {
        Event::Pbx {
            mode: Mode::Sip,
            event: PbxEvent::Registration(r),
        } if r.state == RegistrationState::Registered => Some(r.account.to_string()),
        _ => None,
    };
    let mut registered: Vec<String> = log.iter().filter_map(registration).collect();
    while registered.len() < 2 {
        let e = wait_for(&pbx, &mut log, "registrations", |e| {
            matches!(e, Event::Pbx { mode: Mode::Sip, event: PbxEvent::Registration(r) }
                if r.state == RegistrationState::Registered)
        })
        .await;
        if let Event::Pbx {
            event: PbxEvent::Registration(r),
            ..
        } = e
        {
            registered.push(r.account.to_string());
        }
    }
    registered.sort();
    assert_eq!(registered, ["1001", "1003"]);
    let board = pbx.extension_status().await;
    assert_eq!(board["1003"].state, ExtensionState::Idle);
    assert_eq!(board["1003"].registered, Some(true));

    let clicker = pbx.clone();
    let click = tokio::spawn(async move { clicker.click_to_call("1002", "1003").await });
    let incoming = wait_for(
        &pbx,
        &mut log,
        "the transferred call to 1003",
        |e| matches!(e, Event::Incoming(c) if c.dialled.as_deref() == Some("1003")),
    )
    .await;
    let Event::Incoming(incoming) = incoming else {
        unreachable!()
    };
    assert!(incoming.from.contains("1002"), "{}", incoming.from);
    let transferred = incoming.call;
    transferred.answer(MediaOptions::default()).await.unwrap();
    let placed = tokio::time::timeout(STEP, click)
        .await
        .expect("click-to-call answered")
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}\n{}", peers.kamailio.log()));
    assert_eq!(placed.mode, Mode::Sip);
    let leg = placed.call_id.unwrap();
    // Our first leg (1001 → 1002) rang and was answered, then ends with the transfer.
    assert!(log.iter().any(|e| matches!(
        call_event(e),
        Some((Mode::Sip, CallEvent::Answered { call, .. })) if *call.id == *leg
    )));
    wait_for(
        &pbx,
        &mut log,
        "our transferred leg ended",
        |e| matches!(call_event(e), Some((_, CallEvent::Ended { call, .. })) if *call.id == *leg),
    )
    .await;
    // The transferred call is ours now: in the table, but its handle is the application's.
    let id = transferred.call_id().to_owned();
    let active = pbx
        .active_call(&id)
        .expect("the transferred call is active");
    assert_eq!(active.call.from_number.as_deref(), Some("1002"));
    assert!(matches!(
        pbx.hangup(&id).await,
        Err(PbxError::CannotHangUp(_))
    ));
    assert_eq!(
        pbx.extension_status().await["1003"].state,
        ExtensionState::InUse
    );
    transferred.hangup().await.unwrap();
    wait_for(
        &pbx,
        &mut log,
        "the transferred call ended",
        |e| matches!(call_event(e), Some((_, CallEvent::Ended { call, .. })) if *call.id == *id),
    )
    .await;
    let history = pbx.call_history(&HistoryQuery::default());
    assert!(history.iter().any(|r| r.call_id == leg), "{history:#?}");

    pbx.shutdown().await;
    let mut rest = Vec::new();
    while let Some(e) = tokio::time::timeout(STEP, pbx.next_event())
        .await
        .expect("the stream ends after shutdown")
    {
        rest.push(e);
    }
    let unregistered = rest
        .iter()
        .filter(|e| {
            matches!(e, Event::Pbx { event: PbxEvent::Registration(r), .. }
                if r.state == RegistrationState::Unregistered)
        })
        .count();
    assert_eq!(unregistered, 2, "{rest:#?}");
    assert!(pbx.status().modes.iter().all(|m| m.stopped && !m.connected));
}

/// A proxy in front of the AMI simulator that answers `Getvar` of
/// `CHANNEL(pjsip,call-id)` with the Call-ID set by the test.
struct GetvarProxy {
    addr: SocketAddr,
    call_id: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl GetvarProxy {
    async fn start(upstream: SocketAddr) -> GetvarProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let call_id = Arc::new(Mutex::new(String::new()));
        let shared = call_id.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let mut client_read = client_read;
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                tokio::spawn(rewrite(server_read, client_write, shared.clone()));
            }
        });
        GetvarProxy {
            addr,
            call_id,
            task,
        }
    }

    fn set_call_id(&self, call_id: &str) {
        *self.call_id.lock().unwrap() = call_id.to_owned();
    }
}

impl Drop for GetvarProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies the simulator's output line by line, filling in the value of a `Getvar` of the
/// PJSIP Call-ID.
async fn rewrite(
    from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    call_id: Arc<Mutex<String>>,
) {
    let mut lines = BufReader::new(from);
    let mut line = Vec::new();
    let mut asked = false;
    loop {
        line.clear();
        match lines.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if asked && line.starts_with(b"Value:") {
            let value = call_id.lock().unwrap().clone();
            line = format!("Value: {value}\r\n").into_bytes();
        }
        asked = line.starts_with(b"Variable: CHANNEL(pjsip,call-id)");
        if to.write_all(&line).await.is_err() {
            return;
        }
    }
}

/// AMI and SIP together: our SIP call 1001 → 1002 and the AMI's view of the same call are one
/// call once the PBX names the Call-ID on 1001's PJSIP leg: `Joined`, one entry, one `Ended`,
/// one history record (the AMI's). Click-to-call goes through the AMI.
#[tokio::test]
async fn combined_mode_joins_the_ami_call_and_our_sip_dialog() {
    if !require_peers() {
        return;
    }
    let _lock = lock().await;
    let _peers = start_peers("combined");
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let proxy = GetvarProxy::start(sim.addr()).await;
    let mut vars = sip_vars();
    vars.extend(ami_vars(proxy.addr.port()));
    let pbx = Pbx::start_with(config(&vars), options()).await.unwrap();
    let mut log = Vec::new();
    connected(&pbx, &mut log).await;
    assert_eq!(pbx.status().modes.len(), 2);

    // Our own SIP call to 1002, answered by baresip.
    let agent = pbx.user_agent().expect("the user agent runs");
    let account = pbx.sip_account("1001").unwrap();
    let mut call = agent
        .call(CallRequest::new(account, "sip:1002@127.0.0.2"))
        .await
        .unwrap();
    let x = call.call_id().to_owned();
    tokio::time::timeout(STEP, async {
        while let Some(u) = call.next_update().await {
            if u == CallUpdate::Answered {
                return;
            }
        }
        panic!("our call ended unanswered");
    })
    .await
    .expect("baresip answers");
    wait_for(&pbx, &mut log, "our call answered", |e| {
        matches!(call_event(e), Some((Mode::Sip, CallEvent::Answered { call, .. })) if *call.id == *x)
    })
    .await;

    // The PBX's view of that call: PJSIP/1001-… whose Call-ID is ours.
    proxy.set_call_id(&x);
    sim.play(CallScript::answered(
        "1001",
        "1002",
        Duration::from_millis(200),
        Duration::from_secs(30),
    ))
    .unwrap();
    let joined = wait_for(&pbx, &mut log, "joined", |e| {
        matches!(e, Event::Joined { .. })
    })
    .await;
    let Event::Joined {
        call: joined,
        absorbed,
        ..
    } = joined
    else {
        unreachable!()
    };
    assert_eq!(*joined.id, *x, "the id first reported stays");
    assert_eq!(joined.source, Source::Ami, "the AMI view speaks");
    assert!(log.iter().any(|e| matches!(
        call_event(e),
        Some((Mode::Ami, CallEvent::Ringing { call, .. })) if call.id == absorbed
    )));
    let active = pbx.active_calls();
    assert_eq!(active.len(), 1, "{active:#?}");
    assert_eq!(active[0].ami_id.as_deref(), Some(&*absorbed));
    assert_eq!(active[0].sip_call_ids, [Arc::<str>::from(x.as_str())]);
    assert!(pbx.active_call(&absorbed).is_some());

    // Our leg goes first (nothing said), then the facade hangs the call up through the AMI:
    // one `ended`, under the call's id.
    call.hangup().await.unwrap();
    tokio::time::timeout(STEP, async {
        while let Some(u) = call.next_update().await {
            if matches!(u, CallUpdate::Ended { .. }) {
                return;
            }
        }
    })
    .await
    .unwrap();
    let channels = pbx.hangup(&x).await.unwrap();
    assert!(
        channels.iter().any(|c| c.starts_with("PJSIP/1001-")),
        "{channels:?}"
    );
    let completed = wait_for(&pbx, &mut log, "the AMI record", |e| {
        matches!(
            e,
            Event::Completed {
                mode: Mode::Ami,
                ..
            }
        )
    })
    .await;
    let Event::Completed { record, .. } = completed else {
        unreachable!()
    };
    assert_eq!(record.call_id, x);
    let ended: Vec<(Mode, &CallEvent)> = log
        .iter()
        .filter_map(call_event)
        .filter(|(_, e)| matches!(e, CallEvent::Ended { .. }))
        .collect();
    assert_eq!(ended.len(), 1, "{ended:#?}");
    assert_eq!(
        (ended[0].0, &*ended[0].1.call().id),
        (Mode::Ami, x.as_str())
    );
    assert!(pbx.active_calls().is_empty());
    let history = pbx.call_history(&HistoryQuery::default());
    assert_eq!(history.len(), 1, "{history:#?}");
    assert_eq!(history[0].source, Source::Ami);

    // Click-to-call prefers the AMI.
    let placed = pbx.click_to_call("1001", "1002").await.unwrap();
    assert_eq!(placed.mode, Mode::Ami);

    pbx.shutdown().await;
    sim.shutdown().await;
}

/// WebSocket and AMI together: 1004 registers over ws://127.0.0.2:8088/ws with its WebSocket
/// password; its call to 1002 is reported by the WebSocket mode and joined with the AMI's
/// view of PJSIP/1004-….
#[tokio::test]
async fn websocket_mode_with_ami_registers_and_joins() {
    if !require_peers() {
        return;
    }
    let _lock = lock().await;
    let _peers = start_peers("websocket");
    let sim = PbxSimulator::start(
        SimConfig::modern().with_extensions(&["1002", "1004"], &["1002", "1004"]),
    )
    .await
    .unwrap();
    let proxy = GetvarProxy::start(sim.addr()).await;
    let mut vars = vec![
        ("SIP_WEBSOCKET_URL", "ws://127.0.0.2:8088/ws".to_string()),
        ("SIP_SERVER", "127.0.0.2".to_string()),
        (
            "SIP_USERS",
            "1004:1004pass:1004:Manager:1004wspass".to_string(),
        ),
    ];
    vars.extend(ami_vars(proxy.addr.port()));
    let pbx = Pbx::start_with(config(&vars), options()).await.unwrap();
    let mut log = Vec::new();
    connected(&pbx, &mut log).await;
    let ws = pbx.status().mode(Mode::WebSocket).cloned().unwrap();
    assert_eq!(ws.target, "ws://127.0.0.2:8088/ws");
    assert!(ws.accounts[0].registered);

    let agent = pbx.user_agent().unwrap();
    let call = agent
        .call(CallRequest::new(
            pbx.sip_account("1004").unwrap(),
            "sip:1002@127.0.0.2",
        ))
        .await
        .unwrap();
    let x = call.call_id().to_owned();
    wait_for(&pbx, &mut log, "our WebSocket call answered", |e| {
        matches!(call_event(e), Some((Mode::WebSocket, CallEvent::Answered { call, .. })) if *call.id == *x)
    })
    .await;
    proxy.set_call_id(&x);
    sim.play(CallScript::answered(
        "1004",
        "1002",
        Duration::from_millis(200),
        Duration::from_secs(30),
    ))
    .unwrap();
    let joined = wait_for(&pbx, &mut log, "joined", |e| {
        matches!(e, Event::Joined { .. })
    })
    .await;
    let Event::Joined { call: joined, .. } = joined else {
        unreachable!()
    };
    assert_eq!(*joined.id, *x);
    let active = pbx.active_calls();
    assert_eq!(active.len(), 1, "{active:#?}");
    assert_eq!(active[0].sip_call_ids, [Arc::<str>::from(x.as_str())]);
    call.hangup().await.unwrap();
    pbx.hangup(&x).await.unwrap();
    wait_for(&pbx, &mut log, "the joined call ended", |e| {
        matches!(call_event(e), Some((Mode::Ami, CallEvent::Ended { call, .. })) if *call.id == *x)
    })
    .await;
    pbx.shutdown().await;
    sim.shutdown().await;
}
