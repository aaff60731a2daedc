//! Concurrency: the instructions of `concurrent` and `parallel` blocks
//! and shared values, and the hooks of the runtime that runs them
//! (runtime/sched.rs, parallel.rs, shared.rs), such as a fiber's saved
//! execution state.

use super::*;

impl Vm {
    /// The block, spawn and shared-value instructions.
    pub(super) fn concurrency_op(&mut self, op: Op) -> Result<(), Trap> {
        match op {
            Op::BlockBegin(kind) => {
                let params = self.pop();
                let kind = if kind == 0 {
                    sched::BlockKind::Concurrent
                } else {
                    sched::BlockKind::Parallel
                };
                sched::begin(self, kind, &params)
            }
            Op::Spawn(_, true) => {
                let source = self.pop();
                let closure = self.pop();
                sched::spawn_worker(self, closure, &source)
            }
            Op::Spawn(argc, false) => {
                let arg = if argc > 0 { Some(self.pop()) } else { None };
                let closure = self.pop();
                sched::spawn(self, closure, arg)
            }
            Op::BlockEnd => sched::end(self),
            Op::MakeShared => {
                let v = self.pop();
                let shared = sched::make_shared(&v)?;
                self.stack.push(shared);
                Ok(())
            }
            Op::SharedGet => {
                let v = self.pop();
                let r = sched::shared_get(self, v);
                self.stack.push(r);
                Ok(())
            }
            Op::SharedLock => {
                let cell = self.pop();
                sched::shared_lock(self, &cell);
                Ok(())
            }
            Op::SharedSetUnlock => {
                let cell = self.pop();
                let v = self.pop();
                sched::shared_set_unlock(self, &v, &cell)
            }
            other => Err(unexpected(other)),
        }
    }
}

/// A fiber's saved execution state (runtime/sched.rs).
#[derive(Default)]
pub(crate) struct Exec {
    stack: Vec<Value>,
    frames: Vec<Frame>,
    handlers: Vec<Handler>,
}

/// Hooks for the concurrency runtime (runtime/sched.rs, parallel.rs).
impl Vm {
    /// Exchange the running execution state with `exec`.
    pub(crate) fn swap_exec(&mut self, exec: &mut Exec) {
        std::mem::swap(&mut self.stack, &mut exec.stack);
        std::mem::swap(&mut self.frames, &mut exec.frames);
        std::mem::swap(&mut self.handlers, &mut exec.handlers);
    }

    /// Drop the running execution state.
    pub(crate) fn clear_exec(&mut self) {
        self.stack.clear();
        self.frames.clear();
        self.handlers.clear();
    }

    /// Whether a frame is running.
    pub(crate) fn has_frames(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Push `f` and `args` and set up the call: true when a Limit frame was
    /// pushed (run it with `run_frames`), false when it already returned.
    pub(crate) fn start_call(&mut self, f: &Value, args: &[Value]) -> Result<bool, Trap> {
        let at = self.stack.len();
        self.stack.push(f.clone());
        self.stack.extend(args.iter().cloned());
        let pushed = self.call_value_at(at, args.len())?;
        if !pushed {
            self.stack.truncate(at);
        }
        Ok(pushed)
    }

    /// Runs the `deinit` of every instance released meanwhile (a fiber's
    /// locals when its task returns).
    pub(crate) fn release_pending(&mut self) -> Result<(), Trap> {
        if self.has_deinit {
            self.run_pending_deinits()?;
        }
        Ok(())
    }

    /// Run until no frame is left.
    pub(crate) fn run_frames(&mut self) -> Result<Value, Trap> {
        self.execute(0)
    }

    /// Take the trace recorded for an escaping error.
    pub(crate) fn take_trace(&mut self) -> Option<Vec<TraceEntry>> {
        self.trace_of_task = false;
        self.trace.take()
    }

    /// Set the trace of an error about to be raised from a task's trace;
    /// the frames running the block follow it.
    pub(crate) fn set_trace(&mut self, trace: Vec<TraceEntry>) {
        self.trace = Some(trace);
        self.trace_of_task = true;
    }

    /// The trace recorded is a task's (a fiber's frames, swapped out when
    /// its error leaves the scheduler): the block's frames follow it.
    pub(crate) fn mark_trace_of_task(&mut self) {
        self.trace_of_task = self.trace.is_some();
    }
}
