//! `parallel` blocks: tasks on a work-stealing pool of OS threads.
//!
//! The block's tasks become units (closure + argument as sendable deep
//! copies) pushed on a `crossbeam_deque::Injector`; `cores` threads steal
//! units from it, each with its own VM built from the shared program
//! (`Arc<Program>`) and a copy of the globals. Workers (`worker (x from
//! ch)`) turn each value received from their channel into a further unit.
//!
//! Determinism: every unit has a key in start order (tasks first, then
//! worker items in the order they were received). A unit's channel sends
//! go to its outbox; when it ends, the outbox enters the reorder buffer,
//! which delivers outboxes strictly in key order.
//!
//! The draining rule for threads: a task waiting on an empty channel gives
//! up when every other live unit is waiting too and no worker input is
//! left (`TaskContext::wait_on`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_deque::{Injector, Steal};

use crate::errors::{fail, kinds, trap, TraceEntry, Trap};
use crate::interp::{Vm, VmOptions};
use crate::limits::{self, SharedBudget};
use crate::program::{FunctionProto, Program};
use crate::runtime::channel::{Channel, Pop};
use crate::runtime::lost_writes::{changed_capture, lost_write, unchanged};
use crate::runtime::sched::{self, Block, BlockParams};
use crate::runtime::sendable::{materialize, to_send, SendValue};
use crate::value::{ErrorValue, Value};

/// One unit of work: a task, one iteration of a parallel `iter`, or one
/// item of a worker.
struct Unit {
    key: usize,
    closure: SendValue,
    arg: Option<SendValue>,
}

struct Source {
    closure: SendValue,
    ch: Arc<Channel>,
}

#[derive(Default)]
struct Counts {
    /// Units created and not finished (queued, running or waiting).
    live: usize,
    /// Units waiting on a channel.
    waiting: usize,
    /// Next key for a worker item.
    next_key: usize,
}

#[derive(Default)]
struct Reorder {
    next: usize,
    pending: BTreeMap<usize, Vec<(Arc<Channel>, SendValue)>>,
}

/// A failed unit: its key, the error and its Limit stack trace.
struct Failure {
    key: usize,
    kind: String,
    message: String,
    trace: Vec<TraceEntry>,
}

/// The state a parallel block shares with its threads.
pub struct TaskContext {
    program: Arc<Program>,
    /// The prototypes the block's VM runs (continuations included),
    /// shared by the threads' VMs rather than copied into each.
    functions: Vec<Arc<FunctionProto>>,
    first_continuation: u32,
    /// The program's steps and heap, shared by all its threads.
    budget: Arc<SharedBudget>,
    /// The program's bytes waiting in channels.
    channels: limits::ChannelMeter,
    options: VmOptions,
    globals: Vec<SendValue>,
    /// The globals that could not be copied: each holds an error value
    /// naming why, which reading the global raises.
    uncopyable: Vec<usize>,
    injector: Injector<Unit>,
    sources: Vec<Source>,
    counts: Mutex<Counts>,
    reorder: Mutex<Reorder>,
    failures: Mutex<Vec<Failure>>,
    output: Mutex<String>,
    cancel: AtomicBool,
    stop_on_error: bool,
    finished_threads: Mutex<usize>,
    finished: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

const POLL: Duration = Duration::from_millis(1);

impl TaskContext {
    /// The error reading global `g` raises in a task, when the global
    /// could not be copied for the block (`value` is what the task holds).
    pub fn uncopyable_global(&self, g: usize, value: &Value) -> Option<Trap> {
        let Value::Error(e) = value else {
            return None;
        };
        self.uncopyable
            .contains(&g)
            .then(|| trap(&e.kind, &e.message))
    }

    /// Whether the block was cancelled (timeout or a failed task).
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Wait until `ch` can be received from (or sent to, `for_send`).
    /// Returns false when no other live unit could change that (the
    /// draining rule), raising `Timeout` when the block was cancelled.
    pub fn wait_on(&self, ch: &Arc<Channel>, for_send: bool) -> Result<bool, Trap> {
        lock(&self.counts).waiting += 1;
        let result = loop {
            if self.cancelled() {
                break fail(kinds::TIMEOUT, "the parallel block was cancelled");
            }
            if (for_send && ch.has_room()) || (!for_send && ch.is_ready()) {
                break Ok(true);
            }
            {
                let c = lock(&self.counts);
                if c.live <= c.waiting && self.sources.iter().all(|s| s.ch.is_empty()) {
                    break Ok(false);
                }
            }
            ch.wait_change(POLL);
        };
        lock(&self.counts).waiting -= 1;
        result
    }

    /// A unit ended: deliver what is now in order, then stop counting it.
    fn complete(&self, key: usize, outbox: Vec<(Arc<Channel>, SendValue)>) {
        {
            let mut r = lock(&self.reorder);
            r.pending.insert(key, outbox);
            loop {
                let next = r.next;
                let Some(items) = r.pending.remove(&next) else {
                    break;
                };
                for (ch, v) in items {
                    ch.force_push(v);
                }
                r.next += 1;
            }
        }
        lock(&self.counts).live -= 1;
    }

    /// Next worker item, `Ok(None)` to wait, `Err(())` when input is over.
    fn next_worker_item(&self) -> Result<Option<Unit>, ()> {
        let mut c = lock(&self.counts);
        let mut all_closed = true;
        for s in &self.sources {
            match s.ch.try_pop() {
                Pop::Item(v) => {
                    let key = c.next_key;
                    c.next_key += 1;
                    c.live += 1;
                    return Ok(Some(Unit {
                        key,
                        closure: s.closure.clone(),
                        arg: Some(v),
                    }));
                }
                Pop::Empty => all_closed = false,
                Pop::Closed => {}
            }
        }
        if all_closed || c.live <= c.waiting {
            Err(())
        } else {
            Ok(None)
        }
    }
}

/// Run a parallel block and wait for all its units.
pub fn run(vm: &mut Vm, block: Block) -> Result<(), Trap> {
    let Some(program) = vm.conc.program.clone() else {
        return fail(kinds::ERROR, "parallel block without a program");
    };
    vm.flush();
    let params = block.params;
    let mut units = Vec::with_capacity(block.tasks.len());
    for (key, (closure, arg)) in block.tasks.iter().enumerate() {
        units.push(Unit {
            key,
            closure: to_send(closure)?,
            arg: arg.as_ref().map(to_send).transpose()?,
        });
    }
    let mut sources = Vec::with_capacity(block.workers.len());
    for (closure, ch) in &block.workers {
        sources.push(Source {
            closure: to_send(closure)?,
            ch: ch.clone(),
        });
    }
    if units.is_empty() && sources.is_empty() {
        return Ok(());
    }
    let cap = vm.options.limits.max_threads.unwrap_or(usize::MAX);
    if cap == 0 {
        return limits::exceeded("parallel blocks are not allowed (a thread limit of 0)");
    }
    let threads = params
        .cores
        .min(units.len() + if sources.is_empty() { 0 } else { params.cores })
        .min(cap)
        .max(1);
    let injector = Injector::new();
    let count = units.len();
    for u in units {
        injector.push(u);
    }
    // Every global is copied for the tasks; one that cannot be copied (a
    // cyclic value, an iterator) becomes an error value naming why, which
    // a task that uses it meets, instead of a silent nil.
    let mut globals = Vec::with_capacity(vm.globals.len());
    // A nested block's tasks inherit what this task could not read.
    let mut uncopyable = vm
        .conc
        .task
        .as_ref()
        .map(|task| task.uncopyable.clone())
        .unwrap_or_default();
    for (i, g) in vm.globals.iter().enumerate() {
        globals.push(match to_send(g) {
            Ok(v) => v,
            Err(t) if &*t.kind == kinds::RESOURCE_LIMIT => return Err(t),
            Err(t) => SendValue::Error(
                {
                    uncopyable.push(i);
                    t.kind.to_string()
                },
                format!(
                    "`{}` cannot be used in a parallel task: {}",
                    vm.global_names.get(i).map_or("?", String::as_str),
                    t.message
                ),
            ),
        });
    }
    // Limits are the program's: the tasks draw from the steps the block's
    // own thread has left, and count their heaps with its heap (a nested
    // block's tasks join the budget of the task that opened it).
    let (budget, lent) = match limits::shared_budget() {
        Some(budget) => (budget, false),
        None => (
            SharedBudget::new(vm.lend_steps(), limits::heap_bytes()),
            true,
        ),
    };
    let ctx = Arc::new(TaskContext {
        program,
        functions: vm.functions.clone(),
        first_continuation: vm.first_continuation,
        budget: budget.clone(),
        channels: limits::current_channel_meter().unwrap_or_default(),
        options: VmOptions {
            trace: false,
            stats: false,
            // Tasks' output reaches a host's print sink through this VM.
            capture_output: vm.options.capture_output || vm.has_print_sink(),
            keep_values_at_exit: false,
            ..vm.options.clone()
        },
        globals,
        uncopyable,
        injector,
        sources,
        counts: Mutex::new(Counts {
            live: count,
            waiting: 0,
            next_key: count,
        }),
        reorder: Mutex::new(Reorder::default()),
        failures: Mutex::new(Vec::new()),
        output: Mutex::new(String::new()),
        cancel: AtomicBool::new(false),
        stop_on_error: !params.continue_on_error,
        finished_threads: Mutex::new(0),
        finished: Condvar::new(),
    });
    // The host's stop conditions (interrupt flag, deadline) are the
    // whole program's: the tasks' threads get them too.
    let stop = crate::interrupt::current();
    let mut handles = Vec::with_capacity(threads);
    for _ in 0..threads {
        let worker_ctx = ctx.clone();
        let stop = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("limit-parallel".into())
            .stack_size(16 << 20)
            .spawn(move || {
                let _stop = crate::interrupt::enter(stop);
                thread_main(&worker_ctx)
            });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(_) => {
                ctx.cancel.store(true, Ordering::Relaxed);
                wait_for_threads(&ctx, handles.len(), None);
                join_threads(handles);
                if lent {
                    vm.restore_steps(budget.steps_left());
                }
                return fail(
                    kinds::RESOURCE_LIMIT,
                    "cannot start a thread for a parallel block",
                );
            }
        }
    }
    let timed_out = wait_for_threads(&ctx, threads, params.timeout);
    if timed_out {
        // The tasks stop at their next checkpoint; the block still ends
        // only when they have (structured, §9), so their locals are
        // released, each `deinit` once, before the program goes on.
        ctx.cancel.store(true, Ordering::Relaxed);
        wait_for_threads(&ctx, threads, None);
    }
    join_threads(handles);
    if lent {
        vm.restore_steps(budget.steps_left());
    }
    let output = std::mem::take(&mut *lock(&ctx.output));
    if !output.is_empty() {
        vm.write_out(&output)?;
    }
    if timed_out {
        ctx.cancel.store(true, Ordering::Relaxed);
        if !params.partial {
            return fail(
                kinds::TIMEOUT,
                "the block's timeout expired before its tasks ended",
            );
        }
    }
    report_failures(vm, &ctx, &params)
}

/// Joins threads that have all counted themselves finished (so this
/// waits only for them to return): a thread that has returned has dropped
/// its VM and its share of the block's context, which hold every
/// prototype of the program. Until then a session would see each
/// function as held by a value (`Vm::functions_held`) and keep it, and
/// the next chunk's load would copy the program still shared (issue 18).
fn join_threads(handles: Vec<std::thread::JoinHandle<()>>) {
    for handle in handles {
        // A panicking worker was already reported by its `FinishGuard`.
        let _ = handle.join();
    }
}

/// Wait for the threads; true when the timeout expired first.
fn wait_for_threads(ctx: &TaskContext, threads: usize, timeout: Option<Duration>) -> bool {
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut done = lock(&ctx.finished_threads);
    while *done < threads {
        match deadline {
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return true;
                }
                done = ctx
                    .finished
                    .wait_timeout(done, d - now)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            None => done = ctx.finished.wait(done).unwrap_or_else(|p| p.into_inner()),
        }
    }
    false
}

fn report_failures(vm: &mut Vm, ctx: &TaskContext, params: &BlockParams) -> Result<(), Trap> {
    let mut failures = std::mem::take(&mut *lock(&ctx.failures));
    if failures.is_empty() {
        return Ok(());
    }
    // A task past a limit ends the program whatever `on_error` says: the
    // limits are the program's.
    if let Some(i) = failures
        .iter()
        .position(|f| f.kind == kinds::RESOURCE_LIMIT)
    {
        let f = failures.swap_remove(i);
        vm.set_trace(f.trace);
        return Err(trap(&f.kind, &f.message));
    }
    if params.continue_on_error {
        failures.sort_by_key(|f| f.key);
        for f in &failures {
            sched::send_error(
                params,
                &ErrorValue {
                    kind: f.kind.as_str().into(),
                    message: f.message.as_str().into(),
                },
            );
        }
        return Ok(());
    }
    // The first failure (in time) is re-raised with the task's trace.
    let f = failures.swap_remove(0);
    vm.set_trace(f.trace);
    Err(trap(&f.kind, &f.message))
}

/// Counts a worker thread as finished when it ends, also by a panic
/// (which would otherwise leave the host waiting for it forever).
struct FinishGuard<'a>(&'a TaskContext);

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(&self.0.failures).push(Failure {
                key: usize::MAX,
                kind: kinds::ERROR.to_string(),
                message: "internal error: a parallel worker thread panicked".to_string(),
                trace: Vec::new(),
            });
            self.0.cancel.store(true, Ordering::Relaxed);
        }
        *lock(&self.0.finished_threads) += 1;
        self.0.finished.notify_all();
    }
}

fn thread_main(ctx: &Arc<TaskContext>) {
    let _finish = FinishGuard(ctx);
    let mut vm = Vm::for_task(
        ctx.program.clone(),
        &ctx.functions,
        ctx.first_continuation,
        ctx.options.clone(),
    );
    vm.clear_exec();
    vm.start_task_thread(ctx.budget.clone(), ctx.channels.clone());
    let globals: Vec<Value> = ctx.globals.iter().map(|g| materialize(&vm, g)).collect();
    // Snapshots of the outer program's values: their `deinit` belongs to
    // the originals (parking.rs).
    for g in &globals {
        crate::runtime::parking::give_up_deinit(g);
    }
    vm.globals = globals;
    vm.conc.task = Some(ctx.clone());
    loop {
        if ctx.cancelled() {
            break;
        }
        match ctx.injector.steal() {
            Steal::Success(unit) => {
                run_unit(&mut vm, ctx, unit);
                continue;
            }
            Steal::Retry => continue,
            Steal::Empty => {}
        }
        if ctx.sources.is_empty() {
            break;
        }
        match ctx.next_worker_item() {
            Ok(Some(unit)) => run_unit(&mut vm, ctx, unit),
            Ok(None) => ctx.sources[0].ch.wait_change(POLL),
            Err(()) => break,
        }
    }
    // A global changed in place by this thread's tasks (through a helper
    // or method the checker could not see) would be lost too.
    let changed = ctx
        .globals
        .iter()
        .zip(&vm.globals)
        .position(|(before, now)| !unchanged(now, before));
    if let Some(i) = changed {
        let name = vm.global_names.get(i).map_or("?", String::as_str);
        let t = lost_write(name.strip_prefix("main.").unwrap_or(name));
        lock(&ctx.failures).push(Failure {
            key: usize::MAX,
            kind: t.kind.to_string(),
            message: t.message.to_string(),
            trace: Vec::new(),
        });
    }
    vm.flush();
    let output = vm.take_output();
    if !output.is_empty() {
        lock(&ctx.output).push_str(&output);
    }
    vm.end_task_thread();
}

fn run_unit(vm: &mut Vm, ctx: &TaskContext, unit: Unit) {
    let closure = materialize(vm, &unit.closure);
    crate::runtime::parking::give_up_deinit(&closure);
    let args: Vec<Value> = unit.arg.iter().map(|a| materialize(vm, a)).collect();
    vm.conc.outbox = Some(Vec::new());
    let result = vm.call(&closure, &args);
    // A write into a captured value happened on this thread's copy and
    // would be lost: an error, never silence (§9 Decision; the checker
    // rejects the forms it can see).
    let result = result.and_then(|v| match changed_capture(&closure, &unit.closure) {
        Some(i) => Err(lost_write(capture_name(vm, &closure, i))),
        None => Ok(v),
    });
    drop(closure);
    drop(args);
    // The task's locals and arguments are released here, in its thread,
    // also when it failed.
    let result = match result {
        Ok(v) => vm.release_pending().map(|()| v),
        Err(t) => Err(vm.release_after_failure(t)),
    };
    sched::release_held(vm);
    let outbox = vm.conc.outbox.take().unwrap_or_default();
    if let Err(t) = result {
        let trace = vm.take_trace().unwrap_or_default();
        vm.clear_exec();
        lock(&ctx.failures).push(Failure {
            key: unit.key,
            kind: t.kind.to_string(),
            message: t.message.to_string(),
            trace,
        });
        if ctx.stop_on_error || &*t.kind == kinds::RESOURCE_LIMIT {
            ctx.cancel.store(true, Ordering::Relaxed);
        }
    }
    if vm.options.capture_output {
        let output = vm.take_output();
        if !output.is_empty() {
            lock(&ctx.output).push_str(&output);
        }
    } else {
        vm.flush();
    }
    ctx.complete(unit.key, outbox);
}

/// The name of capture `i` of the task's closure, as the program spells it.
fn capture_name<'a>(vm: &'a Vm, closure: &Value, i: usize) -> &'a str {
    let Value::Function(c) = closure else {
        return "?";
    };
    vm.functions
        .get(c.index as usize)
        .and_then(|f| f.capture_names.get(i))
        .map_or("a captured variable", String::as_str)
}
