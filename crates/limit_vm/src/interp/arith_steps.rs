//! The general implementation (`Vm::step`, generic.rs) of arithmetic,
//! comparisons, and the superinstructions that compute on locals
//! without jumping: every operand type and every error. The dispatch
//! loop (dispatch.rs) runs the commonest operands itself.

use super::operand_stack::OperandStack;
use super::*;

impl Vm {
    /// Run one arithmetic, comparison or local-computing instruction
    /// (`base`: the running frame's first slot).
    // Inlined into `step`, whose one match this continues: a call per
    // instruction here cost spectral 4% more instructions.
    #[inline(always)]
    pub(super) fn step_arith(&mut self, op: Op, base: usize) -> Result<(), Trap> {
        macro_rules! pop_scalar {
            () => {
                self.pop_scalar_top()
            };
        }
        macro_rules! tri {
            ($e:expr) => {
                $e?
            };
        }

        macro_rules! arith {
            ($checked:ident, $fop:tt, $fassign:tt, $slow:path) => {{
                // Fast paths update the left operand in place.
                if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_mut_slice() {
                    if let Some(r) = a.$checked(*b) {
                        *a = r;
                        pop_scalar!();
                        break;
                    }
                } else if let [.., Value::Float(a), Value::Float(b)] = self.stack.as_mut_slice() {
                    *a $fassign *b;
                    pop_scalar!();
                    break;
                }
                let n = self.stack.len();
                let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                    (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                        Some(r) => Value::Int(r),
                        None => tri!($slow(&Value::Int(*a), &Value::Int(*b))),
                    },
                    (Value::Float(a), Value::Float(b)) => Value::Float(a $fop b),
                    (a, b) => tri!($slow(a, b)),
                };
                self.stack.drop_top();
                self.stack.top_mut().set(r);
            }};
        }
        macro_rules! slow_binary {
            ($f:expr) => {{
                let b = self.stack.pop_value();
                let a = self.stack.top_mut();
                let r = tri!($f(&*a, &b));
                // Infallible: `self.stack.top_mut()` just read that slot.
                *self.stack.last_mut().expect("stack") = r;
            }};
        }
        // `a order b` of the top two values, as a bool.
        macro_rules! compare {
            ($order:expr) => {{
                let order: Ordering = $order;
                let n = self.stack.len();
                let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                    (Value::Int(a), Value::Int(b)) => order.test(a, b),
                    (Value::Float(a), Value::Float(b)) => order.test(a, b),
                    (a, b) => tri!(arith::order(a, b, order.symbol())),
                };
                r
            }};
        }
        // A binary operator on two values by reference, with int and float
        // fast paths; evaluates to a `Result` (borrows end before `tri!`).
        macro_rules! binary_ref {
            ($x:expr, $y:expr, $checked:ident, $fop:tt, $slow:path) => {{
                let (x, y) = ($x, $y);
                match (x, y) {
                    (Value::Int(p), Value::Int(q)) => match p.$checked(*q) {
                        Some(r) => Ok(Value::Int(r)),
                        None => $slow(x, y),
                    },
                    (Value::Float(p), Value::Float(q)) => Ok(Value::Float(*p $fop *q)),
                    _ => $slow(x, y),
                }
            }};
        }
        // `[x] -> [x op locals[s]]`, updating the top in place when both are
        // numbers of the same kind.
        macro_rules! top_op_local {
            ($s:expr, $checked:ident, $fop:tt, $fassign:tt, $slow:path) => {{
                let local = base + $s as usize;
                let n = self.stack.len();
                let (low, high) = self.stack.split_at_mut(n - 1);
                let top = &mut high[0];
                let fast = match (&mut *top, &low[local]) {
                    (Value::Float(a), Value::Float(b)) => {
                        *a $fassign *b;
                        true
                    }
                    (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                        Some(r) => {
                            *a = r;
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if !fast {
                    let r = $slow(&self.stack[n - 1], &self.stack[local]);
                    let r = tri!(r);
                    self.stack[n - 1] = r;
                }
            }};
        }
        // `locals[s] += n`, in place for an int that does not overflow.
        macro_rules! inc_local {
            ($s:expr, $n:expr) => {{
                let slot = &mut self.stack[base + $s as usize];
                match slot {
                    Value::Int(a) if a.checked_add($n as i64).is_some() => *a += $n as i64,
                    other => {
                        let r = tri!(arith::add(other, &Value::Int($n as i64)));
                        self.stack[base + $s as usize] = r;
                    }
                }
            }};
        }

        // One pass: `break` (in the macros too) ends the instruction.
        #[allow(clippy::never_loop)]
        loop {
            match op {
                Op::Add => arith!(checked_add, +, +=, arith::add),
                Op::Sub => arith!(checked_sub, -, -=, arith::sub),
                Op::Mul => arith!(checked_mul, *, *=, arith::mul),
                Op::Div => {
                    let n = self.stack.len();
                    let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                        (Value::Float(a), Value::Float(b)) => Value::Float(a / b),
                        (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => Value::Int(a / b),
                        (a, b) => tri!(arith::div(a, b)),
                    };
                    self.stack.drop_top();
                    self.stack.top_mut().set(r);
                }
                Op::Mod => {
                    let n = self.stack.len();
                    let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                        (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => Value::Int(a % b),
                        (a, b) => tri!(arith::modulo(a, b)),
                    };
                    self.stack.drop_top();
                    self.stack.top_mut().set(r);
                }
                Op::Binary(op) => slow_binary!(|a, b| arith::binary(op, a, b)),
                Op::Neg => {
                    let r = match self.stack.top_mut() {
                        Value::Int(i) if *i != i64::MIN => Value::Int(-*i),
                        Value::Float(f) => Value::Float(-*f),
                        other => tri!(arith::neg(other)),
                    };
                    *self.stack.top_mut() = r;
                }
                Op::Not => {
                    if let Value::Bool(b) = self.stack.top_mut() {
                        *b = !*b;
                        break;
                    }
                    let t = self.stack.top_mut();
                    let r = !t.truthy();
                    *t = Value::Bool(r);
                }
                Op::BitNot => {
                    let r = tri!(arith::bitnot(self.stack.top_mut()));
                    *self.stack.top_mut() = r;
                }
                Op::Equal(negated) => {
                    let b = self.stack.pop_value();
                    let t = self.stack.top_mut();
                    let r = equals(t, &b) != negated;
                    *t = Value::Bool(r);
                }
                Op::Compare(order) => {
                    let r = compare!(order);
                    self.stack.drop_top();
                    self.stack.top_mut().set(Value::Bool(r));
                }
                Op::AddImm(n) => {
                    if let Value::Int(a) = self.stack.top_mut() {
                        if let Some(r) = a.checked_add(n as i64) {
                            *a = r;
                            break;
                        }
                    }
                    let r = match self.stack.top_mut() {
                        Value::Int(a) => match a.checked_add(n as i64) {
                            Some(r) => Value::Int(r),
                            None => tri!(arith::add(&Value::Int(*a), &Value::Int(n as i64))),
                        },
                        other => tri!(arith::add(other, &Value::Int(n as i64))),
                    };
                    self.stack.top_mut().set(r);
                }
                Op::ModImm(n) => {
                    if let (Value::Int(a), true) = (self.stack.top_mut(), n > 0) {
                        *a %= n as i64;
                        break;
                    }
                    let r = match self.stack.top_mut() {
                        Value::Int(a) if n != 0 && n != -1 => Value::Int(*a % n as i64),
                        other => tri!(arith::modulo(other, &Value::Int(n as i64))),
                    };
                    self.stack.top_mut().set(r);
                }
                Op::ArithLocals(op, a, b) => {
                    let (x, y) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let r = match (op, x, y) {
                        (BinaryOp::Add, Value::Int(p), Value::Int(q)) => match p.checked_add(*q) {
                            Some(r) => Value::Int(r),
                            None => tri!(arith::add(x, y)),
                        },
                        (BinaryOp::Add, Value::Float(p), Value::Float(q)) => Value::Float(p + q),
                        _ => tri!(arith::binary(op, x, y)),
                    };
                    self.stack.push(r);
                }
                Op::IncLocal(s, n) => {
                    inc_local!(s, n);
                }
                Op::GetLocalField(s, field) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Instance(inst) => inst.get(field as usize),
                        _ => None,
                    };
                    let v = match v {
                        Some(v) => v,
                        None => tri!(field_error(&self.stack[base + s as usize])),
                    };
                    self.stack.push(v);
                }
                Op::Products(op, a, b, c, d) => {
                    let local = |s: u8| &self.stack[base + s as usize];
                    let x = tri!(binary_ref!(local(a), local(b), checked_mul, *, arith::mul));
                    let y = tri!(binary_ref!(local(c), local(d), checked_mul, *, arith::mul));
                    let r = match op {
                        BinaryOp::Add => binary_ref!(&x, &y, checked_add, +, arith::add),
                        BinaryOp::Sub => binary_ref!(&x, &y, checked_sub, -, arith::sub),
                        other => arith::binary(other, &x, &y),
                    };
                    self.stack.push(tri!(r));
                }
                Op::ArithLocal(BinaryOp::Add, s) => {
                    top_op_local!(s, checked_add, +, +=, arith::add)
                }
                Op::ArithLocal(BinaryOp::Sub, s) => {
                    top_op_local!(s, checked_sub, -, -=, arith::sub)
                }
                Op::ArithLocal(BinaryOp::Mul, s) => {
                    top_op_local!(s, checked_mul, *, *=, arith::mul)
                }
                Op::ArithLocal(op, s) => {
                    let n = self.stack.len();
                    let r = tri!(arith::binary(
                        op,
                        &self.stack[n - 1],
                        &self.stack[base + s as usize]
                    ));
                    self.stack[n - 1] = r;
                }
                Op::AddAssignLocal(a, b) => {
                    let (a, b) = (base + a as usize, base + b as usize);
                    let increment = match &self.stack[b] {
                        Value::Int(i) => Some(Value::Int(*i)),
                        Value::Float(f) => Some(Value::Float(*f)),
                        _ => None,
                    };
                    let done = match (&mut self.stack[a], increment) {
                        (Value::Int(x), Some(Value::Int(y))) => match x.checked_add(y) {
                            Some(r) => {
                                *x = r;
                                true
                            }
                            None => false,
                        },
                        (Value::Float(x), Some(Value::Float(y))) => {
                            *x += y;
                            true
                        }
                        _ => false,
                    };
                    if !done {
                        // Two strings: in place when `locals[a]` is the
                        // string's only reference (value/string_append.rs).
                        // The tail is a second reference: when it is the
                        // same string, the append copies.
                        if let Value::Str(tail) = &self.stack[b] {
                            let tail = tail.clone();
                            if let Value::Str(target) = &mut self.stack[a] {
                                tri!(crate::value::append_to_string(target, &tail));
                                break;
                            }
                        }
                        let r = tri!(arith::add(&self.stack[a], &self.stack[b]));
                        self.stack[a].set(r);
                    }
                }
                Op::MoveLocal(from, to) => {
                    let v = self.stack[base + from as usize].clone();
                    self.stack[base + to as usize].set(v);
                }
                Op::IndexLocals(a, b) => {
                    let (c, i) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let fast = match (c, i) {
                        (Value::List(l), Value::Int(i)) if *i >= 0 => {
                            l.items.borrow().get(*i as usize).map(Value::fast_clone)
                        }
                        _ => None,
                    };
                    let v = match fast {
                        Some(v) => v,
                        None => tri!(collections::get_index(
                            &self.stack[base + a as usize],
                            &self.stack[base + b as usize]
                        )),
                    };
                    self.stack.push(v);
                }
                Op::SetIndexLocals(a, b) => {
                    let v = self.stack.pop_value();
                    let (c, i) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let stored = match (c, i) {
                        (Value::List(l), Value::Int(i)) if *i >= 0 && !v.is_heap() => {
                            match l.items.borrow_mut().get_mut(*i as usize) {
                                Some(slot) => {
                                    slot.set(v.fast_clone());
                                    true
                                }
                                None => false,
                            }
                        }
                        _ => false,
                    };
                    if !stored {
                        let c = self.stack[base + a as usize].clone();
                        let i = self.stack[base + b as usize].clone();
                        tri!(collections::set_index(&c, i, v));
                    }
                }
                Op::MulConstLocal(k, s) => {
                    let r = binary_ref!(
                        &self.constants[k as usize],
                        &self.stack[base + s as usize],
                        checked_mul, *, arith::mul
                    );
                    self.stack.push(tri!(r));
                }
                Op::AddImmLocal(s, n) => {
                    let r = match &self.stack[base + s as usize] {
                        Value::Int(a) => match a.checked_add(n as i64) {
                            Some(r) => Ok(Value::Int(r)),
                            None => arith::add(&Value::Int(*a), &Value::Int(n as i64)),
                        },
                        other => arith::add(other, &Value::Int(n as i64)),
                    };
                    self.stack.push(tri!(r));
                }
                Op::ModImmLocal(s, n) => {
                    let r = match &self.stack[base + s as usize] {
                        Value::Int(a) if n != 0 && n != -1 => Ok(Value::Int(a % n as i64)),
                        other => arith::modulo(other, &Value::Int(n as i64)),
                    };
                    self.stack.push(tri!(r));
                }
                Op::AddStore(d) => {
                    let b = self.stack.pop_value();
                    let a = self.stack.pop_value();
                    // Two strings: in place when the slot and `a` are the
                    // string's only references (value/string_append.rs).
                    if let (Value::Str(left), Value::Str(right)) = (&a, &b) {
                        let left = left.clone();
                        drop(a);
                        let slot = &mut self.stack[base + d as usize];
                        tri!(crate::value::store_concat(slot, left, right));
                        break;
                    }
                    let r = tri!(binary_ref!(&a, &b, checked_add, +, arith::add));
                    self.stack[base + d as usize].set(r);
                }
                other => return Err(unexpected(other)),
            }
            break;
        }
        Ok(())
    }
}
