//! The compiler (resolver, checker, code generator, optimiser) on random
//! syntactically valid programs from the grammar-based generator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use limit_fuzz::generator::GeneratedProgram;

fuzz_target!(|input: GeneratedProgram| {
    let _ = limit_fuzz::pipeline::compile(&input.source, input.optimize);
});
