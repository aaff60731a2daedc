//! Look for memory a run leaves behind: run programs over and over in one
//! process (each in an isolate of its own, as the `run` target does) and
//! print the resident size after each pass. Steady growth from one pass to
//! the next is memory no run gave back.
//!
//! ```sh
//! cd fuzz
//! cargo build --release --example leakcheck
//! # 2 000 generated programs (seed 77), four passes, interpreted:
//! target/release/examples/leakcheck opt 2000 4
//! # one program 300 times a pass, with --jit=always:
//! target/release/examples/leakcheck jit 300 3 program.lm
//! # each generated program alone: those that grow are written to /tmp:
//! target/release/examples/leakcheck opt 300 0
//! ```

use limit_fuzz::pipeline::{self, Mode};
use limit_fuzz::{generator, inputs};

/// The process's resident memory, in kilobytes.
fn resident_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: leakcheck opt|o0|jit COUNT PASSES [PROGRAM.lm]";
    let mode = match args.first().map(String::as_str) {
        Some("jit") => Mode::OptimisedJit,
        Some("o0") => Mode::Unoptimised,
        Some("opt") => Mode::Optimised,
        _ => panic!("{usage}"),
    };
    let number = |i: usize| -> u64 {
        args.get(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("{usage}"))
    };
    let (count, passes) = (number(1), number(2));
    let programs: Vec<String> = match args.get(3) {
        Some(path) => {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            vec![text; count as usize]
        }
        None => (0..count)
            .map(|i| generator::generate(&inputs::input(77, i)).source)
            .collect(),
    };
    println!("start: {} KB", resident_kb());
    if passes == 0 {
        // Each program alone: warm up, then 300 runs.
        for (i, source) in programs.iter().enumerate() {
            for _ in 0..20 {
                let _ = pipeline::run_mode(source, mode);
            }
            let before = resident_kb();
            for _ in 0..300 {
                let _ = pipeline::run_mode(source, mode);
            }
            let grown = resident_kb().saturating_sub(before);
            if grown > 8 {
                let path = format!("/tmp/leakcheck-{i}.lm");
                let _ = std::fs::write(&path, source);
                println!("program {i} grew {grown} KB in 300 runs: {path}");
            }
        }
        return;
    }
    for pass in 0..passes {
        for source in &programs {
            let _ = pipeline::run_mode(source, mode);
        }
        println!("pass {pass}: {} KB", resident_kb());
    }
}
