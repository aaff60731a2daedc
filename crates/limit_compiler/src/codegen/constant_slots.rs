//! Constant slots a session releases and fills again (issue 18): once no
//! live code names a constant (`crate::release` says which code is live),
//! its slot is released and a later chunk's new constant takes it, so a
//! long session's constant pool follows what live code uses, not how many
//! chunks brought a constant of their own (`f(17)`, `"id-4711"`).

use super::{Codegen, ConstantKey};
use limit_bytecode::program::Constant;
use rustc_hash::{FxHashMap, FxHashSet};

/// The released constant slots, and those the chunk being compiled filled.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConstantSlots {
    /// Released slots, highest first (the lowest is filled first).
    pub free: Vec<u32>,
    /// The released slots the chunk being compiled filled again.
    pub refilled: Vec<u32>,
}

impl ConstantSlots {
    /// Releases every constant of `constants` that `live` does not mark
    /// (and that is not released already): its slot holds `nil` until
    /// filled again, and `index` forgets it. Returns how many.
    pub(crate) fn release(
        &mut self,
        constants: &mut [Constant],
        live: &[bool],
        index: &mut FxHashMap<ConstantKey, u32>,
    ) -> usize {
        let already: FxHashSet<u32> = self.free.iter().copied().collect();
        let before = self.free.len();
        for (slot, constant) in constants.iter_mut().enumerate() {
            let slot = slot as u32;
            if !live.get(slot as usize).copied().unwrap_or(true) && !already.contains(&slot) {
                *constant = Constant::Nil;
                self.free.push(slot);
            }
        }
        self.free.sort_unstable_by(|a, b| b.cmp(a));
        index.retain(|_, slot| live.get(*slot as usize).copied().unwrap_or(true));
        self.free.len() - before
    }

    /// Forgets what a rejected chunk filled: those slots are released
    /// again (the caller restores the free list).
    pub(crate) fn rollback(&mut self, constants: &mut [Constant]) -> Vec<u32> {
        let refilled = std::mem::take(&mut self.refilled);
        for &slot in &refilled {
            if let Some(constant) = constants.get_mut(slot as usize) {
                *constant = Constant::Nil;
            }
        }
        refilled
    }
}

impl Codegen<'_> {
    /// A slot for a new constant: a released one when there is one (a
    /// session's), else a new one at the end of the pool.
    pub(crate) fn constant_slot(&mut self, constant: Constant) -> u32 {
        match self.constant_slots.free.pop() {
            Some(slot) => {
                self.program.constants[slot as usize] = constant;
                self.constant_slots.refilled.push(slot);
                slot
            }
            None => {
                self.program.constants.push(constant);
                (self.program.constants.len() - 1) as u32
            }
        }
    }
}
