//! Running frames (`run_loop`): the dispatch loop (`run_fast`,
//! dispatch.rs) runs instructions by their fast paths until one declines;
//! `Vm::step` (generic.rs) runs that one by its general implementation,
//! and the dispatch loop takes over again.

use super::generic::Step;
use super::*;

/// Where the running frame is, handed to `Vm::run_fast` (see `enter_fast`).
pub(super) struct Entry {
    pub(super) code: *const Op,
    pub(super) ip: usize,
    pub(super) base: usize,
}

impl Vm {
    /// Run the frames above `stop_depth` (`run_loop`), counting and
    /// tracing when asked.
    pub(super) fn execute(&mut self, stop_depth: usize) -> Result<Value, Trap> {
        if self.options.trace || self.options.stats {
            self.run_loop::<true>(stop_depth)
        } else {
            self.run_loop::<false>(stop_depth)
        }
    }

    /// Execute until the number of frames drops to `stop_depth`; returns the
    /// value returned by the frame at that depth.
    ///
    /// `run_fast` runs instructions by their fast paths until one declines;
    /// `Vm::step` (generic.rs) runs that one by its general implementation,
    /// and the fast loop takes over again. With `TRACE` (`execute`) every
    /// instruction goes through `step`, so the counts stay exact.
    pub(crate) fn run_loop<const TRACE: bool>(&mut self, stop_depth: usize) -> Result<Value, Trap> {
        let may_deinit = self.has_deinit;
        loop {
            // Whatever the last instruction released (a popped temporary,
            // a replaced local, field or element, a returning frame's
            // locals) gets its `deinit` now, before the next instruction;
            // the fast paths release nothing while a class has a `deinit`.
            if may_deinit {
                self.run_released_deinits(stop_depth)?;
            }
            // `--jit=always` runs every instruction through `step`, so
            // that every call and back edge can enter compiled code.
            // (And for a while after compiled code left midway: jit/mod.rs.)
            let always = self
                .jit
                .as_deref_mut()
                .is_some_and(crate::jit::Jit::step_through);
            if !TRACE && !always && self.enter_fast(stop_depth) {
                // The fast loop stopped after an allocation: collect
                // cycles when due, check the heap limit.
                if let Err(t) = self.after_allocation() {
                    self.unwind(t, stop_depth)?;
                }
                continue;
            }
            // Compiled code is entered at a function's start or a loop's
            // head, so the JIT looks only after a step that changed frames
            // or jumped back: looking after every step cost programs that
            // leave many instructions to `step` (strings, closures) about
            // 3% with nothing to compile.
            let before = match (&self.jit, self.frames.last()) {
                (Some(_), Some(f)) => Some((self.frames.len(), f.ip)),
                _ => None,
            };
            if let Step::Return(v) = self.step::<TRACE>(stop_depth)? {
                return Ok(v);
            }
            if let Some((depth, ip)) = before {
                let entered = self
                    .frames
                    .last()
                    .is_some_and(|f| self.frames.len() != depth || f.ip <= ip);
                if entered {
                    self.jit_enter_top();
                    // Compiled code allocated and left for the collection
                    // the dispatch loop would have run after it.
                    if self.jit_collection_pending() {
                        if let Err(t) = self.after_allocation() {
                            self.unwind(t, stop_depth)?;
                        }
                    }
                }
            }
        }
    }

    /// Run `run_fast` from the top frame. The frame is read here, not in
    /// `run_fast`: entering from a struct keeps the loop's entry apart from
    /// a return's reload of the frame, and LLVM then keeps `sp` in one
    /// register across the loop (merged, it kept two and copied between
    /// them on every instruction: +4% on a loop of arithmetic).
    fn enter_fast(&mut self, stop_depth: usize) -> bool {
        let f = self.frames.last().expect("a frame is running");
        let at = Entry {
            code: self.functions[f.func as usize].code.as_ptr(),
            ip: f.ip,
            base: f.base,
        };
        self.run_fast(&at, stop_depth)
    }
}
