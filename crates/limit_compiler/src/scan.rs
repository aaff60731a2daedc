//! Pre-passes over the AST that the code generator needs before it emits a
//! single instruction: which names nested functions mention (those locals
//! must live in cells), and which top-level variables functions use (those
//! become globals; the rest stay fast locals of the script).
//!
//! Both answers over-approximate by name: a shadowed name may make a variable
//! a cell or a global needlessly, which costs speed, never correctness.

use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};
use std::collections::HashSet;

/// Every identifier mentioned inside the functions nested in `stmts` (at any
/// depth), not counting the bodies' own top level.
pub fn names_used_in_nested_functions(stmts: &[Stmt]) -> HashSet<String> {
    let mut scan = NameScan::default();
    visit::walk_stmts(&mut scan, stmts);
    scan.names
}

/// Names mentioned inside a function body's nested functions, seen from
/// that function (its parameters' defaults included).
pub fn names_captured_in_function(decl: &FnDecl) -> HashSet<String> {
    let mut scan = NameScan::default();
    visit::walk_function(&mut scan, decl);
    scan.names
}

/// Collects the names that appear at function depth ≥ 1: identifiers and
/// every name a declaration, loop, pattern or handler binds there.
#[derive(Default)]
struct NameScan {
    depth: usize,
    names: HashSet<String>,
}

impl NameScan {
    fn note(&mut self, name: &str) {
        if self.depth > 0 {
            self.names.insert(name.to_string());
        }
    }

    /// Walks what `walk` visits one function level deeper (task and worker
    /// bodies and field defaults run as functions of their own).
    fn nested(&mut self, walk: impl FnOnce(&mut NameScan)) {
        self.depth += 1;
        walk(self);
        self.depth -= 1;
    }

    fn var_target(&mut self, target: &VarTarget) {
        match target {
            VarTarget::Name(name) => self.note(&name.name),
            VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
                for item in items {
                    self.var_target(item);
                }
            }
        }
    }
}

impl Visitor for NameScan {
    fn visit_function(&mut self, decl: &FnDecl) {
        self.nested(|scan| visit::walk_function(scan, decl));
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Var(decl) => self.var_target(&decl.target),
            StmtKind::Fn(FnDecl {
                name: Some(name), ..
            }) => self.note(&name.name),
            StmtKind::Frame(frame) => {
                for member in &frame.members {
                    match member {
                        Member::Field(field) => {
                            if let Some(default) = &field.default {
                                self.nested(|scan| scan.visit_expr(default));
                            }
                        }
                        Member::Method(method) => self.visit_function(method),
                    }
                }
                return;
            }
            StmtKind::Iter { bindings, .. } => {
                for binding in bindings {
                    self.note(&binding.name.name);
                }
            }
            StmtKind::Concurrency(block) => {
                for arg in &block.params {
                    self.visit_expr(&arg.value);
                }
                for inner in &block.body.stmts {
                    match &inner.kind {
                        // A parallel block's `iter` runs each value as a task.
                        StmtKind::Iter { .. } if block.kind == ConcurrencyKind::Parallel => {
                            self.nested(|scan| scan.visit_stmt(inner));
                        }
                        _ => self.visit_stmt(inner),
                    }
                }
                return;
            }
            // A task or worker body runs as its own function.
            StmtKind::Task { .. } | StmtKind::Worker { .. } => {
                self.nested(|scan| visit::walk_stmt(scan, stmt));
                return;
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Ident(name) => self.note(name),
            // Methods keep their instance in a local of this name.
            ExprKind::This => self.note(" this"),
            ExprKind::Else {
                binding: Some(binding),
                ..
            } => self.note(&binding.name),
            _ => {}
        }
        visit::walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Name(name) => self.note(&name.name),
            PatternKind::List {
                rest: Some(Some(name)),
                ..
            }
            | PatternKind::Record {
                rest: Some(Some(name)),
                ..
            } => self.note(&name.name),
            _ => {}
        }
        if let PatternKind::Record { fields, .. } | PatternKind::Frame { fields, .. } =
            &pattern.kind
        {
            for field in fields.iter().filter(|f| f.pattern.is_none()) {
                self.note(&field.name.name);
            }
        }
        visit::walk_pattern(self, pattern);
    }
}
