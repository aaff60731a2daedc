//! The embedding side of the VM: output sinks, pinned values, globals
//! and calls from the host.

use super::*;

impl Vm {
    /// The value of function `index` of the program (a closure without
    /// captures: top-level functions have none), for calling it from the
    /// host with `call_value`.
    pub fn function_value(&self, index: usize) -> Option<Value> {
        let proto = self.functions.get(index)?.clone();
        if !proto.captures.is_empty() {
            return None;
        }
        Some(Value::closure(Closure::new(
            index as u32,
            proto,
            crate::value::Captures::new(),
        )))
    }

    /// Keep `value` alive for the host until [`Vm::unpin`]; returns its
    /// id (unique in the process).
    pub fn pin(&mut self, value: Value) -> u64 {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.pinned.insert(id, value);
        id
    }

    /// The value pinned as `id`.
    pub fn pinned(&self, id: u64) -> Option<Value> {
        self.pinned.get(&id).cloned()
    }

    /// Let go of the value pinned as `id`.
    pub fn unpin(&mut self, id: u64) {
        self.pinned.remove(&id);
    }

    /// The trace of the last error that escaped a call (innermost call
    /// first), for a host that called back into the VM ([`Vm::call`]).
    pub fn error_trace(&self) -> Vec<TraceEntry> {
        self.trace.clone().unwrap_or_default()
    }

    /// The value of global slot `index`.
    pub fn global_at(&self, index: usize) -> Option<Value> {
        self.globals.get(index).cloned()
    }

    /// Store `value` in global slot `index` (the embedding API installs
    /// host functions this way; the slot must exist).
    pub fn set_global_at(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.globals.get_mut(index) {
            *slot = value;
        }
    }

    /// Call a function value from the host with `args` on an idle VM and
    /// return its result. Like `call_function`, the VM stays usable after
    /// an error, and the step budget is refilled for the call.
    pub fn call_value(&mut self, f: &Value, args: &[Value]) -> Result<Value, RuntimeError> {
        self.reset_execution();
        self.start_run();
        let result = self.call_with(f, args, true);
        self.end_host_call(result)
    }

    /// Call top-level function `index` (one without captures: see
    /// `function_value`) with `args` from the host, as `call_value` does
    /// with its value, but without making a closure for the call: what an
    /// embedder's function handle uses.
    pub fn call_function_with(
        &mut self,
        index: usize,
        args: &[Value],
    ) -> Result<Value, RuntimeError> {
        self.call_top_level(index, args.len(), true, |stack| {
            stack.extend_from_slice(args)
        })
    }

    /// [`Vm::call_function_with`], the arguments moved out of `args`
    /// (which is left empty, its capacity kept) rather than copied: for a
    /// host calling functions again and again.
    pub fn call_function_taking(
        &mut self,
        index: usize,
        args: &mut Vec<Value>,
    ) -> Result<Value, RuntimeError> {
        let argc = args.len();
        self.call_top_level(index, argc, true, |stack| stack.append(args))
    }

    /// [`Vm::call_function_taking`] for a host that has already checked
    /// the arguments against the function's declared parameter types (the
    /// embedding crate does, against the checker's signature, before it
    /// converts them): the VM does not check them a second time.
    pub fn call_function_taking_checked(
        &mut self,
        index: usize,
        args: &mut Vec<Value>,
    ) -> Result<Value, RuntimeError> {
        let argc = args.len();
        self.call_top_level(index, argc, false, |stack| stack.append(args))
    }

    /// Call top-level function `index` with the `argc` arguments `push`
    /// puts on the (empty) stack; `check`: against the parameters' types.
    #[inline]
    pub(super) fn call_top_level(
        &mut self,
        index: usize,
        argc: usize,
        check: bool,
        push: impl FnOnce(&mut Vec<Value>),
    ) -> Result<Value, RuntimeError> {
        if !self
            .functions
            .get(index)
            .is_some_and(|proto| proto.captures.is_empty())
        {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("no top-level function #{index}"),
            ));
        }
        self.reset_execution();
        self.start_run();
        push(&mut self.stack);
        let entered = self
            .push_frame(index as u32, None, 0, 0, argc, false)
            .and_then(|()| {
                if check {
                    self.check_entered_arguments(argc)
                } else {
                    Ok(())
                }
            });
        let result = match entered {
            Ok(()) => self.execute(0),
            Err(t) => Err(t),
        };
        self.end_host_call(result)
    }

    /// After a call from the host: run the `deinit`s due, flush the
    /// output, leave the VM idle, and give the host the error with its
    /// trace.
    #[inline]
    pub(super) fn end_host_call(
        &mut self,
        result: Result<Value, Trap>,
    ) -> Result<Value, RuntimeError> {
        // Most calls from a host return a value, queue no `deinit`, print
        // nothing and leave the VM idle: that path stays inline in them.
        match result {
            Ok(v) if !self.has_deinit && self.out.is_empty() => {
                self.reset_execution();
                Ok(v)
            }
            other => self.finish_host_call(other),
        }
    }

    #[inline(never)]
    fn finish_host_call(&mut self, result: Result<Value, Trap>) -> Result<Value, RuntimeError> {
        let result = match result {
            Ok(v) if self.has_deinit => self.run_pending_deinits().map(|_| v),
            other => other,
        };
        // (Most host calls print nothing: no call to `flush`.)
        if !self.out.is_empty() {
            self.flush();
        }
        match result {
            Ok(v) => {
                self.reset_execution();
                Ok(v)
            }
            Err(t) => {
                let trace = self.trace.take().unwrap_or_default();
                self.reset_execution();
                Err(RuntimeError {
                    kind: t.kind.to_string(),
                    message: t.message.to_string(),
                    trace,
                })
            }
        }
    }
}
