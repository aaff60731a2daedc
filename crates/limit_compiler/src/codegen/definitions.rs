//! What a name the resolve stage bound to a top-level definition denotes
//! in the code generator's object model: a frame, trait or enum (its
//! key), an enum variant (its enum's key) or a type alias (its type).
//!
//! The resolve stage binds every name that denotes a frame, trait, enum,
//! alias or variant (in expressions, patterns, annotations and headers) to
//! the definition's declaring name (`Binding::TopLevel`, by node id, in
//! whichever module declares it). Each module's declarations are entered
//! here by those ids before any code is generated (`register`), so a use is
//! turned into what it denotes by its binding alone: no name is looked up
//! in any scope, and a local, a global or a function that hides a frame
//! (the binding is then to it) hides it here too. A frame, trait or enum
//! named in a type the checker proved (`Type::Frame(name)`) is the
//! declaration the checker recorded for that name in the module
//! (`checked_object`), and a refinement the checker proved is found
//! through the alias naming it by its condition's id (`refinement_alias`).

use super::objects::{object_key, ObjectKind};
use super::Codegen;
use crate::resolve::{Binding, DefKind};
use limit_syntax::ast::*;
use rustc_hash::FxHashMap;

/// A top-level type definition, as the code generator knows it.
#[derive(Clone, Debug)]
pub(crate) enum Definition {
    /// A frame, trait or enum (a tagged-union alias is an enum): its key.
    Object(ObjectKind, String),
    /// A variant: the key of the enum declaring it.
    Variant(String),
    /// A type alias (not a tagged union): the type it names.
    Alias(TypeExpr),
    /// A refinement an alias names (`type Small = int where …`), by its
    /// condition's id (what the checker's `RefinementId` names): the
    /// alias's name and type.
    Refinement(String, TypeExpr),
}

/// Every module's type definitions, by the node id of their declaring
/// names.
pub(crate) type Definitions = FxHashMap<NodeId, Definition>;

/// Enters the type definitions among `stmts` (a module's top level, its
/// `module` blocks included) of module `module` into `definitions`.
pub(crate) fn register(module: usize, stmts: &[Stmt], definitions: &mut Definitions) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Frame(decl) => {
                let key = object_key(module, &decl.name.name);
                definitions.insert(decl.name.id, Definition::Object(ObjectKind::Frame, key));
            }
            StmtKind::Trait(decl) => {
                let key = object_key(module, &decl.name.name);
                definitions.insert(decl.name.id, Definition::Object(ObjectKind::Trait, key));
            }
            StmtKind::Enum(decl) => register_enum(module, &decl.name, &decl.variants, definitions),
            StmtKind::TypeAlias(decl) => match &decl.ty.kind {
                TypeKind::Tagged(variants) => {
                    register_enum(module, &decl.name, variants, definitions)
                }
                _ => {
                    if let TypeKind::Refined { cond, .. } = &decl.ty.kind {
                        let refinement =
                            Definition::Refinement(decl.name.name.clone(), decl.ty.clone());
                        definitions.insert(cond.id, refinement);
                    }
                    definitions.insert(decl.name.id, Definition::Alias(decl.ty.clone()));
                }
            },
            StmtKind::ModuleBlock(block) => register(module, &block.stmts, definitions),
            _ => {}
        }
    }
}

fn register_enum(
    module: usize,
    name: &Ident,
    variants: &[VariantDecl],
    definitions: &mut Definitions,
) {
    let key = object_key(module, &name.name);
    for variant in variants {
        definitions.insert(variant.name.id, Definition::Variant(key.clone()));
    }
    definitions.insert(name.id, Definition::Object(ObjectKind::Enum, key));
}

impl Codegen<'_> {
    /// The definition the name used at node `id` denotes, when the
    /// resolve stage bound it to a frame, trait, enum, alias or variant.
    fn definition_of(&self, id: NodeId) -> Option<&Definition> {
        match self.bindings.of(id)? {
            Binding::TopLevel {
                decl,
                kind:
                    DefKind::Frame | DefKind::Trait | DefKind::Enum | DefKind::Alias | DefKind::Variant,
                ..
            } => self.objects.definitions.get(&decl),
            _ => None,
        }
    }

    /// The key of the frame, trait or enum (of this kind) the name used
    /// at node `id` denotes: `None` when it denotes anything else, a
    /// local or global of that name included.
    pub(crate) fn object_of(&self, id: NodeId, kind: ObjectKind) -> Option<String> {
        match self.definition_of(id)? {
            Definition::Object(found, key) if *found == kind => Some(key.clone()),
            _ => None,
        }
    }

    /// The kind and key of the frame, trait or enum the name used at node
    /// `id` denotes.
    pub(crate) fn any_object_of(&self, id: NodeId) -> Option<(ObjectKind, String)> {
        match self.definition_of(id)? {
            Definition::Object(kind, key) => Some((*kind, key.clone())),
            _ => None,
        }
    }

    /// The key of the enum whose variant the name used at node `id`
    /// denotes (written alone: the resolve stage binds it only when one
    /// enum in scope declares it).
    pub(crate) fn variant_enum_of(&self, id: NodeId) -> Option<String> {
        match self.definition_of(id)? {
            Definition::Variant(key) => Some(key.clone()),
            _ => None,
        }
    }

    /// The key of the frame, trait or enum (of this kind) that the
    /// checker's type name `name` (in a type it recorded for a node of the
    /// current module) denotes: the declaration the checker meant
    /// (`TypeTable::type_definition`), not the name resolved again.
    pub(crate) fn checked_object(&self, name: &str, kind: ObjectKind) -> Option<String> {
        let decl = self.types.type_definition(self.file, name)?;
        match self.objects.definitions.get(&decl)? {
            Definition::Object(found, key) if *found == kind => Some(key.clone()),
            _ => None,
        }
    }

    /// The alias naming the refinement whose condition is node
    /// `condition` (a checker's `RefinementId`): its name and type.
    pub(crate) fn refinement_alias(&self, condition: NodeId) -> Option<(&str, &TypeExpr)> {
        match self.objects.definitions.get(&condition)? {
            Definition::Refinement(name, ty) => Some((name, ty)),
            _ => None,
        }
    }

    /// The type the alias named at node `id` stands for.
    pub(crate) fn alias_of(&self, id: NodeId) -> Option<&TypeExpr> {
        match self.definition_of(id)? {
            Definition::Alias(ty) => Some(ty),
            _ => None,
        }
    }
}
