//! Hover: on a name that denotes a declaration — a function, method,
//! frame, trait, enum, variant, field or type alias, where it is declared
//! or used, in this file or an imported one — the declaration's header
//! and the comment lines directly above it (Limit has no separate doc
//! comment syntax: the comment a reader sees above a declaration is its
//! documentation); on anything else, the static type of the innermost
//! expression under the cursor.

use limit_syntax::ast::{FnDecl, Member, Stmt, StmtKind};
use limit_syntax::visit::{self, Visitor};
use limit_syntax::Span;

use crate::analysis::Analysis;

/// What a hover shows: markdown, and the byte range of the entry file it
/// is about.
pub struct HoverText {
    pub markdown: String,
    pub start: usize,
    pub end: usize,
}

/// The hover at byte `offset` of the analysed document.
pub fn hover_at(analysis: &Analysis, offset: usize) -> Option<HoverText> {
    if let Some(found) = declaration_hover(analysis, offset) {
        return Some(found);
    }
    let (ty, start, end) = analysis.type_at(offset)?;
    Some(HoverText {
        markdown: code_block(&ty),
        start,
        end,
    })
}

fn code_block(text: &str) -> String {
    format!("```limit\n{text}\n```")
}

fn declaration_hover(analysis: &Analysis, offset: usize) -> Option<HoverText> {
    let index = analysis.index();
    let occurrence = index.at(analysis.entry, offset)?;
    let declared_at = index.declaration(occurrence.symbol)?;
    let module = analysis
        .graph
        .modules
        .iter()
        .find(|m| m.file == declared_at.file)?;
    let text = &analysis.sources.get(declared_at.file).text;
    let mut finder = FindDeclaration {
        name: declared_at,
        text,
        found: None,
    };
    visit::walk_stmts(&mut finder, &module.ast.stmts);
    let (header, starts_at) = finder.found?;
    let mut markdown = code_block(&header);
    let doc = comment_above(text, starts_at);
    if !doc.is_empty() {
        markdown.push_str("\n\n");
        markdown.push_str(&doc);
    }
    Some(HoverText {
        markdown,
        start: occurrence.span.start as usize,
        end: occurrence.span.end as usize,
    })
}

/// Finds the declaration whose name is at `name` and renders its header,
/// with the byte where the declaration starts (for its comment).
struct FindDeclaration<'a> {
    name: Span,
    text: &'a str,
    found: Option<(String, usize)>,
}

impl FindDeclaration<'_> {
    fn slice(&self, start: u32, end: u32) -> &str {
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    /// The text of a declaration from `start` up to its body's `{`.
    fn header_before_brace(&self, start: u32, end: u32) -> String {
        let whole = self.slice(start, end);
        let header = whole.split('{').next().unwrap_or(whole);
        one_line(header.trim_end_matches(';'))
    }

    fn found(&mut self, header: String, starts_at: u32) {
        if self.found.is_none() {
            self.found = Some((header, starts_at as usize));
        }
    }
}

impl Visitor for FindDeclaration<'_> {
    fn visit_stmt(&mut self, stmt: &Stmt) {
        if self.found.is_some() {
            return;
        }
        let (start, end) = (stmt.span.start, stmt.span.end);
        match &stmt.kind {
            StmtKind::Frame(frame) => {
                if frame.name.span == self.name {
                    let header = self.header_before_brace(start, end);
                    self.found(header, start);
                }
                for member in &frame.members {
                    if let Member::Field(field) = member {
                        if field.name.span == self.name {
                            let text = self.slice(field.span.start, field.span.end);
                            let header = one_line(text.trim_end_matches(';'));
                            self.found(
                                format!("{header}    // in {}", frame.name.name),
                                field.span.start,
                            );
                        }
                    }
                }
            }
            StmtKind::Trait(decl) if decl.name.span == self.name => {
                let header = self.header_before_brace(start, end);
                self.found(header, start);
            }
            StmtKind::TypeAlias(decl) if decl.name.span == self.name => {
                let header = one_line(self.slice(start, end).trim_end_matches(';'));
                self.found(header, start);
            }
            StmtKind::Enum(decl) => {
                let variants: Vec<&str> = decl
                    .variants
                    .iter()
                    .map(|v| self.slice(v.span.start, v.span.end))
                    .collect();
                if decl.name.span == self.name {
                    let header = format!("enum {} {{ {} }}", decl.name.name, variants.join(", "));
                    self.found(header, start);
                }
                if let Some(variant) = decl.variants.iter().find(|v| v.name.span == self.name) {
                    let text = one_line(self.slice(variant.span.start, variant.span.end));
                    self.found(format!("{}.{text}", decl.name.name), variant.span.start);
                }
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_function(&mut self, decl: &FnDecl) {
        if self.found.is_some() {
            return;
        }
        if decl.name.as_ref().is_some_and(|n| n.span == self.name) {
            let end = decl.body.as_ref().map_or(decl.span.end, |b| b.span.start);
            let header = one_line(self.slice(decl.span.start, end).trim_end_matches(';'));
            self.found(header, decl.span.start);
        }
        visit::walk_function(self, decl);
    }
}

/// `text` with every run of whitespace (line breaks included) made one
/// space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `//` comment lines directly above the line holding byte `at`
/// (no blank line between), without their slashes.
fn comment_above(text: &str, at: usize) -> String {
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let mut lines: Vec<&str> = Vec::new();
    for line in text[..line_start].lines().rev() {
        let Some(comment) = line.trim().strip_prefix("//") else {
            break;
        };
        let comment = comment.trim_start_matches('/');
        lines.push(comment.strip_prefix(' ').unwrap_or(comment).trim_end());
    }
    lines.reverse();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn hover(text: &str, at: &str) -> String {
        let analysis = crate::analysis::analyse(Path::new("/tmp/limit_hover_test.lm"), text);
        let offset = text.find(at).expect("the marker is in the text");
        hover_at(&analysis, offset).map_or(String::new(), |h| h.markdown)
    }

    #[test]
    fn a_function_shows_its_signature_and_the_comment_above_it() {
        let text = "// The area of a rectangle,\n// in square units.\nfn area(w: int,\n        h: int): int { return w * h; }\n\nprint(area(2, 3))\n";
        let expected = "```limit\nfn area(w: int, h: int): int\n```\n\nThe area of a rectangle,\nin square units.";
        assert_eq!(hover(text, "area(2"), expected);
        assert_eq!(hover(text, "area(w"), expected);
    }

    #[test]
    fn a_blank_line_ends_the_comment_that_documents() {
        let text = "// a file header\n\nfn f(): int { return 1; }\nvar x = f()\n";
        assert_eq!(hover(text, "f()\n"), "```limit\nfn f(): int\n```");
    }

    #[test]
    fn frames_fields_methods_enums_and_variants() {
        let text = "frame P : Named {\n    // Years since birth.\n    pub age: int = 0;\n    pub fn older(by: int): int { return age + by; }\n}\ntrait Named { fn name(): str { return \"p\"; } }\nenum Colour { Red, Mix(int, int) }\nvar p = P(40)\nprint(p.older(p.age))\nvar c = Colour.Mix(1, 2)\n";
        assert_eq!(hover(text, "P(40)"), "```limit\nframe P : Named\n```");
        assert_eq!(
            hover(text, "older(p"),
            "```limit\npub fn older(by: int): int\n```"
        );
        assert_eq!(
            hover(text, "age))"),
            "```limit\npub age: int = 0    // in P\n```\n\nYears since birth."
        );
        assert_eq!(
            hover(text, "Colour.Mix"),
            "```limit\nenum Colour { Red, Mix(int, int) }\n```"
        );
        assert_eq!(hover(text, "Mix(1"), "```limit\nColour.Mix(int, int)\n```");
        assert_eq!(hover(text, "Named {"), "```limit\ntrait Named\n```");
    }

    #[test]
    fn variables_and_expressions_show_their_type() {
        let text = "var p = [1, 2]\nprint(p.len() + 1)\n";
        assert_eq!(hover(text, "p.len"), "```limit\n[int]\n```");
    }
}
