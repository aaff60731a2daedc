//! The support functions compiled code calls for closures (closures.rs
//! lowers the instructions that call them): making a cell and a closure,
//! reading and writing a capture, and the two places compiled code
//! releases what it owns, a local's old closure and a returning frame's
//! cells. Each does what the interpreter's instruction does or declines
//! having changed nothing (compiled code then exits, and the interpreter
//! runs the instruction); a release declines where it could run Limit
//! code (a `deinit`).

use std::rc::Rc;

use super::runtime::{read_scalar, scalar_value, Context, DECLINED};
use crate::value::Value;

/// `MakeCell`: the scalar in `*slot` moved into a new cell, which the slot
/// then holds.
///
/// # Safety
/// `slot` points to an initialised scalar value in the VM's stack (compiled
/// code wrote it there).
pub(crate) unsafe extern "C" fn jit_make_cell(slot: *mut Value) {
    // SAFETY: the caller's promise; a scalar owns nothing, so reading it
    // out and writing over it neither leaks nor frees.
    unsafe {
        let v = std::ptr::read(slot);
        std::ptr::write(slot, Value::Cell(Value::new_cell(v)));
    }
}

/// `Closure(func)` in the frame whose locals start at `locals` (`live` of
/// them): the closure written to `*out` (an operand slot above the stack's
/// length, which then owns it). 1 when made, 2 when made and the
/// interpreter is to collect cycles now (compiled code exits after the
/// instruction, as for `jit_new_instance_push`), 0 when declined.
///
/// # Safety
/// As for `runtime::jit_exit`; `locals..locals + live` are initialised
/// values (the captured ones written back by compiled code); `out` points
/// to a slot whose old contents own nothing.
pub(crate) unsafe extern "C" fn jit_make_closure(
    ctx: *mut Context,
    func: u64,
    locals: *mut Value,
    live: u64,
    out: *mut Value,
) -> u64 {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
    let Ok(func) = u32::try_from(func) else {
        return 0;
    };
    // SAFETY: the caller's promise.
    let Some(closure) = (unsafe { vm.closure_from_locals(func, locals, live as usize) }) else {
        return 0;
    };
    // SAFETY: the caller's promise: nothing to drop at `out`.
    unsafe { std::ptr::write(out, closure) };
    if vm.collection_due() {
        if let Some(jit) = vm.jit.as_deref_mut() {
            jit.collection_pending = true;
        }
        return 2;
    }
    1
}

/// `GetUpvalue(i)` of the closure at `closure` when the capture (or the
/// value its cell holds) is a scalar: its tag, its word in `*out`;
/// `DECLINED` otherwise.
///
/// # Safety
/// `closure` points to a live value in the VM's stack; `out` to 8
/// writable bytes.
pub(crate) unsafe extern "C" fn jit_upvalue(closure: *const Value, i: u64, out: *mut u64) -> i64 {
    // SAFETY: the caller's promise.
    let Value::Function(c) = (unsafe { &*closure }) else {
        return DECLINED;
    };
    match c.captures.get(i as usize) {
        Some(Value::Cell(cell)) => match cell.try_borrow() {
            Ok(held) => read_scalar(std::slice::from_ref(&*held), 0, out),
            Err(_) => DECLINED,
        },
        Some(v) => read_scalar(std::slice::from_ref(v), 0, out),
        None => DECLINED,
    }
}

/// `SetUpvalue(i)` of the closure at `closure` to the scalar `(tag, word)`
/// when the capture is a cell holding a scalar (nothing to release): 1
/// when stored, 0 when declined.
///
/// # Safety
/// As for `jit_upvalue`.
pub(crate) unsafe extern "C" fn jit_set_upvalue(
    closure: *const Value,
    i: u64,
    tag: u64,
    word: u64,
) -> u64 {
    // SAFETY: the caller's promise.
    let (Value::Function(c), Some(v)) = ((unsafe { &*closure }), scalar_value(tag, word)) else {
        return 0;
    };
    let Some(Value::Cell(cell)) = c.captures.get(i as usize) else {
        return 0;
    };
    match cell.try_borrow() {
        Ok(held) if !held.is_heap() => {}
        _ => return 0,
    }
    cell.try_replace(v).is_ok() as u64
}

/// Whether dropping `v` runs no Limit code: a scalar, or a value that is
/// not the last reference, or any value in a program without `deinit`.
fn releasable(v: &Value, has_deinit: bool) -> bool {
    if !v.is_heap() || !has_deinit {
        return true;
    }
    match v {
        Value::Function(c) => Rc::strong_count(c) > 1,
        Value::List(l) => Rc::strong_count(l) > 1,
        Value::Cell(c) => Rc::strong_count(c) > 1 || c.try_borrow().is_ok_and(|v| !v.is_heap()),
        _ => false,
    }
}

/// `SetLocal` of the closure or list compiled code owns at `new` into the
/// local at `slot` (a frame the interpreter owns): the old value released,
/// the new one moved in. 1 when done, 0 when declined (the release could run
/// Limit code), changing nothing.
///
/// # Safety
/// As for `runtime::jit_exit`; `slot` points to an initialised local of
/// the frame the bridge entered and `new` to an operand slot holding a
/// value compiled code owns, logically moved out when this returns 1.
pub(crate) unsafe extern "C" fn jit_store_owned(
    ctx: *mut Context,
    slot: *mut Value,
    new: *const Value,
) -> u64 {
    // SAFETY: as for `jit_exit`; `has_deinit` reads a flag only.
    let has_deinit = unsafe { &*(*ctx).vm }.has_deinit();
    // SAFETY: the caller's promise.
    if !releasable(unsafe { &*slot }, has_deinit) {
        return 0;
    }
    // SAFETY: the caller's promise: the closure moves from `new` (whose
    // slot nothing drops) into `slot`, whose old value is dropped here,
    // running no Limit code (checked above).
    unsafe {
        let owned = std::ptr::read(new);
        drop(std::ptr::replace(slot, owned));
    }
    1
}

/// A compiled callee returns: the cells it made (locals `s` for each bit
/// `s` of `mask`, slots from `slots`) released. 1 when done, 0 when one
/// of them could run Limit code, releasing none.
///
/// # Safety
/// As for `runtime::jit_exit`; each such slot holds a cell the compiled
/// frame owns, above the stack's length (nothing else drops it).
pub(crate) unsafe extern "C" fn jit_release_cells(
    ctx: *mut Context,
    slots: *mut Value,
    mask: u64,
) -> u64 {
    // SAFETY: as for `jit_exit`; `has_deinit` reads a flag only.
    let has_deinit = unsafe { &*(*ctx).vm }.has_deinit();
    // The set bits of `mask`, lowest first.
    let cells = std::iter::successors(Some(mask), |m| Some(m & m.wrapping_sub(1)))
        .take_while(|m| *m != 0)
        .map(|m| m.trailing_zeros() as usize);
    let all_releasable = cells.clone().all(|s| {
        // SAFETY: the caller's promise: slot `s` holds a live cell.
        let v = unsafe { &*slots.add(s) };
        releasable(v, has_deinit)
    });
    if !all_releasable {
        return 0;
    }
    for s in cells {
        // SAFETY: released once; the slot is left holding nil.
        unsafe { drop(std::ptr::replace(slots.add(s), Value::Nil)) };
    }
    1
}
