//! Does a body return a value on every path? (reference.md §5)
//!
//! `return` returns; an `if` returns when it has an `else` and every branch
//! returns; a `match` returns when every arm does; an endless loop without
//! `break` never falls through. In *final position* (the last statement of
//! a function body, and the branches and arms it contains) an expression
//! without `;` is the function's value, so it counts as returning.

use limit_syntax::ast::{ArmBody, Block, ExprKind, Stmt, StmtKind};

/// Whether `stmts` return on every path.
pub fn returns_on_all_paths(stmts: &[Stmt], final_position: bool) -> bool {
    let Some((last, earlier)) = stmts.split_last() else {
        return false;
    };
    earlier.iter().any(|stmt| stmt_returns(stmt, false)) || stmt_returns(last, final_position)
}

/// Whether control never reaches the statement after `stmts` (it returns,
/// breaks or continues on every path).
pub fn never_falls_through(stmts: &[Stmt]) -> bool {
    matches!(
        stmts.last().map(|stmt| &stmt.kind),
        Some(StmtKind::Break | StmtKind::Continue | StmtKind::Return(_))
    ) || returns_on_all_paths(stmts, false)
}

fn block_returns(block: &Block, final_position: bool) -> bool {
    returns_on_all_paths(&block.stmts, final_position)
}

fn stmt_returns(stmt: &Stmt, final_position: bool) -> bool {
    match &stmt.kind {
        StmtKind::Return(_) => true,
        StmtKind::Expr { expr, terminated } => match &expr.kind {
            ExprKind::Match(match_expr) => match_expr.arms.iter().all(|arm| match &arm.body {
                ArmBody::Expr(_) => final_position,
                ArmBody::Block(block) => block_returns(block, final_position),
            }),
            ExprKind::Call { callee, .. } if matches!(&callee.kind, ExprKind::Ident(name) if name == "exit") => {
                true
            }
            _ => final_position && !terminated,
        },
        StmtKind::If {
            branches,
            else_branch: Some(else_branch),
        } => {
            branches
                .iter()
                .all(|(_, block)| block_returns(block, final_position))
                && block_returns(else_branch, final_position)
        }
        StmtKind::Block(block) => block_returns(block, final_position),
        StmtKind::While { cond, body } => {
            matches!(cond.kind, ExprKind::Bool(true)) && !contains_break(&body.stmts)
        }
        StmtKind::For {
            cond: None, body, ..
        } => !contains_break(&body.stmts),
        StmtKind::Attempt { body, handlers } => {
            block_returns(body, final_position)
                && handlers
                    .iter()
                    .all(|handler| block_returns(&handler.body, final_position))
        }
        _ => false,
    }
}

/// Whether a `break` in `stmts` leaves the loop they are the body of.
fn contains_break(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|stmt| match &stmt.kind {
        StmtKind::Break => true,
        StmtKind::Block(block) => contains_break(&block.stmts),
        StmtKind::If {
            branches,
            else_branch,
        } => {
            branches
                .iter()
                .any(|(_, block)| contains_break(&block.stmts))
                || else_branch
                    .as_ref()
                    .is_some_and(|block| contains_break(&block.stmts))
        }
        StmtKind::Attempt { body, handlers } => {
            contains_break(&body.stmts) || handlers.iter().any(|h| contains_break(&h.body.stmts))
        }
        StmtKind::Expr { expr, .. } => match &expr.kind {
            ExprKind::Match(match_expr) => match_expr.arms.iter().any(|arm| match &arm.body {
                ArmBody::Block(block) => contains_break(&block.stmts),
                ArmBody::Expr(_) => false,
            }),
            _ => false,
        },
        // Breaks inside nested loops leave those loops.
        _ => false,
    })
}
