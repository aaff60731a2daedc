//! Warnings that must appear exactly where docs/reference.md says, and nowhere
//! else: the inclusive `..` of task ranges (§2) and unknown block
//! parameters (§12a).

use limit_compiler::{compile_program, CompileOptions};
use limit_syntax::SourceMap;

/// The warnings of `source`, which must compile.
fn warnings_of(source: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    let entry = sources.add("w.lm", source.to_string());
    let output = compile_program(&mut sources, entry, &CompileOptions::default());
    assert!(output.program.is_some(), "{:#?}", output.diagnostics);
    output
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn exclusive_spelling_in_task_ranges_is_warned_once_each() {
    let warnings = warnings_of(
        "var ch = channel()\nconcurrent (ch=ch) { task (i in 1..10) { ch.send(i) } }\n\
         var n = 3\nparallel (cores=2) { iter (i in 0..n) { print(i) } }\n",
    );
    assert_eq!(
        warnings,
        [
            "in a task range, `1..10` includes 10; write `1..=10` to say so",
            "in a parallel block's `iter`, `0..n` includes n; write `0..=n` to say so",
        ]
    );
}

#[test]
fn inclusive_ranges_and_ordinary_loops_are_silent() {
    let warnings = warnings_of(
        "var ch = channel()\nconcurrent (ch=ch) { task (i in 1..=10) { ch.send(i) } }\n\
         parallel (cores=2) { iter (i in 0..=3) { print(i) } }\n\
         iter (i in 0..3) { print(i) }\nconcurrent { task { iter (j in 0..2) { print(j) } } }\n",
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn known_block_parameters_are_silent() {
    let warnings = warnings_of(
        "var out = channel()\nparallel (ch=out, cores=2, mode=\"fork-join\", timeout=2s, on_error=Stop, on_timeout=\"partial\") { task { out.send(1) } }\n",
    );
    assert!(warnings.is_empty(), "{warnings:?}");
}
