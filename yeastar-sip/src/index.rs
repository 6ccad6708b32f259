//! Indexing of the header section: one pass over the bytes, recording where the start line,
//! each header name and value, and the body are. Offsets only, so the same index serves a
//! borrowed [`crate::Message`] and an owned [`crate::OwnedMessage`].
#![warn(clippy::indexing_slicing)]

use crate::chars::{class, find_byte, is_token, span};
use crate::error::{ErrorKind, ParseError};
use crate::header_name::HeaderName;
use crate::limits::{Mode, ParseOptions};

/// Headers kept inline before the index spills to the heap. PBX traffic carries 10 to 25
/// header lines, so typical messages index without allocating.
pub const INLINE_HEADERS: usize = 32;

/// Where one header line sits in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) name_start: u32,
    pub(crate) name_len: u16,
    pub(crate) kind: HeaderName,
    pub(crate) value_start: u32,
    pub(crate) value_len: u32,
}

const EMPTY_SLOT: Slot = Slot {
    name_start: 0,
    name_len: 0,
    kind: HeaderName::Other,
    value_start: 0,
    value_len: 0,
};

/// A byte range in the buffer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Self {
        Self {
            start: start as u32,
            len: end.saturating_sub(start) as u32,
        }
    }
    pub(crate) fn range(self) -> core::ops::Range<usize> {
        self.start as usize..(self.start as usize + self.len as usize)
    }
}

/// Parsed start line, as offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartIdx {
    Request {
        method: Span,
        uri: Span,
        version: Span,
    },
    Response {
        version: Span,
        status: u16,
        reason: Span,
    },
}

/// Iterator over header slots in wire order.
pub(crate) type SlotIter<'m> =
    core::iter::Chain<core::slice::Iter<'m, Slot>, core::slice::Iter<'m, Slot>>;

/// The index of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Index {
    pub(crate) start: StartIdx,
    inline: [Slot; INLINE_HEADERS],
    len: usize,
    spill: Vec<Slot>,
    /// Offset of the first byte of the message (after skipped leading CRLFs).
    pub(crate) msg_start: u32,
    /// Offset just past the empty line ending the header section.
    pub(crate) head_end: u32,
    /// First Content-Length value, when present.
    pub(crate) content_length: Option<u32>,
    pub(crate) mode: Mode,
}

impl Index {
    fn push(&mut self, slot: Slot) {
        if let Some(s) = self.inline.get_mut(self.len) {
            *s = slot;
        } else {
            self.spill.push(slot);
        }
        self.len += 1;
    }

    fn last_mut(&mut self) -> Option<&mut Slot> {
        if self.len > INLINE_HEADERS {
            self.spill.last_mut()
        } else {
            self.inline.get_mut(self.len.checked_sub(1)?)
        }
    }

    /// Header slots in wire order.
    pub(crate) fn slots(&self) -> SlotIter<'_> {
        self.inline
            .get(..self.len.min(INLINE_HEADERS))
            .unwrap_or(&[])
            .iter()
            .chain(self.spill.iter())
    }

    pub(crate) fn header_count(&self) -> usize {
        self.len
    }
}

fn err<T>(kind: ErrorKind, offset: usize) -> Result<T, ParseError> {
    Err(ParseError::new(kind, offset))
}

/// One line: `[start, end)` without the line ending, and the offset of the next line.
#[inline]
fn next_line(buf: &[u8], pos: usize, opts: &ParseOptions) -> Result<(usize, usize), ParseError> {
    let rest = buf.get(pos..).unwrap_or(&[]);
    let max_line = opts.limits.max_line_len;
    let Some(nl) = memchr::memchr(b'\n', rest) else {
        if rest.len() > max_line {
            return err(ErrorKind::LineTooLong { limit: max_line }, pos);
        }
        return err(ErrorKind::UnterminatedHead, buf.len());
    };
    let mut end = pos + nl;
    if end > pos && buf.get(end - 1) == Some(&b'\r') {
        end -= 1;
    } else if opts.mode == Mode::Strict {
        return err(ErrorKind::BadLineEnding, end);
    }
    if end - pos > max_line {
        return err(ErrorKind::LineTooLong { limit: max_line }, pos);
    }
    Ok((end, pos + nl + 1))
}

#[inline]
fn trim_end_ws(buf: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(buf.get(end - 1), Some(b' ' | b'\t')) {
        end -= 1;
    }
    end
}

/// Offset of the first LF in `s`.
#[inline(always)]
fn find_lf(s: &[u8]) -> Option<usize> {
    find_byte(s, b'\n')
}

/// The common header line in one pass: a token name, optional SP/HT, the colon, SP/HT, the
/// value up to a line end that the mode accepts, within the line limit. `None` for anything
/// else (empty line, folded continuation, error, limit reached), which the general reading
/// in [`index_head`] then handles; where both read a line they agree (tested below).
#[inline]
fn header_line_fast(buf: &[u8], pos: usize, opts: &ParseOptions) -> Option<(Slot, usize)> {
    let line = buf.get(pos..)?;
    // Token bytes never include CR, LF, SP, HT or ':', so no scan here crosses the line end.
    let name_len = span(line, class::TOKEN);
    if name_len == 0 || name_len > usize::from(u16::MAX) {
        return None;
    }
    let mut i = name_len;
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if line.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let value_start = i;
    let nl = value_start + find_lf(line.get(value_start..)?)?;
    let mut end = nl;
    if line.get(nl.wrapping_sub(1)) == Some(&b'\r') {
        end -= 1;
    } else if opts.mode == Mode::Strict {
        return None;
    }
    if end > opts.limits.max_line_len {
        return None;
    }
    let value_end = trim_end_ws(line, value_start, end);
    let kind = HeaderName::from_token_prefix(line, name_len);
    Some((
        Slot {
            name_start: pos as u32,
            name_len: name_len as u16,
            kind,
            value_start: (pos + value_start) as u32,
            value_len: (value_end - value_start) as u32,
        },
        pos + nl + 1,
    ))
}

impl Index {
    /// An index of no message yet, to be filled by [`index_head_into`].
    pub(crate) fn empty(mode: Mode) -> Self {
        Self {
            start: StartIdx::Response {
                version: Span::default(),
                status: 0,
                reason: Span::default(),
            },
            inline: [EMPTY_SLOT; INLINE_HEADERS],
            len: 0,
            spill: Vec::new(),
            msg_start: 0,
            head_end: 0,
            content_length: None,
            mode,
        }
    }
}

/// Indexes the header section of the message starting at `buf[0]` (leading CRLFs skipped).
/// Only the header section is examined; the body is the caller's business.
#[inline]
pub(crate) fn index_head(buf: &[u8], opts: &ParseOptions) -> Result<Index, ParseError> {
    let mut index = Index::empty(opts.mode);
    index_head_into(buf, opts, &mut index)?;
    Ok(index)
}

/// [`index_head`] into an index the caller placed (an empty one, from [`Index::empty`]), so
/// that the few hundred bytes of slots are not moved on return.
#[inline]
pub(crate) fn index_head_into(
    buf: &[u8],
    opts: &ParseOptions,
    index: &mut Index,
) -> Result<(), ParseError> {
    index_head_lines::<true>(buf, opts, index)
}

/// [`index_head_into`], reading each header line with [`header_line_fast`] first when `FAST`;
/// the general reading alone is the reference the fast one is tested against.
fn index_head_lines<const FAST: bool>(
    buf: &[u8],
    opts: &ParseOptions,
    index: &mut Index,
) -> Result<(), ParseError> {
    let max_head = opts.limits.max_head_len;
    let mut pos = buf
        .iter()
        .position(|b| !matches!(b, b'\r' | b'\n'))
        .ok_or(ParseError::new(ErrorKind::Empty, 0))?;
    let msg_start = pos;

    let (line_end, mut next) = next_line(buf, pos, opts)?;
    index.start = parse_start_line(buf, pos, line_end, opts)?;
    index.msg_start = msg_start as u32;
    let mut folds = 0usize;
    let mut have_header = false;
    loop {
        pos = next;
        if pos - msg_start > max_head {
            return err(ErrorKind::HeadTooLarge { limit: max_head }, pos);
        }
        if FAST
            && index.len < opts.limits.max_headers
            && let Some((slot, after)) = header_line_fast(buf, pos, opts)
        {
            index.push(slot);
            have_header = true;
            folds = 0;
            next = after;
            continue;
        }
        let (end, after) = next_line(buf, pos, opts)?;
        next = after;
        if end == pos {
            break;
        }
        let first = buf.get(pos).copied().unwrap_or(b'\n');
        if first == b' ' || first == b'\t' {
            // Continuation of the previous header (RFC 3261 §7.3.1 folding).
            if !have_header {
                return err(ErrorKind::OrphanContinuation, pos);
            }
            folds += 1;
            if folds > opts.limits.max_folded_lines {
                return err(
                    ErrorKind::TooManyFoldedLines {
                        limit: opts.limits.max_folded_lines,
                    },
                    pos,
                );
            }
            let text_end = trim_end_ws(buf, pos, end);
            let text_start = (pos..text_end)
                .find(|&i| !matches!(buf.get(i), Some(b' ' | b'\t')))
                .unwrap_or(text_end);
            if let Some(slot) = index.last_mut().filter(|_| text_start < text_end) {
                if slot.value_len == 0 {
                    slot.value_start = text_start as u32;
                }
                slot.value_len = (text_end - slot.value_start as usize) as u32;
            }
            continue;
        }
        folds = 0;
        let line = buf.get(pos..end).unwrap_or(&[]);
        // One pass over the name, then optional whitespace, then the colon.
        let name_len = line.iter().take_while(|&&b| is_token(b)).count();
        let mut colon = name_len;
        while matches!(line.get(colon), Some(b' ' | b'\t')) {
            colon += 1;
        }
        if line.get(colon) != Some(&b':') {
            let kind = if memchr::memchr(b':', line).is_some() {
                ErrorKind::InvalidHeaderName
            } else {
                ErrorKind::MissingColon
            };
            return err(kind, pos);
        }
        if name_len == 0 || name_len > usize::from(u16::MAX) {
            return err(ErrorKind::InvalidHeaderName, pos);
        }
        let name = line.get(..name_len).unwrap_or(&[]);
        if index.len >= opts.limits.max_headers {
            return err(
                ErrorKind::TooManyHeaders {
                    limit: opts.limits.max_headers,
                },
                pos,
            );
        }
        let mut value_start = pos + colon + 1;
        while matches!(buf.get(value_start), Some(b' ' | b'\t')) {
            value_start += 1;
        }
        let value_end = trim_end_ws(buf, value_start, end);
        let kind = HeaderName::from_token(name);
        index.push(Slot {
            name_start: pos as u32,
            name_len: name.len() as u16,
            kind,
            value_start: value_start as u32,
            value_len: (value_end.max(value_start) - value_start) as u32,
        });
        have_header = true;
    }
    index.head_end = next as u32;
    Ok(())
}

fn parse_start_line(
    buf: &[u8],
    start: usize,
    end: usize,
    opts: &ParseOptions,
) -> Result<StartIdx, ParseError> {
    let line = buf.get(start..end).unwrap_or(&[]);
    let strict = opts.mode == Mode::Strict;
    if line.starts_with(b"SIP/")
        || (!strict
            && line.len() > 4
            && line
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/")))
    {
        // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
        let sp = memchr::memchr(b' ', line)
            .ok_or(ParseError::new(ErrorKind::InvalidStartLine, start))?;
        let version = Span::new(start, start + sp);
        check_version(buf, version, opts)?;
        let mut code_start = start + sp + 1;
        if !strict {
            while buf.get(code_start) == Some(&b' ') {
                code_start += 1;
            }
        }
        let digits = buf
            .get(code_start..end)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let code_end = code_start + digits;
        if digits != 3 {
            return err(ErrorKind::InvalidStatusCode, code_start);
        }
        let status = buf
            .get(code_start..code_end)
            .unwrap_or(&[])
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
        if !(100..=699).contains(&status) {
            return err(ErrorKind::InvalidStatusCode, code_start);
        }
        let reason_start = match buf.get(code_end) {
            _ if code_end == end => {
                if strict {
                    return err(ErrorKind::InvalidStartLine, code_end);
                }
                end
            }
            Some(b' ') => code_end + 1,
            _ => return err(ErrorKind::InvalidStatusCode, code_start),
        };
        let reason = buf.get(reason_start..end).unwrap_or(&[]);
        if reason.iter().any(|&b| b < b' ' && b != b'\t' || b == 0x7f) {
            return err(ErrorKind::InvalidReasonPhrase, reason_start);
        }
        return Ok(StartIdx::Response {
            version,
            status,
            reason: Span::new(reason_start, end),
        });
    }

    // Request-Line = Method SP Request-URI SP SIP-Version
    if strict && matches!(line.last(), Some(b' ' | b'\t')) {
        return err(ErrorKind::InvalidStartLine, end);
    }
    let sp1 =
        memchr::memchr(b' ', line).ok_or(ParseError::new(ErrorKind::InvalidStartLine, start))?;
    let method = Span::new(start, start + sp1);
    if sp1 == 0 || !line.get(..sp1).unwrap_or(&[]).iter().all(|&b| is_token(b)) {
        return err(ErrorKind::InvalidMethod, start);
    }
    let mut uri_start = start + sp1 + 1;
    let mut line_end = end;
    if !strict {
        while matches!(buf.get(uri_start), Some(b' ' | b'\t')) {
            uri_start += 1;
        }
        line_end = trim_end_ws(buf, uri_start, end);
    }
    let rest = buf.get(uri_start..line_end).unwrap_or(&[]);
    let sp2 = memchr::memrchr(b' ', rest)
        .ok_or(ParseError::new(ErrorKind::InvalidStartLine, uri_start))?;
    let mut uri_end = uri_start + sp2;
    let version = Span::new(uri_end + 1, line_end);
    if !strict {
        uri_end = trim_end_ws(buf, uri_start, uri_end);
    }
    let uri = Span::new(uri_start, uri_end);
    if uri.len == 0 {
        return err(ErrorKind::InvalidRequestUri, uri_start);
    }
    let uri_bytes = buf.get(uri.range()).unwrap_or(&[]);
    if let Some(ws) = uri_bytes.iter().position(|b| matches!(b, b' ' | b'\t')) {
        return err(ErrorKind::InvalidRequestUri, uri_start + ws);
    }
    check_version(buf, version, opts)?;
    Ok(StartIdx::Request {
        method,
        uri,
        version,
    })
}

/// `SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT`; strict mode accepts only 2.0.
fn check_version(buf: &[u8], version: Span, opts: &ParseOptions) -> Result<(), ParseError> {
    let v = buf.get(version.range()).unwrap_or(&[]);
    let at = version.start as usize;
    if v.eq_ignore_ascii_case(b"SIP/2.0") {
        return Ok(());
    }
    let Some(num) = v
        .get(4..)
        .filter(|_| v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case(b"SIP/")))
    else {
        return err(ErrorKind::InvalidVersion, at);
    };
    let mut parts = num.split(|&b| b == b'.');
    let well_formed = parts
        .next()
        .is_some_and(|m| !m.is_empty() && m.iter().all(u8::is_ascii_digit))
        && parts
            .next()
            .is_some_and(|m| !m.is_empty() && m.iter().all(u8::is_ascii_digit))
        && parts.next().is_none();
    if !well_formed {
        return err(ErrorKind::InvalidVersion, at);
    }
    if opts.mode == Mode::Strict {
        return err(ErrorKind::UnsupportedVersion, at);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::{Index, index_head_lines};
    use crate::limits::{Limits, Mode, ParseOptions};

    fn agree(buf: &[u8], opts: &ParseOptions) {
        let read = |fast: bool| {
            let mut index = Index::empty(opts.mode);
            let result = if fast {
                index_head_lines::<true>(buf, opts, &mut index)
            } else {
                index_head_lines::<false>(buf, opts, &mut index)
            };
            result.map(|()| index)
        };
        assert_eq!(
            read(true),
            read(false),
            "{:?} {:?}",
            String::from_utf8_lossy(buf),
            opts
        );
    }

    fn options() -> Vec<ParseOptions> {
        let mut out = Vec::new();
        for mode in [Mode::Lenient, Mode::Strict] {
            for (max_line_len, max_headers) in [(16 * 1024, 256), (12, 2), (5, 1)] {
                out.push(ParseOptions {
                    mode,
                    limits: Limits {
                        max_line_len,
                        max_headers,
                        ..Limits::default()
                    },
                });
            }
        }
        out
    }

    #[test]
    fn lf_search_agrees_with_memchr() {
        for len in 0..80 {
            for fill in [b'a', b'\n' ^ 0x80, 0x0b, 0x09, 0xff] {
                let mut s = vec![fill; len];
                assert_eq!(super::find_lf(&s), memchr::memchr(b'\n', &s));
                for first in 0..len {
                    for second in first..len {
                        s.fill(fill);
                        s[second] = b'\n';
                        s[first] = b'\n';
                        assert_eq!(super::find_lf(&s), Some(first), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn fast_header_lines_agree_with_the_general_reading_on_every_short_line() {
        let alphabet = [b'a', b':', b' ', b'\t', b'\r', b'\n', b'"', 0xc3];
        let opts = options();
        let mut line = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                line.clear();
                for _ in 0..len {
                    line.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                for (before, after) in [
                    (&b"OPTIONS sip:a@b SIP/2.0\r\n"[..], &b"\r\n\r\n"[..]),
                    (b"SIP/2.0 200 OK\r\nVia: x\r\n", b"\r\nTo: y\r\n\r\n"),
                    (b"SIP/2.0 200 OK\nv:1\n", b""),
                ] {
                    let buf = [before, &line[..], after].concat();
                    for o in &opts {
                        agree(&buf, o);
                    }
                }
            }
        }
    }

    #[test]
    fn fast_header_lines_agree_with_the_general_reading_on_the_corpus() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        let mut files = 0;
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    files += 1;
                    for o in &options() {
                        agree(&bytes, o);
                        // Long values reach past the in-register part of the LF search.
                        for cut in 0..bytes.len().min(600) {
                            agree(&bytes[..cut], o);
                        }
                    }
                }
            }
        }
        assert!(files > 100, "{files} corpus files");
    }
}
