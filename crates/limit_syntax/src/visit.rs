//! Walking the AST. A [`Visitor`] overrides the hooks it cares about and
//! calls the matching `walk_*` function to continue into the children, so
//! every analysis over the tree shares one traversal.
//!
//! The walk visits statements, expressions, patterns and function
//! declarations (parameters' defaults, then the body). It does not descend
//! into type expressions: refinement conditions are checked where a value
//! enters the type, not where the type is written.

use crate::ast::*;

/// Hooks called while walking the tree; each default continues the walk.
pub trait Visitor {
    fn visit_stmt(&mut self, stmt: &Stmt) {
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &Pattern) {
        walk_pattern(self, pattern);
    }

    /// Named functions, methods and function literals.
    fn visit_function(&mut self, decl: &FnDecl) {
        walk_function(self, decl);
    }

    fn visit_block(&mut self, block: &Block) {
        walk_block(self, block);
    }
}

/// Visits every statement of `stmts`.
pub fn walk_stmts<V: Visitor + ?Sized>(visitor: &mut V, stmts: &[Stmt]) {
    for stmt in stmts {
        visitor.visit_stmt(stmt);
    }
}

pub fn walk_block<V: Visitor + ?Sized>(visitor: &mut V, block: &Block) {
    walk_stmts(visitor, &block.stmts);
}

pub fn walk_function<V: Visitor + ?Sized>(visitor: &mut V, decl: &FnDecl) {
    for param in &decl.params {
        if let Some(default) = &param.default {
            visitor.visit_expr(default);
        }
    }
    if let Some(body) = &decl.body {
        visitor.visit_block(body);
    }
}

/// The children of `stmt`, in source order.
pub fn walk_stmt<V: Visitor + ?Sized>(visitor: &mut V, stmt: &Stmt) {
    match &stmt.kind {
        StmtKind::Var(decl) => {
            if let Some(init) = &decl.init {
                visitor.visit_expr(init);
            }
        }
        StmtKind::Fn(decl) => visitor.visit_function(decl),
        StmtKind::Frame(frame) => {
            for member in &frame.members {
                match member {
                    Member::Field(field) => {
                        if let Some(default) = &field.default {
                            visitor.visit_expr(default);
                        }
                    }
                    Member::Method(method) => visitor.visit_function(method),
                }
            }
        }
        StmtKind::Trait(decl) => {
            for method in &decl.methods {
                visitor.visit_function(method);
            }
        }
        StmtKind::Enum(_) | StmtKind::TypeAlias(_) | StmtKind::Import(_) => {}
        StmtKind::ModuleBlock(block) => walk_stmts(visitor, &block.stmts),
        StmtKind::Expr { expr, .. } => visitor.visit_expr(expr),
        StmtKind::Assign { target, value, .. } => {
            visitor.visit_expr(target);
            visitor.visit_expr(value);
        }
        StmtKind::Block(block) => visitor.visit_block(block),
        StmtKind::If {
            branches,
            else_branch,
        } => {
            for (cond, body) in branches {
                visitor.visit_expr(cond);
                visitor.visit_block(body);
            }
            if let Some(body) = else_branch {
                visitor.visit_block(body);
            }
        }
        StmtKind::While { cond, body } => {
            visitor.visit_expr(cond);
            visitor.visit_block(body);
        }
        StmtKind::For {
            init,
            cond,
            step,
            body,
        } => {
            if let Some(init) = init {
                visitor.visit_stmt(init);
            }
            if let Some(cond) = cond {
                visitor.visit_expr(cond);
            }
            if let Some(step) = step {
                visitor.visit_stmt(step);
            }
            visitor.visit_block(body);
        }
        StmtKind::Iter { iterable, body, .. } => {
            visitor.visit_expr(iterable);
            visitor.visit_block(body);
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Return(None) => {}
        StmtKind::Return(Some(value)) => visitor.visit_expr(value),
        StmtKind::Concurrency(block) => {
            for arg in &block.params {
                visitor.visit_expr(&arg.value);
            }
            visitor.visit_block(&block.body);
        }
        StmtKind::Task { binding, body } => {
            if let Some((_, range)) = binding.as_deref() {
                visitor.visit_expr(range);
            }
            visitor.visit_block(body);
        }
        StmtKind::Worker { source, body, .. } => {
            if let Some(source) = source {
                visitor.visit_expr(source);
            }
            visitor.visit_block(body);
        }
        StmtKind::Attempt { body, handlers } => {
            visitor.visit_block(body);
            for handler in handlers {
                visitor.visit_block(&handler.body);
            }
        }
    }
}

/// The children of `expr`, in evaluation order.
pub fn walk_expr<V: Visitor + ?Sized>(visitor: &mut V, expr: &Expr) {
    match &expr.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Duration(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::Nil
        | ExprKind::Ident(_)
        | ExprKind::This
        | ExprKind::Super => {}
        ExprKind::Interp(parts) => {
            for part in parts {
                if let InterpPart::Expr(e) | InterpPart::Formatted(e, _) = part {
                    visitor.visit_expr(e);
                }
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => {
            for item in items {
                visitor.visit_expr(item);
            }
        }
        ExprKind::Dict { entries, .. } => {
            for (key, value) in entries {
                visitor.visit_expr(key);
                visitor.visit_expr(value);
            }
        }
        ExprKind::Unary(_, e)
        | ExprKind::Field(e, _)
        | ExprKind::TupleField(e, _)
        | ExprKind::Propagate(e)
        | ExprKind::Cast(e, _)
        | ExprKind::Await(e) => visitor.visit_expr(e),
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
            visitor.visit_expr(a);
            visitor.visit_expr(b);
        }
        ExprKind::Ternary(a, b, c) => {
            visitor.visit_expr(a);
            visitor.visit_expr(b);
            visitor.visit_expr(c);
        }
        ExprKind::Range {
            start, end, step, ..
        } => {
            visitor.visit_expr(start);
            visitor.visit_expr(end);
            if let Some(step) = step {
                visitor.visit_expr(step);
            }
        }
        ExprKind::Call { callee, args } => {
            visitor.visit_expr(callee);
            for arg in args {
                visitor.visit_expr(&arg.value);
            }
        }
        ExprKind::Else { expr, handler, .. } => {
            visitor.visit_expr(expr);
            visitor.visit_block(handler);
        }
        ExprKind::Match(m) => {
            visitor.visit_expr(&m.scrutinee);
            for arm in &m.arms {
                visitor.visit_pattern(&arm.pattern);
                if let Some(guard) = &arm.guard {
                    visitor.visit_expr(guard);
                }
                match &arm.body {
                    ArmBody::Block(block) => visitor.visit_block(block),
                    ArmBody::Expr(e) => visitor.visit_expr(e),
                }
            }
        }
        ExprKind::Lambda(decl) => visitor.visit_function(decl),
    }
}

/// The sub-patterns and literal expressions of `pattern`.
pub fn walk_pattern<V: Visitor + ?Sized>(visitor: &mut V, pattern: &Pattern) {
    match &pattern.kind {
        PatternKind::Wildcard | PatternKind::Name(_) => {}
        PatternKind::Literal(e) => visitor.visit_expr(e),
        PatternKind::Range { start, end, .. } => {
            visitor.visit_expr(start);
            visitor.visit_expr(end);
        }
        PatternKind::Variant { args, .. } => {
            for arg in args.iter().flatten() {
                visitor.visit_pattern(arg);
            }
        }
        PatternKind::Ok(p) | PatternKind::Err(p) => visitor.visit_pattern(p),
        PatternKind::Or(items) | PatternKind::Tuple(items) | PatternKind::List { items, .. } => {
            for item in items {
                visitor.visit_pattern(item);
            }
        }
        PatternKind::Record { fields, .. } | PatternKind::Frame { fields, .. } => {
            for field in fields {
                if let Some(p) = &field.pattern {
                    visitor.visit_pattern(p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects every identifier the walk reaches.
    struct Names(Vec<String>);

    impl Visitor for Names {
        fn visit_expr(&mut self, expr: &Expr) {
            if let ExprKind::Ident(name) = &expr.kind {
                self.0.push(name.clone());
            }
            walk_expr(self, expr);
        }
    }

    #[test]
    fn reaches_every_nested_expression() {
        let source = r#"
            fn f(a = d0) { return a + b; }
            var g = fn() { c; };
            match (m) { [x] where guard => body, _ => { tail; } }
            var h = risky() ?else { handler };
            parallel (cores=n) { task (i in lo..hi) { t; } }
        "#;
        let (module, diagnostics) = crate::parse_source(source, 0);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mut names = Names(Vec::new());
        walk_stmts(&mut names, &module.stmts);
        for expected in [
            "d0", "a", "b", "c", "m", "guard", "body", "tail", "risky", "handler", "n", "lo", "hi",
            "t",
        ] {
            assert!(
                names.0.iter().any(|n| n == expected),
                "missed {expected}: {:?}",
                names.0
            );
        }
    }
}
