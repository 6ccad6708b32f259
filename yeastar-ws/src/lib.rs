//! SIP over WebSocket (RFC 7118) for Yeastar and Asterisk PBXes.
//!
//! This crate will hold the WebSocket transport for SIP signalling: the HTTP/1.1 upgrade with the
//! `sip` subprotocol (`ws://host:8088/ws`, `wss://host:8089/ws`), one SIP message per text frame,
//! and the glue that feeds frames to the `yeastar-sip` message layer. Media stays in the browser,
//! so there are no RTP ports in this mode.
//!
//! It has no public API yet.
