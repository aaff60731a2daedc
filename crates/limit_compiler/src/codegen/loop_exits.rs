//! Which loops need their stack height marked for `break`/`continue`.
//!
//! A `?else` handler or `match` arm block that is a whole statement's value
//! (`var v = e ?else { continue }`) leaves a balanced stack when it jumps
//! out of the loop. One inside a larger expression (`total += parse_int(s)
//! ?else { break }`, `xs.push(1 + match x { 0 => { continue }, _ => x })`)
//! has that expression's operands below it; the loop then records its
//! stack height at the start of each iteration (`MarkHeight`) and the jump
//! cuts back to it (`CutToHeight`). Only loops with such a handler pay for
//! the mark, so the common loops keep the interpreter's fast path.

use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};

/// Whether `body` (a loop's body) holds a `?else` handler or `match` arm
/// block inside a larger expression that leaves this loop by `break` or
/// `continue`.
pub(super) fn leaves_from_inner_handler(body: &Block) -> bool {
    let mut finder = InnerHandlers::default();
    finder.visit_block(body);
    finder.found
}

/// Walks `stmt`, but of an inner loop only its head (condition, `for`
/// init and step, iterable): its body's `break`s leave that loop.
fn walk_stmt_outside_loop_bodies<V: Visitor>(visitor: &mut V, stmt: &Stmt) {
    match &stmt.kind {
        StmtKind::While { cond, .. } => visitor.visit_expr(cond),
        StmtKind::For {
            init, cond, step, ..
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
        }
        StmtKind::Iter { iterable, .. } => visitor.visit_expr(iterable),
        _ => visit::walk_stmt(visitor, stmt),
    }
}

/// Visits a statement-level `match`'s scrutinee, guards and arm bodies
/// (the `match` itself leaves nothing pending on the stack).
fn visit_match_parts<V: Visitor>(visitor: &mut V, m: &MatchExpr) {
    visitor.visit_expr(&m.scrutinee);
    for arm in &m.arms {
        if let Some(guard) = &arm.guard {
            visitor.visit_expr(guard);
        }
        match &arm.body {
            ArmBody::Expr(e) => visitor.visit_expr(e),
            ArmBody::Block(block) => visitor.visit_block(block),
        }
    }
}

/// Looks for handlers and arm blocks in expression position (not a
/// statement's value).
#[derive(Default)]
struct InnerHandlers {
    found: bool,
}

impl InnerHandlers {
    /// A statement's whole value: its handler's jumps leave the stack
    /// balanced, but expressions inside it may still hold inner handlers.
    fn statement_value(&mut self, value: &Expr) {
        match &value.kind {
            ExprKind::Else { expr, handler, .. } => {
                self.visit_expr(expr);
                self.visit_block(handler);
            }
            ExprKind::Match(m) => visit_match_parts(self, m),
            _ => self.visit_expr(value),
        }
    }
}

impl Visitor for InnerHandlers {
    // A nested function's `break` cannot reach this loop.
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        if self.found {
            return;
        }
        match &stmt.kind {
            StmtKind::Var(decl) => match &decl.init {
                Some(init) => self.statement_value(init),
                None => walk_stmt_outside_loop_bodies(self, stmt),
            },
            StmtKind::Expr { expr, .. } => self.statement_value(expr),
            _ => walk_stmt_outside_loop_bodies(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if self.found {
            return;
        }
        let blocks: Vec<&Block> = match &expr.kind {
            ExprKind::Else { handler, .. } => vec![handler],
            ExprKind::Match(m) => m
                .arms
                .iter()
                .filter_map(|arm| match &arm.body {
                    ArmBody::Block(block) => Some(block),
                    ArmBody::Expr(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut exits = LoopExits::default();
        for block in blocks {
            exits.visit_block(block);
        }
        if exits.found {
            self.found = true;
            return;
        }
        visit::walk_expr(self, expr);
    }
}

/// Looks for a `break`/`continue` that targets the enclosing loop.
#[derive(Default)]
struct LoopExits {
    found: bool,
}

impl Visitor for LoopExits {
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Break | StmtKind::Continue => self.found = true,
            _ => walk_stmt_outside_loop_bodies(self, stmt),
        }
    }
}

/// Whether a `return` in `handler` (a `?else` handler's body, whose value
/// it gives) can sit in a `match` arm block inside a larger expression.
pub(super) fn returns_from_inner_arm(handler: &Block) -> bool {
    let mut finder = InnerArmReturns::default();
    finder.visit_block(handler);
    finder.found
}

/// Looks for `return` in arm blocks in expression position, not entering
/// nested handlers (a `return` there gives that handler's value).
#[derive(Default)]
struct InnerArmReturns {
    found: bool,
}

impl InnerArmReturns {
    fn statement_value(&mut self, value: &Expr) {
        match &value.kind {
            ExprKind::Match(m) => visit_match_parts(self, m),
            _ => self.visit_expr(value),
        }
    }
}

impl Visitor for InnerArmReturns {
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        if self.found {
            return;
        }
        match &stmt.kind {
            StmtKind::Var(decl) => match &decl.init {
                Some(init) => self.statement_value(init),
                None => visit::walk_stmt(self, stmt),
            },
            StmtKind::Expr { expr, .. } => self.statement_value(expr),
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        if self.found {
            return;
        }
        match &expr.kind {
            ExprKind::Else { expr, .. } => self.visit_expr(expr),
            ExprKind::Match(m) => {
                let mut returns = Returns::default();
                for arm in &m.arms {
                    if let ArmBody::Block(block) = &arm.body {
                        returns.visit_block(block);
                    }
                }
                if returns.found {
                    self.found = true;
                    return;
                }
                visit::walk_expr(self, expr);
            }
            _ => visit::walk_expr(self, expr),
        }
    }
}

/// Looks for a `return` that gives the enclosing handler's value.
#[derive(Default)]
struct Returns {
    found: bool,
}

impl Visitor for Returns {
    fn visit_function(&mut self, _decl: &FnDecl) {}

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Return(_) => self.found = true,
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Else { expr, .. } => self.visit_expr(expr),
            _ => visit::walk_expr(self, expr),
        }
    }
}
