//! What the checker learned, for the code generator.

use super::types::Type;
use limit_syntax::ast::NodeId;

/// The static type of each expression the checker is certain about, keyed
/// by the expression's node id. Expressions of unknown (`any`) type are
/// absent.
///
/// An annotated variable's reads have its annotation's type; note that an
/// `int` value is accepted where `float` is annotated (reference.md §3.2), so
/// a `float` entry for a variable read may hold an int at run time unless
/// the code generator converts on assignment.
/// Node ids are dense (each file numbers its nodes from 0 in parse
/// order), so the table is a vector per file indexed by the node's number:
/// recording and looking up a type hashes nothing. A table holds the few
/// files one check saw (a program's modules; a session chunk and the
/// earlier chunks it is checked with, whose file numbers may be far
/// apart), found by binary search on the file number.
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    /// By file number (sorted), then by node index: the node's type,
    /// `Some(Type::Any)` marking one recorded with conflicting types until
    /// `finish`.
    files: Vec<(u32, Vec<Option<Type>>)>,
    /// For an argument entering a parameter typed as a list or dict: the
    /// parameter's type (the code generator checks such an argument's
    /// elements where the checker could not prove them, `element_checks.rs`).
    parameters: rustc_hash::FxHashMap<NodeId, Type>,
}

impl TypeTable {
    /// The static type of the expression `id`, if it is known.
    pub fn type_of(&self, id: NodeId) -> Option<&Type> {
        self.nodes(id.file)?.get(id.index as usize)?.as_ref()
    }

    fn nodes(&self, file: u32) -> Option<&Vec<Option<Type>>> {
        let at = self.files.binary_search_by_key(&file, |(f, _)| *f).ok()?;
        Some(&self.files[at].1)
    }

    /// The nodes of `file`, made room for.
    fn nodes_mut(&mut self, file: u32) -> &mut Vec<Option<Type>> {
        let at = match self.files.binary_search_by_key(&file, |(f, _)| *f) {
            Ok(at) => at,
            Err(at) => {
                self.files.insert(at, (file, Vec::new()));
                at
            }
        };
        &mut self.files[at].1
    }

    /// The declared type of the list or dict parameter the argument `id`
    /// enters, if it is one of a call the checker resolved.
    pub fn parameter_of(&self, id: NodeId) -> Option<&Type> {
        self.parameters.get(&id)
    }

    /// Records that the argument `id` enters a parameter of type `ty`.
    pub(super) fn record_parameter(&mut self, id: NodeId, ty: &Type) {
        if !id.is_synthetic() {
            self.parameters.insert(id, ty.clone());
        }
    }

    /// How many expressions have a known type.
    pub fn len(&self) -> usize {
        self.files
            .iter()
            .flat_map(|(_, nodes)| nodes)
            .filter(|ty| ty.is_some())
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the types of another module's table (node ids name their
    /// file, so tables of different modules never collide).
    pub fn extend(&mut self, other: TypeTable) {
        self.parameters.extend(other.parameters);
        for (file, theirs) in other.files {
            let mine = self.nodes_mut(file);
            if mine.is_empty() {
                *mine = theirs;
                continue;
            }
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), None);
            }
            for (slot, ty) in mine.iter_mut().zip(theirs) {
                if ty.is_some() {
                    *slot = ty;
                }
            }
        }
    }

    /// The entry of `id`, made room for.
    fn slot(&mut self, id: NodeId) -> &mut Option<Type> {
        let nodes = self.nodes_mut(id.file);
        let index = id.index as usize;
        if nodes.len() <= index {
            nodes.resize(index + 1, None);
        }
        &mut nodes[index]
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
            let at = self.files.binary_search_by_key(&id.file, |(f, _)| *f);
            if let Some(slot) = at
                .ok()
                .and_then(|at| self.files[at].1.get_mut(id.index as usize))
            {
                *slot = None;
            }
            return;
        }
        let slot = self.slot(id);
        match slot {
            Some(existing) if existing != ty => *slot = Some(Type::Any),
            Some(_) => {}
            None => *slot = Some(ty.clone()),
        }
    }

    /// Drops the `Any` markers left by conflicting records.
    pub(super) fn finish(&mut self) {
        for slot in self.files.iter_mut().flat_map(|(_, nodes)| nodes) {
            if slot.as_ref().is_some_and(Type::is_any) {
                *slot = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(file: u32, index: u32) -> NodeId {
        NodeId { file, index }
    }

    #[test]
    fn a_conflict_or_any_forgets_a_type_and_files_stay_apart() {
        let mut table = TypeTable::default();
        table.record(id(0, 5), &Type::Int);
        table.record(id(0, 5), &Type::Int);
        table.record(id(2, 5), &Type::Str);
        table.record(id(0, 7), &Type::Int);
        table.record(id(0, 7), &Type::Float);
        table.record(id(0, 9), &Type::Bool);
        table.record(id(0, 9), &Type::Any);
        table.record(NodeId::SYNTHETIC, &Type::Int);
        table.finish();
        assert_eq!(table.type_of(id(0, 5)), Some(&Type::Int));
        assert_eq!(table.type_of(id(2, 5)), Some(&Type::Str));
        assert_eq!(table.type_of(id(0, 7)), None);
        assert_eq!(table.type_of(id(0, 9)), None);
        assert_eq!(table.type_of(id(1, 5)), None);
        assert_eq!(table.len(), 2);
        let mut other = TypeTable::default();
        other.record(id(1, 3), &Type::Nil);
        other.record(id(0, 100), &Type::Int);
        table.extend(other);
        assert_eq!(table.type_of(id(1, 3)), Some(&Type::Nil));
        assert_eq!(table.type_of(id(0, 100)), Some(&Type::Int));
        assert_eq!(table.type_of(id(0, 5)), Some(&Type::Int));
        assert_eq!(table.len(), 4);
    }
}
