//! Stream framing for TCP, TLS and other byte streams (RFC 3261 §18.3): the header section
//! ends at the empty line, Content-Length is mandatory and delimits the body, and CRLF
//! keep-alives (RFC 5626 §3.5.1) between messages are skipped.
#![warn(clippy::indexing_slicing)]

use bytes::{Buf, BytesMut};

use crate::error::{ErrorKind, ParseError, Result};
use crate::index::{Index, index_head};
use crate::limits::ParseOptions;
use crate::message::{OwnedMessage, check_head};

/// Splits a byte stream into messages. Feed it what the socket returns with
/// [`StreamFramer::push`], then call [`StreamFramer::next_message`] until it returns
/// `Ok(None)`. Results do not depend on how the stream was split into reads.
///
/// After an error the stream cannot be resynchronised (a SIP stream has no frame
/// markers): answer 400 if possible and close the connection.
///
/// ```
/// use yeastar_sip::{ParseOptions, StreamFramer};
/// let mut framer = StreamFramer::new(ParseOptions::default());
/// let wire = b"\r\n\r\nSIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nContent-Length: 2\r\n\r\nhi";
/// framer.push(&wire[..20])?;
/// assert!(framer.next_message()?.is_none());
/// framer.push(&wire[20..])?;
/// let owned = framer.next_message()?.expect("a whole message");
/// assert_eq!(owned.message().status(), Some(200));
/// assert_eq!(owned.message().body(), b"hi");
/// # Ok::<(), yeastar_sip::ParseError>(())
/// ```
#[derive(Debug)]
pub struct StreamFramer {
    buf: BytesMut,
    opts: ParseOptions,
    /// Where the search for the end of the header section resumes.
    scanned: usize,
    /// Index and total length of the message whose header section is complete.
    pending: Option<(Index, usize)>,
    /// Bytes consumed so far, for error offsets.
    consumed: usize,
    /// CR/LF bytes skipped between messages since [`StreamFramer::take_skipped_crlf`].
    skipped_crlf: usize,
}

impl StreamFramer {
    /// A framer with the given mode and limits.
    #[must_use]
    pub fn new(opts: ParseOptions) -> Self {
        Self {
            buf: BytesMut::new(),
            opts,
            scanned: 0,
            pending: None,
            consumed: 0,
            skipped_crlf: 0,
        }
    }

    /// CR and LF bytes skipped between messages since the last call, and resets the count.
    /// These are RFC 5626 keep-alives: 4 or more is a ping (`\r\n\r\n`, to be answered with
    /// `\r\n`), 2 a pong; a driver hands them to the UA core
    /// ([`crate::ua::Endpoint::handle_input`]) as `\r\n\r\n` or `\r\n`.
    ///
    /// ```
    /// use yeastar_sip::{ParseOptions, StreamFramer};
    /// let mut framer = StreamFramer::new(ParseOptions::default());
    /// framer.push(b"\r\n\r\n")?;
    /// assert!(framer.next_message()?.is_none());
    /// assert_eq!(framer.take_skipped_crlf(), 4);
    /// assert_eq!(framer.take_skipped_crlf(), 0);
    /// # Ok::<(), yeastar_sip::ParseError>(())
    /// ```
    pub fn take_skipped_crlf(&mut self) -> usize {
        core::mem::take(&mut self.skipped_crlf)
    }

    /// Bytes buffered and not yet returned as a message.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Appends bytes read from the stream. Fails, without buffering anything, when the
    /// buffer would grow past the largest message plus one header section
    /// ([`crate::Limits::max_stream_message_len`] + [`crate::Limits::max_head_len`]).
    pub fn push(&mut self, data: &[u8]) -> Result<()> {
        let limit = self
            .opts
            .limits
            .max_stream_message_len
            .saturating_add(self.opts.limits.max_head_len);
        if self.buf.len().saturating_add(data.len()) > limit {
            return Err(ParseError::new(
                ErrorKind::BufferFull { limit },
                self.consumed + self.buf.len(),
            ));
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// The next complete message, `Ok(None)` when more bytes are needed. Error offsets
    /// count from the start of the stream.
    pub fn next_message(&mut self) -> Result<Option<OwnedMessage>> {
        self.next_inner().map_err(|e| e.shifted(self.consumed))
    }

    fn next_inner(&mut self) -> Result<Option<OwnedMessage>> {
        if self.pending.is_none() {
            let keepalive = self
                .buf
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            if keepalive > 0 {
                self.buf.advance(keepalive);
                self.consumed += keepalive;
                self.skipped_crlf = self.skipped_crlf.saturating_add(keepalive);
                self.scanned = 0;
            }
            let Some(head_end) = self.find_head_end()? else {
                return Ok(None);
            };
            let head = self.buf.get(..head_end).unwrap_or(&[]);
            let mut idx = index_head(head, &self.opts)?;
            let (_, content_length) = check_head(head, &idx, &self.opts)?;
            idx.content_length = content_length.map(|n| n as u32);
            let body_len =
                content_length.ok_or(ParseError::new(ErrorKind::MissingContentLength, 0))?;
            let total = head_end.saturating_add(body_len);
            // Offsets are stored as u32: larger configured limits are capped at 4 GiB.
            let limit = self
                .opts
                .limits
                .max_stream_message_len
                .min(u32::MAX as usize);
            if total > limit {
                return Err(ParseError::new(ErrorKind::MessageTooLarge { limit }, 0));
            }
            self.pending = Some((idx, total));
        }
        let Some((_, total)) = &self.pending else {
            return Ok(None);
        };
        let total = *total;
        if self.buf.len() < total {
            // Within the limit checked above, so reserving is bounded.
            self.buf.reserve(total - self.buf.len());
            return Ok(None);
        }
        let Some((idx, _)) = self.pending.take() else {
            return Ok(None);
        };
        let bytes = self.buf.split_to(total).freeze();
        self.consumed += total;
        self.scanned = 0;
        Ok(Some(OwnedMessage::from_parts(bytes, idx)))
    }

    /// Finds the end of the header section (just past the empty line), resuming where the
    /// previous search stopped.
    fn find_head_end(&mut self) -> Result<Option<usize>> {
        let buf = &self.buf[..];
        let from = self.scanned;
        for nl in memchr::memchr_iter(b'\n', buf.get(from..).unwrap_or(&[])) {
            let i = from + nl;
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Ok(Some(i + 2)),
                (Some(b'\r'), Some(b'\n')) => return Ok(Some(i + 3)),
                (Some(b'\r'), None) | (None, _) => {
                    self.scanned = i;
                    return self.check_head_limit(None);
                }
                _ => {}
            }
        }
        self.scanned = buf.len();
        self.check_head_limit(None)
    }

    fn check_head_limit(&self, found: Option<usize>) -> Result<Option<usize>> {
        let limit = self.opts.limits.max_head_len;
        if found.is_none() && self.buf.len() > limit {
            return Err(ParseError::new(ErrorKind::HeadTooLarge { limit }, limit));
        }
        Ok(found)
    }
}
