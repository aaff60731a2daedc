//! Values entering a declared type (reference.md §3.1, §3.2, §3.3b, §3.4):
//! an int entering `float` becomes a float, a `dN` annotation converts the
//! value to a decimal, a sized int type checks its
//! range (`IntegerOverflow`), a refinement `T where cond` evaluates `cond`
//! with `value` bound (`RefinementFailed`). This happens wherever a value
//! enters the type — variable declarations and assignments, parameters of
//! functions and methods, returns, fields (assignment, `op=`, constructor
//! arguments and defaults), list and dict elements (index stores, `push`,
//! `append`, `insert`, literals the checker typed) — and always through
//! [`Codegen::coerce`]. Error values passing through a `T?` are not
//! checked.

use super::{Codegen, FunctionState};
use limit_bytecode::opcode::{CastKind, IntWidth, Op};
use limit_syntax::ast::*;
use limit_syntax::Span;
use std::collections::HashMap;

/// One thing to do to a value entering a type.
#[derive(Clone, Debug)]
pub(crate) enum Coercion {
    /// An int entering `float` (`f32`, `f64`) becomes a float (§3.2).
    Float,
    Decimal(u8),
    IntRange(IntWidth),
    Refinement {
        condition: Expr,
        type_name: String,
    },
    /// A list or dict entering `[T]` / `{K: V}` whose element types need
    /// a conversion or check: each element is checked, none converted (the
    /// container is shared: `element_checks.rs`). Skipped where the
    /// checker proved the value's element types (`coerce_value`).
    Elements(Box<super::element_checks::ElementChecks>),
}

impl Coercion {
    /// The check of a list's or dict's elements.
    pub(crate) fn is_element_check(&self) -> bool {
        matches!(self, Coercion::Elements(_))
    }
}

/// Aliases are expanded at most this deep (`type A = B; type B = A;`).
const MAX_ALIAS_DEPTH: usize = 16;

impl Codegen<'_> {
    /// What a value entering `ty` needs, innermost (base type) first.
    pub(crate) fn coercions(&self, ty: &TypeExpr) -> Vec<Coercion> {
        let mut out = Vec::new();
        self.collect_coercions(ty, None, 0, &mut out);
        out
    }

    fn collect_coercions(
        &self,
        ty: &TypeExpr,
        alias: Option<&str>,
        depth: usize,
        out: &mut Vec<Coercion>,
    ) {
        if depth > MAX_ALIAS_DEPTH {
            return;
        }
        match &ty.kind {
            TypeKind::Named(path) if path.len() == 1 => {
                let name = path[0].name.as_str();
                if let Some(scale) = super::stmt::decimal_scale(ty) {
                    out.push(Coercion::Decimal(scale));
                } else if matches!(name, "float" | "f32" | "f64") {
                    out.push(Coercion::Float);
                } else if let Some(width) = IntWidth::from_name(name) {
                    out.push(Coercion::IntRange(width));
                } else if let Some(target) = self.alias_of(path[0].id) {
                    self.collect_coercions(target, Some(name), depth + 1, out);
                }
            }
            // `module.Alias`: the alias of the module imported as `module`.
            TypeKind::Named(path) if path.len() == 2 => {
                let (namespace, name) = (&path[0].name, &path[1].name);
                let Some((_, filter)) = self.namespace_module(path[0].id, namespace) else {
                    return;
                };
                if filter.is_some_and(|f| f.refusal(namespace, name).is_some()) {
                    return;
                }
                // The member the resolve stage bound (a public alias); the
                // names inside it are bound where it is written.
                if let Some(target) = self.alias_of(path[1].id) {
                    self.collect_coercions(target, Some(name), depth + 1, out);
                }
            }
            TypeKind::Refined { base, cond } => {
                self.collect_coercions(base, alias, depth + 1, out);
                let type_name =
                    alias.map_or_else(|| "a refined type".to_string(), |a| format!("`{a}`"));
                out.push(Coercion::Refinement {
                    condition: (**cond).clone(),
                    type_name,
                });
            }
            TypeKind::Fallible { inner, .. } => {
                self.collect_coercions(inner, alias, depth + 1, out)
            }
            TypeKind::List(element) => {
                let mut values = Vec::new();
                self.collect_coercions(element, None, depth + 1, &mut values);
                out.extend(super::element_checks::ElementChecks::list(values));
            }
            TypeKind::Record(fields) => {
                let fields = fields
                    .iter()
                    .map(|(name, ty)| {
                        let mut coercions = Vec::new();
                        self.collect_coercions(ty, None, depth + 1, &mut coercions);
                        (name.name.clone(), coercions)
                    })
                    .collect();
                out.extend(super::element_checks::ElementChecks::record(fields));
            }
            TypeKind::Dict(key, value) => {
                let mut keys = Vec::new();
                self.collect_coercions(key, None, depth + 1, &mut keys);
                let mut values = Vec::new();
                self.collect_coercions(value, None, depth + 1, &mut values);
                out.extend(super::element_checks::ElementChecks::dict(keys, values));
            }
            _ => {}
        }
    }

    /// A store of `value` (`binary` for `op=`: then the stored value is
    /// the operator's result, which the checker did not type).
    pub(crate) fn coerce_store(
        &mut self,
        coercions: &[Coercion],
        binary: Option<Op>,
        value: &Expr,
        span: Span,
    ) {
        match binary {
            None => self.coerce_value(coercions, value, span),
            Some(_) => {
                self.check_compound_result(value, span);
                self.coerce(coercions, span)
            }
        }
    }

    /// Applies `coercions` to the value of `value`, just compiled and on
    /// top of the stack: as [`Codegen::coerce`], except that a container
    /// whose element types the checker proved needs no element checks.
    pub(crate) fn coerce_value(&mut self, coercions: &[Coercion], value: &Expr, span: Span) {
        if self.elements_proven(value) {
            let scalar: Vec<Coercion> = coercions
                .iter()
                .filter(|c| !c.is_element_check())
                .cloned()
                .collect();
            self.coerce(&scalar, span);
        } else {
            self.coerce(coercions, span);
        }
    }

    /// Applies `coercions` to the value on top of the stack (it stays there).
    pub(crate) fn coerce(&mut self, coercions: &[Coercion], span: Span) {
        for coercion in coercions {
            match coercion {
                Coercion::Float => {
                    self.emit(Op::Cast(CastKind::IntToFloat), span);
                }
                Coercion::Decimal(scale) => {
                    self.emit(Op::ToDecimal(*scale, true), span);
                }
                Coercion::IntRange(width) => {
                    self.emit(Op::CheckIntRange(width.code()), span);
                }
                Coercion::Refinement {
                    condition,
                    type_name,
                } => {
                    self.refinement_check(condition, type_name, span);
                }
                Coercion::Elements(checks) => {
                    self.check_elements(checks, span);
                }
            }
        }
    }

    /// `[v] -> [v]`, raising `RefinementFailed` unless `condition` holds
    /// with `value` bound to `v` (error values pass through).
    pub(crate) fn refinement_check(&mut self, condition: &Expr, type_name: &str, span: Span) {
        self.emit(Op::Dup, span);
        self.emit(Op::IsError, span);
        let skip = self.emit(Op::JumpIf(true, 0), span);
        self.begin_scope();
        // The resolve stage declares `value` by the condition's id.
        let slot = self.add_declared_local("value", Some(condition.id), false, true);
        self.emit(Op::Dup, span);
        self.emit(Op::SetLocal(slot), span);
        let fails = self.condition_jumps(condition);
        let holds = self.emit(Op::Jump(0), span);
        self.patch_jumps(fails);
        let before = self.str_constant("value ");
        self.emit(Op::Const(before), span);
        self.emit(Op::GetLocal(slot), span);
        let after = self.str_constant(&format!(" does not satisfy {type_name}"));
        self.emit(Op::Const(after), span);
        self.emit(Op::BuildString(3), span);
        let kind = self.str_constant("RefinementFailed");
        self.emit(Op::Trap(kind), span);
        self.patch_jump(holds);
        self.end_scope();
        self.patch_jump(skip);
    }

    /// What a value of static type `ty` (as the checker proved it) needs.
    /// A refinement is found again through the alias that names it.
    pub(crate) fn coercions_of_type(&self, ty: &crate::check::Type) -> Vec<Coercion> {
        use crate::check::Type;
        match ty {
            Type::Float => vec![Coercion::Float],
            Type::Decimal(scale) => vec![Coercion::Decimal(*scale)],
            Type::SizedInt(width) => vec![Coercion::IntRange(*width)],
            Type::Refined(base, refinement) => match self.refinement_alias(refinement.condition) {
                Some((name, alias)) => {
                    let mut out = Vec::new();
                    self.collect_coercions(alias, Some(name), 1, &mut out);
                    out
                }
                None => self.coercions_of_type(base),
            },
            Type::Fallible(inner, _) => self.coercions_of_type(inner),
            Type::List(element) => {
                super::element_checks::ElementChecks::list(self.coercions_of_type(element))
                    .into_iter()
                    .collect()
            }
            Type::Record(fields) => super::element_checks::ElementChecks::record(
                fields
                    .iter()
                    .map(|(name, ty)| (name.clone(), self.coercions_of_type(ty)))
                    .collect(),
            )
            .into_iter()
            .collect(),
            Type::Dict(key, value) => super::element_checks::ElementChecks::dict(
                self.coercions_of_type(key),
                self.coercions_of_type(value),
            )
            .into_iter()
            .collect(),
            _ => Vec::new(),
        }
    }

    /// What a value stored as an element of `container` needs: by the
    /// element (list) or value (dict) type the checker proved for it.
    pub(crate) fn element_coercions(&self, container: &Expr) -> Vec<Coercion> {
        use crate::check::Type;
        match self.types.type_of(container.id).map(Type::unrefined) {
            Some(Type::List(element)) => self.coercions_of_type(element),
            Some(Type::Dict(_, value)) => self.coercions_of_type(value),
            _ => Vec::new(),
        }
    }

    /// What the value of each field needs, by name, when the checker
    /// typed `container` as a record.
    pub(crate) fn record_field_coercions(
        &self,
        container: &Expr,
    ) -> Option<HashMap<String, Vec<Coercion>>> {
        use crate::check::Type;
        match self.types.type_of(container.id).map(Type::unrefined) {
            Some(Type::Record(fields)) => Some(
                fields
                    .iter()
                    .map(|(field, ty)| (field.clone(), self.coercions_of_type(ty)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// What the value of entry `key` of a dict or record needs: by the
    /// field's type when the checker typed `container` as a record and
    /// `key` names a field, else as any element of it.
    pub(crate) fn entry_coercions(&self, container: &Expr, key: &Expr) -> Vec<Coercion> {
        match (self.record_field_coercions(container), &key.kind) {
            (Some(mut fields), ExprKind::Str(name)) => fields.remove(name).unwrap_or_default(),
            _ => self.element_coercions(container),
        }
    }

    /// What each item of a tuple literal needs, by the tuple type the
    /// checker proved for it (`var t: (d2, int) = (3.5, 1)`).
    pub(crate) fn tuple_item_coercions(&self, tuple: &Expr, arity: usize) -> Vec<Vec<Coercion>> {
        use crate::check::Type;
        match self.types.type_of(tuple.id).map(Type::unrefined) {
            Some(Type::Tuple(items)) if items.len() == arity => {
                items.iter().map(|t| self.coercions_of_type(t)).collect()
            }
            _ => vec![Vec::new(); arity],
        }
    }

    /// Whether the frame of `object` is known at compile time (so a store
    /// into one of its fields converts inline, `field_coercions`).
    pub(crate) fn receiver_frame_known(&mut self, object: &Expr) -> bool {
        self.static_type(object)
            .or_else(|| self.checked_object_type(object))
            .is_some_and(|ty| !ty.is_trait)
    }

    /// What a value stored in field `field` of `object` needs, when the
    /// frame of `object` is known (annotations, `this`, the checker).
    pub(crate) fn field_coercions(&mut self, object: &Expr, field: &str) -> Vec<Coercion> {
        let Some(ty) = self
            .static_type(object)
            .or_else(|| self.checked_object_type(object))
        else {
            return Vec::new();
        };
        if ty.is_trait {
            return Vec::new();
        }
        let annotation = self
            .objects
            .frames
            .get(&ty.name)
            .and_then(|frame| frame.fields.iter().find(|f| f.name == field))
            .and_then(|f| f.ty.clone());
        annotation.map(|t| self.coercions(&t)).unwrap_or_default()
    }

    /// Remembers the coercions of an annotated local, for later assignments.
    pub(crate) fn note_local_coercions(&mut self, slot: u16, coercions: Vec<Coercion>) {
        let state: &mut FunctionState = self.current();
        if coercions.is_empty() {
            state.local_coercions.remove(&slot);
        } else {
            state.local_coercions.insert(slot, coercions);
        }
    }
}
