//! What the functions of a module capture, found in one walk over the
//! module: for every function (and the module's top level), the names its
//! nested functions mention, and which of those they may copy instead of
//! sharing through a cell.
//!
//! The answer is by name and over-approximates: a shadowed name may make a
//! variable a cell or a global needlessly, which costs speed, never
//! correctness. The code generator then resolves each use of a name
//! against its scopes (`codegen::Codegen::resolve`), consulting these sets
//! when it declares a local.

use limit_syntax::ast::*;
use limit_syntax::span::FileId;
use limit_syntax::visit::{self, Visitor};
use rustc_hash::{FxHashMap, FxHashSet};

/// A name, interned by [`Captures`]: the walk copies numbers between the
/// sets of nested functions, never strings.
pub type Name = u32;

/// A set of interned names.
pub type NameSet = FxHashSet<Name>;

/// What one function's nested functions capture.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionCaptures {
    /// Names mentioned inside the functions nested in it, at any depth (its
    /// parameters' defaults included): its locals of these names are
    /// captured.
    pub captured: NameSet,
    /// The captured names nested functions may copy instead of sharing
    /// through a cell: those no assignment anywhere in the function
    /// (nested functions included) targets. Such a variable holds the same
    /// value from its declaration on, so a copy taken when a closure is
    /// made cannot be told from a shared cell.
    ///
    /// Empty when the function declares local functions or frames (they
    /// are hoisted: they may capture a variable before its declaration has
    /// run) or a parameter default makes a closure (it may capture a later
    /// parameter before that one is set).
    pub by_value: NameSet,
}

/// The captures of every function of the modules walked so far, by the
/// function's node id, and of each module's top level, by its file.
#[derive(Clone, Debug, Default)]
pub struct Captures {
    /// Every name the walks met, by text.
    names: FxHashMap<String, Name>,
    functions: FxHashMap<NodeId, FunctionCaptures>,
    scripts: FxHashMap<FileId, FunctionCaptures>,
    /// The files whose module has a `parallel` block.
    parallel: FxHashSet<FileId>,
}

impl Captures {
    /// Whether some function's captures may hold `name` in `set`.
    pub fn contains(&self, set: &NameSet, name: &str) -> bool {
        !set.is_empty() && self.names.get(name).is_some_and(|n| set.contains(n))
    }

    /// The names in `set`, sorted (for tests).
    #[cfg(test)]
    pub fn texts(&self, set: &NameSet) -> Vec<String> {
        let mut texts: Vec<String> = self
            .names
            .iter()
            .filter(|(_, name)| set.contains(name))
            .map(|(text, _)| text.clone())
            .collect();
        texts.sort();
        texts
    }

    /// Whether the module in `file` has a `parallel` block anywhere.
    pub fn has_parallel_block(&self, file: FileId) -> bool {
        self.parallel.contains(&file)
    }

    /// Walks one module (its top-level statements `stmts`, of file `file`)
    /// and records the captures of its top level and of every function in
    /// it.
    pub fn add_module(&mut self, file: FileId, stmts: &[Stmt]) {
        let mut walk = CaptureWalk {
            levels: vec![Level::new(LevelKind::Script)],
            functions: &mut self.functions,
            names: &mut self.names,
            parallel: false,
        };
        for stmt in stmts {
            walk.top_level(stmt);
        }
        let script = walk.levels.pop().map(Level::finish).unwrap_or_default();
        if walk.parallel {
            self.parallel.insert(file);
        }
        self.scripts.insert(file, script);
    }

    /// The captures of the top level of the module in `file`, for
    /// compiling it.
    pub fn take_script(&mut self, file: FileId) -> FunctionCaptures {
        self.scripts.remove(&file).unwrap_or_default()
    }

    /// Whether functions of the module in `file` mention `name` (then its
    /// top-level variable of that name is a global).
    pub fn script_captures(&self, file: FileId, name: &str) -> bool {
        self.scripts
            .get(&file)
            .is_some_and(|script| self.contains(&script.captured, name))
    }

    /// The captures of `decl`, for compiling it: taken from what was
    /// recorded when its module was walked (compiling it again walks it
    /// again), or found now for a function the code generator builds
    /// itself (a task body), which has no node id of its own.
    pub fn take_function(&mut self, decl: &FnDecl) -> FunctionCaptures {
        if let Some(found) = self.functions.remove(&decl.id) {
            return found;
        }
        let mut functions = FxHashMap::default();
        let mut walk = CaptureWalk {
            levels: Vec::new(),
            functions: &mut functions,
            names: &mut self.names,
            parallel: false,
        };
        walk.function(decl, true)
    }
}

/// What kind of code a level of the walk is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LevelKind {
    /// A module's top level.
    Script,
    /// A function, method or function literal.
    Function,
    /// Code that runs as a function of its own without being one in the
    /// source: a task or worker body, a field default, the body of a
    /// parallel block's `iter`.
    Body,
}

/// One function level open in the walk.
struct Level {
    kind: LevelKind,
    /// Names mentioned at this level or inside it.
    mentioned: NameSet,
    /// Names mentioned inside the levels nested in this one.
    captured: NameSet,
    /// Names an assignment targets at this level or inside it.
    assigned: NameSet,
    /// A function or frame declared here (not inside a nested function)
    /// is hoisted.
    hoists: bool,
    /// Walking this function's parameter defaults.
    in_defaults: bool,
    /// A parameter default makes a closure.
    closure_in_defaults: bool,
}

impl Level {
    fn new(kind: LevelKind) -> Level {
        Level {
            kind,
            mentioned: NameSet::default(),
            captured: NameSet::default(),
            assigned: NameSet::default(),
            hoists: false,
            in_defaults: false,
            closure_in_defaults: false,
        }
    }

    fn finish(self) -> FunctionCaptures {
        let by_value = if self.captured.is_empty() || self.hoists || self.closure_in_defaults {
            NameSet::default()
        } else {
            self.captured
                .iter()
                .filter(|name| !self.assigned.contains(*name))
                .copied()
                .collect()
        };
        FunctionCaptures {
            captured: self.captured,
            by_value,
        }
    }
}

struct CaptureWalk<'t> {
    /// The open levels, outermost first.
    levels: Vec<Level>,
    functions: &'t mut FxHashMap<NodeId, FunctionCaptures>,
    names: &'t mut FxHashMap<String, Name>,
    /// A `parallel` block was met.
    parallel: bool,
}

impl CaptureWalk<'_> {
    fn intern(&mut self, name: &str) -> Name {
        if let Some(&interned) = self.names.get(name) {
            return interned;
        }
        let interned = self.names.len() as Name;
        self.names.insert(name.to_string(), interned);
        interned
    }

    fn note(&mut self, name: &str) {
        let name = self.intern(name);
        if let Some(level) = self.levels.last_mut() {
            level.mentioned.insert(name);
        }
    }

    /// The innermost function (or top level) that owns assignments and
    /// hoisted declarations made here: task and worker bodies and field
    /// defaults belong to the function they are written in.
    fn owner(&mut self) -> Option<&mut Level> {
        self.levels
            .iter_mut()
            .rev()
            .find(|level| level.kind != LevelKind::Body)
    }

    fn open(&mut self, kind: LevelKind) {
        if kind == LevelKind::Function {
            if let Some(parent) = self.owner() {
                if parent.in_defaults {
                    parent.closure_in_defaults = true;
                }
            }
        }
        self.levels.push(Level::new(kind));
    }

    /// Closes the innermost level: what it mentions is captured by the
    /// level around it, and what it assigns is assigned there too.
    fn close(&mut self) -> FunctionCaptures {
        let Some(level) = self.levels.pop() else {
            return FunctionCaptures::default();
        };
        if let Some(parent) = self.levels.last_mut() {
            parent.captured.extend(&level.mentioned);
            parent.mentioned.extend(&level.mentioned);
        }
        if let Some(owner) = self.owner() {
            owner.assigned.extend(&level.assigned);
        }
        level.finish()
    }

    /// Walks what `walk` visits one function level deeper.
    fn nested(&mut self, walk: impl FnOnce(&mut Self)) {
        self.open(LevelKind::Body);
        walk(self);
        self.close();
    }

    /// Walks a function as a level of its own; records and returns its
    /// captures.
    fn function(&mut self, decl: &FnDecl, record: bool) -> FunctionCaptures {
        self.open(LevelKind::Function);
        if let Some(level) = self.levels.last_mut() {
            level.in_defaults = true;
        }
        for default in decl.params.iter().filter_map(|p| p.default.as_ref()) {
            self.visit_expr(default);
        }
        if let Some(level) = self.levels.last_mut() {
            level.in_defaults = false;
        }
        if let Some(body) = &decl.body {
            self.visit_block(body);
        }
        let captures = self.close();
        if record && !decl.id.is_synthetic() {
            self.functions.insert(decl.id, captures.clone());
        }
        captures
    }

    /// A statement of a module's top level, where functions and frames are
    /// global declarations rather than hoisted closures.
    fn top_level(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::ModuleBlock(block) => {
                for inner in &block.stmts {
                    self.top_level(inner);
                }
            }
            StmtKind::Fn(_) | StmtKind::Frame(_) => self.declaration(stmt),
            _ => self.visit_stmt(stmt),
        }
    }

    /// The names a declaration, loop or pattern binds, and nested bodies
    /// of a function or frame declaration (without counting it as hoisted).
    fn declaration(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Fn(decl) => {
                if let Some(name) = &decl.name {
                    self.note(&name.name);
                }
                self.function(decl, true);
            }
            StmtKind::Frame(frame) => {
                for member in &frame.members {
                    match member {
                        Member::Field(field) => {
                            if let Some(default) = &field.default {
                                self.nested(|walk| walk.visit_expr(default));
                            }
                        }
                        Member::Method(method) => {
                            self.function(method, true);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn var_target(&mut self, target: &VarTarget) {
        match target {
            VarTarget::Name(name) => self.note(&name.name),
            VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
                for item in items {
                    self.var_target(item);
                }
            }
        }
    }
}

impl Visitor for CaptureWalk<'_> {
    fn visit_function(&mut self, decl: &FnDecl) {
        self.function(decl, true);
    }

    fn visit_stmt(&mut self, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Var(decl) => self.var_target(&decl.target),
            StmtKind::Assign { target, .. } => {
                if let ExprKind::Ident(name) = &target.kind {
                    let name = self.intern(name);
                    if let Some(owner) = self.owner() {
                        owner.assigned.insert(name);
                    }
                }
            }
            StmtKind::Fn(FnDecl { name: Some(_), .. }) | StmtKind::Frame(_) => {
                if let Some(owner) = self.owner() {
                    owner.hoists = true;
                }
                self.declaration(stmt);
                return;
            }
            StmtKind::Iter { bindings, .. } => {
                for binding in bindings {
                    self.note(&binding.name.name);
                }
            }
            StmtKind::Concurrency(block) => {
                self.parallel |= block.kind == ConcurrencyKind::Parallel;
                for arg in &block.params {
                    self.visit_expr(&arg.value);
                }
                for inner in &block.body.stmts {
                    match &inner.kind {
                        // A parallel block's `iter` runs each value as a task.
                        StmtKind::Iter { .. } if block.kind == ConcurrencyKind::Parallel => {
                            self.nested(|walk| walk.visit_stmt(inner));
                        }
                        _ => self.visit_stmt(inner),
                    }
                }
                return;
            }
            // A task or worker body runs as its own function.
            StmtKind::Task { .. } | StmtKind::Worker { .. } => {
                self.nested(|walk| visit::walk_stmt(walk, stmt));
                return;
            }
            _ => {}
        }
        visit::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &Expr) {
        match &expr.kind {
            ExprKind::Ident(name) => self.note(name),
            // Methods keep their instance in a local of this name.
            ExprKind::This => self.note(" this"),
            ExprKind::Else {
                binding: Some(binding),
                ..
            } => self.note(&binding.name),
            _ => {}
        }
        visit::walk_expr(self, expr);
    }

    fn visit_pattern(&mut self, pattern: &Pattern) {
        match &pattern.kind {
            PatternKind::Name(name) => self.note(&name.name),
            PatternKind::List {
                rest: Some(Some(name)),
                ..
            }
            | PatternKind::Record {
                rest: Some(Some(name)),
                ..
            } => self.note(&name.name),
            _ => {}
        }
        if let PatternKind::Record { fields, .. } | PatternKind::Frame { fields, .. } =
            &pattern.kind
        {
            for field in fields.iter().filter(|f| f.pattern.is_none()) {
                self.note(&field.name.name);
            }
        }
        visit::walk_pattern(self, pattern);
    }
}
