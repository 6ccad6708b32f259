//! The AMI session: a sans-IO core ([`AmiSession`]) and its tokio driver ([`AmiClient`],
//! feature `client`).

#[cfg(feature = "client")]
mod client;
mod core;

pub use self::core::{
    ActionError, AmiSession, AuthMethod, DEFAULT_ACTION_TIMEOUT, DEFAULT_MAX_LIST_ITEMS,
    DEFAULT_MAX_PENDING, DEFAULT_ORIGINATE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT,
    Reply, ReplyKind, SessionConfig, SessionEvent,
};
#[cfg(feature = "client")]
pub use client::{
    AmiClient, ClientConfig, ClientError, ClientEvent, ClientStats, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_EVENT_QUEUE, DEFAULT_PORT, DEFAULT_TLS_PORT, ReconnectPolicy, Resync, TlsOptions,
};
