//! The interpreter: one non-recursive dispatch loop.
//!
//! A call to a Limit function pushes a `Frame` and continues in the same
//! loop; so do built-in methods that call back into Limit (`list.map(f)`,
//! …), which run as continuation frames (interp/callbacks.rs), and the
//! `deinit`s of released instances. Only the host (`Vm::call`), the end
//! of a run and the cycle collector's `deinit`s re-enter `run_loop` with
//! a deeper `stop_depth`. The loop keeps `ip`,
//! `base` and a pointer to the current code in locals and writes `ip` back
//! into the frame only when something may observe it (calls, traps).

use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;

use crate::errors::{fail, kinds, trap, RuntimeError, TraceEntry, Trap};
use crate::gc;
use crate::limits::{self, Limits};
use crate::opcode::{BinaryOp, CastKind, Dispatch, Op, Ordering};
use crate::program::{CaptureSource, Constant, FunctionProto, Program};
use crate::runtime::{arith, builtins, channel, collections, methods, methods::Method, sched};
use crate::value::{
    display, equals, write_value, Class, Closure, DictMap, EnumInfo, EnumValue, IterState, Key,
    Value,
};
use limit_bytecode::{ProgramExtent, ProgramUpdate};

/// Options of a VM (by default: the default limits, no trace, no stats,
/// output to stdout).
#[derive(Clone, Debug, Default)]
pub struct VmOptions {
    /// Resource limits: steps, call depth, heap, string and collection
    /// sizes (limits.rs).
    pub limits: Limits,
    /// Print every instruction with the stack top to stderr.
    pub trace: bool,
    /// Count instructions, calls and allocations.
    pub stats: bool,
    /// Keep `print` output in memory (see `Vm::take_output`) instead of stdout.
    pub capture_output: bool,
    /// Write standard output at the end of every line (the `limit` command
    /// sets it when stdout is a terminal); otherwise in blocks.
    pub line_buffered: bool,
    /// The words after the program's path on the command line, for
    /// `std.env.args()`.
    pub program_args: Vec<String>,
    /// Whether hot code is compiled to machine code (jit/; off with
    /// `trace`, which shows every instruction).
    pub jit: crate::jit::JitMode,
    /// When the program's top level returns, the values it still holds
    /// are kept in the VM (`Vm::run`) rather than released, so that a host
    /// about to end its process may skip freeing them by not dropping the
    /// VM (`Vm::teardown_is_unobservable`; the `limit` command does). A
    /// dropped VM releases them as usual.
    pub keep_values_at_exit: bool,
}

/// Execution counters (collected when `VmOptions::stats` is set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Instructions executed.
    pub instructions: u64,
    /// Limit function calls.
    pub calls: u64,
    /// Heap objects created by instructions.
    pub allocations: u64,
    /// Method inline-cache hits.
    pub cache_hits: u64,
    /// Method inline-cache misses.
    pub cache_misses: u64,
}

/// An activation record.
pub(crate) struct Frame {
    /// Function index.
    pub(crate) func: u32,
    /// Next instruction (valid when the frame is not the running one).
    pub(crate) ip: usize,
    /// Stack index of local slot 0.
    pub(crate) base: usize,
    /// Stack height to truncate to on return (before pushing the result).
    pub(crate) ret: usize,
    /// The running closure (for upvalues), if any.
    pub(crate) closure: Option<Rc<Closure>>,
    /// Constructor frame: return `this` instead of the result.
    pub(crate) ctor: bool,
}

mod arith_steps;
mod branch_steps;
mod budget;
mod callbacks;
mod calls;
mod checks;
mod concurrency;
mod containers;
mod dispatch;
mod errors;
mod fast_collections;
mod fast_numbers;
mod fast_objects;
mod fast_strings;
mod generic;
mod host_api;
mod loading;
mod objects;
mod operand_stack;
mod run;
mod segment;
mod session;
mod slots;

pub(crate) use concurrency::Exec;
use loading::*;
use objects::*;

/// An installed `Try` handler.
struct Handler {
    /// Number of frames when installed (the handler's frame is `frames[depth-1]`).
    depth: usize,
    /// Stack height to restore.
    height: usize,
    /// Handler address in that frame.
    ip: usize,
}

/// The virtual machine.
pub struct Vm {
    /// The program's functions, ready to run (see `prepared_function`),
    /// then the continuations. Shared with closures and with the VMs of
    /// `parallel` tasks, which run the same prototypes.
    pub(crate) functions: Vec<Arc<FunctionProto>>,
    pub(crate) constants: Vec<Value>,
    /// Method id of each constant (for `Invoke`), `Method::Unknown` when none.
    const_methods: Vec<Method>,
    pub(crate) globals: Vec<Value>,
    pub(crate) global_names: Vec<String>,
    pub(crate) classes: Vec<Rc<Class>>,
    pub(crate) enums: Vec<Rc<EnumInfo>>,
    files: Vec<String>,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    handlers: Vec<Handler>,
    /// Inline caches per function and instruction: `CACHE_WAYS` entries
    /// (class id + 1, what the instruction found for that class: an
    /// `Invoke`'s method, a `GetFieldByName`'s field slot), most recent
    /// first, so that a site over a mix of frames keeps hitting. A
    /// function's caches are made at its first miss.
    caches: Vec<Vec<calls::CacheEntries>>,
    pub(crate) options: VmOptions,
    pub(crate) stats: Stats,
    out: Vec<u8>,
    /// Writing to standard output failed: later output is dropped.
    output_closed: bool,
    captured: CapturedOutput,
    /// Where `print` output goes when the host asked for it
    /// (`set_print_sink`): each line as it is printed.
    print_sink: Option<Box<PrintSink>>,
    trace: Option<Vec<TraceEntry>>,
    /// `trace` is a task's, ending at its `task`: the frames that ran the
    /// block are added when the error escapes there.
    trace_of_task: bool,
    /// The last trap a handler caught, and where it had come from (boxed:
    /// the run loop's hot fields keep their places in `Vm`).
    caught: Option<Box<errors::CaughtTrap>>,
    /// That trap raised again (`Raise`), until it is caught or escapes.
    reraised: Option<Box<errors::CaughtTrap>>,
    invalid: Option<String>,
    pub(crate) rng_state: u64,
    /// `std.random`'s generator (made on first use, replaced by `seed`).
    pub(crate) std_rng: Option<rand_pcg::Pcg64Mcg>,
    /// Some class has a `deinit`: released values are checked for objects
    /// waiting for theirs.
    has_deinit: bool,
    /// `run_pending_deinits` is running: a `deinit` that releases more
    /// objects leaves them to that loop instead of recursing in Rust.
    in_deinits: bool,
    /// `value::deinits_queued()` when the loop last looked: a change means
    /// the last instruction released instances waiting for their `deinit`.
    deinits_seen: u64,
    /// Frames a `deinit` (and its driver) may go past the call-depth
    /// limit: set only while pushing one (see `push_deinit_frame`).
    pub(crate) depth_headroom: usize,
    /// This VM's lineage number (see `Class::lineage`).
    lineage: u64,
    /// Blocks, fibers and parallel-task state (runtime/sched.rs).
    pub(crate) conc: sched::ConcurrencyState,
    /// Steps (backward jumps and calls) until the next `checkpoint`
    /// (compiled code reads and writes it: jit/lower.rs's `tick`).
    pub(crate) countdown: u32,
    /// The value `countdown` started from.
    chunk: u32,
    /// Steps left in this run after the current chunk (limits.rs).
    steps_left: u64,
    /// Index of the first continuation function (interp/callbacks.rs),
    /// appended after the program's own.
    pub(crate) first_continuation: u32,
    /// Bytes this program's values take in channels (limits.rs).
    channel_meter: limits::ChannelMeter,
    /// Heap bytes at which the next collection runs (besides gc.rs's
    /// trigger on the number of containers): few containers can hold
    /// much memory (a cycle through a 100 KB string).
    gc_at_bytes: usize,
    /// The arguments of the host function being called, kept between
    /// calls so that a call allocates nothing (a host function that calls
    /// back into the VM finds it taken and uses a new one).
    host_args: Vec<Value>,
    /// Values the host holds handles on (function arguments a host
    /// function kept: `Vm::pin`), by id: kept alive, and roots for the
    /// cycle collector, until unpinned.
    pinned: rustc_hash::FxHashMap<u64, Value>,
    /// The checks `CheckType` names, parsed at their first use, by
    /// constant index (runtime/type_checks.rs).
    pub(crate) type_checks:
        rustc_hash::FxHashMap<u32, Rc<crate::runtime::type_checks::ParsedCheck>>,
    /// The native-code tier (`None` when off).
    pub(crate) jit: Option<Box<crate::jit::Jit>>,
    /// Per function, the JIT's call counter (jit/policy.rs: `NEVER`,
    /// `HOT`, or calls left plus one); empty when the JIT is off.
    pub(crate) jit_calls: Vec<u32>,
    /// What the top level held when it returned, with
    /// `VmOptions::keep_values_at_exit`.
    pub(crate) kept_at_exit: Vec<Value>,
}

/// Fewest heap bytes at which the byte trigger collects.
const MIN_GC_BYTES: usize = 32 << 20;

/// A host's receiver of `print` output (`Vm::set_print_sink`).
pub type PrintSink = dyn FnMut(&str) + Send;

/// Output kept in memory (`VmOptions::capture_output`): memory the
/// program filled, counted by the heap meter until the host takes it.
#[derive(Default)]
struct CapturedOutput(String);

impl CapturedOutput {
    fn push(&mut self, text: &str) {
        self.0.push_str(text);
        limits::charge(text.len());
    }

    fn take(&mut self) -> String {
        limits::release(self.0.len());
        std::mem::take(&mut self.0)
    }
}

impl Drop for CapturedOutput {
    fn drop(&mut self) {
        // Output captured and never taken leaves the heap meter with it.
        limits::release(self.0.len());
    }
}

/// Frames past the call-depth limit a `deinit` and its driver may use
/// (`push_deinit_frame`): a driver and a `deinit` at the limit, and a few
/// nested ones for instances such a `deinit` releases.
const DEINIT_HEADROOM: usize = 8;

/// Steps between two checkpoints (step budget, heap limit, collection due).
const CHECKPOINT_STEPS: u32 = 1024;

impl Vm {
    /// Load a program.
    pub fn new(mut program: Program, options: VmOptions) -> Vm {
        let invalid = program.validate().err();
        let mut functions: Vec<Arc<FunctionProto>> = program
            .functions
            .iter_mut()
            .map(prepared_function)
            .collect();
        let first_continuation = functions.len() as u32;
        push_continuations(&mut functions);
        let main = program.main;
        Vm::with_functions(
            Arc::new(program),
            functions,
            first_continuation,
            options,
            invalid,
        )
        .with_main(main)
    }

    /// The VM of a `parallel` task's thread: it runs the prototypes of the
    /// VM that opened the block (`functions`, continuations included),
    /// shared rather than copied, so starting a block costs the same in a
    /// session of ten functions as of ten thousand. The program was
    /// validated by that VM.
    pub(crate) fn for_task(
        program: Arc<Program>,
        functions: &[Arc<FunctionProto>],
        first_continuation: u32,
        options: VmOptions,
    ) -> Vm {
        // Tasks' VMs interpret (a compiled module per thread is a later
        // step of issue 23).
        let options = VmOptions {
            jit: crate::jit::JitMode::Off,
            ..options
        };
        Vm::with_functions(
            program,
            functions.to_vec(),
            first_continuation,
            options,
            None,
        )
    }

    /// A VM running `functions` (prepared), with `program`'s constants,
    /// globals, classes, enums and files.
    fn with_functions(
        program: Arc<Program>,
        functions: Vec<Arc<FunctionProto>>,
        first_continuation: u32,
        options: VmOptions,
        invalid: Option<String>,
    ) -> Vm {
        let constants: Vec<Value> = program.constants.iter().map(constant_value).collect();
        let const_methods = program.constants.iter().map(constant_method).collect();
        let caches = vec![Vec::new(); functions.len()];
        let enums = enum_infos(&program.enums);
        // Each VM gets its own lineage number: objects outliving a VM (the
        // `deinit` queue is per thread) are recognised as foreign.
        static LINEAGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let lineage = LINEAGES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let classes = build_classes(&program.classes, lineage);
        let has_deinit = classes.iter().any(|c| c.deinit.is_some());
        let jit_mode = if options.trace {
            crate::jit::JitMode::Off
        } else {
            options.jit
        };
        let jit = crate::jit::Jit::new(jit_mode, functions.len());
        let jit_calls = crate::jit::call_counters(jit_mode, functions.len());
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x2545F4914F6CDD1D);
        Vm {
            functions,
            constants,
            const_methods,
            globals: vec![Value::Nil; program.globals.len()],
            global_names: program.globals.clone(),
            classes,
            enums,
            files: program.files.clone(),
            stack: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            handlers: Vec::new(),
            caches,
            options,
            stats: Stats::default(),
            out: Vec::with_capacity(8192),
            output_closed: false,
            captured: CapturedOutput::default(),
            print_sink: None,
            trace: None,
            trace_of_task: false,
            caught: None,
            reraised: None,
            invalid,
            rng_state: seed | 1,
            std_rng: None,
            has_deinit,
            in_deinits: false,
            deinits_seen: crate::value::deinits_queued(),
            depth_headroom: 0,
            lineage,
            conc: sched::ConcurrencyState {
                program: Some(program),
                ..Default::default()
            },
            countdown: CHECKPOINT_STEPS,
            chunk: CHECKPOINT_STEPS,
            steps_left: u64::MAX,
            first_continuation,
            channel_meter: limits::ChannelMeter::default(),
            gc_at_bytes: MIN_GC_BYTES,
            host_args: Vec::new(),
            pinned: Default::default(),
            type_checks: Default::default(),
            jit,
            jit_calls,
            kept_at_exit: Vec::new(),
        }
    }

    fn with_main(mut self, main: usize) -> Vm {
        self.stack.clear();
        if self.invalid.is_none() {
            let proto = self.functions[main].clone();
            self.stack.resize(proto.frame_size(), Value::Nil);
            self.frames.push(Frame {
                func: main as u32,
                ip: 0,
                base: 0,
                ret: 0,
                closure: None,
                ctor: false,
            });
        }
        self
    }

    /// Run the program to completion.
    pub fn run(&mut self) -> Result<(), RuntimeError> {
        if let Some(msg) = self.invalid.take() {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("invalid program: {msg}"),
            ));
        }
        self.start_run();
        let result = self.execute(0);
        let result = match result {
            Ok(v) if self.has_deinit => self.release_globals().map(|_| v),
            other => other,
        };
        self.flush();
        match result {
            Ok(_) => Ok(()),
            Err(t) => {
                // A statement lock of an `atomic` global taken by the
                // failed statement: the next chunk must not wait for it.
                sched::release_held(self);
                let trace = self.trace.take().unwrap_or_default();
                // The frames the error left are over: what only they held
                // is garbage now, which a collection (a host's, between
                // runs) frees, cycles included. Left on the stack, it
                // stayed rooted and leaked when the VM was dropped. Where a
                // class has a `deinit`, releasing could run Limit code
                // after the program ended: those values stay until the VM
                // is dropped. A host about to end its process keeps them
                // unfreed, as after a normal end (`keep_values_at_exit`).
                if !self.has_deinit {
                    if self.options.keep_values_at_exit {
                        self.kept_at_exit.append(&mut self.stack);
                    }
                    self.clear_exec();
                }
                Err(RuntimeError {
                    kind: t.kind.to_string(),
                    message: t.message.to_string(),
                    trace,
                })
            }
        }
    }

    /// Whether releasing this VM's values would run no Limit code: no class
    /// has a `deinit`. A host ending its process may then skip dropping
    /// the VM (with `VmOptions::keep_values_at_exit`, the values the top
    /// level held are still in it): freeing a million objects one by one
    /// is time no one can observe.
    pub fn teardown_is_unobservable(&self) -> bool {
        !self.has_deinit
    }

    /// The outermost frame returned: move what it held above `ret` into
    /// `kept_at_exit` (`VmOptions::keep_values_at_exit`), unless releasing
    /// it could run a `deinit`.
    fn keep_at_exit(&mut self, ret: usize) {
        if !self.has_deinit && ret <= self.stack.len() {
            self.kept_at_exit.extend(self.stack.drain(ret..));
        }
    }

    /// The execution counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Output printed so far when `capture_output` is set.
    pub fn take_output(&mut self) -> String {
        self.flush();
        self.captured.take()
    }

    /// The value of global `name` (for embedders and tests).
    pub fn global(&self, name: &str) -> Option<Value> {
        let i = self.global_names.iter().position(|g| g == name)?;
        // An `atomic` global is a shared cell: the host sees its content.
        let v = self.globals.get(i).cloned()?;
        Some(sched::shared_get(self, v))
    }

    /// Append text to the output buffer, writing it out when a line ends
    /// on a line-buffered output or the buffer is full; `OutputClosed` when
    /// standard output was closed.
    pub(crate) fn write_out(&mut self, text: &str) -> Result<(), Trap> {
        self.out.extend_from_slice(text.as_bytes());
        let line_done =
            (self.options.line_buffered || self.print_sink.is_some()) && text.contains('\n');
        if line_done || self.out.len() > 1 << 16 {
            self.flush_output()?;
        }
        Ok(())
    }

    /// Write buffered output; `OutputClosed` when standard output was
    /// closed (now or before: later output is dropped).
    pub fn flush_output(&mut self) -> Result<(), Trap> {
        self.flush();
        if self.output_closed {
            return Err(crate::errors::trap(
                kinds::OUTPUT_CLOSED,
                "standard output was closed",
            ));
        }
        Ok(())
    }

    /// Whether writing to standard output failed (a closed pipe): the
    /// program then ends quietly with status 0 (§11).
    pub fn output_closed(&self) -> bool {
        self.output_closed
    }

    /// Flush buffered output (a failure is remembered: see `output_closed`).
    pub fn flush(&mut self) {
        if self.out.is_empty() {
            return;
        }
        if let Some(sink) = &mut self.print_sink {
            sink(&String::from_utf8_lossy(&self.out));
        } else if self.options.capture_output {
            self.captured.push(&String::from_utf8_lossy(&self.out));
        } else if !self.output_closed {
            let mut stdout = std::io::stdout().lock();
            let written = stdout.write_all(&self.out).and_then(|()| stdout.flush());
            self.output_closed = written.is_err();
        }
        self.out.clear();
    }

    // ------------------------------------------------------------ deinit

    /// Run the `deinit` of every instance whose last reference went away,
    /// oldest first; each object's fields are released after its `deinit`
    /// returns (which may schedule theirs).
    /// This VM's lineage number, which also names it as the owner of the
    /// values it parks in channels.
    pub(crate) fn lineage(&self) -> u64 {
        self.lineage
    }

    fn run_pending_deinits(&mut self) -> Result<(), Trap> {
        if self.in_deinits {
            return Ok(());
        }
        self.in_deinits = true;
        let result = self.run_deinit_queue();
        self.in_deinits = false;
        result
    }

    fn run_deinit_queue(&mut self) -> Result<(), Trap> {
        loop {
            // Values parked in channels that were dropped undelivered are
            // released here, with the others.
            self.conc.parking.release_dropped();
            let Some(obj) = crate::value::next_pending_deinit() else {
                break;
            };
            // The queue is per thread: an instance of another VM's program
            // (an earlier engine run, a finished session) is released
            // without its `deinit`, which belongs to that program.
            let Some(deinit) = (match &obj {
                Value::Instance(inst) if inst.class.lineage == self.lineage => inst.class.deinit,
                _ => None,
            }) else {
                continue;
            };
            // Everything queued so far is this loop's to run: the `deinit`
            // it starts must not push a driver for it.
            self.deinits_seen = crate::value::deinits_queued();
            let height = self.stack.len();
            let depth = self.frames.len();
            self.stack.push(obj.clone());
            let result = match self.push_deinit_frame(deinit, height, 1) {
                Ok(()) => self.execute(depth),
                Err(t) => Err(t),
            };
            if result.is_err() {
                self.frames.truncate(depth);
            }
            self.stack.truncate(height);
            drop(obj);
            result?;
        }
        Ok(())
    }

    /// After an instruction that released values: run the `deinit`s of
    /// instances that died, in a deinit driver frame
    /// (interp/callbacks.rs), before the next instruction — whichever
    /// instruction it was, so that every execution mode agrees. Only
    /// instances queued since the last look start a driver: older ones
    /// belong to a driver further down, which takes them when it resumes
    /// (a `deinit` running from a long queue must not stack a driver per
    /// item). An error starting it unwinds as the instruction's would.
    pub(super) fn run_released_deinits(&mut self, stop_depth: usize) -> Result<(), Trap> {
        // Values parked in channels dropped undelivered join the queue
        // first (runtime/parking.rs).
        self.conc.parking.release_dropped();
        let queued = crate::value::deinits_queued();
        if queued != self.deinits_seen {
            self.deinits_seen = queued;
            if let Err(t) = self.start_deinits() {
                self.unwind(t, stop_depth)?;
            }
        }
        Ok(())
    }

    /// At the end of the program: release globals (last declared first) so
    /// that objects held there get their `deinit`.
    fn release_globals(&mut self) -> Result<(), Trap> {
        self.run_pending_deinits()?;
        for i in (0..self.globals.len()).rev() {
            let v = std::mem::take(&mut self.globals[i]);
            drop(v);
            self.run_pending_deinits()?;
        }
        Ok(())
    }
}

/// Stack access for the instructions' out-of-line implementations (the
/// dispatch loop has its own macros).
impl Vm {
    /// Pop the top value (nil on an empty stack, which compiled code never
    /// pops: the code generator's stack discipline).
    fn pop(&mut self) -> Value {
        self.stack.pop().unwrap_or_default()
    }

    /// The top value.
    fn top(&mut self) -> &mut Value {
        // Infallible for compiled programs: an instruction reading its
        // operand follows the code that pushed it.
        self.stack.last_mut().expect("stack not empty")
    }
}

/// An instruction handed to an implementation of other instructions: a
/// bug of the dispatch loop, reported as an error rather than a panic.
#[cold]
fn unexpected(op: Op) -> Trap {
    trap(
        kinds::ERROR,
        &format!("internal error: {op:?} reached the wrong handler"),
    )
}
