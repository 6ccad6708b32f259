//! Helpers of the generated one-pass matcher behind [`Event::try_parse`](crate::Event).
//!
//! It must give exactly what the serde path gives: keys match their name ignoring ASCII case,
//! the first of repeated keys wins, an empty value is `None`, numbers are trimmed then parsed.
//! Whatever it cannot type (a missing required key, a number that does not parse) goes back to
//! the serde path, which then decides and says why.

use serde::Deserialize;

use crate::serde_de::{DeError, from_message_indexed};
use crate::wire::{Message, Span};

/// Length, first and last byte of a key with the ASCII case bit set: equal for keys that are
/// equal ignoring ASCII case, so a `match` on it finds the one candidate name to compare.
#[inline]
pub(crate) fn key_hash(b: &[u8]) -> u32 {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            (((b.len() & 0xFFFF) as u32) << 16)
                | (u32::from(first | 0x20) << 8)
                | u32::from(last | 0x20)
        }
        _ => 0,
    }
}

/// `key` is `name` ignoring ASCII case; the exact spelling, the usual one, is tried first.
#[inline]
pub(crate) fn same(key: &[u8], name: &[u8]) -> bool {
    key == name || key.eq_ignore_ascii_case(name)
}

/// A required text field.
#[inline]
pub(crate) fn req_str<'a>(m: &Message<'a>, value: Option<Span>) -> Option<&'a str> {
    value.map(|v| m.span_str(v))
}

/// An optional text field: absent or empty is `None`.
#[inline]
pub(crate) fn opt_str<'a>(m: &Message<'a>, value: Option<Span>) -> Option<&'a str> {
    match value {
        // Most optional fields are absent or empty: no slicing for those.
        Some(v) if v.start != v.end => Some(m.span_str(v)).filter(|v| !v.is_empty()),
        _ => None,
    }
}

/// An optional number: absent or empty is `Some(None)`; `None` when it does not parse.
#[inline]
pub(crate) fn opt_num<T: std::str::FromStr>(
    m: &Message<'_>,
    value: Option<Span>,
) -> Option<Option<T>> {
    match value.map(|v| m.span_str(v)) {
        None | Some("") => Some(None),
        Some(v) => v.trim().parse().ok().map(Some),
    }
}

/// The matcher's value, or the serde path's answer when the matcher gave up.
#[inline]
pub(crate) fn typed<'a, T: Deserialize<'a>>(
    fast: Option<T>,
    message: &Message<'a>,
) -> Result<T, DeError> {
    match fast {
        Some(value) => Ok(value),
        None => from_message_indexed(message),
    }
}
