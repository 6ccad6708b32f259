//! One typed async client for a Yeastar PBX over its three interfaces.
//!
//! ```
//! use yeastar_core::config::{PbxConfig, RawSettings, SipMode};
//!
//! let env = [("SIP_SERVER", "192.168.1.10"), ("SIP_TRANSPORT", "WSS"),
//!            ("SIP_USERS", "1004:p4:1004:Manager:ws-p4")];
//! let settings = RawSettings::from_lookup(|name| {
//!     env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
//! })?;
//! let config = settings.resolve()?;
//! let sip = config.sip.expect("SIP configured");
//! assert_eq!(sip.mode(), SipMode::WebSocket);
//! assert_eq!(sip.websocket_url.as_deref(), Some("wss://192.168.1.10:8089/ws"));
//! assert!(config.ami.is_none());
//! # Ok::<(), yeastar_core::config::ConfigError>(())
//! ```
//!
//! This crate is the facade of the family: configuration (the `YEASTAR_*` and `SIP_*`
//! environment variables, or a TOML file), and one call model over AMI (`yeastar-ami`), native
//! SIP (`yeastar-sip` + `yeastar-rtp`) and SIP over WebSocket (`yeastar-ws`), used alone or
//! together.

pub mod config;
pub mod join;
#[cfg(any(feature = "ami", feature = "sip"))]
pub mod pbx;

pub use join::{ActiveCall, CallJoiner, Mode};
#[cfg(any(feature = "ami", feature = "sip"))]
pub use pbx::{Event, Pbx, PbxError, PbxOptions, PbxStatus};
/// The call model every mode feeds.
pub use yeastar_calls as calls;
