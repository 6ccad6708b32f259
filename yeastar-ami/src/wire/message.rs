//! Frames and the borrowed message view over them.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use bytestring::ByteString;

use super::grammar;

/// A byte range inside one frame's text. `u32` keeps the field index small: frames are bounded by
/// [`Limits`](super::Limits) far below 4 GiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Self {
        // Frames are bounded by `Limits`, which are `usize` but checked against frame length
        // long before 4 GiB; saturate rather than wrap if a caller configured absurd limits.
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    pub(crate) fn shifted_back(self, by: usize) -> Self {
        let by = u32::try_from(by).unwrap_or(u32::MAX);
        Span {
            start: self.start.saturating_sub(by),
            end: self.end.saturating_sub(by),
        }
    }

    fn slice(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// One `Key: value` line: where its key and value lie in the frame text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    pub(crate) key: Span,
    pub(crate) value: Span,
}

/// What a frame is, from its first lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FrameKind {
    /// The one-line greeting a server sends on connect: `Asterisk Call Manager/11.0.0`.
    Banner,
    /// An answer to an action: its first field is `Response`.
    Response,
    /// An unsolicited event, or an item of an event list: it has an `Event` field.
    Event,
    /// A legacy `Command` answer: `Response: Follows`, raw CLI text, `--END COMMAND--`.
    CommandOutput,
    /// A frame with neither `Response` nor `Event` (kept, not dropped, so nothing is lost).
    Unknown,
}

impl FrameKind {
    /// The lower-case name used in logs and JSON dumps: `banner`, `response`, `event`,
    /// `command_output`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameKind::Banner => "banner",
            FrameKind::Response => "response",
            FrameKind::Event => "event",
            FrameKind::CommandOutput => "command_output",
            FrameKind::Unknown => "unknown",
        }
    }
}

/// The index of a scanned frame: fields in wire order and raw text lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct FrameIndex {
    pub(crate) fields: Vec<FieldSpan>,
    /// Lines that are not `Key: value`: the banner, legacy command output, stray text.
    pub(crate) lines: Vec<Span>,
    pub(crate) banner: bool,
    pub(crate) follows: bool,
}

impl FrameIndex {
    pub(crate) fn kind(&self, text: &str) -> FrameKind {
        kind_of(text, &self.fields, self.banner, self.follows)
    }
}

fn kind_of(text: &str, fields: &[FieldSpan], banner: bool, follows: bool) -> FrameKind {
    {
        if banner {
            return FrameKind::Banner;
        }
        if follows {
            return FrameKind::CommandOutput;
        }
        let mut response = false;
        for field in fields {
            let key = field.key.slice(text);
            if key.eq_ignore_ascii_case("Event") {
                return FrameKind::Event;
            }
            response |= key.eq_ignore_ascii_case("Response");
        }
        if response {
            FrameKind::Response
        } else {
            FrameKind::Unknown
        }
    }
}

/// One complete frame as received: its bytes (shared, not copied) and its field index.
///
/// A `Frame` is what the [`Decoder`](super::Decoder) yields; it is `'static` and cheap to clone,
/// so it can be sent to other tasks. Read it through [`Frame::message`].
#[derive(Clone)]
pub struct Frame {
    /// Validated once when the frame is cut, so every `message()` is free.
    text: ByteString,
    kind: FrameKind,
    fields: Box<[FieldSpan]>,
    lines: Box<[Span]>,
    repaired_utf8: bool,
}

impl Frame {
    /// Builds a frame from the scanner's index, whose spans count from `start` bytes before
    /// `text`. Allocates the field index once, at its exact size.
    pub(crate) fn from_index(
        text: ByteString,
        index: &FrameIndex,
        start: usize,
        repaired_utf8: bool,
    ) -> Frame {
        // Almost every frame starts at the buffer's start: then the spans are copied as they are.
        let fields: Box<[FieldSpan]> = if start == 0 {
            Box::from(index.fields.as_slice())
        } else {
            index
                .fields
                .iter()
                .map(|f| FieldSpan {
                    key: f.key.shifted_back(start),
                    value: f.value.shifted_back(start),
                })
                .collect()
        };
        let lines: Box<[Span]> = index.lines.iter().map(|l| l.shifted_back(start)).collect();
        let mut frame = Frame {
            text,
            kind: FrameKind::Unknown,
            fields,
            lines,
            repaired_utf8,
        };
        frame.kind = kind_of(&frame.text, &frame.fields, index.banner, index.follows);
        frame
    }

    /// The borrowed view: look fields up, iterate them, read command output.
    pub fn message(&self) -> Message<'_> {
        Message {
            text: &self.text,
            kind: self.kind,
            fields: Cow::Borrowed(&self.fields),
            lines: Cow::Borrowed(&self.lines),
        }
    }

    /// What the frame is.
    pub fn kind(&self) -> FrameKind {
        self.kind
    }

    /// The frame's bytes, including its line ends and the blank line that ended it.
    pub fn as_bytes(&self) -> &Bytes {
        self.text.as_bytes()
    }

    /// The frame's text (always UTF-8; see [`Frame::was_repaired`]).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the server sent bytes that are not UTF-8 (Latin-1 caller names on old firmware,
    /// say) and they were replaced with U+FFFD so that every field is still a `&str`.
    pub fn was_repaired(&self) -> bool {
        self.repaired_utf8
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.message(), f)
    }
}

/// A parsed AMI frame, borrowing every key and value from the received bytes.
///
/// Fields keep their wire order, duplicates included (`Variable`, `ChanVariable(…)`, `Output`).
/// Lookups ignore ASCII case, since Asterisk spells the same key differently across events and
/// versions (`Uniqueid`, `UniqueID`).
#[derive(Clone)]
pub struct Message<'a> {
    text: &'a str,
    kind: FrameKind,
    fields: Cow<'a, [FieldSpan]>,
    lines: Cow<'a, [Span]>,
}

impl<'a> Message<'a> {
    pub(crate) fn from_index(text: &'a str, index: FrameIndex) -> Message<'a> {
        Message {
            text,
            kind: index.kind(text),
            fields: Cow::Owned(index.fields),
            lines: Cow::Owned(index.lines),
        }
    }

    /// What the frame is.
    pub fn kind(&self) -> FrameKind {
        self.kind
    }

    /// The frame's whole text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The value of the first field named `key` (ASCII case ignored).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.get_all(key).next()
    }

    /// Every value of the fields named `key`, in wire order (ASCII case ignored).
    pub fn get_all<'k>(&self, key: &'k str) -> impl Iterator<Item = &'a str> + use<'a, 'k, '_> {
        let text = self.text;
        let want = key.as_bytes();
        // Lookups run several times per event: keys are compared as bytes (length first), and
        // only the values returned are sliced.
        self.raw_fields()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(want))
            .map(move |(_, v)| v.slice(text))
    }

    /// True when a field named `key` is present (ASCII case ignored).
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The field at `index` in wire order.
    pub fn field(&self, index: usize) -> Option<(&'a str, &'a str)> {
        let f = self.fields.get(index)?;
        Some((f.key.slice(self.text), f.value.slice(self.text)))
    }

    /// Every field as `(key, value)`, in wire order.
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&'a str, &'a str)> + use<'a, '_> {
        let text = self.text;
        self.fields
            .iter()
            .map(move |f| (f.key.slice(text), f.value.slice(text)))
    }

    /// Every field as its key's bytes and its value's span: the events' one-pass matcher looks
    /// at every key but slices only the values it keeps.
    pub(crate) fn raw_fields(&self) -> impl Iterator<Item = (&'a [u8], Span)> + use<'a, '_> {
        let text = self.text.as_bytes();
        self.fields.iter().map(move |f| {
            let key = text.get(f.key.start as usize..f.key.end as usize);
            (key.unwrap_or_default(), f.value)
        })
    }

    /// The text of a span from [`Message::raw_fields`].
    pub(crate) fn span_str(&self, span: Span) -> &'a str {
        span.slice(self.text)
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the frame has no fields (a banner, or raw text only).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The `Event` name, for events.
    pub fn event(&self) -> Option<&'a str> {
        self.get("Event")
    }

    /// The `Response` value (`Success`, `Error`, `Follows`, `Goodbye`, …), for responses.
    pub fn response(&self) -> Option<&'a str> {
        self.get("Response")
    }

    /// The `ActionID` that ties a response or list item to its action.
    pub fn action_id(&self) -> Option<&'a str> {
        self.get("ActionID")
    }

    /// The name of the frame: the event name, the response value, or the banner's product.
    pub fn name(&self) -> Option<&'a str> {
        match self.kind {
            FrameKind::Banner => self.banner().map(|b| b.name),
            FrameKind::Event => self.event(),
            _ => self.response(),
        }
    }

    /// Lines that are not `Key: value`: the banner line, legacy command output, stray text.
    pub fn raw_lines(&self) -> impl ExactSizeIterator<Item = &'a str> + use<'a, '_> {
        let text = self.text;
        self.lines.iter().map(move |s| s.slice(text))
    }

    /// The CLI output of a `Command` answer in either dialect: the raw lines of a legacy
    /// `Response: Follows` frame, or the `Output:` fields of a modern one.
    pub fn command_output(&self) -> impl Iterator<Item = &'a str> + use<'a, '_> {
        let legacy = (self.kind == FrameKind::CommandOutput).then(|| self.raw_lines());
        let modern = (self.kind != FrameKind::CommandOutput).then(|| self.get_all("Output"));
        legacy
            .into_iter()
            .flatten()
            .chain(modern.into_iter().flatten())
    }

    /// The banner's product name and protocol version, for a banner frame.
    pub fn banner(&self) -> Option<Banner<'a>> {
        if self.kind != FrameKind::Banner {
            return None;
        }
        let line = self.raw_lines().next()?;
        let (_, (name, version)) = grammar::banner(line.as_bytes()).ok()?;
        Some(Banner {
            name: std::str::from_utf8(name).ok()?,
            version: std::str::from_utf8(version).ok()?,
        })
    }

    /// `Variable: name=value` fields and `ChanVariable(channel): name=value` fields as
    /// `(channel, name, value)`; `channel` is `None` for plain `Variable` fields.
    pub fn variables(&self) -> impl Iterator<Item = Variable<'a>> + use<'a, '_> {
        self.fields().filter_map(|(key, value)| {
            let channel = if key.eq_ignore_ascii_case("Variable") {
                None
            } else {
                let inner = key
                    .get(..12)
                    .filter(|p| p.eq_ignore_ascii_case("ChanVariable"))
                    .and_then(|_| key.get(12..))?;
                Some(inner.strip_prefix('(')?.strip_suffix(')')?)
            };
            let (name, value) = value.split_once('=').unwrap_or((value, ""));
            Some(Variable {
                channel,
                name,
                value,
            })
        })
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_struct("Message");
        list.field("kind", &self.kind);
        let fields: Vec<(&str, &str)> = self
            .fields()
            .map(|(k, v)| (k, if is_secret_key(k) { "<redacted>" } else { v }))
            .collect();
        list.field("fields", &fields);
        if !self.lines.is_empty() {
            list.field("lines", &self.raw_lines().collect::<Vec<_>>());
        }
        list.finish()
    }
}

/// Keys whose values must never reach logs or `Debug` output.
pub(crate) fn is_secret_key(key: &str) -> bool {
    ["Secret", "Key", "Password", "Md5secret"]
        .iter()
        .any(|s| key.eq_ignore_ascii_case(s))
}

/// The product and AMI version of a banner: `Asterisk` / `11.0.0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Banner<'a> {
    /// The product, `Asterisk` for Asterisk and Yeastar, `PBX` for MikoPBX.
    pub name: &'a str,
    /// The AMI protocol version: `1.1` (Asterisk 1.8, Yeastar S-series), `2.x`–`11.x` (13+).
    pub version: &'a str,
}

impl Banner<'_> {
    /// True for AMI 1.x: Asterisk 1.4–11 and the Yeastar S-series, with the legacy event set.
    pub fn is_legacy(&self) -> bool {
        self.version.split('.').next() == Some("1")
    }
}

/// One channel or global variable carried by an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable<'a> {
    /// The channel of a `ChanVariable(channel)` field, `None` for `Variable`.
    pub channel: Option<&'a str>,
    /// The variable name.
    pub name: &'a str,
    /// The variable value.
    pub value: &'a str,
}
