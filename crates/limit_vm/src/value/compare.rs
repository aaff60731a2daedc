//! Equality and ordering of values, deep structures compared without
//! recursion on the host stack.

use super::*;

/// Structural equality (the one definition used by `==`, dict keys, `contains`).
pub fn equals(a: &Value, b: &Value) -> bool {
    match shallow_eq(a, b) {
        Some(r) => r,
        None => deep_equals(a, b),
    }
}

/// Equality of non-containers; `None` when both are containers of the same kind.
pub(super) fn shallow_eq(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    Some(match (a, b) {
        (Nil, Nil) => true,
        (Bool(x), Bool(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(x), Float(y)) | (Float(y), Int(x)) => {
            (*x as f64) == *y && y.fract() == 0.0 && float_to_i64(*y) == Some(*x)
        }
        (BigInt(x), BigInt(y)) => x == y,
        (BigInt(x), Float(y)) | (Float(y), BigInt(x)) => {
            cmp_bigint_float(x, *y) == Some(Ordering::Equal)
        }
        (Decimal(_), Decimal(_) | Int(_) | Float(_)) | (Int(_) | Float(_), Decimal(_)) => {
            compare(a, b) == Some(std::cmp::Ordering::Equal)
        }
        (Str(x), Str(y)) => str_eq(x, y),
        (Range(x), Range(y)) => x == y,
        (Function(x), Function(y)) => Rc::ptr_eq(x, y),
        (Native(x), Native(y)) => std::ptr::eq(*x, *y),
        (Host(x), Host(y)) => Rc::ptr_eq(x, y),
        (HostObject(x), HostObject(y)) => x.same(y),
        (Error(x), Error(y)) => x == y,
        (Class(x), Class(y)) => Rc::ptr_eq(x, y),
        (Instance(x), Instance(y)) if InstanceRef::ptr_eq(x, y) => true,
        (Instance(x), Instance(y)) if x.class.is_data && Rc::ptr_eq(&x.class, &y.class) => {
            return None
        }
        (Instance(_), Instance(_)) => false,
        (Cell(x), Cell(y)) => Rc::ptr_eq(x, y),
        (Channel(x), Channel(y)) => std::sync::Arc::ptr_eq(x, y),
        (Shared(x), Shared(y)) => std::sync::Arc::ptr_eq(x, y),
        (List(x), List(y)) if Rc::ptr_eq(x, y) => true,
        (List(_), List(_)) | (Tuple(_), Tuple(_)) | (Dict(_), Dict(_)) | (Enum(_), Enum(_)) => {
            return None
        }
        _ => false,
    })
}

/// String equality, cheap in the cases dict lookups meet: the same string,
/// different lengths or hashes, or short texts (compared in a few word
/// loads rather than through a `memcmp` call).
#[inline(always)]
pub(super) fn str_eq(x: &Str, y: &Str) -> bool {
    if std::ptr::eq(x, y) {
        return true;
    }
    may_be_equal(x, y) && same_bytes(x.text.as_bytes(), y.text.as_bytes())
}

/// Whether two strings' lengths and hashes leave them possibly equal (the
/// same length, and hashes equal or one not computed yet): only then does
/// `str_eq` compare their bytes.
#[inline(always)]
pub(super) fn may_be_equal(x: &Str, y: &Str) -> bool {
    let (hx, hy) = (x.hash.get(), y.hash.get());
    x.text.len() == y.text.len() && (hx == hy || hx == 0 || hy == 0)
}

/// `a == b` for slices of equal length. Up to 16 bytes are compared as two
/// overlapping words (or halves), which covers them whatever the length.
#[inline(always)]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len();
    if b.len() != n {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    // `first_chunk` gives an array reference, read with one load;
    // `copy_from_slice` into an array became a `memcpy` call where LLVM
    // did not inline it (a third of a dict lookup with a short string key
    // in a build without LTO). The chunks always exist (`at + 8 <= n`,
    // `at + 4 <= n`); 0 for a missing one is never compared.
    #[inline(always)]
    pub(super) fn word(s: &[u8], at: usize) -> u64 {
        s[at..]
            .first_chunk::<8>()
            .map_or(0, |w| u64::from_ne_bytes(*w))
    }
    #[inline(always)]
    pub(super) fn half(s: &[u8], at: usize) -> u32 {
        s[at..]
            .first_chunk::<4>()
            .map_or(0, |w| u32::from_ne_bytes(*w))
    }
    if n >= 8 {
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else if n >= 4 {
        half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
    } else if n > 0 {
        // 1 to 3 bytes: the first, the middle and the last cover them.
        a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]
    } else {
        true
    }
}

pub(super) fn float_to_i64(f: f64) -> Option<i64> {
    if (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// Pairs of containers compared before `deep_equals` starts remembering
/// them (small comparisons pay nothing for it).
pub(super) const REMEMBER_PAIRS_AFTER: usize = 1024;

/// Items compared between two charges to the step limit.
pub(super) const EQUALITY_CHARGE_EVERY: usize = 4096;

pub(super) fn deep_equals(a: &Value, b: &Value) -> bool {
    let mut work: Vec<(Value, Value)> = vec![(a.clone(), b.clone())];
    // Two containers being compared are assumed equal while their parts
    // are (the greatest fixed point, as for bisimilar graphs): a pair met
    // again is not expanded again. Comparing cyclic values then ends, and
    // values sharing parts are compared in time proportional to their
    // distinct pairs of parts rather than their unfolded size.
    let mut pairs_seen = 0usize;
    let mut assumed: rustc_hash::FxHashSet<(usize, usize)> = Default::default();
    let mut uncharged = 0usize;
    while let Some((x, y)) = work.pop() {
        // The work is charged to the step limit as it goes; once a limit
        // is pending the answer no longer matters (the run stops).
        uncharged += 1;
        if uncharged >= EQUALITY_CHARGE_EVERY {
            limits::charge_units_later(uncharged as u64);
            uncharged = 0;
            if limits::limit_pending() {
                return false;
            }
        }
        if let Some(r) = shallow_eq(&x, &y) {
            if !r {
                return false;
            }
            continue;
        }
        if let (Some(p), Some(q)) = (cycle_id(&x), cycle_id(&y)) {
            pairs_seen += 1;
            if pairs_seen > REMEMBER_PAIRS_AFTER && !assumed.insert((p, q)) {
                continue;
            }
        }
        match (&x, &y) {
            (Value::List(p), Value::List(q)) => {
                let (p, q) = (p.items.borrow(), q.items.borrow());
                if p.len() != q.len() {
                    return false;
                }
                work.extend(p.iter().cloned().zip(q.iter().cloned()));
            }
            (Value::Tuple(p), Value::Tuple(q)) => {
                if p.items.len() != q.items.len() {
                    return false;
                }
                work.extend(p.items.iter().cloned().zip(q.items.iter().cloned()));
            }
            (Value::Enum(p), Value::Enum(q)) => {
                if !Rc::ptr_eq(&p.info, &q.info)
                    || p.tag != q.tag
                    || p.payload.len() != q.payload.len()
                {
                    return false;
                }
                work.extend(p.payload.iter().cloned().zip(q.payload.iter().cloned()));
            }
            (Value::Instance(p), Value::Instance(q)) => {
                let (p, q) = (p.values(), q.values());
                if p.len() != q.len() {
                    return false;
                }
                work.extend(p.into_iter().zip(q));
            }
            (Value::Dict(p), Value::Dict(q)) => {
                let (p, q) = (p.map.borrow(), q.map.borrow());
                if p.len() != q.len() {
                    return false;
                }
                for (k, v) in p.iter() {
                    match q.get(k) {
                        Some(w) => work.push((v.clone(), w.clone())),
                        None => return false,
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

// ---------------------------------------------------------------- ordering

/// Ordering for `<` and sorting: numbers, strings, bools, lists and tuples
/// (lexicographic). `None` when the values are not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    compare_depth(a, b, 0)
}

pub(super) fn compare_depth(a: &Value, b: &Value, depth: usize) -> Option<Ordering> {
    use Value::*;
    if depth > 2_000 {
        return None;
    }
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Int(x), Float(y)) => cmp_int_float(*x, *y),
        (Float(x), Int(y)) => cmp_int_float(*y, *x).map(Ordering::reverse),
        (BigInt(_), _) | (_, BigInt(_)) => cmp_big(a, b),
        (Decimal(x), Decimal(y)) => Some(x.compare(**y)),
        (Decimal(x), Int(y)) => Some(x.compare(crate::runtime::decimal::Decimal {
            units: *y as i128,
            scale: 0,
        })),
        (Int(x), Decimal(y)) => Some(
            crate::runtime::decimal::Decimal {
                units: *x as i128,
                scale: 0,
            }
            .compare(**y),
        ),
        (Decimal(x), Float(y)) => x.to_f64().partial_cmp(y),
        (Float(x), Decimal(y)) => x.partial_cmp(&y.to_f64()),
        (Str(x), Str(y)) => Some(x.text.cmp(&y.text)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (List(x), List(y)) => {
            let (x, y) = (x.items.borrow(), y.items.borrow());
            compare_seq(&x, &y, depth)
        }
        (Tuple(x), Tuple(y)) => compare_seq(&x.items, &y.items, depth),
        (Enum(x), Enum(y)) if Rc::ptr_eq(&x.info, &y.info) => Some(x.tag.cmp(&y.tag)),
        _ => None,
    }
}

pub(super) fn cmp_int_float(x: i64, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if (x as f64) != y {
        return (x as f64).partial_cmp(&y);
    }
    // Equal as doubles: compare exactly through i128 when y is integral.
    match float_to_i64(y) {
        Some(yi) => Some(x.cmp(&yi)),
        None => (x as f64).partial_cmp(&y),
    }
}

pub(super) fn cmp_big(a: &Value, b: &Value) -> Option<Ordering> {
    match (to_bigint(a), to_bigint(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) if let Value::Float(y) = b => cmp_bigint_float(&x, *y),
        (None, Some(y)) if let Value::Float(x) = a => {
            cmp_bigint_float(&y, *x).map(Ordering::reverse)
        }
        _ => {
            let (x, y) = (to_f64(a)?, to_f64(b)?);
            x.partial_cmp(&y)
        }
    }
}

/// An int against a float, exactly: converting the int to a float rounds
/// it (`1 << 2000` became infinity and equalled `1.0 / 0.0`).
pub(super) fn cmp_bigint_float(x: &BigInt, y: f64) -> Option<Ordering> {
    if y.is_nan() {
        return None;
    }
    if y.is_infinite() {
        return Some(if y > 0.0 {
            Ordering::Less
        } else {
            Ordering::Greater
        });
    }
    let whole = y.trunc();
    let by_whole = x.cmp(&BigInt::from_f64(whole)?);
    Some(by_whole.then(match y - whole {
        f if f > 0.0 => Ordering::Less,
        f if f < 0.0 => Ordering::Greater,
        _ => Ordering::Equal,
    }))
}

pub(super) fn compare_seq(x: &[Value], y: &[Value], depth: usize) -> Option<Ordering> {
    for (p, q) in x.iter().zip(y.iter()) {
        match compare_depth(p, q, depth + 1)? {
            Ordering::Equal => {}
            o => return Some(o),
        }
    }
    Some(x.len().cmp(&y.len()))
}

/// The value as a big integer (ints only).
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::BigInt(b) => Some(BigInt::clone(b)),
        _ => None,
    }
}

/// The value as a float (numbers only).
pub fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::BigInt(b) => b.to_f64(),
        Value::Decimal(d) => Some(d.to_f64()),
        _ => None,
    }
}
