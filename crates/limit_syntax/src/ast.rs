//! The abstract syntax tree. Plain data; every node carries a [`Span`].
//!
//! The parser resolves only what the grammar decides (reference.md §12). Names
//! that may denote a type, a variable, an enum variant or a module (`Point`,
//! `Color.Red`, `shapes.area`) stay as written; the resolver decides.

use crate::span::{FileId, Span};
use num_bigint::BigInt;

/// A node's identity: unique among the nodes of every file parsed into one
/// source map (the file and the node's number in parse order). Later stages
/// key what they learn about a node (its type, what a name refers to) by
/// it, never by span, since two nodes may share a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub file: FileId,
    pub index: u32,
}

impl NodeId {
    /// The id of a node a later stage builds (the code generator's rewrites);
    /// nothing is ever recorded for it.
    pub const SYNTHETIC: NodeId = NodeId {
        file: FileId::MAX,
        index: u32::MAX,
    };

    pub fn is_synthetic(self) -> bool {
        self == NodeId::SYNTHETIC
    }
}

/// A parsed source file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

/// A name as written where it is declared or used as a label (a variable,
/// parameter, field, member, type or module name). Its `id` identifies the
/// declaration it names to later stages (`NodeId::SYNTHETIC` for a name a
/// later stage builds).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub id: NodeId,
    pub name: String,
    pub span: Span,
}

impl Ident {
    /// A name built by a later stage, with no node of its own.
    pub fn synthetic(name: impl Into<String>, span: Span) -> Ident {
        Ident {
            id: NodeId::SYNTHETIC,
            name: name.into(),
            span,
        }
    }
}

/// `{ stmts }`, or a single statement used as a body (`if (c) break;`).
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    // Declarations are boxed (and so are the larger parts of other
    // statements) so that a `Stmt` stays small: every block keeps a vector
    // of them (`tests::nodes_stay_small`).
    Var(Box<VarDecl>),
    Fn(Box<FnDecl>),
    Frame(Box<FrameDecl>),
    Trait(Box<TraitDecl>),
    Enum(Box<EnumDecl>),
    TypeAlias(Box<TypeAliasDecl>),
    Import(Box<ImportDecl>),
    /// `module name { @public … @private … }`
    ModuleBlock(Box<ModuleBlock>),
    /// An expression statement. `terminated` is false when no `;` (nor a
    /// newline-ended statement boundary followed by more statements) came
    /// after it and it is the last statement of its block: then its value is
    /// the block's value (function results, `?else` handlers, match arms).
    Expr {
        expr: Expr,
        terminated: bool,
    },
    /// `target op value`; targets are names, fields, indexes (the resolver
    /// rejects others).
    Assign {
        target: Box<Expr>,
        op: AssignOp,
        value: Box<Expr>,
    },
    Block(Block),
    /// `if (c) … elif (c) … else …`: one entry in `branches` per condition.
    If {
        branches: Vec<(Expr, Block)>,
        else_branch: Option<Block>,
    },
    While {
        cond: Box<Expr>,
        body: Block,
    },
    /// `for (init; cond; step) body`; each part may be empty.
    For {
        init: Option<Box<Stmt>>,
        cond: Option<Box<Expr>>,
        step: Option<Box<Stmt>>,
        body: Block,
    },
    /// `iter (x in e)` (one binding) or `iter (k, v in e)` (two).
    Iter {
        bindings: Vec<IterBinding>,
        iterable: Box<Expr>,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    /// `parallel (params) { … }` / `concurrent (params) { … }`.
    Concurrency(Box<ConcurrencyBlock>),
    /// `task { … }`, `task () { … }`, `task (i in range) { … }`.
    Task {
        binding: Option<Box<(IterBinding, Expr)>>,
        body: Block,
    },
    /// `worker (x from ch) { … }`, `worker (x) { … }`.
    Worker {
        binding: Box<IterBinding>,
        source: Option<Box<Expr>>,
        body: Block,
    },
    /// `attempt { … } handle Kind(e) { … } handle (e) { … }`.
    Attempt {
        body: Block,
        handlers: Vec<Handler>,
    },
}

/// A loop variable: `i`, `var i`, `i: int`.
#[derive(Clone, Debug, PartialEq)]
pub struct IterBinding {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// `handle Kind(e)`: the error kind; `None` for `handle (e)` / `handle`.
    pub kind: Option<Ident>,
    pub binding: Option<Ident>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcurrencyKind {
    Parallel,
    Concurrent,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConcurrencyBlock {
    pub kind: ConcurrencyKind,
    /// `ch=results, cores=2, timeout=5s, on_error=Stop` (all named).
    pub params: Vec<Arg>,
    pub body: Block,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Visibility {
    /// Nothing written: private for frame members, exported at top level.
    #[default]
    Default,
    Public,
    Protected,
    Private,
}

/// `var x = e`, `var x: T`, `const var X: T = e`, `var (a, b) = e`.
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    pub target: VarTarget,
    pub ty: Option<TypeExpr>,
    pub init: Option<Expr>,
    pub is_const: bool,
    /// `@private` / `@public` (top level, module blocks).
    pub visibility: Visibility,
}

#[derive(Clone, Debug, PartialEq)]
pub enum VarTarget {
    Name(Ident),
    /// `var (x, y) = …`
    Tuple(Vec<VarTarget>, Span),
    /// `var [a, b] = …`
    List(Vec<VarTarget>, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct FnModifiers {
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_async: bool,
}

/// A named function, method, or function literal (`name` is `None`).
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub id: NodeId,
    pub name: Option<Ident>,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    /// `None` for a signature without body (trait/abstract methods).
    pub body: Option<Block>,
    pub modifiers: FnModifiers,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct FrameModifiers {
    pub is_abstract: bool,
    pub is_final: bool,
    pub is_data: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrameDecl {
    pub name: Ident,
    pub modifiers: FrameModifiers,
    /// `frame B : A, Printable` — parent frame and traits in any order.
    pub supers: Vec<SuperName>,
    pub members: Vec<Member>,
    pub visibility: Visibility,
}

/// A parent frame or trait as a frame's or trait's header names it:
/// `Shape`, or `geo.Shape` for the one the module imported as `geo`
/// declares. It dereferences to the declared name (`Shape`), which is what
/// most uses need; resolving it must look at `module` as well.
#[derive(Clone, Debug, PartialEq)]
pub struct SuperName {
    /// The namespace qualifying the name (an import's name or alias).
    pub module: Option<Ident>,
    pub ident: Ident,
}

impl std::ops::Deref for SuperName {
    type Target = Ident;

    fn deref(&self) -> &Ident {
        &self.ident
    }
}

impl SuperName {
    /// The name as written: `Shape` or `geo.Shape`.
    pub fn written(&self) -> String {
        match &self.module {
            Some(module) => format!("{}.{}", module.name, self.ident.name),
            None => self.ident.name.clone(),
        }
    }

    /// From the module qualifier (if any) to the name.
    pub fn full_span(&self) -> Span {
        match &self.module {
            Some(module) => module.span.to(self.ident.span),
            None => self.ident.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    Field(FieldDecl),
    /// Methods, `init` and `deinit`.
    Method(FnDecl),
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
    pub visibility: Visibility,
    pub is_static: bool,
    pub is_const: bool,
    pub span: Span,
}

/// `trait Name : Parent { fn sig(); fn with_default() { … } }` (`interface` too).
#[derive(Clone, Debug, PartialEq)]
pub struct TraitDecl {
    pub name: Ident,
    pub supers: Vec<SuperName>,
    pub methods: Vec<FnDecl>,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub variants: Vec<VariantDecl>,
    pub visibility: Visibility,
}

/// `Red`, `Move(int, int)`.
#[derive(Clone, Debug, PartialEq)]
pub struct VariantDecl {
    pub name: Ident,
    pub payload: Vec<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeAliasDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportFilter {
    Show(Vec<Ident>),
    Hide(Vec<Ident>),
}

/// `import a.b.c [as x] [show n, m | hide n, m]`
#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub path: Vec<Ident>,
    pub alias: Option<Ident>,
    pub filter: Option<ImportFilter>,
}

impl ImportDecl {
    /// The name the import binds to the module's namespace: its alias
    /// (`import a.b as x`), else its last segment when it imports the
    /// whole module (`import a.b` binds `b`); none for `show`/`hide`.
    pub fn namespace(&self) -> Option<&Ident> {
        match (&self.alias, &self.filter) {
            (Some(alias), _) => Some(alias),
            (None, None) => self.path.last(),
            (None, Some(_)) => None,
        }
    }
}

/// `module name { … }`; each declaration carries the visibility of the
/// `@public` / `@private` / `@protected` section it appears in.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleBlock {
    pub name: Ident,
    pub stmts: Vec<Stmt>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Assign,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `and` / `&&` (short-circuit)
    And,
    /// `or` / `||` (short-circuit)
    Or,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
}

impl BinOp {
    /// How the operator is written (`and`/`or` for the logical ones).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Plus,
    /// `!` / `not`
    Not,
    BitNot,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub id: NodeId,
    pub kind: ExprKind,
    pub span: Span,
}

/// A call argument; `name = value` when named.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: Option<Box<Ident>>,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InterpPart {
    Text(String),
    Expr(Expr),
    /// `{expr:spec}`: the value formatted by a format spec (§3.3a).
    Formatted(Expr, FormatSpec),
}

/// A format spec as written after the `:` of an interpolation (`.2f`).
#[derive(Clone, Debug, PartialEq)]
pub struct FormatSpec {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(BigInt),
    Float(f64),
    /// A duration literal, in seconds.
    Duration(f64),
    /// A string without interpolation.
    Str(String),
    /// `"a {b} c"`
    Interp(Vec<InterpPart>),
    Bool(bool),
    Nil,
    Ident(String),
    /// `this` or `self`
    This,
    /// `super` (only as `super.m(…)`)
    Super,
    List(Vec<Expr>),
    /// `{k: v, …}`; for a record literal `{name: v}` the keys are `Str`
    /// expressions and `record` is true.
    Dict {
        entries: Vec<(Expr, Expr)>,
        record: bool,
    },
    Tuple(Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `cond ? a : b`
    Ternary(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `a..b`, `a..=b`, `a..b..step`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        step: Option<Box<Expr>>,
        inclusive: bool,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Index(Box<Expr>, Box<Expr>),
    /// `obj.name`
    Field(Box<Expr>, Box<Ident>),
    /// `t.0`
    TupleField(Box<Expr>, u32),
    /// Postfix `?`: propagate an error out of the enclosing function.
    Propagate(Box<Expr>),
    /// `e ?else { … }`, `e ? else err { … }`, `e ?else err => { … }`.
    /// (The binding and handler are boxed to keep every `Expr` small.)
    Else {
        expr: Box<Expr>,
        binding: Option<Box<Ident>>,
        handler: Box<Block>,
    },
    Match(Box<MatchExpr>),
    /// `fn (params): R { body }`
    Lambda(Box<FnDecl>),
    /// `e as T`
    Cast(Box<Expr>, Box<TypeExpr>),
    /// `await e`
    Await(Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchExpr {
    pub scrutinee: Expr,
    pub arms: Vec<MatchArm>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MatchArm {
    pub pattern: Pattern,
    /// `pattern where cond`
    pub guard: Option<Expr>,
    pub body: ArmBody,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArmBody {
    Block(Block),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub span: Span,
}

/// A field in a record or frame pattern: `name` or `name: pattern`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldPattern {
    pub name: Ident,
    pub pattern: Option<Pattern>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PatternKind {
    /// `_`
    Wildcard,
    /// An int, float, string, bool or nil literal (numbers may be negative).
    Literal(Box<Expr>),
    /// `1..10`, `1..=10`
    Range {
        start: Box<Expr>,
        end: Box<Expr>,
        inclusive: bool,
    },
    /// A bare name: a binding, a type pattern (`int`, `Point`) or an
    /// unqualified enum variant (`Red`); the resolver decides.
    Name(Ident),
    /// `Color.Red`, `Msg.Move(x, y)`, `Move(x, y)`, `DivisionByZero(msg)`:
    /// a (possibly qualified) variant or error kind with optional payload.
    Variant {
        path: Vec<Ident>,
        args: Option<Vec<Pattern>>,
    },
    /// `ok(p)` / `Ok(p)` / `val p`
    Ok(Box<Pattern>),
    /// `err(p)` / `Err(p)` / `err p`
    Err(Box<Pattern>),
    /// `p | q | …`
    Or(Vec<Pattern>),
    /// `[a, b]`, `[head, ...tail]`, `[first, ...]`
    List {
        items: Vec<Pattern>,
        rest: Option<Option<Ident>>,
    },
    Tuple(Vec<Pattern>),
    /// `{name, age}`, `{name: n, ...rest}`
    Record {
        fields: Vec<FieldPattern>,
        rest: Option<Option<Ident>>,
    },
    /// `Point { x, y }`
    Frame {
        path: Vec<Ident>,
        fields: Vec<FieldPattern>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `int`, `str`, `Point`, `shapes.Shape`, `atomic`, `any`, `channel`
    Named(Vec<Ident>),
    /// `[T]`
    List(Box<TypeExpr>),
    /// `{K: V}`
    Dict(Box<TypeExpr>, Box<TypeExpr>),
    /// `(A, B)`
    Tuple(Vec<TypeExpr>),
    /// `fn(A, B): R`
    Function {
        params: Vec<TypeExpr>,
        ret: Option<Box<TypeExpr>>,
    },
    /// `A | B`
    Union(Vec<TypeExpr>),
    /// `Circle(float) | Square(float) | Empty`: an inline tagged union.
    Tagged(Vec<VariantDecl>),
    /// `T?` (errors empty: any error) or `T?E1, E2`.
    Fallible {
        inner: Box<TypeExpr>,
        errors: Vec<Ident>,
    },
    /// `T where cond` (`value` names the candidate in `cond`).
    Refined {
        base: Box<TypeExpr>,
        cond: Box<Expr>,
    },
    /// `{x: float, y: float}`
    Record(Vec<(Ident, TypeExpr)>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    /// A program's tree lives through the whole compilation and a large
    /// one holds millions of nodes: a variant that grows one of these types
    /// grows every node of it (a `Stmt` was 288 bytes, an `Expr` 120).
    /// Box what is large and rare instead.
    #[test]
    fn nodes_stay_small() {
        assert!(size_of::<Expr>() <= 64, "Expr: {}", size_of::<Expr>());
        assert!(size_of::<Stmt>() <= 96, "Stmt: {}", size_of::<Stmt>());
        assert!(size_of::<Arg>() <= 72, "Arg: {}", size_of::<Arg>());
        assert!(
            size_of::<TypeExpr>() <= 56,
            "TypeExpr: {}",
            size_of::<TypeExpr>()
        );
        assert!(
            size_of::<Pattern>() <= 96,
            "Pattern: {}",
            size_of::<Pattern>()
        );
        assert!(size_of::<Param>() <= 184, "Param: {}", size_of::<Param>());
        assert!(size_of::<Ident>() <= 48, "Ident: {}", size_of::<Ident>());
    }
}
