//! What the server knows about one open document: the program it is the
//! entry of compiled as `limit check` would (imports read from disk), its
//! diagnostics, the static types the checker proved and its syntax tree.

use std::path::Path;

use limit_compiler::capabilities::Capabilities;
use limit_compiler::check::TypeTable;
use limit_compiler::modules::{load_program, ModuleGraph};
use limit_compiler::{check, codegen, CompileOptions};
use limit_syntax::ast::{Expr, Member, Module, StmtKind, VarTarget};
use limit_syntax::visit::{self, Visitor};
use limit_syntax::{Diagnostic, FileId, SourceMap};

/// A compiled document.
pub struct Analysis {
    pub entry: FileId,
    pub(crate) graph: ModuleGraph,
    types: TypeTable,
    pub diagnostics: Vec<Diagnostic>,
    /// Every file of the program (names and texts, for locations).
    pub sources: SourceMap,
    /// What every name of the program denotes (the resolve stage).
    pub bindings: limit_compiler::resolve::Bindings,
}

/// Compiles `text`, the editor's version of the file at `path`.
pub fn analyse(path: &Path, text: &str) -> Analysis {
    let mut sources = SourceMap::new();
    let entry = sources.add(path.display().to_string(), text.to_string());
    let (graph, mut diagnostics) = load_program(&mut sources, entry, Capabilities::all());
    let mut types = TypeTable::default();
    let bindings = limit_compiler::resolve::resolve_program(&graph, &sources);
    if !diagnostics.iter().any(Diagnostic::is_error) {
        for checked in check::check_resolved_program(&graph, &sources, &bindings) {
            diagnostics.extend(checked.diagnostics);
            types.extend(checked.types);
        }
        // The code generator reports a few problems of its own (a `break`
        // outside a loop, a mutation in a parallel task).
        let options = CompileOptions {
            optimize: false,
            capabilities: Capabilities::all(),
        };
        let (_, more) =
            codegen::generate(&graph, &sources, &options, types.clone(), bindings.clone());
        diagnostics.extend(more);
    }
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    diagnostics.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    Analysis {
        entry,
        graph,
        types,
        diagnostics,
        sources,
        bindings,
    }
}

impl Analysis {
    /// Every occurrence of every symbol of the program.
    pub fn index(&self) -> crate::navigation::Index {
        crate::navigation::Index::build(&self.graph, &self.bindings, &self.types)
    }

    /// The entry document's syntax tree, when it parsed far enough to load.
    pub fn module(&self) -> Option<&Module> {
        self.graph
            .modules
            .iter()
            .find(|m| m.file == self.entry)
            .map(|m| &m.ast)
    }

    /// The module a name at byte `offset` of the entry file denotes: a
    /// segment of an `import` statement's path, or the namespace an
    /// import binds where it is used (`geometry` in `geometry.area`).
    pub fn module_at(&self, offset: usize) -> Option<FileId> {
        let text = &self.sources.get(self.entry).text;
        let offset = offset.min(text.len());
        let start = crate::text::name_start(text, offset);
        let end = text[offset..]
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(text.len(), |(i, _)| offset + i);
        let word = &text[start..end];
        if word.is_empty() {
            return None;
        }
        let entry = self.graph.modules.iter().find(|m| m.file == self.entry)?;
        let target = entry.imports.iter().find_map(|(decl, span, target)| {
            let in_statement = span.start as usize <= start && end <= span.end as usize;
            let names_it = in_statement && decl.path.iter().any(|segment| segment.name == word)
                || decl.namespace().is_some_and(|n| n.name == word) && text[end..].starts_with('.');
            names_it.then_some((*target)?)
        })?;
        self.graph.modules.get(target).map(|m| m.file)
    }

    /// The static type of the innermost expression at byte `offset` whose
    /// type the checker knows, with that expression's byte range.
    pub fn type_at(&self, offset: usize) -> Option<(String, usize, usize)> {
        let module = self.module()?;
        let mut finder = InnermostTyped {
            offset: offset as u32,
            types: &self.types,
            best: None,
        };
        for stmt in &module.stmts {
            finder.visit_stmt(stmt);
        }
        finder
            .best
            .map(|(start, end, ty)| (ty, start as usize, end as usize))
    }
}

struct InnermostTyped<'a> {
    offset: u32,
    types: &'a TypeTable,
    best: Option<(u32, u32, String)>,
}

impl Visitor for InnermostTyped<'_> {
    fn visit_expr(&mut self, expr: &Expr) {
        let span = expr.span;
        if span.start <= self.offset && self.offset <= span.end {
            if let Some(ty) = self.types.type_of(expr.id) {
                let narrower = self
                    .best
                    .as_ref()
                    .is_none_or(|(s, e, _)| span.end - span.start <= e - s);
                if narrower {
                    self.best = Some((span.start, span.end, ty.to_string()));
                }
            }
            visit::walk_expr(self, expr);
        }
    }
}

/// A declaration for the document outline.
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole declaration and its name, as byte ranges.
    pub range: (usize, usize),
    pub name_range: (usize, usize),
    pub children: Vec<Symbol>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Function,
    Method,
    Frame,
    Trait,
    Enum,
    Variant,
    Field,
    Variable,
    TypeAlias,
}

/// The top-level declarations of `module`, with their members.
pub fn outline(module: &Module) -> Vec<Symbol> {
    let mut symbols = Vec::new();
    for stmt in &module.stmts {
        let range = (stmt.span.start as usize, stmt.span.end as usize);
        let named = |name: &limit_syntax::ast::Ident, kind, children| Symbol {
            name: name.name.clone(),
            kind,
            range,
            name_range: (name.span.start as usize, name.span.end as usize),
            children,
        };
        match &stmt.kind {
            StmtKind::Fn(decl) => {
                if let Some(name) = &decl.name {
                    symbols.push(named(name, SymbolKind::Function, Vec::new()));
                }
            }
            StmtKind::Frame(frame) => {
                let members = frame
                    .members
                    .iter()
                    .filter_map(|member| match member {
                        Member::Field(field) => Some(Symbol {
                            name: field.name.name.clone(),
                            kind: SymbolKind::Field,
                            range: (field.span.start as usize, field.span.end as usize),
                            name_range: span_range(field.name.span),
                            children: Vec::new(),
                        }),
                        Member::Method(method) => method_symbol(method),
                    })
                    .collect();
                symbols.push(named(&frame.name, SymbolKind::Frame, members));
            }
            StmtKind::Trait(decl) => {
                let methods = decl.methods.iter().filter_map(method_symbol).collect();
                symbols.push(named(&decl.name, SymbolKind::Trait, methods));
            }
            StmtKind::Enum(decl) => {
                let variants = decl
                    .variants
                    .iter()
                    .map(|variant| Symbol {
                        name: variant.name.name.clone(),
                        kind: SymbolKind::Variant,
                        range: span_range(variant.name.span),
                        name_range: span_range(variant.name.span),
                        children: Vec::new(),
                    })
                    .collect();
                symbols.push(named(&decl.name, SymbolKind::Enum, variants));
            }
            StmtKind::TypeAlias(decl) => {
                symbols.push(named(&decl.name, SymbolKind::TypeAlias, Vec::new()));
            }
            StmtKind::Var(decl) => {
                if let VarTarget::Name(name) = &decl.target {
                    symbols.push(named(name, SymbolKind::Variable, Vec::new()));
                }
            }
            _ => {}
        }
    }
    symbols
}

fn method_symbol(method: &limit_syntax::ast::FnDecl) -> Option<Symbol> {
    let name = method.name.as_ref()?;
    Some(Symbol {
        name: name.name.clone(),
        kind: SymbolKind::Method,
        range: span_range(method.span),
        name_range: span_range(name.span),
        children: Vec::new(),
    })
}

fn span_range(span: limit_syntax::Span) -> (usize, usize) {
    (span.start as usize, span.end as usize)
}
