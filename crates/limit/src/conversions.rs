//! Conversions between Rust values and Limit [`Value`]s.
//!
//! [`FromValue`] and [`IntoValue`] are what typed host functions
//! ([`Engine::register_fn`](crate::Engine::register_fn)) convert their
//! arguments and results with; each also names the Limit type it stands
//! for, which the checker uses to check calls before they run. The
//! `From`/`TryFrom` impls on [`Value`] are the same conversions for
//! direct use.
//!
//! Conversions are checked: an integer that does not fit its Rust type, a
//! `u64` past Limit's 64-bit `int`, a list where a tuple of another length
//! is wanted, are errors. An error names where in the value it happened
//! (`[2]`, `["hp"]`, `.1`).
//!
//! ```
//! use std::collections::BTreeMap;
//! use limit::{FromValue, IntoValue, Value};
//!
//! let pairs = vec![(1u8, Some("one".to_string())), (2, None)];
//! let v = pairs.clone().into_value()?;
//! assert_eq!(v.to_string(), r#"[(1, "one"), (2, nil)]"#);
//! assert_eq!(Vec::<(u8, Option<String>)>::from_value(v)?, pairs);
//!
//! let mut scores = BTreeMap::new();
//! scores.insert(7i64, vec![1.5f64]);
//! let back = BTreeMap::<i64, Vec<f64>>::from_value(scores.clone().into_value()?)?;
//! assert_eq!(back, scores);
//!
//! let e = u8::from_value(Value::Int(300)).unwrap_err();
//! assert_eq!(e.to_string(), "conversion error: 300 is out of range for u8");
//! let e = Vec::<i64>::from_value(Value::from(vec![Value::Int(1), Value::from("x")])).unwrap_err();
//! assert_eq!(e.to_string(), r#"conversion error: at [1]: expected int, found str "x""#);
//! # Ok::<(), limit::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

use crate::engine::{Error, Value};

/// A Limit static type, as the checker sees it: what a Rust type converts
/// from or to (`i64` is `int`, `Option<String>` is `str | nil`, [`Value`]
/// is `any`).
pub use limit_compiler::check::Type as ScriptType;

/// A Rust type that can be made from a Limit [`Value`] (checked).
///
/// ```
/// use limit::{FromValue, Value};
/// assert_eq!(i32::from_value(Value::Int(-4))?, -4);
/// assert_eq!(Option::<bool>::from_value(Value::Nil)?, None);
/// assert!(String::from_value(Value::Int(1)).is_err());
/// # Ok::<(), limit::Error>(())
/// ```
pub trait FromValue: Sized {
    /// The Rust value of `value`, or a [`Error::Conversion`] naming what
    /// was expected and found, and where.
    fn from_value(value: Value) -> Result<Self, Error>;

    /// The Limit type this converts from (`any` when unknown).
    fn script_type() -> ScriptType {
        ScriptType::Any
    }
}

/// A Rust type that can become a Limit [`Value`] (checked: a `u64` past
/// `i64::MAX` is an error, not a wrapped number).
///
/// ```
/// use limit::{IntoValue, Value};
/// assert_eq!((1i64, "a").into_value()?, Value::Tuple(vec![Value::Int(1), Value::from("a")]));
/// assert!(u64::MAX.into_value().is_err());
/// # Ok::<(), limit::Error>(())
/// ```
pub trait IntoValue {
    /// The Limit value of `self`.
    fn into_value(self) -> Result<Value, Error>;

    /// The Limit type this converts to (`any` when unknown).
    fn script_type() -> ScriptType {
        ScriptType::Any
    }
}

/// The name of the Limit type of `value`, and a short form of it.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Nil => return "nil".to_string(),
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Float(_) => "float",
        Value::Str(_) => "str",
        Value::List(_) => "list",
        Value::Tuple(_) => "tuple",
        Value::Dict(_) => "dict",
        Value::Error { .. } => "error",
        Value::Object(o) => return format!("a `{}` object", o.type_name()),
        Value::Other(_) => "value",
    };
    let shown = match value {
        Value::Str(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    let mut short: String = shown.chars().take(40).collect();
    if short.len() < shown.len() {
        short.push('…');
    }
    format!("{kind} {short}")
}

/// The error for `found` where a value of type `want` was expected.
pub(crate) fn mismatch(want: &str, found: &Value) -> Error {
    Error::Conversion(format!("expected {want}, found {}", describe(found)))
}

/// `error`, happening at `segment` (`[1]`, `["key"]`) of the value being
/// converted: the segment is put in front of the path the error names.
pub(crate) fn within(segment: &str, error: Error) -> Error {
    match error {
        Error::Conversion(message) => match message.strip_prefix("at ") {
            Some(rest) => Error::Conversion(format!("at {segment}{rest}")),
            None => Error::Conversion(format!("at {segment}: {message}")),
        },
        other => other,
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Value, Error> {
        Ok(value)
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Result<Value, Error> {
        Ok(self)
    }
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            #[allow(clippy::useless_conversion)]
            fn from_value(value: Value) -> Result<$t, Error> {
                match value {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| {
                        Error::Conversion(format!("{i} is out of range for {}", stringify!($t)))
                    }),
                    other => Err(mismatch("int", &other)),
                }
            }
            fn script_type() -> ScriptType {
                ScriptType::Int
            }
        }

        impl IntoValue for $t {
            #[allow(clippy::useless_conversion)]
            fn into_value(self) -> Result<Value, Error> {
                i64::try_from(self).map(Value::Int).map_err(|_| {
                    Error::Conversion(format!("{self} does not fit in a Limit int (64 bits)"))
                })
            }
            fn script_type() -> ScriptType {
                ScriptType::Int
            }
        }
    )*};
}

integers!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

impl FromValue for f64 {
    /// Ints convert too.
    fn from_value(value: Value) -> Result<f64, Error> {
        match value {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            other => Err(mismatch("float", &other)),
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::Float
    }
}

impl FromValue for f32 {
    /// Rounded to the nearest `f32`; ints convert too.
    fn from_value(value: Value) -> Result<f32, Error> {
        f64::from_value(value).map(|f| f as f32)
    }
    fn script_type() -> ScriptType {
        ScriptType::Float
    }
}

impl IntoValue for f64 {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Float(self))
    }
    fn script_type() -> ScriptType {
        ScriptType::Float
    }
}

impl IntoValue for f32 {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Float(f64::from(self)))
    }
    fn script_type() -> ScriptType {
        ScriptType::Float
    }
}

impl FromValue for bool {
    fn from_value(value: Value) -> Result<bool, Error> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(mismatch("bool", &other)),
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::Bool
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Bool(self))
    }
    fn script_type() -> ScriptType {
        ScriptType::Bool
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<String, Error> {
        match value {
            Value::Str(s) => Ok(s),
            other => Err(mismatch("str", &other)),
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::Str
    }
}

impl IntoValue for String {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Str(self))
    }
    fn script_type() -> ScriptType {
        ScriptType::Str
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Str(self.to_string()))
    }
    fn script_type() -> ScriptType {
        ScriptType::Str
    }
}

impl FromValue for () {
    fn from_value(value: Value) -> Result<(), Error> {
        match value {
            Value::Nil => Ok(()),
            other => Err(mismatch("nil", &other)),
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::Nil
    }
}

impl IntoValue for () {
    fn into_value(self) -> Result<Value, Error> {
        Ok(Value::Nil)
    }
    fn script_type() -> ScriptType {
        ScriptType::Nil
    }
}

/// `T | nil`, as the checker writes an optional `T`.
fn optional(inner: ScriptType) -> ScriptType {
    match inner {
        ScriptType::Any | ScriptType::Nil => inner,
        other => ScriptType::Union(vec![other, ScriptType::Nil]),
    }
}

impl<T: FromValue> FromValue for Option<T> {
    /// `nil` is `None`.
    fn from_value(value: Value) -> Result<Option<T>, Error> {
        match value {
            Value::Nil => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
    fn script_type() -> ScriptType {
        optional(T::script_type())
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    /// `None` is `nil`.
    fn into_value(self) -> Result<Value, Error> {
        match self {
            None => Ok(Value::Nil),
            Some(x) => x.into_value(),
        }
    }
    fn script_type() -> ScriptType {
        optional(T::script_type())
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    /// From a list or a tuple.
    fn from_value(value: Value) -> Result<Vec<T>, Error> {
        match value {
            Value::List(items) | Value::Tuple(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, x)| T::from_value(x).map_err(|e| within(&format!("[{i}]"), e)))
                .collect(),
            other => Err(mismatch("list", &other)),
        }
    }
    fn script_type() -> ScriptType {
        ScriptType::list(T::script_type())
    }
}

impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Result<Value, Error> {
        self.into_iter()
            .enumerate()
            .map(|(i, x)| x.into_value().map_err(|e| within(&format!("[{i}]"), e)))
            .collect::<Result<_, _>>()
            .map(Value::List)
    }
    fn script_type() -> ScriptType {
        ScriptType::list(T::script_type())
    }
}

/// A dict's entries converted, each error naming the key.
fn dict_entries<K: FromValue, V: FromValue>(
    value: Value,
) -> Result<impl Iterator<Item = Result<(K, V), Error>>, Error> {
    match value {
        Value::Dict(entries) => Ok(entries.into_iter().map(|(k, v)| {
            let at = format!("[{}]", describe_key(&k));
            let key = K::from_value(k).map_err(|e| within(&at, e))?;
            let value = V::from_value(v).map_err(|e| within(&at, e))?;
            Ok((key, value))
        })),
        other => Err(mismatch("dict", &other)),
    }
}

fn describe_key(key: &Value) -> String {
    match key {
        Value::Str(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// A dict of `entries`, in the order of their printed keys (a hash map's
/// own order would differ from run to run).
fn sorted_dict<K: IntoValue, V: IntoValue>(
    entries: impl Iterator<Item = (K, V)>,
    sort: bool,
) -> Result<Value, Error> {
    let mut converted = Vec::new();
    for (k, v) in entries {
        let key = k.into_value()?;
        let at = format!("[{}]", describe_key(&key));
        let value = v.into_value().map_err(|e| within(&at, e))?;
        converted.push((key, value));
    }
    if sort {
        converted.sort_by_cached_key(|(k, _)| k.to_string());
    }
    Ok(Value::Dict(converted))
}

impl<K, V, S> FromValue for HashMap<K, V, S>
where
    K: FromValue + Eq + Hash,
    V: FromValue,
    S: BuildHasher + Default,
{
    fn from_value(value: Value) -> Result<HashMap<K, V, S>, Error> {
        dict_entries(value)?.collect()
    }
    fn script_type() -> ScriptType {
        ScriptType::dict(K::script_type(), V::script_type())
    }
}

impl<K: IntoValue, V: IntoValue, S> IntoValue for HashMap<K, V, S> {
    /// A dict whose entries are in the order of their printed keys.
    fn into_value(self) -> Result<Value, Error> {
        sorted_dict(self.into_iter(), true)
    }
    fn script_type() -> ScriptType {
        ScriptType::dict(K::script_type(), V::script_type())
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    fn from_value(value: Value) -> Result<BTreeMap<K, V>, Error> {
        dict_entries(value)?.collect()
    }
    fn script_type() -> ScriptType {
        ScriptType::dict(K::script_type(), V::script_type())
    }
}

impl<K: IntoValue, V: IntoValue> IntoValue for BTreeMap<K, V> {
    /// A dict in the map's key order.
    fn into_value(self) -> Result<Value, Error> {
        sorted_dict(self.into_iter(), false)
    }
    fn script_type() -> ScriptType {
        ScriptType::dict(K::script_type(), V::script_type())
    }
}

macro_rules! tuples {
    ($(($len:literal: $($t:ident $i:tt),+))*) => {$(
        impl<$($t: FromValue),+> FromValue for ($($t,)+) {
            /// From a tuple (or list) of exactly this length.
            fn from_value(value: Value) -> Result<Self, Error> {
                match value {
                    Value::Tuple(items) | Value::List(items) if items.len() == $len => {
                        let mut items = items.into_iter();
                        Ok(($({
                            let item = items.next().unwrap_or(Value::Nil);
                            $t::from_value(item).map_err(|e| within(concat!(".", $i), e))?
                        },)+))
                    }
                    other => Err(mismatch(concat!("a tuple of ", $len), &other)),
                }
            }
            fn script_type() -> ScriptType {
                ScriptType::Tuple(vec![$(<$t as FromValue>::script_type()),+])
            }
        }

        impl<$($t: IntoValue),+> IntoValue for ($($t,)+) {
            fn into_value(self) -> Result<Value, Error> {
                Ok(Value::Tuple(vec![$(
                    self.$i.into_value().map_err(|e| within(concat!(".", $i), e))?
                ),+]))
            }
            fn script_type() -> ScriptType {
                ScriptType::Tuple(vec![$(<$t as IntoValue>::script_type()),+])
            }
        }
    )*};
}

tuples! {
    (1: A 0)
    (2: A 0, B 1)
    (3: A 0, B 1, C 2)
    (4: A 0, B 1, C 2, D 3)
    (5: A 0, B 1, C 2, D 3, E 4)
    (6: A 0, B 1, C 2, D 3, E 4, F 5)
    (7: A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (8: A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
}

// ------------------------------------------------ From / TryFrom on Value

macro_rules! from_scalar {
    ($($t:ty => $variant:ident as $as:ty),*) => {$(
        impl From<$t> for Value {
            fn from(x: $t) -> Value {
                Value::$variant(x as $as)
            }
        }
    )*};
}

from_scalar!(i64 => Int as i64, i32 => Int as i64, u32 => Int as i64, f64 => Float as f64, f32 => Float as f64);

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::Nil
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(x: Option<T>) -> Value {
        x.map_or(Value::Nil, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value>> From<HashMap<String, T>> for Value {
    /// A dict (entries sorted by key, so the result does not depend on the
    /// hash map's order).
    fn from(map: HashMap<String, T>) -> Value {
        let mut entries: Vec<(String, T)> = map.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Value::Dict(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Str(k), v.into()))
                .collect(),
        )
    }
}

macro_rules! try_from_value {
    ($($t:ty),*) => {$(
        impl TryFrom<Value> for $t {
            type Error = Error;
            /// As [`FromValue`].
            fn try_from(v: Value) -> Result<$t, Error> {
                <$t as FromValue>::from_value(v)
            }
        }
    )*};
}

try_from_value!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f64, f32, bool, String);

impl<T: FromValue> TryFrom<Value> for Vec<T> {
    type Error = Error;
    /// From a list or a tuple.
    fn try_from(v: Value) -> Result<Vec<T>, Error> {
        Vec::from_value(v)
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue> TryFrom<Value> for HashMap<K, V> {
    type Error = Error;
    /// From a dict.
    fn try_from(v: Value) -> Result<HashMap<K, V>, Error> {
        HashMap::from_value(v)
    }
}
