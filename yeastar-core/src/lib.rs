//! One typed async client for a Yeastar PBX over its three interfaces.
//!
//! This crate will be the facade of the family: configuration (the `YEASTAR_*` and `SIP_*`
//! environment variables), and one call model over AMI (`yeastar-ami`), native SIP
//! (`yeastar-sip` + `yeastar-rtp`) and SIP over WebSocket (`yeastar-ws`), used alone or together.
//!
//! It has no public API yet.
