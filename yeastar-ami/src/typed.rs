//! Helpers of the one-pass key matcher that the `events!` declarations generate for each event
//! (`parse`, and through it [`Event::try_parse`](crate::Event::try_parse)).
//!
//! It must give exactly what the serde path gives: keys match their name ignoring ASCII case,
//! the first of repeated keys wins, an empty value is `None`, numbers are trimmed then parsed.
//! Whatever it cannot type (a missing required key, a number that does not parse) goes back to
//! the serde path, which then decides and says why.
//!
//! Each event's keys sit in an open-addressing table built at compile time ([`key_table`]):
//! a wire key is hashed by its length and first and last bytes ([`key_hash`]), and one or two
//! probes find the only name it can be, compared once.

use serde::Deserialize;

use crate::serde_de::{DeError, from_message_indexed};
use crate::wire::{Message, Span};

/// An empty slot of a [`key_table`]; also bounds the names a table holds.
pub(crate) const EMPTY: u8 = u8::MAX;

/// One slot of a [`key_table`]: the index of a name and its [`key_hash`], so that a probe
/// rejects a different key without looking at its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    /// The [`key_hash`] of the name.
    hash: u32,
    /// The index of the name, or [`EMPTY`].
    index: u8,
}

/// Length, first and last byte of a key with the ASCII case bit set: equal for keys that are
/// equal ignoring ASCII case.
#[inline]
pub(crate) const fn key_hash(b: &[u8]) -> u32 {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            (((b.len() & 0xFFFF) as u32) << 16)
                | (((first | 0x20) as u32) << 8)
                | (last | 0x20) as u32
        }
        _ => 0,
    }
}

/// The first slot to probe for `hash` in a table of `len` slots (a power of two): the top bits
/// of a multiplicative hash, so keys differing only in length or in one byte spread out.
#[inline]
const fn bucket(hash: u32, len: usize) -> usize {
    let bits = len.trailing_zeros();
    (hash.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// The slots of a table for `names` names: a power of two, at most half full, so every probe
/// sequence ends at an empty slot within a few steps.
pub(crate) const fn table_len(names: usize) -> usize {
    let len = (names * 2).next_power_of_two();
    if len < 8 { 8 } else { len }
}

/// `a` and `b` are equal ignoring ASCII case (a `const` form of `eq_ignore_ascii_case`).
const fn same_const(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if !a[i].eq_ignore_ascii_case(&b[i]) {
            return false;
        }
        i += 1;
    }
    true
}

/// The lookup table of `names`, built at compile time: slot → index into `names` and its
/// hash. Fails the build when two names are equal ignoring ASCII case (the second could never
/// match) or when there are too many names.
#[allow(clippy::indexing_slicing)] // const evaluation: an out-of-range index fails the build
pub(crate) const fn key_table<const LEN: usize>(names: &[&str]) -> [Slot; LEN] {
    assert!(names.len() < EMPTY as usize, "too many names for one table");
    assert!(
        LEN.is_power_of_two() && LEN >= names.len() * 2,
        "table too small"
    );
    let mut table = [Slot {
        hash: 0,
        index: EMPTY,
    }; LEN];
    let mut i = 0;
    while i < names.len() {
        let name = names[i].as_bytes();
        assert!(!name.is_empty(), "empty name");
        let mut j = 0;
        while j < i {
            assert!(
                !same_const(name, names[j].as_bytes()),
                "a name is declared twice (ignoring ASCII case)"
            );
            j += 1;
        }
        let hash = key_hash(name);
        let mut at = bucket(hash, LEN);
        while table[at].index != EMPTY {
            at = (at + 1) & (LEN - 1);
        }
        table[at] = Slot {
            hash,
            index: i as u8,
        };
        i += 1;
    }
    table
}

/// `key` is `name` ignoring ASCII case; the exact spelling, the usual one, is tried first.
#[inline(always)]
pub(crate) fn same(key: &[u8], name: &[u8]) -> bool {
    key == name || key.eq_ignore_ascii_case(name)
}

/// The index of `key` among the names `table` was built from: `is(index, key)` compares `key`
/// with that name (the callers compare with a literal, which the compiler unrolls).
#[inline(always)]
pub(crate) fn find(table: &[Slot], key: &[u8], is: impl Fn(usize, &[u8]) -> bool) -> Option<usize> {
    let mask = table.len().wrapping_sub(1);
    let hash = key_hash(key);
    let mut at = bucket(hash, table.len());
    // The table is at most half full: an empty slot ends every probe sequence long before this
    // bound, which only keeps the loop visibly finite.
    for _ in 0..table.len() {
        let slot = *table.get(at)?;
        if slot.index == EMPTY {
            return None;
        }
        let index = usize::from(slot.index);
        if slot.hash == hash && is(index, key) {
            return Some(index);
        }
        at = (at + 1) & mask;
    }
    None
}

/// The first value of each of the `N` names of `table` in `m`, in declaration order.
#[inline(always)]
pub(crate) fn collect<const N: usize>(
    m: &Message<'_>,
    table: &[Slot],
    is: impl Fn(usize, &[u8]) -> bool,
) -> [Option<Span>; N] {
    let mut values = [None; N];
    for (key, value) in m.raw_fields() {
        if let Some(slot) = find(table, key, &is).and_then(|i| values.get_mut(i)) {
            // The first of repeated keys wins, as in the serde path.
            if slot.is_none() {
                *slot = Some(value);
            }
        }
    }
    values
}

/// A field type the one-pass matcher can fill from the first value of its key: `None` when
/// it cannot (absent required key, number that does not parse), and the serde path decides.
pub(crate) trait FromSpan<'a>: Sized {
    /// The field from `value`, the first value of its key in `m` if present.
    fn from_span(m: &Message<'a>, value: Option<Span>) -> Option<Self>;
}

/// Required text: present (possibly empty).
impl<'a> FromSpan<'a> for &'a str {
    #[inline]
    fn from_span(m: &Message<'a>, value: Option<Span>) -> Option<Self> {
        value.map(|v| m.span_str(v))
    }
}

/// Optional text: absent or empty is `None`.
impl<'a> FromSpan<'a> for Option<&'a str> {
    #[inline]
    fn from_span(m: &Message<'a>, value: Option<Span>) -> Option<Self> {
        Some(match value {
            // Most optional fields are absent or empty: no slicing for those.
            Some(v) if v.start != v.end => Some(m.span_str(v)).filter(|v| !v.is_empty()),
            _ => None,
        })
    }
}

macro_rules! numbers {
    ($($ty:ty),*) => {$(
        /// A required number: present and parsing once trimmed.
        impl<'a> FromSpan<'a> for $ty {
            #[inline]
            fn from_span(m: &Message<'a>, value: Option<Span>) -> Option<Self> {
                m.span_str(value?).trim().parse().ok()
            }
        }

        /// An optional number: absent or empty is `None`; otherwise it must parse once trimmed.
        impl<'a> FromSpan<'a> for Option<$ty> {
            #[inline]
            fn from_span(m: &Message<'a>, value: Option<Span>) -> Option<Self> {
                match value.map(|v| m.span_str(v)) {
                    None | Some("") => Some(None),
                    Some(v) => v.trim().parse().ok().map(Some),
                }
            }
        }
    )*};
}

numbers!(u8, u16, u32, u64, i8, i16, i32, i64, f64);

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

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["ChannelState", "CallerIDName", "Channel", "Cause-txt"];
    const TABLE: [Slot; table_len(NAMES.len())] = key_table(&NAMES);

    fn find_name(key: &str) -> Option<usize> {
        find(&TABLE, key.as_bytes(), |i, key| {
            NAMES.get(i).is_some_and(|n| same(key, n.as_bytes()))
        })
    }

    #[test]
    fn finds_names_ignoring_case_and_only_them() {
        // `ChannelState` and `CallerIDName` share a hash: both are found all the same.
        assert_eq!(key_hash(b"ChannelState"), key_hash(b"CallerIDName"));
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(find_name(name), Some(i));
            assert_eq!(find_name(&name.to_ascii_uppercase()), Some(i));
        }
        for other in [
            "",
            "Event",
            "Channe",
            "ChannelStatf",
            "CallerIDNum",
            "Cause",
        ] {
            assert_eq!(find_name(other), None, "{other}");
        }
    }

    #[test]
    fn table_is_half_empty() {
        assert_eq!(TABLE.len(), 8);
        assert_eq!(TABLE.iter().filter(|s| s.index == EMPTY).count(), 4);
        assert_eq!(table_len(5), 16);
        assert_eq!(table_len(143), 512);
    }
}
