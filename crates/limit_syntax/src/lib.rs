//! The Limit front end: source positions, tokens, lexer, AST and parser.
//!
//! Invariant: this crate knows nothing of types or values; it turns text into
//! a tree (or diagnostics) and never panics, whatever the input.
#![forbid(unsafe_code)]

pub mod ast;
pub mod diagnostic;
pub mod format;
pub mod lexer;
pub mod parser;
pub mod printer;
pub mod render;
pub mod span;
pub mod token;
pub mod visit;

pub use diagnostic::{Diagnostic, Severity};
pub use lexer::lex;
pub use parser::{parse, parse_source};
pub use span::{FileId, SourceFile, SourceMap, Span};
