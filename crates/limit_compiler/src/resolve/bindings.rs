//! What every name of a module refers to, found in one walk over it: for
//! each use of a name (an `Ident` expression, read or assigned, by its node
//! id; the member name of `ns.name` and the module and enum names of a
//! pattern's `ns.Enum.Variant`, by their `Ident`s' ids) a [`Binding`]; for each local declaration (by the id of its
//! declaring name) where it is declared, whether a nested function
//! captures it, and whether closures may copy it instead of sharing a cell.
//!
//! The scoping rules are the code generator's (LANGUAGE §2, §7): a block,
//! loop body, match arm, handler or function opens a scope; a declaration
//! is visible from the statement after it; named functions of a block are
//! hoisted to its start (and see every variable the block declares); a
//! function's parameters and its body's outermost declarations share one
//! scope; a module's outermost variables are its globals, visible from
//! every function of the module; inside a method a bare name that no local
//! of the method (or of a function nested in it) declares is a field or
//! static of its frame; assigning a name nothing binds declares it.
//! A name nothing binds has no entry: the checker reports it.

use super::top_level::{target_idents, FrameShape, ModuleEnv};

mod type_names;
use crate::node_map::{NodeMap, NodeSet};
use limit_syntax::ast::*;
use limit_syntax::span::{FileId, Span};
use limit_syntax::visit::{self, Visitor};
use rustc_hash::{FxHashMap, FxHashSet};

/// A declaration, named by the node id of its declaring name (a
/// variable's, parameter's, loop variable's, pattern binding's, function's
/// or frame's `Ident`; for a variable an assignment declares, the id of
/// the assigned name).
pub type DeclId = NodeId;

/// What kind of top-level definition a name denotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DefKind {
    Variable,
    Function,
    Frame,
    Trait,
    Enum,
    Alias,
    Variant,
}

/// What one use of a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// A local of the function the use is in.
    Local(DeclId),
    /// A local of an enclosing function, `depth` functions out (task and
    /// worker bodies and field defaults count as functions).
    Capture { decl: DeclId, depth: u32 },
    /// A top-level variable of the use's own module (the script's
    /// outermost variables are its globals).
    Global(DeclId),
    /// A field or static member of the frame whose method the use is in
    /// (LANGUAGE §7): the member's declaring name.
    Member(DeclId),
    /// A top-level definition of module `file` other than one of the
    /// use's own module's variables: its function, frame, enum, trait,
    /// alias or variant, or any member of another module bound by an
    /// import's `show`/`hide` or named through its namespace (`ns.name`:
    /// the use is the member name, by its `Ident`'s id).
    TopLevel {
        file: FileId,
        decl: DeclId,
        kind: DefKind,
    },
    /// The namespace of an imported module (`import a.b`, `as x`): `decl`
    /// is the name in the import statement.
    Namespace { file: FileId, decl: DeclId },
    /// A `module` block of the use's own module (its name's id): its
    /// members are named `block.member`, each bound by its `Ident`'s id
    /// (a function, a variable as `Global`, or a nested block).
    Block(DeclId),
    /// A built-in function (its index in the built-in table).
    Builtin(u16),
    /// A function the embedding host supplies (`Engine::register_fn`):
    /// the index of the session's global holding it. Every module of the
    /// session but the standard ones sees it, after its own names and
    /// imports and before the built-ins.
    Host(u32),
}

/// Which code a declaration belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A module's top level.
    Script(FileId),
    /// A function, method or function literal (by its node id).
    Function(NodeId),
    /// Code the code generator compiles as a function of its own: a task
    /// or worker body, a field default.
    Body,
}

/// A local declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decl {
    pub span: Span,
    pub owner: Owner,
}

/// The bindings of the modules walked so far.
#[derive(Clone, Debug, Default)]
pub struct Bindings {
    uses: NodeMap<Binding>,
    decls: NodeMap<Decl>,
    /// Declarations some nested function uses.
    captured: NodeSet,
    /// Declarations some assignment targets.
    assigned: NodeSet,
    /// Variables a function nested in (or other than) their owner
    /// assigns, with the first such assignment: a call may change them
    /// at any time, so `if (x)` cannot narrow them.
    assigned_by_nested: NodeMap<Span>,
    /// A redeclaration (a second `var x` in the scope that declares `x`,
    /// as at a module's top level) and the first declaration of that
    /// variable: both name one variable.
    redeclared: NodeMap<DeclId>,
    /// The variables some later declaration in their scope names again.
    redeclared_variables: NodeSet,
    /// Declarations closures may not copy: their function hoists local
    /// functions (which may capture a variable before its declaration has
    /// run) or makes a closure in a parameter default (which may capture a
    /// later parameter before it is set).
    shared_only: NodeSet,
    /// Per module: the names of its top-level variables some function
    /// uses (they must be globals).
    globals_used: FxHashMap<FileId, FxHashSet<String>>,
    /// Methods (by node id) whose nested functions use the instance:
    /// `this`, `super` or a bare member.
    this_captured: FxHashSet<NodeId>,
    /// The files whose module has a `parallel` block.
    parallel: FxHashSet<FileId>,
}

impl Bindings {
    /// What the name used at node `id` refers to; `None` when nothing
    /// binds it (or it was not walked).
    pub fn of(&self, id: NodeId) -> Option<Binding> {
        self.uses.get(id).copied()
    }

    /// Every use walked, with its binding (in no order).
    pub fn uses(&self) -> impl Iterator<Item = (NodeId, Binding)> + '_ {
        self.uses.iter().map(|(id, binding)| (id, *binding))
    }

    /// Where local `decl` is declared.
    pub fn decl(&self, decl: DeclId) -> Option<Decl> {
        self.decls.get(decl).copied()
    }

    /// The variable declaration `decl` declares: the first declaration of
    /// its name in its scope (a top-level redeclaration replaces the
    /// variable's value, not the variable), else `decl` itself.
    pub fn variable_of(&self, decl: DeclId) -> DeclId {
        self.redeclared.get(decl).copied().unwrap_or(decl)
    }

    /// Whether the variable `decl` declares keeps the value it was
    /// declared with: no assignment targets it and no later declaration
    /// in its scope names it again.
    pub fn is_never_reassigned(&self, decl: DeclId) -> bool {
        self.variable_of(decl) == decl
            && !self.redeclared_variables.contains(decl)
            && !self.assigned.contains(decl)
    }

    /// Where a function other than its owner assigns the variable `decl`
    /// declares (the first such assignment), if one does.
    pub fn assigned_by_nested_function(&self, decl: DeclId) -> Option<Span> {
        self.assigned_by_nested.get(self.variable_of(decl)).copied()
    }

    /// Whether the walk saw the declaration `decl`.
    pub fn knows(&self, decl: DeclId) -> bool {
        self.decls.contains_key(decl)
    }

    /// Whether a function nested in its owner uses local `decl`.
    pub fn is_captured(&self, decl: DeclId) -> bool {
        self.captured.contains(decl)
    }

    /// Whether closures may copy local `decl` rather than share a cell:
    /// it is captured and nothing assigns it after its declaration, so a
    /// copy taken when a closure is made cannot be told from the variable.
    pub fn is_copied(&self, decl: DeclId) -> bool {
        self.captured.contains(decl)
            && !self.assigned.contains(decl)
            && !self.shared_only.contains(decl)
    }

    /// Whether some function of the module in `file` uses its top-level
    /// variable `name` (then it must be a global).
    pub fn global_used(&self, file: FileId, name: &str) -> bool {
        self.globals_used
            .get(&file)
            .is_some_and(|names| names.contains(name))
    }

    /// Whether functions nested in method `method` use its instance.
    pub fn nested_functions_use_this(&self, method: NodeId) -> bool {
        self.this_captured.contains(&method)
    }

    /// Whether the module in `file` has a `parallel` block anywhere.
    pub fn has_parallel_block(&self, file: FileId) -> bool {
        self.parallel.contains(&file)
    }

    /// Walks one module (its top-level statements `stmts`, of `file`),
    /// seeing what `env` says lies beyond its locals.
    pub fn add_module(&mut self, file: FileId, stmts: &[Stmt], env: &ModuleEnv) {
        let mut walk = Walk {
            out: self,
            env,
            file,
            names: FxHashMap::default(),
            visible: Vec::new(),
            scopes: Vec::new(),
            levels: Vec::new(),
            method: None,
            globals_used: FxHashSet::default(),
        };
        walk.open_level(LevelKind::Script, Owner::Script(file));
        walk.open_scope();
        for stmt in stmts {
            walk.top_level(stmt);
        }
        walk.close_scope();
        walk.close_level();
        let used = std::mem::take(&mut walk.globals_used);
        self.globals_used.entry(file).or_default().extend(used);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LevelKind {
    Script,
    Function,
    Body,
}

/// A function level open in the walk.
struct Level {
    kind: LevelKind,
    owner: Owner,
    /// Declarations made at this level.
    decls: Vec<DeclId>,
    /// Declares local functions (hoisted).
    hoists: bool,
    /// Walking its parameter defaults.
    in_defaults: bool,
    /// A parameter default makes a closure.
    closure_in_defaults: bool,
}

/// A visible declaration of a name.
#[derive(Clone, Copy)]
struct Entry {
    decl: DeclId,
    level: usize,
    /// How many scopes were open where it is declared.
    scope: u32,
    /// One of the script's outermost variables (a module global).
    global: bool,
}

/// The method whose body is being walked.
#[derive(Clone)]
struct MethodContext {
    /// The method's node id.
    id: NodeId,
    level: usize,
    /// Its frame's name's id.
    frame: DeclId,
    is_static: bool,
}

struct Walk<'w> {
    out: &'w mut Bindings,
    env: &'w ModuleEnv,
    file: FileId,
    /// Names interned to index `visible`.
    names: FxHashMap<String, u32>,
    /// For each interned name, its visible declarations, innermost last.
    visible: Vec<Vec<Entry>>,
    /// The open scopes, each with the names declared in it.
    scopes: Vec<Vec<u32>>,
    levels: Vec<Level>,
    method: Option<MethodContext>,
    globals_used: FxHashSet<String>,
}

impl Walk<'_> {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.names.get(name) {
            return n;
        }
        let n = self.visible.len() as u32;
        self.names.insert(name.to_string(), n);
        self.visible.push(Vec::new());
        n
    }

    fn level(&self) -> usize {
        self.levels.len() - 1
    }

    fn open_level(&mut self, kind: LevelKind, owner: Owner) {
        if kind == LevelKind::Function {
            if let Some(parent) = self.owner_level() {
                if parent.in_defaults {
                    parent.closure_in_defaults = true;
                }
            }
        }
        self.levels.push(Level {
            kind,
            owner,
            decls: Vec::new(),
            hoists: false,
            in_defaults: false,
            closure_in_defaults: false,
        });
    }

    /// The innermost function or script level (task bodies and field
    /// defaults belong to the function they are written in).
    fn owner_level(&mut self) -> Option<&mut Level> {
        self.levels
            .iter_mut()
            .rev()
            .find(|level| level.kind != LevelKind::Body)
    }

    fn close_level(&mut self) {
        if let Some(level) = self.levels.pop() {
            if level.hoists || level.closure_in_defaults {
                self.out.shared_only.extend(level.decls);
            }
        }
    }

    fn open_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn close_scope(&mut self) {
        for name in self.scopes.pop().unwrap_or_default() {
            if let Some(stack) = self.visible.get_mut(name as usize) {
                stack.pop();
            }
        }
    }

    /// Whether declarations here are the script's outermost ones.
    fn at_script_top(&self) -> bool {
        self.levels.len() == 1 && self.scopes.len() == 1
    }

    /// Declares `name` (id `decl`) in the innermost scope.
    fn declare_as(&mut self, name: &str, decl: DeclId, span: Span) {
        if decl.is_synthetic() {
            return;
        }
        let global = self.at_script_top();
        let level = self.level();
        let n = self.intern(name);
        let scope = self.scopes.len() as u32;
        if let Some(previous) = self.visible[n as usize].last().filter(|e| e.scope == scope) {
            if previous.decl != decl {
                let first = self.out.variable_of(previous.decl);
                self.out.redeclared.insert(decl, first);
                self.out.redeclared_variables.insert(first);
            }
        }
        self.visible[n as usize].push(Entry {
            decl,
            level,
            scope,
            global,
        });
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(n);
        }
        let owner = self.levels[level].owner;
        self.levels[level].decls.push(decl);
        self.out.decls.insert(decl, Decl { span, owner });
    }

    fn declare(&mut self, name: &Ident) {
        self.declare_as(&name.name, name.id, name.span);
    }

    /// What `name` refers to here.
    fn lookup(&mut self, name: &str) -> Option<Binding> {
        let level = self.level();
        let entry = self
            .names
            .get(name)
            .and_then(|&n| self.visible[n as usize].last().copied());
        if let Some(method) = &self.method {
            if entry.is_none_or(|e| e.level < method.level) {
                if let Some(member) = self.member(name) {
                    self.note_this();
                    return Some(Binding::Member(member));
                }
            }
        }
        if let Some(entry) = entry {
            if entry.global {
                if level > 0 {
                    self.globals_used.insert(name.to_string());
                }
                return Some(Binding::Global(entry.decl));
            }
            return Some(if entry.level == level {
                Binding::Local(entry.decl)
            } else {
                Binding::Capture {
                    decl: entry.decl,
                    depth: (level - entry.level) as u32,
                }
            });
        }
        self.outside(name)
    }

    /// What `name` refers to beyond every local: the module's own
    /// top-level declarations, then its imports, then the host's
    /// functions, then built-ins, then
    /// frames and enums of the modules it imports.
    fn outside(&mut self, name: &str) -> Option<Binding> {
        if let Some(top) = self.env.own.names.get(name) {
            if top.kind == DefKind::Variable {
                if self.level() > 0 {
                    self.globals_used.insert(name.to_string());
                }
                return Some(Binding::Global(top.decl));
            }
            if top.kind == DefKind::Function {
                return Some(Binding::TopLevel {
                    file: self.file,
                    decl: top.decl,
                    kind: top.kind,
                });
            }
        }
        if let Some(binding) = self.env.imports.get(name) {
            return Some(*binding);
        }
        if let Some(&block) = self.env.own.blocks.get(name) {
            return Some(Binding::Block(block));
        }
        if let Some(&global) = self.env.hosts.get(name).filter(|_| !self.env.is_std) {
            return Some(Binding::Host(global));
        }
        let builtin = !name.starts_with(crate::stdlib::NATIVE_PREFIX) || self.env.is_std;
        if let Some(index) = limit_bytecode::builtins::builtin_index(name).filter(|_| builtin) {
            return Some(Binding::Builtin(index));
        }
        if let Some(top) = self.env.own.names.get(name) {
            return Some(Binding::TopLevel {
                file: self.file,
                decl: top.decl,
                kind: top.kind,
            });
        }
        self.variant_binding(name)
    }

    /// Notes a use of the instance (`this`, `super`, a bare member): in a
    /// function nested in the method, the method must share it.
    fn note_this(&mut self) {
        if let Some(method) = &self.method {
            if self.levels.len() - 1 > method.level {
                self.out.this_captured.insert(method.id);
            }
        }
    }

    /// The field or static member `name` of the method's frame (or an
    /// ancestor's), if it is one: a field of `this`, own or inherited,
    /// comes before a static member (LANGUAGE §7), the frame's own before
    /// its parent's.
    fn member(&self, name: &str) -> Option<DeclId> {
        let method = self.method.as_ref()?;
        if !method.is_static {
            if let Some(field) = self.in_lineage(method.frame, name, |shape| &shape.fields) {
                return Some(field);
            }
        }
        self.in_lineage(method.frame, name, |shape| &shape.statics)
    }

    /// The member `name` among `members` of frame `frame`, else of its
    /// nearest ancestor declaring one.
    fn in_lineage(
        &self,
        frame: DeclId,
        name: &str,
        members: impl Fn(&FrameShape) -> &[(String, DeclId)],
    ) -> Option<DeclId> {
        let mut frame = Some(frame);
        let mut hops = 0;
        while let Some(current) = frame {
            let shape = self.env.frames.get(&current)?;
            if let Some((_, decl)) = members(shape).iter().find(|(n, _)| n == name) {
                return Some(*decl);
            }
            frame = shape.parent_decl;
            hops += 1;
            if hops > 64 {
                break;
            }
        }
        None
    }

    /// Records the use of `name` at node `id`; an assignment to a name
    /// nothing binds declares it (`declare_if_unbound`).
    fn use_name(&mut self, id: NodeId, name: &str, span: Span, assign: Option<AssignOp>) {
        let unseen = self
            .names
            .get(name)
            .is_none_or(|&n| self.visible[n as usize].is_empty());
        if unseen
            && assign == Some(AssignOp::Assign)
            && self.at_script_top()
            && matches!(self.outside(name), None | Some(Binding::Global(_)))
        {
            // A top-level `x = v` before any `var x` declares the variable.
            self.declare_as(name, id, span);
            self.out.uses.insert(id, Binding::Global(id));
            return;
        }
        let binding = self.lookup(name);
        match binding {
            Some(binding) => {
                self.out.uses.insert(id, binding);
                let decl = match binding {
                    Binding::Local(decl) | Binding::Global(decl) => Some(decl),
                    Binding::Capture { decl, .. } => {
                        self.out.captured.insert(decl);
                        Some(decl)
                    }
                    _ => None,
                };
                if let (Some(decl), Some(_)) = (decl, assign) {
                    self.out.assigned.insert(decl);
                    let elsewhere = match binding {
                        Binding::Capture { .. } => true,
                        // A top-level variable assigned inside a function.
                        Binding::Global(_) => self.levels.len() > 1,
                        _ => false,
                    };
                    if elsewhere {
                        let variable = self.out.variable_of(decl);
                        if self.out.assigned_by_nested.get(variable).is_none() {
                            self.out.assigned_by_nested.insert(variable, span);
                        }
                    }
                }
            }
            // `x = v` where nothing is called `x` declares it here.
            None if assign == Some(AssignOp::Assign) => {
                self.declare_as(name, id, span);
                self.out.uses.insert(id, Binding::Local(id));
            }
            None => {}
        }
    }

    /// A function (named, literal or method) as a level of its own: its
    /// parameters and body share a scope.
    fn function(&mut self, decl: &FnDecl, kind: LevelKind) {
        let owner = if decl.id.is_synthetic() {
            Owner::Body
        } else {
            Owner::Function(decl.id)
        };
        self.open_level(kind, owner);
        self.open_scope();
        for param in &decl.params {
            self.declare(&param.name);
            if let Some(ty) = &param.ty {
                self.type_expr(ty);
            }
        }
        if let Some(ret) = &decl.ret {
            self.type_expr(ret);
        }
        let level = self.level();
        self.levels[level].in_defaults = true;
        for default in decl.params.iter().filter_map(|p| p.default.as_ref()) {
            self.visit_expr(default);
        }
        self.levels[level].in_defaults = false;
        if let Some(body) = &decl.body {
            self.statements(&body.stmts);
        }
        self.close_scope();
        self.close_level();
    }

    /// A statement of a module's top level.
    fn top_level(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::ModuleBlock(block) => {
                for inner in &block.stmts {
                    self.top_level(inner);
                }
            }
            StmtKind::Fn(decl) => self.function(decl, LevelKind::Function),
            StmtKind::Frame(frame) => self.frame(frame),
            StmtKind::Trait(decl) => {
                for parent in &decl.supers {
                    self.super_name(parent);
                }
                for method in &decl.methods {
                    self.function(method, LevelKind::Function);
                }
            }
            _ => self.visit_stmt(stmt),
        }
    }

    fn frame(&mut self, frame: &FrameDecl) {
        for parent in &frame.supers {
            self.super_name(parent);
        }
        for member in &frame.members {
            match member {
                Member::Field(field) => {
                    if let Some(ty) = &field.ty {
                        self.type_expr(ty);
                    }
                    if let Some(default) = &field.default {
                        self.body(|walk| walk.visit_expr(default));
                    }
                }
                Member::Method(method) => {
                    let outer = self.method.replace(MethodContext {
                        id: method.id,
                        level: self.levels.len(),
                        frame: frame.name.id,
                        is_static: method.modifiers.is_static,
                    });
                    self.function(method, LevelKind::Function);
                    self.method = outer;
                }
            }
        }
    }

    /// Walks what `walk` visits as a body of its own (a task, a field
    /// default), with `binding` as its parameter.
    fn body(&mut self, walk: impl FnOnce(&mut Self)) {
        self.open_level(LevelKind::Body, Owner::Body);
        self.open_scope();
        walk(self);
        self.close_scope();
        self.close_level();
    }

    /// A statement list in the current scope. Outside the script's top
    /// level, its named functions are hoisted: declared first and walked
    /// first, seeing every variable the list declares.
    fn statements(&mut self, stmts: &[Stmt]) {
        let hoisted = !self.at_script_top()
            && stmts
                .iter()
                .any(|s| matches!(&s.kind, StmtKind::Fn(decl) if decl.name.is_some()));
        if hoisted {
            self.hoist(stmts);
        }
        for stmt in stmts {
            if hoisted && matches!(&stmt.kind, StmtKind::Fn(decl) if decl.name.is_some()) {
                continue;
            }
            self.visit_stmt(stmt);
        }
    }

    fn hoist(&mut self, stmts: &[Stmt]) {
        let level = self.level();
        self.levels[level].hoists = true;
        if let Some(owner) = self.owner_level() {
            owner.hoists = true;
        }
        // The list's variables, visible to the hoisted functions only.
        let mut early = Vec::new();
        for stmt in stmts {
            if let StmtKind::Var(decl) = &stmt.kind {
                target_idents(&decl.target, &mut early);
            }
        }
        let early_ids: FxHashSet<DeclId> = early.iter().map(|name| name.id).collect();
        let mark = self.scopes.last().map_or(0, Vec::len);
        for name in &early {
            self.declare(name);
        }
        let functions: Vec<&FnDecl> = stmts
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Fn(decl) if decl.name.is_some() => Some(&**decl),
                _ => None,
            })
            .collect();
        for decl in &functions {
            if let Some(name) = &decl.name {
                self.declare(name);
            }
        }
        for decl in functions {
            self.function(decl, LevelKind::Function);
        }
        // Take the early variables out again (they are declared by their
        // statements); the functions' names stay.
        let Some(scope) = self.scopes.last_mut() else {
            return;
        };
        let declared: Vec<u32> = scope.drain(mark..).collect();
        let (variables, functions) = declared.split_at(early.len().min(declared.len()));
        for &n in variables.iter().rev() {
            let stack = &mut self.visible[n as usize];
            if let Some(position) = stack.iter().rposition(|e| early_ids.contains(&e.decl)) {
                stack.remove(position);
            }
        }
        scope.extend_from_slice(functions);
    }

    /// `{ … }` in a scope of its own.
    fn block(&mut self, block: &Block) {
        self.open_scope();
        self.statements(&block.stmts);
        self.close_scope();
    }

    /// Whether the bare name `name` in a pattern declares a variable (the
    /// one decision the checker and the code generator read: a pattern
    /// name binds exactly when it is declared, `Bindings::knows`). A
    /// variable or function of that name makes it a binding; a type, a
    /// variant written alone (one enum declares it), a built-in type
    /// name or error kind does not (LANGUAGE §8).
    fn pattern_binds(&mut self, name: &str) -> bool {
        if crate::codegen::is_type_pattern_name(name) || crate::codegen::is_error_kind(name) {
            return false;
        }
        let shadowed = matches!(
            self.lookup(name),
            Some(
                Binding::Local(_)
                    | Binding::Capture { .. }
                    | Binding::Global(_)
                    | Binding::Member(_)
                    | Binding::TopLevel {
                        kind: DefKind::Function | DefKind::Variable,
                        ..
                    }
            )
        );
        if shadowed {
            return true;
        }
        // A frame, enum, alias or trait name is a type pattern (§8).
        if self.env.objects.contains(name)
            || matches!(
                self.lookup(name),
                Some(Binding::TopLevel {
                    kind: DefKind::Alias | DefKind::Trait,
                    ..
                })
            )
        {
            return false;
        }
        if name.starts_with(|c: char| c.is_ascii_uppercase())
            && self.variant_binding(name).is_some()
        {
            return false;
        }
        true
    }

    fn concurrency(&mut self, block: &ConcurrencyBlock) {
        let parallel = block.kind == ConcurrencyKind::Parallel;
        if parallel {
            self.out.parallel.insert(self.file);
        }
        for arg in &block.params {
            self.visit_expr(&arg.value);
        }
        self.open_scope();
        for stmt in &block.body.stmts {
            match &stmt.kind {
                StmtKind::Task { binding, body } => {
                    if let Some((_, range)) = binding.as_deref() {
                        self.visit_expr(range);
                    }
                    self.body(|walk| {
                        if let Some((name, _)) = binding.as_deref() {
                            walk.declare(&name.name);
                        }
                        walk.statements(&body.stmts);
                    });
                }
                StmtKind::Worker {
                    binding,
                    source,
                    body,
                } => {
                    self.body(|walk| {
                        walk.declare(&binding.name);
                        walk.statements(&body.stmts);
                    });
                    if let Some(source) = source {
                        self.visit_expr(source);
                    }
                }
                StmtKind::Iter {
                    bindings,
                    iterable,
                    body,
                } if parallel && bindings.len() == 1 => {
                    self.visit_expr(iterable);
                    self.body(|walk| {
                        walk.declare(&bindings[0].name);
                        walk.statements(&body.stmts);
                    });
                }
                // Named functions here are not compiled.
                StmtKind::Fn(_) => {}
                _ => self.visit_stmt(stmt),
            }
        }
        self.close_scope();
    }
}

impl Visitor for Walk<'_> {
    fn visit_function(&mut self, decl: &FnDecl) {
        self.function(decl, LevelKind::Function);
    }

    fn visit_block(&mut self, block: &Block) {
        self.block(block);
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Var(decl) => {
                if let Some(ty) = &decl.ty {
                    self.type_expr(ty);
                }
                if let Some(init) = &decl.init {
                    self.visit_expr(init);
                }
                let mut names = Vec::new();
                target_idents(&decl.target, &mut names);
                for name in names {
                    self.declare(name);
                }
            }
            StmtKind::Assign { target, op, value } => {
                self.visit_expr(value);
                match &target.kind {
                    ExprKind::Ident(name) => self.use_name(target.id, name, target.span, Some(*op)),
                    _ => self.visit_expr(target),
                }
            }
            // Top-level functions and frames are walked by `top_level`,
            // named functions of blocks where the block starts.
            StmtKind::Fn(_) | StmtKind::Frame(_) | StmtKind::Trait(_) => {}
            StmtKind::ModuleBlock(block) => {
                for inner in &block.stmts {
                    self.top_level(inner);
                }
            }
            StmtKind::For {
                init,
                cond,
                step,
                body,
            } => {
                self.open_scope();
                if let Some(init) = init {
                    self.visit_stmt(init);
                }
                if let Some(cond) = cond {
                    self.visit_expr(cond);
                }
                self.block(body);
                if let Some(step) = step {
                    self.visit_stmt(step);
                }
                self.close_scope();
            }
            StmtKind::Iter {
                bindings,
                iterable,
                body,
            } => {
                self.visit_expr(iterable);
                self.open_scope();
                for binding in bindings.iter().rev() {
                    self.declare(&binding.name);
                    if let Some(ty) = &binding.ty {
                        self.type_expr(ty);
                    }
                }
                self.statements(&body.stmts);
                self.close_scope();
            }
            StmtKind::Attempt { body, handlers } => {
                self.block(body);
                for handler in handlers {
                    self.open_scope();
                    if let Some(binding) = &handler.binding {
                        self.declare(binding);
                    }
                    self.statements(&handler.body.stmts);
                    self.close_scope();
                }
            }
            StmtKind::Concurrency(block) => self.concurrency(block),
            StmtKind::TypeAlias(decl) => self.type_expr(&decl.ty),
            StmtKind::Enum(decl) => {
                for ty in decl.variants.iter().flat_map(|v| &v.payload) {
                    self.type_expr(ty);
                }
            }
            // Outside a block a task is an error; its names still resolve.
            StmtKind::Task { binding, body } => {
                if let Some((_, range)) = binding.as_deref() {
                    self.visit_expr(range);
                }
                self.body(|walk| {
                    if let Some((name, _)) = binding.as_deref() {
                        walk.declare(&name.name);
                    }
                    walk.statements(&body.stmts);
                });
            }
            StmtKind::Worker {
                binding,
                source,
                body,
            } => {
                self.body(|walk| {
                    walk.declare(&binding.name);
                    walk.statements(&body.stmts);
                });
                if let Some(source) = source {
                    self.visit_expr(source);
                }
            }
            _ => visit::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Ident(name) => self.use_name(expr.id, name, expr.span, None),
            ExprKind::This | ExprKind::Super => self.note_this(),
            ExprKind::Cast(inner, ty) => {
                self.visit_expr(inner);
                self.type_expr(ty);
            }
            ExprKind::Field(receiver, name) => {
                self.visit_expr(receiver);
                match &receiver.kind {
                    ExprKind::Ident(_) => self.namespace_member(receiver.id, name),
                    // `outer.inner.name`: a member of a nested block.
                    ExprKind::Field(_, inner) => self.namespace_member(inner.id, name),
                    _ => {}
                }
            }
            ExprKind::Else {
                expr: inner,
                binding,
                handler,
            } => {
                self.visit_expr(inner);
                self.open_scope();
                if let Some(binding) = binding {
                    self.declare(binding);
                }
                self.statements(&handler.stmts);
                self.close_scope();
            }
            ExprKind::Match(m) => {
                self.open_scope();
                self.visit_expr(&m.scrutinee);
                for arm in &m.arms {
                    self.open_scope();
                    self.visit_pattern(&arm.pattern);
                    if let Some(guard) = &arm.guard {
                        self.visit_expr(guard);
                    }
                    match &arm.body {
                        ArmBody::Expr(e) => self.visit_expr(e),
                        ArmBody::Block(block) => self.block(block),
                    }
                    self.close_scope();
                }
                self.close_scope();
            }
            _ => visit::walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Name(name) => {
                if self.pattern_binds(&name.name) {
                    self.declare(name);
                } else if let Some(binding) = self
                    .type_binding(&name.name)
                    .or_else(|| self.variant_binding(&name.name))
                {
                    self.out.uses.insert(name.id, binding);
                }
            }
            PatternKind::List { items, rest } => {
                for item in items {
                    self.visit_pattern(item);
                }
                if let Some(Some(name)) = rest {
                    self.declare(name);
                }
            }
            PatternKind::Record { fields, rest } => {
                self.field_patterns(fields);
                if let Some(Some(name)) = rest {
                    self.declare(name);
                }
            }
            PatternKind::Frame { path, fields } => {
                self.type_path(path);
                self.field_patterns(fields);
            }
            PatternKind::Variant { path, .. } => {
                // `ns.Enum.Variant`: the module and its enum.
                match path.as_slice() {
                    [namespace, owner, _] => {
                        let binding = self.lookup(&namespace.name);
                        if let Some(binding @ Binding::Namespace { .. }) = binding {
                            self.out.uses.insert(namespace.id, binding);
                            self.namespace_member(namespace.id, owner);
                        }
                    }
                    // `Enum.Variant`, or `ns.Frame` / `ns.Enum` (a type test).
                    [first, _] => {
                        if let Some(binding) = self.type_binding(&first.name) {
                            self.out.uses.insert(first.id, binding);
                        } else {
                            self.type_path(path);
                        }
                    }
                    [variant] => {
                        if let Some(binding) = self.variant_binding(&variant.name) {
                            self.out.uses.insert(variant.id, binding);
                        }
                    }
                    _ => {}
                }
                visit::walk_pattern(self, pattern);
            }
            _ => visit::walk_pattern(self, pattern),
        }
    }
}

impl Walk<'_> {
    /// `ns.name` (the name `ns` used at node `namespace`) where `ns`
    /// denotes an imported module: `name` denotes the member it declares
    /// (when importers may name it).
    fn namespace_member(&mut self, namespace: NodeId, name: &Ident) {
        let file = match self.out.uses.get(namespace).copied() {
            Some(Binding::Namespace { file, .. }) => file,
            Some(Binding::Block(block)) => return self.block_member(block, name),
            _ => return,
        };
        let member = self
            .env
            .namespaces
            .get(&file)
            .and_then(|names| names.get(&name.name));
        if let Some(top) = member {
            let binding = Binding::TopLevel {
                file,
                decl: top.decl,
                kind: top.kind,
            };
            self.out.uses.insert(name.id, binding);
        }
    }

    /// `block.name` where `block` denotes a `module` block of this
    /// module: `name` denotes the member the block declares (a function,
    /// a variable of the module, a nested block).
    fn block_member(&mut self, block: DeclId, name: &Ident) {
        let member = self
            .env
            .own
            .block_members
            .get(&block)
            .and_then(|members| members.get(&name.name))
            .copied();
        let Some(member) = member else {
            return;
        };
        if matches!(member, Binding::Global(_)) && self.level() > 0 {
            // A function using it makes the variable a global.
            self.globals_used.insert(name.name.clone());
        }
        self.out.uses.insert(name.id, member);
    }

    fn field_patterns(&mut self, fields: &[FieldPattern]) {
        for field in fields {
            match &field.pattern {
                Some(pattern) => self.visit_pattern(pattern),
                None => self.declare(&field.name),
            }
        }
    }
}
