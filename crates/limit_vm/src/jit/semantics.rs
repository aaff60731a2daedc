//! What each compiled instruction means, written once over a `Backend`:
//! the type analysis (analysis.rs) runs it on types, the lowering
//! (lower.rs) on Cranelift values. Both therefore agree on every
//! instruction's operand types, its guards and its successors.
//!
//! Rules every arm keeps, on which deoptimisation relies (deopt.rs): all
//! of an instruction's guards come before its first effect on a local
//! (`set_local`), so a guard that fails exits with the state the
//! instruction started from, and the interpreter runs that instruction
//! again from the beginning. Pushes and pops are effects on the
//! backend's model of the operand stack only, made real when the
//! instruction completes.

use crate::opcode::{BinaryOp, CastKind, Dispatch, Op, Ordering};
use crate::value::Value;

/// The kinds of values compiled code holds in registers: the scalars
/// (`Value`'s first four variants), and lists and instances, which it
/// only *borrows* (heap.rs): such a register holds the address of the
/// frame slot that holds the value, never a count of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scalar {
    Nil,
    Bool,
    Int,
    Float,
    /// A list, with the kind its elements are expected to have (guarded
    /// at each read).
    List(Elem),
    /// An instance of the class with this index, or of a class known only
    /// at run time (`ANY_CLASS`: one read from a list, or a local that
    /// held instances of several classes), whose methods are called
    /// through the classes compiled code has seen (`Backend::invoke_seen`).
    Instance(u32),
    /// An `iter` loop's iterator over a list, with the kind its next
    /// element is expected to have: an operand the entry point found on
    /// the stack and leaves there, owned by the interpreter (heap.rs).
    ListIter(Elem),
    /// A closure of the function with this index, borrowed like a list
    /// (a local's, or a compiled callee's argument).
    Closure(u32),
    /// A closure compiled code made (`Closure`) or a compiled callee
    /// returned: an operand that *owns* it, in its own operand slot (its
    /// register is that slot's address), until a `SetLocal` moves it into
    /// a local the frame owns or a `Return` hands it to the caller
    /// (closures.rs). Nothing else takes it: `pop` declines.
    NewClosure(u32),
    /// A list compiled code made (`NewList`), read out of another list
    /// (`GetIndexKind`) or a compiled callee returned: owned by its operand
    /// in its own slot, like `NewClosure`; a call's argument borrows it,
    /// and the caller releases it after the call (lists.rs).
    NewList(Elem),
}

/// The class of an `Instance` kind whose class compiled code does not
/// know: the largest index `Ty` encodes (classes from there on are opaque).
pub(crate) const ANY_CLASS: u32 = (1 << 24) - 1;

impl Scalar {
    /// A heap value compiled code does not own (a borrowed list or
    /// instance, or a list iterator left in its slot).
    pub(crate) fn is_heap(self) -> bool {
        matches!(
            self,
            Scalar::List(_)
                | Scalar::Instance(_)
                | Scalar::ListIter(_)
                | Scalar::Closure(_)
                | Scalar::NewClosure(_)
                | Scalar::NewList(_)
        )
    }

    /// An operand compiled code owns (`NewClosure`): it stays in its slot
    /// and only `SetLocal` and `Return` take it.
    pub(crate) fn is_owned(self) -> bool {
        matches!(self, Scalar::NewClosure(_) | Scalar::NewList(_))
    }

    /// The kind a callee borrowing this value sees: an owned value's
    /// borrowed kind.
    pub(crate) fn borrowed(self) -> Scalar {
        match self {
            Scalar::NewClosure(f) => Scalar::Closure(f),
            Scalar::NewList(e) => Scalar::List(e),
            other => other,
        }
    }
}

/// The kind a list's elements are expected to have (its first element's
/// when the list was seen at an entry point): reads guard it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Elem {
    /// Unknown (empty, or other heap values): reads are not compiled.
    Other,
    Bool,
    Int,
    Float,
    /// Instances, of any class: read only into a local that then owns a
    /// reference (`Backend::element_to_local`).
    Instance,
}

impl Elem {
    pub(crate) fn of(v: Option<&Value>) -> Elem {
        match v {
            Some(Value::Bool(_)) => Elem::Bool,
            Some(Value::Int(_)) => Elem::Int,
            Some(Value::Float(_)) => Elem::Float,
            Some(Value::Instance(_)) => Elem::Instance,
            _ => Elem::Other,
        }
    }

    /// The scalar kind an element read yields.
    pub(crate) fn scalar(self) -> Option<Scalar> {
        Some(match self {
            Elem::Other | Elem::Instance => return None,
            Elem::Bool => Scalar::Bool,
            Elem::Int => Scalar::Int,
            Elem::Float => Scalar::Float,
        })
    }
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

/// What `exec` did with an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Falls through to the next instruction.
    Next,
    /// Control left (a jump, a return, an exit): nothing follows.
    Stop,
}

/// The machine an instruction is run on: types (analysis.rs) or code
/// (lower.rs). Methods returning `None` decline: the instruction cannot
/// be compiled on these operands and `exec` exits to the interpreter at
/// it instead (before any effect).
pub(crate) trait Backend {
    /// A value of this backend (a type, or a type and a register).
    type V: Copy;
    /// The kind of a value.
    fn kind(&self, v: Self::V) -> Scalar;
    /// Read local `slot` (guarding its kind when the analysis only knows
    /// which kind it should be).
    fn local(&mut self, slot: u16) -> Option<Self::V>;
    /// Check that local `slot` may be written (it does not hold a heap
    /// value that compiled code would have to release).
    fn writable(&mut self, slot: u16) -> bool;
    /// Write local `slot` (an effect: after every guard).
    fn set_local(&mut self, slot: u16, v: Self::V);
    fn pop(&mut self) -> Option<Self::V>;
    fn push(&mut self, v: Self::V);
    /// The `n`th value from the top (0 = top), not popped.
    fn peek(&mut self, n: usize) -> Option<Self::V>;
    /// A constant of the program, when it is a scalar.
    fn constant(&mut self, k: u32) -> Option<Self::V>;
    fn int(&mut self, n: i64) -> Self::V;
    fn boolean(&mut self, b: bool) -> Self::V;
    fn nil(&mut self) -> Self::V;
    /// `a op b` on two ints (guarding overflow, and a zero or `-1`
    /// divisor) or on floats (an int operand converted, except for `%`).
    fn arith(&mut self, op: Arith, a: Self::V, b: Self::V) -> Option<Self::V>;
    /// `a order b` on two ints or two floats.
    fn compare(&mut self, order: Ordering, a: Self::V, b: Self::V) -> Option<Self::V>;
    /// `a == b` on two ints, two bools or two nils (a bool).
    fn equal(&mut self, a: Self::V, b: Self::V) -> Option<Self::V>;
    /// Truthiness (nil and false are false) as a bool.
    fn truthy(&mut self, v: Self::V) -> Self::V;
    /// Logical not of a bool.
    fn not(&mut self, v: Self::V) -> Self::V;
    /// `-v` on an int (guarding `i64::MIN`) or a float.
    fn negate(&mut self, v: Self::V) -> Option<Self::V>;
    /// An int as a float.
    fn to_float(&mut self, v: Self::V) -> Self::V;
    /// One step of the budget (a back edge): exits when the interpreter
    /// must run its checkpoint. Called after the instruction's other
    /// guards and before its effects, so that a step is counted once.
    fn tick(&mut self);
    /// Continue at `target` when the bool `cond` is true.
    fn branch(&mut self, cond: Self::V, target: usize);
    /// Continue at `target`.
    fn jump(&mut self, target: usize);
    /// Element `index` (an int) of list `list` when it is in range and
    /// of kind `kind`, else an exit (heap.rs).
    fn element(&mut self, list: Self::V, index: Self::V, kind: Scalar) -> Self::V;
    /// `list[index] = v` (a scalar) over a scalar element in range, else
    /// an exit with nothing changed. The instruction's last guard.
    fn set_element(&mut self, list: Self::V, index: Self::V, v: Self::V);
    /// Field `slot` of instance `obj` when it has kind `kind`, else an exit.
    fn field(&mut self, obj: Self::V, slot: u16, kind: Scalar) -> Self::V;
    /// `obj.fields[slot] = v` (a scalar) over a scalar field, else an
    /// exit with nothing changed. The instruction's last guard.
    fn set_field(&mut self, obj: Self::V, slot: u16, v: Self::V);
    /// `list.push(v)` (a scalar), within the limits, else an exit with
    /// nothing changed. The instruction's last guard.
    fn append(&mut self, list: Self::V, v: Self::V);
    /// The next element of list iterator `iter` and its index (an int)
    /// when there is one and it has kind `kind`, advancing the iterator;
    /// else an exit with nothing changed (the end of the list included:
    /// the interpreter then drops the iterator and leaves the loop). The
    /// instruction's last guard.
    fn iter_next(&mut self, iter: Self::V, kind: Scalar) -> (Self::V, Self::V);
    /// The kind field `slot` of instances of class `class` is expected
    /// to have (a scalar), if any.
    fn field_kind(&mut self, class: u32, slot: u16) -> Option<Scalar>;
    /// Whether constant `k` names the list method `push`/`append`.
    fn is_push(&mut self, k: u32) -> bool;
    /// The method named by constant `name` of class `class`.
    fn method(&mut self, class: u32, name: u32) -> Option<u32>;
    /// Call function `func` on the top `argc` values (replaced by its
    /// result).
    fn call(&mut self, func: u32, argc: u8) -> Option<Self::V>;
    /// Return `v` (nil when `None`) from the function. A borrowed heap
    /// value is returned by the interpreter (an exit), which owns its
    /// frames' values: an entry point that returns one is never called by
    /// compiled code (its analysis has no return kind).
    fn ret(&mut self, v: Option<Self::V>);
    /// Leave to the interpreter at this instruction.
    fn exit(&mut self);
    /// The instruction at `ip` of the code being compiled.
    fn op_at(&self, ip: usize) -> Option<Op>;
    /// Whether local `slot` may be given an instance that it then owns: in
    /// a frame the bridge entered at a loop head (never a compiled callee's,
    /// whose slots the interpreter does not own), a local holding a scalar
    /// or an instance (released then).
    fn takes_instance(&mut self, slot: u16) -> bool;
    /// `locals[slot] = list[index]` for an element that is an instance (a
    /// reference taken, the old value's released), when it is in range, the
    /// old value is not the last reference to an instance and the new one
    /// can be counted; else an exit with nothing changed.
    fn element_to_local(&mut self, list: Self::V, index: Self::V, slot: u16);
    /// Method `name` called on the receiver `argc` values below the top,
    /// an instance of a class known at run time: a direct call of the
    /// method compiled for each class compiled code has seen with such a
    /// method, chosen by the receiver's class; another class is an exit.
    fn invoke_seen(&mut self, name: u32, argc: u8) -> Option<Self::V>;
    /// `locals[slot] =` the next element of list iterator `iter`, an
    /// instance, advancing the iterator, under `element_to_local`'s
    /// conditions; else an exit with nothing changed (the end of the list
    /// included).
    fn iter_next_to_local(&mut self, iter: Self::V, slot: u16);
    /// The slot of field `name` in instances of the class compiled code
    /// expects `obj` to be of (its kind's, or for `ANY_CLASS` the one class
    /// seen with such a field, guarded), with the kind it expects there;
    /// `obj` as refined by the guard.
    fn field_named(&mut self, obj: Self::V, name: u32) -> Option<(Self::V, u16, Scalar)>;
    /// `locals[slot] = nil`, releasing what it held: a scalar, or an
    /// instance it owns (`takes_instance`) that this is not the last
    /// reference to (else an exit with nothing changed). False when not
    /// compiled.
    fn drop_local(&mut self, slot: u16) -> bool;
    /// `list.push(C(fields…))`: an instance of class `class` made of
    /// `fields` (scalars, popped already, as the list and its `nil`
    /// result pushed) pushed onto `list`, as the interpreter's
    /// `NewInstance` and `push` would, else an exit with nothing changed.
    /// Ends with an exit after its effects (at `next`) when the
    /// interpreter is to collect cycles then.
    fn new_instance_push(&mut self, class: u32, fields: &[Self::V], list: Self::V, next: usize);
    /// The length of list `list` (an int), unless it is borrowed mutably
    /// (an exit).
    fn length(&mut self, list: Self::V) -> Self::V;
    /// `[items…]`: the top `n` operands (scalars or owned values, moved
    /// into it) replaced by a new list, owned, with elements expected of
    /// kind `elem`. A collection due exits after it, at `next`. False
    /// when not compiled.
    fn new_list(&mut self, n: u32, elem: Elem, next: usize) -> bool;
    /// `list[index]` when it is a list: a reference taken, owned by the
    /// operand that replaces `list` and `index`; else an exit.
    fn element_list(&mut self, list: Self::V, index: Self::V) -> Option<Self::V>;
    /// `locals[slot]`, a scalar, put into a new cell (a captured
    /// variable) that the frame owns. False when not compiled.
    fn make_cell(&mut self, slot: u16) -> bool;
    /// A new closure of function `func` capturing from this frame's
    /// locals (cells this frame made, scalar and borrowed values), owned by
    /// the operand it is pushed as; `None` when not compiled. A decline
    /// exits before it; a collection due exits after it, at `next`.
    fn make_closure(&mut self, func: u32, next: usize) -> Option<Self::V>;
    /// Capture `i` of the running closure (the value a cell holds, or a
    /// captured value), a scalar of the kind seen there; else an exit.
    fn upvalue(&mut self, i: u16) -> Option<Self::V>;
    /// `capture i = v` (a scalar) when capture `i` of the running closure
    /// is a cell holding a scalar, else an exit with nothing changed. The
    /// instruction's last guard.
    fn set_upvalue(&mut self, i: u16, v: Self::V) -> bool;
    /// Call the closure `argc` values below the top (a borrowed
    /// `Closure(func)`) on the top `argc` values (all replaced by its
    /// result, a scalar).
    fn call_closure(&mut self, func: u32, argc: u8) -> Option<Self::V>;
    /// `locals[slot] =` the owned closure or list on top of the stack (popped),
    /// in a frame that owns its locals, releasing what the local held (a
    /// scalar, or a closure whose release runs no Limit code; else an exit
    /// with nothing changed). False when not compiled.
    fn store_new(&mut self, slot: u16, v: Self::V) -> bool;
}

/// Run instruction `op` at `ip` on `b`.
pub(crate) fn exec<B: Backend>(b: &mut B, ip: usize, op: Op) -> Flow {
    match run(b, ip, op) {
        Some(flow) => flow,
        None => {
            b.exit();
            Flow::Stop
        }
    }
}

/// `target` of a relative jump at `ip`.
fn rel(ip: usize, offset: i64) -> Option<usize> {
    usize::try_from(ip as i64 + 1 + offset).ok()
}

/// `target` of a backward jump at `ip`.
fn back(ip: usize, n: u32) -> Option<usize> {
    (ip + 1).checked_sub(n as usize)
}

/// The arithmetic an operator instruction performs.
fn arith_of(op: Op) -> Option<Arith> {
    Some(match op {
        Op::Add => Arith::Add,
        Op::Sub => Arith::Sub,
        Op::Mul => Arith::Mul,
        Op::Div => Arith::Div,
        Op::Mod => Arith::Mod,
        _ => return None,
    })
}

/// The arithmetic of a binary operator operand (`ArithLocals`,
/// `ArithLocal`, `Products`); the others are left to the interpreter.
fn arith_of_operator(op: BinaryOp) -> Option<Arith> {
    Some(match op {
        BinaryOp::Add => Arith::Add,
        BinaryOp::Sub => Arith::Sub,
        BinaryOp::Mul => Arith::Mul,
        BinaryOp::Div => Arith::Div,
        BinaryOp::Mod => Arith::Mod,
        _ => return None,
    })
}

/// An ordering compiled code compares by (`Eq`/`Ne` orderings are left
/// to the interpreter).
fn compared(order: Ordering) -> Option<Ordering> {
    matches!(
        order,
        Ordering::Lt | Ordering::Le | Ordering::Gt | Ordering::Ge
    )
    .then_some(order)
}

/// Jump to `target` when `cond` (a bool) is false.
fn branch_unless<B: Backend>(b: &mut B, cond: B::V, target: usize) {
    let not = b.not(cond);
    b.branch(not, target);
}

fn run<B: Backend>(b: &mut B, ip: usize, op: Op) -> Option<Flow> {
    use Op::*;
    match op {
        Pop => {
            // Dropping an iterator is releasing it: the interpreter's.
            let v = b.peek(0)?;
            if matches!(b.kind(v), Scalar::ListIter(_)) {
                return None;
            }
            b.pop()?;
        }
        Dup => {
            let v = b.peek(0)?;
            if matches!(b.kind(v), Scalar::ListIter(_)) || b.kind(v).is_owned() {
                return None;
            }
            b.push(v);
        }
        Swap => {
            // (An owned operand is never popped: it stays in its slot.)
            let y = b.pop()?;
            let x = b.pop()?;
            b.push(y);
            b.push(x);
        }
        Over => {
            let v = b.peek(1)?;
            if matches!(b.kind(v), Scalar::ListIter(_)) || b.kind(v).is_owned() {
                return None;
            }
            b.push(v);
        }
        IterNext(pair, _) => {
            let iter = b.peek(0)?;
            let Scalar::ListIter(elem) = b.kind(iter) else {
                return None;
            };
            if elem == Elem::Instance && !pair {
                // Into the loop's local, which owns it (as `GetIndex`).
                let Some(SetLocal(slot)) = b.op_at(ip + 1) else {
                    return None;
                };
                if !b.takes_instance(slot) {
                    return None;
                }
                b.iter_next_to_local(iter, slot);
                b.jump(ip + 2);
                return Some(Flow::Stop);
            }
            let kind = elem.scalar()?;
            let (index, v) = b.iter_next(iter, kind);
            if pair {
                b.push(index);
            }
            b.push(v);
        }
        Const(k) => {
            let v = b.constant(k)?;
            b.push(v);
        }
        Int(n) => {
            let v = b.int(n as i64);
            b.push(v);
        }
        Nil => {
            let v = b.nil();
            b.push(v);
        }
        Bool(value) => {
            let v = b.boolean(value);
            b.push(v);
        }
        GetLocal(s) => {
            let v = b.local(s)?;
            b.push(v);
        }
        GetLocal2(x, y) => {
            let (p, q) = (b.local(x)?, b.local(y)?);
            b.push(p);
            b.push(q);
        }
        SetLocal(s) => {
            let top = b.peek(0)?;
            if b.kind(top).is_owned() {
                // A closure made here: moved into the local.
                if !b.store_new(s, top) {
                    return None;
                }
                return Some(Flow::Next);
            }
            // A borrowed heap value stored into a local would have to be
            // counted.
            if !b.writable(s) || b.kind(top).is_heap() {
                return None;
            }
            let v = b.pop()?;
            b.set_local(s, v);
        }
        MoveLocal(from, to) => {
            let v = b.local(from)?;
            if !b.writable(to) || b.kind(v).is_heap() {
                return None;
            }
            b.set_local(to, v);
        }
        Add | Sub | Mul | Div | Mod => {
            let y = b.pop()?;
            let x = b.pop()?;
            let r = b.arith(arith_of(op)?, x, y)?;
            b.push(r);
        }
        Neg => {
            let x = b.pop()?;
            let r = b.negate(x)?;
            b.push(r);
        }
        Not => {
            let x = b.pop()?;
            if b.kind(x) != Scalar::Bool {
                return None;
            }
            let r = b.not(x);
            b.push(r);
        }
        Compare(order) => {
            let order = compared(order)?;
            let y = b.pop()?;
            let x = b.pop()?;
            let r = b.compare(order, x, y)?;
            b.push(r);
        }
        Equal(negated) => {
            let y = b.pop()?;
            let x = b.pop()?;
            let mut r = b.equal(x, y)?;
            if negated {
                r = b.not(r);
            }
            b.push(r);
        }
        AddImm(n) => {
            let x = b.pop()?;
            if b.kind(x) != Scalar::Int {
                return None;
            }
            let n = b.int(n as i64);
            let r = b.arith(Arith::Add, x, n)?;
            b.push(r);
        }
        ModImm(n) => {
            let x = b.pop()?;
            if b.kind(x) != Scalar::Int || n <= 0 {
                return None;
            }
            let n = b.int(n as i64);
            let r = b.arith(Arith::Mod, x, n)?;
            b.push(r);
        }
        ModImmLocal(s, n) => {
            let x = b.local(s)?;
            if b.kind(x) != Scalar::Int || n <= 0 {
                return None;
            }
            let n = b.int(n as i64);
            let r = b.arith(Arith::Mod, x, n)?;
            b.push(r);
        }
        ArithLocals(operator, x, y) => {
            let kind = arith_of_operator(operator)?;
            let (p, q) = (b.local(x)?, b.local(y)?);
            let r = same_kind_arith(b, kind, p, q)?;
            b.push(r);
        }
        Products(operator, p, q, s, t) => {
            let kind = match operator {
                BinaryOp::Add => Arith::Add,
                BinaryOp::Sub => Arith::Sub,
                _ => return None,
            };
            let (w, x) = (b.local(p as u16)?, b.local(q as u16)?);
            let (y, z) = (b.local(s as u16)?, b.local(t as u16)?);
            let kinds = [b.kind(w), b.kind(x), b.kind(y), b.kind(z)];
            if !(kinds.iter().all(|k| *k == Scalar::Int)
                || kinds.iter().all(|k| *k == Scalar::Float))
            {
                return None;
            }
            let first = b.arith(Arith::Mul, w, x)?;
            let second = b.arith(Arith::Mul, y, z)?;
            let r = b.arith(kind, first, second)?;
            b.push(r);
        }
        ArithLocal(operator, s) => {
            let kind = match operator {
                BinaryOp::Add => Arith::Add,
                BinaryOp::Sub => Arith::Sub,
                BinaryOp::Mul => Arith::Mul,
                _ => return None,
            };
            let y = b.local(s)?;
            let x = b.peek(0)?;
            let r = same_kind_arith(b, kind, x, y)?;
            b.pop()?;
            b.push(r);
        }
        AddAssignLocal(x, y) => {
            let (p, q) = (b.local(x)?, b.local(y)?);
            if !b.writable(x) {
                return None;
            }
            let r = same_kind_arith(b, Arith::Add, p, q)?;
            b.set_local(x, r);
        }
        MulConstLocal(k, s) => {
            let c = b.constant(k as u32)?;
            let y = b.local(s)?;
            let r = b.arith(Arith::Mul, c, y)?;
            b.push(r);
        }
        AddImmLocal(s, n) => {
            let x = b.local(s)?;
            if b.kind(x) != Scalar::Int {
                return None;
            }
            let n = b.int(n as i64);
            let r = b.arith(Arith::Add, x, n)?;
            b.push(r);
        }
        AddStore(d) => {
            let y = b.peek(0)?;
            let x = b.peek(1)?;
            if !b.writable(d) {
                return None;
            }
            let r = same_kind_arith(b, Arith::Add, x, y)?;
            b.pop()?;
            b.pop()?;
            b.set_local(d, r);
        }
        IncLocal(s, n) => {
            let r = incremented(b, s, n as i64)?;
            b.set_local(s, r);
        }
        JumpIfNot(order, o) => {
            let order = compared(order)?;
            let target = rel(ip, o as i64)?;
            let y = b.peek(0)?;
            let x = b.peek(1)?;
            let r = b.compare(order, x, y)?;
            b.pop()?;
            b.pop()?;
            branch_unless(b, r, target);
        }
        JumpIfNotEqual(negated, o) => {
            let target = rel(ip, o as i64)?;
            let y = b.peek(0)?;
            let x = b.peek(1)?;
            let mut r = b.equal(x, y)?;
            if negated {
                r = b.not(r);
            }
            b.pop()?;
            b.pop()?;
            branch_unless(b, r, target);
        }
        JumpIfNotLocal(order, s, o) => {
            let order = compared(order)?;
            let target = rel(ip, o as i64)?;
            let y = b.local(s)?;
            let x = b.peek(0)?;
            let r = b.compare(order, x, y)?;
            b.pop()?;
            branch_unless(b, r, target);
        }
        JumpIfNotEqImm(n, o) => {
            let target = rel(ip, o as i64)?;
            let x = b.peek(0)?;
            if b.kind(x) != Scalar::Int {
                return None;
            }
            let n = b.int(n as i64);
            let r = b.equal(x, n)?;
            b.pop()?;
            branch_unless(b, r, target);
        }
        JumpIfLocalNotLtConst(s, k, o) => {
            let target = rel(ip, o as i64)?;
            let x = b.local(s as u16)?;
            let c = b.constant(k as u32)?;
            let r = b.compare(Ordering::Lt, x, c)?;
            branch_unless(b, r, target);
        }
        JumpIfNotConst(order, k, o) => {
            let target = rel(ip, o as i64)?;
            let x = b.peek(0)?;
            let c = b.constant(k as u32)?;
            let r = b.compare(order, x, c)?;
            b.pop()?;
            branch_unless(b, r, target);
        }
        JumpIfNotLocals(order, x, y, o) => {
            let target = rel(ip, o as i64)?;
            let (p, q) = (b.local(x as u16)?, b.local(y as u16)?);
            let r = b.compare(order, p, q)?;
            branch_unless(b, r, target);
        }
        JumpIfLocal(when, s, o) => {
            let target = rel(ip, o as i64)?;
            let x = b.local(s)?;
            let t = b.truthy(x);
            if when {
                b.branch(t, target);
            } else {
                branch_unless(b, t, target);
            }
        }
        JumpIf(when, o) => {
            let target = rel(ip, o as i64)?;
            let x = b.pop()?;
            let t = b.truthy(x);
            if when {
                b.branch(t, target);
            } else {
                branch_unless(b, t, target);
            }
        }
        JumpIfKeep(when, o) => {
            // Jumping keeps the value; falling through pops it.
            let target = rel(ip, o as i64)?;
            let x = b.peek(0)?;
            let t = b.truthy(x);
            if when {
                b.branch(t, target);
            } else {
                branch_unless(b, t, target);
            }
            b.pop()?;
        }
        Jump(o) => {
            let target = rel(ip, o as i64)?;
            if o < 0 {
                b.tick();
            }
            b.jump(target);
            return Some(Flow::Stop);
        }
        Loop(n) => {
            let target = back(ip, n)?;
            b.tick();
            b.jump(target);
            return Some(Flow::Stop);
        }
        IncLocalLoop(s, n, back_by) => {
            let target = back(ip, back_by)?;
            let r = incremented(b, s as u16, n as i64)?;
            b.tick();
            b.set_local(s as u16, r);
            b.jump(target);
            return Some(Flow::Stop);
        }
        IncLoopLtConst(s, k, back_by) => {
            let target = back(ip, back_by)?;
            let x = b.local(s as u16)?;
            let c = b.constant(k as u32)?;
            if b.kind(x) != Scalar::Int || b.kind(c) != Scalar::Int || !b.writable(s as u16) {
                return None;
            }
            let one = b.int(1);
            let r = b.arith(Arith::Add, x, one)?;
            let go = b.compare(Ordering::Lt, r, c)?;
            b.tick();
            b.set_local(s as u16, r);
            b.branch(go, target);
        }
        IncLoopLocals(order, s, l, back_by) => {
            let target = back(ip, back_by)?;
            let x = b.local(s as u16)?;
            let y = b.local(l as u16)?;
            if b.kind(x) != Scalar::Int || b.kind(y) != Scalar::Int || !b.writable(s as u16) {
                return None;
            }
            let one = b.int(1);
            let r = b.arith(Arith::Add, x, one)?;
            let limit = if s == l { r } else { y };
            let go = b.compare(order, r, limit)?;
            b.tick();
            b.set_local(s as u16, r);
            b.branch(go, target);
        }
        LoopIfLocals(order, x, y, back_by) => {
            let target = back(ip, back_by)?;
            let (p, q) = (b.local(x as u16)?, b.local(y as u16)?);
            let go = b.compare(order, p, q)?;
            b.tick();
            b.branch(go, target);
        }
        LoopIfLtConst(s, k, back_by) => {
            let target = back(ip, back_by)?;
            let x = b.local(s as u16)?;
            let c = b.constant(k as u32)?;
            if b.kind(x) != Scalar::Int || b.kind(c) != Scalar::Int {
                return None;
            }
            let go = b.compare(Ordering::Lt, x, c)?;
            b.tick();
            b.branch(go, target);
        }
        CallDirect(f, argc) => {
            let r = b.call(f, argc)?;
            b.push(r);
        }
        Return => {
            // (A heap value: see `Backend::ret`.) An owned closure below
            // the result would have to be released.
            let v = b.peek(0)?;
            let mut n = 1;
            while let Some(below) = b.peek(n) {
                if b.kind(below).is_owned() {
                    return None;
                }
                n += 1;
            }
            b.ret(Some(v));
            return Some(Flow::Stop);
        }
        ReturnNil => {
            b.ret(None);
            return Some(Flow::Stop);
        }
        Cast(CastKind::IntToFloat) => {
            let x = b.peek(0)?;
            match b.kind(x) {
                Scalar::Float => {}
                Scalar::Int => {
                    let r = b.to_float(x);
                    b.pop()?;
                    b.push(r);
                }
                _ => return None,
            }
        }
        IndexLocals(l, i) => {
            let (list, index) = (b.local(l)?, b.local(i)?);
            let Some(kind) = element_kind(b, list, index) else {
                let slot = instance_target(b, ip, list, index)?;
                b.element_to_local(list, index, slot);
                b.jump(ip + 2);
                return Some(Flow::Stop);
            };
            let v = b.element(list, index, kind);
            b.push(v);
        }
        GetIndex => {
            let index = b.peek(0)?;
            let list = b.peek(1)?;
            let Some(kind) = element_kind(b, list, index) else {
                let slot = instance_target(b, ip, list, index)?;
                b.element_to_local(list, index, slot);
                b.pop()?;
                b.pop()?;
                b.jump(ip + 2);
                return Some(Flow::Stop);
            };
            let v = b.element(list, index, kind);
            b.pop()?;
            b.pop()?;
            b.push(v);
        }
        SetIndexLocals(l, i) => {
            let (list, index) = (b.local(l)?, b.local(i)?);
            let v = b.peek(0)?;
            if !stores_element(b, list, index, v) {
                return None;
            }
            b.set_element(list, index, v);
            b.pop()?;
        }
        SetIndex => {
            let v = b.peek(0)?;
            let index = b.peek(1)?;
            let list = b.peek(2)?;
            if !stores_element(b, list, index, v) {
                return None;
            }
            b.set_element(list, index, v);
            b.pop()?;
            b.pop()?;
            b.pop()?;
        }
        GetLocalField(s, slot) => {
            let obj = b.local(s)?;
            let kind = field_kind(b, obj, slot)?;
            let v = b.field(obj, slot, kind);
            b.push(v);
        }
        GetField(slot) => {
            let obj = b.peek(0)?;
            let kind = field_kind(b, obj, slot)?;
            let v = b.field(obj, slot, kind);
            b.pop()?;
            b.push(v);
        }
        DropLocal(slot) => {
            // The end of a block with a local whose frame has a `deinit`.
            if !b.drop_local(slot) {
                return None;
            }
        }
        GetFieldByName(name) => {
            let obj = b.peek(0)?;
            if !matches!(b.kind(obj), Scalar::Instance(_)) {
                return None;
            }
            let (obj, slot, kind) = b.field_named(obj, name)?;
            let v = b.field(obj, slot, kind);
            b.pop()?;
            b.push(v);
        }
        NewInstance(class, n) => {
            // Compiled only as `list.push(C(…))`: the new instance goes
            // straight into the list, never onto the operand stack.
            let Some(Invoke(name, 1, via)) = b.op_at(ip + 1) else {
                return None;
            };
            let list = b.peek(n as usize)?;
            if via == Dispatch::Any || !matches!(b.kind(list), Scalar::List(_)) || !b.is_push(name)
            {
                return None;
            }
            let mut fields = Vec::with_capacity(n as usize);
            for d in (0..n as usize).rev() {
                let v = b.peek(d)?;
                if b.kind(v).is_heap() {
                    return None;
                }
                fields.push(v);
            }
            for _ in 0..=n {
                b.pop()?;
            }
            let nil = b.nil();
            b.push(nil);
            b.new_instance_push(class, &fields, list, ip + 2);
            b.jump(ip + 2);
            return Some(Flow::Stop);
        }
        SetField(slot) => {
            let v = b.peek(0)?;
            let obj = b.peek(1)?;
            if !matches!(b.kind(obj), Scalar::Instance(_)) || b.kind(v).is_heap() {
                return None;
            }
            b.set_field(obj, slot, v);
            b.pop()?;
            b.pop()?;
        }
        NewList(n) => {
            let mut elem = Elem::Other;
            for d in (0..n as usize).rev() {
                let v = b.peek(d)?;
                let kind = b.kind(v);
                if kind.is_heap() && !kind.is_owned() {
                    return None;
                }
                if d + 1 == n as usize {
                    elem = match kind {
                        Scalar::Bool => Elem::Bool,
                        Scalar::Int => Elem::Int,
                        Scalar::Float => Elem::Float,
                        _ => Elem::Other,
                    };
                }
            }
            if !b.new_list(n, elem, ip + 1) {
                return None;
            }
        }
        GetIndexKind(code) if code == limit_bytecode::type_check::kind::LIST => {
            let index = b.peek(0)?;
            let list = b.peek(1)?;
            if !matches!(
                (b.kind(list), b.kind(index)),
                (Scalar::List(Elem::Other), Scalar::Int)
            ) {
                return None;
            }
            let v = b.element_list(list, index)?;
            b.pop()?;
            b.pop()?;
            b.push(v);
        }
        Len => {
            let list = b.peek(0)?;
            if !matches!(b.kind(list), Scalar::List(_)) {
                return None;
            }
            let n = b.length(list);
            b.pop()?;
            b.push(n);
        }
        MakeCell(s) => {
            if !b.make_cell(s) {
                return None;
            }
        }
        Closure(f) => {
            let v = b.make_closure(f, ip + 1)?;
            b.push(v);
        }
        GetUpvalue(i) => {
            let v = b.upvalue(i)?;
            b.push(v);
        }
        SetUpvalue(i) => {
            let v = b.peek(0)?;
            if b.kind(v).is_heap() || !b.set_upvalue(i, v) {
                return None;
            }
            b.pop()?;
        }
        Call(argc, false) => {
            let callee = b.peek(argc as usize)?;
            let Scalar::Closure(f) = b.kind(callee) else {
                return None;
            };
            let r = b.call_closure(f, argc)?;
            b.push(r);
        }
        Invoke(name, argc, via) => {
            let recv = b.peek(argc as usize)?;
            match b.kind(recv) {
                Scalar::Instance(ANY_CLASS) if via == Dispatch::Cached => {
                    let r = b.invoke_seen(name, argc)?;
                    b.push(r);
                }
                // A method through the receiver's class, which its kind
                // names: the call the interpreter's inline cache makes.
                Scalar::Instance(class) if via == Dispatch::Cached => {
                    let f = b.method(class, name)?;
                    let r = b.call(f, argc.checked_add(1)?)?;
                    b.push(r);
                }
                Scalar::List(_) if argc == 1 && via != Dispatch::Any && b.is_push(name) => {
                    let v = b.peek(0)?;
                    if b.kind(v).is_heap() {
                        return None;
                    }
                    b.append(recv, v);
                    b.pop()?;
                    b.pop()?;
                    let nil = b.nil();
                    b.push(nil);
                }
                _ => return None,
            }
        }
        _ => return None,
    }
    Some(Flow::Next)
}

/// The kind `list[index]` is expected to have, when compiled code reads
/// it: a list whose elements are expected to be scalars, an int index.
fn element_kind<B: Backend>(b: &mut B, list: B::V, index: B::V) -> Option<Scalar> {
    match (b.kind(list), b.kind(index)) {
        (Scalar::List(elem), Scalar::Int) => elem.scalar(),
        _ => None,
    }
}

/// The local an instance read from `list[index]` goes to: the next
/// instruction's, a `SetLocal` (the pair is compiled as one, so that the
/// instance never sits on the operand stack, where compiled code would
/// have to own it), when that local can own it.
fn instance_target<B: Backend>(b: &mut B, ip: usize, list: B::V, index: B::V) -> Option<u16> {
    if !matches!(
        (b.kind(list), b.kind(index)),
        (Scalar::List(Elem::Instance), Scalar::Int)
    ) {
        return None;
    }
    let Some(Op::SetLocal(slot)) = b.op_at(ip + 1) else {
        return None;
    };
    b.takes_instance(slot).then_some(slot)
}

/// The kind field `slot` of `obj` is expected to have, when compiled
/// code reads it: an instance whose class's field was seen holding a
/// scalar.
fn field_kind<B: Backend>(b: &mut B, obj: B::V, slot: u16) -> Option<Scalar> {
    match b.kind(obj) {
        Scalar::Instance(class) => b.field_kind(class, slot),
        _ => None,
    }
}

/// Arithmetic the fused local instructions take a fast path for only
/// when both operands are of one kind (otherwise the generic operator,
/// which compiled code leaves to the interpreter).
/// Whether compiled code stores `v` at `list[index]`: a scalar at an int
/// index of a list (a heap value stored would have to be owned).
fn stores_element<B: Backend>(b: &B, list: B::V, index: B::V, v: B::V) -> bool {
    matches!(b.kind(list), Scalar::List(_)) && b.kind(index) == Scalar::Int && !b.kind(v).is_heap()
}

fn same_kind_arith<B: Backend>(b: &mut B, op: Arith, x: B::V, y: B::V) -> Option<B::V> {
    if b.kind(x) != b.kind(y) {
        return None;
    }
    b.arith(op, x, y)
}

/// `locals[s] + n` on an int, for storing back into the (writable) local.
fn incremented<B: Backend>(b: &mut B, s: u16, n: i64) -> Option<B::V> {
    let x = b.local(s)?;
    if b.kind(x) != Scalar::Int || !b.writable(s) {
        return None;
    }
    let n = b.int(n);
    b.arith(Arith::Add, x, n)
}
