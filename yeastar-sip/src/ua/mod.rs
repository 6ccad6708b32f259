//! The protocol layer of a SIP user agent, sans-IO.
pub mod digest;
mod outbox;
pub mod timers;
pub mod transaction;
pub mod transport;
pub(crate) mod dialog;
