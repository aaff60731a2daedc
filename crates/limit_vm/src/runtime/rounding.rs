//! `round(x, digits)`: a number rounded to `digits` decimal places (negative
//! digits round to tens, hundreds, …), ties to even as Python's `round`
//! does. A float stays a float, an int an int and a decimal keeps its scale.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::errors::{fail, kinds, Trap};
use crate::runtime::decimal::Decimal;
use crate::value::Value;

/// `round(x, digits)`.
pub fn round_to_digits(x: &Value, digits: &Value) -> Result<Value, Trap> {
    let digits = match digits {
        Value::Int(d) => *d,
        Value::BigInt(b) if b.is_negative() => i64::MIN,
        Value::BigInt(_) => i64::MAX,
        other => {
            return fail(
                kinds::TYPE_ERROR,
                &format!("round's digits must be an int, got {}", other.type_name()),
            )
        }
    };
    match x {
        Value::Float(f) => Ok(Value::Float(round_float(*f, digits))),
        Value::Int(_) | Value::BigInt(_) => Ok(round_int(x, digits)),
        Value::Decimal(d) => Ok(Value::Decimal(std::rc::Rc::new(round_decimal(**d, digits)))),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("round expects a number, got {}", other.type_name()),
        ),
    }
}

/// Beyond this many places every float is already exact (the smallest
/// subnormal has 1074 binary places, fewer decimal ones).
const FLOAT_PLACES: i64 = 1100;

fn round_float(x: f64, digits: i64) -> f64 {
    if !x.is_finite() || x == 0.0 || digits >= FLOAT_PLACES {
        return x;
    }
    if digits >= 0 {
        // Fixed-precision formatting rounds the exact binary value, ties to
        // even; reading it back gives the nearest float.
        let places = digits as usize;
        return format!("{x:.places$}").parse().unwrap_or(x);
    }
    // To tens, hundreds, …: keep the significant digits above 10^-digits.
    let scientific = format!("{:e}", x.abs());
    let exponent: i64 = scientific
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let significant = exponent + 1 + digits;
    let sign = x.signum();
    if significant > 0 {
        let places = (significant - 1) as usize;
        let rounded: f64 = format!("{:.places$e}", x.abs()).parse().unwrap_or(x.abs());
        return sign * rounded;
    }
    if significant == 0 {
        // |x| is below 10^-digits: it rounds to that or to zero.
        let unit = 10f64.powi(digits.unsigned_abs().min(400) as i32);
        return if x.abs() > unit / 2.0 {
            sign * unit
        } else {
            sign * 0.0
        };
    }
    sign * 0.0
}

fn round_int(x: &Value, digits: i64) -> Value {
    if digits >= 0 {
        return x.clone();
    }
    let Some(n) = crate::value::to_bigint(x) else {
        return x.clone();
    };
    // 10^-digits beyond the number's size rounds it to zero.
    if digits.unsigned_abs() > n.bits() / 3 + 2 {
        return Value::Int(0);
    }
    let unit = BigInt::from(10u8).pow(digits.unsigned_abs() as u32);
    let rounded = round_half_even(&n, &unit) * &unit;
    match rounded.to_i64() {
        Some(i) => Value::Int(i),
        None => Value::from_bigint(rounded),
    }
}

/// `n / unit` rounded to the nearest int, ties to even.
fn round_half_even(n: &BigInt, unit: &BigInt) -> BigInt {
    let (quotient, remainder) = n.div_mod_floor(unit);
    let twice: BigInt = remainder * 2;
    if twice > *unit || twice == *unit && quotient.is_odd() {
        quotient + 1
    } else {
        quotient
    }
}

fn round_decimal(d: Decimal, digits: i64) -> Decimal {
    let dropped = d.scale as i64 - digits;
    if dropped <= 0 {
        return d;
    }
    if dropped > 38 {
        return Decimal {
            units: 0,
            scale: d.scale,
        };
    }
    let unit = BigInt::from(10u8).pow(dropped as u32);
    let rounded = round_half_even(&BigInt::from(d.units), &unit) * &unit;
    // Rounding moves a value by less than one unit, away from the i128
    // bounds only by at most that: in range unless the value was at them.
    let units = rounded.to_i128().unwrap_or(d.units);
    if units.is_zero() {
        return Decimal {
            units: 0,
            scale: d.scale,
        };
    }
    Decimal {
        units,
        scale: d.scale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_their_exact_value_ties_to_even() {
        assert_eq!(round_float(1.23456, 2), 1.23);
        assert_eq!(round_float(2.675, 2), 2.67); // 2.67499999… in binary
        assert_eq!(round_float(0.125, 2), 0.12);
        assert_eq!(round_float(-1.5, 0), -2.0);
        assert_eq!(round_float(1234.5, -2), 1200.0);
        assert_eq!(round_float(1250.0, -2), 1200.0);
        assert_eq!(round_float(1350.0, -2), 1400.0);
        assert_eq!(round_float(60.0, -2), 100.0);
        assert_eq!(round_float(50.0, -2), 0.0);
        assert_eq!(round_float(5.0, -3), 0.0);
        assert_eq!(round_float(1e300, 5), 1e300);
        assert!(round_float(f64::NAN, 2).is_nan());
    }

    #[test]
    fn ints_and_decimals_round_exactly() {
        assert!(matches!(round_int(&Value::Int(1250), -2), Value::Int(1200)));
        assert!(matches!(round_int(&Value::Int(1350), -2), Value::Int(1400)));
        assert!(matches!(
            round_int(&Value::Int(-1351), -2),
            Value::Int(-1400)
        ));
        assert!(matches!(round_int(&Value::Int(7), 3), Value::Int(7)));
        assert!(matches!(round_int(&Value::Int(7), -40), Value::Int(0)));
        let d = round_decimal(
            Decimal {
                units: 1235,
                scale: 2,
            },
            1,
        );
        assert_eq!((d.units, d.scale), (1240, 2));
        let d = round_decimal(
            Decimal {
                units: 1225,
                scale: 2,
            },
            1,
        );
        assert_eq!((d.units, d.scale), (1220, 2));
    }
}
