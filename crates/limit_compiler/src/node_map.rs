//! Tables keyed by node id, stored densely.
//!
//! The parser numbers each file's nodes from 0 in parse order
//! (`ast::NodeId`), so a table of what later stages learn about nodes
//! (what a name use denotes, where a declaration is, a variable's type)
//! can be a vector per file indexed by the node's number instead of a hash
//! map: recording and looking up hash nothing, the nodes of one function
//! sit next to each other in memory, and a growing table extends its
//! vectors instead of rehashing every entry into a fresh allocation (for a
//! program of 20 000 functions the hash maps' growth was a quarter of the
//! compiler's page faults).
//!
//! A table holds the few files one compilation saw (a program's modules; a
//! session's chunks, whose file numbers may be far apart), found by binary
//! search on the file number. Ids no parser made (`NodeId::SYNTHETIC`, or
//! any index too large to be a node's number) go to a small hash map on
//! the side, so no id makes a table allocate room for billions of nodes.

use limit_syntax::ast::NodeId;
use limit_syntax::span::FileId;
use rustc_hash::FxHashMap;

/// Node numbers at or above this are kept in the side table. No file has
/// this many nodes (each takes at least a byte of source), so in practice
/// only synthetic ids land there.
const DENSE_LIMIT: u32 = 1 << 28;

/// The vector of entries for `file` in `files` (sorted by file), if any.
fn file_slot<T>(files: &[(FileId, Vec<T>)], file: FileId) -> Option<&Vec<T>> {
    // The last file is the one most recently added and, in a session, the
    // chunk being compiled: check it before searching.
    if let Some((last, slots)) = files.last() {
        if *last == file {
            return Some(slots);
        }
    }
    let at = files.binary_search_by_key(&file, |(f, _)| *f).ok()?;
    Some(&files[at].1)
}

/// The vector of entries for `file`, made if it is new.
fn file_slot_mut<T>(files: &mut Vec<(FileId, Vec<T>)>, file: FileId) -> &mut Vec<T> {
    let at = match files.last() {
        Some((last, _)) if *last == file => files.len() - 1,
        _ => match files.binary_search_by_key(&file, |(f, _)| *f) {
            Ok(at) => at,
            Err(at) => {
                files.insert(at, (file, Vec::new()));
                at
            }
        },
    };
    &mut files[at].1
}

/// A map from node ids to values. Each file's nodes have a 4-byte slot
/// (up to the largest number recorded) naming the entry; the entries
/// themselves are stored once, in insertion order.
#[derive(Clone, Debug)]
pub struct NodeMap<V> {
    /// By file number (sorted), then by node number: 0 for no entry, else
    /// the entry's position in `entries` + 1.
    files: Vec<(FileId, Vec<u32>)>,
    entries: Vec<(NodeId, V)>,
    /// Where the entries of ids with no dense slot are.
    sparse: FxHashMap<NodeId, u32>,
}

impl<V> Default for NodeMap<V> {
    fn default() -> NodeMap<V> {
        NodeMap {
            files: Vec::new(),
            entries: Vec::new(),
            sparse: FxHashMap::default(),
        }
    }
}

impl<V> NodeMap<V> {
    pub fn new() -> NodeMap<V> {
        NodeMap::default()
    }

    /// The position of `id`'s entry in `entries`.
    fn position(&self, id: NodeId) -> Option<usize> {
        let slot = if id.index >= DENSE_LIMIT {
            *self.sparse.get(&id)?
        } else {
            *file_slot(&self.files, id.file)?.get(id.index as usize)?
        };
        (slot != 0).then(|| slot as usize - 1)
    }

    pub fn get(&self, id: NodeId) -> Option<&V> {
        let at = self.position(id)?;
        Some(&self.entries[at].1)
    }

    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut V> {
        let at = self.position(id)?;
        Some(&mut self.entries[at].1)
    }

    pub fn contains_key(&self, id: NodeId) -> bool {
        self.position(id).is_some()
    }

    /// Records `value` for `id`; returns the value it replaces.
    pub fn insert(&mut self, id: NodeId, value: V) -> Option<V> {
        if let Some(at) = self.position(id) {
            return Some(std::mem::replace(&mut self.entries[at].1, value));
        }
        // Positions are stored + 1 in a u32; a table never holds 4 billion
        // entries (there are fewer nodes than bytes of source).
        let slot = u32::try_from(self.entries.len() + 1).unwrap_or(u32::MAX);
        if id.index >= DENSE_LIMIT {
            self.sparse.insert(id, slot);
        } else {
            let slots = file_slot_mut(&mut self.files, id.file);
            let index = id.index as usize;
            if slots.len() <= index {
                slots.resize(index + 1, 0);
            }
            slots[index] = slot;
        }
        self.entries.push((id, value));
        None
    }

    /// Every entry, in the order the ids were first recorded.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &V)> + '_ {
        self.entries.iter().map(|(id, value)| (*id, value))
    }
}

/// A set of node ids: a bit per node of each file seen.
#[derive(Clone, Debug, Default)]
pub struct NodeSet {
    /// By file number (sorted): bit `index % 64` of word `index / 64`.
    files: Vec<(FileId, Vec<u64>)>,
    /// Ids with no dense bit.
    sparse: rustc_hash::FxHashSet<NodeId>,
}

impl NodeSet {
    pub fn contains(&self, id: NodeId) -> bool {
        if id.index >= DENSE_LIMIT {
            return self.sparse.contains(&id);
        }
        let Some(words) = file_slot(&self.files, id.file) else {
            return false;
        };
        words
            .get(id.index as usize / 64)
            .is_some_and(|word| word & (1 << (id.index % 64)) != 0)
    }

    /// Adds `id`; returns whether it was new.
    pub fn insert(&mut self, id: NodeId) -> bool {
        if id.index >= DENSE_LIMIT {
            return self.sparse.insert(id);
        }
        let words = file_slot_mut(&mut self.files, id.file);
        let word = id.index as usize / 64;
        if words.len() <= word {
            words.resize(word + 1, 0);
        }
        let bit = 1 << (id.index % 64);
        let new = words[word] & bit == 0;
        words[word] |= bit;
        new
    }
}

impl Extend<NodeId> for NodeSet {
    fn extend<I: IntoIterator<Item = NodeId>>(&mut self, ids: I) {
        for id in ids {
            self.insert(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(file: FileId, index: u32) -> NodeId {
        NodeId { file, index }
    }

    #[test]
    fn a_map_finds_what_was_recorded_per_file_and_node() {
        let mut map = NodeMap::new();
        assert_eq!(map.iter().count(), 0);
        assert_eq!(map.insert(id(3, 10), "a"), None);
        assert_eq!(map.insert(id(1, 10), "b"), None);
        assert_eq!(map.insert(id(3, 2), "c"), None);
        assert_eq!(map.get(id(3, 10)), Some(&"a"));
        assert_eq!(map.get(id(1, 10)), Some(&"b"));
        assert_eq!(map.get(id(3, 2)), Some(&"c"));
        // Neighbours, other files and numbers past the end have nothing.
        assert_eq!(map.get(id(3, 3)), None);
        assert_eq!(map.get(id(2, 10)), None);
        assert_eq!(map.get(id(3, 11)), None);
        assert_eq!(map.get(id(1, 1_000_000)), None);
        assert!(map.contains_key(id(1, 10)));
        assert!(!map.contains_key(id(1, 9)));
        assert_eq!(map.iter().count(), 3);
    }

    #[test]
    fn inserting_again_replaces_and_returns_the_old_value() {
        let mut map = NodeMap::new();
        map.insert(id(0, 5), 1);
        assert_eq!(map.insert(id(0, 5), 2), Some(1));
        assert_eq!(map.get(id(0, 5)), Some(&2));
        *map.get_mut(id(0, 5)).unwrap() += 10;
        assert_eq!(map.get(id(0, 5)), Some(&12));
        assert_eq!(map.get_mut(id(0, 6)), None);
        assert_eq!(map.iter().count(), 1);
    }

    #[test]
    fn synthetic_ids_are_kept_without_a_dense_slot() {
        let mut map = NodeMap::new();
        map.insert(NodeId::SYNTHETIC, "made later");
        map.insert(id(0, DENSE_LIMIT), "huge");
        map.insert(id(0, 1), "real");
        assert_eq!(map.get(NodeId::SYNTHETIC), Some(&"made later"));
        assert_eq!(map.get(id(0, DENSE_LIMIT)), Some(&"huge"));
        assert_eq!(map.get(id(0, 1)), Some(&"real"));
        assert_eq!(map.insert(NodeId::SYNTHETIC, "again"), Some("made later"));
        // No file's slots grew to the synthetic numbers.
        assert!(map.files.iter().all(|(_, slots)| slots.len() <= 2));
        let mut set = NodeSet::default();
        assert!(set.insert(NodeId::SYNTHETIC));
        assert!(!set.insert(NodeId::SYNTHETIC));
        assert!(set.contains(NodeId::SYNTHETIC));
        assert!(set.files.is_empty());
    }

    #[test]
    fn iteration_gives_every_entry_in_insertion_order() {
        let mut map = NodeMap::new();
        let ids = [id(7, 3), id(2, 9), id(7, 0), id(40_000, 1)];
        for (n, &node) in ids.iter().enumerate() {
            map.insert(node, n);
        }
        map.insert(id(2, 9), 99);
        let seen: Vec<(NodeId, usize)> = map.iter().map(|(node, &n)| (node, n)).collect();
        assert_eq!(
            seen,
            vec![(ids[0], 0), (ids[1], 99), (ids[2], 2), (ids[3], 3)]
        );
    }

    #[test]
    fn a_set_holds_each_node_once_across_files_and_word_boundaries() {
        let mut set = NodeSet::default();
        for index in [0, 63, 64, 65, 1000] {
            assert!(set.insert(id(5, index)));
        }
        assert!(!set.insert(id(5, 64)));
        set.extend([id(1, 64), id(9, 2)]);
        for index in [0, 63, 64, 65, 1000] {
            assert!(set.contains(id(5, index)), "{index}");
        }
        for index in [1, 62, 66, 999, 1001, 100_000] {
            assert!(!set.contains(id(5, index)), "{index}");
        }
        assert!(set.contains(id(1, 64)));
        assert!(!set.contains(id(1, 63)));
        assert!(set.contains(id(9, 2)));
        assert!(!set.contains(id(4, 0)));
    }
}
