//! Structured concurrency and trap handling (reference.md §9, §6):
//! `parallel`/`concurrent` blocks, `task`, `worker`, `attempt … handle`.

use super::cursor::is_capitalised;
use super::Parser;
use crate::ast::{ConcurrencyBlock, ConcurrencyKind, Handler, StmtKind};
use crate::token::TokenKind;

impl<'t> Parser<'t> {
    /// `parallel (name=value, …) { … }`; the parameter list may be omitted.
    pub(super) fn parse_concurrency_block(&mut self) -> StmtKind {
        let kind = if self.advance().kind == TokenKind::Parallel {
            ConcurrencyKind::Parallel
        } else {
            ConcurrencyKind::Concurrent
        };
        let params = if self.eat(&TokenKind::LParen) {
            self.parse_arguments("after block parameters")
        } else {
            Vec::new()
        };
        let body = self.parse_block();
        StmtKind::Concurrency(Box::new(ConcurrencyBlock { kind, params, body }))
    }

    /// `task { … }`, `task () { … }`, `task (i in range) { … }`.
    pub(super) fn parse_task(&mut self) -> StmtKind {
        self.advance();
        let mut binding = None;
        // `task ()` is the same as `task`.
        if self.eat(&TokenKind::LParen) && !self.eat(&TokenKind::RParen) {
            binding = self.with_newlines(false, |p| {
                let name = p.parse_iter_binding()?;
                p.expect(&TokenKind::In, "after the task variable")
                    .then_some(())?;
                let range = p.parse_expr();
                if !p.expect(&TokenKind::RParen, "after the task header") {
                    p.skip_to_closer(&TokenKind::RParen);
                }
                Some((name, range))
            });
            if binding.is_none() {
                self.skip_to_closer(&TokenKind::RParen);
            }
        }
        let body = self.parse_block();
        StmtKind::Task {
            binding: binding.map(Box::new),
            body,
        }
    }

    /// `worker (x from ch) { … }`, `worker (x) { … }`.
    pub(super) fn parse_worker(&mut self) -> StmtKind {
        let keyword = self.advance().span;
        self.expect(&TokenKind::LParen, "after `worker`");
        let header = self.with_newlines(false, |p| {
            let binding = p.parse_iter_binding();
            let source = if p.eat_word("from") {
                Some(p.parse_expr())
            } else {
                None
            };
            if !p.expect(&TokenKind::RParen, "after the worker header") {
                p.skip_to_closer(&TokenKind::RParen);
            }
            (binding, source)
        });
        let body = self.parse_block();
        let binding = header.0.unwrap_or_else(|| crate::ast::IterBinding {
            name: crate::ast::Ident {
                id: self.node_id(),
                name: "_".to_string(),
                span: keyword,
            },
            ty: None,
        });
        StmtKind::Worker {
            binding: Box::new(binding),
            source: header.1.map(Box::new),
            body,
        }
    }

    /// `attempt { … } handle Kind(e) { … } handle (e) { … } handle { … }`.
    pub(super) fn parse_attempt(&mut self) -> StmtKind {
        self.advance();
        let body = self.parse_block();
        let mut handlers = Vec::new();
        while self.check(&TokenKind::Handle) {
            let start = self.advance().span;
            // `handle Kind …` names an error kind; `handle e { … }` binds.
            let names_kind = matches!(self.peek_kind(), TokenKind::Ident(name)
                if is_capitalised(name) || self.check_at(1, &TokenKind::LParen));
            let kind = if names_kind {
                self.expect_ident("an error kind")
            } else {
                None
            };
            let mut binding = None;
            if !names_kind && matches!(self.peek_kind(), TokenKind::Ident(_)) {
                binding = self.expect_ident("a name for the error");
            }
            if self.eat(&TokenKind::LParen) {
                binding = self.expect_ident("a name for the error");
                if !self.expect(&TokenKind::RParen, "after the handler's binding") {
                    self.skip_to_closer(&TokenKind::RParen);
                }
            }
            let handler_body = self.parse_block();
            handlers.push(Handler {
                kind,
                binding,
                body: handler_body,
                span: self.span_from(start),
            });
        }
        if handlers.is_empty() {
            let span = self.current_span();
            self.error_with_hint(
                span,
                format!(
                    "expected `handle` after the `attempt` block, found {}",
                    self.peek_kind().describe()
                ),
                "write `handle (e) { … }` to catch any error",
            );
        }
        StmtKind::Attempt { body, handlers }
    }
}
