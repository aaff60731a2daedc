//! What the checker learned, for the code generator.

use super::types::Type;
use limit_syntax::Span;
use std::collections::HashMap;

/// The static type of each expression the checker is certain about, keyed
/// by the expression's span. Expressions of unknown (`any`) type are absent.
///
/// An annotated variable's reads have its annotation's type; note that an
/// `int` value is accepted where `float` is annotated (reference.md §3.2), so
/// a `float` entry for a variable read may hold an int at run time unless
/// the code generator converts on assignment.
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    types: HashMap<Span, Type>,
}

impl TypeTable {
    /// The static type of the expression at `span`, if it is known.
    pub fn type_of(&self, span: Span) -> Option<&Type> {
        self.types.get(&span)
    }

    /// How many expressions have a known type.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Adds the types of another module's table (spans name their file,
    /// so tables of different modules never collide).
    pub fn extend(&mut self, other: TypeTable) {
        self.types.extend(other.types);
    }

    /// Records `ty` for `span`. An expression seen twice with different
    /// types (it cannot happen for one node, but two nodes may share a span)
    /// is forgotten rather than guessed.
    pub(super) fn record(&mut self, span: Span, ty: &Type) {
        if ty.is_any() {
            self.types.remove(&span);
            return;
        }
        match self.types.get(&span) {
            Some(existing) if existing != ty => {
                self.types.insert(span, Type::Any);
            }
            Some(_) => {}
            None => {
                self.types.insert(span, ty.clone());
            }
        }
    }

    /// Drops the `Any` markers left by conflicting records.
    pub(super) fn finish(&mut self) {
        self.types.retain(|_, ty| !ty.is_any());
    }
}
