//! Two user agents of this crate on loopback, over UDP, TCP, TLS and IPv6: calls answered,
//! rejected and hung up from either side, RTP both ways, and the call-model reports.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::net::SocketAddr;
use std::time::Duration;

use tokio::time::timeout;
use yeastar_sip::driver::{
    AgentConfig, AgentEvent, AgentEvents, CallRequest, CallUpdate, MediaOptions, MediaPlan,
    TcpTransport, TlsConfig, TlsTransport, Transport, UdpTransport, UserAgent,
};
use yeastar_sip::ua::{EndReason, Remote, TransportKind};

/// Longest wait for any one step.
const STEP: Duration = Duration::from_secs(10);

async fn agent(transport: Box<dyn Transport>, ports: (u16, u16)) -> (UserAgent, AgentEvents) {
    let mut config = AgentConfig::new(vec![transport]);
    config.media = MediaPlan::with_ports(ports.0, ports.1).unwrap();
    UserAgent::start(config).unwrap()
}

async fn incoming(events: &mut AgentEvents) -> yeastar_sip::driver::IncomingSipCall {
    loop {
        match timeout(STEP, events.next()).await.unwrap().unwrap() {
            AgentEvent::Incoming(call) => return call,
            _ => continue,
        }
    }
}

async fn until_ended(call: &mut yeastar_sip::driver::SipCall) -> (Vec<CallUpdate>, CallUpdate) {
    let mut seen = Vec::new();
    loop {
        let update = timeout(STEP, call.next_update()).await.unwrap().unwrap();
        if matches!(update, CallUpdate::Ended { .. }) {
            return (seen, update);
        }
        seen.push(update);
    }
}

async fn until(call: &mut yeastar_sip::driver::SipCall, want: fn(&CallUpdate) -> bool) {
    loop {
        let update = timeout(STEP, call.next_update()).await.unwrap().unwrap();
        assert!(
            !matches!(update, CallUpdate::Ended { .. }) || want(&update),
            "ended early: {update:?}"
        );
        if want(&update) {
            return;
        }
    }
}

fn tone_frame(offset: usize) -> Vec<i16> {
    (0..160)
        .map(|i| {
            let t = (offset + i) as f64 / 8000.0;
            (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16
        })
        .collect()
}

#[tokio::test]
async fn udp_call_with_rtp_both_ways_hung_up_by_the_caller() {
    let udp_b = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b_addr = udp_b.local_addr();
    let (alice, mut alice_events) = agent(
        Box::new(
            UdpTransport::bind("127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        ),
        (31000, 31019),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(udp_b), (31020, 31039)).await;

    let request = CallRequest::direct(format!("sip:bob@{b_addr}"), Remote::udp(b_addr))
        .from("sip:alice@127.0.0.1")
        .media(MediaOptions::rtp());
    let mut outgoing = alice.call(request).await.unwrap();
    let mut ringing = incoming(&mut bob_events).await;
    assert_eq!(ringing.dialled.as_deref(), Some("bob"));
    ringing.call.ringing().await.unwrap();
    ringing.call.answer(MediaOptions::rtp()).await.unwrap();
    until(&mut outgoing, |u| {
        matches!(u, CallUpdate::MediaStarted { .. })
    })
    .await;
    until(&mut ringing.call, |u| matches!(u, CallUpdate::Confirmed)).await;

    // One second of tone each way, paced at 20 ms.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for n in 0..50 {
        tick.tick().await;
        outgoing.send_audio(tone_frame(n * 160)).unwrap();
        ringing.call.send_audio(tone_frame(n * 160)).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    outgoing.hangup().await.unwrap();
    let (_, ended) = until_ended(&mut outgoing).await;
    let CallUpdate::Ended { reason, rtp, .. } = ended else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::LocalHangup);
    let a = rtp.expect("caller RTP figures");
    let (_, ended) = until_ended(&mut ringing.call).await;
    let CallUpdate::Ended { reason, rtp, .. } = ended else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::RemoteHangup);
    let b = rtp.expect("callee RTP figures");
    assert!(a.packets_sent >= 50 && b.packets_sent >= 50, "{a:?} {b:?}");
    assert!(
        a.packets_received >= 40 && b.packets_received >= 40,
        "{a:?} {b:?}"
    );

    // The call model saw both sides: ringing, answered, ended, then the record.
    let mut names = Vec::new();
    while let Ok(Some(event)) = timeout(Duration::from_millis(200), alice_events.next()).await {
        match event {
            AgentEvent::Call(e) => names.push(e.name().to_owned()),
            AgentEvent::Completed(c) => {
                assert_eq!(c.dst.as_deref(), Some("bob"));
                names.push("completed".into());
            }
            _ => {}
        }
    }
    assert_eq!(names, ["ringing", "answered", "ended", "completed"]);
    alice.shutdown().await;
    bob.shutdown().await;
}

#[tokio::test]
async fn tcp_call_rejected_busy() {
    let tcp_b = TcpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b_addr = tcp_b.local_addr();
    let (alice, _alice_events) = agent(
        Box::new(
            TcpTransport::bind("127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        ),
        (31040, 31049),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(tcp_b), (31050, 31059)).await;
    let request = CallRequest::direct(
        format!("sip:bob@{b_addr};transport=tcp"),
        Remote::new(b_addr, TransportKind::Tcp),
    );
    let mut outgoing = alice.call(request).await.unwrap();
    let ringing = incoming(&mut bob_events).await;
    ringing.call.reject(486).await.unwrap();
    let (_, ended) = until_ended(&mut outgoing).await;
    assert!(
        matches!(
            ended,
            CallUpdate::Ended {
                reason: EndReason::Rejected,
                code: Some(486),
                rtp: None
            }
        ),
        "{ended:?}"
    );
    alice.shutdown().await;
    bob.shutdown().await;
}

fn write_test_ca(
    dir: &std::path::Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let (ca_path, cert_path, key_path) = (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    );
    std::fs::write(&ca_path, ca.pem()).unwrap();
    std::fs::write(&cert_path, leaf.pem()).unwrap();
    std::fs::write(&key_path, leaf_key.serialize_pem()).unwrap();
    (ca_path, cert_path, key_path)
}

#[tokio::test]
async fn tls_call_verified_by_a_custom_ca_hung_up_by_the_callee() {
    let dir = std::env::temp_dir().join(format!("yeastar-sip-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = write_test_ca(&dir);
    let server = TlsConfig::new().server_certificate(&cert, &key);
    let tls_b = TlsTransport::bind("127.0.0.1:0".parse().unwrap(), &server)
        .await
        .unwrap();
    let b_addr = tls_b.local_addr();
    let client = TlsConfig::new().ca_file(&ca);
    let (alice, _e) = agent(
        Box::new(
            TlsTransport::bind("127.0.0.1:0".parse().unwrap(), &client)
                .await
                .unwrap(),
        ),
        (31060, 31069),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(tls_b), (31070, 31079)).await;
    let request = CallRequest::direct(
        format!("sip:bob@{b_addr};transport=tls"),
        Remote::new(b_addr, TransportKind::Tls),
    );
    let mut outgoing = alice.call(request).await.unwrap();
    let mut ringing = incoming(&mut bob_events).await;
    ringing.call.answer(MediaOptions::default()).await.unwrap();
    until(&mut outgoing, |u| matches!(u, CallUpdate::Answered)).await;
    until(&mut ringing.call, |u| matches!(u, CallUpdate::Confirmed)).await;
    ringing.call.hangup().await.unwrap();
    let (_, ended) = until_ended(&mut outgoing).await;
    assert!(
        matches!(
            ended,
            CallUpdate::Ended {
                reason: EndReason::RemoteHangup,
                ..
            }
        ),
        "{ended:?}"
    );
    alice.shutdown().await;
    bob.shutdown().await;

    // A client trusting only the web roots refuses the test certificate: the call fails on
    // the transport.
    let tls_c = TlsTransport::bind("127.0.0.1:0".parse().unwrap(), &server)
        .await
        .unwrap();
    let c_addr = tls_c.local_addr();
    let (carol, _c) = agent(Box::new(tls_c), (31080, 31089)).await;
    let (dave, _d) = agent(
        Box::new(
            TlsTransport::bind("127.0.0.1:0".parse().unwrap(), &TlsConfig::new())
                .await
                .unwrap(),
        ),
        (31090, 31099),
    )
    .await;
    let mut refused = dave
        .call(CallRequest::direct(
            format!("sip:carol@{c_addr};transport=tls"),
            Remote::new(c_addr, TransportKind::Tls),
        ))
        .await
        .unwrap();
    let (_, ended) = until_ended(&mut refused).await;
    assert!(
        matches!(
            ended,
            CallUpdate::Ended {
                code: Some(503),
                ..
            }
        ),
        "{ended:?}"
    );
    carol.shutdown().await;
    dave.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn ipv6_udp_call_cancelled_before_answer() {
    let Ok(udp_b) = UdpTransport::bind("[::1]:0".parse().unwrap()).await else {
        eprintln!("skipped: no IPv6 loopback");
        return;
    };
    let b_addr: SocketAddr = udp_b.local_addr();
    let (alice, _e) = agent(
        Box::new(
            UdpTransport::bind("[::1]:0".parse().unwrap())
                .await
                .unwrap(),
        ),
        (31100, 31109),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(udp_b), (31110, 31119)).await;
    let mut outgoing = alice
        .call(CallRequest::direct(
            format!("sip:bob@{b_addr}"),
            Remote::udp(b_addr),
        ))
        .await
        .unwrap();
    let mut ringing = incoming(&mut bob_events).await;
    ringing.call.ringing().await.unwrap();
    until(&mut outgoing, |u| {
        matches!(u, CallUpdate::Ringing { code: 180 })
    })
    .await;
    outgoing.hangup().await.unwrap();
    let (_, ended) = until_ended(&mut outgoing).await;
    assert!(
        matches!(
            ended,
            CallUpdate::Ended {
                reason: EndReason::Cancelled,
                ..
            }
        ),
        "{ended:?}"
    );
    let (_, ended) = until_ended(&mut ringing.call).await;
    assert!(
        matches!(
            ended,
            CallUpdate::Ended {
                reason: EndReason::RemoteCancelled,
                ..
            }
        ),
        "{ended:?}"
    );
    alice.shutdown().await;
    bob.shutdown().await;
}

#[tokio::test]
async fn hold_resume_info_dtmf_and_transfer_between_agents() {
    let udp_b = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b_addr = udp_b.local_addr();
    let (alice, _a) = agent(
        Box::new(
            UdpTransport::bind("127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        ),
        (31120, 31129),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(udp_b), (31130, 31139)).await;
    let mut outgoing = alice
        .call(CallRequest::direct(
            format!("sip:bob@{b_addr}"),
            Remote::udp(b_addr),
        ))
        .await
        .unwrap();
    let mut ringing = incoming(&mut bob_events).await;
    ringing.call.answer(MediaOptions::default()).await.unwrap();
    until(&mut outgoing, |u| matches!(u, CallUpdate::Answered)).await;
    until(&mut ringing.call, |u| matches!(u, CallUpdate::Confirmed)).await;

    // Hold and resume: re-INVITEs with sendonly, then sendrecv; the peer sees both.
    outgoing.hold().await.unwrap();
    until(&mut outgoing, |u| {
        matches!(
            u,
            CallUpdate::Held {
                on_hold: true,
                by_peer: false
            }
        )
    })
    .await;
    until(&mut ringing.call, |u| {
        matches!(
            u,
            CallUpdate::Held {
                on_hold: true,
                by_peer: true
            }
        )
    })
    .await;
    outgoing.resume().await.unwrap();
    until(&mut ringing.call, |u| {
        matches!(
            u,
            CallUpdate::Held {
                on_hold: false,
                by_peer: true
            }
        )
    })
    .await;

    // Without RTP, DTMF goes as SIP INFO.
    outgoing.send_dtmf("7#").await.unwrap();
    until(&mut ringing.call, |u| {
        matches!(u, CallUpdate::Dtmf { digit: '7' })
    })
    .await;
    until(&mut ringing.call, |u| {
        matches!(u, CallUpdate::Dtmf { digit: '#' })
    })
    .await;
    assert!(outgoing.send_dtmf("x").await.is_err(), "not a DTMF digit");

    // Blind transfer: bob is asked to call carol.
    outgoing.transfer("sip:carol@127.0.0.1:5999").await.unwrap();
    until(
        &mut ringing.call,
        |u| matches!(u, CallUpdate::TransferRequested { refer_to } if refer_to.contains("carol")),
    )
    .await;
    until(&mut outgoing, |u| {
        matches!(
            u,
            CallUpdate::Transfer(yeastar_sip::ua::TransferProgress::Accepted)
        )
    })
    .await;
    outgoing.hangup().await.unwrap();
    let (_, end) = until_ended(&mut ringing.call).await;
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
    alice.shutdown().await;
    bob.shutdown().await;
}

#[tokio::test]
async fn trunk_routes_inbound_calls_by_the_dialled_number() {
    let udp_a = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let a_addr = udp_a.local_addr();
    let udp_b = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b_addr = udp_b.local_addr();
    let (carrier, _c) = agent(Box::new(udp_a), (31140, 31149)).await;
    let (pbx, mut pbx_events) = agent(Box::new(udp_b), (31150, 31159)).await;
    // The PBX's trunk towards the carrier (no registration here), owning two DIDs.
    let mut trunk_config = yeastar_sip::ua::AccountConfig::new(
        "trunk",
        "carrier.example",
        "secret",
        Remote::udp(a_addr),
    );
    trunk_config.register = false;
    let trunk = pbx
        .add_trunk(trunk_config, vec!["5551000".into(), "5551001".into()])
        .await
        .unwrap();

    let mut call = carrier
        .call(CallRequest::direct(
            format!("sip:5551001@{b_addr}"),
            Remote::udp(b_addr),
        ))
        .await
        .unwrap();
    let inbound = incoming(&mut pbx_events).await;
    assert_eq!(inbound.account, Some(trunk));
    assert!(inbound.via_trunk);
    assert_eq!(inbound.dialled.as_deref(), Some("5551001"));
    inbound.call.reject(486).await.unwrap();
    let (_, end) = until_ended(&mut call).await;
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                code: Some(486),
                ..
            }
        ),
        "{end:?}"
    );

    // An incoming call whose handle is dropped unanswered is refused with 480.
    let mut call = carrier
        .call(CallRequest::direct(
            format!("sip:5551000@{b_addr}"),
            Remote::udp(b_addr),
        ))
        .await
        .unwrap();
    drop(incoming(&mut pbx_events).await);
    let (_, end) = until_ended(&mut call).await;
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                code: Some(480),
                ..
            }
        ),
        "{end:?}"
    );

    // A number the trunk does not own is no trunk call.
    let mut call = carrier
        .call(CallRequest::direct(
            format!("sip:5559999@{b_addr}"),
            Remote::udp(b_addr),
        ))
        .await
        .unwrap();
    let stray = incoming(&mut pbx_events).await;
    assert_eq!(stray.account, None);
    assert!(!stray.via_trunk);
    stray.call.reject(404).await.unwrap();
    let (_, end) = until_ended(&mut call).await;
    assert!(
        matches!(
            end,
            CallUpdate::Ended {
                code: Some(404),
                ..
            }
        ),
        "{end:?}"
    );
    carrier.shutdown().await;
    pbx.shutdown().await;
}

#[tokio::test]
async fn received_audio_reaches_the_application_that_asked_for_it() {
    let udp_b = UdpTransport::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let b_addr = udp_b.local_addr();
    let (alice, _alice_events) = agent(
        Box::new(
            UdpTransport::bind("127.0.0.1:0".parse().unwrap())
                .await
                .unwrap(),
        ),
        (31400, 31419),
    )
    .await;
    let (bob, mut bob_events) = agent(Box::new(udp_b), (31420, 31439)).await;
    let request = CallRequest::direct(format!("sip:bob@{b_addr}"), Remote::udp(b_addr))
        .from("sip:alice@127.0.0.1")
        .media(MediaOptions::rtp());
    let mut outgoing = alice.call(request).await.unwrap();
    let mut ringing = incoming(&mut bob_events).await;
    ringing
        .call
        .answer(MediaOptions::rtp().receive_audio())
        .await
        .unwrap();
    until(&mut outgoing, |u| {
        matches!(u, CallUpdate::MediaStarted { .. })
    })
    .await;
    until(&mut ringing.call, |u| {
        matches!(u, CallUpdate::MediaStarted { .. })
    })
    .await;
    assert!(outgoing.received_audio().is_none(), "alice did not ask");
    let mut received = ringing.call.received_audio().expect("bob asked");
    assert!(ringing.call.received_audio().is_none(), "taken once");

    // Frames come every ptime, silence included: count those that carry the tone.
    let counter = tokio::spawn(async move {
        let mut loud = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, received.recv()).await {
            assert_eq!(frame.len(), 160);
            let rms = (frame.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / 160.0).sqrt();
            if rms > 3000.0 {
                loud += 1;
            }
        }
        loud
    });
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for n in 0..40 {
        tick.tick().await;
        outgoing.send_audio(tone_frame(n * 160)).unwrap();
    }
    let loud = counter.await.unwrap();
    assert!((30..=45).contains(&loud), "{loud} frames of tone");
    outgoing.hangup().await.unwrap();
    until_ended(&mut ringing.call).await;
    alice.shutdown().await;
    bob.shutdown().await;
}
