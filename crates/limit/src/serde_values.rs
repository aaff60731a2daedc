//! [`to_value`] and [`from_value`]: any `Serialize` Rust value as a Limit
//! [`Value`], and a Limit value as any `Deserialize` type (the `serde`
//! feature).
//!
//! The mapping is serde's usual "externally tagged" one, as JSON has it:
//! structs and maps are dicts (a struct's keys are its field names),
//! sequences are lists, tuples and tuple structs are tuples, `None` and
//! `()` are `nil`, a unit enum variant is its name as a `str`, and any
//! other variant is a dict of one entry, `{"Name": payload}`. Reading
//! back, a tuple is accepted where a sequence is wanted and a list where
//! a tuple is (of the right length), an `int` where a float is, and a
//! Limit error value reads as `{kind, message}`.
//!
//! An error names the path to the value that did not fit, as it would be
//! written in Limit: `players[2].hp: expected int, found str "x"`.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Player { name: String, hp: i64 }
//!
//! let mut engine = limit::Engine::new();
//! let ada = limit::to_value(&Player { name: "ada".into(), hp: 10 })?;
//! engine.run_str(r#"fn heal(p: any): any { p["hp"] += 5; return p; }"#)?;
//! let healed: Player = limit::from_value(engine.call("heal", &[ada])?)?;
//! assert_eq!(healed, Player { name: "ada".into(), hp: 15 });
//!
//! let e = limit::from_value::<Vec<Player>>(engine.run_str(r#"[{"name": "bo", "hp": "full"}]"#)?);
//! assert_eq!(e.unwrap_err().to_string(), r#"conversion error: [0].hp: expected int, found str "full""#);
//! # Ok::<(), limit::Error>(())
//! ```

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer, StringDeserializer};
use serde::de::{
    self, DeserializeOwned, EnumAccess, Expected, IntoDeserializer, Unexpected, VariantAccess,
    Visitor,
};
use serde::ser::{self, Serialize};

use crate::engine::{Error, Value};

/// `value` as a Limit [`Value`] (see the [module documentation](self)).
///
/// ```
/// use std::collections::BTreeMap;
/// let mut stock = BTreeMap::new();
/// stock.insert("apples", (3u8, 0.5f64));
/// assert_eq!(limit::to_value(&stock)?.to_string(), r#"{"apples": (3, 0.5)}"#);
/// assert!(limit::to_value(&u64::MAX).is_err()); // past Limit's 64-bit int
/// # Ok::<(), limit::Error>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    serde_path_to_error::serialize(value, ValueSerializer)
        .map_err(|e| with_path(e.path().to_string(), e.into_inner().0))
}

/// `value` as a `T` (see the [module documentation](self)); a mismatch is
/// an [`Error::Conversion`] naming where in the value it is.
///
/// ```
/// use std::collections::HashMap;
/// let v = limit::Engine::new().run_str(r#"({"a": [1, 2], "b": []})"#)?;
/// let m: HashMap<String, Vec<u8>> = limit::from_value(v)?;
/// assert_eq!(m["a"], [1, 2]);
/// let v = limit::Engine::new().run_str(r#"({"a": [1, 300]})"#)?;
/// let e = limit::from_value::<HashMap<String, Vec<u8>>>(v).unwrap_err();
/// assert_eq!(e.to_string(), "conversion error: a[1]: 300 is out of range for u8");
/// # Ok::<(), limit::Error>(())
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| with_path(e.path().to_string(), e.into_inner().0))
}

/// The conversion error `message`, at `path` (`.` is the value itself).
fn with_path(path: String, message: String) -> Error {
    if path == "." || path.is_empty() {
        Error::Conversion(message)
    } else {
        Error::Conversion(format!("{path}: {message}"))
    }
}

/// The error of a conversion through serde: its message, without the
/// path (which `serde_path_to_error` keeps).
#[derive(Debug)]
#[doc(hidden)]
pub struct SerdeError(String);

impl fmt::Display for SerdeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SerdeError {}

impl ser::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerdeError(msg.to_string())
    }
}

impl de::Error for SerdeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        SerdeError(msg.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        SerdeError(format!(
            "expected {}, found {}",
            limit_type_of(&expected.to_string()),
            describe(&found)
        ))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Self {
        let expected = expected.to_string();
        match found {
            Unexpected::Signed(_) | Unexpected::Unsigned(_) if is_integer_type(&expected) => {
                let number = match found {
                    Unexpected::Signed(n) => n.to_string(),
                    Unexpected::Unsigned(n) => n.to_string(),
                    _ => String::new(),
                };
                SerdeError(format!("{number} is out of range for {expected}"))
            }
            _ => SerdeError(format!("expected {expected}, found {}", describe(&found))),
        }
    }
}

fn is_integer_type(name: &str) -> bool {
    matches!(
        name,
        "i8" | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
    )
}

/// The Limit type a serde "expected …" text stands for (`i64` is `int`,
/// `a string` is `str`, `struct Player` is a dict); other texts as they are.
fn limit_type_of(expected: &str) -> String {
    let name = match expected {
        e if is_integer_type(e) => "int",
        "f32" | "f64" => "float",
        "a string" | "a borrowed string" | "a character" | "a char" | "string or map" => "str",
        "a boolean" => "bool",
        "unit" => "nil",
        "a map" => "dict",
        e if e.starts_with("a sequence") || e.starts_with("a tuple") || e.starts_with("tuple") => {
            "list"
        }
        e if e.starts_with("struct ") => return format!("dict ({e})"),
        other => other,
    };
    name.to_string()
}

/// How an error names a value of the wrong type: its Limit type and, for
/// a scalar, the value.
fn describe(found: &Unexpected<'_>) -> String {
    match found {
        Unexpected::Bool(b) => format!("bool {b}"),
        Unexpected::Signed(n) => format!("int {n}"),
        Unexpected::Unsigned(n) => format!("int {n}"),
        Unexpected::Float(f) => format!("float {}", Value::Float(*f)),
        Unexpected::Char(c) => format!("str {:?}", c.to_string()),
        Unexpected::Str(s) => {
            let mut short: String = s.chars().take(40).collect();
            if short.len() < s.len() {
                short.push('…');
            }
            format!("str {short:?}")
        }
        Unexpected::Unit | Unexpected::Option => "nil".to_string(),
        Unexpected::Seq => "list".to_string(),
        Unexpected::Map => "dict".to_string(),
        other => other.to_string(),
    }
}

// ------------------------------------------------------------ Rust → Limit

/// Makes a [`Value`] of whatever is serialised into it.
struct ValueSerializer;

/// A sequence, tuple or map being serialised; `variant` wraps it into
/// `{"Variant": …}`.
struct Collect {
    items: Vec<Value>,
    entries: Vec<(Value, Value)>,
    pending_key: Option<Value>,
    tuple: bool,
    variant: Option<&'static str>,
}

impl Collect {
    fn new(tuple: bool, variant: Option<&'static str>, len: Option<usize>) -> Collect {
        Collect {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            entries: Vec::new(),
            pending_key: None,
            tuple,
            variant,
        }
    }

    fn finish_items(self) -> Value {
        let value = if self.tuple {
            Value::Tuple(self.items)
        } else {
            Value::List(self.items)
        };
        tagged(self.variant, value)
    }

    fn finish_entries(self) -> Value {
        tagged(self.variant, Value::Dict(self.entries))
    }
}

/// `value`, or `{"variant": value}` for an enum variant.
fn tagged(variant: Option<&'static str>, value: Value) -> Value {
    match variant {
        Some(name) => Value::Dict(vec![(Value::from(name), value)]),
        None => value,
    }
}

fn int(n: impl TryInto<i64> + fmt::Display + Copy) -> Result<Value, SerdeError> {
    n.try_into()
        .map(Value::Int)
        .map_err(|_| SerdeError(format!("{n} is past Limit's 64-bit int")))
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerdeError;
    type SerializeSeq = Collect;
    type SerializeTuple = Collect;
    type SerializeTupleStruct = Collect;
    type SerializeTupleVariant = Collect;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Collect;

    fn serialize_bool(self, v: bool) -> Result<Value, SerdeError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_i16(self, v: i16) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_i32(self, v: i32) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_i64(self, v: i64) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_i128(self, v: i128) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_u16(self, v: u16) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_u32(self, v: u32) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_u128(self, v: u128) -> Result<Value, SerdeError> {
        int(v)
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerdeError> {
        Ok(Value::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerdeError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SerdeError> {
        Ok(Value::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, SerdeError> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SerdeError> {
        Ok(Value::List(
            v.iter().map(|b| Value::Int(i64::from(*b))).collect(),
        ))
    }
    fn serialize_none(self) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, SerdeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, SerdeError> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, SerdeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, SerdeError> {
        Ok(tagged(Some(variant), value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Collect, SerdeError> {
        Ok(Collect::new(false, None, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Collect, SerdeError> {
        Ok(Collect::new(true, None, Some(len)))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Collect, SerdeError> {
        Ok(Collect::new(true, None, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Collect, SerdeError> {
        Ok(Collect::new(true, Some(variant), Some(len)))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Collect, SerdeError> {
        Ok(Collect::new(false, None, None))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Collect, SerdeError> {
        Ok(Collect::new(false, None, None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Collect, SerdeError> {
        Ok(Collect::new(false, Some(variant), None))
    }
}

impl ser::SerializeSeq for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.items.push(value.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_items())
    }
}

impl ser::SerializeTuple for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_items())
    }
}

impl ser::SerializeTupleStruct for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_items())
    }
}

impl ser::SerializeTupleVariant for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_items())
    }
}

impl ser::SerializeMap for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        self.pending_key = Some(key.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| SerdeError("a map value without a key".to_string()))?;
        self.entries.push((key, value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_entries())
    }
}

impl ser::SerializeStruct for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        self.entries
            .push((Value::from(key), value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_entries())
    }
}

impl ser::SerializeStructVariant for Collect {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(self.finish_entries())
    }
}

// ------------------------------------------------------------ Limit → Rust

impl<'de> IntoDeserializer<'de, SerdeError> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

fn visit_items<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut seq = SeqDeserializer::new(items.into_iter());
    let value = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(value)
}

fn visit_entries<'de, V: Visitor<'de>>(
    entries: Vec<(Value, Value)>,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut map = MapDeserializer::new(entries.into_iter());
    let value = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(value)
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self {
            Value::Nil => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visitor.visit_i64(i),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Str(s) => visitor.visit_string(s),
            Value::List(items) | Value::Tuple(items) => visit_items(items, visitor),
            Value::Dict(entries) => visit_entries(entries, visitor),
            Value::Error { kind, message } => visit_entries(
                vec![
                    (Value::from("kind"), Value::Str(kind)),
                    (Value::from("message"), Value::Str(message)),
                ],
                visitor,
            ),
            Value::Object(object) => Err(SerdeError(format!(
                "a `{}` object has no serde form (it is the host's own; use a `Host<T>` handle)",
                object.type_name()
            ))),
            Value::Other(text) => Err(SerdeError(format!(
                "`{text}` has no Rust form (a function, instance or other Limit-only value)"
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self {
            Value::Nil => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self {
            Value::Str(name) => {
                let name: StringDeserializer<SerdeError> = name.into_deserializer();
                visitor.visit_enum(name)
            }
            Value::Dict(mut entries) if entries.len() == 1 => {
                let (name, payload) = entries.remove(0);
                visitor.visit_enum(Variant { name, payload })
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a variant name or a dict of one entry {\"Variant\": payload}",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// `value`'s kind, for an error.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Nil => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Int(i) => Unexpected::Signed(*i),
        Value::Float(f) => Unexpected::Float(*f),
        Value::Str(s) => Unexpected::Str(s),
        Value::List(_) | Value::Tuple(_) => Unexpected::Seq,
        Value::Dict(_) | Value::Error { .. } => Unexpected::Map,
        Value::Object(_) => Unexpected::Other("a host object"),
        Value::Other(text) => Unexpected::Other(text),
    }
}

/// An enum variant written as `{"Name": payload}`.
struct Variant {
    name: Value,
    payload: Value,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = SerdeError;
    type Variant = Value;

    fn variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Value), SerdeError> {
        Ok((seed.deserialize(self.name)?, self.payload))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = SerdeError;

    fn unit_variant(self) -> Result<(), SerdeError> {
        match self {
            Value::Nil => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"unit")),
        }
    }

    fn newtype_variant_seed<S: de::DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, SerdeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
