//! Type names in the walk: every name written where a type is expected
//! (annotations, casts, fields, payloads, aliases, frame and trait
//! headers) or tested by a pattern is bound to the frame, trait, enum,
//! alias or variant it denotes. Locals do not shadow types; built-in type
//! names are not bound. A refinement's condition is walked as a body of
//! its own declaring `value`.

use super::{Binding, DefKind, Walk};
use limit_syntax::ast::*;
use limit_syntax::visit::Visitor;

impl Walk<'_> {
    /// A written type: each type name in it is bound to the frame, trait,
    /// enum or alias it denotes (`type_path`).
    pub(super) fn type_expr(&mut self, ty: &TypeExpr) {
        let mut pending = vec![ty];
        while let Some(ty) = pending.pop() {
            match &ty.kind {
                TypeKind::Named(path) => self.type_path(path),
                TypeKind::List(inner) | TypeKind::Fallible { inner, .. } => pending.push(inner),
                TypeKind::Refined { base, cond } => {
                    pending.push(base);
                    self.refinement(cond);
                }
                TypeKind::Dict(key, value) => pending.extend([&**key, &**value]),
                TypeKind::Tuple(items) | TypeKind::Union(items) => pending.extend(items),
                TypeKind::Function { params, ret } => {
                    pending.extend(params);
                    pending.extend(ret.as_deref());
                }
                TypeKind::Record(fields) => pending.extend(fields.iter().map(|(_, ty)| ty)),
                TypeKind::Tagged(variants) => {
                    pending.extend(variants.iter().flat_map(|v| &v.payload));
                }
            }
        }
    }

    /// A refinement's condition: code of its own (the code generator
    /// compiles it wherever a value enters the type), in which `value`
    /// is a local declared by the condition's id.
    fn refinement(&mut self, cond: &Expr) {
        self.body(|walk| {
            walk.declare_as("value", cond.id, cond.span);
            walk.visit_expr(cond);
        });
    }

    /// A type named by `path`: `Name` (the module's own frame, trait, enum
    /// or alias, or one its `show`/`hide` imports bind; locals do not
    /// shadow types) or `ns.Name` (a member of the module imported as
    /// `ns`). Built-in type names are not bound.
    pub(super) fn type_path(&mut self, path: &[Ident]) {
        match path {
            [name] => {
                if let Some(binding) = self.type_binding(&name.name) {
                    self.out.uses.insert(name.id, binding);
                }
            }
            [namespace, name] => {
                if let Some(binding @ Binding::Namespace { .. }) =
                    self.env.imports.get(&namespace.name).copied()
                {
                    self.out.uses.insert(namespace.id, binding);
                    self.namespace_member(namespace.id, name);
                }
            }
            _ => {}
        }
    }

    /// The frame, trait, enum or alias the bare name `name` denotes.
    pub(super) fn type_binding(&self, name: &str) -> Option<Binding> {
        let is_type = |kind: DefKind| {
            matches!(
                kind,
                DefKind::Frame | DefKind::Trait | DefKind::Enum | DefKind::Alias
            )
        };
        if let Some(top) = self.env.own.names.get(name).filter(|top| is_type(top.kind)) {
            return Some(Binding::TopLevel {
                file: self.file,
                decl: top.decl,
                kind: top.kind,
            });
        }
        match self.env.imports.get(name) {
            Some(binding @ Binding::TopLevel { kind, .. }) if is_type(*kind) => Some(*binding),
            _ => None,
        }
    }

    /// The variant the bare name `name` denotes: one of the module's own
    /// enums' (when only one declares it), else of an enum its imports
    /// bind (likewise).
    pub(super) fn variant_binding(&self, name: &str) -> Option<Binding> {
        if self.env.own.ambiguous_variants.contains(name) {
            return None;
        }
        if let Some(&decl) = self.env.own.variants.get(name) {
            return Some(Binding::TopLevel {
                file: self.file,
                decl,
                kind: DefKind::Variant,
            });
        }
        self.env.imported_variants.get(name).copied().flatten()
    }

    /// A parent named in a frame's or trait's header.
    pub(super) fn super_name(&mut self, parent: &SuperName) {
        match &parent.module {
            Some(namespace) => self.type_path(&[namespace.clone(), parent.ident.clone()]),
            None => self.type_path(std::slice::from_ref(&parent.ident)),
        }
    }
}
