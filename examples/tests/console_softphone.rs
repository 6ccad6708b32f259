//! The console's softphone in two real browsers: Debian's Chromium (headless, fake microphone),
//! driven through chromedriver, each registering a WebSocket user (1004 and 1005, each with its
//! own WebSocket password) at Kamailio's WSS listener on 127.0.0.2 with the account the
//! `yeastar-service` binary hands out after checking the console token. One calls the other,
//! the callee answers, audio flows both ways over a loopback-only ICE path, DTMF (RFC 4733) and
//! hold work, hang-up ends both; a wrong WebSocket password reads as words.
//!
//! Skips with a message when Chromium, chromedriver or Kamailio (with its websocket module) is
//! missing, and fails instead under `YEASTAR_REQUIRE_PEERS=1`. Screenshots of each state go to
//! `target/softphone-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use std::process::Stdio;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use yeastar_ami::sim::{PbxSimulator, SimConfig};
use yeastar_test_peers::{Kamailio, kamailio_websocket_module, skip};

use support::{
    Browser, Peers, find_program, free_port, http_with_token, script_errors, until, wait_for_http,
};

const TOKEN: &str = "softphone-test-token-7d41c0b2";
/// Kamailio's WSS listener (tests/peers/kamailio).
const WSS_URL: &str = "wss://127.0.0.2:8089/ws";
/// 1004 and 1005 with their WebSocket passwords; 1003 with a wrong one; 1001 not for the
/// softphone (left out of `SOFTPHONE_EXTENSIONS`).
const SIP_USERS: &str = "1004:1004pass:1004:Front desk:1004wspass,\
                         1005:1005pass:1005:Back office:1005wspass,\
                         1003:1003pass:1003:Wrong password:not-the-ws-password,\
                         1001:1001pass:1001:Kitchen:1001pass";

// ---- peers ------------------------------------------------------------------------------------

/// The browser, its driver and Kamailio with its WebSocket module, or `None` (after saying
/// why) when the test must skip.
fn peers() -> Option<Peers> {
    let peers = support::browser();
    if peers.is_none() || find_program(&["kamailio"]).is_none() || !kamailio_websocket_module() {
        skip(
            "chromium, chromedriver or kamailio with its websocket module not installed \
             (apt-get install chromium chromium-driver kamailio kamailio-websocket-modules \
             kamailio-tls-modules)",
        );
        return None;
    }
    peers
}

/// Chromium for a softphone: a fake microphone, media on loopback, the test CA's WSS.
const SOFTPHONE_CHROMIUM_ARGS: &[&str] = &[
    // Fake microphone (a beep) granted without asking.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    // 127.0.0.1 host candidates, so the media can stay on loopback.
    "--allow-loopback-in-peer-connection",
    // Kamailio's WSS listener has a certificate of a throw-away test CA.
    "--ignore-certificate-errors",
];

/// A request to the service with the console token.
async fn http(addr: &str, method: &str, path: &str) -> (u16, Value) {
    http_with_token(addr, TOKEN, method, path).await
}

// ---- the service ------------------------------------------------------------------------------

fn start_service(http_addr: &str, pbx_port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", pbx_port.to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "ami_password")
        .env("SIP_WEBSOCKET_URL", WSS_URL)
        .env("SIP_USERS", SIP_USERS)
        .env("SOFTPHONE_EXTENSIONS", "1004,1005,1003")
        .env("HTTP_ADDR", http_addr)
        .env("CONSOLE_TOKEN", TOKEN)
        .env_remove("SETTINGS_FILE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

// ---- the softphone page -------------------------------------------------------------------------

impl Browser {
    /// Opens the console with the token and the loopback-only ICE option, picks `extension`
    /// and connects.
    async fn open_phone(&self, http_addr: &str, extension: &str) {
        self.client
            .goto(&format!("http://{http_addr}/?ice=loopback#token={TOKEN}"))
            .await
            .unwrap();
        self.wait_present("#softphone:not([hidden]) #sp-extension option")
            .await;
        self.connect(extension).await;
    }

    async fn connect(&self, extension: &str) {
        self.client
            .find(Locator::Css("#sp-extension"))
            .await
            .unwrap()
            .select_by_value(extension)
            .await
            .unwrap();
        self.click("#sp-connect").await;
    }

    /// The page's own summary of the call's `RTCPeerConnection` statistics.
    async fn stats(&self) -> Value {
        self.js("return window.softphone.stats();", Value::Null)
            .await
    }

    async fn phone_state(&self) -> Value {
        self.js("return window.softphone.state();", Value::Null)
            .await
    }

    async fn wait_status(&self, state: &str) {
        self.wait_present(&format!("#sp-status[data-state=\"{state}\"]"))
            .await;
    }

    async fn wait_call_state(&self, state: &str) {
        self.wait_visible(&format!("#sp-call-state[data-state=\"{state}\"]"))
            .await;
    }

    /// Waits until `css` is on screen (rendered, not merely in the document).
    async fn wait_visible(&self, css: &str) {
        until(&format!("{css} to show"), || async {
            (!self.is_hidden(css).await).then_some(())
        })
        .await;
    }

    /// Audio packets received, once they exceed `more_than`.
    async fn wait_packets(&self, more_than: u64) -> Value {
        until(&format!("more than {more_than} audio packets"), || async {
            let stats = self.stats().await;
            (stats["packetsReceived"].as_u64()? > more_than).then_some(stats)
        })
        .await
    }

    async fn is_hidden(&self, css: &str) -> bool {
        self.js(
            "const e = document.querySelector(arguments[0]); return !e || e.offsetParent === null;",
            json!(css),
        )
        .await
            == true
    }
}

fn is_loopback(address: &Value) -> bool {
    address.as_str().is_some_and(|a| a.starts_with("127."))
}

// ---- the test ---------------------------------------------------------------------------------

/// The accounts over HTTP, without a browser or a PBX: only with the token, only the allowed
/// extensions, the WebSocket password, never cached.
#[tokio::test]
async fn softphone_accounts_need_the_token_and_only_allowed_extensions_are_given() {
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut service = start_service(&http_addr, sim.addr().port());
    wait_for_http(&http_addr).await;
    // -- the accounts reach only the token's holder, only for the allowed extensions ---------
    let (status, list) = http(&http_addr, "GET", "/console/softphone").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["websocket_url"], WSS_URL);
    let listed: Vec<_> = list["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["extension"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["1004", "1005", "1003"]);
    assert!(
        ["1004wspass", "1005wspass", "1003pass", "\"password\":"]
            .iter()
            .all(|secret| !list.to_string().contains(secret)),
        "no password in the list: {list}"
    );
    let (status, account) = http(&http_addr, "GET", "/console/softphone/1004").await;
    assert_eq!(status, 200);
    assert_eq!(account["password"], "1004wspass", "the WebSocket password");
    assert_eq!(account["uri"], "sip:1004@127.0.0.2");
    let (status, _) = http(&http_addr, "GET", "/console/softphone/1001").await;
    assert_eq!(status, 404, "1001 is not among SOFTPHONE_EXTENSIONS");
    let mut stream = TcpStream::connect(&http_addr).await.unwrap();
    stream
        .write_all(
            format!("GET /console/softphone/1004 HTTP/1.1\r\nHost: {http_addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 401"), "without the token: {raw}");
    assert!(!raw.contains("1004wspass"));
    let mut stream = TcpStream::connect(&http_addr).await.unwrap();
    stream
        .write_all(
            format!(
                "GET /console/softphone/1005 HTTP/1.1\r\nHost: {http_addr}\r\n\
                 Authorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(
        raw.to_ascii_lowercase().contains("cache-control: no-store"),
        "{raw}"
    );
    assert!(raw.contains("1005wspass"), "{raw}");

    service.kill().await.unwrap();
    sim.shutdown().await;
}

/// Set in the copy of this test that runs inside its own network namespace.
const NETNS_MARK: &str = "YEASTAR_SOFTPHONE_LOOPBACK_NETNS";

/// Runs this test again inside a new network namespace whose only interface is `lo`
/// (`unshare --net --map-root-user`, no privilege needed), so that Chromium has no address but
/// 127.0.0.1 to gather ICE candidates on: on the host it would also pair its LAN address with
/// the other side's 127.0.0.1 (the kernel delivers that over `lo` as well) and might select that
/// pair. `None` when no namespace can be made here: the test then runs in place.
fn rerun_in_loopback_namespace(test: &str) -> Option<std::process::ExitStatus> {
    if std::env::var_os(NETNS_MARK).is_some() {
        return None;
    }
    let probe = std::process::Command::new("unshare")
        .args(["--net", "--map-root-user", "--", "true"])
        .stderr(Stdio::null())
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("no network namespace available (unshare): running on the host's network");
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new("unshare")
        .args(["--net", "--map-root-user", "--", "sh", "-c"])
        .arg("ip link set lo up && exec \"$0\" \"$@\"")
        .arg(exe)
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(NETNS_MARK, "1")
        .status()
        .unwrap();
    Some(status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_browser_softphones_call_each_other_through_kamailio_wss() {
    let Some(peers) = peers() else {
        return;
    };
    if let Some(status) =
        rerun_in_loopback_namespace("two_browser_softphones_call_each_other_through_kamailio_wss")
    {
        assert!(status.success(), "the test failed in its network namespace");
        return;
    }
    let kamailio = Kamailio::start(&[]);
    let sim = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut service = start_service(&http_addr, sim.addr().port());
    wait_for_http(&http_addr).await;

    let caller = Browser::start(&peers, SOFTPHONE_CHROMIUM_ARGS, "softphone-screenshots").await;
    let callee = Browser::start(&peers, SOFTPHONE_CHROMIUM_ARGS, "softphone-screenshots").await;

    // -- both register over WSS ----------------------------------------------------------------
    caller.open_phone(&http_addr, "1004").await;
    callee.open_phone(&http_addr, "1005").await;
    caller.wait_status("registered").await;
    callee.wait_status("registered").await;
    let registrations = kamailio.kamcmd(&["ul.dump"]);
    for user in ["1004", "1005"] {
        assert!(
            registrations.contains(&format!("AoR: {user}")),
            "{user} not at the registrar: {registrations}"
        );
    }
    assert!(registrations.contains("transport=ws"), "{registrations}");
    caller.screenshot("1-registered").await;

    // -- 1004 calls 1005: it rings, 1005 answers ------------------------------------------------
    caller.type_into("#sp-number", "1005").await;
    caller.click("#sp-call-button").await;
    callee.wait_visible("#sp-incoming").await;
    assert!(caller.is_hidden("#sp-incoming").await);
    assert!(callee.text("#sp-caller").await.unwrap().contains("1004"));
    callee
        .wait_present("#calls tr.calls-local[data-state=\"ringing\"]")
        .await;
    callee.screenshot("2-incoming").await;
    callee.click("#sp-answer").await;
    caller.wait_call_state("answered").await;
    callee.wait_call_state("answered").await;
    assert!(callee.is_hidden("#sp-incoming").await);
    caller
        .wait_present("#calls tr.calls-local[data-state=\"answered\"]")
        .await;

    // -- audio both ways, on loopback only ---------------------------------------------------
    for (name, side) in [("caller", &caller), ("callee", &callee)] {
        let stats = side.wait_packets(25).await;
        assert!(
            is_loopback(&stats["local"]) && is_loopback(&stats["remote"]),
            "{name}'s selected candidate pair is not on loopback: {stats}"
        );
        assert!(
            stats["packetsSent"].as_u64().unwrap() > 0,
            "{name}: {stats}"
        );
    }
    let timer = caller.text("#sp-timer").await.unwrap();
    until("the call timer to tick", || async {
        (caller.text("#sp-timer").await? != timer).then_some(())
    })
    .await;
    caller.screenshot("3-in-call").await;
    caller.screenshot_of("#softphone", "3-in-call-panel").await;

    // -- DTMF as RFC 4733 telephone-events -------------------------------------------------------
    for key in ["1", "5", "#"] {
        caller
            .click(&format!("#sp-pad button[data-key=\"{key}\"]"))
            .await;
    }
    until("the browser to play the three keys", || async {
        let state = caller.phone_state().await;
        (state["tonesPlayed"] == "15#").then_some(())
    })
    .await;
    let state = caller.phone_state().await;
    assert_eq!(state["dtmfSent"], "15#");
    assert_eq!(state["telephoneEvent"], true, "{state}");
    assert_eq!(callee.phone_state().await["telephoneEvent"], true);
    assert_eq!(caller.text("#sp-dtmf-sent").await.unwrap(), "15#");
    caller.client.set_window_size(420, 900).await.unwrap();
    caller
        .screenshot_of("#softphone", "3-in-call-phone-size")
        .await;
    caller.client.set_window_size(1400, 1000).await.unwrap();

    // -- hold and resume -------------------------------------------------------------------------
    caller.click("#sp-hold").await;
    caller.wait_call_state("on_hold").await;
    callee.wait_call_state("held_by_peer").await;
    assert_eq!(caller.phone_state().await["onHold"]["local"], true);
    assert_eq!(callee.phone_state().await["onHold"]["remote"], true);
    // The held side gets nothing from the other (it answered recvonly).
    let before = caller.stats().await["packetsReceived"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let during = caller.stats().await["packetsReceived"].as_u64().unwrap();
    assert!(
        during - before < 10,
        "audio kept coming while on hold: {before} → {during}"
    );
    caller.screenshot("4-on-hold").await;
    caller.click("#sp-hold").await;
    caller.wait_call_state("answered").await;
    callee.wait_call_state("answered").await;
    caller.wait_packets(during + 25).await;

    // -- mute ----------------------------------------------------------------------------------
    callee.click("#sp-mute").await;
    callee.wait_present("#sp-mute[aria-pressed=\"true\"]").await;
    callee.click("#sp-mute").await;
    callee
        .wait_present("#sp-mute[aria-pressed=\"false\"]")
        .await;

    // -- a blind transfer to an extension that is not registered: REFER accepted by the other
    //    phone, its new call refused by the registrar, the NOTIFY back says so, the call stays -
    caller.type_into("#sp-transfer-to", "1003").await;
    caller.click("#sp-transfer").await;
    callee
        .wait_text("#sp-message", "The transfer did not go through")
        .await;
    caller
        .wait_text("#sp-message", "The transfer to 1003 failed")
        .await;
    caller.wait_call_state("answered").await;
    callee.wait_call_state("answered").await;

    // -- hang-up ends both -----------------------------------------------------------------------
    callee.click("#sp-hangup").await;
    for side in [&caller, &callee] {
        until("the call to end", || async {
            (side.is_hidden("#sp-call").await
                && side.is_hidden("#sp-incoming").await
                && !side.is_hidden("#sp-dial").await
                && side.phone_state().await["call"].is_null())
            .then_some(())
        })
        .await;
        side.wait_absent("#calls tr.calls-local").await;
    }
    callee.wait_text("#sp-message", "Call ended.").await;
    caller.wait_text("#sp-message", "The call ended.").await;
    callee.screenshot("5-ended").await;

    // -- a refused microphone is shown in words, and no call goes out ------------------------
    caller
        .js(
            "navigator.mediaDevices.getUserMedia = () => \
               Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));",
            Value::Null,
        )
        .await;
    caller.type_into("#sp-number", "1005").await;
    caller.click("#sp-call-button").await;
    caller
        .wait_text("#sp-message", "The microphone is blocked for this page")
        .await;
    assert!(caller.phone_state().await["call"].is_null());
    assert!(callee.is_hidden("#sp-incoming").await);
    caller.screenshot("6-microphone-blocked").await;

    // -- a wrong WebSocket password is shown in words ------------------------------------------
    caller.click("#sp-disconnect").await;
    caller.wait_status("off").await;
    caller.connect("1003").await;
    caller.wait_status("failed").await;
    let message = caller
        .wait_text("#sp-message", "refused the password of extension 1003")
        .await;
    assert!(message.contains("WebSocket password"), "{message}");
    caller.screenshot("7-wrong-password").await;

    // -- installable: the manifest and the shell's service worker; no secret in the shell ----
    let manifest = caller
        .js(
            "return fetch('/manifest.webmanifest').then((r) => r.json());",
            Value::Null,
        )
        .await;
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    until("the service worker to be active", || async {
        let active = caller
            .js(
                "return navigator.serviceWorker.getRegistration('/').then((r) => !!(r && r.active));",
                Value::Null,
            )
            .await;
        (active == true).then_some(())
    })
    .await;
    let shell = caller
        .js(
            "return caches.keys().then((keys) => Promise.all(keys.map((k) => caches.open(k)\
               .then((c) => c.keys()).then((rs) => rs.map((r) => new URL(r.url).pathname)))))\
               .then((lists) => lists.flat());",
            Value::Null,
        )
        .await;
    let kept: Vec<&str> = shell
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(kept.contains(&"/console/softphone.js"), "{kept:?}");
    assert!(
        kept.iter()
            .all(|p| !p.starts_with("/console/softphone/") && *p != "/events"),
        "the worker keeps only the shell: {kept:?}"
    );
    for path in [
        "/",
        "/console/app.js",
        "/console/softphone.js",
        "/console/vendor/jssip.min.js",
        "/manifest.webmanifest",
        "/sw.js",
    ] {
        let body = caller
            .js(
                "return fetch(arguments[0]).then((r) => r.text());",
                json!(path),
            )
            .await;
        let body = body.as_str().unwrap();
        assert!(
            !body.contains("1004wspass") && !body.contains("1005wspass"),
            "{path} holds a password"
        );
    }

    // -- a phone-sized screen ----------------------------------------------------------------------
    callee.client.set_window_size(390, 844).await.unwrap();
    callee.screenshot("8-phone-size").await;
    let overflow = callee
        .js(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            Value::Null,
        )
        .await;
    assert_eq!(overflow, false, "the page is wider than a phone screen");

    for (name, side) in [("caller", &caller), ("callee", &callee)] {
        let log = side.log().await;
        let errors = script_errors(&log);
        assert!(errors.is_empty(), "{name}'s script errors: {errors:#?}");
    }
    caller.close().await;
    callee.close().await;
    service.kill().await.unwrap();
    sim.shutdown().await;
    drop(kamailio);
}
