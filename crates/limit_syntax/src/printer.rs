//! A readable, indented S-expression dump of the AST (`limit ast FILE`).
//!
//! ```text
//! (module
//!   1:1 (var greeting "Hello")
//!   2:1 (fn greet
//!     (params (param name (type str)))
//!     (block
//!       3:5 (expr (call print (interp greeting ", " name "!"))))))
//! ```
//!
//! Nodes are named after the construct (`var`, `fn`, `call`, `+`); names,
//! literals and types appear as written. Statements are prefixed with their
//! `line:col` when a [`SourceFile`] is given. A node is printed on one line
//! when it fits and holds no statements; otherwise its children go on their
//! own lines, two spaces further in.

use crate::ast::*;
use crate::span::{SourceFile, Span};

/// Widest line a node may take when printed flat.
const LINE_WIDTH: usize = 80;

/// Nesting deeper than this is elided as `…`: the printer recurses, and
/// script depth must never become unbounded Rust stack depth.
const MAX_DEPTH: usize = 200;

/// Prints `module` as an indented tree; statements carry `line:col` when
/// `file` (the module's source) is given.
pub fn print_module(module: &Module, file: Option<&SourceFile>) -> String {
    let mut builder = TreeBuilder { file, depth: 0 };
    let stmts: Vec<Node> = module.stmts.iter().map(|s| builder.stmt(s)).collect();
    let mut root = Node::list("module").with_all(stmts);
    root.breaks = true;
    let mut out = String::new();
    layout(&root, 0, &mut out);
    out.push('\n');
    out
}

/// Prints one expression as a tree, without positions.
pub fn print_expr(expr: &Expr) -> String {
    let mut builder = TreeBuilder {
        file: None,
        depth: 0,
    };
    let mut out = String::new();
    layout(&builder.expr(expr), 0, &mut out);
    out
}

/// The printer's own tree: an atom (`x`, `42`, `"text"`) or a parenthesised
/// list with a head word and children.
#[derive(Debug)]
struct Node {
    /// The text of an atom, or the head word of a list.
    text: String,
    /// `None` for an atom.
    children: Option<Vec<Node>>,
    /// `line:col` of a statement.
    position: Option<(u32, u32)>,
    /// Always print the children on their own lines (blocks, modules).
    breaks: bool,
}

impl Node {
    fn atom(text: impl Into<String>) -> Node {
        Node {
            text: text.into(),
            children: None,
            position: None,
            breaks: false,
        }
    }

    fn list(head: impl Into<String>) -> Node {
        Node {
            text: head.into(),
            children: Some(Vec::new()),
            position: None,
            breaks: false,
        }
    }

    fn with(mut self, child: Node) -> Node {
        if let Some(children) = &mut self.children {
            children.push(child);
        }
        self
    }

    fn with_all(mut self, more: impl IntoIterator<Item = Node>) -> Node {
        if let Some(children) = &mut self.children {
            children.extend(more);
        }
        self
    }

    fn with_opt(self, child: Option<Node>) -> Node {
        match child {
            Some(child) => self.with(child),
            None => self,
        }
    }

    fn is_atom(&self) -> bool {
        self.children.is_none()
    }

    fn must_break(&self) -> bool {
        self.breaks
            || self
                .children
                .iter()
                .flatten()
                .any(|child| child.must_break())
    }
}

/// Writes `node` at the current position; continuation lines start at
/// `indent` spaces.
fn layout(node: &Node, indent: usize, out: &mut String) {
    if let Some((line, col)) = node.position {
        out.push_str(&format!("{line}:{col} "));
    }
    let Some(children) = &node.children else {
        out.push_str(&node.text);
        return;
    };
    if !node.must_break() {
        let mut flat = String::new();
        write_flat(node, &mut flat);
        if indent + flat.len() <= LINE_WIDTH {
            out.push_str(&flat);
            return;
        }
    }
    out.push('(');
    out.push_str(&node.text);
    // Leading atoms (names, modifiers) stay on the head line while it fits.
    let mut head_width = indent + 1 + node.text.len();
    let mut leading_atoms = 0;
    for atom in children.iter().take_while(|c| c.is_atom()) {
        head_width += 1 + atom.text.len();
        if head_width > LINE_WIDTH {
            break;
        }
        out.push(' ');
        out.push_str(&atom.text);
        leading_atoms += 1;
    }
    for child in &children[leading_atoms..] {
        out.push('\n');
        out.push_str(&" ".repeat(indent + 2));
        layout(child, indent + 2, out);
    }
    out.push(')');
}

/// Writes `node` on one line (positions are left out).
fn write_flat(node: &Node, out: &mut String) {
    match &node.children {
        None => out.push_str(&node.text),
        Some(children) => {
            out.push('(');
            out.push_str(&node.text);
            for child in children {
                out.push(' ');
                write_flat(child, out);
            }
            out.push(')');
        }
    }
}

/// Turns AST nodes into [`Node`]s, tracking depth to stay bounded.
struct TreeBuilder<'a> {
    file: Option<&'a SourceFile>,
    depth: usize,
}

impl TreeBuilder<'_> {
    /// Runs `build` one level deeper, or returns `…` past [`MAX_DEPTH`].
    fn nested(&mut self, build: impl FnOnce(&mut Self) -> Node) -> Node {
        if self.depth >= MAX_DEPTH {
            return Node::atom("…");
        }
        self.depth += 1;
        let node = build(self);
        self.depth -= 1;
        node
    }

    fn position(&self, span: Span) -> Option<(u32, u32)> {
        self.file.map(|file| file.line_col(span.start))
    }

    // ---- statements ----

    fn stmt(&mut self, stmt: &Stmt) -> Node {
        let mut node = self.nested(|b| b.stmt_kind(&stmt.kind));
        node.position = self.position(stmt.span);
        node
    }

    /// A statement in expression position (`for` init and step): no position.
    fn inner_stmt(&mut self, stmt: &Stmt) -> Node {
        self.nested(|b| b.stmt_kind(&stmt.kind))
    }

    fn stmt_kind(&mut self, kind: &StmtKind) -> Node {
        match kind {
            StmtKind::Var(decl) => self.var_decl(decl),
            StmtKind::Fn(decl) => self.fn_decl(decl),
            StmtKind::Frame(decl) => self.frame_decl(decl),
            StmtKind::Trait(decl) => self.trait_decl(decl),
            StmtKind::Enum(decl) => self.enum_decl(decl),
            StmtKind::TypeAlias(decl) => Node::list("type")
                .with_all(visibility(decl.visibility))
                .with(Node::atom(&decl.name.name))
                .with(self.type_node(&decl.ty)),
            StmtKind::Import(decl) => import_decl(decl),
            StmtKind::ModuleBlock(block) => {
                let mut node = Node::list("module-block").with(Node::atom(&block.name.name));
                node = node.with_all(block.stmts.iter().map(|s| self.stmt(s)).collect::<Vec<_>>());
                node.breaks = true;
                node
            }
            StmtKind::Expr { expr, terminated } => {
                let head = if *terminated { "expr" } else { "result" };
                Node::list(head).with(self.expr(expr))
            }
            StmtKind::Assign { target, op, value } => Node::list(assign_op(*op))
                .with(self.expr(target))
                .with(self.expr(value)),
            StmtKind::Block(block) => self.block(block),
            StmtKind::If {
                branches,
                else_branch,
            } => self.if_stmt(branches, else_branch.as_ref()),
            StmtKind::While { cond, body } => Node::list("while")
                .with(self.expr(cond))
                .with(self.block(body)),
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                let init = init
                    .as_deref()
                    .map(|s| Node::list("init").with(self.inner_stmt(s)));
                let cond = cond.as_ref().map(|e| Node::list("cond").with(self.expr(e)));
                let step = step
                    .as_deref()
                    .map(|s| Node::list("step").with(self.inner_stmt(s)));
                Node::list("for")
                    .with_opt(init)
                    .with_opt(cond)
                    .with_opt(step)
                    .with(self.block(body))
            }
            StmtKind::Iter {
                bindings,
                iterable,
                body,
            } => {
                let bindings: Vec<Node> = bindings.iter().map(|b| self.binding(b)).collect();
                Node::list("iter")
                    .with_all(bindings)
                    .with(Node::list("in").with(self.expr(iterable)))
                    .with(self.block(body))
            }
            StmtKind::Break => Node::list("break"),
            StmtKind::Continue => Node::list("continue"),
            StmtKind::Return(value) => {
                let value = value.as_ref().map(|e| self.expr(e));
                Node::list("return").with_opt(value)
            }
            StmtKind::Concurrency(block) => self.concurrency(block),
            StmtKind::Task { binding, body } => {
                let binding = binding.as_deref().map(|(binding, range)| {
                    let binding = self.binding(binding);
                    binding.with(Node::list("in").with(self.expr(range)))
                });
                Node::list("task").with_opt(binding).with(self.block(body))
            }
            StmtKind::Worker {
                binding,
                source,
                body,
            } => {
                let source = source
                    .as_ref()
                    .map(|e| Node::list("from").with(self.expr(e)));
                Node::list("worker")
                    .with(self.binding(binding))
                    .with_opt(source)
                    .with(self.block(body))
            }
            StmtKind::Attempt { body, handlers } => {
                let body = self.block(body);
                let handlers: Vec<Node> = handlers.iter().map(|h| self.handler(h)).collect();
                Node::list("attempt").with(body).with_all(handlers)
            }
        }
    }

    fn block(&mut self, block: &Block) -> Node {
        let mut node = Node::list("block");
        node.breaks = !block.stmts.is_empty();
        let stmts: Vec<Node> = block.stmts.iter().map(|s| self.stmt(s)).collect();
        node.with_all(stmts)
    }

    fn if_stmt(&mut self, branches: &[(Expr, Block)], else_branch: Option<&Block>) -> Node {
        let mut node = Node::list("if");
        for (index, (cond, body)) in branches.iter().enumerate() {
            let cond = self.expr(cond);
            let body = self.block(body);
            node = if index == 0 {
                node.with(cond).with(body)
            } else {
                node.with(Node::list("elif").with(cond).with(body))
            };
        }
        let else_branch = else_branch.map(|b| Node::list("else").with(self.block(b)));
        node.with_opt(else_branch)
    }

    fn binding(&mut self, binding: &IterBinding) -> Node {
        let ty = binding.ty.as_ref().map(|t| self.type_node(t));
        Node::list("binding")
            .with(Node::atom(&binding.name.name))
            .with_opt(ty)
    }

    fn handler(&mut self, handler: &Handler) -> Node {
        let kind = handler.kind.as_ref().map(|k| Node::atom(&k.name));
        let binding = handler
            .binding
            .as_ref()
            .map(|b| Node::list("binding").with(Node::atom(&b.name)));
        Node::list("handle")
            .with_opt(kind)
            .with_opt(binding)
            .with(self.block(&handler.body))
    }

    fn concurrency(&mut self, block: &ConcurrencyBlock) -> Node {
        let head = match block.kind {
            ConcurrencyKind::Parallel => "parallel",
            ConcurrencyKind::Concurrent => "concurrent",
        };
        let params: Vec<Node> = block.params.iter().map(|a| self.arg(a)).collect();
        let params = (!params.is_empty()).then(|| Node::list("params").with_all(params));
        Node::list(head)
            .with_opt(params)
            .with(self.block(&block.body))
    }

    // ---- declarations ----

    fn var_decl(&mut self, decl: &VarDecl) -> Node {
        let head = if decl.is_const { "const" } else { "var" };
        let ty = decl.ty.as_ref().map(|t| self.type_node(t));
        let init = decl.init.as_ref().map(|e| self.expr(e));
        Node::list(head)
            .with_all(visibility(decl.visibility))
            .with(var_target(&decl.target))
            .with_opt(ty)
            .with_opt(init)
    }

    fn fn_decl(&mut self, decl: &FnDecl) -> Node {
        let head = if decl.name.is_some() { "fn" } else { "lambda" };
        let modifiers = &decl.modifiers;
        let flags = [
            (modifiers.is_static, "static"),
            (modifiers.is_abstract, "abstract"),
            (modifiers.is_final, "final"),
            (modifiers.is_async, "async"),
        ];
        let params: Vec<Node> = decl.params.iter().map(|p| self.param(p)).collect();
        let ret = decl
            .ret
            .as_ref()
            .map(|t| Node::list("returns").with(self.type_node(t)));
        let body = decl.body.as_ref().map(|b| self.block(b));
        Node::list(head)
            .with_opt(decl.name.as_ref().map(|n| Node::atom(&n.name)))
            .with_all(visibility(modifiers.visibility))
            .with_all(
                flags
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, w)| Node::atom(*w)),
            )
            .with(Node::list("params").with_all(params))
            .with_opt(ret)
            .with_opt(body)
    }

    fn param(&mut self, param: &Param) -> Node {
        let ty = param.ty.as_ref().map(|t| self.type_node(t));
        let default = param
            .default
            .as_ref()
            .map(|e| Node::list("default").with(self.expr(e)));
        Node::list("param")
            .with(Node::atom(&param.name.name))
            .with_opt(ty)
            .with_opt(default)
    }

    fn frame_decl(&mut self, decl: &FrameDecl) -> Node {
        let flags = [
            (decl.modifiers.is_data, "data"),
            (decl.modifiers.is_abstract, "abstract"),
            (decl.modifiers.is_final, "final"),
        ];
        let mut node = Node::list("frame")
            .with(Node::atom(&decl.name.name))
            .with_all(visibility(decl.visibility))
            .with_all(
                flags
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, w)| Node::atom(*w)),
            )
            .with_opt(supers(&decl.supers));
        for member in &decl.members {
            let (mut member_node, span) = match member {
                Member::Field(field) => (self.nested(|b| b.field(field)), field.span),
                Member::Method(method) => (self.nested(|b| b.fn_decl(method)), method.span),
            };
            member_node.position = self.position(span);
            node = node.with(member_node);
        }
        node.breaks = !decl.members.is_empty();
        node
    }

    fn field(&mut self, field: &FieldDecl) -> Node {
        let flags = [(field.is_static, "static"), (field.is_const, "const")];
        let ty = field.ty.as_ref().map(|t| self.type_node(t));
        let default = field
            .default
            .as_ref()
            .map(|e| Node::list("default").with(self.expr(e)));
        Node::list("field")
            .with(Node::atom(&field.name.name))
            .with_all(visibility(field.visibility))
            .with_all(
                flags
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, w)| Node::atom(*w)),
            )
            .with_opt(ty)
            .with_opt(default)
    }

    fn trait_decl(&mut self, decl: &TraitDecl) -> Node {
        let mut node = Node::list("trait")
            .with(Node::atom(&decl.name.name))
            .with_all(visibility(decl.visibility))
            .with_opt(supers(&decl.supers));
        for method in &decl.methods {
            let mut method_node = self.nested(|b| b.fn_decl(method));
            method_node.position = self.position(method.span);
            node = node.with(method_node);
        }
        node.breaks = !decl.methods.is_empty();
        node
    }

    fn enum_decl(&mut self, decl: &EnumDecl) -> Node {
        let variants: Vec<Node> = decl
            .variants
            .iter()
            .map(|v| {
                let payload: Vec<Node> = v.payload.iter().map(|t| self.type_node(t)).collect();
                Node::list("variant")
                    .with(Node::atom(&v.name.name))
                    .with_all(payload)
            })
            .collect();
        Node::list("enum")
            .with(Node::atom(&decl.name.name))
            .with_all(visibility(decl.visibility))
            .with_all(variants)
    }

    // ---- expressions ----

    fn expr(&mut self, expr: &Expr) -> Node {
        self.nested(|b| b.expr_kind(&expr.kind))
    }

    fn exprs(&mut self, exprs: &[Expr]) -> Vec<Node> {
        exprs.iter().map(|e| self.expr(e)).collect()
    }

    fn arg(&mut self, arg: &Arg) -> Node {
        let value = self.expr(&arg.value);
        match &arg.name {
            Some(name) => Node::list("arg").with(Node::atom(&name.name)).with(value),
            None => value,
        }
    }

    fn expr_kind(&mut self, kind: &ExprKind) -> Node {
        match kind {
            ExprKind::Int(value) => Node::atom(value.to_string()),
            ExprKind::Float(value) => Node::atom(format!("{value:?}")),
            ExprKind::Duration(seconds) => Node::atom(format!("{seconds:?}s")),
            ExprKind::Str(text) => Node::atom(format!("{text:?}")),
            ExprKind::Interp(parts) => {
                let parts: Vec<Node> = parts
                    .iter()
                    .map(|part| match part {
                        InterpPart::Text(text) => Node::atom(format!("{text:?}")),
                        InterpPart::Expr(expr) => self.expr(expr),
                        InterpPart::Formatted(expr, spec) => Node::list("format")
                            .with(self.expr(expr))
                            .with(Node::atom(format!("{:?}", spec.text))),
                    })
                    .collect();
                Node::list("interp").with_all(parts)
            }
            ExprKind::Bool(value) => Node::atom(value.to_string()),
            ExprKind::Nil => Node::atom("nil"),
            ExprKind::Ident(name) => Node::atom(name),
            ExprKind::This => Node::atom("this"),
            ExprKind::Super => Node::atom("super"),
            ExprKind::List(items) => Node::list("list").with_all(self.exprs(items)),
            ExprKind::Dict { entries, record } => {
                let entries: Vec<Node> = entries
                    .iter()
                    .map(|(k, v)| Node::list("entry").with(self.expr(k)).with(self.expr(v)))
                    .collect();
                Node::list(if *record { "record" } else { "dict" }).with_all(entries)
            }
            ExprKind::Tuple(items) => Node::list("tuple").with_all(self.exprs(items)),
            ExprKind::Unary(op, operand) => Node::list(unary_op(*op)).with(self.expr(operand)),
            ExprKind::Binary(op, left, right) => Node::list(op.symbol())
                .with(self.expr(left))
                .with(self.expr(right)),
            ExprKind::Ternary(cond, then, otherwise) => Node::list("?:")
                .with(self.expr(cond))
                .with(self.expr(then))
                .with(self.expr(otherwise)),
            ExprKind::Range {
                start,
                end,
                step,
                inclusive,
            } => {
                let step = step
                    .as_deref()
                    .map(|s| Node::list("step").with(self.expr(s)));
                Node::list(if *inclusive { "..=" } else { ".." })
                    .with(self.expr(start))
                    .with(self.expr(end))
                    .with_opt(step)
            }
            ExprKind::Call { callee, args } => {
                let callee = self.expr(callee);
                let args: Vec<Node> = args.iter().map(|a| self.arg(a)).collect();
                Node::list("call").with(callee).with_all(args)
            }
            ExprKind::Index(target, index) => Node::list("index")
                .with(self.expr(target))
                .with(self.expr(index)),
            ExprKind::Field(target, name) => Node::list(".")
                .with(self.expr(target))
                .with(Node::atom(&name.name)),
            ExprKind::TupleField(target, index) => Node::list(".")
                .with(self.expr(target))
                .with(Node::atom(index.to_string())),
            ExprKind::Propagate(inner) => Node::list("propagate").with(self.expr(inner)),
            ExprKind::Else {
                expr,
                binding,
                handler,
            } => {
                let binding = binding
                    .as_ref()
                    .map(|b| Node::list("binding").with(Node::atom(&b.name)));
                Node::list("?else")
                    .with(self.expr(expr))
                    .with_opt(binding)
                    .with(self.block(handler))
            }
            ExprKind::Match(match_expr) => self.match_expr(match_expr),
            ExprKind::Lambda(decl) => self.fn_decl(decl),
            ExprKind::Cast(inner, ty) => Node::list("as")
                .with(self.expr(inner))
                .with(self.type_node(ty)),
            ExprKind::Await(inner) => Node::list("await").with(self.expr(inner)),
        }
    }

    fn match_expr(&mut self, match_expr: &MatchExpr) -> Node {
        let scrutinee = self.expr(&match_expr.scrutinee);
        let arms: Vec<Node> = match_expr
            .arms
            .iter()
            .map(|arm| {
                let mut node = self.nested(|b| b.arm(arm));
                node.position = self.position(arm.span);
                node
            })
            .collect();
        let mut node = Node::list("match").with(scrutinee).with_all(arms);
        node.breaks = !match_expr.arms.is_empty();
        node
    }

    fn arm(&mut self, arm: &MatchArm) -> Node {
        let pattern = self.pattern(&arm.pattern);
        let guard = arm
            .guard
            .as_ref()
            .map(|g| Node::list("where").with(self.expr(g)));
        let body = match &arm.body {
            ArmBody::Block(block) => self.block(block),
            ArmBody::Expr(expr) => self.expr(expr),
        };
        Node::list("arm").with(pattern).with_opt(guard).with(body)
    }

    // ---- patterns ----

    fn pattern(&mut self, pattern: &Pattern) -> Node {
        self.nested(|b| b.pattern_kind(&pattern.kind))
    }

    fn patterns(&mut self, patterns: &[Pattern]) -> Vec<Node> {
        patterns.iter().map(|p| self.pattern(p)).collect()
    }

    fn field_patterns(&mut self, fields: &[FieldPattern]) -> Vec<Node> {
        fields
            .iter()
            .map(|f| {
                let pattern = f.pattern.as_ref().map(|p| self.pattern(p));
                Node::list("field")
                    .with(Node::atom(&f.name.name))
                    .with_opt(pattern)
            })
            .collect()
    }

    fn pattern_kind(&mut self, kind: &PatternKind) -> Node {
        match kind {
            PatternKind::Wildcard => Node::atom("_"),
            PatternKind::Literal(expr) => self.expr(expr),
            PatternKind::Range {
                start,
                end,
                inclusive,
            } => Node::list(if *inclusive { "..=" } else { ".." })
                .with(self.expr(start))
                .with(self.expr(end)),
            PatternKind::Name(name) => Node::atom(&name.name),
            PatternKind::Variant { path, args } => {
                let args = args
                    .as_ref()
                    .map(|args| Node::list("args").with_all(self.patterns(args)));
                Node::list("variant")
                    .with(Node::atom(path_text(path)))
                    .with_opt(args)
            }
            PatternKind::Ok(inner) => Node::list("ok").with(self.pattern(inner)),
            PatternKind::Err(inner) => Node::list("err").with(self.pattern(inner)),
            PatternKind::Or(alternatives) => Node::list("|").with_all(self.patterns(alternatives)),
            PatternKind::List { items, rest } => Node::list("list")
                .with_all(self.patterns(items))
                .with_opt(rest_node(rest)),
            PatternKind::Tuple(items) => Node::list("tuple").with_all(self.patterns(items)),
            PatternKind::Record { fields, rest } => Node::list("record")
                .with_all(self.field_patterns(fields))
                .with_opt(rest_node(rest)),
            PatternKind::Frame { path, fields } => Node::list("frame")
                .with(Node::atom(path_text(path)))
                .with_all(self.field_patterns(fields)),
        }
    }

    // ---- types ----

    fn type_node(&mut self, ty: &TypeExpr) -> Node {
        let text = self.type_text(ty);
        Node::list("type").with(Node::atom(text))
    }

    /// A type as it would be written in source.
    fn type_text(&mut self, ty: &TypeExpr) -> String {
        if self.depth >= MAX_DEPTH {
            return "…".to_string();
        }
        self.depth += 1;
        let text = self.type_kind_text(&ty.kind);
        self.depth -= 1;
        text
    }

    fn type_list_text(&mut self, types: &[TypeExpr], separator: &str) -> String {
        let parts: Vec<String> = types.iter().map(|t| self.type_text(t)).collect();
        parts.join(separator)
    }

    fn type_kind_text(&mut self, kind: &TypeKind) -> String {
        match kind {
            TypeKind::Named(path) => path_text(path),
            TypeKind::List(item) => format!("[{}]", self.type_text(item)),
            TypeKind::Dict(key, value) => {
                format!("{{{}: {}}}", self.type_text(key), self.type_text(value))
            }
            TypeKind::Tuple(items) => format!("({})", self.type_list_text(items, ", ")),
            TypeKind::Function { params, ret } => {
                let params = self.type_list_text(params, ", ");
                match ret {
                    Some(ret) => format!("fn({params}): {}", self.type_text(ret)),
                    None => format!("fn({params})"),
                }
            }
            TypeKind::Union(members) => self.type_list_text(members, " | "),
            TypeKind::Tagged(variants) => {
                let variants: Vec<String> = variants
                    .iter()
                    .map(|v| match v.payload.is_empty() {
                        true => v.name.name.clone(),
                        false => {
                            format!("{}({})", v.name.name, self.type_list_text(&v.payload, ", "))
                        }
                    })
                    .collect();
                variants.join(" | ")
            }
            TypeKind::Fallible { inner, errors } => {
                let errors: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
                format!("{}?{}", self.type_text(inner), errors.join(", "))
            }
            TypeKind::Refined { base, cond } => {
                let base = self.type_text(base);
                let mut cond_text = String::new();
                write_flat(&self.expr(cond), &mut cond_text);
                format!("{base} where {cond_text}")
            }
            TypeKind::Record(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(name, ty)| format!("{}: {}", name.name, self.type_text(ty)))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
        }
    }
}

fn var_target(target: &VarTarget) -> Node {
    match target {
        VarTarget::Name(name) => Node::atom(&name.name),
        VarTarget::Tuple(items, _) => Node::list("tuple").with_all(items.iter().map(var_target)),
        VarTarget::List(items, _) => Node::list("list").with_all(items.iter().map(var_target)),
    }
}

fn import_decl(decl: &ImportDecl) -> Node {
    let alias = decl
        .alias
        .as_ref()
        .map(|a| Node::list("as").with(Node::atom(&a.name)));
    let filter = decl.filter.as_ref().map(|filter| {
        let (head, names) = match filter {
            ImportFilter::Show(names) => ("show", names),
            ImportFilter::Hide(names) => ("hide", names),
        };
        Node::list(head).with_all(names.iter().map(|n| Node::atom(&n.name)))
    });
    Node::list("import")
        .with(Node::atom(path_text(&decl.path)))
        .with_opt(alias)
        .with_opt(filter)
}

fn supers(names: &[SuperName]) -> Option<Node> {
    (!names.is_empty())
        .then(|| Node::list("supers").with_all(names.iter().map(|n| Node::atom(n.written()))))
}

fn rest_node(rest: &Option<Option<Ident>>) -> Option<Node> {
    rest.as_ref()
        .map(|name| Node::list("rest").with_opt(name.as_ref().map(|n| Node::atom(&n.name))))
}

fn visibility(visibility: Visibility) -> Option<Node> {
    match visibility {
        Visibility::Default => None,
        Visibility::Public => Some(Node::atom("@public")),
        Visibility::Protected => Some(Node::atom("@protected")),
        Visibility::Private => Some(Node::atom("@private")),
    }
}

fn path_text(path: &[Ident]) -> String {
    let names: Vec<&str> = path.iter().map(|n| n.name.as_str()).collect();
    names.join(".")
}

fn assign_op(op: AssignOp) -> &'static str {
    match op {
        AssignOp::Assign => "=",
        AssignOp::Add => "+=",
        AssignOp::Sub => "-=",
        AssignOp::Mul => "*=",
        AssignOp::Div => "/=",
        AssignOp::Mod => "%=",
    }
}

fn unary_op(op: UnOp) -> &'static str {
    match op {
        UnOp::Neg => "-",
        UnOp::Plus => "+",
        UnOp::Not => "not",
        UnOp::BitNot => "~",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_bigint::BigInt;

    fn span() -> Span {
        Span::default()
    }

    fn at(start: usize) -> Span {
        Span::new(0, start, start + 1)
    }

    fn ident(name: &str) -> Ident {
        Ident::synthetic(name.to_string(), span())
    }

    fn expr(kind: ExprKind) -> Expr {
        Expr {
            id: NodeId::SYNTHETIC,
            kind,
            span: span(),
        }
    }

    fn int(value: i64) -> Expr {
        expr(ExprKind::Int(BigInt::from(value)))
    }

    fn name(text: &str) -> Expr {
        expr(ExprKind::Ident(text.to_string()))
    }

    fn stmt(kind: StmtKind, span: Span) -> Stmt {
        Stmt { kind, span }
    }

    fn call(callee: &str, args: Vec<Expr>) -> Expr {
        expr(ExprKind::Call {
            callee: Box::new(name(callee)),
            args: args
                .into_iter()
                .map(|value| Arg { name: None, value })
                .collect(),
        })
    }

    fn var(target: &str, init: Expr) -> StmtKind {
        StmtKind::Var(Box::new(VarDecl {
            target: VarTarget::Name(ident(target)),
            ty: None,
            init: Some(init),
            is_const: false,
            visibility: Visibility::Default,
        }))
    }

    #[test]
    fn small_expressions_print_on_one_line() {
        let sum = expr(ExprKind::Binary(
            BinOp::Add,
            Box::new(int(1)),
            Box::new(expr(ExprKind::Binary(
                BinOp::Mul,
                Box::new(name("x")),
                Box::new(int(2)),
            ))),
        ));
        assert_eq!(print_expr(&sum), "(+ 1 (* x 2))");
        let text = expr(ExprKind::Interp(vec![
            InterpPart::Text("Hello, ".into()),
            InterpPart::Expr(name("who")),
            InterpPart::Text("!\n".into()),
        ]));
        assert_eq!(
            print_expr(&call("print", vec![text])),
            r#"(call print (interp "Hello, " who "!\n"))"#
        );
    }

    #[test]
    fn statements_carry_line_and_column() {
        let source = SourceFile::new("t.lm", "var x = 1\nwhile (x < 3) {\n    x += 1\n}\n");
        let body = Block {
            stmts: vec![stmt(
                StmtKind::Assign {
                    target: Box::new(name("x")),
                    op: AssignOp::Add,
                    value: Box::new(int(1)),
                },
                at(30),
            )],
            span: span(),
        };
        let cond = expr(ExprKind::Binary(
            BinOp::Lt,
            Box::new(name("x")),
            Box::new(int(3)),
        ));
        let module = Module {
            stmts: vec![
                stmt(var("x", int(1)), at(0)),
                stmt(
                    StmtKind::While {
                        cond: Box::new(cond),
                        body,
                    },
                    at(10),
                ),
            ],
            span: span(),
        };
        assert_eq!(
            print_module(&module, Some(&source)),
            "(module\n  1:1 (var x 1)\n  2:1 (while\n    (< x 3)\n    (block\n      3:5 (+= x 1))))\n"
        );
        assert_eq!(
            print_module(&module, None),
            "(module\n  (var x 1)\n  (while\n    (< x 3)\n    (block\n      (+= x 1))))\n"
        );
    }

    #[test]
    fn functions_show_params_types_and_modifiers() {
        let named = |text: &str| TypeExpr {
            kind: TypeKind::Named(vec![ident(text)]),
            span: span(),
        };
        let fallible = TypeExpr {
            kind: TypeKind::Fallible {
                inner: Box::new(TypeExpr {
                    kind: TypeKind::List(Box::new(named("int"))),
                    span: span(),
                }),
                errors: vec![],
            },
            span: span(),
        };
        let decl = FnDecl {
            id: NodeId::SYNTHETIC,
            name: Some(ident("greet")),
            params: vec![Param {
                name: ident("who"),
                ty: Some(named("str")),
                default: Some(expr(ExprKind::Str("World".into()))),
                span: span(),
            }],
            ret: Some(fallible),
            body: Some(Block {
                stmts: vec![stmt(StmtKind::Return(Some(int(1))), span())],
                span: span(),
            }),
            modifiers: FnModifiers {
                is_static: true,
                ..FnModifiers::default()
            },
            span: span(),
        };
        let module = Module {
            stmts: vec![stmt(StmtKind::Fn(Box::new(decl)), span())],
            span: span(),
        };
        assert_eq!(
            print_module(&module, None),
            "(module\n  (fn greet static\n    (params (param who (type str) (default \"World\")))\n    (returns (type [int]?))\n    (block\n      (return 1))))\n"
        );
    }

    #[test]
    fn long_expressions_break_across_lines() {
        let args: Vec<Expr> = (0..30).map(|i| name(&format!("argument{i}"))).collect();
        let text = print_expr(&call("f", args));
        assert!(text.starts_with("(call f argument0 argument1"), "{text}");
        assert!(text.contains("\n  argument29)"), "{text}");
        assert!(text.lines().all(|line| line.len() <= LINE_WIDTH));
    }

    #[test]
    fn match_arms_and_patterns() {
        let arm = |pattern: PatternKind, body: Expr| MatchArm {
            pattern: Pattern {
                kind: pattern,
                span: span(),
            },
            guard: None,
            body: ArmBody::Expr(body),
            span: span(),
        };
        let matched = expr(ExprKind::Match(Box::new(MatchExpr {
            scrutinee: name("v"),
            arms: vec![
                arm(
                    PatternKind::Variant {
                        path: vec![ident("Msg"), ident("Move")],
                        args: Some(vec![Pattern {
                            kind: PatternKind::Name(ident("x")),
                            span: span(),
                        }]),
                    },
                    name("x"),
                ),
                arm(
                    PatternKind::List {
                        items: vec![],
                        rest: Some(Some(ident("tail"))),
                    },
                    int(0),
                ),
                arm(PatternKind::Wildcard, expr(ExprKind::Nil)),
            ],
            span: span(),
        })));
        assert_eq!(
            print_expr(&matched),
            "(match v\n  (arm (variant Msg.Move (args x)) x)\n  (arm (list (rest tail)) 0)\n  (arm _ nil))"
        );
    }

    #[test]
    fn very_deep_nesting_is_elided_not_overflowed() {
        let mut deep = int(1);
        for _ in 0..(MAX_DEPTH + 50) {
            deep = expr(ExprKind::Unary(UnOp::Neg, Box::new(deep)));
        }
        let text = print_expr(&deep);
        assert!(text.contains('…'));
        assert!(!text.contains(" 1)"));
    }
}
