//! Lowering closures: making cells and closures, calling a closure,
//! reading and writing its captures, and the closures compiled code owns.
//!
//! Ownership (heap.rs has the rest): compiled code borrows a closure it
//! reads from a local, as it borrows a list (`Scalar::Closure`, the slot's
//! address). A closure it makes (`Closure`) or a compiled callee returns is
//! *owned* by its operand (`Scalar::NewClosure`): the support function
//! writes it into that operand's own slot, above the value stack's length,
//! and the register is that slot's address. Nothing moves or pops such an
//! operand (`pop` declines): a `SetLocal` into a local of a frame the
//! interpreter owns moves it there (`jit_store_closure`, releasing the old
//! value where that runs no Limit code), and a compiled callee's `Return`
//! copies it into its slot 0, which is the caller's operand slot for the
//! result. An exit leaves it where it is, owned by the interpreter from
//! then on (no reference taken, unlike a borrowed operand).
//!
//! A cell made by `MakeCell` (`Ty::CELL`) stays in its local's slot, owned
//! by the frame: the closures made there capture it, and a compiled
//! callee's `Return` releases it (`jit_release_cells`); an exit leaves it
//! to the interpreter's frame.
//!
//! A closure's code reads its captures from the closure in the slot below
//! its frame, where `Call` leaves the callee: a compiled call copies the
//! borrowed closure there, and the bridge enters a closure's code only when
//! its frame was called that way (mod.rs).

use cranelift_codegen::ir::{self, condcodes::IntCC, types, InstBuilder};

use super::super::analysis::{closure_captures_fit, stored_kind, Ty};
use super::super::closure_support;
use super::super::deopt::{self, load_known, store_known, Reason, SLOT_BYTES, WORD_OFFSET};
use super::super::layout::INLINE_CAPTURES;
use super::super::semantics::Scalar;
use super::{Lower, Pending, V};
use crate::program::CaptureSource;

/// Addresses of the closure support functions (closure_support.rs).
pub(crate) struct ClosureSupport {
    make_cell: usize,
    make_closure: usize,
    upvalue: usize,
    set_upvalue: usize,
    store_owned: usize,
    release_cells: usize,
}

impl ClosureSupport {
    pub(crate) fn new() -> ClosureSupport {
        ClosureSupport {
            make_cell: closure_support::jit_make_cell as *const () as usize,
            make_closure: closure_support::jit_make_closure as *const () as usize,
            upvalue: closure_support::jit_upvalue as *const () as usize,
            set_upvalue: closure_support::jit_set_upvalue as *const () as usize,
            store_owned: closure_support::jit_store_owned as *const () as usize,
            release_cells: closure_support::jit_release_cells as *const () as usize,
        }
    }
}

impl Lower<'_, '_> {
    /// The address of slot `slot` of this frame.
    fn slot_address(&mut self, slot: i64) -> ir::Value {
        self.b
            .ins()
            .iadd_imm_s(self.slots, slot * SLOT_BYTES as i64)
    }

    /// `MakeCell(slot)`: the local's scalar written to its slot, which the
    /// support function turns into a cell.
    pub(super) fn lower_make_cell(&mut self, slot: u16) -> bool {
        let index = slot as usize;
        let Some(kind) = self
            .known
            .get(index)
            .and_then(|t| t.exact())
            .filter(|k| !k.is_heap())
        else {
            return false;
        };
        let v = self.read(index, kind);
        store_known(self.b, self.slots, index, kind, v);
        let at = self.slot_address(index as i64);
        let address = self.input.support.closures.make_cell;
        self.heap_call(address, &[at], false);
        self.known[index] = Ty::CELL;
        true
    }

    /// `Closure(func)`: the captured scalars written to their slots, the
    /// closure made into the next operand's slot. A decline exits before
    /// the instruction; a collection due exits after it, at `next`.
    pub(super) fn lower_make_closure(&mut self, func: u32, next: usize) -> Option<V> {
        let captures = closure_captures_fit(&*self.callees, func, &self.known)?;
        for cap in captures {
            let CaptureSource::LocalValue(s) = cap else {
                continue;
            };
            let index = s as usize;
            let kind = self.known.get(index)?.exact()?;
            if !kind.is_heap() {
                let v = self.read(index, kind);
                store_known(self.b, self.slots, index, kind, v);
            }
        }
        let home = (self.input.frame_size + self.model.len()) as i64;
        let out = self.slot_address(home);
        let func_v = self.b.ins().iconst(types::I64, func as i64);
        let live = self
            .b
            .ins()
            .iconst(types::I64, self.input.frame_size as i64);
        let address = self.input.support.closures.make_closure;
        let status = self
            .heap_call(address, &[self.ctx, func_v, self.slots, live, out], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, status, 0);
        self.guard_fail(declined, Reason::Deopt);
        let made = (Scalar::NewClosure(func), out);
        let collect = self.b.ins().icmp_imm_s(IntCC::Equal, status, 2);
        let mut after = self.model.clone();
        after.push(made);
        self.exit_after_if(collect, next, after);
        Some(made)
    }

    /// Leave for the interpreter when `cond` holds, after this instruction's
    /// effects: at `next`, with the locals as they are now and the operand
    /// stack `stack` (so that the interpreter runs what it would run after
    /// the instruction, a collection).
    pub(super) fn exit_after_if(&mut self, cond: ir::Value, next: usize, stack: Vec<V>) {
        let leave = self.b.create_block();
        self.b.append_block_param(leave, types::I64);
        self.b.set_cold_block(leave);
        self.pending.push(Pending {
            block: leave,
            ip: next,
            locals: self.known.clone(),
            stack,
            after_call: false,
            closure_call: false,
            release: None,
        });
        let reason = self.b.ins().iconst(types::I64, Reason::Budget as i64);
        let cont = self.b.create_block();
        self.b
            .ins()
            .brif(cond, leave, &[ir::BlockArg::Value(reason)], cont, &[]);
        self.b.switch_to_block(cont);
    }

    /// The address of the running closure: the slot below this frame.
    fn running_closure(&mut self) -> ir::Value {
        self.slot_address(-1)
    }

    /// The address of capture `i` of the running closure, read inline
    /// when the layout is known and its function's closures keep their
    /// captures inline (layout.rs); `None` otherwise.
    fn capture_address(&mut self, i: u16) -> Option<ir::Value> {
        let layout = self.input.closure_layout?;
        let count = self.callees.captures(self.input.func)?.len();
        let offset = *layout.captures.get(i as usize)?;
        if count > INLINE_CAPTURES {
            return None;
        }
        let closure = self.running_closure();
        let flags = ir::MemFlagsData::trusted();
        let word = self.b.ins().load(types::I64, flags, closure, WORD_OFFSET);
        Some(self.b.ins().iadd_imm_s(word, offset as i64))
    }

    /// The address of the value the cell at `capture` (a `Value`'s address)
    /// holds, guarded: a cell, not borrowed mutably (or, `writing`, not
    /// borrowed at all, what `try_borrow_mut` checks).
    fn cell_value_address(&mut self, capture: ir::Value, writing: bool) -> Option<ir::Value> {
        let layout = self.input.closure_layout?;
        let flags = ir::MemFlagsData::trusted();
        let t = self.b.ins().load(types::I8, flags, capture, 0);
        let not_cell = self.b.ins().icmp_imm_s(IntCC::NotEqual, t, deopt::CELL_TAG);
        self.guard_fail(not_cell, Reason::Deopt);
        let cell = self.b.ins().load(types::I64, flags, capture, WORD_OFFSET);
        let flag = self.b.ins().load(types::I64, flags, cell, layout.cell_flag);
        let busy = if writing {
            self.b.ins().icmp_imm_s(IntCC::NotEqual, flag, 0)
        } else {
            self.b.ins().icmp_imm_s(IntCC::SignedLessThan, flag, 0)
        };
        self.guard_fail(busy, Reason::Deopt);
        Some(self.b.ins().iadd_imm_s(cell, layout.cell_value as i64))
    }

    /// `GetUpvalue(i)`, guarded to the kind seen in that capture.
    pub(super) fn lower_upvalue(&mut self, i: u16) -> Option<V> {
        let kind = self.callees.capture_kind(self.input.func, i)?;
        let source = *self.callees.captures(self.input.func)?.get(i as usize)?;
        if let Some(capture) = self.capture_address(i) {
            let at = match source {
                CaptureSource::Local(_) => self.cell_value_address(capture, false)?,
                _ => capture,
            };
            let flags = ir::MemFlagsData::trusted();
            let t = self.b.ins().load(types::I8, flags, at, 0);
            let wrong = self
                .b
                .ins()
                .icmp_imm_s(IntCC::NotEqual, t, deopt::tag(kind));
            self.guard_fail(wrong, Reason::Deopt);
            return Some((kind, load_known(self.b, at, 0, kind)));
        }
        let closure = self.running_closure();
        let at = self.b.ins().iconst(types::I64, i as i64);
        let address = self.input.support.closures.upvalue;
        Some(self.guarded_read(address, closure, at, kind))
    }

    /// `SetUpvalue(i)` of a scalar (over a scalar: nothing to release).
    pub(super) fn lower_set_upvalue(&mut self, i: u16, v: V) -> bool {
        if let Some(capture) = self.capture_address(i) {
            let Some(at) = self.cell_value_address(capture, true) else {
                return false;
            };
            let flags = ir::MemFlagsData::trusted();
            let old = self.b.ins().load(types::I8, flags, at, 0);
            let heap =
                self.b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedGreaterThan, old, deopt::tag(Scalar::Float));
            self.guard_fail(heap, Reason::Deopt);
            store_known(self.b, at, 0, v.0, v.1);
            return true;
        }
        let closure = self.running_closure();
        let at = self.b.ins().iconst(types::I64, i as i64);
        let address = self.input.support.closures.set_upvalue;
        self.checked_write(address, &[closure, at], v);
        true
    }

    /// `Call(argc)` of a borrowed closure of `func`: a compiled call with
    /// the closure in the slot below the callee's frame.
    pub(super) fn lower_call_closure(&mut self, func: u32, argc: u8) -> Option<V> {
        let first = self.model.len().checked_sub(argc as usize)?;
        let closure = *self.model.get(first.checked_sub(1)?)?;
        let kinds: Vec<Scalar> = self.model[first..].iter().map(|v| v.0).collect();
        let callee = self.callees.callee(func, &kinds)?;
        if callee.ret.is_heap() {
            return None;
        }
        if let Some(body) = callee.inline.clone() {
            if self.inlined.is_none() && body.code.len() <= self.inline_budget {
                self.inline_budget -= body.code.len();
                self.inlined_calls += 1;
                return self.inline_call(&callee, &body, first, Some(closure));
            }
        }
        Some(self.compiled_call(&callee, first, Some(closure)))
    }

    /// `SetLocal(slot)` of the owned closure or list `v` on top of the
    /// stack, in a frame the interpreter owns.
    pub(super) fn lower_store_new(&mut self, slot: u16, v: V) -> bool {
        let index = slot as usize;
        let Some(&old) = self.known.get(index) else {
            return false;
        };
        let owns = self.inlined.is_none() && self.input.entry != 0;
        let Some(stored) = stored_kind(v.0, old).filter(|_| owns) else {
            return false;
        };
        let target = self.slot_address(index as i64);
        let address = self.input.support.closures.store_owned;
        let done = self
            .heap_call(address, &[self.ctx, target, v.1], true)
            .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
        let declined = self.b.ins().icmp_imm_s(IntCC::Equal, done, 0);
        self.guard_fail(declined, Reason::Deopt);
        self.model.pop();
        self.known[index] = stored;
        true
    }

    /// `Return` of an owned closure: to a compiled caller, the frame's
    /// cells released and the closure moved into slot 0 (the caller's
    /// operand slot for the result); from the frame the bridge entered,
    /// an exit (the interpreter returns it).
    pub(super) fn return_owned(&mut self, v: V) {
        let nested = self.b.create_block();
        let top = self.b.create_block();
        self.b.ins().brif(self.nested, nested, &[], top, &[]);
        self.b.switch_to_block(nested);
        let mask = self
            .known
            .iter()
            .enumerate()
            .filter(|(_, t)| **t == Ty::CELL)
            .fold(0u64, |m, (s, _)| {
                m | 1u64.checked_shl(s as u32).unwrap_or(0)
            });
        let cells = self.known.iter().filter(|t| **t == Ty::CELL).count();
        if cells as u32 != mask.count_ones() {
            // A cell beyond the mask's 64 locals: the interpreter returns.
            self.exit_now(Reason::Deopt);
        } else {
            if mask != 0 {
                let mask = self.b.ins().iconst(types::I64, mask as i64);
                let address = self.input.support.closures.release_cells;
                let done = self
                    .heap_call(address, &[self.ctx, self.slots, mask], true)
                    .unwrap_or_else(|| self.b.ins().iconst(types::I64, 0));
                let declined = self.b.ins().icmp_imm_s(IntCC::Equal, done, 0);
                self.guard_fail(declined, Reason::Deopt);
            }
            store_known(self.b, self.slots, 0, v.0, v.1);
            self.return_with(deopt::RETURNED);
        }
        self.b.switch_to_block(top);
        self.exit_now(Reason::Return);
    }
}
