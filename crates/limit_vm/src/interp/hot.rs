//! The interpreter's hot path.
//!
//! `Vm::run_hot` runs the commonest instructions on their commonest operands
//! (numbers in locals, list and field reads, direct calls and returns) in a
//! small loop of its own. Being small, it keeps the stack top, the code
//! pointer and the frame base in machine registers, which the full
//! dispatch loop in `interp.rs` cannot: the stack height there goes through
//! memory on every instruction. Whatever the hot loop does not handle —
//! another instruction, an operand of another type, an overflow, a full
//! stack, a pending checkpoint — makes it return before changing any state,
//! and `run_loop` runs that instruction with its generic implementation.

use std::mem::MaybeUninit;

use super::{Cursor, Vm};
use crate::gc;
use crate::opcode::Op;
use crate::program::CaptureSource;
use crate::runtime::methods::Method;
use crate::value::{Captures, Closure, Key, Value};

/// Copy the value at `src` into the uninitialised slot `dst`. Scalars are
/// copied as two 8-byte words: a 16-byte load of a value whose payload an
/// 8-byte store just wrote cannot be forwarded from that store and stalls.
///
/// # Safety
/// `src` must point to an initialised value and `dst` to writable memory
/// for one value that holds nothing to drop.
#[inline(always)]
unsafe fn copy_to(dst: *mut Value, src: *const Value) {
    // SAFETY: the caller guarantees both pointers; a scalar owns nothing,
    // so a bitwise copy of it is a valid second value (`MaybeUninit` words
    // carry the padding without reading it as integers).
    unsafe {
        if (*src).is_heap() {
            match &*src {
                Value::Instance(rc) => std::ptr::write(dst, Value::Instance(rc.clone())),
                Value::Function(rc) => std::ptr::write(dst, Value::Function(rc.clone())),
                Value::List(rc) => std::ptr::write(dst, Value::List(rc.clone())),
                other => std::ptr::write(dst, other.clone()),
            }
        } else {
            let (s, d) = (src as *const MaybeUninit<u64>, dst as *mut MaybeUninit<u64>);
            d.write(s.read());
            d.add(1).write(s.add(1).read());
        }
    }
}

/// Move the value at `src` to the uninitialised slot `dst` as two 8-byte
/// words (see `copy_to`); `src` is left logically uninitialised.
///
/// # Safety
/// `src` must point to an initialised value that is not used again, and
/// `dst` to writable memory for one value that holds nothing to drop.
#[inline(always)]
unsafe fn move_to(dst: *mut Value, src: *const Value) {
    // SAFETY: a move is a bitwise copy whose source is not used again.
    unsafe {
        let (s, d) = (src as *const MaybeUninit<u64>, dst as *mut MaybeUninit<u64>);
        d.write(s.read());
        d.add(1).write(s.add(1).read());
    }
}

/// Drop the value at `p` in place, with the reference-count decrement of
/// the commonest heap values inlined; the slot is then uninitialised.
///
/// # Safety
/// `p` must point to an initialised value that is not used again.
#[inline(always)]
unsafe fn release(p: *mut Value) {
    // SAFETY: the caller guarantees `p`; each arm drops exactly the value's
    // one owned part, in place.
    unsafe {
        match &mut *p {
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Native(_) => {}
            Value::Instance(rc) => std::ptr::drop_in_place(rc),
            Value::Function(rc) => std::ptr::drop_in_place(rc),
            Value::List(rc) => std::ptr::drop_in_place(rc),
            _ => std::ptr::drop_in_place(p),
        }
    }
}

/// `BuildString` over the `n` values from `first` when all are scalars or
/// strings, releasing them; `None` (changing nothing) for other pieces or
/// when the text would pass the string-length limit (`run_loop` then
/// raises the error). Out of line: `run_hot` keeps its registers for the
/// instructions that run in every loop.
///
/// # Safety
/// `first..first + n` must be initialised values the caller owns; when
/// this returns `Some`, they are uninitialised.
#[inline(never)]
unsafe fn build_string(first: *mut Value, n: usize) -> Option<Value> {
    // SAFETY: the caller guarantees the `n` values.
    let pieces = unsafe { std::slice::from_raw_parts(first, n) };
    // Scalars and strings only: writing them does nothing but make the
    // text (no work charged), so a string declined below can be made
    // again by `run_loop`, and releasing them runs no `deinit`.
    let plain = |v: &Value| {
        matches!(
            v,
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Nil
        )
    };
    if !pieces.iter().all(plain) {
        return None;
    }
    let text = crate::value::interpolate(pieces).ok()?;
    for i in 0..n {
        // SAFETY: each piece is released once and not used again.
        unsafe { release(first.add(i)) };
    }
    Some(text)
}

/// A dict key for looking `key` up, sharing its heap value without
/// counting a reference (the wrapper is never dropped).
///
/// # Safety
/// `key` must outlive the returned wrapper's use.
#[inline(always)]
unsafe fn borrowed_key(key: &Value) -> std::mem::ManuallyDrop<Key> {
    // SAFETY: a bitwise copy that is never dropped leaves the reference
    // count untouched; the caller keeps the original alive meanwhile.
    std::mem::ManuallyDrop::new(Key(unsafe { std::ptr::read(key) }))
}

/// Whether `run_hot` may run `op` (it can still decline it on its
/// operands). `run_loop` enters the hot loop only before such an
/// instruction, so that a stretch of other instructions does not pay for
/// entering and leaving it each time. Must list every instruction the hot
/// loop handles; listing others costs only time.
pub(super) fn handles(op: Op, may_deinit: bool) -> bool {
    match op {
        Op::GetIndex | Op::GetIndexKind(_) | Op::SetField(_) | Op::Return | Op::ReturnNil => {
            !may_deinit
        }
        Op::Jump(o) => o >= 0,
        Op::Int(_)
        | Op::Const(_)
        | Op::True
        | Op::False
        | Op::Nil
        | Op::GetLocal(_)
        | Op::GetLocal2(..)
        | Op::SetLocal(_)
        | Op::MoveLocal(..)
        | Op::Pop
        | Op::CheckKind(_)
        | Op::MakeCell(_)
        | Op::Closure(_)
        | Op::IncLocal(..)
        | Op::AddImm(_)
        | Op::ModImm(_)
        | Op::AddFloat
        | Op::Add
        | Op::AddInt
        | Op::SubFloat
        | Op::Sub
        | Op::SubInt
        | Op::MulFloat
        | Op::Mul
        | Op::MulInt
        | Op::Div
        | Op::DivInt
        | Op::DivFloat
        | Op::Mod
        | Op::ModInt
        | Op::Lt
        | Op::LtInt
        | Op::LtFloat
        | Op::Le
        | Op::LeInt
        | Op::LeFloat
        | Op::Gt
        | Op::GtInt
        | Op::GtFloat
        | Op::Ge
        | Op::GeInt
        | Op::GeFloat
        | Op::AddLocals(..)
        | Op::SubLocals(..)
        | Op::MulLocals(..)
        | Op::AddProducts(..)
        | Op::SubProducts(..)
        | Op::AddLocal(_)
        | Op::SubLocal(_)
        | Op::MulLocal(_)
        | Op::AddAssignLocal(..)
        | Op::JumpIfNotLt(_)
        | Op::JumpIfNotLe(_)
        | Op::JumpIfNotGt(_)
        | Op::JumpIfNotGe(_)
        | Op::JumpIfNotLtLocal(..)
        | Op::JumpIfNotLeLocal(..)
        | Op::JumpIfNotGtLocal(..)
        | Op::JumpIfNotGeLocal(..)
        | Op::JumpIfNotEq(_)
        | Op::JumpIfNotNe(_)
        | Op::JumpIfNotEqImm(..)
        | Op::JumpIfLocalNotLtConst(..)
        | Op::JumpIfLocalFalse(..)
        | Op::JumpIfLocalTrue(..)
        | Op::JumpIfFalse(_)
        | Op::JumpIfTrue(_)
        | Op::Loop(_)
        | Op::AddLocalStore(..)
        | Op::MulConstLocal(..)
        | Op::JumpIfNotConst(..)
        | Op::JumpIfNotLocals(..)
        | Op::AddImmLocal(..)
        | Op::AddStore(_)
        | Op::IncLocalLoop(..)
        | Op::IncLoopLtConst(..)
        | Op::IncLoopLocals(..)
        | Op::LoopIfLocals(..)
        | Op::LoopIfLtConst(..)
        | Op::Invoke(..)
        | Op::InvokeMethod(..)
        | Op::IndexLocals(..)
        | Op::SetIndexLocals(..)
        | Op::BuildString(_)
        | Op::GetLocalField(..)
        | Op::CallDirect(..)
        | Op::Call(_)
        | Op::GetUpvalue(_) => true,
        _ => false,
    }
}

impl Vm {
    /// Run hot-path instructions from `at` until one it does not handle,
    /// which `at` then points to (not yet executed). Returns true when it
    /// stopped after an allocation because a collection is due or the heap
    /// limit must be checked (`Vm::after_allocation`).
    #[inline(never)]
    pub(super) fn run_hot(&mut self, at: &mut Cursor, stop_depth: usize) -> bool {
        // The frame's function and base live in `self.frames` (and `base`
        // in `locals`); keeping fewer values live leaves registers for the
        // ones every instruction uses.
        let Cursor {
            mut code, ip, base, ..
        } = *at;
        // The next instruction, as a pointer into `code` (one register for
        // what would be a base and an index).
        // SAFETY: `ip` lies within the validated code (see below).
        let mut pc: *const Op = unsafe { code.add(ip) };
        macro_rules! ip {
            () => {
                (pc as usize - code as usize) / std::mem::size_of::<Op>()
            };
        }
        let may_deinit = self.has_deinit;
        let mut collect = false;
        let n = self.stack.len();
        let stk: *mut Value = self.stack.as_mut_ptr();
        // SAFETY: `n <= capacity`, so both pointers stay within, or one
        // past, the allocation. Setting the length to 0 hands the values to
        // `stk..sp` for the duration of the loop: a panic leaks them rather
        // than dropping them twice, and the vector is not used meanwhile
        // (nothing here can grow it, so `stk` stays valid).
        let (mut sp, limit) = unsafe {
            self.stack.set_len(0);
            (stk.add(n), stk.add(self.stack.capacity()))
        };
        // The running frame's local slot 0 (`stk + base`).
        let mut locals = stk.wrapping_add(base);
        macro_rules! base {
            () => {
                (locals as usize).wrapping_sub(stk as usize) / std::mem::size_of::<Value>()
            };
        }
        // Infallible: as in `run_loop`, a frame is on top while code runs.
        macro_rules! load_frame {
            () => {{
                let f = self.frames.last().expect("a frame is running");
                locals = stk.wrapping_add(f.base);
                code = self.functions[f.func as usize].code.as_ptr();
                pc = code.wrapping_add(f.ip);
            }};
        }
        macro_rules! jump {
            ($o:expr) => {
                pc = pc.wrapping_offset($o as isize)
            };
        }
        'run: loop {
            // SAFETY: as in `run_loop`: `pc` stays within the validated
            // code (jump targets lie in `0..=len`), which ends with an
            // appended `ReturnNil`.
            let op = unsafe { *pc };
            pc = pc.wrapping_add(1);
            // Leave the loop with `pc` at the instruction, untouched.
            macro_rules! bail {
                () => {{
                    pc = pc.wrapping_sub(1);
                    break 'run;
                }};
            }
            // SAFETY: the invariant set up above: `stk..sp` are initialised
            // values inside the stack vector's allocation, which ends at
            // `limit`, and nothing else owns them. Every read below is of a
            // slot proved to be below `sp` (`need!`, `slot!`), every push is
            // preceded by `room!`, and a value is overwritten without being
            // dropped only when it is a scalar (owns nothing). Values are
            // released (possibly freeing objects) only when no frame has a
            // `deinit`, so no Limit code runs from here. A container is read
            // without counting a borrow (`try_borrow_unguarded`, which still
            // fails while it is borrowed mutably) only to copy one value
            // out at once: nothing can borrow it meanwhile. A frame is written
            // into `frames`' reserved spare room, every field initialised,
            // before the length covers it; a frame is popped by moving its
            // one owning field (the closure) out before the length drops
            // below it.
            unsafe {
                macro_rules! depth {
                    () => {
                        sp.offset_from(stk) as usize
                    };
                }
                macro_rules! need {
                    ($n:expr) => {
                        // In bytes, which saves the division of `depth!`.
                        if (sp as usize) - (stk as usize) < $n * std::mem::size_of::<Value>() {
                            bail!();
                        }
                    };
                }
                macro_rules! room {
                    () => {
                        if sp == limit {
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
                macro_rules! push_local {
                    ($v:expr) => {{
                        std::ptr::write(sp, $v);
                        sp = sp.add(1);
                    }};
                }
                // `*z = *x + *y` for two ints (without overflow) or two
                // floats, `z` holding a scalar. Matched all at once so that
                // the sum is written straight into the slot: a `Value` built
                // first and copied after was a 16-byte reload of two smaller
                // stores, which cannot be forwarded and stalled.
                macro_rules! store_sum {
                    ($x:expr, $y:expr, $z:expr) => {{
                        let (x, y, z): (*const Value, *const Value, *mut Value) = ($x, $y, $z);
                        match (&*x, &*y, &mut *z) {
                            (Value::Float(p), Value::Float(q), Value::Float(d)) => *d = *p + *q,
                            (Value::Int(p), Value::Int(q), Value::Int(d)) => {
                                match p.checked_add(*q) {
                                    Some(r) => *d = r,
                                    None => bail!(),
                                }
                            }
                            (Value::Float(p), Value::Float(q), _) => {
                                std::ptr::write(z, Value::Float(*p + *q))
                            }
                            (Value::Int(p), Value::Int(q), _) => match p.checked_add(*q) {
                                Some(r) => std::ptr::write(z, Value::Int(r)),
                                None => bail!(),
                            },
                            _ => bail!(),
                        }
                    }};
                }
                // Push a frame for `$proto` (function `$f`) whose `$argc`
                // arguments are on top of the stack, when the call needs
                // nothing the hot loop leaves to `push_frame`: default
                // arguments, a checkpoint, more stack, or a depth error.
                macro_rules! enter {
                    ($f:expr, $proto:expr, $closure:expr, $argc:expr, $base:expr, $ret:expr) => {{
                        let proto: &crate::program::FunctionProto = $proto;
                        let frame_size = proto.num_locals as usize;
                        if $argc != proto.arity as usize
                            || self.frames.len() >= self.options.limits.max_call_depth
                            || self.countdown <= 1
                            || (limit.offset_from(sp) as usize) < frame_size
                        {
                            bail!();
                        }
                        let caller_ip = ip!();
                        code = proto.code.as_ptr();
                        let (f, b, ret) = ($f, $base, $ret);
                        let closure = $closure;
                        self.countdown -= 1;
                        for _ in 0..frame_size {
                            push_local!(Value::Nil);
                        }
                        if let Some(frame) = self.frames.last_mut() {
                            frame.ip = caller_ip;
                        }
                        // Written field by field into the vector's spare
                        // room: a `Frame` built on the stack and copied in
                        // was reloaded in 8- and 16-byte pieces over its
                        // 4- and 1-byte fields, which stalls.
                        self.frames.reserve(1);
                        let len = self.frames.len();
                        let frame = self.frames.as_mut_ptr().add(len);
                        std::ptr::addr_of_mut!((*frame).func).write(f);
                        std::ptr::addr_of_mut!((*frame).ip).write(0);
                        std::ptr::addr_of_mut!((*frame).base).write(b);
                        std::ptr::addr_of_mut!((*frame).ret).write(ret);
                        std::ptr::addr_of_mut!((*frame).closure).write(closure);
                        std::ptr::addr_of_mut!((*frame).ctor).write(false);
                        self.frames.set_len(len + 1);
                        pc = code;
                        locals = stk.wrapping_add(b);
                        continue;
                    }};
                }
                // Copy the scalar at `$src` over the scalar at `$dst`
                // field by field: a 16-byte load of a value whose
                // payload was just stored by an 8-byte write cannot
                // be forwarded from the store and stalls.
                macro_rules! store_scalar {
                    ($dst:expr, $src:expr) => {{
                        let (dst, src): (*mut Value, *const Value) = ($dst, $src);
                        match (&mut *dst, &*src) {
                            (Value::Int(d), Value::Int(s)) => *d = *s,
                            (Value::Float(d), Value::Float(s)) => *d = *s,
                            (_, s) => std::ptr::write(dst, s.fast_clone()),
                        }
                    }};
                }
                // `[a, b] -> [a op b]` in place for two ints or two floats.
                macro_rules! arith_local {
                    ($checked:ident, $fassign:tt) => {{
                        need!(2);
                        match (&mut *sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                                Some(r) => *a = r,
                                None => bail!(),
                            },
                            (Value::Float(a), Value::Float(b)) => *a $fassign *b,
                            _ => bail!(),
                        }
                        sp = sp.sub(1);
                        continue;
                    }};
                }
                macro_rules! compare_local {
                    ($op:tt) => {{
                        need!(2);
                        let r = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) => a $op b,
                            (Value::Float(a), Value::Float(b)) => a $op b,
                            _ => bail!(),
                        };
                        sp = sp.sub(1);
                        std::ptr::write(sp.sub(1), Value::Bool(r));
                        continue;
                    }};
                }
                macro_rules! compare_jump_local {
                    ($op:tt, $o:expr) => {{
                        need!(2);
                        let r = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) => a $op b,
                            (Value::Float(a), Value::Float(b)) => a $op b,
                            _ => bail!(),
                        };
                        sp = sp.sub(2);
                        if !r {
                            jump!($o);
                        }
                        continue;
                    }};
                }
                // `[] -> [locals[a] op locals[b]]`.
                macro_rules! locals_op_local {
                    ($a:expr, $b:expr, $checked:ident, $fop:tt) => {{
                        let (x, y) = (slot!($a), slot!($b));
                        room!();
                        let r = match (&*x, &*y) {
                            (Value::Int(p), Value::Int(q)) => match p.$checked(*q) {
                                Some(r) => Value::Int(r),
                                None => bail!(),
                            },
                            (Value::Float(p), Value::Float(q)) => Value::Float(*p $fop *q),
                            _ => bail!(),
                        };
                        push_local!(r);
                        continue;
                    }};
                }
                // `[] -> [l[a] * l[b] op l[c] * l[d]]` for four ints (no
                // overflow) or four floats.
                macro_rules! products {
                    ($a:expr, $b:expr, $c:expr, $d:expr, $checked:ident, $fop:tt) => {{
                        let (a, b, c, d) = (slot!($a), slot!($b), slot!($c), slot!($d));
                        room!();
                        let r = match (&*a, &*b, &*c, &*d) {
                            (Value::Float(p), Value::Float(q), Value::Float(s), Value::Float(t)) => {
                                Value::Float(*p * *q $fop *s * *t)
                            }
                            (Value::Int(p), Value::Int(q), Value::Int(s), Value::Int(t)) => {
                                match (p.checked_mul(*q), s.checked_mul(*t)) {
                                    (Some(x), Some(y)) => match x.$checked(y) {
                                        Some(r) => Value::Int(r),
                                        None => bail!(),
                                    },
                                    _ => bail!(),
                                }
                            }
                            _ => bail!(),
                        };
                        push_local!(r);
                        continue;
                    }};
                }
                // `[x] -> [x op locals[s]]` in place.
                macro_rules! top_op_slot {
                    ($s:expr, $checked:ident, $fassign:tt) => {{
                        let y = slot!($s);
                        need!(1);
                        match (&mut *sp.sub(1), &*y) {
                            (Value::Float(a), Value::Float(b)) => *a $fassign *b,
                            (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                                Some(r) => *a = r,
                                None => bail!(),
                            },
                            _ => bail!(),
                        }
                        continue;
                    }};
                }
                // `[x] -> []`, jumping when `!(x op locals[s])`.
                macro_rules! compare_slot_jump {
                    ($s:expr, $op:tt, $o:expr) => {{
                        let y = slot!($s);
                        need!(1);
                        let r = match (&*sp.sub(1), &*y) {
                            (Value::Int(a), Value::Int(b)) => a $op b,
                            (Value::Float(a), Value::Float(b)) => a $op b,
                            _ => bail!(),
                        };
                        sp = sp.sub(1);
                        if !r {
                            jump!($o);
                        }
                        continue;
                    }};
                }

                match op {
                    Op::Int(n) => {
                        room!();
                        push_local!(Value::Int(n as i64));
                        continue;
                    }
                    Op::Const(k) => {
                        room!();
                        let v = match self.constants.get(k as usize) {
                            Some(v) => v.fast_clone(),
                            None => bail!(),
                        };
                        push_local!(v);
                        continue;
                    }
                    Op::True | Op::False | Op::Nil => {
                        room!();
                        push_local!(match op {
                            Op::True => Value::Bool(true),
                            Op::False => Value::Bool(false),
                            _ => Value::Nil,
                        });
                        continue;
                    }
                    Op::GetLocal(s) => {
                        let x = slot!(s);
                        room!();
                        copy_to(sp, x);
                        sp = sp.add(1);
                        continue;
                    }
                    Op::GetLocal2(a, b) => {
                        let (x, y) = (slot!(a), slot!(b));
                        if limit.offset_from(sp) < 2 {
                            bail!();
                        }
                        copy_to(sp, x);
                        copy_to(sp.add(1), y);
                        sp = sp.add(2);
                        continue;
                    }
                    Op::SetLocal(s) => {
                        let x = slot!(s);
                        need!(1);
                        let top = sp.sub(1);
                        if x == top {
                            bail!();
                        }
                        if !(*top).is_heap() && !(*x).is_heap() {
                            store_scalar!(x, top);
                        } else if may_deinit {
                            bail!();
                        } else {
                            release(x);
                            move_to(x, top);
                        }
                        sp = top;
                        continue;
                    }
                    Op::MoveLocal(from, to) => {
                        let (x, y) = (slot!(from), slot!(to));
                        if !(*x).is_heap() && !(*y).is_heap() {
                            store_scalar!(y, x);
                        } else if may_deinit {
                            bail!();
                        } else if x != y {
                            release(y);
                            copy_to(y, x);
                        }
                        continue;
                    }
                    Op::Pop => {
                        need!(1);
                        if (*sp.sub(1)).is_heap() && may_deinit {
                            bail!();
                        }
                        sp = sp.sub(1);
                        release(sp);
                        continue;
                    }
                    Op::CheckKind(code) => {
                        need!(1);
                        if !crate::runtime::type_checks::kind_fits(code, &*sp.sub(1)) {
                            bail!();
                        }
                        continue;
                    }
                    Op::MakeCell(s) => {
                        let x = slot!(s);
                        let v = std::ptr::read(x);
                        std::ptr::write(x, Value::Cell(Value::new_cell(v)));
                        continue;
                    }
                    Op::Closure(f) => {
                        room!();
                        let Some(proto) = self.functions.get(f as usize) else {
                            bail!();
                        };
                        // Check every capture before changing anything.
                        let running = self.frames.last().and_then(|fr| fr.closure.as_ref());
                        for cap in &proto.captures {
                            let present = match *cap {
                                CaptureSource::Local(s) | CaptureSource::LocalValue(s) => {
                                    base!() + (s as usize) < depth!()
                                }
                                CaptureSource::Upvalue(i) => {
                                    running.is_some_and(|c| (i as usize) < c.captures.len())
                                }
                            };
                            if !present {
                                bail!();
                            }
                        }
                        let mut captures = Captures::with_capacity(proto.captures.len());
                        for cap in &proto.captures {
                            captures.push(match *cap {
                                CaptureSource::Local(s) => {
                                    let x = locals.add(s as usize);
                                    if let Value::Cell(cell) = &*x {
                                        Value::Cell(cell.clone())
                                    } else {
                                        // Not yet a cell: convert in place so
                                        // that both sides share it.
                                        let cell = Value::new_cell(std::ptr::read(x));
                                        std::ptr::write(x, Value::Cell(cell.clone()));
                                        Value::Cell(cell)
                                    }
                                }
                                CaptureSource::LocalValue(s) => (*locals.add(s as usize)).clone(),
                                CaptureSource::Upvalue(i) => match running {
                                    Some(c) => c.captures[i as usize].clone(),
                                    None => unreachable!("checked above"),
                                },
                            });
                        }
                        let closure = Closure::new(f, proto.clone(), captures);
                        // `Value::closure`, inlined so that the value is
                        // written in place rather than returned through
                        // memory and reloaded.
                        let closure = std::rc::Rc::new(closure);
                        closure.gc_slot.set(gc::track_closure(&closure));
                        push_local!(Value::Function(closure));
                        if gc::due() || self.options.limits.max_heap_bytes.is_some() {
                            collect = true;
                            break 'run;
                        }
                        continue;
                    }
                    Op::IncLocal(s, n) => {
                        if let Value::Int(a) = &mut *slot!(s) {
                            if let Some(r) = a.checked_add(n as i64) {
                                *a = r;
                                continue;
                            }
                        }
                        bail!();
                    }
                    Op::AddImm(n) => {
                        need!(1);
                        if let Value::Int(a) = &mut *sp.sub(1) {
                            if let Some(r) = a.checked_add(n as i64) {
                                *a = r;
                                continue;
                            }
                        }
                        bail!();
                    }
                    Op::ModImm(n) => {
                        need!(1);
                        if let (Value::Int(a), true) = (&mut *sp.sub(1), n > 0) {
                            *a %= n as i64;
                            continue;
                        }
                        bail!();
                    }
                    Op::AddFloat | Op::Add | Op::AddInt => arith_local!(checked_add, +=),
                    Op::SubFloat | Op::Sub | Op::SubInt => arith_local!(checked_sub, -=),
                    Op::MulFloat | Op::Mul | Op::MulInt => arith_local!(checked_mul, *=),
                    Op::Div | Op::DivInt | Op::DivFloat => {
                        need!(2);
                        match (&mut *sp.sub(2), &*sp.sub(1)) {
                            (Value::Float(a), Value::Float(b)) => *a /= *b,
                            (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => *a /= *b,
                            _ => bail!(),
                        }
                        sp = sp.sub(1);
                        continue;
                    }
                    Op::Mod | Op::ModInt => {
                        need!(2);
                        match (&mut *sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => *a %= *b,
                            _ => bail!(),
                        }
                        sp = sp.sub(1);
                        continue;
                    }
                    Op::Lt | Op::LtInt | Op::LtFloat => compare_local!(<),
                    Op::Le | Op::LeInt | Op::LeFloat => compare_local!(<=),
                    Op::Gt | Op::GtInt | Op::GtFloat => compare_local!(>),
                    Op::Ge | Op::GeInt | Op::GeFloat => compare_local!(>=),
                    Op::AddLocals(a, b) => locals_op_local!(a, b, checked_add, +),
                    Op::SubLocals(a, b) => locals_op_local!(a, b, checked_sub, -),
                    Op::MulLocals(a, b) => locals_op_local!(a, b, checked_mul, *),
                    Op::AddProducts(a, b, c, d) => products!(a, b, c, d, checked_add, +),
                    Op::SubProducts(a, b, c, d) => products!(a, b, c, d, checked_sub, -),
                    Op::AddLocal(s) => top_op_slot!(s, checked_add, +=),
                    Op::SubLocal(s) => top_op_slot!(s, checked_sub, -=),
                    Op::MulLocal(s) => top_op_slot!(s, checked_mul, *=),
                    Op::AddAssignLocal(a, b) => {
                        let (x, y) = (slot!(a), slot!(b));
                        match (&mut *x, &*y) {
                            (Value::Int(p), Value::Int(q)) => match p.checked_add(*q) {
                                Some(r) => *p = r,
                                None => bail!(),
                            },
                            (Value::Float(p), Value::Float(q)) => *p += *q,
                            _ => bail!(),
                        }
                        continue;
                    }
                    Op::JumpIfNotLt(o) => compare_jump_local!(<, o),
                    Op::JumpIfNotLe(o) => compare_jump_local!(<=, o),
                    Op::JumpIfNotGt(o) => compare_jump_local!(>, o),
                    Op::JumpIfNotGe(o) => compare_jump_local!(>=, o),
                    Op::JumpIfNotLtLocal(s, o) => compare_slot_jump!(s, <, o),
                    Op::JumpIfNotLeLocal(s, o) => compare_slot_jump!(s, <=, o),
                    Op::JumpIfNotGtLocal(s, o) => compare_slot_jump!(s, >, o),
                    Op::JumpIfNotGeLocal(s, o) => compare_slot_jump!(s, >=, o),
                    Op::JumpIfNotEq(o) => {
                        need!(2);
                        let equal = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) => a == b,
                            _ => bail!(),
                        };
                        sp = sp.sub(2);
                        if !equal {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfNotNe(o) => {
                        need!(2);
                        let equal = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::Int(a), Value::Int(b)) => a == b,
                            _ => bail!(),
                        };
                        sp = sp.sub(2);
                        if equal {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfNotEqImm(n, o) => {
                        need!(1);
                        let Value::Int(x) = &*sp.sub(1) else {
                            bail!();
                        };
                        let equal = *x == n as i64;
                        sp = sp.sub(1);
                        if !equal {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfLocalNotLtConst(s, k, o) => {
                        let x = slot!(s);
                        let r = match (&*x, self.constants.get(k as usize)) {
                            (Value::Int(a), Some(Value::Int(b))) => a < b,
                            _ => bail!(),
                        };
                        if !r {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfLocalFalse(s, o) => {
                        if !(*slot!(s)).truthy() {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfLocalTrue(s, o) => {
                        if (*slot!(s)).truthy() {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfFalse(o) | Op::JumpIfTrue(o) => {
                        need!(1);
                        let Value::Bool(b) = *sp.sub(1) else {
                            bail!();
                        };
                        sp = sp.sub(1);
                        if b == matches!(op, Op::JumpIfTrue(_)) {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::Jump(o) if o >= 0 => {
                        jump!(o);
                        continue;
                    }
                    Op::Loop(n) if self.countdown > 1 => {
                        self.countdown -= 1;
                        pc = pc.wrapping_sub(n as usize);
                        continue;
                    }
                    Op::AddLocalStore(s, d) => {
                        let (y, z) = (slot!(s), slot!(d));
                        need!(1);
                        let x = sp.sub(1);
                        if (*z).is_heap() || z == x {
                            bail!();
                        }
                        store_sum!(x, y, z);
                        sp = x;
                        continue;
                    }
                    Op::MulConstLocal(k, s) => {
                        let y = slot!(s);
                        room!();
                        let r = match (self.constants.get(k as usize), &*y) {
                            (Some(Value::Int(p)), Value::Int(q)) => match p.checked_mul(*q) {
                                Some(r) => Value::Int(r),
                                None => bail!(),
                            },
                            (Some(Value::Float(p)), Value::Float(q)) => Value::Float(*p * *q),
                            _ => bail!(),
                        };
                        push_local!(r);
                        continue;
                    }
                    Op::JumpIfNotConst(order, k, o) => {
                        need!(1);
                        let r = match (&*sp.sub(1), self.constants.get(k as usize)) {
                            (Value::Int(a), Some(Value::Int(b))) => order.test(a, b),
                            (Value::Float(a), Some(Value::Float(b))) => order.test(a, b),
                            _ => bail!(),
                        };
                        sp = sp.sub(1);
                        if !r {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::JumpIfNotLocals(order, a, b, o) => {
                        let (x, y) = (slot!(a), slot!(b));
                        let r = match (&*x, &*y) {
                            (Value::Int(p), Value::Int(q)) => order.test(p, q),
                            (Value::Float(p), Value::Float(q)) => order.test(p, q),
                            _ => bail!(),
                        };
                        if !r {
                            jump!(o);
                        }
                        continue;
                    }
                    Op::AddImmLocal(s, n) => {
                        let x = slot!(s);
                        room!();
                        let Value::Int(a) = &*x else {
                            bail!();
                        };
                        let Some(r) = a.checked_add(n as i64) else {
                            bail!();
                        };
                        push_local!(Value::Int(r));
                        continue;
                    }
                    Op::AddStore(d) => {
                        let z = slot!(d);
                        need!(2);
                        let (x, y) = (sp.sub(2), sp.sub(1));
                        if (*z).is_heap() || z >= x {
                            bail!();
                        }
                        store_sum!(x, y, z);
                        sp = x;
                        continue;
                    }
                    Op::IncLocalLoop(s, n, back) if self.countdown > 1 => {
                        if let Value::Int(a) = &mut *slot!(s) {
                            if let Some(r) = a.checked_add(n as i64) {
                                *a = r;
                                self.countdown -= 1;
                                pc = pc.wrapping_sub(back as usize);
                                continue;
                            }
                        }
                        bail!();
                    }
                    Op::IncLoopLtConst(s, k, back) if self.countdown > 1 => {
                        let x = slot!(s);
                        if let (Value::Int(a), Some(Value::Int(limit))) =
                            (&mut *x, self.constants.get(k as usize))
                        {
                            if let Some(r) = a.checked_add(1) {
                                *a = r;
                                self.countdown -= 1;
                                if r < *limit {
                                    pc = pc.wrapping_sub(back as usize);
                                }
                                continue;
                            }
                        }
                        bail!();
                    }
                    Op::LoopIfLocals(order, a, b, back) if self.countdown > 1 => {
                        let go = match (&*slot!(a), &*slot!(b)) {
                            (Value::Int(p), Value::Int(q)) => order.test(p, q),
                            (Value::Float(p), Value::Float(q)) => order.test(p, q),
                            _ => bail!(),
                        };
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue;
                    }
                    Op::LoopIfLtConst(s, k, back) if self.countdown > 1 => {
                        let go = match (&*slot!(s), self.constants.get(k as usize)) {
                            (Value::Int(a), Some(Value::Int(limit))) => a < limit,
                            _ => bail!(),
                        };
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue;
                    }
                    Op::IncLoopLocals(order, s, b, back) if self.countdown > 1 => {
                        let (x, y) = (slot!(s), slot!(b));
                        let (Value::Int(a), Value::Int(limit)) = (&*x, &*y) else {
                            bail!();
                        };
                        let Some(r) = a.checked_add(1) else {
                            bail!();
                        };
                        let go = order.test(&r, if x == y { &r } else { limit });
                        if let Value::Int(a) = &mut *x {
                            *a = r;
                        }
                        self.countdown -= 1;
                        if go {
                            pc = pc.wrapping_sub(back as usize);
                        }
                        continue;
                    }
                    Op::Invoke(name, argc) | Op::InvokeMethod(name, argc) => {
                        let argc = argc as usize;
                        need!(argc + 1);
                        let recv = sp.sub(argc + 1);
                        let method = self.const_methods.get(name as usize).copied();
                        match (&*recv, method, argc) {
                            // A frame's method through the call site's
                            // inline cache; a miss fills it in `run_loop`.
                            (Value::Instance(inst), _, _) if matches!(op, Op::InvokeMethod(..)) => {
                                let id = inst.class.id + 1;
                                let site = ip!() - 1;
                                let func = self.frames.last().map_or(0, |f| f.func as usize);
                                let Some(entries) = self.caches.get(func).and_then(|c| c.get(site))
                                else {
                                    bail!();
                                };
                                let target = if entries[0].0 == id {
                                    entries[0].1
                                } else if entries[1].0 == id {
                                    entries[1].1
                                } else {
                                    bail!();
                                };
                                let Some(proto) = self.functions.get(target as usize) else {
                                    bail!();
                                };
                                let at = depth!() - argc - 1;
                                enter!(target, proto, None, argc + 1, at, at);
                            }
                            (Value::List(l), Some(Method::Push), 1) if !may_deinit => {
                                let v = sp.sub(1);
                                if (*v).is_heap() || l.push((*v).fast_clone()).is_err() {
                                    bail!();
                                }
                                sp = recv;
                                release(recv);
                                push_local!(Value::Nil);
                                continue;
                            }
                            (Value::List(l), Some(Method::Len), 0) if !may_deinit => {
                                let Ok(items) = l.items.try_borrow() else {
                                    bail!();
                                };
                                let n = items.len() as i64;
                                drop(items);
                                release(recv);
                                std::ptr::write(recv, Value::Int(n));
                                continue;
                            }
                            (Value::Str(t), Some(Method::Len), 0) if !may_deinit => {
                                let n = t.char_len() as i64;
                                release(recv);
                                std::ptr::write(recv, Value::Int(n));
                                continue;
                            }
                            _ => bail!(),
                        }
                    }
                    Op::IndexLocals(a, b) => {
                        let (c, i) = (slot!(a), slot!(b));
                        room!();
                        match (&*c, &*i) {
                            (Value::List(l), Value::Int(i)) if *i >= 0 => {
                                match l.items.try_borrow_unguarded() {
                                    Ok(items) => match items.get(*i as usize) {
                                        Some(v) => copy_to(sp, v),
                                        None => bail!(),
                                    },
                                    Err(_) => bail!(),
                                }
                            }
                            (Value::Dict(d), key @ Value::Str(_)) => {
                                let Ok(map) = d.map.try_borrow_unguarded() else {
                                    bail!();
                                };
                                match map.get(&*borrowed_key(key)) {
                                    Some(v) => copy_to(sp, v),
                                    None => bail!(),
                                }
                            }
                            _ => bail!(),
                        }
                        sp = sp.add(1);
                        continue;
                    }
                    Op::SetIndexLocals(a, b) => {
                        let (c, i) = (slot!(a), slot!(b));
                        need!(1);
                        let v = sp.sub(1);
                        if (*v).is_heap() {
                            bail!();
                        }
                        match (&*c, &*i) {
                            (Value::List(l), Value::Int(i)) if *i >= 0 => {
                                let Ok(mut items) = l.items.try_borrow_mut() else {
                                    bail!();
                                };
                                match items.get_mut(*i as usize) {
                                    Some(item) if !item.is_heap() => {
                                        store_scalar!(item as *mut Value, v);
                                    }
                                    _ => bail!(),
                                }
                            }
                            // Replacing the value of a present key; adding a
                            // key (heap accounting) is left to `Dict::insert`.
                            (Value::Dict(d), key @ Value::Str(_)) => {
                                let Ok(mut map) = d.map.try_borrow_mut() else {
                                    bail!();
                                };
                                match map.get_mut(&*borrowed_key(key)) {
                                    Some(item) if !item.is_heap() => {
                                        store_scalar!(item as *mut Value, v);
                                    }
                                    _ => bail!(),
                                }
                            }
                            _ => bail!(),
                        }
                        sp = v;
                        continue;
                    }
                    Op::BuildString(n) => {
                        let n = n as usize;
                        need!(n);
                        let first = sp.sub(n);
                        let Some(s) = build_string(first, n) else {
                            bail!();
                        };
                        sp = first;
                        push_local!(s);
                        continue;
                    }
                    Op::GetIndexKind(code) if !may_deinit => {
                        need!(2);
                        let v = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::List(l), Value::Int(i)) if *i >= 0 => {
                                match l.items.try_borrow_unguarded() {
                                    Ok(items) => match items.get(*i as usize) {
                                        Some(v)
                                            if crate::runtime::type_checks::kind_fits(code, v) =>
                                        {
                                            v.fast_clone()
                                        }
                                        _ => bail!(),
                                    },
                                    Err(_) => bail!(),
                                }
                            }
                            _ => bail!(),
                        };
                        sp = sp.sub(1);
                        release(sp.sub(1));
                        std::ptr::write(sp.sub(1), v);
                        continue;
                    }
                    Op::GetIndex if !may_deinit => {
                        need!(2);
                        let v = match (&*sp.sub(2), &*sp.sub(1)) {
                            (Value::List(l), Value::Int(i)) if *i >= 0 => {
                                match l.items.try_borrow_unguarded() {
                                    Ok(items) => match items.get(*i as usize) {
                                        Some(v) => v.fast_clone(),
                                        None => bail!(),
                                    },
                                    Err(_) => bail!(),
                                }
                            }
                            _ => bail!(),
                        };
                        sp = sp.sub(1);
                        // The list may be released here; without
                        // `deinit`s that runs no Limit code.
                        release(sp.sub(1));
                        std::ptr::write(sp.sub(1), v);
                        continue;
                    }
                    Op::GetLocalField(s, field) => {
                        let x = slot!(s);
                        room!();
                        match &*x {
                            Value::Instance(inst) => match inst.fields.try_borrow_unguarded() {
                                Ok(fields) => match fields.get(field as usize) {
                                    Some(v) => copy_to(sp, v),
                                    None => bail!(),
                                },
                                Err(_) => bail!(),
                            },
                            _ => bail!(),
                        }
                        sp = sp.add(1);
                        continue;
                    }
                    Op::SetField(field) if !may_deinit => {
                        need!(2);
                        let v = sp.sub(1);
                        if (*v).is_heap() {
                            bail!();
                        }
                        match &*sp.sub(2) {
                            Value::Instance(inst) => {
                                let Ok(mut fields) = inst.fields.try_borrow_mut() else {
                                    bail!();
                                };
                                match fields.get_mut(field as usize) {
                                    Some(f) => f.set((*v).fast_clone()),
                                    None => bail!(),
                                }
                            }
                            _ => bail!(),
                        }
                        sp = sp.sub(2);
                        // The instance may be released here; without
                        // `deinit`s that runs no Limit code.
                        release(sp);
                        continue;
                    }
                    Op::CallDirect(f, argc) => {
                        let argc = argc as usize;
                        need!(argc);
                        let Some(proto) = self.functions.get(f as usize) else {
                            bail!();
                        };
                        let b = depth!() - argc;
                        enter!(f, proto, None, argc, b, b);
                    }
                    Op::Call(argc) => {
                        let argc = argc as usize;
                        need!(argc + 1);
                        let callee = depth!() - argc - 1;
                        let Value::Function(closure) = &*stk.add(callee) else {
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
                                copy_to(sp, &*v);
                            }
                            Some(copied) => copy_to(sp, copied),
                            None => bail!(),
                        }
                        sp = sp.add(1);
                        continue;
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
                        let closure = std::ptr::read(std::ptr::addr_of!(
                            (*self.frames.as_ptr().add(depth - 1)).closure
                        ));
                        self.frames.set_len(depth - 1);
                        drop(closure);
                        let ret = stk.add(ret);
                        if let Op::ReturnNil = op {
                            while sp > ret {
                                sp = sp.sub(1);
                                release(sp);
                            }
                            push_local!(Value::Nil);
                        } else {
                            let result = sp.sub(1);
                            sp = result;
                            while sp > ret {
                                sp = sp.sub(1);
                                release(sp);
                            }
                            if result != ret {
                                move_to(ret, result);
                            }
                            sp = ret.add(1);
                        }
                        load_frame!();
                        continue;
                    }
                    _ => bail!(),
                }
            }
        }
        // SAFETY: `stk..sp` are initialised values at the start of the
        // vector's allocation, and `sp <= limit`.
        unsafe { self.stack.set_len(sp.offset_from(stk) as usize) };
        *at = Cursor {
            func: self.frames.last().map_or(at.func, |f| f.func),
            code,
            ip: ip!(),
            base: base!(),
        };
        collect
    }
}
