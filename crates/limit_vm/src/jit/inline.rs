//! Compiling a small callee into its caller: a call to a leaf function,
//! or to a short recursive one (`Inlinable::fits`), runs the callee's body
//! in the caller's machine code, without the call's prologue, argument
//! copies and status check. A recursive callee's own calls stay compiled
//! calls, made from the taken-in frame (its depth, `nested`, one more
//! than its caller's); so a recursive function taken into itself makes
//! every other call of its recursion inline.
//!
//! Nothing the interpreter sees changes. The checks the interpreter's
//! frame push makes (depth, value stack room) are made once at the
//! caller's entry for all its callees taken in (`check_inline_room`:
//! neither changes while the caller runs), and the call counts its step;
//! the callee's instructions count theirs. The
//! callee's frame lives where a compiled call would put it, above the
//! caller's operands: its heap arguments are copied there (borrowed, as
//! for a compiled call), its scalars live in variables of their own. An
//! exit inside the callee writes its frame back there and records it
//! (`jit_exit` with `nested`), then continues in the caller's after-call
//! exit, which writes the caller's frame back: the two interpreter frames
//! a compiled callee that exited would have left.

use cranelift_codegen::ir::{self, types, InstBuilder};

use super::super::analysis::{Analysis, Callee, State};
use super::super::deopt::{is_float, store_known, Reason, SLOT_BYTES};
use super::{Frame, Lower, V};
use crate::opcode::Op;

/// Instructions of callees one frame may take in.
pub(super) const BUDGET: usize = 240;

/// The longest callee taken in.
const LONGEST: usize = 40;

/// A callee's body, kept with its compiled entry for callers to take in.
pub(crate) struct Inlinable {
    pub(crate) func: u32,
    pub(crate) code: Vec<Op>,
    pub(crate) analysis: Analysis,
    pub(crate) start: State,
    pub(crate) frame_size: usize,
}

impl Inlinable {
    /// Whether function `func`'s entry at its start, so analysed, can be
    /// taken into its callers: short, straight-line (no back edge),
    /// calling nothing but itself, and never leaving by itself.
    ///
    /// A recursive call in a body taken in is a compiled call from the
    /// callee's frame (a frame taken in takes nothing in itself): a
    /// recursive function taken into its own calls makes half of its
    /// calls without a call's prologue, checks and argument copies.
    /// Such a body makes no list: the call would lend it.
    pub(crate) fn fits(func: u32, code: &[Op], entry: usize, analysis: &Analysis) -> bool {
        let recursive = code
            .iter()
            .any(|op| matches!(op, Op::CallDirect(f, _) if *f == func));
        entry == 0
            && code.len() <= LONGEST
            && analysis.exits.is_empty()
            && analysis.ret.is_some_and(|k| !k.is_heap())
            && code.iter().enumerate().all(|(ip, op)| {
                // No other calls, and no allocation (closures.rs): an
                // inlined callee could not exit after an instruction. (A
                // closure's body reads its captures from the closure its
                // caller stored below its slots, as for a compiled call.)
                let call = match op {
                    Op::CallDirect(f, _) => *f != func,
                    Op::NewList(..) => recursive,
                    _ => matches!(
                        op,
                        Op::Invoke(..) | Op::Call(..) | Op::Closure(..) | Op::MakeCell(..)
                    ),
                };
                !call && op.jump_target(ip).is_none_or(|t| t > ip as isize)
            })
    }
}

/// Where a callee compiled into its caller goes on.
pub(super) struct Inlined {
    /// The caller's code after the call; takes the result.
    pub(super) cont: ir::Block,
    /// The caller's after-call exit.
    pub(super) after: ir::Block,
}

impl Lower<'_, '_> {
    /// Call `callee` (whose body is `body`) on the operands from `first`
    /// by compiling its body here; the result.
    /// `closure`: a closure's body, the closure the operand below `first`.
    pub(super) fn inline_call(
        &mut self,
        callee: &Callee,
        body: &Inlinable,
        first: usize,
        closure: Option<V>,
    ) -> Option<V> {
        let base = self.input.frame_size + first;
        let callee_slots = self
            .b
            .ins()
            .iadd_imm_s(self.slots, (base as i64) * SLOT_BYTES as i64);
        // What the interpreter's frame push would refuse (no machine
        // stack is used) is checked once, at this frame's entry.
        self.inline_room = self.inline_room.max(base + callee.extent);
        let args = self.model[first..].to_vec();
        for (i, (kind, v)) in args.iter().copied().enumerate() {
            if kind.is_heap() {
                store_known(self.b, self.slots, base + i, kind, v);
            }
        }
        if let Some((kind, v)) = closure {
            store_known(self.b, self.slots, base - 1, kind, v);
        }
        self.count_step();
        let after = self.after_call_exit(first, closure.is_some());
        let cont = self.b.create_block();
        let ty = if is_float(callee.ret) {
            types::F64
        } else {
            types::I64
        };
        self.b.append_block_param(cont, ty);
        let input = super::Input {
            func: body.func,
            code: &body.code,
            constants: self.input.constants,
            analysis: &body.analysis,
            entry: 0,
            start: &body.start,
            frame_size: body.frame_size,
            support: self.input.support,
            layout: self.input.layout,
            closure_layout: self.input.closure_layout,
            checkpoint: self.input.checkpoint,
        };
        // The callee's depth, as a compiled call would give it.
        let nested = self.b.ins().iadd_imm_s(self.nested, 1);
        let frame = Frame {
            ctx: self.ctx,
            slots: callee_slots,
            nested,
            left: self.left,
            sigs: self.sigs,
            inlined: Some(Inlined { cont, after }),
        };
        let mut inner = Lower::new(self.b, self.module, self.callees, &input, frame);
        inner.enter_inlined(&args);
        inner.body();
        self.b.switch_to_block(cont);
        let result = self.b.block_params(cont)[0];
        self.model.truncate(first - closure.is_some() as usize);
        Some((callee.ret, result))
    }

    /// The callee's entry: its arguments `args` into its locals' variables
    /// (heap ones stay in their slots), the other locals nil; then its
    /// first instruction.
    fn enter_inlined(&mut self, args: &[V]) {
        let zeros = self.zeros();
        for slot in 0..self.input.frame_size {
            let value = match args.get(slot) {
                Some(&(kind, _)) if kind.is_heap() => None,
                Some(&arg) => Some(arg),
                None => Some((super::Scalar::Nil, zeros.0)),
            };
            self.define_local(slot, value, zeros);
        }
        self.clear_stack(zeros);
        match self.blocks.first() {
            Some(Some(block)) => {
                let block = *block;
                self.b.ins().jump(block, &[]);
            }
            _ => self.exit_now(Reason::Deopt),
        }
    }
}
