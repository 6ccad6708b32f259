//! The protocol layer of a SIP user agent, sans-IO.
pub mod digest;
