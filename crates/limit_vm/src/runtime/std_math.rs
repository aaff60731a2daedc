//! The natives behind `std.math` (docs/stdlib.md). The module itself is
//! Limit source (`limit_compiler/src/stdlib/math.lm`) that calls these;
//! their names start with `__std_`, which only standard modules may use.

use crate::errors::{fail, kinds, Trap};
use crate::interp::Vm;
use crate::value::{to_f64, Value};

/// Argument `i` as a float (ints and decimals convert).
fn float(a: &[Value], i: usize, what: &str) -> Result<f64, Trap> {
    let v = a.get(i).unwrap_or(&Value::Nil);
    to_f64(v).map_or_else(
        || {
            fail(
                kinds::TYPE_ERROR,
                &format!("math.{what} expects a number, got {}", v.type_name()),
            )
        },
        Ok,
    )
}

/// A native applying `f` to its one float argument.
macro_rules! unary {
    ($name:ident, $what:literal, $f:expr) => {
        pub(crate) fn $name(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
            let f: fn(f64) -> f64 = $f;
            Ok(Value::Float(f(float(a, 0, $what)?)))
        }
    };
}

unary!(sin, "sin", f64::sin);
unary!(cos, "cos", f64::cos);
unary!(tan, "tan", f64::tan);
unary!(asin, "asin", f64::asin);
unary!(acos, "acos", f64::acos);
unary!(atan, "atan", f64::atan);
unary!(sinh, "sinh", f64::sinh);
unary!(cosh, "cosh", f64::cosh);
unary!(tanh, "tanh", f64::tanh);
unary!(asinh, "asinh", f64::asinh);
unary!(acosh, "acosh", f64::acosh);
unary!(atanh, "atanh", f64::atanh);
unary!(exp, "exp", f64::exp);
unary!(ln, "log", f64::ln);
unary!(log2, "log2", f64::log2);
unary!(log10, "log10", f64::log10);
unary!(cbrt, "cbrt", f64::cbrt);
unary!(trunc, "trunc", f64::trunc);
unary!(fract, "fract", f64::fract);

pub(crate) fn atan2(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(
        float(a, 0, "atan2")?.atan2(float(a, 1, "atan2")?),
    ))
}

pub(crate) fn hypot(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(
        float(a, 0, "hypot")?.hypot(float(a, 1, "hypot")?),
    ))
}

/// `log(x, base)`: the logarithm of `x` in `base`.
pub(crate) fn log_base(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(float(a, 0, "log")?.log(float(a, 1, "log")?)))
}

pub(crate) fn is_nan(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(float(a, 0, "is_nan")?.is_nan()))
}

pub(crate) fn is_inf(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Bool(float(a, 0, "is_inf")?.is_infinite()))
}

pub(crate) fn inf(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(f64::INFINITY))
}

pub(crate) fn nan(_: &mut Vm, _: &[Value]) -> Result<Value, Trap> {
    Ok(Value::Float(f64::NAN))
}

/// `round(x, digits)` as a float.
pub(crate) fn round(_: &mut Vm, a: &[Value]) -> Result<Value, Trap> {
    let x = Value::Float(float(a, 0, "round")?);
    let rounded =
        crate::runtime::rounding::round_to_digits(&x, a.get(1).unwrap_or(&Value::Int(0)))?;
    Ok(Value::Float(to_f64(&rounded).unwrap_or(f64::NAN)))
}
