//! What compiled code reads while it runs (`Context`) and the support
//! functions it calls (by address, lower.rs's `Support`) when it leaves.
//!
//! Compiled calls push no frame records: a compiled callee's frame exists
//! only in registers and in its slots of the value stack, its depth in a
//! register (lower.rs's `nested`). When compiled code exits, each compiled frame
//! records itself, innermost first (`jit_exit`, then `jit_exit_caller`
//! for each caller); the bridge (`Vm::jit_enter_top` in mod.rs) then
//! pushes those records, outermost first, above the frame it entered, so
//! the interpreter finds exactly the frames it would have made itself.
//!
//! The support functions receive the context as a raw pointer; the
//! bridge made it and uses nothing of the VM until the compiled code
//! returns, so these are the only accesses meanwhile. None of them touches
//! the value stack's buffer (compiled code holds pointers into it).

use super::deopt::{tag, Reason};
use super::semantics::Scalar;
use crate::interp::Vm;
use crate::value::{IterState, Value};

/// What compiled code reads and writes while it runs, at fixed offsets
/// (`#[repr(C)]`; lower.rs reads the fields through `offset_of!`).
#[repr(C)]
pub(crate) struct Context {
    pub(crate) vm: *mut Vm,
    /// The VM's step countdown (`Vm::countdown`).
    pub(crate) countdown: *mut u32,
    /// The depth (compiled calls in progress above the entered frame,
    /// lower.rs's `nested`) a compiled call may not reach: the call-depth
    /// limit less the frames below.
    pub(crate) depth_limit: u64,
    /// The end of the value stack's allocation: a callee's frame must fit
    /// below it (the stack cannot grow while compiled code runs).
    pub(crate) stack_end: u64,
    /// The machine stack address below which compiled calls are refused.
    pub(crate) native_floor: u64,
}

/// A compiled frame that left, for the bridge to push as an interpreter
/// frame.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ExitedFrame {
    pub(crate) func: u32,
    pub(crate) base: usize,
    pub(crate) ip: usize,
    /// Called as a closure (`Call`): the closure is in the slot below
    /// `base`, where the result goes.
    pub(crate) closure_call: bool,
}

/// The stack index of `slots`.
fn base_of(vm: &Vm, slots: *mut Value) -> usize {
    (slots as usize).wrapping_sub(vm.stack.as_ptr() as usize) / std::mem::size_of::<Value>()
}

/// The innermost compiled frame (function `func`, slot 0 at `slots`)
/// wrote its state back: the interpreter continues it at `ip` with
/// `depth` operand stack values. `nested`: a compiled call's frame
/// (recorded for the bridge to push), else the frame the bridge entered.
///
/// # Safety
/// `ctx` is the context of the bridge running the compiled code (see the
/// module comment), and `slots` points into its VM's value stack.
pub(crate) unsafe extern "C" fn jit_exit(
    ctx: *mut Context,
    func: u64,
    slots: *mut Value,
    ip: u64,
    depth: u64,
    reason: u64,
    nested: u64,
) {
    // SAFETY: the caller's promise: `ctx` and its VM are valid and not
    // otherwise accessed while this runs.
    let vm = unsafe { &mut *(*ctx).vm };
    let base = base_of(vm, slots);
    let size = vm
        .functions
        .get(func as usize)
        .map_or(0, |f| f.frame_size());
    let len = base + size + depth as usize;
    if nested == 0 {
        if let Some(frame) = vm.frames.last_mut() {
            frame.ip = ip as usize;
        }
    }
    if let Some(jit) = vm.jit.as_deref_mut() {
        if nested != 0 {
            jit.exited.push(ExitedFrame {
                func: func as u32,
                base,
                ip: ip as usize,
                closure_call: false,
            });
        }
        jit.record_exit(len, Reason::from_code(reason as i64));
    }
}

/// A compiled caller whose callee exited wrote its state back: the
/// interpreter continues it at `ip` (after the call) when the callee
/// returns. `closure_call`: the callee was called as a closure (its
/// record, the last one, says so).
///
/// # Safety
/// As for `jit_exit`.
pub(crate) unsafe extern "C" fn jit_exit_caller(
    ctx: *mut Context,
    func: u64,
    slots: *mut Value,
    ip: u64,
    nested: u64,
    closure_call: u64,
) {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
    if closure_call != 0 {
        if let Some(callee) = vm.jit.as_deref_mut().and_then(|j| j.exited.last_mut()) {
            callee.closure_call = true;
        }
    }
    if nested == 0 {
        if let Some(frame) = vm.frames.last_mut() {
            frame.ip = ip as usize;
        }
        return;
    }
    let base = base_of(vm, slots);
    if let Some(jit) = vm.jit.as_deref_mut() {
        jit.exited.push(ExitedFrame {
            func: func as u32,
            base,
            ip: ip as usize,
            closure_call: false,
        });
    }
}

// Heap access (heap.rs). Compiled code hands these the address of a frame
// slot holding the list or instance (borrowed: the slot keeps it alive, and
// compiled code never writes over a slot holding a heap value). Each does
// exactly what the interpreter's fast path does (interp/fast_collections.rs,
// fast_objects.rs), through `RefCell`'s checked borrows, or declines having
// changed nothing: the compiled code then exits and the interpreter runs
// the instruction itself (its error, its slower cases). None of them
// releases a heap value, so no `deinit` can run from here.

/// Returned by a read that declines.
pub(crate) const DECLINED: i64 = -1;

/// The tag (deopt.rs's `tag`) and register word of a scalar value.
fn scalar_parts(v: &Value) -> Option<(i64, u64)> {
    Some(match v {
        Value::Nil => (tag(Scalar::Nil), 0),
        Value::Bool(b) => (tag(Scalar::Bool), *b as u64),
        Value::Int(i) => (tag(Scalar::Int), *i as u64),
        Value::Float(f) => (tag(Scalar::Float), f.to_bits()),
        _ => return None,
    })
}

/// The scalar value of a tag (deopt.rs's `tag`) and a register word.
pub(super) fn scalar_value(t: u64, word: u64) -> Option<Value> {
    let t = t as i64;
    Some(if t == tag(Scalar::Nil) {
        Value::Nil
    } else if t == tag(Scalar::Bool) {
        Value::Bool(word & 1 != 0)
    } else if t == tag(Scalar::Int) {
        Value::Int(word as i64)
    } else if t == tag(Scalar::Float) {
        Value::Float(f64::from_bits(word))
    } else {
        return None;
    })
}

/// `items[index]` when `index` is in range and the item a scalar: its
/// tag, its word written to `out`.
pub(super) fn read_scalar(items: &[Value], index: i64, out: *mut u64) -> i64 {
    let Some((tag, word)) = usize::try_from(index)
        .ok()
        .and_then(|i| items.get(i))
        .and_then(scalar_parts)
    else {
        return DECLINED;
    };
    // SAFETY: `out` is the compiled code's stack slot (heap.rs), 16 bytes.
    unsafe { *out = word };
    tag
}

/// `items[index] = (tag, word)` over a scalar in range; false when
/// declined.
fn write_scalar(items: &mut [Value], index: i64, tag: u64, word: u64) -> bool {
    let (Some(item), Some(v)) = (
        usize::try_from(index).ok().and_then(|i| items.get_mut(i)),
        scalar_value(tag, word),
    ) else {
        return false;
    };
    if item.is_heap() {
        // Releasing it may run Limit code (`deinit`): the interpreter's.
        return false;
    }
    *item = v;
    true
}

/// `list[index]` (a list's element that is a scalar): its tag, its word in
/// `*out`; `DECLINED` otherwise.
///
/// # Safety
/// `list` points to a live value in the VM's stack; `out` to 8 writable
/// bytes.
pub(crate) unsafe extern "C" fn jit_element(list: *const Value, index: i64, out: *mut u64) -> i64 {
    // SAFETY: the caller's promise.
    let Value::List(l) = (unsafe { &*list }) else {
        return DECLINED;
    };
    let Ok(items) = l.items.try_borrow() else {
        return DECLINED;
    };
    read_scalar(&items, index, out)
}

/// `len(list)`; `DECLINED` when the list is borrowed mutably.
///
/// # Safety
/// `list` points to a live value in the VM's stack.
pub(crate) unsafe extern "C" fn jit_length(list: *const Value) -> i64 {
    // SAFETY: the caller's promise.
    let Value::List(l) = (unsafe { &*list }) else {
        return DECLINED;
    };
    match l.items.try_borrow() {
        Ok(items) => i64::try_from(items.len()).unwrap_or(DECLINED),
        Err(_) => DECLINED,
    }
}

/// The next element of the list iterator at `iter` when it is a scalar
/// with tag `expected`: the tag, its word in `out[0]` and its index in
/// `out[1]`, and the iterator advanced; `DECLINED`, changing nothing,
/// otherwise (the end of the list included).
///
/// # Safety
/// `iter` points to a live value in the VM's stack; `out` to 16 writable
/// bytes.
pub(crate) unsafe extern "C" fn jit_iter_next(
    iter: *const Value,
    expected: i64,
    out: *mut u64,
) -> i64 {
    // SAFETY: the caller's promise.
    let Value::Iterator(it) = (unsafe { &*iter }) else {
        return DECLINED;
    };
    let Ok(mut state) = it.try_borrow_mut() else {
        return DECLINED;
    };
    let IterState::List(list, next) = &mut *state else {
        return DECLINED;
    };
    let Ok(items) = list.items.try_borrow() else {
        return DECLINED;
    };
    let Ok(at) = i64::try_from(*next) else {
        return DECLINED;
    };
    if items.get(*next).and_then(scalar_parts).map(|(t, _)| t) != Some(expected) {
        return DECLINED;
    }
    let tag = read_scalar(&items, at, out);
    drop(items);
    // SAFETY: `out` is the compiled code's 16-byte stack slot (heap.rs).
    unsafe { *out.add(1) = at as u64 };
    *next += 1;
    tag
}

/// `list[index] = (tag, word)`: 1 when stored, 0 when declined.
///
/// # Safety
/// `list` points to a live value in the VM's stack.
pub(crate) unsafe extern "C" fn jit_set_element(
    list: *const Value,
    index: i64,
    tag: u64,
    word: u64,
) -> u64 {
    // SAFETY: the caller's promise.
    let Value::List(l) = (unsafe { &*list }) else {
        return 0;
    };
    let Ok(mut items) = l.items.try_borrow_mut() else {
        return 0;
    };
    write_scalar(&mut items, index, tag, word) as u64
}

/// Field `slot` of an instance, when a scalar: as `jit_element`.
///
/// # Safety
/// As for `jit_element`.
pub(crate) unsafe extern "C" fn jit_field(obj: *const Value, slot: u64, out: *mut u64) -> i64 {
    // SAFETY: the caller's promise.
    let Value::Instance(inst) = (unsafe { &*obj }) else {
        return DECLINED;
    };
    let Some(field) = usize::try_from(slot).ok().and_then(|i| inst.get(i)) else {
        return DECLINED;
    };
    read_scalar(std::slice::from_ref(&field), 0, out)
}

/// `obj.fields[slot] = (tag, word)` over a scalar: as `jit_set_element`.
///
/// # Safety
/// As for `jit_set_element`.
pub(crate) unsafe extern "C" fn jit_set_field(
    obj: *const Value,
    slot: u64,
    tag: u64,
    word: u64,
) -> u64 {
    // SAFETY: the caller's promise.
    let Value::Instance(inst) = (unsafe { &*obj }) else {
        return 0;
    };
    let (Some(field), Some(v)) = (
        usize::try_from(slot)
            .ok()
            .and_then(|i| inst.fields().get(i)),
        scalar_value(tag, word),
    ) else {
        return 0;
    };
    let old = field.replace(v);
    if old.is_heap() {
        // Releasing it may run Limit code (`deinit`): the interpreter's.
        field.replace(old).discard();
        return 0;
    }
    1
}

/// `list.push((tag, word))`, growing within the limits as `List::push`
/// does: 1 when pushed, 0 when declined (the interpreter then pushes, or
/// raises the limit's error).
///
/// # Safety
/// As for `jit_set_element`.
pub(crate) unsafe extern "C" fn jit_push(list: *const Value, tag: u64, word: u64) -> u64 {
    // SAFETY: the caller's promise.
    let (Value::List(l), Some(v)) = ((unsafe { &*list }), scalar_value(tag, word)) else {
        return 0;
    };
    let Ok(mut items) = l.items.try_borrow_mut() else {
        return 0;
    };
    if items.len() < items.capacity() {
        items.push(v);
        return 1;
    }
    if crate::value::reserve_slots(&mut items, 1).is_err() {
        return 0;
    }
    items.push(v);
    drop(items);
    l.recharge();
    1
}

/// `list.push(C(fields…))` for class `class` and the `n` scalar values at
/// `fields`, as the interpreter's `NewInstance` and `push` do: 1 when
/// pushed, 2 when pushed and the interpreter is to collect cycles now (its
/// dispatch loop would stop after the allocation: compiled code exits
/// after the push, and the bridge runs it), 0 when declined, changing
/// nothing (a heap limit, which the interpreter checks after every
/// allocation; a list borrowed or at its size limit).
///
/// # Safety
/// As for `jit_exit`; `list` points to a live value in the VM's stack and
/// `fields` to `n` initialised scalar values.
pub(crate) unsafe extern "C" fn jit_new_instance_push(
    ctx: *mut Context,
    list: *const Value,
    class: u64,
    fields: *const Value,
    n: u64,
) -> u64 {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
    if vm.options.limits.max_heap_bytes.is_some() {
        return 0;
    }
    // SAFETY: the caller's promise.
    let (Value::List(l), Some(class)) = ((unsafe { &*list }), vm.classes.get(class as usize))
    else {
        return 0;
    };
    let n = n as usize;
    if n > class.field_names.len() {
        return 0;
    }
    let Ok(mut items) = l.items.try_borrow_mut() else {
        return 0;
    };
    let grows = items.len() == items.capacity();
    if grows && crate::value::reserve_slots(&mut items, 1).is_err() {
        return 0;
    }
    // SAFETY: the caller's promise: `n` initialised scalars (copies: the
    // slots keep nothing to release).
    let values = (0..n).map(|i| unsafe { (*fields.add(i)).clone() });
    items.push(Value::instance(class.clone(), values));
    drop(items);
    if grows {
        l.recharge();
    }
    if vm.collection_due() {
        if let Some(jit) = vm.jit.as_deref_mut() {
            jit.collection_pending = true;
        }
        return 2;
    }
    1
}

/// `*slot =` the next element of the list iterator at `iter`, an instance
/// (one more reference), releasing the instance `*slot` held unless that
/// was its last reference, and advancing the iterator: 1 when done, 0
/// when declined, changing nothing (the end of the list, an element of
/// another kind, a `deinit` that would run).
///
/// # Safety
/// `iter` and `slot` point to live values in the VM's stack.
pub(crate) unsafe extern "C" fn jit_iter_next_into(iter: *const Value, slot: *mut Value) -> u64 {
    // SAFETY: the caller's promise.
    let (Value::Iterator(it), old) = (unsafe { &*iter }, unsafe { &*slot }) else {
        return 0;
    };
    match old {
        Value::Instance(held) if held.strong_count() > 1 => {}
        Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
        _ => return 0,
    }
    let Ok(mut state) = it.try_borrow_mut() else {
        return 0;
    };
    let IterState::List(list, next) = &mut *state else {
        return 0;
    };
    let Ok(items) = list.items.try_borrow() else {
        return 0;
    };
    let Some(element @ Value::Instance(_)) = items.get(*next) else {
        return 0;
    };
    let element = element.clone();
    drop(items);
    *next += 1;
    // SAFETY: the caller's promise; the old value is not the last
    // reference to anything (checked above), so dropping it runs no code.
    drop(std::mem::replace(unsafe { &mut *slot }, element));
    1
}

/// `NewList(n)` of the `n` values from `items` (moved out: scalars, and
/// values compiled code owned), the list written to `items[0]`, which then
/// owns it: 1, or 2 when the interpreter is to collect cycles now (compiled
/// code exits after the instruction).
///
/// # Safety
/// As for `jit_exit`; `items..items + n` are initialised values in operand
/// slots above the stack's length, logically moved out when this returns.
pub(crate) unsafe extern "C" fn jit_new_list(ctx: *mut Context, items: *mut Value, n: u64) -> u64 {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
    // SAFETY: the caller's promise: each read once, none dropped there.
    let values: Vec<Value> = (0..n as usize)
        .map(|i| unsafe { std::ptr::read(items.add(i)) })
        .collect();
    // SAFETY: the slot's value was moved out above.
    unsafe { std::ptr::write(items, Value::list(values)) };
    if vm.collection_due() {
        if let Some(jit) = vm.jit.as_deref_mut() {
            jit.collection_pending = true;
        }
        return 2;
    }
    1
}

/// `list[index]` when it is a list: a reference to it written to `*out`
/// (an operand slot whose old contents own nothing), 1; else 0.
///
/// # Safety
/// `list` points to a live value in the VM's stack; `out` to a slot above
/// the stack's length.
pub(crate) unsafe extern "C" fn jit_element_list(
    list: *const Value,
    index: i64,
    out: *mut Value,
) -> i64 {
    // SAFETY: the caller's promise.
    let Value::List(l) = (unsafe { &*list }) else {
        return 0;
    };
    let Ok(items) = l.items.try_borrow() else {
        return 0;
    };
    match usize::try_from(index).ok().and_then(|i| items.get(i)) {
        Some(element @ Value::List(_)) => {
            // SAFETY: the caller's promise: nothing to drop at `out`.
            unsafe { std::ptr::write(out, element.clone()) };
            1
        }
        _ => 0,
    }
}

/// Release the `n` values at `values` (copies of what compiled code owned
/// and lent to a callee), which run no Limit code when dropped (the
/// program has no `deinit`: the analysis's `releases_freely`).
///
/// # Safety
/// `values..values + n` are initialised values owned by the caller, not
/// used again.
pub(crate) unsafe extern "C" fn jit_release_values(values: *mut Value, n: u64) -> u64 {
    for i in 0..n as usize {
        // SAFETY: the caller's promise: each dropped once.
        unsafe { std::ptr::drop_in_place(values.add(i)) };
    }
    0
}

/// Make the borrowed copy of a heap value in `slot` an owned one (one
/// more reference): an exit hands the slot to the interpreter (heap.rs).
///
/// # Safety
/// `slot` points to an initialised value in the VM's stack.
pub(crate) unsafe extern "C" fn jit_retain(slot: *const Value) {
    // SAFETY: the caller's promise.
    std::mem::forget(unsafe { &*slot }.clone());
}

/// A step is due at a checkpoint (the countdown is at 1): 1 when the VM's
/// quiet checkpoint took the next chunk and compiled code goes on, 0 when
/// the checkpoint has more to do and compiled code must exit for the
/// interpreter to run it at the same instruction (`Vm::quiet_checkpoint`).
/// Without it, every 1 024 steps compiled code left for the interpreter,
/// which went on interpreting until its next backward jump: in a nested
/// loop, often the rest of the inner loop.
///
/// # Safety
/// As for `jit_exit`.
pub(crate) unsafe extern "C" fn jit_checkpoint(ctx: *mut Context) -> u64 {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
    vm.quiet_checkpoint() as u64
}
