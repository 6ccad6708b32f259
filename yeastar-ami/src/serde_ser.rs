//! A serde `Serializer` that turns a typed action struct into [`Action`] fields.
//!
//! Each struct field becomes a `Key: value` line in declaration order. `None` and `()` write
//! nothing; a sequence repeats the key once per element; a pair `(name, value)` or a map entry
//! is written `name=value` (how `Originate` takes `Variable`s); `bool` is written `true`/`false`.

use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

use crate::wire::{Action, EncodeError};

/// An action with a fixed name and typed fields.
pub trait AmiAction: Serialize {
    /// The action name on the wire.
    const NAME: &'static str;
    /// For list actions: the event that closes the list. Modern Asterisk also marks lists with
    /// `EventList: start`/`Complete`; legacy lists (`Status` on 1.8) have only this event.
    const COMPLETE_EVENT: Option<&'static str> = None;
}

/// Serializes a typed action into an [`Action`] ready to encode.
pub fn to_action<A: AmiAction>(action: &A) -> Result<Action, EncodeError> {
    let mut out = Action::new(A::NAME);
    action.serialize(FieldsSerializer { out: &mut out })?;
    Ok(out)
}

impl ser::Error for EncodeError {
    fn custom<T: Display>(msg: T) -> Self {
        EncodeError::Serialize(msg.to_string())
    }
}

fn unsupported(what: &str) -> EncodeError {
    EncodeError::Serialize(format!("{what} cannot be an action field"))
}

/// Serializes the top-level struct.
struct FieldsSerializer<'o> {
    out: &'o mut Action,
}

/// Serializes one struct field under its key.
struct FieldSerializer<'o> {
    out: &'o mut Action,
    key: &'static str,
}

/// Serializes a scalar to its text.
struct ScalarSerializer;

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {$(
        fn $method(self, $(_: $arg),*) -> Result<$ret, EncodeError> {
            Err(unsupported(stringify!($method)))
        }
    )*};
}

macro_rules! scalars_to_string {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method(self, v: $ty) -> Result<String, EncodeError> {
            Ok(v.to_string())
        }
    )*};
}

macro_rules! scalars_to_field {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method(self, v: $ty) -> Result<(), EncodeError> {
            let text = ScalarSerializer.$method(v)?;
            self.out.push(self.key, text);
            Ok(())
        }
    )*};
}

impl ser::Serializer for ScalarSerializer {
    type Ok = String;
    type Error = EncodeError;
    type SerializeSeq = Impossible<String, EncodeError>;
    type SerializeTuple = Impossible<String, EncodeError>;
    type SerializeTupleStruct = Impossible<String, EncodeError>;
    type SerializeTupleVariant = Impossible<String, EncodeError>;
    type SerializeMap = Impossible<String, EncodeError>;
    type SerializeStruct = Impossible<String, EncodeError>;
    type SerializeStructVariant = Impossible<String, EncodeError>;

    scalars_to_string! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, EncodeError> {
        Ok(variant.to_string())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, EncodeError> {
        value.serialize(self)
    }

    refuse! {
        serialize_bytes(&[u8]) -> String;
        serialize_none() -> String;
        serialize_unit() -> String;
        serialize_unit_struct(&'static str) -> String;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<String, EncodeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<String, EncodeError> {
        value.serialize(self)
    }
}

impl<'o> ser::Serializer for FieldSerializer<'o> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Repeated<'o>;
    type SerializeTuple = Pair<'o>;
    type SerializeTupleStruct = Impossible<(), EncodeError>;
    type SerializeTupleVariant = Impossible<(), EncodeError>;
    type SerializeMap = Entries<'o>;
    type SerializeStruct = Impossible<(), EncodeError>;
    type SerializeStructVariant = Impossible<(), EncodeError>;

    scalars_to_field! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_none(self) -> Result<(), EncodeError> {
        Ok(())
    }

    fn serialize_unit(self) -> Result<(), EncodeError> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.out.push(self.key, variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Repeated<'o>, EncodeError> {
        Ok(Repeated {
            out: self.out,
            key: self.key,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Pair<'o>, EncodeError> {
        if len != 2 {
            return Err(unsupported("a tuple other than a (name, value) pair"));
        }
        Ok(Pair {
            out: self.out,
            key: self.key,
            name: None,
            value: None,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Entries<'o>, EncodeError> {
        Ok(Entries {
            out: self.out,
            key: self.key,
            name: None,
        })
    }

    refuse! {
        serialize_bytes(&[u8]) -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// A sequence field: one line per element.
struct Repeated<'o> {
    out: &'o mut Action,
    key: &'static str,
}

impl ser::SerializeSeq for Repeated<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(FieldSerializer {
            out: self.out,
            key: self.key,
        })
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// A `(name, value)` pair written as `name=value`.
struct Pair<'o> {
    out: &'o mut Action,
    key: &'static str,
    name: Option<String>,
    value: Option<String>,
}

impl ser::SerializeTuple for Pair<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        let text = value.serialize(ScalarSerializer)?;
        if self.name.is_none() {
            self.name = Some(text);
        } else {
            self.value = Some(text);
        }
        Ok(())
    }

    fn end(self) -> Result<(), EncodeError> {
        let name = self.name.unwrap_or_default();
        let value = self.value.unwrap_or_default();
        self.out.push(self.key, format!("{name}={value}"));
        Ok(())
    }
}

/// A map field: one `name=value` line per entry.
struct Entries<'o> {
    out: &'o mut Action,
    key: &'static str,
    name: Option<String>,
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), EncodeError> {
        self.name = Some(key.serialize(ScalarSerializer)?);
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), EncodeError> {
        let value = value.serialize(ScalarSerializer)?;
        let name = self.name.take().unwrap_or_default();
        self.out.push(self.key, format!("{name}={value}"));
        Ok(())
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

impl<'o> ser::Serializer for FieldsSerializer<'o> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Impossible<(), EncodeError>;
    type SerializeTuple = Impossible<(), EncodeError>;
    type SerializeTupleStruct = Impossible<(), EncodeError>;
    type SerializeTupleVariant = Impossible<(), EncodeError>;
    type SerializeMap = Impossible<(), EncodeError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), EncodeError>;

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, EncodeError> {
        Ok(self)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        Ok(())
    }

    fn serialize_unit(self) -> Result<(), EncodeError> {
        Ok(())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }

    refuse! {
        serialize_bool(bool) -> (); serialize_i8(i8) -> (); serialize_i16(i16) -> ();
        serialize_i32(i32) -> (); serialize_i64(i64) -> (); serialize_u8(u8) -> ();
        serialize_u16(u16) -> (); serialize_u32(u32) -> (); serialize_u64(u64) -> ();
        serialize_f32(f32) -> (); serialize_f64(f64) -> (); serialize_char(char) -> ();
        serialize_str(&str) -> (); serialize_bytes(&[u8]) -> (); serialize_none() -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

impl ser::SerializeStruct for FieldsSerializer<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(FieldSerializer { out: self.out, key })
    }

    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
