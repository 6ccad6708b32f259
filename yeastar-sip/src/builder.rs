//! Building and editing messages. [`MessageBuilder::from_message`] keeps every untouched
//! part byte for byte (compact names, folding, spacing), so a proxy that pushes a Via or a
//! UA that copies Record-Route changes only what it edits.
#![warn(clippy::indexing_slicing)]

use std::borrow::Cow;

use crate::header_name::HeaderName;
use crate::message::Message;

/// One header of a [`MessageBuilder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderEntry<'a> {
    /// Name as it will be written.
    pub name: Cow<'a, str>,
    /// Value as it will be written (no CRLF; folding is not produced).
    pub value: Cow<'a, str>,
    /// The original line, line end included, for headers taken from a parsed message and
    /// not modified since; written as is.
    raw: Option<&'a [u8]>,
}

impl<'a> HeaderEntry<'a> {
    /// A new header.
    pub fn new(name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            raw: None,
        }
    }

    /// The recognised name.
    #[must_use]
    pub fn kind(&self) -> HeaderName {
        HeaderName::from_name(&self.name)
    }

    fn matches(&self, name: &str) -> bool {
        let kind = HeaderName::from_name(name);
        self.kind() == kind && (kind != HeaderName::Other || self.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Start<'a> {
    Request {
        method: Cow<'a, str>,
        uri: Cow<'a, str>,
    },
    Response {
        status: u16,
        reason: Cow<'a, str>,
    },
}

/// Builds a request or response, or edits a parsed one.
///
/// ```
/// use yeastar_sip::{Message, MessageBuilder};
/// let req = MessageBuilder::request("OPTIONS", "sip:1001@192.0.2.10")
///     .header("Via", "SIP/2.0/UDP 192.0.2.20;branch=z9hG4bK1")
///     .header("CSeq", "1 OPTIONS")
///     .to_bytes();
/// let parsed = Message::parse(&req)?;
/// let mut edit = MessageBuilder::from_message(&parsed);
/// edit.prepend_header("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK2");
/// let out = edit.to_bytes();
/// let again = Message::parse(&out)?;
/// assert_eq!(again.vias().count(), 2);
/// assert_eq!(again.content_length(), Some(0));
/// # Ok::<(), yeastar_sip::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuilder<'a> {
    start: Start<'a>,
    /// Original start line (line end included) while the start line is unchanged.
    start_raw: Option<&'a [u8]>,
    headers: Vec<HeaderEntry<'a>>,
    /// Original empty line ending the header section (`\r\n` or `\n`).
    blank_raw: &'a [u8],
    body: Cow<'a, [u8]>,
    /// Content-Length must be rewritten on output.
    body_changed: bool,
}

impl<'a> MessageBuilder<'a> {
    /// A request with an empty body (Content-Length: 0 is added on output).
    pub fn request(method: impl Into<Cow<'a, str>>, uri: impl Into<Cow<'a, str>>) -> Self {
        Self::with_start(Start::Request {
            method: method.into(),
            uri: uri.into(),
        })
    }

    /// A response with an empty body.
    pub fn response(status: u16, reason: impl Into<Cow<'a, str>>) -> Self {
        Self::with_start(Start::Response {
            status,
            reason: reason.into(),
        })
    }

    fn with_start(start: Start<'a>) -> Self {
        Self {
            start,
            start_raw: None,
            headers: Vec::new(),
            blank_raw: b"\r\n",
            body: Cow::Borrowed(&[]),
            body_changed: true,
        }
    }

    /// A response to `request` carrying its Via, From, To, Call-ID and CSeq headers
    /// (RFC 3261 §8.2.6.2); the caller adds the To tag when needed.
    #[must_use]
    pub fn response_to(request: &Message<'a>, status: u16, reason: &'a str) -> Self {
        let mut b = Self::response(status, reason);
        for h in request.headers() {
            if matches!(
                h.kind,
                HeaderName::Via
                    | HeaderName::From
                    | HeaderName::To
                    | HeaderName::CallId
                    | HeaderName::CSeq
            ) {
                b.headers.push(HeaderEntry::new(h.name, h.value));
            }
        }
        b
    }

    /// Starts an edit of `msg`. Serialising it unchanged gives `msg.as_bytes()` back.
    #[must_use]
    pub fn from_message(msg: &Message<'a>) -> Self {
        let bytes = msg.as_bytes();
        let head_len = msg.head().len();
        let head = bytes.get(..head_len).unwrap_or(bytes);
        let base = msg.head_offset();
        let line_end = |from: usize| -> usize {
            memchr::memchr(b'\n', head.get(from..).unwrap_or(&[]))
                .map_or(head.len(), |i| from + i + 1)
        };
        let start_end = line_end(0);
        let start = match (msg.method(), msg.status()) {
            (Some(method), _) => Start::Request {
                method: Cow::Borrowed(method),
                uri: Cow::Borrowed(msg.request_uri_text().unwrap_or("")),
            },
            (None, status) => Start::Response {
                status: status.unwrap_or(0),
                reason: Cow::Borrowed(msg.reason_phrase().unwrap_or("")),
            },
        };
        let mut headers = Vec::with_capacity(msg.header_count() + 2);
        let mut last_end = start_end;
        for h in msg.headers() {
            let name_start = h.name_offset - base;
            let value_end = h.offset - base + h.value.len();
            // The header's lines: the one holding the end of the value, then any
            // continuation lines (whitespace-only ones included) that follow it.
            let mut end = line_end(value_end);
            while matches!(head.get(end), Some(b' ' | b'\t')) {
                end = line_end(end);
            }
            headers.push(HeaderEntry {
                name: Cow::Borrowed(h.name),
                value: Cow::Borrowed(h.value),
                raw: head.get(name_start..end),
            });
            last_end = end;
        }
        Self {
            start,
            start_raw: head.get(..start_end),
            headers,
            blank_raw: head.get(last_end..).unwrap_or(b"\r\n"),
            body: Cow::Borrowed(msg.body()),
            body_changed: false,
        }
    }

    /// Replaces the Request-URI (requests only; ignored on responses).
    pub fn set_request_uri(&mut self, uri: impl Into<Cow<'a, str>>) -> &mut Self {
        if let Start::Request { uri: u, .. } = &mut self.start {
            *u = uri.into();
            self.start_raw = None;
        }
        self
    }

    /// Headers in output order.
    #[must_use]
    pub fn headers(&self) -> &[HeaderEntry<'a>] {
        &self.headers
    }

    /// Appends a header (builder style).
    #[must_use]
    pub fn header(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.push_header(name, value);
        self
    }

    /// Appends a header.
    pub fn push_header(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> &mut Self {
        self.headers.push(HeaderEntry::new(name, value));
        self
    }

    /// Inserts a header before the first header of the same name, or first of all when
    /// there is none (a proxy pushing its Via).
    pub fn prepend_header(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> &mut Self {
        let entry = HeaderEntry::new(name, value);
        let kind = entry.kind();
        let at = self
            .headers
            .iter()
            .position(|h| {
                h.kind() == kind
                    && (kind != HeaderName::Other || h.name.eq_ignore_ascii_case(&entry.name))
            })
            .unwrap_or(0);
        self.headers.insert(at, entry);
        self
    }

    /// Removes every header called `name` (compact forms included); returns how many.
    pub fn remove_headers(&mut self, name: &str) -> usize {
        let before = self.headers.len();
        self.headers.retain(|h| !h.matches(name));
        before - self.headers.len()
    }

    /// Removes the first header called `name`; returns it.
    pub fn remove_first(&mut self, name: &str) -> Option<HeaderEntry<'a>> {
        let at = self.headers.iter().position(|h| h.matches(name))?;
        Some(self.headers.remove(at))
    }

    /// Sets the value of the first header called `name` (keeping its place and spelling of
    /// the name) and removes the others; appends it when absent.
    pub fn set_header(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> &mut Self {
        let name = name.into();
        let value = value.into();
        match self.headers.iter().position(|h| h.matches(&name)) {
            Some(first) => {
                if let Some(h) = self.headers.get_mut(first) {
                    h.value = value;
                    h.raw = None;
                }
                let mut i = 0;
                self.headers.retain(|h| {
                    let keep = i <= first || !h.matches(&name);
                    i += 1;
                    keep
                });
            }
            None => self.headers.push(HeaderEntry {
                name,
                value,
                raw: None,
            }),
        }
        self
    }

    /// Copies every header of `kind` from `msg`, in order, to the end (e.g. Record-Route into
    /// a response).
    pub fn copy_headers(&mut self, msg: &Message<'a>, kind: HeaderName) -> &mut Self {
        for h in msg.headers_of(kind) {
            self.headers.push(HeaderEntry::new(h.name, h.value));
        }
        self
    }

    /// Replaces the body; Content-Length is rewritten on output.
    pub fn set_body(&mut self, body: impl Into<Cow<'a, [u8]>>) -> &mut Self {
        self.body = body.into();
        self.body_changed = true;
        self
    }

    /// Replaces the body (builder style).
    #[must_use]
    pub fn body(mut self, body: impl Into<Cow<'a, [u8]>>) -> Self {
        self.set_body(body);
        self
    }

    /// Appends the serialised message to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match (&self.start_raw, &self.start) {
            (Some(raw), _) => out.extend_from_slice(raw),
            (None, Start::Request { method, uri }) => {
                out.extend_from_slice(method.as_bytes());
                out.push(b' ');
                out.extend_from_slice(uri.as_bytes());
                out.extend_from_slice(b" SIP/2.0\r\n");
            }
            (None, Start::Response { status, reason }) => {
                out.extend_from_slice(b"SIP/2.0 ");
                out.extend_from_slice(status.to_string().as_bytes());
                out.push(b' ');
                out.extend_from_slice(reason.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        let mut wrote_length = false;
        for h in &self.headers {
            let is_length = h.kind() == HeaderName::ContentLength;
            if is_length && self.body_changed {
                if !wrote_length {
                    write_header(out, &h.name, &self.body.len().to_string());
                    wrote_length = true;
                }
                continue;
            }
            wrote_length |= is_length;
            match h.raw {
                Some(raw) => out.extend_from_slice(raw),
                None => write_header(out, &h.name, &h.value),
            }
        }
        // A parsed message without Content-Length (datagram) stays without one until its
        // body changes.
        if !wrote_length && self.body_changed {
            write_header(out, "Content-Length", &self.body.len().to_string());
        }
        out.extend_from_slice(self.blank_raw);
        out.extend_from_slice(&self.body);
    }

    /// The serialised message.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(512 + self.body.len());
        self.write_to(&mut out);
        out
    }
}

fn write_header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}
