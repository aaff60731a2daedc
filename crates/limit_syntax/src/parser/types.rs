//! Type expressions (reference.md §3, §12): names, `[T]`, `{K: V}` dicts vs
//! `{x: T}` records, tuples, `fn(A): R`, unions, inline tagged unions,
//! `T?`, `T?E1, E2`, and refinements `T where cond`. Newlines never end a
//! type.

use super::cursor::is_capitalised;
use super::Parser;
use crate::ast::{Ident, TypeExpr, TypeKind, VariantDecl};
use crate::token::TokenKind;

/// Built-in type names: a `{name: …}` whose key is one of these is a dict
/// type, otherwise a record type (§12).
const BUILTIN_TYPE_NAMES: &[&str] = &[
    "int", "uint", "float", "bool", "str", "string", "any", "nil", "list", "dict", "tuple",
    "range", "channel", "atomic", "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64",
    "u128", "f32", "f64",
];

fn is_type_name(name: &str) -> bool {
    if BUILTIN_TYPE_NAMES.contains(&name) || is_capitalised(name) {
        return true;
    }
    // Fixed-scale decimals `d0` … `d18`.
    name.strip_prefix('d')
        .and_then(|digits| digits.parse::<u8>().ok())
        .is_some_and(|scale| scale <= 18)
}

impl<'t> Parser<'t> {
    /// A type in an annotation.
    pub(super) fn parse_type(&mut self) -> TypeExpr {
        self.parse_type_with(false)
    }

    /// The right-hand side of `type Name = …`, where `Circle(float) |
    /// Empty` declares an inline tagged union.
    pub(super) fn parse_alias_type(&mut self) -> TypeExpr {
        self.parse_type_with(true)
    }

    fn parse_type_with(&mut self, allow_variants: bool) -> TypeExpr {
        let span = self.current_span();
        self.nested(|p| p.with_newlines(false, |p| p.parse_refined(allow_variants)))
            .unwrap_or(TypeExpr {
                kind: TypeKind::Named(Vec::new()),
                span,
            })
    }

    /// `T where cond`.
    fn parse_refined(&mut self, allow_variants: bool) -> TypeExpr {
        let base = self.parse_union(allow_variants);
        if !self.at_word("where") {
            return base;
        }
        self.advance();
        let cond = self.parse_expr();
        let span = base.span.to(cond.span);
        TypeExpr {
            kind: TypeKind::Refined {
                base: Box::new(base),
                cond: Box::new(cond),
            },
            span,
        }
    }

    /// `A | B | …`, or a tagged union when a member has a payload.
    fn parse_union(&mut self, allow_variants: bool) -> TypeExpr {
        let start = self.current_span();
        let mut members = vec![self.parse_union_member(allow_variants)];
        while self.eat(&TokenKind::Pipe) {
            members.push(self.parse_union_member(allow_variants));
        }
        let span = self.span_from(start);
        let is_tagged = members.iter().any(|m| matches!(m, UnionMember::Variant(_)));
        if is_tagged {
            let variants = members
                .into_iter()
                .filter_map(|m| m.into_variant(self))
                .collect();
            return TypeExpr {
                kind: TypeKind::Tagged(variants),
                span,
            };
        }
        let mut types: Vec<TypeExpr> = members
            .into_iter()
            .filter_map(UnionMember::into_type)
            .collect();
        if types.len() == 1 {
            if let Some(only) = types.pop() {
                return only;
            }
        }
        TypeExpr {
            kind: TypeKind::Union(types),
            span,
        }
    }

    fn parse_union_member(&mut self, allow_variants: bool) -> UnionMember {
        let is_variant = allow_variants
            && matches!(self.peek_kind(), TokenKind::Ident(_))
            && self.check_at(1, &TokenKind::LParen);
        if is_variant {
            return match self.parse_variant() {
                Some(variant) => UnionMember::Variant(variant),
                None => UnionMember::Type(self.error_type()),
            };
        }
        UnionMember::Type(self.parse_fallible())
    }

    fn error_type(&self) -> TypeExpr {
        TypeExpr {
            kind: TypeKind::Named(Vec::new()),
            span: self.current_span(),
        }
    }

    /// `T?` and `T?E1, E2`: the error list continues only with capitalised
    /// names not followed by `:` (§12), so `fn f(r: int?E1, n: int)` has two
    /// parameters.
    fn parse_fallible(&mut self) -> TypeExpr {
        let inner = self.parse_type_primary();
        // `x as int ?else { … }`: a `?` followed by `else` is the handler
        // of the expression the type ends (§12), never part of a type; after
        // a cast's type, neither is a `?` that starts a ternary.
        if self.check(&TokenKind::Question)
            && (self.check_at(1, &TokenKind::Else)
                || (self.cast_type
                    && !self.peek_at(1).newline_before
                    && self.question_starts_ternary()))
        {
            return inner;
        }
        if !self.eat(&TokenKind::Question) {
            return inner;
        }
        let mut errors = Vec::new();
        if let Some(first) = self.eat_error_name() {
            errors.push(first);
            while self.check(&TokenKind::Comma) && self.next_is_error_name(1) {
                self.advance();
                if let Some(name) = self.eat_error_name() {
                    errors.push(name);
                }
            }
        }
        let span = self.span_from(inner.span);
        TypeExpr {
            kind: TypeKind::Fallible {
                inner: Box::new(inner),
                errors,
            },
            span,
        }
    }

    fn next_is_error_name(&self, ahead: usize) -> bool {
        matches!(&self.peek_at(ahead).kind, TokenKind::Ident(name) if is_capitalised(name))
            && !self.check_at(ahead + 1, &TokenKind::Colon)
    }

    fn eat_error_name(&mut self) -> Option<Ident> {
        if self.next_is_error_name(0) {
            self.expect_ident("an error kind")
        } else {
            None
        }
    }

    fn parse_type_primary(&mut self) -> TypeExpr {
        let start = self.current_span();
        let kind = match self.peek_kind() {
            TokenKind::Ident(_) => {
                let mut path = Vec::new();
                if let Some(first) = self.expect_ident("a type") {
                    path.push(first);
                }
                while self.check(&TokenKind::Dot)
                    && matches!(self.peek_at(1).kind, TokenKind::Ident(_))
                {
                    self.advance();
                    if let Some(part) = self.expect_ident("a type name") {
                        path.push(part);
                    }
                }
                path.shrink_to_fit();
                TypeKind::Named(path)
            }
            TokenKind::Nil => {
                self.advance();
                TypeKind::Named(vec![Ident {
                    id: self.node_id(),
                    name: "nil".to_string(),
                    span: start,
                }])
            }
            TokenKind::LBracket => {
                self.advance();
                let element = self.parse_type();
                if !self.expect(&TokenKind::RBracket, "after the list element type") {
                    self.skip_to_closer(&TokenKind::RBracket);
                }
                TypeKind::List(Box::new(element))
            }
            TokenKind::LBrace => self.parse_brace_type(),
            TokenKind::LParen => return self.parse_tuple_type(),
            TokenKind::Fn => self.parse_function_type(),
            kind => {
                let message = format!("expected a type, found {}", kind.describe());
                self.error_here(message);
                return self.error_type();
            }
        };
        TypeExpr {
            kind,
            span: self.span_from(start),
        }
    }

    /// `{K: V}` (dict) or `{name: T, …}` (record), after §12's rule.
    fn parse_brace_type(&mut self) -> TypeKind {
        let open = self.advance().span;
        let key_is_field = matches!(self.peek_kind(), TokenKind::Ident(name) if !is_type_name(name))
            && self.check_at(1, &TokenKind::Colon);
        let second_entry_follows = self.record_has_several_fields();
        if key_is_field || second_entry_follows {
            let fields = self.comma_list(&TokenKind::RBrace, "after record fields", |p| {
                let name = p.expect_ident("a field name")?;
                p.expect(&TokenKind::Colon, "after the field name")
                    .then_some(())?;
                Some((name, p.parse_type()))
            });
            return TypeKind::Record(fields);
        }
        let key = self.parse_type();
        if !self.expect(&TokenKind::Colon, "between the key and value types") {
            self.skip_to_closer(&TokenKind::RBrace);
            return TypeKind::Named(Vec::new());
        }
        let value = self.parse_type();
        if !self.expect(&TokenKind::RBrace, "after the dict type") {
            self.skip_to_closer(&TokenKind::RBrace);
        }
        let _ = open;
        TypeKind::Dict(Box::new(key), Box::new(value))
    }

    /// Whether `{a: T, b: …` lists two `name:` entries (then it is a record
    /// even if the first name looks like a type).
    fn record_has_several_fields(&self) -> bool {
        if !matches!(self.peek_kind(), TokenKind::Ident(_)) || !self.check_at(1, &TokenKind::Colon)
        {
            return false;
        }
        let mut depth = 0usize;
        let mut ahead = 2;
        while ahead < 4096 {
            match self.peek_at(ahead).kind {
                TokenKind::Eof => return false,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                TokenKind::Comma if depth == 0 => {
                    return matches!(self.peek_at(ahead + 1).kind, TokenKind::Ident(_))
                        && self.check_at(ahead + 2, &TokenKind::Colon);
                }
                _ => {}
            }
            ahead += 1;
        }
        false
    }

    /// `()`, `(T)` (grouping), `(A, B)`.
    fn parse_tuple_type(&mut self) -> TypeExpr {
        let open = self.advance().span;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.eat(&TokenKind::RParen) {
                break;
            }
            if self.at_eof() {
                self.error_with_hint(open, "unclosed `(` in type", "add a `)`");
                break;
            }
            items.push(self.parse_type());
            trailing_comma = self.eat(&TokenKind::Comma);
            if !trailing_comma && !self.check(&TokenKind::RParen) {
                let message = format!(
                    "expected `,` or `)` in tuple type, found {}",
                    self.peek_kind().describe()
                );
                self.error_here(message);
                self.skip_to_closer(&TokenKind::RParen);
                break;
            }
        }
        let span = self.span_from(open);
        if items.len() == 1 && !trailing_comma {
            if let Some(mut only) = items.pop() {
                only.span = span;
                return only;
            }
        }
        TypeExpr {
            kind: TypeKind::Tuple(items),
            span,
        }
    }

    /// `fn(A, B): R`; parameter names are allowed and ignored (`fn(x: int)`).
    fn parse_function_type(&mut self) -> TypeKind {
        self.advance();
        if !self.expect(&TokenKind::LParen, "after `fn` in a function type") {
            return TypeKind::Named(Vec::new());
        }
        let params = self.comma_list(&TokenKind::RParen, "after parameter types", |p| {
            if matches!(p.peek_kind(), TokenKind::Ident(_)) && p.check_at(1, &TokenKind::Colon) {
                p.advance();
                p.advance();
            }
            Some(p.parse_type())
        });
        let ret = if self.eat(&TokenKind::Colon) {
            Some(Box::new(self.parse_type()))
        } else {
            None
        };
        TypeKind::Function { params, ret }
    }
}

/// A member of a `|` list in a type: a type, or a variant of an inline
/// tagged union.
enum UnionMember {
    Type(TypeExpr),
    Variant(VariantDecl),
}

impl UnionMember {
    fn into_type(self) -> Option<TypeExpr> {
        match self {
            UnionMember::Type(ty) => Some(ty),
            UnionMember::Variant(_) => None,
        }
    }

    /// In a tagged union, bare names are variants without payload.
    fn into_variant(self, parser: &mut Parser<'_>) -> Option<VariantDecl> {
        match self {
            UnionMember::Variant(variant) => Some(variant),
            UnionMember::Type(TypeExpr {
                kind: TypeKind::Named(path),
                span,
            }) if path.len() == 1 => {
                let name = path.into_iter().next()?;
                Some(VariantDecl {
                    name,
                    payload: Vec::new(),
                    span,
                })
            }
            UnionMember::Type(other) => {
                parser.error(
                    other.span,
                    "a tagged union lists variants: `Name` or `Name(T, …)`",
                );
                None
            }
        }
    }
}
