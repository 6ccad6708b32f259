//! What the facade's integration tests share: configuration from variables and
//! bounded waits on the event stream. Each test binary uses part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)] // tests

use std::time::Duration;

use yeastar_core::Mode;
use yeastar_core::calls::{CallEvent, PbxEvent};
use yeastar_core::config::{PbxConfig, RawSettings};
use yeastar_core::pbx::{Event, Pbx};

/// Longest wait for any one step.
pub(crate) const STEP: Duration = Duration::from_secs(10);

/// The configuration the services would resolve from these environment variables.
pub(crate) fn config(vars: &[(&str, String)]) -> PbxConfig {
    RawSettings::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap()
    .resolve()
    .unwrap()
}

/// The AMI variables of the embedded simulator's default account on 127.0.0.1:`port`.
pub(crate) fn ami_vars(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("YEASTAR_HOST", "127.0.0.1".into()),
        ("YEASTAR_PORT", port.to_string()),
        ("YEASTAR_USERNAME", "ami_user".into()),
        ("YEASTAR_PASSWORD", "ami_password".into()),
    ]
}

/// Pulls events until `want` returns true for one, which is returned; the others are kept
/// in `log`.
pub(crate) async fn wait_for(
    pbx: &Pbx,
    log: &mut Vec<Event>,
    what: &str,
    mut want: impl FnMut(&Event) -> bool,
) -> Event {
    let found = tokio::time::timeout(STEP, async {
        while let Some(event) = pbx.next_event().await {
            if want(&event) {
                return event;
            }
            log.push(event);
        }
        panic!("event stream ended while waiting for {what}");
    })
    .await;
    found.unwrap_or_else(|_| panic!("no {what} within {STEP:?}; seen: {log:#?}"))
}

/// The mode and call event of a call event.
pub(crate) fn call_event(event: &Event) -> Option<(Mode, &CallEvent)> {
    match event {
        Event::Pbx {
            mode,
            event: PbxEvent::Call(call),
        } => Some((*mode, call)),
        _ => None,
    }
}
