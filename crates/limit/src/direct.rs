//! Conversions of the common scalar types straight between VM values and
//! Rust, without a [`Value`](crate::Value) made in between: what keeps a
//! typed host function call (`|a: i64, b: i64| a + b`) cheap. Any other
//! type, and any value that does not convert this way, goes through
//! [`FromValue`](crate::FromValue) / [`IntoValue`](crate::IntoValue),
//! which also give the errors; the results are the same either way.
//!
//! The type is told by `TypeId` (through `Any`), which the compiler
//! resolves when it instantiates the function: for `i64` only the `i64`
//! branch is left.

use std::any::Any;

use limit_vm::value::Value as VmValue;

use crate::Value;

/// `value` as a `T` when `T` is `i64`, `f64`, `bool` or `String` and the
/// value is of the matching Limit type (an `int` for an `f64` too);
/// `None` otherwise.
#[inline]
pub(crate) fn from_vm<T: 'static>(value: &VmValue) -> Option<T> {
    let mut out: Option<T> = None;
    let slot: &mut dyn Any = &mut out;
    if let Some(slot) = slot.downcast_mut::<Option<i64>>() {
        if let VmValue::Int(i) = value {
            *slot = Some(*i);
        }
    } else if let Some(slot) = slot.downcast_mut::<Option<f64>>() {
        match value {
            VmValue::Float(f) => *slot = Some(*f),
            VmValue::Int(i) => *slot = Some(*i as f64),
            _ => {}
        }
    } else if let Some(slot) = slot.downcast_mut::<Option<bool>>() {
        if let VmValue::Bool(b) = value {
            *slot = Some(*b);
        }
    } else if let Some(slot) = slot.downcast_mut::<Option<String>>() {
        if let VmValue::Str(s) = value {
            *slot = Some(s.text.to_string());
        }
    }
    out
}

/// `value` as a VM value when `T` is `i64`, `f64`, `bool`, `String` or
/// `()`; otherwise `value` back.
#[inline]
pub(crate) fn to_vm<T: 'static>(value: T) -> Result<VmValue, T> {
    let mut slot = Some(value);
    let any: &mut dyn Any = &mut slot;
    let direct = if let Some(v) = any.downcast_mut::<Option<i64>>() {
        v.take().map(VmValue::Int)
    } else if let Some(v) = any.downcast_mut::<Option<f64>>() {
        v.take().map(VmValue::Float)
    } else if let Some(v) = any.downcast_mut::<Option<bool>>() {
        v.take().map(VmValue::Bool)
    } else if let Some(v) = any.downcast_mut::<Option<String>>() {
        v.take().map(|s| VmValue::str(&s))
    } else if let Some(v) = any.downcast_mut::<Option<()>>() {
        v.take().map(|()| VmValue::Nil)
    } else {
        None
    };
    match (direct, slot) {
        (Some(v), _) => Ok(v),
        (None, Some(value)) => Err(value),
        // Only a direct conversion takes the value out.
        (None, None) => Ok(VmValue::Nil),
    }
}

/// A scalar [`Value`] as a VM value (`None` for the others, which
/// `engine::to_vm` converts).
#[inline]
pub(crate) fn scalar_to_vm(value: &Value) -> Option<VmValue> {
    Some(match value {
        Value::Nil => VmValue::Nil,
        Value::Bool(b) => VmValue::Bool(*b),
        Value::Int(i) => VmValue::Int(*i),
        Value::Float(f) => VmValue::Float(*f),
        _ => return None,
    })
}

/// A scalar VM value as a [`Value`] (`None` for the others, which
/// `engine::from_vm` converts).
#[inline]
pub(crate) fn scalar_from_vm(value: &VmValue) -> Option<Value> {
    Some(match value {
        VmValue::Nil => Value::Nil,
        VmValue::Bool(b) => Value::Bool(*b),
        VmValue::Int(i) => Value::Int(*i),
        VmValue::Float(f) => Value::Float(*f),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_convert_directly_and_others_are_left_alone() {
        assert_eq!(from_vm::<i64>(&VmValue::Int(7)), Some(7));
        assert_eq!(from_vm::<f64>(&VmValue::Int(2)), Some(2.0));
        assert_eq!(from_vm::<i64>(&VmValue::Float(2.0)), None);
        assert_eq!(from_vm::<u8>(&VmValue::Int(7)), None);
        assert_eq!(
            from_vm::<String>(&VmValue::str("hi")),
            Some("hi".to_string())
        );
        assert!(matches!(to_vm(5i64), Ok(VmValue::Int(5))));
        assert!(matches!(to_vm(()), Ok(VmValue::Nil)));
        assert!(matches!(to_vm(true), Ok(VmValue::Bool(true))));
        assert_eq!(to_vm(5u8).unwrap_err(), 5u8);
        assert_eq!(to_vm(vec![1i64]).unwrap_err(), vec![1i64]);
    }
}
