//! Instructions on a value as a whole: printing, assertions, `type()`,
//! casts, and the checks of a value against a declared type.

use super::*;

impl Vm {
    /// `Print`, `Assert`, `Cast`, `CheckIntRange`, `CheckHost`,
    /// `CheckType`, `IsType` and `ToDecimal`.
    pub(super) fn value_op(&mut self, op: Op) -> Result<(), Trap> {
        match op {
            Op::Print(n) => {
                let at = self.stack.len() - n as usize;
                let mut line = String::new();
                for (i, v) in self.stack[at..].iter().enumerate() {
                    if i > 0 {
                        line.push(' ');
                    }
                    write_value(&mut line, v, false);
                }
                line.push('\n');
                self.stack.truncate(at);
                // Writing big values may have run out of the work budget
                // (the text is then cut short): raise that instead.
                limits::check_pending()?;
                self.write_out(&line)?;
            }
            Op::Assert => {
                let msg = self.pop();
                let cond = self.pop();
                if !cond.truthy() {
                    let msg = if matches!(msg, Value::Nil) {
                        "assertion failed".to_string()
                    } else {
                        display(&msg)
                    };
                    return Err(trap(kinds::ASSERTION_FAILED, &msg));
                }
            }
            Op::Cast(kind) => {
                let v = self.pop();
                let r = match kind {
                    CastKind::Int => builtins::to_int(&v),
                    CastKind::IntExact => builtins::to_int_exact(&v),
                    CastKind::Float => builtins::to_float(&v),
                    CastKind::Str => crate::value::display_value(&v),
                    CastKind::Bool => Ok(Value::Bool(v.to_bool())),
                    CastKind::IntToFloat => match v {
                        Value::Int(_) | Value::BigInt(_) => builtins::to_float(&v),
                        other => Ok(other),
                    },
                };
                self.stack.push(r?);
            }
            Op::CheckIntRange(code) => {
                if let Some(v) = self.stack.last() {
                    crate::runtime::arith::check_int_range(v, code)?;
                }
            }
            Op::CheckHost(type_name, optional) => {
                let v = self.pop();
                let fits = match (&v, &self.constants[type_name as usize]) {
                    (Value::HostObject(o), Value::Str(name)) => *o.class.name == *name.text,
                    (Value::Error(_), _) => true,
                    (Value::Nil, _) => optional,
                    _ => false,
                };
                if !fits {
                    let want = display(&self.constants[type_name as usize]);
                    return Err(trap(
                        kinds::TYPE_ERROR,
                        &format!("expected {want}, found {}", crate::value::describe(&v)),
                    ));
                }
            }
            Op::CheckType(check) => self.check_top(check)?,
            Op::IsType(check) => {
                let fits = self.is_type(check)?;
                if let Some(top) = self.stack.last_mut() {
                    *top = Value::Bool(fits);
                }
            }
            Op::ToDecimal(scale, exact) => {
                // An error returned through a `dN?E` passes unchanged.
                if !matches!(self.stack.last(), Some(Value::Error(_))) {
                    let v = self.pop();
                    let r = crate::runtime::decimal::convert(&v, scale, exact)?;
                    self.stack.push(r);
                }
            }
            other => return Err(unexpected(other)),
        }
        Ok(())
    }
}
