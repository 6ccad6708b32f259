//! Parsed SIP messages: [`Message`] borrows the input, [`OwnedMessage`] keeps it in a
//! [`Bytes`] buffer. Headers are indexed once, in wire order; typed values are parsed when
//! asked for.
#![warn(clippy::indexing_slicing)]

use core::marker::PhantomData;

use bytes::Bytes;

use crate::chars::{CommaSplit, find_byte, offset_in, trim_lws};
use crate::error::{ErrorKind, ParseError, Result};
use crate::header_name::HeaderName;
use crate::index::{Index, Slot, SlotIter, Span, StartIdx, index_head_into};
use crate::limits::{Mode, ParseOptions};
use crate::typed::{
    CSeq, Challenge, Contact, Credentials, Event, FromValue, MediaType, NameAddr, Reason, Replaces,
    RetryAfter, SessionExpires, SipDate, SubscriptionState, TokenList, Via, Warning, check_call_id,
    list_elements, parse_number,
};
use crate::uri::Uri;

/// Request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `METHOD Request-URI SIP/2.0`.
    Request {
        /// Method, as written (case-sensitive per RFC 3261).
        method: &'a str,
        /// Request-URI text (see [`Message::request_uri`] for the parsed form).
        uri: &'a str,
        /// SIP version (`SIP/2.0`).
        version: &'a str,
    },
    /// `SIP/2.0 code reason`.
    Response {
        /// SIP version.
        version: &'a str,
        /// Status code, 100 to 699.
        status: u16,
        /// Reason phrase, possibly empty.
        reason: &'a str,
    },
}

/// One header line as it appears in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// Name as written (compact or long, any case).
    pub name: &'a str,
    /// Recognised name.
    pub kind: HeaderName,
    /// Value with surrounding whitespace removed; a folded value keeps its inner line breaks.
    pub value: &'a str,
    /// Byte offset of the value in the input buffer.
    pub offset: usize,
    /// Byte offset of the name in the input buffer.
    pub name_offset: usize,
}

/// A parsed SIP message borrowing its input.
///
/// ```
/// use yeastar_sip::Message;
/// let wire = b"OPTIONS sip:1001@192.0.2.10 SIP/2.0\r\n\
///     Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK776;rport\r\n\
///     From: <sip:pbx@192.0.2.20>;tag=a1\r\nTo: <sip:1001@192.0.2.10>\r\n\
///     Call-ID: q1@192.0.2.20\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n";
/// let msg = Message::parse(wire)?;
/// assert_eq!(msg.method(), Some("OPTIONS"));
/// let via = msg.top_via()?.expect("one Via");
/// assert_eq!(via.branch(), Some("z9hG4bK776"));
/// assert_eq!(via.rport(), Some(None));
/// assert_eq!(msg.cseq()?.map(|c| c.seq), Some(7));
/// # Ok::<(), yeastar_sip::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The input, up to the end of this message.
    buf: &'a [u8],
    /// The header section, validated UTF-8.
    head: &'a str,
    body: Span,
    idx: IndexRef<'a>,
}

/// The index a [`Message`] reads: its own after parsing, or the one an [`OwnedMessage`]
/// keeps, borrowed so that re-reading a kept message copies nothing.
// Boxing the owned index would allocate on every parse.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum IndexRef<'a> {
    Owned(Index),
    Shared(&'a Index),
}

impl core::ops::Deref for IndexRef<'_> {
    type Target = Index;
    #[inline]
    fn deref(&self) -> &Index {
        match self {
            Self::Owned(idx) => idx,
            Self::Shared(idx) => idx,
        }
    }
}

impl<'a> Message<'a> {
    /// Parses one datagram (UDP, or a WebSocket message) in lenient mode with default limits.
    pub fn parse(datagram: &'a [u8]) -> Result<Self> {
        Self::parse_with(datagram, &ParseOptions::default())
    }

    /// Parses one datagram in strict mode with default limits.
    pub fn parse_strict(datagram: &'a [u8]) -> Result<Self> {
        Self::parse_with(datagram, &ParseOptions::strict())
    }

    /// Parses one datagram. Without Content-Length the body is the rest of the datagram;
    /// with it, octets past the body are ignored (RFC 3261 §18.3).
    pub fn parse_with(datagram: &'a [u8], opts: &ParseOptions) -> Result<Self> {
        // Offsets are stored as u32: larger configured limits are capped at 4 GiB.
        let limit = opts.limits.max_datagram_len.min(u32::MAX as usize);
        if datagram.len() > limit {
            return Err(ParseError::new(ErrorKind::MessageTooLarge { limit }, limit));
        }
        let mut idx = Index::empty(opts.mode);
        index_head_into(datagram, opts, &mut idx)?;
        let head_end = idx.head_end as usize;
        let (head, content_length) = check_head(datagram, &idx, opts)?;
        idx.content_length = content_length.map(|n| n as u32);
        let available = datagram.len() - head_end;
        let body_len = match content_length {
            Some(declared) if declared > available => {
                return Err(ParseError::new(
                    ErrorKind::BodyTruncated {
                        declared,
                        available,
                    },
                    head_end,
                ));
            }
            Some(declared) => declared,
            None => available,
        };
        let end = head_end + body_len;
        Ok(Self {
            buf: datagram.get(..end).unwrap_or(datagram),
            head,
            body: Span {
                start: head_end as u32,
                len: body_len as u32,
            },
            idx: IndexRef::Owned(idx),
        })
    }

    /// Builds a message from a buffer already indexed and checked by the stream framer.
    fn from_parts(buf: &'a [u8], head: &'a str, idx: &'a Index) -> Self {
        let head_end = idx.head_end as usize;
        let len = buf.len().saturating_sub(head_end);
        Self {
            buf,
            head,
            body: Span {
                start: head_end as u32,
                len: len as u32,
            },
            idx: IndexRef::Shared(idx),
        }
    }

    /// Copies the message into an [`OwnedMessage`] that can outlive the input.
    #[must_use]
    pub fn to_owned_message(&self) -> OwnedMessage {
        OwnedMessage {
            bytes: Bytes::copy_from_slice(self.buf),
            idx: Index::clone(&self.idx),
        }
    }

    /// The mode the message was parsed with (typed accessors use it too).
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.idx.mode
    }

    /// The message bytes (start line to end of body).
    #[must_use]
    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
            .get(self.idx.msg_start as usize..)
            .unwrap_or(self.buf)
    }

    /// The header section as text, from the start line to the empty line included.
    #[must_use]
    pub fn head(&self) -> &'a str {
        self.head
            .get(self.idx.msg_start as usize..)
            .unwrap_or(self.head)
    }

    /// The body.
    #[must_use]
    pub fn body(&self) -> &'a [u8] {
        self.buf.get(self.body.range()).unwrap_or(&[])
    }

    /// Offset of the start line in the input (leading CRLFs skipped).
    pub(crate) fn head_offset(&self) -> usize {
        self.idx.msg_start as usize
    }

    /// The Request-URI as written.
    pub(crate) fn request_uri_text(&self) -> Option<&'a str> {
        match self.idx.start {
            StartIdx::Request { uri, .. } => Some(self.text(uri)),
            StartIdx::Response { .. } => None,
        }
    }

    /// The start line.
    #[must_use]
    pub fn start_line(&self) -> StartLine<'a> {
        match self.idx.start {
            StartIdx::Request {
                method,
                uri,
                version,
            } => StartLine::Request {
                method: self.text(method),
                uri: self.text(uri),
                version: self.text(version),
            },
            StartIdx::Response {
                version,
                status,
                reason,
            } => StartLine::Response {
                version: self.text(version),
                status,
                reason: self.text(reason),
            },
        }
    }

    fn text(&self, span: Span) -> &'a str {
        self.head.get(span.range()).unwrap_or("")
    }

    /// True for a request.
    #[must_use]
    pub fn is_request(&self) -> bool {
        matches!(self.idx.start, StartIdx::Request { .. })
    }

    /// The method of a request.
    #[must_use]
    pub fn method(&self) -> Option<&'a str> {
        match self.idx.start {
            StartIdx::Request { method, .. } => Some(self.text(method)),
            StartIdx::Response { .. } => None,
        }
    }

    /// The Request-URI of a request (checked while parsing, so `None` only for responses).
    #[must_use]
    pub fn request_uri(&self) -> Option<Uri<'a>> {
        match self.idx.start {
            StartIdx::Request { uri, .. } => Uri::parse_inner(self.text(uri), self.mode()).ok(),
            StartIdx::Response { .. } => None,
        }
    }

    /// The status code of a response.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self.idx.start {
            StartIdx::Response { status, .. } => Some(status),
            StartIdx::Request { .. } => None,
        }
    }

    /// The reason phrase of a response.
    #[must_use]
    pub fn reason_phrase(&self) -> Option<&'a str> {
        match self.idx.start {
            StartIdx::Response { reason, .. } => Some(self.text(reason)),
            StartIdx::Request { .. } => None,
        }
    }

    /// Number of header lines.
    #[must_use]
    pub fn header_count(&self) -> usize {
        self.idx.header_count()
    }

    /// All header lines in wire order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'a>> + '_ {
        self.idx.slots().map(|s| self.header_at(s))
    }

    fn header_at(&self, s: &Slot) -> Header<'a> {
        let name_start = s.name_start as usize;
        let value_start = s.value_start as usize;
        Header {
            name: self
                .head
                .get(name_start..name_start + usize::from(s.name_len))
                .unwrap_or(""),
            kind: s.kind,
            value: self
                .head
                .get(value_start..value_start + s.value_len as usize)
                .unwrap_or(""),
            offset: value_start,
            name_offset: name_start,
        }
    }

    /// Header lines with the given recognised name, in wire order.
    pub fn headers_of(&self, kind: HeaderName) -> impl Iterator<Item = Header<'a>> + '_ {
        self.idx
            .slots()
            .filter(move |s| s.kind == kind)
            .map(|s| self.header_at(s))
    }

    /// The first header called `name` (case-insensitive; compact forms match their long form).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<Header<'a>> {
        let kind = HeaderName::from_name(name);
        self.headers().find(|h| {
            h.kind == kind && (kind != HeaderName::Other || h.name.eq_ignore_ascii_case(name))
        })
    }

    /// All values of a list header (across lines and commas), typed as `T`.
    pub fn values<T: FromValue<'a>>(&self, kind: HeaderName) -> Values<'_, 'a, T> {
        Values {
            head: self.head,
            slots: self.idx.slots(),
            kind,
            mode: self.mode(),
            current: None,
            split: true,
            _t: PhantomData,
        }
    }

    /// Each header line of `kind` typed as one `T` (headers whose values contain commas,
    /// such as challenges).
    pub fn lines<T: FromValue<'a>>(&self, kind: HeaderName) -> Values<'_, 'a, T> {
        Values {
            split: false,
            ..self.values(kind)
        }
    }

    /// The first header of `kind` typed as `T`.
    pub fn single<T: FromValue<'a>>(&self, kind: HeaderName) -> Result<Option<T>> {
        match self.headers_of(kind).next() {
            None => Ok(None),
            Some(h) => T::parse_value(trim_lws(h.value), self.mode())
                .map(Some)
                .map_err(|f| f.0.into_error(self.head, kind)),
        }
    }

    /// `Via` values, top first.
    pub fn vias(&self) -> Values<'_, 'a, Via<'a>> {
        self.values(HeaderName::Via)
    }

    /// The topmost `Via`.
    pub fn top_via(&self) -> Result<Option<Via<'a>>> {
        self.vias().next().transpose()
    }

    /// `From`.
    pub fn from(&self) -> Result<Option<NameAddr<'a>>> {
        self.single(HeaderName::From)
    }

    /// `To`.
    pub fn to(&self) -> Result<Option<NameAddr<'a>>> {
        self.single(HeaderName::To)
    }

    /// `Call-ID`.
    pub fn call_id(&self) -> Result<Option<&'a str>> {
        match self.headers_of(HeaderName::CallId).next() {
            None => Ok(None),
            Some(h) => check_call_id(h.value, self.mode())
                .map(Some)
                .map_err(|f| f.into_error(self.head, HeaderName::CallId)),
        }
    }

    /// `CSeq`.
    pub fn cseq(&self) -> Result<Option<CSeq<'a>>> {
        self.single(HeaderName::CSeq)
    }

    /// `Max-Forwards` (0 to 255).
    pub fn max_forwards(&self) -> Result<Option<u8>> {
        self.number(HeaderName::MaxForwards)?
            .map(|n| {
                u8::try_from(n).map_err(|_| {
                    ParseError::new(
                        ErrorKind::InvalidHeader {
                            header: HeaderName::MaxForwards,
                            what: "larger than 255",
                        },
                        self.first_offset(HeaderName::MaxForwards),
                    )
                })
            })
            .transpose()
    }

    fn first_offset(&self, kind: HeaderName) -> usize {
        self.headers_of(kind).next().map_or(0, |h| h.offset)
    }

    fn number(&self, kind: HeaderName) -> Result<Option<u32>> {
        match self.headers_of(kind).next() {
            None => Ok(None),
            Some(h) => parse_number(h.value, "not a number")
                .map(Some)
                .map_err(|f| f.into_error(self.head, kind)),
        }
    }

    /// `Contact` values.
    pub fn contacts(&self) -> Values<'_, 'a, Contact<'a>> {
        self.values(HeaderName::Contact)
    }

    /// `Route` values.
    pub fn routes(&self) -> Values<'_, 'a, NameAddr<'a>> {
        self.values(HeaderName::Route)
    }

    /// `Record-Route` values.
    pub fn record_routes(&self) -> Values<'_, 'a, NameAddr<'a>> {
        self.values(HeaderName::RecordRoute)
    }

    /// `Content-Type`.
    pub fn content_type(&self) -> Result<Option<MediaType<'a>>> {
        self.single(HeaderName::ContentType)
    }

    /// `Content-Length` (checked while parsing).
    #[must_use]
    pub fn content_length(&self) -> Option<usize> {
        self.idx.content_length.map(|n| n as usize)
    }

    /// `WWW-Authenticate` challenges, one per header line.
    pub fn www_authenticate(&self) -> Values<'_, 'a, Challenge<'a>> {
        self.lines(HeaderName::WwwAuthenticate)
    }

    /// `Proxy-Authenticate` challenges, one per header line.
    pub fn proxy_authenticate(&self) -> Values<'_, 'a, Challenge<'a>> {
        self.lines(HeaderName::ProxyAuthenticate)
    }

    /// `Authorization` credentials, one per header line.
    pub fn authorization(&self) -> Values<'_, 'a, Credentials<'a>> {
        self.lines(HeaderName::Authorization)
    }

    /// `Proxy-Authorization` credentials, one per header line.
    pub fn proxy_authorization(&self) -> Values<'_, 'a, Credentials<'a>> {
        self.lines(HeaderName::ProxyAuthorization)
    }

    /// `Expires` in seconds.
    pub fn expires(&self) -> Result<Option<u32>> {
        self.number(HeaderName::Expires)
    }

    /// `Min-Expires` in seconds.
    pub fn min_expires(&self) -> Result<Option<u32>> {
        self.number(HeaderName::MinExpires)
    }

    /// `Min-SE` in seconds.
    pub fn min_se(&self) -> Result<Option<u32>> {
        self.number(HeaderName::MinSe)
    }

    /// `Allow`.
    pub fn allow(&self) -> Result<Option<TokenList<'a>>> {
        self.single(HeaderName::Allow)
    }

    /// `Supported`.
    pub fn supported(&self) -> Result<Option<TokenList<'a>>> {
        self.single(HeaderName::Supported)
    }

    /// `Require`.
    pub fn require(&self) -> Result<Option<TokenList<'a>>> {
        self.single(HeaderName::Require)
    }

    /// `Event`.
    pub fn event(&self) -> Result<Option<Event<'a>>> {
        self.single(HeaderName::Event)
    }

    /// `Subscription-State`.
    pub fn subscription_state(&self) -> Result<Option<SubscriptionState<'a>>> {
        self.single(HeaderName::SubscriptionState)
    }

    /// `Refer-To`.
    pub fn refer_to(&self) -> Result<Option<NameAddr<'a>>> {
        self.single(HeaderName::ReferTo)
    }

    /// `Referred-By`.
    pub fn referred_by(&self) -> Result<Option<NameAddr<'a>>> {
        self.single(HeaderName::ReferredBy)
    }

    /// `Replaces`.
    pub fn replaces(&self) -> Result<Option<Replaces<'a>>> {
        self.single(HeaderName::Replaces)
    }

    /// `Session-Expires`.
    pub fn session_expires(&self) -> Result<Option<SessionExpires<'a>>> {
        self.single(HeaderName::SessionExpires)
    }

    /// `P-Asserted-Identity` values.
    pub fn p_asserted_identity(&self) -> Values<'_, 'a, NameAddr<'a>> {
        self.values(HeaderName::PAssertedIdentity)
    }

    /// `Diversion` values (RFC 5806).
    pub fn diversion(&self) -> Values<'_, 'a, NameAddr<'a>> {
        self.values(HeaderName::Diversion)
    }

    /// `User-Agent` text.
    #[must_use]
    pub fn user_agent(&self) -> Option<&'a str> {
        self.headers_of(HeaderName::UserAgent)
            .next()
            .map(|h| h.value)
    }

    /// `Server` text.
    #[must_use]
    pub fn server(&self) -> Option<&'a str> {
        self.headers_of(HeaderName::Server).next().map(|h| h.value)
    }

    /// `Date`.
    pub fn date(&self) -> Result<Option<SipDate>> {
        self.single(HeaderName::Date)
    }

    /// `Retry-After`.
    pub fn retry_after(&self) -> Result<Option<RetryAfter<'a>>> {
        self.single(HeaderName::RetryAfter)
    }

    /// `Warning` values.
    pub fn warnings(&self) -> Values<'_, 'a, Warning<'a>> {
        self.values(HeaderName::Warning)
    }

    /// `Reason` values.
    pub fn reasons(&self) -> Values<'_, 'a, Reason<'a>> {
        self.values(HeaderName::Reason)
    }

    /// Parses every known header value, returning the first error. Strict parsing runs this
    /// on every message; in lenient mode it tells whether all typed accessors will succeed.
    pub fn validate_headers(&self) -> Result<()> {
        for slot in self.idx.slots() {
            let start = slot.value_start as usize;
            let value = self
                .head
                .get(start..start + slot.value_len as usize)
                .unwrap_or("");
            validate_header(self.head, slot.kind, value, self.mode())?;
        }
        Ok(())
    }
}

/// UTF-8 check of the header section, Content-Length, and in strict mode every known header
/// and the CSeq method. Shared by datagram parsing and the stream framer.
pub(crate) fn check_head<'a>(
    buf: &'a [u8],
    idx: &Index,
    opts: &ParseOptions,
) -> Result<(&'a str, Option<usize>)> {
    let head_bytes = buf.get(..idx.head_end as usize).unwrap_or(&[]);
    // SIMD validation (simdutf8's `compat` flavour reports the same `valid_up_to` as std).
    let head = simdutf8::compat::from_utf8(head_bytes)
        .map_err(|e| ParseError::new(ErrorKind::InvalidUtf8, e.valid_up_to()))?;
    let strict = opts.mode == Mode::Strict;

    let mut content_length = None;
    for slot in idx.slots().filter(|s| s.kind == HeaderName::ContentLength) {
        let start = slot.value_start as usize;
        let text = head
            .get(start..start + slot.value_len as usize)
            .unwrap_or("");
        let n = parse_number(text, "not a number")
            .ok()
            .map(|n| n as usize)
            .ok_or(ParseError::new(ErrorKind::InvalidContentLength, start))?;
        // The first value frames the message; RFC 4475 `mcl01` shows why later ones are not
        // trusted either, but rejecting is the UA's call (400).
        if content_length.is_none() {
            content_length = Some(n);
        }
    }

    if let StartIdx::Request { uri, method, .. } = idx.start {
        let uri_text = head.get(uri.range()).unwrap_or("");
        let parsed = Uri::parse_inner(uri_text, opts.mode)
            .map_err(|f| ParseError::new(ErrorKind::InvalidRequestUri, offset_in(head, f.at)))?;
        if strict {
            if parsed.as_sip().is_some_and(|s| s.headers.is_some()) {
                return Err(ParseError::new(
                    ErrorKind::InvalidRequestUri,
                    uri.start as usize,
                ));
            }
            let method_text = head.get(method.range()).unwrap_or("");
            for slot in idx.slots() {
                let start = slot.value_start as usize;
                let value = head
                    .get(start..start + slot.value_len as usize)
                    .unwrap_or("");
                if slot.kind == HeaderName::CSeq {
                    // Typed once: the same parse and error as validate_header's, then the
                    // method comparison.
                    let cseq = CSeq::parse_value(trim_lws(value), opts.mode)
                        .map_err(|f| f.0.into_error(head, HeaderName::CSeq))?;
                    if cseq.method != method_text {
                        return Err(ParseError::new(ErrorKind::CSeqMethodMismatch, start));
                    }
                } else {
                    validate_header(head, slot.kind, value, opts.mode)?;
                }
            }
        }
    } else if strict {
        for slot in idx.slots() {
            let start = slot.value_start as usize;
            let value = head
                .get(start..start + slot.value_len as usize)
                .unwrap_or("");
            validate_header(head, slot.kind, value, opts.mode)?;
        }
    }
    Ok((head, content_length))
}

fn each<'a, T: FromValue<'a>>(
    head: &'a str,
    value: &'a str,
    kind: HeaderName,
    mode: Mode,
) -> Result<()> {
    // Most list headers carry one element: without a comma the split would yield the whole
    // value, so it is typed directly instead of walking its quotes and brackets.
    if find_byte(value.as_bytes(), b',').is_none() {
        let element = trim_lws(value);
        if element.is_empty() && mode == Mode::Lenient {
            return Ok(());
        }
        return T::parse_value(element, mode)
            .map(|_| ())
            .map_err(|f| f.0.into_error(head, kind));
    }
    each_split::<T>(head, value, kind, mode)
}

/// Types every comma-separated element of `value`: the general path of [`each`].
fn each_split<'a, T: FromValue<'a>>(
    head: &'a str,
    value: &'a str,
    kind: HeaderName,
    mode: Mode,
) -> Result<()> {
    for element in list_elements(value, mode) {
        T::parse_value(element, mode).map_err(|f| f.0.into_error(head, kind))?;
    }
    Ok(())
}

fn one<'a, T: FromValue<'a>>(
    head: &'a str,
    value: &'a str,
    kind: HeaderName,
    mode: Mode,
) -> Result<()> {
    T::parse_value(trim_lws(value), mode)
        .map(|_| ())
        .map_err(|f| f.0.into_error(head, kind))
}

/// Types one header value (every element of a list header) and discards the result.
pub(crate) fn validate_header<'a>(
    head: &'a str,
    kind: HeaderName,
    value: &'a str,
    mode: Mode,
) -> Result<()> {
    use HeaderName as H;
    let num = |max: u32| -> Result<()> {
        let n = parse_number(value, "not a number").map_err(|f| f.into_error(head, kind))?;
        if n > max {
            return Err(ParseError::new(
                ErrorKind::InvalidHeader {
                    header: kind,
                    what: "value too large",
                },
                offset_in(head, value),
            ));
        }
        Ok(())
    };
    match kind {
        H::Via => each::<Via<'a>>(head, value, kind, mode),
        H::From | H::To | H::ReferTo | H::ReferredBy | H::ReplyTo => {
            one::<NameAddr<'a>>(head, value, kind, mode)
        }
        H::Contact => {
            if trim_lws(value) == "*" {
                return Ok(());
            }
            each::<Contact<'a>>(head, value, kind, mode)
        }
        H::Route
        | H::RecordRoute
        | H::PAssertedIdentity
        | H::PPreferredIdentity
        | H::Diversion
        | H::RemotePartyId => each::<NameAddr<'a>>(head, value, kind, mode),
        H::CallId => check_call_id(value, mode)
            .map(|_| ())
            .map_err(|f| f.into_error(head, kind)),
        H::CSeq => one::<CSeq<'a>>(head, value, kind, mode),
        H::MaxForwards => num(255),
        H::Expires | H::MinExpires | H::MinSe | H::RSeq | H::ContentLength => num(u32::MAX),
        H::ContentType => one::<MediaType<'a>>(head, value, kind, mode),
        H::Accept => {
            if trim_lws(value).is_empty() {
                return Ok(());
            }
            each::<MediaType<'a>>(head, value, kind, mode)
        }
        H::WwwAuthenticate | H::ProxyAuthenticate => one::<Challenge<'a>>(head, value, kind, mode),
        H::Authorization | H::ProxyAuthorization => one::<Credentials<'a>>(head, value, kind, mode),
        H::Allow
        | H::Supported
        | H::Require
        | H::ProxyRequire
        | H::Unsupported
        | H::AllowEvents
        | H::ContentEncoding => one::<TokenList<'a>>(head, value, kind, mode),
        H::Event => one::<Event<'a>>(head, value, kind, mode),
        H::SubscriptionState => one::<SubscriptionState<'a>>(head, value, kind, mode),
        H::Replaces => one::<Replaces<'a>>(head, value, kind, mode),
        H::SessionExpires => one::<SessionExpires<'a>>(head, value, kind, mode),
        H::Date => one::<SipDate>(head, value, kind, mode),
        H::RetryAfter => one::<RetryAfter<'a>>(head, value, kind, mode),
        H::Warning => each::<Warning<'a>>(head, value, kind, mode),
        H::Reason => each::<Reason<'a>>(head, value, kind, mode),
        _ => Ok(()),
    }
}

/// Iterator over typed header values; each item is parsed when reached.
pub struct Values<'m, 'a, T> {
    head: &'a str,
    slots: SlotIter<'m>,
    kind: HeaderName,
    mode: Mode,
    current: Option<CommaSplit<'a>>,
    split: bool,
    _t: PhantomData<T>,
}

impl<'a, T: FromValue<'a>> Iterator for Values<'_, 'a, T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(split) = &mut self.current {
                for element in split.by_ref() {
                    let element = trim_lws(element);
                    if element.is_empty() && self.mode == Mode::Lenient {
                        continue;
                    }
                    return Some(
                        T::parse_value(element, self.mode)
                            .map_err(|f| f.0.into_error(self.head, self.kind)),
                    );
                }
                self.current = None;
            }
            let kind = self.kind;
            let slot = self.slots.find(|s| s.kind == kind)?;
            let start = slot.value_start as usize;
            let value = self
                .head
                .get(start..start + slot.value_len as usize)
                .unwrap_or("");
            if self.split && find_byte(value.as_bytes(), b',').is_some() {
                self.current = Some(CommaSplit::new(value));
            } else if self.split {
                // Without a comma the split yields the whole value: one element, typed
                // directly (an empty one is skipped in lenient mode, as the split would).
                let element = trim_lws(value);
                if element.is_empty() && self.mode == Mode::Lenient {
                    continue;
                }
                return Some(
                    T::parse_value(element, self.mode)
                        .map_err(|f| f.0.into_error(self.head, self.kind)),
                );
            } else {
                return Some(
                    T::parse_value(trim_lws(value), self.mode)
                        .map_err(|f| f.0.into_error(self.head, self.kind)),
                );
            }
        }
    }
}

/// A parsed message that owns its bytes (a cheap [`Bytes`] slice of the datagram or stream
/// buffer). [`OwnedMessage::message`] gives the borrowed view.
#[derive(Debug, Clone)]
pub struct OwnedMessage {
    bytes: Bytes,
    idx: Index,
}

impl OwnedMessage {
    /// Parses a datagram held in `bytes` without copying it.
    pub fn parse(bytes: Bytes, opts: &ParseOptions) -> Result<Self> {
        let (idx, end) = {
            let msg = Message::parse_with(&bytes, opts)?;
            let end = msg.buf.len();
            let idx = match msg.idx {
                IndexRef::Owned(idx) => idx,
                IndexRef::Shared(idx) => idx.clone(),
            };
            (idx, end)
        };
        Ok(Self {
            bytes: bytes.slice(..end),
            idx,
        })
    }

    pub(crate) fn from_parts(bytes: Bytes, idx: Index) -> Self {
        Self { bytes, idx }
    }

    /// The borrowed view. Borrows the index kept here (no copy) and re-checks that the header
    /// section is UTF-8 (it was when parsed), which costs a pass over the header bytes but no
    /// allocation.
    #[must_use]
    pub fn message(&self) -> Message<'_> {
        let head_bytes = self.bytes.get(..self.idx.head_end as usize).unwrap_or(&[]);
        let head = simdutf8::compat::from_utf8(head_bytes).unwrap_or("");
        Message::from_parts(&self.bytes, head, &self.idx)
    }

    /// The message bytes.
    #[must_use]
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used)]
mod tests {
    use super::{Message, each, each_split};
    use crate::chars::{CommaSplit, trim_lws};
    use crate::header_name::HeaderName;
    use crate::limits::{Mode, ParseOptions};
    use crate::typed::{Contact, FromValue, NameAddr, Via};

    fn every_short_value(mut check: impl FnMut(&str)) {
        let alphabet = [' ', '"', '<', '>', ';', 'a', ':', '\\', '='];
        let mut s = String::new();
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                check(&s);
                check(&format!("sip:{s}"));
                check(&format!("SIP/2.0/UDP {s}"));
            }
        }
    }

    /// What the `Values` iterator yielded before its one-element path: every element of the
    /// comma split, trimmed, empty ones skipped in lenient mode.
    fn split_values<'a, T: FromValue<'a>>(
        msg: &Message<'a>,
        kind: HeaderName,
    ) -> Vec<crate::Result<T>> {
        let mut out = Vec::new();
        for h in msg.headers_of(kind) {
            for element in CommaSplit::new(h.value) {
                let element = trim_lws(element);
                if element.is_empty() && msg.mode() == Mode::Lenient {
                    continue;
                }
                out.push(
                    T::parse_value(element, msg.mode()).map_err(|f| f.0.into_error(msg.head, kind)),
                );
            }
        }
        out
    }

    #[test]
    fn simd_utf8_check_agrees_with_std() {
        let alphabet = [b'a', 0x00, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0xf0, 0xff];
        let mut s = Vec::new();
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                // Also past the vector width, where the SIMD code takes over.
                for pad in [0, 61] {
                    let mut bytes = vec![b'x'; pad];
                    bytes.extend_from_slice(&s);
                    bytes.extend(std::iter::repeat_n(b'y', pad));
                    assert_eq!(
                        simdutf8::compat::from_utf8(&bytes).map_err(|e| e.valid_up_to()),
                        core::str::from_utf8(&bytes).map_err(|e| e.valid_up_to()),
                        "{bytes:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn one_element_lists_agree_with_the_comma_split() {
        every_short_value(|value| {
            for mode in [Mode::Lenient, Mode::Strict] {
                let head = value;
                assert_eq!(
                    each::<NameAddr<'_>>(head, value, HeaderName::Route, mode),
                    each_split::<NameAddr<'_>>(head, value, HeaderName::Route, mode),
                    "{value:?}"
                );
                assert_eq!(
                    each::<Contact<'_>>(head, value, HeaderName::Contact, mode),
                    each_split::<Contact<'_>>(head, value, HeaderName::Contact, mode),
                    "{value:?}"
                );
                assert_eq!(
                    each::<Via<'_>>(head, value, HeaderName::Via, mode),
                    each_split::<Via<'_>>(head, value, HeaderName::Via, mode),
                    "{value:?}"
                );
            }
            if value.contains(['\r', '\n']) {
                return;
            }
            let wire = format!(
                "OPTIONS sip:a@b SIP/2.0\r\nVia: {value}\r\nContact: {value}\r\n\
                 Route: {value}\r\nRoute: <sip:r>, {value}\r\n\r\n"
            );
            let msg = Message::parse_with(wire.as_bytes(), &ParseOptions::default()).unwrap();
            assert_eq!(
                msg.vias().collect::<Vec<_>>(),
                split_values::<Via<'_>>(&msg, HeaderName::Via),
                "{value:?}"
            );
            assert_eq!(
                msg.contacts().collect::<Vec<_>>(),
                split_values::<Contact<'_>>(&msg, HeaderName::Contact),
                "{value:?}"
            );
            assert_eq!(
                msg.routes().collect::<Vec<_>>(),
                split_values::<NameAddr<'_>>(&msg, HeaderName::Route),
                "{value:?}"
            );
        });
    }
}
