//! What a name use denotes, as the resolve stage bound it: the checker
//! keeps only the types of declarations (`env.rs`) and asks the bindings
//! (`resolve::Bindings`) which declaration each use means.

use super::env::Binding;
use super::Checker;
use crate::resolve::{Binding as Resolved, DeclId, DefKind};
use limit_syntax::ast::{Expr, ExprKind, Ident, NodeId};

impl<'a> Checker<'a> {
    /// The variable, parameter or function the name used at node `id`
    /// denotes, as checked so far; `None` for anything else (a member of
    /// `this`, a frame, an enum, a variant, a module, a built-in) and for
    /// a name nothing declares.
    pub(super) fn lookup_use(&self, id: NodeId) -> Option<&Binding> {
        let decl = match self.bindings.of(id)? {
            Resolved::Local(decl) | Resolved::Global(decl) | Resolved::Capture { decl, .. } => decl,
            Resolved::TopLevel {
                decl,
                kind: DefKind::Function | DefKind::Variable,
                ..
            } => decl,
            _ => return None,
        };
        self.env.get(self.bindings.variable_of(decl))
    }

    /// Whether the name used at node `id` is a bare field or static member
    /// of the frame whose method is being checked (LANGUAGE §7).
    pub(super) fn is_bare_member(&self, id: NodeId) -> bool {
        matches!(self.bindings.of(id), Some(Resolved::Member(_)))
    }

    /// Declares the variable, parameter or function `decl` with `binding`.
    pub(super) fn declare_decl(&mut self, decl: DeclId, binding: Binding) {
        let variable = self.bindings.variable_of(decl);
        self.env.declare(variable, binding);
    }

    /// The checker's entry for the variable declaration `decl` belongs to.
    pub(super) fn declared(&self, decl: DeclId) -> Option<&Binding> {
        self.env.get(self.bindings.variable_of(decl))
    }

    /// Gives the variable the name used at `id` denotes the narrower view
    /// `binding` until the current scope closes.
    pub(super) fn narrow_use(&mut self, id: NodeId, binding: Binding) {
        let decl = match self.bindings.of(id) {
            Some(
                Resolved::Local(decl)
                | Resolved::Global(decl)
                | Resolved::Capture { decl, .. }
                | Resolved::TopLevel { decl, .. },
            ) => decl,
            _ => return,
        };
        let variable = self.bindings.variable_of(decl);
        // A function that assigns the variable may run inside the
        // narrowed branch (any call may reach it), so the variable keeps
        // its declared type there; a use as `T` is then a compile error
        // that says why, rather than a wrong value at run time.
        if let Some(assignment) = self.bindings.assigned_by_nested_function(variable) {
            self.not_narrowed.insert(variable, assignment);
            return;
        }
        self.env.narrow(variable, binding);
    }

    /// Where a function assigns the variable the name used at node `id`
    /// names, when that kept an `if` from narrowing it.
    pub(super) fn not_narrowed_because(&self, id: NodeId) -> Option<limit_syntax::Span> {
        let decl = match self.bindings.of(id)? {
            Resolved::Local(decl) | Resolved::Global(decl) | Resolved::Capture { decl, .. } => decl,
            _ => return None,
        };
        self.not_narrowed
            .get(&self.bindings.variable_of(decl))
            .copied()
    }

    /// The frame, enum or variant the bare name `name`, used at node `id`,
    /// denotes as the resolve stage bound it (the module's own, or one its
    /// `show`/`hide` imports bind), when the checker knows that very
    /// declaration, with the name it knows it by (see
    /// `Declarations::key_for`).
    pub(super) fn object_use(&self, id: NodeId, name: &str) -> Option<ObjectUse> {
        let Some(Resolved::TopLevel { decl, kind, .. }) = self.bindings.of(id) else {
            return None;
        };
        let declarations = self.declarations;
        let key = || declarations.key_for(name, decl).map(str::to_string);
        match kind {
            DefKind::Frame => key()
                .filter(|key| declarations.frames.contains_key(key))
                .map(ObjectUse::Frame),
            DefKind::Enum | DefKind::Alias => key()
                .filter(|key| declarations.enums.contains_key(key))
                .map(ObjectUse::Enum),
            DefKind::Variant => declarations
                .enums
                .iter()
                .find(|(_, shape)| shape.variants.iter().any(|v| v.name.id == decl))
                .map(|(owner, _)| ObjectUse::Variant(owner.clone())),
            _ => None,
        }
    }

    /// What the member name of `ns.Name` denotes when `ns` is an imported
    /// module declaring `Name` (the resolve stage bound the member to that
    /// declaration) and the checker knows that very declaration: a frame
    /// or an enum, with the name the checker knows it by (`Name`, or
    /// `ns.Name` when this module knows another `Name`).
    pub(super) fn namespace_type(&self, name: &Ident) -> Option<(DefKind, String)> {
        let Some(Resolved::TopLevel { decl, .. }) = self.bindings.of(name.id) else {
            return None;
        };
        let declarations = self.declarations;
        let key = declarations.key_for(&name.name, decl)?;
        if declarations.frames.contains_key(key) {
            return Some((DefKind::Frame, key.to_string()));
        }
        (declarations.enums.contains_key(key)).then(|| (DefKind::Enum, key.to_string()))
    }

    /// The name the checker knows the frame, trait or enum that type name
    /// `name` (in an annotation or a pattern, bare or the last segment of
    /// `ns.Name`) denotes by, as the resolve stage bound it; else the
    /// name as written (a name the resolve stage did not bind).
    pub(super) fn type_key_of(&self, name: &Ident) -> String {
        if let Some(Resolved::TopLevel { decl, .. }) = self.bindings.of(name.id) {
            if let Some(key) = self.declarations.key_for(&name.name, decl) {
                return key.to_string();
            }
        }
        name.name.clone()
    }

    /// The exports of the module `receiver` names when it is a bare name
    /// the resolve stage bound to an imported module's namespace.
    pub(super) fn namespace_of(&self, receiver: &Expr) -> Option<&'a super::Exports> {
        let ExprKind::Ident(namespace) = &receiver.kind else {
            return None;
        };
        match self.bindings.of(receiver.id)? {
            Resolved::Namespace { .. } => self.namespace_exports(namespace),
            _ => None,
        }
    }
}

impl Checker<'_> {
    /// Whether `expr` names a `module` block (`block`, or `outer.inner`
    /// for a nested one), as the resolve stage bound it.
    pub(super) fn is_module_block(&self, expr: &Expr) -> bool {
        let id = match &expr.kind {
            ExprKind::Ident(_) => expr.id,
            ExprKind::Field(_, inner) => inner.id,
            _ => return false,
        };
        matches!(self.bindings.of(id), Some(Resolved::Block(_)))
    }

    /// The type of the function a `module` block's member `name` denotes
    /// (the resolve stage bound it), as checked so far.
    pub(super) fn block_function(&self, name: &Ident) -> Option<super::Type> {
        match self.bindings.of(name.id)? {
            Resolved::TopLevel {
                kind: DefKind::Function,
                ..
            } => self.lookup_use(name.id).map(|binding| binding.ty.clone()),
            _ => None,
        }
    }
}

/// A frame, enum or variant a bare name denotes (`Checker::object_use`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ObjectUse {
    /// A frame, by the name the checker knows it by.
    Frame(String),
    /// An enum, likewise.
    Enum(String),
    /// A variant of the enum of this name.
    Variant(String),
}
