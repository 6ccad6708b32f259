//! Shared pieces of the reference binaries in `src/bin/`: configuration from the environment,
//! the web console ([`console`]), the SIP pieces of `sip-phone` and `pjsip-service` ([`sip`]) and
//! the IVR of `pjsip-service` ([`pjsip`]).
//!
//! The binaries reproduce the deployments of a Yeastar integration: `yeastar-service` (AMI:
//! live calls as JSON lines, an HTTP API for click-to-call, hangup, history and extension
//! states) and `quickstart` (the same client against the embedded PBX simulator).

use std::path::PathBuf;

pub mod api;
pub mod console;
pub mod pjsip;
pub mod sip;

use yeastar_ami::client::{ClientConfig, DEFAULT_PORT, DEFAULT_TLS_PORT, TlsOptions};

/// A configuration variable that is missing or wrong; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong and what to do.
    pub reason: String,
}

fn var(name: &'static str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    var(name).ok_or(ConfigError {
        variable: name,
        reason: "is required (see the README's yeastar-service section)".into(),
    })
}

fn flag(name: &'static str) -> Result<bool, ConfigError> {
    match var(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(ConfigError {
            variable: name,
            reason: format!("{other:?} is not a boolean (use true or false)"),
        }),
    }
}

/// True when `YEASTAR_HOST` is set, i.e. a real PBX is configured.
pub fn pbx_configured() -> bool {
    var("YEASTAR_HOST").is_some()
}

/// The AMI client configuration from `YEASTAR_HOST`, `YEASTAR_PORT` (5038, or 5039 with TLS),
/// `YEASTAR_USERNAME`, `YEASTAR_PASSWORD`, `YEASTAR_TLS`, `YEASTAR_CA_FILE`.
pub fn ami_config_from_env() -> Result<ClientConfig, ConfigError> {
    let host = required("YEASTAR_HOST")?;
    let username = required("YEASTAR_USERNAME")?;
    let password = required("YEASTAR_PASSWORD")?;
    let tls = flag("YEASTAR_TLS")?;
    let port = match var("YEASTAR_PORT") {
        Some(p) => p
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or(ConfigError {
                variable: "YEASTAR_PORT",
                reason: format!("{p:?} is not a TCP port (1-65535)"),
            })?,
        None if tls => DEFAULT_TLS_PORT,
        None => DEFAULT_PORT,
    };
    let ca_file = var("YEASTAR_CA_FILE").map(PathBuf::from);
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        return Err(ConfigError {
            variable: "YEASTAR_CA_FILE",
            reason: format!("{} is not a readable file", path.display()),
        });
    }
    let mut config = ClientConfig::new(host, username, password);
    config.port = port;
    if tls || ca_file.is_some() {
        let mut options = TlsOptions::new();
        options.ca_file = ca_file;
        config.tls = Some(options);
    }
    Ok(config)
}

/// The HTTP listen address from `HTTP_ADDR` (default `127.0.0.1:8080`).
pub fn http_addr_from_env() -> Result<std::net::SocketAddr, ConfigError> {
    let text = var("HTTP_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
    text.parse().map_err(|_| ConfigError {
        variable: "HTTP_ADDR",
        reason: format!("{text:?} is not an address like 127.0.0.1:8080"),
    })
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), so stdout stays JSON only.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
