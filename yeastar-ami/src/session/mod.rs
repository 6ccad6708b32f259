//! The sans-IO AMI session of one connection: login, ActionID correlation, event lists, async
//! `Originate`, keepalive. [`AmiMonitor`](crate::monitor::AmiMonitor) adds the call model,
//! sync and reconnection on top; [`AmiClient`](crate::client::AmiClient) drives it over tokio.

mod core;

pub use self::core::{
    ActionError, AmiSession, AuthMethod, DEFAULT_ACTION_TIMEOUT, DEFAULT_MAX_LIST_ITEMS,
    DEFAULT_MAX_PENDING, DEFAULT_ORIGINATE_TIMEOUT, DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT,
    Reply, ReplyKind, SessionConfig, SessionEvent,
};
