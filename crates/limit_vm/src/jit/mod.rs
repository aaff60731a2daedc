//! The native-code tier (issue 23): hot functions and loops compiled
//! from bytecode to machine code with Cranelift.
//!
//! * policy.rs: the modes (`--jit=off|auto|always`), the call and loop
//!   counters, which entry points are worth compiling;
//! * semantics.rs: what each compiled instruction means, once, over a
//!   backend; analysis.rs runs it on kinds (the type analysis),
//!   lower.rs on Cranelift values (the lowering);
//! * deopt.rs: leaving compiled code for the interpreter (write-back of
//!   the frame's state, `Value`'s layout);
//! * runtime.rs: the support functions compiled code calls;
//! * this file: the compiler's state (`Jit`: the Cranelift module, the
//!   compiled entry points) and the bridge from the interpreter
//!   (`Vm::jit_enter_top`).
//!
//! An *entry point* is a function and an instruction (0, or the target
//! of a back edge) with the kinds of the frame's values there; its code
//! runs the frame from that instruction until it returns to its compiled
//! caller or exits to the interpreter (deopt.rs). The interpreter enters
//! compiled code only between two instructions of its general path
//! (`run_loop`, after `step`): a call the dispatch loop hands to `step`
//! because its callee is hot (`Vm::jit_calls`), or a loop head reached
//! after a back edge `step` ran (at a checkpoint).

mod analysis;
mod closure_support;
mod deopt;
mod layout;
mod lower;
mod policy;
mod runtime;
mod semantics;
// These run compiled machine code, which Miri cannot execute (`.ci/miri`);
// the analysis, policy and layout tests in the other files still run there.
#[cfg(all(test, not(miri)))]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module};
use rustc_hash::FxHashMap;

use analysis::{analyse, Callee, Callees, SeenField, SeenMethod, State, Ty, MAX_DISPATCH};
use deopt::Reason;
use layout::{ClosureLayout, HeapLayout};
use lower::{define_checkpoint, entry_signature, lower, HeapSupport, Inlinable, Input, Support};
pub(crate) use policy::call_counters;
pub use policy::JitMode;
use policy::{FunctionInfo, HOT, LOOP_THRESHOLD, MAX_DEOPTS, MAX_ENTRIES, NEVER};
use runtime::{Context, ExitedFrame};
use semantics::Scalar;
use semantics::ANY_CLASS;

use crate::interp::Vm;
use crate::program::{CaptureSource, FunctionProto};
use crate::value::{Class, InstanceRef, Value};

/// A compiled entry point's machine code (lower.rs's `entry_signature`).
type EntryFn = unsafe extern "C" fn(*mut Context, *mut Value, u64, u64) -> Returned;

/// What an entry point returns (lower.rs's `entry_signature`: two
/// integer results, which the platform's C convention returns as this
/// structure): its status, and the step countdown it went on with, which
/// an exit has also written back to the VM.
#[repr(C)]
struct Returned {
    _status: u64,
    _countdown: u64,
}

/// An entry point: function, instruction, kinds of the frame's slots
/// (locals, then operand stack).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    func: u32,
    ip: u32,
    kinds: Box<[Ty]>,
}

struct Compiled {
    id: FuncId,
    /// Set once the module's definitions are finalised.
    code: Option<EntryFn>,
    /// The kind it returns to a compiled caller (`None`: none can call it).
    ret: Option<Scalar>,
    /// Slots its frame needs from its base (locals, operand stack, the
    /// result of an arity-0 function).
    extent: usize,
    deopts: u32,
    /// Worth entering from the interpreter (`policy::worth_compiling`);
    /// a leaf compiled for its compiled callers only is not.
    bridge: bool,
    /// Its body, when compiled callers take it in (lower/inline.rs).
    inline: Option<Rc<Inlinable>>,
}

enum Slot {
    Compiled(Compiled),
    /// Being compiled: a call to it (recursion) returns `assumed`.
    InProgress {
        id: FuncId,
        assumed: Option<Scalar>,
        extent: usize,
        /// Its body, once analysed, when it can be taken into its own
        /// recursive calls (lower/inline.rs).
        inline: Option<Rc<Inlinable>>,
    },
    /// Not compilable, or given up (too many deoptimisations).
    Refused,
}

/// Counters for `--stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JitStats {
    /// Entry points compiled.
    pub compiled: u64,
    /// Exits because a guard failed or an instruction is not compiled.
    pub deopts: u64,
    /// Time spent compiling.
    pub compile_time: Duration,
    /// Times the interpreter entered compiled code (a loop that stays in
    /// it across checkpoints is entered once).
    pub entries: u64,
    /// Calls compiled callers took their callee's body into
    /// (lower/inline.rs), counted once per call site compiled.
    pub inlined: u64,
}

/// The native-code tier's state for one VM.
pub struct Jit {
    mode: JitMode,
    /// Made at the first compilation; `None` after a failure to make it.
    module: Option<JITModule>,
    broken: bool,
    ctx: cranelift_codegen::Context,
    fctx: FunctionBuilderContext,
    /// Looked up at every entry from the interpreter: hashed with
    /// FxHash (SipHash was 2 000 instructions of each re-entry).
    entries: FxHashMap<Key, Slot>,
    /// Defined, not yet finalised.
    unfinalized: Vec<Key>,
    functions: Vec<FunctionInfo>,
    /// Set by `runtime::jit_exit`: the value stack's length after an exit.
    exit_len: Option<usize>,
    /// Compiled frames that exited, innermost first (runtime.rs).
    exited: Vec<ExitedFrame>,
    stats: JitStats,
    support: Support,
    /// The classes of the instances seen in frames the bridge entered
    /// (the only instances compiled code holds), by index.
    classes: Classes,
    /// Where compiled code finds lists' elements and instances' fields
    /// inline; `None` when the probe failed or a value the bridge saw did
    /// not fit it (then only the support functions touch them).
    layout: Option<HeapLayout>,
    /// Where compiled code finds closures' captures inline (`None`: only
    /// through the support functions).
    closure_layout: Option<ClosureLayout>,
    /// Set by `record_exit`: compiled code left before its function
    /// returned.
    left_midway: bool,
    /// After compiled code left midway: the number of frames up to the
    /// one it was entered in, and the instructions `step_through` still
    /// hands to `step` while that frame has not reached a loop head.
    resume: Option<(usize, u32)>,
    /// The checkpoint's trampoline in `module` (lower.rs).
    checkpoint: Option<FuncId>,
    /// The kinds the captures of each function's closures were seen to
    /// hold (by function index; `None` for a heap value): what compiled
    /// reads of them expect (and guard).
    captures: HashMap<u32, Vec<Option<Scalar>>>,
    /// The program has no `deinit`: releasing a value runs no Limit code
    /// (set at every entry from the VM's `has_deinit`).
    releases_freely: bool,
    /// Set by `runtime::jit_new_instance_push`: compiled code allocated
    /// where the interpreter would have stopped to collect cycles, and left
    /// for the interpreter to do it (`Vm::jit_collection_pending`).
    collection_pending: bool,
    /// The entry point entered last: a function called again and again
    /// from interpreted code finds it without building a key (that, and
    /// hashing it, cost a function with a short loop called a million
    /// times twice its interpreted time).
    last: Option<LastEntry>,
}

struct LastEntry {
    key: Key,
    code: EntryFn,
    extent: usize,
}

/// Instructions run through `step` after compiled code left midway or a
/// checkpoint fell on a call, at most (`Jit::step_through`): enough for a
/// loop body with its calls.
const RESUME_STEPS: u32 = 256;

/// A class compiled code has seen an instance of.
struct SeenClass {
    class: Rc<Class>,
    /// The kinds its fields held (by slot; `None` for a heap value) in
    /// that instance: what compiled reads of those fields expect (and
    /// guard).
    fields: Vec<Option<Scalar>>,
}

type Classes = HashMap<u32, SeenClass>;

/// Bytes of machine stack compiled calls may use below the bridge: deep
/// recursion continues in the interpreter, whose frames are on the heap.
const NATIVE_STACK_BUDGET: usize = 256 << 10;

/// Callees nest this deep at most in one compilation.
const MAX_NESTING: u32 = 4;

impl Jit {
    pub(crate) fn new(mode: JitMode, functions: usize) -> Option<Box<Jit>> {
        if mode == JitMode::Off {
            return None;
        }
        Some(Box::new(Jit {
            mode,
            module: None,
            broken: false,
            ctx: cranelift_codegen::Context::new(),
            fctx: FunctionBuilderContext::new(),
            entries: FxHashMap::default(),
            collection_pending: false,
            unfinalized: Vec::new(),
            functions: (0..functions).map(|_| FunctionInfo::default()).collect(),
            exit_len: None,
            stats: JitStats::default(),
            exited: Vec::new(),
            checkpoint: None,
            last: None,
            support: Support {
                exit: runtime::jit_exit as *const () as usize,
                exit_caller: runtime::jit_exit_caller as *const () as usize,
                heap: HeapSupport::new(),
                closures: lower::ClosureSupport::new(),
                lists: lower::ListSupport::new(),
                checkpoint: runtime::jit_checkpoint as *const () as usize,
            },
            classes: HashMap::new(),
            captures: HashMap::new(),
            releases_freely: false,
            left_midway: false,
            resume: None,
            layout: HeapLayout::probe(),
            closure_layout: ClosureLayout::probe(),
        }))
    }

    /// Whether the next instruction goes through `step`, after which
    /// calls and back edges may enter compiled code: always with
    /// `--jit=always`, else for a while after compiled code left or a
    /// checkpoint fell on a call in a function with loops.
    ///
    /// Why the while: the dispatch loop hands a back edge to `step` only
    /// at a checkpoint, every `CHECKPOINT_STEPS` counted steps; in a loop
    /// whose counted steps (back edge, calls) divide that, the checkpoint
    /// falls on the same instruction every time. When compiled code left
    /// mid-body (its budget ran out at a call, a guard failed), the loop
    /// would not reach its head through `step` again, and would run
    /// interpreted to its end.
    pub(crate) fn step_through(&mut self) -> bool {
        if self.mode == JitMode::Always {
            return true;
        }
        match &mut self.resume {
            None => false,
            Some((_, 0)) => {
                self.resume = None;
                false
            }
            Some((_, left)) => {
                *left -= 1;
                true
            }
        }
    }

    pub(crate) fn mode(&self) -> JitMode {
        self.mode
    }

    pub(crate) fn stats(&self) -> JitStats {
        self.stats
    }

    /// The last entry's code, when it is function `func`'s at `ip` and
    /// `frame` (its locals and operand stack) has the kinds it was
    /// compiled for.
    fn last_entry(&self, func: u32, ip: usize, frame: &[Value]) -> Option<(EntryFn, usize)> {
        let last = self.last.as_ref()?;
        let same = last.key.func == func
            && last.key.ip as usize == ip
            && last.key.kinds.len() == frame.len()
            && frame
                .iter()
                .zip(&last.key.kinds[..])
                .all(|(v, t)| Ty::of(v) == *t);
        same.then_some((last.code, last.extent))
    }

    /// `runtime::jit_exit`'s record.
    pub(crate) fn record_exit(&mut self, len: usize, reason: Reason) {
        self.exit_len = Some(len);
        self.left_midway = reason != Reason::Return;
        if reason == Reason::Deopt {
            self.stats.deopts += 1;
        }
    }

    fn module(&mut self) -> Option<&mut JITModule> {
        if self.broken {
            return None;
        }
        if self.module.is_none() {
            self.module = make_module();
            if let Some(module) = self.module.as_mut() {
                self.checkpoint = define_checkpoint(module, &self.support);
            }
            self.broken = self.module.is_none() || self.checkpoint.is_none();
        }
        self.module.as_mut()
    }

    /// The code of entry point `key`, compiling it when it is hot and
    /// not yet tried.
    fn entry(
        &mut self,
        key: Key,
        functions: &[Arc<FunctionProto>],
        constants: &[Value],
    ) -> Option<(EntryFn, usize)> {
        if let Some(slot) = self.entries.get(&key) {
            return match slot {
                Slot::Compiled(c) if c.bridge => c.code.map(|code| (code, c.extent)),
                _ => None,
            };
        }
        let info = self.functions.get_mut(key.func as usize)?;
        if info.tried >= MAX_ENTRIES {
            return None;
        }
        info.tried += 1;
        let started = Instant::now();
        // Whatever was defined is finalised, even when `key` itself was
        // refused (its callees may be compiled).
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let made = self.compile(&key, functions, constants, 0).is_some();
            self.finalize() && made
        }))
        .unwrap_or(false);
        self.stats.compile_time += started.elapsed();
        if !compiled {
            self.give_up_unfinished(&key);
            return None;
        }
        match self.entries.get(&key) {
            Some(Slot::Compiled(c)) if c.bridge => c.code.map(|code| (code, c.extent)),
            _ => None,
        }
    }

    /// After a failed compilation (or a panic inside Cranelift): the
    /// entry points it left half made are refused, and a module in an
    /// unknown state is not used again.
    fn give_up_unfinished(&mut self, key: &Key) {
        for slot in self.entries.values_mut() {
            if matches!(slot, Slot::InProgress { .. }) {
                *slot = Slot::Refused;
            }
        }
        self.entries.insert(key.clone(), Slot::Refused);
        if !self.unfinalized.is_empty() {
            // Definitions that could not be finalised (or a panic
            // between): compile nothing more in this module.
            self.unfinalized.clear();
            self.broken = true;
        }
        self.ctx.clear();
        self.fctx = FunctionBuilderContext::new();
    }

    /// Compile entry point `key` (and the callees it needs); `Some` when
    /// it is defined in the module (not yet finalised).
    fn compile(
        &mut self,
        key: &Key,
        functions: &[Arc<FunctionProto>],
        constants: &[Value],
        nesting: u32,
    ) -> Option<()> {
        if let Some(slot) = self.entries.get(key) {
            return matches!(slot, Slot::Compiled(_)).then_some(());
        }
        if nesting > MAX_NESTING {
            return None;
        }
        let proto = functions.get(key.func as usize)?;
        let frame_size = proto.frame_size();
        if key.kinds.len() < frame_size {
            return None;
        }
        let start = State {
            locals: key.kinds[..frame_size].to_vec(),
            // Operands the interpreter owns: compiled code would have to
            // release them (the bridge does not enter with any), except a
            // list iterator, which compiled code leaves where it is.
            stack: key.kinds[frame_size..]
                .iter()
                .map(|t| {
                    t.exact()
                        .filter(|k| !k.is_heap() || matches!(k, Scalar::ListIter(_)))
                })
                .collect::<Option<Vec<_>>>()?,
        };
        let sig = entry_signature(self.module()?);
        let name = format!("limit_{}_{}_{}", key.func, key.ip, self.entries.len());
        let id = self
            .module()?
            .declare_function(&name, Linkage::Local, &sig)
            .ok()?;
        self.entries.insert(
            key.clone(),
            Slot::InProgress {
                id,
                assumed: None,
                extent: 0,
                inline: None,
            },
        );
        let result = self.compile_declared(key, id, start, proto, functions, constants, nesting);
        if result.is_none() {
            self.entries.insert(key.clone(), Slot::Refused);
        }
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn compile_declared(
        &mut self,
        key: &Key,
        id: FuncId,
        start: State,
        proto: &FunctionProto,
        functions: &[Arc<FunctionProto>],
        constants: &[Value],
        nesting: u32,
    ) -> Option<()> {
        let entry = key.ip as usize;
        // The analysis to a fixed point of the entry's own return kind
        // (a recursive call returns what the function returns).
        let mut found = None;
        for _ in 0..4 {
            let mut callees = Compiling {
                jit: self,
                functions,
                constants,
                nesting,
            };
            let a = analyse(
                key.func,
                &proto.code,
                entry,
                start.clone(),
                constants,
                &mut callees,
            )
            .ok()?;
            let Some(Slot::InProgress { assumed, .. }) = self.entries.get_mut(key) else {
                return None;
            };
            if *assumed == a.ret {
                found = Some(a);
                break;
            }
            *assumed = a.ret;
        }
        let analysis = found?;
        let always = self.mode == JitMode::Always;
        let bridge = policy::worth_compiling(&proto.code, entry, &analysis, always);
        // A compiled caller calls even a leaf without entering cost: a
        // leaf is compiled for them (now or later), not for the bridge.
        if !bridge && !policy::worth_compiling(&proto.code, entry, &analysis, true) {
            return None;
        }
        let extent = proto.frame_size() + analysis.max_stack + 1;
        // Its body, for its compiled callers and its own recursive calls
        // (the analysis is final: a recursive call returns what it
        // returns).
        let inline = Inlinable::fits(key.func, &proto.code, entry, &analysis).then(|| {
            Rc::new(Inlinable {
                func: key.func,
                code: proto.code.clone(),
                analysis: analysis.clone(),
                start: start.clone(),
                frame_size: proto.frame_size(),
            })
        });
        if let Some(Slot::InProgress {
            extent: e,
            inline: body,
            ..
        }) = self.entries.get_mut(key)
        {
            *e = extent;
            body.clone_from(&inline);
        }
        let input = Input {
            func: key.func,
            code: &proto.code,
            constants,
            analysis: &analysis,
            entry,
            start: &start,
            frame_size: proto.frame_size(),
            support: &self.support,
            layout: self.layout,
            closure_layout: self.closure_layout,
            checkpoint: self.checkpoint?,
        };
        let Jit {
            module,
            ctx,
            fctx,
            entries,
            classes,
            captures,
            releases_freely,
            ..
        } = self;
        let module = module.as_mut()?;
        ctx.clear();
        let mut known = Known {
            entries,
            functions,
            classes,
            captures,
            releases_freely: *releases_freely,
        };
        let inlined = lower(module, &mut ctx.func, fctx, &input, &mut known);
        let defined = module.define_function(id, ctx).is_ok();
        ctx.clear();
        if !defined {
            return None;
        }
        let ret = analysis.ret;
        self.entries.insert(
            key.clone(),
            Slot::Compiled(Compiled {
                id,
                code: None,
                ret,
                extent,
                deopts: 0,
                bridge,
                inline,
            }),
        );
        self.unfinalized.push(key.clone());
        self.stats.compiled += 1;
        self.stats.inlined += inlined as u64;
        Some(())
    }

    /// Finalise the module's new definitions and note their addresses.
    fn finalize(&mut self) -> bool {
        let Some(module) = self.module.as_mut() else {
            return false;
        };
        if module.finalize_definitions().is_err() {
            return false;
        }
        for key in std::mem::take(&mut self.unfinalized) {
            if let Some(Slot::Compiled(c)) = self.entries.get_mut(&key) {
                let address = module.get_finalized_function(c.id);
                // SAFETY: `address` is the finalised machine code of a
                // function compiled with `entry_signature` (four `I64`
                // parameters, two `I64` results, the host's default
                // calling convention, which is the C one `EntryFn` names,
                // returning the two as `Returned`).
                c.code = Some(unsafe { std::mem::transmute::<*const u8, EntryFn>(address) });
            }
        }
        true
    }

    /// A guard of `key`'s code failed again: give it up after
    /// `MAX_DEOPTS`. Returns true when it was given up.
    fn count_deopt(&mut self, key: &Key) -> bool {
        if let Some(Slot::Compiled(c)) = self.entries.get_mut(key) {
            c.deopts += 1;
            if c.deopts >= MAX_DEOPTS {
                // Its machine code stays in the module (compiled callers
                // may call it); the interpreter no longer enters it.
                c.code = None;
                return true;
            }
        }
        false
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: compiled code runs only inside `Vm::jit_enter_top`,
            // which borrows the VM (and so this `Jit`) for the whole run;
            // the entry points' addresses are dropped with `entries`.
            unsafe { module.free_memory() };
        }
    }
}

/// A JIT module for the host machine, optimising for speed.
fn make_module() -> Option<JITModule> {
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").ok()?;
    // Cranelift checks every function's IR before compiling it unless told
    // not to: a quarter of the compile time, for IR that lower.rs makes
    // the same way every time. Debug builds (and so the test suite) keep
    // the check.
    if !cfg!(debug_assertions) {
        flags.set("enable_verifier", "false").ok()?;
    }
    flags.set("use_colocated_libcalls", "false").ok()?;
    flags.set("is_pic", "false").ok()?;
    let isa = cranelift_native::builder()
        .ok()?
        .finish(settings::Flags::new(flags))
        .ok()?;
    let builder = JITBuilder::with_isa(isa, cranelift_module::default_libcall_names());
    Some(JITModule::new(builder))
}

/// The key of function `func`'s entry at its first instruction with
/// arguments of kinds `args` (the other locals nil), when `args` fills
/// its parameters exactly.
fn call_key(functions: &[Arc<FunctionProto>], func: u32, args: &[Scalar]) -> Option<Key> {
    let proto = functions.get(func as usize)?;
    // An iterator stays in its own slot (heap.rs), an owned closure in its
    // operand slot (closures.rs): never an argument. (An owned list is lent
    // to the callee, which borrows it: lists.rs.)
    if args.len() != proto.arity as usize
        || args
            .iter()
            .any(|a| matches!(a, Scalar::ListIter(_) | Scalar::NewClosure(_)))
    {
        return None;
    }
    let mut kinds: Vec<Ty> = args.iter().map(|a| Ty::scalar(a.borrowed())).collect();
    kinds.resize(proto.frame_size(), Ty::NIL);
    Some(Key {
        func,
        ip: 0,
        kinds: kinds.into(),
    })
}

fn callee_of(slot: &Slot) -> Option<Callee> {
    match slot {
        Slot::Compiled(c) => c.ret.map(|ret| Callee {
            ret,
            id: c.id,
            extent: c.extent,
            inline: c.inline.clone(),
        }),
        Slot::InProgress {
            id,
            assumed,
            extent,
            inline,
        } => assumed.map(|ret| Callee {
            ret,
            id: *id,
            extent: *extent,
            inline: inline.clone(),
        }),
        Slot::Refused => None,
    }
}

/// Callees during the analysis: compiled on demand.
struct Compiling<'a> {
    jit: &'a mut Jit,
    functions: &'a [Arc<FunctionProto>],
    constants: &'a [Value],
    nesting: u32,
}

impl Callees for Compiling<'_> {
    fn callee(&mut self, func: u32, args: &[Scalar]) -> Option<Callee> {
        let key = call_key(self.functions, func, args)?;
        if !self.jit.entries.contains_key(&key) {
            self.jit
                .compile(&key, self.functions, self.constants, self.nesting + 1);
        }
        callee_of(self.jit.entries.get(&key)?)
    }

    fn field_kind(&self, class: u32, slot: u16) -> Option<Scalar> {
        field_kind(&self.jit.classes, class, slot)
    }

    fn method(&self, class: u32, name: &str) -> Option<u32> {
        method(&self.jit.classes, class, name)
    }

    fn classes_with(&self, name: &str) -> Vec<SeenMethod> {
        classes_with(&self.jit.classes, name)
    }

    fn field_of(&self, class: u32, name: &str) -> Option<SeenField> {
        field_of(&self.jit.classes, class, name)
    }

    fn captures(&self, func: u32) -> Option<Vec<CaptureSource>> {
        Some(self.functions.get(func as usize)?.captures.clone())
    }

    fn capture_kind(&self, func: u32, i: u16) -> Option<Scalar> {
        *self.jit.captures.get(&func)?.get(i as usize)?
    }

    fn releases_freely(&self) -> bool {
        self.jit.releases_freely
    }
}

fn field_kind(classes: &Classes, class: u32, slot: u16) -> Option<Scalar> {
    *classes.get(&class)?.fields.get(slot as usize)?
}

/// The method `name` of class `class`, as the interpreter finds it for an
/// `Invoke` through the class (`Vm::invoke_missed`).
fn method(classes: &Classes, class: u32, name: &str) -> Option<u32> {
    classes.get(&class)?.class.method_map.get(name).copied()
}

/// The classes seen with a method `name`, in index order (so that the
/// analysis and the lowering choose the same ones), at most
/// `MAX_DISPATCH`.
fn classes_with(classes: &Classes, name: &str) -> Vec<SeenMethod> {
    let mut found: Vec<SeenMethod> = classes
        .iter()
        .filter_map(|(&class, seen)| {
            Some(SeenMethod {
                class,
                func: *seen.class.method_map.get(name)?,
                word: layout::class_word(&seen.class),
            })
        })
        .collect();
    found.sort_unstable_by_key(|m| m.class);
    found.truncate(MAX_DISPATCH);
    found
}

/// Field `name` of class `class` as compiled code reads it: its slot and
/// the kind seen there; for `ANY_CLASS`, of the one class seen with such
/// a field (none when several are: a read then exits).
fn field_of(classes: &Classes, class: u32, name: &str) -> Option<SeenField> {
    let of = |class: u32, seen: &SeenClass| -> Option<SeenField> {
        let slot = seen.class.field_slot(name)?;
        Some(SeenField {
            class,
            slot: u16::try_from(slot).ok()?,
            kind: (*seen.fields.get(slot)?)?,
            word: layout::class_word(&seen.class),
        })
    };
    if class != ANY_CLASS {
        return of(class, classes.get(&class)?);
    }
    let mut found = classes
        .iter()
        .filter(|(_, seen)| seen.class.field_slot(name).is_some());
    let (&class, seen) = found.next()?;
    if found.next().is_some() {
        return None;
    }
    of(class, seen)
}

/// Callees during the lowering: those the analysis found.
struct Known<'a> {
    entries: &'a FxHashMap<Key, Slot>,
    functions: &'a [Arc<FunctionProto>],
    classes: &'a Classes,
    captures: &'a HashMap<u32, Vec<Option<Scalar>>>,
    releases_freely: bool,
}

impl Callees for Known<'_> {
    fn callee(&mut self, func: u32, args: &[Scalar]) -> Option<Callee> {
        let key = call_key(self.functions, func, args)?;
        callee_of(self.entries.get(&key)?)
    }

    fn field_kind(&self, class: u32, slot: u16) -> Option<Scalar> {
        field_kind(self.classes, class, slot)
    }

    fn method(&self, class: u32, name: &str) -> Option<u32> {
        method(self.classes, class, name)
    }

    fn classes_with(&self, name: &str) -> Vec<SeenMethod> {
        classes_with(self.classes, name)
    }

    fn field_of(&self, class: u32, name: &str) -> Option<SeenField> {
        field_of(self.classes, class, name)
    }

    fn captures(&self, func: u32) -> Option<Vec<CaptureSource>> {
        Some(self.functions.get(func as usize)?.captures.clone())
    }

    fn capture_kind(&self, func: u32, i: u16) -> Option<Scalar> {
        *self.captures.get(&func)?.get(i as usize)?
    }

    fn releases_freely(&self) -> bool {
        self.releases_freely
    }
}

impl Vm {
    /// Whether compiled code left for a collection (taken: the caller
    /// runs it, `Vm::after_allocation`).
    pub(crate) fn jit_collection_pending(&mut self) -> bool {
        self.jit
            .as_deref_mut()
            .is_some_and(|jit| std::mem::take(&mut jit.collection_pending))
    }

    /// The native-code tier's counters (`None` when it is off).
    pub fn jit_stats(&self) -> Option<JitStats> {
        self.jit.as_deref().map(Jit::stats)
    }

    /// Between two instructions of the general path: run the top frame
    /// in compiled code when it is at an entry point that is hot (a
    /// function's start whose calls are hot, a loop head), compiling it
    /// first if needed. Compiled code returns having written its state
    /// back; the interpreter goes on from there.
    pub(crate) fn jit_enter_top(&mut self) {
        let checkpointed = self.just_checkpointed();
        let releases_freely = !self.has_deinit();
        let Some(jit) = self.jit.as_deref_mut() else {
            return;
        };
        jit.releases_freely = releases_freely;
        let Some(frame) = self.frames.last() else {
            return;
        };
        let (func, ip, base) = (frame.func, frame.ip, frame.base);
        let depth = self.frames.len();
        if func >= self.first_continuation {
            return;
        }
        let Some(proto) = self.functions.get(func as usize) else {
            return;
        };
        if ip == 0 && jit.resume.is_none() && jit.mode == JitMode::Auto && checkpointed {
            // A checkpoint fell on a call: look for the caller's loop head
            // (`Jit::step_through`), which the checkpoint may never fall
            // on.
            let caller = depth
                .checked_sub(2)
                .and_then(|d| self.frames.get(d))
                .map(|f| f.func as usize);
            let looping = caller.is_some_and(|c| {
                let code = self.functions.get(c).map(|p| &p.code[..]);
                match (jit.functions.get_mut(c), code) {
                    (Some(info), Some(code)) => info.has_loops(code),
                    _ => false,
                }
            });
            if looping {
                jit.resume = Some((depth - 1, RESUME_STEPS));
            }
        }
        let Some(info) = jit.functions.get_mut(func as usize) else {
            return;
        };
        if let Some((resume_depth, _)) = jit.resume {
            // The frame compiled code left returned, or reached a loop
            // head (entered below if compiled): back to the dispatch loop.
            if depth < resume_depth
                || (depth == resume_depth && ip != 0 && info.is_loop_target(&proto.code, ip))
            {
                jit.resume = None;
            }
        }
        let hot = if ip == 0 {
            self.jit_calls.get(func as usize) == Some(&HOT)
        } else if info.is_loop_target(&proto.code, ip) {
            let threshold = if jit.mode == JitMode::Always {
                1
            } else {
                LOOP_THRESHOLD
            };
            info.visit(ip, threshold)
        } else {
            false
        };
        if !hot {
            return;
        }
        let frame_size = proto.frame_size();
        let len = self.stack.len();
        if len < base + frame_size {
            return;
        }
        let frame = &self.stack[base..len];
        let (code, extent) = match jit.last_entry(func, ip, frame) {
            Some(found) => found,
            None => {
                let kinds: Box<[Ty]> = frame.iter().map(Ty::of).collect();
                // Operand stack values compiled code would have to own
                // (a list iterator it leaves in its slot).
                if kinds[frame_size..]
                    .iter()
                    .any(|t| t.is_heap() && !t.is_list_iter())
                {
                    return;
                }
                let key = Key {
                    func,
                    ip: ip as u32,
                    kinds,
                };
                if !jit.entries.contains_key(&key) {
                    let locals = &self.stack[base..base + frame_size];
                    observe_classes(&mut jit.classes, locals);
                    observe_closures(&mut jit.captures, locals);
                    // Compiled code reads only the lists and instances of
                    // frames the bridge entered (and passes them to its
                    // callees).
                    if let Some(layout) = jit.layout {
                        if !locals.iter().all(|v| layout.fits(v)) {
                            jit.layout = None;
                        }
                    }
                }
                let Some(found) = jit.entry(key.clone(), &self.functions, &self.constants) else {
                    if ip != 0 {
                        if let Some(info) = jit.functions.get_mut(func as usize) {
                            info.loop_refused = true;
                        }
                    }
                    if ip == 0 {
                        // Nothing to enter at this function's calls: stop
                        // handing them to the general path.
                        if let Some(n) = self.jit_calls.get_mut(func as usize) {
                            *n = NEVER;
                        }
                    }
                    return;
                };
                jit.last = Some(LastEntry {
                    key,
                    code: found.0,
                    extent: found.1,
                });
                found
            }
        };
        if base + extent > self.stack.capacity() {
            return;
        }
        // A closure's code reads its captures from the closure in the slot
        // below its frame, where `Call` leaves it (compiled calls too);
        // a frame called another way (by a built-in) runs interpreted.
        if !proto.captures.is_empty() {
            let running = self.frames.last().and_then(|f| f.closure.as_ref());
            let below = base.checked_sub(1).and_then(|b| self.stack.get(b));
            match (running, below) {
                (Some(c), Some(Value::Function(v))) if Rc::ptr_eq(c, v) => {}
                _ => return,
            }
        }
        jit.exit_len = None;
        jit.left_midway = false;
        jit.exited.clear();
        jit.stats.entries += 1;
        let deopts = jit.stats.deopts;
        let here = 0u8;
        let machine_sp = std::hint::black_box(std::ptr::addr_of!(here)) as usize;
        let limits = self.options.limits;
        let depth_limit =
            (limits.max_call_depth + self.depth_headroom).saturating_sub(self.frames.len()) as u64;
        let stack = self.stack.as_mut_ptr();
        let stack_end = stack.wrapping_add(self.stack.capacity()) as u64;
        let mut context = Context {
            vm: std::ptr::null_mut(),
            countdown: std::ptr::null_mut(),
            depth_limit,
            stack_end,
            native_floor: machine_sp.saturating_sub(NATIVE_STACK_BUDGET) as u64,
        };
        // SAFETY: `base + extent` slots fit the stack's allocation
        // (checked above), and the frame's values have the kinds `code`
        // was compiled for (`key`); compiled code writes scalars, and the
        // values it owns (heap.rs, owned.rs, closures.rs), only in this
        // frame's slots and in those of its compiled calls, which stay
        // below `stack_end`, and releases only what runs no Limit code.
        // The VM is reached only through `context` until the call returns
        // (runtime.rs).
        unsafe {
            let vm: *mut Vm = self;
            context.vm = vm;
            context.countdown = std::ptr::addr_of_mut!((*vm).countdown);
            code(&mut context, stack.add(base), 0, (*vm).countdown as u64);
        }
        let Some(jit) = self.jit.as_deref_mut() else {
            return;
        };
        if jit.left_midway {
            jit.resume = Some((depth, RESUME_STEPS));
        }
        if let Some(len) = jit.exit_len.take() {
            // SAFETY: every slot below `len` holds an initialised value:
            // those below the old length did, and compiled code wrote
            // back every local and operand of the frames above it before
            // returning (deopt.rs), owning the heap values among them
            // (heap.rs); slots dropped from the end held scalars or
            // borrowed copies of heap values, which own nothing.
            unsafe { self.stack.set_len(len.min(self.stack.capacity())) };
        }
        // The compiled calls that exited become interpreter frames,
        // outermost first.
        for f in jit.exited.drain(..).rev() {
            // A closure's frame returns into its callee's slot, below its
            // base, and holds the closure there (closures.rs).
            let (ret, closure) = match f.closure_call {
                true => match f.base.checked_sub(1).and_then(|b| self.stack.get(b)) {
                    Some(Value::Function(c)) => (f.base - 1, Some(c.clone())),
                    _ => (f.base, None),
                },
                false => (f.base, None),
            };
            self.frames.push(crate::interp::Frame {
                func: f.func,
                ip: f.ip,
                base: f.base,
                ret,
                closure,
                ctor: false,
            });
        }
        if jit.stats.deopts != deopts {
            // `last` is the entry just run: nothing in between enters.
            let Some(key) = jit.last.as_ref().map(|l| l.key.clone()) else {
                return;
            };
            if jit.count_deopt(&key) {
                jit.last = None;
                if key.ip == 0 {
                    if let Some(n) = self.jit_calls.get_mut(func as usize) {
                        *n = NEVER;
                    }
                }
            }
        }
    }
}

/// Elements of a list in a frame whose classes are noted: calls on
/// instances read from lists choose among the classes seen
/// (`Backend::invoke_seen`).
const OBSERVED_ELEMENTS: usize = 16;

/// Note the classes of the instances in `slots`, and among the first
/// elements of the lists there, not seen yet, with the kinds of their
/// fields (what compiled field reads will expect).
fn observe_classes(classes: &mut Classes, slots: &[Value]) {
    for v in slots {
        match v {
            Value::List(list) => {
                if let Ok(items) = list.items.try_borrow() {
                    for item in items.iter().take(OBSERVED_ELEMENTS) {
                        if let Value::Instance(inst) = item {
                            observe_class(classes, inst);
                        }
                    }
                }
            }
            Value::Instance(inst) => observe_class(classes, inst),
            _ => {}
        }
    }
}

/// Note the kinds the captures of the closures in `slots` hold, for their
/// functions not seen yet (what compiled reads of captures expect).
fn observe_closures(seen: &mut HashMap<u32, Vec<Option<Scalar>>>, slots: &[Value]) {
    for v in slots {
        let Value::Function(c) = v else {
            continue;
        };
        seen.entry(c.index).or_insert_with(|| {
            c.captures
                .iter()
                .map(|cap| match cap {
                    Value::Cell(cell) => cell
                        .try_borrow()
                        .ok()
                        .and_then(|v| Ty::of(&v).exact().filter(|k| !k.is_heap())),
                    v => Ty::of(v).exact().filter(|k| !k.is_heap()),
                })
                .collect()
        });
    }
}

/// Note `inst`'s class, if not seen yet, with the kinds its fields hold.
fn observe_class(classes: &mut Classes, inst: &InstanceRef) {
    if classes.contains_key(&inst.class.id) {
        return;
    }
    let fields = inst
        .values()
        .iter()
        .map(|f| Ty::of(f).exact().filter(|k| !k.is_heap()))
        .collect();
    classes.insert(
        inst.class.id,
        SeenClass {
            class: inst.class.clone(),
            fields,
        },
    );
}
