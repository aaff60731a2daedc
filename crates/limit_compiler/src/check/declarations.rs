//! The module's named type declarations (frames, traits, enums, aliases),
//! collected before checking so that any of them may be used before it is
//! declared.
//!
//! Only declarations at the top level (and in `module` blocks) are
//! collected. A name declared twice with different meanings is dropped:
//! the checker then treats it as unknown (`any`) rather than guess.
//!
//! Frames and enums are known by name across modules (the code generator
//! declares them program-wide), so a module also sees the public
//! declarations of the modules it imports, directly or not — but only names
//! that exactly one module of the program declares, so that a name never
//! denotes two declarations (see [`Declarations::merge_foreign`]).

use crate::modules::ModuleGraph;
use limit_syntax::ast::{
    Expr, FnDecl, FrameDecl, Member, Module, NodeId, Stmt, StmtKind, TraitDecl, TypeAliasDecl,
    TypeExpr, TypeKind, VariantDecl,
};
use std::collections::{HashMap, HashSet};

/// The variants of an enum, or of an inline tagged union
/// (`type Shape = Circle(float) | Square(float) | Empty`), which is an enum
/// named after the alias.
#[derive(Clone, Copy, Debug)]
pub struct EnumShape<'a> {
    /// The declaring name's id (the enum's, or the alias's).
    pub decl: NodeId,
    pub variants: &'a [VariantDecl],
}

#[derive(Clone, Debug, Default)]
pub struct Declarations<'a> {
    pub frames: HashMap<String, &'a FrameDecl>,
    pub traits: HashMap<String, &'a TraitDecl>,
    pub enums: HashMap<String, EnumShape<'a>>,
    pub aliases: HashMap<String, &'a TypeAliasDecl>,
    /// Variant name → its enum, for variants written without the enum name.
    /// Names that several enums use are absent.
    pub variant_owners: HashMap<String, String>,
    /// Names declared by another module (merged in by `merge_foreign`),
    /// with that module's index. They give values of those types their
    /// members; a bare name denotes one only when the module may name it
    /// (`bound`).
    pub foreign: HashMap<String, usize>,
    /// Type names of other modules that this module's `show`/`hide`
    /// imports bind (LANGUAGE §10: a plain import binds only the
    /// namespace), with the module that declares each.
    pub bound: HashMap<String, usize>,
    /// Type names declared more than once (in this module, or by several
    /// modules): they stay `any` rather than being unknown.
    pub withheld: HashSet<String>,
    /// The refinement conditions written in the top-level declarations'
    /// types (aliases, signatures, variables, fields) of this module and
    /// the modules it imports, by the condition's node id: a refined type
    /// reaching this module through an import is checked against its
    /// condition as a local one is.
    pub conditions: HashMap<NodeId, &'a Expr>,
    /// The frames of this module and of every module it imports (directly
    /// or not), by their name's id, whatever names they share: a parent
    /// named through a module (`frame Q : lib.P`) is found by the
    /// declaration the resolve stage bound, even when this module declares
    /// a `P` of its own (so the name does not denote it here).
    pub frames_by_decl: HashMap<NodeId, &'a FrameDecl>,
    /// The traits, likewise.
    pub traits_by_decl: HashMap<NodeId, &'a TraitDecl>,
    /// The program-wide name of each frame, trait and enum of this module
    /// and of the modules it imports (directly or not), by its name's id:
    /// `lib.P` for a `P` of module `lib`. A type of another module that
    /// this module does not know by its bare name (it declares a `P` of
    /// its own, or several modules do) is held under this name in
    /// `frames`, `traits` and `enums` (see [`Declarations::add_qualified`]),
    /// so that `Type::Frame("lib.P")` denotes it here, and in every module
    /// its values reach through exported signatures.
    pub qualified: HashMap<NodeId, String>,
}

impl<'a> Declarations<'a> {
    pub fn collect(module: &'a Module) -> Declarations<'a> {
        let mut declarations = Declarations::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        declarations.collect_from(&module.stmts, &mut seen);
        collect_conditions(&module.stmts, &mut declarations.conditions);
        let ambiguous: HashSet<String> = seen
            .into_iter()
            .filter(|(_, count)| *count > 1)
            .map(|(name, _)| name)
            .collect();
        declarations.withheld.extend(ambiguous.iter().cloned());
        for name in &ambiguous {
            declarations.frames.remove(name);
            declarations.traits.remove(name);
            declarations.enums.remove(name);
            declarations.aliases.remove(name);
        }
        declarations.collect_variant_owners();
        declarations.frames_by_decl = (declarations.frames.values())
            .map(|frame| (frame.name.id, *frame))
            .collect();
        declarations.traits_by_decl = (declarations.traits.values())
            .map(|decl| (decl.name.id, *decl))
            .collect();
        declarations
    }

    fn collect_from(&mut self, stmts: &'a [Stmt], seen: &mut HashMap<String, usize>) {
        for stmt in stmts {
            match &stmt.kind {
                StmtKind::Frame(frame) => {
                    *seen.entry(frame.name.name.clone()).or_default() += 1;
                    self.frames.insert(frame.name.name.clone(), frame);
                }
                StmtKind::Trait(decl) => {
                    *seen.entry(decl.name.name.clone()).or_default() += 1;
                    self.traits.insert(decl.name.name.clone(), decl);
                }
                StmtKind::Enum(decl) => {
                    *seen.entry(decl.name.name.clone()).or_default() += 1;
                    let shape = EnumShape {
                        decl: decl.name.id,
                        variants: &decl.variants,
                    };
                    self.enums.insert(decl.name.name.clone(), shape);
                }
                StmtKind::TypeAlias(decl) => {
                    *seen.entry(decl.name.name.clone()).or_default() += 1;
                    if let TypeKind::Tagged(variants) = &decl.ty.kind {
                        let shape = EnumShape {
                            decl: decl.name.id,
                            variants,
                        };
                        self.enums.insert(decl.name.name.clone(), shape);
                        continue;
                    }
                    self.aliases.insert(decl.name.name.clone(), decl);
                }
                StmtKind::ModuleBlock(block) => self.collect_from(&block.stmts, seen),
                _ => {}
            }
        }
    }

    /// Variants written alone name the enum of this module, or one an
    /// import binds by name, that declares them (when only one does).
    fn collect_variant_owners(&mut self) {
        let mut owners: HashMap<String, Option<String>> = HashMap::new();
        for (enum_name, decl) in &self.enums {
            if !self.sees(enum_name) {
                continue;
            }
            for variant in decl.variants {
                owners
                    .entry(variant.name.name.clone())
                    .and_modify(|owner| *owner = None)
                    .or_insert_with(|| Some(enum_name.clone()));
            }
        }
        self.variant_owners = owners
            .into_iter()
            .filter_map(|(variant, owner)| owner.map(|owner| (variant, owner)))
            .collect();
    }

    /// Every type name this module declares (frames, traits, enums,
    /// aliases), whether or not it could be resolved.
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.frames
            .keys()
            .chain(self.traits.keys())
            .chain(self.enums.keys())
            .chain(self.aliases.keys())
    }

    /// Adds the declarations of module `module` (`other`) whose names
    /// `share` accepts and this module does not declare itself; a name it
    /// does not share is withheld (`any`) where an import binds it.
    pub fn merge_foreign(
        &mut self,
        other: &Declarations<'a>,
        module: usize,
        share: impl Fn(&str) -> bool,
    ) {
        let accept = |name: &String, own: &Declarations<'a>| {
            share(name) && !own.is_type_name(name) && !own.foreign.contains_key(name)
        };
        let names = other
            .frames
            .keys()
            .chain(other.traits.keys())
            .chain(other.enums.keys())
            .chain(other.aliases.keys());
        for name in names {
            if !share(name) && self.bound.contains_key(name) {
                self.withheld.insert(name.clone());
            }
        }
        let mut added = Vec::new();
        for (name, decl) in &other.frames {
            if accept(name, self) {
                self.frames.insert(name.clone(), decl);
                added.push(name.clone());
            }
        }
        for (name, decl) in &other.traits {
            if accept(name, self) {
                self.traits.insert(name.clone(), decl);
                added.push(name.clone());
            }
        }
        for (name, shape) in &other.enums {
            if accept(name, self) {
                self.enums.insert(name.clone(), *shape);
                added.push(name.clone());
            }
        }
        for (name, decl) in &other.aliases {
            if accept(name, self) {
                self.aliases.insert(name.clone(), decl);
                added.push(name.clone());
            }
        }
        for name in added {
            self.foreign.insert(name, module);
        }
        for (id, condition) in &other.conditions {
            self.conditions.entry(*id).or_insert(condition);
        }
        self.frames_by_decl.extend(&other.frames_by_decl);
        self.traits_by_decl.extend(&other.traits_by_decl);
        self.collect_variant_owners();
    }

    /// Holds the frames, traits and enums of module `module` (`other`,
    /// as that module declares them) that this module does not know by
    /// their bare names under their program-wide names (`qualified`): a
    /// type named through a namespace (`lib.P`) is then checked as a local
    /// one is, even beside a local `P`. They are not named bare here
    /// (`sees` is false for them: `foreign` has them, `bound` does not).
    pub fn add_qualified(&mut self, other: &Declarations<'a>, module: usize) {
        let mut added = Vec::new();
        for (name, decl) in &other.frames {
            if let Some(key) = self.unknown_here(name, decl.name.id) {
                self.frames.insert(key.clone(), decl);
                added.push(key);
            }
        }
        for (name, decl) in &other.traits {
            if let Some(key) = self.unknown_here(name, decl.name.id) {
                self.traits.insert(key.clone(), decl);
                added.push(key);
            }
        }
        for (name, shape) in &other.enums {
            if let Some(key) = self.unknown_here(name, shape.decl) {
                self.enums.insert(key.clone(), *shape);
                added.push(key);
            }
        }
        for key in added {
            self.foreign.insert(key, module);
        }
    }

    /// The program-wide name of declaration `decl` (named `name` where it
    /// is declared) when these declarations do not hold it by `name`.
    fn unknown_here(&self, name: &str, decl: NodeId) -> Option<String> {
        if self.holds(name, decl) {
            return None;
        }
        let key = self.qualified.get(&decl)?;
        (!self.is_type_name(key)).then(|| key.clone())
    }

    /// Whether the frame, trait or enum these declarations hold as `key`
    /// is the one declared as `decl`.
    fn holds(&self, key: &str, decl: NodeId) -> bool {
        self.frames.get(key).is_some_and(|f| f.name.id == decl)
            || self.traits.get(key).is_some_and(|t| t.name.id == decl)
            || self.enums.get(key).is_some_and(|e| e.decl == decl)
    }

    /// The name under which these declarations hold the frame, trait or
    /// enum declared as `decl` and named `name` where it is declared: the
    /// name itself, or its program-wide name (`lib.P`) when this module
    /// does not know it by its bare name. None when they do not hold it.
    pub fn key_for<'s>(&'s self, name: &'s str, decl: NodeId) -> Option<&'s str> {
        if self.holds(name, decl) {
            return Some(name);
        }
        let key = self.qualified.get(&decl)?;
        self.holds(key, decl).then_some(key.as_str())
    }

    /// The frames, traits and enums these declarations hold by their
    /// own names (a module's own, before `merge_foreign`), with their
    /// names' ids.
    pub fn type_declarations(&self) -> impl Iterator<Item = (&String, NodeId)> {
        (self.frames.iter().map(|(name, f)| (name, f.name.id)))
            .chain(self.traits.iter().map(|(name, t)| (name, t.name.id)))
            .chain(self.enums.iter().map(|(name, e)| (name, e.decl)))
    }

    /// The ids of the declarations of [`type_declarations`](Self::type_declarations).
    pub fn names_by_decl(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.type_declarations().map(|(_, decl)| decl)
    }

    /// The program-wide name (`lib.P`) of the frame, trait or enum these
    /// declarations hold as `key` (a program-wide name already is one).
    pub fn program_wide_name(&self, key: &str) -> Option<String> {
        let decl = (self.frames.get(key).map(|f| f.name.id))
            .or_else(|| self.traits.get(key).map(|t| t.name.id))
            .or_else(|| self.enums.get(key).map(|e| e.decl))?;
        self.qualified.get(&decl).cloned()
    }

    /// Whether `name` names any declared type (frame, trait, enum, alias).
    pub fn is_type_name(&self, name: &str) -> bool {
        self.frames.contains_key(name)
            || self.traits.contains_key(name)
            || self.enums.contains_key(name)
            || self.aliases.contains_key(name)
    }

    /// Whether this module may name the declared type `name` bare: its
    /// own, or another module's that a `show`/`hide` import binds (a type
    /// merely reachable through imports is known for its values only).
    pub fn sees(&self, name: &str) -> bool {
        match self.foreign.get(name) {
            None => true,
            Some(module) => self.bound.get(name) == Some(module),
        }
    }

    /// Whether `name` is a declared type this module may name bare.
    pub fn names_type(&self, name: &str) -> bool {
        self.is_type_name(name) && self.sees(name)
    }

    /// The type names this module may name bare (for suggestions).
    pub fn visible_names(&self) -> impl Iterator<Item = &String> {
        self.names().filter(|name| self.sees(name))
    }
}

/// The program-wide name of every frame, trait and enum, by its name's
/// id: `module.Name`, the module being named by its short name (the last
/// segment of its import path); when two modules share a short name and
/// declare a type of the same name, each also gets its index in the
/// module graph (`lib#2.P`), so that no two declarations share one.
pub fn qualified_type_names(graph: &ModuleGraph, own: &[Declarations]) -> HashMap<NodeId, String> {
    let mut names: Vec<(NodeId, usize, String)> = Vec::new();
    for (index, declarations) in own.iter().enumerate() {
        let module = graph.modules.get(index).map_or("", |m| m.name.as_str());
        for (name, decl) in declarations.type_declarations() {
            names.push((decl, index, format!("{module}.{name}")));
        }
    }
    let mut modules_per_name: HashMap<&str, HashSet<usize>> = HashMap::new();
    for (_, index, key) in &names {
        modules_per_name.entry(key).or_default().insert(*index);
    }
    let ambiguous: HashSet<String> = (modules_per_name.into_iter())
        .filter(|(_, modules)| modules.len() > 1)
        .map(|(key, _)| key.to_string())
        .collect();
    names
        .into_iter()
        .map(|(decl, index, key)| {
            if ambiguous.contains(&key) {
                let (module, name) = key.rsplit_once('.').unwrap_or(("", &key));
                (decl, format!("{module}#{index}.{name}"))
            } else {
                (decl, key)
            }
        })
        .collect()
}

/// The type names a module marks private (`@private`, or not public inside
/// a `module` block), as the code generator decides.
pub fn private_type_names(module: &Module) -> HashSet<String> {
    let mut names = HashSet::new();
    collect_private_type_names(&module.stmts, false, &mut names);
    names
}

fn collect_private_type_names(stmts: &[Stmt], in_block: bool, names: &mut HashSet<String>) {
    for stmt in stmts {
        let (name, visibility) = match &stmt.kind {
            StmtKind::Frame(decl) => (&decl.name.name, decl.visibility),
            StmtKind::Trait(decl) => (&decl.name.name, decl.visibility),
            StmtKind::Enum(decl) => (&decl.name.name, decl.visibility),
            StmtKind::TypeAlias(decl) => (&decl.name.name, decl.visibility),
            StmtKind::ModuleBlock(block) => {
                collect_private_type_names(&block.stmts, true, names);
                continue;
            }
            _ => continue,
        };
        if crate::resolve::visibility::hidden_from_importers(visibility, in_block) {
            names.insert(name.clone());
        }
    }
}

/// The refinement conditions in the types of the top-level declarations
/// of `stmts` (inside `module` blocks too).
fn collect_conditions<'a>(stmts: &'a [Stmt], out: &mut HashMap<NodeId, &'a Expr>) {
    fn signature<'a>(decl: &'a FnDecl, out: &mut HashMap<NodeId, &'a Expr>) {
        for param in &decl.params {
            if let Some(ty) = &param.ty {
                conditions_in(ty, out, 0);
            }
        }
        if let Some(ret) = &decl.ret {
            conditions_in(ret, out, 0);
        }
    }
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::TypeAlias(decl) => conditions_in(&decl.ty, out, 0),
            StmtKind::Var(decl) => {
                if let Some(ty) = &decl.ty {
                    conditions_in(ty, out, 0);
                }
            }
            StmtKind::Fn(decl) => signature(decl, out),
            StmtKind::Frame(frame) => {
                for member in &frame.members {
                    match member {
                        Member::Field(field) => {
                            if let Some(ty) = &field.ty {
                                conditions_in(ty, out, 0);
                            }
                        }
                        Member::Method(method) => signature(method, out),
                    }
                }
            }
            StmtKind::Enum(decl) => {
                for variant in &decl.variants {
                    for ty in &variant.payload {
                        conditions_in(ty, out, 0);
                    }
                }
            }
            StmtKind::ModuleBlock(block) => collect_conditions(&block.stmts, out),
            _ => {}
        }
    }
}

/// Types nested deeper than this are not searched (host stack safety).
const MAX_TYPE_DEPTH: usize = 64;

fn conditions_in<'a>(ty: &'a TypeExpr, out: &mut HashMap<NodeId, &'a Expr>, depth: usize) {
    if depth > MAX_TYPE_DEPTH {
        return;
    }
    let depth = depth + 1;
    match &ty.kind {
        TypeKind::Refined { base, cond } => {
            out.insert(cond.id, cond);
            conditions_in(base, out, depth);
        }
        TypeKind::List(inner) | TypeKind::Fallible { inner, .. } => {
            conditions_in(inner, out, depth)
        }
        TypeKind::Dict(key, value) => {
            conditions_in(key, out, depth);
            conditions_in(value, out, depth);
        }
        TypeKind::Tuple(items) | TypeKind::Union(items) => {
            for item in items {
                conditions_in(item, out, depth);
            }
        }
        TypeKind::Function { params, ret } => {
            for param in params {
                conditions_in(param, out, depth);
            }
            if let Some(ret) = ret {
                conditions_in(ret, out, depth);
            }
        }
        TypeKind::Record(fields) => {
            for (_, field) in fields {
                conditions_in(field, out, depth);
            }
        }
        TypeKind::Tagged(variants) => {
            for variant in variants {
                for payload in &variant.payload {
                    conditions_in(payload, out, depth);
                }
            }
        }
        TypeKind::Named(_) => {}
    }
}
