//! The dispatch loop's fast paths over numbers (dispatch.rs): arithmetic
//! on two ints (without overflow) or two floats, comparisons, the fused
//! products and sums, equality for a branch. Each declines (`None` or
//! `false`) having changed nothing: an overflow, another operand type.
//! They are inlined into the loop, their operators given as closures.

use crate::opcode::Ordering;
use crate::value::Value;

use super::slots::release;

/// `x op y` for two ints (`int`, `None` on overflow) or two floats.
#[inline(always)]
pub(super) fn binary(
    x: &Value,
    y: &Value,
    int: impl FnOnce(i64, i64) -> Option<i64>,
    float: impl FnOnce(f64, f64) -> f64,
) -> Option<Value> {
    match (x, y) {
        (Value::Int(p), Value::Int(q)) => int(*p, *q).map(Value::Int),
        (Value::Float(p), Value::Float(q)) => Some(Value::Float(float(*p, *q))),
        _ => None,
    }
}

/// `*a = *a op b` in place for two ints or two floats; an int meeting a
/// float is converted (`arith::add` …). False when declined.
///
/// # Safety
/// `a` must point to an initialised value.
#[inline(always)]
pub(super) unsafe fn apply(
    a: *mut Value,
    b: &Value,
    int: impl FnOnce(i64, i64) -> Option<i64>,
    float: impl FnOnce(f64, f64) -> f64,
) -> bool {
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs); a number is overwritten in place
    // (scalars own nothing).
    unsafe {
        match (&mut *a, b) {
            (Value::Int(p), Value::Int(q)) => match int(*p, *q) {
                Some(r) => *p = r,
                None => return false,
            },
            (Value::Float(p), Value::Float(q)) => *p = float(*p, *q),
            (Value::Float(p), Value::Int(q)) => *p = float(*p, *q as f64),
            (Value::Int(p), Value::Float(q)) => {
                let r = float(*p as f64, *q);
                std::ptr::write(a, Value::Float(r));
            }
            _ => return false,
        }
    }
    true
}

/// As `apply` for two ints or two floats only.
///
/// # Safety
/// As for `apply`.
#[inline(always)]
pub(super) unsafe fn apply_same(
    a: *mut Value,
    b: &Value,
    int: impl FnOnce(i64, i64) -> Option<i64>,
    float: impl FnOnce(f64, f64) -> f64,
) -> bool {
    // SAFETY: as for `apply`.
    unsafe {
        match (&mut *a, b) {
            (Value::Float(p), Value::Float(q)) => *p = float(*p, *q),
            (Value::Int(p), Value::Int(q)) => match int(*p, *q) {
                Some(r) => *p = r,
                None => return false,
            },
            _ => return false,
        }
    }
    true
}

/// `*x += n` for an int that does not overflow; the new value.
///
/// # Safety
/// `x` must point to an initialised value.
#[inline(always)]
pub(super) unsafe fn add_to(x: *mut Value, n: i64) -> Option<i64> {
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs).
    let Value::Int(a) = (unsafe { &mut *x }) else {
        return None;
    };
    *a = a.checked_add(n)?;
    Some(*a)
}

/// `x op y` for two ints or two floats.
#[inline(always)]
pub(super) fn compare(
    x: &Value,
    y: &Value,
    int: impl FnOnce(&i64, &i64) -> bool,
    float: impl FnOnce(&f64, &f64) -> bool,
) -> Option<bool> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => Some(int(a, b)),
        (Value::Float(a), Value::Float(b)) => Some(float(a, b)),
        _ => None,
    }
}

/// `x order y` for two ints or two floats.
#[inline(always)]
pub(super) fn test(order: Ordering, x: &Value, y: Option<&Value>) -> Option<bool> {
    match (x, y?) {
        (Value::Int(p), Value::Int(q)) => Some(order.test(p, q)),
        (Value::Float(p), Value::Float(q)) => Some(order.test(p, q)),
        _ => None,
    }
}

/// `a * b op c * d` for four ints (no overflow) or four floats.
#[inline(always)]
pub(super) fn products(
    [a, b, c, d]: [&Value; 4],
    int: impl FnOnce(i64, i64) -> Option<i64>,
    float: impl FnOnce(f64, f64) -> f64,
) -> Option<Value> {
    match (a, b, c, d) {
        (Value::Float(p), Value::Float(q), Value::Float(s), Value::Float(t)) => {
            Some(Value::Float(float(*p * *q, *s * *t)))
        }
        (Value::Int(p), Value::Int(q), Value::Int(s), Value::Int(t)) => {
            int(p.checked_mul(*q)?, s.checked_mul(*t)?).map(Value::Int)
        }
        _ => None,
    }
}

/// A sum read out of two slots, before it is stored.
#[derive(Clone, Copy)]
enum Sum {
    Int(i64),
    Float(f64),
}

/// `*z = *x + *y` for two ints (without overflow) or two floats, `z`
/// holding a scalar. Matched all at once so that the sum is written
/// straight into the slot: a `Value` built first and copied after was a
/// 16-byte reload of two smaller stores, which cannot be forwarded and
/// stalled.
///
/// # Safety
/// The three must point to initialised values, `z` to a scalar.
#[inline(always)]
pub(super) unsafe fn store_sum(x: *const Value, y: *const Value, z: *mut Value) -> bool {
    // `z` may be `x` or `y` (`a = a + b`): the operands are read out as
    // scalars before `z` is borrowed mutably, so the borrows never overlap.
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs).
    let sum = unsafe {
        match (&*x, &*y) {
            (Value::Float(p), Value::Float(q)) => Sum::Float(*p + *q),
            (Value::Int(p), Value::Int(q)) => match p.checked_add(*q) {
                Some(r) => Sum::Int(r),
                None => return false,
            },
            _ => return false,
        }
    };
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs); `z` holds a scalar (nothing to drop).
    unsafe {
        match (&mut *z, sum) {
            (Value::Float(d), Sum::Float(s)) => *d = s,
            (Value::Int(d), Sum::Int(s)) => *d = s,
            (_, Sum::Float(s)) => std::ptr::write(z, Value::Float(s)),
            (_, Sum::Int(s)) => std::ptr::write(z, Value::Int(s)),
        }
    }
    true
}

/// Whether `*a == *b`, for two ints or two strings, releasing them when
/// they are strings (which runs no `deinit`); `None`, changing nothing,
/// for anything else.
///
/// # Safety
/// Both must point to initialised values, which the caller then treats as
/// uninitialised when this returns `Some`.
#[inline(always)]
pub(super) unsafe fn equal(a: *mut Value, b: *mut Value) -> Option<bool> {
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs).
    unsafe {
        match (&*a, &*b) {
            (Value::Int(p), Value::Int(q)) => Some(p == q),
            (x @ Value::Str(_), y @ Value::Str(_)) => {
                let r = crate::value::equals(x, y);
                release(a);
                release(b);
                Some(r)
            }
            _ => None,
        }
    }
}
