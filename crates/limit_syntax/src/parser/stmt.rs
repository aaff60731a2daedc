//! Blocks and statements: the statement loop with its recovery, statement
//! dispatch, `var` declarations, expression and assignment statements.

use super::Parser;
use crate::ast::{AssignOp, Block, ExprKind, Module, Stmt, StmtKind, VarDecl, VarTarget};
use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::token::TokenKind;

/// Where a statement list ends: at the file's end or at the `}` of a block.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ListEnd {
    EndOfFile,
    Brace,
}

impl<'t> Parser<'t> {
    /// The whole file.
    pub(super) fn parse_module(mut self) -> (Module, Vec<Diagnostic>) {
        let start = self.current_span();
        let mut stmts = self.parse_statement_list(ListEnd::EndOfFile);
        // At top level no expression statement yields a value.
        if let Some(Stmt {
            kind: StmtKind::Expr { terminated, .. },
            ..
        }) = stmts.last_mut()
        {
            *terminated = true;
        }
        let span = Span::new(self.file, 0, start.start.max(self.peek().span.end) as usize);
        (Module { stmts, span }, self.diagnostics)
    }

    /// Statements up to (not including) the closing `}` or `Eof`.
    pub(super) fn parse_statement_list(&mut self, end: ListEnd) -> Vec<Stmt> {
        let mut stmts: Vec<Stmt> = Vec::new();
        self.with_newlines(true, |p| loop {
            match p.peek_kind() {
                TokenKind::Eof => break,
                TokenKind::RBrace if end == ListEnd::Brace => break,
                TokenKind::RBrace => {
                    let span = p.current_span();
                    p.error_with_hint(
                        span,
                        "unexpected `}` with no matching `{`",
                        "remove this `}` or add the `{` it should close",
                    );
                    p.advance();
                    p.recovered();
                    continue;
                }
                TokenKind::Semicolon => {
                    p.advance();
                    continue;
                }
                _ => {}
            }
            if let Some(stmt) = p.parse_statement_step() {
                mark_previous_terminated(&mut stmts);
                stmts.push(stmt);
            }
        });
        // The tree keeps every list for the whole compilation: no spare
        // capacity (a body of three statements had room for four).
        stmts.shrink_to_fit();
        stmts
    }

    /// One step of a statement loop: a statement, then re-synchronisation
    /// if it had an error. Always consumes at least one token.
    pub(super) fn parse_statement_step(&mut self) -> Option<Stmt> {
        let start = self.pos;
        let stmt = self.parse_statement();
        if self.is_recovering() {
            self.synchronize_statement();
        }
        if self.pos == start {
            // Nothing was consumed: report and skip the token so the loop
            // always makes progress.
            let token = self.advance();
            let message = format!("unexpected {}", token.kind.describe());
            self.error(token.span, message);
            self.recovered();
        }
        stmt
    }

    /// `{ statements }`.
    pub(super) fn parse_block(&mut self) -> Block {
        let open = self.current_span();
        if !self.check(&TokenKind::LBrace) {
            let message = format!(
                "expected `{{` to start a block, found {}",
                self.peek_kind().describe()
            );
            self.error_here(message);
            return Block {
                stmts: Vec::new(),
                span: open,
            };
        }
        let parsed = self.nested(|p| {
            p.advance();
            let stmts = p.parse_statement_list(ListEnd::Brace);
            if !p.eat(&TokenKind::RBrace) {
                p.error_with_hint(
                    open,
                    "unclosed `{`: expected `}` before the end of the file",
                    "add a `}` to close this block",
                );
            }
            stmts
        });
        Block {
            stmts: parsed.unwrap_or_default(),
            span: self.span_from(open),
        }
    }

    /// A body of `if`/`while`/`for`/`iter`: a block or one statement (§2).
    pub(super) fn parse_body(&mut self) -> Block {
        if self.check(&TokenKind::LBrace) {
            return self.parse_block();
        }
        let start = self.current_span();
        if matches!(self.peek_kind(), TokenKind::Eof | TokenKind::RBrace) {
            let message = format!(
                "expected a statement or block, found {}",
                self.peek_kind().describe()
            );
            self.error_here(message);
            return Block {
                stmts: Vec::new(),
                span: start,
            };
        }
        let stmt = self.nested(|p| p.parse_statement()).flatten();
        Block {
            stmts: stmt.into_iter().collect(),
            span: self.span_from(start),
        }
    }

    /// One statement, including its terminator. `None` when nothing usable
    /// was parsed (an error has been reported).
    pub(super) fn parse_statement(&mut self) -> Option<Stmt> {
        let start = self.current_span();
        let kind = match self.peek_kind() {
            TokenKind::At => return self.parse_annotated(),
            TokenKind::Var | TokenKind::Const => {
                let decl = self.parse_var_decl()?;
                self.end_statement("after variable declaration");
                StmtKind::Var(Box::new(decl))
            }
            TokenKind::LBrace => StmtKind::Block(self.parse_block()),
            TokenKind::If => self.parse_if(),
            TokenKind::Elif | TokenKind::Else => {
                let message = format!("{} without a preceding `if`", self.peek_kind().describe());
                self.error_here(message);
                self.advance();
                return None;
            }
            TokenKind::While => self.parse_while(),
            TokenKind::For => self.parse_for(),
            TokenKind::Iter => self.parse_iter(),
            TokenKind::Return => self.parse_return(),
            TokenKind::Break | TokenKind::Continue => {
                let is_break = self.advance().kind == TokenKind::Break;
                self.end_statement("after `break`/`continue`");
                if is_break {
                    StmtKind::Break
                } else {
                    StmtKind::Continue
                }
            }
            TokenKind::Parallel | TokenKind::Concurrent => self.parse_concurrency_block(),
            TokenKind::Task => self.parse_task(),
            TokenKind::Worker => self.parse_worker(),
            TokenKind::Attempt => self.parse_attempt(),
            TokenKind::Ident(word) if word == "loop" && self.check_at(1, &TokenKind::LBrace) => {
                self.parse_loop()
            }
            TokenKind::Ident(word) if word == "let" && self.starts_binding(1) => {
                let span = self.advance().span;
                self.spelling_error(span, "Limit has no `let`", "write `var`");
                let decl = self.parse_var_decl_rest(false)?;
                self.end_statement("after variable declaration");
                StmtKind::Var(Box::new(decl))
            }
            TokenKind::Ident(word)
                if word == "class" && matches!(self.peek_at(1).kind, TokenKind::Ident(_)) =>
            {
                StmtKind::Frame(Box::new(self.parse_frame_decl()?))
            }
            _ => {
                if let Some(decl) = self.parse_declaration() {
                    decl?
                } else {
                    self.parse_expression_statement()
                }
            }
        };
        Some(Stmt {
            kind,
            span: self.statement_span(start),
        })
    }

    /// The span of a statement that began at `start`, without its `;`.
    pub(super) fn statement_span(&self, start: Span) -> Span {
        let mut end = self.pos;
        if end > 0
            && self
                .tokens
                .get(end - 1)
                .is_some_and(|t| t.kind == TokenKind::Semicolon)
        {
            end -= 1;
        }
        match end.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(last) if last.span.end >= start.start => start.to(last.span),
            _ => start,
        }
    }

    /// Consumes the end of a statement: `;`, or nothing before a
    /// statement-ending newline, a `}` or the end of the file. Returns
    /// whether a `;` was consumed.
    pub(super) fn end_statement(&mut self, context: &str) -> bool {
        if self.eat(&TokenKind::Semicolon) {
            return true;
        }
        let token = self.peek();
        // `if (c) a() else b()`: a one-statement body ends before `else`.
        let ends = matches!(
            token.kind,
            TokenKind::RBrace | TokenKind::Eof | TokenKind::Else | TokenKind::Elif
        );
        if ends || self.line_break_before_current() {
            return false;
        }
        if matches!(token.kind, TokenKind::RParen | TokenKind::RBracket) {
            let message = format!("unexpected {}", token.kind.describe());
            self.error_with_hint(
                token.span,
                message,
                "nothing is open for it to close; remove it",
            );
            return false;
        }
        let message = format!("expected `;` {context}, found {}", token.kind.describe());
        self.error_with_hint(
            token.span,
            message,
            "two statements on one line need a `;` between them",
        );
        false
    }

    /// `var x = e`, `var x: T`, `const var X: T = e`, `const X = e`,
    /// `var (a, b) = e`, `var [a, b] = e` — without the terminator.
    pub(super) fn parse_var_decl(&mut self) -> Option<VarDecl> {
        let is_const = self.eat(&TokenKind::Const);
        let has_var = self.eat(&TokenKind::Var);
        if !is_const && !has_var {
            self.error_here("expected `var`");
            return None;
        }
        self.parse_var_decl_rest(is_const)
    }

    /// Whether the token `ahead` can start a declared name or destructuring
    /// target, as after `let` in `let x = 1`.
    fn starts_binding(&self, ahead: usize) -> bool {
        matches!(
            self.peek_at(ahead).kind,
            TokenKind::Ident(_) | TokenKind::LParen | TokenKind::LBracket
        ) && !self.peek_at(ahead).newline_before
    }

    /// A declaration after its `var`/`const`: target, type, initialiser.
    fn parse_var_decl_rest(&mut self, is_const: bool) -> Option<VarDecl> {
        let target = self.parse_var_target()?;
        let ty = if self.eat(&TokenKind::Colon) {
            Some(self.parse_type())
        } else {
            None
        };
        let init = if self.eat(&TokenKind::Eq) {
            Some(self.parse_expr())
        } else {
            None
        };
        Some(VarDecl {
            target,
            ty,
            init,
            is_const,
            visibility: Default::default(),
        })
    }

    fn parse_var_target(&mut self) -> Option<VarTarget> {
        let open = self.current_span();
        let closer = match self.peek_kind() {
            TokenKind::LParen => TokenKind::RParen,
            TokenKind::LBracket => TokenKind::RBracket,
            _ => return self.expect_ident("a variable name").map(VarTarget::Name),
        };
        let targets = self
            .nested(|p| {
                p.advance();
                p.with_newlines(false, |p| {
                    p.comma_list(&closer, "after destructuring target", |p| {
                        p.parse_var_target()
                    })
                })
            })
            .unwrap_or_default();
        let span = self.span_from(open);
        Some(if closer == TokenKind::RParen {
            VarTarget::Tuple(targets, span)
        } else {
            VarTarget::List(targets, span)
        })
    }

    /// An expression statement or an assignment `target op= value`.
    fn parse_expression_statement(&mut self) -> StmtKind {
        // `var total = 1` then a line `    + 2`: the line is a statement of
        // its own (unary `+ 2`), not the end of the one before.
        let first = self.peek();
        if first.newline_before && matches!(first.kind, TokenKind::Plus | TokenKind::Minus) {
            self.warning_with_hint(
                first.span,
                format!(
                    "this line starts with {} but does not continue the previous one",
                    first.kind.describe()
                ),
                super::LINE_STARTS_WITH_OPERATOR,
            );
        }
        let expr = self.parse_expr();
        if let Some(op) = assign_op(self.peek_kind()) {
            self.advance();
            let value = self.parse_expr();
            self.end_statement("after assignment");
            return StmtKind::Assign {
                target: Box::new(expr),
                op,
                value: Box::new(value),
            };
        }
        let ends_with_block = matches!(expr.kind, ExprKind::Match(_));
        let terminated = if ends_with_block && !self.check(&TokenKind::Semicolon) {
            // `match (x) { … }` needs no `;` after its `}` (like a block).
            false
        } else {
            self.end_statement("after expression")
        };
        StmtKind::Expr { expr, terminated }
    }

    /// The simple statements allowed in a `for (…; …; …)` header: a `var`
    /// declaration, an assignment or an expression, without terminator.
    pub(super) fn parse_simple_statement(&mut self) -> Option<Stmt> {
        let start = self.current_span();
        let kind = if matches!(self.peek_kind(), TokenKind::Var | TokenKind::Const) {
            StmtKind::Var(Box::new(self.parse_var_decl()?))
        } else {
            let expr = self.parse_expr();
            match assign_op(self.peek_kind()) {
                Some(op) => {
                    self.advance();
                    let value = self.parse_expr();
                    StmtKind::Assign {
                        target: Box::new(expr),
                        op,
                        value: Box::new(value),
                    }
                }
                None => StmtKind::Expr {
                    expr,
                    terminated: true,
                },
            }
        };
        Some(Stmt {
            kind,
            span: self.span_from(start),
        })
    }

    /// Items separated by `,` up to `closer` (consumed), trailing comma
    /// allowed. The opening bracket has been consumed. On a malformed item
    /// or separator the rest of the list is skipped.
    pub(super) fn comma_list<T>(
        &mut self,
        closer: &TokenKind,
        context: &str,
        mut item: impl FnMut(&mut Parser<'t>) -> Option<T>,
    ) -> Vec<T> {
        let mut items = Vec::new();
        loop {
            if self.eat(closer) {
                break;
            }
            if self.at_eof() {
                let message = format!(
                    "expected {} {context}, found end of file",
                    closer.describe()
                );
                self.error_here(message);
                break;
            }
            let before = self.pos;
            match item(self) {
                Some(value) => items.push(value),
                None => {
                    self.skip_to_closer(closer);
                    break;
                }
            }
            if self.eat(&TokenKind::Comma) || self.check(closer) {
                if self.pos == before {
                    break;
                }
                continue;
            }
            self.report_unclosed_list(closer, context);
            self.skip_to_closer(closer);
            break;
        }
        // Kept in the tree: no spare capacity (one argument had room for four).
        items.shrink_to_fit();
        items
    }
}

impl<'t> Parser<'t> {
    /// A list item was not followed by `,` or the closer. When the next
    /// token is on a later line or cannot continue the list, the closer is
    /// what is missing: the error then points just after the last item, on
    /// the line where the `)` belongs.
    pub(super) fn report_unclosed_list(&mut self, closer: &TokenKind, context: &str) {
        let found = self.peek();
        let on_next_line = self.line_break_before_current();
        if on_next_line || can_end_list_early(&found.kind) {
            let message = format!(
                "expected {} {context}, found {}",
                closer.describe(),
                found.kind.describe()
            );
            let span = if on_next_line {
                let prev = self.prev_span();
                crate::span::Span {
                    start: prev.end,
                    ..prev
                }
            } else {
                found.span
            };
            let hint = format!("add {} to close the list", closer.describe());
            self.error_with_hint(span, message, hint);
        } else {
            let message = format!(
                "expected `,` or {} {context}, found {}",
                closer.describe(),
                found.kind.describe()
            );
            self.error(found.span, message);
        }
    }
}

/// After a later statement follows, an expression statement's value is not
/// the block's value.
fn mark_previous_terminated(stmts: &mut [Stmt]) {
    if let Some(Stmt {
        kind: StmtKind::Expr { terminated, .. },
        ..
    }) = stmts.last_mut()
    {
        *terminated = true;
    }
}

/// Tokens after which a missing closer is the likely mistake (rather than a
/// missing comma).
fn can_end_list_early(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Semicolon
            | TokenKind::Eof
            | TokenKind::RBrace
            | TokenKind::RParen
            | TokenKind::RBracket
            | TokenKind::LBrace
    )
}

pub(super) fn assign_op(kind: &TokenKind) -> Option<AssignOp> {
    Some(match kind {
        TokenKind::Eq => AssignOp::Assign,
        TokenKind::PlusEq => AssignOp::Add,
        TokenKind::MinusEq => AssignOp::Sub,
        TokenKind::StarEq => AssignOp::Mul,
        TokenKind::SlashEq => AssignOp::Div,
        TokenKind::PercentEq => AssignOp::Mod,
        _ => return None,
    })
}
