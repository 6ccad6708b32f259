//! Typed parse errors: what went wrong and at which byte.

use crate::header_name::HeaderName;

/// A parse failure, with the byte offset (from the start of the parsed input) where it was
/// detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Byte offset into the parsed input (the datagram, the stream message, or the value
    /// handed to a standalone parser such as [`crate::Uri::parse`]).
    pub offset: usize,
}

impl ParseError {
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// The same error with its offset moved by `base` bytes; used when a value parsed on its
    /// own is part of a larger message.
    #[must_use]
    pub const fn shifted(self, base: usize) -> Self {
        Self {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }
}

/// The kinds of [`ParseError`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The input holds no message (empty, or only line breaks).
    #[error("empty input")]
    Empty,
    /// The message is larger than the configured limit.
    #[error("message larger than {limit} bytes")]
    MessageTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The header section (start line and headers) is larger than the configured limit.
    #[error("header section larger than {limit} bytes")]
    HeadTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// A single line is longer than the configured limit.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// More header fields than the configured limit.
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// The limit in force.
        limit: usize,
    },
    /// A header field is folded over more continuation lines than the configured limit.
    #[error("header folded over more than {limit} lines")]
    TooManyFoldedLines {
        /// The limit in force.
        limit: usize,
    },
    /// The header section is not terminated by an empty line.
    #[error("header section not terminated by an empty line")]
    UnterminatedHead,
    /// A line ends with a bare LF where strict mode requires CRLF, or holds a stray CR.
    #[error("bad line ending")]
    BadLineEnding,
    /// The start line is neither a request line nor a status line.
    #[error("malformed start line")]
    InvalidStartLine,
    /// The request method is not a token.
    #[error("invalid method")]
    InvalidMethod,
    /// The Request-URI does not follow the URI grammar.
    #[error("invalid Request-URI")]
    InvalidRequestUri,
    /// The SIP-Version is malformed.
    #[error("invalid SIP version")]
    InvalidVersion,
    /// The SIP-Version is well formed but not SIP/2.0 (strict mode; a UA answers 505).
    #[error("unsupported SIP version")]
    UnsupportedVersion,
    /// The status code is not three digits in 100..=699.
    #[error("invalid status code")]
    InvalidStatusCode,
    /// The reason phrase holds control characters.
    #[error("invalid reason phrase")]
    InvalidReasonPhrase,
    /// A header name is empty or not a token.
    #[error("invalid header name")]
    InvalidHeaderName,
    /// A header line has no colon.
    #[error("header line without a colon")]
    MissingColon,
    /// A continuation line appears before any header.
    #[error("continuation line without a header")]
    OrphanContinuation,
    /// The header section is not valid UTF-8.
    #[error("header section is not valid UTF-8")]
    InvalidUtf8,
    /// Content-Length is not a decimal number within limits.
    #[error("invalid Content-Length")]
    InvalidContentLength,
    /// A stream message has no Content-Length (RFC 3261 §18.3 makes it mandatory on streams).
    #[error("missing Content-Length on a stream")]
    MissingContentLength,
    /// Content-Length announces more bytes than the datagram holds.
    #[error("body truncated: Content-Length {declared}, {available} bytes present")]
    BodyTruncated {
        /// Content-Length value.
        declared: usize,
        /// Bytes present after the header section.
        available: usize,
    },
    /// The CSeq method differs from the request method (strict mode).
    #[error("CSeq method does not match the request method")]
    CSeqMethodMismatch,
    /// A header value does not follow its grammar.
    #[error("invalid {header} header: {what}")]
    InvalidHeader {
        /// The header concerned.
        header: HeaderName,
        /// Which part of the grammar failed.
        what: &'static str,
    },
    /// A URI does not follow the sip/sips/tel/absoluteURI grammar.
    #[error("invalid URI: {what}")]
    InvalidUri {
        /// Which part of the grammar failed.
        what: &'static str,
    },
    /// An SDP body does not follow RFC 8866.
    #[error("invalid SDP: {what}")]
    InvalidSdp {
        /// Which part of the grammar failed.
        what: &'static str,
    },
    /// The stream buffer would grow past its limit.
    #[error("stream buffer larger than {limit} bytes")]
    BufferFull {
        /// The limit in force.
        limit: usize,
    },
}

/// A parse failure inside a value (a header value, a URI, a parameter list): the remaining
/// input where it happened and what was expected. Turned into a [`ParseError`] with an
/// absolute offset by the caller. Lives here, below the grammars, so that URIs, parameters and
/// typed headers all report through it without depending on each other.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fail<'a> {
    pub(crate) at: &'a str,
    pub(crate) what: &'static str,
}

impl<'a> Fail<'a> {
    pub(crate) const fn new(at: &'a str, what: &'static str) -> Self {
        Self { at, what }
    }

    /// The error for a failure inside `header`, at its offset in `value` (the buffer `at`
    /// points into).
    pub(crate) fn into_error(self, value: &str, header: HeaderName) -> ParseError {
        ParseError::new(
            ErrorKind::InvalidHeader {
                header,
                what: self.what,
            },
            crate::chars::offset_in(value, self.at),
        )
    }
}

/// Result alias used throughout the crate.
pub type Result<T, E = ParseError> = core::result::Result<T, E>;
