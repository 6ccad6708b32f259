//! `yeastar-service` and `quickstart` end to end: the real binaries against the embedded PBX
//! simulator, over loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{ChildStdout, Command};
use yeastar_ami::sim::{PbxSimulator, SimConfig};

use support::free_port;

const LIMIT: Duration = Duration::from_secs(30);

/// A request to the service's API (no token: the service runs on loopback).
async fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    support::http_request(addr, None, method, path, body).await
}

async fn next_json(
    lines: &mut Lines<BufReader<ChildStdout>>,
    mut pred: impl FnMut(&Value) -> bool,
) -> Value {
    tokio::time::timeout(LIMIT, async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("service stdout closed");
            let value: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
            if pred(&value) {
                return value;
            }
        }
    })
    .await
    .expect("JSON line did not arrive in time")
}

#[tokio::test]
async fn service_streams_json_lines_and_serves_every_route() {
    let sim =
        PbxSimulator::start(SimConfig::modern().with_answer_delay(Duration::from_millis(100)))
            .await
            .unwrap();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", sim.addr().port().to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "ami_password")
        .env("HTTP_ADDR", &http_addr)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();

    let health = tokio::time::timeout(LIMIT, async {
        loop {
            if let Ok(stream) = TcpStream::connect(&http_addr).await {
                drop(stream);
                return http(&http_addr, "GET", "/health", None).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(health.0, 200);
    assert_eq!(health.1["status"], "ok");

    // Click-to-call answers when the OriginateResponse arrives.
    let (status, body) = http(
        &http_addr,
        "POST",
        "/calls",
        Some(r#"{"from":"1001","to":"1002"}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "answered");
    let answered = next_json(&mut lines, |v| {
        v["type"] == "call" && v["event"] == "answered"
    })
    .await;
    for key in ["call_id", "from", "to", "direction", "ts"] {
        assert!(answered.get(key).is_some(), "{key} missing in {answered}");
    }
    let ext = next_json(&mut lines, |v| v["type"] == "extension").await;
    assert!(
        ext["extension"].is_string() && ext["status"].is_string(),
        "{ext}"
    );

    let (status, calls) = http(&http_addr, "GET", "/calls", None).await;
    assert_eq!(status, 200);
    let call_id = calls.as_array().unwrap().first().expect("an active call")["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, body) = http(&http_addr, "DELETE", &format!("/calls/{call_id}"), None).await;
    assert_eq!(status, 200, "{body}");
    let ended = next_json(&mut lines, |v| v["type"] == "call" && v["event"] == "ended").await;
    for key in ["cause", "duration_s", "billsec_s"] {
        assert!(ended.get(key).is_some(), "{key} missing in {ended}");
    }

    let history = tokio::time::timeout(LIMIT, async {
        loop {
            let (status, body) =
                http(&http_addr, "GET", "/calls/history?extension=1001", None).await;
            assert_eq!(status, 200);
            if body.as_array().is_some_and(|a| !a.is_empty()) {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap();
    assert!(history[0].get("call_id").is_some(), "{history}");

    let (status, exts) = http(&http_addr, "GET", "/extensions", None).await;
    assert_eq!(status, 200);
    assert!(
        exts.as_array()
            .unwrap()
            .iter()
            .any(|e| e["extension"] == "1001"),
        "{exts}"
    );

    let (status, _) = http(
        &http_addr,
        "POST",
        "/calls",
        Some(r#"{"from":"10\r\n01","to":"1002"}"#),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = http(&http_addr, "DELETE", "/calls/no-such-call", None).await;
    assert_eq!(status, 404);
    let (status, body) = http(
        &http_addr,
        "POST",
        "/calls",
        Some(r#"{"from":"1003","to":"1002"}"#),
    )
    .await;
    assert_eq!(status, 502, "unregistered extension: {body}");

    child.kill().await.unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn service_names_the_missing_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env_remove("YEASTAR_HOST")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YEASTAR_HOST"));

    let out = Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_USERNAME", "u")
        .env("YEASTAR_PASSWORD", "p")
        .env("YEASTAR_PORT", "not-a-port")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("YEASTAR_PORT"));
}

#[tokio::test]
async fn quickstart_runs_to_completion_against_the_simulator() {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        Command::new(env!("CARGO_BIN_EXE_quickstart"))
            .env_remove("YEASTAR_HOST")
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Scenario complete"), "{stdout}");
    for event in ["ringing", "answered", "held", "transferred", "ended"] {
        assert!(stdout.contains(event), "no {event} in:\n{stdout}");
    }
}

async fn wait_for_health(http_addr: &str, mut pred: impl FnMut(&Value) -> bool) -> Value {
    tokio::time::timeout(LIMIT, async {
        loop {
            if TcpStream::connect(http_addr).await.is_ok() {
                let (status, body) = http(http_addr, "GET", "/health", None).await;
                assert_eq!(status, 200);
                if pred(&body) {
                    return body;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("/health never said so")
}

#[tokio::test]
async fn service_started_while_the_pbx_is_down_serves_health_and_connects_later() {
    let pbx_port = free_port();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", pbx_port.to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "ami_password")
        .env("HTTP_ADDR", &http_addr)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Nothing listens on the PBX port: the API is up and says why it is not connected.
    let down = wait_for_health(&http_addr, |h| h["last_error"].is_string()).await;
    assert_eq!(down["connected"], false, "{down}");
    assert_eq!(down["login_refused"], false, "{down}");
    assert!(
        down["last_error"]
            .as_str()
            .unwrap()
            .contains("cannot connect"),
        "{down}"
    );
    assert!(child.try_wait().unwrap().is_none(), "the service exited");
    // The PBX comes up: the service connects by itself.
    let sim = PbxSimulator::start_on(SimConfig::modern(), ("127.0.0.1", pbx_port))
        .await
        .unwrap();
    let up = wait_for_health(&http_addr, |h| h["connected"] == true).await;
    assert_eq!(up["version"], "11.0.0", "{up}");
    sim.shutdown().await;
}

#[tokio::test]
async fn service_with_wrong_credentials_keeps_running_and_says_so() {
    let sim =
        PbxSimulator::start(SimConfig::modern().with_auth_failure_delay(Duration::from_millis(10)))
            .await
            .unwrap();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", sim.addr().port().to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "wrong")
        .env("HTTP_ADDR", &http_addr)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let refused = wait_for_health(&http_addr, |h| h["login_refused"] == true).await;
    assert_eq!(refused["connected"], false);
    assert!(child.try_wait().unwrap().is_none(), "the service exited");
    child.kill().await.unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(stderr.contains("refused the login"), "{stderr}");
    sim.shutdown().await;
}
