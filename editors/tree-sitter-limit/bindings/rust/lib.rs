//! Limit language support for the [tree-sitter] parsing library: the
//! grammar in `grammar.js` (generated into `src/parser.c`, with the
//! external scanner `src/scanner.c`) and the highlight query
//! `queries/highlights.scm`.
//!
//! ```
//! let code = "fn add(a: int, b: int): int { return a + b }\nprint(\"{add(1, 2)}\")\n";
//! let mut parser = tree_sitter::Parser::new();
//! parser
//!     .set_language(&tree_sitter_limit::LANGUAGE.into())
//!     .expect("Error loading Limit parser");
//! let tree = parser.parse(code, None).unwrap();
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! [tree-sitter]: https://tree-sitter.github.io/
#![deny(clippy::undocumented_unsafe_blocks)]

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    fn tree_sitter_limit() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for this grammar.
// SAFETY: `tree_sitter_limit` is the language function generated into
// src/parser.c by `tree-sitter generate`; it returns a pointer to a static
// `TSLanguage`, which is what `LanguageFn::from_raw` expects.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_limit) };

/// The content of the [`node-types.json`] file for this grammar.
///
/// [`node-types.json`]: https://tree-sitter.github.io/tree-sitter/using-parsers/6-static-node-types
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// The syntax highlighting query for this grammar.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

#[cfg(test)]
mod tests {
    #[test]
    fn test_can_load_grammar() {
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&super::LANGUAGE.into())
            .expect("Error loading Limit parser");
    }
}
