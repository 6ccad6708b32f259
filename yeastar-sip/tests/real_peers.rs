//! The user agent (feature `media`) against real third-party SIP peers on loopback:
//! Kamailio as registrar and proxy with digest over UDP, TCP and TLS (its test CA), SIPp as
//! UAS and UAC (call setup, CANCEL, BYE from either side, OPTIONS, retransmissions over a
//! lossy relay), and baresip registered at Kamailio as 1002, answering by itself, for a call
//! with audio both ways.
//!
//! The peers' files live in `tests/peers/` (see its README); each test copies what it needs
//! into a fresh run directory and stops its peers when it ends. A missing peer binary skips the
//! test with a message, unless `YEASTAR_REQUIRE_PEERS=1`, which turns it into a failure. The
//! peers listen on fixed ports of 127.0.0.2 and 127.0.0.3, so the tests take the machine-wide
//! peer lock and share one nextest test group with one thread (`.config/nextest.toml`); the
//! lock, run directories and peer processes come from `yeastar-test-peers`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::time::timeout;
use yeastar_sip::driver::{
    AgentConfig, AgentEvent, AgentEvents, CallRequest, CallUpdate, IncomingSipCall, MediaOptions,
    MediaPlan, SipCall, TcpTransport, TlsConfig, TlsTransport, Transport, UdpTransport, UserAgent,
};
use yeastar_sip::ua::{
    AccountConfig, AccountHandle, EndReason, RegistrationError, RegistrationEvent, Remote,
    TransportKind,
};
use yeastar_test_peers::{Daemon, Kamailio, Peer, PeerLock, RunDir, require_peer};

/// Kamailio and SIPp (UAS).
const ADDR_2: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
/// Our agents, baresip and SIPp (UAC).
const ADDR_3: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
/// Kamailio's SIP port (UDP and TCP) and TLS port.
const KAMAILIO_PORT: u16 = 5060;
const KAMAILIO_TLS_PORT: u16 = 5061;
/// SIPp's SIP port as UAS, and as UAC.
const SIPP_UAS_PORT: u16 = 5080;
const SIPP_UAC_PORT: u16 = 5090;
/// Our RTP ports.
const MEDIA_PORTS: (u16, u16) = (17200, 17299);
/// Longest wait for the peer lock, held by one real-peer test at a time.
const LOCK_PATIENCE: Duration = Duration::from_secs(300);
/// Longest wait for any one step (a response, an event, a peer to start or exit).
const STEP: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// Peers: yeastar-test-peers (Kamailio, baresip and SIPp started by their scripts)

// ---------------------------------------------------------------------------
// Our side

async fn transport(kind: TransportKind, ca: Option<&Path>) -> Box<dyn Transport> {
    let local = SocketAddr::new(ADDR_3.into(), 0);
    match kind {
        TransportKind::Udp => Box::new(UdpTransport::bind(local).await.unwrap()),
        TransportKind::Tcp => Box::new(TcpTransport::bind(local).await.unwrap()),
        TransportKind::Tls => {
            let mut config = TlsConfig::new();
            if let Some(ca) = ca {
                config = config.ca_file(ca);
            }
            Box::new(TlsTransport::bind(local, &config).await.unwrap())
        }
        other => panic!("no {other} transport here"),
    }
}

async fn agent(transports: Vec<Box<dyn Transport>>) -> (UserAgent, AgentEvents) {
    let mut config = AgentConfig::new(transports);
    config.media = MediaPlan::with_ports(MEDIA_PORTS.0, MEDIA_PORTS.1).unwrap();
    UserAgent::start(config).unwrap()
}

fn kamailio_account(user: &str, password: &str, kind: TransportKind) -> AccountConfig {
    let port = if kind == TransportKind::Tls {
        KAMAILIO_TLS_PORT
    } else {
        KAMAILIO_PORT
    };
    let proxy = Remote::new(SocketAddr::new(ADDR_2.into(), port), kind);
    AccountConfig::new(user, "127.0.0.2", password, proxy)
}

/// The next registration event of `account`.
async fn registration(events: &mut AgentEvents, account: AccountHandle) -> RegistrationEvent {
    loop {
        match timeout(STEP, events.next())
            .await
            .expect("a registration event")
            .unwrap()
        {
            AgentEvent::Registration {
                account: a, event, ..
            } if a == account => return event,
            _ => {}
        }
    }
}

async fn incoming(events: &mut AgentEvents) -> IncomingSipCall {
    loop {
        if let AgentEvent::Incoming(call) =
            timeout(STEP, events.next()).await.expect("a call").unwrap()
        {
            return call;
        }
    }
}

/// Updates until `want` (panics on the end of the call before it).
async fn until(call: &mut SipCall, want: fn(&CallUpdate) -> bool) {
    loop {
        let update = timeout(STEP, call.next_update())
            .await
            .expect("an update")
            .unwrap();
        if want(&update) {
            return;
        }
        assert!(
            !matches!(update, CallUpdate::Ended { .. }),
            "ended early: {update:?}"
        );
    }
}

async fn ended(call: &mut SipCall) -> CallUpdate {
    loop {
        let update = timeout(STEP, call.next_update())
            .await
            .expect("the end")
            .unwrap();
        if matches!(update, CallUpdate::Ended { .. }) {
            return update;
        }
    }
}

fn tone(hz: f64, offset: usize, amplitude: f64) -> Vec<i16> {
    (0..160)
        .map(|i| {
            let t = (offset + i) as f64 / 8000.0;
            (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Kamailio: registration with digest over UDP, TCP and TLS

#[tokio::test]
async fn kamailio_registers_over_udp_tcp_and_tls_with_digest() {
    let Some(_) = require_peer("kamailio") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&[]);
    let ca = kamailio.ca();
    for kind in [TransportKind::Udp, TransportKind::Tcp, TransportKind::Tls] {
        let (ua, mut events) = agent(vec![transport(kind, Some(&ca)).await]).await;
        let account = ua
            .register(kamailio_account("1001", "1001pass", kind))
            .await
            .unwrap();
        let event = registration(&mut events, account).await;
        assert!(
            matches!(event, RegistrationEvent::Registered { .. }),
            "{kind}: {event:?}\n{}",
            kamailio.log()
        );
        // Kamailio holds the binding, with our transport in the Contact.
        ua.unregister(account).await.unwrap();
        let event = registration(&mut events, account).await;
        assert_eq!(event, RegistrationEvent::Unregistered, "{kind}");
        ua.shutdown().await;
    }
}

#[tokio::test]
async fn kamailio_wrong_password_is_a_typed_error() {
    let Some(_) = require_peer("kamailio") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let _kamailio = Kamailio::start(&[]);
    let (ua, mut events) = agent(vec![transport(TransportKind::Udp, None).await]).await;
    let account = ua
        .register(kamailio_account(
            "1001",
            "not-the-password",
            TransportKind::Udp,
        ))
        .await
        .unwrap();
    let event = registration(&mut events, account).await;
    assert_eq!(
        event,
        RegistrationEvent::Failed(RegistrationError::AuthRejected { status: 401 })
    );
    ua.shutdown().await;
}

// ---------------------------------------------------------------------------
// Kamailio + baresip: a call with audio both ways

/// One channel of a WAV file and its rate.
fn read_channel(path: &Path, channel: usize) -> (Vec<i16>, u32) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let samples: Vec<i16> = reader
        .samples::<i16>()
        .map(Result::unwrap)
        .skip(channel)
        .step_by(channels)
        .collect();
    (samples, spec.sample_rate)
}

/// Share of a block's energy at `hz` (Goertzel).
fn tone_share(block: &[i16], hz: f64, rate: u32) -> f64 {
    let n = block.len() as f64;
    let coeff = 2.0 * (2.0 * std::f64::consts::PI * hz / f64::from(rate)).cos();
    let (mut s1, mut s2, mut energy) = (0.0f64, 0.0f64, 0.0f64);
    for &x in block {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    if energy == 0.0 {
        0.0
    } else {
        2.0 * power / (n * energy)
    }
}

/// Non-silent time of a recording and the mean share of its energy at `hz`.
fn tone_report(samples: &[i16], rate: u32, hz: f64) -> (Duration, f64) {
    let block = (rate / 50) as usize;
    let (mut active, mut share) = (0usize, 0.0);
    for chunk in samples.chunks_exact(block) {
        let energy: f64 = chunk.iter().map(|&x| f64::from(x).powi(2)).sum();
        if (energy / block as f64).sqrt() < 300.0 {
            continue;
        }
        active += 1;
        share += tone_share(chunk, hz, rate);
    }
    (
        Duration::from_millis(active as u64 * 20),
        share / active.max(1) as f64,
    )
}

#[tokio::test]
async fn call_through_kamailio_to_baresip_with_audio_both_ways() {
    let (Some(_), Some(_)) = (require_peer("kamailio"), require_peer("baresip")) else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("baresip");
    let kamailio = Kamailio::start(&[]);
    let bs_dir = run.path().join("baresip");
    let baresip = Daemon::start(
        "baresip",
        "baresip/start-registered.sh",
        &[bs_dir.to_str().unwrap(), "1002", "1002pass"],
        &bs_dir,
        "baresip.log",
    );
    let (ua, mut events) = agent(vec![transport(TransportKind::Udp, None).await]).await;
    let account = ua
        .register(kamailio_account("1001", "1001pass", TransportKind::Udp))
        .await
        .unwrap();
    assert!(matches!(
        registration(&mut events, account).await,
        RegistrationEvent::Registered { .. }
    ));
    let rec = run.path().join("ours");
    std::fs::create_dir_all(&rec).unwrap();
    let mut call = ua
        .call(
            CallRequest::new(account, "sip:1002@127.0.0.2").media(MediaOptions::rtp().record(&rec)),
        )
        .await
        .unwrap();
    // Through the proxy: 407, the INVITE again with credentials, then baresip answers.
    until(&mut call, |u| matches!(u, CallUpdate::MediaStarted { .. })).await;
    // Two seconds of a 500 Hz tone to baresip, which sends its 1 kHz sine.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for n in 0..100 {
        tick.tick().await;
        call.send_audio(tone(500.0, n * 160, 8000.0)).unwrap();
    }
    call.hangup().await.unwrap();
    let CallUpdate::Ended { reason, rtp, .. } = ended(&mut call).await else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::LocalHangup);
    let rtp = rtp.expect("RTP figures");
    assert!(rtp.packets_sent >= 90, "{rtp:?}");
    assert!(rtp.packets_received >= 80, "{rtp:?}\n{}", kamailio.log());

    // What we recorded of baresip (the callee's channel): its 1 kHz sine.
    let ours = std::fs::read_dir(&rec)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let (callee, rate) = read_channel(&ours, 1);
    let (active, share) = tone_report(&callee, rate, 1000.0);
    assert!(
        active >= Duration::from_millis(1200),
        "{active:?} of baresip's tone"
    );
    assert!(share > 0.8, "1 kHz share {share:.2} of what we received");
    // What baresip decoded from us: our 500 Hz tone. It closes the file when the call ends.
    let mut dec = None;
    for _ in 0..50 {
        dec = std::fs::read_dir(bs_dir.join("rec"))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"));
        if dec.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(baresip); // flushes and closes its recordings
    let dec = dec.unwrap_or_else(|| panic!("no -dec.wav from baresip"));
    let (theirs, rate) = read_channel(&dec, 0);
    let (active, share) = tone_report(&theirs, rate, 500.0);
    assert!(
        active >= Duration::from_millis(1200),
        "{active:?} of our tone at baresip"
    );
    assert!(
        share > 0.8,
        "500 Hz share {share:.2} of what baresip received"
    );
    ua.shutdown().await;
}

// ---------------------------------------------------------------------------
// SIPp

fn start_sipp(sipp: &Path, run: &RunDir, args: &[&str]) -> Peer {
    let mut command = Command::new(sipp);
    command.current_dir(run.path()).args(args).args([
        "-m",
        "1",
        "-nostdin",
        "-timeout",
        "15",
        "-timeout_error",
    ]);
    Peer::spawn("sipp", command, run.path())
}

/// SIPp as UAS on 127.0.0.2:5080 (UDP) with RTP on 16000.
fn sipp_uas(sipp: &Path, run: &RunDir, scenario: &str) -> Peer {
    run.copy(&format!("sipp/{scenario}"));
    let port = SIPP_UAS_PORT.to_string();
    start_sipp(
        sipp,
        run,
        &[
            "-sf",
            scenario,
            "-i",
            "127.0.0.2",
            "-p",
            &port,
            "-mi",
            "127.0.0.2",
            "-mp",
            "16000",
        ],
    )
}

async fn sipp_exits_cleanly(peer: &mut Peer) {
    let status = peer.wait_exit(Duration::from_secs(20)).await;
    assert!(status.success(), "sipp: {status}\n{}", peer.log_tail());
}

async fn udp_agent() -> (UserAgent, AgentEvents) {
    agent(vec![transport(TransportKind::Udp, None).await]).await
}

fn sipp_uas_remote() -> Remote {
    Remote::udp(SocketAddr::new(ADDR_2.into(), SIPP_UAS_PORT))
}

/// Waits until something listens on SIPp's UDP port (it binds within milliseconds).
async fn sipp_ready() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn sipp_answers_and_we_hang_up() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-bye-ours");
    run.copy("sipp/dtmf_159star0pound.pcap");
    let mut peer = sipp_uas(&sipp, &run, "uas_invite_dtmf.xml");
    sipp_ready().await;
    let (ua, _events) = udp_agent().await;
    let mut call = ua
        .call(
            CallRequest::direct("sip:service@127.0.0.2:5080", sipp_uas_remote())
                .media(MediaOptions::rtp()),
        )
        .await
        .unwrap();
    until(&mut call, |u| {
        matches!(u, CallUpdate::Ringing { code: 180 })
    })
    .await;
    until(&mut call, |u| matches!(u, CallUpdate::Answered)).await;
    // SIPp plays RFC 4733 digits 1 5 9 * 0 #: the first arrives as an update.
    until(&mut call, |u| matches!(u, CallUpdate::Dtmf { digit: '1' })).await;
    call.hangup().await.unwrap();
    let end = ended(&mut call).await;
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                reason: EndReason::LocalHangup,
                code: Some(200),
                ..
            }
        ),
        "{end:?}"
    );
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

#[tokio::test]
async fn sipp_answers_and_hangs_up() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-bye-theirs");
    run.copy("sipp/tone_1k_2s.ulaw");
    let mut peer = sipp_uas(&sipp, &run, "uas_invite_rtp.xml");
    sipp_ready().await;
    let (ua, _events) = udp_agent().await;
    let mut call = ua
        .call(
            CallRequest::direct("sip:service@127.0.0.2:5080", sipp_uas_remote())
                .media(MediaOptions::rtp()),
        )
        .await
        .unwrap();
    let end = ended(&mut call).await;
    let CallUpdate::Ended { reason, rtp, .. } = end else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::RemoteHangup);
    // SIPp streamed 2 s of tone (100 packets).
    let rtp = rtp.unwrap();
    assert!(rtp.packets_received >= 90, "{rtp:?}");
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

#[tokio::test]
async fn sipp_ringing_call_is_cancelled() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-cancel");
    let mut peer = sipp_uas(&sipp, &run, "uas_cancel.xml");
    sipp_ready().await;
    let (ua, _events) = udp_agent().await;
    let mut call = ua
        .call(CallRequest::direct(
            "sip:service@127.0.0.2:5080",
            sipp_uas_remote(),
        ))
        .await
        .unwrap();
    until(&mut call, |u| {
        matches!(u, CallUpdate::Ringing { code: 180 })
    })
    .await;
    call.hangup().await.unwrap();
    let end = ended(&mut call).await;
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                reason: EndReason::Cancelled,
                code: Some(487),
                ..
            }
        ),
        "{end:?}"
    );
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

/// SIPp's UAC towards `target` from 127.0.0.3:5090, RTP from 17000.
fn sipp_uac(sipp: &Path, run: &RunDir, scenario: &str, target: SocketAddr, extra: &[&str]) -> Peer {
    run.copy(&format!("sipp/{scenario}"));
    let target = target.to_string();
    let port = SIPP_UAC_PORT.to_string();
    let mut args = vec![
        target.as_str(),
        "-sf",
        scenario,
        "-i",
        "127.0.0.3",
        "-p",
        &port,
        "-mi",
        "127.0.0.3",
        "-mp",
        "17000",
    ];
    args.extend_from_slice(extra);
    start_sipp(sipp, run, &args)
}

#[tokio::test]
async fn sipp_calls_we_answer_and_hang_up() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-uac");
    run.copy("sipp/tone_1k_2s.ulaw");
    let udp = UdpTransport::bind(SocketAddr::new(ADDR_3.into(), 0))
        .await
        .unwrap();
    let ours = udp.local_addr();
    let (ua, mut events) = agent(vec![Box::new(udp)]).await;
    let mut peer = sipp_uac(
        &sipp,
        &run,
        "uac_invite.xml",
        ours,
        &["-s", "1001", "-set", "from", "2000"],
    );
    let mut ringing = incoming(&mut events).await;
    assert_eq!(ringing.dialled.as_deref(), Some("1001"));
    ringing.call.answer(MediaOptions::rtp()).await.unwrap();
    until(&mut ringing.call, |u| matches!(u, CallUpdate::Confirmed)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    ringing.call.hangup().await.unwrap();
    let CallUpdate::Ended { reason, rtp, .. } = ended(&mut ringing.call).await else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::LocalHangup);
    assert!(rtp.unwrap().packets_received >= 30, "{rtp:?}");
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

#[tokio::test]
async fn sipp_options_answered() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-options");
    let udp = UdpTransport::bind(SocketAddr::new(ADDR_3.into(), 0))
        .await
        .unwrap();
    let ours = udp.local_addr();
    let (ua, _events) = agent(vec![Box::new(udp)]).await;
    let mut peer = sipp_uac(&sipp, &run, "uac_options.xml", ours, &["-s", "ping"]);
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

/// A UDP relay between our agent and SIPp that drops the first datagram matching a rule in
/// each direction and delays every other one: a lossy, slow network for retransmissions.
struct Relay {
    addr: SocketAddr,
    dropped: Arc<AtomicUsize>,
    seen: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// Listens on 127.0.0.3 for our agent, forwards to `peer`; drops the first datagram that
    /// starts with `drop_first` (from either side) and counts those that do.
    async fn start(peer: SocketAddr, drop_first: &'static str, delay: Duration) -> Relay {
        let ours = Arc::new(UdpSocket::bind((ADDR_3, 0)).await.unwrap());
        let theirs = Arc::new(UdpSocket::bind((ADDR_3, 0)).await.unwrap());
        let addr = ours.local_addr().unwrap();
        let dropped = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(AtomicUsize::new(0));
        let (d, s) = (dropped.clone(), seen.clone());
        let task = tokio::spawn(async move {
            let mut agent: Option<SocketAddr> = None;
            let (mut a, mut b) = (vec![0u8; 65_535], vec![0u8; 65_535]);
            loop {
                let (bytes, to, via) = tokio::select! {
                    Ok((n, from)) = ours.recv_from(&mut a) => {
                        agent = Some(from);
                        (a[..n].to_vec(), peer, theirs.clone())
                    }
                    Ok((n, _)) = theirs.recv_from(&mut b) => {
                        let Some(agent) = agent else { continue };
                        (b[..n].to_vec(), agent, ours.clone())
                    }
                };
                if bytes.starts_with(drop_first.as_bytes()) && s.fetch_add(1, Ordering::SeqCst) == 0
                {
                    d.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = via.send_to(&bytes, to).await;
                });
            }
        });
        Relay {
            addr,
            dropped,
            seen,
            task,
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn udp_invite_retransmitted_after_a_loss() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-retransmit-invite");
    run.copy("sipp/dtmf_159star0pound.pcap");
    let mut peer = sipp_uas(&sipp, &run, "uas_invite_dtmf.xml");
    sipp_ready().await;
    let relay = Relay::start(
        SocketAddr::new(ADDR_2.into(), SIPP_UAS_PORT),
        "INVITE ",
        Duration::from_millis(30),
    )
    .await;
    let (ua, _events) = udp_agent().await;
    let started = Instant::now();
    let mut call = ua
        .call(CallRequest::direct(
            "sip:service@127.0.0.2:5080",
            Remote::udp(relay.addr),
        ))
        .await
        .unwrap();
    until(&mut call, |u| matches!(u, CallUpdate::Answered)).await;
    // Timer A: the INVITE went again after T1 (500 ms).
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(relay.dropped.load(Ordering::SeqCst), 1);
    assert!(relay.seen.load(Ordering::SeqCst) >= 2);
    call.hangup().await.unwrap();
    assert!(matches!(
        ended(&mut call).await,
        CallUpdate::Ended {
            reason: EndReason::LocalHangup,
            ..
        }
    ));
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}

#[tokio::test]
async fn udp_200_retransmitted_until_acked() {
    let Some(sipp) = require_peer("sipp") else {
        return;
    };
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let run = RunDir::new("sipp-retransmit-200");
    run.copy("sipp/tone_1k_2s.ulaw");
    let udp = UdpTransport::bind(SocketAddr::new(ADDR_3.into(), 0))
        .await
        .unwrap();
    let ours = udp.local_addr();
    let (ua, mut events) = agent(vec![Box::new(udp)]).await;
    // SIPp reaches us through the relay, which loses our first 200 OK and delays the rest.
    let relay = Relay::start(ours, "SIP/2.0 200", Duration::from_millis(50)).await;
    let mut peer = sipp_uac(
        &sipp,
        &run,
        "uac_invite.xml",
        relay.addr,
        &["-s", "1001", "-set", "from", "2000"],
    );
    let mut ringing = incoming(&mut events).await;
    ringing.call.answer(MediaOptions::default()).await.unwrap();
    // Timer G: the 200 goes again until the ACK comes.
    until(&mut ringing.call, |u| matches!(u, CallUpdate::Confirmed)).await;
    assert_eq!(relay.dropped.load(Ordering::SeqCst), 1);
    assert!(relay.seen.load(Ordering::SeqCst) >= 2);
    // SIPp hangs up after 4 s of talk.
    let end = timeout(Duration::from_secs(10), ended(&mut ringing.call))
        .await
        .unwrap();
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                reason: EndReason::RemoteHangup,
                ..
            }
        ),
        "{end:?}"
    );
    sipp_exits_cleanly(&mut peer).await;
    ua.shutdown().await;
}
