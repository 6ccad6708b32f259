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

use crate::error::Fail;

use crate::chars::{CommaSplit, is_word, trim_lws};
use crate::header_name::HeaderName;
use crate::limits::Mode;

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
    } else if has_control_or_space(s.as_bytes()) {
        return Err(Fail::new(s, "whitespace in Call-ID"));
    }
    Ok(s)
}

/// True when a byte is at most a space (Call-IDs are long runs of visible characters),
/// eight bytes per step: a byte below 0x21 borrows when 0x21 is subtracted and had its high
/// bit clear.
fn has_control_or_space(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let x = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        if x.wrapping_sub(ONES * 0x21) & !x & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&c| c <= b' ')
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

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::has_control_or_space;

    #[test]
    fn word_test_agrees_with_the_byte_test() {
        let samples: [u8; 8] = [0x00, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xff];
        for len in 0..=17usize {
            for pos in 0..len {
                for &bad in &samples {
                    for &fill in &[b'a', 0x21, 0x80, 0xff] {
                        let mut v = vec![fill; len];
                        v[pos] = bad;
                        let want = v.iter().any(|&c| c <= b' ');
                        assert_eq!(has_control_or_space(&v), want, "{v:?}");
                    }
                }
            }
        }
    }
}
