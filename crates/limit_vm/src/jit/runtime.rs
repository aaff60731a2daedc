//! What compiled code reads while it runs (`Context`) and the support
//! functions it calls (by address, lower.rs's `Support`) when it leaves.
//!
//! Compiled calls push no frame records: a compiled callee's frame exists
//! only in registers and in its slots of the value stack, its depth in
//! `Context::depth`. When compiled code exits, each compiled frame
//! records itself, innermost first (`jit_exit`, then `jit_exit_caller`
//! for each caller); the bridge (`Vm::jit_enter_top` in mod.rs) then
//! pushes those records, outermost first, above the frame it entered, so
//! the interpreter finds exactly the frames it would have made itself.
//!
//! The support functions receive the context as a raw pointer; the
//! bridge made it and uses nothing of the VM until the compiled code
//! returns, so these are the only accesses meanwhile. None of them touches
//! the value stack's buffer (compiled code holds pointers into it).

use super::deopt::Reason;
use crate::interp::Vm;
use crate::value::Value;

/// What compiled code reads and writes while it runs, at fixed offsets
/// (`#[repr(C)]`; lower.rs reads the fields through `offset_of!`).
#[repr(C)]
pub(crate) struct Context {
    pub(crate) vm: *mut Vm,
    /// The VM's step countdown (`Vm::countdown`).
    pub(crate) countdown: *mut u32,
    /// Compiled calls in progress above the entered frame.
    pub(crate) depth: u64,
    /// `depth` a compiled call may not reach: the call-depth limit less
    /// the frames below.
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
            });
        }
        jit.record_exit(len, Reason::from_code(reason as i64));
    }
}

/// A compiled caller whose callee exited wrote its state back: the
/// interpreter continues it at `ip` (after the call) when the callee
/// returns.
///
/// # Safety
/// As for `jit_exit`.
pub(crate) unsafe extern "C" fn jit_exit_caller(
    ctx: *mut Context,
    func: u64,
    slots: *mut Value,
    ip: u64,
    nested: u64,
) {
    // SAFETY: as for `jit_exit`.
    let vm = unsafe { &mut *(*ctx).vm };
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
        });
    }
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
