//! Incremental compilation for interactive sessions and embedding: each
//! chunk of source is compiled into the same growing program, seeing the
//! declarations of earlier chunks (their top-level variables are globals).

use super::module::ModuleScope;
use super::objects::ObjectModel;
use super::{Codegen, ConstantKey};
use crate::modules::{ModuleGraph, ResolvedImport};
use limit_bytecode::program::{FunctionProto, Program};
use limit_syntax::ast::{FnDecl, Ident, Module, Stmt, StmtKind, VarTarget};
use limit_syntax::{Diagnostic, SourceMap};
use rustc_hash::{FxHashMap, FxHashSet};

/// The code generator's state between two chunks.
#[derive(Clone, Default)]
pub(crate) struct Saved {
    program: Program,
    constant_index: FxHashMap<ConstantKey, u32>,
    /// The top-level names of the session (0) and of each module its
    /// chunks imported (as numbered in the session's module graph).
    scopes: Vec<ModuleScope>,
    objects: ObjectModel,
    /// Each module's own type aliases (0: the session's).
    aliases: Vec<FxHashMap<String, limit_syntax::ast::TypeExpr>>,
    global_coercions: FxHashMap<u32, Vec<super::checks::Coercion>>,
    atomic_globals: FxHashSet<u32>,
    /// Standard modules' functions needing a capability (codegen's
    /// `gated_functions`), for the chunks after the one importing them.
    gated_functions: FxHashMap<u32, (String, crate::capabilities::Capability)>,
    /// Names the host supplies (`declare_host_global`): no chunk may
    /// declare them.
    host_names: FxHashSet<String>,
}

impl Saved {
    pub(crate) fn program(&self) -> &Program {
        &self.program
    }

    /// Declares `name` as a constant global of the session whose value the
    /// host provides (a host function); returns its global index. A name
    /// declared before keeps its index.
    pub(crate) fn declare_host_global(&mut self, name: &str) -> u32 {
        self.host_names.insert(name.to_string());
        if let Some(&(index, _)) = self.session_scope_mut().globals.get(name) {
            return index;
        }
        let index = self.program.globals.len() as u32;
        self.program.globals.push(format!("session.{name}"));
        self.session_scope_mut()
            .globals
            .insert(name.to_string(), (index, true));
        index
    }

    fn session_scope_mut(&mut self) -> &mut ModuleScope {
        if self.scopes.is_empty() {
            self.scopes.push(ModuleScope::default());
        }
        &mut self.scopes[0]
    }

    /// The function index of top-level function `name`, if one was declared.
    pub(crate) fn function_index(&self, name: &str) -> Option<u32> {
        self.scopes
            .first()?
            .known_functions
            .get(name)
            .map(|f| f.index)
    }

    /// The global index of top-level variable `name`, if one was declared.
    pub(crate) fn global_index(&self, name: &str) -> Option<u32> {
        self.scopes
            .first()?
            .globals
            .get(name)
            .map(|&(index, _)| index)
    }
}

/// The session's modules as a chunk sees them: the graph (module 0 is the
/// session), the index from which modules are new with this chunk, and the
/// chunk's imports with their modules.
pub(crate) type ChunkModules<'m> = (&'m ModuleGraph, usize, &'m [ResolvedImport]);

/// Compiles `ast` (file `file`) as the next chunk after `saved`. On success
/// returns the new state and the index of the chunk's function; on error
/// the state is unchanged (the caller keeps `saved`). Modules the chunk
/// loads first are compiled into init functions that the chunk calls
/// before its own code (so each runs once, in the run order).
pub(crate) fn compile_chunk(
    saved: &Saved,
    ast: &Module,
    sources: &SourceMap,
    echo: bool,
    types: crate::check::TypeTable,
    capabilities: crate::capabilities::Capabilities,
    (graph, new_from, imports): ChunkModules<'_>,
) -> (Option<(Saved, u32)>, Vec<Diagnostic>) {
    let file = ast.span.file;
    let mut gen = Codegen::new(sources, file);
    gen.capabilities = capabilities;
    gen.types = types;
    gen.program = saved.program.clone();
    gen.program.files = sources.files().iter().map(|f| f.name.clone()).collect();
    gen.constant_index = saved.constant_index.clone();
    gen.module_scopes = saved.scopes.clone();
    gen.objects = saved.objects.clone();
    gen.global_coercions = saved.global_coercions.clone();
    gen.gated_functions = saved.gated_functions.clone();
    gen.atomic_globals = saved.atomic_globals.clone();
    let mut aliases = saved.aliases.clone();
    aliases.resize_with(graph.modules.len(), FxHashMap::default);
    super::module::collect_aliases(&ast.stmts, &mut aliases[0]);
    let inits = compile_new_modules(&mut gen, graph, new_from, &mut aliases);

    gen.enter_module(0, "session", file);
    gen.module_scopes[0].reachable = super::module::reachable_from(graph, 0);
    gen.bind_imports(imports);
    gen.aliases = gen.aliases_in_scope(0, &aliases);
    replace_earlier_bindings(&mut gen, &ast.stmts, &saved.host_names);
    let env = crate::resolve::ModuleEnv::for_chunk(file, &ast.stmts, imports, graph);
    gen.bindings.add_module(file, &ast.stmts, &env);
    gen.declare_globals(&ast.stmts, true);
    let functions = gen.declare_top_level_functions(&ast.stmts);
    let function = gen.program.functions.len() as u32;
    gen.program.functions.push(FunctionProto::default());
    gen.module_body(
        ast,
        function,
        "<session>".to_string(),
        &functions,
        &inits,
        echo,
    );
    gen.leave_module(0);

    if gen.diagnostics.iter().any(Diagnostic::is_error) {
        return (None, gen.diagnostics);
    }
    let saved = Saved {
        program: gen.program,
        constant_index: gen.constant_index,
        scopes: gen.module_scopes,
        objects: gen.objects,
        aliases,
        global_coercions: gen.global_coercions,
        gated_functions: gen.gated_functions,
        atomic_globals: gen.atomic_globals,
        host_names: saved.host_names.clone(),
    };
    (Some((saved, function)), gen.diagnostics)
}

/// Compiles the modules of `graph` from `new_from` on (loaded by this
/// chunk) as a program's imported modules are: names, imports, then each
/// module's code as an init function, in run order. Returns the inits.
fn compile_new_modules(
    gen: &mut Codegen<'_>,
    graph: &ModuleGraph,
    new_from: usize,
    aliases: &mut [FxHashMap<String, limit_syntax::ast::TypeExpr>],
) -> Vec<(u32, limit_syntax::Span)> {
    let new = new_from.max(1)..graph.modules.len();
    if !new.is_empty() {
        let envs = crate::resolve::ModuleEnv::for_graph(graph, gen.sources);
        for index in new.clone() {
            let module = &graph.modules[index];
            gen.bindings
                .add_module(module.file, &module.ast.stmts, &envs[index]);
        }
    }
    let mut functions = Vec::new();
    for index in new.clone() {
        let (declared, own) = gen.declare_module(graph, index, true);
        functions.push(declared);
        aliases[index] = own;
    }
    for index in new.clone() {
        gen.bind_module_imports(graph, index);
    }
    graph
        .order
        .iter()
        .filter(|index| new.contains(index))
        .map(|&index| gen.module_init(graph, index, &functions[index - new.start], aliases))
        .collect()
}

/// A chunk's top-level declaration replaces what an earlier chunk declared
/// under that name (reference.md §2: a later top-level declaration replaces
/// the earlier; in a session the earlier one is in a previous chunk): a
/// function no longer answers to a variable's name, a variable no longer to
/// a function's. A name the host supplies cannot be declared: the host
/// installs its function there before every chunk.
fn replace_earlier_bindings(gen: &mut Codegen<'_>, stmts: &[Stmt], host_names: &FxHashSet<String>) {
    for stmt in stmts {
        let declared: Vec<(&Ident, bool)> = match &stmt.kind {
            StmtKind::Fn(FnDecl {
                name: Some(name), ..
            }) => vec![(name, true)],
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
            if host_names.contains(&name.name) {
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
