//! The pipelines the fuzz targets drive, shared with the regression test
//! `crates/limit/tests/fuzz_regressions.rs` (which includes this file by
//! path): a fixed input goes through exactly the code its target ran.
//!
//! Each function returns normally for every input; a panic (or an abort, a
//! hang, a leak) is the bug the fuzzer reports.

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::{lex, parse, printer, SourceMap};
use limit_vm::program::Program;
use limit_vm::{Limits, Vm, VmOptions};

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

/// How one run of a program ended: its output and its error's kind.
#[derive(Debug, PartialEq)]
pub struct Ending {
    pub output: String,
    pub error_kind: Option<String>,
}

impl Ending {
    /// Whether the run stopped at a resource limit, where how far it got
    /// may depend on the execution mode (the heap meter counts values as
    /// each mode keeps them).
    fn hit_a_limit(&self) -> bool {
        matches!(
            self.error_kind.as_deref(),
            Some("ResourceLimit" | "StackOverflow")
        )
    }
}

/// Compile `source` (optimised or not) and run it under [`fuzz_limits`].
pub fn run_mode(source: &str, optimize: bool) -> Option<Ending> {
    let program = compile(source, optimize)?;
    let options = VmOptions {
        limits: fuzz_limits(),
        capture_output: true,
        ..VmOptions::default()
    };
    let mut vm = Vm::new(program, options);
    let result = vm.run();
    Some(Ending {
        output: vm.take_output(),
        error_kind: result.err().map(|e| e.kind),
    })
}

/// `run`, differentially: the program runs optimised and at `-O0`, and
/// both must print the same and end with the same
/// error kind (when one stops at a resource limit, the outputs need only
/// agree up to where the shorter stops). A failed `assert` is a bug: the
/// generator's scenarios assert what the language guarantees (every
/// `deinit` runs exactly once). Panics with the endings otherwise.
pub fn run_differential(source: &str) {
    let Some(optimised) = run_mode(source, true) else {
        return;
    };
    let endings = [
        ("optimised", Some(optimised)),
        ("-O0", run_mode(source, false)),
    ];
    let (first_name, Some(first)) = &endings[0] else {
        return;
    };
    for (name, ending) in &endings {
        let Some(ending) = ending else {
            panic!("{name}: the program compiled optimised but not here");
        };
        assert_ne!(
            ending.error_kind.as_deref(),
            Some("AssertionFailed"),
            "{name}: an oracle failed\n{}",
            ending.output
        );
        if first.hit_a_limit() || ending.hit_a_limit() {
            let (short, long) = if first.output.len() <= ending.output.len() {
                (&first.output, &ending.output)
            } else {
                (&ending.output, &first.output)
            };
            assert!(
                long.starts_with(short.as_str()),
                "{first_name} and {name} print differently before a limit\n{first:?}\n{ending:?}"
            );
        } else {
            assert_eq!(first, ending, "{first_name} and {name} differ");
        }
    }
}
