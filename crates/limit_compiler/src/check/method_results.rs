//! Results of built-in methods that the table's signature text cannot say,
//! because they depend on the arguments' types: `d.get(k, default)` and
//! `d.get_or(k, default)` give the dict's value or the default,
//! `xs.map(f)` a list of what `f` returns, `xs.reduce(f, initial?)` what
//! `f` returns when that is the accumulator's type, `xs.sum()` an int for
//! a list of ints. A result is only claimed where the value the VM hands
//! back certainly has it: the VM returns a default unconverted, so an int
//! default of a `{str: float}` lookup makes the result `float | int`.

use super::builtins::Bindings;
use super::types::Type;
use super::Checker;
use limit_bytecode::methods::Method;
use limit_syntax::ast::{Arg, ExprKind};

/// The arguments of a built-in method call, with their types and the
/// signature's parameter names.
pub(super) struct Arguments<'x, 'a> {
    pub args: &'a [Arg],
    pub types: &'x [Type],
    pub names: Vec<&'static str>,
}

impl<'x, 'a> Arguments<'x, 'a> {
    /// The argument given for parameter `name` (by name, else by its
    /// position) and its type.
    pub(super) fn of(&self, name: &str) -> Option<(&'a Arg, &'x Type)> {
        let named = self
            .args
            .iter()
            .position(|arg| arg.name.as_ref().is_some_and(|n| n.name == name));
        let index = match named {
            Some(index) => index,
            None => {
                let position = self.names.iter().position(|n| *n == name)?;
                self.args.get(position).filter(|arg| arg.name.is_none())?;
                position
            }
        };
        Some((self.args.get(index)?, self.types.get(index)?))
    }
}

impl<'a> Checker<'a> {
    /// The result of built-in method `method` (receiver bound to
    /// `bindings`) called with `arguments`, when it depends on them;
    /// `None` leaves the table's result.
    pub(super) fn result_from_arguments(
        &mut self,
        method: Method,
        bindings: &Bindings,
        arguments: &Arguments<'_, 'a>,
    ) -> Option<Type> {
        match method {
            Method::Get | Method::GetOr => {
                let (default, found) = arguments.of("default")?;
                Some(self.value_or_default(&bindings.v, default, found))
            }
            Method::Map => match arguments.of("f")? {
                (_, Type::Function(f)) => Some(Type::list(f.ret.clone())),
                _ => None,
            },
            Method::Reduce => {
                let (_, Type::Function(f)) = arguments.of("f")? else {
                    return None;
                };
                // Without an initial value the first element starts the
                // accumulator (and is the result of a one-element list).
                let start = arguments
                    .of("initial")
                    .map_or(&bindings.t, |(_, initial)| initial);
                (!f.ret.is_any() && f.ret == *start).then(|| f.ret.clone())
            }
            // The sum of no ints is the int 0, so only ints sum to a
            // certain type.
            Method::Sum => (bindings.t == Type::Int).then_some(Type::Int),
            _ => None,
        }
    }

    /// What `d.get(k, default)` gives for a dict of values `value` and a
    /// default `default` of static type `found`: `value` when the default
    /// is a value of it as it stands, else either type.
    fn value_or_default(&mut self, value: &Type, default: &'a Arg, found: &Type) -> Type {
        if value.is_any() || found.is_any() {
            return Type::Any;
        }
        // An empty `[]` or `{}` is a value of any list or dict type.
        let empty_literal = match (&default.value.kind, value.unrefined()) {
            (ExprKind::List(items), Type::List(_)) => items.is_empty(),
            (ExprKind::Dict { entries, record }, Type::Dict(..)) => entries.is_empty() && !record,
            _ => false,
        };
        if empty_literal {
            self.table.record(default.value.id, value);
            return value.clone();
        }
        if found == value || self.holds_unconverted(found, value) {
            return value.clone();
        }
        union_of(value, found)
    }

    /// Whether a value of static type `found` is certainly a value of
    /// `expected` without the conversion or check a typed store would
    /// apply (an int entering `float` becomes a float there, not here).
    fn holds_unconverted(&self, found: &Type, expected: &Type) -> bool {
        !converts(expected)
            && self.compatibility(found, expected) == super::compat::Compatibility::Fits
            && !self.needs_run_time_check(found, expected)
    }
}

/// Whether a value entering `ty` may be converted or checked on the way
/// (floats, decimals, sized ints and refinements, at any depth).
fn converts(ty: &Type) -> bool {
    match ty {
        Type::Float | Type::Decimal(_) | Type::SizedInt(_) | Type::Refined(..) => true,
        Type::List(element) => converts(element),
        Type::Dict(key, value) => converts(key) || converts(value),
        Type::Tuple(items) | Type::Union(items) => items.iter().any(converts),
        Type::Fallible(inner, _) => converts(inner),
        Type::Record(fields) => fields.iter().any(|(_, ty)| converts(ty)),
        _ => false,
    }
}

/// `a | b`, flattened, each member once; `any` when either is a `T?`
/// (a union does not hold errors).
fn union_of(a: &Type, b: &Type) -> Type {
    let mut members: Vec<Type> = Vec::new();
    for ty in [a, b] {
        let flat = match ty {
            Type::Union(inner) => inner.clone(),
            Type::Fallible(..) => return Type::Any,
            other => vec![other.clone()],
        };
        for member in flat {
            if !members.contains(&member) {
                members.push(member);
            }
        }
    }
    match members.len() {
        1 => members.swap_remove(0),
        _ => Type::Union(members),
    }
}
