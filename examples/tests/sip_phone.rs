//! The `sip-phone` binary as a user runs it: a bad variable, and (with Kamailio and baresip on
//! loopback, see `tests/peers/README.md`) `register` until SIGINT and a `call` to baresip
//! through Kamailio, checked on the JSON lines of stdout and the exit code; over WS and WSS
//! (Kamailio's ws/wss listeners, user 1004 with its WebSocket password): register, a call
//! to a phone on UDP with RTP both ways, registering again after the link recovers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use yeastar_test_peers::{
    Daemon, Kamailio, PeerLock, RunDir, kamailio_websocket_module, require_peer, skip,
};

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

#[test]
fn a_bad_websocket_url_exits_2_naming_it() {
    for url in ["http://127.0.0.2:8088/ws", "ws:///ws"] {
        let out = phone()
            .args(["register"])
            .env("SIP_TRANSPORT", "WS")
            .env("SIP_USERS", "1004:1004pass:1004:Manager:1004wspass")
            .env("SIP_WEBSOCKET_URL", url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {stderr}");
        assert!(stderr.contains("SIP_WEBSOCKET_URL"), "{url}: {stderr}");
        assert!(out.stdout.is_empty(), "stdout carries JSON lines only");
    }
}

/// Kamailio with its WebSocket listeners, or `None` (skipped) when a peer is missing.
fn websocket_kamailio() -> Option<(PeerLock, Kamailio)> {
    require_peer("kamailio")?;
    if !kamailio_websocket_module() {
        skip("Kamailio's websocket module (kamailio-websocket-modules) is missing");
        return None;
    }
    let lock = PeerLock::acquire_blocking(Duration::from_secs(300));
    Some((lock, Kamailio::start(&[])))
}

const WS_USER: &str = "1004:1004pass:1004:Manager:1004wspass";

fn ws_env(c: &mut Command) {
    c.env("SIP_SERVER", "127.0.0.2")
        .env("SIP_USERS", WS_USER)
        .env("SIP_LOCAL_ADDR", "127.0.0.3")
        .env("RTP_PORT_MIN", "17400")
        .env("RTP_PORT_MAX", "17449")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
}

/// Runs `register` until registered (or 10 s), then SIGINT; returns the exit code and lines.
fn register_then_sigint(mut command: Command) -> (Option<i32>, Vec<Value>) {
    let child = command.arg("register").spawn().unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    finish(child, Duration::from_secs(20))
}

#[test]
fn registers_over_ws_and_wss_with_the_websocket_password() {
    let Some((_lock, kamailio)) = websocket_kamailio() else {
        return;
    };

    // WS, the default URL from SIP_SERVER: 1004 with its WebSocket password.
    let mut ws = phone();
    ws_env(&mut ws);
    ws.env("SIP_TRANSPORT", "WS");
    let (code, lines) = register_then_sigint(ws);
    assert_eq!(code, Some(0), "{lines:?}");
    let states: Vec<&str> = lines.iter().filter_map(|l| l["state"].as_str()).collect();
    assert_eq!(states, ["registered", "unregistered"], "{lines:?}");
    assert_eq!(lines[0]["account"], "1004");

    // The SIP password alone is refused on ws: the WebSocket one above was the one used.
    let mut sip_password = phone();
    ws_env(&mut sip_password);
    sip_password
        .env("SIP_TRANSPORT", "WS")
        .env("SIP_USERS", "1004:1004pass:1004:Manager")
        .arg("register");
    let (code, lines) = finish(sip_password.spawn().unwrap(), Duration::from_secs(30));
    assert_eq!(code, Some(1), "{lines:?}");
    assert!(
        lines.iter().all(|l| l["state"] != "registered"),
        "{lines:?}"
    );

    // WSS through SIP_USE_WEBSOCKET and SIP_WEBSOCKET_URL (no SIP_SERVER), trusting the
    // test CA.
    let mut wss = phone();
    ws_env(&mut wss);
    wss.env_remove("SIP_SERVER")
        .env("SIP_USE_WEBSOCKET", "true")
        .env("SIP_WEBSOCKET_URL", "wss://127.0.0.2:8089/ws")
        .env("SIP_CA_FILE", kamailio.ca());
    let (code, lines) = register_then_sigint(wss);
    assert_eq!(code, Some(0), "{lines:?}");
    let states: Vec<&str> = lines.iter().filter_map(|l| l["state"].as_str()).collect();
    assert_eq!(states, ["registered", "unregistered"], "{lines:?}");
    drop(kamailio);
}

#[test]
fn calls_over_ws_to_a_phone_on_udp_with_rtp_both_ways() {
    let Some((_lock, kamailio)) = websocket_kamailio() else {
        return;
    };
    // 1002 answers over UDP.
    let mut answer = phone();
    answer
        .env("SIP_SERVER", "127.0.0.2")
        .env("SIP_USERS", "1002:1002pass:1002:Bob")
        .env("SIP_LOCAL_ADDR", "127.0.0.3")
        .env("RTP_PORT_MIN", "17450")
        .env("RTP_PORT_MAX", "17499")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .args(["answer", "--count", "1"]);
    let answering = answer.spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    // 1004 calls it over WS.
    let mut call = phone();
    ws_env(&mut call);
    call.env("SIP_TRANSPORT", "WS")
        .args(["call", "1002", "--duration", "2"]);
    let (code, caller) = finish(call.spawn().unwrap(), Duration::from_secs(30));
    let (callee_code, callee) = finish(answering, Duration::from_secs(15));
    assert_eq!(code, Some(0), "{caller:?}");
    assert_eq!(callee_code, Some(0), "{callee:?}");
    let events: Vec<&str> = caller
        .iter()
        .filter(|l| l["type"] == "call")
        .filter_map(|l| l["event"].as_str())
        .collect();
    assert_eq!(events.first(), Some(&"trying"), "{caller:?}");
    assert!(events.contains(&"answered"), "{caller:?}");
    let ended = caller.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["source"], "websocket");
    assert_eq!(ended["reason"], "local_hangup");
    assert!(ended["packets_sent"].as_u64().unwrap() >= 80, "{ended}");
    assert!(ended["packets_received"].as_u64().unwrap() >= 80, "{ended}");
    let ended = callee.iter().find(|l| l["event"] == "ended").unwrap();
    assert_eq!(ended["source"], "sip");
    assert_eq!(ended["from"], "1004");
    assert!(ended["packets_sent"].as_u64().unwrap() >= 80, "{ended}");
    assert!(ended["packets_received"].as_u64().unwrap() >= 80, "{ended}");
    drop(kamailio);
}

/// Reads JSON lines of a child's stdout as they come.
fn json_lines(child: &mut Child) -> std::sync::mpsc::Receiver<Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Ok(v) = serde_json::from_str(&line)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// Waits (bounded) for a `registered` line.
fn wait_registered(lines: &std::sync::mpsc::Receiver<Value>, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(l) if l["state"] == "registered" => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn registers_again_when_the_websocket_recovers() {
    let Some((_lock, kamailio)) = websocket_kamailio() else {
        return;
    };
    let mut register = phone();
    ws_env(&mut register);
    register.env("SIP_TRANSPORT", "WS").arg("register");
    let mut child = register.spawn().unwrap();
    let lines = json_lines(&mut child);
    let first = wait_registered(&lines, Duration::from_secs(10));
    // The registrar restarts: the flow is lost, then recovered.
    kamailio.down();
    kamailio.up();
    let again = first && wait_registered(&lines, Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    assert!(first, "not registered at first");
    assert!(again, "not registered again after the WebSocket recovered");
    drop(kamailio);
}
