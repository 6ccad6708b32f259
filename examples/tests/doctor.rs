//! `yeastar-doctor` as a user runs it: the binary with its environment, its exit code, its text
//! and its `--json` document. AMI against the embedded simulator on 127.0.0.1; SIP (UDP, TCP,
//! WebSocket, WebSocket over TLS) against the test Kamailio on 127.0.0.2. The checks' own
//! corner cases are yeastar-core's tests/diagnose.rs; here the binary is tested end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;
use yeastar_ami::sim::{PbxSimulator, SimConfig};
use yeastar_core::config::VARIABLES;
use yeastar_test_peers::{Kamailio, PeerLock, kamailio_websocket_module, require_peer, skip};

/// Longest run of the binary; every step has a 3 s limit.
const RUN_LIMIT: Duration = Duration::from_secs(60);
const LOCK_PATIENCE: Duration = Duration::from_secs(300);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{}", self.stdout))
    }
}

/// Runs the doctor with exactly `vars` of the configuration set.
async fn doctor(vars: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yeastar-doctor"));
    for name in VARIABLES.iter().chain(&["SIP_LOCAL_ADDR", "SETTINGS_FILE"]) {
        command.env_remove(name);
    }
    command
        .envs(vars.iter().copied())
        .args(["--timeout", "3"])
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(RUN_LIMIT, command.output())
        .await
        .expect("the doctor finished in time")
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn check<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {doc:#}"))
}

fn assert_outcome(doc: &Value, id: &str, outcome: &str) {
    assert_eq!(check(doc, id)["outcome"], outcome, "{id}: {doc:#}");
}

/// A UDP range of `count` ports nobody holds right now, for the RTP check.
fn free_rtp_range(count: u16) -> (String, String) {
    for _ in 0..50 {
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let first = probe.local_addr().unwrap().port();
        drop(probe);
        if first > 65535 - count {
            continue;
        }
        let all_free =
            (first..first + count).all(|p| std::net::UdpSocket::bind(("0.0.0.0", p)).is_ok());
        if all_free {
            return (first.to_string(), (first + count - 1).to_string());
        }
    }
    panic!("no free UDP range of {count} ports");
}

#[tokio::test]
async fn a_reachable_simulator_passes_every_ami_check_in_text_and_json() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let port = sim.addr().port().to_string();
    let vars = [
        ("YEASTAR_HOST", "127.0.0.1"),
        ("YEASTAR_PORT", port.as_str()),
        ("YEASTAR_USERNAME", "ami_user"),
        ("YEASTAR_PASSWORD", "ami_password"),
    ];

    let text = doctor(&vars, &[]).await;
    assert_eq!(text.code, 0, "{}{}", text.stdout, text.stderr);
    for line in [
        "PASS  AMI port reachable",
        "PASS  AMI banner: Asterisk Call Manager/",
        "PASS  AMI login: logged in as ami_user",
        "PASS  AMI query permission",
        "PASS  AMI call control permission",
    ] {
        assert!(text.stdout.contains(line), "{line:?} in:\n{}", text.stdout);
    }
    assert!(!text.stdout.contains("FAIL"), "{}", text.stdout);

    let json = doctor(&vars, &["--json"]).await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc = json.json();
    assert_eq!(doc["passed"], true);
    for id in [
        "ami_port",
        "ami_banner",
        "ami_login",
        "ami_read",
        "ami_write",
        "ami_originate",
    ] {
        assert_outcome(&doc, id, "pass");
    }
    assert_outcome(&doc, "ami_tls", "skipped");
    // SIP is not configured: told, not failed.
    assert_outcome(&doc, "sip_options", "skipped");
    assert_eq!(sim.call_count(), 0, "the doctor dialled nothing");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_closed_port_fails_the_reachability_check_with_its_fix() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };
    let vars = [
        ("YEASTAR_HOST", "127.0.0.1"),
        ("YEASTAR_PORT", port.as_str()),
        ("YEASTAR_USERNAME", "ami_user"),
        ("YEASTAR_PASSWORD", "ami_password"),
    ];
    let text = doctor(&vars, &[]).await;
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout.contains(&format!(
            "FAIL  AMI port reachable: 127.0.0.1:{port} refused"
        )),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("      fix: enable the manager"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("SKIP  AMI login"), "{}", text.stdout);
    assert!(
        text.stdout.ends_with("1 of 8 checks failed\n"),
        "{}",
        text.stdout
    );

    let doc = doctor(&vars, &["--json"]).await.json();
    assert_eq!(doc["passed"], false);
    let reach = check(&doc, "ami_port");
    assert_eq!(reach["outcome"], "fail");
    assert!(
        reach["fix"].as_str().unwrap().contains("YEASTAR_PORT"),
        "{reach}"
    );
}

#[tokio::test]
async fn a_wrong_password_fails_the_login_naming_the_credentials() {
    let sim =
        PbxSimulator::start(SimConfig::modern().with_auth_failure_delay(Duration::from_millis(50)))
            .await
            .unwrap();
    let port = sim.addr().port().to_string();
    let run = doctor(
        &[
            ("YEASTAR_HOST", "127.0.0.1"),
            ("YEASTAR_PORT", port.as_str()),
            ("YEASTAR_USERNAME", "ami_user"),
            ("YEASTAR_PASSWORD", "not-the-secret"),
        ],
        &["--json"],
    )
    .await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_outcome(&doc, "ami_banner", "pass");
    let login = check(&doc, "ami_login");
    assert_eq!(login["outcome"], "fail", "{login}");
    let fix = login["fix"].as_str().unwrap();
    assert!(
        fix.contains("YEASTAR_USERNAME/YEASTAR_PASSWORD") && fix.contains("permit="),
        "{fix}"
    );
    assert_outcome(&doc, "ami_read", "skipped");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_configuration_error_exits_2_naming_the_variable() {
    let run = doctor(
        &[("SIP_SERVER", "127.0.0.2"), ("SIP_TRANSPORT", "SCTP")],
        &[],
    )
    .await;
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("configuration error: SIP_TRANSPORT"),
        "{}",
        run.stderr
    );

    let run = doctor(&[], &["--json"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["error"]["variable"], "YEASTAR_HOST", "{doc}");
    assert!(run.stderr.contains("nothing to check"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// Against Kamailio (tests/peers/kamailio: 1001/1001pass; 1004/1004pass, 1004wspass on ws/wss)

/// The SIP variables of a native transport for `user`, with a free RTP range.
async fn native(transport: &str, users: &str, rtp: &(String, String)) -> Value {
    let run = doctor(
        &[
            ("SIP_SERVER", "127.0.0.2"),
            ("SIP_PORT", "5060"),
            ("SIP_TRANSPORT", transport),
            ("SIP_USERS", users),
            ("SIP_LOCAL_ADDR", "127.0.0.1"),
            ("RTP_PORT_MIN", rtp.0.as_str()),
            ("RTP_PORT_MAX", rtp.1.as_str()),
        ],
        &["--json"],
    )
    .await;
    let doc = run.json();
    assert_eq!(
        run.code,
        if doc["passed"] == true { 0 } else { 1 },
        "{doc:#}"
    );
    doc
}

#[tokio::test]
async fn kamailio_options_and_register_over_udp_tcp_and_websockets() {
    if require_peer("kamailio").is_none() {
        return;
    }
    let _lock = PeerLock::acquire(LOCK_PATIENCE).await;
    let kamailio = Kamailio::start(&[]);
    let rtp = free_rtp_range(4);

    for transport in ["UDP", "TCP"] {
        let doc = native(transport, "1001:1001pass:1001:Desk", &rtp).await;
        assert_eq!(doc["passed"], true, "{transport}: {doc:#}");
        for id in ["sip_options", "sip_register", "rtp_ports"] {
            assert_outcome(&doc, id, "pass");
        }
        assert!(
            check(&doc, "sip_options")["name"]
                .as_str()
                .unwrap()
                .ends_with(transport),
            "{doc:#}"
        );
    }

    // A wrong SIP password: OPTIONS passes, REGISTER fails naming the password to fix.
    let doc = native("UDP", "1001:wrongpass:1001:Desk", &rtp).await;
    assert_eq!(doc["passed"], false);
    assert_outcome(&doc, "sip_options", "pass");
    let register = check(&doc, "sip_register");
    assert_eq!(register["outcome"], "fail", "{register}");
    assert!(
        register["reason"]
            .as_str()
            .unwrap()
            .contains("credentials rejected"),
        "{register}"
    );
    assert!(
        register["fix"]
            .as_str()
            .unwrap()
            .contains("SIP password (second SIP_USERS field)"),
        "{register}"
    );

    if !kamailio_websocket_module() {
        skip("kamailio's websocket module is not installed (kamailio-websocket-modules)");
        return;
    }
    // 1004 over ws with its WebSocket password; over wss with the test CA.
    let ca = kamailio.ca();
    for (url, ca) in [
        ("ws://127.0.0.2:8088/ws", None),
        ("wss://127.0.0.2:8089/ws", Some(ca.to_str().unwrap())),
    ] {
        let transport = if ca.is_some() { "WSS" } else { "WS" };
        let mut vars = vec![
            ("SIP_TRANSPORT", transport),
            ("SIP_USE_WEBSOCKET", "true"),
            ("SIP_WEBSOCKET_URL", url),
            ("SIP_USERS", "1004:1004pass:1004:Web:1004wspass"),
            ("SIP_LOCAL_ADDR", "127.0.0.1"),
        ];
        if let Some(ca) = ca {
            vars.push(("SIP_CA_FILE", ca));
        }
        let run = doctor(&vars, &["--json"]).await;
        let doc = run.json();
        assert_eq!(run.code, 0, "{url}: {doc:#}\n{}", run.stderr);
        for id in [
            "ws_connect",
            "ws_upgrade",
            "ws_subprotocol",
            "sip_options",
            "sip_register",
        ] {
            assert_outcome(&doc, id, "pass");
        }
        assert_outcome(
            &doc,
            "ws_tls",
            if ca.is_some() { "pass" } else { "skipped" },
        );
        assert_outcome(&doc, "rtp_ports", "skipped");
        assert!(
            check(&doc, "sip_register")["detail"]
                .as_str()
                .unwrap()
                .contains("WebSocket password"),
            "{doc:#}"
        );
    }
    drop(kamailio);
}
