//! The parser: turns the lexer's tokens into an [`ast::Module`].
//!
//! A hand-written recursive-descent parser with precedence climbing for
//! binary operators (reference.md §4) and the look-alike rules of §12.
//!
//! Invariants:
//! * it never panics and always terminates: every loop consumes a token or
//!   exits, and recursion is bounded by [`MAX_NESTING`];
//! * it reports every independent syntax error once: after an error it stays
//!   quiet until it has re-synchronised at a statement boundary (`;`, a
//!   statement-ending newline, `}`) or at the closer of the list it was in;
//! * every node carries the span of the text it was parsed from.
//!
//! The work is split by grammar area: [`cursor`] (token access),
//! [`recovery`] (diagnostics, synchronisation, nesting limit), [`stmt`]
//! (blocks and statements), [`control`] (control flow), [`concurrency`]
//! (`parallel`, `task`, `worker`, `attempt`), [`decl`] (functions, imports,
//! modules, enums, aliases), [`frame`] (frames and traits), [`expr`]
//! (operators), [`primary`] (literals and other operands), [`lookahead`]
//! (the ternary scan), [`pattern`] and [`types`].

mod comment_hints;
mod concurrency;
mod control;
mod cursor;
mod decl;
mod expr;
mod frame;
mod lookahead;
pub(crate) use lookahead::ternary_follows;
mod pattern;
mod primary;
mod recovery;
mod stmt;
mod types;

use crate::ast::{Module, NodeId};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};
use crate::token::{Token, TokenKind};

/// How deeply expressions, blocks, patterns and types may nest before the
/// parser reports "expression too deeply nested" instead of recursing further. Keeps the
/// host stack safe on any input (DESIGN.md §5: script depth never becomes
/// unbounded Rust stack depth).
pub const MAX_NESTING: usize = 256;

/// The hint for a line that starts with a binary operator after a complete
/// statement: the line does not continue that statement.
const LINE_STARTS_WITH_OPERATOR: &str =
    "this line is a separate statement; end the previous line with the operator to continue it";

/// How much host stack the parser may use below its entry point. Frames of
/// unoptimised builds are large (several KiB per nested expression), so in a
/// debug build this, not [`MAX_NESTING`], is what stops hostile nesting on a
/// 2 MiB thread; optimised builds reach [`MAX_NESTING`] first.
const MAX_STACK_BYTES: usize = 1 << 20;

/// An address in the current stack frame. Comparing it with the address
/// taken when parsing started measures the stack used so far (the stack is
/// contiguous; its growth direction does not matter for the distance).
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Parses a token list (as produced by `lexer::lex`, ending with `Eof`) into
/// a module, with every syntax error found.
///
/// A missing trailing `Eof` is tolerated: the parser supplies one.
pub fn parse(tokens: &[Token], file: FileId) -> (Module, Vec<Diagnostic>) {
    parse_tokens(tokens, file, None)
}

/// Lexes and parses `source`: the module and all diagnostics of both stages,
/// lexer diagnostics first.
pub fn parse_source(source: &str, file: FileId) -> (Module, Vec<Diagnostic>) {
    let (tokens, mut diagnostics) = crate::lexer::lex(source, file);
    let (module, parse_diagnostics) = parse_tokens(&tokens, file, Some(source));
    diagnostics.extend(parse_diagnostics);
    comment_hints::explain_operator_comments(source, &tokens, &mut diagnostics);
    (module, diagnostics)
}

/// With the source text at hand the parser can also see line breaks the
/// lexer did not flag (after an unclosed `(` the lexer never flags another
/// newline), which keeps error recovery to one message per mistake.
fn parse_tokens(tokens: &[Token], file: FileId, source: Option<&str>) -> (Module, Vec<Diagnostic>) {
    let ends_with_eof = matches!(tokens.last(), Some(t) if t.kind == TokenKind::Eof);
    if ends_with_eof {
        return Parser::new(tokens, file, source, 0, stack_position()).parse_module();
    }
    let end = tokens.last().map_or(0, |t| t.span.end as usize);
    let mut owned = tokens.to_vec();
    owned.push(Token {
        kind: TokenKind::Eof,
        span: Span::new(file, end, end),
        newline_before: false,
    });
    Parser::new(&owned, file, source, 0, stack_position()).parse_module()
}

/// Parser state over one token list. `tokens` is never empty and ends with
/// `Eof` (guaranteed by [`parse`] and by the lexer for interpolations).
pub(crate) struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    file: FileId,
    /// The source text, when known; used only to see line breaks.
    source: Option<&'t str>,
    diagnostics: Vec<Diagnostic>,
    /// Set by the first error of a statement; further errors are dropped
    /// until the parser re-synchronises, so one mistake gives one message.
    recovering: bool,
    /// Whether a token's `newline_before` flag ends the current construct.
    /// True in statement context, false inside brackets, dict literals, enum
    /// bodies, types and match arm lists (§12).
    newline_ends: bool,
    /// Whether `Name {` may start an object literal (§12a). False in a
    /// condition or iterable written without parentheses, where the `{`
    /// opens the body; brackets inside such a condition allow it again.
    object_literals: bool,
    /// Whether the type being parsed ends an `as` cast, where a `?` that
    /// starts a ternary (`x as bool ? 1 : 2`) is not the type's (§12).
    cast_type: bool,
    /// Current nesting depth of expressions, blocks, patterns and types.
    depth: usize,
    /// [`stack_position`] when parsing of the file started.
    stack_base: usize,
    /// The number the next node gets (see [`NodeId`]); an interpolation's
    /// parser continues its file's count.
    next_node: u32,
}

impl<'t> Parser<'t> {
    fn new(
        tokens: &'t [Token],
        file: FileId,
        source: Option<&'t str>,
        depth: usize,
        stack_base: usize,
    ) -> Parser<'t> {
        Parser {
            tokens,
            pos: 0,
            file,
            source,
            diagnostics: Vec::new(),
            recovering: false,
            newline_ends: true,
            object_literals: true,
            cast_type: false,
            depth,
            stack_base,
            next_node: 0,
        }
    }

    /// A fresh id for a node of this file.
    pub(crate) fn node_id(&mut self) -> NodeId {
        let id = NodeId {
            file: self.file,
            index: self.next_node,
        };
        self.next_node = self.next_node.saturating_add(1);
        id
    }
}
