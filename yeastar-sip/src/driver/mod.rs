//! The tokio driver of the user agent (feature `driver`): transports and the task that runs an
//! [`Endpoint`](crate::ua::Endpoint) between them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use yeastar_sip::driver::{AgentConfig, CallRequest, CallUpdate, UdpTransport, UserAgent, resolve};
//! use yeastar_sip::ua::{AccountConfig, TransportKind};
//!
//! let udp = UdpTransport::bind("0.0.0.0:0".parse()?).await?;
//! let (agent, _events) = UserAgent::start(AgentConfig::new(vec![Box::new(udp)]))?;
//! let pbx = resolve("pbx.example.com", 5060, TransportKind::Udp).await?;
//! let account = agent.register(AccountConfig::new("1001", "pbx.example.com", "secret", pbx)).await?;
//! let mut call = agent.call(CallRequest::new(account, "sip:1002@pbx.example.com")).await?;
//! while let Some(update) = call.next_update().await {
//!     if let CallUpdate::Answered = update {
//!         call.hangup().await?;
//!     }
//! }
//! agent.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod agent;
#[cfg(feature = "dns")]
pub mod dns;
mod media;
pub mod stream;
pub mod tls;
pub mod transport;
pub mod udp;

pub use agent::{
    AgentConfig, AgentError, AgentEvent, AgentEvents, AudioSender, CallRequest, CallUpdate,
    IncomingSipCall, MediaOptions, SipCall, UserAgent, resolve,
};
#[cfg(feature = "dns")]
pub use dns::SipResolver;
pub use media::{MediaPlan, RECEIVED_AUDIO_QUEUE, ReceivedAudio, RtpFigures};
pub use stream::{TcpTransport, TlsTransport};
pub use tls::{TlsConfig, TlsSetupError};
pub use transport::{
    FlowIds, TRANSPORT_COMMAND_QUEUE, TRANSPORT_EVENT_QUEUE, Transport, TransportChannels,
    TransportCommand, TransportEvent, TransportHandle, local_ip_towards,
};
pub use udp::UdpTransport;
