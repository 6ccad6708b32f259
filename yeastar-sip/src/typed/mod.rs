//! Typed header values. Each type parses one value (one comma-separated element for list
//! headers) and borrows from it.
#![warn(clippy::indexing_slicing)]

mod addr;
mod auth;
mod misc;
mod via;

pub use addr::{Contact, NameAddr};
pub use auth::{Algorithm, AuthParams, Challenge, Credentials};
pub use misc::{
    CSeq, Event, MediaType, Reason, Replaces, RetryAfter, SessionExpires, SipDate,
    SubscriptionState, TokenList, Warning,
};
pub use via::Via;

use crate::chars::{CommaSplit, is_word, trim_lws};
use crate::error::{ErrorKind, ParseError};
use crate::header_name::HeaderName;
use crate::limits::Mode;

/// A parse failure inside a value: the remaining input where it happened and what was
/// expected. Turned into a [`ParseError`] with an absolute offset by the caller.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fail<'a> {
    pub(crate) at: &'a str,
    pub(crate) what: &'static str,
}

impl<'a> Fail<'a> {
    pub(crate) const fn new(at: &'a str, what: &'static str) -> Self {
        Self { at, what }
    }

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

/// A value type that parses from one header value (or one list element).
pub trait FromValue<'a>: Sized {
    /// The header this type belongs to (used in error reports).
    const HEADER: HeaderName;
    /// Parses one trimmed value.
    #[doc(hidden)]
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>>;
}

/// Opaque failure carrier for [`FromValue`] implementations.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FailPublic<'a>(pub(crate) Fail<'a>);

impl<'a> From<Fail<'a>> for FailPublic<'a> {
    fn from(f: Fail<'a>) -> Self {
        Self(f)
    }
}

/// Iterates the comma-separated elements of a list header value.
pub(crate) fn list_elements(value: &str, mode: Mode) -> impl Iterator<Item = &str> {
    CommaSplit::new(value)
        .map(trim_lws)
        // Lenient: `a, , b` and trailing commas happen; strict keeps empty elements so that
        // their parse fails.
        .filter(move |e| mode == Mode::Strict || !e.is_empty())
}

/// `Call-ID`: `word [ "@" word ]`.
pub(crate) fn check_call_id(s: &str, mode: Mode) -> Result<&str, Fail<'_>> {
    let s = trim_lws(s);
    if s.is_empty() {
        return Err(Fail::new(s, "empty Call-ID"));
    }
    if mode == Mode::Strict {
        let (a, b) = s.split_once('@').unwrap_or((s, "x"));
        if a.is_empty() || b.is_empty() || !a.bytes().all(is_word) || !b.bytes().all(is_word) {
            return Err(Fail::new(s, "Call-ID is not word[@word]"));
        }
    } else if s.bytes().any(|b| b <= b' ') {
        return Err(Fail::new(s, "whitespace in Call-ID"));
    }
    Ok(s)
}

/// A decimal number header (`Max-Forwards`, `Expires`, `Min-Expires`, `Min-SE`, `RSeq`).
pub(crate) fn parse_number<'a>(s: &'a str, what: &'static str) -> Result<u32, Fail<'a>> {
    let t = trim_lws(s);
    // The common case, digits only: one pass.
    if !t.is_empty() && t.len() <= 9 && t.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(t.bytes().fold(0u32, |v, b| v * 10 + u32::from(b - b'0')));
    }
    let (digits, rest) = crate::chars::split_digits(t);
    if digits.is_empty() {
        return Err(Fail::new(t, what));
    }
    if !trim_lws(rest).is_empty() && !trim_lws(rest).starts_with(';') {
        return Err(Fail::new(rest, what));
    }
    crate::chars::parse_u32(digits).ok_or(Fail::new(t, "number larger than 2^32-1"))
}
