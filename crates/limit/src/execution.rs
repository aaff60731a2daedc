//! Running a compiled program on the VM, and showing its bytecode.

use std::io::{self, Write};

use limit::ExitStatus;
use limit_vm::program::Program;
use limit_vm::{Limits, Stats, Vm, VmOptions};

use crate::cli::RunArgs;

/// Runs `program`; an uncaught runtime error is printed to stderr (after
/// stdout is flushed) and ends with status 1.
pub fn execute_program(program: Program, args: &RunArgs) -> ExitStatus {
    let defaults = VmOptions::default();
    let limits = Limits {
        max_call_depth: args.max_frames.unwrap_or(defaults.limits.max_call_depth),
        max_heap_bytes: args.max_memory,
        max_steps: args.max_steps,
        ..defaults.limits
    };
    let options = VmOptions {
        limits,
        trace: args.trace,
        stats: args.stats,
        generic_only: args.no_hot_path || !args.compile.optimize(),
        ..defaults
    };
    let mut vm = Vm::new(program, options);
    let result = vm.run();
    vm.flush();
    let _ = io::stdout().flush();
    if args.stats {
        eprint!("{}", format_stats(vm.stats()));
    }
    match result {
        Ok(()) => ExitStatus::Success,
        Err(error) => {
            eprintln!("{error}");
            ExitStatus::RuntimeError
        }
    }
}

/// The text of `limit disasm`.
pub fn disassemble(program: &Program) -> String {
    limit_vm::disassemble(program)
}

/// `--stats` output, one counter per line.
fn format_stats(stats: &Stats) -> String {
    format!(
        "instructions: {}\ncalls: {}\nallocations: {}\ninline cache hits: {}\ninline cache misses: {}\n",
        stats.instructions, stats.calls, stats.allocations, stats.cache_hits, stats.cache_misses
    )
}
