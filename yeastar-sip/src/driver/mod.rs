//! The tokio driver of the user agent (feature `driver`): transports and the task that runs an
//! [`Endpoint`](crate::ua::Endpoint) between them.

pub mod agent;
mod media;
pub mod stream;
pub mod transport;
pub mod udp;

pub use agent::{
    AgentConfig, AgentError, AgentEvent, AgentEvents, AudioSender, CallRequest, CallUpdate,
    IncomingSipCall, MediaOptions, SipCall, UserAgent, resolve,
};
pub use media::{MediaPlan, RtpFigures};
pub use stream::{TcpTransport, TlsConfig, TlsSetupError, TlsTransport};
pub use transport::{
    FlowIds, TRANSPORT_COMMAND_QUEUE, TRANSPORT_EVENT_QUEUE, Transport, TransportChannels,
    TransportCommand, TransportEvent, TransportHandle,
};
pub use udp::UdpTransport;
