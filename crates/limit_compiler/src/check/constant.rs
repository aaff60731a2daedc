//! Compile-time evaluation of constant expressions, for the checks that
//! docs/reference.md (§3.1, §3.4) makes compile errors "when the value is a constant": sized
//! integer ranges (§3.1) and refinements (§3.4).
//!
//! Evaluation is partial: anything it does not understand is `None`, and
//! then no error is reported.

use limit_syntax::ast::{BinOp, Expr, ExprKind, UnOp};
use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};
use std::fmt;

/// A value known at compile time.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Int(BigInt),
    Float(f64),
    Str(String),
    Bool(bool),
}

impl fmt::Display for Constant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Constant::Int(value) => write!(f, "{value}"),
            Constant::Float(value) => write!(f, "{value}"),
            Constant::Str(value) => write!(f, "\"{value}\""),
            Constant::Bool(value) => write!(f, "{value}"),
        }
    }
}

/// Expressions nested deeper than this are not evaluated (host stack safety).
const MAX_DEPTH: usize = 64;

/// The value of a literal expression (numbers may be negated and combined
/// with `+ - *`).
pub fn constant_value(expr: &Expr) -> Option<Constant> {
    evaluate(expr, None, 0)
}

/// The value of a refinement condition with `value` bound to `value`.
pub fn evaluate_condition(condition: &Expr, value: &Constant) -> Option<bool> {
    match evaluate(condition, Some(value), 0)? {
        Constant::Bool(answer) => Some(answer),
        _ => None,
    }
}

fn evaluate(expr: &Expr, value: Option<&Constant>, depth: usize) -> Option<Constant> {
    if depth > MAX_DEPTH {
        return None;
    }
    let depth = depth + 1;
    match &expr.kind {
        ExprKind::Int(number) => Some(Constant::Int(number.clone())),
        ExprKind::Float(number) => Some(Constant::Float(*number)),
        ExprKind::Str(text) => Some(Constant::Str(text.clone())),
        ExprKind::Bool(flag) => Some(Constant::Bool(*flag)),
        ExprKind::Ident(name) if name == "value" => value.cloned(),
        ExprKind::Unary(op, operand) => unary(*op, evaluate(operand, value, depth)?),
        ExprKind::Binary(op, left, right) => {
            let left = evaluate(left, value, depth)?;
            // Short-circuit like the language does.
            match (op, &left) {
                (BinOp::And, Constant::Bool(false)) => return Some(Constant::Bool(false)),
                (BinOp::Or, Constant::Bool(true)) => return Some(Constant::Bool(true)),
                _ => {}
            }
            binary(*op, left, evaluate(right, value, depth)?)
        }
        ExprKind::Call { callee, args } => {
            // `len(value)` on a constant string.
            let is_len =
                matches!(&callee.kind, ExprKind::Ident(name) if name == "len" || name == "length");
            match (is_len, args.as_slice()) {
                (true, [arg]) if arg.name.is_none() => length(evaluate(&arg.value, value, depth)?),
                _ => match &callee.kind {
                    // `value.len()`
                    ExprKind::Field(receiver, method)
                        if method.name == "len" && args.is_empty() =>
                    {
                        length(evaluate(receiver, value, depth)?)
                    }
                    _ => None,
                },
            }
        }
        _ => None,
    }
}

fn length(value: Constant) -> Option<Constant> {
    match value {
        Constant::Str(text) => Some(Constant::Int(BigInt::from(text.chars().count()))),
        _ => None,
    }
}

fn unary(op: UnOp, operand: Constant) -> Option<Constant> {
    match (op, operand) {
        (UnOp::Neg, Constant::Int(n)) => Some(Constant::Int(-n)),
        (UnOp::Neg, Constant::Float(n)) => Some(Constant::Float(-n)),
        (UnOp::Plus, number @ (Constant::Int(_) | Constant::Float(_))) => Some(number),
        (UnOp::Not, Constant::Bool(flag)) => Some(Constant::Bool(!flag)),
        _ => None,
    }
}

fn binary(op: BinOp, left: Constant, right: Constant) -> Option<Constant> {
    use Constant::*;
    match (left, right) {
        (Int(a), Int(b)) => int_binary(op, a, b),
        (Int(a), Float(b)) => float_binary(op, a.to_f64()?, b),
        (Float(a), Int(b)) => float_binary(op, a, b.to_f64()?),
        (Float(a), Float(b)) => float_binary(op, a, b),
        (Bool(a), Bool(b)) => match op {
            BinOp::And => Some(Bool(a && b)),
            BinOp::Or => Some(Bool(a || b)),
            BinOp::Eq => Some(Bool(a == b)),
            BinOp::Ne => Some(Bool(a != b)),
            _ => None,
        },
        (Str(a), Str(b)) => match op {
            BinOp::Eq => Some(Bool(a == b)),
            BinOp::Ne => Some(Bool(a != b)),
            BinOp::Lt => Some(Bool(a < b)),
            BinOp::Le => Some(Bool(a <= b)),
            BinOp::Gt => Some(Bool(a > b)),
            BinOp::Ge => Some(Bool(a >= b)),
            BinOp::Add => Some(Str(a + &b)),
            _ => None,
        },
        _ => None,
    }
}

fn int_binary(op: BinOp, a: BigInt, b: BigInt) -> Option<Constant> {
    use Constant::*;
    Some(match op {
        BinOp::Add => Int(a + b),
        BinOp::Sub => Int(a - b),
        BinOp::Mul => Int(a * b),
        // Truncating division and a remainder with the dividend's sign,
        // which is what BigInt's operators do.
        BinOp::Div if !b.is_zero() => Int(a / b),
        BinOp::Mod if !b.is_zero() => Int(a % b),
        BinOp::Eq => Bool(a == b),
        BinOp::Ne => Bool(a != b),
        BinOp::Lt => Bool(a < b),
        BinOp::Le => Bool(a <= b),
        BinOp::Gt => Bool(a > b),
        BinOp::Ge => Bool(a >= b),
        _ => return None,
    })
}

fn float_binary(op: BinOp, a: f64, b: f64) -> Option<Constant> {
    use Constant::*;
    Some(match op {
        BinOp::Add => Float(a + b),
        BinOp::Sub => Float(a - b),
        BinOp::Mul => Float(a * b),
        BinOp::Eq => Bool(a == b),
        BinOp::Ne => Bool(a != b),
        BinOp::Lt => Bool(a < b),
        BinOp::Le => Bool(a <= b),
        BinOp::Gt => Bool(a > b),
        BinOp::Ge => Bool(a >= b),
        _ => return None,
    })
}
