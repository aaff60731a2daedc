//! The primitives of the dispatch loop's stack segment (dispatch.rs):
//! copying, moving and releasing values in slots the loop owns, as raw
//! words where a 16-byte reload would stall.

use std::mem::MaybeUninit;

use crate::value::{Key, Value};

/// Copy the value at `src` into the uninitialised slot `dst`. Scalars are
/// copied as two 8-byte words: a 16-byte load of a value whose payload an
/// 8-byte store just wrote cannot be forwarded from that store and stalls.
///
/// # Safety
/// `src` must point to an initialised value and `dst` to writable memory
/// for one value that holds nothing to drop.
#[inline(always)]
pub(super) unsafe fn copy_to(dst: *mut Value, src: *const Value) {
    // SAFETY: the `# Safety` condition on both pointers, established by
    // the dispatch loop's `copy_value!` primitive (dispatch.rs, which
    // keeps them in `stk..sp`); a scalar owns nothing, so a bitwise copy
    // of it is a valid second value (`MaybeUninit` words carry the padding
    // without reading it as integers).
    unsafe {
        if (*src).is_heap() {
            match &*src {
                Value::Instance(rc) => std::ptr::write(dst, Value::Instance(rc.clone())),
                Value::Function(rc) => std::ptr::write(dst, Value::Function(rc.clone())),
                Value::List(rc) => std::ptr::write(dst, Value::List(rc.clone())),
                other => std::ptr::write(dst, other.clone()),
            }
        } else {
            let (s, d) = (src as *const MaybeUninit<u64>, dst as *mut MaybeUninit<u64>);
            d.write(s.read());
            d.add(1).write(s.add(1).read());
        }
    }
}

/// Move the value at `src` to the uninitialised slot `dst` as two 8-byte
/// words (see `copy_to`); `src` is left logically uninitialised.
///
/// # Safety
/// `src` must point to an initialised value that is not used again, and
/// `dst` to writable memory for one value that holds nothing to drop.
#[inline(always)]
pub(super) unsafe fn move_to(dst: *mut Value, src: *const Value) {
    // SAFETY: the `# Safety` condition, established by the dispatch
    // loop's `move_value!` primitive (dispatch.rs); a move is a bitwise copy
    // whose source is not used again.
    unsafe {
        let (s, d) = (src as *const MaybeUninit<u64>, dst as *mut MaybeUninit<u64>);
        d.write(s.read());
        d.add(1).write(s.add(1).read());
    }
}

/// Copy the scalar at `src` over the scalar at `dst` field by field: a
/// 16-byte load of a value whose payload was just stored by an 8-byte
/// write cannot be forwarded from the store and stalls.
///
/// # Safety
/// Both must point to initialised scalars (nothing to drop).
#[inline(always)]
pub(super) unsafe fn store_scalar(dst: *mut Value, src: *const Value) {
    // SAFETY: the `# Safety` condition, established by the dispatch loop's
    // `store_scalar_value!` primitive (dispatch.rs) or by `store_item`'s own
    // `is_heap` check; a scalar owns nothing, so overwriting one drops
    // nothing.
    unsafe {
        match (&mut *dst, &*src) {
            (Value::Int(d), Value::Int(s)) => *d = *s,
            (Value::Float(d), Value::Float(s)) => *d = *s,
            (_, s) => std::ptr::write(dst, s.fast_clone()),
        }
    }
}

/// Drop the value at `p` in place, with the reference-count decrement of
/// the commonest heap values inlined; the slot is then uninitialised.
///
/// # Safety
/// `p` must point to an initialised value that is not used again.
#[inline(always)]
pub(super) unsafe fn release(p: *mut Value) {
    // SAFETY: the `# Safety` condition on `p`, established by the dispatch
    // loop's `release_value!` primitive (dispatch.rs) or `build_string`'s own
    // contract; each arm drops exactly the value's one owned part, in
    // place.
    unsafe {
        match &mut *p {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Native(_) => {}
            Value::Instance(rc) => std::ptr::drop_in_place(rc),
            Value::Function(rc) => std::ptr::drop_in_place(rc),
            Value::List(rc) => std::ptr::drop_in_place(rc),
            _ => std::ptr::drop_in_place(p),
        }
    }
}

/// `BuildString` over the `n` values from `first` when all are scalars or
/// strings, releasing them; `None` (changing nothing) for other pieces or
/// when the text would pass the string-length limit (`run_loop` then
/// raises the error). Out of line: `run_fast` keeps its registers for the
/// instructions that run in every loop.
///
/// # Safety
/// `first..first + n` must be initialised values the caller owns; when
/// this returns `Some`, they are uninitialised.
#[inline(never)]
pub(super) unsafe fn build_string(first: *mut Value, n: usize) -> Option<Value> {
    // SAFETY: the `# Safety` condition on the `n` values, established by
    // the dispatch loop's `fast_helper!` (dispatch.rs).
    let pieces = unsafe { std::slice::from_raw_parts(first, n) };
    // Scalars and strings only: writing them does nothing but make the
    // text (no work charged), so a string declined below can be made
    // again by `run_loop`, and releasing them runs no `deinit`.
    let plain = |v: &Value| {
        matches!(
            v,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Nil
        )
    };
    if !pieces.iter().all(plain) {
        return None;
    }
    let text = crate::value::interpolate(pieces).ok()?;
    for i in 0..n {
        // SAFETY: each piece is released once and not used again.
        unsafe { release(first.add(i)) };
    }
    Some(text)
}

/// A dict key for looking `key` up, sharing its heap value without
/// counting a reference (the wrapper is never dropped).
///
/// # Safety
/// `key` must outlive the returned wrapper's use.
#[inline(always)]
pub(super) unsafe fn borrowed_key(key: &Value) -> std::mem::ManuallyDrop<Key> {
    // SAFETY: a bitwise copy that is never dropped leaves the reference
    // count untouched; the caller keeps the original alive meanwhile.
    std::mem::ManuallyDrop::new(Key(unsafe { std::ptr::read(key) }))
}
