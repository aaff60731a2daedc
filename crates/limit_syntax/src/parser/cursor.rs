//! Token access: looking ahead, consuming, and expecting tokens.

use super::Parser;
use crate::ast::Ident;
use crate::span::Span;
use crate::token::{Token, TokenKind};

impl<'t> Parser<'t> {
    /// The current token (the final `Eof` once the input is exhausted).
    pub(super) fn peek(&self) -> &'t Token {
        self.peek_at(0)
    }

    /// The token `ahead` positions after the current one, or the final `Eof`.
    pub(super) fn peek_at(&self, ahead: usize) -> &'t Token {
        let tokens: &'t [Token] = self.tokens;
        let last = tokens.len().saturating_sub(1);
        &tokens[self.pos.saturating_add(ahead).min(last)]
    }

    pub(super) fn peek_kind(&self) -> &'t TokenKind {
        &self.peek().kind
    }

    /// Consumes the current token and returns it; never moves past `Eof`.
    pub(super) fn advance(&mut self) -> &'t Token {
        let token = self.peek();
        if token.kind != TokenKind::Eof {
            self.pos += 1;
        }
        token
    }

    pub(super) fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    pub(super) fn check(&self, kind: &TokenKind) -> bool {
        self.peek_kind() == kind
    }

    pub(super) fn check_at(&self, ahead: usize, kind: &TokenKind) -> bool {
        &self.peek_at(ahead).kind == kind
    }

    /// Consumes the current token if it is `kind`.
    pub(super) fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.check(kind) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// Whether the current token is the contextual word `word` (§1: `as`,
    /// `where`, `from`, `data`, …), which the lexer leaves as an identifier.
    pub(super) fn at_word(&self, word: &str) -> bool {
        self.word_at(0, word)
    }

    pub(super) fn word_at(&self, ahead: usize, word: &str) -> bool {
        matches!(&self.peek_at(ahead).kind, TokenKind::Ident(name) if name == word)
    }

    pub(super) fn eat_word(&mut self, word: &str) -> bool {
        if self.at_word(word) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// Whether the next two tokens are `-` `>` written together: `->`,
    /// which other languages use before a return type.
    pub(super) fn at_arrow(&self) -> bool {
        let (minus, greater) = (self.peek(), self.peek_at(1));
        minus.kind == TokenKind::Minus
            && greater.kind == TokenKind::Gt
            && minus.span.end == greater.span.start
    }

    /// Whether the current token starts a new line that ends the construct
    /// being parsed (only where newlines are significant, §1).
    pub(super) fn at_line_break(&self) -> bool {
        self.newline_ends && self.peek().newline_before
    }

    /// Whether a line break separates the previous token from the current
    /// one: the lexer's flag, or (when the source is known) a newline in the
    /// text between them, which the lexer does not flag inside brackets.
    pub(super) fn line_break_before_current(&self) -> bool {
        let token = self.peek();
        if token.newline_before {
            return true;
        }
        if self.pos == 0 {
            return false;
        }
        let (Some(source), Some(prev)) = (self.source, self.tokens.get(self.pos - 1)) else {
            return false;
        };
        source
            .get(prev.span.end as usize..token.span.start as usize)
            .is_some_and(|between| between.contains('\n'))
    }

    /// Span of the most recently consumed token (or of the first token).
    pub(super) fn prev_span(&self) -> Span {
        let index = self.pos.saturating_sub(1);
        self.tokens
            .get(index)
            .map_or(Span::new(self.file, 0, 0), |t| t.span)
    }

    pub(super) fn current_span(&self) -> Span {
        self.peek().span
    }

    /// Span from `start` to the end of the last consumed token.
    pub(super) fn span_from(&self, start: Span) -> Span {
        let end = self.prev_span();
        if end.end < start.start {
            start
        } else {
            start.to(end)
        }
    }

    /// Consumes `kind` or reports "expected `kind` {context}, found …".
    pub(super) fn expect(&mut self, kind: &TokenKind, context: &str) -> bool {
        if self.eat(kind) {
            return true;
        }
        let message = format!(
            "expected {} {context}, found {}",
            kind.describe(),
            self.peek_kind().describe()
        );
        self.error_here(message);
        false
    }

    /// Consumes an identifier, or reports "expected {what}, found …".
    pub(super) fn expect_ident(&mut self, what: &str) -> Option<Ident> {
        if let TokenKind::Ident(name) = self.peek_kind() {
            let name = name.clone();
            let span = self.advance().span;
            return Some(Ident {
                id: self.node_id(),
                name,
                span,
            });
        }
        let message = format!("expected {what}, found {}", self.peek_kind().describe());
        self.error_here(message);
        None
    }

    /// An identifier or a reserved word used as a name where only a name can
    /// appear (after `.`, in import paths): `obj.type`, `import std.match`.
    pub(super) fn eat_name_like(&mut self) -> Option<Ident> {
        let token = self.peek();
        let name = match &token.kind {
            TokenKind::Ident(name) => name.clone(),
            kind => reserved_word_text(kind)?,
        };
        let span = token.span;
        self.advance();
        Some(Ident {
            id: self.node_id(),
            name,
            span,
        })
    }

    /// Runs `f` with newline significance set to `significant`, restoring the
    /// previous setting afterwards. Newlines stop being significant inside
    /// brackets, and inside brackets an object literal is unambiguous again,
    /// so `significant == false` also allows object literals.
    pub(super) fn with_newlines<T>(
        &mut self,
        significant: bool,
        f: impl FnOnce(&mut Parser<'t>) -> T,
    ) -> T {
        let saved = (self.newline_ends, self.object_literals);
        self.newline_ends = significant;
        if !significant {
            self.object_literals = true;
        }
        let result = f(self);
        (self.newline_ends, self.object_literals) = saved;
        result
    }

    /// Runs `f` with object literals (`Name { field: value }`) allowed or
    /// not, restoring the previous setting afterwards.
    pub(super) fn with_object_literals<T>(
        &mut self,
        allowed: bool,
        f: impl FnOnce(&mut Parser<'t>) -> T,
    ) -> T {
        let saved = self.object_literals;
        self.object_literals = allowed;
        let result = f(self);
        self.object_literals = saved;
        result
    }
}

/// The spelling of a reserved word token, `None` for other tokens.
fn reserved_word_text(kind: &TokenKind) -> Option<String> {
    let described = kind.describe();
    let text = described.strip_prefix('`')?.strip_suffix('`')?;
    let is_word = text.chars().all(|c| c.is_ascii_lowercase());
    (is_word && TokenKind::keyword(text).is_some()).then(|| text.to_string())
}

/// Whether an identifier is capitalised (error kinds, variants, frames).
pub(super) fn is_capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}
