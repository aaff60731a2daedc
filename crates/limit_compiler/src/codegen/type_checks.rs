//! Run-time checks of values entering typed places unproven (reference.md
//! §3: `any` is "anything; checked at run time"). The checker records, for
//! each value it let into a typed place without proving it fits, the
//! place's type (`TypeTable::check_of`, `check/run_time_checks.rs`); the
//! value's code is followed by one `CheckType` naming the type's run-time
//! form (`limit_bytecode::type_check`). Because the entry belongs to the
//! value's node, every typed store — variables, arguments, returns,
//! fields, elements, payloads — gets its check wherever the value is
//! compiled, before the store's own conversions (`checks.rs`). A value
//! the checker proved gets nothing.

use super::objects::ObjectKind;
use super::Codegen;
use crate::check::Type;
use limit_bytecode::opcode::Op;
use limit_bytecode::type_check::TypeCheck;
use limit_syntax::ast::Expr;
use limit_syntax::Span;

impl Codegen<'_> {
    /// `[v] -> [v]`: the check the checker asked for on the value of
    /// `expr`, just compiled, if any.
    pub(crate) fn check_entering_value(&mut self, expr: &Expr) {
        if !self.types.has_checks() {
            return;
        }
        if let Some(ty) = self.types.check_of(expr.id) {
            let ty = ty.clone();
            self.emit_type_check(&ty, expr.span);
        }
    }

    /// `[r] -> [r]`: the check the checker asked for on the result of
    /// `place op= value`, just computed, if any.
    pub(crate) fn check_compound_result(&mut self, value: &Expr, span: Span) {
        if !self.types.has_checks() {
            return;
        }
        if let Some(ty) = self.types.compound_check_of(value.id) {
            let ty = ty.clone();
            self.emit_type_check(&ty, span);
        }
    }

    /// `[v] -> [v]`: a check of `v` against `ty` (nothing for `any`).
    fn emit_type_check(&mut self, ty: &Type, span: Span) {
        let check = self.type_check_of(ty);
        if check.is_any() {
            return;
        }
        let name = ty.to_string();
        if let Some(kind) = check.kind_code(&name) {
            self.emit(Op::CheckKind(kind), span);
            return;
        }
        let text = check.to_constant(&name);
        let constant = self.str_constant(&text);
        self.emit(Op::CheckType(constant), span);
    }

    /// The run-time form of `ty` (`Any` for whatever cannot be told apart
    /// at run time, or names nothing this module can resolve).
    pub(crate) fn type_check_of(&self, ty: &Type) -> TypeCheck {
        let boxed = |ty: &Type| Box::new(self.type_check_of(ty));
        match ty {
            Type::Any | Type::Atomic => TypeCheck::Any,
            Type::Int | Type::SizedInt(_) => TypeCheck::Int,
            Type::Float => TypeCheck::Float,
            Type::Decimal(_) => TypeCheck::Decimal,
            Type::Bool => TypeCheck::Bool,
            Type::Str => TypeCheck::Str,
            Type::Nil => TypeCheck::Nil,
            Type::Range => TypeCheck::Range,
            Type::Channel => TypeCheck::Channel,
            Type::ErrorValue => TypeCheck::ErrorValue,
            Type::Function(_) => TypeCheck::Function,
            Type::Refined(base, _) => self.type_check_of(base),
            Type::Fallible(inner, _) => TypeCheck::Optional(boxed(inner)),
            Type::List(element) => TypeCheck::List(boxed(element)),
            Type::Dict(key, value) => TypeCheck::Dict(boxed(key), boxed(value)),
            Type::Tuple(items) => {
                TypeCheck::Tuple(items.iter().map(|t| self.type_check_of(t)).collect())
            }
            Type::Record(fields) => TypeCheck::Record(
                fields
                    .iter()
                    .map(|(name, ty)| (name.clone(), self.type_check_of(ty)))
                    .collect(),
            ),
            Type::Union(members) => {
                let members: Vec<TypeCheck> =
                    members.iter().map(|m| self.type_check_of(m)).collect();
                if members.iter().any(TypeCheck::is_any) {
                    TypeCheck::Any
                } else {
                    TypeCheck::Union(members)
                }
            }
            Type::Frame(name) => self
                .resolve_object(name, ObjectKind::Frame)
                .and_then(|key| self.objects.frames.get(&key))
                .map_or(TypeCheck::Any, |frame| TypeCheck::Frame(frame.class)),
            Type::Class(name) => self
                .resolve_object(name, ObjectKind::Frame)
                .and_then(|key| self.objects.frames.get(&key))
                .map_or(TypeCheck::Any, |frame| TypeCheck::Class(frame.class)),
            Type::Enum(name) => self
                .resolve_object(name, ObjectKind::Enum)
                .and_then(|key| self.objects.enums.get(&key))
                .map_or(TypeCheck::Any, |info| TypeCheck::Enum(info.id)),
            Type::Trait(name) => self
                .resolve_object(name, ObjectKind::Trait)
                .map_or(TypeCheck::Any, TypeCheck::Trait),
            Type::Host(name) => TypeCheck::Host(name.clone()),
        }
    }
}
