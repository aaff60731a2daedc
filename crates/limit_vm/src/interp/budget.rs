//! Resource limits (limits.rs) and the cycle collector (gc.rs): the
//! step budget, checkpoints and collections.

use super::*;

// ------------------------------------------------------------ limits and memory

/// Resource limits (limits.rs) and the cycle collector (gc.rs).
impl Vm {
    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.options.limits
    }

    /// Replace the limits (they apply from the next run or call).
    pub fn set_limits(&mut self, limits: Limits) {
        self.options.limits = limits;
    }

    /// Hand `print` output to `sink`, a line at a time as it is printed
    /// (`None`: back to capturing or stdout); output so far is flushed
    /// first. Nothing is kept, so output does not grow the heap. The
    /// output of `parallel` tasks reaches it from this VM's thread.
    pub fn set_print_sink(&mut self, sink: Option<Box<PrintSink>>) {
        self.flush();
        self.print_sink = sink;
    }

    /// Whether a host receives `print` output (`set_print_sink`).
    pub(crate) fn has_print_sink(&self) -> bool {
        self.print_sink.is_some()
    }

    /// Keep `print` output in memory (`take_output`) or write it to stdout
    /// from now on (output so far is flushed first).
    pub fn set_capture_output(&mut self, capture: bool) {
        self.flush();
        self.options.capture_output = capture;
    }

    /// Start a run: install the limits on this thread and refill the step
    /// budget.
    pub(super) fn start_run(&mut self) {
        self.gc_at_bytes = self.next_gc_at(limits::heap_bytes());
        limits::install(self.options.limits);
        limits::install_channel_meter(&self.channel_meter);
        self.steps_left = self.options.limits.max_steps.unwrap_or(u64::MAX);
        self.chunk = self.next_chunk();
        self.steps_left -= (self.chunk as u64).min(self.steps_left);
        self.countdown = self.chunk;
    }

    /// Prepare this VM to run parallel tasks on the current thread, as part
    /// of the program whose shared budget is `budget`: the limits are
    /// installed here, and every step is drawn from the budget.
    pub(crate) fn start_task_thread(
        &mut self,
        budget: std::sync::Arc<limits::SharedBudget>,
        channels: limits::ChannelMeter,
    ) {
        limits::install(self.options.limits);
        limits::install_channel_meter(&channels);
        self.channel_meter = channels;
        limits::join_budget(Some(budget));
        self.steps_left = 0;
        self.chunk = 1;
        self.countdown = 1;
    }

    /// Leave the shared budget (the thread's tasks are over), giving back
    /// the steps drawn and not used.
    pub(crate) fn end_task_thread(&mut self) {
        limits::return_steps(self.steps_left);
        self.steps_left = 0;
        limits::join_budget(None);
    }

    /// Steps this VM may still take in the current run (the current chunk
    /// included), taken out of it; the block that hands them to its tasks
    /// gives back what they leave with [`Vm::restore_steps`].
    pub(crate) fn lend_steps(&mut self) -> u64 {
        if self.options.limits.max_steps.is_none() {
            return u64::MAX;
        }
        let lent = self.steps_left;
        self.steps_left = 0;
        lent
    }

    /// Take back the steps a parallel block's tasks left of those lent.
    pub(crate) fn restore_steps(&mut self, steps: u64) {
        if self.options.limits.max_steps.is_some() {
            self.steps_left = steps;
        }
    }

    /// Whether the last counted step ran a checkpoint (the countdown is
    /// a whole chunk again): the JIT's cue to look for a loop head
    /// (`Jit::step_through`).
    pub(crate) fn just_checkpointed(&self) -> bool {
        self.countdown == self.chunk
    }

    /// Every `CHECKPOINT_STEPS` steps (or when the step budget runs out):
    /// charge the step budget, check the heap limit, collect cycles if due.
    #[cold]
    #[inline(never)]
    pub(super) fn checkpoint(&mut self) -> Result<(), Trap> {
        if self.steps_left == 0 {
            // A parallel task's thread draws its steps from the program's
            // shared budget (nothing elsewhere).
            self.steps_left = limits::draw_steps(CHECKPOINT_STEPS as u64);
        }
        if let Some(cancelled) = self.conc.cancellation() {
            self.countdown = 1; // and again at the next step
            return Err(cancelled);
        }
        if let Err(interrupted) = crate::interrupt::check() {
            self.countdown = 1;
            return Err(interrupted);
        }
        if self.steps_left == 0 && self.options.limits.max_steps.is_some() {
            self.countdown = 1; // trap again at the next step
            let max = self.options.limits.max_steps.unwrap_or(0);
            return limits::exceeded(&format!("step limit of {max} steps exceeded"));
        }
        self.chunk = self.next_chunk();
        self.steps_left -= (self.chunk as u64).min(self.steps_left);
        self.countdown = self.chunk;
        // Steps and the work operators charge (big integers, whole-list
        // operations) share one budget: the chunk is paid for in work units.
        limits::charge_units(self.chunk as u64 * limits::UNITS_PER_STEP)?;
        self.after_allocation()
    }

    /// The steps of the next chunk: `CHECKPOINT_STEPS`, or what is left
    /// of the budget (at least one, which then reaches the limit).
    fn next_chunk(&self) -> u32 {
        (CHECKPOINT_STEPS as u64).min(self.steps_left.max(1)) as u32
    }

    /// The checkpoint compiled code runs where it is due (jit/runtime.rs):
    /// `checkpoint` when it has nothing to do but take the next chunk of
    /// steps. Anything more (a limit exceeded, an interrupt, a collection
    /// that may run `deinit`s, steps drawn from a parallel block's shared
    /// budget) changes nothing here and returns false: compiled code then
    /// exits, and the interpreter runs the full checkpoint at the same
    /// instruction. Like the interpreter's, a successful one counts the
    /// step that was due (`countdown` goes from 1 to the new chunk, which
    /// is more than 1: compiled code tells the two outcomes apart by it).
    pub(crate) fn quiet_checkpoint(&mut self) -> bool {
        if self.steps_left == 0
            || self.conc.cancellation().is_some()
            || crate::interrupt::check().is_err()
        {
            return false;
        }
        let chunk = self.next_chunk();
        let units = chunk as u64 * limits::UNITS_PER_STEP;
        // A chunk of 1 would leave the countdown at 1, which compiled code
        // reads as declined: the last steps are the interpreter's.
        if chunk <= 1
            || !limits::can_charge_units(units)
            || gc::due()
            || limits::heap_bytes() >= self.gc_at_bytes
            || limits::check_pending().is_err()
            || limits::check_heap(0).is_err()
        {
            return false;
        }
        self.chunk = chunk;
        self.steps_left -= chunk as u64;
        self.countdown = chunk;
        // Cannot fail: checked above, and nothing ran in between.
        limits::charge_units(units).is_ok()
    }

    /// Whether the interpreter would stop after an allocation now to run
    /// `after_allocation` (the dispatch loop's `allocated!`): compiled code
    /// that allocates hands over then (jit/runtime.rs).
    pub(crate) fn collection_due(&self) -> bool {
        gc::due()
            || self.options.limits.max_heap_bytes.is_some()
            || limits::heap_bytes() >= self.gc_at_bytes
    }

    /// After allocating: collect cycles when due, check the heap limit.
    #[cold]
    #[inline(never)]
    pub(super) fn after_allocation(&mut self) -> Result<(), Trap> {
        if gc::due() || limits::heap_bytes() >= self.gc_at_bytes {
            self.collect_garbage_in(gc::Scope::Due)?;
        }
        limits::check_pending()?;
        if limits::check_heap(0).is_err() {
            // Cyclic garbage may be what fills the heap: collect all of it
            // before declaring the limit exceeded.
            self.collect_garbage()?;
            limits::check_heap(0)?;
        }
        Ok(())
    }

    /// Where the byte trigger collects next, after a collection left
    /// `live` bytes: at twice that, and, under a memory limit, at the
    /// latest halfway from there to the limit (so garbage is collected
    /// before the limit is reached, as it is approached).
    pub(super) fn next_gc_at(&self, live: usize) -> usize {
        let at = live.saturating_mul(2).max(MIN_GC_BYTES);
        match self.options.limits.max_heap_bytes {
            Some(max) if max > live => at.min(live + (max - live) / 2),
            Some(_) => at,
            None => at,
        }
    }

    /// Run the cycle collector (gc.rs) to completion: a pass, the `deinit`
    /// of any garbage instance, then a pass that frees those. Returns the
    /// number of objects freed. This is what `gc()` does.
    pub fn collect_garbage(&mut self) -> Result<usize, Trap> {
        self.collect_garbage_in(gc::Scope::Full)
    }

    /// [`Vm::collect_garbage`] over the objects `scope` names.
    pub(super) fn collect_garbage_in(&mut self, scope: gc::Scope) -> Result<usize, Trap> {
        let first = gc::collect_in(scope);
        let mut freed = first.freed;
        let mut examined = first.examined;
        if first.finalizing > 0 {
            self.run_pending_deinits()?;
            let second = gc::collect_in(scope);
            freed += second.freed;
            examined += second.examined;
            self.run_pending_deinits()?;
        }
        self.gc_at_bytes = self.next_gc_at(limits::heap_bytes());
        // A collection's work counts against the step limit (one step per
        // 256 containers examined), so a loop of `gc()` calls cannot run
        // far beyond it (found by the `run` fuzz target).
        self.charge_steps(1 + examined as u64 / 256)?;
        Ok(freed)
    }

    /// Takes `steps` from the step budget at once (work a single
    /// instruction does that is not a loop iteration or a call).
    pub(super) fn charge_steps(&mut self, steps: u64) -> Result<(), Trap> {
        let Some(max) = self.options.limits.max_steps else {
            return Ok(());
        };
        // Keep `countdown` at least 1: the next step then reaches the
        // checkpoint normally.
        let from_chunk = (self.countdown.saturating_sub(1) as u64).min(steps);
        self.countdown -= from_chunk as u32;
        let rest = steps - from_chunk;
        if rest > self.steps_left {
            self.steps_left += limits::draw_steps(rest - self.steps_left);
        }
        if rest > self.steps_left {
            self.steps_left = 0;
            self.countdown = 1;
            return limits::exceeded(&format!("step limit of {max} steps exceeded"));
        }
        self.steps_left -= rest;
        Ok(())
    }
}
