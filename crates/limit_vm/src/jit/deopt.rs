//! Deoptimisation: compiled code leaving to the interpreter.
//!
//! Compiled code works on the interpreter's own frame: `slots` points at
//! the frame's local slot 0 in the VM's stack, and the operand stack's
//! entry `d` lives (when written) at slot `frame_size + d`, exactly where
//! the interpreter keeps it. Values stay in registers while compiled
//! code runs; an exit writes them back as `Value`s (their layout is
//! fixed by `#[repr(u8)]` on `Value`: the tag byte at offset 0, a bool at
//! 1, an int or float at 8), records the instruction to continue at and
//! the stack height in the frame (`runtime::jit_exit`), and returns
//! `EXITED`. The interpreter then runs that instruction itself, so a
//! trap it raises has exactly the interpreter's stack trace.
//!
//! A compiled caller whose compiled callee exited writes its own state
//! back too, with its `ip` after the call (`runtime::jit_exit_caller`),
//! and returns `EXITED`: the interpreter resumes the innermost frame and,
//! when that returns, the caller.

use cranelift_codegen::ir::{self, types, InstBuilder, MemFlagsData};
use cranelift_frontend::FunctionBuilder;

use super::analysis::Ty;
use super::semantics::Scalar;

/// Bytes per slot (`size_of::<Value>()`, checked in mod.rs's tests).
pub(crate) const SLOT_BYTES: i32 = 16;
/// Offset of a bool's byte in a `Value`.
pub(crate) const BOOL_OFFSET: i32 = 1;
/// Offset of an int's or float's 8 bytes in a `Value`.
pub(crate) const WORD_OFFSET: i32 = 8;

/// A compiled entry point's result: the function returned to its
/// compiled caller, its result in its slot 0.
pub(crate) const RETURNED: i64 = 0;
/// The state is written back to the interpreter's frames: continue there.
pub(crate) const EXITED: i64 = 1;

/// Why compiled code left (the `reason` of `runtime::jit_exit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i64)]
pub(crate) enum Reason {
    /// At a `Return` of the function the interpreter entered: the
    /// interpreter returns (handlers, `stop_depth`, constructors: its
    /// business).
    Return = 0,
    /// The step budget needs a checkpoint, or a call needs the
    /// interpreter's frame push (depth limit, stack growth).
    Budget = 1,
    /// A guard failed (an operand of another kind, an int overflow, a
    /// zero divisor) or the instruction is not compiled: a
    /// deoptimisation.
    Deopt = 2,
}

impl Reason {
    pub(crate) fn from_code(code: i64) -> Reason {
        match code {
            0 => Reason::Return,
            1 => Reason::Budget,
            _ => Reason::Deopt,
        }
    }
}

/// `Value::Cell`'s tag byte (checked in the tests below).
pub(crate) const CELL_TAG: i64 = 14;

/// `Value`'s tag byte of each scalar kind (its discriminant under
/// `#[repr(u8)]`, checked in mod.rs's tests).
pub(crate) fn tag(kind: Scalar) -> i64 {
    match kind {
        Scalar::Nil => 0,
        Scalar::Bool => 1,
        Scalar::Int => 2,
        Scalar::Float => 3,
        Scalar::List(_) | Scalar::NewList(_) => 7,
        Scalar::Instance(_) => 17,
        Scalar::ListIter(_) => 19,
        Scalar::Closure(_) | Scalar::NewClosure(_) => 11,
    }
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Store a value of a known kind into slot `slot` from `slots`. A bool
/// or an int is an `I64` register (bools 0 or 1), a float an `F64`, nil
/// anything (not stored), a borrowed heap value the address of the slot
/// that holds it (its 16 bytes are copied: the copy is borrowed too,
/// heap.rs).
pub(crate) fn store_known(
    b: &mut FunctionBuilder,
    slots: ir::Value,
    slot: usize,
    kind: Scalar,
    v: ir::Value,
) {
    let at = slot as i32 * SLOT_BYTES;
    if kind.is_heap() {
        for half in [0, WORD_OFFSET] {
            let word = b.ins().load(types::I64, flags(), v, half);
            b.ins().store(flags(), word, slots, at + half);
        }
        return;
    }
    let t = b.ins().iconst(types::I8, tag(kind));
    b.ins().store(flags(), t, slots, at);
    match kind {
        Scalar::Nil
        | Scalar::List(_)
        | Scalar::Instance(_)
        | Scalar::ListIter(_)
        | Scalar::Closure(_)
        | Scalar::NewClosure(_)
        | Scalar::NewList(_) => {}
        Scalar::Bool => {
            let byte = b.ins().ireduce(types::I8, v);
            b.ins().store(flags(), byte, slots, at + BOOL_OFFSET);
        }
        Scalar::Int | Scalar::Float => {
            b.ins().store(flags(), v, slots, at + WORD_OFFSET);
        }
    }
}

/// Store a local whose kind is only known at run time (its tag
/// register): the tag, the low byte of the int register at the bool's
/// offset and the word at the payload's (padding for the kinds that do
/// not use them), the float register's bits when the tag says float.
pub(crate) fn store_dynamic(
    b: &mut FunctionBuilder,
    slots: ir::Value,
    slot: usize,
    ty: Ty,
    [tag_v, int_v, float_v]: [ir::Value; 3],
) {
    let at = slot as i32 * SLOT_BYTES;
    b.ins().store(flags(), tag_v, slots, at);
    let byte = b.ins().ireduce(types::I8, int_v);
    b.ins().store(flags(), byte, slots, at + BOOL_OFFSET);
    let word = if ty.may_be(Scalar::Float) {
        let bits = b.ins().bitcast(types::I64, MemFlagsData::new(), float_v);
        let is_float = b
            .ins()
            .icmp_imm_s(ir::condcodes::IntCC::Equal, tag_v, tag(Scalar::Float));
        b.ins().select(is_float, bits, int_v)
    } else {
        int_v
    };
    b.ins().store(flags(), word, slots, at + WORD_OFFSET);
}

/// Load a value of a known kind from slot `slot` (the entry point reads
/// the frame the interpreter left); a heap value stays in its slot, and
/// its register is the slot's address.
pub(crate) fn load_known(
    b: &mut FunctionBuilder,
    slots: ir::Value,
    slot: usize,
    kind: Scalar,
) -> ir::Value {
    let at = slot as i32 * SLOT_BYTES;
    match kind {
        Scalar::Nil => b.ins().iconst(types::I64, 0),
        Scalar::Bool => {
            let byte = b.ins().load(types::I8, flags(), slots, at + BOOL_OFFSET);
            b.ins().uextend(types::I64, byte)
        }
        Scalar::Int => b.ins().load(types::I64, flags(), slots, at + WORD_OFFSET),
        Scalar::Float => b.ins().load(types::F64, flags(), slots, at + WORD_OFFSET),
        Scalar::List(_)
        | Scalar::Instance(_)
        | Scalar::ListIter(_)
        | Scalar::Closure(_)
        | Scalar::NewClosure(_)
        | Scalar::NewList(_) => b.ins().iadd_imm_s(slots, at as i64),
    }
}

/// The register class of a kind: floats in `F64`, the rest in `I64`.
pub(crate) fn is_float(kind: Scalar) -> bool {
    kind == Scalar::Float
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    /// The byte at `offset` of a value, read as compiled code reads it.
    fn byte(v: &Value, offset: i32) -> u8 {
        // SAFETY: `offset` is the tag's or a bool's byte, which the value
        // defines (never padding); the pointer is derived from a live
        // reference.
        unsafe { *(v as *const Value as *const u8).add(offset as usize) }
    }

    /// The word at `WORD_OFFSET`, as compiled code reads an int's or a
    /// float's payload.
    fn word(v: &Value) -> u64 {
        // SAFETY: called on ints and floats, whose 8-byte payload sits at
        // `WORD_OFFSET` (what the test checks), aligned as `Value` is.
        unsafe { *((v as *const Value as *const u8).add(WORD_OFFSET as usize) as *const u64) }
    }

    #[test]
    fn value_layout_is_what_compiled_code_reads_and_writes() {
        assert_eq!(std::mem::size_of::<Value>(), SLOT_BYTES as usize);
        assert_eq!(byte(&Value::Nil, 0), tag(Scalar::Nil) as u8);
        assert_eq!(byte(&Value::Bool(true), 0), tag(Scalar::Bool) as u8);
        assert_eq!(byte(&Value::Bool(true), BOOL_OFFSET), 1);
        assert_eq!(byte(&Value::Int(-5), 0), tag(Scalar::Int) as u8);
        assert_eq!(word(&Value::Int(-5)) as i64, -5);
        assert_eq!(byte(&Value::Float(2.5), 0), tag(Scalar::Float) as u8);
        assert_eq!(f64::from_bits(word(&Value::Float(2.5))), 2.5);
        let list = Value::list(vec![Value::Int(1)]);
        assert_eq!(
            byte(&list, 0),
            tag(Scalar::List(super::super::semantics::Elem::Int)) as u8
        );
        let iter = Value::Iterator(std::rc::Rc::new(std::cell::RefCell::new(
            crate::value::IterState::Range {
                next: 0,
                step: 1,
                left: 0,
                index: 0,
            },
        )));
        assert_eq!(
            byte(&iter, 0),
            tag(Scalar::ListIter(super::super::semantics::Elem::Int)) as u8
        );
        let cell = Value::Cell(Value::new_cell(Value::Int(1)));
        assert_eq!(byte(&cell, 0), CELL_TAG as u8);
        let proto = std::sync::Arc::new(crate::program::FunctionProto::default());
        let closure = Value::closure(crate::value::Closure::new(
            0,
            proto,
            crate::value::Captures::new(),
        ));
        assert_eq!(byte(&closure, 0), tag(Scalar::Closure(0)) as u8);
    }
}
