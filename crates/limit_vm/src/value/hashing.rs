//! Dict keys: which values may be keys, and their hashing.

use super::*;
use std::cell::Cell;

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
    /// hash tag matches. A false match whose bytes were compared (string
    /// keys whose 32-bit hashes collide) is a wasted probe charged to the
    /// step budget, so that keys crowding one chain make a run slow only in
    /// proportion to its step limit (issue 18 item 18); other false
    /// matches cost a few instructions and are not charged
    /// (`may_be_equal`).
    ///
    /// A string key, the commonest, is compared in a few instructions
    /// (the same string, then lengths and cached hashes, then the bytes:
    /// `str_eq`); other keys call `equals` out of line. (Forcing this into
    /// the probe loop made LLVM outline the loop's key test and the
    /// hashing instead, dearer in an LTO build.)
    #[inline]
    fn eq(&self, other: &Key) -> bool {
        if let (Value::Str(x), Value::Str(y)) = (&self.0, &other.0) {
            if str_eq(x, y) {
                return true;
            }
            // Charged only when `str_eq` compared the two strings' bytes.
            if may_be_equal(x, y) {
                charge_wasted_probe(&self.0);
            }
            return false;
        }
        other_keys_equal(&self.0, &other.0)
    }
}

// Only a probe that compared two different strings' bytes is charged
// (`may_be_equal`: the same length, and hashes that do not tell them
// apart). Which keys a lookup compares at all depends on the hash seed,
// which is random per process: charged for every key compared, the same
// program with the same step limit stopped at different places from one
// run to the next (and the dispatch loop's fast paths, which compare
// before declining, stopped elsewhere than the generic step). Two different
// texts compare their bytes only when their 32-bit hashes collide, which no
// program can arrange without the seed, or when one was never hashed, which
// depends on the program alone (a one-entry dict compares its key without
// hashing the one looked up).

/// `equals` for keys that are not both strings, out of the probe loop.
#[inline(never)]
fn other_keys_equal(a: &Value, b: &Value) -> bool {
    equals(a, b)
}

/// Charge one wasted probe (a string key whose bytes were compared with
/// another's and found different, `may_be_equal`): a unit, and a unit
/// per 16 bytes. Held back while a fast path looks up
/// ([`hold_probe_charges`]).
#[cold]
#[inline(never)]
pub(super) fn charge_wasted_probe(key: &Value) {
    let bytes = match key {
        Value::Str(s) => s.text.len() as u64,
        _ => 0,
    };
    let units = 1 + bytes / 16;
    let held = HELD_PROBE_UNITS.with(Cell::get);
    if held != NOT_HOLDING {
        HELD_PROBE_UNITS.with(|h| h.set(held.saturating_add(units).min(NOT_HOLDING - 1)));
        return;
    }
    crate::limits::charge_units_later(units);
}

/// `HELD_PROBE_UNITS` when no fast path holds probe charges back.
const NOT_HOLDING: u64 = u64::MAX;

thread_local! {
    /// The units of wasted probes made by the lookup of a fast path in the
    /// dispatch loop (interp/fast_collections.rs), not yet charged.
    static HELD_PROBE_UNITS: Cell<u64> = const { Cell::new(NOT_HOLDING) };
}

/// Hold back the charges of wasted probes until [`settle_probe_charges`].
///
/// A fast path that looks a key up may decline (a key missing, a value it
/// does not handle) and leave the instruction to the slow path, which
/// looks the same key up again. Charged both times, the probes cost more
/// in the interpreter's dispatch loop than in the generic step that runs
/// after compiled code leaves, and a step limit struck at different places
/// with and without the JIT (found by the `run` fuzz target).
#[inline(always)]
pub(crate) fn hold_probe_charges() {
    HELD_PROBE_UNITS.with(|h| h.set(0));
}

/// Charge the probes held back since [`hold_probe_charges`] when the fast
/// path `went_on` with the instruction; drop them when it declined (the
/// slow path charges its own lookup).
#[inline(always)]
pub(crate) fn settle_probe_charges(went_on: bool) {
    let held = HELD_PROBE_UNITS.with(|h| h.replace(NOT_HOLDING));
    if went_on && held != 0 && held != NOT_HOLDING {
        crate::limits::charge_units_later(held);
    }
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
///
/// A text of up to 16 bytes (nearly every key) is read as two overlapping
/// words, which with its length determine it, and mixed with the seeds in
/// one 128-bit multiply (foldhash's short-input step, without the hashing
/// of the length and the finishing round that `Hash for [u8]` adds); the
/// length enters multiplied by a seed, so that no two texts of different
/// lengths collide whatever the seeds. Longer texts are foldhash's. Out
/// of line: a string is hashed once, and inlined here the code made the
/// dict's hashing of the cached value an out-of-line call.
#[inline(never)]
pub(super) fn text_hash(bytes: &[u8]) -> u32 {
    let seeds = text_seeds();
    let n = bytes.len();
    let h = if n <= 16 {
        let (a, b) = short_words(bytes);
        let b = b ^ (n as u64).wrapping_mul(seeds.length);
        folded_multiply(a ^ seeds.first, b ^ seeds.second)
    } else {
        use std::hash::BuildHasher;
        seeds.long.hash_one(bytes)
    };
    ((h ^ (h >> 32)) as u32).max(1)
}

/// The seeds of `text_hash`, drawn once per process.
struct TextSeeds {
    first: u64,
    second: u64,
    length: u64,
    long: foldhash::fast::RandomState,
}

#[inline]
fn text_seeds() -> &'static TextSeeds {
    static SEEDS: std::sync::OnceLock<TextSeeds> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        use std::hash::BuildHasher;
        let random = foldhash::fast::RandomState::default();
        TextSeeds {
            first: random.hash_one(1u8),
            second: random.hash_one(2u8),
            // Odd: the length's multiple differs for every length.
            length: random.hash_one(3u8) | 1,
            long: random,
        }
    })
}

/// A text of at most 16 bytes as two words covering it: its first and
/// last 8 bytes (overlapping when shorter than 16), or 4, or for 1 to 3
/// bytes the first, middle and last bytes; zeros for the empty text.
#[inline(always)]
fn short_words(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    let word = |w: Option<&[u8; 8]>| w.map_or(0, |w| u64::from_le_bytes(*w));
    let half = |w: Option<&[u8; 4]>| w.map_or(0, |w| u64::from(u32::from_le_bytes(*w)));
    if n >= 8 {
        (word(s.first_chunk()), word(s.last_chunk()))
    } else if n >= 4 {
        (half(s.first_chunk()), half(s.last_chunk()))
    } else if n > 0 {
        let edges = u64::from(s[0]) | u64::from(s[n - 1]) << 8;
        (edges, u64::from(s[n / 2]))
    } else {
        (0, 0)
    }
}

/// The high and low halves of the 128-bit product, folded together.
#[inline(always)]
fn folded_multiply(x: u64, y: u64) -> u64 {
    let full = u128::from(x) * u128::from(y);
    (full as u64) ^ ((full >> 64) as u64)
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
