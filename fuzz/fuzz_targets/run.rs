//! Compile and run random programs from the grammar-based generator in the
//! VM, with small step, call-depth and memory limits and captured output,
//! three ways (optimised, `-O0`, and optimised with `--jit=always`), which
//! must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use limit_fuzz::generator::GeneratedProgram;

fuzz_target!(|input: GeneratedProgram| {
    let _ = input.optimize;
    let _ = limit_fuzz::pipeline::run_differential(&input.source);
});
