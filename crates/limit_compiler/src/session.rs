//! A compilation session: source chunks compiled one after another into one
//! growing [`Program`], each seeing what earlier chunks declared. The REPL
//! and the embedding API run each chunk's function on a VM that keeps its
//! globals between chunks.

use crate::codegen::session::{compile_chunk, Saved};
use crate::modules::{ModuleResolver, SessionImports, SessionModules};
use crate::session_history::History;
use crate::{check, optimize, CompileOptions};
use limit_bytecode::{ProgramExtent, ProgramUpdate};
use limit_syntax::{Diagnostic, SourceMap};
use std::path::PathBuf;
use std::sync::Arc;

/// Incremental compiler state.
#[derive(Default)]
pub struct Session {
    sources: SourceMap,
    saved: Saved,
    /// The chunks compiled so far, as far as they matter to later chunks
    /// (see [`History`]): each new chunk is checked in their context, as
    /// one file would be.
    history: History,
    options: CompileOptions,
    /// Host functions registered with a signature: the checker checks
    /// calls of them.
    host_signatures: std::sync::Arc<check::HostSignatures>,
    /// The signatures of the top-level functions the chunks declared.
    signatures: std::collections::HashMap<String, check::FunctionType>,
    /// The signatures of the top-level functions of each module the
    /// chunks imported, by the module's index in the session's graph.
    module_signatures:
        std::collections::HashMap<usize, std::collections::HashMap<String, check::FunctionType>>,
    /// The modules the chunks imported (each loaded and run once).
    modules: SessionModules,
    /// Serves modules from the host's memory, before files.
    resolver: Option<Arc<ModuleResolver>>,
    /// How far the program the chunks' updates described has reached.
    delivered: ProgramExtent,
    /// The files of the last chunk, when it was rejected: released when
    /// the next chunk comes (its diagnostics are rendered until then).
    rejected_files: Vec<limit_syntax::FileId>,
}

/// A successfully compiled chunk.
#[derive(Debug)]
pub struct Chunk {
    /// What the chunk added to the session's program (earlier chunks'
    /// functions keep their indices): apply it to the program the VM
    /// runs (`Vm::load`), or make the first program of it.
    pub update: ProgramUpdate,
    /// The function that runs this chunk's top-level code.
    pub function: usize,
    /// Warnings.
    pub warnings: Vec<Diagnostic>,
}

impl Session {
    /// A session compiling with `options`.
    pub fn new(options: CompileOptions) -> Session {
        Session {
            options,
            ..Session::default()
        }
    }

    /// Grant `capabilities` to the chunks compiled from now on (see
    /// [`CompileOptions::capabilities`]).
    pub fn set_capabilities(&mut self, capabilities: crate::capabilities::Capabilities) {
        self.options.capabilities = capabilities;
    }

    /// The capabilities granted to the chunks compiled from now on.
    pub fn capabilities(&self) -> crate::capabilities::Capabilities {
        self.options.capabilities
    }

    /// Serve `import a.b` from the host: `resolver` gets the dotted name
    /// and gives the module's source, or `None` to look further (files,
    /// searched only with the capability `fs`). Standard modules
    /// (`std.…`) are never asked for.
    pub fn set_module_resolver(&mut self, resolver: Option<Arc<ModuleResolver>>) {
        self.resolver = resolver;
    }

    /// The program the chunks compiled into (functions released since
    /// are placeholders).
    pub fn program(&self) -> &limit_bytecode::Program {
        self.saved.program()
    }

    /// The static type the checker gives expression `text` (named `name`
    /// in diagnostics), checked as a chunk after every chunk so far, as
    /// a file would be (`any` when not known); `None` when `text` is not
    /// one expression. Nothing of it is kept (its file is released when
    /// the next chunk comes, as a rejected chunk's is).
    pub fn static_type(
        &mut self,
        name: &str,
        text: &str,
    ) -> Result<Option<String>, Vec<Diagnostic>> {
        use limit_syntax::ast::StmtKind;
        for file in std::mem::take(&mut self.rejected_files) {
            self.sources.release(file);
        }
        let files_before = self.sources.files().len();
        let file = self.sources.add(name, text);
        self.rejected_files = self.sources.take_reused();
        self.rejected_files
            .extend((files_before..self.sources.files().len()).map(|f| f as limit_syntax::FileId));
        let (ast, diagnostics) = limit_syntax::parse_source(text, file);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        let [stmt] = ast.stmts.as_slice() else {
            return Ok(None);
        };
        let StmtKind::Expr { expr, .. } = &stmt.kind else {
            return Ok(None);
        };
        let loaded = self.modules.len();
        let checked = check::check_session_chunk(
            &self.history.chunks,
            &ast,
            &self.sources,
            true,
            self.host_signatures.clone(),
            &mut self.modules.graph,
            loaded,
        );
        if checked.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(checked.diagnostics);
        }
        Ok(Some(
            checked
                .types
                .type_of(expr.id)
                .map_or_else(|| "any".to_string(), ToString::to_string),
        ))
    }

    /// The sources of every chunk so far (for rendering diagnostics).
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// Declares `name` as a global whose value the host supplies (the
    /// embedding API's host functions): later chunks can use and call it,
    /// but not assign it. Returns the global's index in the program; it
    /// exists in the program of the next compiled chunk.
    pub fn declare_host_global(&mut self, name: &str) -> usize {
        let global = self.saved.declare_host_global(name);
        let hosts = std::sync::Arc::make_mut(&mut self.host_signatures);
        hosts.functions.remove(name);
        hosts.globals.insert(name.to_string(), global);
        global as usize
    }

    /// Declares `name` as a host function (see
    /// [`Session::declare_host_global`]) whose calls the checker checks
    /// against `signature`: the argument count, each argument's type, and
    /// the result's type.
    pub fn declare_host_function(&mut self, name: &str, signature: check::FunctionType) -> usize {
        let global = self.saved.declare_host_global(name);
        let hosts = std::sync::Arc::make_mut(&mut self.host_signatures);
        hosts.functions.insert(name.to_string(), signature);
        hosts.globals.insert(name.to_string(), global);
        global as usize
    }

    /// Declare host type `name` (`Engine::register_type`): annotations
    /// naming it denote its objects, and the checker checks the use of
    /// its members against `info`. Declaring a name again replaces it.
    pub fn declare_host_type(&mut self, name: &str, info: check::HostTypeInfo) {
        self.saved.declare_host_type(name);
        std::sync::Arc::make_mut(&mut self.host_signatures)
            .types
            .insert(name.to_string(), info);
    }

    /// The static signature of top-level function `name` declared by an
    /// earlier chunk (unannotated parameters are `any`).
    /// A function a chunk imported is named as a chunk names it: the
    /// member a `show` import binds (`round`), or `namespace.member`
    /// (`combat.round`).
    pub fn function_signature(&self, name: &str) -> Option<&check::FunctionType> {
        match self.saved.locate(name)? {
            (0, member) => self.signatures.get(member),
            (module, member) => self.module_signatures.get(&module)?.get(member),
        }
    }

    /// The function index of top-level function `name` declared by an
    /// earlier chunk, or by a module a chunk imported (named as in
    /// [`Session::function_signature`]).
    pub fn function_index(&self, name: &str) -> Option<usize> {
        self.saved.function_index(name).map(|i| i as usize)
    }

    /// Whether enough functions were made since the last release for
    /// [`Session::release_functions`] to be worth its cost (after each
    /// run: the host asks the VM which functions its values hold only
    /// then).
    pub fn release_due(&self) -> bool {
        self.saved.release_due()
    }

    /// Releases the functions nothing can call any more (issue 18; see
    /// `release.rs`): `held` are those the VM's values hold
    /// (`Vm::functions_held`), asked while the VM is idle. The next
    /// chunk's update tells the VM, and compiles into the freed slots.
    /// Returns how many were released.
    pub fn release_functions(&mut self, held: &[u32]) -> usize {
        let released = self.saved.release_functions(held);
        self.release_files();
        released
    }

    /// Releases the source files nothing refers to any more: no function
    /// left in the program was compiled from it, no chunk later chunks are
    /// checked against (the history) is in it, and no module of the
    /// session is. A later chunk takes its id (`SourceMap::add`), and its
    /// update renames the file in the VM, so the files follow what is
    /// live. (A runtime error's trace copies file names, so it keeps
    /// naming the file it happened in.)
    fn release_files(&mut self) {
        let mut live = vec![false; self.sources.files().len()];
        let mut keep = |file: limit_syntax::FileId| {
            if let Some(live) = live.get_mut(file as usize) {
                *live = true;
            }
        };
        let program = self.saved.program_mut();
        for function in program.functions.iter().filter(|f| !f.is_released()) {
            keep(function.file);
        }
        for chunk in &self.history.chunks {
            keep(chunk.span.file);
        }
        for module in &self.modules.graph.modules {
            keep(module.file);
        }
        for (file, live) in live.into_iter().enumerate() {
            if !live {
                self.sources.release(file as limit_syntax::FileId);
            }
        }
    }

    /// Keeps top-level function `index` callable for the session's life,
    /// even once a later chunk redeclares it (the host holds a handle).
    pub fn pin_function(&mut self, index: usize) {
        self.saved.pin_function(index as u32);
    }

    /// The global index of top-level variable `name` declared by an
    /// earlier chunk (or by `declare_host_global`), or by a module a chunk
    /// imported (named as in [`Session::function_signature`]).
    pub fn global_index(&self, name: &str) -> Option<usize> {
        self.saved.global_index(name).map(|i| i as usize)
    }

    /// Compiles `text` (named `name` in diagnostics). With `echo`, a final
    /// expression statement's value becomes the chunk function's result.
    /// On error nothing of the chunk is kept.
    ///
    /// Its imports are loaded as a program's are (a relative one looked up
    /// in the working directory); each module runs once per session, when
    /// the first chunk importing it runs.
    pub fn compile(
        &mut self,
        name: &str,
        text: &str,
        echo: bool,
    ) -> Result<Chunk, Vec<Diagnostic>> {
        self.compile_in(name, text, echo, None)
    }

    /// [`Session::compile`], relative imports looked up in `folder` first
    /// (a file's chunk: the file's folder).
    pub fn compile_in(
        &mut self,
        name: &str,
        text: &str,
        echo: bool,
        folder: Option<PathBuf>,
    ) -> Result<Chunk, Vec<Diagnostic>> {
        for file in std::mem::take(&mut self.rejected_files) {
            self.sources.release(file);
        }
        let files_before = self.sources.files().len();
        let compiled = self.compile_files(name, text, echo, folder);
        if compiled.is_err() {
            // The chunk's file and the files of modules it loaded: kept
            // for its diagnostics until the next chunk.
            let appended = files_before..self.sources.files().len();
            self.rejected_files = self.sources.take_reused();
            self.rejected_files
                .extend(appended.map(|file| file as limit_syntax::FileId));
        }
        compiled
    }

    fn compile_files(
        &mut self,
        name: &str,
        text: &str,
        echo: bool,
        folder: Option<PathBuf>,
    ) -> Result<Chunk, Vec<Diagnostic>> {
        let file = self.sources.add(name, text);
        let (ast, mut diagnostics) = limit_syntax::parse_source(text, file);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics);
        }
        let loaded_before = self.modules.len();
        let earlier_imports = self.modules.graph.modules[0].imports.len();
        let how = SessionImports {
            capabilities: self.options.capabilities,
            resolver: self.resolver.as_deref(),
            folder: folder.as_deref(),
        };
        let (imports, found) = self.modules.load_imports(&mut self.sources, &ast, &how);
        diagnostics.extend(found);
        if diagnostics.iter().any(Diagnostic::is_error) {
            self.modules.truncate(loaded_before);
            return Err(diagnostics);
        }
        self.modules.graph.modules[0]
            .imports
            .extend(imports.iter().cloned());
        let checked = check::check_session_chunk(
            &self.history.chunks,
            &ast,
            &self.sources,
            echo,
            self.host_signatures.clone(),
            &mut self.modules.graph,
            loaded_before,
        );
        diagnostics.extend(checked.diagnostics);
        let signatures = checked.signatures;
        let module_signatures = checked.module_signatures;
        let checkpoint = self.saved.checkpoint();
        let (compiled, more) = compile_chunk(
            &mut self.saved,
            &ast,
            &self.sources,
            echo,
            (checked.types, checked.bindings),
            self.options.capabilities,
            (&self.modules.graph, loaded_before, &imports),
        );
        diagnostics.extend(more);
        crate::order_diagnostics(&mut diagnostics);
        match compiled {
            Some(function) if !diagnostics.iter().any(Diagnostic::is_error) => {
                self.history.push(ast);
                self.signatures = signatures;
                self.module_signatures.extend(module_signatures);
                let appended = self.delivered.functions..self.saved.program_mut().functions.len();
                let refilled = self.saved.refilled_slots();
                let program = self.saved.program_mut();
                if self.options.optimize {
                    let filled = appended.clone().chain(refilled.iter().map(|&f| f as usize));
                    for index in filled {
                        optimize::optimize_function(program, index);
                    }
                }
                program.main = function as usize;
                self.saved.accept_chunk(appended);
                let released = self.saved.take_released();
                let program = self.saved.program_mut();
                // Files given released ids: their names, here and in
                // the update for the VM (appended ones come with it).
                let mut renamed_files = Vec::new();
                for file in self.sources.take_reused() {
                    let name = self.sources.get(file).name.clone();
                    if (file as usize) < self.delivered.files {
                        renamed_files.push((file, name.clone()));
                    }
                    if let Some(slot) = program.files.get_mut(file as usize) {
                        *slot = name;
                    }
                }
                let refilled_constants = self.saved.take_refilled_constants();
                let program = self.saved.program_mut();
                let mut update =
                    ProgramUpdate::since_releasing(program, self.delivered, released, &refilled);
                update.renamed_files = renamed_files;
                update.refilled_constants = refilled_constants
                    .into_iter()
                    .filter(|&k| (k as usize) < self.delivered.constants)
                    .filter_map(|k| Some((k, program.constants.get(k as usize)?.clone())))
                    .collect();
                self.delivered = ProgramExtent::of(program);
                Ok(Chunk {
                    update,
                    function: function as usize,
                    warnings: diagnostics,
                })
            }
            _ => {
                self.saved.rollback(checkpoint);
                self.modules.truncate(loaded_before);
                self.modules.graph.modules[0]
                    .imports
                    .truncate(earlier_imports);
                Err(diagnostics)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(result: Result<Chunk, Vec<Diagnostic>>) -> Vec<String> {
        match result {
            Ok(_) => Vec::new(),
            Err(diagnostics) => diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .map(|d| d.message)
                .collect(),
        }
    }

    #[test]
    fn a_module_block_of_an_earlier_chunk_is_named_through_its_name() {
        let mut session = Session::default();
        let block = "module tools { var hits = 0; fn twice(n: int): int { return n * 2; } }";
        assert!(errors(session.compile("<1>", block, true)).is_empty());
        let found = errors(session.compile("<2>", "var s: str = tools.twice(2)", true));
        assert!(
            found
                .iter()
                .any(|m| m.contains("expects `str`, found `int`")),
            "{found:?}"
        );
        let bump = "fn bump(): int { tools.hits += 1; return tools.hits; }";
        assert!(errors(session.compile("<3>", bump, true)).is_empty());
        let found = errors(session.compile("<4>", "tools.nothing", true));
        assert!(
            found.iter().any(|m| m.contains("has no member `nothing`")),
            "{found:?}"
        );
    }

    #[test]
    fn a_chunk_is_checked_with_the_earlier_chunks_definitions() {
        let mut session = Session::default();
        assert!(errors(session.compile("<1>", "var r = parse_int(\"x\");", true)).is_empty());
        let found = errors(session.compile("<2>", "r + 1", true));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("without handling its error"), "{found:?}");
        // The rejected chunk is forgotten; the accepted ones stay context.
        assert!(errors(session.compile("<3>", "fn f(): int? { return err(A); }", true)).is_empty());
        let found = errors(session.compile("<4>", "fn h(): int?B { return ok(f()?); }", true));
        assert!(
            found.iter().any(|m| m.contains("propagates `A`")),
            "{found:?}"
        );
    }

    #[test]
    fn error_sets_of_overrides_across_chunks() {
        // An override in an earlier chunk widens its parent's inferred
        // error set for later chunks' callers, as in one file (§6 × §7).
        let mut session = Session::default();
        let frames = "frame P { pub fn get(): int? { return 1; } }\n\
                      frame Q : P { pub fn get(): int? { return err(C); } }";
        assert!(errors(session.compile("<1>", frames, true)).is_empty());
        let narrow = "fn g(p: P): int?A { return p.get()?; }";
        let found = errors(session.compile("<2>", narrow, true));
        assert!(
            found.iter().any(|m| m.contains("`?` propagates `C`")),
            "{found:?}"
        );
        let covered = "fn h(p: P): int?C { return p.get()?; }";
        assert!(errors(session.compile("<3>", covered, true)).is_empty());
        // A later chunk's override cannot widen it: `h` was accepted with
        // the set the earlier chunk gave (`C`).
        let wider = "frame R : P { pub fn get(): int? { return err(D); } }";
        let found = errors(session.compile("<4>", wider, true));
        assert!(
            found.iter().any(|m| m.contains(
                "`R.get` may return `D`, which the method it overrides, `P.get`, cannot return"
            )),
            "{found:?}"
        );
        let within = "frame S : P { pub fn get(): int? { return err(C); } }";
        assert!(errors(session.compile("<5>", within, true)).is_empty());
    }

    #[test]
    fn an_echoed_fallible_value_is_used_but_a_dropped_one_is_not() {
        let mut session = Session::default();
        assert!(errors(session.compile("<1>", "parse_int(\"5\")", true)).is_empty());
        let found = errors(session.compile("<2>", "parse_int(\"5\"); print(1)", true));
        assert!(found.iter().any(|m| m.contains("is ignored")), "{found:?}");
    }

    #[test]
    fn a_widening_in_an_earlier_chunk_holds_for_later_ones() {
        let mut session = Session::default();
        assert!(errors(session.compile("<1>", "var xs = [1]", true)).is_empty());
        assert!(errors(session.compile("<2>", "xs.push(\"a\")", true)).is_empty());
        // As in one file: the push widened `xs`, so its elements are `any`.
        assert!(errors(session.compile("<3>", "var s: str = xs[1]", true)).is_empty());
    }

    #[test]
    fn earlier_functions_are_checked_against_by_their_signatures() {
        // Later chunks see `twice` without its body (`EarlierChunks`), and
        // `load`, a plain `T?`, with it: its error set is inferred.
        let mut session = Session::default();
        let twice = "fn twice(n: int): int { return n * 2; }";
        assert!(errors(session.compile("<1>", twice, true)).is_empty());
        let load = "fn load(s: str): int? {\n    if (s == \"\") { return err(Empty); }\n    return ok(1);\n}";
        assert!(errors(session.compile("<2>", load, true)).is_empty());
        let result = errors(session.compile("<3>", "var s: str = twice(2)", true));
        assert!(
            result
                .iter()
                .any(|e| e.contains("variable `s` expects `str`, found `int`")),
            "{result:?}"
        );
        let argument = errors(session.compile("<4>", "twice(\"x\")", true));
        assert!(
            argument
                .iter()
                .any(|e| e.contains("argument `n` of `twice` expects `int`, found `str`")),
            "{argument:?}"
        );
        let narrow = "fn b(): int?Other { return ok(load(\"\")?); }";
        let propagated = errors(session.compile("<5>", narrow, true));
        assert!(
            propagated
                .iter()
                .any(|e| e.contains("`?` propagates `Empty`")),
            "{propagated:?}"
        );
        let fine = "var n: int = twice(load(\"x\") ?else { 0 })";
        let fine = errors(session.compile("<6>", fine, true));
        assert!(fine.is_empty(), "{fine:?}");
    }

    #[test]
    fn chunks_that_declare_and_touch_nothing_are_not_rechecked() {
        let mut session = Session::default();
        assert!(
            errors(session.compile("<f>", "fn f(x: int): int { return x + 1; }", true)).is_empty()
        );
        assert!(errors(session.compile("<v>", "var total = 0", true)).is_empty());
        for n in 0..200 {
            let text = if n % 2 == 0 { "print(f(1))" } else { "6 * 7" };
            assert!(errors(session.compile("<n>", text, true)).is_empty());
        }
        assert!(errors(session.compile("<t>", "total += f(2)", true)).is_empty());
        // The two declarations and the statement naming `total`.
        assert_eq!(session.history.chunks.len(), 3);
        assert_eq!(session.history.statements(), 3);
        // Later chunks still see all three.
        let found = errors(session.compile("<s>", "var s: str = total", true));
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn reading_and_repeated_statements_are_not_kept_for_later_checks() {
        let mut session = Session::default();
        let ok = |session: &mut Session, text: &str| {
            assert!(
                errors(session.compile("<c>", text, true)).is_empty(),
                "{text}"
            );
        };
        ok(&mut session, "var xs = [1]\nvar t = 0\nvar u = 1");
        for n in 0..100 {
            // Reads, repeats and the same with another literal.
            ok(&mut session, &format!("print(xs.len() + xs[0] + {n})"));
            ok(&mut session, &format!("t += {n}"));
            ok(&mut session, &format!("var v = {n}"));
            ok(&mut session, "xs.push(u)");
        }
        // The declarations, one `t += …`, one `var v`, one push.
        assert_eq!(session.history.statements(), 6);
        let ty = |session: &mut Session, text: &str| {
            session
                .static_type("<t>", text)
                .expect("checks")
                .expect("an expression")
        };
        assert_eq!(ty(&mut session, "xs[0]"), "int");
        assert_eq!(ty(&mut session, "v"), "int");
        // What a kept push stores is what it widens with: once `u` is
        // widened by a later chunk, so is `xs`, as in one file.
        ok(&mut session, "u = \"s\"");
        assert_eq!(ty(&mut session, "xs[0]"), "any");
        // A literal of another kind is another statement.
        ok(&mut session, "t += 1.5");
        assert_eq!(ty(&mut session, "t"), "any");
        // A redeclaration reading the earlier variable is kept each time.
        ok(&mut session, "var w = 1");
        let before = session.history.statements();
        for _ in 0..3 {
            ok(&mut session, "var w = [w]");
        }
        assert_eq!(session.history.statements(), before + 3);
        // After a function is declared again, a statement naming it is
        // checked against the new one.
        ok(&mut session, "fn f(): int { return 1; }\nvar r = f()");
        ok(&mut session, "fn f(): str { return \"s\"; }\nvar r = f()");
        assert_eq!(ty(&mut session, "r"), "str");
    }

    #[test]
    fn each_chunk_delivers_only_what_it_added() {
        let mut session = Session::default();
        let first = session.compile("<f>", "fn f(x: int): int { return x + 1; }", true);
        let first = first.expect("compiles");
        let mut reached = first.update.since.functions + first.update.functions.len();
        for n in 0..100 {
            let text = format!("print(f({n}) + [1, 2].map(fn(x) {{ return x * 2; }})[0])");
            let chunk = session.compile("<n>", &text, true).expect("compiles");
            // The chunk's own function and its one function literal.
            assert_eq!(chunk.update.since.functions, reached, "chunk {n}");
            assert_eq!(chunk.update.functions.len(), 2, "chunk {n}");
            reached += 2;
        }
        // A rejected chunk leaves nothing behind: the next starts where
        // the last accepted one ended.
        assert!(session
            .compile("<bad>", "fn g(): int { return \"s\"; }", true)
            .is_err());
        let next = session
            .compile("<ok>", "print(f(1))", true)
            .expect("compiles");
        assert_eq!(next.update.since.functions, reached);
    }

    #[test]
    fn released_slots_are_filled_again_and_named_functions_kept() {
        let mut session = Session::default();
        let first = session
            .compile(
                "<f>",
                "fn f(): int { return 1; }\nvar g = fn(): int { return 2; }",
                true,
            )
            .expect("compiles");
        let f = session.function_index("f").expect("declared");
        let mut reached = first.update.since.functions + first.update.functions.len();
        for n in 0..300 {
            let text = format!("[{n}].map(fn(x: int): int {{ return x + 1; }})[0]");
            let chunk = session.compile("<n>", &text, true).expect("compiles");
            reached += chunk.update.functions.len();
        }
        assert!(session.release_due());
        // Nothing holds the literals but `g`'s (the VM would report it).
        let g = first
            .update
            .functions
            .iter()
            .position(|p| p.name == "<lambda>");
        let g = (first.update.since.functions + g.expect("g's literal")) as u32;
        let released = session.release_functions(&[g]);
        // Every later chunk's code and literal, and the first chunk's
        // code; not `f`, nor `g`'s literal.
        assert_eq!(released, 2 * 300 + 1);
        let next = session
            .compile(
                "<next>",
                "[1].map(fn(x: int): int { return f() + x; })[0]",
                true,
            )
            .expect("compiles");
        assert_eq!(next.update.released.len(), released);
        assert!(next.update.functions.is_empty(), "no slot appended");
        assert_eq!(next.update.since.functions, reached);
        // Its code and its literal went into released slots, the lowest.
        let mut refilled: Vec<u32> = next.update.refilled.iter().map(|(slot, _)| *slot).collect();
        refilled.sort_unstable();
        assert_eq!(refilled.len(), 2);
        assert!(!refilled.contains(&(f as u32)) && !refilled.contains(&g));
        assert!(next.function < reached);
        // A rejected chunk gives its refilled slots back.
        assert!(session
            .compile("<bad>", "[1].map(fn(x: int): str { return x; })", true)
            .is_err());
        let after = session
            .compile("<after>", "[2].map(fn(x: int): int { return x; })[0]", true)
            .expect("compiles");
        assert!(after.update.functions.is_empty());
        assert_eq!(after.update.refilled.len(), 2);
    }

    #[test]
    fn released_constants_are_filled_again_and_live_ones_kept() {
        use limit_bytecode::program::Constant;
        let mut session = Session::default();
        session
            .compile("<f>", "fn f(): str { return \"kept\"; }", true)
            .expect("compiles");
        for n in 0..300 {
            let text = format!("\"c{n}\".len()");
            session.compile("<n>", &text, true).expect("compiles");
        }
        let before = session.program().constants.len();
        assert!(session.release_functions(&[]) > 0);
        let constants = &session.program().constants;
        // `f`'s string stays; the chunks' own are released.
        assert!(constants.contains(&Constant::Str("kept".into())));
        assert!(!constants.contains(&Constant::Str("c7".into())));
        let next = session
            .compile("<next>", "\"new\".len() + 987654", true)
            .expect("compiles");
        assert!(next.update.constants.is_empty(), "no constant appended");
        let refilled: Vec<&Constant> = next
            .update
            .refilled_constants
            .iter()
            .map(|(_, c)| c)
            .collect();
        assert!(
            refilled.contains(&&Constant::Str("new".into())),
            "{refilled:?}"
        );
        assert_eq!(session.program().constants.len(), before);
        // A rejected chunk gives its refilled slots back, and its
        // constants are not found by later chunks.
        assert!(session
            .compile("<bad>", "var s: int = \"rejected\"", true)
            .is_err());
        let after = session
            .compile("<after>", "\"rejected\".len()", true)
            .expect("compiles");
        let (slot, constant) = &after.update.refilled_constants[0];
        assert_eq!(constant, &Constant::Str("rejected".into()));
        assert_eq!(session.program().constants[*slot as usize], *constant);
        assert!(after.update.constants.is_empty());
    }

    #[test]
    fn a_chunk_is_resolved_with_the_earlier_chunks_names() {
        use crate::resolve::{Binding, DefKind};
        let mut session = Session::default();
        let earlier = "var base = 1\nfn twice(n: int): int { return n * 2; }";
        assert!(errors(session.compile("<1>", earlier, true)).is_empty());
        let first = session.history.chunks[0].span.file;
        let text = "fn f(k: int): int { return twice(k) + base; }";
        let file = session.sources.add("<2>", text);
        let (chunk, _) = limit_syntax::parse_source(text, file);
        let checked = check::check_session_chunk(
            &session.history.chunks,
            &chunk,
            &session.sources,
            true,
            session.host_signatures.clone(),
            &mut session.modules.graph,
            1,
        );
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let mut outer: Vec<Binding> = checked
            .bindings
            .uses()
            .filter(|(id, binding)| id.file == file && !matches!(binding, Binding::Local(_)))
            .map(|(_, binding)| binding)
            .collect();
        outer.sort_by_key(|binding| matches!(binding, Binding::Global(_)));
        match outer.as_slice() {
            [Binding::TopLevel {
                decl: function,
                kind: DefKind::Function,
                ..
            }, Binding::Global(variable)] => {
                assert_eq!((function.file, variable.file), (first, first));
            }
            other => panic!("`twice` and `base` bound to {other:?}"),
        }
    }
}
