//! The general implementation (`Vm::step`, generic.rs) of conditional
//! jumps and of loop back edges that test or step: every operand type and
//! every error. `step` moves `ip` as the returned [`Branch`] says.

use super::operand_stack::OperandStack;
use super::*;

/// Where a branch goes.
pub(super) enum Branch {
    /// On to the next instruction.
    Next,
    /// Forward or backward by an offset from the next instruction.
    Jump(i32),
    /// A loop's back edge by this distance (0: out of the loop), which
    /// counts one step of the budget.
    Back(usize),
}

impl Vm {
    /// Run one conditional jump or loop back edge (`base`: the running
    /// frame's first slot).
    // Inlined into `step`, whose one match this continues: a call per
    // instruction here cost spectral 4% more instructions.
    #[inline(always)]
    pub(super) fn step_branch(&mut self, op: Op, base: usize) -> Result<Branch, Trap> {
        let mut branch = Branch::Next;
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

        macro_rules! jump {
            ($o:expr) => {
                branch = Branch::Jump($o as i32)
            };
        }
        macro_rules! loop_back {
            ($n:expr) => {
                branch = Branch::Back($n as usize)
            };
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
        macro_rules! compare_jump {
            ($order:expr, $o:expr) => {{
                if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_slice() {
                    let r = $order.test(a, b);
                    pop_scalar!();
                    pop_scalar!();
                    if !r {
                        jump!($o);
                    }
                    break;
                }
                let r = compare!($order);
                self.stack.drop_top();
                self.stack.drop_top();
                if !r {
                    jump!($o);
                }
            }};
        }
        // `[x] -> []`, jumping when `!(x op locals[s])`.
        macro_rules! compare_local_jump {
            ($s:expr, $order:expr, $o:expr) => {{
                let order: Ordering = $order;
                let n = self.stack.len();
                let r = match (&self.stack[n - 1], &self.stack[base + $s as usize]) {
                    (Value::Int(a), Value::Int(b)) => order.test(a, b),
                    (Value::Float(a), Value::Float(b)) => order.test(a, b),
                    (a, b) => tri!(arith::order(a, b, order.symbol())),
                };
                self.stack.drop_top();
                if !r {
                    jump!($o);
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
                Op::JumpIfNot(order, o) => compare_jump!(order, o),
                Op::JumpIfNotEqual(negated, o) => {
                    if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_slice() {
                        let equal = a == b;
                        pop_scalar!();
                        pop_scalar!();
                        if equal == negated {
                            jump!(o);
                        }
                        break;
                    }
                    let b = self.stack.pop_value();
                    let a = self.stack.pop_value();
                    if equals(&a, &b) == negated {
                        jump!(o);
                    }
                }
                Op::JumpIfLocal(when, s, o) => {
                    if self.stack[base + s as usize].truthy() == when {
                        jump!(o);
                    }
                }
                Op::JumpIfNotLocal(order, s, o) => compare_local_jump!(s, order, o),
                Op::JumpIfNotEqImm(n, o) => {
                    let equal = match self.stack.last() {
                        Some(Value::Int(x)) => *x == n as i64,
                        Some(other) => equals(other, &Value::Int(n as i64)),
                        None => false,
                    };
                    self.stack.drop_top();
                    if !equal {
                        jump!(o);
                    }
                }
                Op::JumpIfNotConst(order, k, o) => {
                    let x = self.stack.pop_value();
                    let y = self.constants[k as usize].fast_clone();
                    let r = match (&x, &y) {
                        (Value::Int(a), Value::Int(b)) => order.test(a, b),
                        (Value::Float(a), Value::Float(b)) => order.test(a, b),
                        _ => tri!(arith::order(&x, &y, order.symbol())),
                    };
                    if !r {
                        jump!(o);
                    }
                }
                Op::JumpIfNotLocals(order, a, b, o) => {
                    let (x, y) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let r = match (x, y) {
                        (Value::Int(p), Value::Int(q)) => Ok(order.test(p, q)),
                        (Value::Float(p), Value::Float(q)) => Ok(order.test(p, q)),
                        _ => arith::order(x, y, order.symbol()),
                    };
                    if !tri!(r) {
                        jump!(o);
                    }
                }
                Op::IncLocalLoop(s, n, back) => {
                    inc_local!(s, n);
                    loop_back!(back);
                }
                // Both count one step whether they loop or leave, as the
                // `IncLocalLoop` and head test they replace did.
                Op::IncLoopLtConst(s, k, back) => {
                    let stepped = match (
                        &mut self.stack[base + s as usize],
                        &self.constants[k as usize],
                    ) {
                        (Value::Int(a), Value::Int(limit)) => a.checked_add(1).map(|r| {
                            *a = r;
                            r < *limit
                        }),
                        _ => None,
                    };
                    match stepped {
                        Some(true) => loop_back!(back),
                        Some(false) => loop_back!(0),
                        None => {
                            inc_local!(s, 1);
                            loop_back!(back as usize + 1);
                        }
                    }
                }
                Op::LoopIfLocals(order, a, b, back) => {
                    let test = match (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    ) {
                        (Value::Int(p), Value::Int(q)) => Some(order.test(p, q)),
                        (Value::Float(p), Value::Float(q)) => Some(order.test(p, q)),
                        _ => None,
                    };
                    match test {
                        Some(true) => loop_back!(back),
                        Some(false) => loop_back!(0),
                        None => loop_back!(back as usize + 1),
                    }
                }
                Op::LoopIfLtConst(s, k, back) => {
                    match (&self.stack[base + s as usize], &self.constants[k as usize]) {
                        (Value::Int(a), Value::Int(limit)) if a < limit => loop_back!(back),
                        (Value::Int(_), Value::Int(_)) => loop_back!(0),
                        _ => loop_back!(back as usize + 1),
                    }
                }
                Op::IncLoopLocals(order, s, b, back) => {
                    let stepped = match (
                        &self.stack[base + s as usize],
                        &self.stack[base + b as usize],
                    ) {
                        (Value::Int(a), Value::Int(limit)) => a.checked_add(1).map(|r| {
                            let limit = if s == b { r } else { *limit };
                            (r, order.test(&r, &limit))
                        }),
                        _ => None,
                    };
                    match stepped {
                        Some((r, go)) => {
                            self.stack[base + s as usize] = Value::Int(r);
                            loop_back!(if go { back as usize } else { 0 });
                        }
                        None => {
                            inc_local!(s, 1);
                            loop_back!(back as usize + 1);
                        }
                    }
                }
                Op::JumpIfLocalNotLtConst(s, k, o) => {
                    let x = &self.stack[base + s as usize];
                    let y = &self.constants[k as usize];
                    let r = match (x, y) {
                        (Value::Int(a), Value::Int(b)) => a < b,
                        _ => tri!(arith::order(x, y, "<")),
                    };
                    if !r {
                        jump!(o);
                    }
                }

                Op::JumpIf(when, o) => {
                    if let Some(Value::Bool(b)) = self.stack.last() {
                        let b = *b;
                        pop_scalar!();
                        if b == when {
                            jump!(o);
                        }
                        break;
                    }
                    let t = match self.stack.pop() {
                        Some(Value::Bool(b)) => b,
                        Some(other) => other.truthy(),
                        None => false,
                    };
                    if t == when {
                        jump!(o);
                    }
                }
                Op::JumpIfKeep(when, o) => {
                    if let Some(&Value::Bool(b)) = self.stack.last() {
                        if b == when {
                            jump!(o);
                        } else {
                            pop_scalar!();
                        }
                    } else if self.stack.top_mut().truthy() == when {
                        jump!(o);
                    } else {
                        self.stack.drop_top();
                    }
                }
                other => return Err(unexpected(other)),
            }
            break;
        }
        Ok(branch)
    }
}
