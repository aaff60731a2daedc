//! The accepted chunks of a session that a new chunk is checked against
//! (issue 18: a chunk must cost what it adds, not what ran before it).
//!
//! A new chunk is checked after the accepted ones, as one file would be.
//! Only what can change how a later chunk checks is kept:
//! * declarations, imports and module blocks (a later function, frame,
//!   trait, enum or type replaces an earlier one under its name);
//! * statements that may widen a top-level variable (or a frame's static)
//!   or make its container escape (`check/escapes.rs`): an assignment to
//!   it or into it, a `push`/`append`/`insert` on it, a use of it the
//!   escape analysis does not count as contained.
//!
//! A statement that only reads top-level variables (`print(total)`,
//! `xs.len()`, `6 * 7`) cannot change anything, so it is not kept. Nor is
//! a statement the same as one kept earlier (`total += 1` again, or with
//! another literal of the same kind: `total += 5`), when no name it
//! mentions was declared again since: checked twice, it widens and lets
//! escape exactly what it did once. So repeating an input costs nothing,
//! and the history follows the different things a session did.

use crate::check;
use limit_syntax::ast::{
    Block, Expr, ExprKind, FnDecl, Module, Stmt, StmtKind, TypeExpr, TypeKind,
};
use limit_syntax::visit::{walk_expr, Visitor};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// What a new chunk needs to know of the earlier ones to decide how their
/// functions enter its check.
///
/// A top-level function of an earlier chunk enters with an empty body
/// when nothing in its body can change how a later chunk checks: its
/// result type does not depend on the body (it names no plain `T?`,
/// whose error set is inferred from the body, directly or through an
/// alias or an imported name) and its body names none of the session's
/// top-level variables and frames (so it can neither widen one nor let
/// one escape, nor make one a global). Its signature is what later
/// chunks see of it, as importers see a module's functions; its body was
/// checked with its own chunk, and diagnostics of earlier chunks are
/// dropped anyway. Without this a chunk re-checked every function the
/// session had declared (issue 17's session note: a 3-line chunk took
/// 64 ms after 5 000 functions).
pub(crate) struct EarlierChunks<'a> {
    /// Top-level variables and frames declared by any chunk.
    tracked: HashSet<&'a str>,
    /// Frames, enums and traits declared by any chunk: the names a result
    /// type may use besides built-in types.
    types: HashSet<&'a str>,
}

impl<'a> EarlierChunks<'a> {
    pub(crate) fn new(chunks: &[&'a Module]) -> EarlierChunks<'a> {
        let mut tracked = HashSet::new();
        let mut types = HashSet::new();
        for stmt in chunks.iter().flat_map(|chunk| &chunk.stmts) {
            match &stmt.kind {
                StmtKind::Var(_) => tracked.extend(check::top_level_names(stmt)),
                StmtKind::Frame(_) => {
                    tracked.extend(check::top_level_names(stmt));
                    types.extend(check::top_level_names(stmt));
                }
                StmtKind::Enum(_) | StmtKind::Trait(_) => {
                    types.extend(check::top_level_names(stmt))
                }
                _ => {}
            }
        }
        EarlierChunks { tracked, types }
    }

    /// `stmt`, of an earlier chunk, as a later chunk is checked with it.
    pub(crate) fn as_seen_later(&self, stmt: &Stmt) -> Stmt {
        let StmtKind::Fn(decl) = &stmt.kind else {
            return stmt.clone();
        };
        let Some(body) = &decl.body else {
            return stmt.clone();
        };
        let result_known = decl.ret.as_ref().is_none_or(|ret| self.settled(ret));
        let names_tracked = mentioned_names(stmt)
            .iter()
            .any(|name| self.tracked.contains(name.as_str()));
        if !result_known || names_tracked {
            return stmt.clone();
        }
        let signature = FnDecl {
            id: decl.id,
            name: decl.name.clone(),
            params: decl.params.clone(),
            ret: decl.ret.clone(),
            body: Some(Block {
                stmts: Vec::new(),
                span: body.span,
            }),
            modifiers: decl.modifiers.clone(),
            span: decl.span,
        };
        Stmt {
            kind: StmtKind::Fn(Box::new(signature)),
            span: stmt.span,
        }
    }

    /// Whether the type `ty` means the same whatever a function body
    /// says: no plain `T?` in it, and every name in it a built-in type or
    /// a frame, enum or trait of the session (an alias or an imported
    /// name might stand for a plain `T?`).
    fn settled(&self, ty: &TypeExpr) -> bool {
        match &ty.kind {
            TypeKind::Named(path) => match path.as_slice() {
                [name] => {
                    check::annotations::is_builtin_type_name(&name.name)
                        || self.types.contains(name.name.as_str())
                }
                _ => false,
            },
            TypeKind::List(inner) => self.settled(inner),
            TypeKind::Dict(key, value) => self.settled(key) && self.settled(value),
            TypeKind::Tuple(items) | TypeKind::Union(items) => {
                items.iter().all(|item| self.settled(item))
            }
            TypeKind::Function { params, ret } => {
                params.iter().all(|param| self.settled(param))
                    && ret.as_ref().is_none_or(|ret| self.settled(ret))
            }
            TypeKind::Fallible { inner, errors } => !errors.is_empty() && self.settled(inner),
            _ => false,
        }
    }
}

#[derive(Default)]
pub(crate) struct History {
    pub(crate) chunks: Vec<Module>,
    /// Top-level variables and frames the session declared.
    tracked: HashSet<String>,
    /// How many times each name was declared by a kept statement: a
    /// statement is the same as an earlier one only if the names it
    /// mentions denote the same declarations.
    epochs: HashMap<String, u64>,
    /// The kept statements that a repeat of can be left out (their shape
    /// and the epochs of the names they mention, hashed).
    seen: HashSet<u64>,
}

impl History {
    pub(crate) fn push(&mut self, mut chunk: Module) {
        for stmt in &chunk.stmts {
            if matches!(stmt.kind, StmtKind::Var(_) | StmtKind::Frame(_)) {
                self.tracked
                    .extend(check::top_level_names(stmt).into_iter().map(String::from));
            }
        }
        // A later function, frame, trait, enum or type replaces what
        // earlier chunks declared under its name (as the checker's
        // combined view already does), so the earlier one can go.
        let replaced: HashSet<&str> = chunk
            .stmts
            .iter()
            .filter(|stmt| !matches!(stmt.kind, StmtKind::Var(_)))
            .flat_map(check::top_level_names)
            .collect();
        if !replaced.is_empty() {
            for earlier in &mut self.chunks {
                earlier.stmts.retain(|stmt| {
                    let names = check::top_level_names(stmt);
                    names.is_empty() || !names.iter().any(|name| replaced.contains(name))
                });
            }
            self.chunks.retain(|earlier| !earlier.stmts.is_empty());
        }
        let stmts = std::mem::take(&mut chunk.stmts);
        for stmt in stmts {
            if self.keeps(&stmt) {
                chunk.stmts.push(stmt);
            }
        }
        if !chunk.stmts.is_empty() {
            self.chunks.push(chunk);
        }
    }

    /// Whether `stmt` (of the chunk being added, in order) must be kept,
    /// noting what a kept one declares.
    fn keeps(&mut self, stmt: &Stmt) -> bool {
        let declared = check::top_level_names(stmt);
        let is_var = matches!(stmt.kind, StmtKind::Var(_));
        if matches!(stmt.kind, StmtKind::Import(_) | StmtKind::ModuleBlock(_))
            || (!declared.is_empty() && !is_var)
        {
            // What names denote may change in ways epochs do not follow
            // (types, imported names): no later statement is taken for an
            // earlier one.
            self.seen.clear();
            return true;
        }
        let may_matter =
            is_var || (names_any(stmt, &self.tracked) && may_change(stmt, &self.tracked));
        if !may_matter {
            return false;
        }
        let mut mentioned = mentioned_names(stmt);
        mentioned.sort_unstable();
        mentioned.dedup();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        shape(stmt).hash(&mut hasher);
        for name in &mentioned {
            name.hash(&mut hasher);
            self.epochs
                .get(name)
                .copied()
                .unwrap_or(0)
                .hash(&mut hasher);
        }
        if !self.seen.insert(hasher.finish()) {
            return false;
        }
        for name in declared {
            *self.epochs.entry(name.to_string()).or_default() += 1;
        }
        true
    }

    #[cfg(test)]
    pub(crate) fn statements(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.stmts.len()).sum()
    }
}

/// Whether `stmt` may widen a variable of `tracked` or let its container
/// escape: it assigns to or into one, stores into one with a method, or
/// uses one in a way the escape analysis does not count as contained.
/// (Conservative: a local of the same name counts.)
fn may_change(stmt: &Stmt, tracked: &HashSet<String>) -> bool {
    struct Finder<'n> {
        tracked: &'n HashSet<String>,
        found: bool,
    }
    impl Finder<'_> {
        fn tracked_root(&self, mut expr: &Expr) -> bool {
            loop {
                match &expr.kind {
                    ExprKind::Index(inner, _)
                    | ExprKind::Field(inner, _)
                    | ExprKind::TupleField(inner, _) => expr = inner,
                    ExprKind::Ident(name) => return self.tracked.contains(name),
                    _ => return false,
                }
            }
        }
    }
    impl Visitor for Finder<'_> {
        fn visit_stmt(&mut self, stmt: &Stmt) {
            if let StmtKind::Assign { target, .. } = &stmt.kind {
                self.found |= self.tracked_root(target);
            }
            if !self.found {
                limit_syntax::visit::walk_stmt(self, stmt);
            }
        }
        fn visit_expr(&mut self, expr: &Expr) {
            if let ExprKind::Call { callee, .. } = &expr.kind {
                if let ExprKind::Field(receiver, method) = &callee.kind {
                    self.found |= check::STORING_METHODS.contains(&method.name.as_str())
                        && self.tracked_root(receiver);
                }
            }
            if !self.found {
                walk_expr(self, expr);
            }
        }
    }
    let mut finder = Finder {
        tracked,
        found: false,
    };
    finder.visit_stmt(stmt);
    finder.found
        || check::escaping_names(std::slice::from_ref(stmt))
            .iter()
            .any(|name| tracked.contains(name))
}

/// The statement without what cannot change how it checks: where it is
/// (spans, node ids) and the value of a literal assigned (`t += 5`) or
/// initialising a variable (`var t = 5`; not a `const`, whose value may
/// be used): only its kind decides the type.
fn shape(stmt: &Stmt) -> String {
    let text = match &stmt.kind {
        StmtKind::Assign { target, op, value } => match literal_kind(value) {
            Some(kind) => format!("Assign {target:?} {op:?} literal {kind}"),
            None => format!("{stmt:?}"),
        },
        StmtKind::Var(decl) if !decl.is_const => match decl.init.as_ref().and_then(literal_kind) {
            Some(kind) => format!(
                "Var {:?} {:?} {:?} literal {kind}",
                decl.target, decl.ty, decl.visibility
            ),
            None => format!("{stmt:?}"),
        },
        _ => format!("{stmt:?}"),
    };
    without_positions(&text)
}

/// The kind of a literal whose value no check looks at (an int that fits
/// 64 bits, a float, a string, a bool).
fn literal_kind(expr: &Expr) -> Option<&'static str> {
    match &expr.kind {
        ExprKind::Int(n) if i64::try_from(n).is_ok() => Some("int"),
        ExprKind::Float(_) => Some("float"),
        ExprKind::Str(_) => Some("str"),
        ExprKind::Bool(_) => Some("bool"),
        _ => None,
    }
}

/// `text` (an AST's debug form) without its spans and node ids.
fn without_positions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["Span {", "NodeId {"]
            .iter()
            .filter_map(|prefix| rest.find(prefix))
            .min();
        let Some(at) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        match rest[at..].find('}') {
            Some(end) => rest = &rest[at + end + 1..],
            None => return out,
        }
    }
}

/// The names `stmt` uses (as expressions, anywhere in it).
fn mentioned_names(stmt: &Stmt) -> Vec<String> {
    struct Names(Vec<String>);
    impl Visitor for Names {
        fn visit_expr(&mut self, expr: &Expr) {
            if let ExprKind::Ident(name) = &expr.kind {
                self.0.push(name.clone());
            }
            walk_expr(self, expr);
        }
    }
    let mut names = Names(Vec::new());
    names.visit_stmt(stmt);
    names.0
}

/// Whether `stmt` mentions one of `names` (as a name anywhere in it).
fn names_any(stmt: &Stmt, names: &HashSet<String>) -> bool {
    mentioned_names(stmt)
        .iter()
        .any(|name| names.contains(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses each text as a chunk of its own file.
    fn chunks(texts: &[&str]) -> Vec<Module> {
        texts
            .iter()
            .enumerate()
            .map(|(file, text)| {
                let (module, diagnostics) = limit_syntax::parse_source(text, file as u32);
                assert!(diagnostics.is_empty(), "{text}: {diagnostics:?}");
                module
            })
            .collect()
    }

    /// For each top-level function of `texts` (all but the last chunk are
    /// earlier ones), its name and whether it keeps its body.
    fn kept_bodies(texts: &[&str]) -> Vec<(String, bool)> {
        let modules = chunks(texts);
        let all: Vec<&Module> = modules.iter().collect();
        let earlier = EarlierChunks::new(&all);
        let mut seen = Vec::new();
        for module in &modules[..modules.len() - 1] {
            for stmt in &module.stmts {
                if let StmtKind::Fn(decl) = &earlier.as_seen_later(stmt).kind {
                    let name = decl
                        .name
                        .as_ref()
                        .map(|n| n.name.clone())
                        .unwrap_or_default();
                    let body = decl.body.as_ref().map_or(0, |body| body.stmts.len());
                    seen.push((name, body > 0));
                }
            }
        }
        seen
    }

    #[test]
    fn earlier_functions_enter_as_signatures_unless_their_body_matters() {
        let seen = kept_bodies(&[
            "fn twice(n: int): int { return n * 2; }\nfn any_result(n) { return n; }",
            "var total = 0\nfn add(n: int): int { total += n; return total; }",
            "fn reads(): int { return total; }\nfn fails(): int? { return err(ValueError); }",
            "fn named(): int?ValueError { return err(ValueError); }",
            "type Maybe = int?\nfn aliased(): Maybe { return 1; }",
            "frame P { pub x: int = 0; }\nfn make(): P { return P { x: 1 }; }",
            "fn pair(): (int, [str]) { var t = 1; return (t, [\"a\"]); }",
            "fn origin(p: P): P { return p; }",
            "print(twice(2))",
        ]);
        assert_eq!(
            seen,
            vec![
                ("twice".to_string(), false),
                ("any_result".to_string(), false),
                // Assigns a top-level variable: may widen it.
                ("add".to_string(), true),
                // Reads one: the variable must stay a global.
                ("reads".to_string(), true),
                // A plain `T?`: its error set comes from its body.
                ("fails".to_string(), true),
                ("named".to_string(), false),
                // An alias may stand for a plain `T?`.
                ("aliased".to_string(), true),
                // Names a frame, whose statics it might change.
                ("make".to_string(), true),
                ("pair".to_string(), false),
                // A frame in the signature alone changes nothing.
                ("origin".to_string(), false),
            ]
        );
    }

    #[test]
    fn the_chunk_being_checked_is_not_touched() {
        // Only earlier chunks go through `as_seen_later`; a statement that
        // is no function passes unchanged.
        let modules = chunks(&["var x = 1\nprint(x)"]);
        let all: Vec<&Module> = modules.iter().collect();
        let earlier = EarlierChunks::new(&all);
        for stmt in &modules[0].stmts {
            assert_eq!(&earlier.as_seen_later(stmt), stmt);
        }
    }
}
