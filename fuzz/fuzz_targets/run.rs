//! Compile and run random programs from the grammar-based generator in the
//! VM, with small step, call-depth and memory limits and captured output,
//! two ways (optimised and `-O0`), which must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use limit_fuzz::generator::GeneratedProgram;

fuzz_target!(|input: GeneratedProgram| {
    let _ = input.optimize;
    limit_fuzz::pipeline::run_differential(&input.source);
});
