//! Constant folding: an expression built only from literals and pure
//! operators is evaluated at compile time and emitted as one constant.
//! Anything that could raise (division by zero, int overflow, a type
//! mismatch) is left for the VM, so folding never changes behaviour.

use limit_syntax::ast::{BinOp, Expr, ExprKind, UnOp};
use num_traits::ToPrimitive;

/// A compile-time value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Folded {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

/// The value of `expr` if it is a foldable constant expression.
pub(crate) fn fold(expr: &Expr) -> Option<Folded> {
    fold_at(expr, 0)
}

/// The value of `left op right` if both sides are foldable constants.
pub(crate) fn fold_binary(op: BinOp, left: &Expr, right: &Expr) -> Option<Folded> {
    binary(op, fold(left)?, fold(right)?)
}

fn fold_at(expr: &Expr, depth: usize) -> Option<Folded> {
    if depth > 64 {
        return None;
    }
    match &expr.kind {
        ExprKind::Int(n) => n.to_i64().map(Folded::Int),
        ExprKind::Float(x) => Some(Folded::Float(*x)),
        ExprKind::Bool(b) => Some(Folded::Bool(*b)),
        ExprKind::Str(s) => Some(Folded::Str(s.clone())),
        ExprKind::Unary(op, operand) => unary(*op, fold_at(operand, depth + 1)?),
        ExprKind::Binary(op, left, right) => {
            binary(*op, fold_at(left, depth + 1)?, fold_at(right, depth + 1)?)
        }
        _ => None,
    }
}

fn unary(op: UnOp, value: Folded) -> Option<Folded> {
    match (op, value) {
        (UnOp::Neg, Folded::Int(n)) => n.checked_neg().map(Folded::Int),
        (UnOp::Neg, Folded::Float(x)) => Some(Folded::Float(-x)),
        (UnOp::Plus, v @ (Folded::Int(_) | Folded::Float(_))) => Some(v),
        (UnOp::Not, Folded::Bool(b)) => Some(Folded::Bool(!b)),
        (UnOp::BitNot, Folded::Int(n)) => Some(Folded::Int(!n)),
        _ => None,
    }
}

fn binary(op: BinOp, left: Folded, right: Folded) -> Option<Folded> {
    use Folded::*;
    Some(match (op, left, right) {
        (BinOp::Add, Int(a), Int(b)) => Int(a.checked_add(b)?),
        (BinOp::Sub, Int(a), Int(b)) => Int(a.checked_sub(b)?),
        (BinOp::Mul, Int(a), Int(b)) => Int(a.checked_mul(b)?),
        (BinOp::Add, Float(a), Float(b)) => Float(a + b),
        (BinOp::Sub, Float(a), Float(b)) => Float(a - b),
        (BinOp::Mul, Float(a), Float(b)) => Float(a * b),
        (BinOp::Div, Float(a), Float(b)) => Float(a / b),
        (BinOp::Add, Str(a), Str(b)) => Str(a + &b),
        (BinOp::Lt, Int(a), Int(b)) => Bool(a < b),
        (BinOp::Le, Int(a), Int(b)) => Bool(a <= b),
        (BinOp::Gt, Int(a), Int(b)) => Bool(a > b),
        (BinOp::Ge, Int(a), Int(b)) => Bool(a >= b),
        (BinOp::Eq, Int(a), Int(b)) => Bool(a == b),
        (BinOp::Ne, Int(a), Int(b)) => Bool(a != b),
        (BinOp::And, Bool(a), Bool(b)) => Bool(a && b),
        (BinOp::Or, Bool(a), Bool(b)) => Bool(a || b),
        (BinOp::BitAnd, Int(a), Int(b)) => Int(a & b),
        (BinOp::BitOr, Int(a), Int(b)) => Int(a | b),
        (BinOp::BitXor, Int(a), Int(b)) => Int(a ^ b),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use limit_syntax::ast::StmtKind;
    use limit_syntax::parse_source;

    fn fold_text(text: &str) -> Option<Folded> {
        let (module, diagnostics) = parse_source(text, 0);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        match &module.stmts[0].kind {
            StmtKind::Expr { expr, .. } => fold(expr),
            other => panic!("not an expression: {other:?}"),
        }
    }

    #[test]
    fn folds_arithmetic_and_strings() {
        assert_eq!(fold_text("2 * 3 + 1"), Some(Folded::Int(7)));
        assert_eq!(fold_text("-(4 - 10)"), Some(Folded::Int(6)));
        assert_eq!(fold_text("1.5 * 2.0"), Some(Folded::Float(3.0)));
        assert_eq!(fold_text("\"a\" + \"b\""), Some(Folded::Str("ab".into())));
        assert_eq!(fold_text("1 < 2 and true"), Some(Folded::Bool(true)));
    }

    #[test]
    fn leaves_what_could_raise_or_mixes_types() {
        assert_eq!(fold_text("1 / 0"), None);
        assert_eq!(fold_text("9223372036854775807 + 1"), None);
        assert_eq!(fold_text("1 + 2.0"), None);
        assert_eq!(fold_text("x + 1"), None);
    }
}
