//! The doctor against the embedded PBX simulator: reachable, unreachable and misconfigured
//! (wrong secret, an address the user's permit/deny refuses, missing write classes), a
//! WebSocket URL whose path is wrong, and a busy RTP port. Everything on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

mod support;

use std::time::Duration;

use support::config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use yeastar_ami::sim::{PbxSimulator, SimConfig};
use yeastar_core::config::PbxConfig;
use yeastar_core::diagnose::{self, Options, Outcome, Report};

fn ami(port: u16, user: &str, secret: &str) -> PbxConfig {
    config(&[
        ("YEASTAR_HOST", "127.0.0.1".into()),
        ("YEASTAR_PORT", port.to_string()),
        ("YEASTAR_USERNAME", user.into()),
        ("YEASTAR_PASSWORD", secret.into()),
    ])
}

fn options() -> Options {
    Options::default().with_step_timeout(Duration::from_secs(3))
}

fn outcome<'a>(report: &'a Report, id: &str) -> &'a Outcome {
    &report
        .check(id)
        .unwrap_or_else(|| panic!("no check {id}: {report}"))
        .outcome
}

fn fails(report: &Report, id: &str) -> (String, String) {
    match outcome(report, id) {
        Outcome::Fail { reason, fix } => (reason.clone(), fix.clone()),
        other => panic!("{id} did not fail: {other:?}\n{report}"),
    }
}

fn passes(report: &Report, id: &str) {
    assert!(
        matches!(outcome(report, id), Outcome::Pass { .. }),
        "{id} did not pass:\n{report}"
    );
}

fn skipped(report: &Report, id: &str) {
    assert!(
        matches!(outcome(report, id), Outcome::Skipped { .. }),
        "{id} not skipped:\n{report}"
    );
}

fn quick(config: SimConfig) -> SimConfig {
    config.with_auth_failure_delay(Duration::from_millis(50))
}

#[tokio::test]
async fn a_reachable_pbx_passes_every_ami_check() {
    for sim_config in [SimConfig::modern(), SimConfig::legacy()] {
        let sim = PbxSimulator::start(sim_config).await.unwrap();
        let report = diagnose::run_with(
            &ami(sim.addr().port(), "ami_user", "ami_password"),
            &options(),
        )
        .await;
        assert!(report.passed(), "{report}");
        for id in [
            "ami_port",
            "ami_banner",
            "ami_login",
            "ami_read",
            "ami_write",
            "ami_originate",
        ] {
            passes(&report, id);
        }
        skipped(&report, "ami_tls");
        let Outcome::Pass { detail } = outcome(&report, "ami_banner") else {
            unreachable!()
        };
        assert!(detail.starts_with("Asterisk Call Manager/"), "{detail}");
        // Nothing was dialled, and the session logged off.
        assert_eq!(sim.call_count(), 0);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["passed"], true);
        assert_eq!(json["checks"][0]["id"], "ami_port");
        sim.shutdown().await;
    }
}

/// `Pbx::diagnose` runs the same checklist with the facade's own configuration while the
/// AMI mode stays connected beside it.
#[tokio::test]
async fn the_facade_diagnoses_its_own_configuration() {
    let sim = PbxSimulator::start(SimConfig::legacy()).await.unwrap();
    let pbx = yeastar_core::Pbx::connect(ami(sim.addr().port(), "ami_user", "ami_password"))
        .await
        .unwrap();
    let report = pbx.diagnose().await;
    assert!(report.passed(), "{report}");
    for id in [
        "ami_port",
        "ami_banner",
        "ami_login",
        "ami_read",
        "ami_write",
    ] {
        passes(&report, id);
    }
    skipped(&report, "sip_options");
    assert!(pbx.status().connected, "the running mode was disturbed");
    pbx.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_pbx_says_the_manager_is_off() {
    // A port nobody listens on: what a PBX with the manager disabled looks like.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let report = diagnose::run_with(&ami(port, "ami_user", "ami_password"), &options()).await;
    assert!(!report.passed());
    let (reason, fix) = fails(&report, "ami_port");
    assert!(reason.contains("refused"), "{reason}");
    assert!(fix.contains("enabled = yes"), "{fix}");
    for id in ["ami_banner", "ami_login", "ami_read", "ami_write"] {
        skipped(&report, id);
    }
    assert_eq!(report.failures().count(), 1, "{report}");
}

#[tokio::test]
async fn wrong_credentials_and_a_denied_address_fail_the_login_with_both_fixes() {
    let sim = PbxSimulator::start(quick(SimConfig::modern()))
        .await
        .unwrap();
    let report = diagnose::run_with(&ami(sim.addr().port(), "ami_user", "wrong"), &options()).await;
    passes(&report, "ami_banner");
    let (reason, fix) = fails(&report, "ami_login");
    assert!(reason.contains("Authentication failed"), "{reason}");
    assert!(
        fix.contains("YEASTAR_PASSWORD") && fix.contains("permit="),
        "{fix}"
    );
    skipped(&report, "ami_read");
    sim.shutdown().await;

    let denied = quick(SimConfig::modern()).with_denied_address("127.0.0.1".parse().unwrap());
    let sim = PbxSimulator::start(denied).await.unwrap();
    let report = diagnose::run_with(
        &ami(sim.addr().port(), "ami_user", "ami_password"),
        &options(),
    )
    .await;
    let (_, fix) = fails(&report, "ami_login");
    assert!(
        fix.contains("permit= lines include 127.0.0.1"),
        "the fix names the address the PBX sees: {fix}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn missing_write_classes_fail_their_checks_only() {
    let sim = PbxSimulator::start(SimConfig::modern().with_write_classes(&["reporting"]))
        .await
        .unwrap();
    let report = diagnose::run_with(
        &ami(sim.addr().port(), "ami_user", "ami_password"),
        &options(),
    )
    .await;
    passes(&report, "ami_login");
    passes(&report, "ami_read");
    let (reason, fix) = fails(&report, "ami_write");
    assert!(reason.contains("Permission denied"), "{reason}");
    assert!(fix.contains("add call"), "{fix}");
    let (_, fix) = fails(&report, "ami_originate");
    assert!(fix.contains("add originate"), "{fix}");
    assert_eq!(report.failures().count(), 2, "{report}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_port_that_is_not_ami_fails_the_banner() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        tcp.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await.unwrap();
        let mut sink = [0u8; 64];
        let _ = tcp.read(&mut sink).await;
    });
    let report = diagnose::run_with(&ami(port, "u", "p"), &options()).await;
    passes(&report, "ami_port");
    let (reason, _) = fails(&report, "ami_banner");
    assert!(reason.contains("SSH-2.0"), "{reason}");
    skipped(&report, "ami_login");
    server.abort();
}

#[tokio::test]
async fn a_wrong_websocket_path_fails_the_upgrade() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let mut request = [0u8; 2048];
            let _ = tcp.read(&mut request).await;
            let _ = tcp
                .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let report = diagnose::run_with(
        &config(&[
            ("SIP_WEBSOCKET_URL", format!("ws://127.0.0.1:{port}/wrong")),
            ("SIP_USERS", "1004:p:1004:Desk".into()),
        ]),
        &options(),
    )
    .await;
    passes(&report, "ws_connect");
    skipped(&report, "ws_tls");
    let (reason, fix) = fails(&report, "ws_upgrade");
    assert!(reason.contains("404"), "{reason}");
    assert!(fix.contains("/ws"), "{fix}");
    skipped(&report, "ws_subprotocol");
    skipped(&report, "sip_register");
    skipped(&report, "rtp_ports");
    server.abort();
}

#[tokio::test]
async fn a_busy_rtp_port_and_a_silent_sip_server_fail() {
    let busy = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    // A UDP port that takes datagrams and never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let report = diagnose::run_with(
        &config(&[
            ("SIP_SERVER", "127.0.0.1".into()),
            ("SIP_PORT", silent.local_addr().unwrap().port().to_string()),
            ("SIP_USERS", "1001:p:1001:Desk".into()),
            ("RTP_PORT_MIN", port.saturating_sub(2).to_string()),
            ("RTP_PORT_MAX", port.saturating_add(2).to_string()),
        ]),
        &Options::default()
            .with_step_timeout(Duration::from_millis(500))
            .with_local_ip("127.0.0.1".parse().unwrap()),
    )
    .await;
    let (reason, fix) = fails(&report, "sip_options");
    assert!(reason.contains("no answer"), "{reason}");
    assert!(fix.contains("SIP_PORT"), "{fix}");
    skipped(&report, "sip_register");
    let (reason, _) = fails(&report, "rtp_ports");
    assert!(reason.contains(&port.to_string()), "{reason}");
    assert!(reason.starts_with("1 of 5 ports"), "{reason}");
    drop((busy, silent));
}
