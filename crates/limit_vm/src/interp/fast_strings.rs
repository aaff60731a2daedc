//! The dispatch loop's fast paths over strings (dispatch.rs): `s = s + t`
//! on two locals and the string methods that answer a bool. Each declines
//! (`false` or `None`) having changed nothing, and the loop leaves the
//! instruction to `Vm::step`, which raises whatever error it meets. Out of
//! line: the loop keeps its registers for the instructions that run in
//! every loop.

use super::slots::release;
use crate::runtime::methods::Method;
use crate::runtime::strings;
use crate::value::{append_to_string, check_concat, interpolate_over, store_checked, Value};

/// `*x = *x + *y` for two strings (`AddAssignLocal`), appending in place
/// when `*x` holds the only reference to its string; false, changing
/// nothing, for other operands or past a limit.
///
/// # Safety
/// `x` and `y` must point to two different initialised slots of the
/// segment that nothing else reads or writes meanwhile.
#[inline(never)]
pub(super) unsafe fn append_local(x: *mut Value, y: *const Value) -> bool {
    debug_assert_ne!(x.cast_const(), y);
    // SAFETY: the `# Safety` condition, established by the dispatch loop
    // (`slot!` for both, `x != y` checked there): two distinct live slots,
    // so the mutable and the shared reference do not overlap.
    let (target, tail) = unsafe { (&mut *x, &*y) };
    let (Value::Str(target), Value::Str(tail)) = (target, tail) else {
        return false;
    };
    // On an error nothing has changed but the work meter, which a failed
    // charge leaves empty with the error pending: `Vm::step` then raises
    // that same error from its first check.
    append_to_string(target, tail).is_ok()
}

/// `*z = *x + *y` for two strings (`AddStore`, `s = s + t`: `*x` is
/// usually a copy of `*z`), appending in place when `*z` and `*x` are the
/// string's only references; `*z` must hold a string or a scalar, whose
/// release runs no code. False, changing nothing, for other operands or
/// past a limit (see `append_local`); when true, `*x` and `*y` are
/// logically uninitialised.
///
/// # Safety
/// `z`, `x` and `y` must point to three different initialised slots of
/// the segment that nothing else reads or writes meanwhile.
#[inline(never)]
pub(super) unsafe fn store_concat(z: *mut Value, x: *mut Value, y: *mut Value) -> bool {
    // SAFETY: the `# Safety` condition, established by the dispatch loop
    // (`slot!` and `need!`, with `z` below `x`): three distinct live
    // slots.
    let (slot, left, right) = unsafe { (&mut *z, &*x, &*y) };
    let (Value::Str(_) | Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_)) = slot
    else {
        return false;
    };
    let (Value::Str(left), Value::Str(right)) = (left, right) else {
        return false;
    };
    if check_concat(left, right).is_err() {
        return false;
    }
    let (left, right) = (left.clone(), right.clone());
    // SAFETY: both are initialised and not used again by the caller; their
    // strings live on in `left` and `right` (so the count of `left`'s
    // references is what it was).
    unsafe {
        std::ptr::drop_in_place(x);
        std::ptr::drop_in_place(y);
    }
    store_checked(slot, left, &right);
    true
}

/// `BuildString(n)` whose string the next instruction stores into `*z`
/// (`var label = "item-{i}"` in a loop): when `*z` holds the only
/// reference to a string of the new text's length, the text is written
/// over it and the `n` pieces from `first` are released; false, changing
/// nothing, otherwise (`value::interpolate_over`).
///
/// # Safety
/// `z` must point to an initialised slot below `first`, and
/// `first..first + n` to initialised values the caller owns; when this
/// returns true, those `n` are uninitialised.
#[inline(never)]
pub(super) unsafe fn build_string_over(z: *mut Value, first: *mut Value, n: usize) -> bool {
    // SAFETY: the `# Safety` condition, established by the dispatch loop
    // (`slot!` for `z`, `need!` for the pieces, `z < first` checked
    // there): the slot is not one of the pieces.
    let (slot, pieces) = unsafe { (&mut *z, std::slice::from_raw_parts(first, n)) };
    let Value::Str(target) = slot else {
        return false;
    };
    if !interpolate_over(target, pieces) {
        return false;
    }
    for i in 0..n {
        let piece = first.wrapping_add(i);
        // SAFETY: each piece (a string or a scalar, as `interpolate_over`
        // accepted them: releasing one runs no code) is released once and
        // not used again. A string's count is dropped inline (the general
        // release calls out for strings).
        unsafe {
            match &mut *piece {
                Value::Str(s) => std::ptr::drop_in_place(s),
                _ => release(piece),
            }
        }
    }
    true
}

/// `Invoke` of method `m` on the string at `recv` with one argument at
/// `recv + 1`, for a method answering a bool (see `bool_method`): the
/// result replaces the receiver and both are released (strings: no code
/// runs). False, changing nothing, for anything else.
///
/// # Safety
/// `recv` and `recv + 1` must be initialised values of the segment the
/// caller owns; when this returns true, `recv + 1` is uninitialised.
#[inline(never)]
pub(super) unsafe fn bool_method_at(recv: *mut Value, m: Option<Method>) -> bool {
    let arg = recv.wrapping_add(1);
    // SAFETY: the `# Safety` condition (the dispatch loop's `need!` for
    // the receiver and its one argument).
    let (r, a) = unsafe { (&*recv, &*arg) };
    let Some(result) = m.and_then(|m| bool_method(m, r, a)) else {
        return false;
    };
    // SAFETY: as above; both are released once, and the receiver's slot
    // then takes the result.
    unsafe {
        std::ptr::drop_in_place(arg);
        std::ptr::drop_in_place(recv);
        std::ptr::write(recv, Value::Bool(result));
    }
    true
}

/// `recv.m(arg)` for a string method answering a bool from one string
/// argument (`contains`, `starts_with`, `ends_with`), with the general
/// path's work charge; `None` for anything else, or when the charge
/// passes the step limit.
#[inline]
fn bool_method(m: Method, recv: &Value, arg: &Value) -> Option<bool> {
    let (Value::Str(s), Value::Str(needle)) = (recv, arg) else {
        return None;
    };
    let (text, needle) = (&*s.text, &*needle.text);
    match m {
        Method::Contains => {
            // As `strings::method` charges a scan. A failed charge leaves
            // the error pending (see `append_local`), and `Vm::step`
            // raises it.
            let units = strings::scan_units(text);
            if units > 0 {
                crate::limits::charge_units(units).ok()?;
            }
            Some(strings::contains(text, needle))
        }
        Method::StartsWith => Some(text.starts_with(needle)),
        Method::EndsWith => Some(text.ends_with(needle)),
        _ => None,
    }
}
