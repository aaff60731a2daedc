//! Structured concurrency: blocks, tasks and the fiber scheduler of
//! `concurrent` blocks (reference.md §9, DESIGN.md §8).
//!
//! A block is opened by `BlockBegin` (its parameters), filled by `Spawn` /
//! `SpawnWorker` (task closures) and run by `BlockEnd`, which waits for
//! every task. `concurrent` blocks run here as fibers on the current
//! thread; `parallel` blocks go to `parallel.rs`.
//!
//! A fiber is a saved execution state (value stack, frames, handlers).
//! Fibers run in start order, each until it ends or blocks. Blocking
//! operations (channel receive/send, `sleep`, a worker waiting for input)
//! raise the private `SUSPEND` trap after recording a `Wait`; the
//! interpreter then rewinds `ip` to the blocking instruction and leaves the
//! dispatch loop, and the instruction is retried when the scheduler resumes
//! the fiber. When no fiber can run: a fiber iterating an empty channel is
//! ended (no other running task could send), else sleepers are waited for,
//! else the block raises `Deadlock`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::errors::{fail, kinds, trap, Trap};
use crate::interp::{Exec, Vm};
use crate::program::Program;
use crate::runtime::channel::{Channel, Pop};
use crate::runtime::parallel;
use crate::runtime::sendable::{materialize, SendValue};
use crate::runtime::shared::SharedCell;
use crate::value::{ErrorValue, Value};

/// Kind of the private trap that suspends a fiber.
pub const SUSPEND: &str = " suspend";

/// Whether `t` is the suspension signal (not a Limit error).
pub fn is_suspend(t: &Trap) -> bool {
    &*t.kind == SUSPEND
}

/// Why a fiber is blocked.
#[derive(Clone)]
pub enum Wait {
    /// `recv()` on an empty channel.
    Recv(Arc<Channel>),
    /// `iter` over an empty channel.
    Iter(Arc<Channel>),
    /// `send` on a full bounded channel.
    Send(Arc<Channel>),
    /// `sleep` until then.
    Sleep(Instant),
}

/// What the scheduler tells a fiber it resumes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Resume {
    /// Retry the blocking operation.
    #[default]
    Normal,
    /// End the channel iteration that was waiting (draining rule).
    IterEnd,
    /// The sleep is over.
    Woken,
}

/// Which kind of block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// Fibers on this thread.
    Concurrent,
    /// A pool of OS threads.
    Parallel,
}

/// The parameters of a block.
#[derive(Clone)]
pub struct BlockParams {
    /// The block's channel (`ch=`): receives errors under `on_error="continue"`.
    pub ch: Option<Arc<Channel>>,
    /// Number of threads (`cores=`).
    pub cores: usize,
    /// `timeout=`.
    pub timeout: Option<Duration>,
    /// `on_timeout="partial"`: keep what finished, raise nothing.
    pub partial: bool,
    /// `on_error="continue"`.
    pub continue_on_error: bool,
}

/// A block being filled with tasks.
pub struct Block {
    /// Concurrent or parallel.
    pub kind: BlockKind,
    /// Its parameters.
    pub params: BlockParams,
    /// Task closures with their optional argument, in start order.
    pub tasks: Vec<(Value, Option<Value>)>,
    /// Workers: closure of one parameter and its input channel.
    pub workers: Vec<(Value, Arc<Channel>)>,
}

/// The concurrency state of one VM.
#[derive(Default)]
pub struct ConcurrencyState {
    /// The program, shared with the VMs of parallel tasks.
    pub program: Option<Arc<Program>>,
    /// Open blocks, innermost last.
    pub blocks: Vec<Block>,
    /// Running inside a fiber of a concurrent block.
    pub in_fiber: bool,
    /// Set by a blocking operation just before it suspends the fiber.
    pub wait: Option<Wait>,
    /// Set by the scheduler when it resumes a fiber.
    pub resume: Resume,
    /// In a parallel task: the block's shared state.
    pub task: Option<Arc<parallel::TaskContext>>,
    /// In a parallel task: sends waiting for the reorder buffer.
    pub outbox: Option<Vec<(Arc<Channel>, SendValue)>>,
    /// Shared cells whose statement lock this VM holds.
    pub held: Vec<Arc<SharedCell>>,
    /// In a fiber: when the innermost timed `concurrent` block (or an
    /// enclosing one, whichever is sooner) expires.
    pub deadline: Option<Instant>,
    /// Values this VM sent on channels, held until received (parking.rs).
    pub parking: crate::runtime::parking::Parking,
    /// The `deinit`s of a stopped task's locals are running: a
    /// cancellation does not stop them (each runs exactly once, §7).
    pub releasing: bool,
}

impl ConcurrencyState {
    /// The error that stops the running task, if it must stop: its
    /// parallel block was cancelled (a timeout, or another task failed),
    /// or its concurrent block's timeout expired. The VM checks this at
    /// every checkpoint, so a task that never blocks is stopped too, and a
    /// task cannot catch it.
    pub fn cancellation(&self) -> Option<Trap> {
        if self.releasing {
            return None;
        }
        if self.task.as_ref().is_some_and(|t| t.cancelled()) {
            return Some(trap(kinds::TIMEOUT, "the parallel block was cancelled"));
        }
        if self.in_fiber && self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(trap(
                kinds::TIMEOUT,
                "the block's timeout expired before its tasks ended",
            ));
        }
        None
    }
}

/// Record `wait` and return the suspension signal.
pub fn suspend(vm: &mut Vm, wait: Wait) -> Trap {
    vm.conc.wait = Some(wait);
    trap(SUSPEND, "")
}

/// Take the scheduler's resume note (blocking operations call this first).
pub fn take_resume(vm: &mut Vm) -> Resume {
    std::mem::take(&mut vm.conc.resume)
}

// ------------------------------------------------------------------ blocks

/// `BlockBegin`: open a block with the parameters in `params` (a dict).
pub fn begin(vm: &mut Vm, kind: BlockKind, params: &Value) -> Result<(), Trap> {
    let mut p = BlockParams {
        ch: None,
        cores: default_cores(),
        timeout: None,
        partial: false,
        continue_on_error: false,
    };
    if let Value::Dict(d) = params {
        for (k, v) in d.map.borrow().iter() {
            let name = k.0.as_str().unwrap_or("");
            match (name, v) {
                ("ch" | "channel", Value::Channel(c)) => p.ch = Some(c.clone()),
                ("cores", Value::Int(n)) if *n >= 1 => p.cores = (*n as usize).min(256),
                ("cores", _) => {}
                ("timeout", v) => {
                    if let Some(s) = crate::value::to_f64(v).filter(|s| *s >= 0.0 && s.is_finite())
                    {
                        p.timeout = Some(Duration::from_secs_f64(s.min(1e9)));
                    }
                }
                ("on_timeout", v) => p.partial = v.as_str() == Some("partial"),
                ("on_error", v) => {
                    let s = v.as_str().unwrap_or("").to_ascii_lowercase();
                    p.continue_on_error = s == "continue";
                }
                _ => {}
            }
        }
    }
    vm.conc.blocks.push(Block {
        kind,
        params: p,
        tasks: Vec::new(),
        workers: Vec::new(),
    });
    Ok(())
}

fn default_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// `Spawn`: add a task to the innermost open block.
pub fn spawn(vm: &mut Vm, closure: Value, arg: Option<Value>) -> Result<(), Trap> {
    match vm.conc.blocks.last_mut() {
        Some(b) => {
            b.tasks.push((closure, arg));
            Ok(())
        }
        None => fail(kinds::ERROR, "task outside a concurrent or parallel block"),
    }
}

/// `SpawnWorker`: add a worker over `source` to the innermost open block.
pub fn spawn_worker(vm: &mut Vm, closure: Value, source: &Value) -> Result<(), Trap> {
    let Value::Channel(ch) = source else {
        return fail(
            kinds::TYPE_ERROR,
            &format!(
                "a worker reads from a channel, not a {}",
                source.type_name()
            ),
        );
    };
    match vm.conc.blocks.last_mut() {
        Some(b) => {
            b.workers.push((closure, ch.clone()));
            Ok(())
        }
        None => fail(
            kinds::ERROR,
            "worker outside a concurrent or parallel block",
        ),
    }
}

/// `BlockEnd`: run the innermost block's tasks and wait for all of them.
pub fn end(vm: &mut Vm) -> Result<(), Trap> {
    let Some(block) = vm.conc.blocks.pop() else {
        return fail(kinds::ERROR, "block end without a block");
    };
    match block.kind {
        BlockKind::Concurrent => run_concurrent(vm, block),
        BlockKind::Parallel => parallel::run(vm, block),
    }
}

/// Report a failed task to the block's channel (`on_error="continue"`).
pub fn send_error(params: &BlockParams, t: &ErrorValue) {
    if let Some(ch) = &params.ch {
        ch.force_push(SendValue::Error(t.kind.to_string(), t.message.to_string()));
    }
}

// ------------------------------------------------------------------ fibers

enum FiberKind {
    Task(Value, Option<Value>),
    Worker(Value, Arc<Channel>),
}

struct Fiber {
    kind: FiberKind,
    exec: Exec,
    started: bool,
    done: bool,
    wait: Option<Wait>,
}

enum Outcome {
    Done,
    Blocked(Wait),
    Failed(Trap),
}

fn ready(wait: &Wait, now: Instant) -> bool {
    match wait {
        Wait::Recv(ch) | Wait::Iter(ch) => ch.is_ready(),
        Wait::Send(ch) => ch.has_room(),
        Wait::Sleep(t) => now >= *t,
    }
}

fn run_concurrent(vm: &mut Vm, block: Block) -> Result<(), Trap> {
    let mut fibers: Vec<Fiber> = block
        .tasks
        .into_iter()
        .map(|(c, a)| FiberKind::Task(c, a))
        .chain(
            block
                .workers
                .into_iter()
                .map(|(c, ch)| FiberKind::Worker(c, ch)),
        )
        .map(|kind| Fiber {
            kind,
            exec: Exec::default(),
            started: false,
            done: false,
            wait: None,
        })
        .collect();
    let params = block.params;
    let deadline = params.timeout.map(|t| Instant::now() + t);
    let was_in_fiber = std::mem::replace(&mut vm.conc.in_fiber, true);
    let outer_deadline = vm.conc.deadline;
    vm.conc.deadline = match (outer_deadline, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let result = schedule(vm, &mut fibers, &params, deadline);
    vm.conc.deadline = outer_deadline;
    vm.conc.in_fiber = was_in_fiber;
    vm.conc.resume = Resume::Normal;
    vm.conc.wait = None;
    result
}

fn schedule(
    vm: &mut Vm,
    fibers: &mut [Fiber],
    params: &BlockParams,
    deadline: Option<Instant>,
) -> Result<(), Trap> {
    loop {
        let mut progressed = false;
        for fiber in fibers.iter_mut() {
            if fiber.done {
                continue;
            }
            let resume = match &fiber.wait {
                None => Resume::Normal,
                Some(w) if ready(w, Instant::now()) => match w {
                    Wait::Sleep(_) => Resume::Woken,
                    _ => Resume::Normal,
                },
                Some(_) => continue,
            };
            progressed = true;
            match step(vm, fiber, resume) {
                Outcome::Done => fiber.done = true,
                Outcome::Blocked(w) => fiber.wait = Some(w),
                // A fiber that never blocked was stopped by its checkpoint.
                Outcome::Failed(_) if expired(deadline) => {
                    vm.take_trace();
                    return timed_out(params);
                }
                Outcome::Failed(t) => {
                    fiber.done = true;
                    if params.continue_on_error {
                        vm.take_trace();
                        send_error(params, &t);
                    } else {
                        vm.mark_trace_of_task();
                        return Err(t);
                    }
                }
            }
        }
        if fibers.iter().all(|f| f.done) {
            return Ok(());
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return timed_out(params);
        }
        if progressed {
            continue;
        }
        // Nothing can run. An iteration over an empty channel ends: no
        // other running task could still send to it.
        if let Some(f) = fibers
            .iter_mut()
            .find(|f| !f.done && matches!(f.wait, Some(Wait::Iter(_))))
        {
            f.wait = None;
            let outcome = step(vm, f, Resume::IterEnd);
            match outcome {
                Outcome::Done => f.done = true,
                Outcome::Blocked(w) => f.wait = Some(w),
                Outcome::Failed(t) => {
                    f.done = true;
                    if params.continue_on_error {
                        vm.take_trace();
                        send_error(params, &t);
                    } else {
                        vm.mark_trace_of_task();
                        return Err(t);
                    }
                }
            }
            continue;
        }
        let wake = fibers
            .iter()
            .filter(|f| !f.done)
            .filter_map(|f| match f.wait {
                Some(Wait::Sleep(t)) => Some(t),
                _ => None,
            })
            .min();
        match wake {
            Some(t) => {
                let until = deadline.map_or(t, |d| d.min(t));
                vm.flush();
                // In slices, so that an interrupt is seen while every task sleeps.
                std::thread::sleep(
                    until
                        .saturating_duration_since(Instant::now())
                        .min(crate::interrupt::SLICE),
                );
                crate::interrupt::check()?;
            }
            None => {
                return fail(
                    kinds::DEADLOCK,
                    "every task of the concurrent block is blocked and none can be woken",
                )
            }
        }
    }
}

fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

fn timed_out(params: &BlockParams) -> Result<(), Trap> {
    if params.partial {
        Ok(())
    } else {
        fail(
            kinds::TIMEOUT,
            "the block's timeout expired before its tasks ended",
        )
    }
}

/// Run one fiber until it ends, blocks or fails.
fn step(vm: &mut Vm, fiber: &mut Fiber, resume: Resume) -> Outcome {
    vm.swap_exec(&mut fiber.exec);
    vm.conc.resume = resume;
    vm.conc.wait = None;
    let outcome = run_fiber(vm, fiber);
    vm.swap_exec(&mut fiber.exec);
    outcome
}

fn run_fiber(vm: &mut Vm, fiber: &mut Fiber) -> Outcome {
    loop {
        if !vm.has_frames() {
            let call = match &fiber.kind {
                FiberKind::Task(closure, arg) => {
                    if fiber.started {
                        return Outcome::Done;
                    }
                    fiber.started = true;
                    (closure.clone(), arg.clone())
                }
                FiberKind::Worker(closure, source) => {
                    let ending = take_resume(vm) == Resume::IterEnd;
                    match source.try_pop() {
                        Pop::Item(v) => (
                            closure.clone(),
                            Some(crate::runtime::channel::incoming(vm, v)),
                        ),
                        Pop::Closed => return Outcome::Done,
                        Pop::Empty if ending => return Outcome::Done,
                        Pop::Empty => return Outcome::Blocked(Wait::Iter(source.clone())),
                    }
                }
            };
            let args: Vec<Value> = call.1.into_iter().collect();
            match vm.start_call(&call.0, &args) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(t) => return Outcome::Failed(t),
            }
        }
        match vm.run_frames() {
            Ok(_) => {
                vm.clear_exec();
                if let Err(t) = vm.release_pending() {
                    vm.clear_exec();
                    return Outcome::Failed(t);
                }
            }
            Err(t) if is_suspend(&t) => {
                let wait = vm.conc.wait.take().unwrap_or(Wait::Sleep(Instant::now()));
                return Outcome::Blocked(wait);
            }
            Err(t) => return Outcome::Failed(vm.release_after_failure(t)),
        }
    }
}

/// `sleep(seconds)`: a fiber yields to the others; elsewhere the thread sleeps.
pub fn sleep(vm: &mut Vm, seconds: f64) -> Result<Value, Trap> {
    let seconds = if seconds.is_finite() {
        seconds.clamp(0.0, 1e6)
    } else {
        0.0
    };
    if vm.conc.in_fiber {
        if take_resume(vm) == Resume::Woken {
            return Ok(Value::Nil);
        }
        let until = Instant::now() + Duration::from_secs_f64(seconds);
        return Err(suspend(vm, Wait::Sleep(until)));
    }
    vm.flush();
    if seconds > 0.0 {
        let until = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < until {
            if vm.conc.task.as_ref().is_some_and(|t| t.cancelled()) {
                break;
            }
            crate::interrupt::check()?;
            std::thread::sleep(
                until
                    .saturating_duration_since(Instant::now())
                    .min(crate::interrupt::SLICE),
            );
        }
    }
    Ok(Value::Nil)
}

// ------------------------------------------------------------ shared cells

/// `MakeShared`: `[v] -> [shared]`.
pub fn make_shared(v: &Value) -> Result<Value, Trap> {
    Ok(match v {
        Value::Shared(_) => v.clone(),
        _ => Value::Shared(Arc::new(SharedCell::new(
            crate::runtime::sendable::to_send(v)?,
        ))),
    })
}

/// `Unshare` / `SharedGet`: the content of a shared cell (other values unchanged).
pub fn shared_get(vm: &Vm, v: Value) -> Value {
    match &v {
        Value::Shared(s) => materialize(vm, &s.get()),
        _ => v,
    }
}

/// `SharedLock`: take the statement lock of a shared cell.
pub fn shared_lock(vm: &mut Vm, cell: &Value) {
    if let Value::Shared(s) = cell {
        s.acquire();
        vm.conc.held.push(s.clone());
    }
}

/// `SharedSetUnlock`: store into a shared cell and release its lock.
/// Returns the value back when `cell` is not shared (plain store needed).
pub fn shared_set_unlock(vm: &mut Vm, v: &Value, cell: &Value) -> Result<(), Trap> {
    if let Value::Shared(s) = cell {
        s.set(crate::runtime::sendable::to_send(v)?);
        if vm.conc.task.is_some() {
            // A parallel task's value moves into the cell: the copy read
            // back after the block carries its `deinit`.
            crate::runtime::parking::give_up_deinit(v);
        }
        if let Some(i) = vm.conc.held.iter().rposition(|h| Arc::ptr_eq(h, s)) {
            vm.conc.held.remove(i);
            s.release();
        }
    }
    Ok(())
}

/// Release every statement lock still held (a task that failed mid-statement).
pub fn release_held(vm: &mut Vm) {
    for s in std::mem::take(&mut vm.conc.held) {
        s.release();
    }
}
