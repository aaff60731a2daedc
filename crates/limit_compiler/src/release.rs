//! Which of a session's functions can be released (issue 18).
//!
//! A session compiles chunk after chunk into one program. Most of what a
//! chunk compiles is soon unreachable: its top-level code once it has
//! run, the function literals no live value holds, the earlier version of
//! a function a later chunk redeclares. Such functions are *releasable*
//! (`codegen/function_slots.rs` says which); every other function is
//! *permanent* and keeps its slot.
//!
//! Invariant: a releasable function is released only when nothing can
//! call it or make a closure of it again, that is when it is not reached
//! (through the functions the code of reached functions names) from
//! * a name of the session or of a module it imported (the latest
//!   version of each top-level function);
//! * a function the code of a permanent function names (recorded when
//!   the permanent function is compiled: it never changes);
//! * a function the host holds a handle on (pinned);
//! * a function a value holds: the VM reports the prototypes its values
//!   share (closures hold their prototype's `Arc`, also inside values
//!   queued in channels) when the VM is idle, between two chunks, when
//!   no frame runs.
//!
//! A release walks the reached releasable functions' code, so it runs
//! only once as many releasable functions were made since the last one
//! as were live after it (and at least `MIN_BATCH`): its cost is spread
//! over the chunks that made them.

use limit_bytecode::program::{FunctionProto, Program};
use rustc_hash::FxHashSet;

/// Fewest releasable functions made between two releases.
const MIN_BATCH: usize = 256;

/// What the session knows to release its functions.
#[derive(Clone, Default)]
pub(crate) struct Releaser {
    /// Releasable functions not released yet.
    releasable: FxHashSet<u32>,
    /// Functions named by the code of permanent functions.
    named_by_permanent: FxHashSet<u32>,
    /// Constants named by the code of permanent functions.
    permanent_constants: FxHashSet<u32>,
    /// Functions the host holds handles on.
    pinned: FxHashSet<u32>,
    /// Slots released since the last update.
    released: Vec<u32>,
    /// Releasable functions made since the last release.
    made_since: usize,
    /// Releasable functions live after the last release.
    live_after: usize,
}

impl Releaser {
    /// Notes an accepted chunk: its releasable functions, and what the
    /// code of the permanent ones among `filled` (the slots it filled)
    /// names.
    pub(crate) fn note_chunk(
        &mut self,
        program: &Program,
        filled: impl Iterator<Item = usize>,
        releasable: &[u32],
    ) {
        self.releasable.extend(releasable.iter().copied());
        self.made_since += releasable.len();
        for slot in filled {
            if self.releasable.contains(&(slot as u32)) {
                continue;
            }
            if let Some(f) = program.functions.get(slot) {
                f.for_each_named_function(|g| {
                    self.named_by_permanent.insert(g);
                });
                f.for_each_constant(|k| {
                    self.permanent_constants.insert(k);
                });
            }
        }
    }

    /// Which constants of `program` live code names (after a release):
    /// permanent functions' (recorded as compiled) and those of the
    /// releasable functions not released. No other part of a program
    /// names a constant.
    pub(crate) fn live_constants(&self, program: &Program) -> Vec<bool> {
        let mut live = vec![false; program.constants.len()];
        let mut keep = |k: u32| {
            if let Some(live) = live.get_mut(k as usize) {
                *live = true;
            }
        };
        for &k in &self.permanent_constants {
            keep(k);
        }
        for &f in &self.releasable {
            if let Some(proto) = program.functions.get(f as usize) {
                proto.for_each_constant(&mut keep);
            }
        }
        live
    }

    pub(crate) fn pin(&mut self, index: u32) {
        self.pinned.insert(index);
    }

    pub(crate) fn due(&self) -> bool {
        self.made_since >= MIN_BATCH.max(self.live_after)
    }

    pub(crate) fn take_released(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.released)
    }

    /// Releases the releasable functions not reached from `named` (the
    /// session's and modules' function names), the functions permanent
    /// code names, the pinned ones and `held` (those values hold): their
    /// slots become placeholders and join `free`. Returns how many.
    pub(crate) fn release(
        &mut self,
        program: &mut Program,
        free: &mut Vec<u32>,
        named: impl Iterator<Item = u32>,
        held: &[u32],
    ) -> usize {
        let mut reached: FxHashSet<u32> = FxHashSet::default();
        let mut to_walk = Vec::new();
        let roots = named
            .chain(self.named_by_permanent.iter().copied())
            .chain(self.pinned.iter().copied())
            .chain(held.iter().copied());
        for root in roots {
            if self.releasable.contains(&root) && reached.insert(root) {
                to_walk.push(root);
            }
        }
        while let Some(f) = to_walk.pop() {
            if let Some(proto) = program.functions.get(f as usize) {
                proto.for_each_named_function(|g| {
                    if self.releasable.contains(&g) && reached.insert(g) {
                        to_walk.push(g);
                    }
                });
            }
        }
        let mut unreached: Vec<u32> = self
            .releasable
            .iter()
            .copied()
            .filter(|f| !reached.contains(f))
            .collect();
        // Lowest slots are filled first (popped last): the table stays
        // dense at its start.
        unreached.sort_unstable_by(|a, b| b.cmp(a));
        for &slot in &unreached {
            self.releasable.remove(&slot);
            if let Some(f) = program.functions.get_mut(slot as usize) {
                *f = FunctionProto::released();
            }
        }
        free.extend(unreached.iter().copied());
        free.sort_unstable_by(|a, b| b.cmp(a));
        self.released.extend(unreached.iter().copied());
        self.made_since = 0;
        self.live_after = self.releasable.len();
        unreached.len()
    }
}
