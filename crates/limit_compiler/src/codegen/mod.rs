//! Code generation: AST → bytecode [`Program`].
//!
//! Names are resolved here, at compile time, to local slots, cells of
//! captured variables, closure upvalues, globals, known functions or
//! built-ins (DESIGN.md §5), so the VM never looks a variable up by name.
//!
//! * The script is function 0's body. Its outermost variables are locals of
//!   the script unless some function mentions them: then they are globals.
//! * Top-level `fn`s capture nothing (they reach globals by index), so calls
//!   to them are `CallDirect`.
//! * A local that a nested function mentions lives in a cell (`MakeCell`);
//!   closures capture cells, so capture is by reference. A mentioned local
//!   that nothing assigns is copied into the closure instead
//!   (`CaptureSource::LocalValue`, `resolve::Bindings::is_copied`): it
//!   never changes, so a copy behaves the same, and it costs no cell (not
//!   with `-O0`, so that the conformance suite compares the two).

mod acyclic;
mod bare_members;
mod block_params;
mod checks;
mod concurrency;
mod constant_slots;
mod construction;
mod definitions;
mod dynamic_fields;
mod dynamic_operators;
mod element_checks;
mod entry_updates;
mod enums;
mod expr;
mod fold;
mod frame;
mod function;
mod function_slots;
mod loop_exits;
pub(crate) mod module;
mod mutation;
mod objects;
mod pattern;
mod printed;
mod result_guards;
pub(crate) mod session;
mod stmt;
mod super_names;
mod type_checks;

pub(crate) use expr::is_error_kind;
pub(crate) use pattern::is_type_pattern_name;

use crate::modules::ModuleGraph;
use limit_bytecode::opcode::Op;
use limit_bytecode::program::{CaptureSource, Constant, FunctionProto, Pos, Program};
use limit_syntax::ast::*;
use limit_syntax::{Diagnostic, SourceMap, Span};
use rustc_hash::{FxHashMap, FxHashSet};

/// Compiles a program's modules into one program, or returns diagnostics.
/// Warnings are returned in both cases.
pub fn generate(
    graph: &ModuleGraph,
    sources: &SourceMap,
    options: &crate::CompileOptions,
    types: crate::check::TypeTable,
    bindings: crate::resolve::Bindings,
) -> (Option<Program>, Vec<Diagnostic>) {
    let optimize = options.optimize;
    let mut gen = Codegen::new(sources, 0);
    gen.program.files = sources.files().iter().map(|f| f.name.clone()).collect();
    gen.capabilities = options.capabilities;
    gen.fold_constants = optimize;
    gen.capture_by_value = optimize;
    gen.specialise_by_type = optimize;
    gen.types = types;
    gen.bindings = bindings;
    gen.modules(graph);
    let has_errors = gen.diagnostics.iter().any(Diagnostic::is_error);
    let program = if has_errors { None } else { Some(gen.program) };
    (program, gen.diagnostics)
}

/// A local variable of the function being compiled.
#[derive(Clone, Debug)]
pub(crate) struct Local {
    pub name: String,
    /// The declaration it is (`resolve::DeclId`), when the resolve stage
    /// saw it; hidden slots and names the code generator makes have none.
    pub decl: Option<NodeId>,
    pub slot: u16,
    pub depth: usize,
    /// Captured by a nested function: the slot holds a cell.
    pub cell: bool,
    /// Captured by a nested function, which copies its value: nothing
    /// assigns it (`resolve::Bindings::is_copied`), so it needs no cell.
    pub by_value: bool,
    pub is_const: bool,
}

/// Something that must be undone when control leaves a construct early
/// (`break`, `continue`, `return` out of a `?else` handler).
#[derive(Clone, Debug)]
pub(crate) enum Cleanup {
    /// An iterator on the operand stack: `Pop`.
    Iterator,
    /// An `attempt`/`?else` handler: `EndTry`.
    Handler,
    /// A `?else` handler body: `return` inside it yields the handler's value
    /// (jumps are collected in `value_exits`). `break`/`continue` may leave
    /// it for the enclosing loop only when the handled expression is a whole
    /// statement's value (`stack_clean`): then no operand of an enclosing
    /// expression is pending on the stack, so the jump leaves it balanced.
    HandlerValue { stack_clean: bool },
    /// A `match` arm's block: `break`/`continue` leave it like a handler's
    /// (`stack_clean` as above); `return` passes through it.
    ArmValue { stack_clean: bool },
}

#[derive(Clone, Debug)]
pub(crate) struct LoopContext {
    /// `cleanups.len()` inside the loop body.
    pub cleanup_depth: usize,
    /// `locals.len()` when the loop began: `break` and `continue` release
    /// the locals declared after it (reference.md §7: a local is released
    /// at the end of its block, however the block is left).
    pub local_depth: usize,
    /// The local holding the operand stack's height at the start of each
    /// iteration (`MarkHeight`), when the body has a `?else` handler inside
    /// a larger expression that `break`s or `continue`s this loop.
    pub height_slot: Option<u16>,
    pub break_jumps: Vec<usize>,
    pub continue_jumps: Vec<usize>,
    /// The loop of a `worker` over its channel (§9): its body is a
    /// function called once per value, so `continue` returns from it.
    pub is_worker: bool,
}

/// Which function-like thing is being compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FunctionKind {
    Script,
    Function,
}

/// Compile-time state of one function.
pub(crate) struct FunctionState {
    pub kind: FunctionKind,
    pub proto: FunctionProto,
    pub locals: Vec<Local>,
    /// Indices into `locals` by name, innermost last: name lookups stay
    /// constant-time however many variables a function declares.
    pub local_names: FxHashMap<String, Vec<usize>>,
    /// Indices into `locals` by declaration (`resolve::DeclId`).
    pub local_decls: FxHashMap<NodeId, usize>,
    pub scope_depth: usize,
    pub next_slot: u16,
    pub max_slots: u16,
    pub loops: Vec<LoopContext>,
    pub cleanups: Vec<Cleanup>,
    /// Pending jumps of `return`s inside `?else` handlers, innermost last.
    pub value_exits: Vec<Vec<usize>>,
    /// For each open `?else` handler (as `value_exits`): the local holding
    /// the stack height where its body starts, when a `return` in it can
    /// leave operands of an inner expression behind (a `match` arm block
    /// inside an expression: see `loop_exits.rs`).
    pub handler_heights: Vec<Option<u16>>,
    /// Set by a statement whose whole value is the next expression compiled
    /// (`var x = e`, `e;`): a `?else` there starts with nothing pending on
    /// the operand stack. Taken (reset) by the next `?else` or other
    /// expression that reads it.
    pub statement_value: bool,
    /// Declared `T?`: `?` may propagate out of it.
    pub fallible: bool,
    /// Slots of captured variables whose cells were made before their
    /// declaration (so hoisted functions could capture them).
    pub predeclared: Vec<u16>,
    /// What a value assigned to an annotated local needs (by slot).
    pub local_coercions: FxHashMap<u16, Vec<checks::Coercion>>,
    /// What a returned value needs (the declared return type).
    pub return_coercions: Vec<checks::Coercion>,
    /// What a value assigned to a captured variable needs (by upvalue
    /// index): the coercions of the annotated local it captures.
    pub upvalue_coercions: FxHashMap<u16, Vec<checks::Coercion>>,
}

impl FunctionState {
    /// The innermost visible local called `name`.
    pub fn innermost(&self, name: &str) -> Option<&Local> {
        let index = *self.local_names.get(name)?.last()?;
        self.locals.get(index)
    }

    /// Whether some visible local is called `name`.
    pub fn has_local(&self, name: &str) -> bool {
        self.local_names.get(name).is_some_and(|v| !v.is_empty())
    }

    fn new(kind: FunctionKind, name: String, file: u32) -> FunctionState {
        FunctionState {
            kind,
            proto: FunctionProto {
                name,
                file,
                ..FunctionProto::default()
            },
            locals: Vec::new(),
            local_names: FxHashMap::default(),
            local_decls: FxHashMap::default(),
            scope_depth: 0,
            next_slot: 0,
            max_slots: 0,
            loops: Vec::new(),
            cleanups: Vec::new(),
            value_exits: Vec::new(),
            handler_heights: Vec::new(),
            statement_value: false,
            fallible: false,
            predeclared: Vec::new(),
            local_coercions: FxHashMap::default(),
            return_coercions: Vec::new(),
            upvalue_coercions: FxHashMap::default(),
        }
    }
}

/// A top-level function, callable directly.
#[derive(Clone, Debug)]
pub(crate) struct KnownFunction {
    pub index: u32,
    pub params: Vec<String>,
    pub required: usize,
}

/// Where a name lives.
#[derive(Clone, Debug)]
pub(crate) enum Place {
    Local {
        slot: u16,
        cell: bool,
        is_const: bool,
    },
    Upvalue {
        index: u16,
        is_const: bool,
    },
    Global {
        index: u32,
        is_const: bool,
    },
    Function(KnownFunction),
    Native(u16),
    /// An outer variable assigned by the tasks of a parallel block, seen
    /// from inside them: it holds a shared cell (codegen/concurrency.rs).
    Shared(Box<Place>),
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) enum ConstantKey {
    Int(i64),
    Float(u64),
    Str(String),
    Big(String),
}

pub(crate) struct Codegen<'a> {
    pub sources: &'a SourceMap,
    pub program: Program,
    pub(crate) constant_index: FxHashMap<ConstantKey, u32>,
    /// Releasable function slots (sessions: `function_slots.rs`).
    pub(crate) slots: function_slots::FunctionSlots,
    /// Released constant slots (sessions: `constant_slots.rs`).
    pub(crate) constant_slots: constant_slots::ConstantSlots,
    pub diagnostics: Vec<Diagnostic>,
    /// The functions being compiled, outermost (the script) first.
    pub functions: Vec<FunctionState>,
    pub globals: FxHashMap<String, (u32, bool)>,
    pub known_functions: FxHashMap<String, KnownFunction>,
    /// What the current module imported, by local name.
    pub imports: FxHashMap<String, module::ImportBinding>,
    /// The scopes of all modules; the current one's maps are moved out into
    /// `globals`, `known_functions` and `imports` while it is compiled.
    pub module_scopes: Vec<module::ModuleScope>,
    pub current_module: usize,
    pub module_name: String,
    pub file: u32,
    /// Frames, traits and enums (see `objects.rs`).
    pub objects: objects::ObjectModel,
    /// Evaluate constant expressions at compile time (off with `-O0`).
    pub fold_constants: bool,
    /// Closures copy the captured variables nothing assigns
    /// (`resolve::Bindings::is_copied`); off with `-O0`, where every
    /// captured variable is a cell, so the conformance suite's two runs
    /// compare the two.
    pub capture_by_value: bool,
    /// Static types the checker proved, by node id: they resolve
    /// named arguments of method calls on typed receivers and, when
    /// `specialise_by_type`, select int- and float-specialised instructions.
    pub types: crate::check::TypeTable,
    /// Select specialised instructions from `types` (off with `-O0`).
    pub specialise_by_type: bool,
    /// What a value assigned to an annotated global needs.
    pub global_coercions: FxHashMap<u32, Vec<checks::Coercion>>,
    /// Globals declared `atomic`: each holds one shared cell for its whole
    /// life, so a write from any thread (a helper, method or `deinit` a
    /// parallel task runs) reaches the one variable (§9).
    pub atomic_globals: FxHashSet<u32>,
    /// Parallel blocks being compiled: the function depth of their tasks
    /// and the outer variables those tasks assign, by declaration
    /// (concurrency.rs).
    pub shared_scopes: Vec<(usize, FxHashSet<NodeId>)>,
    /// What the current module's functions and methods mutate in place
    /// (`mutation.rs`), for the rules of parallel tasks.
    pub(crate) mutations: mutation::Mutations,
    /// What the program may reach outside itself: naming a built-in that
    /// needs a capability it lacks is an error (capabilities.rs).
    pub capabilities: crate::capabilities::Capabilities,
    /// Functions of standard modules that need a capability their module
    /// does not (`std.time`'s `sleep`, `Capability::of_module_member`), by
    /// function index, with the name diagnostics give them.
    pub gated_functions: FxHashMap<u32, (String, crate::capabilities::Capability)>,
    /// What every name use refers to and which locals nested functions
    /// capture, found once per module by the resolve stage.
    pub bindings: crate::resolve::Bindings,
    /// Every module's globals, by the variable they hold (the first
    /// declaration of each, `Bindings::variable_of`): a use the resolve
    /// stage bound to a top-level variable is placed through it.
    pub(crate) global_decls: FxHashMap<NodeId, (u32, bool)>,
    /// Every module's top-level functions, by their declaring names' ids.
    pub(crate) function_decls: FxHashMap<NodeId, KnownFunction>,
    /// The host types the embedding host registered: a parameter
    /// annotated with one checks its argument (`Op::CheckHost`).
    pub host_types: FxHashSet<String>,
    /// The file and 0-based line of the last instruction's position
    /// (`pos`).
    line_hint: (u32, usize),
}

impl<'a> Codegen<'a> {
    /// A code generator with an empty program (whose `files` the caller
    /// fills: a whole program's are all the sources, a session chunk adds
    /// the new ones to the session's program).
    pub(crate) fn new(sources: &'a SourceMap, file: u32) -> Codegen<'a> {
        let program = Program::default();
        Codegen {
            sources,
            program,
            constant_index: FxHashMap::default(),
            slots: function_slots::FunctionSlots::default(),
            constant_slots: constant_slots::ConstantSlots::default(),
            diagnostics: Vec::new(),
            functions: Vec::new(),
            globals: FxHashMap::default(),
            known_functions: FxHashMap::default(),
            imports: FxHashMap::default(),
            module_scopes: Vec::new(),
            current_module: 0,
            module_name: String::new(),
            file,
            objects: objects::ObjectModel::default(),
            fold_constants: true,
            capture_by_value: true,
            types: crate::check::TypeTable::default(),
            specialise_by_type: true,
            global_coercions: FxHashMap::default(),
            atomic_globals: FxHashSet::default(),
            shared_scopes: Vec::new(),
            mutations: mutation::Mutations::default(),
            capabilities: crate::capabilities::Capabilities::all(),
            gated_functions: FxHashMap::default(),
            bindings: crate::resolve::Bindings::default(),
            global_decls: FxHashMap::default(),
            function_decls: FxHashMap::default(),
            host_types: FxHashSet::default(),
            line_hint: (u32::MAX, 0),
        }
    }

    // ------------------------------------------------------------ reporting

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    pub fn error_with_hint(&mut self, span: Span, message: impl Into<String>, hint: &str) {
        self.diagnostics
            .push(Diagnostic::error(span, message).with_hint(hint));
    }

    pub fn not_supported(&mut self, span: Span, what: &str) {
        self.error_with_hint(
            span,
            format!("{what} are not supported yet"),
            "this construct parses, but the compiler cannot run it in this version",
        );
    }

    // ------------------------------------------------------------- emission

    pub fn current(&mut self) -> &mut FunctionState {
        // Infallible: code is only emitted between a module's, function's,
        // method's or constructor's push of its state and its pop.
        self.functions
            .last_mut()
            .expect("a function is always being compiled")
    }

    pub fn current_ref(&self) -> &FunctionState {
        // Infallible: as for `current`.
        self.functions
            .last()
            .expect("a function is always being compiled")
    }

    fn pos(&mut self, span: Span) -> Pos {
        let file = self.sources.get(span.file);
        // Instructions come mostly in source order: start from the line
        // of the last one (a search per instruction was 3% of compiling
        // a large program).
        let (hint_file, hint) = &mut self.line_hint;
        if *hint_file != span.file {
            *hint_file = span.file;
            *hint = 0;
        }
        let (line, col) = file.line_col_near(span.start, hint);
        Pos { line, col }
    }

    /// Appends an instruction; returns its index.
    pub fn emit(&mut self, op: Op, span: Span) -> usize {
        // Every use of a built-in, called or taken as a value, is one of
        // these two instructions: the one place to check capabilities.
        if let Op::CallNative(index, _) | Op::GetNative(index) = op {
            self.check_capability(index, span);
        }
        // Likewise every use of a known function: a direct call or its
        // closure.
        if let Op::CallDirect(index, _) | Op::Closure(index) = op {
            self.check_function_capability(index, span);
        }
        let pos = self.pos(span);
        let proto = &mut self.current().proto;
        proto.code.push(op);
        proto.lines.push(pos);
        proto.code.len() - 1
    }

    pub fn code_len(&self) -> usize {
        self.current_ref().proto.code.len()
    }

    /// Points the jump at `at` to the next instruction to be emitted.
    pub fn patch_jump(&mut self, at: usize) {
        let target = self.code_len();
        self.patch_jump_to(at, target);
    }

    pub fn patch_jump_to(&mut self, at: usize, target: usize) {
        let op = &mut self.current().proto.code[at];
        *op = op.with_target(at, target);
    }

    /// Emits a backwards jump to `target`.
    pub fn emit_loop(&mut self, target: usize, span: Span) {
        let distance = self.code_len() + 1 - target;
        self.emit(Op::Loop(distance as u32), span);
    }

    pub fn constant(&mut self, constant: Constant) -> u32 {
        let key = match &constant {
            Constant::Int(n) => Some(ConstantKey::Int(*n)),
            Constant::Float(x) => Some(ConstantKey::Float(x.to_bits())),
            Constant::Str(s) => Some(ConstantKey::Str(s.clone())),
            Constant::BigInt(n) => Some(ConstantKey::Big(n.to_string())),
            Constant::Nil | Constant::Bool(_) => None,
        };
        if let Some(index) = key.as_ref().and_then(|k| self.constant_index.get(k)) {
            return *index;
        }
        let index = self.constant_slot(constant);
        if let Some(key) = key {
            self.constant_index.insert(key, index);
        }
        index
    }

    pub fn str_constant(&mut self, text: &str) -> u32 {
        self.constant(Constant::Str(text.to_string()))
    }

    // --------------------------------------------------------------- scopes

    pub fn begin_scope(&mut self) {
        self.current().scope_depth += 1;
    }

    pub fn end_scope(&mut self) {
        let state = self.current();
        state.scope_depth -= 1;
        let depth = state.scope_depth;
        while state.locals.last().is_some_and(|l| l.depth > depth) {
            // Infallible: the loop condition saw a last local.
            let local = state.locals.pop().expect("checked non-empty");
            if let Some(indices) = state.local_names.get_mut(&local.name) {
                indices.pop();
            }
            if let Some(decl) = local.decl {
                state.local_decls.remove(&decl);
            }
            state.next_slot = local.slot;
        }
    }

    /// Reserves a slot without a name (match scrutinees, loop counters).
    pub fn hidden_slot(&mut self) -> u16 {
        self.add_local(" hidden", false, false)
    }

    /// Declares a local in the current scope and returns its slot.
    pub fn add_local(&mut self, name: &str, cell: bool, is_const: bool) -> u16 {
        self.add_declared_local(name, None, cell, is_const)
    }

    /// Declares a local for declaration `decl` (see [`Local::decl`]).
    fn add_declared_local(
        &mut self,
        name: &str,
        decl: Option<NodeId>,
        cell: bool,
        is_const: bool,
    ) -> u16 {
        // Slots are 16-bit operands: past that, report (once) instead of
        // wrapping around onto other variables.
        if self.current_ref().next_slot == u16::MAX {
            let file = self.file;
            if !self
                .diagnostics
                .iter()
                .any(|d| d.message.starts_with("too many local"))
            {
                self.error(
                    Span::new(file, 0, 0),
                    "too many local variables in one function (at most 65 535)",
                );
            }
            return u16::MAX - 1;
        }
        let state = self.current();
        let slot = state.next_slot;
        state.next_slot += 1;
        state.max_slots = state.max_slots.max(state.next_slot);
        let depth = state.scope_depth;
        let index = state.locals.len();
        state
            .local_names
            .entry(name.to_string())
            .or_default()
            .push(index);
        if let Some(decl) = decl {
            state.local_decls.insert(decl, index);
        }
        state.locals.push(Local {
            name: name.to_string(),
            decl,
            slot,
            depth,
            cell,
            by_value: false,
            is_const,
        });
        slot
    }

    /// Whether the local `name` declares must be a cell: a nested
    /// function captures it, and it is assigned (or copies are off). A
    /// declaration the resolve stage did not walk is a cell: that is
    /// always correct, if slower.
    pub fn needs_cell(&self, name: &Ident) -> bool {
        if self.bindings.knows(name.id) {
            return self.bindings.is_captured(name.id) && !self.copies(name);
        }
        true
    }

    /// Whether nested functions copy the local `name` declares.
    fn copies(&self, name: &Ident) -> bool {
        self.capture_by_value && self.bindings.is_copied(name.id)
    }

    /// Declares a user variable; rejects a redeclaration in the same scope of
    /// a function. Returns the slot and whether it is a cell.
    pub fn declare_local(&mut self, name: &Ident, is_const: bool) -> (u16, bool) {
        let state = self.current_ref();
        // The resolve stage noted a declaration in the scope of an earlier
        // one of its name; a name it did not see is compared by text.
        let redeclared = if self.bindings.knows(name.id) {
            self.bindings.variable_of(name.id) != name.id
        } else {
            let depth = state.scope_depth;
            state
                .innermost(&name.name)
                .is_some_and(|l| l.depth == depth)
        };
        if redeclared && state.kind == FunctionKind::Function {
            self.error_with_hint(
                name.span,
                format!("`{}` is already declared in this scope", name.name),
                "use a different name, or assign without `var`",
            );
        }
        let by_value = self.copies(name);
        let cell = self.needs_cell(name);
        let decl = (!name.id.is_synthetic()).then_some(name.id);
        let slot = self.add_declared_local(&name.name, decl, cell, is_const);
        // (No local is added past the slot limit, which is an error.)
        if let Some(local) = self.current().locals.last_mut().filter(|l| l.slot == slot) {
            local.by_value = by_value;
        }
        self.current().local_coercions.remove(&slot);
        (slot, cell)
    }

    /// Whether declarations here are the script's outermost ones.
    pub fn at_script_top(&self) -> bool {
        let state = self.current_ref();
        state.kind == FunctionKind::Script && state.scope_depth == 0
    }

    // ----------------------------------------------------------- resolution

    /// Finds where the name used at node `id` lives, seen from the current
    /// function, by what the resolve stage bound it to: a local is found
    /// by its declaration; a top-level variable, a top-level function (of
    /// any module), a host's function or a built-in by its binding
    /// (`place_of`), never by text.
    pub fn resolve_use(&mut self, id: NodeId, name: &str) -> Option<Place> {
        use crate::resolve::Binding;
        let place = match self.bindings.of(id) {
            Some(Binding::Local(decl) | Binding::Capture { decl, .. }) => {
                let depth = self.functions.len() - 1;
                // Not in scope here (an assignment that declares it, or a
                // task body's local asked about after the body): nothing.
                self.resolve_decl(depth, decl, name)?
            }
            // A top-level variable is a local of the script until some
            // function uses it (then a global).
            Some(binding @ Binding::Global(decl)) => {
                let depth = self.functions.len() - 1;
                match self.resolve_decl(depth, decl, name) {
                    Some(place) => place,
                    None => self.place_of(binding)?,
                }
            }
            Some(binding) => self.place_of(binding)?,
            // The resolve stage saw every name: one it did not bind is
            // unknown. Only the names the code generator makes itself
            // (synthetic) are found among the locals by text.
            None if id.is_synthetic() => return self.resolve(name),
            None => return None,
        };
        Some(self.shared_place(self.variable_key(id), place))
    }

    /// Where what `binding` denotes lives, beyond the locals: a global
    /// (the module's own top-level variable, one another module declares,
    /// a host's function), a top-level function, a built-in. Frames,
    /// enums, variants, namespaces and members have no place.
    pub(crate) fn place_of(&self, binding: crate::resolve::Binding) -> Option<Place> {
        use crate::resolve::{Binding, DefKind};
        match binding {
            Binding::Global(decl)
            | Binding::TopLevel {
                decl,
                kind: DefKind::Variable,
                ..
            } => {
                let variable = self.bindings.variable_of(decl);
                let &(index, is_const) = self.global_decls.get(&variable)?;
                Some(self.global_place(index, is_const))
            }
            Binding::TopLevel {
                decl,
                kind: DefKind::Function,
                ..
            } => self.function_decls.get(&decl).cloned().map(Place::Function),
            Binding::Host(global) => Some(self.global_place(global, true)),
            Binding::Builtin(index) => Some(Place::Native(index)),
            _ => None,
        }
    }

    /// Where the variable `name` declares lives (just declared: a local
    /// found by its declaration, else a global; one the code generator
    /// made, by text).
    pub fn resolve_declared(&mut self, name: &Ident) -> Option<Place> {
        if name.id.is_synthetic() {
            return self.resolve(&name.name);
        }
        let depth = self.functions.len() - 1;
        let place = match self.resolve_decl(depth, name.id, &name.name) {
            Some(place) => place,
            None => self.place_of(crate::resolve::Binding::Global(name.id))?,
        };
        let variable = self.bindings.variable_of(name.id);
        Some(self.shared_place(Some(variable), place))
    }

    /// Finds where `name` lives, seen from the current function, by text:
    /// only for the names the code generator makes itself, which are
    /// locals (no task shares them).
    pub fn resolve(&mut self, name: &str) -> Option<Place> {
        self.resolve_unshared(name)
    }

    /// Inside a parallel block's task, an outer variable the tasks assign
    /// is reached through its shared cell. The innermost block sharing the
    /// variable (`variable_key`) decides: a task of a block nested in
    /// another block's task reaches the outer block's cell too (the inner
    /// block does not share it again: its value is already the cell).
    fn shared_place(&self, variable: Option<NodeId>, place: Place) -> Place {
        let Some(variable) = variable else {
            return place;
        };
        for (level, variables) in self.shared_scopes.iter().rev() {
            if !variables.contains(&variable) {
                continue;
            }
            let inside = self.functions.len() > *level
                && matches!(place, Place::Upvalue { .. } | Place::Global { .. });
            return if inside {
                Place::Shared(Box::new(place))
            } else {
                place
            };
        }
        place
    }

    /// A local of the current function or an enclosing one called
    /// `name`: the names the code generator makes itself are locals.
    fn resolve_unshared(&mut self, name: &str) -> Option<Place> {
        let depth = self.functions.len() - 1;
        self.resolve_in(depth, name)
    }

    /// An error when built-in `index` needs a capability the program
    /// lacks. Standard modules are exempt: importing one needed its
    /// capability already.
    /// `[v] -> [typeof(v)]`: the built-in `typeof` (the text naming the
    /// value's type), which type patterns and element checks compare.
    pub(crate) fn emit_type_name(&mut self, span: Span) {
        // Infallible: `typeof` is in the built-in table (builtins.rs).
        let index =
            limit_bytecode::builtins::builtin_index("typeof").expect("typeof is a built-in");
        self.emit(Op::CallNative(index, 1), span);
    }

    fn check_capability(&mut self, index: u16, span: Span) {
        if self.capabilities == crate::capabilities::Capabilities::all() {
            return;
        }
        let Some(native) = limit_bytecode::builtins::native(index) else {
            return;
        };
        let Some(needed) = crate::capabilities::Capability::of_builtin(native.name) else {
            return;
        };
        if !self.capabilities.allows(needed) && !self.in_std_module() {
            let message =
                crate::capabilities::denied_message(&format!("`{}`", native.name), needed);
            self.error_with_hint(span, message, crate::capabilities::DENIED_HINT);
        }
    }

    /// An error when function `index` is a standard module's function
    /// needing a capability the program lacks (`time.sleep`).
    fn check_function_capability(&mut self, index: u32, span: Span) {
        let Some((name, needed)) = self.gated_functions.get(&index) else {
            return;
        };
        if !self.capabilities.allows(*needed) && !self.in_std_module() {
            let message = crate::capabilities::denied_message(&format!("`{name}`"), *needed);
            self.error_with_hint(span, message, crate::capabilities::DENIED_HINT);
        }
    }

    /// Whether the module being compiled is a standard module.
    fn in_std_module(&self) -> bool {
        self.sources
            .files()
            .get(self.file as usize)
            .is_some_and(|f| crate::stdlib::is_std_file(&f.name))
    }

    fn resolve_in(&mut self, level: usize, name: &str) -> Option<Place> {
        if let Some(local) = self.functions[level].innermost(name) {
            return Some(Place::Local {
                slot: local.slot,
                cell: local.cell,
                is_const: local.is_const,
            });
        }
        if level == 0 {
            return None;
        }
        let (source, is_const) = match self.resolve_in(level - 1, name)? {
            Place::Local {
                slot,
                cell: true,
                is_const,
            } => (CaptureSource::Local(slot), is_const),
            Place::Local {
                slot,
                cell: false,
                is_const,
            } if self.functions[level - 1]
                .innermost(name)
                .is_some_and(|local| local.by_value && local.slot == slot) =>
            {
                (CaptureSource::LocalValue(slot), is_const)
            }
            Place::Upvalue { index, is_const } => (CaptureSource::Upvalue(index), is_const),
            // Plain locals of an enclosing function are invisible from here
            // (only mentioned names become cells); anything else is global.
            _ => return None,
        };
        Some(self.upvalue(level, source, name, is_const))
    }

    /// Where local `decl` (called `name`) lives, seen from function
    /// `level`: one of its slots, or an upvalue captured through the
    /// functions between it and the one declaring `decl`.
    fn resolve_decl(&mut self, level: usize, decl: NodeId, name: &str) -> Option<Place> {
        let state = &self.functions[level];
        if let Some(local) = state
            .local_decls
            .get(&decl)
            .and_then(|&i| state.locals.get(i))
        {
            return Some(Place::Local {
                slot: local.slot,
                cell: local.cell,
                is_const: local.is_const,
            });
        }
        if level == 0 {
            return None;
        }
        let (source, is_const) = match self.resolve_decl(level - 1, decl, name)? {
            Place::Local {
                slot,
                cell: true,
                is_const,
            } => (CaptureSource::Local(slot), is_const),
            Place::Local {
                slot,
                cell: false,
                is_const,
            } if self.functions[level - 1]
                .local_decls
                .get(&decl)
                .and_then(|&i| self.functions[level - 1].locals.get(i))
                .is_some_and(|local| local.by_value) =>
            {
                (CaptureSource::LocalValue(slot), is_const)
            }
            Place::Upvalue { index, is_const } => (CaptureSource::Upvalue(index), is_const),
            _ => return None,
        };
        Some(self.upvalue(level, source, name, is_const))
    }

    /// The upvalue of function `level` capturing `source` (added when it
    /// has none yet).
    fn upvalue(
        &mut self,
        level: usize,
        source: CaptureSource,
        name: &str,
        is_const: bool,
    ) -> Place {
        // An annotated variable stays annotated when a closure assigns it.
        let coercions = level.checked_sub(1).and_then(|outer| {
            let outer = &self.functions[outer];
            match source {
                CaptureSource::Local(slot) | CaptureSource::LocalValue(slot) => {
                    outer.local_coercions.get(&slot).cloned()
                }
                CaptureSource::Upvalue(i) => outer.upvalue_coercions.get(&i).cloned(),
            }
        });
        let proto = &mut self.functions[level].proto;
        let index = match proto.captures.iter().position(|c| *c == source) {
            Some(i) => i,
            None => {
                proto.captures.push(source);
                // Names are for messages: the receiver's hidden local
                // reads as the `this` the program wrote.
                let shown = if name == objects::THIS_LOCAL {
                    "this"
                } else {
                    name
                };
                proto.capture_names.push(shown.to_string());
                proto.captures.len() - 1
            }
        };
        if let Some(coercions) = coercions {
            self.functions[level]
                .upvalue_coercions
                .insert(index as u16, coercions);
        }
        Place::Upvalue {
            index: index as u16,
            is_const,
        }
    }

    /// Where global `index` lives: an `atomic` one behind its shared cell.
    pub(crate) fn global_place(&self, index: u32, is_const: bool) -> Place {
        let place = Place::Global { index, is_const };
        if self.atomic_globals.contains(&index) {
            Place::Shared(Box::new(place))
        } else {
            place
        }
    }

    /// Emits a read of `place`.
    pub fn load(&mut self, place: &Place, span: Span) {
        match place {
            Place::Local {
                slot, cell: false, ..
            } => self.emit(Op::GetLocal(*slot), span),
            Place::Local {
                slot, cell: true, ..
            } => self.emit(Op::GetCell(*slot), span),
            Place::Upvalue { index, .. } => self.emit(Op::GetUpvalue(*index), span),
            Place::Global { index, .. } => self.emit(Op::GetGlobal(*index), span),
            Place::Function(known) => self.emit(Op::Closure(known.index), span),
            Place::Native(index) => self.emit(Op::GetNative(*index), span),
            Place::Shared(inner) => {
                self.load(inner, span);
                self.emit(Op::SharedGet, span)
            }
        };
    }

    /// Emits a store of the top of the stack into `place` (pops it).
    pub fn store(&mut self, place: &Place, name: &str, span: Span) {
        match place {
            Place::Local { is_const: true, .. }
            | Place::Upvalue { is_const: true, .. }
            | Place::Global { is_const: true, .. } => {
                self.error_with_hint(
                    span,
                    format!("cannot assign to constant `{name}`"),
                    "it was declared with `const var`",
                );
            }
            Place::Local {
                slot, cell: false, ..
            } => {
                self.emit(Op::SetLocal(*slot), span);
            }
            Place::Local {
                slot, cell: true, ..
            } => {
                self.emit(Op::SetCell(*slot), span);
            }
            Place::Upvalue { index, .. } => {
                self.emit(Op::SetUpvalue(*index), span);
            }
            Place::Global { index, .. } => {
                self.emit(Op::SetGlobal(*index), span);
            }
            Place::Function(_) | Place::Native(_) => {
                self.error(span, format!("cannot assign to function `{name}`"));
            }
            Place::Shared(inner) => {
                self.load(inner, span);
                self.emit(Op::SharedSetUnlock, span);
            }
        }
    }

    // ------------------------------------------------------------ the script

    /// Top-level variables that functions mention become globals; in an
    /// imported module every top-level variable does (others read them).
    pub(crate) fn declare_globals(&mut self, stmts: &[Stmt], all: bool) {
        for stmt in stmts {
            // Each declaring name, with its id.
            let mut names: Vec<(String, NodeId)> = Vec::new();
            let mut is_const = false;
            let mut annotation = None;
            match &stmt.kind {
                StmtKind::Var(decl) => {
                    let mut idents = Vec::new();
                    crate::resolve::target_idents(&decl.target, &mut idents);
                    names.extend(idents.iter().map(|name| (name.name.clone(), name.id)));
                    is_const = decl.is_const;
                    if matches!(decl.target, VarTarget::Name(_)) {
                        annotation = decl.ty.as_ref();
                    }
                }
                // `x = v` declares `x` only where the resolve stage says so
                // (nothing of that name is visible, and no import binds
                // it: then it assigns the imported variable).
                StmtKind::Assign {
                    target,
                    op: AssignOp::Assign,
                    ..
                } if self.bindings.knows(target.id) => {
                    if let ExprKind::Ident(name) = &target.kind {
                        names.push((name.clone(), target.id));
                    }
                }
                StmtKind::ModuleBlock(block) => self.declare_globals(&block.stmts, all),
                _ => {}
            }
            let declares = matches!(stmt.kind, StmtKind::Var(_));
            let atomic = annotation.is_some_and(is_atomic_type);
            for (name, decl) in names {
                let variable = self.bindings.variable_of(decl);
                if let Some(&(index, _)) = self.globals.get(&name).filter(|_| declares && atomic) {
                    // One `atomic` declaration makes the variable a shared
                    // cell for every function of the module (they are
                    // compiled after this), whatever other declarations say.
                    self.atomic_globals.insert(index);
                }
                if (all || self.bindings.global_used(self.file, &name))
                    && !self.globals.contains_key(&name)
                {
                    let index = self.program.globals.len() as u32;
                    self.program
                        .globals
                        .push(format!("{}.{name}", self.module_name));
                    self.globals.insert(name.clone(), (index, is_const));
                    if atomic {
                        self.atomic_globals.insert(index);
                    }
                    // Functions are compiled before the top-level code that
                    // declares the variable: a store from one of them
                    // (`fn bump() { g += 10; }` with `var g: u8`) must
                    // already convert and check like one at top level.
                    if let Some(ty) = annotation {
                        let coercions = self.coercions(ty);
                        if !coercions.is_empty() {
                            self.global_coercions.insert(index, coercions);
                        }
                    }
                }
                // The variable is that global (in a session, also when an
                // earlier chunk declared it, or an `atomic` redeclaration
                // gave it a new one).
                if let Some(&global) = self.globals.get(&name) {
                    self.global_decls.insert(variable, global);
                }
            }
        }
    }

    /// Gives every top-level function a function index before any body is
    /// compiled (hoisting); returns the declarations with their indices.
    pub(crate) fn declare_top_level_functions<'m>(
        &mut self,
        stmts: &'m [Stmt],
    ) -> Vec<(&'m FnDecl, u32)> {
        let mut indices = Vec::new();
        for stmt in stmts {
            let decl = match &stmt.kind {
                StmtKind::Fn(decl) => decl,
                StmtKind::ModuleBlock(block) => {
                    indices.extend(self.declare_top_level_functions(&block.stmts));
                    continue;
                }
                _ => continue,
            };
            let Some(name) = &decl.name else { continue };
            // In a session, a released slot (`function_slots.rs`).
            let index = self.function_slot();
            let known = KnownFunction {
                index,
                params: decl.params.iter().map(|p| p.name.name.clone()).collect(),
                required: required_params(decl),
            };
            // A later top-level declaration of the same name replaces the
            // earlier one (reference.md §2); all are compiled and checked.
            self.function_decls.insert(name.id, known.clone());
            self.known_functions.insert(name.name.clone(), known);
            if self.in_std_module() {
                let gate = crate::capabilities::Capability::of_module_member(
                    &self.module_name,
                    &name.name,
                );
                if let Some(needed) = gate {
                    let qualified = format!("{}.{}", self.module_name, name.name);
                    self.gated_functions.insert(index, (qualified, needed));
                }
            }
            indices.push((decl, index));
        }
        indices
    }
}

/// Number of leading parameters without defaults or optional types.
pub(crate) fn required_params(decl: &FnDecl) -> usize {
    decl.params
        .iter()
        .take_while(|p| {
            p.default.is_none()
                && !matches!(
                    p.ty.as_ref().map(|t| &t.kind),
                    Some(TypeKind::Fallible { errors, .. }) if errors.is_empty()
                )
        })
        .count()
}

pub(crate) fn collect_target_names(target: &VarTarget, out: &mut Vec<String>) {
    match target {
        VarTarget::Name(name) => out.push(name.name.clone()),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                collect_target_names(item, out);
            }
        }
    }
}

/// Turns a finished function state into its prototype.
pub(crate) fn finish_proto(state: FunctionState) -> FunctionProto {
    let mut proto = state.proto;
    proto.num_locals = state.max_slots.saturating_sub(proto.arity);
    proto
}

/// Whether a declared type is `atomic`.
pub(crate) fn is_atomic_type(ty: &TypeExpr) -> bool {
    matches!(&ty.kind, TypeKind::Named(path) if path.len() == 1 && path[0].name == "atomic")
}
