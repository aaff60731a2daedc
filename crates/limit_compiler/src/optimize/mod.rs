//! Bytecode optimisation passes (DESIGN.md §9). Each pass keeps program
//! behaviour identical; `limit run -O0` skips them all, and the conformance
//! suite runs under both settings.

mod loops;
mod peephole;

use limit_bytecode::program::Program;

/// Runs every pass over every function of `program`.
pub fn optimize(program: &mut Program) {
    for index in 0..program.functions.len() {
        optimize_function(program, index);
    }
}

/// Optimises function `index` of `program` (a session optimises each
/// chunk's new functions once).
pub fn optimize_function(program: &mut Program, index: usize) {
    peephole::combine(program, index);
    loops::test_at_back_edges(&mut program.functions[index]);
}
