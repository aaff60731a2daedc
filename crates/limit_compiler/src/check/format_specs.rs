//! Format specs (§3.3a) checked at compile time: a spec that cannot be
//! read, or that cannot format a value of the known static type
//! (`"{"s":d}"`), is an error here rather than a `ConversionError` at run
//! time.

use super::types::Type;
use super::Checker;
use limit_bytecode::format_spec::{FormatClass, FormatSpec};
use limit_syntax::ast::{Arg, ExprKind};
use limit_syntax::Span;

impl<'a> Checker<'a> {
    /// Checks `spec` (written at `span`) against a value of type `ty`.
    pub(super) fn check_format_spec(&mut self, ty: &Type, spec: &str, span: Span) {
        let parsed = match FormatSpec::parse(spec) {
            Ok(parsed) => parsed,
            Err(problem) => {
                self.error_with_hint(
                    span,
                    format!("invalid format spec `{spec}`: {problem}"),
                    "a spec is [[fill]align][sign][#][0][width][,|_][.precision][type], \
                     as in `.2f`, `>8`, `03d`, `,`",
                );
                return;
            }
        };
        let Some(class) = format_class(ty) else {
            return;
        };
        if let Err(problem) = parsed.check(class) {
            self.error_with_hint(
                span,
                format!("format spec `{spec}` cannot format a value of type `{ty}`: {problem}"),
                "`d b o x X` format ints, `f e g %` numbers; any value formats with `s`",
            );
        }
    }

    /// `format(value, "spec")` with a literal spec is checked like an
    /// interpolation's.
    pub(super) fn check_format_call(&mut self, args: &[Arg], arg_types: &[Type]) {
        if let ([_, spec_arg], [value_type, _]) = (args, arg_types) {
            if let ExprKind::Str(spec) = &spec_arg.value.kind {
                self.check_format_spec(value_type, spec, spec_arg.value.span);
            }
        }
    }
}

/// What a value of static type `ty` formats as, when certain.
fn format_class(ty: &Type) -> Option<FormatClass> {
    match ty {
        Type::Any | Type::Fallible(..) => None,
        Type::Int | Type::SizedInt(_) | Type::Atomic => Some(FormatClass::Int),
        Type::Float => Some(FormatClass::Float),
        Type::Decimal(_) => Some(FormatClass::Decimal),
        Type::Refined(inner, _) => format_class(inner),
        Type::Union(members) => {
            let first = format_class(members.first()?)?;
            members
                .iter()
                .all(|m| format_class(m) == Some(first))
                .then_some(first)
        }
        _ => Some(FormatClass::Text),
    }
}
