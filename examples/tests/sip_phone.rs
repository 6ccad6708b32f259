//! The `sip-phone` binary as a user runs it: a bad variable, and (with Kamailio and baresip on
//! loopback, see `tests/peers/README.md`) `register` until SIGINT and a `call` to baresip
//! through Kamailio, checked on the JSON lines of stdout and the exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use yeastar_test_peers::{Daemon, Kamailio, PeerLock, RunDir, require_peer};

fn phone() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sip-phone"));
    for var in [
        "SIP_SERVER",
        "SIP_PORT",
        "SIP_TRANSPORT",
        "SIP_USERS",
        "SIP_CA_FILE",
        "SIP_USE_WEBSOCKET",
        "SIP_WEBSOCKET_URL",
        "RTP_PORT_MIN",
        "RTP_PORT_MAX",
        "SIP_LOCAL_ADDR",
        "YEASTAR_HOST",
    ] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

#[test]
fn a_bad_variable_exits_2_naming_it() {
    let out = phone()
        .args(["register"])
        .env("SIP_SERVER", "127.0.0.2")
        .env("SIP_USERS", "1001:pw:1001:Alice")
        .env("SIP_TRANSPORT", "CARRIER-PIGEON")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIP_TRANSPORT"));
    assert!(out.stdout.is_empty(), "stdout carries JSON lines only");

    let out = phone()
        .args(["register"])
        .env("SIP_USERS", "1001:pw:1001:Alice")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SIP_SERVER"));

    let out = phone().args(["call"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a missing URI is a usage error");
}

/// Waits (bounded) for the child and returns its exit code and stdout's JSON lines.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, Vec<Value>) {
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("sip-phone still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let lines = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect();
    (status.code(), lines)
}

#[test]
fn register_until_sigint_and_call_baresip_through_kamailio() {
    if require_peer("kamailio").is_none() || require_peer("baresip").is_none() {
        return;
    }
    let _lock = PeerLock::acquire_blocking(Duration::from_secs(300));
    let run_dir = RunDir::new("sip-phone");
    let run = run_dir.path();
    let bs = run.join("baresip");
    let kamailio = Kamailio::start(&[]);
    let baresip = Daemon::start(
        "baresip",
        "baresip/start-registered.sh",
        &[bs.to_str().unwrap()],
        &bs,
        "baresip.log",
    );
    let env = |c: &mut Command| {
        c.env("SIP_SERVER", "127.0.0.2")
            .env("SIP_USERS", "1001:1001pass:1001:Alice")
            .env("SIP_LOCAL_ADDR", "127.0.0.3")
            .env("RTP_PORT_MIN", "17300")
            .env("RTP_PORT_MAX", "17349")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
    };

    // register over TLS (Kamailio's test CA), SIGINT, unregistered, exit 0.
    let mut register = phone();
    env(&mut register);
    register
        .arg("register")
        .env("SIP_TRANSPORT", "TLS")
        .env("SIP_CA_FILE", kamailio.ca());
    let child = register.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let (code, lines) = finish(child, Duration::from_secs(15));
    assert_eq!(code, Some(0), "{lines:?}");
    let states: Vec<&str> = lines.iter().filter_map(|l| l["state"].as_str()).collect();
    assert_eq!(states, ["registered", "unregistered"], "{lines:?}");
    assert_eq!(lines[0]["type"], "registration");
    assert_eq!(lines[0]["account"], "1001");
    assert_eq!(lines[0]["transport"], "TLS");

    // call 1002 (baresip) for 2 s with DTMF: trying, ringing, answered, ended with RTP figures.
    let mut call = phone();
    env(&mut call);
    call.args(["call", "1002", "--duration", "2", "--dtmf", "12"]);
    let (code, lines) = finish(call.spawn().unwrap(), Duration::from_secs(30));
    assert_eq!(code, Some(0), "{lines:?}");
    let events: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "call")
        .filter_map(|l| l["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["trying", "ringing", "answered", "ended"],
        "{lines:?}"
    );
    let ended = lines.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["reason"], "local_hangup");
    assert!(ended["packets_sent"].as_u64().unwrap() >= 80, "{ended}");
    assert!(ended["packets_received"].as_u64().unwrap() >= 80, "{ended}");
    assert!(ended["call_id"].as_str().is_some_and(|id| !id.is_empty()));

    // Two phones through Kamailio: 1001 answers one call and records it, 1002 calls it.
    let rec = run.join("rec");
    let mut answer = phone();
    env(&mut answer);
    answer.args(["answer", "--count", "1", "--record", rec.to_str().unwrap()]);
    let answering = answer.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let mut call = phone();
    env(&mut call);
    call.env("SIP_USERS", "1002:1002pass:1002:Bob")
        .env("RTP_PORT_MIN", "17350")
        .env("RTP_PORT_MAX", "17399")
        .args(["call", "1001", "--duration", "2"]);
    let (code, caller) = finish(call.spawn().unwrap(), Duration::from_secs(30));
    assert_eq!(code, Some(0), "{caller:?}");
    let (code, callee) = finish(answering, Duration::from_secs(15));
    assert_eq!(code, Some(0), "{callee:?}");
    let ended = callee.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["reason"], "remote_hangup");
    assert_eq!(ended["from"], "1002");
    assert_eq!(ended["to"], "1001");
    assert!(ended["packets_received"].as_u64().unwrap() >= 80, "{ended}");
    // One WAV named by the Call-ID, about 2 s of 8 kHz stereo.
    let wav = rec.join(format!("{}.wav", ended["call_id"].as_str().unwrap()));
    let size = std::fs::metadata(&wav).map(|m| m.len()).unwrap_or(0);
    assert!(size > 40_000, "{} is {size} bytes", wav.display());
    drop((baresip, kamailio));
}
