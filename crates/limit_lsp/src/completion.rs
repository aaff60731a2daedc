//! Completion: after `receiver.` the members of the receiver's static type
//! (a frame's fields and methods, or a built-in type's methods from the one
//! table of built-ins); after an imported module's name what the module
//! exports, after an enum's its variants, and after `import std.` the
//! standard modules; elsewhere the names in scope (locals and parameters
//! of the enclosing functions declared before the cursor, the file's
//! top-level declarations and imported modules), built-in functions and
//! keywords.

use std::path::Path;

use limit_bytecode::builtins::{Receiver, BUILTINS, METHODS};
use limit_syntax::ast::{FnDecl, Member, Module, Stmt, StmtKind, VarTarget};
use limit_syntax::visit::{self, Visitor};

use limit_compiler::resolve::visibility::hidden_from_importers;
use limit_compiler::resolve::ModuleFacts;

use crate::analysis::{analyse, outline, Analysis, SymbolKind};
use crate::text::name_start;

/// One proposal: its text, what it is, and a detail line (a signature or
/// a type).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub label: String,
    pub kind: ProposalKind,
    pub detail: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProposalKind {
    Field,
    Method,
    Function,
    Variable,
    Type,
    Module,
    Variant,
    Keyword,
}

/// Words proposed as keywords: the reserved words and `loop` (a
/// contextual keyword before `{`, LANGUAGE §12a).
fn keywords() -> impl Iterator<Item = &'static str> {
    limit_syntax::token::TokenKind::RESERVED_WORDS
        .into_iter()
        .chain(["loop"])
}

/// The proposals at byte `offset` of `text` (the file at `path`).
pub fn complete(path: &Path, text: &str, offset: usize) -> Vec<Proposal> {
    let offset = floor_char_boundary(text, offset);
    // The word being typed.
    let word_start = name_start(text, offset);
    let prefix = &text[word_start..offset];
    let proposals = if text[..word_start].ends_with('.') {
        after_dot(path, text, word_start - 1, offset)
    } else {
        names_in_scope(text, offset)
    };
    proposals
        .into_iter()
        .filter(|p| p.label.starts_with(prefix))
        .collect()
}

/// What follows the `.` at byte `dot`: the standard modules after
/// `import std.`; else, from the text as it was before the `.` was typed
/// (so that it parses), what a namespace or enum named before the dot
/// offers, or the members of the expression that ends there.
fn after_dot(path: &Path, text: &str, dot: usize, offset: usize) -> Vec<Proposal> {
    let start = name_start(text, dot);
    let name = &text[start..dot];
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if text[line_start..start].trim() == "import" {
        return standard_modules(name);
    }
    let mut before = String::with_capacity(text.len());
    before.push_str(&text[..dot]);
    before.push_str(&text[offset..]);
    let analysis = analyse(path, &before);
    let named = !name.is_empty() && !text[..start].ends_with('.');
    named
        .then(|| namespace_members(&analysis, name))
        .flatten()
        .unwrap_or_else(|| members(&analysis, dot))
}

/// After `import std.`: the standard modules (nothing after another
/// first segment).
fn standard_modules(first: &str) -> Vec<Proposal> {
    if first != "std" {
        return Vec::new();
    }
    let modules = limit_compiler::stdlib::NAMES.iter().map(|m| Proposal {
        label: (*m).to_string(),
        kind: ProposalKind::Module,
        detail: Some(format!("std.{m}")),
    });
    modules.collect()
}

/// Members of the expression that ends at the `.` at byte `dot`.
fn members(analysis: &Analysis, dot: usize) -> Vec<Proposal> {
    let Some((ty, start, end)) = analysis.type_at(dot.saturating_sub(1)) else {
        return Vec::new();
    };
    if end != dot || start >= end {
        return Vec::new();
    }
    if let Some(receiver) = builtin_receiver(&ty) {
        return METHODS
            .iter()
            .filter(|m| m.on == receiver || m.on == Receiver::Any)
            .flat_map(|m| {
                m.method.names().iter().map(move |name| Proposal {
                    label: (*name).to_string(),
                    kind: ProposalKind::Method,
                    detail: Some(format!("{name}{}", m.sig)),
                })
            })
            .fold(Vec::new(), dedup);
    }
    // A frame of an imported module is named `module.Frame`.
    let frame = ty.rsplit('.').next().unwrap_or(&ty);
    let modules: Vec<&Module> = analysis.graph.modules.iter().map(|m| &m.ast).collect();
    frame_members(&modules, frame)
}

/// After `name.`, where `name` is a module the file imports whole or an
/// enum of the file: what the name offers. `None` when `name` is neither
/// (an expression).
fn namespace_members(analysis: &Analysis, name: &str) -> Option<Vec<Proposal>> {
    let entry = analysis
        .graph
        .modules
        .iter()
        .find(|m| m.file == analysis.entry)?;
    let imported = entry
        .imports
        .iter()
        .find_map(|(decl, _, index)| (decl.namespace()?.name == name).then_some((*index)?));
    if let Some(index) = imported {
        let module = analysis.graph.modules.get(index)?;
        return Some(exports(&module.ast.stmts, false));
    }
    let facts = ModuleFacts::gather(entry.file, &entry.ast.stmts);
    if let Some(variants) = facts.enum_variants.get(name) {
        let variants = variants.iter().map(|(variant, _)| Proposal {
            label: variant.clone(),
            kind: ProposalKind::Variant,
            detail: Some(format!("{name}.{variant}")),
        });
        return Some(variants.collect());
    }
    None
}

/// What a module exports (LANGUAGE §10: its top-level functions, frames,
/// enums, traits, type aliases and variables not marked `@private`), in
/// the order declared.
fn exports(stmts: &[Stmt], in_block: bool) -> Vec<Proposal> {
    let mut out = Vec::new();
    for stmt in stmts {
        let (name, kind, detail, visibility) = match &stmt.kind {
            StmtKind::ModuleBlock(block) => {
                // A block's `@public` section is what it exports.
                for proposal in exports(&block.stmts, true) {
                    out = dedup(out, proposal);
                }
                continue;
            }
            StmtKind::Fn(decl) => {
                let Some(name) = &decl.name else { continue };
                let detail = Some(signature(decl));
                (
                    name,
                    ProposalKind::Function,
                    detail,
                    decl.modifiers.visibility,
                )
            }
            StmtKind::Frame(frame) => (&frame.name, ProposalKind::Type, None, frame.visibility),
            StmtKind::Trait(decl) => (&decl.name, ProposalKind::Type, None, decl.visibility),
            StmtKind::Enum(decl) => (&decl.name, ProposalKind::Type, None, decl.visibility),
            StmtKind::TypeAlias(decl) => (&decl.name, ProposalKind::Type, None, decl.visibility),
            StmtKind::Var(decl) => {
                if hidden_from_importers(decl.visibility, in_block) {
                    continue;
                }
                let mut names = Vec::new();
                target_names(&decl.target, &mut names);
                for label in names {
                    let proposal = Proposal {
                        label,
                        kind: ProposalKind::Variable,
                        detail: None,
                    };
                    out = dedup(out, proposal);
                }
                continue;
            }
            _ => continue,
        };
        if name.name.starts_with("__") || hidden_from_importers(visibility, in_block) {
            continue;
        }
        let proposal = Proposal {
            label: name.name.clone(),
            kind,
            detail,
        };
        out = dedup(out, proposal);
    }
    out
}

fn dedup(mut all: Vec<Proposal>, p: Proposal) -> Vec<Proposal> {
    if !all.iter().any(|q| q.label == p.label) {
        all.push(p);
    }
    all
}

/// The built-in type a type's text names.
fn builtin_receiver(ty: &str) -> Option<Receiver> {
    match ty {
        "str" => Some(Receiver::Str),
        "channel" => Some(Receiver::Channel),
        "range" => Some(Receiver::Range),
        _ if ty.starts_with('[') => Some(Receiver::List),
        _ if ty.starts_with('{') => Some(Receiver::Dict),
        _ if ty.starts_with('(') => Some(Receiver::Tuple),
        _ => None,
    }
}

/// The fields and methods of frame `name` declared in `module`, with those
/// of the frames it extends there.
fn frame_members(modules: &[&Module], name: &str) -> Vec<Proposal> {
    let mut out = Vec::new();
    let mut next = Some(name.to_string());
    let mut seen = Vec::new();
    while let Some(frame_name) = next.take() {
        if seen.contains(&frame_name) {
            break;
        }
        seen.push(frame_name.clone());
        for stmt in modules.iter().flat_map(|m| &m.stmts) {
            let StmtKind::Frame(frame) = &stmt.kind else {
                continue;
            };
            if frame.name.name != frame_name {
                continue;
            }
            for member in &frame.members {
                let proposal = match member {
                    Member::Field(field) => Proposal {
                        label: field.name.name.clone(),
                        kind: ProposalKind::Field,
                        detail: None,
                    },
                    Member::Method(method) => {
                        let Some(name) = &method.name else { continue };
                        if matches!(name.name.as_str(), "init" | "deinit") {
                            continue;
                        }
                        Proposal {
                            label: name.name.clone(),
                            kind: ProposalKind::Method,
                            detail: Some(signature(method)),
                        }
                    }
                };
                out = dedup(out, proposal);
            }
            next = frame.supers.first().map(|s| s.name.clone());
        }
    }
    out
}

/// `name(a, b)` of a function, for a detail line.
fn signature(decl: &FnDecl) -> String {
    let params: Vec<&str> = decl.params.iter().map(|p| p.name.name.as_str()).collect();
    let name = decl.name.as_ref().map_or("fn", |n| n.name.as_str());
    format!("{name}({})", params.join(", "))
}

/// Locals and parameters visible at `offset`, top-level declarations,
/// built-in functions and keywords.
fn names_in_scope(text: &str, offset: usize) -> Vec<Proposal> {
    let (module, _) = limit_syntax::parse_source(text, 0);
    let mut out = Vec::new();
    let mut locals = Locals {
        offset: offset as u32,
        names: Vec::new(),
    };
    for stmt in &module.stmts {
        locals.visit_stmt(stmt);
    }
    for name in locals.names.into_iter().rev() {
        out = dedup(
            out,
            Proposal {
                label: name,
                kind: ProposalKind::Variable,
                detail: None,
            },
        );
    }
    for stmt in &module.stmts {
        if let StmtKind::Import(decl) = &stmt.kind {
            if let Some(name) = decl.namespace() {
                let proposal = Proposal {
                    label: name.name.clone(),
                    kind: ProposalKind::Module,
                    detail: None,
                };
                out = dedup(out, proposal);
            }
        }
    }
    for symbol in outline(&module) {
        let kind = match symbol.kind {
            SymbolKind::Function => ProposalKind::Function,
            SymbolKind::Variable => ProposalKind::Variable,
            _ => ProposalKind::Type,
        };
        out = dedup(
            out,
            Proposal {
                label: symbol.name,
                kind,
                detail: None,
            },
        );
    }
    for native in BUILTINS.iter().filter(|n| !n.name.starts_with("__")) {
        out = dedup(
            out,
            Proposal {
                label: native.name.to_string(),
                kind: ProposalKind::Function,
                detail: Some(format!("{}{}", native.name, native.sig)),
            },
        );
    }
    for keyword in keywords() {
        out = dedup(
            out,
            Proposal {
                label: keyword.to_string(),
                kind: ProposalKind::Keyword,
                detail: None,
            },
        );
    }
    out
}

/// Collects the names declared before `offset` in the functions and blocks
/// that contain it.
struct Locals {
    offset: u32,
    names: Vec<String>,
}

impl Visitor for Locals {
    fn visit_function(&mut self, decl: &FnDecl) {
        if decl.span.start <= self.offset && self.offset <= decl.span.end {
            self.names
                .extend(decl.params.iter().map(|p| p.name.name.clone()));
            visit::walk_function(self, decl);
        }
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        if stmt.span.start > self.offset {
            return;
        }
        match &stmt.kind {
            StmtKind::Var(decl) if stmt.span.end <= self.offset => {
                let mut names = Vec::new();
                target_names(&decl.target, &mut names);
                self.names.extend(names);
            }
            StmtKind::Iter { bindings, body, .. } if stmt.span.end >= self.offset => {
                self.names
                    .extend(bindings.iter().map(|b| b.name.name.clone()));
                self.visit_block(body);
            }
            _ if stmt.span.end >= self.offset => visit::walk_stmt(self, stmt),
            StmtKind::Fn(_) | StmtKind::Frame(_) => {}
            _ => {}
        }
    }
}

fn target_names(target: &VarTarget, out: &mut Vec<String>) {
    match target {
        VarTarget::Name(name) => out.push(name.name.clone()),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                target_names(item, out);
            }
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str, at: &str) -> Vec<String> {
        let offset = text.find(at).map(|i| i + at.len()).expect("marker");
        complete(Path::new("t.lm"), text, offset)
            .into_iter()
            .map(|p| p.label)
            .collect()
    }

    #[test]
    fn members_of_a_frame_and_its_parent() {
        let text = "frame A { pub id: int; pub fn show(): str { return \"a\"; } }\nframe B : A { pub n: int = 0; pub fn grow(by: int) { n += by; } }\nvar b = B()\nb.\n";
        let got = labels(text, "b.");
        assert_eq!(got, ["n", "grow", "id", "show"]);
        let text =
            "frame A { pub id: int; pub fn show(): str { return \"a\"; } }\nvar a = A(1)\na.sh\n";
        assert_eq!(labels(text, "a.sh"), ["show"]);
    }

    #[test]
    fn methods_of_built_in_types() {
        let got = labels("var s = \"x\"\ns.up\n", "s.up");
        assert!(got.contains(&"upper".to_string()), "{got:?}");
        assert!(got.iter().all(|l| l.starts_with("up")), "{got:?}");
        let got = labels("var xs = [1, 2]\nxs.pu\n", "xs.pu");
        assert_eq!(got, ["push"]);
    }

    #[test]
    fn names_in_scope_before_the_cursor() {
        let text = "var total = 0\nfn add(amount: int): int {\n    var tax = 2\n    return am\n}\nvar later = 1\n";
        assert_eq!(labels(text, "return am"), ["amount"]);
        let got = labels(text, "return ");
        assert!(got.contains(&"tax".to_string()) && got.contains(&"total".to_string()));
        assert!(got.contains(&"print".to_string()) && got.contains(&"while".to_string()));
        assert!(!got.iter().any(|l| l.starts_with("__")), "{got:?}");
    }

    #[test]
    fn members_of_an_imported_module_an_enum_and_the_standard_modules() {
        let text = "import std.math as m\nprint(m.co)\n";
        assert_eq!(labels(text, "m.co"), ["cos", "cosh"]);
        let got = labels("import std.math\nprint(math.)\n", "math.");
        assert!(got.contains(&"pi".to_string()) && got.contains(&"atan2".to_string()));
        assert!(!got.iter().any(|l| l.starts_with("__")), "{got:?}");
        let text = "enum Suit { Hearts, Spades, Clubs }\nvar s = Suit.\n";
        assert_eq!(labels(text, "Suit."), ["Hearts", "Spades", "Clubs"]);
        let got = labels("import std.j\n", "std.j");
        assert_eq!(got, ["json"]);
        // A module imported with `show` binds no namespace.
        assert_eq!(
            labels("import std.math show pi\nmath.\n", "math."),
            Vec::<String>::new()
        );
    }

    #[test]
    fn imported_modules_are_names_in_scope() {
        let got = labels(
            "import std.json\nimport std.math as m\nvar x = 1\n",
            "var x = 1\n",
        );
        assert!(got.contains(&"json".to_string()) && got.contains(&"m".to_string()));
    }

    #[test]
    fn members_of_a_frame_an_imported_module_declares() {
        let dir = std::env::temp_dir().join(format!("limit_lsp_complete_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        std::fs::write(
            dir.join("shapes.lm"),
            "frame Square {\n    pub side: int = 1;\n    pub fn area(): int { return side * side; }\n}\n",
        )
        .expect("the module");
        let text = "import shapes\nvar s = shapes.Square(2)\ns.\n";
        let offset = text.find("s.\n").expect("marker") + 2;
        let got: Vec<String> = complete(&dir.join("main.lm"), text, offset)
            .into_iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(got, ["side", "area"]);
        let offset = text.find("shapes.Sq").expect("marker") + "shapes.".len();
        let got: Vec<String> = complete(&dir.join("main.lm"), text, offset)
            .into_iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(got, ["Square"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
