//! Declarations: visibility annotations, functions and their parameters,
//! enums, type aliases, imports and `module` blocks.

use super::Parser;
use crate::ast::{
    EnumDecl, FnDecl, FnModifiers, Ident, ImportDecl, ImportFilter, ModuleBlock, Param, Stmt,
    StmtKind, TypeAliasDecl, VariantDecl, Visibility,
};
use crate::span::Span;
use crate::token::TokenKind;

impl<'t> Parser<'t> {
    /// A declaration at the current token: `None` when the token does not
    /// start one; `Some(None)` when it did but could not be parsed.
    pub(super) fn parse_declaration(&mut self) -> Option<Option<StmtKind>> {
        let kind = self.peek_kind();
        let next = &self.peek_at(1).kind;
        let decl = match kind {
            TokenKind::Pub | TokenKind::Prot => self.parse_visible_declaration(),
            TokenKind::Fn if matches!(next, TokenKind::Ident(_)) => self
                .parse_fn_decl(FnModifiers::default(), true)
                .map(|decl| StmtKind::Fn(Box::new(decl))),
            TokenKind::Ident(word) if word == "async" && *next == TokenKind::Fn => {
                self.advance();
                let modifiers = FnModifiers {
                    is_async: true,
                    ..FnModifiers::default()
                };
                self.parse_fn_decl(modifiers, true)
                    .map(|decl| StmtKind::Fn(Box::new(decl)))
            }
            TokenKind::Frame | TokenKind::Abstract | TokenKind::Final => self
                .parse_frame_decl()
                .map(|decl| StmtKind::Frame(Box::new(decl))),
            TokenKind::Ident(word)
                if word == "data" && matches!(next, TokenKind::Frame | TokenKind::Final) =>
            {
                self.parse_frame_decl()
                    .map(|decl| StmtKind::Frame(Box::new(decl)))
            }
            TokenKind::Trait | TokenKind::Interface => self
                .parse_trait_decl()
                .map(|decl| StmtKind::Trait(Box::new(decl))),
            TokenKind::Enum => self
                .parse_enum_decl()
                .map(|decl| StmtKind::Enum(Box::new(decl))),
            TokenKind::Type => self
                .parse_type_alias()
                .map(|decl| StmtKind::TypeAlias(Box::new(decl))),
            TokenKind::Import => self
                .parse_import()
                .map(|decl| StmtKind::Import(Box::new(decl))),
            TokenKind::Module => self
                .parse_module_block()
                .map(|decl| StmtKind::ModuleBlock(Box::new(decl))),
            _ => return None,
        };
        Some(decl)
    }

    /// `pub fn …`, `prot var …` at statement level (module exports, §10).
    fn parse_visible_declaration(&mut self) -> Option<StmtKind> {
        let visibility = match self.advance().kind {
            TokenKind::Prot => Visibility::Protected,
            _ => Visibility::Public,
        };
        let start = self.current_span();
        let mut stmt = self.parse_statement()?;
        if !set_visibility(&mut stmt, visibility) {
            self.error(start, "`pub`/`prot` must be followed by a declaration");
        }
        Some(stmt.kind)
    }

    /// `@private decl`, `@public decl`, `@protected decl` at top level.
    pub(super) fn parse_annotated(&mut self) -> Option<Stmt> {
        let at = self.current_span();
        let visibility = self.parse_visibility_label()?;
        let mut stmt = self.parse_statement()?;
        if !set_visibility(&mut stmt, visibility) {
            self.error_with_hint(
                at,
                "a visibility label must be followed by a declaration",
                "put `@private`/`@public` before `fn`, `var`, `frame`, `enum`, `trait` or `type`",
            );
        }
        stmt.span = at.to(stmt.span);
        Some(stmt)
    }

    /// `@public` / `@private` / `@protected`.
    fn parse_visibility_label(&mut self) -> Option<Visibility> {
        self.advance(); // `@`
        let token = self.peek();
        let visibility = match &token.kind {
            TokenKind::Ident(name) if name == "public" => Visibility::Public,
            TokenKind::Ident(name) if name == "private" => Visibility::Private,
            TokenKind::Ident(name) if name == "protected" => Visibility::Protected,
            TokenKind::Pub => Visibility::Public,
            TokenKind::Prot => Visibility::Protected,
            kind => {
                let message = format!(
                    "expected `public`, `private` or `protected` after `@`, found {}",
                    kind.describe()
                );
                self.error(token.span, message);
                return None;
            }
        };
        self.advance();
        Some(visibility)
    }

    /// `fn name(params)[: R] { … }`; `fn` is the current token. When
    /// `needs_body` is false a `;`-terminated signature is accepted.
    pub(super) fn parse_fn_decl(
        &mut self,
        modifiers: FnModifiers,
        needs_body: bool,
    ) -> Option<FnDecl> {
        let start = self.current_span();
        self.expect(&TokenKind::Fn, "to start a function")
            .then_some(())?;
        let name = self.expect_ident("a function name")?;
        self.parse_fn_rest(Some(name), modifiers, needs_body, start)
    }

    /// Parameters, return type and body of a function whose name (if any)
    /// has been consumed.
    pub(super) fn parse_fn_rest(
        &mut self,
        name: Option<Ident>,
        modifiers: FnModifiers,
        needs_body: bool,
        start: Span,
    ) -> Option<FnDecl> {
        let params = self.parse_params()?;
        let ret = if self.eat(&TokenKind::Colon) {
            Some(self.parse_type())
        } else if self.at_arrow() {
            let arrow = self.advance().span.to(self.advance().span);
            let ty = self.parse_type();
            let written = self
                .source
                .and_then(|text| text.get(ty.span.start as usize..ty.span.end as usize))
                .unwrap_or("T");
            self.spelling_error(
                arrow,
                "a return type follows `:` in Limit, not `->`",
                format!("write `: {written}`"),
            );
            Some(ty)
        } else {
            None
        };
        let body = if self.check(&TokenKind::LBrace) {
            Some(self.parse_block())
        } else if needs_body {
            let message = format!(
                "expected `{{` to start the function body, found {}",
                self.peek_kind().describe()
            );
            self.error_here(message);
            return None;
        } else {
            self.end_statement("after a method signature");
            None
        };
        Some(FnDecl {
            id: self.node_id(),
            name,
            params,
            ret,
            body,
            modifiers,
            span: self.span_from(start),
        })
    }

    /// `(name[: T][= default], …)`.
    pub(super) fn parse_params(&mut self) -> Option<Vec<Param>> {
        if !self.expect(&TokenKind::LParen, "before the parameter list") {
            return None;
        }
        let params = self.with_newlines(false, |p| {
            p.comma_list(&TokenKind::RParen, "after parameters", |p| {
                let start = p.current_span();
                p.eat(&TokenKind::Var);
                let name = match p.peek_kind() {
                    TokenKind::This | TokenKind::SelfKw => {
                        let span = p.advance().span;
                        Ident {
                            id: p.node_id(),
                            name: "self".to_string(),
                            span,
                        }
                    }
                    _ => p.expect_ident("a parameter name")?,
                };
                let ty = if p.eat(&TokenKind::Colon) {
                    Some(p.parse_type())
                } else {
                    None
                };
                let default = if p.eat(&TokenKind::Eq) {
                    Some(p.parse_expr())
                } else {
                    None
                };
                Some(Param {
                    name,
                    ty,
                    default,
                    span: p.span_from(start),
                })
            })
        });
        Some(params)
    }

    /// `enum Name { A, B(int, str), C }`; newlines never end anything inside.
    fn parse_enum_decl(&mut self) -> Option<EnumDecl> {
        self.advance();
        let name = self.expect_ident("an enum name")?;
        let open = self.current_span();
        if !self.expect(&TokenKind::LBrace, "to open the enum body") {
            return None;
        }
        let variants = self.with_newlines(false, |p| {
            let mut variants = Vec::new();
            loop {
                while p.eat(&TokenKind::Comma) || p.eat(&TokenKind::Semicolon) {}
                if p.eat(&TokenKind::RBrace) {
                    break;
                }
                if p.at_eof() {
                    p.error_with_hint(
                        open,
                        "unclosed `{` of enum body",
                        "add a `}` after the last variant",
                    );
                    break;
                }
                match p.parse_variant() {
                    Some(variant) => variants.push(variant),
                    None => {
                        p.skip_to_closer(&TokenKind::RBrace);
                        break;
                    }
                }
            }
            variants
        });
        Some(EnumDecl {
            name,
            variants,
            visibility: Visibility::Default,
        })
    }

    /// `Name` or `Name(T, …)`.
    pub(super) fn parse_variant(&mut self) -> Option<VariantDecl> {
        let name = self.expect_ident("a variant name")?;
        let mut payload = Vec::new();
        if self.eat(&TokenKind::LParen) {
            payload = self.with_newlines(false, |p| {
                p.comma_list(&TokenKind::RParen, "after variant payload types", |p| {
                    Some(p.parse_type())
                })
            });
        }
        let span = self.span_from(name.span);
        Some(VariantDecl {
            name,
            payload,
            span,
        })
    }

    /// `type Name = T;`
    fn parse_type_alias(&mut self) -> Option<TypeAliasDecl> {
        self.advance();
        let name = self.expect_ident("a type name")?;
        self.expect(&TokenKind::Eq, "after the type name")
            .then_some(())?;
        let ty = self.parse_alias_type();
        self.end_statement("after type alias");
        Some(TypeAliasDecl {
            name,
            ty,
            visibility: Visibility::Default,
        })
    }

    /// `import a.b.c [as x] [show a, b | hide a, b]`
    fn parse_import(&mut self) -> Option<ImportDecl> {
        self.advance();
        let mut path = Vec::new();
        loop {
            match self.eat_name_like() {
                Some(part) => path.push(part),
                None => {
                    let message = format!(
                        "expected a module name, found {}",
                        self.peek_kind().describe()
                    );
                    self.error_here(message);
                    return None;
                }
            }
            if self.at_line_break() || !self.eat(&TokenKind::Dot) {
                break;
            }
        }
        let alias = if !self.at_line_break() && self.eat_word("as") {
            Some(self.expect_ident("a name after `as`")?)
        } else {
            None
        };
        let filter = if self.at_line_break() {
            None
        } else if self.eat_word("show") {
            Some(ImportFilter::Show(self.parse_name_list()?))
        } else if self.eat_word("hide") {
            Some(ImportFilter::Hide(self.parse_name_list()?))
        } else {
            None
        };
        self.end_statement("after import");
        Some(ImportDecl {
            path,
            alias,
            filter,
        })
    }

    fn parse_name_list(&mut self) -> Option<Vec<Ident>> {
        let mut names = vec![self.expect_ident("a name to import")?];
        while self.eat(&TokenKind::Comma) {
            names.push(self.expect_ident("a name to import")?);
        }
        Some(names)
    }

    /// `module name { @public … @private … }`: labels set the visibility of
    /// the declarations that follow them.
    fn parse_module_block(&mut self) -> Option<ModuleBlock> {
        self.advance();
        let name = self.expect_ident("a module name")?;
        let open = self.current_span();
        if !self.expect(&TokenKind::LBrace, "to open the module body") {
            return None;
        }
        let mut stmts = Vec::new();
        let mut section = Visibility::Default;
        self.with_newlines(true, |p| loop {
            match p.peek_kind() {
                TokenKind::RBrace | TokenKind::Eof => break,
                TokenKind::Semicolon => {
                    p.advance();
                }
                TokenKind::At => match p.parse_visibility_label() {
                    Some(visibility) => section = visibility,
                    None => p.synchronize_statement(),
                },
                _ => {
                    if let Some(mut stmt) = p.parse_statement_step() {
                        if section != Visibility::Default {
                            set_visibility(&mut stmt, section);
                        }
                        stmts.push(stmt);
                    }
                }
            }
        });
        if !self.eat(&TokenKind::RBrace) {
            self.error_with_hint(
                open,
                "unclosed `{` of module block",
                "add a `}` to close the module",
            );
        }
        Some(ModuleBlock { name, stmts })
    }
}

/// Sets the visibility of a declaration statement; false when the statement
/// is not a declaration that has one.
pub(super) fn set_visibility(stmt: &mut Stmt, visibility: Visibility) -> bool {
    match &mut stmt.kind {
        StmtKind::Var(decl) => decl.visibility = visibility,
        StmtKind::Fn(decl) => decl.modifiers.visibility = visibility,
        StmtKind::Frame(decl) => decl.visibility = visibility,
        StmtKind::Trait(decl) => decl.visibility = visibility,
        StmtKind::Enum(decl) => decl.visibility = visibility,
        StmtKind::TypeAlias(decl) => decl.visibility = visibility,
        _ => return false,
    }
    true
}
