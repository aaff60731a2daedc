//! Lowering the instructions that touch lists and instances (element and
//! field reads and writes, a list's `push`), and what exits do with the
//! heap values compiled code holds.
//!
//! Ownership: compiled code *borrows* every heap value it holds, but for
//! the instances a loop head's frame's locals own (owned.rs). A list
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
//! * an `iter` loop's iterator over a list (`Scalar::ListIter`) is an
//!   operand the bridge found on the stack: its register is the address
//!   of that slot, it never moves (nothing pops it: the end of the list
//!   is an exit, and the interpreter drops it), and the interpreter keeps
//!   owning it, so an exit leaves it as it is;
//! * an exit (deopt.rs) hands its frame to the interpreter, which owns
//!   every value in its frames: the write-back copies each heap operand
//!   into its slot and takes a reference for it (`runtime::jit_retain`),
//!   and a compiled callee's frame (`nested`) takes one for each heap
//!   local, its borrowed arguments. The frame the bridge entered already
//!   owns its locals.
//!
//! The element and field accesses are inline when the layout is known
//! (layout.rs), else call runtime.rs's support functions; both check what
//! the interpreter's fast paths check (a list's `RefCell` borrow flag, the
//! index's range against the list's length or the instance's class's
//! field count, the old value a scalar) and leave everything else to the
//! support function, which declines, changing nothing: the compiled code
//! exits and the interpreter runs the instruction. An instance's fields
//! have no borrow flag (value/instance_ref.rs).

use cranelift_codegen::ir::{
    self, condcodes::IntCC, types, AbiParam, InstBuilder, StackSlotData, StackSlotKind,
};

use cranelift_module::Module;

use super::super::deopt::{self, store_known, Reason, SLOT_BYTES, WORD_OFFSET};
use super::super::layout::HeapLayout;
use super::super::runtime::{self, DECLINED};
use super::super::semantics::Scalar;
use super::{Lower, V};
use crate::value::FIELDS_OFFSET;

/// Addresses of the heap support functions (runtime.rs).
pub(crate) struct HeapSupport {
    element: usize,
    set_element: usize,
    field: usize,
    set_field: usize,
    push: usize,
    iter_next: usize,
    retain: usize,
    length: usize,
    pub(super) iter_next_into: usize,
    pub(super) new_instance_push: usize,
}

impl HeapSupport {
    pub(crate) fn new() -> HeapSupport {
        HeapSupport {
            element: runtime::jit_element as *const () as usize,
            set_element: runtime::jit_set_element as *const () as usize,
            field: runtime::jit_field as *const () as usize,
            set_field: runtime::jit_set_field as *const () as usize,
            push: runtime::jit_push as *const () as usize,
            iter_next: runtime::jit_iter_next as *const () as usize,
            retain: runtime::jit_retain as *const () as usize,
            length: runtime::jit_length as *const () as usize,
            iter_next_into: runtime::jit_iter_next_into as *const () as usize,
            new_instance_push: runtime::jit_new_instance_push as *const () as usize,
        }
    }
}

/// Which kind of object holds the values.
#[derive(Clone, Copy)]
pub(super) enum Held {
    List,
    Instance,
}

/// What the lowering of one entry point made for heap accesses, on first
/// use.
#[derive(Default)]
pub(super) struct HeapState {
    /// Signatures by parameter count (all `I64`), with an `I64` result or
    /// (index 0) none.
    sigs: [Option<ir::SigRef>; 6],
    /// 16 bytes a read's support function writes the value's word to
    /// (and an iterator's the element's index after it).
    out: Option<ir::StackSlot>,
}

impl Lower<'_, '_> {
    /// Call support function `address` on `args`; its result, if any.
    pub(super) fn heap_call(
        &mut self,
        address: usize,
        args: &[ir::Value],
        returns: bool,
    ) -> Option<ir::Value> {
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
        let slot =
            self.b
                .create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
        self.heap.out = Some(slot);
        slot
    }

    /// A read through `address` (`jit_element`, `jit_field`) of a value
    /// that must have kind `kind`: exits unless it has.
    pub(super) fn guarded_read(
        &mut self,
        address: usize,
        obj: ir::Value,
        at: ir::Value,
        kind: Scalar,
    ) -> V {
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
    pub(super) fn checked_write(&mut self, address: usize, leading: &[ir::Value], v: V) {
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
        self.read_inline(Held::List, list.1, index.1, kind, address)
    }

    /// An `iter` loop's next element and its index: through the support
    /// function, which reads the element only when it has the kind
    /// expected (the tag passed), and only then advances the iterator.
    pub(super) fn lower_iter_next(&mut self, iter: V, kind: Scalar) -> (V, V) {
        let address = self.input.support.heap.iter_next;
        let expected = self.b.ins().iconst(types::I64, deopt::tag(kind));
        let element = self.guarded_read(address, iter.1, expected, kind);
        let slot = self.out_slot();
        let out = self.b.ins().stack_addr(types::I64, slot, 0);
        let index = self
            .b
            .ins()
            .load(types::I64, ir::MemFlagsData::trusted(), out, 8);
        ((Scalar::Int, index), element)
    }

    pub(super) fn lower_set_element(&mut self, list: V, index: V, v: V) {
        let address = self.input.support.heap.set_element;
        self.write_inline(Held::List, list.1, index.1, v, address);
    }

    pub(super) fn lower_field(&mut self, obj: V, slot: u16, kind: Scalar) -> V {
        let address = self.input.support.heap.field;
        let at = self.b.ins().iconst(types::I64, slot as i64);
        self.read_inline(Held::Instance, obj.1, at, kind, address)
    }

    pub(super) fn lower_set_field(&mut self, obj: V, slot: u16, v: V) {
        let address = self.input.support.heap.set_field;
        let at = self.b.ins().iconst(types::I64, slot as i64);
        self.write_inline(Held::Instance, obj.1, at, v, address);
    }

    pub(super) fn lower_append(&mut self, list: V, v: V) {
        let address = self.input.support.heap.push;
        let Some(layout) = self.input.layout else {
            self.checked_write(address, &[list.1], v);
            return;
        };
        // Inline while the list has room and is not borrowed (what
        // `List::push` does then); growing is the support function's.
        let flags = ir::MemFlagsData::trusted();
        let cell = self.list_cell(&layout, list.1);
        let flag = self.b.ins().load(types::I64, flags, cell, layout.flag);
        let busy = self.b.ins().icmp_imm_s(IntCC::NotEqual, flag, 0);
        let len = self.b.ins().load(types::I64, flags, cell, layout.len);
        let cap = self.b.ins().load(types::I64, flags, cell, layout.cap);
        let full = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, len, cap);
        let slow_needed = self.any(busy, full);
        let (fast, slow, join) = self.fast_slow_join(None);
        self.brif_on(slow_needed, slow, &[], fast);
        self.b.switch_to_block(fast);
        let element = self.element_address(&layout, cell, len);
        store_known(self.b, element, 0, v.0, v.1);
        let longer = self.b.ins().iadd_imm_s(len, 1);
        self.b.ins().store(flags, longer, cell, layout.len);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(slow);
        self.checked_write(address, &[list.1], v);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
    }

    /// `len(list)`: inline, the vector's length unless the cell is borrowed
    /// mutably (an exit); else through `jit_length`.
    pub(super) fn lower_length(&mut self, list: V) -> V {
        let Some(layout) = self.input.layout else {
            let address = self.input.support.heap.length;
            let n = self
                .heap_call(address, &[list.1], true)
                .unwrap_or_else(|| self.b.ins().iconst(types::I64, DECLINED));
            let declined = self.b.ins().icmp_imm_s(IntCC::Equal, n, DECLINED);
            self.guard_fail(declined, Reason::Deopt);
            return (Scalar::Int, n);
        };
        let flags = ir::MemFlagsData::trusted();
        let cell = self.list_cell(&layout, list.1);
        let flag = self.b.ins().load(types::I64, flags, cell, layout.flag);
        let busy = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, flag, 0);
        self.guard_fail(busy, Reason::Deopt);
        (
            Scalar::Int,
            self.b.ins().load(types::I64, flags, cell, layout.len),
        )
    }

    /// The `RefCell<Vec<Value>>` of the list whose `Value` is at `value`.
    fn list_cell(&mut self, layout: &HeapLayout, value: ir::Value) -> ir::Value {
        let flags = ir::MemFlagsData::trusted();
        let rc = self.b.ins().load(types::I64, flags, value, WORD_OFFSET);
        self.b.ins().iadd_imm_s(rc, layout.list_items as i64)
    }

    /// Whether value `index` of the list or instance whose `Value` is at
    /// `obj` is out of reach (`unusable`), and its address (meaningful
    /// only when it is not).
    pub(super) fn locate(
        &mut self,
        layout: &HeapLayout,
        held: Held,
        obj: ir::Value,
        index: ir::Value,
        exclusive: bool,
    ) -> (ir::Value, ir::Value) {
        match held {
            Held::List => {
                let cell = self.list_cell(layout, obj);
                let unusable = self.unusable(layout, cell, index, exclusive);
                (unusable, self.element_address(layout, cell, index))
            }
            Held::Instance => {
                // The block: the class's `Rc`, then the fields inline.
                let flags = ir::MemFlagsData::trusted();
                let block = self.b.ins().load(types::I64, flags, obj, WORD_OFFSET);
                let class = self.b.ins().load(types::I64, flags, block, 0);
                let count = self
                    .b
                    .ins()
                    .load(types::I64, flags, class, layout.class_field_count);
                let outside = self
                    .b
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, index, count);
                let bytes = self.b.ins().ishl_imm_u(index, 4);
                let fields = self.b.ins().iadd_imm_s(block, FIELDS_OFFSET as i64);
                (outside, self.b.ins().iadd(fields, bytes))
            }
        }
    }

    /// The address of element `index` of the vector in `cell`.
    fn element_address(
        &mut self,
        layout: &HeapLayout,
        cell: ir::Value,
        index: ir::Value,
    ) -> ir::Value {
        let flags = ir::MemFlagsData::trusted();
        let buffer = self.b.ins().load(types::I64, flags, cell, layout.ptr);
        let bytes = self.b.ins().ishl_imm_u(index, 4);
        self.b.ins().iadd(buffer, bytes)
    }

    /// A fast block, a cold slow block and the block both continue in
    /// (with a parameter of type `ty`, if any).
    fn fast_slow_join(&mut self, ty: Option<ir::Type>) -> (ir::Block, ir::Block, ir::Block) {
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.set_cold_block(slow);
        if let Some(ty) = ty {
            self.b.append_block_param(join, ty);
        }
        (fast, slow, join)
    }

    /// Whether the element at `index` of the vector in `cell` is out of
    /// range (an unsigned compare: a negative index is too), or the cell
    /// borrowed in a way the access may not overlap (`exclusive`: at all,
    /// for a write; else mutably).
    fn unusable(
        &mut self,
        layout: &HeapLayout,
        cell: ir::Value,
        index: ir::Value,
        exclusive: bool,
    ) -> ir::Value {
        let flags = ir::MemFlagsData::trusted();
        let flag = self.b.ins().load(types::I64, flags, cell, layout.flag);
        let busy = if exclusive {
            self.b.ins().icmp_imm_s(IntCC::NotEqual, flag, 0)
        } else {
            self.b.ins().icmp_imm_s(IntCC::SignedLessThan, flag, 0)
        };
        let len = self.b.ins().load(types::I64, flags, cell, layout.len);
        let outside = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.any(busy, outside)
    }

    /// Read value `index` of the list or instance at `obj`, which must
    /// have kind `kind`: inline when the layout is known and the value is
    /// there, else through support function `address`.
    fn read_inline(
        &mut self,
        held: Held,
        obj: ir::Value,
        index: ir::Value,
        kind: Scalar,
        address: usize,
    ) -> V {
        let Some(layout) = self.input.layout else {
            return self.guarded_read(address, obj, index, kind);
        };
        let flags = ir::MemFlagsData::trusted();
        let ty = if kind == Scalar::Float {
            types::F64
        } else {
            types::I64
        };
        let (unusable, element) = self.locate(&layout, held, obj, index, false);
        let (fast, slow, join) = self.fast_slow_join(Some(ty));
        let check = self.b.create_block();
        self.brif_on(unusable, slow, &[], check);
        self.b.switch_to_block(check);
        let tag = self.b.ins().uload8(types::I64, flags, element, 0);
        let wrong = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, tag, deopt::tag(kind));
        self.b.ins().brif(wrong, slow, &[], fast, &[]);
        self.b.switch_to_block(fast);
        let value = match kind {
            Scalar::Float => self.b.ins().load(types::F64, flags, element, WORD_OFFSET),
            Scalar::Bool => self
                .b
                .ins()
                .uload8(types::I64, flags, element, deopt::BOOL_OFFSET),
            Scalar::Nil => self.b.ins().iconst(types::I64, 0),
            _ => self.b.ins().load(types::I64, flags, element, WORD_OFFSET),
        };
        self.b.ins().jump(join, &[ir::BlockArg::Value(value)]);
        self.b.switch_to_block(slow);
        let (_, value) = self.guarded_read(address, obj, index, kind);
        self.b.ins().jump(join, &[ir::BlockArg::Value(value)]);
        self.b.switch_to_block(join);
        (kind, self.b.block_params(join)[0])
    }

    /// Write scalar `v` over value `index` of the list or instance at
    /// `obj`: inline when the layout is known and the old value is a
    /// scalar in range, else through support function `address`.
    fn write_inline(&mut self, held: Held, obj: ir::Value, index: ir::Value, v: V, address: usize) {
        let Some(layout) = self.input.layout else {
            self.checked_write(address, &[obj, index], v);
            return;
        };
        let flags = ir::MemFlagsData::trusted();
        let (unusable, element) = self.locate(&layout, held, obj, index, true);
        let (fast, slow, join) = self.fast_slow_join(None);
        let check = self.b.create_block();
        self.brif_on(unusable, slow, &[], check);
        self.b.switch_to_block(check);
        let tag = self.b.ins().uload8(types::I64, flags, element, 0);
        // Over a heap value (a release) only the support function writes.
        let heap =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThan, tag, deopt::tag(Scalar::Float));
        self.b.ins().brif(heap, slow, &[], fast, &[]);
        self.b.switch_to_block(fast);
        store_known(self.b, element, 0, v.0, v.1);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(slow);
        self.checked_write(address, &[obj, index], v);
        self.b.ins().jump(join, &[]);
        self.b.switch_to_block(join);
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
