//! The top-level declarations of every module of a program, gathered
//! before any body is walked: what a bare name may denote beyond the
//! locals around it (a module's own variables, functions, frames, enums,
//! traits and aliases; what its imports bind; the fields and statics of
//! the frames its methods belong to).

use super::bindings::{Binding, DeclId, DefKind};
use super::visibility::hidden_from_importers;
use crate::modules::ModuleGraph;
use limit_syntax::ast::*;
use limit_syntax::span::FileId;
use limit_syntax::SourceMap;
use rustc_hash::{FxHashMap, FxHashSet};

/// One top-level declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopLevel {
    pub kind: DefKind,
    /// The declaring name's id.
    pub decl: DeclId,
    /// Hidden from importers (`@private`, or `@protected` in a block).
    pub hidden: bool,
    /// A variable first assigned (`x = v`) rather than declared: it is
    /// not the module's own when an import binds the name.
    pub implicit: bool,
}

/// What a frame's methods may name bare (LANGUAGE §7): its instance
/// fields, its static fields and methods, and its parent's.
#[derive(Clone, Debug)]
pub struct FrameShape {
    /// The frame's name's id.
    pub decl: DeclId,
    pub fields: Vec<(String, DeclId)>,
    pub statics: Vec<(String, DeclId)>,
    /// Its instance methods (not bare members; for tools).
    pub methods: Vec<(String, DeclId)>,
    /// Its first parent's name as written (for tools).
    pub parent: Option<String>,
    /// Its parents as written: the namespace qualifying each (`lib` of
    /// `lib.P`), and the name.
    pub supers: Vec<(Option<String>, String)>,
    /// The frame its parents name, found where it is declared (see
    /// [`ModuleEnv::link_frames`]): a parent `lib.P` is the declaration
    /// module `lib` makes, even where another frame is called `P`.
    pub parent_decl: Option<DeclId>,
}

/// The top-level declarations of one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleFacts {
    pub file: FileId,
    /// Variables (the first declaration of each name; top-level `x = …`
    /// declares too), functions, frames, traits, enums, aliases; a later
    /// declaration of a function replaces an earlier one.
    pub names: FxHashMap<String, TopLevel>,
    pub frames: FxHashMap<String, FrameShape>,
    /// Variant names of its enums, with their declaring ids (the first
    /// enum's, for a name several declare).
    pub variants: FxHashMap<String, DeclId>,
    /// Variant names two or more of its enums declare: none is the
    /// variant written alone (LANGUAGE §8, "`Red` when unambiguous").
    pub ambiguous_variants: FxHashSet<String>,
    /// Each enum's variants (by the enum's name), with their declaring ids.
    pub enum_variants: FxHashMap<String, Vec<(String, DeclId)>>,
    /// Its outermost `module` blocks, by name, with their names' ids.
    pub blocks: FxHashMap<String, DeclId>,
    /// What `block.name` denotes, per block (by its name's id, nested
    /// blocks too): its functions, its variables and the blocks nested in
    /// it.
    pub block_members: FxHashMap<DeclId, FxHashMap<String, Binding>>,
}

impl ModuleFacts {
    /// Gathers the top-level declarations of `stmts` (module blocks
    /// included: their declarations are the module's).
    pub fn gather(file: FileId, stmts: &[Stmt]) -> ModuleFacts {
        let mut facts = ModuleFacts {
            file,
            ..ModuleFacts::default()
        };
        facts.add(stmts, false);
        facts
    }

    fn add(&mut self, stmts: &[Stmt], in_block: bool) {
        for stmt in stmts {
            let (kind, name, visibility) = match &stmt.kind {
                StmtKind::Var(decl) => {
                    let mut names = Vec::new();
                    target_idents(&decl.target, &mut names);
                    let hidden = hidden_from_importers(decl.visibility, in_block);
                    for name in names {
                        self.names.entry(name.name.clone()).or_insert(TopLevel {
                            kind: DefKind::Variable,
                            decl: name.id,
                            hidden,
                            implicit: false,
                        });
                    }
                    continue;
                }
                StmtKind::Assign {
                    target,
                    op: AssignOp::Assign,
                    ..
                } => {
                    if let ExprKind::Ident(name) = &target.kind {
                        self.names.entry(name.clone()).or_insert(TopLevel {
                            kind: DefKind::Variable,
                            decl: target.id,
                            hidden: false,
                            implicit: true,
                        });
                    }
                    continue;
                }
                StmtKind::ModuleBlock(block) => {
                    if !in_block {
                        self.blocks
                            .entry(block.name.name.clone())
                            .or_insert(block.name.id);
                    }
                    let members = block_members(self.file, &block.stmts);
                    self.block_members.insert(block.name.id, members);
                    self.add(&block.stmts, true);
                    continue;
                }
                StmtKind::Fn(decl) => match &decl.name {
                    Some(name) => (DefKind::Function, name, decl.modifiers.visibility),
                    None => continue,
                },
                StmtKind::Frame(frame) => {
                    self.frames
                        .insert(frame.name.name.clone(), frame_shape(frame));
                    (DefKind::Frame, &frame.name, frame.visibility)
                }
                StmtKind::Trait(decl) => (DefKind::Trait, &decl.name, decl.visibility),
                StmtKind::Enum(decl) => {
                    self.add_variants(&decl.name.name, &decl.variants);
                    (DefKind::Enum, &decl.name, decl.visibility)
                }
                StmtKind::TypeAlias(decl) => {
                    // An inline tagged union's variants are an enum's.
                    if let TypeKind::Tagged(variants) = &decl.ty.kind {
                        self.add_variants(&decl.name.name, variants);
                    }
                    (DefKind::Alias, &decl.name, decl.visibility)
                }
                _ => continue,
            };
            let entry = TopLevel {
                kind,
                decl: name.id,
                hidden: hidden_from_importers(visibility, in_block),
                implicit: false,
            };
            match kind {
                // A later top-level function replaces an earlier one.
                DefKind::Function => {
                    self.names.insert(name.name.clone(), entry);
                }
                _ => {
                    self.names.entry(name.name.clone()).or_insert(entry);
                }
            }
        }
    }
}

impl ModuleFacts {
    /// The variants of enum (or inline tagged union) `name`.
    fn add_variants(&mut self, name: &str, variants: &[VariantDecl]) {
        // An enum declared again under its name is no second owner.
        let another_enum = !self.enum_variants.contains_key(name);
        for variant in variants {
            let known = self.variants.contains_key(&variant.name.name);
            if known && another_enum {
                self.ambiguous_variants.insert(variant.name.name.clone());
            }
            self.variants
                .entry(variant.name.name.clone())
                .or_insert(variant.name.id);
        }
        self.enum_variants
            .entry(name.to_string())
            .or_insert_with(|| {
                variants
                    .iter()
                    .map(|v| (v.name.name.clone(), v.name.id))
                    .collect()
            });
    }
}

/// The members of a `module` block of the module in `file` (its
/// statements `stmts`): a variable is the first declaration of its name
/// (a global of the module), a function the last (as at the top level),
/// and a nested block its name.
fn block_members(file: FileId, stmts: &[Stmt]) -> FxHashMap<String, Binding> {
    let mut members = FxHashMap::default();
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Var(decl) => {
                let mut names = Vec::new();
                target_idents(&decl.target, &mut names);
                for name in names {
                    members
                        .entry(name.name.clone())
                        .or_insert(Binding::Global(name.id));
                }
            }
            StmtKind::Fn(decl) => {
                let Some(name) = &decl.name else {
                    continue;
                };
                let function = Binding::TopLevel {
                    file,
                    decl: name.id,
                    kind: DefKind::Function,
                };
                members.insert(name.name.clone(), function);
            }
            StmtKind::ModuleBlock(block) => {
                members
                    .entry(block.name.name.clone())
                    .or_insert(Binding::Block(block.name.id));
            }
            _ => {}
        }
    }
    members
}

fn frame_shape(frame: &FrameDecl) -> FrameShape {
    let mut shape = FrameShape {
        decl: frame.name.id,
        fields: Vec::new(),
        statics: Vec::new(),
        methods: Vec::new(),
        parent: frame.supers.first().map(|s| s.name.clone()),
        supers: (frame.supers.iter())
            .map(|s| (s.module.as_ref().map(|m| m.name.clone()), s.name.clone()))
            .collect(),
        parent_decl: None,
    };
    for member in &frame.members {
        match member {
            Member::Field(field) if field.is_static => {
                shape.statics.push((field.name.name.clone(), field.name.id));
            }
            Member::Field(field) => shape.fields.push((field.name.name.clone(), field.name.id)),
            Member::Method(method) if method.modifiers.is_static => {
                if let Some(name) = &method.name {
                    shape.statics.push((name.name.clone(), name.id));
                }
            }
            Member::Method(method) => {
                if let Some(name) = &method.name {
                    shape.methods.push((name.name.clone(), name.id));
                }
            }
        }
    }
    shape
}

/// The names a declaration target binds.
pub(crate) fn target_idents<'t>(target: &'t VarTarget, out: &mut Vec<&'t Ident>) {
    match target {
        VarTarget::Name(name) => out.push(name),
        VarTarget::Tuple(items, _) | VarTarget::List(items, _) => {
            for item in items {
                target_idents(item, out);
            }
        }
    }
}

/// What one module sees beyond its own locals.
#[derive(Clone, Debug, Default)]
pub struct ModuleEnv {
    /// Its own top-level declarations.
    pub own: ModuleFacts,
    /// The names its imports bind: a namespace (`import a.b`, `as x`) or
    /// a member of the imported module (`show`, `hide`).
    pub imports: FxHashMap<String, Binding>,
    /// What each module it imports as a namespace lets importers name
    /// through it (`ns.name`), by the module's file.
    pub namespaces: FxHashMap<FileId, FxHashMap<String, TopLevel>>,
    /// Frames of every module reachable from it and its own, by their
    /// names' ids: for the bare members of its methods (a parent may be
    /// another module's, and may share its name with one of this module).
    pub frames: FxHashMap<DeclId, FrameShape>,
    /// Frame and enum names it may name bare: its own and those its
    /// `show`/`hide` imports bind (LANGUAGE §10: a plain import binds only
    /// the namespace).
    pub objects: FxHashSet<String>,
    /// Enum variants it may name bare: its own enums' and those of the
    /// enums its imports bind.
    pub variants: FxHashSet<String>,
    /// The variants of the enums its imports bind, by name: the variant,
    /// or `None` when several of those enums declare the name.
    pub imported_variants: FxHashMap<String, Option<Binding>>,
    /// A standard module (it alone may name the `__std_` natives).
    pub is_std: bool,
    /// The functions the embedding host supplies, by name, with the
    /// globals holding them (a standard module sees none).
    pub hosts: FxHashMap<String, u32>,
}

impl ModuleEnv {
    /// The environment of every module of `graph`, by module index.
    pub fn for_graph(graph: &ModuleGraph, sources: &SourceMap) -> Vec<ModuleEnv> {
        let is_std = |file: FileId| {
            sources
                .files()
                .get(file as usize)
                .is_some_and(|f| crate::stdlib::is_std_file(&f.name))
        };
        let facts: Vec<ModuleFacts> = graph
            .modules
            .iter()
            .map(|m| ModuleFacts::gather(m.file, &m.ast.stmts))
            .collect();
        let mut envs: Vec<ModuleEnv> = (0..graph.modules.len())
            .map(|index| {
                let module = &graph.modules[index];
                let mut env = ModuleEnv {
                    own: facts[index].clone(),
                    is_std: is_std(module.file),
                    ..ModuleEnv::default()
                };
                for (decl, _, target) in &module.imports {
                    if let Some(target) = target {
                        env.import(decl, &facts[*target]);
                    }
                }
                env.assign_imports();
                env.see(&facts[index]);
                env
            })
            .collect();
        // Each module's frames, with their parents found where they are
        // declared (that module's names and imports).
        let module_of = |file: FileId| facts.iter().find(|f| f.file == file);
        let linked: Vec<Vec<FrameShape>> = (envs.iter().zip(&facts))
            .map(|(env, own)| env.link_frames(own, &module_of))
            .collect();
        for (index, env) in envs.iter_mut().enumerate() {
            for module in reachable(graph, index).into_iter().chain([index]) {
                env.see_frames(&linked[module]);
            }
        }
        envs
    }

    /// The frames of `facts` (this module's own), each with the frame its
    /// parents name: the first of them that is a frame, bare (this
    /// module's own, or one its imports bind) or through a namespace
    /// (`lib.P`: the frame module `lib` declares). `module_of` gives a
    /// module's facts by its file.
    pub fn link_frames<'f>(
        &self,
        facts: &ModuleFacts,
        module_of: &dyn Fn(FileId) -> Option<&'f ModuleFacts>,
    ) -> Vec<FrameShape> {
        let frame_decl = |top: Option<&TopLevel>| {
            top.filter(|top| top.kind == DefKind::Frame)
                .map(|top| top.decl)
        };
        let parent = |(namespace, name): &(Option<String>, String)| match namespace {
            None => frame_decl(self.own.names.get(name)).or_else(|| match self.imports.get(name) {
                Some(Binding::TopLevel {
                    kind: DefKind::Frame,
                    decl,
                    ..
                }) => Some(*decl),
                _ => None,
            }),
            Some(namespace) => match self.imports.get(namespace) {
                Some(Binding::Namespace { file, .. }) => {
                    frame_decl(module_of(*file)?.names.get(name).filter(|top| !top.hidden))
                }
                _ => None,
            },
        };
        let mut shapes: Vec<FrameShape> = facts.frames.values().cloned().collect();
        for shape in &mut shapes {
            shape.parent_decl = shape.supers.iter().find_map(parent);
        }
        shapes
    }

    /// A top-level `x = v` where an import binds `x` assigns the imported
    /// variable: it declares nothing.
    fn assign_imports(&mut self) {
        let imports = &self.imports;
        self.own
            .names
            .retain(|name, top| !(top.implicit && imports.contains_key(name)));
    }

    /// Frames, enums and variants of the module's own `facts` become
    /// nameable (its frames win over other modules').
    fn see(&mut self, facts: &ModuleFacts) {
        for (name, top) in &facts.names {
            if matches!(top.kind, DefKind::Frame | DefKind::Enum) {
                self.objects.insert(name.clone());
            }
        }
        self.variants.extend(facts.variants.keys().cloned());
    }

    /// The frames `shapes` (linked: see [`link_frames`](Self::link_frames))
    /// become known, for the bare members of methods.
    pub fn see_frames(&mut self, shapes: &[FrameShape]) {
        for shape in shapes {
            self.frames.insert(shape.decl, shape.clone());
        }
    }

    /// Another module's frame or enum `name` (declared by `target`) is
    /// bound by name: it and, for an enum, its variants become nameable.
    fn bind_object(&mut self, name: &str, top: &TopLevel, target: &ModuleFacts) {
        match top.kind {
            DefKind::Frame => {
                self.objects.insert(name.to_string());
            }
            DefKind::Enum | DefKind::Alias if target.enum_variants.contains_key(name) => {
                self.objects.insert(name.to_string());
                for (variant, decl) in target.enum_variants.get(name).into_iter().flatten() {
                    self.variants.insert(variant.clone());
                    let binding = Binding::TopLevel {
                        file: target.file,
                        decl: *decl,
                        kind: DefKind::Variant,
                    };
                    self.imported_variants
                        .entry(variant.clone())
                        .and_modify(|seen| {
                            if *seen != Some(binding) {
                                *seen = None;
                            }
                        })
                        .or_insert(Some(binding));
                }
            }
            _ => {}
        }
    }

    /// Member `name` of `target` (declared by `top`) is bound bare,
    /// unless another module's `name` is already (two imports binding one
    /// name to two declarations: the code generator reports it, and the
    /// first binding stays).
    fn bind_member(&mut self, name: &str, top: &TopLevel, target: &ModuleFacts) {
        let binding = Binding::TopLevel {
            file: target.file,
            decl: top.decl,
            kind: top.kind,
        };
        if let Some(Binding::TopLevel { file, .. }) = self.imports.get(name) {
            if *file != target.file {
                return;
            }
        }
        self.imports.insert(name.to_string(), binding);
        self.bind_object(name, top, target);
    }

    /// The names `decl` binds, importing the module `target` declares.
    fn import(&mut self, decl: &ImportDecl, target: &ModuleFacts) {
        if let Some(name) = decl.namespace() {
            let binding = Binding::Namespace {
                file: target.file,
                decl: name.id,
            };
            self.imports.insert(name.name.clone(), binding);
            self.namespaces.entry(target.file).or_insert_with(|| {
                target
                    .names
                    .iter()
                    .filter(|(_, top)| !top.hidden)
                    .map(|(name, top)| (name.clone(), *top))
                    .collect()
            });
        }
        match &decl.filter {
            None => {}
            Some(ImportFilter::Show(names)) => {
                for name in names {
                    if let Some(top) = target.names.get(&name.name).filter(|t| !t.hidden) {
                        self.bind_member(&name.name, top, target);
                    }
                }
            }
            Some(ImportFilter::Hide(names)) => {
                let hidden: FxHashSet<&str> = names.iter().map(|n| n.name.as_str()).collect();
                for (name, top) in &target.names {
                    if !top.hidden && !hidden.contains(name.as_str()) {
                        self.bind_member(name, top, target);
                    }
                }
            }
        }
    }
}

/// What every name of every module of `graph` refers to: the resolve
/// stage run on its own (for tools such as the language server).
pub fn resolve_program(graph: &ModuleGraph, sources: &SourceMap) -> super::Bindings {
    resolve_program_with_hosts(graph, sources, &FxHashMap::default())
}

/// [`resolve_program`] in a session whose host supplies the functions
/// `hosts` (by name, with their globals).
pub fn resolve_program_with_hosts(
    graph: &ModuleGraph,
    sources: &SourceMap,
    hosts: &FxHashMap<String, u32>,
) -> super::Bindings {
    let mut bindings = super::Bindings::default();
    let mut envs = ModuleEnv::for_graph(graph, sources);
    for env in envs.iter_mut().filter(|env| !env.is_std) {
        env.hosts.clone_from(hosts);
    }
    for (module, env) in graph.modules.iter().zip(&envs) {
        bindings.add_module(module.file, &module.ast.stmts, env);
    }
    bindings
}

/// What every name of one module that imports nothing refers to (a file
/// checked on its own, an interactive session without imports).
pub fn resolve_module(file: FileId, stmts: &[Stmt]) -> super::Bindings {
    resolve_module_with_hosts(file, stmts, &FxHashMap::default())
}

/// [`resolve_module`] in a session whose host supplies the functions
/// `hosts` (by name, with their globals).
pub fn resolve_module_with_hosts(
    file: FileId,
    stmts: &[Stmt],
    hosts: &FxHashMap<String, u32>,
) -> super::Bindings {
    let mut env = ModuleEnv {
        own: ModuleFacts::gather(file, stmts),
        hosts: hosts.clone(),
        ..ModuleEnv::default()
    };
    let own = env.own.clone();
    env.see(&own);
    let shapes = env.link_frames(&own, &|_| None);
    env.see_frames(&shapes);
    let mut bindings = super::Bindings::default();
    bindings.add_module(file, stmts, &env);
    bindings
}

/// The modules `index` imports, directly or not (not itself).
fn reachable(graph: &ModuleGraph, index: usize) -> Vec<usize> {
    let mut seen = vec![false; graph.modules.len()];
    let mut stack = vec![index];
    let mut found = Vec::new();
    while let Some(module) = stack.pop() {
        for (_, _, target) in &graph.modules[module].imports {
            if let Some(target) = *target {
                if target != index && !seen[target] {
                    seen[target] = true;
                    found.push(target);
                    stack.push(target);
                }
            }
        }
    }
    found
}
