//! What the browser tests share: finding Chromium and chromedriver, a headless Chromium in a
//! fresh profile driven over WebDriver (fantoccini), bounded polling, and a one-shot HTTP
//! client for the service's API.
#![allow(dead_code)] // each test binary uses its own part

use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use yeastar_test_peers::RunDir;

/// Every wait of these tests ends within this time.
pub(crate) const LIMIT: Duration = Duration::from_secs(30);
/// How often a wait looks again.
pub(crate) const POLL: Duration = Duration::from_millis(100);

/// The browser and its driver.
pub(crate) struct Peers {
    pub(crate) chromium: PathBuf,
    pub(crate) chromedriver: PathBuf,
}

/// The first of `names` in `PATH`, `/usr/bin` or `/usr/sbin`.
pub(crate) fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in
        std::env::split_paths(&path).chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
    {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Chromium and chromedriver, or `None` when either is missing.
pub(crate) fn browser() -> Option<Peers> {
    Some(Peers {
        chromium: find_program(&["chromium", "chromium-browser"])?,
        chromedriver: find_program(&["chromedriver"])?,
    })
}

pub(crate) use yeastar_test_peers::free_port;

/// Polls `check` until it gives a value; panics naming `what` after [`LIMIT`].
pub(crate) async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// A minimal HTTP/1.1 request (one per connection), with the console `token` when given and
/// a JSON `body`: the status and the JSON answer (`Null` when it is not JSON).
pub(crate) async fn http_request(
    addr: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let body = body.unwrap_or("");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let (_, payload) = text.split_once("\r\n\r\n").unwrap();
    (status, serde_json::from_str(payload).unwrap_or(Value::Null))
}

/// [`http_request`] without a body, with the console token.
pub(crate) async fn http_with_token(
    addr: &str,
    token: &str,
    method: &str,
    path: &str,
) -> (u16, Value) {
    http_request(addr, Some(token), method, path, None).await
}

pub(crate) async fn wait_for_http(addr: &str) {
    until("the HTTP port", || async {
        TcpStream::connect(addr).await.ok().map(drop)
    })
    .await;
}

/// chromedriver on a free loopback port, with Chromium in a fresh profile.
pub(crate) struct Browser {
    driver: Child,
    pub(crate) client: Client,
    /// The process group of chromedriver and the Chromium it starts (Unix).
    group: Option<u32>,
    screenshots: PathBuf,
    _profile: RunDir,
}

impl Drop for Browser {
    /// A failing test never reaches [`Browser::close`]: killing chromedriver alone would leave
    /// Chromium running, so the whole process group goes.
    fn drop(&mut self) {
        if let Some(group) = self.group.take() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// `POST /session/{id}/se/log`: chromedriver's browser log (console messages, script errors,
/// failed requests).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

impl Browser {
    /// Headless Chromium with `extra_args` beside the usual ones; screenshots go to
    /// `target/<screenshots>/`.
    pub(crate) async fn start(peers: &Peers, extra_args: &[&str], screenshots: &str) -> Browser {
        let port = free_port();
        let profile = RunDir::new("chromium-profile");
        let mut command = Command::new(&peers.chromedriver);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        let driver = command.spawn().unwrap();
        // Its own group (Unix): the group id is its process id.
        let group = if cfg!(unix) { driver.id() } else { None };
        let url = format!("http://127.0.0.1:{port}");
        wait_for_http(&format!("127.0.0.1:{port}")).await;
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1000",
        ]
        .iter()
        .chain(extra_args)
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": peers.chromium, "args": args }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            LIMIT,
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&url),
        )
        .await
        .expect("chromedriver did not open a session in time")
        .expect("chromedriver refused the session");
        Browser {
            driver,
            client,
            group,
            screenshots: screenshot_dir(screenshots),
            _profile: profile,
        }
    }

    /// The browser log entries since the last read.
    pub(crate) async fn log(&self) -> Vec<Value> {
        let entries = self.client.issue_cmd(BrowserLog).await.unwrap();
        entries.as_array().cloned().unwrap_or_default()
    }

    /// Runs `script` (a function body; `arguments[0]` is `arg`) in the page.
    pub(crate) async fn js(&self, script: &str, arg: Value) -> Value {
        self.client.execute(script, vec![arg]).await.unwrap()
    }

    /// The text of the first element matching `css`, or `None`.
    pub(crate) async fn text(&self, css: &str) -> Option<String> {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            json!(css),
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    pub(crate) async fn wait_text(&self, css: &str, needle: &str) -> String {
        until(&format!("{css} to contain {needle:?}"), || async {
            self.text(css).await.filter(|t| t.contains(needle))
        })
        .await
    }

    pub(crate) async fn wait_present(&self, css: &str) {
        until(&format!("{css} to appear"), || async {
            self.text(css).await.map(drop)
        })
        .await;
    }

    pub(crate) async fn wait_absent(&self, css: &str) {
        until(&format!("{css} to go"), || async {
            self.text(css).await.is_none().then_some(())
        })
        .await;
    }

    pub(crate) async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Replaces an input's value as a person would: select all, type.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let input = self.client.find(Locator::Css(css)).await.unwrap();
        input.clear().await.unwrap();
        if !text.is_empty() {
            input.send_keys(text).await.unwrap();
        }
    }

    /// The page as far down as it goes (the body's box), as a PNG.
    pub(crate) async fn screenshot(&self, name: &str) {
        self.screenshot_of("body", name).await;
    }

    /// One element of the page, as a PNG.
    pub(crate) async fn screenshot_of(&self, css: &str, name: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        let png = element.screenshot().await.unwrap();
        std::fs::create_dir_all(&self.screenshots).unwrap();
        std::fs::write(self.screenshots.join(format!("{name}.png")), png).unwrap();
    }

    /// Ends the session (Chromium exits), then chromedriver; the drop kills what is left.
    pub(crate) async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}

/// `target/<name>/` of the target directory this test binary was built in.
fn screenshot_dir(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test>-<hash>
    let target = exe.ancestors().nth(3).unwrap();
    target.join(name)
}

/// Severe browser log entries other than failed requests (a refused call answers 502 on
/// purpose; the browser logs each such response).
pub(crate) fn script_errors(log: &[Value]) -> Vec<&Value> {
    log.iter()
        .filter(|e| e["level"] == "SEVERE" && e["source"] != "network")
        .collect()
}
