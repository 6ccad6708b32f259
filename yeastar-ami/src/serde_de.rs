//! A serde `Deserializer` over a borrowed [`Message`]: typed events without copying.
//!
//! Struct fields are matched to wire keys ignoring ASCII case (Asterisk writes `Uniqueid` in one
//! event and `UniqueID` in the next). A key that occurs several times (`Variable`) fills a
//! `Vec` field with every value in wire order, or a scalar field with the first. Keys the struct
//! does not name are skipped without being looked at; they stay in the [`Message`].

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use crate::wire::Message;

/// Why a message did not fit the requested type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeError {
    /// A key the type requires is absent (an empty value is present: it reads as `""` for
    /// text and fails to parse for numbers).
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A value is present but does not parse as the field's type.
    #[error("{key}: {value:?} is not {expected}")]
    InvalidValue {
        /// The key, as the type spells it.
        key: &'static str,
        /// The value, trimmed of surrounding white space.
        value: String,
        /// What the type wanted (`u16`, `a boolean`, …).
        expected: &'static str,
    },
    /// A value is not one of the names an enum field accepts.
    #[error("unknown variant {value:?}, expected one of {expected:?}")]
    UnknownVariant {
        /// The value.
        value: String,
        /// The names accepted.
        expected: &'static [&'static str],
    },
    /// Anything else a `Deserialize` implementation reported (custom implementations, or a
    /// type the message cannot represent).
    #[error("{0}")]
    Custom(String),
}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Custom(msg.to_string())
    }

    fn missing_field(field: &'static str) -> Self {
        DeError::MissingField(field)
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        DeError::UnknownVariant {
            value: variant.to_owned(),
            expected,
        }
    }
}

/// Deserializes a message's fields into `T` (a struct with one field per key of interest).
pub fn from_message<'a, T: de::Deserialize<'a>>(message: &Message<'a>) -> Result<T, DeError> {
    T::deserialize(MessageDeserializer {
        message,
        indexed: false,
    })
}

/// [`from_message`] for the crate's own event structs, which have no aliases or skipped fields:
/// fields are named to the visitor by index, so serde does not match the name a second time.
pub(crate) fn from_message_indexed<'a, T: de::Deserialize<'a>>(
    message: &Message<'a>,
) -> Result<T, DeError> {
    T::deserialize(MessageDeserializer {
        message,
        indexed: true,
    })
}

/// The deserializer for a whole message (a map of keys to values).
#[derive(Clone, Copy)]
pub struct MessageDeserializer<'m, 'a> {
    message: &'m Message<'a>,
    /// Name struct fields by their index in `FIELDS` (valid only without aliases).
    indexed: bool,
}

impl<'m, 'a> MessageDeserializer<'m, 'a> {
    /// Deserializes from `message`.
    pub fn new(message: &'m Message<'a>) -> Self {
        MessageDeserializer {
            message,
            indexed: false,
        }
    }
}

impl<'de> de::Deserializer<'de> for MessageDeserializer<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_map(AllFields {
            message: self.message,
            pos: 0,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_map(StructFields {
            wire: self.message,
            names,
            pos: 0,
            emitted: Emitted::default(),
            current: None,
            hint: 0,
            indexed: self.indexed,
            filter: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
}

/// Every field as a map entry, duplicates as repeated keys (for map targets).
struct AllFields<'m, 'a> {
    message: &'m Message<'a>,
    pos: usize,
}

impl<'de> MapAccess<'de> for AllFields<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.message.field(self.pos) {
            Some((key, _)) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(key))
                .map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = self
            .message
            .field(self.pos)
            .map(|(_, v)| v)
            .unwrap_or_default();
        self.pos += 1;
        seed.deserialize(de::value::BorrowedStrDeserializer::new(value))
    }
}

/// Wire fields matched to the names a struct asks for.
struct StructFields<'m, 'de> {
    wire: &'m Message<'de>,
    names: &'static [&'static str],
    pos: usize,
    /// Indexes into `names` already handed to the visitor (their repeats are skipped).
    emitted: Emitted,
    /// The name index, first wire position and value of the entry whose value comes next.
    current: Option<(usize, usize, &'de str)>,
    /// Where the next name search starts: the one after the last match.
    hint: usize,
    /// See [`MessageDeserializer`].
    indexed: bool,
    /// Which (length, first letter) pairs the names have, built at the first miss: wire keys the
    /// struct does not name (`Event`, `Privilege`, …) are then rejected without a search.
    filter: Option<NameFilter>,
}

/// A 128-bit set of (length mod 16, first letter mod 8) of names, ignoring ASCII case.
#[derive(Clone, Copy)]
struct NameFilter(u128);

impl NameFilter {
    fn bit(name: &str) -> u128 {
        let first = name.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
        1u128 << (((name.len() & 15) << 3) | usize::from(first & 7))
    }

    fn new(names: &[&str]) -> NameFilter {
        NameFilter(names.iter().fold(0, |acc, n| acc | NameFilter::bit(n)))
    }

    fn may_contain(self, key: &str) -> bool {
        self.0 & NameFilter::bit(key) != 0
    }
}

/// The index of `key` among `names`: exact spelling first, then ignoring ASCII case.
fn canonical(names: &[&'static str], key: &str) -> Option<usize> {
    names
        .iter()
        .position(|n| *n == key)
        .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(key)))
}

/// `key` at `hint` or just after it: structs list their fields in the order Asterisk writes
/// them, so the next key is usually the next name.
fn canonical_near(names: &[&'static str], key: &str, hint: usize) -> Option<usize> {
    let exact = |i: usize| names.get(i).is_some_and(|n| *n == key);
    if exact(hint) {
        Some(hint)
    } else if exact(hint + 1) {
        Some(hint + 1)
    } else {
        None
    }
}

impl<'de> MapAccess<'de> for StructFields<'_, 'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        while let Some((key, value)) = self.wire.field(self.pos) {
            let at = self.pos;
            self.pos += 1;
            let quick = canonical_near(self.names, key, self.hint);
            let name = match quick {
                Some(name) => name,
                None => {
                    let filter = *self
                        .filter
                        .get_or_insert_with(|| NameFilter::new(self.names));
                    if !filter.may_contain(key) {
                        continue;
                    }
                    match canonical(self.names, key) {
                        Some(name) => name,
                        None => continue,
                    }
                }
            };
            self.hint = name + 1;
            if !self.emitted.insert(name) {
                continue;
            }
            self.current = Some((name, at, value));
            if self.indexed {
                return seed
                    .deserialize(de::value::U64Deserializer::<DeError>::new(name as u64))
                    .map(Some);
            }
            let name: &'static str = self.names.get(name).copied().unwrap_or_default();
            return seed.deserialize(name.into_deserializer()).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let (name, at, value) = self
            .current
            .take()
            .ok_or_else(|| DeError::Custom("value requested before key".into()))?;
        seed.deserialize(ValueDeserializer {
            wire: self.wire,
            names: self.names,
            name,
            at,
            value,
        })
    }
}

/// One field's value; for sequences, every wire value of the same key.
struct ValueDeserializer<'w, 'de> {
    wire: &'w Message<'de>,
    names: &'static [&'static str],
    name: usize,
    at: usize,
    /// The first value (the one scalars take).
    value: &'de str,
}

impl<'de> ValueDeserializer<'_, 'de> {
    fn value(&self) -> &'de str {
        self.value
    }

    /// The error for a value that is not `expected`.
    fn invalid(&self, value: &str, expected: &'static str) -> DeError {
        DeError::InvalidValue {
            key: self.names.get(self.name).copied().unwrap_or_default(),
            value: value.to_owned(),
            expected,
        }
    }

    fn parse<T: std::str::FromStr>(&self, expected: &'static str) -> Result<T, DeError> {
        let v = self.value().trim();
        v.parse().map_err(|_| self.invalid(v, expected))
    }
}

macro_rules! parse_number {
    ($($method:ident => $visit:ident, $ty:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            visitor.$visit(self.parse::<$ty>(stringify!($ty))?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'_, 'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_borrowed_str(self.value())
    }

    parse_number! {
        deserialize_i8 => visit_i8, i8;
        deserialize_i16 => visit_i16, i16;
        deserialize_i32 => visit_i32, i32;
        deserialize_i64 => visit_i64, i64;
        deserialize_u8 => visit_u8, u8;
        deserialize_u16 => visit_u16, u16;
        deserialize_u32 => visit_u32, u32;
        deserialize_u64 => visit_u64, u64;
        deserialize_f32 => visit_f32, f32;
        deserialize_f64 => visit_f64, f64;
    }

    /// Asterisk's `ast_true`/`ast_false` words.
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let v = self.value().trim();
        let is = |words: &[&str]| words.iter().any(|w| v.eq_ignore_ascii_case(w));
        if is(&["yes", "true", "y", "t", "1", "on"]) {
            visitor.visit_bool(true)
        } else if is(&["no", "false", "n", "f", "0", "off", ""]) {
            visitor.visit_bool(false)
        } else {
            Err(self.invalid(v, "a boolean"))
        }
    }

    /// An empty value is `None`: Asterisk sends `Key: ` for "not set".
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.value().is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let key_matches = |key: &str| canonical(self.names, key) == Some(self.name);
        let values = self
            .wire
            .fields()
            .skip(self.at)
            .filter(move |(k, _)| key_matches(k))
            .map(|(_, v)| v);
        visitor.visit_seq(Values { values })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_enum(self.value().into_deserializer())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct Values<I> {
    values: I,
}

impl<'de, I: Iterator<Item = &'de str>> SeqAccess<'de> for Values<I> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.values.next() {
            Some(v) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(v))
                .map(Some),
            None => Ok(None),
        }
    }
}

/// The set of struct field indexes already handed out: inline for structs of up to 128 fields.
#[derive(Default)]
struct Emitted {
    low: u128,
    high: Vec<usize>,
}

impl Emitted {
    /// Adds `i`; false if it was there already.
    fn insert(&mut self, i: usize) -> bool {
        if i < 128 {
            let bit = 1u128 << i;
            let fresh = self.low & bit == 0;
            self.low |= bit;
            fresh
        } else if self.high.contains(&i) {
            false
        } else {
            self.high.push(i);
            true
        }
    }
}
