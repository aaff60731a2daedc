//! Operands: literals, interpolated strings, names, parenthesised
//! expressions and tuples, lists, dict/record literals, function literals
//! and `match` expressions.

use super::cursor::is_capitalised;
use super::Parser;
use crate::ast::{
    Arg, ArmBody, Expr, ExprKind, FnModifiers, FormatSpec, InterpPart, MatchArm, MatchExpr,
};
use crate::span::Span;
use crate::token::{DurationUnit, StrPiece, TokenKind};

impl<'t> Parser<'t> {
    pub(super) fn parse_primary(&mut self) -> Expr {
        let token = self.peek();
        let span = token.span;
        let kind = match &token.kind {
            TokenKind::Int(value) => ExprKind::Int(value.clone()),
            TokenKind::Float(value) => ExprKind::Float(*value),
            TokenKind::Duration(value, unit) => ExprKind::Duration(value * seconds_per(*unit)),
            TokenKind::Str(pieces) => {
                self.advance();
                return self.parse_string(pieces, span);
            }
            TokenKind::True => ExprKind::Bool(true),
            TokenKind::False => ExprKind::Bool(false),
            TokenKind::Nil => ExprKind::Nil,
            TokenKind::This | TokenKind::SelfKw => ExprKind::This,
            TokenKind::Super => ExprKind::Super,
            TokenKind::Ident(name) if name == "async" && self.check_at(1, &TokenKind::Fn) => {
                self.advance();
                let modifiers = FnModifiers {
                    is_async: true,
                    ..FnModifiers::default()
                };
                return self.parse_lambda(modifiers, span);
            }
            TokenKind::Ident(_) if self.at_object_literal() => return self.parse_object_literal(),
            TokenKind::Ident(name) => ExprKind::Ident(name.clone()),
            TokenKind::LParen => return self.parse_parenthesised(),
            TokenKind::LBracket => return self.parse_list(),
            TokenKind::LBrace => return self.parse_dict(),
            TokenKind::Fn => return self.parse_lambda(FnModifiers::default(), span),
            TokenKind::Match => return self.parse_match(),
            kind => {
                let message = format!("expected an expression, found {}", kind.describe());
                let hint = match kind {
                    TokenKind::Eq => Some("`=` assigns only in statements; compare with `==`"),
                    TokenKind::Semicolon
                    | TokenKind::RParen
                    | TokenKind::RBrace
                    | TokenKind::Eof => Some("an operand is missing here"),
                    _ if self.peek().newline_before && super::expr::is_binary_operator(kind) => {
                        Some(super::LINE_STARTS_WITH_OPERATOR)
                    }
                    _ => None,
                };
                match hint {
                    Some(hint) => self.error_with_hint(span, message, hint),
                    None => self.error(span, message),
                }
                return self.placeholder(span);
            }
        };
        self.advance();
        Expr {
            id: self.node_id(),
            kind,
            span,
        }
    }

    /// A string literal: plain text, or text with `{expression}` parts,
    /// each parsed by a sub-parser over the interpolation's tokens.
    fn parse_string(&mut self, pieces: &'t [StrPiece], span: Span) -> Expr {
        if let [StrPiece::Text(text)] = pieces {
            return Expr {
                id: self.node_id(),
                kind: ExprKind::Str(text.clone()),
                span,
            };
        }
        if pieces.is_empty() {
            return Expr {
                id: self.node_id(),
                kind: ExprKind::Str(String::new()),
                span,
            };
        }
        let mut parts = Vec::with_capacity(pieces.len());
        for piece in pieces {
            match piece {
                StrPiece::Text(text) => parts.push(InterpPart::Text(text.clone())),
                StrPiece::Interp { tokens, span, spec } => {
                    let value = self.parse_interpolation(tokens, *span);
                    parts.push(match spec {
                        None => InterpPart::Expr(value),
                        Some(spec) => InterpPart::Formatted(
                            value,
                            FormatSpec {
                                text: spec.text.clone(),
                                span: spec.span,
                            },
                        ),
                    });
                }
            }
        }
        Expr {
            id: self.node_id(),
            kind: ExprKind::Interp(parts),
            span,
        }
    }

    fn parse_interpolation(&mut self, tokens: &'t [crate::token::Token], span: Span) -> Expr {
        let is_empty = tokens.iter().all(|t| t.kind == TokenKind::Eof);
        if is_empty {
            self.error_with_hint(
                span,
                "empty interpolation `{}`",
                "write `\\{` for a literal brace",
            );
            return self.placeholder(span);
        }
        let ends_with_eof = matches!(tokens.last(), Some(t) if t.kind == TokenKind::Eof);
        if !ends_with_eof {
            // Not produced by our lexer; refuse rather than index past the end.
            self.error(span, "malformed interpolation");
            return self.placeholder(span);
        }
        let mut sub = Parser::new(tokens, self.file, self.source, self.depth, self.stack_base);
        sub.newline_ends = false;
        sub.next_node = self.next_node;
        let expr = sub.parse_expr();
        self.next_node = sub.next_node;
        if !sub.at_eof() {
            let message = format!("unexpected {} in interpolation", sub.peek_kind().describe());
            sub.error_here(message);
        }
        let diagnostics = sub.take_diagnostics();
        for diagnostic in diagnostics {
            if !self.is_recovering() {
                self.diagnostics.push(diagnostic);
            }
        }
        expr
    }

    /// `()` empty tuple, `(e)` grouping, `(e,)` and `(a, b)` tuples.
    fn parse_parenthesised(&mut self) -> Expr {
        let open = self.advance().span;
        let (items, trailing_comma) = self.with_newlines(false, |p| {
            let mut items = Vec::new();
            let mut trailing_comma = false;
            loop {
                if p.eat(&TokenKind::RParen) {
                    break;
                }
                if p.at_eof() {
                    p.error_with_hint(open, "unclosed `(`", "add a `)` to close it");
                    break;
                }
                items.push(p.parse_expr());
                trailing_comma = p.eat(&TokenKind::Comma);
                if trailing_comma || p.check(&TokenKind::RParen) {
                    continue;
                }
                let found = p.peek();
                let message = format!("expected `)` to close `(`, found {}", found.kind.describe());
                p.error(found.span, message);
                p.skip_to_closer(&TokenKind::RParen);
                break;
            }
            (items, trailing_comma)
        });
        let span = self.span_from(open);
        if items.len() == 1 && !trailing_comma {
            let mut inner = items
                .into_iter()
                .next()
                .unwrap_or_else(|| self.placeholder(span));
            inner.span = span;
            return inner;
        }
        Expr {
            id: self.node_id(),
            kind: ExprKind::Tuple(items),
            span,
        }
    }

    /// `[a, b, c]`.
    fn parse_list(&mut self) -> Expr {
        let open = self.advance().span;
        let items = self.with_newlines(false, |p| {
            p.comma_list(&TokenKind::RBracket, "after list elements", |p| {
                Some(p.parse_expr())
            })
        });
        Expr {
            id: self.node_id(),
            kind: ExprKind::List(items),
            span: self.span_from(open),
        }
    }

    /// `{}`, `{"k": v, …}`, `{1: v}`, or a record `{name: v, …}` whose bare
    /// names are string keys (§3.3).
    fn parse_dict(&mut self) -> Expr {
        let open = self.advance().span;
        let mut record = true;
        let entries = self.with_newlines(false, |p| {
            p.comma_list(&TokenKind::RBrace, "after dict entries", |p| {
                let key = match p.peek_kind() {
                    TokenKind::Ident(name) if p.check_at(1, &TokenKind::Colon) => {
                        let span = p.advance().span;
                        Expr {
                            id: p.node_id(),
                            kind: ExprKind::Str(name.clone()),
                            span,
                        }
                    }
                    _ => {
                        record = false;
                        p.parse_expr()
                    }
                };
                if !p.expect(&TokenKind::Colon, "after a dict key") {
                    return None;
                }
                let value = p.parse_expr();
                Some((key, value))
            })
        });
        let record = record && !entries.is_empty();
        Expr {
            id: self.node_id(),
            kind: ExprKind::Dict { entries, record },
            span: self.span_from(open),
        }
    }

    /// Whether the current identifier starts an object literal (§12a): a
    /// capitalised name, or a qualified one ending with one (`shop.Cart`,
    /// as `shop.Cart(…)` is a call), then on the same line `{` followed by
    /// `}` or by `field:`. Never where the `{` would open a body (see
    /// `object_literals`).
    fn at_object_literal(&self) -> bool {
        if !self.object_literals {
            return false;
        }
        let Some(path) = self.object_literal_path_len() else {
            return false;
        };
        let brace = self.peek_at(path);
        if brace.kind != TokenKind::LBrace || brace.newline_before {
            return false;
        }
        self.check_at(path + 1, &TokenKind::RBrace)
            || (matches!(self.peek_at(path + 1).kind, TokenKind::Ident(_))
                && self.check_at(path + 2, &TokenKind::Colon))
    }

    /// The number of tokens of the name `a.b.Name` starting here whose
    /// last part is capitalised, if one does.
    fn object_literal_path_len(&self) -> Option<usize> {
        let mut len = 1;
        let mut last = match self.peek_kind() {
            TokenKind::Ident(name) => name,
            _ => return None,
        };
        while self.check_at(len, &TokenKind::Dot) && !self.peek_at(len).newline_before {
            match &self.peek_at(len + 1).kind {
                TokenKind::Ident(name) => last = name,
                _ => break,
            }
            len += 2;
        }
        is_capitalised(last).then_some(len)
    }

    /// `Name { field: value, … }`, the same call as `Name(field=value, …)`
    /// (`module.Name { … }` as `module.Name(…)`).
    fn parse_object_literal(&mut self) -> Expr {
        let name_token = self.advance();
        let TokenKind::Ident(name) = &name_token.kind else {
            return self.placeholder(name_token.span);
        };
        let mut callee = Expr {
            id: self.node_id(),
            kind: ExprKind::Ident(name.clone()),
            span: name_token.span,
        };
        while self.check(&TokenKind::Dot) {
            self.advance();
            let Some(part) = self.expect_ident("a frame name") else {
                break;
            };
            let span = callee.span.to(part.span);
            callee = Expr {
                id: self.node_id(),
                kind: ExprKind::Field(Box::new(callee), Box::new(part)),
                span,
            };
        }
        self.advance(); // `{`
        let args = self.with_newlines(false, |p| {
            p.comma_list(
                &TokenKind::RBrace,
                "after the fields of an object literal",
                |p| {
                    let field = p.expect_ident("a field name")?;
                    if !p.expect(&TokenKind::Colon, "after a field name") {
                        return None;
                    }
                    let value = p.parse_expr();
                    Some(Arg {
                        name: Some(Box::new(field)),
                        value,
                    })
                },
            )
        });
        Expr {
            id: self.node_id(),
            kind: ExprKind::Call {
                callee: Box::new(callee),
                args,
            },
            span: self.span_from(name_token.span),
        }
    }

    /// `fn (params)[: R] { body }`, optionally named.
    fn parse_lambda(&mut self, modifiers: FnModifiers, start: Span) -> Expr {
        self.advance(); // `fn`
        let name = match self.peek_kind() {
            TokenKind::Ident(_) => self.expect_ident("a function name"),
            _ => None,
        };
        let Some(decl) = self.parse_fn_rest(name, modifiers, true, start) else {
            return self.placeholder(self.span_from(start));
        };
        Expr {
            id: self.node_id(),
            span: decl.span,
            kind: ExprKind::Lambda(Box::new(decl)),
        }
    }

    /// `match (e) { pattern [where guard] => body, … }` (§8).
    pub(super) fn parse_match(&mut self) -> Expr {
        let start = self.advance().span;
        let scrutinee = self.with_object_literals(false, |p| p.parse_expr());
        let open = self.current_span();
        if !self.expect(&TokenKind::LBrace, "to open the match arms") {
            return self.placeholder(self.span_from(start));
        }
        let arms = self
            .nested(|p| p.with_newlines(false, |p| p.parse_arms(open)))
            .unwrap_or_default();
        let span = self.span_from(start);
        Expr {
            id: self.node_id(),
            kind: ExprKind::Match(Box::new(MatchExpr {
                scrutinee,
                arms,
                span,
            })),
            span,
        }
    }

    fn parse_arms(&mut self, open: Span) -> Vec<MatchArm> {
        let mut arms = Vec::new();
        loop {
            while self.eat(&TokenKind::Comma) || self.eat(&TokenKind::Semicolon) {}
            if self.eat(&TokenKind::RBrace) {
                break;
            }
            if self.at_eof() {
                self.error_with_hint(
                    open,
                    "unclosed `{` of match arms",
                    "add a `}` after the last arm",
                );
                break;
            }
            let before = self.pos;
            if let Some(arm) = self.parse_arm() {
                arms.push(arm);
            }
            if self.is_recovering() {
                self.skip_to_arm_end();
            }
            if self.pos == before {
                self.advance();
            }
        }
        arms
    }

    fn parse_arm(&mut self) -> Option<MatchArm> {
        let start = self.current_span();
        let pattern = self.parse_pattern()?;
        let guard = if self.eat_word("where") {
            Some(self.parse_expr())
        } else if self.check(&TokenKind::If) {
            // Rust's and Scala's guard spelling: read it as `where`.
            let span = self.current_span();
            self.spelling_error(
                span,
                "a match guard is written with `where`, not `if`",
                "write `pattern where condition => …`",
            );
            self.advance();
            Some(self.parse_expr())
        } else {
            None
        };
        if !self.expect(&TokenKind::FatArrow, "after the match pattern") {
            return None;
        }
        let (body, is_block) = if self.check(&TokenKind::LBrace) {
            (ArmBody::Block(self.parse_block()), true)
        } else {
            // An expression body ends at a newline, like a statement.
            (
                ArmBody::Expr(self.with_newlines(true, |p| p.parse_expr())),
                false,
            )
        };
        let span = self.span_from(start);
        let separated = is_block
            || self.eat(&TokenKind::Comma)
            || matches!(self.peek_kind(), TokenKind::RBrace | TokenKind::Semicolon)
            || self.peek().newline_before;
        if !separated {
            let message = format!(
                "expected `,` or `}}` after a match arm, found {}",
                self.peek_kind().describe()
            );
            self.error_here(message);
        }
        Some(MatchArm {
            pattern,
            guard,
            body,
            span,
        })
    }

    /// After an error in an arm: skip to the next `,` (consumed) or the `}`
    /// closing the arms (not consumed).
    fn skip_to_arm_end(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.peek_kind() {
                TokenKind::Eof => break,
                TokenKind::Comma if depth == 0 => {
                    self.advance();
                    break;
                }
                TokenKind::RBrace if depth == 0 => break,
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
            self.advance();
        }
        self.recovered();
    }
}

fn seconds_per(unit: DurationUnit) -> f64 {
    match unit {
        DurationUnit::Millis => 0.001,
        DurationUnit::Seconds => 1.0,
        DurationUnit::Minutes => 60.0,
        DurationUnit::Hours => 3600.0,
    }
}
