//! The tokio driver of the user agent (feature `driver`): transports and the task that runs an
//! [`Endpoint`](crate::ua::Endpoint) between them.

pub mod transport;

pub use transport::{
    FlowIds, TRANSPORT_COMMAND_QUEUE, TRANSPORT_EVENT_QUEUE, Transport, TransportChannels,
    TransportCommand, TransportEvent, TransportHandle,
};
