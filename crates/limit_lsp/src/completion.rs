//! Completion: after `receiver.` the members of the receiver's static type
//! (a frame's fields and methods, or a built-in type's methods from the one
//! table of built-ins); elsewhere the names in scope (locals and parameters
//! of the enclosing functions declared before the cursor, the file's
//! top-level declarations), built-in functions and keywords.

use std::path::Path;

use limit_bytecode::builtins::{Receiver, BUILTINS, METHODS};
use limit_syntax::ast::{FnDecl, Member, Module, Stmt, StmtKind, VarTarget};
use limit_syntax::visit::{self, Visitor};

use crate::analysis::{analyse, outline, SymbolKind};

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
    let word_start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(offset, |(i, _)| i);
    let prefix = &text[word_start..offset];
    let proposals = if text[..word_start].ends_with('.') {
        members(path, text, word_start - 1, offset)
    } else {
        names_in_scope(text, offset)
    };
    proposals
        .into_iter()
        .filter(|p| p.label.starts_with(prefix))
        .collect()
}

/// Members of the expression that ends at the `.` at byte `dot`.
fn members(path: &Path, text: &str, dot: usize, offset: usize) -> Vec<Proposal> {
    // The text as it was before the `.` was typed, so that it parses.
    let mut before = String::with_capacity(text.len());
    before.push_str(&text[..dot]);
    before.push_str(&text[offset..]);
    let analysis = analyse(path, &before);
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
    let Some(module) = analysis.module() else {
        return Vec::new();
    };
    frame_members(module, &ty)
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
fn frame_members(module: &Module, name: &str) -> Vec<Proposal> {
    let mut out = Vec::new();
    let mut next = Some(name.to_string());
    let mut seen = Vec::new();
    while let Some(frame_name) = next.take() {
        if seen.contains(&frame_name) {
            break;
        }
        seen.push(frame_name.clone());
        for stmt in &module.stmts {
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
}
