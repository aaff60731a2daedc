//! Control flow statements: `if`/`elif`/`else`, `while`, `for`, `iter`,
//! `return`, and the loop-variable bindings they share with `task`/`worker`.

use super::Parser;
use crate::ast::{Block, Expr, ExprKind, IterBinding, StmtKind};
use crate::token::TokenKind;

impl<'t> Parser<'t> {
    /// `if (c) body {elif (c) body | else if (c) body} [else body]`.
    pub(super) fn parse_if(&mut self) -> StmtKind {
        self.advance(); // `if`
        let mut branches = vec![self.parse_condition_and_body("`if`")];
        let mut else_branch = None;
        loop {
            if self.eat(&TokenKind::Elif) {
                branches.push(self.parse_condition_and_body("`elif`"));
            } else if self.check(&TokenKind::Else) && self.check_at(1, &TokenKind::If) {
                self.advance();
                self.advance();
                branches.push(self.parse_condition_and_body("`else if`"));
            } else if self.eat(&TokenKind::Else) {
                else_branch = Some(self.parse_body());
                break;
            } else {
                break;
            }
        }
        StmtKind::If {
            branches,
            else_branch,
        }
    }

    fn parse_condition_and_body(&mut self, keyword: &str) -> (Expr, Block) {
        let cond = self.parse_condition(keyword);
        let body = self.parse_body();
        (cond, body)
    }

    /// `(expr)`; the parentheses are conventional, so a bare condition
    /// followed by a block is accepted too.
    pub(super) fn parse_condition(&mut self, keyword: &str) -> Expr {
        if !self.check(&TokenKind::LParen) {
            if self.check(&TokenKind::LBrace) {
                let message = format!("expected a condition after {keyword}, found `{{`");
                self.error_here(message);
                return self.placeholder(self.current_span());
            }
            return self.with_object_literals(false, |p| p.parse_expr());
        }
        let open = self.advance().span;
        let cond = self.with_newlines(false, |p| p.parse_expr());
        if !self.eat(&TokenKind::RParen) {
            let found = self.peek_kind().describe();
            let span = self.current_span();
            self.error_with_hint(
                span,
                format!("expected `)` after the condition of {keyword}, found {found}"),
                "the condition's `(` is not closed",
            );
            self.skip_to_closer(&TokenKind::RParen);
        }
        let mut cond = cond;
        cond.span = self.span_from(open);
        cond
    }

    /// `while (c) body`.
    pub(super) fn parse_while(&mut self) -> StmtKind {
        self.advance();
        let cond = self.parse_condition("`while`");
        let body = self.parse_body();
        StmtKind::While {
            cond: Box::new(cond),
            body,
        }
    }

    /// `loop { … }`: `while (true) { … }` (§12a); `loop` is the current
    /// token and a `{` follows.
    pub(super) fn parse_loop(&mut self) -> StmtKind {
        let span = self.advance().span;
        let body = self.parse_block();
        StmtKind::While {
            cond: Box::new(Expr {
                id: self.node_id(),
                kind: ExprKind::Bool(true),
                span,
            }),
            body,
        }
    }

    /// `for (init; cond; step) body`, or `for (x in e) body`, `for x in e
    /// body`, `for i, x in e body` as synonyms of `iter` (§12a).
    pub(super) fn parse_for(&mut self) -> StmtKind {
        self.advance();
        let iterates = if self.check(&TokenKind::LParen) {
            self.looks_like_iteration(1) && !self.header_has_semicolon()
        } else {
            self.looks_like_iteration(0)
        };
        if iterates {
            return self.parse_iteration_rest();
        }
        if !self.expect(&TokenKind::LParen, "after `for`") {
            return self.for_fallback();
        }
        let header = self.with_newlines(false, |p| {
            let init = if p.check(&TokenKind::Semicolon) {
                None
            } else {
                p.parse_simple_statement().map(Box::new)
            };
            p.expect(&TokenKind::Semicolon, "after the `for` initialiser");
            let cond = if p.check(&TokenKind::Semicolon) {
                None
            } else {
                Some(p.parse_expr())
            };
            p.expect(&TokenKind::Semicolon, "after the `for` condition");
            let step = if p.check(&TokenKind::RParen) {
                None
            } else {
                p.parse_simple_statement().map(Box::new)
            };
            if !p.expect(&TokenKind::RParen, "after the `for` header") {
                p.skip_to_closer(&TokenKind::RParen);
            }
            (init, cond, step)
        });
        let (init, cond, step) = header;
        let body = self.parse_body();
        StmtKind::For {
            init,
            cond: cond.map(Box::new),
            step,
            body,
        }
    }

    fn for_fallback(&mut self) -> StmtKind {
        StmtKind::Block(Block {
            stmts: Vec::new(),
            span: self.current_span(),
        })
    }

    /// Whether the tokens from `ahead` read `[var] name [: T] [, …] in`.
    fn looks_like_iteration(&self, ahead: usize) -> bool {
        let mut i = ahead;
        if self.check_at(i, &TokenKind::Var) {
            i += 1;
        }
        if !matches!(self.peek_at(i).kind, TokenKind::Ident(_)) {
            return false;
        }
        matches!(
            self.peek_at(i + 1).kind,
            TokenKind::In | TokenKind::Comma | TokenKind::Colon
        )
    }

    /// Whether the parenthesised header starting at the current `(` holds a
    /// `;` at its own bracket depth: then it is C-style, even when its init
    /// reads like a loop variable (`for (var i: int = 0; …)`).
    fn header_has_semicolon(&self) -> bool {
        let mut depth = 0usize;
        let mut ahead = 0;
        loop {
            match self.peek_at(ahead).kind {
                TokenKind::Eof => return false,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return false;
                    }
                }
                TokenKind::Semicolon if depth == 1 => return true,
                _ => {}
            }
            ahead += 1;
        }
    }

    /// `iter (x in e) body`, `iter (k, v in e)`, `iter (var i in e)`,
    /// `iter (i: int in e)`.
    pub(super) fn parse_iter(&mut self) -> StmtKind {
        self.advance();
        self.parse_iteration_rest()
    }

    fn parse_iteration_rest(&mut self) -> StmtKind {
        let parenthesised = self.eat(&TokenKind::LParen);
        let (bindings, iterable) = self.with_newlines(false, |p| {
            let mut bindings = Vec::new();
            while let Some(binding) = p.parse_iter_binding() {
                bindings.push(binding);
                if !p.eat(&TokenKind::Comma) {
                    break;
                }
            }
            p.expect(&TokenKind::In, "after the loop variable");
            // Without parentheses the body's `{` follows the iterable, so
            // `Name {` there is never an object literal.
            let iterable = p.with_object_literals(parenthesised, |p| p.parse_expr());
            if parenthesised && !p.expect(&TokenKind::RParen, "after the `iter` header") {
                p.skip_to_closer(&TokenKind::RParen);
            }
            (bindings, iterable)
        });
        let body = self.parse_body();
        StmtKind::Iter {
            bindings,
            iterable: Box::new(iterable),
            body,
        }
    }

    /// A loop variable: `i`, `var i`, `i: int`.
    pub(super) fn parse_iter_binding(&mut self) -> Option<IterBinding> {
        self.eat(&TokenKind::Var);
        let name = self.expect_ident("a loop variable name")?;
        let ty = if self.eat(&TokenKind::Colon) {
            Some(self.parse_type())
        } else {
            None
        };
        Some(IterBinding { name, ty })
    }

    /// `return [expr]`.
    pub(super) fn parse_return(&mut self) -> StmtKind {
        self.advance();
        let token = self.peek();
        let ends = token.newline_before
            || matches!(
                token.kind,
                TokenKind::Semicolon | TokenKind::RBrace | TokenKind::Eof
            );
        let value = if ends { None } else { Some(self.parse_expr()) };
        self.end_statement("after `return`");
        StmtKind::Return(value)
    }
}
