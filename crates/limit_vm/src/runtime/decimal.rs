//! Fixed-scale decimals `d0`…`d18` (reference.md §3.3b): exact values with a
//! fixed number of digits after the point, for money.
//!
//! A decimal is `units × 10^-scale` with `units` an `i128`. `+ - *` keep the
//! wider scale of the two operands; `/` and `%` truncate toward zero at that
//! scale; an int operand is exact at any scale; a float operand turns the
//! result into a float. Results beyond the `i128` range raise
//! `IntegerOverflow` rather than wrap.

use std::cmp::Ordering;

use crate::errors::{fail, kinds, Trap};
use crate::value::Value;

/// The largest scale (`d18`).
pub const MAX_SCALE: u8 = 18;

/// An exact decimal number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The value times `10^scale`.
    pub units: i128,
    /// Digits after the point.
    pub scale: u8,
}

fn ten_to(power: u8) -> i128 {
    10i128.pow(power as u32)
}

fn overflow() -> Trap {
    crate::errors::trap(kinds::INTEGER_OVERFLOW, "decimal value out of range")
}

impl Decimal {
    /// `n` at `scale` (exact).
    pub fn from_int(n: i128, scale: u8) -> Result<Decimal, Trap> {
        let units = n.checked_mul(ten_to(scale)).ok_or_else(overflow)?;
        Ok(Decimal { units, scale })
    }

    /// Reads decimal text such as `10.25`, `-3`, `1e-2` at `scale`. With
    /// `exact`, digits that do not fit the scale raise `ConversionError`;
    /// otherwise they are truncated toward zero.
    pub fn parse(text: &str, scale: u8, exact: bool) -> Result<Decimal, Trap> {
        let bad = || {
            crate::errors::trap(
                kinds::CONVERSION_ERROR,
                &format!("cannot convert {text:?} to d{scale}"),
            )
        };
        let text = text.trim();
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], text[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (text, 0),
        };
        let (negative, digits) = match mantissa.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .chars()
                .chain(fraction.chars())
                .all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        // All digits as one integer, with the point `point` places from the right.
        let all: String = whole.chars().chain(fraction.chars()).collect();
        let point = fraction.len() as i32 - exponent;
        let shift = scale as i32 - point;
        let mut units: i128 = 0;
        let mut dropped_nonzero = false;
        let keep = (all.len() as i32 + shift.min(0)).max(0) as usize;
        for (i, c) in all.chars().enumerate() {
            let d = c as i128 - '0' as i128;
            if i < keep {
                units = units
                    .checked_mul(10)
                    .and_then(|u| u.checked_add(d))
                    .ok_or_else(overflow)?;
            } else if d != 0 {
                dropped_nonzero = true;
            }
        }
        if shift > 0 && units != 0 {
            // 10^38 is the largest power of ten an i128 holds.
            if shift > 38 {
                return Err(overflow());
            }
            units = units
                .checked_mul(ten_to(shift as u8))
                .ok_or_else(overflow)?;
        }
        if exact && dropped_nonzero {
            return fail(
                kinds::CONVERSION_ERROR,
                &format!("{text} does not fit d{scale} without losing digits"),
            );
        }
        Ok(Decimal {
            units: if negative { -units } else { units },
            scale,
        })
    }

    /// `x` at `scale`, read from its shortest round-trip text (so `0.1`
    /// becomes exactly `0.10` at scale 2, not the binary approximation).
    pub fn from_f64(x: f64, scale: u8, exact: bool) -> Result<Decimal, Trap> {
        if !x.is_finite() {
            return fail(
                kinds::CONVERSION_ERROR,
                &format!("cannot convert {x} to d{scale}"),
            );
        }
        Decimal::parse(&format!("{x:?}"), scale, exact)
    }

    /// The same value at another scale (truncating toward zero, or raising
    /// `ConversionError` when `exact` and non-zero digits would be dropped).
    pub fn rescale(self, scale: u8, exact: bool) -> Result<Decimal, Trap> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Ok(self),
            Ordering::Greater => {
                let units = self
                    .units
                    .checked_mul(ten_to(scale - self.scale))
                    .ok_or_else(overflow)?;
                Ok(Decimal { units, scale })
            }
            Ordering::Less => {
                let factor = ten_to(self.scale - scale);
                if exact && self.units % factor != 0 {
                    return fail(
                        kinds::CONVERSION_ERROR,
                        &format!(
                            "{} does not fit d{scale} without losing digits",
                            self.text()
                        ),
                    );
                }
                Ok(Decimal {
                    units: self.units / factor,
                    scale,
                })
            }
        }
    }

    pub fn to_f64(self) -> f64 {
        self.units as f64 / ten_to(self.scale) as f64
    }

    /// The int part, truncated toward zero.
    pub fn trunc(self) -> i128 {
        self.units / ten_to(self.scale)
    }

    /// Printed form: exactly `scale` digits after the point.
    pub fn text(self) -> String {
        let factor = ten_to(self.scale) as u128;
        let magnitude = self.units.unsigned_abs();
        let sign = if self.units < 0 { "-" } else { "" };
        if self.scale == 0 {
            return format!("{sign}{magnitude}");
        }
        format!(
            "{sign}{}.{:0width$}",
            magnitude / factor,
            magnitude % factor,
            width = self.scale as usize
        )
    }

    /// Exact comparison (any scales).
    pub fn compare(self, other: Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.rescale(scale, false), other.rescale(scale, false)) {
            (Ok(a), Ok(b)) => a.units.cmp(&b.units),
            // Rescaling only fails on overflow: compare as floats then.
            _ => self
                .to_f64()
                .partial_cmp(&other.to_f64())
                .unwrap_or(Ordering::Equal),
        }
    }
}

/// A decimal operand: decimals as they are, ints exact at scale 0.
fn operand(v: &Value) -> Option<Decimal> {
    match v {
        Value::Decimal(d) => Some(**d),
        Value::Int(n) => Some(Decimal {
            units: *n as i128,
            scale: 0,
        }),
        _ => None,
    }
}

/// `a op b` when one side is a decimal and the other a decimal or an int;
/// `None` leaves the operation to the caller (floats, type errors).
pub fn arithmetic(op: char, a: &Value, b: &Value) -> Option<Result<Value, Trap>> {
    if !matches!(a, Value::Decimal(_)) && !matches!(b, Value::Decimal(_)) {
        return None;
    }
    let (x, y) = (operand(a)?, operand(b)?);
    let scale = x.scale.max(y.scale);
    Some(apply(op, x, y, scale).map(Value::decimal))
}

fn apply(op: char, x: Decimal, y: Decimal, scale: u8) -> Result<Decimal, Trap> {
    let (x, y) = (x.rescale(scale, false)?, y.rescale(scale, false)?);
    let units = match op {
        '+' => x.units.checked_add(y.units),
        '-' => x.units.checked_sub(y.units),
        '*' => x.units.checked_mul(y.units).map(|p| p / ten_to(scale)),
        '/' | '%' if y.units == 0 => return fail(kinds::DIVISION_BY_ZERO, "division by zero"),
        '/' => x.units.checked_mul(ten_to(scale)).map(|n| n / y.units),
        '%' => Some(x.units % y.units),
        _ => None,
    };
    Ok(Decimal {
        units: units.ok_or_else(overflow)?,
        scale,
    })
}

/// `value as dN`: converts ints, floats (through their shortest text),
/// decimals and numeric strings; losing non-zero digits raises
/// `ConversionError` when `exact`.
pub fn convert(value: &Value, scale: u8, exact: bool) -> Result<Value, Trap> {
    let scale = scale.min(MAX_SCALE);
    // A value beyond a decimal's range does not convert (§3.3b): that is a
    // ConversionError, as a cast of an out-of-range int to a sized int is.
    let out_of_range = |t: Trap| {
        if &*t.kind == kinds::INTEGER_OVERFLOW {
            crate::errors::trap(
                kinds::CONVERSION_ERROR,
                &format!("{} is out of the range of d{scale}", short_text(value)),
            )
        } else {
            t
        }
    };
    let decimal = match value {
        Value::Decimal(d) => d.rescale(scale, exact),
        Value::Int(n) => Decimal::from_int(*n as i128, scale),
        // Units are an i128: a wider int is out of range (without writing
        // out its digits, which takes time quadratic in its size).
        Value::BigInt(b) if b.bits() > 127 => Err(overflow()),
        Value::BigInt(b) => Decimal::parse(&b.to_string(), scale, exact),
        Value::Float(x) => Decimal::from_f64(*x, scale, exact),
        Value::Str(s) => Decimal::parse(&s.text, scale, exact),
        other => {
            return fail(
                kinds::CONVERSION_ERROR,
                &format!("cannot convert a {} to d{scale}", other.type_name()),
            )
        }
    };
    Ok(Value::decimal(decimal.map_err(out_of_range)?))
}

/// A value's text for a message, without writing out a huge int.
fn short_text(value: &Value) -> String {
    match value {
        Value::BigInt(b) if b.bits() > 256 => format!("an int of {} bits", b.bits()),
        Value::Str(s) => format!("{:?}", s.text),
        other => crate::value::display(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str, scale: u8) -> Decimal {
        Decimal::parse(text, scale, false).expect("valid decimal")
    }

    #[test]
    fn parses_and_prints_exactly() {
        assert_eq!(d("10.25", 2).text(), "10.25");
        assert_eq!(d("2", 2).text(), "2.00");
        assert_eq!(d("-0.5", 3).text(), "-0.500");
        assert_eq!(d("1e-2", 2).text(), "0.01");
        assert_eq!(d("7.999", 2).text(), "7.99");
        assert_eq!(
            Decimal::from_f64(0.1, 2, true).map(Decimal::text),
            Ok("0.10".to_string())
        );
    }

    #[test]
    fn arithmetic_keeps_the_wider_scale_and_truncates() {
        let r = apply('*', d("10.25", 2), d("2", 0), 2).expect("product");
        assert_eq!(r.text(), "20.50");
        let q = apply('/', d("10.00", 2), d("3", 2), 2).expect("quotient");
        assert_eq!(q.text(), "3.33");
        let m = apply('%', d("-7.5", 1), d("2", 1), 1).expect("remainder");
        assert_eq!(m.text(), "-1.5");
        assert!(apply('/', d("1", 2), d("0", 2), 2).is_err());
    }

    #[test]
    fn exact_conversion_refuses_to_drop_digits() {
        assert!(d("1.25", 2).rescale(1, true).is_err());
        assert_eq!(
            d("1.20", 2).rescale(1, true).map(Decimal::text),
            Ok("1.2".to_string())
        );
        assert!(Decimal::parse("abc", 2, true).is_err());
    }

    #[test]
    fn comparison_is_exact_across_scales() {
        assert_eq!(d("1.10", 2).compare(d("1.1", 1)), Ordering::Equal);
        assert_eq!(d("0.3", 1).compare(d("0.29", 2)), Ordering::Greater);
    }
}
