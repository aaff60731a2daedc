//! Lowering bytecode to Cranelift IR: `semantics::exec` run on Cranelift
//! values, one block per reachable instruction, with the kinds the
//! analysis found (analysis.rs).
//!
//! Registers: each local has three Cranelift variables, its tag (`I8`),
//! an `I64` (ints, bools as 0/1) and an `F64` (floats); which one holds
//! its value is known statically where the analysis knows its kind, and
//! from the tag where it only knows a set (a guarded read). Operand
//! stack entry `d` has an `I64` and an `F64` variable, its kind always
//! known. Exits (deopt.rs) are emitted after the body, one block per
//! instruction that can leave, taking the reason as a block parameter.
//!
//! The compiled function's signature is
//! `extern "C" fn(ctx: *mut Context, slots: *mut Value, nested: u64,
//! countdown: u64) -> (status: u64, countdown: u64)` (`nested`: the
//! number of compiled calls in progress above the frame the bridge
//! entered, this one's included: 0 for that frame; a frame with `nested`
//! above 0 was called by compiled code, which then takes the result from
//! slot 0 on `RETURNED`. It travels in a register rather than in the
//! `Context`, where a call would store it twice. runtime.rs's `Context`
//! holds what calls check; the step countdown travels in a register too,
//! `Lower::left`).

use cranelift_codegen::ir::{
    self, condcodes::FloatCC, condcodes::IntCC, types, AbiParam, BlockArg, InstBuilder, Signature,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Linkage, Module};

use super::analysis::{
    arith_kind, comparable, constant_text, equatable, names_push, Analysis, Callee, Callees, State,
    Ty,
};
use super::deopt::{self, is_float, load_known, store_dynamic, store_known, Reason, SLOT_BYTES};
use super::runtime::Context;
use super::semantics::{exec, Arith, Backend, Flow, Scalar};
use crate::opcode::{Op, Ordering};
use crate::value::Value;

#[path = "closures.rs"]
mod closures;
#[path = "conditions.rs"]
mod conditions;
#[path = "dispatch.rs"]
mod dispatch;
#[path = "heap.rs"]
mod heap;
#[path = "lists.rs"]
mod lists;
#[path = "owned.rs"]
mod owned;

pub(crate) use closures::ClosureSupport;
pub(crate) use heap::HeapSupport;
pub(crate) use lists::ListSupport;

/// Addresses of the support functions compiled code calls (runtime.rs).
pub(crate) struct Support {
    pub(crate) exit: usize,
    pub(crate) exit_caller: usize,
    pub(crate) heap: HeapSupport,
    pub(crate) closures: ClosureSupport,
    pub(crate) lists: ListSupport,
    pub(crate) checkpoint: usize,
}

/// What one entry point is compiled from.
pub(crate) struct Input<'a> {
    /// The function's index.
    pub(crate) func: u32,
    pub(crate) code: &'a [Op],
    pub(crate) constants: &'a [Value],
    pub(crate) analysis: &'a Analysis,
    pub(crate) entry: usize,
    /// The kinds at the entry (what the bridge checked; the analysis's
    /// state there may be wider, joined with a back edge's).
    pub(crate) start: &'a State,
    pub(crate) frame_size: usize,
    pub(crate) support: &'a Support,
    /// Where lists' elements and instances' fields are, when compiled
    /// code may read them inline (layout.rs).
    pub(crate) layout: Option<super::layout::HeapLayout>,
    /// Where closures' captures and cells' values are, when compiled code
    /// may read them inline (layout.rs).
    pub(crate) closure_layout: Option<super::layout::ClosureLayout>,
    /// The checkpoint's trampoline (`define_checkpoint`).
    pub(crate) checkpoint: FuncId,
}

/// The signature of every compiled entry point.
pub(crate) fn entry_signature(module: &JITModule) -> Signature {
    let mut sig = module.make_signature();
    for _ in 0..4 {
        sig.params.push(AbiParam::new(types::I64));
    }
    for _ in 0..2 {
        sig.returns.push(AbiParam::new(types::I64));
    }
    sig
}

/// The byte offset of a `Context` field.
macro_rules! at {
    ($field:ident) => {
        std::mem::offset_of!(Context, $field) as i32
    };
}

#[path = "inline.rs"]
mod inline;

pub(crate) use inline::Inlinable;

fn support_signature(module: &JITModule, params: usize, returns: bool) -> Signature {
    let mut sig = module.make_signature();
    for _ in 0..params {
        sig.params.push(AbiParam::new(types::I64));
    }
    if returns {
        sig.returns.push(AbiParam::new(types::I64));
    }
    sig
}

/// Define the checkpoint's trampoline: `fn(ctx)` in the `preserve_all`
/// convention (it saves every register it uses, its caller keeps its
/// values in registers across the call), calling `support.checkpoint`
/// (`runtime::jit_checkpoint`) in the platform's. That convention has no
/// results: compiled code reads the VM's countdown after the call.
pub(crate) fn define_checkpoint(module: &mut JITModule, support: &Support) -> Option<FuncId> {
    let mut sig = module.make_signature();
    sig.call_conv = cranelift_codegen::isa::CallConv::PreserveAll;
    sig.params.push(AbiParam::new(types::I64));
    let id = module
        .declare_function("limit_checkpoint", Linkage::Local, &sig)
        .ok()?;
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
    let target = b.import_signature(support_signature(module, 1, true));
    let block = b.create_block();
    b.append_block_params_for_function_params(block);
    b.switch_to_block(block);
    let vm_ctx = b.block_params(block)[0];
    let callee = b.ins().iconst(types::I64, support.checkpoint as i64);
    b.ins().call_indirect(target, callee, &[vm_ctx]);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(module.isa().frontend_config());
    module.define_function(id, &mut ctx).ok()?;
    Some(id)
}

/// Lower `input` into `func` (whose signature is set here); the number of
/// calls whose callee it took in.
pub(crate) fn lower(
    module: &mut JITModule,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
    input: &Input,
    callees: &mut dyn Callees,
) -> usize {
    func.signature = entry_signature(module);
    let sigs = [
        support_signature(module, 7, false),
        support_signature(module, 6, false),
    ];
    let mut b = FunctionBuilder::new(func, fctx);
    let sig_refs = sigs.map(|s| b.import_signature(s));
    let start = b.create_block();
    b.append_block_params_for_function_params(start);
    b.switch_to_block(start);
    let params = b.block_params(start).to_vec();
    let left = b.declare_var(types::I32);
    let left_in = b.ins().ireduce(types::I32, params[3]);
    b.def_var(left, left_in);
    let frame = Frame {
        ctx: params[0],
        slots: params[1],
        nested: params[2],
        left,
        sigs: sig_refs,
        inlined: None,
    };
    let mut lw = Lower::new(&mut b, module, callees, input, frame);
    lw.load_entry();
    lw.body();
    let inlined = lw.inlined_calls;
    let config = lw.module.isa().frontend_config();
    b.seal_all_blocks();
    b.finalize(config);
    inlined
}

/// What a `Lower` of one frame works on: the entry point's parameters,
/// or, for a callee compiled into its caller (inline.rs), the caller's
/// context and countdown with the callee's slots.
struct Frame {
    ctx: ir::Value,
    slots: ir::Value,
    nested: ir::Value,
    left: Variable,
    sigs: [ir::SigRef; 2],
    inlined: Option<inline::Inlined>,
}

/// An exit block emitted after the body.
struct Pending {
    block: ir::Block,
    ip: usize,
    locals: Vec<Ty>,
    stack: Vec<(Scalar, ir::Value)>,
    /// A callee exited: continue after the call (`jit_exit_caller`).
    after_call: bool,
    /// That callee was called as a closure (closures.rs).
    closure_call: bool,
    /// Owned values lent to that callee, copied to a stack slot, which
    /// this caller releases (lists.rs): the callee's frame took its own
    /// references when it exited.
    release: Option<(ir::StackSlot, usize)>,
}

type V = (Scalar, ir::Value);

struct Lower<'a, 'f> {
    b: &'a mut FunctionBuilder<'f>,
    module: &'a mut JITModule,
    callees: &'a mut dyn Callees,
    input: &'a Input<'a>,
    ctx: ir::Value,
    slots: ir::Value,
    nested: ir::Value,
    tag: Vec<Variable>,
    ival: Vec<Variable>,
    fval: Vec<Variable>,
    si: Vec<Variable>,
    sf: Vec<Variable>,
    /// The step countdown, in a register while compiled code runs: an
    /// entry point receives it as an argument and returns it with its
    /// status (a compiled call passes its own and goes on with the
    /// callee's). It is written back to the VM's countdown (`Vm::countdown`)
    /// only before what reads it there: the checkpoint, which may change
    /// it, and an exit.
    left: Variable,
    blocks: Vec<Option<ir::Block>>,
    ip: usize,
    /// The analysis's kinds of the locals before this instruction.
    locals_in: Vec<Ty>,
    /// Those kinds as guards in this instruction refined them.
    known: Vec<Ty>,
    /// The operand stack, as the instruction changes it.
    model: Vec<V>,
    /// The operand stack before this instruction (for its exits).
    start: Vec<V>,
    exit_block: Option<ir::Block>,
    pending: Vec<Pending>,
    /// exit, exit_caller.
    sigs: [ir::SigRef; 2],
    heap: heap::HeapState,
    /// Set when this frame is a callee compiled into its caller.
    inlined: Option<inline::Inlined>,
    /// Instructions callees compiled into this frame may still add.
    inline_budget: usize,
    /// Calls whose callee this frame took in.
    inlined_calls: usize,
    /// Bools that are comparisons, for branches to test directly.
    conds: conditions::Conditions,
    /// The block between loading the frame and the entry instruction,
    /// filled after the body (`check_inline_room`).
    precheck: Option<ir::Block>,
    /// How far (in slots from this frame's slot 0) the frames of callees
    /// compiled into this one reach: checked once at the entry.
    inline_room: usize,
}

impl<'a, 'f> Lower<'a, 'f> {
    /// A lowering of `input`'s frame into `b`, with variables for its
    /// locals and operand stack.
    fn new(
        b: &'a mut FunctionBuilder<'f>,
        module: &'a mut JITModule,
        callees: &'a mut dyn Callees,
        input: &'a Input<'a>,
        frame: Frame,
    ) -> Self {
        let frame_size = input.frame_size;
        let depth = input.analysis.max_stack;
        let mut declare =
            |n: usize, ty| -> Vec<Variable> { (0..n).map(|_| b.declare_var(ty)).collect() };
        let tag = declare(frame_size, types::I8);
        let ival = declare(frame_size, types::I64);
        let fval = declare(frame_size, types::F64);
        let si = declare(depth, types::I64);
        let sf = declare(depth, types::F64);
        let blocks = input
            .analysis
            .states
            .iter()
            .map(|s| s.as_ref().map(|_| b.create_block()))
            .collect();
        Lower {
            b,
            module,
            callees,
            input,
            ctx: frame.ctx,
            slots: frame.slots,
            nested: frame.nested,
            tag,
            ival,
            fval,
            si,
            sf,
            left: frame.left,
            blocks,
            ip: 0,
            locals_in: Vec::new(),
            known: Vec::new(),
            model: Vec::new(),
            start: Vec::new(),
            exit_block: None,
            pending: Vec::new(),
            sigs: frame.sigs,
            heap: heap::HeapState::default(),
            inlined: frame.inlined,
            inline_budget: inline::BUDGET,
            inlined_calls: 0,
            conds: conditions::Conditions::default(),
            precheck: None,
            inline_room: 0,
        }
    }

    /// Every instruction, then the entry's check, then the exit blocks.
    fn body(&mut self) {
        for ip in 0..self.input.code.len() {
            self.instruction(ip);
        }
        if let Some(block) = self.precheck.take() {
            self.check_inline_room(block);
        }
        self.emit_pending();
    }

    /// The entry's way to its first instruction: when callees were
    /// compiled into this frame, a check of what the interpreter's frame
    /// push would refuse for any of them (the call-depth limit, a value
    /// stack that would have to grow), made once here rather than at each
    /// call: neither changes while this frame runs, and leaving at the
    /// entry instead of at the call only lets the interpreter run what
    /// compiled code would have run up to there.
    fn check_inline_room(&mut self, block: ir::Block) {
        self.b.switch_to_block(block);
        let entry = match self.blocks.get(self.input.entry) {
            Some(Some(entry)) => Some(*entry),
            _ => None,
        };
        if let (Some(entry), 0) = (entry, self.inline_room) {
            self.b.ins().jump(entry, &[]);
            return;
        }
        // Exits from here leave with the entry's state.
        self.ip = self.input.entry;
        self.locals_in = self.input.start.locals.clone();
        self.known = self.locals_in.clone();
        self.exit_block = None;
        let kinds = self.input.start.stack.clone();
        self.start = self.stack_model(&kinds);
        self.model = self.start.clone();
        let Some(entry) = entry else {
            self.exit_now(Reason::Deopt);
            return;
        };
        let refused = self.push_refused(self.slots, self.inline_room);
        self.guard_fail(refused, Reason::Budget);
        self.b.ins().jump(entry, &[]);
    }

    /// The entry block: the frame's values into registers (the kinds are
    /// the entry point's, which the bridge checked), then the entry
    /// instruction.
    fn load_entry(&mut self) {
        let state = self.input.start.clone();
        let zeros = self.zeros();
        for (slot, ty) in state.locals.iter().enumerate() {
            let value = ty
                .exact()
                .map(|kind| (kind, load_known(self.b, self.slots, slot, kind)));
            self.define_local(slot, value, zeros);
        }
        self.clear_stack(zeros);
        for (d, kind) in state.stack.iter().enumerate() {
            let v = load_known(self.b, self.slots, self.input.frame_size + d, *kind);
            let var = if is_float(*kind) {
                self.sf[d]
            } else {
                self.si[d]
            };
            self.b.def_var(var, v);
        }
        let precheck = self.b.create_block();
        self.b.ins().jump(precheck, &[]);
        self.precheck = Some(precheck);
    }

    /// An `I64` and an `F64` zero, for registers that hold nothing yet.
    fn zeros(&mut self) -> (ir::Value, ir::Value) {
        (
            self.b.ins().iconst(types::I64, 0),
            self.b.ins().f64const(0.0),
        )
    }

    /// Define local `slot`'s variables at an entry: `value`'s tag, and its
    /// register in the class of its kind; `None` for a local the analysis
    /// knows only as a set of kinds, or a heap value that stays in its
    /// slot, never read or written through the variables.
    fn define_local(&mut self, slot: usize, value: Option<V>, zeros: (ir::Value, ir::Value)) {
        let (zero, fzero) = zeros;
        let (t, i, f) = match value {
            Some((kind, v)) => {
                let t = self.b.ins().iconst(types::I8, deopt::tag(kind));
                if is_float(kind) {
                    (t, zero, v)
                } else {
                    (t, v, fzero)
                }
            }
            None => (self.b.ins().iconst(types::I8, 0xff), zero, fzero),
        };
        self.b.def_var(self.tag[slot], t);
        self.b.def_var(self.ival[slot], i);
        self.b.def_var(self.fval[slot], f);
    }

    /// Every operand stack variable zero at an entry.
    fn clear_stack(&mut self, zeros: (ir::Value, ir::Value)) {
        for d in 0..self.si.len() {
            self.b.def_var(self.si[d], zeros.0);
            self.b.def_var(self.sf[d], zeros.1);
        }
    }

    fn instruction(&mut self, ip: usize) {
        let (Some(Some(block)), Some(Some(state))) =
            (self.blocks.get(ip), self.input.analysis.states.get(ip))
        else {
            return;
        };
        self.b.switch_to_block(*block);
        self.ip = ip;
        self.locals_in = state.locals.clone();
        self.known = state.locals.clone();
        self.exit_block = None;
        self.model = self.stack_model(&state.stack);
        self.start = self.model.clone();
        if exec(self, ip, self.input.code[ip]) == Flow::Next {
            self.sync_stack();
            match self.blocks.get(ip + 1) {
                Some(Some(next)) => {
                    let next = *next;
                    self.b.ins().jump(next, &[]);
                }
                // Unreachable by the analysis (it adds every successor);
                // leave rather than fall off the function.
                _ => self.exit_now(Reason::Deopt),
            }
        }
    }

    /// The operand stack of kinds `kinds`, read from its variables.
    fn stack_model(&mut self, kinds: &[Scalar]) -> Vec<V> {
        kinds
            .iter()
            .enumerate()
            .map(|(d, kind)| {
                let var = if is_float(*kind) {
                    self.sf[d]
                } else {
                    self.si[d]
                };
                (*kind, self.b.use_var(var))
            })
            .collect()
    }

    /// Write the operand stack model into the stack variables (before
    /// control leaves the instruction).
    fn sync_stack(&mut self) {
        for (d, (kind, v)) in self.model.clone().into_iter().enumerate() {
            let var = if is_float(kind) {
                self.sf.get(d)
            } else {
                self.si.get(d)
            };
            if let Some(var) = var {
                self.b.def_var(*var, v);
            }
        }
    }

    /// The register holding local `slot` of kind `kind` (a heap value's
    /// is its slot's address, heap.rs).
    fn read(&mut self, slot: usize, kind: Scalar) -> ir::Value {
        match kind {
            Scalar::Nil => self.b.ins().iconst(types::I64, 0),
            Scalar::List(_)
            | Scalar::Instance(_)
            | Scalar::ListIter(_)
            | Scalar::Closure(_)
            | Scalar::NewClosure(_)
            | Scalar::NewList(_) => self
                .b
                .ins()
                .iadd_imm_s(self.slots, slot as i64 * SLOT_BYTES as i64),
            Scalar::Float => self.b.use_var(self.fval[slot]),
            _ => self.b.use_var(self.ival[slot]),
        }
    }

    /// This instruction's exit block (made at its first use).
    fn exit_block(&mut self) -> ir::Block {
        if let Some(block) = self.exit_block {
            return block;
        }
        let block = self.b.create_block();
        self.b.append_block_param(block, types::I64);
        self.b.set_cold_block(block);
        self.pending.push(Pending {
            block,
            ip: self.ip,
            locals: self.locals_in.clone(),
            stack: self.start.clone(),
            after_call: false,
            closure_call: false,
            release: None,
        });
        self.exit_block = Some(block);
        block
    }

    /// Leave for the interpreter when `fails` (an `I8` condition) holds.
    fn guard_fail(&mut self, fails: ir::Value, reason: Reason) {
        let exit = self.exit_block();
        let code = self.b.ins().iconst(types::I64, reason as i64);
        let cont = self.b.create_block();
        self.brif_on(fails, exit, &[BlockArg::Value(code)], cont);
        self.b.switch_to_block(cont);
    }

    /// Continue at `then` (with `args`) when `cond` holds, else at
    /// `otherwise`, testing the comparisons behind `cond` directly
    /// (conditions.rs): either of two is two branches to `then`, and a
    /// negation swaps the targets.
    fn brif_on(
        &mut self,
        cond: ir::Value,
        then: ir::Block,
        args: &[BlockArg],
        otherwise: ir::Block,
    ) {
        if let Some((a, b)) = self.conds.any_of(cond) {
            let second = self.b.create_block();
            self.brif_on(a, then, args, second);
            self.b.switch_to_block(second);
            self.brif_on(b, then, args, otherwise);
            return;
        }
        match self.conds.branch_operand(cond) {
            (test, false) => self.b.ins().brif(test, then, args, otherwise, &[]),
            (test, true) => self.b.ins().brif(test, otherwise, &[], then, args),
        };
    }

    /// A condition true when `a` or `b` is (a list access's guard), which
    /// branches test as two (`brif_on`). Not for a call's checks: as two
    /// branches they cost `fib` 2% more instructions, not fewer.
    fn any(&mut self, a: ir::Value, b: ir::Value) -> ir::Value {
        let any = self.b.ins().bor(a, b);
        self.conds.note_any(any, a, b);
        any
    }

    /// Leave for the interpreter unconditionally.
    fn exit_now(&mut self, reason: Reason) {
        let exit = self.exit_block();
        let code = self.b.ins().iconst(types::I64, reason as i64);
        self.b.ins().jump(exit, &[BlockArg::Value(code)]);
    }

    /// The value of `v` when it is an integer constant (`iconst`).
    fn constant_int(&self, v: ir::Value) -> Option<i64> {
        let ir::ValueDef::Result(inst, 0) = self.b.func.dfg.value_def(v) else {
            return None;
        };
        match self.b.func.dfg.insts[inst] {
            ir::InstructionData::UnaryImm {
                opcode: ir::Opcode::Iconst,
                imm,
            } => Some(imm.bits()),
            _ => None,
        }
    }

    fn as_float(&mut self, v: V) -> ir::Value {
        if is_float(v.0) {
            v.1
        } else {
            self.b.ins().fcvt_from_sint(types::F64, v.1)
        }
    }

    fn flag(&mut self, c: ir::Value) -> ir::Value {
        let wide = self.b.ins().uextend(types::I64, c);
        self.conds.note_flag(wide, c);
        wide
    }

    fn call_support(&mut self, which: usize, address: usize, args: &[ir::Value]) -> ir::Inst {
        let callee = self.b.ins().iconst(types::I64, address as i64);
        self.b.ins().call_indirect(self.sigs[which], callee, args)
    }

    /// Count one step: decrement the VM's countdown, or, where the
    /// checkpoint is due (the countdown at 1), run it in place and exit
    /// when it has more to do than take the next chunk (the countdown is
    /// then still 1), before this instruction's effects.
    ///
    /// The checkpoint is called through a trampoline that preserves every
    /// register (`define_checkpoint`): through an ordinary call, every
    /// value live across it had to be in a callee-saved register or on
    /// the machine stack, and the register allocator spilled all of
    /// mandel's floats, or shuffled a loop's values between registers
    /// on every iteration.
    fn count_step(&mut self) {
        let left = self.b.use_var(self.left);
        let due = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, left, 1);
        let checkpoint = self.b.create_block();
        let count = self.b.create_block();
        let done = self.b.create_block();
        self.b.set_cold_block(checkpoint);
        self.b.ins().brif(due, checkpoint, &[], count, &[]);
        self.b.switch_to_block(count);
        let less = self.b.ins().iadd_imm_s(left, -1);
        self.b.def_var(self.left, less);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(checkpoint);
        let trampoline = self
            .module
            .declare_func_in_func(self.input.checkpoint, self.b.func);
        self.flush_countdown();
        self.b.ins().call(trampoline, &[self.ctx]);
        let now = self.reload_countdown();
        let declined = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, now, 1);
        self.guard_fail(declined, Reason::Budget);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }

    /// Whether the interpreter's frame push would refuse a callee whose
    /// frame of `extent` slots starts at `callee_slots` (the call-depth
    /// limit reached, or a value stack that would have to grow). This
    /// frame's depth is `nested`.
    fn push_refused(&mut self, callee_slots: ir::Value, extent: usize) -> ir::Value {
        let flags = ir::MemFlagsData::trusted();
        let depth = self.nested;
        let limit = self
            .b
            .ins()
            .load(types::I64, flags, self.ctx, at!(depth_limit));
        let too_deep = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, depth, limit);
        let end = self
            .b
            .ins()
            .iadd_imm_s(callee_slots, extent as i64 * SLOT_BYTES as i64);
        let stack_end = self
            .b
            .ins()
            .load(types::I64, flags, self.ctx, at!(stack_end));
        let no_room = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, stack_end);
        self.b.ins().bor(too_deep, no_room)
    }

    /// The exit taken when the callee of this instruction's call, whose
    /// arguments start at operand `first`, exited: the caller's frame
    /// written back to continue after the call (`jit_exit_caller`).
    fn after_call_exit(&mut self, first: usize, closure_call: bool) -> ir::Block {
        let after = self.b.create_block();
        self.b.set_cold_block(after);
        self.pending.push(Pending {
            block: after,
            ip: self.ip,
            locals: self.locals_in.clone(),
            stack: self.start[..first.min(self.start.len())].to_vec(),
            after_call: true,
            closure_call,
            release: None,
        });
        after
    }

    /// The address of the VM's countdown.
    fn counter(&mut self) -> ir::Value {
        self.b.ins().load(
            types::I64,
            ir::MemFlagsData::trusted(),
            self.ctx,
            at!(countdown),
        )
    }

    /// Write the countdown register back to the VM's countdown.
    fn flush_countdown(&mut self) {
        let left = self.b.use_var(self.left);
        let counter = self.counter();
        self.b
            .ins()
            .store(ir::MemFlagsData::trusted(), left, counter, 0);
    }

    /// Read the VM's countdown into the register (after the checkpoint
    /// changed it); its value.
    fn reload_countdown(&mut self) -> ir::Value {
        let counter = self.counter();
        let now = self
            .b
            .ins()
            .load(types::I32, ir::MemFlagsData::trusted(), counter, 0);
        self.b.def_var(self.left, now);
        now
    }

    /// Return `status` and the countdown to the caller.
    fn return_with(&mut self, status: i64) {
        let status = self.b.ins().iconst(types::I64, status);
        let left = self.b.use_var(self.left);
        let left = self.b.ins().uextend(types::I64, left);
        self.b.ins().return_(&[status, left]);
    }

    /// Write the locals (kinds `locals`) and `stack` back into the frame,
    /// the interpreter owning every heap value in it then (heap.rs).
    fn write_back(&mut self, locals: &[Ty], stack: &[V]) {
        let mut heap_locals = Vec::new();
        for (slot, ty) in locals.iter().enumerate() {
            if *ty == Ty::CELL {
                // A cell this frame made, in its slot and owned there.
                continue;
            }
            if ty.is_heap() {
                // Still in its slot: owned there, or borrowed (below).
                heap_locals.push(slot);
                continue;
            }
            match ty.exact() {
                Some(kind) => {
                    let v = self.read(slot, kind);
                    store_known(self.b, self.slots, slot, kind, v);
                }
                None => {
                    let regs = [
                        self.b.use_var(self.tag[slot]),
                        self.b.use_var(self.ival[slot]),
                        self.b.use_var(self.fval[slot]),
                    ];
                    store_dynamic(self.b, self.slots, slot, *ty, regs);
                }
            }
        }
        let base = self.input.frame_size;
        let mut heap_operands = Vec::new();
        for (d, (kind, v)) in stack.iter().enumerate() {
            if matches!(kind, Scalar::ListIter(_)) || kind.is_owned() {
                // Never moved from the slot it was found in (or made in),
                // and owned there: by the interpreter all along (heap.rs),
                // or by compiled code until now (closures.rs).
                continue;
            }
            store_known(self.b, self.slots, base + d, *kind, *v);
            if kind.is_heap() {
                heap_operands.push(base + d);
            }
        }
        self.retain_for_exit(&heap_operands, &heap_locals);
    }

    /// A call of `callee`'s compiled code on the operands from `first`;
    /// `closure`: a closure's, the operand below `first` (closures.rs).
    /// The result.
    fn compiled_call(&mut self, callee: &Callee, first: usize, closure: Option<V>) -> V {
        let base = self.input.frame_size + first;
        let flags = ir::MemFlagsData::trusted();
        let callee_slots = self
            .b
            .ins()
            .iadd_imm_s(self.slots, (base as i64) * SLOT_BYTES as i64);
        // What the interpreter's frame push would refuse, and a checkpoint
        // due: leave the call to it (runtime.rs's `Context`).
        let pushable = self.push_refused(callee_slots, callee.extent);
        let machine_sp = self.b.ins().get_stack_pointer(types::I64);
        let floor = self
            .b
            .ins()
            .load(types::I64, flags, self.ctx, at!(native_floor));
        let no_machine_stack = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThan, machine_sp, floor);
        let refused = self.b.ins().bor(pushable, no_machine_stack);
        self.guard_fail(refused, Reason::Budget);
        // The arguments go where the interpreter keeps them (an exit at
        // the checkpoint writes them there too); then the call counts one
        // step, as the interpreter's does.
        for (i, (kind, v)) in self.model[first..].iter().copied().enumerate() {
            store_known(self.b, self.slots, base + i, kind, v);
        }
        if let Some((kind, v)) = closure {
            // Where `Call` leaves it, and the callee reads its captures.
            store_known(self.b, self.slots, base - 1, kind, v);
        }
        self.count_step();
        // Owned arguments are lent: the caller releases them after the
        // call, from copies (the callee's result goes over its slot 0).
        let lent = self.save_lent(first);
        let fref = self.module.declare_func_in_func(callee.id, self.b.func);
        let deeper = self.b.ins().iadd_imm_s(self.nested, 1);
        let left = self.b.use_var(self.left);
        let left = self.b.ins().uextend(types::I64, left);
        let call = self
            .b
            .ins()
            .call(fref, &[self.ctx, callee_slots, deeper, left]);
        let (status, left) = (self.b.inst_results(call)[0], self.b.inst_results(call)[1]);
        let left = self.b.ins().ireduce(types::I32, left);
        self.b.def_var(self.left, left);
        let after = self.after_call_exit(first, closure.is_some());
        if let Some(p) = self.pending.last_mut() {
            p.release = lent;
        }
        let cont = self.b.create_block();
        self.b.ins().brif(status, after, &[], cont, &[]);
        self.b.switch_to_block(cont);
        self.release_lent(lent);
        let result = load_known(self.b, callee_slots, 0, callee.ret);
        self.model.truncate(first - closure.is_some() as usize);
        (callee.ret, result)
    }

    /// The exit blocks, after the body.
    fn emit_pending(&mut self) {
        for p in std::mem::take(&mut self.pending) {
            self.b.switch_to_block(p.block);
            self.flush_countdown();
            self.write_back(&p.locals, &p.stack);
            let func = self.b.ins().iconst(types::I64, self.input.func as i64);
            if p.after_call {
                let resume = self.b.ins().iconst(types::I64, p.ip as i64 + 1);
                let closure_call = self.b.ins().iconst(types::I64, p.closure_call as i64);
                let args = [
                    self.ctx,
                    func,
                    self.slots,
                    resume,
                    self.nested,
                    closure_call,
                ];
                self.call_support(1, self.input.support.exit_caller, &args);
                self.release_lent(p.release);
            } else {
                let ip = self.b.ins().iconst(types::I64, p.ip as i64);
                let reason = self.b.block_params(p.block)[0];
                let depth = self.b.ins().iconst(types::I64, p.stack.len() as i64);
                let args = [self.ctx, func, self.slots, ip, depth, reason, self.nested];
                self.call_support(0, self.input.support.exit, &args);
            }
            match &self.inlined {
                Some(inlined) => {
                    let after = inlined.after;
                    self.b.ins().jump(after, &[]);
                }
                None => self.return_with(deopt::EXITED),
            }
        }
    }
}

impl Backend for Lower<'_, '_> {
    type V = V;

    fn kind(&self, v: V) -> Scalar {
        v.0
    }

    fn local(&mut self, slot: u16) -> Option<V> {
        let slot = slot as usize;
        let ty = *self.known.get(slot)?;
        if let Some(kind) = ty.exact() {
            return Some((kind, self.read(slot, kind)));
        }
        let kind = ty.guess()?;
        let t = self.b.use_var(self.tag[slot]);
        let wrong = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, t, deopt::tag(kind));
        self.guard_fail(wrong, Reason::Deopt);
        self.known[slot] = Ty::scalar(kind);
        Some((kind, self.read(slot, kind)))
    }

    fn writable(&mut self, slot: u16) -> bool {
        self.known.get(slot as usize).is_some_and(|t| !t.is_heap())
    }

    fn set_local(&mut self, slot: u16, v: V) {
        let slot = slot as usize;
        if slot >= self.tag.len() {
            return;
        }
        let t = self.b.ins().iconst(types::I8, deopt::tag(v.0));
        self.b.def_var(self.tag[slot], t);
        match v.0 {
            Scalar::Float => self.b.def_var(self.fval[slot], v.1),
            _ => self.b.def_var(self.ival[slot], v.1),
        }
        self.known[slot] = Ty::scalar(v.0);
    }

    fn pop(&mut self) -> Option<V> {
        // A list iterator stays in its slot (heap.rs), an owned closure
        // until stored or returned (closures.rs): nothing else takes them.
        let top = self.model.last()?.0;
        if matches!(top, Scalar::ListIter(_)) || top.is_owned() {
            return None;
        }
        self.model.pop()
    }

    fn push(&mut self, v: V) {
        self.model.push(v);
    }

    fn peek(&mut self, n: usize) -> Option<V> {
        let len = self.model.len();
        self.model.get(len.checked_sub(n + 1)?).copied()
    }

    fn constant(&mut self, k: u32) -> Option<V> {
        Some(match self.input.constants.get(k as usize)? {
            Value::Int(i) => (Scalar::Int, self.b.ins().iconst(types::I64, *i)),
            Value::Float(f) => (Scalar::Float, self.b.ins().f64const(*f)),
            Value::Bool(t) => (Scalar::Bool, self.b.ins().iconst(types::I64, *t as i64)),
            Value::Nil => (Scalar::Nil, self.b.ins().iconst(types::I64, 0)),
            _ => return None,
        })
    }

    fn int(&mut self, n: i64) -> V {
        (Scalar::Int, self.b.ins().iconst(types::I64, n))
    }

    fn boolean(&mut self, t: bool) -> V {
        (Scalar::Bool, self.b.ins().iconst(types::I64, t as i64))
    }

    fn nil(&mut self) -> V {
        (Scalar::Nil, self.b.ins().iconst(types::I64, 0))
    }

    fn arith(&mut self, op: Arith, a: V, b: V) -> Option<V> {
        let kind = arith_kind(op, a.0, b.0)?;
        if kind == Scalar::Int {
            let (x, y) = (a.1, b.1);
            let r = match op {
                Arith::Add | Arith::Sub if self.constant_int(y).is_some() => {
                    // `x ± c`: the sum wrapped when it moved the wrong way
                    // from `x`, a compare that fuses with its jump (the
                    // overflow flag of an add does not: it is set into a
                    // register and tested), with no 64-bit bound to hold.
                    let c = self.constant_int(y).unwrap_or(0);
                    let c = if op == Arith::Sub {
                        c.checked_neg()
                    } else {
                        Some(c)
                    };
                    match c {
                        Some(c) => {
                            let r = self.b.ins().iadd_imm_s(x, c);
                            if c != 0 {
                                let order = if c > 0 {
                                    IntCC::SignedLessThan
                                } else {
                                    IntCC::SignedGreaterThan
                                };
                                let wrapped = self.b.ins().icmp(order, r, x);
                                self.guard_fail(wrapped, Reason::Deopt);
                            }
                            r
                        }
                        // `x - i64::MIN`: overflows unless `x` is negative.
                        None => {
                            let (r, overflow) = self.b.ins().ssub_overflow(x, y);
                            self.guard_fail(overflow, Reason::Deopt);
                            r
                        }
                    }
                }
                Arith::Add | Arith::Sub | Arith::Mul => {
                    let (r, overflow) = match op {
                        Arith::Add => self.b.ins().sadd_overflow(x, y),
                        Arith::Sub => self.b.ins().ssub_overflow(x, y),
                        _ => self.b.ins().smul_overflow(x, y),
                    };
                    // Overflow: the interpreter promotes to a big int.
                    self.guard_fail(overflow, Reason::Deopt);
                    r
                }
                Arith::Div | Arith::Mod => {
                    // A zero divisor traps in the interpreter; -1 may
                    // overflow (`i64::MIN / -1`): both left to it (a
                    // constant divisor is neither, or never compiled so).
                    if !self.constant_int(y).is_some_and(|c| c != 0 && c != -1) {
                        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                        let minus = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                        let fails = self.b.ins().bor(zero, minus);
                        self.guard_fail(fails, Reason::Deopt);
                    }
                    if op == Arith::Div {
                        self.b.ins().sdiv(x, y)
                    } else {
                        self.b.ins().srem(x, y)
                    }
                }
            };
            return Some((Scalar::Int, r));
        }
        let (x, y) = (self.as_float(a), self.as_float(b));
        let r = match op {
            Arith::Add => self.b.ins().fadd(x, y),
            Arith::Sub => self.b.ins().fsub(x, y),
            Arith::Mul => self.b.ins().fmul(x, y),
            Arith::Div => self.b.ins().fdiv(x, y),
            Arith::Mod => return None,
        };
        Some((Scalar::Float, r))
    }

    fn compare(&mut self, order: Ordering, a: V, b: V) -> Option<V> {
        if !comparable(a.0, b.0) {
            return None;
        }
        let c = if a.0 == Scalar::Int {
            let cc = match order {
                Ordering::Lt => IntCC::SignedLessThan,
                Ordering::Le => IntCC::SignedLessThanOrEqual,
                Ordering::Gt => IntCC::SignedGreaterThan,
                Ordering::Ge => IntCC::SignedGreaterThanOrEqual,
            };
            self.b.ins().icmp(cc, a.1, b.1)
        } else {
            let cc = match order {
                Ordering::Lt => FloatCC::LessThan,
                Ordering::Le => FloatCC::LessThanOrEqual,
                Ordering::Gt => FloatCC::GreaterThan,
                Ordering::Ge => FloatCC::GreaterThanOrEqual,
            };
            self.b.ins().fcmp(cc, a.1, b.1)
        };
        Some((Scalar::Bool, self.flag(c)))
    }

    fn equal(&mut self, a: V, b: V) -> Option<V> {
        if !equatable(a.0, b.0) {
            return None;
        }
        if a.0 == Scalar::Nil {
            return Some(self.boolean(true));
        }
        let c = self.b.ins().icmp(IntCC::Equal, a.1, b.1);
        Some((Scalar::Bool, self.flag(c)))
    }

    fn truthy(&mut self, v: V) -> V {
        match v.0 {
            Scalar::Nil => self.boolean(false),
            Scalar::Bool => v,
            Scalar::Int
            | Scalar::Float
            | Scalar::List(_)
            | Scalar::Instance(_)
            | Scalar::ListIter(_)
            | Scalar::Closure(_)
            | Scalar::NewClosure(_)
            | Scalar::NewList(_) => self.boolean(true),
        }
    }

    fn not(&mut self, v: V) -> V {
        let not = self.b.ins().bxor_imm_s(v.1, 1);
        self.conds.note_negation(not, v.1);
        (Scalar::Bool, not)
    }

    fn negate(&mut self, v: V) -> Option<V> {
        match v.0 {
            Scalar::Int => {
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, v.1, i64::MIN);
                self.guard_fail(min, Reason::Deopt);
                Some((Scalar::Int, self.b.ins().ineg(v.1)))
            }
            Scalar::Float => Some((Scalar::Float, self.b.ins().fneg(v.1))),
            _ => None,
        }
    }

    fn to_float(&mut self, v: V) -> V {
        (Scalar::Float, self.as_float(v))
    }

    fn element(&mut self, list: V, index: V, kind: Scalar) -> V {
        self.lower_element(list, index, kind)
    }

    fn iter_next(&mut self, iter: V, kind: Scalar) -> (V, V) {
        self.lower_iter_next(iter, kind)
    }

    fn set_element(&mut self, list: V, index: V, v: V) {
        self.lower_set_element(list, index, v)
    }

    fn field(&mut self, obj: V, slot: u16, kind: Scalar) -> V {
        self.lower_field(obj, slot, kind)
    }

    fn set_field(&mut self, obj: V, slot: u16, v: V) {
        self.lower_set_field(obj, slot, v)
    }

    fn append(&mut self, list: V, v: V) {
        self.lower_append(list, v)
    }

    fn field_kind(&mut self, class: u32, slot: u16) -> Option<Scalar> {
        self.callees.field_kind(class, slot)
    }

    fn is_push(&mut self, k: u32) -> bool {
        names_push(self.input.constants, k)
    }

    fn method(&mut self, class: u32, name: u32) -> Option<u32> {
        let name = constant_text(self.input.constants, name)?;
        self.callees.method(class, name)
    }

    fn tick(&mut self) {
        self.count_step();
    }

    fn branch(&mut self, cond: V, target: usize) {
        self.sync_stack();
        let Some(Some(to)) = self.blocks.get(target).copied() else {
            self.exit_now(Reason::Deopt);
            let dead = self.b.create_block();
            self.b.switch_to_block(dead);
            return;
        };
        let next = self.b.create_block();
        self.brif_on(cond.1, to, &[], next);
        self.b.switch_to_block(next);
    }

    fn jump(&mut self, target: usize) {
        self.sync_stack();
        match self.blocks.get(target).copied() {
            Some(Some(to)) => {
                self.b.ins().jump(to, &[]);
            }
            _ => self.exit_now(Reason::Deopt),
        }
    }

    fn call(&mut self, func: u32, argc: u8) -> Option<V> {
        let first = self.model.len().checked_sub(argc as usize)?;
        let kinds: Vec<Scalar> = self.model[first..].iter().map(|v| v.0).collect();
        let callee = self.callees.callee(func, &kinds)?;
        let lends = self.model[first..].iter().any(|v| v.0.is_owned());
        if let Some(body) = callee.inline.clone().filter(|_| !lends) {
            if self.inlined.is_none() && body.code.len() <= self.inline_budget {
                self.inline_budget -= body.code.len();
                self.inlined_calls += 1;
                return self.inline_call(&callee, &body, first, None);
            }
        }
        Some(self.compiled_call(&callee, first, None))
    }

    fn ret(&mut self, v: Option<V>) {
        if let Some(inlined) = &self.inlined {
            let cont = inlined.cont;
            let value = match v {
                Some(v) => v.1,
                None => self.b.ins().iconst(types::I64, 0),
            };
            self.b.ins().jump(cont, &[BlockArg::Value(value)]);
            return;
        }
        if let Some(owned) = v.filter(|v| v.0.is_owned()) {
            self.return_owned(owned);
            return;
        }
        if v.is_some_and(|v| v.0.is_heap()) {
            // No compiled caller calls this entry (`Backend::ret`): the
            // interpreter returns the value (were it called, a deopt: the
            // interpreter would run the `Return` itself).
            let exit = self.exit_block();
            let returned = self.b.ins().iconst(types::I64, Reason::Return as i64);
            let deopt = self.b.ins().iconst(types::I64, Reason::Deopt as i64);
            let code = self.b.ins().select(self.nested, deopt, returned);
            self.b.ins().jump(exit, &[BlockArg::Value(code)]);
            return;
        }
        let nested = self.b.create_block();
        let top = self.b.create_block();
        self.b.ins().brif(self.nested, nested, &[], top, &[]);
        self.b.switch_to_block(nested);
        let (kind, value) = match v {
            Some(v) => v,
            None => self.nil(),
        };
        store_known(self.b, self.slots, 0, kind, value);
        self.return_with(deopt::RETURNED);
        self.b.switch_to_block(top);
        self.exit_now(Reason::Return);
    }

    fn exit(&mut self) {
        self.exit_now(Reason::Deopt);
    }

    fn op_at(&self, ip: usize) -> Option<Op> {
        self.input.code.get(ip).copied()
    }

    fn takes_instance(&mut self, slot: u16) -> bool {
        // The analysis's rule (a loop head's entry owns its frame; a
        // callee compiled in is never one).
        self.inlined.is_none()
            && self.input.entry != 0
            && self
                .known
                .get(slot as usize)
                .is_some_and(|t| !t.is_heap() || t.is_instance())
    }

    fn element_to_local(&mut self, list: V, index: V, slot: u16) {
        self.lower_element_to_local(list, index, slot);
    }

    fn invoke_seen(&mut self, name: u32, argc: u8) -> Option<V> {
        self.lower_invoke_seen(name, argc)
    }

    fn iter_next_to_local(&mut self, iter: V, slot: u16) {
        self.lower_iter_next_to_local(iter, slot);
    }

    fn field_named(&mut self, obj: V, name: u32) -> Option<(V, u16, Scalar)> {
        self.lower_field_named(obj, name)
    }

    fn new_instance_push(&mut self, class: u32, fields: &[V], list: V, next: usize) {
        self.lower_new_instance_push(class, fields, list, next);
    }

    fn drop_local(&mut self, slot: u16) -> bool {
        self.lower_drop_local(slot)
    }

    fn length(&mut self, list: V) -> V {
        self.lower_length(list)
    }

    fn make_cell(&mut self, slot: u16) -> bool {
        self.lower_make_cell(slot)
    }

    fn new_list(&mut self, n: u32, elem: super::semantics::Elem, next: usize) -> bool {
        self.lower_new_list(n, elem, next)
    }

    fn element_list(&mut self, list: V, index: V) -> Option<V> {
        self.lower_element_list(list, index)
    }

    fn make_closure(&mut self, func: u32, next: usize) -> Option<V> {
        self.lower_make_closure(func, next)
    }

    fn upvalue(&mut self, i: u16) -> Option<V> {
        self.lower_upvalue(i)
    }

    fn set_upvalue(&mut self, i: u16, v: V) -> bool {
        self.lower_set_upvalue(i, v)
    }

    fn call_closure(&mut self, func: u32, argc: u8) -> Option<V> {
        self.lower_call_closure(func, argc)
    }

    fn store_new(&mut self, slot: u16, v: V) -> bool {
        self.lower_store_new(slot, v)
    }
}
