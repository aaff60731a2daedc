//! The static type checker (reference.md §3.4, §5, §6, §7).
//!
//! It runs between the parser and the code generator and is *gradual*:
//! whatever it cannot be certain of has type [`Type::Any`], which is
//! compatible with everything, so a valid program is never rejected. It
//! reports only certain type errors (the code generator already reports
//! unknown names, argument counts and misplaced `break`/`return`/`?`) and
//! records the types it proved in a [`TypeTable`] for the code generator.
//!
//! Unannotated variables take their initialiser's type. When a later
//! assignment stores a value of another type, that variable is *widened* to
//! `any` and the module is checked again, so that no earlier read keeps a
//! type the variable does not always have (see [`check_module`]).

pub(crate) mod annotations;
mod builtins;
mod callbacks;
mod calls;
mod compat;
mod constant;
mod declarations;
mod env;
mod escapes;
mod exhaustiveness;
mod expr;
mod format_specs;
mod frames;
mod hosts;
pub use hosts::{HostField, HostTypeInfo};
mod imports;
mod method_results;
mod names;
mod operators;
mod patterns;
mod returns;
mod run_time_checks;
mod stmt;
mod table;
#[cfg(test)]
mod tests;
pub mod types;

pub use imports::{ExportedValue, Exports, ImportedName};
pub use table::TypeTable;
pub use types::{declared_name, ErrorSet, FunctionType, IntWidth, ParamType, Type};

/// The names a module's imports bind (namespaces and direct members), with
/// the types the imported modules declare for them.
pub type Imports = HashMap<String, ImportedName>;

use crate::modules::ModuleGraph;
use crate::resolve::Bindings;
use declarations::Declarations;
use env::{Binding, Env};
use limit_syntax::ast::{self, FnDecl, NodeId};
use limit_syntax::{Diagnostic, FileId, SourceMap, Span};
use rustc_hash::FxHashMap;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::rc::Rc;

/// What the checker found: every type error (and warning) of the module,
/// and the static types it proved.
#[derive(Debug, Default)]
pub struct CheckResult {
    pub diagnostics: Vec<Diagnostic>,
    pub types: TypeTable,
    /// The signatures of the top-level functions (filled for the chunks
    /// of a session, whose host calls them by name).
    pub signatures: HashMap<String, FunctionType>,
    /// The same for each module a session chunk loaded, by its index in
    /// the session's module graph.
    pub module_signatures: Vec<(usize, HashMap<String, FunctionType>)>,
    /// For a session chunk: what the resolve stage bound its names to,
    /// resolved together with the chunks before it (and the modules the
    /// session imports), for the code generator too.
    pub bindings: Bindings,
}

/// What the embedding host registered for scripts to use: functions with
/// a signature, and host types with their members.
#[derive(Clone, Debug, Default)]
pub struct HostSignatures {
    /// Host functions registered with a signature, by name.
    pub functions: HashMap<String, FunctionType>,
    /// Host types (`Engine::register_type`), by their Limit name.
    pub types: HashMap<String, HostTypeInfo>,
    /// Every host function (with a signature or not), by name, with the
    /// session's global holding it: the resolve stage binds their names
    /// (`resolve::Binding::Host`).
    pub globals: FxHashMap<String, u32>,
}

/// How many times a module may be re-checked after widening variables
/// before the checker gives up on recording types (diagnostics stay valid:
/// widening only removes errors). The same bound applies to re-checking
/// the whole program after a module widened another's variables.
const MAX_PASSES: usize = 12;

/// How many times a module may be re-checked while the inferred error
/// sets of its plain `T?` functions grow (each pass carries them one call
/// level further along a chain checked callers-first).
const MAX_INFERENCE_PASSES: usize = 32;

/// Type-checks every module of a program, each knowing the exported
/// functions and variables of the modules it imports, and the frames,
/// traits, enums and aliases they declare. Modules are checked in run order
/// (dependencies first), so each module's exports carry the types its own
/// check inferred. When a module stores a value of another type in an
/// imported variable whose type was inferred, the program is checked again
/// with that variable `any` everywhere. The results have the indices of
/// `graph.modules`.
pub fn check_program(graph: &ModuleGraph, sources: &SourceMap) -> Vec<CheckResult> {
    let bindings = crate::resolve::resolve_program(graph, sources);
    check_resolved_program(graph, sources, &bindings)
}

/// [`check_program`] given what the resolve stage bound every name of
/// `graph` to.
pub fn check_resolved_program(
    graph: &ModuleGraph,
    sources: &SourceMap,
    bindings: &Bindings,
) -> Vec<CheckResult> {
    let context = SessionContext {
        knows_every_type: true,
        ..SessionContext::default()
    };
    check_graph(graph, sources, bindings, &context)
}

/// [`check_program`], module 0 being the chunks of a session described by
/// `session` (the default context for a program's entry file).
fn check_graph(
    graph: &ModuleGraph,
    sources: &SourceMap,
    bindings: &Bindings,
    session: &SessionContext,
) -> Vec<CheckResult> {
    let default_context = SessionContext {
        knows_every_type: true,
        ..SessionContext::default()
    };
    // The modules a session imports see what the host registered, typed
    // as the session's chunks see it (standard modules see none of it).
    let module_context = SessionContext {
        hosts: session.hosts.clone(),
        record_signatures: session.record_signatures,
        knows_every_type: true,
        ..SessionContext::default()
    };
    let declarations = program_declarations(graph);
    let shared = shared_type_names(&declarations);
    let shared = |name: &str| shared.contains(name);
    let mut widened: HashSet<NodeId> = HashSet::new();
    let mut imported = vec![false; graph.modules.len()];
    for module in &graph.modules {
        for &(_, _, target) in &module.imports {
            if let Some(flag) = target.and_then(|t| imported.get_mut(t)) {
                *flag = true;
            }
        }
    }
    let mut pass = 0;
    loop {
        pass += 1;
        let mut exports: Vec<Option<Rc<Exports>>> = vec![None; graph.modules.len()];
        let mut results: Vec<CheckResult> = graph
            .modules
            .iter()
            .map(|_| CheckResult::default())
            .collect();
        let mut widened_elsewhere = HashSet::new();
        let mut inferred_errors = HashMap::new();
        for &index in &graph.order {
            let (Some(module), Some(own)) = (graph.modules.get(index), declarations.get(index))
            else {
                continue;
            };
            let imports = imports::imports_of(graph, index, &exports);
            let names = ModuleNames {
                declarations: own,
                bindings,
                imports: &imports,
                imported_errors: &inferred_errors,
            };
            let outcome = check_with(
                &module.ast,
                names,
                sources,
                &widened,
                &shared,
                if index == 0 {
                    session
                } else if is_std_module(sources, module.file) {
                    &default_context
                } else {
                    &module_context
                },
                imported[index],
            );
            widened_elsewhere.extend(outcome.widened_elsewhere);
            inferred_errors.extend(outcome.inferred_errors);
            exports[index] = Some(Rc::new(Exports {
                module: index,
                values: outcome.exports,
            }));
            results[index] = outcome.result;
        }
        if widened_elsewhere.is_subset(&widened) {
            return results;
        }
        if pass >= MAX_PASSES {
            // Still widening (pathological input): keep the diagnostics,
            // claim no types.
            for result in &mut results {
                result.types = TypeTable::default();
            }
            return results;
        }
        widened.extend(widened_elsewhere);
    }
}

/// Whether `file` is a standard module's.
fn is_std_module(sources: &SourceMap, file: FileId) -> bool {
    sources
        .files()
        .get(file as usize)
        .is_some_and(|f| crate::stdlib::is_std_file(&f.name))
}

/// Each module's declarations, with those of the modules it imports
/// (directly or not) that are public and declared by no other module.
fn program_declarations(graph: &ModuleGraph) -> Vec<Declarations<'_>> {
    let own: Vec<Declarations> = graph
        .modules
        .iter()
        .map(|module| Declarations::collect(&module.ast))
        .collect();
    let shared = shared_type_names(&own);
    let private: Vec<HashSet<String>> = graph
        .modules
        .iter()
        .map(|module| declarations::private_type_names(&module.ast))
        .collect();
    let qualified = declarations::qualified_type_names(graph, &own);
    (0..graph.modules.len())
        .map(|index| {
            let mut merged = own[index].clone();
            merged.bound = bound_type_names(graph, index, &own, &private);
            let dependencies = dependencies(graph, index);
            for &module in dependencies.iter().chain([&index]) {
                for decl in own[module].names_by_decl() {
                    if let Some(key) = qualified.get(&decl) {
                        merged.qualified.insert(decl, key.clone());
                    }
                }
            }
            for &dependency in &dependencies {
                let share =
                    |name: &str| shared.contains(name) && !private[dependency].contains(name);
                merged.merge_foreign(&own[dependency], dependency, share);
            }
            // What is not known by its bare name is known by its
            // program-wide one (`lib.P`).
            for &dependency in &dependencies {
                merged.add_qualified(&own[dependency], dependency);
            }
            merged
        })
        .collect()
}

/// The type names of other modules that the `show`/`hide` imports of
/// module `index` bind, with the module declaring each (a plain import
/// binds only its namespace: LANGUAGE §10). When two imports bind a name
/// to two modules' declarations (an error the code generator reports),
/// the first stays, as in the resolve stage.
fn bound_type_names(
    graph: &ModuleGraph,
    index: usize,
    own: &[Declarations],
    private: &[HashSet<String>],
) -> HashMap<String, usize> {
    let mut bound = HashMap::new();
    let Some(module) = graph.modules.get(index) else {
        return bound;
    };
    for (decl, _, target) in &module.imports {
        let (Some(filter), Some(target)) = (&decl.filter, *target) else {
            continue;
        };
        let (Some(declared), Some(private)) = (own.get(target), private.get(target)) else {
            continue;
        };
        let public = |name: &str| declared.is_type_name(name) && !private.contains(name);
        match filter {
            ast::ImportFilter::Show(names) => {
                for name in names.iter().filter(|name| public(&name.name)) {
                    bound.entry(name.name.clone()).or_insert(target);
                }
            }
            ast::ImportFilter::Hide(hidden) => {
                for name in declared.names() {
                    if public(name) && !hidden.iter().any(|h| &h.name == name) {
                        bound.entry(name.clone()).or_insert(target);
                    }
                }
            }
        }
    }
    bound
}

/// Type names that exactly one module declares: they mean the same
/// declaration in every module.
fn shared_type_names(declarations: &[Declarations]) -> HashSet<String> {
    let mut counts: HashMap<&String, usize> = HashMap::new();
    for module in declarations {
        let names: HashSet<&String> = module
            .names()
            .filter(|name| !module.foreign.contains_key(*name))
            .collect();
        for name in names {
            *counts.entry(name).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, count)| *count == 1)
        .map(|(name, _)| name.clone())
        .collect()
}

/// The modules `module` imports, directly or through other modules.
fn dependencies(graph: &ModuleGraph, module: usize) -> Vec<usize> {
    let mut seen = HashSet::from([module]);
    let mut stack = vec![module];
    let mut found = Vec::new();
    while let Some(current) = stack.pop() {
        let Some(loaded) = graph.modules.get(current) else {
            continue;
        };
        for target in loaded.imports.iter().filter_map(|(_, _, target)| *target) {
            if seen.insert(target) {
                found.push(target);
                stack.push(target);
            }
        }
    }
    found
}

/// Type-checks one parsed module on its own (imports are `any`). `sources`
/// supplies the source text that messages quote (refinement conditions).
pub fn check_module(module: &ast::Module, sources: &SourceMap) -> CheckResult {
    check_module_with_imports(module, sources, &Imports::new())
}

/// Type-checks one parsed module whose imports bind `imports` (frames and
/// enums of other modules are unknown to it).
pub fn check_module_with_imports(
    module: &ast::Module,
    sources: &SourceMap,
    imports: &Imports,
) -> CheckResult {
    let declarations = Declarations::collect(module);
    let bindings = crate::resolve::resolve_module(module.span.file, &module.stmts);
    let shared = |_: &str| false;
    let no_imported_errors = HashMap::new();
    let names = ModuleNames {
        declarations: &declarations,
        bindings: &bindings,
        imports,
        imported_errors: &no_imported_errors,
    };
    // Without imports, the module's own declarations are every type it
    // can name.
    let context = SessionContext {
        knows_every_type: !module
            .stmts
            .iter()
            .any(|stmt| matches!(stmt.kind, ast::StmtKind::Import(_))),
        ..SessionContext::default()
    };
    check_with(
        module,
        names,
        sources,
        &HashSet::new(),
        &shared,
        &context,
        false,
    )
    .result
}

/// What checking a chunk of an interactive session needs beyond a module.
#[derive(Debug, Default)]
struct SessionContext {
    /// Files of the earlier chunks: their declarations are this module's.
    earlier_files: Vec<FileId>,
    /// The final expression statement whose value the session shows: its
    /// result is used, not dropped.
    echoed: Option<Span>,
    /// Host functions registered with a signature.
    hosts: std::sync::Arc<HostSignatures>,
    /// Whether to record the top-level functions' signatures.
    record_signatures: bool,
    /// Whether the module's imports are loaded, so that every type it may
    /// name is known and an annotation naming none is an error (a module
    /// checked on its own, without its imports, cannot tell).
    knows_every_type: bool,
}

/// Type-checks `chunk`, the next chunk of an interactive session, in the
/// context of the definitions of the chunks accepted before it
/// (`history`), exactly as if they all were one file. Only the chunk's own
/// diagnostics are returned. With `echo`, a final expression statement's
/// value is shown, so a fallible result there is not ignored.
///
/// `modules` holds what the session imports: module 0 stands for the
/// session (its `imports` are those of the earlier chunks and this one),
/// the others are the modules loaded so far, those from `new_from` on by
/// this chunk. The results are the chunk's (index 0) and, for each newly
/// loaded module, its diagnostics and types; the modules loaded before
/// were reported and compiled already.
pub fn check_session_chunk(
    history: &[ast::Module],
    chunk: &ast::Module,
    sources: &SourceMap,
    echo: bool,
    hosts: std::sync::Arc<HostSignatures>,
    modules: &mut ModuleGraph,
    new_from: usize,
) -> CheckResult {
    // A top-level definition (function, frame, trait, enum, type) replaces
    // what earlier chunks declared under its name: a later chunk's frame is
    // the frame, not a second one. (A later `var` is an ordinary top-level
    // redeclaration, which may read the earlier value.)
    let chunks: Vec<&ast::Module> = history.iter().chain(std::iter::once(chunk)).collect();
    let mut declared_later: HashSet<&str> = HashSet::new();
    let mut kept: Vec<Vec<&ast::Stmt>> = Vec::with_capacity(chunks.len());
    for module in chunks.iter().rev() {
        let superseded = |stmt: &ast::Stmt| {
            top_level_names(stmt)
                .iter()
                .any(|name| declared_later.contains(name))
        };
        kept.push(module.stmts.iter().filter(|s| !superseded(s)).collect());
        declared_later.extend(
            module
                .stmts
                .iter()
                .filter(|s| !matches!(s.kind, ast::StmtKind::Var(_)))
                .flat_map(top_level_names),
        );
    }
    // Earlier chunks' functions enter as a later chunk needs them
    // (`session_history::as_seen_later`): most without their bodies.
    let earlier = crate::session_history::EarlierChunks::new(&chunks);
    let chunk_count = kept.len();
    let stmts: Vec<ast::Stmt> = kept
        .into_iter()
        .rev()
        .enumerate()
        .flat_map(|(index, stmts)| {
            let is_earlier = index + 1 < chunk_count;
            let earlier = &earlier;
            stmts.into_iter().map(move |stmt| {
                if is_earlier {
                    earlier.as_seen_later(stmt)
                } else {
                    stmt.clone()
                }
            })
        })
        .collect();
    let combined = ast::Module {
        stmts,
        span: chunk.span,
    };
    let echoed = match chunk.stmts.last() {
        Some(ast::Stmt {
            kind: ast::StmtKind::Expr { expr, .. },
            ..
        }) if echo => Some(expr.span),
        _ => None,
    };
    let context = SessionContext {
        earlier_files: history.iter().map(|module| module.span.file).collect(),
        echoed,
        hosts,
        record_signatures: true,
        knows_every_type: true,
    };
    if modules.modules.len() > 1 {
        return check_session_with_modules(combined, context, sources, modules, new_from);
    }
    let declarations = Declarations::collect(&combined);
    let bindings = crate::resolve::resolve_module_with_hosts(
        combined.span.file,
        &combined.stmts,
        &context.hosts.globals,
    );
    let shared = |_: &str| false;
    let no_imports = Imports::new();
    let no_imported_errors = HashMap::new();
    let names = ModuleNames {
        declarations: &declarations,
        bindings: &bindings,
        imports: &no_imports,
        imported_errors: &no_imported_errors,
    };
    let mut result = check_with(
        &combined,
        names,
        sources,
        &HashSet::new(),
        &shared,
        &context,
        false,
    )
    .result;
    result
        .diagnostics
        .retain(|diagnostic| diagnostic.span.file == chunk.span.file);
    result.bindings = bindings;
    result
}

/// A session chunk when the session imports modules: the whole session
/// (module 0, `combined`) checked with the modules it imports, as a
/// program is.
fn check_session_with_modules(
    combined: ast::Module,
    context: SessionContext,
    sources: &SourceMap,
    modules: &mut ModuleGraph,
    new_from: usize,
) -> CheckResult {
    let chunk_file = combined.span.file;
    // The session is the chunk's file while it is checked, as without
    // modules: its top-level names are the chunk's module's.
    let placeholder = std::mem::replace(&mut modules.modules[0].ast, combined);
    let placeholder_file = std::mem::replace(&mut modules.modules[0].file, chunk_file);
    modules.order.push(0);
    let bindings =
        crate::resolve::resolve_program_with_hosts(modules, sources, &context.hosts.globals);
    let results = check_graph(modules, sources, &bindings, &context);
    modules.order.pop();
    modules.modules[0].ast = placeholder;
    modules.modules[0].file = placeholder_file;
    let mut merged = CheckResult {
        bindings,
        ..CheckResult::default()
    };
    for (index, result) in results.into_iter().enumerate() {
        if index == 0 {
            merged.diagnostics.extend(
                result
                    .diagnostics
                    .into_iter()
                    .filter(|diagnostic| diagnostic.span.file == chunk_file),
            );
            merged.types.extend(result.types);
            merged.signatures = result.signatures;
        } else if index >= new_from {
            merged.diagnostics.extend(result.diagnostics);
            merged.types.extend(result.types);
            merged.module_signatures.push((index, result.signatures));
        }
    }
    merged
}

/// Names used somewhere in `stmts` in a way that lets their containers
/// escape (`escapes.rs`).
pub(crate) fn escaping_names(stmts: &[ast::Stmt]) -> HashSet<String> {
    escapes::escaping_names(stmts)
}

/// Methods that store their last argument into their receiver.
pub(crate) const STORING_METHODS: &[&str] = escapes::STORING_METHODS;

/// The names a top-level statement declares.
pub(crate) fn top_level_names(stmt: &ast::Stmt) -> Vec<&str> {
    fn var_names<'s>(target: &'s ast::VarTarget, out: &mut Vec<&'s str>) {
        match target {
            ast::VarTarget::Name(name) => out.push(&name.name),
            ast::VarTarget::Tuple(items, _) | ast::VarTarget::List(items, _) => {
                for item in items {
                    var_names(item, out);
                }
            }
        }
    }
    let mut names = Vec::new();
    match &stmt.kind {
        ast::StmtKind::Fn(decl) => names.extend(decl.name.as_ref().map(|n| n.name.as_str())),
        ast::StmtKind::Var(decl) => var_names(&decl.target, &mut names),
        ast::StmtKind::Frame(decl) => names.push(&decl.name.name),
        ast::StmtKind::Trait(decl) => names.push(&decl.name.name),
        ast::StmtKind::Enum(decl) => names.push(&decl.name.name),
        ast::StmtKind::TypeAlias(decl) => names.push(&decl.name.name),
        _ => {}
    }
    names
}

/// What the names of a module denote: its declarations (with those of
/// the modules it imports), what the resolve stage bound each name use to,
/// and what its imports bind.
#[derive(Clone, Copy)]
struct ModuleNames<'a> {
    declarations: &'a Declarations<'a>,
    bindings: &'a Bindings,
    imports: &'a Imports,
    /// The inferred error sets of the plain `T?` functions and methods
    /// of the modules checked before this one, by declaration: a method
    /// of an imported frame is typed here, so its set must come from its
    /// own module's check (§6).
    imported_errors: &'a HashMap<NodeId, BTreeSet<String>>,
}

/// The check of one module, and what other modules learn from it.
struct Outcome {
    result: CheckResult,
    exports: HashMap<String, ExportedValue>,
    /// Variables of other modules this module found to need widening.
    widened_elsewhere: HashSet<NodeId>,
    /// The error sets inferred for this module's plain `T?` functions.
    inferred_errors: HashMap<NodeId, BTreeSet<String>>,
}

/// Checks `module` (declaring `declarations`) until no more of its
/// variables need widening; `widened` are the variables already known to.
/// Its exports are collected only when `imported` (some module imports
/// it): for a program's entry module, typing the signature of every
/// function again was wasted work.
fn check_with<'a>(
    module: &'a ast::Module,
    names: ModuleNames<'a>,
    sources: &'a SourceMap,
    widened: &HashSet<NodeId>,
    shared: &dyn Fn(&str) -> bool,
    session: &SessionContext,
    imported: bool,
) -> Outcome {
    let file = module.span.file;
    let mut widened = widened.clone();
    let mut inferred_errors = HashMap::new();
    let mut pass = 0;
    loop {
        let mut checker = Checker::new(
            names.declarations,
            sources,
            names.bindings,
            widened.clone(),
            names.imports,
            names.imported_errors,
            file,
        );
        checker.inferred_errors = std::mem::take(&mut inferred_errors);
        checker.own_files = session.earlier_files.clone();
        checker.echoed = session.echoed;
        checker.hosts = session.hosts.clone();
        checker.knows_every_type = session.knows_every_type;
        checker.check_top_level(module);
        // (An empty set and an absent one mean the same.)
        checker.found_errors.retain(|_, kinds| !kinds.is_empty());
        let errors_settled = checker.found_errors == checker.inferred_errors;
        let settled = checker.newly_widened.is_empty() && errors_settled;
        if !settled && pass < MAX_INFERENCE_PASSES {
            widened.extend(checker.newly_widened.drain());
            // Sets only grow from pass to pass (their union is kept), so
            // this reaches the least fixed point.
            inferred_errors = std::mem::take(&mut checker.found_errors);
            for (id, kinds) in &checker.inferred_errors {
                inferred_errors
                    .entry(*id)
                    .or_default()
                    .extend(kinds.iter().cloned());
            }
            pass += 1;
            continue;
        }
        {
            let mut exports = HashMap::new();
            if imported {
                checker.collect_exports(&module.stmts, false, shared, &mut exports);
            }
            let widened_elsewhere = checker
                .widened
                .iter()
                .chain(&checker.newly_widened)
                .filter(|span| span.file != file)
                .copied()
                .collect();
            let signatures = if session.record_signatures {
                checker.top_level_signatures(&module.stmts)
            } else {
                HashMap::new()
            };
            let inferred_errors = checker.inferred_errors.clone();
            let mut result = checker.finish();
            result.signatures = signatures;
            record_type_definitions(&mut result.types, file, names.declarations);
            if !settled {
                // Still widening (pathological input): keep the diagnostics
                // of a pass with everything widened so far, but claim no
                // types.
                result.types = TypeTable::default();
                for value in exports.values_mut().filter(|v| !v.annotated) {
                    value.ty = Type::Any;
                }
            }
            return Outcome {
                result,
                exports,
                widened_elsewhere,
                inferred_errors,
            };
        }
    }
}

/// Records what each frame, trait and enum name the checker knows in the
/// module of `file` denotes (`TypeTable::type_definition`).
fn record_type_definitions(types: &mut TypeTable, file: FileId, declarations: &Declarations) {
    for (name, frame) in &declarations.frames {
        types.record_type_definition(file, name, frame.name.id);
    }
    for (name, decl) in &declarations.traits {
        types.record_type_definition(file, name, decl.name.id);
    }
    for (name, shape) in &declarations.enums {
        types.record_type_definition(file, name, shape.decl);
    }
}

/// Where a `return` sends its value.
#[derive(Clone, Debug)]
enum ReturnTarget {
    /// The body of a function; `declared` is its return annotation.
    Function {
        name: String,
        declared: Option<Type>,
        /// For a function declared plain `T?`: the declaration whose
        /// error set is inferred from this body (reference.md §6).
        infers: Option<NodeId>,
    },
    /// A `?else` handler: `return` gives the handler's value.
    Handler,
    /// Task and worker bodies: nothing to check.
    Unchecked,
}

/// The type a value must fit and where it goes (for messages): pushed
/// into the branches of `?:`, `match` arms and `?else` handlers.
#[derive(Clone, Debug)]
struct Expectation {
    ty: Type,
    destination: expr::Destination,
}

/// The state of one checking pass.
struct Checker<'a> {
    declarations: &'a Declarations<'a>,
    sources: &'a SourceMap,
    env: Env,
    diagnostics: Vec<Diagnostic>,
    table: TypeTable,
    /// The refinement conditions this module's annotations name, by the
    /// condition's node id.
    refinements: HashMap<NodeId, &'a ast::Expr>,
    /// Declarations of unannotated variables that are `any` this pass.
    widened: HashSet<NodeId>,
    /// Declarations found to need widening during this pass.
    newly_widened: HashSet<NodeId>,
    returns: Vec<ReturnTarget>,
    /// Values `return`ed inside the `?else` handlers being checked, and
    /// the type each handler's value must fit.
    handler_values: Vec<(Vec<Type>, Option<Expectation>)>,
    /// Where a `?else` handler being checked first writes `return err(…)`,
    /// innermost last.
    handler_error_returns: Vec<Option<Span>>,
    /// A `?else` expression whose handler may give an error (`return
    /// err(…)`): where, so that using its value as a plain value can say
    /// why it is still fallible. By the `?else` node and by the variable
    /// it initialises.
    handler_errors: FxHashMap<NodeId, Span>,
    variable_handler_errors: FxHashMap<NodeId, Span>,
    /// The kinds an error bound by an `err e` pattern (those of the
    /// matched value) or a `handle Kind(e)` clause may be, by the
    /// binding's id: `return err(e)` returns the same error (§6), so it
    /// returns those kinds. Other error bindings are of unknown kind.
    error_bindings: FxHashMap<NodeId, ErrorSet>,
    /// Variables an `if` did not narrow because a function assigns them,
    /// with that assignment (for the error's note).
    not_narrowed: FxHashMap<NodeId, Span>,
    /// The error sets of functions declared plain `T?`, by the
    /// declaration's node id, as the previous pass inferred them (absent: empty, the
    /// bottom of the least fixed point).
    inferred_errors: HashMap<NodeId, BTreeSet<String>>,
    /// Those of the modules checked before this one (see
    /// `ModuleNames::imported_errors`).
    imported_errors: &'a HashMap<NodeId, BTreeSet<String>>,
    /// The error sets this pass found for the same functions.
    found_errors: HashMap<NodeId, BTreeSet<String>>,
    /// Names whose containers may be stored into where the checker does
    /// not see it (`escapes.rs`): their variables forget element types.
    escaping: HashSet<String>,
    /// Other files whose declarations belong to this module (earlier
    /// chunks of an interactive session).
    own_files: Vec<FileId>,
    /// The expression statement whose value an interactive session shows.
    echoed: Option<Span>,
    /// What the value of each `Value` block being checked (a `?else`
    /// handler, a `match` arm) must fit, innermost last: the final
    /// expression and handler `return`s are checked against it.
    value_expectations: Vec<Option<Expectation>>,
    /// The frame whose methods are being checked (privacy, `this`).
    current_frame: Option<String>,
    /// The type of `this`/`self` in the current method.
    this_type: Option<Type>,
    /// Inside a frame's method (or a function nested in one): whether the
    /// method is static (for bare member names, §7 Decision).
    member_scope: Option<bool>,
    /// Function bodies of the enclosing blocks, checked when the block ends.
    deferred: Vec<Vec<DeferredBody<'a>>>,
    /// What the module's imports bind.
    imports: &'a Imports,
    /// What every name use of the module denotes (the resolve stage).
    bindings: &'a Bindings,
    /// The checked module's file: annotations written in other files (in
    /// imported declarations) are resolved in their own module's terms.
    file: FileId,
    /// Each frame's lineage, computed once (hierarchies may be thousands
    /// of frames deep, and every member lookup needs one).
    lineages: frames::LineageCache<'a>,
    /// Host functions registered with a signature (sessions only).
    /// Whether an annotation naming no known type is an error (see
    /// `SessionContext::knows_every_type`).
    knows_every_type: bool,
    hosts: std::sync::Arc<HostSignatures>,
}

/// A function or method body whose checking waits for its block's end, so
/// that it sees every name of the block (functions are hoisted).
struct DeferredBody<'a> {
    decl: &'a FnDecl,
    frame: Option<String>,
    this_type: Option<Type>,
}

impl<'a> Checker<'a> {
    fn new(
        declarations: &'a Declarations<'a>,
        sources: &'a SourceMap,
        bindings: &'a Bindings,
        widened: HashSet<NodeId>,
        imports: &'a Imports,
        imported_errors: &'a HashMap<NodeId, BTreeSet<String>>,
        file: FileId,
    ) -> Checker<'a> {
        Checker {
            declarations,
            sources,
            env: Env::new(),
            diagnostics: Vec::new(),
            table: TypeTable::default(),
            refinements: HashMap::new(),
            widened,
            newly_widened: HashSet::new(),
            returns: Vec::new(),
            handler_values: Vec::new(),
            handler_error_returns: Vec::new(),
            handler_errors: FxHashMap::default(),
            variable_handler_errors: FxHashMap::default(),
            error_bindings: FxHashMap::default(),
            not_narrowed: FxHashMap::default(),
            value_expectations: Vec::new(),
            inferred_errors: HashMap::new(),
            imported_errors,
            own_files: Vec::new(),
            escaping: HashSet::new(),
            echoed: None,
            found_errors: HashMap::new(),
            current_frame: None,
            this_type: None,
            member_scope: None,
            deferred: Vec::new(),
            imports,
            bindings,
            file,
            lineages: Default::default(),
            hosts: std::sync::Arc::default(),
            knows_every_type: false,
        }
    }

    fn finish(mut self) -> CheckResult {
        self.table.finish();
        self.diagnostics
            .sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
        self.diagnostics.dedup();
        CheckResult {
            diagnostics: self.diagnostics,
            types: self.table,
            signatures: HashMap::new(),
            module_signatures: Vec::new(),
            bindings: Bindings::default(),
        }
    }

    fn check_top_level(&mut self, module: &'a ast::Module) {
        self.escaping = escapes::escaping_names(&module.stmts);
        self.check_frame_declarations();
        // Members imported directly (`show`/`hide`), as declared in their
        // module; the module's own declarations shadow them.
        let imports = self.imports;
        for imported in imports.values() {
            if let ImportedName::Member(value) = imported {
                let binding: Binding = value.binding(&self.widened);
                self.declare_decl(value.declared_at, binding);
            }
        }
        self.check_statements(&module.stmts, BlockRole::Module);
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(span, message));
    }

    fn error_with_hint(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(span, message).with_hint(hint));
    }

    /// The source text of `span` (for quoting conditions in messages).
    pub(super) fn source_text(&self, span: Span) -> String {
        let Some(file) = self.sources.files().get(span.file as usize) else {
            return String::new();
        };
        file.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_string()
    }
}

/// What a block's value is used for: decides whether its last unterminated
/// expression is a result (function bodies, handlers, arms) or dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockRole {
    Module,
    /// A nested block whose value nobody uses.
    Plain,
    /// A block whose last expression is its value (`?else` handler, arm).
    Value,
    /// A function body: its last expression is the function's result.
    FunctionBody,
}
