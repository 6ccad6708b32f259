//! The SIP modes of the `Pbx` facade while the PBX is unreachable: started anyway, each mode
//! says `connected: false` with the reason and keeps trying; click-to-call says the mode is
//! not connected; shutdown still ends everything. 127.0.0.1 only, ports nobody listens on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests

mod support;

use std::time::Duration;

use support::{STEP, config};
use yeastar_core::Mode;
use yeastar_core::pbx::{Event, ModeStatus, Pbx, PbxError, PbxOptions};
use yeastar_test_peers::free_port;

fn options() -> PbxOptions {
    let mut options = PbxOptions::default();
    options.sip_local_addr = Some("127.0.0.1:0".parse().unwrap());
    options.retry_initial = Duration::from_millis(100);
    options
}

/// The first status of `mode` with `want`, within [`STEP`].
async fn status_where(pbx: &Pbx, want: impl Fn(&ModeStatus) -> bool) -> ModeStatus {
    tokio::time::timeout(STEP, async {
        loop {
            match pbx.next_event().await {
                Some(Event::Status(s)) if want(&s) => return s,
                Some(_) => {}
                None => panic!("stream ended"),
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no such status within {STEP:?}: {:#?}", pbx.status()))
}

async fn shutdown_ends_the_stream(pbx: &Pbx) {
    pbx.shutdown().await;
    tokio::time::timeout(STEP, async { while pbx.next_event().await.is_some() {} })
        .await
        .expect("the stream ends after shutdown");
    assert!(pbx.status().modes.iter().all(|m| m.stopped));
}

#[tokio::test]
async fn a_registrar_refusing_connections_is_reported_and_retried() {
    let vars = [
        ("SIP_SERVER", "127.0.0.1".to_string()),
        ("SIP_PORT", free_port().to_string()),
        ("SIP_TRANSPORT", "TCP".to_string()),
        ("SIP_USERS", "1001:secret:1001:Desk".to_string()),
    ];
    let pbx = Pbx::start_with(config(&vars), options()).await.unwrap();
    let down = status_where(&pbx, |s| s.failed_attempts > 0).await;
    assert_eq!(down.mode, Mode::Sip);
    assert!(!down.connected && !down.stopped);
    assert!(
        down.last_error.as_deref().unwrap().starts_with("1001: "),
        "{down:?}"
    );
    assert!(!down.accounts[0].registered);
    assert!(down.accounts[0].last_error.is_some());
    let e = pbx.click_to_call("1002", "1003").await.unwrap_err();
    // The user agent runs: it tries, and the INVITE fails like the REGISTERs.
    assert!(
        matches!(&e, PbxError::NotAnswered { from, reason } if from == "1002" && reason.contains("transport")),
        "{e}"
    );
    shutdown_ends_the_stream(&pbx).await;
}

#[tokio::test]
async fn a_registrar_name_that_does_not_resolve_is_retried_with_backoff() {
    let vars = [
        ("SIP_SERVER", "pbx.invalid".to_string()),
        ("SIP_USERS", "1001:secret:1001:Desk".to_string()),
    ];
    let pbx = Pbx::start_with(config(&vars), options()).await.unwrap();
    let second = status_where(&pbx, |s| s.failed_attempts >= 2).await;
    assert!(!second.connected);
    assert!(
        second
            .last_error
            .as_deref()
            .unwrap()
            .contains("pbx.invalid"),
        "{second:?}"
    );
    assert!(pbx.user_agent().is_none(), "not set up yet");
    let e = pbx.click_to_call("1002", "1003").await.unwrap_err();
    assert!(
        matches!(
            e,
            PbxError::NotConnected {
                mode: Mode::Sip,
                reason: Some(_)
            }
        ),
        "{e}"
    );
    shutdown_ends_the_stream(&pbx).await;
}

#[cfg(feature = "ws")]
#[tokio::test]
async fn a_websocket_server_that_is_down_is_reported() {
    let vars = [
        (
            "SIP_WEBSOCKET_URL",
            format!("ws://127.0.0.1:{}/ws", free_port()),
        ),
        ("SIP_USERS", "1004:p:1004:Manager:wsp".to_string()),
    ];
    let pbx = Pbx::start_with(config(&vars), options()).await.unwrap();
    let down = status_where(&pbx, |s| s.failed_attempts > 0).await;
    assert_eq!(down.mode, Mode::WebSocket);
    assert!(down.target.starts_with("ws://127.0.0.1:"));
    assert!(!down.connected);
    assert!(
        down.last_error.as_deref().unwrap().contains("WebSocket"),
        "{down:?}"
    );
    shutdown_ends_the_stream(&pbx).await;
}
