//! Dict keys: which values may be keys, and their hashing.

use super::*;

/// A dict key: a value with hashing and equality consistent with `equals`.
#[derive(Clone)]
pub struct Key(pub Value);

impl Key {
    /// Wrap a value as a key, rejecting unhashable (mutable) values.
    pub fn new(v: Value) -> Result<Key, Trap> {
        if hashable(&v, 0) {
            Ok(Key(v))
        } else {
            Err(crate::errors::trap(
                "TypeError",
                &format!("a {} cannot be a dict key", v.type_name()),
            ))
        }
    }
}

pub(super) fn hashable(v: &Value, depth: usize) -> bool {
    match v {
        Value::List(_) | Value::Dict(_) | Value::Iterator(_) | Value::Cell(_) => false,
        Value::Tuple(t) => depth < 100 && t.items.iter().all(|x| hashable(x, depth + 1)),
        Value::Enum(e) => depth < 100 && e.payload.iter().all(|x| hashable(x, depth + 1)),
        _ => true,
    }
}

// String keys, the commonest, are compared and hashed without the general
// match (the same results: `equals` and `hash_value` treat them alike).
impl PartialEq for Key {
    /// Called by the dict's table for each entry of a probe chain whose
    /// hash tag matches. A false match is a wasted probe: it is charged to
    /// the step budget, so that keys crowding one chain (the hash is
    /// seeded, but a 32-bit string hash can still collide) make a run slow
    /// only in proportion to its step limit (issue 18 item 18).
    #[inline]
    fn eq(&self, other: &Key) -> bool {
        let same = if let (Value::Str(x), Value::Str(y)) = (&self.0, &other.0) {
            str_eq(x, y)
        } else {
            equals(&self.0, &other.0)
        };
        if !same {
            charge_wasted_probe(&self.0);
        }
        same
    }
}

/// Charge one wasted probe (a key compared and found different): a unit,
/// and for a string as long as the other's (whose bytes were compared) a
/// unit per 16 bytes.
#[cold]
#[inline(never)]
pub(super) fn charge_wasted_probe(key: &Value) {
    let bytes = match key {
        Value::Str(s) => s.text.len() as u64,
        _ => 0,
    };
    crate::limits::charge_units_later(1 + bytes / 16);
}

impl Eq for Key {}

impl Hash for Key {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        if let Value::Str(s) = &self.0 {
            state.write_u32(s.hash_code());
            return;
        }
        hash_value(&self.0, state, 0);
    }
}

/// The hash of a string's bytes, never 0 (which `Str::hash` keeps for "not
/// yet computed"). Any hash of the bytes alone would do: strings equal only
/// strings, so no other kind of value must hash alike. It is cached in the
/// string, so it is the same for every dict of the process: seeded once per
/// process, at random, so that no text collides predictably.
pub(super) fn text_hash(bytes: &[u8]) -> u32 {
    use std::hash::BuildHasher;
    static STATE: std::sync::OnceLock<foldhash::fast::RandomState> = std::sync::OnceLock::new();
    let h = STATE.get_or_init(Default::default).hash_one(bytes);
    ((h ^ (h >> 32)) as u32).max(1)
}

pub(super) fn hash_value<H: Hasher>(v: &Value, state: &mut H, depth: usize) {
    match v {
        Value::Nil => state.write_u8(0),
        Value::Bool(b) => state.write_u8(1 + *b as u8),
        Value::Int(i) => state.write_i64(*i),
        // Equal numbers hash alike: an integral float as the int it equals
        // (a big one as a big int), `-0.0` as `0`.
        Value::Float(f) => match float_to_i64(*f) {
            Some(i) if i as f64 == *f => state.write_i64(i),
            _ if f.is_finite() && f.fract() == 0.0 => match BigInt::from_f64(*f) {
                Some(b) => b.hash(state),
                None => state.write_u64(f.to_bits()),
            },
            _ => state.write_u64(f.to_bits()),
        },
        Value::BigInt(b) => b.hash(state),
        // Equal decimals hash alike whatever their scale; whole ones like ints.
        Value::Decimal(d) => {
            let mut units = d.units;
            let mut scale = d.scale;
            while scale > 0 && units % 10 == 0 {
                units /= 10;
                scale -= 1;
            }
            match (scale, i64::try_from(units)) {
                (0, Ok(i)) => state.write_i64(i),
                _ => {
                    state.write_i128(units);
                    state.write_u8(scale);
                }
            }
        }
        Value::Str(s) => state.write_u32(s.hash_code()),
        Value::Tuple(t) if depth < 100 => {
            state.write_u8(7);
            for x in t.items.iter() {
                hash_value(x, state, depth + 1);
            }
        }
        Value::Enum(e) if depth < 100 => {
            state.write_u16(e.tag);
            for x in e.payload.iter() {
                hash_value(x, state, depth + 1);
            }
        }
        Value::Range(r) => r.start.hash(state),
        Value::Error(e) => e.kind.hash(state),
        _ => state.write_u8(9),
    }
}
