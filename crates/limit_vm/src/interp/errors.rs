//! Errors: the error instructions (handlers, raising, error values),
//! unwinding to a handler, stack traces, and the `deinit`s that run while
//! an error unwinds.

use super::*;

/// A trap a handler caught, with where it was raised: re-raising it
/// (`Raise`, after an `attempt` whose clauses do not match, or a block's
/// cleanup) keeps the trace of its origin rather than starting one at the
/// `attempt` (§6: the trace lists the calls that led to the error).
pub(crate) struct CaughtTrap {
    error: Trap,
    /// (function, next instruction) of the frames it unwound, innermost
    /// first, ending with the handler's frame at the point of the call or
    /// instruction that raised.
    frames: Vec<(u32, usize)>,
    /// The trace of the task it came from (a block's error), if any.
    task_trace: Option<Vec<TraceEntry>>,
}

impl Vm {
    /// `Try`, `EndTry`, `Raise`, `Trap`, `ErrorKindIs`, `IsError` and
    /// `MakeErr`; `ip` is the next instruction's. An error raised is
    /// returned, for the loop to unwind.
    pub(super) fn error_op(&mut self, op: Op, ip: usize) -> Result<(), Trap> {
        match op {
            Op::Try(o) => {
                let target = (ip as isize + o as isize) as usize;
                self.handlers.push(Handler {
                    depth: self.frames.len(),
                    height: self.stack.len(),
                    ip: target,
                });
            }
            Op::EndTry => {
                if self
                    .handlers
                    .last()
                    .is_some_and(|h| h.depth == self.frames.len())
                {
                    self.handlers.pop();
                }
            }
            Op::Raise => {
                return Err(match self.pop() {
                    Value::Error(e) => {
                        self.note_reraise(&e);
                        e
                    }
                    other => trap(kinds::ERROR, &display(&other)),
                });
            }
            Op::Trap(k) => {
                let msg = self.pop();
                let kind = self.constants[k as usize].clone();
                let msg = if matches!(msg, Value::Nil) {
                    String::new()
                } else {
                    display(&msg)
                };
                return Err(trap(kind.as_str().unwrap_or(kinds::ERROR), &msg));
            }
            Op::ErrorKindIs(k) => {
                let r = match (self.stack.last(), &self.constants[k as usize]) {
                    (Some(Value::Error(e)), Value::Str(s)) => *e.kind == *s.text,
                    _ => false,
                };
                *self.top() = Value::Bool(r);
            }
            Op::IsError => {
                let top = self.top();
                *top = Value::Bool(matches!(top, Value::Error(_)));
            }
            Op::MakeErr(k) => {
                let msg = self.pop();
                let kind = self.constants[k as usize].clone();
                let kind = kind.as_str().unwrap_or(kinds::ERROR);
                // `err(e)` of a computed value that is already an error
                // (a bound `err e`) is that same error, kind and
                // message unchanged (reference.md §6).
                if matches!(msg, Value::Error(_)) && kind == kinds::ERROR {
                    self.stack.push(msg);
                } else {
                    let msg = if matches!(msg, Value::Nil) {
                        String::new()
                    } else {
                        display(&msg)
                    };
                    self.stack.push(Value::error(kind, &msg));
                }
            }
            other => return Err(unexpected(other)),
        }
        Ok(())
    }

    /// Pop the returning frame, and the handlers installed in it.
    pub(super) fn leave_frame(&mut self) -> Frame {
        // Infallible: the returning instruction runs in the frame on top.
        let frame = self.frames.pop().expect("returning frame");
        while self
            .handlers
            .last()
            .is_some_and(|h| h.depth > self.frames.len())
        {
            self.handlers.pop();
        }
        frame
    }

    /// `Raise` of error `e`: when it is the trap the running function's
    /// handler caught last, the trace it had comes back with it.
    fn note_reraise(&mut self, e: &Trap) {
        let Some(caught) = self.caught.take() else {
            return;
        };
        let here = self.frames.last().map(|f| f.func);
        if !Rc::ptr_eq(&caught.error, e) || caught.frames.last().map(|f| f.0) != here {
            return;
        }
        if let Some(task_trace) = &caught.task_trace {
            self.trace = Some(task_trace.clone());
            self.trace_of_task = true;
        }
        self.reraised = Some(caught);
    }

    /// (function, next instruction) of the frames from the top down to
    /// depth `lowest`, innermost first; for a re-raised trap, the frames it
    /// came from first and the top frame where it was first caught.
    fn raw_frames(&self, lowest: usize, reraised: Option<&CaughtTrap>) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        self.raw_frames_into(&mut out, lowest, reraised);
        out
    }

    /// `raw_frames` written into `out` (cleared first), so that a loop
    /// catching trap after trap reuses one buffer.
    fn raw_frames_into(
        &self,
        out: &mut Vec<(u32, usize)>,
        lowest: usize,
        reraised: Option<&CaughtTrap>,
    ) {
        out.clear();
        let mut current = self.frames[lowest.min(self.frames.len())..]
            .iter()
            .rev()
            .map(|f| (f.func, f.ip));
        if let Some(r) = reraised {
            if let Some((handler, rest)) = r.frames.split_last() {
                out.extend_from_slice(rest);
                if current.next().is_some() {
                    out.push(*handler);
                }
            }
        }
        out.extend(current);
    }

    /// Record the Limit stack trace (innermost first) for an escaping trap.
    pub(super) fn capture_trace(&mut self, reraised: Option<&CaughtTrap>) {
        if self.trace.is_some() && !self.trace_of_task {
            return;
        }
        let mut entries = self.trace.take().unwrap_or_default();
        self.trace_of_task = false;
        let mut raw = self.raw_frames(0, reraised);
        raw.reverse();
        let n = raw.len();
        for (i, &(func, ip)) in raw.iter().enumerate().rev() {
            // Keep traces readable for deep recursion: first 20, last 5.
            if n > 30 && i < n - 20 && i >= 5 {
                if i == n - 21 {
                    entries.push(TraceEntry {
                        function: format!("... {} more frames", n - 25),
                        file: String::new(),
                        line: 0,
                        col: 0,
                    });
                }
                continue;
            }
            let proto = &self.functions[func as usize];
            if proto.hidden {
                continue;
            }
            // A continuation frame (`map`, …) is shown at its call site;
            // a deinit driver is no call the program wrote.
            let (at_func, at_ip) = match self.continuation_kind(func) {
                Some(callbacks::Driven::Deinit) => continue,
                Some(_) if i > 0 => raw[i - 1],
                _ => (func, ip),
            };
            let pos = self.functions[at_func as usize].pos(at_ip.saturating_sub(1));
            let file = self
                .files
                .get(self.functions[at_func as usize].file as usize)
                .cloned()
                .unwrap_or_default();
            entries.push(TraceEntry {
                function: proto.name.clone(),
                file,
                line: pos.line,
                col: pos.col,
            });
        }
        self.trace = Some(entries);
    }

    /// Unwind to the nearest handler above `stop_depth`. On success the
    /// handler's frame is on top with its `ip` set and the error pushed.
    pub(super) fn unwind(&mut self, t: Trap, stop_depth: usize) -> Result<(), Trap> {
        if sched::is_suspend(&t) {
            // A fiber blocks: retry the instruction when it is resumed.
            if let Some(f) = self.frames.last_mut() {
                f.ip -= 1;
            }
            return Err(t);
        }
        let uncatchable = is_uncatchable(&t);
        let cancelled = &*t.kind == kinds::TIMEOUT && self.conc.cancellation().is_some();
        let catchable = !uncatchable && !cancelled;
        let reraised = self.reraised.take().filter(|r| Rc::ptr_eq(&r.error, &t));
        match self.handlers.last() {
            Some(h) if catchable && h.depth > stop_depth && h.depth <= self.frames.len() => {
                // Infallible: this arm matched `handlers.last()`.
                let h = self.handlers.pop().expect("handler present");
                let mut frames = self.caught.take().map(|c| c.frames).unwrap_or_default();
                self.raw_frames_into(&mut frames, h.depth.saturating_sub(1), reraised.as_deref());
                let task_trace = if self.trace_of_task {
                    self.trace.clone()
                } else {
                    None
                };
                self.frames.truncate(h.depth);
                // Released from the top down, as returns release them:
                // the last declared local gets its `deinit` first.
                while self.stack.len() > h.height {
                    drop(self.stack.pop());
                }
                let t = self.deinits_while_unwinding(t);
                if is_uncatchable(&t) {
                    // A `deinit` exceeded a limit (or met a closed output,
                    // an interrupt): that ends the program, whatever the
                    // handler would have done with the error it chose.
                    self.trace = None;
                    self.trace_of_task = false;
                    return self.unwind(t, stop_depth);
                }
                self.caught = Some(Box::new(CaughtTrap {
                    error: t.clone(),
                    frames,
                    task_trace,
                }));
                self.stack.push(Value::Error(t));
                if let Some(f) = self.frames.last_mut() {
                    f.ip = h.ip;
                }
                self.trace = None;
                self.trace_of_task = false;
                Ok(())
            }
            _ => {
                self.capture_trace(reraised.as_deref());
                self.flush();
                Err(t)
            }
        }
    }

    /// Run the `deinit`s of the instances that unwinding to a handler
    /// released, before the handler sees error `t` (docs/reference.md
    /// §6): they ran inside the `attempt`, so an error one of them raises
    /// must not escape it. The error being handled keeps its kind (it
    /// chose the handler); the first such `deinit` error is added to its
    /// message, so it is not lost; the other instances still get their
    /// `deinit`. Inside a `deinit` already running from the queue, the
    /// outer queue takes them (no nesting of queues).
    pub(super) fn deinits_while_unwinding(&mut self, t: Trap) -> Trap {
        if !self.has_deinit || self.in_deinits {
            return t;
        }
        // The trace stays the one of error `t`.
        let trace = self.trace.take();
        let t = self.run_deinits_noting_errors(t);
        self.trace = trace;
        t
    }

    /// A task (fiber or parallel unit) failed with `t`: drop what it
    /// still held and run the `deinit`s that releases, now — its locals
    /// are released when it ends, also by an error (§7) — keeping `t` as
    /// the task's error (with a note if a `deinit` raised) and its trace.
    pub(crate) fn release_after_failure(&mut self, t: Trap) -> Trap {
        let trace = self.trace.take();
        // From the top down, as a return releases a frame's locals.
        while let Some(v) = self.stack.pop() {
            drop(v);
        }
        self.clear_exec();
        let t = if self.has_deinit && !self.in_deinits {
            let releasing = std::mem::replace(&mut self.conc.releasing, true);
            let t = self.run_deinits_noting_errors(t);
            self.conc.releasing = releasing;
            t
        } else {
            t
        };
        self.trace = trace;
        t
    }

    /// Run the queued `deinit`s to the end; the first error one raises
    /// becomes a note in the message of `t`. An error no script may catch
    /// (a resource limit exceeded, a closed output, an interrupt) is not
    /// kept as a note: it replaces `t`, with a note naming `t`, so that it
    /// ends the program as it would have anywhere else (a note on an
    /// error a handler then catches would let the program go on past a
    /// step limit).
    pub(super) fn run_deinits_noting_errors(&mut self, t: Trap) -> Trap {
        let mut first: Option<(Trap, Option<String>)> = None;
        let mut uncatchable: Option<Trap> = None;
        loop {
            match self.run_pending_deinits() {
                Ok(()) => break,
                Err(e) if sched::is_suspend(&e) => break,
                Err(e) => {
                    let place = self
                        .take_trace()
                        .and_then(|trace| trace.first().map(|entry| entry.function.clone()));
                    if uncatchable.is_none() && is_uncatchable(&e) {
                        uncatchable = Some(e.clone());
                    }
                    first.get_or_insert((e, place));
                }
            }
        }
        if let Some(e) = uncatchable {
            let unwound = if t.message.is_empty() {
                t.kind.to_string()
            } else {
                format!("{}: {}", t.kind, t.message)
            };
            let note = format!("raised by a `deinit` while {unwound} unwound");
            let message = if e.message.is_empty() {
                note
            } else {
                format!("{} ({note})", e.message)
            };
            return crate::errors::trap(&e.kind, &message);
        }
        let Some((e, place)) = first else {
            return t;
        };
        let by = place.map_or_else(|| "a `deinit`".to_string(), |f| format!("`{f}`"));
        let cause = if e.message.is_empty() {
            e.kind.to_string()
        } else {
            format!("{}: {}", e.kind, e.message)
        };
        let note = format!("while this error unwound, {by} raised {cause}");
        let message = if t.message.is_empty() {
            note
        } else {
            format!("{} ({note})", t.message)
        };
        crate::errors::trap(&t.kind, &message)
    }
}

/// Whether a script may not catch `t`: a resource limit exceeded
/// (limits.rs), a closed output and an interrupt (the program must end).
/// (The cancellation of a task, which its handler may not catch either, is
/// decided where it is unwound.)
fn is_uncatchable(t: &Trap) -> bool {
    matches!(
        &*t.kind,
        kinds::RESOURCE_LIMIT | kinds::OUTPUT_CLOSED | kinds::INTERRUPTED
    )
}
