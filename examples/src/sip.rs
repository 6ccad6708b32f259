//! What the SIP binaries (`sip-phone`, `pjsip-service`) share: the local address, the user
//! agent of either mode with its RTP plan (native or over `SIP_WEBSOCKET_URL`), tones, and
//! the stop signal. Transports and accounts come from `yeastar-core`'s configuration
//! (`SipConfig::bind_native_transport`, `SipUser::account`).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::sync::broadcast;

use yeastar_core::config::{NativeTransportError, SipConfig, SipMode};
use yeastar_sip::driver::{
    AgentConfig, AgentEvents, MediaPlan, UserAgent, local_ip_towards, resolve,
};
use yeastar_sip::ua::Remote;
use yeastar_ws::{ClientConfig, WsClient, WsStatus};

use crate::ConfigError;

/// Samples per 20 ms frame at 8 kHz.
pub const FRAME: usize = 160;
/// Sample rate of every tone and prompt.
pub const SAMPLE_RATE: u32 = 8000;

fn config_error(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        reason: reason.into(),
    }
}

/// `SIP_LOCAL_ADDR`: `ip` or `ip:port` to bind SIP and RTP to; `None` when unset.
pub fn local_addr_from_env() -> Result<Option<SocketAddr>, ConfigError> {
    match std::env::var("SIP_LOCAL_ADDR") {
        Ok(v) if !v.trim().is_empty() => {
            let v = v.trim();
            v.parse::<SocketAddr>()
                .or_else(|_| v.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 0)))
                .map(Some)
                .map_err(|_| {
                    config_error(
                        "SIP_LOCAL_ADDR",
                        format!("{v:?} is not an address (ip or ip:port)"),
                    )
                })
        }
        _ => Ok(None),
    }
}

/// A running user agent of either mode and what its accounts need.
#[derive(Debug)]
pub struct SipAgent {
    /// The agent.
    pub agent: UserAgent,
    /// Its events.
    pub events: AgentEvents,
    /// The registrar and proxy (on the WebSocket flow in WebSocket mode).
    pub proxy: Remote,
    /// The accounts' domain: `SIP_SERVER`, else (WebSocket) the URL's host.
    pub domain: String,
    /// WebSocket mode: the link's status (connected, lost, recovered: registrations are
    /// made again on recovery).
    pub status: Option<broadcast::Receiver<WsStatus>>,
}

/// Starts the user agent of `sip`'s mode, native or over `SIP_WEBSOCKET_URL`.
pub async fn start_agent(
    sip: &SipConfig,
    local: Option<SocketAddr>,
) -> Result<SipAgent, ConfigError> {
    match sip.mode() {
        SipMode::Native => start_native(sip, local).await,
        SipMode::WebSocket => start_websocket(sip, local).await,
    }
}

/// The RTP ports of `RTP_PORT_MIN`..`RTP_PORT_MAX`, announced at `local` when it is a
/// specific address.
fn media_plan(sip: &SipConfig, local: Option<IpAddr>) -> Result<MediaPlan, ConfigError> {
    let plan = MediaPlan::with_ports(sip.rtp_port_min, sip.rtp_port_max)
        .map_err(|e| config_error("RTP_PORT_MIN", e.to_string()))?;
    Ok(match local {
        Some(ip) if !ip.is_unspecified() => plan.address(ip),
        _ => plan,
    })
}

/// Starts a user agent for the native mode of `sip`: resolves `SIP_SERVER`, binds the
/// transport on `local` (default: the address that routes to the server, any port) and takes
/// RTP ports from `RTP_PORT_MIN`..`RTP_PORT_MAX`. Errors name the variable.
async fn start_native(sip: &SipConfig, local: Option<SocketAddr>) -> Result<SipAgent, ConfigError> {
    let server = sip.server.clone().ok_or_else(|| {
        config_error(
            "SIP_SERVER",
            "is required for native SIP (the registrar's host)",
        )
    })?;
    let proxy = resolve(&server, sip.port, sip.transport.native_kind())
        .await
        .map_err(|e| config_error("SIP_SERVER", e.to_string()))?;
    let local = local.unwrap_or_else(|| {
        let ip = local_ip_towards(proxy.addr).unwrap_or(if proxy.addr.is_ipv4() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([0u16; 8])
        });
        SocketAddr::new(ip, 0)
    });
    let transport = sip
        .bind_native_transport(&server, local)
        .await
        .map_err(|e| {
            let variable = match &e {
                NativeTransportError::Bind { .. } => "SIP_LOCAL_ADDR",
                NativeTransportError::Tls(_) => "SIP_CA_FILE",
                _ => "SIP_TRANSPORT",
            };
            config_error(variable, e.to_string())
        })?;
    let mut config = AgentConfig::new(vec![transport]);
    config.media = media_plan(sip, Some(local.ip()))?;
    let (agent, events) =
        UserAgent::start(config).map_err(|e| config_error("SIP_TRANSPORT", e.to_string()))?;
    Ok(SipAgent {
        agent,
        events,
        proxy,
        domain: server,
        status: None,
    })
}

/// Starts a user agent over `SIP_WEBSOCKET_URL` (its default built from `SIP_SERVER`): wss
/// is verified against the system roots, or `SIP_CA_FILE` when set; `local` picks the
/// source address. RTP ports come from `RTP_PORT_MIN`..`RTP_PORT_MAX`. Errors name the
/// variable.
async fn start_websocket(
    sip: &SipConfig,
    local: Option<SocketAddr>,
) -> Result<SipAgent, ConfigError> {
    let url = sip
        .websocket_url
        .clone()
        .ok_or_else(|| config_error("SIP_WEBSOCKET_URL", "is required for WebSocket"))?;
    let mut client_config = ClientConfig::new(url);
    if let Some(ca) = &sip.ca_file {
        client_config = client_config.with_ca_file(ca);
    }
    if let Some(local) = local {
        client_config = client_config.with_local_ip(local.ip());
    }
    let client = WsClient::new(client_config)
        .await
        .map_err(|e| config_error("SIP_WEBSOCKET_URL", e.to_string()))?;
    let proxy = client.remote();
    let domain = sip
        .server
        .clone()
        .unwrap_or_else(|| client.host().to_owned());
    // Subscribed before the transport starts, to see its first connection.
    let status = client.status();
    let mut config = AgentConfig::new(vec![Box::new(client)]);
    config.media = media_plan(sip, local.map(|l| l.ip()))?;
    let (agent, events) =
        UserAgent::start(config).map_err(|e| config_error("SIP_WEBSOCKET_URL", e.to_string()))?;
    Ok(SipAgent {
        agent,
        events,
        proxy,
        domain,
        status: Some(status),
    })
}

/// The user part of a From/To value (`"Bob" <sip:1002@pbx>;tag=x` → `1002`), else the value.
pub fn user_part(value: &str) -> String {
    let uri = value
        .find("sip:")
        .or_else(|| value.find("sips:"))
        .and_then(|i| value.get(i..))
        .and_then(|u| u.split_once(':'))
        .map(|(_, rest)| rest);
    match uri.and_then(|rest| rest.split_once('@')) {
        Some((user, _)) if !user.is_empty() => user.to_owned(),
        _ => value.trim().to_owned(),
    }
}

/// `duration` of a sine at `hz` and `amplitude` (of 32767), 8 kHz.
pub fn tone(hz: f64, duration: Duration, amplitude: f64) -> Vec<i16> {
    let samples = (duration.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as usize;
    (0..samples)
        .map(|i| {
            let t = i as f64 / f64::from(SAMPLE_RATE);
            (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

/// One second of a 1 kHz tone at -12 dBFS.
pub fn test_tone() -> Vec<i16> {
    tone(1000.0, Duration::from_secs(1), 8192.0)
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_parts() {
        assert_eq!(user_part("\"Bob\" <sip:1002@127.0.0.2>;tag=x"), "1002");
        assert_eq!(user_part("<sips:1003@pbx;transport=tls>"), "1003");
        assert_eq!(user_part("anonymous"), "anonymous");
    }

    #[test]
    fn tones_have_their_length_and_level() {
        let t = tone(1000.0, Duration::from_millis(20), 8192.0);
        assert_eq!(t.len(), FRAME);
        let peak = t.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!((8000..=8192).contains(&peak), "{peak}");
    }
}
