//! Parser limits and modes. Every limit is checked before anything is allocated or buffered.

/// Largest datagram accepted: the largest UDP payload (RFC 768 length field).
pub const MAX_DATAGRAM_LEN: usize = 65_535;
/// Largest message accepted on a stream (TCP/TLS/WebSocket). SIP messages are a few KiB;
/// 1 MiB leaves room for large multipart bodies while bounding what a peer can make us hold.
pub const MAX_STREAM_MESSAGE_LEN: usize = 1024 * 1024;
/// Largest header section (start line + headers + empty line). Real traffic stays under 4 KiB.
pub const MAX_HEAD_LEN: usize = 64 * 1024;
/// Most header fields in one message (each line, not each comma-separated value).
/// RFC 4475 `longreq` carries about 50; PBX traffic 10 to 25.
pub const MAX_HEADERS: usize = 256;
/// Longest single line, start line included.
pub const MAX_LINE_LEN: usize = 16 * 1024;
/// Most continuation lines a folded header may use.
pub const MAX_FOLDED_LINES: usize = 32;

/// How much of the RFC 3261 grammar is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Accept what real PBXes and phones send: `#` and other stray characters in user parts,
    /// quoted URI parameter values, missing or extra spaces, bare LF line ends, several spaces
    /// in the start line. Header values are checked when they are read.
    #[default]
    Lenient,
    /// Enforce the RFC 3261 grammar: CRLF line ends, single spaces in the start line, SIP/2.0
    /// only, a Request-URI without headers, every known header value checked while parsing,
    /// CSeq method equal to the request method.
    Strict,
}

/// Configurable limits; [`Limits::default`] uses the constants of this module. Message
/// offsets are stored in 32 bits, so message limits above 4 GiB act as 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_DATAGRAM_LEN`].
    pub max_datagram_len: usize,
    /// See [`MAX_STREAM_MESSAGE_LEN`].
    pub max_stream_message_len: usize,
    /// See [`MAX_HEAD_LEN`].
    pub max_head_len: usize,
    /// See [`MAX_HEADERS`].
    pub max_headers: usize,
    /// See [`MAX_LINE_LEN`].
    pub max_line_len: usize,
    /// See [`MAX_FOLDED_LINES`].
    pub max_folded_lines: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_datagram_len: MAX_DATAGRAM_LEN,
            max_stream_message_len: MAX_STREAM_MESSAGE_LEN,
            max_head_len: MAX_HEAD_LEN,
            max_headers: MAX_HEADERS,
            max_line_len: MAX_LINE_LEN,
            max_folded_lines: MAX_FOLDED_LINES,
        }
    }
}

/// Mode and limits for one parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// Grammar enforcement.
    pub mode: Mode,
    /// Size limits.
    pub limits: Limits,
}

impl ParseOptions {
    /// Lenient mode, default limits.
    #[must_use]
    pub fn lenient() -> Self {
        Self::default()
    }

    /// Strict mode, default limits.
    #[must_use]
    pub fn strict() -> Self {
        Self {
            mode: Mode::Strict,
            limits: Limits::default(),
        }
    }
}
