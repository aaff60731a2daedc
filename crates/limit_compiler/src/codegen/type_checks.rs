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
use limit_bytecode::opcode::IntWidth;
use limit_bytecode::opcode::Op;
use limit_bytecode::type_check::TypeCheck;
use limit_syntax::ast::{Expr, Ident, TypeExpr, TypeKind};
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

    /// `[v] -> [v]`: the check the checker asked for on a value a loop
    /// binds to the annotated variable `name` (`iter (x: int in xs)`, a
    /// task's or worker's binding), if any.
    pub(crate) fn check_bound_value(&mut self, name: &Ident) {
        if !self.types.has_checks() {
            return;
        }
        if let Some(ty) = self.types.check_of(name.id) {
            let ty = ty.clone();
            self.emit_type_check(&ty, name.span);
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
    pub(crate) fn emit_type_check(&mut self, ty: &Type, span: Span) {
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
        if let Type::Function(function) = ty {
            if !function.flexible_arity {
                self.guard_result(function, span);
            }
        }
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
            Type::Function(f) if !f.flexible_arity => {
                TypeCheck::Callable(f.params.iter().map(|p| self.type_check_of(&p.ty)).collect())
            }
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
                .checked_object(name, ObjectKind::Frame)
                .and_then(|key| self.objects.frames.get(&key))
                .map_or(TypeCheck::Any, |frame| TypeCheck::Frame(frame.class)),
            Type::Class(name) => self
                .checked_object(name, ObjectKind::Frame)
                .and_then(|key| self.objects.frames.get(&key))
                .map_or(TypeCheck::Any, |frame| TypeCheck::Class(frame.class)),
            Type::Enum(name) => self
                .checked_object(name, ObjectKind::Enum)
                .and_then(|key| self.objects.enums.get(&key))
                .map_or(TypeCheck::Any, |info| TypeCheck::Enum(info.id)),
            Type::Trait(name) => self
                .checked_object(name, ObjectKind::Trait)
                .map_or(TypeCheck::Any, TypeCheck::Trait),
            Type::Host(name) => TypeCheck::Host(name.clone()),
        }
    }
}

/// Aliases are followed at most this deep (`type A = B; type B = A;`).
const MAX_ALIAS_DEPTH: usize = 16;

impl Codegen<'_> {
    /// The constant of the run-time check of a value entering a place
    /// annotated `ty` from a caller that proved nothing (a call through
    /// `any`, a store through a receiver of unknown frame), or `None`
    /// when the annotation lets anything in.
    pub(crate) fn annotation_check(&mut self, ty: &TypeExpr) -> Option<u32> {
        let (check, name) = self.annotation_form(ty, 0);
        if check.is_any() {
            return None;
        }
        Some(self.str_constant(&check.to_constant(&name)))
    }

    /// The run-time form of the frame, enum, trait or alias the type name
    /// `name` denotes (what the resolve stage bound it to), and its name
    /// as the checker prints it; `None` when it denotes none of them.
    fn defined_form(&self, name: &Ident, depth: usize) -> Option<(TypeCheck, String)> {
        let shown = name.name.clone();
        match self.any_object_of(name.id) {
            Some((ObjectKind::Frame, key)) => {
                let frame = self.objects.frames.get(&key)?;
                Some((TypeCheck::Frame(frame.class), shown))
            }
            Some((ObjectKind::Enum, key)) => {
                let info = self.objects.enums.get(&key)?;
                Some((TypeCheck::Enum(info.id), shown))
            }
            Some((ObjectKind::Trait, key)) => Some((TypeCheck::Trait(key), shown)),
            None => {
                let target = self.alias_of(name.id)?;
                let (check, expanded) = self.annotation_form(target, depth + 1);
                // A refinement is named by its alias, as the checker does.
                let refined = matches!(target.kind, TypeKind::Refined { .. });
                Some((check, if refined { shown } else { expanded }))
            }
        }
    }

    /// The run-time form of the annotation `ty` and the type's name as
    /// the checker prints it (aliases expanded, refinements by name).
    pub(super) fn annotation_form(&self, ty: &TypeExpr, depth: usize) -> (TypeCheck, String) {
        let any = || (TypeCheck::Any, "any".to_string());
        if depth > MAX_ALIAS_DEPTH {
            return any();
        }
        let inner = |t: &TypeExpr| self.annotation_form(t, depth + 1);
        match &ty.kind {
            TypeKind::Named(path) if path.len() == 1 => {
                let name = path[0].name.as_str();
                if let Some(scale) = super::stmt::decimal_scale(ty) {
                    return (TypeCheck::Decimal, format!("d{scale}"));
                }
                let simple = match name {
                    "int" => Some(TypeCheck::Int),
                    "float" => Some(TypeCheck::Float),
                    "f32" | "f64" => Some(TypeCheck::Float),
                    "str" => Some(TypeCheck::Str),
                    "bool" => Some(TypeCheck::Bool),
                    "nil" => Some(TypeCheck::Nil),
                    "range" => Some(TypeCheck::Range),
                    "channel" => Some(TypeCheck::Channel),
                    "any" | "atomic" => return any(),
                    _ if IntWidth::from_name(name).is_some() => Some(TypeCheck::Int),
                    _ => None,
                };
                if let Some(check) = simple {
                    return (check, name.to_string());
                }
                if let Some(form) = self.defined_form(&path[0], depth) {
                    return form;
                }
                if self.host_types.contains(name) && !self.in_std_module() {
                    return (TypeCheck::Host(name.to_string()), name.to_string());
                }
                any()
            }
            // `module.Name`: the member the resolve stage bound.
            TypeKind::Named(path) if path.len() == 2 => {
                self.defined_form(&path[1], depth).unwrap_or_else(any)
            }
            TypeKind::Named(_) => any(),
            TypeKind::List(element) => {
                let (check, name) = inner(element);
                (TypeCheck::List(Box::new(check)), format!("[{name}]"))
            }
            TypeKind::Dict(key, value) => {
                let ((key, key_name), (value, value_name)) = (inner(key), inner(value));
                (
                    TypeCheck::Dict(Box::new(key), Box::new(value)),
                    format!("{{{key_name}: {value_name}}}"),
                )
            }
            TypeKind::Tuple(items) => {
                let (checks, names): (Vec<_>, Vec<_>) = items.iter().map(inner).unzip();
                (TypeCheck::Tuple(checks), format!("({})", names.join(", ")))
            }
            TypeKind::Function { params, ret } => {
                let names: Vec<String> = params.iter().map(|p| inner(p).1).collect();
                let ret = ret
                    .as_ref()
                    .map_or_else(|| "nil".to_string(), |r| inner(r).1);
                let checks = params.iter().map(|p| inner(p).0).collect();
                (
                    TypeCheck::Callable(checks),
                    format!("fn({}): {ret}", names.join(", ")),
                )
            }
            TypeKind::Union(members) => {
                let (checks, names): (Vec<_>, Vec<_>) = members.iter().map(inner).unzip();
                let check = if checks.iter().any(TypeCheck::is_any) {
                    TypeCheck::Any
                } else {
                    TypeCheck::Union(checks)
                };
                (check, names.join(" | "))
            }
            TypeKind::Fallible {
                inner: value,
                errors,
            } => {
                let (check, name) = inner(value);
                let errors: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
                (
                    TypeCheck::Optional(Box::new(check)),
                    format!("{name}?{}", errors.join(", ")),
                )
            }
            TypeKind::Refined { base, .. } => {
                let (check, name) = inner(base);
                (check, name)
            }
            TypeKind::Record(fields) => {
                let (checks, names): (Vec<_>, Vec<_>) = fields
                    .iter()
                    .map(|(field, ty)| {
                        let (check, name) = inner(ty);
                        (
                            (field.name.clone(), check),
                            format!("{}: {name}", field.name),
                        )
                    })
                    .unzip();
                (
                    TypeCheck::Record(checks),
                    format!("{{{}}}", names.join(", ")),
                )
            }
            // An inline tagged union names an enum where it is declared.
            TypeKind::Tagged(_) => any(),
        }
    }
}
