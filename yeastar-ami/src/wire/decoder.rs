//! The sans-IO streaming decoder: bytes in, [`Frame`]s out.
#![warn(clippy::indexing_slicing)]

use bytes::{Buf, Bytes, BytesMut};
use bytestring::ByteString;
use memchr::{memchr, memmem};

use super::grammar::{self, END_COMMAND};
use super::limits::Limits;
use super::message::{FieldSpan, Frame, FrameIndex, Message, Span};

/// Why a frame was refused. The decoder has already skipped to the next frame boundary when it
/// reports one of these, so decoding can go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// A response or event grew past [`Limits::max_frame_size`] before its blank line.
    #[error("frame larger than {limit} bytes")]
    FrameTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// A frame had more than [`Limits::max_fields`] fields.
    #[error("frame has more than {limit} fields")]
    TooManyFields {
        /// The limit in force.
        limit: usize,
    },
    /// A `Command` answer grew past [`Limits::max_command_output`].
    #[error("command output larger than {limit} bytes")]
    CommandOutputTooLarge {
        /// The limit in force.
        limit: usize,
    },
    /// The stream ended inside a frame.
    #[error("stream ended inside a frame ({len} bytes unterminated)")]
    Truncated {
        /// How many bytes of the unfinished frame there were.
        len: usize,
    },
    /// [`parse_message`] was given bytes that are not UTF-8 (the streaming decoder repairs them
    /// instead, see [`Frame::was_repaired`]).
    #[error("frame is not valid UTF-8")]
    NotUtf8,
    /// [`parse_message`] was given bytes without a complete frame.
    #[error("incomplete frame")]
    Incomplete,
}

/// A refused frame and where in the stream it began.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset} of the stream)")]
pub struct FrameError {
    /// What was wrong.
    pub kind: FrameErrorKind,
    /// The offset of the refused frame's first byte from the start of the stream.
    pub offset: u64,
}

/// Splits an AMI byte stream into frames, without I/O.
///
/// Feed it the receive buffer with [`Decoder::decode`]: it takes each complete frame off the
/// front, leaves partial input in place, and never scans a byte twice while waiting for the rest
/// of a frame. The frames are the same whatever the split points of the stream.
///
/// The decoder handles the banner line of a fresh connection, CRLF and bare-LF line ends, blank
/// lines between frames, the legacy `Response: Follows` … `--END COMMAND--` answer whose text may
/// hold blank lines, and enforces [`Limits`]: a frame that breaks one is reported once as a
/// [`FrameError`] and skipped up to the next frame boundary.
#[derive(Debug, Clone)]
pub struct Decoder {
    limits: Limits,
    expect_banner: bool,
    state: State,
    /// Stream offset of the receive buffer's first byte.
    offset: u64,
}

#[derive(Debug, Clone)]
enum State {
    Scanning(Scan),
    /// Dropping the rest of a refused frame.
    Discarding {
        until: Boundary,
        at_line_start: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    BlankLine,
    EndCommand,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(Limits::default())
    }
}

impl Decoder {
    /// A decoder for a fresh connection: the first line may be the banner.
    pub fn new(limits: Limits) -> Decoder {
        Decoder {
            limits,
            expect_banner: true,
            state: State::Scanning(Scan::default()),
            offset: 0,
        }
    }

    /// A decoder for a stream that does not start with a banner (a capture cut mid-session).
    pub fn without_banner(limits: Limits) -> Decoder {
        Decoder {
            expect_banner: false,
            ..Decoder::new(limits)
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Bytes taken off the stream so far.
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// Takes the next complete frame off the front of `buf`.
    ///
    /// `Ok(None)` means more bytes are needed. An `Err` reports a refused frame; call again to go
    /// on with the next one.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        loop {
            match &mut self.state {
                State::Discarding {
                    until,
                    at_line_start,
                } => {
                    let (dropped, done) = discard(buf, *until, at_line_start);
                    buf.advance(dropped);
                    self.offset += dropped as u64;
                    if !done {
                        return Ok(None);
                    }
                    if *until == Boundary::EndCommand {
                        // Drop the rest of the terminator line and the blank line after it.
                        self.state = State::Discarding {
                            until: Boundary::BlankLine,
                            at_line_start: false,
                        };
                    } else {
                        self.state = State::Scanning(Scan::default());
                    }
                }
                State::Scanning(scan) => match scan.step(buf, &self.limits, self.expect_banner) {
                    Step::NeedMore => return Ok(None),
                    Step::Complete { start, end } => {
                        buf.advance(start);
                        let bytes = buf.split_to(end - start).freeze();
                        self.offset += end as u64;
                        self.expect_banner = false;
                        // `try_from` checks ASCII word by word first: almost every frame is ASCII.
                        let frame = match ByteString::try_from(bytes.clone()) {
                            Ok(text) => Frame::from_index(text, &scan.index, start, false),
                            Err(_) => repair_utf8(&bytes, scan.index.banner),
                        };
                        // Keep the index vectors' capacity for the next frame.
                        scan.reset();
                        return Ok(Some(frame));
                    }
                    Step::Refused { kind, resume } => {
                        let frame_offset = self.offset + scan.frame_start as u64;
                        let until = if scan.in_command_body() {
                            Boundary::EndCommand
                        } else {
                            Boundary::BlankLine
                        };
                        buf.advance(resume);
                        self.offset += resume as u64;
                        self.expect_banner = false;
                        // Inside CLI output the resume point may be mid-line; it does not matter
                        // there, as the discard looks for `--END COMMAND--`, not a blank line.
                        self.state = State::Discarding {
                            until,
                            at_line_start: true,
                        };
                        return Err(FrameError {
                            kind,
                            offset: frame_offset,
                        });
                    }
                },
            }
        }
    }

    /// Called when the stream has ended: reports an unfinished frame, if any.
    pub fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        let pending = buf.len();
        let blank = buf.iter().all(|c| c.is_ascii_whitespace());
        let discarding = matches!(self.state, State::Discarding { .. });
        let offset = self.offset;
        buf.clear();
        self.offset += pending as u64;
        self.state = State::Scanning(Scan::default());
        if blank || discarding {
            Ok(None)
        } else {
            Err(FrameError {
                kind: FrameErrorKind::Truncated { len: pending },
                offset,
            })
        }
    }
}

/// Re-scans a frame whose bytes were not UTF-8 after replacing the bad sequences.
fn repair_utf8(bytes: &Bytes, banner: bool) -> Frame {
    let text = ByteString::from(String::from_utf8_lossy(bytes).into_owned());
    let unbounded = Limits::unbounded();
    let mut scan = Scan::default();
    let start = match scan.step(text.as_bytes(), &unbounded, banner) {
        Step::Complete { start, .. } => start,
        // Replacing bytes never adds or removes line ends, so the frame is still complete.
        _ => {
            scan.reset();
            0
        }
    };
    Frame::from_index(text, &scan.index, start, true)
}

fn shift(mut index: FrameIndex, by: usize) -> FrameIndex {
    if by > 0 {
        for f in &mut index.fields {
            f.key = f.key.shifted_back(by);
            f.value = f.value.shifted_back(by);
        }
        for l in &mut index.lines {
            *l = l.shifted_back(by);
        }
    }
    index
}

/// Parses one complete frame from the start of `input`, borrowing from it.
///
/// Returns the message and how many bytes it used. For a stream, use [`Decoder`]; this is for a
/// frame already cut out (a capture, a test, a log line).
pub fn parse_message(input: &[u8]) -> Result<(Message<'_>, usize), FrameError> {
    parse_message_with(input, &Limits::default())
}

/// [`parse_message`] with explicit limits.
pub fn parse_message_with<'a>(
    input: &'a [u8],
    limits: &Limits,
) -> Result<(Message<'a>, usize), FrameError> {
    let mut scan = Scan::default();
    match scan.step(input, limits, true) {
        Step::Complete { start, end } => {
            let frame = input.get(start..end).unwrap_or_default();
            let text = std::str::from_utf8(frame).map_err(|_| FrameError {
                kind: FrameErrorKind::NotUtf8,
                offset: start as u64,
            })?;
            let index = shift(std::mem::take(&mut scan.index), start);
            Ok((Message::from_index(text, index), end))
        }
        Step::NeedMore => Err(FrameError {
            kind: FrameErrorKind::Incomplete,
            offset: 0,
        }),
        Step::Refused { kind, .. } => Err(FrameError {
            kind,
            offset: scan.frame_start as u64,
        }),
    }
}

enum Step {
    NeedMore,
    /// A frame occupies `start..end` of the buffer (`start` skips blank lines before it).
    Complete {
        start: usize,
        end: usize,
    },
    /// The frame breaks a limit. `resume` is the line start up to which the buffer may be
    /// dropped (inside CLI output: the point the terminator search reached).
    Refused {
        kind: FrameErrorKind,
        resume: usize,
    },
}

/// Progress through the frame at the front of the buffer; kept between calls so no byte is
/// scanned twice.
#[derive(Debug, Clone, Default)]
struct Scan {
    /// Where the frame starts (after blank lines that preceded it).
    frame_start: usize,
    /// Where the next unscanned line starts.
    pos: usize,
    index: FrameIndex,
    phase: Phase,
    /// The frame carries CLI output, so the larger size limit applies.
    command_output: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Phase {
    #[default]
    Headers,
    /// After `Response: Follows`: `Privilege` and `ActionID` lines come before the raw text.
    FollowsHeaders,
    /// Raw CLI text from `body_start`; `--END COMMAND--` not found before `search_from`.
    FollowsBody {
        body_start: usize,
        search_from: usize,
    },
    /// `--END COMMAND--` found at `at`; waiting for the rest of its line and the blank line.
    FollowsEnd { at: usize },
}

impl Scan {
    /// Back to the start of a frame, keeping allocated capacity.
    fn reset(&mut self) {
        self.frame_start = 0;
        self.pos = 0;
        self.index.fields.clear();
        self.index.lines.clear();
        self.index.banner = false;
        self.index.follows = false;
        self.phase = Phase::Headers;
        self.command_output = false;
    }

    fn in_command_body(&self) -> bool {
        matches!(self.phase, Phase::FollowsBody { .. })
    }

    fn limit(&self, limits: &Limits) -> (usize, FrameErrorKind) {
        if self.command_output {
            let limit = limits.max_command_output;
            (limit, FrameErrorKind::CommandOutputTooLarge { limit })
        } else {
            let limit = limits.max_frame_size;
            (limit, FrameErrorKind::FrameTooLarge { limit })
        }
    }

    fn step(&mut self, buf: &[u8], limits: &Limits, expect_banner: bool) -> Step {
        loop {
            match self.phase {
                Phase::Headers | Phase::FollowsHeaders => {
                    let Some(rest) = buf.get(self.pos..) else {
                        return Step::NeedMore;
                    };
                    let frame_empty = self.index.fields.is_empty() && self.index.lines.is_empty();
                    let Some(nl) = memchr(b'\n', rest) else {
                        // A lone CR before any field may yet be a blank line, which is skipped
                        // rather than measured, as it is when the whole line has arrived.
                        if frame_empty && rest == b"\r" {
                            return Step::NeedMore;
                        }
                        let (limit, kind) = self.limit(limits);
                        if buf.len() - self.frame_start > limit {
                            // Resume at this line's start, as for a complete line, so that a
                            // half-arrived blank line still ends the refused frame.
                            return Step::Refused {
                                kind,
                                resume: self.pos,
                            };
                        }
                        return Step::NeedMore;
                    };
                    let line_start = self.pos;
                    let line_end = line_start + nl;
                    let next = line_end + 1;
                    let raw = rest.get(..nl).unwrap_or_default();
                    let (line, crlf) = match raw.strip_suffix(b"\r") {
                        Some(l) => (l, true),
                        None => (raw, false),
                    };
                    let content_end = line_start + line.len();

                    // Blank lines between frames belong to no frame: skipped, never measured.
                    if line.is_empty() && frame_empty {
                        self.frame_start = next;
                        self.pos = next;
                        continue;
                    }
                    let (limit, kind) = self.limit(limits);
                    if next - self.frame_start > limit {
                        return Step::Refused {
                            kind,
                            resume: line_start,
                        };
                    }
                    if self.phase == Phase::FollowsHeaders {
                        if let Some(field) = follows_header(line, crlf, line_start) {
                            if self.index.fields.len() >= limits.max_fields {
                                let limit = limits.max_fields;
                                return Step::Refused {
                                    kind: FrameErrorKind::TooManyFields { limit },
                                    resume: line_start,
                                };
                            }
                            self.index.fields.push(field);
                            self.pos = next;
                            continue;
                        }
                        self.phase = Phase::FollowsBody {
                            body_start: line_start,
                            search_from: line_start,
                        };
                        continue;
                    }

                    if line.is_empty() {
                        return Step::Complete {
                            start: self.frame_start,
                            end: next,
                        };
                    }
                    if frame_empty && expect_banner && grammar::banner(line).is_ok() {
                        self.index.banner = true;
                        self.index.lines.push(Span::new(line_start, content_end));
                        return Step::Complete {
                            start: self.frame_start,
                            end: next,
                        };
                    }
                    match grammar::field(line) {
                        Some((key_len, value_at)) => {
                            if self.index.fields.len() >= limits.max_fields {
                                let limit = limits.max_fields;
                                return Step::Refused {
                                    kind: FrameErrorKind::TooManyFields { limit },
                                    resume: line_start,
                                };
                            }
                            let key = line.get(..key_len).unwrap_or_default();
                            let value = line.get(value_at..).unwrap_or_default();
                            self.index.fields.push(FieldSpan {
                                key: Span::new(line_start, line_start + key_len),
                                value: Span::new(line_start + value_at, content_end),
                            });
                            if frame_empty
                                && key.eq_ignore_ascii_case(b"Response")
                                && value.eq_ignore_ascii_case(b"Follows")
                            {
                                self.index.follows = true;
                                self.command_output = true;
                                self.phase = Phase::FollowsHeaders;
                            } else if key.eq_ignore_ascii_case(b"Output") {
                                self.command_output = true;
                            }
                        }
                        None => self.index.lines.push(Span::new(line_start, content_end)),
                    }
                    self.pos = next;
                }
                Phase::FollowsBody {
                    body_start,
                    search_from,
                } => {
                    let found = buf
                        .get(search_from..)
                        .and_then(|hay| memmem::find(hay, END_COMMAND));
                    let Some(found) = found else {
                        // Keep the tail: the terminator may be split across reads.
                        let search_from = buf
                            .len()
                            .saturating_sub(END_COMMAND.len() - 1)
                            .max(search_from);
                        // Measured up to where the terminator could start, exactly as the found
                        // branch measures up to the terminator: the same frames pass whatever
                        // the read sizes (a half-arrived `--END COMMAND--` is not output).
                        let (limit, kind) = self.limit(limits);
                        if search_from - self.frame_start > limit {
                            return Step::Refused {
                                kind,
                                resume: search_from,
                            };
                        }
                        self.phase = Phase::FollowsBody {
                            body_start,
                            search_from,
                        };
                        return Step::NeedMore;
                    };
                    let at = search_from + found;
                    let (limit, kind) = self.limit(limits);
                    if at - self.frame_start > limit {
                        return Step::Refused {
                            kind,
                            resume: body_start,
                        };
                    }
                    let body = buf.get(body_start..at).unwrap_or_default();
                    push_body_lines(&mut self.index.lines, body, body_start);
                    self.phase = Phase::FollowsEnd { at };
                }
                Phase::FollowsEnd { at } => {
                    let after = at + END_COMMAND.len();
                    let Some(nl) = buf.get(after..).and_then(|r| memchr(b'\n', r)) else {
                        return Step::NeedMore;
                    };
                    let next = after + nl + 1;
                    return match buf.get(next..) {
                        Some([b'\n', ..]) => Step::Complete {
                            start: self.frame_start,
                            end: next + 1,
                        },
                        Some([b'\r', b'\n', ..]) => Step::Complete {
                            start: self.frame_start,
                            end: next + 2,
                        },
                        Some([] | [b'\r']) | None => Step::NeedMore,
                        // No blank line after the terminator: end the frame anyway.
                        Some(_) => Step::Complete {
                            start: self.frame_start,
                            end: next,
                        },
                    };
                }
            }
        }
    }
}

/// A header of a `Response: Follows` frame, before the raw text starts. Asterisk ends these with
/// CRLF and the CLI text with bare LF; the known keys are accepted either way for servers that
/// send bare LF throughout.
fn follows_header(line: &[u8], crlf: bool, line_start: usize) -> Option<FieldSpan> {
    let (_, (key, value)) = grammar::header(line).ok()?;
    let known = [&b"Privilege"[..], b"ActionID", b"Message"]
        .iter()
        .any(|k| key.eq_ignore_ascii_case(k));
    if !(crlf || known) {
        return None;
    }
    let content_end = line_start + line.len();
    Some(FieldSpan {
        key: Span::new(line_start, line_start + key.len()),
        value: Span::new(content_end - value.len(), content_end),
    })
}

/// Splits legacy CLI text into lines. A last line without a line end (glued to the terminator)
/// is still a line.
fn push_body_lines(lines: &mut Vec<Span>, body: &[u8], body_start: usize) {
    let mut start = 0;
    while start < body.len() {
        let rest = body.get(start..).unwrap_or_default();
        let (len, next) = match memchr(b'\n', rest) {
            Some(nl) => (nl, start + nl + 1),
            None => (rest.len(), body.len()),
        };
        let line = rest.get(..len).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        lines.push(Span::new(
            body_start + start,
            body_start + start + line.len(),
        ));
        start = next;
    }
}

/// Drops bytes of a refused frame. Returns how many to drop and whether the boundary was reached.
fn discard(buf: &[u8], until: Boundary, at_line_start: &mut bool) -> (usize, bool) {
    match until {
        Boundary::EndCommand => match memmem::find(buf, END_COMMAND) {
            Some(at) => (at + END_COMMAND.len(), true),
            None => (buf.len().saturating_sub(END_COMMAND.len() - 1), false),
        },
        Boundary::BlankLine => {
            let mut pos = 0;
            loop {
                let rest = buf.get(pos..).unwrap_or_default();
                let Some(nl) = memchr(b'\n', rest) else {
                    // A lone CR at a line start may be the first half of a blank CRLF line.
                    if *at_line_start && rest == b"\r" {
                        return (pos, false);
                    }
                    if !rest.is_empty() {
                        *at_line_start = false;
                    }
                    return (buf.len(), false);
                };
                let line = rest.get(..nl).unwrap_or_default();
                let blank = *at_line_start && (line.is_empty() || line == b"\r");
                pos += nl + 1;
                *at_line_start = true;
                if blank {
                    return (pos, true);
                }
            }
        }
    }
}
