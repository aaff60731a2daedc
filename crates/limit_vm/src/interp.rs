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
use crate::opcode::{CastKind, Op};
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
    /// Run every instruction through the generic dispatch loop, without the
    /// hot path (`interp/hot.rs`); `limit run -O0` sets it, so that the
    /// conformance suite checks one against the other.
    pub generic_only: bool,
    /// Write standard output at the end of every line (the `limit` command
    /// sets it when stdout is a terminal); otherwise in blocks.
    pub line_buffered: bool,
    /// The words after the program's path on the command line, for
    /// `std.env.args()`.
    pub program_args: Vec<String>,
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
    func: u32,
    /// Next instruction (valid when the frame is not the running one).
    ip: usize,
    /// Stack index of local slot 0.
    base: usize,
    /// Stack height to truncate to on return (before pushing the result).
    ret: usize,
    /// The running closure (for upvalues), if any.
    closure: Option<Rc<Closure>>,
    /// Constructor frame: return `this` instead of the result.
    ctor: bool,
}

mod callbacks;
mod hot;

/// Where the running frame is, handed to and back from `Vm::run_hot`.
#[derive(Clone, Copy)]
struct Cursor {
    func: u32,
    code: *const Op,
    ip: usize,
    base: usize,
}

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
    frames: Vec<Frame>,
    handlers: Vec<Handler>,
    /// Inline caches for `InvokeMethod`, per function and instruction: two
    /// entries (class id + 1, function), most recent first, so that a call
    /// site over a mix of two frames keeps hitting. A function's caches
    /// are made at its first miss (most functions invoke no method).
    caches: Vec<Vec<[(u32, u32); 2]>>,
    pub(crate) options: VmOptions,
    stats: Stats,
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
    depth_headroom: usize,
    /// This VM's lineage number (see `Class::lineage`).
    lineage: u64,
    /// Blocks, fibers and parallel-task state (runtime/sched.rs).
    pub(crate) conc: sched::ConcurrencyState,
    /// Steps (backward jumps and calls) until the next `checkpoint`.
    countdown: u32,
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

/// Instructions the generic loop runs by itself after the hot path ran at
/// most one (see `run_loop`).
const HOT_BACKOFF: u32 = 16;

/// Instructions the generic loop runs by itself when a run starts (a
/// program, a call from the host, a callback from a built-in or a
/// `deinit`): entering and leaving the hot loop costs more than a short
/// function's whole body, and many functions called this way are short
/// (`return w * h;` is two instructions). A longer body enters the hot
/// loop after these few, at its first hot instruction.
const ENTRY_BACKOFF: u32 = 4;

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
        let result = if self.options.trace || self.options.stats {
            self.run_loop::<true>(0)
        } else {
            self.run_loop::<false>(0)
        };
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
                Err(RuntimeError {
                    kind: t.kind.to_string(),
                    message: t.message.to_string(),
                    trace,
                })
            }
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
                Ok(()) if self.options.trace || self.options.stats => self.run_loop::<true>(depth),
                Ok(()) => self.run_loop::<false>(depth),
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

    // ------------------------------------------------------------ calls

    /// Push a frame for function `func` whose `argc` arguments start at `base`.
    #[inline(always)]
    fn push_frame(
        &mut self,
        func: u32,
        closure: Option<Rc<Closure>>,
        base: usize,
        ret: usize,
        argc: usize,
        ctor: bool,
    ) -> Result<(), Trap> {
        let Some(proto) = self.functions.get(func as usize) else {
            return fail(kinds::ERROR, &format!("call of unknown function #{func}"));
        };
        let arity = proto.arity as usize;
        if argc != arity {
            if argc < proto.required as usize || argc > arity {
                return fail(
                    kinds::TYPE_ERROR,
                    &format!(
                        "{}() takes {} arguments but {} were given",
                        proto.name, arity, argc
                    ),
                );
            }
            for _ in argc..arity {
                self.stack.push(Value::Nil);
            }
        }
        if self.frames.len() >= self.options.limits.max_call_depth + self.depth_headroom {
            return fail(
                kinds::STACK_OVERFLOW,
                &format!(
                    "maximum call depth of {} frames exceeded",
                    self.options.limits.max_call_depth
                ),
            );
        }
        let locals = proto.num_locals as usize;
        self.countdown -= 1;
        if self.countdown == 0 {
            self.checkpoint()?;
        }
        if locals > 0 {
            self.stack.resize(self.stack.len() + locals, Value::Nil);
        }
        self.frames.push(Frame {
            func,
            ip: 0,
            base,
            ret,
            closure,
            ctor,
        });
        Ok(())
    }

    /// Push the frame of a `deinit` or of its driver (`argc` arguments at
    /// `base`). It may go past the call-depth limit by `DEINIT_HEADROOM`
    /// frames: an instance released at the limit still gets its `deinit`
    /// (which runs exactly once, docs/reference.md §7), and a failure to start it
    /// would otherwise lose it or raise into code that never called it.
    /// Calls the `deinit` itself makes count against the limit as usual.
    pub(super) fn push_deinit_frame(
        &mut self,
        func: u32,
        base: usize,
        argc: usize,
    ) -> Result<(), Trap> {
        self.depth_headroom = DEINIT_HEADROOM;
        let pushed = self.push_frame(func, None, base, base, argc, false);
        self.depth_headroom = 0;
        pushed
    }

    /// The function and base of the frame on top, if any.
    pub(crate) fn top_frame_start(&self) -> Option<(u32, usize)> {
        self.frames.last().map(|f| (f.func, f.base))
    }

    /// Removes the frame a call just pushed, before its first instruction
    /// (its arguments were refused): the error is then the caller's.
    pub(crate) fn pop_entered_frame(&mut self) {
        self.frames.pop();
    }

    /// Set up a call of the value at `stack[callee]` with `argc` arguments
    /// above it. Returns true when a Limit frame was pushed; otherwise the
    /// result already replaced the callee and arguments.
    fn call_value_at(&mut self, callee: usize, argc: usize) -> Result<bool, Trap> {
        if let Value::Host(_) = &self.stack[callee] {
            return self.call_host_at(callee);
        }
        let f = self.stack[callee].clone();
        match f {
            Value::Function(c) => {
                let index = c.index;
                self.push_frame(index, Some(c), callee + 1, callee, argc, false)?;
                Ok(true)
            }
            Value::Host(_) => self.call_host_at(callee),
            Value::Native(n) => {
                check_native_args(n, argc)?;
                let args: Vec<Value> = self.stack.drain(callee + 1..).collect();
                let r = match (n.func)(self, &args) {
                    Ok(r) => r,
                    Err(t) => {
                        if sched::is_suspend(&t) {
                            self.stack.extend(args); // retried when resumed
                        }
                        return Err(t);
                    }
                };
                self.stack.truncate(callee);
                self.stack.push(r);
                Ok(false)
            }
            Value::BoundMethod(b) => {
                self.stack[callee] = b.receiver.clone();
                match b.function {
                    Some(func) => {
                        self.push_frame(func, None, callee, callee, argc + 1, false)?;
                        Ok(true)
                    }
                    None => {
                        let m = Method::from_name(&b.name);
                        self.invoke_builtin(m, &b.name, callee)
                    }
                }
            }
            Value::Class(class) => self.construct(&class, callee, argc),
            Value::Nil => fail(kinds::NIL_ACCESS, "cannot call nil"),
            other => fail(
                kinds::TYPE_ERROR,
                &format!("{} is not callable", other.type_name_with_article()),
            ),
        }
    }

    /// Run host code `body` on the arguments at `stack[from..]`, moved off
    /// the stack first (host code gets the VM, which it may run again)
    /// into a buffer kept across calls; the stack ends at `from`.
    fn with_host_args<R>(&mut self, from: usize, body: impl FnOnce(&mut Vm, &[Value]) -> R) -> R {
        let mut args = std::mem::take(&mut self.host_args);
        args.extend(self.stack.drain(from..));
        let result = body(self, &args);
        args.clear();
        self.host_args = args;
        result
    }

    /// Call the host function at `stack[callee]` with the arguments above
    /// it; its result replaces them.
    fn call_host_at(&mut self, callee: usize) -> Result<bool, Trap> {
        // The function's slot gets the result: take it rather than count
        // one more reference.
        let Value::Host(h) = std::mem::take(&mut self.stack[callee]) else {
            return fail(kinds::ERROR, "a host call of a value that is not one");
        };
        let r = self.with_host_args(callee + 1, |vm, args| (h.func)(vm, args))?;
        self.stack.truncate(callee);
        self.stack.push(r);
        Ok(false)
    }

    /// Construct an instance of `class` from the call at `callee`.
    fn construct(&mut self, class: &Rc<Class>, callee: usize, argc: usize) -> Result<bool, Trap> {
        if class.is_abstract {
            // A direct `A()` is a compile error; a frame held in a
            // variable is only known here.
            return fail(
                kinds::TYPE_ERROR,
                &format!(
                    "cannot instantiate abstract frame `{}`; instantiate a frame that extends it",
                    class.name
                ),
            );
        }
        // The compiled constructor gives the fields not passed their
        // defaults (or zero values), then runs `init` if there is one, as
        // `Frame(…)` written out does (one constructor for a frame with
        // `init`, one per positional count for the others).
        let maker = match class.init {
            Some(_) => class.value_makers.first(),
            None => class.value_makers.get(argc),
        };
        if let Some(&maker) = maker {
            self.push_frame(maker, None, callee + 1, callee, argc, false)?;
            return Ok(true);
        }
        let fields = vec![Value::Nil; class.field_names.len()];
        let inst = Value::instance(class.clone(), fields);
        self.stats.allocations += 1;
        if gc::due() || self.options.limits.max_heap_bytes.is_some() {
            self.after_allocation()?;
        }
        match class.init {
            Some(init) => {
                self.stack[callee] = inst;
                self.push_frame(init, None, callee, callee, argc + 1, true)?;
                Ok(true)
            }
            None => {
                if argc > class.field_names.len() {
                    return fail(
                        kinds::TYPE_ERROR,
                        &format!(
                            "{} has {} fields but {} values were given",
                            class.name,
                            class.field_names.len(),
                            argc
                        ),
                    );
                }
                let args: Vec<Value> = self.stack.drain(callee + 1..).collect();
                if let Value::Instance(i) = &inst {
                    let mut f = i.fields.borrow_mut();
                    for (slot, v) in args.into_iter().enumerate() {
                        f[slot] = v;
                    }
                }
                self.stack[callee] = inst;
                Ok(false)
            }
        }
    }

    /// Call a value from native code (re-enters the dispatch loop).
    pub fn call(&mut self, f: &Value, args: &[Value]) -> Result<Value, Trap> {
        self.call_with(f, args, false)
    }

    /// [`Vm::call`]; with `check_arguments`, a Limit function reached
    /// checks the arguments against its parameters' declared types first,
    /// as from a `CallAny` (the host proved nothing about them).
    pub fn call_with(
        &mut self,
        f: &Value,
        args: &[Value],
        check_arguments: bool,
    ) -> Result<Value, Trap> {
        let height = self.stack.len();
        let depth = self.frames.len();
        self.stack.push(f.clone());
        self.stack.extend(args.iter().cloned());
        let top = self.stack.len();
        let entered = self.call_value_at(height, args.len()).and_then(|pushed| {
            if pushed && check_arguments {
                self.check_entered_arguments(top)?;
            }
            Ok(pushed)
        });
        let result = match entered {
            Ok(true) => {
                if self.options.trace || self.options.stats {
                    self.run_loop::<true>(depth)
                } else {
                    self.run_loop::<false>(depth)
                }
            }
            Ok(false) => Ok(self.stack.pop().unwrap_or_default()),
            Err(t) => Err(t),
        };
        if result.is_err() {
            self.frames.truncate(depth);
            if depth == 0 {
                // A host's call failed mid-statement (see `run`).
                sched::release_held(self);
            }
        }
        self.stack.truncate(height);
        result
    }

    /// Call a built-in method on the receiver at `recv` with its arguments
    /// above it. Returns true when it pushed a continuation frame (a method
    /// that calls back into Limit: interp/callbacks.rs); otherwise the
    /// result replaced the receiver and arguments.
    fn invoke_builtin(&mut self, m: Method, name: &str, recv: usize) -> Result<bool, Trap> {
        let argc = self.stack.len() - recv - 1;
        methods::check_arity(m, name, &self.stack[recv], argc)?;
        let args: Vec<Value> = self.stack.drain(recv + 1..).collect();
        if let Some(kind) = callbacks::driven(m, &self.stack[recv], &args) {
            self.start_driven(kind, recv, args)?;
            return Ok(true);
        }
        let receiver = self.stack.pop().unwrap_or_default();
        let r = match methods::invoke(self, m, name, &receiver, &args) {
            Ok(r) => r,
            Err(t) => {
                if sched::is_suspend(&t) {
                    // Retried when the fiber is resumed.
                    self.stack.push(receiver);
                    self.stack.extend(args);
                }
                return Err(t);
            }
        };
        self.stack.push(r);
        Ok(false)
    }

    /// `Invoke`/`InvokeMethod` on the receiver at `recv`: returns true when
    /// a frame was pushed.
    fn invoke(&mut self, name_k: u32, recv: usize, argc: usize) -> Result<bool, Trap> {
        match &self.stack[recv] {
            Value::Instance(inst) => {
                let name = self.constants[name_k as usize].clone();
                let name = name.as_str().unwrap_or("");
                if let Some(&func) = inst.class.method_map.get(name) {
                    self.push_frame(func, None, recv, recv, argc + 1, false)?;
                    return Ok(true);
                }
                // A field holding a function.
                if let Some(slot) = inst.class.field_slot(name) {
                    let f = inst.fields.borrow()[slot].clone();
                    self.stack[recv] = f;
                    return self.call_value_at(recv, argc);
                }
                fail(
                    kinds::TYPE_ERROR,
                    &format!("{} has no method {}", inst.class.name, name),
                )
            }
            Value::Dict(d) => {
                let key = Key(self.constants[name_k as usize].clone());
                let f = d.map.borrow().get(&key).cloned();
                match f {
                    Some(f)
                        if matches!(
                            f,
                            Value::Function(_) | Value::Native(_) | Value::BoundMethod(_)
                        ) =>
                    {
                        self.stack[recv] = f;
                        self.call_value_at(recv, argc)
                    }
                    _ => {
                        let m = self.const_methods[name_k as usize];
                        let name = self.constants[name_k as usize].clone();
                        self.invoke_builtin(m, name.as_str().unwrap_or(""), recv)
                    }
                }
            }
            Value::HostObject(object) => {
                let object = object.clone();
                let name = self.constants[name_k as usize].clone();
                // The method gets the VM (to call back a function it is
                // passed), as a host function does.
                let result = self.with_host_args(recv + 1, |vm, args| {
                    object.invoke(vm, name.as_str().unwrap_or(""), args)
                })?;
                self.stack.truncate(recv);
                self.stack.push(result);
                Ok(false)
            }
            Value::Class(_) | Value::Nil if false => Ok(false),
            _ => {
                let m = self.const_methods[name_k as usize];
                let name = self.constants[name_k as usize].clone();
                self.invoke_builtin(m, name.as_str().unwrap_or(""), recv)
            }
        }
    }

    // ------------------------------------------------------------ errors

    /// Record the Limit stack trace (innermost first) for an escaping trap.
    fn capture_trace(&mut self) {
        if self.trace.is_some() && !self.trace_of_task {
            return;
        }
        let mut entries = self.trace.take().unwrap_or_default();
        self.trace_of_task = false;
        let n = self.frames.len();
        for (i, frame) in self.frames.iter().enumerate().rev() {
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
            let proto = &self.functions[frame.func as usize];
            // A continuation frame (`map`, …) is shown at its call site;
            // a deinit driver is no call the program wrote.
            let at = match self.continuation_kind(frame.func) {
                Some(callbacks::Driven::Deinit) => continue,
                Some(_) if i > 0 => &self.frames[i - 1],
                _ => frame,
            };
            let pos = self.functions[at.func as usize].pos(at.ip.saturating_sub(1));
            let file = self
                .files
                .get(self.functions[at.func as usize].file as usize)
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
    fn unwind(&mut self, t: Trap, stop_depth: usize) -> Result<(), Trap> {
        if sched::is_suspend(&t) {
            // A fiber blocks: retry the instruction when it is resumed.
            if let Some(f) = self.frames.last_mut() {
                f.ip -= 1;
            }
            return Err(t);
        }
        // A resource limit is not catchable by the script (limits.rs), nor
        // are a closed output and an interrupt (the program must end), nor
        // the cancellation of a task whose block timed out or failed (its
        // handler could otherwise go on running).
        let uncatchable = matches!(
            &*t.kind,
            kinds::RESOURCE_LIMIT | kinds::OUTPUT_CLOSED | kinds::INTERRUPTED
        );
        let cancelled = &*t.kind == kinds::TIMEOUT && self.conc.cancellation().is_some();
        let catchable = !uncatchable && !cancelled;
        match self.handlers.last() {
            Some(h) if catchable && h.depth > stop_depth && h.depth <= self.frames.len() => {
                // Infallible: this arm matched `handlers.last()`.
                let h = self.handlers.pop().expect("handler present");
                self.frames.truncate(h.depth);
                // Released from the top down, as returns release them:
                // the last declared local gets its `deinit` first.
                while self.stack.len() > h.height {
                    drop(self.stack.pop());
                }
                let t = self.deinits_while_unwinding(t);
                self.stack.push(Value::Error(t));
                if let Some(f) = self.frames.last_mut() {
                    f.ip = h.ip;
                }
                self.trace = None;
                self.trace_of_task = false;
                Ok(())
            }
            _ => {
                self.capture_trace();
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
    fn deinits_while_unwinding(&mut self, t: Trap) -> Trap {
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
    /// becomes a note in the message of `t`.
    fn run_deinits_noting_errors(&mut self, t: Trap) -> Trap {
        let mut first: Option<(Trap, Option<String>)> = None;
        loop {
            match self.run_pending_deinits() {
                Ok(()) => break,
                Err(e) if sched::is_suspend(&e) => break,
                Err(e) => {
                    let place = self
                        .take_trace()
                        .and_then(|trace| trace.first().map(|entry| entry.function.clone()));
                    first.get_or_insert((e, place));
                }
            }
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

    // ------------------------------------------------------------ the loop

    /// Execute until the number of frames drops to `stop_depth`; returns the
    /// value returned by the frame at that depth.
    pub(crate) fn run_loop<const TRACE: bool>(&mut self, stop_depth: usize) -> Result<Value, Trap> {
        let mut func: u32;
        let mut code: *const Op;
        let mut ip: usize;
        let mut base: usize;

        // Infallible: the loop runs only while more than `stop_depth`
        // frames are on the stack (a return that leaves `stop_depth`
        // returns from `run_loop` before loading a frame).
        macro_rules! load_frame {
            () => {{
                let f = self.frames.last().expect("a frame is running");
                func = f.func;
                ip = f.ip;
                base = f.base;
                code = self.functions[func as usize].code.as_ptr();
            }};
        }
        macro_rules! save_ip {
            () => {
                if let Some(f) = self.frames.last_mut() {
                    f.ip = ip;
                }
            };
        }
        macro_rules! throw {
            ($t:expr) => {{
                let t = $t;
                save_ip!();
                self.unwind(t, stop_depth)?;
                load_frame!();
                continue;
            }};
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => throw!(t),
                }
            };
        }
        // After an instruction that released values: run the `deinit`s
        // of instances that died, in a deinit driver frame
        // (interp/callbacks.rs), before the next instruction.
        // Only instances queued since the last look start a driver: older
        // ones belong to a driver further down, which takes them when it
        // resumes (a `deinit` running from a long queue must not stack a
        // driver per item).
        macro_rules! deinits {
            () => {
                // Values parked in channels dropped undelivered join the
                // queue first (runtime/parking.rs).
                if self.has_deinit {
                    self.conc.parking.release_dropped();
                    let queued = crate::value::deinits_queued();
                    if queued != self.deinits_seen {
                        self.deinits_seen = queued;
                        save_ip!();
                        if tri!(self.start_deinits()) {
                            load_frame!();
                        }
                    }
                }
            };
        }
        macro_rules! drop_top {
            () => {
                if let Some(v) = self.stack.pop() {
                    v.discard();
                }
            };
        }
        macro_rules! pop {
            () => {
                self.stack.pop().unwrap_or_default()
            };
        }
        // Infallible for compiled programs: an instruction reading its
        // operand follows the code that pushed it (the code generator's
        // stack discipline, as for every `stack[n - k]` read here).
        macro_rules! top {
            () => {
                self.stack.last_mut().expect("stack not empty")
            };
        }
        macro_rules! push {
            ($v:expr) => {
                self.stack.push($v)
            };
        }
        // After an allocating instruction: collect cycles when due, and
        // check the heap limit when one is set.
        macro_rules! allocated {
            () => {
                if gc::due()
                    || self.options.limits.max_heap_bytes.is_some()
                    || limits::heap_bytes() >= self.gc_at_bytes
                {
                    save_ip!();
                    tri!(self.after_allocation());
                }
            };
        }
        macro_rules! jump {
            ($o:expr) => {
                ip = (ip as isize + $o as isize) as usize
            };
        }
        // Binary arithmetic with int and float fast paths.
        // Discard the top value, known to be a scalar (no destructor), without
        // moving it (a 16-byte reload of a just-written value stalls).
        macro_rules! pop_scalar {
            () => {{
                let n = self.stack.len();
                debug_assert!(n > 0 && !self.stack[n - 1].is_heap());
                // SAFETY: the caller matched the top value as a scalar
                // (Int/Float/Bool/Nil), which owns nothing, so shortening the
                // vector without running its destructor leaks nothing; `n > 0`
                // because that value exists.
                unsafe { self.stack.set_len(n - 1) }
            }};
        }
        // `[a, b] -> [a op b]` in place when both are floats; otherwise `$rest`.
        macro_rules! float_first {
            ($fassign:tt, $rest:expr) => {{
                if let [.., Value::Float(a), Value::Float(b)] = self.stack.as_mut_slice() {
                    *a $fassign *b;
                    pop_scalar!();
                    continue;
                }
                $rest
            }};
        }
        macro_rules! arith {
            ($checked:ident, $fop:tt, $fassign:tt, $slow:path) => {{
                // Fast paths update the left operand in place.
                if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_mut_slice() {
                    if let Some(r) = a.$checked(*b) {
                        *a = r;
                        pop_scalar!();
                        continue;
                    }
                } else if let [.., Value::Float(a), Value::Float(b)] = self.stack.as_mut_slice() {
                    *a $fassign *b;
                    pop_scalar!();
                    continue;
                }
                let n = self.stack.len();
                let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                    (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                        Some(r) => Value::Int(r),
                        None => tri!($slow(&Value::Int(*a), &Value::Int(*b))),
                    },
                    (Value::Float(a), Value::Float(b)) => Value::Float(a $fop b),
                    (a, b) => tri!($slow(a, b)),
                };
                drop_top!();
                top!().set(r);
            }};
        }
        macro_rules! slow_binary {
            ($f:expr) => {{
                let b = pop!();
                let a = top!();
                let r = tri!($f(&*a, &b));
                // Infallible: `top!()` just read that slot.
                *self.stack.last_mut().expect("stack") = r;
            }};
        }
        // Comparison producing a bool.
        macro_rules! compare {
            ($op:tt, $name:expr) => {{
                let n = self.stack.len();
                let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                    (Value::Int(a), Value::Int(b)) => a $op b,
                    (Value::Float(a), Value::Float(b)) => a $op b,
                    (a, b) => tri!(arith::order(a, b, $name)),
                };
                r
            }};
        }
        macro_rules! compare_jump {
            ($op:tt, $name:expr, $o:expr) => {{
                if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_slice() {
                    let r = a $op b;
                    pop_scalar!();
                    pop_scalar!();
                    if !r {
                        jump!($o);
                    }
                    continue;
                }
                let r = compare!($op, $name);
                drop_top!();
                drop_top!();
                if !r {
                    jump!($o);
                }
            }};
        }
        // A binary operator on two values by reference, with int and float
        // fast paths; evaluates to a `Result` (borrows end before `tri!`).
        macro_rules! binary_ref {
            ($x:expr, $y:expr, $checked:ident, $fop:tt, $slow:path) => {{
                let (x, y) = ($x, $y);
                match (x, y) {
                    (Value::Int(p), Value::Int(q)) => match p.$checked(*q) {
                        Some(r) => Ok(Value::Int(r)),
                        None => $slow(x, y),
                    },
                    (Value::Float(p), Value::Float(q)) => Ok(Value::Float(*p $fop *q)),
                    _ => $slow(x, y),
                }
            }};
        }
        // `[x] -> [x op locals[s]]`, updating the top in place when both are
        // numbers of the same kind.
        macro_rules! top_op_local {
            ($s:expr, $checked:ident, $fop:tt, $fassign:tt, $slow:path) => {{
                let local = base + $s as usize;
                let n = self.stack.len();
                let (low, high) = self.stack.split_at_mut(n - 1);
                let top = &mut high[0];
                let fast = match (&mut *top, &low[local]) {
                    (Value::Float(a), Value::Float(b)) => {
                        *a $fassign *b;
                        true
                    }
                    (Value::Int(a), Value::Int(b)) => match a.$checked(*b) {
                        Some(r) => {
                            *a = r;
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if !fast {
                    let r = $slow(&self.stack[n - 1], &self.stack[local]);
                    let r = tri!(r);
                    self.stack[n - 1] = r;
                }
            }};
        }
        // `[x] -> []`, jumping when `!(x op locals[s])`.
        macro_rules! compare_local_jump {
            ($s:expr, $op:tt, $name:expr, $o:expr) => {{
                let n = self.stack.len();
                let r = match (&self.stack[n - 1], &self.stack[base + $s as usize]) {
                    (Value::Int(a), Value::Int(b)) => a $op b,
                    (Value::Float(a), Value::Float(b)) => a $op b,
                    (a, b) => tri!(arith::order(a, b, $name)),
                };
                drop_top!();
                if !r {
                    jump!($o);
                }
            }};
        }

        // `locals[s] += n`, in place for an int that does not overflow.
        macro_rules! inc_local {
            ($s:expr, $n:expr) => {{
                let slot = &mut self.stack[base + $s as usize];
                match slot {
                    Value::Int(a) if a.checked_add($n as i64).is_some() => *a += $n as i64,
                    other => {
                        let r = tri!(arith::add(other, &Value::Int($n as i64)));
                        self.stack[base + $s as usize] = r;
                    }
                }
            }};
        }
        // A backward jump by `n`: one step of the budget.
        macro_rules! loop_back {
            ($n:expr) => {{
                // The checkpoint runs before the jump so that a step-limit
                // error is reported at the loop's back edge, not at
                // whatever precedes the loop's first instruction.
                self.countdown -= 1;
                if self.countdown == 0 {
                    save_ip!();
                    tri!(self.checkpoint());
                }
                ip -= $n as usize;
            }};
        }

        let hot = !TRACE && !self.options.generic_only;
        let may_deinit = self.has_deinit;
        let mut backoff = ENTRY_BACKOFF;
        load_frame!();
        loop {
            // Whatever the last instruction released (a popped temporary, a
            // replaced local, field or element, a returning frame's locals)
            // gets its `deinit` now, before the next instruction, whichever
            // instruction it was — so every execution mode agrees.
            if may_deinit {
                deinits!();
            }
            // SAFETY: as for the fetch below.
            if backoff > 0 {
                backoff -= 1;
            } else if hot && hot::handles(unsafe { *code.add(ip) }, may_deinit) {
                let (start_func, start_ip) = (func, ip);
                let mut at = Cursor {
                    func,
                    code,
                    ip,
                    base,
                };
                let collect = self.run_hot(&mut at, stop_depth);
                (func, code, ip, base) = (at.func, at.code, at.ip, at.base);
                // Entering and leaving costs a few dozen instructions: when
                // the hot loop ran at most one instruction, stay out of it
                // for the next few.
                if func == start_func && (start_ip..=start_ip + 1).contains(&ip) {
                    backoff = HOT_BACKOFF;
                }
                if collect {
                    save_ip!();
                    tri!(self.after_allocation());
                    continue;
                }
            }
            // SAFETY: `code` points into `self.functions[func].code`, an `Rc`
            // owned by the VM and never mutated after loading. `ip` is always
            // within the code: `Program::validate` checks that every jump
            // target lies in `0..=len` of the compiler's code, and `Vm::new`
            // appends a `ReturnNil` at index `len`, so falling through or
            // jumping to `len` stops at a return.
            let op = unsafe { *code.add(ip) };
            if TRACE {
                self.trace_step(func, ip, op);
            }
            ip += 1;
            match op {
                Op::Nop => {}
                Op::Pop => {
                    self.stack.pop();
                }
                Op::PopN(n) => {
                    let len = self.stack.len();
                    self.stack.truncate(len - n as usize);
                }
                Op::Dup => {
                    let v = top!().clone();
                    push!(v);
                }
                Op::Dup2 => {
                    let n = self.stack.len();
                    let (a, b) = (self.stack[n - 2].clone(), self.stack[n - 1].clone());
                    push!(a);
                    push!(b);
                }
                Op::Swap => {
                    let n = self.stack.len();
                    self.stack.swap(n - 1, n - 2);
                }
                Op::Over => {
                    let v = self.stack[self.stack.len() - 2].clone();
                    push!(v);
                }
                Op::Const(k) => push!(self.constants[k as usize].fast_clone()),
                Op::Int(n) => push!(Value::Int(n as i64)),
                Op::Nil => push!(Value::Nil),
                Op::True => push!(Value::Bool(true)),
                Op::False => push!(Value::Bool(false)),

                Op::GetLocal(s) => {
                    let v = self.stack[base + s as usize].fast_clone();
                    push!(v);
                }
                Op::SetLocal(s) => {
                    if let Some(&Value::Float(f)) = self.stack.last() {
                        pop_scalar!();
                        if let Value::Float(slot) = &mut self.stack[base + s as usize] {
                            *slot = f;
                            continue;
                        }
                        self.stack[base + s as usize].set(Value::Float(f));
                        continue;
                    }
                    if let Some(&Value::Int(i)) = self.stack.last() {
                        pop_scalar!();
                        if let Value::Int(slot) = &mut self.stack[base + s as usize] {
                            *slot = i;
                            continue;
                        }
                        self.stack[base + s as usize].set(Value::Int(i));
                        continue;
                    }
                    let v = pop!();
                    self.stack[base + s as usize].set(v);
                }
                Op::MarkHeight(s) => {
                    let height = (self.stack.len() - base) as i64;
                    self.stack[base + s as usize] = Value::Int(height);
                }
                Op::CutToHeight(s) => {
                    // The compiler marks the height before it can be cut
                    // (codegen/stmt.rs `push_loop`); a slot holding
                    // anything else cuts nothing.
                    if let Value::Int(height) = self.stack[base + s as usize] {
                        let keep = base + usize::try_from(height).unwrap_or(usize::MAX);
                        if keep < self.stack.len() {
                            self.stack.truncate(keep);
                            deinits!();
                        }
                    }
                }
                Op::DropLocal(s) => {
                    let v = std::mem::take(&mut self.stack[base + s as usize]);
                    drop(v);
                }
                Op::TeeLocal(s) => {
                    let v = top!().clone();
                    self.stack[base + s as usize] = v;
                }
                Op::GetLocal2(a, b) => {
                    let x = self.stack[base + a as usize].fast_clone();
                    let y = self.stack[base + b as usize].fast_clone();
                    push!(x);
                    push!(y);
                }
                Op::MakeCell(s) => {
                    let slot = &mut self.stack[base + s as usize];
                    let v = std::mem::take(slot);
                    *slot = Value::Cell(Value::new_cell(v));
                }
                Op::GetCell(s) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Cell(c) => c.borrow().clone(),
                        other => other.clone(),
                    };
                    push!(v);
                }
                Op::SetCell(s) => {
                    let v = pop!();
                    match &self.stack[base + s as usize] {
                        Value::Cell(c) => *c.borrow_mut() = v,
                        _ => self.stack[base + s as usize] = v,
                    }
                }
                Op::GetUpvalue(i) => {
                    // Infallible: an instruction runs in the frame on top.
                    let v = match &self.frames.last().expect("frame").closure {
                        Some(c) => match &c.captures[i as usize] {
                            Value::Cell(cell) => cell.borrow().clone(),
                            copied => copied.clone(),
                        },
                        None => tri!(fail(kinds::ERROR, "upvalue access outside a closure")),
                    };
                    push!(v);
                }
                Op::SetUpvalue(i) => {
                    let v = pop!();
                    // Infallible: an instruction runs in the frame on top.
                    match &self.frames.last().expect("frame").closure {
                        Some(c) => match &c.captures[i as usize] {
                            Value::Cell(cell) => *cell.borrow_mut() = v,
                            // The compiler copies only variables nothing assigns.
                            _ => tri!(fail(
                                kinds::ERROR,
                                "assignment to a variable captured by value"
                            )),
                        },
                        None => tri!(fail(kinds::ERROR, "upvalue access outside a closure")),
                    }
                }
                Op::GetGlobal(g) => {
                    let v = self.globals[g as usize].clone();
                    if let (Value::Error(_), Some(task)) = (&v, &self.conc.task) {
                        if let Some(t) = task.uncopyable_global(g as usize, &v) {
                            throw!(t);
                        }
                    }
                    push!(v)
                }
                Op::SetGlobal(g) | Op::DefineGlobal(g) => {
                    let v = pop!();
                    self.globals[g as usize] = v;
                }

                // The float-specialised forms test for two floats first; then
                // (and for the int forms) the generic int-first fast paths.
                Op::AddFloat => float_first!(+=, arith!(checked_add, +, +=, arith::add)),
                Op::SubFloat => float_first!(-=, arith!(checked_sub, -, -=, arith::sub)),
                Op::MulFloat => float_first!(*=, arith!(checked_mul, *, *=, arith::mul)),
                Op::Add | Op::AddInt => arith!(checked_add, +, +=, arith::add),
                Op::Sub | Op::SubInt => arith!(checked_sub, -, -=, arith::sub),
                Op::Mul | Op::MulInt => arith!(checked_mul, *, *=, arith::mul),
                Op::Div | Op::DivInt | Op::DivFloat => {
                    let n = self.stack.len();
                    let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                        (Value::Float(a), Value::Float(b)) => Value::Float(a / b),
                        (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => Value::Int(a / b),
                        (a, b) => tri!(arith::div(a, b)),
                    };
                    drop_top!();
                    top!().set(r);
                }
                Op::Mod | Op::ModInt => {
                    let n = self.stack.len();
                    let r = match (&self.stack[n - 2], &self.stack[n - 1]) {
                        (Value::Int(a), Value::Int(b)) if *b != 0 && *b != -1 => Value::Int(a % b),
                        (a, b) => tri!(arith::modulo(a, b)),
                    };
                    drop_top!();
                    top!().set(r);
                }
                Op::Pow => slow_binary!(arith::pow),
                Op::Neg => {
                    let r = match top!() {
                        Value::Int(i) if *i != i64::MIN => Value::Int(-*i),
                        Value::Float(f) => Value::Float(-*f),
                        other => tri!(arith::neg(other)),
                    };
                    *top!() = r;
                }
                Op::Not => {
                    if let Value::Bool(b) = top!() {
                        *b = !*b;
                        continue;
                    }
                    let t = top!();
                    let r = !t.truthy();
                    *t = Value::Bool(r);
                }
                Op::BitAnd => slow_binary!(|a, b| arith::bitwise('&', a, b)),
                Op::BitOr => slow_binary!(|a, b| arith::bitwise('|', a, b)),
                Op::BitXor => slow_binary!(|a, b| arith::bitwise('^', a, b)),
                Op::Shl => slow_binary!(|a, b| arith::shift(true, a, b)),
                Op::Shr => slow_binary!(|a, b| arith::shift(false, a, b)),
                Op::BitNot => {
                    let r = tri!(arith::bitnot(top!()));
                    *top!() = r;
                }
                Op::Eq | Op::EqInt => {
                    let b = pop!();
                    let t = top!();
                    let r = equals(t, &b);
                    *t = Value::Bool(r);
                }
                Op::Ne => {
                    let b = pop!();
                    let t = top!();
                    let r = !equals(t, &b);
                    *t = Value::Bool(r);
                }
                Op::Lt | Op::LtInt | Op::LtFloat => {
                    let r = compare!(<, "<");
                    drop_top!();
                    top!().set(Value::Bool(r));
                }
                Op::Le | Op::LeInt | Op::LeFloat => {
                    let r = compare!(<=, "<=");
                    drop_top!();
                    top!().set(Value::Bool(r));
                }
                Op::Gt | Op::GtInt | Op::GtFloat => {
                    let r = compare!(>, ">");
                    drop_top!();
                    top!().set(Value::Bool(r));
                }
                Op::Ge | Op::GeInt | Op::GeFloat => {
                    let r = compare!(>=, ">=");
                    drop_top!();
                    top!().set(Value::Bool(r));
                }
                Op::AddImm(n) => {
                    if let Value::Int(a) = top!() {
                        if let Some(r) = a.checked_add(n as i64) {
                            *a = r;
                            continue;
                        }
                    }
                    let r = match top!() {
                        Value::Int(a) => match a.checked_add(n as i64) {
                            Some(r) => Value::Int(r),
                            None => tri!(arith::add(&Value::Int(*a), &Value::Int(n as i64))),
                        },
                        other => tri!(arith::add(other, &Value::Int(n as i64))),
                    };
                    top!().set(r);
                }
                Op::ModImm(n) => {
                    if let (Value::Int(a), true) = (top!(), n > 0) {
                        *a %= n as i64;
                        continue;
                    }
                    let r = match top!() {
                        Value::Int(a) if n != 0 && n != -1 => Value::Int(*a % n as i64),
                        other => tri!(arith::modulo(other, &Value::Int(n as i64))),
                    };
                    top!().set(r);
                }
                Op::LtImm(n) => {
                    if let Value::Int(a) = top!() {
                        let r = *a < n as i64;
                        // SAFETY: the top is an Int (no destructor); writing a
                        // Bool over it in place needs no drop.
                        unsafe { std::ptr::write(top!() as *mut Value, Value::Bool(r)) };
                        continue;
                    }
                    let r = match top!() {
                        Value::Int(a) => *a < n as i64,
                        other => tri!(arith::order(other, &Value::Int(n as i64), "<")),
                    };
                    top!().set(Value::Bool(r));
                }

                Op::AddLocals(a, b) => {
                    let (x, y) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let r = match (x, y) {
                        (Value::Int(p), Value::Int(q)) => match p.checked_add(*q) {
                            Some(r) => Value::Int(r),
                            None => tri!(arith::add(x, y)),
                        },
                        (Value::Float(p), Value::Float(q)) => Value::Float(p + q),
                        _ => tri!(arith::add(x, y)),
                    };
                    push!(r);
                }
                Op::IncLocal(s, n) => {
                    inc_local!(s, n);
                }
                Op::GetLocalField(s, field) => {
                    let v = match &self.stack[base + s as usize] {
                        Value::Instance(inst) => inst
                            .fields
                            .borrow()
                            .get(field as usize)
                            .map(Value::fast_clone),
                        _ => None,
                    };
                    let v = match v {
                        Some(v) => v,
                        None => tri!(field_error(&self.stack[base + s as usize])),
                    };
                    push!(v);
                }
                Op::JumpIfNotLt(o) => compare_jump!(<, "<", o),
                Op::JumpIfNotLe(o) => compare_jump!(<=, "<=", o),
                Op::JumpIfNotGt(o) => compare_jump!(>, ">", o),
                Op::JumpIfNotGe(o) => compare_jump!(>=, ">=", o),
                Op::JumpIfNotEq(o) => {
                    if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_slice() {
                        let equal = a == b;
                        pop_scalar!();
                        pop_scalar!();
                        if !equal {
                            jump!(o);
                        }
                        continue;
                    }
                    let b = pop!();
                    let a = pop!();
                    if !equals(&a, &b) {
                        jump!(o);
                    }
                }
                Op::JumpIfNotNe(o) => {
                    if let [.., Value::Int(a), Value::Int(b)] = self.stack.as_slice() {
                        let equal = a == b;
                        pop_scalar!();
                        pop_scalar!();
                        if equal {
                            jump!(o);
                        }
                        continue;
                    }
                    let b = pop!();
                    let a = pop!();
                    if equals(&a, &b) {
                        jump!(o);
                    }
                }
                Op::SubLocals(a, b) => {
                    let r = binary_ref!(
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                        checked_sub, -, arith::sub
                    );
                    push!(tri!(r));
                }
                Op::MulLocals(a, b) => {
                    let r = binary_ref!(
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                        checked_mul, *, arith::mul
                    );
                    push!(tri!(r));
                }
                Op::AddProducts(a, b, c, d) | Op::SubProducts(a, b, c, d) => {
                    let local = |s: u8| &self.stack[base + s as usize];
                    let x = tri!(binary_ref!(local(a), local(b), checked_mul, *, arith::mul));
                    let y = tri!(binary_ref!(local(c), local(d), checked_mul, *, arith::mul));
                    let r = if let Op::AddProducts(..) = op {
                        binary_ref!(&x, &y, checked_add, +, arith::add)
                    } else {
                        binary_ref!(&x, &y, checked_sub, -, arith::sub)
                    };
                    push!(tri!(r));
                }
                Op::ModLocals(a, b) => {
                    let r = binary_ref!(
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                        checked_rem, %, arith::modulo
                    );
                    push!(tri!(r));
                }
                Op::AddLocal(s) => top_op_local!(s, checked_add, +, +=, arith::add),
                Op::SubLocal(s) => top_op_local!(s, checked_sub, -, -=, arith::sub),
                Op::MulLocal(s) => top_op_local!(s, checked_mul, *, *=, arith::mul),
                Op::AddAssignLocal(a, b) => {
                    let (a, b) = (base + a as usize, base + b as usize);
                    let increment = match &self.stack[b] {
                        Value::Int(i) => Some(Value::Int(*i)),
                        Value::Float(f) => Some(Value::Float(*f)),
                        _ => None,
                    };
                    let done = match (&mut self.stack[a], increment) {
                        (Value::Int(x), Some(Value::Int(y))) => match x.checked_add(y) {
                            Some(r) => {
                                *x = r;
                                true
                            }
                            None => false,
                        },
                        (Value::Float(x), Some(Value::Float(y))) => {
                            *x += y;
                            true
                        }
                        _ => false,
                    };
                    if !done {
                        let r = tri!(arith::add(&self.stack[a], &self.stack[b]));
                        self.stack[a].set(r);
                    }
                }
                Op::MoveLocal(from, to) => {
                    let v = self.stack[base + from as usize].clone();
                    self.stack[base + to as usize].set(v);
                }
                Op::JumpIfLocalFalse(s, o) => {
                    if !self.stack[base + s as usize].truthy() {
                        jump!(o);
                    }
                }
                Op::JumpIfLocalTrue(s, o) => {
                    if self.stack[base + s as usize].truthy() {
                        jump!(o);
                    }
                }
                Op::JumpIfNotLtLocal(s, o) => compare_local_jump!(s, <, "<", o),
                Op::JumpIfNotLeLocal(s, o) => compare_local_jump!(s, <=, "<=", o),
                Op::JumpIfNotGtLocal(s, o) => compare_local_jump!(s, >, ">", o),
                Op::JumpIfNotGeLocal(s, o) => compare_local_jump!(s, >=, ">=", o),
                Op::JumpIfNotEqImm(n, o) => {
                    let equal = match self.stack.last() {
                        Some(Value::Int(x)) => *x == n as i64,
                        Some(other) => equals(other, &Value::Int(n as i64)),
                        None => false,
                    };
                    drop_top!();
                    if !equal {
                        jump!(o);
                    }
                }
                Op::IndexLocals(a, b) => {
                    let (c, i) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let fast = match (c, i) {
                        (Value::List(l), Value::Int(i)) if *i >= 0 => {
                            l.items.borrow().get(*i as usize).map(Value::fast_clone)
                        }
                        _ => None,
                    };
                    let v = match fast {
                        Some(v) => v,
                        None => tri!(collections::get_index(
                            &self.stack[base + a as usize],
                            &self.stack[base + b as usize]
                        )),
                    };
                    push!(v);
                }
                Op::SetIndexLocals(a, b) => {
                    let v = pop!();
                    let (c, i) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let stored = match (c, i) {
                        (Value::List(l), Value::Int(i)) if *i >= 0 && !v.is_heap() => {
                            match l.items.borrow_mut().get_mut(*i as usize) {
                                Some(slot) => {
                                    slot.set(v.fast_clone());
                                    true
                                }
                                None => false,
                            }
                        }
                        _ => false,
                    };
                    if !stored {
                        let c = self.stack[base + a as usize].clone();
                        let i = self.stack[base + b as usize].clone();
                        tri!(collections::set_index(&c, i, v));
                    }
                }
                Op::AddLocalStore(s, d) => {
                    let x = pop!();
                    let r = binary_ref!(
                        &x,
                        &self.stack[base + s as usize],
                        checked_add, +, arith::add
                    );
                    let r = tri!(r);
                    self.stack[base + d as usize].set(r);
                }
                Op::MulConstLocal(k, s) => {
                    let r = binary_ref!(
                        &self.constants[k as usize],
                        &self.stack[base + s as usize],
                        checked_mul, *, arith::mul
                    );
                    push!(tri!(r));
                }
                Op::JumpIfNotConst(order, k, o) => {
                    let x = pop!();
                    let y = self.constants[k as usize].fast_clone();
                    let r = match (&x, &y) {
                        (Value::Int(a), Value::Int(b)) => order.test(a, b),
                        (Value::Float(a), Value::Float(b)) => order.test(a, b),
                        _ => tri!(arith::order(&x, &y, order.symbol())),
                    };
                    if !r {
                        jump!(o);
                    }
                }
                Op::JumpIfNotLocals(order, a, b, o) => {
                    let (x, y) = (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    );
                    let r = match (x, y) {
                        (Value::Int(p), Value::Int(q)) => Ok(order.test(p, q)),
                        (Value::Float(p), Value::Float(q)) => Ok(order.test(p, q)),
                        _ => arith::order(x, y, order.symbol()),
                    };
                    if !tri!(r) {
                        jump!(o);
                    }
                }
                Op::AddImmLocal(s, n) => {
                    let r = match &self.stack[base + s as usize] {
                        Value::Int(a) => match a.checked_add(n as i64) {
                            Some(r) => Ok(Value::Int(r)),
                            None => arith::add(&Value::Int(*a), &Value::Int(n as i64)),
                        },
                        other => arith::add(other, &Value::Int(n as i64)),
                    };
                    push!(tri!(r));
                }
                Op::AddStore(d) => {
                    let b = pop!();
                    let a = pop!();
                    let r = tri!(binary_ref!(&a, &b, checked_add, +, arith::add));
                    self.stack[base + d as usize].set(r);
                }
                Op::IncLocalLoop(s, n, back) => {
                    inc_local!(s, n);
                    loop_back!(back);
                }
                // Both count one step whether they loop or leave, as the
                // `IncLocalLoop` and head test they replace did.
                Op::IncLoopLtConst(s, k, back) => {
                    let stepped = match (
                        &mut self.stack[base + s as usize],
                        &self.constants[k as usize],
                    ) {
                        (Value::Int(a), Value::Int(limit)) => a.checked_add(1).map(|r| {
                            *a = r;
                            r < *limit
                        }),
                        _ => None,
                    };
                    match stepped {
                        Some(true) => loop_back!(back),
                        Some(false) => loop_back!(0),
                        None => {
                            inc_local!(s, 1);
                            loop_back!(back as usize + 1);
                        }
                    }
                }
                Op::LoopIfLocals(order, a, b, back) => {
                    let test = match (
                        &self.stack[base + a as usize],
                        &self.stack[base + b as usize],
                    ) {
                        (Value::Int(p), Value::Int(q)) => Some(order.test(p, q)),
                        (Value::Float(p), Value::Float(q)) => Some(order.test(p, q)),
                        _ => None,
                    };
                    match test {
                        Some(true) => loop_back!(back),
                        Some(false) => loop_back!(0),
                        None => loop_back!(back as usize + 1),
                    }
                }
                Op::LoopIfLtConst(s, k, back) => {
                    match (&self.stack[base + s as usize], &self.constants[k as usize]) {
                        (Value::Int(a), Value::Int(limit)) if a < limit => loop_back!(back),
                        (Value::Int(_), Value::Int(_)) => loop_back!(0),
                        _ => loop_back!(back as usize + 1),
                    }
                }
                Op::IncLoopLocals(order, s, b, back) => {
                    let stepped = match (
                        &self.stack[base + s as usize],
                        &self.stack[base + b as usize],
                    ) {
                        (Value::Int(a), Value::Int(limit)) => a.checked_add(1).map(|r| {
                            let limit = if s == b { r } else { *limit };
                            (r, order.test(&r, &limit))
                        }),
                        _ => None,
                    };
                    match stepped {
                        Some((r, go)) => {
                            self.stack[base + s as usize] = Value::Int(r);
                            loop_back!(if go { back as usize } else { 0 });
                        }
                        None => {
                            inc_local!(s, 1);
                            loop_back!(back as usize + 1);
                        }
                    }
                }
                Op::JumpIfLocalNotLtConst(s, k, o) => {
                    let x = &self.stack[base + s as usize];
                    let y = &self.constants[k as usize];
                    let r = match (x, y) {
                        (Value::Int(a), Value::Int(b)) => a < b,
                        _ => tri!(arith::order(x, y, "<")),
                    };
                    if !r {
                        jump!(o);
                    }
                }

                Op::Jump(o) => {
                    if o < 0 {
                        self.countdown -= 1;
                        if self.countdown == 0 {
                            save_ip!();
                            tri!(self.checkpoint());
                        }
                    }
                    jump!(o);
                }
                Op::JumpIfFalse(o) => {
                    if let Some(Value::Bool(b)) = self.stack.last() {
                        let b = *b;
                        pop_scalar!();
                        if !b {
                            jump!(o);
                        }
                        continue;
                    }
                    let t = match self.stack.pop() {
                        Some(Value::Bool(b)) => b,
                        Some(other) => other.truthy(),
                        None => false,
                    };
                    if !t {
                        jump!(o);
                    }
                }
                Op::JumpIfTrue(o) => {
                    let t = match self.stack.pop() {
                        Some(Value::Bool(b)) => b,
                        Some(other) => other.truthy(),
                        None => false,
                    };
                    if t {
                        jump!(o);
                    }
                }
                Op::JumpIfFalseKeep(o) => {
                    if let Some(Value::Bool(true)) = self.stack.last() {
                        pop_scalar!();
                    } else if top!().truthy() {
                        drop_top!();
                    } else {
                        jump!(o);
                    }
                }
                Op::JumpIfTrueKeep(o) => {
                    if let Some(Value::Bool(false)) = self.stack.last() {
                        pop_scalar!();
                    } else if top!().truthy() {
                        jump!(o);
                    } else {
                        drop_top!();
                    }
                }
                Op::Loop(n) => loop_back!(n),

                Op::Call(argc) => {
                    let callee = self.stack.len() - argc as usize - 1;
                    save_ip!();
                    if TRACE {
                        self.stats.calls += 1;
                    }
                    if tri!(self.call_value_at(callee, argc as usize)) {
                        load_frame!();
                    }
                }
                Op::CallAny(argc) => {
                    let top = self.stack.len();
                    let callee = top - argc as usize - 1;
                    save_ip!();
                    if TRACE {
                        self.stats.calls += 1;
                    }
                    if tri!(self.call_value_at(callee, argc as usize)) {
                        tri!(self.check_entered_arguments(top));
                        load_frame!();
                    }
                }
                Op::CallDirect(f, argc) => {
                    let argc = argc as usize;
                    let b = self.stack.len() - argc;
                    save_ip!();
                    if TRACE {
                        self.stats.calls += 1;
                    }
                    tri!(self.push_frame(f, None, b, b, argc, false));
                    load_frame!();
                }
                Op::CallNative(n, argc) => {
                    save_ip!();
                    let native = builtins::native(n);
                    let r = match native {
                        Some(native) => {
                            tri!(check_native_args(native, argc as usize));
                            let at = self.stack.len() - argc as usize;
                            let args: Vec<Value> = self.stack.drain(at..).collect();
                            let r = (native.func)(self, &args);
                            if r.as_ref().is_err_and(sched::is_suspend) {
                                self.stack.extend(args); // retried when resumed
                            }
                            r
                        }
                        None => fail(kinds::ERROR, &format!("unknown built-in #{n}")),
                    };
                    push!(tri!(r));
                }
                Op::GetNative(n) => match builtins::native(n) {
                    Some(native) => push!(Value::Native(native)),
                    None => tri!(fail(kinds::ERROR, &format!("unknown built-in #{n}"))),
                },
                Op::Return
                    if !self.has_deinit
                        && self.handlers.is_empty()
                        && matches!(self.stack.last(), Some(Value::Int(_)))
                        && self.frames.len() > stop_depth + 1
                        && self.frames.last().is_some_and(|f| !f.ctor) =>
                {
                    // Fast return of an int: written field-wise into the
                    // slot that receives the result.
                    let Some(&Value::Int(i)) = self.stack.last() else {
                        unreachable!()
                    };
                    pop_scalar!();
                    // Infallible: the returning instruction runs in the frame on top.
                    let ret = self.frames.pop().expect("returning frame").ret;
                    while self.stack.len() > ret + 1 {
                        drop_top!();
                    }
                    match self.stack.get_mut(ret) {
                        Some(Value::Int(slot)) => *slot = i,
                        Some(slot) => slot.set(Value::Int(i)),
                        None => push!(Value::Int(i)),
                    }
                    load_frame!();
                }
                Op::Return | Op::ReturnNil => {
                    let mut result = match (op, self.stack.last()) {
                        (Op::ReturnNil, _) => Value::Nil,
                        // Read scalars by their fields: a 16-byte reload of a
                        // value whose payload was just written stalls.
                        (_, Some(&Value::Int(i))) => {
                            pop_scalar!();
                            Value::Int(i)
                        }
                        (_, Some(&Value::Float(f))) => {
                            pop_scalar!();
                            Value::Float(f)
                        }
                        _ => pop!(),
                    };
                    // Infallible: the returning instruction runs in the frame on top.
                    let frame = self.frames.pop().expect("returning frame");
                    if frame.ctor {
                        result = std::mem::take(&mut self.stack[frame.base]);
                    }
                    while self
                        .handlers
                        .last()
                        .is_some_and(|h| h.depth > self.frames.len())
                    {
                        self.handlers.pop();
                    }
                    while self.stack.len() > frame.ret {
                        drop_top!();
                    }
                    if self.frames.len() <= stop_depth {
                        return Ok(result);
                    }
                    push!(result);
                    load_frame!();
                }
                Op::ResumeNative => {
                    save_ip!();
                    match tri!(self.resume_driven()) {
                        callbacks::Resumed::Called => load_frame!(),
                        callbacks::Resumed::Returned(result) => {
                            // The method returned (its frame is gone).
                            if self.frames.len() <= stop_depth {
                                return Ok(result);
                            }
                            push!(result);
                            load_frame!();
                        }
                        callbacks::Resumed::Done => {
                            if self.frames.len() <= stop_depth {
                                return Ok(Value::Nil);
                            }
                            load_frame!();
                        }
                    }
                }
                Op::Closure(f) => {
                    let closure = tri!(self.make_closure(f, base));
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    push!(closure);
                    allocated!();
                }
                Op::Invoke(name, argc)
                | Op::InvokeMethod(name, argc)
                | Op::InvokeAny(name, argc) => {
                    let recv = self.stack.len() - argc as usize - 1;
                    // Fast paths for the hottest built-in methods.
                    match (self.const_methods[name as usize], argc, &self.stack[recv]) {
                        (Method::Push, 1, Value::List(_)) => {
                            let v = pop!();
                            if let Value::List(l) = &self.stack[recv] {
                                tri!(l.push(v));
                            }
                            top!().set(Value::Nil);
                            continue;
                        }
                        (Method::Len, 0, Value::List(l)) => {
                            let n = l.items.borrow().len() as i64;
                            top!().set(Value::Int(n));
                            continue;
                        }
                        (Method::Len, 0, Value::Str(s)) => {
                            let n = s.char_len() as i64;
                            top!().set(Value::Int(n));
                            continue;
                        }
                        _ => {}
                    }
                    save_ip!();
                    let pushed =
                        if let (Op::InvokeMethod(..) | Op::InvokeAny(..), Value::Instance(inst)) =
                            (op, &self.stack[recv])
                        {
                            let id = inst.class.id + 1;
                            let entries = self
                                .caches
                                .get(func as usize)
                                .and_then(|c| c.get(ip - 1))
                                .copied()
                                .unwrap_or_default();
                            let cached = if entries[0].0 == id {
                                Some(entries[0].1)
                            } else if entries[1].0 == id {
                                Some(entries[1].1)
                            } else {
                                None
                            };
                            if let Some(method) = cached {
                                if TRACE {
                                    self.stats.cache_hits += 1;
                                }
                                tri!(self.push_frame(
                                    method,
                                    None,
                                    recv,
                                    recv,
                                    argc as usize + 1,
                                    false
                                ));
                                true
                            } else {
                                let name_str = self.constants[name as usize].clone();
                                match inst.class.method_map.get(name_str.as_str().unwrap_or("")) {
                                    Some(&m) => {
                                        if TRACE {
                                            self.stats.cache_misses += 1;
                                        }
                                        self.fill_cache(func, ip - 1, [(id, m), entries[0]]);
                                        tri!(self.push_frame(
                                            m,
                                            None,
                                            recv,
                                            recv,
                                            argc as usize + 1,
                                            false
                                        ));
                                        true
                                    }
                                    None => tri!(self.invoke(name, recv, argc as usize)),
                                }
                            }
                        } else {
                            tri!(self.invoke(name, recv, argc as usize))
                        };
                    if pushed {
                        if let Op::InvokeAny(..) = op {
                            tri!(self.check_entered_arguments(recv + argc as usize + 1));
                        }
                        load_frame!();
                    }
                }
                Op::InvokeSlot(slot, argc) => {
                    let recv = self.stack.len() - argc as usize - 1;
                    save_ip!();
                    let m = match &self.stack[recv] {
                        Value::Instance(inst) => inst.class.methods.get(slot as usize).map(|m| m.1),
                        other => tri!(field_type_error(other)),
                    };
                    match m {
                        Some(m) => {
                            tri!(self.push_frame(m, None, recv, recv, argc as usize + 1, false))
                        }
                        None => tri!(fail(kinds::TYPE_ERROR, "method slot out of range")),
                    }
                    load_frame!();
                }

                Op::NewList(n) => {
                    let at = self.stack.len() - n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    push!(Value::list(items));
                    allocated!();
                }
                Op::NewDict(n) => {
                    let at = self.stack.len() - 2 * n as usize;
                    let mut map = DictMap::with_capacity_and_hasher(n as usize, Default::default());
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        map.insert(tri!(Key::new(k)), v);
                    }
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    push!(Value::dict(map));
                    allocated!();
                }
                Op::NewTuple(n) => {
                    let at = self.stack.len() - n as usize;
                    let items: Vec<Value> = self.stack.drain(at..).collect();
                    push!(Value::tuple(items));
                }
                Op::NewRange(flags) => {
                    let step = if flags & 2 != 0 {
                        pop!()
                    } else {
                        Value::Int(1)
                    };
                    let end = pop!();
                    let start = pop!();
                    let r = tri!(collections::make_range(&start, &end, &step, flags & 1 != 0));
                    push!(r);
                }
                Op::GetIndex => {
                    // Fast path: list[int] in range, read without moving the list.
                    if let [.., Value::List(l), Value::Int(i)] = self.stack.as_slice() {
                        let item = l.items.borrow().get(*i as usize).map(Value::fast_clone);
                        if let (Some(v), true) = (item, *i >= 0) {
                            pop_scalar!();
                            top!().set(v);
                            continue;
                        }
                    }
                    let idx = pop!();
                    let c = pop!();
                    let r = match (&c, &idx) {
                        (Value::List(l), Value::Int(i)) if *i >= 0 => {
                            match l.items.borrow().get(*i as usize) {
                                Some(v) => Ok(v.clone()),
                                None => collections::index_error(*i, l.items.borrow().len()),
                            }
                        }
                        _ => collections::get_index(&c, &idx),
                    };
                    push!(tri!(r));
                }
                Op::GetIndexKind(code) => {
                    let idx = pop!();
                    let c = pop!();
                    push!(tri!(collections::get_index(&c, &idx)));
                    tri!(self.check_top_kind(code));
                }
                Op::SetIndex => {
                    if let [.., Value::List(l), Value::Int(i), v] = self.stack.as_slice() {
                        if !v.is_heap() && *i >= 0 {
                            let done = match l.items.borrow_mut().get_mut(*i as usize) {
                                Some(slot) => {
                                    slot.set(v.fast_clone());
                                    true
                                }
                                None => false,
                            };
                            if done {
                                pop_scalar!();
                                pop_scalar!();
                                drop_top!();
                                continue;
                            }
                        }
                    }
                    let v = pop!();
                    let idx = pop!();
                    let c = pop!();
                    match (&c, &idx) {
                        (Value::List(l), Value::Int(i))
                            if *i >= 0 && (*i as usize) < l.items.borrow().len() =>
                        {
                            l.items.borrow_mut()[*i as usize] = v;
                        }
                        _ => tri!(collections::set_index(&c, idx, v)),
                    }
                    drop(c);
                }
                Op::GetTupleField(i) => {
                    let c = pop!();
                    push!(tri!(collections::get_index(&c, &Value::Int(i as i64))));
                }
                Op::Len => {
                    // `len(x)` is `x.len()` (reference §11): an instance
                    // of a frame with a `len()` method (std.collections'
                    // Set, Deque, Heap) answers through it; the call
                    // returns its result in the instance's place.
                    if let Value::Instance(inst) = top!() {
                        let method = inst.class.method_map.get("len").copied();
                        // Only a `len()` taking nothing but `this`.
                        if let Some(method) = method.filter(|&m| {
                            self.functions
                                .get(m as usize)
                                .is_some_and(|p| p.required <= 1)
                        }) {
                            let recv = self.stack.len() - 1;
                            save_ip!();
                            tri!(self.push_frame(method, None, recv, recv, 1, false));
                            load_frame!();
                            continue;
                        }
                    }
                    let c = pop!();
                    push!(tri!(collections::length(&c)));
                }

                Op::ToStr => {
                    if !matches!(top!(), Value::Str(_)) {
                        let s = tri!(crate::value::display_value(top!()));
                        *top!() = s;
                    }
                }
                Op::BuildString(n) => {
                    let at = self.stack.len() - n as usize;
                    let s = tri!(crate::value::interpolate(&self.stack[at..]));
                    self.stack.truncate(at);
                    push!(s);
                }

                Op::IterStart => {
                    // An instance of a frame with a `to_list()` method
                    // (std.collections' Set, Deque, Heap) is walked through
                    // what that returns: the call returns to this same
                    // instruction, with its result in the instance's place.
                    if let Value::Instance(inst) = top!() {
                        if let Some(&method) = inst.class.method_map.get("to_list") {
                            let recv = self.stack.len() - 1;
                            ip -= 1;
                            save_ip!();
                            tri!(self.push_frame(method, None, recv, recv, 1, false));
                            load_frame!();
                            continue;
                        }
                    }
                    let v = pop!();
                    push!(tri!(collections::iter_start(v)));
                }
                Op::IterNext(exit) | Op::IterNext2(exit) => {
                    let two = matches!(op, Op::IterNext2(_));
                    let next = match top!() {
                        Value::Iterator(it) if matches!(&*it.borrow(), IterState::Channel(_)) => {
                            let ch = channel::iterated_channel(it);
                            save_ip!();
                            match ch.map(|ch| channel::iter_next(self, &ch)) {
                                Some(r) => tri!(r).map(|v| (Value::Nil, v)),
                                None => None,
                            }
                        }
                        Value::Iterator(it) => collections::iter_next(&mut it.borrow_mut(), two),
                        other => tri!(fail(
                            kinds::TYPE_ERROR,
                            &format!("cannot iterate a {}", other.type_name())
                        )),
                    };
                    match next {
                        Some((a, b)) => {
                            if two {
                                push!(a);
                            }
                            push!(b);
                        }
                        None => {
                            self.stack.pop();
                            jump!(exit);
                        }
                    }
                }

                Op::Class(c) => push!(Value::Class(self.classes[c as usize].clone())),
                Op::NewInstance(c) => {
                    let class = self.classes[c as usize].clone();
                    let fields = vec![Value::Nil; class.field_names.len()];
                    if TRACE {
                        self.stats.allocations += 1;
                    }
                    push!(Value::instance(class, fields));
                    allocated!();
                }
                Op::GetField(slot) => {
                    let v = match top!() {
                        Value::Instance(inst) => inst
                            .fields
                            .borrow()
                            .get(slot as usize)
                            .map(Value::fast_clone),
                        _ => None,
                    };
                    let v = match v {
                        Some(v) => v,
                        None => tri!(field_error(top!())),
                    };
                    *top!() = v;
                }
                Op::SetField(slot) => {
                    if let [.., Value::Instance(inst), v] = self.stack.as_slice() {
                        if !v.is_heap() {
                            let done = match inst.fields.borrow_mut().get_mut(slot as usize) {
                                Some(field) => {
                                    field.set(v.fast_clone());
                                    true
                                }
                                None => false,
                            };
                            if done {
                                pop_scalar!();
                                drop_top!();
                                continue;
                            }
                        }
                    }
                    let v = pop!();
                    let obj = pop!();
                    match &obj {
                        Value::Instance(inst) => {
                            match inst.fields.borrow_mut().get_mut(slot as usize) {
                                Some(f) => *f = v,
                                None => tri!(fail(kinds::TYPE_ERROR, "field slot out of range")),
                            }
                        }
                        other => tri!(field_type_error(other)),
                    }
                    drop(obj);
                }
                Op::GetFieldByName(k) => {
                    let obj = pop!();
                    let r = tri!(self.get_member(&obj, k));
                    push!(r);
                }
                Op::SetFieldByName(k) => {
                    let v = pop!();
                    let obj = pop!();
                    let name = self.constants[k as usize].clone();
                    tri!(collections::set_member(
                        &obj,
                        name.as_str().unwrap_or(""),
                        v
                    ));
                }
                Op::NewEnum(e, variant, n) => {
                    let at = self.stack.len() - n as usize;
                    let payload: Vec<Value> = self.stack.drain(at..).collect();
                    let info = self.enums[e as usize].clone();
                    push!(Value::Enum(Rc::new(EnumValue::new(
                        info,
                        e,
                        variant,
                        payload.into_boxed_slice()
                    ))));
                    allocated!();
                }
                Op::IsInstance(c) => {
                    let class = match self.stack.last() {
                        Some(Value::Instance(inst)) => Some(inst.class.id),
                        _ => None,
                    };
                    let r = class.is_some_and(|id| self.is_subclass(id, c));
                    *top!() = Value::Bool(r);
                }
                Op::IsVariant(e, variant) => {
                    let r = matches!(top!(), Value::Enum(v) if v.enum_id == e && v.tag == variant);
                    *top!() = Value::Bool(r);
                }
                Op::GetPayload(i) => {
                    let r = match top!() {
                        Value::Enum(v) => match v.payload.get(i as usize) {
                            Some(x) => x.clone(),
                            None => tri!(fail(
                                kinds::INDEX_OUT_OF_BOUNDS,
                                "enum payload index out of range"
                            )),
                        },
                        other => tri!(fail(
                            kinds::TYPE_ERROR,
                            &format!("{} has no payload", other.type_name_with_article())
                        )),
                    };
                    *top!() = r;
                }

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
                    let v = pop!();
                    let t = match v {
                        Value::Error(e) => e,
                        other => trap(kinds::ERROR, &display(&other)),
                    };
                    throw!(t);
                }
                Op::Trap(k) => {
                    let msg = pop!();
                    let kind = self.constants[k as usize].clone();
                    let msg = if matches!(msg, Value::Nil) {
                        String::new()
                    } else {
                        display(&msg)
                    };
                    throw!(trap(kind.as_str().unwrap_or(kinds::ERROR), &msg));
                }
                Op::ErrorKindIs(k) => {
                    let r = match (top!(), &self.constants[k as usize]) {
                        (Value::Error(e), Value::Str(s)) => *e.kind == *s.text,
                        _ => false,
                    };
                    *top!() = Value::Bool(r);
                }
                Op::IsError => {
                    let r = matches!(top!(), Value::Error(_));
                    *top!() = Value::Bool(r);
                }
                Op::Propagate => {
                    if matches!(top!(), Value::Error(_)) {
                        let result = pop!();
                        // Infallible: the returning instruction runs in the frame on top.
                        let frame = self.frames.pop().expect("returning frame");
                        while self
                            .handlers
                            .last()
                            .is_some_and(|h| h.depth > self.frames.len())
                        {
                            self.handlers.pop();
                        }
                        self.stack.truncate(frame.ret);
                        if self.frames.len() <= stop_depth {
                            return Ok(result);
                        }
                        push!(result);
                        load_frame!();
                    }
                }
                Op::MakeOk => {}
                Op::MakeErr(k) => {
                    let msg = pop!();
                    let kind = self.constants[k as usize].clone();
                    let kind = kind.as_str().unwrap_or(kinds::ERROR);
                    // `err(e)` of a computed value that is already an error
                    // (a bound `err e`) is that same error, kind and
                    // message unchanged (reference.md §6).
                    if matches!(msg, Value::Error(_)) && kind == kinds::ERROR {
                        push!(msg);
                    } else {
                        let msg = if matches!(msg, Value::Nil) {
                            String::new()
                        } else {
                            display(&msg)
                        };
                        push!(Value::error(kind, &msg));
                    }
                }

                Op::Print(n) => {
                    let at = self.stack.len() - n as usize;
                    let mut line = String::new();
                    for (i, v) in self.stack[at..].iter().enumerate() {
                        if i > 0 {
                            line.push(' ');
                        }
                        write_value(&mut line, v, false);
                    }
                    line.push('\n');
                    self.stack.truncate(at);
                    // Writing big values may have run out of the work budget
                    // (the text is then cut short): raise that instead.
                    tri!(limits::check_pending());
                    tri!(self.write_out(&line));
                }
                Op::Assert => {
                    let msg = pop!();
                    let cond = pop!();
                    if !cond.truthy() {
                        let msg = if matches!(msg, Value::Nil) {
                            "assertion failed".to_string()
                        } else {
                            display(&msg)
                        };
                        throw!(trap(kinds::ASSERTION_FAILED, &msg));
                    }
                }
                Op::TypeOf => {
                    let s = top!().type_name();
                    *top!() = Value::string(s);
                }
                Op::Cast(kind) => {
                    let v = pop!();
                    let r = match kind {
                        CastKind::Int => builtins::to_int(&v),
                        CastKind::Float => builtins::to_float(&v),
                        CastKind::Str => crate::value::display_value(&v),
                        CastKind::Bool => Ok(Value::Bool(v.to_bool())),
                        CastKind::IntToFloat => match v {
                            Value::Int(_) | Value::BigInt(_) => builtins::to_float(&v),
                            other => Ok(other),
                        },
                    };
                    push!(tri!(r));
                }
                Op::CheckIntRange(code) => {
                    if let Some(v) = self.stack.last() {
                        tri!(crate::runtime::arith::check_int_range(v, code));
                    }
                }
                Op::CheckHost(type_name, optional) => {
                    let v = pop!();
                    let fits = match (&v, &self.constants[type_name as usize]) {
                        (Value::HostObject(o), Value::Str(name)) => *o.class.name == *name.text,
                        (Value::Error(_), _) => true,
                        (Value::Nil, _) => optional,
                        _ => false,
                    };
                    if !fits {
                        let want = display(&self.constants[type_name as usize]);
                        throw!(trap(
                            kinds::TYPE_ERROR,
                            &format!("expected {want}, found {}", crate::value::describe(&v))
                        ));
                    }
                }
                Op::CheckType(check) => {
                    tri!(self.check_top(check));
                }
                Op::CheckKind(code) => {
                    tri!(self.check_top_kind(code));
                }
                Op::ToDecimal(scale, exact) => {
                    // An error returned through a `dN?E` passes unchanged.
                    if !matches!(self.stack.last(), Some(Value::Error(_))) {
                        let v = pop!();
                        push!(tri!(crate::runtime::decimal::convert(&v, scale, exact)));
                    }
                }

                // Concurrency: runtime/sched.rs, parallel.rs, shared.rs.
                Op::BlockBegin(kind) => {
                    let params = pop!();
                    let kind = if kind == 0 {
                        sched::BlockKind::Concurrent
                    } else {
                        sched::BlockKind::Parallel
                    };
                    tri!(sched::begin(self, kind, &params));
                }
                Op::Spawn(argc) => {
                    let arg = if argc > 0 { Some(pop!()) } else { None };
                    let closure = pop!();
                    tri!(sched::spawn(self, closure, arg));
                }
                Op::SpawnWorker => {
                    let source = pop!();
                    let closure = pop!();
                    tri!(sched::spawn_worker(self, closure, &source));
                }
                Op::BlockEnd => {
                    save_ip!();
                    tri!(sched::end(self));
                }
                Op::Await => {}
                Op::MakeShared => {
                    let v = pop!();
                    push!(tri!(sched::make_shared(&v)));
                }
                Op::Unshare | Op::SharedGet => {
                    let v = pop!();
                    push!(sched::shared_get(self, v));
                }
                Op::SharedLock => {
                    let cell = pop!();
                    sched::shared_lock(self, &cell);
                }
                Op::SharedSetUnlock => {
                    let cell = pop!();
                    let v = pop!();
                    tri!(sched::shared_set_unlock(self, &v, &cell));
                }
            }
        }
    }

    /// Records `entries` in the inline cache of instruction `site` of
    /// function `func`, making the function's caches at its first miss.
    #[cold]
    fn fill_cache(&mut self, func: u32, site: usize, entries: [(u32, u32); 2]) {
        let len = self
            .functions
            .get(func as usize)
            .map_or(0, |f| f.code.len());
        if let Some(caches) = self.caches.get_mut(func as usize) {
            if caches.len() < len {
                caches.resize(len, [(0, 0); 2]);
            }
            if let Some(slot) = caches.get_mut(site) {
                *slot = entries;
            }
        }
    }

    /// Build the closure for function `f` from the frame at `base`.
    fn make_closure(&mut self, f: u32, base: usize) -> Result<Value, Trap> {
        let proto = self.functions[f as usize].clone();
        let mut captures = crate::value::Captures::with_capacity(proto.captures.len());
        for cap in &proto.captures {
            let captured = match *cap {
                CaptureSource::Local(slot) => {
                    let v = &mut self.stack[base + slot as usize];
                    match v {
                        Value::Cell(c) => Value::Cell(c.clone()),
                        other => {
                            // Not yet a cell: convert in place so both sides share it.
                            let c = Value::new_cell(std::mem::take(other));
                            *other = Value::Cell(c.clone());
                            Value::Cell(c)
                        }
                    }
                }
                CaptureSource::LocalValue(slot) => self.stack[base + slot as usize].clone(),
                CaptureSource::Upvalue(i) => {
                    match &self.frames.last().and_then(|fr| fr.closure.clone()) {
                        Some(c) => match c.captures.get(i as usize) {
                            Some(captured) => captured.clone(),
                            None => return fail(kinds::ERROR, "capture index out of range"),
                        },
                        None => return fail(kinds::ERROR, "upvalue capture outside a closure"),
                    }
                }
            };
            captures.push(captured);
        }
        Ok(Value::closure(Closure::new(f, proto, captures)))
    }

    /// Whether class `class` is `ancestor` or one of its subclasses.
    pub(crate) fn is_subclass(&self, class: u32, ancestor: u32) -> bool {
        let mut current = Some(class);
        for _ in 0..=self.classes.len() {
            match current {
                Some(c) if c == ancestor => return true,
                Some(c) => current = self.classes.get(c as usize).and_then(|k| k.parent),
                None => return false,
            }
        }
        false
    }

    /// `obj.name` for untyped access.
    fn get_member(&self, obj: &Value, k: u32) -> Result<Value, Trap> {
        let name_v = &self.constants[k as usize];
        let name = name_v.as_str().unwrap_or("");
        if let Value::HostObject(object) = obj {
            return object.get(name);
        }
        if let Value::Instance(inst) = obj {
            if let Some(slot) = inst.class.field_slot(name) {
                return Ok(inst.fields.borrow()[slot].clone());
            }
            if let Some(&func) = inst.class.method_map.get(name) {
                return Ok(Value::BoundMethod(Rc::new(crate::value::BoundMethod {
                    receiver: obj.clone(),
                    function: Some(func),
                    name: name.into(),
                })));
            }
        }
        collections::get_member(obj, name)
    }

    /// Print one trace line and count the instruction.
    fn trace_step(&mut self, func: u32, ip: usize, op: Op) {
        self.stats.instructions += 1;
        if self.options.trace {
            let top = self
                .stack
                .last()
                .map(crate::value::repr)
                .unwrap_or_default();
            let name = self.functions[func as usize].name.clone();
            let line = crate::disasm::format_op(op);
            self.flush();
            // A closed stderr ends the trace, not the run.
            let _ = writeln!(
                std::io::stderr(),
                "[{name}:{ip:04}] {line:<28} | top: {top}"
            );
        }
    }
}

fn field_error(v: &Value) -> Result<Value, Trap> {
    match v {
        Value::Instance(_) => fail(kinds::TYPE_ERROR, "field slot out of range"),
        other => field_type_error(other),
    }
}

fn field_type_error<T>(v: &Value) -> Result<T, Trap> {
    match v {
        Value::Nil => fail(kinds::NIL_ACCESS, "field access on nil"),
        other => fail(
            kinds::TYPE_ERROR,
            &format!("{} has no fields", other.type_name_with_article()),
        ),
    }
}

fn check_native_args(n: &crate::value::NativeFn, argc: usize) -> Result<(), Trap> {
    if argc < n.min_args as usize || (n.max_args != 255 && argc > n.max_args as usize) {
        return fail(
            kinds::TYPE_ERROR,
            &format!("{}() does not take {} arguments", n.name, argc),
        );
    }
    Ok(())
}

/// Function `f` of a program, ready to run: its code moved out of the
/// program (which keeps the rest of the prototype, what validating later
/// code needs) and a guard at its end (falling off the end, or jumping to
/// `len`, returns nil).
fn prepared_function(f: &mut FunctionProto) -> Arc<FunctionProto> {
    let mut code = std::mem::take(&mut f.code);
    let mut lines = std::mem::take(&mut f.lines);
    code.push(Op::ReturnNil);
    if let Some(&pos) = lines.last() {
        lines.push(pos);
    }
    Arc::new(FunctionProto {
        code,
        lines,
        ..f.clone()
    })
}

/// What a released function slot runs: nothing calls it (see
/// `ProgramUpdate::released`), and were something to, it returns nil.
fn released_function() -> Arc<FunctionProto> {
    static RELEASED: std::sync::OnceLock<Arc<FunctionProto>> = std::sync::OnceLock::new();
    RELEASED
        .get_or_init(|| prepared_function(&mut FunctionProto::released()))
        .clone()
}

/// Appends the continuation functions (native callbacks' drivers), which
/// follow the program's own.
fn push_continuations(functions: &mut Vec<Arc<FunctionProto>>) {
    for mut f in callbacks::continuation_protos() {
        f.code.push(Op::ReturnNil);
        functions.push(Arc::new(f));
    }
}

/// The method a string constant names (for `Invoke` by constant).
fn constant_method(c: &Constant) -> Method {
    match c {
        Constant::Str(s) => Method::from_name(s),
        _ => Method::Unknown,
    }
}

fn enum_infos(enums: &[crate::program::EnumDef]) -> Vec<Rc<EnumInfo>> {
    enums.iter().map(enum_info).collect()
}

fn enum_info(e: &crate::program::EnumDef) -> Rc<EnumInfo> {
    Rc::new(EnumInfo {
        name: e.name.as_str().into(),
        variants: e.variants.iter().map(|v| v.as_str().into()).collect(),
    })
}

/// The enum descriptions after a session's update: an enum the update
/// leaves as it was keeps its description, so values made by earlier
/// chunks still equal the same variant written in later ones (equality
/// compares descriptions by identity).
fn updated_enum_infos(
    before: &[Rc<EnumInfo>],
    enums: &[crate::program::EnumDef],
) -> Vec<Rc<EnumInfo>> {
    let unchanged = |old: &EnumInfo, def: &crate::program::EnumDef| {
        *old.name == *def.name
            && old
                .variants
                .iter()
                .map(|v| &**v)
                .eq(def.variants.iter().map(String::as_str))
    };
    enums
        .iter()
        .enumerate()
        .map(|(i, def)| match before.get(i) {
            Some(old) if unchanged(old, def) => old.clone(),
            _ => enum_info(def),
        })
        .collect()
}

fn constant_value(c: &Constant) -> Value {
    match c {
        Constant::Nil => Value::Nil,
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Int(i) => Value::Int(*i),
        Constant::BigInt(b) => Value::from_bigint(b.clone()),
        Constant::Float(f) => Value::Float(*f),
        Constant::Str(s) => Value::str(s),
    }
}

fn build_classes(defs: &[crate::program::ClassDef], lineage: u64) -> Vec<Rc<Class>> {
    let method_maps = method_maps(defs);
    defs.iter()
        .zip(method_maps)
        .enumerate()
        .map(|(id, (d, method_map))| {
            let methods: Vec<(Rc<str>, u32)> = d
                .methods
                .iter()
                .map(|(n, f)| (n.as_str().into(), *f))
                .collect();
            let init = method_map.get("init").copied();
            let deinit = method_map.get("deinit").copied();
            Rc::new(Class {
                id: id as u32,
                name: d.name.as_str().into(),
                field_names: d.field_names.iter().map(|f| f.as_str().into()).collect(),
                public_fields: d.public_fields.clone(),
                methods,
                method_map,
                init,
                parent: d.parent,
                is_data: d.is_data,
                is_abstract: d.is_abstract,
                value_makers: d.value_makers.clone(),
                printed: d.printed,
                deinit,
                traits: d.traits.iter().map(|t| t.as_str().into()).collect(),
                lineage,
            })
        })
        .collect()
}

/// Each class's methods by name, inherited ones included (a class's own
/// entries win). Every map starts from its parent's finished map, so a
/// hierarchy thousands of classes deep costs the total size of the maps,
/// not that times the depth. A parent cycle (no valid program has one) is
/// cut where it closes.
fn method_maps(defs: &[crate::program::ClassDef]) -> Vec<rustc_hash::FxHashMap<Rc<str>, u32>> {
    let mut maps: Vec<Option<rustc_hash::FxHashMap<Rc<str>, u32>>> = vec![None; defs.len()];
    let mut on_chain = vec![false; defs.len()];
    for id in 0..defs.len() {
        let mut chain = Vec::new();
        let mut next = Some(id);
        while let Some(current) = next {
            if maps[current].is_some() || on_chain[current] {
                break;
            }
            on_chain[current] = true;
            chain.push(current);
            next = defs[current]
                .parent
                .map(|p| p as usize)
                .filter(|p| *p < defs.len());
        }
        for current in chain.into_iter().rev() {
            on_chain[current] = false;
            let mut map = defs[current]
                .parent
                .and_then(|p| maps.get(p as usize))
                .and_then(|m| m.clone())
                .unwrap_or_default();
            for (name, function) in &defs[current].methods {
                map.insert(Rc::from(name.as_str()), *function);
            }
            maps[current] = Some(map);
        }
    }
    maps.into_iter().map(Option::unwrap_or_default).collect()
}

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
    fn start_run(&mut self) {
        self.gc_at_bytes = self.next_gc_at(limits::heap_bytes());
        limits::install(self.options.limits);
        limits::install_channel_meter(&self.channel_meter);
        self.steps_left = self.options.limits.max_steps.unwrap_or(u64::MAX);
        self.chunk = (CHECKPOINT_STEPS as u64).min(self.steps_left.max(1)) as u32;
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

    /// Every `CHECKPOINT_STEPS` steps (or when the step budget runs out):
    /// charge the step budget, check the heap limit, collect cycles if due.
    #[cold]
    #[inline(never)]
    fn checkpoint(&mut self) -> Result<(), Trap> {
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
        self.chunk = (CHECKPOINT_STEPS as u64).min(self.steps_left.max(1)) as u32;
        self.steps_left -= (self.chunk as u64).min(self.steps_left);
        self.countdown = self.chunk;
        // Steps and the work operators charge (big integers, whole-list
        // operations) share one budget: the chunk is paid for in work units.
        limits::charge_units(self.chunk as u64 * limits::UNITS_PER_STEP)?;
        self.after_allocation()
    }

    /// After allocating: collect cycles when due, check the heap limit.
    #[cold]
    #[inline(never)]
    fn after_allocation(&mut self) -> Result<(), Trap> {
        if gc::due() || limits::heap_bytes() >= self.gc_at_bytes {
            self.collect_garbage()?;
        }
        limits::check_pending()?;
        if limits::check_heap(0).is_err() {
            // Cyclic garbage may be what fills the heap: collect it before
            // declaring the limit exceeded.
            self.collect_garbage()?;
            limits::check_heap(0)?;
        }
        Ok(())
    }

    /// Where the byte trigger collects next, after a collection left
    /// `live` bytes: at twice that, and, under a memory limit, at the
    /// latest halfway from there to the limit (so garbage is collected
    /// before the limit is reached, as it is approached).
    fn next_gc_at(&self, live: usize) -> usize {
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
        let first = gc::collect();
        let mut freed = first.freed;
        let mut examined = first.examined;
        if first.finalizing > 0 {
            self.run_pending_deinits()?;
            let second = gc::collect();
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
    fn charge_steps(&mut self, steps: u64) -> Result<(), Trap> {
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
    fn call_top_level(
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
            Ok(()) if self.options.trace || self.options.stats => self.run_loop::<true>(0),
            Ok(()) => self.run_loop::<false>(0),
            Err(t) => Err(t),
        };
        self.end_host_call(result)
    }

    /// After a call from the host: run the `deinit`s due, flush the
    /// output, leave the VM idle, and give the host the error with its
    /// trace.
    fn end_host_call(&mut self, result: Result<Value, Trap>) -> Result<Value, RuntimeError> {
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

// ------------------------------------------------------------ sessions

/// Interactive sessions (the REPL, embedders): a program that grows chunk
/// by chunk is re-loaded into the same VM, which keeps its globals, and
/// each chunk's function is run on its own.
impl Vm {
    /// Brings the loaded program up to date with `update`, what a later
    /// chunk of the same session added: its functions, constants, globals
    /// and files are appended (a cost that follows the chunk, not the
    /// session), classes and enums rebuilt, and the globals keep their
    /// values (new ones start as nil). An update that does not fit, or
    /// whose code is invalid, leaves the VM as it was.
    pub fn load(&mut self, update: ProgramUpdate) -> Result<(), RuntimeError> {
        let invalid =
            |msg: String| RuntimeError::new(kinds::ERROR, &format!("invalid program: {msg}"));
        let mut shared = self.conc.program.take().unwrap_or_default();
        let program = std::sync::Arc::make_mut(&mut shared);
        let before = ProgramExtent::of(program);
        let (classes_before, enums_before) = (program.classes.clone(), program.enums.clone());
        let released = update.released.clone();
        let renamed_files = update.renamed_files.clone();
        let refilled_constants = update.refilled_constants.clone();
        let refilled: Vec<usize> = update.refilled_slots().collect();
        let applied = update.apply_to(program).and_then(|()| {
            program.validate_slots(
                (before.functions..program.functions.len()).chain(refilled.iter().copied()),
            )
        });
        if let Err(msg) = applied {
            before.truncate(program);
            for &slot in &refilled {
                if let Some(f) = program.functions.get_mut(slot) {
                    *f = FunctionProto::released();
                }
            }
            program.classes = classes_before;
            program.enums = enums_before;
            self.conc.program = Some(shared);
            return Err(invalid(msg));
        }
        // Released slots drop their code (nothing calls them any more);
        // refilled ones get their new function.
        for &slot in &released {
            if let Some(f) = self.functions.get_mut(slot as usize) {
                *f = released_function();
            }
            if let Some(c) = self.caches.get_mut(slot as usize) {
                *c = Vec::new();
            }
        }
        for &slot in &refilled {
            self.functions[slot] = prepared_function(&mut program.functions[slot]);
            self.caches[slot] = Vec::new();
        }
        // The continuations follow the program's own functions.
        self.functions.truncate(self.first_continuation as usize);
        self.caches.truncate(self.first_continuation as usize);
        self.functions.extend(
            program.functions[before.functions..]
                .iter_mut()
                .map(prepared_function),
        );
        self.first_continuation = self.functions.len() as u32;
        push_continuations(&mut self.functions);
        self.caches.resize(self.functions.len(), Vec::new());
        // A refilled constant slot was named by no live code; a check
        // parsed from its old constant goes too.
        for (slot, constant) in &refilled_constants {
            let slot = *slot as usize;
            if let (Some(value), Some(method)) = (
                self.constants.get_mut(slot),
                self.const_methods.get_mut(slot),
            ) {
                *value = constant_value(constant);
                *method = constant_method(constant);
            }
            self.type_checks.remove(&(slot as u32));
        }
        let added = &program.constants[before.constants..];
        self.constants.extend(added.iter().map(constant_value));
        self.const_methods.extend(added.iter().map(constant_method));
        self.global_names
            .extend_from_slice(&program.globals[before.globals..]);
        self.globals
            .resize(self.global_names.len().max(self.globals.len()), Value::Nil);
        for (file, name) in renamed_files {
            if let Some(slot) = self.files.get_mut(file as usize) {
                *slot = name;
            }
        }
        self.files.extend_from_slice(&program.files[before.files..]);
        self.classes = build_classes(&program.classes, self.lineage);
        self.has_deinit = self.classes.iter().any(|c| c.deinit.is_some());
        self.enums = updated_enum_infos(&self.enums, &program.enums);
        // Parallel blocks build their threads' VMs from this program.
        self.conc.program = Some(shared);
        self.invalid = None;
        self.reset_execution();
        Ok(())
    }

    /// The functions this VM's values hold (closures, also inside values
    /// queued in channels): the session keeps them when it releases
    /// functions nothing can call any more. Asked while the VM is idle
    /// (no frame names a function then).
    pub fn functions_held(&self) -> Vec<u32> {
        let released = released_function();
        self.functions[..self.first_continuation as usize]
            .iter()
            .enumerate()
            .filter(|(_, f)| Arc::strong_count(f) > 1 && !Arc::ptr_eq(f, &released))
            .map(|(index, _)| index as u32)
            .collect()
    }

    /// Runs function `index` (which takes no arguments) on a fresh frame and
    /// returns its value. After a runtime error the VM stays usable: the
    /// stack, frames and handlers are reset.
    pub fn call_function(&mut self, index: usize) -> Result<Value, RuntimeError> {
        if let Some(msg) = self.invalid.take() {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("invalid program: {msg}"),
            ));
        }
        let Some(proto) = self.functions.get(index).cloned() else {
            return Err(RuntimeError::new(
                kinds::ERROR,
                &format!("no function #{index}"),
            ));
        };
        if proto.required > 0 {
            return Err(RuntimeError::new(
                kinds::TYPE_ERROR,
                &format!("{}() needs {} arguments", proto.name, proto.required),
            ));
        }
        self.reset_execution();
        self.start_run();
        self.stack.resize(proto.frame_size(), Value::Nil);
        self.frames.push(Frame {
            func: index as u32,
            ip: 0,
            base: 0,
            ret: 0,
            closure: None,
            ctor: false,
        });
        let result = if self.options.trace || self.options.stats {
            self.run_loop::<true>(0)
        } else {
            self.run_loop::<false>(0)
        };
        self.end_host_call(result)
    }

    /// The text a session echoes for `value`: as it prints inside a
    /// collection, so strings are quoted (`"abc"`, `[1, "a"]`).
    pub fn echo_text(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value, true);
        out
    }

    /// Empties the stack, frames, handlers and pending trace.
    #[inline]
    fn reset_execution(&mut self) {
        let idle = self.frames.is_empty()
            && self.handlers.is_empty()
            && self.stack.is_empty()
            && self.trace.is_none();
        // Every run ends here: the next one mostly finds nothing to clear.
        if !idle {
            self.clear_execution();
        }
    }

    #[inline(never)]
    fn clear_execution(&mut self) {
        self.frames.clear();
        self.handlers.clear();
        self.stack.clear();
        self.trace = None;
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
        if self.options.trace || self.options.stats {
            self.run_loop::<true>(0)
        } else {
            self.run_loop::<false>(0)
        }
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
