//! The type analysis: which kind of value each local and each operand
//! stack entry holds before every instruction reachable from an entry
//! point, found by running `semantics::exec` on types to a fixed point.
//!
//! The entry point's types are the ones observed in the frame when it is
//! compiled (`Ty::of` of each slot), so the code is specialised to them;
//! the bridge (mod.rs) enters it only when the frame's values have those
//! kinds. Where paths join with different kinds for a local, it holds a
//! *set* of kinds: compiled code then keeps its kind in a register too
//! and guards it where it is read. Operand stack entries always have one
//! known kind (a join that disagrees rejects the entry point).

use cranelift_module::FuncId;

use super::semantics::{exec, Arith, Backend, Elem, Flow, Scalar, ANY_CLASS};
use crate::opcode::{Op, Ordering};
use crate::program::CaptureSource;
use crate::runtime::methods::Method;
use crate::value::{IterState, Value};

/// The kinds a local may hold at a point: a set of scalar kinds (bits
/// 0..4), or one heap kind: `OPAQUE`, a heap value compiled code never
/// touches, a list (`LIST`, its elements' expected kind in bits 8..12),
/// an instance (`INSTANCE`, its class in bits 8..32) or an `iter` loop's
/// iterator over a list (`LIST_ITER`, the expected kind of the element it
/// reads next in bits 8..12). Heap kinds join only with themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Ty(pub(crate) u32);

impl Ty {
    pub(crate) const NIL: Ty = Ty(1);
    pub(crate) const BOOL: Ty = Ty(2);
    pub(crate) const INT: Ty = Ty(4);
    pub(crate) const FLOAT: Ty = Ty(8);
    pub(crate) const OPAQUE: Ty = Ty(16);
    const LIST: u32 = 32;
    const INSTANCE: u32 = 64;
    const LIST_ITER: u32 = 128;
    /// A closure (its function in bits 8..32): exclusive heap kinds from
    /// here on are codes, not bits.
    const CLOSURE: u32 = Ty::LIST | Ty::INSTANCE;
    /// A cell this compiled frame made for a captured variable and owns
    /// (`MakeCell`): read only by the closures it makes.
    pub(crate) const CELL: Ty = Ty(Ty::LIST_ITER | Ty::LIST);
    /// Classes with an index at or above this are opaque.
    const MAX_CLASS: u32 = 1 << 24;

    /// The kind of a value in a frame slot.
    pub(crate) fn of(v: &Value) -> Ty {
        match v {
            Value::Nil => Ty::NIL,
            Value::Bool(_) => Ty::BOOL,
            Value::Int(_) => Ty::INT,
            Value::Float(_) => Ty::FLOAT,
            Value::List(l) => {
                // The first element predicts the others' kind (guarded
                // at every read); a list borrowed mutably predicts none.
                let elem = match l.items.try_borrow() {
                    Ok(items) => Elem::of(items.first()),
                    Err(_) => Elem::Other,
                };
                Ty::scalar(Scalar::List(elem))
            }
            Value::Instance(i) if i.class.id < ANY_CLASS => {
                Ty::scalar(Scalar::Instance(i.class.id))
            }
            Value::Function(c) => Ty::scalar(Scalar::Closure(c.index)),
            Value::Iterator(it) => match it.try_borrow().as_deref() {
                // The element it reads next predicts the others' kind.
                Ok(IterState::List(list, next)) => match list.items.try_borrow() {
                    Ok(items) => Ty::scalar(Scalar::ListIter(Elem::of(items.get(*next)))),
                    Err(_) => Ty::OPAQUE,
                },
                _ => Ty::OPAQUE,
            },
            _ => Ty::OPAQUE,
        }
    }

    /// The element kind of a list's or list iterator's high bits.
    fn elem(bits: u32) -> Elem {
        match bits {
            2 => Elem::Bool,
            4 => Elem::Int,
            8 => Elem::Float,
            16 => Elem::Instance,
            _ => Elem::Other,
        }
    }

    /// The high bits of a list or list iterator with elements `elem`.
    fn elem_bits(elem: Elem) -> u32 {
        match elem {
            Elem::Other => 0,
            Elem::Bool => 2,
            Elem::Int => 4,
            Elem::Float => 8,
            Elem::Instance => 16,
        }
    }

    /// An instance (of one class, or of `ANY_CLASS`).
    pub(crate) fn is_instance(self) -> bool {
        self.0 & 0xff == Ty::INSTANCE
    }

    /// A list iterator (of any element kind).
    pub(crate) fn is_list_iter(self) -> bool {
        self.0 & 0xff == Ty::LIST_ITER
    }

    /// A closure (of any function).
    pub(crate) fn is_closure(self) -> bool {
        self.0 & 0xff == Ty::CLOSURE
    }

    pub(crate) fn scalar(s: Scalar) -> Ty {
        match s {
            Scalar::Nil => Ty::NIL,
            Scalar::Bool => Ty::BOOL,
            Scalar::Int => Ty::INT,
            Scalar::Float => Ty::FLOAT,
            Scalar::List(elem) | Scalar::NewList(elem) => Ty(Ty::LIST | Ty::elem_bits(elem) << 8),
            Scalar::ListIter(elem) => Ty(Ty::LIST_ITER | Ty::elem_bits(elem) << 8),
            Scalar::Instance(class) if class < Ty::MAX_CLASS => Ty(Ty::INSTANCE | class << 8),
            Scalar::Closure(f) | Scalar::NewClosure(f) if f < Ty::MAX_CLASS => {
                Ty(Ty::CLOSURE | f << 8)
            }
            Scalar::Instance(_) | Scalar::Closure(_) | Scalar::NewClosure(_) => Ty::OPAQUE,
        }
    }

    /// The one kind this is, if it is exactly one (an opaque heap value
    /// is none).
    pub(crate) fn exact(self) -> Option<Scalar> {
        Some(match self {
            Ty::NIL => Scalar::Nil,
            Ty::BOOL => Scalar::Bool,
            Ty::INT => Scalar::Int,
            Ty::FLOAT => Scalar::Float,
            Ty(t) if t & 0xff == Ty::LIST => Scalar::List(Ty::elem(t >> 8)),
            Ty(t) if t & 0xff == Ty::INSTANCE => Scalar::Instance(t >> 8),
            Ty(t) if t & 0xff == Ty::LIST_ITER => Scalar::ListIter(Ty::elem(t >> 8)),
            Ty(t) if t & 0xff == Ty::CLOSURE => Scalar::Closure(t >> 8),
            _ => return None,
        })
    }

    /// The kind a read of a local holding one of several kinds guards
    /// for: the one kind besides nil (nil is what a local declared later
    /// in a loop body holds before its first iteration).
    pub(crate) fn guess(self) -> Option<Scalar> {
        if self.is_heap() {
            return None;
        }
        Ty(self.0 & !Ty::NIL.0).exact()
    }

    pub(crate) fn may_be(self, s: Scalar) -> bool {
        !self.is_heap() && self.0 & Ty::scalar(s).0 != 0
    }

    /// A heap value (opaque, a list or an instance): compiled code may
    /// not write over it (it would have to release it).
    pub(crate) fn is_heap(self) -> bool {
        self.0 >= Ty::OPAQUE.0
    }

    /// Both sets; `None` when a heap value meets another kind (compiled
    /// code could not tell whether to release it, nor what it borrows).
    /// Instances of two classes join as instances of a class known at run
    /// time.
    fn join(self, other: Ty) -> Option<Ty> {
        if self == other {
            return Some(self);
        }
        if self.is_instance() && other.is_instance() {
            return Some(Ty::scalar(Scalar::Instance(ANY_CLASS)));
        }
        if self.is_heap() || other.is_heap() {
            return None;
        }
        Some(Ty(self.0 | other.0))
    }
}

/// The kinds before an instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) locals: Vec<Ty>,
    pub(crate) stack: Vec<Scalar>,
}

impl State {
    /// `self ∪ other`; `None` when they cannot be joined.
    fn join(&self, other: &State) -> Option<State> {
        if self.stack != other.stack || self.locals.len() != other.locals.len() {
            return None;
        }
        let locals = self
            .locals
            .iter()
            .zip(&other.locals)
            .map(|(a, b)| a.join(*b))
            .collect::<Option<Vec<_>>>()?;
        Some(State {
            locals,
            stack: self.stack.clone(),
        })
    }
}

/// A compiled (or being compiled) callee, as a call site needs it.
#[derive(Clone)]
pub(crate) struct Callee {
    /// The kind of its result.
    pub(crate) ret: Scalar,
    pub(crate) id: FuncId,
    /// Slots its frame needs from its base (`Compiled::extent`).
    pub(crate) extent: usize,
    /// Its body, when callers may compile it into themselves.
    pub(crate) inline: Option<std::rc::Rc<super::lower::Inlinable>>,
}

/// Where call sites find their callees' compiled code.
pub(crate) trait Callees {
    /// Function `func` entered with arguments of kinds `args`, when it
    /// can be compiled.
    fn callee(&mut self, func: u32, args: &[Scalar]) -> Option<Callee>;
    /// The kind field `slot` of class `class`'s instances was seen to
    /// hold (a scalar), if any (mod.rs's `Jit::fields`).
    fn field_kind(&self, class: u32, slot: u16) -> Option<Scalar>;
    /// The method `name` of class `class` (a function index), if any.
    fn method(&self, class: u32, name: &str) -> Option<u32>;
    /// The classes seen with a method `name`, in index order, at most
    /// `MAX_DISPATCH` (what `Backend::invoke_seen` chooses among).
    fn classes_with(&self, name: &str) -> Vec<SeenMethod>;
    /// Field `name` of instances of class `class` (`ANY_CLASS`: of the one
    /// class seen with such a field), when compiled code can read it.
    fn field_of(&self, class: u32, name: &str) -> Option<SeenField>;
    /// What function `func`'s closures capture, in `GetUpvalue` order.
    fn captures(&self, func: u32) -> Option<Vec<CaptureSource>>;
    /// The kind capture `i` of function `func`'s closures was seen to hold
    /// (a scalar, in its cell or as a value), if any: what compiled reads
    /// of it expect (and guard).
    fn capture_kind(&self, func: u32, i: u16) -> Option<Scalar>;
    /// Whether releasing a value never runs Limit code (the program has no
    /// `deinit`): a caller may then release what it lent a callee after
    /// the call.
    fn releases_freely(&self) -> bool;
}

/// Where compiled code reads a field it knows by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeenField {
    pub(crate) class: u32,
    pub(crate) slot: u16,
    /// The kind seen there (a scalar), which reads guard.
    pub(crate) kind: Scalar,
    /// The word an instance of the class holds first.
    pub(crate) word: usize,
}

/// A class compiled code has seen and its method of some name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SeenMethod {
    pub(crate) class: u32,
    pub(crate) func: u32,
    /// The word an instance of the class holds first (its class's `Rc`).
    pub(crate) word: usize,
}

/// Classes one `invoke_seen` chooses among, at most.
pub(crate) const MAX_DISPATCH: usize = 4;

/// The candidates of a call of method `name` on the operands `args`
/// (receiver first) whose callees compile, with the kind they all return:
/// those returning the first one's kind (the others are left out, and an
/// instance of their class exits).
pub(crate) fn dispatch_targets(
    callees: &mut dyn Callees,
    name: &str,
    args: &[Scalar],
) -> Option<(Vec<(SeenMethod, Callee)>, Scalar)> {
    let mut kinds = args.to_vec();
    let mut found: Vec<(SeenMethod, Callee)> = Vec::new();
    for seen in callees.classes_with(name) {
        *kinds.first_mut()? = Scalar::Instance(seen.class);
        if let Some(callee) = callees.callee(seen.func, &kinds) {
            if found.first().is_none_or(|(_, c)| c.ret == callee.ret) {
                found.push((seen, callee));
            }
        }
    }
    let ret = found.first()?.1.ret;
    Some((found, ret))
}

/// What the analysis found for one entry point.
#[derive(Clone)]
pub(crate) struct Analysis {
    /// The kinds before each instruction (`None`: not reached).
    pub(crate) states: Vec<Option<State>>,
    /// The deepest operand stack.
    pub(crate) max_stack: usize,
    /// The kind every `Return` returns (`None`: no return reached, or
    /// returns of different kinds: then nothing can call this entry).
    pub(crate) ret: Option<Scalar>,
    /// Instructions that always leave to the interpreter (unsupported,
    /// or operands of kinds compiled code does not handle).
    pub(crate) exits: Vec<usize>,
}

/// Why an entry point is not compiled.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reject {
    /// Paths join with different operand stacks, or a heap value and a
    /// scalar in one local.
    Join(usize),
    /// A jump leaves the code.
    Bounds(usize),
    /// The entry point's state does not fit the function's frame.
    Shape,
}

/// Analyse `code` from `entry` with the kinds `start`.
pub(crate) fn analyse(
    func: u32,
    code: &[Op],
    entry: usize,
    start: State,
    constants: &[Value],
    callees: &mut dyn Callees,
) -> Result<Analysis, Reject> {
    if entry >= code.len() {
        return Err(Reject::Shape);
    }
    let mut states: Vec<Option<State>> = vec![None; code.len()];
    let mut max_stack = start.stack.len();
    states[entry] = Some(start);
    let mut work = vec![entry];
    let mut queued = vec![false; code.len()];
    queued[entry] = true;
    let mut ret: Option<Option<Scalar>> = None;
    let mut exits = Vec::new();
    while let Some(ip) = work.pop() {
        queued[ip] = false;
        let Some(state) = states[ip].clone() else {
            continue;
        };
        let mut b = Types {
            state,
            succs: Vec::new(),
            returns: Vec::new(),
            exited: false,
            constants,
            callees,
            code,
            func,
            owns_locals: entry != 0,
        };
        if exec(&mut b, ip, code[ip]) == Flow::Next {
            let next = b.state.clone();
            b.succs.push((ip + 1, next));
        }
        if b.exited && !exits.contains(&ip) {
            exits.push(ip);
        }
        for r in b.returns {
            ret = Some(match ret {
                None => Some(r),
                Some(Some(k)) if k == r => Some(k),
                Some(_) => None,
            });
        }
        for (target, out) in b.succs {
            if target >= code.len() {
                return Err(Reject::Bounds(ip));
            }
            max_stack = max_stack.max(out.stack.len());
            let joined = match &states[target] {
                None => out,
                Some(old) => {
                    let j = old.join(&out).ok_or(Reject::Join(target))?;
                    if &j == old {
                        continue;
                    }
                    j
                }
            };
            states[target] = Some(joined);
            if !queued[target] {
                queued[target] = true;
                work.push(target);
            }
        }
    }
    exits.sort_unstable();
    Ok(Analysis {
        states,
        max_stack,
        // A borrowed heap value is returned by the interpreter; an owned
        // closure is handed to the compiled caller.
        ret: ret.flatten().filter(|k| !k.is_heap() || k.is_owned()),
        exits,
    })
}

/// `exec` on kinds.
struct Types<'a> {
    state: State,
    succs: Vec<(usize, State)>,
    returns: Vec<Scalar>,
    exited: bool,
    constants: &'a [Value],
    callees: &'a mut dyn Callees,
    code: &'a [Op],
    /// The function being compiled.
    func: u32,
    /// The frame is one the bridge entered at a loop head, whose slots the
    /// interpreter owns (`Backend::takes_instance`).
    owns_locals: bool,
}

impl Types<'_> {
    /// Local `slot` now holds an instance it owns, of a class known at
    /// run time (an element read into it).
    fn note_instance_local(&mut self, slot: u16) {
        if let Some(t) = self.state.locals.get_mut(slot as usize) {
            *t = Ty::scalar(Scalar::Instance(ANY_CLASS));
        }
    }
}

/// The kind of a scalar constant.
pub(crate) fn constant_kind(v: &Value) -> Option<Scalar> {
    Ty::of(v).exact().filter(|k| !k.is_heap())
}

/// The text of string constant `k`.
pub(crate) fn constant_text(constants: &[Value], k: u32) -> Option<&str> {
    match constants.get(k as usize)? {
        Value::Str(s) => Some(&s.text),
        _ => None,
    }
}

/// Whether constant `k` names the list method `push` (`append`).
pub(crate) fn names_push(constants: &[Value], k: u32) -> bool {
    matches!(constants.get(k as usize), Some(Value::Str(s)) if Method::from_name(&s.text) == Method::Push)
}

/// The kind `a op b` has, when compiled code computes it.
pub(crate) fn arith_kind(op: Arith, a: Scalar, b: Scalar) -> Option<Scalar> {
    use Scalar::*;
    match (a, b) {
        (Int, Int) => Some(Int),
        (Float, Float) | (Int, Float) | (Float, Int) if op != Arith::Mod => Some(Float),
        _ => None,
    }
}

/// Whether compiled code compares `a` with `b`.
pub(crate) fn comparable(a: Scalar, b: Scalar) -> bool {
    matches!(
        (a, b),
        (Scalar::Int, Scalar::Int) | (Scalar::Float, Scalar::Float)
    )
}

/// Whether compiled code tests `a == b`.
pub(crate) fn equatable(a: Scalar, b: Scalar) -> bool {
    a == b && matches!(a, Scalar::Nil | Scalar::Bool | Scalar::Int)
}

impl Backend for Types<'_> {
    type V = Scalar;

    fn kind(&self, v: Scalar) -> Scalar {
        v
    }

    fn local(&mut self, slot: u16) -> Option<Scalar> {
        let ty = *self.state.locals.get(slot as usize)?;
        if let Some(s) = ty.exact() {
            return Some(s);
        }
        // A guarded read: past the guard the local has the guessed kind.
        let s = ty.guess()?;
        self.state.locals[slot as usize] = Ty::scalar(s);
        Some(s)
    }

    fn writable(&mut self, slot: u16) -> bool {
        self.state
            .locals
            .get(slot as usize)
            .is_some_and(|t| !t.is_heap())
    }

    fn set_local(&mut self, slot: u16, v: Scalar) {
        if let Some(t) = self.state.locals.get_mut(slot as usize) {
            *t = Ty::scalar(v);
        }
    }

    fn pop(&mut self) -> Option<Scalar> {
        // A list iterator stays in its slot (heap.rs), an owned closure
        // until stored or returned (closures.rs): nothing else takes them.
        let top = *self.state.stack.last()?;
        if matches!(top, Scalar::ListIter(_)) || top.is_owned() {
            return None;
        }
        self.state.stack.pop()
    }

    fn push(&mut self, v: Scalar) {
        self.state.stack.push(v);
    }

    fn peek(&mut self, n: usize) -> Option<Scalar> {
        let len = self.state.stack.len();
        self.state.stack.get(len.checked_sub(n + 1)?).copied()
    }

    fn constant(&mut self, k: u32) -> Option<Scalar> {
        constant_kind(self.constants.get(k as usize)?)
    }

    fn int(&mut self, _: i64) -> Scalar {
        Scalar::Int
    }

    fn boolean(&mut self, _: bool) -> Scalar {
        Scalar::Bool
    }

    fn nil(&mut self) -> Scalar {
        Scalar::Nil
    }

    fn arith(&mut self, op: Arith, a: Scalar, b: Scalar) -> Option<Scalar> {
        arith_kind(op, a, b)
    }

    fn compare(&mut self, _: Ordering, a: Scalar, b: Scalar) -> Option<Scalar> {
        comparable(a, b).then_some(Scalar::Bool)
    }

    fn equal(&mut self, a: Scalar, b: Scalar) -> Option<Scalar> {
        equatable(a, b).then_some(Scalar::Bool)
    }

    fn truthy(&mut self, _: Scalar) -> Scalar {
        Scalar::Bool
    }

    fn not(&mut self, _: Scalar) -> Scalar {
        Scalar::Bool
    }

    fn element(&mut self, _: Scalar, _: Scalar, kind: Scalar) -> Scalar {
        kind
    }

    fn iter_next(&mut self, _: Scalar, kind: Scalar) -> (Scalar, Scalar) {
        (Scalar::Int, kind)
    }

    fn set_element(&mut self, _: Scalar, _: Scalar, _: Scalar) {}

    fn field(&mut self, _: Scalar, _: u16, kind: Scalar) -> Scalar {
        kind
    }

    fn set_field(&mut self, _: Scalar, _: u16, _: Scalar) {}

    fn append(&mut self, _: Scalar, _: Scalar) {}

    fn field_kind(&mut self, class: u32, slot: u16) -> Option<Scalar> {
        self.callees.field_kind(class, slot)
    }

    fn is_push(&mut self, k: u32) -> bool {
        names_push(self.constants, k)
    }

    fn method(&mut self, class: u32, name: u32) -> Option<u32> {
        self.callees
            .method(class, constant_text(self.constants, name)?)
    }

    fn negate(&mut self, v: Scalar) -> Option<Scalar> {
        matches!(v, Scalar::Int | Scalar::Float).then_some(v)
    }

    fn to_float(&mut self, _: Scalar) -> Scalar {
        Scalar::Float
    }

    fn tick(&mut self) {}

    fn branch(&mut self, _: Scalar, target: usize) {
        self.succs.push((target, self.state.clone()));
    }

    fn jump(&mut self, target: usize) {
        self.succs.push((target, self.state.clone()));
    }

    fn call(&mut self, func: u32, argc: u8) -> Option<Scalar> {
        let len = self.state.stack.len();
        let first = len.checked_sub(argc as usize)?;
        // A function with captures runs as a closure (`call_closure`); an
        // owned argument is released after the call, where only a program
        // without `deinit` may release freely.
        if !self.callees.captures(func)?.is_empty()
            || (self.state.stack[first..].iter().any(|a| a.is_owned())
                && !self.callees.releases_freely())
        {
            return None;
        }
        let callee = self.callees.callee(func, &self.state.stack[first..])?;
        self.state.stack.truncate(first);
        Some(callee.ret)
    }

    fn ret(&mut self, v: Option<Scalar>) {
        self.returns.push(v.unwrap_or(Scalar::Nil));
    }

    fn exit(&mut self) {
        self.exited = true;
    }

    fn op_at(&self, ip: usize) -> Option<Op> {
        self.code.get(ip).copied()
    }

    fn takes_instance(&mut self, slot: u16) -> bool {
        self.owns_locals
            && self
                .state
                .locals
                .get(slot as usize)
                .is_some_and(|t| !t.is_heap() || t.is_instance())
    }

    fn element_to_local(&mut self, _: Scalar, _: Scalar, slot: u16) {
        self.note_instance_local(slot);
    }

    fn iter_next_to_local(&mut self, _: Scalar, slot: u16) {
        self.note_instance_local(slot);
    }

    fn field_named(&mut self, obj: Scalar, name: u32) -> Option<(Scalar, u16, Scalar)> {
        let Scalar::Instance(class) = obj else {
            return None;
        };
        let f = self
            .callees
            .field_of(class, constant_text(self.constants, name)?)?;
        Some((Scalar::Instance(f.class), f.slot, f.kind))
    }

    fn new_instance_push(&mut self, _: u32, _: &[Scalar], _: Scalar, _: usize) {}

    fn drop_local(&mut self, slot: u16) -> bool {
        let Some(&ty) = self.state.locals.get(slot as usize) else {
            return false;
        };
        if ty.is_heap() && !(ty.is_instance() && self.owns_locals) {
            return false;
        }
        self.state.locals[slot as usize] = Ty::NIL;
        true
    }

    fn length(&mut self, _: Scalar) -> Scalar {
        Scalar::Int
    }

    fn new_list(&mut self, n: u32, elem: Elem, _: usize) -> bool {
        let Some(first) = self.state.stack.len().checked_sub(n as usize) else {
            return false;
        };
        self.state.stack.truncate(first);
        self.state.stack.push(Scalar::NewList(elem));
        true
    }

    fn element_list(&mut self, _: Scalar, _: Scalar) -> Option<Scalar> {
        Some(Scalar::NewList(Elem::Other))
    }

    fn make_cell(&mut self, slot: u16) -> bool {
        match self.state.locals.get_mut(slot as usize) {
            Some(t) if t.exact().is_some_and(|k| !k.is_heap()) => {
                *t = Ty::CELL;
                true
            }
            _ => false,
        }
    }

    fn make_closure(&mut self, func: u32, _: usize) -> Option<Scalar> {
        closure_captures_fit(&*self.callees, func, &self.state.locals)?;
        Some(Scalar::NewClosure(func))
    }

    fn upvalue(&mut self, i: u16) -> Option<Scalar> {
        self.callees.captures(self.func)?.get(i as usize)?;
        self.callees.capture_kind(self.func, i)
    }

    fn set_upvalue(&mut self, i: u16, _: Scalar) -> bool {
        self.callees
            .captures(self.func)
            .is_some_and(|c| matches!(c.get(i as usize), Some(CaptureSource::Local(_))))
    }

    fn call_closure(&mut self, func: u32, argc: u8) -> Option<Scalar> {
        let len = self.state.stack.len();
        let first = len.checked_sub(argc as usize)?;
        if self.state.stack[first..].iter().any(|a| a.is_owned()) {
            return None;
        }
        let callee = self.callees.callee(func, &self.state.stack[first..])?;
        // A heap result would land above the callee's slot.
        if callee.ret.is_heap() {
            return None;
        }
        self.state.stack.truncate(first.checked_sub(1)?);
        Some(callee.ret)
    }

    fn store_new(&mut self, slot: u16, v: Scalar) -> bool {
        let Some(&old) = self.state.locals.get(slot as usize) else {
            return false;
        };
        let Some(stored) = stored_kind(v, old).filter(|_| self.owns_locals) else {
            return false;
        };
        self.state.stack.pop();
        self.state.locals[slot as usize] = stored;
        true
    }

    fn invoke_seen(&mut self, name: u32, argc: u8) -> Option<Scalar> {
        let name = constant_text(self.constants, name)?;
        let first = self.state.stack.len().checked_sub(argc as usize + 1)?;
        let args = self.state.stack[first..].to_vec();
        let (_, ret) = dispatch_targets(self.callees, name, &args)?;
        self.state.stack.truncate(first);
        Some(ret)
    }
}

/// The kind a local holding `old` takes when the owned value `v` is moved
/// into it (`Backend::store_new`): a closure over a scalar or a closure, a
/// list over a scalar or a list; `None` for anything else.
pub(crate) fn stored_kind(v: Scalar, old: Ty) -> Option<Ty> {
    let fits = match v {
        Scalar::NewClosure(_) => !old.is_heap() || old.is_closure(),
        Scalar::NewList(_) => !old.is_heap() || old.0 & 0xff == Ty::LIST,
        _ => false,
    };
    fits.then(|| Ty::scalar(v.borrowed()))
}

/// Whether compiled code makes a closure of `func` in a frame whose locals
/// have the kinds `locals`: every capture a cell this frame made or a value
/// of a known kind in a local (`Upvalue` captures are the interpreter's).
pub(crate) fn closure_captures_fit(
    callees: &dyn Callees,
    func: u32,
    locals: &[Ty],
) -> Option<Vec<CaptureSource>> {
    let captures = callees.captures(func)?;
    for cap in &captures {
        let fits = match *cap {
            CaptureSource::Local(s) => locals.get(s as usize) == Some(&Ty::CELL),
            CaptureSource::LocalValue(s) => locals
                .get(s as usize)
                .is_some_and(|t| *t != Ty::CELL && t.exact().is_some()),
            CaptureSource::Upvalue(_) => false,
        };
        if !fits {
            return None;
        }
    }
    Some(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoCallees;
    impl Callees for NoCallees {
        fn callee(&mut self, _: u32, _: &[Scalar]) -> Option<Callee> {
            None
        }
        fn field_kind(&self, _: u32, _: u16) -> Option<Scalar> {
            None
        }
        fn method(&self, _: u32, _: &str) -> Option<u32> {
            None
        }
        fn classes_with(&self, _: &str) -> Vec<SeenMethod> {
            Vec::new()
        }
        fn field_of(&self, _: u32, _: &str) -> Option<SeenField> {
            None
        }
        fn captures(&self, _: u32) -> Option<Vec<CaptureSource>> {
            Some(Vec::new())
        }
        fn capture_kind(&self, _: u32, _: u16) -> Option<Scalar> {
            None
        }
        fn releases_freely(&self) -> bool {
            true
        }
    }

    fn start(locals: &[Ty]) -> State {
        State {
            locals: locals.to_vec(),
            stack: Vec::new(),
        }
    }

    #[test]
    fn a_local_assigned_in_a_loop_body_joins_nil_and_int_and_reads_guarded() {
        // 0: JumpIfLocalNotLtConst(0, k0, ->4); 1: GetLocal 1 (nil|int);
        // 2: SetLocal 1 … written as: x = 7; 3: back to 0.
        let code = [
            Op::JumpIfLocalNotLtConst(0, 0, 3),
            Op::Int(7),
            Op::SetLocal(1),
            Op::IncLoopLtConst(0, 0, 3),
            Op::GetLocal(1),
            Op::Return,
        ];
        let constants = [Value::Int(10)];
        let a = analyse(
            0,
            &code,
            0,
            start(&[Ty::INT, Ty::NIL]),
            &constants,
            &mut NoCallees,
        )
        .expect("analysed");
        let at_exit = a.states[4].as_ref().expect("reached");
        assert_eq!(at_exit.locals[1], Ty(Ty::NIL.0 | Ty::INT.0));
        assert_eq!(a.ret, Some(Scalar::Int));
        assert!(a.exits.is_empty());
    }

    #[test]
    fn operands_of_unhandled_kinds_become_exits() {
        // An int compared with a float leaves to the interpreter.
        let code = [Op::GetLocal2(0, 1), Op::Compare(Ordering::Lt), Op::Return];
        let a = analyse(
            0,
            &code,
            0,
            start(&[Ty::INT, Ty::FLOAT]),
            &[],
            &mut NoCallees,
        )
        .expect("analysed");
        assert_eq!(a.exits, vec![1]);
        assert!(a.states[2].is_none());
    }

    #[test]
    fn writing_a_local_that_holds_a_heap_value_exits() {
        let code = [
            Op::JumpIfLocal(false, 1, 2),
            Op::Int(1),
            Op::SetLocal(0),
            Op::GetLocal(1),
            Op::Return,
        ];
        // Local 0 holds a heap value: compiled code would have to release
        // it, so the write leaves to the interpreter.
        let a = analyse(
            0,
            &code,
            0,
            start(&[Ty::OPAQUE, Ty::BOOL]),
            &[],
            &mut NoCallees,
        )
        .expect("analysed");
        assert_eq!(a.exits, vec![2]);
    }

    #[test]
    fn a_list_iterator_is_read_in_place_and_never_taken() {
        for elem in [Elem::Int, Elem::Float, Elem::Bool, Elem::Other] {
            let ty = Ty::scalar(Scalar::ListIter(elem));
            assert!(ty.is_heap() && ty.is_list_iter());
            assert_eq!(ty.exact(), Some(Scalar::ListIter(elem)));
        }
        // 0: IterNext (the loop's head, iterator below); 1: SetLocal 0;
        // 2: Loop back to 0; 3: Pop (a `break`'s drop of the iterator).
        let code = [
            Op::IterNext(false, 2),
            Op::SetLocal(0),
            Op::Loop(3),
            Op::Pop,
        ];
        let entry = State {
            locals: vec![Ty::INT],
            stack: vec![Scalar::ListIter(Elem::Int)],
        };
        let a = analyse(0, &code, 0, entry, &[], &mut NoCallees).expect("analysed");
        // The element read is an int the loop stores; nothing pops the
        // iterator in compiled code.
        let body = a.states[1].as_ref().expect("reached");
        assert_eq!(body.stack, vec![Scalar::ListIter(Elem::Int), Scalar::Int]);
        let mut pops = Types {
            state: State {
                locals: vec![Ty::INT],
                stack: vec![Scalar::ListIter(Elem::Int)],
            },
            succs: Vec::new(),
            returns: Vec::new(),
            exited: false,
            constants: &[],
            callees: &mut NoCallees,
            code: &code,
            func: 0,
            owns_locals: false,
        };
        assert_eq!(exec(&mut pops, 3, Op::Pop), Flow::Stop);
        assert!(pops.exited);
    }

    #[test]
    fn instances_of_two_classes_join_as_a_class_known_at_run_time() {
        let a = Ty::scalar(Scalar::Instance(3));
        let b = Ty::scalar(Scalar::Instance(5));
        let any = Ty::scalar(Scalar::Instance(ANY_CLASS));
        assert_eq!(a.join(b), Some(any));
        assert_eq!(any.join(a), Some(any));
        assert_eq!(a.join(a), Some(a));
        // Still no join of a heap value with a scalar or another heap kind.
        assert_eq!(a.join(Ty::NIL), None);
        assert_eq!(a.join(Ty::scalar(Scalar::List(Elem::Int))), None);
        // Lists of instances keep their element kind through `Ty`.
        let list = Ty::scalar(Scalar::List(Elem::Instance));
        assert_eq!(list.exact(), Some(Scalar::List(Elem::Instance)));
    }

    #[test]
    fn an_instance_element_goes_only_into_a_local_of_a_loop_heads_frame() {
        // 0: a nil (before the loop); 1: the loop head, GetLocal2 list,
        // index; 2: GetIndex; 3: SetLocal 2; 4: back to 1.
        let code = [
            Op::Nil,
            Op::GetLocal2(0, 1),
            Op::GetIndex,
            Op::SetLocal(2),
            Op::Loop(4),
        ];
        let locals = [
            Ty::scalar(Scalar::List(Elem::Instance)),
            Ty::INT,
            Ty::scalar(Scalar::Instance(4)),
        ];
        let run = |entry: usize| {
            analyse(0, &code, entry, start(&locals), &[], &mut NoCallees).expect("analysed")
        };
        // Entered at a loop head (the frame's locals owned): the pair is
        // compiled, and the local joins as an instance of any class.
        let at_head = run(1);
        assert!(at_head.exits.is_empty(), "{:?}", at_head.exits);
        let back = at_head.states[1].as_ref().expect("reached");
        assert_eq!(back.locals[2], Ty::scalar(Scalar::Instance(ANY_CLASS)));
        // At a function's start (a compiled callee's frame may not own
        // its slots): the read exits.
        assert_eq!(run(0).exits, vec![2]);
    }

    #[test]
    fn mixed_arithmetic_converts_except_remainders() {
        assert_eq!(
            arith_kind(Arith::Mul, Scalar::Float, Scalar::Int),
            Some(Scalar::Float)
        );
        assert_eq!(arith_kind(Arith::Mod, Scalar::Float, Scalar::Int), None);
        assert_eq!(arith_kind(Arith::Add, Scalar::Bool, Scalar::Int), None);
        assert!(!equatable(Scalar::Float, Scalar::Float));
    }

    /// Callees whose function 1 is a closure capturing a cell and a value.
    struct ClosureCallees;
    impl Callees for ClosureCallees {
        fn callee(&mut self, _: u32, _: &[Scalar]) -> Option<Callee> {
            None
        }
        fn field_kind(&self, _: u32, _: u16) -> Option<Scalar> {
            None
        }
        fn method(&self, _: u32, _: &str) -> Option<u32> {
            None
        }
        fn classes_with(&self, _: &str) -> Vec<SeenMethod> {
            Vec::new()
        }
        fn field_of(&self, _: u32, _: &str) -> Option<SeenField> {
            None
        }
        fn captures(&self, func: u32) -> Option<Vec<CaptureSource>> {
            Some(match func {
                1 => vec![CaptureSource::Local(1), CaptureSource::LocalValue(0)],
                _ => Vec::new(),
            })
        }
        fn capture_kind(&self, _: u32, _: u16) -> Option<Scalar> {
            Some(Scalar::Int)
        }
        fn releases_freely(&self) -> bool {
            true
        }
    }

    #[test]
    fn a_closure_made_from_a_cell_is_owned_until_returned_or_stored() {
        // make_counter(step): n = 0; MakeCell n; Closure; Return.
        let maker = [
            Op::Int(0),
            Op::SetLocal(1),
            Op::MakeCell(1),
            Op::Closure(1),
            Op::Return,
        ];
        let a = analyse(
            0,
            &maker,
            0,
            start(&[Ty::INT, Ty::NIL]),
            &[],
            &mut ClosureCallees,
        )
        .expect("analysed");
        assert!(a.exits.is_empty(), "{:?}", a.exits);
        assert_eq!(a.ret, Some(Scalar::NewClosure(1)));
        assert_eq!(a.states[3].as_ref().expect("reached").locals[1], Ty::CELL);
        // Capturing a local that is not a cell made here, or popping the
        // closure, is left to the interpreter.
        let uncelled = [Op::Closure(1), Op::Return];
        let a = analyse(
            0,
            &uncelled,
            0,
            start(&[Ty::INT, Ty::INT]),
            &[],
            &mut ClosureCallees,
        )
        .expect("analysed");
        assert_eq!(a.exits, vec![0]);
        let popped = [Op::MakeCell(1), Op::Closure(1), Op::Pop, Op::ReturnNil];
        let a = analyse(
            0,
            &popped,
            0,
            start(&[Ty::INT, Ty::INT]),
            &[],
            &mut ClosureCallees,
        )
        .expect("analysed");
        assert_eq!(a.exits, vec![2]);
        // Stored into a local: only in a frame entered at a loop head.
        let stored = [
            Op::MakeCell(1),
            Op::Closure(1),
            Op::SetLocal(2),
            Op::Loop(3),
        ];
        let locals = [Ty::INT, Ty::INT, Ty::scalar(Scalar::Closure(1))];
        let at_head = analyse(0, &stored, 0, start(&locals), &[], &mut ClosureCallees);
        assert_eq!(at_head.expect("analysed").exits, vec![2]);
    }
}
