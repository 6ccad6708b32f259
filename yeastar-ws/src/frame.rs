//! The wire format: one SIP message per WebSocket message (RFC 7118 §5), both ways, and the
//! `sip` subprotocol token. Sans-IO: payloads in, SIP bytes or keep-alives out.
//!
//! A received message is checked before the UA core sees it: not empty, not larger than the
//! SIP stream limit, a SIP start line, the end of the header section within the header
//! limit. CRLF-only messages are RFC 5626 keep-alives, handed on as `\r\n\r\n` (a ping, the
//! core answers it) or `\r\n` (a pong). The full parse is the core's
//! ([`yeastar_sip::ua::Endpoint::handle_input`]); this layer only refuses what cannot be one
//! SIP message, so that nothing larger than the limits is kept.
#![warn(clippy::indexing_slicing)]

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Utf8Bytes;

/// The WebSocket subprotocol of SIP (RFC 7118 §4, registered by IANA): offered by clients in
/// `Sec-WebSocket-Protocol` and echoed by a server that agrees.
pub const SIP_SUBPROTOCOL: &str = "sip";

/// A CRLF CRLF keep-alive ping (RFC 5626 §4.4.1).
pub const CRLF_PING: &[u8] = b"\r\n\r\n";
/// [`CRLF_PING`] as text.
pub const CRLF_PING_TEXT: &str = "\r\n\r\n";
/// A CRLF keep-alive pong.
pub const CRLF_PONG: &[u8] = b"\r\n";

/// Size limits of one WebSocket message carrying SIP.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Largest message accepted or sent: the SIP stream limit
    /// ([`yeastar_sip::MAX_STREAM_MESSAGE_LEN`], 1 MiB). Also given to tungstenite as its
    /// message and frame limit, so a larger message is refused while its frames arrive,
    /// before it is buffered whole.
    pub max_message_len: usize,
    /// The header section must end within this many bytes
    /// ([`yeastar_sip::MAX_HEAD_LEN`], 64 KiB).
    pub max_head_len: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits::DEFAULT
    }
}

impl FrameLimits {
    /// The SIP parser's default limits.
    pub const DEFAULT: FrameLimits = FrameLimits {
        max_message_len: yeastar_sip::MAX_STREAM_MESSAGE_LEN,
        max_head_len: yeastar_sip::MAX_HEAD_LEN,
    };

    /// Limits following the SIP parser's.
    #[must_use]
    pub fn from_sip(limits: &yeastar_sip::Limits) -> FrameLimits {
        FrameLimits {
            max_message_len: limits.max_stream_message_len,
            max_head_len: limits.max_head_len,
        }
    }
}

/// What a received WebSocket message carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// One SIP message, for [`yeastar_sip::ua::Endpoint::handle_input`].
    Sip(Bytes),
    /// A CRLF keep-alive: [`CRLF_PING`] or [`CRLF_PONG`] (normalised), for the core too.
    Keepalive(&'static [u8]),
}

/// Why a received WebSocket message is not one SIP message.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The message was empty.
    #[error("empty message")]
    Empty,
    /// The message is larger than [`FrameLimits::max_message_len`].
    #[error("message of {size} bytes over the limit of {limit}")]
    TooLarge {
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The first line is neither a request line nor a status line of SIP/2.0.
    #[error("no SIP start line")]
    NoStartLine,
    /// No empty line ends the header section within [`FrameLimits::max_head_len`] (or the
    /// message ends before it): RFC 7118 §5 wants one whole message per WebSocket message.
    #[error("header section does not end within {limit} bytes")]
    NoHeaderEnd {
        /// The limit searched.
        limit: usize,
    },
}

/// Checks a received message payload (text or binary alike: RFC 7118 §5 allows both).
pub fn decode(payload: Bytes, limits: &FrameLimits) -> Result<Inbound, FrameError> {
    if payload.is_empty() {
        return Err(FrameError::Empty);
    }
    if payload.len() > limits.max_message_len {
        return Err(FrameError::TooLarge {
            size: payload.len(),
            limit: limits.max_message_len,
        });
    }
    if payload.iter().all(|b| matches!(b, b'\r' | b'\n')) {
        return Ok(Inbound::Keepalive(if payload.len() >= CRLF_PING.len() {
            CRLF_PING
        } else {
            CRLF_PONG
        }));
    }
    let head = payload
        .get(..payload.len().min(limits.max_head_len))
        .unwrap_or(&[]);
    let line_end = memchr::memchr(b'\n', head).ok_or(FrameError::NoHeaderEnd {
        limit: limits.max_head_len,
    })?;
    let line = head.get(..line_end).unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !is_start_line(line) {
        return Err(FrameError::NoStartLine);
    }
    let ends = memchr::memmem::find(head, b"\r\n\r\n").is_some()
        || memchr::memmem::find(head, b"\n\n").is_some();
    if !ends {
        return Err(FrameError::NoHeaderEnd {
            limit: limits.max_head_len,
        });
    }
    Ok(Inbound::Sip(payload))
}

/// `SIP/2.0 <status> …` or `<METHOD> <uri> SIP/2.0` (the version ignoring case, RFC 3261 §7.1).
fn is_start_line(line: &[u8]) -> bool {
    const VERSION: &[u8] = b"SIP/2.0";
    let starts = line.get(..VERSION.len() + 1).is_some_and(|p| {
        p.get(..VERSION.len())
            .is_some_and(|v| v.eq_ignore_ascii_case(VERSION))
            && p.last() == Some(&b' ')
    });
    let ends = line.len() > VERSION.len() + 2
        && line.get(line.len() - VERSION.len() - 1..).is_some_and(|t| {
            t.first() == Some(&b' ') && t.get(1..).is_some_and(|v| v.eq_ignore_ascii_case(VERSION))
        });
    starts || ends
}

/// The WebSocket message for SIP bytes to send (a message, or a CRLF keep-alive): a text
/// message when the bytes are UTF-8, as every SIP message without a binary body is, else a
/// binary one. Refused when larger than [`FrameLimits::max_message_len`].
pub fn encode(bytes: Bytes, limits: &FrameLimits) -> Result<Message, FrameError> {
    if bytes.is_empty() {
        return Err(FrameError::Empty);
    }
    if bytes.len() > limits.max_message_len {
        return Err(FrameError::TooLarge {
            size: bytes.len(),
            limit: limits.max_message_len,
        });
    }
    Ok(match Utf8Bytes::try_from(bytes.clone()) {
        Ok(text) => Message::Text(text),
        Err(_) => Message::Binary(bytes),
    })
}

/// True when a `Sec-WebSocket-Protocol` value (a comma-separated token list) names `sip`
/// exactly: tokens are compared whole and case-sensitively (RFC 6455 §4.1 compares
/// subprotocols as strings), so `sip2` or `SIP` do not count.
#[must_use]
pub fn offers_sip(list: &str) -> bool {
    list.split(',').any(|token| token.trim() == SIP_SUBPROTOCOL)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTER: &[u8] = b"REGISTER sip:127.0.0.2 SIP/2.0\r\nVia: SIP/2.0/WS a.invalid;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n";

    #[test]
    fn requests_responses_and_keepalives() {
        let limits = FrameLimits::default();
        let reg = Bytes::from_static(REGISTER);
        assert_eq!(decode(reg.clone(), &limits), Ok(Inbound::Sip(reg)));
        let ok = Bytes::from_static(b"SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\n");
        assert_eq!(decode(ok.clone(), &limits), Ok(Inbound::Sip(ok)));
        let lower = Bytes::from_static(b"sip/2.0 200 OK\r\n\r\n");
        assert!(matches!(decode(lower, &limits), Ok(Inbound::Sip(_))));
        assert_eq!(
            decode(Bytes::from_static(b"\r\n\r\n"), &limits),
            Ok(Inbound::Keepalive(CRLF_PING))
        );
        assert_eq!(
            decode(Bytes::from_static(b"\r\n"), &limits),
            Ok(Inbound::Keepalive(CRLF_PONG))
        );
    }

    #[test]
    fn refusals() {
        let limits = FrameLimits {
            max_message_len: 64,
            max_head_len: 40,
        };
        assert_eq!(decode(Bytes::new(), &limits), Err(FrameError::Empty));
        assert_eq!(
            decode(Bytes::from(vec![b'x'; 65]), &limits),
            Err(FrameError::TooLarge {
                size: 65,
                limit: 64
            })
        );
        assert_eq!(
            decode(Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"), &limits),
            Err(FrameError::NoStartLine)
        );
        assert_eq!(
            decode(
                Bytes::from_static(b"SIP/2.0 200 OK\r\nCSeq: 1 X\r\n"),
                &limits
            ),
            Err(FrameError::NoHeaderEnd { limit: 40 })
        );
        // The end of the header section lies past the header limit.
        let long = b"SIP/2.0 200 OK\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
        assert_eq!(
            decode(Bytes::from_static(long), &limits),
            Err(FrameError::NoHeaderEnd { limit: 40 })
        );
        assert_eq!(
            decode(Bytes::from_static(b"SIP/2.0"), &limits),
            Err(FrameError::NoHeaderEnd { limit: 40 })
        );
    }

    #[test]
    fn text_unless_binary_body() {
        let limits = FrameLimits::default();
        assert!(matches!(
            encode(Bytes::from_static(REGISTER), &limits),
            Ok(Message::Text(_))
        ));
        let binary =
            Bytes::from_static(b"MESSAGE sip:a SIP/2.0\r\nContent-Length: 2\r\n\r\n\xff\xfe");
        assert!(matches!(encode(binary, &limits), Ok(Message::Binary(_))));
        let small = FrameLimits {
            max_message_len: 8,
            max_head_len: 8,
        };
        assert_eq!(
            encode(Bytes::from_static(REGISTER), &small),
            Err(FrameError::TooLarge {
                size: REGISTER.len(),
                limit: 8
            })
        );
    }

    #[test]
    fn subprotocol_tokens_match_whole() {
        assert!(offers_sip("sip"));
        assert!(offers_sip("msrp, sip"));
        assert!(offers_sip(" sip ,x"));
        assert!(!offers_sip("sip2"));
        assert!(!offers_sip("SIP"));
        assert!(!offers_sip("msrp"));
        assert!(!offers_sip(""));
        assert!(!offers_sip("xsip, sips"));
    }
}
