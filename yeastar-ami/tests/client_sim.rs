//! The tokio driver against the embedded PBX simulator over real sockets: login in both
//! dialects, TLS, a refused login, a PBX that is down at start, an action cut by a drop, a slow
//! consumer. The protocol logic itself is tested without sockets in `monitor_pair.rs`.
#![cfg(all(feature = "client", feature = "sim"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;

use yeastar_ami::Action;
use yeastar_ami::client::{AmiClient, ClientConfig, ClientError, TlsOptions};
use yeastar_ami::monitor::{AmiEvent as ClientEvent, LinkError};
use yeastar_ami::session::{ActionError, AuthMethod};
use yeastar_ami::sim::{CallScript, PbxSimulator, SimConfig};

const LIMIT: Duration = Duration::from_secs(20);

fn client_config(sim: &PbxSimulator) -> ClientConfig {
    let mut c = ClientConfig::new("127.0.0.1", "ami_user", "ami_password");
    c.port = sim.addr().port();
    c.reconnect_mut().initial = Duration::from_millis(50);
    c.reconnect_mut().max = Duration::from_millis(400);
    c
}

async fn next_matching(
    client: &AmiClient,
    mut pred: impl FnMut(&ClientEvent) -> bool,
) -> ClientEvent {
    tokio::time::timeout(LIMIT, async {
        loop {
            let e = client.next_event().await.expect("client closed");
            if pred(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event did not arrive in time")
}

#[tokio::test]
async fn login_actions_and_command_output_in_both_dialects() {
    for (config, legacy) in [(SimConfig::modern(), false), (SimConfig::legacy(), true)] {
        let sim = PbxSimulator::start(config).await.unwrap();
        for auth in [AuthMethod::Md5, AuthMethod::Plain] {
            let mut cfg = client_config(&sim);
            cfg.session_mut().auth = auth;
            let client = AmiClient::connect(cfg).await.unwrap();
            let connected =
                next_matching(&client, |e| matches!(e, ClientEvent::Connected { .. })).await;
            let ClientEvent::Connected {
                legacy: l,
                reconnected,
                ..
            } = connected
            else {
                unreachable!()
            };
            assert_eq!((l, reconnected), (legacy, false));
            let pong = client.send(Action::new("Ping")).await.unwrap();
            assert_eq!(pong.response.message().response(), Some("Success"));
            let output = client
                .send(Action::new("Command").field("Command", "core show version"))
                .await
                .unwrap()
                .command_output();
            assert!(output[0].starts_with("Asterisk"), "{output:?}");
            let peers = if legacy {
                "SIPpeers"
            } else {
                "PJSIPShowEndpoints"
            };
            let list = client.send(Action::new(peers)).await.unwrap();
            assert_eq!(list.items.len(), 3, "{peers}");
            assert!(list.complete.is_some());
            let missing = client
                .send(Action::new("Hangup").field("Channel", "PJSIP/none-0001"))
                .await;
            assert!(
                matches!(
                    missing,
                    Err(ClientError::Action(ActionError::Refused { .. }))
                ),
                "{missing:?}"
            );
            client.close().await;
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn wrong_secret_is_auth_failed_without_retry() {
    let sim =
        PbxSimulator::start(SimConfig::modern().with_auth_failure_delay(Duration::from_millis(10)))
            .await
            .unwrap();
    let mut cfg = client_config(&sim);
    cfg.session_mut().secret = yeastar_ami::actions::Secret::new("wrong");
    let err = tokio::time::timeout(LIMIT, AmiClient::connect(cfg))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::Link {
                error: LinkError::LoginRefused(_),
                ..
            }
        ),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sim.connection_count(), 0, "no reconnect storm");
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_consumer_gets_lagged_and_the_reader_keeps_going() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let mut cfg = client_config(&sim);
    cfg.event_queue = 4;
    let client = AmiClient::connect(cfg).await.unwrap();
    for _ in 0..3 {
        sim.play(CallScript::answered(
            "1001",
            "1002",
            Duration::from_millis(1),
            Duration::from_millis(1),
        ))
        .unwrap();
    }
    // Do not read events; actions still complete because the reader never waits for us.
    tokio::time::sleep(Duration::from_millis(500)).await;
    client.send(Action::new("Ping")).await.unwrap();
    let stats = client.stats();
    assert!(stats.events_lagged > 0, "{stats:?}");
    let first = client.try_next_event().unwrap();
    let ClientEvent::Lagged { missed } = first else {
        panic!("{first:?}")
    };
    assert_eq!(missed, stats.events_lagged);
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn action_in_flight_during_a_drop_says_it_was_sent() {
    let sim = PbxSimulator::start(SimConfig::modern().with_answer_delay(Duration::from_secs(30)))
        .await
        .unwrap();
    let client = AmiClient::connect(client_config(&sim)).await.unwrap();
    // A synchronous Originate answers only once the phone picks up: 30 s from now.
    let pending = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_with_timeout(
                    Action::new("Originate")
                        .field("Channel", "PJSIP/1001")
                        .field("Exten", "1002")
                        .field("Context", "from-internal")
                        .field("Priority", "1"),
                    Duration::from_secs(60),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.drop_all_connections();
    let result = tokio::time::timeout(LIMIT, pending).await.unwrap().unwrap();
    assert!(
        matches!(
            result,
            Err(ClientError::Action(ActionError::Disconnected {
                sent: true
            }))
        ),
        "{result:?}"
    );
    client.close().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn tls_with_a_private_ca() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls_pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = SimConfig::modern()
        .with_tls(vec![leaf.der().clone()], key)
        .unwrap();
    let sim = PbxSimulator::start(config).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let mut cfg = client_config(&sim);
    let mut tls = TlsOptions::new().with_ca_file(ca_file);
    tls.server_name = Some("localhost".into());
    cfg.tls = Some(tls);
    let client = AmiClient::connect(cfg).await.unwrap();
    client.send(Action::new("Ping")).await.unwrap();
    client.close().await;

    // Without the CA the certificate is refused: verification is on by default.
    let mut untrusted = client_config(&sim);
    let mut tls = TlsOptions::new();
    tls.server_name = Some("localhost".into());
    untrusted.tls = Some(tls);
    assert!(matches!(
        AmiClient::connect(untrusted).await,
        Err(ClientError::Link {
            error: LinkError::Connect(_),
            ..
        })
    ));
    sim.shutdown().await;
}

#[tokio::test]
async fn started_before_the_pbx_it_keeps_trying_until_it_is_up() {
    // Take a free port, then leave it closed: the PBX is "down".
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut cfg = ClientConfig::new("127.0.0.1", "ami_user", "ami_password");
    cfg.port = port;
    cfg.reconnect_mut().initial = Duration::from_millis(20);
    cfg.reconnect_mut().max = Duration::from_millis(100);
    let client = AmiClient::start(cfg).unwrap();
    let failed = next_matching(&client, |e| matches!(e, ClientEvent::ConnectFailed { .. })).await;
    let ClientEvent::ConnectFailed {
        error, retry_in, ..
    } = failed
    else {
        unreachable!()
    };
    assert!(matches!(error, LinkError::Connect(_)), "{error:?}");
    assert!(retry_in.is_some());
    let status = client.status();
    assert!(!status.connected);
    assert!(matches!(status.last_error, Some(LinkError::Connect(_))));
    // The PBX comes up on that port: the client logs in by itself.
    let sim = PbxSimulator::start_on(SimConfig::modern(), ("127.0.0.1", port))
        .await
        .unwrap();
    let _ = next_matching(&client, |e| matches!(e, ClientEvent::Connected { .. })).await;
    assert!(client.status().connected);
    client.send(Action::new("Ping")).await.unwrap();
    client.close().await;
    sim.shutdown().await;
}
