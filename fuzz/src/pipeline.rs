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
        generic_only: !optimize,
        ..VmOptions::default()
    };
    let mut vm = Vm::new(program, options);
    let result = vm.run();
    let output = vm.take_output();
    Some((output, result.err().map(|e| e.to_string())))
}
