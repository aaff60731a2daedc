//! Which functions and methods mutate something in place: their receiver,
//! an argument, or an outer variable (reference.md §9 Decision).
//!
//! A `parallel` task runs on another thread with copies of what it reads,
//! so a write into a captured instance or collection would be lost. The
//! direct forms (`xs.push(x)`, `obj.field = v`) are rejected where the task
//! writes them; this summary lets the same rule see through calls:
//! `acc.bump()` where `bump` does `this.n += 1`, or `add(x)` where `add`
//! pushes onto a top-level list. Effects are transitive: a method that
//! calls a mutating method on `this` mutates `this`, a function that
//! passes its parameter to a mutating function mutates that parameter.
//!
//! Names are what the resolve stage bound them to: a parameter, a local,
//! a field of `this`, a top-level variable or a top-level function is
//! told by its declaration, so a local named like a parameter or a
//! top-level variable is that local.

use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};
use rustc_hash::{FxHashMap, FxHashSet};

use super::objects::object_key;
use super::Codegen;
use crate::resolve::{Binding, DeclId, DefKind};

/// Built-in methods that change their receiver in place.
pub(crate) const MUTATING_METHODS: &[&str] = &[
    "push", "append", "pop", "insert", "remove", "clear", "sort", "reverse", "set", "extend",
    "merge",
];

/// What one function or method mutates in place.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Effects {
    /// Its receiver (methods: `this.x = …`, a bare field, `this.xs.push`).
    pub this: bool,
    /// Per parameter: mutated in place.
    pub params: Vec<bool>,
    /// An outer (top-level) variable it assigns or mutates: its name,
    /// for messages.
    pub outer: Option<String>,
}

/// The effects of a module's top-level functions and frame methods.
#[derive(Clone, Debug, Default)]
pub(crate) struct Mutations {
    /// By the function's declaring name's id (what a call's callee is
    /// bound to).
    pub functions: FxHashMap<DeclId, Effects>,
    /// By frame key and method name (the frame that declares the body).
    pub methods: FxHashMap<(String, String), Effects>,
}

/// A body to summarise.
struct Body<'a> {
    decl: &'a FnDecl,
    /// The declaring frame's key, for methods.
    frame: Option<String>,
    name: Ident,
}

impl Codegen<'_> {
    /// Summarises the functions and methods of a module's top-level
    /// statements (after its frames are declared).
    pub(crate) fn summarise_mutations(&mut self, stmts: &[Stmt]) {
        let mut bodies = Vec::new();
        let mut outer_vars = FxHashSet::default();
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Fn(decl) => {
                    if let Some(name) = &decl.name {
                        bodies.push(Body {
                            decl,
                            frame: None,
                            name: name.clone(),
                        });
                    }
                }
                StmtKind::Frame(frame) => {
                    let key = object_key(self.current_module, &frame.name.name);
                    for member in &frame.members {
                        if let Member::Method(decl) = member {
                            if let Some(name) = &decl.name {
                                bodies.push(Body {
                                    decl,
                                    frame: Some(key.clone()),
                                    name: name.clone(),
                                });
                            }
                        }
                    }
                }
                // An `atomic` variable is one shared cell that every
                // thread writes through (§9): not state a task would lose.
                StmtKind::Var(decl) if !decl.ty.as_ref().is_some_and(super::is_atomic_type) => {
                    let mut names = Vec::new();
                    crate::resolve::target_idents(&decl.target, &mut names);
                    outer_vars.extend(names.iter().map(|name| name.id));
                }
                _ => {}
            }
        }
        let mut summary = Mutations::default();
        // The least fixed point: effects only grow, each round at least one.
        for _ in 0..=bodies.len() {
            let mut changed = false;
            for body in &bodies {
                let effects = self.body_effects(body, &summary, &outer_vars);
                let slot = match &body.frame {
                    Some(frame) => summary
                        .methods
                        .entry((frame.clone(), body.name.name.clone()))
                        .or_default(),
                    None => summary.functions.entry(body.name.id).or_default(),
                };
                if *slot != effects {
                    *slot = effects;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.mutations = summary;
    }

    fn body_effects(
        &self,
        body: &Body<'_>,
        summary: &Mutations,
        outer_vars: &FxHashSet<DeclId>,
    ) -> Effects {
        let decl = body.decl;
        let param_frames = decl
            .params
            .iter()
            .map(|p| self.annotated_frame(p.ty.as_ref()))
            .collect();
        let mut scan = BodyScan {
            codegen: self,
            summary,
            outer_vars,
            is_method: body.frame.is_some(),
            frame: body.frame.clone(),
            params: decl.params.iter().map(|p| p.name.id).collect(),
            param_frames,
            effects: Effects {
                params: vec![false; decl.params.len()],
                ..Effects::default()
            },
        };
        if let Some(block) = &decl.body {
            scan.visit_block(block);
        }
        scan.effects
    }

    /// The frame key an annotation names, if it names one.
    fn annotated_frame(&self, ty: Option<&TypeExpr>) -> Option<String> {
        let TypeKind::Named(path) = &ty?.kind else {
            return None;
        };
        match path.as_slice() {
            [name] => self.object_of(name.id, super::objects::ObjectKind::Frame),
            _ => None,
        }
    }

    /// The effects of calling method `method` on a receiver of frame
    /// `frame` (a key): its own or inherited body, and every override in a
    /// subframe (the call dispatches on the instance).
    pub(crate) fn method_effects(
        &self,
        summary: &Mutations,
        frame: &str,
        method: &str,
    ) -> Option<Effects> {
        let mut found: Option<Effects> = None;
        for (key, info) in &self.objects.frames {
            if !self.frame_is_a(key, frame) {
                continue;
            }
            let Some(slot) = info.method_slot(method) else {
                continue;
            };
            let owner = &info.vtable[slot].owner;
            if let Some(e) = summary.methods.get(&(owner.clone(), method.to_string())) {
                let merged = found.get_or_insert_with(Effects::default);
                merged.this |= e.this;
                if merged.params.len() < e.params.len() {
                    merged.params.resize(e.params.len(), false);
                }
                for (i, p) in e.params.iter().enumerate() {
                    merged.params[i] |= p;
                }
                if merged.outer.is_none() {
                    merged.outer.clone_from(&e.outer);
                }
            }
        }
        found
    }
}

/// What a mutated expression is rooted in.
enum Root {
    This,
    Param(usize),
    Outer(String),
    Local,
}

struct BodyScan<'a, 'c> {
    codegen: &'a Codegen<'c>,
    summary: &'a Mutations,
    /// The module's top-level variables (not `atomic`), by declaration.
    outer_vars: &'a FxHashSet<DeclId>,
    is_method: bool,
    frame: Option<String>,
    /// The parameters' declarations, in order.
    params: Vec<DeclId>,
    param_frames: Vec<Option<String>>,
    effects: Effects,
}

impl BodyScan<'_, '_> {
    fn root(&self, expr: &Expr) -> Root {
        match &expr.kind {
            ExprKind::This => Root::This,
            ExprKind::Ident(name) => self.name_root(expr.id, name),
            ExprKind::Field(object, _) | ExprKind::Index(object, _) => self.root(object),
            _ => Root::Local,
        }
    }

    /// What the name used at node `id` is rooted in, by its binding.
    fn name_root(&self, id: NodeId, name: &str) -> Root {
        match self.codegen.bindings.of(id) {
            // (A task body in the function captures its parameters.)
            Some(Binding::Local(decl) | Binding::Capture { decl, .. }) => {
                match self.param_index(decl) {
                    Some(i) => Root::Param(i),
                    None => Root::Local,
                }
            }
            // A bare field is `this.name` (a static is shared state, not
            // the receiver's).
            Some(Binding::Member(decl))
                if self.is_method && !self.codegen.objects.static_members.contains(&decl) =>
            {
                Root::This
            }
            Some(Binding::Global(decl))
                if self
                    .outer_vars
                    .contains(&self.codegen.bindings.variable_of(decl)) =>
            {
                Root::Outer(name.to_string())
            }
            _ => Root::Local,
        }
    }

    fn param_index(&self, decl: DeclId) -> Option<usize> {
        self.params.iter().position(|&param| param == decl)
    }

    fn mark(&mut self, root: Root) {
        match root {
            Root::This => self.effects.this = true,
            Root::Param(i) => self.effects.params[i] = true,
            Root::Outer(name) => {
                if self.effects.outer.is_none() {
                    self.effects.outer = Some(name);
                }
            }
            Root::Local => {}
        }
    }

    /// The frame of a receiver, when this body can tell.
    fn receiver_frame(&self, object: &Expr) -> Option<String> {
        match &object.kind {
            ExprKind::This => self.frame.clone(),
            ExprKind::Ident(_) => match self.codegen.bindings.of(object.id)? {
                Binding::Local(decl) | Binding::Capture { decl, .. } => {
                    self.param_frames[self.param_index(decl)?].clone()
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn apply_call(&mut self, effects: &Effects, args: &[Arg]) {
        for (i, arg) in args.iter().enumerate() {
            if arg.name.is_none() && effects.params.get(i).copied().unwrap_or(false) {
                let root = self.root(&arg.value);
                self.mark(root);
            }
        }
        if let Some(name) = &effects.outer {
            if self.effects.outer.is_none() {
                self.effects.outer = Some(name.clone());
            }
        }
    }
}

impl Visitor for BodyScan<'_, '_> {
    /// Nested functions run when called; their writes are their own.
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        if let StmtKind::Assign { target, value, .. } = &stmt.kind {
            match &target.kind {
                ExprKind::Ident(name) => {
                    // A bare field is `this.name`; a top-level variable
                    // assigned from a function is outer state.
                    if let root @ (Root::This | Root::Outer(_)) = self.name_root(target.id, name) {
                        self.mark(root);
                    }
                }
                ExprKind::Field(object, _) => {
                    let root = self.root(object);
                    self.mark(root);
                    self.visit_expr(object);
                }
                ExprKind::Index(object, index) => {
                    let root = self.root(object);
                    self.mark(root);
                    self.visit_expr(object);
                    self.visit_expr(index);
                }
                _ => self.visit_expr(target),
            }
            self.visit_expr(value);
            return;
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if let ExprKind::Call { callee, args } = &expr.kind {
            match &callee.kind {
                ExprKind::Field(object, method) => {
                    if MUTATING_METHODS.contains(&method.name.as_str()) {
                        let root = self.root(object);
                        self.mark(root);
                    }
                    if let Some(frame) = self.receiver_frame(object) {
                        if let Some(effects) =
                            self.codegen
                                .method_effects(self.summary, &frame, &method.name)
                        {
                            if effects.this {
                                let root = self.root(object);
                                self.mark(root);
                            }
                            self.apply_call(&effects, args);
                        }
                    }
                }
                ExprKind::Ident(_) => {
                    if let Some(Binding::TopLevel {
                        decl,
                        kind: DefKind::Function,
                        ..
                    }) = self.codegen.bindings.of(callee.id)
                    {
                        if let Some(effects) = self.summary.functions.get(&decl).cloned() {
                            self.apply_call(&effects, args);
                        }
                    }
                }
                _ => {}
            }
        }
        visit::walk_expr(self, expr);
    }
}
