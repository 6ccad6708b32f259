//! The web console in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (WebDriver) against the real `yeastar-service` binary and the embedded PBX simulator.
//!
//! Skips with a message when `chromium` or `chromedriver` is missing (`apt-get install chromium
//! chromium-driver`), and fails instead under `YEASTAR_REQUIRE_PEERS=1`. Screenshots of each
//! view go to `target/console-screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;
use tokio::process::{Child, Command};
use yeastar_ami::sim::{
    CallOutcome, CallScript, CallStep, FinishedCall, PbxSimulator, SimConfig, TransferKind,
};
use yeastar_test_peers::{RunDir, skip};

use support::{
    Browser, LIMIT, POLL, Peers, free_port, http_with_token, script_errors, until, wait_for_http,
};

const TOKEN: &str = "browser-test-token-5f1c2a9e";

// ---- peers ------------------------------------------------------------------------------------

/// The browser and its driver, or `None` (after saying why) when the test must skip.
fn peers() -> Option<Peers> {
    let peers = support::browser();
    if peers.is_none() {
        skip("chromium or chromedriver not installed (apt-get install chromium chromium-driver)");
    }
    peers
}

/// A request to the service with the console token.
async fn http(addr: &str, method: &str, path: &str) -> (u16, Value) {
    http_with_token(addr, TOKEN, method, path).await
}

// ---- helpers ----------------------------------------------------------------------------------

/// The ground truth of the simulator: finished calls drained so far.
struct Truth(Vec<FinishedCall>);

impl Truth {
    async fn wait(
        &mut self,
        sim: &PbxSimulator,
        what: &str,
        pred: impl Fn(&FinishedCall) -> bool,
    ) -> FinishedCall {
        let deadline = tokio::time::Instant::now() + LIMIT;
        loop {
            self.0.extend(sim.finished_calls());
            if let Some(call) = self.0.iter().find(|c| pred(c)) {
                return call.clone();
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("the simulator never finished {what}: {:#?}", self.0);
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

// ---- the service ------------------------------------------------------------------------------

fn start_service(http_addr: &str, pbx_port: u16, settings_file: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_yeastar-service"))
        .env("YEASTAR_HOST", "127.0.0.1")
        .env("YEASTAR_PORT", pbx_port.to_string())
        .env("YEASTAR_USERNAME", "ami_user")
        .env("YEASTAR_PASSWORD", "ami_password")
        .env("HTTP_ADDR", http_addr)
        .env("CONSOLE_TOKEN", TOKEN)
        .env("SETTINGS_FILE", settings_file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

// ---- the test ---------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_live_calls_history_and_settings_in_chromium() {
    let Some(peers) = peers() else {
        return;
    };
    let sim =
        PbxSimulator::start(SimConfig::modern().with_answer_delay(Duration::from_millis(300)))
            .await
            .unwrap();
    // The PBX the settings move the service to.
    let second = PbxSimulator::start(SimConfig::modern()).await.unwrap();
    let dir = RunDir::new("console");
    let settings_file = dir.path().join("settings.toml");
    let http_addr = format!("127.0.0.1:{}", free_port());
    let mut service = start_service(&http_addr, sim.addr().port(), &settings_file);
    wait_for_http(&http_addr).await;
    let browser = Browser::start(&peers, &[], "console-screenshots").await;
    let mut truth = Truth(Vec::new());

    // -- the page loads, takes the token from the address and goes live --------------------
    browser
        .client
        .goto(&format!("http://{http_addr}/#token={TOKEN}"))
        .await
        .unwrap();
    browser.wait_text("#stream-status", "service: live").await;
    browser.wait_text("#pbx-status", "PBX: connected").await;
    browser
        .wait_present("#extensions [data-extension=\"1003\"]")
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert!(!url.as_str().contains(TOKEN), "the token stays in {url}");
    assert_eq!(
        browser
            .text("#extensions [data-extension=\"1003\"] .reg")
            .await
            .as_deref(),
        Some("not registered")
    );
    let log = browser.log().await;
    let severe: Vec<_> = log.iter().filter(|e| e["level"] == "SEVERE").collect();
    assert!(severe.is_empty(), "console errors at load: {severe:#?}");

    // -- a scripted call appears ringing, then answered, its duration ticking ---------------
    sim.play(
        CallScript::new("1002", "1001")
            .caller_name("Reception")
            .then(Duration::from_secs(5), CallStep::Answer)
            .then(Duration::from_secs(300), CallStep::CallerHangup),
    )
    .unwrap();
    browser
        .wait_present("#calls tr[data-state=\"ringing\"]")
        .await;
    let call_id = browser
        .js(
            "return document.querySelector('#calls tr[data-state=\"ringing\"]').dataset.callId;",
            Value::Null,
        )
        .await
        .as_str()
        .unwrap()
        .to_string();
    let row = format!("#calls tr[data-call-id=\"{call_id}\"]");
    assert!(
        browser
            .text(&row)
            .await
            .unwrap()
            .contains("1002 (Reception)")
    );
    browser
        .wait_present(&format!("{row}[data-state=\"answered\"]"))
        .await;
    browser
        .wait_present("#extensions [data-extension=\"1001\"][data-status=\"in_use\"]")
        .await;
    let first = browser.text(&format!("{row} td.duration")).await.unwrap();
    until("the duration to tick", || async {
        let now = browser.text(&format!("{row} td.duration")).await?;
        (now != first && now.contains("talk")).then_some(())
    })
    .await;
    browser
        .wait_text("#feed", "answered: 1002 (Reception)")
        .await;
    browser.screenshot("live").await;

    // -- hang-up from the page ends the call at the PBX --------------------------------------
    browser.click(&format!("{row} button.hangup")).await;
    browser.wait_absent(&row).await;
    browser.wait_text("#hangup-result", "Hung up").await;
    let ended = truth
        .wait(&sim, "the call hung up from the page", |c| {
            c.caller == "1002" && c.dialled == "1001"
        })
        .await;
    assert_eq!(ended.outcome, CallOutcome::Answered);
    assert_eq!(
        ended.first_hangup, None,
        "the PBX (a manager Hangup) ended it"
    );

    // -- click-to-call makes the simulator originate -----------------------------------------
    browser
        .client
        .find(Locator::Css("#call-from"))
        .await
        .unwrap()
        .select_by_value("1001")
        .await
        .unwrap();
    browser.type_into("#call-to", "1002").await;
    browser.click("#call-button").await;
    browser
        .wait_text("#call-result", "1001 answered; calling 1002")
        .await;
    let channels = sim.channels();
    assert!(
        channels.iter().any(|c| c.name.starts_with("PJSIP/1001")),
        "no channel of 1001 at the simulator: {channels:?}"
    );
    browser
        .wait_present("#calls tr[data-state=\"answered\"]")
        .await;
    browser.click("#calls tr button.hangup").await;
    browser.wait_absent("#calls tbody tr").await;
    truth
        .wait(&sim, "the click-to-call", |c| {
            c.caller == "1001" && c.dialled == "1002"
        })
        .await;

    // -- the PBX's refusal reads as words ----------------------------------------------------
    browser
        .client
        .find(Locator::Css("#call-from"))
        .await
        .unwrap()
        .select_by_value("1003")
        .await
        .unwrap();
    browser.click("#call-button").await;
    let refused = browser.wait_text("#call-result", "Call not placed").await;
    assert!(refused.contains("not registered"), "{refused}");
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#call-result').className;",
                Value::Null
            )
            .await,
        "result bad"
    );

    // -- more calls for the history: busy, missed, transferred -------------------------------
    sim.register("1003").unwrap();
    sim.play(CallScript::busy("1001", "1002")).unwrap();
    sim.play(CallScript::cancelled(
        "1002",
        "1001",
        Duration::from_millis(300),
    ))
    .unwrap();
    sim.play(CallScript::blind_transfer(
        "1001",
        "1002",
        "1003",
        Duration::from_millis(200),
        Duration::from_millis(300),
    ))
    .unwrap();
    truth
        .wait(&sim, "the busy call", |c| c.outcome == CallOutcome::Busy)
        .await;
    truth
        .wait(&sim, "the missed call", |c| {
            c.outcome == CallOutcome::Cancelled
        })
        .await;
    truth
        .wait(&sim, "the transferred call", |c| {
            c.transfers.iter().any(|t| t.kind == TransferKind::Blind)
        })
        .await;

    // -- history: answered, missed and busy apart; transfers shown; filters -----------------
    browser.click("#tabs button[data-view=\"history\"]").await;
    for disposition in ["answered", "busy", "no_answer"] {
        // The history view reloads when a call ends; the last records may land just after.
        until(&format!("a {disposition} record"), || async {
            browser.click("#history-form button[type=\"submit\"]").await;
            browser
                .text(&format!("#history tr[data-disposition=\"{disposition}\"]"))
                .await
        })
        .await;
    }
    browser
        .wait_text("#history", "blind transfer by 1002 → 1003")
        .await;
    let busy = browser
        .text("#history tr[data-disposition=\"busy\"] .disp")
        .await
        .unwrap();
    assert_eq!(busy, "Busy");
    let missed = browser
        .text("#history tr[data-disposition=\"no_answer\"] .disp")
        .await
        .unwrap();
    assert!(missed.starts_with("Missed"), "{missed}");
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#history th.rec-col').hidden;",
                Value::Null
            )
            .await,
        true,
        "no recording route: no player column"
    );
    // The call scripted first, hung up from the page, is there as answered.
    let scripted =
        format!("#history tr[data-call-id=\"{call_id}\"][data-disposition=\"answered\"]");
    assert!(
        browser
            .text(&scripted)
            .await
            .unwrap()
            .contains("1002 (Reception)"),
        "the scripted call is not in the history"
    );
    browser.screenshot("history").await;
    // Pages: the service skips `offset` records, newest first.
    let (_, all) = http(&http_addr, "GET", "/calls/history").await;
    let (_, page) = http(&http_addr, "GET", "/calls/history?limit=2&offset=1").await;
    assert_eq!(page.as_array().unwrap()[..], all.as_array().unwrap()[1..3]);
    // A date range after today matches nothing.
    browser
        .js(
            "const d = new Date(Date.now() + 2 * 86400000); \
             document.querySelector('#history-since').value = d.toISOString().slice(0, 10);",
            Value::Null,
        )
        .await;
    browser.click("#history-form button[type=\"submit\"]").await;
    until("an empty history for a future date", || async {
        let empty = browser
            .js(
                "return !document.querySelector('#history-empty').hidden \
                 && document.querySelectorAll('#history tbody tr').length === 0;",
                Value::Null,
            )
            .await;
        (empty == true).then_some(())
    })
    .await;
    browser.click("#history-form button[type=\"reset\"]").await;
    browser.type_into("#history-extension", "1003").await;
    browser.click("#history-form button[type=\"submit\"]").await;
    let rows = until("the history filtered on 1003", || async {
        let rows = browser
            .js(
                "return [...document.querySelectorAll('#history tbody tr')].map(r => r.textContent);",
                Value::Null,
            )
            .await;
        let rows: Vec<String> = serde_json::from_value(rows).unwrap();
        (!rows.is_empty() && rows.iter().all(|r| r.contains("1003"))).then_some(rows)
    })
    .await;
    assert!(rows.iter().any(|r| r.contains("→ 1003")), "{rows:?}");

    // -- settings: masked, sourced; a wrong port is refused beside the field ----------------
    let (status, shown) = http(&http_addr, "GET", "/settings").await;
    assert_eq!(status, 200);
    assert!(!shown.to_string().contains("ami_password"), "{shown}");
    browser.click("#tabs button[data-view=\"settings\"]").await;
    until("the settings form", || async {
        let v = browser
            .js(
                "return document.querySelector('#ami-host').value;",
                Value::Null,
            )
            .await;
        (v == "127.0.0.1").then_some(())
    })
    .await;
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#ami-password').value;",
                Value::Null
            )
            .await,
        "********"
    );
    browser
        .wait_text(".field[data-field=\"YEASTAR_HOST\"] .source", "environment")
        .await;
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#sip-rtp-min').disabled;",
                Value::Null
            )
            .await,
        false,
        "native SIP: RTP range editable"
    );
    browser
        .client
        .find(Locator::Css("#sip-method"))
        .await
        .unwrap()
        .select_by_value("websocket")
        .await
        .unwrap();
    assert_eq!(
        browser
            .js(
                "return document.querySelector('#sip-rtp-min').disabled;",
                Value::Null
            )
            .await,
        true,
        "WebSocket: no RTP range"
    );
    browser
        .client
        .find(Locator::Css("#sip-method"))
        .await
        .unwrap()
        .select_by_value("native")
        .await
        .unwrap();

    browser.type_into("#ami-port", "70000").await;
    browser.click("#settings-save").await;
    browser
        .wait_text(
            ".field[data-field=\"YEASTAR_PORT\"] .field-error",
            "not a port",
        )
        .await;
    browser.wait_text("#settings-result", "Nothing saved").await;
    browser.screenshot("settings-error").await;
    // A value only the service can check: its error comes back beside the field too.
    browser
        .type_into("#ami-port", &second.addr().port().to_string())
        .await;
    browser
        .type_into("#ami-ca-file", "/nonexistent/ca.pem")
        .await;
    browser.click("#settings-save").await;
    browser
        .wait_text(
            ".field[data-field=\"YEASTAR_CA_FILE\"] .field-error",
            "not a readable file",
        )
        .await;
    assert!(!settings_file.exists(), "a refused update wrote the file");

    // -- a valid change saves and the connection restarts live ------------------------------
    browser.type_into("#ami-ca-file", "").await;
    browser.click("#settings-save").await;
    browser.wait_text("#settings-result", "Saved.").await;
    browser.wait_text("#feed", "restarting").await;
    browser.wait_text("#pbx-status", "PBX: connected").await;
    until("the second PBX to see the service", || async {
        (second.connection_count() == 1 && sim.connection_count() == 0).then_some(())
    })
    .await;
    let saved = std::fs::read_to_string(&settings_file).unwrap();
    assert!(
        saved.contains(&format!("port = {}", second.addr().port())),
        "{saved}"
    );
    assert!(!saved.contains("ami_password"), "{saved}");
    browser
        .wait_text(
            ".field[data-field=\"YEASTAR_PORT\"] .source",
            "settings file",
        )
        .await;
    browser.screenshot("settings").await;

    // -- the service restarts: the page reconnects by itself, the file still wins -----------
    service.kill().await.unwrap();
    browser.wait_text("#stream-status", "reconnecting").await;
    let mut service = start_service(&http_addr, sim.addr().port(), &settings_file);
    browser.wait_text("#stream-status", "service: live").await;
    browser.wait_text("#pbx-status", "PBX: connected").await;
    until("the restarted service on the second PBX", || async {
        (second.connection_count() == 1).then_some(())
    })
    .await;

    // -- the PBX goes away: the banner says why ---------------------------------------------
    second.shutdown().await;
    let banner = browser.wait_text("#banner", "PBX connection down").await;
    assert!(
        browser
            .js(
                "return document.querySelector('#banner').hidden;",
                Value::Null
            )
            .await
            == false,
        "{banner}"
    );
    browser.click("#tabs button[data-view=\"live\"]").await;
    browser.screenshot("pbx-down").await;

    let log = browser.log().await;
    let errors = script_errors(&log);
    assert!(errors.is_empty(), "script errors: {errors:#?}");

    browser.close().await;
    service.kill().await.unwrap();
    sim.shutdown().await;
}
