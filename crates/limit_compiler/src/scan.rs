//! Pre-passes over the AST that the code generator needs before it emits a
//! single instruction: which names nested functions mention (those locals
//! must live in cells), and which top-level variables functions use (those
//! become globals; the rest stay fast locals of the script).
//!
//! Both answers over-approximate by name: a shadowed name may make a variable
//! a cell or a global needlessly, which costs speed, never correctness.

use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};
use rustc_hash::FxHashSet;

/// A set of names (cheap to hash: the compiler builds many).
pub type NameSet = FxHashSet<String>;

/// Every identifier mentioned inside the functions nested in `stmts` (at any
/// depth), not counting the bodies' own top level.
pub fn names_used_in_nested_functions(stmts: &[Stmt]) -> NameSet {
    let mut scan = NameScan::default();
    visit::walk_stmts(&mut scan, stmts);
    scan.names
}

/// Names mentioned inside a function body's nested functions, seen from
/// that function (its parameters' defaults included).
pub fn names_captured_in_function(decl: &FnDecl) -> NameSet {
    let mut scan = NameScan::default();
    visit::walk_function(&mut scan, decl);
    scan.names
}

/// The names among `captured` that nested functions may copy instead of
/// sharing through a cell: those no assignment anywhere in the function
/// (nested functions included) targets. Such a variable holds the same
/// value from its declaration on, so a copy taken when a closure is made
/// cannot be told from a shared cell, and it costs no cell.
///
/// Nothing is copied when the function declares local functions or frames
/// (they are hoisted: they may capture a variable before its declaration
/// has run) or a parameter default makes a closure (it may capture a later
/// parameter before that one is set). `script` marks the script's body,
/// whose top-level functions and frames are global and capture nothing.
pub fn names_captured_by_value(
    captured: &NameSet,
    params: &[Param],
    body: &[Stmt],
    script: bool,
) -> NameSet {
    if captured.is_empty() {
        return NameSet::default();
    }
    let mut scan = AssignScan::default();
    for default in params.iter().filter_map(|p| p.default.as_ref()) {
        scan.visit_expr(default);
    }
    if scan.functions > 0 {
        return NameSet::default();
    }
    for stmt in body {
        if script {
            scan.top_level(stmt);
        } else {
            scan.visit_stmt(stmt);
        }
    }
    if scan.hoists {
        return NameSet::default();
    }
    captured
        .iter()
        .filter(|name| !scan.assigned.contains(*name))
        .cloned()
        .collect()
}

/// Collects every name an assignment targets, at any depth, and notes
/// nested functions and hoisted declarations.
#[derive(Default)]
struct AssignScan {
    depth: usize,
    /// Nested functions seen.
    functions: usize,
    /// A local function or frame is declared at depth 0.
    hoists: bool,
    assigned: NameSet,
}

impl AssignScan {
    /// A statement of the script's top level, where functions and frames
    /// are global declarations rather than hoisted closures.
    fn top_level(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Fn(_) | StmtKind::Frame(_) => visit::walk_stmt(self, stmt),
            StmtKind::ModuleBlock(block) => {
                for inner in &block.stmts {
                    self.top_level(inner);
                }
            }
            _ => self.visit_stmt(stmt),
        }
    }
}

impl Visitor for AssignScan {
    fn visit_function(&mut self, decl: &FnDecl) {
        self.functions += 1;
        self.depth += 1;
        visit::walk_function(self, decl);
        self.depth -= 1;
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Assign { target, .. } => {
                if let ExprKind::Ident(name) = &target.kind {
                    if !self.assigned.contains(name) {
                        self.assigned.insert(name.clone());
                    }
                }
            }
            StmtKind::Fn(FnDecl { name: Some(_), .. }) | StmtKind::Frame(_) if self.depth == 0 => {
                self.hoists = true;
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }
}

/// Collects the names that appear at function depth ≥ 1: identifiers and
/// every name a declaration, loop, pattern or handler binds there.
#[derive(Default)]
struct NameScan {
    depth: usize,
    names: NameSet,
}

impl NameScan {
    fn note(&mut self, name: &str) {
        if self.depth > 0 && !self.names.contains(name) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use limit_syntax::parse_source;

    /// `names_captured_by_value` for the first function of `text`, sorted.
    fn by_value(text: &str) -> Vec<String> {
        let (module, diagnostics) = parse_source(text, 0);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let Some(StmtKind::Fn(decl)) = module.stmts.first().map(|s| &s.kind) else {
            panic!("not a function: {text}");
        };
        let captured = names_captured_in_function(decl);
        let body = decl.body.as_ref().map_or(&[][..], |b| &b.stmts[..]);
        let mut names: Vec<String> = names_captured_by_value(&captured, &decl.params, body, false)
            .into_iter()
            .collect();
        names.sort();
        names
    }

    #[test]
    fn captured_names_nothing_assigns_are_copied() {
        let text = "fn f(k: int) { var a = 1; var g = fn(): int { return a + k; }; }";
        assert_eq!(by_value(text), ["a", "k"]);
    }

    #[test]
    fn an_assignment_anywhere_keeps_a_name_shared() {
        let after = "fn f() { var a = 1; var b = 2; var g = fn(): int { return a + b; }; a = 3; }";
        assert_eq!(by_value(after), ["b"]);
        let inside = "fn f() { var a = 1; var g = fn() { a = a + 1; }; }";
        assert!(by_value(inside).is_empty());
        let nested = "fn f() { var a = 1; var g = fn() { var h = fn() { a = 2; }; }; }";
        assert!(!by_value(nested).contains(&"a".to_string()));
    }

    #[test]
    fn hoisted_functions_and_closures_in_defaults_copy_nothing() {
        let hoisted = "fn f() { var a = 1; fn g(): int { return a; } }";
        assert!(by_value(hoisted).is_empty());
        let default = "fn f(a: int, g: fn(): int = fn(): int { return a; }) { var h = fn(): int { return a; }; }";
        assert!(by_value(default).is_empty());
    }
}
