//! Instances compiled code owns a reference to: those a loop's local takes
//! from a list (`GetIndex`/`IndexLocals` and `IterNext` into `SetLocal`)
//! and those it makes straight into a list (`NewInstance` into `push`).
//!
//! Ownership: a frame the bridge entered at a loop head is the
//! interpreter's, so a local of it owns what its slot holds. Compiled code
//! writes an instance there with one more reference (counted in the
//! instance's header, value/instance_ref.rs) and releases the instance the
//! slot held, but only when that is not its last reference: the last one
//! would free it, perhaps running a `deinit`, which is the interpreter's
//! (the instruction exits before any effect). Such a local's register is
//! its slot's address, as for the borrowed heap values (heap.rs), and an
//! exit leaves it where it is, owned. A compiled callee's frame (or one
//! taken in) does not own its slots (its borrowed arguments, and slots
//! above the stack's length once it returns), so none of this is compiled
//! there (`Backend::takes_instance`).
//!
//! A new instance never sits on the operand stack: it goes straight into
//! the list, which owns it, through `runtime::jit_new_instance_push`.
//! When the interpreter would collect cycles after that allocation, the
//! compiled code leaves right after the push, and the bridge's caller
//! runs the collection (`Vm::jit_collection_pending`), as the dispatch
//! loop would have.

use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};

use super::super::analysis::{constant_text, Ty};
use super::super::deopt::{self, store_known, Reason, SLOT_BYTES, WORD_OFFSET};
use super::super::semantics::{Backend, Scalar, ANY_CLASS};
use super::heap::Held;
use super::{Lower, V};
use crate::value::instance_ref::{MAX_STRONG, STRONG_OFFSET};

impl Lower<'_, '_> {
    /// `locals[slot] = list[index]`, an instance: the element counted, the
    /// local's old instance (if it holds one) released, the 16 bytes
    /// copied. Guards first: the element in range, not borrowed mutably,
    /// an instance whose count can grow, and an old instance that is not
    /// the last reference (releasing it could run a `deinit`: the
    /// interpreter's business). The local then owns its reference, in its
    /// slot of a frame the interpreter owns (`Backend::takes_instance`).
    pub(super) fn lower_element_to_local(&mut self, list: V, index: V, slot: u16) {
        let slot = slot as usize;
        let layout = match self.input.layout {
            Some(layout) if slot < self.tag.len() => layout,
            _ => {
                // No inline reads: the interpreter does it.
                self.exit_now(Reason::Deopt);
                let dead = self.b.create_block();
                self.b.switch_to_block(dead);
                self.note_instance_local(slot);
                return;
            }
        };
        let flags = ir::MemFlagsData::trusted();
        let (unusable, element) = self.locate(&layout, Held::List, list.1, index.1, false);
        self.guard_fail(unusable, Reason::Deopt);
        let tag = self.b.ins().uload8(types::I64, flags, element, 0);
        let other = self.b.ins().icmp_imm_s(
            IntCC::NotEqual,
            tag,
            deopt::tag(Scalar::Instance(ANY_CLASS)),
        );
        self.guard_fail(other, Reason::Deopt);
        let block = self.b.ins().load(types::I64, flags, element, WORD_OFFSET);
        let strong = self.b.ins().uload32(flags, block, STRONG_OFFSET as i32);
        let saturated =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, strong, MAX_STRONG as i64);
        self.guard_fail(saturated, Reason::Deopt);
        let target = self
            .b
            .ins()
            .iadd_imm_s(self.slots, slot as i64 * SLOT_BYTES as i64);
        let releases = self.known[slot].is_instance();
        if releases {
            let old = self.b.ins().load(types::I64, flags, target, WORD_OFFSET);
            let count = self.b.ins().uload32(flags, old, STRONG_OFFSET as i32);
            let last = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, count, 2);
            self.guard_fail(last, Reason::Deopt);
        }
        let more = self.b.ins().iadd_imm_s(strong, 1);
        self.b
            .ins()
            .istore32(flags, more, block, STRONG_OFFSET as i32);
        if releases {
            // Read again: the old instance may be the new one.
            let old = self.b.ins().load(types::I64, flags, target, WORD_OFFSET);
            let count = self.b.ins().uload32(flags, old, STRONG_OFFSET as i32);
            let less = self.b.ins().iadd_imm_s(count, -1);
            self.b
                .ins()
                .istore32(flags, less, old, STRONG_OFFSET as i32);
        }
        for half in [0, WORD_OFFSET] {
            let word = self.b.ins().load(types::I64, flags, element, half);
            self.b.ins().store(flags, word, target, half);
        }
        self.note_instance_local(slot);
    }

    /// Local `slot` holds an instance in its slot from here on.
    fn note_instance_local(&mut self, slot: usize) {
        let kind = Scalar::Instance(ANY_CLASS);
        if let (Some(&tag), Some(known)) = (self.tag.get(slot), self.known.get_mut(slot)) {
            *known = Ty::scalar(kind);
            let t = self.b.ins().iconst(types::I8, deopt::tag(kind));
            self.b.def_var(tag, t);
        }
    }

    /// `locals[slot] =` the iterator's next element, an instance, through
    /// the support function, which checks what `lower_element_to_local`
    /// does and declines otherwise (the end of the list included).
    pub(super) fn lower_iter_next_to_local(&mut self, iter: V, slot: u16) {
        let slot = slot as usize;
        let address = self.input.support.heap.iter_next_into;
        let target = self
            .b
            .ins()
            .iadd_imm_s(self.slots, slot as i64 * SLOT_BYTES as i64);
        let done = self
            .heap_call(address, &[iter.1, target], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, done, 0);
        self.guard_fail(declined, Reason::Deopt);
        self.note_instance_local(slot);
    }

    /// Field `name` of `obj`: its slot in the class its kind names, or,
    /// for an instance of a class known at run time, in the one class seen
    /// with that field, whose class word is guarded.
    pub(super) fn lower_field_named(&mut self, obj: V, name: u32) -> Option<(V, u16, Scalar)> {
        let Scalar::Instance(class) = obj.0 else {
            return None;
        };
        let name = constant_text(self.input.constants, name)?;
        let field = self.callees.field_of(class, name)?;
        if class == ANY_CLASS {
            let flags = ir::MemFlagsData::trusted();
            let block = self.b.ins().load(types::I64, flags, obj.1, WORD_OFFSET);
            let word = self.b.ins().load(types::I64, flags, block, 0);
            let other = self
                .b
                .ins()
                .icmp_imm_s(IntCC::NotEqual, word, field.word as i64);
            self.guard_fail(other, Reason::Deopt);
        }
        Some((
            (Scalar::Instance(field.class), obj.1),
            field.slot,
            field.kind,
        ))
    }

    /// `locals[slot] = nil`: a scalar's registers, or an owned instance
    /// released (guarded: not its last reference) and its slot nil.
    pub(super) fn lower_drop_local(&mut self, slot: u16) -> bool {
        let index = slot as usize;
        let Some(&ty) = self.known.get(index) else {
            return false;
        };
        if !ty.is_heap() {
            let nil = self.b.ins().iconst(types::I64, 0);
            self.set_local(slot, (Scalar::Nil, nil));
            return true;
        }
        if !(ty.is_instance() && self.takes_instance(slot)) {
            return false;
        }
        let flags = ir::MemFlagsData::trusted();
        let target = self
            .b
            .ins()
            .iadd_imm_s(self.slots, index as i64 * SLOT_BYTES as i64);
        let block = self.b.ins().load(types::I64, flags, target, WORD_OFFSET);
        let count = self.b.ins().uload32(flags, block, STRONG_OFFSET as i32);
        let last = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, count, 2);
        self.guard_fail(last, Reason::Deopt);
        let less = self.b.ins().iadd_imm_s(count, -1);
        self.b
            .ins()
            .istore32(flags, less, block, STRONG_OFFSET as i32);
        let nil = self.b.ins().iconst(types::I64, 0);
        store_known(self.b, self.slots, index, Scalar::Nil, nil);
        self.set_local(slot, (Scalar::Nil, nil));
        true
    }

    /// `list.push(C(fields…))` through `runtime::jit_new_instance_push`:
    /// the fields are written to the operand slots they came from (above
    /// the stack as it is now, the list's `nil` result on top), whence the
    /// support function copies them. A decline exits before the
    /// instruction; a collection due exits after it, at `next`.
    pub(super) fn lower_new_instance_push(
        &mut self,
        class: u32,
        fields: &[V],
        list: V,
        next: usize,
    ) {
        let first = self.input.frame_size + self.model.len();
        for (i, (kind, v)) in fields.iter().copied().enumerate() {
            store_known(self.b, self.slots, first + i, kind, v);
        }
        let at = self
            .b
            .ins()
            .iadd_imm_s(self.slots, first as i64 * SLOT_BYTES as i64);
        let class = self.b.ins().iconst(types::I64, class as i64);
        let n = self.b.ins().iconst(types::I64, fields.len() as i64);
        let address = self.input.support.heap.new_instance_push;
        let status = self
            .heap_call(address, &[self.ctx, list.1, class, at, n], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, status, 0);
        self.guard_fail(declined, Reason::Deopt);
        let collect = self.b.ins().icmp_imm_s(IntCC::Equal, status, 2);
        let stack = self.model.clone();
        self.exit_after_if(collect, next, stack);
    }
}
