//! `workspace/symbol`: the declarations of every Limit file in the
//! workspace — the open documents as the editor has them, and the `.lm`
//! files under the workspace's folders as they are on disk — whose name
//! matches the query the way editors expect: its characters in order,
//! ignoring case (`shpar` finds `shape_area`).

use std::collections::HashSet;
use std::path::PathBuf;

use lsp_types::{Location, SymbolInformation, Uri};

use crate::analysis::{outline, Symbol, SymbolKind};
use crate::text::range_of;

/// Files searched on disk at most: a workspace folder that is a whole
/// home directory must not stall the editor.
const MAX_FILES: usize = 2_000;
/// Symbols returned at most (editors show a short list and ask again as
/// the query grows).
const MAX_SYMBOLS: usize = 500;

/// One file to search: where it is and its text.
pub struct Source {
    pub uri: Uri,
    pub text: String,
}

/// The `.lm` files under `roots`, skipping hidden folders and build
/// output, those of `open` apart (the editor's text replaces them).
pub fn files_on_disk(roots: &[PathBuf], open: &HashSet<PathBuf>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending: Vec<PathBuf> = roots.to_vec();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            if found.len() >= MAX_FILES {
                return found;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "lm") && !open.contains(&path) {
                found.push(path);
            }
        }
    }
    found
}

/// Whether `name` matches `query`: the query's characters appear in the
/// name in order, ignoring case. An empty query matches everything.
pub fn matches(query: &str, name: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|q| name.any(|n| n == q))
}

/// The symbols of `sources` whose names match `query`, top-level
/// declarations with their members (named with their container).
pub fn search(query: &str, sources: &[Source]) -> Vec<SymbolInformation> {
    let mut out = Vec::new();
    for source in sources {
        let (module, _) = limit_syntax::parse_source(&source.text, 0);
        for symbol in outline(&module) {
            collect(query, source, symbol, None, &mut out);
            if out.len() >= MAX_SYMBOLS {
                out.truncate(MAX_SYMBOLS);
                return out;
            }
        }
    }
    out
}

#[allow(deprecated)] // `SymbolInformation::deprecated` must still be given.
fn collect(
    query: &str,
    source: &Source,
    symbol: Symbol,
    container: Option<&str>,
    out: &mut Vec<SymbolInformation>,
) {
    if matches(query, &symbol.name) {
        out.push(SymbolInformation {
            name: symbol.name.clone(),
            kind: lsp_kind(symbol.kind),
            tags: None,
            deprecated: None,
            location: Location {
                uri: source.uri.clone(),
                range: range_of(&source.text, symbol.name_range.0, symbol.name_range.1),
            },
            container_name: container.map(str::to_string),
        });
    }
    for child in symbol.children {
        collect(query, source, child, Some(&symbol.name), out);
    }
}

/// The protocol's kind for an outline symbol.
pub fn lsp_kind(kind: SymbolKind) -> lsp_types::SymbolKind {
    use lsp_types::SymbolKind as K;
    match kind {
        SymbolKind::Function => K::FUNCTION,
        SymbolKind::Method => K::METHOD,
        SymbolKind::Frame => K::CLASS,
        SymbolKind::Trait => K::INTERFACE,
        SymbolKind::Enum => K::ENUM,
        SymbolKind::Variant => K::ENUM_MEMBER,
        SymbolKind::Field => K::FIELD,
        SymbolKind::Variable => K::VARIABLE,
        SymbolKind::TypeAlias => K::TYPE_PARAMETER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_matches_its_characters_in_order_ignoring_case() {
        assert!(matches("", "anything"));
        assert!(matches("shpar", "shape_area"));
        assert!(matches("SA", "shape_area"));
        assert!(!matches("as", "sa"));
        assert!(!matches("shapex", "shape"));
    }

    #[test]
    fn members_are_found_with_their_container() {
        let source = Source {
            uri: "file:///w/a.lm".parse().expect("a URI"),
            text: "frame Shop {\n    pub var stock: int = 0\n    pub fn restock(n: int) { stock += n; }\n}\nfn stocktake() {}\n".into(),
        };
        let found = search("stock", std::slice::from_ref(&source));
        let names: Vec<(&str, Option<&str>)> = found
            .iter()
            .map(|s| (s.name.as_str(), s.container_name.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("stock", Some("Shop")),
                ("restock", Some("Shop")),
                ("stocktake", None)
            ]
        );
        assert_eq!(found[1].location.range.start.line, 2);
    }
}
