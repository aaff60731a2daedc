//! Operator expressions: ternary, binary operators by precedence climbing
//! (reference.md §4), ranges, unary operators, casts, `await`, and postfix
//! calls, indexes, member access, `?` and `?else`.

use super::Parser;
use crate::ast::{Arg, BinOp, Expr, ExprKind, Ident, UnOp};
use crate::token::TokenKind;

/// Precedence levels of §4 (higher binds tighter).
const LEVEL_OR: u8 = 3;
const LEVEL_AND: u8 = 4;
const LEVEL_EQUALITY: u8 = 5;
const LEVEL_COMPARISON: u8 = 6;
const LEVEL_RANGE: u8 = 7;
const LEVEL_BIT_OR: u8 = 8;
const LEVEL_BIT_XOR: u8 = 9;
const LEVEL_BIT_AND: u8 = 10;
const LEVEL_SHIFT: u8 = 11;
const LEVEL_ADDITIVE: u8 = 12;
const LEVEL_MULTIPLICATIVE: u8 = 13;
const LEVEL_POWER: u8 = 14;

/// Whether a token is a binary operator (ranges included).
pub(super) fn is_binary_operator(kind: &TokenKind) -> bool {
    binary_operator(kind).is_some() || matches!(kind, TokenKind::DotDot | TokenKind::DotDotEq)
}

/// The binary operator a token denotes and its level. Ranges are handled
/// separately (they do not chain).
fn binary_operator(kind: &TokenKind) -> Option<(u8, BinOp)> {
    use TokenKind as T;
    Some(match kind {
        T::Or | T::PipePipe => (LEVEL_OR, BinOp::Or),
        T::And | T::AmpAmp => (LEVEL_AND, BinOp::And),
        T::EqEq => (LEVEL_EQUALITY, BinOp::Eq),
        T::BangEq => (LEVEL_EQUALITY, BinOp::Ne),
        T::Lt => (LEVEL_COMPARISON, BinOp::Lt),
        T::LtEq => (LEVEL_COMPARISON, BinOp::Le),
        T::Gt => (LEVEL_COMPARISON, BinOp::Gt),
        T::GtEq => (LEVEL_COMPARISON, BinOp::Ge),
        T::Pipe => (LEVEL_BIT_OR, BinOp::BitOr),
        T::Caret => (LEVEL_BIT_XOR, BinOp::BitXor),
        T::Amp => (LEVEL_BIT_AND, BinOp::BitAnd),
        T::LtLt => (LEVEL_SHIFT, BinOp::Shl),
        T::GtGt => (LEVEL_SHIFT, BinOp::Shr),
        T::Plus => (LEVEL_ADDITIVE, BinOp::Add),
        T::Minus => (LEVEL_ADDITIVE, BinOp::Sub),
        T::Star => (LEVEL_MULTIPLICATIVE, BinOp::Mul),
        T::Slash => (LEVEL_MULTIPLICATIVE, BinOp::Div),
        T::Percent => (LEVEL_MULTIPLICATIVE, BinOp::Mod),
        T::StarStar => (LEVEL_POWER, BinOp::Pow),
        _ => return None,
    })
}

impl<'t> Parser<'t> {
    /// Any expression (level 2 and up: assignment is a statement).
    pub(super) fn parse_expr(&mut self) -> Expr {
        let span = self.current_span();
        self.nested(|p| p.parse_ternary())
            .unwrap_or_else(|| self.placeholder(span))
    }

    /// `cond ? a : b` (right-associative). The `?` is a ternary only when a
    /// `:` follows at the same bracket depth (§12); postfix parsing leaves
    /// such a `?` for this level.
    fn parse_ternary(&mut self) -> Expr {
        let cond = self.parse_binary(LEVEL_OR);
        if !self.check(&TokenKind::Question)
            || self.at_line_break()
            || !self.question_starts_ternary()
        {
            return cond;
        }
        self.advance();
        let then_branch = self.parse_expr();
        if !self.expect(&TokenKind::Colon, "between the branches of `c ? a : b`") {
            return cond;
        }
        let else_branch = self.parse_expr();
        let span = cond.span.to(else_branch.span);
        Expr {
            id: self.node_id(),
            kind: ExprKind::Ternary(Box::new(cond), Box::new(then_branch), Box::new(else_branch)),
            span,
        }
    }

    /// Binary operators of level `min_level` and tighter.
    fn parse_binary(&mut self, min_level: u8) -> Expr {
        let mut left = self.parse_unary();
        let mut levels = 0;
        loop {
            if self.at_line_break() {
                break;
            }
            let kind = self.peek_kind();
            if matches!(kind, TokenKind::DotDot | TokenKind::DotDotEq) {
                if LEVEL_RANGE < min_level {
                    break;
                }
                if matches!(left.kind, ExprKind::Range { .. }) {
                    self.error_with_hint(
                        self.current_span(),
                        "ranges do not chain",
                        "`a..b..step` is the only three-part range; use parentheses otherwise",
                    );
                    break;
                }
                left = self.parse_range_rest(left);
                continue;
            }
            let Some((level, op)) = binary_operator(kind) else {
                break;
            };
            if level < min_level || !self.deepen_chain(&mut levels) {
                break;
            }
            self.advance();
            // `**` is right-associative: its right operand may contain `**`.
            let next_level = if op == BinOp::Pow { level } else { level + 1 };
            let span = self.current_span();
            let right = self
                .nested(|p| p.parse_binary(next_level))
                .unwrap_or_else(|| self.placeholder(span));
            let span = left.span.to(right.span);
            left = Expr {
                id: self.node_id(),
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
        self.depth -= levels;
        left
    }

    /// `start..end`, `start..=end`, `start..end..step` after `start`.
    fn parse_range_rest(&mut self, start: Expr) -> Expr {
        let inclusive = self.advance().kind == TokenKind::DotDotEq;
        let end = self.parse_range_operand();
        let step = if !self.at_line_break() && self.eat(&TokenKind::DotDot) {
            Some(Box::new(self.parse_range_operand()))
        } else {
            None
        };
        let last = step.as_ref().map_or(end.span, |s| s.span);
        let span = start.span.to(last);
        Expr {
            id: self.node_id(),
            kind: ExprKind::Range {
                start: Box::new(start),
                end: Box::new(end),
                step,
                inclusive,
            },
            span,
        }
    }

    fn parse_range_operand(&mut self) -> Expr {
        let span = self.current_span();
        self.nested(|p| p.parse_binary(LEVEL_BIT_OR))
            .unwrap_or_else(|| self.placeholder(span))
    }

    /// Prefix operators `- + ! not ~`, `await`, then casts `e as T`.
    fn parse_unary(&mut self) -> Expr {
        let start = self.current_span();
        let op = match self.peek_kind() {
            TokenKind::Minus => Some(UnOp::Neg),
            TokenKind::Plus => Some(UnOp::Plus),
            TokenKind::Bang | TokenKind::Not => Some(UnOp::Not),
            TokenKind::Tilde => Some(UnOp::BitNot),
            _ => None,
        };
        if let Some(op) = op {
            self.advance();
            let operand = self.nested_unary(start);
            let span = start.to(operand.span);
            return Expr {
                id: self.node_id(),
                kind: ExprKind::Unary(op, Box::new(operand)),
                span,
            };
        }
        if self.at_word("await") && self.next_starts_operand() {
            self.advance();
            let operand = self.nested_unary(start);
            let span = start.to(operand.span);
            return Expr {
                id: self.node_id(),
                kind: ExprKind::Await(Box::new(operand)),
                span,
            };
        }
        let mut expr = self.parse_postfix();
        let mut levels = 0;
        while !self.at_line_break() && self.at_word("as") {
            if !self.deepen_chain(&mut levels) {
                break;
            }
            self.advance();
            let outer = std::mem::replace(&mut self.cast_type, true);
            let ty = self.parse_type();
            self.cast_type = outer;
            let span = expr.span.to(ty.span);
            expr = Expr {
                id: self.node_id(),
                kind: ExprKind::Cast(Box::new(expr), Box::new(ty)),
                span,
            };
            // `x as int ?else { … }`: a `?` followed by `else` is a handler
            // (§12), here of the cast (the type left that `?` alone).
            if !self.at_line_break()
                && self.check(&TokenKind::Question)
                && self.check_at(1, &TokenKind::Else)
            {
                expr = self.parse_else_handler(expr);
            }
        }
        self.depth -= levels;
        expr
    }

    fn nested_unary(&mut self, start: crate::span::Span) -> Expr {
        self.nested(|p| p.parse_unary())
            .unwrap_or_else(|| self.placeholder(start))
    }

    /// Whether the token after the current one can begin an operand on the
    /// same line (so `await x` is an await, `await` alone a name).
    fn next_starts_operand(&self) -> bool {
        let next = self.peek_at(1);
        !next.newline_before
            && matches!(
                next.kind,
                TokenKind::Ident(_)
                    | TokenKind::Int(_)
                    | TokenKind::Float(_)
                    | TokenKind::Str(_)
                    | TokenKind::LParen
                    | TokenKind::LBracket
                    | TokenKind::This
                    | TokenKind::SelfKw
                    | TokenKind::Super
                    | TokenKind::Fn
            )
    }

    /// Calls, indexes, member and tuple access, `?` and `?else` handlers.
    fn parse_postfix(&mut self) -> Expr {
        let mut expr = self.parse_primary();
        let mut levels = 0;
        loop {
            if self.at_line_break() {
                break;
            }
            expr = match self.peek_kind() {
                TokenKind::LParen | TokenKind::LBracket | TokenKind::Dot
                    if !self.deepen_chain(&mut levels) =>
                {
                    break;
                }
                TokenKind::LParen => {
                    self.advance();
                    let args = self.parse_arguments("after arguments");
                    let span = self.span_from(expr.span);
                    Expr {
                        id: self.node_id(),
                        kind: ExprKind::Call {
                            callee: Box::new(expr),
                            args,
                        },
                        span,
                    }
                }
                TokenKind::LBracket => {
                    self.advance();
                    let index = self.with_newlines(false, |p| p.parse_expr());
                    if !self.expect(&TokenKind::RBracket, "after the index") {
                        self.skip_to_closer(&TokenKind::RBracket);
                    }
                    let span = self.span_from(expr.span);
                    Expr {
                        id: self.node_id(),
                        kind: ExprKind::Index(Box::new(expr), Box::new(index)),
                        span,
                    }
                }
                TokenKind::Dot => {
                    self.advance();
                    self.parse_member_access(expr)
                }
                TokenKind::Question => {
                    if self.check_at(1, &TokenKind::Else) {
                        if !self.deepen_chain(&mut levels) {
                            break;
                        }
                        self.parse_else_handler(expr)
                    } else if self.question_starts_ternary() {
                        break;
                    } else {
                        if !self.deepen_chain(&mut levels) {
                            break;
                        }
                        self.advance();
                        let span = self.span_from(expr.span);
                        Expr {
                            id: self.node_id(),
                            kind: ExprKind::Propagate(Box::new(expr)),
                            span,
                        }
                    }
                }
                _ => break,
            };
        }
        self.depth -= levels;
        expr
    }

    /// After `.`: a field/method name, or a tuple index `t.0`.
    fn parse_member_access(&mut self, object: Expr) -> Expr {
        let token = self.peek();
        if let TokenKind::Int(value) = &token.kind {
            self.advance();
            let index = u32::try_from(value).unwrap_or_else(|_| {
                self.error(token.span, "tuple index is too large");
                0
            });
            let span = object.span.to(token.span);
            return Expr {
                id: self.node_id(),
                kind: ExprKind::TupleField(Box::new(object), index),
                span,
            };
        }
        match self.eat_name_like() {
            Some(name) => {
                let span = object.span.to(name.span);
                Expr {
                    id: self.node_id(),
                    kind: ExprKind::Field(Box::new(object), Box::new(name)),
                    span,
                }
            }
            None => {
                let message = format!(
                    "expected a field or method name after `.`, found {}",
                    token.kind.describe()
                );
                self.error(token.span, message);
                object
            }
        }
    }

    /// `e ?else { … }`, `e ? else err { … }`, `e ?else err => { … }`.
    fn parse_else_handler(&mut self, expr: Expr) -> Expr {
        self.advance(); // `?`
        self.advance(); // `else`
        let binding = match self.peek_kind() {
            TokenKind::Ident(name)
                if matches!(
                    self.peek_at(1).kind,
                    TokenKind::LBrace | TokenKind::FatArrow
                ) =>
            {
                let name = name.clone();
                let span = self.advance().span;
                Some(Ident {
                    id: self.node_id(),
                    name,
                    span,
                })
            }
            _ => None,
        };
        self.eat(&TokenKind::FatArrow);
        let handler = self.with_newlines(true, |p| p.parse_block());
        let span = expr.span.to(handler.span);
        Expr {
            id: self.node_id(),
            kind: ExprKind::Else {
                expr: Box::new(expr),
                binding: binding.map(Box::new),
                handler: Box::new(handler),
            },
            span,
        }
    }

    /// Call arguments after `(` up to `)`: positional, then `name = value`.
    pub(super) fn parse_arguments(&mut self, context: &str) -> Vec<Arg> {
        self.with_newlines(false, |p| {
            p.comma_list(&TokenKind::RParen, context, |p| {
                let name = match p.peek_kind() {
                    TokenKind::Ident(name) if p.check_at(1, &TokenKind::Eq) => {
                        let name = name.clone();
                        let span = p.advance().span;
                        p.advance();
                        Some(Ident {
                            id: p.node_id(),
                            name,
                            span,
                        })
                    }
                    _ => None,
                };
                let value = p.parse_expr();
                Some(Arg {
                    name: name.map(Box::new),
                    value,
                })
            })
        })
    }
}
