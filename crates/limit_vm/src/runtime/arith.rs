//! Arithmetic, bitwise and comparison operators on values (the slow,
//! generic paths; the interpreter inlines the int/float fast paths).

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Pow, Signed, ToPrimitive, Zero};

use crate::errors::{fail, kinds, Trap};
use crate::opcode::BinaryOp;
use crate::value::{compare, display, to_bigint, to_f64, Value};

/// Result of an operator.
pub type OpResult = Result<Value, Trap>;

fn type_error(op: &str, a: &Value, b: &Value) -> OpResult {
    fail(
        kinds::TYPE_ERROR,
        &format!(
            "unsupported operand types for {op}: {} and {}",
            a.type_name(),
            b.type_name()
        ),
    )
}

fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::BigInt(_))
}

fn big(v: &Value) -> BigInt {
    to_bigint(v).unwrap_or_default()
}

/// 64-bit limbs of an integer of `bits` bits (at least 1).
fn limbs_of_bits(bits: u64) -> u64 {
    bits.div_ceil(64).max(1)
}

/// 64-bit limbs of an int value (1 for one that fits in 64 bits).
fn limbs(v: &Value) -> u64 {
    match v {
        Value::BigInt(b) => limbs_of_bits(b.bits()),
        _ => 1,
    }
}

/// Work units of multiplying an `a`-limb by a `b`-limb integer: schoolbook
/// up to 64 limbs, beyond that Karatsuba and Toom-3 (about n^1.47 for an
/// n by n product; measured: 1 000 limbs squared take about 0.2 ms).
fn mul_units(a: u64, b: u64) -> u64 {
    let (small, large) = (a.min(b).max(1), a.max(b).max(1));
    if small <= 64 {
        return small.saturating_mul(large);
    }
    let square = 4096.0 * (small as f64 / 64.0).powf(1.47);
    // `as` saturates: an absurd size costs u64::MAX.
    (square * large.div_ceil(small) as f64) as u64
}

/// Charge `units` of work to the step limit before doing it
/// (`limits::charge_units`): otherwise one loop step can hide milliseconds
/// of arithmetic, and a 20 000-step run took seconds (found by the `run`
/// fuzz target). Big-integer work is estimated from the operands' sizes
/// for num-bigint's algorithms, a unit being one 64-bit limb
/// multiplication; a step is then worth a few loop iterations, so modest
/// big-integer code stays well within a step limit meant for its loops.
fn charge(units: u64) -> Result<(), Trap> {
    crate::limits::charge_units(units)
}

/// Charge linear work over both operands (copying them, then one pass).
fn charge_linear(a: &Value, b: &Value) -> Result<(), Trap> {
    charge(limbs(a).saturating_add(limbs(b)).saturating_mul(2))
}

/// Units of work of writing an integer of `bits` bits in decimal, or of
/// reading one from its digits: about 4 n² for n limbs (measured: 2 ms for
/// 1 000 limbs).
pub(crate) fn decimal_text_units(bits: u64) -> u64 {
    let n = limbs_of_bits(bits);
    n.saturating_mul(n).saturating_mul(4)
}

/// `a + b`.
/// `a op b` for any binary operator (`Op::Binary` and the
/// superinstructions that name their operator).
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> OpResult {
    match op {
        BinaryOp::Add => add(a, b),
        BinaryOp::Sub => sub(a, b),
        BinaryOp::Mul => mul(a, b),
        BinaryOp::Div => div(a, b),
        BinaryOp::Mod => modulo(a, b),
        BinaryOp::Pow => pow(a, b),
        BinaryOp::BitAnd => bitwise('&', a, b),
        BinaryOp::BitOr => bitwise('|', a, b),
        BinaryOp::BitXor => bitwise('^', a, b),
        BinaryOp::Shl => shift(true, a, b),
        BinaryOp::Shr => shift(false, a, b),
    }
}

pub fn add(a: &Value, b: &Value) -> OpResult {
    if let Some(result) = crate::runtime::decimal::arithmetic('+', a, b) {
        return result;
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(match x.checked_add(*y) {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(BigInt::from(*x) + y),
        }),
        (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x + y)),
        (Value::Str(x), Value::Str(y)) => {
            crate::limits::check_string(x.text.len() + y.text.len())?;
            charge((x.text.len() + y.text.len()) as u64 / 4)?;
            let mut s = String::with_capacity(x.text.len() + y.text.len());
            s.push_str(&x.text);
            s.push_str(&y.text);
            Ok(Value::string(s))
        }
        (Value::Str(x), other) if !matches!(other, Value::Nil) => {
            let mut s = String::from(&*x.text);
            crate::value::write_value(&mut s, other, false);
            crate::limits::check_string(s.len())?;
            Ok(Value::string(s))
        }
        (other, Value::Str(y)) if !matches!(other, Value::Nil) => {
            let mut s = display(other);
            s.push_str(&y.text);
            crate::limits::check_string(s.len())?;
            Ok(Value::string(s))
        }
        (Value::List(x), Value::List(y)) => {
            let n = x.items.borrow().len() + y.items.borrow().len();
            crate::limits::check_collection(n)?;
            crate::limits::check_heap(n * crate::limits::SLOT_BYTES)?;
            charge(2 * n as u64)?;
            let mut items = x.items.borrow().clone();
            items.extend(y.items.borrow().iter().cloned());
            Ok(Value::list(items))
        }
        _ if is_int(a) && is_int(b) => {
            charge_linear(a, b)?;
            Ok(Value::from_bigint(big(a) + big(b)))
        }
        _ => match (to_f64(a), to_f64(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(x + y)),
            _ => type_error("+", a, b),
        },
    }
}

/// `a - b`.
pub fn sub(a: &Value, b: &Value) -> OpResult {
    if let Some(result) = crate::runtime::decimal::arithmetic('-', a, b) {
        return result;
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(match x.checked_sub(*y) {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(BigInt::from(*x) - y),
        }),
        _ if is_int(a) && is_int(b) => {
            charge_linear(a, b)?;
            Ok(Value::from_bigint(big(a) - big(b)))
        }
        _ => match (to_f64(a), to_f64(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(x - y)),
            _ => type_error("-", a, b),
        },
    }
}

/// `a * b`.
pub fn mul(a: &Value, b: &Value) -> OpResult {
    if let Some(result) = crate::runtime::decimal::arithmetic('*', a, b) {
        return result;
    }
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(match x.checked_mul(*y) {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(BigInt::from(*x) * y),
        }),
        (Value::Str(s), Value::Int(n)) | (Value::Int(n), Value::Str(s)) => {
            let n = (*n).max(0) as usize;
            check_size(s.text.len().saturating_mul(n))?;
            crate::limits::check_string(s.text.len().saturating_mul(n))?;
            charge(s.text.len().saturating_mul(n) as u64 / 4)?;
            Ok(Value::string(s.text.repeat(n)))
        }
        (Value::List(l), Value::Int(n)) => {
            let items = l.items.borrow();
            let n = (*n).max(0) as usize;
            check_size(items.len().saturating_mul(n))?;
            crate::limits::check_collection(items.len().saturating_mul(n))?;
            crate::limits::check_heap(items.len().saturating_mul(n) * crate::limits::SLOT_BYTES)?;
            charge(2 * items.len().saturating_mul(n) as u64)?;
            let mut out = Vec::with_capacity(items.len() * n);
            for _ in 0..n {
                out.extend(items.iter().cloned());
            }
            Ok(Value::list(out))
        }
        _ if is_int(a) && is_int(b) => {
            let (x, y) = (big(a), big(b));
            check_product_bits(x.bits().saturating_add(y.bits()))?;
            charge(mul_units(limbs(a), limbs(b)).saturating_add(limbs(a) + limbs(b)))?;
            Ok(Value::from_bigint(x * y))
        }
        _ => match (to_f64(a), to_f64(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(x * y)),
            _ => type_error("*", a, b),
        },
    }
}

/// Bits an integer product may have: the bound `**` and `<<` have. Without
/// it, squaring in a loop doubles a number's size at every step, so a few
/// dozen steps run for hours (found by the fuzzer). Under a heap limit the
/// product's bytes must also fit in it.
fn check_product_bits(bits: u64) -> Result<(), Trap> {
    if bits > 64 * 1024 * 1024 {
        return fail(kinds::RESOURCE_LIMIT, "integer product too large");
    }
    if crate::limits::active().max_heap_bytes.is_some() {
        crate::limits::check_heap((bits / 8) as usize)?;
    }
    Ok(())
}

fn check_size(n: usize) -> Result<(), Trap> {
    if n > (1 << 32) {
        fail(kinds::RESOURCE_LIMIT, "result too large")
    } else {
        Ok(())
    }
}

/// `a / b`: ints truncate toward zero.
pub fn div(a: &Value, b: &Value) -> OpResult {
    if let Some(result) = crate::runtime::decimal::arithmetic('/', a, b) {
        return result;
    }
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => fail(kinds::DIVISION_BY_ZERO, "division by zero"),
        (Value::Int(x), Value::Int(y)) => Ok(match x.checked_div(*y) {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(BigInt::from(*x) / y),
        }),
        _ if is_int(a) && is_int(b) => {
            let d = big(b);
            if d.is_zero() {
                return fail(kinds::DIVISION_BY_ZERO, "division by zero");
            }
            charge_division(a, b)?;
            Ok(Value::from_bigint(big(a) / d))
        }
        _ => match (to_f64(a), to_f64(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(x / y)),
            _ => type_error("/", a, b),
        },
    }
}

/// Charge a long division of `a` by `b`: about three times the product of
/// the quotient and the divisor (measured), plus copying both.
fn charge_division(a: &Value, b: &Value) -> Result<(), Trap> {
    let quotient = (limbs(a) + 1).saturating_sub(limbs(b));
    charge(
        mul_units(quotient, limbs(b))
            .saturating_mul(3)
            .saturating_add(limbs(a) + limbs(b)),
    )
}

/// `a % b`: the sign of the dividend.
pub fn modulo(a: &Value, b: &Value) -> OpResult {
    if let Some(result) = crate::runtime::decimal::arithmetic('%', a, b) {
        return result;
    }
    match (a, b) {
        (Value::Int(_), Value::Int(0)) => fail(kinds::DIVISION_BY_ZERO, "modulo by zero"),
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.checked_rem(*y).unwrap_or(0))),
        _ if is_int(a) && is_int(b) => {
            let d = big(b);
            if d.is_zero() {
                return fail(kinds::DIVISION_BY_ZERO, "modulo by zero");
            }
            charge_division(a, b)?;
            Ok(Value::from_bigint(big(a) % d))
        }
        _ => match (to_f64(a), to_f64(b)) {
            (Some(x), Some(y)) => Ok(Value::Float(x % y)),
            _ => type_error("%", a, b),
        },
    }
}

/// `a ** b`: int ** non-negative int is an int, otherwise a float.
pub fn pow(a: &Value, b: &Value) -> OpResult {
    if is_int(a) && is_int(b) {
        let e = big(b);
        if !e.is_negative() {
            return int_pow(a, &e);
        }
    }
    match (to_f64(a), to_f64(b)) {
        (Some(x), Some(y)) => Ok(Value::Float(x.powf(y))),
        _ => type_error("**", a, b),
    }
}

fn int_pow(a: &Value, e: &BigInt) -> OpResult {
    let base = big(a);
    if base.is_zero() || base == BigInt::from(1) {
        return Ok(Value::from_bigint(if e.is_zero() {
            BigInt::from(1)
        } else {
            base
        }));
    }
    if base == BigInt::from(-1) {
        return Ok(Value::Int(if e.is_even() { 1 } else { -1 }));
    }
    let e = match e.to_u32() {
        Some(e) if (base.bits() as u128) * (e as u128) <= 64 * 1024 * 1024 => e,
        _ => return fail(kinds::RESOURCE_LIMIT, "integer power too large"),
    };
    let bits = base.bits().saturating_mul(e as u64);
    check_product_bits(bits)?;
    if let (Value::Int(x), true) = (a, e < 64) {
        if let Some(r) = x.checked_pow(e) {
            return Ok(Value::Int(r));
        }
    }
    // Repeated squaring: dominated by the last squaring (of a number half
    // the result's size) and the last multiplications into the result;
    // about three times that squaring (measured).
    let half = limbs_of_bits(bits).div_ceil(2);
    charge(
        mul_units(half, half)
            .saturating_mul(3)
            .saturating_add(2 * half),
    )?;
    Ok(Value::from_bigint(Pow::pow(base, e)))
}

/// `-a`.
pub fn neg(a: &Value) -> OpResult {
    match a {
        Value::Int(x) => Ok(match x.checked_neg() {
            Some(r) => Value::Int(r),
            None => Value::from_bigint(-BigInt::from(*x)),
        }),
        Value::BigInt(_) => {
            charge(limbs(a).saturating_mul(2))?;
            Ok(Value::from_bigint(-big(a)))
        }
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Decimal(d) => Ok(Value::decimal(crate::runtime::decimal::Decimal {
            units: -d.units,
            scale: d.scale,
        })),
        _ => fail(
            kinds::TYPE_ERROR,
            &format!("cannot negate a {}", a.type_name()),
        ),
    }
}

/// Bitwise operators `& | ^`.
pub fn bitwise(op: char, a: &Value, b: &Value) -> OpResult {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(match op {
            '&' => x & y,
            '|' => x | y,
            _ => x ^ y,
        })),
        _ if is_int(a) && is_int(b) => {
            charge_linear(a, b)?;
            let (x, y) = (big(a), big(b));
            Ok(Value::from_bigint(match op {
                '&' => x & y,
                '|' => x | y,
                _ => x ^ y,
            }))
        }
        _ => type_error(&op.to_string(), a, b),
    }
}

/// `a << b` and `a >> b`.
pub fn shift(left: bool, a: &Value, b: &Value) -> OpResult {
    if !is_int(a) || !is_int(b) {
        return type_error(if left { "<<" } else { ">>" }, a, b);
    }
    let n = match b {
        Value::Int(n) if *n >= 0 => *n,
        _ => {
            return fail(
                kinds::INTEGER_OVERFLOW,
                "shift count must be a non-negative int",
            )
        }
    };
    if left {
        if let Value::Int(x) = a {
            if n < 63 && (x.unsigned_abs() >> (63 - n)) == 0 {
                return Ok(Value::Int(x << n));
            }
        }
        if n > 64 * 1024 * 1024 {
            return fail(kinds::RESOURCE_LIMIT, "shift count too large");
        }
        let bits = big(a).bits().saturating_add(n as u64);
        check_product_bits(bits)?;
        charge(
            limbs(a)
                .saturating_add(limbs_of_bits(bits))
                .saturating_mul(2),
        )?;
        Ok(Value::from_bigint(big(a) << n as usize))
    } else {
        match a {
            Value::Int(x) => Ok(Value::Int(x >> n.min(63))),
            _ => {
                charge(limbs(a).saturating_mul(2))?;
                Ok(Value::from_bigint(big(a) >> n.min(1 << 40) as usize))
            }
        }
    }
}

/// `~a`.
pub fn bitnot(a: &Value) -> OpResult {
    match a {
        Value::Int(x) => Ok(Value::Int(!x)),
        Value::BigInt(_) => {
            charge(limbs(a).saturating_mul(2))?;
            Ok(Value::from_bigint(-big(a) - 1))
        }
        _ => fail(
            kinds::TYPE_ERROR,
            &format!("cannot apply ~ to a {}", a.type_name()),
        ),
    }
}

/// Ordering comparison for `< <= > >=`; `want` says which orderings give true.
pub fn order(a: &Value, b: &Value, op: &str) -> Result<bool, Trap> {
    if matches!(a, Value::BigInt(_)) || matches!(b, Value::BigInt(_)) {
        charge_linear(a, b)?;
    }
    match compare(a, b) {
        Some(o) => Ok(match op {
            "<" => o == Ordering::Less,
            "<=" => o != Ordering::Greater,
            ">" => o == Ordering::Greater,
            _ => o != Ordering::Less,
        }),
        None => {
            // IEEE: comparisons with NaN are false.
            if to_f64(a).is_some() && to_f64(b).is_some() {
                return Ok(false);
            }
            Err(crate::errors::trap(
                kinds::TYPE_ERROR,
                &format!("cannot compare {} with {}", a.type_name(), b.type_name()),
            ))
        }
    }
}

/// Big-int helper used by conversions.
pub fn bigint_value(b: BigInt) -> Value {
    Value::from_bigint(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(x: i64) -> Value {
        Value::Int(x)
    }

    #[test]
    fn overflow_promotes_and_demotes() {
        let r = add(&i(i64::MAX), &i(1)).unwrap();
        assert_eq!(display(&r), "9223372036854775808");
        let back = sub(&r, &i(1)).unwrap();
        assert!(matches!(back, Value::Int(i64::MAX)));
        assert_eq!(
            display(&mul(&i(i64::MAX), &i(i64::MAX)).unwrap()),
            "85070591730234615847396907784232501249"
        );
        assert_eq!(
            display(&pow(&i(2), &i(100)).unwrap()),
            "1267650600228229401496703205376"
        );
        assert_eq!(display(&neg(&i(i64::MIN)).unwrap()), "9223372036854775808");
        assert_eq!(
            display(&div(&i(i64::MIN), &i(-1)).unwrap()),
            "9223372036854775808"
        );
    }

    #[test]
    fn division_truncates_and_modulo_follows_dividend() {
        assert!(matches!(div(&i(7), &i(2)).unwrap(), Value::Int(3)));
        assert!(matches!(div(&i(-7), &i(2)).unwrap(), Value::Int(-3)));
        assert!(matches!(modulo(&i(-7), &i(2)).unwrap(), Value::Int(-1)));
        assert!(matches!(modulo(&i(7), &i(-2)).unwrap(), Value::Int(1)));
        assert_eq!(&*div(&i(1), &i(0)).unwrap_err().kind, "DivisionByZero");
        assert_eq!(&*modulo(&i(1), &i(0)).unwrap_err().kind, "DivisionByZero");
        let f = div(&Value::Float(1.0), &i(0)).unwrap();
        assert_eq!(display(&f), "inf");
    }

    #[test]
    fn pow_and_shifts() {
        assert!(matches!(pow(&i(2), &i(10)).unwrap(), Value::Int(1024)));
        assert_eq!(display(&pow(&i(2), &i(-1)).unwrap()), "0.5");
        assert_eq!(
            display(&shift(true, &i(1), &i(70)).unwrap()),
            "1180591620717411303424"
        );
        assert!(matches!(
            shift(false, &i(-8), &i(1)).unwrap(),
            Value::Int(-4)
        ));
        assert_eq!(
            &*shift(true, &i(1), &i(-1)).unwrap_err().kind,
            "IntegerOverflow"
        );
    }

    #[test]
    fn string_concatenation_with_numbers() {
        assert_eq!(
            display(&add(&Value::str("Value: "), &i(42)).unwrap()),
            "Value: 42"
        );
        assert_eq!(display(&add(&i(42), &Value::str("!")).unwrap()), "42!");
        assert_eq!(
            &*add(&i(1), &Value::list(vec![])).unwrap_err().kind,
            "TypeError"
        );
    }
}

/// Whether an int value fits the sized int type with operand code `code`
/// (`opcode::IntWidth`); other values pass. Errors: IntegerOverflow.
pub fn check_int_range(v: &Value, code: u8) -> Result<(), Trap> {
    let Some(width) = crate::opcode::IntWidth::from_code(code) else {
        return Ok(());
    };
    let kind = if code & crate::opcode::IntWidth::CAST != 0 {
        kinds::CONVERSION_ERROR
    } else {
        kinds::INTEGER_OVERFLOW
    };
    let (bits, signed) = width.bounds();
    if let Value::Int(i) = v {
        let i = *i as i128;
        let fits = match (bits, signed) {
            (None, _) => i >= 0,
            (Some(bits), true) => {
                let limit = 1i128 << (bits.min(127) - 1);
                i >= -limit && i < limit
            }
            (Some(bits), false) => i >= 0 && (bits >= 64 || i < (1i128 << bits)),
        };
        return if fits {
            Ok(())
        } else {
            fail(kind, &format!("{i} does not fit {}", width.name()))
        };
    }
    let Value::BigInt(n) = v else {
        return Ok(());
    };
    if width.contains(n) {
        return Ok(());
    }
    // The digits of a huge int take long to write; its size says enough.
    let shown = if n.bits() > 256 {
        format!("an int of {} bits", n.bits())
    } else {
        n.to_string()
    };
    fail(kind, &format!("{shown} does not fit {}", width.name()))
}

#[cfg(test)]
mod range_tests {
    use super::*;
    use crate::opcode::IntWidth;

    fn fits(v: Value, width: IntWidth) -> bool {
        check_int_range(&v, width.code()).is_ok()
    }

    #[test]
    fn sized_int_bounds() {
        assert!(fits(Value::Int(255), IntWidth::U8));
        assert!(!fits(Value::Int(256), IntWidth::U8));
        assert!(!fits(Value::Int(-1), IntWidth::U8));
        assert!(fits(Value::Int(-128), IntWidth::I8));
        assert!(!fits(Value::Int(-129), IntWidth::I8));
        assert!(fits(Value::Int(i64::MAX), IntWidth::U64));
        assert!(fits(
            Value::from_bigint(BigInt::from(u64::MAX)),
            IntWidth::U64
        ));
        assert!(!fits(
            Value::from_bigint(BigInt::from(u64::MAX) + 1),
            IntWidth::U64
        ));
        assert!(!fits(
            Value::from_bigint(BigInt::from(i64::MAX) + 1),
            IntWidth::I64
        ));
        assert!(fits(
            Value::from_bigint(BigInt::from(1) << 100),
            IntWidth::Uint
        ));
        assert!(!fits(Value::Int(-5), IntWidth::Uint));
        assert!(fits(Value::string("x".into()), IntWidth::U8));
    }
}
