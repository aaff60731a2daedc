//! Operators (reference.md §3.1–§3.3, §4): result types, and the misuses
//! that are certain (`"a" - 1`, `true + 1`, `[1] * "x"`, `1 and 2`).

use super::frames::MemberLookup;
use super::types::Type;
use super::Checker;
use limit_syntax::ast::{BinOp, Expr, UnOp};
use limit_syntax::Span;

impl<'a> Checker<'a> {
    pub(super) fn infer_binary(
        &mut self,
        op: BinOp,
        left: &'a Expr,
        right: &'a Expr,
        span: Span,
    ) -> Type {
        if matches!(op, BinOp::And | BinOp::Or) {
            let word = if op == BinOp::And { "and" } else { "or" };
            self.check_bool_operand(left, word);
            // `typeof(x) == "str" and x.len() > 0`: the right side runs
            // only when the left is true (`and`) or false (`or`).
            self.env.push();
            self.narrow_by_type_tests(left, op == BinOp::And);
            self.check_bool_operand(right, word);
            self.env.pop();
            return Type::Bool;
        }
        let left_type = self.infer(left);
        let right_type = self.infer(right);
        if matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) {
            // Ordering a `T?` uses it as a `T` (§6): an error in it could
            // only fail at run time.
            let mut unhandled = false;
            for (operand, ty) in [(left, &left_type), (right, &right_type)] {
                if let Type::Fallible(inner, _) = ty.unrefined() {
                    unhandled = true;
                    self.report_unhandled_fallible(operand, ty, inner);
                }
            }
            if !unhandled {
                self.check_ordering(op, &left_type, &right_type, span);
            }
            return Type::Bool;
        }
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            return Type::Bool;
        }
        // `str + anything` converts the other operand to text, errors included.
        let concatenation = op == BinOp::Add
            && (matches!(left_type.unrefined(), Type::Str)
                || matches!(right_type.unrefined(), Type::Str));
        if concatenation {
            return Type::Str;
        }
        let mut unhandled = false;
        for (operand, ty) in [(left, &left_type), (right, &right_type)] {
            if let Type::Fallible(inner, _) = ty.unrefined() {
                unhandled = true;
                self.report_unhandled_fallible(operand, ty, inner);
            }
        }
        if unhandled {
            return Type::Any;
        }
        self.arithmetic_result(op, &left_type, &right_type, span)
    }

    /// `<` and its kin order numbers among themselves and strings among
    /// themselves (§3.2, §3.3): a number against a string can only fail at
    /// run time.
    fn check_ordering(&mut self, op: BinOp, left: &Type, right: &Type, span: Span) {
        let number = |ty: &Type| ty.unrefined().is_numeric();
        let text = |ty: &Type| matches!(ty.unrefined(), Type::Str);
        if (number(left) && text(right)) || (text(left) && number(right)) {
            self.error(
                span,
                format!(
                    "cannot compare `{left}` with `{right}` using `{}`",
                    op.symbol()
                ),
            );
        }
    }

    /// The type of `left op right` for an arithmetic or bitwise operator,
    /// reporting a certain misuse at `span`.
    pub(super) fn arithmetic_result(
        &mut self,
        op: BinOp,
        left: &Type,
        right: &Type,
        span: Span,
    ) -> Type {
        if let Some(result) = self.std_frame_arithmetic(op, left, right, span) {
            return result;
        }
        let (l, r) = (left.unrefined(), right.unrefined());
        if matches!(l, Type::Union(_)) || matches!(r, Type::Union(_)) {
            return self.union_arithmetic(op, left, right, span);
        }
        if let Some(result) = arithmetic_type(op, l, r) {
            return result;
        }
        if is_misuse(op, l, r) {
            let message = format!("cannot apply `{}` to `{left}` and `{right}`", op.symbol());
            match [l, r].into_iter().find(|t| is_instance(t)) {
                Some(Type::Enum(name)) => self.error_with_hint(
                    span,
                    message,
                    format!("a `{name}` value has no operators besides `==` and `!=`"),
                ),
                Some(instance) => self.error_with_hint(
                    span,
                    message,
                    format!("`{instance}` has no operators: call one of its methods instead"),
                ),
                None => self.error(span, message),
            }
        }
        Type::Any
    }

    /// `left op right` where an operand is an instance of a standard
    /// module's frame with arithmetic (`DateTime ± seconds`, `DateTime -
    /// DateTime`: `stdlib::operator_method`): the result type of the method
    /// it calls, or an error when the frame offers no such operator or the
    /// other operand cannot be a number of seconds. `None` when neither
    /// operand is such a frame.
    fn std_frame_arithmetic(
        &mut self,
        op: BinOp,
        left: &Type,
        right: &Type,
        span: Span,
    ) -> Option<Type> {
        let left_frame = self.std_operator_frame(left);
        let right_frame = self.std_operator_frame(right);
        // `-` with an operand of unknown type is chosen at run time: it may
        // be another DateTime (a duration, a float) or seconds (a DateTime).
        let unknown_other = match (&left_frame, &right_frame) {
            (Some(_), _) => right.is_any(),
            (None, Some(_)) => left.is_any(),
            (None, None) => return None,
        };
        if op == BinOp::Sub && unknown_other {
            return Some(Type::Any);
        }
        let ((frame, module), other) = match (left_frame, right_frame) {
            (Some(receiver), _) => (receiver, right),
            (None, Some(receiver)) if op == BinOp::Add => (receiver, left),
            (None, Some(_)) => ((String::new(), String::new()), left),
            (None, None) => return None,
        };
        let same = matches!(other.unrefined(), Type::Frame(name) if *name == frame);
        let other_is_seconds = same
            || !(is_non_numeric(other.unrefined())
                || matches!(
                    other.unrefined(),
                    Type::Frame(_) | Type::Trait(_) | Type::Enum(_)
                ));
        let method =
            crate::stdlib::operator_method(&module, &frame, op, same).filter(|_| other_is_seconds);
        let Some(method) = method else {
            self.error_with_hint(
                span,
                format!("cannot apply `{}` to `{left}` and `{right}`", op.symbol()),
                "a DateTime takes `+` and `-` with a number of seconds, and `-` with another DateTime",
            );
            return Some(Type::Any);
        };
        Some(match self.lookup_member(&frame, method) {
            MemberLookup::Method { method, .. } => self.signature_of(method).ret,
            _ => Type::Any,
        })
    }

    /// The frame (and its standard module) of a value of type `ty`, when
    /// it is a standard module's frame with arithmetic.
    fn std_operator_frame(&self, ty: &Type) -> Option<(String, String)> {
        let Type::Frame(name) = ty.unrefined() else {
            return None;
        };
        let decl = self.declarations.frames.get(name)?;
        let file = self.sources.files().get(decl.name.span.file as usize)?;
        let module = crate::stdlib::module_of_file(&file.name)?;
        crate::stdlib::has_operators(module, name).then(|| (name.clone(), module.to_string()))
    }

    /// `left op right` where an operand is a union: the operator must mean
    /// the same thing for every member (reference.md §3.4): `int | float`
    /// takes `+ 1`, `int | str` does not (addition or concatenation).
    fn union_arithmetic(&mut self, op: BinOp, left: &Type, right: &Type, span: Span) -> Type {
        let members = |ty: &Type| -> Vec<Type> {
            match ty.unrefined() {
                Type::Union(members) => members.iter().map(|m| m.unrefined().clone()).collect(),
                other => vec![other.clone()],
            }
        };
        let (lefts, rights) = (members(left), members(right));
        let known = |t: &Type| !t.is_any() && !matches!(t, Type::Union(_));
        if !lefts.iter().chain(&rights).all(known) {
            return Type::Any;
        }
        let mut results = Vec::new();
        let mut offending: Option<&Type> = None;
        let mut concatenates = false;
        let mut computes = false;
        for l in &lefts {
            for r in &rights {
                match arithmetic_type(op, l, r) {
                    Some(result) => {
                        let is_text = op == BinOp::Add && result == Type::Str;
                        concatenates |= is_text;
                        computes |= !is_text;
                        results.push(result);
                    }
                    None if is_misuse(op, l, r) => {
                        offending.get_or_insert(if lefts.len() > 1 { l } else { r });
                    }
                    None => return Type::Any,
                }
            }
        }
        let (left_text, right_text) = (left.to_string(), right.to_string());
        if let Some(member) = offending {
            let member = member.to_string();
            self.error_with_hint(
                span,
                format!(
                    "cannot apply `{}` to `{left_text}` and `{right_text}`: not defined for member `{member}`",
                    op.symbol()
                ),
                "narrow the value first with `match` and type patterns (`int => …, str => …`)",
            );
            return Type::Any;
        }
        if concatenates && computes {
            self.error_with_hint(
                span,
                format!(
                    "cannot apply `+` to `{left_text}` and `{right_text}`: it adds some members and concatenates others"
                ),
                "narrow the value first with `match` and type patterns (`int => …, str => …`)",
            );
            return Type::Any;
        }
        match results.split_first() {
            Some((first, rest)) if rest.iter().all(|r| r == first) => first.clone(),
            _ => Type::Any,
        }
    }

    pub(super) fn infer_unary(&mut self, op: UnOp, operand: &'a Expr, span: Span) -> Type {
        if op == UnOp::Not {
            self.check_bool_operand(operand, "!");
            return Type::Bool;
        }
        let ty = self.infer(operand);
        if self.reject_unhandled(operand, &ty) {
            return Type::Any;
        }
        let base = ty.unrefined();
        let result = match (op, base) {
            (UnOp::BitNot, Type::Int | Type::SizedInt(_)) => return Type::Int,
            (UnOp::Neg | UnOp::Plus, Type::Int | Type::SizedInt(_)) => return Type::Int,
            (UnOp::Neg | UnOp::Plus, Type::Float) => return Type::Float,
            (UnOp::Neg | UnOp::Plus, Type::Decimal(scale)) => return Type::Decimal(*scale),
            _ => Type::Any,
        };
        let certain_misuse = match (op, base) {
            (_, Type::Union(members)) => members.iter().any(|m| {
                let m = m.unrefined();
                is_non_numeric(m)
                    || (op == UnOp::BitNot && matches!(m, Type::Float | Type::Decimal(_)))
            }),
            _ => match op {
                UnOp::BitNot => {
                    is_non_numeric(base) || matches!(base, Type::Float | Type::Decimal(_))
                }
                _ => is_non_numeric(base),
            },
        };
        if certain_misuse {
            let text = match op {
                UnOp::Neg => "-",
                UnOp::Plus => "+",
                UnOp::BitNot => "~",
                UnOp::Not => "!",
            };
            self.error(span, format!("cannot apply unary `{text}` to `{ty}`"));
        }
        result
    }

    fn check_bool_operand(&mut self, operand: &'a Expr, word: &str) {
        let ty = self.infer(operand);
        if ty.is_certainly_not_bool() {
            self.error_with_hint(
                operand.span,
                format!("`{word}` needs `bool` operands, found `{ty}`"),
                "compare explicitly, e.g. `x != 0`",
            );
        }
    }

    /// A condition of `if`, `elif`, `while`, `for`, a ternary or a guard:
    /// `bool`, or an optional value (tested for presence).
    pub(super) fn check_condition(&mut self, condition: &'a Expr) {
        let ty = self.infer(condition);
        if ty.is_certainly_not_bool() {
            self.error_with_hint(
                condition.span,
                format!("condition must be `bool`, found `{ty}`"),
                "compare explicitly, e.g. `x != 0` or `len(s) > 0`",
            );
        }
    }
}

/// The result type when it is certain; `None` when unknown or misused.
fn arithmetic_type(op: BinOp, l: &Type, r: &Type) -> Option<Type> {
    use Type::*;
    let integer = |t: &Type| matches!(t, Int | SizedInt(_));
    match op {
        BinOp::Add if matches!(l, Str) || matches!(r, Str) => Some(Str),
        BinOp::Add => match (l, r) {
            (List(a), List(b)) => Some(Type::list(a.join(b))),
            _ => numeric_type(op, l, r),
        },
        BinOp::Mul => match (l, r) {
            (Str, x) | (x, Str) if integer(x) => Some(Str),
            (List(element), x) | (x, List(element)) if integer(x) => {
                Some(Type::list((**element).clone()))
            }
            _ => numeric_type(op, l, r),
        },
        BinOp::Sub | BinOp::Div | BinOp::Mod => numeric_type(op, l, r),
        BinOp::Pow => match (l, r) {
            (Float, x) | (x, Float) if x.is_numeric() => Some(Float),
            _ => None,
        },
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => {
            (integer(l) && integer(r)).then_some(Int)
        }
        _ => None,
    }
}

/// `+ - * / %` on two numbers: ints stay ints (`/` truncates), any float
/// makes a float, decimals keep the wider scale.
fn numeric_type(op: BinOp, l: &Type, r: &Type) -> Option<Type> {
    use Type::*;
    let _ = op;
    match (l, r) {
        (Int | SizedInt(_), Int | SizedInt(_)) => Some(Int),
        (Float, Int | SizedInt(_) | Float) | (Int | SizedInt(_), Float) => Some(Float),
        (Decimal(a), Decimal(b)) => Some(Decimal(*a.max(b))),
        (Decimal(scale), Int | SizedInt(_)) | (Int | SizedInt(_), Decimal(scale)) => {
            Some(Decimal(*scale))
        }
        _ => None,
    }
}

/// Values of these types are certainly not numbers.
fn is_non_numeric(ty: &Type) -> bool {
    matches!(
        ty,
        Type::Str
            | Type::Bool
            | Type::Nil
            | Type::List(_)
            | Type::Dict(..)
            | Type::Tuple(_)
            | Type::Record(_)
            | Type::Range
            | Type::Function(_)
            | Type::Channel
            | Type::ErrorValue
            | Type::Host(_)
    ) || is_instance(ty)
}

/// Whether `left op right` is an error `arithmetic_result` reports (then
/// the store it feeds changes no variable's type).
pub(super) fn is_reported_misuse(op: BinOp, left: &Type, right: &Type) -> bool {
    let (l, r) = (left.unrefined(), right.unrefined());
    !matches!(l, Type::Union(_))
        && !matches!(r, Type::Union(_))
        && arithmetic_type(op, l, r).is_none()
        && is_misuse(op, l, r)
}

/// A frame instance, a trait's implementer or an enum value.
fn is_instance(ty: &Type) -> bool {
    matches!(ty, Type::Frame(_) | Type::Trait(_) | Type::Enum(_))
}

/// Whether `l op r` is certainly wrong (only called when no rule applied).
fn is_misuse(op: BinOp, l: &Type, r: &Type) -> bool {
    let certain = |t: &Type| !t.is_any() && !matches!(t, Type::Union(_));
    match op {
        // `str + anything` is text, so only a certain non-str pair is wrong.
        BinOp::Add => {
            certain(l)
                && certain(r)
                && (is_non_numeric(l) || is_non_numeric(r))
                && !matches!((l, r), (Type::List(_), Type::List(_)))
        }
        BinOp::Mul => {
            let repeatable = |t: &Type| matches!(t, Type::Str | Type::List(_));
            let count = |t: &Type| t.is_integer() || t.is_any();
            if (repeatable(l) && count(r)) || (repeatable(r) && count(l)) {
                return false;
            }
            is_non_numeric(l) || is_non_numeric(r)
        }
        BinOp::Sub | BinOp::Div | BinOp::Mod | BinOp::Pow => is_non_numeric(l) || is_non_numeric(r),
        BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::Shl | BinOp::Shr => {
            let not_int = |t: &Type| {
                (is_non_numeric(t) && !matches!(t, Type::Bool))
                    || matches!(t, Type::Float | Type::Decimal(_))
            };
            not_int(l) || not_int(r)
        }
        _ => false,
    }
}
