//! Pre-passes over the AST that the code generator needs before it emits a
//! single instruction: which names nested functions mention (those locals
//! must live in cells), and which top-level variables functions use (those
//! become globals; the rest stay fast locals of the script).
//!
//! Both answers over-approximate by name: a shadowed name may make a variable
//! a cell or a global needlessly, which costs speed, never correctness.

use limit_syntax::ast::*;
use std::collections::HashSet;

/// Every identifier mentioned inside the functions nested in `stmts` (at any
/// depth), not counting the bodies' own top level.
pub fn names_used_in_nested_functions(stmts: &[Stmt]) -> HashSet<String> {
    let mut scan = NameScan {
        depth: 0,
        names: HashSet::new(),
    };
    for stmt in stmts {
        scan.stmt(stmt);
    }
    scan.names
}

/// Names mentioned inside a function body's nested functions, seen from
/// that function (its parameters' defaults included).
pub fn names_captured_in_function(decl: &FnDecl) -> HashSet<String> {
    let mut scan = NameScan {
        depth: 0,
        names: HashSet::new(),
    };
    for param in &decl.params {
        if let Some(default) = &param.default {
            scan.expr(default);
        }
    }
    if let Some(body) = &decl.body {
        for stmt in &body.stmts {
            scan.stmt(stmt);
        }
    }
    scan.names
}

/// Collects identifiers that appear at function depth ≥ 1.
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

    fn function(&mut self, decl: &FnDecl) {
        self.depth += 1;
        for param in &decl.params {
            if let Some(default) = &param.default {
                self.expr(default);
            }
        }
        if let Some(body) = &decl.body {
            self.block(body);
        }
        self.depth -= 1;
    }

    fn block(&mut self, block: &Block) {
        for stmt in &block.stmts {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Var(decl) => {
                self.var_target(&decl.target);
                if let Some(init) = &decl.init {
                    self.expr(init);
                }
            }
            StmtKind::Fn(decl) => {
                if let Some(name) = &decl.name {
                    self.note(&name.name);
                }
                self.function(decl);
            }
            StmtKind::Frame(frame) => {
                for member in &frame.members {
                    match member {
                        Member::Field(field) => {
                            if let Some(default) = &field.default {
                                self.depth += 1;
                                self.expr(default);
                                self.depth -= 1;
                            }
                        }
                        Member::Method(method) => self.function(method),
                    }
                }
            }
            StmtKind::Trait(decl) => {
                for method in &decl.methods {
                    self.function(method);
                }
            }
            StmtKind::Enum(_) | StmtKind::TypeAlias(_) | StmtKind::Import(_) => {}
            StmtKind::ModuleBlock(block) => {
                for stmt in &block.stmts {
                    self.stmt(stmt);
                }
            }
            StmtKind::Expr { expr, .. } => self.expr(expr),
            StmtKind::Assign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            StmtKind::Block(block) => self.block(block),
            StmtKind::If {
                branches,
                else_branch,
            } => {
                for (cond, body) in branches {
                    self.expr(cond);
                    self.block(body);
                }
                if let Some(body) = else_branch {
                    self.block(body);
                }
            }
            StmtKind::While { cond, body } => {
                self.expr(cond);
                self.block(body);
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                if let Some(init) = init {
                    self.stmt(init);
                }
                if let Some(cond) = cond {
                    self.expr(cond);
                }
                if let Some(step) = step {
                    self.stmt(step);
                }
                self.block(body);
            }
            StmtKind::Iter {
                bindings,
                iterable,
                body,
            } => {
                for binding in bindings {
                    self.note(&binding.name.name);
                }
                self.expr(iterable);
                self.block(body);
            }
            StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Return(value) => {
                if let Some(value) = value {
                    self.expr(value);
                }
            }
            StmtKind::Concurrency(block) => {
                for arg in &block.params {
                    self.expr(&arg.value);
                }
                for stmt in &block.body.stmts {
                    match &stmt.kind {
                        // A parallel block's `iter` runs each value as a task.
                        StmtKind::Iter {
                            bindings,
                            iterable,
                            body,
                        } if block.kind == ConcurrencyKind::Parallel => {
                            self.depth += 1;
                            for binding in bindings {
                                self.note(&binding.name.name);
                            }
                            self.expr(iterable);
                            self.block(body);
                            self.depth -= 1;
                        }
                        _ => self.stmt(stmt),
                    }
                }
            }
            StmtKind::Task { binding, body } => {
                // A task body runs as its own function.
                self.depth += 1;
                if let Some((_, range)) = binding {
                    self.expr(range);
                }
                self.block(body);
                self.depth -= 1;
            }
            StmtKind::Worker { source, body, .. } => {
                self.depth += 1;
                if let Some(source) = source {
                    self.expr(source);
                }
                self.block(body);
                self.depth -= 1;
            }
            StmtKind::Attempt { body, handlers } => {
                self.block(body);
                for handler in handlers {
                    self.block(&handler.body);
                }
            }
        }
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

    fn expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Nil
            | ExprKind::This
            | ExprKind::Super => {}
            ExprKind::Ident(name) => self.note(name),
            ExprKind::Interp(parts) => {
                for part in parts {
                    if let InterpPart::Expr(e) = part {
                        self.expr(e);
                    }
                }
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for item in items {
                    self.expr(item);
                }
            }
            ExprKind::Dict { entries, .. } => {
                for (key, value) in entries {
                    self.expr(key);
                    self.expr(value);
                }
            }
            ExprKind::Unary(_, e)
            | ExprKind::Field(e, _)
            | ExprKind::TupleField(e, _)
            | ExprKind::Propagate(e)
            | ExprKind::Cast(e, _)
            | ExprKind::Await(e) => self.expr(e),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Ternary(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            ExprKind::Range {
                start, end, step, ..
            } => {
                self.expr(start);
                self.expr(end);
                if let Some(step) = step {
                    self.expr(step);
                }
            }
            ExprKind::Call { callee, args } => {
                self.expr(callee);
                for arg in args {
                    self.expr(&arg.value);
                }
            }
            ExprKind::Else {
                expr,
                binding,
                handler,
            } => {
                self.expr(expr);
                if let Some(binding) = binding {
                    self.note(&binding.name);
                }
                self.block(handler);
            }
            ExprKind::Match(m) => {
                self.expr(&m.scrutinee);
                for arm in &m.arms {
                    self.pattern(&arm.pattern);
                    if let Some(guard) = &arm.guard {
                        self.expr(guard);
                    }
                    match &arm.body {
                        ArmBody::Block(block) => self.block(block),
                        ArmBody::Expr(e) => self.expr(e),
                    }
                }
            }
            ExprKind::Lambda(decl) => self.function(decl),
        }
    }

    fn pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Wildcard => {}
            PatternKind::Literal(e) => self.expr(e),
            PatternKind::Range { start, end, .. } => {
                self.expr(start);
                self.expr(end);
            }
            PatternKind::Name(name) => self.note(&name.name),
            PatternKind::Variant { args, .. } => {
                for arg in args.iter().flatten() {
                    self.pattern(arg);
                }
            }
            PatternKind::Ok(p) | PatternKind::Err(p) => self.pattern(p),
            PatternKind::Or(items) | PatternKind::Tuple(items) => {
                for item in items {
                    self.pattern(item);
                }
            }
            PatternKind::List { items, rest } => {
                for item in items {
                    self.pattern(item);
                }
                if let Some(Some(name)) = rest {
                    self.note(&name.name);
                }
            }
            PatternKind::Record { fields, rest } => {
                self.field_patterns(fields);
                if let Some(Some(name)) = rest {
                    self.note(&name.name);
                }
            }
            PatternKind::Frame { fields, .. } => self.field_patterns(fields),
        }
    }

    fn field_patterns(&mut self, fields: &[FieldPattern]) {
        for field in fields {
            match &field.pattern {
                Some(p) => self.pattern(p),
                None => self.note(&field.name.name),
            }
        }
    }
}
