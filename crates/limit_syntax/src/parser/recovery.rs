//! Diagnostics, error recovery and the nesting limit.
//!
//! Strategy (panic mode): the first error of a construct is reported and sets
//! `recovering`; later errors are dropped until the parser is back at a known
//! boundary — the end of a statement, the closer of the bracketed list it was
//! in, or the end of a match arm — where `recovering` is cleared. So each
//! independent mistake yields exactly one diagnostic.

use super::{stack_position, Parser, MAX_NESTING, MAX_STACK_BYTES};
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::token::TokenKind;

impl<'t> Parser<'t> {
    /// Reports an error at `span` unless the parser is already recovering.
    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) {
        self.report(Diagnostic::error(span, message));
    }

    /// Reports an error with a hint for the fix.
    pub(super) fn error_with_hint(
        &mut self,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.report(Diagnostic::error(span, message).with_hint(hint));
    }

    /// Reports a spelling from another language (§12a) with the Limit
    /// spelling as the hint. The parser then reads the construct as if it
    /// had been spelled right, so this does not enter recovery: later,
    /// independent errors are still reported.
    pub(super) fn spelling_error(
        &mut self,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.report_in_passing(Diagnostic::error(span, message).with_hint(hint));
    }

    /// Reports an error at the current token.
    pub(super) fn error_here(&mut self, message: impl Into<String>) {
        let span = self.current_span();
        self.error(span, message);
    }

    /// Reports a warning (which does not stop the parse or its recovery).
    pub(super) fn warning_with_hint(
        &mut self,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.report_in_passing(Diagnostic::warning(span, message).with_hint(hint));
    }

    /// Records `diagnostic` unless a recovery is under way, without
    /// starting one: the parse goes on as if the input were right.
    fn report_in_passing(&mut self, diagnostic: Diagnostic) {
        if !self.recovering {
            self.diagnostics.push(diagnostic);
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        if !self.recovering {
            self.diagnostics.push(diagnostic);
            self.recovering = true;
        }
    }

    /// The diagnostics collected so far (used when a sub-parser for an
    /// interpolation hands its findings back).
    pub(super) fn take_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
    }

    /// A stand-in expression for one that failed to parse, so callers can
    /// keep building the tree.
    pub(super) fn placeholder(&mut self, span: Span) -> Expr {
        Expr {
            id: self.node_id(),
            kind: ExprKind::Nil,
            span,
        }
    }

    /// Runs `f` one nesting level deeper, or reports "expression too deeply nested" and
    /// returns `None` without consuming anything when the limit is reached.
    pub(super) fn nested<T>(&mut self, f: impl FnOnce(&mut Parser<'t>) -> T) -> Option<T> {
        let stack_used = self.stack_base.abs_diff(stack_position());
        if self.depth >= MAX_NESTING || stack_used > MAX_STACK_BYTES {
            let span = self.current_span();
            self.error_with_hint(
                span,
                "expression too deeply nested",
                format!(
                    "expressions, blocks, patterns and types may nest at most {MAX_NESTING} levels"
                ),
            );
            return None;
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
        Some(result)
    }

    /// One more level of an expression that a loop builds (an operator
    /// chain `a + b + …`, a postfix chain `f()()…`, `x.a.b…`, `e as T as U…`):
    /// the tree gets one level deeper without the parser recursing, and
    /// every later stage walks that tree recursively, so these levels count
    /// toward the same bound as nesting. Raises `self.depth` (the caller
    /// lowers it by `levels` when its loop ends) or reports "expression too
    /// deeply nested" and returns false.
    pub(super) fn deepen_chain(&mut self, levels: &mut usize) -> bool {
        if self.depth >= MAX_NESTING {
            let span = self.current_span();
            self.error_with_hint(
                span,
                "expression too deeply nested",
                format!(
                    "an expression may be at most {MAX_NESTING} levels deep, counting each \
                     operator of a chain and each call, index, member access or cast \
                     applied in a row; split it with intermediate variables"
                ),
            );
            return false;
        }
        self.depth += 1;
        *levels += 1;
        true
    }

    /// After an error inside a statement: skips to the next statement
    /// boundary and leaves recovery mode. Stops before a `}` that closes the
    /// enclosing block, before a statement-ending newline, before a keyword
    /// that can only start a statement, and after a `;`.
    pub(super) fn synchronize_statement(&mut self) {
        let just_ended = self.pos > 0 && self.prev_is(&TokenKind::Semicolon);
        if !just_ended {
            self.skip_to_statement_boundary();
        }
        self.recovering = false;
    }

    fn prev_is(&self, kind: &TokenKind) -> bool {
        self.tokens
            .get(self.pos.wrapping_sub(1))
            .is_some_and(|t| &t.kind == kind)
    }

    /// Skips to the next statement boundary. Only braces are counted: after
    /// an error, parentheses and brackets are often unbalanced, and the
    /// lexer flags no newline inside an unclosed `(`, so a line break in the
    /// source (outside nested braces) also ends the skipped statement.
    fn skip_to_statement_boundary(&mut self) {
        let mut brace_depth = 0usize;
        loop {
            let token = self.peek();
            if brace_depth == 0 && self.line_break_before_current() {
                return;
            }
            match token.kind {
                TokenKind::Eof => return,
                TokenKind::LBrace => brace_depth += 1,
                TokenKind::RBrace if brace_depth == 0 => return,
                TokenKind::RBrace => brace_depth -= 1,
                TokenKind::Semicolon if brace_depth == 0 => {
                    self.advance();
                    return;
                }
                ref kind if brace_depth == 0 && starts_statement_only(kind) => return,
                _ => {}
            }
            self.advance();
        }
    }

    /// Inside a bracketed list that went wrong: skips balanced tokens up to
    /// and including `closer`, so the list ends cleanly. Stops (without
    /// consuming) at a `;` or an unmatched `}` when `closer` is not `}`: the
    /// closer is probably missing and the statement ends there; likewise at
    /// a line break, and at a `{` when the closer is `)`.
    pub(super) fn skip_to_closer(&mut self, closer: &TokenKind) {
        let mut depth = 0usize;
        loop {
            let kind = self.peek_kind();
            if depth == 0 && kind == closer {
                self.advance();
                return;
            }
            if depth == 0 && self.line_break_before_current() && !self.closer_follows(closer) {
                // The closer is missing at the end of the line.
                return;
            }
            match kind {
                TokenKind::Eof => return,
                TokenKind::Semicolon if depth == 0 => return,
                // `if (x {`, `fn f(a: int {`: the block starts here.
                TokenKind::LBrace if depth == 0 && *closer == TokenKind::RParen => return,
                TokenKind::RBrace if depth == 0 => return,
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    if depth == 0 {
                        // A stray closer of another kind: the list is broken
                        // beyond repair; let the statement level handle it.
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.advance();
        }
    }

    /// Whether `closer` appears ahead at bracket depth 0 before anything
    /// that must end the list (`;`, an unmatched closer, a statement
    /// keyword): then the broken list goes on over several lines.
    fn closer_follows(&self, closer: &TokenKind) -> bool {
        let mut depth = 0usize;
        for ahead in 0..MAX_CLOSER_SCAN {
            let kind = &self.peek_at(ahead).kind;
            if depth == 0 && kind == closer {
                return true;
            }
            match kind {
                TokenKind::Eof | TokenKind::Semicolon => return false,
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                kind if depth == 0 && starts_statement_only(kind) => return false,
                _ => {}
            }
        }
        false
    }

    /// Ends recovery mode at a boundary the caller knows to be clean.
    pub(super) fn recovered(&mut self) {
        self.recovering = false;
    }

    pub(super) fn is_recovering(&self) -> bool {
        self.recovering
    }
}

/// How far [`Parser::closer_follows`] looks; bounds the work on hostile
/// input.
const MAX_CLOSER_SCAN: usize = 1024;

/// Keywords that cannot continue an expression, so skipping stops there and
/// the statement they start is parsed normally.
fn starts_statement_only(kind: &TokenKind) -> bool {
    use TokenKind::*;
    matches!(
        kind,
        Var | Const
            | If
            | While
            | For
            | Iter
            | Return
            | Break
            | Continue
            | Frame
            | Trait
            | Interface
            | Enum
            | Type
            | Import
            | Module
            | Parallel
            | Concurrent
            | Task
            | Worker
            | Attempt
            | Abstract
            | Final
    )
}
