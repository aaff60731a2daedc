//! Inputs the fuzzers found problems with (panics, hangs, wrong
//! diagnostics), fed through the same pipeline as their fuzz target
//! (`fuzz/src/pipeline.rs`, included here by path) to check that each one
//! now ends normally.
//!
//! * `tests/fuzz_regressions/lex_parse/*`: raw bytes for the lexer and parser.
//! * `tests/fuzz_regressions/compile/*.lm`, `run/*.lm`: the Limit program the
//!   generator made of the crashing input (`cargo run --example generate --
//!   ARTIFACT` in `fuzz/` prints it). The program text is kept rather than the
//!   raw bytes, whose meaning changes whenever the generator does. Each is
//!   compiled optimised and with `-O0`; each of `run/` runs optimised, at
//!   `-O0` and optimised with `--jit=always`, and the three must agree.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/pipeline.rs"]
mod pipeline;

fn regression_files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .collect();
    files.sort();
    files
}

/// Feeds every file of `target`'s folder to `check`; fails naming each file
/// whose check panicked.
fn check_all(target: &str, check: impl Fn(&[u8])) {
    let mut failures = Vec::new();
    let files = regression_files(target);
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failures.push(file.display().to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} regression inputs panicked:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

#[test]
fn lex_parse_regressions() {
    check_all("lex_parse", pipeline::lex_parse);
}

#[test]
fn compile_regressions() {
    check_all("compile", |data| {
        pipeline::lex_parse(data);
        let source = text(data);
        let _ = pipeline::compile(&source, true);
        let _ = pipeline::compile(&source, false);
    });
}

#[test]
fn run_regressions() {
    let entry_points = std::cell::Cell::new(0);
    check_all("run", |data| {
        if let Some(jit) = pipeline::run_differential(&text(data)) {
            entry_points.set(entry_points.get() + jit.jit_compiled);
        }
    });
    // The third run does use the native-code tier.
    assert!(entry_points.get() > 0, "the JIT compiled nothing");
}

/// The limits keep every run short: a program that loops forever stops
/// with a `ResourceLimit` error.
#[test]
fn run_pipeline_stops_endless_programs() {
    let (_, error) = pipeline::run("while (true) { }\n", true).expect("compiles");
    let error = error.expect("a runtime error");
    assert!(error.contains("ResourceLimit"), "{error}");
}
