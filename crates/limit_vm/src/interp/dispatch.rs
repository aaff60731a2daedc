//! The dispatch loop (`run_fast`): one loop over the instructions, with
//! each one's fast path inline (the longer ones in fast_collections.rs
//! and fast_objects.rs); run.rs drives it, and the general implementation
//! of every instruction (`Vm::step`) is generic.rs.
//!
//! The arms are safe code: every unchecked memory access goes through one
//! of the segment's primitives (segment.rs: `val!`,
//! `val_mut!`, `put!`, `take!`, `push_local!`, `copy_value!`,
//! `move_value!`, `store_scalar_value!`, `release_value!`, `fast_helper!`),
//! each with its own `SAFETY` comment naming the invariant it relies on,
//! plus the instruction fetch, entering and leaving the segment, and
//! popping a frame.

use super::calls::push_frame_fields;
use super::fast_collections as collection;
use super::fast_numbers as number;
use super::fast_objects as object;
use super::fast_strings as string;
use super::run::Entry;
use super::segment::{
    copy_value, fast_helper, move_value, put, release_value, store_scalar_value, take, val, val_mut,
};
use super::slots::{build_string, copy_to, move_to, release, store_scalar};
use super::*;

/// What `run_fast` keeps in memory rather than registers (see there).
struct RareState {
    stk: *mut Value,
    limit: *mut Value,
    code: *const Op,
}

impl Vm {
    /// The dispatch loop: run instructions from the top frame's `ip` by
    /// their fast paths until one declines, which the frame's `ip` then
    /// names (not yet executed). Returns true when it stopped after an
    /// allocation because a collection is due or the heap limit must be
    /// checked (`Vm::after_allocation`); the frame's `ip` then names the
    /// next instruction.
    ///
    /// The loop owns the stack as a segment: the vector's length is 0
    /// while `stk..sp` hold the values, and `pc`, `sp` and `locals` (the
    /// running frame's slot 0) live in registers. Each instruction's fast
    /// path runs on its commonest operands; anything else — another
    /// operand type, an overflow, a full stack, a due checkpoint, a
    /// possible `deinit`, an instruction without a fast path — *declines*
    /// before changing any state, and the segment is handed back to the
    /// vector: `step`, which may grow it, runs between two runs of this
    /// loop, and each run rebases the segment.
    #[inline(never)]
    pub(super) fn run_fast(&mut self, at: &Entry, stop_depth: usize) -> bool {
        let may_deinit = self.has_deinit;
        let mut collect = false;
        let mut sp: *mut Value;
        let mut locals: *mut Value;
        // The segment's start and end and the running function's code,
        // read only when a frame is pushed or popped, a value pushed, or
        // the loop left: kept in memory on purpose (volatile accesses) so that LLVM's register
        // allocator cannot hold them in registers at the expense of `pc`
        // or `sp`. It did: with all six callee-saved registers taken, the
        // loop stored `pc` to a stack slot and loaded it back on every
        // instruction (12% of `calls`, 8% of `counters`).
        let mut rare = RareState {
            stk: std::ptr::null_mut(),
            limit: std::ptr::null_mut(),
            code: std::ptr::null(),
        };
        macro_rules! stk {
            () => {{
                // SAFETY: `rare` is a live, initialised, aligned local.
                #[allow(unused_unsafe)]
                let v = unsafe { std::ptr::read_volatile::<*mut Value>(&raw const rare.stk) };
                v
            }};
        }
        macro_rules! limit {
            () => {{
                // SAFETY: as for `stk!`.
                #[allow(unused_unsafe)]
                let v = unsafe { std::ptr::read_volatile::<*mut Value>(&raw const rare.limit) };
                v
            }};
        }
        macro_rules! code {
            () => {{
                // SAFETY: as for `stk!`.
                #[allow(unused_unsafe)]
                let v = unsafe { std::ptr::read_volatile::<*const Op>(&raw const rare.code) };
                v
            }};
        }
        macro_rules! set_code {
            ($c:expr) => {{
                let c: *const Op = $c;
                // SAFETY: as for `stk!`.
                #[allow(unused_unsafe)]
                let v = unsafe { std::ptr::write_volatile(&raw mut rare.code, c) };
                v
            }};
        }
        // The next instruction, as a pointer into `code` (one register for
        // what would be a base and an index).
        let mut pc: *const Op;
        macro_rules! ip {
            () => {
                (pc as usize - code!() as usize) / std::mem::size_of::<Op>()
            };
        }
        macro_rules! base {
            () => {
                (locals as usize).wrapping_sub(stk!() as usize) / std::mem::size_of::<Value>()
            };
        }
        // Infallible: a frame is on top while code runs (a return that
        // leaves `stop_depth` returns from `run_loop` first).
        macro_rules! load_frame {
            () => {{
                let f = self.frames.last().expect("a frame is running");
                locals = stk!().wrapping_add(f.base);
                let code = self.functions[f.func as usize].code.as_ptr();
                set_code!(code);
                pc = code.wrapping_add(f.ip);
            }};
        }
        // Take the stack as the segment `stk..sp` and load the top frame.
        macro_rules! enter_segment {
            () => {{
                let n = self.stack.len();
                let stk = self.stack.as_mut_ptr();
                // SAFETY: `rare` is a live local.
                unsafe { std::ptr::write_volatile(&raw mut rare.stk, stk) };
                // SAFETY: `n <= capacity`, so both pointers stay within, or
                // one past, the allocation. Setting the length to 0 hands
                // the values to `stk..sp` until `leave_segment!`: a panic leaks them
                // rather than dropping them twice, and the vector is not
                // used meanwhile (nothing in the loop grows it; every
                // `step` runs between a `leave_segment!` and an `enter_segment!`, which
                // rebases `stk`). `rare` is a live, aligned local.
                unsafe {
                    self.stack.set_len(0);
                    sp = stk.add(n);
                    std::ptr::write_volatile(&raw mut rare.limit, stk.add(self.stack.capacity()));
                }
                locals = stk.wrapping_add(at.base);
                set_code!(at.code);
                pc = at.code.wrapping_add(at.ip);
            }};
        }
        // Hand the segment back to the vector, and `pc` to the frame.
        macro_rules! leave_segment {
            () => {{
                // SAFETY: `stk..sp` are initialised values at the start of
                // the vector's allocation, and `sp <= limit` (the capacity).
                unsafe { self.stack.set_len(sp.offset_from(stk!()) as usize) };
                let ip = ip!();
                if let Some(f) = self.frames.last_mut() {
                    f.ip = ip;
                }
            }};
        }
        macro_rules! jump {
            ($o:expr) => {
                pc = pc.wrapping_offset($o as isize)
            };
        }
        enter_segment!();
        'run: loop {
            // SAFETY: `pc` stays within the running function's code:
            // `Program::validate` checks that every jump target lies in
            // `0..=len` of the compiler's code, and `Vm::new` appends a
            // `ReturnNil` at `len`, so falling through or jumping to `len`
            // stops at a return; a call or return sets `pc` to a frame's
            // start or saved `ip`. The code (`FunctionProto::code`) is
            // owned by the VM and never changed while it runs.
            //
            // The instruction is matched by reference: each arm reads the
            // operands it uses. A copied `Op` had every operand field
            // loaded at the dispatch head, four registers live across the
            // indirect jump, which pushed `pc` and `sp` out of theirs
            // (about 10% more instructions on a loop of arithmetic).
            let op: &Op = unsafe { &*pc };
            pc = pc.wrapping_add(1);
            {
                // Decline: leave the loop with `pc` at the instruction,
                // untouched, for `step`. Marked cold: without the hint
                // LLVM weighs every arm's exits as likely as its way back
                // to the loop's head, so it judges the loop short and keeps
                // `pc` in a stack slot, a store and a load on every
                // instruction.
                macro_rules! bail {
                    () => {{
                        std::hint::cold_path();
                        pc = pc.wrapping_sub(1);
                        break 'run;
                    }};
                }
                // Push `v` (after `room!`).
                macro_rules! push_local {
                    ($v:expr) => {{
                        put!(sp, $v);
                        sp = sp.wrapping_add(1);
                    }};
                }
                macro_rules! depth {
                    () => {
                        (sp as usize - stk!() as usize) / std::mem::size_of::<Value>()
                    };
                }
                macro_rules! need {
                    ($n:expr) => {
                        // Counted from the running frame's slot 0 rather
                        // than from the segment's start (`stk`): no
                        // instruction takes operands from below its own
                        // frame, `locals..sp` lies inside `stk..sp`, and
                        // so `stk` is needed only when a frame is pushed
                        // or popped. With `stk` out of the hot checks,
                        // LLVM keeps `pc` in a register across the loop's
                        // back edge instead of storing and reloading it
                        // for every instruction (about 12% of `calls`).
                        if (sp as usize) < (locals as usize) + $n * std::mem::size_of::<Value>() {
                            bail!();
                        }
                    };
                }
                macro_rules! room {
                    () => {
                        if sp == limit!() {
                            bail!();
                        }
                    };
                }
                macro_rules! slot {
                    ($s:expr) => {{
                        let at = locals.wrapping_add($s as usize);
                        if at >= sp {
                            bail!();
                        }
                        at
                    }};
                }
                // After an allocating instruction (its result pushed): collect
                // cycles when due, and check the heap limit when one is set.
                macro_rules! allocated {
                    () => {
                        if gc::due()
                            || self.options.limits.max_heap_bytes.is_some()
                            || limits::heap_bytes() >= self.gc_at_bytes
                        {
                            collect = true;
                            break 'run;
                        }
                    };
                }
                // Pop the top value into captured-variable cell `$cell`,
                // releasing the value it replaces: only when no `deinit`
                // can run from that.
                macro_rules! store_to_cell {
                    ($cell:expr) => {{
                        let cell: &crate::value::CellRef = $cell;
                        match cell.try_borrow() {
                            Ok(held) if !(held.is_heap() && may_deinit) => {}
                            _ => bail!(),
                        }
                        sp = sp.wrapping_sub(1);
                        match cell.try_replace(take!(sp)) {
                            Ok(old) => drop(old),
                            Err(v) => {
                                put!(sp, v);
                                sp = sp.wrapping_add(1);
                                bail!();
                            }
                        }
                    }};
                }
                // Push a frame for `$proto` (function `$f`) whose `$argc`
                // arguments are on top of the stack, when the call needs
                // nothing this loop leaves to `push_frame`: default
                // arguments, a checkpoint, more stack, or a depth error.
                macro_rules! enter {
                    ($f:expr, $proto:expr, $closure:expr, $argc:expr, $base:expr, $ret:expr) => {{
                        let proto: &crate::program::FunctionProto = $proto;
                        let frame_size = proto.num_locals as usize;
                        if $argc != proto.arity as usize
                            || self.frames.len() >= self.options.limits.max_call_depth
                            || self.countdown <= 1
                            || ((limit!() as usize - sp as usize) / std::mem::size_of::<Value>())
                                < frame_size
                        {
                            bail!();
                        }
                        let caller_ip = ip!();
                        let code = proto.code.as_ptr();
                        set_code!(code);
                        let (f, b, ret) = ($f, $base, $ret);
                        let closure = $closure;
                        self.countdown -= 1;
                        for _ in 0..frame_size {
                            push_local!(Value::Nil);
                        }
                        if let Some(frame) = self.frames.last_mut() {
                            frame.ip = caller_ip;
                        }
                        push_frame_fields(&mut self.frames, f, b, ret, closure);
                        pc = code;
                        locals = stk!().wrapping_add(b);
                        continue 'run;
                    }};
                }
                // `[a, b] -> [a op b]` in place (`number::apply`).
                macro_rules! arith_local {
                    ($checked:ident, $fop:tt) => {{
                        need!(2);
                        if !fast_helper!(number::apply(sp.wrapping_sub(2), val!(sp.wrapping_sub(1)), |p, q| p.$checked(q), |p, q| p $fop q)) {
                            bail!();
                        }
                        sp = sp.wrapping_sub(1);
                        continue 'run;
                    }};
                }
                // `[a, b] -> [a op b]` for two ints or two floats.
                macro_rules! compare_local {
                    ($op:tt) => {{
                        need!(2);
                        let Some(r) = number::compare(val!(sp.wrapping_sub(2)), val!(sp.wrapping_sub(1)), |a, b| a $op b, |a, b| a $op b) else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(1);
                        put!(sp.wrapping_sub(1), Value::Bool(r));
                        continue 'run;
                    }};
                }
                // `[x, y] -> []`, jumping when `!(x op y)`.
                macro_rules! compare_jump_local {
                    ($op:tt, $o:expr) => {{
                        need!(2);
                        let Some(r) = number::compare(val!(sp.wrapping_sub(2)), val!(sp.wrapping_sub(1)), |a, b| a $op b, |a, b| a $op b) else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(2);
                        if !r {
                            jump!($o);
                        }
                        continue 'run;
                    }};
                }
                // `[] -> [locals[a] op locals[b]]`.
                macro_rules! locals_op_local {
                    ($a:expr, $b:expr, $checked:ident, $fop:tt) => {{
                        let (x, y) = (slot!($a), slot!($b));
                        room!();
                        let Some(r) = number::binary(val!(x), val!(y), |p, q| p.$checked(q), |p, q| p $fop q) else {
                            bail!();
                        };
                        push_local!(r);
                        continue 'run;
                    }};
                }
                // `[] -> [l[a] * l[b] op l[c] * l[d]]`.
                macro_rules! products {
                    ($a:expr, $b:expr, $c:expr, $d:expr, $checked:ident, $fop:tt) => {{
                        let (a, b, c, d) = (slot!($a), slot!($b), slot!($c), slot!($d));
                        room!();
                        let Some(r) = number::products([val!(a), val!(b), val!(c), val!(d)], |x, y| x.$checked(y), |x, y| x $fop y) else {
                            bail!();
                        };
                        push_local!(r);
                        continue 'run;
                    }};
                }
                // `[x] -> [x op locals[s]]` in place.
                macro_rules! top_op_slot {
                    ($s:expr, $checked:ident, $fop:tt) => {{
                        let y = slot!($s);
                        need!(1);
                        if !fast_helper!(number::apply_same(sp.wrapping_sub(1), val!(y), |p, q| p.$checked(q), |p, q| p $fop q)) {
                            bail!();
                        }
                        continue 'run;
                    }};
                }
                // `[x] -> []`, jumping when `!(x op locals[s])`.
                macro_rules! compare_slot_jump {
                    ($s:expr, $op:tt, $o:expr) => {{
                        let y = slot!($s);
                        need!(1);
                        let Some(r) = number::compare(val!(sp.wrapping_sub(1)), val!(y), |a, b| a $op b, |a, b| a $op b) else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(1);
                        if !r {
                            jump!($o);
                        }
                        continue 'run;
                    }};
                }

                match *op {
                    Op::Int(n) => {
                        room!();
                        push_local!(Value::Int(n as i64));
                        continue 'run;
                    }
                    Op::Const(k) => {
                        room!();
                        let v = match self.constants.get(k as usize) {
                            Some(v) => v.fast_clone(),
                            None => bail!(),
                        };
                        push_local!(v);
                        continue 'run;
                    }
                    Op::Bool(b) => {
                        room!();
                        push_local!(Value::Bool(b));
                        continue 'run;
                    }
                    Op::Nil => {
                        room!();
                        push_local!(Value::Nil);
                        continue 'run;
                    }
                    Op::GetLocal(s) => {
                        let x = slot!(s);
                        room!();
                        copy_value!(sp, x);
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::GetLocal2(a, b) => {
                        let (x, y) = (slot!(a), slot!(b));
                        if (limit!() as usize - sp as usize) < 2 * std::mem::size_of::<Value>() {
                            bail!();
                        }
                        copy_value!(sp, x);
                        copy_value!(sp.wrapping_add(1), y);
                        sp = sp.wrapping_add(2);
                        continue 'run;
                    }
                    Op::SetLocal(s) => {
                        let x = slot!(s);
                        need!(1);
                        let top = sp.wrapping_sub(1);
                        if x == top {
                            bail!();
                        }
                        if !val!(top).is_heap() && !val!(x).is_heap() {
                            store_scalar_value!(x, top);
                        } else if may_deinit {
                            bail!();
                        } else {
                            release_value!(x);
                            move_value!(x, top);
                        }
                        sp = top;
                        continue 'run;
                    }
                    Op::MoveLocal(from, to) => {
                        let (x, y) = (slot!(from), slot!(to));
                        if !val!(x).is_heap() && !val!(y).is_heap() {
                            store_scalar_value!(y, x);
                        } else if may_deinit {
                            bail!();
                        } else if x != y {
                            release_value!(y);
                            copy_value!(y, x);
                        }
                        continue 'run;
                    }
                    Op::Pop => {
                        need!(1);
                        if val!(sp.wrapping_sub(1)).is_heap() && may_deinit {
                            bail!();
                        }
                        sp = sp.wrapping_sub(1);
                        release_value!(sp);
                        continue 'run;
                    }
                    Op::CheckKind(code) => {
                        need!(1);
                        if !crate::runtime::type_checks::kind_fits(code, val!(sp.wrapping_sub(1))) {
                            bail!();
                        }
                        continue 'run;
                    }
                    Op::MakeCell(s) => {
                        let x = slot!(s);
                        let v = take!(x);
                        put!(x, Value::Cell(Value::new_cell(v)));
                        continue 'run;
                    }
                    Op::Closure(f) => {
                        room!();
                        let Some(proto) = self.functions.get(f as usize) else {
                            bail!();
                        };
                        let running = self.frames.last().and_then(|fr| fr.closure.as_ref());
                        // The frame's slots below `sp` (none when a
                        // broken frame's base were above it).
                        let live = depth!().saturating_sub(base!());
                        let Some(closure) =
                            fast_helper!(object::make_closure(f, proto, running, locals, live))
                        else {
                            bail!();
                        };
                        push_local!(closure);
                        if gc::due() || self.options.limits.max_heap_bytes.is_some() {
                            collect = true;
                            break 'run;
                        }
                        continue 'run;
                    }
                    Op::IncLocal(s, n) => {
                        if fast_helper!(number::add_to(slot!(s), n as i64)).is_none() {
                            bail!();
                        }
                        continue 'run;
                    }
                    Op::AddImm(n) => {
                        need!(1);
                        if let Value::Int(a) = val_mut!(sp.wrapping_sub(1)) {
                            if let Some(r) = a.checked_add(n as i64) {
                                *a = r;
                                continue 'run;
                            }
                        }
                        bail!();
                    }
                    Op::ModImm(n) => {
                        need!(1);
                        if let (Value::Int(a), true) = (val_mut!(sp.wrapping_sub(1)), n > 0) {
                            *a %= n as i64;
                            continue 'run;
                        }
                        bail!();
                    }
                    Op::Add => arith_local!(checked_add, +),
                    Op::Sub => arith_local!(checked_sub, -),
                    Op::Mul => arith_local!(checked_mul, *),
                    Op::Div => {
                        need!(2);
                        match (val_mut!(sp.wrapping_sub(2)), val!(sp.wrapping_sub(1))) {
                            (Value::Float(a), Value::Float(b)) => *a /= *b,
                            (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => *a /= *b,
                            // An int meeting a float is converted, as
                            // `arith::div` does (`1.0 / n`).
                            (Value::Float(a), Value::Int(b)) => *a /= *b as f64,
                            (Value::Int(a), Value::Float(b)) => {
                                let r = *a as f64 / *b;
                                put!(sp.wrapping_sub(2), Value::Float(r));
                            }
                            _ => bail!(),
                        }
                        sp = sp.wrapping_sub(1);
                        continue 'run;
                    }
                    Op::Mod => {
                        need!(2);
                        match (val_mut!(sp.wrapping_sub(2)), val!(sp.wrapping_sub(1))) {
                            (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => *a %= *b,
                            _ => bail!(),
                        }
                        sp = sp.wrapping_sub(1);
                        continue 'run;
                    }
                    Op::Compare(Ordering::Lt) => compare_local!(<),
                    Op::Compare(Ordering::Le) => compare_local!(<=),
                    Op::Compare(Ordering::Gt) => compare_local!(>),
                    Op::Compare(Ordering::Ge) => compare_local!(>=),
                    Op::ArithLocals(BinaryOp::Add, a, b) => {
                        locals_op_local!(a, b, checked_add, +)
                    }
                    Op::ArithLocals(BinaryOp::Sub, a, b) => {
                        locals_op_local!(a, b, checked_sub, -)
                    }
                    Op::ArithLocals(BinaryOp::Mul, a, b) => {
                        locals_op_local!(a, b, checked_mul, *)
                    }
                    Op::Products(BinaryOp::Add, a, b, c, d) => {
                        products!(a, b, c, d, checked_add, +)
                    }
                    Op::Products(BinaryOp::Sub, a, b, c, d) => {
                        products!(a, b, c, d, checked_sub, -)
                    }
                    Op::ArithLocal(BinaryOp::Add, s) => top_op_slot!(s, checked_add, +),
                    Op::ArithLocal(BinaryOp::Sub, s) => top_op_slot!(s, checked_sub, -),
                    Op::ArithLocal(BinaryOp::Mul, s) => top_op_slot!(s, checked_mul, *),
                    Op::AddAssignLocal(a, b) => {
                        let (x, y) = (slot!(a), slot!(b));
                        // `b` may be `a` (`a = a + a`): copy the increment
                        // out before taking `a` to change it.
                        let increment = match val!(y) {
                            Value::Int(q) => Ok(*q),
                            Value::Float(q) => Err(*q),
                            // `s = s + t` (string_append.rs).
                            Value::Str(_) if x != y => {
                                if !fast_helper!(string::append_local(x, y)) {
                                    bail!();
                                }
                                continue 'run;
                            }
                            _ => bail!(),
                        };
                        match (val_mut!(x), increment) {
                            (Value::Int(p), Ok(q)) => match p.checked_add(q) {
                                Some(r) => *p = r,
                                None => bail!(),
                            },
                            (Value::Float(p), Err(q)) => *p += q,
                            _ => bail!(),
                        }
                        continue 'run;
                    }
                    Op::JumpIfNot(Ordering::Lt, o) => compare_jump_local!(<, o),
                    Op::JumpIfNot(Ordering::Le, o) => compare_jump_local!(<=, o),
                    Op::JumpIfNot(Ordering::Gt, o) => compare_jump_local!(>, o),
                    Op::JumpIfNot(Ordering::Ge, o) => compare_jump_local!(>=, o),
                    Op::JumpIfNotLocal(Ordering::Lt, s, o) => compare_slot_jump!(s, <, o),
                    Op::JumpIfNotLocal(Ordering::Le, s, o) => compare_slot_jump!(s, <=, o),
                    Op::JumpIfNotLocal(Ordering::Gt, s, o) => compare_slot_jump!(s, >, o),
                    Op::JumpIfNotLocal(Ordering::Ge, s, o) => compare_slot_jump!(s, >=, o),
                    Op::JumpIfNotEqual(negated, o) => {
                        need!(2);
                        let Some(equal) =
                            fast_helper!(number::equal(sp.wrapping_sub(2), sp.wrapping_sub(1)))
                        else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(2);
                        if equal == negated {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::JumpIfNotEqImm(n, o) => {
                        need!(1);
                        let Value::Int(x) = val!(sp.wrapping_sub(1)) else {
                            bail!();
                        };
                        let equal = *x == n as i64;
                        sp = sp.wrapping_sub(1);
                        if !equal {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::JumpIfLocalNotLtConst(s, k, o) => {
                        let x = slot!(s);
                        let r = match (val!(x), self.constants.get(k as usize)) {
                            (Value::Int(a), Some(Value::Int(b))) => a < b,
                            _ => bail!(),
                        };
                        if !r {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::JumpIfLocal(when, s, o) => {
                        if val!(slot!(s)).truthy() == when {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::JumpIf(when, o) => {
                        need!(1);
                        let Value::Bool(b) = *val!(sp.wrapping_sub(1)) else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(1);
                        if b == when {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::Loop(n) if self.countdown > 1 => {
                        self.countdown -= 1;
                        pc = pc.wrapping_sub(n as usize);
                        continue 'run;
                    }
                    Op::MulConstLocal(k, s) => {
                        let y = slot!(s);
                        room!();
                        let Some(k) = self.constants.get(k as usize) else {
                            bail!();
                        };
                        let Some(r) = number::binary(k, val!(y), i64::checked_mul, |p, q| p * q)
                        else {
                            bail!();
                        };
                        push_local!(r);
                        continue 'run;
                    }
                    Op::JumpIfNotConst(order, k, o) => {
                        need!(1);
                        let k = self.constants.get(k as usize);
                        let Some(r) = number::test(order, val!(sp.wrapping_sub(1)), k) else {
                            bail!();
                        };
                        sp = sp.wrapping_sub(1);
                        if !r {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::JumpIfNotLocals(order, a, b, o) => {
                        let (x, y) = (slot!(a), slot!(b));
                        let Some(r) = number::test(order, val!(x), Some(val!(y))) else {
                            bail!();
                        };
                        if !r {
                            jump!(o);
                        }
                        continue 'run;
                    }
                    Op::AddImmLocal(s, n) => {
                        let x = slot!(s);
                        room!();
                        let Value::Int(a) = *val!(x) else {
                            bail!();
                        };
                        let Some(r) = a.checked_add(n as i64) else {
                            bail!();
                        };
                        push_local!(Value::Int(r));
                        continue 'run;
                    }
                    Op::ModImmLocal(s, n) => {
                        let x = slot!(s);
                        room!();
                        let (Value::Int(a), true) = (val!(x), n > 0) else {
                            bail!();
                        };
                        push_local!(Value::Int(a % n as i64));
                        continue 'run;
                    }
                    Op::AddStore(d) => {
                        let z = slot!(d);
                        need!(2);
                        let (x, y) = (sp.wrapping_sub(2), sp.wrapping_sub(1));
                        if z >= x {
                            bail!();
                        }
                        if val!(z).is_heap() || !fast_helper!(number::store_sum(x, y, z)) {
                            // `s = s + t` (string_append.rs).
                            if !fast_helper!(string::store_concat(z, x, y)) {
                                bail!();
                            }
                        }
                        sp = x;
                        continue 'run;
                    }
                    Op::IncLocalLoop(s, n, back) if self.countdown > 1 => {
                        if fast_helper!(number::add_to(slot!(s), n as i64)).is_none() {
                            bail!();
                        }
                        self.countdown -= 1;
                        pc = pc.wrapping_sub(back as usize);
                        continue 'run;
                    }
                    Op::IncLoopLtConst(s, k, back) if self.countdown > 1 => {
                        let x = slot!(s);
                        let Some(&Value::Int(limit)) = self.constants.get(k as usize) else {
                            bail!();
                        };
                        let Some(r) = fast_helper!(number::add_to(x, 1)) else {
                            bail!();
                        };
                        self.countdown -= 1;
                        if r < limit {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue 'run;
                    }
                    Op::LoopIfLocals(order, a, b, back) if self.countdown > 1 => {
                        let Some(go) =
                            number::test(order, &*val!(slot!(a)), Some(&*val!(slot!(b))))
                        else {
                            bail!();
                        };
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue 'run;
                    }
                    Op::LoopIfLtConst(s, k, back) if self.countdown > 1 => {
                        let go = match (&*val!(slot!(s)), self.constants.get(k as usize)) {
                            (Value::Int(a), Some(Value::Int(limit))) => a < limit,
                            _ => bail!(),
                        };
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue 'run;
                    }
                    Op::IncLoopLocals(order, s, b, back) if self.countdown > 1 => {
                        let (x, y) = (slot!(s), slot!(b));
                        let (Value::Int(a), Value::Int(limit)) = (val!(x), val!(y)) else {
                            bail!();
                        };
                        let Some(r) = a.checked_add(1) else {
                            bail!();
                        };
                        let go = order.test(&r, if x == y { &r } else { limit });
                        if let Value::Int(a) = val_mut!(x) {
                            *a = r;
                        }
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue 'run;
                    }
                    Op::Invoke(name, argc, via) if via != Dispatch::Any => {
                        let argc = argc as usize;
                        need!(argc + 1);
                        let recv = sp.wrapping_sub(argc + 1);
                        let method = self.const_methods.get(name as usize).copied();
                        match (val!(recv), method, argc) {
                            // A frame's method through the call site's
                            // inline cache; a miss fills it in `run_loop`.
                            (Value::Instance(inst), _, _) if via == Dispatch::Cached => {
                                let Some(target) = self.cached_entry(inst.class.id, ip!() - 1)
                                else {
                                    bail!();
                                };
                                let Some(proto) = self.functions.get(target as usize) else {
                                    bail!();
                                };
                                let at = depth!() - argc - 1;
                                enter!(target, proto, None, argc + 1, at, at);
                            }
                            (Value::List(l), Some(Method::Push), 1) if !may_deinit => {
                                if !fast_helper!(collection::push_onto(l, sp.wrapping_sub(1))) {
                                    bail!();
                                }
                                sp = recv;
                                release_value!(recv);
                                push_local!(Value::Nil);
                                continue 'run;
                            }
                            (Value::Dict(d), Some(Method::GetOr), 2) if !may_deinit => {
                                let (key, default) = (sp.wrapping_sub(2), sp.wrapping_sub(1));
                                // The default moves to the result when
                                // the key is missing.
                                let v = match fast_helper!(collection::get_or(d, val!(key))) {
                                    Some(Some(v)) => {
                                        release_value!(default);
                                        v
                                    }
                                    Some(None) => take!(default),
                                    None => bail!(),
                                };
                                // The dict may be released here; without
                                // `deinit`s that runs no Limit code.
                                release_value!(key);
                                release_value!(recv);
                                put!(recv, v);
                                sp = recv.wrapping_add(1);
                                continue 'run;
                            }
                            (Value::List(_) | Value::Str(_), Some(Method::Len), 0)
                                if !may_deinit =>
                            {
                                let Some(n) = collection::length(val!(recv)) else {
                                    bail!();
                                };
                                release_value!(recv);
                                put!(recv, Value::Int(n));
                                continue 'run;
                            }
                            _ => {
                                // A string method answering a bool
                                // (`contains`, …), out of line: an arm of
                                // its own here cost `push` instructions.
                                if argc != 1 || !fast_helper!(string::bool_method_at(recv, method))
                                {
                                    bail!();
                                }
                                sp = recv.wrapping_add(1);
                                continue 'run;
                            }
                        }
                    }
                    Op::IndexLocals(a, b) => {
                        let (c, i) = (slot!(a), slot!(b));
                        room!();
                        let Some(v) = fast_helper!(collection::item(val!(c), val!(i))) else {
                            bail!();
                        };
                        copy_value!(sp, v);
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::SetIndexLocals(a, b) => {
                        let (c, i) = (slot!(a), slot!(b));
                        need!(1);
                        let v = sp.wrapping_sub(1);
                        if val!(v).is_heap()
                            || !fast_helper!(collection::store_item(val!(c), val!(i), v))
                        {
                            bail!();
                        }
                        sp = v;
                        continue 'run;
                    }
                    Op::AddToEntryLocals(a, b) => {
                        let (c, k) = (slot!(a), slot!(b));
                        need!(2);
                        let (default, x) = (sp.wrapping_sub(2), sp.wrapping_sub(1));
                        // Both operands go: the default unused (a scalar,
                        // nothing to release), `x` added.
                        if val!(default).is_heap()
                            || !collection::add_to_entry(val!(c), val!(k), val!(x))
                        {
                            bail!();
                        }
                        sp = default;
                        continue 'run;
                    }
                    Op::BuildString(n) => {
                        let n = n as usize;
                        need!(n);
                        let first = sp.wrapping_sub(n);
                        // Stored at once into a local whose string only it
                        // holds: written over that string (fast_strings.rs).
                        // SAFETY: `pc` names the next instruction, inside
                        // the code: a `BuildString` is never the last (the
                        // code ends with a return).
                        if let Op::SetLocal(s) = unsafe { *pc } {
                            let z = slot!(s);
                            if z < first && fast_helper!(string::build_string_over(z, first, n)) {
                                sp = first;
                                pc = pc.wrapping_add(1);
                                continue 'run;
                            }
                        }
                        let Some(s) = fast_helper!(build_string(first, n)) else {
                            bail!();
                        };
                        sp = first;
                        push_local!(s);
                        continue 'run;
                    }
                    Op::GetIndexKind(code) if !may_deinit => {
                        need!(2);
                        let v = match fast_helper!(collection::list_item(
                            val!(sp.wrapping_sub(2)),
                            val!(sp.wrapping_sub(1)),
                        )) {
                            Some(v) if crate::runtime::type_checks::kind_fits(code, v) => {
                                v.fast_clone()
                            }
                            _ => bail!(),
                        };
                        sp = sp.wrapping_sub(1);
                        release_value!(sp.wrapping_sub(1));
                        put!(sp.wrapping_sub(1), v);
                        continue 'run;
                    }
                    Op::GetIndex if !may_deinit => {
                        need!(2);
                        let Some(v) = fast_helper!(collection::list_item(
                            val!(sp.wrapping_sub(2)),
                            val!(sp.wrapping_sub(1)),
                        )) else {
                            bail!();
                        };
                        let v = v.fast_clone();
                        sp = sp.wrapping_sub(1);
                        // The list may be released here; without
                        // `deinit`s that runs no Limit code.
                        release_value!(sp.wrapping_sub(1));
                        put!(sp.wrapping_sub(1), v);
                        continue 'run;
                    }
                    Op::GetLocalField(s, field) => {
                        let x = slot!(s);
                        room!();
                        let Some(v) = fast_helper!(object::field(val!(x), field as usize)) else {
                            bail!();
                        };
                        copy_value!(sp, v);
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::SetField(field) if !may_deinit => {
                        need!(2);
                        if !fast_helper!(object::set_field(
                            val!(sp.wrapping_sub(2)),
                            field as usize,
                            sp.wrapping_sub(1),
                        )) {
                            bail!();
                        }
                        sp = sp.wrapping_sub(2);
                        // The instance may be released here; without
                        // `deinit`s that runs no Limit code.
                        release_value!(sp);
                        continue 'run;
                    }
                    Op::CallDirect(f, argc) => {
                        // A hot callee is called by `step`, after
                        // which compiled code may run it (jit/).
                        // (jit/policy.rs: 0 never, 1 hot, more counts
                        // down; no counters when the JIT is off.)
                        if let Some(calls) = self.jit_calls.get_mut(f as usize) {
                            if *calls != 0 {
                                if *calls == 1 {
                                    bail!();
                                }
                                *calls -= 1;
                            }
                        }
                        let argc = argc as usize;
                        need!(argc);
                        let Some(proto) = self.functions.get(f as usize) else {
                            bail!();
                        };
                        let b = depth!() - argc;
                        enter!(f, proto, None, argc, b, b);
                    }
                    Op::Call(argc, false) => {
                        let argc = argc as usize;
                        need!(argc + 1);
                        let callee = depth!() - argc - 1;
                        let Value::Function(closure) = val!(stk!().wrapping_add(callee)) else {
                            bail!();
                        };
                        let proto = &closure.proto;
                        enter!(
                            closure.index,
                            proto,
                            Some(closure.clone()),
                            argc,
                            callee + 1,
                            callee
                        );
                    }
                    Op::GetUpvalue(i) => {
                        room!();
                        let Some(Some(closure)) = self.frames.last().map(|f| &f.closure) else {
                            bail!();
                        };
                        match closure.captures.get(i as usize) {
                            Some(Value::Cell(cell)) => {
                                let Ok(v) = cell.try_borrow() else {
                                    bail!();
                                };
                                copy_value!(sp, &*v);
                            }
                            Some(copied) => copy_value!(sp, copied),
                            None => bail!(),
                        }
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::GetCell(s) => {
                        room!();
                        let x = slot!(s);
                        let Value::Cell(cell) = val!(x) else {
                            bail!();
                        };
                        let Ok(v) = cell.try_borrow() else {
                            bail!();
                        };
                        copy_value!(sp, &*v);
                        drop(v);
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::SetCell(s) => {
                        need!(1);
                        let x = slot!(s);
                        if x == sp.wrapping_sub(1) {
                            bail!();
                        }
                        let Value::Cell(cell) = val!(x) else {
                            bail!();
                        };
                        store_to_cell!(cell);
                        continue 'run;
                    }
                    Op::SetUpvalue(i) => {
                        need!(1);
                        let Some(Some(closure)) = self.frames.last().map(|f| &f.closure) else {
                            bail!();
                        };
                        let Some(Value::Cell(cell)) = closure.captures.get(i as usize) else {
                            bail!();
                        };
                        store_to_cell!(cell);
                        continue 'run;
                    }
                    Op::Return | Op::ReturnNil if !may_deinit => {
                        let depth = self.frames.len();
                        if depth <= stop_depth + 1
                            || self.handlers.last().is_some_and(|h| h.depth >= depth)
                        {
                            bail!();
                        }
                        let Some(frame) = self.frames.last() else {
                            bail!();
                        };
                        let ret = frame.ret;
                        if frame.ctor || ret >= depth!() {
                            bail!();
                        }
                        // Pop the frame reading only its closure: a whole
                        // `Frame` moved out is a 40-byte copy.
                        // SAFETY: `depth - 1` is the top frame's index
                        // (`depth = frames.len() > stop_depth + 1 >= 1`), so
                        // its closure is initialised; it is moved out once
                        // and the length drops below it at once, so the
                        // frame is never read or dropped again.
                        let closure = unsafe {
                            let closure = std::ptr::read(std::ptr::addr_of!(
                                (*self.frames.as_ptr().add(depth - 1)).closure
                            ));
                            self.frames.set_len(depth - 1);
                            closure
                        };
                        drop(closure);
                        let ret = stk!().wrapping_add(ret);
                        if let Op::ReturnNil = *op {
                            while sp > ret {
                                sp = sp.wrapping_sub(1);
                                release_value!(sp);
                            }
                            push_local!(Value::Nil);
                        } else {
                            let result = sp.wrapping_sub(1);
                            sp = result;
                            while sp > ret {
                                sp = sp.wrapping_sub(1);
                                release_value!(sp);
                            }
                            if result != ret {
                                move_value!(ret, result);
                            }
                            sp = ret.wrapping_add(1);
                        }
                        load_frame!();
                        continue 'run;
                    }
                    Op::Len if !may_deinit => {
                        need!(1);
                        let top = sp.wrapping_sub(1);
                        let Some(n) = collection::length(val!(top)) else {
                            bail!();
                        };
                        // The list may be released here; without
                        // `deinit`s that runs no Limit code.
                        release_value!(top);
                        put!(top, Value::Int(n));
                        continue 'run;
                    }
                    Op::Cast(CastKind::IntToFloat) => {
                        need!(1);
                        let top = sp.wrapping_sub(1);
                        match *val!(top) {
                            Value::Float(_) => {}
                            Value::Int(i) => put!(top, Value::Float(i as f64)),
                            _ => bail!(),
                        }
                        continue 'run;
                    }
                    Op::GetFieldByName(_) if !may_deinit => {
                        need!(1);
                        let top = sp.wrapping_sub(1);
                        let Value::Instance(inst) = val!(top) else {
                            bail!();
                        };
                        // The slot of the field in this class, through the
                        // instruction's inline cache; a miss is `step`'s,
                        // which looks the name up and fills the cache (a
                        // call from here that writes the VM made LLVM
                        // keep less of this loop in registers: the LTO
                        // build ran `closures` 19% slower).
                        let Some(slot) = self.cached_entry(inst.class.id, ip!() - 1) else {
                            bail!();
                        };
                        let slot = slot as usize;
                        let Some(v) = fast_helper!(object::field(val!(top), slot)) else {
                            bail!();
                        };
                        let v = v.fast_clone();
                        // The instance may be released here; without
                        // `deinit`s that runs no Limit code.
                        release_value!(top);
                        put!(top, v);
                        continue 'run;
                    }
                    Op::IterNext(false, _) => {
                        need!(1);
                        room!();
                        let Some(v) = collection::next_list_item(val!(sp.wrapping_sub(1))) else {
                            bail!();
                        };
                        push_local!(v);
                        continue 'run;
                    }
                    Op::Dup => {
                        need!(1);
                        room!();
                        copy_value!(sp, sp.wrapping_sub(1));
                        sp = sp.wrapping_add(1);
                        continue 'run;
                    }
                    Op::Jump(o) => {
                        // A backward jump is one step of the budget.
                        if o < 0 {
                            if self.countdown <= 1 {
                                bail!();
                            }
                            self.countdown -= 1;
                        }
                        jump!(o);
                        continue 'run;
                    }
                    Op::Not => {
                        need!(1);
                        let Value::Bool(b) = val_mut!(sp.wrapping_sub(1)) else {
                            bail!();
                        };
                        *b = !*b;
                        continue 'run;
                    }
                    Op::GetField(field) if !may_deinit => {
                        need!(1);
                        let top = sp.wrapping_sub(1);
                        let Some(v) = fast_helper!(object::field(val!(top), field as usize)) else {
                            bail!();
                        };
                        let v = v.fast_clone();
                        // The instance may be released here; without
                        // `deinit`s that runs no Limit code.
                        release_value!(top);
                        put!(top, v);
                        continue 'run;
                    }
                    Op::NewInstance(c, n) => {
                        let n = n as usize;
                        need!(n);
                        if n == 0 {
                            room!();
                        }
                        let Some(class) = self.classes.get(c as usize) else {
                            bail!();
                        };
                        if n > class.field_names.len() {
                            bail!();
                        }
                        let first = sp.wrapping_sub(n);
                        // The values move into the instance: the slots
                        // are left below `sp` at once.
                        let v = fast_helper!(object::new_instance(class, first, n));
                        sp = first;
                        push_local!(v);
                        allocated!();
                        continue 'run;
                    }
                    Op::NewList(n) => {
                        let n = n as usize;
                        need!(n);
                        if n == 0 {
                            room!();
                        }
                        let first = sp.wrapping_sub(n);
                        let mut items = Vec::with_capacity(n);
                        for i in 0..n {
                            items.push(take!(first.wrapping_add(i)));
                        }
                        sp = first;
                        push_local!(Value::list(items));
                        allocated!();
                        continue 'run;
                    }
                    _ => bail!(),
                }
            }
        }
        leave_segment!();
        collect
    }
}
