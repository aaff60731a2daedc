//! Incremental compilation for interactive sessions and embedding: each
//! chunk of source is compiled into the same growing program, seeing the
//! declarations of earlier chunks (their top-level variables are globals).

use super::function_slots::FunctionSlots;
use super::module::ModuleScope;
use super::objects::ObjectModel;
use super::{Codegen, ConstantKey};
use crate::modules::{ModuleGraph, ResolvedImport};
use limit_bytecode::program::{FunctionProto, Program};
use limit_bytecode::ProgramExtent;
use limit_syntax::ast::{Ident, Module, Stmt, StmtKind, VarTarget};
use limit_syntax::{Diagnostic, SourceMap};
use rustc_hash::{FxHashMap, FxHashSet};

/// The code generator's state between two chunks.
#[derive(Clone, Default)]
pub(crate) struct Saved {
    program: Program,
    constant_index: FxHashMap<ConstantKey, u32>,
    /// Released function slots (`function_slots.rs`), and what the last
    /// chunk compiled into releasable ones.
    slots: FunctionSlots,
    /// Released constant slots (`constant_slots.rs`).
    constant_slots: super::constant_slots::ConstantSlots,
    /// Which functions can be released, and when (`release.rs`).
    releaser: crate::release::Releaser,
    /// The top-level names of the session (0) and of each module its
    /// chunks imported (as numbered in the session's module graph).
    scopes: Vec<ModuleScope>,
    objects: ObjectModel,
    global_coercions: FxHashMap<u32, Vec<super::checks::Coercion>>,
    atomic_globals: FxHashSet<u32>,
    /// Standard modules' functions needing a capability (codegen's
    /// `gated_functions`), for the chunks after the one importing them.
    gated_functions: FxHashMap<u32, (String, crate::capabilities::Capability)>,
    /// Names the host supplies (`declare_host_global`) and their
    /// globals: no chunk may declare them (every module sees them through
    /// the resolve stage's `Binding::Host`).
    host_names: FxHashMap<String, u32>,
    /// The globals and top-level functions of the session and its
    /// modules by declaration (codegen's `global_decls` and
    /// `function_decls`). A rejected chunk's functions are not rolled
    /// back: they are keyed by the chunk's own declarations, which nothing
    /// binds once the chunk is gone (a later declaration reusing an id,
    /// its file's id given again, replaces the entry). Its globals are: an
    /// `atomic` redeclaration gives an earlier chunk's variable a new one.
    global_decls: FxHashMap<limit_syntax::ast::NodeId, (u32, bool)>,
    function_decls: FxHashMap<limit_syntax::ast::NodeId, super::KnownFunction>,
    /// The host types (`declare_host_type`).
    host_types: FxHashSet<String>,
}

impl Saved {
    /// Declares `name` as a constant global of the session whose value the
    /// host provides (a host function); returns its global index. A name
    /// declared before keeps its index.
    pub(crate) fn declare_host_global(&mut self, name: &str) -> u32 {
        if let Some(&(index, _)) = self.session_scope_mut().globals.get(name) {
            self.host_names.insert(name.to_string(), index);
            return index;
        }
        let index = self.program.globals.len() as u32;
        self.program.globals.push(format!("session.{name}"));
        self.session_scope_mut()
            .globals
            .insert(name.to_string(), (index, true));
        self.host_names.insert(name.to_string(), index);
        index
    }

    /// Declares `name` as a host type: parameters annotated with it
    /// check their arguments at run time.
    pub(crate) fn declare_host_type(&mut self, name: &str) {
        self.host_types.insert(name.to_string());
    }

    fn session_scope_mut(&mut self) -> &mut ModuleScope {
        if self.scopes.is_empty() {
            self.scopes.push(ModuleScope::default());
        }
        &mut self.scopes[0]
    }

    /// The function index of top-level function `name`, if one was
    /// declared (see [`Saved::locate`] for the names of imported ones).
    pub(crate) fn function_index(&self, name: &str) -> Option<u32> {
        let (module, member) = self.locate(name)?;
        self.scopes
            .get(module)?
            .known_functions
            .get(member)
            .map(|f| f.index)
    }

    /// The global index of top-level variable `name`, if one was declared
    /// (see [`Saved::locate`]).
    pub(crate) fn global_index(&self, name: &str) -> Option<u32> {
        let (module, member) = self.locate(name)?;
        self.scopes
            .get(module)?
            .globals
            .get(member)
            .map(|&(index, _)| index)
    }

    /// The module (0: the session) and member a name the host asks for
    /// stands for, as a chunk would write it: a name the session
    /// declares, one it imported with `show` (`import rules.combat show
    /// round`), or a member of a module it imported (`combat.round`), if
    /// the import lets the chunks reach it and the module does not keep
    /// it private.
    pub(crate) fn locate<'n>(&self, name: &'n str) -> Option<(usize, &'n str)> {
        use super::module::ImportBinding;
        let session = self.scopes.first()?;
        if session.known_functions.contains_key(name) || session.globals.contains_key(name) {
            return Some((0, name));
        }
        let (module, member) = match session.imports.get(name) {
            Some(ImportBinding::Member(module, member)) => {
                // `show` binds a member under its own name.
                (member == name).then_some((*module, name))?
            }
            Some(_) => return None,
            None => {
                let (namespace, member) = name.rsplit_once('.')?;
                // A variable or function of the namespace's name shadows
                // the module, as in a chunk.
                if session.globals.contains_key(namespace)
                    || session.known_functions.contains_key(namespace)
                {
                    return None;
                }
                let binding = session.imports.get(namespace)?;
                let ImportBinding::Namespace(module, filter) = binding else {
                    return None;
                };
                if filter
                    .as_ref()
                    .is_some_and(|f| f.refusal(namespace, member).is_some())
                {
                    return None;
                }
                (*module, member)
            }
        };
        let scope = self.scopes.get(module)?;
        (!scope.private.contains(member)).then_some((module, member))
    }
}

/// What [`Saved::rollback`] needs to forget a chunk: where the program
/// stood, and the small tables a chunk may change anywhere.
pub(crate) struct Checkpoint {
    extent: ProgramExtent,
    free_functions: Vec<u32>,
    free_constants: Vec<u32>,
    classes: Vec<limit_bytecode::ClassDef>,
    enums: Vec<limit_bytecode::EnumDef>,
    scopes: Vec<ModuleScope>,
    objects: ObjectModel,
    global_coercions: FxHashMap<u32, Vec<super::checks::Coercion>>,
    atomic_globals: FxHashSet<u32>,
    gated_functions: FxHashMap<u32, (String, crate::capabilities::Capability)>,
    global_decls: FxHashMap<limit_syntax::ast::NodeId, (u32, bool)>,
}

impl Saved {
    /// The state to return to if the next chunk is rejected. The program
    /// only grows, so it is remembered by its extent, not copied.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            extent: ProgramExtent::of(&self.program),
            free_functions: self.slots.free.clone(),
            free_constants: self.constant_slots.free.clone(),
            classes: self.program.classes.clone(),
            enums: self.program.enums.clone(),
            scopes: self.scopes.clone(),
            objects: self.objects.clone(),
            global_coercions: self.global_coercions.clone(),
            atomic_globals: self.atomic_globals.clone(),
            gated_functions: self.gated_functions.clone(),
            global_decls: self.global_decls.clone(),
        }
    }

    /// Forgets everything compiled since `checkpoint`.
    pub(crate) fn rollback(&mut self, checkpoint: Checkpoint) {
        let extent = checkpoint.extent;
        // Released slots the chunk filled are released again.
        for slot in std::mem::take(&mut self.slots.refilled) {
            if let Some(f) = self.program.functions.get_mut(slot as usize) {
                *f = FunctionProto::released();
            }
        }
        self.slots.releasable.clear();
        self.slots.free = checkpoint.free_functions;
        // Released constant slots the chunk filled are released again.
        let refilled: FxHashSet<u32> = self
            .constant_slots
            .rollback(&mut self.program.constants)
            .into_iter()
            .collect();
        self.constant_slots.free = checkpoint.free_constants;
        extent.truncate(&mut self.program);
        self.program.classes = checkpoint.classes;
        self.program.enums = checkpoint.enums;
        self.constant_index
            .retain(|_, index| (*index as usize) < extent.constants && !refilled.contains(index));
        self.scopes = checkpoint.scopes;
        self.objects = checkpoint.objects;
        self.global_coercions = checkpoint.global_coercions;
        self.atomic_globals = checkpoint.atomic_globals;
        self.gated_functions = checkpoint.gated_functions;
        self.global_decls = checkpoint.global_decls;
    }

    /// The program compiled so far (the REPL's `:disasm`).
    pub(crate) fn program(&self) -> &Program {
        &self.program
    }

    /// The released constant slots the chunk just compiled filled again.
    pub(crate) fn take_refilled_constants(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.constant_slots.refilled)
    }

    /// The program, for the session to optimise what a chunk added.
    pub(crate) fn program_mut(&mut self) -> &mut Program {
        &mut self.program
    }

    /// After an accepted chunk (optimised): its releasable functions, and
    /// the functions the others name, are noted for releasing later
    /// (`new` are the slots the chunk appended).
    pub(crate) fn accept_chunk(&mut self, new: std::ops::Range<usize>) {
        let refilled = std::mem::take(&mut self.slots.refilled);
        let releasable = std::mem::take(&mut self.slots.releasable);
        let filled = new.chain(refilled.iter().map(|&slot| slot as usize));
        self.releaser.note_chunk(&self.program, filled, &releasable);
    }

    /// The released slots the chunk just compiled filled again.
    pub(crate) fn refilled_slots(&self) -> Vec<u32> {
        self.slots.refilled.clone()
    }

    /// The slots released since the last update, for the next one.
    pub(crate) fn take_released(&mut self) -> Vec<u32> {
        self.releaser.take_released()
    }

    /// Whether enough releasable functions were made since the last
    /// release for another to be worth its cost.
    pub(crate) fn release_due(&self) -> bool {
        self.releaser.due()
    }

    /// Releases every releasable function that nothing can call any more:
    /// not named by the session's or its modules' names, by the host's
    /// handles (`pinned`), by the values the VM holds (`held`), nor by the
    /// code of a function that can still be called.
    pub(crate) fn release_functions(&mut self, held: &[u32]) -> usize {
        let named = self
            .scopes
            .iter()
            .flat_map(|scope| scope.known_functions.values().map(|f| f.index));
        let released = self
            .releaser
            .release(&mut self.program, &mut self.slots.free, named, held);
        // Then the constants only released code named.
        let live = self.releaser.live_constants(&self.program);
        self.constant_slots
            .release(&mut self.program.constants, &live, &mut self.constant_index);
        released
    }

    /// Keeps function `index` callable for the session's life (the host
    /// holds a handle on it).
    pub(crate) fn pin_function(&mut self, index: u32) {
        self.releaser.pin(index);
    }
}

/// The session's modules as a chunk sees them: the graph (module 0 is the
/// session), the index from which modules are new with this chunk, and the
/// chunk's imports with their modules.
pub(crate) type ChunkModules<'m> = (&'m ModuleGraph, usize, &'m [ResolvedImport]);

/// Compiles `ast` (file `file`) as the next chunk into `saved`, appending
/// to its program (the code generator takes the program and gives it
/// back, so a chunk costs what it adds). Returns the index of the chunk's
/// function, or `None` on error; then the caller rolls `saved` back to
/// the checkpoint it took. Modules the chunk loads first are compiled
/// into init functions that the chunk calls before its own code (so each
/// runs once, in the run order).
pub(crate) fn compile_chunk(
    saved: &mut Saved,
    ast: &Module,
    sources: &SourceMap,
    echo: bool,
    (types, bindings): (crate::check::TypeTable, crate::resolve::Bindings),
    capabilities: crate::capabilities::Capabilities,
    (graph, new_from, imports): ChunkModules<'_>,
) -> (Option<u32>, Vec<Diagnostic>) {
    let file = ast.span.file;
    let mut gen = Codegen::new(sources, file);
    gen.capabilities = capabilities;
    gen.types = types;
    // Resolved with the chunks before it, as it was checked.
    gen.bindings = bindings;
    gen.program = std::mem::take(&mut saved.program);
    let known_files = gen.program.files.len();
    gen.program.files.extend(
        sources.files()[known_files.min(sources.files().len())..]
            .iter()
            .map(|f| f.name.clone()),
    );
    gen.constant_index = std::mem::take(&mut saved.constant_index);
    gen.slots = std::mem::take(&mut saved.slots);
    gen.constant_slots = std::mem::take(&mut saved.constant_slots);
    gen.module_scopes = std::mem::take(&mut saved.scopes);
    gen.objects = std::mem::take(&mut saved.objects);
    // What earlier chunks compiled already runs: it is not compiled again.
    gen.objects.dynamic_fields.delivered = gen.program.functions.len() as u32;
    gen.global_coercions = std::mem::take(&mut saved.global_coercions);
    gen.gated_functions = std::mem::take(&mut saved.gated_functions);
    gen.atomic_globals = std::mem::take(&mut saved.atomic_globals);
    gen.global_decls = std::mem::take(&mut saved.global_decls);
    gen.function_decls = std::mem::take(&mut saved.function_decls);
    gen.host_types = saved.host_types.clone();
    let inits = compile_new_modules(&mut gen, graph, new_from);
    // The chunk's type definitions, which typed globals' conversions read.
    super::definitions::register(0, &ast.stmts, &mut gen.objects.definitions);

    gen.enter_module(0, "session", file);
    gen.module_scopes[0].reachable = super::module::reachable_from(graph, 0);
    gen.bind_imports(imports);
    replace_earlier_bindings(&mut gen, &ast.stmts, &saved.host_names);
    gen.declare_globals(&ast.stmts, true);
    let functions = gen.declare_top_level_functions(&ast.stmts);
    // The chunk's top-level functions are released once replaced and
    // nothing else names them; its own code once it has run.
    gen.slots
        .releasable
        .extend(functions.iter().map(|&(_, index)| index));
    let function = gen.releasable_function_slot();
    gen.module_body(
        ast,
        function,
        "<session>".to_string(),
        &functions,
        &inits,
        echo,
    );
    gen.leave_module(0);

    // Whatever happened, the state goes back into `saved` (a rejected
    // chunk is then rolled back from there).
    saved.program = std::mem::take(&mut gen.program);
    saved.constant_index = std::mem::take(&mut gen.constant_index);
    saved.slots = std::mem::take(&mut gen.slots);
    saved.constant_slots = std::mem::take(&mut gen.constant_slots);
    saved.scopes = std::mem::take(&mut gen.module_scopes);
    saved.objects = std::mem::take(&mut gen.objects);
    saved.global_coercions = std::mem::take(&mut gen.global_coercions);
    saved.gated_functions = std::mem::take(&mut gen.gated_functions);
    saved.atomic_globals = std::mem::take(&mut gen.atomic_globals);
    saved.global_decls = std::mem::take(&mut gen.global_decls);
    saved.function_decls = std::mem::take(&mut gen.function_decls);
    let ok = !gen.diagnostics.iter().any(Diagnostic::is_error);
    (ok.then_some(function), gen.diagnostics)
}

/// Compiles the modules of `graph` from `new_from` on (loaded by this
/// chunk) as a program's imported modules are: names, imports, then each
/// module's code as an init function, in run order. Returns the inits.
fn compile_new_modules(
    gen: &mut Codegen<'_>,
    graph: &ModuleGraph,
    new_from: usize,
) -> Vec<(u32, limit_syntax::Span)> {
    let new = new_from.max(1)..graph.modules.len();
    gen.register_definitions(graph, new.clone());
    let mut functions = Vec::new();
    for index in new.clone() {
        functions.push(gen.declare_module(graph, index, true));
    }
    for index in new.clone() {
        gen.bind_module_imports(graph, index);
    }
    graph
        .order
        .iter()
        .filter(|index| new.contains(index))
        .map(|&index| gen.module_init(graph, index, &functions[index - new.start]))
        .collect()
}

/// A chunk's top-level declaration replaces what an earlier chunk declared
/// under that name (reference.md §2: a later top-level declaration replaces
/// the earlier; in a session the earlier one is in a previous chunk): a
/// function no longer answers to a variable's name, a variable no longer to
/// a function's. A name the host supplies cannot be declared: the host
/// installs its function there before every chunk.
fn replace_earlier_bindings(
    gen: &mut Codegen<'_>,
    stmts: &[Stmt],
    host_names: &FxHashMap<String, u32>,
) {
    for stmt in stmts {
        let declared: Vec<(&Ident, bool)> = match &stmt.kind {
            StmtKind::Fn(decl) => decl.name.iter().map(|name| (name, true)).collect(),
            StmtKind::Var(decl) => {
                let mut names = Vec::new();
                var_target_idents(&decl.target, &mut names);
                names.into_iter().map(|name| (name, false)).collect()
            }
            StmtKind::Frame(decl) => vec![(&decl.name, false)],
            StmtKind::Trait(decl) => vec![(&decl.name, false)],
            StmtKind::Enum(decl) => vec![(&decl.name, false)],
            StmtKind::TypeAlias(decl) => vec![(&decl.name, false)],
            _ => Vec::new(),
        };
        for (name, is_function) in declared {
            if host_names.contains_key(&name.name) {
                gen.error_with_hint(
                    name.span,
                    format!(
                        "`{}` is a host function (registered with `Engine::register_fn`); a script cannot redeclare it",
                        name.name
                    ),
                    "use another name, or register another function under this one",
                );
            } else if is_function {
                gen.globals.remove(&name.name);
            } else if let StmtKind::Var(decl) = &stmt.kind {
                gen.known_functions.remove(&name.name);
                // An earlier chunk's functions read a plain variable
                // directly; an `atomic` one is a shared cell, so it gets a
                // variable of its own (an atomic one stays atomic).
                let atomic = decl.ty.as_ref().is_some_and(super::is_atomic_type);
                if let Some(&(index, _)) = gen.globals.get(&name.name) {
                    if atomic && !gen.atomic_globals.contains(&index) {
                        gen.globals.remove(&name.name);
                    }
                }
            }
        }
    }
}

fn var_target_idents<'s>(target: &'s VarTarget, out: &mut Vec<&'s Ident>) {
    match target {
        VarTarget::Name(name) => out.push(name),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                var_target_idents(item, out);
            }
        }
    }
}
