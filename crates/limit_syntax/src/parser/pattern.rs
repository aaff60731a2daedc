//! Patterns of `match` arms (reference.md §8): literals (negative numbers
//! too), ranges, names, variants, `ok`/`err`/`val`, alternatives, lists with
//! rest, tuples, records with rest, and frame patterns.

use super::Parser;
use crate::ast::{Expr, ExprKind, FieldPattern, Ident, Pattern, PatternKind};
use crate::span::Span;
use crate::token::TokenKind;

/// `...rest` / `...` at the end of a list or record pattern.
type Rest = Option<Option<Ident>>;

impl<'t> Parser<'t> {
    /// A pattern with alternatives: `p | q | …`.
    pub(super) fn parse_pattern(&mut self) -> Option<Pattern> {
        self.nested(|p| p.with_newlines(false, |p| p.parse_alternatives()))
            .flatten()
    }

    fn parse_alternatives(&mut self) -> Option<Pattern> {
        let first = self.parse_single_pattern()?;
        if !self.check(&TokenKind::Pipe) {
            return Some(first);
        }
        let mut alternatives = vec![first];
        while self.eat(&TokenKind::Pipe) {
            alternatives.push(self.parse_single_pattern()?);
        }
        let span = alternatives[0].span.to(self.prev_span());
        Some(Pattern {
            kind: PatternKind::Or(alternatives),
            span,
        })
    }

    fn parse_single_pattern(&mut self) -> Option<Pattern> {
        let start = self.current_span();
        let kind = match self.peek_kind() {
            TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Str(_)
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Nil
            | TokenKind::Minus => return self.parse_literal_pattern(),
            TokenKind::LBracket => self.parse_list_pattern()?,
            TokenKind::LParen => return self.parse_tuple_pattern(),
            TokenKind::LBrace => {
                self.advance();
                let (fields, rest) = self.parse_field_patterns()?;
                PatternKind::Record { fields, rest }
            }
            TokenKind::Ident(name) => {
                let name = name.clone();
                return self.parse_named_pattern(&name, start);
            }
            kind => {
                let message = format!("expected a pattern, found {}", kind.describe());
                self.error_here(message);
                return None;
            }
        };
        Some(Pattern {
            kind,
            span: self.span_from(start),
        })
    }

    /// Literals, negative numbers, and ranges between literals.
    fn parse_literal_pattern(&mut self) -> Option<Pattern> {
        let start = self.current_span();
        let literal = self.parse_pattern_literal()?;
        let inclusive = match self.peek_kind() {
            TokenKind::DotDot => false,
            TokenKind::DotDotEq => true,
            _ => {
                return Some(Pattern {
                    kind: PatternKind::Literal(Box::new(literal)),
                    span: start.to(self.prev_span()),
                })
            }
        };
        self.advance();
        let end = self.parse_pattern_literal()?;
        Some(Pattern {
            kind: PatternKind::Range {
                start: Box::new(literal),
                end: Box::new(end),
                inclusive,
            },
            span: start.to(self.prev_span()),
        })
    }

    /// One literal: int, float, string (no interpolation), bool, nil, or a
    /// negated number (folded into the literal's value).
    fn parse_pattern_literal(&mut self) -> Option<Expr> {
        let start = self.current_span();
        let negative = self.eat(&TokenKind::Minus);
        let token = self.peek();
        let kind = match &token.kind {
            TokenKind::Int(value) if negative => ExprKind::Int(-value.clone()),
            TokenKind::Float(value) if negative => ExprKind::Float(-value),
            TokenKind::Int(value) => ExprKind::Int(value.clone()),
            TokenKind::Float(value) => ExprKind::Float(*value),
            TokenKind::Str(pieces) if !negative => match pieces.as_slice() {
                [] => ExprKind::Str(String::new()),
                [crate::token::StrPiece::Text(text)] => ExprKind::Str(text.clone()),
                _ => {
                    self.error(token.span, "a string pattern cannot contain interpolation");
                    return None;
                }
            },
            TokenKind::True if !negative => ExprKind::Bool(true),
            TokenKind::False if !negative => ExprKind::Bool(false),
            TokenKind::Nil if !negative => ExprKind::Nil,
            kind => {
                let what = if negative {
                    "a number after `-`"
                } else {
                    "a literal"
                };
                let message = format!("expected {what} in pattern, found {}", kind.describe());
                self.error(token.span, message);
                return None;
            }
        };
        self.advance();
        Some(Expr {
            id: self.node_id(),
            kind,
            span: start.to(token.span),
        })
    }

    /// Patterns starting with a name: `_`, bindings and type names,
    /// `ok(p)`/`err(p)`/`val p`/`err e`, variants `A.B(p, …)`, frame
    /// patterns `Point { x, y }`.
    fn parse_named_pattern(&mut self, name: &str, start: Span) -> Option<Pattern> {
        let next = &self.peek_at(1).kind;
        let wrapper = match name {
            "ok" | "Ok" if *next == TokenKind::LParen => Some(true),
            "err" | "Err" if *next == TokenKind::LParen => Some(false),
            "val" if starts_pattern(next) => Some(true),
            "err" if starts_pattern(next) => Some(false),
            _ => None,
        };
        if let Some(is_ok) = wrapper {
            let parenthesised = *next == TokenKind::LParen;
            self.advance();
            let inner = if parenthesised {
                self.advance();
                let inner = self.parse_pattern()?;
                if !self.expect(&TokenKind::RParen, "after the pattern") {
                    return None;
                }
                inner
            } else {
                self.parse_single_pattern()?
            };
            let kind = if is_ok {
                PatternKind::Ok(Box::new(inner))
            } else {
                PatternKind::Err(Box::new(inner))
            };
            return Some(Pattern {
                kind,
                span: self.span_from(start),
            });
        }
        if name == "_" {
            self.advance();
            return Some(Pattern {
                kind: PatternKind::Wildcard,
                span: start,
            });
        }
        let path = self.parse_pattern_path()?;
        let kind = match self.peek_kind() {
            TokenKind::LParen => {
                self.advance();
                let args =
                    self.comma_list(&TokenKind::RParen, "after variant payload patterns", |p| {
                        p.parse_pattern()
                    });
                PatternKind::Variant {
                    path,
                    args: Some(args),
                }
            }
            TokenKind::LBrace => {
                self.advance();
                let (fields, rest) = self.parse_field_patterns()?;
                if let Some(Some(rest)) = rest {
                    self.error(rest.span, "a frame pattern cannot have a `...rest`");
                }
                PatternKind::Frame { path, fields }
            }
            _ if path.len() == 1 => {
                let name = path.into_iter().next()?;
                PatternKind::Name(name)
            }
            _ => PatternKind::Variant { path, args: None },
        };
        Some(Pattern {
            kind,
            span: self.span_from(start),
        })
    }

    /// `a`, `a.B`, `mod.Enum.Variant`.
    fn parse_pattern_path(&mut self) -> Option<Vec<Ident>> {
        let mut path = vec![self.expect_ident("a name")?];
        while self.eat(&TokenKind::Dot) {
            path.push(self.expect_ident("a name after `.`")?);
        }
        Some(path)
    }

    /// `[]`, `[a, b]`, `[head, ...tail]`, `[first, ...]`.
    fn parse_list_pattern(&mut self) -> Option<PatternKind> {
        self.advance();
        let mut items = Vec::new();
        let mut rest: Rest = None;
        let closer = TokenKind::RBracket;
        self.comma_list(&closer, "after list patterns", |p| {
            if rest.is_some() {
                p.error_here("`...rest` must be the last element of a list pattern");
                return None;
            }
            if p.eat(&TokenKind::DotDotDot) {
                rest = Some(p.eat_rest_name());
                return Some(());
            }
            items.push(p.parse_pattern()?);
            Some(())
        });
        Some(PatternKind::List { items, rest })
    }

    fn eat_rest_name(&mut self) -> Option<Ident> {
        match self.peek_kind() {
            TokenKind::Ident(_) => self.expect_ident("a name for the rest"),
            _ => None,
        }
    }

    /// `()`, `(p)` (grouping), `(p,)`, `(a, b)`.
    fn parse_tuple_pattern(&mut self) -> Option<Pattern> {
        let open = self.advance().span;
        let mut trailing_comma = false;
        let mut items = Vec::new();
        loop {
            if self.eat(&TokenKind::RParen) {
                break;
            }
            items.push(self.parse_pattern()?);
            trailing_comma = self.eat(&TokenKind::Comma);
            if !trailing_comma && !self.check(&TokenKind::RParen) {
                let message = format!(
                    "expected `,` or `)` in tuple pattern, found {}",
                    self.peek_kind().describe()
                );
                self.error_here(message);
                return None;
            }
        }
        let span = self.span_from(open);
        if items.len() == 1 && !trailing_comma {
            let mut inner = items.pop()?;
            inner.span = span;
            return Some(inner);
        }
        Some(Pattern {
            kind: PatternKind::Tuple(items),
            span,
        })
    }

    /// Fields of a record or frame pattern after `{`: `name`, `name: p`,
    /// `"key": p`, and a final `...rest` / `...`.
    fn parse_field_patterns(&mut self) -> Option<(Vec<FieldPattern>, Rest)> {
        let mut fields = Vec::new();
        let mut rest: Rest = None;
        let mut failed = false;
        self.comma_list(&TokenKind::RBrace, "after field patterns", |p| {
            if rest.is_some() {
                p.error_here("`...rest` must come last in a record pattern");
                failed = true;
                return None;
            }
            if p.eat(&TokenKind::DotDotDot) {
                rest = Some(p.eat_rest_name());
                return Some(());
            }
            let id = p.node_id();
            let token = p.peek();
            let name = match &token.kind {
                TokenKind::Ident(name) => Ident {
                    id,
                    name: name.clone(),
                    span: token.span,
                },
                TokenKind::Str(pieces) => match pieces.as_slice() {
                    [crate::token::StrPiece::Text(text)] => Ident {
                        id,
                        name: text.clone(),
                        span: token.span,
                    },
                    _ => Ident {
                        id,
                        name: String::new(),
                        span: token.span,
                    },
                },
                kind => {
                    let message = format!(
                        "expected a field name in pattern, found {}",
                        kind.describe()
                    );
                    p.error(token.span, message);
                    failed = true;
                    return None;
                }
            };
            p.advance();
            let pattern = if p.eat(&TokenKind::Colon) {
                Some(p.parse_pattern()?)
            } else {
                None
            };
            fields.push(FieldPattern { name, pattern });
            Some(())
        });
        if failed {
            return None;
        }
        Some((fields, rest))
    }
}

/// Tokens that can begin a pattern (after `val` / `err`).
fn starts_pattern(kind: &TokenKind) -> bool {
    if matches!(kind, TokenKind::Ident(word) if word == "where") {
        return false;
    }
    matches!(
        kind,
        TokenKind::Ident(_)
            | TokenKind::Int(_)
            | TokenKind::Float(_)
            | TokenKind::Str(_)
            | TokenKind::LBracket
            | TokenKind::LBrace
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Nil
    )
}
