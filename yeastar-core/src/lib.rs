//! One typed async client for a Yeastar PBX over its three interfaces.
//!
//! ```
//! # #[cfg(feature = "ami")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use yeastar_ami::sim::{CallScript, PbxSimulator, SimConfig};
//! use yeastar_core::calls::{CallEvent, PbxEvent};
//! use yeastar_core::config::{RawSettings, Secret};
//! use yeastar_core::{Event, Mode, Pbx};
//!
//! let sim = PbxSimulator::start(SimConfig::modern()).await?; // an AMI on 127.0.0.1
//! let mut settings = RawSettings::default(); // or RawSettings::from_env()?
//! settings.ami.host = Some("127.0.0.1".into());
//! settings.ami.port = Some(sim.addr().port());
//! settings.ami.username = Some("ami_user".into());
//! settings.ami.password = Some(Secret::new("ami_password"));
//! let pbx = Pbx::connect(settings.resolve()?).await?;
//! sim.play(CallScript::busy("1001", "1002"))?;
//! while let Some(event) = pbx.next_event().await {
//!     match event {
//!         Event::Pbx { mode: Mode::Ami, event: PbxEvent::Call(CallEvent::Ringing { call, .. }) } => {
//!             assert_eq!(call.from_number.as_deref(), Some("1001"));
//!         }
//!         Event::Completed { .. } => break, // merged with the PBX's CDR, stored
//!         _ => {}
//!     }
//! }
//! assert_eq!(pbx.call_history(&Default::default())[0].dst.as_deref(), Some("1002"));
//! pbx.shutdown().await;
//! # Ok(()) }
//! # #[cfg(not(feature = "ami"))]
//! # fn main() {}
//! ```
//!
//! This crate is the facade of the family: configuration (the `YEASTAR_*` and `SIP_*`
//! environment variables, or a TOML file: [`config`]), and one call model
//! ([`yeastar_calls`], re-exported as [`calls`]) over AMI (`yeastar-ami`), native SIP
//! (`yeastar-sip` + `yeastar-rtp`) and SIP over WebSocket (`yeastar-ws`), used alone or
//! together through [`Pbx`] (module [`pbx`]). A call seen by the AMI and by our own SIP
//! leg is one call: [`join`] says how they are matched, sans-IO.
//!
//! | module | what |
//! |---|---|
//! | [`config`] | `PbxConfig` from the environment or a settings file, checked, secrets masked |
//! | [`join`] | `CallJoiner`: the joined active-call table (sans-IO) and the join rule |
//! | `diagnose` (feature `diagnose`) | the troubleshooting checklist: each check passed or failed with its fix |
//! | `pbx` (features `ami`, `sip`, `ws`) | `Pbx`: modes started and kept up, one `Event` stream, click-to-call, hangup, history, extension board, status for `/health`, shutdown |
//!
//! Configuration alone, without a PBX:
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

pub mod config;
#[cfg(feature = "diagnose")]
pub mod diagnose;
pub mod join;
#[cfg(any(feature = "ami", feature = "sip"))]
pub mod pbx;

pub use join::{ActiveCall, CallJoiner, Mode};
#[cfg(any(feature = "ami", feature = "sip"))]
pub use pbx::{Event, Pbx, PbxError, PbxOptions, PbxStatus};
/// The call model every mode feeds.
pub use yeastar_calls as calls;
