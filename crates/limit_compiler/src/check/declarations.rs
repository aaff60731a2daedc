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

use limit_syntax::ast::{
    FrameDecl, Module, NodeId, Stmt, StmtKind, TraitDecl, TypeAliasDecl, TypeKind, VariantDecl,
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
}

impl<'a> Declarations<'a> {
    pub fn collect(module: &'a Module) -> Declarations<'a> {
        let mut declarations = Declarations::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        declarations.collect_from(&module.stmts, &mut seen);
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
        self.collect_variant_owners();
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

    /// Whether `name` is a frame this module may name bare.
    pub fn names_frame(&self, name: &str) -> bool {
        self.frames.contains_key(name) && self.sees(name)
    }

    /// The type names this module may name bare (for suggestions).
    pub fn visible_names(&self) -> impl Iterator<Item = &String> {
        self.names().filter(|name| self.sees(name))
    }
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
