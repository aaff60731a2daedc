//! Frames (classes) and traits (reference.md §7): headers, modifiers and
//! member forms, including the short forms without `var`/`fn`.

use super::Parser;
use crate::ast::{
    FieldDecl, FnDecl, FnModifiers, FrameDecl, FrameModifiers, Member, SuperName, TraitDecl,
    Visibility,
};
use crate::token::TokenKind;

/// Modifiers written before a member, in any order.
#[derive(Default)]
struct MemberModifiers {
    visibility: Visibility,
    is_static: bool,
    is_abstract: bool,
    is_final: bool,
    is_async: bool,
    is_const: bool,
}

impl<'t> Parser<'t> {
    /// `[abstract|final|data]* frame Name [: Parent, Trait…] { members }`.
    pub(super) fn parse_frame_decl(&mut self) -> Option<FrameDecl> {
        let mut modifiers = FrameModifiers::default();
        loop {
            if self.eat(&TokenKind::Abstract) {
                modifiers.is_abstract = true;
            } else if self.eat(&TokenKind::Final) {
                modifiers.is_final = true;
            } else if self.eat_word("data") {
                modifiers.is_data = true;
            } else {
                break;
            }
        }
        if self.at_word("class") {
            let span = self.advance().span;
            self.spelling_error(span, "Limit has no `class`", "write `frame`");
        } else if !self.expect(&TokenKind::Frame, "after frame modifiers") {
            return None;
        }
        let name = self.expect_ident("a frame name")?;
        let supers = self.parse_supers()?;
        let members = self.parse_members()?;
        Some(FrameDecl {
            name,
            modifiers,
            supers,
            members,
            visibility: Visibility::Default,
        })
    }

    /// `trait Name [: Parents] { methods }` (also `interface`).
    pub(super) fn parse_trait_decl(&mut self) -> Option<TraitDecl> {
        self.advance();
        let name = self.expect_ident("a trait name")?;
        let supers = self.parse_supers()?;
        let members = self.parse_members()?;
        let mut methods = Vec::new();
        for member in members {
            match member {
                Member::Method(method) => methods.push(method),
                Member::Field(field) => self.error_with_hint(
                    field.span,
                    "a trait cannot declare fields",
                    "declare the field in the frames that implement the trait",
                ),
            }
        }
        Some(TraitDecl {
            name,
            supers,
            methods,
            visibility: Visibility::Default,
        })
    }

    /// `: A, B` after a frame or trait name (possibly empty).
    fn parse_supers(&mut self) -> Option<Vec<SuperName>> {
        let mut supers = Vec::new();
        if self.eat(&TokenKind::Colon) {
            supers.push(self.parse_super_name()?);
            while self.eat(&TokenKind::Comma) {
                supers.push(self.parse_super_name()?);
            }
        }
        Some(supers)
    }

    /// One parent or trait name: `Name`, or `module.Name` for one an
    /// imported module declares (the namespace is one name: an import's
    /// last segment or its `as` alias).
    fn parse_super_name(&mut self) -> Option<SuperName> {
        let first = self.expect_ident("a parent frame or trait name")?;
        if !self.check(&TokenKind::Dot) {
            return Some(SuperName {
                module: None,
                ident: first,
            });
        }
        self.advance();
        let name = self.expect_ident("a parent frame or trait name")?;
        let mut last = name.span;
        while self.check(&TokenKind::Dot) {
            self.advance();
            last = self.expect_ident("a parent frame or trait name")?.span;
        }
        if last != name.span {
            self.error_with_hint(
                first.span.to(last),
                "a parent frame or trait is named `Name` or `module.Name`",
                "name the module by its import's last segment or its `as` alias: `import a.b as m` then `m.Name`",
            );
        }
        Some(SuperName {
            module: Some(first),
            ident: name,
        })
    }

    /// `{ member* }`; members end with `;`, `,`, a newline or the `}`.
    fn parse_members(&mut self) -> Option<Vec<Member>> {
        let open = self.current_span();
        if !self.expect(&TokenKind::LBrace, "to open the body") {
            return None;
        }
        let members = self
            .nested(|p| {
                p.with_newlines(true, |p| {
                    let mut members = Vec::new();
                    loop {
                        match p.peek_kind() {
                            TokenKind::RBrace => {
                                p.advance();
                                break;
                            }
                            TokenKind::Eof => {
                                p.error_with_hint(
                                    open,
                                    "unclosed `{`: expected `}` before the end of the file",
                                    "add a `}` after the last member",
                                );
                                break;
                            }
                            TokenKind::Semicolon | TokenKind::Comma => {
                                p.advance();
                                continue;
                            }
                            _ => {}
                        }
                        let start = p.pos;
                        if let Some(member) = p.parse_member() {
                            members.push(member);
                        }
                        if p.is_recovering() {
                            p.synchronize_statement();
                        }
                        if p.pos == start {
                            let token = p.advance();
                            let message = format!("unexpected {} in a body", token.kind.describe());
                            p.error(token.span, message);
                            p.recovered();
                        }
                    }
                    members
                })
            })
            .unwrap_or_default();
        Some(members)
    }

    fn parse_member_modifiers(&mut self) -> MemberModifiers {
        let mut modifiers = MemberModifiers::default();
        loop {
            match self.peek_kind() {
                TokenKind::Pub => modifiers.visibility = Visibility::Public,
                TokenKind::Prot => modifiers.visibility = Visibility::Protected,
                TokenKind::Static => modifiers.is_static = true,
                TokenKind::Abstract => modifiers.is_abstract = true,
                TokenKind::Final => modifiers.is_final = true,
                TokenKind::Const => modifiers.is_const = true,
                TokenKind::Ident(word) if word == "async" => modifiers.is_async = true,
                TokenKind::At => {
                    // `@private` etc. before a member.
                    let visibility = match &self.peek_at(1).kind {
                        TokenKind::Ident(name) if name == "public" => Visibility::Public,
                        TokenKind::Ident(name) if name == "private" => Visibility::Private,
                        TokenKind::Ident(name) if name == "protected" => Visibility::Protected,
                        _ => return modifiers,
                    };
                    modifiers.visibility = visibility;
                    self.advance();
                }
                _ => return modifiers,
            }
            self.advance();
        }
    }

    /// One field or method, with its modifiers.
    fn parse_member(&mut self) -> Option<Member> {
        let start = self.current_span();
        let modifiers = self.parse_member_modifiers();
        let fn_modifiers = FnModifiers {
            visibility: modifiers.visibility,
            is_static: modifiers.is_static,
            is_abstract: modifiers.is_abstract,
            is_final: modifiers.is_final,
            is_async: modifiers.is_async,
        };
        match self.peek_kind() {
            TokenKind::Fn => {
                let needs_body = false;
                let mut method = self.parse_fn_decl(fn_modifiers, needs_body)?;
                method.span = self.span_from(start);
                Some(Member::Method(method))
            }
            TokenKind::Var => {
                self.advance();
                self.parse_field(modifiers, start)
            }
            TokenKind::Ident(_) if self.check_at(1, &TokenKind::LParen) => {
                // `init(…)`, `deinit()`, `pub area(): float { … }`: `fn` omitted.
                let name = self.expect_ident("a method name")?;
                let method = self.parse_fn_rest(Some(name), fn_modifiers, false, start)?;
                Some(Member::Method(FnDecl {
                    id: self.node_id(),
                    span: self.span_from(start),
                    ..method
                }))
            }
            TokenKind::Ident(_) => self.parse_field(modifiers, start),
            kind => {
                let message = format!("expected a field or method, found {}", kind.describe());
                self.error_here(message);
                None
            }
        }
    }

    /// `name [: T] [= default]` after optional `var`; ends like a statement
    /// or at `,` (data frames list fields with commas).
    fn parse_field(
        &mut self,
        modifiers: MemberModifiers,
        start: crate::span::Span,
    ) -> Option<Member> {
        let name = self.expect_ident("a field name")?;
        let ty = if self.eat(&TokenKind::Colon) {
            Some(self.parse_type())
        } else {
            None
        };
        let default = if self.eat(&TokenKind::Eq) {
            Some(self.parse_expr())
        } else {
            None
        };
        let span = self.span_from(start);
        if !self.eat(&TokenKind::Comma) {
            self.end_statement("after field declaration");
        }
        Some(Member::Field(FieldDecl {
            name,
            ty,
            default,
            visibility: modifiers.visibility,
            is_static: modifiers.is_static,
            is_const: modifiers.is_const,
            span,
        }))
    }
}
