//! Incremental compilation for interactive sessions and embedding: each
//! chunk of source is compiled into the same growing program, seeing the
//! declarations of earlier chunks (their top-level variables are globals).

use super::module::ModuleScope;
use super::objects::ObjectModel;
use super::{Codegen, ConstantKey};
use limit_syntax::ast::{FnDecl, Ident, Module, Stmt, StmtKind, VarTarget};
use limit_syntax::{Diagnostic, SourceMap};
use limit_vm::program::{FunctionProto, Program};
use rustc_hash::{FxHashMap, FxHashSet};

/// The code generator's state between two chunks.
#[derive(Clone, Default)]
pub(crate) struct Saved {
    program: Program,
    constant_index: FxHashMap<ConstantKey, u32>,
    scope: ModuleScope,
    objects: ObjectModel,
    aliases: FxHashMap<String, limit_syntax::ast::TypeExpr>,
    global_coercions: FxHashMap<u32, Vec<super::checks::Coercion>>,
    atomic_globals: FxHashSet<u32>,
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
        if let Some(&(index, _)) = self.scope.globals.get(name) {
            return index;
        }
        let index = self.program.globals.len() as u32;
        self.program.globals.push(format!("session.{name}"));
        self.scope.globals.insert(name.to_string(), (index, true));
        index
    }

    /// The function index of top-level function `name`, if one was declared.
    pub(crate) fn function_index(&self, name: &str) -> Option<u32> {
        self.scope.known_functions.get(name).map(|f| f.index)
    }

    /// The global index of top-level variable `name`, if one was declared.
    pub(crate) fn global_index(&self, name: &str) -> Option<u32> {
        self.scope.globals.get(name).map(|&(index, _)| index)
    }
}

/// Compiles `ast` (file `file`) as the next chunk after `saved`. On success
/// returns the new state and the index of the chunk's function; on error
/// the state is unchanged (the caller keeps `saved`).
pub(crate) fn compile_chunk(
    saved: &Saved,
    ast: &Module,
    sources: &SourceMap,
    echo: bool,
    types: crate::check::TypeTable,
    capabilities: crate::capabilities::Capabilities,
) -> (Option<(Saved, u32)>, Vec<Diagnostic>) {
    let file = ast.span.file;
    let mut gen = Codegen::new(sources, file);
    gen.capabilities = capabilities;
    gen.types = types;
    gen.program = saved.program.clone();
    gen.program.files = sources.files().iter().map(|f| f.name.clone()).collect();
    gen.constant_index = saved.constant_index.clone();
    gen.module_scopes = vec![saved.scope.clone()];
    gen.objects = saved.objects.clone();
    gen.aliases = saved.aliases.clone();
    gen.global_coercions = saved.global_coercions.clone();
    gen.atomic_globals = saved.atomic_globals.clone();
    super::module::collect_aliases(&ast.stmts, &mut gen.aliases);

    if let Some(stmt) = ast
        .stmts
        .iter()
        .find(|s| matches!(s.kind, StmtKind::Import(_)))
    {
        gen.error_with_hint(
            stmt.span,
            "imports are not supported in interactive sessions yet",
            "run a file that imports the module with `limit run` instead",
        );
    }
    gen.enter_module(0, "session", file);
    replace_earlier_bindings(&mut gen, &ast.stmts, &saved.host_names);
    gen.captures.add_module(file, &ast.stmts);
    let captured = gen.captures.of_script(file).captured;
    gen.declare_globals(&ast.stmts, &captured, true);
    let functions = gen.declare_top_level_functions(&ast.stmts);
    let function = gen.program.functions.len() as u32;
    gen.program.functions.push(FunctionProto::default());
    gen.module_body(
        ast,
        function,
        "<session>".to_string(),
        &functions,
        &[],
        echo,
    );
    gen.leave_module(0);

    if gen.diagnostics.iter().any(Diagnostic::is_error) {
        return (None, gen.diagnostics);
    }
    let scope = gen.module_scopes.pop().unwrap_or_default();
    let saved = Saved {
        program: gen.program,
        constant_index: gen.constant_index,
        scope,
        objects: gen.objects,
        aliases: gen.aliases,
        global_coercions: gen.global_coercions,
        atomic_globals: gen.atomic_globals,
        host_names: saved.host_names.clone(),
    };
    (Some((saved, function)), gen.diagnostics)
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
