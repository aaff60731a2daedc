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
///
/// Each distinct type is stored once and a node's entry is a 4-byte number
/// naming it: a program has few distinct types and many nodes, and a
/// `Type` per node (40 bytes, plus a clone of every function type) made
/// this table the largest thing the compiler built.
#[derive(Clone, Debug, Default)]
pub struct TypeTable {
    /// The distinct types recorded; an entry names one by its position + 1.
    distinct: Vec<Type>,
    /// Where each of `distinct` is.
    positions: rustc_hash::FxHashMap<Type, u32>,
    /// The entry `intern` gave last: consecutive nodes often share a type,
    /// and comparing with it is cheaper than hashing a function type.
    last_interned: u32,
    /// By file number (sorted), then by node index: [`NO_TYPE`],
    /// [`CONFLICT`] (recorded with conflicting types, until `finish`), or a
    /// type's position in `distinct` + 1.
    files: Vec<(u32, Vec<u32>)>,
    /// For an argument entering a parameter typed as a list or dict: the
    /// parameter's type (the code generator checks such an argument's
    /// elements where the checker could not prove them, `element_checks.rs`).
    parameters: rustc_hash::FxHashMap<NodeId, Type>,
    /// For a value entering a typed place without a proof that it fits
    /// (`run_time_checks.rs`): the place's type, which the code generator
    /// checks at run time. `None`: checked against two different types
    /// (a node checked again in another context), so not checked.
    checks: rustc_hash::FxHashMap<NodeId, Option<Type>>,
    /// The same for the result of `place op= value`, by the node of
    /// `value` (the operator's result is no node of its own).
    compound_checks: rustc_hash::FxHashMap<NodeId, Option<Type>>,
    /// Functions passed to a built-in method that calls them back with
    /// values not proven to fit their parameters (`check/callbacks.rs`),
    /// by the argument's node.
    callbacks: rustc_hash::FxHashSet<NodeId>,
    /// What the frame, trait and enum names of this table's types
    /// (`Type::Frame(name)`, …) denote, per module (by its file): the
    /// declaring name's id of the declaration the checker knew by that
    /// name there (its own, or the one module of the program declaring
    /// it), so that the code generator finds the very declaration the
    /// checker meant without resolving the name again.
    type_definitions: rustc_hash::FxHashMap<u32, rustc_hash::FxHashMap<String, NodeId>>,
}

/// Records in `checks` that the value of `id` is checked against `ty`
/// (against nothing when another record named another type).
fn record_check_in(
    checks: &mut rustc_hash::FxHashMap<NodeId, Option<Type>>,
    id: NodeId,
    ty: &Type,
) {
    if id.is_synthetic() {
        return;
    }
    match checks.get_mut(&id) {
        None => {
            checks.insert(id, Some(ty.clone()));
        }
        Some(existing) if existing.as_ref() != Some(ty) => *existing = None,
        Some(_) => {}
    }
}

/// A node with no known type.
const NO_TYPE: u32 = 0;
/// A node recorded with conflicting types: read as `any` until `finish`
/// forgets it.
const CONFLICT: u32 = u32::MAX;

/// What a conflicting entry reads as before `finish`.
static CONFLICTING: Type = Type::Any;

impl TypeTable {
    /// The static type of the expression `id`, if it is known.
    pub fn type_of(&self, id: NodeId) -> Option<&Type> {
        let entry = *self.nodes(id.file)?.get(id.index as usize)?;
        self.entry_type(entry)
    }

    fn entry_type(&self, entry: u32) -> Option<&Type> {
        match entry {
            NO_TYPE => None,
            CONFLICT => Some(&CONFLICTING),
            position => self.distinct.get(position as usize - 1),
        }
    }

    fn nodes(&self, file: u32) -> Option<&Vec<u32>> {
        let at = self.files.binary_search_by_key(&file, |(f, _)| *f).ok()?;
        Some(&self.files[at].1)
    }

    /// The nodes of `file`, made room for.
    fn nodes_mut(&mut self, file: u32) -> &mut Vec<u32> {
        let at = match self.files.binary_search_by_key(&file, |(f, _)| *f) {
            Ok(at) => at,
            Err(at) => {
                self.files.insert(at, (file, Vec::new()));
                at
            }
        };
        &mut self.files[at].1
    }

    /// The entry naming `ty`, which is stored if it is new.
    fn intern(&mut self, ty: &Type) -> u32 {
        let last = self.last_interned;
        if last != NO_TYPE && self.distinct.get(last as usize - 1) == Some(ty) {
            return last;
        }
        if let Some(&position) = self.positions.get(ty) {
            self.last_interned = position;
            return position;
        }
        self.distinct.push(ty.clone());
        // More distinct types than fit in an entry cannot arise (each
        // comes from a node, and node numbers are u32 themselves); were it
        // to, the type is forgotten rather than misnamed.
        let Ok(position) = u32::try_from(self.distinct.len()) else {
            self.distinct.pop();
            return NO_TYPE;
        };
        if position == CONFLICT {
            self.distinct.pop();
            return NO_TYPE;
        }
        self.positions.insert(ty.clone(), position);
        self.last_interned = position;
        position
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

    /// The type the value of `id` is checked against at run time, if the
    /// checker could not prove it fits the place it enters.
    pub fn check_of(&self, id: NodeId) -> Option<&Type> {
        self.checks.get(&id)?.as_ref()
    }

    /// The type the result of `place op= value` is checked against at
    /// run time, by the node of `value`.
    pub fn compound_check_of(&self, id: NodeId) -> Option<&Type> {
        self.compound_checks.get(&id)?.as_ref()
    }

    /// Whether the function argument `id` of a built-in method is called
    /// back with values its parameters must check.
    pub fn checks_callback(&self, id: NodeId) -> bool {
        self.callbacks.contains(&id)
    }

    /// Records that the function argument `id` is called back unproven.
    pub(super) fn record_callback_check(&mut self, id: NodeId) {
        if !id.is_synthetic() {
            self.callbacks.insert(id);
        }
    }

    /// Whether any value needs a run-time check.
    pub fn has_checks(&self) -> bool {
        !self.checks.is_empty() || !self.compound_checks.is_empty() || !self.callbacks.is_empty()
    }

    /// Records that the value of `id` enters a place of type `ty` unproven.
    pub(super) fn record_check(&mut self, id: NodeId, ty: &Type) {
        record_check_in(&mut self.checks, id, ty);
    }

    /// Records that the result of `place op= value`, `id` being `value`,
    /// enters a place of type `ty` unproven.
    pub(super) fn record_compound_check(&mut self, id: NodeId, ty: &Type) {
        record_check_in(&mut self.compound_checks, id, ty);
    }

    /// How many expressions have a known type.
    pub fn len(&self) -> usize {
        self.files
            .iter()
            .flat_map(|(_, nodes)| nodes)
            .filter(|&&entry| entry != NO_TYPE)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records that, in the module of `file`, the checker's type name
    /// `name` denotes the declaration named at `decl`.
    pub fn record_type_definition(&mut self, file: u32, name: &str, decl: NodeId) {
        self.type_definitions
            .entry(file)
            .or_default()
            .insert(name.to_string(), decl);
    }

    /// The declaring name's id of the frame, trait or enum that the type
    /// name `name` (of a type this table recorded for the module of
    /// `file`) denotes.
    pub fn type_definition(&self, file: u32, name: &str) -> Option<NodeId> {
        self.type_definitions.get(&file)?.get(name).copied()
    }

    /// Adds the types of another module's table (node ids name their
    /// file, so tables of different modules never collide).
    pub fn extend(&mut self, other: TypeTable) {
        for (file, names) in other.type_definitions {
            self.type_definitions.entry(file).or_default().extend(names);
        }
        self.parameters.extend(other.parameters);
        self.checks.extend(other.checks);
        self.compound_checks.extend(other.compound_checks);
        self.callbacks.extend(other.callbacks);
        // Their entries renamed to ours.
        let renamed: Vec<u32> = other.distinct.iter().map(|ty| self.intern(ty)).collect();
        let rename = |entry: u32| match entry {
            NO_TYPE | CONFLICT => entry,
            position => renamed
                .get(position as usize - 1)
                .copied()
                .unwrap_or(NO_TYPE),
        };
        for (file, theirs) in other.files {
            let mine = self.nodes_mut(file);
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), NO_TYPE);
            }
            for (slot, entry) in mine.iter_mut().zip(theirs) {
                if entry != NO_TYPE {
                    *slot = rename(entry);
                }
            }
        }
    }

    /// The entry of `id`, made room for.
    fn slot(&mut self, id: NodeId) -> &mut u32 {
        let nodes = self.nodes_mut(id.file);
        let index = id.index as usize;
        if nodes.len() <= index {
            nodes.resize(index + 1, NO_TYPE);
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
                *slot = NO_TYPE;
            }
            return;
        }
        let existing = *self.slot(id);
        let entry = match existing {
            NO_TYPE => self.intern(ty),
            CONFLICT => return,
            position if self.distinct.get(position as usize - 1) == Some(ty) => return,
            _ => CONFLICT,
        };
        *self.slot(id) = entry;
    }

    /// Drops the `Any` markers left by conflicting records.
    pub(super) fn finish(&mut self) {
        for slot in self.files.iter_mut().flat_map(|(_, nodes)| nodes) {
            if *slot == CONFLICT {
                *slot = NO_TYPE;
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

    #[test]
    fn each_distinct_type_is_stored_once() {
        let mut table = TypeTable::default();
        let function = Type::Function(Box::new(crate::check::types::FunctionType {
            params: Vec::new(),
            ret: Type::Int,
            flexible_arity: false,
        }));
        for index in 0..1000 {
            table.record(id(0, index), &Type::Int);
            table.record(id(0, 1000 + index), &function);
        }
        assert_eq!(table.distinct.len(), 2);
        // A conflict reads as `any` until `finish` forgets it.
        table.record(id(0, 3), &Type::Str);
        assert_eq!(table.type_of(id(0, 3)), Some(&Type::Any));
        table.finish();
        assert_eq!(table.type_of(id(0, 3)), None);
        assert_eq!(table.type_of(id(0, 1999)), Some(&function));
        // Another table's entries are renamed to this one's types.
        let mut other = TypeTable::default();
        other.record(id(1, 0), &Type::Str);
        other.record(id(1, 1), &function);
        table.extend(other);
        assert_eq!(table.type_of(id(1, 0)), Some(&Type::Str));
        assert_eq!(table.type_of(id(1, 1)), Some(&function));
        assert_eq!(table.distinct.len(), 3);
    }
}
