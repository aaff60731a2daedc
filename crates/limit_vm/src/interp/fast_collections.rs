//! The dispatch loop's fast paths over collections (dispatch.rs): element
//! reads and stores, a list's push and length, a dict's `get_or` and
//! `d[k] = d.get_or(k, 0) + x`, a list
//! iterator's next element. Each declines (`None` or `false`) having
//! changed nothing, and the loop leaves the instruction to `Vm::step`.
//! They are inlined into the loop: its registers stay as they were.

use super::slots::{borrowed_key, store_scalar};
use crate::value::{hold_probe_charges, settle_probe_charges, Dict, IterState, List, Value};

/// `c[i]` for a list and an int index in range, borrowed without counting
/// a borrow (`try_borrow_unguarded` still fails while the list is borrowed
/// mutably).
///
/// # Safety
/// The caller copies the element out before anything can change the list.
#[inline(always)]
pub(super) unsafe fn list_item<'a>(c: &'a Value, i: &Value) -> Option<&'a Value> {
    match (c, i) {
        (Value::List(l), Value::Int(i)) if *i >= 0 => {
            // SAFETY: this function's `# Safety` condition,
            // established by its caller, the dispatch loop's `fast_helper!`
            // (segment.rs).
            let items = unsafe { l.items.try_borrow_unguarded() }.ok()?;
            items.get(*i as usize)
        }
        _ => None,
    }
}

/// `c[i]` for a list (as `list_item`) or a dict with a string key that is
/// present, borrowed the same way.
///
/// # Safety
/// As for `list_item`.
#[inline(always)]
pub(super) unsafe fn item<'a>(c: &'a Value, i: &Value) -> Option<&'a Value> {
    match (c, i) {
        (Value::Dict(d), key @ Value::Str(_)) => {
            // SAFETY: this function's `# Safety` condition,
            // established by its caller, the dispatch loop's `fast_helper!`
            // (segment.rs).
            let map = unsafe { d.map.try_borrow_unguarded() }.ok()?;
            // SAFETY: the key outlives the lookup.
            let key = unsafe { borrowed_key(key) };
            hold_probe_charges();
            let found = map.get(&*key);
            settle_probe_charges(found.is_some());
            found
        }
        // SAFETY: this function's `# Safety` condition,
        // established by its caller, the dispatch loop's `fast_helper!`
        // (segment.rs).
        _ => unsafe { list_item(c, i) },
    }
}

/// `c[i] = *v` for a scalar `*v` replacing a scalar: a list element in
/// range or the value of a dict's present string key (adding a key, with
/// its heap accounting, is `Dict::insert`'s). False when declined.
///
/// # Safety
/// `v` must point to an initialised scalar the caller then drops.
#[inline(always)]
pub(super) unsafe fn store_item(c: &Value, i: &Value, v: *const Value) -> bool {
    match (c, i) {
        (Value::List(l), Value::Int(i)) if *i >= 0 => {
            let Ok(mut items) = l.items.try_borrow_mut() else {
                return false;
            };
            match items.get_mut(*i as usize) {
                // SAFETY: both are scalars (the caller's promise, and
                // checked here).
                Some(item) if !item.is_heap() => unsafe { store_scalar(item, v) },
                _ => return false,
            }
        }
        (Value::Dict(d), key @ Value::Str(_)) => {
            let Ok(mut map) = d.map.try_borrow_mut() else {
                return false;
            };
            hold_probe_charges();
            // SAFETY: the key outlives the lookup.
            let stored = match map.get_mut(unsafe { &*borrowed_key(key) }) {
                Some(item) if !item.is_heap() => {
                    // SAFETY: as for the list.
                    unsafe { store_scalar(item, v) };
                    true
                }
                _ => false,
            };
            settle_probe_charges(stored);
            return stored;
        }
        _ => return false,
    }
    true
}

/// `l.push(*v)`: a heap value moves in while the list has room (growing is
/// `List::push`'s, with the limits); a scalar is copied in. False when
/// declined, `*v` untouched.
///
/// # Safety
/// `v` must point to an initialised value; when this returns true it is
/// logically uninitialised if it was a heap value.
#[inline(always)]
pub(super) unsafe fn push_onto(l: &List, v: *const Value) -> bool {
    // SAFETY: this function's `# Safety` condition on `v`,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs).
    let value = unsafe { &*v };
    if value.is_heap() {
        let Ok(mut items) = l.items.try_borrow_mut() else {
            return false;
        };
        if items.len() == items.capacity() {
            return false;
        }
        // SAFETY: the value moves into the list; the caller does not
        // use `*v` again.
        items.push(unsafe { std::ptr::read(v) });
        true
    } else {
        l.push(value.fast_clone()).is_ok()
    }
}

/// `d.get_or(key, …)` for a string or int key: `Some(Some(v))` with the
/// key's value, `Some(None)` when the key is missing (the default is the
/// result), `None` to decline.
///
/// # Safety
/// Nothing may change the dict meanwhile (it is read without counting a
/// borrow).
#[inline(always)]
pub(super) unsafe fn get_or(d: &Dict, key: &Value) -> Option<Option<Value>> {
    if !matches!(key, Value::Str(_) | Value::Int(_)) {
        return None;
    }
    // SAFETY: this function's `# Safety` condition,
    // established by its caller, the dispatch loop's `fast_helper!`
    // (segment.rs).
    let map = unsafe { d.map.try_borrow_unguarded() }.ok()?;
    // SAFETY: the key outlives the lookup.
    let key = unsafe { borrowed_key(key) };
    Some(map.get(&*key).map(Value::fast_clone))
}

/// `d[k] = d.get_or(k, default) + x` (`AddToEntryLocals`) for a dict
/// holding an int at the string or int key `k`, and an int `x`, when the
/// sum does not overflow: the entry is updated in place, after one
/// lookup. False, changing nothing, otherwise (a missing key, whose
/// insertion is `Dict::insert`'s, with the limits).
#[inline(always)]
pub(super) fn add_to_entry(c: &Value, k: &Value, x: &Value) -> bool {
    let (Value::Dict(d), Value::Str(_) | Value::Int(_), Value::Int(x)) = (c, k, x) else {
        return false;
    };
    let Ok(mut map) = d.map.try_borrow_mut() else {
        return false;
    };
    // SAFETY: the key outlives the lookup.
    let key = unsafe { borrowed_key(k) };
    hold_probe_charges();
    let added = match map.get_mut(&*key) {
        Some(Value::Int(v)) => match v.checked_add(*x) {
            Some(sum) => {
                *v = sum;
                true
            }
            None => false,
        },
        _ => false,
    };
    settle_probe_charges(added);
    added
}

/// `len(v)` for a string or a list (an instance's `len()` method, a
/// tuple's, a dict's … are `step`'s).
#[inline(always)]
pub(super) fn length(v: &Value) -> Option<i64> {
    match v {
        Value::Str(t) => Some(t.char_len() as i64),
        Value::List(l) => Some(l.items.try_borrow().ok()?.len() as i64),
        _ => None,
    }
}

/// The next element of a list iterator, advancing it; `None` at the end
/// and for every other kind of iterator (`step`'s).
#[inline(always)]
pub(super) fn next_list_item(it: &Value) -> Option<Value> {
    let Value::Iterator(it) = it else {
        return None;
    };
    let mut state = it.try_borrow_mut().ok()?;
    let IterState::List(l, i) = &mut *state else {
        return None;
    };
    let v = l.items.try_borrow().ok()?.get(*i)?.fast_clone();
    *i += 1;
    Some(v)
}
