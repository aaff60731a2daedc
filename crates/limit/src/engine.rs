//! The embedding API: run Limit code from a Rust program, call Limit
//! functions, and let Limit call Rust functions, under resource limits.
//!
//! An [`Engine`] holds a compilation session and a VM: what one
//! [`Engine::run_str`] declares (functions, frames, top-level variables) is
//! there for the next, and a runtime error — including a hostile script
//! stopped by a [`Limits`] limit — leaves the engine usable.
//!
//! ```
//! use limit::{Engine, Limits, Value};
//!
//! let mut engine = Engine::new();
//! engine.set_limits(Limits { max_steps: Some(1_000_000), ..Limits::default() });
//! engine.register_fn("twice", |args: &[Value]| {
//!     let n: i64 = args[0].clone().try_into()?;
//!     Ok(Value::Int(2 * n))
//! });
//! engine.run_str("fn area(w: int, h: int): int { return w * h; }")?;
//! assert_eq!(engine.run_str("twice(area(3, 4))")?, Value::Int(24));
//! assert_eq!(engine.call("area", &[5.into(), 6.into()])?, Value::Int(30));
//! # Ok::<(), limit::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use limit_compiler::check::FunctionType;
use limit_compiler::session::Chunk;
use limit_compiler::{CompileOptions, Session};
use limit_vm::errors::{kinds, trap, RuntimeError, Trap};
use limit_vm::interp::PrintSink;
use limit_vm::interrupt::{self, Stop};
use limit_vm::isolate::Isolate;
use limit_vm::value::{DictMap, HostFn, Key, Value as VmValue};
use limit_vm::{Vm, VmOptions};

use crate::argument_checks::check_arguments;
use crate::conversions::FromValue;
use crate::diagnostics::{self, CompileError, Diagnostic};
use crate::direct;
use crate::error_kind::ErrorKind;
use crate::handle::{self, FnHandle, IntoArgs, Target};
use crate::host_fn::HostFunction;

pub use limit_compiler::capabilities::{Capabilities, Capability};
pub use limit_vm::Limits;

/// How deeply nested a value may be to be converted between Limit and Rust
/// (deeper ones, and cyclic ones, are a conversion error).
pub const MAX_CONVERSION_DEPTH: usize = 256;

/// A Limit value seen from Rust: a copy of the data, not a handle.
///
/// Values convert from and to Rust types with `From` / `TryFrom`:
///
/// ```
/// use std::collections::HashMap;
/// use limit::Value;
///
/// let v = Value::from(vec![1i64, 2, 3]);
/// assert_eq!(v.to_string(), "[1, 2, 3]");
/// let back: Vec<i64> = v.try_into().unwrap();
/// assert_eq!(back, vec![1, 2, 3]);
///
/// let mut m = HashMap::new();
/// m.insert("a".to_string(), 1.5f64);
/// let d = Value::from(m);
/// let back: HashMap<String, f64> = d.try_into().unwrap();
/// assert_eq!(back["a"], 1.5);
/// assert!(i64::try_from(Value::from("text")).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `nil`.
    Nil,
    /// A `bool`.
    Bool(bool),
    /// An `int` that fits in 64 bits.
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A list.
    List(Vec<Value>),
    /// A tuple.
    Tuple(Vec<Value>),
    /// A dict, entries in insertion order.
    Dict(Vec<(Value, Value)>),
    /// An error value `{kind, message}`.
    Error {
        /// The error kind (`DivisionByZero`, a user name, …).
        kind: String,
        /// The message (empty when none).
        message: String,
    },
    /// An object of a host type ([`Engine::register_type`]): the object
    /// itself, shared with the scripts holding it.
    Object(crate::host_type::Object),
    /// Anything else (functions, instances, enums, big integers, …): its
    /// printed form. It cannot be passed back into Limit.
    Other(String),
}

impl fmt::Display for Value {
    /// The form `print` gives (strings unquoted at the top level).
    ///
    /// ```
    /// use limit::Value;
    /// let v = Value::List(vec![Value::Str("a".into()), Value::Nil]);
    /// assert_eq!(v.to_string(), "[\"a\", nil]");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match to_vm(self, 0) {
            Ok(v) => write!(f, "{v}"),
            Err(_) => match self {
                Value::Other(text) => f.write_str(text),
                _ => f.write_str("?"),
            },
        }
    }
}

/// An error from the engine: a compile error, a runtime error (including
/// resource limits), a failed conversion, or a file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The source did not compile: its diagnostics, as data and as text.
    Compile(CompileError),
    /// A runtime error that the script did not catch.
    Runtime(RuntimeError),
    /// A value could not be converted between Limit and Rust.
    Conversion(String),
    /// No function of that name exists (for [`Engine::call`]).
    NotFound(String),
    /// Reading a file failed.
    Io(String),
}

impl Error {
    /// A runtime error of `kind` with `message`, for host functions to
    /// raise (the script can catch it with `attempt … handle kind`).
    ///
    /// ```
    /// let e = limit::Error::runtime("BadInput", "n must be positive");
    /// assert_eq!(e.kind(), Some("BadInput"));
    /// ```
    pub fn runtime(kind: &str, message: &str) -> Error {
        Error::Runtime(RuntimeError::new(kind, message))
    }

    /// The runtime error kind (`DivisionByZero`, `ResourceLimit`, …), if
    /// this is a runtime error.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// let e = engine.run_str("var x = 1 / 0;").unwrap_err();
    /// assert_eq!(e.kind(), Some("DivisionByZero"));
    /// ```
    pub fn kind(&self) -> Option<&str> {
        match self {
            Error::Runtime(e) => Some(&e.kind),
            _ => None,
        }
    }

    /// The runtime error's kind as an [`ErrorKind`], if this is a runtime
    /// error.
    ///
    /// ```
    /// use limit::ErrorKind;
    /// let mut engine = limit::Engine::new();
    /// let e = engine.run_str("var x = 1 / 0;").unwrap_err();
    /// assert_eq!(e.error_kind(), Some(ErrorKind::DivisionByZero));
    /// let e = limit::Error::runtime("BadInput", "no");
    /// assert_eq!(e.error_kind(), Some(ErrorKind::User("BadInput".into())));
    /// ```
    pub fn error_kind(&self) -> Option<ErrorKind> {
        self.kind().map(ErrorKind::from_name)
    }

    /// The runtime error (kind, message, trace), if this is one.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// let e = engine.run_named("r.lm", "fn f() { return [][0]; }\nf();").unwrap_err();
    /// let trace = &e.runtime_error().unwrap().trace;
    /// assert_eq!((trace[0].function.as_str(), trace[0].line), ("f", 1));
    /// ```
    pub fn runtime_error(&self) -> Option<&RuntimeError> {
        match self {
            Error::Runtime(e) => Some(e),
            _ => None,
        }
    }

    /// The compile error (its diagnostics), if this is one.
    pub fn compile_error(&self) -> Option<&CompileError> {
        match self {
            Error::Compile(e) => Some(e),
            _ => None,
        }
    }

    /// Whether a resource limit stopped the script: a `ResourceLimit`
    /// error (steps, heap, string or collection length) or a
    /// `StackOverflow` (call depth).
    ///
    /// ```
    /// use limit::{Engine, Limits};
    /// let mut engine = Engine::new();
    /// engine.set_limits(Limits { max_steps: Some(1000), ..Limits::default() });
    /// let e = engine.run_str("while (true) {}").unwrap_err();
    /// assert!(e.is_resource_limit());
    /// ```
    pub fn is_resource_limit(&self) -> bool {
        matches!(
            self.kind(),
            Some(kinds::RESOURCE_LIMIT | kinds::STACK_OVERFLOW)
        )
    }

    /// Whether the host stopped the script through an [`InterruptHandle`]
    /// (or Ctrl-C stopped the process's scripts): an `Interrupted` error.
    ///
    /// ```
    /// let e = limit::Error::runtime("Interrupted", "interrupted by the host");
    /// assert!(e.is_interrupted() && !e.is_resource_limit());
    /// ```
    pub fn is_interrupted(&self) -> bool {
        self.kind() == Some(kinds::INTERRUPTED)
    }
}

impl fmt::Display for Error {
    /// The message as `limit` prints it.
    ///
    /// ```
    /// let e = limit::Error::runtime("BadInput", "no");
    /// assert_eq!(e.to_string(), "error[BadInput]: no");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(e) => write!(f, "{e}"),
            Error::Runtime(e) => write!(f, "{e}"),
            Error::Conversion(m) => write!(f, "conversion error: {m}"),
            Error::NotFound(name) => write!(f, "no function named `{name}`"),
            Error::Io(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A Limit engine: a compilation session and a VM that keep their state
/// between runs. See the [module documentation](self).
///
/// An engine is `Send`: it can move to another thread between runs (its
/// values live in a heap of its own, and none of them is ever handed to
/// the host: see [`limit_vm::isolate`]).
///
/// ```
/// let mut engine = limit::Engine::new();
/// engine.run_str("var count = 1;")?;
/// let mut engine = std::thread::spawn(move || {
///     engine.run_str("count += 1;").map(|_| engine)
/// })
/// .join()
/// .unwrap()?;
/// assert_eq!(engine.run_str("count")?, limit::Value::Int(2));
/// # Ok::<(), limit::Error>(())
/// ```
pub struct Engine {
    session: Session,
    /// The VM and every Limit value, in the engine's own heap.
    core: Isolate<Core>,
    options: VmOptions,
    /// Names given to the chunks run so far (`<chunk 1>`, …).
    chunks: usize,
    /// Wall-clock limit of each run or call.
    time_limit: Option<Duration>,
    /// Set by an [`InterruptHandle`] to stop the current run.
    interrupt: Arc<AtomicBool>,
    /// The warnings of the last chunk that compiled.
    warnings: Vec<Diagnostic>,
    /// The stop conditions installed while the engine runs: the
    /// interrupt flag and the deadline of the current run.
    stop: Stop,
    /// Tells this engine's function handles from other engines'.
    id: u64,
    /// The host types registered ([`Engine::register_type`]).
    host_types: crate::host_type::HostTypes,
    /// Functions pinned for handles that are all dropped (`callback.rs`).
    releases: Arc<crate::callback::Releases>,
}

/// What of an engine holds Limit values: it lives in the engine's
/// [`Isolate`], entered while the engine runs.
#[derive(Default)]
struct Core {
    vm: Option<Vm>,
    /// Host functions: global slot and the VM value installed there.
    hosts: Vec<(usize, VmValue)>,
    /// The converted arguments of a call from Rust (kept, so that a call
    /// allocates no vector).
    args: Vec<VmValue>,
    /// The `on_print` callback, until the VM exists to take it.
    print_sink: Option<Box<PrintSink>>,
}

impl Core {
    /// Put every host function into its global slot (after a load, the
    /// slots of newly declared ones exist).
    fn install_hosts(&mut self) {
        if let Some(vm) = &mut self.vm {
            for (global, value) in &self.hosts {
                vm.set_global_at(*global, value.clone());
            }
        }
    }

    /// Load a compiled chunk and run its top-level code.
    fn run_chunk(&mut self, chunk: Chunk, options: VmOptions) -> Result<Value, Error> {
        match &mut self.vm {
            Some(vm) => vm.load(chunk.update).map_err(Error::Runtime)?,
            None => {
                let program = chunk.update.into_program().map_err(|msg| {
                    Error::Runtime(RuntimeError::new(
                        kinds::ERROR,
                        &format!("invalid program: {msg}"),
                    ))
                })?;
                let mut vm = Vm::new(program, options);
                if let Some(sink) = self.print_sink.take() {
                    vm.set_print_sink(Some(sink));
                }
                self.vm = Some(vm);
            }
        }
        self.install_hosts();
        let Some(vm) = &mut self.vm else {
            return Err(Error::NotFound("<chunk>".into()));
        };
        let result = vm.call_function(chunk.function).map_err(Error::Runtime)?;
        from_vm(&result, 0)
    }

    /// Call the function at `target` with `args` (already checked against
    /// its parameters).
    /// `checked`: the arguments were checked against the function's
    /// signature already (the VM need not check them again).
    fn call(
        &mut self,
        target: Target,
        name: &str,
        args: &[Value],
        checked: bool,
    ) -> Result<Value, Error> {
        self.args.clear();
        for arg in args {
            let arg = match direct::scalar_to_vm(arg) {
                Some(arg) => arg,
                None => to_vm(arg, 0)?,
            };
            self.args.push(arg);
        }
        let result = self.call_with_args(target, name, checked)?;
        match direct::scalar_from_vm(&result) {
            Some(result) => Ok(result),
            None => from_vm(&result, 0),
        }
    }

    /// Call the function at `target` with `args` converted from Rust
    /// values, checked against `signature`.
    fn call_typed(
        &mut self,
        target: Target,
        name: &str,
        signature: Option<&FunctionType>,
        kinds: &[handle::ParamKind],
        args: impl IntoArgs,
    ) -> Result<VmValue, Error> {
        self.args.clear();
        args.into_vm(&mut self.args)?;
        handle::check_vm_arguments(name, signature, kinds, &mut self.args)?;
        self.call_with_args(target, name, signature.is_some())
    }

    /// Call the function at `target` with the arguments in `self.args`
    /// (`checked` against its signature already, or not).
    fn call_with_args(
        &mut self,
        target: Target,
        name: &str,
        checked: bool,
    ) -> Result<VmValue, Error> {
        let not_found = || Error::NotFound(name.to_string());
        let result = match (&mut self.vm, target) {
            (None, _) => Err(not_found()),
            (Some(vm), Target::Function(index)) if checked => vm
                .call_function_taking_checked(index, &mut self.args)
                .map_err(Error::Runtime),
            (Some(vm), Target::Function(index)) => vm
                .call_function_taking(index, &mut self.args)
                .map_err(Error::Runtime),
            (Some(vm), target @ (Target::Global(_) | Target::Pinned(_))) => {
                match crate::callback::function_at(vm, target) {
                    Some(f) => vm.call_value(&f, &self.args).map_err(Error::Runtime),
                    None => Err(not_found()),
                }
            }
        };
        self.args.clear();
        result
    }
}

/// Stops the script an [`Engine`] is running, from any thread: the run
/// (or call) ends with an `Interrupted` error that no script can catch.
/// A request stops the run in progress; the next run starts afresh.
///
/// A request made before the run starts is cleared by it, so a host that
/// cannot know when the run begins asks until the run has ended:
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let mut engine = limit::Engine::new();
/// let handle = engine.interrupt_handle();
/// let done = Arc::new(AtomicBool::new(false));
/// let finished = done.clone();
/// let stopper = std::thread::spawn(move || {
///     while !finished.load(Ordering::Relaxed) {
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         handle.interrupt();
///     }
/// });
/// let error = engine.run_str("while (true) {}").unwrap_err();
/// done.store(true, Ordering::Relaxed);
/// stopper.join().unwrap();
/// assert!(error.is_interrupted());
/// ```
#[derive(Clone, Debug)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Ask the engine to stop the script it is running.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("limits", &self.options.limits)
            .field("chunks", &self.chunks)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine with the default limits (only the call depth is limited)
    /// whose `print` writes to stdout.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// assert_eq!(engine.run_str("1 + 2").unwrap(), limit::Value::Int(3));
    /// ```
    pub fn new() -> Engine {
        Engine::with_capabilities(Capabilities::none())
    }

    /// An engine whose scripts are granted `capabilities` (see
    /// [`Capabilities`]; [`Engine::new`] grants none, the `limit` command
    /// all).
    ///
    /// ```
    /// use limit::{Capabilities, Engine};
    /// let mut engine = Engine::with_capabilities(Capabilities { sleep: true, ..Capabilities::none() });
    /// engine.run_str("sleep(0.001);").unwrap();
    /// assert!(Engine::new().run_str("sleep(0.001);").is_err());
    /// ```
    pub fn with_capabilities(capabilities: Capabilities) -> Engine {
        let interrupt = Arc::new(AtomicBool::new(false));
        let mut session = Session::new(CompileOptions::default());
        session.set_capabilities(capabilities);
        Engine {
            session,
            core: Isolate::new(Core::default),
            options: VmOptions::default(),
            chunks: 0,
            time_limit: None,
            warnings: Vec::new(),
            interrupt: interrupt.clone(),
            stop: Stop {
                flag: Some(interrupt),
                deadline: None,
            },
            id: handle::next_engine_id(),
            host_types: Default::default(),
            releases: Default::default(),
        }
    }

    /// Grant `capabilities` to the scripts compiled from now on (what is
    /// compiled already keeps what it was compiled with).
    ///
    /// ```
    /// use limit::{Capabilities, Capability, Engine};
    /// let mut engine = Engine::new();
    /// engine.set_capabilities(engine.capabilities().with(Capability::FileSystem, true));
    /// assert!(engine.capabilities().fs);
    /// ```
    pub fn set_capabilities(&mut self, capabilities: Capabilities) {
        self.session.set_capabilities(capabilities);
    }

    /// The capabilities granted to the scripts compiled from now on.
    pub fn capabilities(&self) -> Capabilities {
        self.session.capabilities()
    }

    /// Limit the wall-clock time of each following run or call (`None`:
    /// no limit, the default). Computing, sleeping and waiting all count;
    /// past the limit the script stops with a `ResourceLimit` error that
    /// it cannot catch.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mut engine = limit::Engine::new();
    /// engine.set_time_limit(Some(Duration::from_millis(10)));
    /// let e = engine.run_str("while (true) {}").unwrap_err();
    /// assert!(e.is_resource_limit());
    /// assert_eq!(engine.time_limit(), Some(Duration::from_millis(10)));
    /// ```
    pub fn set_time_limit(&mut self, limit: Option<Duration>) {
        self.time_limit = limit;
    }

    /// The wall-clock limit of each run or call.
    pub fn time_limit(&self) -> Option<Duration> {
        self.time_limit
    }

    /// A handle another thread can stop this engine's running script with
    /// (see [`InterruptHandle`]).
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.interrupt.clone())
    }

    /// Run `body` on the engine's VM: its stop conditions (interrupt
    /// flag, deadline) and its heap installed on the thread, then put back.
    fn as_current<R: Send>(&mut self, body: impl FnOnce(&mut Core) -> R + Send) -> R {
        self.interrupt.store(false, Ordering::Relaxed);
        self.stop.deadline = self
            .time_limit
            .and_then(|limit| Instant::now().checked_add(limit).map(|at| (at, limit)));
        let _stop = interrupt::install(&mut self.stop);
        let releases = &*self.releases;
        self.core.enter(move |core| {
            if let Some(vm) = &mut core.vm {
                releases.unpin_released(vm);
            }
            body(core)
        })
    }

    /// Set the resource limits for the following runs and calls. The step
    /// budget applies to each run or call separately.
    ///
    /// ```
    /// use limit::{Engine, Limits};
    /// let mut engine = Engine::new();
    /// engine.set_limits(Limits { max_string_len: Some(100), ..Limits::default() });
    /// let e = engine.run_str(r#"var s = "ab"; while (true) { s = s + s; }"#).unwrap_err();
    /// assert_eq!(e.kind(), Some("ResourceLimit"));
    /// assert_eq!(engine.limits().max_string_len, Some(100));
    /// ```
    pub fn set_limits(&mut self, limits: Limits) {
        self.options.limits = limits;
        self.core.enter(move |core| {
            if let Some(vm) = &mut core.vm {
                vm.set_limits(limits);
            }
        });
    }

    /// The limits in force.
    ///
    /// ```
    /// assert_eq!(limit::Engine::new().limits(), limit::Limits::default());
    /// ```
    pub fn limits(&self) -> Limits {
        self.options.limits
    }

    /// Keep what scripts `print` in memory (read it with
    /// [`Engine::take_output`]) instead of writing it to stdout.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.capture_output(true);
    /// engine.run_str(r#"print("hi")"#).unwrap();
    /// assert_eq!(engine.take_output(), "hi\n");
    /// ```
    pub fn capture_output(&mut self, capture: bool) {
        self.options.capture_output = capture;
        // Output so far is flushed: into the captured text, which counts
        // against the engine's heap.
        self.as_current(move |core| {
            if let Some(vm) = &mut core.vm {
                vm.set_capture_output(capture);
            }
        });
    }

    /// Call `f` with what scripts `print`, a line at a time as it is
    /// printed (the output of `parallel` tasks too, from this thread),
    /// instead of writing it to stdout or capturing it. Nothing is kept
    /// in between, so a script printing without end does not grow the
    /// host's memory: only a limit (steps, time) or an interrupt stops it.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let lines = Arc::new(Mutex::new(Vec::new()));
    /// let sink = lines.clone();
    /// let mut engine = limit::Engine::new();
    /// engine.on_print(move |text: &str| sink.lock().unwrap().push(text.to_string()));
    /// engine.run_str(r#"for (i in 1..=2) { print("line {i}"); }"#).unwrap();
    /// assert_eq!(*lines.lock().unwrap(), ["line 1\n", "line 2\n"]);
    /// ```
    pub fn on_print<F>(&mut self, f: F)
    where
        F: FnMut(&str) + Send + 'static,
    {
        let sink: Box<PrintSink> = Box::new(f);
        self.core.enter(move |core| match &mut core.vm {
            Some(vm) => vm.set_print_sink(Some(sink)),
            None => core.print_sink = Some(sink),
        });
    }

    /// The output captured since the last call (see
    /// [`Engine::capture_output`]).
    pub fn take_output(&mut self) -> String {
        // Captured text counts against the engine's heap until taken.
        self.as_current(|core| core.vm.as_mut().map(Vm::take_output).unwrap_or_default())
    }

    /// Compile and run `source` as the next chunk of the session. Returns
    /// the value of a final expression statement (`nil` when there is
    /// none). Declarations stay for later runs; after an error nothing of
    /// a chunk that did not compile is kept, and a runtime error leaves
    /// the globals as they were when it happened.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("var count = 40;").unwrap();
    /// assert_eq!(engine.run_str("count + 2").unwrap(), limit::Value::Int(42));
    /// assert!(engine.run_str("count +").is_err()); // a compile error
    /// ```
    pub fn run_str(&mut self, source: &str) -> Result<Value, Error> {
        self.chunks += 1;
        let name = format!("<chunk {}>", self.chunks);
        self.run_named(&name, source)
    }

    /// Read and run a file as the next chunk (see [`Engine::run_str`]).
    /// Its relative imports are looked up in its folder first (files are
    /// searched only with the capability `fs`; see
    /// [`Engine::set_module_resolver`]).
    ///
    /// ```
    /// let path = std::env::temp_dir().join("limit_engine_doc.lm");
    /// std::fs::write(&path, "fn greet(): str { return \"hello\"; }").unwrap();
    /// let mut engine = limit::Engine::new();
    /// engine.run_file(&path).unwrap();
    /// assert_eq!(engine.call("greet", &[]).unwrap(), limit::Value::from("hello"));
    /// ```
    pub fn run_file(&mut self, path: impl AsRef<Path>) -> Result<Value, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Io(format!("cannot read {}: {e}", path.display())))?;
        let folder = path.parent().map(Path::to_path_buf);
        let name = path.display().to_string();
        self.run_now(&name, &text, folder)
    }

    /// Serve the modules scripts import (`import rules.pricing;`) from
    /// the host: `resolver` gets the dotted name and returns the module's
    /// source, or `None` when it has no such module. Chunks may import
    /// standard modules (`std.math`; those needing a capability only when
    /// it is granted), the resolver's modules, and — only with the
    /// capability `fs` — files. A module runs once per engine, when the
    /// first chunk importing it runs; later chunks share it.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.set_module_resolver(|name: &str| {
    ///     (name == "rules.pricing").then(|| "pub fn price(n: int): int { return n * 3; }".to_string())
    /// });
    /// engine.run_str("import rules.pricing;\nimport std.math;").unwrap();
    /// assert_eq!(engine.run_str("pricing.price(math.gcd(4, 6))").unwrap(), limit::Value::Int(6));
    /// assert!(engine.run_str("import rules.other;").is_err());
    /// assert!(engine.run_str("import std.fs;").is_err()); // needs the capability `fs`
    /// ```
    pub fn set_module_resolver<F>(&mut self, resolver: F)
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        self.session.set_module_resolver(Some(Arc::new(resolver)));
    }

    /// Call the top-level function (or function-valued variable) `name`
    /// declared by an earlier run, with `args`. A function of a module
    /// the chunks imported is named as they name it: `combat.round`
    /// after `import rules.combat;`, `round` after `import rules.combat
    /// show round;` (a `@private` member, or one a `show` list leaves out,
    /// is not found). The arguments of a
    /// declared function are checked against its parameters' types first
    /// (an `int` given for a `float` becomes a float); a mismatch is an
    /// [`Error::Conversion`] naming the argument, and the function does
    /// not run.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("fn add(a: int, b: int): int { return a + b; }").unwrap();
    /// assert_eq!(engine.call("add", &[2.into(), 3.into()]).unwrap(), limit::Value::Int(5));
    /// assert!(engine.call("nope", &[]).is_err());
    /// let e = engine.call("add", &["a".into(), 3.into()]).unwrap_err();
    /// assert_eq!(e.to_string(), r#"conversion error: argument 1 (`a`) of `add`: expected int, found str "a""#);
    /// ```
    pub fn call(&mut self, name: &str, args: &[Value]) -> Result<Value, Error> {
        let (target, signature) = match self.session.function_index(name) {
            Some(index) => (
                Target::Function(index),
                self.session.function_signature(name),
            ),
            None => match self.session.global_index(name) {
                Some(slot) => (Target::Global(slot), None),
                None => return Err(Error::NotFound(name.to_string())),
            },
        };
        let checked = signature.is_some();
        let args = match signature {
            Some(signature) => check_arguments(name, signature, args)?,
            None => Cow::Borrowed(args),
        };
        let args = &*args;
        self.as_current(move |core| core.call(target, name, args, checked))
    }

    /// A handle on the top-level function (or function-valued variable)
    /// `name` declared by an earlier run, for calling it with
    /// [`Engine::call_fn`] without looking it up again. A function-valued
    /// variable is read at each call; a function keeps the one found now.
    /// A module's function is named as the chunks name it
    /// (`combat.round`, or `round` after `import … show round`; see
    /// [`Engine::call`]).
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("fn add(a: int, b: int): int { return a + b; }")?;
    /// let add = engine.get_fn("add")?;
    /// for i in 0..3 {
    ///     assert_eq!(engine.call_fn(&add, &[i.into(), 10.into()])?, limit::Value::Int(i + 10));
    /// }
    /// assert!(engine.get_fn("nope").is_err());
    /// assert!(limit::Engine::new().call_fn(&add, &[1.into(), 2.into()]).is_err());
    /// # Ok::<(), limit::Error>(())
    /// ```
    pub fn get_fn(&mut self, name: &str) -> Result<FnHandle, Error> {
        let not_found = || Error::NotFound(name.to_string());
        let (target, signature) = match self.session.function_index(name) {
            Some(index) => {
                // The handle keeps this version, even once redeclared.
                self.session.pin_function(index);
                (
                    Target::Function(index),
                    self.session.function_signature(name).cloned().map(Arc::new),
                )
            }
            None => {
                let slot = self.session.global_index(name).ok_or_else(not_found)?;
                let callable = self.core.enter(move |core| {
                    core.vm
                        .as_ref()
                        .and_then(|vm| vm.global_at(slot))
                        .is_some_and(|v| matches!(v, VmValue::Function(_) | VmValue::Host(_)))
                });
                if !callable {
                    return Err(not_found());
                }
                (Target::Global(slot), None)
            }
        };
        Ok(FnHandle {
            engine: self.id,
            target,
            name: name.into(),
            kinds: handle::ParamKind::of_signature(signature.as_deref()),
            signature,
            _pin: None,
        })
    }

    /// [`FnHandle::call`]: the arguments from Rust values, the result to
    /// `R`.
    pub(crate) fn call_typed<R>(
        &mut self,
        handle: &FnHandle,
        args: impl IntoArgs,
    ) -> Result<R, Error>
    where
        R: FromValue + Send + 'static,
    {
        self.check_handle(handle)?;
        let signature = handle.signature.as_deref();
        let kinds = &*handle.kinds;
        let (target, name) = (handle.target, &*handle.name);
        self.as_current(move |core| {
            let result = core.call_typed(target, name, signature, kinds, args)?;
            match direct::from_vm::<R>(&result) {
                Some(result) => Ok(result),
                None => from_vm(&result, 0).and_then(R::from_value),
            }
        })
    }

    /// `NotFound` for a handle from another engine.
    fn check_handle(&self, handle: &FnHandle) -> Result<(), Error> {
        if handle.engine == self.id {
            return Ok(());
        }
        Err(Error::NotFound(format!(
            "{} (a handle from another engine)",
            handle.name
        )))
    }

    /// Call the function `handle` stands for (see [`Engine::get_fn`]) with
    /// `args`, checked against its parameters' types as [`Engine::call`]
    /// checks them. A handle from another engine is an
    /// [`Error::NotFound`].
    pub fn call_fn(&mut self, handle: &FnHandle, args: &[Value]) -> Result<Value, Error> {
        self.check_handle(handle)?;
        let checked = handle.signature.is_some();
        let args = match &handle.signature {
            Some(signature) => check_arguments(&handle.name, signature, args)?,
            None => Cow::Borrowed(args),
        };
        let args = &*args;
        let (target, name) = (handle.target, &*handle.name);
        self.as_current(move |core| core.call(target, name, args, checked))
    }

    /// Make the Rust function `f` callable from Limit as `name(…)` in the
    /// following runs. Registering a name again replaces the function.
    ///
    /// A *typed* function — any closure or `fn` of up to eight parameters
    /// whose types implement [`FromValue`](crate::FromValue), returning an
    /// [`IntoValue`](crate::IntoValue) or a `Result` of one — has its
    /// signature checked when scripts compile: the argument count, each
    /// argument's type and how the result is used. A `Result` makes it a
    /// `T?` function: its `Err` is an error value the script handles with
    /// `?`, `?else` or `match` (see [`HostResult`](crate::HostResult)).
    /// Called through an `any` value with a wrong argument, it raises a
    /// `TypeError` naming the argument; the closure is not called.
    ///
    /// ```
    /// use limit::{Engine, Value};
    /// let mut engine = Engine::new();
    /// engine.register_fn("add", |x: i64, y: i64| x + y);
    /// assert_eq!(engine.run_str("add(2, 3)")?, Value::Int(5));
    /// assert!(engine.run_str(r#"var s: str = add(2, 3);"#).is_err()); // int is not str
    /// assert!(engine.run_str("add(1)").is_err()); // two arguments
    /// let e = engine.run_str(r#"var f: any = add; f(1, "two")"#).unwrap_err();
    /// assert!(e.to_string().starts_with(r#"error[TypeError]: argument 2 of `add`: expected int, found str "two""#));
    /// # Ok::<(), limit::Error>(())
    /// ```
    ///
    /// A *raw* function takes the arguments as `&[Value]`, however many
    /// there are (for variadic hosts), and returns `Result<Value, Error>`;
    /// the checker treats it as `any`, and its `Err` is a runtime error
    /// (catchable with `attempt`).
    ///
    /// ```
    /// use limit::{Engine, Error, Value};
    /// let mut engine = Engine::new();
    /// engine.register_fn("shout", |args: &[Value]| match args {
    ///     [Value::Str(s)] => Ok(Value::Str(s.to_uppercase())),
    ///     _ => Err(Error::runtime("TypeError", "shout takes one string")),
    /// });
    /// assert_eq!(engine.run_str(r#"shout("hey")"#).unwrap(), Value::from("HEY"));
    /// assert_eq!(engine.run_str("shout(1)").unwrap_err().kind(), Some("TypeError"));
    /// ```
    pub fn register_fn<Marker, F>(&mut self, name: &str, f: F)
    where
        F: HostFunction<Marker>,
    {
        let global = match F::signature() {
            Some(mut signature) => {
                self.host_types.name_types(&mut signature);
                self.session.declare_host_function(name, signature)
            }
            None => self.session.declare_host_global(name),
        };
        let body = f.into_body(name.into(), self.host_context());
        self.core.enter(move |core| {
            let value = VmValue::Host(Rc::new(HostFn {
                name: name.into(),
                func: body,
            }));
            core.hosts.retain(|(g, _)| *g != global);
            core.hosts.push((global, value));
            core.install_hosts();
        });
    }

    /// What host code of this engine converts function arguments with.
    pub(crate) fn host_context(&self) -> crate::callback::HostContext {
        crate::callback::HostContext {
            engine: self.id,
            releases: self.releases.clone(),
        }
    }

    pub(crate) fn host_types(&self) -> &crate::host_type::HostTypes {
        &self.host_types
    }

    pub(crate) fn host_types_mut(&mut self) -> &mut crate::host_type::HostTypes {
        &mut self.host_types
    }

    pub(crate) fn declare_host_type(
        &mut self,
        name: &str,
        info: limit_compiler::check::HostTypeInfo,
    ) {
        self.session.declare_host_type(name, info);
    }

    /// The warnings of the last chunk that compiled (an unknown frame
    /// named as a parent, …): a chunk with warnings runs; these say what
    /// looked wrong.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("frame A : Nope {}").unwrap();
    /// let w = &engine.warnings()[0];
    /// assert_eq!(w.severity, limit::Severity::Warning);
    /// assert_eq!((w.line, w.column, w.message.as_str()), (1, 11, "unknown frame or trait `Nope`"));
    /// ```
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Run the cycle collector now; returns the number of objects freed
    /// (what `gc()` returns in a script).
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("var a = [1]; a.push(a); a = nil;").unwrap();
    /// assert_eq!(engine.collect_garbage(), 1);
    /// ```
    pub fn collect_garbage(&mut self) -> usize {
        self.as_current(|core| match &mut core.vm {
            Some(vm) => vm.collect_garbage().unwrap_or(0),
            None => 0,
        })
    }

    /// The bytes the engine's values take, as its heap meter counts them
    /// (what [`Limits::max_heap_bytes`] bounds; output captured and not
    /// yet taken counts too).
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// engine.run_str("var big = \"x\".repeat(100000)").unwrap();
    /// assert!(engine.heap_bytes() >= 100_000);
    /// ```
    pub fn heap_bytes(&mut self) -> usize {
        self.as_current(|_| limit_vm::limits::heap_bytes())
    }

    /// Compile and run `source` as the next chunk (see [`Engine::run_str`]),
    /// naming it `name` in diagnostics and traces instead of `<chunk N>`.
    ///
    /// ```
    /// let mut engine = limit::Engine::new();
    /// let e = engine.run_named("rules.lm", "var x = 1;\nvar y = x / 0;").unwrap_err();
    /// assert!(e.to_string().contains("rules.lm:2"), "{e}");
    /// let e = engine.run_named("broken.lm", "var z = ;").unwrap_err();
    /// assert!(e.to_string().starts_with("broken.lm:1:9: error"), "{e}");
    /// ```
    pub fn run_named(&mut self, name: &str, source: &str) -> Result<Value, Error> {
        self.run_now(name, source, None)
    }

    fn run_now(
        &mut self,
        name: &str,
        source: &str,
        folder: Option<std::path::PathBuf>,
    ) -> Result<Value, Error> {
        let chunk = match self.session.compile_in(name, source, true, folder) {
            Ok(chunk) => chunk,
            Err(diagnostics) => {
                return Err(Error::Compile(diagnostics::compile_error(
                    self.session.sources(),
                    &diagnostics,
                )));
            }
        };
        self.warnings = diagnostics::convert(self.session.sources(), &chunk.warnings);
        let options = self.options.clone();
        let result = self.as_current(move |core| core.run_chunk(chunk, options));
        self.release_functions();
        result
    }

    /// Between two chunks: releases the session's functions nothing can
    /// call any more (a chunk's code once run, literals no value holds,
    /// replaced functions), so that a long session's program follows what
    /// is live (issue 18). Only when enough were made since the last time.
    fn release_functions(&mut self) {
        if !self.session.release_due() {
            return;
        }
        let held = self.as_current(|core| {
            core.vm
                .as_ref()
                .map(|vm| vm.functions_held())
                .unwrap_or_default()
        });
        self.session.release_functions(&held);
    }
}

/// The trap a host function's error raises in the script.
pub(crate) fn error_trap(e: &Error) -> Trap {
    match e {
        Error::Runtime(r) => trap(&r.kind, &r.message),
        Error::Conversion(m) => trap(kinds::TYPE_ERROR, m),
        other => trap(kinds::ERROR, &other.to_string()),
    }
}

fn too_deep() -> Error {
    Error::Conversion(format!(
        "a value nested more than {MAX_CONVERSION_DEPTH} levels deep (or cyclic)"
    ))
}

/// A Rust-side copy of a VM value.
pub(crate) fn from_vm(v: &VmValue, depth: usize) -> Result<Value, Error> {
    if depth > MAX_CONVERSION_DEPTH {
        return Err(too_deep());
    }
    let all = |items: &[VmValue]| -> Result<Vec<Value>, Error> {
        items.iter().map(|x| from_vm(x, depth + 1)).collect()
    };
    Ok(match v {
        VmValue::Nil => Value::Nil,
        VmValue::Bool(b) => Value::Bool(*b),
        VmValue::Int(i) => Value::Int(*i),
        VmValue::Float(f) => Value::Float(*f),
        VmValue::Str(s) => Value::Str(s.text.to_string()),
        VmValue::List(l) => Value::List(all(&l.items.borrow())?),
        VmValue::Tuple(t) => Value::Tuple(all(&t.items)?),
        VmValue::Dict(d) => {
            let map = d.map.borrow();
            let mut entries = Vec::with_capacity(map.len());
            for (k, x) in map.iter() {
                entries.push((from_vm(&k.0, depth + 1)?, from_vm(x, depth + 1)?));
            }
            Value::Dict(entries)
        }
        VmValue::Error(e) => Value::Error {
            kind: e.kind.to_string(),
            message: e.message.to_string(),
        },
        VmValue::Cell(c) => from_vm(&c.borrow(), depth + 1)?,
        VmValue::HostObject(o) => Value::Object(crate::host_type::Object::from_vm(o)),
        other => Value::Other(limit_vm::value::display(other)),
    })
}

/// The VM value of a Rust-side value.
pub(crate) fn to_vm(v: &Value, depth: usize) -> Result<VmValue, Error> {
    if depth > MAX_CONVERSION_DEPTH {
        return Err(too_deep());
    }
    let all = |items: &[Value]| -> Result<Vec<VmValue>, Error> {
        items.iter().map(|x| to_vm(x, depth + 1)).collect()
    };
    Ok(match v {
        Value::Nil => VmValue::Nil,
        Value::Bool(b) => VmValue::Bool(*b),
        Value::Int(i) => VmValue::Int(*i),
        Value::Float(f) => VmValue::Float(*f),
        Value::Str(s) => VmValue::str(s),
        Value::List(items) => VmValue::list(all(items)?),
        Value::Tuple(items) => VmValue::tuple(all(items)?),
        Value::Dict(entries) => {
            let mut map = DictMap::default();
            for (k, x) in entries {
                let key = Key::new(to_vm(k, depth + 1)?)
                    .map_err(|t| Error::Conversion(t.message.to_string()))?;
                map.insert(key, to_vm(x, depth + 1)?);
            }
            VmValue::dict(map)
        }
        Value::Error { kind, message } => VmValue::error(kind, message),
        Value::Object(object) => object.to_vm(),
        Value::Other(text) => {
            return Err(Error::Conversion(format!(
                "`{text}` cannot be passed back into Limit"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_the_vm() {
        let v = Value::Dict(vec![
            (Value::from("xs"), Value::from(vec![1i64, 2])),
            (
                Value::Int(3),
                Value::Tuple(vec![Value::Nil, Value::Float(0.5)]),
            ),
        ]);
        let back = from_vm(&to_vm(&v, 0).unwrap(), 0).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn a_cyclic_value_is_a_conversion_error() {
        let list = VmValue::list(vec![]);
        if let VmValue::List(l) = &list {
            l.items.borrow_mut().push(list.clone());
        }
        assert!(matches!(from_vm(&list, 0), Err(Error::Conversion(_))));
        if let VmValue::List(l) = &list {
            l.items.borrow_mut().clear();
        }
    }
}
