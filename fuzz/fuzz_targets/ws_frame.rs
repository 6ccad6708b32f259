//! The receive path of SIP over WebSocket: raw bytes from the wire through tungstenite's
//! frame decoder (with the transport's message limit) and `yeastar_ws::frame::decode`, then
//! the SIP parse the UA core does.
//!
//! The input is the byte stream a server reads from a client (masked or not; both are
//! accepted here so that seeds can be plain frames). Invariants:
//! - no panic, no message over the limit reaches `decode` (tungstenite refuses it first);
//! - `decode` accepts only what is non-empty, within the limit, a SIP start line with the end
//!   of the header section inside the header limit, or a CRLF keep-alive normalised to
//!   `\r\n\r\n` / `\r\n`;
//! - an accepted message is passed on as the very same bytes;
//! - `encode` of an accepted message gives a message of the same payload.
#![no_main]

use std::io::{Cursor, Read, Write};

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tungstenite::protocol::{Role, WebSocket, WebSocketConfig};
use tungstenite::Message;
use yeastar_sip::{OwnedMessage, ParseOptions};
use yeastar_ws::frame::{self, FrameLimits, Inbound};

/// Reads the input; writes (pongs, close replies) go nowhere.
struct Wire(Cursor<Vec<u8>>);

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Small limits so that the fuzzer reaches them.
const LIMITS: FrameLimits = {
    let mut l = FrameLimits::DEFAULT;
    l.max_message_len = 8 * 1024;
    l.max_head_len = 2 * 1024;
    l
};

fuzz_target!(|data: &[u8]| {
    let config = WebSocketConfig::default()
        .max_message_size(Some(LIMITS.max_message_len))
        .max_frame_size(Some(LIMITS.max_message_len))
        .accept_unmasked_frames(true);
    let mut ws = WebSocket::from_raw_socket(Wire(Cursor::new(data.to_vec())), Role::Server, Some(config));
    let opts = ParseOptions::default();
    for _ in 0..1024 {
        let payload = match ws.read() {
            Ok(Message::Text(t)) => Bytes::from(t),
            Ok(Message::Binary(b)) => b,
            Ok(_) => continue,
            Err(_) => break,
        };
        assert!(payload.len() <= LIMITS.max_message_len, "tungstenite enforces the limit");
        match frame::decode(payload.clone(), &LIMITS) {
            Ok(Inbound::Sip(bytes)) => {
                assert_eq!(bytes, payload, "passed on unchanged");
                assert!(!bytes.is_empty() && bytes.len() <= LIMITS.max_message_len);
                let head = &bytes[..bytes.len().min(LIMITS.max_head_len)];
                assert!(
                    head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n"),
                    "the header section ends within the limit"
                );
                // What the UA core does with it: parse, never panic.
                let _ = OwnedMessage::parse(bytes.clone(), &opts);
                let sent = frame::encode(bytes.clone(), &LIMITS).expect("accepted messages can be sent back");
                let back = match sent {
                    Message::Text(t) => Bytes::from(t),
                    Message::Binary(b) => b,
                    other => panic!("not a data message: {other:?}"),
                };
                assert_eq!(back, bytes);
            }
            Ok(Inbound::Keepalive(crlf)) => {
                assert!(payload.iter().all(|b| matches!(b, b'\r' | b'\n')));
                assert!(crlf == frame::CRLF_PING || crlf == frame::CRLF_PONG);
            }
            Err(_) => {}
        }
    }
});
