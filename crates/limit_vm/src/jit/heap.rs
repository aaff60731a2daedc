//! Lowering the instructions that touch lists and instances (element and
//! field reads and writes, a list's `push`), and what exits do with the
//! heap values compiled code holds.
//!
//! Ownership: compiled code *borrows* every heap value it holds. A list
//! or an instance enters compiled code only as a local of the frame (the
//! entry point's locals, or a compiled callee's arguments); its register
//! is the address of that slot, which keeps the value alive: compiled code
//! never writes over a slot holding a heap value (`writable`), never
//! stores one into a local, a field or an element, and never returns one
//! to a compiled caller (semantics.rs declines those). So it changes no
//! reference count while it runs:
//!
//! * an operand stack entry holding a heap value (`GetLocal` of a list)
//!   is the address of the local it came from; a compiled call copies
//!   the value's 16 bytes into the callee's argument slot, a borrowed
//!   copy whose owner is the caller's local (or, through it, the frame
//!   the bridge entered, whose values the interpreter owns);
//! * a compiled callee that returns leaves its slots, borrowed copies
//!   included, above the value stack's length, where nothing drops them;
//! * an exit (deopt.rs) hands its frame to the interpreter, which owns
//!   every value in its frames: the write-back copies each heap operand
//!   into its slot and takes a reference for it (`runtime::jit_retain`),
//!   and a compiled callee's frame (`nested`) takes one for each heap
//!   local, its borrowed arguments. The frame the bridge entered already
//!   owns its locals.
//!
//! The element and field accesses call runtime.rs's support functions,
//! which check what the interpreter's fast paths check (the `RefCell`
//! borrow flags, the index's range, the old value a scalar) and decline,
//! changing nothing, for everything else: the compiled code exits and the
//! interpreter runs the instruction.

use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, AbiParam, InstBuilder, StackSlotData, StackSlotKind,
};

use cranelift_module::Module;

use super::super::deopt::{self, Reason, SLOT_BYTES};
use super::super::runtime::{self, DECLINED};
use super::super::semantics::Scalar;
use super::{Lower, V};

/// Addresses of the heap support functions (runtime.rs).
pub(crate) struct HeapSupport {
    element: usize,
    set_element: usize,
    field: usize,
    set_field: usize,
    push: usize,
    retain: usize,
}

impl HeapSupport {
    pub(crate) fn new() -> HeapSupport {
        HeapSupport {
            element: runtime::jit_element as *const () as usize,
            set_element: runtime::jit_set_element as *const () as usize,
            field: runtime::jit_field as *const () as usize,
            set_field: runtime::jit_set_field as *const () as usize,
            push: runtime::jit_push as *const () as usize,
            retain: runtime::jit_retain as *const () as usize,
        }
    }
}

/// What the lowering of one entry point made for heap accesses, on first
/// use.
#[derive(Default)]
pub(super) struct HeapState {
    /// Signatures by parameter count (all `I64`), with an `I64` result or
    /// (index 0) none.
    sigs: [Option<ir::SigRef>; 5],
    /// 8 bytes a read's support function writes the value's word to.
    out: Option<ir::StackSlot>,
}

impl Lower<'_, '_> {
    /// Call support function `address` on `args`; its result, if any.
    fn heap_call(&mut self, address: usize, args: &[ir::Value], returns: bool) -> Option<ir::Value> {
        let index = if returns { args.len() } else { 0 };
        let sig = match self.heap.sigs[index] {
            Some(sig) => sig,
            None => {
                let mut sig = self.module.make_signature();
                for _ in args {
                    sig.params.push(AbiParam::new(types::I64));
                }
                if returns {
                    sig.returns.push(AbiParam::new(types::I64));
                }
                let sig = self.b.import_signature(sig);
                self.heap.sigs[index] = Some(sig);
                sig
            }
        };
        let callee = self.b.ins().iconst(types::I64, address as i64);
        let call = self.b.ins().call_indirect(sig, callee, args);
        self.b.inst_results(call).first().copied()
    }

    fn out_slot(&mut self) -> ir::StackSlot {
        if let Some(slot) = self.heap.out {
            return slot;
        }
        let slot = self
            .b
            .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
        self.heap.out = Some(slot);
        slot
    }

    /// A read through `address` (`jit_element`, `jit_field`) of a value
    /// that must have kind `kind`: exits unless it has.
    fn guarded_read(&mut self, address: usize, obj: ir::Value, at: ir::Value, kind: Scalar) -> V {
        let slot = self.out_slot();
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let tag = self
            .heap_call(address, &[obj, at, out], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, DECLINED));
        let wrong = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, tag, deopt::tag(kind));
        self.guard_fail(wrong, Reason::Deopt);
        let flags = ir::MemFlagsData::trusted();
        let value = match kind {
            Scalar::Float => self.b.ins().load(types::F64, flags, out, 0),
            Scalar::Nil => self.b.ins().iconst(types::I64, 0),
            _ => self.b.ins().load(types::I64, flags, out, 0),
        };
        (kind, value)
    }

    /// A write through `address` (`jit_set_element`, `jit_set_field`,
    /// `jit_push`) of scalar `v`: exits unless it was done.
    fn checked_write(&mut self, address: usize, leading: &[ir::Value], v: V) {
        let tag = self.b.ins().iconst(types::I64, deopt::tag(v.0));
        let word = match v.0 {
            Scalar::Float => self
                .b
                .ins()
                .bitcast(types::I64, ir::MemFlagsData::new(), v.1),
            Scalar::Nil => self.b.ins().iconst(types::I64, 0),
            _ => v.1,
        };
        let mut args = leading.to_vec();
        args.extend([tag, word]);
        let done = self
            .heap_call(address, &args, true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, done, 0);
        self.guard_fail(declined, Reason::Deopt);
    }

    pub(super) fn lower_element(&mut self, list: V, index: V, kind: Scalar) -> V {
        let address = self.input.support.heap.element;
        self.guarded_read(address, list.1, index.1, kind)
    }

    pub(super) fn lower_set_element(&mut self, list: V, index: V, v: V) {
        let address = self.input.support.heap.set_element;
        self.checked_write(address, &[list.1, index.1], v);
    }

    pub(super) fn lower_field(&mut self, obj: V, slot: u16, kind: Scalar) -> V {
        let address = self.input.support.heap.field;
        let at = self.b.ins().iconst(types::I64, slot as i64);
        self.guarded_read(address, obj.1, at, kind)
    }

    pub(super) fn lower_set_field(&mut self, obj: V, slot: u16, v: V) {
        let address = self.input.support.heap.set_field;
        let at = self.b.ins().iconst(types::I64, slot as i64);
        self.checked_write(address, &[obj.1, at], v);
    }

    pub(super) fn lower_append(&mut self, list: V, v: V) {
        let address = self.input.support.heap.push;
        self.checked_write(address, &[list.1], v);
    }

    /// In an exit, after the write-back: one reference for each slot
    /// `slots` (operand stack entries holding heap values, copied there
    /// by `store_known`) and, when this frame is a compiled callee's,
    /// for each of `locals` (its borrowed heap arguments).
    pub(super) fn retain_for_exit(&mut self, slots: &[usize], locals: &[usize]) {
        let retain = self.input.support.heap.retain;
        for &slot in slots {
            let at = self
                .b
                .ins()
                .iadd_imm_s(self.slots, slot as i64 * SLOT_BYTES as i64);
            self.heap_call(retain, &[at], false);
        }
        if locals.is_empty() {
            return;
        }
        let nested = self.b.create_block();
        let done = self.b.create_block();
        self.b.set_cold_block(nested);
        self.b.ins().brif(self.nested, nested, &[], done, &[]);
        self.b.switch_to_block(nested);
        for &slot in locals {
            let at = self
                .b
                .ins()
                .iadd_imm_s(self.slots, slot as i64 * SLOT_BYTES as i64);
            self.heap_call(retain, &[at], false);
        }
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }
}
