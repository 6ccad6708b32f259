//! Shared pieces of the reference binaries in `src/bin/`.
//!
//! The binaries reproduce the three deployments of a Yeastar integration: `yeastar-service`
//! (AMI), `pjsip-service` (native SIP, and SIP over WebSocket) and `quickstart`.
