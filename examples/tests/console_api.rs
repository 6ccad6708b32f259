//! The console's HTTP side of `yeastar-service` without a browser: the access rule
//! (`CONSOLE_TOKEN`, loopback, origins), the page's headers, the event stream, and the settings
//! API with `SETTINGS_FILE`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use yeastar_ami::sim::{PbxSimulator, SimConfig};

use support::free_port;

const LIMIT: Duration = Duration::from_secs(30);
const TOKEN: &str = "api-test-token-0123456789";

struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request per connection, with the given extra header lines.
async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[&str],
    body: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let body = body.unwrap_or("");
    let mut text = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|h| h.to_ascii_lowercase().starts_with("host:"))
    {
        text.push_str(&format!("Host: {addr}\r\n"));
    }
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str(&format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(LIMIT, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    Response {
        status: head[9..12].parse().unwrap(),
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("yeastar-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn service(
    http_addr: &str,
    pbx_port: u16,
    token: Option<&str>,
    settings_file: Option<&Path>,
) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yeastar-service"));
    command
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", pbx_port.to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "ami_password")
        .env("HTTP_ADDR", http_addr)
        .env("RUST_LOG", "error")
        .env_remove("CONSOLE_TOKEN")
        .env_remove("SETTINGS_FILE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if let Some(token) = token {
        command.env("CONSOLE_TOKEN", token);
    }
    if let Some(file) = settings_file {
        command.env("SETTINGS_FILE", file);
    }
    command
}

async fn wait_connected(addr: &str) -> Value {
    tokio::time::timeout(LIMIT, async {
        loop {
            if TcpStream::connect(addr).await.is_ok() {
                let health = request(addr, "GET", "/health", &[], None).await.json();
                if health["connected"] == true {
                    return health;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the service never connected to the PBX")
}

fn spawn(command: &mut Command) -> Child {
    command.spawn().unwrap()
}

#[tokio::test]
async fn off_loopback_the_service_needs_a_token() {
    let out = service(&format!("0.0.0.0:{}", free_port()), 5038, None, None)
        .stderr(Stdio::piped())
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CONSOLE_TOKEN"), "{stderr}");
    let out = service(
        &format!("127.0.0.1:{}", free_port()),
        5038,
        Some("short"),
        None,
    )
    .stderr(Stdio::piped())
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONSOLE_TOKEN"));
}

#[tokio::test]
async fn with_a_token_every_route_but_the_page_and_health_needs_it() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let _child = spawn(&mut service(&addr, sim.addr().port(), Some(TOKEN), None));
    wait_connected(&addr).await;
    let bearer = format!("Authorization: Bearer {TOKEN}");

    let page = request(&addr, "GET", "/", &[], None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/console/app.js"));
    let head = page.head.to_ascii_lowercase();
    assert!(
        head.contains("content-security-policy: default-src 'none'"),
        "{head}"
    );
    assert!(head.contains("x-content-type-options: nosniff"), "{head}");
    for asset in ["/console/app.js", "/console/app.css"] {
        assert_eq!(request(&addr, "GET", asset, &[], None).await.status, 200);
    }

    for (method, path, body) in [
        ("GET", "/calls", None),
        ("GET", "/calls/history", None),
        ("GET", "/extensions", None),
        ("GET", "/settings", None),
        ("GET", "/events", None),
        ("GET", "/console/info", None),
        ("POST", "/calls", Some(r#"{"from":"1001","to":"1002"}"#)),
        ("DELETE", "/calls/x", None),
        ("PUT", "/settings", Some("{}")),
    ] {
        let r = request(&addr, method, path, &[], body).await;
        assert_eq!(r.status, 401, "{method} {path}: {}", r.body);
        assert!(
            r.head
                .to_ascii_lowercase()
                .contains("www-authenticate: bearer")
        );
        let wrong = request(&addr, method, path, &["Authorization: Bearer nope"], body).await;
        assert_eq!(wrong.status, 401, "{method} {path}");
        // A cookie never stands for the token.
        let cookie = format!("Cookie: token={TOKEN}");
        assert_eq!(
            request(&addr, method, path, &[&cookie], body).await.status,
            401
        );
    }
    assert_eq!(
        request(&addr, "GET", "/health", &[], None).await.status,
        200
    );
    let calls = request(&addr, "GET", "/calls", &[&bearer], None).await;
    assert_eq!(calls.status, 200);
    let info = request(&addr, "GET", "/console/info", &[&bearer], None)
        .await
        .json();
    assert_eq!(info["service"], "yeastar-service");
    assert_eq!(info["token_required"], true);
    assert_eq!(info["sections"], json!(["ami"]));
    assert_eq!(info["recordings"], false);

    // Another site's page cannot act even with a token it somehow had.
    let cross = request(
        &addr,
        "DELETE",
        "/calls/x",
        &[&bearer, "Origin: http://evil.example"],
        None,
    )
    .await;
    assert_eq!(cross.status, 403);

    // The event stream opens with the hello.
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let req = format!("GET /events HTTP/1.1\r\nHost: {addr}\r\n{bearer}\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut seen = String::new();
    tokio::time::timeout(LIMIT, async {
        let mut buf = [0u8; 4096];
        while !seen.contains("\n\n") || !seen.contains("data:") {
            let n = stream.read(&mut buf).await.unwrap();
            assert!(n > 0, "stream closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
    .await
    .unwrap();
    assert!(seen.contains("text/event-stream"), "{seen}");
    assert!(seen.contains(r#""type":"hello""#), "{seen}");
    assert!(seen.contains(r#""service":"yeastar-service""#), "{seen}");
    sim.shutdown().await;
}

#[tokio::test]
async fn without_a_token_only_loopback_host_names_are_served() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let _child = spawn(&mut service(&addr, sim.addr().port(), None, None));
    wait_connected(&addr).await;
    assert_eq!(request(&addr, "GET", "/calls", &[], None).await.status, 200);
    let local = format!("Host: localhost:{}", addr.rsplit(':').next().unwrap());
    assert_eq!(
        request(&addr, "GET", "/calls", &[&local], None)
            .await
            .status,
        200
    );
    // A page whose name was rebound to 127.0.0.1 (DNS rebinding) is refused.
    let rebound = request(&addr, "GET", "/calls", &["Host: evil.example"], None).await;
    assert_eq!(rebound.status, 403);
    let cross = request(
        &addr,
        "POST",
        "/calls",
        &["Origin: http://evil.example"],
        Some(r#"{"from":"1001","to":"1002"}"#),
    )
    .await;
    assert_eq!(cross.status, 403);
    sim.shutdown().await;
}

#[tokio::test]
async fn settings_are_masked_checked_saved_and_win_at_the_next_start() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let dir = temp_dir("settings-api");
    let file = dir.join("settings.toml");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(&mut service(&addr, sim.addr().port(), None, Some(&file)));
    wait_connected(&addr).await;

    let view = request(&addr, "GET", "/settings", &[], None).await;
    assert_eq!(view.status, 200);
    assert!(!view.body.contains("ami_password"), "{}", view.body);
    let view = view.json();
    assert_eq!(view["settings"]["ami"]["password"], "********");
    assert_eq!(view["sources"]["YEASTAR_PORT"], "environment");
    assert_eq!(view["sources"]["YEASTAR_CONTEXT"], "default");
    assert_eq!(view["sections"], json!(["ami"]));

    let mut update = view["settings"].clone();
    update["ami"]["port"] = json!(70000);
    let refused = request(&addr, "PUT", "/settings", &[], Some(&update.to_string())).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let refused = refused.json();
    assert_eq!(refused["field"], "YEASTAR_PORT");
    assert_eq!(refused["entry"], Value::Null);
    assert!(refused["error"].as_str().unwrap().contains("YEASTAR_PORT"));
    update["ami"]["port"] = json!(sim.addr().port());
    update["sip"] = json!({"server": "pbx", "users": [
        {"extension": "1001", "password": "p1", "auth_user": "1001", "display_name": "Desk"},
        {"extension": "1001", "password": "p2", "auth_user": "1001", "display_name": "Twin"}]});
    let refused = request(&addr, "PUT", "/settings", &[], Some(&update.to_string())).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.json()["field"], "SIP_USERS");
    assert_eq!(refused.json()["entry"], 2);
    assert!(!file.exists(), "a refused update wrote the file");

    // Only the context changes: saved, no reconnect; the masked password stays the stored one.
    update["sip"] = json!({});
    update["ami"]["context"] = json!("from-console");
    let saved = request(&addr, "PUT", "/settings", &[], Some(&update.to_string())).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let saved = saved.json();
    assert_eq!(saved["restarted"], json!([]));
    assert_eq!(saved["persisted"], true);
    assert_eq!(saved["sources"]["YEASTAR_CONTEXT"], "file");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("context = \"from-console\""), "{text}");
    assert!(!text.contains("ami_password"), "{text}");

    // A changed user restarts the connection; the simulator refuses it, /health says so.
    update["ami"]["username"] = json!("someone_else");
    update["ami"]["password"] = json!("wrong");
    let saved = request(&addr, "PUT", "/settings", &[], Some(&update.to_string())).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(saved.json()["restarted"], json!(["ami"]));
    tokio::time::timeout(LIMIT, async {
        loop {
            let h = request(&addr, "GET", "/health", &[], None).await.json();
            if h["login_refused"] == true {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the restarted connection never reported the refused login");

    // At the next start the file wins over the environment: the environment names a port
    // nothing listens on, the file the simulator's.
    child.kill().await.unwrap();
    std::fs::write(
        &file,
        format!(
            "[ami]\nport = {}\ncontext = \"from-console\"\n",
            sim.addr().port()
        ),
    )
    .unwrap();
    let _child = spawn(&mut service(&addr, free_port(), None, Some(&file)));
    wait_connected(&addr).await;
    let view = request(&addr, "GET", "/settings", &[], None).await.json();
    assert_eq!(view["sources"]["YEASTAR_PORT"], "file");
    assert_eq!(view["sources"]["YEASTAR_HOST"], "environment");
    assert_eq!(view["settings"]["ami"]["context"], "from-console");

    // A settings file that cannot be read stops the start, naming SETTINGS_FILE.
    std::fs::write(&file, "[ami]\nport = \"five\"\n").unwrap();
    let out = service(
        &format!("127.0.0.1:{}", free_port()),
        5038,
        None,
        Some(&file),
    )
    .stderr(Stdio::piped())
    .output()
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SETTINGS_FILE"));
    sim.shutdown().await;
    std::fs::remove_dir_all(dir).unwrap();
}
