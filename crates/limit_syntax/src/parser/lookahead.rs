//! Scanning ahead without consuming: deciding whether a `?` is a ternary.

use super::Parser;
use crate::token::{Token, TokenKind};

/// How many tokens a ternary's `then` branch may span; far beyond any real
/// program, small enough that scanning stays linear in practice.
const MAX_TERNARY_SCAN: usize = 4096;

impl Parser<'_> {
    /// With the current token a `?`: whether it starts a ternary (§12).
    pub(super) fn question_starts_ternary(&self) -> bool {
        ternary_follows(self.tokens, self.pos, self.newline_ends)
    }
}

/// With `tokens[question]` a `?`: whether a `:` follows at the same
/// bracket depth before the expression can have ended (§12). The scan
/// stops at `,`, `;`, `=>`, an assignment, a closer of an enclosing
/// bracket, a statement-ending newline (when `newline_ends`: outside
/// brackets), or the end of input. The formatter asks the same question
/// to indent a ternary continued on the next line.
pub(crate) fn ternary_follows(tokens: &[Token], question: usize, newline_ends: bool) -> bool {
    let last = tokens.len().saturating_sub(1);
    let at = |ahead: usize| &tokens[question.saturating_add(ahead).min(last)];
    let mut depth = 0usize;
    let mut ahead = 1;
    loop {
        if ahead > MAX_TERNARY_SCAN {
            // Bounds the work on hostile input (many `?`, no `:`).
            return false;
        }
        let token = at(ahead);
        if depth == 0 && newline_ends && token.newline_before {
            // A ternary's `then` branch may start on the next line, but a
            // statement keyword or a named function there starts the next
            // statement: `var v = f()?` then `var w: int = 2` is a
            // propagation, and so is `f()?` then `fn g(): int { … }`.
            if ahead > 1
                || starts_statement(&token.kind)
                || declares_function(at(ahead), at(ahead + 1))
            {
                return false;
            }
        }
        match token.kind {
            TokenKind::Eof => return false,
            TokenKind::Colon if depth == 0 => return true,
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            TokenKind::Comma
            | TokenKind::Semicolon
            | TokenKind::FatArrow
            | TokenKind::Eq
            | TokenKind::PlusEq
            | TokenKind::MinusEq
            | TokenKind::StarEq
            | TokenKind::SlashEq
            | TokenKind::PercentEq
                if depth == 0 =>
            {
                return false
            }
            _ => {}
        }
        ahead += 1;
    }
}

/// Whether `first`, `second` declare a named function (`fn name(`, `async
/// fn`): a statement, where a `fn` starting an expression is a function
/// literal (`fn(x) { … }`).
fn declares_function(first: &Token, second: &Token) -> bool {
    match &first.kind {
        TokenKind::Fn => matches!(second.kind, TokenKind::Ident(_)),
        TokenKind::Ident(word) if word == "async" => matches!(second.kind, TokenKind::Fn),
        _ => false,
    }
}

/// Reserved words that start a statement and never an expression.
fn starts_statement(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Var
            | TokenKind::Const
            | TokenKind::Return
            | TokenKind::If
            | TokenKind::Elif
            | TokenKind::Else
            | TokenKind::While
            | TokenKind::For
            | TokenKind::Iter
            | TokenKind::Break
            | TokenKind::Continue
            | TokenKind::Frame
            | TokenKind::Trait
            | TokenKind::Interface
            | TokenKind::Enum
            | TokenKind::Type
            | TokenKind::Import
            | TokenKind::Module
            | TokenKind::Pub
            | TokenKind::Prot
            | TokenKind::Abstract
            | TokenKind::Final
            | TokenKind::Static
    )
}
