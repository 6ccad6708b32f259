//! SIP over WebSocket against a real server: Kamailio 5.6 with its websocket module on
//! 127.0.0.2 (ws 8088, wss 8089, path `/ws`, realm `kamailio.test`), its configuration in
//! `tests/peers/kamailio/` (see `tests/peers/README.md`), and SIPp over UDP as the other
//! party of a call. A [`yeastar_sip::ua::Endpoint`] is driven over [`WsClient`] by the small
//! loop in [`Ua`] (the project's async user agent does the same).
//!
//! A missing peer binary skips the test with a message, unless `YEASTAR_REQUIRE_PEERS=1`,
//! which turns it into a failure. The peers listen on fixed ports, so every test holds the
//! machine-wide lock of the other real-peer tests (a TCP listener on 127.0.0.3:5069) and
//! shares their nextest group. Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::Stdio;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use yeastar_core::config::{SipTransport, SipUser};
use yeastar_sip::driver::{FlowIds, Transport, TransportCommand, TransportEvent};
use yeastar_sip::offer_answer::{AudioSession, answer};
use yeastar_sip::sdp::Sdp;
use yeastar_sip::ua::{
    AccountConfig, AccountHandle, Endpoint, EndpointConfig, Event, Outbound, RegistrationError,
    RegistrationEvent, TransportKind,
};
use yeastar_test_peers::{
    Kamailio, PeerLock, RunDir, find_binary, kamailio_websocket_module, skip,
};
use yeastar_ws::{ClientConfig, KeepaliveConfig, ReconnectConfig, WsClient, WsError, WsStatus};

/// Our side: WebSocket clients and SIPp connect from here.
const OURS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// Longest wait for the peer lock, held by one real-peer test at a time.
const LOCK_PATIENCE: Duration = Duration::from_secs(120);
/// Longest wait for any one step.
const STEP: Duration = Duration::from_secs(10);
const WS_URL: &str = "ws://127.0.0.2:8088/ws";
const WSS_URL: &str = "wss://127.0.0.2:8089/ws";
/// User 1004 of the test Kamailio: `1004pass` on UDP/TCP/TLS, `1004wspass` on WS/WSS. As a
/// `SIP_USERS` entry: extension, SIP password, auth user, display name, WebSocket password.
const USER_1004: &str = "1004:1004pass:1004:WebSocket phone:1004wspass";

// ---------------------------------------------------------------------------
// Peers (yeastar-test-peers): Kamailio with its WebSocket module, SIPp

fn require_peers() -> bool {
    let missing: Vec<&str> = ["kamailio", "sipp", "python3"]
        .into_iter()
        .filter(|b| find_binary(b).is_none())
        .collect();
    let mut reasons: Vec<String> = missing
        .iter()
        .map(|b| format!("{b} not installed"))
        .collect();
    if missing.is_empty() && !kamailio_websocket_module() {
        reasons.push("kamailio-websocket-modules not installed".into());
    }
    if reasons.is_empty() {
        return true;
    }
    skip(&reasons.join(", "));
    false
}

// ---------------------------------------------------------------------------
// A small driver: an Endpoint, its transports, and the run loop of `yeastar_sip::ua`

struct Ua {
    endpoint: Endpoint,
    commands: HashMap<TransportKind, mpsc::Sender<TransportCommand>>,
    events: mpsc::Receiver<TransportEvent>,
    events_tx: mpsc::Sender<TransportEvent>,
    flows: FlowIds,
    accounts: Vec<AccountHandle>,
    /// Transports whose flow failed: their accounts register again on the next FlowOpened.
    recovering: HashSet<TransportKind>,
    transport_log: Vec<String>,
}

impl Ua {
    fn new(seed: u64) -> Ua {
        let mut config = EndpointConfig::default();
        config.seed = Some(seed);
        let (events_tx, events) = mpsc::channel(yeastar_sip::driver::TRANSPORT_EVENT_QUEUE);
        Ua {
            endpoint: Endpoint::new(config),
            commands: HashMap::new(),
            events,
            events_tx,
            flows: FlowIds::new(),
            accounts: Vec::new(),
            recovering: HashSet::new(),
            transport_log: Vec::new(),
        }
    }

    fn add_transport(&mut self, transport: Box<dyn Transport>) {
        let handle = yeastar_sip::driver::transport::start(
            transport,
            self.events_tx.clone(),
            self.flows.clone(),
        );
        self.endpoint.add_binding(handle.binding.clone());
        self.commands.insert(handle.kind, handle.commands);
    }

    fn add_account(&mut self, account: AccountConfig) -> AccountHandle {
        let handle = self.endpoint.add_account(account, Instant::now()).unwrap();
        self.accounts.push(handle);
        handle
    }

    async fn flush(&mut self) {
        while let Some(transmit) = self.endpoint.poll_transmit() {
            if let Some(commands) = self.commands.get(&transmit.transport) {
                commands
                    .send(TransportCommand::Send(transmit))
                    .await
                    .unwrap();
            }
        }
    }

    fn on_transport(&mut self, event: TransportEvent) {
        let now = Instant::now();
        match event {
            TransportEvent::Received { bytes, from } => {
                self.endpoint.handle_input(bytes, from, now)
            }
            TransportEvent::FlowOpened { flow, remote } => {
                self.transport_log.push(format!("opened {flow:?}"));
                // Flow recovery (RFC 5626 §4.5): register again on the new flow at once.
                if self.recovering.remove(&remote.transport) {
                    for account in self.accounts.clone() {
                        let _ = self.endpoint.register(account, now);
                    }
                }
            }
            TransportEvent::FlowClosed { remote, error } => {
                self.transport_log
                    .push(format!("closed {:?} {error:?}", remote.flow));
                if let Some(error) = error {
                    self.recovering.insert(remote.transport);
                    self.endpoint.handle_transport_error(remote, error, now);
                }
            }
            TransportEvent::SendFailed { remote, error } => {
                self.transport_log.push(format!("send failed {error}"));
                self.endpoint.handle_transport_error(remote, error, now);
            }
            other => self.transport_log.push(format!("{other:?}")),
        }
    }

    /// Runs the endpoint until `want` picks an event (it may also act on the endpoint),
    /// for at most `limit`.
    async fn run_until<T>(
        &mut self,
        limit: Duration,
        mut want: impl FnMut(&Event, &mut Endpoint) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + limit;
        loop {
            self.flush().await;
            while let Some(event) = self.endpoint.poll_event() {
                if let Some(found) = want(&event, &mut self.endpoint) {
                    self.flush().await;
                    return found;
                }
            }
            self.flush().await;
            let wake = self
                .endpoint
                .poll_timeout()
                .map_or(deadline, |t| t.min(deadline));
            tokio::select! {
                event = self.events.recv() => self.on_transport(event.expect("transports running")),
                () = tokio::time::sleep_until(wake.into()) => {
                    let now = Instant::now();
                    assert!(now < deadline, "nothing wanted within {limit:?}; transports: {:?}", self.transport_log);
                    self.endpoint.handle_timeout(now);
                }
            }
        }
    }

    async fn registered(&mut self, account: AccountHandle) -> String {
        self.run_until(STEP, |e, _| match e {
            Event::Registration {
                account: a,
                event: RegistrationEvent::Registered { contact, .. },
            } if *a == account => Some(contact.clone()),
            Event::Registration {
                event: RegistrationEvent::Failed(error),
                ..
            } => panic!("registration failed: {error:?}"),
            _ => None,
        })
        .await
    }

    async fn shutdown(mut self) {
        for commands in self.commands.values() {
            let _ = commands.send(TransportCommand::Shutdown).await;
        }
        // Drain so the transports never wait on a full channel while closing.
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while self.events.recv().await.is_some() {}
        })
        .await;
    }
}

fn ws_client(url: &str) -> ClientConfig {
    ClientConfig::new(url)
        .with_local_ip(IpAddr::V4(OURS))
        .with_reconnect(ReconnectConfig::backoff(
            Duration::from_millis(200),
            Duration::from_secs(1),
        ))
}

/// The account of 1004 over `client`, with the password `SIP_USERS` gives for `transport`.
fn account_1004(client: &WsClient, transport: SipTransport) -> AccountConfig {
    let user = SipUser::parse(USER_1004).unwrap();
    let mut account = AccountConfig::new(
        user.extension.clone(),
        "127.0.0.2",
        user.password_for(transport).expose(),
        client.remote(),
    );
    account.auth_user = Some(user.auth_user.clone());
    account.display_name = Some(user.display_name.clone());
    account.expires = 60;
    account
}

// ---------------------------------------------------------------------------
// The tests

#[tokio::test]
async fn register_over_ws_and_wss_with_the_websocket_password() {
    if !require_peers() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&[]);

    for (url, transport) in [(WS_URL, SipTransport::Ws), (WSS_URL, SipTransport::Wss)] {
        let client = WsClient::new(
            ws_client(url)
                .with_ca_file(kamailio.ca())
                .with_origin("https://phone.test"),
        )
        .await
        .unwrap();
        let mut ua = Ua::new(1);
        let mut account = account_1004(&client, transport);
        account.outbound = Some(Outbound {
            instance: "urn:uuid:00000000-0000-1000-8000-000000001004".into(),
            reg_id: 1,
        });
        let label = client.local_binding().host;
        ua.add_transport(Box::new(client));
        let handle = ua.add_account(account);
        let contact = ua.registered(handle).await;
        let param = if transport == SipTransport::Ws {
            "transport=ws"
        } else {
            "transport=wss"
        };
        assert!(contact.contains(&format!("@{label};{param}")), "{contact}");
        assert!(contact.contains(";ob>"), "RFC 5626 outbound: {contact}");
        assert!(
            contact.contains("reg-id=1") && contact.contains("+sip.instance="),
            "{contact}"
        );
        // Kamailio keeps the binding with the connection it came on.
        let dump = kamailio.kamcmd(&["ul.dump"]);
        assert!(dump.contains(&label), "{dump}");
        ua.shutdown().await;
    }

    // The SIP password (the fourth field) is not the WebSocket one: refused.
    let client = WsClient::new(ws_client(WS_URL)).await.unwrap();
    let mut ua = Ua::new(2);
    let account = account_1004(&client, SipTransport::Udp);
    ua.add_transport(Box::new(client));
    let handle = ua.add_account(account);
    let error = ua
        .run_until(STEP, |e, _| match e {
            Event::Registration {
                account,
                event: RegistrationEvent::Failed(error),
            } if *account == handle => Some(error.clone()),
            Event::Registration {
                event: RegistrationEvent::Registered { .. },
                ..
            } => panic!("registered with the SIP password"),
            _ => None,
        })
        .await;
    assert!(
        matches!(error, RegistrationError::AuthRejected { status: 401 }),
        "{error:?}"
    );
    ua.shutdown().await;
}

#[tokio::test]
async fn call_from_udp_to_a_websocket_phone_with_sdp() {
    if !require_peers() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&[]);
    let client = WsClient::new(ws_client(WS_URL)).await.unwrap();
    let mut ua = Ua::new(3);
    let account = account_1004(&client, SipTransport::Ws);
    ua.add_transport(Box::new(client));
    let handle = ua.add_account(account);
    ua.registered(handle).await;

    // Where our answer says RTP goes: a socket that counts what SIPp streams to it.
    let rtp = UdpSocket::bind(SocketAddr::new(IpAddr::V4(OURS), 0))
        .await
        .unwrap();
    let rtp_port = rtp.local_addr().unwrap().port();
    let counter = tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        let mut packets = 0u32;
        while let Ok(Ok(_)) =
            tokio::time::timeout(Duration::from_secs(3), rtp.recv_from(&mut buf)).await
        {
            packets += 1;
            if packets >= 25 {
                break;
            }
        }
        packets
    });

    // SIPp calls 1004 from 1001 over UDP, answering Kamailio's 407 itself.
    let run = RunDir::new("sipp");
    run.copy("kamailio/uac_invite.xml");
    run.copy("sipp/tone_1k_2s.ulaw");
    let mut sipp = tokio::process::Command::new("sipp")
        .current_dir(run.path())
        .args([
            "127.0.0.2:5060",
            "-sf",
            "uac_invite.xml",
            "-i",
            "127.0.0.3",
            "-p",
            "5090",
            "-mi",
            "127.0.0.3",
            "-mp",
            "17000",
            "-s",
            "1004",
            "-set",
            "from",
            "1001",
            "-au",
            "1001",
            "-ap",
            "1001pass",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "20",
            "-timeout_error",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let ours = AudioSession::new(IpAddr::V4(OURS), rtp_port, 1004);
    let (call, offer) = ua
        .run_until(STEP, |e, _| match e {
            Event::IncomingCall(incoming) => Some((incoming.call, incoming.offer.clone())),
            _ => None,
        })
        .await;
    let offer = offer.expect("SIPp's INVITE carries an offer");
    let offer_text = std::str::from_utf8(&offer).unwrap();
    let sdp = Sdp::parse(offer_text).unwrap();
    let (answer_sdp, negotiated) = answer(&sdp, &ours).unwrap();
    assert_eq!(
        negotiated.codec.name, "PCMU",
        "the first offered codec we have"
    );
    assert_eq!(
        negotiated.remote_rtp,
        Some("127.0.0.3:17000".parse().unwrap())
    );
    let now = Instant::now();
    ua.endpoint.ringing(call, None, now).unwrap();
    ua.endpoint
        .answer(call, Bytes::from(answer_sdp), now)
        .unwrap();
    ua.run_until(STEP, |e, _| {
        matches!(e, Event::CallConfirmed { call: c, .. } if *c == call).then_some(())
    })
    .await;
    // SIPp streams its tone to the address of our answer.
    let packets = tokio::time::timeout(STEP, counter).await.unwrap().unwrap();
    assert!(packets >= 25, "RTP packets from SIPp: {packets}");
    // We hang up; SIPp answers our BYE (through Kamailio, over the WebSocket) and passes.
    ua.endpoint.hangup(call, Instant::now()).unwrap();
    let (reason, code) = ua
        .run_until(STEP, |e, _| match e {
            Event::CallEnded {
                call: c,
                reason,
                code,
            } if *c == call => Some((*reason, *code)),
            _ => None,
        })
        .await;
    assert_eq!(code, Some(200), "{reason:?}");
    let status = tokio::time::timeout(STEP, sipp.wait())
        .await
        .unwrap()
        .unwrap();
    let mut err = String::new();
    if let Some(mut e) = sipp.stderr.take() {
        use tokio::io::AsyncReadExt;
        let _ = e.read_to_string(&mut err).await;
    }
    assert!(status.success(), "sipp: {status:?} {err}");
    ua.shutdown().await;
    drop(kamailio);
}

/// Kamailio started with `tcp_connection_lifetime=2` (`-A TCP_LIFETIME=2`): a WebSocket
/// connection without traffic is cut at the next sweep of its connection timer, about 11 s
/// in (its timer runs in coarse steps; with the default lifetime nothing is cut). Two
/// phones register 1004 at the same time, one without keep-alives and one with a WebSocket
/// ping every second: the first is cut, the second is still the same open flow after the
/// cut and still carries a REGISTER.
#[tokio::test]
async fn keepalive_holds_a_flow_past_the_server_idle_cut() {
    if !require_peers() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&["-A", "TCP_LIFETIME=2"]);

    let idle = WsClient::new(
        ws_client(WS_URL)
            .with_keepalive(KeepaliveConfig::disabled())
            .with_reconnect(ReconnectConfig::disabled()),
    )
    .await
    .unwrap();
    let pinged = WsClient::new(
        ws_client(WS_URL)
            .with_keepalive(KeepaliveConfig::every(
                Duration::from_secs(1),
                Duration::from_secs(2),
            ))
            .with_reconnect(ReconnectConfig::disabled()),
    )
    .await
    .unwrap();
    let mut pinged_status = pinged.status();
    let mut idle_ua = Ua::new(6);
    let idle_account = account_1004(&idle, SipTransport::Ws);
    idle_ua.add_transport(Box::new(idle));
    let idle_handle = idle_ua.add_account(idle_account);
    let mut ua = Ua::new(4);
    let account = account_1004(&pinged, SipTransport::Ws);
    ua.add_transport(Box::new(pinged));
    let handle = ua.add_account(account);
    idle_ua.registered(idle_handle).await;
    ua.registered(handle).await;
    let started = Instant::now();

    // The idle phone: its flow is cut, the UA core hears it as a failed registration flow.
    let idle_task = tokio::spawn(async move {
        idle_ua
            .run_until(Duration::from_secs(20), |e, _| match e {
                Event::Registration {
                    event: RegistrationEvent::Failed(error),
                    ..
                } => Some(error.clone()),
                _ => None,
            })
            .await;
        let log = idle_ua.transport_log.clone();
        idle_ua.shutdown().await;
        log
    });
    // Meanwhile the pinged phone runs its loop until the idle one is cut.
    let mut idle_task = std::pin::pin!(idle_task);
    let idle_log = loop {
        ua.endpoint.handle_timeout(Instant::now());
        ua.flush().await;
        tokio::select! {
            log = &mut idle_task => break log.unwrap(),
            event = ua.events.recv() => ua.on_transport(event.unwrap()),
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    };
    let idle_for = started.elapsed();
    eprintln!("Kamailio cut the idle flow after {idle_for:?}: {idle_log:?}");
    assert!(idle_for >= Duration::from_secs(2), "cut after {idle_for:?}");
    assert!(
        idle_log
            .iter()
            .any(|l| l.starts_with("closed") && l.contains("ConnectionClosed")),
        "{idle_log:?}"
    );

    // The pinged flow, as old as the cut one, is still open, and stays open 2 s more.
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        ua.endpoint.handle_timeout(Instant::now());
        ua.flush().await;
        tokio::select! {
            event = ua.events.recv() => ua.on_transport(event.unwrap()),
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
    while let Ok(status) = pinged_status.try_recv() {
        assert!(
            !matches!(status, WsStatus::Disconnected { .. }),
            "{status:?}"
        );
    }
    assert!(
        !ua.transport_log.iter().any(|l| l.starts_with("closed")),
        "{:?}",
        ua.transport_log
    );
    ua.endpoint.register(handle, Instant::now()).unwrap();
    ua.registered(handle).await;
    assert_eq!(
        ua.transport_log
            .iter()
            .filter(|l| l.starts_with("opened"))
            .count(),
        1,
        "one flow throughout: {:?}",
        ua.transport_log
    );
    ua.shutdown().await;
    drop(kamailio);
}

#[tokio::test]
async fn reregisters_after_kamailio_restarts() {
    if !require_peers() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&[]);
    let client = WsClient::new(ws_client(WS_URL)).await.unwrap();
    let mut status = client.status();
    let mut ua = Ua::new(5);
    let account = account_1004(&client, SipTransport::Ws);
    ua.add_transport(Box::new(client));
    let handle = ua.add_account(account);
    let before = ua.registered(handle).await;

    kamailio.down();
    ua.run_until(STEP, |e, _| match e {
        Event::Registration {
            event: RegistrationEvent::Failed(RegistrationError::Transport),
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    kamailio.up();
    let after = ua.registered(handle).await;
    assert_eq!(before, after, "the same Contact, on a new flow");
    let opened = ua
        .transport_log
        .iter()
        .filter(|l| l.starts_with("opened"))
        .count();
    assert_eq!(opened, 2, "{:?}", ua.transport_log);
    let mut saw = Vec::new();
    while let Ok(s) = status.try_recv() {
        saw.push(s);
    }
    assert!(
        saw.iter()
            .any(|s| matches!(s, WsStatus::Disconnected { error: Some(_), .. })),
        "{saw:?}"
    );
    assert!(
        saw.iter().any(|s| matches!(s, WsStatus::Recovered { .. })),
        "{saw:?}"
    );
    assert!(kamailio.kamcmd(&["ul.dump"]).contains("1004"));
    ua.shutdown().await;
}

#[tokio::test]
async fn kamailio_refusing_the_sip_subprotocol_is_a_typed_error() {
    if !require_peers() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&["-A", "WS_REFUSE_SIP"]);
    let client = WsClient::new(ws_client(WS_URL).with_reconnect(ReconnectConfig::disabled()))
        .await
        .unwrap();
    assert_eq!(
        client.check().await,
        Err(WsError::SubprotocolRefused {
            status: 400,
            offered: Some("msrp".into())
        }),
        "{}",
        kamailio.log()
    );
}
