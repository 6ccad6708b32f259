//! The `pjsip-service` binary as a user runs it: bad variables, and (with Kamailio and SIPp on
//! loopback, see `tests/peers/README.md`) a SIPp caller walking the IVR by DTMF (a message, the
//! echo test) and leaving a recording that holds its tone, and a settings update that switches native SIP to WebSocket
//! and back while the HTTP server answers throughout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use yeastar_test_peers::{Kamailio, PeerLock, RunDir, peers_dir, require_peer};

/// Longest wait for the peer lock, held by one real-peer test at a time.
const LOCK_PATIENCE: Duration = Duration::from_secs(300);
const USERS: &str = "1002:1002pass:1002:IVR,1004:1004pass:1004:Manager:1004wspass";

fn service() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pjsip-service"));
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
        "YEASTAR_USERNAME",
        "YEASTAR_PASSWORD",
        "HTTP_ADDR",
        "CONSOLE_TOKEN",
        "SETTINGS_FILE",
        "IVR_OPERATOR",
        "IVR_PROMPTS_DIR",
        "RECORDINGS_DIR",
    ] {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

#[test]
fn a_bad_variable_exits_2_naming_it() {
    let run_dir = RunDir::new("pjsip-bad");
    let run = run_dir.path();
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("SIP_SERVER", "127.0.0.2")], "SIP_USERS"),
        (
            &[
                ("SIP_USERS", USERS),
                ("SIP_SERVER", "127.0.0.2"),
                ("SIP_TRANSPORT", "SCTP"),
            ],
            "SIP_TRANSPORT",
        ),
        (
            &[
                ("SIP_USERS", USERS),
                ("SIP_SERVER", "127.0.0.2"),
                ("IVR_OPERATOR", "10 00"),
            ],
            "IVR_OPERATOR",
        ),
        (
            &[
                ("SIP_USERS", USERS),
                ("SIP_SERVER", "127.0.0.2"),
                ("IVR_PROMPTS_DIR", "/nonexistent/prompts"),
            ],
            "IVR_PROMPTS_DIR",
        ),
        (
            &[
                ("SIP_USERS", USERS),
                ("SIP_SERVER", "127.0.0.2"),
                ("HTTP_ADDR", "not-an-address"),
            ],
            "HTTP_ADDR",
        ),
    ];
    for (vars, named) in cases {
        let mut command = service();
        command.env("RECORDINGS_DIR", run.join("rec"));
        for (k, v) in vars {
            command.env(k, v);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{named}: {stderr}");
        assert!(stderr.contains(named), "{named}: {stderr}");
        assert!(out.stdout.is_empty(), "stdout carries JSON lines only");
    }
}

/// The running service: its JSON lines as they come, killed on drop.
struct Service {
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
    http: String,
}

impl Service {
    fn start(run: &Path, extra: &[(&str, &str)]) -> Service {
        let http = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().to_string()
        };
        let mut command = service();
        command
            .env("SIP_SERVER", "127.0.0.2")
            .env("SIP_USERS", USERS)
            .env("SIP_LOCAL_ADDR", "127.0.0.3")
            .env("RTP_PORT_MIN", "17300")
            .env("RTP_PORT_MAX", "17349")
            .env("HTTP_ADDR", &http)
            .env("RECORDINGS_DIR", run.join("rec"))
            .env("SETTINGS_FILE", run.join("settings.toml"))
            .env("IVR_OPERATOR", "1003")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(run.join("service.log")).unwrap());
        for (k, v) in extra {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"));
                sink.lock().unwrap().push(value);
            }
        });
        Service { child, lines, http }
    }

    fn lines(&self) -> Vec<Value> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits (bounded) for a line that `pred` accepts, after the first `skip` lines.
    fn wait_line(&self, skip: usize, limit: Duration, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(l) = self.lines().iter().skip(skip).find(|l| pred(l)) {
                return l.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no such line within {limit:?}: {:#?}",
                self.lines()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(&self.http, method, path, body)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and the JSON body (or `null`).
fn http(addr: &str, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let rest = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (status, serde_json::from_str(&rest).unwrap_or(Value::Null))
}

fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(rest.get(..n).unwrap_or(rest));
        text = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// Goertzel power of `hz` in `block`, normalised by the block's own power (1.0: a pure tone).
fn tone_share(block: &[f64], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 8000.0;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in block {
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    let energy: f64 = block.iter().map(|x| x * x).sum();
    if energy < 1e3 {
        return 0.0;
    }
    2.0 * power / (energy * block.len() as f64)
}

/// 100 ms blocks of channel `channel` of the WAV where a 1 kHz tone of real level dominates.
fn blocks_with_1k(path: &Path, channel: usize) -> usize {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.sample_rate, 8000);
    let channels = usize::from(spec.channels);
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .map(Result::unwrap)
        .skip(channel)
        .step_by(channels)
        .map(f64::from)
        .collect();
    samples
        .chunks(800)
        .filter(|b| {
            let rms = (b.iter().map(|x| x * x).sum::<f64>() / b.len() as f64).sqrt();
            rms > 1000.0 && tone_share(b, 1000.0) > 0.8
        })
        .count()
}

#[test]
fn sipp_walks_the_ivr_and_the_recording_holds_its_tone() {
    if require_peer("kamailio").is_none() || require_peer("sipp").is_none() {
        return;
    }
    let _lock = PeerLock::acquire_blocking(LOCK_PATIENCE);
    let run_dir = RunDir::new("pjsip-ivr");
    let run = run_dir.path();
    let kamailio = Kamailio::start(&[]);
    let service = Service::start(run, &[]);
    for ext in ["1002", "1004"] {
        service.wait_line(0, Duration::from_secs(10), |l| {
            l["type"] == "registration" && l["account"] == ext && l["state"] == "registered"
        });
    }
    let sipp_dir = run.join("sipp");
    std::fs::create_dir_all(&sipp_dir).unwrap();
    for file in ["uac_ivr.xml", "ivr_record_1k.pcap"] {
        std::fs::copy(peers_dir().join("sipp").join(file), sipp_dir.join(file)).unwrap();
    }
    let sipp = Command::new("sipp")
        .current_dir(&sipp_dir)
        .args([
            "127.0.0.2:5060",
            "-sf",
            "uac_ivr.xml",
            "-i",
            "127.0.0.3",
            "-p",
            "5091",
            "-mi",
            "127.0.0.3",
            "-mp",
            "17010",
            "-s",
            "1002",
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
            "30",
            "-timeout_error",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        sipp.status.success(),
        "sipp: {}",
        String::from_utf8_lossy(&sipp.stderr)
    );
    let ended = service.wait_line(0, Duration::from_secs(10), |l| {
        l["type"] == "call" && l["event"] == "ended"
    });
    let call_id = ended["call_id"].as_str().unwrap().to_owned();
    assert_eq!(ended["from"], "1001", "{ended}");
    assert_eq!(ended["to"], "1002", "{ended}");
    let lines = service.lines();
    let ivr: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "ivr" && l["call_id"] == call_id.as_str())
        .collect();
    let walk: Vec<String> = ivr
        .iter()
        .map(|l| match l["event"].as_str().unwrap() {
            "digit" => format!("digit {}", l["digit"].as_str().unwrap()),
            "state" => l["state"].as_str().unwrap().to_owned(),
            other => other.to_owned(),
        })
        .collect();
    // The menu, key 2 by RFC 4733, a message, # by SIP INFO, the menu again, key 1, the echo.
    let pos = |step: &str| {
        walk.iter()
            .position(|w| w == step)
            .unwrap_or_else(|| panic!("no {step:?} in {walk:?}"))
    };
    assert!(pos("menu") < pos("digit 2"), "{walk:?}");
    assert!(pos("digit 2") < pos("recording"), "{walk:?}");
    assert!(pos("recording") < pos("digit #"), "{walk:?}");
    assert!(pos("digit #") < pos("message"), "{walk:?}");
    assert!(pos("message") < pos("digit 1"), "{walk:?}");
    assert!(pos("digit 1") < pos("echo"), "{walk:?}");
    eprintln!("IVR walk: {walk:?}");
    let message = ivr.iter().find(|l| l["event"] == "message").unwrap();
    let message_file = run.join("rec").join(message["file"].as_str().unwrap());

    // The whole call, stereo: the caller (left) holds SIPp's two 2 s tones; our side (right)
    // only the second, echoed (the prompts are never at 1 kHz).
    let recording = ended["recording"].as_str().expect("the call's recording");
    let wav = run.join("rec").join(recording);
    let caller = blocks_with_1k(&wav, 0);
    eprintln!("1 kHz blocks of 100 ms: caller {caller}");
    assert!(
        (35..=42).contains(&caller),
        "{caller} blocks of 1 kHz in {}",
        wav.display()
    );
    let echoed = blocks_with_1k(&wav, 1);
    eprintln!("1 kHz blocks of 100 ms: echoed {echoed}");
    assert!((15..=22).contains(&echoed), "{echoed} blocks echoed");
    // The message, mono: the tone too.
    let in_message = blocks_with_1k(&message_file, 0);
    eprintln!(
        "1 kHz blocks of 100 ms: message {in_message} ({})",
        message["duration_s"]
    );
    assert!(
        (15..=22).contains(&in_message),
        "{in_message} blocks in the message"
    );

    // The HTTP API lists and serves them; the history names the recording.
    let (status, list) = service.request("GET", "/recordings", None);
    assert_eq!(status, 200);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(names.contains(&recording), "{names:?}");
    assert!(
        names.contains(&message["file"].as_str().unwrap()),
        "{names:?}"
    );
    let served = raw_get(&service.http, &format!("/recordings/{recording}"));
    assert_eq!(served.len() as u64, std::fs::metadata(&wav).unwrap().len());
    assert_eq!(&served[..4], b"RIFF");
    let (status, _) = service.request("GET", "/recordings/..%2Fsettings.toml", None);
    assert_eq!(status, 404);
    let (_, history) = service.request("GET", "/calls/history", None);
    assert_eq!(history[0]["recording"], recording, "{history}");
    // Stopped before their directory goes (Kamailio is stopped by its pid file).
    drop((service, kamailio));
}

/// The body of a GET, as bytes.
fn raw_get(addr: &str, path: &str) -> Vec<u8> {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let at = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    response.split_off(at + 4)
}

#[test]
fn a_settings_update_switches_native_to_websocket_and_back_with_http_up() {
    if require_peer("kamailio").is_none() {
        return;
    }
    let _lock = PeerLock::acquire_blocking(LOCK_PATIENCE);
    let run_dir = RunDir::new("pjsip-switch");
    let run = run_dir.path();
    let kamailio = Kamailio::start(&[]);
    let service = Service::start(run, &[]);
    service.wait_line(0, Duration::from_secs(10), |l| {
        l["type"] == "registration" && l["account"] == "1004" && l["state"] == "registered"
    });
    let (_, health) = service.request("GET", "/health", None);
    assert_eq!(health["mode"], "native", "{health}");

    // /health polled throughout: every answer 200.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(Mutex::new(Vec::new()));
    let poller = {
        let (stop, answered, failed, addr) = (
            stop.clone(),
            answered.clone(),
            failed.clone(),
            service.http.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match std::panic::catch_unwind(|| http(&addr, "GET", "/health", None)) {
                    Ok((200, _)) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    other => failed.lock().unwrap().push(format!("{other:?}")),
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };

    for (transport, via) in [("WS", "WS"), ("UDP", "UDP")] {
        let (status, view) = service.request("GET", "/settings", None);
        assert_eq!(status, 200);
        let mut settings = view["settings"].clone();
        assert_eq!(
            settings["sip"]["users"][1]["password"], "********",
            "masked"
        );
        settings["sip"]["transport"] = json!(transport);
        let skip = service.lines().len();
        let (status, saved) = service.request("PUT", "/settings", Some(&settings));
        assert_eq!(status, 200, "{saved}");
        assert_eq!(saved["sources"]["SIP_TRANSPORT"], "file", "{saved}");
        for ext in ["1002", "1004"] {
            service.wait_line(skip, Duration::from_secs(15), |l| {
                l["type"] == "registration"
                    && l["account"] == ext
                    && l["state"] == "registered"
                    && l["transport"] == via
            });
        }
        let (_, health) = service.request("GET", "/health", None);
        let mode = if transport == "WS" {
            "websocket"
        } else {
            "native"
        };
        assert_eq!(health["mode"], mode, "{health}");
        assert_eq!(health["registered"], 2, "{health}");
        let file = std::fs::read_to_string(run.join("settings.toml")).unwrap();
        assert!(
            file.contains(&format!("transport = \"{transport}\"")),
            "{file}"
        );
    }
    // A change outside the SIP settings restarts nothing: no registration goes out again.
    let (_, view) = service.request("GET", "/settings", None);
    let mut other = view["settings"].clone();
    other["ami"]["context"] = json!("from-pjsip");
    let skip = service.lines().len();
    let (status, saved) = service.request("PUT", "/settings", Some(&other));
    assert_eq!(status, 200, "{saved}");
    std::thread::sleep(Duration::from_millis(1500));
    let again: Vec<Value> = service.lines().into_iter().skip(skip).collect();
    assert!(again.is_empty(), "{again:?}");
    let (_, health) = service.request("GET", "/health", None);
    assert_eq!(health["registered"], 2, "{health}");

    // A refused update names the field and keeps the file.
    let before = std::fs::read_to_string(run.join("settings.toml")).unwrap();
    let (_, view) = service.request("GET", "/settings", None);
    let mut bad = view["settings"].clone();
    bad["sip"]["rtp_port_min"] = json!(70000);
    let (status, refusal) = service.request("PUT", "/settings", Some(&bad));
    assert_eq!(status, 422, "{refusal}");
    assert_eq!(refusal["field"], "RTP_PORT_MIN");
    assert_eq!(
        std::fs::read_to_string(run.join("settings.toml")).unwrap(),
        before
    );

    stop.store(true, Ordering::Relaxed);
    poller.join().unwrap();
    let failed = failed.lock().unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let answered = answered.load(Ordering::Relaxed);
    eprintln!("/health answered {answered} times during the switches");
    assert!(answered >= 3, "{answered}");
    drop((service, kamailio));
}
