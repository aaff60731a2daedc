//! The pipelines the fuzz targets drive, shared with the regression test
//! `crates/limit/tests/fuzz_regressions.rs` (which includes this file by
//! path): a fixed input goes through exactly the code its target ran.
//!
//! Each function returns normally for every input; a panic (or an abort, a
//! hang, a leak) is the bug the fuzzer reports.

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::{lex, parse, printer, SourceMap};
use limit_vm::isolate::Isolate;
use limit_vm::program::Program;
use limit_vm::{JitMode, Limits, RuntimeError, Vm, VmOptions};

/// The name the fuzzed source file gets in its `SourceMap`.
pub const FILE_NAME: &str = "fuzz.lm";

/// The limits of a fuzzed run: small enough that every run ends quickly
/// and in little memory, whatever the program does.
pub fn fuzz_limits() -> Limits {
    Limits {
        max_steps: Some(20_000),
        max_call_depth: 200,
        max_heap_bytes: Some(1 << 20),
        max_string_len: Some(1 << 20),
        max_collection_len: Some(100_000),
        max_threads: Some(2),
    }
}

/// `lex_parse`: lex and parse arbitrary bytes (invalid UTF-8 replaced),
/// then print the tree and place every diagnostic, as `limit ast` does.
pub fn lex_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut sources = SourceMap::new();
    let file = sources.add(FILE_NAME, text.as_ref());
    let (tokens, mut diagnostics) = lex(&text, file);
    let (module, more) = parse(&tokens, file);
    diagnostics.extend(more);
    let source = sources.get(file);
    let _ = printer::print_module(&module, Some(source));
    for d in &diagnostics {
        let _ = source.line_col(d.span.start);
        let _ = source.line_col(d.span.end);
    }
}

/// `compile`: compile `source` as the entry file of a program; the program
/// when there were no errors. Every diagnostic's position is computed, as
/// the renderer does.
pub fn compile(source: &str, optimize: bool) -> Option<Program> {
    let mut sources = SourceMap::new();
    let file = sources.add(FILE_NAME, source);
    let output = compile_program(
        &mut sources,
        file,
        &CompileOptions {
            optimize,
            ..CompileOptions::default()
        },
    );
    for d in &output.diagnostics {
        let f = sources.get(d.span.file);
        let _ = f.line_col(d.span.start);
        let _ = f.line_col(d.span.end);
    }
    output.program
}

/// `run`: compile `source` and run it under [`fuzz_limits`] with its output
/// captured. Returns the output and the runtime error's text, if any
/// (`None` when the program did not compile).
pub fn run(source: &str, optimize: bool) -> Option<(String, Option<String>)> {
    let program = compile(source, optimize)?;
    let options = VmOptions {
        limits: fuzz_limits(),
        capture_output: true,
        ..VmOptions::default()
    };
    let mut vm = Vm::new(program, options);
    let result = vm.run();
    let output = vm.take_output();
    Some((output, result.err().map(|e| e.to_string())))
}

/// The ways `run_differential` runs a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Optimised, interpreted.
    Optimised,
    /// Not optimised (`-O0`), interpreted: the reference.
    Unoptimised,
    /// Optimised, with the native-code tier compiling every function at
    /// its first call and every loop at its first back edge
    /// (`--jit=always`).
    OptimisedJit,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Optimised => "optimised",
            Mode::Unoptimised => "-O0",
            Mode::OptimisedJit => "optimised --jit=always",
        }
    }
}

/// How one run of a program ended: its output and its error (kind,
/// message, stack trace).
#[derive(Debug)]
pub struct Ending {
    pub output: String,
    pub error: Option<RuntimeError>,
    /// Entry points the JIT compiled (0 when it was off).
    pub jit_compiled: u64,
}

impl Ending {
    pub fn error_kind(&self) -> Option<&str> {
        self.error.as_ref().map(|e| e.kind.as_str())
    }

    /// Whether the run stopped at a resource limit, where how far it got
    /// depends on the bytecode run (the optimiser changes the number of
    /// steps, and the heap meter counts values as each program keeps them).
    fn hit_a_limit(&self) -> bool {
        matches!(self.error_kind(), Some("ResourceLimit" | "StackOverflow"))
    }
}

/// Compile `source` (optimised or not) and run it under [`fuzz_limits`]
/// the way `mode` says.
pub fn run_mode(source: &str, mode: Mode) -> Option<Ending> {
    let program = compile(source, mode != Mode::Unoptimised)?;
    Some(run_compiled(program, mode))
}

/// Run `program` (compiled as `mode` says) under [`fuzz_limits`] with its
/// output captured, the JIT on if `mode` says so.
fn run_compiled(program: Program, mode: Mode) -> Ending {
    let options = VmOptions {
        limits: fuzz_limits(),
        capture_output: true,
        jit: if mode == Mode::OptimisedJit {
            JitMode::Always
        } else {
            JitMode::Off
        },
        ..VmOptions::default()
    };
    // Each run has a heap of its own (cycle collector registry, deinit
    // queue, heap meter), as a run in a process of its own would: on a
    // shared thread the registry's size after earlier programs changes
    // what a collection costs in steps, and what a run leaves counted
    // moves where the next one hits the memory limit.
    let mut isolate = Isolate::new(move || Vm::new(program, options));
    isolate.enter(|vm| {
        let result = vm.run();
        let ending = Ending {
            output: vm.take_output(),
            error: result.err(),
            jit_compiled: vm.jit_stats().map_or(0, |s| s.compiled),
        };
        // Cycles the program left are freed only by a collection: the
        // isolate's registry does not outlive it, so without one they
        // would stay allocated for the rest of the fuzzing process.
        let _ = vm.collect_garbage();
        ending
    })
}

/// Reruns of each way a program whose optimised and JIT runs stopped at a
/// limit in different places gets before they count as different
/// ([`agree_at_a_limit`]).
const LIMIT_RERUNS: usize = 4;

impl Ending {
    /// The same output and the same error, trace columns included.
    fn same_as(&self, other: &Ending) -> bool {
        self.output == other.output && self.error == other.error
    }
}

/// Whether two runs of one program, at least one of which stopped at a
/// limit, printed the same up to where the shorter stops. The line the
/// shorter run was printing when its limit struck may differ: the limit
/// can strike inside what that line reports (a `deinit` run while an
/// error unwinds adds a note about the limit to the error's message,
/// which a `?else` handler then prints), so that line is left out when
/// the shorter run is one that hit a limit.
fn agree_before_a_limit(a: &Ending, b: &Ending) -> bool {
    let (short, long) = if a.output.len() <= b.output.len() {
        (a, b)
    } else {
        (b, a)
    };
    let mut agreed = short.output.as_str();
    if short.hit_a_limit() {
        let kept = agreed
            .trim_end_matches('\n')
            .rfind('\n')
            .map_or(0, |i| i + 1);
        agreed = &agreed[..kept];
    }
    long.output.starts_with(agreed)
}

/// The JIT's run of `program` when it and the optimised interpreter's
/// stopped at a limit in different places: a rerun of the JIT that
/// agrees with the interpreter exactly; or, when a rerun of the
/// interpreter stops elsewhere than it did (the stop is not determined:
/// see [`run_differential`]), the JIT's first run if it printed what the
/// interpreter did up to where the shorter stops and ended with the same
/// kind of error. Panics when neither happens in [`LIMIT_RERUNS`] tries.
fn agree_at_a_limit(program: &Program, optimised: Ending, jit: Ending) -> Ending {
    for _ in 0..LIMIT_RERUNS {
        let again = run_compiled(program.clone(), Mode::OptimisedJit);
        if again.same_as(&optimised) {
            return again;
        }
        if !run_compiled(program.clone(), Mode::Optimised).same_as(&optimised) {
            assert!(
                agree_before_a_limit(&jit, &optimised)
                    && jit.error_kind() == optimised.error_kind(),
                "optimised and {} print differently before a limit\n{optimised:?}\n{jit:?}",
                Mode::OptimisedJit.name()
            );
            return jit;
        }
    }
    panic!(
        "optimised and {} stop at a limit in different places, and reruns the same\n\
         {optimised:?}\n{jit:?}",
        Mode::OptimisedJit.name()
    );
}

/// `run`, differentially: the program runs three ways ([`Mode`]).
///
/// * Optimised and at `-O0` it must print the same and end with the same
///   error (kind, message and stack trace, columns included: a
///   combined instruction reports where the instruction that fails was);
///   when either stops at a resource limit, the
///   outputs need only agree up to where the shorter stops, since the two
///   run different instructions.
/// * With `--jit=always` it must end exactly as the optimised
///   interpreter does, limits included: it runs the same bytecode, and
///   compiled code counts steps where the interpreter does
///   (ARCHITECTURE.md, "Step counting"), so a step limit stops both at
///   the same instruction. One thing moves that instruction from run to
///   run in any mode: a dict probe that meets another key with the same
///   hash tag is charged to the step budget (issue 18 item 18), and dicts
///   are hashed with a random seed. So when the two stop at a limit in
///   different places, both run again ([`agree_at_a_limit`]): a JIT
///   rerun must agree exactly, unless the interpreter's own rerun stops
///   elsewhere too, and then the JIT's output must agree up to where the
///   shorter stops. A JIT that counts steps differently in a program
///   whose stop is determined never passes. Through the optimised run the
///   JIT is compared with `-O0` as well.
///
/// A failed `assert` is a bug: the generator's scenarios assert what the
/// language guarantees (every `deinit` runs exactly once). Panics with the
/// endings otherwise. Returns the JIT's run (`None`: the program did not
/// compile).
pub fn run_differential(source: &str) -> Option<Ending> {
    let program = compile(source, true)?;
    let mut jit = run_compiled(program.clone(), Mode::OptimisedJit);
    let optimised = run_compiled(program.clone(), Mode::Optimised);
    let Some(unoptimised) = run_mode(source, Mode::Unoptimised) else {
        panic!("the program compiled optimised but not at -O0");
    };
    for e in [&optimised, &unoptimised, &jit] {
        assert_ne!(
            e.error_kind(),
            Some("AssertionFailed"),
            "an oracle failed\n{}",
            e.output
        );
    }
    // Optimised and -O0.
    if optimised.hit_a_limit() || unoptimised.hit_a_limit() {
        assert!(
            agree_before_a_limit(&optimised, &unoptimised),
            "optimised and -O0 print differently before a limit\n{optimised:?}\n{unoptimised:?}"
        );
    } else {
        assert!(
            optimised.same_as(&unoptimised),
            "optimised and -O0 differ\n{optimised:?}\n{unoptimised:?}"
        );
    }
    // Optimised and JIT, exactly.
    if !jit.same_as(&optimised) && (jit.hit_a_limit() || optimised.hit_a_limit()) {
        jit = agree_at_a_limit(&program, optimised, jit);
    } else {
        assert!(
            jit.same_as(&optimised),
            "optimised and {} differ\n{optimised:?}\n{jit:?}",
            Mode::OptimisedJit.name()
        );
    }
    Some(jit)
}
