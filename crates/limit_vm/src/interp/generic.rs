//! The general implementation of every instruction (`Vm::step`): all
//! operand types, errors, and whatever changes frames. The dispatch loop
//! (dispatch.rs) runs an instruction here when it has no fast path for it
//! or the fast path declines its operands. Arithmetic, comparisons and the
//! superinstructions computing on locals are in arith_steps.rs, branches
//! and loop back edges in branch_steps.rs; the rarer instructions' bodies
//! live in the files of their concern (calls.rs, objects.rs, …).

use super::branch_steps::Branch;
use super::operand_stack::OperandStack;
use super::*;

/// What `Vm::step` did.
pub(super) enum Step {
    /// Go on with the instruction the top frame's `ip` names.
    Next,
    /// The frame at `stop_depth` returned this value.
    Return(Value),
}

impl Vm {
    /// Run the instruction at the top frame's `ip` by its general
    /// implementation: every operand type, every error, and whatever
    /// changes frames. `run_loop` calls it for an instruction it has no
    /// fast path for (or whose fast path declined); with `TRACE`, for
    /// every instruction. The stack vector holds the whole stack meanwhile.
    /// Returns `Step::Return` when the frame at `stop_depth` returned.
    // `load_frame!` reloads every local after a frame change; an
    // instruction that ends there reads none of them again.
    #[allow(unused_assignments)]
    #[inline(never)]
    pub(super) fn step<const TRACE: bool>(&mut self, stop_depth: usize) -> Result<Step, Trap> {
        let mut func: u32;
        let mut ip: usize;
        let mut base: usize;

        // Infallible: the loop runs only while more than `stop_depth`
        // frames are on the stack (a return that leaves `stop_depth`
        // returns from `run_loop` before loading a frame).
        macro_rules! load_frame {
            () => {{
                let f = self.frames.last().expect("a frame is running");
                func = f.func;
                ip = f.ip;
                base = f.base;
            }};
        }
        macro_rules! save_ip {
            () => {
                if let Some(f) = self.frames.last_mut() {
                    f.ip = ip;
                }
            };
        }
        macro_rules! throw {
            ($t:expr) => {{
                let t = $t;
                save_ip!();
                self.unwind(t, stop_depth)?;
                load_frame!();
                break;
            }};
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => throw!(t),
                }
            };
        }
        // After an instruction that released values: run the `deinit`s
        // of instances that died, in a deinit driver frame
        // (interp/callbacks.rs), before the next instruction.
        // Only instances queued since the last look start a driver: older
        // ones belong to a driver further down, which takes them when it
        // resumes (a `deinit` running from a long queue must not stack a
        // driver per item).
        macro_rules! deinits {
            () => {
                // Values parked in channels dropped undelivered join the
                // queue first (runtime/parking.rs).
                if self.has_deinit {
                    self.conc.parking.release_dropped();
                    let queued = crate::value::deinits_queued();
                    if queued != self.deinits_seen {
                        self.deinits_seen = queued;
                        save_ip!();
                        if tri!(self.start_deinits()) {
                            load_frame!();
                        }
                    }
                }
            };
        }
        // After an allocating instruction: collect cycles when due, and
        // check the heap limit when one is set.
        macro_rules! allocated {
            () => {
                if gc::due()
                    || self.options.limits.max_heap_bytes.is_some()
                    || limits::heap_bytes() >= self.gc_at_bytes
                {
                    save_ip!();
                    tri!(self.after_allocation());
                }
            };
        }
        macro_rules! jump {
            ($o:expr) => {
                ip = (ip as isize + $o as isize) as usize
            };
        }
        // Binary arithmetic with int and float fast paths.
        // Discard the top value, known to be a scalar (no destructor), without
        // moving it (a 16-byte reload of a just-written value stalls).
        macro_rules! pop_scalar {
            () => {
                self.pop_scalar_top()
            };
        }

        // A backward jump by `n`: one step of the budget.
        macro_rules! loop_back {
            ($n:expr) => {{
                // The checkpoint runs before the jump so that a step-limit
                // error is reported at the loop's back edge, not at
                // whatever precedes the loop's first instruction.
                self.countdown -= 1;
                if self.countdown == 0 {
                    save_ip!();
                    tri!(self.checkpoint());
                }
                ip -= $n as usize;
            }};
        }

        load_frame!();
        // One pass: `break` (in the macros too) ends the instruction.
        #[allow(clippy::never_loop)]
        loop {
            // In bounds: `Program::validate` checks that every jump target
            // lies in `0..=len` of the compiler's code, and `Vm::new`
            // appends a `ReturnNil` at index `len`.
            let op = self.functions[func as usize].code[ip];
            if TRACE {
                self.trace_step(func, ip, op);
            }
            ip += 1;
            match op {
                Op::Pop => {
                    self.stack.pop();
                }
                Op::Dup => {
                    let v = self.stack.top_mut().clone();
                    self.stack.push(v);
                }
                Op::Swap => {
                    let n = self.stack.len();
                    self.stack.swap(n - 1, n - 2);
                }
                Op::Over => {
                    let v = self.stack[self.stack.len() - 2].clone();
                    self.stack.push(v);
                }
                Op::Const(k) => self.stack.push(self.constants[k as usize].fast_clone()),
                Op::Int(n) => self.stack.push(Value::Int(n as i64)),
                Op::Nil => self.stack.push(Value::Nil),
                Op::Bool(b) => self.stack.push(Value::Bool(b)),

                Op::GetLocal(s) => {
                    let v = self.stack[base + s as usize].fast_clone();
                    self.stack.push(v);
                }
                Op::SetLocal(s) => {
                    if let Some(&Value::Float(f)) = self.stack.last() {
                        pop_scalar!();
                        if let Value::Float(slot) = &mut self.stack[base + s as usize] {
                            *slot = f;
                            break;
                        }
                        self.stack[base + s as usize].set(Value::Float(f));
                        break;
                    }
                    if let Some(&Value::Int(i)) = self.stack.last() {
                        pop_scalar!();
                        if let Value::Int(slot) = &mut self.stack[base + s as usize] {
                            *slot = i;
                            break;
                        }
                        self.stack[base + s as usize].set(Value::Int(i));
                        break;
                    }
                    let v = self.stack.pop_value();
                    self.stack[base + s as usize].set(v);
                }
                Op::MarkHeight(s) => {
                    let height = (self.stack.len() - base) as i64;
                    self.stack[base + s as usize] = Value::Int(height);
                }
                Op::CutToHeight(s) => {
                    // The compiler marks the height before it can be cut
                    // (codegen/stmt.rs `push_loop`); a slot holding
                    // anything else cuts nothing.
                    if let Value::Int(height) = self.stack[base + s as usize] {
                        let keep = base + usize::try_from(height).unwrap_or(usize::MAX);
                        if keep < self.stack.len() {
                            self.stack.truncate(keep);
                            deinits!();
                        }
                    }
                }
                Op::DropLocal(s) => {
                    let v = std::mem::take(&mut self.stack[base + s as usize]);
                    drop(v);
                }
                Op::GetLocal2(a, b) => {
                    let x = self.stack[base + a as usize].fast_clone();
                    let y = self.stack[base + b as usize].fast_clone();
                    self.stack.push(x);
                    self.stack.push(y);
                }
                Op::MakeCell(s) => {
                    let slot = &mut self.stack[base + s as usize];
                    let v = std::mem::take(slot);
                    *slot = Value::Cell(Value::new_cell(v));
                }
                Op::GetCell(s) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Cell(c) => c.borrow().clone(),
                        other => other.clone(),
                    };
                    self.stack.push(v);
                }
                Op::SetCell(s) => {
                    let v = self.stack.pop_value();
                    match &self.stack[base + s as usize] {
                        Value::Cell(c) => c.set(v),
                        _ => self.stack[base + s as usize] = v,
                    }
                }
                Op::GetUpvalue(i) => {
                    // Infallible: an instruction runs in the frame on top.
                    let v = match &self.frames.last().expect("frame").closure {
                        Some(c) => match &c.captures[i as usize] {
                            Value::Cell(cell) => cell.borrow().clone(),
                            copied => copied.clone(),
                        },
                        None => tri!(fail(kinds::ERROR, "upvalue access outside a closure")),
                    };
                    self.stack.push(v);
                }
                Op::SetUpvalue(i) => {
                    let v = self.stack.pop_value();
                    // Infallible: an instruction runs in the frame on top.
                    match &self.frames.last().expect("frame").closure {
                        Some(c) => match &c.captures[i as usize] {
                            Value::Cell(cell) => cell.set(v),
                            // The compiler copies only variables nothing assigns.
                            _ => tri!(fail(
                                kinds::ERROR,
                                "assignment to a variable captured by value"
                            )),
                        },
                        None => tri!(fail(kinds::ERROR, "upvalue access outside a closure")),
                    }
                }
                Op::GetGlobal(g) => {
                    let v = self.globals[g as usize].clone();
                    if let (Value::Error(_), Some(task)) = (&v, &self.conc.task) {
                        if let Some(t) = task.uncopyable_global(g as usize, &v) {
                            throw!(t);
                        }
                    }
                    self.stack.push(v)
                }
                Op::SetGlobal(g) => {
                    let v = self.stack.pop_value();
                    self.globals[g as usize] = v;
                }

                // Arithmetic, comparisons, and the superinstructions that
                // compute on locals: arith_steps.rs.
                Op::Add
                | Op::Sub
                | Op::Mul
                | Op::Div
                | Op::Mod
                | Op::Binary(..)
                | Op::Neg
                | Op::Not
                | Op::BitNot
                | Op::Equal(..)
                | Op::Compare(..)
                | Op::AddImm(..)
                | Op::ModImm(..)
                | Op::ArithLocals(..)
                | Op::IncLocal(..)
                | Op::GetLocalField(..)
                | Op::Products(..)
                | Op::ArithLocal(..)
                | Op::AddAssignLocal(..)
                | Op::MoveLocal(..)
                | Op::IndexLocals(..)
                | Op::SetIndexLocals(..)
                | Op::MulConstLocal(..)
                | Op::AddImmLocal(..)
                | Op::ModImmLocal(..)
                | Op::AddStore(..) => tri!(self.step_arith(op, base)),
                // Conditional jumps and loop back edges: branch_steps.rs.
                Op::JumpIfNot(..)
                | Op::JumpIfNotEqual(..)
                | Op::JumpIfLocal(..)
                | Op::JumpIfNotLocal(..)
                | Op::JumpIfNotEqImm(..)
                | Op::JumpIfNotConst(..)
                | Op::JumpIfNotLocals(..)
                | Op::IncLocalLoop(..)
                | Op::IncLoopLtConst(..)
                | Op::LoopIfLocals(..)
                | Op::LoopIfLtConst(..)
                | Op::IncLoopLocals(..)
                | Op::JumpIfLocalNotLtConst(..)
                | Op::JumpIf(..)
                | Op::JumpIfKeep(..) => match tri!(self.step_branch(op, base)) {
                    Branch::Next => {}
                    Branch::Jump(o) => jump!(o),
                    Branch::Back(n) => loop_back!(n),
                },
                Op::Jump(o) => {
                    if o < 0 {
                        self.countdown -= 1;
                        if self.countdown == 0 {
                            save_ip!();
                            tri!(self.checkpoint());
                        }
                    }
                    jump!(o);
                }
                Op::Loop(n) => loop_back!(n),

                Op::Call(argc, checked) => {
                    let top = self.stack.len();
                    let callee = top - argc as usize - 1;
                    save_ip!();
                    if TRACE {
                        self.stats.calls += 1;
                    }
                    if tri!(self.call_value_at(callee, argc as usize)) {
                        if checked {
                            tri!(self.check_entered_arguments(top));
                        }
                        load_frame!();
                    }
                }
                Op::CallDirect(f, argc) => {
                    let argc = argc as usize;
                    let b = self.stack.len() - argc;
                    save_ip!();
                    if TRACE {
                        self.stats.calls += 1;
                        // The dispatch loop counts calls for the JIT; with
                        // `--stats` every call comes here instead.
                        if let Some(calls) = self.jit_calls.get_mut(f as usize) {
                            if *calls > 1 {
                                *calls -= 1;
                            }
                        }
                    }
                    tri!(self.push_frame(f, None, b, b, argc, false));
                    load_frame!();
                }
                Op::CallNative(n, argc) => {
                    save_ip!();
                    tri!(self.call_native(n, argc));
                }
                Op::GetNative(n) => match builtins::native(n) {
                    Some(native) => self.stack.push(Value::Native(native)),
                    None => tri!(fail(kinds::ERROR, &format!("unknown built-in #{n}"))),
                },
                Op::Return
                    if !self.has_deinit
                        && self.handlers.is_empty()
                        && matches!(self.stack.last(), Some(Value::Int(_)))
                        && self.frames.len() > stop_depth + 1
                        && self.frames.last().is_some_and(|f| !f.ctor) =>
                {
                    // Fast return of an int: written field-wise into the
                    // slot that receives the result.
                    let Some(&Value::Int(i)) = self.stack.last() else {
                        unreachable!()
                    };
                    pop_scalar!();
                    // Infallible: the returning instruction runs in the frame on top.
                    let ret = self.frames.pop().expect("returning frame").ret;
                    while self.stack.len() > ret + 1 {
                        self.stack.drop_top();
                    }
                    match self.stack.get_mut(ret) {
                        Some(Value::Int(slot)) => *slot = i,
                        Some(slot) => slot.set(Value::Int(i)),
                        None => self.stack.push(Value::Int(i)),
                    }
                    load_frame!();
                }
                Op::Return | Op::ReturnNil => {
                    let mut result = match (op, self.stack.last()) {
                        (Op::ReturnNil, _) => Value::Nil,
                        // Read scalars by their fields: a 16-byte reload of a
                        // value whose payload was just written stalls.
                        (_, Some(&Value::Int(i))) => {
                            pop_scalar!();
                            Value::Int(i)
                        }
                        (_, Some(&Value::Float(f))) => {
                            pop_scalar!();
                            Value::Float(f)
                        }
                        _ => self.stack.pop_value(),
                    };
                    let frame = self.leave_frame();
                    if frame.ctor {
                        result = std::mem::take(&mut self.stack[frame.base]);
                    }
                    if self.frames.is_empty() && self.options.keep_values_at_exit {
                        self.keep_at_exit(frame.ret);
                    }
                    while self.stack.len() > frame.ret {
                        self.stack.drop_top();
                    }
                    if self.frames.len() <= stop_depth {
                        return Ok(Step::Return(result));
                    }
                    self.stack.push(result);
                    load_frame!();
                }
                Op::ResumeNative => {
                    save_ip!();
                    match tri!(self.resume_driven()) {
                        callbacks::Resumed::Called => load_frame!(),
                        callbacks::Resumed::Returned(result) => {
                            // The method returned (its frame is gone).
                            if self.frames.len() <= stop_depth {
                                return Ok(Step::Return(result));
                            }
                            self.stack.push(result);
                            load_frame!();
                        }
                        callbacks::Resumed::Done => {
                            if self.frames.len() <= stop_depth {
                                return Ok(Step::Return(Value::Nil));
                            }
                            load_frame!();
                        }
                    }
                }
                Op::Closure(f) => {
                    let closure = tri!(self.make_closure(f, base));
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    self.stack.push(closure);
                    allocated!();
                }
                Op::Invoke(name, argc, via) => {
                    let recv = self.stack.len() - argc as usize - 1;
                    // Fast paths for the hottest built-in methods.
                    match (self.const_methods[name as usize], argc, &self.stack[recv]) {
                        (Method::Push, 1, Value::List(_)) => {
                            let v = self.stack.pop_value();
                            if let Value::List(l) = &self.stack[recv] {
                                tri!(l.push(v));
                            }
                            self.stack.top_mut().set(Value::Nil);
                            break;
                        }
                        (Method::Len, 0, Value::List(l)) => {
                            let n = l.items.borrow().len() as i64;
                            self.stack.top_mut().set(Value::Int(n));
                            break;
                        }
                        (Method::Len, 0, Value::Str(s)) => {
                            let n = s.char_len() as i64;
                            self.stack.top_mut().set(Value::Int(n));
                            break;
                        }
                        _ => {}
                    }
                    save_ip!();
                    let pushed = if let (Dispatch::Cached | Dispatch::Any, Value::Instance(inst)) =
                        (via, &self.stack[recv])
                    {
                        let id = inst.class.id + 1;
                        let entries = self
                            .caches
                            .get(func as usize)
                            .and_then(|c| c.get(ip - 1))
                            .copied()
                            .unwrap_or_default();
                        let cached = super::calls::cache_lookup(&entries, id);
                        if let Some(method) = cached {
                            if TRACE {
                                self.stats.cache_hits += 1;
                            }
                            tri!(self.push_frame(
                                method,
                                None,
                                recv,
                                recv,
                                argc as usize + 1,
                                false
                            ));
                            true
                        } else {
                            tri!(self.invoke_missed(func, ip - 1, entries, recv, name, argc))
                        }
                    } else {
                        tri!(self.invoke(name, recv, argc as usize))
                    };
                    if pushed {
                        if via == Dispatch::Any {
                            tri!(self.check_entered_arguments(recv + argc as usize + 1));
                        }
                        load_frame!();
                    }
                }
                Op::InvokeSlot(slot, argc) => {
                    save_ip!();
                    tri!(self.invoke_slot(slot, argc));
                    load_frame!();
                }

                Op::NewList(n) => {
                    let at = self.stack.len() - n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    self.stack.push(Value::list(items));
                    allocated!();
                }
                Op::NewDict(_) => {
                    tri!(self.collection_op(op));
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    allocated!();
                }
                Op::NewTuple(_) | Op::NewRange(_) | Op::GetTupleField(_) => {
                    tri!(self.collection_op(op))
                }
                Op::GetIndex => {
                    // Fast path: list[int] in range, read without moving the list.
                    if let [.., Value::List(l), Value::Int(i)] = self.stack.as_slice() {
                        let item = l.items.borrow().get(*i as usize).map(Value::fast_clone);
                        if let (Some(v), true) = (item, *i >= 0) {
                            pop_scalar!();
                            self.stack.top_mut().set(v);
                            break;
                        }
                    }
                    tri!(self.get_index());
                }
                Op::GetIndexKind(code) => {
                    let idx = self.stack.pop_value();
                    let c = self.stack.pop_value();
                    self.stack.push(tri!(collections::get_index(&c, &idx)));
                    tri!(self.check_top_kind(code));
                }
                Op::AddToEntryLocals(a, b) => tri!(self.add_to_entry(a, b, base)),
                Op::SetIndex => {
                    if let [.., Value::List(l), Value::Int(i), v] = self.stack.as_slice() {
                        if !v.is_heap() && *i >= 0 {
                            let done = match l.items.borrow_mut().get_mut(*i as usize) {
                                Some(slot) => {
                                    slot.set(v.fast_clone());
                                    true
                                }
                                None => false,
                            };
                            if done {
                                pop_scalar!();
                                pop_scalar!();
                                self.stack.drop_top();
                                break;
                            }
                        }
                    }
                    tri!(self.set_index());
                }
                Op::Len => {
                    // `len(x)` is `x.len()` (reference §11): an instance
                    // of a frame with a `len()` method (std.collections'
                    // Set, Deque, Heap) answers through it; the call
                    // returns its result in the instance's place.
                    if let Value::Instance(inst) = self.stack.top_mut() {
                        let method = inst.class.method_map.get("len").copied();
                        // Only a `len()` taking nothing but `this`.
                        if let Some(method) = method.filter(|&m| {
                            self.functions
                                .get(m as usize)
                                .is_some_and(|p| p.required <= 1)
                        }) {
                            let recv = self.stack.len() - 1;
                            save_ip!();
                            tri!(self.push_frame(method, None, recv, recv, 1, false));
                            load_frame!();
                            break;
                        }
                    }
                    let c = self.stack.pop_value();
                    self.stack.push(tri!(collections::length(&c)));
                }

                Op::BuildString(n) => {
                    let at = self.stack.len() - n as usize;
                    let s = tri!(crate::value::interpolate(&self.stack[at..]));
                    self.stack.truncate(at);
                    self.stack.push(s);
                }

                Op::IterStart => {
                    // An instance of a frame with a `to_list()` method
                    // (std.collections' Set, Deque, Heap) is walked through
                    // what that returns: the call returns to this same
                    // instruction, with its result in the instance's place.
                    if let Value::Instance(inst) = self.stack.top_mut() {
                        if let Some(&method) = inst.class.method_map.get("to_list") {
                            let recv = self.stack.len() - 1;
                            ip -= 1;
                            save_ip!();
                            tri!(self.push_frame(method, None, recv, recv, 1, false));
                            load_frame!();
                            break;
                        }
                    }
                    let v = self.stack.pop_value();
                    self.stack.push(tri!(collections::iter_start(v)));
                }
                Op::IterNext(two, exit) => {
                    let next = match self.stack.top_mut() {
                        Value::Iterator(it) if matches!(&*it.borrow(), IterState::Channel(_)) => {
                            let ch = channel::iterated_channel(it);
                            save_ip!();
                            match ch.map(|ch| channel::iter_next(self, &ch)) {
                                Some(r) => tri!(r).map(|v| (Value::Nil, v)),
                                None => None,
                            }
                        }
                        Value::Iterator(it) => collections::iter_next(&mut it.borrow_mut(), two),
                        other => tri!(fail(
                            kinds::TYPE_ERROR,
                            &format!("cannot iterate a {}", other.type_name())
                        )),
                    };
                    match next {
                        Some((a, b)) => {
                            if two {
                                self.stack.push(a);
                            }
                            self.stack.push(b);
                        }
                        None => {
                            self.stack.pop();
                            jump!(exit);
                        }
                    }
                }

                Op::NewInstance(c, n) => {
                    let class = self.classes[c as usize].clone();
                    let count = class.field_names.len();
                    if n as usize > count {
                        tri!(fail(kinds::TYPE_ERROR, "field slot out of range"));
                    }
                    let at = self.stack.len() - n as usize;
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    // The fields not given are nil.
                    let inst = Value::instance(class, self.stack.drain(at..));
                    self.stack.push(inst);
                    allocated!();
                }
                Op::GetField(slot) => {
                    let v = match self.stack.top_mut() {
                        Value::Instance(inst) => inst.get(slot as usize),
                        _ => None,
                    };
                    let v = match v {
                        Some(v) => v,
                        None => tri!(field_error(self.stack.top_mut())),
                    };
                    *self.stack.top_mut() = v;
                }
                Op::SetField(slot) => {
                    if let [.., Value::Instance(inst), v] = self.stack.as_slice() {
                        if !v.is_heap() {
                            let done = inst.set(slot as usize, v.fast_clone());
                            if done {
                                pop_scalar!();
                                self.stack.drop_top();
                                break;
                            }
                        }
                    }
                    tri!(self.set_field(slot));
                }
                Op::GetFieldByName(k) => {
                    // Fill the inline cache the dispatch loop reads.
                    let found = match (self.stack.last(), self.constants.get(k as usize)) {
                        (Some(Value::Instance(inst)), Some(Value::Str(name))) => inst
                            .class
                            .field_slot(&name.text)
                            .map(|slot| (inst.class.id + 1, slot as u32)),
                        _ => None,
                    };
                    if let Some((id, slot)) = found {
                        self.remember(func, ip - 1, id, slot);
                    }
                    tri!(self.object_op(op));
                }
                Op::Class(_)
                | Op::SetFieldByName(_)
                | Op::IsInstance(_)
                | Op::IsVariant(..)
                | Op::GetPayload(_) => tri!(self.object_op(op)),
                Op::NewEnum(..) => {
                    tri!(self.object_op(op));
                    allocated!();
                }

                Op::Propagate => {
                    if matches!(self.stack.top_mut(), Value::Error(_)) {
                        let result = self.stack.pop_value();
                        let frame = self.leave_frame();
                        self.stack.truncate(frame.ret);
                        if self.frames.len() <= stop_depth {
                            return Ok(Step::Return(result));
                        }
                        self.stack.push(result);
                        load_frame!();
                    }
                }
                Op::Try(_)
                | Op::EndTry
                | Op::Raise
                | Op::Trap(_)
                | Op::ErrorKindIs(_)
                | Op::IsError
                | Op::MakeErr(_) => tri!(self.error_op(op, ip)),

                Op::CheckKind(code) => {
                    tri!(self.check_top_kind(code));
                }
                Op::Print(_)
                | Op::Assert
                | Op::Cast(_)
                | Op::CheckIntRange(_)
                | Op::CheckHost(..)
                | Op::CheckType(_)
                | Op::IsType(_)
                | Op::ToDecimal(..) => tri!(self.value_op(op)),

                // Concurrency: runtime/sched.rs, parallel.rs, shared.rs.
                Op::BlockBegin(_)
                | Op::Spawn(..)
                | Op::BlockEnd
                | Op::MakeShared
                | Op::SharedGet
                | Op::SharedLock
                | Op::SharedSetUnlock => {
                    save_ip!();
                    tri!(self.concurrency_op(op));
                }
            }
            break;
        }
        save_ip!();
        Ok(Step::Next)
    }

    /// Discard the top value, known to be a scalar (no destructor), without
    /// moving it (a 16-byte reload of a just-written value stalls).
    #[inline(always)]
    pub(super) fn pop_scalar_top(&mut self) {
        debug_assert!(self.stack.last().is_some_and(|v| !v.is_heap()));
        let Some(n) = self.stack.len().checked_sub(1) else {
            return;
        };
        // SAFETY: shortening the vector exposes no uninitialised value
        // (`n` is below the length), and the value left behind owns
        // nothing: every caller matched it as a scalar (Int, Float, Bool,
        // Nil) just before, so skipping its destructor leaks nothing.
        unsafe { self.stack.set_len(n) }
    }

    /// Print one trace line and count the instruction.
    pub(super) fn trace_step(&mut self, func: u32, ip: usize, op: Op) {
        self.stats.instructions += 1;
        if self.options.trace {
            let top = self
                .stack
                .last()
                .map(crate::value::repr)
                .unwrap_or_default();
            let name = self.functions[func as usize].name.clone();
            let line = crate::disasm::format_op(op);
            self.flush();
            // A closed stderr ends the trace, not the run.
            let _ = writeln!(
                std::io::stderr(),
                "[{name}:{ip:04}] {line:<28} | top: {top}"
            );
        }
    }
}
