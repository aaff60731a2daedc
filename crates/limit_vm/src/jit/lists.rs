//! Lowering the lists compiled code owns: lists it makes (`NewList`), lists
//! it reads out of lists (`GetIndexKind` of a list) and lists its compiled
//! callees return, all `Scalar::NewList` operands owned in their own slots
//! as closures.rs describes for closures (a `Return` hands one to the
//! compiled caller). Such an operand may also be *lent* as an argument: the
//! callee borrows it like any list its caller passes, and the caller
//! releases it after the call (from a copy: the callee's result goes over
//! its slot 0), or, when the callee exited, after the write-back, the
//! callee's rebuilt frame having taken its own reference. Only programs
//! without `deinit` lend (a release then runs no Limit code: the
//! analysis's `releases_freely`).

use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};
use cranelift_codegen::ir::{StackSlotData, StackSlotKind};

use super::super::deopt::{store_known, Reason, SLOT_BYTES};
use super::super::runtime::{self, DECLINED};
use super::super::semantics::{Elem, Scalar};
use super::{Lower, V};

/// Addresses of the list support functions (runtime.rs).
pub(crate) struct ListSupport {
    new_list: usize,
    element_list: usize,
    release_values: usize,
}

impl ListSupport {
    pub(crate) fn new() -> ListSupport {
        ListSupport {
            new_list: runtime::jit_new_list as *const () as usize,
            element_list: runtime::jit_element_list as *const () as usize,
            release_values: runtime::jit_release_values as *const () as usize,
        }
    }
}

impl Lower<'_, '_> {
    /// `NewList(n)`: the scalar items written to their operand slots (the
    /// owned ones are there already), the list made from the `n` slots into
    /// the first. A collection due exits after it, at `next`.
    pub(super) fn lower_new_list(&mut self, n: u32, elem: Elem, next: usize) -> bool {
        let Some(first) = self.model.len().checked_sub(n as usize) else {
            return false;
        };
        let base = self.input.frame_size + first;
        for (i, (kind, v)) in self.model[first..].iter().copied().enumerate() {
            if !kind.is_owned() {
                store_known(self.b, self.slots, base + i, kind, v);
            }
        }
        let at = self
            .b
            .ins()
            .iadd_imm_s(self.slots, base as i64 * SLOT_BYTES as i64);
        let count = self.b.ins().iconst(types::I64, n as i64);
        let address = self.input.support.lists.new_list;
        let status = self
            .heap_call(address, &[self.ctx, at, count], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, status, 0);
        self.guard_fail(declined, Reason::Deopt);
        self.model.truncate(first);
        self.model.push((Scalar::NewList(elem), at));
        let collect = self.b.ins().icmp_imm_s(IntCC::Equal, status, 2);
        let stack = self.model.clone();
        self.exit_after_if(collect, next, stack);
        true
    }

    /// `list[index]` of a list element: a reference taken, into the operand
    /// slot of `list` (a borrowed list's register is its local's slot, so
    /// that slot is free).
    pub(super) fn lower_element_list(&mut self, list: V, index: V) -> Option<V> {
        if list.0.is_owned() {
            return None;
        }
        let first = self.model.len().checked_sub(2)?;
        let home = (self.input.frame_size + first) as i64;
        let out = self
            .b
            .ins()
            .iadd_imm_s(self.slots, home * SLOT_BYTES as i64);
        let address = self.input.support.lists.element_list;
        let done = self
            .heap_call(address, &[list.1, index.1, out], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, DECLINED));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, done, 0);
        self.guard_fail(declined, Reason::Deopt);
        Some((Scalar::NewList(Elem::Other), out))
    }

    /// Before a call: copies of the owned arguments from operand `first`
    /// on, in a stack slot (with their count), if any.
    pub(super) fn save_lent(&mut self, first: usize) -> Option<(ir::StackSlot, usize)> {
        let owned: Vec<ir::Value> = self.model[first..]
            .iter()
            .filter(|v| v.0.is_owned())
            .map(|v| v.1)
            .collect();
        if owned.is_empty() {
            return None;
        }
        let bytes = (owned.len() * SLOT_BYTES as usize) as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            bytes,
            3,
        ));
        let to = self.b.ins().stack_addr(types::I64, slot, 0);
        for (i, from) in owned.iter().enumerate() {
            store_known(self.b, to, i, Scalar::NewList(Elem::Other), *from);
        }
        Some((slot, owned.len()))
    }

    /// Release the copies `save_lent` made.
    pub(super) fn release_lent(&mut self, lent: Option<(ir::StackSlot, usize)>) {
        let Some((slot, n)) = lent else {
            return;
        };
        let at = self.b.ins().stack_addr(types::I64, slot, 0);
        let n = self.b.ins().iconst(types::I64, n as i64);
        let address = self.input.support.lists.release_values;
        // (A result, unused: `heap_call` keys its signatures without one by
        // nothing but that.)
        self.heap_call(address, &[at, n], true);
    }
}
