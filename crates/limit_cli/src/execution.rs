//! Running a compiled program on the VM, and showing its bytecode.

use std::io::IsTerminal;
use std::time::Duration;

use limit_cli::ExitStatus;
use limit_vm::errors::kinds;
use limit_vm::program::Program;
use limit_vm::{JitStats, Limits, RuntimeError, Stats, Vm, VmOptions};

use crate::cli::RunArgs;

/// How long a program has to stop by itself after Ctrl-C (it checks for
/// the interrupt between steps) before the process ends regardless: a
/// program blocked reading its input never reaches a step.
const INTERRUPT_GRACE: Duration = Duration::from_secs(2);

/// Runs `program`; an uncaught runtime error is printed to stderr (after
/// stdout is flushed) and ends with status 1. A closed stdout or stderr
/// ends the run quietly with status 0; Ctrl-C flushes the output and ends
/// it with status 130.
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
        line_buffered: std::io::stdout().is_terminal(),
        program_args: args.args.clone(),
        jit: args.jit,
        keep_values_at_exit: true,
        ..defaults
    };
    stop_on_interrupt();
    let mut vm = Vm::new(program, options);
    let result = vm.run();
    vm.flush();
    let status = exit_status(&vm, result, args);
    if vm.teardown_is_unobservable() {
        // The process ends now: freeing every object the program left
        // (a million instances in a list take longer to free than to
        // make) runs no `deinit` and prints nothing, so it is skipped.
        // The output is written already (`flush`).
        std::mem::forget(vm);
    }
    status
}

/// The exit status of a finished run (printing its error, if any).
fn exit_status(vm: &Vm, result: Result<(), RuntimeError>, args: &RunArgs) -> ExitStatus {
    if vm.output_closed() {
        return ExitStatus::Success;
    }
    if args.stats && !crate::output::stderr(&format_stats(vm.stats(), vm.jit_stats())) {
        return ExitStatus::Success;
    }
    match result {
        Ok(()) => ExitStatus::Success,
        Err(error) if error.kind == kinds::OUTPUT_CLOSED => ExitStatus::Success,
        Err(error) => {
            if !crate::output::stderr(&crate::colour::for_stderr(&format!("{error}\n"))) {
                return ExitStatus::Success;
            }
            if error.kind == kinds::INTERRUPTED {
                ExitStatus::Interrupted
            } else {
                ExitStatus::RuntimeError
            }
        }
    }
}

/// Ctrl-C asks the program to stop (it flushes its output and reports
/// where it was); one that does not stop in time ends with status 130.
fn stop_on_interrupt() {
    // Failing to install the handler leaves Ctrl-C's default: the process
    // ends at once, without flushing. Nothing better can be done.
    let _ = ctrlc::set_handler(|| {
        limit_vm::interrupt::request();
        std::thread::sleep(INTERRUPT_GRACE);
        std::process::exit(ExitStatus::Interrupted.code());
    });
}

/// The text of `limit disasm`.
pub fn disassemble(program: &Program) -> String {
    limit_vm::disassemble(program)
}

/// `--stats` output, one counter per line; with the JIT on, what it
/// compiled (the instruction count is then of interpreted instructions).
fn format_stats(stats: &Stats, jit: Option<JitStats>) -> String {
    let mut text = format!(
        "instructions: {}\ncalls: {}\nallocations: {}\ninline cache hits: {}\ninline cache misses: {}\n",
        stats.instructions, stats.calls, stats.allocations, stats.cache_hits, stats.cache_misses
    );
    if let Some(jit) = jit {
        text.push_str(&format!(
            "jit compiled: {}\njit calls inlined: {}\njit entries: {}\njit deoptimisations: {}\njit compile time: {:.3} ms\n",
            jit.compiled,
            jit.inlined,
            jit.entries,
            jit.deopts,
            jit.compile_time.as_secs_f64() * 1000.0
        ));
    }
    text
}
