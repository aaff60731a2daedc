//! What the checker learned, for the code generator.

use super::types::Type;
use limit_syntax::ast::NodeId;
use rustc_hash::FxHashMap;

/// The static type of each expression the checker is certain about, keyed
/// by the expression's node id. Expressions of unknown (`any`) type are
/// absent.
///
/// An annotated variable's reads have its annotation's type; note that an
/// `int` value is accepted where `float` is annotated (reference.md §3.2), so
/// a `float` entry for a variable read may hold an int at run time unless
/// the code generator converts on assignment.
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    types: FxHashMap<NodeId, Type>,
}

impl TypeTable {
    /// The static type of the expression `id`, if it is known.
    pub fn type_of(&self, id: NodeId) -> Option<&Type> {
        self.types.get(&id)
    }

    /// How many expressions have a known type.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Adds the types of another module's table (node ids name their
    /// file, so tables of different modules never collide).
    pub fn extend(&mut self, other: TypeTable) {
        if self.types.len() < other.types.len() {
            let smaller = std::mem::replace(&mut self.types, other.types);
            self.types.extend(smaller);
        } else {
            self.types.extend(other.types);
        }
    }

    /// Records `ty` for the expression `id`. An expression checked twice
    /// with different types (a body checked again while error sets are
    /// inferred, a node checked both alone and against an expected type) is
    /// forgotten rather than guessed.
    pub(super) fn record(&mut self, id: NodeId, ty: &Type) {
        if id.is_synthetic() {
            return;
        }
        if ty.is_any() {
            self.types.remove(&id);
            return;
        }
        match self.types.get(&id) {
            Some(existing) if existing != ty => {
                self.types.insert(id, Type::Any);
            }
            Some(_) => {}
            None => {
                self.types.insert(id, ty.clone());
            }
        }
    }

    /// Drops the `Any` markers left by conflicting records.
    pub(super) fn finish(&mut self) {
        self.types.retain(|_, ty| !ty.is_any());
    }
}
