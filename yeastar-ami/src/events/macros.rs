//! The two macros behind the typed events: `events!` declares event structs (one table per
//! topic file), `registry!` (in `mod.rs`) ties them into [`Event`](super::Event) and
//! [`EventKind`](super::EventKind).

/// Declares event structs from a table:
///
/// ```text
/// events! {
///     /// What the event says. Dialect: both / modern (Asterisk 12+) / legacy (1.8).
///     RustName "WireName" {
///         /// What the field says.
///         "WireKey" rust_field: Type,
///     }
/// }
/// ```
///
/// `Type` says required or optional: `&'a str` (required text, may be empty), `Option<&'a str>`
/// (absent or empty is `None`), a number (`u16`, required) or `Option` of one. The wire key is
/// matched ignoring ASCII case, so one declaration serves `Uniqueid`, `UniqueID` and
/// `UNIQUEID`; a key spelled differently by the two dialects (`Cause-txt`, `SubEvent`) is its
/// own field.
///
/// For each struct it generates: the struct (`#[non_exhaustive]`, borrowing, serde
/// `Deserialize` with the wire keys), `EVENT` and `KEYS`, the one-pass matcher over a key
/// table built at compile time, `parse` (matcher, then serde when a value does not fit) and
/// `parse_serde` (serde alone). Each topic file calls it once; `DECLARED` lists the file's
/// events for the registry's completeness test.
macro_rules! events {
    ($(
        $(#[$doc:meta])*
        $name:ident $wire:literal {
            $( $(#[$fdoc:meta])* $key:literal $field:ident : $ty:ty ),* $(,)?
        }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
            #[serde(bound(deserialize = "'de: 'a"))]
            #[non_exhaustive]
            pub struct $name<'a> {
                $( $(#[$fdoc])* #[serde(rename = $key)] pub $field: $ty, )*
            }

            impl<'a> $name<'a> {
                #[doc = concat!("`", $wire, "`: the `Event` value this struct types.")]
                pub const EVENT: &'static str = $wire;

                /// The wire keys of the fields, in declaration order.
                pub const KEYS: &'static [&'static str] = &[$($key),*];

                /// Types `message` as this event: the fields' keys in one pass, then serde when
                /// a value does not fit (which then says why). The `Event` key is not checked:
                /// look at [`EventKind::of`](crate::EventKind::of) first.
                pub fn parse(message: &$crate::Message<'a>) -> Result<Self, $crate::DeError> {
                    $crate::typed::typed(Self::from_fields(message), message)
                }

                /// [`parse`](Self::parse) through the serde
                /// [`Deserializer`](serde::Deserializer) alone: the same result, slower.
                pub fn parse_serde(
                    message: &$crate::Message<'a>,
                ) -> Result<Self, $crate::DeError> {
                    $crate::serde_de::from_message_indexed(message)
                }

                /// The fields of `m` in one pass, without serde; `None` when a value does not
                /// fit its type.
                #[inline]
                fn from_fields(m: &$crate::Message<'a>) -> Option<Self> {
                    // The index of each field, as a constant named after it.
                    #[allow(non_camel_case_types, non_upper_case_globals, dead_code)]
                    mod index {
                        pub(super) enum Field { $($field),* }
                        $(pub(super) const $field: usize = Field::$field as usize;)*
                    }
                    const NAMES: &[&str] = &[$($key),*];
                    const TABLE: [$crate::typed::Slot; $crate::typed::table_len(NAMES.len())] =
                        $crate::typed::key_table(NAMES);
                    // Each candidate is compared with its name as a literal.
                    let is = |i: usize, key: &[u8]| match i {
                        $(index::$field => $crate::typed::same(key, $key.as_bytes()),)*
                        _ => false,
                    };
                    let [$($field),*] = $crate::typed::collect(m, &TABLE, is);
                    Some($name {
                        $( $field: $crate::typed::FromSpan::from_span(m, $field)?, )*
                    })
                }
            }
        )*

        /// The events this file declares, by wire name.
        #[cfg(test)]
        pub(super) const DECLARED: &[&str] = &[$($wire),*];
    };
}

/// The type an [`Event`](super::Event) variant holds: boxed for the large structs, so the
/// enum stays small.
macro_rules! variant_type {
    (boxed $name:ident) => { Box<$name<'a>> };
    ($name:ident) => { $name<'a> };
}

/// Wraps a parsed struct for its variant.
macro_rules! variant_value {
    (boxed $value:expr) => {
        Box::new($value)
    };
    ($value:expr) => {
        $value
    };
}

/// Ties the declared structs into [`Event`](super::Event), [`EventKind`](super::EventKind)
/// and the name lookup. One line per event: `RustName` or `RustName boxed`.
macro_rules! registry {
    ($( $name:ident $($boxed:ident)? ),* $(,)?) => {
        /// An AMI event, typed when its name is known and its fields fit, raw otherwise.
        ///
        /// Matching ignores ASCII case (`NewCallerid` on 1.8, `Newcallerid` on 1.4).
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Event<'a> {
            $(
                #[doc = concat!("[`", stringify!($name), "`] (`Event: ", stringify!($name), "`).")]
                $name(variant_type!($($boxed)? $name)),
            )*
            /// An event this crate has no type for, or whose fields did not fit the type.
            Unknown(Message<'a>),
        }

        /// Which typed event a message is, read from its `Event` key alone: a consumer can
        /// pick the events it handles before typing any field.
        ///
        /// ```
        /// use yeastar_ami::{EventKind, Hangup, parse_message};
        ///
        /// let (m, _) = parse_message(b"Event: Hangup\r\nChannel: SIP/1-1\r\nUniqueid: 1.2\r\nCause: 16\r\n\r\n")?;
        /// if EventKind::of(&m) == Some(EventKind::Hangup) {
        ///     let hangup = Hangup::parse(&m)?;
        ///     assert_eq!(hangup.cause, Some(16));
        /// }
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum EventKind {
            $(
                #[doc = concat!("[`", stringify!($name), "`].")]
                $name,
            )*
        }

        /// Every kind, in the order of [`NAMES`].
        const KINDS: &[EventKind] = &[$(EventKind::$name),*];
        /// Every wire name, in the order of [`KINDS`].
        const NAMES: &[&str] = &[$($name::EVENT),*];
        const NAME_TABLE: [crate::typed::Slot; crate::typed::table_len(NAMES.len())] =
            crate::typed::key_table(NAMES);

        /// Every event name with a type, as this crate spells it.
        pub const TYPED_EVENTS: &[&str] = NAMES;

        impl EventKind {
            /// Every kind.
            pub const ALL: &'static [EventKind] = KINDS;

            /// The kind of the event `message` names, if this crate has a type for it. Reads
            /// the `Event` key only.
            #[inline]
            pub fn of(message: &Message<'_>) -> Option<EventKind> {
                // `Event` is the first key of nearly every event: look there before searching.
                let name = match message.field(0) {
                    Some(("Event", name)) => name,
                    _ => message.event()?,
                };
                EventKind::from_name(name)
            }

            /// The kind of an event name, ignoring ASCII case.
            #[inline]
            pub fn from_name(name: &str) -> Option<EventKind> {
                let i = crate::typed::find(&NAME_TABLE, name.as_bytes(), |i, name| {
                    // Compared with the constant name, which the compiler unrolls.
                    match KINDS.get(i) {
                        $(Some(EventKind::$name) => crate::typed::same(name, $name::EVENT.as_bytes()),)*
                        None => false,
                    }
                })?;
                KINDS.get(i).copied()
            }

            /// The event name as this crate spells it (the Asterisk documentation's).
            pub const fn name(self) -> &'static str {
                match self {
                    $(EventKind::$name => $name::EVENT,)*
                }
            }

            /// Types `message` as this kind (the `Event` key is not checked again).
            pub fn parse<'a>(self, m: &Message<'a>) -> Result<Event<'a>, DeError> {
                Ok(match self {
                    $(EventKind::$name => Event::$name(variant_value!($($boxed)? $name::parse(m)?)),)*
                })
            }

            /// [`EventKind::parse`] through serde alone.
            pub fn parse_serde<'a>(self, m: &Message<'a>) -> Result<Event<'a>, DeError> {
                Ok(match self {
                    $(EventKind::$name => {
                        Event::$name(variant_value!($($boxed)? $name::parse_serde(m)?))
                    })*
                })
            }
        }

        impl<'a> Event<'a> {
            /// The kind of a typed event; `None` for [`Event::Unknown`].
            pub fn kind(&self) -> Option<EventKind> {
                match self {
                    $(Event::$name(_) => Some(EventKind::$name),)*
                    Event::Unknown(_) => None,
                }
            }
        }
    };
}
