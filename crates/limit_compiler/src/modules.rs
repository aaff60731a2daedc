//! Finding and loading the modules a program imports (reference.md §10).
//!
//! `import std.name` is a standard module (gated by capabilities).
//! `import a.b.c` is served by the host's [`ModuleResolver`] when there is
//! one and it knows the name; otherwise it names the file `a/b/c.lm`,
//! looked up relative to the importing file's folder, then the current
//! working directory, then each folder of `LIMIT_PATH`. Every module is
//! parsed once, however many files import it; an import cycle is an error
//! naming the cycle.
//!
//! A session (the REPL, an embedding engine) keeps its loaded modules in a
//! [`SessionModules`] across chunks: a module runs once per session.

use limit_syntax::ast::{ImportDecl, Module, StmtKind};
use limit_syntax::{Diagnostic, FileId, SourceMap, Span};
use std::path::{Path, PathBuf};

/// One parsed source file of the program.
#[derive(Debug)]
pub struct LoadedModule {
    pub file: FileId,
    /// The module's short name (last path segment; `main` for the entry).
    pub name: String,
    pub ast: Module,
    /// For each import statement of this module (in source order): the
    /// statement and the index of the imported module (None if it failed).
    pub imports: Vec<ResolvedImport>,
}

/// An import statement, where it is, and the index of the module it
/// names (`None` when that failed).
pub type ResolvedImport = (ImportDecl, Span, Option<usize>);

/// All modules of a program and an order in which to run them.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    pub modules: Vec<LoadedModule>,
    /// Module indices, each after every module it imports; the entry last.
    pub order: Vec<usize>,
}

/// Serves modules from memory (an embedding application's): given the
/// dotted name of an import (`rules.pricing`), the module's source text,
/// or `None` to look further (the file system, when it may be searched).
pub type ModuleResolver = dyn Fn(&str) -> Option<String> + Send + Sync;

/// Parses `entry` and, transitively, everything it imports.
pub fn load_program(
    sources: &mut SourceMap,
    entry: FileId,
    capabilities: crate::capabilities::Capabilities,
) -> (ModuleGraph, Vec<Diagnostic>) {
    let mut loader = Loader {
        sources,
        capabilities,
        resolver: None,
        search_files: true,
        graph: ModuleGraph::default(),
        paths: Vec::new(),
        state: Vec::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    let entry_path = PathBuf::from(&loader.sources.get(entry).name);
    loader.visit_file(entry, canonical(&entry_path), "main".to_string());
    (loader.graph, loader.diagnostics)
}

/// The modules a session has loaded, kept between its chunks. Module 0
/// of the graph stands for the session itself (its chunks; it is in no
/// run order), so the graph's indices are the code generator's.
#[derive(Debug)]
pub struct SessionModules {
    pub graph: ModuleGraph,
    paths: Vec<PathBuf>,
    state: Vec<VisitState>,
}

impl Default for SessionModules {
    fn default() -> Self {
        SessionModules {
            graph: ModuleGraph {
                modules: vec![LoadedModule {
                    file: 0,
                    name: "session".to_string(),
                    ast: Module {
                        stmts: Vec::new(),
                        span: Span::new(0, 0, 0),
                    },
                    imports: Vec::new(),
                }],
                order: Vec::new(),
            },
            paths: vec![PathBuf::from("<session>")],
            state: vec![VisitState::Done],
        }
    }
}

/// Where a session's chunk may find the modules it imports.
pub struct SessionImports<'a> {
    /// What the chunk may reach (a standard module needing a capability
    /// it lacks is an error; without `fs`, no file is searched).
    pub capabilities: crate::capabilities::Capabilities,
    /// The host's modules, looked up before files.
    pub resolver: Option<&'a ModuleResolver>,
    /// The folder a relative import is looked up in first (the chunk's
    /// file's, or the working directory).
    pub folder: Option<&'a Path>,
}

impl SessionModules {
    /// How many modules are loaded (the session's own included): those
    /// at this index and beyond are loaded by a later chunk.
    pub fn len(&self) -> usize {
        self.graph.modules.len()
    }

    /// Never empty: module 0 is the session.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Loads what the import statements of `chunk` name (and what those
    /// modules import), once per session. Returns each import with the
    /// index of its module (`None` when it failed, with a diagnostic).
    pub fn load_imports(
        &mut self,
        sources: &mut SourceMap,
        chunk: &Module,
        how: &SessionImports<'_>,
    ) -> (Vec<ResolvedImport>, Vec<Diagnostic>) {
        let mut loader = Loader {
            sources,
            capabilities: how.capabilities,
            resolver: how.resolver,
            search_files: how.capabilities.fs,
            graph: std::mem::take(&mut self.graph),
            paths: std::mem::take(&mut self.paths),
            state: std::mem::take(&mut self.state),
            stack: Vec::new(),
            diagnostics: Vec::new(),
        };
        let folder = how
            .folder
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut resolved = Vec::new();
        for stmt in &chunk.stmts {
            if let StmtKind::Import(decl) = &stmt.kind {
                let target = loader.import(decl, stmt.span, &folder);
                resolved.push(((**decl).clone(), stmt.span, target));
            }
        }
        self.graph = loader.graph;
        self.paths = loader.paths;
        self.state = loader.state;
        (resolved, loader.diagnostics)
    }

    /// Forgets the modules loaded from index `len` on (a chunk that did
    /// not compile keeps nothing).
    pub fn truncate(&mut self, len: usize) {
        self.graph.modules.truncate(len);
        self.graph.order.retain(|&m| m < len);
        self.paths.truncate(len);
        self.state.truncate(len);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VisitState {
    InProgress,
    Done,
}

struct Loader<'a> {
    sources: &'a mut SourceMap,
    /// What the program may reach outside itself: a module needing a
    /// capability it lacks may not be imported.
    capabilities: crate::capabilities::Capabilities,
    /// The host's modules, looked up before files.
    resolver: Option<&'a ModuleResolver>,
    /// Whether imports may be looked up in the file system.
    search_files: bool,
    graph: ModuleGraph,
    /// Canonical path of each loaded module (same index as `graph.modules`).
    paths: Vec<PathBuf>,
    state: Vec<VisitState>,
    /// The chain of modules being loaded, for naming cycles.
    stack: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl Loader<'_> {
    /// Parses an already-registered file and loads its imports; returns its
    /// module index.
    fn visit_file(&mut self, file: FileId, path: PathBuf, name: String) -> usize {
        let text = self.sources.get(file).text.clone();
        let (ast, diagnostics) = limit_syntax::parse_source(&text, file);
        self.diagnostics.extend(diagnostics);
        let index = self.graph.modules.len();
        let imports: Vec<(ImportDecl, Span)> = ast
            .stmts
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Import(decl) => Some(((**decl).clone(), s.span)),
                _ => None,
            })
            .collect();
        self.graph.modules.push(LoadedModule {
            file,
            name,
            ast,
            imports: Vec::new(),
        });
        self.paths.push(path.clone());
        self.state.push(VisitState::InProgress);
        self.stack.push(index);

        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut resolved = Vec::new();
        for (decl, span) in imports {
            let target = self.import(&decl, span, &folder);
            resolved.push((decl, span, target));
        }
        self.graph.modules[index].imports = resolved;

        self.stack.pop();
        self.state[index] = VisitState::Done;
        self.graph.order.push(index);
        index
    }

    fn import(&mut self, decl: &ImportDecl, span: Span, folder: &Path) -> Option<usize> {
        let dotted: Vec<&str> = decl.path.iter().map(|p| p.name.as_str()).collect();
        if dotted.first() == Some(&"std") {
            return self.import_std(&dotted, span);
        }
        if let Some(resolver) = self.resolver {
            let dotted_name = dotted.join(".");
            if let Some(text) = resolver(&dotted_name) {
                let key = PathBuf::from(format!("<host>/{dotted_name}"));
                let file_name = format!("<host>/{}.lm", dotted.join("/"));
                return self.visit_source(key, file_name, text, &dotted, span);
            }
        }
        if !self.search_files {
            let message = format!("cannot find module `{}`", dotted.join("."));
            let hint = match self.resolver {
                Some(_) => "the host serves no module of that name, and files are not searched without the capability `fs`",
                None => "files are not searched without the capability `fs`; the host can serve modules (Engine::set_module_resolver)",
            };
            self.diagnostics
                .push(Diagnostic::error(span, message).with_hint(hint));
            return None;
        }
        let relative: PathBuf = dotted.iter().collect::<PathBuf>().with_extension("lm");
        let candidates = search_folders(folder);
        let Some(found) = candidates
            .iter()
            .map(|dir| dir.join(&relative))
            .find(|p| p.is_file())
        else {
            let looked: Vec<String> = candidates
                .iter()
                .map(|d| d.join(&relative).display().to_string())
                .collect();
            let nearby = modules_beside(&candidates, &relative);
            let missing = dotted.last().copied().unwrap_or_default();
            let message =
                match crate::suggest::did_you_mean(missing, nearby.iter().map(String::as_str)) {
                    Some(known) => {
                        let mut path = dotted[..dotted.len().saturating_sub(1)].to_vec();
                        path.push(known);
                        format!(
                            "cannot find module `{}`: did you mean `{}`?",
                            dotted.join("."),
                            path.join(".")
                        )
                    }
                    None => format!("cannot find module `{}`", dotted.join(".")),
                };
            self.diagnostics.push(
                Diagnostic::error(span, message)
                    .with_hint(format!("looked for {}", looked.join(", "))),
            );
            return None;
        };
        let key = canonical(&found);
        if let Some(existing) = self.loaded(&key, span) {
            return existing;
        }
        let text = match std::fs::read_to_string(&found) {
            Ok(text) => text,
            Err(error) => {
                self.diagnostics.push(Diagnostic::error(
                    span,
                    format!("cannot read module `{}`: {error}", found.display()),
                ));
                return None;
            }
        };
        let file_name = found.display().to_string();
        self.visit_source(key, file_name, text, &dotted, span)
    }

    /// The module loaded under `key` already, if any: `Some(None)` when
    /// importing it closes a cycle (reported here).
    fn loaded(&mut self, key: &Path, span: Span) -> Option<Option<usize>> {
        let existing = self.paths.iter().position(|p| *p == key)?;
        if self.state[existing] == VisitState::InProgress {
            let start = self.stack.iter().position(|&m| m == existing).unwrap_or(0);
            let mut cycle: Vec<String> = self.stack[start..]
                .iter()
                .map(|&m| self.graph.modules[m].name.clone())
                .collect();
            cycle.push(self.graph.modules[existing].name.clone());
            self.diagnostics.push(
                Diagnostic::error(span, format!("import cycle: {}", cycle.join(" -> ")))
                    .with_hint("move the shared declarations into a module both can import"),
            );
            return Some(None);
        }
        Some(Some(existing))
    }

    /// Registers and loads a module's source found under `key` (unless
    /// it is loaded already).
    fn visit_source(
        &mut self,
        key: PathBuf,
        file_name: String,
        text: String,
        dotted: &[&str],
        span: Span,
    ) -> Option<usize> {
        if let Some(existing) = self.loaded(&key, span) {
            return existing;
        }
        let file = self.sources.add(file_name, text);
        let name = dotted.last().copied().unwrap_or("module").to_string();
        Some(self.visit_file(file, key, name))
    }
}

impl Loader<'_> {
    /// `import std.name`: a standard module, resolved before the file
    /// system (§11b), if the embedder allows it.
    fn import_std(&mut self, dotted: &[&str], span: Span) -> Option<usize> {
        let full = dotted.join(".");
        let name = match dotted {
            [_, name] => *name,
            _ => "",
        };
        let Some(text) = crate::stdlib::source(name) else {
            let message =
                match crate::suggest::did_you_mean(name, crate::stdlib::NAMES.iter().copied()) {
                    Some(known) => {
                        format!("no standard module `{full}`: did you mean `std.{known}`?")
                    }
                    None => format!("no standard module `{full}`"),
                };
            self.diagnostics
                .push(Diagnostic::error(span, message).with_hint(format!(
                    "the standard modules are {}",
                    crate::stdlib::NAMES.map(|n| format!("std.{n}")).join(", ")
                )));
            return None;
        };
        if let Some(needed) = crate::capabilities::Capability::of_module(name) {
            if !self.capabilities.allows(needed) {
                self.diagnostics.push(
                    Diagnostic::error(
                        span,
                        crate::capabilities::denied_message(&format!("module `{full}`"), needed),
                    )
                    .with_hint(crate::capabilities::DENIED_HINT),
                );
                return None;
            }
        }
        let key = PathBuf::from(format!("<std>/{name}.lm"));
        if let Some(existing) = self.paths.iter().position(|p| *p == key) {
            return Some(existing);
        }
        let file = self
            .sources
            .add(key.display().to_string(), text.to_string());
        Some(self.visit_file(file, key, name.to_string()))
    }
}

/// Where `import` looks, in order.
/// The names of the modules (`.lm` files) in the folders an import of
/// `relative` looked in, for suggestions.
fn modules_beside(folders: &[PathBuf], relative: &Path) -> Vec<String> {
    let subfolder = relative.parent().unwrap_or(Path::new(""));
    let mut names: Vec<String> = folders
        .iter()
        .filter_map(|folder| std::fs::read_dir(folder.join(subfolder)).ok())
        .flatten()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension()? != "lm" {
                return None;
            }
            Some(path.file_stem()?.to_str()?.to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

fn search_folders(importer_folder: &Path) -> Vec<PathBuf> {
    let mut folders = vec![importer_folder.to_path_buf()];
    if let Ok(cwd) = std::env::current_dir() {
        folders.push(cwd);
    }
    if let Some(path) = std::env::var_os("LIMIT_PATH") {
        folders.extend(std::env::split_paths(&path));
    }
    folders.dedup();
    folders
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
