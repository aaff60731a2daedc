//! Go to definition, find references and rename, from the resolve stage's
//! bindings (`limit_compiler::resolve`): every name in every module of the
//! program is an occurrence of a symbol — the declaration it denotes,
//! named by the id of its declaring name — so the three answers are the
//! symbol's declaration, its occurrences, and an edit of each.
//!
//! Names the bindings do not cover are found from their context: a field
//! or method after `.` by the receiver's static type (the checker's) or
//! `this`, a member of an imported module through its namespace, a
//! variant through its enum, and names in type annotations, `frame P : Q`
//! and patterns among the top-level declarations the module sees.

use limit_compiler::check::{Type, TypeTable};
use limit_compiler::modules::ModuleGraph;
use limit_compiler::resolve::{Binding, Bindings, DeclId, DefKind, ModuleFacts};
use limit_syntax::ast::*;
use limit_syntax::visit::{self, Visitor};
use limit_syntax::{FileId, Span};
use std::collections::HashMap as FxHashMap;

/// One name in the program and the declaration it denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub span: Span,
    pub symbol: DeclId,
    /// The name declares the symbol.
    pub declares: bool,
}

/// Every occurrence of every symbol of a program.
#[derive(Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    /// Indexes every module of `graph`.
    pub fn build(graph: &ModuleGraph, bindings: &Bindings, types: &TypeTable) -> Index {
        let facts: Vec<ModuleFacts> = graph
            .modules
            .iter()
            .map(|m| ModuleFacts::gather(m.file, &m.ast.stmts))
            .collect();
        let mut index = Index::default();
        for (position, module) in graph.modules.iter().enumerate() {
            let mut walk = IndexWalk {
                bindings,
                types,
                facts: &facts,
                module: position,
                imports: imported_names(graph, position, &facts),
                frame: None,
                out: &mut index.occurrences,
            };
            walk.top_level(&module.ast.stmts);
        }
        index
    }

    /// The occurrence whose name covers byte `offset` of `file`.
    pub fn at(&self, file: FileId, offset: usize) -> Option<Occurrence> {
        let offset = offset as u32;
        self.occurrences
            .iter()
            .filter(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| o.span.end - o.span.start)
            .copied()
    }

    /// Where `symbol` is declared.
    pub fn declaration(&self, symbol: DeclId) -> Option<Span> {
        self.occurrences
            .iter()
            .find(|o| o.symbol == symbol && o.declares)
            .map(|o| o.span)
    }

    /// Every occurrence of `symbol`, in file and source order, its
    /// declarations included or not.
    pub fn references(&self, symbol: DeclId, with_declaration: bool) -> Vec<Span> {
        let mut spans: Vec<Span> = self
            .occurrences
            .iter()
            .filter(|o| o.symbol == symbol && (with_declaration || !o.declares))
            .map(|o| o.span)
            .collect();
        spans.sort_by_key(|s| (s.file, s.start));
        spans.dedup();
        spans
    }
}

/// The names module `position`'s `show`/`hide` imports and namespaces
/// bind: name → (module index, declaration or the import's name).
fn imported_names(
    graph: &ModuleGraph,
    position: usize,
    facts: &[ModuleFacts],
) -> FxHashMap<String, (usize, DeclId)> {
    let mut names = FxHashMap::new();
    for (decl, _, target) in &graph.modules[position].imports {
        let Some(target) = *target else { continue };
        let exported = |name: &str| {
            facts[target]
                .names
                .get(name)
                .filter(|t| !t.hidden)
                .map(|t| t.decl)
        };
        match &decl.filter {
            Some(ImportFilter::Show(shown)) => {
                for name in shown {
                    if let Some(d) = exported(&name.name) {
                        names.insert(name.name.clone(), (target, d));
                    }
                }
            }
            Some(ImportFilter::Hide(hidden)) => {
                for (name, top) in &facts[target].names {
                    if !top.hidden && !hidden.iter().any(|h| &h.name == name) {
                        names.insert(name.clone(), (target, top.decl));
                    }
                }
            }
            None => {}
        }
    }
    names
}

struct IndexWalk<'w> {
    bindings: &'w Bindings,
    types: &'w TypeTable,
    facts: &'w [ModuleFacts],
    /// The index of the module walked.
    module: usize,
    imports: FxHashMap<String, (usize, DeclId)>,
    /// The frame whose members are being walked.
    frame: Option<String>,
    out: &'w mut Vec<Occurrence>,
}

impl IndexWalk<'_> {
    fn note(&mut self, span: Span, symbol: DeclId, declares: bool) {
        if !symbol.is_synthetic() {
            self.out.push(Occurrence {
                span,
                symbol,
                declares,
            });
        }
    }

    fn declares(&mut self, name: &Ident) {
        self.note(name.span, name.id, true);
    }

    fn own(&self) -> &ModuleFacts {
        &self.facts[self.module]
    }

    /// The one symbol a top-level variable of this module is, whichever
    /// of its declarations (a later top-level `var` replaces the earlier).
    fn canonical(&self, name: &str, decl: DeclId) -> DeclId {
        match self.own().names.get(name) {
            Some(top) if top.kind == DefKind::Variable => top.decl,
            _ => decl,
        }
    }

    /// The top-level declaration `name` denotes in this module: its own,
    /// one its imports bind, or the only one among all modules.
    fn top_named(&self, name: &str) -> Option<(usize, DeclId)> {
        if let Some(top) = self.own().names.get(name) {
            return Some((self.module, top.decl));
        }
        if let Some(found) = self.imports.get(name) {
            return Some(*found);
        }
        let mut found = self.facts.iter().enumerate().filter_map(|(i, f)| {
            f.names
                .get(name)
                .filter(|t| !t.hidden && t.kind != DefKind::Variable)
                .map(|t| (i, t.decl))
        });
        let first = found.next();
        first.filter(|_| found.next().is_none())
    }

    /// The module a frame called `name` is declared in, this one first.
    fn frame_module(&self, name: &str) -> Option<usize> {
        if self.own().frames.contains_key(name) {
            return Some(self.module);
        }
        self.facts.iter().position(|f| f.frames.contains_key(name))
    }

    /// The member `member` of frame `frame` or of an ancestor.
    fn frame_member(&self, frame: &str, member: &str) -> Option<DeclId> {
        let mut current = Some(frame.to_string());
        for _ in 0..64 {
            let name = current?;
            let module = self.frame_module(&name)?;
            let shape = self.facts[module].frames.get(&name)?;
            let found = shape
                .fields
                .iter()
                .chain(&shape.statics)
                .chain(&shape.methods)
                .find(|(n, _)| n == member);
            if let Some((_, decl)) = found {
                return Some(*decl);
            }
            current = shape.parent.clone();
        }
        None
    }

    /// The file of module `file`'s facts.
    fn module_of_file(&self, file: FileId) -> Option<usize> {
        self.facts.iter().position(|f| f.file == file)
    }

    fn name_use(&mut self, id: NodeId, name: &str, span: Span) {
        let symbol = match self.bindings.of(id) {
            Some(Binding::Local(decl) | Binding::Capture { decl, .. } | Binding::Member(decl)) => {
                decl
            }
            Some(Binding::Global(decl)) => self.canonical(name, decl),
            Some(
                Binding::TopLevel { decl, .. }
                | Binding::Namespace { decl, .. }
                | Binding::Block(decl),
            ) => decl,
            Some(Binding::Builtin(_) | Binding::Host(_)) | None => return,
        };
        // A variable an assignment declares is declared by that name.
        self.note(span, symbol, symbol == id);
    }

    /// `object.member`: a namespace's member, an enum's variant, or a
    /// field or method of `this` or of a receiver of known frame type.
    fn member_use(&mut self, object: &Expr, member: &Ident) {
        let found = match &object.kind {
            ExprKind::Ident(_) => match self.bindings.of(object.id) {
                Some(Binding::Namespace { file, .. }) => self
                    .module_of_file(file)
                    .and_then(|m| self.facts[m].names.get(&member.name))
                    .map(|t| t.decl),
                // A `module` block's member: the resolve stage bound it.
                Some(Binding::Block(_)) => match self.bindings.of(member.id) {
                    Some(
                        Binding::TopLevel { decl, .. }
                        | Binding::Global(decl)
                        | Binding::Block(decl),
                    ) => Some(decl),
                    _ => None,
                },
                Some(Binding::TopLevel {
                    file,
                    kind: DefKind::Enum,
                    ..
                }) => self
                    .module_of_file(file)
                    .and_then(|m| self.facts[m].variants.get(&member.name))
                    .copied(),
                _ => self.typed_member(object, &member.name),
            },
            ExprKind::This => self
                .frame
                .clone()
                .and_then(|frame| self.frame_member(&frame, &member.name)),
            _ => self.typed_member(object, &member.name),
        };
        if let Some(symbol) = found {
            self.note(member.span, symbol, false);
        }
    }

    fn typed_member(&self, object: &Expr, member: &str) -> Option<DeclId> {
        match self.types.type_of(object.id)? {
            Type::Frame(frame) | Type::Class(frame) => self.frame_member(frame, member),
            _ => None,
        }
    }

    /// A name in a type annotation, `frame P : Q` or a pattern that
    /// denotes a top-level declaration.
    fn top_use(&mut self, name: &Ident) {
        // The resolve stage binds type names, frame headers' parents and
        // patterns' type and variant names; others are found by text.
        if let Some(Binding::TopLevel { decl, .. }) = self.bindings.of(name.id) {
            self.note(name.span, decl, false);
        } else if let Some((_, decl)) = self.top_named(&name.name) {
            self.note(name.span, decl, false);
        } else if let Some(&decl) = self.own().variants.get(&name.name) {
            self.note(name.span, decl, false);
        } else if let Some(decl) = self
            .facts
            .iter()
            .find_map(|f| f.variants.get(&name.name).copied())
        {
            self.note(name.span, decl, false);
        }
    }

    fn type_expr(&mut self, ty: &TypeExpr) {
        match &ty.kind {
            TypeKind::Named(path) => match path.as_slice() {
                [name] => self.top_use(name),
                [_, name] if self.bindings.of(name.id).is_some() => self.top_use(name),
                [namespace, name] => {
                    if let Some(&(module, decl)) = self.imports.get(&namespace.name) {
                        let _ = decl;
                        if let Some(top) = self.facts[module].names.get(&name.name) {
                            self.note(name.span, top.decl, false);
                        }
                    }
                }
                _ => {}
            },
            TypeKind::List(inner) => self.type_expr(inner),
            TypeKind::Dict(k, v) => {
                self.type_expr(k);
                self.type_expr(v);
            }
            TypeKind::Tuple(items) | TypeKind::Union(items) => {
                for item in items {
                    self.type_expr(item);
                }
            }
            TypeKind::Function { params, ret } => {
                for param in params {
                    self.type_expr(param);
                }
                if let Some(ret) = ret {
                    self.type_expr(ret);
                }
            }
            TypeKind::Fallible { inner, .. } | TypeKind::Refined { base: inner, .. } => {
                self.type_expr(inner)
            }
            TypeKind::Record(fields) => {
                for (_, ty) in fields {
                    self.type_expr(ty);
                }
            }
            TypeKind::Tagged(_) => {}
        }
    }

    fn top_level(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::ModuleBlock(block) => {
                    // The block's name declares it (`tools.f` names it).
                    self.declares(&block.name);
                    self.top_level(&block.stmts);
                }
                StmtKind::Var(decl) => {
                    if let Some(ty) = &decl.ty {
                        self.type_expr(ty);
                    }
                    if let Some(init) = &decl.init {
                        self.visit_expr(init);
                    }
                    let mut names = Vec::new();
                    target_names(&decl.target, &mut names);
                    for name in names {
                        let symbol = self.canonical(&name.name, name.id);
                        self.note(name.span, symbol, symbol == name.id);
                    }
                }
                _ => self.visit_stmt(stmt),
            }
        }
    }
}

fn target_names<'t>(target: &'t VarTarget, out: &mut Vec<&'t Ident>) {
    match target {
        VarTarget::Name(name) => out.push(name),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                target_names(item, out);
            }
        }
    }
}

impl Visitor for IndexWalk<'_> {
    fn visit_function(&mut self, decl: &FnDecl) {
        if let Some(name) = &decl.name {
            self.declares(name);
        }
        for param in &decl.params {
            self.declares(&param.name);
            if let Some(ty) = &param.ty {
                self.type_expr(ty);
            }
        }
        if let Some(ret) = &decl.ret {
            self.type_expr(ret);
        }
        visit::walk_function(self, decl);
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Var(decl) => {
                if let Some(ty) = &decl.ty {
                    self.type_expr(ty);
                }
                let mut names = Vec::new();
                target_names(&decl.target, &mut names);
                for name in names {
                    self.declares(name);
                }
            }
            StmtKind::Assign { target, value, .. } => {
                match &target.kind {
                    ExprKind::Ident(name) => self.name_use(target.id, name, target.span),
                    _ => self.visit_expr(target),
                }
                self.visit_expr(value);
                return;
            }
            StmtKind::Frame(frame) => {
                self.declares(&frame.name);
                for parent in &frame.supers {
                    self.top_use(parent);
                }
                let outer = self.frame.replace(frame.name.name.clone());
                for member in &frame.members {
                    match member {
                        Member::Field(field) => {
                            self.declares(&field.name);
                            if let Some(ty) = &field.ty {
                                self.type_expr(ty);
                            }
                        }
                        Member::Method(_) => {}
                    }
                }
                visit::walk_stmt(self, stmt);
                self.frame = outer;
                return;
            }
            StmtKind::Trait(decl) => {
                self.declares(&decl.name);
                for parent in &decl.supers {
                    self.top_use(parent);
                }
            }
            StmtKind::Enum(decl) => {
                self.declares(&decl.name);
                for variant in &decl.variants {
                    self.declares(&variant.name);
                    for ty in &variant.payload {
                        self.type_expr(ty);
                    }
                }
            }
            StmtKind::TypeAlias(decl) => {
                self.declares(&decl.name);
                self.type_expr(&decl.ty);
            }
            StmtKind::Iter { bindings, .. } => {
                for binding in bindings {
                    self.declares(&binding.name);
                }
            }
            StmtKind::Task {
                binding: Some(binding),
                ..
            } => self.declares(&binding.0.name),
            StmtKind::Worker { binding, .. } => self.declares(&binding.name),
            StmtKind::Attempt { handlers, .. } => {
                for binding in handlers.iter().filter_map(|h| h.binding.as_ref()) {
                    self.declares(binding);
                }
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Ident(name) => self.name_use(expr.id, name, expr.span),
            ExprKind::Field(object, member) => self.member_use(object, member),
            ExprKind::Else {
                binding: Some(binding),
                ..
            } => self.declares(binding),
            ExprKind::Cast(_, ty) => self.type_expr(ty),
            _ => {}
        }
        visit::walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Name(name) => {
                if self.bindings.decl(name.id).is_some() {
                    self.declares(name);
                } else {
                    self.top_use(name);
                }
            }
            PatternKind::Variant { path, .. } => {
                if let Some(last) = path.last() {
                    self.top_use(last);
                }
            }
            PatternKind::List {
                rest: Some(Some(name)),
                ..
            }
            | PatternKind::Record {
                rest: Some(Some(name)),
                ..
            } => self.declares(name),
            PatternKind::Frame { path, fields } => {
                if let Some(last) = path.last() {
                    self.top_use(last);
                }
                for field in fields.iter().filter(|f| f.pattern.is_none()) {
                    self.declares(&field.name);
                }
            }
            _ => {}
        }
        if let PatternKind::Record { fields, .. } = &pattern.kind {
            for field in fields.iter().filter(|f| f.pattern.is_none()) {
                self.declares(&field.name);
            }
        }
        visit::walk_pattern(self, pattern);
    }
}

/// Whether `name` may replace an identifier: letters, digits and `_`, not
/// starting with a digit, and no keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let starts = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    starts
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
        && limit_syntax::lexer::lex(name, 0)
            .0
            .first()
            .is_some_and(|t| matches!(t.kind, limit_syntax::token::TokenKind::Ident(_)))
}

#[cfg(test)]
mod tests {
    use crate::analysis::analyse;
    use std::path::Path;

    /// The byte offsets of every occurrence of the symbol at the `nth`
    /// occurrence of `needle` in `text`, its declarations included.
    fn references(text: &str, needle: &str, nth: usize) -> Vec<usize> {
        let analysis = analyse(Path::new("navigation_test.lm"), text);
        let index = analysis.index();
        let offset = text
            .match_indices(needle)
            .nth(nth)
            .map(|(at, _)| at)
            .unwrap_or_else(|| panic!("no {needle}"));
        let occurrence = index.at(analysis.entry, offset).expect("a symbol there");
        index
            .references(occurrence.symbol, true)
            .iter()
            .map(|span| span.start as usize)
            .collect()
    }

    fn offsets(text: &str, needle: &str) -> Vec<usize> {
        text.match_indices(needle).map(|(at, _)| at).collect()
    }

    #[test]
    fn a_top_level_variable_is_one_symbol_across_redeclarations_and_functions() {
        let text = "var total = 1\nfn show() { print(total); }\nvar total = 2\nshow()\n";
        assert_eq!(references(text, "total", 1), offsets(text, "total"));
    }

    #[test]
    fn a_frame_is_named_by_annotations_constructors_and_patterns() {
        let text = "frame Pt { pub var x: int = 0; }\nfn f(p: Pt): int { return p.x; }\n\
                    var q = Pt(3)\nprint(match (q) { Pt { x } => x, _ => 0 })\n";
        assert_eq!(references(text, "Pt", 2), offsets(text, "Pt"));
    }

    #[test]
    fn a_shadowing_local_is_a_symbol_of_its_own() {
        let text = "fn f(): int { var a = 1; var g = fn(): int { var a = 2; return a; }; return a + g(); }";
        let inner = offsets(text, "a = 2")[0];
        let inner_use = offsets(text, "a; }")[0];
        assert_eq!(references(text, "a = 2", 0), [inner, inner_use]);
        let outer = offsets(text, "a = 1")[0];
        let outer_use = offsets(text, "a + g")[0];
        assert_eq!(references(text, "a + g", 0), [outer, outer_use]);
    }

    #[test]
    fn a_module_block_and_its_members_are_named_through_the_block() {
        let text = "module tools {\n    fn twice(n: int): int { return n * 2; }\n}\n\
                    print(tools.twice(1))\nprint(twice(2))\n";
        assert_eq!(references(text, "tools", 1), offsets(text, "tools"));
        assert_eq!(references(text, "twice", 1), offsets(text, "twice"));
    }

    #[test]
    fn only_identifiers_may_replace_a_name() {
        assert!(super::is_identifier("total_2"));
        assert!(!super::is_identifier("2total"));
        assert!(!super::is_identifier("fn"));
        assert!(!super::is_identifier("a b"));
        assert!(!super::is_identifier(""));
    }
}
