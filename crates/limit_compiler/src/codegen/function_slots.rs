//! Function slots a session releases and fills again (issue 18): a chunk's
//! top-level code, the function literals no live value holds and the
//! earlier versions of redeclared functions are released once nothing can
//! call them (`crate::release`), and later chunks compile into their
//! slots, so a long session's function table follows what is live, not
//! how many chunks ran. Only such *releasable* functions are taken from
//! or given to the free list; every other function (methods,
//! constructors, modules' functions and init code, field dispatchers)
//! keeps its slot for the session's life.

use super::Codegen;
use limit_bytecode::program::FunctionProto;

/// The releasable slots of a chunk being compiled, and the free ones.
#[derive(Clone, Debug, Default)]
pub(crate) struct FunctionSlots {
    /// Released slots, ready to be filled again.
    pub free: Vec<u32>,
    /// Releasable functions the chunk being compiled made (fresh or
    /// refilled slots).
    pub releasable: Vec<u32>,
    /// The released slots the chunk being compiled filled again.
    pub refilled: Vec<u32>,
}

impl Codegen<'_> {
    /// A slot for a function that may be released once nothing can call
    /// it: a function literal or nested function, a session chunk's
    /// top-level code or top-level function. Takes a released slot when
    /// there is one.
    pub(crate) fn releasable_function_slot(&mut self) -> u32 {
        let slot = self.function_slot();
        self.slots.releasable.push(slot);
        slot
    }

    /// A slot for a new function: a released one when there is one (a
    /// session's), else a new one at the end of the table.
    pub(crate) fn function_slot(&mut self) -> u32 {
        match self.slots.free.pop() {
            Some(slot) => {
                self.program.functions[slot as usize] = FunctionProto::default();
                self.slots.refilled.push(slot);
                slot
            }
            None => {
                self.program.functions.push(FunctionProto::default());
                (self.program.functions.len() - 1) as u32
            }
        }
    }
}
