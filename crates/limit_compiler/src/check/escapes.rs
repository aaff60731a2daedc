//! Which variables' containers may be reached other than by name, so that
//! an unannotated `var ys = [1, 2]` may keep its element type (`[int]`)
//! only while every store into it is one the checker sees
//! (reference.md §3.4: types are inferred from initialisers).
//!
//! A name is *contained* when every use of it, anywhere in the module
//! (nested functions included, so shadowing only makes this stricter), is
//! one of: an index `ys[i]` (read or store), a call of a method that
//! reads it or that stores one element the checker checks (`push`,
//! `append`, `insert`), an argument of `len`/`print`/`str`/`repr`/`typeof`,
//! an operand of an operator, the iterable of `iter`/`for`, an
//! interpolation, or the target of a plain assignment. Any other use (an
//! argument of a function, a value stored elsewhere, an alias
//! `var zs = ys`, a return) may let code the checker does not follow store
//! values of another type: such a name *escapes*.

use limit_syntax::ast::{Expr, ExprKind, InterpPart, Stmt, StmtKind};
use limit_syntax::visit::{self, Visitor};
use std::collections::HashSet;

/// Methods that read a container or rearrange its own elements.
const READING_METHODS: &[&str] = &[
    "len",
    "length",
    "contains",
    "has",
    "join",
    "index_of",
    "slice",
    "keys",
    "values",
    "items",
    "get",
    "get_or",
    "entries",
    "count",
    "is_empty",
    "first",
    "last",
    "map",
    "filter",
    "reduce",
    "any",
    "all",
    "sum",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "to_string",
    "copy",
];

/// Methods that store their last argument as an element; the checker
/// widens the variable when that value's type differs.
pub(super) const STORING_METHODS: &[&str] = &["push", "append", "insert"];

/// Built-in functions that only read their argument.
const READING_FUNCTIONS: &[&str] = &["len", "print", "str", "repr", "typeof"];

/// The names used somewhere in a way that lets their container escape.
pub(super) fn escaping_names(stmts: &[Stmt]) -> HashSet<String> {
    let mut scan = Scan::default();
    visit::walk_stmts(&mut scan, stmts);
    scan.escaping
}

#[derive(Default)]
struct Scan {
    escaping: HashSet<String>,
}

impl Scan {
    /// Visits `expr` where a bare name is a contained use.
    fn contained(&mut self, expr: &Expr) {
        if !matches!(expr.kind, ExprKind::Ident(_)) {
            self.visit_expr(expr);
        }
    }
}

impl Visitor for Scan {
    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Assign { target, value, .. } => {
                self.contained(target);
                self.visit_expr(value);
            }
            StmtKind::Iter { iterable, body, .. } => {
                self.contained(iterable);
                self.visit_block(body);
            }
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Ident(name) => {
                self.escaping.insert(name.clone());
            }
            ExprKind::Index(container, index) => {
                self.contained(container);
                self.visit_expr(index);
            }
            ExprKind::Call { callee, args } => {
                let contained_receiver = match &callee.kind {
                    ExprKind::Field(receiver, method)
                        if READING_METHODS.contains(&method.name.as_str())
                            || STORING_METHODS.contains(&method.name.as_str()) =>
                    {
                        Some(receiver)
                    }
                    _ => None,
                };
                let reading_function = matches!(&callee.kind,
                    ExprKind::Ident(name) if READING_FUNCTIONS.contains(&name.as_str()));
                match contained_receiver {
                    Some(receiver) => self.contained(receiver),
                    None => self.visit_expr(callee),
                }
                for arg in args {
                    if reading_function {
                        self.contained(&arg.value);
                    } else {
                        self.visit_expr(&arg.value);
                    }
                }
            }
            ExprKind::Binary(_, left, right) => {
                self.contained(left);
                self.contained(right);
            }
            ExprKind::Unary(_, operand) => self.contained(operand),
            ExprKind::Interp(parts) => {
                for part in parts {
                    if let InterpPart::Expr(inner) = part {
                        self.contained(inner);
                    }
                }
            }
            _ => visit::walk_expr(self, expr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escaping_names;

    fn escaping(source: &str) -> Vec<String> {
        let (module, diagnostics) = limit_syntax::parse_source(source, 0);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mut names: Vec<String> = escaping_names(&module.stmts).into_iter().collect();
        names.sort();
        names
    }

    #[test]
    fn reads_and_checked_stores_keep_a_container_contained() {
        let found = escaping(
            "var ys = [1, 2]; ys[0] = 3; ys.push(4); print(len(ys), ys[1] + 1, \"{ys}\");\n\
             iter (y in ys) { print(y); } ys = [5];",
        );
        assert!(!found.contains(&"ys".to_string()), "{found:?}");
    }

    #[test]
    fn aliases_arguments_and_returns_escape() {
        let found = escaping(
            "var a = [1]; var b = a; fn f(xs) { return xs; } var c = [2]; f(c);\n\
             var d = [3]; var e = [d];",
        );
        for name in ["a", "c", "d", "xs"] {
            assert!(found.contains(&name.to_string()), "{name}: {found:?}");
        }
    }
}
