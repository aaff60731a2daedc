//! Modules (reference.md §10): each file is compiled with its own scope of
//! globals and known functions; imports bind a namespace (`shapes.area`) or
//! members directly (`show`/`hide`). Every imported module's top-level code
//! is a function that the entry script calls once, dependencies first.
//!
//! Frames, traits and enums belong to their module (objects.rs keys them by
//! module). What a name denotes is the resolve stage's binding
//! (`definitions.rs`): a bare `Point` is the module's own or one a
//! `show`/`hide` import binds, `zoo.Point` zoo's, `tools.f` the member of
//! the `module` block `tools`. The tables kept here by name
//! (`ModuleScope`) serve exports, diagnostics and suggestions, and the
//! embedding API (`session.rs::locate`); they decide no use.

use super::objects::{key_module, object_key, plain_name, ObjectKind};
use super::{finish_proto, Codegen, FunctionKind, FunctionState, KnownFunction, Place};
use crate::modules::ModuleGraph;
use limit_bytecode::opcode::Op;
use limit_bytecode::program::FunctionProto;
use limit_syntax::ast::*;
use limit_syntax::Span;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashSet;

/// The top-level names of one module, by name: built as its declarations
/// and imports are bound, and read only for exports (what `show`/`hide`
/// may bind; missing and private members), suggestions and hints, the
/// embedding API (`session.rs::locate`), a session chunk replacing an
/// earlier declaration, and names the code generator made itself. What a
/// use in the program denotes is its binding (`resolve`), never these.
#[derive(Clone, Default)]
pub(crate) struct ModuleScope {
    pub name: String,
    /// Its file.
    pub file: u32,
    /// Its globals (a top-level variable some function uses, or any of an
    /// imported module's): index and whether it is constant.
    pub globals: FxHashMap<String, (u32, bool)>,
    pub known_functions: FxHashMap<String, KnownFunction>,
    pub imports: FxHashMap<String, ImportBinding>,
    /// Names marked `@private` (not exported).
    pub private: HashSet<String>,
    /// Its top-level frames, traits and enums.
    pub objects: FxHashMap<String, ObjectKind>,
    /// The modules it imports, directly or not (not itself).
    pub reachable: Vec<usize>,
    /// The names its frames extend.
    pub extended: FxHashSet<String>,
    /// Its own type aliases' names (for exports and suggestions).
    pub aliases: FxHashSet<String>,
}

/// The members an import list bound so far, by name: the module that
/// declares each and where it was imported.
type BoundMembers = FxHashMap<String, (usize, Span)>;

/// What an imported name stands for.
#[derive(Clone, Debug)]
pub(crate) enum ImportBinding {
    /// `import a.b` / `as x`: the module itself; members via `x.name`,
    /// restricted by the filter when there is one.
    Namespace(usize, Option<NamespaceFilter>),
    /// `show name` / everything but the hidden ones: one member.
    Member(usize, String),
    /// A name removed by `hide`: using it is an error.
    Hidden(usize),
}

/// Which members a namespace reaches.
#[derive(Clone, Debug)]
pub(crate) enum NamespaceFilter {
    /// `import m as a show x, y`: only the shown names (§12a).
    Show(HashSet<String>),
    /// `import m as a hide x`: all but the hidden names (§12a).
    Hide(HashSet<String>),
}

impl NamespaceFilter {
    /// Why `namespace.member` is out of reach through this filter, as an
    /// error message and hint; `None` when the filter lets it through.
    pub(crate) fn refusal(&self, namespace: &str, member: &str) -> Option<(String, String)> {
        match self {
            NamespaceFilter::Show(names) => (!names.contains(member)).then(|| {
                (
                    format!("`{namespace}.{member}`: `{member}` is not in the `show` list of the import of `{namespace}`"),
                    format!("the filter applies to the alias too; add `{member}` to the `show` list"),
                )
            }),
            NamespaceFilter::Hide(names) => names.contains(member).then(|| {
                (
                    format!("`{namespace}.{member}`: `{member}` is hidden by the `hide` filter of the import of `{namespace}`"),
                    format!("the filter applies to the alias too; remove `{member}` from the `hide` list"),
                )
            }),
        }
    }
}

impl Codegen<'_> {
    /// Compiles every module of `graph` into `self.program`.
    pub(crate) fn modules(&mut self, graph: &ModuleGraph) {
        let Some(&entry) = graph.order.last() else {
            return;
        };
        self.program.functions.push(FunctionProto::default());
        self.program.main = 0;

        // 1. Every module's top-level names, so any module can refer to any
        // (what every name of every module refers to is `self.bindings`):
        // its type definitions first, which typed globals' conversions read.
        self.register_definitions(graph, 0..graph.modules.len());
        let mut function_indices = Vec::new();
        for index in 0..graph.modules.len() {
            function_indices.push(self.declare_module(graph, index, index != entry));
        }

        // 2. Imports.
        for index in 0..graph.modules.len() {
            self.bind_module_imports(graph, index);
        }
        // Fields whose stores convert, from every module before any code:
        // a store through an `any` receiver may reach a frame of a module
        // compiled after its own (`dynamic_fields.rs`).
        for module in &graph.modules {
            self.note_coerced_fields(&module.ast.stmts);
        }

        // 3. Code: imported modules become init functions called by main.
        let mut inits = Vec::new();
        for &index in &graph.order {
            if index == entry {
                let module = &graph.modules[index];
                self.enter_module(index, &module.name, module.file);
                self.module_body(
                    &module.ast,
                    0,
                    "<script>".to_string(),
                    &function_indices[index],
                    &inits,
                    false,
                );
                self.leave_module(index);
            } else {
                inits.push(self.module_init(graph, index, &function_indices[index]));
            }
        }
    }

    /// The frames, traits, enums, variants and aliases of the modules
    /// `modules` of `graph`, by their declaring names' ids
    /// (`definitions.rs`).
    pub(crate) fn register_definitions(
        &mut self,
        graph: &ModuleGraph,
        modules: std::ops::Range<usize>,
    ) {
        for index in modules {
            let stmts = &graph.modules[index].ast.stmts;
            super::definitions::register(index, stmts, &mut self.objects.definitions);
        }
    }

    /// Step 1 for module `index`: its top-level names (all globals when
    /// `all`: an imported module's variables are reachable from others).
    /// Returns its functions' declarations and indices.
    pub(crate) fn declare_module<'m>(
        &mut self,
        graph: &'m ModuleGraph,
        index: usize,
        all: bool,
    ) -> Vec<(&'m FnDecl, u32)> {
        let module = &graph.modules[index];
        self.enter_module(index, &module.name, module.file);
        self.declare_globals(&module.ast.stmts, all);
        let functions = self.declare_top_level_functions(&module.ast.stmts);
        self.leave_module(index);
        let scope = &mut self.module_scopes[index];
        collect_private_names(&module.ast.stmts, false, scope);
        scope.objects = super::objects::object_names(&module.ast.stmts);
        scope.reachable = reachable_from(graph, index);
        scope.extended = super::objects::extended_names(&module.ast.stmts);
        collect_aliases(&module.ast.stmts, &mut scope.aliases);
        functions
    }

    /// Step 2 for module `index`: the names its imports bind.
    pub(crate) fn bind_module_imports(&mut self, graph: &ModuleGraph, index: usize) {
        let module = &graph.modules[index];
        self.enter_module(index, &module.name, module.file);
        self.bind_imports(&module.imports);
        self.leave_module(index);
    }

    /// Binds the names of `imports` in the current module. Two of them
    /// binding one name to two modules' declarations is an error at the
    /// second (a bare name denotes one declaration); the first binding
    /// stays, as in the resolve stage.
    pub(crate) fn bind_imports(&mut self, imports: &[crate::modules::ResolvedImport]) {
        let mut bound = BoundMembers::default();
        for (decl, span, target) in imports {
            if let Some(target) = target {
                self.bind_import(decl, *span, *target, &mut bound);
            }
        }
    }

    /// Binds member `name` of module `target` (`show`/`hide`), unless an
    /// earlier import of the same list bound another module's `name`:
    /// then reports the conflict at `at`.
    fn bind_member(&mut self, name: &str, target: usize, at: Span, bound: &mut BoundMembers) {
        match bound.get(name) {
            Some(&(first, _)) if first == target => {}
            Some(&(first, first_at)) => {
                let (first_name, second_name) = (
                    self.module_scopes[first].name.clone(),
                    self.module_scopes[target].name.clone(),
                );
                let diagnostic = limit_syntax::Diagnostic::error(
                    at,
                    format!("`{name}` is imported from both `{first_name}` and `{second_name}`"),
                )
                .with_hint(format!(
                    "leave `{name}` out of one of the imports (`show`/`hide`); a plain `import {second_name};` names it `{}.{name}`",
                    second_name.rsplit('.').next().unwrap_or(&second_name)
                ))
                .with_note(first_at, format!("`{first_name}`'s `{name}` is imported here"));
                self.diagnostics.push(diagnostic);
                return;
            }
            None => {
                bound.insert(name.to_string(), (target, at));
            }
        }
        self.imports.insert(
            name.to_string(),
            ImportBinding::Member(target, name.to_string()),
        );
    }

    /// Step 3 for imported module `index`: its top-level code as a new
    /// init function, which the importer calls once. Returns the init
    /// function and where the module starts.
    pub(crate) fn module_init(
        &mut self,
        graph: &ModuleGraph,
        index: usize,
        functions: &[(&FnDecl, u32)],
    ) -> (u32, Span) {
        let module = &graph.modules[index];
        let f = self.program.functions.len() as u32;
        self.program.functions.push(FunctionProto::default());
        self.enter_module(index, &module.name, module.file);
        let name = format!("<module {}>", module.name);
        self.module_body(&module.ast, f, name, functions, &[], false);
        self.leave_module(index);
        (f, module.ast.span)
    }

    pub(crate) fn enter_module(&mut self, index: usize, name: &str, file: u32) {
        while self.module_scopes.len() <= index {
            self.module_scopes.push(ModuleScope::default());
        }
        let scope = &mut self.module_scopes[index];
        scope.name = name.to_string();
        scope.file = file;
        self.globals = std::mem::take(&mut scope.globals);
        self.known_functions = std::mem::take(&mut scope.known_functions);
        self.imports = std::mem::take(&mut scope.imports);
        self.current_module = index;
        self.module_name = name.to_string();
        self.file = file;
    }

    /// Runs `compile` with the names of module `module` in scope (its
    /// globals, functions and imports): for code written there but
    /// compiled elsewhere, such as a frame's field defaults at a
    /// construction in an importing module.
    pub(crate) fn in_module<R>(
        &mut self,
        module: usize,
        compile: impl FnOnce(&mut Self) -> R,
    ) -> R {
        let current = self.current_module;
        if module == current || module >= self.module_scopes.len() {
            return compile(self);
        }
        let (name, file) = (self.module_name.clone(), self.file);
        self.leave_module(current);
        let scope = &self.module_scopes[module];
        let (other_name, other_file) = (scope.name.clone(), scope.file);
        self.enter_module(module, &other_name, other_file);
        let result = compile(self);
        self.leave_module(module);
        self.enter_module(current, &name, file);
        result
    }

    pub(crate) fn leave_module(&mut self, index: usize) {
        let scope = &mut self.module_scopes[index];
        scope.globals = std::mem::take(&mut self.globals);
        scope.known_functions = std::mem::take(&mut self.known_functions);
        scope.imports = std::mem::take(&mut self.imports);
    }

    /// One module's top-level code as function `function`: its functions'
    /// bodies, then (for the entry) the imported modules' init calls, then
    /// its statements.
    /// With `return_last`, a final expression statement's value is the
    /// function's result (interactive sessions echo it).
    pub(crate) fn module_body(
        &mut self,
        ast: &Module,
        function: u32,
        name: String,
        functions: &[(&FnDecl, u32)],
        prelude: &[(u32, Span)],
        return_last: bool,
    ) {
        let state = FunctionState::new(FunctionKind::Script, name, self.file);
        self.functions.push(state);
        self.declare_objects(&ast.stmts);
        self.note_coerced_fields(&ast.stmts);
        // The summary serves only the rules of parallel tasks.
        if self.bindings.has_parallel_block(self.file) {
            self.summarise_mutations(&ast.stmts);
        } else {
            self.mutations = Default::default();
        }
        for (decl, index) in functions {
            let fn_name = decl
                .name
                .as_ref()
                .map(|n| n.name.clone())
                .unwrap_or_default();
            self.compile_function_into(decl, *index, &fn_name);
        }
        self.compile_object_methods();
        for (init, span) in prelude {
            let at = Span::new(span.file, span.start as usize, span.start as usize);
            self.emit(Op::CallDirect(*init, 0), at);
            self.emit(Op::Pop, at);
        }
        let end = Span::new(ast.span.file, ast.span.end as usize, ast.span.end as usize);
        match ast.stmts.split_last() {
            Some((
                Stmt {
                    kind: StmtKind::Expr { expr, .. },
                    ..
                },
                rest,
            )) if return_last => {
                self.statements(rest);
                self.expr(expr);
                self.emit(Op::Return, end);
            }
            _ => {
                self.statements(&ast.stmts);
                self.release_scope_locals(ast.span);
                self.emit(Op::ReturnNil, end);
            }
        }
        self.compile_pending_makers();
        self.compile_dynamic_field_stores();
        // Infallible: the module's top-level state, pushed when its
        // compilation began and below every function compiled since.
        let state = self.functions.pop().expect("module state");
        self.program.functions[function as usize] = finish_proto(state);
    }

    /// Binds the names an `import` statement introduces: the namespace
    /// (`import a.b` as `b`, or its `as` alias), and with `show`/`hide` the
    /// members bound directly.
    fn bind_import(
        &mut self,
        decl: &ImportDecl,
        span: Span,
        target: usize,
        bound: &mut BoundMembers,
    ) {
        if let Some(namespace) = decl.namespace() {
            let names = |names: &[Ident]| names.iter().map(|n| n.name.clone()).collect();
            let filter = match &decl.filter {
                None => None,
                Some(ImportFilter::Show(shown)) => Some(NamespaceFilter::Show(names(shown))),
                Some(ImportFilter::Hide(hidden)) => Some(NamespaceFilter::Hide(names(hidden))),
            };
            self.objects
                .namespaces
                .insert(namespace.id, (target, filter.clone()));
            self.imports.insert(
                namespace.name.clone(),
                ImportBinding::Namespace(target, filter),
            );
        }
        match &decl.filter {
            None => {}
            Some(ImportFilter::Show(names)) => {
                for name in names {
                    if self.check_exported(target, &name.name, name.span) {
                        self.bind_member(&name.name, target, name.span, bound);
                    }
                }
            }
            Some(ImportFilter::Hide(names)) => {
                for name in names {
                    if !self.module_has(target, &name.name) {
                        self.error(
                            name.span,
                            format!(
                                "module `{}` has no member `{}` to hide",
                                self.module_scopes[target].name, name.name
                            ),
                        );
                    }
                }
                let hidden: HashSet<&str> = names.iter().map(|n| n.name.as_str()).collect();
                let scope = &self.module_scopes[target];
                let exported: Vec<String> = scope
                    .globals
                    .keys()
                    .chain(scope.known_functions.keys())
                    .chain(scope.objects.keys())
                    .chain(scope.aliases.iter())
                    .filter(|n| !scope.private.contains(*n))
                    .cloned()
                    .collect();
                // In order, so that conflicts are reported in order.
                let mut exported = exported;
                exported.sort_unstable();
                exported.dedup();
                for member in exported {
                    if hidden.contains(member.as_str()) {
                        // Only explains a name no other import binds.
                        self.imports
                            .entry(member)
                            .or_insert(ImportBinding::Hidden(target));
                    } else {
                        self.bind_member(&member, target, span, bound);
                    }
                }
            }
        }
    }

    /// The public top-level names of `module`, for suggestions.
    pub(crate) fn module_member_names(&self, module: usize) -> Vec<String> {
        let scope = &self.module_scopes[module];
        let mut names: Vec<String> = scope
            .globals
            .keys()
            .chain(scope.known_functions.keys())
            .chain(scope.objects.keys())
            .chain(scope.aliases.iter())
            .filter(|name| !scope.private.contains(*name))
            .cloned()
            .collect();
        names.sort();
        names
    }

    pub(crate) fn module_has(&self, module: usize, name: &str) -> bool {
        let scope = &self.module_scopes[module];
        scope.globals.contains_key(name)
            || scope.known_functions.contains_key(name)
            || scope.objects.contains_key(name)
            || scope.aliases.contains(name)
    }

    /// Reports a missing or private member; true when `name` may be used.
    fn check_exported(&mut self, module: usize, name: &str, span: Span) -> bool {
        let module_name = self.module_scopes[module].name.clone();
        if !self.module_has(module, name) {
            let message = crate::suggest::with_suggestion(
                format!("module `{module_name}` has no member `{name}`"),
                name,
                self.module_member_names(module).iter().map(String::as_str),
            );
            self.error_with_hint(
                span,
                message,
                "check the spelling, or declare it at the top level of that module",
            );
            return false;
        }
        if self.module_scopes[module].private.contains(name) {
            self.error_with_hint(
                span,
                format!("`{name}` is private to module `{module_name}`"),
                "it is marked `@private`; only that module can use it",
            );
            return false;
        }
        true
    }

    /// Where member `name` of module `module` lives.
    fn member_place(&self, module: usize, name: &str) -> Option<Place> {
        let scope = if module == self.current_module {
            return self
                .globals
                .get(name)
                .map(|&(index, is_const)| self.global_place(index, is_const))
                .or_else(|| self.known_functions.get(name).cloned().map(Place::Function));
        } else {
            &self.module_scopes[module]
        };
        if let Some(&(index, is_const)) = scope.globals.get(name) {
            return Some(self.global_place(index, is_const));
        }
        scope
            .known_functions
            .get(name)
            .cloned()
            .map(Place::Function)
    }

    /// Why `name` cannot be used, when an import explains it.
    pub(crate) fn hidden_import_hint(&self, name: &str) -> Option<String> {
        match self.imports.get(name)? {
            ImportBinding::Hidden(module) => Some(format!(
                "`{name}` is hidden by the `hide` import of module `{}`",
                self.module_scopes[*module].name
            )),
            ImportBinding::Namespace(..) => Some(format!(
                "`{name}` is a module; use its members as `{name}.member`"
            )),
            ImportBinding::Member(..) => None,
        }
    }

    /// `ns.member` where `ns` is an imported module (not shadowed by a
    /// variable): where the member lives, after visibility checks. `None`
    /// when `object` is not a module name.
    pub(crate) fn module_member(&mut self, object: &Expr, member: &Ident) -> Option<Option<Place>> {
        if let Some(block) = self.block_named_by(object) {
            return Some(self.block_member(block, member));
        }
        let ExprKind::Ident(namespace) = &object.kind else {
            return None;
        };
        // A local, a global, a function or (in a method) a field of the
        // same name shadows the module: the resolve stage bound the name
        // to it rather than to the namespace.
        let (module, restrict) = self.namespace_module(object.id, namespace)?;
        if let Some((message, hint)) = restrict
            .as_ref()
            .and_then(|filter| filter.refusal(namespace, &member.name))
        {
            self.error_with_hint(member.span, message, &hint);
            return Some(None);
        }
        // The member is the declaration the resolve stage bound it to (one
        // importers may name); only a name the code generator made is
        // found by text.
        let place = match self.bindings.of(member.id) {
            Some(binding) => self.place_of(binding),
            None if member.id.is_synthetic() => self.member_place(module, &member.name),
            None if !self.check_exported(module, &member.name, member.span) => {
                return Some(None);
            }
            None => None,
        };
        if place.is_none() {
            match self.module_scopes[module].objects.get(&member.name) {
                Some(kind) => self.error_with_hint(
                    member.span,
                    format!(
                        "{} `{namespace}.{}` is not a value",
                        kind_word(*kind),
                        member.name
                    ),
                    match kind {
                        ObjectKind::Frame => {
                            "construct it, `module.Frame(…)`, or use its static members"
                        }
                        ObjectKind::Trait => "a trait is used as a type",
                        ObjectKind::Enum => "use its variants: `module.Enum.Variant`",
                    },
                ),
                None if self.module_scopes[module].aliases.contains(&member.name) => self
                    .error_with_hint(
                        member.span,
                        format!("type `{namespace}.{}` is not a value", member.name),
                        "a type alias is used in annotations: `var x: module.Alias = …`",
                    ),
                None => {
                    let message = crate::suggest::with_suggestion(
                        format!("module `{namespace}` has no member `{}`", member.name),
                        &member.name,
                        self.module_member_names(module).iter().map(String::as_str),
                    );
                    self.error(member.span, message)
                }
            }
        }
        Some(place)
    }

    /// `ns.Name` where `ns` is an imported module (not shadowed) that
    /// declares a frame, trait or enum `Name` of this kind: its key, after
    /// the visibility check (a private one is reported, and still resolved
    /// so that nothing else is reported about it).
    pub(crate) fn namespace_object(
        &mut self,
        object: &Expr,
        member: &Ident,
        kind: ObjectKind,
    ) -> Option<String> {
        let ExprKind::Ident(namespace) = &object.kind else {
            return None;
        };
        self.namespace_ident_object(object.id, namespace, member, kind)
    }

    /// The `module` block `object` names (`block`, or `outer.block` for a
    /// nested one), as the resolve stage bound it: the block's name's id
    /// and its name.
    fn block_named_by<'e>(&self, object: &'e Expr) -> Option<&'e str> {
        let (id, name) = match &object.kind {
            ExprKind::Ident(name) => (object.id, name.as_str()),
            ExprKind::Field(_, inner) => (inner.id, inner.name.as_str()),
            _ => return None,
        };
        matches!(
            self.bindings.of(id),
            Some(crate::resolve::Binding::Block(_))
        )
        .then_some(name)
    }

    /// `block.member` where `block` names a `module` block of this module:
    /// where the member the resolve stage bound lives (a function or a
    /// variable of the module).
    fn block_member(&mut self, block: &str, member: &Ident) -> Option<Place> {
        match self.bindings.of(member.id) {
            Some(crate::resolve::Binding::Block(_)) => {
                self.error_with_hint(
                    member.span,
                    format!("module block `{block}.{}` is not a value", member.name),
                    "use its members: `outer.inner.name`",
                );
                None
            }
            Some(_) => self.resolve_use(member.id, &member.name),
            None => {
                self.error_with_hint(
                    member.span,
                    format!("module block `{block}` has no member `{}`", member.name),
                    "declare it inside the `module` block",
                );
                None
            }
        }
    }

    /// `namespace.member` (identifiers) as in `namespace_object`: the
    /// declaration the resolve stage bound the member to; a member it did
    /// not bind (private) is found by name, to report it.
    pub(crate) fn namespace_ident_object(
        &mut self,
        id: NodeId,
        namespace: &str,
        member: &Ident,
        kind: ObjectKind,
    ) -> Option<String> {
        let (module, filter) = self.namespace_module(id, namespace)?;
        let key = match self.any_object_of(member.id) {
            Some((found, key)) if found == kind => key,
            Some(_) => return None,
            None if self.declared_kind(module, &member.name) == Some(kind) => {
                object_key(module, &member.name)
            }
            None => return None,
        };
        if let Some((message, hint)) = filter.and_then(|f| f.refusal(namespace, &member.name)) {
            self.error_with_hint(member.span, message, &hint);
        }
        if self.module_scopes[module].private.contains(&member.name) {
            let module_name = self.module_scopes[module].name.clone();
            self.error_with_hint(
                member.span,
                format!("`{}` is private to module `{module_name}`", member.name),
                "it is marked `@private`; only that module can use it",
            );
        }
        Some(key)
    }

    /// `namespace.name` (the member's `Ident` is `member`) as in
    /// `namespace_object`, reporting nothing and refusing private
    /// declarations and members out of the import's filter.
    pub(crate) fn namespace_object_silent(
        &self,
        id: NodeId,
        namespace: &str,
        member: &Ident,
        kind: ObjectKind,
    ) -> Option<String> {
        let (_, filter) = self.namespace_module(id, namespace)?;
        let key = self.object_of(member.id, kind)?;
        filter
            .is_none_or(|f| f.refusal(namespace, &member.name).is_none())
            .then_some(key)
    }

    /// The module the name `namespace` used at node `id` denotes (the
    /// import the resolve stage bound it to: a variable, function or
    /// field of that name hides the module), and the filter of its import.
    pub(crate) fn namespace_module(
        &self,
        id: NodeId,
        namespace: &str,
    ) -> Option<(usize, Option<NamespaceFilter>)> {
        match self.bindings.of(id) {
            Some(crate::resolve::Binding::Namespace { decl, .. }) => {
                self.objects.namespaces.get(&decl).cloned()
            }
            // Only a name the code generator made is looked up by text.
            None if id.is_synthetic() => match self.imports.get(namespace)? {
                ImportBinding::Namespace(module, filter)
                    if !self.resolve_in_function_or_globals(namespace) =>
                {
                    Some((*module, filter.clone()))
                }
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn declared_kind(&self, module: usize, name: &str) -> Option<ObjectKind> {
        self.module_scopes.get(module)?.objects.get(name).copied()
    }

    /// The imported modules (directly or not) that declare a public frame,
    /// trait or enum `name` (of `kind`, if given).
    pub(crate) fn imported_declarers(&self, name: &str, kind: Option<ObjectKind>) -> Vec<usize> {
        let Some(scope) = self.module_scopes.get(self.current_module) else {
            return Vec::new();
        };
        scope
            .reachable
            .iter()
            .copied()
            .filter(|&m| {
                let declared = self.declared_kind(m, name);
                declared.is_some()
                    && (kind.is_none() || declared == kind)
                    && !self.module_scopes[m].private.contains(name)
            })
            .collect()
    }

    /// Whether a frame of another module (one importing the frame's module,
    /// directly or not) names the frame with this key as its parent.
    pub(crate) fn extended_by_other_module(&self, key: &str) -> bool {
        let Some(module) = super::objects::key_module(key) else {
            return false;
        };
        let name = plain_name(key);
        self.module_scopes.iter().enumerate().any(|(index, scope)| {
            index != module && scope.reachable.contains(&module) && scope.extended.contains(name)
        })
    }

    /// Why a bare name denotes nothing although imported modules declare
    /// a frame, trait or enum, or an enum variant, of that name: how to
    /// name it.
    pub(crate) fn unbound_object_hint(&self, name: &str) -> Option<String> {
        let modules = self.imported_declarers(name, None);
        let declarers: Vec<String> = modules.iter().map(|&m| self.qualifier(m)).collect();
        match declarers.as_slice() {
            [] => self.unbound_variant_hint(name),
            [namespace] => {
                let module = &self.module_scopes[modules[0]].name;
                Some(if self.namespace_of(modules[0]).is_some() {
                    format!(
                        "`{name}` belongs to module `{module}`: write `{namespace}.{name}`, or import it by name (`import … show {name}`)"
                    )
                } else {
                    format!(
                        "`{name}` belongs to module `{module}`: import it by name (`import … show {name}`)"
                    )
                })
            }
            [first, ..] => {
                let names: Vec<String> = declarers.iter().map(|m| format!("`{m}`")).collect();
                Some(format!(
                    "`{name}` is declared by modules {}; qualify it, as `{first}.{name}`",
                    names.join(" and "),
                ))
            }
        }
    }

    /// How this module names module `module` in a qualified name: the
    /// name an import binds to its namespace, else its last path part.
    fn qualifier(&self, module: usize) -> String {
        self.namespace_of(module).unwrap_or_else(|| {
            let name = &self.module_scopes[module].name;
            name.rsplit('.').next().unwrap_or(name).to_string()
        })
    }

    /// The name an import of this module binds to the namespace of
    /// module `module`, if one does.
    fn namespace_of(&self, module: usize) -> Option<String> {
        let mut names: Vec<&String> = self
            .imports
            .iter()
            .filter(
                |(_, binding)| matches!(binding, ImportBinding::Namespace(m, _) if *m == module),
            )
            .map(|(name, _)| name)
            .collect();
        names.sort();
        names.first().map(|name| (*name).clone())
    }

    /// Why a bare variant name denotes nothing: several enums in scope
    /// declare it, or only enums this module does not name bare do.
    fn unbound_variant_hint(&self, name: &str) -> Option<String> {
        let mut owners = self.variant_enums_in_scope(name);
        let in_scope = owners.len();
        if in_scope == 0 {
            owners = self.variant_enums_reachable(name);
        }
        if owners.is_empty() || in_scope == 1 {
            return None;
        }
        let qualified: Vec<String> = owners
            .iter()
            .map(|key| match key_module(key) {
                Some(module) if module != self.current_module => {
                    let enum_name = plain_name(key);
                    match self.namespace_of(module) {
                        Some(namespace) => format!("`{namespace}.{enum_name}.{name}`"),
                        None => format!("`{enum_name}.{name}` (with `import … show {enum_name}`)"),
                    }
                }
                _ => format!("`{}.{name}`", plain_name(key)),
            })
            .collect();
        Some(if in_scope > 1 {
            format!(
                "several enums declare variant `{name}`; qualify it: {}",
                qualified.join(" or ")
            )
        } else {
            format!(
                "no enum named in this module declares variant `{name}`; write {}",
                qualified.join(" or ")
            )
        })
    }

    /// The keys of the enums whose variant `name` may be written alone here:
    /// the current module's own enums declaring it if there are any, else
    /// those a `show`/`hide` import binds.
    pub(crate) fn variant_enums_in_scope(&self, name: &str) -> Vec<String> {
        let Some(owners) = self.objects.variant_owners.get(name) else {
            return Vec::new();
        };
        let own: Vec<String> = owners
            .iter()
            .filter(|key| key_module(key) == Some(self.current_module))
            .cloned()
            .collect();
        if !own.is_empty() {
            return own;
        }
        owners
            .iter()
            .filter(|key| {
                let enum_name = plain_name(key);
                matches!(
                    self.imports.get(enum_name),
                    Some(ImportBinding::Member(module, member))
                        if Some(*module) == key_module(key) && member == enum_name
                )
            })
            .cloned()
            .collect()
    }

    /// The keys of the public enums of the modules this one imports
    /// (directly or not) that declare variant `name` (for hints).
    fn variant_enums_reachable(&self, name: &str) -> Vec<String> {
        let (Some(owners), Some(scope)) = (
            self.objects.variant_owners.get(name),
            self.module_scopes.get(self.current_module),
        ) else {
            return Vec::new();
        };
        owners
            .iter()
            .filter(|key| {
                key_module(key).is_some_and(|m| {
                    scope.reachable.contains(&m)
                        && !self.module_scopes[m].private.contains(plain_name(key))
                })
            })
            .cloned()
            .collect()
    }

    fn resolve_in_function_or_globals(&self, name: &str) -> bool {
        self.functions.iter().any(|f| f.has_local(name))
            || self.globals.contains_key(name)
            || self.known_functions.contains_key(name)
    }
}

fn kind_word(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Frame => "frame",
        ObjectKind::Trait => "trait",
        ObjectKind::Enum => "enum",
    }
}

/// The modules `module` imports, directly or not.
pub(crate) fn reachable_from(graph: &ModuleGraph, module: usize) -> Vec<usize> {
    let mut seen = vec![false; graph.modules.len()];
    let mut stack = vec![module];
    let mut out = Vec::new();
    while let Some(m) = stack.pop() {
        for (_, _, target) in &graph.modules[m].imports {
            if let Some(t) = *target {
                if t != module && !seen[t] {
                    seen[t] = true;
                    out.push(t);
                    stack.push(t);
                }
            }
        }
    }
    out
}

/// Records the names of the type aliases of a file (also inside `module`
/// blocks): for exports and suggestions.
pub(crate) fn collect_aliases(stmts: &[Stmt], aliases: &mut FxHashSet<String>) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::TypeAlias(decl) => {
                aliases.insert(decl.name.name.clone());
            }
            StmtKind::ModuleBlock(block) => collect_aliases(&block.stmts, aliases),
            _ => {}
        }
    }
}

/// Records the `@private` names of a file (and those a `module` block
/// keeps from importers).
fn collect_private_names(stmts: &[Stmt], in_block: bool, scope: &mut ModuleScope) {
    for stmt in stmts {
        let (names, visibility): (Vec<String>, Visibility) = match &stmt.kind {
            StmtKind::Var(decl) => {
                let mut names = Vec::new();
                super::collect_target_names(&decl.target, &mut names);
                (names, decl.visibility)
            }
            StmtKind::Fn(decl) => (
                decl.name.iter().map(|n| n.name.clone()).collect(),
                decl.modifiers.visibility,
            ),
            StmtKind::Frame(decl) => (vec![decl.name.name.clone()], decl.visibility),
            StmtKind::Trait(decl) => (vec![decl.name.name.clone()], decl.visibility),
            StmtKind::Enum(decl) => (vec![decl.name.name.clone()], decl.visibility),
            StmtKind::TypeAlias(decl) => (vec![decl.name.name.clone()], decl.visibility),
            StmtKind::ModuleBlock(block) => {
                collect_private_names(&block.stmts, true, scope);
                continue;
            }
            _ => continue,
        };
        if crate::resolve::visibility::hidden_from_importers(visibility, in_block) {
            scope.private.extend(names);
        }
    }
}
